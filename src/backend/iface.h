/* SPDX-License-Identifier: Apache-2.0 */
/* volattach's own open-iscsi iface: plain TCP like "default", so that
 * "iscsiadm -m node -I volattach --login" logs in exactly volattach's
 * targets, all in one process. */
#ifndef VOLATTACH_BACKEND_IFACE_H
#define VOLATTACH_BACKEND_IFACE_H

#include "base/err.h"

#define IFACE_NAME "volattach"

struct plat_mutex;

/* Whether the iface is known to exist, so that a run makes sure once. */
struct iface_state {
        struct plat_mutex *mu;
        int ok; /* guarded by mu */
};

/* Makes the iface record unless it exists. */
int iface_ensure(struct iface_state *st, struct va_err *err);

#endif
