/* Choosing and reading the metadata source, then parsing what it holds. */
#include "meta/source.h"

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

static void
doc_take(struct meta_docs *d, const char *name, enum meta_doc_kind kind, char *buf, size_t len)
{
        struct meta_doc *doc = &d->doc[d->ndocs++];

        (void)snprintf(doc->name, sizeof(doc->name), "%s", name);
        doc->buf = buf;
        doc->len = len;
        doc->kind = kind;
}

typedef int (*doc_read_fn)(const char *name, const void *ctx, char **buf, size_t *len,
                           struct va_err *err);

/* The vendor_data siblings of meta_data.json, named prefix + file: one
 * that is missing is skipped; one that cannot be read is logged and kept
 * empty, which meta_load reports as a bad document. */
static void
read_vendor_docs(struct meta_docs *ret, const char *prefix, doc_read_fn fn, const void *ctx)
{
        char name[META_DOC_NAME_MAX];
        size_t i;

        for (i = 1; i < 3; i++) {
                struct va_err e;
                char *buf;
                size_t len;
                int r;

                (void)snprintf(name, sizeof(name), "%s%s", prefix, doc_files[i].file);
                va_err_clear(&e);
                r = fn(name, ctx, &buf, &len, &e);
                if (r == -VA_E_NOTFOUND)
                        continue;
                if (r < 0) {
                        va_log(VA_LOG_WARNING, "%s", e.msg);
                        buf = NULL;
                        len = 0;
                }
                doc_take(ret, name, doc_files[i].kind, buf, len);
        }
}

static int
read_file_doc(const char *name, const void *ctx, char **buf, size_t *len, struct va_err *err)
{
        (void)ctx;
        return plat_read_file(name, META_DOC_MAX, buf, len, err);
}

static int
read_http_doc(const char *url, const void *policy, char **buf, size_t *len, struct va_err *err)
{
        return meta_http_fetch(url, policy, buf, len, err);
}

/* A file: meta_data.json alone, or with its vendor_data siblings when the
 * file has the config-drive name. A directory: a config-drive tree
 * (DIR/openstack/latest/...), e.g. a mounted drive or a drive letter. */
static int
fetch_path(const char *path, struct meta_docs *ret, struct va_err *err)
{
        char name[META_DOC_NAME_MAX], dir[META_DOC_NAME_MAX];
        char *buf;
        size_t len;
        int r, is_dir = plat_is_dir(path);

        if (is_dir) {
                (void)snprintf(dir, sizeof(dir), "%s%sopenstack/latest/", path,
                               str_ends_with(path, "/") || str_ends_with(path, "\\") ? "" : "/");
                (void)snprintf(name, sizeof(name), "%smeta_data.json", dir);
        } else {
                (void)snprintf(name, sizeof(name), "%s", path);
                dir[0] = '\0';
                if (str_ends_with(path, "meta_data.json"))
                        (void)snprintf(dir, sizeof(dir), "%.*s", (int)(strlen(path) - 14), path);
        }
        r = plat_read_file(name, META_DOC_MAX, &buf, &len, err);
        if (r < 0)
                return r;
        doc_take(ret, name, META_DOC_META_DATA, buf, len);
        (void)snprintf(ret->origin, sizeof(ret->origin), "%s %s", is_dir ? "directory" : "file",
                       path);
        if (dir[0] == '\0' && !is_dir)
                return 0;
        read_vendor_docs(ret, dir, read_file_doc, NULL);
        return 0;
}

static int
fetch_http(const char *url, const struct meta_http_policy *p, struct meta_docs *ret,
           struct va_err *err)
{
        char full[META_DOC_NAME_MAX], base[META_DOC_NAME_MAX];
        char *buf;
        size_t len;
        int r;

        if (str_ends_with(url, "/"))
                (void)snprintf(full, sizeof(full), "%sopenstack/latest/meta_data.json", url);
        else
                (void)snprintf(full, sizeof(full), "%s", url);
        (void)snprintf(ret->origin, sizeof(ret->origin), "metadata service %s", full);
        r = meta_http_fetch(full, p, &buf, &len, err);
        if (r == -VA_E_NOTFOUND) {
                /* Nova answers 404 when it has nothing for this instance */
                va_err_clear(err);
                ret->none = 1;
                return 0;
        }
        if (r < 0)
                return r;
        doc_take(ret, full, META_DOC_META_DATA, buf, len);
        if (!str_ends_with(full, "meta_data.json"))
                return 0;
        (void)snprintf(base, sizeof(base), "%.*s", (int)(strlen(full) - 14), full);
        read_vendor_docs(ret, base, read_http_doc, p);
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
        int r;

        memset(ret, 0, sizeof(*ret));
        if (strncmp(spec, "http://", 7) == 0 || strncmp(spec, "https://", 8) == 0)
                return fetch_http(spec, &o->http, ret, err);
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
        r = fetch_http(o->service_url ? o->service_url : META_SERVICE_URL, &o->http, ret, err);
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
                        (void)diag_add(&set->diags, VA_LOG_ERR,
                                       "%s: could not be read; its volumes are left out",
                                       doc->name);
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
                        (void)diag_add(&set->diags, VA_LOG_ERR, "%s; its volumes are left out",
                                       e.msg);
                        (*ret_bad_docs)++;
                }
        }
        r = volume_set_crosscheck(set);
        if (r < 0)
                return va_err_set(err, -r, "out of memory");
        return 0;
}
