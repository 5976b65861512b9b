/* SPDX-License-Identifier: Apache-2.0 */
/* dm-multipath through multipath-tools: is it usable, build a map over the
 * path disks of one LU, remove a map, forget the WWIDs volattach added. */
#ifndef VOLATTACH_BACKEND_MULTIPATH_H
#define VOLATTACH_BACKEND_MULTIPATH_H

#include "core/initiator.h"

int mpath_ready(void);
int mpath_assemble(const struct initiator_device *paths, size_t n, struct initiator_device *ret,
                   struct va_err *err);
int mpath_remove(const struct initiator_device *map, struct va_err *err);
/* Removes from multipath-tools' WWID list the WWIDs volattach added whose
 * disks are gone; counts those kept (a disk still there) in *kept. */
int mpath_forget(unsigned *kept, struct va_err *err);

#endif
