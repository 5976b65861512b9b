/* SPDX-License-Identifier: Apache-2.0 */
/* Small string helpers for text from tools and sysfs. */
#ifndef VOLATTACH_BASE_STRUTIL_H
#define VOLATTACH_BASE_STRUTIL_H

#include <stddef.h>

/* The length of s[0..n) without its trailing white space (spaces, tabs,
 * CR and LF): what a tool's output or a sysfs attribute means. */
size_t str_trim_end(const char *s, size_t n);

/* 1 when s ends with suffix. */
int str_ends_with(const char *s, const char *suffix);

#endif
