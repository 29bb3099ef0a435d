#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: a cgo Go program under the shim with the seccomp layer.

Go's runtime installs its own SIGSYS handler (and throws "sigaction failed"
when that is refused) and dies on a trap it did not expect. The shim finds
the runtime by its build-id note and gives such a process an errno-only
filter: denied calls fail with EPERM, the program runs, the start event says
why there is no event for them.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fnguard_test import HELPERS, Tap, run, workdir, write_profile  # noqa: E402

tap = Tap()
PROG = os.path.join(HELPERS, "go-cgo")
if not os.path.exists(PROG):
    tap.ok(True, "cgo Go program under the seccomp layer # SKIP go is not installed")
    tap.done()
    sys.exit(0)

W = workdir("gocgo-")
DATA = os.path.join(W, "data.txt")
with open(DATA, "w") as f:
    f.write("x\n")
PROFILE = write_profile(W, {
    "fnguard": 1,
    "extends": ["lambda-base"],
    "files": [{"path": W + "/**", "allow": "r"}, {"path": HELPERS + "/**", "allow": "r"}],
    "syscalls": ["@lambda-runtime", "sigaltstack", "tgkill", "gettid", "sched_yield",
                 "nanosleep", "madvise", "mincore"],
})


def start(r):
    s = [e for e in r.events if e.get("type") == "start"]
    return s[0] if s else {}


r = run([PROG, DATA], profile=PROFILE, mode="enforce")
sc = start(r).get("layers", {}).get("seccomp", {})
listed = "capset" in (r.stdout or "")
tap.ok(r.rc == 0 and "read: ok" in r.stdout and sc.get("status") == "active" and
       "Go runtime" in sc.get("reason", ""),
       "enforce: the cgo program starts and runs under an active filter; the start event names "
       "the Go runtime", r.diag())
tap.ok(listed and "capset: operation not permitted" in r.stdout and
       "sigaction failed" not in r.stderr,
       "a call outside the profile's syscalls fails with EPERM (errno-only), no SIGSYS death",
       r.diag())

# Go's own file calls are raw system calls (its syscall package does not go
# through libc): the libc layer never sees them; what the program links from C does.
r = run([PROG, DATA], profile=PROFILE, mode="alert")
tap.ok(r.rc == 0 and "read: ok" in r.stdout and "capset: bad address" in r.stdout,
       "alert: the cgo program runs, the unlisted call runs (capset(NULL): EFAULT)", r.diag())
tap.done()
