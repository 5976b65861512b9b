/* SPDX-License-Identifier: Apache-2.0 */
/* iSCSI name validation (RFC 3720 3.2.6, RFC 3722, RFC 3980). */
#include "core/iscsiname.h"
#include "harness.h"

static int
check(const char *s, unsigned *flags)
{
        struct va_err e;

        va_err_clear(&e);
        return iscsi_name_check(s, flags, &e);
}

TEST(valid_names)
{
        unsigned f;

        ASSERT_EQ_INT(check("iqn.2018-01.com.example:target", &f), ISCSI_NAME_IQN);
        ASSERT_EQ_INT(f, 0);
        ASSERT_EQ_INT(check("iqn.1994-05.com.redhat:f7897073402d", NULL), ISCSI_NAME_IQN);
        ASSERT_EQ_INT(check("iqn.2001-04.com.example:storage:diskarrays-sn-a8675309", NULL),
                      ISCSI_NAME_IQN);
        ASSERT_EQ_INT(
            check("iqn.2010-10.org.openstack:volume-5d30b37e-d113-49e1-b991-16b9d7d33d3e", NULL),
            ISCSI_NAME_IQN);
        ASSERT_EQ_INT(check("iqn.2004-10.org.example", NULL), ISCSI_NAME_IQN);
        ASSERT_EQ_INT(check("eui.02004567A425678D", NULL), ISCSI_NAME_EUI);
        ASSERT_EQ_INT(check("naa.52004567BA64678D", NULL), ISCSI_NAME_NAA);
        ASSERT_EQ_INT(check("naa.62004567BA64678D0123456789ABCDEF", NULL), ISCSI_NAME_NAA);
        ASSERT_EQ_INT(check("iqn.2018-01.com.Example:Target", &f), ISCSI_NAME_IQN);
        ASSERT_TRUE(f & ISCSI_NAME_HAS_UPPER);
}

TEST(invalid_names)
{
        static const char *const bad[] = {
                "",
                "iqn.",
                "iqn.2018-01",
                "iqn.2018-01.",
                "iqn.2018-13.com.example",
                "iqn.2018-00.com.example",
                "iqn.18-01.com.example",
                "iqn.2018-01.:x",
                "iqn.2018-01.com.example:has space",
                "iqn.2018-01.com.example:under_score",
                "iqn.2018-01.com.example:slash/x",
                "iqn.2018-01.com.example:semi;colon",
                "iqn.2018-01.com.example:at@x",
                "iqn.2018-01.com.example:$dollar",
                "iqn.2018-01.com.example:nl\nx",
                "iqn.2018-01.com.example:caf\xc3\xa9",
                "eui.0200456",
                "eui.02004567A425678DX",
                "eui.02004567A425678G",
                "naa.1234",
                "naa.52004567BA64678D01",
                "foo.2018-01.com.example",
                "2018-01.com.example",
        };
        size_t i;

        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                if (check(bad[i], NULL) != -VA_E_INVAL)
                        HARNESS_FAIL("'%s' was accepted", bad[i]);
}

TEST(length_limit)
{
        char name[300];
        size_t i;

        memcpy(name, "iqn.2018-01.com.example:", 24);
        for (i = 24; i < 223; i++)
                name[i] = 'a';
        name[223] = '\0';
        ASSERT_EQ_INT(check(name, NULL), ISCSI_NAME_IQN);
        name[223] = 'a';
        name[224] = '\0';
        ASSERT_ERR(check(name, NULL), VA_E_INVAL);
}

HARNESS_MAIN()
