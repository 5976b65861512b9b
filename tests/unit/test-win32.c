/* SPDX-License-Identifier: Apache-2.0 */
/* win32.c's helper spawning under Wine: a helper gets its std handles and
 * no other handle of volattach's, inheritable or not (the counterpart of
 * test-posix's fds 0-2 check). handle-probe.exe, built beside this test,
 * reports what reached it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#include "harness.h"
#include "platform/platform.h"

#define MARKER "inherited-handle-marker-7f3a"

static char probe[MAX_PATH];
static char file[MAX_PATH];

/* handle-probe.exe next to this test's own exe */
static int
probe_path(void)
{
        DWORD n = GetModuleFileNameA(NULL, probe, sizeof(probe));
        char *slash;

        if (n == 0 || n >= sizeof(probe))
                return -1;
        slash = strrchr(probe, '\\');
        if (slash == NULL)
                return -1;
        n = (DWORD)snprintf(slash, sizeof(probe) - (size_t)(slash - probe), "\\handle-probe.exe");
        if ((size_t)(slash - probe) + n >= sizeof(probe))
                return -1;
        return GetFileAttributesA(probe) == INVALID_FILE_ATTRIBUTES ? -1 : 0;
}

/* A temporary file holding MARKER, opened through an inheritable handle: a
 * handle volattach inherited, or one some library opened inheritable. */
static HANDLE
inheritable_file(void)
{
        SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
        char dir[MAX_PATH];
        DWORD put = 0;
        HANDLE h;

        if (GetTempPathA(sizeof(dir), dir) == 0 || GetTempFileNameA(dir, "vah", 0, file) == 0)
                return INVALID_HANDLE_VALUE;
        h = CreateFileA(file, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa,
                        CREATE_ALWAYS, FILE_FLAG_DELETE_ON_CLOSE, NULL);
        if (h != INVALID_HANDLE_VALUE && !WriteFile(h, MARKER, sizeof(MARKER) - 1, &put, NULL)) {
                CloseHandle(h);
                return INVALID_HANDLE_VALUE;
        }
        return h;
}

/* The control: the same child started by a bare CreateProcess with
 * inheritance reads the marker, so the probe can tell (and Wine does pass
 * inheritable handles on). */
TEST(probe_sees_an_inherited_handle)
{
        SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
        STARTUPINFOA si;
        PROCESS_INFORMATION pi;
        HANDLE h, rd, wr;
        char cmd[MAX_PATH + 64], out[512];
        DWORD got = 0, total = 0;

        ASSERT_OK(probe_path());
        h = inheritable_file();
        ASSERT_TRUE(h != INVALID_HANDLE_VALUE);
        ASSERT_TRUE(CreatePipe(&rd, &wr, &sa, 0));
        SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0);
        (void)snprintf(cmd, sizeof(cmd), "\"%s\" %llx", probe, (unsigned long long)(uintptr_t)h);
        memset(&si, 0, sizeof(si));
        si.cb = sizeof(si);
        si.dwFlags = STARTF_USESTDHANDLES;
        si.hStdOutput = wr;
        si.hStdError = wr;
        ASSERT_TRUE(
            CreateProcessA(NULL, cmd, NULL, NULL, TRUE, CREATE_NO_WINDOW, NULL, NULL, &si, &pi));
        CloseHandle(wr);
        while (total < sizeof(out) - 1 &&
               ReadFile(rd, out + total, sizeof(out) - 1 - total, &got, NULL) && got > 0)
                total += got;
        out[total] = '\0';
        (void)WaitForSingleObject(pi.hProcess, 10000);
        CloseHandle(pi.hProcess);
        CloseHandle(pi.hThread);
        CloseHandle(rd);
        CloseHandle(h);
        ASSERT_CONTAINS(out, "read through handle");
        ASSERT_CONTAINS(out, MARKER);
}

TEST(spawned_helper_gets_std_handles_only)
{
        struct plat_spawn_result res;
        struct va_err e;
        char hex[32];
        const char *argv[] = { probe, hex, NULL };
        HANDLE h;

        ASSERT_OK(probe_path());
        h = inheritable_file();
        ASSERT_TRUE(h != INVALID_HANDLE_VALUE);
        (void)snprintf(hex, sizeof(hex), "%llx", (unsigned long long)(uintptr_t)h);
        va_err_clear(&e);
        ASSERT_OK(plat_spawn(argv, 10000, 4096, &res, &e));
        CloseHandle(h);
        ASSERT_TRUE(res.exited && res.status == 0);
        /* the output came back: stdout is among what it got */
        ASSERT_CONTAINS(res.out, "probe: ");
        ASSERT_NOT_CONTAINS(res.out, MARKER);
        plat_spawn_result_free(&res);
}

HARNESS_MAIN()
