/* SPDX-License-Identifier: Apache-2.0 */
/* The metadata service: bounded retries with backoff and jitter on transient
 * failures only (connection errors, 408, 429, 5xx); 404 means "no
 * metadata"; every body capped. */
#include "meta/source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "platform/platform.h"

int
meta_http_retryable(int rc, long status)
{
        if (rc < 0)
                return rc == -VA_E_NET || rc == -VA_E_TIMEOUT || rc == -VA_E_IO;
        return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

unsigned
meta_http_backoff_ms(const struct meta_http_policy *p, unsigned retry, uint32_t rnd)
{
        uint64_t d = p->backoff_ms;
        unsigned i;

        for (i = 0; i < retry && d < p->backoff_max_ms; i++)
                d *= 2;
        if (d > p->backoff_max_ms)
                d = p->backoff_max_ms;
        if (d == 0)
                return 0;
        return (unsigned)(d / 2 + rnd % (d / 2 + 1));
}

/* What is left of the run's metadata deadline, in ms; UINT_MAX-ish when
 * there is none. 0: it has passed. */
static unsigned
left_ms(const struct meta_http_policy *p)
{
        uint64_t now;

        if (p->until_ms == 0)
                return ~0u;
        now = plat_monotonic_ms();
        return now >= p->until_ms ? 0 : (unsigned)(p->until_ms - now);
}

int
meta_http_fetch(const char *url, const struct meta_http_policy *p, char **ret_buf, size_t *ret_len,
                struct va_err *err)
{
        struct plat_http_response resp;
        struct va_err e;
        unsigned attempt;
        char shown[META_DOC_NAME_MAX + 32];
        int r = 0;

        /* a credential in the URL (user:password@) appears in no message */
        (void)va_url_redact(url, shown, sizeof(shown));
        va_err_clear(&e);
        for (attempt = 0; attempt < (p->attempts ? p->attempts : 1); attempt++) {
                unsigned timeout = p->timeout_ms;

                if (attempt > 0) {
                        unsigned pause = meta_http_backoff_ms(p, attempt - 1, plat_random_u32());

                        if (pause > left_ms(p))
                                pause = left_ms(p);
                        /* notice: the default level, so a wait is never silent */
                        if (left_ms(p) != ~0u)
                                va_log_event(
                                    VA_EVENT_METADATA_RETRY, VA_LOG_NOTICE,
                                    "%s: attempt %u of %u failed; next try in %u.%u s, %u.%u "
                                    "s of the metadata deadline left",
                                    shown, attempt, p->attempts, pause / 1000, pause % 1000 / 100,
                                    left_ms(p) / 1000, left_ms(p) % 1000 / 100);
                        else
                                va_log_event(VA_EVENT_METADATA_RETRY, VA_LOG_NOTICE,
                                             "%s: attempt %u of %u failed; next try in %u.%u s",
                                             shown, attempt, p->attempts, pause / 1000,
                                             pause % 1000 / 100);
                        plat_sleep_ms(pause);
                }
                if (left_ms(p) == 0) {
                        va_err_clear(&e);
                        r = va_err_set(&e, VA_E_TIMEOUT,
                                       "%s: the metadata deadline passed (--metadata-deadline)",
                                       shown);
                        break;
                }
                if (timeout > left_ms(p))
                        timeout = left_ms(p);
                va_err_clear(&e);
                r = plat_http_get(url, timeout, META_DOC_MAX, &resp, &e);
                if (r == 0 && resp.status == 200) {
                        *ret_buf = resp.body;
                        *ret_len = resp.len;
                        if (resp.body == NULL) {
                                *ret_buf = calloc(1, 1);
                                if (*ret_buf == NULL)
                                        return va_err_set(err, VA_E_NOMEM, "out of memory");
                        }
                        return 0;
                }
                if (r == 0 && resp.status == 404) {
                        plat_http_response_free(&resp);
                        return va_err_set(err, VA_E_NOTFOUND, "%s: 404 Not Found", shown);
                }
                if (r == 0) {
                        long status = resp.status;

                        plat_http_response_free(&resp);
                        va_err_clear(&e);
                        r = va_err_setn(&e, VA_E_HTTP, status, "%s: HTTP status %ld", shown,
                                        status);
                        if (!meta_http_retryable(0, status))
                                break;
                } else if (!meta_http_retryable(r, 0)) {
                        break;
                }
                /* the last attempt's failure is the error the caller
                 * reports (watch: once at warning, then at info) */
                if (attempt + 1 < (p->attempts ? p->attempts : 1))
                        va_log(VA_LOG_WARNING, "%s", e.msg);
        }
        if (attempt >= p->attempts && p->attempts > 1)
                va_err_prefix(&e, "gave up after %u attempts", p->attempts);
        if (err != NULL && err->code == 0)
                *err = e;
        return r < 0 ? r : -VA_E_HTTP;
}
