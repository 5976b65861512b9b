/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: portal text and bare addresses; a parsed portal must
 * format and parse back to an equal portal. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/portal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char s[PORTAL_TEXT_MAX + 64], text[PORTAL_TEXT_MAX];
        struct portal p, q;

        if (size >= sizeof(s))
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';
        if (portal_parse(s, &p, NULL, NULL) == 0) {
                if (portal_format(&p, text, sizeof(text)) == 0)
                        abort();
                if (portal_parse(text, &q, NULL, NULL) != 0 || !portal_equal(&p, &q))
                        abort(); /* round trip must hold */
                (void)portal_format_bypath(&p, text, sizeof(text));
        }
        (void)portal_addr_parse(s, &q);
        return 0;
}
