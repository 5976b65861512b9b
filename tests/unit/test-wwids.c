/* SPDX-License-Identifier: Apache-2.0 */
/* multipath-tools' wwids file as volattach writes it: the header on a new
 * file, one line per WWID and never two, a missing final newline mended,
 * unlistable WWIDs refused, and multipath-tools' fcntl lock respected. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend/wwids.h"
#include "harness.h"
#include "platform/platform.h"

static char dir[] = "/tmp/va-wwids-XXXXXX";
static char file[64];

static char *
slurp(void)
{
        char *text = NULL;
        size_t len = 0;

        if (plat_read_file(file, 1u << 20, &text, &len, NULL) < 0)
                return NULL;
        return text;
}

static void
cleanup(void)
{
        (void)unlink(file);
        (void)rmdir(dir);
}

static int
fresh(void)
{
        if (file[0] == '\0') {
                if (mkdtemp(dir) == NULL)
                        return -1;
                (void)snprintf(file, sizeof(file), "%s/wwids", dir);
                (void)atexit(cleanup);
        }
        (void)unlink(file);
        return 0;
}

TEST(new_file_gets_the_header_and_one_line_per_wwid)
{
        char *text;

        ASSERT_OK(fresh());
        ASSERT_EQ_INT(wwids_known(file, "36001405aaaa"), 0);
        ASSERT_OK(wwids_add(file, "36001405aaaa", NULL));
        ASSERT_OK(wwids_add(file, "36001405bbbb", NULL));
        ASSERT_OK(wwids_add(file, "36001405aaaa", NULL));
        ASSERT_EQ_INT(wwids_known(file, "36001405aaaa"), 1);
        ASSERT_EQ_INT(wwids_known(file, "36001405bbbb"), 1);
        /* a prefix of a listed WWID is not listed */
        ASSERT_EQ_INT(wwids_known(file, "36001405aaa"), 0);
        text = slurp();
        ASSERT_TRUE(text != NULL);
        ASSERT_TRUE(strncmp(text, "# Multipath wwids, Version : 1.0\n", 33) == 0);
        ASSERT_CONTAINS(text, "# Valid WWIDs:\n/36001405aaaa/\n/36001405bbbb/\n");
        ASSERT_TRUE(strstr(strstr(text, "/36001405aaaa/") + 1, "/36001405aaaa/") == NULL);
        free(text);
}

TEST(missing_final_newline_is_mended)
{
        char *text;

        ASSERT_OK(fresh());
        ASSERT_OK(plat_write_file_atomic(file, "/3600a/", 7, 0644, NULL));
        ASSERT_OK(wwids_add(file, "3600b", NULL));
        text = slurp();
        ASSERT_STREQ(text, "/3600a/\n/3600b/\n");
        free(text);
}

TEST(unlistable_wwids_are_refused)
{
        static const char *const bad[] = { "36/01", "3601\n/x", "" };
        struct va_err e;
        size_t i;

        ASSERT_OK(fresh());
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                va_err_clear(&e);
                ASSERT_ERR(wwids_add(file, bad[i], &e), VA_E_INVAL);
        }
        ASSERT_TRUE(access(file, F_OK) != 0); /* nothing was written */
}

TEST(waits_for_multipath_tools_lock)
{
        struct flock lk;
        int sync[2], fd, status;
        char c, *text;
        pid_t pid;

        ASSERT_OK(fresh());
        ASSERT_TRUE(pipe(sync) == 0);
        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                /* as `multipath -a` would: lock, then write while holding it */
                fd = open(file, O_RDWR | O_CREAT, 0644);
                memset(&lk, 0, sizeof(lk));
                lk.l_type = F_WRLCK;
                lk.l_whence = SEEK_SET;
                if (fd < 0 || fcntl(fd, F_SETLKW, &lk) < 0)
                        _exit(1);
                if (write(sync[1], "l", 1) != 1)
                        _exit(1);
                usleep(300 * 1000);
                if (pwrite(fd, "/child/\n", 8, 0) != 8)
                        _exit(1);
                _exit(0);
        }
        close(sync[1]);
        ASSERT_EQ_INT(read(sync[0], &c, 1), 1);
        close(sync[0]);
        /* an unlocked writer would put the header at offset 0, and the
         * child's line would then overwrite its start */
        ASSERT_OK(wwids_add(file, "3600c", NULL));
        ASSERT_TRUE(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
                    WEXITSTATUS(status) == 0);
        text = slurp();
        ASSERT_STREQ(text, "/child/\n/3600c/\n");
        free(text);
}

TEST(remove_takes_out_exactly_that_line)
{
        char *text;

        ASSERT_OK(fresh());
        /* a missing file has nothing to remove */
        ASSERT_OK(wwids_remove(file, "3600a", NULL));
        ASSERT_OK(plat_write_file_atomic(file, "# h\n/3600a/\n/x3600b/\n/3600b/\n/3600c/\n", 37,
                                         0644, NULL));
        ASSERT_OK(wwids_remove(file, "3600b", NULL));
        text = slurp();
        /* "/x3600b/" only contains the WWID's line text: it stays */
        ASSERT_STREQ(text, "# h\n/3600a/\n/x3600b/\n/3600c/\n");
        free(text);
        ASSERT_OK(wwids_remove(file, "3600d", NULL));
        ASSERT_OK(wwids_remove(file, "3600a", NULL));
        text = slurp();
        ASSERT_STREQ(text, "# h\n/x3600b/\n/3600c/\n");
        free(text);
}

HARNESS_MAIN()
