/* SPDX-License-Identifier: Apache-2.0 */
/* --prepare, run per attached volume: the record of the filesystem volattach
 * made (its UUID: what lets a rerun or the next boot mount it and never make
 * it again), the backend's disk_prepare and disk_mount, and the report. */
#include "cli/prepare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cli/doc.h"
#include "platform/platform.h"

#define RECORD_MAX (16 * 1024)

static const char *const status_name[] = { "none", "made", "mounted", "refused", "failed" };

int
prep_check(const struct cli *c, const struct initiator_ops *ops)
{
        struct va_err err;

        va_err_clear(&err);
        if (prepare_config_check(&c->prepare, "--prepare", ops->name,
                                 ops->disk_prepare != NULL ? ops->prepare_fs : NULL, &err) < 0) {
                fprintf(stderr, "volattach: %s\n", err.msg);
                return EXIT_USAGE;
        }
        return EXIT_OK;
}

static int
record_path(const struct cli *c, const char *id, char *dir, size_t dlen, char *path, size_t plen)
{
        int r = snprintf(dir, dlen, "%s/prepared", c->state_dir ? c->state_dir : plat_data_dir());

        if (r < 0 || (size_t)r >= dlen)
                return -VA_E_TOOBIG;
        r = snprintf(path, plen, "%s/%s.json", dir, id);
        return r < 0 || (size_t)r >= plen ? -VA_E_TOOBIG : 0;
}

/* The UUID volattach recorded for volume id, "" when none. A record that
 * cannot be read counts as none: the disk is then refused, never made. */
static void
record_load(const struct cli *c, const char *id, char *uuid, size_t len)
{
        char dir[1024], path[1100];
        char *text = NULL;
        size_t n = 0;
        struct va_err err;
        cJSON *root, *u;

        uuid[0] = '\0';
        va_err_clear(&err);
        if (record_path(c, id, dir, sizeof(dir), path, sizeof(path)) < 0 ||
            plat_read_file(path, RECORD_MAX, &text, &n, &err) < 0)
                return;
        root = cJSON_ParseWithLength(text, n);
        free(text);
        u = cJSON_GetObjectItemCaseSensitive(root, "uuid");
        if (cJSON_IsString(u) && strlen(u->valuestring) < len &&
            strspn(u->valuestring, "0123456789abcdefABCDEF-") == strlen(u->valuestring))
                (void)snprintf(uuid, len, "%s", u->valuestring);
        else
                va_log(VA_LOG_WARNING, "%s: no valid \"uuid\": ignored", path);
        cJSON_Delete(root);
}

static int
record_save(const struct cli *c, const char *id, const struct prepare_spec *s,
            const struct prepare_outcome *o, struct va_err *err)
{
        char dir[1024], path[1100];
        cJSON *root = cJSON_CreateObject();
        char *text;
        int r;

        if (root == NULL)
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        (void)cJSON_AddStringToObject(root, "volume_id", id);
        (void)cJSON_AddStringToObject(root, "spec", s->text);
        (void)cJSON_AddStringToObject(root, "fs", prepare_fs_name(s->fs));
        (void)cJSON_AddStringToObject(root, "label", PREPARE_LABEL);
        (void)cJSON_AddStringToObject(root, "uuid", o->uuid);
        text = cJSON_Print(root);
        cJSON_Delete(root);
        if (text == NULL)
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        r = record_path(c, id, dir, sizeof(dir), path, sizeof(path));
        if (r < 0)
                r = va_err_set(err, -r, "record path too long");
        if (r == 0)
                r = plat_mkdir_p(dir, 0700, err);
        if (r == 0)
                r = plat_write_file_atomic(path, text, strlen(text), 0600, err);
        free(text);
        return r;
}

void
prep_volume(const struct cli *c, const struct initiator_ops *ops, struct initiator *ini,
            const struct attach_result *res, struct prep_result *ret)
{
        const struct prepare_spec *spec = prepare_config_find(&c->prepare, res->vol->id);
        struct prepare_request rq;
        char recorded[PREPARE_UUID_MAX], why[256];
        const char *id = res->vol->id;

        memset(ret, 0, sizeof(*ret));
        if (spec == NULL || res->status == ATTACH_FAILED)
                return;
        ret->status = PREP_REFUSED;
        if (ops->disk_prepare == NULL) {
                (void)snprintf(ret->out.why, sizeof(ret->out.why),
                               "this initiator (%s) cannot prepare disks", ops->name);
                goto report;
        }
        record_load(c, id, recorded, sizeof(recorded));
        memset(&rq, 0, sizeof(rq));
        rq.volume_id = id;
        rq.spec = spec;
        rq.recorded_uuid = recorded;
        rq.read_only = res->vol->read_only || res->device.read_only;
        why[0] = '\0';
        rq.in_use = ops->device_in_use(ini, &res->device, why, sizeof(why), &ret->err);
        if (rq.in_use < 0) {
                ret->status = PREP_FAILED;
                goto report;
        }
        rq.in_use_why = why;
        va_err_clear(&ret->err);
        if (ops->disk_prepare(ini, &res->device, &rq, &ret->out, &ret->err) < 0) {
                ret->status = PREP_FAILED;
                goto report;
        }
        if (ret->out.action == PREPARE_REFUSE)
                goto report;
        if (ret->out.action == PREPARE_MAKE && record_save(c, id, spec, &ret->out, &ret->err) < 0) {
                /* made, but the next run could not know it is ours: say so
                 * loudly; the disk is refused from then on, never made again */
                ret->status = PREP_FAILED;
                va_err_prefix(&ret->err, "filesystem %s made, but its record was not written",
                              ret->out.uuid);
                goto report;
        }
        ret->status = ret->out.action == PREPARE_MAKE ? PREP_MADE : PREP_MOUNTED;
        if (ops->disk_mount != NULL &&
            ops->disk_mount(ini, &res->device, &rq, &ret->out, &ret->err) < 0)
                ret->status = PREP_FAILED;
report:
        if (ret->status == PREP_REFUSED)
                doc_error(VA_LOG_WARNING, "prepare_refused", res->vol->source, NULL, id,
                          "volume %s: --prepare \"%s\" refused, nothing written: %s", id,
                          spec->text, ret->out.why);
        else if (ret->status == PREP_FAILED)
                doc_error(VA_LOG_ERR, "prepare_failed", res->vol->source, NULL, id,
                          "volume %s: --prepare \"%s\": %s", id, spec->text, ret->err.msg);
        else
                va_log(VA_LOG_NOTICE, "volume %s: %s %s %s%s%s", id,
                       ret->status == PREP_MADE ? "made" : "found its", prepare_fs_name(spec->fs),
                       ret->out.uuid, ret->out.mounted_at[0] ? ", mounted at " : "",
                       ret->out.mounted_at);
}

int
prep_exit(const struct prep_result *r)
{
        return r->status == PREP_REFUSED || r->status == PREP_FAILED ? EXIT_PARTIAL : EXIT_OK;
}

void
prep_text(const struct prep_result *r)
{
        switch (r->status) {
        case PREP_NONE:
                return;
        case PREP_REFUSED:
                printf("  prepare  refused, nothing written: %s\n", r->out.why);
                return;
        case PREP_FAILED:
                printf("  prepare  FAILED: %s\n", r->err.msg);
                return;
        case PREP_MADE:
        case PREP_MOUNTED:
                printf("  prepare  %s %s UUID %s on %s", status_name[r->status],
                       r->out.partition[0] ? "filesystem" : "", r->out.uuid, r->out.partition);
                if (r->out.mounted_at[0])
                        printf(", mounted at %s (%s)", r->out.mounted_at, r->out.unit);
                printf("\n");
                return;
        }
}

cJSON *
prep_json(const struct prep_result *r)
{
        cJSON *o;

        if (r->status == PREP_NONE)
                return cJSON_CreateNull();
        o = cJSON_CreateObject();
        (void)cJSON_AddStringToObject(o, "status", status_name[r->status]);
        if (r->status == PREP_REFUSED)
                (void)cJSON_AddStringToObject(o, "reason", r->out.why);
        if (r->status == PREP_FAILED)
                (void)cJSON_AddStringToObject(o, "error", r->err.msg);
        if (r->out.uuid[0])
                (void)cJSON_AddStringToObject(o, "uuid", r->out.uuid);
        if (r->out.partition[0])
                (void)cJSON_AddStringToObject(o, "partition", r->out.partition);
        if (r->out.unit[0])
                (void)cJSON_AddStringToObject(o, "unit", r->out.unit);
        if (r->out.mounted_at[0])
                (void)cJSON_AddStringToObject(o, "mounted_at", r->out.mounted_at);
        return o;
}
