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
must be logged. The same for what else a call reads twice: fopen's and
popen's mode, wordexp's words, sendmsg's header."""
import os
import shutil
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fnguard_test import HELPERS, Tap, run, workdir, write_profile  # noqa: E402

FLIP = os.path.join(HELPERS, "name-flip")
SECONDS = "1"
tap = Tap()
W = workdir("flip-")
D = os.path.join(W, "d")        # denied, present
E = os.path.join(W, "e")        # allowed, present (rename's and link's other name)
RO = os.path.join(W, "ro")      # readable only

PROFILE = write_profile(W, {
    "fnguard": 1,
    "extends": ["lambda-base"],
    "files": [
        # a/ and c/ do not exist: their names are allowed, and fail with ENOENT.
        {"path": W + "/a/**", "allow": "rwd"},   # no 'c': links cannot be planted there
        {"path": W + "/c/**", "allow": "rwcd"},  # creations
        {"path": E + "/**", "allow": "rwcd"},
        {"path": D + "/**", "deny": "rwcd"},
        {"path": RO + "/**", "allow": "r"},
        {"path": W, "allow": "r"},
        {"path": HELPERS + "/**", "allow": "r"},
    ],
})
POS = str(len(W) + 1)  # the byte after "W/": a, c or d


def fresh():
    """d/ with a file, directories and a link; e/ with a file; ro/ with a file."""
    for d in (D, E, RO):
        shutil.rmtree(d, ignore_errors=True)
    for d in (D, E, RO, os.path.join(D, "dd"), os.path.join(D, "dir")):
        os.makedirs(d, exist_ok=True)
    for name in (os.path.join(D, "f"), os.path.join(D, "dir", "g"), os.path.join(E, "src")):
        with open(name, "w") as f:
            f.write("SECRET")
    os.setxattr(os.path.join(D, "f"), b"user.x", b"1")
    os.symlink("/etc/hostname", os.path.join(D, "l"))
    with open(os.path.join(RO, "f"), "w") as f:
        f.write("KEEP")


def flip(op, name, a="a", other=None):
    """Runs name-flip under enforce on W/a/name (or W/c/name); (calls, successes, run)."""
    argv = [FLIP, SECONDS, op, os.path.join(W, a, name), POS, a, "d"]
    return go(argv + ([other] if other else []))


def go(argv):
    r = run(argv, profile=PROFILE, mode="enforce", env={"FNGUARD_NO_LANDLOCK": "1"},
            timeout=60)
    words = r.stdout.split()
    if r.rc != 0 or len(words) != 4:
        return 0, -1, r
    return int(words[1]), int(words[3]), r


def denied_logged(r, target):
    return any(e.get("type") == "violation" and e.get("target", "").startswith(target)
               for e in r.events)


def d_now():
    return sorted(os.listdir(D))


CASES = [
    ("open", "f"), ("openat", "f"), ("fopen", "f"), ("opendir", "dir"),
    ("stat", "f"), ("lstat", "f"), ("fstatat", "f"), ("statx", "f"),
    ("access", "f"), ("faccessat", "f"), ("readlink", "l"), ("getxattr", "f"),
    ("truncate", "f"), ("chmod", "f"), ("chown", "f"), ("utimes", "f"),
    ("unlink", "f"), ("rmdir", "dd"), ("sys-openat", "f"), ("sys-openat2", "f"),
    ("scandir", "dir"), ("nftw", "dir"), ("fts", "dir"),
]
for op, name in CASES:
    fresh()
    calls, ok, r = flip(op, name)
    tap.ok(calls > 100 and ok == 0 and denied_logged(r, os.path.join(D, name)),
           f"{op}: a name flipped to a denied one by another thread is never what libc "
           f"acts on (calls {calls}, succeeded {ok}), and the denied name is logged",
           r.stdout + r.diag()[-1500:])

# Creations, from an allowed directory that does not exist (c/) to the denied one.
CREATE = [
    ("mkdir", "n", None), ("symlink", "s", None), ("link", "h", os.path.join(E, "src")),
    ("rename", "f", os.path.join(E, "moved")), ("mkstemp", "tXXXXXX", None),
    ("mkdtemp", "tXXXXXX", None),
]
for op, name, other in CREATE:
    fresh()
    before = d_now()
    calls, ok, r = flip(op, name, a="c", other=other)
    tap.ok(calls > 100 and ok == 0 and d_now() == before and
           denied_logged(r, os.path.join(D, name.rstrip("X"))),
           f"{op}: a name flipped to a denied directory by another thread never changes it "
           f"(calls {calls}, succeeded {ok}; it holds {d_now()[:6]})",
           r.stdout + r.diag()[-1500:])

fresh()
calls, ok, r = go([FLIP, SECONDS, "fopen-mode", os.path.join(RO, "f"), "0", "r", "w"])
with open(os.path.join(RO, "f")) as f:
    kept = f.read()
tap.ok(calls > 100 and kept == "KEEP" and
       any(e.get("type") == "violation" and e.get("target") == os.path.join(RO, "f") and
           e.get("access") == "w" for e in r.events),
       "fopen: a mode flipped from \"r\" to \"w\" by another thread never truncates a file "
       f"only readable (content now {kept!r}); the \"w\" opens are logged",
       r.stdout + r.diag()[-1500:])

# popen's mode between an invalid one (nothing runs: EINVAL) and "r"; wordexp's words
# between no command ("x(...)", refused as a bad character) and "$(...)". No program may
# run unjudged.
COMMANDS = [
    ("popen", "popen-mode", "touch {}", "x", "r",
     "a mode flipped from invalid to \"r\""),
    ("wordexp", "wordexp", "$(touch {})", "x", "$",
     "words flipped into a command substitution"),
]
for op, flip_op, command, a, b, what in COMMANDS:
    fresh()
    pwned = os.path.join(E, op + "-pwned")
    calls, ok, r = go([FLIP, SECONDS, flip_op, command.format(pwned), "0", a, b])
    tap.ok(calls > 100 and ok == 0 and not os.path.exists(pwned) and
           any(e.get("type") == "violation" and e.get("op") == op for e in r.events),
           f"{op}: {what} never runs the command unjudged (calls {calls}, succeeded {ok}); "
           "the refusals are logged", r.stdout + r.diag()[-1500:])

# sendmsg's header: msg_namelen flipped between 0 (no destination: EDESTADDRREQ on an
# unconnected socket) and 16, to a loopback port no rule allows.
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx.bind(("127.0.0.1", 0))
rx.setblocking(False)
port = rx.getsockname()[1]
calls, ok, r = go([FLIP, SECONDS, "sendmsg", str(port), "0", "0", "16"])
got = 0
try:
    while True:
        rx.recv(16)
        got += 1
except BlockingIOError:
    pass
rx.close()
tap.ok(calls > 100 and ok == 0 and got == 0 and
       any(e.get("type") == "violation" and e.get("op") == "sendmsg" for e in r.events),
       f"sendmsg: a header whose address length another thread flips is judged as sent "
       f"(calls {calls}, sent {ok}, received {got}); the refusals are logged",
       r.stdout + r.diag()[-1500:])

shutil.rmtree(W, ignore_errors=True)
sys.exit(tap.done())
