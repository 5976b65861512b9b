/* SPDX-License-Identifier: Apache-2.0 */
/* Choosing and reading the metadata source, then parsing what it holds. */
#include "meta/source.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/secret.h"
#include "base/strutil.h"
#include "platform/platform.h"

static const struct {
        const char *file;
        enum meta_doc_kind kind;
} doc_files[] = {
        { "meta_data.json", META_DOC_META_DATA },
        { "vendor_data.json", META_DOC_VENDOR_DATA },
        { "vendor_data2.json", META_DOC_VENDOR_DATA2 },
};

void
meta_docs_free(struct meta_docs *d)
{
        size_t i;

        for (i = 0; i < d->ndocs; i++) {
                if (d->doc[i].buf != NULL)
                        va_secure_zero(d->doc[i].buf, d->doc[i].len);
                free(d->doc[i].buf);
                d->doc[i].buf = NULL;
        }
        d->ndocs = 0;
}

/* Longest suffix volattach appends to a --metadata path or URL. */
#define DOC_SUFFIX "openstack/latest/vendor_data2.json"

static void
doc_take(struct meta_docs *d, const char *name, enum meta_doc_kind kind, char *buf, size_t len)
{
        struct meta_doc *doc = &d->doc[d->ndocs++];

        /* names fit: meta_source_check bounded what they are built from */
        (void)snprintf(doc->name, sizeof(doc->name), "%s", name);
        doc->buf = buf;
        doc->len = len;
        doc->kind = kind;
}

/* snprintf that reports a cut instead of making one. */
static int build(char *buf, size_t len, struct va_err *err, const char *what, const char *fmt, ...)
    __attribute__((format(VA_PRINTF_FORMAT, 5, 6)));

static int
build(char *buf, size_t len, struct va_err *err, const char *what, const char *fmt, ...)
{
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(buf, len, fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t)n >= len)
                return va_err_set(err, VA_E_INVAL,
                                  "%s is too long: %d bytes with its suffix, at most %zu", what, n,
                                  len - 1);
        return 0;
}

int
meta_source_check(const struct meta_source_opts *o, struct va_err *err)
{
        const char *spec = o->spec != NULL ? o->spec : "auto";
        char shown[64];
        size_t room = META_DOC_NAME_MAX - 1 - sizeof(DOC_SUFFIX);

        if (strncmp(spec, "configdrive:", 12) == 0)
                spec += 12;
        if (strlen(spec) > room)
                return va_err_set(err, VA_E_INVAL,
                                  "--metadata: '%s...' is %zu bytes; at most %zu are taken",
                                  va_log_quote(spec, shown, sizeof(shown)), strlen(spec), room);
        if (o->service_url != NULL && strlen(o->service_url) > room)
                return va_err_set(err, VA_E_INVAL,
                                  "--metadata-url: '%s...' is %zu bytes; at most %zu are taken",
                                  va_log_quote(o->service_url, shown, sizeof(shown)),
                                  strlen(o->service_url), room);
        return 0;
}

/* A file: meta_data.json alone, or with its vendor_data siblings when the
 * file has the config-drive name. A directory: a config-drive tree
 * (DIR/openstack/latest/...), e.g. a mounted drive or a drive letter.
 * The path given may be a link (the caller chose it); nothing below it is
 * followed, and only regular files are read. */
static int
fetch_path(const char *path, struct meta_docs *ret, struct va_err *err)
{
        /* pfx: what names the documents start with; root and rel: where
         * plat_read_file_beneath starts and what it walks below it */
        char name[META_DOC_NAME_MAX], pfx[META_DOC_NAME_MAX], root[META_DOC_NAME_MAX];
        const char *rel = "";
        char *buf;
        size_t len, i;
        int r, is_dir = plat_is_dir(path);

        root[0] = '\0';
        if (is_dir) {
                rel = "openstack/latest/";
                r = build(pfx, sizeof(pfx), err, "the config-drive directory path", "%s%s%s", path,
                          str_ends_with(path, "/") || str_ends_with(path, "\\") ? "" : "/", rel);
                if (r == 0)
                        r = build(root, sizeof(root), err, "the config-drive directory path", "%s",
                                  path);
                if (r == 0)
                        r = build(name, sizeof(name), err, "the config-drive directory path",
                                  "%smeta_data.json", pfx);
                if (r == 0)
                        r = plat_read_file_beneath(root, "openstack/latest/meta_data.json", name,
                                                   META_DOC_MAX, &buf, &len, err);
        } else {
                r = build(name, sizeof(name), err, "the metadata file path", "%s", path);
                if (r == 0 && str_ends_with(path, "meta_data.json")) {
                        (void)snprintf(pfx, sizeof(pfx), "%.*s", (int)(strlen(path) - 14), path);
                        (void)snprintf(root, sizeof(root), "%s", pfx[0] != '\0' ? pfx : ".");
                }
                if (r == 0)
                        r = plat_read_file(name, META_DOC_MAX, &buf, &len, err);
        }
        if (r < 0)
                return r;
        doc_take(ret, name, META_DOC_META_DATA, buf, len);
        (void)snprintf(ret->origin, sizeof(ret->origin), "%s %s", is_dir ? "directory" : "file",
                       path);
        if (root[0] == '\0')
                return 0;
        for (i = 1; i < 3; i++) {
                char relf[64];
                struct va_err e;

                (void)snprintf(relf, sizeof(relf), "%s%s", rel, doc_files[i].file);
                va_err_clear(&e);
                r = build(name, sizeof(name), &e, "a vendor data path", "%s%s", pfx,
                          doc_files[i].file);
                if (r == 0)
                        r = plat_read_file_beneath(root, relf, name, META_DOC_MAX, &buf, &len, &e);
                if (r == -VA_E_NOTFOUND)
                        continue;
                if (r < 0) {
                        /* unreadable vendor data is reported by meta_load as a bad doc */
                        va_log(VA_LOG_WARNING, "%s", e.msg);
                        buf = NULL;
                        len = 0;
                }
                doc_take(ret, name, doc_files[i].kind, buf, len);
        }
        return 0;
}

static int
fetch_http(const char *url, const struct meta_http_policy *p, struct meta_docs *ret,
           struct va_err *err)
{
        char full[META_DOC_NAME_MAX], base[META_DOC_NAME_MAX], shown[META_DOC_NAME_MAX];
        char *buf;
        size_t len, i;
        int r;

        if (str_ends_with(url, "/"))
                r = build(full, sizeof(full), err, "the metadata URL",
                          "%sopenstack/latest/meta_data.json", url);
        else
                r = build(full, sizeof(full), err, "the metadata URL", "%s", url);
        if (r < 0)
                return r;
        (void)snprintf(ret->origin, sizeof(ret->origin), "metadata service %s",
                       va_url_redact(full, shown, sizeof(shown)));
        r = meta_http_fetch(full, p, &buf, &len, err);
        if (r == -VA_E_NOTFOUND) {
                /* Nova answers 404 when it has nothing for this instance */
                va_err_clear(err);
                ret->none = 1;
                return 0;
        }
        if (r < 0)
                return r;
        doc_take(ret, va_url_redact(full, shown, sizeof(shown)), META_DOC_META_DATA, buf, len);
        if (!str_ends_with(full, "meta_data.json"))
                return 0;
        (void)snprintf(base, sizeof(base), "%.*s", (int)(strlen(full) - 14), full);
        for (i = 1; i < 3; i++) {
                struct va_err e;

                va_err_clear(&e);
                r = build(full, sizeof(full), &e, "a vendor data URL", "%s%s", base,
                          doc_files[i].file);
                if (r == 0)
                        r = meta_http_fetch(full, p, &buf, &len, &e);
                if (r == -VA_E_NOTFOUND)
                        continue;
                if (r < 0) {
                        va_log(VA_LOG_WARNING, "%s", e.msg);
                        buf = NULL;
                        len = 0;
                }
                doc_take(ret, va_url_redact(full, shown, sizeof(shown)), doc_files[i].kind, buf,
                         len);
        }
        return 0;
}

static int
fetch_configdrive(const char *dev, struct meta_docs *ret, struct va_err *err)
{
        char **cand = NULL;
        size_t n = 0, i;
        int r;

        if (dev != NULL && dev[0] != '\0') {
                if (plat_is_dir(dev))
                        return fetch_path(dev, ret, err);
                return meta_configdrive_read(dev, 0, ret, err);
        }
        r = plat_configdrive_candidates(&cand, &n, err);
        if (r < 0)
                return r;
        for (i = 0; i < n; i++) {
                struct va_err e;

                va_err_clear(&e);
                r = plat_is_dir(cand[i]) ? fetch_path(cand[i], ret, &e)
                                         : meta_configdrive_read(cand[i], 1, ret, &e);
                if (r == 0) {
                        plat_string_list_free(cand, n);
                        return 0;
                }
                /* cloud-init: an unreadable candidate is logged and the next tried */
                va_log(VA_LOG_WARNING, "config drive candidate %s: %s", cand[i], e.msg);
                meta_docs_free(ret);
        }
        plat_string_list_free(cand, n);
        return va_err_set(err, VA_E_NOTFOUND,
                          "no config drive (no readable filesystem labelled config-2 or CONFIG-2)");
}

int
meta_fetch(const struct meta_source_opts *o, struct meta_docs *ret, struct va_err *err)
{
        const char *spec = o->spec != NULL ? o->spec : "auto";
        struct meta_http_policy http = o->http;
        int r;

        memset(ret, 0, sizeof(*ret));
        r = meta_source_check(o, err);
        if (r < 0)
                return r;
        if (o->deadline_ms > 0)
                http.until_ms = plat_monotonic_ms() + o->deadline_ms;
        if (strncmp(spec, "http://", 7) == 0 || strncmp(spec, "https://", 8) == 0)
                return fetch_http(spec, &http, ret, err);
        if (strcmp(spec, "configdrive") == 0)
                return fetch_configdrive(NULL, ret, err);
        if (strncmp(spec, "configdrive:", 12) == 0)
                return fetch_configdrive(spec + 12, ret, err);
        if (strcmp(spec, "auto") != 0)
                return fetch_path(spec, ret, err);

        {
                struct va_err e;

                va_err_clear(&e);
                r = fetch_configdrive(NULL, ret, &e);
                if (r == 0)
                        return 0;
                va_log(VA_LOG_INFO, "%s; trying the metadata service", e.msg);
        }
        r = fetch_http(o->service_url ? o->service_url : META_SERVICE_URL, &http, ret, err);
        if (r < 0)
                va_err_prefix(err, "no config drive, and the metadata service failed");
        return r;
}

int
meta_load(const struct meta_docs *d, struct volume_set *set, unsigned *ret_bad_docs,
          struct va_err *err)
{
        size_t i;
        int r;

        *ret_bad_docs = 0;
        for (i = 0; i < d->ndocs; i++) {
                const struct meta_doc *doc = &d->doc[i];
                struct va_err e;

                va_err_clear(&e);
                if (doc->buf == NULL) {
                        (void)diag_add_at(
                            &set->diags, VA_LOG_ERR, "document_unreadable", doc->name, NULL, NULL,
                            "%s: could not be read; its volumes are left out", doc->name);
                        (*ret_bad_docs)++;
                        continue;
                }
                r = meta_parse(doc->name, doc->buf, doc->len, doc->kind, set, &e);
                if (r == -VA_E_NOMEM) {
                        *err = e;
                        return r;
                }
                if (r < 0 && doc->kind == META_DOC_META_DATA) {
                        *err = e;
                        return r;
                }
                if (r < 0) {
                        (void)diag_add_at(&set->diags, VA_LOG_ERR, "document_invalid", doc->name,
                                          NULL, NULL, "%s; its volumes are left out", e.msg);
                        (*ret_bad_docs)++;
                }
        }
        r = volume_set_crosscheck(set);
        if (r < 0)
                return va_err_set(err, -r, "out of memory");
        return 0;
}
