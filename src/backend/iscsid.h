/* SPDX-License-Identifier: Apache-2.0 */
/* open-iscsi's daemon: is it up, start it, restart it (through systemd
 * when systemd runs, else directly). */
#ifndef VOLATTACH_BACKEND_ISCSID_H
#define VOLATTACH_BACKEND_ISCSID_H

#include "base/err.h"

/* 1 when iscsid answers on iscsiadm's socket, else 0. */
int iscsid_reachable(void);

/* Starts iscsid and waits until it answers. */
int iscsid_start(struct va_err *err);

/* Stops and starts iscsid, so that it reads its configuration again. */
int iscsid_restart(struct va_err *err);

#endif
