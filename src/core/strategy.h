/* SPDX-License-Identifier: Apache-2.0 */
/* The attach policy in one place: from a validated volume, what the backend
 * can do (its ops table), whether the host can build multipath devices now,
 * and --enforce-multipath, which way the volume is attached, with the reason
 * when that is less than it asked for, or why nothing is tried. Pure: `plan`
 * prints it, the attach engine carries it out (and `check` compares it). */
#ifndef VOLATTACH_CORE_STRATEGY_H
#define VOLATTACH_CORE_STRATEGY_H

#include "core/initiator.h"
#include "core/volume.h"

enum strategy_kind {
        STRATEGY_SINGLE = 0, /* one path; further listed paths are failover alternatives */
        STRATEGY_MULTIPATH,  /* every listed path, one multipath device over them */
        STRATEGY_DISCOVER,   /* SendTargets on the portal, then multipath over what it lists */
        STRATEGY_REFUSED,    /* nothing is attempted: code and why say what is missing */
};

#define STRATEGY_WHY_MAX 256

/* multipath_ready for a caller that has not asked the host (plan) */
#define STRATEGY_READY_UNKNOWN (-1)

struct strategy {
        enum strategy_kind kind;
        /* multipath is enforced: if the paths give no multipath device, the
         * volume fails instead of using one path */
        int enforced;
        /* multipath readiness was unknown: kind is what a host with multipath
         * gets; a host without it at attach time gets one path with a
         * warning (refused when enforced) */
        int host_dependent;
        int code; /* STRATEGY_REFUSED: the VA_E_* to report */
        /* REFUSED: the refusal; otherwise why the volume gets less than it
         * asked for (attach then reports it degraded); "" when it does not */
        char why[STRATEGY_WHY_MAX];
};

/* multipath_ready: 1, 0, or STRATEGY_READY_UNKNOWN; enforce: the run's
 * --enforce-multipath (the volume's own enforce_multipath counts too). */
void strategy_decide(const struct volume *v, const struct initiator_ops *ops, int multipath_ready,
                     int enforce, struct strategy *ret);

/* 1 when a multipath-ready answer could change the strategy of v: only then
 * is it worth asking the host (a process on some systems). */
int strategy_wants_multipath(const struct volume *v);

/* "single", "multipath", "discover", "refused" */
const char *strategy_kind_name(enum strategy_kind k);

#endif
