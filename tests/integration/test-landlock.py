#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: the Landlock layer. File, exec and TCP operations made with a syscall
instruction of the program's own (neither libc nor its syscall() function
sees them, and the seccomp filter lets openat & co. through) are stopped by
the kernel where the profile does not allow them, and go through where it
does; the start event says what Landlock restricts. Then the starts without
it (a kernel without Landlock, alert and record modes, a thread started
before the shim) and "require": ["landlock"], and real Python and Node.js
under the shipped profiles with Landlock on."""
import json
import os
import shutil
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fnguard_test import (HELPERS, LIB, PYTHON, Tap, compile_bundle, run,  # noqa: E402
                          workdir, write_profile)

tap = Tap()
W = workdir("landlock-")
OPS = os.path.join(HELPERS, "landlock-ops")
EARLY_THREAD = os.path.join(HELPERS, "landlock-early-thread.so")
LAUNCH = os.path.join(HELPERS, "landlock-launcher")
NODE = shutil.which("node")


def mkfile(path, text="", mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


ALLOWED = mkfile(os.path.join(W, "allowed", "a.txt"), "allowed-content")
SECRET = mkfile(os.path.join(W, "denied", "secret.txt"), "secret-content")
OUTSIDE = mkfile(os.path.join(W, "outside", "target.txt"), "reached-through-a-link")
os.symlink(OUTSIDE, os.path.join(W, "allowed", "link"))
RW = os.path.join(W, "rw")
mkfile(os.path.join(RW, "old.txt"), "old")
os.makedirs(os.path.join(RW, "sub"))
TOOL = mkfile(os.path.join(W, "bin", "tool"), "#!/bin/sh\necho tool-ran\n", 0o755)
shutil.copy("/bin/true", os.path.join(W, "bin", "true-copy"))
shutil.copy(OPS, os.path.join(W, "bin", "landlock-ops"))
DENIED_TOOL = mkfile(os.path.join(W, "denied", "tool"), "#!/bin/sh\necho should-not-run\n", 0o755)


def listener():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    s.setblocking(False)
    return s


def accepted(s):
    try:
        c, _ = s.accept()
        c.close()
        return True
    except BlockingIOError:
        return False


OK_LISTENER, NO_LISTENER = listener(), listener()
OK_PORT, NO_PORT = OK_LISTENER.getsockname()[1], NO_LISTENER.getsockname()[1]

# No lambda-base: every tree the profile names is small enough to be checked
# for symlinks at start, so reading is restricted too.
BASE = {
    "fnguard": 1, "name": "landlock-test", "syscalls": ["@lambda-runtime"],
    "files": [
        {"path": W + "/allowed/**", "allow": "r"},
        {"path": RW + "/**", "allow": "rwcd"},
    ],
    "network": [{"cidr": "127.0.0.1", "ports": [OK_PORT], "proto": "tcp"}],
}
PROFILE = write_profile(W, BASE)
REQUIRE = write_profile(W, dict(BASE, require=["landlock"]), "require.json")
# Programs that load libraries need their trees: lambda-base (too big to be
# checked for symlinks, so reading is left to the libc layer there).
EXEC = write_profile(W, {
    "fnguard": 1, "name": "landlock-exec", "extends": ["lambda-base"],
    "syscalls": ["@lambda-runtime"],
    # The shell reads the script it runs: 'r' for the libc layer.
    "files": [{"path": RW + "/**", "allow": "rwcd"}, {"path": W + "/bin/**", "allow": "r"}],
    "exec": [{"path": W + "/bin/*"}, {"path": "/usr/bin/env"}],
}, "exec.json")
WIDER = write_profile(W, dict(BASE, name="wider", files=BASE["files"] + [
    {"path": W + "/denied/**", "allow": "rwcd"}]), "wider.json")


def layer(r):
    st = r.find(type="start")
    return st[0]["layers"]["landlock"] if st else {}


def ops(*args, profile=PROFILE, mode="enforce", **kw):
    return run([OPS] + [str(a) for a in args], profile=profile, mode=mode, **kw)


def blocked(r):
    return r.rc == 1 and "errno=EACCES" in r.stderr


def passed(r):
    return r.rc == 0 and "result=OK" in r.stderr


# ---- active ---------------------------------------------------------------------
r = ops("read", ALLOWED)
ll = layer(r)
tap.ok(ll.get("status") == "active" and ll.get("abi", 0) >= 1 and ll.get("rules", 0) > 0 and
       {"read_file", "write_file", "make_reg", "remove_file", "execute"} <= set(ll.get("fs", [])),
       "enforce: the start event says Landlock is active, its ABI, rule count and rights",
       r.diag())
tap.ok(set(ll.get("net", [])) == {"connect_tcp", "bind_tcp"} and not ll.get("notes"),
       "every port rule names its ports: TCP connect and bind are restricted too", r.diag())
tap.ok(passed(r) and r.stdout == "allowed-content",
       "a raw openat of an allowed file reads it", r.diag())

r = ops("read", SECRET)
tap.ok(blocked(r) and "secret" not in r.stdout and not r.find(type="violation"),
       "a raw openat of a file the profile does not allow fails with EACCES (kernel, silent)",
       r.diag())
r = ops("read", os.path.join(W, "allowed", "link"))
tap.ok(passed(r) and r.stdout == "reached-through-a-link",
       "a symlink in a read-only allowed tree still leads where it leads (a superset)",
       r.diag())

r = ops("create", os.path.join(RW, "new.txt"))
tap.ok(passed(r) and os.path.exists(os.path.join(RW, "new.txt")),
       "a raw create in a 'c' tree works", r.diag())
target = os.path.join(W, "denied", "new.txt")
r = ops("create", target)
tap.ok(blocked(r) and not os.path.exists(target),
       "a raw create outside the profile fails and no file appears", r.diag())
target = os.path.join(W, "allowed", "new.txt")
r = ops("create", target)
tap.ok(blocked(r) and not os.path.exists(target),
       "a raw create in a read-only tree fails", r.diag())

r = ops("write", os.path.join(RW, "old.txt"))
tap.ok(passed(r) and open(os.path.join(RW, "old.txt")).read().startswith("x"),
       "a raw write to a 'w' file works", r.diag())
r = ops("write", ALLOWED)
tap.ok(blocked(r) and open(ALLOWED).read() == "allowed-content",
       "a raw write to a read-only file fails, the file is unchanged", r.diag())
r = ops("trunc", ALLOWED)
tap.ok(blocked(r) and open(ALLOWED).read() == "allowed-content",
       "a raw O_TRUNC open of a read-only file fails", r.diag())

r = ops("mkdir", os.path.join(RW, "d"))
tap.ok(passed(r) and os.path.isdir(os.path.join(RW, "d")), "a raw mkdir in a 'c' tree works",
       r.diag())
r = ops("mkdir", os.path.join(W, "denied", "d"))
tap.ok(blocked(r) and not os.path.exists(os.path.join(W, "denied", "d")),
       "a raw mkdir outside the profile fails", r.diag())
mkfile(os.path.join(RW, "gone.txt"), "x")
r = ops("unlink", os.path.join(RW, "gone.txt"))
tap.ok(passed(r) and not os.path.exists(os.path.join(RW, "gone.txt")),
       "a raw unlink in a 'd' tree works", r.diag())
r = ops("unlink", ALLOWED)
tap.ok(blocked(r) and os.path.exists(ALLOWED), "a raw unlink of a read-only file fails",
       r.diag())
mkfile(os.path.join(RW, "moving.txt"), "m")
r = ops("rename", os.path.join(RW, "moving.txt"), os.path.join(RW, "sub", "moved.txt"))
tap.ok(passed(r) and os.path.exists(os.path.join(RW, "sub", "moved.txt")),
       "a raw rename across directories of one 'cd' tree works (refer)", r.diag())
r = ops("rename", os.path.join(RW, "sub", "moved.txt"), os.path.join(W, "denied", "moved.txt"))
tap.ok(r.rc == 1 and ("errno=EACCES" in r.stderr or "errno=EXDEV" in r.stderr) and
       os.path.exists(os.path.join(RW, "sub", "moved.txt")),
       "a raw rename out of the profile fails", r.diag())

# The libc layer still judges first, and its events still reach the log after install.
r = run([os.path.join(HELPERS, "file-ops"), "open-r", SECRET], profile=PROFILE, mode="enforce")
tap.ok(r.rc == 1 and r.find(type="violation", category="file", target=SECRET),
       "a libc open of the same file is judged by the libc layer, with its event", r.diag())

r = ops("connect", OK_PORT)
tap.ok(passed(r) and accepted(OK_LISTENER), "a raw TCP connect to a port of the profile works",
       r.diag())
r = ops("connect", NO_PORT)
tap.ok(blocked(r) and not accepted(NO_LISTENER),
       "a raw TCP connect to another port fails with EACCES and reaches nobody", r.diag())
probe = socket.socket()
probe.bind(("127.0.0.1", 0))
free_port = probe.getsockname()[1]
probe.close()
r = ops("bind", free_port)
tap.ok(blocked(r), "a raw TCP bind without an inbound rule fails", r.diag())

# ---- programs -----------------------------------------------------------------
r = ops("exec", TOOL, profile=EXEC)
ll = layer(r)
tap.ok(r.rc == 0 and r.stdout == "tool-ran\n" and "execute" in ll.get("fs", []),
       "a raw execve of an allowed #! script runs (its interpreter was found at start)",
       r.diag())
tap.ok("read_file" not in ll.get("fs", []) and any("reading" in n for n in ll.get("notes", [])),
       "lambda-base's system trees are too big to check for symlinks: reading is left to "
       "the libc layer, and the start event says so", r.diag())
r = ops("exec", os.path.join(W, "bin", "true-copy"), profile=EXEC)
tap.ok(r.rc == 0, "a raw execve of an allowed dynamic program runs (its loader is allowed)",
       r.diag())
r = ops("exec", DENIED_TOOL, profile=EXEC)
tap.ok(blocked(r) and "should-not-run" not in r.stdout,
       "a raw execve of a program outside the exec rules fails with EACCES", r.diag())
r = ops("create", os.path.join(W, "denied", "x"), profile=EXEC)
tap.ok(blocked(r), "with lambda-base, writing outside the profile is still refused", r.diag())

# A glob that starts with /** widens to a rule on "/" (python.json's zip rule
# does): its rights hold everywhere, so rules that add nothing to them are not
# opened nor given to the kernel, and what they would have added still holds.
WIDE = write_profile(W, dict(BASE, name="wide-read", files=BASE["files"] + [
    {"path": "/**/wide-read-marker", "allow": "r"}], exec=[{"path": W + "/bin/*"}]),
    "wide.json")
narrow_rules = layer(ops("read", ALLOWED)).get("rules", 0)
r = ops("read", SECRET, profile=WIDE)
ll = layer(r)
tap.ok(passed(r) and r.stdout == "secret-content" and 0 < ll.get("rules", 0) < narrow_rules,
       "a rule on / for reading: every file is readable by Landlock (the libc layer still "
       "judges), and fewer rules are made than without it", r.diag())
r = ops("exec", os.path.join(W, "bin", "true-copy"), profile=WIDE)
tap.ok(r.rc == 0, "... an allowed program still runs (its loader keeps its execute rule)",
       r.diag())
target = os.path.join(W, "denied", "wide.txt")
r = ops("create", target, profile=WIDE)
tap.ok(blocked(r) and not os.path.exists(target),
       "... a raw create outside the profile still fails", r.diag())
r = ops("create", os.path.join(RW, "wide.txt"), profile=WIDE)
tap.ok(passed(r), "... a raw create in its 'c' tree works", r.diag())

# Children inherit the domain; one with a wider profile gets no wider domain.
child = os.path.join(W, "bin", "landlock-ops")
target = os.path.join(W, "denied", "child.txt")
r = ops("exec", child, "create", target, profile=EXEC)
tap.ok(r.rc == 1 and "errno=EACCES" in r.stderr and len(r.find(type="start")) == 1 and
       not os.path.exists(target),
       "a child inherits the domain (one start event, its raw create still fails)", r.diag())
r = ops("exec", "/usr/bin/env", "env", "FNGUARD_PROFILE=" + WIDER, child, "create", target,
        profile=EXEC)
tap.ok(r.rc == 1 and "errno=EACCES" in r.stderr and not os.path.exists(target),
       "a child started with a wider profile stays in the narrower domain", r.diag())

# A child's loader reads the shim and the libraries the shim needs, even where the
# profile allows no system library: otherwise it would drop the preload and run the
# child without the libc layer.
shutil.copy(os.path.join(HELPERS, "file-ops"), os.path.join(W, "bin", "file-ops"))
bare = write_profile(W, dict(BASE, name="bare", exec=[{"path": W + "/bin/file-ops"}]),
                     "bare.json")
r = ops("exec", os.path.join(W, "bin", "file-ops"), "open-r", SECRET, profile=bare)
tap.ok(r.rc == 1 and "errno=EACCES" in r.stderr and
       r.find(type="violation", category="file", target=SECRET) and
       "read_file" in layer(r).get("fs", []),
       "a child still loads the shim under a profile that allows no library (its event)",
       r.diag())

r = ops("exec", os.path.join(W, "bin", "file-ops"), "open-r", SECRET, profile="bare.json",
        cwd=W)
tap.ok(r.rc == 1 and r.find(type="violation", category="file", target=SECRET),
       "... also when FNGUARD_PROFILE is a relative path (the child reads it again)",
       r.diag())

# The shim loads libcjson only to read a JSON profile: a first process with a bundle
# (libcjson never loaded) still lets a descendant given a JSON profile of its own read it.
bare_env = write_profile(W, dict(BASE, name="bare-env", exec=[{"path": W + "/bin/file-ops"}]),
                         "bare-env.json")
bare_fgb = os.path.join(W, "bare-env.fgb")
c = compile_bundle(bare_env, bare_fgb)
r = ops("exec-env", "FNGUARD_PROFILE=" + bare_env, os.path.join(W, "bin", "file-ops"),
        "open-r", SECRET, profile=bare_fgb)
tap.ok(c.returncode == 0 and r.rc == 1 and "errno=EACCES" in r.stderr and
       r.find(type="violation", category="file", target=SECRET) and not r.find(type="error"),
       "a first process with a bundle: a descendant given a JSON profile still loads libcjson "
       "under the domain and judges", c.stderr + r.diag())

# Record mode merges the learned profile with what is at FNGUARD_RECORD_OUT (cJSON) at
# exit: with Landlock in (files enforced, the network recorded), under a profile that
# allows no library, the merge still happens.
rec_json = write_profile(W, dict(BASE, name="rec-mixed", mode="enforce",
                                 actions={"network": "record"}), "rec-mixed.json")
rec_fgb = os.path.join(W, "rec-mixed.fgb")
c = compile_bundle(rec_json, rec_fgb)
rec_out = os.path.join(RW, "recorded.json")
with open(rec_out, "w") as f:
    json.dump({"fnguard": 1, "name": "earlier",
               "files": [{"path": "/earlier/only-here", "allow": "r"}]}, f)
r = run([os.path.join(HELPERS, "net-ops"), "connect", "127.0.0.1", "9", "udp"],
        profile=rec_fgb, env={"FNGUARD_RECORD_OUT": rec_out})
with open(rec_out) as f:
    merged = f.read()
tap.ok(c.returncode == 0 and r.rc == 0 and layer(r).get("status") == "active" and
       not r.find(type="error") and "/earlier/only-here" in merged and "127.0.0.1" in merged,
       "network recorded, files enforced by Landlock, no library allowed: the learned profile "
       "is merged with the one already at FNGUARD_RECORD_OUT", c.stderr + r.diag() + merged)

# ---- without Landlock ---------------------------------------------------------------
UNSHIMMED = {"preload": False, "env": {"LAUNCH_PRELOAD": LIB}}
r = run([LAUNCH, OPS, "read", SECRET], profile=PROFILE, mode="enforce", **UNSHIMMED)
ll = layer(r)
tap.ok(r.rc == 0 and r.stdout == "secret-content" and ll.get("status") == "unavailable" and
       ll.get("error") == "ENOSYS" and ll.get("errno") == 38,
       "no Landlock in the kernel: the function runs, the start event says unavailable "
       "(ENOSYS), and a raw read is no longer stopped", r.diag())
r = run([LAUNCH, OPS, "read", ALLOWED], profile=REQUIRE, mode="enforce", **UNSHIMMED)
err = r.find(type="error")
tap.ok(r.rc == 126 and r.stdout == "" and err and "Landlock" in err[0].get("message", "") and
       err[0].get("errno") == 38,
       '"require": ["landlock"] without Landlock: exit 126 before main, with an error event',
       r.diag())
r = ops("read", ALLOWED, profile=REQUIRE)
tap.ok(passed(r) and layer(r).get("status") == "active",
       '"require": ["landlock"] with Landlock: the function runs', r.diag())
r = run([LAUNCH, OPS, "read", ALLOWED], profile=REQUIRE, mode="alert", **UNSHIMMED)
tap.ok(r.rc == 0 and layer(r).get("status") == "off",
       '"require": ["landlock"] binds in enforce mode only', r.diag())
# Per category: a profile in alert mode whose file rules are enforced needs it all the same.
REQ_FILES = write_profile(W, dict(BASE, require=["landlock"], mode="alert",
                                  actions={"file": "enforce"}), "require-files.json")
r = run([LAUNCH, OPS, "read", ALLOWED], profile=REQ_FILES, **UNSHIMMED)
tap.ok(r.rc == 126 and r.find(type="error"),
       '"require": ["landlock"], mode alert but file rules enforced, without Landlock: '
       "exit 126 (the categories it covers decide, not the overall mode)", r.diag())

for mode, word in (("alert", "cannot be logged"), ("record", "only blocks")):
    r = ops("read", SECRET, mode=mode)
    ll = layer(r)
    tap.ok(passed(r) and r.stdout == "secret-content" and ll.get("status") == "off" and
           word in ll.get("reason", ""),
           f"{mode} mode: Landlock is off, and the start event says why", r.diag())

r = ops("read", SECRET, env={"FNGUARD_NO_LANDLOCK": "1"})
tap.ok(passed(r) and layer(r).get("status") == "unavailable" and
       "FNGUARD_NO_LANDLOCK" in layer(r).get("reason", ""),
       "FNGUARD_NO_LANDLOCK turns the layer off, and says so", r.diag())

# Its constructor runs before the shim's: a library that starts a thread when it loads.
EARLY = {"LD_PRELOAD": LIB + ":" + EARLY_THREAD}
r = ops("read", ALLOWED, env=EARLY)
ll = layer(r)
tap.ok(passed(r) and ll.get("status") == "unavailable" and "thread" in ll.get("reason", ""),
       "a thread started before the shim: not installed on one thread only, and said",
       r.diag())
r = ops("read", ALLOWED, profile=REQUIRE, env=EARLY)
tap.ok(r.rc == 126 and r.find(type="error"),
       "... and with \"require\": [\"landlock\"] that is a refusal to start", r.diag())

r = ops("read", SECRET, env={"FNGUARD_LANDLOCK_SCAN": "0"})
ll = layer(r)
tap.ok(passed(r) and "read_file" not in ll.get("fs", []) and ll.get("notes"),
       "FNGUARD_LANDLOCK_SCAN=0: trees are not checked, so reading is not restricted", r.diag())
r = ops("create", os.path.join(W, "denied", "y"), env={"FNGUARD_LANDLOCK_SCAN": "0"})
tap.ok(blocked(r), "... while creating outside the profile still is", r.diag())
# Landlock refuses every link and rename across directories where a ruleset does not handle
# "refer" (the kernel's rule for that one right), and making names anywhere where it does not
# handle making them: a tree over the budget must take neither out of what is handled (it
# took "refer", and tar's hard links failed with EXDEV). Only reading, writing and running
# (the rights whose names the libc layer judges without following links) go.
# A file the profile lets be made inside a read-only tree gives that tree "refer".
one_new = write_profile(W, dict(BASE, name="one-new", files=BASE["files"] + [
    {"path": W + "/allowed/new.txt", "allow": "c"}]), "one-new.json")
SCAN0 = {"FNGUARD_LANDLOCK_SCAN": "0"}
mkfile(os.path.join(RW, "sub", "moving.txt"), "m")
r = ops("rename", os.path.join(RW, "sub", "moving.txt"), os.path.join(RW, "moved.txt"),
        profile=one_new, env=SCAN0)
ll = layer(r)
fs = ll.get("fs", [])
tap.ok(passed(r) and os.path.exists(os.path.join(RW, "moved.txt")) and "refer" in fs and
       "make_reg" in fs and "read_file" not in fs and
       "reading files" in " ".join(ll.get("notes", [])),
       "... and a rename across directories where the profile allows it still works "
       "(refer and the making of names stay handled; the note names what is not)", r.diag())
os.makedirs(os.path.join(W, "other"), exist_ok=True)
outside = [("link", os.path.join(RW, "moved.txt"), os.path.join(W, "other", "l")),
           ("rename", os.path.join(RW, "moved.txt"), os.path.join(W, "other", "m")),
           ("link", SECRET, os.path.join(RW, "secret-link")),
           ("create", os.path.join(W, "denied", "z"), None)]
for op, a, b in outside:
    r = ops(op, a, *([b] if b else []), profile=one_new, env=SCAN0)
    tap.ok(r.rc == 1 and not os.path.exists(b or a),
           f"... while a raw {op} out of the profile's places is refused "
           f"({os.path.basename(b or a)})",
           r.diag())

# A network rule without ports cannot be said with ports: TCP is left to the libc layer.
anyport = write_profile(W, dict(BASE, network=[{"cidr": "127.0.0.1", "proto": "tcp"}]),
                        "anyport.json")
r = ops("connect", NO_PORT, profile=anyport)
ll = layer(r)
tap.ok(passed(r) and accepted(NO_LISTENER) and "connect_tcp" not in ll.get("net", []) and
       any("any TCP port" in n for n in ll.get("notes", [])),
       "a rule for any port: connect is not restricted by Landlock, and the event says why",
       r.diag())

# ---- real runtimes under the shipped profiles -----------------------------------------
py_root = sys.base_prefix.rstrip("/")
py_profile = write_profile(W, {
    "fnguard": 1, "name": "landlock-python", "extends": ["python"],
    "files": [{"path": py_root + "/**", "allow": "r"}],
    "network": [{"cidr": "127.0.0.1", "ports": [OK_PORT], "proto": "tcp"}],
}, "python.json")
PY_SCRIPT = r"""
import hashlib, json, os, shutil, socket, ssl, tempfile, zoneinfo
d = tempfile.mkdtemp(dir="/tmp")
os.makedirs(d + "/a/b")
with open(d + "/a/f.json", "w") as f:
    json.dump({"k": 1}, f)
os.rename(d + "/a/f.json", d + "/a/b/g.json")
with open(d + "/x.db", "wb") as f:
    f.truncate(4096)
ctx = ssl.create_default_context()
s = socket.create_connection(("127.0.0.1", PORT)); s.close()
print(sorted(os.listdir(d)), hashlib.sha256(b"x").hexdigest()[:8], zoneinfo.ZoneInfo("UTC"))
shutil.rmtree(d)
"""
r = run([PYTHON, "-c", PY_SCRIPT.replace("PORT", str(OK_PORT))], profile=py_profile,
        mode="enforce")
ll = layer(r)
tap.ok(r.rc == 0 and "['a', 'x.db'] 2d711642 UTC" in r.stdout and ll.get("status") == "active"
       and "read_file" in ll.get("fs", []) and not r.find(type="violation"),
       "real python under profiles/python.json with Landlock on: imports, files in /tmp, "
       "renames, ssl, a socket - nothing breaks", r.diag())

if NODE:
    real = os.path.realpath(NODE)
    node_files = [{"path": real, "allow": "r"}]
    prefix = os.path.dirname(os.path.dirname(real))
    if prefix not in ("/usr", "/"):
        node_files.append({"path": prefix + "/**", "allow": "r"})
    node_profile = write_profile(W, {
        "fnguard": 1, "name": "landlock-node", "extends": ["nodejs"], "files": node_files,
        "network": [{"cidr": "127.0.0.1", "ports": [OK_PORT], "proto": "tcp"}],
    }, "node.json")
    NODE_SCRIPT = """
const fs = require('fs'), os = require('os'), net = require('net'), crypto = require('crypto');
const d = fs.mkdtempSync('/tmp/ll-');
fs.mkdirSync(d + '/a/b', {recursive: true});
fs.writeFileSync(d + '/a/f', 'x');
fs.renameSync(d + '/a/f', d + '/a/b/g');
const h = crypto.createHash('sha256').update('x').digest('hex').slice(0, 8);
const c = net.connect(PORT, '127.0.0.1', () => {
  c.destroy();
  console.log(fs.readdirSync(d + '/a/b').join(','), h, os.tmpdir());
  fs.rmSync(d, {recursive: true});
});
"""
    r = run([NODE, "-e", NODE_SCRIPT.replace("PORT", str(OK_PORT))], profile=node_profile,
            mode="enforce")
    ll = layer(r)
    tap.ok(r.rc == 0 and "g 2d711642 /tmp" in r.stdout and ll.get("status") == "active" and
           not r.find(type="violation"),
           "real node under profiles/nodejs.json with Landlock on: fs, rename, crypto, a "
           "socket - nothing breaks", r.diag())
else:
    tap.ok(True, "# SKIP node is not installed")

OK_LISTENER.close()
NO_LISTENER.close()
if not tap.failed:
    shutil.rmtree(W, ignore_errors=True)
else:
    print(f"# scratch kept: {W}", flush=True)
sys.exit(tap.done())
