/* SPDX-License-Identifier: Apache-2.0 */
/* The simulator backend: a whole initiator in memory. Behaviour follows
 * open-iscsi where the two OS initiators agree: logins check CHAP, a second
 * login to the same target and portal reuses the session, devices appear
 * per LUN after a scan, a session still used by another LUN survives. */
#include "backend-sim/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/secret.h"
#include "platform/platform.h"

#define SIM_MAX 128

struct sim_target {
        char iqn[ISCSI_NAME_MAX + 1];
        struct portal portal;
        unsigned nluns;
        char user[CHAP_FIELD_MAX + 1];
        struct va_secret *secret;
        char in_user[CHAP_FIELD_MAX + 1];
        struct va_secret *in_secret;
};

struct sim_session {
        int used;
        unsigned id;
        struct portal portal;
        char iqn[ISCSI_NAME_MAX + 1];
        unsigned scanned[64]; /* LUNs scanned so far */
        size_t nscanned;
};

struct sim_device {
        int used;
        unsigned session;
        unsigned lun;
        char path[32];
        int in_use, read_only, multipath;
};

struct initiator {
        struct plat_mutex *mu;
        char name[ISCSI_NAME_MAX + 1];
        int service_up;
        struct sim_target targets[SIM_MAX];
        size_t ntargets;
        struct sim_session sessions[SIM_MAX];
        struct sim_device devices[SIM_MAX];
        unsigned next_session, next_dev;
        struct {
                struct portal portal;
                char iqn[ISCSI_NAME_MAX + 1];
        } records[SIM_MAX];
        size_t nrecords;
        struct sim_fault faults[16];
        unsigned fault_count[16];
        unsigned late_count[16];
        size_t nfaults;
        char disc_user[CHAP_FIELD_MAX + 1];
        struct va_secret *disc_secret;
        unsigned login_delay_ms;
        size_t login_calls, in_login, max_in_login;
        struct plat_cond *rendezvous; /* logins in flight reached want_in_login */
        size_t want_in_login;
        int multipath;
        int batch_error;      /* sim_set_batch_error */
        size_t batch_calls;   /* login_batch calls that logged in */
        int in_batch;         /* a login_batch is under way */
        size_t adds_in_batch; /* add_target calls while one was */
        struct {
                char path[32];
                char id[VOLUME_ID_LEN + 1];
        } tags[SIM_MAX]; /* device_tag's records; path "" free */
        size_t tag_calls;
        int tag_error; /* sim_set_tag_error */
};

static int
sim_open(struct initiator **ret, struct va_err *err)
{
        struct initiator *s = calloc(1, sizeof(*s));

        if (s == NULL)
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        s->mu = plat_mutex_new();
        s->rendezvous = plat_cond_new();
        if (s->mu == NULL || s->rendezvous == NULL) {
                plat_mutex_free(s->mu);
                plat_cond_free(s->rendezvous);
                free(s);
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        }
        (void)snprintf(s->name, sizeof(s->name), "iqn.2004-10.org.example.sim:host");
        s->next_session = 1;
        s->multipath = 1;
        *ret = s;
        return 0;
}

static void
sim_close(struct initiator *s)
{
        size_t i;

        if (s == NULL)
                return;
        for (i = 0; i < s->ntargets; i++) {
                secret_free(s->targets[i].secret);
                secret_free(s->targets[i].in_secret);
        }
        secret_free(s->disc_secret);
        plat_cond_free(s->rendezvous);
        plat_mutex_free(s->mu);
        free(s);
}

static int
sim_ensure_service(struct initiator *s, struct va_err *err)
{
        (void)err;
        s->service_up = 1;
        return 0;
}

static int
sim_get_name(struct initiator *s, char *buf, size_t len, struct va_err *err)
{
        (void)err;
        (void)snprintf(buf, len, "%s", s->name);
        return 0;
}

static int
sim_set_name(struct initiator *s, const char *name, struct va_err *err)
{
        (void)err;
        plat_mutex_lock(s->mu);
        (void)snprintf(s->name, sizeof(s->name), "%s", name);
        plat_mutex_unlock(s->mu);
        return 0;
}

static struct sim_target *
find_target(struct initiator *s, const struct portal *p, const char *iqn)
{
        size_t i;

        for (i = 0; i < s->ntargets; i++)
                if (strcmp(s->targets[i].iqn, iqn) == 0 && portal_equal(&s->targets[i].portal, p))
                        return &s->targets[i];
        return NULL;
}

static struct sim_fault *
fault_for(struct initiator *s, const char *iqn, size_t *idx)
{
        size_t i;

        for (i = 0; i < s->nfaults; i++) {
                if (s->faults[i].iqn == NULL || strcmp(s->faults[i].iqn, iqn) == 0) {
                        *idx = i;
                        return &s->faults[i];
                }
        }
        return NULL;
}

static int
sim_list_sessions(struct initiator *s, struct initiator_session **ret, size_t *ret_n,
                  struct va_err *err)
{
        struct initiator_session *v = calloc(SIM_MAX, sizeof(*v));
        size_t i, n = 0;

        if (v == NULL)
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        plat_mutex_lock(s->mu);
        for (i = 0; i < SIM_MAX; i++) {
                if (!s->sessions[i].used)
                        continue;
                (void)snprintf(v[n].handle, sizeof(v[n].handle), "%u", s->sessions[i].id);
                v[n].portal = s->sessions[i].portal;
                (void)snprintf(v[n].iqn, sizeof(v[n].iqn), "%s", s->sessions[i].iqn);
                n++;
        }
        plat_mutex_unlock(s->mu);
        *ret = v;
        *ret_n = n;
        return 0;
}

static int
sim_discover(struct initiator *s, const struct portal *p, const struct auth *auth,
             struct initiator_target **ret, size_t *ret_n, struct va_err *err)
{
        struct initiator_target *v;
        size_t i, n = 0;
        int served = 0;

        plat_mutex_lock(s->mu);
        if (s->disc_secret != NULL &&
            (auth->kind == AUTH_NONE || strcmp(auth->out.user, s->disc_user) != 0 ||
             !secret_equal(auth->out.secret, s->disc_secret))) {
                plat_mutex_unlock(s->mu);
                return va_err_set(err, VA_E_AUTH, "discovery authentication failed");
        }
        v = calloc(s->ntargets + 1, sizeof(*v));
        if (v == NULL) {
                plat_mutex_unlock(s->mu);
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        }
        /* SendTargets answers with every target of the network entity,
         * on every portal, not only those of the asked portal. */
        for (i = 0; i < s->ntargets; i++)
                if (portal_equal(&s->targets[i].portal, p))
                        served = 1;
        for (i = 0; served && i < s->ntargets; i++) {
                v[n].portal = s->targets[i].portal;
                (void)snprintf(v[n].iqn, sizeof(v[n].iqn), "%s", s->targets[i].iqn);
                n++;
        }
        plat_mutex_unlock(s->mu);
        if (!served) {
                free(v);
                return va_err_set(err, VA_E_NET, "connection refused");
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

static int
sim_add_record(struct initiator *s, const struct initiator_login *l, struct va_err *err)
{
        size_t i;

        plat_mutex_lock(s->mu);
        if (s->in_batch)
                s->adds_in_batch++;
        for (i = 0; i < s->nrecords; i++) {
                if (portal_equal(&s->records[i].portal, &l->path->portal) &&
                    strcmp(s->records[i].iqn, l->path->iqn) == 0) {
                        plat_mutex_unlock(s->mu);
                        return 0;
                }
        }
        if (s->nrecords == SIM_MAX) {
                plat_mutex_unlock(s->mu);
                return va_err_set(err, VA_E_TOOBIG, "too many records");
        }
        s->records[s->nrecords].portal = l->path->portal;
        (void)snprintf(s->records[s->nrecords].iqn, sizeof(s->records[0].iqn), "%s", l->path->iqn);
        s->nrecords++;
        plat_mutex_unlock(s->mu);
        return 0;
}

static int
check_auth(const struct sim_target *t, const struct auth *a, struct va_err *err)
{
        if (t->secret != NULL) {
                if (a->kind == AUTH_NONE)
                        return va_err_set(err, VA_E_AUTH, "target requires CHAP");
                if (strcmp(a->out.user, t->user) != 0 || !secret_equal(a->out.secret, t->secret))
                        return va_err_set(err, VA_E_AUTH, "authentication failure");
        }
        if (a->kind == AUTH_MUTUAL) {
                if (t->in_secret == NULL)
                        return va_err_set(err, VA_E_AUTH, "target cannot do mutual CHAP");
                if (!secret_equal(a->in.secret, t->in_secret))
                        return va_err_set(err, VA_E_AUTH, "target failed mutual authentication");
        }
        return 0;
}

static int login_locked(struct initiator *s, const struct initiator_login *l,
                        struct initiator_session *ret, struct va_err *err);

static int
sim_login(struct initiator *s, const struct initiator_login *l, struct initiator_session *ret,
          struct va_err *err)
{
        int r;

        plat_mutex_lock(s->mu);
        s->login_calls++;
        s->in_login++;
        if (s->in_login > s->max_in_login)
                s->max_in_login = s->in_login;
        if (s->want_in_login > 0) {
                uint64_t until = plat_monotonic_ms() + 10000;

                plat_cond_broadcast(s->rendezvous);
                while (s->max_in_login < s->want_in_login && plat_monotonic_ms() < until)
                        (void)plat_cond_timedwait(s->rendezvous, s->mu, 1000);
        }
        plat_mutex_unlock(s->mu);
        if (s->login_delay_ms)
                plat_sleep_ms(s->login_delay_ms);
        plat_mutex_lock(s->mu);
        s->in_login--;
        r = login_locked(s, l, ret, err);
        plat_mutex_unlock(s->mu);
        return r;
}

/* As open-iscsi's "iscsiadm -m node -I iface --login": every recorded
 * target at once (one login delay for all), each with its own outcome
 * (faults and CHAP as for login); failures are not reported, the caller
 * looks at the sessions. */
static int
sim_login_batch(struct initiator *s, const struct initiator_login *l, size_t n, struct va_err *err)
{
        size_t i, k;

        if (s->batch_error != 0)
                return va_err_set(err, -s->batch_error, "simulated batch login failure");
        plat_mutex_lock(s->mu);
        s->in_batch = 1;
        plat_mutex_unlock(s->mu);
        if (s->login_delay_ms)
                plat_sleep_ms(s->login_delay_ms);
        plat_mutex_lock(s->mu);
        s->in_batch = 0;
        s->batch_calls++;
        for (i = 0; i < n; i++) {
                struct initiator_session ses;
                struct va_err e;

                for (k = 0; k < s->nrecords; k++)
                        if (portal_equal(&s->records[k].portal, &l[i].path->portal) &&
                            strcmp(s->records[k].iqn, l[i].path->iqn) == 0)
                                break;
                if (k == s->nrecords)
                        continue; /* iscsiadm logs in recorded targets only */
                va_err_clear(&e);
                (void)login_locked(s, &l[i], &ses, &e);
        }
        plat_mutex_unlock(s->mu);
        return 0;
}

static int
login_locked(struct initiator *s, const struct initiator_login *l, struct initiator_session *ret,
             struct va_err *err)
{
        struct sim_target *t;
        struct sim_fault *f;
        size_t i, fi = 0;
        int r = 0;

        memset(ret, 0, sizeof(*ret));
        for (i = 0; i < SIM_MAX; i++) {
                if (s->sessions[i].used && portal_equal(&s->sessions[i].portal, &l->path->portal) &&
                    strcmp(s->sessions[i].iqn, l->path->iqn) == 0) {
                        (void)snprintf(ret->handle, sizeof(ret->handle), "%u", s->sessions[i].id);
                        ret->portal = l->path->portal;
                        (void)snprintf(ret->iqn, sizeof(ret->iqn), "%s", l->path->iqn);
                        ret->reused = 1;
                        goto out;
                }
        }
        f = fault_for(s, l->path->iqn, &fi);
        if (f != NULL && f->login_error != 0 &&
            (f->login_fails == 0 || s->fault_count[fi] < f->login_fails)) {
                s->fault_count[fi]++;
                r = va_err_set(err, -f->login_error, "simulated login failure");
                goto out;
        }
        t = find_target(s, &l->path->portal, l->path->iqn);
        if (t == NULL) {
                r = va_err_set(err, VA_E_NOTFOUND, "target not found on portal");
                goto out;
        }
        r = check_auth(t, l->auth, err);
        if (r < 0)
                goto out;
        for (i = 0; i < SIM_MAX; i++) {
                if (!s->sessions[i].used) {
                        memset(&s->sessions[i], 0, sizeof(s->sessions[i]));
                        s->sessions[i].used = 1;
                        s->sessions[i].id = s->next_session++;
                        s->sessions[i].portal = l->path->portal;
                        (void)snprintf(s->sessions[i].iqn, sizeof(s->sessions[i].iqn), "%s",
                                       l->path->iqn);
                        (void)snprintf(ret->handle, sizeof(ret->handle), "%u", s->sessions[i].id);
                        ret->portal = l->path->portal;
                        (void)snprintf(ret->iqn, sizeof(ret->iqn), "%s", l->path->iqn);
                        goto out;
                }
        }
        r = va_err_set(err, VA_E_TOOBIG, "too many sessions");
out:
        return r;
}

static struct sim_session *
session_by_handle(struct initiator *s, const char *handle)
{
        size_t i;

        for (i = 0; i < SIM_MAX; i++) {
                char h[16];

                if (!s->sessions[i].used)
                        continue;
                (void)snprintf(h, sizeof(h), "%u", s->sessions[i].id);
                if (strcmp(h, handle) == 0)
                        return &s->sessions[i];
        }
        return NULL;
}

static void
fill_device(const struct sim_device *d, struct initiator_device *ret)
{
        memset(ret, 0, sizeof(*ret));
        ret->kind = d->multipath ? INITIATOR_DEVICE_MULTIPATH : INITIATOR_DEVICE_DISK;
        (void)snprintf(ret->path, sizeof(ret->path), "%s", d->path);
        (void)snprintf(ret->name, sizeof(ret->name), "%s", d->path + 5);
        (void)snprintf(ret->wwid, sizeof(ret->wwid), "naa.sim%04u", d->session * 100 + d->lun);
        ret->size_bytes = 1024u * 1024u * 64u;
        ret->read_only = d->read_only;
        (void)snprintf(ret->session, sizeof(ret->session), "%u", d->session);
        ret->host_lun = d->lun;
}

static int
sim_find_device(struct initiator *s, const struct initiator_session *ses, unsigned lun, int scan,
                struct initiator_device *ret, struct va_err *err)
{
        struct sim_session *ss;
        struct sim_target *t;
        struct sim_fault *f;
        size_t i, fi = 0;
        int r = -VA_E_NOTFOUND, scanned = 0;

        plat_mutex_lock(s->mu);
        ss = session_by_handle(s, ses->handle);
        if (ss == NULL) {
                r = va_err_set(err, VA_E_NOTFOUND, "no session %s", ses->handle);
                goto out;
        }
        t = find_target(s, &ss->portal, ss->iqn);
        if (scan && ss->nscanned < 64)
                ss->scanned[ss->nscanned++] = lun;
        for (i = 0; i < ss->nscanned; i++)
                if (ss->scanned[i] == lun)
                        scanned = 1;
        f = fault_for(s, ss->iqn, &fi);
        if (f != NULL && (f->no_device || s->late_count[fi] < f->device_late)) {
                s->late_count[fi]++;
                goto out;
        }
        if (!scanned || t == NULL || lun >= t->nluns)
                goto out;
        for (i = 0; i < SIM_MAX; i++) {
                if (s->devices[i].used && !s->devices[i].multipath &&
                    s->devices[i].session == ss->id && s->devices[i].lun == lun) {
                        fill_device(&s->devices[i], ret);
                        r = 0;
                        goto out;
                }
        }
        for (i = 0; i < SIM_MAX; i++) {
                if (!s->devices[i].used) {
                        memset(&s->devices[i], 0, sizeof(s->devices[i]));
                        s->devices[i].used = 1;
                        s->devices[i].session = ss->id;
                        s->devices[i].lun = lun;
                        (void)snprintf(s->devices[i].path, sizeof(s->devices[i].path), "/dev/sim%u",
                                       s->next_dev++);
                        fill_device(&s->devices[i], ret);
                        r = 0;
                        goto out;
                }
        }
out:
        plat_mutex_unlock(s->mu);
        return r;
}

static struct sim_device *
device_by_path(struct initiator *s, const char *path)
{
        size_t i;

        for (i = 0; i < SIM_MAX; i++)
                if (s->devices[i].used && strcmp(s->devices[i].path, path) == 0)
                        return &s->devices[i];
        return NULL;
}

static int
sim_multipath_assemble(struct initiator *s, const struct initiator_device *paths, size_t n,
                       struct initiator_device *ret, struct va_err *err)
{
        size_t i;
        int r = 0;

        if (!s->multipath)
                return va_err_set(err, VA_E_UNSUPPORTED, "multipath is not available");
        if (n == 0)
                return va_err_set(err, VA_E_INVAL, "no paths");
        plat_mutex_lock(s->mu);
        for (i = 0; i < SIM_MAX; i++) {
                if (!s->devices[i].used) {
                        memset(&s->devices[i], 0, sizeof(s->devices[i]));
                        s->devices[i].used = 1;
                        s->devices[i].multipath = 1;
                        s->devices[i].lun = paths[0].host_lun;
                        (void)snprintf(s->devices[i].path, sizeof(s->devices[i].path),
                                       "/dev/simdm%u", s->next_dev++);
                        fill_device(&s->devices[i], ret);
                        break;
                }
        }
        if (i == SIM_MAX)
                r = va_err_set(err, VA_E_TOOBIG, "too many devices");
        plat_mutex_unlock(s->mu);
        return r;
}

static int
sim_set_readonly(struct initiator *s, const struct initiator_device *d, struct va_err *err)
{
        struct sim_device *sd;
        int r = 0;

        plat_mutex_lock(s->mu);
        sd = device_by_path(s, d->path);
        if (sd == NULL)
                r = va_err_set(err, VA_E_NOTFOUND, "%s: no such device", d->path);
        else
                sd->read_only = 1;
        plat_mutex_unlock(s->mu);
        return r;
}

/* One record per volume, as the real backends keep (the udev index, the
 * registry): tagging a volume again moves it to the new device. */
static int
sim_device_tag(struct initiator *s, const char *volume_id, struct initiator_device *d,
               struct va_err *err)
{
        size_t i, free_at = SIM_MAX;
        int r = 0;

        plat_mutex_lock(s->mu);
        s->tag_calls++;
        for (i = 0; i < SIM_MAX; i++) {
                if (strcmp(s->tags[i].id, volume_id) == 0)
                        s->tags[i].path[0] = s->tags[i].id[0] = '\0';
                if (s->tags[i].path[0] == '\0' && free_at == SIM_MAX)
                        free_at = i;
        }
        if (s->tag_error != 0 || free_at == SIM_MAX) {
                r = va_err_set(err, s->tag_error != 0 ? -s->tag_error : VA_E_TOOBIG,
                               "%s: no name by volume id", d->path);
        } else {
                (void)snprintf(s->tags[free_at].path, sizeof(s->tags[0].path), "%s", d->path);
                (void)snprintf(s->tags[free_at].id, sizeof(s->tags[0].id), "%s", volume_id);
                (void)snprintf(d->by_volume_id, sizeof(d->by_volume_id), "/dev/sim-by-id/%s",
                               volume_id);
        }
        plat_mutex_unlock(s->mu);
        return r;
}

static int
sim_device_untag(struct initiator *s, const char *volume_id, const struct initiator_device *d,
                 struct va_err *err)
{
        size_t i;

        (void)d;
        (void)err;
        plat_mutex_lock(s->mu);
        for (i = 0; i < SIM_MAX; i++)
                if (strcmp(s->tags[i].id, volume_id) == 0)
                        s->tags[i].path[0] = s->tags[i].id[0] = '\0';
        plat_mutex_unlock(s->mu);
        return 0;
}

static int
sim_device_in_use(struct initiator *s, const struct initiator_device *d, char *why, size_t len,
                  struct va_err *err)
{
        struct sim_device *sd;
        int r = 0;

        (void)err;
        plat_mutex_lock(s->mu);
        sd = device_by_path(s, d->path);
        if (sd != NULL && sd->in_use) {
                (void)snprintf(why, len, "mounted (simulated)");
                r = 1;
        }
        plat_mutex_unlock(s->mu);
        return r;
}

static int
sim_device_remove(struct initiator *s, const struct initiator_device *d, struct va_err *err)
{
        struct sim_device *sd;

        (void)err;
        plat_mutex_lock(s->mu);
        sd = device_by_path(s, d->path);
        if (sd != NULL)
                sd->used = 0;
        plat_mutex_unlock(s->mu);
        return 0;
}

static int
sim_session_devices(struct initiator *s, const struct initiator_session *ses,
                    struct initiator_device **ret, size_t *ret_n, struct va_err *err)
{
        struct initiator_device *v = calloc(SIM_MAX, sizeof(*v));
        struct sim_session *ss;
        size_t i, n = 0;

        if (v == NULL)
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        plat_mutex_lock(s->mu);
        ss = session_by_handle(s, ses->handle);
        for (i = 0; ss != NULL && i < SIM_MAX; i++)
                if (s->devices[i].used && !s->devices[i].multipath &&
                    s->devices[i].session == ss->id)
                        fill_device(&s->devices[i], &v[n++]);
        plat_mutex_unlock(s->mu);
        *ret = v;
        *ret_n = n;
        return 0;
}

static int
sim_logout(struct initiator *s, const struct initiator_session *ses, struct va_err *err)
{
        struct sim_session *ss;
        size_t i;
        int r = 0;

        plat_mutex_lock(s->mu);
        ss = session_by_handle(s, ses->handle);
        if (ss == NULL) {
                r = va_err_set(err, VA_E_NOTFOUND, "no session %s", ses->handle);
        } else {
                for (i = 0; i < SIM_MAX; i++)
                        if (s->devices[i].used && s->devices[i].session == ss->id)
                                s->devices[i].used = 0;
                ss->used = 0;
        }
        plat_mutex_unlock(s->mu);
        return r;
}

static int
sim_remove_target(struct initiator *s, const struct target_path *p, struct va_err *err)
{
        size_t i;

        (void)err;
        plat_mutex_lock(s->mu);
        for (i = 0; i < s->nrecords; i++) {
                if (portal_equal(&s->records[i].portal, &p->portal) &&
                    strcmp(s->records[i].iqn, p->iqn) == 0) {
                        s->records[i] = s->records[--s->nrecords];
                        break;
                }
        }
        plat_mutex_unlock(s->mu);
        return 0;
}

static int
sim_multipath_ready(struct initiator *s)
{
        return s->multipath;
}

/* The mandatory operations, the same in every profile's table. */
#define SIM_MANDATORY_OPS                                                                       \
        .open = sim_open, .close = sim_close, .ensure_service = sim_ensure_service,             \
        .get_name = sim_get_name, .set_name = sim_set_name, .list_sessions = sim_list_sessions, \
        .add_target = sim_add_record, .login = sim_login, .find_device = sim_find_device,       \
        .device_in_use = sim_device_in_use, .device_remove = sim_device_remove,                 \
        .session_devices = sim_session_devices, .logout = sim_logout,                           \
        .remove_target = sim_remove_target

const struct initiator_ops initiator_sim_ops = {
        .name = "sim",
        .caps = INITIATOR_CAP_MUTUAL_CHAP,
        .service_name = "simulated initiator",
        SIM_MANDATORY_OPS,
        .discover = sim_discover,
        .multipath_assemble = sim_multipath_assemble,
        .set_readonly = sim_set_readonly,
        .multipath_ready = sim_multipath_ready,
        .device_tag = sim_device_tag,
        .device_untag = sim_device_untag,
};

static const struct initiator_ops sim_openiscsi_ops = {
        .name = "sim-open-iscsi",
        .caps = INITIATOR_CAP_MUTUAL_CHAP,
        .service_name = "iscsid",
        SIM_MANDATORY_OPS,
        .discover = sim_discover,
        .multipath_assemble = sim_multipath_assemble,
        .set_readonly = sim_set_readonly,
        .multipath_ready = sim_multipath_ready,
        .login_batch = sim_login_batch,
        .device_tag = sim_device_tag,
        .device_untag = sim_device_untag,
};

static const struct initiator_ops sim_iscsidsc_ops = {
        .name = "sim-iscsidsc",
        .caps = INITIATOR_CAP_MUTUAL_CHAP | INITIATOR_CAP_DISKS_STAY,
        .service_name = "MSiSCSI",
        SIM_MANDATORY_OPS,
        .multipath_assemble = sim_multipath_assemble,
        .set_readonly = sim_set_readonly,
        .multipath_ready = sim_multipath_ready,
        .max_host_lun = 255,
        .device_tag = sim_device_tag,
        .device_untag = sim_device_untag,
};

static const struct initiator_ops sim_bare_ops = {
        .name = "sim-bare",
        .caps = 0,
        .service_name = "simulated initiator",
        SIM_MANDATORY_OPS,
};

const struct initiator_ops *
sim_ops(enum sim_profile p)
{
        static const struct initiator_ops *const tables[SIM_PROFILE_COUNT] = {
                [SIM_PROFILE_SIM] = &initiator_sim_ops,
                [SIM_PROFILE_OPENISCSI] = &sim_openiscsi_ops,
                [SIM_PROFILE_ISCSIDSC] = &sim_iscsidsc_ops,
                [SIM_PROFILE_BARE] = &sim_bare_ops,
        };

        return (size_t)p < SIM_PROFILE_COUNT ? tables[p] : NULL;
}

/* Test hooks. */

int
sim_add_target(struct initiator *s, const char *iqn, const char *portal, unsigned nluns,
               const char *user, const char *secret, const char *in_user, const char *in_secret)
{
        struct sim_target *t;

        if (s->ntargets == SIM_MAX)
                return -VA_E_TOOBIG;
        t = &s->targets[s->ntargets];
        memset(t, 0, sizeof(*t));
        (void)snprintf(t->iqn, sizeof(t->iqn), "%s", iqn);
        if (portal_parse(portal, &t->portal, NULL, NULL) < 0)
                return -VA_E_INVAL;
        t->nluns = nluns;
        if (user != NULL) {
                (void)snprintf(t->user, sizeof(t->user), "%s", user);
                t->secret = secret_new(secret, strlen(secret));
        }
        if (in_user != NULL) {
                (void)snprintf(t->in_user, sizeof(t->in_user), "%s", in_user);
                t->in_secret = secret_new(in_secret, strlen(in_secret));
        }
        s->ntargets++;
        return 0;
}

int
sim_set_fault(struct initiator *s, const struct sim_fault *f)
{
        if (s->nfaults == 16)
                return -VA_E_TOOBIG;
        s->faults[s->nfaults++] = *f;
        return 0;
}

void
sim_set_discovery_auth(struct initiator *s, const char *user, const char *secret)
{
        s->disc_secret = secret_free(s->disc_secret);
        s->disc_user[0] = '\0';
        if (user != NULL) {
                (void)snprintf(s->disc_user, sizeof(s->disc_user), "%s", user);
                s->disc_secret = secret_new(secret, strlen(secret));
        }
}

void
sim_set_login_delay_ms(struct initiator *s, unsigned ms)
{
        s->login_delay_ms = ms;
}

void
sim_set_login_rendezvous(struct initiator *s, size_t n)
{
        s->want_in_login = n;
}

void
sim_set_batch_error(struct initiator *s, int code)
{
        s->batch_error = code;
}

size_t
sim_batch_calls(struct initiator *s)
{
        return s->batch_calls;
}

size_t
sim_adds_during_batch(struct initiator *s)
{
        return s->adds_in_batch;
}

void
sim_set_multipath(struct initiator *s, int available)
{
        s->multipath = available;
}

void
sim_mark_in_use(struct initiator *s, const char *device_path, int in_use)
{
        struct sim_device *d = device_by_path(s, device_path);

        if (d != NULL)
                d->in_use = in_use;
}

void
sim_drop_sessions(struct initiator *s)
{
        size_t i;

        for (i = 0; i < SIM_MAX; i++) {
                s->sessions[i].used = 0;
                s->devices[i].used = 0;
        }
}

size_t
sim_login_calls(struct initiator *s)
{
        return s->login_calls;
}

size_t
sim_max_concurrent_logins(struct initiator *s)
{
        return s->max_in_login;
}

size_t
sim_record_count(struct initiator *s)
{
        return s->nrecords;
}

size_t
sim_session_count(struct initiator *s)
{
        size_t i, n = 0;

        for (i = 0; i < SIM_MAX; i++)
                if (s->sessions[i].used)
                        n++;
        return n;
}

const char *
sim_initiator_name(struct initiator *s)
{
        return s->name;
}

int
sim_device_read_only(struct initiator *s, const char *path)
{
        struct sim_device *d = device_by_path(s, path);

        return d != NULL && d->read_only;
}

void
sim_set_tag_error(struct initiator *s, int code)
{
        plat_mutex_lock(s->mu);
        s->tag_error = code;
        plat_mutex_unlock(s->mu);
}

size_t
sim_tag_calls(struct initiator *s)
{
        return s->tag_calls;
}

const char *
sim_tag_of(struct initiator *s, const char *volume_id)
{
        size_t i;

        for (i = 0; i < SIM_MAX; i++)
                if (strcmp(s->tags[i].id, volume_id) == 0)
                        return s->tags[i].path;
        return NULL;
}
