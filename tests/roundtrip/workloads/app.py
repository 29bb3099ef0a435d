# SPDX-License-Identifier: MIT
"""A function-like workload for the round trips: reads its configuration,
writes under /tmp (a random temporary directory and a pid-named file), runs
a command, calls an HTTP service on loopback. Given "different" it then
also reads a file, runs a command and connects to a host it never did."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def normal(port):
    with open(os.path.join(HERE, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "result.txt")
        with open(out, "w", encoding="utf-8") as f:
            f.write(config["greeting"])
        with open(out, encoding="utf-8") as f:
            data = f.read()
    scratch = f"/tmp/fnguard-rt-{os.getpid()}.log"
    with open(scratch, "w", encoding="utf-8") as f:
        f.write("log\n")
    os.unlink(scratch)
    echo = subprocess.run(["/bin/echo", "hello", data], capture_output=True, text=True,
                          check=True).stdout.strip()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
        body = r.read().decode().strip()
    return {"echo": echo, "body": body}


def different(other_port):
    results = {}
    try:
        with open(os.path.join(HERE, "secret.txt"), encoding="utf-8") as f:
            results["file"] = f.read().strip()
    except OSError as e:
        results["file"] = e.strerror
    try:
        subprocess.run(["/usr/bin/id"], capture_output=True, check=False)
        results["command"] = "ran"
    except OSError as e:
        results["command"] = e.strerror
    try:
        socket.create_connection(("127.0.0.2", other_port), timeout=2).close()
        results["host"] = "connected"
    except OSError as e:
        results["host"] = e.strerror
    return results


if __name__ == "__main__":
    print(json.dumps(normal(int(sys.argv[1]))), flush=True)
    if len(sys.argv) > 3 and sys.argv[2] == "different":
        print(json.dumps(different(int(sys.argv[3]))), flush=True)
