/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the configuration file parser. What it accepts must
 * hold the format's promises: names a key can have, non-empty values with
 * no control byte, line numbers in order. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
name_check(const char *s)
{
        size_t i, n = strlen(s);

        if (n == 0 || n > CONFIG_NAME_MAX || s[0] < 'a' || s[0] > 'z')
                abort();
        for (i = 0; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
                        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct config c;
        char why[CONFIG_MESSAGE_MAX];
        unsigned last = 0;
        size_t i, k;

        if (config_parse("fuzz.conf", (const char *)data, size, &c, why, sizeof(why)) < 0) {
                if (strncmp(why, "fuzz.conf", 9) != 0)
                        abort(); /* every message names the file */
                return 0;
        }
        for (i = 0; i < c.n; i++) {
                const struct config_entry *e = &c.v[i];

                name_check(e->key);
                if (e->section != NULL)
                        name_check(e->section);
                if (e->value[0] == '\0' || e->value[0] == ' ' || e->line <= last ||
                    e->line > CONFIG_MAX_LINES)
                        abort();
                for (k = 0; e->value[k] != '\0'; k++)
                        if ((unsigned char)e->value[k] < 0x20 && e->value[k] != '\t')
                                abort();
                last = e->line;
                (void)config_bool(e->value);
        }
        config_free(&c);
        return 0;
}
