/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnostics collected while reading metadata. */
#include "base/diag.h"
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"

static char *
dup_or_null(const char *s)
{
        return s != NULL && s[0] != '\0' ? strdup(s) : NULL;
}

/* The format is checked at diag_add's and diag_add_at's callers; saying so
 * here is what lets clang's -Wformat-nonliteral accept the vsnprintf. */
static int diag_vadd(struct diag_list *l, int level, const char *code, const char *where,
                     const char *id, const char *key, const char *fmt, va_list ap)
    __attribute__((format(VA_PRINTF_FORMAT, 7, 0)));

static int
diag_vadd(struct diag_list *l, int level, const char *code, const char *where, const char *id,
          const char *key, const char *fmt, va_list ap)
{
        char buf[1024];
        struct diag *nv, *d;

        if (l->n >= DIAG_MAX)
                return 0;
        nv = array_grow(l->v, &l->cap, l->n, sizeof(*nv));
        if (nv == NULL)
                return -VA_E_NOMEM;
        l->v = nv;
        (void)vsnprintf(buf, sizeof(buf), fmt, ap);
        d = &l->v[l->n];
        memset(d, 0, sizeof(*d));
        d->level = level;
        d->code = code;
        d->msg = strdup(buf);
        d->where = dup_or_null(where);
        d->id = dup_or_null(id);
        d->key = dup_or_null(key);
        if (d->msg == NULL || (where != NULL && where[0] && d->where == NULL) ||
            (id != NULL && id[0] && d->id == NULL) || (key != NULL && key[0] && d->key == NULL)) {
                free(d->msg);
                free(d->where);
                free(d->id);
                free(d->key);
                return -VA_E_NOMEM;
        }
        l->n++;
        return 0;
}

int
diag_add(struct diag_list *l, int level, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = diag_vadd(l, level, NULL, NULL, NULL, NULL, fmt, ap);
        va_end(ap);
        return r;
}

int
diag_add_at(struct diag_list *l, int level, const char *code, const char *where, const char *id,
            const char *key, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = diag_vadd(l, level, code, where, id, key, fmt, ap);
        va_end(ap);
        return r;
}

size_t
diag_count(const struct diag_list *l, int level)
{
        size_t i, c = 0;

        for (i = 0; i < l->n; i++)
                if (l->v[i].level <= level)
                        c++;
        return c;
}

void
diag_list_free(struct diag_list *l)
{
        size_t i;

        for (i = 0; i < l->n; i++) {
                free(l->v[i].msg);
                free(l->v[i].where);
                free(l->v[i].id);
                free(l->v[i].key);
        }
        free(l->v);
        l->v = NULL;
        l->n = l->cap = 0;
}
