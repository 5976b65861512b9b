#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The benchmarks (`make bench`): volattach vs os-brick vs the seed's serial
# iscsiadm loop, side by side in one qemu lab guest per cell, then a table of
# medians and ratios.  Never pass/fail on time: exit 0 unless a run broke.
#
# usage: bench/run.sh [--runs N] [--smp N] [--tools "T..."] [CELL]...
#   CELL     bench-n01 bench-n08 bench-n32 bench-n08-mp (default: all four)
#   --runs   timed runs per contender and cell (default 3; plus a one-volume warm-up)
#   --smp    guest vCPUs (default 2, the scenarios' "lab-smp")
#   --tools  contenders to run (default "volattach serial osbrick floor"; the
#            floor is not a tool: the least work any tool causes), e.g. to
#            profile volattach alone
# Output: build-bench/<time>/results.md (the table), build-bench/latest.
set -eu -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
runs=3
smp=
tools=
cells=()
while [ $# -gt 0 ]; do
        case "$1" in
        --runs) runs=$2; shift 2 ;;
        --smp) smp=$2; shift 2 ;;
        --tools) tools=$2; shift 2 ;;
        -h|--help) sed -n '2,/^# Output/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
        *) cells+=("$1"); shift ;;
        esac
done
for t in $tools; do
        case "$t" in volattach|serial|osbrick|floor) ;; *) echo "bench/run.sh: unknown contender $t" >&2; exit 2 ;; esac
done
[ ${#cells[@]} -gt 0 ] || cells=(bench-n01 bench-n08 bench-n32 bench-n08-mp)

cd "$root"
scripts/deps.sh core lab bench
[ -x build/volattach ] || scripts/build.sh release >/dev/null
# os-brick runs in a chroot into the host's root (read-only over 9p) with the
# guest's /etc/multipath bound over the host's; a bind needs the directory.
# multipath-tools creates it on first use anyway.
mkdir -p /etc/multipath

out=$root/build-bench/$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
ln -sfn "${out##*/}" "$root/build-bench/latest"
echo "BENCH_RUNS=$runs" >"$out/config"
[ -z "$tools" ] || echo "BENCH_TOOLS='$tools'" >>"$out/config"

t0=$(date +%s)
# Other work on the host times the guests too: say how busy it was.
load0=$(cut -d' ' -f1 /proc/loadavg)
labargs=(-j 1 --scenario-dir "$here/scenarios" --bin build/volattach
        --file "$here/guest=/lab/bench" --file "$out/config=/lab/bench/config")
[ -z "$smp" ] || labargs+=(--smp "$smp")
# One guest at a time: two would share the host's cores and time each other.
status=0
tests/lab/run.sh "${labargs[@]}" "${cells[@]}" | tee "$out/lab.out" || status=$?
rundir=$(sed -n 's/.*logs in \(.*\)$/\1/p' "$out/lab.out" | head -1)
[ -n "$rundir" ] && [ -f "$rundir/facts.txt" ] ||
        { echo "bench/run.sh: the lab run left no facts.txt" >&2; exit 1; }
cp "$rundir/facts.txt" "$out/facts.txt"
wall=$(($(date +%s) - t0))
load1=$(cut -d' ' -f1 /proc/loadavg)

/usr/bin/python3 "$here/report.py" --facts "$out/facts.txt" --bin build/volattach \
        --wall "$wall" --runs "$runs" \
        --load "$load0 at the start, $load1 at the end" >"$out/results.md"
cat "$out/results.md"
echo "bench/run.sh: $out/results.md (lab logs: $rundir)"
exit $status
