/* SPDX-License-Identifier: Apache-2.0 */
/* The plan: what volattach would do for a validated volume set, step by
 * step, in words an operator can check before anything touches the host.
 * `volattach plan` prints it; each volume's way comes from strategy_decide,
 * the one `attach` carries out. */
#ifndef VOLATTACH_CORE_PLAN_H
#define VOLATTACH_CORE_PLAN_H

#include <stddef.h>

#include "core/initiator.h"
#include "core/strategy.h"
#include "core/volume.h"

#define PLAN_TEXT_MAX 640

enum plan_step_kind {
        PLAN_STEP_INITIATOR = 0, /* host: set or keep the initiator name */
        PLAN_STEP_SERVICE,       /* host: make sure the initiator service runs */
        PLAN_STEP_DISCOVER,      /* SendTargets on a portal */
        PLAN_STEP_TARGET,        /* record the target (node record / static target) */
        PLAN_STEP_LOGIN,         /* log in, reusing an existing session */
        PLAN_STEP_SCAN,          /* scan the LUN and wait for its device */
        PLAN_STEP_MULTIPATH,     /* one multipath device over the paths */
        PLAN_STEP_FAILOVER,      /* single path: try the next on failure */
        PLAN_STEP_READONLY,      /* access_mode ro */
        PLAN_STEP_RAW,           /* encrypted: raw device only */
        PLAN_STEP_FALLBACK,      /* less than the volume asked for, and why */
        PLAN_STEP_REFUSE,        /* nothing is attempted, and why */
};

struct plan_step {
        enum plan_step_kind kind;
        char text[PLAN_TEXT_MAX];
};

struct plan_volume {
        const struct volume *vol;
        struct strategy strategy;
        struct plan_step *steps;
        size_t nsteps;
};

struct plan {
        struct plan_step *host;
        size_t nhost;
        struct plan_volume *vols;
        size_t n;
};

struct plan_options {
        unsigned device_timeout_s; /* bound on waiting for a block device */
        /* the backend attach would use: what it can do, its service's name */
        const struct initiator_ops *ops;
        /* 1, 0, or STRATEGY_READY_UNKNOWN: whether the host can build
         * multipath devices is a live query of an open backend, which `plan`
         * (touching no initiator) does not make; unknown, the plan says
         * what happens either way */
        int multipath_ready;
        int enforce_multipath; /* --enforce-multipath */
};

int plan_build(const struct volume_set *s, const struct plan_options *o, struct plan *ret);
void plan_free(struct plan *p);

const char *plan_step_kind_name(enum plan_step_kind k);

/* "CHAP, user 'guest', secret (set)" — the only way a plan or report names
 * credentials: the secret's presence, never its bytes. */
void plan_describe_auth(const struct auth *a, char *buf, size_t len);

#endif
