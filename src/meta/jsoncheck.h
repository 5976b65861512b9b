/* SPDX-License-Identifier: Apache-2.0 */
/* Strictness checks that cJSON does not make, run over the raw bytes before
 * parsing: UTF-8 validity, no raw control characters or \u0000 or lone
 * surrogates in strings, and a nesting bound. */
#ifndef VOLATTACH_META_JSONCHECK_H
#define VOLATTACH_META_JSONCHECK_H

#include <stddef.h>

#include "base/err.h"

#define JSON_MAX_DEPTH 64

/* 0, or -VA_E_PARSE with "line L column C (byte B): reason" in err. */
int jsoncheck(const char *buf, size_t len, struct va_err *err);

/* The same, calling on_number (when not NULL) for every number token, in
 * document order, with its offset and length: cJSON keeps only the double,
 * so a message could otherwise not show a number as the document wrote it. */
int jsoncheck_numbers(const char *buf, size_t len, struct va_err *err,
                      void (*on_number)(size_t off, size_t n, void *ctx), void *ctx);

/* 1-based line and column (in bytes) of offset off. */
void json_position(const char *buf, size_t len, size_t off, unsigned long *line,
                   unsigned long *col);

#endif
