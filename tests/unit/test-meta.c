/* SPDX-License-Identifier: Apache-2.0 */
/* meta_parse() and the cross-item checks against every fixture in
 * tests/fixtures/metadata (each as its INDEX.md row says) and against hostile
 * documents built here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "harness.h"
#include "meta/meta.h"
#include "platform/platform.h"

static char *
fixture(const char *name, size_t *len)
{
        const char *dir = getenv("VA_FIXTURES");
        char path[1024];
        char *buf = NULL;
        struct va_err err;

        va_err_clear(&err);
        (void)snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/fixtures/metadata", name);
        if (plat_read_file(path, META_DOC_MAX + 1, &buf, len, &err) < 0) {
                fprintf(stderr, "%s\n", err.msg);
                return NULL;
        }
        return buf;
}

/* Parses a fixture as meta_data.json; returns meta_parse's result. */
static int
load(const char *name, struct volume_set *set, struct va_err *err)
{
        size_t len;
        char *buf = fixture(name, &len);
        int r;

        memset(set, 0, sizeof(*set));
        va_err_clear(err);
        if (buf == NULL)
                return -1000;
        r = meta_parse(name, buf, len, META_DOC_META_DATA, set, err);
        free(buf);
        if (r == 0)
                r = volume_set_crosscheck(set);
        return r;
}

static int
load_text(const char *text, struct volume_set *set, struct va_err *err)
{
        int r;

        memset(set, 0, sizeof(*set));
        va_err_clear(err);
        r = meta_parse("doc.json", text, strlen(text), META_DOC_META_DATA, set, err);
        return r < 0 ? r : volume_set_crosscheck(set);
}

/* Concatenated diagnostics, for substring checks. */
static const char *
diags(const struct volume_set *s)
{
        static char buf[65536];
        size_t i, o = 0;

        buf[0] = '\0';
        for (i = 0; i < s->diags.n && o < sizeof(buf) - 1; i++)
                o += (size_t)snprintf(buf + o, sizeof(buf) - o, "[%s] %s\n",
                                      va_log_level_name(s->diags.v[i].level), s->diags.v[i].msg);
        return buf;
}

#define EXPECT_COUNTS(set, ok, skipped, rejected)                                 \
        do {                                                                      \
                ASSERT_EQ_INT((set).n, ok);                                       \
                ASSERT_EQ_INT(volume_set_count(&(set), ITEM_SKIPPED), skipped);   \
                ASSERT_EQ_INT(volume_set_count(&(set), ITEM_REJECTED), rejected); \
        } while (0)

TEST(seed_example)
{
        struct volume_set s;
        struct va_err e;
        char portal[PORTAL_TEXT_MAX];

        ASSERT_OK(load("01-seed-example.json", &s, &e));
        EXPECT_COUNTS(s, 1, 0, 0);
        ASSERT_STREQ(s.v[0].id, "5d30b37e-d113-49e1-b991-16b9d7d33d3e");
        ASSERT_STREQ(s.initiator, "iqn.1994-05.com.redhat:f7897073402d");
        ASSERT_EQ_INT(s.v[0].npaths, 1);
        (void)portal_format(&s.v[0].paths[0].portal, portal, sizeof(portal));
        ASSERT_STREQ(portal, "192.168.122.250:3260");
        ASSERT_STREQ(s.v[0].paths[0].iqn, "iqn.2018-01.com.example:target");
        ASSERT_EQ_INT(s.v[0].paths[0].lun, 0);
        ASSERT_EQ_INT(s.v[0].auth.kind, AUTH_CHAP);
        ASSERT_STREQ(s.v[0].auth.out.user, "guest");
        ASSERT_EQ_INT(secret_len(s.v[0].auth.out.secret), 12);
        ASSERT_TRUE(memcmp(secret_bytes(s.v[0].auth.out.secret), "targetsecret", 12) == 0);
        /* 12 bytes: no short-secret warning, and the secret is nowhere */
        ASSERT_NOT_CONTAINS(diags(&s), "CHAP secret is");
        ASSERT_NOT_CONTAINS(diags(&s), "targetsecret");
        ASSERT_EQ_INT(s.v[0].policy, PATHS_SINGLE);
        ASSERT_EQ_INT(s.v[0].read_only, 0);
        volume_set_free(&s);
}

TEST(realistic_and_no_volumes)
{
        struct volume_set s;
        struct va_err e;

        ASSERT_OK(load("02-blog-example-realistic.json", &s, &e));
        EXPECT_COUNTS(s, 1, 0, 0);
        ASSERT_EQ_INT(secret_len(s.v[0].auth.out.secret), 16);
        volume_set_free(&s);

        ASSERT_OK(load("03-nova-metadata-no-volumes.json", &s, &e));
        EXPECT_COUNTS(s, 0, 0, 0);
        ASSERT_CONTAINS(diags(&s), "no volumes in metadata");
        ASSERT_EQ_INT(diag_count(&s.diags, VA_LOG_WARNING), 0);
        volume_set_free(&s);

        ASSERT_OK(load("04-ironic-standalone-empty-volumes.json", &s, &e));
        EXPECT_COUNTS(s, 0, 0, 0);
        ASSERT_EQ_INT(diag_count(&s.diags, VA_LOG_WARNING), 0);
        volume_set_free(&s);

        ASSERT_OK(load("38-volumes-null.json", &s, &e));
        EXPECT_COUNTS(s, 0, 0, 0);
        ASSERT_CONTAINS(diags(&s), "volumes is null");
        volume_set_free(&s);
}

TEST(no_auth_no_connector)
{
        struct volume_set s;
        struct va_err e;

        ASSERT_OK(load("05-single-volume-no-auth-no-connector.json", &s, &e));
        EXPECT_COUNTS(s, 1, 0, 0);
        ASSERT_EQ_INT(s.v[0].auth.kind, AUTH_NONE);
        ASSERT_STREQ(s.initiator, "");
        ASSERT_CONTAINS(diags(&s), "connector.initiator: not given");
        ASSERT_STREQ(s.v[0].paths[0].portal.host, "10.20.30.40");
        volume_set_free(&s);
}

TEST(multipath_lists)
{
        struct volume_set s;
        struct va_err e;

        ASSERT_OK(load("06-multipath-portals.json", &s, &e));
        EXPECT_COUNTS(s, 1, 0, 0);
        ASSERT_EQ_INT(s.v[0].npaths, 2);
        ASSERT_EQ_INT(s.v[0].policy, PATHS_MULTIPATH);
        ASSERT_STREQ(s.v[0].paths[1].portal.host, "198.51.100.10");
        ASSERT_STREQ(s.v[0].paths[1].iqn, "iqn.2003-01.com.example.array:tgt-b");
        ASSERT_EQ_INT(s.v[0].paths[0].lun, 3);
        ASSERT_EQ_INT(s.v[0].paths[1].lun, 3);
        volume_set_free(&s);
}

TEST(shared_portal_and_target)
{
        struct volume_set s;
        struct va_err e;

        ASSERT_OK(load("07-two-volumes-shared-portal.json", &s, &e));
        EXPECT_COUNTS(s, 2, 0, 0);
        ASSERT_TRUE(strcmp(s.v[0].paths[0].iqn, s.v[1].paths[0].iqn) != 0);
        volume_set_free(&s);

        ASSERT_OK(load("08-two-volumes-shared-target.json", &s, &e));
        EXPECT_COUNTS(s, 2, 0, 0);
        ASSERT_STREQ(s.v[0].paths[0].iqn, s.v[1].paths[0].iqn);
        ASSERT_EQ_INT(s.v[0].paths[0].lun, 1);
        ASSERT_EQ_INT(s.v[1].paths[0].lun, 2);
        volume_set_free(&s);
}

TEST(ipv6_portals)
{
        struct volume_set s;
        struct va_err e;
        char bp[PORTAL_TEXT_MAX];

        ASSERT_OK(load("09-ipv6-portal.json", &s, &e));
        EXPECT_COUNTS(s, 1, 0, 0);
        ASSERT_EQ_INT(s.v[0].paths[0].portal.family, PORTAL_IPV6);
        ASSERT_STREQ(s.v[0].paths[0].portal.host, "2001:db8:100::10");
        (void)portal_format_bypath(&s.v[0].paths[0].portal, bp, sizeof(bp));
        ASSERT_STREQ(bp, "2001:db8:100::10:3260");
        volume_set_free(&s);

        ASSERT_OK(load("10-ipv6-link-local-portal.json", &s, &e));
        EXPECT_COUNTS(s, 0, 0, 1);
        ASSERT_CONTAINS(diags(&s), "volumes[0] (90911d41-496d-496a-9fa8-16366b9f68e5): "
                                   "data.target_portal: '[fe80::1]:3260': link-local");
        volume_set_free(&s);
}

TEST(ports_and_variants)
{
        struct volume_set s;
        struct va_err e;

        ASSERT_OK(load("11-nondefault-port.json", &s, &e));
        EXPECT_COUNTS(s, 1, 0, 0);
        ASSERT_EQ_INT(s.v[0].paths[0].portal.port, 13260);
        volume_set_free(&s);

        ASSERT_OK(load("12-portal-variants.json", &s, &e));
        EXPECT_COUNTS(s, 3, 0, 0);
        ASSERT_EQ_INT(s.v[0].paths[0].portal.port, 3260);
        ASSERT_STREQ(s.v[1].paths[0].portal.host, "192.168.122.251");
        ASSERT_EQ_INT(s.v[1].paths[0].portal.tpgt, 1);
        ASSERT_EQ_INT(s.v[2].paths[0].portal.family, PORTAL_DNS);
        ASSERT_STREQ(s.v[2].paths[0].portal.host, "iscsi-a.storage.example.net");
        volume_set_free(&s);
}

TEST(discovery_and_mutual)
{
        struct volume_set s;
        struct va_err e;

        ASSERT_OK(load("13-discovery-chap.json", &s, &e));
        EXPECT_COUNTS(s, 1, 0, 0);
        ASSERT_EQ_INT(s.v[0].policy, PATHS_DISCOVER);
        ASSERT_EQ_INT(s.v[0].discovery.kind, AUTH_CHAP);
        ASSERT_STREQ(s.v[0].discovery.out.user, "disc-Ha3kVt8ZqN");
        ASSERT_EQ_INT(s.v[0].paths[0].lun, 12);
        volume_set_free(&s);

        ASSERT_OK(load("14-mutual-chap-nonstandard-keys.json", &s, &e));
        EXPECT_COUNTS(s, 1, 0, 0);
        ASSERT_EQ_INT(s.v[0].auth.kind, AUTH_CHAP);
        ASSERT_CONTAINS(diags(&s), "non-standard keys ignored: auth_username_in, auth_password_in");
        ASSERT_NOT_CONTAINS(diags(&s), "G4nTq9XsD2hLz6Kf");
        volume_set_free(&s);
}

TEST(luns_and_addressing)
{
        struct volume_set s;
        struct va_err e;
        char lun[48];

        ASSERT_OK(load("15-lun-nonzero-and-sam2.json", &s, &e));
        EXPECT_COUNTS(s, 2, 0, 0);
        ASSERT_EQ_INT(s.v[0].paths[0].host_lun, 7);
        ASSERT_EQ_INT(s.v[1].paths[0].lun, 300);
        ASSERT_EQ_INT(s.v[1].paths[0].host_lun, 16684);
        (void)lun_format_bypath(s.v[1].paths[0].host_lun, lun, sizeof(lun));
        ASSERT_STREQ(lun, "lun-0x412c000000000000");
        volume_set_free(&s);

        ASSERT_OK(load("16-lun-as-numeric-string.json", &s, &e));
        EXPECT_COUNTS(s, 1, 0, 0);
        ASSERT_EQ_INT(s.v[0].paths[0].lun, 0);
        ASSERT_CONTAINS(diags(&s), "numeric string '0' normalised");
        volume_set_free(&s);

        ASSERT_OK(load("31-bad-luns.json", &s, &e));
        EXPECT_COUNTS(s, 1, 0, 4);
        ASSERT_EQ_INT(s.v[0].paths[0].lun, 255);
        ASSERT_CONTAINS(diags(&s), "volumes[0] (ee2201a1-938f-4896-9f84-069e21e8c7bd): "
                                   "data.target_lun: must not be negative");
        ASSERT_CONTAINS(diags(&s), "data.target_lun: 18446744073709551616 is out of range");
        ASSERT_CONTAINS(diags(&s), "data.target_lun: must be an integer, not a fraction");
        ASSERT_CONTAINS(diags(&s), "data.target_lun: 'abc' is not a number");
        volume_set_free(&s);
}

/* An out-of-range LUN is named as the document wrote it: 2^64 - 1 is no
 * double (it would print as 2^64), 1e20 is not how %.0f prints it, and a
 * number among others is matched to its own node. */
TEST(lun_shown_as_written)
{
        static const char doc[] =
            "{\"uuid\": 12345678901234567890, \"volumes\": ["
            "{\"driver_volume_type\": \"iscsi\", \"data\": {\"volume_id\": "
            "\"19c6fb9c-a5c4-4ee4-be6c-dee6e0dacab2\", \"target_portal\": \"10.0.0.1:3260\", "
            "\"target_iqn\": \"iqn.2010-10.org.openstack:a\", \"target_lun\": "
            "18446744073709551615}},"
            "{\"driver_volume_type\": \"iscsi\", \"data\": {\"volume_id\": "
            "\"19c6fb9c-a5c4-4ee4-be6c-dee6e0dacab3\", \"target_portal\": \"10.0.0.1:3260\", "
            "\"target_iqn\": \"iqn.2010-10.org.openstack:b\", \"target_lun\": 1E+20}},"
            "{\"driver_volume_type\": \"iscsi\", \"data\": {\"volume_id\": "
            "\"19c6fb9c-a5c4-4ee4-be6c-dee6e0dacab4\", \"target_portal\": \"10.0.0.1:3260\", "
            "\"target_iqn\": \"iqn.2010-10.org.openstack:c\", \"target_lun\": 16384}}]}";
        struct volume_set s;
        struct va_err e;

        ASSERT_OK(load_text(doc, &s, &e));
        EXPECT_COUNTS(s, 0, 0, 3);
        ASSERT_CONTAINS(diags(&s),
                        "dacab2): data.target_lun: 18446744073709551615 is out of range");
        ASSERT_CONTAINS(diags(&s), "dacab3): data.target_lun: 1E+20 is out of range");
        ASSERT_CONTAINS(diags(&s), "dacab4): data.target_lun: 16384 is out of range");
        ASSERT_NOT_CONTAINS(diags(&s), "18446744073709551616");
        volume_set_free(&s);
}

TEST(behaviour_flags)
{
        struct volume_set s;
        struct va_err e;

        ASSERT_OK(load("17-readonly-qos-discard.json", &s, &e));
        EXPECT_COUNTS(s, 1, 0, 0);
        ASSERT_EQ_INT(s.v[0].read_only, 1);
        ASSERT_CONTAINS(diags(&s), "[info]");
        ASSERT_CONTAINS(diags(&s), "qos_specs");
        volume_set_free(&s);

        ASSERT_OK(load("18-encrypted-volume.json", &s, &e));
        EXPECT_COUNTS(s, 1, 0, 0);
        ASSERT_EQ_INT(s.v[0].encrypted, 1);
        ASSERT_CONTAINS(diags(&s), "encrypted");
        volume_set_free(&s);
}

TEST(driver_types)
{
        struct volume_set s;
        struct va_err e;

        ASSERT_OK(load("19-mixed-driver-types.json", &s, &e));
        EXPECT_COUNTS(s, 1, 2, 0);
        ASSERT_CONTAINS(diags(&s), "'rbd' is not handled by volattach");
        ASSERT_CONTAINS(diags(&s), "'fibre_channel' is not handled by volattach");
        ASSERT_EQ_INT(diag_count(&s.diags, VA_LOG_ERR), 0);
        volume_set_free(&s);

        ASSERT_OK(load("20-driver-type-case-and-iser.json", &s, &e));
        EXPECT_COUNTS(s, 1, 1, 0);
        ASSERT_CONTAINS(diags(&s), "iSCSI over RDMA");
        volume_set_free(&s);
}

TEST(flattened_rejected)
{
        struct volume_set s;
        struct va_err e;

        ASSERT_OK(load("21-flattened-attachment-connection-info.json", &s, &e));
        EXPECT_COUNTS(s, 0, 0, 1);
        ASSERT_CONTAINS(diags(&s), "'data' object missing; the flattened attachment form");
        volume_set_free(&s);
}

TEST(document_level_failures)
{
        struct volume_set s;
        struct va_err e;

        ASSERT_ERR(load("22-truncated.json", &s, &e), VA_E_PARSE);
        ASSERT_CONTAINS(e.msg, "22-truncated.json: not valid JSON");
        ASSERT_CONTAINS(e.msg, "line 39");
        ASSERT_EQ_INT(s.n, 0);
        volume_set_free(&s);

        ASSERT_ERR(load("23-volumes-not-array.json", &s, &e), VA_E_INVAL);
        ASSERT_CONTAINS(e.msg, "volumes must be an array, not an object");
        ASSERT_EQ_INT(s.n, 0);
        ASSERT_EQ_INT(s.nitems, 0);
        volume_set_free(&s);
}

TEST(wrong_types)
{
        struct volume_set s;
        struct va_err e;

        ASSERT_OK(load("24-wrong-types.json", &s, &e));
        EXPECT_COUNTS(s, 0, 0, 6);
        ASSERT_CONTAINS(diags(&s), "data.target_portal: must be a string, not a number");
        ASSERT_CONTAINS(diags(&s), "data.target_lun: must be an integer, not a boolean");
        ASSERT_CONTAINS(diags(&s), "data.auth_password: must be a string, not a number");
        ASSERT_CONTAINS(diags(&s), "volumes[3]: data: must be an object, not a string");
        ASSERT_CONTAINS(diags(&s), "volumes[4]: item: must be an object, not a string");
        ASSERT_CONTAINS(diags(&s), "connector.multipath: must be a boolean, not a string");
        /* the number given as a secret is not echoed */
        ASSERT_NOT_CONTAINS(diags(&s), "12345678901234");
        volume_set_free(&s);
}

TEST(missing_fields)
{
        struct volume_set s;
        struct va_err e;

        ASSERT_OK(load("25-missing-target-fields.json", &s, &e));
        EXPECT_COUNTS(s, 0, 0, 3);
        ASSERT_CONTAINS(diags(&s), "data.target_iqn: is required");
        ASSERT_CONTAINS(diags(&s), "data.target_iqn: must be a string, not null");
        ASSERT_CONTAINS(diags(&s), "data.target_portal: is required");
        volume_set_free(&s);
}

TEST(duplicates_and_mismatch)
{
        struct volume_set s;
        struct va_err e;

        ASSERT_OK(load("33-duplicate-volume-ids.json", &s, &e));
        EXPECT_COUNTS(s, 1, 0, 2);
        ASSERT_STREQ(s.v[0].id, "a01300b1-d9ea-4d34-ba15-dcf7ffa77335");
        ASSERT_CONTAINS(diags(&s), "volume 99fd2373-f300-44bd-8e3a-fcf721a869af listed twice with "
                                   "different targets");
        volume_set_free(&s);

        ASSERT_OK(load("37-serial-volume-id-mismatch.json", &s, &e));
        EXPECT_COUNTS(s, 1, 0, 0);
        ASSERT_STREQ(s.v[0].id, "ea96421c-8620-49c9-8c41-6d1cf6ade453");
        ASSERT_CONTAINS(diags(&s), "differs from data.volume_id");
        volume_set_free(&s);
}

/* --- hostile and edge documents, built here ---------------------------- */

#define ITEM(data) "{\"driver_volume_type\":\"iscsi\",\"data\":{" data "}}"
#define GOOD                                                                                      \
        "\"volume_id\":\"11111111-2222-3333-4444-555555555555\",\"target_portal\":\"127.0.0.1\"," \
        "\"target_iqn\":\"iqn.2004-10.org.example:t\",\"target_lun\":0"

TEST(document_rules)
{
        struct volume_set s;
        struct va_err e;

        ASSERT_ERR(load_text("{\"volumes\":[],\"volumes\":[]}", &s, &e), VA_E_PARSE);
        ASSERT_CONTAINS(e.msg, "duplicate key 'volumes'");
        volume_set_free(&s);
        ASSERT_ERR(load_text("{\"a\":{\"b\":1,\"b\":2}}", &s, &e), VA_E_PARSE);
        volume_set_free(&s);
        ASSERT_ERR(load_text("{\"x\":\"\\u0000\"}", &s, &e), VA_E_PARSE);
        ASSERT_CONTAINS(e.msg, "\\u0000");
        volume_set_free(&s);
        ASSERT_ERR(load_text("{\"x\":\"\\ud800\"}", &s, &e), VA_E_PARSE);
        volume_set_free(&s);
        ASSERT_ERR(load_text("{\"x\":\"\xc3\x28\"}", &s, &e), VA_E_PARSE);
        ASSERT_CONTAINS(e.msg, "invalid UTF-8");
        volume_set_free(&s);
        ASSERT_ERR(load_text("{\"x\":\"\xed\xa0\x80\"}", &s, &e), VA_E_PARSE);
        volume_set_free(&s);
        ASSERT_ERR(load_text("{\"x\":\"a\tb\"}", &s, &e), VA_E_PARSE);
        volume_set_free(&s);
        ASSERT_ERR(load_text("{} {}", &s, &e), VA_E_PARSE);
        volume_set_free(&s);
        ASSERT_ERR(load_text("\"volumes\"", &s, &e), VA_E_INVAL);
        volume_set_free(&s);
        {
                char deep[300];
                int i;

                for (i = 0; i < 100; i++)
                        deep[i] = '[';
                for (i = 100; i < 200; i++)
                        deep[i] = ']';
                deep[200] = '\0';
                ASSERT_ERR(load_text(deep, &s, &e), VA_E_PARSE);
                ASSERT_CONTAINS(e.msg, "nesting");
                volume_set_free(&s);
        }
        {
                char *big = malloc(META_DOC_MAX + 16);

                ASSERT_TRUE(big != NULL);
                memset(big, ' ', META_DOC_MAX + 10);
                big[0] = '{';
                big[META_DOC_MAX + 8] = '}';
                big[META_DOC_MAX + 9] = '\0';
                ASSERT_ERR(load_text(big, &s, &e), VA_E_TOOBIG);
                free(big);
                volume_set_free(&s);
        }
}

/* RFC 8259 6 and 2: cJSON's strtod takes more than JSON allows, and the
 * only whitespace is space, tab, CR and LF. */
TEST(strict_numbers_and_whitespace)
{
        static const char *const bad[] = {
                "{\"a\":012}",   "{\"a\":1.}", "{\"a\":-}",          "{\"a\":1e}", "{\"a\":1.e5}",
                "{\"a\":-012}",  "{\"a\":00}", "{\"a\":1e+}",        "{\"a\":.5}", "{\x01\"a\":1}",
                "{\"a\":1\x0b}", "\x0c{}",     "{\"a\":[1,\x1f 2]}",
        };
        static const char *const good[] = {
                "{\"a\":0}",   "{\"a\":-0}",    "{\"a\":10}",     "{\"a\":1.5}",
                "{\"a\":1e5}", "{\"a\":-1E-5}", "{\"a\":0.0e+1}", "{\"a\":[1,2]}\r\n\t ",
        };
        struct volume_set s;
        struct va_err e;
        size_t i;

        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                int r = load_text(bad[i], &s, &e);

                volume_set_free(&s);
                if (r != -VA_E_PARSE)
                        HARNESS_FAIL("bad[%zu] %s: %d, expected -VA_E_PARSE", i, bad[i], r);
        }
        for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                int r = load_text(good[i], &s, &e);

                volume_set_free(&s);
                if (r != 0)
                        HARNESS_FAIL("good[%zu] %s: %d (%s)", i, good[i], r, e.msg);
        }
}

/* One rule for blanks at the ends of CHAP fields (INDEX.md): rejected at
 * validation, so plan says what attach would refuse. */
TEST(chap_blank_ends_rejected)
{
        static const char *const bad[] = {
                ITEM(GOOD ",\"auth_method\":\"CHAP\",\"auth_username\":\"u\","
                          "\"auth_password\":\" abcdefghijklmnop\""),
                ITEM(GOOD ",\"auth_method\":\"CHAP\",\"auth_username\":\"u\","
                          "\"auth_password\":\"abcdefghijklmnop\\t\""),
                ITEM(GOOD ",\"auth_method\":\"CHAP\",\"auth_username\":\"u \","
                          "\"auth_password\":\"abcdefghijklmnop\""),
                ITEM(GOOD ",\"auth_method\":\"CHAP\",\"auth_username\":\"u\","
                          "\"auth_password\":\"abcdefghijklmnop\","
                          "\"discovery_auth_method\":\"CHAP\",\"discovery_auth_username\":\"d\","
                          "\"discovery_auth_password\":\"abcdefghijklmno \""),
        };
        struct volume_set s;
        struct va_err e;
        size_t i;

        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                ASSERT_OK(load_text(bad[i], &s, &e));
                EXPECT_COUNTS(s, 0, 0, 1);
                ASSERT_CONTAINS(diags(&s), "must not begin or end with a blank");
                ASSERT_NOT_CONTAINS(diags(&s), "abcdefghijklm");
                volume_set_free(&s);
        }
        /* blanks inside are fine */
        ASSERT_OK(load_text(ITEM(GOOD ",\"auth_method\":\"CHAP\",\"auth_username\":\"u v\","
                                      "\"auth_password\":\"abcdefg hijklmnop\""),
                            &s, &e));
        EXPECT_COUNTS(s, 1, 0, 0);
        volume_set_free(&s);
}

/* With the lists present, the singular target_iqn is only compared, and
 * printed in a warning: it is validated like every name. */
TEST(singular_iqn_beside_lists_validated)
{
        struct volume_set s;
        struct va_err e;

        ASSERT_OK(load_text(ITEM("\"volume_id\":\"11111111-2222-4333-8444-555555555555\","
                                 "\"target_portals\":[\"127.0.0.1:3260\"],"
                                 "\"target_iqns\":[\"iqn.2004-10.org.example:t\"],"
                                 "\"target_portal\":\"127.0.0.1:3260\","
                                 "\"target_iqn\":\"iqn.2004-10.org.example:x\\n<0>\\u001b[2J\""),
                            &s, &e));
        EXPECT_COUNTS(s, 0, 0, 1);
        ASSERT_CONTAINS(diags(&s), "data.target_iqn");
        ASSERT_NOT_CONTAINS(diags(&s), "\x1b");
        ASSERT_NOT_CONTAINS(diags(&s), "\n<0>");
        volume_set_free(&s);
}

TEST(bare_connection_info_forms)
{
        struct volume_set s;
        struct va_err e;

        ASSERT_OK(load_text(ITEM(GOOD), &s, &e));
        EXPECT_COUNTS(s, 1, 0, 0);
        ASSERT_CONTAINS(s.v[0].source, "connection_info");
        volume_set_free(&s);
        ASSERT_OK(load_text("{\"connection_info\":" ITEM(GOOD) "}", &s, &e));
        EXPECT_COUNTS(s, 1, 0, 0);
        volume_set_free(&s);
        ASSERT_OK(load_text("[" ITEM(GOOD) "]", &s, &e));
        EXPECT_COUNTS(s, 1, 0, 0);
        volume_set_free(&s);
}

TEST(injection_in_strings)
{
        struct volume_set s;
        struct va_err e;
        static const char *const bad[] = {
                ITEM("\"volume_id\":\"11111111-2222-3333-4444-555555555555\",\"target_portal\":"
                     "\"127.0.0.1;reboot\",\"target_iqn\":\"iqn.2004-10.org.example:t\""),
                ITEM("\"volume_id\":\"11111111-2222-3333-4444-555555555555\",\"target_portal\":"
                     "\"127.0.0.1\",\"target_iqn\":\"iqn.2004-10.org.example:t\\nnode.startup = "
                     "automatic\""),
                ITEM("\"volume_id\":\"11111111-2222-3333-4444-555555555555\",\"target_portal\":"
                     "\"127.0.0.1\",\"target_iqn\":\"iqn.2004-10.org.example:$(id)\""),
                ITEM("\"volume_id\":\"../../etc/passwd\",\"target_portal\":\"127.0.0.1\","
                     "\"target_iqn\":\"iqn.2004-10.org.example:t\""),
                ITEM(GOOD ",\"auth_method\":\"CHAP\",\"auth_username\":\"u\\nx = y\","
                          "\"auth_password\":\"abcdefghijklmnop\""),
                ITEM(GOOD ",\"auth_method\":\"CHAP\",\"auth_username\":\"u\","
                          "\"auth_password\":\"secret\\u001bwith-escape\""),
                ITEM(GOOD ",\"auth_method\":\"kerberos\""),
                ITEM("\"volume_id\":\"11111111-2222-3333-4444-555555555555\",\"target_portal\":"
                     "\"127.0.0.1:99999\",\"target_iqn\":\"iqn.2004-10.org.example:t\""),
                ITEM("\"volume_id\":\"11111111-2222-3333-4444-555555555555\",\"target_portal\":"
                     "\"2001:db8::1\",\"target_iqn\":\"iqn.2004-10.org.example:t\""),
                ITEM("\"volume_id\":\"11111111-2222-3333-4444-555555555555\",\"target_portal\":"
                     "\"127.0.0.1\",\"target_iqn\":\"iqn.2004-10.org.example:t\","
                     "\"target_portals\":[\"127.0.0.1\"],\"target_iqns\":[]"),
                ITEM("\"volume_id\":\"11111111-2222-3333-4444-555555555555\",\"target_portal\":"
                     "\"127.0.0.1\",\"target_iqn\":\"iqn.2004-10.org.example:t\","
                     "\"access_mode\":\"rwx\""),
        };
        size_t i;

        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                ASSERT_OK(load_text(bad[i], &s, &e));
                if (s.n != 0)
                        HARNESS_FAIL("case %zu was accepted: %s", i, diags(&s));
                ASSERT_EQ_INT(volume_set_count(&s, ITEM_REJECTED), 1);
                ASSERT_NOT_CONTAINS(diags(&s), "abcdefghijklmnop");
                ASSERT_NOT_CONTAINS(diags(&s), "secret\x1b");
                /* no raw control character reaches a message */
                ASSERT_NOT_CONTAINS(diags(&s), "\nnode.startup");
                volume_set_free(&s);
        }
}

TEST(plural_list_rules)
{
        struct volume_set s;
        struct va_err e;

        ASSERT_OK(load_text(ITEM("\"volume_id\":\"11111111-2222-3333-4444-555555555555\","
                                 "\"target_portals\":[\"127.0.0.1\",\"127.0.0.2\"],"
                                 "\"target_iqns\":[\"iqn.2004-10.org.example:a\"]"),
                            &s, &e));
        EXPECT_COUNTS(s, 0, 0, 1);
        ASSERT_CONTAINS(diags(&s), "has 2 entries but target_iqns has 1");
        volume_set_free(&s);

        /* a lone list is ignored with a warning, as os-brick does */
        ASSERT_OK(load_text(ITEM(GOOD ",\"target_portals\":[\"127.0.0.2\"]"), &s, &e));
        EXPECT_COUNTS(s, 1, 0, 0);
        ASSERT_EQ_INT(s.v[0].npaths, 1);
        ASSERT_CONTAINS(diags(&s), "given without target_iqns; ignored");
        volume_set_free(&s);

        /* plural keys alone are enough; target_luns defaults to target_lun */
        ASSERT_OK(load_text(ITEM("\"volume_id\":\"11111111-2222-3333-4444-555555555555\","
                                 "\"target_lun\":4,"
                                 "\"target_portals\":[\"127.0.0.1\",\"[::1]:3261\"],"
                                 "\"target_iqns\":[\"iqn.2004-10.org.example:a\","
                                 "\"iqn.2004-10.org.example:b\"]"),
                            &s, &e));
        EXPECT_COUNTS(s, 1, 0, 0);
        ASSERT_EQ_INT(s.v[0].npaths, 2);
        ASSERT_EQ_INT(s.v[0].paths[1].lun, 4);
        ASSERT_EQ_INT(s.v[0].paths[1].portal.port, 3261);
        ASSERT_EQ_INT(s.v[0].policy, PATHS_SINGLE); /* no connector.multipath: failover */
        volume_set_free(&s);
}

TEST(mutual_chap_extension)
{
        struct volume_set s;
        struct va_err e;

        ASSERT_OK(load_text(ITEM(GOOD ",\"auth_method\":\"chap\",\"auth_username\":\"u\","
                                      "\"auth_password\":\"0123456789ab\","
                                      "\"mutual_auth_username\":\"t\","
                                      "\"mutual_auth_password\":\"ba9876543210\""),
                            &s, &e));
        EXPECT_COUNTS(s, 1, 0, 0);
        ASSERT_EQ_INT(s.v[0].auth.kind, AUTH_MUTUAL);
        ASSERT_STREQ(s.v[0].auth.in.user, "t");
        volume_set_free(&s);

        ASSERT_OK(load_text(ITEM(GOOD ",\"auth_method\":\"CHAP\",\"auth_username\":\"u\","
                                      "\"auth_password\":\"0123456789ab\","
                                      "\"mutual_auth_username\":\"t\","
                                      "\"mutual_auth_password\":\"0123456789ab\""),
                            &s, &e));
        EXPECT_COUNTS(s, 0, 0, 1);
        ASSERT_CONTAINS(diags(&s), "must differ from auth_password");
        volume_set_free(&s);

        ASSERT_OK(load_text(ITEM(GOOD ",\"auth_method\":\"CHAP\",\"auth_username\":\"u\","
                                      "\"auth_password\":\"short\""),
                            &s, &e));
        EXPECT_COUNTS(s, 1, 0, 0);
        ASSERT_CONTAINS(diags(&s), "CHAP secret is 5 bytes");
        volume_set_free(&s);
}

TEST(conflicting_initiators_and_shared_luns)
{
        struct volume_set s;
        struct va_err e;

        ASSERT_OK(
            load_text("{\"volumes\":["
                      "{\"driver_volume_type\":\"iscsi\",\"connector\":{\"initiator\":"
                      "\"iqn.2004-10.org.example:h1\"},\"data\":{\"volume_id\":"
                      "\"11111111-2222-3333-4444-555555555555\",\"target_portal\":\"127.0.0.1\","
                      "\"target_iqn\":\"iqn.2004-10.org.example:a\"}},"
                      "{\"driver_volume_type\":\"iscsi\",\"connector\":{\"initiator\":"
                      "\"iqn.2004-10.org.example:h2\"},\"data\":{\"volume_id\":"
                      "\"11111111-2222-3333-4444-666666666666\",\"target_portal\":\"127.0.0.1\","
                      "\"target_iqn\":\"iqn.2004-10.org.example:b\"}},"
                      "{\"driver_volume_type\":\"iscsi\",\"data\":{\"volume_id\":"
                      "\"11111111-2222-3333-4444-777777777777\",\"target_portal\":\"127.0.0.1\","
                      "\"target_iqn\":\"iqn.2004-10.org.example:a\"}}"
                      "]}",
                      &s, &e));
        /* h2 conflicts with h1; the third names LUN 0 of target a again */
        EXPECT_COUNTS(s, 0, 0, 3);
        ASSERT_CONTAINS(diags(&s), "conflicts with iqn.2004-10.org.example:h1");
        ASSERT_CONTAINS(diags(&s), "both name LUN 0 of target iqn.2004-10.org.example:a");
        volume_set_free(&s);
}

TEST(vendor_data_volumes)
{
        struct volume_set s;
        struct va_err e;

        {
                const char *v1 = "{\"volumes\":[" ITEM(GOOD) "]}";

                memset(&s, 0, sizeof(s));
                va_err_clear(&e);
                ASSERT_OK(
                    meta_parse("vendor_data.json", v1, strlen(v1), META_DOC_VENDOR_DATA, &s, &e));
                EXPECT_COUNTS(s, 1, 0, 0);
                volume_set_free(&s);
        }
        {
                const char *v2 = "{\"static\":{\"volumes\":[" ITEM(
                    GOOD) "]},"
                          "\"other\":{\"cloud-init\":\"#cloud-config\"},\"x\":[1]}";

                memset(&s, 0, sizeof(s));
                ASSERT_OK(
                    meta_parse("vendor_data2.json", v2, strlen(v2), META_DOC_VENDOR_DATA2, &s, &e));
                EXPECT_COUNTS(s, 1, 0, 0);
                ASSERT_STREQ(s.v[0].source, "vendor_data2.json: static.volumes[0]");
                volume_set_free(&s);
        }
}

HARNESS_MAIN()
