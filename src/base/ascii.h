/* SPDX-License-Identifier: Apache-2.0 */
/* ASCII-only character helpers: protocol names (iSCSI, CHAP, labels, hex)
 * compare the same in every locale, which <ctype.h> and strcasecmp() do
 * not promise. */
#ifndef VOLATTACH_BASE_ASCII_H
#define VOLATTACH_BASE_ASCII_H

int ascii_lower(int c);
int ascii_isdigit(int c);
/* A-Z, a-z and 0-9: nothing else, whatever the locale. */
int ascii_isalnum(int c);
/* 1 when a and b are equal ignoring ASCII case. */
int ascii_ieq(const char *a, const char *b);
/* 1 when s starts with prefix, ignoring ASCII case. */
int ascii_istarts(const char *s, const char *prefix);
/* Folds s to lower case in place. */
void ascii_lower_str(char *s);

#endif
