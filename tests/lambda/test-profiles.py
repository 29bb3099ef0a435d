#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: the shipped profiles (profiles/*.json) and the examples' profiles.

Each passes `fnguard check` (extends resolved), each runtime profile extends
lambda-base, each is installed (profiles/meson.build) and documented
(profiles/README.md names every rule). Then `fnguard explain` on what
lambda-base must allow on Lambda (the Runtime API, /tmp, the task root and
/opt read-only, /proc/self, the resolver) and must not (another port, writing
the task root, secrets, a shell), and on the examples' exec rules.
"""
import glob
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lambda_test import BUILD, EXAMPLES, SOURCE, done, Tap  # noqa: E402

tap = Tap()
FNGUARD = os.path.join(BUILD, "tools", "fnguard")
PROFILES = os.path.join(SOURCE, "profiles")
ENV = {k: v for k, v in os.environ.items()
       if not k.startswith(("FNGUARD_", "LAMBDA_")) and k != "LD_PRELOAD"}
ENV["FNGUARD_PROFILE_PATH"] = PROFILES
RUNTIMES = ("python", "nodejs", "java", "provided")


def fnguard(*args):
    return subprocess.run([FNGUARD, *args], capture_output=True, text=True, env=ENV, cwd="/")


shipped = sorted(glob.glob(os.path.join(PROFILES, "*.json")))
names = [os.path.basename(p)[:-5] for p in shipped]
tap.ok(set(names) >= {"lambda-base", *RUNTIMES}, "lambda-base, python, nodejs, java and "
       "provided are shipped", names)

for path in shipped:
    r = fnguard("check", path)
    tap.ok(r.returncode == 0, f"fnguard check {os.path.basename(path)}", r.stdout + r.stderr)

for rt in RUNTIMES:
    with open(os.path.join(PROFILES, rt + ".json"), encoding="utf-8") as f:
        p = json.load(f)
    tap.ok(p.get("extends") == ["lambda-base"] and p.get("name") == rt,
           f"{rt}: named {rt}, extends lambda-base", p)

with open(os.path.join(PROFILES, "meson.build"), encoding="utf-8") as f:
    meson = f.read()
missing = [n for n in names if f"'{n}.json'" not in meson]
tap.ok(not missing, "every shipped profile is installed (profiles/meson.build)", missing)

with open(os.path.join(PROFILES, "README.md"), encoding="utf-8") as f:
    readme = f.read()
undocumented = []
for path, name in zip(shipped, names):
    with open(path, encoding="utf-8") as f:
        p = json.load(f)
    for key, field in (("files", "path"), ("network", "cidr"), ("network", "host"),
                       ("exec", "path")):
        for rule in p.get(key, []):
            if field in rule and f"`{rule[field]}`" not in readme:
                undocumented.append(f"{name}: {rule[field]}")
    for group in p.get("syscalls", []):
        if f"`{group}`" not in readme:
            undocumented.append(f"{name}: {group}")
tap.ok(not undocumented, "profiles/README.md says where every rule comes from", undocumented)

BASE = os.path.join(PROFILES, "lambda-base.json")
ALLOWED = [
    ("connect", "127.0.0.1:9001"),  # the Runtime API, Extensions and Telemetry APIs
    ("open", "/tmp/x", "rwcd"),
    ("open", "/tmp", "r"),
    ("open", "/var/task/app.py", "r"),
    ("open", "/var/runtime/bootstrap.py", "r"),
    ("open", "/var/lang/lib/python3.12/os.py", "r"),
    ("open", "/opt/python/lib/x.py", "r"),
    ("open", "/proc/self/status", "r"),
    ("open", "/etc/resolv.conf", "r"),
    ("open", "/etc/pki/tls/certs/ca-bundle.crt", "r"),
    ("sendto", "169.254.78.1:53"),
    ("connect", "169.254.78.1:53"),
    ("sendto", "127.0.0.11:53"),
]
DENIED = [
    ("connect", "127.0.0.1:9002"),
    ("connect", "169.254.169.254:80"),
    ("sendto", "8.8.8.8:53"),
    ("open", "/var/task/app.py", "w"),
    ("open", "/var/task/new.py", "c"),
    ("open", "/opt/python/lib/x.py", "w"),
    ("open", "/etc/passwd", "r"),
    ("open", "/proc/1/environ", "r"),
    ("open", "/root/.aws/credentials", "r"),
    ("open", "/var/tmp/x", "w"),
    ("exec", "/bin/sh", "-c", "id"),
]
for args in ALLOWED:
    r = fnguard("explain", BASE, *args)
    tap.ok(r.returncode == 0, f"lambda-base allows {' '.join(args)}", r.stdout + r.stderr)
for args in DENIED:
    r = fnguard("explain", BASE, *args)
    tap.ok(r.returncode == 1, f"lambda-base denies {' '.join(args)}", r.stdout + r.stderr)

PER_RUNTIME = [
    ("python", 0, ("open", "/usr/local/lib/python3.12/json/__init__.py", "r")),
    ("python", 0, ("open", "/var/lib/python312.zip", "r")),
    ("python", 1, ("exec", "/bin/sh", "-c", "id")),
    ("python", 0, ("open", "/etc/passwd", "r")),
    ("python", 1, ("open", "/etc/shadow", "r")),
    ("java", 0, ("open", "/etc/passwd", "r")),
    ("nodejs", 1, ("open", "/etc/passwd", "r")),
    ("nodejs", 0, ("open", "/var/package.json", "r")),
    ("nodejs", 0, ("open", "/sys/fs/cgroup/memory.max", "r")),
    ("nodejs", 1, ("open", "/sys/kernel/debug/x", "r")),
    ("java", 0, ("open", "/proc/self/coredump_filter", "w")),
    ("java", 0, ("open", "/sys/devices/system/cpu/online", "r")),
    ("java", 1, ("open", "/proc/self/mem", "w")),
    ("provided", 0, ("exec", "/var/task/bootstrap")),
    ("provided", 1, ("exec", "/tmp/downloaded")),
]
for rt, want, args in PER_RUNTIME:
    r = fnguard("explain", os.path.join(PROFILES, rt + ".json"), *args)
    tap.ok(r.returncode == want, f"{rt} {'allows' if want == 0 else 'denies'} {' '.join(args)}",
           r.stdout + r.stderr)

for example in ("python-container", "node-container"):
    path = os.path.join(EXAMPLES, example, "fnguard.json")
    r = fnguard("check", path)
    tap.ok(r.returncode == 0, f"examples/{example}/fnguard.json checks", r.stdout + r.stderr)
    ok = fnguard("explain", "--argv0", "/bin/sh", path, "exec", "/bin/sh", "-c",
                 "echo Hello, alice")
    bad = fnguard("explain", "--argv0", "/bin/sh", path, "exec", "/bin/sh", "-c",
                  "echo Hello, x; cat /etc/passwd")
    tap.ok(ok.returncode == 0 and bad.returncode == 1,
           f"{example}: the greeting's shell runs, an injected command line does not",
           ok.stdout + ok.stderr + bad.stdout + bad.stderr)

sys.exit(done(tap))
