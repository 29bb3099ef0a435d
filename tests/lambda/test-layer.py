#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: the Lambda layer (tools/build-layer.sh) and its exec wrapper.

The zip holds exactly the expected files with the expected modes, and what
it needs from the system is no newer than Amazon Linux 2023's glibc. The
wrapper, unpacked somewhere other than /opt and run the way the managed
runtimes run AWS_LAMBDA_EXEC_WRAPPER, preloads the layer's library (with
the layer's own libcjson), picks the profile (FNGUARD_PROFILE, then the task
root's fnguard.json, then the runtime's shipped one) and passes the runtime
command line through untouched. When fnguard cannot work (library missing or
unloadable, a profile that does not check) it writes one JSON line with
"level":"ERROR" and either fails closed (exit 126, nothing run) or, with
FNGUARD_ON_ERROR=open, runs the function without fnguard.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lambda_test import (  # noqa: E402
    BUILD, HERE, NODE, PYTHON, SOURCE, build_layer, done, Tap, unpack_layer, workdir,
)

tap = Tap()
W = workdir("lambda-layer-")
ZIP = build_layer(os.path.join(W, "out"))
GLIBC = re.compile(r"^(linux-vdso|libc|libm|libdl|libpthread|librt|ld-linux[^ ]*)\.so")


def needed_libs():
    libs = set()
    for obj in (os.path.join(BUILD, "lib", "libfnguard.so"), os.path.join(BUILD, "tools", "fnguard")):
        out = subprocess.run(["ldd", obj], capture_output=True, text=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[1] == "=>" and parts[2].startswith("/") and \
                    not GLIBC.match(parts[0]):
                libs.add("lib/" + parts[0])
    # Loaded when JSON is first read, by both (lib/cjson_lazy.h): no DT_NEEDED entry.
    return libs | {"lib/libcjson.so.1"}


with zipfile.ZipFile(ZIP) as z:
    infos = {i.filename: i for i in z.infolist()}
profiles = {"fnguard/profiles/" + n for n in os.listdir(os.path.join(SOURCE, "profiles"))
            if n.endswith(".json")}
bundles = {f"fnguard/profiles/{n}.fgb" for n in ("python", "nodejs", "java")}
expected = {"fnguard-wrapper", "bin/fnguard", "lib/libfnguard.so", "fnguard/BUILD-INFO"}
expected |= profiles | bundles | needed_libs()
tap.ok(set(infos) == expected, "the zip holds exactly the wrapper, lib/libfnguard.so, the "
       "libraries it and the CLI need, bin/fnguard, fnguard/profiles/*.json, the runtimes' "
       "profiles compiled (python, nodejs, java .fgb) and BUILD-INFO",
       f"extra {sorted(set(infos) - expected)}, missing {sorted(expected - set(infos))}")
tap.ok("lib/libcjson.so.1" in infos, "libcjson (the CLI and the library load it to read JSON; "
       "absent on Amazon Linux) is shipped", sorted(infos))
modes = {n: (i.external_attr >> 16) & 0o7777 for n, i in infos.items()}
tap.ok(all(modes[n] == (0o755 if n in ("fnguard-wrapper", "bin/fnguard") else 0o644)
           for n in infos) and all((i.external_attr >> 16) & 0o170000 == 0o100000
                                   for i in infos.values()),
       "regular files only; the wrapper and the CLI are executable, the rest 0644",
       {n: oct(m) for n, m in modes.items()})

PREFIX = unpack_layer(ZIP, os.path.join(W, "elsewhere", "opt"))
with open(os.path.join(PREFIX, "fnguard", "BUILD-INFO")) as f:
    info = dict(line.rstrip("\n").split(" ", 1) for line in f if " " in line)
need = tuple(int(x) for x in info.get("needs-glibc", "99").split("."))
tap.ok(need <= (2, 34), f"the layer needs glibc {info.get('needs-glibc')}, which Amazon Linux "
       "2023 (2.34) has", info)


def version_references(path):
    """The glibc versions an ELF object references: symbol versions and ABI markers."""
    out = subprocess.run(["objdump", "-p", path], capture_output=True, text=True).stdout
    refs = out.split("Version References:", 1)[1].split("\n\n", 1)[0] if \
        "Version References:" in out else ""
    return set(re.findall(r"GLIBC_[0-9A-Z_.]+", refs))


# Read from the objects themselves, not BUILD-INFO: GLIBC_ABI_DT_RELR (glibc 2.36, what a
# library linked with packed relative relocations references) names no symbol, and the
# layer's figure missed it: Amazon Linux 2023's loader refused the library (2026-11-25).
too_new = {}
for name in sorted(infos):
    path = os.path.join(PREFIX, name)
    if name.startswith(("lib/", "bin/")):
        for v in version_references(path):
            m = re.fullmatch(r"GLIBC_([0-9]+)\.([0-9]+)(?:\.[0-9]+)?", v)
            if not m or (int(m.group(1)), int(m.group(2))) > (2, 34):
                too_new.setdefault(name, []).append(v)
tap.ok(not too_new, "no object in the layer references a glibc version newer than 2.34 "
       "(symbol versions and ABI markers such as GLIBC_ABI_DT_RELR)", too_new)

WRAPPER = os.path.join(PREFIX, "fnguard-wrapper")
TASK = os.path.join(W, "task")
os.makedirs(TASK)
MARKER = os.path.join(W, "ran")
PROBE = ("import json, os, sys; "
         "open(%r, 'w').write('x'); "
         "maps = open('/proc/self/maps').read(); "
         "print(json.dumps({'argv': sys.argv[1:], "
         "'env': {k: os.environ.get(k) for k in ('LD_PRELOAD', 'FNGUARD_PROFILE', "
         "'FNGUARD_PROFILE_PATH', 'PYTHONDONTWRITEBYTECODE')}, "
         "'maps': sorted({l.split()[-1] for l in maps.splitlines() if '.so' in l}) }))" % MARKER)


def wrapped(cmd, env=None, wrapper=WRAPPER, via_runtime=True):
    """Runs cmd as the managed runtimes do with AWS_LAMBDA_EXEC_WRAPPER."""
    if os.path.exists(MARKER):
        os.unlink(MARKER)
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LAMBDA_TASK_ROOT": TASK,
         "AWS_LAMBDA_FUNCTION_NAME": "layer-test", "FNGUARD_MODE": "alert",
         "AWS_LAMBDA_EXEC_WRAPPER": wrapper}
    e.update(env or {})
    e = {k: v for k, v in e.items() if v is not None}
    argv = ([os.path.join(HERE, "runtime.sh")] if via_runtime else [wrapper]) + cmd
    p = subprocess.run(argv, env=e, capture_output=True, text=True, cwd=TASK, timeout=60)
    lines, other = [], []
    for line in p.stdout.splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            other.append(line)
    return p, lines, other


def probe_output(lines):
    for obj in lines:
        if isinstance(obj, dict) and "maps" in obj:
            return obj
    return {}


def start_profile(lines):
    for obj in lines:
        if isinstance(obj, dict) and obj.get("type") == "start":
            return (obj.get("profile") or {}).get("path")
    return "no start event"


p, lines, _ = wrapped([PYTHON, "-c", PROBE, "a b", "--flag", ""],
                      {"AWS_EXECUTION_ENV": "AWS_Lambda_python3.12"})
out = probe_output(lines)
env = out.get("env", {})
lib = os.path.join(PREFIX, "lib", "libfnguard.so")
tap.ok(p.returncode == 0 and out.get("argv") == ["a b", "--flag", ""],
       "the runtime command line is run as given (arguments untouched)", p.stdout + p.stderr)
tap.ok(env.get("LD_PRELOAD") == lib and lib in out.get("maps", []),
       "LD_PRELOAD names the layer's library, found next to the wrapper, and it is loaded",
       json.dumps(out)[:2000] + p.stderr)
tap.ok(not any("libcjson" in m for m in out.get("maps", [])),
       "with the layer's compiled profile no process loads libcjson", out.get("maps"))
tap.ok(env.get("FNGUARD_PROFILE") == os.path.join(PREFIX, "fnguard/profiles/python.fgb") and
       start_profile(lines) == env.get("FNGUARD_PROFILE") and
       env.get("FNGUARD_PROFILE_PATH") == os.path.join(PREFIX, "fnguard/profiles"),
       "AWS_EXECUTION_ENV=AWS_Lambda_python3.12: the layer's python profile, compiled; "
       "extends are found in the layer", json.dumps(env) + p.stderr)
tap.ok(env.get("PYTHONDONTWRITEBYTECODE") == "1", "Python is told not to write bytecode "
       "caches (read-only everywhere but /tmp on Lambda)", env)

if NODE:
    p, lines, _ = wrapped([NODE, "-e", "console.log(JSON.stringify({maps: [], env: "
                           "{FNGUARD_PROFILE: process.env.FNGUARD_PROFILE}}))"],
                          {"AWS_EXECUTION_ENV": None})
    tap.ok(probe_output(lines).get("env", {}).get("FNGUARD_PROFILE") ==
           os.path.join(PREFIX, "fnguard/profiles/nodejs.fgb"),
           "no AWS_EXECUTION_ENV (a container image): the runtime is told by the command name",
           p.stdout + p.stderr)

with open(os.path.join(TASK, "fnguard.json"), "w") as f:
    json.dump({"fnguard": 1, "name": "task-root", "extends": ["python"]}, f)
p, lines, _ = wrapped([PYTHON, "-c", PROBE], {"AWS_EXECUTION_ENV": "AWS_Lambda_python3.12"})
tap.ok(start_profile(lines) == os.path.join(TASK, "fnguard.json"),
       "$LAMBDA_TASK_ROOT/fnguard.json comes before the shipped profile", p.stdout + p.stderr)
tap.ok(os.path.join(PREFIX, "lib", "libcjson.so.1") in probe_output(lines).get("maps", []),
       "a JSON profile: the library loads libcjson, the layer's copy",
       probe_output(lines).get("maps"))
explicit = os.path.join(W, "explicit.json")
with open(explicit, "w") as f:
    json.dump({"fnguard": 1, "name": "explicit", "extends": ["lambda-base"]}, f)
p, lines, _ = wrapped([PYTHON, "-c", PROBE], {"FNGUARD_PROFILE": explicit})
tap.ok(start_profile(lines) == explicit, "FNGUARD_PROFILE comes first", p.stdout + p.stderr)
# A compiled profile in the task root (docs/lambda.md's advice) comes before the JSON one.
subprocess.run([os.path.join(PREFIX, "bin", "fnguard"), "compile",
                os.path.join(TASK, "fnguard.json"), "--format", "bundle",
                "-o", os.path.join(TASK, "fnguard.fgb")],
               env=dict(os.environ, FNGUARD_PROFILE_PATH=os.path.join(PREFIX, "fnguard/profiles")),
               check=True, capture_output=True)
p, lines, _ = wrapped([PYTHON, "-c", PROBE], {"AWS_EXECUTION_ENV": "AWS_Lambda_python3.12"})
tap.ok(start_profile(lines) == os.path.join(TASK, "fnguard.fgb"),
       "$LAMBDA_TASK_ROOT/fnguard.fgb (the function's profile compiled) comes first, not the "
       "layer's generic one", p.stdout + p.stderr)
os.unlink(os.path.join(TASK, "fnguard.fgb"))
os.unlink(os.path.join(TASK, "fnguard.json"))

# Variables fnguard sets for a tree's descendants, set in the function's configuration:
# the runtime would have taken itself for a descendant (no start event, events dropped).
stale = {"FNGUARD_LOG_FD": "1", "FNGUARD_LOG_ID": "0:0", "FNGUARD_SECCOMP": "0123456789abcdef"}
p, lines, _ = wrapped([PYTHON, "-c", PROBE], dict(stale, AWS_EXECUTION_ENV="AWS_Lambda_python3.12"))
warns = [x for x in lines if isinstance(x, dict) and x.get("level") == "WARN" and
         x.get("type") == "error" and "configuration" in x.get("message", "")]
tap.ok(p.returncode == 0 and warns and all(v in warns[0].get("detail", "") for v in stale) and
       start_profile(lines) == os.path.join(PREFIX, "fnguard/profiles/python.fgb"),
       "FNGUARD_LOG_FD, FNGUARD_LOG_ID, FNGUARD_SECCOMP in the configuration: dropped, a WARN "
       "line names them, and the runtime starts as the first process (start event)",
       p.stdout + p.stderr)

p, lines, _ = wrapped(["/bin/sh", "-c", "echo plain"], {"AWS_EXECUTION_ENV": None})
starts = [x for x in lines if isinstance(x, dict) and x.get("type") == "start"]
tap.ok(p.returncode == 0 and starts and starts[0].get("profile") is None and
       starts[0].get("mode") == "alert",
       "an unknown runtime without a profile runs under fnguard without one (the start event "
       "says so)", p.stdout + p.stderr)

shutil.copytree(PREFIX, os.path.join(W, "rel", "opt"))
p = subprocess.run(["./opt/fnguard-wrapper", PYTHON, "-c", PROBE],
                   env={"PATH": os.environ["PATH"], "LAMBDA_TASK_ROOT": TASK,
                        "FNGUARD_MODE": "alert"},
                   cwd=os.path.join(W, "rel"), capture_output=True, text=True, timeout=60)
out = probe_output([json.loads(x) for x in p.stdout.splitlines() if x.startswith("{")])
tap.ok(out.get("env", {}).get("LD_PRELOAD") == os.path.join(W, "rel", "opt", "lib",
                                                          "libfnguard.so"),
       "started by a relative path, the wrapper still preloads by an absolute one",
       p.stdout + p.stderr)


def error_line(lines):
    errs = [x for x in lines if isinstance(x, dict) and x.get("level") == "ERROR"]
    return errs[0] if len(errs) == 1 else None


BROKEN = os.path.join(W, "broken")


def broken_layer(name, damage):
    d = os.path.join(BROKEN, name, "opt")
    shutil.copytree(PREFIX, d)
    damage(d)
    return os.path.join(d, "fnguard-wrapper")


def no_lib(d):
    os.unlink(os.path.join(d, "lib", "libfnguard.so"))


SYSTEM_LIBSECCOMP = next(p for p in ("/lib/x86_64-linux-gnu/libseccomp.so.2",
                                      "/usr/lib/x86_64-linux-gnu/libseccomp.so.2",
                                      "/lib/aarch64-linux-gnu/libseccomp.so.2",
                                      "/usr/lib/aarch64-linux-gnu/libseccomp.so.2",
                                      "/usr/lib64/libseccomp.so.2")
                         if os.path.exists(p))


def bad_cjson(d):
    # A library that loads but lacks what fnguard needs: what a system with the
    # wrong libraries (or an older glibc) looks like to the dynamic loader. Only
    # a JSON profile needs libcjson (the case runs with the task root's one).
    # (The layer's own libraries are linked in or needed: the system's libseccomp stands in.)
    shutil.copy(SYSTEM_LIBSECCOMP, os.path.join(d, "lib", "libcjson.so.1"))


def bad_profile(d):
    # The JSON profile, the bundle gone (a layer built without them picks the JSON).
    os.unlink(os.path.join(d, "fnguard", "profiles", "python.fgb"))
    with open(os.path.join(d, "fnguard", "profiles", "python.json"), "w") as f:
        f.write('{"fnguard": 1, "files": [{"path": "/tmp/**", "allow": "rwx"}]}\n')


def bad_bundle(d):
    path = os.path.join(d, "fnguard", "profiles", "python.fgb")
    with open(path, "r+b") as f:
        f.seek(os.path.getsize(path) // 2)
        f.write(b"\xff\x00\xff\x00")


def newer_glibc(d):
    # What Amazon Linux 2023 (glibc 2.34) made of a library linked with packed relative
    # relocations (GLIBC_ABI_DT_RELR, 2.36): a version reference its glibc lacks. The CLI
    # loads; the loader skips the preload with a line on stderr and the function ran
    # unguarded, past the wrapper's check (2026-11-25). Same length, so nothing moves.
    path = os.path.join(d, "lib", "libfnguard.so")
    with open(path, "rb") as f:
        data = f.read()
    assert b"GLIBC_2.34\0" in data
    with open(path, "wb") as f:
        f.write(data.replace(b"GLIBC_2.34\0", b"GLIBC_2.99\0"))


TASK_JSON = os.path.join(W, "task-json")
os.makedirs(TASK_JSON, exist_ok=True)
with open(os.path.join(TASK_JSON, "fnguard.json"), "w") as f:
    json.dump({"fnguard": 1, "name": "task-root", "extends": ["python"]}, f)
CASES = [("the library is missing", no_lib, {}),
         ("a library it needs cannot be loaded (JSON profile, libcjson)", bad_cjson,
          {"LAMBDA_TASK_ROOT": TASK_JSON}),
         ("the profile does not check", bad_profile, {}),
         ("the compiled profile is damaged", bad_bundle, {}),
         ("the library needs a newer glibc than the system's (the CLI does not)", newer_glibc,
          {})]
for what, damage, extra in CASES:
    wrapper = broken_layer(damage.__name__, damage)
    env = {"AWS_EXECUTION_ENV": "AWS_Lambda_python3.12", "FNGUARD_MODE": None,
           "LD_LIBRARY_PATH": None, **extra}
    p, lines, other = wrapped([PYTHON, "-c", PROBE], env, wrapper=wrapper)
    err = error_line(lines)
    tap.ok(p.returncode == 126 and not os.path.exists(MARKER) and err and
           err.get("logger") == "fnguard" and err.get("function") == "layer-test" and
           err.get("onError") == "closed" and not other,
           f"{what}: one JSON line with level ERROR on stdout, exit 126, the function does not "
           "run (fail closed, the default)", p.stdout + p.stderr)
    p, lines, other = wrapped([PYTHON, "-c", PROBE], dict(env, FNGUARD_ON_ERROR="open"),
                              wrapper=wrapper)
    out = probe_output(lines)
    tap.ok(p.returncode == 0 and os.path.exists(MARKER) and error_line(lines) and
           not out.get("env", {}).get("LD_PRELOAD"),
           f"{what}, FNGUARD_ON_ERROR=open: logged, then the function runs without fnguard",
           p.stdout + p.stderr)
p, lines, other = wrapped([PYTHON, "-c", PROBE], {"AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
                                                  "LD_LIBRARY_PATH": None},
                          wrapper=os.path.join(BROKEN, "bad_cjson", "opt", "fnguard-wrapper"))
tap.ok(p.returncode == 0 and os.path.exists(MARKER) and not error_line(lines) and
       start_profile(lines).endswith("python.fgb"),
       "a broken libcjson does not stop the layer's compiled profile: the function runs "
       "under fnguard", p.stdout + p.stderr)
if os.path.exists(MARKER):
    os.unlink(MARKER)
err = error_line(wrapped([PYTHON, "-c", PROBE], {"AWS_EXECUTION_ENV": "AWS_Lambda_python3.12"},
                         wrapper=os.path.join(BROKEN, "bad_profile", "opt",
                                              "fnguard-wrapper"))[1]) or {}
tap.ok("allow" in err.get("detail", "") and "python.json" in err.get("detail", ""),
       "the error line carries fnguard check's diagnostic", err)
err = error_line(wrapped([PYTHON, "-c", PROBE], {"AWS_EXECUTION_ENV": "AWS_Lambda_python3.12"},
                         wrapper=os.path.join(BROKEN, "bad_bundle", "opt",
                                              "fnguard-wrapper"))[1]) or {}
tap.ok("python.fgb" in err.get("detail", ""),
       "... and names the compiled profile when that is what is damaged", err)

# The container images and the SAM template take everything from the repository
# or from what tools/build-layer.sh makes (build/layer/, build/fnguard-layer-*.zip).
LAYER_OUT = os.path.join(W, "out")
for name, base in (("python-container", "public.ecr.aws/lambda/python:3.12"),
                   ("node-container", "public.ecr.aws/lambda/nodejs:20"),
                   ("provided-go", "public.ecr.aws/lambda/provided:al2023")):
    with open(os.path.join(SOURCE, "examples", name, "Dockerfile")) as f:
        text = f.read().replace("\\\n", " ")
    froms = re.findall(r"^FROM (\S+)", text, re.M)
    sources, bad = [], []
    for line in re.findall(r"^COPY (.+)$", text, re.M):
        words = [w for w in line.split() if not w.startswith("--")]
        if line.startswith("--from"):
            continue
        for src in words[:-1]:
            sources.append(src)
            if src == "build/layer/":
                ok = os.path.isdir(os.path.join(LAYER_OUT, "layer"))
            else:
                ok = os.path.exists(os.path.join(SOURCE, src))
            if not ok:
                bad.append(src)
    wrapper_env = "AWS_LAMBDA_EXEC_WRAPPER=/opt/fnguard-wrapper" in text
    tap.ok(froms[-1:] == [base] and "build/layer/" in sources and not bad and
           (wrapper_env or name == "provided-go"),
           f"examples/{name}/Dockerfile: FROM {base}, copies the layer and the function from "
           "the build and the repository" + (", sets the wrapper" if name != "provided-go" else
                                              ", installs its bootstrap"),
           f"FROM {froms} missing {bad} sources {sources}")

with open(os.path.join(SOURCE, "examples", "sam", "template.yaml")) as f:
    sam = f.read()
uris = dict(re.findall(r"^\s+(ContentUri|CodeUri): (\S+)$", sam, re.M))
layer_zip = os.path.normpath(os.path.join("examples/sam", uris.get("ContentUri", "")))
code = os.path.normpath(os.path.join(SOURCE, "examples/sam", uris.get("CodeUri", "")))
tap.ok(layer_zip == "build/" + os.path.basename(ZIP) and
       os.path.exists(os.path.join(code, "app.py")) and
       os.path.exists(os.path.join(code, "fnguard.json")) and
       "AWS_LAMBDA_EXEC_WRAPPER: /opt/fnguard-wrapper" in sam and
       "AWS::Logs::MetricFilter" in sam and "AWS::CloudWatch::Alarm" in sam and
       "FNGUARD_METRICS: emf" in sam,
       "examples/sam/template.yaml: the layer zip build-layer.sh makes, the python function "
       "with its profile, the wrapper, metrics, a metric filter and alarms", uris)

sys.exit(done(tap))
