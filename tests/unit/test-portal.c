/* SPDX-License-Identifier: Apache-2.0 */
/* portal_parse and friends: every accepted spelling, every rejection. */
#include <string.h>

#include "core/portal.h"
#include "harness.h"

static int
parse(const char *s, struct portal *p, unsigned *warn)
{
        struct va_err e;

        va_err_clear(&e);
        return portal_parse(s, p, warn, &e);
}

TEST(accepted_forms)
{
        static const struct {
                const char *in, *host, *text;
                unsigned port;
                int family;
        } ok[] = {
                { "192.168.122.250:3260", "192.168.122.250", "192.168.122.250:3260", 3260, 4 },
                { "127.0.0.1", "127.0.0.1", "127.0.0.1:3260", 3260, 4 },
                { "10.0.0.1:13260", "10.0.0.1", "10.0.0.1:13260", 13260, 4 },
                { "[::1]", "::1", "[::1]:3260", 3260, 6 },
                { "[::1]:3261", "::1", "[::1]:3261", 3261, 6 },
                { "[2001:DB8:100:0:0:0:0:10]:3260", "2001:db8:100::10", "[2001:db8:100::10]:3260",
                  3260, 6 },
                { "[2001:db8::1:0:0:1]", "2001:db8::1:0:0:1", "[2001:db8::1:0:0:1]:3260", 3260, 6 },
                { "[fe80::1%eth0]:3260", "fe80::1", "[fe80::1%eth0]:3260", 3260, 6 },
                { "[1::]", "1::", "[1::]:3260", 3260, 6 },
                { "[1:0:0:2:0:0:0:3]", "1:0:0:2::3", "[1:0:0:2::3]:3260", 3260, 6 },
                { "iscsi-a.storage.example.net:3260", "iscsi-a.storage.example.net",
                  "iscsi-a.storage.example.net:3260", 3260, 1 },
                { "storage", "storage", "storage:3260", 3260, 1 },
                { "1.2.3.4:65535", "1.2.3.4", "1.2.3.4:65535", 65535, 4 },
        };
        size_t i;

        for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
                struct portal p;
                char text[PORTAL_TEXT_MAX];

                ASSERT_OK(parse(ok[i].in, &p, NULL));
                ASSERT_STREQ(p.host, ok[i].host);
                ASSERT_EQ_INT(p.port, ok[i].port);
                ASSERT_EQ_INT(p.family, ok[i].family);
                ASSERT_TRUE(portal_format(&p, text, sizeof(text)) > 0);
                ASSERT_STREQ(text, ok[i].text);
        }
}

TEST(tpgt_and_mapped)
{
        struct portal p;
        unsigned warn;

        ASSERT_OK(parse("192.168.122.251:3260,1", &p, &warn));
        ASSERT_EQ_INT(p.tpgt, 1);
        ASSERT_TRUE(warn & PORTAL_WARN_TPGT);
        ASSERT_OK(parse("[::1]:3260,0", &p, &warn));
        ASSERT_EQ_INT(p.tpgt, 0);
        ASSERT_OK(parse("[::ffff:10.1.2.3]:3260", &p, &warn));
        ASSERT_EQ_INT(p.family, PORTAL_IPV4);
        ASSERT_STREQ(p.host, "10.1.2.3");
        ASSERT_TRUE(warn & PORTAL_WARN_MAPPED);
}

TEST(rejected_forms)
{
        static const char *const bad[] = {
                "",
                "2001:db8::1",
                "2001:db8::1:3260",
                "[fe80::1]:3260",
                "[fe80::1]",
                "[::]",
                "[ff02::1]",
                "127.0.0.1:0",
                "127.0.0.1:65536",
                "127.0.0.1:99999",
                "127.0.0.1:",
                "127.0.0.1:+1",
                "127.0.0.1:3260x",
                "256.1.1.1",
                "1.2.3",
                "1.2.3.4.5",
                "01.2.3.4",
                "0.1.2.3",
                "224.0.0.1",
                "255.255.255.255",
                "[::1",
                "[::1]3260",
                "[::1]:",
                "[1:2]",
                "[1:2:3:4:5:6:7:8:9]",
                "[1::2::3]",
                "[12345::1]",
                "[::1%]",
                "[::1%a b]",
                "host_name",
                "-host",
                "host-",
                "a..b",
                "a.b.",
                "host;reboot",
                "host name",
                "127.0.0.1,",
                "127.0.0.1,x",
                "127.0.0.1,70000",
                ":3260",
                "[g::1]",
                "1.2.3.4:3260:1",
                "[::1]:3260,1,2",
                "example.123",
        };
        size_t i;

        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct portal p;

                if (parse(bad[i], &p, NULL) != -VA_E_INVAL)
                        HARNESS_FAIL("'%s' was accepted", bad[i]);
        }
}

TEST(error_messages)
{
        struct portal p;
        struct va_err e;

        va_err_clear(&e);
        ASSERT_ERR(portal_parse("[fe80::1]:3260", &p, NULL, &e), VA_E_INVAL);
        ASSERT_CONTAINS(e.msg, "link-local");
        va_err_clear(&e);
        ASSERT_ERR(portal_parse("10.0.0.1:99999", &p, NULL, &e), VA_E_INVAL);
        ASSERT_CONTAINS(e.msg, "1..65535");
        va_err_clear(&e);
        ASSERT_ERR(portal_parse("2001:db8::1", &p, NULL, &e), VA_E_INVAL);
        ASSERT_CONTAINS(e.msg, "brackets");
}

TEST(equality_and_bare_addresses)
{
        struct portal a, b;

        ASSERT_OK(parse("[::1]:3260", &a, NULL));
        ASSERT_OK(portal_addr_parse("0:0:0:0:0:0:0:1", &b));
        b.port = 3260;
        ASSERT_TRUE(portal_equal(&a, &b));
        b.port = 3261;
        ASSERT_TRUE(!portal_equal(&a, &b));
        ASSERT_OK(parse("Storage.Example:3260", &a, NULL));
        ASSERT_OK(parse("storage.example", &b, NULL));
        ASSERT_TRUE(portal_equal(&a, &b));
        ASSERT_OK(portal_addr_parse("[::1]", &b));
        ASSERT_STREQ(b.host, "::1");
        ASSERT_ERR(portal_addr_parse("nonsense", &b), VA_E_INVAL);
}

TEST(bypath_form)
{
        struct portal p;
        char buf[PORTAL_TEXT_MAX];

        ASSERT_OK(parse("[2001:db8:100::10]:3260", &p, NULL));
        ASSERT_TRUE(portal_format_bypath(&p, buf, sizeof(buf)) > 0);
        ASSERT_STREQ(buf, "2001:db8:100::10:3260");
        ASSERT_EQ_INT(portal_format(&p, buf, 4), 0); /* too small: reported, not overrun */
}

HARNESS_MAIN()
