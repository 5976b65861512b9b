/* The Windows boot-time service: `volattach.exe service install` registers
 * it (delayed automatic start, after MSiSCSI and TCP/IP), `run` is what the
 * Service Control Manager starts: attach from the current metadata, log to
 * the Event Log and a file under ProgramData, then stop with the result. */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/service.h"
#include "core/log.h"
#include "platform/platform.h"
#include "platform/win32-util.h"

#define SERVICE_NAME L"volattach"
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
                /* attach is bounded by its own deadlines; say so and let it end */
                report(SERVICE_STOP_PENDING, 0, 60000);
                return NO_ERROR;
        }
        return code == SERVICE_CONTROL_INTERROGATE ? NO_ERROR : ERROR_CALL_NOT_IMPLEMENTED;
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
        code = cmd_attach(service_cli);
        va_log(code == EXIT_OK ? VA_LOG_NOTICE : VA_LOG_ERR, "boot-time attach finished, exit %d",
               code);
        report(SERVICE_STOPPED, (DWORD)code, 0);
}

static int
self_path(wchar_t *buf, DWORD len)
{
        DWORD n = GetModuleFileNameW(NULL, buf, len);

        return n > 0 && n < len ? 0 : -1;
}

static int
install(void)
{
        wchar_t exe[MAX_PATH], cmd[MAX_PATH + 64], msgfile[MAX_PATH];
        SERVICE_DELAYED_AUTO_START_INFO delayed = { TRUE };
        SERVICE_DESCRIPTIONW desc = {
                L"Attaches the iSCSI volumes listed in the instance metadata at every boot."
        };
        SC_HANDLE scm, svc;
        HKEY key;
        DWORD types = EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE;
        char msg[300];

        if (self_path(exe, MAX_PATH) < 0)
                return EXIT_ENV;
        (void)_snwprintf(cmd, MAX_PATH + 64, L"\"%ls\" --syslog service run", exe);
        cmd[MAX_PATH + 63] = 0;
        scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CREATE_SERVICE | SC_MANAGER_CONNECT);
        if (scm == NULL) {
                va_log(VA_LOG_ERR, "cannot open the Service Control Manager: %s",
                       win_strerror(GetLastError(), msg, sizeof(msg)));
                return EXIT_ENV;
        }
        /* after the initiator service and the network stack */
        svc =
            CreateServiceW(scm, SERVICE_NAME, L"volattach iSCSI volume attach", SERVICE_ALL_ACCESS,
                           SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START, SERVICE_ERROR_NORMAL, cmd,
                           NULL, NULL, L"MSiSCSI\0Tcpip\0\0", NULL, NULL);
        if (svc == NULL && GetLastError() == ERROR_SERVICE_EXISTS) {
                svc = OpenServiceW(scm, SERVICE_NAME, SERVICE_ALL_ACCESS);
                if (svc != NULL &&
                    !ChangeServiceConfigW(svc, SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START,
                                          SERVICE_ERROR_NORMAL, cmd, NULL, NULL,
                                          L"MSiSCSI\0Tcpip\0\0", NULL, NULL, NULL)) {
                        CloseServiceHandle(svc);
                        svc = NULL;
                }
        }
        if (svc == NULL) {
                va_log(VA_LOG_ERR, "cannot register the service: %s",
                       win_strerror(GetLastError(), msg, sizeof(msg)));
                CloseServiceHandle(scm);
                return EXIT_ENV;
        }
        /* delayed start: the network and MSiSCSI have settled by then */
        (void)ChangeServiceConfig2W(svc, SERVICE_CONFIG_DELAYED_AUTO_START_INFO, &delayed);
        (void)ChangeServiceConfig2W(svc, SERVICE_CONFIG_DESCRIPTION, &desc);
        CloseServiceHandle(svc);
        CloseServiceHandle(scm);
        if (RegCreateKeyExW(HKEY_LOCAL_MACHINE, EVENTLOG_KEY, 0, NULL, 0, KEY_SET_VALUE, NULL, &key,
                            NULL) == ERROR_SUCCESS) {
                (void)_snwprintf(msgfile, MAX_PATH, L"%ls", exe);
                msgfile[MAX_PATH - 1] = 0;
                (void)RegSetValueExW(key, L"EventMessageFile", 0, REG_EXPAND_SZ,
                                     (const BYTE *)msgfile,
                                     (DWORD)((wcslen(msgfile) + 1) * sizeof(wchar_t)));
                (void)RegSetValueExW(key, L"TypesSupported", 0, REG_DWORD, (const BYTE *)&types,
                                     sizeof(types));
                RegCloseKey(key);
        }
        printf("service volattach installed (delayed automatic start, after MSiSCSI and "
               "Tcpip)\n");
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
        SYSTEMTIME t;

        GetSystemTime(&t);
        fprintf(f, "%04u-%02u-%02uT%02u:%02u:%02uZ %s: %s\n", t.wYear, t.wMonth, t.wDay, t.wHour,
                t.wMinute, t.wSecond, va_log_level_name(level), msg);
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
        /* ProgramData\volattach: owner-only by the MSI; the log never holds
         * a secret, but it names targets and users */
        (void)snprintf(logdir, sizeof(logdir), "%s", plat_state_dir());
        if (plat_mkdir_p(logdir, 0700, &err) == 0) {
                (void)snprintf(logpath, sizeof(logpath), "%s\\volattach.log", logdir);
                f = fopen(logpath, "a");
                if (f != NULL)
                        va_log_add_tee(file_sink, f);
        }
        if (va_log_get_level() > VA_LOG_INFO)
                va_log_set_level(VA_LOG_INFO);
        service_cli = c;
        if (!StartServiceCtrlDispatcherW(table)) {
                if (GetLastError() == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
                        /* started from a console: do the same job in the foreground */
                        return cmd_attach(c);
                }
                return EXIT_ENV;
        }
        return (int)status.dwServiceSpecificExitCode;
}

int
service_command(const char *verb, struct cli *c)
{
        if (strcmp(verb, "install") == 0)
                return plat_is_privileged() ? install() : EXIT_ENV;
        if (strcmp(verb, "uninstall") == 0)
                return plat_is_privileged() ? uninstall() : EXIT_ENV;
        if (strcmp(verb, "run") == 0)
                return run(c);
        fprintf(stderr, "volattach: service needs install, uninstall or run\n");
        return EXIT_USAGE;
}
