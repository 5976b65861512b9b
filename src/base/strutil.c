/* SPDX-License-Identifier: Apache-2.0 */
/* String helpers (see strutil.h). */
#include "base/strutil.h"

#include <string.h>

size_t
str_trim_end(const char *s, size_t n)
{
        while (n > 0 &&
               (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
                n--;
        return n;
}

int
str_ends_with(const char *s, const char *suffix)
{
        size_t n = strlen(s), m = strlen(suffix);

        return n >= m && memcmp(s + n - m, suffix, m) == 0;
}
