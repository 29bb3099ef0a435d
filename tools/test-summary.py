#!/usr/bin/env python3
"""Counts test cases over meson test logs: each TAP line of a TAP test, or
the test itself for the others. Prints "N passed, N failed" last."""
import json
import re
import sys

passed = failed = skipped = 0
tap_line = re.compile(r"^(not ok|ok)\b(.*)$")
for path in sys.argv[1:]:
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            t = json.loads(line)
            result = t.get("result", "")
            if t.get("protocol") == "tap" or "TAP" in str(t.get("protocol", "")).upper():
                cases = 0
                for out in (t.get("stdout") or "").splitlines():
                    m = tap_line.match(out)
                    if not m:
                        continue
                    cases += 1
                    if "# SKIP" in m.group(2).upper():
                        skipped += 1
                    elif m.group(1) == "ok":
                        passed += 1
                    else:
                        failed += 1
                if cases == 0 or result not in ("OK", "SKIP", "EXPECTEDFAIL"):
                    if result not in ("OK", "SKIP"):
                        failed += 1
                        print(f"{path}: {t.get('name')}: {result}", file=sys.stderr)
                continue
            if result == "OK":
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
                print(f"{path}: {t.get('name')}: {result}", file=sys.stderr)
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
