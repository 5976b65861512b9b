/* One HTTP GET through libcurl for the metadata service: a hard per-request
 * timeout, a body cap enforced while receiving, no redirects, http(s) only. */
#include "platform/platform.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "core/secret.h"

struct body {
        char *buf;
        size_t len, cap, max;
        int too_big;
};

static size_t
body_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
        struct body *b = userdata;
        size_t n = size * nmemb;

        if (b->len + n > b->max) {
                b->too_big = 1;
                return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
        }
        if (b->len + n + 1 > b->cap) {
                size_t ncap = b->cap ? b->cap : 16384;
                char *nb;

                while (ncap < b->len + n + 1)
                        ncap *= 2;
                nb = malloc(ncap);
                if (nb == NULL)
                        return 0;
                /* copy rather than realloc so the old block can be wiped: it
                 * may hold CHAP secrets from the metadata */
                if (b->buf != NULL) {
                        memcpy(nb, b->buf, b->len);
                        va_secure_zero(b->buf, b->cap);
                        free(b->buf);
                }
                b->buf = nb;
                b->cap = ncap;
        }
        memcpy(b->buf + b->len, ptr, n);
        b->len += n;
        b->buf[b->len] = '\0';
        return n;
}

static int curl_ready;

int
plat_http_get(const char *url, unsigned timeout_ms, size_t max_body, struct plat_http_response *ret,
              struct va_err *err)
{
        struct body b = { NULL, 0, 0, max_body, 0 };
        char errbuf[CURL_ERROR_SIZE] = "";
        CURL *c;
        CURLcode cc;
        long status = 0;
        curl_off_t clen = -1;
        int r = 0;

        memset(ret, 0, sizeof(*ret));
        if (!curl_ready) {
                if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
                        return va_err_set(err, VA_E_ENV, "libcurl initialisation failed");
                curl_ready = 1;
        }
        c = curl_easy_init();
        if (c == NULL)
                return va_err_set(err, VA_E_NOMEM, "libcurl: out of memory");
        (void)curl_easy_setopt(c, CURLOPT_URL, url);
        (void)curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        (void)curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
        (void)curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        (void)curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
        (void)curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
        (void)curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max_body);
        (void)curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
        (void)curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
        (void)curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        (void)curl_easy_setopt(c, CURLOPT_USERAGENT, "volattach");
        /* the metadata service is local: a proxy from the environment
         * would be wrong, and could see the CHAP secrets */
        (void)curl_easy_setopt(c, CURLOPT_PROXY, "");
        cc = curl_easy_perform(c);
        (void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        (void)curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &clen);
        switch (cc) {
        case CURLE_OK:
                break;
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
                r = va_err_set(err, VA_E_NET, "%s: %s", url,
                               errbuf[0] ? errbuf : curl_easy_strerror(cc));
                break;
        case CURLE_OPERATION_TIMEDOUT:
                r = va_err_set(err, VA_E_TIMEOUT, "%s: no complete answer within %u ms", url,
                               timeout_ms);
                break;
        case CURLE_FILESIZE_EXCEEDED:
                r = va_err_set(err, VA_E_TOOBIG, "%s: body is larger than %zu bytes", url,
                               max_body);
                break;
        case CURLE_WRITE_ERROR:
                if (b.too_big)
                        r = va_err_set(err, VA_E_TOOBIG, "%s: body is larger than %zu bytes", url,
                                       max_body);
                else
                        r = va_err_set(err, VA_E_NOMEM, "%s: out of memory", url);
                break;
        case CURLE_PARTIAL_FILE:
                r = va_err_set(err, VA_E_IO, "%s: truncated body: %zu of %lld bytes received", url,
                               b.len, (long long)clen);
                break;
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_URL_MALFORMAT:
                r = va_err_set(err, VA_E_INVAL, "%s: %s", url,
                               errbuf[0] ? errbuf : curl_easy_strerror(cc));
                break;
        default:
                r = va_err_set(err, VA_E_IO, "%s: %s", url,
                               errbuf[0] ? errbuf : curl_easy_strerror(cc));
                break;
        }
        curl_easy_cleanup(c);
        if (r < 0) {
                if (b.buf != NULL)
                        va_secure_zero(b.buf, b.cap);
                free(b.buf);
                return r;
        }
        ret->status = status;
        ret->body = b.buf;
        ret->len = b.len;
        return 0;
}

void
plat_http_response_free(struct plat_http_response *r)
{
        if (r == NULL)
                return;
        if (r->body != NULL)
                va_secure_zero(r->body, r->len);
        free(r->body);
        r->body = NULL;
        r->len = 0;
}
