/* SPDX-License-Identifier: Apache-2.0 */
/* The wiping growable buffer (see buf.h for why it never reallocs). */
#include "base/buf.h"

#include <stdlib.h>
#include <string.h>

#include "base/secret.h"

/* The first block: most metadata documents and node records fit in it. */
#define BUF_FIRST 16384

int
va_buf_reserve(struct va_buf *b, size_t n)
{
        size_t need, ncap;
        char *nb;

        if (n > b->max || b->len > b->max - n)
                return -VA_E_TOOBIG;
        if (b->len + n == SIZE_MAX)
                return -VA_E_NOMEM;
        need = b->len + n + 1;
        if (need <= b->cap)
                return 0;
        ncap = b->cap ? b->cap : BUF_FIRST;
        while (ncap < need)
                ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
        /* need never passes max + 1: a bounded buffer stops there */
        if (b->max < SIZE_MAX && ncap > b->max + 1)
                ncap = b->max + 1;
        nb = malloc(ncap);
        if (nb == NULL)
                return -VA_E_NOMEM;
        if (b->data != NULL) {
                memcpy(nb, b->data, b->len);
                va_secure_zero(b->data, b->cap);
                free(b->data);
        }
        nb[b->len] = '\0';
        b->data = nb;
        b->cap = ncap;
        return 0;
}

void
va_buf_commit(struct va_buf *b, size_t n)
{
        b->len += n;
        b->data[b->len] = '\0';
}

int
va_buf_append(struct va_buf *b, const void *p, size_t n)
{
        int r = va_buf_reserve(b, n);

        if (r < 0)
                return r;
        if (n > 0)
                memcpy(b->data + b->len, p, n);
        va_buf_commit(b, n);
        return 0;
}

int
va_buf_read_all(struct va_buf *b, va_buf_read_fn fn, void *ctx, const char *what,
                struct va_err *err)
{
        int r;

        for (;;) {
                size_t room = b->cap > b->len + 1 ? b->cap - b->len - 1 : 0, got = 0;
                char probe;

                if (room > b->max - b->len)
                        room = b->max - b->len;
                if (room == 0 && b->len < b->max) {
                        r = va_buf_reserve(b, b->max - b->len < BUF_FIRST ? b->max - b->len
                                                                          : BUF_FIRST);
                        if (r < 0) {
                                r = va_err_set(err, VA_E_NOMEM, "%s: out of memory", what);
                                goto fail;
                        }
                        continue;
                }
                /* at max, one byte more (into probe) tells a source of
                 * exactly max bytes from a larger one */
                r = fn(ctx, room > 0 ? b->data + b->len : &probe, room > 0 ? room : 1, &got, err);
                if (r < 0)
                        goto fail;
                if (got == 0)
                        break;
                if (room == 0 || got > room) {
                        r = va_err_set(err, VA_E_TOOBIG, "%s: larger than %zu bytes", what, b->max);
                        goto fail;
                }
                va_buf_commit(b, got);
        }
        if (va_buf_reserve(b, 0) < 0) {
                r = va_err_set(err, VA_E_NOMEM, "%s: out of memory", what);
                goto fail;
        }
        return 0;
fail:
        va_buf_free(b);
        return r;
}

void
va_buf_free(struct va_buf *b)
{
        if (b->data != NULL) {
                va_secure_zero(b->data, b->cap);
                free(b->data);
        }
        b->data = NULL;
        b->len = 0;
        b->cap = 0;
}
