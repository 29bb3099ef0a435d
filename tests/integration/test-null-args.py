#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: every wrapped function that takes a path, called with NULL (libc
declares the argument nonnull; a buggy program, or one using NULL with
AT_EMPTY_PATH as the kernel allows, passes it all the same), answers under
the shim as it does bare, in every mode: the same result and errno, no crash
(the shim was built assuming the nonnull declarations and dereferenced NULL),
and no violation (nothing was named)."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fnguard_test import HELPERS, Tap, run, workdir, write_profile  # noqa: E402

tap = Tap()
W = workdir("null-args-")
NULLS = os.path.join(HELPERS, "null-args")
for name in ("null-args-from",):
    with open(os.path.join(W, name), "w") as f:
        f.write("x\n")

PROFILE = write_profile(W, {
    "fnguard": 1,
    "extends": ["lambda-base"],
    "files": [{"path": HELPERS + "/**", "allow": "r"}, {"path": W + "/**", "allow": "rwcd"}],
    "syscalls": ["@lambda-runtime", "chown", "lchown", "fchownat"],
})


def lines(text):
    return dict(line.split(" ", 1) for line in text.splitlines() if " " in line)


bare = subprocess.run([NULLS, W], capture_output=True, text=True, timeout=60)
want = lines(bare.stdout)
tap.ok(bare.returncode == 0 and len(want) >= 48, f"bare: {len(want)} calls answered",
       bare.stdout + bare.stderr)
for mode in ("enforce", "alert", "record"):
    r = run([NULLS, W], profile=PROFILE, mode=mode, cwd=W)
    got = lines(r.stdout.decode() if isinstance(r.stdout, bytes) else r.stdout)
    differ = [f"{k}: bare {want[k]}, shim {got.get(k)}" for k in want
              if got.get(k) != want[k] and not want[k].startswith("killed")]
    crashed = [k for k, v in got.items() if v.startswith("killed") and
               not want.get(k, "").startswith("killed")]
    tap.ok(r.rc == 0 and not differ and not crashed and len(got) == len(want),
           f"{mode}: every call answers as bare, none crashes", "\n".join(differ + crashed) +
           "\n" + r.diag())
    # No call is refused or learned under a made-up name (only names the program gave:
    # the other side of a rename or link, the directory its descriptor names).
    odd = [e for e in r.events if e.get("type") in ("violation", "error") or
           (e.get("type") == "learn" and not str(e.get("target", "")).startswith("/"))]
    tap.ok(not odd, f"{mode}: no violation, no error, nothing learned but real names",
           "\n".join(str(e) for e in odd[:5]))
tap.done()
