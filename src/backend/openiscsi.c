/* SPDX-License-Identifier: Apache-2.0 */
/* The Linux backend's operations table: open-iscsi's iscsid does the iSCSI
 * work; volattach drives it with iscsiadm (credentials go into the root-only
 * node record, which iscsiadm reads from disk) and reads the kernel's state
 * through sysfs. The jobs live in files of their own; this is the glue. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/initiator.h"
#include "backend/diskprep.h"
#include "backend/iface.h"
#include "backend/iscsiadm.h"
#include "backend/iscsid.h"
#include "backend/iscsiprobe.h"
#include "backend/byvolid.h"
#include "backend/disk.h"
#include "backend/diskuse.h"
#include "backend/iscsisession.h"
#include "backend/multipath.h"
#include "backend/nodedb.h"
#include "backend/sendtargets.h"
#include "base/log.h"
#include "base/strutil.h"
#include "platform/platform.h"

struct initiator {
        struct nodedb_template tmpl;
        struct iface_state iface;
};

/* A portal with its DNS name resolved: node records are kept by address. */
static int
resolve(const struct portal *in, struct portal *out, struct va_err *err)
{
        struct addrinfo hints, *ai = NULL;
        char host[64];
        int r;

        *out = *in;
        if (in->family != PORTAL_DNS)
                return 0;
        memset(&hints, 0, sizeof(hints));
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_ADDRCONFIG;
        r = getaddrinfo(in->host, NULL, &hints, &ai);
        if (r != 0 || ai == NULL)
                return va_err_set(err, VA_E_NET, "cannot resolve portal host '%s': %s", in->host,
                                  gai_strerror(r));
        r = getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof(host), NULL, 0, NI_NUMERICHOST);
        freeaddrinfo(ai);
        if (r != 0 || portal_addr_parse(host, out) < 0)
                return va_err_set(err, VA_E_NET, "cannot resolve portal host '%s'", in->host);
        out->port = in->port;
        return 0;
}

/* The "-p" argument as iscsiadm parses it (str_to_ipport): brackets for
 * IPv6, never a zone-less link-local (rejected earlier). */
static void
adm_portal(const struct portal *p, char *buf, size_t len)
{
        (void)portal_format(p, buf, len);
}

static int
oi_open(struct initiator **ret, struct va_err *err)
{
        struct initiator *ini;

        if (!plat_have_program("iscsiadm") || !plat_have_program("iscsid"))
                return va_err_set(err, VA_E_ENV,
                                  "open-iscsi is not installed (iscsiadm/iscsid not found; "
                                  "Debian: apt-get install open-iscsi)");
        ini = calloc(1, sizeof(*ini));
        if (ini == NULL)
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        ini->iface.mu = plat_mutex_new();
        if (ini->iface.mu == NULL || nodedb_template_init(&ini->tmpl) < 0) {
                plat_mutex_free(ini->iface.mu);
                free(ini);
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        }
        *ret = ini;
        return 0;
}

static void
oi_close(struct initiator *ini)
{
        if (ini == NULL)
                return;
        nodedb_template_free(&ini->tmpl);
        plat_mutex_free(ini->iface.mu);
        free(ini);
}

static int
oi_ensure_service(struct initiator *ini, struct va_err *err)
{
        (void)ini;
        if (iscsid_reachable())
                return 0;
        va_log(VA_LOG_INFO, "iscsid is not running; starting it");
        return iscsid_start(err);
}

static int
oi_get_name(struct initiator *ini, char *buf, size_t len, struct va_err *err)
{
        char *text = NULL;
        size_t tlen, i = 0;
        int r;

        (void)ini;
        buf[0] = '\0';
        r = plat_read_file(NODEDB_INITIATORNAME, 64 * 1024, &text, &tlen, err);
        if (r < 0)
                return r;
        while (i < tlen) {
                const char *line = text + i;
                const char *nl = memchr(line, '\n', tlen - i);
                size_t n = nl ? (size_t)(nl - line) : tlen - i;

                if (n > 14 && strncmp(line, "InitiatorName=", 14) == 0) {
                        size_t v = str_trim_end(line + 14, n - 14);

                        if (v >= len)
                                v = len - 1;
                        memcpy(buf, line + 14, v);
                        buf[v] = '\0';
                }
                i += n + (nl ? 1 : 0);
        }
        free(text);
        if (buf[0] == '\0')
                return va_err_set(err, VA_E_NOTFOUND,
                                  NODEDB_INITIATORNAME ": no InitiatorName line");
        return 0;
}

static int
oi_set_name(struct initiator *ini, const char *name, struct va_err *err)
{
        struct initiator_session *s = NULL;
        char text[512];
        size_t ns = 0;
        int r;

        (void)ini;
        (void)snprintf(text, sizeof(text),
                       "## Written by volattach from the instance metadata's "
                       "connector.initiator.\nInitiatorName=%s\n",
                       name);
        r = plat_mkdir_p(NODEDB_ROOT, 0755, err);
        if (r == 0)
                r = plat_write_file_atomic(NODEDB_INITIATORNAME, text, strlen(text), 0644, err);
        if (r < 0)
                return r;
        /* iscsid reads the name at start-up; node records carry it too
         * (iface.initiatorname), but discovery and any other tool use
         * iscsid's, so a running iscsid with no sessions is restarted. */
        if (!iscsid_reachable())
                return 0;
        if (iscsisession_list(&s, &ns, err) < 0)
                return 0;
        free(s);
        if (ns > 0) {
                va_log(VA_LOG_NOTICE,
                       "iscsid keeps its old initiator name until it restarts (%zu sessions are "
                       "up); volattach's logins use the new one through their node records",
                       ns);
                return 0;
        }
        return iscsid_restart(err);
}

static int
oi_list_sessions(struct initiator *ini, struct initiator_session **ret, size_t *ret_n,
                 struct va_err *err)
{
        (void)ini;
        return iscsisession_list(ret, ret_n, err);
}

static int
oi_add_target(struct initiator *ini, const struct initiator_login *l, struct va_err *err)
{
        struct noderec_set sets[16];
        char keys[16][96], path[1024], portal[PORTAL_TEXT_MAX], tmo[16];
        struct portal p;
        size_t k = 0;
        int r;

        r = resolve(&l->path->portal, &p, err);
        if (r < 0)
                return r;
        /* iscsiadm says only "iSCSI database failure" when it cannot write:
         * find the cause first, to name it */
        r = plat_mkdir_p(NODEDB_NODES_DIR, 0700, err);
        if (r < 0)
                return r;
        if (access(NODEDB_NODES_DIR, W_OK) != 0)
                return va_err_setn(err, VA_E_IO, errno, "cannot write %s: %s", NODEDB_NODES_DIR,
                                   strerror(errno));
        r = iface_ensure(&ini->iface, err);
        if (r < 0)
                return r;
        if (nodedb_find(&p, l->path->iqn, path, sizeof(path)) < 0 &&
            nodedb_from_template(&ini->tmpl, &p, l->path->iqn, path, sizeof(path)) < 0) {
                const char *args[] = { "-m", "node", "-o", "new",      "-T", l->path->iqn,
                                       "-p", portal, "-I", IFACE_NAME, NULL };
                char *out = NULL;

                adm_portal(&p, portal, sizeof(portal));
                r = iscsiadm_run(args, 30000, &out, err);
                if (r > 0)
                        r = iscsiadm_error(r, out, "creating the node record", err);
                free(out);
                if (r < 0)
                        return r;
                if (nodedb_find(&p, l->path->iqn, path, sizeof(path)) < 0)
                        return va_err_set(err, VA_E_INITIATOR,
                                          "iscsiadm created no node record for %s at %s",
                                          l->path->iqn, portal);
                nodedb_template_keep(&ini->tmpl, path);
        }
        /* Manual start: volattach re-attaches from the current metadata at
         * every boot, so a volume removed from it is not logged in again.
         * Manual scan: only the wanted LUN is mapped (kubernetes #90982). */
        sets[k].key = "node.startup";
        sets[k].value = "manual";
        sets[k++].value_len = 6;
        /* a record an earlier run or an operator bound to "default" moves
         * to volattach's iface (one record per target and portal) */
        sets[k].key = "iface.iscsi_ifacename";
        sets[k].value = IFACE_NAME;
        sets[k++].value_len = strlen(IFACE_NAME);
        sets[k].key = "node.session.scan";
        sets[k].value = "manual";
        sets[k++].value_len = 6;
        /* One iscsiadm attempt stays bounded; the engine retries with
         * backoff under its own deadline. */
        (void)snprintf(tmo, sizeof(tmo), "%u", l->timeout_ms >= 10000 ? l->timeout_ms / 3000 : 3);
        sets[k].key = "node.conn[0].timeo.login_timeout";
        sets[k].value = tmo;
        sets[k++].value_len = strlen(tmo);
        sets[k].key = "node.session.initial_login_retry_max";
        sets[k].value = "1";
        sets[k++].value_len = 1;
        if (l->initiator_name != NULL) {
                sets[k].key = "iface.initiatorname";
                sets[k].value = l->initiator_name;
                sets[k++].value_len = strlen(l->initiator_name);
        }
        k = nodedb_auth_sets(l->auth, "node.session.auth", sets, keys, k);
        return nodedb_update(path, sets, k, err);
}

static int
find_session(const struct portal *p, const char *iqn, struct initiator_session *ret,
             struct va_err *err)
{
        struct initiator_session *v = NULL;
        size_t n = 0, i;
        int r;

        r = iscsisession_list(&v, &n, err);
        if (r < 0)
                return r;
        r = -VA_E_NOTFOUND;
        for (i = 0; i < n; i++) {
                if (portal_equal(&v[i].portal, p) && strcmp(v[i].iqn, iqn) == 0) {
                        *ret = v[i];
                        r = 0;
                        break;
                }
        }
        free(v);
        return r;
}

static int
oi_login(struct initiator *ini, const struct initiator_login *l, struct initiator_session *ret,
         struct va_err *err)
{
        char portal[PORTAL_TEXT_MAX];
        const char *args[] = { "-m",   "node", "-T",       l->path->iqn, "-p",
                               portal, "-I",   IFACE_NAME, "--login",    NULL };
        struct portal p;
        char *out = NULL;
        int r;

        (void)ini;
        memset(ret, 0, sizeof(*ret));
        r = resolve(&l->path->portal, &p, err);
        if (r < 0)
                return r;
        /* An existing session is reused, not duplicated (os-brick: duplicate
         * logins "crash iscsiadm under load"). */
        if (find_session(&p, l->path->iqn, ret, NULL) == 0) {
                /* A session that lost its connection (the target dropped
                 * it) is iscsid's to recover; a new login would only be
                 * refused as a duplicate.  Wait for the recovery within
                 * this attempt's bound; if it does not come, fail the
                 * attempt as a network error so the engine retries until
                 * its deadline and the report says the volume is not up. */
                uint64_t until = plat_monotonic_ms() + l->timeout_ms;

                while (ret->state != INITIATOR_SESSION_UP && plat_monotonic_ms() < until) {
                        plat_sleep_ms(200);
                        if (find_session(&p, l->path->iqn, ret, NULL) < 0)
                                break;
                }
                if (ret->state != INITIATOR_SESSION_UP)
                        return va_err_set(err, VA_E_NET,
                                          "session %s to %s exists but is not logged in (%s); "
                                          "iscsid keeps trying to reconnect",
                                          ret->handle, l->path->iqn,
                                          ret->state == INITIATOR_SESSION_FAILED ? "failed"
                                                                                 : "recovering");
                ret->reused = 1;
                ret->portal = l->path->portal;
                return 0;
        }
        adm_portal(&p, portal, sizeof(portal));
        r = iscsiadm_run(args, l->timeout_ms + 30000, &out, err);
        if (r > 0 && r != ISCSI_ERR_SESS_EXISTS) {
                r = iscsiadm_error(r, out, "login", err);
                free(out);
                return r;
        }
        free(out);
        if (r < 0)
                return r;
        r = find_session(&p, l->path->iqn, ret, err);
        if (r < 0)
                return va_err_set(err, VA_E_INITIATOR,
                                  "iscsiadm reported a login but no session is in sysfs");
        ret->portal = l->path->portal;
        return 0;
}

/* All logins of a run in one iscsiadm: it sends every login to iscsid at
 * once and waits for them all, where one iscsiadm per target costs ~200 ms
 * of CPU each at boot in the lab (BENCHMARKS.md). Which ones came up is
 * for the core to see in sysfs; a failed one is retried one by one by the
 * core, with its own error message. */
static int
oi_login_batch(struct initiator *ini, const struct initiator_login *l, size_t n, struct va_err *err)
{
        const char *args[] = { "-m", "node", "-I", IFACE_NAME, "--login", NULL };
        char **want = calloc(n ? n : 1, sizeof(*want));
        unsigned tmo = 0;
        size_t i, nwant = 0;
        char *out = NULL;
        int r = 0;

        (void)ini;
        if (want == NULL)
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        for (i = 0; i < n && r == 0; i++) {
                struct portal p;
                char path[1024];
                struct va_err e;

                va_err_clear(&e);
                if (l[i].timeout_ms > tmo)
                        tmo = l[i].timeout_ms;
                if (resolve(&l[i].path->portal, &p, &e) < 0 ||
                    nodedb_find(&p, l[i].path->iqn, path, sizeof(path)) < 0)
                        continue; /* not recorded: the batch cannot take it */
                want[nwant] = strdup(path);
                if (want[nwant] == NULL)
                        r = va_err_set(err, VA_E_NOMEM, "out of memory");
                else
                        nwant++;
        }
        if (r == 0) {
                struct initiator_session *ses = NULL;
                size_t nses = 0;

                if (iscsisession_list(&ses, &nses, err) < 0)
                        r = -VA_E_INITIATOR;
                else
                        r = nodedb_sweep_leftovers(want, nwant, ses, nses, err);
                free(ses);
        }
        plat_string_list_free(want, nwant);
        if (r < 0)
                return r;
        r = iscsiadm_run(args, tmo + 30000, &out, err);
        if (r > 0) {
                char tail[600];

                /* some logins failed: the core sees which and retries them */
                iscsiadm_tail(out, tail, sizeof(tail));
                va_log(VA_LOG_DEBUG, "iscsiadm -m node -I " IFACE_NAME " --login: exit %d: %s", r,
                       tail);
                r = 0;
        }
        free(out);
        return r;
}

static int
oi_discover(struct initiator *ini, const struct portal *in, const struct auth *auth,
            struct initiator_target **ret, size_t *ret_n, struct va_err *err)
{
        char portal[PORTAL_TEXT_MAX], path[512];
        const char *new_args[] = { "-m", "discoverydb", "-t", "st",  "-p", portal,
                                   "-I", IFACE_NAME,    "-o", "new", NULL };
        const char *disc_args[] = {
                "-m", "discoverydb",   "-t", "st", "-p", portal, "-I", IFACE_NAME, "--discover",
                "-o", "nonpersistent", NULL
        };
        const char *del_args[] = { "-m",   "discoverydb", "-t",     "st", "-p",
                                   portal, "-o",          "delete", NULL };
        struct noderec_set sets[8];
        char keys[8][96];
        struct portal p;
        char *out = NULL;
        size_t k, bad = 0;
        int r;

        r = resolve(in, &p, err);
        if (r == 0)
                r = iface_ensure(&ini->iface, err);
        if (r < 0)
                return r;
        adm_portal(&p, portal, sizeof(portal));
        r = iscsiadm_run(new_args, 30000, &out, err);
        free(out);
        out = NULL;
        if (r > 0)
                return va_err_setn(err, VA_E_INITIATOR, r,
                                   "creating the discovery record for %s failed (exit %d)", portal,
                                   r);
        if (r < 0)
                return r;
        /* discovery CHAP through the root-only record, as for nodes */
        nodedb_sendtargets_path(&p, path, sizeof(path));
        k = nodedb_auth_sets(auth, "discovery.sendtargets.auth", sets, keys, 0);
        r = nodedb_update(path, sets, k, err);
        if (r == 0) {
                r = iscsiadm_run(disc_args, 60000, &out, err);
                if (r > 0)
                        r = iscsiadm_error(r, out, "SendTargets discovery", err);
        }
        /* the record holds the discovery secret: it is not kept */
        (void)iscsiadm_run(del_args, 30000, NULL, NULL);
        if (r < 0) {
                free(out);
                return r;
        }
        r = sendtargets_parse(out, out != NULL ? strlen(out) : 0, ret, ret_n, &bad, err);
        free(out);
        if (r == 0 && bad > 0)
                va_log(VA_LOG_DEBUG, "SendTargets discovery at %s: %zu malformed lines skipped",
                       portal, bad);
        return r;
}

static int
oi_find_device(struct initiator *ini, const struct initiator_session *s, unsigned lun, int scan,
               struct initiator_device *ret, struct va_err *err)
{
        (void)ini;
        if (scan) {
                struct va_err e;

                va_err_clear(&e);
                /* a failed scan write only delays discovery; the poll decides */
                if (iscsisession_scan_lun(s->handle, lun, &e) < 0)
                        va_log(VA_LOG_DEBUG, "scan of LUN %u on session %s: %s", lun, s->handle,
                               e.msg);
        }
        return iscsisession_find_device(s->handle, lun, &s->portal, s->iqn, ret, err);
}

static int
oi_set_readonly(struct initiator *ini, const struct initiator_device *d, struct va_err *err)
{
        (void)ini;
        return disk_set_readonly(d->path, err);
}

static int
oi_device_in_use(struct initiator *ini, const struct initiator_device *d, char *why, size_t len,
                 struct va_err *err)
{
        (void)ini;
        (void)err;
        if (d->name[0] == '\0')
                return 0;
        return diskuse_check(d->name, why, len);
}

static int
oi_device_remove(struct initiator *ini, const struct initiator_device *d, struct va_err *err)
{
        (void)ini;
        if (d->kind == INITIATOR_DEVICE_MULTIPATH)
                return mpath_remove(d, err);
        return disk_remove(d->name, err);
}

static int
oi_session_devices(struct initiator *ini, const struct initiator_session *s,
                   struct initiator_device **ret, size_t *ret_n, struct va_err *err)
{
        (void)ini;
        return iscsisession_devices(s->handle, ret, ret_n, err);
}

static int
oi_logout(struct initiator *ini, const struct initiator_session *s, struct va_err *err)
{
        const char *args[] = { "-m", "session", "-r", s->handle, "--logout", NULL };
        char *out = NULL;
        int r;

        (void)ini;
        r = iscsiadm_run(args, 60000, &out, err);
        if (r == ISCSI_ERR_SESS_NOT_FOUND || r == ISCSI_ERR_NO_OBJS_FOUND)
                r = 0; /* already gone */
        if (r > 0)
                r = iscsiadm_error(r, out, "logout", err);
        free(out);
        return r;
}

static int
oi_remove_target(struct initiator *ini, const struct target_path *tp, struct va_err *err)
{
        char portal[PORTAL_TEXT_MAX];
        const char *args[] = { "-m", "node",     "-T", tp->iqn,  "-p", portal,
                               "-I", IFACE_NAME, "-o", "delete", NULL };
        struct portal p;
        char *out = NULL, path[1024];
        int r;

        (void)ini;
        r = resolve(&tp->portal, &p, err);
        if (r < 0)
                return r;
        if (nodedb_find(&p, tp->iqn, path, sizeof(path)) < 0)
                return 0;
        adm_portal(&p, portal, sizeof(portal));
        r = iscsiadm_run(args, 30000, &out, err);
        if (r == ISCSI_ERR_NO_OBJS_FOUND)
                r = 0;
        if (r > 0)
                r = iscsiadm_error(r, out, "deleting the node record", err);
        free(out);
        /* iscsiadm cannot parse (so will not delete) a record cut short by a
         * full filesystem; it is a file of ours to remove all the same */
        if (nodedb_find(&p, tp->iqn, path, sizeof(path)) == 0 && nodedb_remove(path) == 0) {
                r = 0;
                va_err_clear(err);
        }
        return r;
}

/* uninstall-state: every record on volattach's iface that no session uses
 * (the batch's leftover rule with nothing wanted), then the iface when no
 * record of ours is left in use, then the WWIDs volattach added whose
 * disks are gone. Never logs out: what is in use is counted in *kept. */
static int
oi_forget_host(struct initiator *ini, unsigned *kept, struct va_err *err)
{
        struct initiator_session *ses = NULL;
        unsigned in_use = 0;
        size_t nses = 0, i;
        char path[1024];
        int r;

        if (iscsisession_list(&ses, &nses, err) < 0)
                return -VA_E_INITIATOR;
        r = nodedb_sweep_leftovers(NULL, 0, ses, nses, err);
        /* what is left of ours is logged in: a session with a record */
        for (i = 0; r == 0 && i < nses; i++)
                if (nodedb_find(&ses[i].portal, ses[i].iqn, path, sizeof(path)) == 0)
                        in_use++;
        free(ses);
        if (r < 0)
                return r;
        *kept += in_use;
        if (in_use > 0) {
                va_log(VA_LOG_NOTICE,
                       "kept the iface " IFACE_NAME ": %u node record(s) of it logged in", in_use);
        } else {
                r = plat_unlink(NODEDB_IFACES_DIR "/" IFACE_NAME, err);
                if (r < 0)
                        return r;
                (void)rmdir(NODEDB_IFACES_DIR); /* only when empty: others' ifaces stay */
                plat_mutex_lock(ini->iface.mu);
                ini->iface.ok = 0;
                plat_mutex_unlock(ini->iface.mu);
        }
        r = mpath_forget(kept, err);
        return r < 0 ? r : byvolid_forget(kept, err);
}

static int
oi_multipath_assemble(struct initiator *ini, const struct initiator_device *paths, size_t n,
                      struct initiator_device *ret, struct va_err *err)
{
        (void)ini;
        return mpath_assemble(paths, n, ret, err);
}

static int
oi_device_tag(struct initiator *ini, const char *volume_id, struct initiator_device *d,
              struct va_err *err)
{
        (void)ini;
        return byvolid_set(volume_id, d, err);
}

static int
oi_device_untag(struct initiator *ini, const char *volume_id, const struct initiator_device *d,
                struct va_err *err)
{
        (void)ini;
        return byvolid_clear(volume_id, d, err);
}

static int
oi_multipath_ready(struct initiator *ini)
{
        (void)ini;
        return mpath_ready();
}

static int
oi_probe(struct initiator *ini, struct initiator_probe *ret, struct va_err *err)
{
        (void)ini;
        (void)err;
        iscsiprobe_fill(ret);
        return 0;
}

static int
oi_disk_prepare(struct initiator *ini, const struct initiator_device *d,
                const struct prepare_request *rq, struct prepare_outcome *ret, struct va_err *err)
{
        (void)ini;
        return diskprep_prepare(d, rq, ret, err);
}

static int
oi_disk_mount(struct initiator *ini, const struct initiator_device *d,
              const struct prepare_request *rq, struct prepare_outcome *ret, struct va_err *err)
{
        (void)ini;
        return diskprep_mount(d, rq, ret, err);
}

const struct initiator_ops initiator_openiscsi_ops = {
        .name = "open-iscsi",
        .caps = INITIATOR_CAP_MUTUAL_CHAP,
        .service_name = "iscsid",
        .open = oi_open,
        .close = oi_close,
        .ensure_service = oi_ensure_service,
        .get_name = oi_get_name,
        .set_name = oi_set_name,
        .list_sessions = oi_list_sessions,
        .discover = oi_discover,
        .add_target = oi_add_target,
        .login = oi_login,
        .find_device = oi_find_device,
        .multipath_assemble = oi_multipath_assemble,
        .set_readonly = oi_set_readonly,
        .device_in_use = oi_device_in_use,
        .device_remove = oi_device_remove,
        .session_devices = oi_session_devices,
        .logout = oi_logout,
        .remove_target = oi_remove_target,
        .multipath_ready = oi_multipath_ready,
        .login_batch = oi_login_batch,
        .forget_host = oi_forget_host,
        .probe = oi_probe,
        .device_tag = oi_device_tag,
        .device_untag = oi_device_untag,
        .prepare_fs = "ext4 xfs", /* xfs refused per volume without mkfs.xfs */
        .disk_prepare = oi_disk_prepare,
        .disk_mount = oi_disk_mount,
};
