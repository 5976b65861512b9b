/* SPDX-License-Identifier: Apache-2.0 */
/* volattach status: the current metadata (the sources attach reads) against
 * what the host really has (the initiator's sessions and block devices,
 * through the backend): each wanted volume attached, degraded, missing or
 * failed (with the last attach's error from the result file), and the
 * volumes volattach attached that are no longer wanted. Non-zero unless all
 * is well. Changes nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ascii.h"
#include "base/log.h"
#include "cli/cli.h"
#include "cli/doc.h"
#include "cli/report.h"
#include "cli/state.h"
#include "core/detach.h"
#include "platform/platform.h"

enum vstatus { VS_ATTACHED, VS_DEGRADED, VS_MISSING, VS_FAILED, VS_UNWANTED, VS_COUNT };

static const char *const vstatus_name[VS_COUNT] = { "attached", "degraded", "missing", "failed",
                                                    "unwanted" };

struct status_run {
        const struct cli *c;
        const struct initiator_ops *ops;
        struct initiator *ini;
        struct initiator_session *sessions;
        size_t nsessions;
        cJSON *result; /* the last attach's or watch round's document, or NULL */
        cJSON *vols;
        size_t count[VS_COUNT];
};

static const char *
session_state_name(enum initiator_session_state s)
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

/* What one path looks like on the host now. */
struct path_probe {
        const struct initiator_session *s;
        struct initiator_device dev;
        int present;
};

static void
probe_session(struct status_run *st, const struct initiator_session *s, unsigned host_lun,
              struct path_probe *pp)
{
        struct va_err e;

        pp->s = s;
        va_err_clear(&e);
        pp->present = st->ops->find_device(st->ini, s, host_lun, 0, &pp->dev, &e) == 0;
}

static int
path_up(const struct path_probe *pp)
{
        /* a disk the OS holds offline (Windows' SAN policy) is not usable */
        return pp->s != NULL && pp->s->state == INITIATOR_SESSION_UP && pp->present &&
               pp->dev.online >= 0;
}

static void
path_report(struct status_run *st, const struct target_path *tp, const struct path_probe *pp,
            cJSON *jpaths)
{
        char portal[PORTAL_TEXT_MAX];

        (void)portal_format(&tp->portal, portal, sizeof(portal));
        if (st->c->json) {
                cJSON *p = cJSON_CreateObject();

                if (p == NULL)
                        return;
                (void)cJSON_AddStringToObject(p, "portal", portal);
                (void)cJSON_AddStringToObject(p, "target_iqn", tp->iqn);
                (void)cJSON_AddNumberToObject(p, "lun", tp->lun);
                (void)cJSON_AddNumberToObject(p, "host_lun", tp->host_lun);
                (void)cJSON_AddBoolToObject(p, "ok", path_up(pp));
                if (pp->s != NULL)
                        (void)cJSON_AddStringToObject(p, "session", pp->s->handle);
                else
                        (void)cJSON_AddNullToObject(p, "session");
                (void)cJSON_AddStringToObject(p, "session_state",
                                              pp->s ? session_state_name(pp->s->state) : "none");
                if (pp->present)
                        (void)cJSON_AddItemToObject(p, "device", report_device_json(&pp->dev));
                else
                        (void)cJSON_AddNullToObject(p, "device");
                (void)cJSON_AddItemToArray(jpaths, p);
        } else {
                char disk[64] = "";

                if (pp->present && pp->dev.online != 0)
                        (void)snprintf(disk, sizeof(disk), " (%s, %s%s%s)",
                                       pp->dev.online > 0 ? "online" : "offline",
                                       pp->dev.read_only ? "read-only" : "read-write",
                                       pp->dev.partition_style[0] ? ", " : "",
                                       pp->dev.partition_style);
                printf("  path %s %s LUN %u: session %s%s%s, device %s%s\n", portal, tp->iqn,
                       tp->lun, pp->s ? pp->s->handle : "", pp->s ? " " : "",
                       pp->s ? session_state_name(pp->s->state) : "none",
                       pp->present ? pp->dev.path : "missing", disk);
                if (pp->present)
                        report_disk_state_text(stdout, "    ", &pp->dev);
        }
}

static const struct initiator_session *
session_for(const struct status_run *st, const struct target_path *tp, int iqn_only)
{
        size_t j;

        for (j = 0; j < st->nsessions; j++)
                if (strcmp(st->sessions[j].iqn, tp->iqn) == 0 &&
                    (iqn_only || portal_equal(&st->sessions[j].portal, &tp->portal)))
                        return &st->sessions[j];
        return NULL;
}

/* The last attach's error for a volume it failed, from the result file. */
static const char *
last_error(const struct status_run *st, const char *id)
{
        const cJSON *vols = cJSON_GetObjectItemCaseSensitive(st->result, "volumes"), *v;

        cJSON_ArrayForEach (v, vols) {
                const cJSON *vid = cJSON_GetObjectItemCaseSensitive(v, "id");
                const cJSON *vst = cJSON_GetObjectItemCaseSensitive(v, "status");
                const cJSON *ver = cJSON_GetObjectItemCaseSensitive(v, "error");

                if (cJSON_IsString(vid) && ascii_ieq(vid->valuestring, id) && cJSON_IsString(vst) &&
                    strcmp(vst->valuestring, "failed") == 0)
                        return cJSON_IsString(ver) ? ver->valuestring : "failed";
        }
        return NULL;
}

/* One volume: its paths probed, its status decided and reported. wanted
 * is 1, 0 (attached by volattach, not in the metadata) or -1 (no metadata
 * to tell). need: how many paths up make it whole. */
static enum vstatus
volume_report(struct status_run *st, const char *id, const char *source,
              const struct target_path *paths, size_t npaths, int iqn_only, size_t need,
              const struct initiator_device *recorded, int wanted)
{
        struct path_probe *pp = calloc(npaths ? npaths : 1, sizeof(*pp));
        const struct initiator_device *dev = NULL;
        const char *err = NULL;
        cJSON *jv = NULL, *jpaths = NULL;
        enum vstatus vs;
        size_t k, up = 0, offline = 0;

        if (pp == NULL)
                return VS_MISSING;
        for (k = 0; k < npaths; k++) {
                const struct initiator_session *s = session_for(st, &paths[k], iqn_only);

                if (s != NULL)
                        probe_session(st, s, paths[k].host_lun, &pp[k]);
                if (path_up(&pp[k])) {
                        up++;
                        if (dev == NULL)
                                dev = &pp[k].dev;
                } else if (pp[k].present && pp[k].dev.online < 0) {
                        offline++;
                }
        }
        if (up > 0 && recorded != NULL && recorded->path[0])
                dev = recorded; /* the multipath map, not one of its paths */
        if (up >= need && need > 0)
                vs = VS_ATTACHED;
        else if (up > 0 || offline > 0)
                vs = VS_DEGRADED;
        else if (wanted == 1 && (err = last_error(st, id)) != NULL)
                vs = VS_FAILED;
        else
                vs = VS_MISSING;
        if (wanted == 0)
                vs = VS_UNWANTED;
        st->count[vs]++;

        if (st->c->json) {
                jv = cJSON_CreateObject();
                (void)cJSON_AddStringToObject(jv, "id", id);
                if (source != NULL && source[0])
                        (void)cJSON_AddStringToObject(jv, "source", source);
                else
                        (void)cJSON_AddNullToObject(jv, "source");
                (void)cJSON_AddStringToObject(jv, "status", vstatus_name[vs]);
                if (wanted >= 0)
                        (void)cJSON_AddBoolToObject(jv, "wanted", wanted);
                else
                        (void)cJSON_AddNullToObject(jv, "wanted");
                if (dev != NULL)
                        (void)cJSON_AddItemToObject(jv, "device", report_device_json(dev));
                else
                        (void)cJSON_AddNullToObject(jv, "device");
                if (err != NULL)
                        (void)cJSON_AddStringToObject(jv, "error", err);
                else
                        (void)cJSON_AddNullToObject(jv, "error");
                (void)cJSON_AddNumberToObject(jv, "paths_up", (double)up);
                jpaths = cJSON_AddArrayToObject(jv, "paths");
        } else {
                printf("Volume %s: %s%s%s%s%s", id, vstatus_name[vs], dev ? " " : "",
                       dev ? dev->path : "", dev && dev->by_volume_id[0] ? " " : "",
                       dev ? dev->by_volume_id : "");
                if (vs == VS_UNWANTED)
                        printf(" (attached, no longer in the metadata%s)",
                               up > 0 ? "" : "; no path up");
                else if (vs != VS_FAILED)
                        printf(" (%zu of %zu path%s up)", up, npaths, npaths == 1 ? "" : "s");
                putchar('\n');
                if (err != NULL)
                        printf("  last error  %s\n", err);
        }
        for (k = 0; k < npaths; k++)
                path_report(st, &paths[k], &pp[k], jpaths);
        if (jv != NULL)
                (void)cJSON_AddItemToArray(st->vols, jv);
        free(pp);

        /* in the document's errors too, so a monitor reads one list; not
         * logged: this run did not fail, it found a state */
        if (vs == VS_MISSING && wanted != 0)
                doc_error_quiet(VA_LOG_ERR, "volume_missing", source, NULL, id, "volume %s: %s", id,
                                wanted == 1 ? "wanted, but not attached" : "no path up");
        else if (vs == VS_FAILED)
                doc_error_quiet(VA_LOG_ERR, "volume_failed", source, NULL, id,
                                "volume %s: the last attach failed: %s", id, err);
        else if (vs == VS_DEGRADED)
                doc_error_quiet(VA_LOG_WARNING, "volume_degraded", source, NULL, id,
                                "volume %s: degraded: %zu of %zu paths up%s", id, up, npaths,
                                offline ? ", a disk offline" : "");
        else if (vs == VS_UNWANTED)
                doc_error_quiet(VA_LOG_WARNING, "volume_unwanted", source, NULL, id,
                                "volume %s: attached, but no longer in the metadata", id);
        return vs;
}

/* A wanted volume: the paths its state file recorded when volattach
 * attached it (the portals SendTargets found, for one), else the metadata's. */
static void
wanted_report(struct status_run *st, const char *state_dir, const struct volume *v)
{
        struct attached_volume av;
        struct va_err err;
        struct target_path *tp;
        size_t k, need;

        va_err_clear(&err);
        if (state_load(state_dir, v->id, &av, &err) == 0 && av.npaths > 0) {
                tp = calloc(av.npaths, sizeof(*tp));
                for (k = 0; tp != NULL && k < av.npaths; k++)
                        tp[k] = av.paths[k].path;
                if (tp != NULL)
                        (void)volume_report(st, v->id, v->source, tp, av.npaths, 0,
                                            v->policy == PATHS_SINGLE ? 1 : av.npaths, &av.device,
                                            1);
                free(tp);
                attached_volume_clear(&av);
                return;
        }
        /* single: the other entries are failover alternatives, one is
         * whole; discover: the list is the discovery portal, the sessions
         * are to whatever portals it named */
        need = v->policy == PATHS_MULTIPATH ? v->npaths : 1;
        (void)volume_report(st, v->id, v->source, v->paths, v->npaths, v->policy == PATHS_DISCOVER,
                            need, NULL, 1);
}

/* A volume volattach's state file says it attached: wanted (0: not in
 * the metadata; -1: no metadata to tell). */
static void
recorded_report(struct status_run *st, const char *state_dir, const char *id, int wanted)
{
        struct attached_volume av;
        struct target_path *tp;
        struct va_err err;
        size_t k;

        va_err_clear(&err);
        if (state_load(state_dir, id, &av, &err) < 0) {
                doc_error(VA_LOG_WARNING, "state_unreadable", state_dir, NULL, id, "%s", err.msg);
                return;
        }
        tp = calloc(av.npaths ? av.npaths : 1, sizeof(*tp));
        for (k = 0; tp != NULL && k < av.npaths; k++)
                tp[k] = av.paths[k].path;
        if (tp != NULL)
                (void)volume_report(st, av.id, av.source, tp, av.npaths, 0, av.npaths, &av.device,
                                    wanted);
        free(tp);
        attached_volume_clear(&av);
}

/* Every session the initiator has, volattach's or not: what the OS has
 * even when no metadata says what should be there. */
static void
sessions_report(const struct status_run *st, cJSON *root, int text)
{
        cJSON *a = st->c->json ? cJSON_AddArrayToObject(root, "sessions") : NULL;
        size_t i;

        if (text && !st->c->json)
                printf("Sessions on the host: %zu\n", st->nsessions);
        for (i = 0; i < st->nsessions; i++) {
                const struct initiator_session *s = &st->sessions[i];
                char portal[PORTAL_TEXT_MAX];

                (void)portal_format(&s->portal, portal, sizeof(portal));
                if (a != NULL) {
                        cJSON *o = cJSON_CreateObject();

                        if (o == NULL)
                                break;
                        (void)cJSON_AddStringToObject(o, "session", s->handle);
                        (void)cJSON_AddStringToObject(o, "portal", portal);
                        (void)cJSON_AddStringToObject(o, "target_iqn", s->iqn);
                        (void)cJSON_AddStringToObject(o, "session_state",
                                                      session_state_name(s->state));
                        (void)cJSON_AddItemToArray(a, o);
                } else if (text) {
                        printf("  session %s %s %s: %s\n", s->handle, portal, s->iqn,
                               session_state_name(s->state));
                }
        }
}

static int
wanted_has(const struct volume_set *set, const char *id)
{
        size_t i;

        for (i = 0; i < set->n; i++)
                if (ascii_ieq(set->v[i].id, id))
                        return 1;
        return 0;
}

static int
cmd_status_exec(struct cli *c)
{
        const struct initiator_ops *ops = initiator_backend(c->backend);
        const char *state_dir = c->state_dir ? c->state_dir : plat_state_dir();
        struct status_run st;
        struct meta_docs docs;
        struct volume_set set = { 0 };
        struct va_err err;
        cJSON *root, *sum;
        char **ids = NULL;
        size_t n = 0, i;
        int code, load_code, meta_ok;

        if (ops == NULL)
                return cli_usage("unknown backend '%s'", c->backend);
        if (c->nargs > 0)
                return cli_usage("status takes no arguments");
        memset(&st, 0, sizeof(st));
        st.c = c;
        st.ops = ops;
        root = doc_new("status");
        load_code = cli_load(c, &docs, &set);
        meta_docs_free(&docs);
        if (load_code == EXIT_USAGE) {
                cJSON_Delete(root);
                return EXIT_USAGE;
        }
        meta_ok = load_code != EXIT_ENV && load_code != EXIT_BADMETA;
        (void)cJSON_AddItemToObject(root, "metadata", cli_metadata_json(&docs, load_code));
        st.vols = cJSON_AddArrayToObject(root, "volumes");
        code = meta_ok ? EXIT_OK : load_code;

        va_err_clear(&err);
        if (state_list(state_dir, &ids, &n, &err) < 0) {
                doc_error(VA_LOG_ERR, "state_unreadable", state_dir, NULL, NULL, "%s", err.msg);
                code = cli_exit_worst(code, EXIT_ENV);
        }
        if (ops->open(&st.ini, &err) < 0 ||
            ops->list_sessions(st.ini, &st.sessions, &st.nsessions, &err) < 0) {
                doc_error(VA_LOG_ERR, "initiator_unavailable", ops->name, NULL, NULL,
                          "%s initiator: %s", ops->name, err.msg);
                code = EXIT_ENV;
                goto out;
        }
        st.result = doc_result_read(state_dir);

        if (!c->json) {
                if (!meta_ok)
                        printf("Metadata: %s; what the host has:\n",
                               load_code == EXIT_ENV ? "not reachable" : "unusable");
                else
                        printf("Metadata: %s\n",
                               docs.none ? "none (the service answered 404)" : docs.origin);
        }
        if (meta_ok)
                for (i = 0; i < set.n; i++)
                        wanted_report(&st, state_dir, &set.v[i]);
        for (i = 0; i < n; i++)
                if (!meta_ok || !wanted_has(&set, ids[i]))
                        recorded_report(&st, state_dir, ids[i], meta_ok ? 0 : -1);
        sessions_report(&st, root, !meta_ok);
        if (st.count[VS_DEGRADED] + st.count[VS_MISSING] + st.count[VS_FAILED] +
                st.count[VS_UNWANTED] >
            0)
                code = cli_exit_worst(code, EXIT_PARTIAL);
        if (!c->json) {
                if (meta_ok && set.n == 0 && n == 0)
                        printf("No volumes wanted, none attached by volattach.\n");
                printf("Summary: %zu attached, %zu degraded, %zu missing, %zu failed, %zu "
                       "attached but not wanted\n",
                       st.count[VS_ATTACHED], st.count[VS_DEGRADED], st.count[VS_MISSING],
                       st.count[VS_FAILED], st.count[VS_UNWANTED]);
                if (meta_ok &&
                    st.count[VS_DEGRADED] + st.count[VS_MISSING] + st.count[VS_FAILED] > 0)
                        printf("'volattach attach' re-establishes what is missing.\n");
                if (st.count[VS_UNWANTED] > 0)
                        printf("'volattach detach ID' detaches a volume no longer wanted.\n");
        }
out:
        sum = cJSON_AddObjectToObject(root, "summary");
        (void)cJSON_AddNumberToObject(sum, "wanted", meta_ok ? (double)set.n : 0);
        for (i = 0; i < VS_COUNT; i++)
                (void)cJSON_AddNumberToObject(sum, vstatus_name[i], (double)st.count[i]);
        cJSON_Delete(st.result);
        free(st.sessions);
        if (st.ini != NULL)
                ops->close(st.ini);
        plat_string_list_free(ids, n);
        volume_set_free(&set);
        return cli_emit(c, root, code, NULL);
}

const struct cli_entry cmd_status_entry = {
        .name = "status",
        .usage = "",
        .summary = "the metadata's volumes against the host's sessions and devices",
        .options = CLI_OPT_METADATA | CLI_OPT_JSON | CLI_OPT_STATE_DIR | CLI_OPT_BACKEND,
        .exec = cmd_status_exec,
};
