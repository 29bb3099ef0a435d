#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: record a Python workload (files, /tmp, a subprocess, HTTP to a
loopback server), enforce the learned profile on the same workload (same
output, no violation), then on a different behaviour (exactly the expected
violations); and `fnguard learn` from the recording's log, in every
CloudWatch form, gives the same profile as `record`."""
import filecmp
import json
import os
import shlex
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rt  # noqa: E402

WORKLOADS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "workloads")


def main():
    tap = rt.Tap()
    work = rt.scratch("fnguard-rt-py-")
    try:
        shutil.copy(os.path.join(WORKLOADS, "app.py"), work)
        rt.write(os.path.join(work, "config.json"), '{"greeting": "hello from the round trip"}')
        rt.write(os.path.join(work, "secret.txt"), "not for the function\n")
        profile = os.path.join(work, "profile.json")
        cmd = [rt.PYTHON, os.path.join(work, "app.py")]

        server = rt.Server()
        rec = rt.record(profile, cmd + [str(server.port)], work, ["--name", "rt-python"])
        server.close()
        tap.ok(rec.rc == 0 and os.path.exists(profile), "record exits 0 and writes the profile",
               rec.diag())
        learned = rt.load(profile)
        tap.ok(learned.get("name") == "rt-python", "the profile has the given name")
        check = subprocess.run([rt.FNGUARD, "check", profile], capture_output=True, text=True)
        tap.ok(check.returncode == 0, "fnguard check accepts the learned profile", check.stderr)
        tap.ok("not allowed by the learned profile" not in rec.stderr,
               "the completeness check finds everything observed allowed", rec.stderr)
        rules = learned.get("files", []) + learned.get("network", []) + learned.get("exec", [])
        tap.ok(rules and all("seen" in r and r.get("phase") == "init" for r in rules),
               "every rule carries seen and phase (init: no invocation)",
               json.dumps(learned, indent=1)[:3000])
        text = json.dumps(learned)
        tmp = [r["path"] for r in learned.get("files", []) if r["path"].startswith("/tmp/")]
        tap.ok(tmp and all("*" in p for p in tmp) and any(p.startswith("/tmp/tmp*/") for p in tmp),
               "per-run names under /tmp are generalised", "\n".join(tmp))
        tap.ok('"ports": ["32768-60999"]' in text or "32768-60999" in text,
               "the loopback server's ephemeral port became the range", text[:3000])
        tap.ok(any(e.get("path") == "/bin/echo" and e.get("argv", [None])[:2] ==
                   ["/bin/echo", "hello"] for e in learned.get("exec", [])),
               "the command is learned with its arguments", text[:3000])

        # The same workload, a new server on a new port: same output, nothing denied.
        server = rt.Server()
        again = rt.enforce(profile, cmd + [str(server.port)], work)
        server.close()
        tap.ok(again.rc == 0, "enforce: the workload succeeds", again.diag())
        tap.ok(again.stdout == rec.stdout and rec.stdout.strip(),
               "enforce: the same output as when recorded",
               f"recorded={rec.stdout!r}\nenforced={again.stdout!r}")
        tap.ok(not rt.violations(again), "enforce: zero violation events",
               "\n".join(json.dumps(v) for v in rt.violations(again)))

        # A different behaviour under the same profile: exactly the new things are denied.
        server, other = rt.Server(), rt.Server(host="127.0.0.2")
        diff = rt.enforce(profile, cmd + [str(server.port), "different", str(other.port)], work)
        server.close()
        other.close()
        seen = {(v.get("category"), v.get("target")) for v in rt.violations(diff)}
        want = {("file", os.path.join(work, "secret.txt")), ("exec", "/usr/bin/id"),
                ("network", f"127.0.0.2:{other.port}")}
        tap.ok(seen == want, "different behaviour: exactly the expected violations",
               f"got {sorted(map(str, seen))}\nwant {sorted(map(str, want))}\n{diff.diag()}")
        lines = diff.stdout.splitlines()
        outcome = json.loads(lines[-1]) if len(lines) == 2 else {}
        tap.ok(outcome.get("file") == "Permission denied" and
               outcome.get("command") == "Permission denied" and
               outcome.get("host") == "Connection refused",
               "different behaviour: each new thing was blocked", diff.diag())

        # learn from the recording's log, as CloudWatch would hand it back.
        exports = rt.cloudwatch_exports(rec.log + "\napp says hello\n", work)
        for form, path in exports.items():
            out = os.path.join(work, f"learned-{form}.json")
            p = subprocess.run([rt.FNGUARD, "learn", path, "-o", out, "--name", "rt-python"],
                               capture_output=True, text=True, env=rt.clean_env())
            same = p.returncode == 0 and filecmp.cmp(out, profile, shallow=False)
            diag = p.stderr
            if p.returncode == 0 and not same:
                d = subprocess.run(["diff", "-u", profile, out], capture_output=True, text=True)
                diag += d.stdout
            tap.ok(same, f"learn from a {form} export gives the same profile as record", diag)
        # Two cold starts' logs make one profile: the same rules, counted twice.
        out = os.path.join(work, "learned-twice.json")
        p = subprocess.run([rt.FNGUARD, "learn", exports["text"], exports["filter-log-events"],
                            "-o", out, "--name", "rt-python"], capture_output=True, text=True,
                           env=rt.clean_env())
        twice = rt.load(out) if p.returncode == 0 else {}
        same_rules = [{k: v for k, v in r.items() if k != "seen"} for r in twice.get("files", [])] == \
            [{k: v for k, v in r.items() if k != "seen"} for r in learned.get("files", [])]
        doubled = [r["seen"] for r in twice.get("files", [])] == \
            [2 * r["seen"] for r in learned.get("files", [])]
        tap.ok(p.returncode == 0 and same_rules and doubled,
               "learn of two cold starts: one profile, seen added up", p.stderr)
        # A child whose program needs libraries of its own (ls: libselinux, libpcre2): the
        # loader maps them unseen, so the learned profile lacked them and, under Landlock,
        # the child could not start in enforce ("error while loading shared libraries").
        # Record learns what each process has mapped, and the loader's cache.
        # (A short PATH and a plain working directory: a learned glob over a big tree, such
        # as the scratch directory's, is more than Landlock's walk checks at start, and
        # reading is then left unrestricted: the case would pass without the fix.)
        sh = ["/bin/sh", "-c", "ls /usr/bin/ls >/dev/null && echo listed"]
        libs = os.path.join(work, "libs.json")
        short = {"PATH": "/usr/bin:/bin"}
        rec = rt.record(libs, sh, "/usr/bin", env=short)
        again = rt.enforce(libs, sh, "/usr/bin", env=short) if rec.rc == 0 else rec
        text = open(libs).read() if os.path.exists(libs) else ""
        ll = again.of_type("start") if rec.rc == 0 else []
        tap.ok(rec.rc == 0 and again.rc == 0 and again.stdout == "listed\n" and
               "ld.so.cache" in text and ll and
               "read_file" in ll[0]["layers"]["landlock"].get("fs", []),
               "a child's own libraries are learned: it starts under the learned profile "
               "(Landlock on)", again.diag() + text[:2000])
        # Links the run makes, then runs or reads through (a venv's bin/python3,
        # node_modules/.bin): enforce follows a link where names can be made and judges
        # where it leads, so record must learn that too (it did not: no profile there to
        # say where links can be planted; exec and open refused, "reached through a symlink").
        lk = os.path.join(work, "links")
        script = (f"mkdir -p {lk}/bin && ln -sf /usr/bin/cat {lk}/bin/mycat && "
                  f"ln -sf /etc/hostname {lk}/host && {lk}/bin/mycat {lk}/host >/dev/null && "
                  "echo through")
        sh = ["/bin/sh", "-c", script]
        links = os.path.join(work, "links.json")
        rec = rt.record(links, sh, "/usr/bin", env=short)
        rt.rmtree(lk)
        again = rt.enforce(links, sh, "/usr/bin", env=short) if rec.rc == 0 else rec
        tap.ok(rec.rc == 0 and again.rc == 0 and again.stdout == "through\n" and
               not again.of_type("violation"),
               "what links the run made lead to is learned: run and read through them under "
               "the learned profile", again.diag())
        # The command under record sees the descriptors it would see bare: record's own
        # event pipe is not at a low number (Python's pass_fds and multiprocessing put
        # numbers in a child's arguments, which the learned exec rule then names).
        fds = [rt.PYTHON, "-c", "import os; print(os.open('/dev/null', 0), "
               "os.open('/dev/null', 0), os.open('/dev/null', 0))"]
        bare = subprocess.run(fds, capture_output=True, text=True, cwd=work)
        rec = subprocess.run([rt.FNGUARD, "record", "-o", os.path.join(work, "fds.json"),
                              "--log", "stderr", "--"] + fds, capture_output=True, text=True,
                             cwd=work, env=rt.clean_env())
        tap.ok(bare.returncode == 0 and rec.returncode == 0 and rec.stdout == bare.stdout,
               f"under record the command's descriptors are numbered as bare ({bare.stdout!r})",
               f"record printed {rec.stdout!r}")
        # ... also with --log fd:3: that descriptor is record's, for its echo of the events.
        echo = os.path.join(work, "echo.log")
        shell = (f"exec 3>{echo}; exec {rt.FNGUARD} record -o {os.path.join(work, 'fds3.json')} "
                 "--log fd:3 -- " + " ".join(shlex.quote(a) for a in fds))
        rec = subprocess.run(["/bin/sh", "-c", shell], capture_output=True, text=True, cwd=work,
                             env=rt.clean_env())
        echoed = open(echo).read() if os.path.exists(echo) else ""
        tap.ok(rec.returncode == 0 and rec.stdout == bare.stdout and '"type":"learn"' in echoed,
               "... and with --log fd:3 (the events echoed there, the command not given it)",
               f"record printed {rec.stdout!r}, stderr {rec.stderr[-500:]!r}")
    finally:
        rt.rmtree(work)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
