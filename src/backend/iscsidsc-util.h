/* SPDX-License-Identifier: Apache-2.0 */
/* The portable half of the Windows backend: classifying iscsidsc.dll status
 * codes (ISDSC_STATUS, iscsierr.h), their names, and the Microsoft
 * initiator's CHAP rules. No windows.h: it is unit-tested on Linux too. */
#ifndef VOLATTACH_BACKEND_ISCSIDSC_UTIL_H
#define VOLATTACH_BACKEND_ISCSIDSC_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* The codes volattach branches on (iscsierr.h; docs/windows-iscsi.md 2). */
#define ISDSC_OK                             0x00000000u
#define ISDSC_NON_SPECIFIC_ERROR             0xEFFF0001u
#define ISDSC_LOGIN_FAILED                   0xEFFF0002u
#define ISDSC_CONNECTION_FAILED              0xEFFF0003u
#define ISDSC_AUTHENTICATION_FAILURE         0xEFFF0009u
#define ISDSC_AUTHORIZATION_FAILURE          0xEFFF000Au
#define ISDSC_NOT_FOUND                      0xEFFF000Bu
#define ISDSC_SESSION_ALREADY_EXISTS         0xEFFF0016u
#define ISDSC_INVALID_SESSION_ID             0xEFFF001Cu
#define ISDSC_SESSION_BUSY                   0xEFFF001Fu
#define ISDSC_LOGON_FAILED                   0xEFFF0022u
#define ISDSC_SEND_FAILED                    0xEFFF0023u
#define ISDSC_TRANSPORT_ERROR                0xEFFF0024u
#define ISDSC_TARGET_NOT_FOUND               0xEFFF0029u
#define ISDSC_TARGET_PORTAL_ALREADY_EXISTS   0xEFFF0032u
#define ISDSC_NO_PORTAL_SPECIFIED            0xEFFF003Cu
#define ISDSC_SERVICE_NOT_RUNNING            0xEFFF003Eu
#define ISDSC_TARGET_ALREADY_LOGGED_IN       0xEFFF003Fu
#define ISDSC_DEVICE_BUSY_ON_SESSION         0xEFFF0040u
#define ISDSC_PORTAL_NOT_FOUND               0xEFFF0043u
#define ISDSC_INITIATOR_NOT_FOUND            0xEFFF0044u
#define ISDSC_INVALID_CHAP_SECRET            0xEFFF004Au
#define ISDSC_INVALID_TARGET_CHAP_SECRET     0xEFFF004Bu
#define ISDSC_INVALID_INITIATOR_CHAP_SECRET  0xEFFF004Cu
#define ISDSC_INVALID_CHAP_USER_NAME         0xEFFF004Du
#define ISDSC_INVALID_LOGON_AUTH_TYPE        0xEFFF004Eu
#define ISDSC_INVALID_ISCSI_NAME             0xEFFF0051u
#define ISDSC_BUFFER_TOO_SMALL               0xEFFF0054u
#define ISDSC_WARN_OPERATION_NOT_ALL_SUCCESS 0xAFFF002Eu
#define ISDSC_WARN_OPERATION_REQUIRES_REBOOT 0xAFFF003Bu
#define ISDSC_WARN_SHORT_CHAP_SECRET         0xAFFF0048u
#define ISDSC_WIN32_INSUFFICIENT_BUFFER      122u        /* ERROR_INSUFFICIENT_BUFFER */
#define ISDSC_HR_INSUFFICIENT_BUFFER         0x8007007Au /* HRESULT_FROM_WIN32(122) */

/* The Microsoft initiator takes CHAP secrets of 12..16 bytes without IPsec
 * (SetIScsiInitiatorCHAPSharedSecret, VDS_ISCSI_SHARED_SECRET). */
#define ISDSC_CHAP_MIN 12
#define ISDSC_CHAP_MAX 16

enum isdsc_class {
        ISDSC_CLASS_OK = 0,  /* success, or a warning (0xAFFF....) */
        ISDSC_CLASS_ALREADY, /* already logged in / portal exists: idempotent success */
        ISDSC_CLASS_RETRY,   /* busy, transient network: try again */
        ISDSC_CLASS_SMALL,   /* the buffer was too small: grow and call again */
        ISDSC_CLASS_FAIL,    /* final */
};

enum isdsc_class isdsc_classify(uint32_t status);

/* 1 for a warning code: success with something to log. */
int isdsc_is_warning(uint32_t status);

/* "TARGET_ALREADY_LOGGED_IN" for the codes above, NULL otherwise. */
const char *isdsc_name(uint32_t status);

/* The va_errcode a failure maps to (auth, network, not found, ...). */
int isdsc_errcode(uint32_t status);

/* Formats "what failed: NAME (0xEFFF0009)" into err; returns -code. */
int isdsc_error(struct va_err *err, uint32_t status, const char *what);

/* 0, or -VA_E_INVAL with a clear message when a secret cannot be used by the
 * Microsoft initiator. `what` names it ("CHAP secret", "mutual CHAP secret"). */
int isdsc_check_secret_len(size_t len, const char *what, struct va_err *err);

/* Session ids as text, "AdapterUnique-AdapterSpecific" in 16 + 16 hex
 * digits (ISCSI_UNIQUE_SESSION_ID is two ULONGLONGs in the SDK). */
void isdsc_handle_format(uint64_t adapter_unique, uint64_t adapter_specific, char *buf, size_t len);
int isdsc_handle_parse(const char *s, uint64_t *adapter_unique, uint64_t *adapter_specific);

/* Walks a REG_MULTI_SZ-style list of UTF-16 names (ReportIScsiTargetsW):
 * calls fn for each non-empty name, never reading past count units. */
int isdsc_multisz_each(const uint16_t *buf, size_t count,
                       int (*fn)(const uint16_t *name, size_t len, void *ctx), void *ctx);

/* Grow-and-retry size for a buffer the API said was too small: at least
 * what it asked for, at least twice the old one, plus slack for sessions
 * that appear between calls. */
size_t isdsc_grow(size_t old, size_t asked);

#endif
