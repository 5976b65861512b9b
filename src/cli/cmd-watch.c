/* SPDX-License-Identifier: Apache-2.0 */
/* volattach watch: keep the host's volumes in line with the metadata while
 * it runs. Each round reads the source again and reconciles
 * (core/reconcile.c); rounds come every --interval seconds with jitter,
 * until SIGTERM, Ctrl+C or the Windows service's stop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/doc.h"
#include "cli/report.h"
#include "cli/prepare.h"
#include "cli/state.h"
#include "core/reconcile.h"
#include "base/log.h"
#include "platform/platform.h"

struct watch {
        const struct cli *c;
        const struct initiator_ops *ops;
        struct initiator *ini;
        const char *state_dir;
        struct meta_source_opts meta;
        uint64_t last_hash; /* of the documents last read; 0: none yet */
        int last_answer;    /* enum reconcile_answer of the last round, -1 before */
        unsigned quiet_failures;
        struct meta_docs seen; /* this round's origin and 404, for the document */
        int load_code;         /* this round's read, as cli_load would exit */
};

static int
store_load(void *ctx, struct attached_volume **ret, size_t *ret_n, struct va_err *err)
{
        const struct watch *w = ctx;
        char **ids = NULL;
        size_t n = 0, i;
        int r;

        *ret = NULL;
        *ret_n = 0;
        r = state_list(w->state_dir, &ids, &n, err);
        if (r < 0)
                return r;
        *ret = calloc(n ? n : 1, sizeof(**ret));
        if (*ret == NULL) {
                plat_string_list_free(ids, n);
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        }
        for (i = 0; i < n; i++) {
                struct va_err e;

                va_err_clear(&e);
                /* an unreadable state file is left alone: its volume is
                 * neither detached nor counted as attached */
                if (state_load(w->state_dir, ids[i], &(*ret)[*ret_n], &e) == 0)
                        (*ret_n)++;
                else
                        va_log(VA_LOG_WARNING, "%s", e.msg);
        }
        plat_string_list_free(ids, n);
        return 0;
}

static int
store_save(void *ctx, const struct attach_result *res, struct va_err *err)
{
        const struct watch *w = ctx;
        struct prep_result prep;

        /* a volume this round attached: prepared (or found prepared) before
         * its state is saved; a refusal is logged and changes nothing else */
        prep_volume(w->c, w->ops, w->ini, res, &prep);
        return state_save(w->state_dir, res, err);
}

static int
store_remove(void *ctx, const char *id, struct va_err *err)
{
        const struct watch *w = ctx;

        return state_remove(w->state_dir, id, err);
}

/* A round takes STATE_DIR/lock as attach and detach do, so it never races
 * a manual run. It waits this long for it, then skips the round: a manual
 * attach may hold it for minutes, and the watch must not queue behind it. */
#define WATCH_LOCK_WAIT_MS 2000u

/* FNV-1a over the documents' names and bytes: "did the answer change". */
static uint64_t
docs_hash(const struct meta_docs *d)
{
        uint64_t h = 14695981039346656037ull;
        size_t i, k;

        for (i = 0; i < d->ndocs; i++) {
                const unsigned char *name = (const unsigned char *)d->doc[i].name;
                const unsigned char *b = (const unsigned char *)d->doc[i].buf;

                for (k = 0; name[k] != '\0'; k++)
                        h = (h ^ name[k]) * 1099511628211ull;
                h = (h ^ 0xff) * 1099511628211ull;
                for (k = 0; b != NULL && k < d->doc[i].len; k++)
                        h = (h ^ b[k]) * 1099511628211ull;
                h = (h ^ (b == NULL ? 0xfe : 0xfd)) * 1099511628211ull;
        }
        return h | 1;
}

/* A failure that repeats every round is said once at warning level, then
 * at info, until an answer comes again. */
static int
failure_level(struct watch *w)
{
        return w->quiet_failures++ == 0 ? VA_LOG_WARNING : VA_LOG_INFO;
}

/* Reads the source and classifies the answer; set holds the wanted
 * volumes unless the answer is NONE. Diagnostics are logged when the
 * documents changed since the last round (else at debug), so a bad item
 * is not reported every 10 s. */
static enum reconcile_answer
watch_fetch(struct watch *w, struct volume_set *set)
{
        struct meta_docs docs;
        struct va_err err;
        unsigned bad_docs = 0;
        uint64_t h;
        int r, changed;

        va_err_clear(&err);
        r = meta_fetch(&w->meta, &docs, &err);
        memcpy(w->seen.origin, docs.origin, sizeof(w->seen.origin));
        w->seen.none = 0;
        if (r < 0) {
                meta_docs_free(&docs);
                w->load_code = r == -VA_E_TOOBIG ? EXIT_BADMETA : EXIT_ENV;
                doc_error(failure_level(w),
                          r == -VA_E_TOOBIG ? "metadata_too_big" : "metadata_unreachable",
                          docs.origin[0] ? docs.origin : NULL, NULL, NULL,
                          "cannot read metadata: %s; nothing changes this round", err.msg);
                w->last_hash = 0;
                return RECONCILE_ANSWER_NONE;
        }
        if (docs.none) {
                /* Nova answers 404 for an instance it does not know: on a
                 * running instance that is a fault, not "no volumes" */
                meta_docs_free(&docs);
                w->load_code = EXIT_ENV;
                doc_error(failure_level(w), "metadata_not_found", docs.origin, NULL, NULL,
                          "%s: no metadata (404); nothing changes this round", docs.origin);
                w->last_hash = 0;
                return RECONCILE_ANSWER_NONE;
        }
        w->load_code = EXIT_OK;
        h = docs_hash(&docs);
        changed = h != w->last_hash;
        w->last_hash = h;
        if (changed && w->last_answer >= 0)
                va_log(VA_LOG_INFO, "metadata from %s changed", docs.origin);
        r = meta_load(&docs, set, &bad_docs, &err);
        meta_docs_free(&docs);
        doc_diags(&set->diags, changed ? -1 : VA_LOG_DEBUG);
        if (r < 0) {
                volume_set_free(set);
                w->load_code = r == -VA_E_NOMEM ? EXIT_ENV : EXIT_BADMETA;
                doc_error(failure_level(w), "metadata_invalid", w->seen.origin, NULL, NULL,
                          "%s; nothing changes this round", err.msg);
                return RECONCILE_ANSWER_NONE;
        }
        if (bad_docs > 0 || volume_set_count(set, ITEM_REJECTED) > 0)
                w->load_code = EXIT_PARTIAL;
        return reconcile_answer_of(0, 0, bad_docs, set);
}

static void
round_log(const struct reconcile_outcome *o, unsigned n)
{
        int level =
            o->changed || o->failed || o->in_use || o->detach_failed || o->held || o->waiting
                ? VA_LOG_INFO
                : VA_LOG_DEBUG;

        va_log(level,
               "round %u: %zu wanted, %zu kept, %zu attached, %zu degraded, %zu failed, %zu "
               "waiting to retry, %zu detached, %zu in use, %zu gone (unconfirmed), %zu held",
               n, o->wanted, o->kept, o->attached, o->degraded, o->failed, o->backoff, o->detached,
               o->in_use, o->waiting, o->held);
}

static const char *const answer_name[] = { "none", "partial", "valid" };

/* The round's document: what each volume it touched or checked came to,
 * the counts, the errors. Written as the result file every round; under
 * --json also one line on stdout per round (JSON Lines). */
static void
round_emit(struct watch *w, unsigned n, enum reconcile_answer a, const struct reconcile_outcome *o,
           int ran, int code, int write_result)
{
        cJSON *root = doc_new("watch"), *vols, *sum;
        struct va_err err;
        size_t i;
        char *line;

        if (root == NULL)
                return;
        (void)cJSON_AddNumberToObject(root, "round", n);
        (void)cJSON_AddStringToObject(root, "answer", answer_name[a]);
        (void)cJSON_AddItemToObject(root, "metadata", cli_metadata_json(&w->seen, w->load_code));
        vols = cJSON_AddArrayToObject(root, "volumes");
        for (i = 0; ran && i < o->nv; i++) {
                const struct reconcile_volume *v = &o->v[i];
                cJSON *jv = cJSON_CreateObject();

                if (jv == NULL)
                        break;
                (void)cJSON_AddStringToObject(jv, "id", v->id);
                (void)cJSON_AddStringToObject(jv, "status", reconcile_vstatus_name(v->status));
                if (v->have_device)
                        (void)cJSON_AddItemToObject(jv, "device", report_device_json(&v->device));
                else
                        (void)cJSON_AddNullToObject(jv, "device");
                if (v->error[0])
                        (void)cJSON_AddStringToObject(jv, "error", v->error);
                else
                        (void)cJSON_AddNullToObject(jv, "error");
                (void)cJSON_AddItemToArray(vols, jv);
                /* reconcile logged these; the document lists them */
                if (v->status == RECONCILE_V_FAILED)
                        doc_error_quiet(VA_LOG_ERR, "attach_failed", NULL, NULL, v->id,
                                        "volume %s: %s", v->id, v->error);
                else if (v->status == RECONCILE_V_DEGRADED)
                        doc_error_quiet(VA_LOG_WARNING, "attach_degraded", NULL, NULL, v->id,
                                        "volume %s: %s", v->id, v->error);
                else if (v->status == RECONCILE_V_IN_USE)
                        doc_error_quiet(VA_LOG_WARNING, "detach_refused", NULL, NULL, v->id,
                                        "volume %s: gone from the metadata, but in use (%s): "
                                        "not detached",
                                        v->id, v->error);
                else if (v->status == RECONCILE_V_DETACH_FAILED)
                        doc_error_quiet(VA_LOG_ERR, "detach_failed", NULL, NULL, v->id,
                                        "volume %s: %s", v->id, v->error);
        }
        sum = cJSON_AddObjectToObject(root, "summary");
        (void)cJSON_AddNumberToObject(sum, "wanted", ran ? (double)o->wanted : 0);
        (void)cJSON_AddNumberToObject(sum, "kept", ran ? (double)o->kept : 0);
        (void)cJSON_AddNumberToObject(sum, "attached", ran ? (double)o->attached : 0);
        (void)cJSON_AddNumberToObject(sum, "degraded", ran ? (double)o->degraded : 0);
        (void)cJSON_AddNumberToObject(sum, "failed", ran ? (double)o->failed : 0);
        (void)cJSON_AddNumberToObject(sum, "backoff", ran ? (double)o->backoff : 0);
        (void)cJSON_AddNumberToObject(sum, "detached", ran ? (double)o->detached : 0);
        (void)cJSON_AddNumberToObject(sum, "in_use", ran ? (double)o->in_use : 0);
        (void)cJSON_AddNumberToObject(sum, "waiting", ran ? (double)o->waiting : 0);
        (void)cJSON_AddNumberToObject(sum, "held", ran ? (double)o->held : 0);
        doc_finish(root, code);
        va_err_clear(&err);
        if (write_result && doc_result_write(w->state_dir, root, &err) < 0)
                va_log(VA_LOG_WARNING, "round %u: the result file could not be written: %s", n,
                       err.msg);
        if (w->c->json) {
                line = cJSON_PrintUnformatted(root);
                if (line != NULL) {
                        (void)fputs(line, stdout);
                        (void)fputc('\n', stdout);
                        (void)fflush(stdout);
                        free(line);
                }
        }
        cJSON_Delete(root);
}

static int
cmd_watch_exec(struct cli *c)
{
        const struct initiator_ops *ops;
        struct reconcile_memory mem = { 0 };
        struct reconcile_store store;
        struct reconcile_outcome out = { 0 };
        struct attach_options o;
        struct initiator *ini = NULL;
        struct plat_lock *lock = NULL;
        struct watch w;
        struct va_err err;
        unsigned n = 0;
        int code = EXIT_OK, last;

        code = cli_host_command(c, &ops);
        if (code != EXIT_OK)
                return code;
        code = prep_check(c, ops);
        if (code != EXIT_OK)
                return code;
        memset(&w, 0, sizeof(w));
        w.c = c;
        w.state_dir = c->state_dir ? c->state_dir : plat_state_dir();
        w.meta = c->meta;
        w.last_answer = -1;
        /* A config drive is written once, at deploy: what changes while
         * the instance runs is in the metadata service. */
        if (strcmp(w.meta.spec, "auto") == 0)
                w.meta.spec = w.meta.service_url;
        va_err_clear(&err);
        if (plat_stop_init(&err) < 0) {
                doc_error(VA_LOG_ERR, "internal", NULL, NULL, NULL, "%s", err.msg);
                return EXIT_ENV;
        }
        if (ops->open(&ini, &err) < 0) {
                doc_error(VA_LOG_ERR, "initiator_unavailable", ops->name, NULL, NULL,
                          "%s initiator: %s", ops->name, err.msg);
                return EXIT_ENV;
        }
        w.ops = ops;
        w.ini = ini;
        cli_attach_options(c, &o);
        store.load = store_load;
        store.save = store_save;
        store.remove = store_remove;
        store.ctx = &w;
        va_log_event(VA_EVENT_WATCH_STARTED, VA_LOG_NOTICE, "watching %s every %u s", w.meta.spec,
                     c->interval_s);

        for (;;) {
                struct volume_set set = { 0 };
                enum reconcile_answer a;
                int ran = 0, skipped = 0;

                doc_errors_reset();
                a = watch_fetch(&w, &set);
                n++;
                if (a != RECONCILE_ANSWER_NONE && w.last_answer == RECONCILE_ANSWER_NONE)
                        va_log(VA_LOG_NOTICE, "metadata readable again");
                if (a != RECONCILE_ANSWER_NONE)
                        w.quiet_failures = 0;
                if (a == RECONCILE_ANSWER_PARTIAL && w.last_answer != RECONCILE_ANSWER_PARTIAL)
                        va_log(VA_LOG_WARNING, "the metadata is incomplete (a document or an item "
                                               "could not be read): new volumes are attached, "
                                               "none is detached");
                /* a stop that came during the fetch abandons the round
                 * before it changes anything */
                if (plat_stop_wait(0)) {
                        volume_set_free(&set);
                        break;
                }
                va_err_clear(&err);
                /* the lock is held for the round only, never across the
                 * sleep; the last round of --rounds has no next round to
                 * try at, so it waits (and says so) as attach does */
                last = c->rounds != 0 && n >= c->rounds;
                skipped = 0;
                if (cli_state_lock(w.state_dir, last ? CLI_LOCK_WAIT_MS : WATCH_LOCK_WAIT_MS,
                                   PLAT_LOCK_STOPPABLE | (last ? 0 : PLAT_LOCK_QUIET), &lock,
                                   &err) < 0) {
                        /* stopped while waiting: this round never ran */
                        if (plat_stop_wait(0)) {
                                n--;
                                volume_set_free(&set);
                                break;
                        }
                        if (err.code == VA_E_BUSY) {
                                skipped = 1;
                                doc_error(VA_LOG_NOTICE, "round_skipped", w.state_dir, NULL, NULL,
                                          "round %u skipped: %s; trying again at the next round", n,
                                          err.msg);
                        } else {
                                doc_error(VA_LOG_ERR, "lock_failed", w.state_dir, NULL, NULL,
                                          "round %u: %s; nothing was changed", n, err.msg);
                        }
                        code = EXIT_ENV;
                } else if (reconcile_round(ops, ini, &store, &set, a, &o, &mem, &out, &err) < 0) {
                        doc_error(VA_LOG_ERR, "round_failed", NULL, NULL, NULL,
                                  "round %u: %s; nothing was changed", n, err.msg);
                        code = EXIT_ENV;
                } else {
                        ran = 1;
                        round_log(&out, n);
                        code = out.failed || out.in_use || out.detach_failed ? EXIT_PARTIAL
                               : a == RECONCILE_ANSWER_NONE                  ? EXIT_ENV
                                                                             : EXIT_OK;
                }
                /* under the lock, so the result file is this round's; a
                 * skipped round leaves the other run's result file alone */
                round_emit(&w, n, a, &out, ran, code, !skipped);
                plat_lock_release(lock);
                lock = NULL;
                w.last_answer = (int)a;
                volume_set_free(&set);
                if (c->rounds != 0 && n >= c->rounds)
                        break;
                if (plat_stop_wait(reconcile_next_ms(c->interval_s * 1000u, plat_random_u32())))
                        break;
        }
        if (c->rounds == 0 || n < c->rounds)
                va_log_event(VA_EVENT_WATCH_STOPPED, VA_LOG_NOTICE, "stopped after %u round(s)", n);
        reconcile_memory_free(&mem);
        reconcile_outcome_free(&out);
        ops->close(ini);
        /* every round printed its own document */
        c->doc_printed = n > 0;
        /* --rounds: the last round's outcome; a stop: a clean end */
        return c->rounds != 0 && n >= c->rounds ? code : EXIT_OK;
}

const struct cli_entry cmd_watch_entry = {
        .name = "watch",
        .usage = "",
        .summary = "keep attaching and detaching as the metadata changes",
        .options = CLI_OPTS_ATTACH | CLI_OPT_WATCH,
        .exec = cmd_watch_exec,
};
