/* SPDX-License-Identifier: Apache-2.0 */
/* The attach and detach engines against the simulator backend: parallelism,
 * per-target locking, retries within a deadline, bounded device waits,
 * multipath and its fallbacks, discovery filtering, idempotent reruns.
 * Times are virtual (vclock): no assertion depends on the machine's speed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend-sim/sim.h"
#include "backend-sim/vclock.h"
#include "core/attach.h"
#include "core/detach.h"
#include "base/log.h"
#include "harness.h"
#include "meta/meta.h"
#include "platform/platform.h"

#define IQN_A "iqn.2004-10.org.example:a"
#define IQN_B "iqn.2004-10.org.example:b"
#define IQN_C "iqn.2004-10.org.example:c"
#define HOST  "iqn.2004-10.org.example:host"

static char doc[16384];

/* One connection_info item; auth "" for none. */
static void
item(char *out, size_t len, const char *id, const char *portal, const char *iqn, unsigned lun,
     const char *user, const char *secret, const char *extra)
{
        char auth[256] = "";

        if (user != NULL)
                (void)snprintf(auth, sizeof(auth),
                               ",\"auth_method\":\"CHAP\",\"auth_username\":\"%s\","
                               "\"auth_password\":\"%s\"",
                               user, secret);
        (void)snprintf(out, len,
                       "{\"driver_volume_type\":\"iscsi\",\"connector\":{\"initiator\":\"" HOST
                       "\"%s},\"data\":{\"volume_id\":\"%s\",\"target_portal\":\"%s\","
                       "\"target_iqn\":\"%s\",\"target_lun\":%u%s%s}}",
                       strstr(extra ? extra : "", "MP") ? ",\"multipath\":true" : "", id, portal,
                       iqn, lun, auth, extra && extra[0] == ',' ? extra : "");
}

static int
parse(struct volume_set *s, const char *text)
{
        struct va_err e;
        int r;

        memset(s, 0, sizeof(*s));
        va_err_clear(&e);
        r = meta_parse("t.json", text, strlen(text), META_DOC_META_DATA, s, &e);
        if (r < 0)
                fprintf(stderr, "parse: %s\n", e.msg);
        return r < 0 ? r : volume_set_crosscheck(s);
}

static struct attach_options
opts(void)
{
        struct attach_options o;

        memset(&o, 0, sizeof(o));
        o.jobs = 8;
        o.device_timeout_ms = 2000;
        o.login_deadline_ms = 3000;
        o.login_attempt_ms = 1000;
        return o;
}

static struct initiator *
sim(void)
{
        struct initiator *ini = NULL;
        struct va_err e;

        va_err_clear(&e);
        if (initiator_sim_ops.open(&ini, &e) < 0)
                return NULL;
        return ini;
}

/* What the state file of a single-path volume attached as res holds. */
static void
attached_from(struct attached_volume *av, const struct volume *v, const struct attach_result *res)
{
        memset(av, 0, sizeof(*av));
        (void)snprintf(av->id, sizeof(av->id), "%s", v->id);
        av->device = res->device;
        av->paths = calloc(1, sizeof(*av->paths));
        av->npaths = av->paths != NULL;
        if (av->paths != NULL) {
                av->paths[0].path = v->paths[0];
                av->paths[0].device = res->device;
        }
}

TEST(single_volume_and_rerun)
{
        struct initiator *ini = sim();
        struct volume_set s;
        struct attach_report rep;
        struct attach_options o = opts();
        char it[1024];

        ASSERT_TRUE(ini != NULL);
        ASSERT_OK(
            sim_add_target(ini, IQN_A, "127.0.0.1:3260", 1, "guest", "targetsecret", NULL, NULL));
        item(it, sizeof(it), "11111111-0000-0000-0000-000000000001", "127.0.0.1:3260", IQN_A, 0,
             "guest", "targetsecret", NULL);
        (void)snprintf(doc, sizeof(doc), "{\"volumes\":[%s]}", it);
        ASSERT_OK(parse(&s, doc));
        ASSERT_OK(attach_run(&initiator_sim_ops, ini, &s, &o, &rep));
        ASSERT_EQ_INT(rep.n, 1);
        ASSERT_EQ_INT(rep.v[0].status, ATTACH_OK);
        ASSERT_CONTAINS(rep.v[0].device.path, "/dev/sim");
        ASSERT_EQ_INT(rep.v[0].paths[0].session.reused, 0);
        ASSERT_STREQ(sim_initiator_name(ini), HOST);
        ASSERT_EQ_INT(rep.initiator_changed, 1);
        attach_report_free(&rep);
        /* a rerun converges: same device, the session reused, still one */
        ASSERT_OK(attach_run(&initiator_sim_ops, ini, &s, &o, &rep));
        ASSERT_EQ_INT(rep.v[0].status, ATTACH_OK);
        ASSERT_EQ_INT(rep.v[0].paths[0].session.reused, 1);
        ASSERT_EQ_INT(rep.initiator_changed, 0);
        ASSERT_EQ_INT(sim_session_count(ini), 1);
        attach_report_free(&rep);
        volume_set_free(&s);
        initiator_sim_ops.close(ini);
}

TEST(wrong_secret_on_one_of_three)
{
        struct initiator *ini = sim();
        struct volume_set s;
        struct attach_report rep;
        struct attach_options o = opts();
        char a[1024], b[1024], c[1024];

        ASSERT_OK(sim_add_target(ini, IQN_A, "127.0.0.1", 1, "ua", "secret-a-123456", NULL, NULL));
        ASSERT_OK(sim_add_target(ini, IQN_B, "127.0.0.1", 1, "ub", "secret-b-123456", NULL, NULL));
        ASSERT_OK(sim_add_target(ini, IQN_C, "127.0.0.1", 1, "uc", "secret-c-123456", NULL, NULL));
        item(a, sizeof(a), "11111111-0000-0000-0000-00000000000a", "127.0.0.1", IQN_A, 0, "ua",
             "secret-a-123456", NULL);
        item(b, sizeof(b), "11111111-0000-0000-0000-00000000000b", "127.0.0.1", IQN_B, 0, "ub",
             "WRONG-b-1234567", NULL);
        item(c, sizeof(c), "11111111-0000-0000-0000-00000000000c", "127.0.0.1", IQN_C, 0, "uc",
             "secret-c-123456", NULL);
        (void)snprintf(doc, sizeof(doc), "{\"volumes\":[%s,%s,%s]}", a, b, c);
        ASSERT_OK(parse(&s, doc));
        ASSERT_OK(attach_run(&initiator_sim_ops, ini, &s, &o, &rep));
        ASSERT_EQ_INT(rep.v[0].status, ATTACH_OK);
        ASSERT_EQ_INT(rep.v[1].status, ATTACH_FAILED);
        ASSERT_EQ_INT(rep.v[2].status, ATTACH_OK);
        ASSERT_EQ_INT(rep.v[1].err.code, VA_E_AUTH);
        ASSERT_CONTAINS(rep.v[1].hint, "CHAP user and secret");
        /* an authentication failure is final: no retry hammering the target */
        ASSERT_EQ_INT(rep.v[1].paths[0].attempts, 1);
        ASSERT_NOT_CONTAINS(rep.v[1].err.msg, "WRONG-b");
        /* the failed volume's target record is gone again; the others stay */
        ASSERT_EQ_INT(sim_record_count(ini), 2);
        attach_report_free(&rep);
        volume_set_free(&s);
        initiator_sim_ops.close(ini);
}

TEST(parallel_logins)
{
        struct initiator *ini = sim();
        struct volume_set s;
        struct attach_report rep;
        struct attach_options o = opts();
        size_t i, off;

        off = (size_t)snprintf(doc, sizeof(doc), "{\"volumes\":[");
        for (i = 0; i < 8; i++) {
                char iqn[64], id[64], it[1024];

                (void)snprintf(iqn, sizeof(iqn), "iqn.2004-10.org.example:v%zu", i);
                (void)snprintf(id, sizeof(id), "11111111-0000-0000-0000-%012zu", i);
                ASSERT_OK(sim_add_target(ini, iqn, "127.0.0.1", 1, NULL, NULL, NULL, NULL));
                item(it, sizeof(it), id, "127.0.0.1", iqn, 0, NULL, NULL, NULL);
                off += (size_t)snprintf(doc + off, sizeof(doc) - off, "%s%s", i ? "," : "", it);
        }
        (void)snprintf(doc + off, sizeof(doc) - off, "]}");
        ASSERT_OK(parse(&s, doc));
        /* every login waits for all eight: an engine that logs in one
         * after another reaches one, not eight */
        sim_set_login_rendezvous(ini, 8);
        ASSERT_OK(attach_run(&initiator_sim_ops, ini, &s, &o, &rep));
        for (i = 0; i < 8; i++)
                ASSERT_EQ_INT(rep.v[i].status, ATTACH_OK);
        ASSERT_EQ_INT(sim_max_concurrent_logins(ini), 8);
        attach_report_free(&rep);

        /* --jobs 1 is honoured: strictly one at a time */
        sim_drop_sessions(ini);
        initiator_sim_ops.close(ini);
        ini = sim();
        for (i = 0; i < 8; i++) {
                char iqn[64];

                (void)snprintf(iqn, sizeof(iqn), "iqn.2004-10.org.example:v%zu", i);
                ASSERT_OK(sim_add_target(ini, iqn, "127.0.0.1", 1, NULL, NULL, NULL, NULL));
        }
        sim_set_login_delay_ms(ini, 5);
        o.jobs = 1;
        ASSERT_OK(attach_run(&initiator_sim_ops, ini, &s, &o, &rep));
        ASSERT_EQ_INT(sim_max_concurrent_logins(ini), 1);
        attach_report_free(&rep);
        volume_set_free(&s);
        initiator_sim_ops.close(ini);
}

TEST(shared_target_one_session)
{
        struct initiator *ini = sim();
        struct volume_set s;
        struct attach_report rep;
        struct attach_options o = opts();
        struct attached_volume av;
        char a[1024], b[1024];
        struct va_err e;

        ASSERT_OK(sim_add_target(ini, IQN_A, "127.0.0.1", 3, "u", "shared-secret-1", NULL, NULL));
        item(a, sizeof(a), "11111111-0000-0000-0000-000000000001", "127.0.0.1", IQN_A, 1, "u",
             "shared-secret-1", NULL);
        item(b, sizeof(b), "11111111-0000-0000-0000-000000000002", "127.0.0.1", IQN_A, 2, "u",
             "shared-secret-1", NULL);
        (void)snprintf(doc, sizeof(doc), "{\"volumes\":[%s,%s]}", a, b);
        ASSERT_OK(parse(&s, doc));
        sim_set_login_delay_ms(ini, 50);
        ASSERT_OK(attach_run(&initiator_sim_ops, ini, &s, &o, &rep));
        ASSERT_EQ_INT(rep.v[0].status, ATTACH_OK);
        ASSERT_EQ_INT(rep.v[1].status, ATTACH_OK);
        ASSERT_EQ_INT(sim_session_count(ini), 1);
        ASSERT_TRUE(strcmp(rep.v[0].device.path, rep.v[1].device.path) != 0);
        ASSERT_EQ_INT(rep.v[0].paths[0].session.reused + rep.v[1].paths[0].session.reused, 1);

        /* detaching one LUN keeps the session the other still uses */
        memset(&av, 0, sizeof(av));
        (void)snprintf(av.id, sizeof(av.id), "%s", s.v[0].id);
        av.device = rep.v[0].device;
        av.paths = calloc(1, sizeof(*av.paths));
        av.npaths = 1;
        av.paths[0].path = s.v[0].paths[0];
        av.paths[0].device = rep.v[0].paths[0].device;
        va_err_clear(&e);
        ASSERT_OK(detach_volume(&initiator_sim_ops, ini, &av, 0, &e));
        ASSERT_EQ_INT(sim_session_count(ini), 1);
        av.device = rep.v[1].device;
        av.paths[0].path = s.v[1].paths[0];
        av.paths[0].device = rep.v[1].paths[0].device;
        ASSERT_OK(detach_volume(&initiator_sim_ops, ini, &av, 0, &e));
        ASSERT_EQ_INT(sim_session_count(ini), 0);
        attached_volume_clear(&av);
        attach_report_free(&rep);
        volume_set_free(&s);
        initiator_sim_ops.close(ini);
}

/* The batch login (initiator_ops.login_batch): one call logs in the run's
 * targets; what it could not bring up logs in alone, with its own error
 * and retries; a rerun with every session up makes no batch call. */
TEST(batch_login_then_alone)
{
        const struct initiator_ops *ops = sim_ops(SIM_PROFILE_OPENISCSI);
        struct initiator *ini = sim();
        struct volume_set s;
        struct attach_report rep;
        struct attach_options o = opts();
        struct sim_fault f;
        char a[1024], b[1024], c[1024], d[1024];
        size_t i;

        ASSERT_OK(sim_add_target(ini, IQN_A, "127.0.0.1", 2, "ua", "secret-a-123456", NULL, NULL));
        ASSERT_OK(sim_add_target(ini, IQN_B, "127.0.0.1", 1, "ub", "secret-b-123456", NULL, NULL));
        ASSERT_OK(sim_add_target(ini, IQN_C, "127.0.0.1", 1, NULL, NULL, NULL, NULL));
        memset(&f, 0, sizeof(f));
        f.iqn = IQN_C;
        f.login_error = -VA_E_NET; /* the first login fails: the batch's */
        f.login_fails = 1;
        ASSERT_OK(sim_set_fault(ini, &f));
        item(a, sizeof(a), "11111111-0000-0000-0000-00000000000a", "127.0.0.1", IQN_A, 0, "ua",
             "secret-a-123456", NULL);
        item(b, sizeof(b), "11111111-0000-0000-0000-00000000000b", "127.0.0.1", IQN_B, 0, "ub",
             "WRONG-b-1234567", NULL);
        item(c, sizeof(c), "11111111-0000-0000-0000-00000000000c", "127.0.0.1", IQN_C, 0, NULL,
             NULL, NULL);
        item(d, sizeof(d), "11111111-0000-0000-0000-00000000000d", "127.0.0.1", IQN_A, 1, "ua",
             "secret-a-123456", NULL);
        (void)snprintf(doc, sizeof(doc), "{\"volumes\":[%s,%s,%s,%s]}", a, b, c, d);
        ASSERT_OK(parse(&s, doc));
        ASSERT_OK(attach_run(ops, ini, &s, &o, &rep));
        ASSERT_EQ_INT(sim_batch_calls(ini), 1);
        ASSERT_EQ_INT(rep.v[0].status, ATTACH_OK);
        ASSERT_EQ_INT(rep.v[2].status, ATTACH_OK);
        ASSERT_EQ_INT(rep.v[3].status, ATTACH_OK);
        /* the batch's failure is not the report's: B logged in alone and
         * failed with its own authentication error, once, no retries */
        ASSERT_EQ_INT(rep.v[1].status, ATTACH_FAILED);
        ASSERT_EQ_INT(rep.v[1].err.code, VA_E_AUTH);
        ASSERT_EQ_INT(rep.v[1].paths[0].attempts, 1);
        ASSERT_NOT_CONTAINS(rep.v[1].err.msg, "WRONG-b");
        /* C missed the batch and came up on its own first attempt */
        ASSERT_EQ_INT(rep.v[2].paths[0].attempts, 1);
        /* A's two LUNs share the one session the batch made; both were
         * logged in by this run, not found from before */
        ASSERT_EQ_INT(sim_session_count(ini), 2);
        ASSERT_EQ_INT(rep.v[0].paths[0].session.reused, 0);
        ASSERT_EQ_INT(rep.v[3].paths[0].session.reused, 0);
        ASSERT_EQ_INT(rep.v[2].paths[0].session.reused, 0);
        ASSERT_EQ_INT(sim_record_count(ini), 2); /* B's record is gone again */
        attach_report_free(&rep);

        /* a rerun: every session is up already, so no batch at all */
        ASSERT_OK(attach_run(ops, ini, &s, &o, &rep));
        ASSERT_EQ_INT(sim_batch_calls(ini), 1);
        for (i = 0; i < 4; i++)
                if (i != 1)
                        ASSERT_EQ_INT(rep.v[i].paths[0].session.reused, 1);
        ASSERT_EQ_INT(rep.v[1].status, ATTACH_FAILED);
        attach_report_free(&rep);

        /* a batch that fails, and a backend with no login_batch at all:
         * each path logs in alone, with the same result */
        for (i = 0; i < 2; i++) {
                sim_drop_sessions(ini);
                sim_set_batch_error(ini, i == 0 ? -VA_E_INITIATOR : 0);
                ASSERT_OK(attach_run(i == 0 ? ops : &initiator_sim_ops, ini, &s, &o, &rep));
                ASSERT_EQ_INT(sim_batch_calls(ini), 1);
                ASSERT_EQ_INT(rep.v[0].status, ATTACH_OK);
                ASSERT_EQ_INT(rep.v[1].status, ATTACH_FAILED);
                ASSERT_EQ_INT(rep.v[2].status, ATTACH_OK);
                ASSERT_EQ_INT(rep.v[3].status, ATTACH_OK);
                attach_report_free(&rep);
        }
        volume_set_free(&s);
        initiator_sim_ops.close(ini);
}

/* A path outside the batch (here: found by SendTargets) records its
 * target only once the batch has ended: the backend's batch may be clearing
 * leftover records meanwhile. */
TEST(batch_holds_other_records_back)
{
        struct initiator *ini = sim();
        struct volume_set s;
        struct attach_report rep;
        struct attach_options o = opts();
        char b[1024], c[1024];

        ASSERT_OK(sim_add_target(ini, IQN_A, "127.0.0.1", 1, NULL, NULL, NULL, NULL));
        ASSERT_OK(sim_add_target(ini, IQN_A, "127.0.0.2", 1, NULL, NULL, NULL, NULL));
        ASSERT_OK(sim_add_target(ini, IQN_B, "127.0.0.1", 1, NULL, NULL, NULL, NULL));
        ASSERT_OK(sim_add_target(ini, IQN_C, "127.0.0.1", 1, NULL, NULL, NULL, NULL));
        item(b, sizeof(b), "11111111-0000-0000-0000-00000000000b", "127.0.0.1", IQN_B, 0, NULL,
             NULL, NULL);
        item(c, sizeof(c), "11111111-0000-0000-0000-00000000000c", "127.0.0.1", IQN_C, 0, NULL,
             NULL, NULL);
        (void)snprintf(doc, sizeof(doc),
                       "{\"volumes\":[%s,%s,{\"driver_volume_type\":\"iscsi\","
                       "\"connector\":{\"multipath\":true},\"data\":{\"volume_id\":"
                       "\"11111111-0000-0000-0000-00000000000a\",\"target_portal\":"
                       "\"127.0.0.1\",\"target_iqn\":\"" IQN_A "\",\"target_lun\":0}}]}",
                       b, c);
        ASSERT_OK(parse(&s, doc));
        /* a real delay: the window in which a wrong engine would record */
        sim_set_login_delay_ms(ini, 200);
        ASSERT_OK(attach_run(sim_ops(SIM_PROFILE_OPENISCSI), ini, &s, &o, &rep));
        ASSERT_EQ_INT(sim_batch_calls(ini), 1);
        ASSERT_EQ_INT(rep.v[0].status, ATTACH_OK);
        ASSERT_EQ_INT(rep.v[1].status, ATTACH_OK);
        ASSERT_EQ_INT(rep.v[2].status, ATTACH_OK);
        ASSERT_EQ_INT(rep.v[2].npaths, 2);
        ASSERT_EQ_INT(sim_adds_during_batch(ini), 0);
        attach_report_free(&rep);
        volume_set_free(&s);
        initiator_sim_ops.close(ini);
}

TEST(detach_refuses_busy_device)
{
        struct initiator *ini = sim();
        struct volume_set s;
        struct attach_report rep;
        struct attach_options o = opts();
        struct attached_volume av;
        struct va_err e;
        char a[1024];

        ASSERT_OK(sim_add_target(ini, IQN_A, "127.0.0.1", 1, NULL, NULL, NULL, NULL));
        item(a, sizeof(a), "11111111-0000-0000-0000-000000000001", "127.0.0.1", IQN_A, 0, NULL,
             NULL, NULL);
        (void)snprintf(doc, sizeof(doc), "{\"volumes\":[%s]}", a);
        ASSERT_OK(parse(&s, doc));
        ASSERT_OK(attach_run(&initiator_sim_ops, ini, &s, &o, &rep));
        sim_mark_in_use(ini, rep.v[0].device.path, 1);
        attached_from(&av, &s.v[0], &rep.v[0]);
        va_err_clear(&e);
        ASSERT_ERR(detach_volume(&initiator_sim_ops, ini, &av, 0, &e), VA_E_BUSY);
        ASSERT_CONTAINS(e.msg, "--force");
        ASSERT_EQ_INT(sim_session_count(ini), 1);
        va_err_clear(&e);
        ASSERT_OK(detach_volume(&initiator_sim_ops, ini, &av, 1, &e));
        ASSERT_EQ_INT(sim_session_count(ini), 0);
        attached_volume_clear(&av);
        attach_report_free(&rep);
        volume_set_free(&s);
        initiator_sim_ops.close(ini);
}

/* The stable name (device_tag): recorded for each volume that attached,
 * never for one that failed; a tagging failure leaves the volume attached
 * without the name; detach forgets it. */
TEST(device_tag_after_attach_untag_at_detach)
{
        struct initiator *ini = sim();
        struct volume_set s;
        struct attach_report rep;
        struct attach_options o = opts();
        struct attached_volume av;
        struct va_err e;
        char a[1024], b[1024];

        ASSERT_OK(sim_add_target(ini, IQN_A, "127.0.0.1", 1, NULL, NULL, NULL, NULL));
        ASSERT_OK(sim_add_target(ini, IQN_B, "127.0.0.1", 1, "guest", "targetsecret", NULL, NULL));
        item(a, sizeof(a), "11111111-0000-0000-0000-000000000001", "127.0.0.1", IQN_A, 0, NULL,
             NULL, NULL);
        item(b, sizeof(b), "11111111-0000-0000-0000-000000000002", "127.0.0.1", IQN_B, 0, "guest",
             "wrongsecret1", NULL);
        (void)snprintf(doc, sizeof(doc), "{\"volumes\":[%s,%s]}", a, b);
        ASSERT_OK(parse(&s, doc));
        ASSERT_OK(attach_run(&initiator_sim_ops, ini, &s, &o, &rep));
        ASSERT_EQ_INT(rep.v[0].status, ATTACH_OK);
        ASSERT_EQ_INT(rep.v[1].status, ATTACH_FAILED);
        ASSERT_EQ_INT(sim_tag_calls(ini), 1);
        ASSERT_TRUE(sim_tag_of(ini, s.v[0].id) != NULL);
        ASSERT_STREQ(sim_tag_of(ini, s.v[0].id), rep.v[0].device.path);
        ASSERT_TRUE(sim_tag_of(ini, s.v[1].id) == NULL);
        ASSERT_STREQ(rep.v[0].device.by_volume_id,
                     "/dev/sim-by-id/11111111-0000-0000-0000-000000000001");
        attach_report_free(&rep);

        /* a rerun that cannot tag: still attached, without the name */
        sim_set_tag_error(ini, -VA_E_TIMEOUT);
        ASSERT_OK(attach_run(&initiator_sim_ops, ini, &s, &o, &rep));
        ASSERT_EQ_INT(rep.v[0].status, ATTACH_OK);
        ASSERT_STREQ(rep.v[0].device.by_volume_id, "");
        sim_set_tag_error(ini, 0);
        attach_report_free(&rep);
        ASSERT_OK(attach_run(&initiator_sim_ops, ini, &s, &o, &rep));
        ASSERT_TRUE(sim_tag_of(ini, s.v[0].id) != NULL);

        attached_from(&av, &s.v[0], &rep.v[0]);
        va_err_clear(&e);
        ASSERT_OK(detach_volume(&initiator_sim_ops, ini, &av, 0, &e));
        ASSERT_TRUE(sim_tag_of(ini, s.v[0].id) == NULL);
        attached_volume_clear(&av);
        attach_report_free(&rep);
        volume_set_free(&s);
        initiator_sim_ops.close(ini);
}

TEST(transient_failures_retry_within_deadline)
{
        struct initiator *ini = sim();
        struct volume_set s;
        struct attach_report rep;
        struct attach_options o = opts();
        struct sim_fault f = { IQN_A, -VA_E_NET, 2, 0, 0 };
        struct sim_fault g = { IQN_B, -VA_E_NET, 0, 0, 0 };
        struct vclock vc;
        char a[1024], b[1024];

        ASSERT_OK(sim_add_target(ini, IQN_A, "127.0.0.1", 1, NULL, NULL, NULL, NULL));
        ASSERT_OK(sim_add_target(ini, IQN_B, "127.0.0.1", 1, NULL, NULL, NULL, NULL));
        ASSERT_OK(sim_set_fault(ini, &f));
        ASSERT_OK(sim_set_fault(ini, &g));
        item(a, sizeof(a), "11111111-0000-0000-0000-000000000001", "127.0.0.1", IQN_A, 0, NULL,
             NULL, NULL);
        item(b, sizeof(b), "11111111-0000-0000-0000-000000000002", "127.0.0.1", IQN_B, 0, NULL,
             NULL, NULL);
        (void)snprintf(doc, sizeof(doc), "{\"volumes\":[%s,%s]}", a, b);
        ASSERT_OK(parse(&s, doc));
        o.login_deadline_ms = 1500;
        /* one worker owns the virtual timeline; jitter 0: pauses of 125,
         * 250, 500, 1000 ms */
        o.jobs = 1;
        ASSERT_OK(vclock_init(&vc, 0));
        o.clock = &vc.ops;
        ASSERT_OK(attach_run(&initiator_sim_ops, ini, &s, &o, &rep));
        ASSERT_EQ_INT(rep.v[0].status, ATTACH_OK);
        ASSERT_EQ_INT(rep.v[0].paths[0].attempts, 3);
        ASSERT_EQ_INT(rep.v[0].elapsed_ms, 125 + 250);
        ASSERT_EQ_INT(rep.v[1].status, ATTACH_FAILED);
        ASSERT_EQ_INT(rep.v[1].err.code, VA_E_NET);
        ASSERT_CONTAINS(rep.v[1].hint, "storage network");
        /* bounded: attempts at 0, 125, 375 and 875 ms, and the last one
         * at the deadline itself, not a backoff step before or after it */
        ASSERT_EQ_INT(rep.v[1].paths[0].attempts, 5);
        ASSERT_EQ_INT(rep.v[1].elapsed_ms, 1500);
        ASSERT_EQ_INT(rep.elapsed_ms, 375 + 1500);
        attach_report_free(&rep);
        vclock_free(&vc);
        volume_set_free(&s);
        initiator_sim_ops.close(ini);
}

/* What the journal shows at its default level while a portal stays dead. */
static char notices[8][512];
static unsigned nnotices, ninfos;

static void
capture_sink(int level, const char *msg, void *ctx)
{
        (void)ctx;
        if (level == VA_LOG_NOTICE && strstr(msg, "login to") != NULL && nnotices < 8)
                (void)snprintf(notices[nnotices++], sizeof(notices[0]), "%s", msg);
        else if (level == VA_LOG_INFO && strstr(msg, "login to") != NULL)
                ninfos++;
}

TEST(login_retries_show_progress_at_notice)
{
        struct initiator *ini = sim();
        struct volume_set s;
        struct attach_report rep;
        struct attach_options o = opts();
        struct sim_fault g = { IQN_B, -VA_E_NET, 0, 0, 0 };
        struct vclock vc;
        char b[1024];

        ASSERT_OK(sim_add_target(ini, IQN_B, "127.0.0.1", 1, NULL, NULL, NULL, NULL));
        ASSERT_OK(sim_set_fault(ini, &g));
        item(b, sizeof(b), "11111111-0000-0000-0000-000000000002", "127.0.0.1", IQN_B, 0, NULL,
             NULL, NULL);
        (void)snprintf(doc, sizeof(doc), "{\"volumes\":[%s]}", b);
        ASSERT_OK(parse(&s, doc));
        /* jitter 0: attempts at 0, 125, 375, 875, 1875, 3875, then every
         * 2.5 s from 6375 to 23875, and the last at the deadline: 15 */
        o.login_deadline_ms = 25000;
        o.jobs = 1;
        ASSERT_OK(vclock_init(&vc, 0));
        o.clock = &vc.ops;
        va_log_set_level(VA_LOG_INFO);
        va_log_set_sink(capture_sink, NULL);
        ASSERT_OK(attach_run(&initiator_sim_ops, ini, &s, &o, &rep));
        va_log_set_sink(NULL, NULL);
        va_log_set_level(VA_LOG_NOTICE);
        ASSERT_EQ_INT(rep.v[0].status, ATTACH_FAILED);
        ASSERT_EQ_INT(rep.v[0].paths[0].attempts, 15);
        /* the first retry at once, then one notice per 10 s at most; the
         * steps in between at info */
        ASSERT_EQ_INT(nnotices, 3);
        ASSERT_CONTAINS(notices[0], "volume 11111111-0000-0000-0000-000000000002: login to " IQN_B);
        ASSERT_CONTAINS(notices[0], "attempt 1 of at most 15; next try in 0.1 s, 25.0 s of the "
                                    "25.0 s deadline left");
        ASSERT_CONTAINS(notices[1], "attempt 9 of at most 15; next try in 2.5 s, 13.6 s of the "
                                    "25.0 s deadline left");
        ASSERT_CONTAINS(notices[2], "attempt 13 of at most 15; next try in 2.5 s, 3.6 s of the "
                                    "25.0 s deadline left");
        ASSERT_EQ_INT(ninfos, 14 - 3);
        attach_report_free(&rep);
        vclock_free(&vc);
        volume_set_free(&s);
        initiator_sim_ops.close(ini);
}

TEST(attempts_left_bounds_the_count)
{
        /* nothing left after this pause: only the attempt at the deadline */
        ASSERT_EQ_INT(attach_attempts_left(1, 1500, 1500), 1);
        ASSERT_EQ_INT(attach_attempts_left(1, 125, 1500), 4);
        ASSERT_EQ_INT(attach_attempts_left(10, 2500, 0), 1);
}

TEST(device_waits)
{
        struct initiator *ini = sim();
        struct volume_set s;
        struct attach_report rep;
        struct attach_options o = opts();
        struct sim_fault late = { IQN_A, 0, 0, 5, 0 };
        struct sim_fault never = { IQN_B, 0, 0, 0, 1 };
        struct vclock vc;
        char a[1024], b[1024];

        ASSERT_OK(sim_add_target(ini, IQN_A, "127.0.0.1", 1, NULL, NULL, NULL, NULL));
        ASSERT_OK(sim_add_target(ini, IQN_B, "127.0.0.1", 1, NULL, NULL, NULL, NULL));
        ASSERT_OK(sim_set_fault(ini, &late));
        ASSERT_OK(sim_set_fault(ini, &never));
        item(a, sizeof(a), "11111111-0000-0000-0000-000000000001", "127.0.0.1", IQN_A, 0, NULL,
             NULL, NULL);
        item(b, sizeof(b), "11111111-0000-0000-0000-000000000002", "127.0.0.1", IQN_B, 0, NULL,
             NULL, NULL);
        (void)snprintf(doc, sizeof(doc), "{\"volumes\":[%s,%s]}", a, b);
        ASSERT_OK(parse(&s, doc));
        o.device_timeout_ms = 500;
        o.jobs = 1;
        ASSERT_OK(vclock_init(&vc, 0));
        o.clock = &vc.ops;
        ASSERT_OK(attach_run(&initiator_sim_ops, ini, &s, &o, &rep));
        /* five misses: polled after 10, 20, 40, 40 and 40 ms */
        ASSERT_EQ_INT(rep.v[0].status, ATTACH_OK);
        ASSERT_EQ_INT(rep.v[0].elapsed_ms, 150);
        ASSERT_EQ_INT(rep.v[1].status, ATTACH_FAILED);
        ASSERT_EQ_INT(rep.v[1].err.code, VA_E_TIMEOUT);
        ASSERT_CONTAINS(rep.v[1].err.msg, "gave no block device within 500 ms");
        /* given up at the first poll past the deadline: at most one 40 ms
         * pause late */
        ASSERT_TRUE(rep.v[1].elapsed_ms >= 500 && rep.v[1].elapsed_ms <= 540);
        attach_report_free(&rep);
        vclock_free(&vc);
        volume_set_free(&s);
        initiator_sim_ops.close(ini);
}

static const char mp_doc[] =
    "{\"volumes\":[{\"driver_volume_type\":\"iscsi\",\"connector\":{\"multipath\":true},"
    "\"data\":{\"volume_id\":\"11111111-0000-0000-0000-000000000001\","
    "\"target_portal\":\"127.0.0.1\",\"target_iqn\":\"" IQN_A "\",\"target_lun\":0,"
    "\"target_portals\":[\"127.0.0.1\",\"127.0.0.2\"],"
    "\"target_iqns\":[\"" IQN_A "\",\"" IQN_A "\"]}}]}";

TEST(multipath_and_fallbacks)
{
        struct initiator *ini = sim();
        struct volume_set s;
        struct attach_report rep;
        struct attach_options o = opts();

        ASSERT_OK(sim_add_target(ini, IQN_A, "127.0.0.1", 1, NULL, NULL, NULL, NULL));
        ASSERT_OK(sim_add_target(ini, IQN_A, "127.0.0.2", 1, NULL, NULL, NULL, NULL));
        ASSERT_OK(parse(&s, mp_doc));
        ASSERT_OK(attach_run(&initiator_sim_ops, ini, &s, &o, &rep));
        ASSERT_EQ_INT(rep.v[0].status, ATTACH_OK);
        ASSERT_EQ_INT(rep.v[0].device.kind, INITIATOR_DEVICE_MULTIPATH);
        ASSERT_EQ_INT(sim_session_count(ini), 2);
        attach_report_free(&rep);
        initiator_sim_ops.close(ini);

        /* no multipath on the host: one path, with a warning, not two bare disks */
        ini = sim();
        ASSERT_OK(sim_add_target(ini, IQN_A, "127.0.0.1", 1, NULL, NULL, NULL, NULL));
        ASSERT_OK(sim_add_target(ini, IQN_A, "127.0.0.2", 1, NULL, NULL, NULL, NULL));
        sim_set_multipath(ini, 0);
        ASSERT_OK(attach_run(&initiator_sim_ops, ini, &s, &o, &rep));
        ASSERT_EQ_INT(rep.v[0].status, ATTACH_DEGRADED);
        ASSERT_CONTAINS(rep.v[0].err.msg, "multipath requested but not available");
        ASSERT_EQ_INT(rep.v[0].device.kind, INITIATOR_DEVICE_DISK);
        ASSERT_EQ_INT(sim_session_count(ini), 1);
        attach_report_free(&rep);

        /* ... unless multipath is enforced */
        sim_drop_sessions(ini);
        o.enforce_multipath = 1;
        ASSERT_OK(attach_run(&initiator_sim_ops, ini, &s, &o, &rep));
        ASSERT_EQ_INT(rep.v[0].status, ATTACH_FAILED);
        ASSERT_CONTAINS(rep.v[0].err.msg, "multipath is enforced");
        ASSERT_EQ_INT(sim_session_count(ini), 0);
        attach_report_free(&rep);
        initiator_sim_ops.close(ini);

        /* one path down: degraded, still a multipath device */
        ini = sim();
        o.enforce_multipath = 0;
        ASSERT_OK(sim_add_target(ini, IQN_A, "127.0.0.1", 1, NULL, NULL, NULL, NULL));
        o.login_deadline_ms = 300;
        ASSERT_OK(attach_run(&initiator_sim_ops, ini, &s, &o, &rep));
        ASSERT_EQ_INT(rep.v[0].status, ATTACH_DEGRADED);
        ASSERT_CONTAINS(rep.v[0].err.msg, "1 of 2 paths up");
        attach_report_free(&rep);
        volume_set_free(&s);
        initiator_sim_ops.close(ini);
}

TEST(single_path_failover)
{
        struct initiator *ini = sim();
        struct volume_set s;
        struct attach_report rep;
        struct attach_options o = opts();
        static const char d[] =
            "{\"volumes\":[{\"driver_volume_type\":\"iscsi\",\"data\":{\"volume_id\":"
            "\"11111111-0000-0000-0000-000000000001\",\"target_lun\":0,"
            "\"target_portals\":[\"127.0.0.9\",\"127.0.0.2\"],"
            "\"target_iqns\":[\"" IQN_A "\",\"" IQN_A "\"]}}]}";

        /* only the second listed path exists: os-brick's failover order */
        ASSERT_OK(sim_add_target(ini, IQN_A, "127.0.0.2", 1, NULL, NULL, NULL, NULL));
        ASSERT_OK(parse(&s, d));
        ASSERT_OK(attach_run(&initiator_sim_ops, ini, &s, &o, &rep));
        ASSERT_EQ_INT(rep.v[0].status, ATTACH_OK);
        ASSERT_EQ_INT(rep.v[0].paths[0].ok, 0);
        ASSERT_EQ_INT(rep.v[0].paths[1].ok, 1);
        ASSERT_EQ_INT(sim_session_count(ini), 1);
        attach_report_free(&rep);
        volume_set_free(&s);
        initiator_sim_ops.close(ini);
}

TEST(discovery_keeps_only_our_target)
{
        struct initiator *ini = sim();
        struct volume_set s;
        struct attach_report rep;
        struct attach_options o = opts();
        struct vclock vc;
        static const char d[] =
            "{\"volumes\":[{\"driver_volume_type\":\"iscsi\",\"connector\":{\"multipath\":true},"
            "\"data\":{\"volume_id\":\"11111111-0000-0000-0000-000000000001\","
            "\"target_portal\":\"127.0.0.1\",\"target_iqn\":\"" IQN_A "\",\"target_lun\":0,"
            "\"discovery_auth_method\":\"CHAP\",\"discovery_auth_username\":\"d\","
            "\"discovery_auth_password\":\"discovery-secret\"}}]}";

        ASSERT_OK(sim_add_target(ini, IQN_A, "127.0.0.1", 1, NULL, NULL, NULL, NULL));
        ASSERT_OK(sim_add_target(ini, IQN_A, "127.0.0.2", 1, NULL, NULL, NULL, NULL));
        ASSERT_OK(sim_add_target(ini, IQN_B, "127.0.0.1", 1, NULL, NULL, NULL, NULL));
        sim_set_discovery_auth(ini, "d", "discovery-secret");
        ASSERT_OK(parse(&s, d));
        ASSERT_OK(vclock_init(&vc, 0));
        o.clock = &vc.ops;
        ASSERT_OK(attach_run(&initiator_sim_ops, ini, &s, &o, &rep));
        ASSERT_EQ_INT(rep.v[0].status, ATTACH_OK);
        ASSERT_EQ_INT(rep.v[0].npaths, 2);
        ASSERT_EQ_INT(sim_session_count(ini), 2); /* IQN_B was listed, never logged in */
        /* the idle workers waited for the path jobs SendTargets queued on
         * a condition: no pause at all, where they used to nap */
        ASSERT_EQ_INT(vc.sleeps, 0);
        o.clock = NULL;
        vclock_free(&vc);
        attach_report_free(&rep);
        volume_set_free(&s);
        initiator_sim_ops.close(ini);

        /* wrong discovery secret: a clear failure, no login at all */
        ini = sim();
        ASSERT_OK(sim_add_target(ini, IQN_A, "127.0.0.1", 1, NULL, NULL, NULL, NULL));
        sim_set_discovery_auth(ini, "d", "another-secret!");
        ASSERT_OK(parse(&s, d));
        ASSERT_OK(attach_run(&initiator_sim_ops, ini, &s, &o, &rep));
        ASSERT_EQ_INT(rep.v[0].status, ATTACH_FAILED);
        ASSERT_CONTAINS(rep.v[0].err.msg, "SendTargets discovery");
        ASSERT_EQ_INT(sim_login_calls(ini), 0);
        attach_report_free(&rep);
        volume_set_free(&s);
        initiator_sim_ops.close(ini);
}

TEST(readonly_and_mutual)
{
        struct initiator *ini = sim();
        struct volume_set s;
        struct attach_report rep;
        struct attach_options o = opts();
        char a[1024], b[1024];

        ASSERT_OK(sim_add_target(ini, IQN_A, "127.0.0.1", 1, "u", "initiator-secret", "t",
                                 "target-secret-1"));
        ASSERT_OK(sim_add_target(ini, IQN_B, "127.0.0.1", 1, NULL, NULL, NULL, NULL));
        item(a, sizeof(a), "11111111-0000-0000-0000-000000000001", "127.0.0.1", IQN_A, 0, "u",
             "initiator-secret",
             ",\"mutual_auth_username\":\"t\",\"mutual_auth_password\":\"target-secret-1\"");
        item(b, sizeof(b), "11111111-0000-0000-0000-000000000002", "127.0.0.1", IQN_B, 0, NULL,
             NULL, ",\"access_mode\":\"ro\"");
        (void)snprintf(doc, sizeof(doc), "{\"volumes\":[%s,%s]}", a, b);
        ASSERT_OK(parse(&s, doc));
        ASSERT_EQ_INT(s.v[0].auth.kind, AUTH_MUTUAL);
        ASSERT_OK(attach_run(&initiator_sim_ops, ini, &s, &o, &rep));
        ASSERT_EQ_INT(rep.v[0].status, ATTACH_OK);
        ASSERT_EQ_INT(rep.v[1].status, ATTACH_OK);
        ASSERT_EQ_INT(rep.v[1].device.read_only, 1);
        ASSERT_TRUE(sim_device_read_only(ini, rep.v[1].device.path));
        ASSERT_TRUE(!sim_device_read_only(ini, rep.v[0].device.path));
        attach_report_free(&rep);
        volume_set_free(&s);

        /* the target proving itself with the wrong secret fails the login */
        sim_drop_sessions(ini);
        item(a, sizeof(a), "11111111-0000-0000-0000-000000000001", "127.0.0.1", IQN_A, 0, "u",
             "initiator-secret",
             ",\"mutual_auth_username\":\"t\",\"mutual_auth_password\":\"not-the-target\"");
        (void)snprintf(doc, sizeof(doc), "{\"volumes\":[%s]}", a);
        ASSERT_OK(parse(&s, doc));
        ASSERT_OK(attach_run(&initiator_sim_ops, ini, &s, &o, &rep));
        ASSERT_EQ_INT(rep.v[0].status, ATTACH_FAILED);
        ASSERT_EQ_INT(rep.v[0].err.code, VA_E_AUTH);
        attach_report_free(&rep);
        volume_set_free(&s);
        initiator_sim_ops.close(ini);
}

TEST(backoff_is_bounded_and_jittered)
{
        unsigned r;

        ASSERT_TRUE(attach_backoff_ms(0, 0) >= 125 && attach_backoff_ms(0, 0) <= 250);
        ASSERT_EQ_INT(attach_backoff_ms(0, 125), 250);
        for (r = 0; r < 20; r++)
                ASSERT_TRUE(attach_backoff_ms(r, 0xffffffffu) <= 5000);
        ASSERT_TRUE(attach_backoff_ms(10, 0) >= 2500);
        ASSERT_TRUE(attach_login_retryable(-VA_E_NET));
        ASSERT_TRUE(!attach_login_retryable(-VA_E_AUTH));
        ASSERT_TRUE(!attach_login_retryable(-VA_E_NOTFOUND));
}

HARNESS_MAIN()
