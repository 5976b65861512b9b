/* SPDX-License-Identifier: Apache-2.0 */
/* The simulated disks behind the simulated sessions: what the Windows disk
 * class driver answers to the IOCTLs volattach sends to \\.\PhysicalDriveN
 * (src/backend/iscsidsc-disk.c), since Wine has no disk driver for them.
 * Sources as in iscsidsc_sim.c: documented, observed, assumed. */
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "sim.h"

#include <winioctl.h>

/* winioctl.h of the SDK (mingw-w64 lacks these three) */
#define SIM_IOCTL_DISK_GET_DISK_ATTRIBUTES 0x000700F0u
#define SIM_IOCTL_DISK_SET_DISK_ATTRIBUTES 0x0007C0F4u
#define SIM_DISK_ATTRIBUTE_OFFLINE         0x1ull
#define SIM_DISK_ATTRIBUTE_READ_ONLY       0x2ull

typedef struct {
        DWORD Version;
        DWORD Reserved1;
        DWORDLONG Attributes;
} SIM_GET_DISK_ATTRIBUTES;

typedef struct {
        DWORD Version;
        BOOLEAN Persist;
        BYTE Reserved1[3];
        DWORDLONG Attributes;
        DWORDLONG AttributesMask;
        DWORD Reserved2[4];
} SIM_SET_DISK_ATTRIBUTES;

ULONGLONG
sim_disk_new_attrs(const struct sim_config *cfg)
{
        /* documented (diskpart "san"): under OfflineShared a disk on a
         * shared bus such as iSCSI stays offline, and "disks that are left
         * offline will be read-only by default"; OnlineAll brings it up
         * online and writable */
        if (cfg->san_policy == SIM_SAN_ONLINE_ALL)
                return 0;
        return SIM_DISK_ATTRIBUTE_OFFLINE | SIM_DISK_ATTRIBUTE_READ_ONLY;
}

/* The disk numbered n, when a session has it present now. */
static struct sim_disk *
disk_present(struct sim_call *c, unsigned long n)
{
        struct sim_state *st = c->st;
        char key[SIM_ADDR_MAX + 8];
        size_t i, j;

        for (i = 0; i < st->ndisks; i++) {
                struct sim_disk *d = &st->disks[i];
                const struct sim_target *t;

                if (d->number != n)
                        continue;
                t = sim_target_find(c->cfg, d->iqn);
                if (t == NULL || d->lun >= SIM_LUNS || !t->luns[d->lun])
                        return NULL;
                for (j = 0; j < st->nsessions; j++) {
                        const struct sim_session *s = &st->sessions[j];

                        if (s->informational || !sim_streqi(s->iqn, d->iqn))
                                continue;
                        sim_disk_path_key(c, s, key, sizeof(key));
                        if (strcmp(key, d->path) == 0)
                                return d;
                }
                return NULL;
        }
        return NULL;
}

/* "\\.\PhysicalDriveN", case-insensitive as the object manager is */
static int
drive_number(const WCHAR *path, unsigned long *n)
{
        static const WCHAR prefix[] = L"\\\\.\\PhysicalDrive";
        size_t len = wcslen(prefix), i;
        unsigned long v = 0;

        if (wcslen(path) <= len || _wcsnicmp(path, prefix, len) != 0)
                return -1;
        for (i = len; path[i] != 0; i++) {
                if (path[i] < L'0' || path[i] > L'9' || v > 100000)
                        return -1;
                v = v * 10 + (unsigned long)(path[i] - L'0');
        }
        *n = v;
        return 0;
}

static DWORD
get_attributes(struct sim_call *c, const struct sim_disk *d, void *out, DWORD outlen, DWORD *got)
{
        SIM_GET_DISK_ATTRIBUTES g;

        if (out == NULL || outlen < sizeof(g))
                return ERROR_INSUFFICIENT_BUFFER; /* documented for METHOD_BUFFERED */
        memset(&g, 0, sizeof(g));
        g.Version = sizeof(g);
        g.Attributes = d->attrs;
        memcpy(out, &g, sizeof(g));
        *got = sizeof(g);
        sim_note(c, " attrs=%llx", (unsigned long long)d->attrs);
        return ERROR_SUCCESS;
}

static DWORD
set_attributes(struct sim_call *c, struct sim_disk *d, DWORD access, const void *in, DWORD inlen)
{
        const ULONGLONG known = SIM_DISK_ATTRIBUTE_OFFLINE | SIM_DISK_ATTRIBUTE_READ_ONLY;
        SIM_SET_DISK_ATTRIBUTES a;
        ULONGLONG now;

        /* FILE_READ_ACCESS | FILE_WRITE_ACCESS in the code: the I/O manager
         * refuses a handle opened without both (documented) */
        if ((access & (GENERIC_READ | GENERIC_WRITE)) != (GENERIC_READ | GENERIC_WRITE))
                return ERROR_ACCESS_DENIED;
        if (in == NULL || inlen < sizeof(a))
                return ERROR_INVALID_PARAMETER;
        memcpy(&a, in, sizeof(a));
        sim_note(c, " version=%lu persist=%d attrs=%llx mask=%llx", (unsigned long)a.Version,
                 a.Persist, (unsigned long long)a.Attributes, (unsigned long long)a.AttributesMask);
        /* Version must be sizeof (documented); other bits and attributes
         * outside the mask are refused (assumed) */
        if (a.Version != sizeof(a) || (a.AttributesMask & ~known) != 0 ||
            (a.Attributes & ~a.AttributesMask) != 0)
                return ERROR_INVALID_PARAMETER;
        now = (d->attrs & ~a.AttributesMask) | a.Attributes;
        /* disk-stuck: the call succeeds and the disk stays offline, as a
         * disk with a signature collision does (assumed); only reading the
         * attributes back shows it */
        if (sim_disk_stuck(c->cfg, d->iqn, d->lun))
                now |= SIM_DISK_ATTRIBUTE_OFFLINE;
        d->attrs = now;
        if (a.Persist) {
                ULONGLONG base = d->has_persisted ? d->persisted : sim_disk_new_attrs(c->cfg);

                d->persisted = (base & ~a.AttributesMask) | a.Attributes;
                d->has_persisted = 1;
        }
        c->dirty = 1;
        return ERROR_SUCCESS;
}

/* 64-bit FNV-1a: the simulated LUs' identifiers, stable per IQN and LUN */
static ULONGLONG
fnv(const char *s, unsigned lun)
{
        ULONGLONG h = 0xcbf29ce484222325ull;

        for (; *s != '\0'; s++) {
                char c = (*s >= 'A' && *s <= 'Z') ? (char)(*s - 'A' + 'a') : *s;

                h = (h ^ (unsigned char)c) * 0x100000001b3ull;
        }
        return (h ^ lun) * 0x100000001b3ull;
}

/* One identifier of a STORAGE_DEVICE_ID_DESCRIPTOR at out + o (the next
 * begins at a multiple of 4 after it); returns the new end. */
static size_t
put_identifier(unsigned char *out, size_t o, STORAGE_IDENTIFIER_CODE_SET set,
               STORAGE_IDENTIFIER_TYPE type, STORAGE_ASSOCIATION_TYPE assoc,
               const unsigned char *id, USHORT n, int last)
{
        STORAGE_IDENTIFIER si;
        size_t head = offsetof(STORAGE_IDENTIFIER, Identifier);
        size_t next = (head + n + 3) & ~(size_t)3;

        memset(&si, 0, sizeof(si));
        si.CodeSet = set;
        si.Type = type;
        si.IdentifierSize = n;
        si.NextOffset = last ? 0 : (USHORT)next;
        si.Association = assoc;
        memcpy(out + o, &si, head);
        memcpy(out + o + head, id, n);
        return o + next;
}

/* IOCTL_STORAGE_QUERY_PROPERTY: StorageDeviceIdProperty, the VPD page 0x83
 * designators as the disk class driver gives them (documented structure):
 * the target port's relative id (associated with the port), a T10 vendor
 * id and an NAA IEEE Registered Extended one (both the LU's), as LIO
 * reports them; disk-no-id leaves only the port's. Other properties are
 * not modelled. A short buffer gets what fits (documented: the header
 * says the Size needed). */
static DWORD
query_property(struct sim_call *c, const struct sim_disk *d, const void *in, DWORD inlen, void *out,
               DWORD outlen, DWORD *got)
{
        STORAGE_PROPERTY_QUERY q;
        unsigned char buf[512], naa[16], port[4] = { 0, 0, 0, 1 };
        char t10[64];
        ULONGLONG h = fnv(d->iqn, d->lun);
        STORAGE_DEVICE_ID_DESCRIPTOR dd;
        size_t head = offsetof(STORAGE_DEVICE_ID_DESCRIPTOR, Identifiers), o = head, i;
        int noid = sim_disk_no_id(c->cfg, d->iqn, d->lun);

        if (in == NULL || inlen < sizeof(q))
                return ERROR_INVALID_PARAMETER;
        memcpy(&q, in, sizeof(q));
        if (q.PropertyId != StorageDeviceIdProperty || q.QueryType != PropertyStandardQuery)
                return ERROR_INVALID_FUNCTION; /* not modelled */
        if (out == NULL || outlen < 8)
                return ERROR_INSUFFICIENT_BUFFER;
        /* NAA 6, IEEE company id 00-14-05 (LIO's), then the LU's own bits */
        naa[0] = 0x60;
        naa[1] = 0x01;
        naa[2] = 0x40;
        naa[3] = (unsigned char)(0x50 | (h >> 60));
        for (i = 4; i < 16; i++)
                naa[i] = (unsigned char)(h >> ((i % 8) * 8));
        (void)snprintf(t10, sizeof(t10), "LIO-ORG sim%016llx", (unsigned long long)h);
        memset(buf, 0, sizeof(buf));
        o = put_identifier(buf, o, StorageIdCodeSetBinary, StorageIdTypePortRelative,
                           StorageIdAssocPort, port, sizeof(port), noid);
        if (!noid) {
                o = put_identifier(buf, o, StorageIdCodeSetAscii, StorageIdTypeVendorId,
                                   StorageIdAssocDevice, (const unsigned char *)t10,
                                   (USHORT)strlen(t10), 0);
                o = put_identifier(buf, o, StorageIdCodeSetBinary, StorageIdTypeFCPHName,
                                   StorageIdAssocDevice, naa, sizeof(naa), 1);
        }
        memset(&dd, 0, sizeof(dd));
        dd.Version = sizeof(dd);
        dd.Size = (DWORD)o;
        dd.NumberOfIdentifiers = noid ? 1 : 3;
        memcpy(buf, &dd, head);
        *got = outlen < o ? outlen : (DWORD)o;
        memcpy(out, buf, *got);
        sim_note(c, " id=%s", noid ? "port-only" : "naa");
        return ERROR_SUCCESS;
}

ULONG
sim_disk_of(struct sim_call *c, const char *iqn, unsigned lun, int *online)
{
        size_t i;

        for (i = 0; i < c->st->ndisks; i++) {
                const struct sim_disk *d = &c->st->disks[i];

                if (d->lun != lun || !sim_streqi(d->iqn, iqn) || disk_present(c, d->number) != d)
                        continue;
                *online = (d->attrs & SIM_DISK_ATTRIBUTE_OFFLINE) == 0;
                return d->number;
        }
        *online = 0;
        return 0xFFFFFFFFu;
}

BOOL WINAPI
VaSimDiskIoctl(const WCHAR *path, DWORD access, DWORD code, void *in, DWORD inlen, void *out,
               DWORD outlen, DWORD *got)
{
        struct sim_call c;
        struct sim_disk *d;
        unsigned long n = 0;
        DWORD rc = sim_begin(&c, "DiskIoctl");

        if (got != NULL)
                *got = 0;
        /* the disks do not need MSiSCSI running to answer; the rest of the
         * bracket (state, reboot, fail=DiskIoctl:CODE) applies */
        if (rc == ISDSC_SERVICE_NOT_RUNNING)
                rc = ERROR_SUCCESS;
        if (rc == ERROR_SUCCESS) {
                sim_note(&c, "access=%s code=%lx",
                         access == 0              ? "none"
                         : access == GENERIC_READ ? "r"
                                                  : "rw",
                         (unsigned long)code);
                if (path != NULL && got != NULL && _wcsnicmp(path, L"\\\\?\\Volume{", 11) == 0) {
                        /* a volume, not a disk: needs no access rights */
                        rc = sim_volume_ioctl(&c, path, code, out, outlen, got);
                } else if (path == NULL || got == NULL || drive_number(path, &n) < 0 ||
                           (d = disk_present(&c, n)) == NULL) {
                        rc = ERROR_FILE_NOT_FOUND;
                } else {
                        sim_note(&c, " disk=%lu", n);
                        /* not elevated: CreateFile with any access right
                         * on a disk is refused; a handle without rights
                         * still queries (documented) */
                        if (access != 0 && c.cfg->faults.disk_denied)
                                rc = ERROR_ACCESS_DENIED;
                        else if (code == SIM_IOCTL_DISK_GET_DISK_ATTRIBUTES)
                                rc = get_attributes(&c, d, out, outlen, got);
                        else if (code == SIM_IOCTL_DISK_SET_DISK_ATTRIBUTES)
                                rc = set_attributes(&c, d, access, in, inlen);
                        else if (code == IOCTL_STORAGE_QUERY_PROPERTY)
                                rc = query_property(&c, d, in, inlen, out, outlen, got);
                        else
                                rc = sim_prep_ioctl(&c, d, access, code, in, inlen, out, outlen,
                                                    got);
                }
        }
        rc = sim_end(&c, rc);
        SetLastError(rc);
        return rc == ERROR_SUCCESS;
}

struct sim_disk *
sim_disk_by_path(struct sim_call *c, const WCHAR *path)
{
        unsigned long n = 0;

        if (path == NULL || drive_number(path, &n) < 0)
                return NULL;
        return disk_present(c, n);
}
