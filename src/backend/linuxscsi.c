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

/* When udevd runs, the disk is ready for its users (by-path links,
 * multipathd, mount units) only once udev has processed its "add" event,
 * which it records in its database; under load that lags the device node by
 * a second or more.  Waits for that, at most 5 s: a broken udev must not
 * fail an attach whose disk is there. */
static void
udev_wait(const char *name)
{
        char path[PATH_MAX], dev[32], db[PATH_MAX];
        uint64_t deadline;
        unsigned pause = 10;

        if (access("/run/udev/control", F_OK) != 0)
                return; /* no udevd */
        (void)snprintf(path, sizeof(path), "/sys/block/%s/dev", name);
        if (lscsi_read_attr(path, dev, sizeof(dev)) < 0)
                return;
        (void)snprintf(db, sizeof(db), "/run/udev/data/b%s", dev);
        deadline = plat_monotonic_ms() + 5000;
        while (access(db, F_OK) != 0) {
                if (plat_monotonic_ms() > deadline) {
                        va_log(VA_LOG_INFO, "udev has not processed /dev/%s after 5 s; going on",
                               name);
                        return;
                }
                /* up to --jobs workers wait here at once at boot: back
                 * off, but not past 40 ms, which a one-volume boot would
                 * wait for nothing */
                plat_sleep_ms(pause);
                if (pause < 40)
                        pause *= 2;
        }
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
        udev_wait(f.name);
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

/* Mounted (mountinfo's major:minor) or used as swap. */
static int
mounted(const char *name, char *why, size_t len)
{
        unsigned maj, min;
        char line[4096], want[32];
        FILE *f;
        int r = 0;

        if (dev_numbers(name, &maj, &min) < 0)
                return 0;
        (void)snprintf(want, sizeof(want), " %u:%u ", maj, min);
        f = fopen("/proc/self/mountinfo", "re");
        if (f != NULL) {
                while (fgets(line, sizeof(line), f) != NULL) {
                        char *p = strstr(line, want);

                        if (p != NULL) {
                                char mnt[256] = "";

                                /* fields: id parent maj:min root mountpoint ... */
                                (void)sscanf(p + strlen(want), "%*s %255s", mnt);
                                (void)snprintf(why, len, "/dev/%s is mounted on %s", name, mnt);
                                r = 1;
                                break;
                        }
                }
                (void)fclose(f);
        }
        if (r == 0 && (f = fopen("/proc/swaps", "re")) != NULL) {
                char dev[64];

                (void)snprintf(dev, sizeof(dev), "/dev/%s ", name);
                while (fgets(line, sizeof(line), f) != NULL) {
                        if (strncmp(line, dev, strlen(dev)) == 0) {
                                (void)snprintf(why, len, "/dev/%s is in use as swap", name);
                                r = 1;
                                break;
                        }
                }
                (void)fclose(f);
        }
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

/* Open by some process: a non-exclusive open leaves no other trace. */
static int
opened(const char *name, char *why, size_t len)
{
        unsigned maj, min;
        struct dirent *pe;
        DIR *proc;
        pid_t self = getpid();
        int r = 0;

        if (dev_numbers(name, &maj, &min) < 0)
                return 0;
        proc = opendir("/proc");
        if (proc == NULL)
                return 0;
        while (r == 0 && (pe = readdir(proc)) != NULL) {
                char fddir[64];
                struct dirent *fe;
                DIR *fds;
                char *end;
                long pid = strtol(pe->d_name, &end, 10);

                if (*end != '\0' || pid <= 0 || pid == (long)self)
                        continue;
                (void)snprintf(fddir, sizeof(fddir), "/proc/%ld/fd", pid);
                fds = opendir(fddir);
                if (fds == NULL)
                        continue;
                while ((fe = readdir(fds)) != NULL) {
                        char fd[128];
                        struct stat st;

                        if (fe->d_name[0] == '.')
                                continue;
                        (void)snprintf(fd, sizeof(fd), "%s/%s", fddir, fe->d_name);
                        if (stat(fd, &st) == 0 && S_ISBLK(st.st_mode) && major(st.st_rdev) == maj &&
                            minor(st.st_rdev) == min) {
                                char comm[64] = "", cpath[64];

                                (void)snprintf(cpath, sizeof(cpath), "/proc/%ld/comm", pid);
                                (void)lscsi_read_attr(cpath, comm, sizeof(comm));
                                (void)snprintf(why, len, "/dev/%s is open by process %ld (%s)",
                                               name, pid, comm);
                                r = 1;
                                break;
                        }
                }
                (void)closedir(fds);
        }
        (void)closedir(proc);
        return r;
}

int
lscsi_device_in_use(const char *name, char *why, size_t len)
{
        char path[PATH_MAX];
        struct dirent *de;
        DIR *d;

        if (mounted(name, why, len) || held(name, why, len) || opened(name, why, len))
                return 1;
        /* and its partitions: sdb1 lives under /sys/class/block/sdb/ */
        (void)snprintf(path, sizeof(path), "/sys/class/block/%s", name);
        d = opendir(path);
        if (d == NULL)
                return 0;
        while ((de = readdir(d)) != NULL) {
                if (strncmp(de->d_name, name, strlen(name)) != 0 ||
                    strlen(de->d_name) == strlen(name))
                        continue;
                if (mounted(de->d_name, why, len) || held(de->d_name, why, len) ||
                    opened(de->d_name, why, len)) {
                        (void)closedir(d);
                        return 1;
                }
        }
        (void)closedir(d);
        return 0;
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
