/* SPDX-License-Identifier: Apache-2.0 */
/* SendTargets output as iscsiadm prints it (usr/iscsiadm.c print_nodes:
 * "%s,%d %s\n" of address:port, tpgt and target name), checked field by
 * field: a target name or portal that reaches a node record or an iscsiadm
 * argument must be one volattach would accept from metadata. */
#include "backend/sendtargets.h"

#include <stdlib.h>
#include <string.h>

#include "core/iscsiname.h"
#include "core/portal.h"

/* One line (no newline) into t; 0 or -1 when it is not a valid entry. */
static int
entry_parse(const char *line, size_t n, struct initiator_target *t)
{
        char buf[PORTAL_TEXT_MAX + ISCSI_NAME_MAX + 16];
        const char *sp;
        size_t plen;

        if (n == 0 || n >= sizeof(buf) || memchr(line, '\0', n) != NULL)
                return -1;
        sp = memchr(line, ' ', n);
        if (sp == NULL || sp == line)
                return -1;
        plen = (size_t)(sp - line);
        memcpy(buf, line, n);
        buf[n] = '\0';
        buf[plen] = '\0';
        memset(t, 0, sizeof(*t));
        if (portal_parse(buf, &t->portal, NULL, NULL) < 0 || t->portal.tpgt < 0)
                return -1;
        /* the name check refuses blanks, so a second field or a trailing
         * blank makes the line malformed */
        if (n - plen - 1 > ISCSI_NAME_MAX || iscsi_name_check(buf + plen + 1, NULL, NULL) <= 0)
                return -1;
        (void)memcpy(t->iqn, buf + plen + 1, n - plen); /* with its NUL */
        return 0;
}

int
sendtargets_parse(const char *text, size_t len, struct initiator_target **ret, size_t *ret_n,
                  size_t *ret_bad, struct va_err *err)
{
        struct initiator_target *v = NULL;
        size_t n = 0, bad = 0, i = 0;

        *ret = NULL;
        *ret_n = 0;
        if (ret_bad != NULL)
                *ret_bad = 0;
        if (len > SENDTARGETS_TEXT_MAX)
                return va_err_set(err, VA_E_INVAL, "SendTargets output of %zu bytes: more than %d",
                                  len, SENDTARGETS_TEXT_MAX);
        while (i < len) {
                const char *line = text + i;
                const char *nl = memchr(line, '\n', len - i);
                size_t ll = nl != NULL ? (size_t)(nl - line) : len - i;
                struct initiator_target t;

                i += ll + (nl != NULL ? 1 : 0);
                if (ll == 0 || (ll >= 10 && memcmp(line, "iscsiadm: ", 10) == 0))
                        continue;
                if (entry_parse(line, ll, &t) < 0) {
                        bad++;
                        continue;
                }
                if (n == SENDTARGETS_TARGETS_MAX) {
                        free(v);
                        return va_err_set(err, VA_E_INVAL,
                                          "SendTargets returned more than %d targets",
                                          SENDTARGETS_TARGETS_MAX);
                }
                if ((n & (n - 1)) == 0) {
                        /* capacity doubles at each power of two */
                        struct initiator_target *nv = realloc(v, (n ? 2 * n : 1) * sizeof(*nv));

                        if (nv == NULL) {
                                free(v);
                                return va_err_set(err, VA_E_NOMEM, "out of memory");
                        }
                        v = nv;
                }
                v[n++] = t;
        }
        *ret = v;
        *ret_n = n;
        if (ret_bad != NULL)
                *ret_bad = bad;
        return 0;
}
