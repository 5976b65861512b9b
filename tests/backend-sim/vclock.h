/* SPDX-License-Identifier: Apache-2.0 */
/* Virtual time for the engine's tests (core/clock.h): a pause advances the
 * clock at once instead of sleeping, and the jitter is fixed, so a test
 * asserts exactly when a retry or a device wait gives up, in no real time,
 * alongside other tests. One clock is shared by every thread of a run: a
 * test that asserts times runs one worker (--jobs 1), so one thread owns the
 * timeline. A timed wait does not pass virtual time: it waits (really) for
 * the condition, as if the other threads' work took no time. */
#ifndef VOLATTACH_TESTS_BACKEND_SIM_VCLOCK_H
#define VOLATTACH_TESTS_BACKEND_SIM_VCLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "core/clock.h"

struct vclock {
        struct clock_ops ops; /* hand &ops to attach_options.clock */
        struct plat_mutex *mu;
        uint64_t now;
        uint32_t jitter;
        size_t sleeps; /* pauses asked for */
};

/* Starts at an arbitrary non-zero time; jitter is what every jitter() call
 * returns. -VA_E_NOMEM. */
int vclock_init(struct vclock *c, uint32_t jitter);
void vclock_free(struct vclock *c);
uint64_t vclock_now(struct vclock *c);

#endif
