#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: the shim's per-thread memory of allowed paths (lib/verdict_cache.h)
never outlives what it was about.

One process makes the calls in order (helpers/path-seq.c), so a path is
judged, remembered, and then asked about again after the thing the answer
depended on changed: the cwd (chdir, fchdir), the rights, the thread (one
with a directory of its own too), the last byte of the name, a symlink
planted in a writable area. Each denied
call must fail with EACCES and be logged, as without the cache.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fnguard_test import HELPERS, Tap, run, workdir, write_profile  # noqa: E402

SEQ = os.path.join(HELPERS, "path-seq")
tap = Tap()
W = workdir("vcache-")
for d in ("a", "b", "ok", "tmp"):
    os.makedirs(os.path.join(W, d), exist_ok=True)
for f in ("a/cfg", "b/cfg", "ok/cfg", "ok/cfh", "tmp/l"):
    with open(os.path.join(W, f), "w") as fh:
        fh.write("x\n")

PROFILE = write_profile(W, {
    "fnguard": 1,
    "extends": ["lambda-base"],
    "files": [
        {"path": W + "/a/**", "allow": "r"},
        {"path": W + "/a", "allow": "r"},
        {"path": W + "/b", "allow": "r"},
        {"path": W + "/ok/cfg", "allow": "r"},
        {"path": W + "/tmp/**", "allow": "rwcd"},
        {"path": HELPERS + "/**", "allow": "r"},
    ],
})


def p(rel):
    return os.path.join(W, rel)


def seq(*ops, mode="enforce"):
    return run([SEQ] + list(ops), profile=PROFILE, mode=mode)


def results(r):
    return [line.rsplit(" -> ", 1)[-1] for line in r.stdout.splitlines()
            if not line.startswith("= ")]


def denied(r, target):
    return [e for e in r.events if e.get("type") == "violation" and e.get("target") == target]


# chdir: "cfg" meant a/cfg, now it means b/cfg.
r = seq("chdir:" + p("a"), "stat:cfg", "stat:cfg", "access:cfg", "chdir:" + p("b"), "stat:cfg",
        "access:cfg")
tap.ok(results(r) == ["0", "0", "0", "0", "0", "EACCES", "EACCES"] and
       len(denied(r, p("b/cfg"))) == 2,
       "a relative path allowed and remembered under one cwd is judged again after chdir",
       r.diag())

r = seq("fchdir:" + p("a"), "stat:cfg", "stat:cfg", "fchdir:" + p("b"), "stat:cfg",
        "fchdir:" + p("a"), "stat:cfg")
tap.ok(results(r) == ["0", "0", "0", "0", "EACCES", "0", "0"] and len(denied(r, p("b/cfg"))) == 1,
       "the same after fchdir, and back again", r.diag())

# Rights: read remembered, write asked.
r = seq("stat:" + p("a/cfg"), "openr:" + p("a/cfg"), "openr:" + p("a/cfg"), "openw:" + p("a/cfg"))
ev = denied(r, p("a/cfg"))
tap.ok(results(r) == ["0", "0", "0", "EACCES"] and len(ev) == 1 and ev[0].get("access") == "w",
       "a path remembered for reading is judged again for writing", r.diag())

# A name one byte away from a remembered one.
r = seq("stat:" + p("ok/cfg"), "stat:" + p("ok/cfg"), "stat:" + p("ok/cfh"), "stat:" + p("ok/cf"))
tap.ok(results(r) == ["0", "0", "EACCES", "EACCES"] and len(denied(r, p("ok/cfh"))) == 1 and
       len(denied(r, p("ok/cf"))) == 1,
       "names differing in the last byte or one byte shorter are not taken for a remembered one",
       r.diag())

# Another thread has its own memory and the same answers.
r = seq("stat:" + p("a/cfg"), "stat:" + p("a/cfg"), "thread-stat:" + p("a/cfg"),
        "thread-stat:" + p("b/cfg"), "stat:" + p("b/cfg"))
tap.ok(results(r) == ["0", "0", "0", "EACCES", "EACCES"] and len(denied(r, p("b/cfg"))) == 2,
       "threads: allowed stays allowed, denied stays denied and logged", r.diag())

# A thread made with clone(CLONE_VM) without CLONE_FS has a directory of its own: it
# changes to b, this thread (still in a) looks at a name, then the other opens "cfg":
# b/cfg, never judged as a/cfg (the remembered directory is this thread's).
r = seq("chdir:" + p("a"), "stat:cfg", "clone-nofs:" + p("b") + "=cfg", "stat:cfg")
tap.ok(results(r) == ["0", "0", "EACCES", "0"] and denied(r, p("b/cfg")),
       "clone without CLONE_FS: a thread with its own directory is judged in it", r.diag())

# Denials are never remembered: every attempt is refused and logged.
r = seq(*(["stat:" + p("b/cfg")] * 4))
tap.ok(results(r) == ["EACCES"] * 4 and len(denied(r, p("b/cfg"))) == 4,
       "a denied path asked four times is refused and logged four times", r.diag())

# A writable area may hold links: its paths are never remembered lexically.
r = seq("stat:" + p("tmp/l"), "stat:" + p("tmp/l"), "ln:" + p("b/cfg") + "=" + p("tmp/l"),
        "stat:" + p("tmp/l"), "openr:" + p("tmp/l"))
tap.ok(results(r) == ["0", "0", "0", "EACCES", "EACCES"] and len(denied(r, p("b/cfg"))) == 2,
       "a file in a 'c' area replaced by a symlink to a denied file is denied after being allowed",
       r.diag())

# A directory above an allowed path may be looked at (stat), not read: the look is not remembered.
r = seq("stat:" + W, "stat:" + W, "openr:" + W, "access:" + W, "openr:" + W)
ev = [e for e in r.events if e.get("type") == "violation" and e.get("target") == W]
tap.ok(results(r) == ["0", "0", "EACCES", "0", "EACCES"] and len(ev) == 2 and
       all(e.get("op") == "open" for e in ev),
       "an ancestor directory: stat and access allowed, open refused each time", r.diag())

# Calls made through libc's syscall() are judged as the function of the same name.
r = seq("sys-statx:" + p("a/cfg"), "sys-statx:" + p("b/cfg"), "sys-openat:" + p("a/cfg"),
        "sys-openat:" + p("b/cfg"), "sys-openat2-w:" + p("a/cfg"), "sys-unlink:" + p("a/cfg"))
ev = denied(r, p("b/cfg"))
evw = denied(r, p("a/cfg"))
tap.ok(results(r) == ["0", "EACCES", "0", "EACCES", "EACCES", "EACCES"] and
       [e.get("op") for e in ev] == ["statx", "openat"] and
       [e.get("op") for e in evw] == ["openat2", "unlinkat"] and os.path.exists(p("a/cfg")),
       "syscall(SYS_statx/openat/openat2/unlinkat): judged, denied ones refused and logged",
       r.diag())

# Alert mode: allowed calls stay quiet, each denied one is logged and runs.
r = seq("stat:" + p("a/cfg"), "stat:" + p("a/cfg"), "stat:" + p("b/cfg"), "stat:" + p("b/cfg"),
        mode="alert")
tap.ok(results(r) == ["0", "0", "0", "0"] and len(denied(r, p("b/cfg"))) == 2 and
       not denied(r, p("a/cfg")), "alert: every denied call logged, allowed ones not", r.diag())

# Record mode learns every path (nothing is skipped by the memory of allowed ones).
r = seq("chdir:" + p("a"), "stat:cfg", "chdir:" + p("b"), "stat:cfg", mode="record")
learned = {e.get("target") for e in r.events if e.get("type") == "learn"}
tap.ok(results(r) == ["0", "0", "0", "0"] and {p("a/cfg"), p("b/cfg")} <= learned,
       "record: both targets of the same relative name are learned", r.diag())

tap.done()
