/* SPDX-License-Identifier: Apache-2.0 */
/* Status codes and rules of the Microsoft iSCSI initiator API, portable. */
#include "backend/iscsidsc-util.h"

#include <stdio.h>

#include "base/hex.h"

static const struct {
        uint32_t code;
        const char *name;
        enum isdsc_class cls;
        int err;
} table[] = {
        { ISDSC_TARGET_ALREADY_LOGGED_IN, "TARGET_ALREADY_LOGGED_IN", ISDSC_CLASS_ALREADY, 0 },
        { ISDSC_SESSION_ALREADY_EXISTS, "SESSION_ALREADY_EXISTS", ISDSC_CLASS_ALREADY, 0 },
        { ISDSC_TARGET_PORTAL_ALREADY_EXISTS, "TARGET_PORTAL_ALREADY_EXISTS", ISDSC_CLASS_ALREADY,
          0 },
        { ISDSC_SESSION_BUSY, "SESSION_BUSY", ISDSC_CLASS_RETRY, VA_E_BUSY },
        { ISDSC_DEVICE_BUSY_ON_SESSION, "DEVICE_BUSY_ON_SESSION", ISDSC_CLASS_RETRY, VA_E_BUSY },
        { ISDSC_CONNECTION_FAILED, "CONNECTION_FAILED", ISDSC_CLASS_RETRY, VA_E_NET },
        { ISDSC_SEND_FAILED, "SEND_FAILED", ISDSC_CLASS_RETRY, VA_E_NET },
        { ISDSC_TRANSPORT_ERROR, "TRANSPORT_ERROR", ISDSC_CLASS_RETRY, VA_E_NET },
        { ISDSC_LOGIN_FAILED, "LOGIN_FAILED", ISDSC_CLASS_RETRY, VA_E_NET },
        { ISDSC_LOGON_FAILED, "LOGON_FAILED", ISDSC_CLASS_RETRY, VA_E_NET },
        { ISDSC_BUFFER_TOO_SMALL, "BUFFER_TOO_SMALL", ISDSC_CLASS_SMALL, VA_E_TOOBIG },
        { ISDSC_WIN32_INSUFFICIENT_BUFFER, "INSUFFICIENT_BUFFER", ISDSC_CLASS_SMALL, VA_E_TOOBIG },
        { ISDSC_HR_INSUFFICIENT_BUFFER, "INSUFFICIENT_BUFFER", ISDSC_CLASS_SMALL, VA_E_TOOBIG },
        { ISDSC_AUTHENTICATION_FAILURE, "AUTHENTICATION_FAILURE", ISDSC_CLASS_FAIL, VA_E_AUTH },
        { ISDSC_AUTHORIZATION_FAILURE, "AUTHORIZATION_FAILURE", ISDSC_CLASS_FAIL, VA_E_AUTH },
        { ISDSC_TARGET_NOT_FOUND, "TARGET_NOT_FOUND", ISDSC_CLASS_FAIL, VA_E_NOTFOUND },
        { ISDSC_NOT_FOUND, "NOT_FOUND", ISDSC_CLASS_FAIL, VA_E_NOTFOUND },
        { ISDSC_PORTAL_NOT_FOUND, "PORTAL_NOT_FOUND", ISDSC_CLASS_FAIL, VA_E_NOTFOUND },
        { ISDSC_INITIATOR_NOT_FOUND, "INITIATOR_NOT_FOUND", ISDSC_CLASS_FAIL, VA_E_NOTFOUND },
        { ISDSC_INVALID_SESSION_ID, "INVALID_SESSION_ID", ISDSC_CLASS_FAIL, VA_E_NOTFOUND },
        { ISDSC_NO_PORTAL_SPECIFIED, "NO_PORTAL_SPECIFIED", ISDSC_CLASS_FAIL, VA_E_INVAL },
        { ISDSC_INVALID_CHAP_SECRET, "INVALID_CHAP_SECRET", ISDSC_CLASS_FAIL, VA_E_INVAL },
        { ISDSC_INVALID_TARGET_CHAP_SECRET, "INVALID_TARGET_CHAP_SECRET", ISDSC_CLASS_FAIL,
          VA_E_INVAL },
        { ISDSC_INVALID_INITIATOR_CHAP_SECRET, "INVALID_INITIATOR_CHAP_SECRET", ISDSC_CLASS_FAIL,
          VA_E_INVAL },
        { ISDSC_INVALID_CHAP_USER_NAME, "INVALID_CHAP_USER_NAME", ISDSC_CLASS_FAIL, VA_E_INVAL },
        { ISDSC_INVALID_LOGON_AUTH_TYPE, "INVALID_LOGON_AUTH_TYPE", ISDSC_CLASS_FAIL, VA_E_INVAL },
        { ISDSC_INVALID_ISCSI_NAME, "INVALID_ISCSI_NAME", ISDSC_CLASS_FAIL, VA_E_INVAL },
        { ISDSC_SERVICE_NOT_RUNNING, "SERVICE_NOT_RUNNING", ISDSC_CLASS_FAIL, VA_E_ENV },
        { ISDSC_NON_SPECIFIC_ERROR, "NON_SPECIFIC_ERROR", ISDSC_CLASS_FAIL, VA_E_INITIATOR },
        { ISDSC_WARN_OPERATION_NOT_ALL_SUCCESS, "OPERATION_NOT_ALL_SUCCESS", ISDSC_CLASS_OK, 0 },
        { ISDSC_WARN_OPERATION_REQUIRES_REBOOT, "OPERATION_REQUIRES_REBOOT", ISDSC_CLASS_OK, 0 },
        { ISDSC_WARN_SHORT_CHAP_SECRET, "SHORT_CHAP_SECRET", ISDSC_CLASS_OK, 0 },
        { 5u, "ACCESS_DENIED", ISDSC_CLASS_FAIL, VA_E_PERM },
        { 1060u, "SERVICE_DOES_NOT_EXIST", ISDSC_CLASS_FAIL, VA_E_ENV },
};

int
isdsc_is_warning(uint32_t status)
{
        /* severity bits 10: "warning", success with a note (iscsierr.h) */
        return (status & 0xC0000000u) == 0x80000000u && (status & 0x0FFF0000u) == 0x0FFF0000u;
}

enum isdsc_class
isdsc_classify(uint32_t status)
{
        size_t i;

        if (status == ISDSC_OK || isdsc_is_warning(status))
                return ISDSC_CLASS_OK;
        for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
                if (table[i].code == status)
                        return table[i].cls;
        return ISDSC_CLASS_FAIL;
}

const char *
isdsc_name(uint32_t status)
{
        size_t i;

        for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
                if (table[i].code == status)
                        return table[i].name;
        return NULL;
}

int
isdsc_errcode(uint32_t status)
{
        size_t i;

        for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
                if (table[i].code == status && table[i].err != 0)
                        return table[i].err;
        return VA_E_INITIATOR;
}

int
isdsc_error(struct va_err *err, uint32_t status, const char *what)
{
        const char *name = isdsc_name(status);

        return va_err_setn(err, isdsc_errcode(status), (long)status, "%s: %s (0x%08lX)", what,
                           name ? name : "error", (unsigned long)status);
}

int
isdsc_check_secret_len(size_t len, const char *what, struct va_err *err)
{
        if (len < ISDSC_CHAP_MIN || len > ISDSC_CHAP_MAX)
                return va_err_set(err, VA_E_INVAL,
                                  "%s is %zu bytes; the Microsoft iSCSI initiator needs %d to %d "
                                  "bytes (RFC 7143 without IPsec)",
                                  what, len, ISDSC_CHAP_MIN, ISDSC_CHAP_MAX);
        return 0;
}

void
isdsc_handle_format(uint64_t adapter_unique, uint64_t adapter_specific, char *buf, size_t len)
{
        (void)snprintf(buf, len, "%016llx-%016llx", (unsigned long long)adapter_unique,
                       (unsigned long long)adapter_specific);
}

/* Exactly 16 hex digits; *end is what follows them. */
static int
hex64(const char *s, uint64_t *ret, const char **end)
{
        *end = s + 16;
        return hex_parse_fixed(s, 16, ret);
}

int
isdsc_handle_parse(const char *s, uint64_t *adapter_unique, uint64_t *adapter_specific)
{
        uint64_t au, as;
        const char *p;

        if (hex64(s, &au, &p) < 0 || *p != '-' || hex64(p + 1, &as, &p) < 0 || *p != '\0')
                return -VA_E_INVAL;
        *adapter_unique = au;
        *adapter_specific = as;
        return 0;
}

int
isdsc_multisz_each(const uint16_t *buf, size_t count,
                   int (*fn)(const uint16_t *name, size_t len, void *ctx), void *ctx)
{
        size_t i = 0;

        while (i < count) {
                size_t start = i;
                int r;

                while (i < count && buf[i] != 0)
                        i++;
                if (i == start)
                        break; /* the empty string ends the list */
                r = fn(buf + start, i - start, ctx);
                if (r != 0)
                        return r;
                i++; /* the NUL */
        }
        return 0;
}

size_t
isdsc_grow(size_t old, size_t asked)
{
        size_t n = old * 2;

        if (n < asked)
                n = asked;
        return n + n / 4 + 256;
}
