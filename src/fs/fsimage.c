/* SPDX-License-Identifier: Apache-2.0 */
/* The filesystem-image front door: probing which reader applies, checking
 * and splitting paths, and the bounded helpers both readers share. */
#include "fs/fsimage.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/ascii.h"

uint16_t
fs_le16(const unsigned char *p)
{
        return (uint16_t)(p[0] | (p[1] << 8));
}

uint32_t
fs_le32(const unsigned char *p)
{
        return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
               ((uint32_t)p[3] << 24);
}

uint16_t
fs_be16(const unsigned char *p)
{
        return (uint16_t)((p[0] << 8) | p[1]);
}

uint32_t
fs_be32(const unsigned char *p)
{
        return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
               (uint32_t)p[3];
}

int
fs_span_ok(const struct fs_source *src, uint64_t off, uint64_t len)
{
        return off <= src->size && len <= src->size - off;
}

int
fs_read(const struct fs_source *src, uint64_t off, void *buf, size_t len, const char *what,
        struct va_err *err)
{
        int r;

        if (!fs_span_ok(src, off, len))
                return va_err_set(err, VA_E_PARSE,
                                  "%s: bytes %" PRIu64 "+%zu lie past the end of the device "
                                  "(%" PRIu64 " bytes; truncated image?)",
                                  what, off, len, src->size);
        if (len == 0)
                return 0;
        r = src->read_at(src->ctx, off, buf, len);
        if (r < 0)
                return va_err_set(err, r, "%s: reading %zu bytes at offset %" PRIu64 ": %s", what,
                                  len, off, va_strerror(r));
        return 0;
}

int
fs_name_match(const char *name, size_t len, const char *comp)
{
        size_t i;
        int exact = 1;

        for (i = 0; i < len; i++) {
                unsigned char a = (unsigned char)name[i], b = (unsigned char)comp[i];

                if (b == '\0')
                        return 0;
                if (a != b) {
                        exact = 0;
                        if (ascii_lower(a) != ascii_lower(b))
                                return 0;
                }
        }
        if (comp[len] != '\0')
                return 0;
        return exact ? 2 : 1;
}

int
fs_utf16_to_utf8(const uint16_t *in, size_t n, char *out, size_t outsz)
{
        size_t i, o = 0;

        for (i = 0; i < n; i++) {
                uint32_t c = in[i];
                unsigned char enc[4];
                size_t k;

                if (c >= 0xd800 && c <= 0xdbff) {
                        if (i + 1 >= n || in[i + 1] < 0xdc00 || in[i + 1] > 0xdfff)
                                return -1;
                        c = 0x10000 + ((c - 0xd800) << 10) + (in[i + 1] - 0xdc00u);
                        i++;
                } else if (c >= 0xdc00 && c <= 0xdfff) {
                        return -1;
                }
                if (c == 0)
                        return -1; /* a NUL inside a name would cut the C string */
                if (c < 0x80) {
                        enc[0] = (unsigned char)c;
                        k = 1;
                } else if (c < 0x800) {
                        enc[0] = (unsigned char)(0xc0 | (c >> 6));
                        enc[1] = (unsigned char)(0x80 | (c & 0x3f));
                        k = 2;
                } else if (c < 0x10000) {
                        enc[0] = (unsigned char)(0xe0 | (c >> 12));
                        enc[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
                        enc[2] = (unsigned char)(0x80 | (c & 0x3f));
                        k = 3;
                } else {
                        enc[0] = (unsigned char)(0xf0 | (c >> 18));
                        enc[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
                        enc[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
                        enc[3] = (unsigned char)(0x80 | (c & 0x3f));
                        k = 4;
                }
                if (outsz - o <= k)
                        return -1;
                memcpy(out + o, enc, k);
                o += k;
        }
        if (o >= outsz)
                return -1;
        out[o] = '\0';
        return (int)o;
}

void
fs_label_set(struct fs_info *info, const unsigned char *raw, size_t len)
{
        size_t i;

        if (len > FS_LABEL_MAX)
                len = FS_LABEL_MAX;
        while (len > 0 && (raw[len - 1] == ' ' || raw[len - 1] == '\0'))
                len--;
        for (i = 0; i < len; i++)
                info->label[i] = raw[i] >= 0x20 && raw[i] < 0x7f ? (char)raw[i] : '?';
        info->label[len] = '\0';
}

int
fs_label_is_config_drive(const char *label)
{
        static const char want[] = "config-2";

        return label != NULL && fs_name_match(want, sizeof(want) - 1, label) > 0;
}

static int
path_split(const char *path, struct fs_path *ret, struct va_err *err)
{
        const char *p = path;

        ret->n = 0;
        if (path == NULL)
                return va_err_set(err, VA_E_INVAL, "no path given");
        for (;;) {
                size_t len;

                while (*p == '/')
                        p++;
                if (*p == '\0')
                        break;
                len = strcspn(p, "/");
                if (len > FS_NAME_MAX)
                        return va_err_set(err, VA_E_INVAL,
                                          "path '%.64s...': a component is longer than %d bytes",
                                          path, FS_NAME_MAX);
                if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
                        return va_err_set(err, VA_E_INVAL,
                                          "path '%.300s': '.' and '..' are not allowed", path);
                if (ret->n >= FS_PATH_DEPTH)
                        return va_err_set(err, VA_E_INVAL, "path '%.300s': more than %d components",
                                          path, FS_PATH_DEPTH);
                memcpy(ret->comp[ret->n], p, len);
                ret->comp[ret->n][len] = '\0';
                ret->n++;
                p += len;
        }
        if (ret->n == 0)
                return va_err_set(err, VA_E_INVAL, "empty path");
        return 0;
}

int
fs_probe(const struct fs_source *src, struct fs_info *ret, struct va_err *err)
{
        int r;

        memset(ret, 0, sizeof(*ret));
        if (src == NULL || src->read_at == NULL)
                return va_err_set(err, VA_E_INVAL, "no device to read");
        /* iso9660 first: its descriptors start at 32 KiB, so a FAT-looking boot
         * sector in front of them (isohybrid images) must not win */
        r = fs_iso_probe(src, ret, err);
        if (r != -VA_E_NOTFOUND)
                return r;
        memset(ret, 0, sizeof(*ret));
        r = fs_fat_probe(src, ret, err);
        if (r != -VA_E_NOTFOUND)
                return r;
        memset(ret, 0, sizeof(*ret));
        return va_err_set(err, VA_E_NOTFOUND,
                          "no iso9660 or FAT filesystem found (%" PRIu64 " bytes examined)",
                          src->size);
}

int
fs_read_file(const struct fs_source *src, const struct fs_info *info, const char *path, size_t max,
             unsigned char **ret_buf, size_t *ret_len, struct va_err *err)
{
        struct fs_path *p;
        int r;

        *ret_buf = NULL;
        *ret_len = 0;
        p = malloc(sizeof(*p));
        if (p == NULL)
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        r = path_split(path, p, err);
        if (r < 0)
                goto out;
        switch (info->kind) {
        case FS_KIND_ISO9660:
                r = fs_iso_read_file(src, info, p, max, ret_buf, ret_len, err);
                break;
        case FS_KIND_FAT:
                r = fs_fat_read_file(src, info, p, max, ret_buf, ret_len, err);
                break;
        default:
                r = va_err_set(err, VA_E_INVAL, "%s: the filesystem was not probed", path);
                break;
        }
out:
        free(p);
        return r;
}
