/* SPDX-License-Identifier: Apache-2.0 */
/* Disk attributes, layout and identity of an iSCSI disk on Windows
 * (iscsidsc-disk.h). Every call goes through one disk_ioctl_fn. */
#include <windows.h>
#include <winioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/iscsidsc-disk.h"
#include "platform/win32-util.h"

/* IOCTL_DISK_GET/SET_DISK_ATTRIBUTES and their structures, as the SDK's
 * winioctl.h has them (Windows 7 / 2008 R2 and later); mingw-w64 10 lacks
 * them. CTL_CODE(IOCTL_DISK_BASE, 0x3c, METHOD_BUFFERED, FILE_ANY_ACCESS)
 * and CTL_CODE(IOCTL_DISK_BASE, 0x3d, METHOD_BUFFERED, FILE_READ_ACCESS |
 * FILE_WRITE_ACCESS). */
#define VA_IOCTL_DISK_GET_DISK_ATTRIBUTES 0x000700F0u
#define VA_IOCTL_DISK_SET_DISK_ATTRIBUTES 0x0007C0F4u
#define VA_DISK_ATTRIBUTE_OFFLINE         0x0000000000000001ull
#define VA_DISK_ATTRIBUTE_READ_ONLY       0x0000000000000002ull

typedef struct {
        DWORD Version; /* sizeof the structure */
        DWORD Reserved1;
        DWORDLONG Attributes;
} VA_GET_DISK_ATTRIBUTES;
_Static_assert(sizeof(VA_GET_DISK_ATTRIBUTES) == 16, "GET_DISK_ATTRIBUTES is 16 bytes");

typedef struct {
        DWORD Version; /* sizeof the structure */
        BOOLEAN Persist;
        BYTE Reserved1[3];
        DWORDLONG Attributes;
        DWORDLONG AttributesMask;
        DWORD Reserved2[4];
} VA_SET_DISK_ATTRIBUTES;
_Static_assert(sizeof(VA_SET_DISK_ATTRIBUTES) == 40, "SET_DISK_ATTRIBUTES is 40 bytes");

/* a GPT disk has up to 128 entries by default; more is reported as "too
 * small" and the style stays unknown */
#define LAYOUT_BYTES (sizeof(DRIVE_LAYOUT_INFORMATION_EX) + 128 * sizeof(PARTITION_INFORMATION_EX))

static BOOL WINAPI
disk_ioctl_os(const WCHAR *path, DWORD access, DWORD code, void *in, DWORD inlen, void *out,
              DWORD outlen, DWORD *got)
{
        HANDLE h = CreateFileW(path, access, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                               OPEN_EXISTING, 0, NULL);
        DWORD e;
        BOOL ok;

        if (h == INVALID_HANDLE_VALUE)
                return FALSE;
        ok = DeviceIoControl(h, code, in, inlen, out, outlen, got, NULL);
        e = GetLastError();
        CloseHandle(h);
        SetLastError(e);
        return ok;
}

disk_ioctl_fn
disk_io_select(void)
{
        HMODULE m = GetModuleHandleW(L"iscsidsc.dll");
        /* through void (*)(void), which any function pointer converts to */
        void (*p)(void) = m != NULL ? (void (*)(void))GetProcAddress(m, "VaSimDiskIoctl") : NULL;

        return p != NULL ? (disk_ioctl_fn)p : disk_ioctl_os;
}

static int
io_error(struct va_err *err, const struct initiator_device *d, const char *what, DWORD e)
{
        char msg[300];

        (void)win_strerror(e, msg, sizeof(msg));
        if (e == ERROR_ACCESS_DENIED)
                return va_err_setn(err, VA_E_PERM, (long)e,
                                   "%s: %s: %s (volattach must run as administrator)", d->path,
                                   what, msg);
        return va_err_setn(err, VA_E_IO, (long)e, "%s: %s: %s", d->path, what, msg);
}

static int
get_attributes(disk_ioctl_fn io, const WCHAR *w, DWORDLONG *attrs, DWORD *e)
{
        VA_GET_DISK_ATTRIBUTES g;
        DWORD got = 0;

        memset(&g, 0, sizeof(g));
        /* FILE_ANY_ACCESS: a handle without access rights is enough */
        if (!io(w, 0, VA_IOCTL_DISK_GET_DISK_ATTRIBUTES, NULL, 0, &g, sizeof(g), &got) ||
            got < sizeof(g)) {
                *e = GetLastError();
                return -1;
        }
        *attrs = g.Attributes;
        return 0;
}

static int
set_attributes(disk_ioctl_fn io, const WCHAR *w, BOOLEAN persist, DWORDLONG attrs, DWORDLONG mask,
               DWORD *e)
{
        VA_SET_DISK_ATTRIBUTES a;
        DWORD got = 0;

        memset(&a, 0, sizeof(a));
        a.Version = sizeof(a);
        a.Persist = persist;
        a.Attributes = attrs;
        a.AttributesMask = mask;
        if (!io(w, GENERIC_READ | GENERIC_WRITE, VA_IOCTL_DISK_SET_DISK_ATTRIBUTES, &a, sizeof(a),
                NULL, 0, &got)) {
                *e = GetLastError();
                return -1;
        }
        return 0;
}

static void
attributes_into(DWORDLONG attrs, struct initiator_device *d)
{
        d->online = (attrs & VA_DISK_ATTRIBUTE_OFFLINE) ? -1 : 1;
        d->read_only = (attrs & VA_DISK_ATTRIBUTE_READ_ONLY) != 0;
}

static void
layout_into(disk_ioctl_fn io, const WCHAR *w, struct initiator_device *d)
{
        DRIVE_LAYOUT_INFORMATION_EX *l = calloc(1, LAYOUT_BYTES);
        DWORD got = 0;

        if (l == NULL)
                return;
        if (io(w, 0, IOCTL_DISK_GET_DRIVE_LAYOUT_EX, NULL, 0, l, (DWORD)LAYOUT_BYTES, &got) &&
            got >= offsetof(DRIVE_LAYOUT_INFORMATION_EX, PartitionCount))
                (void)snprintf(d->partition_style, sizeof(d->partition_style), "%s",
                               l->PartitionStyle == PARTITION_STYLE_MBR   ? "mbr"
                               : l->PartitionStyle == PARTITION_STYLE_GPT ? "gpt"
                               : l->PartitionStyle == PARTITION_STYLE_RAW ? "raw"
                                                                          : "");
        free(l);
}

void
disk_details(disk_ioctl_fn io, struct initiator_device *d)
{
        wchar_t *w = win_utf16(d->path);
        GET_LENGTH_INFORMATION gl;
        STORAGE_PROPERTY_QUERY q;
        union {
                STORAGE_DEVICE_DESCRIPTOR dd;
                char raw[1024];
        } desc;
        DWORDLONG attrs = 0;
        DWORD got = 0, e = 0;

        if (w == NULL)
                return;
        if (io(w, 0, IOCTL_DISK_GET_LENGTH_INFO, NULL, 0, &gl, sizeof(gl), &got))
                d->size_bytes = (uint64_t)gl.Length.QuadPart;
        memset(&q, 0, sizeof(q));
        q.PropertyId = StorageDeviceProperty;
        q.QueryType = PropertyStandardQuery;
        if (io(w, 0, IOCTL_STORAGE_QUERY_PROPERTY, &q, sizeof(q), &desc, sizeof(desc), &got) &&
            desc.dd.SerialNumberOffset != 0 && desc.dd.SerialNumberOffset < got) {
                const char *sn = desc.raw + desc.dd.SerialNumberOffset;
                size_t i, o = 0;

                for (i = 0; desc.dd.SerialNumberOffset + i < got && sn[i] != '\0' &&
                            o + 1 < sizeof(d->serial);
                     i++)
                        if (sn[i] > 0x20 && sn[i] < 0x7f)
                                d->serial[o++] = sn[i];
                d->serial[o] = '\0';
        }
        if (get_attributes(io, w, &attrs, &e) == 0)
                attributes_into(attrs, d);
        layout_into(io, w, d);
        free(w);
}

int
disk_online(disk_ioctl_fn io, struct initiator_device *d, int read_only, struct va_err *err)
{
        const DWORDLONG mask = VA_DISK_ATTRIBUTE_OFFLINE | VA_DISK_ATTRIBUTE_READ_ONLY;
        DWORDLONG want = read_only ? VA_DISK_ATTRIBUTE_READ_ONLY : 0, attrs = 0;
        wchar_t *w = win_utf16(d->path);
        DWORD e = 0;
        int r = 0;

        if (w == NULL)
                return va_err_set(err, VA_E_INVAL, "bad device path");
        /* Set even when the attributes already look right: only a persisted
         * set keeps the disk online after the next boot, whatever the SAN
         * policy says of new disks (docs/windows.md). One call changes both
         * bits, so an ro disk is never online and writable in between. */
        if (set_attributes(io, w, TRUE, want, mask, &e) < 0)
                r = io_error(err, d,
                             read_only ? "IOCTL_DISK_SET_DISK_ATTRIBUTES (online, read-only)"
                                       : "IOCTL_DISK_SET_DISK_ATTRIBUTES (online, writable)",
                             e);
        else if (get_attributes(io, w, &attrs, &e) < 0)
                r = io_error(err, d, "IOCTL_DISK_GET_DISK_ATTRIBUTES", e);
        free(w);
        if (r < 0)
                return r;
        attributes_into(attrs, d);
        if (attrs & VA_DISK_ATTRIBUTE_OFFLINE)
                return va_err_set(err, VA_E_IO,
                                  "%s stays offline: IOCTL_DISK_SET_DISK_ATTRIBUTES cleared "
                                  "DISK_ATTRIBUTE_OFFLINE, and the disk still reports it",
                                  d->path);
        if ((attrs & VA_DISK_ATTRIBUTE_READ_ONLY) != want)
                return va_err_set(err, VA_E_IO,
                                  "%s stays %s: IOCTL_DISK_SET_DISK_ATTRIBUTES %s "
                                  "DISK_ATTRIBUTE_READ_ONLY, and the disk reports otherwise",
                                  d->path, read_only ? "writable" : "read-only",
                                  read_only ? "set" : "cleared");
        return 0;
}

int
disk_set_readonly(disk_ioctl_fn io, const struct initiator_device *d, struct va_err *err)
{
        wchar_t *w = win_utf16(d->path);
        DWORD e = 0;
        int r = 0;

        if (w == NULL)
                return va_err_set(err, VA_E_INVAL, "bad device path");
        /* not persisted: volattach sets it again at every boot, and a
         * persisted flag would outlive the volume's read-only attachment */
        if (set_attributes(io, w, FALSE, VA_DISK_ATTRIBUTE_READ_ONLY, VA_DISK_ATTRIBUTE_READ_ONLY,
                           &e) < 0)
                r = io_error(err, d, "read-only", e);
        free(w);
        return r;
}
