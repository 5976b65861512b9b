/* SPDX-License-Identifier: Apache-2.0 */
/* Detach: what volattach attached, as remembered in its state files, and
 * how it is taken apart again: refuse a busy device unless forced, remove
 * the multipath map and the SCSI disks, log out of a session only when no
 * other LUN still uses it, forget the target. */
#ifndef VOLATTACH_CORE_DETACH_H
#define VOLATTACH_CORE_DETACH_H

#include "core/initiator.h"
#include "core/volume.h"

struct attached_path {
        struct target_path path;
        struct initiator_device device; /* the disk behind this path */
};

/* One attached volume, without any secret: this is what is written to the
 * state directory at attach time and read back by status and detach. */
struct attached_volume {
        char id[VOLUME_ID_LEN + 1];
        char source[SOURCE_NAME_MAX];
        int read_only;
        struct initiator_device device; /* what the operator uses */
        struct attached_path *paths;
        size_t npaths;
};

void attached_volume_clear(struct attached_volume *av);
/* Clears n volumes and frees the array; NULL is a no-op. */
void attached_volumes_free(struct attached_volume *v, size_t n);

/* Detaches one volume. -VA_E_BUSY (nothing done) when its device is in use
 * and force is not set. Problems with individual paths are collected; the
 * first is returned after every path has been tried. */
int detach_volume(const struct initiator_ops *ops, struct initiator *ini,
                  const struct attached_volume *av, int force, struct va_err *err);

/* The same, knowing the other volumes volattach still has attached. With a
 * backend whose disks stay until logout (INITIATOR_CAP_DISKS_STAY), a
 * session is then kept only for the LUNs those volumes use, not for the
 * disks of volumes detached before. */
int detach_volume_among(const struct initiator_ops *ops, struct initiator *ini,
                        const struct attached_volume *av, const struct attached_volume *others,
                        size_t nothers, int force, struct va_err *err);

#endif
