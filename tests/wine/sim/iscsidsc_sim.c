/* SPDX-License-Identifier: Apache-2.0 */
/* A simulated iscsidsc.dll for testing volattach under Wine: the Microsoft
 * iSCSI initiator API modelled on its documented behaviour, errors included,
 * against a simulated storage array configured through VA_SIM_* variables. */

/*
 * Every behaviour carries its source:
 *   documented  Microsoft Learn (sdk-api) or the SDK headers' own text
 *   observed    seen on real Windows by os-win (openstack/os-win) or by
 *               go-win-iscsidsc's Windows CI (wk8/go-win-iscsidsc)
 *   assumed     our best guess; only a real Windows run can confirm it
 * tests/wine/README.md has the table and the VA_SIM_* interface.
 */
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "sim.h"

#define DEFAULT_PORT 3260

/* Both halves of a session id. AdapterUnique is a kernel address on real
 * Windows: it changes with every boot (assumed), so ids from before a
 * reboot are invalid afterwards. */
#define ADAPTER_BASE    0xFFFFE0000A7C1010ull
#define SPECIFIC_PREFIX 0x4000013700000000ull
/* the ISID prefix the Microsoft initiator uses (observed in session lists) */
static const UCHAR isid_prefix[6] = { 0x40, 0x00, 0x01, 0x37, 0x00, 0x00 };

/* GUID_DEVINTERFACE_DISK */
static const GUID disk_interface = {
        0x53f56307, 0xb6bf, 0x11d0, { 0x94, 0xf2, 0x00, 0xa0, 0xc9, 0x1e, 0xfb, 0x8b }
};

enum { BUSY_LOGOUT = 0, BUSY_DEVICES = 1 };

/* --- small conversions --------------------------------------------------------- */

static ULONGLONG
adapter_unique(const struct sim_state *st)
{
        return ADAPTER_BASE + (ULONGLONG)st->boot_count * 0x10000ull;
}

/* RFC 3720 names are at most 223 bytes; the service rejects what it cannot
 * store or what holds spaces or controls ("contains invalid characters or is
 * too long", iscsierr.h), assumed to be checked on every call taking one. */
static int
name_from(const WCHAR *w, char *out)
{
        size_t i, n;

        if (w == NULL || sim_from_wide(w, out, SIM_NAME_MAX) < 0)
                return -1;
        n = strlen(out);
        if (n == 0 || n > MAX_ISCSI_NAME_LEN)
                return -1;
        for (i = 0; i < n; i++)
                if ((unsigned char)out[i] <= 0x20 || out[i] == 0x7f)
                        return -1;
        return 0;
}

/* NULL and "" both mean "any initiator" */
static void
instance_from(const WCHAR *w, char *out)
{
        if (w == NULL || sim_from_wide(w, out, SIM_INST_MAX) < 0)
                out[0] = '\0';
}

static int
portal_from(const ISCSI_TARGET_PORTALW *p, struct sim_addr *a, char *symbolic)
{
        WCHAR addr[MAX_ISCSI_PORTAL_ADDRESS_LEN + 1], sym[MAX_ISCSI_PORTAL_NAME_LEN + 1];

        /* the caller's arrays need not be NUL-terminated at full length */
        memcpy(addr, p->Address, sizeof(p->Address));
        addr[MAX_ISCSI_PORTAL_ADDRESS_LEN] = 0;
        memcpy(sym, p->SymbolicName, sizeof(p->SymbolicName));
        sym[MAX_ISCSI_PORTAL_NAME_LEN] = 0;
        if (sim_from_wide(addr, a->host, sizeof(a->host)) < 0 || a->host[0] == '\0')
                return -1;
        /* Socket 0 is taken as the iSCSI port (assumed) */
        a->port = p->Socket != 0 ? p->Socket : DEFAULT_PORT;
        if (symbolic != NULL && sim_from_wide(sym, symbolic, SIM_SYMNAME_MAX) < 0)
                symbolic[0] = '\0';
        return 0;
}

static void
portal_to(const struct sim_addr *a, const char *symbolic, ISCSI_TARGET_PORTALW *p)
{
        memset(p, 0, sizeof(*p));
        (void)sim_to_wide(a->host, p->Address, MAX_ISCSI_PORTAL_ADDRESS_LEN);
        (void)sim_to_wide(symbolic, p->SymbolicName, MAX_ISCSI_PORTAL_NAME_LEN);
        p->Socket = (USHORT)a->port;
}

/* What the service keeps of login options: everything but the password,
 * of which only a fingerprint stays. */
static void
opts_from(const ISCSI_LOGIN_OPTIONS *lo, struct sim_login_opts *o)
{
        memset(o, 0, sizeof(*o));
        if (lo == NULL)
                return;
        o->info = lo->InformationSpecified;
        o->flags = lo->LoginFlags;
        o->auth_type = (ULONG)lo->AuthType;
        o->header_digest = (ULONG)lo->HeaderDigest;
        o->data_digest = (ULONG)lo->DataDigest;
        o->max_connections = lo->MaximumConnections;
        o->time2wait = lo->DefaultTime2Wait;
        o->time2retain = lo->DefaultTime2Retain;
        if ((o->info & ISCSI_LOGIN_OPTIONS_USERNAME) && lo->Username != NULL &&
            lo->UsernameLength > 0 && lo->UsernameLength < sizeof(o->user)) {
                memcpy(o->user, lo->Username, lo->UsernameLength);
                o->user[lo->UsernameLength] = '\0';
                o->user_len = lo->UsernameLength;
        }
        if ((o->info & ISCSI_LOGIN_OPTIONS_PASSWORD) && lo->Password != NULL)
                o->password = sim_fingerprint(lo->Password, lo->PasswordLength);
}

/* Options as the service reports them back: the username in the caller's
 * buffer, never the password (observed by go-win-iscsidsc for portals;
 * assumed the same for persistent logins). */
static void
opts_to(const struct sim_login_opts *o, PUCHAR user_at, ISCSI_LOGIN_OPTIONS *lo)
{
        memset(lo, 0, sizeof(*lo));
        lo->Version = ISCSI_LOGIN_OPTIONS_VERSION;
        lo->InformationSpecified = o->info & ~(ULONG)ISCSI_LOGIN_OPTIONS_PASSWORD;
        lo->LoginFlags = o->flags;
        lo->AuthType = (ISCSI_AUTH_TYPES)o->auth_type;
        lo->HeaderDigest = (ISCSI_DIGEST_TYPES)o->header_digest;
        lo->DataDigest = (ISCSI_DIGEST_TYPES)o->data_digest;
        lo->MaximumConnections = o->max_connections;
        lo->DefaultTime2Wait = o->time2wait;
        lo->DefaultTime2Retain = o->time2retain;
        if (o->user_len > 0) {
                memcpy(user_at, o->user, o->user_len);
                lo->Username = user_at;
                lo->UsernameLength = (ULONG)o->user_len;
        }
}

static ULONG
auth_of(const struct sim_login_opts *o)
{
        /* options without the AUTH_TYPE bit ask for no authentication */
        return (o->info & ISCSI_LOGIN_OPTIONS_AUTH_TYPE) ? o->auth_type : ISCSI_NO_AUTH_TYPE;
}

static const char *
auth_name(ULONG auth)
{
        switch (auth) {
        case ISCSI_NO_AUTH_TYPE:
                return "none";
        case ISCSI_CHAP_AUTH_TYPE:
                return "chap";
        case ISCSI_MUTUAL_CHAP_AUTH_TYPE:
                return "mutual";
        default:
                return "invalid";
        }
}

static void
note_opts(struct sim_call *c, const struct sim_login_opts *o)
{
        sim_note(c, " auth=%s", auth_name(auth_of(o)));
        if (o->user_len > 0)
                sim_note(c, " user=%s", o->user);
        if (o->info & ISCSI_LOGIN_OPTIONS_PASSWORD)
                sim_note(c, " secret=%s",
                         o->password.len < 12   ? "short"
                         : o->password.len > 16 ? "long"
                                                : "given");
        if (o->flags != 0)
                sim_note(c, " flags=0x%lx", o->flags);
}

/* The default name is derived from the computer name (documented), as
 * iqn.1991-05.com.microsoft:<fqdn in lower case> (observed: os-win builds
 * the same as its fallback). */
static void
node_name(const struct sim_state *st, char *out)
{
        char host[256];
        DWORD n = sizeof(host);
        size_t i;

        if (st->node_name[0] != '\0') {
                sim_copy(out, SIM_NAME_MAX, st->node_name);
                return;
        }
        if (!GetComputerNameExA(ComputerNameDnsFullyQualified, host, &n) || n == 0)
                sim_copy(host, sizeof(host), "localhost");
        for (i = 0; host[i] != '\0'; i++)
                if (host[i] >= 'A' && host[i] <= 'Z')
                        host[i] = (char)(host[i] - 'A' + 'a');
        (void)snprintf(out, SIM_NAME_MAX, "iqn.1991-05.com.microsoft:%s", host);
}

/* IQNs as sessions and devices report them; upper-cased with the upper-iqn
 * fault (observed: os-win bug 1639765, IQNs came back in upper case). */
static void
reported_iqn(const struct sim_call *c, const char *iqn, char *out)
{
        size_t i;

        sim_copy(out, SIM_NAME_MAX, iqn);
        if (c->cfg->faults.upper_iqn)
                for (i = 0; out[i] != '\0'; i++)
                        if (out[i] >= 'a' && out[i] <= 'z')
                                out[i] = (char)(out[i] - 'a' + 'A');
}

/* --- discovery -------------------------------------------------------------- */

static int
found_has(const struct sim_state *st, const char *iqn, const struct sim_addr *via)
{
        size_t i;

        for (i = 0; i < st->nfound; i++)
                if (sim_streqi(st->found[i].iqn, iqn) &&
                    (via == NULL || sim_addr_eq(&st->found[i].via, via)))
                        return 1;
        return 0;
}

static const struct sim_found *
found_first(const struct sim_state *st, const char *iqn)
{
        size_t i;

        for (i = 0; i < st->nfound; i++)
                if (sim_streqi(st->found[i].iqn, iqn))
                        return &st->found[i];
        return NULL;
}

static void
found_drop_via(struct sim_state *st, const struct sim_addr *via)
{
        size_t i, kept = 0;

        for (i = 0; i < st->nfound; i++)
                if (!sim_addr_eq(&st->found[i].via, via))
                        st->found[kept++] = st->found[i];
        st->nfound = kept;
}

static struct sim_static *
static_find(struct sim_state *st, const char *iqn)
{
        size_t i;

        for (i = 0; i < st->nstatics; i++)
                if (sim_streqi(st->statics[i].iqn, iqn))
                        return &st->statics[i];
        return NULL;
}

/* Discovered, or static and not hidden: ISCSI_TARGET_FLAG_HIDE_STATIC_TARGET
 * keeps a static target out of the list until SendTargets also reports it
 * (documented), and login to it fails ("not found or is marked as hidden
 * from login", iscsierr.h). */
static int
target_visible(struct sim_state *st, const char *iqn)
{
        const struct sim_static *s = static_find(st, iqn);

        if (found_has(st, iqn, NULL))
                return 1;
        return s != NULL && !(s->flags & ISCSI_TARGET_FLAG_HIDE_STATIC_TARGET);
}

/* Nothing listens where no simulated target has a path, or where the
 * portal-down fault says the network is cut. */
static int
reachable(const struct sim_config *cfg, const struct sim_addr *a)
{
        size_t i;

        if (sim_portal_down(cfg, a))
                return 0;
        for (i = 0; i < cfg->ntargets; i++)
                if (sim_target_has_path(&cfg->targets[i], a))
                        return 1;
        return 0;
}

/* The Microsoft initiator refuses target CHAP secrets outside 12..16 bytes
 * without IPsec ("Maximum size of CHAP secret is 16 bytes. Minimum size is
 * 12 bytes if IPSec is not used", iscsierr.h: documented). */
static ULONG
check_secret_format(const struct sim_login_opts *o)
{
        ULONG auth = auth_of(o);

        if (auth > ISCSI_MUTUAL_CHAP_AUTH_TYPE)
                return ISDSC_INVALID_LOGON_AUTH_TYPE;
        if (auth == ISCSI_NO_AUTH_TYPE)
                return ERROR_SUCCESS;
        if (!(o->info & ISCSI_LOGIN_OPTIONS_PASSWORD) || o->password.len < 12 ||
            o->password.len > 16)
                return ISDSC_INVALID_TARGET_CHAP_SECRET;
        return ERROR_SUCCESS;
}

/* CHAP_N is the username when given, else the initiator node name (SDK
 * header comment: documented). */
static int
chap_matches(const struct sim_state *st, const struct sim_login_opts *o, const char *user,
             const char *secret)
{
        char name[SIM_NAME_MAX];
        const char *n = o->user;

        if (o->user_len == 0) {
                node_name(st, name);
                n = name;
        }
        return strcmp(n, user) == 0 &&
               sim_secret_eq(o->password, sim_fingerprint(secret, strlen(secret)));
}

/* SendTargets to one portal: targets with a path there become discovered.
 * A portal that does not answer gives ISDSC_CONNECTION_FAILED and failed
 * discovery CHAP ISDSC_AUTHENTICATION_FAILURE (observed by go-win-iscsidsc,
 * both at AddIScsiSendTargetPortal time). */
static ULONG
discover(struct sim_call *c, const struct sim_portal *p)
{
        const struct sim_discovery_auth *need = sim_discovery_find(c->cfg, &p->addr);
        ULONG rc;
        size_t i, j;

        if (!reachable(c->cfg, &p->addr))
                return ISDSC_CONNECTION_FAILED;
        rc = check_secret_format(&p->opts);
        if (rc != ERROR_SUCCESS)
                return rc;
        if (need != NULL && (auth_of(&p->opts) == ISCSI_NO_AUTH_TYPE ||
                             !chap_matches(c->st, &p->opts, need->user, need->secret)))
                return ISDSC_AUTHENTICATION_FAILURE;
        found_drop_via(c->st, &p->addr);
        for (i = 0; i < c->cfg->ntargets; i++) {
                const struct sim_target *t = &c->cfg->targets[i];

                for (j = 0; j < t->npaths; j++) {
                        if (!sim_addr_eq(&t->paths[j], &p->addr) || c->st->nfound == SIM_FOUND)
                                continue;
                        sim_copy(c->st->found[c->st->nfound].iqn, SIM_NAME_MAX, t->iqn);
                        c->st->found[c->st->nfound].via = p->addr;
                        c->st->nfound++;
                }
        }
        c->dirty = 1;
        return ERROR_SUCCESS;
}

/* A refresh keeps what a failing portal reported earlier (assumed). */
void
sim_discover_all(struct sim_call *c)
{
        size_t i;

        for (i = 0; i < c->st->nportals; i++)
                (void)discover(c, &c->st->portals[i]);
}

/* --- login ------------------------------------------------------------------ */

ULONG
sim_check_login(struct sim_call *c, const struct sim_target *t, const struct sim_login_opts *o)
{
        const struct sim_state *st = c->st;
        ULONG auth = auth_of(o), rc;

        rc = check_secret_format(o);
        if (rc != ERROR_SUCCESS)
                return rc;
        /* A target with CHAP rejects logins without it or with the wrong
         * name or secret (observed: 0xEFFF0009 for bad CHAP, os-win and
         * go-win-iscsidsc); one without CHAP accepts a CHAP login (assumed:
         * LIO's demo-mode behaviour). */
        if (t->user[0] != '\0' &&
            (auth == ISCSI_NO_AUTH_TYPE || !chap_matches(st, o, t->user, t->secret)))
                return ISDSC_AUTHENTICATION_FAILURE;
        /* a target set up for mutual CHAP insists on it (assumed: LIO fails
         * the login when the initiator does not challenge) */
        if (t->mutual_secret[0] != '\0' && auth != ISCSI_MUTUAL_CHAP_AUTH_TYPE)
                return ISDSC_AUTHENTICATION_FAILURE;
        if (auth != ISCSI_MUTUAL_CHAP_AUTH_TYPE)
                return ERROR_SUCCESS;
        /* Mutual: the target answers with the one initiator secret of the
         * machine (SetIScsiInitiatorCHAPSharedSecret: documented). A secret
         * under 12 bytes is "not usable ... over non ipsec connections"
         * (iscsierr.h); which code the login then fails with is assumed. */
        if (!st->initiator_secret_set || st->initiator_secret.len < 12 ||
            t->mutual_secret[0] == '\0' ||
            !sim_secret_eq(st->initiator_secret,
                           sim_fingerprint(t->mutual_secret, strlen(t->mutual_secret))))
                return ISDSC_AUTHENTICATION_FAILURE;
        return ERROR_SUCCESS;
}

static ULONG
disk_number(struct sim_call *c, const char *iqn, unsigned lun, const char *path)
{
        struct sim_state *st = c->st;
        struct sim_disk *d;
        size_t i;

        /* One number per LU, kept forever, so tests can name the disk they
         * expect (assumed: real numbering is only stable in practice). With
         * MPIO claiming iSCSI disks, every path of a LU is one disk; with
         * the no-mpio fault each path is a disk of its own. */
        for (i = 0; i < st->ndisks; i++)
                if (st->disks[i].lun == lun && sim_streqi(st->disks[i].iqn, iqn) &&
                    strcmp(st->disks[i].path, path) == 0)
                        return st->disks[i].number;
        if (st->ndisks == SIM_DISKS)
                return 0xFFFFFFFFu;
        d = &st->disks[st->ndisks++];
        sim_copy(d->iqn, sizeof(d->iqn), iqn);
        d->lun = lun;
        sim_copy(d->path, sizeof(d->path), path);
        d->number = st->next_disk++;
        c->dirty = 1;
        return d->number;
}

void
sim_disk_path_key(const struct sim_call *c, const struct sim_session *s, char *out, size_t cap)
{
        if (c->cfg->faults.no_mpio)
                (void)snprintf(out, cap, "%s:%u", s->portal.host, s->portal.port);
        else
                out[0] = '\0';
}

/* A disk arrives with its first session: PnP sets its attributes from what
 * a persisted IOCTL_DISK_SET_DISK_ATTRIBUTES left, else from the SAN policy
 * (documented: the policy decides for newly discovered disks; an attribute
 * set without Persist lives until the disk goes away). */
static void
disk_arrive(struct sim_call *c, const struct sim_session *s, unsigned lun, const char *key)
{
        struct sim_state *st = c->st;
        char other[SIM_ADDR_MAX + 8];
        size_t i;
        ULONG n = disk_number(c, s->iqn, lun, key);

        for (i = 0; i < st->nsessions; i++) {
                const struct sim_session *o = &st->sessions[i];

                if (o == s || o->informational || !sim_streqi(o->iqn, s->iqn))
                        continue;
                sim_disk_path_key(c, o, other, sizeof(other));
                if (strcmp(other, key) == 0)
                        return; /* already there through another path */
        }
        for (i = 0; i < st->ndisks; i++)
                if (st->disks[i].number == n) {
                        struct sim_disk *d = &st->disks[i];

                        d->attrs = d->has_persisted ? d->persisted : sim_disk_new_attrs(c->cfg);
                        c->dirty = 1;
                }
}

ULONG
sim_session_create(struct sim_call *c, const struct sim_target *t, const struct sim_addr *portal,
                   ULONG login_flags, int informational, struct sim_session **ret)
{
        struct sim_state *st = c->st;
        struct sim_session *s;
        char key[SIM_ADDR_MAX + 8];
        unsigned lun;

        if (st->nsessions == SIM_SESSIONS)
                return ISDSC_TOO_MANY_SESSIONS;
        s = &st->sessions[st->nsessions++];
        memset(s, 0, sizeof(*s));
        s->id = st->next_id++;
        s->cid = st->next_id++;
        sim_copy(s->iqn, sizeof(s->iqn), t->iqn);
        s->portal = *portal;
        s->login_flags = login_flags;
        s->informational = informational;
        /* PnP enumerates the LUNs some time after login (observed: os-win
         * and go-win-iscsidsc poll for them) */
        s->hidden_polls = c->cfg->faults.devices_late;
        s->unnumbered_polls = c->cfg->faults.devices_unnumbered;
        s->tsid = (unsigned)(s->id & 0xFFFF);
        s->initiator_socket = 49152 + (unsigned)(s->id % 16000);
        /* numbers are given in login order, so they are reproducible */
        sim_disk_path_key(c, s, key, sizeof(key));
        if (!informational)
                for (lun = 0; lun < SIM_LUNS; lun++)
                        if (t->luns[lun])
                                disk_arrive(c, s, lun, key);
        c->dirty = 1;
        *ret = s;
        return ERROR_SUCCESS;
}

static struct sim_session *
session_find(struct sim_call *c, const ISCSI_UNIQUE_SESSION_ID *id, size_t *index)
{
        size_t i;

        if (id->AdapterUnique != adapter_unique(c->st))
                return NULL;
        for (i = 0; i < c->st->nsessions; i++)
                if ((SPECIFIC_PREFIX | c->st->sessions[i].id) == id->AdapterSpecific) {
                        if (index != NULL)
                                *index = i;
                        return &c->st->sessions[i];
                }
        return NULL;
}

static void
session_id_to(const struct sim_call *c, ULONGLONG n, ISCSI_UNIQUE_SESSION_ID *id)
{
        id->AdapterUnique = adapter_unique(c->st);
        id->AdapterSpecific = SPECIFIC_PREFIX | n;
}

static int
session_recovering(const struct sim_call *c, const struct sim_session *s)
{
        size_t i;

        /* session-down: the connection dropped and the session waits in
         * recovery, listed with ConnectionCount 0 (observed: os-win filters
         * on ConnectionCount > 0) */
        for (i = 0; i < c->cfg->faults.nrecovering; i++)
                if (sim_streqi(c->cfg->faults.recovering[i], s->iqn))
                        return 1;
        return 0;
}

/* Same target, portal, initiator and port: one persistent login, replaced
 * by a new one (assumed). */
static struct sim_plogin *
plogin_slot(struct sim_state *st, const struct sim_plogin *l)
{
        size_t i;

        for (i = 0; i < st->nplogins; i++) {
                struct sim_plogin *x = &st->plogins[i];

                if (sim_streqi(x->iqn, l->iqn) && sim_addr_eq(&x->portal, &l->portal) &&
                    sim_streqi(x->instance, l->instance) && x->instance_port == l->instance_port)
                        return x;
        }
        return st->nplogins < SIM_PLOGINS ? &st->plogins[st->nplogins++] : NULL;
}

/* The portal of a login: the caller's, else one that reported the target,
 * else the static target's portal group (documented: with no portal the
 * service picks any portal the target is reachable through). */
static ULONG
login_portal(struct sim_call *c, const char *iqn, const ISCSI_TARGET_PORTALW *given,
             struct sim_addr *a, char *symbolic)
{
        const struct sim_found *f;
        const struct sim_static *s;

        symbolic[0] = '\0';
        if (given != NULL)
                return portal_from(given, a, symbolic) < 0 ? ERROR_INVALID_PARAMETER
                                                           : ERROR_SUCCESS;
        f = found_first(c->st, iqn);
        if (f != NULL) {
                *a = f->via;
                return ERROR_SUCCESS;
        }
        s = static_find(c->st, iqn);
        if (s != NULL && s->portal.port != 0) {
                *a = s->portal;
                return ERROR_SUCCESS;
        }
        /* "There is no target portal available to complete the login" */
        return ISDSC_NO_PORTAL_SPECIFIED;
}

static ULONG
login(struct sim_call *c, PWSTR target_name, BOOLEAN informational, PWSTR instance, ULONG port,
      PISCSI_TARGET_PORTALW target_portal, PISCSI_LOGIN_OPTIONS lo, BOOLEAN persistent,
      PISCSI_UNIQUE_SESSION_ID sid, PISCSI_UNIQUE_CONNECTION_ID cid)
{
        struct sim_state *st = c->st;
        const struct sim_target *t;
        struct sim_login_opts o;
        struct sim_session *s;
        struct sim_addr portal;
        char iqn[SIM_NAME_MAX], inst[SIM_INST_MAX], symbolic[SIM_SYMNAME_MAX];
        size_t i;
        ULONG rc;

        opts_from(lo, &o);
        instance_from(instance, inst);
        if (name_from(target_name, iqn) < 0)
                return ISDSC_INVALID_ISCSI_NAME;
        sim_note(c, "target=%s", iqn);
        note_opts(c, &o);
        sim_note(c, " persistent=%d informational=%d", persistent ? 1 : 0, informational ? 1 : 0);
        if (sid == NULL || cid == NULL)
                return ERROR_INVALID_PARAMETER;
        memset(sid, 0, sizeof(*sid));
        memset(cid, 0, sizeof(*cid));
        /* "If InitiatorName is null, InitiatorPortNumber must be
         * ISCSI_ANY_INITIATOR_PORT" (documented; the code is assumed) */
        if (inst[0] == '\0' && port != ISCSI_ANY_INITIATOR_PORT)
                return ISDSC_INVALID_PORT_NUMBER;
        if (inst[0] != '\0' && !sim_streqi(inst, SIM_HBA_INSTANCE))
                return ISDSC_INITIATOR_INSTANCE_NOT_FOUND;
        rc = check_secret_format(&o);
        if (rc != ERROR_SUCCESS)
                return rc;
        /* "The target must already exist in the list of discovered targets"
         * (documented) */
        if (!target_visible(st, iqn))
                return ISDSC_TARGET_NOT_FOUND;
        rc = login_portal(c, iqn, target_portal, &portal, symbolic);
        if (rc != ERROR_SUCCESS)
                return rc;
        sim_note(c, " portal=%s:%u", portal.host, portal.port);

        if (persistent) {
                /* The service only records a persistent login; the session
                 * comes at the next boot (observed by os-win, against the
                 * docs, which say it logs in after saving). */
                struct sim_plogin l, *slot;

                memset(&l, 0, sizeof(l));
                sim_copy(l.iqn, sizeof(l.iqn), iqn);
                l.informational = informational ? 1 : 0;
                sim_copy(l.instance, sizeof(l.instance), inst);
                l.instance_port = port;
                /* kept as given: without a portal, any one at boot */
                if (target_portal != NULL)
                        l.portal = portal;
                sim_copy(l.symbolic, sizeof(l.symbolic), symbolic);
                l.opts = o;
                slot = plogin_slot(st, &l);
                if (slot == NULL)
                        return ISDSC_COULD_NOT_SAVE_PERSISTENT_LOGIN_DATA;
                *slot = l;
                c->dirty = 1;
                return ERROR_SUCCESS;
        }

        /* One session per target unless the multipath flag is set
         * (observed: go-win-iscsidsc's CI gets 0xEFFF003F on a second
         * login). */
        for (i = 0; i < st->nsessions; i++)
                if (sim_streqi(st->sessions[i].iqn, iqn) &&
                    !(o.flags & ISCSI_LOGIN_FLAG_MULTIPATH_ENABLED))
                        return ISDSC_TARGET_ALREADY_LOGGED_IN;
        if (!reachable(c->cfg, &portal))
                return ISDSC_CONNECTION_FAILED;
        /* A portal of another target answers the login with status 0x0203
         * "not found", which iscsierr.h lists as ISDSC_NOT_FOUND (assumed). */
        t = sim_target_find(c->cfg, iqn);
        if (t == NULL || !sim_target_has_path(t, &portal))
                return ISDSC_NOT_FOUND;
        rc = sim_check_login(c, t, &o);
        if (rc != ERROR_SUCCESS)
                return rc;
        rc = sim_session_create(c, t, &portal, o.flags, informational ? 1 : 0, &s);
        if (rc != ERROR_SUCCESS)
                return rc;
        /* new ids for every login (observed: go-win-iscsidsc) */
        session_id_to(c, s->id, sid);
        session_id_to(c, s->cid, cid);
        sim_note(c, " session=%llx", (unsigned long long)s->id);
        return ERROR_SUCCESS;
}

/* --- exported: initiator --------------------------------------------------------- */

ISDSC_STATUS ISDSC_API
GetIScsiVersionInformation(PISCSI_VERSION_INFO VersionInfo)
{
        struct sim_call c;
        ULONG rc = sim_begin(&c, "GetIScsiVersionInformation");

        if (rc == ERROR_SUCCESS) {
                if (VersionInfo == NULL) {
                        rc = ERROR_INVALID_PARAMETER;
                } else {
                        /* Windows Server 2012 R2's numbers (assumed) */
                        VersionInfo->MajorVersion = 6;
                        VersionInfo->MinorVersion = 3;
                        VersionInfo->BuildNumber = 9600;
                }
        }
        return sim_end(&c, rc);
}

ISDSC_STATUS ISDSC_API
GetIScsiInitiatorNodeNameW(PWCHAR InitiatorNodeName)
{
        struct sim_call c;
        char name[SIM_NAME_MAX];
        ULONG rc = sim_begin(&c, "GetIScsiInitiatorNodeNameW");

        if (rc == ERROR_SUCCESS) {
                node_name(c.st, name);
                sim_note(&c, "%s", name);
                /* the buffer holds MAX_ISCSI_NAME_LEN + 1 WCHARs (documented
                 * as _Out_writes_(MAX_ISCSI_NAME_LEN+1)) */
                if (InitiatorNodeName == NULL)
                        rc = ERROR_INVALID_PARAMETER;
                else if (sim_to_wide(name, InitiatorNodeName, MAX_ISCSI_NAME_LEN + 1) < 0)
                        rc = ISDSC_INVALID_ISCSI_NAME;
        }
        return sim_end(&c, rc);
}

ISDSC_STATUS ISDSC_API
SetIScsiInitiatorNodeNameW(PWSTR InitiatorNodeName)
{
        struct sim_call c;
        char name[SIM_NAME_MAX];
        ULONG rc = sim_begin(&c, "SetIScsiInitiatorNodeNameW");

        if (rc != ERROR_SUCCESS)
                return sim_end(&c, rc);
        if (InitiatorNodeName == NULL) {
                /* NULL restores the name derived from the computer name
                 * (documented) */
                sim_note(&c, "NULL");
                c.st->node_name[0] = '\0';
                c.dirty = 1;
        } else if (name_from(InitiatorNodeName, name) < 0) {
                /* The format is not verified (documented), but what cannot
                 * be stored or read back is refused (assumed). */
                rc = ISDSC_INVALID_ISCSI_NAME;
        } else {
                sim_note(&c, "%s", name);
                sim_copy(c.st->node_name, sizeof(c.st->node_name), name);
                c.dirty = 1;
        }
        return sim_end(&c, rc);
}

ISDSC_STATUS ISDSC_API
SetIScsiInitiatorCHAPSharedSecret(ULONG SharedSecretLength, PUCHAR SharedSecret)
{
        struct sim_call c;
        ULONG rc = sim_begin(&c, "SetIScsiInitiatorCHAPSharedSecret");

        if (rc != ERROR_SUCCESS)
                return sim_end(&c, rc);
        /* the length class only: the trace never holds a secret */
        sim_note(&c, "secret=%s",
                 SharedSecretLength == 0   ? "none"
                 : SharedSecretLength < 12 ? "short"
                 : SharedSecretLength > 16 ? "long"
                                           : "given");
        if (SharedSecret == NULL && SharedSecretLength > 0) {
                rc = ERROR_INVALID_PARAMETER;
        } else if (SharedSecretLength > 16) {
                /* "Maximum size of CHAP secret is 16 bytes" (iscsierr.h) */
                rc = ISDSC_INVALID_INITIATOR_CHAP_SECRET;
        } else {
                /* an empty secret clears it (assumed) */
                c.st->initiator_secret_set = SharedSecretLength > 0;
                c.st->initiator_secret = sim_fingerprint(SharedSecret, SharedSecretLength);
                c.dirty = 1;
                /* stored, with a warning: under 96 bits it only works with
                 * IPsec (documented: the parameter's page and iscsierr.h) */
                if (SharedSecretLength > 0 && SharedSecretLength < 12)
                        rc = ISDSC_SHORT_CHAP_SECRET;
        }
        return sim_end(&c, rc);
}

/* --- exported: send-target portals -------------------------------------------------- */

static struct sim_portal *
portal_find(struct sim_state *st, const struct sim_addr *a, size_t *index)
{
        size_t i;

        for (i = 0; i < st->nportals; i++)
                if (sim_addr_eq(&st->portals[i].addr, a)) {
                        if (index != NULL)
                                *index = i;
                        return &st->portals[i];
                }
        return NULL;
}

ISDSC_STATUS ISDSC_API
AddIScsiSendTargetPortalW(PWSTR InitiatorInstance, ULONG InitiatorPortNumber,
                          PISCSI_LOGIN_OPTIONS LoginOptions, ISCSI_SECURITY_FLAGS SecurityFlags,
                          PISCSI_TARGET_PORTALW Portal)
{
        struct sim_call c;
        struct sim_portal p, *slot;
        ULONG rc = sim_begin(&c, "AddIScsiSendTargetPortalW");

        if (rc != ERROR_SUCCESS)
                return sim_end(&c, rc);
        memset(&p, 0, sizeof(p));
        if (Portal == NULL || portal_from(Portal, &p.addr, p.symbolic) < 0)
                return sim_end(&c, ERROR_INVALID_PARAMETER);
        instance_from(InitiatorInstance, p.instance);
        p.instance_port = InitiatorPortNumber;
        p.security_flags = SecurityFlags;
        opts_from(LoginOptions, &p.opts);
        sim_note(&c, "portal=%s:%u", p.addr.host, p.addr.port);
        note_opts(&c, &p.opts);
        /* An existing portal is left as it is (assumed: iscsierr.h has the
         * code; whether Windows returns it or refreshes silently is not
         * confirmed). Callers count it as success. */
        if (portal_find(c.st, &p.addr, NULL) != NULL)
                return sim_end(&c, ISDSC_TARGET_PORTAL_ALREADY_EXISTS);
        if (c.st->nportals == SIM_PORTALS)
                return sim_end(&c, ISDSC_NON_SPECIFIC_ERROR);
        slot = &c.st->portals[c.st->nportals++];
        *slot = p;
        c.dirty = 1;
        /* the portal stays recorded even when this first SendTargets
         * fails (observed: go-win-iscsidsc removes it cleanly afterwards) */
        rc = discover(&c, slot);
        return sim_end(&c, rc);
}

ISDSC_STATUS ISDSC_API
RemoveIScsiSendTargetPortalW(PWSTR InitiatorInstance, ULONG InitiatorPortNumber,
                             PISCSI_TARGET_PORTALW Portal)
{
        struct sim_call c;
        struct sim_addr a;
        size_t index;
        ULONG rc = sim_begin(&c, "RemoveIScsiSendTargetPortalW");

        (void)InitiatorInstance;
        (void)InitiatorPortNumber;
        if (rc != ERROR_SUCCESS)
                return sim_end(&c, rc);
        if (Portal == NULL || portal_from(Portal, &a, NULL) < 0)
                return sim_end(&c, ERROR_INVALID_PARAMETER);
        sim_note(&c, "portal=%s:%u", a.host, a.port);
        /* "The specified portal was not found" (code assumed) */
        if (portal_find(c.st, &a, &index) == NULL)
                return sim_end(&c, ISDSC_PORTAL_NOT_FOUND);
        memmove(&c.st->portals[index], &c.st->portals[index + 1],
                (c.st->nportals - index - 1) * sizeof(c.st->portals[0]));
        c.st->nportals--;
        /* what only this portal reported is gone with it (assumed);
         * sessions stay */
        found_drop_via(c.st, &a);
        c.dirty = 1;
        return sim_end(&c, ERROR_SUCCESS);
}

ISDSC_STATUS ISDSC_API
ReportIScsiSendTargetPortalsExW(PULONG PortalCount, PULONG PortalInfoSize,
                                PISCSI_TARGET_PORTAL_INFO_EXW PortalInfo)
{
        struct sim_call c;
        size_t i, need, n;
        PUCHAR tail;
        ULONG rc = sim_begin(&c, "ReportIScsiSendTargetPortalsExW");

        if (rc != ERROR_SUCCESS)
                return sim_end(&c, rc);
        if (PortalCount == NULL || PortalInfoSize == NULL)
                return sim_end(&c, ERROR_INVALID_PARAMETER);
        n = c.st->nportals;
        /* sizes in bytes; usernames follow the array, and the size covers
         * exactly that (observed: go-win-iscsidsc checks it to the byte) */
        need = n * sizeof(ISCSI_TARGET_PORTAL_INFO_EXW);
        for (i = 0; i < n; i++)
                need += c.st->portals[i].opts.user_len;
        sim_note(&c, "size=%lu need=%zu", *PortalInfoSize, need);
        *PortalCount = (ULONG)n;
        if (*PortalInfoSize < need || (need > 0 && PortalInfo == NULL)) {
                *PortalInfoSize = (ULONG)need;
                return sim_end(&c, sim_too_small(&c));
        }
        tail = (PUCHAR)PortalInfo + n * sizeof(ISCSI_TARGET_PORTAL_INFO_EXW);
        for (i = 0; i < n; i++) {
                const struct sim_portal *p = &c.st->portals[i];
                ISCSI_TARGET_PORTAL_INFO_EXW *e = &PortalInfo[i];
                ISCSI_TARGET_PORTALW tp;

                memset(e, 0, sizeof(*e));
                /* echoed as given; NULL reads back empty (assumed) */
                (void)sim_to_wide(p->instance, e->InitiatorName, MAX_ISCSI_HBANAME_LEN);
                e->InitiatorPortNumber = p->instance_port;
                portal_to(&p->addr, p->symbolic, &tp);
                memcpy(e->SymbolicName, tp.SymbolicName, sizeof(e->SymbolicName));
                memcpy(e->Address, tp.Address, sizeof(e->Address));
                e->Socket = tp.Socket;
                e->SecurityFlags = p->security_flags;
                opts_to(&p->opts, tail, &e->LoginOptions);
                tail += p->opts.user_len;
        }
        *PortalInfoSize = (ULONG)need;
        return sim_end(&c, ERROR_SUCCESS);
}

/* --- exported: targets ------------------------------------------------------------------ */

/* Calls fn for each target ReportIScsiTargetsW lists, once per name. */
static void
visible_each(struct sim_call *c, void (*fn)(void *ctx, const char *iqn), void *ctx)
{
        const struct sim_state *st = c->st;
        size_t i, j;

        for (i = 0; i < st->nfound; i++) {
                for (j = 0; j < i; j++)
                        if (sim_streqi(st->found[j].iqn, st->found[i].iqn))
                                break;
                if (j == i)
                        fn(ctx, st->found[i].iqn);
        }
        for (i = 0; i < st->nstatics; i++)
                if (!(st->statics[i].flags & ISCSI_TARGET_FLAG_HIDE_STATIC_TARGET) &&
                    !found_has(st, st->statics[i].iqn, NULL))
                        fn(ctx, st->statics[i].iqn);
}

struct multisz {
        WCHAR *buf; /* NULL: only measure */
        size_t len; /* WCHARs */
};

static void
multisz_add(void *ctx, const char *iqn)
{
        struct multisz *m = ctx;
        size_t n = sim_wide_len(iqn);

        if (m->buf != NULL)
                (void)sim_to_wide(iqn, m->buf + m->len, n);
        m->len += n;
}

ISDSC_STATUS ISDSC_API
ReportIScsiTargetsW(BOOLEAN ForceUpdate, PULONG BufferSize, PWCHAR Buffer)
{
        struct sim_call c;
        struct multisz m = { NULL, 0 };
        size_t need;
        ULONG rc = sim_begin(&c, "ReportIScsiTargetsW");

        if (rc != ERROR_SUCCESS)
                return sim_end(&c, rc);
        if (BufferSize == NULL)
                return sim_end(&c, ERROR_INVALID_PARAMETER);
        /* Without ForceUpdate the list is what the last discovery found: a
         * target created later shows up only after a forced update
         * (observed: go-win-iscsidsc's CI). */
        if (ForceUpdate)
                sim_discover_all(&c);
        visible_each(&c, multisz_add, &m);
        /* names, each NUL-terminated, then one more NUL; an empty list is
         * two NULs (assumed) */
        need = m.len + (m.len == 0 ? 2 : 1);
        sim_note(&c, "force=%d size=%lu need=%zu", ForceUpdate ? 1 : 0, *BufferSize, need);
        /* the size counts WCHARs (documented: "elements"; observed: os-win
         * sizes the buffer in c_wchar) */
        if (*BufferSize < need || Buffer == NULL) {
                *BufferSize = (ULONG)need;
                return sim_end(&c, sim_too_small(&c));
        }
        m.buf = Buffer;
        m.len = 0;
        visible_each(&c, multisz_add, &m);
        Buffer[m.len] = 0;
        if (m.len == 0)
                Buffer[1] = 0;
        *BufferSize = (ULONG)need;
        return sim_end(&c, ERROR_SUCCESS);
}

ISDSC_STATUS ISDSC_API
AddIScsiStaticTargetW(PWSTR TargetName, PWSTR TargetAlias, ISCSI_TARGET_FLAGS TargetFlags,
                      BOOLEAN Persist, PISCSI_TARGET_MAPPINGW Mappings,
                      PISCSI_LOGIN_OPTIONS LoginOptions, PISCSI_TARGET_PORTAL_GROUPW PortalGroup)
{
        struct sim_call c;
        struct sim_static s, *slot;
        ULONG rc = sim_begin(&c, "AddIScsiStaticTargetW");

        /* aliases, mappings and default login options are not modelled */
        (void)TargetAlias;
        (void)Mappings;
        (void)LoginOptions;
        if (rc != ERROR_SUCCESS)
                return sim_end(&c, rc);
        memset(&s, 0, sizeof(s));
        if (name_from(TargetName, s.iqn) < 0)
                return sim_end(&c, ISDSC_INVALID_ISCSI_NAME);
        s.flags = TargetFlags;
        s.persist = Persist ? 1 : 0;
        if (PortalGroup != NULL && PortalGroup->Count > 0 &&
            portal_from(&PortalGroup->Portals[0], &s.portal, NULL) < 0)
                return sim_end(&c, ERROR_INVALID_PARAMETER);
        sim_note(&c, "target=%s flags=0x%lx persist=%d", s.iqn, s.flags, s.persist);
        /* Adding it again overwrites the stored information, or merges with
         * ISCSI_TARGET_FLAG_MERGE_TARGET_INFORMATION (documented); that
         * neither is an error is assumed. */
        slot = static_find(c.st, s.iqn);
        if (slot != NULL) {
                if ((TargetFlags & ISCSI_TARGET_FLAG_MERGE_TARGET_INFORMATION) &&
                    s.portal.port == 0)
                        s.portal = slot->portal;
        } else if (c.st->nstatics < SIM_STATICS) {
                slot = &c.st->statics[c.st->nstatics++];
        } else {
                return sim_end(&c, ISDSC_NON_SPECIFIC_ERROR);
        }
        *slot = s;
        c.dirty = 1;
        return sim_end(&c, ERROR_SUCCESS);
}

ISDSC_STATUS ISDSC_API
RemoveIScsiStaticTargetW(PWSTR TargetName)
{
        struct sim_call c;
        char iqn[SIM_NAME_MAX];
        struct sim_static *s;
        ULONG rc = sim_begin(&c, "RemoveIScsiStaticTargetW");

        if (rc != ERROR_SUCCESS)
                return sim_end(&c, rc);
        if (name_from(TargetName, iqn) < 0)
                return sim_end(&c, ISDSC_INVALID_ISCSI_NAME);
        sim_note(&c, "target=%s", iqn);
        s = static_find(c.st, iqn);
        /* observed: os-win ignores ISDSC_TARGET_NOT_FOUND here */
        if (s == NULL)
                return sim_end(&c, ISDSC_TARGET_NOT_FOUND);
        *s = c.st->statics[--c.st->nstatics];
        c.dirty = 1;
        return sim_end(&c, ERROR_SUCCESS);
}

/* --- exported: login and sessions ------------------------------------------------------ */

ISDSC_STATUS ISDSC_API
LoginIScsiTargetW(PWSTR TargetName, BOOLEAN IsInformationalSession, PWSTR InitiatorInstance,
                  ULONG InitiatorPortNumber, PISCSI_TARGET_PORTALW TargetPortal,
                  ISCSI_SECURITY_FLAGS SecurityFlags, PISCSI_TARGET_MAPPINGW Mappings,
                  PISCSI_LOGIN_OPTIONS LoginOptions, ULONG KeySize, PCHAR Key, BOOLEAN IsPersistent,
                  PISCSI_UNIQUE_SESSION_ID UniqueSessionId,
                  PISCSI_UNIQUE_CONNECTION_ID UniqueConnectionId)
{
        struct sim_call c;
        ULONG rc = sim_begin(&c, "LoginIScsiTargetW");

        /* IPsec (security flags, preshared key) and LUN mappings are not
         * modelled */
        (void)SecurityFlags;
        (void)Mappings;
        (void)KeySize;
        (void)Key;
        if (rc == ERROR_SUCCESS)
                rc = login(&c, TargetName, IsInformationalSession, InitiatorInstance,
                           InitiatorPortNumber, TargetPortal, LoginOptions, IsPersistent,
                           UniqueSessionId, UniqueConnectionId);
        return sim_end(&c, rc);
}

ISDSC_STATUS ISDSC_API
LogoutIScsiTarget(PISCSI_UNIQUE_SESSION_ID UniqueSessionId)
{
        struct sim_call c;
        struct sim_session *s;
        size_t index, i;
        unsigned lun;
        ULONG rc = sim_begin(&c, "LogoutIScsiTarget");

        if (rc != ERROR_SUCCESS)
                return sim_end(&c, rc);
        if (UniqueSessionId == NULL)
                return sim_end(&c, ERROR_INVALID_PARAMETER);
        sim_note(&c, "session=%llx",
                 (unsigned long long)(UniqueSessionId->AdapterSpecific & ~SPECIFIC_PREFIX));
        /* a second logout of the same id (observed: go-win-iscsidsc's CI
         * asserts 0xEFFF001C) */
        s = session_find(&c, UniqueSessionId, &index);
        if (s == NULL)
                return sim_end(&c, ISDSC_INVALID_SESSION_ID);
        sim_note(&c, " target=%s", s->iqn);
        /* observed: os-win retries LogoutIScsiTarget on SESSION_BUSY */
        if (sim_session_busy(&c, BUSY_LOGOUT))
                return sim_end(&c, ISDSC_SESSION_BUSY);
        /* "the service ensures that all devices associated with the session
         * can be safely removed" (documented), else DEVICE_BUSY_ON_SESSION */
        if (!s->informational) {
                const struct sim_target *t = sim_target_find(c.cfg, s->iqn);

                for (i = 0; i < c.cfg->faults.nin_use; i++) {
                        if (!sim_streqi(c.cfg->faults.in_use[i], s->iqn))
                                continue;
                        for (lun = 0; lun < SIM_LUNS; lun++)
                                if ((t == NULL || t->luns[lun]) &&
                                    (c.cfg->faults.in_use_lun[i] < 0 ||
                                     (unsigned)c.cfg->faults.in_use_lun[i] == lun))
                                        return sim_end(&c, ISDSC_DEVICE_BUSY_ON_SESSION);
                }
        }
        /* the persistent login, if any, stays (observed: os-win removes it
         * separately after logging out) */
        memmove(&c.st->sessions[index], &c.st->sessions[index + 1],
                (c.st->nsessions - index - 1) * sizeof(c.st->sessions[0]));
        c.st->nsessions--;
        c.dirty = 1;
        return sim_end(&c, ERROR_SUCCESS);
}

/* Layout of GetIScsiSessionListW's answer, all inside the caller's buffer:
 * the session array, then the connection array, then the strings (observed:
 * go-win-iscsidsc reads every pointer as an offset into its buffer). */
struct session_strings {
        char initiator[SIM_NAME_MAX];
        char iqn[SIM_NAME_MAX];
        const char *initiator_addr;
};

static void
session_strings(const struct sim_call *c, const struct sim_session *s, struct session_strings *x)
{
        node_name(c->st, x->initiator);
        reported_iqn(c, s->iqn, x->iqn);
        /* a documentation-range address of the family of the portal */
        x->initiator_addr = strchr(s->portal.host, ':') != NULL ? "2001:db8::100" : "192.0.2.100";
}

static WCHAR *
put_wide(WCHAR **cursor, const char *s)
{
        WCHAR *at = *cursor;
        size_t n = sim_wide_len(s);

        (void)sim_to_wide(s, at, n);
        *cursor += n;
        return at;
}

ISDSC_STATUS ISDSC_API
GetIScsiSessionListW(ULONG *BufferSize, ULONG *SessionCount, PISCSI_SESSION_INFOW SessionInfo)
{
        struct sim_call c;
        struct session_strings x;
        size_t i, n, nconn = 0, need, chars = 0;
        ISCSI_CONNECTION_INFOW *conn;
        WCHAR *cursor;
        ULONG rc = sim_begin(&c, "GetIScsiSessionListW");

        if (rc != ERROR_SUCCESS)
                return sim_end(&c, rc);
        if (BufferSize == NULL || SessionCount == NULL)
                return sim_end(&c, ERROR_INVALID_PARAMETER);
        n = c.st->nsessions;
        for (i = 0; i < n; i++) {
                const struct sim_session *s = &c.st->sessions[i];

                session_strings(&c, s, &x);
                /* InitiatorName, TargetNodeName, TargetName */
                chars += sim_wide_len(x.initiator) + 2 * sim_wide_len(x.iqn);
                if (!session_recovering(&c, s)) {
                        nconn++;
                        chars += sim_wide_len(x.initiator_addr) + sim_wide_len(s->portal.host);
                }
        }
        need = n * sizeof(ISCSI_SESSION_INFOW) + nconn * sizeof(ISCSI_CONNECTION_INFOW) +
               chars * sizeof(WCHAR);
        sim_note(&c, "size=%lu need=%zu", *BufferSize, need);
        *SessionCount = (ULONG)n;
        /* sizes in bytes; on "too small" the required size (documented) */
        if (*BufferSize < need || (need > 0 && SessionInfo == NULL)) {
                *BufferSize = (ULONG)need;
                return sim_end(&c, sim_too_small(&c));
        }
        conn = (ISCSI_CONNECTION_INFOW *)(SessionInfo + n);
        cursor = (WCHAR *)(conn + nconn);
        for (i = 0; i < n; i++) {
                const struct sim_session *s = &c.st->sessions[i];
                ISCSI_SESSION_INFOW *e = &SessionInfo[i];

                session_strings(&c, s, &x);
                memset(e, 0, sizeof(*e));
                session_id_to(&c, s->id, &e->SessionId);
                /* the node name, not the HBA (observed: os-win's comment) */
                e->InitiatorName = put_wide(&cursor, x.initiator);
                /* both hold the IQN (observed: go-win-iscsidsc checks
                 * TargetName, os-win reads the other through its swapped
                 * struct) */
                e->TargetNodeName = put_wide(&cursor, x.iqn);
                e->TargetName = put_wide(&cursor, x.iqn);
                memcpy(e->ISID, isid_prefix, sizeof(e->ISID));
                e->TSID[0] = (UCHAR)(s->tsid & 0xFF);
                e->TSID[1] = (UCHAR)(s->tsid >> 8);
                if (session_recovering(&c, s))
                        continue;
                memset(conn, 0, sizeof(*conn));
                session_id_to(&c, s->cid, &conn->ConnectionId);
                conn->InitiatorAddress = put_wide(&cursor, x.initiator_addr);
                conn->TargetAddress = put_wide(&cursor, s->portal.host);
                conn->InitiatorSocket = (USHORT)s->initiator_socket;
                conn->TargetSocket = (USHORT)s->portal.port;
                conn->CID[0] = 1;
                e->ConnectionCount = 1;
                e->Connections = conn++;
        }
        *BufferSize = (ULONG)need;
        return sim_end(&c, ERROR_SUCCESS);
}

static void
device_fill(const struct sim_call *c, const struct sim_session *s, unsigned lun, ULONG number,
            int unnumbered, ISCSI_DEVICE_ON_SESSIONW *d)
{
        char iqn[SIM_NAME_MAX];

        memset(d, 0, sizeof(*d));
        /* here the HBA instance (observed: os-win matches initiators on it) */
        (void)sim_to_wide(SIM_HBA_INSTANCE, d->InitiatorName, MAX_ISCSI_HBANAME_LEN);
        reported_iqn(c, s->iqn, iqn);
        (void)sim_to_wide(iqn, d->TargetName, MAX_ISCSI_NAME_LEN + 1);
        /* Length 8 (observed: go-win-iscsidsc checks it) */
        d->ScsiAddress.Length = sizeof(SCSI_ADDRESS);
        d->ScsiAddress.PortNumber = 2;
        d->ScsiAddress.PathId = 0;
        d->ScsiAddress.TargetId = (UCHAR)(s->id & 0xFF);
        d->ScsiAddress.Lun = (UCHAR)lun;
        d->DeviceInterfaceType = disk_interface;
        (void)swprintf(d->DeviceInterfaceName, MAX_PATH,
                       L"\\\\?\\scsi#disk&ven_vasim&prod_virtual_disk#1&2afd7d61&0&%06x#"
                       L"{53f56307-b6bf-11d0-94f2-00a0c91efb8b}",
                       (unsigned)(s->id * 256 + lun));
        d->StorageDeviceNumber.DeviceType = FILE_DEVICE_DISK;
        d->StorageDeviceNumber.PartitionNumber = 0;
        if (unnumbered) {
                /* enumerated but not yet numbered (observed: os-win skips
                 * devices without LegacyName or with DeviceNumber -1) */
                d->StorageDeviceNumber.DeviceNumber = 0xFFFFFFFFu;
        } else {
                d->StorageDeviceNumber.DeviceNumber = number;
                (void)swprintf(d->LegacyName, MAX_PATH, L"\\\\.\\PhysicalDrive%lu", number);
        }
        d->DeviceInstance = 0x1000 + number;
}

ISDSC_STATUS ISDSC_API
GetDevicesForIScsiSessionW(PISCSI_UNIQUE_SESSION_ID UniqueSessionId, ULONG *DeviceCount,
                           PISCSI_DEVICE_ON_SESSIONW Devices)
{
        struct sim_call c;
        struct sim_session *s;
        const struct sim_target *t;
        char key[SIM_ADDR_MAX + 8];
        size_t n = 0, k = 0;
        unsigned lun;
        int unnumbered;
        ULONG rc = sim_begin(&c, "GetDevicesForIScsiSessionW");

        if (rc != ERROR_SUCCESS)
                return sim_end(&c, rc);
        if (UniqueSessionId == NULL || DeviceCount == NULL)
                return sim_end(&c, ERROR_INVALID_PARAMETER);
        sim_note(&c, "session=%llx count=%lu",
                 (unsigned long long)(UniqueSessionId->AdapterSpecific & ~SPECIFIC_PREFIX),
                 *DeviceCount);
        /* observed: go-win-iscsidsc's CI gets 0xEFFF001C after logout */
        s = session_find(&c, UniqueSessionId, NULL);
        if (s == NULL)
                return sim_end(&c, ISDSC_INVALID_SESSION_ID);
        /* observed: os-win retries this call on SESSION_BUSY */
        if (sim_session_busy(&c, BUSY_DEVICES))
                return sim_end(&c, ISDSC_SESSION_BUSY);
        t = sim_target_find(c.cfg, s->iqn);
        /* an informational session reports no LUNs to PnP (documented) */
        if (!s->informational && t != NULL)
                for (lun = 0; lun < SIM_LUNS; lun++)
                        n += t->luns[lun];
        if (n > 0 && s->hidden_polls > 0) {
                s->hidden_polls--;
                c.dirty = 1;
                n = 0;
        }
        sim_note(&c, " need=%zu", n);
        /* Counted in elements. On "too small" the required count comes back
         * (observed: go-win-iscsidsc's small-buffer test needs it to grow;
         * the docs say "the number of elements the buffer is capable of
         * containing"). */
        if (*DeviceCount < n || (n > 0 && Devices == NULL)) {
                *DeviceCount = (ULONG)n;
                return sim_end(&c, sim_too_small(&c));
        }
        unnumbered = n > 0 && s->unnumbered_polls > 0;
        if (unnumbered) {
                s->unnumbered_polls--;
                c.dirty = 1;
        }
        sim_disk_path_key(&c, s, key, sizeof(key));
        /* one per LUN, in LUN order (observed: go-win-iscsidsc's CI) */
        for (lun = 0; lun < SIM_LUNS && k < n; lun++)
                if (t->luns[lun]) {
                        device_fill(&c, s, lun, disk_number(&c, s->iqn, lun, key), unnumbered,
                                    &Devices[k]);
                        k++;
                }
        *DeviceCount = (ULONG)n;
        return sim_end(&c, ERROR_SUCCESS);
}

/* --- exported: persistent logins ------------------------------------------------------------- */

ISDSC_STATUS ISDSC_API
ReportIScsiPersistentLoginsW(ULONG *Count, PPERSISTENT_ISCSI_LOGIN_INFOW PersistentLoginInfo,
                             PULONG BufferSizeInBytes)
{
        struct sim_call c;
        size_t i, n, need;
        PUCHAR tail;
        ULONG rc = sim_begin(&c, "ReportIScsiPersistentLoginsW");

        if (rc != ERROR_SUCCESS)
                return sim_end(&c, rc);
        if (Count == NULL || BufferSizeInBytes == NULL)
                return sim_end(&c, ERROR_INVALID_PARAMETER);
        n = c.st->nplogins;
        need = n * sizeof(PERSISTENT_ISCSI_LOGIN_INFOW);
        for (i = 0; i < n; i++)
                need += c.st->plogins[i].opts.user_len;
        sim_note(&c, "size=%lu need=%zu", *BufferSizeInBytes, need);
        *Count = (ULONG)n;
        /* the size is the third argument, in bytes (documented) */
        if (*BufferSizeInBytes < need || (need > 0 && PersistentLoginInfo == NULL)) {
                *BufferSizeInBytes = (ULONG)need;
                return sim_end(&c, sim_too_small(&c));
        }
        tail = (PUCHAR)PersistentLoginInfo + n * sizeof(PERSISTENT_ISCSI_LOGIN_INFOW);
        for (i = 0; i < n; i++) {
                const struct sim_plogin *l = &c.st->plogins[i];
                PERSISTENT_ISCSI_LOGIN_INFOW *e = &PersistentLoginInfo[i];

                memset(e, 0, sizeof(*e));
                (void)sim_to_wide(l->iqn, e->TargetName, MAX_ISCSI_NAME_LEN + 1);
                e->IsInformationalSession = (BOOLEAN)l->informational;
                (void)sim_to_wide(l->instance, e->InitiatorInstance, MAX_ISCSI_HBANAME_LEN);
                e->InitiatorPortNumber = l->instance_port;
                portal_to(&l->portal, l->symbolic, &e->TargetPortal);
                e->SecurityFlags = l->security_flags;
                e->Mappings = NULL;
                opts_to(&l->opts, tail, &e->LoginOptions);
                tail += l->opts.user_len;
        }
        *BufferSizeInBytes = (ULONG)need;
        return sim_end(&c, ERROR_SUCCESS);
}

ISDSC_STATUS ISDSC_API
RemoveIScsiPersistentTargetW(PWSTR InitiatorInstance, ULONG InitiatorPortNumber, PWSTR TargetName,
                             PISCSI_TARGET_PORTALW Portal)
{
        struct sim_call c;
        char iqn[SIM_NAME_MAX], inst[SIM_INST_MAX];
        struct sim_addr a;
        size_t i, kept = 0, removed;
        ULONG rc = sim_begin(&c, "RemoveIScsiPersistentTargetW");

        if (rc != ERROR_SUCCESS)
                return sim_end(&c, rc);
        if (name_from(TargetName, iqn) < 0)
                return sim_end(&c, ISDSC_INVALID_ISCSI_NAME);
        instance_from(InitiatorInstance, inst);
        /* a login saved without a portal reads back with an empty one */
        if (Portal != NULL && Portal->Address[0] == 0)
                Portal = NULL;
        if (Portal != NULL && portal_from(Portal, &a, NULL) < 0)
                return sim_end(&c, ERROR_INVALID_PARAMETER);
        sim_note(&c, "target=%s", iqn);
        if (Portal != NULL)
                sim_note(&c, " portal=%s:%u", a.host, a.port);
        /* An empty instance, the "any" port and a NULL portal match every
         * login of the target (assumed). */
        for (i = 0; i < c.st->nplogins; i++) {
                const struct sim_plogin *l = &c.st->plogins[i];
                int match = sim_streqi(l->iqn, iqn) &&
                            (inst[0] == '\0' || sim_streqi(inst, l->instance)) &&
                            (InitiatorPortNumber == ISCSI_ANY_INITIATOR_PORT ||
                             InitiatorPortNumber == l->instance_port) &&
                            (Portal == NULL || sim_addr_eq(&a, &l->portal));

                if (!match)
                        c.st->plogins[kept++] = *l;
        }
        removed = c.st->nplogins - kept;
        c.st->nplogins = kept;
        if (removed == 0)
                return sim_end(&c, ISDSC_NOT_FOUND); /* assumed */
        c.dirty = 1;
        return sim_end(&c, ERROR_SUCCESS);
}
