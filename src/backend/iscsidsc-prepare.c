/* SPDX-License-Identifier: Apache-2.0 */
/* --prepare on Windows (iscsidsc-prepare.h): IOCTL_DISK_CREATE_DISK (GPT),
 * a bounded wait for the MSR partition, IOCTL_DISK_SET_DRIVE_LAYOUT_EX with
 * one basic data partition, MSFT_Volume.Format (NTFS), SetVolumeMountPointW.
 * Only a disk whose layout is PARTITION_STYLE_RAW and whose first and last
 * MiB are zeros is written. */
#include <windows.h>
#include <winioctl.h>
#include <objbase.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "backend/iscsidsc-prepare.h"
#include "base/log.h"
#include "platform/platform.h"
#include "platform/win32-util.h"

#define MIB          (1024ull * 1024ull)
#define MSR_WAIT_MS  10000u /* documented: Windows adds the MSR itself on a new GPT disk */
#define VOL_WAIT_MS  10000u
#define LAYOUT_ROOM  (sizeof(DRIVE_LAYOUT_INFORMATION_EX) + 128 * sizeof(PARTITION_INFORMATION_EX))
#define PREP_VOL_MAX 64
#define PREP_PATHS   1024

/* {E3C9E316-0B5C-4DB8-817D-F92DF00215AE} and {EBD0A0A2-B9E5-4433-87C0-
 * 68B6B72699C7}: PARTITION_MSFT_RESERVED_GUID and PARTITION_BASIC_DATA_GUID
 * of the SDK's diskguid.h */
static const GUID msr_guid = {
        0xE3C9E316, 0x0B5C, 0x4DB8, { 0x81, 0x7D, 0xF9, 0x2D, 0xF0, 0x02, 0x15, 0xAE }
};
static const GUID data_guid = {
        0xEBD0A0A2, 0xB9E5, 0x4433, { 0x87, 0xC0, 0x68, 0xB6, 0xB7, 0x26, 0x99, 0xC7 }
};

static BOOL WINAPI
os_read(const WCHAR *disk, ULONGLONG offset, void *buf, DWORD len, DWORD *got)
{
        HANDLE h = CreateFileW(disk, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                               OPEN_EXISTING, 0, NULL);
        LARGE_INTEGER at;
        DWORD e;
        BOOL ok;

        if (h == INVALID_HANDLE_VALUE)
                return FALSE;
        at.QuadPart = (LONGLONG)offset;
        ok = SetFilePointerEx(h, at, NULL, FILE_BEGIN) && ReadFile(h, buf, len, got, NULL);
        e = GetLastError();
        CloseHandle(h);
        SetLastError(e);
        return ok;
}

static BOOL WINAPI
os_volume_of(ULONG n, ULONGLONG offset, WCHAR *vol, DWORD len)
{
        WCHAR name[PREP_VOL_MAX];
        HANDLE f = FindFirstVolumeW(name, PREP_VOL_MAX);
        BOOL found = FALSE;

        if (f == INVALID_HANDLE_VALUE)
                return FALSE;
        do {
                size_t k = wcslen(name);
                VOLUME_DISK_EXTENTS ext;
                DWORD got = 0;
                HANDLE h;

                if (k == 0 || name[k - 1] != L'\\')
                        continue;
                name[k - 1] = 0; /* the volume's device, not its root directory */
                h = CreateFileW(name, 0, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0,
                                NULL);
                name[k - 1] = L'\\';
                if (h == INVALID_HANDLE_VALUE)
                        continue;
                if (DeviceIoControl(h, IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS, NULL, 0, &ext,
                                    sizeof(ext), &got, NULL) &&
                    ext.NumberOfDiskExtents == 1 && ext.Extents[0].DiskNumber == n &&
                    (ULONGLONG)ext.Extents[0].StartingOffset.QuadPart == offset && k < len) {
                        wcscpy(vol, name);
                        found = TRUE;
                }
                CloseHandle(h);
        } while (!found && FindNextVolumeW(f, name, PREP_VOL_MAX));
        FindVolumeClose(f);
        if (!found)
                SetLastError(ERROR_FILE_NOT_FOUND);
        return found;
}

static BOOL WINAPI
os_info(const WCHAR *vol, WCHAR *label, DWORD llen, WCHAR *fs, DWORD flen)
{
        return GetVolumeInformationW(vol, label, llen, NULL, NULL, NULL, fs, flen);
}

static BOOL WINAPI
os_paths(const WCHAR *vol, WCHAR *buf, DWORD len, DWORD *got)
{
        return GetVolumePathNamesForVolumeNameW(vol, buf, len, got);
}

static BOOL WINAPI
os_mount(const WCHAR *mount_point, const WCHAR *vol)
{
        return SetVolumeMountPointW(mount_point, vol);
}

void
prep_seam_select(struct prep_seam *s, disk_ioctl_fn io)
{
        HMODULE m = GetModuleHandleW(L"iscsidsc.dll");
        void (*p)(void);

        s->ioctl = io;
        s->read = os_read;
        s->volume_of = os_volume_of;
        s->format = wmi_volume_format;
        s->info = os_info;
        s->paths = os_paths;
        s->mount = os_mount;
        if (m == NULL || GetProcAddress(m, "VaSimDiskRead") == NULL)
                return;
        /* the simulator (tests/wine/sim): all of them or none; through
         * void (*)(void), which any function pointer converts to */
        p = (void (*)(void))GetProcAddress(m, "VaSimDiskRead");
        s->read = (BOOL(WINAPI *)(const WCHAR *, ULONGLONG, void *, DWORD, DWORD *))p;
        p = (void (*)(void))GetProcAddress(m, "VaSimVolumeOf");
        if (p != NULL)
                s->volume_of = (BOOL(WINAPI *)(ULONG, ULONGLONG, WCHAR *, DWORD))p;
        p = (void (*)(void))GetProcAddress(m, "VaSimVolumeFormat");
        if (p != NULL)
                s->format = (ULONG(WINAPI *)(const WCHAR *, const WCHAR *, const WCHAR *))p;
        p = (void (*)(void))GetProcAddress(m, "VaSimVolumeInfo");
        if (p != NULL)
                s->info = (BOOL(WINAPI *)(const WCHAR *, WCHAR *, DWORD, WCHAR *, DWORD))p;
        p = (void (*)(void))GetProcAddress(m, "VaSimVolumePaths");
        if (p != NULL)
                s->paths = (BOOL(WINAPI *)(const WCHAR *, WCHAR *, DWORD, DWORD *))p;
        p = (void (*)(void))GetProcAddress(m, "VaSimSetVolumeMountPoint");
        if (p != NULL)
                s->mount = (BOOL(WINAPI *)(const WCHAR *, const WCHAR *))p;
}

/* "\\.\PhysicalDrive7" -> 7 */
static int
disk_number(const char *path, ULONG *n)
{
        const char *p = strstr(path, "PhysicalDrive");
        char *end = NULL;
        unsigned long v;

        if (p == NULL)
                return -1;
        v = strtoul(p + 13, &end, 10);
        if (end == p + 13 || *end != '\0')
                return -1;
        *n = (ULONG)v;
        return 0;
}

static void
guid_text(const GUID *g, char *buf, size_t len)
{
        (void)snprintf(buf, len, "%08lx-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                       (unsigned long)g->Data1, g->Data2, g->Data3, g->Data4[0], g->Data4[1],
                       g->Data4[2], g->Data4[3], g->Data4[4], g->Data4[5], g->Data4[6],
                       g->Data4[7]);
}

static void
lower_ascii(const WCHAR *w, char *out, size_t len)
{
        size_t i;

        for (i = 0; w[i] != 0 && i + 1 < len; i++)
                out[i] = (char)(w[i] >= L'A' && w[i] <= L'Z' ? w[i] - L'A' + L'a'
                                : w[i] < 0x80                ? w[i]
                                                             : L'?');
        out[i] = '\0';
}

static int
get_layout(const struct prep_seam *s, const WCHAR *w, DRIVE_LAYOUT_INFORMATION_EX *l, DWORD *e)
{
        DWORD got = 0;

        memset(l, 0, LAYOUT_ROOM);
        if (!s->ioctl(w, 0, IOCTL_DISK_GET_DRIVE_LAYOUT_EX, NULL, 0, l, (DWORD)LAYOUT_ROOM, &got) ||
            got < sizeof(DRIVE_LAYOUT_INFORMATION_EX) - sizeof(PARTITION_INFORMATION_EX)) {
                *e = GetLastError();
                return -1;
        }
        return 0;
}

static const PARTITION_INFORMATION_EX *
find_type(const DRIVE_LAYOUT_INFORMATION_EX *l, const GUID *type, DWORD *count)
{
        const PARTITION_INFORMATION_EX *hit = NULL;
        DWORD i;

        *count = 0;
        if (l->PartitionStyle != PARTITION_STYLE_GPT)
                return NULL;
        for (i = 0; i < l->PartitionCount && i < 128; i++)
                if (IsEqualGUID(&l->PartitionEntry[i].Gpt.PartitionType, type)) {
                        if (hit == NULL)
                                hit = &l->PartitionEntry[i];
                        (*count)++;
                }
        return hit;
}

/* 1 all zero, 0 not (at set), -1 unreadable (e set) */
static int
edge_zero(const struct prep_seam *s, const WCHAR *w, ULONGLONG off, DWORD len, ULONGLONG *at,
          DWORD *e)
{
        unsigned char *buf = malloc(len);
        DWORD got = 0, i;
        int r = 1;

        if (buf == NULL) {
                *e = ERROR_NOT_ENOUGH_MEMORY;
                return -1;
        }
        if (!s->read(w, off, buf, len, &got) || got != len) {
                *e = got != len && GetLastError() == 0 ? ERROR_HANDLE_EOF : GetLastError();
                r = -1;
        }
        for (i = 0; r == 1 && i < len; i++)
                if (buf[i] != 0) {
                        *at = off + i;
                        r = 0;
                }
        free(buf);
        return r;
}

/* What is on the disk, read only: its layout (RAW, or the GPT volattach
 * made with its one data partition, volume, label and filesystem) and the
 * first and last MiB. */
static int
probe(const struct prep_seam *s, const struct initiator_device *d, const WCHAR *w, ULONG n,
      DRIVE_LAYOUT_INFORMATION_EX *l, struct prepare_probe *p, WCHAR *vol, struct va_err *err)
{
        DWORD e = 0, cnt = 0, edge = d->size_bytes < MIB ? (DWORD)d->size_bytes : (DWORD)MIB;
        const PARTITION_INFORMATION_EX *data;
        ULONGLONG at = 0;
        int z1, z2;

        memset(p, 0, sizeof(*p));
        vol[0] = 0;
        if (get_layout(s, w, l, &e) < 0)
                return disk_win_error(err, d, "IOCTL_DISK_GET_DRIVE_LAYOUT_EX", e);
        if (l->PartitionStyle != PARTITION_STYLE_RAW) {
                p->signatures = 1;
                (void)snprintf(p->pttype, sizeof(p->pttype), "%s",
                               l->PartitionStyle == PARTITION_STYLE_GPT ? "gpt" : "dos");
                (void)snprintf(p->what, sizeof(p->what),
                               "%s partition table (partition style %s, %lu partitions)",
                               l->PartitionStyle == PARTITION_STYLE_GPT ? "a GPT" : "an MBR",
                               l->PartitionStyle == PARTITION_STYLE_GPT ? "GPT" : "MBR",
                               (unsigned long)l->PartitionCount);
        }
        data = find_type(l, &data_guid, &cnt);
        /* the MSR does not count: Windows puts it on every GPT disk */
        p->nparts = (int)cnt + (int)(l->PartitionStyle == PARTITION_STYLE_GPT
                                         ? l->PartitionCount - cnt -
                                               (find_type(l, &msr_guid, &e) != NULL ? 1 : 0)
                                         : l->PartitionCount);
        if (data != NULL && cnt == 1) {
                WCHAR label[64], fs[32];

                guid_text(&data->Gpt.PartitionId, p->part_uuid, sizeof(p->part_uuid));
                if (s->volume_of(n, (ULONGLONG)data->StartingOffset.QuadPart, vol, PREP_VOL_MAX) &&
                    s->info(vol, label, 64, fs, 32)) {
                        lower_ascii(fs, p->part_fs, sizeof(p->part_fs));
                        lower_ascii(label, p->part_label, sizeof(p->part_label));
                }
        }
        e = 0;
        z1 = edge_zero(s, w, 0, edge, &at, &e);
        z2 = z1 < 0 ? -1 : edge_zero(s, w, d->size_bytes - edge, edge, &at, &e);
        p->readable = z1 >= 0 && z2 >= 0;
        p->zero = z1 == 1 && z2 == 1;
        if (!p->readable)
                return disk_win_error(err, d, "reading the first and last MiB", e);
        if (p->signatures == 0 && !p->zero)
                (void)snprintf(p->what, sizeof(p->what), "non-zero bytes (at byte %llu)",
                               (unsigned long long)at);
        return 0;
}

static int
create_gpt(const struct prep_seam *s, const struct initiator_device *d, const WCHAR *w,
           struct va_err *err)
{
        CREATE_DISK c;
        DWORD got = 0;

        memset(&c, 0, sizeof(c));
        c.PartitionStyle = PARTITION_STYLE_GPT;
        if (CoCreateGuid(&c.Gpt.DiskId) != S_OK)
                return va_err_set(err, VA_E_IO, "%s: no GUID for the disk", d->path);
        c.Gpt.MaxPartitionCount = 128;
        if (!s->ioctl(w, GENERIC_READ | GENERIC_WRITE, IOCTL_DISK_CREATE_DISK, &c, sizeof(c), NULL,
                      0, &got))
                return disk_win_error(err, d, "IOCTL_DISK_CREATE_DISK (GPT)", GetLastError());
        return 0;
}

/* The MSR comes with a new GPT disk, not always at once (documented: the
 * partition manager adds it); the data partition goes after it. */
static int
wait_msr(const struct prep_seam *s, const struct initiator_device *d, const WCHAR *w,
         DRIVE_LAYOUT_INFORMATION_EX *l, struct va_err *err)
{
        unsigned waited = 0;
        DWORD e = 0, cnt = 0;

        for (;;) {
                if (get_layout(s, w, l, &e) < 0)
                        return disk_win_error(err, d, "IOCTL_DISK_GET_DRIVE_LAYOUT_EX", e);
                if (l->PartitionStyle != PARTITION_STYLE_GPT)
                        return va_err_set(err, VA_E_IO,
                                          "%s: IOCTL_DISK_CREATE_DISK succeeded but the disk "
                                          "is not GPT",
                                          d->path);
                if (find_type(l, &msr_guid, &cnt) != NULL)
                        return 0;
                if (waited >= MSR_WAIT_MS)
                        return va_err_set(err, VA_E_TIMEOUT,
                                          "%s: no Microsoft Reserved Partition %u ms after "
                                          "IOCTL_DISK_CREATE_DISK",
                                          d->path, MSR_WAIT_MS);
                plat_sleep_ms(100);
                waited += 100;
        }
}

static int
add_data_partition(const struct prep_seam *s, const struct initiator_device *d, const WCHAR *w,
                   DRIVE_LAYOUT_INFORMATION_EX *l, GUID *id, ULONGLONG *offset, struct va_err *err)
{
        const PARTITION_INFORMATION_EX *msr;
        PARTITION_INFORMATION_EX *np;
        ULONGLONG start, end;
        DWORD got = 0, cnt = 0, i;
        DWORD bytes;

        msr = find_type(l, &msr_guid, &cnt);
        if (msr == NULL)
                return va_err_set(err, VA_E_IO, "%s: the MSR is gone", d->path);
        start = ((ULONGLONG)msr->StartingOffset.QuadPart +
                 (ULONGLONG)msr->PartitionLength.QuadPart + MIB - 1) /
                MIB * MIB;
        end = ((ULONGLONG)l->Gpt.StartingUsableOffset.QuadPart +
               (ULONGLONG)l->Gpt.UsableLength.QuadPart) /
              MIB * MIB;
        if (end <= start + MIB)
                return va_err_set(err, VA_E_TOOBIG, "%s: no room after the MSR", d->path);
        if (l->PartitionCount >= 128)
                return va_err_set(err, VA_E_TOOBIG, "%s: partition table full", d->path);
        if (CoCreateGuid(id) != S_OK)
                return va_err_set(err, VA_E_IO, "%s: no GUID for the partition", d->path);
        for (i = 0; i < l->PartitionCount; i++)
                l->PartitionEntry[i].RewritePartition = FALSE;
        np = &l->PartitionEntry[l->PartitionCount];
        memset(np, 0, sizeof(*np));
        np->PartitionStyle = PARTITION_STYLE_GPT;
        np->StartingOffset.QuadPart = (LONGLONG)start;
        np->PartitionLength.QuadPart = (LONGLONG)(end - start);
        np->PartitionNumber = l->PartitionCount + 1;
        np->RewritePartition = TRUE;
        np->Gpt.PartitionType = data_guid;
        np->Gpt.PartitionId = *id;
        np->Gpt.Attributes = 0;
        wcscpy(np->Gpt.Name, L"volattach");
        l->PartitionCount++;
        bytes = (DWORD)(offsetof(DRIVE_LAYOUT_INFORMATION_EX, PartitionEntry) +
                        l->PartitionCount * sizeof(PARTITION_INFORMATION_EX));
        if (!s->ioctl(w, GENERIC_READ | GENERIC_WRITE, IOCTL_DISK_SET_DRIVE_LAYOUT_EX, l, bytes,
                      NULL, 0, &got))
                return disk_win_error(err, d, "IOCTL_DISK_SET_DRIVE_LAYOUT_EX", GetLastError());
        /* documented: makes the disk driver re-read its partition table */
        if (!s->ioctl(w, GENERIC_READ | GENERIC_WRITE, IOCTL_DISK_UPDATE_PROPERTIES, NULL, 0, NULL,
                      0, &got))
                return disk_win_error(err, d, "IOCTL_DISK_UPDATE_PROPERTIES", GetLastError());
        *offset = start;
        return 0;
}

/* The documented ReturnValues of MSFT_Volume.Format. */
static const char *
format_result(ULONG r)
{
        switch (r) {
        case 1:
                return "Not Supported";
        case 2:
                return "Unspecified Error";
        case 3:
                return "Timeout";
        case 4:
                return "Failed";
        case 5:
                return "Invalid Parameter";
        case 40001:
                return "Access denied";
        case 40002:
                return "There are not enough resources to complete the operation";
        case 42002:
                return "The volume is not formattable (or the disk is offline)";
        default:
                return "see MSFT_Volume.Format";
        }
}

int
prep_disk_prepare(const struct prep_seam *s, const struct initiator_device *d,
                  const struct prepare_request *rq, struct prepare_outcome *ret, struct va_err *err)
{
        DRIVE_LAYOUT_INFORMATION_EX *l = calloc(1, LAYOUT_ROOM);
        struct prepare_probe p;
        WCHAR *w = win_utf16(d->path), vol[PREP_VOL_MAX], label[64], fs[32];
        ULONGLONG offset = 0;
        unsigned waited = 0;
        ULONG n = 0, fr;
        GUID id;
        int r = 0;

        memset(ret, 0, sizeof(*ret));
        ret->action = PREPARE_REFUSE;
        if (l == NULL || w == NULL || disk_number(d->path, &n) < 0) {
                r = va_err_set(err, VA_E_INVAL, "%s: not a \\\\.\\PhysicalDriveN", d->path);
                goto out;
        }
        if (rq->read_only || d->read_only || d->online < 0) {
                (void)snprintf(ret->why, sizeof(ret->why), "the disk is %s",
                               d->online < 0 ? "offline" : "read-only");
                goto out;
        }
        r = probe(s, d, w, n, l, &p, vol, err);
        if (r < 0)
                goto out;
        ret->action = prepare_decide(&p, rq, ret->why, sizeof(ret->why));
        if (ret->action == PREPARE_REFUSE)
                goto out;
        if (ret->action == PREPARE_MOUNT) {
                (void)snprintf(ret->uuid, sizeof(ret->uuid), "%s", p.part_uuid);
                (void)WideCharToMultiByte(CP_UTF8, 0, vol, -1, ret->partition,
                                          (int)sizeof(ret->partition), NULL, NULL);
                goto out;
        }
        va_log(VA_LOG_NOTICE, "volume %s: %s is RAW and blank: GPT and NTFS", rq->volume_id,
               d->path);
        r = create_gpt(s, d, w, err);
        if (r == 0)
                r = wait_msr(s, d, w, l, err);
        if (r == 0)
                r = add_data_partition(s, d, w, l, &id, &offset, err);
        if (r < 0)
                goto out;
        guid_text(&id, ret->uuid, sizeof(ret->uuid));
        while (!s->volume_of(n, offset, vol, PREP_VOL_MAX)) {
                if (waited >= VOL_WAIT_MS) {
                        r = va_err_set(err, VA_E_TIMEOUT,
                                       "%s: no volume on the new partition after %u ms", d->path,
                                       VOL_WAIT_MS);
                        goto out;
                }
                plat_sleep_ms(100);
                waited += 100;
        }
        (void)WideCharToMultiByte(CP_UTF8, 0, vol, -1, ret->partition, (int)sizeof(ret->partition),
                                  NULL, NULL);
        fr = s->format(vol, L"NTFS", L"" PREPARE_LABEL);
        if (fr != 0) {
                r = va_err_setn(err, VA_E_IO, (long)fr,
                                "%s: MSFT_Volume.Format (NTFS) of %s returned %lu (%s); the "
                                "disk has volattach's GPT and no filesystem",
                                d->path, ret->partition, (unsigned long)fr, format_result(fr));
                goto out;
        }
        if (!s->info(vol, label, 64, fs, 32) || _wcsicmp(fs, L"NTFS") != 0 ||
            wcscmp(label, L"" PREPARE_LABEL) != 0) {
                r = va_err_set(err, VA_E_IO,
                               "%s: after MSFT_Volume.Format the volume %s is not NTFS labelled "
                               "%s",
                               d->path, ret->partition, PREPARE_LABEL);
                goto out;
        }
out:
        free(w);
        free(l);
        return r;
}

int
prep_disk_mount(const struct prep_seam *s, const struct initiator_device *d,
                const struct prepare_request *rq, struct prepare_outcome *ret, struct va_err *err)
{
        WCHAR where[PREPARE_MOUNT_MAX + 2], vol[PREP_VOL_MAX], *paths = NULL, *q;
        DWORD got = 0;
        int r = 0;

        if (rq->spec->letter)
                (void)swprintf(where, PREPARE_MOUNT_MAX, L"%c:\\", rq->spec->letter);
        else if (rq->spec->mount[0] &&
                 MultiByteToWideChar(CP_UTF8, 0, rq->spec->mount, -1, where, PREPARE_MOUNT_MAX) > 0)
                wcscat(where, L"\\"); /* a mount point ends in a backslash */
        else
                return 0;
        if (MultiByteToWideChar(CP_UTF8, 0, ret->partition, -1, vol, PREP_VOL_MAX) <= 0)
                return va_err_set(err, VA_E_INVAL, "%s: no volume", d->path);
        paths = calloc(PREP_PATHS, sizeof(WCHAR));
        if (paths == NULL)
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        if (s->paths(vol, paths, PREP_PATHS, &got))
                for (q = paths; *q; q += wcslen(q) + 1)
                        if (_wcsicmp(q, where) == 0)
                                goto mounted; /* a rerun: already there */
        if (!rq->spec->letter && !CreateDirectoryW(where, NULL) &&
            GetLastError() != ERROR_ALREADY_EXISTS) {
                r = disk_win_error(err, d, "CreateDirectoryW (the mount folder)", GetLastError());
                goto out;
        }
        if (!s->mount(where, vol)) {
                r = disk_win_error(err, d, "SetVolumeMountPointW", GetLastError());
                goto out;
        }
mounted:
        if (rq->spec->letter)
                (void)snprintf(ret->mounted_at, sizeof(ret->mounted_at), "%c:\\", rq->spec->letter);
        else
                (void)snprintf(ret->mounted_at, sizeof(ret->mounted_at), "%s\\", rq->spec->mount);
out:
        free(paths);
        return r;
}
