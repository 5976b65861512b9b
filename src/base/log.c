/* SPDX-License-Identifier: Apache-2.0 */
/* Logging: level filter, sinks, and safe quoting of untrusted values. */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/hex.h"

static int log_level = VA_LOG_NOTICE;
static va_log_sink_fn log_sink;
static void *log_sink_ctx;
/* extra sinks: the system log and a log file may both be on */
#define LOG_TEES 4
static va_log_sink_fn log_tee[LOG_TEES];
static void *log_tee_ctx[LOG_TEES];

void
va_log_set_level(int level)
{
        log_level = level;
}

int
va_log_get_level(void)
{
        return log_level;
}

void
va_log_set_sink(va_log_sink_fn sink, void *ctx)
{
        log_sink = sink;
        log_sink_ctx = ctx;
}

void
va_log_add_tee(va_log_sink_fn sink, void *ctx)
{
        size_t i;

        for (i = 0; i < LOG_TEES; i++) {
                if (log_tee[i] == NULL) {
                        log_tee[i] = sink;
                        log_tee_ctx[i] = ctx;
                        return;
                }
        }
}

const char *
va_log_level_name(int level)
{
        switch (level) {
        case VA_LOG_ERR:
                return "error";
        case VA_LOG_WARNING:
                return "warning";
        case VA_LOG_NOTICE:
                return "notice";
        case VA_LOG_INFO:
                return "info";
        default:
                return "debug";
        }
}

int
va_log_level_parse(const char *s)
{
        static const struct {
                const char *name;
                int level;
        } names[] = {
                { "error", VA_LOG_ERR }, { "warning", VA_LOG_WARNING }, { "notice", VA_LOG_NOTICE },
                { "info", VA_LOG_INFO }, { "debug", VA_LOG_DEBUG },
        };
        size_t i;

        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (strcmp(s, names[i].name) == 0)
                        return names[i].level;
        return -1;
}

static void
stderr_sink(int level, const char *msg, void *ctx)
{
        char line[2200];

        (void)ctx;
        /* One fputs per line: stdio locks the stream per call, so lines from
         * parallel logins do not interleave. */
        (void)snprintf(line, sizeof(line), "volattach: %s: %s\n", va_log_level_name(level), msg);
        (void)fputs(line, stderr);
}

void
va_log_escape(const char *s, char *buf, unsigned long len)
{
        static const char hex[] = "0123456789abcdef";
        unsigned long o = 0;

        if (len == 0)
                return;
        for (; *s != '\0'; s++) {
                unsigned char c = (unsigned char)*s;
                /* C0 controls and DEL, and the C1 controls (U+0080..U+009F,
                 * 0xc2 0x80..0x9f in UTF-8: CSI is one of them) */
                int c1 = c == 0xc2 && (unsigned char)s[1] >= 0x80 && (unsigned char)s[1] <= 0x9f;
                int esc = c < 0x20 || c == 0x7f || c1;

                if (o + (esc ? (c1 ? 8u : 4u) : 1u) + 1 > len)
                        break;
                if (!esc) {
                        buf[o++] = (char)c;
                        continue;
                }
                if (c1) {
                        memcpy(buf + o, "\\xc2", 4);
                        o += 4;
                        c = (unsigned char)*++s;
                }
                buf[o++] = '\\';
                buf[o++] = 'x';
                buf[o++] = hex[c >> 4];
                buf[o++] = hex[c & 15];
        }
        buf[o] = '\0';
}

/* The kind of the message being handed to the sinks, per thread: sinks
 * are called in the thread that logs. */
static _Thread_local int current_event = VA_EVENT_MESSAGE;

int
va_log_current_event(void)
{
        return current_event;
}

static void log_dispatch(int event, int level, const char *fmt, va_list ap)
    __attribute__((format(VA_PRINTF_FORMAT, 3, 0)));

static void
log_dispatch(int event, int level, const char *fmt, va_list ap)
{
        char raw[2048], msg[2048];
        size_t i;

        (void)vsnprintf(raw, sizeof(raw), fmt, ap);
        /* every sink gets one line without control characters, whatever a
         * message holds (a value from metadata, a helper's output, an
         * errno text): no forged line, no journal "<0>" prefix, no
         * terminal escape */
        va_log_escape(raw, msg, sizeof(msg));
        current_event = event;
        if (log_sink != NULL)
                log_sink(level, msg, log_sink_ctx);
        else
                stderr_sink(level, msg, NULL);
        for (i = 0; i < LOG_TEES && log_tee[i] != NULL; i++)
                log_tee[i](level, msg, log_tee_ctx[i]);
        current_event = VA_EVENT_MESSAGE;
}

void
va_log(int level, const char *fmt, ...)
{
        va_list ap;

        if (level > log_level)
                return;
        va_start(ap, fmt);
        log_dispatch(VA_EVENT_MESSAGE, level, fmt, ap);
        va_end(ap);
}

void
va_log_event(int event, int level, const char *fmt, ...)
{
        va_list ap;

        if (level > log_level)
                return;
        va_start(ap, fmt);
        log_dispatch(event, level, fmt, ap);
        va_end(ap);
}

const char *
va_log_quote(const char *s, char *buf, unsigned long len)
{
        unsigned long o = 0;

        if (len == 0)
                return "";
        if (s == NULL) {
                (void)snprintf(buf, len, "(null)");
                return buf;
        }
        for (; *s != '\0'; s++) {
                unsigned char c = (unsigned char)*s;
                int esc = c < 0x20 || c >= 0x7f || c == '\\' || c == '\'';
                unsigned long need = esc ? 4 : 1;

                if (o + need + 4 > len) {
                        memcpy(buf + o, "...", 3);
                        o += 3;
                        break;
                }
                if (esc) {
                        buf[o++] = '\\';
                        buf[o++] = 'x';
                        buf[o++] = hex_digit(c >> 4u);
                        buf[o++] = hex_digit(c);
                } else {
                        buf[o++] = (char)c;
                }
        }
        buf[o] = '\0';
        return buf;
}

const char *
va_url_redact(const char *url, char *buf, unsigned long len)
{
        const char *auth, *end, *at = NULL, *p;
        int n;

        if (len == 0)
                return "";
        auth = strstr(url, "://");
        auth = auth != NULL ? auth + 3 : url;
        end = auth + strcspn(auth, "/?#");
        /* RFC 3986 3.2.1: userinfo ends at the last '@' of the authority */
        for (p = auth; p < end; p++)
                if (*p == '@')
                        at = p;
        if (at == NULL)
                n = snprintf(buf, len, "%s", url);
        else
                n = snprintf(buf, len, "%.*s(credentials hidden)%s", (int)(auth - url), url, at);
        if (n < 0 || (unsigned long)n >= len)
                (void)snprintf(buf, len, "%s", "(URL too long to show)");
        return buf;
}
