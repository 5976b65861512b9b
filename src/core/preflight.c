/* SPDX-License-Identifier: Apache-2.0 */
/* The judgements of `volattach check`. The storage-network hints follow
 * the seed's prerequisite: iSCSI should leave through a directly connected
 * storage network, so a portal reached only through the default route, or
 * through nothing, is named with the interface the kernel picked. */
#include "core/preflight.h"

#include <stdio.h>
#include <string.h>

const char *
preflight_status_name(enum preflight_status s)
{
        switch (s) {
        case PREFLIGHT_OK:
                return "ok";
        case PREFLIGHT_WARN:
                return "warn";
        default:
                return "fail";
        }
}

/* "eth1 (MTU 9000), from 10.0.0.5" */
static void
route_words(const struct plat_route *r, char *buf, size_t len)
{
        char mtu[32] = "";

        if (r->mtu > 0)
                (void)snprintf(mtu, sizeof(mtu), " (MTU %u)", r->mtu);
        (void)snprintf(buf, len, "%s%s, from %s", r->ifname[0] ? r->ifname : "an interface", mtu,
                       r->source[0] ? r->source : "an address the kernel picks");
}

void
preflight_portal_judge(struct preflight_portal *p)
{
        char where[256], text[PORTAL_TEXT_MAX];
        const struct plat_route *r = &p->route;
        int is_default = r->gateway[0] != '\0' && r->prefix_len == 0;

        (void)portal_format(p->portal, text, sizeof(text));
        p->hint[0] = '\0';
        if (p->resolve_code != 0) {
                p->status = PREFLIGHT_FAIL;
                (void)snprintf(p->text, sizeof(p->text), "%s", p->why);
                (void)snprintf(p->hint, sizeof(p->hint),
                               "the portal's name must resolve when volattach runs (at boot, "
                               "before the storage network's DNS may be up): give the portal "
                               "by address, or fix name resolution");
                return;
        }
        if (p->route_code != 0) {
                p->status = PREFLIGHT_FAIL;
                (void)snprintf(p->text, sizeof(p->text), "%s", p->why);
                (void)snprintf(p->hint, sizeof(p->hint),
                               "no interface is on %s's network and no gateway leads there: "
                               "bring up the storage network's interface, with an address on "
                               "the portal's subnet, before volattach runs",
                               p->addr);
                return;
        }
        route_words(r, where, sizeof(where));
        if (r->local) {
                char w[256];

                (void)snprintf(w, sizeof(w), "%s, this host's own address", where);
                (void)snprintf(where, sizeof(where), "%s", w);
        } else if (r->gateway[0] != '\0') {
                char w[256];

                (void)snprintf(w, sizeof(w), "%s, through %s %s", where,
                               is_default ? "the default route's gateway" : "gateway", r->gateway);
                (void)snprintf(where, sizeof(where), "%s", w);
        } else {
                char w[256];

                (void)snprintf(w, sizeof(w), "%s, directly connected", where);
                (void)snprintf(where, sizeof(where), "%s", w);
        }
        if (p->tcp_code == 0) {
                (void)snprintf(p->text, sizeof(p->text), "TCP connect ok; route: %s", where);
                if (is_default) {
                        p->status = PREFLIGHT_WARN;
                        (void)snprintf(
                            p->hint, sizeof(p->hint),
                            "reachable only through the default route (gateway %s on %s), not "
                            "a directly connected storage network: iSCSI then shares the "
                            "default path; if a storage network should carry it, its interface "
                            "is down or has no address on %s's subnet",
                            r->gateway, r->ifname[0] ? r->ifname : "?", p->addr);
                } else {
                        p->status = PREFLIGHT_OK;
                }
                return;
        }
        p->status = PREFLIGHT_FAIL;
        (void)snprintf(p->text, sizeof(p->text), "TCP connect to %s failed: %s; route: %s", text,
                       p->why, where);
        if (p->tcp_code == VA_E_NET && strstr(p->why, "refused") != NULL) {
                (void)snprintf(p->hint, sizeof(p->hint),
                               "%s answers but nothing listens on port %u: check the portal's "
                               "address and port, and that the target service runs",
                               p->addr, p->portal->port);
        } else if (is_default) {
                (void)snprintf(p->hint, sizeof(p->hint),
                               "unreachable; the kernel sends it to the default route (gateway "
                               "%s on %s), not a directly connected storage network: the "
                               "storage interface is probably down or has no address on %s's "
                               "subnet",
                               r->gateway, r->ifname[0] ? r->ifname : "?", p->addr);
        } else if (r->gateway[0] != '\0') {
                (void)snprintf(p->hint, sizeof(p->hint),
                               "unreachable through gateway %s on %s: the router does not "
                               "forward to the storage network, or a firewall drops TCP %u",
                               r->gateway, r->ifname[0] ? r->ifname : "?", p->portal->port);
        } else {
                (void)snprintf(p->hint, sizeof(p->hint),
                               "unreachable on the directly connected network of %s: the "
                               "portal is down or elsewhere, or a firewall drops TCP %u",
                               r->ifname[0] ? r->ifname : "its interface", p->portal->port);
        }
}

enum preflight_status
preflight_paths_judge(const struct preflight_portal *const *paths, size_t n, char *hint, size_t len)
{
        size_t i;

        hint[0] = '\0';
        if (n < 2)
                return PREFLIGHT_OK;
        for (i = 0; i < n; i++)
                if (paths[i]->route_code != 0 || paths[i]->route.local ||
                    paths[i]->route.ifname[0] == '\0' ||
                    strcmp(paths[i]->route.ifname, paths[0]->route.ifname) != 0)
                        return PREFLIGHT_OK;
        (void)snprintf(hint, len,
                       "all %zu paths leave through %s: one link or switch failure takes "
                       "them all, which multipath is there to survive",
                       n, paths[0]->route.ifname);
        return PREFLIGHT_WARN;
}

enum preflight_status
preflight_name_judge(const char *current, const char *wanted, size_t sessions, char *text,
                     size_t len)
{
        if (wanted[0] == '\0') {
                (void)snprintf(text, len, "%s (the metadata names none; attach keeps it)",
                               current[0] ? current : "none");
                return current[0] ? PREFLIGHT_OK : PREFLIGHT_WARN;
        }
        if (strcmp(current, wanted) == 0) {
                (void)snprintf(text, len, "%s, as the metadata wants", current);
                return PREFLIGHT_OK;
        }
        if (sessions > 0) {
                (void)snprintf(text, len,
                               "%s; the metadata wants %s: attach sets it, but the %zu sessions "
                               "up keep the old name until they log out",
                               current[0] ? current : "none", wanted, sessions);
                return PREFLIGHT_WARN;
        }
        (void)snprintf(text, len, "%s; the metadata wants %s: attach sets it",
                       current[0] ? current : "none", wanted);
        return PREFLIGHT_OK;
}
