/* SPDX-License-Identifier: Apache-2.0 */
/* A stand-in for the Microsoft iSCSI Initiator service (MSiSCSI) under Wine:
 * it only runs until stopped, so the agent's SCM code (start type, start,
 * wait for RUNNING) and the simulated iscsidsc.dll's service check work. */
#include <windows.h>
#include <stdio.h>

static WCHAR service_name[] = L"MSiSCSI";
static SERVICE_STATUS_HANDLE status_handle;
static SERVICE_STATUS status;
static HANDLE stop_event;

static void
report(DWORD state)
{
        status.dwCurrentState = state;
        /* a service that stops accepts no further controls */
        status.dwControlsAccepted =
            state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
        (void)SetServiceStatus(status_handle, &status);
}

static DWORD WINAPI
control(DWORD code, DWORD type, LPVOID data, LPVOID ctx)
{
        (void)type;
        (void)data;
        (void)ctx;
        switch (code) {
        case SERVICE_CONTROL_STOP:
        case SERVICE_CONTROL_SHUTDOWN:
                report(SERVICE_STOP_PENDING);
                SetEvent(stop_event);
                return NO_ERROR;
        case SERVICE_CONTROL_INTERROGATE:
                return NO_ERROR;
        default:
                return ERROR_CALL_NOT_IMPLEMENTED;
        }
}

static void WINAPI
service_main(DWORD argc, LPWSTR *argv)
{
        (void)argc;
        (void)argv;
        status_handle = RegisterServiceCtrlHandlerExW(service_name, control, NULL);
        if (status_handle == NULL)
                return;
        status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
        status.dwWin32ExitCode = NO_ERROR;
        stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
        if (stop_event == NULL) {
                status.dwWin32ExitCode = GetLastError();
                report(SERVICE_STOPPED);
                return;
        }
        report(SERVICE_RUNNING);
        WaitForSingleObject(stop_event, INFINITE);
        CloseHandle(stop_event);
        report(SERVICE_STOPPED);
}

int
main(void)
{
        SERVICE_TABLE_ENTRYW table[] = { { service_name, service_main }, { NULL, NULL } };

        if (!StartServiceCtrlDispatcherW(table)) {
                /* 1063: started from a console, not by the SCM */
                (void)fprintf(stderr,
                              "fake_msiscsi: runs only as the MSiSCSI service (error %lu)\n",
                              (unsigned long)GetLastError());
                return 1;
        }
        return 0;
}
