#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A unit of dist/ (volattach.service, volattach-watch.service) passes
# `systemd-analyze verify` with no warning:
# the unit is checked as shipped, except that ExecStart points at the binary
# just built (verify insists that the program exists), and man finds the
# volattach(8) built beside it (verify runs `man` for Documentation=man:).
# A copy with a typo'd directive must fail, so this test can tell. The unit
# orders itself after iscsid and multipathd and is never skipped by a
# Condition (without open-iscsi it fails, naming what is missing).
#   verify-unit.sh UNIT VOLATTACH_BINARY
set -u
unit=$1
bin=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
name=$(basename "$unit")
mkdir -p "$tmp/man/man8"
cp "$(dirname "$bin")/volattach.8" "$tmp/man/man8/" || { echo "FAIL: no volattach.8 beside $bin"; exit 1; }
export MANPATH="$tmp/man"
for want in '^Wants=.*iscsid\.socket' '^After=.*iscsid\.socket' '^After=.*multipathd\.service' \
        '^After=.*multipathd\.socket' '^Documentation=man:volattach\(8\)'; do
        grep -Eq "$want" "$unit" || { echo "FAIL: $unit has no line matching $want"; exit 1; }
done
if grep -q '^Condition' "$unit"; then
        echo "FAIL: $unit has a Condition: a host without open-iscsi would skip it silently"
        exit 1
fi
echo "ok: $unit is ordered after iscsid and multipathd, with no Condition"
sed "s#^ExecStart=/usr/sbin/volattach #ExecStart=$bin #" "$unit" >"$tmp/$name"
grep -q "^ExecStart=$bin [a-z]" "$tmp/$name" || { echo "FAIL: no ExecStart to rewrite"; exit 1; }
out=$(systemd-analyze verify "$tmp/$name" 2>&1)
rc=$?
if [ $rc -ne 0 ] || [ -n "$out" ]; then
        echo "FAIL: systemd-analyze verify (rc $rc):"
        echo "$out"
        exit 1
fi
echo "ok: $unit verifies cleanly"
sed 's/^UMask=/UMsk=/' "$tmp/$name" >"$tmp/broken.service"
cp "$tmp/broken.service" "$tmp/$name"
out=$(systemd-analyze verify "$tmp/$name" 2>&1)
case "$out" in
*UMsk*) echo "ok: a misspelt directive is reported" ;;
*) echo "FAIL: a misspelt directive went unnoticed: $out"; exit 1 ;;
esac
