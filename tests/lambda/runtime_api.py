#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A local emulator of the AWS Lambda Runtime API (version 2018-06-01).

It starts the runtime command it is given the way Lambda does (with
AWS_LAMBDA_RUNTIME_API and the function's environment), hands it the events
of a JSON-lines file one at a time, and writes what the function answered as
JSON lines. Loopback only; it stops by itself when every event is answered
or after --timeout seconds.

    runtime_api.py --events events.jsonl --results results.jsonl --log run.log \\
        --env AWS_LAMBDA_EXEC_WRAPPER=/opt/fnguard-wrapper \\
        -- tests/lambda/runtime.sh python3 tests/lambda/bootstrap.py

Endpoints (what the runtimes use):
  GET  /2018-06-01/runtime/invocation/next
       the next event, with Lambda-Runtime-Aws-Request-Id,
       Lambda-Runtime-Deadline-Ms, Lambda-Runtime-Invoked-Function-Arn and
       Lambda-Runtime-Trace-Id (blocks while there is none)
  POST /2018-06-01/runtime/invocation/{id}/response
  POST /2018-06-01/runtime/invocation/{id}/error
  POST /2018-06-01/runtime/init/error

Like the Runtime API (Go's net/http), a body larger than 2 KiB is sent with
chunked transfer encoding, a small one with Content-Length.

Result lines: {"index", "requestId", "traceId", "status", "response" |
"error", "errorType", "durationMs"}; status is success, error, timeout,
runtime-exited (the runtime died during the invocation; it is restarted for
the next event, as Lambda does), init-error or not-run. Exit status: 0 when
every event got a response or an error from the function itself, 1
otherwise, 2 on a usage error.
"""
import argparse
import http.server
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import uuid

API = "/2018-06-01"
CHUNKED_ABOVE = 2048


def trace_id():
    """An X-Ray trace header as Lambda passes it."""
    root = f"1-{int(time.time()):08x}-{secrets.token_hex(12)}"
    return f"Root={root};Parent={secrets.token_hex(8)};Sampled=0;Lineage=1:{secrets.token_hex(4)}:0"


class Invocation:
    def __init__(self, index, event):
        self.index = index
        self.event = event
        self.request_id = str(uuid.uuid4())
        self.trace_id = trace_id()
        self.started = None
        self.result = None


class State:
    def __init__(self, events, results_path, invoke_timeout, arn):
        self.lock = threading.Condition()
        self.pending = [Invocation(i, e) for i, e in enumerate(events)]
        self.all = list(self.pending)
        self.by_id = {inv.request_id: inv for inv in self.all}
        self.current = None
        self.results_path = results_path
        self.invoke_timeout = invoke_timeout
        self.arn = arn
        self.stopping = False
        self.init_error = None

    def finish(self, inv, result):
        """Records inv's outcome once; call with the lock held."""
        if inv.result is not None:
            return False
        inv.result = result
        result = dict(result, index=inv.index, requestId=inv.request_id, traceId=inv.trace_id)
        if inv.started is not None:
            result["durationMs"] = round((time.monotonic() - inv.started) * 1000, 3)
        if self.results_path:
            with open(self.results_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(result, sort_keys=True) + "\n")
        if self.current is inv:
            self.current = None
        self.lock.notify_all()
        return True

    def done(self):
        return all(inv.result is not None for inv in self.all)


def parse_body(raw):
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return raw.decode("utf-8", "replace")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes
    server_version = "fnguard-runtime-api-emulator"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    @property
    def state(self):
        return self.server.state

    def send(self, status, body, headers=None):
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if len(data) > CHUNKED_ABOVE:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(data), 1000):
                piece = data[i:i + 1000]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        self.wfile.flush()

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        if self.path != API + "/runtime/invocation/next":
            self.send(404, {"errorType": "NotFound", "errorMessage": self.path})
            return
        st = self.state
        with st.lock:
            while not st.pending and not st.stopping:
                st.lock.wait(0.5)
            if st.stopping:
                # Lambda would freeze the runtime here; an error ends the loop.
                self.send(500, {"errorType": "Shutdown", "errorMessage": "no more events"})
                return
            inv = st.pending.pop(0)
            inv.started = time.monotonic()
            st.current = inv
        deadline = int(time.time() * 1000 + st.invoke_timeout * 1000)
        body = json.dumps(inv.event).encode()
        self.send(200, body, {
            "Lambda-Runtime-Aws-Request-Id": inv.request_id,
            "Lambda-Runtime-Deadline-Ms": str(deadline),
            "Lambda-Runtime-Invoked-Function-Arn": st.arn,
            "Lambda-Runtime-Trace-Id": inv.trace_id,
        })

    def do_POST(self):
        st = self.state
        body = self.read_body()
        if self.path == API + "/runtime/init/error":
            with st.lock:
                st.init_error = {"error": parse_body(body),
                                 "errorType": self.headers.get("Lambda-Runtime-Function-Error-Type")}
            self.send(202, {"status": "OK"})
            return
        prefix = API + "/runtime/invocation/"
        parts = self.path[len(prefix):].split("/") if self.path.startswith(prefix) else []
        if len(parts) != 2 or parts[1] not in ("response", "error"):
            self.send(404, {"errorType": "NotFound", "errorMessage": self.path})
            return
        with st.lock:
            inv = st.by_id.get(parts[0])
            if inv is None or inv.started is None:
                self.send(400, {"errorType": "InvalidRequestID", "errorMessage": parts[0]})
                return
            if parts[1] == "response":
                ok = st.finish(inv, {"status": "success", "response": parse_body(body)})
            else:
                ok = st.finish(inv, {"status": "error", "error": parse_body(body),
                                     "errorType": self.headers.get("Lambda-Runtime-Function-Error-Type")})
        if not ok:
            self.send(400, {"errorType": "InvalidStateTransition",
                            "errorMessage": "the invocation already has a result"})
            return
        self.send(202, {"status": "OK"})


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def bind(host, port, wait):
    """Binds host:port, waiting up to `wait` seconds while another run holds it."""
    end = time.monotonic() + wait
    while True:
        try:
            return Server((host, port), Handler)
        except OSError as e:
            if e.errno != 98 or time.monotonic() > end:  # EADDRINUSE
                raise
            time.sleep(0.2)


def lambda_env(args, port):
    """Lambda's environment: its own variables, PATH from here (to find the
    interpreters), nothing else of this shell unless --inherit-env."""
    if args.inherit_env:
        env = dict(os.environ)
    else:
        env = {k: os.environ[k] for k in ("PATH",) if k in os.environ}
    defaults = {
        "LANG": "en_US.UTF-8",
        "AWS_LAMBDA_FUNCTION_NAME": args.function,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{args.function}",
        "AWS_LAMBDA_LOG_STREAM_NAME": time.strftime("%Y/%m/%d/[$LATEST]") + secrets.token_hex(16),
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_FORMAT": "JSON",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "LAMBDA_TASK_ROOT": "/var/task",
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "TZ": ":UTC",
    }
    for k, v in defaults.items():
        env.setdefault(k, v)
    for item in args.env:
        k, _, v = item.partition("=")
        env[k] = v
    env["AWS_LAMBDA_RUNTIME_API"] = f"{args.host}:{port}"
    return env


def start_runtime(cmd, env, log):
    return subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True,
                            cwd=env.get("LAMBDA_TASK_ROOT") if os.path.isdir(
                                env.get("LAMBDA_TASK_ROOT", "")) else None)


def stop_runtime(proc):
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=2)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--events", required=True, help="JSON lines, one event per line")
    p.add_argument("--results", help="where to append one JSON line per invocation")
    p.add_argument("--log", help="the runtime's stdout and stderr (default: this stdout)")
    p.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    p.add_argument("--port", type=int, default=9001, help="0 picks a free port")
    p.add_argument("--bind-wait", type=float, default=60,
                   help="seconds to wait while the port is taken (parallel runs)")
    p.add_argument("--function", default="fnguard-example")
    p.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                   help="set in the runtime's environment (repeatable)")
    p.add_argument("--inherit-env", action="store_true",
                   help="pass this whole environment on (default: PATH only)")
    p.add_argument("--invoke-timeout", type=float, default=15, help="seconds per invocation")
    p.add_argument("--timeout", type=float, default=120, help="seconds for the whole run")
    p.add_argument("--max-restarts", type=int, default=3)
    p.add_argument("--grace", type=float, default=2,
                   help="seconds the runtime gets to exit by itself at the end")
    p.add_argument("cmd", nargs=argparse.REMAINDER, help="-- the runtime command line")
    args = p.parse_args(argv)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    # The runtime starts in the task root, as on Lambda: paths given relative
    # to here are made absolute first.
    cmd = [os.path.abspath(a) if not os.path.isabs(a) and "/" in a and os.path.exists(a) else a
           for a in cmd]
    if not cmd:
        p.error("the runtime command is missing (after --)")
    if not args.host.startswith("127.") and args.host != "::1":
        p.error("--host must be a loopback address")

    events = []
    with open(args.events, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    events.append(json.loads(line))
                except ValueError as e:
                    p.error(f"{args.events}:{n}: {e}")

    region = "us-east-1"
    arn = f"arn:aws:lambda:{region}:123456789012:function:{args.function}"
    state = State(events, args.results, args.invoke_timeout, arn)
    if args.results:
        open(args.results, "w").close()
    server = bind(args.host, args.port, args.bind_wait)
    server.state = state
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()

    env = lambda_env(args, port)
    log = open(args.log, "wb") if args.log else None
    end = time.monotonic() + args.timeout
    restarts = 0
    proc = start_runtime(cmd, env, log)
    try:
        with state.lock:
            while not state.done() and state.init_error is None:
                now = time.monotonic()
                if now > end:
                    break
                inv = state.current
                if inv and now - inv.started > args.invoke_timeout:
                    state.finish(inv, {"status": "timeout"})
                    state.lock.release()
                    stop_runtime(proc)
                    state.lock.acquire()
                if proc.poll() is not None:
                    if state.current:
                        state.finish(state.current, {"status": "runtime-exited",
                                                     "exitCode": proc.returncode})
                    if state.done() or restarts >= args.max_restarts:
                        break
                    restarts += 1
                    proc = start_runtime(cmd, env, log)
                state.lock.wait(0.1)
            state.stopping = True
            for inv in state.all:
                if inv.result is None:
                    status = "init-error" if state.init_error else "not-run"
                    extra = state.init_error or {}
                    state.finish(inv, dict(extra, status=status))
            state.lock.notify_all()
        # The pending /next now fails and the runtimes here exit by themselves
        # (atexit handlers run); Lambda itself would freeze, then kill.
        try:
            proc.wait(timeout=args.grace)
        except subprocess.TimeoutExpired:
            pass
    finally:
        stop_runtime(proc)
        server.shutdown()
        server.server_close()
        if log:
            log.close()

    counts = {}
    for inv in state.all:
        counts[inv.result["status"]] = counts.get(inv.result["status"], 0) + 1
    summary = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
    print(f"runtime_api: {len(state.all)} invocations: {summary or 'none'}; "
          f"{restarts} restarts", file=sys.stderr)
    good = all(inv.result["status"] in ("success", "error") for inv in state.all)
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
