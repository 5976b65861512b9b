/* plan_build on parsed fixtures: the steps an operator reads in `plan`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const struct plan_options opts = { 30, "iscsid", 0 };

TEST(seed_plan)
{
        struct volume_set s;
        struct plan p;

        ASSERT_OK(load("01-seed-example.json", &s));
        ASSERT_OK(plan_build(&s, &opts, &p));
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
        ASSERT_OK(plan_build(&s, &opts, &p));
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
        ASSERT_OK(plan_build(&s, &opts, &p));
        ASSERT_CONTAINS(all_text(&p), "0 multipath build one multipath device over every path");
        ASSERT_CONTAINS(all_text(&p), "198.51.100.10:3260");
        plan_free(&p);
        volume_set_free(&s);

        ASSERT_OK(load("13-discovery-chap.json", &s));
        ASSERT_OK(plan_build(&s, &opts, &p));
        ASSERT_CONTAINS(all_text(&p), "0 discover SendTargets discovery on 10.1.2.3:3260 "
                                      "(discovery auth: CHAP, user 'disc-Ha3kVt8ZqN', secret "
                                      "(set))");
        ASSERT_NOT_CONTAINS(all_text(&p), "G4nTq9XsD2hLz6Kf");
        plan_free(&p);
        volume_set_free(&s);

        ASSERT_OK(load("17-readonly-qos-discard.json", &s));
        ASSERT_OK(plan_build(&s, &opts, &p));
        ASSERT_CONTAINS(all_text(&p), "0 readonly mark the block device read-only");
        plan_free(&p);
        volume_set_free(&s);

        ASSERT_OK(load("15-lun-nonzero-and-sam2.json", &s));
        ASSERT_OK(plan_build(&s, &opts, &p));
        ASSERT_CONTAINS(all_text(&p), "scan LUN 300 (host LUN 16684 by SAM-2 addressing)");
        plan_free(&p);
        volume_set_free(&s);
}

TEST(empty_plan)
{
        struct volume_set s;
        struct plan p;

        ASSERT_OK(load("04-ironic-standalone-empty-volumes.json", &s));
        ASSERT_OK(plan_build(&s, &opts, &p));
        ASSERT_EQ_INT(p.n, 0);
        ASSERT_EQ_INT(p.nhost, 0);
        plan_free(&p);
        volume_set_free(&s);
}

HARNESS_MAIN()
