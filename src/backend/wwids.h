/* SPDX-License-Identifier: Apache-2.0 */
/* multipath-tools' list of known WWIDs (/etc/multipath/wwids): with
 * find_multipaths strict, multipathd builds a map only for a WWID listed. */
#ifndef VOLATTACH_BACKEND_WWIDS_H
#define VOLATTACH_BACKEND_WWIDS_H

#include <stddef.h>

#include "base/err.h"

/* multipath-tools' file; the functions take its path, so tests use theirs */
#define WWIDS_DIR  "/etc/multipath"
#define WWIDS_FILE WWIDS_DIR "/wwids"

/* The WWID of path disk name as multipath-tools keys it: udev's ID_SERIAL
 * (its default uid_attribute), else scsi_id's form of the sysfs wwid
 * ("naa.6001..." -> "36001...", "eui.x" -> "2x"). 0, or -1 when neither
 * is known. */
int wwids_of(const char *name, const char *sysfs_wwid, char *buf, size_t len);

/* 1 when wwid is in the list in file, else 0. */
int wwids_known(const char *file, const char *wwid);

/* Adds wwid to the list in file as `multipath -a` does, under the file lock
 * multipath-tools takes, unless it is there already. The file's directory
 * must exist. */
int wwids_add(const char *file, const char *wwid, struct va_err *err);

/* Removes wwid's line from the list in file, under the same lock; absent
 * (file or line) is success. */
int wwids_remove(const char *file, const char *wwid, struct va_err *err);

#endif
