#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The lab demo (`make demo`): the seed's scenario attached for real.  Boots a
# qemu guest with Debian's kernel, a LIO target exporting the seed's volume
# (iqn.2018-01.com.example:target, LUN 0, CHAP guest) on 127.0.0.1:3260, and
# runs volattach on 01-seed-example.json with only its portal rewritten to
# that loopback address; then formats, mounts, writes and reads the volume
# and detaches it.  Scenario: tests/lab/scenarios/1000-seed-volume.
set -eu
cd "$(dirname "$0")/../.."
[ -x build/volattach ] || scripts/build.sh release >/dev/null
set +e
tests/lab/run.sh --bin build/volattach --file tests/fixtures/metadata 1000-seed-volume >build-lab-demo.txt 2>&1
rc=$?
set -e
log=build-lab/runs/latest/1000-seed-volume.log
if [ -f "$log" ]; then
        # the guest's console without the kernel's own messages
        sed -n '/^LAB-START/,/^LAB-END/p' "$log" | grep -v '^\[ *[0-9.]*\]' |
                sed -e 's/^LAB-STEP \[\([0-9]*\) ms\] /\n== [\1 ms] /' -e 's/^LAB-//'
fi
tail -n 3 build-lab-demo.txt
rm -f build-lab-demo.txt
exit $rc
