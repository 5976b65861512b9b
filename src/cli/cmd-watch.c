/* SPDX-License-Identifier: Apache-2.0 */
/* volattach watch: keep the host's volumes in line with the metadata while
 * it runs. Each round reads the source again and reconciles
 * (core/reconcile.c); rounds come every --interval seconds with jitter,
 * until SIGTERM, Ctrl+C or the Windows service's stop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/state.h"
#include "core/reconcile.h"
#include "base/log.h"
#include "platform/platform.h"

struct watch {
        const struct cli *c;
        const char *state_dir;
        struct meta_source_opts meta;
        uint64_t last_hash; /* of the documents last read; 0: none yet */
        int last_answer;    /* enum reconcile_answer of the last round, -1 before */
        unsigned quiet_failures;
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
        size_t i;
        int r, changed;

        va_err_clear(&err);
        r = meta_fetch(&w->meta, &docs, &err);
        if (r < 0) {
                meta_docs_free(&docs);
                va_log(failure_level(w), "cannot read metadata: %s; nothing changes this round",
                       err.msg);
                w->last_hash = 0;
                return RECONCILE_ANSWER_NONE;
        }
        if (docs.none) {
                /* Nova answers 404 for an instance it does not know: on a
                 * running instance that is a fault, not "no volumes" */
                meta_docs_free(&docs);
                va_log(failure_level(w), "%s: no metadata (404); nothing changes this round",
                       docs.origin);
                w->last_hash = 0;
                return RECONCILE_ANSWER_NONE;
        }
        h = docs_hash(&docs);
        changed = h != w->last_hash;
        w->last_hash = h;
        if (changed && w->last_answer >= 0)
                va_log(VA_LOG_INFO, "metadata from %s changed", docs.origin);
        r = meta_load(&docs, set, &bad_docs, &err);
        meta_docs_free(&docs);
        for (i = 0; i < set->diags.n; i++)
                va_log(changed ? set->diags.v[i].level : VA_LOG_DEBUG, "%s", set->diags.v[i].msg);
        if (r < 0) {
                volume_set_free(set);
                va_log(failure_level(w), "%s; nothing changes this round", err.msg);
                return RECONCILE_ANSWER_NONE;
        }
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

static int
cmd_watch_exec(struct cli *c)
{
        const struct initiator_ops *ops;
        struct reconcile_memory mem = { 0 };
        struct reconcile_store store;
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
                va_log(VA_LOG_ERR, "%s", err.msg);
                return EXIT_ENV;
        }
        if (ops->open(&ini, &err) < 0) {
                va_log(VA_LOG_ERR, "%s initiator: %s", ops->name, err.msg);
                return EXIT_ENV;
        }
        cli_attach_options(c, &o);
        store.load = store_load;
        store.save = store_save;
        store.remove = store_remove;
        store.ctx = &w;
        va_log(VA_LOG_NOTICE, "watching %s every %u s", w.meta.spec, c->interval_s);

        for (;;) {
                struct volume_set set = { 0 };
                struct reconcile_outcome out;
                enum reconcile_answer a = watch_fetch(&w, &set);

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
                if (cli_state_lock(w.state_dir, last ? CLI_LOCK_WAIT_MS : WATCH_LOCK_WAIT_MS,
                                   last ? 0 : PLAT_LOCK_QUIET, &lock, &err) < 0) {
                        if (err.code == VA_E_BUSY)
                                va_log(VA_LOG_NOTICE,
                                       "round %u skipped: %s; trying again at the next round", n,
                                       err.msg);
                        else
                                va_log(VA_LOG_ERR, "round %u: %s; nothing was changed", n, err.msg);
                        code = EXIT_ENV;
                } else if (reconcile_round(ops, ini, &store, &set, a, &o, &mem, &out, &err) < 0) {
                        va_log(VA_LOG_ERR, "round %u: %s; nothing was changed", n, err.msg);
                        code = EXIT_ENV;
                } else {
                        round_log(&out, n);
                        code = out.failed || out.in_use || out.detach_failed ? EXIT_PARTIAL
                               : a == RECONCILE_ANSWER_NONE                  ? EXIT_ENV
                                                                             : EXIT_OK;
                }
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
                va_log(VA_LOG_NOTICE, "stopped after %u round(s)", n);
        reconcile_memory_free(&mem);
        ops->close(ini);
        /* --rounds: the last round's outcome; a stop: a clean end */
        return c->rounds != 0 && n >= c->rounds ? code : EXIT_OK;
}

const struct cli_entry cmd_watch_entry = {
        .name = "watch",
        .usage = "",
        .summary = "keep attaching and detaching as the metadata changes",
        .options = (CLI_OPTS_ATTACH & ~CLI_OPT_JSON) | CLI_OPT_WATCH,
        .exec = cmd_watch_exec,
};
