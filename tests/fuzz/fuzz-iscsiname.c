/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: iSCSI name validation; an accepted name is plain ASCII
 * of the allowed characters, at most 223 bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/iscsiname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char s[512];
        size_t i;

        if (size >= sizeof(s))
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';
        if (iscsi_name_check(s, NULL, NULL) > 0) {
                if (strlen(s) > ISCSI_NAME_MAX)
                        abort();
                for (i = 0; s[i] != '\0'; i++)
                        if (!strchr("-.:0123456789abcdefghijklmnopqrstuvwxyz"
                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                                    s[i]))
                                abort();
        }
        return 0;
}
