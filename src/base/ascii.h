/* ASCII-only character helpers: protocol names (iSCSI, CHAP, labels, hex)
 * compare the same in every locale, which <ctype.h> and strcasecmp() do
 * not promise. */
#ifndef VOLATTACH_BASE_ASCII_H
#define VOLATTACH_BASE_ASCII_H

int ascii_lower(int c);
/* 1 when a and b are equal ignoring ASCII case. */
int ascii_ieq(const char *a, const char *b);

#endif
