/* SPDX-License-Identifier: Apache-2.0 */
/* Hex digits without <ctype.h> (whose isxdigit follows the locale). */
#include "base/hex.h"

#include "base/err.h"

int
hex_value(int c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int
hex_parse_fixed(const char *s, size_t n, uint64_t *ret)
{
        uint64_t v = 0;
        size_t i;

        if (n == 0 || n > 16)
                return -VA_E_INVAL;
        for (i = 0; i < n; i++) {
                int h = hex_value((unsigned char)s[i]);

                if (h < 0)
                        return -VA_E_INVAL;
                v = v << 4 | (uint64_t)h;
        }
        *ret = v;
        return 0;
}

char
hex_digit(unsigned v)
{
        return "0123456789abcdef"[v & 15];
}
