/* SPDX-License-Identifier: Apache-2.0 */
/* The platform's clock as the engine's default clock_ops (clock.h). */
#include "core/clock.h"

static uint64_t
plat_now(void *ctx)
{
        (void)ctx;
        return plat_monotonic_ms();
}

static void
plat_sleep(void *ctx, unsigned ms)
{
        (void)ctx;
        plat_sleep_ms(ms);
}

static int
plat_wait(void *ctx, struct plat_cond *c, struct plat_mutex *m, unsigned ms)
{
        (void)ctx;
        return plat_cond_timedwait(c, m, ms);
}

static uint32_t
plat_jitter(void *ctx)
{
        (void)ctx;
        return plat_random_u32();
}

const struct clock_ops *
clock_platform(void)
{
        static const struct clock_ops ops = { plat_now, plat_sleep, plat_wait, plat_jitter, NULL };

        return &ops;
}
