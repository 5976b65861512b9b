/* SPDX-License-Identifier: Apache-2.0 */
/* open-iscsi on this host as `volattach check` sees it: iscsid's state and
 * whether /etc/iscsi can be written, asked of the kernel without writing. */
#ifndef VOLATTACH_BACKEND_ISCSIPROBE_H
#define VOLATTACH_BACKEND_ISCSIPROBE_H

#include "core/initiator.h"

void iscsiprobe_fill(struct initiator_probe *ret);

#endif
