/* SPDX-License-Identifier: Apache-2.0 */
/* udev's view of a block device, through libudev: whether udev has
 * processed it yet, and its properties. */
#ifndef VOLATTACH_BACKEND_UDEVDB_H
#define VOLATTACH_BACKEND_UDEVDB_H

#include <stddef.h>

/* Waits until udev has processed block device name (/sys/block/<name>), at
 * most timeout_ms; returns at once when no udevd runs. 1 processed (or no
 * udevd), 0 not within the time. */
int udevdb_wait_initialized(const char *name, unsigned timeout_ms);

/* Property key of block device name in udev's database ("ID_SERIAL") into
 * buf. 0, or -1 when udev does not know it. */
int udevdb_property(const char *name, const char *key, char *buf, size_t len);

/* 1 when udevd runs (its control socket answers, as udevadm sees it). */
int udevdb_running(void);

/* 1 while udevd's event queue is not empty (running events included), as
 * "udevadm settle" sees it; 0 when it is empty or no udevd runs. */
int udevdb_queue_busy(void);

#endif
