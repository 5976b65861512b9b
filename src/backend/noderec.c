/* SPDX-License-Identifier: Apache-2.0 */
/* Rewriting open-iscsi record text. Pure, so it runs in unit tests and the
 * fuzzer; no secret passes through any format string. */
#include "backend/noderec.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

#define NODEREC_MAX (256 * 1024)

struct out {
        struct va_buf b;
        int nomem;
};

static void
out_put(struct out *o, const char *s, size_t n)
{
        if (!o->nomem && va_buf_append(&o->b, s, n) < 0)
                o->nomem = 1;
}

static int
is_blank(char c)
{
        return c == ' ' || c == '\t';
}

/* The key of a line as idbm parses it: after leading blanks, up to a blank
 * or '='. Comment and empty lines have no key. */
static int
line_key(const char *line, size_t n, const char **key, size_t *keylen)
{
        size_t i = 0, k;

        while (i < n && is_blank(line[i]))
                i++;
        if (i == n || line[i] == '#')
                return 0;
        k = i;
        while (i < n && !is_blank(line[i]) && line[i] != '=')
                i++;
        *key = line + k;
        *keylen = i - k;
        return *keylen > 0;
}

static int
value_ok(const char *v, size_t n)
{
        size_t i;

        if (n == 0 || is_blank(v[0]) || is_blank(v[n - 1]))
                return 0;
        for (i = 0; i < n; i++) {
                unsigned char c = (unsigned char)v[i];

                if (c < 0x20 || c == 0x7f)
                        return 0;
        }
        return 1;
}

static void
put_setting(struct out *o, const struct noderec_set *s)
{
        out_put(o, s->key, strlen(s->key));
        out_put(o, " = ", 3);
        out_put(o, s->value, s->value_len);
        out_put(o, "\n", 1);
}

int
noderec_rewrite(const char *text, size_t len, const struct noderec_set *sets, size_t nsets,
                char **ret, size_t *ret_len, struct va_err *err)
{
        struct out o = { VA_BUF_INIT(VA_BUF_UNBOUNDED), 0 };
        unsigned char *done;
        size_t i = 0, k;

        if (len > NODEREC_MAX)
                return va_err_set(err, VA_E_TOOBIG, "record is larger than %d bytes", NODEREC_MAX);
        for (k = 0; k < nsets; k++) {
                if (sets[k].value != NULL && !value_ok(sets[k].value, sets[k].value_len))
                        return va_err_set(err, VA_E_INVAL,
                                          "value for %s cannot be stored in an open-iscsi "
                                          "record (empty, a control character, or a leading or "
                                          "trailing blank)",
                                          sets[k].key);
        }
        done = calloc(nsets ? nsets : 1, 1);
        if (done == NULL)
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        out_put(&o, "", 0);
        while (i < len) {
                const char *line = text + i, *key;
                const char *nl = memchr(line, '\n', len - i);
                size_t n = nl ? (size_t)(nl - line) : len - i, keylen;
                int handled = 0;

                if (line_key(line, n, &key, &keylen)) {
                        for (k = 0; k < nsets; k++) {
                                if (strlen(sets[k].key) != keylen ||
                                    memcmp(sets[k].key, key, keylen) != 0)
                                        continue;
                                handled = 1;
                                if (sets[k].value != NULL && !done[k])
                                        put_setting(&o, &sets[k]);
                                done[k] = 1;
                                break;
                        }
                }
                if (!handled) {
                        out_put(&o, line, n);
                        out_put(&o, "\n", 1);
                }
                i += n + (nl ? 1 : 0);
        }
        for (k = 0; k < nsets; k++)
                if (!done[k] && sets[k].value != NULL)
                        put_setting(&o, &sets[k]);
        free(done);
        if (o.nomem) {
                va_buf_free(&o.b);
                return va_err_set(err, VA_E_NOMEM, "out of memory");
        }
        *ret = o.b.data;
        *ret_len = o.b.len;
        return 0;
}

int
noderec_get(const char *text, size_t len, const char *key, char *buf, size_t buflen)
{
        size_t i = 0;

        if (buflen > 0)
                buf[0] = '\0';
        while (i < len) {
                const char *line = text + i, *k;
                const char *nl = memchr(line, '\n', len - i);
                size_t n = nl ? (size_t)(nl - line) : len - i, klen;

                if (line_key(line, n, &k, &klen) && klen == strlen(key) &&
                    memcmp(k, key, klen) == 0) {
                        const char *v = k + klen, *end = line + n;
                        size_t vn;

                        /* as idbm_recinfo_config: blanks, one '=', blanks */
                        while (v < end && is_blank(*v))
                                v++;
                        if (v < end && *v == '=')
                                v++;
                        while (v < end && is_blank(*v))
                                v++;
                        while (end > v && is_blank(end[-1]))
                                end--;
                        vn = (size_t)(end - v);
                        if (vn >= buflen)
                                vn = buflen ? buflen - 1 : 0;
                        if (buflen > 0) {
                                memcpy(buf, v, vn);
                                buf[vn] = '\0';
                        }
                        return 1;
                }
                i += n + (nl ? 1 : 0);
        }
        return 0;
}
