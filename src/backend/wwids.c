/* SPDX-License-Identifier: Apache-2.0 */
/* multipath-tools' wwids file (libmultipath/wwids.c keeps it): a comment
 * header, then one "/<wwid>/" line per WWID whitelisted for
 * find_multipaths. multipathd has no command that adds one, so volattach
 * writes the line as `multipath -a` would, under the same fcntl lock. */
#include "backend/wwids.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/udevdb.h"
#include "base/log.h"
#include "platform/platform.h"

#define WWIDS_MAX (4u << 20)

/* the header multipath-tools writes into a new file */
static const char header[] = "# Multipath wwids, Version : 1.0\n"
                             "# NOTE: This file is automatically maintained by multipath and "
                             "multipathd.\n"
                             "# You should not need to edit this file in normal circumstances.\n"
                             "#\n"
                             "# Valid WWIDs:\n";

int
wwids_of(const char *name, const char *sysfs_wwid, char *buf, size_t len)
{
        if (udevdb_property(name, "ID_SERIAL", buf, len) == 0)
                return 0;
        /* no udev database: scsi_id's form, the designator type as a digit */
        if (strncmp(sysfs_wwid, "naa.", 4) == 0)
                (void)snprintf(buf, len, "3%s", sysfs_wwid + 4);
        else if (strncmp(sysfs_wwid, "eui.", 4) == 0)
                (void)snprintf(buf, len, "2%s", sysfs_wwid + 4);
        else
                return -1;
        return 0;
}

static int
listed(const char *text, const char *wwid)
{
        char line[300];

        (void)snprintf(line, sizeof(line), "/%s/", wwid);
        return strstr(text, line) != NULL;
}

int
wwids_known(const char *file, const char *wwid)
{
        char *text = NULL;
        size_t len = 0;
        struct va_err e;
        int found;

        va_err_clear(&e);
        if (plat_read_file(file, WWIDS_MAX, &text, &len, &e) < 0)
                return 0;
        found = listed(text, wwid);
        free(text);
        return found;
}

static int
write_all(int fd, const char *s, size_t n)
{
        while (n > 0) {
                ssize_t w = write(fd, s, n);

                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return -1;
                s += w;
                n -= (size_t)w;
        }
        return 0;
}

/* Takes multipath-tools' write lock on the open wwids file (it waits a
 * few seconds for it too), then reads the whole file into *text
 * (NUL-terminated, *got bytes). The lock goes with the descriptor. */
static int
lock_and_read(int fd, const char *file, char **ret_text, size_t *ret_got, struct va_err *err)
{
        uint64_t deadline = plat_monotonic_ms() + 5000;
        struct flock lk;
        size_t len, got = 0;
        char *text;

        memset(&lk, 0, sizeof(lk));
        lk.l_type = F_WRLCK;
        lk.l_whence = SEEK_SET;
        while (fcntl(fd, F_SETLK, &lk) < 0) {
                if ((errno != EACCES && errno != EAGAIN && errno != EINTR) ||
                    plat_monotonic_ms() > deadline)
                        return va_err_setn(err, VA_E_BUSY, errno, "%s: cannot lock: %s", file,
                                           strerror(errno));
                plat_sleep_ms(50);
        }
        len = (size_t)lseek(fd, 0, SEEK_END);
        if (len > WWIDS_MAX)
                return va_err_set(err, VA_E_IO, "%s: larger than %u bytes", file, WWIDS_MAX);
        text = malloc(len + 1);
        if (text == NULL)
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        while (got < len) {
                ssize_t n = pread(fd, text + got, len - got, (off_t)got);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                got += (size_t)n;
        }
        text[got] = '\0';
        *ret_text = text;
        *ret_got = got;
        return 0;
}

int
wwids_add(const char *file, const char *wwid, struct va_err *err)
{
        char *text = NULL, line[300];
        size_t got = 0;
        int fd, r = 0;

        if (wwid[0] == '\0' || strlen(wwid) + 3 >= sizeof(line) || strchr(wwid, '/') != NULL ||
            strchr(wwid, '\n') != NULL)
                return va_err_set(err, VA_E_INVAL, "WWID '%s' cannot be listed", wwid);
        (void)snprintf(line, sizeof(line), "/%s/\n", wwid);
        fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
                return va_err_setn(err, VA_E_IO, errno, "%s: %s", file, strerror(errno));
        r = lock_and_read(fd, file, &text, &got, err);
        if (r < 0)
                goto out;
        if (listed(text, wwid))
                goto out;
        if ((got == 0 && write_all(fd, header, sizeof(header) - 1) < 0) ||
            (got > 0 && text[got - 1] != '\n' && write_all(fd, "\n", 1) < 0) ||
            write_all(fd, line, strlen(line)) < 0 || fsync(fd) < 0)
                r = va_err_setn(err, VA_E_IO, errno, "%s: write failed: %s", file, strerror(errno));
out:
        free(text);
        (void)close(fd); /* and the lock with it */
        return r;
}

int
wwids_remove(const char *file, const char *wwid, struct va_err *err)
{
        char *text = NULL, line[300], *at;
        size_t got = 0;
        int fd, r = 0;

        (void)snprintf(line, sizeof(line), "/%s/\n", wwid);
        fd = open(file, O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT
                           ? 0
                           : va_err_setn(err, VA_E_IO, errno, "%s: %s", file, strerror(errno));
        r = lock_and_read(fd, file, &text, &got, err);
        if (r < 0)
                goto out;
        at = strstr(text, line);
        if (at == NULL || (at != text && at[-1] != '\n'))
                goto out;
        /* rewritten in place under the lock, as multipath-tools' remove_wwid */
        memmove(at, at + strlen(line), got - (size_t)(at - text) - strlen(line) + 1);
        got -= strlen(line);
        if (pwrite(fd, text, got, 0) != (ssize_t)got || ftruncate(fd, (off_t)got) < 0 ||
            fsync(fd) < 0)
                r = va_err_setn(err, VA_E_IO, errno, "%s: write failed: %s", file, strerror(errno));
out:
        free(text);
        (void)close(fd);
        return r;
}
