/* SPDX-License-Identifier: Apache-2.0 */
/* A growable, bounded byte buffer for text that may hold a CHAP secret (a
 * metadata document, an HTTP body, a node record): it grows by copying and
 * wiping the old block, never by realloc, which could leave a copy in freed
 * memory; it is wiped when freed; its bytes are followed by a NUL. */
#ifndef VOLATTACH_BASE_BUF_H
#define VOLATTACH_BASE_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct va_buf {
        char *data; /* NULL until the first reserve */
        size_t len; /* bytes held, not counting the NUL after them */
        size_t cap; /* bytes allocated */
        size_t max; /* len may not pass this: -VA_E_TOOBIG */
};

#define VA_BUF_INIT(max_len)          \
        {                             \
                NULL, 0, 0, (max_len) \
        }
#define VA_BUF_UNBOUNDED SIZE_MAX

/* Room for n more bytes and a NUL after them, at data + len: 0,
 * -VA_E_TOOBIG when len + n would pass max, or -VA_E_NOMEM. The buffer is
 * unchanged on failure. */
int va_buf_reserve(struct va_buf *b, size_t n);

/* Counts n bytes written into reserved room and puts the NUL after them. */
void va_buf_commit(struct va_buf *b, size_t n);

/* va_buf_reserve, then copies n bytes from p. */
int va_buf_append(struct va_buf *b, const void *p, size_t n);

/* Reads p (at most n bytes) from a source into *got, 0 at its end; returns
 * 0, or a negative code with err set. */
typedef int (*va_buf_read_fn)(void *ctx, void *p, size_t n, size_t *got, struct va_err *err);

/* Appends everything fn delivers until its end, so that data is never NULL
 * afterwards. Past max: -VA_E_TOOBIG, "WHAT: larger than MAX bytes"; out of
 * memory: "WHAT: out of memory"; fn's own failures as it set them. On any
 * failure the buffer is wiped and freed. */
int va_buf_read_all(struct va_buf *b, va_buf_read_fn fn, void *ctx, const char *what,
                    struct va_err *err);

/* Wipes and frees the bytes; the buffer is empty (same max) afterwards. */
void va_buf_free(struct va_buf *b);

#endif
