/* SPDX-License-Identifier: Apache-2.0 */
/* dm-multipath for the Linux backend. multipathd owns the maps; volattach
 * only tells it which paths belong together (as os-brick does with
 * `multipath -a` and `multipathd add path`, so find_multipaths setups build
 * a map even for a new WWID), through its command socket and wwids file
 * rather than multipath-tools processes, and then waits for the map in
 * sysfs. */
#include "backend/multipath.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/byvolid.h"
#include "backend/disk.h"
#include "backend/mpathd.h"
#include "backend/sysfs.h"
#include "backend/wwids.h"
#include "base/log.h"
#include "base/strutil.h"
#include "platform/platform.h"

static int
run(const char *const *argv, unsigned timeout_ms, char *tail, size_t len)
{
        struct plat_spawn_result res;
        struct va_err e;
        int status;

        va_err_clear(&e);
        if (plat_spawn(argv, timeout_ms, 8192, &res, &e) < 0) {
                if (tail != NULL)
                        (void)snprintf(tail, len, "%s", e.msg);
                return -1;
        }
        status = res.exited ? res.status : -1;
        if (tail != NULL) {
                res.out[str_trim_end(res.out, res.outlen)] = '\0';
                (void)va_log_quote(strrchr(res.out, '\n') ? strrchr(res.out, '\n') + 1 : res.out,
                                   tail, len);
        }
        plat_spawn_result_free(&res);
        return status;
}

int
mpath_ready(void)
{
        /* A connection, not "multipathd show status": that is a process
         * loading libmultipath and its configuration, ~200 ms of CPU at
         * boot in the lab, once per multipath volume (BENCHMARKS.md). */
        return mpathd_available();
}

/* The dm map holding a path disk: /sys/block/sdX/holders/dm-N whose
 * dm/uuid starts with "mpath-". */
static int
holder_map(const char *disk, char *buf, size_t len)
{
        char path[PATH_MAX];
        struct dirent *de;
        DIR *d;
        int r = -1;

        (void)snprintf(path, sizeof(path), "/sys/block/%s/holders", disk);
        d = opendir(path);
        if (d == NULL)
                return -1;
        while ((de = readdir(d)) != NULL) {
                char upath[PATH_MAX], uuid[256];

                if (strncmp(de->d_name, "dm-", 3) != 0)
                        continue;
                (void)snprintf(upath, sizeof(upath), "/sys/block/%s/dm/uuid", de->d_name);
                if (sysfs_read_attr(upath, uuid, sizeof(uuid)) == 0 &&
                    strncmp(uuid, "mpath-", 6) == 0) {
                        (void)snprintf(buf, len, "%s", de->d_name);
                        r = 0;
                        break;
                }
        }
        (void)closedir(d);
        return r;
}

static void
fill_map(const char *dm, struct initiator_device *ret)
{
        char path[PATH_MAX], name[128], mapper[PATH_MAX];
        struct stat st;

        memset(ret, 0, sizeof(*ret));
        (void)disk_info(dm, ret);
        ret->kind = INITIATOR_DEVICE_MULTIPATH;
        (void)snprintf(path, sizeof(path), "/sys/block/%s/dm/name", dm);
        if (sysfs_read_attr(path, name, sizeof(name)) == 0) {
                /* /dev/mapper/<name> when udev or libdevmapper made it */
                (void)snprintf(mapper, sizeof(mapper), "/dev/mapper/%s", name);
                if (stat(mapper, &st) == 0)
                        (void)snprintf(ret->by_path, sizeof(ret->by_path), "%s", mapper);
                (void)snprintf(ret->name, sizeof(ret->name), "%s", dm);
        }
        byvolid_lookup(ret);
}

/* The path's WWID, from its report or, when that is empty, from sysfs,
 * retried for up to 3 s; in the report's form (disk_info's), so that the
 * paths compare alike. */
static int
path_wwid(const struct initiator_device *d, char *buf, size_t len)
{
        char path[PATH_MAX], raw[sizeof(d->wwid)];
        uint64_t deadline = plat_monotonic_ms() + 3000;

        if (d->wwid[0] != '\0') {
                (void)snprintf(buf, len, "%s", d->wwid);
                return 0;
        }
        (void)snprintf(path, sizeof(path), "/sys/block/%s/device/wwid", d->name);
        for (;;) {
                if (sysfs_read_attr(path, raw, sizeof(raw)) == 0 && raw[0] != '\0') {
                        if (wwids_of(d->name, raw, buf, len) < 0)
                                (void)snprintf(buf, len, "%s", raw);
                        return 0;
                }
                if (plat_monotonic_ms() > deadline)
                        return -1;
                plat_sleep_ms(100);
        }
}

/* multipath-tools' WWID of a path disk, from the kernel's. */
static int
mpath_wwid(const char *name, char *buf, size_t len)
{
        char path[PATH_MAX], raw[128];

        (void)snprintf(path, sizeof(path), "/sys/block/%s/device/wwid", name);
        if (sysfs_read_attr(path, raw, sizeof(raw)) < 0)
                return -1;
        return wwids_of(name, raw, buf, len);
}

/* How many of the paths the map of the first held one holds; that map's
 * name in first (if given). */
static size_t
held_by_one_map(const struct initiator_device *paths, size_t n, char *first, size_t len)
{
        char map[64] = "";
        size_t i, held = 0;

        for (i = 0; i < n; i++) {
                char h[64];

                if (holder_map(paths[i].name, h, sizeof(h)) == 0) {
                        if (map[0] == '\0')
                                (void)snprintf(map, sizeof(map), "%s", h);
                        if (strcmp(map, h) == 0)
                                held++;
                }
        }
        if (first != NULL)
                (void)snprintf(first, len, "%s", map);
        return held;
}

/* The WWIDs volattach listed itself, one "/<wwid>/" line each:
 * multipath-tools does not say who added a line, and uninstall-state
 * removes volattach's only. */
#define OURS_DIR  "/var/lib/volattach"
#define OURS_FILE OURS_DIR "/wwids"

static void
ours_add(const char *wwid)
{
        struct va_err e;

        va_err_clear(&e);
        if (plat_mkdir_p(OURS_DIR, 0755, &e) < 0 || wwids_add(OURS_FILE, wwid, &e) < 0)
                va_log(VA_LOG_WARNING, "%s (uninstall-state will not know WWID %s)", e.msg, wwid);
}

/* 1 when a disk on the host now has this WWID. */
static int
wwid_present(const char *wwid)
{
        DIR *d = opendir("/sys/block");
        struct dirent *de;
        int found = 0;

        if (d == NULL)
                return 1; /* cannot tell: keep it */
        while (!found && (de = readdir(d)) != NULL) {
                char path[PATH_MAX], w[128], m[300];

                if (de->d_name[0] == '.')
                        continue;
                /* read once: path_wwid's wait is for a disk being set up */
                (void)snprintf(path, sizeof(path), "/sys/block/%s/device/wwid", de->d_name);
                if (sysfs_read_attr(path, w, sizeof(w)) == 0 &&
                    wwids_of(de->d_name, w, m, sizeof(m)) == 0 && strcmp(m, wwid) == 0)
                        found = 1;
        }
        closedir(d);
        return found;
}

int
mpath_forget(unsigned *kept, struct va_err *err)
{
        char *ours = NULL, *line, *save = NULL;
        size_t nours = 0;
        struct va_err e;
        unsigned here = 0;
        int r = 0;

        va_err_clear(&e);
        if (plat_read_file(OURS_FILE, 1u << 20, &ours, &nours, &e) < 0) {
                if (e.code != VA_E_NOTFOUND)
                        return va_err_set(err, e.code, "%s", e.msg);
                (void)rmdir(OURS_DIR);
                return 0;
        }
        for (line = strtok_r(ours, "\n", &save); r == 0 && line != NULL;
             line = strtok_r(NULL, "\n", &save)) {
                size_t n = strlen(line);

                if (n < 3 || line[0] != '/' || line[n - 1] != '/')
                        continue; /* wwids_add's header */
                line[n - 1] = '\0';
                if (wwid_present(line + 1)) {
                        va_log(VA_LOG_NOTICE, "kept WWID %s in " WWIDS_FILE ": its disk is present",
                               line + 1);
                        here++;
                        continue;
                }
                r = wwids_remove(WWIDS_FILE, line + 1, err);
                if (r == 0)
                        r = wwids_remove(OURS_FILE, line + 1, err);
        }
        free(ours);
        *kept += here;
        if (r == 0 && here == 0 && plat_unlink(OURS_FILE, err) == 0)
                (void)rmdir(OURS_DIR);
        return r;
}

int
mpath_assemble(const struct initiator_device *paths, size_t n, struct initiator_device *ret,
               struct va_err *err)
{
        char dm[64] = "", tail[256], wwid[sizeof(paths[0].wwid)], mwwid[sizeof(paths[0].wwid)];
        uint64_t deadline;
        size_t i;

        if (n == 0)
                return va_err_set(err, VA_E_INVAL, "no paths");
        if (!mpath_ready())
                return va_err_set(err, VA_E_UNSUPPORTED,
                                  "multipathd is not running (install multipath-tools and start "
                                  "multipathd)");
        for (i = 0; i < n; i++) {
                char w0[sizeof(paths[0].wwid)], wi[sizeof(paths[0].wwid)];

                /* A disk's wwid attribute can read empty for a moment after
                 * the disk appears (seen in the lab while the ALUA handler
                 * attaches): read it again before refusing a path. */
                if (path_wwid(&paths[0], w0, sizeof(w0)) < 0 ||
                    path_wwid(&paths[i], wi, sizeof(wi)) < 0)
                        return va_err_set(err, VA_E_INVAL,
                                          "%s or %s has no WWID (VPD page 0x83): multipath "
                                          "cannot tell whether they are the same LU",
                                          paths[0].path, paths[i].path);
                if (strcmp(wi, w0) != 0)
                        return va_err_set(err, VA_E_INVAL,
                                          "%s (%s) and %s (%s) are not the same LU: refusing to "
                                          "combine them",
                                          paths[0].path, w0, paths[i].path, wi);
        }
        /* At boot the WWID is usually known from the first attach and
         * multipathd has built the map by itself: ask only for what is
         * still needed. */
        if (path_wwid(&paths[0], wwid, sizeof(wwid)) < 0 ||
            mpath_wwid(paths[0].name, mwwid, sizeof(mwwid)) < 0) {
                /* a WWID form volattach cannot name: multipath-tools can */
                const char *argv[] = { "multipath", "-a", paths[0].path, NULL };

                if (run(argv, 30000, tail, sizeof(tail)) != 0)
                        va_log(VA_LOG_DEBUG, "multipath -a %s: %s", paths[0].path, tail);
        } else if (!wwids_known(WWIDS_FILE, mwwid)) {
                /* whitelist the WWID, so find_multipaths lets the map form */
                struct va_err e;

                va_err_clear(&e);
                if (plat_mkdir_p(WWIDS_DIR, 0755, &e) < 0 || wwids_add(WWIDS_FILE, mwwid, &e) < 0)
                        va_log(VA_LOG_DEBUG, "listing WWID %s: %s", mwwid, e.msg);
                else
                        ours_add(mwwid);
        } else {
                /* multipathd adds a known WWID's paths from their uevents,
                 * a moment after udev: give it that moment first */
                deadline = plat_monotonic_ms() + 2000;
                while (held_by_one_map(paths, n, NULL, 0) < n && plat_monotonic_ms() < deadline)
                        plat_sleep_ms(50);
        }
        for (i = 0; i < n; i++) {
                char h[64], cmd[96];
                struct va_err e;

                if (holder_map(paths[i].name, h, sizeof(h)) == 0)
                        continue; /* in a map already */
                (void)snprintf(cmd, sizeof(cmd), "add path %s", paths[i].name);
                va_err_clear(&e);
                if (mpathd_command(cmd, 30000, NULL, 0, &e) < 0)
                        va_log(VA_LOG_DEBUG, "%s", e.msg);
        }
        deadline = plat_monotonic_ms() + 15000;
        for (;;) {
                char first[64] = "";
                size_t held = held_by_one_map(paths, n, first, sizeof(first));

                if (held == n) {
                        (void)snprintf(dm, sizeof(dm), "%s", first);
                        break;
                }
                if (plat_monotonic_ms() > deadline) {
                        if (first[0] != '\0') {
                                /* a map with fewer paths is still a map */
                                va_log(VA_LOG_WARNING, "multipath map %s holds %zu of %zu paths",
                                       first, held, n);
                                (void)snprintf(dm, sizeof(dm), "%s", first);
                                break;
                        }
                        return va_err_set(err, VA_E_TIMEOUT,
                                          "multipathd built no map over %s within 15 s",
                                          paths[0].path);
                }
                plat_sleep_ms(50);
        }
        fill_map(dm, ret);
        /* A map has no VPD of its own: the serial is its LU's, which every
         * path reports alike; so is the name udev gives it by volume id
         * (device_tag), as a single path's. */
        (void)snprintf(ret->serial, sizeof(ret->serial), "%s", paths[0].serial);
        return 0;
}

int
mpath_remove(const struct initiator_device *map, struct va_err *err)
{
        char path[PATH_MAX], name[128], tail[256];
        int attempt;

        (void)snprintf(path, sizeof(path), "/sys/block/%s/dm/name", map->name);
        if (sysfs_read_attr(path, name, sizeof(name)) < 0)
                return 0; /* already gone */
        (void)disk_flush(map->path, NULL);
        /* Removing fails while the map is briefly busy: os-brick retries
         * "multipath -f" a few times. multipathd removes it when it runs
         * (and then knows); without it, multipath -f does. */
        for (attempt = 0; attempt < 5; attempt++) {
                const char *argv[] = { "multipath", "-f", name, NULL };

                if (mpathd_available()) {
                        char cmd[160];
                        struct va_err e;

                        (void)snprintf(cmd, sizeof(cmd), "del map %s", name);
                        va_err_clear(&e);
                        if (mpathd_command(cmd, 60000, NULL, 0, &e) == 0)
                                return 0;
                        (void)snprintf(tail, sizeof(tail), "%s", e.msg);
                } else if (run(argv, 60000, tail, sizeof(tail)) == 0) {
                        return 0;
                }
                plat_sleep_ms(200u << attempt);
        }
        return va_err_set(err, VA_E_BUSY, "removing multipath map %s failed: %s", name, tail);
}
