/* SPDX-License-Identifier: Apache-2.0 */
/* volattach detach ID... | --all: flush and remove each volume's devices,
 * log out of sessions no other LUN uses, forget the targets. A mounted or
 * open device is refused unless --force. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/doc.h"
#include "cli/state.h"
#include "core/detach.h"
#include "base/log.h"
#include "platform/platform.h"

/* Without a state file (it lives in /run, so a lost one is rare), the
 * volume is looked up in the current metadata and its devices found live. */
static int
from_metadata(const struct cli *c, const struct initiator_ops *ops, struct initiator *ini,
              const char *id, struct attached_volume *av, struct va_err *err)
{
        struct meta_docs docs;
        struct volume_set set = { 0 };
        struct initiator_session *sessions = NULL;
        size_t nsessions = 0, i, k;
        int level = va_log_get_level(), code, r = -VA_E_NOTFOUND;
        size_t nerrs = doc_errors_count();

        va_log_set_level(VA_LOG_ERR);
        code = cli_load(c, &docs, &set);
        va_log_set_level(level);
        /* the metadata is only a way to find the volume here */
        doc_errors_truncate(nerrs);
        meta_docs_free(&docs);
        if (code == EXIT_ENV || code == EXIT_BADMETA || code == EXIT_USAGE)
                return va_err_set(err, VA_E_NOTFOUND,
                                  "volume %s: no state file, and no readable metadata", id);
        memset(av, 0, sizeof(*av));
        for (i = 0; i < set.n; i++) {
                const struct volume *v = &set.v[i];

                if (strcmp(v->id, id) != 0)
                        continue;
                r = ops->list_sessions(ini, &sessions, &nsessions, err);
                if (r < 0)
                        break;
                av->paths = calloc(v->npaths, sizeof(*av->paths));
                if (av->paths == NULL) {
                        r = va_err_set(err, VA_E_NOMEM, "out of memory");
                        break;
                }
                (void)snprintf(av->id, sizeof(av->id), "%s", v->id);
                for (k = 0; k < v->npaths; k++) {
                        struct attached_path *ap = &av->paths[av->npaths];
                        size_t s;

                        ap->path = v->paths[k];
                        for (s = 0; s < nsessions; s++) {
                                struct va_err e;

                                if (!portal_equal(&sessions[s].portal, &v->paths[k].portal) ||
                                    strcmp(sessions[s].iqn, v->paths[k].iqn) != 0)
                                        continue;
                                va_err_clear(&e);
                                (void)ops->find_device(ini, &sessions[s], v->paths[k].host_lun, 0,
                                                       &ap->device, &e);
                                av->npaths++;
                                break;
                        }
                }
                if (av->npaths == 0) {
                        r = va_err_set(err, VA_E_NOTFOUND, "volume %s: not attached", id);
                        break;
                }
                av->device = av->paths[0].device;
                r = 0;
                break;
        }
        if (r == -VA_E_NOTFOUND && err->code == 0)
                va_err_set(err, VA_E_NOTFOUND, "volume %s: not attached, and not in the metadata",
                           id);
        free(sessions);
        volume_set_free(&set);
        if (r < 0)
                attached_volume_clear(av);
        return r;
}

/* The state files of the volumes still attached, other than skip; what cannot
 * be read is left out (detach then judges by the disks present). */
static void
others_load(const char *state_dir, const char *skip, struct attached_volume **ret, size_t *ret_n)
{
        struct va_err err;
        char **ids = NULL;
        size_t n = 0, i;

        *ret = NULL;
        *ret_n = 0;
        va_err_clear(&err);
        if (state_list(state_dir, &ids, &n, &err) < 0 || n == 0) {
                plat_string_list_free(ids, n);
                return;
        }
        *ret = calloc(n, sizeof(**ret));
        for (i = 0; *ret != NULL && i < n; i++) {
                va_err_clear(&err);
                if (strcmp(ids[i], skip) != 0 &&
                    state_load(state_dir, ids[i], &(*ret)[*ret_n], &err) == 0)
                        (*ret_n)++;
        }
        plat_string_list_free(ids, n);
}

static int detach_locked(struct cli *c, const struct initiator_ops *ops, const char *state_dir);

static int
cmd_detach_exec(struct cli *c)
{
        const struct initiator_ops *ops = initiator_backend(c->backend);
        const char *state_dir = c->state_dir ? c->state_dir : plat_state_dir();
        size_t i;

        if (ops == NULL)
                return cli_usage("unknown backend '%s'", c->backend);
        if ((c->nargs == 0) == (c->all == 0))
                return cli_usage("detach needs volume ids, or --all");
        for (i = 0; i < (size_t)c->nargs; i++)
                if (!uuid_is_canonical(c->args[i]))
                        return cli_usage("'%.40s' is not a volume id (a UUID)", c->args[i]);
        if (!plat_is_privileged()) {
                doc_error(VA_LOG_ERR, "not_privileged", NULL, NULL, NULL,
                          "detach needs root (Administrator on Windows)");
                return EXIT_ENV;
        }
        return cli_run_locked(c, ops, state_dir, detach_locked);
}

/* The detach itself, with the state directory's lock held. A volume that
 * is not attached is success, as os-brick and Nova have it: what was asked
 * for is true. */
static int
detach_locked(struct cli *c, const struct initiator_ops *ops, const char *state_dir)
{
        struct initiator *ini = NULL;
        struct va_err err;
        char **ids = NULL;
        size_t n = 0, i, ok = 0, gone = 0;
        int code = EXIT_OK, r;
        cJSON *root = doc_new("detach"), *vols = cJSON_AddArrayToObject(root, "volumes"), *sum;

        va_err_clear(&err);
        if (c->all) {
                if (state_list(state_dir, &ids, &n, &err) < 0) {
                        doc_error(VA_LOG_ERR, "state_unreadable", state_dir, NULL, NULL, "%s",
                                  err.msg);
                        return cli_emit(c, root, EXIT_ENV, NULL);
                }
        } else {
                ids = c->args;
                n = (size_t)c->nargs;
        }
        r = ops->open(&ini, &err);
        if (r < 0) {
                doc_error(VA_LOG_ERR, "initiator_unavailable", ops->name, NULL, NULL,
                          "%s initiator: %s", ops->name, err.msg);
                if (c->all)
                        plat_string_list_free(ids, n);
                return cli_emit(c, root, EXIT_ENV, NULL);
        }
        for (i = 0; i < n; i++) {
                struct attached_volume av;
                int from_state = 1;

                va_err_clear(&err);
                r = state_load(state_dir, ids[i], &av, &err);
                if (r == -VA_E_NOTFOUND) {
                        from_state = 0;
                        va_err_clear(&err);
                        r = from_metadata(c, ops, ini, ids[i], &av, &err);
                }
                if (r == -VA_E_NOTFOUND && !from_state) {
                        /* no state file, and no session the metadata leads to */
                        va_log(VA_LOG_NOTICE, "volume %s: not attached; nothing to detach (%s)",
                               ids[i], err.msg);
                        if (!c->json)
                                printf("Volume %s already detached (not attached)\n", ids[i]);
                        doc_volume_add(vols, ids[i], "not_attached", NULL);
                        gone++;
                        continue;
                }
                if (r == 0) {
                        struct attached_volume *others;
                        size_t nothers;

                        others_load(state_dir, ids[i], &others, &nothers);
                        r = detach_volume_among(ops, ini, &av, others, nothers, c->force, &err);
                        attached_volumes_free(others, nothers);
                        attached_volume_clear(&av);
                }
                if (r < 0) {
                        doc_error(VA_LOG_ERR, r == -VA_E_BUSY ? "detach_refused" : "detach_failed",
                                  NULL, NULL, ids[i], "%s", err.msg);
                        if (!c->json)
                                printf("Volume %s NOT detached\n", ids[i]);
                        doc_volume_add(vols, ids[i], r == -VA_E_BUSY ? "refused" : "failed",
                                       err.msg);
                        code = cli_exit_worst(code, EXIT_PARTIAL);
                        continue;
                }
                va_err_clear(&err);
                if (state_remove(state_dir, ids[i], &err) < 0)
                        doc_error(VA_LOG_WARNING, "state_unwritable", state_dir, NULL, ids[i], "%s",
                                  err.msg);
                if (!c->json)
                        printf("Volume %s detached\n", ids[i]);
                doc_volume_add(vols, ids[i], "detached", NULL);
                ok++;
        }
        if (!c->json)
                printf("Summary: %zu detached, %zu already detached, %zu failed\n", ok, gone,
                       n - ok - gone);
        sum = cJSON_AddObjectToObject(root, "summary");
        (void)cJSON_AddNumberToObject(sum, "detached", (double)ok);
        (void)cJSON_AddNumberToObject(sum, "not_attached", (double)gone);
        (void)cJSON_AddNumberToObject(sum, "failed", (double)(n - ok - gone));
        ops->close(ini);
        if (c->all)
                plat_string_list_free(ids, n);
        return cli_emit(c, root, code, NULL);
}

const struct cli_entry cmd_detach_entry = {
        .name = "detach",
        .usage = "ID... | --all",
        .summary = "flush, remove the devices and log out",
        .options = CLI_OPT_ALL | CLI_OPT_FORCE | CLI_OPT_STATE_DIR | CLI_OPT_BACKEND |
                   CLI_OPT_METADATA | CLI_OPT_JSON,
        .exec = cmd_detach_exec,
};
