# SPDX-License-Identifier: MIT
"""Shared pieces of the record -> enforce round trips: TAP, running the
fnguard CLI with the events on their own file, loopback HTTP servers, and
building CloudWatch-style exports from a recording."""
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading

BUILD = os.environ.get("FNGUARD_BUILD_ROOT", "/work/main/build")
SOURCE = os.environ.get("FNGUARD_SOURCE_ROOT", "/work/main")
FNGUARD = os.path.join(BUILD, "tools", "fnguard")
# The real interpreter (a pyenv shim would be a shell script).
PYTHON = sys.executable


class Tap:
    def __init__(self):
        self.n = 0

    def ok(self, cond, name, diag=None):
        self.n += 1
        print(f"{'ok' if cond else 'not ok'} {self.n} - {name}", flush=True)
        if not cond and diag:
            for line in str(diag).splitlines()[:60]:
                print(f"# {line}", flush=True)
        return cond

    def skip(self, name, why):
        self.n += 1
        print(f"ok {self.n} - {name} # SKIP {why}", flush=True)

    def done(self):
        print(f"1..{self.n}", flush=True)
        return 0


def scratch(prefix):
    """A scratch directory outside /tmp: the tree may be under /tmp, which lambda-base allows."""
    return tempfile.mkdtemp(prefix=prefix, dir="/var/tmp")


def clean_env(extra=None):
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("FNGUARD_") and k not in ("LD_PRELOAD", "TMPDIR")}
    e["FNGUARD_PROFILE_PATH"] = os.path.join(SOURCE, "profiles")
    if extra:
        e.update(extra)
    return e


class Result:
    def __init__(self, rc, stdout, stderr, log):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.log = log
        self.events = []
        for line in log.splitlines():
            try:
                self.events.append(json.loads(line))
            except ValueError:
                pass

    def of_type(self, t):
        return [e for e in self.events if e.get("type") == t]

    def diag(self):
        return (f"rc={self.rc}\nstdout={self.stdout[-1500:]}\nstderr={self.stderr[-3000:]}\n"
                f"log tail=\n{self.log[-3000:]}")


def fnguard(args, cwd, env=None, timeout=120):
    """Runs the fnguard CLI with its events (the shim's) on a separate file (fd:N)."""
    with tempfile.TemporaryFile() as log:
        fd = log.fileno()
        os.set_inheritable(fd, True)
        e = clean_env(env)
        e["FNGUARD_LOG"] = f"fd:{fd}"
        p = subprocess.run([FNGUARD] + args, env=e, cwd=cwd, capture_output=True,
                           timeout=timeout, pass_fds=(fd,))
        log.seek(0)
        text = log.read().decode("utf-8", "replace")
    return Result(p.returncode, p.stdout.decode("utf-8", "replace"),
                  p.stderr.decode("utf-8", "replace"), text)


def record(out, cmd, cwd, options=(), env=None):
    return fnguard(["record", "-o", out, *options, "--"] + cmd, cwd, env)


def enforce(profile, cmd, cwd, env=None):
    return fnguard(["run", "--profile", profile, "--mode", "enforce", "--"] + cmd, cwd, env)


class Server:
    """An HTTP server on 127.0.0.1, port 0 (a new ephemeral port each time), in this process:
    outside the traced or recorded tree, like the services a function calls."""

    def __init__(self, body=b"pong\n", host="127.0.0.1"):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def violations(result):
    return [e for e in result.events if e.get("type") == "violation"]


def write(path, text, mode=0o644):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def cloudwatch_exports(log_text, directory):
    """The fnguard lines of a recording as CloudWatch hands them back: the
    `aws logs filter-log-events --output json` document, Lambda's text
    format (timestamp, request id, message), JSON lines with the event in
    "@message" (Logs Insights), and a Logs Insights CSV export. Lines that
    are not fnguard's stay in, as they would in a real log group."""
    lines = [l for l in log_text.splitlines() if l.strip()]
    doc = {"events": [{"logStreamName": "2026/11/22/[$LATEST]0123456789abcdef",
                       "timestamp": 1795000000000 + i, "message": l + "\n",
                       "ingestionTime": 1795000000100 + i, "eventId": str(i)}
                      for i, l in enumerate(lines)],
           "searchedLogStreams": []}
    doc["events"].insert(0, {"message": "START RequestId: 8f5c Version: $LATEST\n",
                             "timestamp": 1795000000000})
    paths = {}
    paths["filter-log-events"] = write(os.path.join(directory, "export.json"),
                                       json.dumps(doc, indent=2))
    paths["text"] = write(os.path.join(directory, "export.txt"),
                          "".join(f"2026-11-22T02:40:00.{i % 1000:03d}Z\t8f5c-{i}\t{l}\n"
                                  for i, l in enumerate(lines)))
    paths["insights-json-lines"] = write(
        os.path.join(directory, "export.jsonl"),
        "".join(json.dumps({"@timestamp": "2026-11-22 02:40:00.000", "@message": l}) + "\n"
                for l in lines))
    csv = ["@timestamp,@message"]
    for l in lines:
        csv.append('2026-11-22 02:40:00.000,"' + l.replace('"', '""') + '"')
    paths["insights-csv"] = write(os.path.join(directory, "export.csv"), "\n".join(csv) + "\n")
    return paths


def rmtree(path):
    shutil.rmtree(path, ignore_errors=True)
