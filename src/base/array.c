/* SPDX-License-Identifier: Apache-2.0 */
/* The array growth helper (see array.h). */
#include "base/array.h"

#include <stdint.h>
#include <stdlib.h>

void *
array_grow(void *v, size_t *cap, size_t n, size_t size)
{
        size_t ncap;
        void *nv;

        if (n < *cap)
                return v;
        ncap = *cap ? *cap * 2 : 8;
        if (ncap <= n)
                ncap = n + 1;
        if (size == 0 || ncap > SIZE_MAX / size)
                return NULL;
        nv = realloc(v, ncap * size);
        if (nv == NULL)
                return NULL;
        *cap = ncap;
        return nv;
}
