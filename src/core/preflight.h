/* SPDX-License-Identifier: Apache-2.0 */
/* The judgements of `volattach check`, pure so they are unit-tested: from
 * what the host says (the initiator's state, the initiator name, the route
 * and a TCP connect per portal), which check passes, which only warns and
 * which fails, each with a hint an operator can act on. The command
 * (cli/cmd-check.c) only asks the host and prints. */
#ifndef VOLATTACH_CORE_PREFLIGHT_H
#define VOLATTACH_CORE_PREFLIGHT_H

#include <stddef.h>

#include "core/portal.h"
#include "platform/platform.h"

enum preflight_status {
        PREFLIGHT_OK = 0,
        PREFLIGHT_WARN, /* attach works, but not as the operator probably means */
        PREFLIGHT_FAIL, /* attach would fail (or not be usable) because of it */
};

#define PREFLIGHT_TEXT_MAX 640

/* "ok", "warn", "fail" */
const char *preflight_status_name(enum preflight_status s);

/* One portal: what was asked, then what preflight_portal_judge made of it. */
struct preflight_portal {
        const struct portal *portal;
        unsigned timeout_ms;      /* the connect's bound */
        int resolve_code;         /* 0 or the VA_E_* of plat_resolve (DNS portals) */
        char addr[PLAT_ADDR_MAX]; /* the address connected to */
        int route_code;           /* 0 or the VA_E_* of plat_route_lookup */
        struct plat_route route;
        int tcp_code;  /* 0 or the VA_E_* of plat_tcp_probe; not tried
                        * without an address */
        char why[256]; /* the failing step's own words */
        enum preflight_status status;
        char text[PREFLIGHT_TEXT_MAX]; /* what was found, in one line */
        char hint[PREFLIGHT_TEXT_MAX]; /* what to do about it; "" when all is well */
};

void preflight_portal_judge(struct preflight_portal *p);

/* The paths of one multipath volume: all through one interface is a single
 * point of failure multipath was asked to avoid. WARN with a hint, or OK. */
enum preflight_status preflight_paths_judge(const struct preflight_portal *const *paths, size_t n,
                                            char *hint, size_t len);

/* The host's initiator name now (current; "" when it has none, or when it
 * could not be read) against the metadata's connector.initiator (wanted; ""
 * none): attach sets a wanted name, so a difference is what attach will
 * do, and only a warning when sessions already up keep the old one. */
enum preflight_status preflight_name_judge(const char *current, const char *wanted, size_t sessions,
                                           char *text, size_t len);

#endif
