/* SPDX-License-Identifier: Apache-2.0 */
/* Error records: formatting with context, and the text for each code. */
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
va_err_clear(struct va_err *err)
{
        if (err == NULL)
                return;
        err->code = 0;
        err->native = 0;
        err->msg[0] = '\0';
}

static int err_vset(struct va_err *err, int code, long native, const char *fmt, va_list ap)
    __attribute__((format(VA_PRINTF_FORMAT, 4, 0)));

static int
err_vset(struct va_err *err, int code, long native, const char *fmt, va_list ap)
{
        if (code < 0)
                code = -code;
        if (err != NULL && err->code == 0) {
                err->code = code;
                err->native = native;
                (void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        }
        return -code;
}

int
va_err_set(struct va_err *err, int code, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = err_vset(err, code, 0, fmt, ap);
        va_end(ap);
        return r;
}

int
va_err_setn(struct va_err *err, int code, long native, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = err_vset(err, code, native, fmt, ap);
        va_end(ap);
        return r;
}

void
va_err_prefix(struct va_err *err, const char *fmt, ...)
{
        char prefix[512], old[VA_ERR_MSG_MAX];
        va_list ap;

        if (err == NULL || err->code == 0)
                return;
        va_start(ap, fmt);
        (void)vsnprintf(prefix, sizeof(prefix), fmt, ap);
        va_end(ap);
        memcpy(old, err->msg, sizeof(old));
        (void)snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
}

const char *
va_strerror(int code)
{
        static const char *const text[VA_E_CODE_COUNT] = {
                [VA_OK] = "success",
                [VA_E_INVAL] = "invalid input",
                [VA_E_NOMEM] = "out of memory",
                [VA_E_IO] = "input/output error",
                [VA_E_NOTFOUND] = "not found",
                [VA_E_TOOBIG] = "size limit exceeded",
                [VA_E_PARSE] = "parse error",
                [VA_E_AUTH] = "authentication failed",
                [VA_E_NET] = "network error",
                [VA_E_TIMEOUT] = "timed out",
                [VA_E_BUSY] = "busy",
                [VA_E_PERM] = "permission denied",
                [VA_E_ENV] = "environment not ready",
                [VA_E_INITIATOR] = "initiator error",
                [VA_E_UNSUPPORTED] = "not supported",
                [VA_E_EXISTS] = "already exists",
                [VA_E_HTTP] = "metadata service error",
        };

        if (code < 0)
                code = -code;
        if (code >= VA_E_CODE_COUNT || text[code] == NULL)
                return "unknown error";
        return text[code];
}
