/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: any bytes as meta_data.json, vendor_data.json and
 * vendor_data2.json, through the parser and the cross-item checks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "core/plan.h"
#include "meta/meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const enum meta_doc_kind kinds[] = { META_DOC_META_DATA, META_DOC_VENDOR_DATA,
                                                    META_DOC_VENDOR_DATA2 };
        size_t k;

        if (size > META_DOC_MAX + 16)
                return 0;
        va_log_set_level(VA_LOG_ERR - 1); /* silent */
        for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
                struct volume_set s;
                struct va_err e;
                char *copy = malloc(size + 1);

                if (copy == NULL)
                        return 0;
                memcpy(copy, data, size);
                copy[size] = '\0';
                memset(&s, 0, sizeof(s));
                va_err_clear(&e);
                if (meta_parse("fuzz.json", copy, size, kinds[k], &s, &e) == 0 &&
                    volume_set_crosscheck(&s) == 0) {
                        struct plan_options po = { .device_timeout_s = 30,
                                                   .ops = initiator_backend_default(),
                                                   .multipath_ready = STRATEGY_READY_UNKNOWN };
                        struct plan p;

                        if (plan_build(&s, &po, &p) == 0)
                                plan_free(&p);
                }
                volume_set_free(&s);
                free(copy);
        }
        return 0;
}
