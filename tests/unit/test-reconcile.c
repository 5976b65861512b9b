/* SPDX-License-Identifier: Apache-2.0 */
/* The watch's reconcile against the simulator backend, one rule per test:
 * attach the new, detach the gone and unused only after two valid answers,
 * keep the gone but in use, change nothing on no answer, an incomplete one
 * or a missing list, back off after failures, converge after a crash.
 * Times are virtual (vclock); the store is in memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend-sim/sim.h"
#include "backend-sim/vclock.h"
#include "core/reconcile.h"
#include "harness.h"
#include "meta/meta.h"
#include "platform/platform.h"

#define IQN_A "iqn.2004-10.org.example:a"
#define IQN_B "iqn.2004-10.org.example:b"
#define HOST  "iqn.2004-10.org.example:host"
#define ID_A  "11111111-0000-0000-0000-00000000000a"
#define ID_B  "11111111-0000-0000-0000-00000000000b"

/* --- an in-memory store, as the state files are on disk --- */

struct mstore {
        struct attached_volume v[8];
        size_t n;
        int fail_load; /* load fails: the state directory unreadable */
        int fail_save; /* save "crashes": nothing is remembered */
        size_t saves, removes;
};

static void
av_copy(struct attached_volume *to, const struct attached_volume *from)
{
        *to = *from;
        to->paths = calloc(from->npaths ? from->npaths : 1, sizeof(*to->paths));
        if (to->paths != NULL && from->npaths)
                memcpy(to->paths, from->paths, from->npaths * sizeof(*to->paths));
}

static int
ms_load(void *ctx, struct attached_volume **ret, size_t *ret_n, struct va_err *err)
{
        struct mstore *m = ctx;
        size_t i;

        if (m->fail_load)
                return va_err_set(err, VA_E_IO, "state directory unreadable (simulated)");
        *ret = calloc(m->n ? m->n : 1, sizeof(**ret));
        for (i = 0; i < m->n; i++)
                av_copy(&(*ret)[i], &m->v[i]);
        *ret_n = m->n;
        return 0;
}

static int
ms_find(const struct mstore *m, const char *id)
{
        size_t i;

        for (i = 0; i < m->n; i++)
                if (strcmp(m->v[i].id, id) == 0)
                        return (int)i;
        return -1;
}

static int
ms_save(void *ctx, const struct attach_result *res, struct va_err *err)
{
        struct mstore *m = ctx;
        struct attached_volume *av;
        int i = ms_find(m, res->vol->id);
        size_t k;

        if (m->fail_save)
                return va_err_set(err, VA_E_IO, "killed before the state file was written");
        if (i >= 0) {
                attached_volume_clear(&m->v[i]);
                av = &m->v[i];
        } else {
                av = &m->v[m->n++];
        }
        memset(av, 0, sizeof(*av));
        (void)snprintf(av->id, sizeof(av->id), "%s", res->vol->id);
        (void)snprintf(av->source, sizeof(av->source), "%s", res->vol->source);
        av->device = res->device;
        av->paths = calloc(res->npaths, sizeof(*av->paths));
        for (k = 0; k < res->npaths; k++) {
                if (!res->paths[k].ok)
                        continue;
                av->paths[av->npaths].path = res->paths[k].path;
                av->paths[av->npaths].device = res->paths[k].device;
                av->npaths++;
        }
        m->saves++;
        return 0;
}

static int
ms_remove(void *ctx, const char *id, struct va_err *err)
{
        struct mstore *m = ctx;
        int i = ms_find(m, id);

        (void)err;
        if (i >= 0) {
                attached_volume_clear(&m->v[i]);
                m->v[i] = m->v[--m->n];
        }
        m->removes++;
        return 0;
}

static void
ms_free(struct mstore *m)
{
        size_t i;

        for (i = 0; i < m->n; i++)
                attached_volume_clear(&m->v[i]);
        m->n = 0;
}

/* --- a world: the simulator, a virtual clock, the store, the memory --- */

struct world {
        struct initiator *ini;
        struct vclock vc;
        struct mstore ms;
        struct reconcile_store store;
        struct reconcile_memory mem;
        struct attach_options o;
        struct reconcile_outcome out;
};

static int
world_init(struct world *w)
{
        struct va_err e;

        memset(w, 0, sizeof(*w));
        va_err_clear(&e);
        if (initiator_sim_ops.open(&w->ini, &e) < 0 || vclock_init(&w->vc, 0) < 0)
                return -1;
        if (sim_add_target(w->ini, IQN_A, "127.0.0.1:3260", 1, NULL, NULL, NULL, NULL) < 0 ||
            sim_add_target(w->ini, IQN_B, "127.0.0.1:3260", 1, NULL, NULL, NULL, NULL) < 0)
                return -1;
        w->store.load = ms_load;
        w->store.save = ms_save;
        w->store.remove = ms_remove;
        w->store.ctx = &w->ms;
        w->o.jobs = 1; /* one thread owns the virtual timeline */
        w->o.device_timeout_ms = 2000;
        w->o.login_deadline_ms = 3000;
        w->o.login_attempt_ms = 1000;
        w->o.clock = &w->vc.ops;
        return 0;
}

static void
world_free(struct world *w)
{
        ms_free(&w->ms);
        reconcile_memory_free(&w->mem);
        reconcile_outcome_free(&w->out);
        vclock_free(&w->vc);
        initiator_sim_ops.close(w->ini);
}

static void
item(char *out, size_t len, const char *id, const char *iqn)
{
        (void)snprintf(out, len,
                       "{\"driver_volume_type\":\"iscsi\",\"connector\":{\"initiator\":\"" HOST
                       "\"},\"data\":{\"volume_id\":\"%s\",\"target_portal\":\"127.0.0.1:3260\","
                       "\"target_iqn\":\"%s\",\"target_lun\":0}}",
                       id, iqn);
}

/* meta_data.json text with the volumes named ("A", "B", "AB", ""). */
static void
meta_text(char *doc, size_t len, const char *which)
{
        char a[512], b[512];

        item(a, sizeof(a), ID_A, IQN_A);
        item(b, sizeof(b), ID_B, IQN_B);
        (void)snprintf(
            doc, len, "{\"uuid\":\"x\",\"volumes\":[%s%s%s]}", strchr(which, 'A') ? a : "",
            strchr(which, 'A') && strchr(which, 'B') ? "," : "", strchr(which, 'B') ? b : "");
}

/* Parses one document into s; the answer's class as the watch makes it. */
static enum reconcile_answer
answer(struct volume_set *s, const char *name, enum meta_doc_kind kind, const char *text,
       unsigned bad_docs)
{
        struct va_err e;
        int r;

        memset(s, 0, sizeof(*s));
        va_err_clear(&e);
        r = meta_parse(name, text, strlen(text), kind, s, &e);
        if (r == 0)
                r = volume_set_crosscheck(s);
        return reconcile_answer_of(r, 0, bad_docs, s);
}

/* One round on one document; *ret_a (if given) gets the answer's class. */
static int
round_doc(struct world *w, const char *name, enum meta_doc_kind kind, const char *text,
          unsigned bad_docs, enum reconcile_answer *ret_a)
{
        struct volume_set s;
        struct va_err e;
        enum reconcile_answer a = answer(&s, name, kind, text, bad_docs);
        int r;

        if (ret_a != NULL)
                *ret_a = a;
        va_err_clear(&e);
        r = reconcile_round(&initiator_sim_ops, w->ini, &w->store, &s, a, &w->o, &w->mem, &w->out,
                            &e);
        volume_set_free(&s);
        return r;
}

/* One round on meta_data.json holding `which`. */
static int
round_meta(struct world *w, const char *which)
{
        char doc[2048];

        meta_text(doc, sizeof(doc), which);
        return round_doc(w, "meta_data.json", META_DOC_META_DATA, doc, 0, NULL);
}

/* One round without an answer (unreachable, 404, garbage). */
static int
round_none(struct world *w)
{
        struct volume_set s = { 0 };
        struct va_err e;

        va_err_clear(&e);
        return reconcile_round(&initiator_sim_ops, w->ini, &w->store, &s, RECONCILE_ANSWER_NONE,
                               &w->o, &w->mem, &w->out, &e);
}

static const char *
device_of(struct world *w, const char *id)
{
        int i = ms_find(&w->ms, id);

        return i >= 0 ? w->ms.v[i].device.path : "";
}

TEST(answer_classes)
{
        struct volume_set s;
        char doc[2048];

        meta_text(doc, sizeof(doc), "A");
        ASSERT_EQ_INT(answer(&s, "meta_data.json", META_DOC_META_DATA, doc, 0),
                      RECONCILE_ANSWER_VALID);
        ASSERT_EQ_INT(reconcile_answer_of(-VA_E_PARSE, 0, 0, &s), RECONCILE_ANSWER_NONE);
        ASSERT_EQ_INT(reconcile_answer_of(0, 1, 0, &s), RECONCILE_ANSWER_NONE);
        ASSERT_EQ_INT(reconcile_answer_of(0, 0, 1, &s), RECONCILE_ANSWER_PARTIAL);
        volume_set_free(&s);
        /* garbage, an empty body, volumes not a list: no answer */
        ASSERT_EQ_INT(answer(&s, "meta_data.json", META_DOC_META_DATA, "{\"volumes\":[", 0),
                      RECONCILE_ANSWER_NONE);
        volume_set_free(&s);
        ASSERT_EQ_INT(answer(&s, "meta_data.json", META_DOC_META_DATA, "", 0),
                      RECONCILE_ANSWER_NONE);
        volume_set_free(&s);
        ASSERT_EQ_INT(answer(&s, "meta_data.json", META_DOC_META_DATA, "{\"volumes\":7}", 0),
                      RECONCILE_ANSWER_NONE);
        volume_set_free(&s);
        /* a rejected item without an id could be any volume */
        ASSERT_EQ_INT(answer(&s, "meta_data.json", META_DOC_META_DATA, "{\"volumes\":[{}]}", 0),
                      RECONCILE_ANSWER_PARTIAL);
        volume_set_free(&s);
        /* a skipped item (not iSCSI) is not a doubt about ours */
        ASSERT_EQ_INT(answer(&s, "meta_data.json", META_DOC_META_DATA,
                             "{\"volumes\":[{\"driver_volume_type\":\"rbd\",\"data\":{}}]}", 0),
                      RECONCILE_ANSWER_VALID);
        ASSERT_EQ_INT(volume_set_count(&s, ITEM_SKIPPED), 1);
        volume_set_free(&s);
}

TEST(list_keys)
{
        char k[256];

        reconcile_list_key("meta_data.json: volumes[2]", k, sizeof(k));
        ASSERT_STREQ(k, "meta_data: volumes");
        reconcile_list_key("http://169.254.169.254/openstack/latest/meta_data.json: volumes", k,
                           sizeof(k));
        ASSERT_STREQ(k, "meta_data: volumes");
        reconcile_list_key("/dev/sr0:openstack/latest/vendor_data2.json: volattach.volumes[10]", k,
                           sizeof(k));
        ASSERT_STREQ(k, "vendor_data2: volattach.volumes");
        reconcile_list_key("/tmp/m.json: volumes[0]", k, sizeof(k));
        ASSERT_STREQ(k, "meta_data: volumes");
        reconcile_list_key("vendor_data.json: volumes[0]", k, sizeof(k));
        ASSERT_STREQ(k, "vendor_data: volumes");
        reconcile_list_key("meta_data.json: connection_info", k, sizeof(k));
        ASSERT_STREQ(k, "meta_data: connection_info");
}

TEST(jitter_bounds)
{
        ASSERT_EQ_INT(reconcile_next_ms(10000, 0), 9000);
        ASSERT_EQ_INT(reconcile_next_ms(10000, 2000), 11000);
        ASSERT_EQ_INT(reconcile_next_ms(10000, 2001), 9000);
        ASSERT_EQ_INT(reconcile_next_ms(1000, 100), 1000);
        ASSERT_EQ_INT(reconcile_next_ms(4, 7), 4);
}

TEST(new_volume_is_attached_then_kept)
{
        struct world w;
        size_t logins;

        ASSERT_OK(world_init(&w));
        ASSERT_OK(round_meta(&w, ""));
        ASSERT_EQ_INT(w.out.attached, 0);
        ASSERT_OK(round_meta(&w, "A"));
        ASSERT_EQ_INT(w.out.attached, 1);
        ASSERT_EQ_INT(w.out.changed, 1);
        ASSERT_EQ_INT(w.ms.n, 1);
        ASSERT_CONTAINS(device_of(&w, ID_A), "/dev/sim");
        ASSERT_EQ_INT(sim_session_count(w.ini), 1);
        /* attached and healthy: the engine is not run again */
        logins = sim_login_calls(w.ini);
        ASSERT_OK(round_meta(&w, "A"));
        ASSERT_EQ_INT(w.out.kept, 1);
        ASSERT_EQ_INT(w.out.changed, 0);
        ASSERT_EQ_INT(sim_login_calls(w.ini), logins);
        /* a second volume: only it is attached */
        ASSERT_OK(round_meta(&w, "AB"));
        ASSERT_EQ_INT(w.out.attached, 1);
        ASSERT_EQ_INT(w.out.kept, 1);
        ASSERT_EQ_INT(sim_login_calls(w.ini), logins + 1);
        ASSERT_EQ_INT(sim_session_count(w.ini), 2);
        world_free(&w);
}

TEST(first_round_checks_every_volume)
{
        struct world w;
        size_t logins;

        ASSERT_OK(world_init(&w));
        ASSERT_OK(round_meta(&w, "A"));
        /* a restart: memory is new, the store and the OS are as they were */
        reconcile_memory_free(&w.mem);
        logins = sim_login_calls(w.ini);
        ASSERT_OK(round_meta(&w, "A"));
        ASSERT_EQ_INT(sim_login_calls(w.ini), logins + 1); /* attach_run, idempotent */
        ASSERT_EQ_INT(w.out.kept, 1);
        ASSERT_EQ_INT(w.out.attached, 0);
        ASSERT_EQ_INT(w.out.changed, 0);
        ASSERT_EQ_INT(sim_session_count(w.ini), 1);
        world_free(&w);
}

TEST(gone_and_unused_is_detached_after_two_valid_answers)
{
        struct world w;

        ASSERT_OK(world_init(&w));
        ASSERT_OK(round_meta(&w, "AB"));
        ASSERT_EQ_INT(w.ms.n, 2);
        ASSERT_OK(round_meta(&w, "B"));
        ASSERT_EQ_INT(w.out.waiting, 1);
        ASSERT_EQ_INT(w.out.detached, 0);
        ASSERT_EQ_INT(sim_session_count(w.ini), 2);
        ASSERT_OK(round_meta(&w, "B"));
        ASSERT_EQ_INT(w.out.detached, 1);
        ASSERT_EQ_INT(w.out.changed, 1);
        ASSERT_EQ_INT(sim_session_count(w.ini), 1);
        ASSERT_EQ_INT(w.ms.n, 1);
        ASSERT_TRUE(ms_find(&w.ms, ID_A) < 0);
        ASSERT_EQ_INT(sim_record_count(w.ini), 1);
        world_free(&w);
}

TEST(gone_but_in_use_is_kept_and_retried)
{
        struct world w;
        char dev[64];
        int i;

        ASSERT_OK(world_init(&w));
        ASSERT_OK(round_meta(&w, "A"));
        (void)snprintf(dev, sizeof(dev), "%s", device_of(&w, ID_A));
        sim_mark_in_use(w.ini, dev, 1);
        ASSERT_OK(round_meta(&w, ""));
        ASSERT_EQ_INT(w.out.waiting, 1);
        for (i = 0; i < 3; i++) {
                ASSERT_OK(round_meta(&w, ""));
                ASSERT_EQ_INT(w.out.in_use, 1);
                ASSERT_EQ_INT(w.out.detached, 0);
                ASSERT_EQ_INT(sim_session_count(w.ini), 1);
                ASSERT_EQ_INT(w.ms.n, 1);
        }
        /* unmounted: the next round detaches it */
        sim_mark_in_use(w.ini, dev, 0);
        ASSERT_OK(round_meta(&w, ""));
        ASSERT_EQ_INT(w.out.detached, 1);
        ASSERT_EQ_INT(sim_session_count(w.ini), 0);
        ASSERT_EQ_INT(w.ms.n, 0);
        world_free(&w);
}

TEST(no_answer_changes_nothing_and_restarts_the_count)
{
        struct world w;
        int i;

        ASSERT_OK(world_init(&w));
        ASSERT_OK(round_meta(&w, "A"));
        for (i = 0; i < 5; i++) {
                ASSERT_OK(round_none(&w));
                ASSERT_EQ_INT(w.out.held, 1);
                ASSERT_EQ_INT(w.out.changed, 0);
        }
        ASSERT_EQ_INT(sim_session_count(w.ini), 1);
        /* gone in one answer, then a failed fetch, then an empty answer:
         * the failure breaks the run, so the empty answer alone does not
         * detach */
        ASSERT_OK(round_meta(&w, ""));
        ASSERT_EQ_INT(w.out.waiting, 1);
        ASSERT_OK(round_none(&w));
        ASSERT_OK(round_meta(&w, ""));
        ASSERT_EQ_INT(w.out.waiting, 1);
        ASSERT_EQ_INT(w.out.detached, 0);
        ASSERT_EQ_INT(sim_session_count(w.ini), 1);
        ASSERT_OK(round_meta(&w, ""));
        ASSERT_EQ_INT(w.out.detached, 1);
        world_free(&w);
}

TEST(incomplete_answer_attaches_but_never_detaches)
{
        struct world w;
        char doc[2048];
        enum reconcile_answer a;
        int i;

        ASSERT_OK(world_init(&w));
        ASSERT_OK(round_meta(&w, "A"));
        for (i = 0; i < 3; i++) {
                /* meta_data.json lists B only, and a vendor document was bad */
                meta_text(doc, sizeof(doc), "B");
                ASSERT_OK(round_doc(&w, "meta_data.json", META_DOC_META_DATA, doc, 1, &a));
                ASSERT_EQ_INT(a, RECONCILE_ANSWER_PARTIAL);
                ASSERT_EQ_INT(w.out.held, 1);
                ASSERT_EQ_INT(w.out.detached, 0);
        }
        ASSERT_TRUE(ms_find(&w.ms, ID_B) >= 0);
        ASSERT_TRUE(ms_find(&w.ms, ID_A) >= 0);
        ASSERT_EQ_INT(sim_session_count(w.ini), 2);
        world_free(&w);
}

TEST(missing_list_is_no_answer_for_its_volumes)
{
        /* Nova serves {} for a vendordata target it could not reach */
        static const char *const failed = "{\"static\":{\"x\":1},\"volattach\":{}}";
        static const char *const empty = "{\"volattach\":{\"volumes\":[]}}";
        struct world w;
        enum reconcile_answer a;
        char it[512], doc[2048];
        int i;

        ASSERT_OK(world_init(&w));
        item(it, sizeof(it), ID_A, IQN_A);
        (void)snprintf(doc, sizeof(doc), "{\"volattach\":{\"volumes\":[%s]}}", it);
        ASSERT_OK(round_doc(&w, "vendor_data2.json", META_DOC_VENDOR_DATA2, doc, 0, &a));
        ASSERT_EQ_INT(a, RECONCILE_ANSWER_VALID);
        ASSERT_EQ_INT(w.out.attached, 1);
        for (i = 0; i < 4; i++) {
                ASSERT_OK(round_doc(&w, "vendor_data2.json", META_DOC_VENDOR_DATA2, failed, 0, &a));
                ASSERT_EQ_INT(a, RECONCILE_ANSWER_VALID);
                ASSERT_EQ_INT(w.out.held, 1);
                ASSERT_EQ_INT(w.out.waiting + w.out.detached, 0);
        }
        ASSERT_EQ_INT(sim_session_count(w.ini), 1);
        /* the list there and empty: a real answer */
        for (i = 0; i < 2; i++)
                ASSERT_OK(round_doc(&w, "vendor_data2.json", META_DOC_VENDOR_DATA2, empty, 0, &a));
        ASSERT_EQ_INT(w.out.detached, 1);
        ASSERT_EQ_INT(sim_session_count(w.ini), 0);
        world_free(&w);
}

TEST(rejected_item_keeps_its_volume)
{
        struct world w;
        enum reconcile_answer a;
        char doc[1024];
        int i;

        ASSERT_OK(world_init(&w));
        ASSERT_OK(round_meta(&w, "A"));
        /* A is still listed, but its item is invalid now (LUN out of range) */
        (void)snprintf(doc, sizeof(doc),
                       "{\"volumes\":[{\"driver_volume_type\":\"iscsi\",\"data\":{\"volume_id\":"
                       "\"%s\",\"target_portal\":\"127.0.0.1:3260\",\"target_iqn\":\"%s\","
                       "\"target_lun\":99999}}]}",
                       ID_A, IQN_A);
        for (i = 0; i < 3; i++) {
                ASSERT_OK(round_doc(&w, "meta_data.json", META_DOC_META_DATA, doc, 0, &a));
                ASSERT_EQ_INT(a, RECONCILE_ANSWER_VALID);
                ASSERT_EQ_INT(w.out.held, 1);
                ASSERT_EQ_INT(w.out.detached, 0);
        }
        ASSERT_EQ_INT(sim_session_count(w.ini), 1);
        world_free(&w);
}

TEST(broken_volume_is_attached_again)
{
        struct world w;

        ASSERT_OK(world_init(&w));
        ASSERT_OK(round_meta(&w, "A"));
        ASSERT_OK(round_meta(&w, "A"));
        ASSERT_EQ_INT(w.out.kept, 1);
        sim_drop_sessions(w.ini); /* logged out behind volattach's back */
        ASSERT_OK(round_meta(&w, "A"));
        ASSERT_EQ_INT(w.out.attached, 1);
        ASSERT_EQ_INT(sim_session_count(w.ini), 1);
        ASSERT_OK(round_meta(&w, "A"));
        ASSERT_EQ_INT(w.out.kept, 1);
        world_free(&w);
}

TEST(failed_attach_backs_off)
{
        struct world w;
        struct sim_fault f = { IQN_A, -VA_E_AUTH, 3, 0, 0 };
        size_t logins;

        ASSERT_OK(world_init(&w));
        ASSERT_OK(sim_set_fault(w.ini, &f)); /* the first three logins fail */
        ASSERT_OK(round_meta(&w, "A"));
        ASSERT_EQ_INT(w.out.failed, 1);
        logins = sim_login_calls(w.ini);
        ASSERT_OK(round_meta(&w, "A")); /* waits one round */
        ASSERT_EQ_INT(w.out.backoff, 1);
        ASSERT_EQ_INT(sim_login_calls(w.ini), logins);
        ASSERT_OK(round_meta(&w, "A")); /* tries, fails: waits two */
        ASSERT_EQ_INT(w.out.failed, 1);
        ASSERT_OK(round_meta(&w, "A"));
        ASSERT_EQ_INT(w.out.backoff, 1);
        ASSERT_OK(round_meta(&w, "A"));
        ASSERT_EQ_INT(w.out.backoff, 1);
        ASSERT_OK(round_meta(&w, "A")); /* third failure */
        ASSERT_EQ_INT(w.out.failed, 1);
        while (w.out.attached == 0 && w.out.failed + w.out.backoff > 0)
                ASSERT_OK(round_meta(&w, "A"));
        ASSERT_EQ_INT(w.out.attached, 1);
        ASSERT_EQ_INT(sim_session_count(w.ini), 1);
        /* gone while backing off: nothing to detach, memory forgets it */
        world_free(&w);
}

TEST(killed_before_the_state_file_converges_after_restart)
{
        struct world w;

        ASSERT_OK(world_init(&w));
        ASSERT_OK(round_meta(&w, "A"));
        w.ms.fail_save = 1; /* the round is killed after the login */
        ASSERT_OK(round_meta(&w, "AB"));
        ASSERT_EQ_INT(sim_session_count(w.ini), 2);
        ASSERT_TRUE(ms_find(&w.ms, ID_B) < 0);
        /* restart: new memory; the store never learnt of B */
        w.ms.fail_save = 0;
        reconcile_memory_free(&w.mem);
        ASSERT_OK(round_meta(&w, "AB"));
        ASSERT_TRUE(ms_find(&w.ms, ID_B) >= 0);
        ASSERT_EQ_INT(sim_session_count(w.ini), 2); /* the session was reused */
        ASSERT_OK(round_meta(&w, "AB"));
        ASSERT_EQ_INT(w.out.kept, 2);
        world_free(&w);
}

TEST(killed_mid_detach_finishes_after_restart)
{
        struct world w;
        int i;

        ASSERT_OK(world_init(&w));
        ASSERT_OK(round_meta(&w, "AB"));
        /* half a detach of A: its disk removed, the session and state file left */
        i = ms_find(&w.ms, ID_A);
        ASSERT_TRUE(i >= 0);
        {
                struct va_err e;

                va_err_clear(&e);
                ASSERT_OK(initiator_sim_ops.device_remove(w.ini, &w.ms.v[i].device, &e));
        }
        reconcile_memory_free(&w.mem);
        ASSERT_OK(round_meta(&w, "B"));
        ASSERT_EQ_INT(w.out.waiting, 1);
        ASSERT_OK(round_meta(&w, "B"));
        ASSERT_EQ_INT(w.out.detached, 1);
        ASSERT_EQ_INT(sim_session_count(w.ini), 1);
        ASSERT_TRUE(ms_find(&w.ms, ID_A) < 0);
        ASSERT_OK(round_meta(&w, "B"));
        ASSERT_EQ_INT(w.out.kept, 1);
        world_free(&w);
}

TEST(unreadable_store_changes_nothing)
{
        struct world w;

        ASSERT_OK(world_init(&w));
        ASSERT_OK(round_meta(&w, "A"));
        w.ms.fail_load = 1;
        ASSERT_TRUE(round_meta(&w, "") < 0);
        ASSERT_TRUE(round_meta(&w, "") < 0);
        w.ms.fail_load = 0;
        ASSERT_EQ_INT(sim_session_count(w.ini), 1);
        ASSERT_EQ_INT(w.ms.n, 1);
        world_free(&w);
}

/* The round's per-volume notes, which watch writes to the result file: each
 * volume it touched or checked once, with what came of it. */
static const char *
note_of(const struct world *w, const char *id)
{
        size_t i;

        for (i = 0; i < w->out.nv; i++)
                if (strcmp(w->out.v[i].id, id) == 0)
                        return reconcile_vstatus_name(w->out.v[i].status);
        return "(none)";
}

TEST(round_notes_each_volume)
{
        struct world w;
        struct sim_fault f = { IQN_B, -VA_E_AUTH, 1, 0, 0 };
        char dev[64];

        ASSERT_OK(world_init(&w));
        ASSERT_OK(sim_set_fault(w.ini, &f));
        ASSERT_OK(round_meta(&w, "AB"));
        ASSERT_EQ_INT(w.out.nv, 2);
        ASSERT_STREQ(note_of(&w, ID_A), "attached");
        ASSERT_STREQ(note_of(&w, ID_B), "failed");
        ASSERT_TRUE(w.out.v[0].status == RECONCILE_V_FAILED ? w.out.v[0].error[0] != '\0'
                                                            : w.out.v[1].error[0] != '\0');
        ASSERT_OK(round_meta(&w, "AB"));
        ASSERT_STREQ(note_of(&w, ID_A), "kept");
        ASSERT_STREQ(note_of(&w, ID_B), "backoff");
        (void)snprintf(dev, sizeof(dev), "%s", device_of(&w, ID_A));
        sim_mark_in_use(w.ini, dev, 1);
        ASSERT_OK(round_meta(&w, "B"));
        ASSERT_STREQ(note_of(&w, ID_A), "waiting");
        ASSERT_OK(round_meta(&w, "B"));
        ASSERT_STREQ(note_of(&w, ID_A), "in_use");
        sim_mark_in_use(w.ini, dev, 0);
        ASSERT_OK(round_meta(&w, "B"));
        ASSERT_STREQ(note_of(&w, ID_A), "detached");
        /* no answer: the attached are held as they are, nothing else */
        ASSERT_OK(round_none(&w));
        ASSERT_TRUE(ms_find(&w.ms, ID_B) >= 0);
        ASSERT_EQ_INT(w.out.nv, 1);
        ASSERT_STREQ(note_of(&w, ID_B), "held");
        world_free(&w);
}

HARNESS_MAIN()
