/* ASCII-only case folding (see ascii.h for why not <ctype.h>). */
#include "base/ascii.h"

int
ascii_lower(int c)
{
        return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
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
