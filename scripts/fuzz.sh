#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs every libFuzzer target for a bounded time (seconds per target, default
# 30) from a copy of its committed seed corpus. A crash fails the run and its
# reproducer is kept under build-fuzz/crashes/ (add it to the corpus once
# fixed: the corpus doubles as the regression suite).
set -u
cd "$(dirname "$0")/.."
secs=${1:-30}
dir=$(scripts/build.sh fuzz) || exit 1
mkdir -p "$dir/crashes"
status=0
for t in meta portal iscsiname noderec sendtargets fsimage http config; do
        work="$dir/corpus-$t"
        rm -rf "$work"
        mkdir -p "$work"
        cp tests/fuzz/corpus/$t/* "$work/" 2>/dev/null || true
        maxlen=4096
        case $t in meta | config) maxlen=65536 ;; fsimage) maxlen=1048576 ;; esac
        out=$("$dir/tests/fuzz/fuzz-$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
                -max_len=$maxlen -artifact_prefix="$dir/crashes/$t-" -print_final_stats=1 \
                "$work" 2>&1)
        rc=$?
        runs=$(echo "$out" | sed -n 's/^stat::number_of_executed_units: *//p')
        if [ $rc -ne 0 ]; then
                echo "fuzz-$t: FAILED after ${secs}s"
                echo "$out" | tail -40
                status=1
        else
                echo "fuzz-$t: ${runs:-?} inputs in ${secs}s, no crash"
        fi
done
exit $status
