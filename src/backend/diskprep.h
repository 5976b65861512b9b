/* SPDX-License-Identifier: Apache-2.0 */
/* --prepare on Linux: probe a disk with libblkid, partition it with
 * libfdisk, format it with mkfs, mount it through a systemd mount unit. */
#ifndef VOLATTACH_BACKEND_DISKPREP_H
#define VOLATTACH_BACKEND_DISKPREP_H

#include "core/initiator.h"

/* Where generated mount units go. */
#define DISKPREP_UNIT_DIR "/etc/systemd/system"

int diskprep_prepare(const struct initiator_device *d, const struct prepare_request *rq,
                     struct prepare_outcome *ret, struct va_err *err);
int diskprep_mount(const struct initiator_device *d, const struct prepare_request *rq,
                   struct prepare_outcome *ret, struct va_err *err);

#endif
