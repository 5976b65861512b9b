/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers of the simulated iscsidsc.dll: UTF-16 conversion, ASCII
 * comparisons, secret fingerprints and status names for the trace. */
#include <limits.h>
#include <string.h>

#include "sim.h"

int
sim_from_wide(const WCHAR *w, char *out, size_t cap)
{
        int n;

        if (w == NULL || cap == 0 || cap > INT_MAX)
                return -1;
        n = WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, w, -1, out, (int)cap, NULL, NULL);
        if (n <= 0) {
                out[0] = '\0';
                return -1;
        }
        return 0;
}

int
sim_to_wide(const char *s, WCHAR *out, size_t cap)
{
        int n;

        if (cap == 0 || cap > INT_MAX)
                return -1;
        n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, out, (int)cap);
        if (n <= 0) {
                out[0] = 0;
                return -1;
        }
        return 0;
}

size_t
sim_wide_len(const char *s)
{
        int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);

        return n > 0 ? (size_t)n : 1;
}

int
sim_streqi(const char *a, const char *b)
{
        for (;; a++, b++) {
                char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
                char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;

                if (x != y)
                        return 0;
                if (x == '\0')
                        return 1;
        }
}

int
sim_addr_eq(const struct sim_addr *a, const struct sim_addr *b)
{
        /* DNS names compare case-insensitively, as the service does with
         * portal addresses (assumed) */
        return a->port == b->port && sim_streqi(a->host, b->host);
}

void
sim_copy(char *dst, size_t cap, const char *src)
{
        size_t n = strlen(src);

        if (cap == 0)
                return;
        if (n >= cap)
                n = cap - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
}

struct sim_secret_ref
sim_fingerprint(const void *bytes, size_t len)
{
        /* FNV-1a 64 over a fixed prefix and the bytes */
        static const char salt[] = "volattach-iscsidsc-sim";
        const unsigned char *p = bytes;
        struct sim_secret_ref r;
        uint64_t h = 0xcbf29ce484222325ull;
        size_t i;

        for (i = 0; i < sizeof(salt) - 1; i++)
                h = (h ^ (unsigned char)salt[i]) * 0x100000001b3ull;
        for (i = 0; i < len; i++)
                h = (h ^ p[i]) * 0x100000001b3ull;
        r.len = len;
        r.fp = h;
        return r;
}

int
sim_secret_eq(struct sim_secret_ref a, struct sim_secret_ref b)
{
        return a.len == b.len && a.fp == b.fp;
}

static const struct {
        ULONG code;
        const char *name;
} names[] = {
        { ERROR_SUCCESS, "SUCCESS" },
        { ERROR_INVALID_PARAMETER, "ERROR_INVALID_PARAMETER" },
        { ERROR_INSUFFICIENT_BUFFER, "ERROR_INSUFFICIENT_BUFFER" },
        { ISDSC_HR_INSUFFICIENT_BUFFER, "HRESULT(ERROR_INSUFFICIENT_BUFFER)" },
        { ISDSC_NON_SPECIFIC_ERROR, "ISDSC_NON_SPECIFIC_ERROR" },
        { ISDSC_LOGIN_FAILED, "ISDSC_LOGIN_FAILED" },
        { ISDSC_CONNECTION_FAILED, "ISDSC_CONNECTION_FAILED" },
        { ISDSC_AUTHENTICATION_FAILURE, "ISDSC_AUTHENTICATION_FAILURE" },
        { ISDSC_AUTHORIZATION_FAILURE, "ISDSC_AUTHORIZATION_FAILURE" },
        { ISDSC_NOT_FOUND, "ISDSC_NOT_FOUND" },
        { ISDSC_SESSION_ALREADY_EXISTS, "ISDSC_SESSION_ALREADY_EXISTS" },
        { ISDSC_INITIATOR_INSTANCE_NOT_FOUND, "ISDSC_INITIATOR_INSTANCE_NOT_FOUND" },
        { ISDSC_TARGET_ALREADY_EXISTS, "ISDSC_TARGET_ALREADY_EXISTS" },
        { ISDSC_INVALID_SESSION_ID, "ISDSC_INVALID_SESSION_ID" },
        { ISDSC_TOO_MANY_SESSIONS, "ISDSC_TOO_MANY_SESSIONS" },
        { ISDSC_SESSION_BUSY, "ISDSC_SESSION_BUSY" },
        { ISDSC_LOGON_FAILED, "ISDSC_LOGON_FAILED" },
        { ISDSC_SEND_FAILED, "ISDSC_SEND_FAILED" },
        { ISDSC_TRANSPORT_ERROR, "ISDSC_TRANSPORT_ERROR" },
        { ISDSC_TARGET_NOT_FOUND, "ISDSC_TARGET_NOT_FOUND" },
        { ISDSC_INVALID_PORT_NUMBER, "ISDSC_INVALID_PORT_NUMBER" },
        { ISDSC_OPERATION_NOT_ALL_SUCCESS, "ISDSC_OPERATION_NOT_ALL_SUCCESS" },
        { ISDSC_TARGET_PORTAL_ALREADY_EXISTS, "ISDSC_TARGET_PORTAL_ALREADY_EXISTS" },
        { ISDSC_OPERATION_REQUIRES_REBOOT, "ISDSC_OPERATION_REQUIRES_REBOOT" },
        { ISDSC_NO_PORTAL_SPECIFIED, "ISDSC_NO_PORTAL_SPECIFIED" },
        { ISDSC_SERVICE_NOT_RUNNING, "ISDSC_SERVICE_NOT_RUNNING" },
        { ISDSC_TARGET_ALREADY_LOGGED_IN, "ISDSC_TARGET_ALREADY_LOGGED_IN" },
        { ISDSC_DEVICE_BUSY_ON_SESSION, "ISDSC_DEVICE_BUSY_ON_SESSION" },
        { ISDSC_COULD_NOT_SAVE_PERSISTENT_LOGIN_DATA,
          "ISDSC_COULD_NOT_SAVE_PERSISTENT_LOGIN_DATA" },
        { ISDSC_COULD_NOT_REMOVE_PERSISTENT_LOGIN_DATA,
          "ISDSC_COULD_NOT_REMOVE_PERSISTENT_LOGIN_DATA" },
        { ISDSC_PORTAL_NOT_FOUND, "ISDSC_PORTAL_NOT_FOUND" },
        { ISDSC_INITIATOR_NOT_FOUND, "ISDSC_INITIATOR_NOT_FOUND" },
        { ISDSC_SHORT_CHAP_SECRET, "ISDSC_SHORT_CHAP_SECRET" },
        { ISDSC_INVALID_CHAP_SECRET, "ISDSC_INVALID_CHAP_SECRET" },
        { ISDSC_INVALID_TARGET_CHAP_SECRET, "ISDSC_INVALID_TARGET_CHAP_SECRET" },
        { ISDSC_INVALID_INITIATOR_CHAP_SECRET, "ISDSC_INVALID_INITIATOR_CHAP_SECRET" },
        { ISDSC_INVALID_CHAP_USER_NAME, "ISDSC_INVALID_CHAP_USER_NAME" },
        { ISDSC_INVALID_LOGON_AUTH_TYPE, "ISDSC_INVALID_LOGON_AUTH_TYPE" },
        { ISDSC_INVALID_ISCSI_NAME, "ISDSC_INVALID_ISCSI_NAME" },
        { ISDSC_BUFFER_TOO_SMALL, "ISDSC_BUFFER_TOO_SMALL" },
        { ISDSC_INVALID_PARAMETER, "ISDSC_INVALID_PARAMETER" },
};

const char *
sim_status_name(ULONG status)
{
        size_t i;

        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (names[i].code == status)
                        return names[i].name;
        return NULL;
}

int
sim_status_code(const char *name, ULONG *code)
{
        size_t i;

        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (strcmp(names[i].name, name) == 0) {
                        *code = names[i].code;
                        return 0;
                }
        return -1;
}
