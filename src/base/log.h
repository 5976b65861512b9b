/* SPDX-License-Identifier: Apache-2.0 */
/* Logging with syslog-numbered levels and a replaceable sink (stderr by
 * default; the system log or the Windows Event Log when run as a service).
 * Thread-safe: each message is formatted into its own buffer. */
#ifndef VOLATTACH_BASE_LOG_H
#define VOLATTACH_BASE_LOG_H

#include "base/err.h"

enum va_log_level {
        VA_LOG_ERR = 3,
        VA_LOG_WARNING = 4,
        VA_LOG_NOTICE = 5,
        VA_LOG_INFO = 6,
        VA_LOG_DEBUG = 7,
};

/* What kind of event a message reports, for sinks that file events by
 * kind: the Windows Event Log's Event ID (dist/windows/volattach.mc has a
 * message for each; tests/wine/pe-resources.py checks the two agree).
 * Never renumbered: monitoring filters on them. */
enum va_log_event {
        VA_EVENT_MESSAGE = 1,           /* anything not below */
        VA_EVENT_VOLUME_ATTACHED = 100, /* a volume's block device is there */
        VA_EVENT_VOLUME_DETACHED = 101,
        VA_EVENT_VOLUME_KEPT = 102,    /* gone from the metadata, still in use */
        VA_EVENT_VOLUME_FAILED = 200,  /* a volume could not be attached or detached */
        VA_EVENT_LOGIN_RETRY = 201,    /* a login failed and is retried */
        VA_EVENT_METADATA = 300,       /* the metadata could not be read or used */
        VA_EVENT_METADATA_RETRY = 301, /* a metadata request failed and is retried */
        VA_EVENT_HOST = 400,           /* the initiator, privileges, the state directory */
        VA_EVENT_WATCH_STARTED = 500,
        VA_EVENT_WATCH_STOPPED = 501,
};

typedef void (*va_log_sink_fn)(int level, const char *msg, void *ctx);

/* Messages above this level are dropped. Default: VA_LOG_NOTICE. */
void va_log_set_level(int level);
int va_log_get_level(void);

/* Replaces the sink; NULL restores stderr. */
void va_log_set_sink(va_log_sink_fn sink, void *ctx);

/* Adds a sink that receives every message too (the system log, a log
 * file); up to four, set up before any thread logs. */
void va_log_add_tee(va_log_sink_fn sink, void *ctx);

void va_log(int level, const char *fmt, ...) __attribute__((format(VA_PRINTF_FORMAT, 2, 3)));
/* va_log for a message of one kind (enum va_log_event). */
void va_log_event(int event, int level, const char *fmt, ...)
    __attribute__((format(VA_PRINTF_FORMAT, 3, 4)));
/* Inside a sink: the kind of the message it is given (VA_EVENT_MESSAGE
 * for va_log's). */
int va_log_current_event(void);

/* "error", "warning", ... */
const char *va_log_level_name(int level);

/* Parses "error|warning|notice|info|debug"; -1 if unknown. */
int va_log_level_parse(const char *s);

/* Copies s into buf with control characters (C0, DEL, and C1 as UTF-8)
 * escaped as \xNN, cut at len-1 bytes; va_log passes every message through
 * it before any sink sees it. */
void va_log_escape(const char *s, char *buf, unsigned long len);

/* Copies s into buf with control characters and non-ASCII bytes escaped as
 * \xNN and the result cut at len-1 bytes ("..." marks the cut), so a value
 * from metadata cannot forge log lines or terminal escapes. */
const char *va_log_quote(const char *s, char *buf, unsigned long len);

/* Copies a URL into buf with any userinfo ("user:password@") replaced, so
 * a credential in a metadata URL never reaches a message. The one place
 * URLs are redacted. */
const char *va_url_redact(const char *url, char *buf, unsigned long len);

#endif
