/* SPDX-License-Identifier: Apache-2.0 */
/* One login call for many paths, beside the engine's workers (batch.h). */
#include "core/batch.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "platform/platform.h"

enum batch_item_state {
        BATCH_ITEM_PENDING = 0,
        BATCH_ITEM_UP,     /* the batch brought the session up */
        BATCH_ITEM_MISSED, /* the batch ended without it: log in alone */
};

/* The watcher's poll of the session list: first after 25 ms (a session
 * that was up at once), then doubling to 100 ms, so a path waits at most
 * that long after its session came up. */
#define BATCH_POLL_FIRST_MS 25
#define BATCH_POLL_MAX_MS   100

struct login_batch {
        const struct initiator_ops *ops;
        struct initiator *ini;
        const struct clock_ops *clock;
        struct plat_mutex *mu;     /* guards state[] and done */
        struct plat_cond *changed; /* a state[] settled, or the batch ended */
        struct plat_thread *thread;
        struct initiator_login *l; /* the paths in the batch */
        enum batch_item_state *state;
        size_t n;
        int done;
};

static int
same_path(const struct target_path *a, const struct portal *p, const char *iqn)
{
        return portal_equal(&a->portal, p) && strcmp(a->iqn, iqn) == 0;
}

static void *
batch_thread(void *arg)
{
        struct login_batch *b = arg;
        struct va_err err;
        uint64_t t0 = b->clock->now_ms(b->clock->ctx);

        va_err_clear(&err);
        if (b->ops->login_batch(b->ini, b->l, b->n, &err) < 0)
                va_log(VA_LOG_INFO,
                       "logging in %zu targets at once did not work (%s); each "
                       "logs in alone",
                       b->n, err.msg);
        else
                va_log(VA_LOG_DEBUG, "batch login of %zu targets returned after %llu ms", b->n,
                       (unsigned long long)(b->clock->now_ms(b->clock->ctx) - t0));
        plat_mutex_lock(b->mu);
        b->done = 1;
        plat_cond_broadcast(b->changed);
        plat_mutex_unlock(b->mu);
        return NULL;
}

struct login_batch *
batch_start(const struct initiator_ops *ops, struct initiator *ini, const struct clock_ops *clock,
            const struct initiator_login *l, size_t n)
{
        struct initiator_session *ses = NULL;
        struct login_batch *b;
        size_t nses = 0, i, j;
        struct va_err err;

        if (!initiator_can_batch(ops) || n < 2)
                return NULL;
        va_err_clear(&err);
        if (ops->list_sessions(ini, &ses, &nses, &err) < 0)
                return NULL;
        b = calloc(1, sizeof(*b));
        if (b == NULL || (b->l = calloc(n, sizeof(*b->l))) == NULL ||
            (b->state = calloc(n, sizeof(*b->state))) == NULL ||
            (b->mu = plat_mutex_new()) == NULL || (b->changed = plat_cond_new()) == NULL)
                goto fail;
        b->ops = ops;
        b->ini = ini;
        b->clock = clock;
        for (i = 0; i < n; i++) {
                int skip = 0;

                /* a path already logged in is reused by its worker */
                for (j = 0; j < nses && !skip; j++)
                        skip = same_path(l[i].path, &ses[j].portal, ses[j].iqn);
                /* two LUNs behind one target share one session */
                for (j = 0; j < b->n && !skip; j++)
                        skip = same_path(l[i].path, &b->l[j].path->portal, b->l[j].path->iqn);
                if (skip)
                        continue;
                va_err_clear(&err);
                if (ops->add_target(ini, &l[i], &err) < 0)
                        continue; /* its worker records it again and says why it fails */
                b->l[b->n++] = l[i];
        }
        free(ses);
        ses = NULL;
        if (b->n < 2 || plat_thread_start(&b->thread, batch_thread, b) < 0)
                goto fail;
        va_log(VA_LOG_INFO, "logging in %zu targets at once", b->n);
        return b;
fail:
        free(ses);
        batch_free(b); /* no thread started */
        return NULL;
}

/* Marks the pending paths whose session is up; at the end, the rest missed. */
static void
batch_mark(struct login_batch *b, int last)
{
        struct initiator_session *ses = NULL;
        size_t nses = 0, i, j;
        struct va_err err;

        va_err_clear(&err);
        if (b->ops->list_sessions(b->ini, &ses, &nses, &err) < 0)
                nses = 0;
        plat_mutex_lock(b->mu);
        for (i = 0; i < b->n; i++) {
                if (b->state[i] != BATCH_ITEM_PENDING)
                        continue;
                for (j = 0; j < nses; j++) {
                        if (ses[j].state == INITIATOR_SESSION_UP &&
                            same_path(b->l[i].path, &ses[j].portal, ses[j].iqn)) {
                                b->state[i] = BATCH_ITEM_UP;
                                break;
                        }
                }
                if (last && b->state[i] == BATCH_ITEM_PENDING)
                        b->state[i] = BATCH_ITEM_MISSED;
        }
        plat_cond_broadcast(b->changed);
        plat_mutex_unlock(b->mu);
        free(ses);
}

/* A poll, where every other wait in the engine is on a condition: the
 * backend's one login call (one iscsiadm for all) brings sessions up one
 * by one and reports none of them until it returns, so only the session
 * list (sysfs) says which are up meanwhile. */
void
batch_watch(struct login_batch *b)
{
        unsigned pause = BATCH_POLL_FIRST_MS;
        int done = 0;

        if (b == NULL)
                return;
        while (!done) {
                plat_mutex_lock(b->mu);
                if (!b->done)
                        (void)b->clock->wait_ms(b->clock->ctx, b->changed, b->mu, pause);
                done = b->done;
                plat_mutex_unlock(b->mu);
                batch_mark(b, done);
                if (pause < BATCH_POLL_MAX_MS)
                        pause *= 2;
                if (pause > BATCH_POLL_MAX_MS)
                        pause = BATCH_POLL_MAX_MS;
        }
}

int
batch_wait(struct login_batch *b, const struct target_path *p)
{
        size_t i;
        int up = 0;

        if (b == NULL)
                return 0;
        for (i = 0; i < b->n; i++)
                if (same_path(b->l[i].path, &p->portal, p->iqn))
                        break;
        plat_mutex_lock(b->mu);
        for (;;) {
                if (i < b->n && b->state[i] != BATCH_ITEM_PENDING) {
                        up = b->state[i] == BATCH_ITEM_UP;
                        break;
                }
                /* A path outside the batch (discovered at run time, a
                 * failover alternative, one whose record failed) waits for
                 * the batch to end: until then the backend may be clearing
                 * leftover records, and a record this path writes now
                 * could look like one. */
                if (i == b->n && b->done)
                        break;
                plat_cond_wait(b->changed, b->mu);
        }
        plat_mutex_unlock(b->mu);
        return up;
}

void
batch_free(struct login_batch *b)
{
        if (b == NULL)
                return;
        if (b->thread != NULL)
                plat_thread_join(b->thread);
        plat_cond_free(b->changed);
        plat_mutex_free(b->mu);
        free(b->state);
        free(b->l);
        free(b);
}
