/* SPDX-License-Identifier: Apache-2.0 */
/* plan_build on parsed fixtures: the steps an operator reads in `plan`,
 * for what each backend can do (the simulator's profiles, and the table of
 * the OS the test runs on: open-iscsi natively, iscsidsc under Wine). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend-sim/sim.h"
#include "core/plan.h"
#include "harness.h"
#include "meta/meta.h"
#include "platform/platform.h"

static int
load(const char *name, struct volume_set *set)
{
        const char *dir = getenv("VA_FIXTURES");
        char path[1024];
        char *buf;
        size_t len;
        struct va_err e;
        int r;

        (void)snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/fixtures/metadata", name);
        va_err_clear(&e);
        memset(set, 0, sizeof(*set));
        if (plat_read_file(path, META_DOC_MAX, &buf, &len, &e) < 0)
                return -1;
        r = meta_parse(name, buf, len, META_DOC_META_DATA, set, &e);
        free(buf);
        return r < 0 ? r : volume_set_crosscheck(set);
}

static int
parse_text(const char *text, struct volume_set *set)
{
        struct va_err e;
        int r;

        va_err_clear(&e);
        memset(set, 0, sizeof(*set));
        r = meta_parse("t.json", text, strlen(text), META_DOC_META_DATA, set, &e);
        return r < 0 ? r : volume_set_crosscheck(set);
}

static const char mutual_doc[] =
    "{\"volumes\":[{\"driver_volume_type\":\"iscsi\",\"data\":{\"volume_id\":"
    "\"11111111-0000-0000-0000-000000000001\",\"target_portal\":\"127.0.0.1\","
    "\"target_iqn\":\"iqn.2004-10.org.example:m\",\"target_lun\":0,"
    "\"auth_method\":\"CHAP\",\"auth_username\":\"u\",\"auth_password\":"
    "\"initiator-secret\",\"mutual_auth_username\":\"t\",\"mutual_auth_password\":"
    "\"target-secret-1\"}}]}";

static const char *
all_text(const struct plan *p)
{
        static char buf[32768];
        size_t i, k, o = 0;

        buf[0] = '\0';
        for (i = 0; i < p->nhost; i++)
                o += (size_t)snprintf(buf + o, sizeof(buf) - o, "H %s\n", p->host[i].text);
        for (i = 0; i < p->n; i++)
                for (k = 0; k < p->vols[i].nsteps; k++)
                        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%zu %s %s\n", i,
                                              plan_step_kind_name(p->vols[i].steps[k].kind),
                                              p->vols[i].steps[k].text);
        return buf;
}

static struct plan_options
opts_for(const struct initiator_ops *ops)
{
        struct plan_options o = { .device_timeout_s = 30,
                                  .ops = ops,
                                  .multipath_ready = STRATEGY_READY_UNKNOWN };

        return o;
}

static struct plan_options opts_oi;

/* before the tests run: the open-iscsi-like simulator's table */
__attribute__((constructor)) static void
opts_init(void)
{
        opts_oi = opts_for(sim_ops(SIM_PROFILE_OPENISCSI));
}

TEST(seed_plan)
{
        struct volume_set s;
        struct plan p;

        ASSERT_OK(load("01-seed-example.json", &s));
        ASSERT_OK(plan_build(&s, &opts_oi, &p));
        ASSERT_EQ_INT(p.n, 1);
        ASSERT_CONTAINS(all_text(&p), "H set the host's initiator name to "
                                      "iqn.1994-05.com.redhat:f7897073402d");
        ASSERT_CONTAINS(all_text(&p), "H make sure iscsid is running");
        ASSERT_CONTAINS(all_text(&p), "0 target record target iqn.2018-01.com.example:target at "
                                      "192.168.122.250:3260, auth: CHAP, user 'guest', secret "
                                      "(set)");
        ASSERT_CONTAINS(all_text(&p), "0 login log in to iqn.2018-01.com.example:target");
        ASSERT_CONTAINS(all_text(&p), "0 scan scan LUN 0 only and wait up to 30 s");
        ASSERT_NOT_CONTAINS(all_text(&p), "targetsecret");
        plan_free(&p);
        volume_set_free(&s);
}

TEST(shared_target_one_session)
{
        struct volume_set s;
        struct plan p;

        ASSERT_OK(load("08-two-volumes-shared-target.json", &s));
        ASSERT_OK(plan_build(&s, &opts_oi, &p));
        ASSERT_CONTAINS(all_text(&p), "1 login share the session to "
                                      "iqn.1992-08.com.netapp:sn.4a5b6c7d8e9f11e0b2c1:vs.12");
        plan_free(&p);
        volume_set_free(&s);
}

TEST(multipath_discovery_readonly)
{
        struct volume_set s;
        struct plan p;

        ASSERT_OK(load("06-multipath-portals.json", &s));
        ASSERT_OK(plan_build(&s, &opts_oi, &p));
        ASSERT_CONTAINS(all_text(&p), "0 multipath build one multipath device over every path");
        ASSERT_CONTAINS(all_text(&p), "198.51.100.10:3260");
        plan_free(&p);
        volume_set_free(&s);

        ASSERT_OK(load("13-discovery-chap.json", &s));
        ASSERT_OK(plan_build(&s, &opts_oi, &p));
        ASSERT_CONTAINS(all_text(&p), "0 discover SendTargets discovery on 10.1.2.3:3260 "
                                      "(discovery auth: CHAP, user 'disc-Ha3kVt8ZqN', secret "
                                      "(set))");
        ASSERT_NOT_CONTAINS(all_text(&p), "G4nTq9XsD2hLz6Kf");
        plan_free(&p);
        volume_set_free(&s);

        ASSERT_OK(load("17-readonly-qos-discard.json", &s));
        ASSERT_OK(plan_build(&s, &opts_oi, &p));
        ASSERT_CONTAINS(all_text(&p), "0 readonly mark the block device read-only");
        plan_free(&p);
        volume_set_free(&s);

        ASSERT_OK(load("15-lun-nonzero-and-sam2.json", &s));
        ASSERT_OK(plan_build(&s, &opts_oi, &p));
        ASSERT_CONTAINS(all_text(&p), "scan LUN 300 (host LUN 16684 by SAM-2 addressing)");
        plan_free(&p);
        volume_set_free(&s);
}

/* Windows has no per-portal SendTargets: its plan must not promise one,
 * and says it uses the listed portal, as attach then does. */
TEST(no_discovery_plans_the_listed_portal)
{
        struct plan_options o = opts_for(sim_ops(SIM_PROFILE_ISCSIDSC));
        struct volume_set s;
        struct plan p;

        ASSERT_OK(load("13-discovery-chap.json", &s));
        ASSERT_OK(plan_build(&s, &o, &p));
        ASSERT_EQ_INT(p.vols[0].strategy.kind, STRATEGY_SINGLE);
        ASSERT_NOT_CONTAINS(all_text(&p), " discover ");
        ASSERT_NOT_CONTAINS(all_text(&p), "multipath build");
        ASSERT_CONTAINS(all_text(&p), "0 fallback this initiator cannot run SendTargets discovery; "
                                      "using the one listed portal");
        ASSERT_CONTAINS(all_text(&p), "0 login log in to iqn.1992-04.com.emc:cx.apm00123456789.a0 "
                                      "through 10.1.2.3:3260");
        ASSERT_CONTAINS(all_text(&p), "H make sure MSiSCSI is running");
        plan_free(&p);
        volume_set_free(&s);

        /* nor a LUN its API cannot report (host LUN 16684) */
        ASSERT_OK(load("15-lun-nonzero-and-sam2.json", &s));
        ASSERT_OK(plan_build(&s, &o, &p));
        ASSERT_CONTAINS(all_text(&p), "refuse attempt nothing: host LUN 16684: this initiator "
                                      "reaches LUNs up to 255");
        ASSERT_NOT_CONTAINS(all_text(&p), "scan LUN 300");
        plan_free(&p);
        volume_set_free(&s);
}

/* The plan of the OS's own backend, from its table alone: under Wine this
 * is iscsidsc's, which has no discover operation. */
TEST(default_backend_plan_says_what_it_can)
{
        const struct initiator_ops *ops = initiator_backend_default();
        struct plan_options o = opts_for(ops);
        struct volume_set s;
        struct plan p;

        ASSERT_OK(load("13-discovery-chap.json", &s));
        ASSERT_OK(plan_build(&s, &o, &p));
        if (initiator_can_discover(ops)) {
                ASSERT_EQ_INT(p.vols[0].strategy.kind, STRATEGY_DISCOVER);
                ASSERT_CONTAINS(all_text(&p), "0 discover SendTargets discovery on 10.1.2.3:3260");
        } else {
                ASSERT_EQ_INT(p.vols[0].strategy.kind, STRATEGY_SINGLE);
                ASSERT_NOT_CONTAINS(all_text(&p), "SendTargets discovery on");
                ASSERT_CONTAINS(all_text(&p), "0 fallback this initiator cannot run SendTargets");
        }
        plan_free(&p);
        volume_set_free(&s);
}

/* What a backend can never do is refused in the plan, before any login. */
TEST(refusals_and_known_multipath)
{
        struct plan_options o = opts_for(sim_ops(SIM_PROFILE_BARE));
        struct volume_set s;
        struct plan p;

        ASSERT_OK(parse_text(mutual_doc, &s));
        ASSERT_OK(plan_build(&s, &o, &p));
        ASSERT_EQ_INT(p.vols[0].strategy.kind, STRATEGY_REFUSED);
        ASSERT_CONTAINS(all_text(&p), "0 refuse attempt nothing: mutual CHAP is not supported");
        ASSERT_NOT_CONTAINS(all_text(&p), "0 login");
        plan_free(&p);
        volume_set_free(&s);

        /* a host known to lack multipath (check, tests): one path, said so */
        o = opts_for(sim_ops(SIM_PROFILE_OPENISCSI));
        o.multipath_ready = 0;
        ASSERT_OK(load("06-multipath-portals.json", &s));
        ASSERT_OK(plan_build(&s, &o, &p));
        ASSERT_EQ_INT(p.vols[0].strategy.kind, STRATEGY_SINGLE);
        ASSERT_CONTAINS(all_text(&p), "0 fallback multipath requested but not available on this "
                                      "host; using one path");
        ASSERT_CONTAINS(all_text(&p), "0 failover if that path fails, try the other");
        ASSERT_NOT_CONTAINS(all_text(&p), "connector.multipath is false");
        plan_free(&p);
        /* ... and refused when enforced */
        o.enforce_multipath = 1;
        ASSERT_OK(plan_build(&s, &o, &p));
        ASSERT_EQ_INT(p.vols[0].strategy.kind, STRATEGY_REFUSED);
        ASSERT_CONTAINS(all_text(&p), "0 refuse attempt nothing: multipath is enforced but not "
                                      "available on this host");
        plan_free(&p);
        volume_set_free(&s);
}

TEST(empty_plan)
{
        struct volume_set s;
        struct plan p;

        ASSERT_OK(load("04-ironic-standalone-empty-volumes.json", &s));
        ASSERT_OK(plan_build(&s, &opts_oi, &p));
        ASSERT_EQ_INT(p.n, 0);
        ASSERT_EQ_INT(p.nhost, 0);
        plan_free(&p);
        volume_set_free(&s);
}

HARNESS_MAIN()
