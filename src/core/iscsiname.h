/* SPDX-License-Identifier: Apache-2.0 */
/* iSCSI names (RFC 3720 3.2.6, RFC 3722 stringprep, RFC 3980 naa.):
 * validation only; names are passed on exactly as given, because LIO
 * compares TargetName case-sensitively. */
#ifndef VOLATTACH_CORE_ISCSINAME_H
#define VOLATTACH_CORE_ISCSINAME_H

#include "base/err.h"

#define ISCSI_NAME_MAX 223

enum iscsi_name_kind {
        ISCSI_NAME_IQN = 1,
        ISCSI_NAME_EUI,
        ISCSI_NAME_NAA,
};

/* Set in *ret_flags when an iqn. name has upper-case letters: accepted (the
 * RFC folds case) but worth a warning, as a target may compare raw bytes. */
#define ISCSI_NAME_HAS_UPPER 1u

/* Checks s; returns the kind (> 0) or -VA_E_INVAL with the reason in err
 * (the message does not repeat the name; the caller adds context). */
int iscsi_name_check(const char *s, unsigned *ret_flags, struct va_err *err);

#endif
