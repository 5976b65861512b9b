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

/* The volume half of the seam: FindFirstVolumeW, FindNextVolumeW,
 * FindVolumeClose and GetVolumePathNamesForVolumeNameW, as kernel32 has
 * them. */
typedef HANDLE(WINAPI *disk_first_volume_fn)(WCHAR *name, DWORD len);
typedef BOOL(WINAPI *disk_next_volume_fn)(HANDLE h, WCHAR *name, DWORD len);
typedef BOOL(WINAPI *disk_volume_close_fn)(HANDLE h);
typedef BOOL(WINAPI *disk_volume_paths_fn)(const WCHAR *volume, WCHAR *paths, DWORD len,
                                           DWORD *needed);

struct disk_seam {
        disk_ioctl_fn ioctl; /* on \\.\PhysicalDriveN and \\?\Volume{GUID} */
        disk_first_volume_fn first_volume;
        disk_next_volume_fn next_volume;
        disk_volume_close_fn volume_close;
        disk_volume_paths_fn volume_paths;
};

/* The one to use: CreateFileW + DeviceIoControl and kernel32's volume
 * calls, unless the loaded iscsidsc.dll exports VaSimDiskIoctl (the
 * simulator of tests/wine: the Microsoft DLL never does), whose disks and
 * volumes then answer. */
void disk_seam_select(struct disk_seam *s);

/* Fills what the disk says of itself: size, serial, unique id and WWID
 * (VPD page 0x83), online, read-only, partition style, its volumes with
 * their drive letters and mount folders, and the volume id recorded for
 * it. Best effort: what cannot be read stays zero. */
void disk_details(const struct disk_seam *s, struct initiator_device *d);

/* Records volume_id for the disk under HKLM\SOFTWARE\volattach\Disks\<its
 * unique id> (value VolumeId), dropping any other disk's record of that
 * volume, and reads it back into d->recorded_id. */
int disk_tag(const char *volume_id, struct initiator_device *d, struct va_err *err);

/* Removes every record of volume_id; none is success. */
int disk_untag(const char *volume_id, struct va_err *err);

/* Clears DISK_ATTRIBUTE_OFFLINE and sets DISK_ATTRIBUTE_READ_ONLY to
 * read_only, persisted, then reads both back into d. -VA_E_PERM when not
 * elevated; -VA_E_IO, naming the attribute, when the disk refuses. */
int disk_online(const struct disk_seam *s, struct initiator_device *d, int read_only,
                struct va_err *err);

/* A failed disk call as an error naming the disk and the call: -VA_E_PERM
 * with the "run as administrator" hint for ERROR_ACCESS_DENIED, else
 * -VA_E_IO; the Windows code is kept. */
int disk_win_error(struct va_err *err, const struct initiator_device *d, const char *what, DWORD e);

/* Sets DISK_ATTRIBUTE_READ_ONLY until the next boot (access_mode ro). */
int disk_set_readonly(const struct disk_seam *s, const struct initiator_device *d,
                      struct va_err *err);

#endif
