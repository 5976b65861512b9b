/* SPDX-License-Identifier: Apache-2.0 */
/* Drives the simulated iscsidsc.dll through scripted API calls under Wine and
 * prints one line per step with the code returned, proving the simulator's
 * behaviour end to end; tests/wine/run-probe.sh runs it and reads the lines. */

/*
 *   probe.exe scenario             the whole sequence, from an empty state
 *   probe.exe expect-sessions N    N sessions listed (state shared by processes)
 *   probe.exe churn IQN ROUNDS     login/logout rounds (two at once: locking)
 *   probe.exe cleanup              logs out and forgets everything
 * Every mode sets VA_SIM_TARGETS and VA_SIM_DISCOVERY itself; the caller
 * gives VA_SIM_STATE and VA_SIM_TRACE.
 */
#include <windows.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iscsidsc.h"
#include "sim/sim.h" /* sim_status_name() only */

#define PREFIX     "iqn.2010-10.org.openstack:"
#define IQN_A      PREFIX "volume-a"
#define IQN_CHAP   PREFIX "volume-chap"
#define IQN_MUTUAL PREFIX "volume-mutual"
#define IQN_STATIC PREFIX "volume-static"
#define IQN_LATE   PREFIX "volume-late"
#define ADDR_A     "192.0.2.10" /* volume-a, volume-chap */
#define ADDR_M1    "192.0.2.20" /* volume-mutual, discovery CHAP demanded */
#define ADDR_M2    "192.0.2.21" /* volume-mutual's second path */
#define ADDR_S     "192.0.2.30" /* volume-static, never a send-target portal */
#define ADDR_NONE  "192.0.2.99" /* nothing listens */
#define ADDR_CHURN "192.0.2.40"

#define CHAP_USER     "chapuser"
#define CHAP_SECRET   "chapsecret1234"
#define MUTUAL_USER   "mutual-user"
#define TARGET_SECRET "targetsecret12"
#define INIT_SECRET   "initsecret1234"
#define DISC_USER     "disc-user"
#define DISC_SECRET   "discsecret1234"
#define WRONG_SECRET  "wrongsecret123"
#define SHORT_SECRET  "short123"
#define LONG_SECRET   "muchtoolongsecret123"

/* every secret this program hands the simulator: none may reach a file */
static const char *const secrets[] = { CHAP_SECRET,  TARGET_SECRET, INIT_SECRET, DISC_SECRET,
                                       WRONG_SECRET, SHORT_SECRET,  LONG_SECRET };

/* the simulated array this program's expectations are written for */
static const char *const target_entries[] = {
        IQN_A "@" ADDR_A ":3260:2",
        IQN_CHAP "@" ADDR_A ":3260:1:" CHAP_USER ":" CHAP_SECRET,
        IQN_MUTUAL "@" ADDR_M1 ":3260:1:" MUTUAL_USER ":" TARGET_SECRET ":target-name:" INIT_SECRET,
        IQN_MUTUAL "@" ADDR_M2 ":3260:1", /* a second path */
        IQN_STATIC "@" ADDR_S ":3260:3,", /* LUN 3 only */
        PREFIX "churn-1@" ADDR_CHURN ":3260:1",
        PREFIX "churn-2@" ADDR_CHURN ":3260:1",
};
static char targets_env[1024];
static const char discovery_env[] = ADDR_M1 ":3260:" DISC_USER ":" DISC_SECRET;

static int passed, failed;

/* --- reporting -------------------------------------------------------------- */

static const char *
code_name(ULONG code)
{
        const char *n = sim_status_name(code);

        return n != NULL ? n : "?";
}

static void
line(int ok, ULONG *code, const char *fmt, va_list ap)
{
        char what[160];

        (void)vsnprintf(what, sizeof(what), fmt, ap);
        if (code != NULL)
                printf("%s %3d %-62s 0x%08lX %s\n", ok ? "ok  " : "FAIL", passed + failed + 1, what,
                       *code, code_name(*code));
        else
                printf("%s %3d %s\n", ok ? "ok  " : "FAIL", passed + failed + 1, what);
        if (ok)
                passed++;
        else
                failed++;
}

static void expect(ULONG got, ULONG want, const char *fmt, ...)
    __attribute__((format(gnu_printf, 3, 4)));

static void
expect(ULONG got, ULONG want, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        line(got == want, &got, fmt, ap);
        va_end(ap);
        if (got != want)
                printf("         expected 0x%08lX %s\n", want, code_name(want));
}

static void verify(int cond, const char *fmt, ...) __attribute__((format(gnu_printf, 2, 3)));

static void
verify(int cond, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        line(cond, NULL, fmt, ap);
        va_end(ap);
}

static void
fault(const char *spec)
{
        /* the DLL reads its configuration from this process's environment
         * at every call */
        SetEnvironmentVariableA("VA_SIM_FAULT", spec);
}

/* --- small helpers ------------------------------------------------------------ */

static void
widen(const char *s, WCHAR *out, size_t cap)
{
        if (MultiByteToWideChar(CP_UTF8, 0, s, -1, out, (int)cap) <= 0)
                out[0] = 0;
}

static int
wide_is(const WCHAR *w, const char *s)
{
        char n[512];

        if (w == NULL || WideCharToMultiByte(CP_UTF8, 0, w, -1, n, sizeof(n), NULL, NULL) <= 0)
                return 0;
        return strcmp(n, s) == 0;
}

static int
inside(const void *p, const void *buf, size_t size)
{
        const unsigned char *b = buf;

        return (const unsigned char *)p >= b && (const unsigned char *)p < b + size;
}

static void
portal_of(const char *addr, ISCSI_TARGET_PORTALW *p)
{
        memset(p, 0, sizeof(*p));
        widen(addr, p->Address, MAX_ISCSI_PORTAL_ADDRESS_LEN);
        p->Socket = 3260;
}

struct auth {
        ISCSI_AUTH_TYPES type;
        const char *user;
        const char *secret;
};

static const struct auth no_auth = { ISCSI_NO_AUTH_TYPE, NULL, NULL };

/* Login options as the agent fills them: explicit byte lengths, no NULs. */
static void
options_of(const struct auth *a, ULONG flags, ISCSI_LOGIN_OPTIONS *lo, UCHAR *user, UCHAR *secret)
{
        memset(lo, 0, sizeof(*lo));
        lo->Version = ISCSI_LOGIN_OPTIONS_VERSION;
        lo->InformationSpecified = ISCSI_LOGIN_OPTIONS_AUTH_TYPE;
        lo->AuthType = a->type;
        lo->LoginFlags = flags;
        if (a->user != NULL) {
                lo->InformationSpecified |= ISCSI_LOGIN_OPTIONS_USERNAME;
                lo->UsernameLength = (ULONG)strlen(a->user);
                memcpy(user, a->user, lo->UsernameLength);
                lo->Username = user;
        }
        if (a->secret != NULL) {
                lo->InformationSpecified |= ISCSI_LOGIN_OPTIONS_PASSWORD;
                lo->PasswordLength = (ULONG)strlen(a->secret);
                memcpy(secret, a->secret, lo->PasswordLength);
                lo->Password = secret;
        }
}

static ULONG
login(const char *iqn, const char *addr, const struct auth *a, ULONG flags, BOOLEAN persistent,
      ISCSI_UNIQUE_SESSION_ID *sid)
{
        WCHAR name[MAX_ISCSI_NAME_LEN + 1];
        ISCSI_TARGET_PORTALW portal;
        ISCSI_LOGIN_OPTIONS lo;
        ISCSI_UNIQUE_SESSION_ID s;
        ISCSI_UNIQUE_CONNECTION_ID cid;
        UCHAR user[64], secret[64];
        ULONG rc;

        widen(iqn, name, MAX_ISCSI_NAME_LEN + 1);
        portal_of(addr != NULL ? addr : "", &portal);
        options_of(a, flags, &lo, user, secret);
        rc = LoginIScsiTargetW(name, FALSE, NULL, ISCSI_ANY_INITIATOR_PORT,
                               addr != NULL ? &portal : NULL, 0, NULL, &lo, 0, NULL, persistent,
                               sid != NULL ? sid : &s, &cid);
        SecureZeroMemory(secret, sizeof(secret));
        return rc;
}

static ULONG
add_portal(const char *addr, const struct auth *a)
{
        ISCSI_TARGET_PORTALW portal;
        ISCSI_LOGIN_OPTIONS lo;
        UCHAR user[64], secret[64];
        ULONG rc;

        portal_of(addr, &portal);
        options_of(a, 0, &lo, user, secret);
        rc = AddIScsiSendTargetPortalW(NULL, ISCSI_ALL_INITIATOR_PORTS,
                                       a->type != ISCSI_NO_AUTH_TYPE ? &lo : NULL, 0, &portal);
        SecureZeroMemory(secret, sizeof(secret));
        return rc;
}

static ULONG
remove_portal(const char *addr)
{
        ISCSI_TARGET_PORTALW portal;

        portal_of(addr, &portal);
        return RemoveIScsiSendTargetPortalW(NULL, ISCSI_ALL_INITIATOR_PORTS, &portal);
}

static ULONG
set_initiator_secret(const char *s)
{
        UCHAR b[64];
        ULONG n = (ULONG)strlen(s), rc;

        memcpy(b, s, n);
        rc = SetIScsiInitiatorCHAPSharedSecret(n, b);
        SecureZeroMemory(b, sizeof(b));
        return rc;
}

/* The session list, fetched the way the agent does: ask, allocate, fetch. */
struct sessions {
        ISCSI_SESSION_INFOW *v;
        ULONG count;
        ULONG size;
};

static ULONG
sessions_get(struct sessions *s)
{
        ULONG rc, attempt;

        memset(s, 0, sizeof(*s));
        for (attempt = 0; attempt < 4; attempt++) {
                rc = GetIScsiSessionListW(&s->size, &s->count, s->v);
                if (!ISDSC_IS_BUFFER_TOO_SMALL(rc))
                        return rc;
                free(s->v);
                s->v = calloc(1, s->size);
                if (s->v == NULL)
                        return ERROR_OUTOFMEMORY;
        }
        return rc;
}

static const ISCSI_SESSION_INFOW *
session_of(const struct sessions *s, const char *iqn, const char *addr)
{
        ULONG i;

        for (i = 0; i < s->count; i++)
                if (wide_is(s->v[i].TargetName, iqn) &&
                    (addr == NULL || (s->v[i].ConnectionCount > 0 &&
                                      wide_is(s->v[i].Connections[0].TargetAddress, addr))))
                        return &s->v[i];
        return NULL;
}

static int
session_find(const char *iqn, const char *addr, ISCSI_UNIQUE_SESSION_ID *sid)
{
        struct sessions s;
        const ISCSI_SESSION_INFOW *e;
        int found = 0;

        if (sessions_get(&s) == ERROR_SUCCESS && (e = session_of(&s, iqn, addr)) != NULL) {
                *sid = e->SessionId;
                found = 1;
        }
        free(s.v);
        return found;
}

static ULONG
devices_get(ISCSI_UNIQUE_SESSION_ID *sid, ISCSI_DEVICE_ON_SESSIONW *v, ULONG cap, ULONG *n)
{
        *n = cap;
        return GetDevicesForIScsiSessionW(sid, n, v);
}

/* The multi-sz target list; 1 when iqn is in it. */
static int
targets_have(BOOLEAN force, const char *iqn)
{
        WCHAR buf[4096];
        ULONG size = sizeof(buf) / sizeof(buf[0]), i = 0;

        if (ReportIScsiTargetsW(force, &size, buf) != ERROR_SUCCESS)
                return 0;
        while (i < size && buf[i] != 0) {
                if (wide_is(buf + i, iqn))
                        return 1;
                i += (ULONG)wcslen(buf + i) + 1;
        }
        return 0;
}

static ULONG
plogins_get(PERSISTENT_ISCSI_LOGIN_INFOW **v, ULONG *count, ULONG *size)
{
        ULONG rc;

        *v = NULL;
        *size = 0;
        rc = ReportIScsiPersistentLoginsW(count, NULL, size);
        if (!ISDSC_IS_BUFFER_TOO_SMALL(rc))
                return rc;
        *v = calloc(1, *size);
        if (*v == NULL)
                return ERROR_OUTOFMEMORY;
        return ReportIScsiPersistentLoginsW(count, *v, size);
}

/* --- the MSiSCSI service through the SCM ----------------------------------------- */

static int
service_set(int run)
{
        SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT), svc;
        SERVICE_STATUS ss;
        int i, ok = 0;

        if (scm == NULL)
                return 0;
        svc = OpenServiceW(scm, L"MSiSCSI", SERVICE_QUERY_STATUS | SERVICE_START | SERVICE_STOP);
        if (svc != NULL) {
                if (run)
                        (void)StartServiceW(svc, 0, NULL);
                else
                        (void)ControlService(svc, SERVICE_CONTROL_STOP, &ss);
                for (i = 0; i < 100 && !ok; i++) {
                        ok = QueryServiceStatus(svc, &ss) &&
                             ss.dwCurrentState == (DWORD)(run ? SERVICE_RUNNING : SERVICE_STOPPED);
                        if (!ok)
                                Sleep(50);
                }
                CloseServiceHandle(svc);
        }
        CloseServiceHandle(scm);
        return ok;
}

/* --- scenario sections --------------------------------------------------------------- */

static void
service_checks(void)
{
        ISCSI_VERSION_INFO vi;

        verify(service_set(0), "MSiSCSI stopped through the SCM");
        expect(GetIScsiVersionInformation(&vi), ISDSC_SERVICE_NOT_RUNNING,
               "any call with MSiSCSI stopped");
        verify(service_set(1), "MSiSCSI started through the SCM");
        expect(GetIScsiVersionInformation(&vi), ERROR_SUCCESS, "GetIScsiVersionInformation");
        verify(vi.MajorVersion == 6 && vi.MinorVersion == 3, "version %lu.%lu.%lu", vi.MajorVersion,
               vi.MinorVersion, vi.BuildNumber);
        SetEnvironmentVariableA("VA_SIM_SERVICE", "stopped");
        expect(GetIScsiVersionInformation(&vi), ISDSC_SERVICE_NOT_RUNNING,
               "VA_SIM_SERVICE=stopped overrides the SCM");
        SetEnvironmentVariableA("VA_SIM_SERVICE", NULL);
        fault("fail=GetIScsiVersionInformation:ISDSC_LOGIN_FAILED:2");
        expect(GetIScsiVersionInformation(&vi), ISDSC_LOGIN_FAILED, "fail= injection, 1st");
        expect(GetIScsiVersionInformation(&vi), ISDSC_LOGIN_FAILED, "fail= injection, 2nd");
        expect(GetIScsiVersionInformation(&vi), ERROR_SUCCESS, "fail= injection spent");
        fault("no-such-fault");
        expect(GetIScsiVersionInformation(&vi), ISDSC_NON_SPECIFIC_ERROR,
               "a bad VA_SIM_FAULT fails every call");
        fault(NULL);
}

static void
node_name_checks(void)
{
        WCHAR name[MAX_ISCSI_NAME_LEN + 1], probe_name[MAX_ISCSI_NAME_LEN + 1], longer[300];
        char n[MAX_ISCSI_NAME_LEN + 1];
        int i;

        expect(GetIScsiInitiatorNodeNameW(name), ERROR_SUCCESS, "GetIScsiInitiatorNodeNameW");
        (void)WideCharToMultiByte(CP_UTF8, 0, name, -1, n, sizeof(n), NULL, NULL);
        verify(strncmp(n, "iqn.1991-05.com.microsoft:", 26) == 0, "default name %s", n);
        widen("iqn.2004-10.org.example:probe", probe_name, MAX_ISCSI_NAME_LEN + 1);
        expect(SetIScsiInitiatorNodeNameW(probe_name), ERROR_SUCCESS, "SetIScsiInitiatorNodeNameW");
        expect(GetIScsiInitiatorNodeNameW(name), ERROR_SUCCESS, "GetIScsiInitiatorNodeNameW");
        verify(wide_is(name, "iqn.2004-10.org.example:probe"), "the name set is read back");
        for (i = 0; i < 299; i++)
                longer[i] = L'a';
        longer[299] = 0;
        expect(SetIScsiInitiatorNodeNameW(longer), ISDSC_INVALID_ISCSI_NAME,
               "a 299-character name");
        fault("warn=SetIScsiInitiatorNodeNameW:ISDSC_OPERATION_REQUIRES_REBOOT");
        expect(SetIScsiInitiatorNodeNameW(probe_name), ISDSC_OPERATION_REQUIRES_REBOOT,
               "warn= turns success into a warning");
        fault(NULL);
        expect(SetIScsiInitiatorNodeNameW(NULL), ERROR_SUCCESS, "NULL restores the default");
        expect(GetIScsiInitiatorNodeNameW(name), ERROR_SUCCESS, "GetIScsiInitiatorNodeNameW");
        verify(wide_is(name, n), "the default name is back");
        expect(SetIScsiInitiatorNodeNameW(probe_name), ERROR_SUCCESS, "set it again");
}

static void
discovery_checks(void)
{
        ISCSI_TARGET_PORTAL_INFO_EXW portals[2];
        WCHAR targets[1024];
        ULONG count = 0, size = 0, need;

        expect(login(IQN_A, ADDR_A, &no_auth, 0, FALSE, NULL), ISDSC_TARGET_NOT_FOUND,
               "login before discovery");
        size = 0;
        expect(ReportIScsiTargetsW(FALSE, &size, NULL), ERROR_INSUFFICIENT_BUFFER,
               "ReportIScsiTargetsW, no buffer");
        verify(size == 2, "an empty target list needs 2 WCHARs (got %lu)", size);
        size = 0;
        expect(ReportIScsiSendTargetPortalsExW(&count, &size, NULL), ERROR_SUCCESS,
               "no portals: nothing to fit");
        verify(count == 0 && size == 0, "0 portals, 0 bytes");

        expect(add_portal(ADDR_A, &no_auth), ERROR_SUCCESS, "AddIScsiSendTargetPortalW " ADDR_A);
        expect(add_portal(ADDR_A, &no_auth), ISDSC_TARGET_PORTAL_ALREADY_EXISTS,
               "the same portal again");
        size = 0;
        expect(ReportIScsiSendTargetPortalsExW(&count, &size, NULL), ERROR_INSUFFICIENT_BUFFER,
               "portals, no buffer");
        verify(size == sizeof(ISCSI_TARGET_PORTAL_INFO_EXW), "portals need %lu bytes", size);
        size = sizeof(ISCSI_TARGET_PORTAL_INFO_EXW) - 1;
        expect(ReportIScsiSendTargetPortalsExW(&count, &size, portals), ERROR_INSUFFICIENT_BUFFER,
               "portals, one byte short");
        expect(ReportIScsiSendTargetPortalsExW(&count, &size, portals), ERROR_SUCCESS,
               "portals, the size asked for");
        verify(count == 1 && wide_is(portals[0].Address, ADDR_A) && portals[0].Socket == 3260,
               "one portal, " ADDR_A ":3260");

        size = 1;
        expect(ReportIScsiTargetsW(FALSE, &size, targets), ERROR_INSUFFICIENT_BUFFER,
               "targets, 1 WCHAR");
        need = (ULONG)(strlen(IQN_A) + 1 + strlen(IQN_CHAP) + 1 + 1);
        verify(size == need, "targets need %lu WCHARs (got %lu)", need, size);
        size = need - 1;
        expect(ReportIScsiTargetsW(FALSE, &size, targets), ERROR_INSUFFICIENT_BUFFER,
               "targets, one WCHAR short");
        size = need;
        expect(ReportIScsiTargetsW(FALSE, &size, targets), ERROR_SUCCESS, "targets, exact size");
        verify(wide_is(targets, IQN_A) && wide_is(targets + strlen(IQN_A) + 1, IQN_CHAP) &&
                   targets[need - 1] == 0 && targets[need - 2] == 0,
               "multi-sz: both names, double NUL");
        verify(!targets_have(FALSE, IQN_MUTUAL), "a target of another portal is not listed");
}

static ULONG disk0, disk1; /* volume-a's disks, for the reboot checks */

static void
session_checks(void)
{
        ISCSI_UNIQUE_SESSION_ID sid, other;
        ISCSI_DEVICE_ON_SESSIONW dev[4];
        WCHAR node[MAX_ISCSI_NAME_LEN + 1];
        ULONG size = 0, count = 0, need, n;
        unsigned char *buf;
        ISCSI_SESSION_INFOW *v;

        expect(login(IQN_A, ADDR_A, &no_auth, 0, FALSE, &sid), ERROR_SUCCESS,
               "login volume-a, no auth");
        verify(sid.AdapterUnique != 0 && sid.AdapterSpecific != 0, "a session id came back");
        expect(login(IQN_A, ADDR_A, &no_auth, 0, FALSE, &other), ISDSC_TARGET_ALREADY_LOGGED_IN,
               "login volume-a again");

        expect(GetIScsiSessionListW(&size, &count, NULL), ERROR_INSUFFICIENT_BUFFER,
               "GetIScsiSessionListW, no buffer");
        need = size;
        verify(need > sizeof(ISCSI_SESSION_INFOW), "sessions need %lu bytes", need);
        buf = calloc(1, need);
        size = need - 1;
        expect(GetIScsiSessionListW(&size, &count, (ISCSI_SESSION_INFOW *)buf),
               ERROR_INSUFFICIENT_BUFFER, "sessions, one byte short");
        size = need;
        expect(GetIScsiSessionListW(&size, &count, (ISCSI_SESSION_INFOW *)buf), ERROR_SUCCESS,
               "sessions, exact size");
        v = (ISCSI_SESSION_INFOW *)buf;
        (void)GetIScsiInitiatorNodeNameW(node);
        verify(count == 1 && memcmp(&v[0].SessionId, &sid, sizeof(sid)) == 0,
               "one session, the id login gave");
        verify(inside(v[0].InitiatorName, buf, need) && inside(v[0].TargetName, buf, need) &&
                   inside(v[0].TargetNodeName, buf, need) && inside(v[0].Connections, buf, need) &&
                   inside(v[0].Connections[0].TargetAddress, buf, need),
               "every string inside the caller's buffer");
        verify(wide_is(v[0].TargetName, IQN_A) && wide_is(v[0].TargetNodeName, IQN_A),
               "TargetName and TargetNodeName are the IQN");
        verify(wcscmp(v[0].InitiatorName, node) == 0, "InitiatorName is the node name");
        verify(v[0].ConnectionCount == 1 && wide_is(v[0].Connections[0].TargetAddress, ADDR_A) &&
                   v[0].Connections[0].TargetSocket == 3260,
               "one connection to " ADDR_A ":3260");
        free(buf);

        expect(devices_get(&sid, dev, 0, &n), ERROR_INSUFFICIENT_BUFFER,
               "GetDevicesForIScsiSessionW, 0 elements");
        verify(n == 2, "2 devices needed (got %lu)", n);
        expect(devices_get(&sid, dev, 1, &n), ERROR_INSUFFICIENT_BUFFER, "devices, 1 element");
        expect(devices_get(&sid, dev, 2, &n), ERROR_SUCCESS, "devices, 2 elements");
        disk0 = dev[0].StorageDeviceNumber.DeviceNumber;
        disk1 = dev[1].StorageDeviceNumber.DeviceNumber;
        verify(n == 2 && dev[0].ScsiAddress.Lun == 0 && dev[1].ScsiAddress.Lun == 1,
               "LUNs 0 and 1, in order");
        verify(dev[0].StorageDeviceNumber.DeviceType == FILE_DEVICE_DISK &&
                   dev[0].ScsiAddress.Length == sizeof(SCSI_ADDRESS) && disk0 != disk1 &&
                   disk0 != 0,
               "disks PhysicalDrive%lu and %lu", disk0, disk1);
        {
                char legacy[32];

                (void)snprintf(legacy, sizeof(legacy), "\\\\.\\PhysicalDrive%lu", disk0);
                verify(wide_is(dev[0].LegacyName, legacy) && wide_is(dev[0].TargetName, IQN_A),
                       "LegacyName %s", legacy);
        }
}

static void
chap_checks(void)
{
        const struct auth none = { ISCSI_NO_AUTH_TYPE, NULL, NULL };
        const struct auth wrong = { ISCSI_CHAP_AUTH_TYPE, CHAP_USER, WRONG_SECRET };
        const struct auth shortone = { ISCSI_CHAP_AUTH_TYPE, CHAP_USER, SHORT_SECRET };
        const struct auth longone = { ISCSI_CHAP_AUTH_TYPE, CHAP_USER, LONG_SECRET };
        const struct auth nameless = { ISCSI_CHAP_AUTH_TYPE, NULL, CHAP_SECRET };
        const struct auth badtype = { (ISCSI_AUTH_TYPES)7, CHAP_USER, CHAP_SECRET };
        const struct auth right = { ISCSI_CHAP_AUTH_TYPE, CHAP_USER, CHAP_SECRET };

        expect(login(IQN_CHAP, ADDR_A, &none, 0, FALSE, NULL), ISDSC_AUTHENTICATION_FAILURE,
               "CHAP target, no auth");
        expect(login(IQN_CHAP, ADDR_A, &wrong, 0, FALSE, NULL), ISDSC_AUTHENTICATION_FAILURE,
               "CHAP target, wrong secret");
        expect(login(IQN_CHAP, ADDR_A, &shortone, 0, FALSE, NULL), ISDSC_INVALID_TARGET_CHAP_SECRET,
               "CHAP secret of 8 bytes");
        expect(login(IQN_CHAP, ADDR_A, &longone, 0, FALSE, NULL), ISDSC_INVALID_TARGET_CHAP_SECRET,
               "CHAP secret of 20 bytes");
        expect(login(IQN_CHAP, ADDR_A, &nameless, 0, FALSE, NULL), ISDSC_AUTHENTICATION_FAILURE,
               "no username: CHAP_N is the node name");
        expect(login(IQN_CHAP, ADDR_A, &badtype, 0, FALSE, NULL), ISDSC_INVALID_LOGON_AUTH_TYPE,
               "AuthType 7");
        expect(login(IQN_CHAP, ADDR_A, &right, 0, FALSE, NULL), ERROR_SUCCESS,
               "CHAP target, right secret");
}

static void
discovery_chap_checks(void)
{
        const struct auth disc = { ISCSI_CHAP_AUTH_TYPE, DISC_USER, DISC_SECRET };
        ISCSI_TARGET_PORTAL_INFO_EXW *v;
        ULONG count = 0, size = 0, i;
        int seen = 0;

        expect(add_portal(ADDR_M1, &no_auth), ISDSC_AUTHENTICATION_FAILURE,
               "portal demanding discovery CHAP, none given");
        size = 0;
        (void)ReportIScsiSendTargetPortalsExW(&count, &size, NULL);
        verify(count == 2, "the portal is recorded anyway (%lu portals)", count);
        verify(!targets_have(FALSE, IQN_MUTUAL), "but its targets are not discovered");
        expect(login(IQN_MUTUAL, ADDR_M1, &no_auth, 0, FALSE, NULL), ISDSC_TARGET_NOT_FOUND,
               "login to an undiscovered target");
        expect(remove_portal(ADDR_M1), ERROR_SUCCESS, "RemoveIScsiSendTargetPortalW");
        expect(remove_portal(ADDR_M1), ISDSC_PORTAL_NOT_FOUND, "remove it again");
        expect(add_portal(ADDR_M1, &disc), ERROR_SUCCESS, "portal with discovery CHAP");
        verify(targets_have(FALSE, IQN_MUTUAL), "volume-mutual discovered");

        size = 0;
        (void)ReportIScsiSendTargetPortalsExW(&count, &size, NULL);
        v = calloc(1, size);
        expect(ReportIScsiSendTargetPortalsExW(&count, &size, v), ERROR_SUCCESS,
               "portals with login options");
        verify(size == 2 * sizeof(*v) + strlen(DISC_USER), "%lu bytes: the array and the username",
               size);
        for (i = 0; i < count; i++) {
                const ISCSI_LOGIN_OPTIONS *lo = &v[i].LoginOptions;

                if (!wide_is(v[i].Address, ADDR_M1))
                        continue;
                seen = lo->UsernameLength == strlen(DISC_USER) && inside(lo->Username, v, size) &&
                       memcmp(lo->Username, DISC_USER, lo->UsernameLength) == 0 &&
                       lo->Password == NULL && lo->PasswordLength == 0 &&
                       lo->AuthType == ISCSI_CHAP_AUTH_TYPE;
        }
        verify(seen, "username reported in the buffer, the secret never");
        free(v);
}

static ISCSI_UNIQUE_SESSION_ID mutual_sid;

static void
mutual_checks(void)
{
        const struct auth mutual = { ISCSI_MUTUAL_CHAP_AUTH_TYPE, MUTUAL_USER, TARGET_SECRET };
        const struct auth oneway = { ISCSI_CHAP_AUTH_TYPE, MUTUAL_USER, TARGET_SECRET };

        expect(set_initiator_secret(SHORT_SECRET), ISDSC_SHORT_CHAP_SECRET,
               "initiator secret of 8 bytes: a warning");
        verify(ISDSC_SUCCEEDED(ISDSC_SHORT_CHAP_SECRET), "which counts as success");
        expect(login(IQN_MUTUAL, ADDR_M1, &mutual, 0, FALSE, NULL), ISDSC_AUTHENTICATION_FAILURE,
               "mutual CHAP with the short secret");
        expect(set_initiator_secret(LONG_SECRET), ISDSC_INVALID_INITIATOR_CHAP_SECRET,
               "initiator secret of 20 bytes");
        expect(set_initiator_secret(WRONG_SECRET), ERROR_SUCCESS, "a wrong initiator secret");
        expect(login(IQN_MUTUAL, ADDR_M1, &mutual, 0, FALSE, NULL), ISDSC_AUTHENTICATION_FAILURE,
               "mutual CHAP, the target does not know it");
        expect(set_initiator_secret(INIT_SECRET), ERROR_SUCCESS, "the right initiator secret");
        expect(login(IQN_MUTUAL, ADDR_M1, &oneway, 0, FALSE, NULL), ISDSC_AUTHENTICATION_FAILURE,
               "one-way CHAP to a mutual target");
        expect(login(IQN_MUTUAL, ADDR_M1, &mutual, 0, FALSE, &mutual_sid), ERROR_SUCCESS,
               "mutual CHAP");
}

static void
multipath_checks(void)
{
        const struct auth mutual = { ISCSI_MUTUAL_CHAP_AUTH_TYPE, MUTUAL_USER, TARGET_SECRET };
        const ULONG mp = ISCSI_LOGIN_FLAG_MULTIPATH_ENABLED;
        ISCSI_UNIQUE_SESSION_ID second, third;
        ISCSI_DEVICE_ON_SESSIONW d1, d2, d3;
        struct sessions s;
        ULONG n;

        expect(login(IQN_MUTUAL, ADDR_M2, &mutual, 0, FALSE, NULL), ISDSC_TARGET_ALREADY_LOGGED_IN,
               "second path without the multipath flag");
        expect(login(IQN_MUTUAL, ADDR_M2, &mutual, mp, FALSE, &second), ERROR_SUCCESS,
               "second path with ISCSI_LOGIN_FLAG_MULTIPATH_ENABLED");
        expect(login(IQN_MUTUAL, ADDR_A, &mutual, mp, FALSE, NULL), ISDSC_NOT_FOUND,
               "a portal that does not serve the target");
        expect(login(IQN_MUTUAL, ADDR_NONE, &mutual, mp, FALSE, NULL), ISDSC_CONNECTION_FAILED,
               "a portal where nothing listens");
        expect(sessions_get(&s), ERROR_SUCCESS, "GetIScsiSessionListW");
        verify(s.count == 4, "4 sessions (got %lu)", s.count);
        free(s.v);
        expect(devices_get(&mutual_sid, &d1, 1, &n), ERROR_SUCCESS, "devices of path 1");
        expect(devices_get(&second, &d2, 1, &n), ERROR_SUCCESS, "devices of path 2");
        verify(d1.StorageDeviceNumber.DeviceNumber == d2.StorageDeviceNumber.DeviceNumber,
               "MPIO: both paths are PhysicalDrive%lu", d1.StorageDeviceNumber.DeviceNumber);
        fault("no-mpio");
        expect(login(IQN_MUTUAL, ADDR_M2, &mutual, mp, FALSE, &third), ERROR_SUCCESS,
               "a third session, no-mpio fault");
        expect(devices_get(&third, &d3, 1, &n), ERROR_SUCCESS, "its devices");
        verify(d3.StorageDeviceNumber.DeviceNumber != d1.StorageDeviceNumber.DeviceNumber,
               "without MPIO the path is a disk of its own (PhysicalDrive%lu)",
               d3.StorageDeviceNumber.DeviceNumber);
        expect(LogoutIScsiTarget(&third), ERROR_SUCCESS, "log it out");
        fault(NULL);
        expect(LogoutIScsiTarget(&second), ERROR_SUCCESS, "log the second path out");
}

static void
persistent_checks(void)
{
        const struct auth chap = { ISCSI_CHAP_AUTH_TYPE, CHAP_USER, CHAP_SECRET };
        PERSISTENT_ISCSI_LOGIN_INFOW *v;
        struct sessions s;
        ULONG count = 0, size = 0, i;
        int ok = 0;

        expect(ReportIScsiPersistentLoginsW(&count, NULL, &size), ERROR_SUCCESS,
               "no persistent logins yet");
        expect(login(IQN_A, ADDR_A, &no_auth, 0, TRUE, NULL), ERROR_SUCCESS,
               "persistent login volume-a");
        expect(login(IQN_CHAP, ADDR_A, &chap, 0, TRUE, NULL), ERROR_SUCCESS,
               "persistent login volume-chap (CHAP)");
        expect(sessions_get(&s), ERROR_SUCCESS, "GetIScsiSessionListW");
        verify(s.count == 3, "a persistent login only records: still 3 sessions");
        free(s.v);
        size = 0;
        expect(ReportIScsiPersistentLoginsW(&count, NULL, &size), ERROR_INSUFFICIENT_BUFFER,
               "ReportIScsiPersistentLoginsW, no buffer");
        verify(size == 2 * sizeof(PERSISTENT_ISCSI_LOGIN_INFOW) + strlen(CHAP_USER),
               "%lu bytes: 2 entries and a username", size);
        expect(login(IQN_A, ADDR_A, &no_auth, 0, TRUE, NULL), ERROR_SUCCESS,
               "the same persistent login again");
        expect(plogins_get(&v, &count, &size), ERROR_SUCCESS, "persistent logins");
        verify(count == 2, "it replaced the first: 2 entries");
        for (i = 0; i < count; i++)
                if (wide_is(v[i].TargetName, IQN_CHAP))
                        ok = wide_is(v[i].TargetPortal.Address, ADDR_A) &&
                             v[i].LoginOptions.UsernameLength == strlen(CHAP_USER) &&
                             inside(v[i].LoginOptions.Username, v, size) &&
                             v[i].LoginOptions.Password == NULL;
        verify(ok, "portal and username reported, the secret never");
        free(v);
}

static void
reboot_checks(void)
{
        const struct auth mutual = { ISCSI_MUTUAL_CHAP_AUTH_TYPE, MUTUAL_USER, TARGET_SECRET };
        ISCSI_UNIQUE_SESSION_ID old_a, sid;
        ISCSI_DEVICE_ON_SESSIONW dev[2];
        struct sessions s;
        ULONG n;

        verify(session_find(IQN_A, ADDR_A, &old_a), "volume-a's session before the reboot");
        SetEnvironmentVariableA("VA_SIM_BOOT_ID", "probe-boot-2");
        expect(sessions_get(&s), ERROR_SUCCESS, "sessions after a simulated reboot");
        verify(s.count == 2 && session_of(&s, IQN_A, ADDR_A) != NULL &&
                   session_of(&s, IQN_CHAP, ADDR_A) != NULL,
               "the 2 persistent logins came back, nothing else (%lu)", s.count);
        free(s.v);
        expect(LogoutIScsiTarget(&old_a), ISDSC_INVALID_SESSION_ID, "an id from before the reboot");
        verify(session_find(IQN_A, ADDR_A, &sid), "volume-a's new session");
        expect(devices_get(&sid, dev, 2, &n), ERROR_SUCCESS, "its devices");
        verify(n == 2 && dev[0].StorageDeviceNumber.DeviceNumber == disk0 &&
                   dev[1].StorageDeviceNumber.DeviceNumber == disk1,
               "same disk numbers as before the reboot");
        verify(targets_have(FALSE, IQN_MUTUAL), "portals rediscovered with their CHAP");
        expect(login(IQN_MUTUAL, ADDR_M1, &mutual, 0, FALSE, &mutual_sid), ERROR_SUCCESS,
               "the initiator secret survived: mutual CHAP");
}

static void
logout_checks(void)
{
        ISCSI_UNIQUE_SESSION_ID a, chap;
        ISCSI_DEVICE_ON_SESSIONW dev[2];
        ULONG n;

        verify(session_find(IQN_A, ADDR_A, &a), "volume-a's session");
        expect(LogoutIScsiTarget(&a), ERROR_SUCCESS, "LogoutIScsiTarget");
        expect(LogoutIScsiTarget(&a), ISDSC_INVALID_SESSION_ID, "logout twice");
        expect(devices_get(&a, dev, 2, &n), ISDSC_INVALID_SESSION_ID,
               "devices of a logged-out session");

        verify(session_find(IQN_CHAP, ADDR_A, &chap), "volume-chap's session");
        fault("in-use=" IQN_CHAP "/0");
        expect(LogoutIScsiTarget(&chap), ISDSC_DEVICE_BUSY_ON_SESSION, "logout, LUN 0 in use");
        fault("in-use=" IQN_CHAP "/7");
        expect(LogoutIScsiTarget(&chap), ERROR_SUCCESS, "logout, another LUN in use");

        fault("session-busy=2");
        expect(LogoutIScsiTarget(&mutual_sid), ISDSC_SESSION_BUSY, "logout, busy 1st");
        expect(LogoutIScsiTarget(&mutual_sid), ISDSC_SESSION_BUSY, "logout, busy 2nd");
        expect(LogoutIScsiTarget(&mutual_sid), ERROR_SUCCESS, "logout, busy spent");
        expect(login(IQN_A, ADDR_A, &no_auth, 0, FALSE, &a), ERROR_SUCCESS, "login volume-a");
        expect(devices_get(&a, dev, 2, &n), ISDSC_SESSION_BUSY, "devices, busy 1st");
        expect(devices_get(&a, dev, 2, &n), ISDSC_SESSION_BUSY, "devices, busy 2nd");
        expect(devices_get(&a, dev, 2, &n), ERROR_SUCCESS, "devices, busy spent");
        fault(NULL);
}

static void
buffer_fault_checks(void)
{
        ULONG size = 0, count = 0;

        fault("buffer-hresult");
        expect(GetIScsiSessionListW(&size, &count, NULL), ISDSC_HR_INSUFFICIENT_BUFFER,
               "too small, as an HRESULT");
        fault("buffer-isdsc");
        expect(GetIScsiSessionListW(&size, &count, NULL), ISDSC_BUFFER_TOO_SMALL,
               "too small, as ISDSC_BUFFER_TOO_SMALL");
        verify(ISDSC_IS_BUFFER_TOO_SMALL(ISDSC_HR_INSUFFICIENT_BUFFER) &&
                   ISDSC_IS_BUFFER_TOO_SMALL(ISDSC_BUFFER_TOO_SMALL) &&
                   ISDSC_IS_BUFFER_TOO_SMALL(ERROR_INSUFFICIENT_BUFFER),
               "ISDSC_IS_BUFFER_TOO_SMALL knows all three");
        fault(NULL);
}

static void
device_fault_checks(void)
{
        ISCSI_UNIQUE_SESSION_ID a;
        ISCSI_DEVICE_ON_SESSIONW dev[2];
        struct sessions s;
        ULONG n;

        verify(session_find(IQN_A, ADDR_A, &a), "volume-a's session");
        expect(LogoutIScsiTarget(&a), ERROR_SUCCESS, "logout volume-a");
        fault("devices-late=2");
        expect(login(IQN_A, ADDR_A, &no_auth, 0, FALSE, &a), ERROR_SUCCESS, "login, devices late");
        expect(devices_get(&a, dev, 2, &n), ERROR_SUCCESS, "devices, poll 1");
        verify(n == 0, "no devices yet");
        expect(devices_get(&a, dev, 2, &n), ERROR_SUCCESS, "devices, poll 2");
        verify(n == 0, "no devices yet");
        expect(devices_get(&a, dev, 2, &n), ERROR_SUCCESS, "devices, poll 3");
        verify(n == 2, "now both");
        expect(LogoutIScsiTarget(&a), ERROR_SUCCESS, "logout volume-a");

        fault("devices-unnumbered=1");
        expect(login(IQN_A, ADDR_A, &no_auth, 0, FALSE, &a), ERROR_SUCCESS,
               "login, devices unnumbered");
        expect(devices_get(&a, dev, 2, &n), ERROR_SUCCESS, "devices, poll 1");
        verify(n == 2 && dev[0].StorageDeviceNumber.DeviceNumber == 0xFFFFFFFFu &&
                   dev[0].LegacyName[0] == 0,
               "listed, but DeviceNumber -1 and no LegacyName");
        expect(devices_get(&a, dev, 2, &n), ERROR_SUCCESS, "devices, poll 2");
        verify(dev[0].StorageDeviceNumber.DeviceNumber == disk0, "numbered now");

        fault("session-down=" IQN_A);
        expect(sessions_get(&s), ERROR_SUCCESS, "sessions, volume-a's connection down");
        verify(session_of(&s, IQN_A, NULL) != NULL &&
                   session_of(&s, IQN_A, NULL)->ConnectionCount == 0 &&
                   session_of(&s, IQN_A, NULL)->Connections == NULL,
               "listed with ConnectionCount 0");
        free(s.v);
        fault("upper-iqn");
        expect(sessions_get(&s), ERROR_SUCCESS, "sessions, upper-iqn fault");
        verify(s.count > 0 && wide_is(s.v[0].TargetName, "IQN.2010-10.ORG.OPENSTACK:VOLUME-A"),
               "the IQN comes back upper-cased");
        free(s.v);
        fault(NULL);
}

static void
portal_fault_checks(void)
{
        ULONG count = 0, size = 0, before;

        (void)ReportIScsiSendTargetPortalsExW(&before, &size, NULL);
        fault("portal-down=" ADDR_S);
        expect(add_portal(ADDR_S, &no_auth), ISDSC_CONNECTION_FAILED, "portal-down: add portal");
        size = 0;
        (void)ReportIScsiSendTargetPortalsExW(&count, &size, NULL);
        verify(count == before + 1, "recorded anyway");
        verify(!targets_have(TRUE, IQN_STATIC), "nothing discovered through it");
        expect(remove_portal(ADDR_S), ERROR_SUCCESS, "remove it");
        fault(NULL);
}

static ULONG
add_static(const char *iqn, ULONG flags, BOOLEAN persist)
{
        WCHAR name[MAX_ISCSI_NAME_LEN + 1];

        widen(iqn, name, MAX_ISCSI_NAME_LEN + 1);
        return AddIScsiStaticTargetW(name, NULL, flags, persist, NULL, NULL, NULL);
}

static ULONG
remove_static(const char *iqn)
{
        WCHAR name[MAX_ISCSI_NAME_LEN + 1];

        widen(iqn, name, MAX_ISCSI_NAME_LEN + 1);
        return RemoveIScsiStaticTargetW(name);
}

static void
static_checks(void)
{
        ISCSI_UNIQUE_SESSION_ID sid;
        ISCSI_DEVICE_ON_SESSIONW dev[2];
        ULONG n;

        expect(login(IQN_STATIC, ADDR_S, &no_auth, 0, FALSE, NULL), ISDSC_TARGET_NOT_FOUND,
               "login to a target on no portal");
        expect(add_static(IQN_STATIC, ISCSI_TARGET_FLAG_HIDE_STATIC_TARGET, TRUE), ERROR_SUCCESS,
               "AddIScsiStaticTargetW, hidden");
        verify(!targets_have(FALSE, IQN_STATIC), "a hidden static target is not listed");
        expect(login(IQN_STATIC, ADDR_S, &no_auth, 0, FALSE, NULL), ISDSC_TARGET_NOT_FOUND,
               "nor can it be logged in to");
        expect(add_static(IQN_STATIC, 0, FALSE), ERROR_SUCCESS, "added again, visible, volatile");
        verify(targets_have(FALSE, IQN_STATIC), "listed now");
        expect(login(IQN_STATIC, NULL, &no_auth, 0, FALSE, NULL), ISDSC_NO_PORTAL_SPECIFIED,
               "static target without a portal");
        expect(login(IQN_STATIC, ADDR_S, &no_auth, 0, FALSE, &sid), ERROR_SUCCESS,
               "static target with its portal");
        expect(devices_get(&sid, dev, 2, &n), ERROR_SUCCESS, "its devices");
        verify(n == 1 && dev[0].ScsiAddress.Lun == 3, "just LUN 3");
        expect(LogoutIScsiTarget(&sid), ERROR_SUCCESS, "logout");
        SetEnvironmentVariableA("VA_SIM_BOOT_ID", "probe-boot-3");
        verify(!targets_have(FALSE, IQN_STATIC), "a non-persistent static target is gone after a "
                                                 "reboot");
        expect(remove_static(IQN_STATIC), ISDSC_TARGET_NOT_FOUND, "RemoveIScsiStaticTargetW");
        expect(add_static(IQN_STATIC, 0, TRUE), ERROR_SUCCESS, "added, persistent");
        SetEnvironmentVariableA("VA_SIM_BOOT_ID", "probe-boot-4");
        verify(targets_have(FALSE, IQN_STATIC), "a persistent one survives the reboot");
        expect(remove_static(IQN_STATIC), ERROR_SUCCESS, "RemoveIScsiStaticTargetW");
        expect(remove_static(IQN_STATIC), ISDSC_TARGET_NOT_FOUND, "remove it twice");
}

static void
force_update_checks(void)
{
        char more[sizeof(targets_env) + 128];

        (void)snprintf(more, sizeof(more), "%s;%s@%s:3260:1", targets_env, IQN_LATE, ADDR_A);
        SetEnvironmentVariableA("VA_SIM_TARGETS", more);
        verify(!targets_have(FALSE, IQN_LATE), "a new target is not listed without ForceUpdate");
        verify(targets_have(TRUE, IQN_LATE), "ForceUpdate=TRUE finds it");
        SetEnvironmentVariableA("VA_SIM_TARGETS", targets_env);
        verify(targets_have(FALSE, IQN_LATE), "the list keeps it until the next refresh");
        verify(!targets_have(TRUE, IQN_LATE), "the next refresh drops it");
}

/* Removes every persistent login the way the agent does: with the values
 * ReportIScsiPersistentLoginsW gave. */
static void
forget_persistent(int checked)
{
        PERSISTENT_ISCSI_LOGIN_INFOW *v;
        ULONG count = 0, size = 0, i, rc;

        if (plogins_get(&v, &count, &size) != ERROR_SUCCESS)
                return;
        for (i = 0; i < count; i++) {
                rc = RemoveIScsiPersistentTargetW(v[i].InitiatorInstance, v[i].InitiatorPortNumber,
                                                  v[i].TargetName, &v[i].TargetPortal);
                if (checked)
                        expect(rc, ERROR_SUCCESS, "RemoveIScsiPersistentTargetW %lu", i);
                if (checked && i == 0)
                        expect(RemoveIScsiPersistentTargetW(v[i].InitiatorInstance,
                                                            v[i].InitiatorPortNumber,
                                                            v[i].TargetName, &v[i].TargetPortal),
                               ISDSC_NOT_FOUND, "remove it twice");
        }
        free(v);
}

static void
logout_all(void)
{
        struct sessions s;
        ULONG i;

        if (sessions_get(&s) != ERROR_SUCCESS)
                return;
        for (i = 0; i < s.count; i++)
                (void)LogoutIScsiTarget(&s.v[i].SessionId);
        free(s.v);
}

static void
cleanup(void)
{
        const char *const portals[] = { ADDR_A, ADDR_M1, ADDR_M2, ADDR_S, ADDR_CHURN };
        size_t i;

        logout_all();
        forget_persistent(0);
        for (i = 0; i < sizeof(portals) / sizeof(portals[0]); i++)
                (void)remove_portal(portals[i]);
        (void)remove_static(IQN_STATIC);
}

/* The trace and the state file must never hold a secret. */
static int
file_holds(const WCHAR *var, const char *needle, int *readable)
{
        WCHAR path[MAX_PATH];
        static char text[4 * 1024 * 1024];
        DWORD got = 0, n = GetEnvironmentVariableW(var, path, MAX_PATH);
        size_t len = strlen(needle), i;
        HANDLE h;

        *readable = 0;
        if (n == 0 || n >= MAX_PATH)
                return 0;
        h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
                        0, NULL);
        if (h == INVALID_HANDLE_VALUE)
                return 0;
        *readable = ReadFile(h, text, sizeof(text), &got, NULL) && got > 0;
        CloseHandle(h);
        for (i = 0; i + len <= got; i++)
                if (memcmp(text + i, needle, len) == 0)
                        return 1;
        return 0;
}

static void
secret_checks(void)
{
        size_t i;
        int leaks = 0, trace_ok = 0, state_ok = 0;

        for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
                leaks += file_holds(L"VA_SIM_TRACE", secrets[i], &trace_ok);
                leaks += file_holds(L"VA_SIM_STATE", secrets[i], &state_ok);
        }
        verify(trace_ok && state_ok, "trace and state files written");
        verify(leaks == 0, "no secret in the trace or the state file (%d found)", leaks);
}

static void
scenario(void)
{
        service_checks();
        node_name_checks();
        discovery_checks();
        session_checks();
        chap_checks();
        discovery_chap_checks();
        mutual_checks();
        multipath_checks();
        persistent_checks();
        reboot_checks();
        logout_checks();
        buffer_fault_checks();
        device_fault_checks();
        portal_fault_checks();
        static_checks();
        force_update_checks();
        forget_persistent(1);
        {
                ULONG count = 0, size = 0;

                expect(ReportIScsiPersistentLoginsW(&count, NULL, &size), ERROR_SUCCESS,
                       "no persistent logins left");
        }
        secret_checks();
        /* leave one persistent login and its session, the way the agent
         * logs in, for run-probe.sh's checks across processes */
        logout_all();
        expect(login(IQN_A, ADDR_A, &no_auth, 0, TRUE, NULL), ERROR_SUCCESS,
               "agent-style login: persistent");
        expect(login(IQN_A, ADDR_A, &no_auth, 0, FALSE, NULL), ERROR_SUCCESS,
               "agent-style login: live");
}

static void
churn(const char *iqn, int rounds)
{
        ISCSI_UNIQUE_SESSION_ID sid;
        int i, bad = 0;
        ULONG rc = add_portal(ADDR_CHURN, &no_auth);

        /* the other churning process may have added it first */
        verify(rc == ERROR_SUCCESS || rc == ISDSC_TARGET_PORTAL_ALREADY_EXISTS,
               "portal " ADDR_CHURN " (0x%08lX)", rc);
        for (i = 0; i < rounds; i++) {
                ULONG a = login(iqn, ADDR_CHURN, &no_auth, 0, FALSE, &sid);
                ULONG b = a == ERROR_SUCCESS ? LogoutIScsiTarget(&sid) : a;

                if (a != ERROR_SUCCESS || b != ERROR_SUCCESS) {
                        printf("         round %d: login 0x%08lX, logout 0x%08lX\n", i, a, b);
                        bad++;
                }
        }
        verify(bad == 0, "%d login/logout rounds on %s", rounds, iqn);
}

int
main(int argc, char **argv)
{
        size_t i, len = 0;

        for (i = 0; i < sizeof(target_entries) / sizeof(target_entries[0]); i++)
                len += (size_t)snprintf(targets_env + len, sizeof(targets_env) - len, "%s%s",
                                        i > 0 ? ";" : "", target_entries[i]);
        SetEnvironmentVariableA("VA_SIM_TARGETS", targets_env);
        SetEnvironmentVariableA("VA_SIM_DISCOVERY", discovery_env);
        setvbuf(stdout, NULL, _IONBF, 0);
        /* Wine stops every service once the last ordinary process exits:
         * each run starts MSiSCSI again, as the agent does (the scenario
         * first checks the stopped case) */
        if (argc >= 2 && strcmp(argv[1], "scenario") != 0)
                verify(service_set(1), "MSiSCSI running");

        if (argc == 2 && strcmp(argv[1], "scenario") == 0) {
                scenario();
        } else if (argc == 3 && strcmp(argv[1], "expect-sessions") == 0) {
                struct sessions s;

                expect(sessions_get(&s), ERROR_SUCCESS, "GetIScsiSessionListW");
                verify(s.count == strtoul(argv[2], NULL, 10), "%lu sessions, %s expected", s.count,
                       argv[2]);
                free(s.v);
        } else if (argc == 4 && strcmp(argv[1], "churn") == 0) {
                churn(argv[2], (int)strtol(argv[3], NULL, 10));
        } else if (argc == 2 && strcmp(argv[1], "cleanup") == 0) {
                cleanup();
                verify(1, "cleaned up");
        } else {
                (void)fprintf(stderr, "usage: probe.exe scenario | expect-sessions N | churn IQN "
                                      "ROUNDS | cleanup\n");
                return 2;
        }
        /* run-probe.sh trusts this line, not the exit code: under Wine a
         * crashed program can still exit 0 */
        printf("probe %s: %d passed, %d failed\n", argv[1], passed, failed);
        printf("%s\n", failed == 0 ? "PROBE PASSED" : "PROBE FAILED");
        return failed == 0 ? 0 : 1;
}
