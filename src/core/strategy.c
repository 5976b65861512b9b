/* SPDX-License-Identifier: Apache-2.0 */
/* The one attach policy (strategy.h). The order of the rules is the order
 * an operator reads them in: what the initiator can never do refuses or
 * narrows first, what the host lacks today next. */
#include "core/strategy.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *
strategy_kind_name(enum strategy_kind k)
{
        static const char *const names[] = { "single", "multipath", "discover", "refused" };

        if ((size_t)k < sizeof(names) / sizeof(names[0]))
                return names[k];
        return "unknown";
}

int
strategy_wants_multipath(const struct volume *v)
{
        return v->policy != PATHS_SINGLE;
}

static void refuse(struct strategy *s, int code, const char *fmt, ...)
    __attribute__((format(VA_PRINTF_FORMAT, 3, 4)));

static void
refuse(struct strategy *s, int code, const char *fmt, ...)
{
        va_list ap;

        s->kind = STRATEGY_REFUSED;
        s->code = code;
        s->enforced = 0;
        s->host_dependent = 0;
        va_start(ap, fmt);
        (void)vsnprintf(s->why, sizeof(s->why), fmt, ap);
        va_end(ap);
}

void
strategy_decide(const struct volume *v, const struct initiator_ops *ops, int multipath_ready,
                int enforce, struct strategy *ret)
{
        int enforced = v->enforce_multipath || enforce;
        enum path_policy policy = v->policy;
        size_t i;

        memset(ret, 0, sizeof(*ret));
        if (v->auth.kind == AUTH_MUTUAL && !initiator_can_mutual_chap(ops)) {
                refuse(ret, VA_E_UNSUPPORTED, "mutual CHAP is not supported by this initiator");
                return;
        }
        if (v->read_only && !initiator_can_readonly(ops)) {
                refuse(ret, VA_E_UNSUPPORTED,
                       "access_mode is ro but this initiator cannot make a device read-only");
                return;
        }
        /* any path: whichever one attach reaches, it must be able to see it */
        for (i = 0; ops->max_host_lun != 0 && i < v->npaths; i++) {
                if (v->paths[i].host_lun > ops->max_host_lun) {
                        refuse(ret, VA_E_UNSUPPORTED,
                               "host LUN %u: this initiator reaches LUNs up to %u",
                               v->paths[i].host_lun, ops->max_host_lun);
                        return;
                }
        }
        if (policy == PATHS_DISCOVER && !initiator_can_discover(ops)) {
                /* not refused even when enforced: the volume still gets the
                 * portal it lists, as before the policy moved here */
                (void)snprintf(ret->why, sizeof(ret->why),
                               "this initiator cannot run SendTargets discovery; using the one "
                               "listed portal");
                policy = PATHS_SINGLE;
        }
        if (policy != PATHS_SINGLE) {
                const char *lack = NULL, *hint = "";
                int code = VA_E_UNSUPPORTED;

                if (!initiator_can_multipath(ops)) {
                        lack = "this initiator cannot build multipath devices";
                } else if (multipath_ready == STRATEGY_READY_UNKNOWN) {
                        ret->host_dependent = 1;
                } else if (!multipath_ready) {
                        lack = "not available on this host";
                        hint = " (Linux: install multipath-tools and start multipathd)";
                        code = VA_E_ENV;
                }
                if (lack != NULL && enforced) {
                        refuse(ret, code, "multipath is enforced but %s%s", lack, hint);
                        return;
                }
                if (lack != NULL) {
                        (void)snprintf(ret->why, sizeof(ret->why),
                                       "multipath requested but %s; using one path", lack);
                        policy = PATHS_SINGLE;
                }
        }
        switch (policy) {
        case PATHS_MULTIPATH:
                ret->kind = STRATEGY_MULTIPATH;
                break;
        case PATHS_DISCOVER:
                ret->kind = STRATEGY_DISCOVER;
                break;
        default:
                ret->kind = STRATEGY_SINGLE;
                break;
        }
        ret->enforced = ret->kind != STRATEGY_SINGLE && enforced;
}
