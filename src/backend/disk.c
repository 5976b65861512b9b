/* SPDX-License-Identifier: Apache-2.0 */
/* A SCSI block device of the Linux backend: its identity from sysfs,
 * read-only, flush, removal from the kernel. */
#include "backend/disk.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/fs.h>

#include "backend/sysfs.h"
#include "backend/wwids.h"
#include "platform/platform.h"

int
disk_info(const char *name, struct initiator_device *d)
{
        char path[PATH_MAX], buf[256];
        unsigned char vpd[260];
        int fd;

        (void)snprintf(d->name, sizeof(d->name), "%s", name);
        (void)snprintf(d->path, sizeof(d->path), "/dev/%s", name);
        (void)snprintf(path, sizeof(path), "/sys/block/%s/size", name);
        if (sysfs_read_attr(path, buf, sizeof(buf)) == 0)
                d->size_bytes = strtoull(buf, NULL, 10) * 512u; /* always 512-byte units */
        (void)snprintf(path, sizeof(path), "/sys/block/%s/ro", name);
        if (sysfs_read_attr(path, buf, sizeof(buf)) == 0)
                d->read_only = buf[0] == '1';
        (void)snprintf(path, sizeof(path), "/sys/block/%s/device/wwid", name);
        if (sysfs_read_attr(path, buf, sizeof(buf)) == 0 && buf[0] != '\0') {
                /* One form for a path and its map: multipath-tools' WWID
                 * (udev's ID_SERIAL, "3<naa>"), which the map's dm uuid,
                 * the wwids file and /dev/disk/by-id carry; the kernel's
                 * "naa.<hex>" only when there is no such form. */
                if (wwids_of(name, buf, d->wwid, sizeof(d->wwid)) < 0)
                        (void)snprintf(d->wwid, sizeof(d->wwid), "%s", buf);
        } else {
                /* dm-multipath maps carry the WWID in their uuid: mpath-<wwid> */
                (void)snprintf(path, sizeof(path), "/sys/block/%s/dm/uuid", name);
                if (sysfs_read_attr(path, buf, sizeof(buf)) == 0 && strncmp(buf, "mpath-", 6) == 0)
                        (void)snprintf(d->wwid, sizeof(d->wwid), "%s", buf + 6);
        }
        /* VPD page 0x80: 4-byte header, then the serial (SPC-4 7.8.14) */
        (void)snprintf(path, sizeof(path), "/sys/block/%s/device/vpd_pg80", name);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
                ssize_t n = read(fd, vpd, sizeof(vpd));

                (void)close(fd);
                if (n > 4) {
                        size_t len = vpd[3], i, o = 0;

                        if (len > (size_t)n - 4)
                                len = (size_t)n - 4;
                        for (i = 0; i < len && o + 1 < sizeof(d->serial); i++)
                                if (vpd[4 + i] > 0x20 && vpd[4 + i] < 0x7f)
                                        d->serial[o++] = (char)vpd[4 + i];
                        d->serial[o] = '\0';
                }
        }
        return 0;
}

int
disk_set_readonly(const char *devpath, struct va_err *err)
{
        int fd = open(devpath, O_RDONLY | O_CLOEXEC), one = 1;

        if (fd < 0)
                return va_err_setn(err, VA_E_IO, errno, "%s: %s", devpath, strerror(errno));
        if (ioctl(fd, BLKROSET, &one) < 0) {
                int e = errno;

                (void)close(fd);
                return va_err_setn(err, VA_E_IO, e, "%s: BLKROSET: %s", devpath, strerror(e));
        }
        (void)close(fd);
        return 0;
}

int
disk_numbers(const char *name, unsigned *maj, unsigned *min)
{
        char path[PATH_MAX], buf[32];

        (void)snprintf(path, sizeof(path), "/sys/class/block/%s/dev", name);
        if (sysfs_read_attr(path, buf, sizeof(buf)) < 0 || sscanf(buf, "%u:%u", maj, min) != 2)
                return -1;
        return 0;
}

int
disk_flush(const char *devpath, struct va_err *err)
{
        int fd = open(devpath, O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return va_err_setn(err, VA_E_IO, errno, "%s: %s", devpath, strerror(errno));
        /* write out what users left in the page cache, then drop it; this
         * writes only data others wrote, never anything of volattach's */
        (void)fsync(fd);
        (void)ioctl(fd, BLKFLSBUF, 0);
        (void)close(fd);
        return 0;
}

int
disk_remove(const char *name, struct va_err *err)
{
        char path[PATH_MAX], dev[PATH_MAX];
        uint64_t deadline;
        int r;

        (void)snprintf(path, sizeof(path), "/sys/block/%s", name);
        if (access(path, F_OK) != 0)
                return 0; /* already gone */
        (void)snprintf(dev, sizeof(dev), "/dev/%s", name);
        (void)disk_flush(dev, NULL);
        (void)snprintf(path, sizeof(path), "/sys/block/%s/device/delete", name);
        r = sysfs_write_attr(path, "1", err);
        if (r < 0)
                return r;
        (void)snprintf(path, sizeof(path), "/sys/block/%s", name);
        deadline = plat_monotonic_ms() + 10000;
        while (access(path, F_OK) == 0) {
                if (plat_monotonic_ms() > deadline)
                        return va_err_set(err, VA_E_TIMEOUT,
                                          "/dev/%s still present 10 s after "
                                          "its deletion",
                                          name);
                plat_sleep_ms(20);
        }
        return 0;
}
