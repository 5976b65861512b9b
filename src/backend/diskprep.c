/* SPDX-License-Identifier: Apache-2.0 */
/* --prepare on Linux. The probe reads only; the disk is written only after
 * prepare_decide said "make", with the disk locked (flock, the lock udev
 * and util-linux honour) from the probe to the end of mkfs. */
#include "backend/diskprep.h"

#include <blkid/blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <libfdisk/libfdisk.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/fs.h>

#include "backend/disk.h"
#include "backend/sysfs.h"
#include "base/log.h"
#include "platform/platform.h"

#define MIB            (1024u * 1024u)
#define MKFS_TIMEOUT   (600u * 1000u)
#define PART_WAIT_MS   10000u
#define GPT_LINUX_DATA "0FC63DAF-8483-4772-8E79-3D69D8477DE4"

/* Reads len bytes at off; 1 when they are all zero, 0 when not, -1 when
 * they cannot be read in full. */
static int
region_zero(int fd, uint64_t off, size_t len, uint64_t *nonzero_at)
{
        unsigned char *buf = malloc(64 * 1024);
        size_t done = 0, i;
        int r = 1;

        if (buf == NULL)
                return -1;
        while (done < len && r == 1) {
                size_t want = len - done < 64 * 1024 ? len - done : 64 * 1024;
                ssize_t n = pread(fd, buf, want, (off_t)(off + done));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        r = -1;
                        break;
                }
                for (i = 0; i < (size_t)n; i++)
                        if (buf[i] != 0) {
                                *nonzero_at = off + done + i;
                                r = 0;
                                break;
                        }
                done += (size_t)n;
        }
        free(buf);
        return r;
}

/* Every signature libblkid knows in [off, off+size) of fd, as wipefs lists
 * them: superblocks (filesystems, RAID, LVM, swap, with bad checksums too)
 * and partition tables (GPT even without its protective MBR, so a lone
 * backup header at the end is found). Returns how many, or -1. */
static int
signatures(int fd, uint64_t off, uint64_t size, struct prepare_probe *p)
{
        blkid_probe pr = blkid_new_probe();
        int n = 0, rc;

        if (pr == NULL)
                return -1;
        if (blkid_probe_set_device(pr, fd, (blkid_loff_t)off, (blkid_loff_t)size) < 0) {
                blkid_free_probe(pr);
                return -1;
        }
        (void)blkid_probe_enable_superblocks(pr, 1);
        (void)blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_MAGIC | BLKID_SUBLKS_TYPE |
                                                        BLKID_SUBLKS_USAGE | BLKID_SUBLKS_LABEL |
                                                        BLKID_SUBLKS_UUID | BLKID_SUBLKS_BADCSUM);
        (void)blkid_probe_enable_partitions(pr, 1);
        (void)blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC | BLKID_PARTS_FORCE_GPT);
        while ((rc = blkid_do_probe(pr)) == 0) {
                const char *type = NULL, *usage = NULL, *at = NULL;
                int table = 0;

                if (blkid_probe_lookup_value(pr, "TYPE", &type, NULL) == 0) {
                        (void)blkid_probe_lookup_value(pr, "USAGE", &usage, NULL);
                        (void)blkid_probe_lookup_value(pr, "SBMAGIC_OFFSET", &at, NULL);
                } else if (blkid_probe_lookup_value(pr, "PTTYPE", &type, NULL) == 0) {
                        (void)blkid_probe_lookup_value(pr, "PTMAGIC_OFFSET", &at, NULL);
                        table = 1;
                        if (off == 0 && p->pttype[0] == '\0')
                                (void)snprintf(p->pttype, sizeof(p->pttype), "%s", type);
                } else {
                        type = "an unnamed signature";
                }
                /* "ext4 (filesystem) at byte 1080", "gpt (partition table)
                 * at byte 512", "LVM2_member (raid) at byte 536" */
                if (n == 0)
                        (void)snprintf(
                            p->what, sizeof(p->what), "%s (%s) at byte %llu", type,
                            table ? "partition table" : (usage != NULL ? usage : "signature"),
                            (unsigned long long)(off + strtoull(at ? at : "0", NULL, 10)));
                n++;
        }
        blkid_free_probe(pr);
        return rc < 0 ? -1 : n;
}

/* The one partition of a GPT, and the filesystem in it (for recognising
 * what volattach made): read through the disk itself, at the partition's
 * offset, so no partition device node is needed. */
static void
partition_fs(int fd, struct prepare_probe *p)
{
        blkid_probe pr = blkid_new_probe(), fp = NULL;
        blkid_partlist ls;
        blkid_partition par;
        const char *v;

        if (pr == NULL || blkid_probe_set_device(pr, fd, 0, 0) < 0)
                goto out;
        (void)blkid_probe_enable_superblocks(pr, 0);
        (void)blkid_probe_enable_partitions(pr, 1);
        if (blkid_do_safeprobe(pr) != 0)
                goto out;
        ls = blkid_probe_get_partitions(pr);
        if (ls == NULL)
                goto out;
        p->nparts = blkid_partlist_numof_partitions(ls);
        if (p->nparts != 1 || (par = blkid_partlist_get_partition(ls, 0)) == NULL)
                goto out;
        fp = blkid_new_probe();
        if (fp == NULL || blkid_probe_set_device(fp, fd, blkid_partition_get_start(par) * 512,
                                                 blkid_partition_get_size(par) * 512) < 0)
                goto out;
        (void)blkid_probe_enable_superblocks(fp, 1);
        (void)blkid_probe_set_superblocks_flags(fp, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_LABEL |
                                                        BLKID_SUBLKS_UUID);
        if (blkid_do_safeprobe(fp) != 0)
                goto out;
        if (blkid_probe_lookup_value(fp, "TYPE", &v, NULL) == 0)
                (void)snprintf(p->part_fs, sizeof(p->part_fs), "%s", v);
        if (blkid_probe_lookup_value(fp, "UUID", &v, NULL) == 0)
                (void)snprintf(p->part_uuid, sizeof(p->part_uuid), "%s", v);
        if (blkid_probe_lookup_value(fp, "LABEL", &v, NULL) == 0)
                (void)snprintf(p->part_label, sizeof(p->part_label), "%s", v);
out:
        if (fp != NULL)
                blkid_free_probe(fp);
        if (pr != NULL)
                blkid_free_probe(pr);
}

/* The full probe: the whole disk, the region the partition will start at
 * (a filesystem there outlives a lost partition table), and the first and
 * last MiB byte by byte, which also proves the whole size reads. */
static int
probe(int fd, uint64_t size, struct prepare_probe *p, struct va_err *err)
{
        uint64_t at = 0;
        size_t edge = size < MIB ? (size_t)size : MIB;
        int z1, z2, n1, n2 = 0;
        blkid_probe pr;
        blkid_loff_t bsize;

        memset(p, 0, sizeof(*p));
        /* the disk's page cache is not the partition's: after mkfs wrote
         * through /dev/sdX1, what this fd would read from cache is stale */
        (void)fsync(fd);
        if (ioctl(fd, BLKFLSBUF) != 0)
                return va_err_setn(err, VA_E_IO, errno, "BLKFLSBUF: %s", strerror(errno));
        pr = blkid_new_probe();
        if (pr == NULL || blkid_probe_set_device(pr, fd, 0, 0) < 0) {
                if (pr != NULL)
                        blkid_free_probe(pr);
                return va_err_set(err, VA_E_IO, "libblkid cannot probe the disk");
        }
        bsize = blkid_probe_get_size(pr);
        blkid_free_probe(pr);
        if (bsize < 0 || (uint64_t)bsize != size)
                return va_err_set(err, VA_E_IO,
                                  "the disk's size is %lld bytes to libblkid, %llu to sysfs",
                                  (long long)bsize, (unsigned long long)size);
        z1 = region_zero(fd, 0, edge, &at);
        z2 = z1 < 0 ? -1 : region_zero(fd, size - edge, edge, &at);
        p->readable = z1 >= 0 && z2 >= 0;
        p->zero = z1 == 1 && z2 == 1;
        n1 = signatures(fd, 0, 0, p);
        if (n1 >= 0 && size > 3 * (uint64_t)MIB)
                n2 = signatures(fd, MIB, size - 2 * (uint64_t)MIB, p);
        if (n1 < 0 || n2 < 0)
                return va_err_set(err, VA_E_IO, "libblkid's probe of the disk failed");
        p->signatures = n1 + n2;
        if (p->signatures == 0 && !p->zero && p->readable)
                (void)snprintf(p->what, sizeof(p->what), "non-zero bytes (at byte %llu)",
                               (unsigned long long)at);
        if (strcmp(p->pttype, "gpt") == 0)
                partition_fs(fd, p);
        return 0;
}

/* /dev/sdb1 for disk sdb, once the kernel has it. */
static int
partition_path(const char *name, char *buf, size_t len)
{
        char sys[PATH_MAX];
        struct stat st;

        (void)snprintf(sys, sizeof(sys), "/sys/block/%s/%s1", name, name);
        if (access(sys, F_OK) != 0)
                return -1;
        (void)snprintf(buf, len, "/dev/%s1", name);
        return stat(buf, &st) == 0 && S_ISBLK(st.st_mode) ? 0 : -1;
}

static void
uuid_new(char *buf, size_t len)
{
        unsigned char b[16] = { 0 };
        ssize_t n = getrandom(b, sizeof(b), 0);

        if (n != (ssize_t)sizeof(b)) {
                uint32_t r[4] = { plat_random_u32(), plat_random_u32(), plat_random_u32(),
                                  plat_random_u32() };

                memcpy(b, r, sizeof(b));
        }
        b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4, RFC 4122 */
        b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
        (void)snprintf(buf, len,
                       "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                       b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
                       b[13], b[14], b[15]);
}

static int
write_gpt(int fd, const char *dev, struct va_err *err)
{
        struct fdisk_context *cxt = fdisk_new_context();
        struct fdisk_partition *pa = NULL;
        struct fdisk_parttype *t = NULL;
        int r = -1;

        if (cxt == NULL)
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        if (fdisk_assign_device_by_fd(cxt, fd, dev, 0) != 0) {
                va_err_set(err, VA_E_IO, "libfdisk cannot use %s", dev);
                goto out;
        }
        if (fdisk_create_disklabel(cxt, "gpt") != 0) {
                va_err_set(err, VA_E_IO, "libfdisk cannot make a GPT on %s", dev);
                goto out;
        }
        pa = fdisk_new_partition();
        t = fdisk_label_get_parttype_from_string(fdisk_get_label(cxt, NULL), GPT_LINUX_DATA);
        if (pa == NULL || t == NULL) {
                va_err_set(err, VA_E_NOMEM, "libfdisk: no partition or type");
                goto out;
        }
        (void)fdisk_partition_start_follow_default(pa, 1);
        (void)fdisk_partition_end_follow_default(pa, 1);
        (void)fdisk_partition_partno_follow_default(pa, 1);
        (void)fdisk_partition_set_type(pa, t);
        if (fdisk_add_partition(cxt, pa, NULL) != 0 || fdisk_write_disklabel(cxt) != 0) {
                va_err_set(err, VA_E_IO, "libfdisk cannot write the GPT to %s", dev);
                goto out;
        }
        if (fsync(fd) != 0 || ioctl(fd, BLKRRPART) != 0) {
                va_err_setn(err, VA_E_IO, errno,
                            "%s: GPT written, but the kernel does not "
                            "read it back: %s",
                            dev, strerror(errno));
                goto out;
        }
        r = 0;
out:
        if (t != NULL)
                fdisk_unref_parttype(t);
        if (pa != NULL)
                fdisk_unref_partition(pa);
        (void)fdisk_deassign_device(cxt, 1); /* by fd: the fd stays ours */
        fdisk_unref_context(cxt);
        return r < 0 ? -VA_E_IO : 0;
}

static int
mkfs(enum prepare_fs fs, const char *part, const char *uuid, struct va_err *err)
{
        char muuid[PREPARE_UUID_MAX + 8];
        const char *ext4[] = { "mke2fs", "-q", "-t", "ext4",      "-L", PREPARE_LABEL,
                               "-U",     uuid, "-E", "nodiscard", part, NULL };
        const char *xfs[] = {
                "mkfs.xfs", "-q", "-K", "-L", PREPARE_LABEL, "-m", muuid, part, NULL
        };
        struct plat_spawn_result res;
        int r;

        (void)snprintf(muuid, sizeof(muuid), "uuid=%s", uuid);
        /* fds 0-2 only (plat_spawn), stdin /dev/null: mke2fs's "proceed
         * anyway?" on an existing filesystem reads EOF and stops */
        r = plat_spawn(fs == PREPARE_FS_XFS ? xfs : ext4, MKFS_TIMEOUT, 4096, &res, err);
        if (r < 0)
                return r;
        if (!res.exited || res.status != 0)
                r = va_err_set(err, VA_E_IO, "%s on %s failed (%s): %s",
                               fs == PREPARE_FS_XFS ? "mkfs.xfs" : "mke2fs -t ext4", part,
                               res.timed_out ? "timed out" : "exit status", res.out ? res.out : "");
        plat_spawn_result_free(&res);
        return r;
}

int
diskprep_prepare(const struct initiator_device *d, const struct prepare_request *rq,
                 struct prepare_outcome *ret, struct va_err *err)
{
        struct prepare_probe p;
        char uuid[PREPARE_UUID_MAX];
        unsigned waited = 0;
        int fd = -1, r;

        memset(ret, 0, sizeof(*ret));
        ret->action = PREPARE_REFUSE;
        if (d->kind == INITIATOR_DEVICE_MULTIPATH) {
                (void)snprintf(ret->why, sizeof(ret->why),
                               "multipath devices are not prepared (yet): use one path or "
                               "partition it yourself");
                return 0;
        }
        if (rq->spec->fs == PREPARE_FS_XFS && !plat_have_program("mkfs.xfs")) {
                (void)snprintf(ret->why, sizeof(ret->why),
                               "xfs: mkfs.xfs is not installed (Debian: xfsprogs)");
                return 0;
        }
        if (rq->read_only || d->read_only) {
                (void)snprintf(ret->why, sizeof(ret->why), "the volume is read-only");
                return 0;
        }
        fd = open(d->path, O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return va_err_setn(err, VA_E_IO, errno, "%s: %s", d->path, strerror(errno));
        /* held until mkfs is done: udev does not probe a locked disk, and
         * a second volattach could not prepare it at the same time */
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
                (void)snprintf(ret->why, sizeof(ret->why), "%s is locked by another program",
                               d->path);
                goto done;
        }
        r = probe(fd, d->size_bytes, &p, err);
        if (r < 0) {
                va_err_prefix(err, "%s", d->path);
                goto fail;
        }
        ret->action = prepare_decide(&p, rq, ret->why, sizeof(ret->why));
        if (ret->action == PREPARE_REFUSE)
                goto done;
        if (ret->action == PREPARE_MOUNT) {
                (void)snprintf(ret->uuid, sizeof(ret->uuid), "%s", p.part_uuid);
                if (partition_path(d->name, ret->partition, sizeof(ret->partition)) < 0) {
                        r = va_err_set(err, VA_E_NOTFOUND, "%s: no partition device %s1", d->path,
                                       d->name);
                        goto fail;
                }
                goto done;
        }
        va_log(VA_LOG_NOTICE, "volume %s: %s is blank: writing a GPT and %s", rq->volume_id,
               d->path, prepare_fs_name(rq->spec->fs));
        r = write_gpt(fd, d->path, err);
        if (r < 0)
                goto fail;
        while (partition_path(d->name, ret->partition, sizeof(ret->partition)) < 0) {
                if (waited >= PART_WAIT_MS) {
                        r = va_err_set(err, VA_E_TIMEOUT, "%s: partition %s1 did not appear",
                                       d->path, d->name);
                        goto fail;
                }
                plat_sleep_ms(50);
                waited += 50;
        }
        uuid_new(uuid, sizeof(uuid));
        r = mkfs(rq->spec->fs, ret->partition, uuid, err);
        if (r < 0)
                goto fail;
        /* what is on the disk now must be what we made */
        r = probe(fd, d->size_bytes, &p, err);
        if (r < 0 || strcmp(p.part_fs, prepare_fs_name(rq->spec->fs)) != 0 ||
            strcmp(p.part_uuid, uuid) != 0) {
                r = va_err_set(err, VA_E_IO, "%s: after mkfs the probe finds \"%s\" %s, not %s %s",
                               d->path, p.part_fs, p.part_uuid, prepare_fs_name(rq->spec->fs),
                               uuid);
                goto fail;
        }
        (void)snprintf(ret->uuid, sizeof(ret->uuid), "%s", uuid);
done:
        (void)close(fd);
        return 0;
fail:
        (void)close(fd);
        return r;
}

/* Writes path with text unless it holds that already. */
static int
file_put(const char *path, const char *text, struct va_err *err)
{
        char *old = NULL;
        size_t oldlen = 0;
        struct va_err e;
        int same;

        va_err_clear(&e);
        same = plat_read_file(path, 64 * 1024, &old, &oldlen, &e) == 0 && oldlen == strlen(text) &&
               memcmp(old, text, oldlen) == 0;
        free(old);
        if (same)
                return 0;
        return plat_write_file_atomic(path, text, strlen(text), 0644, err);
}

/* The boot half: the unit file and its remote-fs.target.wants link (what
 * `systemctl enable` makes), then a daemon-reload when systemd runs. */
static int
unit_install(const struct prepare_request *rq, struct prepare_outcome *ret, struct va_err *err)
{
        char text[2048], path[PATH_MAX], wants[PATH_MAX], link[PATH_MAX], target[PATH_MAX];
        ssize_t n;
        int r;

        r = prepare_unit_name(rq->spec->mount, ret->unit, sizeof(ret->unit));
        if (r < 0)
                return va_err_set(err, -r, "mount %s: no unit name", rq->spec->mount);
        r = prepare_unit_text(rq->volume_id, rq->spec, ret->uuid, text, sizeof(text));
        if (r < 0)
                return va_err_set(err, -r, "mount unit too long");
        (void)snprintf(path, sizeof(path), "%s/%s", DISKPREP_UNIT_DIR, ret->unit);
        (void)snprintf(wants, sizeof(wants), "%s/remote-fs.target.wants", DISKPREP_UNIT_DIR);
        (void)snprintf(link, sizeof(link), "%s/%s", wants, ret->unit);
        (void)snprintf(target, sizeof(target), "../%s", ret->unit);
        r = plat_mkdir_p(wants, 0755, err);
        if (r == 0)
                r = file_put(path, text, err);
        if (r < 0)
                return r;
        n = readlink(link, path, sizeof(path) - 1);
        if (n < 0 || (size_t)n != strlen(target) || memcmp(path, target, (size_t)n) != 0) {
                (void)unlink(link);
                if (symlink(target, link) != 0)
                        return va_err_setn(err, VA_E_IO, errno, "%s: %s", link, strerror(errno));
        }
        if (access("/run/systemd/system", F_OK) == 0) {
                const char *argv[] = { "systemctl", "daemon-reload", NULL };
                struct plat_spawn_result res;

                if (plat_spawn(argv, 60000, 4096, &res, err) == 0) {
                        if (!res.exited || res.status != 0)
                                va_log(VA_LOG_WARNING, "systemctl daemon-reload failed: %s",
                                       res.out ? res.out : "");
                        plat_spawn_result_free(&res);
                }
        }
        return 0;
}

int
diskprep_mount(const struct initiator_device *d, const struct prepare_request *rq,
               struct prepare_outcome *ret, struct va_err *err)
{
        const char *where = rq->spec->mount;
        struct stat part, at, up;
        char parent[PREPARE_MOUNT_MAX];
        char *slash;
        int r;

        (void)d;
        if (where[0] == '\0')
                return 0;
        r = unit_install(rq, ret, err);
        if (r < 0)
                return r;
        if (stat(ret->partition, &part) != 0)
                return va_err_setn(err, VA_E_NOTFOUND, errno, "%s: %s", ret->partition,
                                   strerror(errno));
        r = plat_mkdir_p(where, 0755, err);
        if (r < 0)
                return r;
        (void)snprintf(parent, sizeof(parent), "%s", where);
        slash = strrchr(parent, '/');
        if (slash == parent)
                slash[1] = '\0';
        else if (slash != NULL)
                *slash = '\0';
        if (stat(where, &at) != 0 || stat(parent, &up) != 0)
                return va_err_setn(err, VA_E_IO, errno, "%s: %s", where, strerror(errno));
        if (at.st_dev == part.st_rdev)
                goto mounted; /* a rerun: already there */
        if (at.st_dev != up.st_dev || at.st_ino == up.st_ino)
                return va_err_set(err, VA_E_BUSY, "%s has another filesystem mounted on it", where);
        /* mounted here and now, whether systemd runs or not; systemd sees
         * the mount and shows the unit active (it matches by Where=) */
        if (mount(ret->partition, where, prepare_fs_name(rq->spec->fs), 0, NULL) != 0)
                return va_err_setn(err, VA_E_IO, errno, "mount %s on %s: %s", ret->partition, where,
                                   strerror(errno));
mounted:
        (void)snprintf(ret->mounted_at, sizeof(ret->mounted_at), "%s", where);
        return 0;
}
