/* SPDX-License-Identifier: Apache-2.0 */
/* String lists: append, look up, sort, free. */
#include "base/strlist.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"

int
strlist_add(char ***list, size_t *n, const char *s)
{
        char **nl, *copy = strdup(s);

        if (copy == NULL)
                return -VA_E_NOMEM;
        nl = realloc(*list, (*n + 1) * sizeof(*nl));
        if (nl == NULL) {
                free(copy);
                return -VA_E_NOMEM;
        }
        nl[*n] = copy;
        *list = nl;
        (*n)++;
        return 0;
}

int
strlist_has(char *const *list, size_t n, const char *s)
{
        size_t i;

        for (i = 0; i < n; i++)
                if (strcmp(list[i], s) == 0)
                        return 1;
        return 0;
}

static int
entry_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

void
strlist_sort(char **list, size_t n)
{
        if (n > 1)
                qsort(list, n, sizeof(*list), entry_cmp);
}

void
strlist_free(char **list, size_t n)
{
        size_t i;

        if (list == NULL)
                return;
        for (i = 0; i < n; i++)
                free(list[i]);
        free(list);
}
