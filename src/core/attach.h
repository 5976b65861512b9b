/* SPDX-License-Identifier: Apache-2.0 */
/* The attach engine: carries out the plan through an initiator backend, in
 * parallel across volumes and paths, with a lock per target, bounded retries
 * of transient login failures, and a bounded wait for each device. One
 * volume's failure never stops the others. */
#ifndef VOLATTACH_CORE_ATTACH_H
#define VOLATTACH_CORE_ATTACH_H

#include <stdint.h>

#include "core/clock.h"
#include "core/initiator.h"
#include "core/strategy.h"
#include "core/volume.h"

struct attach_options {
        unsigned jobs;                 /* logins in flight at once */
        unsigned device_timeout_ms;    /* wait for one block device */
        unsigned login_deadline_ms;    /* keep retrying a transient login failure this long */
        unsigned login_attempt_ms;     /* bound on one login attempt */
        int enforce_multipath;         /* --enforce-multipath */
        const struct clock_ops *clock; /* NULL: the platform's (clock.h) */
};

enum attach_status {
        ATTACH_OK = 0,
        ATTACH_DEGRADED, /* usable, but with fewer paths than asked for */
        ATTACH_FAILED,
};

struct attach_path {
        struct target_path path;
        struct initiator_session session;
        struct initiator_device device;
        int ok;
        unsigned attempts;
        struct va_err err;
};

struct attach_result {
        const struct volume *vol;
        enum attach_status status;
        struct strategy strategy;       /* as carried out (strategy_decide) */
        struct initiator_device device; /* the one to use: multipath map or the disk */
        struct attach_path *paths;
        size_t npaths;
        struct va_err err; /* why it failed, or why it is degraded */
        char hint[256];    /* what the operator should check */
        uint64_t elapsed_ms;
};

struct attach_report {
        struct attach_result *v;
        size_t n;
        int host_failed; /* the initiator service or name could not be set up */
        struct va_err host_err;
        char initiator_before[ISCSI_NAME_MAX + 1];
        int initiator_changed;
        uint64_t elapsed_ms;
};

/* Attaches every volume of set. Returns 0 when the run itself could be
 * carried out (volumes may still have failed: see each result), or a
 * negative code when nothing could be tried (out of memory). */
int attach_run(const struct initiator_ops *ops, struct initiator *ini, const struct volume_set *set,
               const struct attach_options *o, struct attach_report *ret);

void attach_report_free(struct attach_report *r);

/* Pause before retry n (0-based) of a login: 250 ms doubling to 5 s, with
 * equal jitter from rnd (clock_ops.jitter). Pure, for tests. */
unsigned attach_backoff_ms(unsigned retry, uint32_t rnd);
/* An upper bound on the attempts a login still makes after this pause
 * (the one after it included), for the progress message. */
unsigned attach_attempts_left(unsigned retry, unsigned pause_ms, uint64_t left_ms);
/* Login retries are logged at notice at most this often per path (the
 * first retry always), at info in between. */
#define ATTACH_PROGRESS_MS 10000u

/* 1 when a login error is worth retrying (network, timeout, busy). */
int attach_login_retryable(int rc);

#endif
