#!/bin/sh
# dist/volattach.service passes `systemd-analyze verify` with no warning:
# the unit is checked as shipped, except that ExecStart points at the binary
# just built (verify insists that the program exists).  A copy with a typo'd
# directive must fail, so this test can tell.
#   verify-unit.sh UNIT VOLATTACH_BINARY
set -u
unit=$1
bin=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s#^ExecStart=/usr/sbin/volattach #ExecStart=$bin #" "$unit" >"$tmp/volattach.service"
grep -q "^ExecStart=$bin attach" "$tmp/volattach.service" || { echo "FAIL: no ExecStart to rewrite"; exit 1; }
out=$(systemd-analyze verify "$tmp/volattach.service" 2>&1)
rc=$?
if [ $rc -ne 0 ] || [ -n "$out" ]; then
        echo "FAIL: systemd-analyze verify (rc $rc):"
        echo "$out"
        exit 1
fi
echo "ok: $unit verifies cleanly"
sed 's/^RemainAfterExit=/RemainAfterExt=/' "$tmp/volattach.service" >"$tmp/broken.service"
cp "$tmp/broken.service" "$tmp/volattach.service"
out=$(systemd-analyze verify "$tmp/volattach.service" 2>&1)
case "$out" in
*RemainAfterExt*) echo "ok: a misspelt directive is reported" ;;
*) echo "FAIL: a misspelt directive went unnoticed: $out"; exit 1 ;;
esac
