#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Sums the "N passed, N failed" lines of meson test logs (and any extra
result files given) into one total line, as CI reads it."""
import json
import re
import sys

passed = failed = 0
for path in sys.argv[1:]:
    try:
        if path.endswith(".json"):
            lines = [json.loads(l) for l in open(path) if l.strip()]
            outputs = [l.get("stdout", "") or "" for l in lines]
            # a test that crashed before printing counts as one failure
            failed += sum(1 for l in lines if l.get("result") not in ("OK", "SKIP", "EXPECTEDFAIL")
                          and not re.search(r"\d+ passed, \d+ failed", l.get("stdout", "") or ""))
        else:
            outputs = [open(path).read()]
    except OSError:
        continue
    for out in outputs:
        for m in re.finditer(r"(\d+) passed, (\d+) failed", out):
            passed += int(m.group(1))
            failed += int(m.group(2))
print("%d passed, %d failed" % (passed, failed))
