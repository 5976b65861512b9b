/* SPDX-License-Identifier: Apache-2.0 */
/* Linux: finding config-drive candidates with libblkid (whole disks and
 * partitions, iso9660 or vfat, label config-2 in either case) and reading a
 * block device or image read-only. */
#include "platform/platform.h"

#include <blkid/blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>

#include "base/ascii.h"
#include "base/log.h"
#include "base/strlist.h"

int
plat_configdrive_candidates(char ***ret, size_t *ret_n, struct va_err *err)
{
        blkid_cache cache = NULL;
        blkid_dev_iterate it;
        blkid_dev dev;
        char **list = NULL;
        size_t n = 0;
        int r = 0;

        /* A private cache file of /dev/null: probe the devices now, never
         * trust or write /run/blkid/blkid.tab. */
        if (blkid_get_cache(&cache, "/dev/null") < 0)
                return va_err_set(err, VA_E_ENV, "libblkid: cannot create a cache");
        (void)blkid_probe_all(cache);
        /* CD drives are not always in /proc/partitions before media change
         * events; ask for them by name too, as cloud-init does. */
        {
                static const char *const cds[] = { "/dev/sr0", "/dev/sr1" };
                size_t i;

                for (i = 0; i < sizeof(cds) / sizeof(cds[0]); i++)
                        (void)blkid_get_dev(cache, cds[i], BLKID_DEV_NORMAL);
        }
        it = blkid_dev_iterate_begin(cache);
        while (blkid_dev_next(it, &dev) == 0) {
                const char *name = blkid_dev_devname(dev);
                char *label, *type;

                dev = blkid_verify(cache, dev);
                if (dev == NULL)
                        continue;
                label = blkid_get_tag_value(cache, "LABEL", name);
                type = blkid_get_tag_value(cache, "TYPE", name);
                if (label != NULL && ascii_ieq(label, "config-2") && type != NULL &&
                    (strcmp(type, "iso9660") == 0 || strcmp(type, "vfat") == 0)) {
                        va_log(VA_LOG_DEBUG, "config drive candidate %s (%s, label %s)", name, type,
                               label);
                        if (!strlist_has(list, n, name) && strlist_add(&list, &n, name) < 0)
                                r = va_err_set(err, VA_E_NOMEM, "out of memory");
                }
                free(label);
                free(type);
                if (r < 0)
                        break;
        }
        blkid_dev_iterate_end(it);
        blkid_put_cache(cache);
        if (r < 0) {
                plat_string_list_free(list, n);
                return r;
        }
        *ret = list;
        *ret_n = n;
        return 0;
}

struct plat_blockdev {
        int fd;
        uint64_t size;
};

int
plat_blockdev_read_at(struct plat_blockdev *b, uint64_t offset, void *buf, size_t len)
{
        size_t done = 0;

        while (done < len) {
                ssize_t n = pread(b->fd, (char *)buf + done, len - done, (off_t)(offset + done));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return -VA_E_IO;
                done += (size_t)n;
        }
        return 0;
}

int
plat_blockdev_open(const char *path, struct plat_blockdev **ret, struct va_err *err)
{
        struct plat_blockdev *b;
        struct stat st;
        uint64_t size = 0;
        int fd;

        *ret = NULL;
        /* O_NONBLOCK: a FIFO given as configdrive: is refused below instead of
         * waiting in open() for a writer forever */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return va_err_setn(err, errno == ENOENT ? VA_E_NOTFOUND : VA_E_IO, errno,
                                   "%s: cannot open read-only: %s", path, strerror(errno));
        if (fstat(fd, &st) < 0) {
                (void)close(fd);
                return va_err_setn(err, VA_E_IO, errno, "%s: %s", path, strerror(errno));
        }
        if (S_ISBLK(st.st_mode)) {
                if (ioctl(fd, BLKGETSIZE64, &size) < 0) {
                        (void)close(fd);
                        return va_err_setn(err, VA_E_IO, errno, "%s: cannot get size: %s", path,
                                           strerror(errno));
                }
        } else if (S_ISREG(st.st_mode)) {
                size = (uint64_t)st.st_size;
        } else {
                (void)close(fd);
                return va_err_set(err, VA_E_INVAL, "%s: not a block device or image file", path);
        }
        b = malloc(sizeof(*b));
        if (b == NULL) {
                (void)close(fd);
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        }
        b->fd = fd;
        b->size = size;
        *ret = b;
        return 0;
}

uint64_t
plat_blockdev_size(const struct plat_blockdev *b)
{
        return b->size;
}

void
plat_blockdev_close(struct plat_blockdev *b)
{
        if (b == NULL)
                return;
        (void)close(b->fd);
        free(b);
}
