/* SPDX-License-Identifier: Apache-2.0 */
/* The iscsiadm runner and the map from its exit codes to volattach's error
 * codes, with the hint an operator needs for the common ones. */
#include "backend/iscsiadm.h"

#include <stdio.h>
#include <string.h>

#include "backend/nodedb.h"
#include "base/log.h"
#include "base/strutil.h"
#include "platform/platform.h"

#define ADM_OUT_MAX (64 * 1024)

void
iscsiadm_tail(const char *out, char *buf, size_t len)
{
        const char *end, *start, *p, *pick_s = NULL, *pick_e = NULL;
        char line[512];
        size_t n;

        buf[0] = '\0';
        if (out == NULL)
                return;
        end = out + str_trim_end(out, strlen(out));
        /* The last "iscsiadm: ..." line says what went wrong; stdout's
         * progress lines ("Logging in to ...") come after it in the pipe
         * because stdout is flushed only at exit. */
        for (p = out; p < end;) {
                const char *e = memchr(p, '\n', (size_t)(end - p));

                if (e == NULL)
                        e = end;
                if (strncmp(p, "iscsiadm: ", 10) == 0) {
                        pick_s = p;
                        pick_e = e;
                }
                p = e + 1;
        }
        if (pick_s == NULL) {
                start = end;
                while (start > out && start[-1] != '\n')
                        start--;
                pick_s = start;
                pick_e = end;
        }
        n = (size_t)(pick_e - pick_s);
        if (n >= sizeof(line))
                n = sizeof(line) - 1;
        memcpy(line, pick_s, n);
        line[n] = '\0';
        (void)va_log_quote(line, buf, len);
}

int
iscsiadm_run(const char *const *args, unsigned timeout_ms, char **out, struct va_err *err)
{
        const char *argv[24];
        struct plat_spawn_result res;
        size_t i;
        int r;

        argv[0] = "iscsiadm";
        for (i = 0; args[i] != NULL && i + 2 < sizeof(argv) / sizeof(argv[0]); i++)
                argv[i + 1] = args[i];
        argv[i + 1] = NULL;
        r = plat_spawn(argv, timeout_ms, ADM_OUT_MAX, &res, err);
        if (r < 0)
                return r;
        if (out != NULL) {
                *out = res.out;
                res.out = NULL;
        }
        if (res.timed_out) {
                plat_spawn_result_free(&res);
                return va_err_set(err, VA_E_TIMEOUT, "iscsiadm %s did not finish within %u ms",
                                  args[0], timeout_ms);
        }
        if (!res.exited) {
                plat_spawn_result_free(&res);
                return va_err_set(err, VA_E_INITIATOR, "iscsiadm %s was killed", args[0]);
        }
        r = res.status;
        plat_spawn_result_free(&res);
        return r;
}

int
iscsiadm_error(int status, const char *out, const char *what, struct va_err *err)
{
        const char *reason = "";
        char tail[600];
        int code;

        iscsiadm_tail(out, tail, sizeof(tail));
        switch (status) {
        case ISCSI_ERR_LOGIN_AUTH_FAILED:
                code = VA_E_AUTH;
                reason = "CHAP authentication failed: check auth_username/auth_password "
                         "against the target's ACL; ";
                break;
        case ISCSI_ERR_TRANS_TIMEOUT:
        case ISCSI_ERR_PDU_TIMEOUT:
                code = VA_E_TIMEOUT;
                break;
        case ISCSI_ERR_TRANS:
        case ISCSI_ERR_LOGIN:
        case ISCSI_ERR_AGAIN:
        case ISCSI_ERR_ISCSID_COMM_ERR:
                code = VA_E_NET;
                break;
        case ISCSI_ERR_BUSY:
                code = VA_E_BUSY;
                break;
        case ISCSI_ERR_IDBM:
                code = VA_E_IO;
                reason = "open-iscsi could not write its node database under " NODEDB_ROOT
                         " (a read-only or full filesystem?); ";
                break;
        case ISCSI_ERR_FATAL_LOGIN:
                /* e.g. the target does not know this name or refuses the
                 * initiator outright: not worth a retry */
                code = VA_E_NOTFOUND;
                reason = "the login was refused outright: the portal does not offer this "
                         "target, the target's ACL lacks this initiator name, or (mutual CHAP) "
                         "the target's own credentials did not match; ";
                break;
        case ISCSI_ERR_ISCSID_NOTCONN:
                code = VA_E_ENV;
                break;
        case ISCSI_ERR_ACCESS:
                code = VA_E_PERM;
                break;
        default:
                code = VA_E_INITIATOR;
                break;
        }
        return va_err_setn(err, code, status, "%s failed (iscsiadm exit %d): %s%s", what, status,
                           reason, tail);
}
