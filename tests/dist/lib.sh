# SPDX-License-Identifier: Apache-2.0
# Sourced by the package tests (tests/dist/*.sh), from the tree's root:
# ok/bad count checks, the EXIT trap prints the total line that
# scripts/test-summary.py reads ("NAME: N passed, N failed"; a stop by
# set -e counts as a failure), and meson's project version.
fail=0 npass=0 nfail=0
ok() { echo "ok: $*"; npass=$((npass + 1)); }
bad() { echo "FAIL: $*"; fail=1; nfail=$((nfail + 1)); }
total() {
        rc=$?
        [ $rc != 0 ] && [ $nfail = 0 ] && nfail=1 && echo "FAIL: $0 stopped (exit $rc)"
        echo "$(basename "$0"): $npass passed, $nfail failed"
}
trap total EXIT
version=$(sed -n "s/^  version : '\([0-9.]*\)',/\1/p" meson.build)
