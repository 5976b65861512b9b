/* SPDX-License-Identifier: Apache-2.0 */
/* The configuration file (volattach.conf(5) in docs, the format in the
 * README): `key = value` lines, `#` comment lines, optional `[command]`
 * sections. This module only parses, with bounds; cli.c decides what each
 * key means, so the file and the command line cannot disagree. */
#ifndef VOLATTACH_CLI_CONFIG_H
#define VOLATTACH_CLI_CONFIG_H

#include <stddef.h>

#define CONFIG_MAX_BYTES   (64u * 1024u)
#define CONFIG_MAX_LINES   1024u
#define CONFIG_NAME_MAX    63u /* a key or a section name */
#define CONFIG_MESSAGE_MAX 512u
/* Keys that may come more than once in a section, as their option may on
 * the command line (one list per run). */
#define CONFIG_REPEATABLE "prepare"

struct config_entry {
        const char *section;   /* NULL: before any section, for every command */
        const char *key;       /* an option's long name without "--" */
        const char *value;     /* trimmed; never empty */
        unsigned line;         /* 1-based, for messages */
        unsigned section_line; /* where its section began */
};

struct config {
        char *text; /* the file's bytes, cut into the strings above */
        struct config_entry *v;
        size_t n;
};

/* Parses len bytes of text (not NUL-terminated necessarily) from the file
 * called name. 0 and *ret filled (free with config_free), or -1 with the
 * reason in why: "NAME:LINE: key 'jobs': ..." (naming the line and, where
 * there is one, the key). */
int config_parse(const char *name, const char *text, size_t len, struct config *ret, char *why,
                 size_t whylen);
void config_free(struct config *c);

/* "true" -> 1, "false" -> 0, anything else -1. */
int config_bool(const char *value);

#endif
