/* SPDX-License-Identifier: Apache-2.0 */
/* The attach engine. Work is a queue of jobs (a volume, or one path of a
 * multipath volume) run by a small pool of threads; a per-target lock makes
 * two volumes behind one target share one login instead of racing. Which
 * way each volume goes is strategy_decide's; every pause and clock reading
 * goes through the options' clock_ops. */
#include "core/attach.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "core/batch.h"
#include "base/log.h"
#include "platform/platform.h"

enum job_kind {
        JOB_VOLUME = 0,
        JOB_PATH,
};

struct job {
        enum job_kind kind;
        size_t vi, pi;
};

struct target_lock {
        char key[PORTAL_TEXT_MAX + ISCSI_NAME_MAX + 2];
        struct plat_mutex *m;
};

struct engine {
        const struct initiator_ops *ops;
        struct initiator *ini;
        const struct volume_set *set;
        const struct attach_options *o;
        const struct clock_ops *clock;
        struct attach_report *rep;
        const char *initiator_name;

        struct plat_mutex *mu;     /* guards everything below */
        struct plat_cond *changed; /* a job queued, or a volume decided or finished */
        struct job *queue;
        size_t qhead, qlen, qcap;
        size_t active;   /* volumes not yet finished */
        size_t deciding; /* volume jobs that may still queue path jobs */
        int *decided;    /* per volume: counted out of deciding */
        size_t *pending; /* per volume: path jobs still running */
        uint64_t *started;
        struct target_lock *locks;
        size_t nlocks, caplocks;
        int nomem;
        struct login_batch *batch; /* NULL: every path logs in alone */
        struct initiator_login *batch_logins;
};

unsigned
attach_backoff_ms(unsigned retry, uint32_t rnd)
{
        unsigned d = 250;

        for (; retry > 0 && d < 5000; retry--)
                d *= 2;
        if (d > 5000)
                d = 5000;
        return d / 2 + rnd % (d / 2 + 1);
}

/* How many attempts a login can still make once it has paused pause_ms
 * before the next, with left_ms of its deadline left: each further pause is
 * at least half its backoff step and the last attempt comes at the
 * deadline itself (login_with_retries), so this bounds the count from
 * above; the time the logins themselves take only lowers it. */
unsigned
attach_attempts_left(unsigned retry, unsigned pause_ms, uint64_t left_ms)
{
        uint64_t t = pause_ms;
        unsigned n = 1;

        while (t < left_ms && n < 100000) {
                t += attach_backoff_ms(retry++, 0);
                n++;
        }
        return n;
}

int
attach_login_retryable(int rc)
{
        return rc == -VA_E_NET || rc == -VA_E_TIMEOUT || rc == -VA_E_BUSY || rc == -VA_E_INITIATOR;
}

static const char *
hint_for(int rc)
{
        switch (-rc) {
        case VA_E_NET:
        case VA_E_TIMEOUT:
                return "check the storage network: is the portal reachable from this host "
                       "(address, route, VLAN, firewall on TCP port), and is the target "
                       "enabled on the array?";
        case VA_E_AUTH:
                return "check this volume's CHAP user and secret, and that the target's ACL "
                       "allows this host's initiator name";
        case VA_E_NOTFOUND:
                return "the target does not offer this name or LUN: check target_iqn and "
                       "target_lun against the array's export";
        case VA_E_ENV:
        case VA_E_PERM:
                return "check that the initiator is installed and that volattach runs with "
                       "administrator rights";
        default:
                return "";
        }
}

/* Queue and lock helpers; callers hold e->mu. */
static int
enqueue_locked(struct engine *e, enum job_kind kind, size_t vi, size_t pi)
{
        struct job *nq = array_grow(e->queue, &e->qcap, e->qlen, sizeof(*nq));

        if (nq == NULL) {
                e->nomem = 1;
                plat_cond_broadcast(e->changed);
                return -VA_E_NOMEM;
        }
        e->queue = nq;
        e->queue[e->qlen].kind = kind;
        e->queue[e->qlen].vi = vi;
        e->queue[e->qlen].pi = pi;
        e->qlen++;
        plat_cond_signal(e->changed);
        return 0;
}

static struct plat_mutex *
target_lock(struct engine *e, const struct target_path *p)
{
        char key[sizeof(e->locks[0].key)], portal[PORTAL_TEXT_MAX];
        struct plat_mutex *m = NULL;
        size_t i;

        (void)portal_format(&p->portal, portal, sizeof(portal));
        (void)snprintf(key, sizeof(key), "%s %s", portal, p->iqn);
        plat_mutex_lock(e->mu);
        for (i = 0; i < e->nlocks; i++) {
                if (strcmp(e->locks[i].key, key) == 0) {
                        m = e->locks[i].m;
                        break;
                }
        }
        if (m == NULL) {
                struct target_lock *nl = array_grow(e->locks, &e->caplocks, e->nlocks, sizeof(*nl));

                if (nl != NULL)
                        e->locks = nl;
                if (e->nlocks < e->caplocks) {
                        m = plat_mutex_new();
                        if (m != NULL) {
                                memcpy(e->locks[e->nlocks].key, key, sizeof(key));
                                e->locks[e->nlocks].m = m;
                                e->nlocks++;
                        }
                }
        }
        plat_mutex_unlock(e->mu);
        return m;
}

/* added: the batch recorded the target already; deadline: when to stop
 * retrying (counted from before any wait for the batch, so a path the
 * batch missed still ends within --deadline plus one attempt) */
static int
login_with_retries(struct engine *e, const struct volume *v, struct attach_path *ap,
                   const struct initiator_login *l, int added, uint64_t deadline)
{
        unsigned retry = 0;
        uint64_t said = 0; /* when the last notice went out; 0: none yet */
        int r;

        for (;;) {
                struct va_err err;

                va_err_clear(&err);
                ap->attempts++;
                /* Recording the target is part of the attempt: on Windows it
                 * contacts the portal (SendTargets), so it fails like a login
                 * while the target is down, and is retried like one. */
                r = added ? 0 : e->ops->add_target(e->ini, l, &err);
                if (r == 0) {
                        added = 1;
                        r = e->ops->login(e->ini, l, &ap->session, &err);
                }
                if (r == 0)
                        return 0;
                va_err_clear(&ap->err);
                ap->err = err;
                if (!attach_login_retryable(r))
                        return r;
                {
                        const struct clock_ops *c = e->clock;
                        unsigned pause = attach_backoff_ms(retry++, c->jitter(c->ctx));
                        uint64_t now = c->now_ms(c->ctx);

                        /* the last attempt comes at the deadline, not a
                         * backoff step before it: "keep trying for S s" */
                        if (now >= deadline)
                                return r;
                        if (now + pause > deadline)
                                pause = (unsigned)(deadline - now);
                        /* The journal shows notice by default: a dead portal
                         * must not be a minute of silence there, nor one
                         * line per backoff step for each of many volumes. */
                        {
                                uint64_t left = deadline - now;
                                unsigned most =
                                    ap->attempts + attach_attempts_left(retry, pause, left);
                                int level = said == 0 || now - said >= ATTACH_PROGRESS_MS
                                                ? VA_LOG_NOTICE
                                                : VA_LOG_INFO;

                                if (level == VA_LOG_NOTICE)
                                        said = now ? now : 1;
                                va_log_event(
                                    VA_EVENT_LOGIN_RETRY, level,
                                    "volume %s: login to %s failed (%s), attempt %u of at most "
                                    "%u; next try in %u.%u s, %u.%u s of the %u.%u s deadline "
                                    "left",
                                    v->id, l->path->iqn, err.msg, ap->attempts, most, pause / 1000,
                                    pause % 1000 / 100, (unsigned)(left / 1000),
                                    (unsigned)(left % 1000 / 100), e->o->login_deadline_ms / 1000,
                                    e->o->login_deadline_ms % 1000 / 100);
                        }
                        c->sleep_ms(c->ctx, pause);
                }
        }
}

/* A poll with a bounded backoff: the device's arrival is an event only the
 * backend could see (udev, PnP), and the seam has no way to wait for it. */
static int
wait_device(struct engine *e, struct attach_path *ap)
{
        const struct clock_ops *c = e->clock;
        uint64_t start = c->now_ms(c->ctx), last_scan = start;
        uint64_t deadline = start + e->o->device_timeout_ms;
        unsigned pause = 10;
        int scan = 1, r;

        for (;;) {
                struct va_err err;

                va_err_clear(&err);
                r = e->ops->find_device(e->ini, &ap->session, ap->path.host_lun, scan, &ap->device,
                                        &err);
                if (r == 0)
                        return 0;
                if (r != -VA_E_NOTFOUND) {
                        ap->err = err;
                        return r;
                }
                scan = 0;
                if (c->now_ms(c->ctx) >= deadline) {
                        char portal[PORTAL_TEXT_MAX];

                        (void)portal_format(&ap->path.portal, portal, sizeof(portal));
                        va_err_clear(&ap->err);
                        return va_err_set(&ap->err, VA_E_TIMEOUT,
                                          "logged in to %s through %s, but LUN %u gave no block "
                                          "device within %u ms",
                                          ap->path.iqn, portal, ap->path.host_lun,
                                          e->o->device_timeout_ms);
                }
                /* capped low: every ms of overshoot is boot time, and
                 * the disk usually comes within a few hundred ms */
                c->sleep_ms(c->ctx, pause);
                if (pause < 40)
                        pause *= 2;
                /* A LUN that was mapped after login only shows up on a new
                 * scan: ask again every 2 s. */
                if (c->now_ms(c->ctx) - last_scan >= 2000) {
                        scan = 1;
                        last_scan = c->now_ms(c->ctx);
                }
        }
}

/* What a login of path p of volume v needs (run_path, the batch). */
static void
login_for(const struct engine *e, const struct volume *v, const struct target_path *p,
          int multipath, struct initiator_login *l)
{
        memset(l, 0, sizeof(*l));
        l->path = p;
        l->auth = &v->auth;
        l->discovery = &v->discovery;
        l->initiator_name = e->initiator_name;
        l->multipath = multipath;
        l->timeout_ms = e->o->login_attempt_ms;
}

/* Logs one path in and waits for its device. */
static int
run_path(struct engine *e, size_t vi, size_t pi)
{
        const struct volume *v = &e->set->v[vi];
        struct attach_result *res = &e->rep->v[vi];
        struct attach_path *ap = &res->paths[pi];
        struct initiator_login l;
        struct plat_mutex *lock;
        char portal[PORTAL_TEXT_MAX];
        uint64_t deadline;
        int r, batched;

        login_for(e, v, &ap->path, res->npaths > 1 && res->strategy.kind != STRATEGY_SINGLE, &l);
        (void)portal_format(&ap->path.portal, portal, sizeof(portal));

        /* a path in the batch waits for it; one it missed logs in alone */
        deadline = e->clock->now_ms(e->clock->ctx) + e->o->login_deadline_ms;
        batched = batch_wait(e->batch, &ap->path);
        lock = target_lock(e, &ap->path);
        if (lock == NULL) {
                va_err_set(&ap->err, VA_E_NOMEM, "out of memory");
                return -VA_E_NOMEM;
        }
        plat_mutex_lock(lock);
        va_err_clear(&ap->err);
        r = login_with_retries(e, v, ap, &l, batched, deadline);
        if (r == 0 && batched)
                ap->session.reused = 0; /* this run's batch logged it in */
        if (r < 0 && ap->session.handle[0] == '\0') {
                /* No session came of it: forget the target again, so a
                 * failed attach leaves no record behind, whole or partial
                 * (a rerun writes it afresh).  A session that exists but is
                 * down keeps its record: iscsid is recovering it. */
                struct va_err rerr;

                va_err_clear(&rerr);
                if (e->ops->remove_target(e->ini, &ap->path, &rerr) < 0)
                        va_log(VA_LOG_INFO, "volume %s: could not remove the record of %s: %s",
                               v->id, ap->path.iqn, rerr.msg);
        }
        plat_mutex_unlock(lock);
        if (r < 0) {
                va_err_prefix(&ap->err, "%s through %s", ap->path.iqn, portal);
                return r;
        }
        va_log(VA_LOG_INFO, "volume %s: %s session %s to %s through %s", v->id,
               ap->session.reused ? "reusing" : "logged in,", ap->session.handle, ap->path.iqn,
               portal);
        r = wait_device(e, ap);
        if (r < 0)
                return r;
        ap->ok = 1;
        va_log(VA_LOG_INFO, "volume %s: LUN %u through %s is %s", v->id, ap->path.lun, portal,
               ap->device.path);
        return 0;
}

static void
finish_volume(struct engine *e, size_t vi)
{
        const struct volume *v = &e->set->v[vi];
        struct attach_result *res = &e->rep->v[vi];
        size_t i, nok = 0, first_ok = SIZE_MAX;
        int multi = res->strategy.kind != STRATEGY_SINGLE && res->npaths > 1;

        for (i = 0; i < res->npaths; i++) {
                if (res->paths[i].ok) {
                        nok++;
                        if (first_ok == SIZE_MAX)
                                first_ok = i;
                }
        }
        if (res->status == ATTACH_FAILED)
                goto done; /* failed before any path ran */
        if (nok == 0) {
                int code = VA_E_INITIATOR;

                res->status = ATTACH_FAILED;
                for (i = 0; i < res->npaths; i++) {
                        if (res->paths[i].err.code != 0) {
                                res->err = res->paths[i].err;
                                code = res->paths[i].err.code;
                                break;
                        }
                }
                if (res->err.code == 0)
                        va_err_set(&res->err, code, "no path could be attached");
                (void)snprintf(res->hint, sizeof(res->hint), "%s", hint_for(-code));
                goto done;
        }
        res->device = res->paths[first_ok].device;
        res->status = ATTACH_OK;
        if (multi) {
                struct initiator_device *devs = calloc(nok, sizeof(*devs));
                struct va_err err;
                size_t k = 0;

                va_err_clear(&err);
                if (devs == NULL) {
                        res->status = ATTACH_FAILED;
                        va_err_set(&res->err, VA_E_NOMEM, "out of memory");
                        goto done;
                }
                for (i = 0; i < res->npaths; i++)
                        if (res->paths[i].ok)
                                devs[k++] = res->paths[i].device;
                if (e->ops->multipath_assemble(e->ini, devs, nok, &res->device, &err) < 0) {
                        res->device = res->paths[first_ok].device;
                        res->err = err;
                        if (res->strategy.enforced) {
                                res->status = ATTACH_FAILED;
                                va_err_prefix(&res->err, "multipath is enforced");
                        } else {
                                res->status = ATTACH_DEGRADED;
                                va_err_prefix(&res->err,
                                              "no multipath device; using the single path %s",
                                              res->device.path);
                        }
                }
                free(devs);
                if (res->status == ATTACH_OK && nok < res->npaths) {
                        res->status = ATTACH_DEGRADED;
                        for (i = 0; i < res->npaths; i++)
                                if (!res->paths[i].ok && res->paths[i].err.code != 0) {
                                        res->err = res->paths[i].err;
                                        break;
                                }
                        va_err_prefix(&res->err, "%zu of %zu paths up", nok, res->npaths);
                }
        }
        if (res->status == ATTACH_OK && res->strategy.why[0] != '\0') {
                res->status = ATTACH_DEGRADED;
                va_err_clear(&res->err);
                va_err_set(&res->err, VA_E_UNSUPPORTED, "%s", res->strategy.why);
        }
        if (res->status != ATTACH_FAILED && e->ops->device_online != NULL) {
                struct va_err err;

                va_err_clear(&err);
                if (e->ops->device_online(e->ini, &res->device, v->read_only, &err) < 0) {
                        /* logged in, but no application can use the disk */
                        res->status = ATTACH_FAILED;
                        res->err = err;
                        (void)snprintf(res->hint, sizeof(res->hint), "%s",
                                       err.code == VA_E_PERM
                                           ? hint_for(-VA_E_PERM)
                                           : "the disk stays offline: the SAN policy "
                                             "(OfflineShared, the Windows Server default) "
                                             "leaves iSCSI disks offline and read-only; see "
                                             "Disk Management for why it refuses to come "
                                             "online (a signature collision, a policy)");
                }
        }
        if (res->status != ATTACH_FAILED && v->read_only) {
                struct va_err err;

                va_err_clear(&err);
                if (e->ops->set_readonly(e->ini, &res->device, &err) < 0) {
                        /* the volume must not be written: report it failed */
                        res->status = ATTACH_FAILED;
                        res->err = err;
                        va_err_prefix(&res->err, "access_mode is ro but the device could not "
                                                 "be made read-only");
                } else {
                        res->device.read_only = 1;
                }
        }
        if (res->status != ATTACH_FAILED && e->ops->device_tag != NULL) {
                struct va_err err;

                va_err_clear(&err);
                /* the volume is usable without its stable name: say so, and
                 * go on */
                if (e->ops->device_tag(e->ini, v->id, &res->device, &err) < 0)
                        va_log(VA_LOG_WARNING, "volume %s: %s", v->id, err.msg);
        }
done:
        res->elapsed_ms = e->clock->now_ms(e->clock->ctx) - e->started[vi];
        plat_mutex_lock(e->mu);
        e->active--;
        plat_cond_broadcast(e->changed);
        plat_mutex_unlock(e->mu);
}

static void
fail_volume(struct attach_result *res, int code, const char *msg)
{
        res->status = ATTACH_FAILED;
        va_err_clear(&res->err);
        va_err_set(&res->err, code, "%s", msg);
        (void)snprintf(res->hint, sizeof(res->hint), "%s", hint_for(-code));
}

/* SendTargets on the volume's portal; keep only the portals that offer the
 * volume's own target, never the other targets it lists. */
static int
discover_paths(struct engine *e, size_t vi)
{
        const struct volume *v = &e->set->v[vi];
        struct attach_result *res = &e->rep->v[vi];
        struct initiator_target *t = NULL;
        struct attach_path *np;
        struct va_err err;
        size_t n = 0, i, k = 0;
        int r;

        va_err_clear(&err);
        r = e->ops->discover(e->ini, &v->paths[0].portal, &v->discovery, &t, &n, &err);
        if (r < 0) {
                res->status = ATTACH_FAILED;
                res->err = err;
                va_err_prefix(&res->err, "SendTargets discovery");
                (void)snprintf(res->hint, sizeof(res->hint), "%s", hint_for(r));
                return r;
        }
        np = calloc(n ? n : 1, sizeof(*np));
        if (np == NULL) {
                free(t);
                fail_volume(res, VA_E_NOMEM, "out of memory");
                return -VA_E_NOMEM;
        }
        for (i = 0; i < n; i++) {
                size_t j;
                int dup = 0;

                if (strcmp(t[i].iqn, v->paths[0].iqn) != 0)
                        continue;
                for (j = 0; j < k; j++)
                        if (portal_equal(&np[j].path.portal, &t[i].portal))
                                dup = 1;
                if (dup)
                        continue;
                np[k].path = v->paths[0];
                np[k].path.portal = t[i].portal;
                k++;
        }
        free(t);
        if (k == 0) {
                char portal[PORTAL_TEXT_MAX];

                free(np);
                (void)portal_format(&v->paths[0].portal, portal, sizeof(portal));
                res->status = ATTACH_FAILED;
                va_err_clear(&res->err);
                va_err_set(&res->err, VA_E_NOTFOUND, "SendTargets on %s does not offer target %s",
                           portal, v->paths[0].iqn);
                (void)snprintf(res->hint, sizeof(res->hint), "%s", hint_for(-VA_E_NOTFOUND));
                return -VA_E_NOTFOUND;
        }
        free(res->paths);
        res->paths = np;
        res->npaths = k;
        va_log(VA_LOG_INFO, "volume %s: SendTargets found %zu portal(s) for %s", v->id, k,
               v->paths[0].iqn);
        return 0;
}

/* The volume has queued its path jobs, or will queue none: an idle worker
 * waits for more work only while some volume has not got this far. */
static void
volume_decided(struct engine *e, size_t vi)
{
        plat_mutex_lock(e->mu);
        if (!e->decided[vi]) {
                e->decided[vi] = 1;
                e->deciding--;
                plat_cond_broadcast(e->changed);
        }
        plat_mutex_unlock(e->mu);
}

static void
run_volume(struct engine *e, size_t vi)
{
        const struct volume *v = &e->set->v[vi];
        struct attach_result *res = &e->rep->v[vi];
        enum strategy_kind kind = res->strategy.kind;
        size_t i;

        e->started[vi] = e->clock->now_ms(e->clock->ctx);
        if (e->rep->host_failed) {
                res->status = ATTACH_FAILED;
                res->err = e->rep->host_err;
                (void)snprintf(res->hint, sizeof(res->hint), "%s", hint_for(-res->err.code));
                finish_volume(e, vi);
                return;
        }
        if (kind == STRATEGY_REFUSED) {
                fail_volume(res, res->strategy.code, res->strategy.why);
                finish_volume(e, vi);
                return;
        }
        if (res->strategy.why[0] != '\0')
                va_log(VA_LOG_WARNING, "volume %s: %s", v->id, res->strategy.why);
        if (kind == STRATEGY_DISCOVER && discover_paths(e, vi) < 0) {
                finish_volume(e, vi);
                return;
        }
        if (kind == STRATEGY_SINGLE) {
                volume_decided(e, vi);
                /* os-brick's single-path rule: the listed paths are
                 * alternatives, tried in order until one gives a device */
                for (i = 0; i < res->npaths; i++) {
                        if (run_path(e, vi, i) == 0)
                                break;
                        if (i + 1 < res->npaths)
                                va_log(VA_LOG_WARNING, "volume %s: %s; trying the next path", v->id,
                                       res->paths[i].err.msg);
                }
                finish_volume(e, vi);
                return;
        }
        plat_mutex_lock(e->mu);
        e->pending[vi] = res->npaths;
        for (i = 0; i < res->npaths; i++)
                (void)enqueue_locked(e, JOB_PATH, vi, i);
        plat_mutex_unlock(e->mu);
        volume_decided(e, vi);
}

static void *
worker(void *arg)
{
        struct engine *e = arg;

        for (;;) {
                struct job j;
                int have = 0;

                plat_mutex_lock(e->mu);
                for (;;) {
                        if (e->qhead < e->qlen) {
                                j = e->queue[e->qhead++];
                                have = 1;
                                break;
                        }
                        /* nothing queued, and nothing more will be: the
                         * jobs still running belong to other workers */
                        if (e->active == 0 || e->deciding == 0 || e->nomem)
                                break;
                        /* a volume job may still queue path jobs (after
                         * SendTargets): sleep until it does or decides */
                        plat_cond_wait(e->changed, e->mu);
                }
                plat_mutex_unlock(e->mu);
                if (!have)
                        break;
                if (j.kind == JOB_VOLUME) {
                        run_volume(e, j.vi);
                        volume_decided(e, j.vi);
                } else {
                        int last;

                        (void)run_path(e, j.vi, j.pi);
                        plat_mutex_lock(e->mu);
                        last = --e->pending[j.vi] == 0;
                        plat_mutex_unlock(e->mu);
                        if (last)
                                finish_volume(e, j.vi);
                }
        }
        return NULL;
}

/* The paths the batch can take: the first path of a single-path volume
 * (the others are alternatives, tried only if it fails) and every path of
 * a multipath volume; not a volume that discovers its paths at run time or
 * whose strategy refuses it. */
static struct login_batch *
start_batch(struct engine *e)
{
        size_t i, k, n = 0, cap = 0;

        for (i = 0; i < e->set->n; i++)
                cap += e->rep->v[i].npaths;
        e->batch_logins = calloc(cap ? cap : 1, sizeof(*e->batch_logins));
        if (e->batch_logins == NULL)
                return NULL;
        for (i = 0; i < e->set->n; i++) {
                const struct volume *v = &e->set->v[i];
                struct attach_result *res = &e->rep->v[i];
                int multi = res->strategy.kind == STRATEGY_MULTIPATH && res->npaths > 1;

                if (res->strategy.kind == STRATEGY_DISCOVER ||
                    res->strategy.kind == STRATEGY_REFUSED)
                        continue;
                for (k = 0; k < (multi ? res->npaths : 1); k++)
                        login_for(e, v, &res->paths[k].path, multi, &e->batch_logins[n++]);
        }
        return batch_start(e->ops, e->ini, e->clock, e->batch_logins, n);
}

static void
host_setup(struct engine *e)
{
        struct attach_report *rep = e->rep;
        char current[ISCSI_NAME_MAX + 1] = "";
        int r;

        r = e->ops->ensure_service(e->ini, &rep->host_err);
        if (r < 0) {
                va_err_prefix(&rep->host_err, "initiator service %s", e->ops->service_name);
                rep->host_failed = 1;
                return;
        }
        r = e->ops->get_name(e->ini, current, sizeof(current), &rep->host_err);
        if (r < 0 && r != -VA_E_NOTFOUND) {
                rep->host_failed = 1;
                return;
        }
        va_err_clear(&rep->host_err);
        (void)snprintf(rep->initiator_before, sizeof(rep->initiator_before), "%s", current);
        if (e->set->initiator[0] != '\0' && strcmp(current, e->set->initiator) != 0) {
                r = e->ops->set_name(e->ini, e->set->initiator, &rep->host_err);
                if (r < 0) {
                        va_err_prefix(&rep->host_err, "cannot set the initiator name to %s",
                                      e->set->initiator);
                        rep->host_failed = 1;
                        return;
                }
                rep->initiator_changed = 1;
                va_log_event(VA_EVENT_HOST, VA_LOG_NOTICE, "initiator name set to %s (was %s)",
                             e->set->initiator, current[0] ? current : "unset");
        }
        e->initiator_name = e->set->initiator[0] ? e->set->initiator : NULL;
}

int
attach_run(const struct initiator_ops *ops, struct initiator *ini, const struct volume_set *set,
           const struct attach_options *o, struct attach_report *ret)
{
        struct engine e;
        struct plat_thread **threads = NULL;
        const struct clock_ops *clock = o->clock ? o->clock : clock_platform();
        size_t i, nthreads = 0, want;
        uint64_t t0 = clock->now_ms(clock->ctx);
        int r = 0, multipath_ready = 0;

        memset(ret, 0, sizeof(*ret));
        memset(&e, 0, sizeof(e));
        e.ops = ops;
        e.ini = ini;
        e.set = set;
        e.o = o;
        e.clock = clock;
        e.rep = ret;
        if (set->n == 0)
                return 0;
        e.mu = plat_mutex_new();
        e.changed = plat_cond_new();
        ret->v = calloc(set->n, sizeof(*ret->v));
        e.pending = calloc(set->n, sizeof(*e.pending));
        e.started = calloc(set->n, sizeof(*e.started));
        e.decided = calloc(set->n, sizeof(*e.decided));
        if (e.mu == NULL || e.changed == NULL || ret->v == NULL || e.pending == NULL ||
            e.started == NULL || e.decided == NULL) {
                r = -VA_E_NOMEM;
                goto out;
        }
        ret->n = set->n;
        for (i = 0; i < set->n; i++) {
                struct attach_result *res = &ret->v[i];
                size_t k;

                res->vol = &set->v[i];
                res->paths = calloc(set->v[i].npaths, sizeof(*res->paths));
                if (res->paths == NULL) {
                        r = -VA_E_NOMEM;
                        goto out;
                }
                res->npaths = set->v[i].npaths;
                for (k = 0; k < res->npaths; k++)
                        res->paths[k].path = set->v[i].paths[k];
        }

        host_setup(&e);
        /* Asking whether multipathd runs may cost a process or a socket
         * (bench/): only when a volume's strategy depends on it. */
        for (i = 0; i < set->n; i++) {
                if (strategy_wants_multipath(&set->v[i])) {
                        multipath_ready = initiator_multipath_ready(ops, ini);
                        break;
                }
        }
        for (i = 0; i < set->n; i++)
                strategy_decide(&set->v[i], ops, multipath_ready, o->enforce_multipath,
                                &ret->v[i].strategy);
        if (!ret->host_failed)
                e.batch = start_batch(&e);
        e.active = set->n;
        e.deciding = set->n;
        for (i = 0; i < set->n; i++)
                if (enqueue_locked(&e, JOB_VOLUME, i, 0) < 0) {
                        r = -VA_E_NOMEM;
                        goto out;
                }

        {
                size_t work = 0;

                /* more threads than paths would only sit idle */
                for (i = 0; i < set->n; i++)
                        work += set->v[i].npaths;
                want = o->jobs ? o->jobs : 1;
                if (want > work)
                        want = work;
        }
        threads = calloc(want, sizeof(*threads));
        if (threads == NULL) {
                r = -VA_E_NOMEM;
                goto out;
        }
        for (i = 0; i < want; i++) {
                if (plat_thread_start(&threads[i], worker, &e) < 0)
                        break;
                nthreads++;
        }
        batch_watch(e.batch);
        if (nthreads == 0)
                (void)worker(&e); /* no threads: do it all here */
        for (i = 0; i < nthreads; i++)
                plat_thread_join(threads[i]);
        if (e.nomem)
                r = -VA_E_NOMEM;
out:
        batch_free(e.batch);
        free(e.batch_logins);
        free(threads);
        for (i = 0; i < e.nlocks; i++)
                plat_mutex_free(e.locks[i].m);
        free(e.locks);
        free(e.queue);
        free(e.pending);
        free(e.started);
        free(e.decided);
        plat_cond_free(e.changed);
        plat_mutex_free(e.mu);
        ret->elapsed_ms = clock->now_ms(clock->ctx) - t0;
        if (r < 0)
                attach_report_free(ret);
        return r;
}

void
attach_report_free(struct attach_report *r)
{
        size_t i;

        if (r == NULL)
                return;
        for (i = 0; i < r->n; i++)
                free(r->v[i].paths);
        free(r->v);
        r->v = NULL;
        r->n = 0;
}
