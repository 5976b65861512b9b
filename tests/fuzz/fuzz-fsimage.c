/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the config drive's iso9660/FAT readers. The input is the
 * whole device; every span the readers ask for must lie inside it (the
 * callback aborts otherwise), and whatever they return must be consistent. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fsimage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct span {
        const uint8_t *data;
        size_t size;
};

static int
span_read_at(void *ctx, uint64_t offset, void *buf, size_t len)
{
        const struct span *s = ctx;

        if (offset > s->size || len > s->size - offset)
                abort(); /* fs_read() must have refused this span */
        memcpy(buf, s->data + offset, len);
        return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const paths[] = {
                "openstack/latest/meta_data.json",
                "openstack/latest/vendor_data2.json",
                "OPENSTACK/LATEST/META_DATA.JSON",
        };
        struct span s = { data, size };
        struct fs_source src = { span_read_at, size, &s };
        struct fs_info info;
        struct va_err err;
        size_t i;

        if (size > 4u * 1024 * 1024)
                return 0;
        va_err_clear(&err);
        if (fs_probe(&src, &info, &err) != 0)
                return 0;
        if (strlen(info.label) > FS_LABEL_MAX)
                abort();
        for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
                unsigned char *buf = NULL;
                size_t len = 0;

                va_err_clear(&err);
                if (fs_read_file(&src, &info, paths[i], 65536, &buf, &len, &err) == 0) {
                        if (len > 65536 || buf == NULL)
                                abort();
                        free(buf);
                }
        }
        return 0;
}
