/* SPDX-License-Identifier: Apache-2.0 */
/* The Microsoft iSCSI initiator on this host as `volattach check` sees it,
 * reading only: the service through the SCM with query rights alone, the
 * SAN policy from the registry (docs/windows.md says why not VDS). */
#include <windows.h>
#include <stdio.h>
#include <string.h>

#include "backend/iscsidsc-probe.h"
#include "platform/win32-util.h"

/* Where the partition manager keeps the policy for new disks: the value the
 * unattend setting Microsoft-Windows-PartitionManager/SanPolicy writes,
 * numbered as VDS_SAN_POLICY. Asking VDS instead (IVdsServiceSAN::
 * GetSANPolicy, or Get-StorageSetting through it) starts the vds service,
 * and check starts nothing. */
#define SAN_POLICY_KEY   L"SYSTEM\\CurrentControlSet\\Services\\partmgr\\Parameters"
#define SAN_POLICY_VALUE L"SanPolicy"

const char *
iscsidsc_san_policy_name(unsigned long value)
{
        switch (value) {
        case 1:
                return "OnlineAll";
        case 2:
                return "OfflineShared";
        case 3:
                return "OfflineAll";
        case 4:
                return "OfflineInternal";
        default:
                return NULL;
        }
}

static void
san_policy_fill(struct initiator_probe *r)
{
        DWORD value = 0, size = sizeof(value);
        LSTATUS st;
        const char *name;

        st = RegGetValueW(HKEY_LOCAL_MACHINE, SAN_POLICY_KEY, SAN_POLICY_VALUE, RRF_RT_REG_DWORD,
                          NULL, &value, &size);
        if (st != ERROR_SUCCESS) {
                /* unset: the edition's built-in default */
                (void)snprintf(r->san_policy, sizeof(r->san_policy), "default");
                (void)snprintf(r->san_policy_from, sizeof(r->san_policy_from),
                               "HKLM\\SYSTEM\\CurrentControlSet\\Services\\partmgr\\Parameters"
                               "\\SanPolicy is not set: the edition's default, OfflineShared on "
                               "Windows Server");
                return;
        }
        name = iscsidsc_san_policy_name(value);
        if (name != NULL)
                (void)snprintf(r->san_policy, sizeof(r->san_policy), "%s", name);
        else
                (void)snprintf(r->san_policy, sizeof(r->san_policy), "unknown (%lu)",
                               (unsigned long)value);
        (void)snprintf(r->san_policy_from, sizeof(r->san_policy_from),
                       "HKLM\\SYSTEM\\CurrentControlSet\\Services\\partmgr\\Parameters\\SanPolicy "
                       "= %lu",
                       (unsigned long)value);
}

static const char *
start_type_name(DWORD t)
{
        switch (t) {
        case SERVICE_AUTO_START:
                return "automatic";
        case SERVICE_DEMAND_START:
                return "manual";
        case SERVICE_DISABLED:
                return "disabled";
        default:
                return "boot/system";
        }
}

static int
service_fill(struct initiator_probe *r, struct va_err *err)
{
        union {
                QUERY_SERVICE_CONFIGW c;
                char raw[8192];
        } cfg;
        SERVICE_STATUS_PROCESS st;
        SC_HANDLE scm, svc;
        DWORD need = 0, start = SERVICE_DEMAND_START;
        char msg[300];

        scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
        if (scm == NULL)
                return va_err_setn(err, VA_E_ENV, (long)GetLastError(),
                                   "Service Control Manager: %s",
                                   win_strerror(GetLastError(), msg, sizeof(msg)));
        /* query rights only: nothing here could start or change it */
        svc = OpenServiceW(scm, L"MSiSCSI", SERVICE_QUERY_STATUS | SERVICE_QUERY_CONFIG);
        if (svc == NULL) {
                DWORD e = GetLastError();

                CloseServiceHandle(scm);
                r->running = INITIATOR_NO;
                r->startable = INITIATOR_NO;
                (void)snprintf(r->service, sizeof(r->service), "MSiSCSI: %s",
                               win_strerror(e, msg, sizeof(msg)));
                return 0;
        }
        if (QueryServiceConfigW(svc, &cfg.c, sizeof(cfg), &need))
                start = cfg.c.dwStartType;
        if (!QueryServiceStatusEx(svc, SC_STATUS_PROCESS_INFO, (LPBYTE)&st, sizeof(st), &need))
                st.dwCurrentState = 0;
        CloseServiceHandle(svc);
        CloseServiceHandle(scm);
        r->running = st.dwCurrentState == SERVICE_RUNNING ? INITIATOR_YES : INITIATOR_NO;
        r->startable = start == SERVICE_DISABLED ? INITIATOR_NO : INITIATOR_YES;
        if (r->running == INITIATOR_YES)
                (void)snprintf(r->service, sizeof(r->service),
                               "MSiSCSI is running (start type %s%s)", start_type_name(start),
                               start == SERVICE_AUTO_START ? "" : "; attach sets it to automatic");
        else if (start == SERVICE_DISABLED)
                (void)snprintf(r->service, sizeof(r->service),
                               "MSiSCSI is stopped and disabled: attach cannot start it "
                               "(Set-Service MSiSCSI -StartupType Automatic)");
        else
                (void)snprintf(r->service, sizeof(r->service),
                               "MSiSCSI is not running (start type %s): attach starts it and "
                               "sets it to automatic",
                               start_type_name(start));
        return 0;
}

int
iscsidsc_probe_fill(struct initiator_probe *ret, struct va_err *err)
{
        memset(ret, 0, sizeof(*ret));
        san_policy_fill(ret);
        return service_fill(ret, err);
}
