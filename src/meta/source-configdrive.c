/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a config drive's documents from a block device or image through
 * the userspace iso9660/FAT readers: nothing is mounted, so nothing can be
 * left mounted, and no filesystem driver ever writes to the drive. */
#include "meta/source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "fs/fsimage.h"
#include "platform/platform.h"

/* The filesystem readers take a read-at callback; a platform block device
 * is one. */
static int
blockdev_read_at(void *ctx, uint64_t offset, void *buf, size_t len)
{
        return plat_blockdev_read_at(ctx, offset, buf, len);
}

int
meta_configdrive_read(const char *dev, int require_label, struct meta_docs *ret, struct va_err *err)
{
        static const struct {
                const char *path;
                enum meta_doc_kind kind;
        } files[] = {
                { "openstack/latest/meta_data.json", META_DOC_META_DATA },
                { "openstack/latest/vendor_data.json", META_DOC_VENDOR_DATA },
                { "openstack/latest/vendor_data2.json", META_DOC_VENDOR_DATA2 },
        };
        struct plat_blockdev *bd;
        struct fs_source src;
        struct fs_info info;
        size_t i;
        int r;

        r = plat_blockdev_open(dev, &bd, err);
        if (r < 0)
                return r;
        src.read_at = blockdev_read_at;
        src.size = plat_blockdev_size(bd);
        src.ctx = bd;
        memset(&info, 0, sizeof(info));
        r = fs_probe(&src, &info, err);
        if (r < 0) {
                va_err_prefix(err, "%s", dev);
                goto out;
        }
        if (!fs_label_is_config_drive(info.label)) {
                if (require_label) {
                        r = va_err_set(err, VA_E_NOTFOUND, "%s: label '%s' is not config-2", dev,
                                       info.label);
                        goto out;
                }
                va_log(VA_LOG_WARNING, "%s: label '%s' is not config-2; reading it as asked", dev,
                       info.label);
        }
        for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                unsigned char *buf = NULL;
                size_t len = 0;
                char name[META_DOC_NAME_MAX];
                struct va_err e;

                va_err_clear(&e);
                (void)snprintf(name, sizeof(name), "%s:%s", dev, files[i].path);
                r = fs_read_file(&src, &info, files[i].path, META_DOC_MAX, &buf, &len, &e);
                if (r == -VA_E_NOTFOUND && i > 0) {
                        r = 0;
                        continue;
                }
                if (r < 0 && i == 0) {
                        *err = e;
                        va_err_prefix(err, "%s", dev);
                        meta_docs_free(ret);
                        goto out;
                }
                if (r < 0) {
                        va_log(VA_LOG_WARNING, "%s: %s", name, e.msg);
                        buf = NULL;
                        len = 0;
                        r = 0;
                } else {
                        /* the parser wants a NUL after the bytes; copy, so the
                         * old block (secrets included) can be wiped */
                        unsigned char *nb = malloc(len + 1);

                        if (nb != NULL)
                                memcpy(nb, buf, len);
                        va_secure_zero(buf, len);
                        free(buf);
                        if (nb == NULL) {
                                r = va_err_set(err, VA_E_NOMEM, "out of memory");
                                meta_docs_free(ret);
                                goto out;
                        }
                        buf = nb;
                        buf[len] = '\0';
                }
                {
                        struct meta_doc *doc = &ret->doc[ret->ndocs++];

                        (void)snprintf(doc->name, sizeof(doc->name), "%s", name);
                        doc->buf = (char *)buf;
                        doc->len = len;
                        doc->kind = files[i].kind;
                }
        }
        (void)snprintf(ret->origin, sizeof(ret->origin), "config drive %s (%s, label %s)", dev,
                       info.kind == FS_KIND_ISO9660 ? "iso9660" : "vfat", info.label);
out:
        plat_blockdev_close(bd);
        return r;
}
