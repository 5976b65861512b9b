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

/* A sim export by name, through void (*)(void), which any function
 * pointer converts to. */
static void (*sim_proc(HMODULE m, const char *name))(void)
{
        return m != NULL ? (void (*)(void))GetProcAddress(m, name) : NULL;
}

void
disk_seam_select(struct disk_seam *s)
{
        HMODULE m = GetModuleHandleW(L"iscsidsc.dll");
        void (*io)(void) = sim_proc(m, "VaSimDiskIoctl");

        s->ioctl = disk_ioctl_os;
        s->first_volume = FindFirstVolumeW;
        s->next_volume = FindNextVolumeW;
        s->volume_close = FindVolumeClose;
        s->volume_paths = GetVolumePathNamesForVolumeNameW;
        if (io == NULL)
                return;
        s->ioctl = (disk_ioctl_fn)io;
        /* the simulator's volumes come with its disks, or not at all */
        s->first_volume = (disk_first_volume_fn)sim_proc(m, "VaSimFindFirstVolumeW");
        s->next_volume = (disk_next_volume_fn)sim_proc(m, "VaSimFindNextVolumeW");
        s->volume_close = (disk_volume_close_fn)sim_proc(m, "VaSimFindVolumeClose");
        s->volume_paths =
            (disk_volume_paths_fn)sim_proc(m, "VaSimGetVolumePathNamesForVolumeNameW");
}

int
disk_win_error(struct va_err *err, const struct initiator_device *d, const char *what, DWORD e)
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

/* --- identity: VPD page 0x83 (IOCTL_STORAGE_QUERY_PROPERTY) ------------- */

/* Which LU designator names the disk, best first: NAA, EUI-64, SCSI name
 * string, T10 vendor id (the order the Linux kernel's wwid attribute and
 * scsi_id take them in); 0 for one that does not name the LU. */
static int
designator_rank(const STORAGE_IDENTIFIER *id)
{
        if (id->Association != StorageIdAssocDevice)
                return 0; /* a port's or a target's, not the LU's */
        switch (id->Type) {
        case StorageIdTypeFCPHName:
                return id->CodeSet == StorageIdCodeSetBinary ? 4 : 0;
        case StorageIdTypeEUI64:
                return id->CodeSet == StorageIdCodeSetBinary ? 3 : 0;
        case StorageIdTypeScsiNameString:
                return id->CodeSet != StorageIdCodeSetBinary ? 2 : 0;
        case StorageIdTypeVendorId:
                return id->CodeSet != StorageIdCodeSetBinary ? 1 : 0;
        default:
                return 0;
        }
}

/* The designator as text: hex digits for a binary one (upper or lower
 * case), else its printable characters with each run of blanks as one '_'
 * (scsi_id's form), never a '\' (a registry key name cannot hold one). */
static void
designator_text(const STORAGE_IDENTIFIER *id, int upper, char *out, size_t cap)
{
        const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
        size_t i, o = 0;
        int blank = 0;

        for (i = 0; i < id->IdentifierSize && o + 3 < cap; i++) {
                unsigned char c = id->Identifier[i];

                if (id->CodeSet == StorageIdCodeSetBinary) {
                        out[o++] = digits[c >> 4];
                        out[o++] = digits[c & 15];
                } else if (c == 0) {
                        break;
                } else if (c <= 0x20 || c >= 0x7f || c == '\\') {
                        blank = o > 0;
                } else {
                        if (blank)
                                out[o++] = '_';
                        blank = 0;
                        out[o++] = (char)c;
                }
        }
        out[o] = '\0';
}

/* d->unique_id as Get-Disk's UniqueId shows it (the designator: hex in
 * capitals for NAA and EUI-64), and d->wwid in the one form the Linux
 * backend reports too, multipath-tools' ("3" + NAA hex, "2" + EUI-64,
 * "8" + SCSI name, "1" + T10 id). */
static void
identity_into(disk_ioctl_fn io, const WCHAR *w, struct initiator_device *d)
{
        static const char type_digit[] = { 0, '1', '2', '3', 0, 0, 0, 0, '8' };
        const size_t head = offsetof(STORAGE_DEVICE_ID_DESCRIPTOR, Identifiers);
        const size_t idhead = offsetof(STORAGE_IDENTIFIER, Identifier);
        STORAGE_PROPERTY_QUERY q;
        union {
                STORAGE_DEVICE_ID_DESCRIPTOR dd;
                char raw[1024];
        } u;
        const STORAGE_IDENTIFIER *best = NULL;
        DWORD got = 0, i;
        size_t off = head;
        int rank = 0;
        char text[sizeof(d->unique_id)];

        memset(&q, 0, sizeof(q));
        q.PropertyId = StorageDeviceIdProperty;
        q.QueryType = PropertyStandardQuery;
        if (!io(w, 0, IOCTL_STORAGE_QUERY_PROPERTY, &q, sizeof(q), &u, sizeof(u), &got) ||
            got < head || got > sizeof(u))
                return;
        /* each identifier says where the next begins (NextOffset, from its
         * own start); none may reach past what the call returned */
        for (i = 0; i < u.dd.NumberOfIdentifiers && off + idhead <= got; i++) {
                const STORAGE_IDENTIFIER *id = (const STORAGE_IDENTIFIER *)(u.raw + off);

                if (off + idhead + id->IdentifierSize > got)
                        break;
                if (designator_rank(id) > rank) {
                        rank = designator_rank(id);
                        best = id;
                }
                if (id->NextOffset == 0)
                        break;
                off += id->NextOffset;
        }
        if (best == NULL || best->IdentifierSize == 0)
                return;
        designator_text(best, 1, d->unique_id, sizeof(d->unique_id));
        designator_text(best, 0, text, sizeof(text));
        (void)snprintf(d->wwid, sizeof(d->wwid), "%c%s", type_digit[best->Type], text);
}

/* --- volumes: FindFirstVolumeW, their disk extents, their paths ---------- */

/* 1 when the volume has an extent on disk number n. */
static int
volume_on_disk(const struct disk_seam *s, const WCHAR *volume, unsigned long n)
{
        WCHAR path[MAX_PATH];
        VOLUME_DISK_EXTENTS one, *v = &one;
        DWORD got = 0, i, count;
        size_t len = wcslen(volume);
        int on = 0;

        /* the GUID path ends in '\'; CreateFileW opens the volume itself
         * only without it (documented) */
        if (len < 2 || len >= MAX_PATH)
                return 0;
        memcpy(path, volume, len * sizeof(WCHAR));
        path[volume[len - 1] == L'\\' ? len - 1 : len] = 0;
        if (!s->ioctl(path, 0, IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS, NULL, 0, &one, sizeof(one),
                      &got)) {
                /* a volume over several disks (a spanned or mirrored dynamic
                 * volume): the first part says how many extents */
                if (GetLastError() != ERROR_MORE_DATA || one.NumberOfDiskExtents < 2 ||
                    one.NumberOfDiskExtents > 64)
                        return 0; /* not on a disk (a CD, a RAM disk) or gone */
                count = one.NumberOfDiskExtents;
                v = calloc(1, sizeof(*v) + count * sizeof(DISK_EXTENT));
                if (v == NULL)
                        return 0;
                if (!s->ioctl(path, 0, IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS, NULL, 0, v,
                              (DWORD)(sizeof(*v) + count * sizeof(DISK_EXTENT)), &got)) {
                        free(v);
                        return 0;
                }
        }
        for (i = 0; i < v->NumberOfDiskExtents && i < 64 &&
                    offsetof(VOLUME_DISK_EXTENTS, Extents) + (i + 1) * sizeof(DISK_EXTENT) <= got;
             i++)
                if (v->Extents[i].DiskNumber == n)
                        on = 1;
        if (v != &one)
                free(v);
        return on;
}

/* Appends "<volume>|<path>|<path>..." as one line of d->volumes; a volume
 * that does not fit whole is left out. */
static void
volume_append(const struct disk_seam *s, const WCHAR *volume, struct initiator_device *d)
{
        WCHAR small[512], *paths = small;
        DWORD needed = 0;
        char line[sizeof(d->volumes)], *u;
        size_t o, have = strlen(d->volumes);
        const WCHAR *p;

        if (!s->volume_paths(volume, small, sizeof(small) / sizeof(small[0]), &needed)) {
                /* documented: ERROR_MORE_DATA, with the length it needs */
                if (GetLastError() != ERROR_MORE_DATA || needed == 0 || needed > 32768)
                        return;
                paths = calloc(needed, sizeof(WCHAR));
                if (paths == NULL)
                        return;
                if (!s->volume_paths(volume, paths, needed, &needed)) {
                        free(paths);
                        return;
                }
        }
        u = win_utf8(volume);
        o = (size_t)snprintf(line, sizeof(line), "%s", u != NULL ? u : "");
        free(u);
        /* a list of strings, each NUL-ended, an empty one last */
        for (p = paths; *p != 0 && o < sizeof(line); p += wcslen(p) + 1) {
                u = win_utf8(p);
                if (u != NULL && strchr(u, '|') == NULL)
                        o += (size_t)snprintf(line + o, sizeof(line) - o, "|%s", u);
                free(u);
        }
        if (paths != small)
                free(paths);
        if (o >= sizeof(line) || have + (have > 0) + o >= sizeof(d->volumes))
                return;
        (void)snprintf(d->volumes + have, sizeof(d->volumes) - have, "%s%s", have > 0 ? "\n" : "",
                       line);
}

/* The volumes with an extent on d, with their drive letters and mount
 * folders (an offline disk has none). */
static void
volumes_into(const struct disk_seam *s, struct initiator_device *d)
{
        WCHAR name[MAX_PATH];
        unsigned long n;
        char extra;
        HANDLE h;

        d->volumes[0] = '\0';
        if (s->first_volume == NULL || s->next_volume == NULL || s->volume_close == NULL ||
            s->volume_paths == NULL || sscanf(d->name, "PhysicalDrive%lu%c", &n, &extra) != 1)
                return;
        h = s->first_volume(name, MAX_PATH);
        if (h == INVALID_HANDLE_VALUE)
                return;
        do {
                if (volume_on_disk(s, name, n))
                        volume_append(s, name, d);
        } while (s->next_volume(h, name, MAX_PATH)); /* ERROR_NO_MORE_FILES ends it */
        (void)s->volume_close(h);
}

/* --- the volume id, recorded in the registry ------------------------------ */

#define DISKS_KEY L"SOFTWARE\\volattach\\Disks"

static wchar_t *
disk_key(const char *unique_id)
{
        char key[sizeof("SOFTWARE\\volattach\\Disks\\") + 128];

        if (unique_id[0] == '\0' || strchr(unique_id, '\\') != NULL ||
            (size_t)snprintf(key, sizeof(key), "SOFTWARE\\volattach\\Disks\\%s", unique_id) >=
                sizeof(key))
                return NULL;
        return win_utf16(key);
}

/* The VolumeId recorded for a unique id: 0, or -1 when there is none. */
static int
recorded_read(const char *unique_id, char *out, size_t cap)
{
        wchar_t *key = disk_key(unique_id), value[64];
        DWORD size = sizeof(value);
        char *u;
        LONG r;

        out[0] = '\0';
        if (key == NULL)
                return -1;
        r = RegGetValueW(HKEY_LOCAL_MACHINE, key, L"VolumeId", RRF_RT_REG_SZ, NULL, value, &size);
        free(key);
        if (r != ERROR_SUCCESS)
                return -1;
        u = win_utf8(value);
        if (u == NULL || strlen(u) >= cap) {
                free(u);
                return -1;
        }
        (void)snprintf(out, cap, "%s", u);
        free(u);
        return 0;
}

static int
reg_error(struct va_err *err, const char *what, LONG r)
{
        char msg[300];

        (void)win_strerror((DWORD)r, msg, sizeof(msg));
        if (r == ERROR_ACCESS_DENIED)
                return va_err_setn(
                    err, VA_E_PERM, r,
                    "HKLM\\SOFTWARE\\volattach\\Disks: %s: %s (volattach must run as "
                    "administrator)",
                    what, msg);
        return va_err_setn(err, VA_E_IO, r, "HKLM\\SOFTWARE\\volattach\\Disks: %s: %s", what, msg);
}

/* Removes the records of volume_id, but the one under keep (if given). */
static int
drop_records(const char *volume_id, const char *keep, struct va_err *err)
{
        wchar_t names[32][160];
        DWORD k = 0, n = 0, i;
        HKEY disks;
        LONG r;

        r = RegOpenKeyExW(HKEY_LOCAL_MACHINE, DISKS_KEY, 0, KEY_READ | KEY_WRITE, &disks);
        if (r == ERROR_FILE_NOT_FOUND)
                return 0;
        if (r != ERROR_SUCCESS)
                return reg_error(err, "opening", r);
        /* collected first: deleting while enumerating renumbers the keys */
        for (;;) {
                wchar_t sub[160];
                DWORD len = sizeof(sub) / sizeof(sub[0]);
                char *u, rec[64];

                r = RegEnumKeyExW(disks, k++, sub, &len, NULL, NULL, NULL, NULL);
                if (r != ERROR_SUCCESS)
                        break;
                u = win_utf8(sub);
                if (u != NULL && (keep == NULL || strcmp(u, keep) != 0) &&
                    recorded_read(u, rec, sizeof(rec)) == 0 && strcmp(rec, volume_id) == 0 &&
                    n < sizeof(names) / sizeof(names[0]))
                        memcpy(names[n++], sub, sizeof(sub));
                free(u);
        }
        r = ERROR_SUCCESS;
        for (i = 0; i < n && r == ERROR_SUCCESS; i++) {
                r = RegDeleteKeyW(disks, names[i]);
                if (r == ERROR_FILE_NOT_FOUND)
                        r = ERROR_SUCCESS;
        }
        RegCloseKey(disks);
        return r == ERROR_SUCCESS ? 0 : reg_error(err, "removing a record", r);
}

int
disk_tag(const char *volume_id, struct initiator_device *d, struct va_err *err)
{
        wchar_t *key, *value;
        HKEY k;
        LONG r;

        d->recorded_id[0] = '\0';
        key = disk_key(d->unique_id);
        if (key == NULL)
                return va_err_set(err, VA_E_UNSUPPORTED,
                                  "%s reports no unique id (IOCTL_STORAGE_QUERY_PROPERTY, "
                                  "StorageDeviceIdProperty): the volume id is not recorded",
                                  d->path);
        if (drop_records(volume_id, d->unique_id, err) < 0) {
                free(key);
                return -VA_E_IO;
        }
        value = win_utf16(volume_id);
        r = RegCreateKeyExW(HKEY_LOCAL_MACHINE, key, 0, NULL, REG_OPTION_NON_VOLATILE,
                            KEY_SET_VALUE, NULL, &k, NULL);
        free(key);
        if (r == ERROR_SUCCESS) {
                r = value == NULL ? ERROR_OUTOFMEMORY
                                  : RegSetValueExW(k, L"VolumeId", 0, REG_SZ, (const BYTE *)value,
                                                   (DWORD)((wcslen(value) + 1) * sizeof(WCHAR)));
                RegCloseKey(k);
        }
        free(value);
        if (r != ERROR_SUCCESS)
                return reg_error(err, "recording the volume id", r);
        if (recorded_read(d->unique_id, d->recorded_id, sizeof(d->recorded_id)) < 0 ||
            strcmp(d->recorded_id, volume_id) != 0)
                return va_err_set(err, VA_E_IO,
                                  "HKLM\\SOFTWARE\\volattach\\Disks\\%s: VolumeId does not read "
                                  "back as %s",
                                  d->unique_id, volume_id);
        return 0;
}

int
disk_untag(const char *volume_id, struct va_err *err)
{
        return drop_records(volume_id, NULL, err);
}

void
disk_details(const struct disk_seam *s, struct initiator_device *d)
{
        disk_ioctl_fn io = s->ioctl;
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
        identity_into(io, w, d);
        if (get_attributes(io, w, &attrs, &e) == 0)
                attributes_into(attrs, d);
        layout_into(io, w, d);
        free(w);
        volumes_into(s, d);
        if (d->unique_id[0] != '\0')
                (void)recorded_read(d->unique_id, d->recorded_id, sizeof(d->recorded_id));
}

int
disk_online(const struct disk_seam *s, struct initiator_device *d, int read_only,
            struct va_err *err)
{
        disk_ioctl_fn io = s->ioctl;
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
                r = disk_win_error(err, d,
                                   read_only ? "IOCTL_DISK_SET_DISK_ATTRIBUTES (online, read-only)"
                                             : "IOCTL_DISK_SET_DISK_ATTRIBUTES (online, writable)",
                                   e);
        else if (get_attributes(io, w, &attrs, &e) < 0)
                r = disk_win_error(err, d, "IOCTL_DISK_GET_DISK_ATTRIBUTES", e);
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
        /* the volumes of a disk that was offline appear only now (Windows
         * mounts them as they arrive: one not there yet shows in status) */
        volumes_into(s, d);
        return 0;
}

int
disk_set_readonly(const struct disk_seam *s, const struct initiator_device *d, struct va_err *err)
{
        disk_ioctl_fn io = s->ioctl;
        wchar_t *w = win_utf16(d->path);
        DWORD e = 0;
        int r = 0;

        if (w == NULL)
                return va_err_set(err, VA_E_INVAL, "bad device path");
        /* not persisted: volattach sets it again at every boot, and a
         * persisted flag would outlive the volume's read-only attachment */
        if (set_attributes(io, w, FALSE, VA_DISK_ATTRIBUTE_READ_ONLY, VA_DISK_ATTRIBUTE_READ_ONLY,
                           &e) < 0)
                r = disk_win_error(err, d, "read-only", e);
        free(w);
        return r;
}
