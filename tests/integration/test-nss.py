#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: user, group and shadow lookups are judged as reading their files.

libc reads /etc/passwd, /etc/group and /etc/shadow with its internal open,
which no file wrapper sees; getpwnam() and friends are judged as that read
(lib/nss_ops.c). Real lookups: Python's pwd/grp modules (getpwuid_r,
getgrgid_r) and getspnam through ctypes — the attack being a dependency
reading password hashes.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fnguard_test import PYTHON, Tap, run, workdir, write_profile  # noqa: E402

tap = Tap()
W = workdir("nss-")
BASE = {"fnguard": 1, "extends": ["lambda-base"],
        "files": [{"path": sys.base_prefix + "/**", "allow": "r"}]}
DENY = write_profile(W, BASE, "deny.json")
ALLOW = write_profile(W, dict(BASE, files=BASE["files"] + [
    {"path": "/etc/passwd", "allow": "r"}, {"path": "/etc/group", "allow": "r"}]), "allow.json")
DENY_RULE = write_profile(W, dict(BASE, files=BASE["files"] + [
    {"path": "/etc/passwd", "deny": "r"}]), "deny-rule.json")

PWD = ("import pwd, grp\n"
       "try:\n    print('user', pwd.getpwuid(0).pw_name)\n"
       "except KeyError as e:\n    print('nouser', e)\n"
       "try:\n    print('group', grp.getgrgid(0).gr_name)\n"
       "except KeyError as e:\n    print('nogroup', e)\n")
SHADOW = ("import ctypes, ctypes.util\n"
          "libc = ctypes.CDLL(None, use_errno=True)\n"
          "libc.getspnam.restype = ctypes.c_void_p\n"
          "p = libc.getspnam(b'root')\n"
          "print('shadow', 'read' if p else 'refused', ctypes.get_errno())\n")


def ops(r, op):
    return [e for e in r.events if e.get("op") == op]


r = run([PYTHON, "-c", PWD], profile=DENY, mode="enforce")
v = ops(r, "getpwuid_r")
g = ops(r, "getgrgid_r")
tap.ok(r.rc == 0 and "nouser" in r.stdout and v and v[0]["target"] == "/etc/passwd" and
       v[0]["action"] == "blocked" and v[0]["tip"] == {"files": [{"path": "/etc/passwd",
                                                                  "allow": "r"}]},
       "enforce: getpwuid is refused and logged as reading /etc/passwd, with its tip", r.diag())
tap.ok("nogroup" in r.stdout and g and g[0]["target"] == "/etc/group",
       "enforce: getgrgid is refused and logged as reading /etc/group", r.diag())

r = run([PYTHON, "-c", PWD], profile=DENY_RULE, mode="enforce")
v = ops(r, "getpwuid_r")
tap.ok("nouser" in r.stdout and v and v[0]["rule"].startswith("deny r"),
       "enforce: an explicit deny rule on /etc/passwd refuses the lookup", r.diag())

r = run([PYTHON, "-c", PWD], profile=DENY, mode="alert")
tap.ok(r.rc == 0 and "user root" in r.stdout and ops(r, "getpwuid_r") and
       ops(r, "getpwuid_r")[0]["action"] == "logged",
       "alert: the lookup runs and is logged", r.diag())

r = run([PYTHON, "-c", PWD], profile=DENY, mode="record")
learned = [e for e in r.events if e.get("type") == "learn" and e.get("target") in
           ("/etc/passwd", "/etc/group")]
tap.ok(r.rc == 0 and "user root" in r.stdout and len(learned) == 2,
       "record: /etc/passwd and /etc/group are learned (a recorded profile allows them)",
       r.diag())
NOBASE = write_profile(W, {"fnguard": 1, "files": BASE["files"]}, "nobase.json")
r = run([PYTHON, "-c", PWD], profile=NOBASE, mode="record")
learned = [e for e in r.events if e.get("type") == "learn" and e.get("op") == "getpwuid_r"]
tap.ok(r.rc == 0 and learned and learned[0]["target"] == "/etc/passwd",
       "record without lambda-base: the lookup is learned as reading /etc/passwd", r.diag())

r = run([PYTHON, "-c", PWD], profile=ALLOW, mode="enforce")
tap.ok(r.rc == 0 and "user root" in r.stdout and "group root" in r.stdout and
       not ops(r, "getpwuid_r") and not ops(r, "getgrgid_r"),
       "enforce: an allowed lookup runs without an event",
       r.diag())

r = run([PYTHON, "-c", SHADOW], profile=ALLOW, mode="enforce")
s = ops(r, "getspnam")
tap.ok(r.rc == 0 and "shadow refused 13" in r.stdout and s and s[0]["target"] == "/etc/shadow"
       and s[0]["action"] == "blocked",
       "enforce: getspnam (password hashes) is refused with EACCES and logged", r.diag())

r = run([PYTHON, "-c", SHADOW], profile=ALLOW, mode="enforce",
        env={"FNGUARD_NO_LANDLOCK": "1", "FNGUARD_NO_SECCOMP": "1"})
tap.ok(r.rc == 0 and "shadow refused 13" in r.stdout and ops(r, "getspnam"),
       "enforce with the libc layer alone: getspnam is still refused", r.diag())

tap.done()
