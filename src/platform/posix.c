/* SPDX-License-Identifier: Apache-2.0 */
/* POSIX (Linux) implementation of the platform primitives: files, time,
 * threads, processes without a shell, syslog, process hardening. */
#ifdef _WIN32
#error "posix.c is the POSIX platform layer; Windows builds use win32.c"
#endif

#include "platform/platform.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/strlist.h"

extern char **environ;

struct file_reader {
        int fd;
        const char *path;
};

static int
file_read(void *ctx, void *p, size_t n, size_t *got, struct va_err *err)
{
        const struct file_reader *f = ctx;
        ssize_t r;

        do
                r = read(f->fd, p, n);
        while (r < 0 && errno == EINTR);
        if (r < 0)
                return va_err_setn(err, VA_E_IO, errno, "%s: %s", f->path, strerror(errno));
        *got = (size_t)r;
        return 0;
}

/* Why an open or fstat refused a metadata or state file, for its message. */
static int
open_error(struct va_err *err, int e, const char *path)
{
        if (e == ENOENT)
                return va_err_setn(err, VA_E_NOTFOUND, e, "%s: no such file", path);
        if (e == EACCES || e == EPERM)
                return va_err_setn(err, VA_E_PERM, e, "%s: permission denied", path);
        if (e == ELOOP)
                return va_err_setn(err, VA_E_IO, e,
                                   "%s: is a symbolic link, which volattach does not follow here",
                                   path);
        if (e == ENAMETOOLONG)
                return va_err_setn(err, VA_E_INVAL, e, "%s: path too long", path);
        return va_err_setn(err, VA_E_IO, e, "%s: %s", path, strerror(e));
}

/* Reads an open descriptor (closed here) that must be a regular file: a
 * FIFO, socket or device where a document is expected is refused at once
 * instead of blocking in read() or reading forever. */
static int
read_fd(int fd, const char *path, size_t max, char **ret_buf, size_t *ret_len, struct va_err *err)
{
        struct file_reader f = { fd, path };
        struct va_buf b = VA_BUF_INIT(max);
        struct stat st;
        int r;

        if (fstat(fd, &st) < 0) {
                r = open_error(err, errno, path);
                goto out;
        }
        if (!S_ISREG(st.st_mode)) {
                r = va_err_set(err, VA_E_IO, "%s: not a regular file (%s)", path,
                               S_ISFIFO(st.st_mode)   ? "a FIFO"
                               : S_ISDIR(st.st_mode)  ? "a directory"
                               : S_ISSOCK(st.st_mode) ? "a socket"
                                                      : "a device");
                goto out;
        }
        r = va_buf_read_all(&b, file_read, &f, path, err);
        if (r == 0) {
                *ret_buf = b.data;
                *ret_len = b.len;
        }
out:
        (void)close(fd);
        return r;
}

/* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer
 * forever; on a regular file it changes nothing. */
#define READ_FLAGS (O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)

int
plat_read_file(const char *path, size_t max, char **ret_buf, size_t *ret_len, struct va_err *err)
{
        int fd = open(path, READ_FLAGS);

        if (fd < 0)
                return open_error(err, errno, path);
        return read_fd(fd, path, max, ret_buf, ret_len, err);
}

int
plat_read_file_trusted(const char *path, size_t max, char **ret_buf, size_t *ret_len,
                       struct va_err *err)
{
        int fd = open(path, READ_FLAGS);
        struct stat st;

        if (fd < 0)
                return open_error(err, errno, path);
        /* the descriptor that is read is the one checked: no window for a
         * rename in between */
        if (fstat(fd, &st) < 0) {
                int e = errno;

                (void)close(fd);
                return open_error(err, e, path);
        }
        if (st.st_uid != 0 && st.st_uid != geteuid()) {
                (void)close(fd);
                return va_err_set(err, VA_E_PERM,
                                  "%s: owned by uid %lu, neither root nor the user running "
                                  "volattach; refused (its options would steer a root run)",
                                  path, (unsigned long)st.st_uid);
        }
        if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
                (void)close(fd);
                return va_err_set(err, VA_E_PERM,
                                  "%s: writable by %s (mode %04o); refused (its options would "
                                  "steer a root run): chmod go-w %s",
                                  path, (st.st_mode & S_IWOTH) ? "everyone" : "its group",
                                  (unsigned)(st.st_mode & 07777), path);
        }
        return read_fd(fd, path, max, ret_buf, ret_len, err);
}

int
plat_read_file_beneath(const char *root, const char *rel, const char *name, size_t max,
                       char **ret_buf, size_t *ret_len, struct va_err *err)
{
        char comp[256];
        const char *p = rel;
        int dfd, fd;

        dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return open_error(err, errno, name);
        /* one component at a time, none of them a link: nothing under root
         * can point the read at /etc/shadow, /proc/self/environ or another
         * document (openat2's RESOLVE_BENEATH would allow links that stay
         * inside; a config drive has no reason for any) */
        for (;;) {
                const char *slash = strchr(p, '/');
                size_t n = slash != NULL ? (size_t)(slash - p) : strlen(p);
                int flags = slash != NULL ? O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW
                                          : READ_FLAGS | O_NOFOLLOW;

                if (n == 0 || n >= sizeof(comp) || (n <= 2 && strncmp(p, "..", n) == 0)) {
                        (void)close(dfd);
                        return va_err_set(err, VA_E_INVAL, "%s: bad path component", name);
                }
                memcpy(comp, p, n);
                comp[n] = '\0';
                fd = openat(dfd, comp, flags);
                if (fd < 0) {
                        int e = errno;
                        struct stat st;

                        /* O_DIRECTORY|O_NOFOLLOW on a link to a directory
                         * fails with ENOTDIR, not ELOOP: say which it was */
                        if (e == ENOTDIR && fstatat(dfd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                            S_ISLNK(st.st_mode))
                                e = ELOOP;
                        (void)close(dfd);
                        return open_error(err, e, name);
                }
                (void)close(dfd);
                if (slash == NULL)
                        break;
                dfd = fd;
                p = slash + 1;
        }
        return read_fd(fd, name, max, ret_buf, ret_len, err);
}

int
plat_write_file_atomic(const char *path, const void *data, size_t len, int mode, struct va_err *err)
{
        char tmp[PATH_MAX];
        const char *p = data;
        size_t off = 0;
        int fd, r = 0, n;

        n = snprintf(tmp, sizeof(tmp), "%s.volattach-XXXXXX", path);
        if (n < 0 || (size_t)n >= sizeof(tmp))
                return va_err_set(err, VA_E_INVAL, "%s: path too long", path);
        /* mkstemp creates the file 0600 before any byte is written, so a
         * secret is never readable by others, not even for a moment; and
         * O_CLOEXEC, so no helper started meanwhile inherits it */
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return va_err_setn(err, VA_E_IO, errno, "%s: cannot create a temporary file: %s",
                                   path, strerror(errno));
        while (off < len) {
                ssize_t w = write(fd, p + off, len - off);

                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        r = va_err_setn(err, VA_E_IO, errno, "%s: write failed: %s", path,
                                        strerror(errno));
                        goto fail;
                }
                off += (size_t)w;
        }
        if (fchmod(fd, (mode_t)mode) < 0 || fsync(fd) < 0) {
                r = va_err_setn(err, VA_E_IO, errno, "%s: %s", path, strerror(errno));
                goto fail;
        }
        if (close(fd) < 0) {
                fd = -1;
                r = va_err_setn(err, VA_E_IO, errno, "%s: %s", path, strerror(errno));
                goto fail;
        }
        fd = -1;
        if (rename(tmp, path) < 0) {
                r = va_err_setn(err, VA_E_IO, errno, "%s: rename failed: %s", path,
                                strerror(errno));
                goto fail;
        }
        /* make the rename itself durable */
        {
                char dir[PATH_MAX];
                char *slash;
                int dfd;

                (void)snprintf(dir, sizeof(dir), "%s", path);
                slash = strrchr(dir, '/');
                if (slash != NULL) {
                        *slash = '\0';
                        dfd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (dfd >= 0) {
                                (void)fsync(dfd);
                                (void)close(dfd);
                        }
                }
        }
        return 0;
fail:
        if (fd >= 0)
                (void)close(fd);
        (void)unlink(tmp);
        return r;
}

int
plat_is_dir(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int
plat_mkdir_p(const char *path, int mode, struct va_err *err)
{
        char buf[PATH_MAX];
        size_t i, len;

        len = strlen(path);
        if (len == 0 || len >= sizeof(buf))
                return va_err_set(err, VA_E_INVAL, "bad directory path");
        memcpy(buf, path, len + 1);
        for (i = 1; i <= len; i++) {
                if (buf[i] != '/' && buf[i] != '\0')
                        continue;
                buf[i] = '\0';
                if (mkdir(buf, (mode_t)mode) < 0 && errno != EEXIST)
                        return va_err_setn(err, VA_E_IO, errno, "%s: cannot create: %s", buf,
                                           strerror(errno));
                buf[i] = i == len ? '\0' : '/';
        }
        return 0;
}

int
plat_unlink(const char *path, struct va_err *err)
{
        if (unlink(path) < 0 && errno != ENOENT)
                return va_err_setn(err, VA_E_IO, errno, "%s: cannot remove: %s", path,
                                   strerror(errno));
        return 0;
}

int
plat_rmdir(const char *path, struct va_err *err)
{
        if (rmdir(path) < 0 && errno != ENOENT)
                return va_err_setn(err, VA_E_IO, errno, "%s: cannot remove: %s", path,
                                   strerror(errno));
        return 0;
}

int
plat_list_dir(const char *path, char ***ret, size_t *ret_n, struct va_err *err)
{
        DIR *d = opendir(path);
        struct dirent *de;
        char **v = NULL;
        size_t n = 0;

        *ret = NULL;
        *ret_n = 0;
        if (d == NULL) {
                if (errno == ENOENT)
                        return 0;
                return va_err_setn(err, VA_E_IO, errno, "%s: %s", path, strerror(errno));
        }
        while ((de = readdir(d)) != NULL) {
                if (de->d_name[0] == '.')
                        continue;
                if (strlist_add(&v, &n, de->d_name) < 0)
                        goto nomem;
        }
        (void)closedir(d);
        strlist_sort(v, n);
        *ret = v;
        *ret_n = n;
        return 0;
nomem:
        (void)closedir(d);
        plat_string_list_free(v, n);
        return va_err_set(err, VA_E_NOMEM, "out of memory");
}

struct plat_lock {
        int fd;
};

/* The holder's pid as it wrote it into the lock file; "" while the file is
 * empty (a holder between its flock and its write: released locks are
 * emptied, so a pid read here is never a previous holder's), "?" for
 * anything that is not a number. */
static void
lock_holder(int fd, char *pid, size_t size)
{
        ssize_t n = pread(fd, pid, size - 1, 0);

        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        if (pid[0] != '\0' && strspn(pid, "0123456789") != strlen(pid))
                (void)snprintf(pid, size, "?");
}

int
plat_lock_acquire(const char *path, unsigned wait_ms, unsigned flags, struct plat_lock **ret,
                  struct va_err *err)
{
        uint64_t start = plat_monotonic_ms(), until = start + wait_ms, now;
        struct plat_lock *l;
        int fd, said = (flags & PLAT_LOCK_QUIET) != 0;
        char pid[32] = "";
        size_t len;

        *ret = NULL;
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (fd < 0)
                return va_err_setn(err, VA_E_IO, errno, "%s: cannot open the lock: %s", path,
                                   strerror(errno));
        while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                if (errno == EINTR)
                        continue;
                if (errno != EWOULDBLOCK) {
                        int e = errno;

                        (void)close(fd);
                        return va_err_setn(err, VA_E_IO, e, "%s: cannot lock: %s", path,
                                           strerror(e));
                }
                now = plat_monotonic_ms();
                lock_holder(fd, pid, sizeof(pid));
                /* a holder that has just taken the lock writes its pid
                 * next: wait for it (a second at most) before naming it */
                if (!said && (pid[0] != '\0' || now - start >= 1000)) {
                        va_log(VA_LOG_NOTICE,
                               "another volattach run (pid %s) holds %s; waiting up to %u s",
                               pid[0] != '\0' ? pid : "?", path, (wait_ms + 999) / 1000);
                        said = 1;
                }
                if (now >= until) {
                        (void)close(fd);
                        return va_err_set(err, VA_E_BUSY,
                                          "another volattach run (pid %s) still holds %s after "
                                          "%u s",
                                          pid[0] != '\0' ? pid : "?", path, (wait_ms + 999) / 1000);
                }
                if ((flags & PLAT_LOCK_STOPPABLE) == 0) {
                        plat_sleep_ms(100);
                } else if (plat_stop_wait(100)) {
                        (void)close(fd);
                        return va_err_set(err, VA_E_BUSY,
                                          "stopped while waiting for %s (held by pid %s)", path,
                                          pid[0] != '\0' ? pid : "?");
                }
        }
        /* written over the old content, then cut to length: the file is
         * never empty while a waiter may read it */
        (void)snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
        len = strlen(pid);
        if (pwrite(fd, pid, len, 0) == (ssize_t)len)
                (void)!ftruncate(fd, (off_t)len);
        l = malloc(sizeof(*l));
        if (l == NULL) {
                (void)close(fd);
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        }
        l->fd = fd;
        *ret = l;
        return 0;
}

void
plat_lock_release(struct plat_lock *l)
{
        if (l == NULL)
                return;
        /* emptied while still held, so a waiter never names a run that
         * has gone; closing drops the flock; the file stays, so that a
         * waiter's open and a new holder's never race on creating it */
        (void)!ftruncate(l->fd, 0);
        (void)close(l->fd);
        free(l);
}

uint64_t
plat_monotonic_ms(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void
plat_sleep_ms(unsigned ms)
{
        struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

void
plat_rfc3339_now(char buf[PLAT_RFC3339_LEN])
{
        struct timespec ts;
        struct tm tm;

        if (clock_gettime(CLOCK_REALTIME, &ts) < 0 || gmtime_r(&ts.tv_sec, &tm) == NULL) {
                (void)snprintf(buf, PLAT_RFC3339_LEN, "0000-00-00T00:00:00.000Z");
                return;
        }
        (void)snprintf(buf, PLAT_RFC3339_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
                       tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                       tm.tm_sec, ts.tv_nsec / 1000000L);
}

uint32_t
plat_random_u32(void)
{
        static unsigned seed;
        static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
        uint32_t v;

        (void)pthread_mutex_lock(&lock);
        if (seed == 0)
                seed = (unsigned)plat_monotonic_ms() ^ (unsigned)getpid() << 16;
        v = (uint32_t)rand_r(&seed) << 16 ^ (uint32_t)rand_r(&seed);
        (void)pthread_mutex_unlock(&lock);
        return v;
}

/* A self-pipe: the handler only writes one byte (async-signal-safe), and
 * plat_stop_wait polls the other end, so a wait ends at once on a signal
 * without any busy polling while idle. */
static int stop_pipe[2] = { -1, -1 };
static volatile sig_atomic_t stop_flag;

static void
stop_handler(int sig)
{
        int saved = errno;
        char c = 1;

        (void)sig;
        stop_flag = 1;
        if (stop_pipe[1] >= 0)
                (void)!write(stop_pipe[1], &c, 1);
        errno = saved;
}

int
plat_stop_init(struct va_err *err)
{
        struct sigaction sa;

        if (stop_pipe[0] < 0 && pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
                return va_err_setn(err, VA_E_IO, errno, "pipe: %s", strerror(errno));
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = stop_handler;
        sa.sa_flags = SA_RESTART;
        (void)sigemptyset(&sa.sa_mask);
        if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
                return va_err_setn(err, VA_E_IO, errno, "sigaction: %s", strerror(errno));
        return 0;
}

int
plat_stop_wait(unsigned ms)
{
        uint64_t deadline = plat_monotonic_ms() + ms;

        while (!stop_flag) {
                struct pollfd pfd = { stop_pipe[0], POLLIN, 0 };
                uint64_t now = plat_monotonic_ms();

                if (stop_pipe[0] < 0) {
                        plat_sleep_ms(ms);
                        break;
                }
                if (now >= deadline)
                        break;
                (void)poll(&pfd, 1, (int)(deadline - now));
        }
        return stop_flag ? 1 : 0;
}

void
plat_stop_request(void)
{
        stop_handler(0);
}

struct plat_thread {
        pthread_t tid;
};

struct plat_mutex {
        pthread_mutex_t m;
};

int
plat_thread_start(struct plat_thread **ret, void *(*fn)(void *), void *arg)
{
        struct plat_thread *t = malloc(sizeof(*t));

        if (t == NULL)
                return -VA_E_NOMEM;
        if (pthread_create(&t->tid, NULL, fn, arg) != 0) {
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
        (void)pthread_join(t->tid, NULL);
        free(t);
}

struct plat_mutex *
plat_mutex_new(void)
{
        struct plat_mutex *m = malloc(sizeof(*m));

        if (m != NULL)
                (void)pthread_mutex_init(&m->m, NULL);
        return m;
}

void
plat_mutex_lock(struct plat_mutex *m)
{
        (void)pthread_mutex_lock(&m->m);
}

void
plat_mutex_unlock(struct plat_mutex *m)
{
        (void)pthread_mutex_unlock(&m->m);
}

void
plat_mutex_free(struct plat_mutex *m)
{
        if (m == NULL)
                return;
        (void)pthread_mutex_destroy(&m->m);
        free(m);
}

struct plat_cond {
        pthread_cond_t c;
};

struct plat_cond *
plat_cond_new(void)
{
        struct plat_cond *c = malloc(sizeof(*c));
        pthread_condattr_t a;

        if (c == NULL)
                return NULL;
        /* timed waits count on CLOCK_MONOTONIC, as plat_monotonic_ms does:
         * the default (CLOCK_REALTIME) would stretch or cut a wait whenever
         * NTP or cloud-init steps the clock at boot */
        if (pthread_condattr_init(&a) != 0) {
                free(c);
                return NULL;
        }
        if (pthread_condattr_setclock(&a, CLOCK_MONOTONIC) != 0 ||
            pthread_cond_init(&c->c, &a) != 0) {
                (void)pthread_condattr_destroy(&a);
                free(c);
                return NULL;
        }
        (void)pthread_condattr_destroy(&a);
        return c;
}

void
plat_cond_wait(struct plat_cond *c, struct plat_mutex *m)
{
        (void)pthread_cond_wait(&c->c, &m->m);
}

int
plat_cond_timedwait(struct plat_cond *c, struct plat_mutex *m, unsigned ms)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += (time_t)(ms / 1000);
        ts.tv_nsec += (long)(ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
        }
        return pthread_cond_timedwait(&c->c, &m->m, &ts) == ETIMEDOUT ? -VA_E_TIMEOUT : 0;
}

void
plat_cond_signal(struct plat_cond *c)
{
        (void)pthread_cond_signal(&c->c);
}

void
plat_cond_broadcast(struct plat_cond *c)
{
        (void)pthread_cond_broadcast(&c->c);
}

void
plat_cond_free(struct plat_cond *c)
{
        if (c == NULL)
                return;
        (void)pthread_cond_destroy(&c->c);
        free(c);
}

/* Helper programs (iscsiadm, multipath, systemctl) are looked up in these
 * directories only, never in the caller's PATH: volattach runs as root, and
 * a PATH with a writable directory first would hand root to whoever owns it.
 * This is systemd's default PATH. */
static const char *const safe_path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/* The whole environment a helper gets: the safe PATH, and the C locale so
 * that their messages (which volattach quotes in errors) are the ones it
 * knows; nothing of the caller's (LD_PRELOAD, proxies, locale). Extra
 * variables the caller's environment must keep are passed through below. */
static const char *const keep_env[] = { "DM_DISABLE_UDEV", NULL };

/* Resolves name in safe_path into buf; 0 or -1. */
static int
resolve_program(const char *name, char *buf, size_t len)
{
        const char *path = safe_path;

        if (strchr(name, '/') != NULL) {
                if (access(name, X_OK) != 0)
                        return -1;
                (void)snprintf(buf, len, "%s", name);
                return 0;
        }
        while (*path != '\0') {
                const char *colon = strchr(path, ':');
                size_t n = colon ? (size_t)(colon - path) : strlen(path);

                if (n > 0 && n + strlen(name) + 2 < len) {
                        (void)snprintf(buf, len, "%.*s/%s", (int)n, path, name);
                        if (access(buf, X_OK) == 0)
                                return 0;
                }
                path += n;
                if (*path == ':')
                        path++;
        }
        return -1;
}

int
plat_abstract_socket_listening(const char *name)
{
        struct sockaddr_un sa;
        size_t len = strlen(name);
        int fd, r;

        if (len == 0 || len + 1 > sizeof(sa.sun_path))
                return 0;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return 0;
        memset(&sa, 0, sizeof(sa));
        sa.sun_family = AF_UNIX;
        memcpy(sa.sun_path + 1, name, len); /* sun_path[0] = 0: abstract */
        r = connect(fd, (struct sockaddr *)&sa,
                    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len));
        (void)close(fd);
        return r == 0;
}

int
plat_have_program(const char *name)
{
        char buf[PATH_MAX];

        return resolve_program(name, buf, sizeof(buf)) == 0;
}

int
plat_spawn(const char *const argv[], unsigned timeout_ms, size_t max_out,
           struct plat_spawn_result *ret, struct va_err *err)
{
        posix_spawn_file_actions_t fa;
        int pipefd[2], status = 0, r;
        pid_t pid;
        uint64_t deadline = plat_monotonic_ms() + timeout_ms;
        char *out;
        size_t outlen = 0;
        int done_reading = 0, reaped = 0;
        char prog[PATH_MAX];

        memset(ret, 0, sizeof(*ret));
        out = malloc(max_out + 1);
        if (out == NULL)
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        if (pipe2(pipefd, O_CLOEXEC) < 0) {
                free(out);
                return va_err_setn(err, VA_E_IO, errno, "pipe: %s", strerror(errno));
        }
        (void)posix_spawn_file_actions_init(&fa);
        (void)posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        (void)posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
        (void)posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
        /* a helper gets stdin, stdout and stderr and nothing else, whatever
         * a library opened without O_CLOEXEC (plat_harden marked what
         * volattach inherited) */
        (void)posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
        /* argv is passed as discrete elements, no shell */
        r = resolve_program(argv[0], prog, sizeof(prog)) == 0 ? 0 : ENOENT;
        if (r == 0) {
                char path_var[128], *envp[2 + sizeof(keep_env) / sizeof(keep_env[0])];
                size_t ne = 0, k;

                (void)snprintf(path_var, sizeof(path_var), "PATH=%s", safe_path);
                envp[ne++] = path_var;
                envp[ne++] = (char *)(uintptr_t) "LC_ALL=C";
                for (k = 0; keep_env[k] != NULL; k++) {
                        char **e;
                        size_t kl = strlen(keep_env[k]);

                        for (e = environ; *e != NULL; e++)
                                if (strncmp(*e, keep_env[k], kl) == 0 && (*e)[kl] == '=')
                                        break;
                        if (*e != NULL && ne + 1 < sizeof(envp) / sizeof(envp[0]))
                                envp[ne++] = *e;
                }
                envp[ne] = NULL;
                r = posix_spawn(&pid, prog, &fa, NULL, (char *const *)(uintptr_t)argv, envp);
        }
        (void)posix_spawn_file_actions_destroy(&fa);
        (void)close(pipefd[1]);
        if (r != 0) {
                (void)close(pipefd[0]);
                free(out);
                if (r == ENOENT)
                        return va_err_setn(err, VA_E_ENV, r, "%s: program not found", argv[0]);
                return va_err_setn(err, VA_E_ENV, r, "%s: cannot start: %s", argv[0], strerror(r));
        }
        while (!done_reading) {
                struct pollfd pfd = { pipefd[0], POLLIN, 0 };
                uint64_t now = plat_monotonic_ms();
                int wait = now >= deadline ? 0 : (int)(deadline - now);
                int pr;

                if (now >= deadline) {
                        ret->timed_out = 1;
                        (void)kill(pid, SIGKILL);
                        break;
                }
                pr = poll(&pfd, 1, wait);
                if (pr < 0 && errno == EINTR)
                        continue;
                if (pr <= 0)
                        continue;
                {
                        char chunk[4096];
                        ssize_t n = read(pipefd[0], chunk, sizeof(chunk));

                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0) {
                                done_reading = 1;
                                break;
                        }
                        if (outlen < max_out) {
                                size_t take = (size_t)n;

                                if (take > max_out - outlen)
                                        take = max_out - outlen;
                                memcpy(out + outlen, chunk, take);
                                outlen += take;
                        }
                }
        }
        (void)close(pipefd[0]);
        while (!reaped) {
                pid_t w = waitpid(pid, &status, 0);

                if (w < 0 && errno == EINTR)
                        continue;
                reaped = 1;
                if (w < 0)
                        status = 0;
        }
        out[outlen] = '\0';
        ret->out = out;
        ret->outlen = outlen;
        if (!ret->timed_out && WIFEXITED(status)) {
                ret->exited = 1;
                ret->status = WEXITSTATUS(status);
        }
        return 0;
}

void
plat_syslog_open(const char *ident)
{
        openlog(ident, LOG_PID, LOG_DAEMON);
}

void
plat_syslog_sink(int level, const char *msg, void *ctx)
{
        (void)ctx;
        syslog(level, "%s", msg);
}

/* Marks every descriptor from 3 up close-on-exec: what volattach
 * inherited (a service manager's or a shell's leftovers, an open record
 * file of whoever started it) never reaches a helper. */
static void
inherited_fds_cloexec(void)
{
        DIR *d;
        struct dirent *de;

#ifdef SYS_close_range
        /* Linux 5.11: one call; CLOSE_RANGE_CLOEXEC is 1u << 2 */
        if (syscall(SYS_close_range, 3u, ~0u, 1u << 2) == 0)
                return;
#endif
        d = opendir("/proc/self/fd");
        if (d == NULL)
                return;
        while ((de = readdir(d)) != NULL) {
                char *end;
                long fd = strtol(de->d_name, &end, 10);

                if (*end != '\0' || end == de->d_name || fd < 3 || fd == dirfd(d))
                        continue;
                (void)fcntl((int)fd, F_SETFD, fcntl((int)fd, F_GETFD) | FD_CLOEXEC);
        }
        (void)closedir(d);
}

void
plat_harden(void)
{
        struct rlimit no_core = { 0, 0 };

        inherited_fds_cloexec();
        (void)setrlimit(RLIMIT_CORE, &no_core);
        (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int
plat_is_privileged(void)
{
        return geteuid() == 0;
}

const char *
plat_state_dir(void)
{
        const char *d = getenv("VOLATTACH_STATE_DIR");

        return d != NULL && d[0] == '/' ? d : "/run/volattach";
}

const char *
plat_config_path(void)
{
        return "/etc/volattach/volattach.conf";
}

const char *
plat_data_dir(void)
{
        const char *d = getenv("VOLATTACH_DATA_DIR");

        return d != NULL && d[0] == '/' ? d : "/var/lib/volattach";
}

int
plat_utf8_args(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        return 0;
}
