/* SPDX-License-Identifier: Apache-2.0 */
/* Whether a disk is in use before detach removes it: mounted, swapped on,
 * held by another block device, or open by a process, udev's transient
 * opens waited for and told apart from users. */
#include "backend/diskuse.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "backend/disk.h"
#include "backend/mounts.h"
#include "backend/sysfs.h"
#include "backend/udevdb.h"
#include "base/log.h"
#include "platform/platform.h"

/* Mounted or used as swap. */
static int
mounted(const char *name, char *why, size_t len)
{
        unsigned maj, min;

        if (disk_numbers(name, &maj, &min) < 0)
                return 0;
        return mounts_uses(name, maj, min, why, len);
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
/* The longest detach waits for udev: a probe took up to 4.6 s in the lab
 * (TCG on a host loaded 4x); udev itself allows an event 180 s. */
#define SETTLE_MS   10000
#define OPENERS_MAX 32
#define DAEMONS_MAX 8
#define CONTROL_MAX 16
#define PARTS_MAX   257 /* the disk and DISK_MAX_PARTS (256) partitions */

int
diskuse_stat_ppid(const char *stat, long *ppid)
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
diskuse_udev_lineage(long pid, const long *daemons, size_t ndaemons,
                     long (*parent)(long pid, void *ctx), void *ctx)
{
        unsigned depth;
        size_t i;

        /* udevd -> worker -> a rule's program -> its children: a real chain
         * is 2 or 3 deep; the bound only stops a loop read from a racing
         * /proc */
        for (depth = 0; depth < DISKUSE_LINEAGE_MAX && pid > 1; depth++) {
                for (i = 0; i < ndaemons; i++)
                        if (daemons[i] == pid)
                                return 1;
                pid = parent(pid, ctx);
        }
        return 0;
}

int
diskuse_openers_verdict(const struct diskuse_opener *v, size_t n, int late, char *why, size_t len)
{
        size_t i;

        for (i = 0; i < n; i++)
                if (!v[i].udev) {
                        (void)snprintf(why, len, "/dev/%s is open by process %ld (%s)", v[i].dev,
                                       v[i].pid, v[i].comm);
                        return DISKUSE_BUSY;
                }
        if (n == 0)
                return DISKUSE_FREE;
        if (!late)
                return DISKUSE_UDEV;
        /* never forced silently: an open that outlasts the wait is named */
        (void)snprintf(why, len,
                       "/dev/%s is still open by udev's process %ld (%s) after %u s: udev has "
                       "not settled it",
                       v[0].dev, v[0].pid, v[0].comm, SETTLE_MS / 1000);
        return DISKUSE_BUSY;
}

static long
proc_ppid(long pid, void *ctx)
{
        char path[64], buf[512];
        long ppid;

        (void)ctx;
        (void)snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
        if (sysfs_read_attr(path, buf, sizeof(buf)) < 0 || diskuse_stat_ppid(buf, &ppid) < 0)
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
        struct diskuse_opener openers[OPENERS_MAX];
        size_t nopeners;
        int overflow;
        long daemons[DAEMONS_MAX];
        size_t ndaemons;
};

static void
add_opener(struct use_scan *s, long pid, size_t dev)
{
        struct diskuse_opener *o;
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
        (void)sysfs_read_attr(path, o->comm, sizeof(o->comm));
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

        if (s->ndevs == PARTS_MAX || disk_numbers(name, &maj, &min) < 0)
                return -1;
        s->devs[s->ndevs] = makedev(maj, min);
        (void)snprintf(s->names[s->ndevs], sizeof(s->names[0]), "%s", name);
        s->ndevs++;
        return 0;
}

/* One look at the disk and its partitions: DISKUSE_BUSY (why set) for a
 * mount, a holder or a user's open; DISKUSE_UDEV while only udev has it
 * open; DISKUSE_FREE. late: the wait for udev is over. */
static int
use_once(const char *name, int late, char *why, size_t len)
{
        struct use_scan *s;
        char path[PATH_MAX];
        struct dirent *de;
        size_t i;
        DIR *d;
        int r = DISKUSE_FREE;

        if (mounted(name, why, len) || held(name, why, len))
                return DISKUSE_BUSY;
        s = calloc(1, sizeof(*s));
        if (s == NULL) {
                (void)snprintf(why, len, "/dev/%s: out of memory checking its users", name);
                return DISKUSE_BUSY;
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
                                r = DISKUSE_BUSY;
                                break;
                        }
                        (void)add_dev(s, de->d_name);
                }
                (void)closedir(d);
        }
        if (r == DISKUSE_BUSY)
                goto out;
        s->ncontrol = control_inodes(s->control, CONTROL_MAX);
        scan_processes(s);
        if (s->overflow) {
                (void)snprintf(why, len, "/dev/%s is open by more than %d processes", name,
                               OPENERS_MAX);
                r = DISKUSE_BUSY;
                goto out;
        }
        for (i = 0; i < s->nopeners; i++)
                s->openers[i].udev = diskuse_udev_lineage(s->openers[i].pid, s->daemons,
                                                          s->ndaemons, proc_ppid, NULL);
        r = diskuse_openers_verdict(s->openers, s->nopeners, late, why, len);
out:
        free(s);
        return r;
}

int
diskuse_check(const char *name, char *why, size_t len)
{
        uint64_t start = plat_monotonic_ms();
        unsigned pause = 10;
        int waited = 0;

        /* Every look is a whole new one: a user that appears while udev
         * settles is refused like any other. */
        for (;;) {
                int late = plat_monotonic_ms() - start >= SETTLE_MS;
                int r = use_once(name, late, why, len);

                if (r == DISKUSE_BUSY)
                        return 1;
                /* not open by udev, and nothing queued that may open it: an
                 * event still queued for the disk would probe it under the
                 * removal (harmless, but not settled); the queue is
                 * udevd's whole one, so a busy udev only costs the wait.
                 * A close that udevd has not read from inotify yet is
                 * beyond anyone's view: at worst udev probes a disk being
                 * removed. */
                if (r == DISKUSE_FREE && (late || !udevdb_queue_busy())) {
                        if (late && udevdb_queue_busy())
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
