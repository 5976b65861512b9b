/* SPDX-License-Identifier: Apache-2.0 */
/* --prepare on Windows: GPT and NTFS on a RAW, all-zero-edged disk, then a
 * drive letter or mount folder, through one seam of OS calls so that the
 * Wine tests' simulated iscsidsc.dll can model the disk, its volume and the
 * Storage Management provider that Wine does not have. */
#ifndef VOLATTACH_BACKEND_ISCSIDSC_PREPARE_H
#define VOLATTACH_BACKEND_ISCSIDSC_PREPARE_H

#include <windows.h>

#include "backend/iscsidsc-disk.h"
#include "core/initiator.h"

struct prep_seam {
        disk_ioctl_fn ioctl; /* DeviceIoControl on \\.\PhysicalDriveN */
        /* ReadFile of len bytes at offset of the disk (GENERIC_READ). */
        BOOL(WINAPI *read)(const WCHAR *disk, ULONGLONG offset, void *buf, DWORD len, DWORD *got);
        /* The volume ("\\?\Volume{GUID}\") whose one extent starts at
         * offset of disk number n; FALSE (ERROR_FILE_NOT_FOUND) while it has
         * not arrived. */
        BOOL(WINAPI *volume_of)(ULONG n, ULONGLONG offset, WCHAR *vol, DWORD len);
        /* MSFT_Volume.Format(FileSystem, FileSystemLabel) of that volume:
         * the method's ReturnValue (0 is success), or an HRESULT when WMI
         * itself fails. */
        ULONG(WINAPI *format)(const WCHAR *vol, const WCHAR *fs, const WCHAR *label);
        /* GetVolumeInformationW's label and filesystem name. */
        BOOL(WINAPI *info)(const WCHAR *vol, WCHAR *label, DWORD llen, WCHAR *fs, DWORD flen);
        /* GetVolumePathNamesForVolumeNameW: "E:\\\0C:\\data\\\0\0". */
        BOOL(WINAPI *paths)(const WCHAR *vol, WCHAR *buf, DWORD len, DWORD *got);
        /* SetVolumeMountPointW (persistent: the mount manager keeps it). */
        BOOL(WINAPI *mount)(const WCHAR *mount_point, const WCHAR *vol);
};

/* The OS's calls, or the simulator's when the loaded iscsidsc.dll exports
 * them (as for disk_io_select). */
void prep_seam_select(struct prep_seam *s, disk_ioctl_fn io);

int prep_disk_prepare(const struct prep_seam *s, const struct initiator_device *d,
                      const struct prepare_request *rq, struct prepare_outcome *ret,
                      struct va_err *err);
int prep_disk_mount(const struct prep_seam *s, const struct initiator_device *d,
                    const struct prepare_request *rq, struct prepare_outcome *ret,
                    struct va_err *err);

/* The real MSFT_Volume.Format through WMI (iscsidsc-wmi.c). */
ULONG WINAPI wmi_volume_format(const WCHAR *vol, const WCHAR *fs, const WCHAR *label);

#endif
