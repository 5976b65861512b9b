/* SPDX-License-Identifier: Apache-2.0 */
/* open-iscsi records ("name = value" lines) rewritten in memory: set some
 * keys, drop others, keep the rest. This is how volattach gives CHAP
 * credentials to open-iscsi without a command line: the rewritten record is
 * written root-only and iscsiadm reads it from disk at login. */
#ifndef VOLATTACH_BACKEND_NODEREC_H
#define VOLATTACH_BACKEND_NODEREC_H

#include <stddef.h>

#include "base/err.h"

struct noderec_set {
        const char *key;
        const char *value; /* NULL: remove the key */
        size_t value_len;  /* bytes of value (secrets are not NUL-terminated) */
};

/* Returns in *ret a new record text: every line whose key is in sets is
 * replaced (or dropped, when value is NULL), keys not present are appended,
 * other lines are kept as they are. Values must hold no control character
 * and no leading or trailing blank: idbm strips blanks and reads to the end
 * of the line, so such values could not round-trip (-VA_E_INVAL). The
 * caller wipes and frees *ret. */
int noderec_rewrite(const char *text, size_t len, const struct noderec_set *sets, size_t nsets,
                    char **ret, size_t *ret_len, struct va_err *err);

/* Value of key in a record ("" if absent), copied into buf. 1 found, 0 not. */
int noderec_get(const char *text, size_t len, const char *key, char *buf, size_t buflen);

#endif
