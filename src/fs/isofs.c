/* SPDX-License-Identifier: Apache-2.0 */
/* ISO 9660 (ECMA-119) read-only lookup: volume descriptors, then names from
 * the Joliet tree, else Rock Ridge NM entries (SUSP), else plain ISO names.
 * Only single-extent, non-interleaved files are read. */
#include "fs/fsimage.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ascii.h"

#define ISO_SECTOR   2048u /* ECMA-119 6.1.2: descriptors sit in 2048-byte logical sectors */
#define ISO_VD_FIRST 16u   /* ECMA-119 6.2.1: sectors 0-15 are the system area */
#define ISO_VD_MAX   32u   /* descriptors examined before the terminator must have come */
#define ISO_CE_MAX   8u    /* SUSP continuation areas followed per record */
#define ISO_DR_MIN   34u   /* ECMA-119 9.1: 33 fixed bytes and a 1-byte identifier */
#define ISO_NAME_BUF (FS_NAME_MAX * 3 + 4) /* a Joliet name in UTF-8 */

/* ECMA-119 9.1.6 file flags */
#define ISO_FLAG_DIR        0x02
#define ISO_FLAG_ASSOCIATED 0x04
#define ISO_FLAG_MULTI      0x80

/* The parts of a directory record (ECMA-119 9.1) a lookup needs. */
struct iso_rec {
        uint32_t extent;   /* 9.1.3, in logical blocks */
        uint8_t xar;       /* 9.1.2: extended attribute record blocks before the data */
        uint32_t len;      /* 9.1.4 */
        uint8_t flags;     /* 9.1.6 */
        uint8_t unit, gap; /* 9.1.7, 9.1.8: non-zero means interleaved */
        uint64_t at;       /* byte offset of the record, for messages */
};

static int
iso_block_size_ok(uint32_t bs)
{
        /* ECMA-119 6.1.2: 2^(n+9) and no larger than the 2048-byte logical sector */
        return bs == 512 || bs == 1024 || bs == 2048;
}

/* The byte span of a record's extent, if it fits the device. */
static int
iso_extent(const struct fs_source *src, const struct fs_info *info, const struct iso_rec *rec,
           uint64_t *ret_off)
{
        uint64_t off = ((uint64_t)rec->extent + rec->xar) * info->iso.block_size;

        *ret_off = off;
        return fs_span_ok(src, off, rec->len);
}

static void
iso_rec_parse(const unsigned char *p, uint64_t at, struct iso_rec *ret)
{
        /* both-endian fields (7.2.3, 7.3.3): the little-endian half is used */
        ret->xar = p[1];
        ret->extent = fs_le32(p + 2);
        ret->len = fs_le32(p + 10);
        ret->flags = p[25];
        ret->unit = p[26];
        ret->gap = p[27];
        ret->at = at;
}

/* Removes a ";version" suffix (ECMA-119 7.5.1: SEPARATOR 2 then 1-5 digits). */
static size_t
iso_strip_version(const char *name, size_t len)
{
        size_t i = len;

        while (i > 0 && ascii_isdigit(name[i - 1]))
                i--;
        if (i > 0 && name[i - 1] == ';' && len - i <= 5)
                return i - 1;
        return len;
}

/* Appends the NM entries of a record's system use field, following CE continuation areas
 * (IEEE P1281 SUSP 5.1) at most ISO_CE_MAX times. Returns the name length, 0 when there is
 * no usable NM, or a negative code. Malformed entries end the scan: names then fall back
 * to the ISO identifier, as Linux does. */
static int
rr_name(const struct fs_source *src, const struct fs_info *info, const unsigned char *sua,
        size_t sua_len, char *out, size_t outsz, struct va_err *err)
{
        unsigned char *area = NULL;
        const unsigned char *p = sua;
        size_t n = sua_len, o = 0;
        unsigned hop;
        int seen = 0, overflow = 0, r = 0;

        for (hop = 0;; hop++) {
                size_t i = 0;
                int have_ce = 0;
                uint32_t ce_blk = 0, ce_off = 0, ce_len = 0;

                while (n - i >= 4) {
                        size_t elen = p[i + 2];

                        if (elen < 4 || elen > n - i)
                                break;
                        if (p[i] == 'S' && p[i + 1] == 'T')
                                break; /* SUSP 5.4: terminator */
                        if (p[i] == 'C' && p[i + 1] == 'E' && elen >= 28) {
                                have_ce = 1;
                                ce_blk = fs_le32(p + i + 4);
                                ce_off = fs_le32(p + i + 12);
                                ce_len = fs_le32(p + i + 20);
                        } else if (p[i] == 'N' && p[i + 1] == 'M' && elen >= 5) {
                                /* RRIP 4.1.4: flags bit 1 CURRENT, bit 2 PARENT */
                                if ((p[i + 4] & 0x06) == 0) {
                                        size_t k = elen - 5;

                                        seen = 1;
                                        if (k > outsz - 1 - o) {
                                                overflow = 1;
                                                k = outsz - 1 - o;
                                        }
                                        memcpy(out + o, p + i + 5, k);
                                        o += k;
                                }
                        }
                        i += elen;
                }
                if (!have_ce || hop >= ISO_CE_MAX)
                        break;
                /* a continuation area lies inside one logical block (SUSP 5.1) */
                if (ce_len == 0 || ce_len > info->iso.block_size ||
                    ce_off >= info->iso.block_size || ce_len > info->iso.block_size - ce_off)
                        break;
                if (area == NULL) {
                        area = malloc(ISO_SECTOR);
                        if (area == NULL) {
                                r = va_err_set(err, VA_E_NOMEM, "out of memory");
                                goto out;
                        }
                }
                r = fs_read(src, (uint64_t)ce_blk * info->iso.block_size + ce_off, area, ce_len,
                            "iso9660: Rock Ridge continuation area", err);
                if (r < 0)
                        goto out;
                p = area;
                n = ce_len;
        }
        out[o] = '\0';
        r = seen && !overflow && o > 0 ? (int)o : 0;
out:
        free(area);
        return r;
}

/* The name a record is looked up by, in name (NUL-terminated); its length, 0 when the
 * record has no usable name, or a negative code. */
static int
iso_rec_name(const struct fs_source *src, const struct fs_info *info, int joliet,
             const unsigned char *rec, size_t reclen, char *name, size_t namesz, struct va_err *err)
{
        size_t lenfi = rec[32], i;
        const unsigned char *id = rec + 33;
        int r;

        if (joliet) {
                /* Joliet: identifiers are UCS-2 big-endian */
                uint16_t u[128];

                if (lenfi % 2 != 0)
                        return 0;
                for (i = 0; i < lenfi / 2; i++)
                        u[i] = fs_be16(id + 2 * i);
                r = fs_utf16_to_utf8(u, lenfi / 2, name, namesz);
                if (r <= 0)
                        return 0;
                return (int)iso_strip_version(name, (size_t)r);
        }
        if (info->iso.rock_ridge) {
                /* ECMA-119 9.1.12-13: system use starts after the identifier and
                 * its padding byte; SUSP's SP entry says how much more to skip */
                size_t sua = 33 + lenfi + (lenfi % 2 == 0 ? 1 : 0) + info->iso.susp_skip;

                if (sua < reclen) {
                        r = rr_name(src, info, rec + sua, reclen - sua, name, namesz, err);
                        if (r != 0)
                                return r;
                }
        }
        if (lenfi >= namesz)
                return 0;
        memcpy(name, id, lenfi);
        i = iso_strip_version(name, lenfi);
        /* ECMA-119 7.5.1: a name without an extension keeps its SEPARATOR 1 */
        if (i > 1 && name[i - 1] == '.')
                i--;
        name[i] = '\0';
        return (int)i;
}

/* Finds comp in the directory extent [off, off+len); an exact name wins over one equal
 * only ignoring case. */
static int
iso_lookup(const struct fs_source *src, const struct fs_info *info, int joliet, uint64_t off,
           uint32_t len, const char *comp, const char *where, struct iso_rec *ret,
           struct va_err *err)
{
        unsigned char *sec = NULL;
        char *name = NULL;
        uint64_t pos = off, end = off + len;
        int found = 0, r;

        if (len > FS_DIR_BYTES_MAX)
                return va_err_set(err, VA_E_PARSE,
                                  "iso9660: directory '%.300s' claims %" PRIu32 " bytes (limit %u)",
                                  where, len, FS_DIR_BYTES_MAX);
        if (!fs_span_ok(src, off, len))
                return va_err_set(err, VA_E_PARSE,
                                  "iso9660: directory '%.300s' extent at byte %" PRIu64
                                  " (+%" PRIu32 ") lies past the end of the device (%" PRIu64
                                  " bytes)",
                                  where, off, len, src->size);
        sec = malloc(ISO_SECTOR);
        name = malloc(ISO_NAME_BUF);
        if (sec == NULL || name == NULL) {
                r = va_err_set(err, VA_E_NOMEM, "out of memory");
                goto out;
        }
        while (pos < end) {
                /* ECMA-119 6.8.1.1: a record never crosses a logical sector */
                uint64_t sec_end = (pos / ISO_SECTOR + 1) * ISO_SECTOR;
                size_t clen = (size_t)((sec_end < end ? sec_end : end) - pos), i = 0;

                r = fs_read(src, pos, sec, clen, "iso9660: directory", err);
                if (r < 0)
                        goto out;
                while (i < clen) {
                        size_t rl = sec[i], lenfi;
                        struct iso_rec rec;
                        int nl, score;

                        if (rl == 0)
                                break; /* 6.8.1.1: zero padding to the end of the sector */
                        if (rl < ISO_DR_MIN || rl > clen - i || (lenfi = sec[i + 32]) == 0 ||
                            33 + lenfi > rl) {
                                r = va_err_set(err, VA_E_PARSE,
                                               "iso9660: directory '%.300s': malformed record at "
                                               "byte %" PRIu64 " (length %zu)",
                                               where, pos + i, rl);
                                goto out;
                        }
                        iso_rec_parse(sec + i, pos + i, &rec);
                        if ((rec.flags & ISO_FLAG_ASSOCIATED) ||
                            (lenfi == 1 && (sec[i + 33] == 0 || sec[i + 33] == 1))) {
                                i += rl; /* "." and "..", and associated files */
                                continue;
                        }
                        nl = iso_rec_name(src, info, joliet, sec + i, rl, name, ISO_NAME_BUF, err);
                        if (nl < 0) {
                                r = nl;
                                goto out;
                        }
                        score = nl > 0 ? fs_name_match(name, (size_t)nl, comp) : 0;
                        if (score == 2 || (score == 1 && !found)) {
                                *ret = rec;
                                found = score;
                                if (score == 2)
                                        goto done;
                        }
                        i += rl;
                }
                pos += clen;
        }
done:
        r = found ? 0 : -VA_E_NOTFOUND;
out:
        free(sec);
        free(name);
        return r;
}

/* Walks one directory tree (Joliet or primary) to the file. */
static int
iso_walk(const struct fs_source *src, const struct fs_info *info, int joliet,
         const struct fs_path *path, size_t max, unsigned char **ret_buf, size_t *ret_len,
         struct va_err *err)
{
        char where[512] = "";
        uint64_t off = joliet ? info->iso.jroot_off : info->iso.root_off;
        uint32_t len = joliet ? info->iso.jroot_len : info->iso.root_len;
        struct iso_rec rec;
        unsigned char *buf;
        unsigned k;
        int r;

        memset(&rec, 0, sizeof(rec));

        for (k = 0; k < path->n; k++) {
                size_t wl = strlen(where);

                (void)snprintf(where + wl, sizeof(where) - wl, "%s%s", k ? "/" : "", path->comp[k]);
                r = iso_lookup(src, info, joliet, off, len, path->comp[k], where, &rec, err);
                if (r == -VA_E_NOTFOUND)
                        return va_err_set(err, VA_E_NOTFOUND, "iso9660: '%.300s' not found", where);
                if (r < 0)
                        return r;
                if ((rec.flags & ISO_FLAG_DIR) && k + 1 < path->n) {
                        if (!iso_extent(src, info, &rec, &off))
                                return va_err_set(err, VA_E_PARSE,
                                                  "iso9660: directory '%.300s' (record at byte "
                                                  "%" PRIu64 ") points past the end of the device",
                                                  where, rec.at);
                        len = rec.len;
                        continue;
                }
                if (k + 1 < path->n)
                        return va_err_set(err, VA_E_NOTFOUND,
                                          "iso9660: '%.300s' is not a directory", where);
        }
        if (rec.flags & ISO_FLAG_DIR)
                return va_err_set(err, VA_E_NOTFOUND, "iso9660: '%.300s' is a directory", where);
        if (rec.flags & ISO_FLAG_MULTI)
                return va_err_set(
                    err, VA_E_PARSE,
                    "iso9660: '%.300s' is recorded in several extents (not supported)", where);
        if (rec.unit != 0 || rec.gap != 0)
                return va_err_set(err, VA_E_PARSE,
                                  "iso9660: '%.300s' is recorded interleaved (not supported)",
                                  where);
        if (rec.len > max)
                return va_err_set(err, VA_E_TOOBIG,
                                  "iso9660: '%.300s' is %" PRIu32
                                  " bytes, more than the %zu allowed",
                                  where, rec.len, max);
        if (!iso_extent(src, info, &rec, &off))
                return va_err_set(err, VA_E_PARSE,
                                  "iso9660: '%.300s' (record at byte %" PRIu64 ") has data at byte "
                                  "%" PRIu64 " (+%" PRIu32 ") past the end of the device (%" PRIu64
                                  " bytes)",
                                  where, rec.at, off, rec.len, src->size);
        buf = malloc(rec.len > 0 ? rec.len : 1);
        if (buf == NULL)
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        r = fs_read(src, off, buf, rec.len, "iso9660: file data", err);
        if (r < 0) {
                free(buf);
                return r;
        }
        *ret_buf = buf;
        *ret_len = rec.len;
        return 0;
}

int
fs_iso_read_file(const struct fs_source *src, const struct fs_info *info,
                 const struct fs_path *path, size_t max, unsigned char **ret_buf, size_t *ret_len,
                 struct va_err *err)
{
        struct va_err e;
        int r;

        if (info->iso.joliet) {
                va_err_clear(&e);
                r = iso_walk(src, info, 1, path, max, ret_buf, ret_len, &e);
                /* a name Joliet truncated (64 units) may still be whole in the primary tree */
                if (r != -VA_E_NOTFOUND) {
                        if (r < 0 && err != NULL && err->code == 0)
                                *err = e;
                        return r;
                }
        }
        return iso_walk(src, info, 0, path, max, ret_buf, ret_len, err);
}

/* Reads a root directory record of a volume descriptor (ECMA-119 8.4.18). */
static int
iso_root(const struct fs_source *src, const struct fs_info *info, const unsigned char *vd,
         const char *which, uint64_t *ret_off, uint32_t *ret_len, struct va_err *err)
{
        const unsigned char *dr = vd + 156;
        struct iso_rec rec;

        if (dr[0] < ISO_DR_MIN || dr[32] != 1)
                return va_err_set(err, VA_E_PARSE,
                                  "iso9660: %s volume descriptor: malformed root directory record",
                                  which);
        iso_rec_parse(dr, 0, &rec);
        if (!(rec.flags & ISO_FLAG_DIR) || rec.len == 0)
                return va_err_set(err, VA_E_PARSE,
                                  "iso9660: %s volume descriptor: the root is not a directory",
                                  which);
        if (!iso_extent(src, info, &rec, ret_off))
                return va_err_set(err, VA_E_PARSE,
                                  "iso9660: %s volume descriptor: root directory at block %" PRIu32
                                  " (+%" PRIu32 " bytes) lies past the end of the device (%" PRIu64
                                  " bytes; truncated image?)",
                                  which, rec.extent, rec.len, src->size);
        *ret_len = rec.len;
        return 0;
}

/* SUSP 5.3: an "SP" entry opening the root's "." record marks SUSP (and so Rock Ridge)
 * in use and gives the bytes to skip in every other system use field. CD-XA discs put
 * 14 bytes of their own first. */
static int
iso_detect_susp(const struct fs_source *src, struct fs_info *info, struct va_err *err)
{
        unsigned char dot[255];
        size_t rl, lenfi, sua;
        int r;

        r = fs_read(src, info->iso.root_off, dot, ISO_DR_MIN, "iso9660: root directory", err);
        if (r < 0)
                return r;
        rl = dot[0];
        lenfi = dot[32];
        if (rl < ISO_DR_MIN || lenfi != 1 || dot[33] != 0 || rl > info->iso.root_len)
                return va_err_set(err, VA_E_PARSE,
                                  "iso9660: root directory does not start with its '.' record");
        r = fs_read(src, info->iso.root_off, dot, rl, "iso9660: root directory", err);
        if (r < 0)
                return r;
        sua = 34; /* identifier length 1 is odd: no padding byte */
        for (size_t skip = 0; skip <= 14; skip += 14) {
                const unsigned char *p = dot + sua + skip;

                if (sua + skip + 7 > rl)
                        break;
                if (p[0] == 'S' && p[1] == 'P' && p[2] >= 7 && p[4] == 0xbe && p[5] == 0xef) {
                        info->iso.rock_ridge = 1;
                        info->iso.susp_skip = p[6];
                        break;
                }
        }
        return 0;
}

int
fs_iso_probe(const struct fs_source *src, struct fs_info *ret, struct va_err *err)
{
        unsigned char *vd;
        unsigned i;
        int have_pvd = 0, r = 0;

        if (!fs_span_ok(src, (uint64_t)ISO_VD_FIRST * ISO_SECTOR, ISO_SECTOR))
                return -VA_E_NOTFOUND;
        vd = malloc(ISO_SECTOR);
        if (vd == NULL)
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        for (i = 0; i < ISO_VD_MAX; i++) {
                uint64_t off = (uint64_t)(ISO_VD_FIRST + i) * ISO_SECTOR;

                if (!fs_span_ok(src, off, ISO_SECTOR))
                        break;
                r = fs_read(src, off, vd, ISO_SECTOR, "iso9660: volume descriptor", err);
                if (r < 0)
                        goto out;
                /* ECMA-119 8.1: type, "CD001", version */
                if (memcmp(vd + 1, "CD001", 5) != 0) {
                        if (i == 0) {
                                r = -VA_E_NOTFOUND;
                                goto out;
                        }
                        break;
                }
                if (vd[0] == 255)
                        break; /* 8.3: set terminator */
                if (vd[0] == 1 && !have_pvd) {
                        uint32_t bs = fs_le16(vd + 128);

                        if (vd[6] != 1) {
                                r = va_err_set(err, VA_E_PARSE,
                                               "iso9660: primary volume descriptor version %u",
                                               vd[6]);
                                goto out;
                        }
                        /* 8.4.12: the logical block size, recorded both-endian */
                        if (!iso_block_size_ok(bs) || fs_be16(vd + 130) != bs) {
                                r = va_err_set(err, VA_E_PARSE,
                                               "iso9660: logical block size %" PRIu32
                                               " is not 512, 1024 or 2048",
                                               bs);
                                goto out;
                        }
                        ret->iso.block_size = bs;
                        fs_label_set(ret, vd + 40, 32); /* 8.4.6: volume identifier */
                        r = iso_root(src, ret, vd, "primary", &ret->iso.root_off,
                                     &ret->iso.root_len, err);
                        if (r < 0)
                                goto out;
                        have_pvd = 1;
                } else if (vd[0] == 2 && vd[6] == 1 && !ret->iso.joliet && have_pvd) {
                        /* Joliet: escape sequences %/@, %/C or %/E (UCS-2 levels 1-3)
                         * in 8.5.6, and the same block size as the primary */
                        if (vd[88] == '%' && vd[89] == '/' &&
                            (vd[90] == '@' || vd[90] == 'C' || vd[90] == 'E') &&
                            fs_le16(vd + 128) == ret->iso.block_size) {
                                r = iso_root(src, ret, vd, "Joliet", &ret->iso.jroot_off,
                                             &ret->iso.jroot_len, err);
                                if (r < 0)
                                        goto out;
                                ret->iso.joliet = 1;
                        }
                }
        }
        if (!have_pvd) {
                r = va_err_set(err, VA_E_PARSE,
                               "iso9660: no primary volume descriptor among the first %u", i);
                goto out;
        }
        r = iso_detect_susp(src, ret, err);
        if (r < 0)
                goto out;
        ret->kind = FS_KIND_ISO9660;
out:
        free(vd);
        return r;
}
