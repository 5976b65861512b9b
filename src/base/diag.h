/* SPDX-License-Identifier: Apache-2.0 */
/* A list of warnings and errors collected while reading metadata, so the
 * parser stays silent and the CLI decides where they go (text, JSON, log). */
#ifndef VOLATTACH_BASE_DIAG_H
#define VOLATTACH_BASE_DIAG_H

#include <stddef.h>

#include "base/err.h"

struct diag {
        int level;        /* enum va_log_level */
        char *msg;        /* the whole line, as logged: "WHERE (ID): KEY: reason" */
        const char *code; /* a stable machine code (docs/json.md); a literal */
        char *where;      /* the document and item ("meta_data.json: volumes[1]"); or NULL */
        char *id;         /* the volume id, when known; or NULL */
        char *key;        /* the key within the item ("data.target_lun"); or NULL */
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

/* Like diag_add, with what a machine reads: code (a string literal,
 * kept by pointer), and where, id and key (copied; each may be NULL or
 * ""). msg is the whole text. */
int diag_add_at(struct diag_list *l, int level, const char *code, const char *where, const char *id,
                const char *key, const char *fmt, ...)
    __attribute__((format(VA_PRINTF_FORMAT, 7, 8)));

/* Number of entries at or above (numerically at or below) level. */
size_t diag_count(const struct diag_list *l, int level);

void diag_list_free(struct diag_list *l);

#define DIAG_MAX 4096

#endif
