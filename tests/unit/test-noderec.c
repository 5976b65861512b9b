/* SPDX-License-Identifier: Apache-2.0 */
/* The open-iscsi record rewriter: keys replaced, dropped and appended, other
 * lines untouched, unstorable values refused. */
#include <stdlib.h>
#include <string.h>

#include "backend/noderec.h"
#include "harness.h"

static const char record[] = "# BEGIN RECORD 2.1.8\n"
                             "node.name = iqn.2018-01.com.example:target\n"
                             "node.startup = automatic\n"
                             "node.session.auth.authmethod = None\n"
                             "node.session.auth.username_in = stale\n"
                             "node.session.auth.password_in = stalesecret\n"
                             "node.conn[0].address = 127.0.0.1\n"
                             "# END RECORD\n";

TEST(replace_remove_append)
{
        static const char secret[] = "a b#c=d"; /* blanks inside survive idbm */
        struct noderec_set sets[] = {
                { "node.startup", "manual", 6 },
                { "node.session.auth.authmethod", "CHAP", 4 },
                { "node.session.auth.username", "guest", 5 },
                { "node.session.auth.password", secret, sizeof(secret) - 1 },
                { "node.session.auth.username_in", NULL, 0 },
                { "node.session.auth.password_in", NULL, 0 },
        };
        struct va_err e;
        char *out = NULL, v[64];
        size_t len;

        va_err_clear(&e);
        ASSERT_OK(noderec_rewrite(record, strlen(record), sets, 6, &out, &len, &e));
        ASSERT_EQ_INT(strlen(out), len);
        ASSERT_CONTAINS(out, "# BEGIN RECORD 2.1.8\nnode.name = iqn.2018-01.com.example:target\n");
        ASSERT_CONTAINS(out, "node.startup = manual\n");
        ASSERT_NOT_CONTAINS(out, "automatic");
        ASSERT_NOT_CONTAINS(out, "stale");
        ASSERT_CONTAINS(out, "node.session.auth.password = a b#c=d\n");
        ASSERT_TRUE(noderec_get(out, len, "node.session.auth.username", v, sizeof(v)) == 1);
        ASSERT_STREQ(v, "guest");
        ASSERT_TRUE(noderec_get(out, len, "node.conn[0].address", v, sizeof(v)) == 1);
        ASSERT_STREQ(v, "127.0.0.1");
        ASSERT_TRUE(noderec_get(out, len, "node.session.auth.password_in", v, sizeof(v)) == 0);
        free(out);
}

TEST(refuses_unstorable_values)
{
        static const char *const bad[] = { " lead", "trail ", "new\nline", "tab\tx", "" };
        struct va_err e;
        size_t i;

        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct noderec_set s = { "node.session.auth.password", bad[i], strlen(bad[i]) };
                char *out = NULL;
                size_t len;

                va_err_clear(&e);
                ASSERT_ERR(noderec_rewrite(record, strlen(record), &s, 1, &out, &len, &e),
                           VA_E_INVAL);
                /* the message names the key, never the value */
                ASSERT_CONTAINS(e.msg, "node.session.auth.password");
                ASSERT_TRUE(out == NULL);
        }
}

TEST(duplicate_lines_collapse)
{
        static const char rec[] = "a = 1\na = 2\n  a=3\nb = x";
        struct noderec_set s = { "a", "9", 1 };
        struct va_err e;
        char *out = NULL;
        size_t len;

        va_err_clear(&e);
        ASSERT_OK(noderec_rewrite(rec, strlen(rec), &s, 1, &out, &len, &e));
        ASSERT_STREQ(out, "a = 9\nb = x\n");
        free(out);
}

HARNESS_MAIN()
