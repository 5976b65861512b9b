/* SPDX-License-Identifier: Apache-2.0 */
/* iscsiadm's SendTargets discovery output parsed into targets: pure, so it
 * runs in unit tests and the fuzzer. */
#ifndef VOLATTACH_BACKEND_SENDTARGETS_H
#define VOLATTACH_BACKEND_SENDTARGETS_H

#include <stddef.h>

#include "core/initiator.h"

/* Bounds: iscsiadm's output is read up to 64 KiB (a text beyond is refused,
 * not cut); the shortest entry line takes more than 16 bytes, so the list
 * bound holds for any text within it and only guards the arithmetic. */
#define SENDTARGETS_TEXT_MAX    (64 * 1024)
#define SENDTARGETS_TARGETS_MAX 4096

/* Parses "iscsiadm -m discoverydb -t st --discover" output: one line
 * "<portal>,<tpgt> <target name>" per target and portal, the portal as
 * "a.b.c.d:port" or "[v6]:port" (text need not end in NUL). Each line is an
 * entry, an "iscsiadm: " message, blank, or malformed; an entry has a
 * valid portal with its tpgt (in portal.tpgt) and a valid iSCSI name,
 * else it is malformed. Malformed lines are skipped and counted in
 * *ret_bad (when not NULL). Returns 0 with a list the caller frees
 * (NULL when empty), or -VA_E_INVAL (past a bound, err says which) or
 * -VA_E_NOMEM. */
int sendtargets_parse(const char *text, size_t len, struct initiator_target **ret, size_t *ret_n,
                      size_t *ret_bad, struct va_err *err);

#endif
