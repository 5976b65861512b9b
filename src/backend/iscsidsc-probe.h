/* SPDX-License-Identifier: Apache-2.0 */
/* The Microsoft iSCSI initiator on this host as `volattach check` sees it:
 * the MSiSCSI service's state and start type, and the SAN policy. */
#ifndef VOLATTACH_BACKEND_ISCSIDSC_PROBE_H
#define VOLATTACH_BACKEND_ISCSIDSC_PROBE_H

#include "core/initiator.h"

/* The SAN policy's registry value, by its VDS_SAN_POLICY number (1..4):
 * "OnlineAll", "OfflineShared", "OfflineAll", "OfflineInternal"; NULL for
 * another number. Portable, for the unit tests. */
const char *iscsidsc_san_policy_name(unsigned long value);

int iscsidsc_probe_fill(struct initiator_probe *ret, struct va_err *err);

#endif
