/* SPDX-License-Identifier: Apache-2.0 */
/* Lists of strings as the platform layer hands them out (directory
 * entries, config-drive candidates): a malloc'd array of malloc'd copies
 * and its count. */
#ifndef VOLATTACH_BASE_STRLIST_H
#define VOLATTACH_BASE_STRLIST_H

#include <stddef.h>

/* Appends a copy of s: 0, or -VA_E_NOMEM with the list as it was. */
int strlist_add(char ***list, size_t *n, const char *s);

/* 1 when the list holds s (compared exactly). */
int strlist_has(char *const *list, size_t n, const char *s);

/* Sorts by strcmp, so that the order does not depend on the OS's. */
void strlist_sort(char **list, size_t n);

/* Frees every string and the array; NULL is a no-op. */
void strlist_free(char **list, size_t n);

#endif
