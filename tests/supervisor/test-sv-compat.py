#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""What a program sees of its file operations must not change under fnguard.
sv-compat runs about 120 of them (links, dangling links, a FIFO, a socket file,
trailing slashes, dirfds, renameat2 flags, xattrs, long names, the umask) in an
empty directory and prints each result: the descriptor's flags, the errno, the
mode made. It runs bare, under fnguard exec (the static build) and under the
shim (the dynamic build), each in a directory of its own that the profile
allows in full; the lines must be the same, and no event may say a violation.
Differences found this way (2026-11-25): a FIFO's open through the supervisor,
readlink of a name that is not a link (ENOENT for EINVAL), O_NOFOLLOW in a
created file's flags. TAP on stdout."""
import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile

SOURCE = os.environ.get("FNGUARD_SOURCE_ROOT", "/work/main")
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
from fnguard_test import LIB, Tap, parse_log, workdir  # noqa: E402
from sv_paths import CLI, HERE  # noqa: E402

COMPAT = os.path.join(HERE, "sv-compat")
COMPAT_DYN = os.path.join(HERE, "sv-compat-dyn")
t = Tap()
wd = workdir("fnguard-compat-")


def env(extra=None):
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("FNGUARD_") and k != "LD_PRELOAD"}
    e["FNGUARD_PROFILE_PATH"] = os.path.join(SOURCE, "profiles")
    e.update(extra or {})
    return e


def profile(d):
    path = os.path.join(wd, os.path.basename(d) + ".json")
    with open(path, "w") as f:
        json.dump({
            "fnguard": 1, "name": "compat", "mode": "enforce",
            "files": [{"path": d, "allow": "rwcd"}, {"path": d + "/**", "allow": "rwcd"},
                      {"path": "/dev/null", "allow": "rw"}, {"path": "/proc/**", "allow": "r"}],
            "network": [{"unix": d + "/sock", "inbound": True}],
            "syscalls": ["@lambda-runtime", "@file-system", "fchownat", "fchown", "lchown",
                         "chown"],
        }, f)
    return path


def run(kind):
    d = os.path.join(wd, kind)
    os.mkdir(d)
    with tempfile.TemporaryFile(dir="/var/tmp") as log:
        fd = log.fileno()
        os.set_inheritable(fd, True)
        if kind == "bare":
            argv, e = [COMPAT, d], env()
        elif kind == "exec":
            argv, e = [CLI, "exec", "--profile", profile(d), "--log", f"fd:{fd}", "--",
                       COMPAT, d], env()
        else:
            argv, e = [COMPAT_DYN, d], env({"LD_PRELOAD": LIB, "FNGUARD_PROFILE": profile(d),
                                            "FNGUARD_LOG": f"fd:{fd}"})
        p = subprocess.run(argv, env=e, capture_output=True, text=True, timeout=120,
                           pass_fds=(fd,), cwd=wd, stdin=subprocess.DEVNULL)
        log.seek(0)
        events = parse_log(log.read().decode("utf-8", "replace"))
    # The directory's own name is the one thing that differs.
    return p, p.stdout.replace(d, "DIR").splitlines(), events


bare, bare_lines, _ = run("bare")
t.ok(bare.returncode == 0 and len(bare_lines) > 100,
     f"sv-compat runs bare ({len(bare_lines)} results)", bare.stderr[-1000:])
for kind, what in (("exec", "fnguard exec (static)"), ("shim", "the shim (dynamic)")):
    p, lines, events = run(kind)
    diff = list(difflib.unified_diff(bare_lines, lines, "bare", kind, lineterm="", n=0))
    refused = [e for e in events if e.get("type") in ("violation", "error")]
    t.ok(p.returncode == 0 and lines and not diff and not refused,
         f"{what}: every file operation's result is the bare run's, and none is refused",
         "\n".join(diff[:30]) + f"\nrc={p.returncode} events={json.dumps(refused)[:1500]}\n"
         + p.stderr[-800:])

shutil.rmtree(wd, ignore_errors=True)
t.done()
