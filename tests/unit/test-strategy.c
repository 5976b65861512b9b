/* SPDX-License-Identifier: Apache-2.0 */
/* The one attach policy: strategy_decide's rules, and that plan and attach
 * agree on it for every metadata fixture, on every backend the simulator
 * can present (sim, open-iscsi-like, iscsidsc-like, bare), with multipath
 * ready or not and enforced or not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend-sim/sim.h"
#include "backend-sim/vclock.h"
#include "base/log.h"
#include "core/attach.h"
#include "core/plan.h"
#include "core/strategy.h"
#include "harness.h"
#include "meta/meta.h"
#include "platform/platform.h"

static const char *
fixtures_dir(void)
{
        const char *dir = getenv("VA_FIXTURES");

        return dir ? dir : "tests/fixtures/metadata";
}

/* 1 parsed, 0 not a valid document (the bad-metadata fixtures) */
static int
parse(const char *name, const char *text, size_t len, struct volume_set *set)
{
        struct va_err e;

        va_err_clear(&e);
        memset(set, 0, sizeof(*set));
        if (meta_parse(name, text, len, META_DOC_META_DATA, set, &e) < 0) {
                volume_set_free(set);
                return 0;
        }
        return volume_set_crosscheck(set) < 0 ? -1 : 1;
}

static int
load(const char *name, struct volume_set *set)
{
        char path[1024];
        char *buf;
        size_t len;
        struct va_err e;
        int r;

        (void)snprintf(path, sizeof(path), "%s/%s", fixtures_dir(), name);
        va_err_clear(&e);
        if (plat_read_file(path, META_DOC_MAX, &buf, &len, &e) < 0)
                return -1;
        r = parse(name, buf, len, set);
        free(buf);
        return r;
}

/* What no fixture has: mutual CHAP (a capability bit, not an operation),
 * alone and on a multipath volume that discovers its paths. */
static const char *const extra_docs[] = {
        "{\"volumes\":[{\"driver_volume_type\":\"iscsi\",\"data\":{\"volume_id\":"
        "\"11111111-0000-0000-0000-000000000001\",\"target_portal\":\"127.0.0.1\","
        "\"target_iqn\":\"iqn.2004-10.org.example:m\",\"target_lun\":0,"
        "\"auth_method\":\"CHAP\",\"auth_username\":\"u\",\"auth_password\":"
        "\"initiator-secret\",\"mutual_auth_username\":\"t\",\"mutual_auth_password\":"
        "\"target-secret-1\"}},"
        "{\"driver_volume_type\":\"iscsi\",\"connector\":{\"multipath\":true},\"data\":{"
        "\"volume_id\":\"11111111-0000-0000-0000-000000000002\",\"target_portal\":"
        "\"127.0.0.2\",\"target_iqn\":\"iqn.2004-10.org.example:n\",\"target_lun\":1,"
        "\"access_mode\":\"ro\",\"auth_method\":\"CHAP\",\"auth_username\":\"u\","
        "\"auth_password\":\"initiator-secret\",\"mutual_auth_username\":\"t\","
        "\"mutual_auth_password\":\"target-secret-2\"}}]}",
};

static void
volume_with(struct volume *v, enum path_policy policy, enum auth_kind auth, int ro)
{
        memset(v, 0, sizeof(*v));
        v->policy = policy;
        v->auth.kind = auth;
        v->read_only = ro;
}

TEST(rules)
{
        const struct initiator_ops *oi = sim_ops(SIM_PROFILE_OPENISCSI);
        const struct initiator_ops *win = sim_ops(SIM_PROFILE_ISCSIDSC);
        const struct initiator_ops *bare = sim_ops(SIM_PROFILE_BARE);
        struct volume v;
        struct strategy st;

        /* what the volume asks for, when the backend and host have it */
        volume_with(&v, PATHS_SINGLE, AUTH_CHAP, 0);
        strategy_decide(&v, oi, 0, 1, &st);
        ASSERT_EQ_INT(st.kind, STRATEGY_SINGLE);
        ASSERT_STREQ(st.why, "");
        ASSERT_EQ_INT(st.enforced, 0); /* enforcing is about multipath only */
        volume_with(&v, PATHS_MULTIPATH, AUTH_NONE, 0);
        strategy_decide(&v, oi, 1, 0, &st);
        ASSERT_EQ_INT(st.kind, STRATEGY_MULTIPATH);
        ASSERT_EQ_INT(st.enforced, 0);
        v.enforce_multipath = 1; /* the volume's own flag counts as --enforce */
        strategy_decide(&v, oi, 1, 0, &st);
        ASSERT_EQ_INT(st.enforced, 1);
        volume_with(&v, PATHS_DISCOVER, AUTH_NONE, 0);
        strategy_decide(&v, oi, 1, 0, &st);
        ASSERT_EQ_INT(st.kind, STRATEGY_DISCOVER);

        /* unknown readiness (plan): the multipath way, flagged */
        strategy_decide(&v, oi, STRATEGY_READY_UNKNOWN, 0, &st);
        ASSERT_EQ_INT(st.kind, STRATEGY_DISCOVER);
        ASSERT_EQ_INT(st.host_dependent, 1);
        ASSERT_STREQ(st.why, "");

        /* no discover operation: the listed portal, even when enforced */
        strategy_decide(&v, win, 1, 1, &st);
        ASSERT_EQ_INT(st.kind, STRATEGY_SINGLE);
        ASSERT_CONTAINS(st.why, "cannot run SendTargets discovery");
        ASSERT_EQ_INT(st.enforced, 0);

        /* a host without multipath: one path, or refused when enforced */
        volume_with(&v, PATHS_MULTIPATH, AUTH_NONE, 0);
        strategy_decide(&v, oi, 0, 0, &st);
        ASSERT_EQ_INT(st.kind, STRATEGY_SINGLE);
        ASSERT_CONTAINS(st.why, "multipath requested but not available on this host");
        strategy_decide(&v, oi, 0, 1, &st);
        ASSERT_EQ_INT(st.kind, STRATEGY_REFUSED);
        ASSERT_EQ_INT(st.code, VA_E_ENV);
        ASSERT_CONTAINS(st.why, "multipath is enforced but not available");

        /* a backend that cannot build multipath devices at all: so whatever
         * the host says */
        strategy_decide(&v, bare, STRATEGY_READY_UNKNOWN, 0, &st);
        ASSERT_EQ_INT(st.kind, STRATEGY_SINGLE);
        ASSERT_EQ_INT(st.host_dependent, 0);
        ASSERT_CONTAINS(st.why, "this initiator cannot build multipath devices");
        strategy_decide(&v, bare, 1, 1, &st);
        ASSERT_EQ_INT(st.kind, STRATEGY_REFUSED);
        ASSERT_EQ_INT(st.code, VA_E_UNSUPPORTED);

        /* what the backend can never do refuses first */
        volume_with(&v, PATHS_MULTIPATH, AUTH_MUTUAL, 0);
        strategy_decide(&v, bare, 1, 0, &st);
        ASSERT_EQ_INT(st.kind, STRATEGY_REFUSED);
        ASSERT_EQ_INT(st.code, VA_E_UNSUPPORTED);
        ASSERT_STREQ(st.why, "mutual CHAP is not supported by this initiator");
        strategy_decide(&v, win, 1, 0, &st);
        ASSERT_EQ_INT(st.kind, STRATEGY_MULTIPATH);
        volume_with(&v, PATHS_SINGLE, AUTH_NONE, 1);
        strategy_decide(&v, bare, 1, 0, &st);
        ASSERT_EQ_INT(st.kind, STRATEGY_REFUSED);
        ASSERT_CONTAINS(st.why, "cannot make a device read-only");
        strategy_decide(&v, oi, 1, 0, &st);
        ASSERT_EQ_INT(st.kind, STRATEGY_SINGLE);

        /* a LUN the initiator cannot reach (Windows: up to 255) */
        {
                struct target_path tp[2];

                memset(tp, 0, sizeof(tp));
                tp[1].host_lun = 256;
                volume_with(&v, PATHS_MULTIPATH, AUTH_NONE, 0);
                v.paths = tp;
                v.npaths = 2;
                strategy_decide(&v, win, 1, 0, &st);
                ASSERT_EQ_INT(st.kind, STRATEGY_REFUSED);
                ASSERT_STREQ(st.why, "host LUN 256: this initiator reaches LUNs up to 255");
                strategy_decide(&v, oi, 1, 0, &st);
                ASSERT_EQ_INT(st.kind, STRATEGY_MULTIPATH);
                tp[1].host_lun = 255;
                strategy_decide(&v, win, 1, 0, &st);
                ASSERT_EQ_INT(st.kind, STRATEGY_MULTIPATH);
        }

        ASSERT_STREQ(strategy_kind_name(STRATEGY_DISCOVER), "discover");
        ASSERT_STREQ(strategy_kind_name((enum strategy_kind)99), "unknown");
}

/* The simulator serves every path of every volume, with the mutual CHAP
 * secret the volume expects, so that what attach does is the strategy's
 * doing, not a missing target's. */
static int
serve(struct initiator *ini, const struct volume_set *s)
{
        size_t i, k;

        for (i = 0; i < s->n; i++) {
                const struct volume *v = &s->v[i];

                for (k = 0; k < v->npaths; k++) {
                        const struct target_path *p = &v->paths[k];
                        char portal[PORTAL_TEXT_MAX], in[CHAP_FIELD_MAX + 1] = "";
                        int mutual = v->auth.kind == AUTH_MUTUAL && v->auth.in.secret != NULL;

                        if (mutual)
                                memcpy(in, secret_bytes(v->auth.in.secret),
                                       secret_len(v->auth.in.secret));
                        (void)portal_format(&p->portal, portal, sizeof(portal));
                        if (sim_add_target(ini, p->iqn, portal, 1u << 20, NULL, NULL,
                                           mutual ? v->auth.in.user : NULL, mutual ? in : NULL) < 0)
                                return -1;
                }
        }
        return 0;
}

static size_t
login_steps(const struct plan_volume *pv)
{
        size_t k, n = 0;

        for (k = 0; k < pv->nsteps; k++)
                if (pv->steps[k].kind == PLAN_STEP_LOGIN)
                        n++;
        return n;
}

/* plan_build and attach_run on one set, one profile, one host state. */
static void
agree(const char *name, const struct volume_set *s, enum sim_profile prof, int ready, int enforce,
      size_t *compared)
{
        const struct initiator_ops *ops = sim_ops(prof);
        struct plan_options po = { .device_timeout_s = 1,
                                   .ops = ops,
                                   .multipath_ready = ready,
                                   .enforce_multipath = enforce };
        struct attach_options ao;
        struct initiator *ini = NULL;
        struct attach_report rep;
        struct vclock vc;
        struct plan p;
        struct va_err e;
        size_t i, k;

        va_err_clear(&e);
        ASSERT_OK(plan_build(s, &po, &p));
        ASSERT_OK(ops->open(&ini, &e));
        ASSERT_OK(serve(ini, s));
        sim_set_multipath(ini, ready);
        ASSERT_OK(vclock_init(&vc, 0));
        memset(&ao, 0, sizeof(ao));
        ao.jobs = 4;
        ao.device_timeout_ms = 1000;
        ao.login_deadline_ms = 1000;
        ao.login_attempt_ms = 1000;
        ao.enforce_multipath = enforce;
        ao.clock = &vc.ops;
        ASSERT_OK(attach_run(ops, ini, s, &ao, &rep));
        ASSERT_EQ_INT(rep.n, p.n);
        for (i = 0; i < p.n; i++) {
                const struct strategy *ps = &p.vols[i].strategy, *as = &rep.v[i].strategy;
                const struct attach_result *res = &rep.v[i];
                size_t up = 0;

                if (ps->kind != as->kind || ps->enforced != as->enforced || ps->code != as->code ||
                    strcmp(ps->why, as->why) != 0 || as->host_dependent)
                        HARNESS_FAIL("%s volume %zu on %s (ready %d, enforce %d): plan says %s "
                                     "'%s', attach did %s '%s'",
                                     name, i, ops->name, ready, enforce,
                                     strategy_kind_name(ps->kind), ps->why,
                                     strategy_kind_name(as->kind), as->why);
                /* and attach did what the strategy says */
                for (k = 0; k < res->npaths; k++)
                        up += res->paths[k].ok;
                switch (as->kind) {
                case STRATEGY_REFUSED:
                        ASSERT_EQ_INT(res->status, ATTACH_FAILED);
                        ASSERT_STREQ(res->err.msg, as->why);
                        ASSERT_EQ_INT(up, 0);
                        break;
                case STRATEGY_SINGLE:
                        if (up != 1)
                                HARNESS_FAIL("%s volume %zu on %s: %zu paths up: %s", name, i,
                                             ops->name, up, res->err.msg);
                        ASSERT_EQ_INT(login_steps(&p.vols[i]), 1);
                        ASSERT_EQ_INT(res->device.kind, INITIATOR_DEVICE_DISK);
                        break;
                case STRATEGY_MULTIPATH:
                        ASSERT_EQ_INT(up, res->npaths);
                        ASSERT_EQ_INT(login_steps(&p.vols[i]), res->npaths);
                        if (res->npaths > 1)
                                ASSERT_EQ_INT(res->device.kind, INITIATOR_DEVICE_MULTIPATH);
                        break;
                case STRATEGY_DISCOVER:
                        ASSERT_TRUE(up >= 1);
                        break;
                }
                if (as->kind != STRATEGY_REFUSED)
                        ASSERT_EQ_INT(res->status,
                                      as->why[0] != '\0' ? ATTACH_DEGRADED : ATTACH_OK);
                (*compared)++;
        }
        attach_report_free(&rep);
        vclock_free(&vc);
        ops->close(ini);
        plan_free(&p);
}

TEST(plan_and_attach_agree_on_every_fixture_and_backend)
{
        char **names = NULL;
        size_t n = 0, i, compared = 0, loaded = 0;
        size_t nextra = sizeof(extra_docs) / sizeof(extra_docs[0]);
        int prof, ready, enforce, level = va_log_get_level();
        struct va_err e;

        va_err_clear(&e);
        ASSERT_OK(plat_list_dir(fixtures_dir(), &names, &n, &e));
        va_log_set_level(VA_LOG_ERR); /* 400 runs of warnings about fallbacks */
        for (i = 0; i < n + nextra; i++) {
                const char *name = i < n ? names[i] : "extra.json";
                struct volume_set s;
                int r;

                if (strstr(name, ".json") == NULL)
                        continue;
                r = i < n ? load(name, &s)
                          : parse(name, extra_docs[i - n], strlen(extra_docs[i - n]), &s);
                ASSERT_OK(r);
                if (r == 0)
                        continue;
                loaded++;
                for (prof = 0; prof < SIM_PROFILE_COUNT; prof++)
                        for (ready = 0; ready <= 1; ready++)
                                for (enforce = 0; enforce <= 1; enforce++) {
                                        agree(name, &s, (enum sim_profile)prof, ready, enforce,
                                              &compared);
                                        if (harness_failed_now)
                                                break;
                                }
                volume_set_free(&s);
                if (harness_failed_now)
                        break;
        }
        plat_string_list_free(names, n);
        va_log_set_level(level);
        /* the fixtures hold every kind: not a loop over nothing */
        ASSERT_TRUE(loaded >= 15);
        ASSERT_TRUE(compared >= 200);
}

HARNESS_MAIN()
