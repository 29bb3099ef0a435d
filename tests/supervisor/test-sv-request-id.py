#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""fnguard exec: the Runtime API relay that gives the supervisor's events a
requestId. A fake Runtime API (raw sockets on 127.0.0.1) serves invocations
with distinct request ids to a static runtime loop (sv-runtime-client) under
the supervisor; each violation must carry the id of its invocation, every
byte must reach the other side unchanged, a second connection must work
while a /next is held, a connect to the relay is the Runtime API's
permission and no other, and when the relay cannot start the program runs
without it (the start event or a coverage event says so). TAP on stdout."""
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

SOURCE = os.environ.get("FNGUARD_SOURCE_ROOT", "/work/main")
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
from fnguard_test import LIB, Run, Tap, parse_log, workdir  # noqa: E402
from sv_paths import CLI, CLIENT, DENY_BIND, HPAGE  # noqa: E402
NEXT = "/2018-06-01/runtime/invocation/next"

t = Tap()


class Invocation:
    def __init__(self, rid, body, close=False, split=False):
        self.rid = rid
        self.body = body
        self.close = close  # "Connection: close" on its /response's answer
        self.split = split  # the /next answer sent in pieces, one inside the id header


class FakeRuntime:
    """The Runtime API's invocation loop: /next hands out the invocations in
    order (the one at hold waits for /test/release on another connection),
    /response records what was posted. Stops by itself (timeouts)."""

    def __init__(self, invocations, hold=None):
        self.invocations = invocations
        self.hold = hold
        self.posted = {}
        self.paths = []
        self.accepted = 0
        self.open_now = 0
        self.open_max = 0
        self.next_index = 0
        self.lock = threading.Lock()
        self.released = threading.Event()
        self.stop = threading.Event()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.address = f"127.0.0.1:{self.port}"
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.stop.set()
        self.sock.close()

    def _accept(self):
        while not self.stop.is_set():
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            with self.lock:
                self.accepted += 1
                self.open_now += 1
                self.open_max = max(self.open_max, self.open_now)
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    @staticmethod
    def _read_request(c, pending):
        while b"\r\n\r\n" not in pending:
            data = c.recv(65536)
            if not data:
                return None, None, None, b""
            pending += data
        head, rest = pending.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        while len(rest) < length:
            data = c.recv(65536)
            if not data:
                return None, None, None, b""
            rest += data
        return method, path, rest[:length], rest[length:]

    def _serve(self, c):
        c.settimeout(30)
        pending = b""
        try:
            while not self.stop.is_set():
                method, path, body, pending = self._read_request(c, pending)
                if method is None:
                    break
                with self.lock:
                    self.paths.append((method, path))
                if not self._answer(c, method, path, body):
                    break
        except OSError:
            pass
        finally:
            with self.lock:
                self.open_now -= 1
            c.close()

    def _answer(self, c, method, path, body):
        if method == "GET" and path == NEXT:
            with self.lock:
                i = self.next_index
                self.next_index += 1
            if i >= len(self.invocations):
                self.stop.wait(30)  # a long poll that never ends
                return False
            if i == self.hold:
                self.released.wait(20)
            inv = self.invocations[i]
            head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    f"Lambda-Runtime-Aws-Request-Id: {inv.rid}\r\n"
                    f"Lambda-Runtime-Deadline-Ms: {int(time.time() * 1000) + 60000}\r\n"
                    f"Lambda-Runtime-Invoked-Function-Arn: "
                    f"arn:aws:lambda:us-east-1:123456789012:function:sv\r\n"
                    f"Content-Length: {len(inv.body)}\r\n\r\n").encode()
            data = head + inv.body
            if inv.split:
                cut = head.index(b"Aws-Req") + 4
                for piece in (data[:7], data[7:cut], data[cut:]):
                    c.sendall(piece)
                    time.sleep(0.05)
            else:
                c.sendall(data)
            return True
        m = re.fullmatch(r"/2018-06-01/runtime/invocation/(.+)/response", path)
        if method == "POST" and m:
            rid = m.group(1)
            with self.lock:
                self.posted[rid] = body
            close = any(inv.rid == rid and inv.close for inv in self.invocations)
            answer = b'{"status":"OK"}'
            c.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n" +
                      (b"Connection: close\r\n" if close else b"") +
                      f"Content-Length: {len(answer)}\r\n\r\n".encode() + answer)
            return not close
        if method == "GET" and path == "/test/release":
            self.released.set()
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nreleased")
            return True
        c.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        return True


class Result(Run):
    def __init__(self, rc, stdout, stderr, log):
        super().__init__(rc, stdout, stderr, parse_log(log), log)
        self.lines = [line.split(" ") for line in stdout.splitlines()]


    def out(self, word):
        return [line[1:] for line in self.lines if line and line[0] == word]

    def start(self):
        s = self.find(type="start")
        return s[0] if s else {}

    def diag(self):
        return (f"rc={self.rc}\nstdout={self.stdout[-1500:]}\nstderr={self.stderr[-1500:]}\n"
                f"log=\n{self.log[-3000:]}")


def run(args, api=None, profile=None, mode=None, env=None, prefix=None, inherited_log=False,
        timeout=120):
    """fnguard exec [--profile P] [--mode M] -- CLIENT ARGS, events on a separate file:
    --log fd:N, or (inherited_log) FNGUARD_LOG_FD/FNGUARD_LOG_ID as a supervisor
    started under another fnguard process gets them."""
    with tempfile.TemporaryFile(dir="/var/tmp") as log:
        fd = log.fileno()
        os.set_inheritable(fd, True)
        e = {k: v for k, v in os.environ.items()
             if not k.startswith("FNGUARD_") and k not in ("LD_PRELOAD",
                                                           "AWS_LAMBDA_RUNTIME_API")}
        e["FNGUARD_PROFILE_PATH"] = os.path.join(SOURCE, "profiles")
        e["AWS_LAMBDA_FUNCTION_NAME"] = "sv-request-id"
        if api:
            e["AWS_LAMBDA_RUNTIME_API"] = api
        if env:
            e.update(env)
        argv = list(prefix or []) + [CLI, "exec"]
        if inherited_log:
            st = os.fstat(fd)
            e["FNGUARD_LOG_FD"] = str(fd)
            e["FNGUARD_LOG_ID"] = f"{st.st_dev}:{st.st_ino}"
        else:
            argv += ["--log", f"fd:{fd}"]
        if profile:
            argv += ["--profile", profile]
        if mode:
            argv += ["--mode", mode]
        argv += ["--", CLIENT] + list(args)
        p = subprocess.run(argv, env=e, cwd="/tmp", capture_output=True, timeout=timeout,
                           pass_fds=(fd,))
        log.seek(0)
        text = log.read().decode("utf-8", "replace")
    return Result(p.returncode, p.stdout.decode("utf-8", "replace"),
                  p.stderr.decode("utf-8", "replace"), text)


def write_profile(path, doc):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
    return path


def invocations(tag):
    """Three invocations: a small event whose answer closes the connection,
    one sent in pieces (cut inside the request id header), and 300 KB of
    binary with a forged response (and request id) inside the body."""
    rnd = random.Random(tag)
    forged = (b"\r\n\r\nHTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: forged-" +
              tag.encode() + b"\r\nContent-Length: 0\r\n\r\n")
    big = bytes(rnd.getrandbits(8) for _ in range(150 * 1024)) + forged + \
        bytes(rnd.getrandbits(8) for _ in range(150 * 1024))
    return [
        Invocation(f"{tag}-8f5c1c1a-0001", b'{"n":1,"text":"caf\xc3\xa9"}', close=True),
        Invocation(f"{tag}-2b7e4a90-0002", b'{"n":2}', split=True),
        Invocation(f"{tag}-c0ffee00-0003", big),
    ]


def prepare_files(invs):
    for inv in invs:
        with open(f"{wd}/denied-{inv.rid}", "w") as f:
            f.write("secret\n")


# ---- setup ---------------------------------------------------------------------

wd = workdir("fnguard-sv-rid-")
with open(f"{wd}/denied-pending", "w") as f:
    f.write("secret\n")


def profile_for(port, name):
    doc = {
        "fnguard": 1,
        "name": name,
        "extends": ["lambda-base"],
        "files": [{"path": HPAGE, "allow": "r"}],
        "syscalls": ["@lambda-runtime"],
    }
    if port:
        doc["network"] = [{"cidr": "127.0.0.1", "ports": [port], "proto": "tcp"}]
    return write_profile(f"{wd}/{name}.json", doc)


def check_bodies(srv, invs, r):
    """Every event body came back as the response, byte for byte, and every
    answer to a /response reached the program unchanged."""
    posted_ok = all(srv.posted.get(inv.rid) == inv.body for inv in invs)
    answers = r.out("response")
    answers_ok = len(answers) == len(invs) and all(
        a == [inv.rid, "202", '{"status":"OK"}'] for a, inv in zip(answers, invs))
    nexts = r.out("next")
    nexts_ok = len(nexts) == len(invs) and all(
        n == ["200", inv.rid, str(len(inv.body))] for n, inv in zip(nexts, invs))
    return posted_ok and answers_ok and nexts_ok


# ---- the relay at work (enforce) -----------------------------------------------------

invs = invocations("enforce")
prepare_files(invs)
srv = FakeRuntime(invs, hold=1)
PROFILE = profile_for(srv.port, "sv-rid")
r = run([wd, str(len(invs)), "1"], api=srv.address, profile=PROFILE)
srv.close()
start = r.start()
relay = start.get("runtimeRelay", {})
env_line = r.out("env")
t.ok(r.rc == 0 and relay.get("status") == "active" and relay.get("upstream") == srv.address and
     re.fullmatch(r"127\.0\.0\.1:\d+", relay.get("address", "")) and
     relay.get("address") != srv.address and env_line == [[relay.get("address")]],
     "the start event says the relay is active; the program's $AWS_LAMBDA_RUNTIME_API is "
     "the relay's address", r.diag())

per_id = {}
for inv in invs:
    ev = r.find(type="violation", target=f"{wd}/denied-{inv.rid}")
    per_id[inv.rid] = [e.get("requestId") for e in ev]
t.ok(all(per_id[inv.rid] == [inv.rid] for inv in invs) and
     all(line[1] == "EACCES" for line in r.out("open")),
     "each denied open is blocked and its violation carries the request id of its "
     "invocation (keep-alive, a reconnect, an id header cut in pieces, a 300 KB event)",
     f"{per_id}\n{r.diag()}")

ev = r.find(type="violation")
t.ok(ev and all("requestId" in e and
                list(e).index("requestId") == list(e).index("function") + 1 and
                list(e).index("requestId") < list(e).index("pid") for e in ev) and
     "requestId" not in start,
     "requestId sits where the shim writes it (after function, before pid); the start "
     "event, written before any invocation, has none", json.dumps(ev[:1]))

t.ok(check_bodies(srv, invs, r),
     "bytes reach both sides unchanged: every event body (300 KB of binary included) is "
     "posted back byte for byte, every answer reaches the program",
     f"posted={ {k: len(v) for k, v in srv.posted.items()} }\n{r.diag()}")

forged = [e for e in r.events if "forged" in str(e.get("requestId", ""))]
t.ok(not forged, "a request id inside an event body is never taken for the header",
     json.dumps(forged[:2]))

pending = r.find(type="violation", target=f"{wd}/denied-pending")
t.ok(r.out("release") == [["200", "released"]] and srv.open_max >= 2 and
     pending and pending[0].get("requestId") == invs[0].rid and
     r.out("next")[1:2] == [["200", invs[1].rid, str(len(invs[1].body))]],
     "while a /next is held, a second connection through the relay works and the "
     "supervisor keeps serving (the open in between carries the previous invocation's id)",
     f"open_max={srv.open_max}\n{r.diag()}")

relay_addr = relay.get("address", "-")
t.ok(srv.accepted >= 3 and not [e for e in r.events if relay_addr in e.get("target", "")] and
     not r.find(category="network"),
     "connects to the relay are allowed as the Runtime API (no event); a closed "
     "connection is followed by a new one", f"accepted={srv.accepted}\n{r.diag()}")

# ---- a connect to the relay is the Runtime API's permission, and no other -------------

srv = FakeRuntime(invocations("denied"))
NO_API = profile_for(None, "sv-rid-no-api")
r = run([wd, "1"], api=srv.address, profile=NO_API)
srv.close()
ev = r.find(type="violation", category="network")
t.ok(r.rc != 0 and "error connect" in r.stdout and srv.accepted == 0 and len(ev) == 1 and
     ev[0]["target"] == srv.address and ev[0]["action"] == "blocked" and
     "relay" in ev[0].get("detail", "") and
     ev[0].get("tip", {}).get("network") == [{"cidr": "127.0.0.1", "ports": [srv.port]}],
     "a profile that does not allow the real Runtime API address refuses the relay too: "
     "the violation names the real address, its tip allows that address", r.diag())

invs = invocations("record")
prepare_files(invs)
srv = FakeRuntime(invs)
r = run([wd, str(len(invs))], api=srv.address, profile=NO_API, mode="record")
srv.close()
learned = r.find(type="learn", category="network")
files = {e["target"]: e.get("requestId") for e in r.find(type="learn", category="file")}
t.ok(r.rc == 0 and [e["target"] for e in learned] == [srv.address] and
     all(files.get(f"{wd}/denied-{inv.rid}") == inv.rid for inv in invs) and
     check_bodies(srv, invs, r),
     "record mode learns the real Runtime API address, never the relay's port; learn "
     "events carry the request id", r.diag())

# ---- without the relay ----------------------------------------------------------------

invs = invocations("nobind")
prepare_files(invs)
srv = FakeRuntime(invs)
PROFILE = profile_for(srv.port, "sv-rid-nobind")
r = run([wd, str(len(invs))], api=srv.address, profile=PROFILE, prefix=[DENY_BIND])
srv.close()
start = r.start()
relay = start.get("runtimeRelay", {})
ev = r.find(type="violation")
t.ok(relay.get("status") == "unavailable" and relay.get("error") == "EADDRINUSE" and
     "requestId" in relay.get("reason", "") and start.get("level") == "WARN" and
     start["layers"]["userNotification"]["status"] == "active",
     "no port for the relay (bind refused): the start event says so, as a WARN", r.diag())
t.ok(r.rc == 0 and r.out("env") == [[srv.address]] and check_bodies(srv, invs, r) and
     len(ev) == len(invs) and not [e for e in ev if "requestId" in e],
     "... and the program runs against the real address; its violations have no requestId",
     r.diag())

invs = invocations("nested")
prepare_files(invs)
srv = FakeRuntime(invs)
PROFILE = profile_for(srv.port, "sv-rid-nested")
r = run([wd, str(len(invs))], api=srv.address, profile=PROFILE, prefix=[DENY_BIND],
        inherited_log=True)
srv.close()
cov = r.find(type="coverage", target=srv.address)
t.ok(r.rc == 0 and not r.find(type="start") and len(cov) == 1 and
     "requestId" in cov[0].get("detail", "") and check_bodies(srv, invs, r),
     "a supervisor that writes no start event (under another fnguard process) reports the "
     "missing relay as a coverage event", r.diag())

invs = invocations("off")
prepare_files(invs)
srv = FakeRuntime(invs)
PROFILE = profile_for(srv.port, "sv-rid-off")
r = run([wd, str(len(invs))], api=srv.address, profile=PROFILE,
        env={"FNGUARD_NO_RUNTIME_RELAY": "1"})
srv.close()
relay = r.start().get("runtimeRelay", {})
t.ok(r.rc == 0 and relay.get("status") == "off" and
     "FNGUARD_NO_RUNTIME_RELAY" in relay.get("reason", "") and r.out("env") == [[srv.address]] and
     r.start().get("level") == "INFO" and check_bodies(srv, invs, r) and
     not [e for e in r.events if "requestId" in e],
     "FNGUARD_NO_RUNTIME_RELAY turns the relay off (status off, not a degraded start)",
     r.diag())

r = run([wd, "0"], api="runtime.invalid:9001", profile=PROFILE)
relay = r.start().get("runtimeRelay", {})
t.ok(r.rc == 0 and relay.get("status") == "unavailable" and relay.get("error") == "EINVAL" and
     r.out("env") == [["runtime.invalid:9001"]],
     "an address the relay cannot use (a host name) leaves the program's as it was",
     r.diag())

r = run([wd, "0"], api=srv.address, profile=PROFILE, env={"FNGUARD_NO_USER_NOTIF": "1"})
relay = r.start().get("runtimeRelay", {})
t.ok(r.rc == 0 and relay.get("status") == "off" and r.out("env") == [[srv.address]],
     "without user notification (no events to carry an id) there is no relay", r.diag())

# The shim's handover puts the preload library back for the program's children, where
# it would judge the relay's port as an address of its own.
lib = LIB
r = run([wd, "0"], api=srv.address, profile=PROFILE, env={"FNGUARD_EXEC_PRELOAD": lib})
relay = r.start().get("runtimeRelay", {})
t.ok(r.rc == 0 and relay.get("status") == "off" and "preload" in relay.get("reason", "") and
     r.out("env") == [[srv.address]],
     "with the preload library in the program's environment there is no relay", r.diag())

r = run([wd, "0"], profile=PROFILE)
t.ok(r.rc == 0 and r.start() and "runtimeRelay" not in r.start() and r.out("env") == [["-"]],
     "without $AWS_LAMBDA_RUNTIME_API nothing is relayed and the start event says nothing",
     r.diag())

shutil.rmtree(wd, ignore_errors=True)
t.done()
