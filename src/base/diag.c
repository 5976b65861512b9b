/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnostics collected while reading metadata. */
#include "base/diag.h"
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"

int
diag_add(struct diag_list *l, int level, const char *fmt, ...)
{
        char buf[1024];
        va_list ap;
        struct diag *nv;
        char *copy;

        if (l->n >= DIAG_MAX)
                return 0;
        nv = array_grow(l->v, &l->cap, l->n, sizeof(*nv));
        if (nv == NULL)
                return -VA_E_NOMEM;
        l->v = nv;
        va_start(ap, fmt);
        (void)vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        copy = strdup(buf);
        if (copy == NULL)
                return -VA_E_NOMEM;
        l->v[l->n].level = level;
        l->v[l->n].msg = copy;
        l->n++;
        return 0;
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

        for (i = 0; i < l->n; i++)
                free(l->v[i].msg);
        free(l->v);
        l->v = NULL;
        l->n = l->cap = 0;
}
