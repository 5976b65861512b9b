/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers shared by the Windows files: UTF-8 <-> UTF-16 for the W
 * APIs, command-line quoting, and readable Win32 error text. */
#ifndef VOLATTACH_PLATFORM_WIN32_UTIL_H
#define VOLATTACH_PLATFORM_WIN32_UTIL_H

#include <windows.h>
#include <stddef.h>

/* malloc'd conversions; NULL on invalid input or out of memory */
wchar_t *win_utf16(const char *s);
char *win_utf8(const wchar_t *w);

/* Appends a, quoted for CommandLineToArgvW, at out[*o]; -1 when it does
 * not fit in cap characters (out is not terminated). */
int win_quote_arg(const wchar_t *a, wchar_t *out, size_t cap, size_t *o);

/* "The system cannot find the file specified (error 2)" */
const char *win_strerror(DWORD code, char *buf, size_t len);

/* 0 when only the owner (itself root-like: SYSTEM, the administrators,
 * TrustedInstaller, or the user running volattach) and root-like accounts
 * may write the open file h; -VA_E_PERM naming path and the account that
 * may write it otherwise (plat_read_file_trusted). h needs READ_CONTROL. */
struct va_err;
int win_file_trust_check(HANDLE h, const char *path, struct va_err *err);

#endif
