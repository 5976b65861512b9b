/* SPDX-License-Identifier: Apache-2.0 */
/* ASCII-only case folding (see ascii.h for why not <ctype.h>). */
#include "base/ascii.h"

int
ascii_lower(int c)
{
        return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int
ascii_isdigit(int c)
{
        return c >= '0' && c <= '9';
}

int
ascii_isalnum(int c)
{
        int l = ascii_lower(c);

        return ascii_isdigit(c) || (l >= 'a' && l <= 'z');
}

int
ascii_ieq(const char *a, const char *b)
{
        for (;; a++, b++) {
                int x = ascii_lower((unsigned char)*a), y = ascii_lower((unsigned char)*b);

                if (x != y)
                        return 0;
                if (x == '\0')
                        return 1;
        }
}

int
ascii_istarts(const char *s, const char *prefix)
{
        for (; *prefix != '\0'; s++, prefix++)
                if (ascii_lower((unsigned char)*s) != ascii_lower((unsigned char)*prefix))
                        return 0;
        return 1;
}

void
ascii_lower_str(char *s)
{
        for (; *s != '\0'; s++)
                *s = (char)ascii_lower((unsigned char)*s);
}
