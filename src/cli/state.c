/* SPDX-License-Identifier: Apache-2.0 */
/* Reading and writing the state files. Written atomically, so a crash
 * leaves either the old file or the new one. */
#include "cli/state.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"

#define STATE_FILE_MAX (64 * 1024)

/* Never cut: a cut path would name another file. */
static int
path_for(const char *dir, const char *id, char *buf, size_t len, struct va_err *err)
{
        int n = snprintf(buf, len, "%s/volumes/%s.json", dir, id);

        if (n < 0 || (size_t)n >= len)
                return va_err_set(err, VA_E_INVAL,
                                  "the state directory path is too long (%zu bytes; at most %zu)",
                                  strlen(dir), len - sizeof("/volumes/.json") - VOLUME_ID_LEN);
        return 0;
}

static cJSON *
device_json(const struct initiator_device *d)
{
        cJSON *o = cJSON_CreateObject();

        if (o == NULL)
                return NULL;
        (void)cJSON_AddStringToObject(o, "kind",
                                      d->kind == INITIATOR_DEVICE_MULTIPATH ? "multipath" : "disk");
        (void)cJSON_AddStringToObject(o, "path", d->path);
        (void)cJSON_AddStringToObject(o, "by_path", d->by_path);
        (void)cJSON_AddStringToObject(o, "by_volume_id", d->by_volume_id);
        (void)cJSON_AddStringToObject(o, "name", d->name);
        (void)cJSON_AddStringToObject(o, "wwid", d->wwid);
        (void)cJSON_AddStringToObject(o, "serial", d->serial);
        (void)cJSON_AddNumberToObject(o, "size_bytes", (double)d->size_bytes);
        (void)cJSON_AddBoolToObject(o, "read_only", d->read_only);
        (void)cJSON_AddStringToObject(o, "session", d->session);
        (void)cJSON_AddNumberToObject(o, "host_lun", d->host_lun);
        return o;
}

/* A state file is input: the state directory is root-only, but what it
 * holds is checked like metadata before anything uses or prints it. A
 * field that fails sets *bad to its name. */
static void
str_field(const cJSON *o, const char *key, char *buf, size_t len, const char **bad)
{
        const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
        size_t i;

        buf[0] = '\0';
        if (j == NULL || cJSON_IsNull(j))
                return;
        if (!cJSON_IsString(j) || strlen(j->valuestring) >= len) {
                *bad = key;
                return;
        }
        for (i = 0; j->valuestring[i] != '\0'; i++) {
                unsigned char c = (unsigned char)j->valuestring[i];

                if (c < 0x20 || c == 0x7f) {
                        *bad = key;
                        return;
                }
        }
        memcpy(buf, j->valuestring, strlen(j->valuestring) + 1);
}

/* An integer 0..max, checked as a double before any cast: a cast of an
 * out-of-range double to an unsigned type is undefined behaviour. */
static uint64_t
uint_field(const cJSON *o, const char *key, double max, const char **bad)
{
        const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
        double v;

        if (j == NULL)
                return 0;
        if (!cJSON_IsNumber(j)) {
                *bad = key;
                return 0;
        }
        v = j->valuedouble;
        /* NaN fails both comparisons; the cast is done only in range */
        if (!(v >= 0 && v <= max) || (double)(uint64_t)v != v) {
                *bad = key;
                return 0;
        }
        return (uint64_t)v;
}

/* A device name is a kernel or Windows name (sdb, dm-3, PhysicalDrive2):
 * it is put into /sys paths, so no '/' and no leading dot. */
static int
device_name_ok(const char *s)
{
        size_t i;

        if (s[0] == '.')
                return 0;
        for (i = 0; s[i] != '\0'; i++) {
                char c = s[i];

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == ':'))
                        return 0;
        }
        return 1;
}

/* /dev/... on Linux, \\.\... on Windows; empty when none was found. */
static int
device_path_ok(const char *s)
{
        return s[0] == '\0' || (strncmp(s, "/dev/", 5) == 0 && strstr(s, "/../") == NULL) ||
               strncmp(s, "\\\\.\\", 4) == 0;
}

static void
device_from_json(const cJSON *o, struct initiator_device *d, const char **bad)
{
        char kind[16];

        memset(d, 0, sizeof(*d));
        if (!cJSON_IsObject(o))
                return;
        str_field(o, "kind", kind, sizeof(kind), bad);
        d->kind =
            strcmp(kind, "multipath") == 0 ? INITIATOR_DEVICE_MULTIPATH : INITIATOR_DEVICE_DISK;
        str_field(o, "path", d->path, sizeof(d->path), bad);
        if (!device_path_ok(d->path))
                *bad = "device.path";
        str_field(o, "by_path", d->by_path, sizeof(d->by_path), bad);
        if (!device_path_ok(d->by_path))
                *bad = "device.by_path";
        str_field(o, "by_volume_id", d->by_volume_id, sizeof(d->by_volume_id), bad);
        if (!device_path_ok(d->by_volume_id))
                *bad = "device.by_volume_id";
        str_field(o, "name", d->name, sizeof(d->name), bad);
        if (!device_name_ok(d->name))
                *bad = "device.name";
        str_field(o, "wwid", d->wwid, sizeof(d->wwid), bad);
        str_field(o, "serial", d->serial, sizeof(d->serial), bad);
        /* 2^53: every byte count a double holds exactly */
        d->size_bytes = uint_field(o, "size_bytes", 9007199254740992.0, bad);
        d->read_only = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "read_only"));
        str_field(o, "session", d->session, sizeof(d->session), bad);
        d->host_lun = (unsigned)uint_field(o, "host_lun", 4294967295.0, bad);
}

int
state_save(const char *state_dir, const struct attach_result *res, struct va_err *err)
{
        char path[1024], dir[1024];
        cJSON *root = cJSON_CreateObject(), *paths;
        char *text;
        size_t i;
        int r;

        if (root == NULL)
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        (void)cJSON_AddStringToObject(root, "id", res->vol->id);
        (void)cJSON_AddStringToObject(root, "source", res->vol->source);
        (void)cJSON_AddBoolToObject(root, "read_only", res->vol->read_only);
        (void)cJSON_AddItemToObject(root, "device", device_json(&res->device));
        paths = cJSON_AddArrayToObject(root, "paths");
        for (i = 0; i < res->npaths; i++) {
                const struct attach_path *ap = &res->paths[i];
                cJSON *p;
                char portal[PORTAL_TEXT_MAX];

                if (!ap->ok)
                        continue;
                p = cJSON_CreateObject();
                (void)portal_format(&ap->path.portal, portal, sizeof(portal));
                (void)cJSON_AddStringToObject(p, "portal", portal);
                (void)cJSON_AddStringToObject(p, "target_iqn", ap->path.iqn);
                (void)cJSON_AddNumberToObject(p, "lun", ap->path.lun);
                (void)cJSON_AddNumberToObject(p, "host_lun", ap->path.host_lun);
                (void)cJSON_AddItemToObject(p, "device", device_json(&ap->device));
                (void)cJSON_AddItemToArray(paths, p);
        }
        text = cJSON_Print(root);
        cJSON_Delete(root);
        if (text == NULL)
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        (void)snprintf(dir, sizeof(dir), "%s/volumes", state_dir);
        r = plat_mkdir_p(dir, 0700, err);
        if (r == 0)
                r = path_for(state_dir, res->vol->id, path, sizeof(path), err);
        if (r == 0)
                r = plat_write_file_atomic(path, text, strlen(text), 0600, err);
        free(text);
        return r;
}

int
state_load(const char *state_dir, const char *id, struct attached_volume *ret, struct va_err *err)
{
        char path[1024];
        char *buf = NULL;
        size_t len, i = 0;
        cJSON *root;
        const cJSON *paths, *p;
        const char *bad = NULL;
        int r;

        memset(ret, 0, sizeof(*ret));
        if (!uuid_is_canonical(id))
                return va_err_set(err, VA_E_INVAL, "'%.40s' is not a volume id (a UUID)", id);
        r = path_for(state_dir, id, path, sizeof(path), err);
        if (r < 0)
                return r;
        r = plat_read_file(path, STATE_FILE_MAX, &buf, &len, err);
        if (r == -VA_E_NOTFOUND) {
                va_err_clear(err);
                return va_err_set(
                    err, VA_E_NOTFOUND,
                    "volume %s: not attached by volattach (no state file in %s/volumes)", id,
                    state_dir);
        }
        if (r < 0)
                return r;
        root = cJSON_ParseWithLength(buf, len);
        free(buf);
        if (!cJSON_IsObject(root)) {
                cJSON_Delete(root);
                return va_err_set(err, VA_E_PARSE, "%s: not a volattach state file", path);
        }
        str_field(root, "id", ret->id, sizeof(ret->id), &bad);
        str_field(root, "source", ret->source, sizeof(ret->source), &bad);
        ret->read_only = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "read_only"));
        device_from_json(cJSON_GetObjectItemCaseSensitive(root, "device"), &ret->device, &bad);
        paths = cJSON_GetObjectItemCaseSensitive(root, "paths");
        if (cJSON_IsArray(paths) && cJSON_GetArraySize(paths) > 0 &&
            cJSON_GetArraySize(paths) <= VOLUME_MAX_PATHS) {
                ret->paths = calloc((size_t)cJSON_GetArraySize(paths), sizeof(*ret->paths));
                if (ret->paths == NULL) {
                        cJSON_Delete(root);
                        return va_err_set(err, VA_E_NOMEM, "out of memory");
                }
        }
        cJSON_ArrayForEach (p, paths) {
                struct attached_path *ap;
                char portal[PORTAL_TEXT_MAX + 1];

                if (ret->paths == NULL)
                        break;
                ap = &ret->paths[i];
                str_field(p, "portal", portal, sizeof(portal), &bad);
                str_field(p, "target_iqn", ap->path.iqn, sizeof(ap->path.iqn), &bad);
                /* the state directory is root-only, but a state file is still
                 * input: check it like metadata before using it */
                if (portal_parse(portal, &ap->path.portal, NULL, NULL) < 0 ||
                    iscsi_name_check(ap->path.iqn, NULL, NULL) < 0)
                        continue;
                ap->path.lun = (unsigned)uint_field(p, "lun", LUN_MAX, &bad);
                ap->path.host_lun = (unsigned)uint_field(p, "host_lun", 4294967295.0, &bad);
                device_from_json(cJSON_GetObjectItemCaseSensitive(p, "device"), &ap->device, &bad);
                i++;
        }
        ret->npaths = i;
        cJSON_Delete(root);
        if (bad != NULL) {
                attached_volume_clear(ret);
                return va_err_set(err, VA_E_PARSE, "%s: field %s is not valid; file ignored", path,
                                  bad);
        }
        if (strcmp(ret->id, id) != 0) {
                attached_volume_clear(ret);
                return va_err_set(err, VA_E_PARSE, "%s: state file names another volume", path);
        }
        return 0;
}

int
state_list(const char *state_dir, char ***ret, size_t *ret_n, struct va_err *err)
{
        char dir[1024];
        char **names;
        size_t n, i, k = 0;
        int r;

        r = snprintf(dir, sizeof(dir), "%s/volumes", state_dir);
        if (r < 0 || (size_t)r >= sizeof(dir))
                return va_err_set(err, VA_E_INVAL, "the state directory path is too long");
        r = plat_list_dir(dir, &names, &n, err);
        if (r < 0)
                return r;
        for (i = 0; i < n; i++) {
                size_t len = strlen(names[i]);

                /* only "<uuid>.json"; leftover temporary files are skipped */
                if (len == VOLUME_ID_LEN + 5 && strcmp(names[i] + VOLUME_ID_LEN, ".json") == 0) {
                        names[i][VOLUME_ID_LEN] = '\0';
                        if (uuid_is_canonical(names[i])) {
                                names[k++] = names[i];
                                continue;
                        }
                }
                free(names[i]);
        }
        *ret = names;
        *ret_n = k;
        return 0;
}

int
state_remove(const char *state_dir, const char *id, struct va_err *err)
{
        char path[1024];

        if (path_for(state_dir, id, path, sizeof(path), err) < 0)
                return -VA_E_INVAL;
        return plat_unlink(path, err);
}

/* The files of one directory (no subdirectories), then the directory. */
static int
dir_remove(const char *dir, struct va_err *err)
{
        char **names = NULL, path[1024];
        size_t n = 0, i;
        int r;

        r = plat_list_dir(dir, &names, &n, err);
        for (i = 0; r == 0 && i < n; i++) {
                (void)snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
                if (!plat_is_dir(path))
                        r = plat_unlink(path, err);
        }
        plat_string_list_free(names, n);
        return r < 0 ? r : plat_rmdir(dir, err);
}

int
state_dir_remove(const char *state_dir, struct va_err *err)
{
        char dir[1024];
        int r;

        (void)snprintf(dir, sizeof(dir), "%s/volumes", state_dir);
        r = dir_remove(dir, err);
        return r < 0 ? r : dir_remove(state_dir, err);
}
