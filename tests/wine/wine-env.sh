#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Prepares a headless Wine prefix for the Windows tests and prints the
# environment to run in it:   eval "$(tests/wine/wine-env.sh DIR [BUILD])"
#   DIR    the prefix lives in DIR/prefix; reused while it is valid (cache it)
#   BUILD  where tests/wine/build.sh put sim/iscsidsc.dll and fake_msiscsi.exe
#          (default: build-wine-dev/)
# Every call also resets what a test may have changed: the fake MSiSCSI
# service is re-registered stopped with start type "demand" (not automatic,
# so the agent has to change it, as on a fresh Windows image) and the
# simulated iscsidsc.dll is copied into system32 again.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
        echo "usage: $0 DIR [BUILD]" >&2
        exit 2
fi
mkdir -p "$1"
dir=$(cd "$1" && pwd)
build=${2:-"$root/build-wine-dev"}
for f in sim/iscsidsc.dll fake_msiscsi.exe; do
        if [ ! -f "$build/$f" ]; then
                echo "wine-env.sh: $build/$f is missing (run tests/wine/build.sh)" >&2
                exit 1
        fi
done
for tool in wine wineboot wineserver flock; do
        if ! command -v $tool >/dev/null 2>&1; then
                echo "wine-env.sh: $tool is missing (apt-get install wine wine64)" >&2
                exit 1
        fi
done

export WINEPREFIX="$dir/prefix"
# headless: no X display; -all also hides the harmless nodrv_CreateWindow
# errors (the "wine32 is missing" notice comes from the wine wrapper and
# cannot be silenced this way; it is harmless for 64-bit programs)
export WINEDEBUG=-all
export WINEARCH=win64

quiet() {
        "$@" >/dev/null 2>&1
}

# one setup at a time per DIR: concurrent test runs would race on wineboot
exec 9>"$dir/.lock"
flock 9

stamp="$WINEPREFIX/.volattach-prefix"
version=$(wine --version 2>/dev/null)
if [ ! -f "$WINEPREFIX/system.reg" ] || [ ! -f "$stamp" ] ||
        [ "$(cat "$stamp")" != "$version" ]; then
        t0=$(date +%s)
        echo "wine-env.sh: creating the Wine prefix $WINEPREFIX ($version)" >&2
        rm -rf "$WINEPREFIX"
        # mscoree/mshtml disabled: no Mono or Gecko install prompt
        WINEDLLOVERRIDES="mscoree,mshtml=" quiet wineboot -i
        quiet wineserver -w
        if [ ! -f "$WINEPREFIX/system.reg" ]; then
                echo "wine-env.sh: wineboot left no prefix in $WINEPREFIX" >&2
                exit 1
        fi
        echo "$version" >"$stamp"
        echo "wine-env.sh: prefix ready in $(($(date +%s) - t0)) s" >&2
fi

# Installs a file by rename, so a running copy (the service) keeps its
# old inode instead of being overwritten under it.
install_file() {
        mkdir -p "$(dirname "$2")"
        cp "$1" "$2.new"
        mv -f "$2.new" "$2"
}

# Wine's sc has create/start/stop/delete but no config or query: the
# service is stopped, deleted and created again to reset its start type.
quiet wine sc stop MSiSCSI || true
quiet wine sc delete MSiSCSI || true
install_file "$build/fake_msiscsi.exe" "$WINEPREFIX/drive_c/volattach-test/fake_msiscsi.exe"
if ! quiet wine sc create MSiSCSI binPath= 'C:\volattach-test\fake_msiscsi.exe' start= demand; then
        echo "wine-env.sh: wine sc create MSiSCSI failed" >&2
        exit 1
fi

# system32, not only beside the exe: a hardened agent loads iscsidsc.dll
# with LOAD_LIBRARY_SEARCH_SYSTEM32, which ignores the application directory
install_file "$build/sim/iscsidsc.dll" "$WINEPREFIX/drive_c/windows/system32/iscsidsc.dll"

# WINEDLLOVERRIDES=iscsidsc=n: load only the native (our simulated) DLL.
# Wine 8 has no builtin iscsidsc, but for a DLL Wine does ship, the builtin
# would win over a file in system32; the override keeps a future Wine stub
# from silently replacing the simulator.
cat <<EOF
export WINEPREFIX='$WINEPREFIX'
export WINEDEBUG=-all
export WINEARCH=win64
export WINEDLLOVERRIDES='iscsidsc=n'
EOF
