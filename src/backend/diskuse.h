/* SPDX-License-Identifier: Apache-2.0 */
/* Is a disk in use: the check detach makes before removing it. */
#ifndef VOLATTACH_BACKEND_DISKUSE_H
#define VOLATTACH_BACKEND_DISKUSE_H

#include <stddef.h>

/* 1 (why set) if the disk or a partition is mounted, swapped on, held by
 * another block device or open by a process other than udev's; waits (10 s
 * at most) for udev to settle it first, and names an open of udev's that
 * outlasts the wait. */
int diskuse_check(const char *name, char *why, size_t len);

/* The pieces of that decision that need no /proc, for the unit tests. */
enum { DISKUSE_FREE, DISKUSE_UDEV, DISKUSE_BUSY };
#define DISKUSE_LINEAGE_MAX 16

struct diskuse_opener {
        long pid;
        int udev; /* udevd or one of its descendants */
        char comm[32];
        char dev[64]; /* the disk or partition it has open */
};

/* The parent pid from a /proc/PID/stat line. 0 or -1. */
int diskuse_stat_ppid(const char *stat, long *ppid);
/* 1 if pid is one of the daemons or descends from one (parent() gives a
 * pid's parent, -1 if unknown; at most DISKUSE_LINEAGE_MAX steps). */
int diskuse_udev_lineage(long pid, const long *daemons, size_t ndaemons,
                         long (*parent)(long pid, void *ctx), void *ctx);
/* DISKUSE_BUSY (why set) if an opener is not udev's, or if udev's still are
 * and late is set; DISKUSE_UDEV if only udev's are; DISKUSE_FREE if none. */
int diskuse_openers_verdict(const struct diskuse_opener *v, size_t n, int late, char *why,
                            size_t len);

#endif
