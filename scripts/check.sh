#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The test command: installs what it needs, then runs every check CI relies
# on, stage by stage, and ends with the total "N passed, N failed".
#   scripts/check.sh            everything
#   CHECK_STAGES="unit cli"     a subset (names below)
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
stages=${CHECK_STAGES:-"deps format unit valgrind fuzz release vendordata windows packages lab lab-system"}
results="$root/build-check"
rm -rf "$results"
mkdir -p "$results"
failures=0

stage() {
        name=$1
        shift
        case " $stages " in *" $name "*) ;; *) return 0 ;; esac
        echo "== $name"
        t0=$(date +%s)
        if "$@"; then
                echo "== $name: ok ($(($(date +%s) - t0)) s)"
        else
                echo "== $name: FAILED ($(($(date +%s) - t0)) s)"
                failures=$((failures + 1))
                echo "stage $name" >>"$results/failed"
        fi
}

format() {
        files=$(find src tests/unit tests/fuzz tests/wine tests/backend-sim -name '*.[ch]' 2>/dev/null)
        # shellcheck disable=SC2086
        clang-format --dry-run -Werror $files && scripts/checksrc.sh
}

unit() {
        b=$(scripts/build.sh asan) || return 1
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
                meson test -C "$b" --print-errorlogs --num-processes 2
        rc=$?
        cp "$b/meson-logs/testlog.json" "$results/unit.json"
        return $rc
}

valgrind_run() {
        b=$(scripts/build.sh valgrind) || return 1
        meson test -C "$b" --suite unit --suite fuzz --print-errorlogs --num-processes 2 \
                --wrapper "valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --trace-children=yes"
        rc=$?
        cp "$b/meson-logs/testlog-valgrind.json" "$results/valgrind.json"
        return $rc
}

fuzz() {
        scripts/fuzz.sh "${FUZZ_SECONDS:-20}"
}

release() {
        scripts/build.sh release >/dev/null
}

vendordata() {
        vendordata/run-tests.sh "$results/vendordata.txt"
}

windows() {
        if [ -x scripts/build-windows.sh ]; then
                scripts/build-windows.sh && tests/wine/run.sh >"$results/wine.txt" 2>&1
                rc=$?
                tail -5 "$results/wine.txt"
                return $rc
        fi
        echo "(no Windows build yet)"
}

# The packages: .deb (built, lintian, installed here, purged), RPM (built,
# file list and dependencies), MSI (signed, upgraded under Wine): tests/dist/
packages() {
        rc=0
        for t in deb rpm msi; do
                tests/dist/$t.sh "$results/$t" >"$results/$t.txt" 2>&1 || rc=1
                grep -E '^FAIL|passed, [0-9]+ failed' "$results/$t.txt"
        done
        return $rc
}

lab() {
        if [ -x tests/lab/run.sh ]; then
                # the soak (2080) runs a sample of its cycles under the ASan
                # build, packed as volattach-asan when the unit stage built it
                asan=
                if [ -x "$root/build-asan/volattach" ]; then
                        cp "$root/build-asan/volattach" "$root/build-asan/volattach-asan"
                        asan="--bin $root/build-asan/volattach-asan"
                fi
                # shellcheck disable=SC2086
                tests/lab/run.sh --bin "$root/build/volattach" $asan --file "$root/tests/fixtures/metadata" --all >"$results/lab.txt" 2>&1
                rc=$?
                cat "$results/lab.txt" | tail -30
                return $rc
        fi
        echo "(no lab yet)"
}

# The whole system end to end (tagged slow, so not in --all): the control
# plane on the host hands out vendor_data2.json, Cinder's own LioAdm exports
# the volume in the guest, volattach attaches it.
lab_system() {
        tests/lab/run.sh --bin "$root/build/volattach" --slow 1200 >"$results/lab-system.txt" 2>&1
        rc=$?
        tail -8 "$results/lab-system.txt"
        return $rc
}

stage deps scripts/deps.sh
stage format format
stage unit unit
stage valgrind valgrind_run
stage fuzz fuzz
stage release release
stage vendordata vendordata
stage windows windows
stage packages packages
stage lab lab
stage lab-system lab_system

echo "== summary"
[ -f "$results/failed" ] && cat "$results/failed"
scripts/test-summary.py "$results"/*.json "$results"/*.txt | tee "$results/total"
if [ $failures -ne 0 ] || ! grep -q ' 0 failed' "$results/total"; then
        echo "check: FAILED ($failures stage(s))"
        exit 1
fi
echo "check: all stages passed"
