/* SPDX-License-Identifier: Apache-2.0 */
/* The in-use decision of the Linux backend without /proc: the parent pid
 * from a stat line whose name lies, udev's lineage, and the verdict over a
 * device's openers (udev's transient opens are waited for, never users). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend/diskuse.h"
#include "harness.h"

TEST(stat_ppid)
{
        long ppid = 0;

        ASSERT_OK(diskuse_stat_ppid("504 ((udev-worker)) S 300 300 0 0 -1 4194624", &ppid));
        ASSERT_EQ_INT(ppid, 300);
        /* a name made to look like other fields: only the last ")" counts */
        ASSERT_OK(diskuse_stat_ppid("77 (x) S 1 1 (evil) R 42 42 0", &ppid));
        ASSERT_EQ_INT(ppid, 42);
        ASSERT_EQ_INT(diskuse_stat_ppid("77 (no end", &ppid), -1);
        ASSERT_EQ_INT(diskuse_stat_ppid("77 (x)", &ppid), -1);
}

/* pid -> parent, as /proc would say; -1 for unknown */
static const long parents[][2] = {
        { 300, 1 },   /* udevd */
        { 504, 300 }, /* its worker */
        { 610, 504 }, /* scsi_id, run by the worker's rules */
        { 611, 610 }, /* and its child */
        { 700, 1 },   /* a user's process calling itself (udev-worker) */
        { 701, 700 }, /* udevadm, exec'd by that user */
        { 800, 801 }, /* a loop, as a racing /proc might show */
        { 801, 800 },
};

static long
parent_of(long pid, void *ctx)
{
        size_t i;

        (void)ctx;
        for (i = 0; i < sizeof(parents) / sizeof(parents[0]); i++)
                if (parents[i][0] == pid)
                        return parents[i][1];
        return -1;
}

TEST(udev_lineage)
{
        const long daemons[] = { 300 };

        ASSERT_EQ_INT(diskuse_udev_lineage(300, daemons, 1, parent_of, NULL), 1);
        ASSERT_EQ_INT(diskuse_udev_lineage(504, daemons, 1, parent_of, NULL), 1);
        ASSERT_EQ_INT(diskuse_udev_lineage(611, daemons, 1, parent_of, NULL), 1);
        ASSERT_EQ_INT(diskuse_udev_lineage(700, daemons, 1, parent_of, NULL), 0);
        ASSERT_EQ_INT(diskuse_udev_lineage(701, daemons, 1, parent_of, NULL), 0);
        ASSERT_EQ_INT(diskuse_udev_lineage(800, daemons, 1, parent_of, NULL), 0); /* ends */
        ASSERT_EQ_INT(diskuse_udev_lineage(999, daemons, 1, parent_of, NULL), 0);
        /* no udevd found (none running, or not visible): nobody is udev's */
        ASSERT_EQ_INT(diskuse_udev_lineage(504, NULL, 0, parent_of, NULL), 0);
        /* pid 1 is never followed into: everything descends from it */
        {
                const long init[] = { 1 };

                ASSERT_EQ_INT(diskuse_udev_lineage(700, init, 1, parent_of, NULL), 0);
        }
}

static struct diskuse_opener
opener(long pid, int udev, const char *comm, const char *dev)
{
        struct diskuse_opener o;

        memset(&o, 0, sizeof(o));
        o.pid = pid;
        o.udev = udev;
        (void)snprintf(o.comm, sizeof(o.comm), "%s", comm);
        (void)snprintf(o.dev, sizeof(o.dev), "%s", dev);
        return o;
}

TEST(verdict_none)
{
        char why[256] = "";

        ASSERT_EQ_INT(diskuse_openers_verdict(NULL, 0, 0, why, sizeof(why)), DISKUSE_FREE);
        ASSERT_EQ_INT(diskuse_openers_verdict(NULL, 0, 1, why, sizeof(why)), DISKUSE_FREE);
        ASSERT_STREQ(why, "");
}

TEST(verdict_udev_waits_then_is_named)
{
        struct diskuse_opener v[2];
        char why[256] = "";

        v[0] = opener(504, 1, "(udev-worker)", "sdb");
        v[1] = opener(610, 1, "scsi_id", "sdb");
        ASSERT_EQ_INT(diskuse_openers_verdict(v, 2, 0, why, sizeof(why)), DISKUSE_UDEV);
        ASSERT_STREQ(why, "");
        ASSERT_EQ_INT(diskuse_openers_verdict(v, 2, 1, why, sizeof(why)), DISKUSE_BUSY);
        ASSERT_STREQ(why,
                     "/dev/sdb is still open by udev's process 504 ((udev-worker)) after 10 s: "
                     "udev has not settled it");
}

TEST(verdict_user_among_udev)
{
        struct diskuse_opener v[3];
        char why[256] = "";

        v[0] = opener(504, 1, "(udev-worker)", "sdb");
        v[1] = opener(700, 0, "(udev-worker)", "sdb1"); /* the name is no proof */
        v[2] = opener(610, 1, "scsi_id", "sdb");
        ASSERT_EQ_INT(diskuse_openers_verdict(v, 3, 0, why, sizeof(why)), DISKUSE_BUSY);
        ASSERT_STREQ(why, "/dev/sdb1 is open by process 700 ((udev-worker))");
}

TEST(verdict_user)
{
        struct diskuse_opener v[1];
        char why[256] = "";

        v[0] = opener(123, 0, "dd", "sdc");
        ASSERT_EQ_INT(diskuse_openers_verdict(v, 1, 0, why, sizeof(why)), DISKUSE_BUSY);
        ASSERT_STREQ(why, "/dev/sdc is open by process 123 (dd)");
}

/* The whole scan over /proc, on a block device of this machine that
 * nothing uses (a loop device, say), with a child of ours holding it open:
 * no udevd here, so the child is a user.  Skipped where there is none. */
static int
idle_disk(char *name, size_t len)
{
        DIR *d = opendir("/sys/class/block");
        struct dirent *de;
        int found = 0;

        if (d == NULL)
                return 0;
        while (!found && (de = readdir(d)) != NULL) {
                char path[300], why[256];
                int fd;

                if (de->d_name[0] == '.')
                        continue;
                (void)snprintf(path, sizeof(path), "/dev/%s", de->d_name);
                fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
                if (fd < 0)
                        continue;
                (void)close(fd);
                if (diskuse_check(de->d_name, why, sizeof(why)) == 0) {
                        (void)snprintf(name, len, "%s", de->d_name);
                        found = 1;
                }
        }
        (void)closedir(d);
        return found;
}

TEST(in_use_scan)
{
        char name[256], why[256] = "", path[300], want[64], c;
        int ready[2], hold[2];
        pid_t child;

        ASSERT_EQ_INT(diskuse_check("va-no-such-disk", why, sizeof(why)), 0);
        if (!idle_disk(name, sizeof(name))) {
                fprintf(stderr, "in_use_scan: no idle block device here; skipped\n");
                return;
        }
        (void)snprintf(path, sizeof(path), "/dev/%s", name);
        ASSERT_OK(pipe(ready));
        ASSERT_OK(pipe(hold));
        child = fork();
        ASSERT_OK(child);
        if (child == 0) {
                int fd = open(path, O_RDONLY | O_NONBLOCK);

                (void)close(ready[0]);
                (void)close(hold[1]);
                if (fd >= 0 && write(ready[1], "x", 1) == 1)
                        (void)read(hold[0], &c, 1);
                _exit(0);
        }
        (void)close(ready[1]);
        (void)close(hold[0]);
        ASSERT_EQ_INT(read(ready[0], &c, 1), 1);
        ASSERT_EQ_INT(diskuse_check(name, why, sizeof(why)), 1);
        (void)snprintf(want, sizeof(want), "is open by process %ld (", (long)child);
        ASSERT_CONTAINS(why, want);
        (void)close(hold[1]);
        (void)close(ready[0]);
        ASSERT_EQ_INT(waitpid(child, NULL, 0), child);
        ASSERT_EQ_INT(diskuse_check(name, why, sizeof(why)), 0);
}

HARNESS_MAIN()
