/* SPDX-License-Identifier: Apache-2.0 */
/* The simulated disks' layouts, volumes and the Storage Management
 * provider, for --prepare (src/backend/iscsidsc-prepare.c): what Windows
 * documents for IOCTL_DISK_CREATE_DISK, IOCTL_DISK_GET/SET_DRIVE_LAYOUT_EX,
 * IOCTL_DISK_UPDATE_PROPERTIES, MSFT_Volume.Format, GetVolumeInformationW,
 * GetVolumePathNamesForVolumeNameW and SetVolumeMountPointW, errors
 * included. Sources as in iscsidsc_sim.c: documented, observed, assumed. */
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "sim.h"

#include <winioctl.h>

#define SIM_DISK_BYTES (1024ull * 1024ull * 1024ull)
#define SIM_MIB        (1024ull * 1024ull)
/* Windows puts the MSR right after the GPT's entries (LBA 34), 16 MiB
 * long since Windows 10 (observed) */
#define SIM_MSR_OFF    17408ull
#define SIM_MSR_LEN    (16ull * SIM_MIB)
#define SIM_USABLE_END (SIM_DISK_BYTES - 16896ull)

static const GUID msr_type = {
        0xE3C9E316, 0x0B5C, 0x4DB8, { 0x81, 0x7D, 0xF9, 0x2D, 0xF0, 0x02, 0x15, 0xAE }
};
static const GUID data_type = {
        0xEBD0A0A2, 0xB9E5, 0x4433, { 0x87, 0xC0, 0x68, 0xB6, 0xB7, 0x26, 0x99, 0xC7 }
};

/* What was on the LU before anyone wrote to it (VA_SIM_FAULT). */
static int
content_of(const struct sim_config *cfg, const char *iqn, unsigned lun)
{
        size_t i;

        for (i = 0; i < cfg->faults.ncontent; i++) {
                const struct sim_content *x = &cfg->faults.content[i];

                if (sim_streqi(x->iqn, iqn) && (x->lun < 0 || (unsigned)x->lun == lun))
                        return (int)x->kind;
        }
        /* VA_SIM_VOLUMES (sim-volume.c): a LU with volumes is GPT */
        return sim_lu_has_volume(cfg, iqn, lun) ? SIM_CONTENT_GPT : 0;
}

/* The LU's layout record; made (from its initial content) when create. */
static struct sim_prep *
prep_of(struct sim_call *c, const struct sim_disk *d, int create)
{
        struct sim_state *st = c->st;
        struct sim_prep *x;
        int kind;
        size_t i;

        for (i = 0; i < st->npreps; i++)
                if (sim_streqi(st->preps[i].iqn, d->iqn) && st->preps[i].lun == d->lun)
                        return &st->preps[i];
        if (!create || st->npreps == SIM_DISKS)
                return NULL;
        x = &st->preps[st->npreps++];
        memset(x, 0, sizeof(*x));
        sim_copy(x->iqn, sizeof(x->iqn), d->iqn);
        x->lun = d->lun;
        kind = content_of(c->cfg, d->iqn, d->lun);
        x->style = kind == SIM_CONTENT_GPT   ? PARTITION_STYLE_GPT
                   : kind == SIM_CONTENT_MBR ? PARTITION_STYLE_MBR
                                             : PARTITION_STYLE_RAW;
        x->msr = kind == SIM_CONTENT_GPT;
        c->dirty = 1;
        return x;
}

static void
guid_text(const GUID *g, char *buf, size_t len)
{
        (void)snprintf(buf, len, "%08lx-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                       (unsigned long)g->Data1, g->Data2, g->Data3, g->Data4[0], g->Data4[1],
                       g->Data4[2], g->Data4[3], g->Data4[4], g->Data4[5], g->Data4[6],
                       g->Data4[7]);
}

static int
guid_parse(const char *s, GUID *g)
{
        unsigned long a;
        unsigned b, c2, x[8];

        if (sscanf(s, "%8lx-%4x-%4x-%2x%2x-%2x%2x%2x%2x%2x%2x", &a, &b, &c2, &x[0], &x[1], &x[2],
                   &x[3], &x[4], &x[5], &x[6], &x[7]) != 11)
                return -1;
        g->Data1 = (unsigned long)a;
        g->Data2 = (unsigned short)b;
        g->Data3 = (unsigned short)c2;
        for (b = 0; b < 8; b++)
                g->Data4[b] = (unsigned char)x[b];
        return 0;
}

/* Writes need a handle with both rights (documented for FILE_READ_ACCESS
 * | FILE_WRITE_ACCESS codes); an offline disk is not ready and a read-only
 * one write-protected (assumed from the codes' documented meanings). */
static DWORD
writable(const struct sim_disk *d, DWORD access)
{
        if ((access & (GENERIC_READ | GENERIC_WRITE)) != (GENERIC_READ | GENERIC_WRITE))
                return ERROR_ACCESS_DENIED;
        if (d->attrs & 0x1ull)
                return ERROR_NOT_READY;
        if (d->attrs & 0x2ull)
                return ERROR_WRITE_PROTECT;
        return ERROR_SUCCESS;
}

static DWORD
get_layout(struct sim_call *c, const struct sim_disk *d, void *out, DWORD outlen, DWORD *got)
{
        struct sim_prep *x = prep_of(c, d, 1);
        DWORD n = 0, need;
        DRIVE_LAYOUT_INFORMATION_EX *l = out;

        if (x == NULL)
                return ERROR_NOT_ENOUGH_MEMORY;
        /* documented: the MSR of a new GPT disk comes from the partition
         * manager; msr-late models it arriving some reads later */
        if (x->style == PARTITION_STYLE_GPT && !x->msr) {
                if (x->msr_polls > 0)
                        x->msr_polls--;
                else
                        x->msr = 1;
                c->dirty = 1;
        }
        if (x->style == PARTITION_STYLE_GPT)
                n = (DWORD)(x->msr + x->data);
        else if (x->style == PARTITION_STYLE_MBR)
                n = 4; /* an MBR always reports its four slots (documented) */
        need = (DWORD)(offsetof(DRIVE_LAYOUT_INFORMATION_EX, PartitionEntry) +
                       (n ? n : 1) * sizeof(PARTITION_INFORMATION_EX));
        if (out == NULL || outlen < need)
                return ERROR_INSUFFICIENT_BUFFER;
        memset(out, 0, need);
        l->PartitionStyle = (DWORD)x->style;
        l->PartitionCount = n;
        if (x->style == PARTITION_STYLE_GPT) {
                DWORD i = 0;

                l->Gpt.StartingUsableOffset.QuadPart = (LONGLONG)SIM_MSR_OFF;
                l->Gpt.UsableLength.QuadPart = (LONGLONG)(SIM_USABLE_END - SIM_MSR_OFF);
                l->Gpt.MaxPartitionCount = 128;
                if (x->msr) {
                        PARTITION_INFORMATION_EX *p = &l->PartitionEntry[i++];

                        p->PartitionStyle = PARTITION_STYLE_GPT;
                        p->StartingOffset.QuadPart = (LONGLONG)SIM_MSR_OFF;
                        p->PartitionLength.QuadPart = (LONGLONG)SIM_MSR_LEN;
                        p->PartitionNumber = i;
                        p->Gpt.PartitionType = msr_type;
                        wcscpy(p->Gpt.Name, L"Microsoft reserved partition");
                }
                if (x->data) {
                        PARTITION_INFORMATION_EX *p = &l->PartitionEntry[i++];

                        p->PartitionStyle = PARTITION_STYLE_GPT;
                        p->StartingOffset.QuadPart = (LONGLONG)x->data_off;
                        p->PartitionLength.QuadPart = (LONGLONG)x->data_len;
                        p->PartitionNumber = i;
                        p->Gpt.PartitionType = data_type;
                        (void)guid_parse(x->guid, &p->Gpt.PartitionId);
                        wcscpy(p->Gpt.Name, L"volattach");
                }
        }
        *got = need;
        sim_note(c, " style=%s parts=%lu",
                 x->style == PARTITION_STYLE_GPT   ? "gpt"
                 : x->style == PARTITION_STYLE_MBR ? "mbr"
                                                   : "raw",
                 (unsigned long)n);
        return ERROR_SUCCESS;
}

static DWORD
create_disk(struct sim_call *c, const struct sim_disk *d, DWORD access, const void *in, DWORD inlen)
{
        struct sim_prep *x = prep_of(c, d, 1);
        CREATE_DISK cd;
        DWORD rc = writable(d, access);

        if (rc != ERROR_SUCCESS)
                return rc;
        if (x == NULL)
                return ERROR_NOT_ENOUGH_MEMORY;
        if (in == NULL || inlen < sizeof(cd))
                return ERROR_INVALID_PARAMETER;
        memcpy(&cd, in, sizeof(cd));
        sim_note(c, " create style=%lu", (unsigned long)cd.PartitionStyle);
        if (cd.PartitionStyle != PARTITION_STYLE_GPT)
                return ERROR_INVALID_PARAMETER; /* only GPT is modelled */
        /* documented: it initializes the disk whatever was on it; only the
         * caller's check keeps data safe, which is what the tests look at */
        x->style = PARTITION_STYLE_GPT;
        x->msr = 0;
        x->msr_polls = c->cfg->faults.msr_late;
        x->data = 0;
        x->fs[0] = x->label[0] = x->mounts[0] = x->guid[0] = '\0';
        c->dirty = 1;
        return ERROR_SUCCESS;
}

static DWORD
set_layout(struct sim_call *c, const struct sim_disk *d, DWORD access, const void *in, DWORD inlen)
{
        struct sim_prep *x = prep_of(c, d, 1);
        const DRIVE_LAYOUT_INFORMATION_EX *l = in;
        const PARTITION_INFORMATION_EX *dp = NULL;
        DWORD rc = writable(d, access), i, msr = 0;

        if (rc != ERROR_SUCCESS)
                return rc;
        if (x == NULL)
                return ERROR_NOT_ENOUGH_MEMORY;
        if (in == NULL || inlen < offsetof(DRIVE_LAYOUT_INFORMATION_EX, PartitionEntry) ||
            l->PartitionCount > 128 ||
            inlen < offsetof(DRIVE_LAYOUT_INFORMATION_EX, PartitionEntry) +
                        l->PartitionCount * sizeof(PARTITION_INFORMATION_EX))
                return ERROR_INVALID_PARAMETER;
        sim_note(c, " set style=%lu parts=%lu", (unsigned long)l->PartitionStyle,
                 (unsigned long)l->PartitionCount);
        if (x->style != PARTITION_STYLE_GPT || l->PartitionStyle != PARTITION_STYLE_GPT)
                return ERROR_INVALID_PARAMETER;
        for (i = 0; i < l->PartitionCount; i++) {
                const PARTITION_INFORMATION_EX *p = &l->PartitionEntry[i];
                ULONGLONG off = (ULONGLONG)p->StartingOffset.QuadPart,
                          len = (ULONGLONG)p->PartitionLength.QuadPart;

                /* documented: partitions lie within the usable area */
                if (off < SIM_MSR_OFF || len == 0 || off + len > SIM_USABLE_END)
                        return ERROR_INVALID_PARAMETER;
                if (IsEqualGUID(&p->Gpt.PartitionType, &msr_type))
                        msr++;
                else if (IsEqualGUID(&p->Gpt.PartitionType, &data_type) && dp == NULL)
                        dp = p;
                else
                        return ERROR_INVALID_PARAMETER; /* not modelled */
        }
        /* the data partition must not overlap the MSR (assumed: refused) */
        if (msr != 1 || dp == NULL ||
            (ULONGLONG)dp->StartingOffset.QuadPart < SIM_MSR_OFF + SIM_MSR_LEN)
                return ERROR_INVALID_PARAMETER;
        x->data = 1;
        x->data_off = (ULONGLONG)dp->StartingOffset.QuadPart;
        x->data_len = (ULONGLONG)dp->PartitionLength.QuadPart;
        guid_text(&dp->Gpt.PartitionId, x->guid, sizeof(x->guid));
        x->fs[0] = x->label[0] = x->mounts[0] = '\0';
        sim_note(c, " data=%llu+%llu id=%s", (unsigned long long)x->data_off,
                 (unsigned long long)x->data_len, x->guid);
        c->dirty = 1;
        return ERROR_SUCCESS;
}

DWORD
sim_prep_ioctl(struct sim_call *c, struct sim_disk *d, DWORD access, DWORD code, const void *in,
               DWORD inlen, void *out, DWORD outlen, DWORD *got)
{
        switch (code) {
        case IOCTL_DISK_GET_DRIVE_LAYOUT_EX:
                return get_layout(c, d, out, outlen, got);
        case IOCTL_DISK_CREATE_DISK:
                return create_disk(c, d, access, in, inlen);
        case IOCTL_DISK_SET_DRIVE_LAYOUT_EX:
                return set_layout(c, d, access, in, inlen);
        case IOCTL_DISK_UPDATE_PROPERTIES:
                return writable(d, access);
        case IOCTL_DISK_GET_LENGTH_INFO: {
                GET_LENGTH_INFORMATION gl;

                if (out == NULL || outlen < sizeof(gl))
                        return ERROR_INSUFFICIENT_BUFFER;
                gl.Length.QuadPart = (LONGLONG)SIM_DISK_BYTES;
                memcpy(out, &gl, sizeof(gl));
                *got = sizeof(gl);
                return ERROR_SUCCESS;
        }
        default:
                return ERROR_INVALID_FUNCTION; /* not modelled */
        }
}

/* The bytes of a LU: zeros, but for the structures on it: an MBR's 0x55AA,
 * a GPT's protective MBR and both headers ("EFI PART" at LBA 1 and at the
 * last LBA), a filesystem's boot sector, or what disk-tail left near the
 * end (a RAID or LVM signature Windows' layout does not show). */
static void
bytes_of(struct sim_call *c, const struct sim_disk *d, ULONGLONG off, unsigned char *buf, DWORD len)
{
        struct sim_prep *x = prep_of(c, d, 0);
        int kind = content_of(c->cfg, d->iqn, d->lun);
        int style = x != NULL                 ? x->style
                    : kind == SIM_CONTENT_GPT ? PARTITION_STYLE_GPT
                    : kind == SIM_CONTENT_MBR ? PARTITION_STYLE_MBR
                                              : PARTITION_STYLE_RAW;
        struct mark {
                ULONGLONG at;
                const char *text;
        } marks[4];
        size_t nm = 0, i, k;

        memset(buf, 0, len);
        if (style == PARTITION_STYLE_MBR || style == PARTITION_STYLE_GPT)
                marks[nm++] = (struct mark){ 510, "\x55\xaa" };
        if (style == PARTITION_STYLE_GPT) {
                marks[nm++] = (struct mark){ 512, "EFI PART" };
                marks[nm++] = (struct mark){ SIM_DISK_BYTES - 512, "EFI PART" };
        }
        if (style == PARTITION_STYLE_RAW && kind == SIM_CONTENT_TAIL)
                marks[nm++] = (struct mark){ SIM_DISK_BYTES - 8192, "\xfc\x4e\x2b\xa9" };
        for (i = 0; i < nm; i++)
                for (k = 0; marks[i].text[k] != '\0'; k++)
                        if (marks[i].at + k >= off && marks[i].at + k < off + len)
                                buf[marks[i].at + k - off] = (unsigned char)marks[i].text[k];
}

BOOL WINAPI
VaSimDiskRead(const WCHAR *disk, ULONGLONG offset, void *buf, DWORD len, DWORD *got)
{
        struct sim_call c;
        struct sim_disk *d;
        DWORD rc = sim_begin(&c, "DiskRead");

        if (got != NULL)
                *got = 0;
        if (rc == ISDSC_SERVICE_NOT_RUNNING)
                rc = ERROR_SUCCESS;
        if (rc == ERROR_SUCCESS) {
                sim_note(&c, "offset=%llu len=%lu", (unsigned long long)offset, (unsigned long)len);
                if (buf == NULL || got == NULL || (d = sim_disk_by_path(&c, disk)) == NULL)
                        rc = ERROR_FILE_NOT_FOUND;
                else if (c.cfg->faults.disk_denied)
                        rc = ERROR_ACCESS_DENIED; /* CreateFile with GENERIC_READ, not elevated */
                else if (offset % 512 != 0 || len % 512 != 0)
                        rc = ERROR_INVALID_PARAMETER; /* documented: whole sectors */
                else if (offset >= SIM_DISK_BYTES)
                        rc = ERROR_HANDLE_EOF;
                else {
                        if (offset + len > SIM_DISK_BYTES)
                                len = (DWORD)(SIM_DISK_BYTES - offset);
                        bytes_of(&c, d, offset, buf, len);
                        *got = len;
                }
        }
        rc = sim_end(&c, rc);
        SetLastError(rc);
        return rc == ERROR_SUCCESS;
}

/* "\\?\Volume{GUID}\" of a data partition */
static struct sim_prep *
volume_find(struct sim_call *c, const WCHAR *vol)
{
        char v[80], want[80];
        size_t i;

        if (vol == NULL || sim_from_wide(vol, v, sizeof(v)) < 0)
                return NULL;
        for (i = 0; i < c->st->npreps; i++) {
                struct sim_prep *x = &c->st->preps[i];

                if (!x->data)
                        continue;
                (void)snprintf(want, sizeof(want), "\\\\?\\Volume{%s}\\", x->guid);
                if (sim_streqi(v, want))
                        return x;
        }
        return NULL;
}

/* The disk a LU's record belongs to, when present now. */
static struct sim_disk *
disk_of(struct sim_call *c, const struct sim_prep *x)
{
        size_t i;

        for (i = 0; i < c->st->ndisks; i++) {
                WCHAR path[40];

                if (!sim_streqi(c->st->disks[i].iqn, x->iqn) || c->st->disks[i].lun != x->lun)
                        continue;
                (void)swprintf(path, 40, L"\\\\.\\PhysicalDrive%lu",
                               (unsigned long)c->st->disks[i].number);
                return sim_disk_by_path(c, path);
        }
        return NULL;
}

BOOL WINAPI
VaSimVolumeOf(ULONG n, ULONGLONG offset, WCHAR *vol, DWORD len)
{
        struct sim_call c;
        struct sim_disk *d;
        struct sim_prep *x;
        WCHAR path[40];
        char v[80];
        DWORD rc = sim_begin(&c, "VolumeOf");

        if (rc == ISDSC_SERVICE_NOT_RUNNING)
                rc = ERROR_SUCCESS;
        if (rc == ERROR_SUCCESS) {
                sim_note(&c, "disk=%lu offset=%llu", (unsigned long)n, (unsigned long long)offset);
                (void)swprintf(path, 40, L"\\\\.\\PhysicalDrive%lu", (unsigned long)n);
                d = sim_disk_by_path(&c, path);
                x = d != NULL ? prep_of(&c, d, 0) : NULL;
                if (x == NULL || !x->data || x->data_off != offset) {
                        rc = ERROR_FILE_NOT_FOUND;
                } else {
                        (void)snprintf(v, sizeof(v), "\\\\?\\Volume{%s}\\", x->guid);
                        if (vol == NULL || sim_to_wide(v, vol, len) < 0)
                                rc = ERROR_INSUFFICIENT_BUFFER;
                        else
                                sim_note(&c, " = %s", v);
                }
        }
        rc = sim_end(&c, rc);
        SetLastError(rc);
        return rc == ERROR_SUCCESS;
}

ULONG WINAPI
VaSimVolumeFormat(const WCHAR *vol, const WCHAR *fs, const WCHAR *label)
{
        struct sim_call c;
        struct sim_prep *x;
        struct sim_disk *d;
        char f[16], l[40];
        /* fail=VolumeFormat:N makes the method return N (its ReturnValue:
         * 1 Not Supported, 2 Unspecified Error, 4 Failed, 40001 Access
         * denied, ... documented) */
        ULONG rc = sim_begin(&c, "VolumeFormat");

        if (rc == ISDSC_SERVICE_NOT_RUNNING)
                rc = ERROR_SUCCESS;
        if (rc == ERROR_SUCCESS) {
                if (fs == NULL || label == NULL || sim_from_wide(fs, f, sizeof(f)) < 0 ||
                    sim_from_wide(label, l, sizeof(l)) < 0)
                        rc = 5; /* Invalid Parameter */
                else if ((x = volume_find(&c, vol)) == NULL || (d = disk_of(&c, x)) == NULL)
                        rc = 2; /* Unspecified Error: no such MSFT_Volume (assumed) */
                else if (d->attrs & 0x3ull)
                        rc = 42002; /* documented: the disk is offline or read-only */
                else if (!sim_streqi(f, "NTFS") && !sim_streqi(f, "ReFS"))
                        rc = 1; /* Not Supported (as modelled) */
                else {
                        sim_copy(x->fs, sizeof(x->fs), "NTFS");
                        sim_copy(x->label, sizeof(x->label), l);
                        c.dirty = 1;
                        sim_note(&c, "fs=%s label=%s id=%s", f, l, x->guid);
                }
        }
        return sim_end(&c, rc);
}

BOOL WINAPI
VaSimVolumeInfo(const WCHAR *vol, WCHAR *label, DWORD llen, WCHAR *fs, DWORD flen)
{
        struct sim_call c;
        struct sim_prep *x;
        DWORD rc = sim_begin(&c, "VolumeInfo");

        if (rc == ISDSC_SERVICE_NOT_RUNNING)
                rc = ERROR_SUCCESS;
        if (rc == ERROR_SUCCESS) {
                if ((x = volume_find(&c, vol)) == NULL)
                        rc = ERROR_FILE_NOT_FOUND;
                else if (x->fs[0] == '\0')
                        rc = ERROR_UNRECOGNIZED_VOLUME; /* documented for RAW */
                else if (label == NULL || fs == NULL || sim_to_wide(x->label, label, llen) < 0 ||
                         sim_to_wide(x->fs, fs, flen) < 0)
                        rc = ERROR_INSUFFICIENT_BUFFER;
                else
                        sim_note(&c, "fs=%s label=%s", x->fs, x->label);
        }
        rc = sim_end(&c, rc);
        SetLastError(rc);
        return rc == ERROR_SUCCESS;
}

BOOL WINAPI
VaSimVolumePaths(const WCHAR *vol, WCHAR *buf, DWORD len, DWORD *got)
{
        struct sim_call c;
        struct sim_prep *x;
        DWORD rc = sim_begin(&c, "VolumePaths");

        if (rc == ISDSC_SERVICE_NOT_RUNNING)
                rc = ERROR_SUCCESS;
        if (rc == ERROR_SUCCESS) {
                if ((x = volume_find(&c, vol)) == NULL) {
                        rc = ERROR_FILE_NOT_FOUND;
                } else {
                        /* the multi-string: each path, NUL, then a NUL */
                        char one[SIM_PREP_MOUNTS];
                        const char *p = x->mounts;
                        DWORD o = 0;

                        while (rc == ERROR_SUCCESS && *p != '\0') {
                                size_t k = strcspn(p, "|");

                                (void)snprintf(one, sizeof(one), "%.*s", (int)k, p);
                                if (buf == NULL || o + sim_wide_len(one) + 1 > len ||
                                    sim_to_wide(one, buf + o, len - o) < 0)
                                        rc = ERROR_MORE_DATA;
                                else
                                        o += (DWORD)sim_wide_len(one);
                                p += k + (p[k] == '|');
                        }
                        if (rc == ERROR_SUCCESS && (buf == NULL || o + 1 > len))
                                rc = ERROR_MORE_DATA;
                        if (rc == ERROR_SUCCESS) {
                                buf[o++] = 0;
                                if (got != NULL)
                                        *got = o;
                                sim_note(&c, "paths=%s", x->mounts);
                        }
                }
        }
        rc = sim_end(&c, rc);
        SetLastError(rc);
        return rc == ERROR_SUCCESS;
}

BOOL WINAPI
VaSimSetVolumeMountPoint(const WCHAR *mount_point, const WCHAR *vol)
{
        struct sim_call c;
        struct sim_prep *x;
        char mp[SIM_PREP_MOUNTS];
        size_t i, n;
        DWORD rc = sim_begin(&c, "SetVolumeMountPoint");

        if (rc == ISDSC_SERVICE_NOT_RUNNING)
                rc = ERROR_SUCCESS;
        if (rc == ERROR_SUCCESS) {
                if (mount_point == NULL || sim_from_wide(mount_point, mp, sizeof(mp)) < 0 ||
                    (n = strlen(mp)) < 3 || mp[1] != ':' || mp[n - 1] != '\\' ||
                    strchr(mp, '|') != NULL)
                        rc = ERROR_INVALID_PARAMETER; /* documented: ends in a backslash */
                else if ((x = volume_find(&c, vol)) == NULL)
                        rc = ERROR_FILE_NOT_FOUND;
                else {
                        sim_note(&c, "%s", mp);
                        /* a drive letter another volume has: in use
                         * (documented as ERROR_DIR_NOT_EMPTY for a used
                         * mount point) */
                        for (i = 0; i < c.st->npreps && rc == ERROR_SUCCESS; i++)
                                if (&c.st->preps[i] != x && strstr(c.st->preps[i].mounts, mp))
                                        rc = ERROR_DIR_NOT_EMPTY;
                        if (rc == ERROR_SUCCESS && strlen(x->mounts) + n + 2 > sizeof(x->mounts))
                                rc = ERROR_NOT_ENOUGH_MEMORY;
                        if (rc == ERROR_SUCCESS) {
                                size_t k = strlen(x->mounts);

                                (void)snprintf(x->mounts + k, sizeof(x->mounts) - k, "%s%s",
                                               k ? "|" : "", mp);
                                c.dirty = 1;
                        }
                }
        }
        rc = sim_end(&c, rc);
        SetLastError(rc);
        return rc == ERROR_SUCCESS;
}
