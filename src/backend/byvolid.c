/* SPDX-License-Identifier: Apache-2.0 */
/* The index behind /dev/disk/by-volume-id (byvolid.h): one file per
 * attached device, named after what udev knows the device by, holding
 * VOLATTACH_VOLUME_ID=<id> for the rule's IMPORT{file}. udev owns the
 * links, so its own "change" events keep them and systemd sees them as
 * device units; volattach only says which volume a device is. */
#include "backend/byvolid.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/sysfs.h"
#include "backend/udevdb.h"
#include "base/log.h"
#include "platform/platform.h"

#define KEY_MAX      200
#define INDEX_MAX    4096
#define LINK_WAIT_MS 10000u

/* Where udev looks for rules (udev(7)); a rule of that name in any of
 * them counts: /etc and /run override the package's. */
static const char *const rule_paths[] = {
        "/etc/udev/rules.d/65-volattach.rules",
        "/run/udev/rules.d/65-volattach.rules",
        "/usr/lib/udev/rules.d/65-volattach.rules",
        "/lib/udev/rules.d/65-volattach.rules",
};

static int
rule_installed(void)
{
        size_t i;

        for (i = 0; i < sizeof(rule_paths) / sizeof(rule_paths[0]); i++)
                if (access(rule_paths[i], R_OK) == 0)
                        return 1;
        return 0;
}

int
byvolid_key(int multipath, const char *ident, char *buf, size_t len)
{
        const char *prefix = multipath ? "" : "disk-";
        size_t i;
        int n;

        if (ident[0] == '\0' || ident[0] == '.')
                return -1;
        if (multipath && strncmp(ident, "mpath-", 6) != 0)
                return -1;
        /* udev's own set for names it builds (udev_replace_chars): what
         * scsi_id and dm put in ID_SERIAL and DM_UUID, and never '/' */
        for (i = 0; ident[i] != '\0'; i++) {
                char c = ident[i];

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      strchr("#+-.:=@_", c) != NULL))
                        return -1;
        }
        n = snprintf(buf, len, "%s%s", prefix, ident);
        if (n < 0 || (size_t)n >= len || (size_t)n > KEY_MAX)
                return -1;
        return 0;
}

/* The identity udev has for d, as the index file's name. */
static int
device_key(const struct initiator_device *d, char *buf, size_t len)
{
        char path[PATH_MAX], ident[256];

        if (d->name[0] == '\0' || strchr(d->name, '/') != NULL)
                return -1;
        if (d->kind == INITIATOR_DEVICE_MULTIPATH) {
                (void)snprintf(path, sizeof(path), "/sys/block/%s/dm/uuid", d->name);
                if (sysfs_read_attr(path, ident, sizeof(ident)) < 0)
                        return -1;
                return byvolid_key(1, ident, buf, len);
        }
        if (udevdb_property(d->name, "ID_SERIAL", ident, sizeof(ident)) < 0)
                return -1;
        return byvolid_key(0, ident, buf, len);
}

static void
trigger_one(const char *name)
{
        char path[PATH_MAX];
        struct va_err e;

        (void)snprintf(path, sizeof(path), "/sys/block/%s/uevent", name);
        va_err_clear(&e);
        if (sysfs_write_attr(path, "change", &e) < 0)
                va_log(VA_LOG_DEBUG, "%s", e.msg);
}

/* A "change" uevent for the device and its partitions (sdXN below a disk;
 * kpartx's dm maps, part<N>-mpath-..., holding a multipath map), so that
 * udev runs the rules again now that the index says (or no longer says)
 * which volume they are. */
static void
trigger(const struct initiator_device *d)
{
        char path[PATH_MAX];
        struct dirent *de;
        DIR *dir;

        trigger_one(d->name);
        if (d->kind == INITIATOR_DEVICE_MULTIPATH)
                (void)snprintf(path, sizeof(path), "/sys/block/%s/holders", d->name);
        else
                (void)snprintf(path, sizeof(path), "/sys/block/%s", d->name);
        dir = opendir(path);
        if (dir == NULL)
                return;
        while ((de = readdir(dir)) != NULL) {
                char attr[PATH_MAX], uuid[256];

                if (d->kind == INITIATOR_DEVICE_MULTIPATH) {
                        (void)snprintf(attr, sizeof(attr), "/sys/block/%s/dm/uuid", de->d_name);
                        if (strncmp(de->d_name, "dm-", 3) == 0 &&
                            sysfs_read_attr(attr, uuid, sizeof(uuid)) == 0 &&
                            strncmp(uuid, "part", 4) == 0)
                                trigger_one(de->d_name);
                        continue;
                }
                if (strncmp(de->d_name, d->name, strlen(d->name)) != 0)
                        continue;
                (void)snprintf(attr, sizeof(attr), "%s/%s/partition", path, de->d_name);
                if (access(attr, F_OK) == 0) {
                        char ev[PATH_MAX];
                        struct va_err e;

                        (void)snprintf(ev, sizeof(ev), "%s/%s/uevent", path, de->d_name);
                        va_err_clear(&e);
                        if (sysfs_write_attr(ev, "change", &e) < 0)
                                va_log(VA_LOG_DEBUG, "%s", e.msg);
                }
        }
        (void)closedir(dir);
}

/* 1 when link resolves to the block device devpath. */
static int
same_device(const char *link, const char *devpath)
{
        struct stat a, b;

        return stat(link, &a) == 0 && stat(devpath, &b) == 0 && S_ISBLK(a.st_mode) &&
               S_ISBLK(b.st_mode) && a.st_rdev == b.st_rdev;
}

void
byvolid_lookup(struct initiator_device *d)
{
        struct dirent *de;
        DIR *dir;

        d->by_volume_id[0] = '\0';
        if (d->path[0] == '\0')
                return;
        dir = opendir(BYVOLID_LINK_DIR);
        if (dir == NULL)
                return;
        while ((de = readdir(dir)) != NULL) {
                char link[PATH_MAX];

                /* the whole device's link is the bare id; <id>-partN are
                 * its partitions' */
                if (strlen(de->d_name) != VOLUME_ID_LEN)
                        continue;
                (void)snprintf(link, sizeof(link), BYVOLID_LINK_DIR "/%s", de->d_name);
                if (same_device(link, d->path)) {
                        (void)snprintf(d->by_volume_id, sizeof(d->by_volume_id), "%s", link);
                        break;
                }
        }
        (void)closedir(dir);
}

/* 1 when the index file text names volume_id. */
static int
names_volume(const char *text, const char *volume_id)
{
        char line[64];
        const char *at;

        (void)snprintf(line, sizeof(line), "VOLATTACH_VOLUME_ID=%s", volume_id);
        at = strstr(text, line);
        return at != NULL && (at == text || at[-1] == '\n') &&
               (at[strlen(line)] == '\n' || at[strlen(line)] == '\0');
}

/* Calls fn for each index file; stops at the first non-zero return. */
static int
for_each_index(int (*fn)(const char *name, const char *text, void *ctx), void *ctx,
               struct va_err *err)
{
        char **names = NULL;
        size_t n = 0, i;
        int r;

        r = plat_list_dir(BYVOLID_INDEX_DIR, &names, &n, err);
        for (i = 0; r == 0 && i < n; i++) {
                char path[PATH_MAX], *text = NULL;
                size_t len = 0;
                struct va_err e;

                if (names[i][0] == '.')
                        continue; /* a temporary file of plat_write_file_atomic */
                (void)snprintf(path, sizeof(path), BYVOLID_INDEX_DIR "/%s", names[i]);
                va_err_clear(&e);
                if (plat_read_file(path, INDEX_MAX, &text, &len, &e) < 0)
                        continue;
                r = fn(names[i], text, ctx);
                free(text);
        }
        plat_string_list_free(names, n);
        return r;
}

struct drop_ctx {
        const char *volume_id;
        const char *keep; /* this one's name stays (set writes it next) */
        struct va_err *err;
};

static int
drop_cb(const char *name, const char *text, void *ctx)
{
        struct drop_ctx *c = ctx;
        char path[PATH_MAX];

        if (!names_volume(text, c->volume_id) || (c->keep != NULL && strcmp(name, c->keep) == 0))
                return 0;
        (void)snprintf(path, sizeof(path), BYVOLID_INDEX_DIR "/%s", name);
        return plat_unlink(path, c->err) < 0 ? -1 : 0;
}

int
byvolid_set(const char *volume_id, struct initiator_device *d, struct va_err *err)
{
        char key[KEY_MAX + 8], path[PATH_MAX], text[80], link[PATH_MAX], *old = NULL;
        struct drop_ctx dc = { volume_id, NULL, err };
        size_t oldlen = 0;
        struct va_err e;
        uint64_t deadline;
        int same = 0;

        d->by_volume_id[0] = '\0';
        if (!uuid_is_canonical(volume_id))
                return va_err_set(err, VA_E_INVAL, "'%.40s' is not a volume id", volume_id);
        if (device_key(d, key, sizeof(key)) < 0) {
                /* no udev database (no udevd), or an identity udev would not
                 * name a file by: no link can come of an index */
                va_log(VA_LOG_DEBUG, "%s: no udev identity for " BYVOLID_LINK_DIR "/%s", d->path,
                       volume_id);
                return 0;
        }
        (void)snprintf(path, sizeof(path), BYVOLID_INDEX_DIR "/%s", key);
        (void)snprintf(text, sizeof(text), "VOLATTACH_VOLUME_ID=%s\n", volume_id);
        (void)snprintf(link, sizeof(link), BYVOLID_LINK_DIR "/%s", volume_id);
        va_err_clear(&e);
        if (plat_read_file(path, INDEX_MAX, &old, &oldlen, &e) == 0)
                same = strcmp(old, text) == 0;
        free(old);
        /* the same volume on another device before (a path, then the map) */
        dc.keep = key;
        if (for_each_index(drop_cb, &dc, err) < 0)
                return -VA_E_IO;
        if (same && same_device(link, d->path)) {
                /* as at a rerun: udev has it already */
                (void)snprintf(d->by_volume_id, sizeof(d->by_volume_id), "%s", link);
                return 0;
        }
        if (!same && (plat_mkdir_p(BYVOLID_INDEX_DIR, 0755, err) < 0 ||
                      plat_write_file_atomic(path, text, strlen(text), 0644, err) < 0))
                return -VA_E_IO;
        if (!udevdb_running())
                return 0;
        if (!rule_installed()) {
                va_log(VA_LOG_INFO,
                       "no 65-volattach.rules in udev's rules directories: %s gets "
                       "no " BYVOLID_LINK_DIR " name",
                       d->path);
                return 0;
        }
        trigger(d);
        deadline = plat_monotonic_ms() + LINK_WAIT_MS;
        while (!same_device(link, d->path)) {
                if (plat_monotonic_ms() > deadline)
                        return va_err_set(
                            err, VA_E_TIMEOUT,
                            "udev made no %s for %s within %u s (see udevadm info %s)", link,
                            d->path, LINK_WAIT_MS / 1000, d->path);
                plat_sleep_ms(20);
        }
        (void)snprintf(d->by_volume_id, sizeof(d->by_volume_id), "%s", link);
        return 0;
}

int
byvolid_clear(const char *volume_id, const struct initiator_device *d, struct va_err *err)
{
        struct drop_ctx dc = { volume_id, NULL, err };
        char path[PATH_MAX];

        if (for_each_index(drop_cb, &dc, err) < 0)
                return -VA_E_IO;
        (void)rmdir(BYVOLID_INDEX_DIR); /* only when empty */
        (void)snprintf(path, sizeof(path), "/sys/block/%s", d->name);
        if (d->name[0] != '\0' && strchr(d->name, '/') == NULL && access(path, F_OK) == 0 &&
            udevdb_running())
                trigger(d);
        return 0;
}

/* 1 when a block device on the host now has index name key. */
static int
key_present(const char *key)
{
        DIR *dir = opendir("/sys/block");
        struct dirent *de;
        int found = 0;

        if (dir == NULL)
                return 1; /* cannot tell: keep it */
        while (!found && (de = readdir(dir)) != NULL) {
                struct initiator_device d;
                char k[KEY_MAX + 8];

                if (de->d_name[0] == '.')
                        continue;
                memset(&d, 0, sizeof(d));
                (void)snprintf(d.name, sizeof(d.name), "%s", de->d_name);
                d.kind = strncmp(de->d_name, "dm-", 3) == 0 ? INITIATOR_DEVICE_MULTIPATH
                                                            : INITIATOR_DEVICE_DISK;
                if (device_key(&d, k, sizeof(k)) == 0 && strcmp(k, key) == 0)
                        found = 1;
        }
        (void)closedir(dir);
        return found;
}

struct forget_ctx {
        unsigned kept;
        struct va_err *err;
};

static int
forget_cb(const char *name, const char *text, void *ctx)
{
        struct forget_ctx *c = ctx;
        char path[PATH_MAX];

        (void)text;
        if (key_present(name)) {
                va_log(VA_LOG_NOTICE, "kept " BYVOLID_INDEX_DIR "/%s: its device is present", name);
                c->kept++;
                return 0;
        }
        (void)snprintf(path, sizeof(path), BYVOLID_INDEX_DIR "/%s", name);
        return plat_unlink(path, c->err) < 0 ? -1 : 0;
}

int
byvolid_forget(unsigned *kept, struct va_err *err)
{
        struct forget_ctx c = { 0, err };

        if (for_each_index(forget_cb, &c, err) < 0)
                return -VA_E_IO;
        *kept += c.kept;
        (void)rmdir(BYVOLID_INDEX_DIR);
        return 0;
}
