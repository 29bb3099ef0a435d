#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: a process that read a JSON profile hands it to its descendants
(lib/profile_share.h): a sealed memfd named by FNGUARD_PROFILE_FD, which a
descendant maps and loads instead of reading and parsing the profile.

The descendants keep the first process's rules even when the JSON file is
replaced while the function runs (before: each process re-read it, so a
function that could write its own profile could widen its children's); the
memfd survives programs that close every descriptor; a number that is not
such a memfd (another file, an unsealed memfd, a sealed one holding
garbage) is not used: the descendant reads the profile itself. A first
process never takes one from its environment.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fnguard_test import (PYTHON, Tap, compile_bundle, pipe_onto_var_fd, run,  # noqa: E402
                          workdir, write_profile)

tap = Tap()
W = workdir("share-")
SECRET = os.path.join(W, "secret.txt")
with open(SECRET, "w") as f:
    f.write("s3cret\n")
OPEN = os.path.join(W, "open")
os.makedirs(OPEN)
DATA = os.path.join(OPEN, "data.txt")
with open(DATA, "w") as f:
    f.write("data\n")

BASE = {"fnguard": 1, "extends": ["lambda-base"], "syscalls": ["@lambda-runtime", "memfd_create"],
        "exec": [{"path": "/bin/sh"}, {"path": "/usr/bin/dash"}, {"path": "/usr/bin/cat"},
                 {"path": "/bin/cat"}, {"path": os.path.realpath(PYTHON)}]}
FILES = [{"path": OPEN + "/**", "allow": "r"},
         {"path": W + "/*.json", "allow": "rwc"},
         {"path": W + "/*.lean", "allow": "rwc"},
         {"path": sys.base_prefix + "/**", "allow": "r"},
         {"path": os.path.realpath(sys.base_prefix) + "/**", "allow": "r"}]
STRICT = dict(BASE, files=FILES)
WIDE = dict(BASE, files=FILES + [{"path": SECRET, "allow": "r"}])
WIDE_TEXT = json.dumps(WIDE)


# The libc layer's decisions are what is checked: Landlock's ruleset, made by the first
# process from what it read, would refuse the secret whatever a child loads.
NO_LL = {"FNGUARD_NO_LANDLOCK": "1"}


def fresh():
    return write_profile(W, STRICT, name="profile.json")


def denied(r, target):
    return [e for e in r.events if e.get("type") == "violation" and e.get("target") == target
            and e.get("action") == "blocked"]


# The profile is replaced by a wider one after the first process read it: its children
# still run under what it read.
prof = fresh()
script = (f"/usr/bin/cat {DATA}; printf '%s' '{WIDE_TEXT}' > {prof}; /usr/bin/cat {SECRET}; "
          f"/bin/sh -c '/usr/bin/cat {SECRET}'; true")
r = run(["/bin/sh", "-c", script], profile=prof, mode="enforce", env=NO_LL)
tap.ok(r.rc == 0 and "data" in r.stdout and "s3cret" not in r.stdout
       and len(denied(r, SECRET)) >= 2 and not r.find(type="error"),
       "descendants keep the rules the first process read when its JSON profile is replaced",
       r.diag())
with open(prof) as f:
    tap.ok(json.load(f) == WIDE, "the profile file was replaced (the attack ran)")

# Every descriptor closed (one by one, and with close_range through libc, as Python's
# close_fds does), then the same: the memfd is kept, and what children load is still the
# first process's.
prof = fresh()
code = ("import os, subprocess\n"
        "for fd in range(3, 1100):\n"
        "    try:\n"
        "        os.close(fd)\n"
        "    except OSError:\n"
        "        pass\n"
        "os.closerange(3, 65536)\n"
        f"open({prof!r}, 'w').write({WIDE_TEXT!r})\n"
        f"subprocess.run(['/bin/sh', '-c', '/usr/bin/cat {DATA}; /usr/bin/cat {SECRET}; true'],"
        " close_fds=True)\n")
r = run([PYTHON, "-c", code], profile=prof, mode="enforce", env=NO_LL)
tap.ok(r.rc == 0 and "data" in r.stdout and "s3cret" not in r.stdout and denied(r, SECRET),
       "after close, closerange and close_fds, children still load the first process's "
       "profile",
       r.diag())

# Something else at the number: the first process's own bytes in a plain file or in an
# unsealed memfd (either could change under a child that used it), a sealed memfd of
# garbage. Not used: the child reads the profile itself, which has been replaced by a
# wider one meanwhile. Permissions only narrow down a tree: in enforce mode it refuses to
# start, saying why; in alert mode it runs, and says so.
GOOD = "good = os.pread(n, 1 << 20, 0)\n"
REPLACE = {
    "a plain file holding the profile handed down": (
        GOOD + f"fd = os.open({W + '/copy.json'!r}, os.O_RDWR | os.O_CREAT)\n"
        "os.write(fd, good)\n"),
    "an unsealed memfd holding the profile handed down": (
        GOOD + "fd = os.memfd_create('fnguard-profile', 0)\n"
        "os.write(fd, good)\n"),
    "a sealed memfd of garbage": (
        "import fcntl\n"
        "fd = os.memfd_create('fnguard-profile', os.MFD_ALLOW_SEALING)\n"
        "os.write(fd, b'FNGBNDL\\0' + bytes(4096))\n"
        "fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK |"
        " fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE)\n"),
}
CHANGED = "the profile has changed since the first process of this tree read it"


def replaced(make, mode):
    prof = fresh()
    code = ("import os, subprocess\n"
            "n = int(os.environ['FNGUARD_PROFILE_FD'].split(':')[0])\n" + make +
            "os.dup2(fd, n)\n"
            f"open({prof!r}, 'w').write({WIDE_TEXT!r})\n"
            f"p = subprocess.run(['/bin/sh', '-c', '/usr/bin/cat {SECRET}'], pass_fds=[n])\n"
            "print('child', p.returncode)\n")
    r = run([PYTHON, "-c", code], profile=prof, mode=mode, env=NO_LL)
    return r, [e.get("message", "") for e in r.find(type="error")]


for what, make in REPLACE.items():
    r, errs = replaced(make, "enforce")
    tap.ok(r.rc == 0 and "s3cret" not in r.stdout and "child 126" in r.stdout
           and errs and all(m.startswith(CHANGED) for m in errs)
           and any("refusing to start" in m for m in errs),
           f"{what} at FNGUARD_PROFILE_FD's number is not used; the profile read instead has "
           "changed: enforce refuses to start", r.diag())
r, errs = replaced(REPLACE["a sealed memfd of garbage"], "alert")
tap.ok(r.rc == 0 and "s3cret" in r.stdout and "child 0" in r.stdout
       and errs and all(m.startswith(CHANGED) and "refusing" not in m for m in errs),
       "alert: the child runs under the profile as read now, and says it changed", r.diag())

# The profile handed down given up (a dup2 over its number) and the child's own load of it
# made to fail (a cJSON library path pointing at garbage): the child does not fall back to
# recording, which would drop its violations. In alert mode it judges with no rule: its
# read of the secret is a violation, logged. (Before: no violation, only learn events.)
BAD_LIB = os.path.join(W, "badlib")
os.makedirs(BAD_LIB, exist_ok=True)
with open(os.path.join(BAD_LIB, "libcjson.so.1"), "w") as f:
    f.write("not a library\n")
prof = fresh()
code = ("import os, subprocess\n"
        "n = int(os.environ['FNGUARD_PROFILE_FD'].split(':')[0])\n"
        "os.dup2(os.open('/dev/null', os.O_RDONLY), n)\n"
        f"p = subprocess.run(['/usr/bin/cat', {SECRET!r}], "
        f"env=dict(os.environ, LD_LIBRARY_PATH={BAD_LIB!r}))\n"
        "print('child', p.returncode)\n")
r = run([PYTHON, "-c", code], profile=prof, mode="alert", env=NO_LL)
cat_reads = [e for e in r.events if e.get("type") == "violation" and e.get("target") == SECRET
             and e.get("exe") == "/usr/bin/cat" and e.get("action") == "logged"]
lost = [e for e in r.find(type="error") if "every call is logged" in e.get("message", "")]
tap.ok(r.rc == 0 and "child 0" in r.stdout and cat_reads and lost,
       "alert: a child that cannot load the profile (handed-down copy given up, cJSON "
       "unloadable) judges with no rule instead of recording: its read of the secret is "
       "logged as a violation", r.diag())

# The attack the identity stops: the function puts a sealed memfd of a wider profile, in
# the very format handed down (a first process's under WIDE, taken from its descriptor),
# at the number. Its children do not take it; they read the profile, which is unchanged.
wide = write_profile(W, WIDE, name="wide.json")
lean = os.path.join(W, "wide.lean")
code = ("import os\n"
        "n = int(os.environ['FNGUARD_PROFILE_FD'].split(':')[0])\n"
        f"open({lean!r}, 'wb').write(os.pread(n, 1 << 20, 0))\n")
r0 = run([PYTHON, "-c", code], profile=wide, mode="enforce", env=NO_LL)
prof = fresh()
code = ("import os, subprocess, fcntl\n"
        "n = int(os.environ['FNGUARD_PROFILE_FD'].split(':')[0])\n"
        "fd = os.memfd_create('fnguard-profile', os.MFD_ALLOW_SEALING)\n"
        f"os.write(fd, open({lean!r}, 'rb').read())\n"
        "fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK |"
        " fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE)\n"
        "os.dup2(fd, n)\n"
        f"subprocess.run(['/bin/sh', '-c', '/usr/bin/cat {SECRET}'], pass_fds=[n])\n")
r = run([PYTHON, "-c", code], profile=prof, mode="enforce", env=NO_LL)
tap.ok(r0.rc == 0 and os.path.getsize(lean) > 32 and r.rc == 0 and "s3cret" not in r.stdout
       and denied(r, SECRET),
       "a sealed memfd of a wider profile put at the number is refused: children keep the "
       "profile", r0.diag() + r.diag())

# The number is the program's once it puts something there: a pipe's write end dup2'd
# onto it closes when the program closes it (its reader sees the end).
prof = fresh()
r = run([PYTHON, "-c", pipe_onto_var_fd("FNGUARD_PROFILE_FD")], profile=prof, mode="enforce",
        env=NO_LL)
tap.ok(r.rc == 0 and r.stdout.strip() == "eof",
       "a descriptor the program dup2s onto the number is the program's: close closes it",
       r.diag())

# A first process does not take one from its environment.
prof = fresh()
r = run(["/bin/sh", "-c", f"/usr/bin/cat {DATA}; /usr/bin/cat {SECRET}; true"], profile=prof,
        mode="enforce", env=dict(NO_LL, FNGUARD_PROFILE_FD="0"))
errs = [e for e in r.find(type="error") if "FNGUARD_PROFILE_FD" in e.get("detail", "")]
tap.ok(r.rc == 0 and "data" in r.stdout and denied(r, SECRET) and errs,
       "FNGUARD_PROFILE_FD set for a first process is ignored, and said so", r.diag())

# A bundle is handed down whole (its programs are what a descendant installs when it cannot
# inherit the filter): descendants map it instead of reading the file, and a bundle replaced
# by a wider one while the function runs does not reach them.
prof = fresh()
fgb = os.path.join(W, "profile.lean")  # where the profile lets the function write
wide_fgb = os.path.join(OPEN, "wide.fgb")
c = compile_bundle(prof, fgb)
c2 = compile_bundle(write_profile(W, WIDE, name="wide.json"), wide_fgb)
script = (f"echo fd=${{FNGUARD_PROFILE_FD:-none}}; /usr/bin/cat {DATA}; "
          f"/usr/bin/cat {wide_fgb} > {fgb}; "
          f"/bin/sh -c '/usr/bin/cat {SECRET}'; true")
r = run(["/bin/sh", "-c", script], profile=fgb, mode="enforce", env=NO_LL)
tap.ok(c.returncode == 0 and c2.returncode == 0 and r.rc == 0 and "fd=none" not in r.stdout
       and "data" in r.stdout and "s3cret" not in r.stdout and denied(r, SECRET)
       and not r.find(type="error"),
       "a bundle is handed down: descendants keep what the first process loaded when the "
       "bundle is replaced", r.diag() + c.stderr + c2.stderr)
with open(fgb, "rb") as f, open(wide_fgb, "rb") as g:
    tap.ok(f.read() == g.read(), "the bundle was replaced (the attack ran)")

# Record mode: the first process's profile reaches the children, which record.
prof = fresh()
r = run(["/bin/sh", "-c", f"echo fd=$FNGUARD_PROFILE_FD; /bin/sh -c '/usr/bin/cat {SECRET}'"],
        profile=prof, mode="record", env=NO_LL)
tap.ok(r.rc == 0 and "s3cret" in r.stdout and "fd=" in r.stdout and "fd=\n" not in r.stdout
       and [e for e in r.find(type="learn") if e.get("target") == SECRET],
       "record mode: children load the handed-down profile and learn", r.diag())

tap.done()
