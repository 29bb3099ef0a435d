#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: the example functions, run as Lambda runs them, under fnguard.

The layer is packed from the build and unpacked under a scratch /opt; the
local Runtime API emulator starts the real Python and Node.js runtime loops
through runtime.sh with AWS_LAMBDA_EXEC_WRAPPER pointing at the layer's
wrapper. Each function's profile is its recorded examples/*/fnguard.json
(extending the shipped runtime profile) plus one rule for where this
machine keeps the interpreter (Lambda's /var/lang is in lambda-base).

Normal events succeed with zero violations. Attacks on the deliberately
vulnerable handlers (command injection, code injection, an outbound request
to a host the profile does not name) are blocked: the invocation fails with
an error instead of crashing the runtime, the next event is served by the
same process, nothing happened outside (no file written, no connection
received), and the violation carries the invocation's requestId, traceId
and the function's name. The hello functions run under the shipped
profiles alone.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lambda_test import (  # noqa: E402
    EXAMPLES, HERE, JAVA, JAVAC, NODE, build_layer, done, Listener, local_runtime_profile,
    run_function, Tap, unpack_layer, workdir, write_json,
)

tap = Tap()
W = workdir("lambda-fn-")
OPT = unpack_layer(build_layer(os.path.join(W, "out")), os.path.join(W, "opt"))
WRAPPER = os.path.join(OPT, "fnguard-wrapper")
PWNED = os.path.join(W, "pwned")  # outside /tmp: no profile here allows writing it


def site_profile(runtime, base, name):
    """The function's profile plus where this machine keeps the interpreter."""
    local = write_json(os.path.join(W, f"local-{runtime}.json"), local_runtime_profile(runtime))
    return write_json(os.path.join(W, f"{name}.json"),
                      {"fnguard": 1, "name": name, "extends": [base, local]})


def load_events(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def scratch(name):
    d = os.path.join(W, name)
    os.makedirs(d, exist_ok=True)
    return d


def violations_for(run, result):
    return [e for e in run.of_type("violation") if e.get("requestId") == result["requestId"]]


def check_function(runtime, example, handler, attacks):
    task = os.path.join(EXAMPLES, example)
    normal = load_events(os.path.join(task, "events.jsonl"))
    profile = site_profile(runtime, os.path.join(task, "fnguard.json"), example)
    listener = Listener()
    events = normal + [a[1](listener.port) for a in attacks] + [{"name": "after"}]
    r = run_function(runtime, task, handler, events, scratch(example), wrapper=WRAPPER,
                     env={"FNGUARD_PROFILE": profile}, function=example)
    res = r.results
    n = len(normal)
    tap.ok(len(res) == len(events) and r.rc == 0, f"{example}: every invocation answered", r.diag())
    if len(res) != len(events):
        return
    starts = r.of_type("start")
    tap.ok(len(starts) == 1 and starts[0].get("mode") == "enforce" and
           (starts[0].get("profile") or {}).get("path") == profile and
           starts[0].get("coldStart") is True and isinstance(starts[0].get("initMicros"), int),
           f"{example}: one cold start (coldStart, initMicros), enforcing its profile", r.diag())
    seccomp = (starts[0].get("layers") or {}).get("seccomp", {}) if starts else {}
    tap.ok(seccomp.get("status") == "active",
           f"{example}: the seccomp layer is on (the runtime profile's @lambda-runtime)", seccomp)
    tap.ok(all(x["status"] == "success" for x in res[:n]) and
           all(x["response"]["greeting"].startswith("Hello, ") for x in res[:n]),
           f"{example}: normal events succeed", r.diag())
    attack_traces = {x["traceId"] for x in res[n:]}
    early = [e for e in r.of_type("violation")
             if e.get("requestId") in {x["requestId"] for x in res[:n]} or
             (not e.get("requestId") and e.get("traceId") not in attack_traces)]
    tap.ok(not early, f"{example}: zero violations from start-up and normal events "
           "(recorded profile + shipped profile)", json.dumps(early, indent=1)[:3000])
    for i, (what, _, category, check) in enumerate(attacks):
        x = res[n + i]
        ev = violations_for(r, x)
        tap.ok(x["status"] == "error" and ev and all(e.get("action") == "blocked" for e in ev)
               and ev[0].get("category") == category,
               f"{example}: {what}: blocked ({category}), the invocation fails with an error",
               json.dumps(x)[:800] + "\n" + r.diag())
        tap.ok(ev and all(e.get("traceId") == x["traceId"] and e.get("function") == example and
                          e.get("version") == "$LATEST" for e in ev),
               f"{example}: {what}: the violation carries the invocation's requestId, traceId "
               "and function", json.dumps(ev)[:1500])
        tap.ok(check(x, listener), f"{example}: {what}: nothing happened outside", json.dumps(x))
    last = res[-1]
    tap.ok(last["status"] == "success" and "restarts" in r.summary and " 0 restarts" in r.summary,
           f"{example}: after the attacks the same runtime serves the next event", r.diag())
    listener.close()
    return r


def no_passwd(x, _):
    return "root:" not in json.dumps(x)


def not_pwned(x, _):
    return not os.path.exists(PWNED)


def no_connection(x, listener):
    return listener.connections() == 0


PY_ATTACKS = [
    ("command injection '; cat /etc/passwd'", lambda port: {"name": "x; cat /etc/passwd"},
     "exec", no_passwd),
    ("command injection writing a file", lambda port: {"name": f"x; touch {PWNED}"}, "exec",
     not_pwned),
    ("a request to a host the profile does not name",
     lambda port: {"name": "x", "notify": f"http://127.0.0.1:{port}/exfil"}, "network",
     no_connection),
]
check_function("python", "python-container", "app.handler", PY_ATTACKS)

# A command the greeting's rule lets through to the shell (no '/') is stopped
# in the shell itself, a child process: it may not even look for `id` in PATH.
# Its events carry the invocation's trace id (inherited _X_AMZN_TRACE_ID).
task = os.path.join(EXAMPLES, "python-container")
profile = site_profile("python", os.path.join(task, "fnguard.json"), "python-container-child")
r = run_function("python", task, "app.handler", [{"name": "x; id"}], scratch("child"),
                 wrapper=WRAPPER, env={"FNGUARD_PROFILE": profile})
x = r.results[0] if r.results else {}
runtime_pid = (r.of_type("start") or [{}])[0].get("pid")
ev = [e for e in r.of_type("violation") if e.get("pid") != runtime_pid]
tap.ok(x.get("status") == "error" and "uid=" not in json.dumps(x) and ev and
       all(e.get("action") == "blocked" and e.get("traceId") == x.get("traceId") for e in ev) and
       any(e.get("target", "").endswith("/id") for e in ev),
       "python-container: a command injected past the shell rule is blocked inside the shell; "
       "the child's events carry the invocation's traceId", r.diag())

if NODE:
    NODE_ATTACKS = [
        ("command injection '; cat /etc/passwd'", lambda port: {"name": "x; cat /etc/passwd"},
         "exec", no_passwd),
        ("code injection require('child_process').execSync",
         lambda port: {"name": "x", "expression":
                       f"require('child_process').execSync('touch {PWNED}').toString()"},
         "exec", not_pwned),
        ("code injection fetch() to a host the profile does not name",
         lambda port: {"name": "x", "expression":
                       f"fetch('http://127.0.0.1:{port}/exfil').then((r) => r.status)"},
         "network", no_connection),
        ("code injection reading /etc/passwd",
         lambda port: {"name": "x", "expression":
                       "require('fs').readFileSync('/etc/passwd', 'utf8')"}, "file", no_passwd),
    ]
    check_function("nodejs", "node-container", "index.handler", NODE_ATTACKS)
else:
    tap.ok(False, "node is not installed (tools/deps.sh installs nodejs)")

# The hello functions need nothing beyond the shipped runtime profiles.
HELLO = os.path.join(HERE, "functions")
JAVA_TASK = os.path.join(W, "java-task")
if JAVA and JAVAC:
    subprocess.run([JAVAC, "-d", JAVA_TASK, os.path.join(HELLO, "java", "Bootstrap.java")],
                   check=True)
for runtime, task, handler in (("python", HELLO, "hello.handler"),
                               ("nodejs", HELLO, "hello.handler"),
                               ("java", JAVA_TASK, "Bootstrap")):
    if (runtime == "nodejs" and not NODE) or (runtime == "java" and not (JAVA and JAVAC)):
        tap.ok(True, f"hello ({runtime}) # SKIP {runtime} is not installed")
        continue
    base = os.path.join(OPT, "fnguard", "profiles", runtime + ".json")
    profile = site_profile(runtime, base, f"hello-{runtime}")
    r = run_function(runtime, task, handler, [{"name": "a"}, {"name": "b"}, {}],
                     scratch(f"hello-{runtime}"), wrapper=WRAPPER,
                     env={"FNGUARD_PROFILE": profile})
    starts = r.of_type("start")
    tap.ok([x["status"] for x in r.results] == ["success"] * 3 and not r.of_type("violation")
           and len(starts) == 1 and
           starts[0].get("layers", {}).get("seccomp", {}).get("status") == "active",
           f"hello ({runtime}): runs under the shipped {runtime} profile (seccomp on) with zero "
           "violations", r.diag())

# Counts held back by the rate limiter go out when the invocation's response is posted:
# Lambda freezes the process then, and may never thaw it (the emulator ends it with
# SIGTERM after the last event, which no atexit handler sees).
base = os.path.join(OPT, "fnguard", "profiles", "python.json")
profile = site_profile("python", base, "noisy-python")
r = run_function("python", HELLO, "noisy.handler", [{"n": 30}, {"n": 30}], scratch("noisy"),
                 wrapper=WRAPPER, env={"FNGUARD_PROFILE": profile})
per = {}
for x in r.results:
    rid = x["requestId"]
    shown = [e for e in r.of_type("violation")
             if e.get("target") == "/etc/shadow" and e.get("requestId") == rid]
    held = sum(e.get("suppressed", 0) for e in r.of_type("suppressed")
               if e.get("target") == "/etc/shadow" and e.get("requestId") == rid)
    per[rid] = (len(shown), held)
tap.ok([x["status"] for x in r.results] == ["success"] * 2 and
       all(x.get("response", {}).get("denied") == 30 for x in r.results) and
       all(a + b == 30 for a, b in per.values()),
       "30 denied reads per invocation: each invocation's events shown and counts held back "
       f"add up to 30 under its own request id ({list(per.values())}), reported when its "
       "response was posted (before Lambda may freeze the process)", r.diag())

sys.exit(done(tap))
