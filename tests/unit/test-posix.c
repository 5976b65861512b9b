/* SPDX-License-Identifier: Apache-2.0 */
/* The POSIX platform primitives against hostile files and descriptors:
 * FIFOs and devices refused without blocking, no link followed below a
 * tree, helpers started with fds 0-2 only; and the log's escaping and URL
 * redaction (base/log.c), which every sink relies on. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "harness.h"
#include "platform/platform.h"

static char tmpdir[64];

static const char *
mktree(void)
{
        char p[256];

        (void)snprintf(tmpdir, sizeof(tmpdir), "/tmp/va-posix-XXXXXX");
        if (mkdtemp(tmpdir) == NULL)
                return NULL;
        (void)snprintf(p, sizeof(p), "%s/openstack", tmpdir);
        (void)mkdir(p, 0700);
        (void)snprintf(p, sizeof(p), "%s/openstack/latest", tmpdir);
        (void)mkdir(p, 0700);
        return tmpdir;
}

static void
rmtree(void)
{
        const char *argv[] = { "/bin/rm", "-rf", tmpdir, NULL };
        struct plat_spawn_result res;

        if (plat_spawn(argv, 10000, 256, &res, NULL) == 0)
                plat_spawn_result_free(&res);
}

static void
put(const char *rel, const char *text)
{
        char p[256];
        FILE *f;

        (void)snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
        f = fopen(p, "w");
        if (f != NULL) {
                (void)fputs(text, f);
                (void)fclose(f);
        }
}

TEST(fifo_refused_without_blocking)
{
        char p[256], *buf = NULL;
        size_t len;
        struct va_err e;

        ASSERT_TRUE(mktree() != NULL);
        (void)snprintf(p, sizeof(p), "%s/openstack/latest/meta_data.json", tmpdir);
        ASSERT_OK(mkfifo(p, 0600));
        va_err_clear(&e);
        /* on a volattach without O_NONBLOCK this open never returns */
        ASSERT_ERR(plat_read_file(p, 1024, &buf, &len, &e), VA_E_IO);
        ASSERT_CONTAINS(e.msg, "not a regular file (a FIFO)");
        va_err_clear(&e);
        ASSERT_ERR(plat_read_file_beneath(tmpdir, "openstack/latest/meta_data.json", "m", 1024,
                                          &buf, &len, &e),
                   VA_E_IO);
        va_err_clear(&e);
        ASSERT_ERR(plat_read_file("/dev/null", 1024, &buf, &len, &e), VA_E_IO);
        ASSERT_CONTAINS(e.msg, "a device");
        rmtree();
}

TEST(blockdev_fifo_refused)
{
        char p[256];
        struct plat_blockdev *b = NULL;
        struct va_err e;

        ASSERT_TRUE(mktree() != NULL);
        (void)snprintf(p, sizeof(p), "%s/drive", tmpdir);
        ASSERT_OK(mkfifo(p, 0600));
        va_err_clear(&e);
        ASSERT_TRUE(plat_blockdev_open(p, &b, &e) < 0);
        ASSERT_CONTAINS(e.msg, "not a block device");
        ASSERT_TRUE(b == NULL);
        rmtree();
}

TEST(beneath_reads_a_plain_tree)
{
        char *buf = NULL;
        size_t len = 0;
        struct va_err e;

        ASSERT_TRUE(mktree() != NULL);
        put("openstack/latest/meta_data.json", "{}");
        va_err_clear(&e);
        ASSERT_OK(plat_read_file_beneath(tmpdir, "openstack/latest/meta_data.json", "m", 1024, &buf,
                                         &len, &e));
        ASSERT_EQ_INT(len, 2);
        free(buf);
        va_err_clear(&e);
        ASSERT_ERR(plat_read_file_beneath(tmpdir, "openstack/latest/vendor_data.json", "v", 1024,
                                          &buf, &len, &e),
                   VA_E_NOTFOUND);
        va_err_clear(&e);
        ASSERT_ERR(plat_read_file_beneath(tmpdir, "openstack/../openstack/latest/meta_data.json",
                                          "m", 1024, &buf, &len, &e),
                   VA_E_INVAL);
        rmtree();
}

TEST(beneath_follows_no_link)
{
        static const char *const targets[] = { "/etc/shadow", "/proc/self/environ",
                                               "/etc/hostname" };
        char p[256], *buf = NULL;
        size_t len, i;
        struct va_err e;

        for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
                ASSERT_TRUE(mktree() != NULL);
                (void)snprintf(p, sizeof(p), "%s/openstack/latest/meta_data.json", tmpdir);
                ASSERT_OK(symlink(targets[i], p));
                va_err_clear(&e);
                ASSERT_TRUE(plat_read_file_beneath(tmpdir, "openstack/latest/meta_data.json", "m",
                                                   1u << 20, &buf, &len, &e) < 0);
                ASSERT_CONTAINS(e.msg, "symbolic link");
                rmtree();
        }
        /* a link in the middle: latest -> a directory elsewhere */
        ASSERT_TRUE(mktree() != NULL);
        put("openstack/latest/meta_data.json", "{}");
        (void)snprintf(p, sizeof(p), "%s/openstack/current", tmpdir);
        ASSERT_OK(symlink("latest", p));
        va_err_clear(&e);
        ASSERT_TRUE(plat_read_file_beneath(tmpdir, "openstack/current/meta_data.json", "m", 1024,
                                           &buf, &len, &e) < 0);
        ASSERT_CONTAINS(e.msg, "symbolic link");
        rmtree();
}

TEST(spawned_helper_gets_fds_0_1_2_only)
{
        const char *argv[] = { "/bin/sh", "-c",
                               "for f in 3 4 5 9 42 100; do [ -e /proc/$$/fd/$f ] && echo open:$f; "
                               "done; echo done",
                               NULL };
        struct plat_spawn_result res;
        struct va_err e;
        int fd = open("/dev/null", O_RDONLY); /* no O_CLOEXEC: as if inherited */

        ASSERT_TRUE(fd >= 0);
        ASSERT_TRUE(dup2(fd, 42) == 42);
        va_err_clear(&e);
        ASSERT_OK(plat_spawn(argv, 10000, 4096, &res, &e));
        (void)close(42);
        (void)close(fd);
        ASSERT_TRUE(res.exited && res.status == 0);
        ASSERT_CONTAINS(res.out, "done");
        ASSERT_NOT_CONTAINS(res.out, "open:");
        plat_spawn_result_free(&res);
}

TEST(inherited_fds_marked_cloexec)
{
        int fd = open("/dev/null", O_RDONLY);

        ASSERT_TRUE(fd >= 0);
        ASSERT_TRUE((fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0);
        plat_harden();
        ASSERT_TRUE((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
        (void)close(fd);
}

TEST(lock_is_exclusive_and_bounded)
{
        struct plat_lock *a = NULL, *b = NULL;
        char p[256], pidmsg[64];
        struct va_err e;

        ASSERT_TRUE(mktree() != NULL);
        (void)snprintf(p, sizeof(p), "%s/lock", tmpdir);
        va_err_clear(&e);
        ASSERT_OK(plat_lock_acquire(p, 1000, 0, &a, &e));
        /* flock is per open file: a second open conflicts, here as in
         * another process */
        va_err_clear(&e);
        ASSERT_ERR(plat_lock_acquire(p, 300, PLAT_LOCK_QUIET, &b, &e), VA_E_BUSY);
        ASSERT_CONTAINS(e.msg, "still holds");
        /* the holder is named: this process wrote its pid when it took it */
        (void)snprintf(pidmsg, sizeof(pidmsg), "(pid %ld)", (long)getpid());
        ASSERT_CONTAINS(e.msg, pidmsg);
        ASSERT_TRUE(b == NULL);
        plat_lock_release(a);
        va_err_clear(&e);
        ASSERT_OK(plat_lock_acquire(p, 300, 0, &b, &e));
        plat_lock_release(b);
        rmtree();
}

static char captured[4096];

static void
capture_sink(int level, const char *msg, void *ctx)
{
        (void)level;
        (void)ctx;
        (void)snprintf(captured, sizeof(captured), "%s", msg);
}

struct late_pid {
        char path[256];
};

/* a holder that writes its pid 300 ms after taking the lock */
static void *
write_pid_late(void *arg)
{
        struct late_pid *lp = arg;
        int fd;

        plat_sleep_ms(300);
        fd = open(lp->path, O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
                (void)!write(fd, "4242\n", 5);
                (void)close(fd);
        }
        return NULL;
}

/* Lab 2090 saw "another volattach run (pid ?) holds ...": the waiter read
 * the file between the holder's flock and its write. The waiter now waits
 * for the pid before it says whose lock it waits for; and a released lock
 * is emptied, so a waiter never names a run that has gone. */
TEST(lock_waiter_names_a_holder_that_writes_late)
{
        struct plat_lock *a = NULL, *b = NULL;
        struct plat_thread *t = NULL;
        struct late_pid lp;
        struct va_err e;
        struct stat st;
        int fd;

        ASSERT_TRUE(mktree() != NULL);
        (void)snprintf(lp.path, sizeof(lp.path), "%s/lock", tmpdir);
        fd = open(lp.path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        ASSERT_TRUE(fd >= 0);
        ASSERT_TRUE(flock(fd, LOCK_EX) == 0);
        captured[0] = '\0';
        va_log_set_sink(capture_sink, NULL);
        ASSERT_OK(plat_thread_start(&t, write_pid_late, &lp));
        va_err_clear(&e);
        ASSERT_ERR(plat_lock_acquire(lp.path, 1500, 0, &b, &e), VA_E_BUSY);
        plat_thread_join(t);
        va_log_set_sink(NULL, NULL);
        ASSERT_CONTAINS(captured, "another volattach run (pid 4242) holds");
        ASSERT_CONTAINS(e.msg, "(pid 4242) still holds");
        (void)close(fd);
        /* taken and released: the file is empty again */
        va_err_clear(&e);
        ASSERT_OK(plat_lock_acquire(lp.path, 500, 0, &a, &e));
        ASSERT_TRUE(stat(lp.path, &st) == 0 && st.st_size > 0);
        plat_lock_release(a);
        ASSERT_TRUE(stat(lp.path, &st) == 0 && st.st_size == 0);
        rmtree();
}

TEST(log_escapes_every_message)
{
        va_log_set_sink(capture_sink, NULL);
        va_log(VA_LOG_ERR, "a\n<0>forged\x1b[2J\r\x7f\xc2\x9b"
                           "31m tab\tend \xc3\xa9");
        va_log_set_sink(NULL, NULL);
        ASSERT_STREQ(captured,
                     "a\\x0a<0>forged\\x1b[2J\\x0d\\x7f\\xc2\\x9b31m tab\\x09end \xc3\xa9");
}

TEST(url_redaction)
{
        char b[256];

        ASSERT_STREQ(va_url_redact("http://u:pw@h:80/p@x", b, sizeof(b)),
                     "http://(credentials hidden)@h:80/p@x");
        ASSERT_STREQ(va_url_redact("http://a@b@h/x", b, sizeof(b)),
                     "http://(credentials hidden)@h/x");
        ASSERT_STREQ(va_url_redact("http://h/x?u=a@b", b, sizeof(b)), "http://h/x?u=a@b");
        ASSERT_STREQ(va_url_redact("http://u:pw@h", b, 12), "(URL too lo");
}

HARNESS_MAIN()
