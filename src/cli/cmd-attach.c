/* SPDX-License-Identifier: Apache-2.0 */
/* volattach attach: read the metadata, log in to every volume in parallel,
 * report each block device, and remember what was attached. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/doc.h"
#include "cli/prepare.h"
#include "cli/state.h"
#include "cli/report.h"
#include "core/attach.h"
#include "base/log.h"
#include "platform/platform.h"

static const char *const status_name[] = { "attached", "degraded", "failed" };

static cJSON *
attach_json(const struct meta_docs *docs, int load_code, const struct volume_set *set,
            const struct attach_report *rep, const struct prep_result *prep)
{
        cJSON *root = doc_new("attach"), *vols, *summary;
        size_t i, k, ok = 0, degraded = 0, failed = 0;

        if (root == NULL)
                return NULL;
        (void)cJSON_AddItemToObject(root, "metadata", cli_metadata_json(docs, load_code));
        if (set->initiator[0])
                (void)cJSON_AddStringToObject(root, "initiator", set->initiator);
        else
                (void)cJSON_AddNullToObject(root, "initiator");
        (void)cJSON_AddBoolToObject(root, "initiator_changed", rep->initiator_changed);
        vols = cJSON_AddArrayToObject(root, "volumes");
        for (i = 0; i < rep->n; i++) {
                const struct attach_result *res = &rep->v[i];
                cJSON *v = cJSON_CreateObject(), *paths;

                (void)cJSON_AddStringToObject(v, "id", res->vol->id);
                (void)cJSON_AddStringToObject(v, "source", res->vol->source);
                (void)cJSON_AddStringToObject(v, "status", status_name[res->status]);
                if (res->status != ATTACH_FAILED)
                        (void)cJSON_AddItemToObject(v, "device", report_device_json(&res->device));
                else
                        (void)cJSON_AddNullToObject(v, "device");
                if (res->err.code != 0)
                        (void)cJSON_AddStringToObject(v, "error", res->err.msg);
                else
                        (void)cJSON_AddNullToObject(v, "error");
                if (res->hint[0])
                        (void)cJSON_AddStringToObject(v, "hint", res->hint);
                (void)cJSON_AddNumberToObject(v, "elapsed_ms", (double)res->elapsed_ms);
                if (prep != NULL && prep[i].status != PREP_NONE)
                        (void)cJSON_AddItemToObject(v, "prepare", prep_json(&prep[i]));
                paths = cJSON_AddArrayToObject(v, "paths");
                for (k = 0; k < res->npaths; k++) {
                        const struct attach_path *ap = &res->paths[k];
                        cJSON *p = cJSON_CreateObject();
                        char portal[PORTAL_TEXT_MAX];

                        (void)portal_format(&ap->path.portal, portal, sizeof(portal));
                        (void)cJSON_AddStringToObject(p, "portal", portal);
                        (void)cJSON_AddStringToObject(p, "target_iqn", ap->path.iqn);
                        (void)cJSON_AddNumberToObject(p, "lun", ap->path.lun);
                        (void)cJSON_AddBoolToObject(p, "ok", ap->ok);
                        (void)cJSON_AddNumberToObject(p, "login_attempts", ap->attempts);
                        if (ap->session.handle[0]) {
                                (void)cJSON_AddStringToObject(p, "session", ap->session.handle);
                                (void)cJSON_AddBoolToObject(p, "session_reused",
                                                            ap->session.reused);
                        } else {
                                (void)cJSON_AddNullToObject(p, "session");
                        }
                        if (ap->ok)
                                (void)cJSON_AddItemToObject(p, "device",
                                                            report_device_json(&ap->device));
                        else
                                (void)cJSON_AddNullToObject(p, "device");
                        if (!ap->ok && ap->err.code != 0)
                                (void)cJSON_AddStringToObject(p, "error", ap->err.msg);
                        (void)cJSON_AddItemToArray(paths, p);
                }
                (void)cJSON_AddItemToArray(vols, v);
                if (res->status == ATTACH_OK)
                        ok++;
                else if (res->status == ATTACH_DEGRADED)
                        degraded++;
                else
                        failed++;
        }
        (void)cJSON_AddItemToObject(root, "items", report_items_json(set));
        summary = cJSON_AddObjectToObject(root, "summary");
        (void)cJSON_AddNumberToObject(summary, "attached", (double)ok);
        (void)cJSON_AddNumberToObject(summary, "degraded", (double)degraded);
        (void)cJSON_AddNumberToObject(summary, "failed", (double)failed);
        (void)cJSON_AddNumberToObject(summary, "skipped",
                                      (double)volume_set_count(set, ITEM_SKIPPED));
        (void)cJSON_AddNumberToObject(summary, "rejected",
                                      (double)volume_set_count(set, ITEM_REJECTED));
        (void)cJSON_AddNumberToObject(summary, "elapsed_ms", (double)rep->elapsed_ms);
        return root;
}

/* "64 MiB", "1.5 GiB": binary units, as lsblk prints them. */
static const char *
human_size(uint64_t bytes, char *buf, size_t len)
{
        static const char *const unit[] = { "bytes", "KiB", "MiB", "GiB", "TiB", "PiB" };
        double v = (double)bytes;
        size_t u = 0;

        while (v >= 1024.0 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
                v /= 1024.0;
                u++;
        }
        if (u == 0 || v == (double)(uint64_t)v)
                (void)snprintf(buf, len, "%llu %s", (unsigned long long)v, unit[u]);
        else
                (void)snprintf(buf, len, "%.1f %s", v, unit[u]);
        return buf;
}

static void
attach_text(const struct volume_set *set, const struct attach_report *rep,
            const struct prep_result *prep)
{
        size_t i, k, ok = 0, degraded = 0, failed = 0;
        char hs[32];

        for (i = 0; i < rep->n; i++) {
                const struct attach_result *res = &rep->v[i];

                if (res->status == ATTACH_FAILED) {
                        failed++;
                        /* the error itself is in the log, once */
                        printf("Volume %s FAILED\n", res->vol->id);
                        if (res->hint[0])
                                printf("  hint     %s\n", res->hint);
                        continue;
                }
                if (res->status == ATTACH_OK)
                        ok++;
                else
                        degraded++;
                printf("Volume %s %s: %s\n", res->vol->id, status_name[res->status],
                       res->device.path);

                if (res->device.by_path[0])
                        printf("  by-path  %s\n", res->device.by_path);
                if (res->device.by_volume_id[0])
                        printf("  by-volid %s\n", res->device.by_volume_id);
                if (res->device.wwid[0])
                        printf("  wwid     %s\n", res->device.wwid);
                if (res->device.serial[0])
                        printf("  serial   %s\n", res->device.serial);
                printf("  size     %llu bytes (%s)%s\n", (unsigned long long)res->device.size_bytes,
                       human_size(res->device.size_bytes, hs, sizeof(hs)),
                       res->device.read_only ? ", read-only" : "");
                report_disk_state_text(stdout, "  ", &res->device);
                for (k = 0; k < res->npaths; k++) {
                        const struct attach_path *ap = &res->paths[k];
                        char portal[PORTAL_TEXT_MAX];

                        (void)portal_format(&ap->path.portal, portal, sizeof(portal));
                        if (ap->ok)
                                printf("  path     %s %s LUN %u: %s, session %s (%s)\n", portal,
                                       ap->path.iqn, ap->path.lun, ap->device.path,
                                       ap->session.handle, ap->session.reused ? "reused" : "new");
                        else if (ap->err.code != 0)
                                printf("  path     %s %s LUN %u: down: %s\n", portal, ap->path.iqn,
                                       ap->path.lun, ap->err.msg);
                }
                if (prep != NULL)
                        prep_text(&prep[i]);
                printf("  time     %.2f s\n", (double)res->elapsed_ms / 1000.0);
        }
        report_items_text(stdout, set);
        printf("Summary: %zu attached, %zu degraded, %zu failed, %zu skipped, %zu rejected in "
               "%.2f s\n",
               ok, degraded, failed, volume_set_count(set, ITEM_SKIPPED),
               volume_set_count(set, ITEM_REJECTED), (double)rep->elapsed_ms / 1000.0);
}

static int attach_locked(struct cli *c, const struct initiator_ops *ops, const char *state_dir);

static int
cmd_attach_exec(struct cli *c)
{
        const struct initiator_ops *ops;
        const char *state_dir = c->state_dir ? c->state_dir : plat_state_dir();
        int code;

        code = cli_host_command(c, &ops);
        if (code != EXIT_OK)
                return code;
        code = prep_check(c, ops);
        if (code != EXIT_OK)
                return code;
        return cli_run_locked(c, ops, state_dir, attach_locked);
}

/* The run itself, with the state directory's lock held. Every way out
 * writes the result file. */
static int
attach_locked(struct cli *c, const struct initiator_ops *ops, const char *state_dir)
{
        struct attach_options o;
        struct attach_report rep;
        struct meta_docs docs;
        struct volume_set set = { 0 };
        struct initiator *ini = NULL;
        struct prep_result *prep = NULL;
        struct va_err err;
        size_t i;
        int code, load_code, r;

        memset(&rep, 0, sizeof(rep));
        code = load_code = cli_load(c, &docs, &set);
        /* The documents held the secrets; the model has its own copies
         * (their origin, a name, stays for the report). */
        meta_docs_free(&docs);
        if (code == EXIT_ENV || code == EXIT_BADMETA || code == EXIT_USAGE)
                goto out;
        if (set.n == 0) {
                va_log(VA_LOG_NOTICE, "no iSCSI volumes to attach");
                goto out;
        }
        va_err_clear(&err);
        r = ops->open(&ini, &err);
        if (r < 0) {
                doc_error(VA_LOG_ERR, "initiator_unavailable", ops->name, NULL, NULL,
                          "%s initiator: %s", ops->name, err.msg);
                code = EXIT_ENV;
                goto out;
        }
        cli_attach_options(c, &o);
        r = attach_run(ops, ini, &set, &o, &rep);
        if (r < 0) {
                doc_error(VA_LOG_ERR, r == -VA_E_NOMEM ? "out_of_memory" : "attach_failed", NULL,
                          NULL, NULL, "attach: %s", va_strerror(r));
                memset(&rep, 0, sizeof(rep));
                code = EXIT_ENV;
                goto out;
        }
        prep = calloc(rep.n ? rep.n : 1, sizeof(*prep));
        if (prep == NULL) {
                doc_error(VA_LOG_ERR, "out_of_memory", NULL, NULL, NULL, "attach: out of memory");
                code = EXIT_ENV;
                goto out;
        }
        if (rep.host_failed) {
                doc_error(VA_LOG_ERR, "host_setup_failed", set.initiator_from, NULL, NULL, "%s",
                          rep.host_err.msg);
                code = cli_exit_worst(code, EXIT_ENV);
        }
        for (i = 0; i < rep.n; i++) {
                const struct attach_result *res = &rep.v[i];

                if (res->status == ATTACH_FAILED) {
                        doc_error(VA_LOG_ERR, "attach_failed", res->vol->source, NULL, res->vol->id,
                                  "volume %s: %s", res->vol->id, res->err.msg);
                        code = cli_exit_worst(code, EXIT_PARTIAL);
                        continue;
                }
                if (res->status == ATTACH_DEGRADED)
                        doc_error(VA_LOG_WARNING, "attach_degraded", res->vol->source, NULL,
                                  res->vol->id, "volume %s: %s", res->vol->id, res->err.msg);
                /* one at a time, after every login: mkfs is I/O-bound, and a
                 * refusal or failure here never undoes the attach */
                prep_volume(c, ops, ini, res, &prep[i]);
                code = cli_exit_worst(code, prep_exit(&prep[i]));
                va_err_clear(&err);
                if (state_save(state_dir, res, &err) < 0)
                        doc_error(VA_LOG_WARNING, "state_unwritable", state_dir, NULL, res->vol->id,
                                  "volume %s: attached, but its state file could not be written "
                                  "(status and detach will not know it): %s",
                                  res->vol->id, err.msg);
        }
out:
        if (!c->json && load_code != EXIT_ENV && load_code != EXIT_BADMETA &&
            load_code != EXIT_USAGE)
                attach_text(&set, &rep, prep);
        (void)cli_emit(c, attach_json(&docs, load_code, &set, &rep, prep), code, state_dir);
        free(prep);
        attach_report_free(&rep);
        if (ini != NULL)
                ops->close(ini);
        volume_set_free(&set);
        return code;
}

const struct cli_entry cmd_attach_entry = {
        .name = "attach",
        .usage = "",
        .summary = "log in to every volume and report its block device",
        .options = CLI_OPTS_ATTACH,
        .exec = cmd_attach_exec,
};
