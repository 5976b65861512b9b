/* SPDX-License-Identifier: Apache-2.0 */
/* CHAP secrets as their own opaque type: no printing helper exists, the bytes
 * are reachable only through secret_bytes() for the code that hands them to
 * an initiator, and they are wiped when freed. */
#ifndef VOLATTACH_BASE_SECRET_H
#define VOLATTACH_BASE_SECRET_H

#include <stddef.h>

/* Opaque on purpose: a `struct va_secret *` given to a printf-like function
 * for %s is a type error under -Wformat -Werror, so a secret cannot be
 * formatted by accident. */
struct va_secret;

/* Copies len bytes into a new secret. Returns NULL on allocation failure. */
struct va_secret *secret_new(const void *bytes, size_t len);

/* Copies a secret (for a backend that must keep one). NULL on failure. */
struct va_secret *secret_dup(const struct va_secret *s);

/* Wipes and frees; NULL is a no-op. Returns NULL. */
struct va_secret *secret_free(struct va_secret *s);

size_t secret_len(const struct va_secret *s);

/* The raw bytes, not NUL-terminated. Only initiator backends call this, to
 * write a root-only node record or fill a login structure. */
const unsigned char *secret_bytes(const struct va_secret *s);

/* 1 when both secrets hold the same bytes (constant time in the length). */
int secret_equal(const struct va_secret *a, const struct va_secret *b);

/* Overwrites memory in a way the compiler may not elide. */
void va_secure_zero(void *p, size_t len);

#endif
