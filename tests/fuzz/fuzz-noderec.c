/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: open-iscsi record rewriting. The first byte splits the
 * input into a record text and a value; the rewritten record must hold the
 * value on exactly one line for its key, and nothing else may change. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/noderec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct noderec_set set = { "node.session.auth.password", NULL, 0 };
        char *out = NULL, got[300];
        size_t split, len;

        if (size < 1 || size > 65536)
                return 0;
        split = data[0] % 64;
        if (split > size - 1)
                split = size - 1;
        set.value = (const char *)data + 1;
        set.value_len = split;
        if (noderec_rewrite((const char *)data + 1 + split, size - 1 - split, &set, 1, &out, &len,
                            NULL) == 0) {
                if (noderec_get(out, len, set.key, got, sizeof(got)) != 1 ||
                    strlen(got) != set.value_len || memcmp(got, set.value, set.value_len) != 0)
                        abort();
                free(out);
        }
        return 0;
}
