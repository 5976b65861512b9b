/* SPDX-License-Identifier: Apache-2.0 */
/* FAT12/16/32 read-only lookup after Microsoft's "FAT: General Overview of
 * On-Disk Format" (v1.03): BPB checks, FAT type by cluster count, VFAT long
 * names, and cluster chains walked with length, range and loop checks. */
#include "fs/fsimage.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/ascii.h"

#define FAT_DIRENT    32u
#define FAT_WIN       4096u /* bytes of the FAT cached at a time */
#define FAT_LFN_MAX   20u   /* 20 entries of 13 units hold the 255-unit maximum */
#define FAT_LFN_UNITS (FAT_LFN_MAX * 13u)
#define FAT_NAME_BUF  (FS_NAME_MAX * 3 + 4)

/* DIR_Attr bits (spec section 6) */
#define FAT_ATTR_VOLUME_ID 0x08
#define FAT_ATTR_DIRECTORY 0x10
#define FAT_ATTR_LONG_NAME 0x0f
#define FAT_ATTR_LONG_MASK 0x3f

/* A run of consecutive clusters in a chain. */
struct fat_run {
        uint32_t first;
        uint32_t n;
};

/* The volume, with a window of the FAT so that a chain walk on a raw device does not
 * issue one read per cluster. */
struct fat_vol {
        const struct fs_source *src;
        const struct fs_fat_info *g;
        unsigned char win[FAT_WIN];
        uint64_t win_off;
        size_t win_len;
};

/* A directory as byte extents: the fixed FAT12/16 root, or a chain's runs. */
struct fat_dir {
        struct fat_run *runs; /* NULL for the fixed root */
        size_t nruns;
};

/* A short entry as the iterator returns it, with its checked long name. */
struct fat_dirent {
        unsigned char raw[FAT_DIRENT];
        char lname[FAT_NAME_BUF]; /* UTF-8, "" when none */
        size_t llen;
        char sname[13]; /* "NAME.EXT" */
        size_t slen;
        uint64_t at; /* byte offset, for messages */
};

struct fat_iter {
        struct fat_vol *v;
        const struct fat_dir *dir;
        size_t next_ext;
        uint64_t cur, end;
        unsigned char *sec;
        size_t sec_pos, sec_len;
        /* long-name sequence in progress (spec section 7) */
        uint16_t lfn[FAT_LFN_UNITS];
        unsigned lfn_total, lfn_expect;
        int lfn_complete;
        uint8_t lfn_sum;
};

static uint64_t
fat_cluster_off(const struct fs_fat_info *g, uint32_t cl)
{
        /* spec 3.5: FirstSectorofCluster = ((N - 2) * BPB_SecPerClus) + FirstDataSector */
        return g->data_off + (uint64_t)(cl - 2) * g->cluster_size;
}

static int
fat_cluster_valid(const struct fs_fat_info *g, uint32_t cl)
{
        return cl >= 2 && cl - 2 < g->clusters;
}

/* Reads the FAT entry for cluster cl (spec section 4). */
static int
fat_entry(struct fat_vol *v, uint32_t cl, uint32_t *ret, struct va_err *err)
{
        const struct fs_fat_info *g = v->g;
        uint64_t off;
        size_t k = g->bits == 32 ? 4 : 2;
        const unsigned char *p;
        int r;

        if (g->bits == 12)
                off = (uint64_t)cl + cl / 2;
        else
                off = (uint64_t)cl * (g->bits / 8);
        if (off + k > g->fat_len)
                return va_err_set(err, VA_E_PARSE,
                                  "FAT: entry for cluster %" PRIu32 " lies outside the FAT", cl);
        if (v->win_len == 0 || off < v->win_off || off + k > v->win_off + v->win_len) {
                v->win_off = off - off % FAT_WIN;
                if (off + k > v->win_off + FAT_WIN)
                        v->win_off = off; /* a FAT12 entry straddling the window */
                v->win_len =
                    g->fat_len - v->win_off < FAT_WIN ? (size_t)(g->fat_len - v->win_off) : FAT_WIN;
                r = fs_read(v->src, g->fat_off + v->win_off, v->win, v->win_len, "FAT", err);
                if (r < 0) {
                        v->win_len = 0;
                        return r;
                }
        }
        p = v->win + (off - v->win_off);
        if (g->bits == 12)
                *ret = cl & 1 ? (uint32_t)fs_le16(p) >> 4 : fs_le16(p) & 0x0fffu;
        else if (g->bits == 16)
                *ret = fs_le16(p);
        else
                *ret = fs_le32(p) & 0x0fffffffu; /* the top 4 bits are reserved */
        return 0;
}

static int
fat_is_eoc(const struct fs_fat_info *g, uint32_t v)
{
        /* spec section 4: any value >= 0xFF8 / 0xFFF8 / 0x0FFFFFF8 ends a chain */
        switch (g->bits) {
        case 12:
                return v >= 0x0ff8u;
        case 16:
                return v >= 0xfff8u;
        default:
                return v >= 0x0ffffff8u;
        }
}

static int
run_cmp(const void *a, const void *b)
{
        const struct fat_run *x = a, *y = b;

        return x->first < y->first ? -1 : x->first > y->first;
}

/* A chain in which a cluster appears twice loops: the FAT maps each cluster to one next
 * cluster, so walking on would repeat forever. Runs sorted by start must not overlap. */
static int
fat_chain_check_loop(const struct fat_run *runs, size_t n, const char *what, struct va_err *err)
{
        struct fat_run *s;
        size_t i;
        int r = 0;

        if (n < 2)
                return 0;
        s = malloc(n * sizeof(*s));
        if (s == NULL)
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        memcpy(s, runs, n * sizeof(*s));
        qsort(s, n, sizeof(*s), run_cmp);
        for (i = 0; i + 1 < n; i++) {
                if ((uint64_t)s[i].first + s[i].n > s[i + 1].first) {
                        r = va_err_set(err, VA_E_PARSE,
                                       "FAT: the cluster chain of %.300s loops (cluster %" PRIu32
                                       " is reached twice)",
                                       what, s[i + 1].first);
                        break;
                }
        }
        free(s);
        return r;
}

/* Collects the chain from first: exactly want clusters when want > 0 (a file), else up to
 * its end-of-chain mark and at most cap clusters (a directory). */
static int
fat_chain(struct fat_vol *v, uint32_t first, uint32_t want, uint32_t cap, const char *what,
          struct fat_run **ret, size_t *ret_n, struct va_err *err)
{
        const struct fs_fat_info *g = v->g;
        struct fat_run *runs = NULL;
        size_t n = 0, alloc = 0;
        uint32_t cl = first, count = 0, limit = want > 0 ? want : cap;
        int r;

        for (;;) {
                uint32_t next = 0;

                if (!fat_cluster_valid(g, cl)) {
                        r = va_err_set(err, VA_E_PARSE,
                                       "FAT: the cluster chain of %.300s reaches cluster %" PRIu32
                                       " after %" PRIu32 " clusters; valid are 2..%" PRIu32,
                                       what, cl, count, g->clusters + 1);
                        goto fail;
                }
                if (count >= limit) {
                        /* name a loop as such: it is the likely cause and the clearer message */
                        r = fat_chain_check_loop(runs, n, what, err);
                        if (r < 0)
                                goto fail;
                        r = va_err_set(err, VA_E_PARSE,
                                       "FAT: the cluster chain of %.300s is longer than %" PRIu32
                                       " clusters, the most a directory may have (a loop?)",
                                       what, limit);
                        goto fail;
                }
                if (n > 0 && runs[n - 1].first + runs[n - 1].n == cl) {
                        runs[n - 1].n++;
                } else {
                        struct fat_run *nr = array_grow(runs, &alloc, n, sizeof(*nr));

                        if (nr == NULL) {
                                r = va_err_set(err, VA_E_NOMEM, "out of memory");
                                goto fail;
                        }
                        runs = nr;
                        runs[n].first = cl;
                        runs[n].n = 1;
                        n++;
                }
                count++;
                if (want > 0 && count == want)
                        break;
                r = fat_entry(v, cl, &next, err);
                if (r < 0)
                        goto fail;
                if (fat_is_eoc(g, next)) {
                        if (want > 0) {
                                r = va_err_set(
                                    err, VA_E_PARSE,
                                    "FAT: the cluster chain of %.300s ends after %" PRIu32
                                    " clusters; its size needs %" PRIu32,
                                    what, count, want);
                                goto fail;
                        }
                        break;
                }
                if (!fat_cluster_valid(g, next)) {
                        /* 0 free, 1 reserved, 0x?FF7 bad, or past the last cluster */
                        r = va_err_set(err, VA_E_PARSE,
                                       "FAT: the cluster chain of %.300s goes from cluster %" PRIu32
                                       " to %s value 0x%" PRIx32,
                                       what, cl, next == 0 ? "the free" : "the invalid", next);
                        goto fail;
                }
                cl = next;
        }
        r = fat_chain_check_loop(runs, n, what, err);
        if (r < 0)
                goto fail;
        *ret = runs;
        *ret_n = n;
        return 0;
fail:
        free(runs);
        return r;
}

static int
fat_dir_open(struct fat_vol *v, uint32_t cluster, const char *what, struct fat_dir *ret,
             struct va_err *err)
{
        const struct fs_fat_info *g = v->g;
        uint32_t cap = FS_DIR_BYTES_MAX / g->cluster_size;

        ret->runs = NULL;
        ret->nruns = 0;
        if (cluster == 0 && g->bits != 32)
                return 0; /* the fixed root */
        if (cap == 0)
                cap = 1;
        if (cap > g->clusters)
                cap = g->clusters;
        return fat_chain(v, cluster, 0, cap, what, &ret->runs, &ret->nruns, err);
}

static void
fat_iter_init(struct fat_iter *it, struct fat_vol *v, const struct fat_dir *dir,
              unsigned char *secbuf)
{
        memset(it, 0, sizeof(*it));
        it->v = v;
        it->dir = dir;
        it->sec = secbuf;
}

/* The next extent of the directory, checked against the device. */
static int
fat_iter_extent(struct fat_iter *it, struct va_err *err)
{
        const struct fs_fat_info *g = it->v->g;
        uint64_t off, len;

        if (it->dir->runs == NULL) {
                if (it->next_ext > 0)
                        return 0;
                off = g->root_off;
                len = g->root_len;
        } else {
                const struct fat_run *run;

                if (it->next_ext >= it->dir->nruns)
                        return 0;
                run = &it->dir->runs[it->next_ext];
                off = fat_cluster_off(g, run->first);
                len = (uint64_t)run->n * g->cluster_size;
                if (!fs_span_ok(it->v->src, off, len))
                        return va_err_set(err, VA_E_PARSE,
                                          "FAT: directory clusters %" PRIu32 "..%" PRIu32
                                          " lie past the end of the device (%" PRIu64
                                          " bytes; truncated image?)",
                                          run->first, run->first + run->n - 1, it->v->src->size);
        }
        it->next_ext++;
        it->cur = off;
        it->end = off + len;
        return 1;
}

static void
fat_lfn_reset(struct fat_iter *it)
{
        it->lfn_total = 0;
        it->lfn_expect = 0;
        it->lfn_complete = 0;
}

/* Spec section 7: LDIR_Ord counts down from N|0x40 (LAST_LONG_ENTRY) to 1, all entries
 * carrying the checksum of the short name that follows them. Anything else is an orphan
 * and is dropped, as Windows does. */
static void
fat_lfn_add(struct fat_iter *it, const unsigned char *e)
{
        static const unsigned char pos[13] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };
        unsigned ord = e[0] & 0x3f, i;

        if (e[12] != 0 || fs_le16(e + 26) != 0 || ord == 0 || ord > FAT_LFN_MAX) {
                fat_lfn_reset(it);
                return;
        }
        if (e[0] & 0x40) {
                fat_lfn_reset(it);
                it->lfn_total = ord;
                it->lfn_sum = e[13];
        } else if (it->lfn_expect == 0 || ord != it->lfn_expect || e[13] != it->lfn_sum) {
                fat_lfn_reset(it);
                return;
        }
        for (i = 0; i < 13; i++)
                it->lfn[(ord - 1) * 13 + i] = fs_le16(e + pos[i]);
        it->lfn_expect = ord - 1;
        it->lfn_complete = ord == 1;
}

static uint8_t
fat_short_sum(const unsigned char *name)
{
        uint8_t sum = 0;
        unsigned i;

        /* spec section 7, ChkSum() */
        for (i = 0; i < 11; i++)
                sum = (uint8_t)(((sum & 1) ? 0x80 : 0) + (sum >> 1) + name[i]);
        return sum;
}

/* "NAME.EXT" from the 11-byte DIR_Name, honouring the lower-case flags Windows NT keeps in
 * DIR_NTRes (bit 3 base, bit 4 extension). */
static size_t
fat_short_name(const unsigned char *e, char *out)
{
        size_t b = 8, x = 3, o = 0, i;

        while (b > 0 && e[b - 1] == ' ')
                b--;
        while (x > 0 && e[8 + x - 1] == ' ')
                x--;
        for (i = 0; i < b; i++) {
                unsigned char c = i == 0 && e[0] == 0x05 ? 0xe5 : e[i];

                out[o++] = (char)(e[12] & 0x08 ? ascii_lower(c) : c);
        }
        if (x > 0) {
                out[o++] = '.';
                for (i = 0; i < x; i++) {
                        unsigned char c = e[8 + i];

                        out[o++] = (char)(e[12] & 0x10 ? ascii_lower(c) : c);
                }
        }
        out[o] = '\0';
        return o;
}

/* The next short entry in use (files, directories, the volume label): 1, or 0 at the end
 * of the directory, or a negative code. */
static int
fat_iter_next(struct fat_iter *it, struct fat_dirent *ret, struct va_err *err)
{
        const struct fs_fat_info *g = it->v->g;

        for (;;) {
                const unsigned char *e;
                int r;

                if (it->sec_pos + FAT_DIRENT > it->sec_len) {
                        if (it->cur >= it->end) {
                                r = fat_iter_extent(it, err);
                                if (r <= 0)
                                        return r;
                        }
                        it->sec_len = it->end - it->cur < g->sector_size
                                          ? (size_t)(it->end - it->cur)
                                          : g->sector_size;
                        r = fs_read(it->v->src, it->cur, it->sec, it->sec_len, "FAT: directory",
                                    err);
                        if (r < 0)
                                return r;
                        it->cur += it->sec_len;
                        it->sec_pos = 0;
                        continue;
                }
                e = it->sec + it->sec_pos;
                ret->at = it->cur - it->sec_len + it->sec_pos;
                it->sec_pos += FAT_DIRENT;
                if (e[0] == 0x00)
                        return 0; /* spec section 6: this and every later entry is free */
                if (e[0] == 0xe5) {
                        fat_lfn_reset(it);
                        continue;
                }
                if ((e[11] & FAT_ATTR_LONG_MASK) == FAT_ATTR_LONG_NAME) {
                        fat_lfn_add(it, e);
                        continue;
                }
                memcpy(ret->raw, e, FAT_DIRENT);
                ret->slen = fat_short_name(e, ret->sname);
                ret->lname[0] = '\0';
                ret->llen = 0;
                if (it->lfn_complete && fat_short_sum(e) == it->lfn_sum) {
                        size_t units = (size_t)it->lfn_total * 13, n = 0;
                        int l;

                        while (n < units && it->lfn[n] != 0)
                                n++;
                        if (n > 0 && n <= FS_NAME_MAX) {
                                l = fs_utf16_to_utf8(it->lfn, n, ret->lname, sizeof(ret->lname));
                                if (l > 0)
                                        ret->llen = (size_t)l;
                        }
                }
                fat_lfn_reset(it);
                return 1;
        }
}

/* Finds comp in dir; an exact long or short name wins over a case-insensitive one. */
static int
fat_lookup(struct fat_vol *v, const struct fat_dir *dir, const char *comp, struct fat_dirent *ret,
           struct va_err *err)
{
        struct fat_iter *it;
        struct fat_dirent *d;
        unsigned char *sec;
        int found = 0, r;

        it = malloc(sizeof(*it));
        d = malloc(sizeof(*d));
        sec = malloc(v->g->sector_size);
        if (it == NULL || d == NULL || sec == NULL) {
                r = va_err_set(err, VA_E_NOMEM, "out of memory");
                goto out;
        }
        fat_iter_init(it, v, dir, sec);
        while ((r = fat_iter_next(it, d, err)) > 0) {
                int s1, s2, score;

                if ((d->raw[11] & FAT_ATTR_VOLUME_ID) || d->raw[0] == '.')
                        continue; /* the label, and "." / ".." */
                s1 = d->llen > 0 ? fs_name_match(d->lname, d->llen, comp) : 0;
                s2 = fs_name_match(d->sname, d->slen, comp);
                score = s1 > s2 ? s1 : s2;
                if (score == 2 || (score == 1 && !found)) {
                        *ret = *d;
                        found = score;
                        if (score == 2)
                                break;
                }
        }
        if (r >= 0)
                r = found ? 0 : -VA_E_NOTFOUND;
out:
        free(it);
        free(d);
        free(sec);
        return r;
}

static uint32_t
fat_dirent_cluster(const struct fs_fat_info *g, const unsigned char *e)
{
        /* DIR_FstClusHI is only meaningful on FAT32 */
        uint32_t hi = g->bits == 32 ? fs_le16(e + 20) : 0;

        return (hi << 16) | fs_le16(e + 26);
}

static int
fat_read_runs(struct fat_vol *v, const struct fat_run *runs, size_t n, unsigned char *buf,
              uint32_t size, const char *what, struct va_err *err)
{
        const struct fs_fat_info *g = v->g;
        uint64_t done = 0;
        size_t i;
        int r;

        for (i = 0; i < n && done < size; i++) {
                uint64_t off = fat_cluster_off(g, runs[i].first);
                uint64_t len = (uint64_t)runs[i].n * g->cluster_size;

                if (len > size - done)
                        len = size - done;
                if (!fs_span_ok(v->src, off, len))
                        return va_err_set(
                            err, VA_E_PARSE,
                            "FAT: '%.300s': clusters %" PRIu32 "..%" PRIu32
                            " lie past the end of the device (%" PRIu64 " bytes; truncated image?)",
                            what, runs[i].first, runs[i].first + runs[i].n - 1, v->src->size);
                r = fs_read(v->src, off, buf + done, (size_t)len, "FAT: file data", err);
                if (r < 0)
                        return r;
                done += len;
        }
        return 0;
}

int
fs_fat_read_file(const struct fs_source *src, const struct fs_info *info,
                 const struct fs_path *path, size_t max, unsigned char **ret_buf, size_t *ret_len,
                 struct va_err *err)
{
        const struct fs_fat_info *g = &info->fat;
        struct fat_vol *v;
        struct fat_dir dir = { NULL, 0 };
        struct fat_dirent *d = NULL;
        struct fat_run *runs = NULL;
        size_t nruns = 0;
        unsigned char *buf = NULL;
        char where[512] = "", what[600];
        uint32_t size, want;
        unsigned k;
        int r;

        v = calloc(1, sizeof(*v));
        d = malloc(sizeof(*d));
        if (v == NULL || d == NULL) {
                r = va_err_set(err, VA_E_NOMEM, "out of memory");
                goto out;
        }
        v->src = src;
        v->g = g;
        r = fat_dir_open(v, g->root_cluster, "the root directory", &dir, err);
        if (r < 0)
                goto out;
        for (k = 0; k < path->n; k++) {
                size_t wl = strlen(where);
                uint32_t cl;

                (void)snprintf(where + wl, sizeof(where) - wl, "%s%s", k ? "/" : "", path->comp[k]);
                r = fat_lookup(v, &dir, path->comp[k], d, err);
                if (r == -VA_E_NOTFOUND) {
                        r = va_err_set(err, VA_E_NOTFOUND, "FAT: '%.300s' not found", where);
                        goto out;
                }
                if (r < 0)
                        goto out;
                if (k + 1 == path->n)
                        break;
                if (!(d->raw[11] & FAT_ATTR_DIRECTORY)) {
                        r = va_err_set(err, VA_E_NOTFOUND, "FAT: '%.300s' is not a directory",
                                       where);
                        goto out;
                }
                cl = fat_dirent_cluster(g, d->raw);
                if (cl == 0) {
                        /* only ".." may name the root as cluster 0 (spec section 6) */
                        r = va_err_set(err, VA_E_PARSE,
                                       "FAT: directory '%.300s' (entry at byte %" PRIu64
                                       ") has no first cluster",
                                       where, d->at);
                        goto out;
                }
                free(dir.runs);
                dir.runs = NULL;
                (void)snprintf(what, sizeof(what), "directory '%.300s'", where);
                r = fat_dir_open(v, cl, what, &dir, err);
                if (r < 0)
                        goto out;
        }
        if (d->raw[11] & FAT_ATTR_DIRECTORY) {
                r = va_err_set(err, VA_E_NOTFOUND, "FAT: '%.300s' is a directory", where);
                goto out;
        }
        size = fs_le32(d->raw + 28);
        if (size > max) {
                r = va_err_set(err, VA_E_TOOBIG,
                               "FAT: '%.300s' is %" PRIu32 " bytes, more than the %zu allowed",
                               where, size, max);
                goto out;
        }
        want = (uint32_t)(((uint64_t)size + g->cluster_size - 1) / g->cluster_size);
        if (want > g->clusters) {
                r = va_err_set(err, VA_E_PARSE,
                               "FAT: '%.300s' is %" PRIu32 " bytes, more than the volume holds",
                               where, size);
                goto out;
        }
        buf = malloc(size > 0 ? size : 1);
        if (buf == NULL) {
                r = va_err_set(err, VA_E_NOMEM, "out of memory");
                goto out;
        }
        if (size > 0) {
                (void)snprintf(what, sizeof(what), "file '%.300s'", where);
                r = fat_chain(v, fat_dirent_cluster(g, d->raw), want, want, what, &runs, &nruns,
                              err);
                if (r < 0)
                        goto out;
                r = fat_read_runs(v, runs, nruns, buf, size, where, err);
                if (r < 0)
                        goto out;
        }
        *ret_buf = buf;
        *ret_len = size;
        buf = NULL;
out:
        free(buf);
        free(runs);
        free(dir.runs);
        free(d);
        free(v);
        return r;
}

/* Spec section 6: the volume label is an entry with ATTR_VOLUME_ID in the root directory;
 * the BPB's BS_VolLab copy is older and not updated by every tool. */
static int
fat_label(const struct fs_source *src, struct fs_info *info, const unsigned char *bs,
          struct va_err *err)
{
        struct fat_vol *v;
        struct fat_dir dir = { NULL, 0 };
        struct fat_iter *it = NULL;
        struct fat_dirent *d = NULL;
        unsigned char *sec = NULL;
        int r, found = 0;

        v = calloc(1, sizeof(*v));
        it = malloc(sizeof(*it));
        d = malloc(sizeof(*d));
        sec = malloc(info->fat.sector_size);
        if (v == NULL || it == NULL || d == NULL || sec == NULL) {
                r = va_err_set(err, VA_E_NOMEM, "out of memory");
                goto out;
        }
        v->src = src;
        v->g = &info->fat;
        r = fat_dir_open(v, info->fat.root_cluster, "the root directory", &dir, err);
        if (r < 0)
                goto out;
        fat_iter_init(it, v, &dir, sec);
        while ((r = fat_iter_next(it, d, err)) > 0) {
                if ((d->raw[11] & (FAT_ATTR_VOLUME_ID | FAT_ATTR_DIRECTORY)) ==
                    FAT_ATTR_VOLUME_ID) {
                        if (d->raw[0] == 0x05)
                                d->raw[0] = 0xe5; /* spec section 6: DIR_Name[0] 0x05 */
                        fs_label_set(info, d->raw, 11);
                        found = 1;
                        break;
                }
        }
        if (r < 0)
                goto out;
        r = 0;
        if (!found) {
                /* BS_BootSig 0x29 says BS_VolID, BS_VolLab and BS_FilSysType exist */
                const unsigned char *ext = bs + (info->fat.bits == 32 ? 64 : 36);

                if (ext[2] == 0x29 && memcmp(ext + 7, "NO NAME    ", 11) != 0)
                        fs_label_set(info, ext + 7, 11);
        }
out:
        free(sec);
        free(dir.runs);
        free(d);
        free(it);
        free(v);
        return r;
}

static int
pow2_in(uint32_t v, uint32_t lo, uint32_t hi)
{
        return v >= lo && v <= hi && (v & (v - 1)) == 0;
}

int
fs_fat_probe(const struct fs_source *src, struct fs_info *ret, struct va_err *err)
{
        struct fs_fat_info *g = &ret->fat;
        unsigned char bs[512];
        uint32_t bps, spc, rsvd, nfats, root_ents, totsec, fatsz, root_secs, active = 0;
        uint64_t meta, entries;
        int r;

        if (src->size < sizeof(bs))
                return -VA_E_NOTFOUND;
        r = fs_read(src, 0, bs, sizeof(bs), "FAT: boot sector", err);
        if (r < 0)
                return r;
        /* Spec section 3.1: BS_jmpBoot is EB xx 90 or E9 xx xx; then the BPB's invariants.
         * Failing any of these means "not FAT", not "broken FAT". */
        bps = fs_le16(bs + 11);
        spc = bs[13];
        rsvd = fs_le16(bs + 14);
        nfats = bs[16];
        root_ents = fs_le16(bs + 17);
        totsec = fs_le16(bs + 19) != 0 ? fs_le16(bs + 19) : fs_le32(bs + 32);
        fatsz = fs_le16(bs + 22) != 0 ? fs_le16(bs + 22) : fs_le32(bs + 36);
        if (!((bs[0] == 0xeb && bs[2] == 0x90) || bs[0] == 0xe9) || !pow2_in(bps, 512, 4096) ||
            !pow2_in(spc, 1, 128) || rsvd == 0 || nfats == 0 || (bs[21] != 0xf0 && bs[21] < 0xf8) ||
            totsec == 0 || fatsz == 0)
                return -VA_E_NOTFOUND;
        /* Spec section 3.5: the type follows from the count of data clusters alone */
        root_secs = (root_ents * 32 + bps - 1) / bps;
        meta = (uint64_t)rsvd + (uint64_t)nfats * fatsz + root_secs;
        if (meta >= totsec)
                return va_err_set(err, VA_E_PARSE,
                                  "FAT: boot sector leaves no data area (%" PRIu32
                                  " sectors, %" PRIu64 " of them reserved, FAT or root)",
                                  totsec, meta);
        g->clusters = (uint32_t)((totsec - meta) / spc);
        if (g->clusters == 0)
                return va_err_set(err, VA_E_PARSE, "FAT: boot sector leaves no data cluster");
        g->bits = g->clusters < 4085 ? 12 : g->clusters < 65525 ? 16 : 32;
        if (g->bits == 32) {
                /* FAT32 BPB (spec 3.3): no fixed root, FAT size only in BPB_FATSz32 */
                if (root_ents != 0 || fs_le16(bs + 22) != 0)
                        return va_err_set(err, VA_E_PARSE,
                                          "FAT: %" PRIu32 " clusters make FAT32, but the boot "
                                          "sector has a FAT12/16 root directory or FAT size",
                                          g->clusters);
                if (g->clusters > 0x0ffffff5u)
                        return va_err_set(err, VA_E_PARSE, "FAT: too many clusters for FAT32");
                g->root_cluster = fs_le32(bs + 44);
                if (!fat_cluster_valid(g, g->root_cluster))
                        return va_err_set(err, VA_E_PARSE,
                                          "FAT: BPB_RootClus %" PRIu32 " is not a data cluster",
                                          g->root_cluster);
                /* BPB_ExtFlags bit 7: mirroring off, bits 0-3 name the one active FAT */
                if (bs[40] & 0x80)
                        active = bs[40] & 0x0f;
                if (active >= nfats)
                        return va_err_set(err, VA_E_PARSE,
                                          "FAT: BPB_ExtFlags names FAT %" PRIu32 " of %" PRIu32,
                                          active, nfats);
        } else if (root_ents == 0) {
                return va_err_set(err, VA_E_PARSE,
                                  "FAT: %" PRIu32 " clusters make FAT%u, but BPB_RootEntCnt is 0",
                                  g->clusters, g->bits);
        }
        g->sector_size = bps;
        g->cluster_size = bps * spc;
        g->fat_off = ((uint64_t)rsvd + (uint64_t)active * fatsz) * bps;
        g->fat_len = (uint64_t)fatsz * bps;
        /* every cluster needs an entry, counting the two reserved ones */
        entries = g->fat_len * 8 / g->bits;
        if (entries < (uint64_t)g->clusters + 2)
                return va_err_set(err, VA_E_PARSE,
                                  "FAT: a FAT of %" PRIu32 " sectors cannot map %" PRIu32
                                  " clusters",
                                  fatsz, g->clusters);
        g->root_off = ((uint64_t)rsvd + (uint64_t)nfats * fatsz) * bps;
        g->root_len = root_secs * bps;
        g->data_off = meta * bps;
        if (!fs_span_ok(src, 0, g->data_off))
                return va_err_set(err, VA_E_PARSE,
                                  "FAT: the reserved sectors, FATs and root directory need %" PRIu64
                                  " bytes; the device has %" PRIu64 " (truncated image?)",
                                  g->data_off, src->size);
        ret->kind = FS_KIND_FAT;
        r = fat_label(src, ret, bs, err);
        if (r < 0)
                ret->kind = FS_KIND_UNKNOWN;
        return r;
}
