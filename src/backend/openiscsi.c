/* The Linux backend: open-iscsi's iscsid does the iSCSI work; volattach
 * drives it with iscsiadm (fixed argv, never a shell, never a secret in the
 * argument list: credentials go into the root-only node record, which
 * iscsiadm reads from disk) and reads the kernel's state through sysfs. */
#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/initiator.h"
#include "backend/linuxscsi.h"
#include "backend/multipath.h"
#include "backend/noderec.h"
#include "base/log.h"
#include "base/secret.h"
#include "platform/platform.h"

#define ISCSI_ROOT      "/etc/iscsi"
#define NODES_DIR       ISCSI_ROOT "/nodes"
#define SENDTARGETS_DIR ISCSI_ROOT "/send_targets"
#define INITIATORNAME   ISCSI_ROOT "/initiatorname.iscsi"
#define IFACES_DIR      ISCSI_ROOT "/ifaces"
/* volattach's records are bound to an iface of its own (plain TCP, like
 * "default"): "iscsiadm -m node -I volattach --login" then logs in exactly
 * volattach's targets, all in one process (oi_login_batch). */
#define IFACE       "volattach"
#define RECORD_MAX  (256 * 1024)
#define ADM_OUT_MAX (64 * 1024)

/* open-iscsi include/iscsi_err.h: exit codes are its API */
enum {
        ISCSI_ERR_SESS_NOT_FOUND = 2,
        ISCSI_ERR_TRANS = 4,
        ISCSI_ERR_LOGIN = 5,
        ISCSI_ERR_IDBM = 6,
        ISCSI_ERR_TRANS_TIMEOUT = 8,
        ISCSI_ERR_PDU_TIMEOUT = 11,
        ISCSI_ERR_ACCESS = 13,
        ISCSI_ERR_SESS_EXISTS = 15,
        ISCSI_ERR_ISCSID_COMM_ERR = 18,
        ISCSI_ERR_FATAL_LOGIN = 19,
        ISCSI_ERR_ISCSID_NOTCONN = 20,
        ISCSI_ERR_NO_OBJS_FOUND = 21,
        ISCSI_ERR_LOGIN_AUTH_FAILED = 24,
        ISCSI_ERR_BUSY = 28,
        ISCSI_ERR_AGAIN = 29,
};

struct initiator {
        /* The first record "iscsiadm -o new" wrote in this run, kept as the
         * template of the next ones: records made from one iscsid.conf
         * differ only in node.name and node.conn[0].address/port (checked in
         * the lab), and an iscsiadm costs ~160 ms of CPU per volume at boot
         * under the lab's TCG (BENCHMARKS.md). Guarded by mu. */
        struct plat_mutex *mu;
        char *tmpl;
        size_t tmpl_len;
        int iface_ok; /* IFACE exists (ensure_iface), guarded by mu */
};

/* The iscsiadm message to show: its last non-empty line, escaped. */
static void
adm_tail(const char *out, char *buf, size_t len)
{
        const char *end, *start, *p, *pick_s = NULL, *pick_e = NULL;
        char line[512];
        size_t n;

        buf[0] = '\0';
        if (out == NULL)
                return;
        end = out + strlen(out);
        while (end > out && (end[-1] == '\n' || end[-1] == ' '))
                end--;
        /* The last "iscsiadm: ..." line says what went wrong; stdout's
         * progress lines ("Logging in to ...") come after it in the pipe
         * because stdout is flushed only at exit. */
        for (p = out; p < end;) {
                const char *e = memchr(p, '\n', (size_t)(end - p));

                if (e == NULL)
                        e = end;
                if (strncmp(p, "iscsiadm: ", 10) == 0) {
                        pick_s = p;
                        pick_e = e;
                }
                p = e + 1;
        }
        if (pick_s == NULL) {
                start = end;
                while (start > out && start[-1] != '\n')
                        start--;
                pick_s = start;
                pick_e = end;
        }
        n = (size_t)(pick_e - pick_s);
        if (n >= sizeof(line))
                n = sizeof(line) - 1;
        memcpy(line, pick_s, n);
        line[n] = '\0';
        (void)va_log_quote(line, buf, len);
}

/* Runs iscsiadm; returns its exit status (>= 0) or a negative code when it
 * could not run or was killed. The output is left in *out (caller frees). */
static int
adm(const char *const *args, unsigned timeout_ms, char **out, struct va_err *err)
{
        const char *argv[24];
        struct plat_spawn_result res;
        size_t i;
        int r;

        argv[0] = "iscsiadm";
        for (i = 0; args[i] != NULL && i + 2 < sizeof(argv) / sizeof(argv[0]); i++)
                argv[i + 1] = args[i];
        argv[i + 1] = NULL;
        r = plat_spawn(argv, timeout_ms, ADM_OUT_MAX, &res, err);
        if (r < 0)
                return r;
        if (out != NULL) {
                *out = res.out;
                res.out = NULL;
        }
        if (res.timed_out) {
                plat_spawn_result_free(&res);
                return va_err_set(err, VA_E_TIMEOUT, "iscsiadm %s did not finish within %u ms",
                                  args[0], timeout_ms);
        }
        if (!res.exited) {
                plat_spawn_result_free(&res);
                return va_err_set(err, VA_E_INITIATOR, "iscsiadm %s was killed", args[0]);
        }
        r = res.status;
        plat_spawn_result_free(&res);
        return r;
}

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

/* The address part of a record directory name: open-iscsi stores the
 * address without brackets ("::1,3260,1"). */
static void
record_addr(const struct portal *p, char *buf, size_t len)
{
        if (p->family == PORTAL_IPV6 && p->zone[0])
                (void)snprintf(buf, len, "%s%%%s", p->host, p->zone);
        else
                (void)snprintf(buf, len, "%s", p->host);
}

/* Finds /etc/iscsi/nodes/<iqn>/<addr>,<port>,<tpgt>/default (the current
 * layout) or the old-style file <addr>,<port>. 0 found, -VA_E_NOTFOUND. */
static int
record_path(const struct portal *p, const char *iqn, char *buf, size_t len)
{
        char dir[512], addr[96], prefix[128];
        char **names = NULL;
        size_t n = 0, i;
        struct va_err e;
        int found = 0;

        record_addr(p, addr, sizeof(addr));
        (void)snprintf(dir, sizeof(dir), NODES_DIR "/%s", iqn);
        (void)snprintf(prefix, sizeof(prefix), "%s,%u,", addr, p->port);
        va_err_clear(&e);
        if (plat_list_dir(dir, &names, &n, &e) < 0)
                return -VA_E_NOTFOUND;
        /* plat_list_dir lists files only on some platforms: check both */
        for (i = 0; i < n && !found; i++) {
                struct stat st;
                char cand[1024];

                if (strncmp(names[i], prefix, strlen(prefix)) == 0) {
                        (void)snprintf(cand, sizeof(cand), "%s/%s/" IFACE, dir, names[i]);
                        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
                                (void)snprintf(buf, len, "%s", cand);
                                found = 1;
                        }
                }
        }
        plat_string_list_free(names, n);
        if (!found) {
                struct stat st;

                (void)snprintf(buf, len, "%s/%s,%u", dir, addr, p->port);
                if (stat(buf, &st) == 0 && S_ISREG(st.st_mode))
                        found = 1;
        }
        return found ? 0 : -VA_E_NOTFOUND;
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
        if (ini != NULL)
                ini->mu = plat_mutex_new();
        if (ini == NULL || ini->mu == NULL) {
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
        if (ini->tmpl != NULL) {
                /* iscsid.conf may hold default CHAP credentials */
                va_secure_zero(ini->tmpl, ini->tmpl_len);
                free(ini->tmpl);
        }
        plat_mutex_free(ini->mu);
        free(ini);
}

/* iscsid listens on the abstract socket iscsiadm uses (open-iscsi
 * usr/mgmt_ipc.h ISCSIADM_NAMESPACE). */
static int
iscsid_reachable(void)
{
        return plat_abstract_socket_listening("ISCSIADM_ABSTRACT_NAMESPACE");
}

static int
systemd_running(void)
{
        struct stat st;

        return stat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode) &&
               plat_have_program("systemctl");
}

static int
start_iscsid(const char *verb, struct va_err *err)
{
        struct plat_spawn_result res;
        uint64_t deadline;
        int r;

        if (systemd_running()) {
                const char *argv[] = { "systemctl", verb, "iscsid.service", NULL };

                r = plat_spawn(argv, 60000, 4096, &res, err);
        } else {
                /* iscsid daemonizes: the parent exits once it is ready */
                const char *argv[] = { "iscsid", NULL };

                r = plat_spawn(argv, 30000, 4096, &res, err);
        }
        if (r < 0)
                return r;
        if (!res.exited || res.status != 0) {
                char tail[256];

                adm_tail(res.out, tail, sizeof(tail));
                plat_spawn_result_free(&res);
                return va_err_set(err, VA_E_ENV, "could not start iscsid: %s", tail);
        }
        plat_spawn_result_free(&res);
        deadline = plat_monotonic_ms() + 10000;
        while (!iscsid_reachable()) {
                if (plat_monotonic_ms() > deadline)
                        return va_err_set(err, VA_E_ENV, "iscsid started but does not answer");
                plat_sleep_ms(20);
        }
        return 0;
}

static int
oi_ensure_service(struct initiator *ini, struct va_err *err)
{
        (void)ini;
        if (iscsid_reachable())
                return 0;
        va_log(VA_LOG_INFO, "iscsid is not running; starting it");
        return start_iscsid("start", err);
}

static int
oi_get_name(struct initiator *ini, char *buf, size_t len, struct va_err *err)
{
        char *text = NULL;
        size_t tlen, i = 0;
        int r;

        (void)ini;
        buf[0] = '\0';
        r = plat_read_file(INITIATORNAME, 64 * 1024, &text, &tlen, err);
        if (r < 0)
                return r;
        while (i < tlen) {
                const char *line = text + i;
                const char *nl = memchr(line, '\n', tlen - i);
                size_t n = nl ? (size_t)(nl - line) : tlen - i;

                if (n > 14 && strncmp(line, "InitiatorName=", 14) == 0) {
                        size_t v = n - 14;

                        while (v > 0 && (line[14 + v - 1] == ' ' || line[14 + v - 1] == '\r'))
                                v--;
                        if (v >= len)
                                v = len - 1;
                        memcpy(buf, line + 14, v);
                        buf[v] = '\0';
                }
                i += n + (nl ? 1 : 0);
        }
        free(text);
        if (buf[0] == '\0')
                return va_err_set(err, VA_E_NOTFOUND, INITIATORNAME ": no InitiatorName line");
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
        r = plat_mkdir_p(ISCSI_ROOT, 0755, err);
        if (r == 0)
                r = plat_write_file_atomic(INITIATORNAME, text, strlen(text), 0644, err);
        if (r < 0)
                return r;
        /* iscsid reads the name at start-up; node records carry it too
         * (iface.initiatorname), but discovery and any other tool use
         * iscsid's, so a running iscsid with no sessions is restarted. */
        if (!iscsid_reachable())
                return 0;
        if (lscsi_list_sessions(&s, &ns, err) < 0)
                return 0;
        free(s);
        if (ns > 0) {
                va_log(VA_LOG_NOTICE,
                       "iscsid keeps its old initiator name until it restarts (%zu sessions are "
                       "up); volattach's logins use the new one through their node records",
                       ns);
                return 0;
        }
        if (systemd_running())
                return start_iscsid("restart", err);
        {
                const char *args[] = { "-k", "0", NULL };
                uint64_t deadline = plat_monotonic_ms() + 10000;

                (void)adm(args, 15000, NULL, NULL);
                while (iscsid_reachable() && plat_monotonic_ms() < deadline)
                        plat_sleep_ms(20);
        }
        return start_iscsid("start", err);
}

static int
oi_list_sessions(struct initiator *ini, struct initiator_session **ret, size_t *ret_n,
                 struct va_err *err)
{
        (void)ini;
        return lscsi_list_sessions(ret, ret_n, err);
}

/* Writes the settings into a record file: atomically, root-only, so a
 * reader sees the old record or the new one, never a torn one. */
static int
record_update(const char *path, const struct noderec_set *sets, size_t nsets, struct va_err *err)
{
        char *text = NULL, *out = NULL;
        size_t len = 0, olen = 0;
        int r;

        r = plat_read_file(path, RECORD_MAX, &text, &len, err);
        if (r < 0)
                return r;
        r = noderec_rewrite(text, len, sets, nsets, &out, &olen, err);
        va_secure_zero(text, len);
        free(text);
        if (r < 0)
                return r;
        r = plat_write_file_atomic(path, out, olen, 0600, err);
        va_secure_zero(out, olen);
        free(out);
        return r;
}

static size_t
auth_sets(const struct auth *a, const char *prefix, struct noderec_set *sets, char keys[][96],
          size_t k)
{
        static const char *const names[] = { "authmethod", "username", "password", "username_in",
                                             "password_in" };
        const char *values[5] = { "None", NULL, NULL, NULL, NULL };
        size_t lens[5] = { 4, 0, 0, 0, 0 };
        size_t i;

        if (a->kind != AUTH_NONE) {
                values[0] = "CHAP";
                lens[0] = 4;
                values[1] = a->out.user;
                lens[1] = strlen(a->out.user);
                values[2] = (const char *)secret_bytes(a->out.secret);
                lens[2] = secret_len(a->out.secret);
        }
        if (a->kind == AUTH_MUTUAL) {
                values[3] = a->in.user;
                lens[3] = strlen(a->in.user);
                values[4] = (const char *)secret_bytes(a->in.secret);
                lens[4] = secret_len(a->in.secret);
        }
        /* Unused keys are removed, not left: open-iscsi sends stored
         * credentials even with authmethod None (open-iscsi #438). */
        for (i = 0; i < 5; i++) {
                (void)snprintf(keys[k], 96, "%s.%s", prefix, names[i]);
                sets[k].key = keys[k];
                sets[k].value = values[i];
                sets[k].value_len = lens[i];
                k++;
        }
        return k;
}

static int
map_adm_error(int status, const char *out, const char *what, struct va_err *err)
{
        const char *reason = "";
        char tail[600];
        int code;

        adm_tail(out, tail, sizeof(tail));
        switch (status) {
        case ISCSI_ERR_LOGIN_AUTH_FAILED:
                code = VA_E_AUTH;
                reason = "CHAP authentication failed: check auth_username/auth_password "
                         "against the target's ACL; ";
                break;
        case ISCSI_ERR_TRANS_TIMEOUT:
        case ISCSI_ERR_PDU_TIMEOUT:
                code = VA_E_TIMEOUT;
                break;
        case ISCSI_ERR_TRANS:
        case ISCSI_ERR_LOGIN:
        case ISCSI_ERR_AGAIN:
        case ISCSI_ERR_ISCSID_COMM_ERR:
                code = VA_E_NET;
                break;
        case ISCSI_ERR_BUSY:
                code = VA_E_BUSY;
                break;
        case ISCSI_ERR_IDBM:
                code = VA_E_IO;
                reason = "open-iscsi could not write its node database under " ISCSI_ROOT
                         " (a read-only or full filesystem?); ";
                break;
        case ISCSI_ERR_FATAL_LOGIN:
                /* e.g. the target does not know this name or refuses the
                 * initiator outright: not worth a retry */
                code = VA_E_NOTFOUND;
                reason = "the login was refused outright: the portal does not offer this "
                         "target, the target's ACL lacks this initiator name, or (mutual CHAP) "
                         "the target's own credentials did not match; ";
                break;
        case ISCSI_ERR_ISCSID_NOTCONN:
                code = VA_E_ENV;
                break;
        case ISCSI_ERR_ACCESS:
                code = VA_E_PERM;
                break;
        default:
                code = VA_E_INITIATOR;
                break;
        }
        return va_err_setn(err, code, status, "%s failed (iscsiadm exit %d): %s%s", what, status,
                           reason, tail);
}

/* Writes the record of iqn at p from the template (if there is one yet),
 * as "iscsiadm -o new" would: the plain file <addr>,<port>, root-only. */
static int
record_from_template(struct initiator *ini, const struct portal *p, const char *iqn, char *path,
                     size_t len)
{
        struct noderec_set sets[3];
        char dir[512], addr[96], port[8], *text = NULL, *out = NULL;
        size_t tlen = 0, olen = 0;
        struct va_err e;
        int r;

        if (p->family == PORTAL_IPV6 && p->zone[0])
                return -VA_E_NOTFOUND; /* not seen in the lab: leave it to iscsiadm */
        plat_mutex_lock(ini->mu);
        if (ini->tmpl != NULL) {
                text = malloc(ini->tmpl_len);
                if (text != NULL) {
                        memcpy(text, ini->tmpl, ini->tmpl_len);
                        tlen = ini->tmpl_len;
                }
        }
        plat_mutex_unlock(ini->mu);
        if (text == NULL)
                return -VA_E_NOTFOUND;
        record_addr(p, addr, sizeof(addr));
        (void)snprintf(port, sizeof(port), "%u", p->port);
        sets[0].key = "node.name";
        sets[0].value = iqn;
        sets[0].value_len = strlen(iqn);
        sets[1].key = "node.conn[0].address";
        sets[1].value = addr;
        sets[1].value_len = strlen(addr);
        sets[2].key = "node.conn[0].port";
        sets[2].value = port;
        sets[2].value_len = strlen(port);
        va_err_clear(&e);
        r = noderec_rewrite(text, tlen, sets, 3, &out, &olen, &e);
        va_secure_zero(text, tlen);
        free(text);
        (void)snprintf(dir, sizeof(dir), NODES_DIR "/%s", iqn);
        (void)snprintf(path, len, "%s/%s,%u", dir, addr, p->port);
        if (r == 0)
                r = plat_mkdir_p(dir, 0700, &e);
        if (r == 0)
                r = plat_write_file_atomic(path, out, olen, 0600, &e);
        if (out != NULL) {
                va_secure_zero(out, olen);
                free(out);
        }
        if (r < 0)
                va_log(VA_LOG_DEBUG, "record of %s from the template: %s", iqn, e.msg);
        return r;
}

/* Keeps the record iscsiadm just made as the template of the next ones. */
static void
template_keep(struct initiator *ini, const char *path)
{
        char *text = NULL;
        size_t len = 0;
        struct va_err e;

        /* only the plain "-o new" form, never a discovered <tpgt>/<iface> one */
        if (strlen(path) > strlen("/" IFACE) &&
            strcmp(path + strlen(path) - strlen("/" IFACE), "/" IFACE) == 0)
                return;
        va_err_clear(&e);
        if (plat_read_file(path, RECORD_MAX, &text, &len, &e) < 0)
                return;
        plat_mutex_lock(ini->mu);
        if (ini->tmpl == NULL) {
                ini->tmpl = text;
                ini->tmpl_len = len;
                text = NULL;
        }
        plat_mutex_unlock(ini->mu);
        if (text != NULL) {
                va_secure_zero(text, len);
                free(text);
        }
}

/* volattach's iface record, made once per host by iscsiadm (it is plain
 * TCP with no hardware binding, like "default"). */
static int
ensure_iface(struct initiator *ini, struct va_err *err)
{
        const char *args[] = { "-m", "iface", "-I", IFACE, "-o", "new", NULL };
        struct stat st;
        char *out = NULL;
        int r, ok;

        plat_mutex_lock(ini->mu);
        ok = ini->iface_ok;
        plat_mutex_unlock(ini->mu);
        if (ok)
                return 0;
        if (stat(IFACES_DIR "/" IFACE, &st) != 0 || !S_ISREG(st.st_mode)) {
                r = plat_mkdir_p(IFACES_DIR, 0700, err);
                if (r < 0)
                        return r;
                r = adm(args, 30000, &out, err);
                if (r > 0)
                        r = map_adm_error(r, out, "creating the iface record " IFACE, err);
                free(out);
                if (r < 0)
                        return r;
        }
        plat_mutex_lock(ini->mu);
        ini->iface_ok = 1;
        plat_mutex_unlock(ini->mu);
        return 0;
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
        r = plat_mkdir_p(NODES_DIR, 0700, err);
        if (r < 0)
                return r;
        if (access(NODES_DIR, W_OK) != 0)
                return va_err_setn(err, VA_E_IO, errno, "cannot write %s: %s", NODES_DIR,
                                   strerror(errno));
        r = ensure_iface(ini, err);
        if (r < 0)
                return r;
        if (record_path(&p, l->path->iqn, path, sizeof(path)) < 0 &&
            record_from_template(ini, &p, l->path->iqn, path, sizeof(path)) < 0) {
                const char *args[] = { "-m", "node", "-o", "new", "-T", l->path->iqn,
                                       "-p", portal, "-I", IFACE, NULL };
                char *out = NULL;

                adm_portal(&p, portal, sizeof(portal));
                r = adm(args, 30000, &out, err);
                if (r > 0)
                        r = map_adm_error(r, out, "creating the node record", err);
                free(out);
                if (r < 0)
                        return r;
                if (record_path(&p, l->path->iqn, path, sizeof(path)) < 0)
                        return va_err_set(err, VA_E_INITIATOR,
                                          "iscsiadm created no node record for %s at %s",
                                          l->path->iqn, portal);
                template_keep(ini, path);
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
        sets[k].value = IFACE;
        sets[k++].value_len = strlen(IFACE);
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
        k = auth_sets(l->auth, "node.session.auth", sets, keys, k);
        return record_update(path, sets, k, err);
}

static int
find_session(const struct portal *p, const char *iqn, struct initiator_session *ret,
             struct va_err *err)
{
        struct initiator_session *v = NULL;
        size_t n = 0, i;
        int r;

        r = lscsi_list_sessions(&v, &n, err);
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
        const char *args[] = { "-m",   "node", "-T",  l->path->iqn, "-p",
                               portal, "-I",   IFACE, "--login",    NULL };
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
        r = adm(args, l->timeout_ms + 30000, &out, err);
        if (r > 0 && r != ISCSI_ERR_SESS_EXISTS) {
                r = map_adm_error(r, out, "login", err);
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

/* A record on volattach's iface that a batch login would take along
 * although this run does not want it: the path of every wanted record is
 * in want[]. A leftover is a record of ours with no session (a volume
 * dropped from the metadata, a crash, a manual logout): it is removed, so
 * that the batch does not log in a volume the metadata no longer lists
 * (the boot policy, README). 1 when path was removed or is wanted or in
 * use, 0 when it is not ours, negative when it could not be removed. */
static int
batch_leftover(const char *path, const char *iqn, char *const *want, size_t nwant,
               const struct initiator_session *ses, size_t nses)
{
        char *text = NULL, iface[64], addr[96] = "", port[8] = "";
        struct portal p;
        size_t len = 0, i;
        struct va_err e;
        int ours;

        for (i = 0; i < nwant; i++)
                if (strcmp(want[i], path) == 0)
                        return 1;
        va_err_clear(&e);
        if (plat_read_file(path, RECORD_MAX, &text, &len, &e) < 0)
                return 0;
        ours = noderec_get(text, len, "iface.iscsi_ifacename", iface, sizeof(iface)) &&
               strcmp(iface, IFACE) == 0;
        (void)noderec_get(text, len, "node.conn[0].address", addr, sizeof(addr));
        (void)noderec_get(text, len, "node.conn[0].port", port, sizeof(port));
        va_secure_zero(text, len); /* it holds a CHAP secret */
        free(text);
        if (!ours)
                return 0;
        /* matched as find_session matches: the address as sysfs gives it */
        if (portal_addr_parse(addr, &p) == 0) {
                p.port = (unsigned)strtoul(port, NULL, 10);
                for (i = 0; i < nses; i++)
                        if (strcmp(ses[i].iqn, iqn) == 0 && portal_equal(&ses[i].portal, &p))
                                return 1; /* logged in: the batch leaves it as it is */
        }
        if (unlink(path) != 0)
                return -VA_E_IO;
        va_log(VA_LOG_NOTICE,
               "removed the node record of %s at %s,%s: not in this attach and not logged in "
               "(a volume no longer in the metadata?)",
               iqn, addr, port);
        return 1;
}

/* Walks the node database for leftovers (batch_leftover). 0 when there are
 * none left, else the batch must not run. */
static int
batch_clear_leftovers(char *const *want, size_t nwant, struct va_err *err)
{
        struct initiator_session *ses = NULL;
        size_t nses = 0;
        DIR *top;
        struct dirent *t;
        int r = 0;

        if (lscsi_list_sessions(&ses, &nses, err) < 0)
                return -VA_E_INITIATOR;
        top = opendir(NODES_DIR);
        if (top == NULL) {
                free(ses);
                return 0;
        }
        while (r == 0 && (t = readdir(top)) != NULL) {
                char dir[1024];
                DIR *d;
                struct dirent *n;

                if (t->d_name[0] == '.')
                        continue;
                (void)snprintf(dir, sizeof(dir), NODES_DIR "/%s", t->d_name);
                d = opendir(dir);
                if (d == NULL)
                        continue;
                while (r == 0 && (n = readdir(d)) != NULL) {
                        char path[1536];
                        struct stat st;

                        if (n->d_name[0] == '.')
                                continue;
                        /* the plain file <addr>,<port>, or <addr>,<port>,<tpgt>/<iface> */
                        (void)snprintf(path, sizeof(path), "%s/%s", dir, n->d_name);
                        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
                                (void)snprintf(path, sizeof(path), "%s/%s/" IFACE, dir, n->d_name);
                        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
                                continue;
                        if (batch_leftover(path, t->d_name, want, nwant, ses, nses) < 0)
                                r = va_err_setn(err, VA_E_IO, errno,
                                                "cannot remove the leftover node record %s: %s",
                                                path, strerror(errno));
                }
                closedir(d);
        }
        closedir(top);
        free(ses);
        return r;
}

/* All logins of a run in one iscsiadm: it sends every login to iscsid at
 * once and waits for them all, where one iscsiadm per target costs ~200 ms
 * of CPU each at boot in the lab (BENCHMARKS.md). Which ones came up is
 * for the core to see in sysfs; a failed one is retried one by one by the
 * core, with its own error message. */
static int
oi_login_batch(struct initiator *ini, const struct initiator_login *l, size_t n, struct va_err *err)
{
        const char *args[] = { "-m", "node", "-I", IFACE, "--login", NULL };
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
                    record_path(&p, l[i].path->iqn, path, sizeof(path)) < 0)
                        continue; /* not recorded: the batch cannot take it */
                want[nwant] = strdup(path);
                if (want[nwant] == NULL)
                        r = va_err_set(err, VA_E_NOMEM, "out of memory");
                else
                        nwant++;
        }
        if (r == 0)
                r = batch_clear_leftovers(want, nwant, err);
        plat_string_list_free(want, nwant);
        if (r < 0)
                return r;
        r = adm(args, tmo + 30000, &out, err);
        if (r > 0) {
                char tail[600];

                /* some logins failed: the core sees which and retries them */
                adm_tail(out, tail, sizeof(tail));
                va_log(VA_LOG_DEBUG, "iscsiadm -m node -I " IFACE " --login: exit %d: %s", r, tail);
                r = 0;
        }
        free(out);
        return r;
}

static int
oi_discover(struct initiator *ini, const struct portal *in, const struct auth *auth,
            struct initiator_target **ret, size_t *ret_n, struct va_err *err)
{
        char portal[PORTAL_TEXT_MAX], path[512], addr[96];
        const char *new_args[] = { "-m", "discoverydb", "-t", "st",  "-p", portal,
                                   "-I", IFACE,         "-o", "new", NULL };
        const char *disc_args[] = {
                "-m", "discoverydb",   "-t", "st", "-p", portal, "-I", IFACE, "--discover",
                "-o", "nonpersistent", NULL
        };
        const char *del_args[] = { "-m",   "discoverydb", "-t",     "st", "-p",
                                   portal, "-o",          "delete", NULL };
        struct initiator_target *v = NULL;
        struct noderec_set sets[8];
        char keys[8][96];
        struct portal p;
        char *out = NULL;
        size_t n = 0, k;
        int r;

        r = resolve(in, &p, err);
        if (r == 0)
                r = ensure_iface(ini, err);
        if (r < 0)
                return r;
        adm_portal(&p, portal, sizeof(portal));
        record_addr(&p, addr, sizeof(addr));
        r = adm(new_args, 30000, &out, err);
        free(out);
        out = NULL;
        if (r > 0)
                return va_err_setn(err, VA_E_INITIATOR, r,
                                   "creating the discovery record for %s failed (exit %d)", portal,
                                   r);
        if (r < 0)
                return r;
        /* discovery CHAP through the root-only record, as for nodes */
        (void)snprintf(path, sizeof(path), SENDTARGETS_DIR "/%s,%u/st_config", addr, p.port);
        k = auth_sets(auth, "discovery.sendtargets.auth", sets, keys, 0);
        r = record_update(path, sets, k, err);
        if (r == 0) {
                r = adm(disc_args, 60000, &out, err);
                if (r > 0)
                        r = map_adm_error(r, out, "SendTargets discovery", err);
        }
        /* the record holds the discovery secret: it is not kept */
        (void)adm(del_args, 30000, NULL, NULL);
        if (r < 0) {
                free(out);
                return r;
        }
        /* lines: "127.0.0.1:3260,1 iqn..." or "[::1]:3260,1 iqn..." */
        {
                const char *line = out;

                while (line != NULL && *line != '\0') {
                        const char *nl = strchr(line, '\n');
                        size_t len = nl ? (size_t)(nl - line) : strlen(line);
                        char buf[PORTAL_TEXT_MAX + ISCSI_NAME_MAX + 16];
                        char *sp;

                        if (len < sizeof(buf)) {
                                memcpy(buf, line, len);
                                buf[len] = '\0';
                                sp = strchr(buf, ' ');
                                if (sp != NULL) {
                                        struct initiator_target t;

                                        *sp = '\0';
                                        memset(&t, 0, sizeof(t));
                                        if (portal_parse(buf, &t.portal, NULL, NULL) == 0 &&
                                            iscsi_name_check(sp + 1, NULL, NULL) > 0) {
                                                struct initiator_target *nv;

                                                (void)snprintf(t.iqn, sizeof(t.iqn), "%s", sp + 1);
                                                nv = realloc(v, (n + 1) * sizeof(*nv));
                                                if (nv == NULL) {
                                                        free(v);
                                                        free(out);
                                                        return va_err_set(err, VA_E_NOMEM,
                                                                          "out of memory");
                                                }
                                                v = nv;
                                                v[n++] = t;
                                        }
                                }
                        }
                        line = nl ? nl + 1 : NULL;
                }
        }
        free(out);
        *ret = v;
        *ret_n = n;
        return 0;
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
                if (lscsi_scan_lun(s->handle, lun, &e) < 0)
                        va_log(VA_LOG_DEBUG, "scan of LUN %u on session %s: %s", lun, s->handle,
                               e.msg);
        }
        return lscsi_find_device(s->handle, lun, &s->portal, s->iqn, ret, err);
}

static int
oi_set_readonly(struct initiator *ini, const struct initiator_device *d, struct va_err *err)
{
        (void)ini;
        return lscsi_set_readonly(d->path, err);
}

static int
oi_device_in_use(struct initiator *ini, const struct initiator_device *d, char *why, size_t len,
                 struct va_err *err)
{
        (void)ini;
        (void)err;
        if (d->name[0] == '\0')
                return 0;
        return lscsi_device_in_use(d->name, why, len);
}

static int
oi_device_remove(struct initiator *ini, const struct initiator_device *d, struct va_err *err)
{
        (void)ini;
        if (d->kind == INITIATOR_DEVICE_MULTIPATH)
                return mpath_remove(d, err);
        return lscsi_disk_remove(d->name, err);
}

static int
oi_session_devices(struct initiator *ini, const struct initiator_session *s,
                   struct initiator_device **ret, size_t *ret_n, struct va_err *err)
{
        (void)ini;
        return lscsi_session_devices(s->handle, ret, ret_n, err);
}

static int
oi_logout(struct initiator *ini, const struct initiator_session *s, struct va_err *err)
{
        const char *args[] = { "-m", "session", "-r", s->handle, "--logout", NULL };
        char *out = NULL;
        int r;

        (void)ini;
        r = adm(args, 60000, &out, err);
        if (r == ISCSI_ERR_SESS_NOT_FOUND || r == ISCSI_ERR_NO_OBJS_FOUND)
                r = 0; /* already gone */
        if (r > 0)
                r = map_adm_error(r, out, "logout", err);
        free(out);
        return r;
}

static int
oi_remove_target(struct initiator *ini, const struct target_path *tp, struct va_err *err)
{
        char portal[PORTAL_TEXT_MAX];
        const char *args[] = { "-m", "node", "-T", tp->iqn,  "-p", portal,
                               "-I", IFACE,  "-o", "delete", NULL };
        struct portal p;
        char *out = NULL, path[1024];
        int r;

        (void)ini;
        r = resolve(&tp->portal, &p, err);
        if (r < 0)
                return r;
        if (record_path(&p, tp->iqn, path, sizeof(path)) < 0)
                return 0;
        adm_portal(&p, portal, sizeof(portal));
        r = adm(args, 30000, &out, err);
        if (r == ISCSI_ERR_NO_OBJS_FOUND)
                r = 0;
        if (r > 0)
                r = map_adm_error(r, out, "deleting the node record", err);
        free(out);
        /* iscsiadm cannot parse (so will not delete) a record cut short by a
         * full filesystem; it is a file of ours to remove all the same */
        if (record_path(&p, tp->iqn, path, sizeof(path)) == 0) {
                char dir[1024], *slash;

                if (unlink(path) == 0) {
                        r = 0;
                        va_err_clear(err);
                }
                (void)snprintf(dir, sizeof(dir), "%s", path);
                while ((slash = strrchr(dir, '/')) != NULL && strlen(dir) > strlen(NODES_DIR "/")) {
                        *slash = '\0';
                        if (strlen(dir) <= strlen(NODES_DIR) || rmdir(dir) != 0)
                                break; /* not empty: other portals of the target */
                }
        }
        return r;
}

static int
oi_multipath_assemble(struct initiator *ini, const struct initiator_device *paths, size_t n,
                      struct initiator_device *ret, struct va_err *err)
{
        (void)ini;
        return mpath_assemble(paths, n, ret, err);
}

static int
oi_multipath_ready(struct initiator *ini)
{
        (void)ini;
        return mpath_ready();
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
};
