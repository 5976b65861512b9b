/* Small helpers shared by the Windows platform files: UTF-8 <-> UTF-16 for
 * the W APIs, and readable Win32 error text. Windows builds only. */
#ifndef VOLATTACH_PLATFORM_WIN32_UTIL_H
#define VOLATTACH_PLATFORM_WIN32_UTIL_H

#include <windows.h>
#include <stddef.h>

/* malloc'd conversions; NULL on invalid input or out of memory */
wchar_t *win_utf16(const char *s);
char *win_utf8(const wchar_t *w);

/* "The system cannot find the file specified (error 2)" */
const char *win_strerror(DWORD code, char *buf, size_t len);

#endif
