/* SPDX-License-Identifier: Apache-2.0 */
/* config_parse: the format, its bounds, and messages that name file, line
 * and key. */
#include <stdlib.h>
#include <string.h>

#include "cli/config.h"
#include "harness.h"

static int
parse(const char *text, struct config *c, char *why)
{
        return config_parse("v.conf", text, strlen(text), c, why, CONFIG_MESSAGE_MAX);
}

TEST(keys_sections_comments)
{
        struct config c;
        char why[CONFIG_MESSAGE_MAX];

        ASSERT_OK(parse("# a comment\n"
                        "\n"
                        "metadata = /var/lib/cloud/meta_data.json\n"
                        "  log-level=info  \n"
                        "\t# indented comment\n"
                        "[attach]\n"
                        "jobs =\t8\n"
                        "enforce-multipath = true\n"
                        "[watch]\n"
                        "jobs = 2\n"
                        "metadata-url = http://169.254.169.254/x # not a comment\n",
                        &c, why));
        ASSERT_EQ_INT(c.n, 6);
        ASSERT_TRUE(c.v[0].section == NULL);
        ASSERT_STREQ(c.v[0].key, "metadata");
        ASSERT_STREQ(c.v[0].value, "/var/lib/cloud/meta_data.json");
        ASSERT_EQ_INT(c.v[0].line, 3);
        ASSERT_STREQ(c.v[1].key, "log-level");
        ASSERT_STREQ(c.v[1].value, "info");
        ASSERT_STREQ(c.v[2].section, "attach");
        ASSERT_STREQ(c.v[2].value, "8");
        ASSERT_EQ_INT(c.v[2].line, 7);
        ASSERT_STREQ(c.v[3].value, "true");
        /* the same key in another section is another setting */
        ASSERT_STREQ(c.v[4].section, "watch");
        ASSERT_STREQ(c.v[4].key, "jobs");
        /* '#' starts comment lines only: a value keeps it */
        ASSERT_STREQ(c.v[5].value, "http://169.254.169.254/x # not a comment");
        config_free(&c);

        ASSERT_OK(parse("", &c, why));
        ASSERT_EQ_INT(c.n, 0);
        config_free(&c);
}

TEST(windows_files)
{
        struct config c;
        char why[CONFIG_MESSAGE_MAX];
        static const char text[] = "\xef\xbb\xbfstate-dir = C:\\ProgramData\\volattach\r\n"
                                   "[attach]\r\njobs = 4\r\n";

        ASSERT_OK(config_parse("v.conf", text, sizeof(text) - 1, &c, why, sizeof(why)));
        ASSERT_EQ_INT(c.n, 2);
        ASSERT_STREQ(c.v[0].key, "state-dir");
        ASSERT_STREQ(c.v[0].value, "C:\\ProgramData\\volattach");
        ASSERT_STREQ(c.v[1].value, "4");
        config_free(&c);
}

TEST(booleans)
{
        ASSERT_EQ_INT(config_bool("true"), 1);
        ASSERT_EQ_INT(config_bool("false"), 0);
        ASSERT_EQ_INT(config_bool("yes"), -1);
        ASSERT_EQ_INT(config_bool("True"), -1);
        ASSERT_EQ_INT(config_bool("1"), -1);
}

TEST(errors_name_file_line_key)
{
        static const struct {
                const char *text, *why;
        } bad[] = {
                { "jobs 4\n", "v.conf:1: key 'jobs': no '='" },
                { "\njobs =\n", "v.conf:2: key 'jobs': no value" },
                { "jobs = 4\n# x\njobs = 5\n",
                  "v.conf:3: key 'jobs': given again (first on line 1)" },
                { "[attach]\njobs = 4\n[attach]\njobs = 5\n", "v.conf:4: key 'jobs': given again" },
                { "Jobs = 4\n", "v.conf:1: expected 'key = value'" },
                { "--jobs = 4\n", "v.conf:1: expected 'key = value'" },
                { "= 4\n", "v.conf:1: expected 'key = value'" },
                { "jo bs = 4\n", "v.conf:1: expected 'key = value'" },
                { "[Attach]\n", "v.conf:1: a section is '[command]'" },
                { "[attach\n", "v.conf:1: a section is" },
                { "[]\n", "v.conf:1: a section is" },
                { "[ attach ]\n", "v.conf:1: a section is" },
                { "a = 1\nb = x\x01y\n", "v.conf:2: a control character (byte 0x01)" },
                { "a = 1\rb = 2\n", "v.conf:1: a control character (byte 0x0d)" },
                { "a = \x7f\n", "v.conf:1: a control character (byte 0x7f)" },
        };
        size_t i;

        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct config c;
                char why[CONFIG_MESSAGE_MAX];

                ASSERT_EQ_INT(parse(bad[i].text, &c, why), -1);
                ASSERT_CONTAINS(why, bad[i].why);
                ASSERT_TRUE(c.n == 0 && c.v == NULL && c.text == NULL);
        }
}

TEST(nul_byte)
{
        struct config c;
        char why[CONFIG_MESSAGE_MAX];

        ASSERT_EQ_INT(config_parse("v.conf", "a = 1\0b", 7, &c, why, sizeof(why)), -1);
        ASSERT_CONTAINS(why, "v.conf:1: a control character (byte 0x00)");
}

TEST(bounds)
{
        struct config c;
        char why[CONFIG_MESSAGE_MAX];
        size_t big = CONFIG_MAX_BYTES + 1, i;
        char *text = malloc(big + 1);
        char key[CONFIG_NAME_MAX + 4];

        ASSERT_TRUE(text != NULL);
        /* exactly the limits are fine: 1024 lines, 64 KiB */
        for (i = 0; i < CONFIG_MAX_LINES; i++)
                memcpy(text + 2 * i, "#\n", 2);
        ASSERT_OK(config_parse("v.conf", text, 2 * CONFIG_MAX_LINES, &c, why, sizeof(why)));
        config_free(&c);
        memcpy(text + 2 * CONFIG_MAX_LINES, "#", 1);
        ASSERT_EQ_INT(config_parse("v.conf", text, 2 * CONFIG_MAX_LINES + 1, &c, why, sizeof(why)),
                      -1);
        ASSERT_CONTAINS(why, "v.conf: more than 1024 lines");

        memset(text, '#', big);
        ASSERT_OK(config_parse("v.conf", text, CONFIG_MAX_BYTES, &c, why, sizeof(why)));
        config_free(&c);
        ASSERT_EQ_INT(config_parse("v.conf", text, big, &c, why, sizeof(why)), -1);
        ASSERT_CONTAINS(why, "v.conf: larger than 65536 bytes");
        free(text);

        /* a key of CONFIG_NAME_MAX characters, then one more */
        memset(key, 'a', sizeof(key));
        memcpy(key + CONFIG_NAME_MAX, "=1", 3);
        ASSERT_OK(parse(key, &c, why));
        config_free(&c);
        memset(key, 'a', sizeof(key));
        memcpy(key + CONFIG_NAME_MAX + 1, "=1", 3);
        ASSERT_EQ_INT(parse(key, &c, why), -1);
}

HARNESS_MAIN()
