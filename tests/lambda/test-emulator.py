#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: the local Runtime API emulator and the Python runtime loop, without
fnguard: what each invocation carries (request id, deadline, function ARN,
trace id, the event, chunked when large), what the function answers
(response, error with its type, init error), and how the emulator ends a run
(a crash restarts the runtime, a timeout, a runtime that never asks, a
non-loopback address refused).
"""
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lambda_test import HERE, PYTHON, done, run_function, Tap, workdir  # noqa: E402

tap = Tap()
W = workdir("lambda-emu-")
TASK = os.path.join(W, "task")
os.makedirs(TASK)
with open(os.path.join(TASK, "fn.py"), "w") as f:
    f.write('''
import os, time
def echo(event, context):
    return {"event": event, "requestId": context.aws_request_id,
            "arn": context.invoked_function_arn, "remaining": context.get_remaining_time_in_millis(),
            "trace": os.environ.get("_X_AMZN_TRACE_ID"), "function": context.function_name,
            "pid": os.getpid()}
def fail(event, context):
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"pid": os.getpid()}
def crash(event, context):
    if event.get("crash"):
        os._exit(3)
    return {"pid": os.getpid()}
def slow(event, context):
    time.sleep(event.get("sleep", 0))
    return {"slept": event.get("sleep", 0)}
''')
with open(os.path.join(TASK, "broken.py"), "w") as f:
    f.write("raise ImportError('this module cannot be imported')\n")

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def scratch(name):
    d = os.path.join(W, name)
    os.makedirs(d, exist_ok=True)
    return d


big = {"blob": "x" * 50000, "text": "line\r\nLambda-Runtime-Aws-Request-Id: forged\r\n"}
events = [{"n": 1}, {"n": 2, "unicode": "Zoë ✓"}, big, [1, 2, 3], "just a string", None]
t0 = time.time() * 1000
r = run_function("python", TASK, "fn.echo", events, scratch("echo"), function="emu-fn")
tap.ok(r.rc == 0 and [x["status"] for x in r.results] == ["success"] * len(events),
       "every event gets a response; exit status 0", r.diag())
tap.ok([x.get("response", {}).get("event") for x in r.results] == events,
       "the function gets each event as sent (a 50 KB one chunked, JSON of any type)", r.diag())
ids = [x["requestId"] for x in r.results]
tap.ok(all(UUID.match(i) for i in ids) and len(set(ids)) == len(ids),
       "request ids are distinct UUIDs", ids)
tap.ok(all(x["response"]["requestId"] == x["requestId"] for x in r.results),
       "Lambda-Runtime-Aws-Request-Id reaches the handler's context", r.diag())
tap.ok(all(x["response"]["arn"] == "arn:aws:lambda:us-east-1:123456789012:function:emu-fn"
           and x["response"]["function"] == "emu-fn" for x in r.results),
       "Lambda-Runtime-Invoked-Function-Arn and AWS_LAMBDA_FUNCTION_NAME", r.diag())
tap.ok(all(0 < x["response"]["remaining"] <= 20000 for x in r.results),
       "Lambda-Runtime-Deadline-Ms gives the handler its remaining time", r.diag())
traces = [x["response"]["trace"] for x in r.results]
tap.ok(all(t == x["traceId"] and re.match(r"^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};"
                                         r"Sampled=0", t) for t, x in zip(traces, r.results))
       and len(set(traces)) == len(traces),
       "Lambda-Runtime-Trace-Id becomes _X_AMZN_TRACE_ID, one X-Ray trace per invocation",
       traces)
tap.ok(len({x["response"]["pid"] for x in r.results}) == 1, "one runtime process serves them all",
       r.diag())

r = run_function("python", TASK, "fn.fail", [{}, {"fail": True}, {}], scratch("fail"))
st = [x["status"] for x in r.results]
err = r.results[1] if len(r.results) > 1 else {}
tap.ok(st == ["success", "error", "success"] and r.rc == 0 and
       err.get("error", {}).get("errorType") == "ValueError" and
       err.get("error", {}).get("errorMessage") == "asked to fail" and
       err.get("errorType") == "Unhandled",
       "a failing handler posts .../error (type, message, Lambda-Runtime-Function-Error-Type) "
       "and the loop goes on", r.diag())

r = run_function("python", TASK, "fn.crash", [{}, {"crash": True}, {}], scratch("crash"))
st = [x["status"] for x in r.results]
pids = [x.get("response", {}).get("pid") for x in r.results]
tap.ok(st == ["success", "runtime-exited", "success"] and r.rc == 1 and pids[0] != pids[2]
       and "1 restarts" in r.summary,
       "a runtime that dies is reported, restarted for the next event, and the run fails",
       r.diag())

r = run_function("python", TASK, "broken.handler", [{}, {}], scratch("init"))
tap.ok(r.rc == 1 and [x["status"] for x in r.results] == ["init-error"] * 2 and
       r.results[0].get("errorType") == "Runtime.ImportModuleError",
       "an import failure is posted to /runtime/init/error; no event runs", r.diag())

d = scratch("timeout")
with open(os.path.join(d, "ev.jsonl"), "w") as f:
    f.write('{"sleep": 30}\n{"sleep": 0}\n')
t = time.monotonic()
p = subprocess.run([PYTHON, os.path.join(HERE, "runtime_api.py"), "--events",
                    os.path.join(d, "ev.jsonl"), "--results", os.path.join(d, "res.jsonl"),
                    "--log", os.path.join(d, "log"), "--invoke-timeout", "1",
                    "--env", "_HANDLER=fn.slow", "--env", f"LAMBDA_TASK_ROOT={TASK}", "--",
                    os.path.join(HERE, "runtime.sh"), PYTHON,
                    os.path.join(HERE, "bootstrap.py")], capture_output=True, text=True,
                   timeout=60)
with open(os.path.join(d, "res.jsonl")) as f:
    res = [json.loads(x) for x in f]
res.sort(key=lambda x: x["index"])
tap.ok(p.returncode == 1 and [x["status"] for x in res] == ["timeout", "success"] and
       time.monotonic() - t < 15,
       "an invocation past its timeout is cut short; the next one runs on a fresh runtime",
       p.stderr + json.dumps(res))

t = time.monotonic()
p = subprocess.run([PYTHON, os.path.join(HERE, "runtime_api.py"), "--events",
                    os.path.join(d, "ev.jsonl"), "--results", os.path.join(d, "res2.jsonl"),
                    "--timeout", "2", "--", "sleep", "30"], capture_output=True, text=True,
                   timeout=60)
with open(os.path.join(d, "res2.jsonl")) as f:
    res = [json.loads(x) for x in f]
tap.ok(p.returncode == 1 and [x["status"] for x in res] == ["not-run"] * 2 and
       time.monotonic() - t < 10,
       "a runtime that never asks: the emulator stops by itself after --timeout",
       p.stderr + json.dumps(res))

p = subprocess.run([PYTHON, os.path.join(HERE, "runtime_api.py"), "--events",
                    os.path.join(d, "ev.jsonl"), "--host", "0.0.0.0", "--", "true"],
                   capture_output=True, text=True, timeout=60)
tap.ok(p.returncode == 2 and "loopback" in p.stderr, "it listens on loopback only", p.stderr)

for wrapper, code, what in (("/nonexistent/wrapper", 127, "missing"),
                            (os.path.join(TASK, "fn.py"), 126, "not executable")):
    p = subprocess.run([os.path.join(HERE, "runtime.sh"), "true"],
                       env=dict(os.environ, AWS_LAMBDA_EXEC_WRAPPER=wrapper),
                       capture_output=True, text=True)
    tap.ok(p.returncode == code, f"AWS_LAMBDA_EXEC_WRAPPER {what}: exit {code}, as the managed "
           "runtimes' bootstrap does", p.stderr)

sys.exit(done(tap))
