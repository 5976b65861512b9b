/* SPDX-License-Identifier: Apache-2.0 */
/* One HTTP GET through libcurl for the metadata service: a hard per-request
 * timeout, a body cap enforced while receiving, no redirects, http(s) only.
 * libcurl is loaded on first use (dlopen), not at start-up: it and the ~30
 * libraries it pulls in (TLS, Kerberos, LDAP, ...) were most of every run's
 * start-up time (86 of ~105 ms at boot in the lab, BENCHMARKS.md), also of
 * runs that read a file or the config drive and never speak HTTP. */
#include "platform/platform.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/secret.h"

/* The libcurl calls used here, resolved from the library once. */
static struct {
        CURLcode (*global_init)(long flags);
        CURL *(*easy_init)(void);
        CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
        CURLcode (*easy_perform)(CURL *c);
        CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
        const char *(*easy_strerror)(CURLcode cc);
        void (*easy_cleanup)(CURL *c);
        int ready;
        char why[256]; /* why it is not ready */
} api;
static pthread_once_t api_once = PTHREAD_ONCE_INIT;

static int
api_sym(void *lib, const char *name, void *fnptr, size_t fnsize)
{
        void *p = dlsym(lib, name);

        if (p == NULL) {
                (void)snprintf(api.why, sizeof(api.why), "libcurl has no %s", name);
                return -1;
        }
        /* POSIX guarantees a dlsym result converts to a function pointer */
        memcpy(fnptr, &p, fnsize);
        return 0;
}

static void
api_load(void)
{
        /* the soname of Debian's libcurl4, then of libcurl3-gnutls */
        static const char *const names[] = { "libcurl.so.4", "libcurl-gnutls.so.4" };
        void *lib = NULL;
        size_t i;

        for (i = 0; i < sizeof(names) / sizeof(names[0]) && lib == NULL; i++)
                lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (lib == NULL) {
                const char *e = dlerror();

                (void)snprintf(api.why, sizeof(api.why),
                               "the metadata service needs libcurl (Debian: libcurl4): %s",
                               e ? e : "libcurl.so.4 not found");
                return;
        }
#define SYM(field, name) api_sym(lib, name, &api.field, sizeof(api.field))
        if (SYM(global_init, "curl_global_init") < 0 || SYM(easy_init, "curl_easy_init") < 0 ||
            SYM(easy_setopt, "curl_easy_setopt") < 0 ||
            SYM(easy_perform, "curl_easy_perform") < 0 ||
            SYM(easy_getinfo, "curl_easy_getinfo") < 0 ||
            SYM(easy_strerror, "curl_easy_strerror") < 0 ||
            SYM(easy_cleanup, "curl_easy_cleanup") < 0)
                return; /* the library stays loaded: harmless, and rare */
#undef SYM
        if (api.global_init(CURL_GLOBAL_DEFAULT) != 0) {
                (void)snprintf(api.why, sizeof(api.why), "libcurl initialisation failed");
                return;
        }
        api.ready = 1;
}

struct body {
        struct va_buf buf;
        int too_big;
};

static size_t
body_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
        struct body *b = userdata;
        int r = va_buf_append(&b->buf, ptr, size * nmemb);

        if (r == -VA_E_TOOBIG)
                b->too_big = 1;
        return r < 0 ? 0 : size * nmemb; /* 0 aborts with CURLE_WRITE_ERROR */
}

int
plat_http_get(const char *url, unsigned timeout_ms, size_t max_body, struct plat_http_response *ret,
              struct va_err *err)
{
        struct body b = { VA_BUF_INIT(max_body), 0 };
        char errbuf[CURL_ERROR_SIZE] = "";
        CURL *c;
        CURLcode cc;
        long status = 0;
        curl_off_t clen = -1;
        int r = 0;
        char shown[1024];

        memset(ret, 0, sizeof(*ret));
        (void)va_url_redact(url, shown, sizeof(shown));
        (void)pthread_once(&api_once, api_load);
        if (!api.ready)
                return va_err_set(err, VA_E_ENV, "%s: %s", shown, api.why);
        c = api.easy_init();
        if (c == NULL)
                return va_err_set(err, VA_E_NOMEM, "libcurl: out of memory");
        (void)api.easy_setopt(c, CURLOPT_URL, url);
        (void)api.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        (void)api.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
        (void)api.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        (void)api.easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
        (void)api.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
        (void)api.easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max_body);
        (void)api.easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
        (void)api.easy_setopt(c, CURLOPT_WRITEDATA, &b);
        (void)api.easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        (void)api.easy_setopt(c, CURLOPT_USERAGENT, "volattach");
        /* the metadata service is local: a proxy from the environment
         * would be wrong, and could see the CHAP secrets */
        (void)api.easy_setopt(c, CURLOPT_PROXY, "");
        cc = api.easy_perform(c);
        (void)api.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        (void)api.easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &clen);
        switch (cc) {
        case CURLE_OK:
                break;
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
                r = va_err_set(err, VA_E_NET, "%s: %s", shown,
                               errbuf[0] ? errbuf : api.easy_strerror(cc));
                break;
        case CURLE_OPERATION_TIMEDOUT:
                r = va_err_set(err, VA_E_TIMEOUT, "%s: no complete answer within %u ms", shown,
                               timeout_ms);
                break;
        case CURLE_FILESIZE_EXCEEDED:
                r = va_err_set(err, VA_E_TOOBIG, "%s: body is larger than %zu bytes", shown,
                               max_body);
                break;
        case CURLE_WRITE_ERROR:
                if (b.too_big)
                        r = va_err_set(err, VA_E_TOOBIG, "%s: body is larger than %zu bytes", shown,
                                       max_body);
                else
                        r = va_err_set(err, VA_E_NOMEM, "%s: out of memory", shown);
                break;
        case CURLE_PARTIAL_FILE:
                r = va_err_set(err, VA_E_IO, "%s: truncated body: %zu of %lld bytes received",
                               shown, b.buf.len, (long long)clen);
                break;
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_URL_MALFORMAT:
                r = va_err_set(err, VA_E_INVAL, "%s: %s", shown,
                               errbuf[0] ? errbuf : api.easy_strerror(cc));
                break;
        default:
                r = va_err_set(err, VA_E_IO, "%s: %s", shown,
                               errbuf[0] ? errbuf : api.easy_strerror(cc));
                break;
        }
        api.easy_cleanup(c);
        if (r < 0) {
                va_buf_free(&b.buf);
                return r;
        }
        ret->status = status;
        ret->body = b.buf.data;
        ret->len = b.buf.len;
        return 0;
}
