/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a config drive's filesystem (iso9660 or FAT) in userspace through
 * a read-at callback: nothing is mounted, so it works unprivileged, on raw
 * Windows partitions and under a fuzzer. Every structure read is untrusted. */
#ifndef VOLATTACH_FS_FSIMAGE_H
#define VOLATTACH_FS_FSIMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct fs_source {
        /* Reads exactly len bytes at offset; returns 0, or a negative va_errcode. */
        int (*read_at)(void *ctx, uint64_t offset, void *buf, size_t len);
        uint64_t size; /* bytes in the device or image */
        void *ctx;
};

enum fs_kind { FS_KIND_UNKNOWN = 0, FS_KIND_ISO9660, FS_KIND_FAT };

#define FS_LABEL_MAX     32                 /* ECMA-119 volume identifier; a FAT label is 11 */
#define FS_PATH_DEPTH    8                  /* components in a path given to fs_read_file() */
#define FS_NAME_MAX      255                /* bytes in one path component */
#define FS_DIR_BYTES_MAX (2u * 1024 * 1024) /* a directory; FAT's own limit is 65536 entries */

/* Where the iso9660 reader looks things up; filled by fs_probe(). */
struct fs_iso_info {
        uint32_t block_size; /* ECMA-119 8.4.12: logical block size */
        uint64_t root_off;   /* primary root directory extent (bytes) */
        uint32_t root_len;
        int joliet;         /* a Joliet supplementary descriptor was found */
        uint64_t jroot_off; /* its root directory extent */
        uint32_t jroot_len;
        int rock_ridge;     /* SUSP "SP" in the root's "." record */
        uint32_t susp_skip; /* SP LEN_SKP: bytes to skip in each system use area */
};

/* FAT geometry from the BPB (Microsoft FAT spec section 3), validated. */
struct fs_fat_info {
        unsigned bits;         /* 12, 16 or 32: by cluster count */
        uint32_t sector_size;  /* BPB_BytsPerSec */
        uint32_t cluster_size; /* BPB_SecPerClus * BPB_BytsPerSec */
        uint32_t clusters;     /* CountofClusters: valid numbers are 2..clusters+1 */
        uint64_t fat_off;      /* the FAT in use (bytes) */
        uint64_t fat_len;
        uint64_t root_off; /* FAT12/16 fixed root directory (bytes) */
        uint32_t root_len;
        uint32_t root_cluster; /* FAT32 BPB_RootClus; 0 on FAT12/16 */
        uint64_t data_off;     /* first byte of cluster 2 */
};

struct fs_info {
        enum fs_kind kind;
        char label[FS_LABEL_MAX + 1]; /* as recorded, trailing spaces trimmed; bytes outside
                                         printable ASCII become '?' so it is safe to log */
        /* private to the readers */
        struct fs_iso_info iso;
        struct fs_fat_info fat;
};

/* Identifies iso9660 or FAT12/16/32; -VA_E_NOTFOUND when neither, -VA_E_PARSE when
 * the signature is there but the structures are inconsistent (e.g. truncated), -VA_E_IO
 * when the callback fails. */
int fs_probe(const struct fs_source *src, struct fs_info *ret, struct va_err *err);

/* Reads a file by '/'-separated path relative to the root ("openstack/latest/meta_data.json"),
 * into a malloc'd buffer (caller frees). -VA_E_NOTFOUND when absent, -VA_E_TOOBIG when larger than
 * max, -VA_E_PARSE on a corrupt filesystem (message says what is wrong and where), -VA_E_INVAL for
 * a path that is empty, has "." or "..", more than FS_PATH_DEPTH components or one longer than
 * FS_NAME_MAX bytes. Names compare ASCII-case-insensitively; an exact match wins. */
int fs_read_file(const struct fs_source *src, const struct fs_info *info, const char *path,
                 size_t max, unsigned char **ret_buf, size_t *ret_len, struct va_err *err);

/* 1 when a label names a config drive: "config-2" compared case-insensitively. */
int fs_label_is_config_drive(const char *label);

/* ---- internal to fsimage.c, isofs.c and fatfs.c ------------------------------------ */

/* A path split into components, checked against the limits above. */
struct fs_path {
        unsigned n;
        char comp[FS_PATH_DEPTH][FS_NAME_MAX + 1];
};

/* Each returns 0, -VA_E_NOTFOUND without touching err (not this filesystem), or another
 * negative code with err set. */
int fs_iso_probe(const struct fs_source *src, struct fs_info *ret, struct va_err *err);
int fs_fat_probe(const struct fs_source *src, struct fs_info *ret, struct va_err *err);

int fs_iso_read_file(const struct fs_source *src, const struct fs_info *info,
                     const struct fs_path *path, size_t max, unsigned char **ret_buf,
                     size_t *ret_len, struct va_err *err);
int fs_fat_read_file(const struct fs_source *src, const struct fs_info *info,
                     const struct fs_path *path, size_t max, unsigned char **ret_buf,
                     size_t *ret_len, struct va_err *err);

/* Reads len bytes at off after checking the span lies inside the device; what names the
 * structure for the message. */
int fs_read(const struct fs_source *src, uint64_t off, void *buf, size_t len, const char *what,
            struct va_err *err);

/* 1 when [off, off+len) lies inside the device. */
int fs_span_ok(const struct fs_source *src, uint64_t off, uint64_t len);

/* 2 when name (len bytes) equals comp exactly, 1 when equal ignoring ASCII case, else 0. */
int fs_name_match(const char *name, size_t len, const char *comp);

/* UTF-16 code units (already in host order) to UTF-8 in out (NUL-terminated); returns the
 * length, or -1 when the input has an unpaired surrogate or out is too small. */
int fs_utf16_to_utf8(const uint16_t *in, size_t n, char *out, size_t outsz);

/* Copies a recorded label, trimming trailing spaces and NULs; see fs_info.label. */
void fs_label_set(struct fs_info *info, const unsigned char *raw, size_t len);

/* Little- and big-endian field readers. */
uint16_t fs_le16(const unsigned char *p);
uint32_t fs_le32(const unsigned char *p);
uint16_t fs_be16(const unsigned char *p);
uint32_t fs_be32(const unsigned char *p);

#endif
