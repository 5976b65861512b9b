/* SPDX-License-Identifier: Apache-2.0 */
/* sysfs attributes, read and written whole. */
#ifndef VOLATTACH_BACKEND_SYSFS_H
#define VOLATTACH_BACKEND_SYSFS_H

#include <stddef.h>

#include "base/err.h"

/* Reads a small sysfs attribute, trailing newline removed. 0 or -1. */
int sysfs_read_attr(const char *path, char *buf, size_t len);

/* Writes value to an attribute in one write, as the kernel wants it. */
int sysfs_write_attr(const char *path, const char *value, struct va_err *err);

#endif
