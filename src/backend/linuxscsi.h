/* Linux SCSI and iSCSI state through sysfs: sessions, LUN scans, block
 * devices and their identity, read-only, in-use checks and removal. No udev
 * is needed: the kernel's own view is read directly. */
#ifndef VOLATTACH_BACKEND_LINUXSCSI_H
#define VOLATTACH_BACKEND_LINUXSCSI_H

#include "core/initiator.h"

int lscsi_list_sessions(struct initiator_session **ret, size_t *ret_n, struct va_err *err);

/* Asks the kernel to scan one LUN of a session's host (manual scan mode
 * otherwise maps nothing). */
int lscsi_scan_lun(const char *sid, unsigned lun, struct va_err *err);

/* The disk of LUN lun behind session sid; -VA_E_NOTFOUND if not (yet). */
int lscsi_find_device(const char *sid, unsigned lun, const struct portal *portal, const char *iqn,
                      struct initiator_device *ret, struct va_err *err);

int lscsi_session_devices(const char *sid, struct initiator_device **ret, size_t *ret_n,
                          struct va_err *err);

/* Fills size, wwid, serial, read-only and name for /sys/block/<name>. */
int lscsi_device_info(const char *name, struct initiator_device *d);

int lscsi_set_readonly(const char *devpath, struct va_err *err);
/* 1 (why set) if the disk or a partition is mounted, swapped on, held by
 * another block device or open by a process other than udev's; waits (10 s
 * at most) for udev to settle it first, and names an open of udev's that
 * outlasts the wait. */
int lscsi_device_in_use(const char *name, char *why, size_t len);

/* The pieces of that decision that need no /proc, for the unit tests. */
enum { LSCSI_FREE, LSCSI_UDEV, LSCSI_BUSY };
#define LSCSI_LINEAGE_MAX 16

struct lscsi_opener {
        long pid;
        int udev; /* udevd or one of its descendants */
        char comm[32];
        char dev[64]; /* the disk or partition it has open */
};

/* The parent pid from a /proc/PID/stat line. 0 or -1. */
int lscsi_stat_ppid(const char *stat, long *ppid);
/* 1 if pid is one of the daemons or descends from one (parent() gives a
 * pid's parent, -1 if unknown; at most LSCSI_LINEAGE_MAX steps). */
int lscsi_udev_lineage(long pid, const long *daemons, size_t ndaemons,
                       long (*parent)(long pid, void *ctx), void *ctx);
/* LSCSI_BUSY (why set) if an opener is not udev's, or if udev's still are
 * and late is set; LSCSI_UDEV if only udev's are; LSCSI_FREE if none. */
int lscsi_openers_verdict(const struct lscsi_opener *v, size_t n, int late, char *why, size_t len);
/* Flushes the page cache of a block device (BLKFLSBUF, fsync). */
int lscsi_flush(const char *devpath, struct va_err *err);
/* Flushes, then deletes a SCSI disk from the kernel and waits for it to go. */
int lscsi_disk_remove(const char *name, struct va_err *err);

/* Reads a small sysfs attribute, trailing newline removed. 0 or -1. */
int lscsi_read_attr(const char *path, char *buf, size_t len);

#endif
