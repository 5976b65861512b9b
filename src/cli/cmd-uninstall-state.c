/* SPDX-License-Identifier: Apache-2.0 */
/* volattach uninstall-state: forgets what volattach left on the host for
 * volumes that are no longer attached: their state files and node records,
 * and then the backend's own things (open-iscsi: the volattach iface and
 * records no session uses; multipath-tools: the WWIDs volattach added). A
 * volume still attached is kept as it is and reported: nothing is ever
 * logged out. The packages run it on removal (debian/volattach.prerm, the
 * RPM's %preun). Exit 1 when anything was kept. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/doc.h"
#include "cli/state.h"
#include "core/detach.h"
#include "base/log.h"
#include "platform/platform.h"

/* The session that still serves one of the volume's paths, or NULL. */
static const struct initiator_session *
volume_session(const struct attached_volume *av, const struct initiator_session *ses, size_t n)
{
        size_t i, k;

        for (i = 0; i < av->npaths; i++)
                for (k = 0; k < n; k++)
                        if (strcmp(ses[k].iqn, av->paths[i].path.iqn) == 0 &&
                            portal_equal(&ses[k].portal, &av->paths[i].path.portal))
                                return &ses[k];
        return NULL;
}

/* One state file: kept (1) when the volume is attached, else its records
 * and the file are removed (0); negative when that failed. */
static int
volume_forget(const struct cli *c, cJSON *vols, const struct initiator_ops *ops,
              struct initiator *ini, const char *state_dir, const char *id,
              const struct initiator_session *ses, size_t nses)
{
        const struct initiator_session *s;
        struct attached_volume av;
        struct va_err err;
        size_t i;
        int r;

        va_err_clear(&err);
        r = state_load(state_dir, id, &av, &err);
        if (r < 0) {
                /* unreadable: nothing to tell which targets; the file goes */
                doc_error(VA_LOG_WARNING, "state_unreadable", state_dir, NULL, id, "%s", err.msg);
                va_err_clear(&err);
                r = state_remove(state_dir, id, &err);
                if (r < 0)
                        doc_error(VA_LOG_ERR, "forget_failed", state_dir, NULL, id, "%s", err.msg);
                doc_volume_add(vols, id, r < 0 ? "failed" : "forgotten", r < 0 ? err.msg : NULL);
                return r;
        }
        s = volume_session(&av, ses, nses);
        if (s != NULL) {
                if (!c->json)
                        printf("Volume %s kept: attached (session %s to %s)\n", id, s->handle,
                               s->iqn);
                doc_error_quiet(VA_LOG_WARNING, "volume_kept", NULL, NULL, id,
                                "volume %s kept: attached (session %s to %s)", id, s->handle,
                                s->iqn);
                doc_volume_add(vols, id, "kept", NULL);
                attached_volume_clear(&av);
                return 1;
        }
        for (i = 0; i < av.npaths && r == 0; i++) {
                r = ops->remove_target(ini, &av.paths[i].path, &err);
                if (r < 0)
                        doc_error(VA_LOG_ERR, "forget_failed", NULL, NULL, id, "volume %s: %s", id,
                                  err.msg);
        }
        if (r == 0) {
                r = state_remove(state_dir, id, &err);
                if (r < 0)
                        doc_error(VA_LOG_ERR, "forget_failed", state_dir, NULL, id, "%s", err.msg);
        }
        if (r == 0 && !c->json)
                printf("Volume %s forgotten\n", id);
        doc_volume_add(vols, id, r == 0 ? "forgotten" : "failed", r == 0 ? NULL : err.msg);
        attached_volume_clear(&av);
        return r;
}

static int
cmd_uninstall_state_exec(struct cli *c)
{
        const struct initiator_ops *ops = initiator_backend(c->backend);
        const char *state_dir = c->state_dir ? c->state_dir : plat_state_dir();
        struct initiator_session *ses = NULL;
        struct initiator *ini = NULL;
        struct va_err err;
        char **ids = NULL;
        size_t n = 0, nses = 0, i;
        unsigned kept = 0, failed = 0, host_kept = 0;
        cJSON *root, *vols, *sum;
        int r;

        if (ops == NULL)
                return cli_usage("unknown backend '%s'", c->backend);
        if (c->nargs != 0)
                return cli_usage("uninstall-state takes no arguments");
        if (!plat_is_privileged()) {
                doc_error(VA_LOG_ERR, "not_privileged", NULL, NULL, NULL,
                          "uninstall-state needs root (Administrator on Windows)");
                return EXIT_ENV;
        }
        root = doc_new("uninstall-state");
        vols = cJSON_AddArrayToObject(root, "volumes");
        va_err_clear(&err);
        if (ops->open(&ini, &err) < 0) {
                doc_error(VA_LOG_ERR, "initiator_unavailable", ops->name, NULL, NULL,
                          "%s initiator: %s", ops->name, err.msg);
                return cli_emit(c, root, EXIT_ENV, NULL);
        }
        if (ops->list_sessions(ini, &ses, &nses, &err) < 0 ||
            state_list(state_dir, &ids, &n, &err) < 0) {
                /* without the sessions nothing can be told unused */
                doc_error(VA_LOG_ERR, "initiator_unavailable", ops->name, NULL, NULL, "%s",
                          err.msg);
                free(ses);
                ops->close(ini);
                return cli_emit(c, root, EXIT_ENV, NULL);
        }
        for (i = 0; i < n; i++) {
                r = volume_forget(c, vols, ops, ini, state_dir, ids[i], ses, nses);
                if (r > 0)
                        kept++;
                else if (r < 0)
                        failed++;
        }
        plat_string_list_free(ids, n);
        free(ses);
        if (ops->forget_host != NULL) {
                va_err_clear(&err);
                if (ops->forget_host(ini, &host_kept, &err) < 0) {
                        doc_error(VA_LOG_ERR, "forget_failed", ops->name, NULL, NULL, "%s",
                                  err.msg);
                        failed++;
                }
        }
        ops->close(ini);
        va_err_clear(&err);
        if (kept == 0 && failed == 0 && state_dir_remove(state_dir, &err) < 0) {
                doc_error(VA_LOG_ERR, "forget_failed", state_dir, NULL, NULL, "%s", err.msg);
                failed++;
        }
        if (!c->json)
                printf("Summary: %u volume(s) kept attached, %u item(s) of the initiator kept in "
                       "use, %u failed\n",
                       kept, host_kept, failed);
        sum = cJSON_AddObjectToObject(root, "summary");
        (void)cJSON_AddNumberToObject(sum, "kept", kept);
        (void)cJSON_AddNumberToObject(sum, "initiator_items_kept", host_kept);
        (void)cJSON_AddNumberToObject(sum, "failed", failed);
        return cli_emit(c, root, kept + host_kept + failed > 0 ? EXIT_PARTIAL : EXIT_OK, NULL);
}

const struct cli_entry cmd_uninstall_state_entry = {
        .name = "uninstall-state",
        .usage = "",
        .summary = "forget volattach's records, iface, WWIDs and state (unattached only)",
        .options = CLI_OPT_JSON | CLI_OPT_STATE_DIR | CLI_OPT_BACKEND,
        .exec = cmd_uninstall_state_exec,
};
