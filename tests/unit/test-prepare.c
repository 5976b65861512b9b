/* SPDX-License-Identifier: Apache-2.0 */
/* --prepare's policy: the spec grammar and its errors, per-volume entries
 * over the default, the make/mount/refuse decision, systemd's unit name
 * escaping (checked against systemd-escape's answers) and the unit text. */
#include <stdio.h>
#include <string.h>

#include "core/prepare.h"
#include "harness.h"

#define ID1 "11111111-2222-3333-4444-555555555555"
#define ID2 "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"

static int
add(struct prepare_config *cfg, const char *v, char *msg, size_t len)
{
        struct va_err err;
        int r;

        va_err_clear(&err);
        r = prepare_config_add(cfg, "--prepare", v, &err);
        (void)snprintf(msg, len, "%s", err.msg);
        return r;
}

static int
check(struct prepare_config *cfg, const char *fs, char *msg, size_t len)
{
        struct va_err err;
        int r;

        va_err_clear(&err);
        r = prepare_config_check(cfg, "--prepare", "testini", fs, &err);
        (void)snprintf(msg, len, "%s", err.msg);
        return r;
}

TEST(spec_valid)
{
        struct prepare_config cfg = { 0 };
        char m[VA_ERR_MSG_MAX];

        ASSERT_OK(add(&cfg, "gpt+ext4,mount=/srv/data", m, sizeof(m)));
        ASSERT_OK(add(&cfg, ID1 "=gpt+xfs,mount=/srv/x", m, sizeof(m)));
        ASSERT_OK(
            add(&cfg, "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE=gpt+ntfs,letter=e", m, sizeof(m)));
        ASSERT_EQ_INT((int)cfg.n, 3);
        ASSERT_EQ_INT(cfg.v[0].spec.fs, PREPARE_FS_EXT4);
        ASSERT_STREQ(cfg.v[0].spec.mount, "/srv/data");
        ASSERT_STREQ(cfg.v[0].volume_id, "");
        ASSERT_STREQ(cfg.v[1].volume_id, ID1);
        ASSERT_EQ_INT(cfg.v[1].spec.fs, PREPARE_FS_XFS);
        ASSERT_STREQ(cfg.v[2].volume_id, ID2); /* folded to lower case */
        ASSERT_EQ_INT(cfg.v[2].spec.letter, 'E');
        prepare_config_free(&cfg);
}

TEST(spec_errors_name_option_and_field)
{
        static const struct {
                const char *value, *says;
        } bad[] = {
                { "ext4", "layout" },
                { "mbr+ext4", "layout" },
                { "gpt+btrfs", "filesystem \"btrfs\"" },
                { "gpt+ext4,mount", "field \"mount\": expected KEY=VALUE" },
                { "gpt+ext4,size=1G", "field \"size\": unknown" },
                { "gpt+ext4,mount=", "field mount: empty" },
                { "gpt+ext4,mount=/a,mount=/b", "field mount: given twice" },
                { "gpt+ntfs,letter=E,mount=C:\\x", "field mount: given twice, or with letter" },
                { "gpt+ntfs,letter=EF", "field letter" },
                { "gpt+ntfs,letter=C", "field letter: C" },
                { "gpt+ntfs,letter=1", "field letter" },
                { "1234=gpt+ext4", "volume id \"1234\"" },
                { ID1 "=ext4", "layout" },
        };
        size_t i;

        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct prepare_config cfg = { 0 };
                char m[VA_ERR_MSG_MAX];

                ASSERT_ERR(add(&cfg, bad[i].value, m, sizeof(m)), VA_E_INVAL);
                ASSERT_CONTAINS(m, "--prepare");
                ASSERT_CONTAINS(m, bad[i].says);
                ASSERT_EQ_INT((int)cfg.n, 0);
                prepare_config_free(&cfg);
        }
}

TEST(duplicates_refused)
{
        struct prepare_config cfg = { 0 };
        char m[VA_ERR_MSG_MAX];

        ASSERT_OK(add(&cfg, "gpt+ext4,mount=/a", m, sizeof(m)));
        ASSERT_ERR(add(&cfg, "gpt+ext4,mount=/b", m, sizeof(m)), VA_E_INVAL);
        ASSERT_CONTAINS(m, "the default already has");
        ASSERT_OK(add(&cfg, ID1 "=gpt+ext4,mount=/c", m, sizeof(m)));
        ASSERT_ERR(add(&cfg, ID1 "=gpt+ext4,mount=/d", m, sizeof(m)), VA_E_INVAL);
        ASSERT_CONTAINS(m, "volume " ID1 " already has");
        prepare_config_free(&cfg);
}

TEST(per_volume_beats_default)
{
        struct prepare_config cfg = { 0 };
        char m[VA_ERR_MSG_MAX];

        ASSERT_TRUE(prepare_config_find(&cfg, ID1) == NULL); /* off unless asked for */
        ASSERT_OK(add(&cfg, ID1 "=gpt+ext4,mount=/one", m, sizeof(m)));
        ASSERT_TRUE(prepare_config_find(&cfg, ID2) == NULL);
        ASSERT_OK(add(&cfg, "gpt+ext4,mount=/all", m, sizeof(m)));
        ASSERT_STREQ(prepare_config_find(&cfg, ID1)->mount, "/one");
        ASSERT_STREQ(prepare_config_find(&cfg, "11111111-2222-3333-4444-555555555555")->mount,
                     "/one");
        ASSERT_STREQ(prepare_config_find(&cfg, ID2)->mount, "/all");
        prepare_config_free(&cfg);
}

TEST(check_against_backend)
{
        static const struct {
                const char *value, *fs, *says; /* says NULL: accepted */
        } c[] = {
                { "gpt+ext4,mount=/srv/data", "ext4 xfs", NULL },
                { "gpt+ext4", "ext4 xfs", NULL },
                { "gpt+xfs,mount=/srv/x", "ext4 xfs", NULL },
                { "gpt+ntfs,letter=E", "ntfs", NULL },
                { "gpt+ntfs,mount=D:\\data\\db", "ntfs", NULL },
                { "gpt+ntfs,letter=E", "ext4 xfs", "filesystem ntfs: this initiator (testini)" },
                { "gpt+ext4,mount=/srv", "ntfs", "filesystem ext4" },
                { "gpt+ext4,mount=/srv", NULL, "cannot prepare disks" },
                { "gpt+ext4,mount=srv", "ext4", "field mount: \"srv\": must be an absolute" },
                { "gpt+ext4,mount=/srv//x", "ext4", "field mount" },
                { "gpt+ext4,mount=/srv/", "ext4", "trailing" },
                { "gpt+ext4,mount=/srv/../etc", "ext4", "'..'" },
                { "gpt+ext4,mount=/srv/./x", "ext4", "'.'" },
                { "gpt+ext4,mount=/srv/a b", "ext4", "0x20" },
                { "gpt+ext4,mount=/etc", "ext4", "holds the system" },
                { "gpt+ext4,mount=/", "ext4", "holds the system" },
                { "gpt+ext4,letter=E", "ext4", "field letter: only for ntfs" },
                { "gpt+ntfs,mount=/srv", "ntfs", "like C:\\data" },
                { "gpt+ntfs,mount=D:\\a\\\\b", "ntfs", "empty component" },
                { "gpt+ntfs,mount=D:\\a.", "ntfs", "ends in" },
                { "gpt+ntfs,mount=D:\\a|b", "ntfs", "0x7c" },
        };
        size_t i;

        for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
                struct prepare_config cfg = { 0 };
                char m[VA_ERR_MSG_MAX];

                ASSERT_OK(add(&cfg, c[i].value, m, sizeof(m)));
                if (c[i].says == NULL) {
                        ASSERT_OK(check(&cfg, c[i].fs, m, sizeof(m)));
                } else {
                        ASSERT_TRUE(check(&cfg, c[i].fs, m, sizeof(m)) < 0);
                        ASSERT_CONTAINS(m, "--prepare");
                        ASSERT_CONTAINS(m, c[i].says);
                }
                prepare_config_free(&cfg);
        }
}

static struct prepare_probe
blank(void)
{
        struct prepare_probe p;

        memset(&p, 0, sizeof(p));
        p.readable = 1;
        p.zero = 1;
        return p;
}

static struct prepare_probe
ours(const char *uuid)
{
        struct prepare_probe p = blank();

        p.zero = 0;
        p.signatures = 2;
        (void)snprintf(p.what, sizeof(p.what), "a gpt partition table");
        (void)snprintf(p.pttype, sizeof(p.pttype), "gpt");
        p.nparts = 1;
        (void)snprintf(p.part_fs, sizeof(p.part_fs), "ext4");
        (void)snprintf(p.part_uuid, sizeof(p.part_uuid), "%s", uuid);
        (void)snprintf(p.part_label, sizeof(p.part_label), "%s", PREPARE_LABEL);
        return p;
}

static enum prepare_action
decide(const struct prepare_probe *p, const char *recorded, int ro, int in_use, char *why,
       size_t len)
{
        struct prepare_config cfg = { 0 };
        struct prepare_request rq;
        enum prepare_action a;
        char m[VA_ERR_MSG_MAX];

        why[0] = '\0';
        (void)add(&cfg, "gpt+ext4,mount=/srv/data", m, sizeof(m));
        memset(&rq, 0, sizeof(rq));
        rq.volume_id = ID1;
        rq.spec = &cfg.v[0].spec;
        rq.recorded_uuid = recorded;
        rq.read_only = ro;
        rq.in_use = in_use;
        rq.in_use_why = "mounted on /x";
        a = prepare_decide(p, &rq, why, len);
        prepare_config_free(&cfg);
        return a;
}

TEST(decide)
{
        struct prepare_probe p = blank();
        const char *u = "0f0e0d0c-0b0a-4908-8706-050403020100";
        char why[256];

        ASSERT_EQ_INT(decide(&p, "", 0, 0, why, sizeof(why)), PREPARE_MAKE);
        /* read-only, in use, unreadable: never made */
        ASSERT_EQ_INT(decide(&p, "", 1, 0, why, sizeof(why)), PREPARE_REFUSE);
        ASSERT_CONTAINS(why, "read-only");
        ASSERT_EQ_INT(decide(&p, "", 0, 1, why, sizeof(why)), PREPARE_REFUSE);
        ASSERT_CONTAINS(why, "in use: mounted on /x");
        p.readable = 0;
        ASSERT_EQ_INT(decide(&p, "", 0, 0, why, sizeof(why)), PREPARE_REFUSE);
        ASSERT_CONTAINS(why, "could not be read");
        /* no signature, but bytes: refused */
        p = blank();
        p.zero = 0;
        ASSERT_EQ_INT(decide(&p, "", 0, 0, why, sizeof(why)), PREPARE_REFUSE);
        ASSERT_CONTAINS(why, "non-zero");
        /* a signature, zero edges (a filesystem in the middle): refused */
        p = blank();
        p.signatures = 1;
        (void)snprintf(p.what, sizeof(p.what), "a ext4 filesystem (filesystem at byte 1049656)");
        ASSERT_EQ_INT(decide(&p, "", 0, 0, why, sizeof(why)), PREPARE_REFUSE);
        ASSERT_CONTAINS(why, "ext4");
        /* ours: mounted only, in use or not */
        p = ours(u);
        ASSERT_EQ_INT(decide(&p, u, 0, 0, why, sizeof(why)), PREPARE_MOUNT);
        ASSERT_EQ_INT(decide(&p, u, 0, 1, why, sizeof(why)), PREPARE_MOUNT);
        ASSERT_EQ_INT(decide(&p, "0F0E0D0C-0B0A-4908-8706-050403020100", 0, 0, why, sizeof(why)),
                      PREPARE_MOUNT);
        /* ours in every way but the record: refused */
        ASSERT_EQ_INT(decide(&p, "", 0, 0, why, sizeof(why)), PREPARE_REFUSE);
        ASSERT_CONTAINS(why, "gpt");
        ASSERT_EQ_INT(decide(&p, "0f0e0d0c-0b0a-4908-8706-000000000000", 0, 0, why, sizeof(why)),
                      PREPARE_REFUSE);
        ASSERT_CONTAINS(why, "not the ext4 filesystem 0f0e0d0c-0b0a-4908-8706-000000000000");
        /* each of label, fs, partition count, table type wrong: refused */
        p = ours(u);
        (void)snprintf(p.part_label, sizeof(p.part_label), "data");
        ASSERT_EQ_INT(decide(&p, u, 0, 0, why, sizeof(why)), PREPARE_REFUSE);
        p = ours(u);
        (void)snprintf(p.part_fs, sizeof(p.part_fs), "xfs");
        ASSERT_EQ_INT(decide(&p, u, 0, 0, why, sizeof(why)), PREPARE_REFUSE);
        p = ours(u);
        p.nparts = 2;
        ASSERT_EQ_INT(decide(&p, u, 0, 0, why, sizeof(why)), PREPARE_REFUSE);
        p = ours(u);
        (void)snprintf(p.pttype, sizeof(p.pttype), "dos");
        ASSERT_EQ_INT(decide(&p, u, 0, 0, why, sizeof(why)), PREPARE_REFUSE);
        /* read-only wins over ours */
        p = ours(u);
        ASSERT_EQ_INT(decide(&p, u, 1, 0, why, sizeof(why)), PREPARE_REFUSE);
}

TEST(unit_name_is_systemd_escape)
{
        /* `systemd-escape --path --suffix=mount PATH` (systemd 252) */
        static const struct {
                const char *path, *unit;
        } c[] = {
                { "/srv/data", "srv-data.mount" },
                { "/srv/my-data", "srv-my\\x2ddata.mount" },
                { "/mnt/a.b/c_d:e", "mnt-a.b-c_d:e.mount" },
                { "/srv/.hidden", "srv-.hidden.mount" },
                { "/.x", "\\x2ex.mount" },
                { "/srv/a+b@c", "srv-a\\x2bb\\x40c.mount" },
                { "/data", "data.mount" },
        };
        size_t i;
        char buf[300];

        for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
                ASSERT_OK(prepare_unit_name(c[i].path, buf, sizeof(buf)));
                ASSERT_STREQ(buf, c[i].unit);
        }
        ASSERT_TRUE(prepare_unit_name("/", buf, sizeof(buf)) < 0);
        ASSERT_TRUE(prepare_unit_name("/srv/data", buf, 8) < 0);
}

TEST(unit_text)
{
        struct prepare_config cfg = { 0 };
        char m[VA_ERR_MSG_MAX], text[2048];

        ASSERT_OK(add(&cfg, "gpt+ext4,mount=/srv/data", m, sizeof(m)));
        ASSERT_OK(prepare_unit_text(ID1, &cfg.v[0].spec, "0f0e0d0c-0b0a-4908-8706-050403020100",
                                    text, sizeof(text)));
        ASSERT_CONTAINS(text, "What=/dev/disk/by-uuid/0f0e0d0c-0b0a-4908-8706-050403020100\n");
        ASSERT_CONTAINS(text, "Where=/srv/data\n");
        ASSERT_CONTAINS(text, "Type=ext4\n");
        ASSERT_CONTAINS(text, "Options=_netdev,nofail,x-systemd.requires=volattach.service\n");
        ASSERT_CONTAINS(text, "Requires=volattach.service\nAfter=volattach.service\n");
        ASSERT_CONTAINS(text, "WantedBy=remote-fs.target\n");
        ASSERT_CONTAINS(text, ID1);
        ASSERT_TRUE(prepare_unit_text(ID1, &cfg.v[0].spec, "x", text, 100) < 0);
        prepare_config_free(&cfg);
}

HARNESS_MAIN()
