/* SPDX-License-Identifier: Apache-2.0 */
/* The platform layer's file primitives on this OS (also run under Wine for
 * win32.c): whole-file reads at and past their bound, sorted directory
 * listings without dot files, a stop ending a wait for the state lock.
 * Files go to the temporary directory. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <direct.h>
#define rmdir _rmdir
#else
#include <unistd.h>
#endif

#include "harness.h"
#include "platform/platform.h"

static char dir[512];

/* A fresh directory of our own under the system's temporary directory. */
static int
make_dir(void)
{
        const char *tmp = getenv("TEMP");
        struct va_err e;

        if (tmp == NULL)
                tmp = getenv("TMPDIR");
        if (tmp == NULL)
                tmp = "/tmp";
        (void)snprintf(dir, sizeof(dir), "%s/va-test-platform-%08x", tmp,
                       (unsigned)plat_random_u32());
        va_err_clear(&e);
        return plat_mkdir_p(dir, 0700, &e);
}

static int
put(const char *name, size_t len, char **path_out)
{
        static char path[600];
        struct va_err e;
        char *data = malloc(len + 1);
        int r;

        if (data == NULL)
                return -1;
        memset(data, 'm', len);
        (void)snprintf(path, sizeof(path), "%s/%s", dir, name);
        va_err_clear(&e);
        r = plat_write_file_atomic(path, data, len, 0600, &e);
        free(data);
        if (path_out != NULL)
                *path_out = path;
        return r;
}

static void
drop(const char *name)
{
        char path[600];
        struct va_err e;

        (void)snprintf(path, sizeof(path), "%s/%s", dir, name);
        va_err_clear(&e);
        (void)plat_unlink(path, &e);
}

TEST(read_file_bounds)
{
        static const size_t sizes[] = { 0, 1, 16383, 16384, 16385, 70000 };
        struct va_err e;
        char *path, *buf;
        size_t i, len, k;

        ASSERT_OK(make_dir());
        for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
                ASSERT_OK(put("f", sizes[i], &path));
                va_err_clear(&e);
                ASSERT_OK(plat_read_file(path, sizes[i], &buf, &len, &e));
                ASSERT_EQ_INT(len, sizes[i]);
                ASSERT_EQ_INT(buf[len], '\0');
                for (k = 0; k < len && buf[k] == 'm'; k++)
                        ;
                ASSERT_EQ_INT(k, len);
                free(buf);
                if (sizes[i] > 0) {
                        va_err_clear(&e);
                        ASSERT_ERR(plat_read_file(path, sizes[i] - 1, &buf, &len, &e), VA_E_TOOBIG);
                        ASSERT_CONTAINS(e.msg, "larger than");
                }
        }
        drop("f");
        va_err_clear(&e);
        ASSERT_ERR(plat_read_file(path, 10, &buf, &len, &e), VA_E_NOTFOUND);
        ASSERT_CONTAINS(e.msg, path);
        ASSERT_TRUE(rmdir(dir) == 0);
}

TEST(list_dir_sorted_without_dot_files)
{
        static const char *const names[] = { "vendor_data.json", ".hidden", "meta_data.json", "b",
                                             "a" };
        char **list = NULL;
        size_t n = 9, i;
        struct va_err e;

        ASSERT_OK(make_dir());
        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                ASSERT_OK(put(names[i], i, NULL));
        va_err_clear(&e);
        ASSERT_OK(plat_list_dir(dir, &list, &n, &e));
        ASSERT_EQ_INT(n, 4);
        ASSERT_STREQ(list[0], "a");
        ASSERT_STREQ(list[1], "b");
        ASSERT_STREQ(list[2], "meta_data.json");
        ASSERT_STREQ(list[3], "vendor_data.json");
        plat_string_list_free(list, n);
        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                drop(names[i]);
        ASSERT_TRUE(rmdir(dir) == 0);
        /* a directory that is not there lists as empty */
        list = NULL;
        va_err_clear(&e);
        ASSERT_OK(plat_list_dir(dir, &list, &n, &e));
        ASSERT_EQ_INT(n, 0);
        plat_string_list_free(list, n);
}

static void *
stop_soon(void *arg)
{
        (void)arg;
        plat_sleep_ms(300);
        plat_stop_request();
        return NULL;
}

/* Last in the file: a stop request cannot be taken back. A stop (SIGTERM;
 * the Windows service's stop control) ends a 60 s wait for a held lock,
 * as the last round of `watch --rounds N` waits; without
 * PLAT_LOCK_STOPPABLE the wait runs out. The second open conflicts in one
 * process as in two: flock is per open file, and Windows opens the lock
 * without sharing. */
TEST(stop_ends_a_lock_wait)
{
        struct plat_lock *a = NULL, *b = NULL;
        struct plat_thread *t = NULL;
        char p[600];
        struct va_err e;
        uint64_t t0;

        ASSERT_OK(make_dir());
        (void)snprintf(p, sizeof(p), "%s/lock", dir);
        va_err_clear(&e);
        ASSERT_OK(plat_stop_init(&e));
        ASSERT_OK(plat_lock_acquire(p, 1000, 0, &a, &e));
        ASSERT_OK(plat_thread_start(&t, stop_soon, NULL));
        t0 = plat_monotonic_ms();
        va_err_clear(&e);
        ASSERT_ERR(plat_lock_acquire(p, 60000, PLAT_LOCK_STOPPABLE | PLAT_LOCK_QUIET, &b, &e),
                   VA_E_BUSY);
        plat_thread_join(t);
        ASSERT_TRUE(plat_monotonic_ms() - t0 < 30000);
        ASSERT_CONTAINS(e.msg, "stopped while waiting for");
        ASSERT_TRUE(b == NULL);
        /* without the flag a stop does not cut the wait short */
        t0 = plat_monotonic_ms();
        va_err_clear(&e);
        ASSERT_ERR(plat_lock_acquire(p, 500, PLAT_LOCK_QUIET, &b, &e), VA_E_BUSY);
        ASSERT_TRUE(plat_monotonic_ms() - t0 >= 500);
        ASSERT_CONTAINS(e.msg, "still holds");
        plat_lock_release(a);
        /* a free lock is taken even after a stop */
        va_err_clear(&e);
        ASSERT_OK(plat_lock_acquire(p, 500, PLAT_LOCK_STOPPABLE, &b, &e));
        plat_lock_release(b);
        drop("lock");
        (void)rmdir(dir);
}

HARNESS_MAIN()
