/* SPDX-License-Identifier: Apache-2.0 */
/* Metadata sources (POSIX host only: it builds trees with mkdtemp): the HTTP retry policy (pure),
 * files and config-drive trees with their vendor data, and meta_load's handling of bad documents.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "meta/source.h"
#include "platform/platform.h"

TEST(retry_policy)
{
        ASSERT_TRUE(meta_http_retryable(-VA_E_NET, 0));
        ASSERT_TRUE(meta_http_retryable(-VA_E_TIMEOUT, 0));
        ASSERT_TRUE(meta_http_retryable(-VA_E_IO, 0)); /* truncated body */
        ASSERT_TRUE(!meta_http_retryable(-VA_E_TOOBIG, 0));
        ASSERT_TRUE(!meta_http_retryable(-VA_E_INVAL, 0));
        ASSERT_TRUE(meta_http_retryable(0, 408));
        ASSERT_TRUE(meta_http_retryable(0, 429));
        ASSERT_TRUE(meta_http_retryable(0, 500));
        ASSERT_TRUE(meta_http_retryable(0, 503));
        ASSERT_TRUE(!meta_http_retryable(0, 404));
        ASSERT_TRUE(!meta_http_retryable(0, 403));
        ASSERT_TRUE(!meta_http_retryable(0, 302));
        ASSERT_TRUE(!meta_http_retryable(0, 200));
}

TEST(backoff_doubles_caps_and_jitters)
{
        struct meta_http_policy p = { 1000, 5, 1000, 8000, 0 };
        unsigned lo, hi;

        lo = meta_http_backoff_ms(&p, 0, 0);
        hi = meta_http_backoff_ms(&p, 0, 0xffffffffu % 501);
        ASSERT_EQ_INT(lo, 500);
        ASSERT_TRUE(hi <= 1000 && hi >= 500);
        ASSERT_EQ_INT(meta_http_backoff_ms(&p, 1, 0), 1000);
        ASSERT_EQ_INT(meta_http_backoff_ms(&p, 2, 0), 2000);
        ASSERT_EQ_INT(meta_http_backoff_ms(&p, 3, 0), 4000);
        ASSERT_EQ_INT(meta_http_backoff_ms(&p, 9, 0), 4000); /* capped at 8 s, half fixed */
        ASSERT_TRUE(meta_http_backoff_ms(&p, 9, 123456) <= 8000);
        p.backoff_ms = 0;
        ASSERT_EQ_INT(meta_http_backoff_ms(&p, 3, 77), 0);
}

static void
write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");

        if (f != NULL) {
                fputs(text, f);
                fclose(f);
        }
}

TEST(file_and_tree_sources)
{
        char dir[] = "/tmp/va-src-XXXXXX", path[512];
        struct meta_source_opts o = { NULL, NULL, META_HTTP_POLICY_DEFAULT, 0 };
        struct meta_docs d;
        struct volume_set s;
        struct va_err e;
        unsigned bad;
        static const char vol[] =
            "{\"volumes\":[{\"driver_volume_type\":\"iscsi\",\"data\":{\"volume_id\":"
            "\"11111111-2222-3333-4444-555555555555\",\"target_portal\":\"127.0.0.1\","
            "\"target_iqn\":\"iqn.2004-10.org.example:t\"}}]}";

        ASSERT_TRUE(mkdtemp(dir) != NULL);
        (void)snprintf(path, sizeof(path), "%s/openstack", dir);
        ASSERT_OK(plat_mkdir_p(path, 0700, NULL));
        (void)snprintf(path, sizeof(path), "%s/openstack/latest", dir);
        ASSERT_OK(plat_mkdir_p(path, 0700, NULL));
        (void)snprintf(path, sizeof(path), "%s/openstack/latest/meta_data.json", dir);
        write_file(path, "{\"uuid\":\"x\"}");
        (void)snprintf(path, sizeof(path), "%s/openstack/latest/vendor_data.json", dir);
        write_file(path, vol);

        o.spec = dir;
        va_err_clear(&e);
        ASSERT_OK(meta_fetch(&o, &d, &e));
        ASSERT_EQ_INT(d.ndocs, 2);
        ASSERT_CONTAINS(d.origin, "directory");
        memset(&s, 0, sizeof(s));
        ASSERT_OK(meta_load(&d, &s, &bad, &e));
        ASSERT_EQ_INT(bad, 0);
        ASSERT_EQ_INT(s.n, 1);
        ASSERT_CONTAINS(s.v[0].source, "vendor_data.json: volumes[0]");
        volume_set_free(&s);
        meta_docs_free(&d);

        /* the file itself, named meta_data.json: siblings are read too */
        o.spec = path; /* vendor_data.json given directly: read alone */
        ASSERT_OK(meta_fetch(&o, &d, &e));
        ASSERT_EQ_INT(d.ndocs, 1);
        meta_docs_free(&d);

        /* a broken meta_data.json is a document-level failure */
        (void)snprintf(path, sizeof(path), "%s/openstack/latest/meta_data.json", dir);
        write_file(path, "{\"volumes\": 7}");
        o.spec = dir;
        ASSERT_OK(meta_fetch(&o, &d, &e));
        memset(&s, 0, sizeof(s));
        va_err_clear(&e);
        ASSERT_ERR(meta_load(&d, &s, &bad, &e), VA_E_INVAL);
        ASSERT_CONTAINS(e.msg, "meta_data.json: volumes must be an array");
        volume_set_free(&s);
        meta_docs_free(&d);

        o.spec = "/nonexistent/dir/meta_data.json";
        va_err_clear(&e);
        ASSERT_ERR(meta_fetch(&o, &d, &e), VA_E_NOTFOUND);
        ASSERT_CONTAINS(e.msg, "/nonexistent/dir/meta_data.json");

        (void)snprintf(path, sizeof(path), "%s/openstack/latest/meta_data.json", dir);
        (void)plat_unlink(path, NULL);
        (void)snprintf(path, sizeof(path), "%s/openstack/latest/vendor_data.json", dir);
        (void)plat_unlink(path, NULL);
        (void)snprintf(path, sizeof(path), "%s/openstack/latest", dir);
        (void)rmdir(path);
        (void)snprintf(path, sizeof(path), "%s/openstack", dir);
        (void)rmdir(path);
        (void)rmdir(dir);
}

HARNESS_MAIN()
