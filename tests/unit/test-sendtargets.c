/* SPDX-License-Identifier: Apache-2.0 */
/* The SendTargets output parser: entries with their portal, tpgt and name,
 * iscsiadm's messages passed over, every other line counted as malformed
 * and never returned, and the text bound refused rather than cut. */
#include <stdlib.h>
#include <string.h>

#include "backend/sendtargets.h"
#include "harness.h"

TEST(entries_v4_v6)
{
        static const char out[] = "127.0.0.1:3260,1 iqn.2003-01.org.linux-iscsi.lab:vol1\n"
                                  "[::1]:3261,7 iqn.2003-01.org.linux-iscsi.lab:vol1\n"
                                  "10.0.0.2:3260,65535 eui.0123456789abcdef";
        struct initiator_target *v = NULL;
        struct va_err e;
        size_t n = 0, bad = 9;

        va_err_clear(&e);
        ASSERT_OK(sendtargets_parse(out, strlen(out), &v, &n, &bad, &e));
        ASSERT_EQ_INT(n, 3);
        ASSERT_EQ_INT(bad, 0);
        ASSERT_STREQ(v[0].portal.host, "127.0.0.1");
        ASSERT_EQ_INT(v[0].portal.port, 3260);
        ASSERT_EQ_INT(v[0].portal.tpgt, 1);
        ASSERT_STREQ(v[0].iqn, "iqn.2003-01.org.linux-iscsi.lab:vol1");
        ASSERT_EQ_INT(v[1].portal.family, PORTAL_IPV6);
        ASSERT_STREQ(v[1].portal.host, "::1");
        ASSERT_EQ_INT(v[1].portal.port, 3261);
        ASSERT_EQ_INT(v[1].portal.tpgt, 7);
        ASSERT_EQ_INT(v[2].portal.tpgt, 65535);
        ASSERT_STREQ(v[2].iqn, "eui.0123456789abcdef");
        free(v);
}

TEST(messages_and_blank_lines_are_not_malformed)
{
        static const char out[] = "\n"
                                  "iscsiadm: cannot make connection to 10.9.9.9: No route to host\n"
                                  "127.0.0.1:3260,1 iqn.2003-01.org.example:a\n\n";
        struct initiator_target *v = NULL;
        size_t n = 0, bad = 9;

        ASSERT_OK(sendtargets_parse(out, strlen(out), &v, &n, &bad, NULL));
        ASSERT_EQ_INT(n, 1);
        ASSERT_EQ_INT(bad, 0);
        free(v);
}

TEST(malformed_lines_are_counted_and_skipped)
{
        static const char *const bad_lines[] = {
                "127.0.0.1:3260 iqn.2003-01.org.example:a",     /* no tpgt */
                "127.0.0.1:99999,1 iqn.2003-01.org.example:a",  /* port out of range */
                "127.0.0.1:3260,1 iqn.2003-01.org.example:a x", /* a third field */
                "127.0.0.1:3260,1 iqn.2003-01.org.example:a ",  /* trailing blank */
                "127.0.0.1:3260,1 iqn.2003-01.org.example:a\r", /* CR */
                "127.0.0.1:3260,1  iqn.2003-01.org.example:a",  /* two blanks */
                "127.0.0.1:3260,1 not-a-name",
                "127.0.0.1:3260,1",
                " iqn.2003-01.org.example:a",
                "127.0.0.1:3260,1 iqn.2003-01.org.example:a;rm",
                "[::1:3260,1 iqn.2003-01.org.example:a",
                "Logging in to [iface: volattach]",
        };
        size_t i;

        for (i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
                char text[512];
                struct initiator_target *v = NULL;
                size_t n = 9, bad = 0;
                int len;

                /* each between two good lines: neither neighbour is lost */
                len = snprintf(text, sizeof(text),
                               "127.0.0.2:3260,1 iqn.2003-01.org.example:first\n%s\n"
                               "127.0.0.3:3260,2 iqn.2003-01.org.example:last\n",
                               bad_lines[i]);
                ASSERT_OK(sendtargets_parse(text, (size_t)len, &v, &n, &bad, NULL));
                if (n != 2 || bad != 1)
                        HARNESS_FAIL("line '%s': %zu entries, %zu malformed", bad_lines[i], n, bad);
                ASSERT_STREQ(v[0].iqn, "iqn.2003-01.org.example:first");
                ASSERT_STREQ(v[1].iqn, "iqn.2003-01.org.example:last");
                free(v);
        }
}

TEST(nul_inside_a_line_is_malformed)
{
        static const char out[] = "127.0.0.1:3260,1 iqn.2003-01.org.example:a\0b\n";
        struct initiator_target *v = NULL;
        size_t n = 9, bad = 0;

        ASSERT_OK(sendtargets_parse(out, sizeof(out) - 1, &v, &n, &bad, NULL));
        ASSERT_EQ_INT(n, 0);
        ASSERT_EQ_INT(bad, 1);
        ASSERT_TRUE(v == NULL);
}

TEST(name_at_the_length_limit)
{
        char text[400], name[ISCSI_NAME_MAX + 2];
        struct initiator_target *v = NULL;
        size_t n = 0, bad = 0;
        int len;

        /* iqn.2003-01.org.example: is 24 bytes; pad to exactly 223, then 224 */
        memset(name, 'a', sizeof(name));
        memcpy(name, "iqn.2003-01.org.example:", 24);
        name[ISCSI_NAME_MAX] = '\0';
        len = snprintf(text, sizeof(text), "127.0.0.1:3260,1 %s\n", name);
        ASSERT_OK(sendtargets_parse(text, (size_t)len, &v, &n, &bad, NULL));
        ASSERT_EQ_INT(n, 1);
        ASSERT_STREQ(v[0].iqn, name);
        free(v);
        v = NULL;
        name[ISCSI_NAME_MAX] = 'a';
        name[ISCSI_NAME_MAX + 1] = '\0';
        len = snprintf(text, sizeof(text), "127.0.0.1:3260,1 %s\n", name);
        ASSERT_OK(sendtargets_parse(text, (size_t)len, &v, &n, &bad, NULL));
        ASSERT_EQ_INT(n, 0);
        ASSERT_EQ_INT(bad, 1);
}

TEST(many_entries_grow_the_list)
{
        size_t cap = 200 * 64, len = 0, i, n = 0, bad = 0;
        char *text = malloc(cap);
        struct initiator_target *v = NULL;

        ASSERT_TRUE(text != NULL);
        for (i = 0; i < 200; i++)
                len += (size_t)snprintf(text + len, cap - len,
                                        "10.0.%zu.%zu:3260,1 iqn.2003-01.org.example:v%zu\n",
                                        i / 256, i % 256, i);
        ASSERT_OK(sendtargets_parse(text, len, &v, &n, &bad, NULL));
        free(text);
        ASSERT_EQ_INT(n, 200);
        ASSERT_STREQ(v[199].iqn, "iqn.2003-01.org.example:v199");
        ASSERT_STREQ(v[199].portal.host, "10.0.0.199");
        free(v);
}

TEST(text_past_the_bound_is_refused)
{
        size_t len = SENDTARGETS_TEXT_MAX + 1;
        char *text = malloc(len);
        struct initiator_target *v = (struct initiator_target *)&len;
        struct va_err e;
        size_t n = 9;

        ASSERT_TRUE(text != NULL);
        memset(text, '\n', len);
        va_err_clear(&e);
        ASSERT_ERR(sendtargets_parse(text, len, &v, &n, NULL, &e), VA_E_INVAL);
        ASSERT_CONTAINS(e.msg, "SendTargets output");
        ASSERT_TRUE(v == NULL);
        ASSERT_EQ_INT(n, 0);
        /* at the bound it is read */
        ASSERT_OK(sendtargets_parse(text, len - 1, &v, &n, NULL, &e));
        free(text);
}

TEST(empty_output)
{
        struct initiator_target *v = NULL;
        size_t n = 9, bad = 9;

        ASSERT_OK(sendtargets_parse("", 0, &v, &n, &bad, NULL));
        ASSERT_EQ_INT(n, 0);
        ASSERT_EQ_INT(bad, 0);
        ASSERT_TRUE(v == NULL);
}

HARNESS_MAIN()
