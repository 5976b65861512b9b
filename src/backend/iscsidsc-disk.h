/* SPDX-License-Identifier: Apache-2.0 */
/* The Windows backend's disk half: what it asks of a disk that an iSCSI
 * session brought (attributes, layout, size, serial), through one seam, so
 * that the Wine tests' simulated iscsidsc.dll can stand in for the disk
 * driver that Wine does not have. */
#ifndef VOLATTACH_BACKEND_ISCSIDSC_DISK_H
#define VOLATTACH_BACKEND_ISCSIDSC_DISK_H

#include <windows.h>

#include "base/err.h"
#include "core/initiator.h"

/* The seam: open path with access (0, or GENERIC_READ | GENERIC_WRITE),
 * one DeviceIoControl, close; FALSE with GetLastError() set on failure,
 * as the two calls themselves report it. */
typedef BOOL(WINAPI *disk_ioctl_fn)(const WCHAR *path, DWORD access, DWORD code, void *in,
                                    DWORD inlen, void *out, DWORD outlen, DWORD *got);

/* The one to use: CreateFileW + DeviceIoControl, unless the loaded
 * iscsidsc.dll exports VaSimDiskIoctl (the simulator of tests/wine: the
 * Microsoft DLL never does), whose disks then answer. */
disk_ioctl_fn disk_io_select(void);

/* Fills what the disk says of itself: size, serial, online, read-only,
 * partition style. Best effort: what cannot be read stays zero. */
void disk_details(disk_ioctl_fn io, struct initiator_device *d);

/* Clears DISK_ATTRIBUTE_OFFLINE and sets DISK_ATTRIBUTE_READ_ONLY to
 * read_only, persisted, then reads both back into d. -VA_E_PERM when not
 * elevated; -VA_E_IO, naming the attribute, when the disk refuses. */
int disk_online(disk_ioctl_fn io, struct initiator_device *d, int read_only, struct va_err *err);

/* Sets DISK_ATTRIBUTE_READ_ONLY until the next boot (access_mode ro). */
int disk_set_readonly(disk_ioctl_fn io, const struct initiator_device *d, struct va_err *err);

#endif
