/* SPDX-License-Identifier: Apache-2.0 */
/* The userspace iso9660/FAT readers against real images from genisoimage, xorriso,
 * mkfs.vfat and mtools (tests/unit/mkimages.sh, in VA_FSIMAGE_DIR), the same images
 * corrupted in memory, and inputs that are no filesystem at all. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "fs/fsimage.h"

/* An image in memory, read through a counting, optionally failing callback. */
struct img {
        unsigned char *buf;
        size_t len;
        unsigned reads;
        unsigned fail_after; /* 0: never fail */
};

static int
img_read_at(void *ctx, uint64_t offset, void *buf, size_t len)
{
        struct img *m = ctx;

        m->reads++;
        if (m->fail_after != 0 && m->reads > m->fail_after)
                return -VA_E_IO;
        if (offset > m->len || len > m->len - offset) {
                fprintf(stderr, "read past the end: %llu+%zu of %zu\n", (unsigned long long)offset,
                        len, m->len);
                abort(); /* the readers must check every span first */
        }
        memcpy(buf, m->buf + offset, len);
        return 0;
}

static struct fs_source
img_source(struct img *m, size_t size)
{
        struct fs_source s;

        s.read_at = img_read_at;
        s.size = size;
        s.ctx = m;
        return s;
}

static int
slurp(const char *path, unsigned char **ret, size_t *ret_len)
{
        FILE *f = fopen(path, "rb");
        unsigned char *buf = NULL;
        size_t len = 0, cap = 0, n;

        if (f == NULL)
                return -1;
        for (;;) {
                if (cap - len < 65536) {
                        unsigned char *nb = realloc(buf, cap * 2 + 65536);

                        if (nb == NULL) {
                                free(buf);
                                fclose(f);
                                return -1;
                        }
                        buf = nb;
                        cap = cap * 2 + 65536;
                }
                n = fread(buf + len, 1, cap - len, f);
                len += n;
                if (n == 0)
                        break;
        }
        fclose(f);
        *ret = buf;
        *ret_len = len;
        return 0;
}

static const char *
image_dir(void)
{
        const char *dir = getenv("VA_FSIMAGE_DIR");

        return dir != NULL && dir[0] != '\0' ? dir : NULL;
}

/* Loads VA_FSIMAGE_DIR/name; 0, or -1 with a message. */
static int
load(const char *name, struct img *m)
{
        char path[1024];
        const char *dir = image_dir();

        memset(m, 0, sizeof(*m));
        if (dir == NULL) {
                fprintf(stderr, "VA_FSIMAGE_DIR is not set: build the images with "
                                "tests/unit/mkimages.sh DIR and point VA_FSIMAGE_DIR at DIR\n");
                return -1;
        }
        (void)snprintf(path, sizeof(path), "%s/%s", dir, name);
        if (slurp(path, &m->buf, &m->len) < 0) {
                fprintf(stderr, "%s: cannot read (run tests/unit/mkimages.sh %s)\n", path, dir);
                return -1;
        }
        return 0;
}

static void
img_free(struct img *m)
{
        free(m->buf);
        m->buf = NULL;
}

/* Probes and reads one file; returns fs_read_file's result, or the probe's. */
static int
read_path(struct img *m, size_t size, const char *path, size_t max, unsigned char **buf,
          size_t *len, struct fs_info *info, struct va_err *err)
{
        struct fs_source src = img_source(m, size);
        int r;

        va_err_clear(err);
        *buf = NULL;
        *len = 0;
        r = fs_probe(&src, info, err);
        if (r < 0)
                return r;
        return fs_read_file(&src, info, path, max, buf, len, err);
}

static long
find_bytes(const unsigned char *hay, size_t n, const void *needle, size_t k, size_t from)
{
        size_t i;

        for (i = from; k <= n && i + k <= n; i++)
                if (memcmp(hay + i, needle, k) == 0)
                        return (long)i;
        return -1;
}

/* ---- images that are config drives ------------------------------------------- */

enum {
        HAS_DASH = 1,   /* "2012-08-10" survives (not plain ISO 9660) */
        HAS_LONG = 2,   /* the 86-character name */
        HAS_UNI = 4,    /* the non-ASCII name */
        HAS_CASE = 8,   /* Case.txt and case.txt */
        NO_CONTENT = 16 /* no openstack/ tree beyond latest (unicode.iso) */
};

static const struct drive {
        const char *file;
        enum fs_kind kind;
        const char *label;
        int has;
} drives[] = {
        { "nova.iso", FS_KIND_ISO9660, "config-2", HAS_DASH | HAS_LONG | HAS_CASE },
        { "xorriso.iso", FS_KIND_ISO9660, "config-2", HAS_DASH | HAS_LONG | HAS_CASE },
        { "rr.iso", FS_KIND_ISO9660, "config-2", HAS_DASH | HAS_LONG | HAS_CASE },
        { "joliet.iso", FS_KIND_ISO9660, "config-2", HAS_DASH | HAS_LONG },
        { "plain.iso", FS_KIND_ISO9660, "CONFIG-2", 0 },
        { "nova-vfat.img", FS_KIND_FAT, "config-2", HAS_DASH | HAS_LONG | HAS_UNI },
        { "ironic-vfat.img", FS_KIND_FAT, "CONFIG-2", HAS_DASH | HAS_LONG | HAS_UNI },
        { "vfat-4k.img", FS_KIND_FAT, "CONFIG-2", HAS_DASH | HAS_LONG | HAS_UNI },
        { "fat12.img", FS_KIND_FAT, "CONFIG-2", HAS_DASH | HAS_LONG | HAS_UNI },
        { "fat16.img", FS_KIND_FAT, "config-2", HAS_DASH | HAS_LONG | HAS_UNI },
        { "fat32.img", FS_KIND_FAT, "CONFIG-2", HAS_DASH | HAS_LONG | HAS_UNI },
};

static void
check_content(struct img *m, const char *path, const char *want)
{
        unsigned char *buf;
        size_t len;
        struct fs_info info;
        struct va_err err;
        int r = read_path(m, m->len, path, 4096, &buf, &len, &info, &err);

        if (r < 0)
                fprintf(stderr, "%s: %s\n", path, err.msg);
        ASSERT_OK(r);
        ASSERT_EQ_INT(len, strlen(want));
        ASSERT_TRUE(memcmp(buf, want, len) == 0);
        free(buf);
}

static void
check_expect(struct img *m, const char *path, const char *expect_name)
{
        char p[1024];
        struct img want;
        unsigned char *buf;
        size_t len;
        struct fs_info info;
        struct va_err err;
        int r;

        (void)snprintf(p, sizeof(p), "expect/%s", expect_name);
        ASSERT_OK(load(p, &want));
        r = read_path(m, m->len, path, want.len, &buf, &len, &info, &err);
        if (r < 0)
                fprintf(stderr, "%s: %s\n", path, err.msg);
        ASSERT_OK(r);
        ASSERT_EQ_INT(len, want.len);
        ASSERT_TRUE(memcmp(buf, want.buf, len) == 0);
        free(buf);
        img_free(&want);
}

static void
check_err(struct img *m, const char *path, int code)
{
        unsigned char *buf;
        size_t len;
        struct fs_info info;
        struct va_err err;
        int r = read_path(m, m->len, path, 1 << 20, &buf, &len, &info, &err);

        ASSERT_ERR(r, code);
        ASSERT_TRUE(buf == NULL && len == 0);
        ASSERT_TRUE(err.msg[0] != '\0');
}

static void
check_drive(const struct drive *d)
{
        struct img m, longname;
        struct fs_source src;
        struct fs_info info;
        struct va_err err;
        unsigned char *buf;
        size_t len;
        char p[512];

        ASSERT_OK(load(d->file, &m));
        src = img_source(&m, m.len);
        va_err_clear(&err);
        ASSERT_OK(fs_probe(&src, &info, &err));
        ASSERT_EQ_INT(info.kind, d->kind);
        ASSERT_STREQ(info.label, d->label);
        ASSERT_TRUE(fs_label_is_config_drive(info.label));

        check_expect(&m, "openstack/latest/meta_data.json", "meta_data.json");
        if (harness_failed_now)
                goto out;
        check_content(&m, "openstack/latest/vendor_data.json", "{\"static\": \"vendor data\"}\n");
        check_content(&m, "openstack/latest/vendor_data2.json",
                      "{\"static\": {\"cloud-init\": \"#cloud-config\\n\"}}\n");
        /* names compare ignoring case, and extra slashes are harmless */
        check_expect(&m, "/OpenStack//LATEST/Meta_Data.JSON", "meta_data.json");
        check_content(&m, "openstack/content/0149", "content file 0149\n");
        check_content(&m, "openstack/content/0000", "content file 0000\n");
        check_content(&m, "openstack/a/b/c/d/e/deep.json", "{\"deep\": true}\n");
        if (d->has & HAS_DASH) {
                check_content(&m, "openstack/2012-08-10/meta_data.json",
                              "{\"uuid\": \"83679162-1378-4288-a2d4-70e13ec132aa\", \"name\": "
                              "\"vm-1 (2012-08-10)\"}\n");
                check_content(&m, "ec2/latest/meta-data.json",
                              "{\"instance-id\": \"i-00000001\"}\n");
        }
        if (d->has & HAS_LONG) {
                ASSERT_OK(load("long-name.txt", &longname));
                (void)snprintf(p, sizeof(p), "openstack/latest/%.*s", (int)longname.len - 1,
                               (const char *)longname.buf);
                img_free(&longname);
                check_content(&m, p, "{\"long\": true}\n");
        }
        if (d->has & HAS_UNI)
                check_content(&m, "openstack/latest/ünïcødé-fïlé.json", "{\"unicode\": true}\n");
        if (d->has & HAS_CASE) {
                /* an exact name wins over one equal ignoring case */
                check_content(&m, "case/Case.txt", "upper\n");
                check_content(&m, "case/case.txt", "lower\n");
        }
        check_err(&m, "openstack/latest/user_data", VA_E_NOTFOUND);
        check_err(&m, "openstack/latest", VA_E_NOTFOUND);
        check_err(&m, "openstack/latest/meta_data.json/x", VA_E_NOTFOUND);
        check_err(&m, "nothing/latest/meta_data.json", VA_E_NOTFOUND);
        check_err(&m, "openstack/latest/meta_data.jso", VA_E_NOTFOUND);

        /* the cap: one byte short is refused, the exact size is read */
        ASSERT_ERR(
            read_path(&m, m.len, "openstack/latest/big.bin", 307199, &buf, &len, &info, &err),
            VA_E_TOOBIG);
        ASSERT_CONTAINS(err.msg, "307200");
        ASSERT_TRUE(buf == NULL);
        check_expect(&m, "openstack/latest/big.bin", "big.bin");
out:
        img_free(&m);
}

TEST(drives_nova_iso)
{
        check_drive(&drives[0]);
}

TEST(drives_xorriso_iso)
{
        check_drive(&drives[1]);
}

TEST(drives_rock_ridge_only_iso)
{
        check_drive(&drives[2]);
}

TEST(drives_joliet_only_iso)
{
        check_drive(&drives[3]);
}

TEST(drives_plain_iso)
{
        check_drive(&drives[4]);
}

TEST(drives_nova_vfat)
{
        check_drive(&drives[5]);
}

TEST(drives_ironic_vfat)
{
        check_drive(&drives[6]);
}

TEST(drives_vfat_4k_sectors)
{
        check_drive(&drives[7]);
}

TEST(drives_fat12)
{
        check_drive(&drives[8]);
}

TEST(drives_fat16)
{
        check_drive(&drives[9]);
}

TEST(drives_fat32)
{
        check_drive(&drives[10]);
}

TEST(fat_type_by_cluster_count)
{
        static const struct {
                const char *file;
                unsigned bits;
        } t[] = { { "fat12.img", 12 },
                  { "fat16.img", 16 },
                  { "fat32.img", 32 },
                  { "nova-vfat.img", 16 },
                  { "vfat-4k.img", 16 } };
        size_t i;

        for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
                struct img m;
                struct fs_source src;
                struct fs_info info;
                struct va_err err;

                ASSERT_OK(load(t[i].file, &m));
                src = img_source(&m, m.len);
                va_err_clear(&err);
                ASSERT_OK(fs_probe(&src, &info, &err));
                ASSERT_EQ_INT(info.fat.bits, t[i].bits);
                img_free(&m);
        }
}

TEST(iso_utf8_names)
{
        struct img m;

        ASSERT_OK(load("unicode.iso", &m));
        check_content(&m, "openstack/latest/ünïcødé-fïlé.json", "{\"unicode\": true}\n");
        /* non-ASCII letters are compared as bytes: no Unicode case folding */
        check_err(&m, "openstack/latest/ÜNÏCØDÉ-FÏLÉ.json", VA_E_NOTFOUND);
        img_free(&m);
}

TEST(plain_iso_names_drop_version_and_dot)
{
        struct img m;

        ASSERT_OK(load("plain.iso", &m));
        /* recorded as OPENSTACK/LATEST/META_DATA.JSON;1 */
        check_expect(&m, "openstack/latest/meta_data.json", "meta_data.json");
        check_expect(&m, "OPENSTACK/LATEST/META_DATA.JSON", "meta_data.json");
        check_err(&m, "openstack/latest/meta_data.json;1", VA_E_NOTFOUND);
        img_free(&m);
}

TEST(fat_short_names_and_fragmented_file)
{
        struct img m;

        ASSERT_OK(load("fat12.img", &m));
        check_expect(&m, "OPENST~1/LATEST/META_D~1.JSO", "meta_data.json");
        check_expect(&m, "frag/frag.bin", "frag.bin");
        img_free(&m);
}

TEST(fat_reads_are_few)
{
        struct img m;
        unsigned char *buf;
        size_t len;
        struct fs_info info;
        struct va_err err;

        /* a raw Windows device pays for every call: the FAT is cached and runs of
         * clusters are read at once */
        ASSERT_OK(load("fat12.img", &m));
        ASSERT_OK(
            read_path(&m, m.len, "openstack/latest/big.bin", 1 << 20, &buf, &len, &info, &err));
        free(buf);
        ASSERT_TRUE(m.reads < 40);
        img_free(&m);
}

TEST(not_config_drives_keep_their_label)
{
        static const char *const files[] = { "other.iso", "other-vfat.img" };
        size_t i;

        for (i = 0; i < 2; i++) {
                struct img m;
                struct fs_source src;
                struct fs_info info;
                struct va_err err;

                ASSERT_OK(load(files[i], &m));
                src = img_source(&m, m.len);
                va_err_clear(&err);
                ASSERT_OK(fs_probe(&src, &info, &err));
                ASSERT_STREQ(info.label, "DATA");
                ASSERT_TRUE(!fs_label_is_config_drive(info.label));
                img_free(&m);
        }
}

TEST(not_a_filesystem)
{
        static const char *const files[] = { "ext4.img", "zero.img", "garbage.img" };
        size_t i;

        for (i = 0; i < 3; i++) {
                struct img m;
                struct fs_source src;
                struct fs_info info;
                struct va_err err;

                ASSERT_OK(load(files[i], &m));
                src = img_source(&m, m.len);
                va_err_clear(&err);
                ASSERT_ERR(fs_probe(&src, &info, &err), VA_E_NOTFOUND);
                ASSERT_CONTAINS(err.msg, "no iso9660 or FAT");
                ASSERT_EQ_INT(info.kind, FS_KIND_UNKNOWN);
                img_free(&m);
        }
}

TEST(tiny_and_empty_devices)
{
        static const size_t sizes[] = { 0, 1, 511, 512, 2048, 16 * 2048, 17 * 2048 - 1, 17 * 2048 };
        unsigned char *zero = calloc(1, 17 * 2048);
        size_t i;

        ASSERT_TRUE(zero != NULL);
        for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
                struct img m = { zero, sizes[i], 0, 0 };
                struct fs_source src = img_source(&m, sizes[i]);
                struct fs_info info;
                struct va_err err;

                va_err_clear(&err);
                if (fs_probe(&src, &info, &err) != -VA_E_NOTFOUND) {
                        free(zero);
                        HARNESS_FAIL("size %zu: not NOTFOUND", sizes[i]);
                }
        }
        free(zero);
}

TEST(label_names_a_config_drive)
{
        ASSERT_TRUE(fs_label_is_config_drive("config-2"));
        ASSERT_TRUE(fs_label_is_config_drive("CONFIG-2"));
        ASSERT_TRUE(fs_label_is_config_drive("Config-2"));
        ASSERT_TRUE(!fs_label_is_config_drive("config-22"));
        ASSERT_TRUE(!fs_label_is_config_drive("config-"));
        ASSERT_TRUE(!fs_label_is_config_drive("config_2"));
        ASSERT_TRUE(!fs_label_is_config_drive(""));
        ASSERT_TRUE(!fs_label_is_config_drive(NULL));
}

TEST(paths_are_checked_before_reading)
{
        static const char *const bad[] = {
                "",
                "/",
                "//",
                "openstack/./latest",
                "../meta_data.json",
                "a/../b",
                "1/2/3/4/5/6/7/8/9",
        };
        char longcomp[300];
        struct img m = { NULL, 0, 0, 0 };
        struct fs_source src = img_source(&m, 0);
        struct fs_info info;
        struct va_err err;
        unsigned char *buf;
        size_t len, i;

        memset(&info, 0, sizeof(info));
        info.kind = FS_KIND_FAT;
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                va_err_clear(&err);
                ASSERT_ERR(fs_read_file(&src, &info, bad[i], 100, &buf, &len, &err), VA_E_INVAL);
                ASSERT_TRUE(buf == NULL);
        }
        memset(longcomp, 'x', sizeof(longcomp));
        longcomp[256] = '\0';
        va_err_clear(&err);
        ASSERT_ERR(fs_read_file(&src, &info, longcomp, 100, &buf, &len, &err), VA_E_INVAL);
        ASSERT_CONTAINS(err.msg, "longer than 255");
        ASSERT_EQ_INT(m.reads, 0);
        va_err_clear(&err);
        ASSERT_ERR(fs_read_file(&src, &info, NULL, 100, &buf, &len, &err), VA_E_INVAL);
        info.kind = FS_KIND_UNKNOWN;
        va_err_clear(&err);
        ASSERT_ERR(fs_read_file(&src, &info, "a", 100, &buf, &len, &err), VA_E_INVAL);
        va_err_clear(&err);
        src.read_at = NULL;
        ASSERT_ERR(fs_probe(&src, &info, &err), VA_E_INVAL);
}

TEST(read_errors_are_passed_up)
{
        static const char *const files[] = { "nova.iso", "fat32.img" };
        size_t i;

        for (i = 0; i < 2; i++) {
                struct img m;
                unsigned char *buf;
                size_t len;
                struct fs_info info;
                struct va_err err;
                unsigned n;

                ASSERT_OK(load(files[i], &m));
                /* fail at every possible point in turn */
                for (n = 1; n < 40; n++) {
                        int r;

                        m.reads = 0;
                        m.fail_after = n;
                        r = read_path(&m, m.len, "openstack/latest/meta_data.json", 4096, &buf,
                                      &len, &info, &err);
                        if (r == 0) {
                                free(buf);
                                break;
                        }
                        ASSERT_ERR(r, VA_E_IO);
                        ASSERT_CONTAINS(err.msg, "input/output error");
                }
                ASSERT_TRUE(n > 2 && n < 40);
                img_free(&m);
        }
}

/* ---- corrupted and truncated images --------------------------------------------- */

TEST(truncated_iso)
{
        struct img m, want;
        unsigned char *buf;
        size_t len;
        struct fs_info info;
        struct va_err err;
        long at;

        ASSERT_OK(load("nova.iso", &m));
        ASSERT_OK(load("expect/meta_data.json", &want));
        /* before the volume descriptors: nothing there */
        ASSERT_ERR(read_path(&m, 16 * 2048, "openstack/latest/meta_data.json", 4096, &buf, &len,
                             &info, &err),
                   VA_E_NOTFOUND);
        /* the descriptors but not the root directory */
        ASSERT_ERR(read_path(&m, 20 * 2048, "openstack/latest/meta_data.json", 4096, &buf, &len,
                             &info, &err),
                   VA_E_PARSE);
        ASSERT_CONTAINS(err.msg, "truncated");
        /* everything but the end of the file's data */
        at = find_bytes(m.buf, m.len, want.buf, want.len, 0);
        ASSERT_TRUE(at > 0);
        ASSERT_ERR(read_path(&m, (size_t)at + 10, "openstack/latest/meta_data.json", 4096, &buf,
                             &len, &info, &err),
                   VA_E_PARSE);
        ASSERT_CONTAINS(err.msg, "past the end of the device");
        ASSERT_CONTAINS(err.msg, "openstack/latest/meta_data.json");
        img_free(&want);
        img_free(&m);
}

/* The FAT12/16 geometry a test needs to patch an image. */
struct geom {
        unsigned bps, spc, rsvd, nfats, fatsz, root_ents;
        size_t fat, root, data;
};

static void
geom_read(const unsigned char *b, struct geom *g)
{
        g->bps = b[11] | b[12] << 8;
        g->spc = b[13];
        g->rsvd = b[14] | b[15] << 8;
        g->nfats = b[16];
        g->root_ents = b[17] | b[18] << 8;
        g->fatsz = b[22] | b[23] << 8;
        if (g->fatsz == 0)
                g->fatsz = (unsigned)(b[36] | b[37] << 8 | b[38] << 16 | (unsigned)b[39] << 24);
        g->fat = (size_t)g->rsvd * g->bps;
        g->root = g->fat + (size_t)g->nfats * g->fatsz * g->bps;
        g->data = g->root + (size_t)g->root_ents * 32;
}

static void
fat12_set(unsigned char *b, const struct geom *g, unsigned cl, unsigned v)
{
        unsigned char *p = b + g->fat + cl + cl / 2;

        if (cl & 1) {
                p[0] = (unsigned char)((p[0] & 0x0f) | (v & 0x0f) << 4);
                p[1] = (unsigned char)(v >> 4);
        } else {
                p[0] = (unsigned char)v;
                p[1] = (unsigned char)((p[1] & 0xf0) | (v >> 8 & 0x0f));
        }
}

/* The first cluster of the short entry named name11 ("BIG     BIN"), and where it is. */
static unsigned
short_entry(unsigned char *b, size_t n, const char *name11, long *at)
{
        long i = -1;

        for (;;) {
                i = find_bytes(b, n, name11, 11, (size_t)(i + 1));
                if (i < 0 || i % 32 == 0)
                        break;
        }
        *at = i;
        return i < 0 ? 0 : (unsigned)(b[i + 26] | b[i + 27] << 8);
}

TEST(truncated_fat)
{
        struct img m, want;
        unsigned char *buf;
        size_t len;
        struct fs_info info;
        struct va_err err;
        long at;

        ASSERT_OK(load("fat12.img", &m));
        ASSERT_OK(load("expect/meta_data.json", &want));
        ASSERT_ERR(
            read_path(&m, 4096, "openstack/latest/meta_data.json", 4096, &buf, &len, &info, &err),
            VA_E_PARSE);
        ASSERT_CONTAINS(err.msg, "truncated");
        at = find_bytes(m.buf, m.len, want.buf, want.len, 0);
        ASSERT_TRUE(at > 0);
        ASSERT_ERR(read_path(&m, (size_t)at + 10, "openstack/latest/meta_data.json", 4096, &buf,
                             &len, &info, &err),
                   VA_E_PARSE);
        ASSERT_CONTAINS(err.msg, "past the end of the device");
        img_free(&want);
        img_free(&m);
}

TEST(fat_chain_loops_and_breaks)
{
        struct img m;
        struct geom g;
        unsigned char *buf;
        size_t len;
        struct fs_info info;
        struct va_err err;
        unsigned big, dir;
        long at;

        ASSERT_OK(load("fat12.img", &m));
        geom_read(m.buf, &g);
        big = short_entry(m.buf, m.len, "BIG     BIN", &at);
        ASSERT_TRUE(big >= 2);
        /* cluster big+5 leads back to big+2: the chain never ends */
        fat12_set(m.buf, &g, big + 5, big + 2);
        ASSERT_ERR(
            read_path(&m, m.len, "openstack/latest/big.bin", 1 << 20, &buf, &len, &info, &err),
            VA_E_PARSE);
        ASSERT_CONTAINS(err.msg, "loops");
        ASSERT_CONTAINS(err.msg, "openstack/latest/big.bin");
        /* ends too early */
        fat12_set(m.buf, &g, big + 5, 0xfff);
        ASSERT_ERR(
            read_path(&m, m.len, "openstack/latest/big.bin", 1 << 20, &buf, &len, &info, &err),
            VA_E_PARSE);
        ASSERT_CONTAINS(err.msg, "ends after 6 clusters");
        /* runs into a free cluster, a bad one, one past the end */
        fat12_set(m.buf, &g, big + 5, 0);
        ASSERT_ERR(
            read_path(&m, m.len, "openstack/latest/big.bin", 1 << 20, &buf, &len, &info, &err),
            VA_E_PARSE);
        ASSERT_CONTAINS(err.msg, "free");
        fat12_set(m.buf, &g, big + 5, 0xff7);
        ASSERT_ERR(
            read_path(&m, m.len, "openstack/latest/big.bin", 1 << 20, &buf, &len, &info, &err),
            VA_E_PARSE);
        fat12_set(m.buf, &g, big + 5, 0xff0);
        ASSERT_ERR(
            read_path(&m, m.len, "openstack/latest/big.bin", 1 << 20, &buf, &len, &info, &err),
            VA_E_PARSE);
        fat12_set(m.buf, &g, big + 5, big + 6);
        ASSERT_OK(
            read_path(&m, m.len, "openstack/latest/big.bin", 1 << 20, &buf, &len, &info, &err));
        free(buf);
        /* a directory whose cluster leads to itself */
        dir = short_entry(m.buf, m.len, "OPENST~1   ", &at);
        ASSERT_TRUE(dir >= 2);
        fat12_set(m.buf, &g, dir, dir);
        ASSERT_ERR(
            read_path(&m, m.len, "openstack/latest/meta_data.json", 4096, &buf, &len, &info, &err),
            VA_E_PARSE);
        ASSERT_CONTAINS(err.msg, "loops");
        ASSERT_CONTAINS(err.msg, "directory 'openstack'");
        /* a file entry claiming more than the volume holds */
        fat12_set(m.buf, &g, dir, 0xfff);
        big = short_entry(m.buf, m.len, "BIG     BIN", &at);
        m.buf[at + 28] = 0xff;
        m.buf[at + 29] = 0xff;
        m.buf[at + 30] = 0xff;
        m.buf[at + 31] = 0x7f;
        ASSERT_ERR(
            read_path(&m, m.len, "openstack/latest/big.bin", (size_t)-1, &buf, &len, &info, &err),
            VA_E_PARSE);
        img_free(&m);
}

TEST(fat32_root_loop)
{
        struct img m;
        struct geom g;
        unsigned char *buf, *p;
        size_t len;
        struct fs_info info;
        struct va_err err;
        unsigned root;

        ASSERT_OK(load("fat32.img", &m));
        geom_read(m.buf, &g);
        root = (unsigned)(m.buf[44] | m.buf[45] << 8 | m.buf[46] << 16);
        p = m.buf + g.fat + 4 * (size_t)root;
        p[0] = (unsigned char)root;
        p[1] = (unsigned char)(root >> 8);
        p[2] = (unsigned char)(root >> 16);
        p[3] = 0;
        ASSERT_ERR(
            read_path(&m, m.len, "openstack/latest/meta_data.json", 4096, &buf, &len, &info, &err),
            VA_E_PARSE);
        ASSERT_CONTAINS(err.msg, "root directory loops");
        /* the root cluster out of range */
        m.buf[44] = 1;
        m.buf[45] = m.buf[46] = m.buf[47] = 0;
        ASSERT_ERR(
            read_path(&m, m.len, "openstack/latest/meta_data.json", 4096, &buf, &len, &info, &err),
            VA_E_PARSE);
        ASSERT_CONTAINS(err.msg, "BPB_RootClus");
        img_free(&m);
}

TEST(fat_bpb_checks)
{
        struct img m;
        struct fs_source src;
        struct fs_info info;
        struct va_err err;
        unsigned char save[64];

        ASSERT_OK(load("fat16.img", &m));
        src = img_source(&m, m.len);
        memcpy(save, m.buf, sizeof(save));
        /* not FAT at all: no jump, a bad sector size, no FAT */
        m.buf[0] = 0;
        va_err_clear(&err);
        ASSERT_ERR(fs_probe(&src, &info, &err), VA_E_NOTFOUND);
        memcpy(m.buf, save, sizeof(save));
        m.buf[11] = 0;
        m.buf[12] = 3; /* 768 */
        va_err_clear(&err);
        ASSERT_ERR(fs_probe(&src, &info, &err), VA_E_NOTFOUND);
        memcpy(m.buf, save, sizeof(save));
        m.buf[16] = 0;
        va_err_clear(&err);
        ASSERT_ERR(fs_probe(&src, &info, &err), VA_E_NOTFOUND);
        /* FAT, but inconsistent: a FAT too small for the clusters, no root directory */
        memcpy(m.buf, save, sizeof(save));
        m.buf[22] = 1;
        m.buf[23] = 0;
        va_err_clear(&err);
        ASSERT_ERR(fs_probe(&src, &info, &err), VA_E_PARSE);
        ASSERT_CONTAINS(err.msg, "cannot map");
        memcpy(m.buf, save, sizeof(save));
        m.buf[17] = m.buf[18] = 0;
        va_err_clear(&err);
        ASSERT_ERR(fs_probe(&src, &info, &err), VA_E_PARSE);
        ASSERT_CONTAINS(err.msg, "BPB_RootEntCnt");
        memcpy(m.buf, save, sizeof(save));
        va_err_clear(&err);
        ASSERT_OK(fs_probe(&src, &info, &err));
        img_free(&m);
}

TEST(fat_label_from_root_then_bpb)
{
        struct img m;
        struct fs_source src;
        struct fs_info info;
        struct va_err err;
        long at;

        ASSERT_OK(load("fat12.img", &m));
        src = img_source(&m, m.len);
        /* the BPB copy is not what counts while the root entry exists */
        memcpy(m.buf + 43, "BPBLABEL   ", 11);
        va_err_clear(&err);
        ASSERT_OK(fs_probe(&src, &info, &err));
        ASSERT_STREQ(info.label, "CONFIG-2");
        /* delete the root entry: the BPB copy is used */
        short_entry(m.buf, m.len, "CONFIG-2   ", &at);
        ASSERT_TRUE(at > 43);
        ASSERT_TRUE(m.buf[at + 11] == 0x08);
        m.buf[at] = 0xe5;
        va_err_clear(&err);
        ASSERT_OK(fs_probe(&src, &info, &err));
        ASSERT_STREQ(info.label, "BPBLABEL");
        memcpy(m.buf + 43, "NO NAME    ", 11);
        va_err_clear(&err);
        ASSERT_OK(fs_probe(&src, &info, &err));
        ASSERT_STREQ(info.label, "");
        /* control bytes in a label never reach a log line */
        m.buf[at] = 'C';
        m.buf[at + 1] = '\n';
        m.buf[at + 2] = 0x9b;
        va_err_clear(&err);
        ASSERT_OK(fs_probe(&src, &info, &err));
        ASSERT_STREQ(info.label, "C??FIG-2");
        img_free(&m);
}

TEST(fat_long_name_checksum)
{
        struct img m;
        long at;

        ASSERT_OK(load("fat12.img", &m));
        short_entry(m.buf, m.len, "META_D~1JSO", &at);
        ASSERT_TRUE(at > 32);
        ASSERT_TRUE(m.buf[at - 32 + 11] == 0x0f);
        /* a long name whose checksum does not match its short entry is an orphan */
        m.buf[at - 32 + 13] ^= 0x55;
        check_err(&m, "openstack/latest/meta_data.json", VA_E_NOTFOUND);
        check_expect(&m, "openstack/latest/META_D~1.JSO", "meta_data.json");
        img_free(&m);
}

/* The next directory record named name (ISO: LEN_FI bytes at +33) whose name lies
 * after byte from; returns the record's offset, or -1. */
static long
iso_record(const unsigned char *b, size_t n, const char *name, size_t k, long from)
{
        long i = from;

        for (;;) {
                i = find_bytes(b, n, name, k, (size_t)(i + 1));
                if (i < 33)
                        return -1;
                if (b[i - 1] == k && b[i - 33] >= 33 + k)
                        return i - 33;
        }
}

TEST(iso_directory_past_the_end)
{
        static const char joliet[] = { 0, 'l', 0, 'a', 0, 't', 0, 'e', 0, 's', 0, 't' };
        struct img m;
        unsigned char *buf;
        size_t len;
        struct fs_info info;
        struct va_err err;
        long at = 0;
        int n = 0;

        ASSERT_OK(load("nova.iso", &m));
        /* every record of "latest", in both trees, points far past the end */
        while ((at = iso_record(m.buf, m.len, "latest", 6, at + 33)) > 0) {
                memcpy(m.buf + at + 2, "\x00\x00\xff\x00\x00\xff\x00\x00", 8);
                n++;
        }
        at = 0;
        while ((at = iso_record(m.buf, m.len, joliet, sizeof(joliet), at + 33)) > 0) {
                memcpy(m.buf + at + 2, "\x00\x00\xff\x00\x00\xff\x00\x00", 8);
                n++;
        }
        ASSERT_TRUE(n >= 2);
        ASSERT_ERR(
            read_path(&m, m.len, "openstack/latest/meta_data.json", 4096, &buf, &len, &info, &err),
            VA_E_PARSE);
        ASSERT_CONTAINS(err.msg, "past the end of the device");
        ASSERT_CONTAINS(err.msg, "openstack/latest");
        img_free(&m);
}

TEST(iso_malformed_records)
{
        struct img m;
        unsigned char *buf;
        size_t len;
        struct fs_info info;
        struct va_err err;
        long at;

        ASSERT_OK(load("rr.iso", &m));
        at = iso_record(m.buf, m.len, "OPENSTAC", 8, 0);
        ASSERT_TRUE(at > 0);
        m.buf[at] = 20; /* shorter than the fixed part */
        ASSERT_ERR(
            read_path(&m, m.len, "openstack/latest/meta_data.json", 4096, &buf, &len, &info, &err),
            VA_E_PARSE);
        ASSERT_CONTAINS(err.msg, "malformed record");
        m.buf[at] = m.buf[at + 32] + 33; /* long enough, but the name runs past it */
        m.buf[at + 32] = 200;
        ASSERT_ERR(
            read_path(&m, m.len, "openstack/latest/meta_data.json", 4096, &buf, &len, &info, &err),
            VA_E_PARSE);
        img_free(&m);
}

TEST(iso_descriptor_checks)
{
        struct img m;
        struct fs_source src;
        struct fs_info info;
        struct va_err err;
        unsigned char *pvd;

        ASSERT_OK(load("nova.iso", &m));
        src = img_source(&m, m.len);
        pvd = m.buf + 16 * 2048;
        pvd[128] = 100; /* logical block size 100 */
        pvd[131] = 100;
        va_err_clear(&err);
        ASSERT_ERR(fs_probe(&src, &info, &err), VA_E_PARSE);
        ASSERT_CONTAINS(err.msg, "logical block size");
        pvd[128] = 0;
        pvd[129] = 8; /* 2048 little-endian, 2048 big-endian */
        pvd[130] = 8;
        pvd[131] = 0;
        va_err_clear(&err);
        ASSERT_OK(fs_probe(&src, &info, &err));
        ASSERT_EQ_INT(info.iso.block_size, 2048);
        ASSERT_TRUE(info.iso.joliet && info.iso.rock_ridge);
        /* the root record is not a directory */
        pvd[156 + 25] = 0;
        va_err_clear(&err);
        ASSERT_ERR(fs_probe(&src, &info, &err), VA_E_PARSE);
        pvd[156 + 25] = 2;
        /* a descriptor set without a primary descriptor */
        pvd[0] = 3;
        va_err_clear(&err);
        ASSERT_ERR(fs_probe(&src, &info, &err), VA_E_PARSE);
        ASSERT_CONTAINS(err.msg, "no primary volume descriptor");
        /* "CD001" is the signature: without it the FAT probe decides */
        memcpy(pvd + 1, "CD002", 5);
        va_err_clear(&err);
        ASSERT_ERR(fs_probe(&src, &info, &err), VA_E_NOTFOUND);
        img_free(&m);
}

/* Puts a SUSP CE entry pointing at block blk, offset off, len bytes at p. */
static void
put_ce(unsigned char *p, unsigned blk, unsigned off, unsigned len)
{
        static const unsigned char tmpl[28] = { 'C', 'E', 28, 1 };
        unsigned vals[3] = { blk, off, len }, i;

        memcpy(p, tmpl, sizeof(tmpl));
        for (i = 0; i < 3; i++) {
                unsigned char *f = p + 4 + 8 * i;

                f[0] = (unsigned char)vals[i];
                f[1] = (unsigned char)(vals[i] >> 8);
                f[2] = f[3] = 0;
                f[4] = f[5] = 0;
                f[6] = (unsigned char)(vals[i] >> 8);
                f[7] = (unsigned char)vals[i];
        }
}

TEST(rock_ridge_continuation_areas)
{
        static const unsigned char nm[] = { 'N', 'M', 5 + 14, 1,   0,   'm', 'e', 't', 'a', '_',
                                            'd', 'a', 't',    'a', '.', 'j', 's', 'o', 'n' };
        static const unsigned char st[] = { 'S', 'T', 4, 1 };
        struct img m;
        long at = 0;
        int n = 0;

        ASSERT_OK(load("rr.iso", &m));
        /* every META_DAT.JSO;1 record: system use is now a CE to block 1 and an ST, and
         * block 1 (system area, unused) holds the NM */
        while ((at = iso_record(m.buf, m.len, "META_DAT.JSO;1", 14, at + 33)) > 0) {
                size_t sua = (size_t)at + 33 + 14 + 1;

                ASSERT_TRUE(m.buf[at] >= 33 + 14 + 1 + 32);
                put_ce(m.buf + sua, 1, 0, 100);
                memcpy(m.buf + sua + 28, st, sizeof(st));
                n++;
        }
        ASSERT_TRUE(n >= 2);
        memcpy(m.buf + 2048, nm, sizeof(nm));
        memcpy(m.buf + 2048 + sizeof(nm), st, sizeof(st));
        check_expect(&m, "openstack/latest/meta_data.json", "meta_data.json");
        /* a continuation area that continues into itself: followed a few times, then
         * given up on, leaving the ISO name */
        put_ce(m.buf + 2048, 1, 0, 28);
        check_err(&m, "openstack/latest/meta_data.json", VA_E_NOTFOUND);
        check_expect(&m, "openstack/latest/META_DAT.JSO", "meta_data.json");
        /* one pointing past the end of the device */
        put_ce(m.buf + 2048, 0xffff, 0, 28);
        check_err(&m, "openstack/latest/meta_data.json", VA_E_PARSE);
        img_free(&m);
}

HARNESS_MAIN()
