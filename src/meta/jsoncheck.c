/* SPDX-License-Identifier: Apache-2.0 */
/* Raw-byte checks before cJSON parses a metadata document. */
#include "meta/jsoncheck.h"

#include "base/hex.h"

void
json_position(const char *buf, size_t len, size_t off, unsigned long *line, unsigned long *col)
{
        size_t i;

        *line = 1;
        *col = 1;
        for (i = 0; i < off && i < len; i++) {
                if (buf[i] == '\n') {
                        (*line)++;
                        *col = 1;
                } else {
                        (*col)++;
                }
        }
}

static int
fail_at(const char *buf, size_t len, size_t off, struct va_err *err, const char *why)
{
        unsigned long line, col;

        json_position(buf, len, off, &line, &col);
        return va_err_set(err, VA_E_PARSE, "line %lu column %lu (byte %zu): %s", line, col, off,
                          why);
}

/* Length of the UTF-8 sequence at p (RFC 3629: no overlongs, no encoded
 * surrogates, nothing above U+10FFFF), or 0 if invalid. */
static size_t
utf8_seq(const unsigned char *p, size_t avail)
{
        unsigned char c = p[0];

        if (c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf)
                return avail >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
        if (c >= 0xe0 && c <= 0xef) {
                if (avail < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
                        return 0;
                if (c == 0xe0 && p[1] < 0xa0)
                        return 0; /* overlong */
                if (c == 0xed && p[1] >= 0xa0)
                        return 0; /* UTF-16 surrogate */
                return 3;
        }
        if (c >= 0xf0 && c <= 0xf4) {
                if (avail < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
                    (p[3] & 0xc0) != 0x80)
                        return 0;
                if (c == 0xf0 && p[1] < 0x90)
                        return 0;
                if (c == 0xf4 && p[1] >= 0x90)
                        return 0;
                return 4;
        }
        return 0;
}

static int
hex4(const unsigned char *p, unsigned *out)
{
        uint64_t v;

        if (hex_parse_fixed((const char *)p, 4, &v) < 0)
                return -1;
        *out = (unsigned)v;
        return 0;
}

static int
is_digit(unsigned char c)
{
        return c >= '0' && c <= '9';
}

/* Length of the number at p per RFC 8259 6, or 0 when it breaks the
 * grammar:  -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
 * cJSON hands numbers to strtod, which takes "012", "1." and "1e" too. */
static size_t
number_len(const unsigned char *p, size_t avail)
{
        size_t i = 0;

        if (i < avail && p[i] == '-')
                i++;
        if (i >= avail || !is_digit(p[i]))
                return 0;
        if (p[i] == '0') {
                i++;
        } else {
                while (i < avail && is_digit(p[i]))
                        i++;
        }
        if (i < avail && p[i] == '.') {
                if (++i >= avail || !is_digit(p[i]))
                        return 0;
                while (i < avail && is_digit(p[i]))
                        i++;
        }
        if (i < avail && (p[i] == 'e' || p[i] == 'E')) {
                i++;
                if (i < avail && (p[i] == '+' || p[i] == '-'))
                        i++;
                if (i >= avail || !is_digit(p[i]))
                        return 0;
                while (i < avail && is_digit(p[i]))
                        i++;
        }
        /* "012" stops after the "0": what follows must not continue it */
        if (i < avail && (is_digit(p[i]) || p[i] == '.' || p[i] == 'e' || p[i] == 'E' ||
                          p[i] == '+' || p[i] == '-'))
                return 0;
        return i;
}

int
jsoncheck(const char *buf, size_t len, struct va_err *err)
{
        return jsoncheck_numbers(buf, len, err, NULL, NULL);
}

int
jsoncheck_numbers(const char *buf, size_t len, struct va_err *err,
                  void (*on_number)(size_t off, size_t n, void *ctx), void *ctx)
{
        const unsigned char *p = (const unsigned char *)buf;
        size_t i = 0, depth = 0;
        int in_string = 0;

        if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
                return fail_at(buf, len, 0, err, "byte order mark is not allowed in JSON");
        while (i < len) {
                unsigned char c = p[i];
                size_t n;

                if (c == 0)
                        return fail_at(buf, len, i, err, "NUL byte in document");
                if (c >= 0x80) {
                        n = utf8_seq(p + i, len - i);
                        if (n == 0)
                                return fail_at(buf, len, i, err, "invalid UTF-8");
                        if (!in_string)
                                return fail_at(buf, len, i, err, "non-ASCII byte outside a string");
                        i += n;
                        continue;
                }
                if (!in_string) {
                        if (c < 0x20 && c != ' ' && c != '\t' && c != '\n' && c != '\r')
                                return fail_at(buf, len, i, err,
                                               "control character between tokens (only space, "
                                               "tab, CR and LF are whitespace in JSON)");
                        if (c == '-' || is_digit(c)) {
                                n = number_len(p + i, len - i);
                                if (n == 0)
                                        return fail_at(buf, len, i, err,
                                                       "malformed number (RFC 8259: no leading "
                                                       "zeros, digits after '.' and after an "
                                                       "exponent)");
                                if (on_number != NULL)
                                        on_number(i, n, ctx);
                                i += n;
                                continue;
                        }
                        if (c == '"') {
                                in_string = 1;
                        } else if (c == '{' || c == '[') {
                                if (++depth > JSON_MAX_DEPTH)
                                        return fail_at(buf, len, i, err,
                                                       "nesting deeper than 64 levels");
                        } else if (c == '}' || c == ']') {
                                if (depth > 0)
                                        depth--;
                        }
                        i++;
                        continue;
                }
                if (c < 0x20)
                        return fail_at(buf, len, i, err,
                                       "raw control character in a string (must be escaped)");
                if (c == '"') {
                        in_string = 0;
                        i++;
                        continue;
                }
                if (c != '\\') {
                        i++;
                        continue;
                }
                if (i + 1 >= len)
                        return fail_at(buf, len, i, err, "unterminated escape");
                if (p[i + 1] != 'u') {
                        i += 2; /* cJSON rejects unknown escapes itself */
                        continue;
                }
                {
                        unsigned u, lo;

                        if (i + 6 > len || hex4(p + i + 2, &u) < 0)
                                return fail_at(buf, len, i, err, "bad \\u escape");
                        if (u == 0)
                                return fail_at(buf, len, i, err,
                                               "\\u0000 is not allowed in a string");
                        if (u >= 0xdc00 && u <= 0xdfff)
                                return fail_at(buf, len, i, err, "lone low surrogate escape");
                        if (u >= 0xd800 && u <= 0xdbff) {
                                if (i + 12 > len || p[i + 6] != '\\' || p[i + 7] != 'u' ||
                                    hex4(p + i + 8, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
                                        return fail_at(buf, len, i, err,
                                                       "high surrogate escape without its low "
                                                       "surrogate");
                                i += 12;
                                continue;
                        }
                        i += 6;
                }
        }
        return 0;
}
