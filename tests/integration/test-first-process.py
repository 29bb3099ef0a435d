#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: what the first process of a tree trusts from its environment.

The variables a first process sets for its descendants (FNGUARD_VAR_*,
FNGUARD_SECCOMP, FNGUARD_LAUNCHER, ...) mean nothing when a first process
finds them (the function's configuration, a stale shell): they are ignored
and an error event names them. A FNGUARD_LOG that cannot be used sends the
events to stdout with an error event, never nowhere. FNGUARD_MODE or
FNGUARD_NO_LANDLOCK weakening the profile makes the start event a WARN that
says where the mode came from. A relative FNGUARD_PROFILE_PATH is made
absolute, so a child started elsewhere cannot find another profile for an
extends. (Review, 2026-11-23.)
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fnguard_test import HELPERS, LIB, SOURCE, Tap, run, workdir, write_profile  # noqa: E402


def write_json(path, obj):
    return write_profile(os.path.dirname(path), obj, os.path.basename(path))

tap = Tap()
W = workdir("first-")
MARKER = os.path.join(HELPERS, "exec-marker")
LAUNCH = os.path.join(HELPERS, "no-seccomp-launcher")
TASK = os.path.join(W, "task")
OUT = os.path.join(W, "out")
for d in (TASK, OUT):
    os.makedirs(d, exist_ok=True)
SECRET = os.path.join(W, "secret")
with open(SECRET, "w") as f:
    f.write("secret\n")

PROFILE = write_json(os.path.join(W, "profile.json"), {
    "fnguard": 1, "name": "first", "extends": ["lambda-base"],
    "files": [{"path": HELPERS + "/**", "allow": "r"}, {"path": OUT + "/**", "allow": "rwcd"}],
    "exec": [{"path": MARKER}]})


def start(r):
    s = r.find(type="start")
    return s[0] if s else {}


def marker_run(env=None, mode="enforce", profile=PROFILE, argv_extra=(), preload=True):
    e = {"LAMBDA_TASK_ROOT": TASK, "FNGUARD_NO_LANDLOCK": "1"}
    e.update(env or {})
    e = {k: v for k, v in e.items() if v is not None}
    return run([MARKER, os.path.join(OUT, "m")] + list(argv_extra), profile=profile, mode=mode,
               env=e, preload=preload)


# ${LAMBDA_TASK_ROOT} pinned in the configuration: the first process reads its own value.
r = marker_run({"FNGUARD_VAR_LAMBDA_TASK_ROOT": W}, argv_extra=["--probe", SECRET])
errs = [e for e in r.find(type="error") if "FNGUARD_VAR_LAMBDA_TASK_ROOT" in e.get("detail", "")]
tap.ok("probe=EACCES" in r.stdout and r.find(type="violation", target=SECRET) and errs,
       "FNGUARD_VAR_LAMBDA_TASK_ROOT set at a first start is ignored (the file its value would "
       "have allowed is denied and logged) and an error event names it", r.diag())

# FNGUARD_SECCOMP naming the profile's hash, under a platform filter that refuses seccomp:
# the first process must not take the platform's filter for its own.
probe = marker_run()
digest = (start(probe).get("profile") or {}).get("hash")
r = run([LAUNCH, MARKER, os.path.join(OUT, "m2")], profile=PROFILE, mode="enforce",
        env={"LAMBDA_TASK_ROOT": TASK, "FNGUARD_SECCOMP": digest or "x"})
layer = (start(r).get("layers") or {}).get("seccomp", {})
tap.ok(digest and r.rc == 0 and layer.get("status") == "unavailable" and
       "inherited" not in layer.get("reason", "") and start(r).get("level") == "WARN" and
       any("FNGUARD_SECCOMP" in e.get("detail", "") for e in r.find(type="error")),
       "FNGUARD_SECCOMP set at a first start under a filter refusing seccomp: the start "
       "event says unavailable, not inherited", json.dumps(layer) + "\n" + r.diag())

# A launcher name from the configuration is dropped, not handed to children.
r = marker_run({"FNGUARD_LAUNCHER": "fnguard-launch-1-planted"},
               argv_extra=["--env", "FNGUARD_LAUNCHER"])
tap.ok(r.rc == 0 and "planted" not in r.stdout and
       any("FNGUARD_LAUNCHER" in e.get("detail", "") for e in r.find(type="error")),
       "FNGUARD_LAUNCHER set at a first start is dropped and named", r.diag())

# Nothing stale: no error event.
r = marker_run()
tap.ok(r.rc == 0 and start(r) and not r.find(type="error"),
       "a clean first start writes no error event", r.diag())

# A FNGUARD_LOG that cannot be used: events on stdout, and why.
for value, why in (("/tmp/fnguard.log", "not stdout, stderr or fd:N"),
                   ("fd:977", "a closed descriptor")):
    e = {k: v for k, v in os.environ.items() if not k.startswith("FNGUARD_")}
    e.update({"LD_PRELOAD": LIB, "FNGUARD_PROFILE": PROFILE, "FNGUARD_MODE": "enforce",
              "FNGUARD_PROFILE_PATH": os.path.join(SOURCE, "profiles"),
              "LAMBDA_TASK_ROOT": TASK, "FNGUARD_LOG": value})
    p = subprocess.run([MARKER, os.path.join(OUT, "m3"), "--probe", SECRET], env=e,
                       capture_output=True, text=True, cwd="/tmp", timeout=60)
    lines = [json.loads(x) for x in p.stdout.splitlines() if x.startswith("{")]
    types = [x.get("type") for x in lines]
    err = [x for x in lines if x.get("type") == "error" and "FNGUARD_LOG" in x.get("message", "")]
    tap.ok(p.returncode == 0 and "start" in types and "violation" in types and err and
           err[0].get("detail") == value,
           f"FNGUARD_LOG={value} ({why}): the events go to stdout, with an error event",
           p.stdout + p.stderr)

# FNGUARD_MODE below the profile's mode: a WARN start that says where the mode came from.
ENFORCING = write_json(os.path.join(W, "enforcing.json"), {
    "fnguard": 1, "name": "enforcing", "mode": "enforce", "extends": ["lambda-base"],
    "syscalls": ["@lambda-runtime"],
    "files": [{"path": HELPERS + "/**", "allow": "r"}, {"path": OUT + "/**", "allow": "rwcd"}]})
r = marker_run(mode="alert", profile=ENFORCING)
s = start(r)
tap.ok(s.get("level") == "WARN" and s.get("modeFrom") == "FNGUARD_MODE" and
       s.get("mode") == "alert",
       "FNGUARD_MODE=alert on an enforce profile: the start event is a WARN with "
       "modeFrom FNGUARD_MODE", json.dumps(s))
r = marker_run(mode="enforce", profile=ENFORCING, env={"FNGUARD_NO_LANDLOCK": None})
s = start(r)
tap.ok(s.get("level") == "INFO" and s.get("modeFrom") == "FNGUARD_MODE",
       "FNGUARD_MODE=enforce on an enforce profile: INFO, modeFrom still said", json.dumps(s))
r = marker_run(mode=None, profile=ENFORCING)
s = start(r)
tap.ok(s.get("level") == "WARN" and "modeFrom" not in s and
       (s.get("layers") or {}).get("landlock", {}).get("reason", "").startswith("turned off"),
       "FNGUARD_NO_LANDLOCK in enforce mode: the start event is a WARN", json.dumps(s))

# A relative FNGUARD_PROFILE_PATH: a child started in another directory with a permissive
# "base.json" of its own still reads the first process's.
for d, rules in (("a", [{"path": OUT + "/**", "allow": "rwcd"}]),
                 ("b", [{"path": "/**", "allow": "rwcd"}])):
    os.makedirs(os.path.join(W, d, "profiles"), exist_ok=True)
    write_json(os.path.join(W, d, "profiles", "base.json"),
               {"fnguard": 1, "name": "base", "files": rules})
MAIN = write_json(os.path.join(W, "main.json"), {
    "fnguard": 1, "name": "main", "extends": ["lambda-base", "base"],
    "files": [{"path": HELPERS + "/**", "allow": "r"}, {"path": W + "/b", "allow": "r"},
              {"path": W + "/a", "allow": "r"}, {"path": sys.base_prefix + "/**", "allow": "r"},
              {"path": "/usr/**", "allow": "r"}, {"path": "/etc/**", "allow": "r"}],
    "exec": [{"path": MARKER}]})
code = (f"import os, subprocess\nos.chdir({os.path.join(W, 'b')!r})\n"
        f"subprocess.run([{MARKER!r}, {os.path.join(OUT, 'm4')!r}, '--probe', {SECRET!r}])\n")
py = os.path.realpath(subprocess.run([sys.executable, "-c", "import sys; print(sys.executable)"],
                                     capture_output=True, text=True).stdout.strip())
e = {"LAMBDA_TASK_ROOT": TASK, "FNGUARD_NO_LANDLOCK": "1",
     "FNGUARD_PROFILE_PATH": "profiles:" + os.path.join(SOURCE, "profiles")}
r = run([py, "-c", code], profile=MAIN, mode="enforce", env=e, cwd=os.path.join(W, "a"))
tap.ok("probe=EACCES" in r.stdout and r.find(type="violation", target=SECRET, exe=MARKER),
       "a relative FNGUARD_PROFILE_PATH is read against the first process's directory: a child "
       "elsewhere does not find a permissive profile of the same name", r.diag())

# fnguard run: a log destination it cannot use is refused before the command runs; a
# command that cannot be run is 126 (not executable) or 127 (not found); an LD_PRELOAD in
# which the library's path only appears inside another entry still gets it first.
CLI = os.path.join(os.path.dirname(LIB), "..", "tools", "fnguard")
base_env = {k: v for k, v in os.environ.items() if not k.startswith("FNGUARD_")}
base_env.pop("LD_PRELOAD", None)
base_env.update({"FNGUARD_PROFILE_PATH": os.path.join(SOURCE, "profiles"),
                 "LAMBDA_TASK_ROOT": TASK, "FNGUARD_NO_LANDLOCK": "1"})
p = subprocess.run([CLI, "run", "--log", "/tmp/fnguard.log", "--profile", PROFILE, "--",
                    MARKER, os.path.join(OUT, "m5")], env=base_env, capture_output=True,
                   text=True, timeout=60)
tap.ok(p.returncode == 2 and "--log" in p.stderr and not os.path.exists(os.path.join(OUT, "m5")),
       "fnguard run --log /tmp/fnguard.log: refused (exit 2) before the command runs",
       p.stdout + p.stderr)
codes = []
for cmd in (SECRET, os.path.join(W, "no-such-program")):
    codes.append(subprocess.run([CLI, "run", "--profile", PROFILE, "--", cmd], env=base_env,
                                capture_output=True, text=True, timeout=60).returncode)
tap.ok(codes == [126, 127], "fnguard run: 126 for a file that is not executable, 127 for "
       "one that does not exist", str(codes))
e = dict(base_env, LD_PRELOAD="/nonexistent" + LIB)
p = subprocess.run([CLI, "run", "--profile", PROFILE, "--mode", "enforce", "--log", "stdout",
                    "--", MARKER, os.path.join(OUT, "m6"), "--probe", SECRET], env=e,
                   capture_output=True, text=True, timeout=60)
tap.ok("probe=EACCES" in p.stdout and '"type":"start"' in p.stdout,
       "fnguard run with LD_PRELOAD=/nonexistent<library path>: the library is still "
       "preloaded (an entry containing its path is not the library)", p.stdout + p.stderr)

# fnguard run / fnguard record of a static program: no preloaded library reaches it, so it
# would run unguarded (or leave an empty profile): refused, pointing to fnguard exec.
hello_c = os.path.join(W, "hello.c")
with open(hello_c, "w") as f:
    f.write('#include <stdio.h>\nint main(void) { puts("static hello"); return 0; }\n')
STATIC = os.path.join(W, "static-hello")
cc = subprocess.run(["cc", "-static", "-o", STATIC, hello_c], capture_output=True)
if cc.returncode == 0:
    runs = [subprocess.run([CLI, "run", "--profile", PROFILE, "--", STATIC], env=base_env,
                           capture_output=True, text=True, timeout=60),
            subprocess.run([CLI, "record", "-o", os.path.join(W, "rec.json"), "--", STATIC],
                           env=base_env, capture_output=True, text=True, timeout=60)]
    tap.ok(all(x.returncode == 126 and "static hello" not in x.stdout and
               "fnguard exec" in x.stderr for x in runs),
           "fnguard run and fnguard record refuse a static program (126), naming fnguard exec",
           "\n".join(x.stdout + x.stderr for x in runs))
else:
    tap.ok(True, "# SKIP no static C toolchain: " + cc.stderr.decode()[-200:])

sys.exit(tap.done())
