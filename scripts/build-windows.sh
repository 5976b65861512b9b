#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The Windows build: volattach.exe cross-built with mingw-w64 by the same
# meson.build as Linux (cross/mingw64.txt), cJSON compiled from Debian's
# source package (scripts/cjson-src.sh), then the MSI with wixl.
#   scripts/build-windows.sh        prints the build directory (build-windows/)
# Outputs: build-windows/volattach.exe, build-windows/volattach.msi
# (signed, with build-windows/signed/volattach.exe, when VOLATTACH_SIGN_PKCS12
# is set: see below)
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
dir=build-windows
deps=build-windows-deps

for tool in x86_64-w64-mingw32-gcc meson ninja wixl; do
        if ! command -v "$tool" >/dev/null 2>&1; then
                echo "build-windows.sh: $tool is missing (scripts/deps.sh windows)" >&2
                exit 1
        fi
done

# cJSON: Debian ships no mingw build of it. The unpacked tree is kept in
# $deps between builds (cjson-src.sh reuses it); the sources include
# <cjson/cJSON.h>, so the header gets a directory of that shape. Meson
# wants directories inside the source tree relative to it.
src=$(scripts/cjson-src.sh "$root/$deps")
src=${src#"$root/"}
mkdir -p "$deps/include/cjson"
cp "$src/cJSON.h" "$deps/include/cjson/cJSON.h.new"
mv -f "$deps/include/cjson/cJSON.h.new" "$deps/include/cjson/cJSON.h"

if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" --cross-file cross/mingw64.txt --buildtype=release \
                -Db_ndebug=if-release -Dcjson_src="$src" \
                -Dcjson_include="$deps/include" >/dev/null
fi
ninja -C "$dir" >/dev/null

# The MSI: the exe, the cloudbase-init drop-in and the service
# (dist/windows/volattach.wxs). wixl takes sources relative to the current
# directory only.
version=$(sed -n "s/^  version : '\([0-9.]*\)',/\1/p" meson.build)

# Authenticode signing (docs/packaging.md), when VOLATTACH_SIGN_PKCS12 names
# a PKCS#12 file (certificate and key) and VOLATTACH_SIGN_PASSFILE the file
# holding its password (read by osslsigncode: never on a command line);
# VOLATTACH_SIGN_TIMESTAMP, an RFC 3161 timestamp URL, keeps the signature
# valid after the certificate expires. The exe is signed as a copy (the
# build's own stays as ninja made it), the MSI is built from that copy and
# signed in turn.
sign() {
        # shellcheck disable=SC2086
        osslsigncode sign -pkcs12 "$VOLATTACH_SIGN_PKCS12" -readpass "$VOLATTACH_SIGN_PASSFILE" \
                -h sha256 -n volattach ${VOLATTACH_SIGN_TIMESTAMP:+-ts "$VOLATTACH_SIGN_TIMESTAMP"} \
                -in "$1" -out "$2.new" >/dev/null && mv -f "$2.new" "$2"
}
# msi_build OUT VERSION EXE DROPIN MANUAL CONF WXS: wixl, then what wixl
# cannot write (msibuild, msitools' SQL): the components VOLATTACH_MODE
# chooses, and the operator's volattach.conf, installed only where there is
# none (NeverOverwrite 128), never removed (Permanent 16), 64-bit (256).
# tests/dist/msi.sh builds its older MSI with this too.
msi_build() {
        # wixl takes sources relative to the current directory only: a
        # directory of copies
        mt=$(mktemp -d) && mo=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") &&
                cp "$3" "$mt/volattach.exe" && cp "$4" "$mt/volattach-attach.cmd" &&
                cp "$5" "$mt/volattach.8.txt" && cp "$6" "$mt/volattach.conf" && cp "$7" "$mt/volattach.wxs" &&
                (cd "$mt" && wixl -a x64 -o "$mo" -D Version="$2" -D Exe=volattach.exe \
                        -D DropIn=volattach-attach.cmd -D Manual=volattach.8.txt -D Conf=volattach.conf \
                        volattach.wxs) &&
                rm -rf "$mt" &&
                msibuild "$1" \
                        -q "UPDATE \`Component\` SET \`Condition\` = 'VOLATTACH_MODE=\"service\"' WHERE \`Component\` = 'ServiceExecutable'" \
                        -q "UPDATE \`Component\` SET \`Condition\` = 'VOLATTACH_MODE=\"cloudbase-init\"' WHERE \`Component\` = 'PlainExecutable'" \
                        -q "UPDATE \`Component\` SET \`Condition\` = 'VOLATTACH_MODE=\"cloudbase-init\"' WHERE \`Component\` = 'LocalScript'" \
                        -q "UPDATE \`Component\` SET \`Attributes\` = 400 WHERE \`Component\` = 'Config'"
}
[ "${1:-}" = --msi-build ] && { shift; msi_build "$@"; exit; }
exe="$dir/volattach.exe"
if [ -n "${VOLATTACH_SIGN_PKCS12:-}" ]; then
        command -v osslsigncode >/dev/null || { echo "build-windows.sh: osslsigncode is missing (scripts/deps.sh packages)" >&2; exit 1; }
        mkdir -p "$dir/signed"
        sign "$dir/volattach.exe" "$dir/signed/volattach.exe"
        exe="$dir/signed/volattach.exe"
fi
# volattach(8) as plain text for the MSI (meson configured the page)
groff -man -Tutf8 -P-cbou "$dir/volattach.8" >"$dir/volattach.8.txt"
msi_build "$dir/volattach.msi.new" "$version" "$exe" dist/windows/volattach-attach.cmd \
        "$dir/volattach.8.txt" dist/volattach.conf dist/windows/volattach.wxs
if [ -n "${VOLATTACH_SIGN_PKCS12:-}" ]; then
        sign "$dir/volattach.msi.new" "$dir/volattach.msi.signed" && rm -f "$dir/volattach.msi.new"
        mv -f "$dir/volattach.msi.signed" "$dir/volattach.msi"
else
        rm -rf "$dir/signed"
        mv -f "$dir/volattach.msi.new" "$dir/volattach.msi"
fi
echo "$dir"
