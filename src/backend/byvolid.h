/* SPDX-License-Identifier: Apache-2.0 */
/* /dev/disk/by-volume-id/<volume id> on Linux: udev makes the link, from
 * an index volattach keeps under /run (dist/udev/65-volattach.rules reads
 * it with IMPORT{file}); see docs/stable-names.md for why udev and not links of
 * volattach's own. */
#ifndef VOLATTACH_BACKEND_BYVOLID_H
#define VOLATTACH_BACKEND_BYVOLID_H

#include "core/initiator.h"

/* The rule reads these paths: change them only together with it. */
#define BYVOLID_INDEX_DIR "/run/volattach/udev"
#define BYVOLID_LINK_DIR  "/dev/disk/by-volume-id"

/* The index file's name for a device, as the rule builds it from udev's
 * properties: "mpath-<wwid>" (a map's DM_UUID), "disk-<ID_SERIAL>" (a SCSI
 * disk). 0, or -1 when key holds a character udev would not keep, a dot
 * first, or is empty or too long. */
int byvolid_key(int multipath, const char *ident, char *buf, size_t len);

/* Writes the index for d under volume_id, has udev process d (and its
 * partitions) again, and waits, bounded, for the link; fills
 * d->by_volume_id. A host without udevd or without the rule gets the index
 * only (the rule or udevd may come later). */
int byvolid_set(const char *volume_id, struct initiator_device *d, struct va_err *err);

/* Removes the index of volume_id (whatever device it named); when d is
 * still on the host, has udev process it again so the link goes. */
int byvolid_clear(const char *volume_id, const struct initiator_device *d, struct va_err *err);

/* Fills d->by_volume_id when /dev/disk/by-volume-id has a link to d. */
void byvolid_lookup(struct initiator_device *d);

/* uninstall-state: removes the index entries whose device is gone (counts
 * those kept in *kept), and the directory once empty. */
int byvolid_forget(unsigned *kept, struct va_err *err);

#endif
