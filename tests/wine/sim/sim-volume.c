/* SPDX-License-Identifier: Apache-2.0 */
/* The simulated volumes: what kernel32's volume calls (FindFirstVolumeW,
 * FindNextVolumeW, FindVolumeClose, GetVolumePathNamesForVolumeNameW) and
 * IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS answer for the volumes of
 * VA_SIM_VOLUMES, plus the boot volume C:\ on PhysicalDrive0, since Wine
 * has no volumes on the simulated disks. Sources as in iscsidsc_sim.c:
 * documented, observed, assumed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "sim.h"

#include <winioctl.h>

#define NAME_MAX_W 64 /* "\\?\Volume{8-4-4-4-12}\" is 49 */
#define BOOT       ((size_t)-1)

/* One volume as the mount manager lists it now. */
struct vol {
        WCHAR name[NAME_MAX_W];
        size_t cfg; /* index into cfg->volumes, or BOOT */
        ULONG disks[SIM_VOLUME_LUS];
        size_t ndisks;
};

static void
vol_name(size_t index, const struct sim_volume *v, WCHAR *out)
{
        ULONGLONG h = 0xcbf29ce484222325ull;
        const char *s = v != NULL ? v->iqn[0] : "boot";
        char a[NAME_MAX_W];

        for (; *s != '\0'; s++)
                h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
        h = (h ^ (v != NULL ? v->lun[0] : 0) ^ ((ULONGLONG)index << 32)) * 0x100000001b3ull;
        (void)snprintf(a, sizeof(a), "\\\\?\\Volume{%08lx-%04x-4%03x-8%03x-%012llx}\\",
                       (unsigned long)(h >> 32), (unsigned)(h >> 16) & 0xffff,
                       (unsigned)(h >> 4) & 0xfff, (unsigned)index & 0xfff,
                       (unsigned long long)(h & 0xffffffffffffull));
        (void)sim_to_wide(a, out, NAME_MAX_W);
}

/* The volumes there are now: the boot volume, and each configured volume
 * whose every LU has a disk present and online (assumed: an offline disk's
 * volumes are not mounted, so the mount manager does not list them). */
static size_t
volumes_now(struct sim_call *c, struct vol *out)
{
        const struct sim_config *cfg = c->cfg;
        size_t n = 0, i, j;

        memset(&out[0], 0, sizeof(out[0]));
        vol_name(0, NULL, out[0].name);
        out[0].cfg = BOOT;
        out[0].disks[0] = 0;
        out[0].ndisks = 1;
        n = 1;
        for (i = 0; i < cfg->nvolumes; i++) {
                struct vol *v = &out[n];
                int ok = 1;

                memset(v, 0, sizeof(*v));
                for (j = 0; j < cfg->volumes[i].nlus && ok; j++) {
                        int online = 0;
                        ULONG d =
                            sim_disk_of(c, cfg->volumes[i].iqn[j], cfg->volumes[i].lun[j], &online);

                        ok = d != 0xFFFFFFFFu && online;
                        v->disks[v->ndisks++] = d;
                }
                if (!ok)
                        continue;
                vol_name(i + 1, &cfg->volumes[i], v->name);
                v->cfg = i;
                n++;
        }
        return n;
}

static const struct vol *
vol_find(const struct vol *v, size_t n, const WCHAR *name, size_t len)
{
        size_t i;

        for (i = 0; i < n; i++)
                if (wcslen(v[i].name) == len && _wcsnicmp(v[i].name, name, len) == 0)
                        return &v[i];
        return NULL;
}

/* The search handle: a snapshot of the list at FindFirstVolumeW (assumed;
 * Wine's kernel32 takes one too). */
struct vol_search {
        DWORD magic;
        size_t next, n;
        WCHAR names[SIM_VOLUMES + 1][NAME_MAX_W];
};

#define SEARCH_MAGIC 0x56534541u

/* The name into the caller's buffer; ERROR_FILENAME_EXCED_RANGE when it
 * does not fit (assumed, as Wine's kernel32 answers). */
static DWORD
give_name(struct sim_call *c, const WCHAR *name, WCHAR *out, DWORD len)
{
        size_t n = wcslen(name);

        if (out == NULL || len <= n)
                return ERROR_FILENAME_EXCED_RANGE;
        memcpy(out, name, (n + 1) * sizeof(WCHAR));
        {
                char a[NAME_MAX_W];

                (void)sim_from_wide(name, a, sizeof(a));
                sim_note(c, "%s", a);
        }
        return ERROR_SUCCESS;
}

HANDLE WINAPI
VaSimFindFirstVolumeW(WCHAR *name, DWORD len)
{
        struct sim_call c;
        struct vol v[SIM_VOLUMES + 1];
        struct vol_search *s = NULL;
        DWORD rc = sim_begin(&c, "FindFirstVolumeW");
        size_t n, i;

        /* volumes need no MSiSCSI */
        if (rc == ISDSC_SERVICE_NOT_RUNNING)
                rc = ERROR_SUCCESS;
        if (rc == ERROR_SUCCESS) {
                n = volumes_now(&c, v);
                s = calloc(1, sizeof(*s));
                if (s == NULL) {
                        rc = ERROR_NOT_ENOUGH_MEMORY;
                } else {
                        s->magic = SEARCH_MAGIC;
                        s->n = n;
                        for (i = 0; i < n; i++)
                                memcpy(s->names[i], v[i].name, sizeof(v[i].name));
                        rc = give_name(&c, s->names[0], name, len);
                        s->next = 1;
                }
        }
        if (rc != ERROR_SUCCESS) {
                free(s);
                s = NULL;
        }
        rc = sim_end(&c, rc);
        SetLastError(rc);
        return s != NULL ? (HANDLE)s : INVALID_HANDLE_VALUE;
}

BOOL WINAPI
VaSimFindNextVolumeW(HANDLE h, WCHAR *name, DWORD len)
{
        struct vol_search *s = (struct vol_search *)h;
        struct sim_call c;
        DWORD rc = sim_begin(&c, "FindNextVolumeW");

        if (rc == ISDSC_SERVICE_NOT_RUNNING)
                rc = ERROR_SUCCESS;
        if (rc == ERROR_SUCCESS) {
                if (h == NULL || h == INVALID_HANDLE_VALUE || s->magic != SEARCH_MAGIC)
                        rc = ERROR_INVALID_HANDLE;
                else if (s->next >= s->n)
                        rc = ERROR_NO_MORE_FILES; /* documented: the end */
                else if ((rc = give_name(&c, s->names[s->next], name, len)) == ERROR_SUCCESS)
                        s->next++;
        }
        rc = sim_end(&c, rc);
        SetLastError(rc);
        return rc == ERROR_SUCCESS;
}

BOOL WINAPI
VaSimFindVolumeClose(HANDLE h)
{
        struct vol_search *s = (struct vol_search *)h;

        if (h == NULL || h == INVALID_HANDLE_VALUE || s->magic != SEARCH_MAGIC) {
                SetLastError(ERROR_INVALID_HANDLE);
                return FALSE;
        }
        s->magic = 0;
        free(s);
        return TRUE;
}

BOOL WINAPI
VaSimGetVolumePathNamesForVolumeNameW(const WCHAR *volume, WCHAR *paths, DWORD len, DWORD *needed)
{
        struct sim_call c;
        struct vol v[SIM_VOLUMES + 1];
        const struct vol *hit;
        DWORD rc = sim_begin(&c, "GetVolumePathNamesForVolumeNameW");
        WCHAR list[SIM_VOLUME_PATHS * SIM_VOLUME_PATH_MAX + 2];
        size_t o = 0, i, n;

        if (rc == ISDSC_SERVICE_NOT_RUNNING)
                rc = ERROR_SUCCESS;
        if (rc == ERROR_SUCCESS) {
                n = volumes_now(&c, v);
                /* documented: the name is a volume GUID path, with its
                 * trailing backslash */
                if (volume == NULL || needed == NULL || wcslen(volume) < 2 ||
                    volume[wcslen(volume) - 1] != L'\\')
                        rc = ERROR_INVALID_NAME;
                else if ((hit = vol_find(v, n, volume, wcslen(volume))) == NULL)
                        rc = ERROR_FILE_NOT_FOUND; /* assumed */
                if (rc == ERROR_SUCCESS) {
                        if (hit->cfg == BOOT) {
                                if (sim_to_wide("C:\\", list, 4) == 0)
                                        o = sim_wide_len("C:\\");
                        } else {
                                const struct sim_volume *sv = &c.cfg->volumes[hit->cfg];

                                for (i = 0; i < sv->npaths; i++) {
                                        size_t w = sim_wide_len(sv->paths[i]);

                                        if (sim_to_wide(sv->paths[i], list + o,
                                                        sizeof(list) / sizeof(list[0]) - o - 1) < 0)
                                                break;
                                        o += w;
                                }
                        }
                        list[o++] = 0; /* the empty string that ends the list */
                        sim_note(&c, "paths=%zu need=%zu len=%lu",
                                 hit->cfg == BOOT ? 1 : c.cfg->volumes[hit->cfg].npaths, o,
                                 (unsigned long)len);
                        /* documented: ERROR_MORE_DATA and the length needed,
                         * the final NUL counted */
                        *needed = (DWORD)o;
                        if (paths == NULL || len < o)
                                rc = ERROR_MORE_DATA;
                        else
                                memcpy(paths, list, o * sizeof(WCHAR));
                }
        }
        rc = sim_end(&c, rc);
        SetLastError(rc);
        return rc == ERROR_SUCCESS;
}

DWORD
sim_volume_ioctl(struct sim_call *c, const WCHAR *path, DWORD code, void *out, DWORD outlen,
                 DWORD *got)
{
        struct vol v[SIM_VOLUMES + 1];
        const struct vol *hit;
        size_t n = volumes_now(c, v), len = wcslen(path), i, need;
        VOLUME_DISK_EXTENTS *x = out;

        if (len > 0 && path[len - 1] == L'\\')
                /* documented: with the backslash CreateFileW opens the
                 * volume's root directory, which has no volume IOCTLs */
                return ERROR_INVALID_FUNCTION;
        hit = NULL;
        for (i = 0; i < n && hit == NULL; i++)
                if (wcslen(v[i].name) == len + 1 && _wcsnicmp(v[i].name, path, len) == 0)
                        hit = &v[i];
        if (hit == NULL)
                return ERROR_FILE_NOT_FOUND;
        if (code != IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS)
                return ERROR_INVALID_FUNCTION; /* not modelled */
        sim_note(c, " extents=%zu", hit->ndisks);
        need = offsetof(VOLUME_DISK_EXTENTS, Extents) + hit->ndisks * sizeof(DISK_EXTENT);
        if (out == NULL || outlen < sizeof(VOLUME_DISK_EXTENTS))
                return ERROR_INSUFFICIENT_BUFFER;
        memset(out, 0, outlen < need ? outlen : need);
        x->NumberOfDiskExtents = (DWORD)hit->ndisks;
        /* a dynamic volume over several disks: the first extent and the
         * count in a buffer for one, with ERROR_MORE_DATA (documented) */
        for (i = 0;
             i < hit->ndisks &&
             offsetof(VOLUME_DISK_EXTENTS, Extents) + (i + 1) * sizeof(DISK_EXTENT) <= outlen;
             i++) {
                x->Extents[i].DiskNumber = hit->disks[i];
                x->Extents[i].StartingOffset.QuadPart = 0x8100000; /* after the MSR */
                x->Extents[i].ExtentLength.QuadPart = 1ll << 30;
        }
        *got = (DWORD)(offsetof(VOLUME_DISK_EXTENTS, Extents) + i * sizeof(DISK_EXTENT));
        return need > outlen ? ERROR_MORE_DATA : ERROR_SUCCESS;
}
