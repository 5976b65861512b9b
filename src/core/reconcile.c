/* SPDX-License-Identifier: Apache-2.0 */
/* The reconcile plan and the round that carries it out. The plan is pure
 * (tests drive it with made-up inputs); the round reads the OS through the
 * seam, so a state file that outlived its devices is judged by what is
 * there now. */
#include "core/reconcile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/ascii.h"
#include "base/log.h"

enum reconcile_answer
reconcile_answer_of(int rc, int none, unsigned bad_docs, const struct volume_set *set)
{
        size_t i;

        if (rc < 0 || none)
                return RECONCILE_ANSWER_NONE;
        if (bad_docs > 0)
                return RECONCILE_ANSWER_PARTIAL;
        /* a rejected item whose id is unknown could be any attached volume
         * (a skipped one is well-formed and not iSCSI: not one of ours) */
        for (i = 0; i < set->nitems; i++)
                if (set->items[i].status == ITEM_REJECTED && set->items[i].id[0] == '\0')
                        return RECONCILE_ANSWER_PARTIAL;
        return RECONCILE_ANSWER_VALID;
}

void
reconcile_list_key(const char *source, char *buf, size_t len)
{
        static const struct {
                const char *file, *kind;
        } kinds[] = {
                { "vendor_data2.json: ", "vendor_data2" },
                { "vendor_data.json: ", "vendor_data" },
                { "meta_data.json: ", "meta_data" },
        };
        const char *kind = "meta_data", *rest = strstr(source, ": ");
        size_t i, n;

        for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
                const char *at = strstr(source, kinds[i].file);

                if (at != NULL) {
                        kind = kinds[i].kind;
                        rest = at + strlen(kinds[i].file) - 2;
                        break;
                }
        }
        rest = rest != NULL ? rest + 2 : "";
        n = strlen(rest);
        /* "volumes[12]": the item's index is not part of the list */
        if (n > 0 && rest[n - 1] == ']') {
                size_t k = n - 1;

                while (k > 0 && ascii_isdigit(rest[k - 1]))
                        k--;
                if (k > 0 && rest[k - 1] == '[' && k < n - 1)
                        n = k - 1;
        }
        (void)snprintf(buf, len, "%s: %.*s", kind, (int)n, rest);
}

void
reconcile_memory_free(struct reconcile_memory *m)
{
        free(m->v);
        memset(m, 0, sizeof(*m));
}

static struct reconcile_entry *
entry_get(struct reconcile_memory *m, const char *id)
{
        struct reconcile_entry *nv;
        size_t i;

        for (i = 0; i < m->n; i++)
                if (strcmp(m->v[i].id, id) == 0)
                        return &m->v[i];
        nv = array_grow(m->v, &m->cap, m->n, sizeof(*nv));
        if (nv == NULL)
                return NULL;
        m->v = nv;
        memset(&m->v[m->n], 0, sizeof(m->v[0]));
        (void)snprintf(m->v[m->n].id, sizeof(m->v[0].id), "%s", id);
        return &m->v[m->n++];
}

static int
listed_as_not_ok(const struct volume_set *s, const char *id)
{
        size_t i;

        for (i = 0; i < s->nitems; i++)
                if (s->items[i].status != ITEM_OK && strcmp(s->items[i].id, id) == 0)
                        return 1;
        return 0;
}

static int
list_present(const struct volume_set *s, const char *source)
{
        char want[SOURCE_NAME_MAX + 16], have[SOURCE_NAME_MAX + 16];
        size_t i;

        reconcile_list_key(source, want, sizeof(want));
        for (i = 0; i < s->nlists; i++) {
                reconcile_list_key(s->lists[i], have, sizeof(have));
                if (strcmp(want, have) == 0)
                        return 1;
        }
        return 0;
}

static int
step_add(struct reconcile_plan *p, enum reconcile_kind kind, const char *id, size_t w, size_t a)
{
        struct reconcile_step *nv = realloc(p->v, (p->n + 1) * sizeof(*nv));

        if (nv == NULL)
                return -VA_E_NOMEM;
        p->v = nv;
        p->v[p->n].kind = kind;
        p->v[p->n].id = id;
        p->v[p->n].wanted = w;
        p->v[p->n].attached = a;
        p->n++;
        return 0;
}

/* Forgets volumes that are neither wanted nor attached any more. */
static void
memory_prune(struct reconcile_memory *m, const struct volume_set *wanted,
             const struct reconcile_attached *att, size_t natt)
{
        size_t i, k = 0, j;

        for (i = 0; i < m->n; i++) {
                int keep = 0;

                for (j = 0; !keep && j < wanted->n; j++)
                        keep = strcmp(wanted->v[j].id, m->v[i].id) == 0;
                for (j = 0; !keep && j < natt; j++)
                        keep = strcmp(att[j].id, m->v[i].id) == 0;
                if (keep)
                        m->v[k++] = m->v[i];
        }
        m->n = k;
}

int
reconcile_plan_make(const struct volume_set *wanted, enum reconcile_answer answer,
                    const struct reconcile_attached *att, size_t natt, struct reconcile_memory *mem,
                    struct reconcile_plan *ret)
{
        size_t i, j;
        int r = 0, full = mem->answered == 0;

        memset(ret, 0, sizeof(*ret));
        for (i = 0; r == 0 && answer != RECONCILE_ANSWER_NONE && i < wanted->n; i++) {
                const char *id = wanted->v[i].id;
                struct reconcile_entry *e = entry_get(mem, id);
                size_t a = SIZE_MAX;

                if (e == NULL)
                        return -VA_E_NOMEM;
                e->absent = 0;
                e->reported_gone = 0;
                for (j = 0; j < natt; j++)
                        if (strcmp(att[j].id, id) == 0)
                                a = j;
                if (a != SIZE_MAX && att[a].healthy && !full) {
                        e->fails = 0;
                        e->skip = 0;
                        r = step_add(ret, RECONCILE_KEEP, id, i, a);
                } else if (e->skip > 0) {
                        e->skip--;
                        r = step_add(ret, RECONCILE_BACKOFF, id, i, a);
                } else {
                        r = step_add(ret, RECONCILE_ATTACH, id, i, a);
                }
        }
        for (j = 0; r == 0 && j < natt; j++) {
                struct reconcile_entry *e;
                int listed = 0;

                for (i = 0; answer != RECONCILE_ANSWER_NONE && i < wanted->n; i++)
                        listed |= strcmp(wanted->v[i].id, att[j].id) == 0;
                if (listed)
                        continue;
                e = entry_get(mem, att[j].id);
                if (e == NULL)
                        return -VA_E_NOMEM;
                /* Only a valid answer whose list is there and leaves the
                 * volume out counts; anything else starts the count again,
                 * so a failure between two answers never adds up to one. */
                if (answer != RECONCILE_ANSWER_VALID || listed_as_not_ok(wanted, att[j].id) ||
                    !list_present(wanted, att[j].source)) {
                        e->absent = 0;
                        r = step_add(ret, RECONCILE_HOLD, att[j].id, SIZE_MAX, j);
                        continue;
                }
                e->absent++;
                r = step_add(
                    ret, e->absent >= RECONCILE_CONFIRM_ROUNDS ? RECONCILE_DETACH : RECONCILE_WAIT,
                    att[j].id, SIZE_MAX, j);
        }
        if (r < 0) {
                reconcile_plan_free(ret);
                return r;
        }
        if (answer != RECONCILE_ANSWER_NONE) {
                memory_prune(mem, wanted, att, natt);
                mem->answered++;
        }
        return 0;
}

void
reconcile_plan_free(struct reconcile_plan *p)
{
        free(p->v);
        memset(p, 0, sizeof(*p));
}

unsigned
reconcile_next_ms(unsigned interval_ms, uint32_t rnd)
{
        unsigned span = interval_ms / 5; /* 20%: from -10% to +10% */

        if (span == 0)
                return interval_ms;
        return interval_ms - span / 2 + rnd % (span + 1);
}

/* The volume as the OS has it now: each path's device found again behind
 * its live session (never trusted from the state file: a kernel name like
 * sdb is given to the next disk once this one is gone). A path without a
 * session or device is emptied, so that detach leaves it alone. 1 when
 * every path has both. */
static int
refresh(const struct initiator_ops *ops, struct initiator *ini, const struct initiator_session *ses,
        size_t nses, struct attached_volume *av)
{
        size_t k, j, present = 0;
        int first = -1;

        for (k = 0; k < av->npaths; k++) {
                struct attached_path *ap = &av->paths[k];
                struct initiator_device dev;
                int found = 0;

                for (j = 0; !found && j < nses; j++) {
                        struct va_err e;

                        if (!portal_equal(&ses[j].portal, &ap->path.portal) ||
                            strcmp(ses[j].iqn, ap->path.iqn) != 0)
                                continue;
                        va_err_clear(&e);
                        memset(&dev, 0, sizeof(dev));
                        found = ops->find_device(ini, &ses[j], ap->path.host_lun, 0, &dev, &e) == 0;
                }
                if (found) {
                        ap->device = dev;
                        present++;
                        if (first < 0)
                                first = (int)k;
                } else {
                        memset(&ap->device, 0, sizeof(ap->device));
                }
        }
        if (av->device.kind != INITIATOR_DEVICE_MULTIPATH) {
                if (first >= 0)
                        av->device = av->paths[first].device;
                else
                        memset(&av->device, 0, sizeof(av->device));
        } else if (present == 0) {
                /* the map went with its paths */
                memset(&av->device, 0, sizeof(av->device));
        }
        return av->npaths > 0 && present == av->npaths;
}

/* Detaches the volume at a, unless its device is in use: device_in_use is
 * asked first (the same check detach makes, with its wait for udev) for
 * the reason to report, and detach asks again, so a user who comes in
 * between still stops it. */
const char *
reconcile_vstatus_name(enum reconcile_vstatus s)
{
        static const char *const names[RECONCILE_V_COUNT] = {
                "kept",     "attached", "degraded",      "failed",  "backoff",
                "detached", "in_use",   "detach_failed", "waiting", "held",
        };

        return (unsigned)s < RECONCILE_V_COUNT ? names[s] : "held";
}

void
reconcile_outcome_free(struct reconcile_outcome *o)
{
        free(o->v);
        o->v = NULL;
        o->nv = o->capv = 0;
}

/* Notes a volume's part; an allocation failure only loses the note. */
static void
outcome_note(struct reconcile_outcome *o, const char *id, enum reconcile_vstatus st,
             const struct initiator_device *dev, const char *error)
{
        struct reconcile_volume *nv, *v;

        nv = array_grow(o->v, &o->capv, o->nv, sizeof(*nv));
        if (nv == NULL)
                return;
        o->v = nv;
        v = &o->v[o->nv++];
        memset(v, 0, sizeof(*v));
        (void)snprintf(v->id, sizeof(v->id), "%s", id);
        v->status = st;
        if (dev != NULL) {
                v->have_device = 1;
                v->device = *dev;
        }
        if (error != NULL)
                (void)snprintf(v->error, sizeof(v->error), "%s", error);
}

static void
detach_one(const struct initiator_ops *ops, struct initiator *ini,
           const struct reconcile_store *store, struct attached_volume *av, size_t nav, size_t a,
           int *gone, struct reconcile_outcome *out)
{
        struct attached_volume *others = calloc(nav ? nav : 1, sizeof(*others));
        struct va_err e;
        char why[256] = "";
        size_t i, n = 0;
        int r;

        va_err_clear(&e);
        r = av[a].device.path[0] ? ops->device_in_use(ini, &av[a].device, why, sizeof(why), &e) : 0;
        if (r == 0 && others != NULL) {
                /* a shallow view: the paths stay owned by av[] */
                for (i = 0; i < nav; i++)
                        if (i != a && !gone[i])
                                others[n++] = av[i];
                r = detach_volume_among(ops, ini, &av[a], others, n, 0, &e);
        } else if (others == NULL) {
                r = va_err_set(&e, VA_E_NOMEM, "out of memory");
        }
        free(others);
        if (r == 1 || r == -VA_E_BUSY) {
                out->in_use++;
                outcome_note(out, av[a].id, RECONCILE_V_IN_USE, &av[a].device,
                             why[0] ? why : e.msg);
                va_log_event(VA_EVENT_VOLUME_KEPT, VA_LOG_NOTICE,
                             "volume %s: gone from the metadata, but %s is still in use (%s): not "
                             "detached; tried again next round",
                             av[a].id, av[a].device.path, why[0] ? why : e.msg);
                return;
        }
        if (r < 0) {
                out->detach_failed++;
                outcome_note(out, av[a].id, RECONCILE_V_DETACH_FAILED, &av[a].device, e.msg);
                va_log_event(VA_EVENT_VOLUME_FAILED, VA_LOG_WARNING,
                             "volume %s: gone from the metadata; detach failed, tried again next "
                             "round: %s",
                             av[a].id, e.msg);
                return;
        }
        gone[a] = 1;
        out->detached++;
        outcome_note(out, av[a].id, RECONCILE_V_DETACHED, NULL, NULL);
        out->changed = 1;
        va_err_clear(&e);
        if (store->remove(store->ctx, av[a].id, &e) < 0)
                va_log(VA_LOG_WARNING, "volume %s: detached, but %s", av[a].id, e.msg);
        va_log_event(VA_EVENT_VOLUME_DETACHED, VA_LOG_NOTICE,
                     "volume %s detached: gone from the metadata (%s)", av[a].id, av[a].source);
}

static void
attach_some(const struct initiator_ops *ops, struct initiator *ini,
            const struct reconcile_store *store, const struct volume_set *wanted,
            const struct reconcile_plan *plan, const struct reconcile_attached *att,
            const struct attach_options *o, struct reconcile_memory *mem,
            struct reconcile_outcome *out)
{
        struct volume_set sub;
        struct attach_report rep;
        int *was = NULL; /* per sub volume: attached and healthy before */
        size_t i, k = 0;

        memset(&sub, 0, sizeof(sub));
        for (i = 0; i < plan->n; i++)
                k += plan->v[i].kind == RECONCILE_ATTACH;
        if (k == 0)
                return;
        /* a view on the wanted volumes: attach_run reads v, n and the
         * initiator name; the volumes stay owned by wanted */
        sub.v = calloc(k, sizeof(*sub.v));
        was = calloc(k, sizeof(*was));
        if (sub.v == NULL || was == NULL) {
                va_log(VA_LOG_ERR, "attach: out of memory");
                out->failed += k;
                free(sub.v);
                free(was);
                return;
        }
        for (i = 0; i < plan->n; i++) {
                const struct reconcile_step *s = &plan->v[i];

                if (s->kind != RECONCILE_ATTACH)
                        continue;
                was[sub.n] = s->attached != SIZE_MAX && att[s->attached].healthy;
                sub.v[sub.n++] = wanted->v[s->wanted];
        }
        memcpy(sub.initiator, wanted->initiator, sizeof(sub.initiator));
        memcpy(sub.initiator_from, wanted->initiator_from, sizeof(sub.initiator_from));
        if (attach_run(ops, ini, &sub, o, &rep) < 0) {
                va_log(VA_LOG_ERR, "attach: out of memory");
                out->failed += k;
                free(sub.v);
                free(was);
                return;
        }
        if (rep.host_failed)
                va_log(VA_LOG_ERR, "%s", rep.host_err.msg);
        for (i = 0; i < rep.n; i++) {
                const struct attach_result *res = &rep.v[i];
                struct reconcile_entry *e = entry_get(mem, res->vol->id);
                struct va_err err;

                if (res->status == ATTACH_FAILED) {
                        out->failed++;
                        outcome_note(out, res->vol->id, RECONCILE_V_FAILED, NULL, res->err.msg);
                        if (e != NULL) {
                                e->fails++;
                                e->skip = e->fails > 5 ? RECONCILE_BACKOFF_MAX_ROUNDS
                                                       : 1u << (e->fails - 1);
                                if (e->skip > RECONCILE_BACKOFF_MAX_ROUNDS)
                                        e->skip = RECONCILE_BACKOFF_MAX_ROUNDS;
                        }
                        va_log_event(VA_EVENT_VOLUME_FAILED, VA_LOG_ERR,
                                     "volume %s: attach failed (next try in %u round(s)): %s",
                                     res->vol->id, e != NULL ? e->skip + 1 : 1, res->err.msg);
                        continue;
                }
                if (e != NULL) {
                        e->fails = 0;
                        e->skip = 0;
                }
                if (res->status == ATTACH_DEGRADED)
                        va_log(VA_LOG_WARNING, "volume %s: %s", res->vol->id, res->err.msg);
                outcome_note(out, res->vol->id,
                             was[i]                           ? RECONCILE_V_KEPT
                             : res->status == ATTACH_DEGRADED ? RECONCILE_V_DEGRADED
                                                              : RECONCILE_V_ATTACHED,
                             &res->device, res->status == ATTACH_DEGRADED ? res->err.msg : NULL);
                if (was[i]) {
                        /* the first round's check of a volume that was fine */
                        out->kept++;
                        va_log(VA_LOG_INFO, "volume %s still attached: %s", res->vol->id,
                               res->device.path);
                } else {
                        out->changed = 1;
                        if (res->status == ATTACH_DEGRADED)
                                out->degraded++;
                        else
                                out->attached++;
                        va_log_event(VA_EVENT_VOLUME_ATTACHED, VA_LOG_NOTICE,
                                     "volume %s attached: %s (%s)", res->vol->id, res->device.path,
                                     res->vol->source);
                }
                va_err_clear(&err);
                if (store->save(store->ctx, res, &err) < 0)
                        va_log(VA_LOG_WARNING,
                               "volume %s: attached, but its state file could not be written "
                               "(it is attached again next round): %s",
                               res->vol->id, err.msg);
        }
        attach_report_free(&rep);
        free(sub.v);
        free(was);
}

static const struct initiator_device *
note_dev(const struct attached_volume *av, const struct reconcile_step *s)
{
        return s->attached != SIZE_MAX && av[s->attached].device.path[0] ? &av[s->attached].device
                                                                         : NULL;
}

int
reconcile_round(const struct initiator_ops *ops, struct initiator *ini,
                const struct reconcile_store *store, const struct volume_set *wanted,
                enum reconcile_answer answer, const struct attach_options *o,
                struct reconcile_memory *mem, struct reconcile_outcome *ret, struct va_err *err)
{
        struct attached_volume *av = NULL;
        struct initiator_session *ses = NULL;
        struct reconcile_attached *att = NULL;
        struct reconcile_plan plan;
        size_t nav = 0, nses = 0, i;
        int *gone = NULL, r;

        /* ret is the last round's, or zeroed by the caller */
        reconcile_outcome_free(ret);
        memset(ret, 0, sizeof(*ret));
        memset(&plan, 0, sizeof(plan));
        ret->answer = answer;
        ret->wanted = answer == RECONCILE_ANSWER_NONE ? 0 : wanted->n;
        r = store->load(store->ctx, &av, &nav, err);
        if (r < 0)
                return r;
        r = ops->list_sessions(ini, &ses, &nses, err);
        if (r < 0) {
                /* the initiator service is not running (Windows: MSiSCSI
                 * on manual start at boot): attach would start it, so the
                 * round does too, then looks again */
                va_err_clear(err);
                r = ops->ensure_service(ini, err);
                if (r == 0)
                        r = ops->list_sessions(ini, &ses, &nses, err);
                if (r < 0)
                        goto out;
        }
        att = calloc(nav ? nav : 1, sizeof(*att));
        gone = calloc(nav ? nav : 1, sizeof(*gone));
        if (att == NULL || gone == NULL) {
                r = va_err_set(err, VA_E_NOMEM, "out of memory");
                goto out;
        }
        for (i = 0; i < nav; i++) {
                att[i].id = av[i].id;
                att[i].source = av[i].source;
                att[i].healthy = refresh(ops, ini, ses, nses, &av[i]);
        }
        r = reconcile_plan_make(wanted, answer, att, nav, mem, &plan);
        if (r < 0) {
                r = va_err_set(err, -r, "out of memory");
                goto out;
        }
        /* detaches first: a target shared with a new volume is then logged
         * in again by its attach rather than kept for a LUN it never had */
        for (i = 0; i < plan.n; i++) {
                const struct reconcile_step *s = &plan.v[i];
                struct reconcile_entry *e;

                switch (s->kind) {
                case RECONCILE_DETACH:
                        detach_one(ops, ini, store, av, nav, s->attached, gone, ret);
                        break;
                case RECONCILE_WAIT:
                        ret->waiting++;
                        outcome_note(ret, s->id, RECONCILE_V_WAITING, note_dev(av, s), NULL);
                        e = entry_get(mem, s->id);
                        if (e != NULL && !e->reported_gone) {
                                e->reported_gone = 1;
                                va_log(VA_LOG_NOTICE,
                                       "volume %s: gone from the metadata; detached if the next "
                                       "answer leaves it out too and its device is unused",
                                       s->id);
                        }
                        break;
                case RECONCILE_HOLD:
                        ret->held++;
                        outcome_note(ret, s->id, RECONCILE_V_HELD, note_dev(av, s), NULL);
                        break;
                case RECONCILE_KEEP:
                        ret->kept++;
                        outcome_note(ret, s->id, RECONCILE_V_KEPT, note_dev(av, s), NULL);
                        break;
                case RECONCILE_BACKOFF:
                        ret->backoff++;
                        outcome_note(ret, s->id, RECONCILE_V_BACKOFF, note_dev(av, s), NULL);
                        break;
                case RECONCILE_ATTACH:
                        if (s->attached != SIZE_MAX && !att[s->attached].healthy)
                                va_log(VA_LOG_NOTICE,
                                       "volume %s: a path or its device is missing: attaching "
                                       "again",
                                       s->id);
                        break;
                }
        }
        attach_some(ops, ini, store, wanted, &plan, att, o, mem, ret);
        r = 0;
out:
        reconcile_plan_free(&plan);
        free(gone);
        free(att);
        free(ses);
        attached_volumes_free(av, nav);
        return r;
}
