/* SPDX-License-Identifier: Apache-2.0 */
/* iSCSI sessions through the kernel's sysfs: the list, LUN scans, and the
 * disks behind a session. */
#ifndef VOLATTACH_BACKEND_ISCSISESSION_H
#define VOLATTACH_BACKEND_ISCSISESSION_H

#include "core/initiator.h"

int iscsisession_list(struct initiator_session **ret, size_t *ret_n, struct va_err *err);

/* Asks the kernel to scan one LUN of a session's host (manual scan mode
 * otherwise maps nothing). */
int iscsisession_scan_lun(const char *sid, unsigned lun, struct va_err *err);

/* The disk of LUN lun behind session sid; -VA_E_NOTFOUND if not (yet). */
int iscsisession_find_device(const char *sid, unsigned lun, const struct portal *portal,
                             const char *iqn, struct initiator_device *ret, struct va_err *err);

int iscsisession_devices(const char *sid, struct initiator_device **ret, size_t *ret_n,
                         struct va_err *err);

#endif
