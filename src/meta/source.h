/* SPDX-License-Identifier: Apache-2.0 */
/* Where metadata comes from: a file or directory, the config drive, or the
 * metadata service, and "auto" (config drive first, then the service, as
 * cloud-init's ConfigDrive and OpenStack datasources do). */
#ifndef VOLATTACH_META_SOURCE_H
#define VOLATTACH_META_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "core/volume.h"
#include "meta/meta.h"

#define META_SERVICE_URL  "http://169.254.169.254/openstack/latest/meta_data.json"
#define META_DOC_NAME_MAX 512

struct meta_http_policy {
        unsigned timeout_ms;     /* per request */
        unsigned attempts;       /* in all, the first included */
        unsigned backoff_ms;     /* first pause; doubles each retry */
        unsigned backoff_max_ms; /* cap on one pause */
        /* the run's deadline for all metadata requests together, on
         * plat_monotonic_ms; 0: none. meta_fetch sets it from
         * meta_source_opts.deadline_ms. */
        uint64_t until_ms;
};

/* cloud-init: 10 s per request; cloudbase-init: 5 retries 4 s apart. */
#define META_HTTP_POLICY_DEFAULT        \
        {                               \
                10000, 5, 1000, 8000, 0 \
        }

struct meta_source_opts {
        const char *spec;        /* "auto", "configdrive[:DEV]", URL, file, directory */
        const char *service_url; /* the service "auto" falls back to */
        struct meta_http_policy http;
        /* all metadata requests of one run (meta_data and both vendor
         * documents, retries included) end within this; 0: no bound */
        unsigned deadline_ms;
};

#define META_DEADLINE_MS_DEFAULT 30000

/* Checks that the spec and the service URL fit what volattach builds from
 * them (a document's path or URL, its name in messages): -VA_E_INVAL,
 * naming the argument, when one is too long. Never cut silently: a cut
 * path or URL would read a different file or turn a 404 into "nothing to
 * do". */
int meta_source_check(const struct meta_source_opts *o, struct va_err *err);

struct meta_doc {
        char name[META_DOC_NAME_MAX]; /* used in every message about it */
        char *buf;                    /* NUL-terminated */
        size_t len;
        enum meta_doc_kind kind;
};

struct meta_docs {
        char origin[META_DOC_NAME_MAX]; /* for the operator: what was read */
        int none;                       /* the service said there is no metadata (404) */
        struct meta_doc doc[3];         /* meta_data, then vendor_data, vendor_data2 if present */
        size_t ndocs;
};

/* Reads the documents. -VA_E_NOTFOUND when the source has no metadata at
 * all (auto: neither a config drive nor a service answered), other negative
 * codes for unreadable sources. A service 404 is success with ret->none. */
int meta_fetch(const struct meta_source_opts *o, struct meta_docs *ret, struct va_err *err);

/* Wipes (they may hold CHAP secrets) and frees the documents. */
void meta_docs_free(struct meta_docs *d);

/* Parses every document into set and runs the cross-item checks. A failure
 * of meta_data.json itself is returned (nothing is attached); failures of
 * vendor data documents are counted in *ret_bad_docs, with a diagnostic, and
 * their volumes are left out. */
int meta_load(const struct meta_docs *d, struct volume_set *set, unsigned *ret_bad_docs,
              struct va_err *err);

/* The retry policy, pure so it can be unit-tested: 1 when a request that
 * ended with rc (0 or a negative va_errcode) and HTTP status should be tried
 * again (connection errors, timeouts, truncation, 408, 429, 5xx). */
int meta_http_retryable(int rc, long status);

/* Pause before retry number `retry` (0-based): backoff_ms * 2^retry, capped,
 * with "equal jitter" (half fixed, half random from rnd) so that a rack of
 * machines booting together does not retry in lockstep. */
unsigned meta_http_backoff_ms(const struct meta_http_policy *p, unsigned retry, uint32_t rnd);

/* Fetches one URL with the retry policy. 404 → -VA_E_NOTFOUND. */
int meta_http_fetch(const char *url, const struct meta_http_policy *p, char **ret_buf,
                    size_t *ret_len, struct va_err *err);

/* Reads a config drive's documents from a block device or image. */
int meta_configdrive_read(const char *dev, int require_label, struct meta_docs *ret,
                          struct va_err *err);

#endif
