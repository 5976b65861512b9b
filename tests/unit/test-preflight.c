/* SPDX-License-Identifier: Apache-2.0 */
/* The judgements of `volattach check`: each route and connect outcome gets
 * its status and the hint that names the interface the kernel picked. */
#include <stdio.h>
#include <string.h>

#include "core/preflight.h"
#include "harness.h"

static struct portal portal;

#define set(field, text) (void)snprintf(field, sizeof(field), "%s", text)

static void
setup(struct preflight_portal *p, const char *ifname, const char *gw, int prefix)
{
        struct va_err e;

        va_err_clear(&e);
        memset(p, 0, sizeof(*p));
        (void)portal_parse("192.0.2.10:3260", &portal, NULL, &e);
        p->portal = &portal;
        p->timeout_ms = 3000;
        set(p->addr, "192.0.2.10");
        set(p->route.ifname, ifname);
        set(p->route.source, "10.99.0.2");
        set(p->route.gateway, gw);
        p->route.prefix_len = prefix;
        p->route.mtu = 9000;
}

TEST(direct_and_connected_is_ok)
{
        struct preflight_portal p;

        setup(&p, "storage0", "", 24);
        preflight_portal_judge(&p);
        ASSERT_EQ_INT(p.status, PREFLIGHT_OK);
        ASSERT_CONTAINS(p.text, "TCP connect ok; route: storage0 (MTU 9000), from 10.99.0.2, "
                                "directly connected");
        ASSERT_STREQ(p.hint, "");
}

TEST(routed_but_not_default_is_ok)
{
        struct preflight_portal p;

        setup(&p, "storage0", "10.99.0.1", 16);
        preflight_portal_judge(&p);
        ASSERT_EQ_INT(p.status, PREFLIGHT_OK);
        ASSERT_CONTAINS(p.text, "through gateway 10.99.0.1");
}

TEST(connected_through_default_route_warns)
{
        struct preflight_portal p;

        setup(&p, "eth0", "10.0.0.1", 0);
        preflight_portal_judge(&p);
        ASSERT_EQ_INT(p.status, PREFLIGHT_WARN);
        ASSERT_CONTAINS(p.text, "through the default route's gateway 10.0.0.1");
        ASSERT_CONTAINS(p.hint, "reachable only through the default route (gateway 10.0.0.1 on "
                                "eth0), not a directly connected storage network");
        /* a gateway with the prefix unknown is not called the default */
        setup(&p, "eth0", "10.0.0.1", -1);
        preflight_portal_judge(&p);
        ASSERT_EQ_INT(p.status, PREFLIGHT_OK);
}

TEST(unreachable_hints)
{
        struct preflight_portal p;

        setup(&p, "eth0", "10.0.0.1", 0);
        p.tcp_code = VA_E_TIMEOUT;
        set(p.why, "no answer within 3000 ms");
        preflight_portal_judge(&p);
        ASSERT_EQ_INT(p.status, PREFLIGHT_FAIL);
        ASSERT_CONTAINS(p.text, "TCP connect to 192.0.2.10:3260 failed: no answer within 3000 ms");
        ASSERT_CONTAINS(p.hint, "the kernel sends it to the default route (gateway 10.0.0.1 on "
                                "eth0), not a directly connected storage network");

        setup(&p, "storage0", "", 24);
        p.tcp_code = VA_E_TIMEOUT;
        preflight_portal_judge(&p);
        ASSERT_EQ_INT(p.status, PREFLIGHT_FAIL);
        ASSERT_CONTAINS(p.hint, "unreachable on the directly connected network of storage0");

        setup(&p, "storage0", "10.99.0.1", 16);
        p.tcp_code = VA_E_NET;
        set(p.why, "No route to host");
        preflight_portal_judge(&p);
        ASSERT_CONTAINS(p.hint, "unreachable through gateway 10.99.0.1 on storage0");

        setup(&p, "storage0", "", 24);
        p.tcp_code = VA_E_NET;
        set(p.why, "Connection refused");
        preflight_portal_judge(&p);
        ASSERT_EQ_INT(p.status, PREFLIGHT_FAIL);
        ASSERT_CONTAINS(p.hint, "192.0.2.10 answers but nothing listens on port 3260");
}

TEST(no_route_and_no_name)
{
        struct preflight_portal p;

        setup(&p, "", "", -1);
        p.route_code = VA_E_NOTFOUND;
        set(p.why, "no route to 192.0.2.10 (Network is unreachable)");
        preflight_portal_judge(&p);
        ASSERT_EQ_INT(p.status, PREFLIGHT_FAIL);
        ASSERT_STREQ(p.text, "no route to 192.0.2.10 (Network is unreachable)");
        ASSERT_CONTAINS(p.hint, "no interface is on 192.0.2.10's network and no gateway leads");

        setup(&p, "", "", -1);
        p.resolve_code = VA_E_NOTFOUND;
        set(p.why, "cannot resolve 'iscsi.example': Name or service not known");
        preflight_portal_judge(&p);
        ASSERT_EQ_INT(p.status, PREFLIGHT_FAIL);
        ASSERT_CONTAINS(p.hint, "the portal's name must resolve");
}

TEST(local_address)
{
        struct preflight_portal p;

        setup(&p, "lo", "", 32);
        p.route.local = 1;
        p.route.mtu = 65536;
        preflight_portal_judge(&p);
        ASSERT_EQ_INT(p.status, PREFLIGHT_OK);
        ASSERT_CONTAINS(p.text, "lo (MTU 65536), from 10.99.0.2, this host's own address");
}

TEST(paths_through_one_interface)
{
        struct preflight_portal a, b;
        const struct preflight_portal *v[2] = { &a, &b };
        char hint[PREFLIGHT_TEXT_MAX];

        setup(&a, "storage0", "", 24);
        setup(&b, "storage0", "", 24);
        ASSERT_EQ_INT(preflight_paths_judge(v, 2, hint, sizeof(hint)), PREFLIGHT_WARN);
        ASSERT_CONTAINS(hint, "all 2 paths leave through storage0");
        set(b.route.ifname, "storage1");
        ASSERT_EQ_INT(preflight_paths_judge(v, 2, hint, sizeof(hint)), PREFLIGHT_OK);
        ASSERT_STREQ(hint, "");
        ASSERT_EQ_INT(preflight_paths_judge(v, 1, hint, sizeof(hint)), PREFLIGHT_OK);
        /* loopback (the lab) is no single point of failure worth a warning */
        set(b.route.ifname, "storage0");
        a.route.local = b.route.local = 1;
        ASSERT_EQ_INT(preflight_paths_judge(v, 2, hint, sizeof(hint)), PREFLIGHT_OK);
}

TEST(initiator_name)
{
        char text[PREFLIGHT_TEXT_MAX];

        ASSERT_EQ_INT(preflight_name_judge("iqn.2004-10.com.example:a", "iqn.2004-10.com.example:a",
                                           0, text, sizeof(text)),
                      PREFLIGHT_OK);
        ASSERT_CONTAINS(text, "as the metadata wants");
        ASSERT_EQ_INT(preflight_name_judge("iqn.2004-10.com.example:a", "iqn.2004-10.com.example:b",
                                           0, text, sizeof(text)),
                      PREFLIGHT_OK);
        ASSERT_CONTAINS(text, "iqn.2004-10.com.example:a; the metadata wants "
                              "iqn.2004-10.com.example:b: attach sets it");
        ASSERT_EQ_INT(preflight_name_judge("iqn.2004-10.com.example:a", "iqn.2004-10.com.example:b",
                                           2, text, sizeof(text)),
                      PREFLIGHT_WARN);
        ASSERT_CONTAINS(text, "the 2 sessions up keep the old name");
        ASSERT_EQ_INT(preflight_name_judge("iqn.2004-10.com.example:a", "", 0, text, sizeof(text)),
                      PREFLIGHT_OK);
        ASSERT_EQ_INT(preflight_name_judge("", "", 0, text, sizeof(text)), PREFLIGHT_WARN);
        ASSERT_EQ_INT(preflight_name_judge("", "iqn.2004-10.com.example:b", 0, text, sizeof(text)),
                      PREFLIGHT_OK);
        ASSERT_CONTAINS(text, "none; the metadata wants");
        ASSERT_STREQ(preflight_status_name(PREFLIGHT_WARN), "warn");
}

HARNESS_MAIN()
