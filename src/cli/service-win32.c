/* SPDX-License-Identifier: Apache-2.0 */
/* The Windows service: `volattach.exe service install` registers it
 * (delayed automatic start, after MSiSCSI and TCP/IP), `run` is what the
 * Service Control Manager starts: watch (its first round attaches every
 * volume in the metadata, as attach does, then it keeps attaching and
 * detaching as the metadata changes), logging to the Event Log and a file
 * under ProgramData, until the service is stopped. Installed with
 * --rounds 1, it is the one-shot boot-time attach it used to be. */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/state.h"
#include "cli/service.h"
#include "base/log.h"
#include "platform/platform.h"
#include "platform/win32-util.h"

#define SERVICE_NAME L"volattach"
#define SERVICE_KEY  L"SYSTEM\\CurrentControlSet\\Services\\volattach"
#define EVENTLOG_KEY L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\volattach"

static SERVICE_STATUS_HANDLE status_handle;
static SERVICE_STATUS status;
static struct cli *service_cli;

static void
report(DWORD state, DWORD exit_code, DWORD wait_hint)
{
        status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
        status.dwCurrentState = state;
        status.dwControlsAccepted = state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP : 0;
        status.dwWin32ExitCode = exit_code ? ERROR_SERVICE_SPECIFIC_ERROR : NO_ERROR;
        status.dwServiceSpecificExitCode = exit_code;
        status.dwWaitHint = wait_hint;
        if (state == SERVICE_RUNNING || state == SERVICE_STOPPED)
                status.dwCheckPoint = 0;
        else
                status.dwCheckPoint++;
        (void)SetServiceStatus(status_handle, &status);
}

static DWORD WINAPI
control(DWORD code, DWORD type, LPVOID data, LPVOID ctx)
{
        (void)type;
        (void)data;
        (void)ctx;
        if (code == SERVICE_CONTROL_STOP || code == SERVICE_CONTROL_SHUTDOWN) {
                /* watch ends between rounds at once, or after the round
                 * under way, which its own deadlines bound */
                report(SERVICE_STOP_PENDING, 0, 120000);
                plat_stop_request();
                return NO_ERROR;
        }
        return code == SERVICE_CONTROL_INTERROGATE ? NO_ERROR : ERROR_CALL_NOT_IMPLEMENTED;
}

/* attach's report goes to a console the service does not have: the log
 * gets what is attached now, from the state files */
static void
log_attached(const struct cli *c)
{
        const char *dir = c->state_dir ? c->state_dir : plat_state_dir();
        struct va_err err;
        char **ids = NULL;
        size_t n = 0, i;

        va_err_clear(&err);
        if (state_list(dir, &ids, &n, &err) < 0) {
                va_log(VA_LOG_WARNING, "%s", err.msg);
                return;
        }
        for (i = 0; i < n; i++) {
                struct attached_volume av;

                va_err_clear(&err);
                if (state_load(dir, ids[i], &av, &err) < 0)
                        continue;
                va_log_event(VA_EVENT_VOLUME_ATTACHED, VA_LOG_NOTICE, "volume %s attached: %s",
                             av.id, av.device.path);
                attached_volume_clear(&av);
        }
        plat_string_list_free(ids, n);
}

static void WINAPI
service_main(DWORD argc, LPWSTR *argv)
{
        int code;

        (void)argc;
        (void)argv;
        status_handle = RegisterServiceCtrlHandlerExW(SERVICE_NAME, control, NULL);
        if (status_handle == NULL)
                return;
        report(SERVICE_START_PENDING, 0, 120000);
        report(SERVICE_RUNNING, 0, 0);
        code = cmd_watch_entry.exec(service_cli);
        log_attached(service_cli);
        va_log_event(VA_EVENT_WATCH_STOPPED, code == EXIT_OK ? VA_LOG_NOTICE : VA_LOG_ERR,
                     "watch finished, exit %d", code);
        report(SERVICE_STOPPED, (DWORD)code, 0);
}

static int
self_path(wchar_t *buf, DWORD len)
{
        DWORD n = GetModuleFileNameW(NULL, buf, len);

        return n > 0 && n < len ? 0 : -1;
}

/* Appends one UTF-8 argument, quoted, to the service's command line. */
static int
cmd_add(wchar_t *cmd, size_t cap, size_t *o, const char *arg)
{
        wchar_t *w = win_utf16(arg);
        int r;

        if (w == NULL || *o + 1 >= cap) {
                free(w);
                return -1;
        }
        cmd[(*o)++] = L' ';
        r = win_quote_arg(w, cmd, cap, o);
        free(w);
        return r;
}

/* The service runs with the options `service install` was given, so that
 * a metadata source or state directory chosen at install time is the one
 * used at every boot. Secrets never appear here: the command line holds
 * options only, and metadata is read at run time. */
static int
service_cmdline(const struct cli *c, wchar_t *cmd, size_t cap)
{
        const struct meta_http_policy def = META_HTTP_POLICY_DEFAULT;
        wchar_t exe[MAX_PATH];
        char num[32];
        size_t o = 0, i;
        int r = 0;

        if (self_path(exe, MAX_PATH) < 0 || win_quote_arg(exe, cmd, cap, &o) < 0)
                return -1;
        r |= cmd_add(cmd, cap, &o, "--syslog");
        if (strcmp(c->meta.spec, "auto") != 0) {
                r |= cmd_add(cmd, cap, &o, "--metadata");
                r |= cmd_add(cmd, cap, &o, c->meta.spec);
        }
        if (strcmp(c->meta.service_url, META_SERVICE_URL) != 0) {
                r |= cmd_add(cmd, cap, &o, "--metadata-url");
                r |= cmd_add(cmd, cap, &o, c->meta.service_url);
        }
        if (c->meta.http.timeout_ms != def.timeout_ms) {
                (void)snprintf(num, sizeof(num), "%u", c->meta.http.timeout_ms);
                r |= cmd_add(cmd, cap, &o, "--http-timeout-ms");
                r |= cmd_add(cmd, cap, &o, num);
        }
        if (c->meta.http.attempts != def.attempts) {
                (void)snprintf(num, sizeof(num), "%u", c->meta.http.attempts);
                r |= cmd_add(cmd, cap, &o, "--http-attempts");
                r |= cmd_add(cmd, cap, &o, num);
        }
        if (c->meta.deadline_ms != META_DEADLINE_MS_DEFAULT) {
                (void)snprintf(num, sizeof(num), "%u", c->meta.deadline_ms / 1000);
                r |= cmd_add(cmd, cap, &o, "--metadata-deadline");
                r |= cmd_add(cmd, cap, &o, num);
        }
        /* only what differs from the defaults: a flag here would beat the
         * configuration file at every start */
        if (c->device_timeout_s != CLI_TIMEOUT_S_DEFAULT) {
                (void)snprintf(num, sizeof(num), "%u", c->device_timeout_s);
                r |= cmd_add(cmd, cap, &o, "--timeout");
                r |= cmd_add(cmd, cap, &o, num);
        }
        if (c->login_deadline_s != CLI_DEADLINE_S_DEFAULT) {
                (void)snprintf(num, sizeof(num), "%u", c->login_deadline_s);
                r |= cmd_add(cmd, cap, &o, "--deadline");
                r |= cmd_add(cmd, cap, &o, num);
        }
        if (c->enforce_multipath)
                r |= cmd_add(cmd, cap, &o, "--enforce-multipath");
        if (c->state_dir != NULL) {
                r |= cmd_add(cmd, cap, &o, "--state-dir");
                r |= cmd_add(cmd, cap, &o, c->state_dir);
        }
        for (i = 0; i < c->prepare.n; i++) {
                const struct prepare_entry *e = &c->prepare.v[i];
                char spec[VOLUME_ID_LEN + PREPARE_SPEC_MAX + 2];

                (void)snprintf(spec, sizeof(spec), "%s%s%s", e->volume_id,
                               e->volume_id[0] ? "=" : "", e->spec.text);
                r |= cmd_add(cmd, cap, &o, "--prepare");
                r |= cmd_add(cmd, cap, &o, spec);
        }
        if (c->interval_s != 10) {
                (void)snprintf(num, sizeof(num), "%u", c->interval_s);
                r |= cmd_add(cmd, cap, &o, "--interval");
                r |= cmd_add(cmd, cap, &o, num);
        }
        if (c->rounds != 0) {
                (void)snprintf(num, sizeof(num), "%u", c->rounds);
                r |= cmd_add(cmd, cap, &o, "--rounds");
                r |= cmd_add(cmd, cap, &o, num);
        }
        /* the file is read at every start (cmd-service.c: not at install) */
        if (c->no_config) {
                r |= cmd_add(cmd, cap, &o, "--no-config");
        } else if (c->config_path != NULL) {
                r |= cmd_add(cmd, cap, &o, "--config");
                r |= cmd_add(cmd, cap, &o, c->config_path);
        }
        r |= cmd_add(cmd, cap, &o, "service");
        r |= cmd_add(cmd, cap, &o, "run");
        if (r != 0 || o >= cap)
                return -1;
        cmd[o] = 0;
        return 0;
}

/* Registers the Event Log source, so the Event Viewer shows volattach's
 * messages under its name. */
static void
eventlog_register(void)
{
        DWORD types = EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE;
        wchar_t exe[MAX_PATH];
        HKEY key;

        if (self_path(exe, MAX_PATH) < 0 ||
            RegCreateKeyExW(HKEY_LOCAL_MACHINE, EVENTLOG_KEY, 0, NULL, 0, KEY_SET_VALUE, NULL, &key,
                            NULL) != ERROR_SUCCESS)
                return;
        (void)RegSetValueExW(key, L"EventMessageFile", 0, REG_EXPAND_SZ, (const BYTE *)exe,
                             (DWORD)((wcslen(exe) + 1) * sizeof(wchar_t)));
        (void)RegSetValueExW(key, L"TypesSupported", 0, REG_DWORD, (const BYTE *)&types,
                             sizeof(types));
        RegCloseKey(key);
}

/* Where the SCM keeps the flag that ChangeServiceConfig2W sets; for SCMs
 * that do not take the call (Wine: ERROR_INVALID_LEVEL), written directly,
 * to be read at the next boot. */
static int
delayed_by_registry(void)
{
        DWORD one = 1;
        HKEY key;
        LSTATUS st;

        if (GetLastError() != ERROR_INVALID_LEVEL)
                return -1;
        if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, SERVICE_KEY, 0, KEY_SET_VALUE, &key) != ERROR_SUCCESS)
                return -1;
        st =
            RegSetValueExW(key, L"DelayedAutostart", 0, REG_DWORD, (const BYTE *)&one, sizeof(one));
        RegCloseKey(key);
        if (st != ERROR_SUCCESS)
                return -1;
        va_log(VA_LOG_INFO, "service volattach: delayed start set in the registry (the SCM "
                            "does not take SERVICE_CONFIG_DELAYED_AUTO_START_INFO)");
        return 0;
}

/* The command line the service has now, for the report. */
static void
kept_cmdline(SC_HANDLE svc, wchar_t *cmd, size_t cap)
{
        QUERY_SERVICE_CONFIGW *qc;
        DWORD need = 0;

        (void)QueryServiceConfigW(svc, NULL, 0, &need);
        qc = need > 0 ? malloc(need) : NULL;
        if (qc != NULL && QueryServiceConfigW(svc, qc, need, &need) &&
            qc->lpBinaryPathName != NULL && wcslen(qc->lpBinaryPathName) < cap)
                wcscpy(cmd, qc->lpBinaryPathName);
        free(qc);
}

static int
install(const struct cli *c)
{
        static wchar_t description[] =
            L"Attaches the iSCSI volumes listed in the instance metadata at boot, and "
            L"attaches and detaches them as the metadata changes.";
        static const wchar_t deps[] = L"MSiSCSI\0Tcpip\0";
        SERVICE_DELAYED_AUTO_START_INFO delayed = { TRUE };
        SERVICE_DESCRIPTIONW desc = { description };
        wchar_t cmd[4096];
        SC_HANDLE scm, svc;
        char msg[300];
        int keep = 0;
        char *u;

        if (service_cmdline(c, cmd, sizeof(cmd) / sizeof(cmd[0])) < 0) {
                va_log(VA_LOG_ERR, "service install: the service command line is too long");
                return EXIT_USAGE;
        }
        scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CREATE_SERVICE | SC_MANAGER_CONNECT);
        if (scm == NULL) {
                va_log(VA_LOG_ERR, "cannot open the Service Control Manager: %s",
                       win_strerror(GetLastError(), msg, sizeof(msg)));
                return EXIT_ENV;
        }
        /* after the initiator service and the network stack */
        svc = CreateServiceW(scm, SERVICE_NAME, L"volattach iSCSI volume attach",
                             SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START,
                             SERVICE_ERROR_NORMAL, cmd, NULL, NULL, deps, NULL, NULL);
        if (svc == NULL && GetLastError() == ERROR_SERVICE_EXISTS) {
                /* installed before (or by the MSI): bring it up to date.
                 * A bare `service install` (the MSI's custom action, at
                 * every install, upgrade and repair) keeps the command line
                 * the service has, with the options an operator gave it;
                 * options (--config or --no-config too) given now replace
                 * them. */
                keep = c->given == 0 && c->config_path == NULL && !c->no_config;
                svc = OpenServiceW(scm, SERVICE_NAME, SERVICE_ALL_ACCESS);
                if (svc != NULL &&
                    !ChangeServiceConfigW(svc, SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START,
                                          SERVICE_ERROR_NORMAL, keep ? NULL : cmd, NULL, NULL, deps,
                                          NULL, NULL, NULL)) {
                        CloseServiceHandle(svc);
                        svc = NULL;
                }
                if (svc != NULL && keep)
                        kept_cmdline(svc, cmd, sizeof(cmd) / sizeof(cmd[0]));
        }
        if (svc == NULL) {
                va_log(VA_LOG_ERR, "cannot register the service volattach: %s",
                       win_strerror(GetLastError(), msg, sizeof(msg)));
                CloseServiceHandle(scm);
                return EXIT_ENV;
        }
        /* delayed: the network and MSiSCSI have settled by then */
        if (!ChangeServiceConfig2W(svc, SERVICE_CONFIG_DELAYED_AUTO_START_INFO, &delayed) &&
            delayed_by_registry() < 0)
                va_log(VA_LOG_WARNING, "service volattach: cannot set delayed start: %s",
                       win_strerror(GetLastError(), msg, sizeof(msg)));
        (void)ChangeServiceConfig2W(svc, SERVICE_CONFIG_DESCRIPTION, &desc);
        CloseServiceHandle(svc);
        CloseServiceHandle(scm);
        eventlog_register();
        u = win_utf8(cmd);
        printf("service volattach installed (delayed automatic start, after MSiSCSI and "
               "Tcpip)\n  command%s: %s\n",
               keep ? " (kept)" : "", u ? u : "?");
        free(u);
        return EXIT_OK;
}

static int
uninstall(void)
{
        SC_HANDLE scm, svc;
        SERVICE_STATUS st;
        char msg[300];
        int i;

        scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
        if (scm == NULL) {
                va_log(VA_LOG_ERR, "cannot open the Service Control Manager: %s",
                       win_strerror(GetLastError(), msg, sizeof(msg)));
                return EXIT_ENV;
        }
        svc = OpenServiceW(scm, SERVICE_NAME, SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE);
        if (svc == NULL) {
                DWORD e = GetLastError();

                CloseServiceHandle(scm);
                if (e == ERROR_SERVICE_DOES_NOT_EXIST) {
                        printf("service volattach is not installed\n");
                        return EXIT_OK;
                }
                va_log(VA_LOG_ERR, "cannot open the service: %s",
                       win_strerror(e, msg, sizeof(msg)));
                return EXIT_ENV;
        }
        if (ControlService(svc, SERVICE_CONTROL_STOP, &st)) {
                for (i = 0; i < 100 && QueryServiceStatus(svc, &st) &&
                            st.dwCurrentState != SERVICE_STOPPED;
                     i++)
                        Sleep(100);
        }
        if (!DeleteService(svc) && GetLastError() != ERROR_SERVICE_MARKED_FOR_DELETE) {
                va_log(VA_LOG_ERR, "cannot delete the service: %s",
                       win_strerror(GetLastError(), msg, sizeof(msg)));
                CloseServiceHandle(svc);
                CloseServiceHandle(scm);
                return EXIT_ENV;
        }
        CloseServiceHandle(svc);
        CloseServiceHandle(scm);
        (void)RegDeleteKeyW(HKEY_LOCAL_MACHINE, EVENTLOG_KEY);
        printf("service volattach removed\n");
        return EXIT_OK;
}

static void
file_sink(int level, const char *msg, void *ctx)
{
        FILE *f = ctx;
        char when[PLAT_RFC3339_LEN];

        /* the same line as --log-file's (main.c) */
        plat_rfc3339_now(when);
        fprintf(f, "%s %s: %s\n", when, va_log_level_name(level), msg);
        (void)fflush(f);
}

static int
run(struct cli *c)
{
        static SERVICE_TABLE_ENTRYW table[] = { { (LPWSTR)SERVICE_NAME, service_main },
                                                { NULL, NULL } };
        char logdir[MAX_PATH * 3], logpath[MAX_PATH * 3];
        struct va_err err;
        FILE *f;

        va_err_clear(&err);
        /* ProgramData\volattach\volattach.log, beside the Event Log: the
         * log names targets and CHAP users, never a secret */
        (void)snprintf(logdir, sizeof(logdir), "%s", plat_state_dir());
        if (plat_mkdir_p(logdir, 0700, &err) == 0) {
                (void)snprintf(logpath, sizeof(logpath), "%s\\volattach.log", logdir);
                f = fopen(logpath, "a");
                if (f != NULL)
                        va_log_add_tee(file_sink, f);
        }
        if (va_log_get_level() > VA_LOG_INFO)
                va_log_set_level(VA_LOG_INFO);
        /* "run" was the service verb's argument, not attach's */
        c->nargs = 0;
        service_cli = c;
        if (!StartServiceCtrlDispatcherW(table)) {
                if (GetLastError() == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
                        /* started from a console: do the same job in the foreground */
                        return cmd_watch_entry.exec(c);
                }
                return EXIT_ENV;
        }
        return (int)status.dwServiceSpecificExitCode;
}

int
service_command(const char *verb, struct cli *c)
{
        if ((strcmp(verb, "install") == 0 || strcmp(verb, "uninstall") == 0) &&
            !plat_is_privileged()) {
                va_log(VA_LOG_ERR, "service %s: needs an elevated administrator", verb);
                return EXIT_ENV;
        }
        if (strcmp(verb, "install") == 0)
                return install(c);
        if (strcmp(verb, "uninstall") == 0)
                return uninstall();
        if (strcmp(verb, "run") == 0)
                return run(c);
        fprintf(stderr, "volattach: service needs install, uninstall or run\n");
        return EXIT_USAGE;
}
