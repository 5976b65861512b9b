/* SPDX-License-Identifier: Apache-2.0 */
/* One login call for many paths (initiator_ops.login_batch), run beside the
 * attach engine's workers: a worker whose path is in the batch waits until
 * the batch has settled it, then carries on as usual (its login finds the
 * session, or retries alone what the batch could not bring up). */
#ifndef VOLATTACH_CORE_BATCH_H
#define VOLATTACH_CORE_BATCH_H

#include <stddef.h>

#include "core/clock.h"
#include "core/initiator.h"

struct login_batch;

/* Records the targets of l[] (add_target) and starts the batch login in a
 * thread of its own. Paths with a session already, or whose record failed,
 * are left out. NULL when there is nothing to gain (no login_batch, fewer
 * than two paths left) or it could not start: every path then logs in
 * alone, as without a batch. l[] must outlive the batch. */
struct login_batch *batch_start(const struct initiator_ops *ops, struct initiator *ini,
                                const struct clock_ops *clock, const struct initiator_login *l,
                                size_t n);

/* Watches the host's sessions until the batch has ended, marking each path
 * whose session came up; run by the engine's own thread while the workers
 * wait. One list_sessions at a time (25 ms, doubling to 100 ms, through
 * the clock), not one per waiting worker; the batch's end wakes it at once. */
void batch_watch(struct login_batch *b);

/* Sleeps until the batch has settled path p (a path not in the batch: until
 * the batch has ended, so the backend's batch never races its record). 1
 * when the batch brought its session up, 0 when p is not in the batch or
 * did not come up. b may be NULL. */
int batch_wait(struct login_batch *b, const struct target_path *p);

/* Joins the batch's thread and frees it; b may be NULL. */
void batch_free(struct login_batch *b);

#endif
