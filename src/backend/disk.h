/* SPDX-License-Identifier: Apache-2.0 */
/* A SCSI block device: identity, read-only, flush, removal. */
#ifndef VOLATTACH_BACKEND_DISK_H
#define VOLATTACH_BACKEND_DISK_H

#include "core/initiator.h"

/* Fills size, wwid, serial, read-only and name for /sys/block/<name>. */
int disk_info(const char *name, struct initiator_device *d);

/* The major and minor number of block device name (a disk or partition). */
int disk_numbers(const char *name, unsigned *maj, unsigned *min);

int disk_set_readonly(const char *devpath, struct va_err *err);
/* Flushes the page cache of a block device (BLKFLSBUF, fsync). */
int disk_flush(const char *devpath, struct va_err *err);
/* Flushes, then deletes a SCSI disk from the kernel and waits for it to go. */
int disk_remove(const char *name, struct va_err *err);

#endif
