/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: iscsiadm's SendTargets output. Every entry returned
 * must be one volattach would accept: a portal that formats and parses
 * back to the same address, with its tpgt, and a valid iSCSI name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/sendtargets.h"
#include "core/iscsiname.h"
#include "core/portal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct initiator_target *v = NULL;
        size_t n = 0, bad = 0, i;

        if (sendtargets_parse((const char *)data, size, &v, &n, &bad, NULL) < 0) {
                if (v != NULL || n != 0 || size <= SENDTARGETS_TEXT_MAX)
                        abort();
                return 0;
        }
        if (n > SENDTARGETS_TARGETS_MAX || (n == 0) != (v == NULL))
                abort();
        for (i = 0; i < n; i++) {
                char text[PORTAL_TEXT_MAX];
                struct portal back;

                if (memchr(v[i].iqn, '\0', sizeof(v[i].iqn)) == NULL ||
                    iscsi_name_check(v[i].iqn, NULL, NULL) <= 0 || v[i].portal.tpgt < 0 ||
                    v[i].portal.port == 0 || v[i].portal.port > 65535)
                        abort();
                if (portal_format(&v[i].portal, text, sizeof(text)) == 0 ||
                    portal_parse(text, &back, NULL, NULL) < 0 || !portal_equal(&back, &v[i].portal))
                        abort();
        }
        free(v);
        return 0;
}
