/* SPDX-License-Identifier: Apache-2.0 */
/* Running open-iscsi's iscsiadm (fixed argv, never a shell, never a secret
 * in the argument list) and turning its exit codes into volattach's. */
#ifndef VOLATTACH_BACKEND_ISCSIADM_H
#define VOLATTACH_BACKEND_ISCSIADM_H

#include <stddef.h>

#include "base/err.h"

/* open-iscsi include/iscsi_err.h: exit codes are its API */
enum {
        ISCSI_ERR_SESS_NOT_FOUND = 2,
        ISCSI_ERR_TRANS = 4,
        ISCSI_ERR_LOGIN = 5,
        ISCSI_ERR_IDBM = 6,
        ISCSI_ERR_TRANS_TIMEOUT = 8,
        ISCSI_ERR_PDU_TIMEOUT = 11,
        ISCSI_ERR_ACCESS = 13,
        ISCSI_ERR_SESS_EXISTS = 15,
        ISCSI_ERR_ISCSID_COMM_ERR = 18,
        ISCSI_ERR_FATAL_LOGIN = 19,
        ISCSI_ERR_ISCSID_NOTCONN = 20,
        ISCSI_ERR_NO_OBJS_FOUND = 21,
        ISCSI_ERR_LOGIN_AUTH_FAILED = 24,
        ISCSI_ERR_BUSY = 28,
        ISCSI_ERR_AGAIN = 29,
};

/* Runs "iscsiadm args..."; returns its exit status (>= 0) or a negative
 * code when it could not run, timed out or was killed. Its output is left
 * in *out when out is not NULL (the caller frees it). */
int iscsiadm_run(const char *const *args, unsigned timeout_ms, char **out, struct va_err *err);

/* The message of a tool's output worth showing: its last "iscsiadm: " line,
 * else its last non-empty line, escaped for a log line. */
void iscsiadm_tail(const char *out, char *buf, size_t len);

/* err set from a non-zero exit status of what ("login", ...), with the
 * error code the status means and a hint where one helps. */
int iscsiadm_error(int status, const char *out, const char *what, struct va_err *err);

#endif
