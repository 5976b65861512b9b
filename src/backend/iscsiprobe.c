/* SPDX-License-Identifier: Apache-2.0 */
/* open-iscsi on this host as `volattach check` sees it. Nothing here
 * writes, starts or connects: iscsid is looked for by its listening socket
 * (a connection could start it through systemd's iscsid.socket), and
 * /etc/iscsi's writability is what access(2) and statvfs(2) say, not a
 * test file (which would change the directory). */
#include "backend/iscsiprobe.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include "backend/iscsid.h"
#include "backend/nodedb.h"
#include "platform/platform.h"

/* systemctl mask links the unit to /dev/null: systemctl start then fails */
static int
unit_masked(const char *unit)
{
        static const char *const dirs[] = { "/etc/systemd/system", "/run/systemd/system" };
        char path[PATH_MAX], target[64];
        size_t i;

        for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
                ssize_t n;

                (void)snprintf(path, sizeof(path), "%s/%s", dirs[i], unit);
                n = readlink(path, target, sizeof(target) - 1);
                if (n > 0) {
                        target[n] = '\0';
                        if (strcmp(target, "/dev/null") == 0)
                                return 1;
                }
        }
        return 0;
}

static void
service_fill(struct initiator_probe *r)
{
        int masked = unit_masked("iscsid.service");

        if (iscsid_reachable()) {
                r->running = INITIATOR_YES;
                (void)snprintf(r->service, sizeof(r->service),
                               "iscsid is running (it listens on iscsiadm's socket)");
                r->startable = INITIATOR_YES;
                return;
        }
        r->running = INITIATOR_NO;
        if (masked) {
                r->startable = INITIATOR_NO;
                (void)snprintf(r->service, sizeof(r->service),
                               "iscsid is not running and iscsid.service is masked: attach "
                               "cannot start it (systemctl unmask iscsid)");
                return;
        }
        r->startable = INITIATOR_YES;
        (void)snprintf(r->service, sizeof(r->service),
                       "iscsid is not running: attach starts it (systemctl start iscsid, or "
                       "iscsid itself without systemd)");
}

/* 0 when volattach, running as this user, could create and replace files
 * in dir; -1 with why. */
static int
dir_writable(const char *dir, char *why, size_t len)
{
        struct statvfs vfs;

        if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) < 0) {
                int e = errno;

                if (e == EROFS)
                        (void)snprintf(why, len, "%s is on a read-only filesystem", dir);
                else if (e == EACCES || e == EPERM)
                        (void)snprintf(why, len,
                                       "%s: permission denied (attach runs as root; so should "
                                       "check)",
                                       dir);
                else
                        (void)snprintf(why, len, "%s: %s", dir, strerror(e));
                return -1;
        }
        if (statvfs(dir, &vfs) == 0) {
                if ((vfs.f_flag & ST_RDONLY) != 0) {
                        (void)snprintf(why, len, "%s is on a read-only filesystem", dir);
                        return -1;
                }
                /* a node record is a few KiB: a full filesystem is the case
                 * lab 2050 shows half-written records for */
                if ((geteuid() == 0 ? vfs.f_bfree : vfs.f_bavail) == 0) {
                        (void)snprintf(why, len, "%s: its filesystem is full", dir);
                        return -1;
                }
                if (vfs.f_files > 0 && vfs.f_ffree == 0) {
                        (void)snprintf(why, len, "%s: its filesystem has no free inodes", dir);
                        return -1;
                }
        }
        return 0;
}

static void
config_fill(struct initiator_probe *r)
{
        static const char *const subdirs[] = { NODEDB_NODES_DIR, NODEDB_SENDTARGETS_DIR,
                                               NODEDB_IFACES_DIR };
        size_t i;

        (void)snprintf(r->config_dir, sizeof(r->config_dir), "%s", NODEDB_ROOT);
        r->config_writable = INITIATOR_NO;
        if (!plat_is_dir(NODEDB_ROOT)) {
                /* attach creates it */
                if (dir_writable("/etc", r->config_why, sizeof(r->config_why)) < 0)
                        return;
                r->config_writable = INITIATOR_YES;
                (void)snprintf(r->config_why, sizeof(r->config_why),
                               NODEDB_ROOT " does not exist yet; attach creates it");
                return;
        }
        if (dir_writable(NODEDB_ROOT, r->config_why, sizeof(r->config_why)) < 0)
                return;
        for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++)
                if (plat_is_dir(subdirs[i]) &&
                    dir_writable(subdirs[i], r->config_why, sizeof(r->config_why)) < 0)
                        return;
        r->config_writable = INITIATOR_YES;
        r->config_why[0] = '\0';
}

void
iscsiprobe_fill(struct initiator_probe *ret)
{
        memset(ret, 0, sizeof(*ret));
        service_fill(ret);
        config_fill(ret);
}
