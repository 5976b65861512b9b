/* SPDX-License-Identifier: Apache-2.0 */
/* The engine's sense of time: every pause, timed wait and clock reading of
 * the attach engine and its batch goes through one table, the platform's by
 * default, so the engine's tests can run on virtual time (tests/backend-sim
 * vclock) and assert exact outcomes instead of wall-clock bounds. */
#ifndef VOLATTACH_CORE_CLOCK_H
#define VOLATTACH_CORE_CLOCK_H

#include <stdint.h>

#include "platform/platform.h"

struct clock_ops {
        uint64_t (*now_ms)(void *ctx); /* monotonic */
        void (*sleep_ms)(void *ctx, unsigned ms);
        /* Waits on c, m held, until signalled or ms have passed (as
         * plat_cond_timedwait: -VA_E_TIMEOUT or 0; may wake spuriously). */
        int (*wait_ms)(void *ctx, struct plat_cond *c, struct plat_mutex *m, unsigned ms);
        /* Jitter for retry backoff; a virtual clock makes it fixed. */
        uint32_t (*jitter)(void *ctx);
        void *ctx;
};

/* plat_monotonic_ms, plat_sleep_ms, plat_cond_timedwait, plat_random_u32 */
const struct clock_ops *clock_platform(void);

#endif
