/* SPDX-License-Identifier: Apache-2.0 */
/* The index file names behind /dev/disk/by-volume-id: what 65-volattach.rules
 * builds from udev's properties, and nothing that could name another file
 * (the identity comes from the target's VPD pages). */
#include <string.h>

#include "backend/byvolid.h"
#include "harness.h"

TEST(key_is_the_rules_file_name)
{
        char k[256];

        ASSERT_OK(byvolid_key(0, "36001405a5b8e4b2c2a7f4b8f6c1d0e9f", k, sizeof(k)));
        ASSERT_STREQ(k, "disk-36001405a5b8e4b2c2a7f4b8f6c1d0e9f");
        /* a map: DM_UUID as it is */
        ASSERT_OK(byvolid_key(1, "mpath-36001405a5b8e4b2c2a7f4b8f6c1d0e9f", k, sizeof(k)));
        ASSERT_STREQ(k, "mpath-36001405a5b8e4b2c2a7f4b8f6c1d0e9f");
        /* scsi_id's T10 form keeps udev's allowed punctuation */
        ASSERT_OK(byvolid_key(0, "1LIO-ORG_lab:x@y#z+w=v.u", k, sizeof(k)));
}

TEST(key_refuses_what_could_name_another_file)
{
        char k[256], big[300];

        ASSERT_TRUE(byvolid_key(0, "", k, sizeof(k)) < 0);
        ASSERT_TRUE(byvolid_key(0, "../../etc/shadow", k, sizeof(k)) < 0);
        ASSERT_TRUE(byvolid_key(0, "a/b", k, sizeof(k)) < 0);
        ASSERT_TRUE(byvolid_key(0, ".hidden", k, sizeof(k)) < 0);
        ASSERT_TRUE(byvolid_key(0, "with space", k, sizeof(k)) < 0);
        ASSERT_TRUE(byvolid_key(0, "new\nline", k, sizeof(k)) < 0);
        /* a dm device that is not a multipath map (LVM, crypt) */
        ASSERT_TRUE(byvolid_key(1, "LVM-abc", k, sizeof(k)) < 0);
        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        ASSERT_TRUE(byvolid_key(0, big, k, sizeof(k)) < 0);
        /* never cut to fit */
        ASSERT_TRUE(byvolid_key(0, "3600140", k, 8) < 0);
}

HARNESS_MAIN()
