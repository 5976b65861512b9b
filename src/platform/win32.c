/* SPDX-License-Identifier: Apache-2.0 */
/* Windows implementation of the platform primitives: files (UTF-8 paths,
 * owner-only ACLs for anything secret), time, threads, processes with a
 * correctly quoted command line, the Event Log, privilege checks. */
#ifndef _WIN32
#error "win32.c is the Windows platform layer; POSIX builds use posix.c"
#endif

#include <windows.h>
#include <sddl.h>
#include <shellapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/strlist.h"
#include "platform/platform.h"
#include "platform/win32-util.h"

wchar_t *
win_utf16(const char *s)
{
        int n;
        wchar_t *w;

        if (s == NULL)
                return NULL;
        n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
        if (n <= 0)
                return NULL;
        w = malloc((size_t)n * sizeof(*w));
        if (w == NULL)
                return NULL;
        if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) <= 0) {
                free(w);
                return NULL;
        }
        return w;
}

char *
win_utf8(const wchar_t *w)
{
        int n;
        char *s;

        if (w == NULL)
                return NULL;
        n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
        if (n <= 0)
                return NULL;
        s = malloc((size_t)n);
        if (s == NULL)
                return NULL;
        if (WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL) <= 0) {
                free(s);
                return NULL;
        }
        return s;
}

const char *
win_strerror(DWORD code, char *buf, size_t len)
{
        wchar_t wbuf[512];
        char *u;
        DWORD n;

        n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, code,
                           0, wbuf, sizeof(wbuf) / sizeof(wbuf[0]), NULL);
        while (n > 0 && (wbuf[n - 1] == L'\n' || wbuf[n - 1] == L'\r' || wbuf[n - 1] == L'.'))
                wbuf[--n] = 0;
        u = n > 0 ? win_utf8(wbuf) : NULL;
        (void)snprintf(buf, len, "%s (error %lu)", u ? u : "unknown error", (unsigned long)code);
        free(u);
        return buf;
}

static int
err_from_win(struct va_err *err, DWORD code, const char *path, const char *what)
{
        char msg[300];
        int c;

        switch (code) {
        case ERROR_FILE_NOT_FOUND:
        case ERROR_PATH_NOT_FOUND:
                c = VA_E_NOTFOUND;
                break;
        case ERROR_ACCESS_DENIED:
                c = VA_E_PERM;
                break;
        case ERROR_NOT_ENOUGH_MEMORY:
        case ERROR_OUTOFMEMORY:
                c = VA_E_NOMEM;
                break;
        default:
                c = VA_E_IO;
                break;
        }
        return va_err_setn(err, c, (long)code, "%s: %s: %s", path, what,
                           win_strerror(code, msg, sizeof(msg)));
}

struct file_reader {
        HANDLE h;
        const char *path;
};

static int
file_read(void *ctx, void *p, size_t n, size_t *got, struct va_err *err)
{
        const struct file_reader *f = ctx;
        DWORD done = 0;

        if (!ReadFile(f->h, p, n > 1u << 30 ? 1u << 30 : (DWORD)n, &done, NULL))
                return err_from_win(err, GetLastError(), f->path, "read failed");
        *got = done;
        return 0;
}

/* Reads an open handle (closed here) that must be a file on a disk: a named
 * pipe or a console where a document is expected is refused at once
 * instead of blocking in ReadFile. */
static int
read_handle(HANDLE h, const char *path, size_t max, char **ret_buf, size_t *ret_len,
            struct va_err *err)
{
        struct file_reader f = { h, path };
        struct va_buf b = VA_BUF_INIT(max);
        int r;

        if (GetFileType(h) != FILE_TYPE_DISK) {
                r = va_err_set(err, VA_E_IO, "%s: not a regular file", path);
                goto out;
        }
        r = va_buf_read_all(&b, file_read, &f, path, err);
        if (r == 0) {
                *ret_buf = b.data;
                *ret_len = b.len;
        }
out:
        CloseHandle(h);
        return r;
}

int
plat_read_file(const char *path, size_t max, char **ret_buf, size_t *ret_len, struct va_err *err)
{
        wchar_t *w = win_utf16(path);
        HANDLE h;

        if (w == NULL)
                return va_err_set(err, VA_E_INVAL, "%s: not a valid UTF-8 path", path);
        h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
                        FILE_ATTRIBUTE_NORMAL, NULL);
        free(w);
        if (h == INVALID_HANDLE_VALUE)
                return err_from_win(err, GetLastError(), path, "cannot open");
        return read_handle(h, path, max, ret_buf, ret_len, err);
}

int
plat_read_file_trusted(const char *path, size_t max, char **ret_buf, size_t *ret_len,
                       struct va_err *err)
{
        wchar_t *w = win_utf16(path);
        HANDLE h;
        int r;

        if (w == NULL)
                return va_err_set(err, VA_E_INVAL, "%s: not a valid UTF-8 path", path);
        h = CreateFileW(w, GENERIC_READ | READ_CONTROL, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                        OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
        free(w);
        if (h == INVALID_HANDLE_VALUE)
                return err_from_win(err, GetLastError(), path, "cannot open");
        /* the handle that is read is the one checked */
        r = win_file_trust_check(h, path, err);
        if (r < 0) {
                CloseHandle(h);
                return r;
        }
        return read_handle(h, path, max, ret_buf, ret_len, err);
}

int
plat_read_file_beneath(const char *root, const char *rel, const char *name, size_t max,
                       char **ret_buf, size_t *ret_len, struct va_err *err)
{
        size_t rl = strlen(root), n = rl + 1 + strlen(rel) + 1, i, off;
        char *full = malloc(n);
        wchar_t *w;
        HANDLE h;
        BY_HANDLE_FILE_INFORMATION info;
        int r;

        if (full == NULL)
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        off = rl > 0 && (root[rl - 1] == '\\' || root[rl - 1] == '/') ? rl : rl + 1;
        (void)snprintf(full, n, "%s%s%s", root, off == rl ? "" : "\\", rel);
        /* no component below root may be a reparse point (a symbolic link or
         * junction); the last one is checked on the open handle itself */
        for (i = rl + 1; full[i] != '\0'; i++) {
                DWORD a;

                if (full[i] != '/')
                        continue;
                full[i] = '\0';
                w = win_utf16(full);
                a = w != NULL ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
                free(w);
                if (a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_REPARSE_POINT)) {
                        r = va_err_set(err, VA_E_IO,
                                       "%s: is under a link (%s is a reparse point: a symbolic "
                                       "link or junction), which volattach does not follow",
                                       name, full + off);
                        free(full);
                        return r;
                }
                full[i] = '\\';
        }
        w = win_utf16(full);
        free(full);
        if (w == NULL)
                return va_err_set(err, VA_E_INVAL, "%s: not a valid UTF-8 path", name);
        h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
                        FILE_FLAG_OPEN_REPARSE_POINT, NULL);
        free(w);
        if (h == INVALID_HANDLE_VALUE)
                return err_from_win(err, GetLastError(), name, "cannot open");
        if (GetFileInformationByHandle(h, &info) &&
            (info.dwFileAttributes & (FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_DIRECTORY))) {
                CloseHandle(h);
                return va_err_set(err, VA_E_IO, "%s: is a link or a directory, not a file", name);
        }
        return read_handle(h, name, max, ret_buf, ret_len, err);
}

/* Owner-only files: SYSTEM and Administrators, nobody else, and no
 * inherited entries (the Windows counterpart of mode 0600 as root). */
static int
private_sa(SECURITY_ATTRIBUTES *sa)
{
        PSECURITY_DESCRIPTOR sd = NULL;

        if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(L"D:P(A;;FA;;;SY)(A;;FA;;;BA)",
                                                                  SDDL_REVISION_1, &sd, NULL))
                return -1;
        sa->nLength = sizeof(*sa);
        sa->lpSecurityDescriptor = sd;
        sa->bInheritHandle = FALSE;
        return 0;
}

int
plat_write_file_atomic(const char *path, const void *data, size_t len, int mode, struct va_err *err)
{
        SECURITY_ATTRIBUTES sa, *psa = NULL;
        wchar_t *w = win_utf16(path), *tmp = NULL;
        HANDLE h = INVALID_HANDLE_VALUE;
        const char *p = data;
        size_t off = 0, wl;
        int r = 0;

        if (w == NULL)
                return va_err_set(err, VA_E_INVAL, "%s: not a valid UTF-8 path", path);
        if ((mode & 077) == 0) {
                if (private_sa(&sa) < 0) {
                        free(w);
                        return err_from_win(err, GetLastError(), path, "security descriptor");
                }
                psa = &sa;
        }
        wl = wcslen(w);
        tmp = malloc((wl + 32) * sizeof(*tmp));
        if (tmp == NULL) {
                r = va_err_set(err, VA_E_NOMEM, "out of memory");
                goto out;
        }
        (void)_snwprintf(tmp, wl + 32, L"%ls.volattach-%lu", w,
                         (unsigned long)GetCurrentProcessId());
        tmp[wl + 31] = 0;
        h = CreateFileW(tmp, GENERIC_WRITE, 0, psa, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
        if (h == INVALID_HANDLE_VALUE) {
                r = err_from_win(err, GetLastError(), path, "cannot create a temporary file");
                goto out;
        }
        while (off < len) {
                DWORD put = 0, want = len - off > 1u << 30 ? 1u << 30 : (DWORD)(len - off);

                if (!WriteFile(h, p + off, want, &put, NULL) || put == 0) {
                        r = err_from_win(err, GetLastError(), path, "write failed");
                        goto out;
                }
                off += put;
        }
        if (!FlushFileBuffers(h)) {
                r = err_from_win(err, GetLastError(), path, "flush failed");
                goto out;
        }
        CloseHandle(h);
        h = INVALID_HANDLE_VALUE;
        if (!MoveFileExW(tmp, w, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
                r = err_from_win(err, GetLastError(), path, "rename failed");
out:
        if (h != INVALID_HANDLE_VALUE)
                CloseHandle(h);
        if (r < 0 && tmp != NULL)
                (void)DeleteFileW(tmp);
        if (psa != NULL)
                LocalFree(sa.lpSecurityDescriptor);
        free(tmp);
        free(w);
        return r;
}

int
plat_is_dir(const char *path)
{
        wchar_t *w = win_utf16(path);
        DWORD a;

        if (w == NULL)
                return 0;
        a = GetFileAttributesW(w);
        free(w);
        return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY);
}

int
plat_mkdir_p(const char *path, int mode, struct va_err *err)
{
        wchar_t *w = win_utf16(path);
        size_t i, n;

        (void)mode;
        if (w == NULL)
                return va_err_set(err, VA_E_INVAL, "%s: not a valid UTF-8 path", path);
        n = wcslen(w);
        for (i = 1; i <= n; i++) {
                wchar_t c = w[i];

                if (c != L'\\' && c != L'/' && c != 0)
                        continue;
                if (i == 2 && w[1] == L':')
                        continue; /* "C:" itself */
                w[i] = 0;
                if (!CreateDirectoryW(w, NULL) && GetLastError() != ERROR_ALREADY_EXISTS &&
                    GetLastError() != ERROR_ACCESS_DENIED) {
                        DWORD e = GetLastError();

                        free(w);
                        return err_from_win(err, e, path, "cannot create directory");
                }
                w[i] = c;
        }
        free(w);
        return plat_is_dir(path) ? 0
                                 : va_err_set(err, VA_E_IO, "%s: cannot create directory", path);
}

int
plat_unlink(const char *path, struct va_err *err)
{
        wchar_t *w = win_utf16(path);
        int r = 0;

        if (w == NULL)
                return va_err_set(err, VA_E_INVAL, "%s: not a valid UTF-8 path", path);
        if (!DeleteFileW(w) && GetLastError() != ERROR_FILE_NOT_FOUND &&
            GetLastError() != ERROR_PATH_NOT_FOUND)
                r = err_from_win(err, GetLastError(), path, "cannot remove");
        free(w);
        return r;
}

int
plat_rmdir(const char *path, struct va_err *err)
{
        wchar_t *w = win_utf16(path);
        int r = 0;

        if (w == NULL)
                return va_err_set(err, VA_E_INVAL, "%s: not a valid UTF-8 path", path);
        if (!RemoveDirectoryW(w) && GetLastError() != ERROR_FILE_NOT_FOUND &&
            GetLastError() != ERROR_PATH_NOT_FOUND)
                r = err_from_win(err, GetLastError(), path, "cannot remove");
        free(w);
        return r;
}

int
plat_list_dir(const char *path, char ***ret, size_t *ret_n, struct va_err *err)
{
        WIN32_FIND_DATAW fd;
        char pattern[1024];
        wchar_t *w;
        HANDLE h;
        char **v = NULL;
        size_t n = 0;

        *ret = NULL;
        *ret_n = 0;
        (void)snprintf(pattern, sizeof(pattern), "%s\\*", path);
        w = win_utf16(pattern);
        if (w == NULL)
                return va_err_set(err, VA_E_INVAL, "%s: not a valid UTF-8 path", path);
        h = FindFirstFileW(w, &fd);
        free(w);
        if (h == INVALID_HANDLE_VALUE) {
                DWORD e = GetLastError();

                if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND)
                        return 0;
                return err_from_win(err, e, path, "cannot list");
        }
        do {
                char *name;
                int r;

                if (fd.cFileName[0] == L'.')
                        continue;
                name = win_utf8(fd.cFileName);
                r = name != NULL ? strlist_add(&v, &n, name) : -VA_E_NOMEM;
                free(name);
                if (r < 0) {
                        FindClose(h);
                        strlist_free(v, n);
                        return va_err_set(err, VA_E_NOMEM, "out of memory");
                }
        } while (FindNextFileW(h, &fd));
        FindClose(h);
        strlist_sort(v, n);
        *ret = v;
        *ret_n = n;
        return 0;
}

struct plat_lock {
        HANDLE h;
};

int
plat_lock_acquire(const char *path, unsigned wait_ms, unsigned flags, struct plat_lock **ret,
                  struct va_err *err)
{
        uint64_t until = plat_monotonic_ms() + wait_ms;
        wchar_t *w = win_utf16(path);
        struct plat_lock *l;
        HANDLE h;
        int said = (flags & PLAT_LOCK_QUIET) != 0;

        *ret = NULL;
        if (w == NULL)
                return va_err_set(err, VA_E_INVAL, "%s: not a valid UTF-8 path", path);
        /* no sharing: a second open fails with a sharing violation while
         * the holder runs; the handle closes when the holder dies */
        for (;;) {
                DWORD e;

                h = CreateFileW(w, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_ALWAYS,
                                FILE_ATTRIBUTE_NORMAL, NULL);
                if (h != INVALID_HANDLE_VALUE)
                        break;
                e = GetLastError();
                if (e != ERROR_SHARING_VIOLATION && e != ERROR_LOCK_VIOLATION) {
                        free(w);
                        return err_from_win(err, e, path, "cannot open the lock");
                }
                if (!said) {
                        va_log(VA_LOG_NOTICE, "another volattach run holds %s; waiting up to %u s",
                               path, (wait_ms + 999) / 1000);
                        said = 1;
                }
                if (plat_monotonic_ms() >= until) {
                        free(w);
                        return va_err_set(err, VA_E_BUSY,
                                          "another volattach run still holds %s after %u s", path,
                                          (wait_ms + 999) / 1000);
                }
                if ((flags & PLAT_LOCK_STOPPABLE) == 0) {
                        Sleep(100);
                } else if (plat_stop_wait(100)) {
                        free(w);
                        return va_err_set(err, VA_E_BUSY, "stopped while waiting for %s", path);
                }
        }
        free(w);
        l = malloc(sizeof(*l));
        if (l == NULL) {
                CloseHandle(h);
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        }
        l->h = h;
        *ret = l;
        return 0;
}

void
plat_lock_release(struct plat_lock *l)
{
        if (l == NULL)
                return;
        CloseHandle(l->h);
        free(l);
}

uint64_t
plat_monotonic_ms(void)
{
        return (uint64_t)GetTickCount64();
}

void
plat_sleep_ms(unsigned ms)
{
        Sleep(ms);
}

void
plat_rfc3339_now(char buf[PLAT_RFC3339_LEN])
{
        SYSTEMTIME st;

        GetSystemTime(&st); /* UTC */
        (void)snprintf(buf, PLAT_RFC3339_LEN, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
                       (unsigned)st.wYear, (unsigned)st.wMonth, (unsigned)st.wDay,
                       (unsigned)st.wHour, (unsigned)st.wMinute, (unsigned)st.wSecond,
                       (unsigned)st.wMilliseconds);
}

/* A manual-reset event: set by the console handler (its own thread) or
 * the service's stop control, waited on by plat_stop_wait. */
static HANDLE stop_event;

static BOOL WINAPI
stop_console(DWORD type)
{
        (void)type;
        if (stop_event != NULL)
                (void)SetEvent(stop_event);
        return TRUE;
}

int
plat_stop_init(struct va_err *err)
{
        if (stop_event == NULL)
                stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
        if (stop_event == NULL)
                return va_err_set(err, VA_E_IO, "CreateEvent failed (%lu)",
                                  (unsigned long)GetLastError());
        (void)SetConsoleCtrlHandler(stop_console, TRUE);
        return 0;
}

int
plat_stop_wait(unsigned ms)
{
        if (stop_event == NULL) {
                Sleep(ms);
                return 0;
        }
        return WaitForSingleObject(stop_event, ms) == WAIT_OBJECT_0 ? 1 : 0;
}

void
plat_stop_request(void)
{
        if (stop_event == NULL)
                stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
        if (stop_event != NULL)
                (void)SetEvent(stop_event);
}

uint32_t
plat_random_u32(void)
{
        static volatile LONG state;
        LONG s, n;

        /* a shared LCG step, lock-free: jitter only, not for secrets */
        do {
                LONG seed;

                s = state;
                /* the exchange compares with what was read, the seed only
                 * replaces the 0 it starts from */
                seed = s != 0 ? s : (LONG)(GetTickCount64() ^ GetCurrentProcessId() << 16) | 1;
                n = (LONG)((unsigned long)seed * 1103515245ul + 12345ul);
        } while (InterlockedCompareExchange(&state, n, s) != s);
        return (uint32_t)n >> 1 ^ (uint32_t)n << 15;
}

struct plat_thread {
        HANDLE h;
        void *(*fn)(void *);
        void *arg;
};

struct plat_mutex {
        CRITICAL_SECTION cs;
};

static DWORD WINAPI
thread_main(LPVOID p)
{
        struct plat_thread *t = p;

        (void)t->fn(t->arg);
        return 0;
}

int
plat_thread_start(struct plat_thread **ret, void *(*fn)(void *), void *arg)
{
        struct plat_thread *t = malloc(sizeof(*t));

        if (t == NULL)
                return -VA_E_NOMEM;
        t->fn = fn;
        t->arg = arg;
        t->h = CreateThread(NULL, 0, thread_main, t, 0, NULL);
        if (t->h == NULL) {
                free(t);
                return -VA_E_NOMEM;
        }
        *ret = t;
        return 0;
}

void
plat_thread_join(struct plat_thread *t)
{
        if (t == NULL)
                return;
        (void)WaitForSingleObject(t->h, INFINITE);
        CloseHandle(t->h);
        free(t);
}

struct plat_mutex *
plat_mutex_new(void)
{
        struct plat_mutex *m = malloc(sizeof(*m));

        if (m != NULL)
                InitializeCriticalSection(&m->cs);
        return m;
}

void
plat_mutex_lock(struct plat_mutex *m)
{
        EnterCriticalSection(&m->cs);
}

void
plat_mutex_unlock(struct plat_mutex *m)
{
        LeaveCriticalSection(&m->cs);
}

void
plat_mutex_free(struct plat_mutex *m)
{
        if (m == NULL)
                return;
        DeleteCriticalSection(&m->cs);
        free(m);
}

/* CONDITION_VARIABLE (Vista and later) over the CRITICAL_SECTION of a
 * plat_mutex; it needs no clean-up of its own. */
struct plat_cond {
        CONDITION_VARIABLE cv;
};

struct plat_cond *
plat_cond_new(void)
{
        struct plat_cond *c = malloc(sizeof(*c));

        if (c != NULL)
                InitializeConditionVariable(&c->cv);
        return c;
}

void
plat_cond_wait(struct plat_cond *c, struct plat_mutex *m)
{
        (void)SleepConditionVariableCS(&c->cv, &m->cs, INFINITE);
}

int
plat_cond_timedwait(struct plat_cond *c, struct plat_mutex *m, unsigned ms)
{
        /* INFINITE is 0xFFFFFFFF: a wait that long is not a timed one */
        DWORD d = ms == INFINITE ? INFINITE - 1 : (DWORD)ms;

        if (!SleepConditionVariableCS(&c->cv, &m->cs, d) && GetLastError() == ERROR_TIMEOUT)
                return -VA_E_TIMEOUT;
        return 0;
}

void
plat_cond_signal(struct plat_cond *c)
{
        WakeConditionVariable(&c->cv);
}

void
plat_cond_broadcast(struct plat_cond *c)
{
        WakeAllConditionVariable(&c->cv);
}

void
plat_cond_free(struct plat_cond *c)
{
        free(c);
}

int
plat_abstract_socket_listening(const char *name)
{
        (void)name;
        return 0;
}

int
plat_have_program(const char *name)
{
        wchar_t *w = win_utf16(name), found[MAX_PATH];
        DWORD n;

        if (w == NULL)
                return 0;
        n = SearchPathW(NULL, w, L".exe", MAX_PATH, found, NULL);
        free(w);
        return n > 0 && n < MAX_PATH;
}

/* One argument quoted the way CommandLineToArgvW and the C runtime parse
 * it back: backslashes are literal except before a quote. */
int
win_quote_arg(const wchar_t *a, wchar_t *out, size_t cap, size_t *o)
{
        size_t i, bs;

        if (*o + 2 >= cap)
                return -1;
        out[(*o)++] = L'"';
        for (i = 0;; i++) {
                for (bs = 0; a[i] == L'\\'; i++)
                        bs++;
                if (a[i] == 0) {
                        bs *= 2;
                } else if (a[i] == L'"') {
                        bs = bs * 2 + 1;
                }
                if (*o + bs + 3 >= cap)
                        return -1;
                while (bs-- > 0)
                        out[(*o)++] = L'\\';
                if (a[i] == 0)
                        break;
                out[(*o)++] = a[i];
        }
        out[(*o)++] = L'"';
        return 0;
}

/* A helper's start-up block: stdin from nul, stdout and stderr into wr,
 * and PROC_THREAD_ATTRIBUTE_HANDLE_LIST naming just those (each once: a
 * duplicate entry is ERROR_INVALID_PARAMETER), so that CreateProcess
 * inherits them only, as closefrom() does on POSIX. The attribute list
 * points into attrs, which must outlive the CreateProcess call. */
static BOOL
spawn_std_handles(STARTUPINFOEXW *six, HANDLE nul, HANDLE wr, HANDLE attrs[2])
{
        SIZE_T size = 0;
        DWORD n = 0;

        memset(six, 0, sizeof(*six));
        six->StartupInfo.cb = sizeof(*six);
        six->StartupInfo.dwFlags = STARTF_USESTDHANDLES;
        six->StartupInfo.hStdInput = nul;
        six->StartupInfo.hStdOutput = wr;
        six->StartupInfo.hStdError = wr;
        if (nul != INVALID_HANDLE_VALUE)
                attrs[n++] = nul;
        attrs[n++] = wr;
        (void)InitializeProcThreadAttributeList(NULL, 1, 0, &size);
        six->lpAttributeList = malloc(size);
        if (six->lpAttributeList == NULL) {
                SetLastError(ERROR_NOT_ENOUGH_MEMORY);
                return FALSE;
        }
        if (!InitializeProcThreadAttributeList(six->lpAttributeList, 1, 0, &size)) {
                free(six->lpAttributeList);
                return FALSE;
        }
        if (!UpdateProcThreadAttribute(six->lpAttributeList, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST,
                                       attrs, n * sizeof(HANDLE), NULL, NULL)) {
                DWORD e = GetLastError();

                DeleteProcThreadAttributeList(six->lpAttributeList);
                free(six->lpAttributeList);
                SetLastError(e);
                return FALSE;
        }
        return TRUE;
}

int
plat_spawn(const char *const argv[], unsigned timeout_ms, size_t max_out,
           struct plat_spawn_result *ret, struct va_err *err)
{
        SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
        STARTUPINFOEXW six;
        PROCESS_INFORMATION pi;
        HANDLE rd = NULL, wr = NULL, nul, attrs[2];
        wchar_t *cmd;
        size_t cap = 32768, o = 0, i;
        uint64_t deadline = plat_monotonic_ms() + timeout_ms;
        char *out;
        int r = 0;

        memset(ret, 0, sizeof(*ret));
        cmd = malloc(cap * sizeof(*cmd));
        out = malloc(max_out + 1);
        if (cmd == NULL || out == NULL) {
                free(cmd);
                free(out);
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        }
        for (i = 0; argv[i] != NULL; i++) {
                wchar_t *w = win_utf16(argv[i]);
                int bad = w == NULL;

                if (!bad && i > 0) {
                        if (o + 1 >= cap)
                                bad = 1;
                        else
                                cmd[o++] = L' ';
                }
                if (!bad && win_quote_arg(w, cmd, cap, &o) < 0)
                        bad = 1;
                free(w);
                if (bad) {
                        free(cmd);
                        free(out);
                        return va_err_set(err, VA_E_INVAL, "%s: bad or too long command line",
                                          argv[0]);
                }
        }
        cmd[o] = 0;
        if (!CreatePipe(&rd, &wr, &sa, 0)) {
                free(cmd);
                free(out);
                return err_from_win(err, GetLastError(), argv[0], "pipe");
        }
        SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0);
        nul = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa,
                          OPEN_EXISTING, 0, NULL);
        if (!spawn_std_handles(&six, nul, wr, attrs)) {
                DWORD e = GetLastError();

                CloseHandle(rd);
                CloseHandle(wr);
                if (nul != INVALID_HANDLE_VALUE)
                        CloseHandle(nul);
                free(cmd);
                free(out);
                return err_from_win(err, e, argv[0], "cannot list the handles to inherit");
        }
        /* bInheritHandles TRUE is needed for the std handles, and with the
         * handle list it passes those and nothing else: not a handle
         * volattach inherited, nor another thread's pipe to its helper */
        if (!CreateProcessW(NULL, cmd, NULL, NULL, TRUE,
                            CREATE_NO_WINDOW | EXTENDED_STARTUPINFO_PRESENT, NULL, NULL,
                            &six.StartupInfo, &pi)) {
                DWORD e = GetLastError();

                DeleteProcThreadAttributeList(six.lpAttributeList);
                free(six.lpAttributeList);
                CloseHandle(rd);
                CloseHandle(wr);
                if (nul != INVALID_HANDLE_VALUE)
                        CloseHandle(nul);
                free(cmd);
                free(out);
                if (e == ERROR_FILE_NOT_FOUND)
                        return va_err_setn(err, VA_E_ENV, (long)e, "%s: program not found",
                                           argv[0]);
                return err_from_win(err, e, argv[0], "cannot start");
        }
        DeleteProcThreadAttributeList(six.lpAttributeList);
        free(six.lpAttributeList);
        CloseHandle(wr);
        if (nul != INVALID_HANDLE_VALUE)
                CloseHandle(nul);
        free(cmd);
        for (;;) {
                DWORD avail = 0, got = 0;
                char chunk[4096];

                if (plat_monotonic_ms() >= deadline) {
                        ret->timed_out = 1;
                        TerminateProcess(pi.hProcess, 1);
                        break;
                }
                if (!PeekNamedPipe(rd, NULL, 0, NULL, &avail, NULL))
                        break; /* the child closed its end */
                if (avail == 0) {
                        if (WaitForSingleObject(pi.hProcess, 10) == WAIT_OBJECT_0 &&
                            (!PeekNamedPipe(rd, NULL, 0, NULL, &avail, NULL) || avail == 0))
                                break;
                        continue;
                }
                if (!ReadFile(rd, chunk, avail < sizeof(chunk) ? avail : sizeof(chunk), &got,
                              NULL) ||
                    got == 0)
                        break;
                if (ret->outlen < max_out) {
                        size_t take = got;

                        if (take > max_out - ret->outlen)
                                take = max_out - ret->outlen;
                        memcpy(out + ret->outlen, chunk, take);
                        ret->outlen += take;
                }
        }
        CloseHandle(rd);
        (void)WaitForSingleObject(pi.hProcess, ret->timed_out ? 5000 : INFINITE);
        if (!ret->timed_out) {
                DWORD code = 0;

                if (GetExitCodeProcess(pi.hProcess, &code)) {
                        ret->exited = 1;
                        ret->status = (int)code;
                }
        }
        CloseHandle(pi.hProcess);
        CloseHandle(pi.hThread);
        out[ret->outlen] = '\0';
        ret->out = out;
        return r;
}

static HANDLE event_source;

void
plat_syslog_open(const char *ident)
{
        wchar_t *w = win_utf16(ident);

        if (w != NULL)
                event_source = RegisterEventSourceW(NULL, w);
        free(w);
}

void
plat_syslog_sink(int level, const char *msg, void *ctx)
{
        WORD type = level <= VA_LOG_ERR       ? EVENTLOG_ERROR_TYPE
                    : level == VA_LOG_WARNING ? EVENTLOG_WARNING_TYPE
                                              : EVENTLOG_INFORMATION_TYPE;
        wchar_t *w = win_utf16(msg);
        LPCWSTR strings[1];

        (void)ctx;
        if (event_source == NULL || w == NULL) {
                free(w);
                return;
        }
        strings[0] = w;
        /* the Event ID is the message's kind, whose entry in the exe's
         * message table (dist/windows/volattach.mc, "%1") the Event Viewer
         * renders; the level is the event type */
        (void)ReportEventW(event_source, type, 0, (DWORD)va_log_current_event(), NULL, 1, 0,
                           strings, NULL);
        free(w);
}

void
plat_harden(void)
{
        /* no error dialogs that would hang a boot-time service; DLLs only
         * from System32 and the application directory, never the CWD */
        (void)SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
        (void)SetDllDirectoryW(L"");
}

int
plat_is_privileged(void)
{
        SID_IDENTIFIER_AUTHORITY nt = { SECURITY_NT_AUTHORITY };
        PSID admins = NULL, system = NULL;
        BOOL is_admin = FALSE, is_system = FALSE;

        if (AllocateAndInitializeSid(&nt, 2, SECURITY_BUILTIN_DOMAIN_RID, DOMAIN_ALIAS_RID_ADMINS,
                                     0, 0, 0, 0, 0, 0, &admins)) {
                (void)CheckTokenMembership(NULL, admins, &is_admin);
                FreeSid(admins);
        }
        if (AllocateAndInitializeSid(&nt, 1, SECURITY_LOCAL_SYSTEM_RID, 0, 0, 0, 0, 0, 0, 0,
                                     &system)) {
                (void)CheckTokenMembership(NULL, system, &is_system);
                FreeSid(system);
        }
        return is_admin || is_system;
}

/* ProgramData as the profile list in the registry names it, which is where
 * FOLDERID_ProgramData comes from on Windows: %ProgramData% is not in every
 * service's environment, and Wine's services resolve the known folder to
 * C:\users\Public. */
const char *
plat_state_dir(void)
{
        static char dir[MAX_PATH * 3];
        wchar_t raw[MAX_PATH], full[MAX_PATH];
        DWORD size = sizeof(raw), n;
        char *u = NULL;

        if (dir[0] != '\0')
                return dir;
        if (RegGetValueW(HKEY_LOCAL_MACHINE,
                         L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList",
                         L"ProgramData", RRF_RT_REG_SZ | RRF_RT_REG_EXPAND_SZ | RRF_NOEXPAND, NULL,
                         raw, &size) == ERROR_SUCCESS) {
                n = ExpandEnvironmentStringsW(raw, full, MAX_PATH);
                if (n > 0 && n <= MAX_PATH && wcschr(full, L'%') == NULL)
                        u = win_utf8(full);
        }
        (void)snprintf(dir, sizeof(dir), "%s\\volattach", u ? u : "C:\\ProgramData");
        free(u);
        return dir;
}

const char *
plat_config_path(void)
{
        static char path[MAX_PATH * 3 + 32];

        if (path[0] == '\0')
                (void)snprintf(path, sizeof(path), "%s\\volattach.conf", plat_state_dir());
        return path;
}

const char *
plat_data_dir(void)
{
        return plat_state_dir();
}

int
plat_utf8_args(int *argc, char ***argv)
{
        wchar_t **wargv;
        char **v;
        int n, i;

        wargv = CommandLineToArgvW(GetCommandLineW(), &n);
        if (wargv == NULL)
                return -VA_E_NOMEM;
        v = calloc((size_t)n + 1, sizeof(*v));
        if (v == NULL) {
                LocalFree(wargv);
                return -VA_E_NOMEM;
        }
        for (i = 0; i < n; i++) {
                v[i] = win_utf8(wargv[i]);
                if (v[i] == NULL) {
                        LocalFree(wargv);
                        return -VA_E_INVAL;
                }
        }
        LocalFree(wargv);
        *argc = n;
        *argv = v;
        return 0;
}
