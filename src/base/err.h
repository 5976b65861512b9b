/* SPDX-License-Identifier: Apache-2.0 */
/* Error codes and the caller-owned error record that carries a readable,
 * context-rich message up to the one place that logs it (the CLI). */
#ifndef VOLATTACH_BASE_ERR_H
#define VOLATTACH_BASE_ERR_H

#include <stddef.h>

/* The printf dialect the compiler checks formats against. mingw-w64's GCC
 * reads "printf" as msvcrt's, which has no %zu; the Windows build passes
 * -DVA_PRINTF_FORMAT=gnu_printf (meson.build), since __USE_MINGW_ANSI_STDIO
 * links the C99 printf family there. */
#ifndef VA_PRINTF_FORMAT
#define VA_PRINTF_FORMAT printf
#endif

/* Numbers never change meaning; retired codes keep their slot. Functions
 * return 0 (or a count) on success and a negative code on failure. */
enum va_errcode {
        VA_OK = 0,
        VA_E_INVAL = 1,        /* bad input: metadata, argument, name */
        VA_E_NOMEM = 2,        /* allocation failed */
        VA_E_IO = 3,           /* read/write failure on a file or device */
        VA_E_NOTFOUND = 4,     /* no such file, device, target, session */
        VA_E_TOOBIG = 5,       /* a size or count cap was exceeded */
        VA_E_PARSE = 6,        /* document is not valid JSON / filesystem */
        VA_E_AUTH = 7,         /* CHAP or ACL refused the login */
        VA_E_NET = 8,          /* portal unreachable, connection refused */
        VA_E_TIMEOUT = 9,      /* a bounded wait expired */
        VA_E_BUSY = 10,        /* device mounted or held open, lock held */
        VA_E_PERM = 11,        /* not root / not elevated */
        VA_E_ENV = 12,         /* missing tool, service, kernel support */
        VA_E_INITIATOR = 13,   /* the OS initiator failed in another way */
        VA_E_UNSUPPORTED = 14, /* asked for something this backend cannot do */
        VA_E_EXISTS = 15,      /* already exists (often mapped to success) */
        VA_E_HTTP = 16,        /* the metadata service answered with an error */
        VA_E_CODE_COUNT
};

#define VA_ERR_MSG_MAX 1024

/* One failure, described for the person reading the log. The first failure
 * wins: va_err_set() on a record already set changes nothing in it and only
 * returns the new code, so the innermost cause is the one reported, and
 * callers above add their context with va_err_prefix(). */
struct va_err {
        int code;    /* enum va_errcode, positive */
        long native; /* iscsiadm exit status, Win32/ISDSC code, errno; 0 if none */
        char msg[VA_ERR_MSG_MAX];
};

/* Clears an error record for reuse. */
void va_err_clear(struct va_err *err);

/* Fills err (if not already set and err is not NULL) and returns -code, so
 * that the common case is `return va_err_set(err, VA_E_INVAL, "...")`. */
int va_err_set(struct va_err *err, int code, const char *fmt, ...)
    __attribute__((format(VA_PRINTF_FORMAT, 3, 4)));

/* Like va_err_set() and also records the native code. */
int va_err_setn(struct va_err *err, int code, long native, const char *fmt, ...)
    __attribute__((format(VA_PRINTF_FORMAT, 4, 5)));

/* Puts "prefix: " in front of the message already in err, so that callers
 * higher up can add the context they know (source, item, key). */
void va_err_prefix(struct va_err *err, const char *fmt, ...)
    __attribute__((format(VA_PRINTF_FORMAT, 2, 3)));

/* A short fixed text for a code, e.g. "authentication failed". */
const char *va_strerror(int code);

#endif
