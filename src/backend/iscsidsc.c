/* SPDX-License-Identifier: Apache-2.0 */
/* The Windows backend: the Microsoft iSCSI initiator through iscsidsc.dll
 * and the Service Control Manager, the native equivalent of the seed's
 * PowerShell steps (Start-Service MSiSCSI, Set-InitiatorPort,
 * New-IscsiTargetPortal, Connect-IscsiTarget -IsPersistent). Secrets go into
 * the login structure only, and are wiped from it after each call. */
#include <windows.h>
#include <winioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iscsidsc.h"

#include "core/initiator.h"
#include "backend/iscsidsc-disk.h"
#include "backend/iscsidsc-probe.h"
#include "backend/iscsidsc-prepare.h"
#include "backend/iscsidsc-util.h"
#include "base/ascii.h"
#include "base/log.h"
#include "base/secret.h"
#include "platform/platform.h"
#include "platform/win32-util.h"

#define GROW_ATTEMPTS   8  /* docs/windows-iscsi.md 3: cap the retries */
#define BUSY_ATTEMPTS   10 /* os-win: SESSION_BUSY / DEVICE_BUSY retries */
#define SERVICE_WAIT_MS 30000

#ifndef FILE_DEVICE_DISK
#define FILE_DEVICE_DISK 0x00000007
#endif

struct initiator {
        struct plat_mutex *mu;
        /* The initiator CHAP secret is one per machine
         * (SetIScsiInitiatorCHAPSharedSecret): the first mutual volume sets
         * it, a second one asking for another is refused. */
        struct va_secret *mutual;
        struct disk_seam disk; /* the disk seam (iscsidsc-disk.h) */
        struct prep_seam prep; /* --prepare's calls (iscsidsc-prepare.h) */
};

/* --- the buffer-size retry, written once --------------------------------- */

/* One call shape: fill buf (of *size units) or say how many are needed. */
typedef ISDSC_STATUS (*report_fn)(void *ctx, ULONG *size, ULONG *count, void *buf);

/* Calls fn with a growing buffer until it fits (docs/windows-iscsi.md 3: the
 * size may be bytes, elements or WCHARs; "too small" comes as 122, its
 * HRESULT, or ISDSC_BUFFER_TOO_SMALL; a size that did not grow is grown
 * anyway). The strings the API returns point into this buffer, so it is
 * never moved after the successful call. */
static int
report_grow(report_fn fn, void *ctx, size_t unit, size_t initial, void **ret_buf, ULONG *ret_size,
            ULONG *ret_count, const char *what, struct va_err *err)
{
        size_t units = initial;
        int attempt;

        for (attempt = 0; attempt < GROW_ATTEMPTS; attempt++) {
                void *buf = calloc(units ? units : 1, unit);
                ULONG size = (ULONG)units, count = 0;
                ISDSC_STATUS st;

                if (buf == NULL)
                        return va_err_set(err, VA_E_NOMEM, "out of memory");
                st = fn(ctx, &size, &count, buf);
                switch (isdsc_classify(st)) {
                case ISDSC_CLASS_OK:
                        *ret_buf = buf;
                        *ret_size = size;
                        *ret_count = count;
                        return 0;
                case ISDSC_CLASS_SMALL:
                        free(buf);
                        units = isdsc_grow(units, size);
                        continue;
                default:
                        free(buf);
                        return isdsc_error(err, st, what);
                }
        }
        return va_err_set(err, VA_E_INITIATOR, "%s: the buffer never fitted after %d attempts",
                          what, GROW_ATTEMPTS);
}

static ISDSC_STATUS
sessions_fn(void *ctx, ULONG *size, ULONG *count, void *buf)
{
        (void)ctx;
        return GetIScsiSessionListW(size, count, buf);
}

static ISDSC_STATUS
targets_fn(void *ctx, ULONG *size, ULONG *count, void *buf)
{
        (void)count;
        return ReportIScsiTargetsW(*(BOOLEAN *)ctx, size, buf);
}

static ISDSC_STATUS
portals_fn(void *ctx, ULONG *size, ULONG *count, void *buf)
{
        (void)ctx;
        return ReportIScsiSendTargetPortalsExW(count, size, buf);
}

static ISDSC_STATUS
persistent_fn(void *ctx, ULONG *size, ULONG *count, void *buf)
{
        (void)ctx;
        return ReportIScsiPersistentLoginsW(count, buf, size);
}

static ISDSC_STATUS
devices_fn(void *ctx, ULONG *size, ULONG *count, void *buf)
{
        ISDSC_STATUS st = GetDevicesForIScsiSessionW(ctx, size, buf);

        *count = *size;
        return st;
}

/* --- small conversions ---------------------------------------------------- */

static int
wcopy(const char *s, WCHAR *out, size_t cap)
{
        wchar_t *w = win_utf16(s);
        size_t n;

        if (w == NULL)
                return -VA_E_INVAL;
        n = wcslen(w);
        if (n >= cap) {
                free(w);
                return -VA_E_TOOBIG;
        }
        memcpy(out, w, (n + 1) * sizeof(WCHAR));
        free(w);
        return 0;
}

static void
portal_w(const struct portal *p, ISCSI_TARGET_PORTALW *out)
{
        memset(out, 0, sizeof(*out));
        (void)wcopy(p->host, out->Address, MAX_ISCSI_PORTAL_ADDRESS_LEN);
        out->Socket = (USHORT)p->port;
}

/* Login options for an auth; the caller wipes them with wipe_opts(). */
static int
fill_opts(const struct auth *a, ISCSI_LOGIN_OPTIONS *o, int multipath, struct va_err *err)
{
        memset(o, 0, sizeof(*o));
        o->Version = 0;
        o->InformationSpecified = ISCSI_LOGIN_OPTIONS_AUTH_TYPE;
        o->AuthType = ISCSI_NO_AUTH_TYPE;
        if (multipath)
                o->LoginFlags |= ISCSI_LOGIN_FLAG_MULTIPATH_ENABLED;
        if (a == NULL || a->kind == AUTH_NONE)
                return 0;
        if (isdsc_check_secret_len(secret_len(a->out.secret), "the CHAP secret", err) < 0)
                return -VA_E_INVAL;
        o->AuthType = a->kind == AUTH_MUTUAL ? ISCSI_MUTUAL_CHAP_AUTH_TYPE : ISCSI_CHAP_AUTH_TYPE;
        o->InformationSpecified |= ISCSI_LOGIN_OPTIONS_USERNAME | ISCSI_LOGIN_OPTIONS_PASSWORD;
        o->UsernameLength = (ULONG)strlen(a->out.user);
        o->Username = (PUCHAR)malloc(o->UsernameLength + 1);
        o->PasswordLength = (ULONG)secret_len(a->out.secret);
        o->Password = (PUCHAR)malloc(o->PasswordLength + 1);
        if (o->Username == NULL || o->Password == NULL)
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        /* byte blobs with explicit lengths, not NUL-terminated strings */
        memcpy(o->Username, a->out.user, o->UsernameLength);
        memcpy(o->Password, secret_bytes(a->out.secret), o->PasswordLength);
        return 0;
}

static void
wipe_opts(ISCSI_LOGIN_OPTIONS *o)
{
        if (o->Password != NULL)
                va_secure_zero(o->Password, o->PasswordLength);
        free(o->Password);
        free(o->Username);
        va_secure_zero(o, sizeof(*o));
}

/* --- the ops ---------------------------------------------------------------- */

static int
iscsidsc_open(struct initiator **ret, struct va_err *err)
{
        struct initiator *ini = calloc(1, sizeof(*ini));

        if (ini == NULL || (ini->mu = plat_mutex_new()) == NULL) {
                free(ini);
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        }
        disk_seam_select(&ini->disk);
        prep_seam_select(&ini->prep, ini->disk.ioctl);
        *ret = ini;
        return 0;
}

static void
iscsidsc_close(struct initiator *ini)
{
        if (ini == NULL)
                return;
        secret_free(ini->mutual);
        plat_mutex_free(ini->mu);
        free(ini);
}

/* MSiSCSI set to start automatically, then started; a service that is
 * disabled refuses to start (1058), so the start type is changed first. */
static int
iscsidsc_ensure_service(struct initiator *ini, struct va_err *err)
{
        SC_HANDLE scm, svc;
        SERVICE_STATUS_PROCESS st;
        DWORD need = 0;
        uint64_t deadline;
        char msg[300];
        int r = 0;

        (void)ini;
        scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
        if (scm == NULL)
                return va_err_setn(err,
                                   GetLastError() == ERROR_ACCESS_DENIED ? VA_E_PERM : VA_E_ENV,
                                   (long)GetLastError(), "Service Control Manager: %s",
                                   win_strerror(GetLastError(), msg, sizeof(msg)));
        svc = OpenServiceW(scm, L"MSiSCSI",
                           SERVICE_QUERY_STATUS | SERVICE_QUERY_CONFIG | SERVICE_CHANGE_CONFIG |
                               SERVICE_START);
        if (svc == NULL) {
                DWORD e = GetLastError();

                CloseServiceHandle(scm);
                return va_err_setn(err, e == ERROR_ACCESS_DENIED ? VA_E_PERM : VA_E_ENV, (long)e,
                                   "MSiSCSI: %s", win_strerror(e, msg, sizeof(msg)));
        }
        {
                union {
                        QUERY_SERVICE_CONFIGW c;
                        char raw[8192];
                } cfg;

                if (QueryServiceConfigW(svc, &cfg.c, sizeof(cfg), &need) &&
                    cfg.c.dwStartType != SERVICE_AUTO_START) {
                        if (!ChangeServiceConfigW(svc, SERVICE_NO_CHANGE, SERVICE_AUTO_START,
                                                  SERVICE_NO_CHANGE, NULL, NULL, NULL, NULL, NULL,
                                                  NULL, NULL)) {
                                r = va_err_setn(err, VA_E_ENV, (long)GetLastError(),
                                                "MSiSCSI: cannot set automatic start: %s",
                                                win_strerror(GetLastError(), msg, sizeof(msg)));
                                goto out;
                        }
                        va_log(VA_LOG_INFO, "MSiSCSI set to start automatically");
                }
        }
        if (!StartServiceW(svc, 0, NULL) && GetLastError() != ERROR_SERVICE_ALREADY_RUNNING) {
                r = va_err_setn(err, VA_E_ENV, (long)GetLastError(), "MSiSCSI: cannot start: %s",
                                win_strerror(GetLastError(), msg, sizeof(msg)));
                goto out;
        }
        deadline = plat_monotonic_ms() + SERVICE_WAIT_MS;
        for (;;) {
                if (!QueryServiceStatusEx(svc, SC_STATUS_PROCESS_INFO, (LPBYTE)&st, sizeof(st),
                                          &need)) {
                        r = va_err_setn(err, VA_E_ENV, (long)GetLastError(), "MSiSCSI: %s",
                                        win_strerror(GetLastError(), msg, sizeof(msg)));
                        break;
                }
                if (st.dwCurrentState == SERVICE_RUNNING)
                        break;
                if (plat_monotonic_ms() > deadline) {
                        r = va_err_set(err, VA_E_TIMEOUT, "MSiSCSI did not reach RUNNING in %d s",
                                       SERVICE_WAIT_MS / 1000);
                        break;
                }
                Sleep(100);
        }
out:
        CloseServiceHandle(svc);
        CloseServiceHandle(scm);
        return r;
}

static int
iscsidsc_get_name(struct initiator *ini, char *buf, size_t len, struct va_err *err)
{
        /* MAX_ISCSI_NAME_LEN + 1 WCHARs (the docs' "bytes" is a slip) */
        WCHAR name[MAX_ISCSI_NAME_LEN + 1];
        ISDSC_STATUS st;
        char *u;

        (void)ini;
        memset(name, 0, sizeof(name));
        st = GetIScsiInitiatorNodeNameW(name);
        if (isdsc_classify(st) != ISDSC_CLASS_OK)
                return isdsc_error(err, st, "GetIScsiInitiatorNodeNameW");
        name[MAX_ISCSI_NAME_LEN] = 0;
        u = win_utf8(name);
        if (u == NULL)
                return va_err_set(err, VA_E_INVAL, "initiator name is not valid UTF-16");
        (void)snprintf(buf, len, "%s", u);
        free(u);
        return 0;
}

static int
iscsidsc_set_name(struct initiator *ini, const char *name, struct va_err *err)
{
        WCHAR w[MAX_ISCSI_NAME_LEN + 1];
        ISDSC_STATUS st;

        (void)ini;
        if (wcopy(name, w, MAX_ISCSI_NAME_LEN + 1) < 0)
                return va_err_set(err, VA_E_INVAL, "initiator name too long");
        st = SetIScsiInitiatorNodeNameW(w);
        if (isdsc_classify(st) != ISDSC_CLASS_OK)
                return isdsc_error(err, st, "SetIScsiInitiatorNodeNameW");
        if (st == ISDSC_WARN_OPERATION_REQUIRES_REBOOT)
                va_log(VA_LOG_WARNING, "the new initiator name takes effect after a reboot on "
                                       "this hardware initiator");
        return 0;
}

static int
iscsidsc_list_sessions(struct initiator *ini, struct initiator_session **ret, size_t *ret_n,
                       struct va_err *err)
{
        ISCSI_SESSION_INFOW *v = NULL;
        struct initiator_session *out;
        ULONG size = 0, count = 0, i;
        size_t n = 0;
        int r;

        (void)ini;
        *ret = NULL;
        *ret_n = 0;
        r = report_grow(sessions_fn, NULL, 1, 4096, (void **)&v, &size, &count,
                        "GetIScsiSessionListW", err);
        if (r < 0)
                return r;
        out = calloc(count ? count : 1, sizeof(*out));
        if (out == NULL) {
                free(v);
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        }
        for (i = 0; i < count; i++) {
                struct initiator_session *s = &out[n];
                /* os-win swapped TargetName and TargetNodeName: take either */
                const WCHAR *tn = v[i].TargetNodeName && v[i].TargetNodeName[0]
                                      ? v[i].TargetNodeName
                                      : v[i].TargetName;
                char *iqn = tn ? win_utf8(tn) : NULL;

                if (iqn == NULL)
                        continue;
                (void)snprintf(s->iqn, sizeof(s->iqn), "%s", iqn);
                free(iqn);
                /* iSCSI names are case-insensitive and normally lower case
                 * (RFC 3722); the service may report them upper-cased (os-win
                 * bug 1639765), and the core compares them exactly */
                ascii_lower_str(s->iqn);
                isdsc_handle_format(v[i].SessionId.AdapterUnique, v[i].SessionId.AdapterSpecific,
                                    s->handle, sizeof(s->handle));
                s->state =
                    v[i].ConnectionCount > 0 ? INITIATOR_SESSION_UP : INITIATOR_SESSION_RECOVERING;
                if (v[i].ConnectionCount > 0 && v[i].Connections != NULL &&
                    v[i].Connections[0].TargetAddress != NULL) {
                        char *addr = win_utf8(v[i].Connections[0].TargetAddress);

                        if (addr != NULL && portal_addr_parse(addr, &s->portal) == 0)
                                s->portal.port = v[i].Connections[0].TargetSocket;
                        free(addr);
                }
                n++;
        }
        free(v);
        *ret = out;
        *ret_n = n;
        return 0;
}

/* The send-target portal, added only when missing (Get-IscsiTargetPortal,
 * then New-IscsiTargetPortal), with discovery CHAP when the volume has it. */
static int
ensure_portal(const struct portal *p, const struct auth *disc, struct va_err *err)
{
        ISCSI_TARGET_PORTAL_INFO_EXW *v = NULL;
        ISCSI_TARGET_PORTALW tp;
        ISCSI_LOGIN_OPTIONS o;
        ULONG size = 0, count = 0, i;
        ISDSC_STATUS st;
        int r;

        r = report_grow(portals_fn, NULL, 1, 4096, (void **)&v, &size, &count,
                        "ReportIScsiSendTargetPortalsExW", err);
        if (r < 0)
                return r;
        portal_w(p, &tp);
        for (i = 0; i < count; i++) {
                if (_wcsicmp(v[i].Address, tp.Address) == 0 && v[i].Socket == tp.Socket) {
                        free(v);
                        return 0;
                }
        }
        free(v);
        r = fill_opts(disc != NULL && disc->kind != AUTH_NONE ? disc : NULL, &o, 0, err);
        if (r < 0) {
                wipe_opts(&o);
                va_err_prefix(err, "discovery");
                return r;
        }
        st = AddIScsiSendTargetPortalW(NULL, ISCSI_ALL_INITIATOR_PORTS, &o, 0, &tp);
        wipe_opts(&o);
        if (isdsc_classify(st) == ISDSC_CLASS_OK || isdsc_classify(st) == ISDSC_CLASS_ALREADY)
                return 0;
        return isdsc_error(err, st, "AddIScsiSendTargetPortalW");
}

struct find_name {
        const WCHAR *want;
        int found;
};

static int
match_name(const uint16_t *name, size_t len, void *ctx)
{
        struct find_name *f = ctx;

        if (wcslen(f->want) == len && _wcsnicmp((const WCHAR *)name, f->want, len) == 0) {
                f->found = 1;
                return 1;
        }
        return 0;
}

static int
target_known(const WCHAR *iqn, BOOLEAN refresh, struct va_err *err)
{
        struct find_name f = { iqn, 0 };
        WCHAR *buf = NULL;
        ULONG size = 0, count = 0;
        int r;

        r = report_grow(targets_fn, &refresh, sizeof(WCHAR), 2048, (void **)&buf, &size, &count,
                        "ReportIScsiTargetsW", err);
        if (r < 0)
                return r;
        (void)isdsc_multisz_each((const uint16_t *)buf, size, match_name, &f);
        free(buf);
        return f.found;
}

static int
iscsidsc_add_target(struct initiator *ini, const struct initiator_login *l, struct va_err *err)
{
        WCHAR iqn[MAX_ISCSI_NAME_LEN + 1];
        ISDSC_STATUS st;
        int r;

        (void)ini;
        if (wcopy(l->path->iqn, iqn, MAX_ISCSI_NAME_LEN + 1) < 0)
                return va_err_set(err, VA_E_INVAL, "target name too long");
        r = ensure_portal(&l->path->portal, l->discovery, err);
        if (r < 0)
                return r;
        r = target_known(iqn, FALSE, err);
        if (r < 0)
                return r;
        if (r == 1)
                return 0;
        /* Not discovered (or hidden): register it statically, as os-win
         * always did; no SendTargets is then needed for it. */
        st = AddIScsiStaticTargetW(iqn, NULL, 0, TRUE, NULL, NULL, NULL);
        if (isdsc_classify(st) == ISDSC_CLASS_OK || isdsc_classify(st) == ISDSC_CLASS_ALREADY)
                return 0;
        return isdsc_error(err, st, "AddIScsiStaticTargetW");
}

static int
find_session(const struct target_path *p, struct initiator_session *ret, struct va_err *err)
{
        struct initiator_session *v = NULL;
        size_t n = 0, i;
        int r;

        r = iscsidsc_list_sessions(NULL, &v, &n, err);
        if (r < 0)
                return r;
        r = -VA_E_NOTFOUND;
        for (i = 0; i < n; i++) {
                /* IQNs compare case-insensitively here (os-win bug 1639765:
                 * they came back upper-cased) */
                if (_stricmp(v[i].iqn, p->iqn) == 0 && portal_equal(&v[i].portal, &p->portal)) {
                        *ret = v[i];
                        r = 0;
                        break;
                }
        }
        free(v);
        return r;
}

static int
set_mutual_secret(struct initiator *ini, const struct auth *a, struct va_err *err)
{
        ISDSC_STATUS st;
        unsigned char buf[ISDSC_CHAP_MAX];
        size_t len = secret_len(a->in.secret);
        int r = 0;

        if (isdsc_check_secret_len(len, "the mutual CHAP (initiator) secret", err) < 0)
                return -VA_E_INVAL;
        plat_mutex_lock(ini->mu);
        if (ini->mutual != NULL) {
                if (!secret_equal(ini->mutual, a->in.secret))
                        r = va_err_set(err, VA_E_UNSUPPORTED,
                                       "Windows has one initiator CHAP secret for every target, "
                                       "and another volume already set a different one");
                plat_mutex_unlock(ini->mu);
                return r;
        }
        memcpy(buf, secret_bytes(a->in.secret), len);
        st = SetIScsiInitiatorCHAPSharedSecret((ULONG)len, buf);
        va_secure_zero(buf, sizeof(buf));
        if (isdsc_classify(st) != ISDSC_CLASS_OK)
                r = isdsc_error(err, st, "SetIScsiInitiatorCHAPSharedSecret");
        else
                ini->mutual = secret_dup(a->in.secret);
        plat_mutex_unlock(ini->mu);
        return r;
}

/* Two logins, as os-win does: the persistent one only records the login
 * for the next boot (observed), the second makes the live session; in
 * both, "already logged in" is success. The session is then looked up
 * again rather than trusting the returned id. */
static int
iscsidsc_login(struct initiator *ini, const struct initiator_login *l,
               struct initiator_session *ret, struct va_err *err)
{
        WCHAR iqn[MAX_ISCSI_NAME_LEN + 1];
        ISCSI_TARGET_PORTALW tp;
        ISCSI_LOGIN_OPTIONS o;
        ISCSI_UNIQUE_SESSION_ID sid;
        ISCSI_UNIQUE_CONNECTION_ID cid;
        ISDSC_STATUS st;
        int pass, r;

        memset(ret, 0, sizeof(*ret));
        if (find_session(l->path, ret, NULL) == 0) {
                ret->reused = 1;
                return 0;
        }
        if (wcopy(l->path->iqn, iqn, MAX_ISCSI_NAME_LEN + 1) < 0)
                return va_err_set(err, VA_E_INVAL, "target name too long");
        if (l->auth->kind == AUTH_MUTUAL) {
                r = set_mutual_secret(ini, l->auth, err);
                if (r < 0)
                        return r;
        }
        portal_w(&l->path->portal, &tp);
        for (pass = 0; pass < 2; pass++) {
                r = fill_opts(l->auth, &o, l->multipath, err);
                if (r < 0) {
                        wipe_opts(&o);
                        return r;
                }
                memset(&sid, 0, sizeof(sid));
                memset(&cid, 0, sizeof(cid));
                st = LoginIScsiTargetW(iqn, FALSE, NULL, ISCSI_ANY_INITIATOR_PORT, &tp, 0, NULL, &o,
                                       0, NULL, pass == 0 ? TRUE : FALSE, &sid, &cid);
                wipe_opts(&o);
                switch (isdsc_classify(st)) {
                case ISDSC_CLASS_OK:
                        if (isdsc_is_warning(st))
                                va_log(VA_LOG_WARNING, "login to %s: %s (0x%08lX)", l->path->iqn,
                                       isdsc_name(st) ? isdsc_name(st) : "warning",
                                       (unsigned long)st);
                        break;
                case ISDSC_CLASS_ALREADY:
                        break;
                default:
                        return isdsc_error(err, st,
                                           pass == 0 ? "LoginIScsiTargetW (persistent)"
                                                     : "LoginIScsiTargetW");
                }
        }
        r = find_session(l->path, ret, err);
        if (r < 0)
                return va_err_set(err, VA_E_INITIATOR,
                                  "the login succeeded but no session to %s is listed",
                                  l->path->iqn);
        return 0;
}

static int
session_id(const struct initiator_session *s, ISCSI_UNIQUE_SESSION_ID *sid)
{
        uint64_t au, as;

        if (isdsc_handle_parse(s->handle, &au, &as) < 0)
                return -VA_E_INVAL;
        sid->AdapterUnique = au;
        sid->AdapterSpecific = as;
        return 0;
}

static void
device_from(const ISCSI_DEVICE_ON_SESSIONW *d, const struct initiator_session *s,
            struct initiator_device *out)
{
        char *legacy = win_utf8(d->LegacyName);

        memset(out, 0, sizeof(*out));
        out->kind = INITIATOR_DEVICE_DISK;
        (void)snprintf(out->path, sizeof(out->path), "%s", legacy && legacy[0] ? legacy : "");
        if (out->path[0] == '\0')
                (void)snprintf(out->path, sizeof(out->path), "\\\\.\\PhysicalDrive%lu",
                               (unsigned long)d->StorageDeviceNumber.DeviceNumber);
        (void)snprintf(out->name, sizeof(out->name), "PhysicalDrive%lu",
                       (unsigned long)d->StorageDeviceNumber.DeviceNumber);
        (void)snprintf(out->session, sizeof(out->session), "%s", s->handle);
        out->host_lun = d->ScsiAddress.Lun;
        free(legacy);
}

static int
session_devices(const struct initiator_session *s, ISCSI_DEVICE_ON_SESSIONW **ret, ULONG *ret_n,
                struct va_err *err)
{
        ISCSI_UNIQUE_SESSION_ID sid;
        ULONG size = 0;
        int attempt, r = 0;

        if (session_id(s, &sid) < 0)
                return va_err_set(err, VA_E_INVAL, "bad session handle '%s'", s->handle);
        /* SESSION_BUSY right after login is transient (os-win retries) */
        for (attempt = 0; attempt < BUSY_ATTEMPTS; attempt++) {
                struct va_err e;

                va_err_clear(&e);
                r = report_grow(devices_fn, &sid, sizeof(ISCSI_DEVICE_ON_SESSIONW), 4, (void **)ret,
                                &size, ret_n, "GetDevicesForIScsiSessionW", &e);
                if (r == 0 || r != -VA_E_BUSY) {
                        if (r < 0)
                                *err = e;
                        return r;
                }
                Sleep(200);
        }
        return va_err_set(err, VA_E_BUSY, "GetDevicesForIScsiSessionW: session stays busy");
}

static int
iscsidsc_find_device(struct initiator *ini, const struct initiator_session *s, unsigned lun,
                     int scan, struct initiator_device *ret, struct va_err *err)
{
        ISCSI_DEVICE_ON_SESSIONW *v = NULL;
        ULONG n = 0, i;
        int r;

        (void)scan; /* the Microsoft initiator reports every LUN itself */
        if (lun > 255)
                /* SCSI_ADDRESS.Lun is a UCHAR: larger LUNs cannot be matched */
                return va_err_set(err, VA_E_UNSUPPORTED,
                                  "LUN %u: the Microsoft initiator API reports LUNs up to 255",
                                  lun);
        r = session_devices(s, &v, &n, err);
        if (r < 0)
                return r;
        r = va_err_set(err, VA_E_NOTFOUND, "LUN %u not yet present on session %s", lun, s->handle);
        for (i = 0; i < n; i++) {
                /* a disk PnP has not numbered yet is listed with number
                 * 0xFFFFFFFF (os-win and go-win-iscsidsc skip it): poll on */
                if (v[i].ScsiAddress.Lun != lun ||
                    v[i].StorageDeviceNumber.DeviceType != FILE_DEVICE_DISK ||
                    v[i].StorageDeviceNumber.DeviceNumber == 0xFFFFFFFFu)
                        continue;
                va_err_clear(err);
                device_from(&v[i], s, ret);
                /* the disk's number comes from the session's own device
                 * list: never a guess from a disk number */
                disk_details(&ini->disk, ret);
                r = 0;
                break;
        }
        free(v);
        return r;
}

static int
iscsidsc_session_devices(struct initiator *ini, const struct initiator_session *s,
                         struct initiator_device **ret, size_t *ret_n, struct va_err *err)
{
        ISCSI_DEVICE_ON_SESSIONW *v = NULL;
        struct initiator_device *out;
        ULONG n = 0, i;
        int r;

        (void)ini;
        r = session_devices(s, &v, &n, err);
        if (r < 0)
                return r;
        out = calloc(n ? n : 1, sizeof(*out));
        if (out == NULL) {
                free(v);
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        }
        for (i = 0; i < n; i++)
                device_from(&v[i], s, &out[i]);
        free(v);
        *ret = out;
        *ret_n = n;
        return 0;
}

/* With the multipath login flag, MPIO (the Microsoft DSM) claims the paths
 * and they surface as one disk number. Different numbers mean MPIO is not
 * claiming iSCSI disks: two disks for one LU must not be used. */
static int
iscsidsc_multipath_assemble(struct initiator *ini, const struct initiator_device *paths, size_t n,
                            struct initiator_device *ret, struct va_err *err)
{
        size_t i;

        (void)ini;
        if (n == 0)
                return va_err_set(err, VA_E_INVAL, "no paths");
        for (i = 1; i < n; i++)
                if (strcmp(paths[i].path, paths[0].path) != 0)
                        return va_err_set(err, VA_E_UNSUPPORTED,
                                          "MPIO did not combine %s and %s: install the "
                                          "Multipath-IO feature and claim iSCSI devices "
                                          "(mpclaim -r -i -d \"MSFT2005iSCSIBusType_0x9\")",
                                          paths[0].path, paths[i].path);
        *ret = paths[0];
        ret->kind = INITIATOR_DEVICE_MULTIPATH;
        return 0;
}

static int
iscsidsc_multipath_ready(struct initiator *ini)
{
        SC_HANDLE scm, svc;

        (void)ini;
        /* the Multipath-IO feature installs the "mpio" driver service */
        scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
        if (scm == NULL)
                return 0;
        svc = OpenServiceW(scm, L"mpio", SERVICE_QUERY_STATUS);
        if (svc != NULL)
                CloseServiceHandle(svc);
        CloseServiceHandle(scm);
        return svc != NULL;
}

static int
iscsidsc_set_readonly(struct initiator *ini, const struct initiator_device *d, struct va_err *err)
{
        return disk_set_readonly(&ini->disk, d, err);
}

/* Under the SAN policy OfflineShared (the Server default) a new iSCSI disk
 * comes up offline and read-only; volattach brings it online, persistently,
 * or the volume is attached in name only. */
static int
iscsidsc_device_online(struct initiator *ini, struct initiator_device *d, int read_only,
                       struct va_err *err)
{
        return disk_online(&ini->disk, d, read_only, err);
}

/* The volume id goes into the registry beside the disk's unique id, not
 * onto the disk: volattach never writes a volume's data. */
static int
iscsidsc_device_tag(struct initiator *ini, const char *volume_id, struct initiator_device *d,
                    struct va_err *err)
{
        (void)ini;
        return disk_tag(volume_id, d, err);
}

static int
iscsidsc_device_untag(struct initiator *ini, const char *volume_id,
                      const struct initiator_device *d, struct va_err *err)
{
        (void)ini;
        (void)d;
        return disk_untag(volume_id, err);
}

static int
iscsidsc_device_in_use(struct initiator *ini, const struct initiator_device *d, char *why,
                       size_t len, struct va_err *err)
{
        (void)ini;
        (void)d;
        (void)why;
        (void)len;
        (void)err;
        /* The iSCSI service itself refuses a logout while a disk of the
         * session is in use (DEVICE_BUSY_ON_SESSION); logout reports it. */
        return 0;
}

static int
iscsidsc_device_remove(struct initiator *ini, const struct initiator_device *d, struct va_err *err)
{
        wchar_t *w = win_utf16(d->path);
        HANDLE h;

        (void)ini;
        (void)err;
        /* Windows removes the disk when the session logs out; what can be
         * done here is to flush what its users left in the cache. */
        if (w == NULL)
                return 0;
        h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                        OPEN_EXISTING, 0, NULL);
        free(w);
        if (h != INVALID_HANDLE_VALUE) {
                (void)FlushFileBuffers(h);
                CloseHandle(h);
        }
        return 0;
}

static int
iscsidsc_logout(struct initiator *ini, const struct initiator_session *s, struct va_err *err)
{
        ISCSI_UNIQUE_SESSION_ID sid;
        ISDSC_STATUS st = ISDSC_OK;
        int attempt;

        (void)ini;
        if (session_id(s, &sid) < 0)
                return va_err_set(err, VA_E_INVAL, "bad session handle '%s'", s->handle);
        for (attempt = 0; attempt < BUSY_ATTEMPTS; attempt++) {
                st = LogoutIScsiTarget(&sid);
                if (st == ISDSC_INVALID_SESSION_ID)
                        return 0; /* already logged out */
                if (isdsc_classify(st) == ISDSC_CLASS_OK)
                        return 0;
                if (isdsc_classify(st) != ISDSC_CLASS_RETRY)
                        break;
                Sleep(500);
        }
        if (st == ISDSC_DEVICE_BUSY_ON_SESSION)
                return va_err_setn(err, VA_E_BUSY, (long)st,
                                   "the iSCSI service refuses to log out: a disk of session %s "
                                   "is in use (DEVICE_BUSY_ON_SESSION); take its volumes offline "
                                   "first",
                                   s->handle);
        return isdsc_error(err, st, "LogoutIScsiTarget");
}

/* Forgets the persistent logins (or the volume would come back at the next
 * boot) and the static target volattach may have added. */
static int
iscsidsc_remove_target(struct initiator *ini, const struct target_path *p, struct va_err *err)
{
        PERSISTENT_ISCSI_LOGIN_INFOW *v = NULL;
        ULONG size = 0, count = 0, i;
        WCHAR iqn[MAX_ISCSI_NAME_LEN + 1];
        ISCSI_TARGET_PORTALW tp;
        ISDSC_STATUS st;
        int r;

        (void)ini;
        if (wcopy(p->iqn, iqn, MAX_ISCSI_NAME_LEN + 1) < 0)
                return va_err_set(err, VA_E_INVAL, "target name too long");
        portal_w(&p->portal, &tp);
        r = report_grow(persistent_fn, NULL, 1, 8192, (void **)&v, &size, &count,
                        "ReportIScsiPersistentLoginsW", err);
        if (r < 0)
                return r;
        for (i = 0; i < count; i++) {
                if (_wcsicmp(v[i].TargetName, iqn) != 0 ||
                    _wcsicmp(v[i].TargetPortal.Address, tp.Address) != 0 ||
                    v[i].TargetPortal.Socket != tp.Socket)
                        continue;
                st = RemoveIScsiPersistentTargetW(v[i].InitiatorInstance, v[i].InitiatorPortNumber,
                                                  v[i].TargetName, &v[i].TargetPortal);
                if (isdsc_classify(st) != ISDSC_CLASS_OK && st != ISDSC_NOT_FOUND &&
                    st != ISDSC_TARGET_NOT_FOUND) {
                        r = isdsc_error(err, st, "RemoveIScsiPersistentTargetW");
                        break;
                }
        }
        free(v);
        if (r < 0)
                return r;
        st = RemoveIScsiStaticTargetW(iqn);
        if (isdsc_classify(st) != ISDSC_CLASS_OK && st != ISDSC_TARGET_NOT_FOUND &&
            st != ISDSC_NOT_FOUND)
                return isdsc_error(err, st, "RemoveIScsiStaticTargetW");
        return 0;
}

static int
iscsidsc_probe(struct initiator *ini, struct initiator_probe *ret, struct va_err *err)
{
        (void)ini;
        return iscsidsc_probe_fill(ret, err);
}

static int
iscsidsc_disk_prepare(struct initiator *ini, const struct initiator_device *d,
                      const struct prepare_request *rq, struct prepare_outcome *ret,
                      struct va_err *err)
{
        return prep_disk_prepare(&ini->prep, d, rq, ret, err);
}

static int
iscsidsc_disk_mount(struct initiator *ini, const struct initiator_device *d,
                    const struct prepare_request *rq, struct prepare_outcome *ret,
                    struct va_err *err)
{
        return prep_disk_mount(&ini->prep, d, rq, ret, err);
}

const struct initiator_ops initiator_iscsidsc_ops = {
        .name = "iscsidsc",
        .caps = INITIATOR_CAP_MUTUAL_CHAP | INITIATOR_CAP_DISKS_STAY,
        .service_name = "MSiSCSI",
        .open = iscsidsc_open,
        .close = iscsidsc_close,
        .ensure_service = iscsidsc_ensure_service,
        .get_name = iscsidsc_get_name,
        .set_name = iscsidsc_set_name,
        .list_sessions = iscsidsc_list_sessions,
        /* no discover: ReportIScsiTargetsW does not say which portals offer
         * which target, so a volume asking for SendTargets uses its portal */
        .add_target = iscsidsc_add_target,
        .login = iscsidsc_login,
        .find_device = iscsidsc_find_device,
        .multipath_assemble = iscsidsc_multipath_assemble,
        .set_readonly = iscsidsc_set_readonly,
        .device_in_use = iscsidsc_device_in_use,
        .device_remove = iscsidsc_device_remove,
        .session_devices = iscsidsc_session_devices,
        .logout = iscsidsc_logout,
        .remove_target = iscsidsc_remove_target,
        .multipath_ready = iscsidsc_multipath_ready,
        /* SCSI_ADDRESS.Lun is a UCHAR (iscsidsc_find_device) */
        .max_host_lun = 255,
        .device_online = iscsidsc_device_online,
        .probe = iscsidsc_probe,
        .device_tag = iscsidsc_device_tag,
        .device_untag = iscsidsc_device_untag,
        .prepare_fs = "ntfs",
        .disk_prepare = iscsidsc_disk_prepare,
        .disk_mount = iscsidsc_disk_mount,
};
