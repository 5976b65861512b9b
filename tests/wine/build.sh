#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds the Wine test pieces with mingw-w64 into build-wine-dev/ (or $1):
# the simulated sim/iscsidsc.dll, the fake MSiSCSI service and the probe, plus
# the compile-only checks of include/iscsidsc.h (x64 layouts, i686 stdcall
# decorations). Standalone on purpose, until meson.build takes it over.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-"$root/build-wine-dev"}
mkdir -p "$out"

cc64=x86_64-w64-mingw32-gcc
cc32=i686-w64-mingw32-gcc
for cc in $cc64 $cc32; do
        if ! command -v "$cc" >/dev/null 2>&1; then
                echo "build.sh: $cc is missing (apt-get install mingw-w64)" >&2
                exit 1
        fi
done

# the project's warning set (meson.build) and the mingw defines it uses
cflags="-std=c11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wstrict-prototypes
-Wmissing-prototypes -Wwrite-strings -Wpointer-arith -Wundef
-D_WIN32_WINNT=0x0603 -DWINVER=0x0603 -D__USE_MINGW_ANSI_STDIO=1
-I$root/include -I$root/tests/wine"
sim="$root/tests/wine/sim"
t0=$(date +%s.%N)

# 1. the header on its own, both architectures, with the pickiest flags;
#    then beside the backend's status-code header, whose macros it repeats
for cc in $cc64 $cc32; do
        # shellcheck disable=SC2086
        echo '#include "iscsidsc.h"' |
                $cc $cflags -Wpedantic -Wconversion -x c -fsyntax-only -
done
if [ -f "$root/src/backend/iscsidsc-util.h" ]; then
        # shellcheck disable=SC2086
        printf '#include "iscsidsc.h"\n#include "backend/iscsidsc-util.h"\n' |
                $cc64 $cflags -I"$root/src" -x c -fsyntax-only -
fi

# 2. the simulated DLL; -DISCSI_SIM_BUILDING_DLL makes the header's
#    prototypes dllexport, so every definition is checked against them. It
#    goes to sim/, not beside the exes: Windows searches the program's own
#    directory first, and the tests must load the copy in system32.
mkdir -p "$out/sim"
rm -f "$out/iscsidsc.dll"
# shellcheck disable=SC2086
$cc64 $cflags -DISCSI_SIM_BUILDING_DLL -shared -static-libgcc -o "$out/sim/iscsidsc.dll" \
        "$sim/iscsidsc_sim.c" "$sim/sim-config.c" "$sim/sim-state.c" "$sim/sim-util.c" \
        "$sim/sim-disk.c" "$sim/sim-volume.c" "$sim/sim-prepare.c" \
        -ladvapi32

# 2b. the simulated iphlpapi.dll (Wine's GetBestRoute2 is a stub): in net/,
#    copied beside the volattach.exe a check scenario runs, never system32
mkdir -p "$out/net"
# shellcheck disable=SC2086
$cc64 $cflags -shared -static-libgcc -o "$out/net/iphlpapi.dll" "$sim/iphlpapi_sim.c" -lws2_32

# 3. the fake service, the process that holds wineserver up, and the probe;
#    the probe links against mingw's import library, exactly as
#    volattach.exe does
# shellcheck disable=SC2086
$cc64 $cflags -o "$out/fake_msiscsi.exe" "$root/tests/wine/fake_msiscsi.c" -ladvapi32
# shellcheck disable=SC2086
$cc64 $cflags -o "$out/hold.exe" "$root/tests/wine/hold.c"
# shellcheck disable=SC2086
$cc64 $cflags -o "$out/probe.exe" "$root/tests/wine/probe.c" "$sim/sim-util.c" \
        -liscsidsc -ladvapi32

# 4. i686 link, never run (no wine32): the import library's decorated names
#    (_LoginIScsiTargetW@56) only resolve when every argument has the
#    SDK's size
# shellcheck disable=SC2086
$cc32 $cflags -o "$out/probe32.exe" "$root/tests/wine/probe.c" "$sim/sim-util.c" \
        -liscsidsc -ladvapi32

# the DLL must export the API under the undecorated names the import
# library expects, and of its own only the disk seam (VaSimDiskIoctl and the
# volume calls, src/backend/iscsidsc-disk.h) and --prepare's (iscsidsc-prepare.h)
exports=$(x86_64-w64-mingw32-objdump -p "$out/sim/iscsidsc.dll" |
        awk '/Ordinal\/Name Pointer/ { on = 1; next } on && /^\t\[/ { print $NF }' | sort)
want=$(printf '%s\n' AddIScsiSendTargetPortalW AddIScsiStaticTargetW GetDevicesForIScsiSessionW \
        GetIScsiInitiatorNodeNameW GetIScsiSessionListW GetIScsiVersionInformation \
        LoginIScsiTargetW LogoutIScsiTarget RemoveIScsiPersistentTargetW \
        RemoveIScsiSendTargetPortalW RemoveIScsiStaticTargetW ReportIScsiPersistentLoginsW \
        ReportIScsiSendTargetPortalsExW ReportIScsiTargetsW SetIScsiInitiatorCHAPSharedSecret \
        SetIScsiInitiatorNodeNameW VaSimDiskIoctl VaSimFindFirstVolumeW VaSimFindNextVolumeW \
        VaSimFindVolumeClose VaSimGetVolumePathNamesForVolumeNameW VaSimDiskRead \
        VaSimSetVolumeMountPoint VaSimVolumeFormat VaSimVolumeInfo VaSimVolumeOf \
        VaSimVolumePaths | sort)
if [ "$exports" != "$want" ]; then
        echo "build.sh: iscsidsc.dll exports differ from the 16 API functions and the VaSim* seams:" >&2
        echo "$exports" >&2
        exit 1
fi

echo "build.sh: built in $out ($(echo "$(date +%s.%N) - $t0" | bc | cut -c1-4) s)" >&2
echo "$out"
