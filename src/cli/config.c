/* SPDX-License-Identifier: Apache-2.0 */
/* The configuration file's parser: bounded (CONFIG_MAX_BYTES,
 * CONFIG_MAX_LINES), strict about names, and keeping each entry's line so
 * that every later complaint can name file, line and key. */
#include "cli/config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

static int fail(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(VA_PRINTF_FORMAT, 3, 4)));

static int
fail(char *why, size_t whylen, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        (void)vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
        return -1;
}

static int
is_blank(char ch)
{
        return ch == ' ' || ch == '\t';
}

/* Keys and sections are option and command names: lower case, digits and
 * '-', starting with a letter. Nothing else can match one, so anything
 * else is a typo worth naming (and safe to print). */
static int
name_ok(const char *s, size_t n)
{
        size_t i;

        if (n == 0 || n > CONFIG_NAME_MAX || s[0] < 'a' || s[0] > 'z')
                return 0;
        for (i = 0; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
                        return 0;
        return 1;
}

int
config_bool(const char *value)
{
        if (strcmp(value, "true") == 0)
                return 1;
        if (strcmp(value, "false") == 0)
                return 0;
        return -1;
}

static int
same_section(const char *a, const char *b)
{
        return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* One line, NUL-terminated in place (s[n] is writable). */
static int
line_parse(const char *name, unsigned lineno, char *s, size_t n, const char **section,
           unsigned *section_line, struct config *c, char *why, size_t whylen)
{
        struct config_entry *e;
        char *key, *eq, *val;
        size_t i, klen, vlen;

        for (i = 0; i < n; i++)
                if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
                        return fail(why, whylen, "%s:%u: a control character (byte 0x%02x)", name,
                                    lineno, (unsigned char)s[i]);
        while (n > 0 && is_blank(s[n - 1]))
                n--;
        s[n] = '\0';
        while (is_blank(*s)) {
                s++;
                n--;
        }
        if (n == 0 || s[0] == '#')
                return 0;
        if (s[0] == '[') {
                if (s[n - 1] != ']' || !name_ok(s + 1, n - 2))
                        return fail(why, whylen,
                                    "%s:%u: a section is '[command]' with a command name "
                                    "(lower case letters, digits, '-')",
                                    name, lineno);
                s[n - 1] = '\0';
                *section = s + 1;
                *section_line = lineno;
                return 0;
        }
        eq = strchr(s, '=');
        key = s;
        if (eq != NULL) {
                klen = (size_t)(eq - s);
                while (klen > 0 && is_blank(key[klen - 1]))
                        klen--;
        } else {
                /* "jobs 4": name the key that lacks its '=' */
                for (klen = 0; klen < n && !is_blank(key[klen]); klen++)
                        ;
        }
        if (!name_ok(key, klen))
                return fail(why, whylen,
                            "%s:%u: expected 'key = value' with a key that is an option's name "
                            "without '--' (lower case letters, digits, '-')",
                            name, lineno);
        key[klen] = '\0';
        if (eq == NULL)
                return fail(why, whylen,
                            "%s:%u: key '%s': no '=' (booleans are written "
                            "'%s = true')",
                            name, lineno, key, key);
        val = eq + 1;
        while (is_blank(*val))
                val++;
        vlen = strlen(val);
        if (vlen == 0)
                return fail(why, whylen, "%s:%u: key '%s': no value after '='", name, lineno, key);
        for (i = 0; i < c->n && strcmp(key, CONFIG_REPEATABLE) != 0; i++)
                if (same_section(c->v[i].section, *section) && strcmp(c->v[i].key, key) == 0)
                        return fail(why, whylen, "%s:%u: key '%s': given again (first on line %u)",
                                    name, lineno, key, c->v[i].line);
        e = &c->v[c->n++];
        e->section = *section;
        e->key = key;
        e->value = val;
        e->line = lineno;
        e->section_line = *section_line;
        return 0;
}

int
config_parse(const char *name, const char *text, size_t len, struct config *ret, char *why,
             size_t whylen)
{
        struct config c = { 0 };
        const char *section = NULL;
        size_t pos = 0, lines = 1, i;
        unsigned lineno = 0, section_line = 0;

        memset(ret, 0, sizeof(*ret));
        if (len > CONFIG_MAX_BYTES)
                return fail(why, whylen, "%s: larger than %u bytes", name, CONFIG_MAX_BYTES);
        for (i = 0; i < len; i++)
                if (text[i] == '\n')
                        lines++;
        if (len > 0 && text[len - 1] == '\n')
                lines--;
        if (lines > CONFIG_MAX_LINES)
                return fail(why, whylen, "%s: more than %u lines", name, CONFIG_MAX_LINES);
        c.text = malloc(len + 1);
        c.v = calloc(lines + 1, sizeof(*c.v));
        if (c.text == NULL || c.v == NULL) {
                config_free(&c);
                return fail(why, whylen, "%s: out of memory", name);
        }
        memcpy(c.text, text, len);
        c.text[len] = '\0';
        /* Notepad writes a byte-order mark in front of UTF-8 */
        if (len >= 3 && memcmp(c.text, "\xef\xbb\xbf", 3) == 0)
                pos = 3;
        while (pos < len) {
                char *s = c.text + pos, *nl = memchr(s, '\n', len - pos);
                size_t n = nl != NULL ? (size_t)(nl - s) : len - pos;

                pos += n + (nl != NULL);
                lineno++;
                /* CRLF, as Windows editors write it */
                if (n > 0 && s[n - 1] == '\r')
                        n--;
                if (line_parse(name, lineno, s, n, &section, &section_line, &c, why, whylen) < 0) {
                        config_free(&c);
                        return -1;
                }
        }
        *ret = c;
        return 0;
}

void
config_free(struct config *c)
{
        free(c->text);
        free(c->v);
        memset(c, 0, sizeof(*c));
}
