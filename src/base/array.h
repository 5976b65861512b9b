/* SPDX-License-Identifier: Apache-2.0 */
/* Growing a malloc'd array one element at a time (diagnostics, volumes,
 * item reports, cluster runs), with the size arithmetic checked once. */
#ifndef VOLATTACH_BASE_ARRAY_H
#define VOLATTACH_BASE_ARRAY_H

#include <stddef.h>

/* Room for element n of v, an array of *cap elements of size bytes: v
 * itself while n < *cap, else v moved to a larger block (8 elements, then
 * twice as many each time) with *cap updated. NULL when out of memory; v
 * and *cap are then unchanged and still valid. */
void *array_grow(void *v, size_t *cap, size_t n, size_t size);

#endif
