/* SPDX-License-Identifier: Apache-2.0 */
/* iSCSI sessions as the kernel shows them in sysfs: the session list, LUN
 * scans, and the disks behind a session. Paths follow the iSCSI transport
 * class (drivers/scsi/scsi_transport_iscsi.c) and the SCSI midlayer's
 * layout (host -> session -> target -> H:C:T:L -> block). */
#include "backend/iscsisession.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/byvolid.h"
#include "backend/disk.h"
#include "backend/sysfs.h"
#include "backend/udevdb.h"
#include "base/log.h"

#define SYS_SESSIONS    "/sys/class/iscsi_session"
#define SYS_CONNECTIONS "/sys/class/iscsi_connection"

static int
session_state(const char *sid)
{
        char path[PATH_MAX], state[32];

        (void)snprintf(path, sizeof(path), SYS_SESSIONS "/session%s/state", sid);
        if (sysfs_read_attr(path, state, sizeof(state)) < 0)
                return INITIATOR_SESSION_UP;
        if (strcmp(state, "LOGGED_IN") == 0)
                return INITIATOR_SESSION_UP;
        if (strcmp(state, "FAILED") == 0)
                return INITIATOR_SESSION_RECOVERING;
        return INITIATOR_SESSION_FAILED;
}

/* Read here rather than through open-iscsi's libopeniscsiusr, which does
 * not fit (checked against 2.1.8, Debian 12): iscsi_sessions_get() copies
 * every session's CHAP secrets out of sysfs (username, password,
 * password_in) and frees them unwiped; it fails the whole list when one
 * session goes away during the walk, which a parallel logout does; it has
 * no session state (LOGGED_IN/FAILED), which the login reuse needs; and
 * Debian ships it without a .so link or pkg-config file to build against,
 * pulling libcrypto and libkmod into every run besides. */
int
iscsisession_list(struct initiator_session **ret, size_t *ret_n, struct va_err *err)
{
        DIR *d = opendir(SYS_SESSIONS);
        struct initiator_session *v = NULL;
        struct dirent *de;
        size_t n = 0;

        *ret = NULL;
        *ret_n = 0;
        if (d == NULL)
                return 0; /* no iSCSI transport class loaded: no sessions */
        while ((de = readdir(d)) != NULL) {
                char path[PATH_MAX], addr[128], port[16];
                struct initiator_session s;
                const char *sid;
                char *end;
                unsigned long p;

                if (strncmp(de->d_name, "session", 7) != 0)
                        continue;
                sid = de->d_name + 7;
                memset(&s, 0, sizeof(s));
                (void)snprintf(s.handle, sizeof(s.handle), "%s", sid);
                (void)snprintf(path, sizeof(path), SYS_SESSIONS "/%s/targetname", de->d_name);
                if (sysfs_read_attr(path, s.iqn, sizeof(s.iqn)) < 0)
                        continue;
                /* connection<sid>:0 is the leading connection of the session */
                (void)snprintf(path, sizeof(path),
                               SYS_CONNECTIONS "/connection%s:0/persistent_address", sid);
                if (sysfs_read_attr(path, addr, sizeof(addr)) < 0)
                        continue;
                (void)snprintf(path, sizeof(path),
                               SYS_CONNECTIONS "/connection%s:0/persistent_port", sid);
                if (sysfs_read_attr(path, port, sizeof(port)) < 0)
                        continue;
                if (portal_addr_parse(addr, &s.portal) < 0)
                        continue;
                errno = 0;
                p = strtoul(port, &end, 10);
                if (errno != 0 || *end != '\0' || p == 0 || p > 65535)
                        continue;
                s.portal.port = (unsigned)p;
                s.state = session_state(sid);
                {
                        struct initiator_session *nv = realloc(v, (n + 1) * sizeof(*nv));

                        if (nv == NULL) {
                                free(v);
                                (void)closedir(d);
                                return va_err_set(err, VA_E_NOMEM, "out of memory");
                        }
                        v = nv;
                        v[n++] = s;
                }
        }
        (void)closedir(d);
        *ret = v;
        *ret_n = n;
        return 0;
}

/* /sys/devices/platform/hostH/sessionN: the session's device directory. */
static int
session_dir(const char *sid, char *buf, size_t len)
{
        char link[PATH_MAX], real[PATH_MAX];

        (void)snprintf(link, sizeof(link), SYS_SESSIONS "/session%s/device", sid);
        if (realpath(link, real) == NULL)
                return -1;
        (void)snprintf(buf, len, "%s", real);
        return 0;
}

static int
session_host(const char *sid, unsigned *host)
{
        char dir[PATH_MAX], *slash, *h;

        if (session_dir(sid, dir, sizeof(dir)) < 0)
                return -1;
        slash = strrchr(dir, '/');
        if (slash == NULL)
                return -1;
        *slash = '\0';
        h = strrchr(dir, '/');
        if (h == NULL || strncmp(h + 1, "host", 4) != 0)
                return -1;
        *host = (unsigned)strtoul(h + 5, NULL, 10);
        return 0;
}

int
iscsisession_scan_lun(const char *sid, unsigned lun, struct va_err *err)
{
        char path[PATH_MAX], value[64];
        unsigned host;

        if (session_host(sid, &host) < 0)
                return va_err_set(err, VA_E_NOTFOUND, "session %s has no SCSI host in sysfs", sid);
        /* iSCSI exposes one SCSI target per session, at channel 0 id 0 */
        (void)snprintf(path, sizeof(path), "/sys/class/scsi_host/host%u/scan", host);
        (void)snprintf(value, sizeof(value), "0 0 %u", lun);
        return sysfs_write_attr(path, value, err);
}

static int
hctl_lun(const char *name, unsigned *lun)
{
        unsigned h, c, t, l;
        char extra;

        if (sscanf(name, "%u:%u:%u:%u%c", &h, &c, &t, &l, &extra) != 4)
                return -1;
        *lun = l;
        return 0;
}

/* The block device name under a SCSI device directory (H:C:T:L/block/sdX). */
static int
block_name(const char *sdev_dir, char *buf, size_t len)
{
        char path[PATH_MAX];
        struct dirent *de;
        DIR *d;
        int r = -1;

        (void)snprintf(path, sizeof(path), "%s/block", sdev_dir);
        d = opendir(path);
        if (d == NULL)
                return -1;
        while ((de = readdir(d)) != NULL) {
                if (de->d_name[0] == '.')
                        continue;
                (void)snprintf(buf, len, "%s", de->d_name);
                r = 0;
                break;
        }
        (void)closedir(d);
        return r;
}

/* Calls fn for each SCSI device (H:C:T:L) of a session. */
static int
for_each_sdev(const char *sid, int (*fn)(const char *dir, unsigned lun, void *ctx), void *ctx)
{
        char sdir[PATH_MAX];
        struct dirent *te;
        DIR *sd;
        int r = 0;

        if (session_dir(sid, sdir, sizeof(sdir)) < 0)
                return -1;
        sd = opendir(sdir);
        if (sd == NULL)
                return -1;
        while (r == 0 && (te = readdir(sd)) != NULL) {
                char tdir[PATH_MAX];
                struct dirent *le;
                DIR *td;

                if (strncmp(te->d_name, "target", 6) != 0)
                        continue;
                (void)snprintf(tdir, sizeof(tdir), "%s/%s", sdir, te->d_name);
                td = opendir(tdir);
                if (td == NULL)
                        continue;
                while (r == 0 && (le = readdir(td)) != NULL) {
                        char ldir[PATH_MAX];
                        unsigned lun;

                        if (hctl_lun(le->d_name, &lun) < 0)
                                continue;
                        (void)snprintf(ldir, sizeof(ldir), "%s/%s", tdir, le->d_name);
                        r = fn(ldir, lun, ctx);
                }
                (void)closedir(td);
        }
        (void)closedir(sd);
        return r;
}

struct find_ctx {
        unsigned lun;
        char name[64];
        int found;
};

static int
find_cb(const char *dir, unsigned lun, void *ctx)
{
        struct find_ctx *f = ctx;

        if (lun != f->lun)
                return 0;
        if (block_name(dir, f->name, sizeof(f->name)) == 0)
                f->found = 1;
        return 1;
}

int
iscsisession_find_device(const char *sid, unsigned lun, const struct portal *portal,
                         const char *iqn, struct initiator_device *ret, struct va_err *err)
{
        struct find_ctx f;
        struct stat st;
        char bypath[PATH_MAX], host[PORTAL_TEXT_MAX], lunpart[48];

        memset(&f, 0, sizeof(f));
        f.lun = lun;
        if (for_each_sdev(sid, find_cb, &f) < 0 || !f.found)
                return va_err_set(err, VA_E_NOTFOUND, "LUN %u not present on session %s", lun, sid);
        memset(ret, 0, sizeof(*ret));
        (void)disk_info(f.name, ret);
        /* devtmpfs creates the node as the disk registers; until then the
         * device is not usable */
        if (stat(ret->path, &st) < 0 || !S_ISBLK(st.st_mode))
                return va_err_set(err, VA_E_NOTFOUND, "%s not created yet", ret->path);
        /* the disk registers before sd has read its capacity: a size of 0
         * means "not ready yet" (the wait is bounded by the caller) */
        if (ret->size_bytes == 0)
                return va_err_set(err, VA_E_NOTFOUND, "%s has no capacity yet", ret->path);
        {
                /* and the node opens: until the disk is live, open() says
                 * ENXIO (seen in the lab, under load, right after the node
                 * appeared), and so would mkfs, mount or BLKROSET */
                int fd = open(ret->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

                if (fd < 0)
                        return va_err_set(err, VA_E_NOTFOUND, "%s does not open yet: %s", ret->path,
                                          strerror(errno));
                (void)close(fd);
        }
        ret->kind = INITIATOR_DEVICE_DISK;
        ret->host_lun = lun;
        (void)snprintf(ret->session, sizeof(ret->session), "%s", sid);
        /* When udevd runs, the disk is ready for its users only once udev
         * has processed it; a broken udev must not fail an attach whose disk
         * is there, so the wait is bounded. */
        if (!udevdb_wait_initialized(f.name, 5000))
                va_log(VA_LOG_INFO, "udev has not processed /dev/%s after 5 s; going on", f.name);
        if (portal != NULL && iqn != NULL) {
                (void)portal_format_bypath(portal, host, sizeof(host));
                (void)lun_format_bypath(lun, lunpart, sizeof(lunpart));
                (void)snprintf(bypath, sizeof(bypath), "/dev/disk/by-path/ip-%s-iscsi-%s-%s", host,
                               iqn, lunpart);
                if (access(bypath, F_OK) == 0)
                        (void)snprintf(ret->by_path, sizeof(ret->by_path), "%s", bypath);
        }
        byvolid_lookup(ret);
        return 0;
}

struct list_ctx {
        struct initiator_device *v;
        size_t n;
        const char *sid;
        int nomem;
};

static int
list_cb(const char *dir, unsigned lun, void *ctx)
{
        struct list_ctx *l = ctx;
        struct initiator_device *nv;
        char name[64];

        if (block_name(dir, name, sizeof(name)) < 0)
                return 0;
        nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
        if (nv == NULL) {
                l->nomem = 1;
                return 1;
        }
        l->v = nv;
        memset(&nv[l->n], 0, sizeof(nv[0]));
        (void)disk_info(name, &nv[l->n]);
        nv[l->n].host_lun = lun;
        (void)snprintf(nv[l->n].session, sizeof(nv[0].session), "%s", l->sid);
        l->n++;
        return 0;
}

int
iscsisession_devices(const char *sid, struct initiator_device **ret, size_t *ret_n,
                     struct va_err *err)
{
        struct list_ctx l = { NULL, 0, sid, 0 };

        (void)for_each_sdev(sid, list_cb, &l);
        if (l.nomem) {
                free(l.v);
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        }
        *ret = l.v;
        *ret_n = l.n;
        return 0;
}
