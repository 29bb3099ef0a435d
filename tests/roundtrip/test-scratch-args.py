#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: a scratch file's name in a program's arguments is learned as the
scratch it is, also when the base profile already allows the file itself.
With --extends lambda-base (which allows /tmp/**), the file rules under /tmp
were dropped before generalisation and the arguments kept the literal name
(`cat /tmp/ccfUEro0.s`): the next run, with another name, was refused
(found by a compatibility sweep, 2026-11-24: gcc's and mktemp's names)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rt  # noqa: E402

# A name the generated-name heuristics do not recognise on their own: only the run's having
# made and removed it says it is scratch.
SCRIPT = 'f=/tmp/$NAME; echo x > "$f"; cat "$f"; rm "$f"'


def main():
    tap = rt.Tap()
    work = rt.scratch("fnguard-rt-scratch-")
    try:
        for base in ("lambda-base", "python"):
            profile = os.path.join(work, f"{base}.json")
            cmd = ["/bin/bash", "-c", SCRIPT]
            rec = rt.record(profile, cmd, work, ["--extends", base],
                            env={"NAME": "ccfUEro0.s"})
            argvs = [e.get("argv") for e in (rt.load(profile).get("exec") or [])
                     if rec.rc == 0]
            tap.ok(rec.rc == 0 and rec.stdout == "x\n" and ["cat", "/tmp/*.s"] in argvs,
                   f"--extends {base}: the scratch name in cat's arguments is learned as "
                   "/tmp/*.s", rec.diag() + f"\nargv={argvs}")
            enf = rt.enforce(profile, cmd, work, env={"NAME": "ccQzWkTa.s"})
            tap.ok(enf.rc == 0 and enf.stdout == "x\n" and not enf.of_type("violation"),
                   f"--extends {base}: the next run, with another name, runs under enforce",
                   enf.diag())
    finally:
        rt.rmtree(work)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
