/* SPDX-License-Identifier: Apache-2.0 */
/* Hexadecimal digits, both cases, ASCII only: one digit's value, a
 * fixed-width number (Win32 session handles, JSON \u escapes), and the
 * lower-case digit for a value (escapes in log text). */
#ifndef VOLATTACH_BASE_HEX_H
#define VOLATTACH_BASE_HEX_H

#include <stddef.h>
#include <stdint.h>

/* 0..15, or -1 when c is not a hex digit. */
int hex_value(int c);

/* Exactly n hex digits (1..16) at s, and nothing read past the first one
 * that is not a digit (so a short NUL-terminated s is safe): 0 with the
 * value, or -VA_E_INVAL. */
int hex_parse_fixed(const char *s, size_t n, uint64_t *ret);

/* '0'..'9', 'a'..'f' for the low four bits of v. */
char hex_digit(unsigned v);

#endif
