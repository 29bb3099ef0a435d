#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: libcjson is loaded by the processes that read or write JSON, not by
every process under the shim (lib/cjson_lazy.h). A compiled bundle in
enforce mode never maps it; a JSON profile and record mode with
FNGUARD_RECORD_OUT do, and work. Then libcjson made unloadable (a private
mount namespace with /dev/null bound over it): a JSON profile fails closed
with an error that names libcjson and the bundle way out (or runs recording
with FNGUARD_ON_ERROR=open), a bundle runs as before, and record mode says
at start that the profile will not be written."""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fnguard_test import (HELPERS, LIB, Tap, compile_bundle, run, workdir,  # noqa: E402
                          write_profile)

tap = Tap()
W = workdir("cjson-lazy-")
OPS = os.path.join(HELPERS, "file-ops")
CAT = shutil.which("cat")
MAPS_PROBE = [CAT, "/proc/self/maps"]
SECRET = os.path.join(workdir("cjson-lazy-secret-"), "secret")
with open(SECRET, "w") as f:
    f.write("secret\n")

needed = subprocess.run(["readelf", "-d", LIB], capture_output=True, text=True).stdout
tap.ok("libc.so.6" in needed and "cjson" not in needed,
       "libfnguard.so does not name libcjson among the libraries it needs", needed)

PROFILE = write_profile(W, {
    "fnguard": 1,
    "extends": ["lambda-base"],
    "files": [{"path": HELPERS + "/**", "allow": "r"},
              {"path": "/proc/self/maps", "allow": "r"},
              {"path": W + "/**", "allow": "rwcd"}],
})
BUNDLE = os.path.join(W, "profile.fgb")
c = compile_bundle(PROFILE, BUNDLE)
tap.ok(c.returncode == 0 and os.path.exists(BUNDLE), "the test profile compiles to a bundle",
       c.stdout + c.stderr)


def maps_of(r):
    """The probe's own /proc/self/maps, which cat prints."""
    return r.stdout


def started(r, mode):
    return any(e.get("type") == "start" and e.get("mode") == mode for e in r.events)


r = run(MAPS_PROBE, profile=BUNDLE, mode="enforce")
tap.ok(r.rc == 0 and started(r, "enforce") and "libfnguard.so" in maps_of(r) and
       "libcjson" not in maps_of(r) and not r.find(type="error"),
       "a bundle in enforce mode: the shim is loaded, libcjson is not", r.diag())

r = run(MAPS_PROBE, profile=PROFILE, mode="enforce")
# The file the loader maps: what the tests below make unloadable.
libcjson = next((line.split()[-1] for line in maps_of(r).splitlines()
                 if "libcjson" in line and line.split()[-1].startswith("/")), None)
tap.ok(r.rc == 0 and started(r, "enforce") and "libcjson" in maps_of(r) and
       not r.find(type="error"),
       "a JSON profile in enforce mode: libcjson is loaded to read it, and the program runs",
       r.diag())

OUT = os.path.join(W, "recorded.json")
r = run([CAT, "/proc/self/maps", PROFILE], env={"FNGUARD_RECORD_OUT": OUT})
try:
    with open(OUT) as f:
        recorded = json.load(f)
except (OSError, ValueError) as e:
    recorded = {"error": str(e)}
paths = [f.get("path") for f in recorded.get("files", [])]
tap.ok(r.rc == 0 and started(r, "record") and "libcjson" in maps_of(r) and
       any(p and p.startswith(W) for p in paths),
       "record mode with FNGUARD_RECORD_OUT: libcjson is loaded once something is learned, the "
       "learned profile is written at exit", r.diag() + json.dumps(recorded)[:1500])

# ---- libcjson cannot be loaded ------------------------------------------------------


def unloadable(argv, env):
    """argv under the shim in a mount namespace where libcjson is /dev/null."""
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("FNGUARD_") and k != "LD_PRELOAD"}
    e.update({"FNGUARD_LOG": "stderr",
              "FNGUARD_PROFILE_PATH": os.path.join(
                  os.environ.get("FNGUARD_SOURCE_ROOT", "/work/main"), "profiles")})
    e.update(env)
    script = 'mount --bind /dev/null "$1" && shift && exec env LD_PRELOAD="$0" "$@"'
    p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script, LIB,
                        libcjson] + argv, env=e, capture_output=True, text=True, timeout=60)
    events = []
    for line in p.stderr.splitlines():
        if line.startswith("{"):
            try:
                events.append(json.loads(line))
            except ValueError:
                pass
    return p, events


probe = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                        'mount --bind /dev/null "$0"', libcjson or "/nonexistent"],
                       capture_output=True, text=True)
if libcjson is None or probe.returncode != 0:
    why = ("no libcjson path seen" if libcjson is None
           else "a private mount namespace with a bind mount is refused here: " + probe.stderr)
    for what in ("JSON profile fails closed", "FNGUARD_ON_ERROR=open", "bundle unaffected",
                 "record mode warns at start", "record mode does not overwrite"):
        tap.skip(f"libcjson unloadable: {what}", why)
else:
    MARKER = os.path.join(W, "ran")
    touch = [OPS, "open-creat", MARKER]
    p, ev = unloadable(touch, {"FNGUARD_PROFILE": PROFILE, "FNGUARD_MODE": "enforce"})
    err = next((e for e in ev if e.get("type") == "error"), {})
    tap.ok(p.returncode == 126 and not os.path.exists(MARKER) and err.get("errno") == 79 and
           "libcjson.so.1" in err.get("detail", "") and "bundle" in err.get("detail", ""),
           "libcjson unloadable, JSON profile in enforce mode: exit 126 before main, and the "
           "error names libcjson and the bundle", p.stdout + p.stderr)

    p, ev = unloadable(touch, {"FNGUARD_PROFILE": PROFILE, "FNGUARD_MODE": "enforce",
                               "FNGUARD_ON_ERROR": "open"})
    tap.ok(p.returncode == 0 and os.path.exists(MARKER) and
           any(e.get("type") == "error" and "libcjson" in e.get("detail", "") for e in ev) and
           any(e.get("type") == "start" and e.get("mode") == "record" for e in ev),
           "libcjson unloadable, FNGUARD_ON_ERROR=open: logged, then the program runs recording",
           p.stdout + p.stderr)
    if os.path.exists(MARKER):
        os.unlink(MARKER)

    p, ev = unloadable(touch, {"FNGUARD_PROFILE": BUNDLE, "FNGUARD_MODE": "enforce"})
    p2, ev2 = unloadable([OPS, "open-r", SECRET],
                         {"FNGUARD_PROFILE": BUNDLE, "FNGUARD_MODE": "enforce"})
    tap.ok(p.returncode == 0 and os.path.exists(MARKER) and
           not any(e.get("type") == "error" for e in ev + ev2) and p2.returncode != 0 and
           any(e.get("type") == "violation" and e.get("target") == SECRET and
               e.get("action") == "blocked" for e in ev2),
           "libcjson unloadable, bundle: the program runs and the profile holds",
           p.stdout + p.stderr + p2.stdout + p2.stderr)

    NEVER = os.path.join(W, "unmerged.json")
    OTHER = os.path.join(W, "other.txt")
    with open(OTHER, "w") as f:
        f.write("other\n")
    p, ev = unloadable([OPS, "open-r", SECRET], {"FNGUARD_RECORD_OUT": NEVER})
    first = [e for e in ev if e.get("type") == "error"]
    with open(NEVER) as f:
        written = f.read()
    p2, ev2 = unloadable([OPS, "open-r", OTHER], {"FNGUARD_RECORD_OUT": NEVER})
    second = [e for e in ev2 if e.get("type") == "error"]
    with open(NEVER) as f:
        after = f.read()
    learns = [e for e in ev if e.get("type") == "learn"]
    tap.ok(p.returncode == 0 and first and learns and
           first[0].get("seq") == learns[0].get("seq") + 1 and
           "FNGUARD_RECORD_OUT" in first[0].get("message", "") and SECRET in written,
           "libcjson unloadable, record mode: said at the first behaviour learned (when it is "
           "first needed); the first profile is still written (writing needs no cJSON)",
           p.stdout + p.stderr + written)
    tap.ok(p2.returncode == 0 and second and "FNGUARD_RECORD_OUT" in second[0].get("message", "")
           and second[-1].get("message") == "could not write the recorded profile" and
           second[-1].get("errno") == 79 and after == written,
           "libcjson unloadable, record mode, a profile already there: not merged, not "
           "overwritten, and the exit says so", p2.stdout + p2.stderr + after)

tap.done()
