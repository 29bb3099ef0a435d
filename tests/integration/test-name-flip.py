#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: a name rewritten by another thread after its judgement
(helpers/name-flip.c). The caller's buffer is read by the shim, then by libc:
native code (or ctypes' string buffers) flipping one byte of it from a
second thread made the call on a name other than the one judged. Each
wrapper now judges a private copy and hands libc that copy.

One byte flips between an allowed name that does not exist and a denied
one that does: under enforce (Landlock off, so that what is checked is the
libc layer's own judgement), every call must fail, and the denied name
must be logged. fopen's mode string is flipped the same way, between "r"
(allowed) and "w" (which truncates a file only readable)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fnguard_test import HELPERS, Tap, run, workdir, write_profile  # noqa: E402

FLIP = os.path.join(HELPERS, "name-flip")
SECONDS = "1"
tap = Tap()
W = workdir("flip-")
D = os.path.join(W, "d")        # denied, present
RO = os.path.join(W, "ro")      # readable only
for d in (D, RO, os.path.join(D, "dd"), os.path.join(D, "dir")):
    os.makedirs(d, exist_ok=True)
for name in ("f", "fXXXXXX"):
    with open(os.path.join(D, name), "w") as f:
        f.write("SECRET")
os.setxattr(os.path.join(D, "f"), b"user.x", b"1")
os.symlink("/etc/hostname", os.path.join(D, "l"))
with open(os.path.join(RO, "f"), "w") as f:
    f.write("KEEP")

PROFILE = write_profile(W, {
    "fnguard": 1,
    "extends": ["lambda-base"],
    "files": [
        # a/ and c/ do not exist: their names are allowed, and fail with ENOENT.
        {"path": W + "/a/**", "allow": "rwd"},   # no 'c': links cannot be planted there
        {"path": W + "/c/**", "allow": "rwcd"},  # mkstemp creates
        {"path": D + "/**", "deny": "rwcd"},
        {"path": RO + "/**", "allow": "r"},
        {"path": W, "allow": "r"},
        {"path": HELPERS + "/**", "allow": "r"},
    ],
})
POS = str(len(W) + 1)  # the byte after "W/": a, c or d


def flip(op, name, a="a"):
    """Runs name-flip under enforce; (calls, successes, run)."""
    r = run([FLIP, SECONDS, op, os.path.join(W, a, name), POS, a, "d"], profile=PROFILE,
            mode="enforce", env={"FNGUARD_NO_LANDLOCK": "1"}, timeout=60)
    words = r.stdout.split()
    if r.rc != 0 or len(words) != 4:
        return 0, -1, r
    return int(words[1]), int(words[3]), r


def denied_logged(r, name):
    target = os.path.join(D, name)
    return any(e.get("type") == "violation" and e.get("target") == target for e in r.events)


CASES = [
    ("open", "f"), ("openat", "f"), ("fopen", "f"), ("opendir", "dir"),
    ("stat", "f"), ("lstat", "f"), ("fstatat", "f"), ("statx", "f"),
    ("access", "f"), ("faccessat", "f"), ("readlink", "l"), ("getxattr", "f"),
    ("truncate", "f"), ("chmod", "f"), ("chown", "f"), ("utimes", "f"),
    ("unlink", "f"), ("rmdir", "dd"), ("sys-openat", "f"), ("sys-openat2", "f"),
]
for op, name in CASES:
    calls, ok, r = flip(op, name)
    tap.ok(calls > 100 and ok == 0 and denied_logged(r, name),
           f"{op}: a name flipped to a denied one by another thread is never what libc "
           f"acts on (calls {calls}, succeeded {ok}), and the denied name is logged",
           r.stdout + r.diag()[-1500:])

calls, ok, r = flip("mkstemp", "fXXXXXX", a="c")
made = sorted(n for n in os.listdir(D) if n.startswith("f") and n not in ("f", "fXXXXXX"))
tap.ok(calls > 100 and ok == 0 and not made and denied_logged(r, "fXXXXXX"),
       f"mkstemp: a template flipped to a denied directory creates nothing there "
       f"(calls {calls}, succeeded {ok}, made {made[:3]})", r.stdout + r.diag()[-1500:])

r = run([FLIP, SECONDS, "fopen-mode", os.path.join(RO, "f"), "0", "r", "w"], profile=PROFILE,
        mode="enforce", env={"FNGUARD_NO_LANDLOCK": "1"}, timeout=60)
with open(os.path.join(RO, "f")) as f:
    kept = f.read()
words = r.stdout.split()
tap.ok(r.rc == 0 and len(words) == 4 and int(words[3]) > 100 and kept == "KEEP" and
       any(e.get("type") == "violation" and e.get("target") == os.path.join(RO, "f") and
           e.get("access") == "w" for e in r.events),
       "fopen: a mode flipped from \"r\" to \"w\" by another thread never truncates a file "
       f"only readable (content now {kept!r}); the \"w\" opens are logged",
       r.stdout + r.diag()[-1500:])

sys.exit(tap.done())
