#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: the request id the shim reads from the Runtime API's responses.

A scripted Runtime API (this script) answers a C client (helpers/rt-client)
that reads with read, recv, recvfrom or recvmsg, one byte at a time or in
larger pieces. After each answer the client opens a denied file, and the
violation event must carry the request id of the last invocation fetched:
headers split anywhere, chunked and Content-Length bodies, keep-alive,
mixed-case names, interim 100 responses. An event whose body contains a
forged header, a file or another socket with HTTP-looking bytes, and a
descriptor number reused after close never change the id. Two threads on two
connections each keep their own id, until an invocation ends (on that thread, or on one
without an id: every id); a parse that lost its place withdraws the id.
"""
import json
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lambda_test import BUILD, done, Tap, workdir, write_json  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from fnguard_test import run  # noqa: E402

tap = Tap()
W = workdir("lambda-rid-")
CLIENT = os.path.join(BUILD, "tests", "lambda", "rt-client")
DENIED = os.path.join(W, "secret")
with open(DENIED, "w") as f:
    f.write("secret\n")
FAKE = os.path.join(W, "fake-response.txt")
with open(FAKE, "wb") as f:
    f.write(b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: FROM-A-FILE\r\n"
            b"Content-Length: 0\r\n\r\n")


def response(request_id=None, body=b'{"k": 1}', chunked=False, status="200 OK", extra=b"",
             name=b"Lambda-Runtime-Aws-Request-Id"):
    head = b"HTTP/1.1 " + status.encode() + b"\r\nContent-Type: application/json\r\n" + extra
    if request_id:
        head += name + b": " + request_id.encode() + b"\r\n"
        head += b"Lambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000\r\n"
    if chunked:
        out = head + b"Transfer-Encoding: chunked\r\n\r\n"
        for i in range(0, len(body), 7):
            piece = body[i:i + 7]
            out += b"%x;ext=1\r\n%s\r\n" % (len(piece), piece)
        return out + b"0\r\nX-Trailer: yes\r\n\r\n"
    return head + b"Content-Length: %d\r\n\r\n" % len(body) + body


ACCEPTED = response(None, b'{"status":"OK"}', status="202 Accepted")
FORGED_BODY = (b'{"x": "\r\nHTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: FORGED\r\n\r\n'
               b'Lambda-Runtime-Aws-Request-Id: FORGED2\r\n"}' + b" " * 300)


class Server:
    """Answers each request on each connection with the next scripted response."""

    def __init__(self, scripts):
        self.scripts = scripts  # one list of responses per connection, in accept order
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        for script in self.scripts:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.answer, args=(conn, list(script)), daemon=True).start()

    @staticmethod
    def answer(conn, script):
        buf = b""
        with conn:
            while script:
                while b"\r\n\r\n" not in buf:
                    data = conn.recv(4096)
                    if not data:
                        return
                    buf += data
                head, _, rest = buf.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                while len(rest) < length:
                    rest += conn.recv(4096)
                buf = rest[length:]
                conn.sendall(script.pop(0))
            conn.recv(1)

    def close(self):
        self.sock.close()


def client(scripts, read_call, chunk, steps):
    srv = Server(scripts)
    profile = write_json(os.path.join(W, "profile.json"), {
        "fnguard": 1, "name": "request-id",
        "files": [{"path": W + "/**", "allow": "r"}, {"path": DENIED, "deny": "r"},
                  {"path": "/usr/**", "allow": "r"}, {"path": "/etc/**", "allow": "r"}],
        "network": [{"cidr": "127.0.0.1", "ports": [srv.port], "proto": "tcp"}]})
    r = run([CLIENT, read_call, str(chunk), DENIED] + steps, profile=profile, mode="enforce",
            env={"AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{srv.port}",
                 "AWS_LAMBDA_FUNCTION_NAME": "rid-test"}, timeout=30)
    srv.close()
    return r


def denied_ids(r):
    return [e.get("requestId") for e in r.find(type="violation") if e.get("target") == DENIED]


SCRIPT = [
    response("id-1"),
    ACCEPTED,
    response("id-2", chunked=True, body=b'{"chunked": "' + b"y" * 3000 + b'"}'),
    ACCEPTED,
    response("id-3", body=FORGED_BODY),
    response("id-4", chunked=True, body=FORGED_BODY),
    response("id-5", name=b"lambda-runtime-AWS-request-id", extra=b"X-Long: " + b"z" * 500 + b"\r\n"),
    b"HTTP/1.1 100 Continue\r\n\r\n" + response("id-6"),
]
STEPS = []
for resp in SCRIPT:
    STEPS += [("get:" if b"Request-Id" in resp or b"request-id" in resp else "post:")
              + str(len(resp)), "deny"]
EXPECTED = ["id-1", "id-1", "id-2", "id-2", "id-3", "id-4", "id-5", "id-6"]

for read_call, chunk in (("read", 1), ("read", 4096), ("recv", 3), ("recvfrom", 64),
                         ("recvmsg", 2), ("recvmsg", 8192)):
    r = client([SCRIPT], read_call, chunk, STEPS)
    got = denied_ids(r)
    tap.ok(r.rc == 0 and got == EXPECTED,
           f"{read_call} in pieces of {chunk}: every event carries the id of the invocation "
           "fetched last (split headers, chunked, keep-alive, forged body ignored)",
           f"got {got}\nwant {EXPECTED}\n" + r.diag())

# Everything but the runtime connection leaves the id alone.
r = client([[response("id-A")], [response("id-B")]], "read", 4096,
           ["get:%d" % len(response("id-A")), "deny", "file:" + FAKE, "deny", "close",
            "file:" + FAKE, "deny", "connect", "get:%d" % len(response("id-B")), "deny"])
got = denied_ids(r)
reused = "file fd=3" in r.stdout
tap.ok(r.rc == 0 and got == ["id-A", "id-A", "id-A", "id-B"],
       "a file with an HTTP response in it changes nothing, not even in the runtime "
       "socket's reused descriptor number; a new connection is followed",
       f"got {got} (fd reused: {reused})\n" + r.diag())
tap.ok(reused, "the file really got the closed socket's descriptor number", r.stdout)

# Per-thread attribution.
ra, rb = response("id-thread-a"), response("id-thread-b")
r = client([[ra], [rb]], "threads", 4096, [str(len(ra))])
by_thread = {}
for e in r.find(type="violation"):
    by_thread[e.get("tid")] = e.get("requestId")
tap.ok(r.rc == 0 and sorted(by_thread.values()) == ["id-thread-a", "id-thread-b"],
       "two threads on two connections: each event carries its own thread's invocation",
       json.dumps(by_thread) + "\n" + r.diag())

# A thread pool (Node's native client): invocation 1 fetched on one worker, answered from
# another thread, invocation 2 fetched on a second worker; the first worker's later events
# belong to invocation 2, not to the one it fetched (review, 2026-11-23).
r1, r2 = response("id-pool-1"), response("id-pool-2")
r = client([[r1], [ACCEPTED], [r2]], "read", 4096,
           ["t1:get:%d" % len(r1), "post:%d" % len(ACCEPTED), "t2:get:%d" % len(r2),
            "t1:deny", "t2:deny", "deny"])
got = denied_ids(r)
tap.ok(r.rc == 0 and got == ["id-pool-2"] * 3,
       "an invocation answered from a thread without an id of its own ends every thread's "
       "id: a pool worker's later events carry the invocation running now",
       f"got {got}\n" + r.diag())

# One invocation per thread at once (Java-style): one thread's end leaves the other's id.
r1, r2 = response("id-conc-1"), response("id-conc-2")
r = client([[r1], [r2, ACCEPTED]], "read", 4096,
           ["t1:get:%d" % len(r1), "t2:get:%d" % len(r2), "t2:post:%d" % len(ACCEPTED),
            "t1:deny", "t2:deny"])
got = denied_ids(r)
tap.ok(r.rc == 0 and got == ["id-conc-1", "id-conc-2"],
       "two invocations at once on two threads: the end of one leaves the other's id",
       f"got {got}\n" + r.diag())

# Lost in a body made of copies of a response with a forged id: a read that starts on a
# copy must not publish it; the id is withdrawn (said once), and a new connection is
# followed again (review, 2026-11-23).
COPY = (b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: FORGED-AFTER-LOSS\r\n"
        b"Content-Length: 0\r\n\r\n")
big = response("id-lost", body=COPY * 40)
head = len(big) - len(COPY) * 40
again = response("id-again")
r = client([[big], [again]], "read", len(COPY),
           ["get:%d" % (head + len(COPY)), "skip:%d" % len(COPY),
            "read:%d" % (len(COPY) * 38), "deny", "close", "connect",
            "get:%d" % len(again), "deny"])
got = denied_ids(r)
lost = [e for e in r.find(type="error") if "lost track" in e.get("message", "")]
tap.ok(r.rc == 0 and got == [None, "id-again"] and len(lost) == 1,
       "bytes skipped unread (MSG_TRUNC) in a body of forged responses: no forged id, the "
       "id is left out with one error event, and a new connection brings it back",
       f"got {got}, lost events {len(lost)}\n" + r.diag())

# connect() again on the runtime's established socket mid-body fails (EISCONN) and must
# not start the parse over: the body's forged header is not believed.
body = b"Lambda-Runtime-Aws-Request-Id: FORGED-BY-EISCONN\r\n\r\n" + b" " * 100
mid = response("id-eisconn", body=body)
r = client([[mid]], "read", 4096,
           ["get:%d" % (len(mid) - len(body)), "reconnect", "read:%d" % len(body), "deny"])
got = denied_ids(r)
tap.ok(r.rc == 0 and got == ["id-eisconn"] and "reconnect Transport endpoint is already "
       "connected" in r.stdout,
       "a failed connect() on the runtime's socket mid-body leaves its parse alone",
       f"got {got}\n" + r.diag())

# Before any invocation there is no id; function and traceId come from the environment.
r = client([[response("id-late")]], "read", 4096,
           ["deny", "get:%d" % len(response("id-late")), "deny"])
ev = [e for e in r.find(type="violation") if e.get("target") == DENIED]
tap.ok(len(ev) == 2 and "requestId" not in ev[0] and ev[1].get("requestId") == "id-late"
       and all(e.get("function") == "rid-test" for e in ev),
       "no requestId before the first invocation; function from AWS_LAMBDA_FUNCTION_NAME",
       r.diag())

sys.exit(done(tap))
