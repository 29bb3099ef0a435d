#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: the CloudWatch Embedded Metric Format lines (FNGUARD_METRICS=emf).

Every metrics line is checked against the EMF specification's required
fields and limits (an `_aws` object with an epoch-millisecond Timestamp and
CloudWatchMetrics directives of Namespace, Dimensions and Metrics; every
dimension a top-level string, every metric a top-level number). Then: one
zero line per clean invocation; for an invocation with violations one line
per category whose counts equal the violation events (those of a forked
child included); Blocked is 0 in alert mode; nothing without
FNGUARD_METRICS; a process that is not a Lambda runtime writes its counts
at exit.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lambda_test import (  # noqa: E402
    BUILD, EXAMPLES, NODE, build_layer, done, Listener, local_runtime_profile, run_function,
    Tap, unpack_layer, workdir, write_json,
)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from fnguard_test import run  # noqa: E402

tap = Tap()
W = workdir("lambda-emf-")
OPT = unpack_layer(build_layer(os.path.join(W, "out")), os.path.join(W, "opt"))
WRAPPER = os.path.join(OPT, "fnguard-wrapper")

# CloudWatch's units (PutMetricData's StandardUnit), which EMF's Unit must be one of.
UNITS = {"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes",
         "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits",
         "Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
         "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
         "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None"}


def emf_problems(line, now_ms):
    """What in one log line breaks the EMF specification (empty: valid)."""
    out = []
    try:
        doc = json.loads(line)
    except ValueError as e:
        return [f"not JSON: {e}"]
    if not isinstance(doc, dict):
        return ["not an object"]
    if len(line.encode()) > 1024 * 1024:
        out.append("larger than 1 MB")
    aws = doc.get("_aws")
    if not isinstance(aws, dict):
        return out + ["no _aws object"]
    ts = aws.get("Timestamp")
    if not isinstance(ts, int) or isinstance(ts, bool) or abs(ts - now_ms) > 86400000:
        out.append(f"_aws.Timestamp {ts!r} is not epoch milliseconds of today")
    directives = aws.get("CloudWatchMetrics")
    if not isinstance(directives, list) or not directives:
        return out + ["_aws.CloudWatchMetrics is not a non-empty array"]
    for d in directives:
        if not isinstance(d, dict):
            out.append("a MetricDirective is not an object")
            continue
        ns = d.get("Namespace")
        if not isinstance(ns, str) or not 1 <= len(ns) <= 255 or not ns.strip():
            out.append(f"Namespace {ns!r}")
        dims = d.get("Dimensions")
        if not isinstance(dims, list):
            out.append("Dimensions is not an array")
            dims = []
        for ds in dims:
            if not isinstance(ds, list) or len(ds) > 30:
                out.append(f"DimensionSet {ds!r}")
                continue
            for name in ds:
                v = doc.get(name)
                if not isinstance(name, str) or not isinstance(v, str) or not 1 <= len(v) <= 1024:
                    out.append(f"dimension {name!r} has no string value at the root ({v!r})")
        metrics = d.get("Metrics")
        if not isinstance(metrics, list) or not 1 <= len(metrics) <= 100:
            out.append("Metrics is not an array of 1 to 100")
            metrics = []
        for m in metrics:
            name = m.get("Name") if isinstance(m, dict) else None
            if not isinstance(name, str) or not 1 <= len(name) <= 1024:
                out.append(f"MetricDefinition without a Name: {m!r}")
                continue
            if "Unit" in m and m["Unit"] not in UNITS:
                out.append(f"Unit {m['Unit']!r}")
            v = doc.get(name)
            vals = v if isinstance(v, list) else [v]
            if not vals or len(vals) > 100 or not all(
                    isinstance(x, (int, float)) and not isinstance(x, bool) for x in vals):
                out.append(f"metric {name!r} has no numeric value at the root ({v!r})")
            if any(name in ds for ds in dims if isinstance(ds, list)):
                out.append(f"{name} is both a metric and a dimension")
    return out


GOOD = {"_aws": {"Timestamp": 1000, "CloudWatchMetrics": [{"Namespace": "n", "Dimensions": [["D"]],
                                                            "Metrics": [{"Name": "M", "Unit": "Count"}]}]},
        "D": "d", "M": 1}
BROKEN = [
    {k: v for k, v in GOOD.items() if k != "_aws"},
    dict(GOOD, _aws={"CloudWatchMetrics": GOOD["_aws"]["CloudWatchMetrics"]}),
    dict(GOOD, _aws={"Timestamp": 1000, "CloudWatchMetrics": []}),
    {k: v for k, v in GOOD.items() if k != "D"},
    dict(GOOD, M="1"),
    dict(GOOD, D=3),
    dict(GOOD, _aws={"Timestamp": 1000, "CloudWatchMetrics": [
        {"Namespace": "", "Dimensions": [["D"]], "Metrics": [{"Name": "M"}]}]}),
    dict(GOOD, _aws={"Timestamp": 1000, "CloudWatchMetrics": [
        {"Namespace": "n", "Dimensions": [["D"]], "Metrics": [{"Name": "M", "Unit": "Things"}]}]}),
]


def metrics_lines(log):
    return [line for line in log.splitlines() if '"_aws"' in line]


def site_profile(runtime, example, mode=None):
    task = os.path.join(EXAMPLES, example)
    local = write_json(os.path.join(W, f"local-{runtime}.json"), local_runtime_profile(runtime))
    p = {"fnguard": 1, "name": example, "extends": [os.path.join(task, "fnguard.json"), local]}
    if mode:
        p["mode"] = mode
    return task, write_json(os.path.join(W, f"{example}-{mode}.json"), p)


def scratch(name):
    d = os.path.join(W, name)
    os.makedirs(d, exist_ok=True)
    return d


tap.ok(not emf_problems(json.dumps(GOOD), 1000) and
       all(emf_problems(json.dumps(b), 1000) for b in BROKEN),
       "the validator accepts a minimal EMF document and rejects each broken variant",
       [emf_problems(json.dumps(b), 1000) for b in BROKEN])

listener = Listener()
task, profile = site_profile("python", "python-container")
events = [{"name": "a"}, {"name": "x; cat /etc/passwd"}, {"name": "b"},
          {"name": "y", "notify": f"http://127.0.0.1:{listener.port}/"}, {"name": "c"}]
r = run_function("python", task, "app.handler", events, scratch("py"), wrapper=WRAPPER,
                 env={"FNGUARD_PROFILE": profile, "FNGUARD_METRICS": "emf"}, function="emf-py")
lines = metrics_lines(r.log)
now = max((int(x.get("_aws", {}).get("Timestamp", 0)) for x in map(json.loads, lines)), default=0)
problems = {line[:200]: emf_problems(line, now) for line in lines}
problems = {k: v for k, v in problems.items() if v}
tap.ok(lines and not problems, f"all {len(lines)} metrics lines are valid EMF",
       json.dumps(problems, indent=1)[:3000] + r.diag())
docs = [json.loads(x) for x in lines]
tap.ok(all(len(x.encode()) < 4096 and "\n" not in x for x in lines) and
       all(d.get("logger") == "fnguard" and d.get("type") == "metrics" and
           d.get("level") in ("INFO", "WARN") and "timestamp" in d for d in docs),
       "each is one line under 4 KiB, with fnguard's level, logger and type for Lambda's JSON "
       "log format", lines[:3])
tap.ok(all(d["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "fnguard" and
           d.get("FunctionName") == "emf-py" and
           [m["Name"] for m in d["_aws"]["CloudWatchMetrics"][0]["Metrics"]] ==
           ["Violations", "Blocked"] for d in docs),
       "namespace fnguard, metrics Violations and Blocked, FunctionName from the environment",
       docs[:2])

by_id = {}
for d in docs:
    by_id.setdefault(d.get("requestId"), []).append(d)
ok_every = all(x["requestId"] in by_id for x in r.results) and len(r.results) == len(events)
tap.ok(ok_every, "every invocation has its metrics line(s), written when it ends",
       json.dumps(by_id, indent=1)[:2000] + r.diag())
clean = [x for x in r.results if x["status"] == "success"]
tap.ok(clean and all(len(by_id.get(x["requestId"], [])) == 1 and
                     by_id[x["requestId"]][0]["Violations"] == 0 and
                     by_id[x["requestId"]][0]["Blocked"] == 0 and
                     by_id[x["requestId"]][0]["level"] == "INFO" and
                     by_id[x["requestId"]][0]["_aws"]["CloudWatchMetrics"][0]["Dimensions"] ==
                     [["FunctionName"]] for x in clean),
       "a clean invocation: one zero line on [FunctionName] (an alarm sees real zeros)",
       json.dumps(by_id, indent=1)[:2000])
bad = [x for x in r.results if x["status"] == "error"]
agree = True
for x in bad:
    counted = {d["Category"]: (d["Violations"], d["Blocked"])
               for d in by_id.get(x["requestId"], []) if "Category" in d}
    seen = {}
    for e in r.of_type("violation"):
        if e.get("requestId") == x["requestId"]:
            c = seen.setdefault(e["category"], [0, 0])
            c[0] += 1
            c[1] += e.get("action") == "blocked"
    agree &= bool(counted) and counted == {k: tuple(v) for k, v in seen.items()}
tap.ok(len(bad) == 2 and agree and all(
    d["level"] == "WARN" and d["_aws"]["CloudWatchMetrics"][0]["Dimensions"] ==
    [["FunctionName", "Category"], ["FunctionName"]]
    for x in bad for d in by_id[x["requestId"]]),
    "an invocation with violations: one WARN line per category on [FunctionName, Category] and "
    "[FunctionName], counts equal to its violation events", json.dumps(by_id, indent=1)[:3000])
listener.close()

if NODE:
    # Node runs a command in a forked child: its blocked exec counts in the parent's line.
    task, profile = site_profile("nodejs", "node-container")
    r = run_function("nodejs", task, "index.handler",
                     [{"name": "a"}, {"name": "x", "expression":
                                      "require('child_process').execSync('id').toString()"}],
                     scratch("node"), wrapper=WRAPPER,
                     env={"FNGUARD_PROFILE": profile, "FNGUARD_METRICS": "emf"})
    x = r.results[1] if len(r.results) > 1 else {"requestId": None}
    ev = [e for e in r.of_type("violation") if e.get("requestId") == x["requestId"]]
    runtime_pid = (r.of_type("start") or [{}])[0].get("pid")
    lines = [json.loads(y) for y in metrics_lines(r.log)]
    mine = [d for d in lines if d.get("requestId") == x["requestId"]]
    tap.ok(ev and all(e.get("pid") != runtime_pid for e in ev) and
           [(d.get("Category"), d["Violations"], d["Blocked"]) for d in mine] ==
           [("exec", len(ev), len(ev))] and all(d.get("pid") == runtime_pid for d in mine),
           "node: a violation in a forked child is counted in the runtime's own line",
           json.dumps(mine) + r.diag())

task, profile = site_profile("python", "python-container", mode="alert")
r = run_function("python", task, "app.handler", [{"name": "x; echo /injected"}],
                 scratch("alert"), wrapper=WRAPPER,
                 env={"FNGUARD_PROFILE": profile, "FNGUARD_METRICS": "emf"})
lines = [json.loads(y) for y in metrics_lines(r.log)]
tap.ok(lines and all(d["Blocked"] == 0 for d in lines) and
       sum(d["Violations"] for d in lines if d.get("Category") == "exec") >= 1,
       "alert mode: violations counted, Blocked 0", json.dumps(lines) + r.diag())

task, profile = site_profile("python", "python-container")
r = run_function("python", task, "app.handler", [{"name": "x; cat /etc/passwd"}],
                 scratch("off"), wrapper=WRAPPER, env={"FNGUARD_PROFILE": profile})
tap.ok(r.of_type("violation") and not metrics_lines(r.log),
       "without FNGUARD_METRICS there is no metrics line", r.diag())

r = run_function("python", task, "app.handler", [{"name": "a"}], scratch("typo"), wrapper=WRAPPER,
                 env={"FNGUARD_PROFILE": profile, "FNGUARD_METRICS": "EMF"})
err = [e for e in r.of_type("error") if "FNGUARD_METRICS" in e.get("message", "")]
tap.ok(len(err) == 1 and err[0].get("detail") == "EMF" and not metrics_lines(r.log) and
       r.results and r.results[0]["status"] == "success",
       "an unknown FNGUARD_METRICS value is one error event, not silence; the function runs",
       r.diag())

# Not a Lambda runtime (no Runtime API): the counts go out when the process exits.
secret = os.path.join(W, "secret")
with open(secret, "w") as f:
    f.write("x\n")
prof = write_json(os.path.join(W, "exit.json"), {
    "fnguard": 1, "files": [{"path": "/usr/**", "allow": "r"}, {"path": secret, "deny": "r"}]})
r = run([os.path.join(BUILD, "tests", "lambda", "rt-client"), "read", "1", secret, "deny",
         "deny"], profile=prof, mode="enforce",
        env={"FNGUARD_METRICS": "emf", "AWS_LAMBDA_FUNCTION_NAME": "emf-exit"})
m = [e for e in r.events if "_aws" in e]
tap.ok(len(m) == 1 and m[0].get("Category") == "file" and m[0]["Violations"] == 2 and
       m[0]["Blocked"] == 2 and "requestId" not in m[0] and not emf_problems(json.dumps(m[0]),
                                                                           m[0]["_aws"]["Timestamp"]),
       "outside an invocation the counts are written at exit", r.diag())

sys.exit(done(tap))
