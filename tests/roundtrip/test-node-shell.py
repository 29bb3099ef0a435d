#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: record -> enforce round trips of a Node.js workload (files, /tmp, a
child process, HTTP to a loopback server) and of a shell pipeline: the
same workload under the learned profile gives the same output and no
violation event."""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rt  # noqa: E402

WORKLOADS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "workloads")


def round_trip(tap, what, work, cmd_for, server=True, options=()):
    profile = os.path.join(work, "profile.json")
    srv = rt.Server() if server else None
    rec = rt.record(profile, cmd_for(srv), work, options)
    if srv:
        srv.close()
    tap.ok(rec.rc == 0 and os.path.exists(profile), f"{what}: record exits 0", rec.diag())
    check = subprocess.run([rt.FNGUARD, "check", profile], capture_output=True, text=True)
    tap.ok(check.returncode == 0, f"{what}: the learned profile checks", check.stderr)
    tap.ok("not allowed by the learned profile" not in rec.stderr,
           f"{what}: everything observed is allowed by the generalised profile", rec.stderr)
    for attempt in range(2):
        srv = rt.Server() if server else None
        again = rt.enforce(profile, cmd_for(srv), work)
        if srv:
            srv.close()
        tap.ok(again.rc == 0 and again.stdout == rec.stdout and rec.stdout.strip(),
               f"{what}: enforce run {attempt + 1} gives the same output",
               f"recorded={rec.stdout!r}\n{again.diag()}")
        tap.ok(not rt.violations(again), f"{what}: enforce run {attempt + 1}: zero violations",
               "\n".join(json.dumps(v) for v in rt.violations(again)) + "\n" +
               open(profile).read()[:3000])
    return rt.load(profile)


def main():
    tap = rt.Tap()
    node = shutil.which("node") or shutil.which("nodejs")
    work = rt.scratch("fnguard-rt-node-")
    try:
        if not node:
            tap.skip("node round trip", "node is not installed")
        else:
            shutil.copy(os.path.join(WORKLOADS, "app.js"), work)
            rt.write(os.path.join(work, "config.json"), '{"greeting": "hi from node"}')
            # Node reads its own binary at start, but not every time: the runtime's
            # files are the runtime's profile's business (as the shipped nodejs one does).
            runtime = rt.write(os.path.join(work, "node-runtime.json"), json.dumps(
                {"fnguard": 1, "files": [{"path": os.path.realpath(node), "allow": "r"}]}))
            learned = round_trip(tap, "node", work,
                                 lambda s: [node, os.path.join(work, "app.js"), str(s.port)],
                                 options=["--extends", runtime])
            text = json.dumps(learned)
            tap.ok("32768-60999" in text and "/tmp/rt-*" in text,
                   "node: the server port and mkdtemp's name are generalised", text[:3000])
    finally:
        rt.rmtree(work)

    work = rt.scratch("fnguard-rt-sh-")
    try:
        shutil.copy(os.path.join(WORKLOADS, "pipeline.sh"), work)
        rt.write(os.path.join(work, "words.txt"),
                 "\n".join(["Alpha", "beta", "alpha", "Gamma", "beta", "alpha"]) + "\n")
        learned = round_trip(tap, "shell", work,
                             lambda s: ["/bin/sh", os.path.join(work, "pipeline.sh")],
                             server=False)
        progs = sorted({os.path.basename(e["path"]) for e in learned.get("exec", [])})
        tap.ok({"cat", "sort", "uniq", "tr", "head", "wc", "cut", "grep", "rm"} <= set(progs),
               "shell: every command of the pipeline is learned", str(progs))
        # The loop ran grep with two different words: one rule, the word generalised.
        greps = [e for e in learned.get("exec", []) if e["path"].endswith("/grep")]
        tap.ok(len(greps) == 1 and greps[0].get("argv") == ["grep", "-c", "*", "words.txt"],
               "shell: arguments that varied became '*'", json.dumps(greps))
    finally:
        rt.rmtree(work)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
