/* SPDX-License-Identifier: Apache-2.0 */
/* volattach status: what volattach attached, checked against the live
 * initiator: is each path's session up, is each device still there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/state.h"
#include "cli/report.h"
#include "core/detach.h"
#include "base/log.h"
#include "platform/platform.h"

static const char *
state_name(enum initiator_session_state s)
{
        switch (s) {
        case INITIATOR_SESSION_UP:
                return "up";
        case INITIATOR_SESSION_RECOVERING:
                return "recovering";
        default:
                return "failed";
        }
}

static int
cmd_status_exec(struct cli *c)
{
        const struct initiator_ops *ops = initiator_backend(c->backend);
        const char *state_dir = c->state_dir ? c->state_dir : plat_state_dir();
        struct initiator_session *sessions = NULL;
        struct initiator *ini = NULL;
        struct va_err err;
        cJSON *root = NULL, *vols = NULL;
        char **ids = NULL;
        size_t n = 0, nsessions = 0, i, k, healthy = 0;
        int code = EXIT_OK;

        if (ops == NULL || c->nargs > 0) {
                fprintf(stderr, "volattach: status takes no arguments\n");
                return EXIT_USAGE;
        }
        va_err_clear(&err);
        if (state_list(state_dir, &ids, &n, &err) < 0) {
                va_log(VA_LOG_ERR, "%s", err.msg);
                return EXIT_ENV;
        }
        if (ops->open(&ini, &err) < 0 || ops->list_sessions(ini, &sessions, &nsessions, &err) < 0) {
                va_log(VA_LOG_ERR, "%s initiator: %s", ops->name, err.msg);
                if (ini != NULL)
                        ops->close(ini);
                plat_string_list_free(ids, n);
                return EXIT_ENV;
        }
        if (c->json) {
                root = cJSON_CreateObject();
                vols = cJSON_AddArrayToObject(root, "volumes");
        } else if (n == 0) {
                printf("No volumes attached by volattach.\n");
        }
        for (i = 0; i < n; i++) {
                struct attached_volume av;
                cJSON *jv = NULL, *jpaths = NULL;
                size_t up = 0;

                va_err_clear(&err);
                if (state_load(state_dir, ids[i], &av, &err) < 0) {
                        va_log(VA_LOG_WARNING, "%s", err.msg);
                        continue;
                }
                if (c->json) {
                        jv = cJSON_CreateObject();
                        (void)cJSON_AddStringToObject(jv, "id", av.id);
                        (void)cJSON_AddItemToObject(jv, "device", report_device_json(&av.device));
                        jpaths = cJSON_AddArrayToObject(jv, "paths");
                } else {
                        printf("Volume %s: %s%s%s%s\n", av.id, av.device.path,
                               av.device.by_volume_id[0] ? " " : "", av.device.by_volume_id,
                               av.read_only ? " (read-only)" : "");
                }
                for (k = 0; k < av.npaths; k++) {
                        const struct attached_path *ap = &av.paths[k];
                        struct initiator_device dev;
                        const struct initiator_session *s = NULL;
                        char portal[PORTAL_TEXT_MAX];
                        size_t j;
                        int present = 0;

                        for (j = 0; j < nsessions; j++)
                                if (portal_equal(&sessions[j].portal, &ap->path.portal) &&
                                    strcmp(sessions[j].iqn, ap->path.iqn) == 0)
                                        s = &sessions[j];
                        if (s != NULL) {
                                struct va_err e;

                                va_err_clear(&e);
                                present =
                                    ops->find_device(ini, s, ap->path.host_lun, 0, &dev, &e) == 0;
                        }
                        if (s != NULL && s->state == INITIATOR_SESSION_UP && present)
                                up++;
                        (void)portal_format(&ap->path.portal, portal, sizeof(portal));
                        if (c->json) {
                                cJSON *p = cJSON_CreateObject();

                                (void)cJSON_AddStringToObject(p, "portal", portal);
                                (void)cJSON_AddStringToObject(p, "target_iqn", ap->path.iqn);
                                (void)cJSON_AddNumberToObject(p, "lun", ap->path.lun);
                                (void)cJSON_AddStringToObject(p, "session",
                                                              s ? state_name(s->state) : "none");
                                if (s != NULL)
                                        (void)cJSON_AddStringToObject(p, "session_id", s->handle);
                                (void)cJSON_AddStringToObject(p, "device", present ? dev.path : "");
                                if (present && dev.online != 0) {
                                        /* what the disk says now (Windows) */
                                        (void)cJSON_AddBoolToObject(p, "read_only", dev.read_only);
                                        report_disk_state_json(p, &dev);
                                }
                                (void)cJSON_AddItemToArray(jpaths, p);
                        } else {
                                char disk[64] = "";

                                if (present && dev.online != 0)
                                        (void)snprintf(disk, sizeof(disk), " (%s, %s%s%s)",
                                                       dev.online > 0 ? "online" : "offline",
                                                       dev.read_only ? "read-only" : "read-write",
                                                       dev.partition_style[0] ? ", " : "",
                                                       dev.partition_style);
                                printf("  path %s %s LUN %u: session %s%s%s, device %s%s\n", portal,
                                       ap->path.iqn, ap->path.lun, s ? s->handle : "-",
                                       s ? " " : "", s ? state_name(s->state) : "none",
                                       present ? dev.path : "missing", disk);
                                if (present)
                                        report_disk_state_text(stdout, "    ", &dev);
                        }
                }
                if (up == av.npaths && av.npaths > 0)
                        healthy++;
                else
                        code = EXIT_PARTIAL;
                if (c->json) {
                        (void)cJSON_AddStringToObject(jv, "health",
                                                      up == av.npaths ? "healthy"
                                                      : up > 0        ? "degraded"
                                                                      : "down");
                        (void)cJSON_AddItemToArray(vols, jv);
                } else if (up < av.npaths) {
                        printf("  health: %s (%zu of %zu paths up); 'volattach attach' "
                               "re-establishes what is missing\n",
                               up > 0 ? "degraded" : "down", up, av.npaths);
                }
                attached_volume_clear(&av);
        }
        if (c->json) {
                cJSON *summary = cJSON_AddObjectToObject(root, "summary");

                (void)cJSON_AddNumberToObject(summary, "volumes", (double)n);
                (void)cJSON_AddNumberToObject(summary, "healthy", (double)healthy);
                (void)cJSON_AddNumberToObject(summary, "exit_status", code);
                (void)report_print_json(root);
        }
        free(sessions);
        ops->close(ini);
        plat_string_list_free(ids, n);
        return code;
}

const struct cli_entry cmd_status_entry = {
        .name = "status",
        .usage = "",
        .summary = "what volattach has attached, with sessions and devices",
        .options = CLI_OPT_JSON | CLI_OPT_STATE_DIR | CLI_OPT_BACKEND,
        .exec = cmd_status_exec,
};
