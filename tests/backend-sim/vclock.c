/* SPDX-License-Identifier: Apache-2.0 */
/* Virtual time for the engine's tests (vclock.h). */
#include "backend-sim/vclock.h"

#include <string.h>

static uint64_t
vc_now(void *ctx)
{
        return vclock_now(ctx);
}

static void
vc_sleep(void *ctx, unsigned ms)
{
        struct vclock *c = ctx;

        plat_mutex_lock(c->mu);
        c->now += ms;
        c->sleeps++;
        plat_mutex_unlock(c->mu);
}

static int
vc_wait(void *ctx, struct plat_cond *cond, struct plat_mutex *m, unsigned ms)
{
        (void)ctx;
        (void)ms;
        plat_cond_wait(cond, m);
        return 0;
}

static uint32_t
vc_jitter(void *ctx)
{
        return ((struct vclock *)ctx)->jitter;
}

int
vclock_init(struct vclock *c, uint32_t jitter)
{
        memset(c, 0, sizeof(*c));
        c->mu = plat_mutex_new();
        if (c->mu == NULL)
                return -VA_E_NOMEM;
        c->now = 1000000;
        c->jitter = jitter;
        c->ops.now_ms = vc_now;
        c->ops.sleep_ms = vc_sleep;
        c->ops.wait_ms = vc_wait;
        c->ops.jitter = vc_jitter;
        c->ops.ctx = c;
        return 0;
}

void
vclock_free(struct vclock *c)
{
        plat_mutex_free(c->mu);
        c->mu = NULL;
}

uint64_t
vclock_now(struct vclock *c)
{
        uint64_t t;

        plat_mutex_lock(c->mu);
        t = c->now;
        plat_mutex_unlock(c->mu);
        return t;
}
