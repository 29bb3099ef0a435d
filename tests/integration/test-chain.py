#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: the shim's "real" functions are what dlsym(RTLD_NEXT) would give.

The shim looks libc's functions up itself (a hash probe per object after it
in the search order, lib/dl_ops.c) instead of asking dlsym 150 times per
process. With another preload after it that wraps open() as well, the
shim's open must call that one (which passes the call on), not libc's.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fnguard_test import BUILD, LIB, Tap, run, workdir, write_profile  # noqa: E402

tap = Tap()
W = workdir("chain-")
HELPERS = os.path.join(BUILD, "tests", "integration")
OPS = os.path.join(HELPERS, "file-ops")
CHAIN = os.path.join(HELPERS, "chain-open.so")
OK = os.path.join(W, "ok.txt")
NO = os.path.join(W, "no.txt")
for f in (OK, NO):
    with open(f, "w") as fh:
        fh.write("x\n")
PROFILE = write_profile(W, {"fnguard": 1, "extends": ["lambda-base"],
                            "files": [{"path": HELPERS + "/**", "allow": "r"},
                                      {"path": OK, "allow": "r"}]})
PRE = {"LD_PRELOAD": LIB + ":" + CHAIN}

marks = {}
for name, path in (("allowed", OK), ("denied", NO)):
    r = run([OPS, "open-r", path], profile=PROFILE, mode="enforce", preload=False, env=PRE)
    marks[name] = r.stderr.count("[chain-open]")
    if name == "allowed":
        tap.ok(r.rc == 0 and marks[name] >= 1,
               "an allowed open goes through the next preload's open", r.diag())
    else:
        tap.ok(r.rc == 1 and r.find(type="violation", target=NO),
               "a denied open is refused before the next preload sees it", r.diag())
tap.ok(marks["allowed"] == marks["denied"] + 1,
       "exactly the program's allowed open reached the next preload "
       f"({marks['allowed']} vs {marks['denied']} calls)", "")
r = run([OPS, "open-r", OK], profile=PROFILE, mode="enforce")
tap.ok(r.rc == 0 and "[chain-open]" not in r.stderr,
       "without the other preload the shim calls libc's open", r.diag())
# Another preload's constructor runs before the shim's: its close() and fclose() (which the
# shim wraps) must still close what they are given, not fail for want of libc's functions.
EARLY = os.path.join(HELPERS, "early-close.so")
r = run([OPS, "open-r", OK], profile=PROFILE, mode="enforce", preload=False,
        env={"LD_PRELOAD": LIB + ":" + EARLY})
tap.ok(r.rc == 0 and "early-close: close=0 gone=1 fclose=0" in r.stderr,
       "close and fclose called by a constructor that runs before the shim's close", r.diag())
tap.done()
