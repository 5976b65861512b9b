/* SPDX-License-Identifier: Apache-2.0 */
/* The platform primitives that are the same on every OS: freeing what the
 * OS-specific files hand out. */
#include "platform/platform.h"

#include <stdlib.h>

#include "base/secret.h"
#include "base/strlist.h"

void
plat_string_list_free(char **list, size_t n)
{
        strlist_free(list, n);
}

void
plat_spawn_result_free(struct plat_spawn_result *r)
{
        if (r == NULL)
                return;
        free(r->out);
        r->out = NULL;
        r->outlen = 0;
}

/* The body may hold CHAP secrets from the metadata. */
void
plat_http_response_free(struct plat_http_response *r)
{
        if (r == NULL)
                return;
        if (r->body != NULL)
                va_secure_zero(r->body, r->len);
        free(r->body);
        r->body = NULL;
        r->len = 0;
}
