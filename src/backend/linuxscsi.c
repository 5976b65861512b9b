/* Linux sysfs access for the open-iscsi backend. Paths follow the iSCSI
 * transport class (drivers/scsi/scsi_transport_iscsi.c) and the SCSI
 * midlayer's sysfs layout (host -> session -> target -> H:C:T:L -> block). */
#include "backend/linuxscsi.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/fs.h>
#include <libmount.h>

#include "backend/udevdb.h"
#include "base/log.h"
#include "platform/platform.h"

#define SYS_SESSIONS    "/sys/class/iscsi_session"
#define SYS_CONNECTIONS "/sys/class/iscsi_connection"

int
lscsi_read_attr(const char *path, char *buf, size_t len)
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
        buf[n] = '\0';
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
                buf[--n] = '\0';
        return 0;
}

static int
write_attr(const char *path, const char *value, struct va_err *err)
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

static int
session_state(const char *sid)
{
        char path[PATH_MAX], state[32];

        (void)snprintf(path, sizeof(path), SYS_SESSIONS "/session%s/state", sid);
        if (lscsi_read_attr(path, state, sizeof(state)) < 0)
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
lscsi_list_sessions(struct initiator_session **ret, size_t *ret_n, struct va_err *err)
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
                if (lscsi_read_attr(path, s.iqn, sizeof(s.iqn)) < 0)
                        continue;
                /* connection<sid>:0 is the leading connection of the session */
                (void)snprintf(path, sizeof(path),
                               SYS_CONNECTIONS "/connection%s:0/persistent_address", sid);
                if (lscsi_read_attr(path, addr, sizeof(addr)) < 0)
                        continue;
                (void)snprintf(path, sizeof(path),
                               SYS_CONNECTIONS "/connection%s:0/persistent_port", sid);
                if (lscsi_read_attr(path, port, sizeof(port)) < 0)
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
lscsi_scan_lun(const char *sid, unsigned lun, struct va_err *err)
{
        char path[PATH_MAX], value[64];
        unsigned host;

        if (session_host(sid, &host) < 0)
                return va_err_set(err, VA_E_NOTFOUND, "session %s has no SCSI host in sysfs", sid);
        /* iSCSI exposes one SCSI target per session, at channel 0 id 0 */
        (void)snprintf(path, sizeof(path), "/sys/class/scsi_host/host%u/scan", host);
        (void)snprintf(value, sizeof(value), "0 0 %u", lun);
        return write_attr(path, value, err);
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

int
lscsi_device_info(const char *name, struct initiator_device *d)
{
        char path[PATH_MAX], buf[256];
        unsigned char vpd[260];
        int fd;

        (void)snprintf(d->name, sizeof(d->name), "%s", name);
        (void)snprintf(d->path, sizeof(d->path), "/dev/%s", name);
        (void)snprintf(path, sizeof(path), "/sys/block/%s/size", name);
        if (lscsi_read_attr(path, buf, sizeof(buf)) == 0)
                d->size_bytes = strtoull(buf, NULL, 10) * 512u; /* always 512-byte units */
        (void)snprintf(path, sizeof(path), "/sys/block/%s/ro", name);
        if (lscsi_read_attr(path, buf, sizeof(buf)) == 0)
                d->read_only = buf[0] == '1';
        (void)snprintf(path, sizeof(path), "/sys/block/%s/device/wwid", name);
        (void)lscsi_read_attr(path, d->wwid, sizeof(d->wwid));
        if (d->wwid[0] == '\0') {
                /* dm-multipath maps carry the WWID in their uuid: mpath-<wwid> */
                (void)snprintf(path, sizeof(path), "/sys/block/%s/dm/uuid", name);
                if (lscsi_read_attr(path, buf, sizeof(buf)) == 0 && strncmp(buf, "mpath-", 6) == 0)
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
lscsi_find_device(const char *sid, unsigned lun, const struct portal *portal, const char *iqn,
                  struct initiator_device *ret, struct va_err *err)
{
        struct find_ctx f;
        struct stat st;
        char bypath[PATH_MAX], host[PORTAL_TEXT_MAX], lunpart[48];

        memset(&f, 0, sizeof(f));
        f.lun = lun;
        if (for_each_sdev(sid, find_cb, &f) < 0 || !f.found)
                return va_err_set(err, VA_E_NOTFOUND, "LUN %u not present on session %s", lun, sid);
        memset(ret, 0, sizeof(*ret));
        (void)lscsi_device_info(f.name, ret);
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
        (void)lscsi_device_info(name, &nv[l->n]);
        nv[l->n].host_lun = lun;
        (void)snprintf(nv[l->n].session, sizeof(nv[0].session), "%s", l->sid);
        l->n++;
        return 0;
}

int
lscsi_session_devices(const char *sid, struct initiator_device **ret, size_t *ret_n,
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

int
lscsi_set_readonly(const char *devpath, struct va_err *err)
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

static int
dev_numbers(const char *name, unsigned *maj, unsigned *min)
{
        char path[PATH_MAX], buf[32];

        (void)snprintf(path, sizeof(path), "/sys/class/block/%s/dev", name);
        if (lscsi_read_attr(path, buf, sizeof(buf)) < 0 || sscanf(buf, "%u:%u", maj, min) != 2)
                return -1;
        return 0;
}

/* Mounted (the kernel's mount table by device number, through libmount,
 * which reads mountinfo's octal escapes as the kernel writes them: a mount
 * point with a blank in it is named right) or used as swap. */
static int
mounted(const char *name, char *why, size_t len)
{
        struct libmnt_table *tb;
        struct libmnt_fs *fs;
        unsigned maj, min;
        char dev[64];
        int r = 0;

        if (dev_numbers(name, &maj, &min) < 0)
                return 0;
        tb = mnt_new_table();
        if (tb != NULL && mnt_table_parse_file(tb, "/proc/self/mountinfo") == 0) {
                fs = mnt_table_find_devno(tb, makedev(maj, min), MNT_ITER_FORWARD);
                if (fs != NULL) {
                        const char *target = mnt_fs_get_target(fs);

                        (void)snprintf(why, len, "/dev/%s is mounted on %s", name,
                                       target != NULL ? target : "?");
                        r = 1;
                }
        }
        mnt_unref_table(tb);
        if (r)
                return r;
        (void)snprintf(dev, sizeof(dev), "/dev/%s", name);
        tb = mnt_new_table();
        if (tb != NULL && mnt_table_parse_swaps(tb, NULL) == 0 &&
            mnt_table_find_srcpath(tb, dev, MNT_ITER_FORWARD) != NULL) {
                (void)snprintf(why, len, "/dev/%s is in use as swap", name);
                r = 1;
        }
        mnt_unref_table(tb);
        return r;
}

/* Held by another block device (dm, md, a partition's holder). */
static int
held(const char *name, char *why, size_t len)
{
        char path[PATH_MAX];
        struct dirent *de;
        DIR *d;
        int r = 0;

        (void)snprintf(path, sizeof(path), "/sys/class/block/%s/holders", name);
        d = opendir(path);
        if (d == NULL)
                return 0;
        while ((de = readdir(d)) != NULL) {
                if (de->d_name[0] == '.')
                        continue;
                (void)snprintf(why, len, "/dev/%s is held by /dev/%s", name, de->d_name);
                r = 1;
                break;
        }
        (void)closedir(d);
        return r;
}

/* udev's transient opens.  udev watches a disk (OPTIONS+="watch" in
 * 60-block.rules): a close after a write (mkfs, a raw writer) makes udevd
 * open the disk itself (BLKRRPART) and queue a "change" event, and the
 * worker that runs it opens the disk, as do the programs its rules run
 * (scsi_id, blkid), for a fraction of a second.  A detach right after
 * "umount" would see those opens as users.  So openers are told apart by
 * who they are, never by name (any process can call itself
 * "(udev-worker)"): udevd is the process running udevd's binary that holds
 * udevd's control socket (workers close it when they fork, systemd's
 * manager_clear_for_worker), and udev's processes are udevd and its
 * descendants.  Anything else that has the disk open is a user. */

#define UDEV_CONTROL "/run/udev/control"
/* udevd keeps this file while its event queue is not empty, running events
 * included; libudev's udev_queue_get_queue_is_empty() and "udevadm settle"
 * read the same file.  Read directly: no libudev to load for one access(). */
#define UDEV_QUEUE "/run/udev/queue"
/* The longest detach waits for udev: a probe took up to 4.6 s in the lab
 * (TCG on a host loaded 4x); udev itself allows an event 180 s. */
#define SETTLE_MS   10000
#define OPENERS_MAX 32
#define DAEMONS_MAX 8
#define CONTROL_MAX 16
#define PARTS_MAX   257 /* the disk and DISK_MAX_PARTS (256) partitions */

int
lscsi_stat_ppid(const char *stat, long *ppid)
{
        /* comm, in parentheses, may hold anything, ")" and blanks included:
         * the fields after it start after the last ")" (proc(5)) */
        const char *p = strrchr(stat, ')');
        char state;

        if (p == NULL || sscanf(p + 1, " %c %ld", &state, ppid) != 2)
                return -1;
        return 0;
}

int
lscsi_udev_lineage(long pid, const long *daemons, size_t ndaemons,
                   long (*parent)(long pid, void *ctx), void *ctx)
{
        unsigned depth;
        size_t i;

        /* udevd -> worker -> a rule's program -> its children: a real chain
         * is 2 or 3 deep; the bound only stops a loop read from a racing
         * /proc */
        for (depth = 0; depth < LSCSI_LINEAGE_MAX && pid > 1; depth++) {
                for (i = 0; i < ndaemons; i++)
                        if (daemons[i] == pid)
                                return 1;
                pid = parent(pid, ctx);
        }
        return 0;
}

int
lscsi_openers_verdict(const struct lscsi_opener *v, size_t n, int late, char *why, size_t len)
{
        size_t i;

        for (i = 0; i < n; i++)
                if (!v[i].udev) {
                        (void)snprintf(why, len, "/dev/%s is open by process %ld (%s)", v[i].dev,
                                       v[i].pid, v[i].comm);
                        return LSCSI_BUSY;
                }
        if (n == 0)
                return LSCSI_FREE;
        if (!late)
                return LSCSI_UDEV;
        /* never forced silently: an open that outlasts the wait is named */
        (void)snprintf(why, len,
                       "/dev/%s is still open by udev's process %ld (%s) after %u s: udev has "
                       "not settled it",
                       v[0].dev, v[0].pid, v[0].comm, SETTLE_MS / 1000);
        return LSCSI_BUSY;
}

static long
proc_ppid(long pid, void *ctx)
{
        char path[64], buf[512];
        long ppid;

        (void)ctx;
        (void)snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
        if (lscsi_read_attr(path, buf, sizeof(buf)) < 0 || lscsi_stat_ppid(buf, &ppid) < 0)
                return -1;
        return ppid;
}

/* The socket inodes bound to udevd's control socket path (the listening
 * socket and any accepted connection carry it in /proc/net/unix). */
static size_t
control_inodes(unsigned long *v, size_t max)
{
        char line[512], path[256];
        unsigned long ino;
        size_t n = 0;
        FILE *f = fopen("/proc/net/unix", "re");

        if (f == NULL)
                return 0;
        while (n < max && fgets(line, sizeof(line), f) != NULL)
                if (sscanf(line, "%*s %*s %*s %*s %*s %*s %lu %255s", &ino, path) == 2 &&
                    strcmp(path, UDEV_CONTROL) == 0)
                        v[n++] = ino;
        (void)fclose(f);
        return n;
}

/* Whether pid runs udevd's binary.  systemd-udevd is often a link to
 * udevadm (Debian 12), so this alone also matches "udevadm monitor": the
 * control socket decides.  A udevd whose binary was replaced since it
 * started matches nothing, and its opens count as users': refused, as
 * before, never forced. */
static int
runs_udevd(long pid)
{
        static const char *const bins[] = { "/usr/lib/systemd/systemd-udevd",
                                            "/lib/systemd/systemd-udevd", "/sbin/udevd",
                                            "/usr/sbin/udevd" };
        char path[64];
        struct stat exe, st;
        size_t i;

        (void)snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
        if (stat(path, &exe) < 0)
                return 0;
        for (i = 0; i < sizeof(bins) / sizeof(bins[0]); i++)
                if (stat(bins[i], &st) == 0 && st.st_dev == exe.st_dev && st.st_ino == exe.st_ino)
                        return 1;
        return 0;
}

struct use_scan {
        dev_t devs[PARTS_MAX];
        char names[PARTS_MAX][64];
        size_t ndevs;
        unsigned long control[CONTROL_MAX];
        size_t ncontrol;
        struct lscsi_opener openers[OPENERS_MAX];
        size_t nopeners;
        int overflow;
        long daemons[DAEMONS_MAX];
        size_t ndaemons;
};

static void
add_opener(struct use_scan *s, long pid, size_t dev)
{
        struct lscsi_opener *o;
        char path[64];

        if (s->nopeners == OPENERS_MAX) {
                s->overflow = 1;
                return;
        }
        o = &s->openers[s->nopeners++];
        memset(o, 0, sizeof(*o));
        o->pid = pid;
        /* names[] are as long as dev, NUL included */
        memcpy(o->dev, s->names[dev], sizeof(o->dev));
        (void)snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
        (void)lscsi_read_attr(path, o->comm, sizeof(o->comm));
}

/* One pass over every process's descriptors: who has one of the devices
 * open, and who holds udevd's control socket.  A descriptor's stat() gives
 * a device's number or a socket's inode alike. */
static void
scan_processes(struct use_scan *s)
{
        struct dirent *pe;
        DIR *proc = opendir("/proc");
        pid_t self = getpid();

        if (proc == NULL)
                return;
        while ((pe = readdir(proc)) != NULL) {
                char fddir[64];
                struct dirent *fe;
                DIR *fds;
                char *end;
                long pid = strtol(pe->d_name, &end, 10);
                int control = 0, opens = 0;

                if (*end != '\0' || pid <= 0 || pid == (long)self)
                        continue;
                (void)snprintf(fddir, sizeof(fddir), "/proc/%ld/fd", pid);
                fds = opendir(fddir);
                if (fds == NULL)
                        continue;
                while ((fe = readdir(fds)) != NULL) {
                        char fd[128];
                        struct stat st;
                        size_t i;

                        if (fe->d_name[0] == '.')
                                continue;
                        (void)snprintf(fd, sizeof(fd), "%s/%s", fddir, fe->d_name);
                        if (stat(fd, &st) < 0)
                                continue;
                        if (S_ISSOCK(st.st_mode)) {
                                for (i = 0; i < s->ncontrol; i++)
                                        if (s->control[i] == (unsigned long)st.st_ino)
                                                control = 1;
                                continue;
                        }
                        if (!S_ISBLK(st.st_mode))
                                continue;
                        for (i = 0; i < s->ndevs; i++)
                                if (st.st_rdev == s->devs[i])
                                        break;
                        /* one entry per process; the rest of its
                         * descriptors still count (udevd's own open comes
                         * with its control socket) */
                        if (i == s->ndevs || opens)
                                continue;
                        opens = 1;
                        add_opener(s, pid, i);
                }
                (void)closedir(fds);
                /* pid 1 holds the socket too when systemd passes it to
                 * udevd (socket activation): it is never udevd */
                if (control && pid != 1 && s->ndaemons < DAEMONS_MAX && runs_udevd(pid))
                        s->daemons[s->ndaemons++] = pid;
        }
        (void)closedir(proc);
}

static int
add_dev(struct use_scan *s, const char *name)
{
        unsigned maj, min;

        if (s->ndevs == PARTS_MAX || dev_numbers(name, &maj, &min) < 0)
                return -1;
        s->devs[s->ndevs] = makedev(maj, min);
        (void)snprintf(s->names[s->ndevs], sizeof(s->names[0]), "%s", name);
        s->ndevs++;
        return 0;
}

/* One look at the disk and its partitions: LSCSI_BUSY (why set) for a
 * mount, a holder or a user's open; LSCSI_UDEV while only udev has it
 * open; LSCSI_FREE. late: the wait for udev is over. */
static int
use_once(const char *name, int late, char *why, size_t len)
{
        struct use_scan *s;
        char path[PATH_MAX];
        struct dirent *de;
        size_t i;
        DIR *d;
        int r = LSCSI_FREE;

        if (mounted(name, why, len) || held(name, why, len))
                return LSCSI_BUSY;
        s = calloc(1, sizeof(*s));
        if (s == NULL) {
                (void)snprintf(why, len, "/dev/%s: out of memory checking its users", name);
                return LSCSI_BUSY;
        }
        (void)add_dev(s, name);
        /* and its partitions: sdb1 lives under /sys/class/block/sdb/ */
        (void)snprintf(path, sizeof(path), "/sys/class/block/%s", name);
        d = opendir(path);
        if (d != NULL) {
                while ((de = readdir(d)) != NULL) {
                        if (strncmp(de->d_name, name, strlen(name)) != 0 ||
                            strlen(de->d_name) == strlen(name))
                                continue;
                        if (mounted(de->d_name, why, len) || held(de->d_name, why, len)) {
                                r = LSCSI_BUSY;
                                break;
                        }
                        (void)add_dev(s, de->d_name);
                }
                (void)closedir(d);
        }
        if (r == LSCSI_BUSY)
                goto out;
        s->ncontrol = control_inodes(s->control, CONTROL_MAX);
        scan_processes(s);
        if (s->overflow) {
                (void)snprintf(why, len, "/dev/%s is open by more than %d processes", name,
                               OPENERS_MAX);
                r = LSCSI_BUSY;
                goto out;
        }
        for (i = 0; i < s->nopeners; i++)
                s->openers[i].udev =
                    lscsi_udev_lineage(s->openers[i].pid, s->daemons, s->ndaemons, proc_ppid, NULL);
        r = lscsi_openers_verdict(s->openers, s->nopeners, late, why, len);
out:
        free(s);
        return r;
}

int
lscsi_device_in_use(const char *name, char *why, size_t len)
{
        uint64_t start = plat_monotonic_ms();
        unsigned pause = 10;
        int waited = 0;

        /* Every look is a whole new one: a user that appears while udev
         * settles is refused like any other. */
        for (;;) {
                int late = plat_monotonic_ms() - start >= SETTLE_MS;
                int r = use_once(name, late, why, len);

                if (r == LSCSI_BUSY)
                        return 1;
                /* not open by udev, and nothing queued that may open it: an
                 * event still queued for the disk would probe it under the
                 * removal (harmless, but not settled); the queue is
                 * udevd's whole one, so a busy udev only costs the wait.
                 * A close that udevd has not read from inotify yet is
                 * beyond anyone's view: at worst udev probes a disk being
                 * removed. */
                if (r == LSCSI_FREE && (late || access(UDEV_QUEUE, F_OK) != 0)) {
                        if (late && access(UDEV_QUEUE, F_OK) == 0)
                                va_log(VA_LOG_INFO,
                                       "udev's queue is still busy after %u s; /dev/%s is not "
                                       "open by udev: going on",
                                       SETTLE_MS / 1000, name);
                        else if (waited)
                                va_log(VA_LOG_INFO, "waited %llu ms for udev to settle /dev/%s",
                                       (unsigned long long)(plat_monotonic_ms() - start), name);
                        return 0;
                }
                waited = 1;
                plat_sleep_ms(pause);
                if (pause < 100)
                        pause *= 2;
        }
}

int
lscsi_flush(const char *devpath, struct va_err *err)
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
lscsi_disk_remove(const char *name, struct va_err *err)
{
        char path[PATH_MAX], dev[PATH_MAX];
        uint64_t deadline;
        int r;

        (void)snprintf(path, sizeof(path), "/sys/block/%s", name);
        if (access(path, F_OK) != 0)
                return 0; /* already gone */
        (void)snprintf(dev, sizeof(dev), "/dev/%s", name);
        (void)lscsi_flush(dev, NULL);
        (void)snprintf(path, sizeof(path), "/sys/block/%s/device/delete", name);
        r = write_attr(path, "1", err);
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
