/* SPDX-License-Identifier: Apache-2.0 */
/* multipathd's command socket, through multipath-tools' libmpathcmd. */
#ifndef VOLATTACH_BACKEND_MPATHD_H
#define VOLATTACH_BACKEND_MPATHD_H

#include <stddef.h>

#include "base/err.h"

/* 1 when libmpathcmd loads and multipathd listens, else 0. */
int mpathd_available(void);

/* Sends one command ("add path sdb", "del map <name>") and waits at most
 * timeout_ms for the answer; multipathd's reply, escaped, in reply (when
 * not NULL). 0 when multipathd says "ok", -VA_E_INITIATOR when it refused
 * (err has its reply), another negative code when it could not be asked. */
int mpathd_command(const char *cmd, unsigned timeout_ms, char *reply, size_t len,
                   struct va_err *err);

#endif
