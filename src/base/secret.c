/* SPDX-License-Identifier: Apache-2.0 */
/* Secret storage: copies in, wipes on free. */
#include "base/secret.h"

#include <stdlib.h>
#include <string.h>

struct va_secret {
        size_t len;
        unsigned char bytes[];
};

/* A volatile function pointer stops the compiler from proving the memset
 * dead and removing it (the portable equivalent of explicit_bzero and
 * SecureZeroMemory). */
static void *(*const volatile zero_memset)(void *, int, size_t) = memset;

void
va_secure_zero(void *p, size_t len)
{
        if (p != NULL && len > 0)
                (void)zero_memset(p, 0, len);
}

struct va_secret *
secret_new(const void *bytes, size_t len)
{
        struct va_secret *s;

        s = malloc(sizeof(*s) + len + 1);
        if (s == NULL)
                return NULL;
        s->len = len;
        if (len > 0)
                memcpy(s->bytes, bytes, len);
        s->bytes[len] = '\0';
        return s;
}

struct va_secret *
secret_dup(const struct va_secret *s)
{
        if (s == NULL)
                return NULL;
        return secret_new(s->bytes, s->len);
}

struct va_secret *
secret_free(struct va_secret *s)
{
        if (s == NULL)
                return NULL;
        va_secure_zero(s->bytes, s->len + 1);
        s->len = 0;
        free(s);
        return NULL;
}

size_t
secret_len(const struct va_secret *s)
{
        return s == NULL ? 0 : s->len;
}

const unsigned char *
secret_bytes(const struct va_secret *s)
{
        return s == NULL ? NULL : s->bytes;
}

int
secret_equal(const struct va_secret *a, const struct va_secret *b)
{
        unsigned char diff = 0;
        size_t i;

        if (a == NULL || b == NULL)
                return a == b;
        if (a->len != b->len)
                return 0;
        for (i = 0; i < a->len; i++)
                diff |= (unsigned char)(a->bytes[i] ^ b->bytes[i]);
        return diff == 0;
}
