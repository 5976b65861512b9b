/* SPDX-License-Identifier: Apache-2.0 */
/* volattach check: a preflight that changes nothing on the host. It asks
 * the initiator (through its probe, reading only), the kernel's routing
 * table and each portal (one TCP connect, no byte sent) what attach would
 * meet, and prints one line per check with a hint where one fails.
 * The judgements are core/preflight.c's; what attach would do per volume
 * is core/strategy.c's, the function attach itself calls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cli/cli.h"
#include "cli/doc.h"
#include "cli/report.h"
#include "core/preflight.h"
#include "core/strategy.h"
#include "platform/platform.h"

/* a portal that does not answer a SYN in 3 s will not take a login either;
 * the bound keeps a preflight of many dead portals short */
#define CHECK_CONNECT_MS 3000u
#define CHECK_JOBS       16u

struct check_item {
        const char *check; /* "initiator", "portal", ... */
        char subject[160]; /* what it is about: a portal, a volume id; "" */
        enum preflight_status status;
        char text[PREFLIGHT_TEXT_MAX];
        char hint[PREFLIGHT_TEXT_MAX];
        const struct preflight_portal *portal; /* the portal checks' details */
};

struct check_run {
        struct check_item *v;
        size_t n, cap;
        size_t count[3];
};

static struct check_item *
item_add(struct check_run *run, const char *check, const char *subject,
         enum preflight_status status, const char *text, const char *hint)
{
        struct check_item *it;

        if (run->n == run->cap) {
                size_t cap = run->cap ? run->cap * 2 : 32;
                struct check_item *v = realloc(run->v, cap * sizeof(*v));

                if (v == NULL)
                        return NULL;
                run->v = v;
                run->cap = cap;
        }
        it = &run->v[run->n++];
        memset(it, 0, sizeof(*it));
        it->check = check;
        (void)snprintf(it->subject, sizeof(it->subject), "%s", subject ? subject : "");
        it->status = status;
        (void)snprintf(it->text, sizeof(it->text), "%s", text);
        (void)snprintf(it->hint, sizeof(it->hint), "%s", hint ? hint : "");
        run->count[status]++;
        return it;
}

/* The portals of every volume, each once, in the order they first appear. */
static int
portals_collect(const struct volume_set *set, struct preflight_portal **ret, size_t *ret_n)
{
        struct preflight_portal *v = NULL;
        size_t n = 0, cap = 0, i, k, j;

        for (i = 0; i < set->n; i++)
                for (k = 0; k < set->v[i].npaths; k++) {
                        const struct portal *p = &set->v[i].paths[k].portal;

                        for (j = 0; j < n; j++)
                                if (portal_equal(v[j].portal, p))
                                        break;
                        if (j < n)
                                continue;
                        if (n == cap) {
                                struct preflight_portal *nv;

                                cap = cap ? cap * 2 : 8;
                                nv = realloc(v, cap * sizeof(*nv));
                                if (nv == NULL) {
                                        free(v);
                                        return -1;
                                }
                                v = nv;
                        }
                        memset(&v[n], 0, sizeof(v[n]));
                        v[n].portal = p;
                        v[n].timeout_ms = CHECK_CONNECT_MS;
                        n++;
                }
        *ret = v;
        *ret_n = n;
        return 0;
}

static void
portal_probe(struct preflight_portal *pp)
{
        const struct portal *p = pp->portal;
        struct va_err err;
        int r;

        va_err_clear(&err);
        if (p->family == PORTAL_DNS) {
                r = plat_resolve(p->host, pp->addr, sizeof(pp->addr), &err);
                if (r < 0) {
                        pp->resolve_code = -r;
                        (void)snprintf(pp->why, sizeof(pp->why), "%s", err.msg);
                        return;
                }
        } else if (p->zone[0] != '\0') {
                (void)snprintf(pp->addr, sizeof(pp->addr), "%s%%%s", p->host, p->zone);
        } else {
                (void)snprintf(pp->addr, sizeof(pp->addr), "%s", p->host);
        }
        r = plat_route_lookup(pp->addr, &pp->route, &err);
        if (r < 0) {
                pp->route_code = -r;
                (void)snprintf(pp->why, sizeof(pp->why), "%s", err.msg);
                return;
        }
        r = plat_tcp_probe(pp->addr, p->port, pp->timeout_ms, NULL, 0, &err);
        if (r < 0) {
                pp->tcp_code = -r;
                (void)snprintf(pp->why, sizeof(pp->why), "%s", err.msg);
        }
}

static void *
portal_probe_thread(void *arg)
{
        portal_probe(arg);
        return NULL;
}

/* Dead portals each cost the connect bound: CHECK_JOBS of them at a time
 * keep a preflight of many short (one thread each, joined per batch). */
static void
portals_probe(struct preflight_portal *pv, size_t n)
{
        struct plat_thread *t[CHECK_JOBS];
        size_t i, k, m;

        for (i = 0; i < n; i += m) {
                m = n - i < CHECK_JOBS ? n - i : CHECK_JOBS;
                for (k = 0; k < m; k++)
                        if (plat_thread_start(&t[k], portal_probe_thread, &pv[i + k]) < 0) {
                                t[k] = NULL;
                                portal_probe(&pv[i + k]);
                        }
                for (k = 0; k < m; k++)
                        if (t[k] != NULL)
                                plat_thread_join(t[k]);
        }
        for (i = 0; i < n; i++)
                preflight_portal_judge(&pv[i]);
}

static const struct preflight_portal *
portal_of(const struct preflight_portal *v, size_t n, const struct portal *p)
{
        size_t i;

        for (i = 0; i < n; i++)
                if (portal_equal(v[i].portal, p))
                        return &v[i];
        return NULL;
}

/* The initiator, its service, its configuration directory, the SAN policy:
 * what the backend's probe reads. */
static void
check_initiator(struct check_run *run, const struct initiator_ops *ops, struct initiator *ini,
                const struct volume_set *set)
{
        struct initiator_probe pr;
        struct va_err err;
        char text[PREFLIGHT_TEXT_MAX];
        size_t i;
        int ro = 0;

        if (ops->probe == NULL) {
                item_add(run, "service", ops->service_name, PREFLIGHT_WARN,
                         "this backend cannot say whether its service runs", NULL);
                return;
        }
        memset(&pr, 0, sizeof(pr));
        va_err_clear(&err);
        if (ops->probe(ini, &pr, &err) < 0) {
                item_add(run, "service", ops->service_name, PREFLIGHT_FAIL, err.msg, NULL);
                return;
        }
        item_add(run, "service", ops->service_name,
                 pr.running == INITIATOR_YES    ? PREFLIGHT_OK
                 : pr.startable == INITIATOR_NO ? PREFLIGHT_FAIL
                                                : PREFLIGHT_WARN,
                 pr.service, NULL);
        if (pr.config_dir[0] != '\0') {
                if (pr.config_writable == INITIATOR_YES)
                        (void)snprintf(text, sizeof(text), "%s is writable%s%s", pr.config_dir,
                                       pr.config_why[0] ? ": " : "", pr.config_why);
                else
                        (void)snprintf(text, sizeof(text), "%s", pr.config_why);
                item_add(run, "config-dir", pr.config_dir,
                         pr.config_writable == INITIATOR_YES ? PREFLIGHT_OK : PREFLIGHT_FAIL, text,
                         pr.config_writable == INITIATOR_YES
                             ? NULL
                             : "attach writes the initiator name and node records there");
        }
        if (pr.san_policy[0] != '\0') {
                for (i = 0; i < set->n; i++)
                        ro |= set->v[i].read_only;
                (void)snprintf(text, sizeof(text),
                               "%s (%s); attach brings each disk it attaches online itself",
                               pr.san_policy, pr.san_policy_from);
                /* docs/windows.md: under OnlineAll an ro volume arrives
                 * writable until attach sets it read-only */
                item_add(run, "san-policy", NULL,
                         ro && strcmp(pr.san_policy, "OnlineAll") == 0 ? PREFLIGHT_WARN
                                                                       : PREFLIGHT_OK,
                         text,
                         ro && strcmp(pr.san_policy, "OnlineAll") == 0
                             ? "a read-only volume arrives writable at its first attachment "
                               "under OnlineAll; OfflineShared keeps it read-only throughout"
                             : NULL);
        }
}

static void
check_name(struct check_run *run, const struct initiator_ops *ops, struct initiator *ini,
           const struct volume_set *set)
{
        char current[ISCSI_NAME_MAX + 1] = "", text[PREFLIGHT_TEXT_MAX];
        struct initiator_session *s = NULL;
        struct va_err err;
        size_t ns = 0;
        enum preflight_status st;

        va_err_clear(&err);
        if (ops->get_name(ini, current, sizeof(current), &err) < 0) {
                if (set->initiator[0] == '\0') {
                        item_add(run, "initiator-name", NULL, PREFLIGHT_WARN, err.msg,
                                 "the metadata names no initiator either: logins would use "
                                 "none");
                        return;
                }
                (void)snprintf(text, sizeof(text),
                               "the host's cannot be read (%s); the metadata wants %s: attach "
                               "sets it",
                               err.msg, set->initiator);
                item_add(run, "initiator-name", NULL, PREFLIGHT_OK, text, NULL);
                return;
        }
        va_err_clear(&err);
        if (ops->list_sessions(ini, &s, &ns, &err) < 0)
                ns = 0;
        free(s);
        st = preflight_name_judge(current, set->initiator, ns, text, sizeof(text));
        item_add(run, "initiator-name", NULL, st, text, NULL);
}

/* What attach would do with each volume: strategy_decide with what the host
 * says now, then each volume's portals. */
static void
check_volumes(struct check_run *run, const struct cli *c, const struct initiator_ops *ops,
              struct initiator *ini, const struct volume_set *set,
              const struct preflight_portal *pv, size_t npv)
{
        size_t i, k, wants = 0;
        int ready = 0;

        for (i = 0; i < set->n; i++)
                if (strategy_wants_multipath(&set->v[i]))
                        wants++;
        if (wants > 0) {
                char text[PREFLIGHT_TEXT_MAX];

                ready = ini != NULL && initiator_multipath_ready(ops, ini);
                (void)snprintf(text, sizeof(text),
                               ready ? "multipath devices can be built (%zu volume(s) want "
                                       "multipath)"
                                     : "multipath devices cannot be built now: the %zu volume(s) "
                                       "that want multipath get one path",
                               wants);
                item_add(run, "multipathd", NULL, ready ? PREFLIGHT_OK : PREFLIGHT_WARN, text,
                         ready ? NULL
                               : "install multipath-tools and start multipathd (Windows: the "
                                 "MPIO feature), or expect single-path volumes");
        }
        for (i = 0; i < set->n; i++) {
                const struct volume *v = &set->v[i];
                const struct preflight_portal *paths[64];
                struct strategy st;
                char text[PREFLIGHT_TEXT_MAX], hint[PREFLIGHT_TEXT_MAX] = "";
                size_t np = 0;
                enum preflight_status s;

                strategy_decide(v, ops, ini != NULL ? ready : STRATEGY_READY_UNKNOWN,
                                c->enforce_multipath, &st);
                s = st.kind == STRATEGY_REFUSED ? PREFLIGHT_FAIL
                    : st.why[0] != '\0'         ? PREFLIGHT_WARN
                                                : PREFLIGHT_OK;
                (void)snprintf(text, sizeof(text), "attach would use: %s%s%s",
                               strategy_kind_name(st.kind), st.why[0] ? ": " : "", st.why);
                for (k = 0; k < v->npaths && np < sizeof(paths) / sizeof(paths[0]); k++) {
                        const struct preflight_portal *p = portal_of(pv, npv, &v->paths[k].portal);

                        if (p != NULL && (k == 0 || st.kind == STRATEGY_MULTIPATH))
                                paths[np++] = p;
                }
                if (st.kind == STRATEGY_MULTIPATH &&
                    preflight_paths_judge(paths, np, hint, sizeof(hint)) != PREFLIGHT_OK &&
                    s == PREFLIGHT_OK)
                        s = PREFLIGHT_WARN;
                item_add(run, "volume", v->id, s, text, hint);
        }
        for (i = 0; i < npv; i++) {
                char subject[PORTAL_TEXT_MAX];
                struct check_item *it;

                (void)portal_format(pv[i].portal, subject, sizeof(subject));
                it = item_add(run, "portal", subject, pv[i].status, pv[i].text, pv[i].hint);
                if (it != NULL)
                        it->portal = &pv[i];
        }
}

static cJSON *
portal_json(const struct preflight_portal *p)
{
        cJSON *o = cJSON_CreateObject(), *r;

        if (o == NULL)
                return NULL;
        (void)cJSON_AddStringToObject(o, "address", p->addr);
        (void)cJSON_AddNumberToObject(o, "port", p->portal->port);
        if (p->resolve_code != 0 || p->route_code != 0) {
                (void)cJSON_AddNullToObject(o, "route");
        } else {
                r = cJSON_AddObjectToObject(o, "route");
                (void)cJSON_AddStringToObject(r, "interface", p->route.ifname);
                (void)cJSON_AddStringToObject(r, "source", p->route.source);
                if (p->route.gateway[0])
                        (void)cJSON_AddStringToObject(r, "gateway", p->route.gateway);
                else
                        (void)cJSON_AddNullToObject(r, "gateway");
                if (p->route.prefix_len >= 0)
                        (void)cJSON_AddNumberToObject(r, "prefix_len", p->route.prefix_len);
                (void)cJSON_AddBoolToObject(r, "default_route",
                                            p->route.gateway[0] && p->route.prefix_len == 0);
                (void)cJSON_AddBoolToObject(r, "local", p->route.local);
                if (p->route.mtu > 0)
                        (void)cJSON_AddNumberToObject(r, "mtu", p->route.mtu);
                else
                        (void)cJSON_AddNullToObject(r, "mtu");
        }
        (void)cJSON_AddStringToObject(o, "tcp",
                                      p->resolve_code || p->route_code ? "not tried"
                                      : p->tcp_code == 0               ? "connected"
                                      : p->tcp_code == VA_E_TIMEOUT    ? "timeout"
                                                                       : "failed");
        (void)cJSON_AddNumberToObject(o, "timeout_ms", p->timeout_ms);
        return o;
}

/* The contract's document (docs/json.md): the checks in checks[], each
 * failed one an error and each warning a warning, with the check as the
 * source and its subject as the key. */
static cJSON *
check_json(const struct meta_docs *docs, int load, const struct check_run *run)
{
        cJSON *root = doc_new("check"), *arr, *summary;
        size_t i;

        if (root == NULL)
                return NULL;
        (void)cJSON_AddItemToObject(root, "metadata", cli_metadata_json(docs, load));
        (void)cJSON_AddArrayToObject(root, "volumes");
        arr = cJSON_AddArrayToObject(root, "checks");
        for (i = 0; i < run->n; i++) {
                const struct check_item *it = &run->v[i];
                cJSON *o = cJSON_CreateObject();

                if (o == NULL)
                        break;
                (void)cJSON_AddStringToObject(o, "check", it->check);
                if (it->subject[0])
                        (void)cJSON_AddStringToObject(o, "subject", it->subject);
                (void)cJSON_AddStringToObject(o, "status", preflight_status_name(it->status));
                (void)cJSON_AddStringToObject(o, "text", it->text);
                if (it->hint[0])
                        (void)cJSON_AddStringToObject(o, "hint", it->hint);
                if (it->portal != NULL)
                        (void)cJSON_AddItemToObject(o, "portal", portal_json(it->portal));
                (void)cJSON_AddItemToArray(arr, o);
                if (it->status == PREFLIGHT_FAIL || it->status == PREFLIGHT_WARN)
                        doc_error_quiet(it->status == PREFLIGHT_FAIL ? VA_LOG_ERR : VA_LOG_WARNING,
                                        it->status == PREFLIGHT_FAIL ? "check_failed"
                                                                     : "check_warning",
                                        it->check, it->subject, NULL, "%s%s%s: %s", it->check,
                                        it->subject[0] ? " " : "", it->subject, it->text);
        }
        summary = cJSON_AddObjectToObject(root, "summary");
        (void)cJSON_AddNumberToObject(summary, "ok", (double)run->count[PREFLIGHT_OK]);
        (void)cJSON_AddNumberToObject(summary, "warn", (double)run->count[PREFLIGHT_WARN]);
        (void)cJSON_AddNumberToObject(summary, "fail", (double)run->count[PREFLIGHT_FAIL]);
        return root;
}

static void
print_text(const struct meta_docs *docs, const struct check_run *run)
{
        size_t i;

        printf("Metadata: %s\n", docs->origin[0] ? docs->origin : "(none)");
        for (i = 0; i < run->n; i++) {
                const struct check_item *it = &run->v[i];

                printf("%-4s  %s%s%s: %s\n", preflight_status_name(it->status), it->check,
                       it->subject[0] ? " " : "", it->subject, it->text);
                if (it->hint[0])
                        printf("      hint: %s\n", it->hint);
        }
        printf("\nSummary: %zu ok, %zu warnings, %zu failed\n", run->count[PREFLIGHT_OK],
               run->count[PREFLIGHT_WARN], run->count[PREFLIGHT_FAIL]);
}

static int
cmd_check_exec(struct cli *c)
{
        const struct initiator_ops *ops = initiator_backend(c->backend);
        struct check_run run = { 0 };
        struct meta_docs docs;
        struct volume_set set = { 0 };
        struct preflight_portal *pv = NULL;
        struct initiator *ini = NULL;
        struct va_err err;
        size_t npv = 0;
        int code, load;

        if (c->nargs > 0)
                return cli_usage("check takes no arguments");
        if (ops == NULL)
                return cli_usage("unknown backend '%s'", c->backend);
        load = cli_load(c, &docs, &set);
        if (load == EXIT_ENV || load == EXIT_BADMETA)
                item_add(&run, "metadata", NULL, PREFLIGHT_FAIL,
                         "no usable metadata (the error above says why)",
                         "attach would attempt nothing");
        else
                item_add(&run, "metadata", NULL, load == EXIT_OK ? PREFLIGHT_OK : PREFLIGHT_FAIL,
                         load == EXIT_OK ? "read and valid"
                                         : "read; some items or documents were rejected (above)",
                         load == EXIT_OK ? NULL : "attach would attempt the others and exit 1");
        item_add(&run, "privileges", NULL, plat_is_privileged() ? PREFLIGHT_OK : PREFLIGHT_FAIL,
                 plat_is_privileged() ? "running as root (Administrator on Windows)"
                                      : "not running as root (Administrator on Windows)",
                 plat_is_privileged() ? NULL
                                      : "attach needs those rights; run check with them too, "
                                        "or what it says of the initiator's files is this "
                                        "user's view");
        va_err_clear(&err);
        if (ops->open(&ini, &err) < 0) {
                ini = NULL;
                item_add(&run, "initiator", ops->name, PREFLIGHT_FAIL, err.msg, NULL);
        } else {
                item_add(&run, "initiator", ops->name, PREFLIGHT_OK, "installed", NULL);
                check_initiator(&run, ops, ini, &set);
                check_name(&run, ops, ini, &set);
        }
        if (portals_collect(&set, &pv, &npv) < 0) {
                doc_error(VA_LOG_ERR, "out_of_memory", NULL, NULL, NULL, "out of memory");
                code = EXIT_ENV;
                goto out;
        }
        portals_probe(pv, npv);
        check_volumes(&run, c, ops, ini, &set, pv, npv);
        code = run.count[PREFLIGHT_FAIL] > 0 ? EXIT_PARTIAL : EXIT_OK;
        if (load == EXIT_ENV || load == EXIT_BADMETA)
                code = cli_exit_worst(code, load);
        if (c->json)
                (void)cli_emit(c, check_json(&docs, load, &run), code, NULL);
        else
                print_text(&docs, &run);
out:
        if (ini != NULL)
                ops->close(ini);
        free(pv);
        free(run.v);
        volume_set_free(&set);
        meta_docs_free(&docs);
        return code;
}

const struct cli_entry cmd_check_entry = {
        .name = "check",
        .usage = "",
        .summary = "what attach needs from this host, checked; changes nothing",
        .options = CLI_OPT_METADATA | CLI_OPT_JSON | CLI_OPT_ENFORCE_MULTIPATH | CLI_OPT_BACKEND,
        .exec = cmd_check_exec,
};
