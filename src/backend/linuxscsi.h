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
int lscsi_device_in_use(const char *name, char *why, size_t len);
/* Flushes the page cache of a block device (BLKFLSBUF, fsync). */
int lscsi_flush(const char *devpath, struct va_err *err);
/* Flushes, then deletes a SCSI disk from the kernel and waits for it to go. */
int lscsi_disk_remove(const char *name, struct va_err *err);

/* Reads a small sysfs attribute, trailing newline removed. 0 or -1. */
int lscsi_read_attr(const char *path, char *buf, size_t len);

#endif
