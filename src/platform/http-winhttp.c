/* SPDX-License-Identifier: Apache-2.0 */
/* One HTTP GET through WinHTTP for the metadata service: no proxy, no
 * redirects, a hard timeout on every phase, the body capped while it is
 * received, and a short body (against Content-Length) reported as such. */
#include <windows.h>
#include <winhttp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/secret.h"
#include "platform/platform.h"
#include "platform/win32-util.h"

static int
map_error(DWORD code, const char *url, unsigned timeout_ms, struct va_err *err)
{
        char msg[300];

        switch (code) {
        case ERROR_WINHTTP_TIMEOUT:
                return va_err_setn(err, VA_E_TIMEOUT, (long)code,
                                   "%s: no complete answer within %u ms", url, timeout_ms);
        case ERROR_WINHTTP_CANNOT_CONNECT:
        case ERROR_WINHTTP_NAME_NOT_RESOLVED:
        case ERROR_WINHTTP_CONNECTION_ERROR:
                return va_err_setn(err, VA_E_NET, (long)code, "%s: %s", url,
                                   win_strerror(code, msg, sizeof(msg)));
        case ERROR_WINHTTP_INVALID_URL:
        case ERROR_WINHTTP_UNRECOGNIZED_SCHEME:
                return va_err_setn(err, VA_E_INVAL, (long)code, "%s: not an http(s) URL", url);
        default:
                return va_err_setn(err, VA_E_IO, (long)code, "%s: %s", url,
                                   win_strerror(code, msg, sizeof(msg)));
        }
}

int
plat_http_get(const char *raw_url, unsigned timeout_ms, size_t max_body,
              struct plat_http_response *ret, struct va_err *err)
{
        URL_COMPONENTSW uc;
        HINTERNET session = NULL, conn = NULL, req = NULL;
        wchar_t *wurl = win_utf16(raw_url), host[256], path[2048];
        char url[1024]; /* for messages: any user:password@ hidden */
        DWORD status = 0, size = sizeof(status), clen = 0, clen_size = sizeof(clen);
        DWORD feature = WINHTTP_DISABLE_REDIRECTS;
        int have_clen, r = 0;
        struct va_buf body = VA_BUF_INIT(max_body);

        memset(ret, 0, sizeof(*ret));
        (void)va_url_redact(raw_url, url, sizeof(url));
        if (wurl == NULL)
                return va_err_set(err, VA_E_INVAL, "%s: not a valid URL", url);
        memset(&uc, 0, sizeof(uc));
        uc.dwStructSize = sizeof(uc);
        uc.lpszHostName = host;
        uc.dwHostNameLength = sizeof(host) / sizeof(host[0]);
        uc.lpszUrlPath = path;
        uc.dwUrlPathLength = sizeof(path) / sizeof(path[0]);
        if (!WinHttpCrackUrl(wurl, 0, 0, &uc)) {
                free(wurl);
                return va_err_set(err, VA_E_INVAL, "%s: not a valid URL", url);
        }
        free(wurl);
        /* the metadata service is local: a proxy would be wrong, and could
         * see the CHAP secrets */
        session = WinHttpOpen(L"volattach", WINHTTP_ACCESS_TYPE_NO_PROXY, WINHTTP_NO_PROXY_NAME,
                              WINHTTP_NO_PROXY_BYPASS, 0);
        if (session == NULL)
                return map_error(GetLastError(), url, timeout_ms, err);
        (void)WinHttpSetTimeouts(session, (int)timeout_ms, (int)timeout_ms, (int)timeout_ms,
                                 (int)timeout_ms);
        conn = WinHttpConnect(session, host, uc.nPort, 0);
        if (conn == NULL) {
                r = map_error(GetLastError(), url, timeout_ms, err);
                goto out;
        }
        req = WinHttpOpenRequest(conn, L"GET", path, NULL, WINHTTP_NO_REFERER,
                                 WINHTTP_DEFAULT_ACCEPT_TYPES,
                                 uc.nScheme == INTERNET_SCHEME_HTTPS ? WINHTTP_FLAG_SECURE : 0);
        if (req == NULL) {
                r = map_error(GetLastError(), url, timeout_ms, err);
                goto out;
        }
        (void)WinHttpSetOption(req, WINHTTP_OPTION_DISABLE_FEATURE, &feature, sizeof(feature));
        if (!WinHttpSendRequest(req, WINHTTP_NO_ADDITIONAL_HEADERS, 0, WINHTTP_NO_REQUEST_DATA, 0,
                                0, 0) ||
            !WinHttpReceiveResponse(req, NULL)) {
                r = map_error(GetLastError(), url, timeout_ms, err);
                goto out;
        }
        if (!WinHttpQueryHeaders(req, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                                 WINHTTP_HEADER_NAME_BY_INDEX, &status, &size,
                                 WINHTTP_NO_HEADER_INDEX)) {
                r = map_error(GetLastError(), url, timeout_ms, err);
                goto out;
        }
        have_clen = WinHttpQueryHeaders(
            req, WINHTTP_QUERY_CONTENT_LENGTH | WINHTTP_QUERY_FLAG_NUMBER,
            WINHTTP_HEADER_NAME_BY_INDEX, &clen, &clen_size, WINHTTP_NO_HEADER_INDEX);
        if (have_clen && clen > max_body) {
                r = va_err_set(err, VA_E_TOOBIG, "%s: body is larger than %zu bytes", url,
                               max_body);
                goto out;
        }
        for (;;) {
                DWORD avail = 0, got = 0;

                if (!WinHttpQueryDataAvailable(req, &avail)) {
                        DWORD e = GetLastError();

                        if (have_clen && body.len < clen)
                                r = va_err_setn(err, VA_E_IO, (long)e,
                                                "%s: truncated body: %zu of %lu bytes received",
                                                url, body.len, (unsigned long)clen);
                        else
                                r = map_error(e, url, timeout_ms, err);
                        goto out;
                }
                if (avail == 0)
                        break;
                r = va_buf_reserve(&body, avail);
                if (r == -VA_E_TOOBIG) {
                        r = va_err_set(err, VA_E_TOOBIG, "%s: body is larger than %zu bytes", url,
                                       max_body);
                        goto out;
                }
                if (r < 0) {
                        r = va_err_set(err, VA_E_NOMEM, "out of memory");
                        goto out;
                }
                if (!WinHttpReadData(req, body.data + body.len, avail, &got)) {
                        r = map_error(GetLastError(), url, timeout_ms, err);
                        goto out;
                }
                if (got == 0)
                        break;
                va_buf_commit(&body, got);
        }
        if (have_clen && body.len < clen) {
                r = va_err_set(err, VA_E_IO, "%s: truncated body: %zu of %lu bytes received", url,
                               body.len, (unsigned long)clen);
                goto out;
        }
        ret->status = (long)status;
        ret->body = body.data;
        ret->len = body.len;
        body.data = NULL;
out:
        va_buf_free(&body);
        if (req != NULL)
                WinHttpCloseHandle(req);
        if (conn != NULL)
                WinHttpCloseHandle(conn);
        WinHttpCloseHandle(session);
        return r;
}
