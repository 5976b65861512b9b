/* SPDX-License-Identifier: Apache-2.0 */
/* The portable half of the Windows backend: status classes, names, the
 * 12..16-byte CHAP rule, session handles, multi-sz walking, buffer growth. */
#include <string.h>

#include "backend/iscsidsc-util.h"
#include "harness.h"

TEST(classes)
{
        ASSERT_EQ_INT(isdsc_classify(0), ISDSC_CLASS_OK);
        ASSERT_EQ_INT(isdsc_classify(ISDSC_WARN_SHORT_CHAP_SECRET), ISDSC_CLASS_OK);
        ASSERT_EQ_INT(isdsc_classify(ISDSC_WARN_OPERATION_REQUIRES_REBOOT), ISDSC_CLASS_OK);
        ASSERT_EQ_INT(isdsc_classify(0xAFFF0099u), ISDSC_CLASS_OK); /* any warning */
        ASSERT_EQ_INT(isdsc_classify(ISDSC_TARGET_ALREADY_LOGGED_IN), ISDSC_CLASS_ALREADY);
        ASSERT_EQ_INT(isdsc_classify(ISDSC_TARGET_PORTAL_ALREADY_EXISTS), ISDSC_CLASS_ALREADY);
        ASSERT_EQ_INT(isdsc_classify(ISDSC_SESSION_BUSY), ISDSC_CLASS_RETRY);
        ASSERT_EQ_INT(isdsc_classify(ISDSC_CONNECTION_FAILED), ISDSC_CLASS_RETRY);
        ASSERT_EQ_INT(isdsc_classify(122), ISDSC_CLASS_SMALL);
        ASSERT_EQ_INT(isdsc_classify(0x8007007Au), ISDSC_CLASS_SMALL);
        ASSERT_EQ_INT(isdsc_classify(ISDSC_BUFFER_TOO_SMALL), ISDSC_CLASS_SMALL);
        ASSERT_EQ_INT(isdsc_classify(ISDSC_AUTHENTICATION_FAILURE), ISDSC_CLASS_FAIL);
        ASSERT_EQ_INT(isdsc_classify(0xEFFF7777u), ISDSC_CLASS_FAIL); /* unknown: final */
        ASSERT_TRUE(!isdsc_is_warning(0x8007007Au));
        ASSERT_EQ_INT(isdsc_errcode(ISDSC_AUTHENTICATION_FAILURE), VA_E_AUTH);
        ASSERT_EQ_INT(isdsc_errcode(ISDSC_TARGET_NOT_FOUND), VA_E_NOTFOUND);
        ASSERT_EQ_INT(isdsc_errcode(ISDSC_CONNECTION_FAILED), VA_E_NET);
        ASSERT_EQ_INT(isdsc_errcode(ISDSC_SERVICE_NOT_RUNNING), VA_E_ENV);
}

TEST(messages)
{
        struct va_err e;

        va_err_clear(&e);
        ASSERT_ERR(isdsc_error(&e, ISDSC_AUTHENTICATION_FAILURE, "LoginIScsiTargetW"), VA_E_AUTH);
        ASSERT_STREQ(e.msg, "LoginIScsiTargetW: AUTHENTICATION_FAILURE (0xEFFF0009)");
        ASSERT_EQ_INT(e.native, (long)ISDSC_AUTHENTICATION_FAILURE);
        va_err_clear(&e);
        ASSERT_ERR(isdsc_error(&e, 0xEFFF7777u, "X"), VA_E_INITIATOR);
        ASSERT_STREQ(e.msg, "X: error (0xEFFF7777)");
}

TEST(chap_length_rule)
{
        struct va_err e;

        va_err_clear(&e);
        ASSERT_OK(isdsc_check_secret_len(12, "s", &e));
        ASSERT_OK(isdsc_check_secret_len(16, "s", &e));
        ASSERT_ERR(isdsc_check_secret_len(11, "the CHAP secret", &e), VA_E_INVAL);
        ASSERT_CONTAINS(e.msg, "the CHAP secret is 11 bytes; the Microsoft iSCSI initiator needs "
                               "12 to 16 bytes");
        va_err_clear(&e);
        ASSERT_ERR(isdsc_check_secret_len(17, "s", &e), VA_E_INVAL);
}

TEST(handles_round_trip)
{
        uint64_t au, as;
        char buf[64];

        isdsc_handle_format(0xffffe000a1b2c3d4ull, 0x40000137000000ffull, buf, sizeof(buf));
        ASSERT_STREQ(buf, "ffffe000a1b2c3d4-40000137000000ff");
        ASSERT_OK(isdsc_handle_parse(buf, &au, &as));
        ASSERT_TRUE(au == 0xffffe000a1b2c3d4ull);
        ASSERT_TRUE(as == 0x40000137000000ffull);
        ASSERT_OK(isdsc_handle_parse("0000000000000001-0000000000000000", &au, &as));
        ASSERT_TRUE(au == 1 && as == 0);
        ASSERT_ERR(isdsc_handle_parse("ffffe000a1b2c3d4-40000137000000f", &au, &as), VA_E_INVAL);
        ASSERT_ERR(isdsc_handle_parse("ffffe000a1b2c3d4-40000137000000ffx", &au, &as), VA_E_INVAL);
        ASSERT_ERR(isdsc_handle_parse("zfffe000a1b2c3d4-40000137000000ff", &au, &as), VA_E_INVAL);
        ASSERT_ERR(isdsc_handle_parse("ffffe000a1b2c3d4+40000137000000ff", &au, &as), VA_E_INVAL);
        ASSERT_ERR(isdsc_handle_parse("", &au, &as), VA_E_INVAL);
}

static int
count_names(const uint16_t *name, size_t len, void *ctx)
{
        (void)name;
        *(size_t *)ctx += len;
        return 0;
}

TEST(multisz)
{
        static const uint16_t list[] = { 'a', 'b', 0, 'c', 0, 0, 'z', 0 };
        static const uint16_t unterminated[] = { 'a', 'b', 'c' };
        size_t total = 0;

        ASSERT_OK(isdsc_multisz_each(list, 8, count_names, &total));
        ASSERT_EQ_INT(total, 3); /* stops at the empty string */
        total = 0;
        ASSERT_OK(isdsc_multisz_each(unterminated, 3, count_names, &total));
        ASSERT_EQ_INT(total, 3); /* never past the count */
}

TEST(growth)
{
        ASSERT_TRUE(isdsc_grow(100, 50) >= 200);
        ASSERT_TRUE(isdsc_grow(100, 1000) >= 1000);
        ASSERT_TRUE(isdsc_grow(0, 0) > 0);
}

HARNESS_MAIN()
