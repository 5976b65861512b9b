#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The idle cost of `volattach watch`: it runs for a bounded time against
# tests/cli/metaserver.py on 127.0.0.1 (an answer that never changes, no
# volumes: on the host, a volume would make it log in for real), and this
# prints a table: CPU from /proc/PID/stat, RSS from /proc/PID/status, and
# the HTTP requests per round from the server's log. Never pass/fail on
# time. Needs root (watch does); writes nothing outside a temporary dir.
#   bench/watch-idle.sh [SECONDS [INTERVAL]]   (default 600 s at 1 s)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-600}
interval=${2:-1}
bin=$root/build/volattach
[ -x "$bin" ] || "$root/scripts/build.sh" release >/dev/null
tmp=$(mktemp -d)
spid=
wpid=
cleanup() {
        [ -n "$wpid" ] && kill "$wpid" 2>/dev/null
        [ -n "$spid" ] && kill "$spid" 2>/dev/null
        wait 2>/dev/null
        rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
printf '{"uuid": "7d631f44-00ec-4503-a113-cb616d0fd81c", "hostname": "bench", "volumes": []}\n' \
        >"$tmp/meta_data.json"
python3 "$root/tests/cli/metaserver.py" --file "$tmp/meta_data.json" --log "$tmp/http.log" \
        >"$tmp/server.out" 2>&1 &
spid=$!
i=0
while ! grep -q '^PORT ' "$tmp/server.out" 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 100 ] || { echo "watch-idle: metaserver did not start" >&2; exit 1; }
        sleep 0.1
done
port=$(sed -n 's/^PORT //p' "$tmp/server.out")
url="http://127.0.0.1:$port/live/openstack/latest/meta_data.json"
clk=$(getconf CLK_TCK)
: >"$tmp/watch.log"
"$bin" watch --metadata "$url" --interval "$interval" --state-dir "$tmp/state" --log-level debug \
        >"$tmp/watch.log" 2>&1 &
wpid=$!
# the first round loads libcurl and attaches nothing: measure from round 2
i=0
while ! grep -q "round [0-9]*:" "$tmp/watch.log"; do
        i=$((i + 1))
        [ $i -lt 300 ] || { echo "watch-idle: no first round" >&2; cat "$tmp/watch.log" >&2; exit 1; }
        sleep 0.1
done
ticks() { awk '{print $14 + $15}' "/proc/$wpid/stat"; }
t0=$(ticks)
r0=$(grep -c 'round [0-9]*:' "$tmp/watch.log")
q0=$(wc -l <"$tmp/http.log")
sleep "$secs"
t1=$(ticks)
r1=$(grep -c 'round [0-9]*:' "$tmp/watch.log")
q1=$(wc -l <"$tmp/http.log")
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$wpid/status")
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$wpid/status")
kill -TERM "$wpid"
wait "$wpid" || true
wpid=
rounds=$((r1 - r0))
awk -v t=$((t1 - t0)) -v clk="$clk" -v secs="$secs" -v rounds="$rounds" -v q=$((q1 - q0)) \
        -v rss="$rss" -v hwm="$hwm" -v iv="$interval" 'BEGIN {
        cpu = t / clk
        per_round_ms = rounds ? cpu * 1000 / rounds : 0
        printf "| measured | value |\n|---|---|\n"
        printf "| run | %d s at --interval %d: %d rounds |\n", secs, iv, rounds
        printf "| CPU (utime+stime) | %.2f s, %.2f ms per round |\n", cpu, per_round_ms
        printf "| CPU per hour at --interval %d | %.1f s |\n", iv, cpu * 3600 / secs
        printf "| CPU per hour at the default 10 s (360 rounds) | %.1f s |\n", per_round_ms * 360 / 1000
        printf "| RSS at the end / peak | %d KiB / %d KiB |\n", rss, hwm
        printf "| HTTP requests per round | %.2f |\n", rounds ? q / rounds : 0
}'
grep -q 'stopped after' "$tmp/watch.log" && echo "(SIGTERM: stopped cleanly)"
