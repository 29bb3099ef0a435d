#!/usr/bin/env python3
"""Counts test cases over meson test logs (testlog.json): every TAP result
line ("ok ...", "not ok ...") of a test that printed TAP, or the test itself
for the others. A TAP test whose process failed without a failing line (a
crash, a timeout, a plan never reached) counts one failure more.
A "not ok ... # TODO" line is a known bug the test documents (TAP's
expected failure): counted apart, said on the line before the last.
Prints "N passed, N failed, N skipped" last."""
import json
import re
import sys

TAP = re.compile(r"^(not ok|ok)\b(.*)$")

passed = failed = skipped = todo = 0
for path in sys.argv[1:]:
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            t = json.loads(line)
            result = t.get("result", "")
            ok = failing = 0
            for out in (t.get("stdout") or "").splitlines():
                m = TAP.match(out)
                if not m:
                    continue
                if "# SKIP" in m.group(2).upper():
                    skipped += 1
                elif "# TODO" in m.group(2).upper():
                    todo += 1
                elif m.group(1) == "ok":
                    ok += 1
                else:
                    failing += 1
            if ok or failing:
                passed += ok
                failed += failing
                if result not in ("OK", "SKIP") and failing == 0:
                    failed += 1
                    print(f"{path}: {t.get('name')}: {result} with no failing case",
                          file=sys.stderr)
                continue
            if result == "OK":
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
                print(f"{path}: {t.get('name')}: {result}", file=sys.stderr)
            if failing:
                print(f"{path}: {t.get('name')}: {failing} failing cases", file=sys.stderr)
if todo:
    print(f"{todo} known bugs (TAP TODO) documented by the tests, not counted as failures")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
