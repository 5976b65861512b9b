/* SPDX-License-Identifier: Apache-2.0 */
/* The child test-win32 spawns: given a handle value, says whether that
 * handle reached it (reads a file through it from offset 0), so the test
 * sees which of its parent's inheritable handles a helper gets. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

int
main(int argc, char **argv)
{
        HANDLE h;
        char buf[128];
        DWORD got = 0;

        if (argc != 2)
                return 2;
        h = (HANDLE)(uintptr_t)strtoull(argv[1], NULL, 16);
        if (SetFilePointer(h, 0, NULL, FILE_BEGIN) == INVALID_SET_FILE_POINTER ||
            !ReadFile(h, buf, sizeof(buf) - 1, &got, NULL)) {
                printf("probe: handle %s not usable (error %lu)\n", argv[1],
                       (unsigned long)GetLastError());
                return 0;
        }
        buf[got] = '\0';
        printf("probe: read through handle %s: %s\n", argv[1], buf);
        return 0;
}
