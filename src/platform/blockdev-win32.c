/* SPDX-License-Identifier: Apache-2.0 */
/* Windows: config-drive candidates as cloudbase-init finds them (a volume
 * labelled config-2 with a drive letter, then raw disks and partitions,
 * where Ironic's partition has no letter), and raw read-only access to a
 * disk, a partition inside it, or an image file. */
#include <windows.h>
#include <winioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ascii.h"
#include "base/log.h"
#include "base/strlist.h"
#include "platform/platform.h"
#include "platform/win32-util.h"

#define RAW_ALIGN 4096u /* a multiple of every sector size in use */
#define MAX_DISKS 32
#define MAX_PARTS 128

/* Drive letters whose volume label is config-2 (any case). */
static int
lettered(char ***list, size_t *n)
{
        wchar_t drives[512], *d;
        DWORD len = GetLogicalDriveStringsW(sizeof(drives) / sizeof(drives[0]), drives);

        if (len == 0 || len >= sizeof(drives) / sizeof(drives[0]))
                return 0;
        for (d = drives; *d != 0; d += wcslen(d) + 1) {
                wchar_t label[MAX_PATH + 1];
                char *root, *u;
                UINT type = GetDriveTypeW(d);

                if (type == DRIVE_REMOTE || type == DRIVE_NO_ROOT_DIR)
                        continue;
                if (!GetVolumeInformationW(d, label, MAX_PATH + 1, NULL, NULL, NULL, NULL, 0))
                        continue; /* e.g. an empty CD drive */
                u = win_utf8(label);
                if (u != NULL && ascii_ieq(u, "config-2")) {
                        root = win_utf8(d);
                        if (root == NULL || strlist_add(list, n, root) < 0) {
                                free(root);
                                free(u);
                                return -VA_E_NOMEM;
                        }
                        va_log(VA_LOG_DEBUG, "config drive candidate %s (label %s)", root, u);
                        free(root);
                }
                free(u);
        }
        return 0;
}

/* Every partition of every physical disk, as "\\.\PhysicalDriveN@OFF+LEN",
 * then the whole disks: the reader checks the filesystem and its label. */
static int
raw(char ***list, size_t *n)
{
        unsigned disk;

        for (disk = 0; disk < MAX_DISKS; disk++) {
                wchar_t name[64];
                char cname[64];
                HANDLE h;
                DWORD got = 0, sz = sizeof(DRIVE_LAYOUT_INFORMATION_EX) +
                                    MAX_PARTS * sizeof(PARTITION_INFORMATION_EX);
                DRIVE_LAYOUT_INFORMATION_EX *lay;
                DWORD p;

                (void)_snwprintf(name, 64, L"\\\\.\\PhysicalDrive%u", disk);
                name[63] = 0;
                h = CreateFileW(name, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                                OPEN_EXISTING, 0, NULL);
                if (h == INVALID_HANDLE_VALUE)
                        continue;
                (void)snprintf(cname, sizeof(cname), "\\\\.\\PhysicalDrive%u", disk);
                lay = malloc(sz);
                if (lay != NULL && DeviceIoControl(h, IOCTL_DISK_GET_DRIVE_LAYOUT_EX, NULL, 0, lay,
                                                   sz, &got, NULL)) {
                        for (p = 0; p < lay->PartitionCount && p < MAX_PARTS; p++) {
                                PARTITION_INFORMATION_EX *pi = &lay->PartitionEntry[p];
                                char cand[128];

                                if (pi->PartitionLength.QuadPart == 0)
                                        continue;
                                (void)snprintf(cand, sizeof(cand), "%s@%lld+%lld", cname,
                                               (long long)pi->StartingOffset.QuadPart,
                                               (long long)pi->PartitionLength.QuadPart);
                                if (strlist_add(list, n, cand) < 0) {
                                        free(lay);
                                        CloseHandle(h);
                                        return -VA_E_NOMEM;
                                }
                        }
                }
                free(lay);
                CloseHandle(h);
                /* an ISO written to a whole disk has no partition table */
                if (strlist_add(list, n, cname) < 0)
                        return -VA_E_NOMEM;
        }
        return 0;
}

int
plat_configdrive_candidates(char ***ret, size_t *ret_n, struct va_err *err)
{
        char **list = NULL;
        size_t n = 0;

        if (lettered(&list, &n) < 0 || raw(&list, &n) < 0) {
                plat_string_list_free(list, n);
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        }
        *ret = list;
        *ret_n = n;
        return 0;
}

struct plat_blockdev {
        HANDLE h;
        uint64_t base; /* partition start within the disk */
        uint64_t size;
        unsigned char *bounce;
};

/* Raw disks take only sector-aligned reads: read the aligned span through a
 * bounce buffer and copy the part asked for. */
int
plat_blockdev_read_at(struct plat_blockdev *d, uint64_t offset, void *buf, size_t len)
{
        unsigned char *out = buf;

        while (len > 0) {
                uint64_t abs = d->base + offset;
                uint64_t start = abs - abs % RAW_ALIGN;
                size_t skip = (size_t)(abs - start), take;
                OVERLAPPED ov;
                DWORD got = 0;

                memset(&ov, 0, sizeof(ov));
                ov.Offset = (DWORD)(start & 0xffffffffu);
                ov.OffsetHigh = (DWORD)(start >> 32);
                if (!ReadFile(d->h, d->bounce, 16 * RAW_ALIGN, &got, &ov) || got <= skip)
                        return -VA_E_IO;
                take = got - skip;
                if (take > len)
                        take = len;
                memcpy(out, d->bounce + skip, take);
                out += take;
                offset += take;
                len -= take;
        }
        return 0;
}

int
plat_blockdev_open(const char *path, struct plat_blockdev **ret, struct va_err *err)
{
        char name[512];
        const char *at = strchr(path, '@');
        long long off = 0, len = -1;
        struct plat_blockdev *d;
        wchar_t *w;
        HANDLE h;
        int n;

        *ret = NULL;
        if (at != NULL) {
                if (sscanf(at + 1, "%lld+%lld", &off, &len) != 2 || off < 0 || len <= 0)
                        return va_err_set(err, VA_E_INVAL, "%s: bad partition suffix", path);
                n = snprintf(name, sizeof(name), "%.*s", (int)(at - path), path);
        } else {
                n = snprintf(name, sizeof(name), "%s", path);
        }
        if (n < 0 || (size_t)n >= sizeof(name))
                return va_err_set(err, VA_E_INVAL, "%.64s...: device path longer than %zu bytes",
                                  path, sizeof(name) - 1);
        w = win_utf16(name);
        if (w == NULL)
                return va_err_set(err, VA_E_INVAL, "%s: not a valid UTF-8 path", path);
        h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0,
                        NULL);
        free(w);
        if (h == INVALID_HANDLE_VALUE) {
                char msg[300];
                DWORD e = GetLastError();

                return va_err_setn(err, e == ERROR_FILE_NOT_FOUND ? VA_E_NOTFOUND : VA_E_IO,
                                   (long)e, "%s: cannot open read-only: %s", path,
                                   win_strerror(e, msg, sizeof(msg)));
        }
        /* a named pipe or a console where a drive is expected would block
         * in ReadFile: only disks and image files are read */
        if (GetFileType(h) != FILE_TYPE_DISK) {
                CloseHandle(h);
                return va_err_set(err, VA_E_IO, "%s: not a block device or image file", path);
        }
        if (len < 0) {
                GET_LENGTH_INFORMATION gl;
                LARGE_INTEGER fsz;
                DWORD got = 0;

                if (DeviceIoControl(h, IOCTL_DISK_GET_LENGTH_INFO, NULL, 0, &gl, sizeof(gl), &got,
                                    NULL))
                        len = gl.Length.QuadPart;
                else if (GetFileSizeEx(h, &fsz))
                        len = fsz.QuadPart;
                else
                        len = 0;
        }
        d = calloc(1, sizeof(*d));
        if (d != NULL)
                d->bounce =
                    VirtualAlloc(NULL, 16 * RAW_ALIGN, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
        if (d == NULL || d->bounce == NULL) {
                free(d);
                CloseHandle(h);
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        }
        d->h = h;
        d->base = (uint64_t)off;
        d->size = (uint64_t)len;
        *ret = d;
        return 0;
}

uint64_t
plat_blockdev_size(const struct plat_blockdev *d)
{
        return d->size;
}

void
plat_blockdev_close(struct plat_blockdev *d)
{
        if (d == NULL)
                return;
        VirtualFree(d->bounce, 0, MEM_RELEASE);
        CloseHandle(d->h);
        free(d);
}
