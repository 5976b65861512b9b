#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Configures (once) and builds one flavour of the native build:
#   release   build/       -O2, the binary the lab and benchmarks use
#   asan      build-asan/  ASan + UBSan, for the unit and CLI tests
#   valgrind  build-vg/    -O1 -g, no sanitizer (valgrind cannot run ASan code)
#   fuzz      build-fuzz/  clang with the libFuzzer targets
set -eu
cd "$(dirname "$0")/.."
flavour=${1:-release}
case "$flavour" in
release) dir=build; opts="--buildtype=release -Db_ndebug=if-release" ;;
asan) dir=build-asan; opts="--buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false" ;;
valgrind) dir=build-vg; opts="--buildtype=debug -Doptimization=1" ;;
fuzz) dir=build-fuzz; opts="--buildtype=debug -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false" ;;
*) echo "build.sh: unknown flavour '$flavour'" >&2; exit 2 ;;
esac
if [ ! -f "$dir/build.ninja" ]; then
        if [ "$flavour" = fuzz ]; then
                # shellcheck disable=SC2086
                CC=clang meson setup "$dir" $opts >/dev/null
        else
                # shellcheck disable=SC2086
                meson setup "$dir" $opts >/dev/null
        fi
fi
# quiet when it builds; on a failure the compiler's words, or a caller
# that hides stdout (dir=$(build.sh ...)) would fail without a reason
if ! ninja -C "$dir" >"$dir/ninja.log" 2>&1; then
        grep -E -A8 "error|FAILED" "$dir/ninja.log" | head -60 >&2
        echo "build.sh: the $flavour build failed (whole log: $dir/ninja.log)" >&2
        exit 1
fi
echo "$dir"
