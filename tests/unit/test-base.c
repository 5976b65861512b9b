/* SPDX-License-Identifier: Apache-2.0 */
/* The base layer's small helpers: ASCII classes and case, hex digits, the
 * bounded wiping buffer and its read loop, string lists, array growth, the
 * log's event kinds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/ascii.h"
#include "base/buf.h"
#include "base/hex.h"
#include "base/log.h"
#include "base/strlist.h"
#include "base/strutil.h"
#include "harness.h"

TEST(ascii_classes_ignore_the_locale)
{
        ASSERT_TRUE(ascii_isdigit('0') && ascii_isdigit('9'));
        ASSERT_TRUE(!ascii_isdigit('a') && !ascii_isdigit('/') && !ascii_isdigit(':'));
        ASSERT_TRUE(ascii_isalnum('a') && ascii_isalnum('Z') && ascii_isalnum('5'));
        ASSERT_TRUE(!ascii_isalnum('-') && !ascii_isalnum('@') && !ascii_isalnum('['));
        ASSERT_TRUE(!ascii_isalnum('`') && !ascii_isalnum('{'));
        /* Latin-1 letters are not ASCII letters in any locale */
        ASSERT_TRUE(!ascii_isalnum(0xc4) && !ascii_isalnum((char)0xe4));
        ASSERT_EQ_INT(ascii_lower('Q'), 'q');
        ASSERT_EQ_INT(ascii_lower('q'), 'q');
        ASSERT_EQ_INT(ascii_lower(0xc4), 0xc4);
}

TEST(ascii_case_compare)
{
        char s[] = "IQN.2010-10.Org.OpenStack:Volume-1";

        ASSERT_TRUE(ascii_ieq("Config-2", "config-2"));
        ASSERT_TRUE(ascii_ieq("", ""));
        ASSERT_TRUE(!ascii_ieq("config-2", "config-"));
        ASSERT_TRUE(!ascii_ieq("config", "config-2"));
        /* '[' and '{' are 0x20 apart like 'A' and 'a', but not letters */
        ASSERT_TRUE(!ascii_ieq("[", "{"));
        ASSERT_TRUE(ascii_istarts("IQN.2010-10.org", "iqn."));
        ASSERT_TRUE(ascii_istarts("eui.0123", "EUI."));
        ASSERT_TRUE(ascii_istarts("naa", ""));
        ASSERT_TRUE(!ascii_istarts("iq", "iqn."));
        ASSERT_TRUE(!ascii_istarts("iqn-", "iqn."));
        ascii_lower_str(s);
        ASSERT_STREQ(s, "iqn.2010-10.org.openstack:volume-1");
}

TEST(hex_digits_and_fixed_numbers)
{
        uint64_t v = 0;
        const char *all = "0123456789abcdefABCDEF";
        size_t i;

        for (i = 0; all[i] != '\0'; i++)
                ASSERT_EQ_INT(hex_value(all[i]), i < 16 ? (int)i : (int)i - 6);
        ASSERT_EQ_INT(hex_value('g'), -1);
        ASSERT_EQ_INT(hex_value('G'), -1);
        ASSERT_EQ_INT(hex_value('/'), -1);
        ASSERT_EQ_INT(hex_value(':'), -1);
        ASSERT_EQ_INT(hex_value('\0'), -1);
        ASSERT_OK(hex_parse_fixed("00000000deadBEEF-", 16, &v));
        ASSERT_TRUE(v == 0xdeadbeefu);
        ASSERT_OK(hex_parse_fixed("ffffffffffffffff", 16, &v));
        ASSERT_TRUE(v == UINT64_MAX);
        ASSERT_OK(hex_parse_fixed("00e9xyz", 4, &v));
        ASSERT_TRUE(v == 0xe9);
        v = 7;
        /* a short string stops at its NUL, and a failure leaves *ret alone */
        ASSERT_ERR(hex_parse_fixed("abc", 4, &v), VA_E_INVAL);
        ASSERT_ERR(hex_parse_fixed("12g4", 4, &v), VA_E_INVAL);
        ASSERT_ERR(hex_parse_fixed("1", 0, &v), VA_E_INVAL);
        ASSERT_ERR(hex_parse_fixed("00000000000000000", 17, &v), VA_E_INVAL);
        ASSERT_TRUE(v == 7);
        ASSERT_EQ_INT(hex_digit(0), '0');
        ASSERT_EQ_INT(hex_digit(10), 'a');
        ASSERT_EQ_INT(hex_digit(0x1f), 'f');
}

TEST(buf_appends_within_its_bound)
{
        struct va_buf b = VA_BUF_INIT(10);
        char *first;

        ASSERT_OK(va_buf_append(&b, "hello", 5));
        ASSERT_STREQ(b.data, "hello");
        ASSERT_EQ_INT(b.len, 5);
        ASSERT_OK(va_buf_append(&b, " you", 4));
        ASSERT_OK(va_buf_append(&b, "!", 1));
        ASSERT_STREQ(b.data, "hello you!");
        /* at the bound: one byte more is refused and changes nothing */
        first = b.data;
        ASSERT_ERR(va_buf_append(&b, "?", 1), VA_E_TOOBIG);
        ASSERT_ERR(va_buf_reserve(&b, SIZE_MAX), VA_E_TOOBIG);
        ASSERT_TRUE(b.data == first);
        ASSERT_STREQ(b.data, "hello you!");
        ASSERT_OK(va_buf_append(&b, "", 0));
        va_buf_free(&b);
        ASSERT_TRUE(b.data == NULL && b.len == 0 && b.cap == 0 && b.max == 10);
        va_buf_free(&b);
}

TEST(buf_grows_keeping_its_bytes)
{
        struct va_buf b = VA_BUF_INIT(VA_BUF_UNBOUNDED);
        char chunk[1000];
        size_t i;

        ASSERT_ERR(va_buf_reserve(&b, SIZE_MAX), VA_E_NOMEM);
        for (i = 0; i < 100; i++) {
                memset(chunk, 'a' + (int)(i % 26), sizeof(chunk));
                ASSERT_OK(va_buf_append(&b, chunk, sizeof(chunk)));
        }
        ASSERT_EQ_INT(b.len, 100000);
        ASSERT_TRUE(b.cap > b.len);
        ASSERT_EQ_INT(b.data[b.len], '\0');
        for (i = 0; i < 100; i++)
                ASSERT_EQ_INT(b.data[i * 1000 + 999], 'a' + (int)(i % 26));
        /* room reserved and then written directly, as an OS read does */
        ASSERT_OK(va_buf_reserve(&b, 3));
        memcpy(b.data + b.len, "xyz", 3);
        va_buf_commit(&b, 3);
        ASSERT_STREQ(b.data + 100000, "xyz");
        va_buf_free(&b);
}

TEST(buf_bound_caps_what_is_allocated)
{
        struct va_buf b = VA_BUF_INIT(100);

        ASSERT_OK(va_buf_reserve(&b, 10));
        ASSERT_EQ_INT(b.cap, 101);
        va_buf_free(&b);
}

/* A source of len bytes of 'x' handed out at most step bytes at a time,
 * failing with fail_code at byte fail_at when that is set. */
struct source {
        size_t len, off, step, fail_at, calls;
        int fail_code;
};

static int
source_read(void *ctx, void *p, size_t n, size_t *got, struct va_err *err)
{
        struct source *s = ctx;
        size_t k = s->len - s->off;

        s->calls++;
        if (s->fail_code != 0 && s->off >= s->fail_at)
                return va_err_set(err, s->fail_code, "source: read failed");
        if (k > n)
                k = n;
        if (s->step != 0 && k > s->step)
                k = s->step;
        memset(p, 'x', k);
        s->off += k;
        *got = k;
        return 0;
}

static int
read_source(struct source *s, size_t max, struct va_buf *b, struct va_err *e)
{
        b->data = NULL;
        b->len = b->cap = 0;
        b->max = max;
        va_err_clear(e);
        return va_buf_read_all(b, source_read, s, "src", e);
}

TEST(read_all_takes_exactly_max)
{
        static const size_t sizes[] = { 0, 1, 16383, 16384, 16385, 100000 };
        struct va_buf b;
        struct va_err e;
        size_t i, k;

        for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
                struct source s = { sizes[i], 0, 0, 0, 0, 0 };

                ASSERT_OK(read_source(&s, sizes[i], &b, &e));
                ASSERT_TRUE(b.data != NULL);
                ASSERT_EQ_INT(b.len, sizes[i]);
                ASSERT_EQ_INT(b.data[b.len], '\0');
                for (k = 0; k < b.len; k++)
                        if (b.data[k] != 'x')
                                break;
                ASSERT_EQ_INT(k, sizes[i]);
                va_buf_free(&b);
        }
}

TEST(read_all_refuses_one_byte_more)
{
        static const size_t sizes[] = { 0, 1, 16384, 100000 };
        struct va_buf b;
        struct va_err e;
        size_t i;

        for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
                struct source s = { sizes[i] + 1, 0, 0, 0, 0, 0 };

                ASSERT_ERR(read_source(&s, sizes[i], &b, &e), VA_E_TOOBIG);
                ASSERT_CONTAINS(e.msg, "src: larger than");
                ASSERT_TRUE(b.data == NULL && b.len == 0);
        }
}

TEST(read_all_short_reads_and_failures)
{
        struct source trickle = { 50000, 0, 7, 0, 0, 0 };
        struct source broken = { 50000, 0, 0, 20000, 0, VA_E_IO };
        struct va_buf b;
        struct va_err e;

        ASSERT_OK(read_source(&trickle, 1 << 20, &b, &e));
        ASSERT_EQ_INT(b.len, 50000);
        /* every short read is followed, and one more call sees the end */
        ASSERT_EQ_INT(trickle.calls, 50000 / 7 + 2);
        va_buf_free(&b);
        ASSERT_ERR(read_source(&broken, 1 << 20, &b, &e), VA_E_IO);
        ASSERT_STREQ(e.msg, "source: read failed");
        ASSERT_TRUE(b.data == NULL);
}

TEST(strlist_add_has_sort_free)
{
        char **l = NULL;
        size_t n = 0;

        ASSERT_OK(strlist_add(&l, &n, "vdb"));
        ASSERT_OK(strlist_add(&l, &n, "sr0"));
        ASSERT_OK(strlist_add(&l, &n, "Vda"));
        ASSERT_OK(strlist_add(&l, &n, "vda"));
        ASSERT_EQ_INT(n, 4);
        ASSERT_TRUE(strlist_has(l, n, "sr0"));
        ASSERT_TRUE(!strlist_has(l, n, "sr"));
        ASSERT_TRUE(!strlist_has(l, n, "VDB"));
        strlist_sort(l, n);
        ASSERT_STREQ(l[0], "Vda");
        ASSERT_STREQ(l[1], "sr0");
        ASSERT_STREQ(l[2], "vda");
        ASSERT_STREQ(l[3], "vdb");
        strlist_free(l, n);
        strlist_free(NULL, 0);
        ASSERT_TRUE(!strlist_has(NULL, 0, "x"));
}

TEST(array_grow_doubles_and_keeps)
{
        int *v = NULL, *nv;
        size_t cap = 0, n;

        for (n = 0; n < 100; n++) {
                nv = array_grow(v, &cap, n, sizeof(*v));
                ASSERT_TRUE(nv != NULL);
                v = nv;
                ASSERT_TRUE(cap > n);
                v[n] = (int)n;
        }
        ASSERT_EQ_INT(cap, 128);
        for (n = 0; n < 100; n++)
                ASSERT_EQ_INT(v[n], (int)n);
        /* room left: the same block */
        ASSERT_TRUE(array_grow(v, &cap, 100, sizeof(*v)) == v);
        /* a size that cannot be allocated leaves the array as it was */
        ASSERT_TRUE(array_grow(v, &cap, 128, SIZE_MAX / 64) == NULL);
        ASSERT_EQ_INT(cap, 128);
        ASSERT_EQ_INT(v[99], 99);
        free(v);
}

TEST(str_trim_end_and_ends_with)
{
        ASSERT_EQ_INT(str_trim_end("iqn.x \r\n", 8), 5);
        ASSERT_EQ_INT(str_trim_end("a\tb\t", 4), 3);
        ASSERT_EQ_INT(str_trim_end(" \n ", 3), 0);
        ASSERT_EQ_INT(str_trim_end("", 0), 0);
        /* only the first n bytes count */
        ASSERT_EQ_INT(str_trim_end("ab \nxyz", 4), 2);
        ASSERT_TRUE(str_ends_with("openstack/latest/meta_data.json", "meta_data.json"));
        ASSERT_TRUE(str_ends_with("dir/", "/"));
        ASSERT_TRUE(str_ends_with("x", ""));
        ASSERT_TRUE(!str_ends_with("data.json", "meta_data.json"));
        ASSERT_TRUE(!str_ends_with("dir\\", "/"));
}

static int seen_event[4], seen_level[4];
static unsigned nseen;

static void
event_sink(int level, const char *msg, void *ctx)
{
        (void)msg;
        (void)ctx;
        if (nseen < 4) {
                seen_event[nseen] = va_log_current_event();
                seen_level[nseen++] = level;
        }
}

/* The Event Log files a message under its kind, whatever its level; a
 * plain va_log is the generic kind, also right after a kind was given. */
TEST(log_event_kind_reaches_the_sinks)
{
        va_log_set_sink(event_sink, NULL);
        va_log_event(VA_EVENT_VOLUME_ATTACHED, VA_LOG_NOTICE, "volume %s attached", "x");
        va_log_event(VA_EVENT_VOLUME_ATTACHED, VA_LOG_ERR, "the same kind at another level");
        va_log(VA_LOG_WARNING, "plain");
        va_log_event(VA_EVENT_LOGIN_RETRY, VA_LOG_DEBUG, "below the level: dropped");
        va_log_set_sink(NULL, NULL);
        ASSERT_EQ_INT(nseen, 3);
        ASSERT_EQ_INT(seen_event[0], VA_EVENT_VOLUME_ATTACHED);
        ASSERT_EQ_INT(seen_event[1], VA_EVENT_VOLUME_ATTACHED);
        ASSERT_EQ_INT(seen_level[1], VA_LOG_ERR);
        ASSERT_EQ_INT(seen_event[2], VA_EVENT_MESSAGE);
        ASSERT_EQ_INT(va_log_current_event(), VA_EVENT_MESSAGE);
}

HARNESS_MAIN()
