/* SPDX-License-Identifier: Apache-2.0 */
/* A list of warnings and errors collected while reading metadata, so the
 * parser stays silent and the CLI decides where they go (text, JSON, log). */
#ifndef VOLATTACH_BASE_DIAG_H
#define VOLATTACH_BASE_DIAG_H

#include <stddef.h>

#include "base/err.h"

struct diag {
        int level; /* enum va_log_level */
        char *msg;
};

struct diag_list {
        struct diag *v;
        size_t n, cap;
};

/* Appends a message. Returns 0 or -VA_E_NOMEM. The list is capped so that a
 * hostile document cannot make it grow without bound; messages past the cap
 * are counted in `dropped`. */
int diag_add(struct diag_list *l, int level, const char *fmt, ...)
    __attribute__((format(VA_PRINTF_FORMAT, 3, 4)));

/* Number of entries at or above (numerically at or below) level. */
size_t diag_count(const struct diag_list *l, int level);

void diag_list_free(struct diag_list *l);

#define DIAG_MAX 4096

#endif
