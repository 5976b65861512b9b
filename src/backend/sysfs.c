/* SPDX-License-Identifier: Apache-2.0 */
/* sysfs attributes, small files read and written whole as the kernel
 * expects (one read, one write). */
#include "backend/sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "base/strutil.h"

int
sysfs_read_attr(const char *path, char *buf, size_t len)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (len == 0)
                return -1;
        buf[0] = '\0';
        if (fd < 0)
                return -1;
        n = read(fd, buf, len - 1);
        (void)close(fd);
        if (n < 0)
                return -1;
        buf[str_trim_end(buf, (size_t)n)] = '\0';
        return 0;
}

int
sysfs_write_attr(const char *path, const char *value, struct va_err *err)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        size_t n = strlen(value);
        ssize_t w;

        if (fd < 0)
                return va_err_setn(err, VA_E_IO, errno, "%s: %s", path, strerror(errno));
        w = write(fd, value, n);
        if (w < 0 || (size_t)w != n) {
                int e = errno;

                (void)close(fd);
                return va_err_setn(err, VA_E_IO, e, "%s: write failed: %s", path, strerror(e));
        }
        if (close(fd) < 0)
                return va_err_setn(err, VA_E_IO, errno, "%s: %s", path, strerror(errno));
        return 0;
}
