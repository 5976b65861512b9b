#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds the simulated iscsidsc.dll, the fake MSiSCSI service and the probe,
# prepares (or reuses) the Wine prefix, and proves the simulator's behaviour
# end to end: the probe's scripted API calls, state shared across processes,
# a simulated reboot, concurrent processes, and no secret in any file.
#   tests/wine/run-probe.sh [BUILD]      (default BUILD: build-wine-dev/)
# Ends with "N passed, N failed" (the probe's steps and this script's checks).
# Under Wine a crashed program can exit 0, so every run is judged by the
# markers it prints, never by its exit code.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-"$root/build-wine-dev"}
passed=0
failed=0
t_start=$(date +%s.%N)

elapsed() {
        echo "$(date +%s.%N) - $1" | bc | awk '{ printf "%.2f", $1 }'
}

pass() {
        passed=$((passed + 1))
        echo "ok   $*"
}

fail() {
        failed=$((failed + 1))
        echo "FAIL $*"
}

finish() {
        echo "run-probe.sh: total $(elapsed "$t_start") s"
        echo "wine probe: $passed passed, $failed failed"
        [ "$failed" -eq 0 ]
        exit $?
}

t0=$(date +%s.%N)
if ! "$root/tests/wine/build.sh" "$build" >/dev/null; then
        fail "build"
        finish
fi
pass "build ($(elapsed "$t0") s)"

t0=$(date +%s.%N)
if ! env=$("$root/tests/wine/wine-env.sh" "$build/wine" "$build"); then
        fail "Wine prefix"
        finish
fi
eval "$env"
pass "Wine prefix ready ($(elapsed "$t0") s)"

run="$build/probe-run"
rm -rf "$run"
mkdir -p "$run"
# Windows paths of the same files for the DLL (Wine maps Z: to /)
winpath() {
        # shellcheck disable=SC1003
        printf 'Z:%s' "$1" | tr / '\\'
}
VA_SIM_STATE=$(winpath "$run/state")
VA_SIM_TRACE=$(winpath "$run/trace")
export VA_SIM_STATE VA_SIM_TRACE
unset VA_SIM_TARGETS VA_SIM_DISCOVERY VA_SIM_FAULT VA_SIM_SERVICE VA_SIM_REBOOT VA_SIM_BOOT_ID

# Runs probe.exe with the given arguments, keeps its output in
# $run/<name>.out, and judges it by its closing lines.
probe() {
        name=$1
        shift
        t0=$(date +%s.%N)
        # msvcrt writes CRLF line ends
        {
                wine "$build/probe.exe" "$@" 2>"$run/$name.err"
                echo $? >"$run/$name.rc"
        } | tr -d '\r' >"$run/$name.out"
        rc=$(cat "$run/$name.rc")
        # its steps count in the total; the run itself is one more check
        ok=$(sed -n 's/^probe .*: \([0-9]*\) passed, [0-9]* failed$/\1/p' "$run/$name.out")
        ko=$(sed -n 's/^probe .*: [0-9]* passed, \([0-9]*\) failed$/\1/p' "$run/$name.out")
        passed=$((passed + ${ok:-0}))
        failed=$((failed + ${ko:-0}))
        if grep -q '^PROBE PASSED$' "$run/$name.out" && ! grep -q '^FAIL' "$run/$name.out" &&
                [ "$rc" -eq 0 ]; then
                pass "probe $*: ${ok} steps ($(elapsed "$t0") s)"
        else
                if [ -n "$ko" ]; then
                        fail "probe $* (exit $rc): $ok steps ok, $ko failed"
                else
                        fail "probe $* (exit $rc): no summary line, crashed?"
                fi
                grep -e '^FAIL' -e '^   ' "$run/$name.out" | head -20
                grep -v -e wine32 -e multiarch -e 'dpkg --add' -e 'apt-get install' \
                        "$run/$name.err" | head -20
        fi
}

# 1. the scripted sequence, from an empty state
probe scenario scenario
grep -E '^(ok  |FAIL)' "$run/scenario.out" | sed 's/^/    /'

# 2. the state outlives the process: the scenario left one session
probe persisted expect-sessions 1

# 3. a reboot drops the live session and restores it from its persistent
#    login, in a process of its own
VA_SIM_REBOOT=1 probe reboot expect-sessions 1
if grep -q 'reboot (VA_SIM_REBOOT): 1 sessions dropped, 1 persistent logins to restore' \
        "$run/trace" && grep -q ' - restore .*volume-a via .* = 0x00000000' "$run/trace"; then
        pass "the trace shows the reboot and the restored login"
else
        fail "the trace shows the reboot and the restored login"
fi

# 4. clean up, then two processes at once against one state file: the
#    named mutex must serialise them (a lost update makes a logout fail).
#    slow=3 holds each call 3 ms, so unserialised processes would overlap:
#    with the mutex disabled this check fails.
probe cleanup cleanup
probe empty expect-sessions 0
t0=$(date +%s.%N)
VA_SIM_FAULT=slow=3 wine "$build/probe.exe" churn iqn.2010-10.org.openstack:churn-1 30 \
        2>/dev/null | tr -d '\r' >"$run/churn1.out" &
pid1=$!
VA_SIM_FAULT=slow=3 wine "$build/probe.exe" churn iqn.2010-10.org.openstack:churn-2 30 \
        2>/dev/null | tr -d '\r' >"$run/churn2.out" &
pid2=$!
wait $pid1
wait $pid2
if grep -q '^PROBE PASSED$' "$run/churn1.out" && grep -q '^PROBE PASSED$' "$run/churn2.out"; then
        pass "two processes, 2 x 30 login/logout rounds ($(elapsed "$t0") s)"
else
        fail "two processes, 2 x 30 login/logout rounds"
        grep -h -e '^FAIL' -e '^   ' "$run/churn1.out" "$run/churn2.out" | head -20
fi
probe after-churn expect-sessions 0
probe cleanup2 cleanup

# 5. no secret in any file the simulator wrote, across every process; the
#    list is probe.c's own (#define ..._SECRET "...")
secrets=$(sed -n 's/^#define [A-Z_]*SECRET *"\(.*\)"$/\1/p' "$root/tests/wine/probe.c")
count=$(echo "$secrets" | grep -c .)
leaks=0
for s in $secrets; do
        if grep -rqF "$s" "$run/trace" "$run/state"; then
                leaks=$((leaks + 1))
                echo "    a secret of probe.c is in $(grep -rlF "$s" "$run/trace" "$run/state")"
        fi
done
if [ "$count" -ge 7 ] && [ "$leaks" -eq 0 ] && [ -s "$run/trace" ] && [ -s "$run/state" ]; then
        pass "none of the $count secrets in the trace ($(wc -l <"$run/trace") lines) or the state"
else
        fail "secrets in files: $leaks of $count"
fi

# 6. the i686 link (stdcall decorations) happened; it cannot run here
if [ -f "$build/probe32.exe" ]; then
        pass "i686 probe linked against the import library's decorated names"
else
        fail "i686 probe missing"
fi

finish
