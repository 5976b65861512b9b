/* SPDX-License-Identifier: Apache-2.0 */
/* Keeps one Wine process alive for at most N seconds (default 120), so
 * that wineserver and services.exe stay up: Wine starts automatic services
 * whenever services.exe starts, and a test that installs one must not have
 * it run behind its back before it is removed again. */
#include <stdlib.h>
#include <windows.h>

int
main(int argc, char **argv)
{
        unsigned long s = argc > 1 ? strtoul(argv[1], NULL, 10) : 120;

        Sleep((DWORD)(s > 600 ? 600 : s) * 1000);
        return 0;
}
