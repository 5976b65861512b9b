#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The vendordata service's tests (what `scripts/check.sh`'s vendordata stage
# runs): installs the Debian packages, runs pytest with Debian's python3, and
# writes "vendordata: N passed, N failed" to $1 (default build-check/vendordata.txt).
#   vendordata/run-tests.sh --deps [lab]   only install (lab: cinder-common too,
#                                         for cinder-rtstool in the lab guest)
set -u
cd "$(dirname "$0")/.."
groups=vendordata
deps_only=""
if [ "${1:-}" = --deps ]; then
        deps_only=1
        [ "${2:-}" = lab ] && groups="vendordata vendordata-lab"
fi
out=${1:-build-check/vendordata.txt}
# the packages' maintainer scripts must not start daemons (python3-rtslib-fb
# enables a unit): a policy-rc.d that refuses, only for this install
made_policy=""
if [ "$(id -u)" = 0 ] && [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
fi
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive scripts/deps.sh $groups
rc=$?
[ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
[ $rc -eq 0 ] || exit $rc
[ -n "$deps_only" ] && exit 0
mkdir -p "$(dirname "$out")"
xml=$(mktemp /tmp/vd-junit.XXXXXX)
# Debian's own interpreter: the OpenStack packages live in its dist-packages
/usr/bin/python3 -m pytest -p no:cacheprovider -q \
        --junitxml "$xml" vendordata/tests
rc=$?
/usr/bin/python3 - "$xml" "$out" <<'PY'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root)
total = sum(int(s.get("tests", 0)) for s in suites)
bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
line = "vendordata: %d passed, %d failed" % (total - bad - skipped, bad)
print(line)
open(sys.argv[2], "w").write(line + "\n")
PY
rm -f "$xml"
exit $rc
