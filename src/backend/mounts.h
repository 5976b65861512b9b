/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel's mount and swap tables, through libmount. */
#ifndef VOLATTACH_BACKEND_MOUNTS_H
#define VOLATTACH_BACKEND_MOUNTS_H

#include <stddef.h>

/* 1 (why set) if block device name, numbers maj:min, is mounted or used as
 * swap, or if the tables cannot be read (a detach must not guess); else 0. */
int mounts_uses(const char *name, unsigned maj, unsigned min, char *why, size_t len);

#endif
