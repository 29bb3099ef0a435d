#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP (root): `fnguard trace`, the eBPF tracer. On a dynamic workload it
agrees with `fnguard record` on files, hosts and commands; on a static
binary (raw syscalls, no libc wrappers to interpose) it sees what record
cannot; and a traced profile enforces the dynamic workload cleanly."""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rt  # noqa: E402

WORKLOADS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "workloads")


def trace(out, cmd, cwd, options=()):
    return rt.fnguard(["trace", "-o", out, *options, "--"] + cmd, cwd)


def rules_below(profile, prefix):
    return {(f["path"], f.get("allow")) for f in profile.get("files", [])
            if f["path"].startswith(prefix)}


def strip_meta(rules):
    return sorted((json.dumps({k: v for k, v in r.items() if k not in ("seen", "phase")},
                              sort_keys=True) for r in rules))


def main():
    tap = rt.Tap()
    if os.geteuid() != 0:
        tap.skip("trace", "needs root")
        return tap.done()
    probe = subprocess.run([rt.FNGUARD, "trace", "--help"], capture_output=True, text=True)
    if probe.returncode != 0:
        tap.skip("trace", "fnguard was built without the eBPF tracer")
        return tap.done()
    tap.ok("Examples:" in probe.stdout, "trace --help has examples")
    work = rt.scratch("fnguard-rt-trace-")
    try:
        # A dynamic workload: both ways of recording agree.
        shutil.copy(os.path.join(WORKLOADS, "app.py"), work)
        rt.write(os.path.join(work, "config.json"), '{"greeting": "traced"}')
        cmd = [rt.PYTHON, os.path.join(work, "app.py")]
        srv = rt.Server()
        rec = rt.record(os.path.join(work, "recorded.json"), cmd + [str(srv.port)], work)
        tr = trace(os.path.join(work, "traced.json"), cmd + [str(srv.port)], work)
        srv.close()
        tap.ok(rec.rc == 0 and tr.rc == 0 and tr.stdout == rec.stdout,
               "trace runs the workload like record does", tr.diag())
        R, T = rt.load(os.path.join(work, "recorded.json")), rt.load(os.path.join(work,
                                                                                 "traced.json"))
        # The scratch directory is below /var/tmp: its own name is generalised too.
        # The build tree may itself be under /tmp: the loader reads the shim from it, which
        # the kernel sees and the shim (loaded by then) does not. Leave the tree out.
        tree = os.path.abspath(rt.BUILD)
        for prefix in ("/var/tmp/fnguard-rt-trace-", "/tmp/"):
            r = {x for x in rules_below(R, prefix) if not x[0].startswith(tree)}
            t = {x for x in rules_below(T, prefix) if not x[0].startswith(tree)}
            tap.ok(r == t and r, f"trace and record agree on files below {prefix}",
                   f"record: {sorted(r)}\ntrace:  {sorted(t)}")
        tap.ok(strip_meta(R.get("network", [])) == strip_meta(T.get("network", [])),
               "trace and record agree on hosts", json.dumps([R.get("network"), T.get("network")]))
        tap.ok(strip_meta(R.get("exec", [])) == strip_meta(T.get("exec", [])) and R.get("exec"),
               "trace and record agree on commands",
               json.dumps([R.get("exec"), T.get("exec")], indent=1))
        check = subprocess.run([rt.FNGUARD, "check", os.path.join(work, "traced.json")],
                               capture_output=True, text=True)
        tap.ok(check.returncode == 0, "the traced profile checks", check.stderr)
        # The kernel also saw the dynamic loader, which the shim never judges (record learns
        # its files from what each process mapped, at exit).
        tap.ok(any(f["path"] == "/etc/ld.so.cache" for f in T.get("files", [])),
               "trace sees the dynamic loader's files")
        srv = rt.Server()
        again = rt.enforce(os.path.join(work, "traced.json"), cmd + [str(srv.port)], work)
        srv.close()
        tap.ok(again.rc == 0 and again.stdout == rec.stdout and not rt.violations(again),
               "the traced profile enforces the workload with zero violations",
               "\n".join(json.dumps(v) for v in rt.violations(again)) + again.diag())

        # A static binary: invisible to the shim, not to the kernel.
        binary = os.path.join(work, "static")
        cc = subprocess.run(["gcc", "-static", "-O2", "-o", binary,
                             os.path.join(WORKLOADS, "static.c")], capture_output=True, text=True)
        if cc.returncode != 0:
            tap.skip("static binary", "gcc -static failed: " + cc.stderr.strip()[:200])
        else:
            rt.write(os.path.join(work, "raw.txt"), "through a raw syscall\n")
            srv = rt.Server()
            rec = rt.record(os.path.join(work, "static-recorded.json"), [binary, str(srv.port)],
                            work)
            tr = trace(os.path.join(work, "static-traced.json"), [binary, str(srv.port)], work)
            srv.close()
            tap.ok(tr.rc == 0 and "raw: through a raw syscall" in tr.stdout and
                   "connect: 0" in tr.stdout, "the static binary runs traced", tr.diag())
            T = rt.load(os.path.join(work, "static-traced.json"))
            # The scratch directory's random name may or may not have been generalised.
            def ours(profile, name):
                return {f["path"]: f["allow"] for f in profile.get("files", [])
                        if f["path"].startswith("/var/tmp/fnguard-rt-trace-") and
                        f["path"].endswith("/" + name)}
            tap.ok(list(ours(T, "raw.txt").values()) == ["r"] and
                   list(ours(T, "out.txt").values()) == ["wc"],
                   "trace sees the raw openat and the relative fopen", json.dumps(T, indent=1))
            tap.ok(any(n.get("cidr") == "127.0.0.1" for n in T.get("network", [])),
                   "trace sees the static binary's connect", json.dumps(T.get("network")))
            tap.ok(any(e["path"] == "/bin/true" and e.get("argv") == ["true", "--static-child"]
                       for e in T.get("exec", [])),
                   "trace sees the static binary's exec", json.dumps(T.get("exec")))
            tap.ok(rec.rc == 126 and "fnguard trace" in rec.stderr and
                   not os.path.exists(os.path.join(work, "static-recorded.json")),
                   "record cannot see any of it, and refuses (126), pointing to trace",
                   rec.diag())

        # A script run by name through PATH: the kernel replaces argv[0] with the file it
        # found, the shim matches the caller's: the traced rule takes any argv[0].
        bindir = os.path.join(work, "bin")
        os.makedirs(bindir, exist_ok=True)
        rt.write(os.path.join(bindir, "hello.sh"), "#!/bin/sh\necho hello \"$1\"\n")
        os.chmod(os.path.join(bindir, "hello.sh"), 0o755)
        tr = rt.fnguard(["trace", "-o", os.path.join(work, "script.json"), "--", "/bin/sh",
                         "-c", "PATH=%s:$PATH hello.sh there" % bindir], work)
        S = rt.load(os.path.join(work, "script.json")) if tr.rc == 0 else {}
        rules = [e for e in S.get("exec", []) if e["path"].endswith("/hello.sh")]
        tap.ok(tr.rc == 0 and "hello there" in tr.stdout and rules and
               rules[0].get("argv") == ["*", "there"],
               "a script run through PATH: the traced rule's argv[0] is any",
               json.dumps(S.get("exec")) + tr.diag())

        # A relative chdir: the event is made after it, when the cwd has already moved.
        sub = os.path.join(work, "cd", "sub")
        os.makedirs(sub, exist_ok=True)
        rt.write(os.path.join(sub, "f.txt"), "x\n")
        py = os.path.realpath(sys.executable)
        tr = rt.fnguard(["trace", "-o", os.path.join(work, "cd.json"), "--", py, "-c",
                         "import os; os.chdir(%r); os.chdir('sub'); open('f.txt').read()"
                         % os.path.join(work, "cd")], work)
        C = rt.load(os.path.join(work, "cd.json")) if tr.rc == 0 else {}
        paths = {f["path"] for f in C.get("files", [])}
        # (the scratch directory's random name may have been generalised)
        tap.ok(tr.rc == 0 and any(x.endswith("/cd/sub/f.txt") for x in paths) and
               not any("/sub/sub" in x for x in paths),
               "a relative chdir then a relative open: the file's real path is learned",
               "\n".join(sorted(x for x in paths if "/cd" in x)) + tr.diag())

        # The main thread ends first (pthread_exit): the process is still traced.
        src = os.path.join(work, "mainexit.c")
        rt.write(src, "#include <pthread.h>\n#include <fcntl.h>\n#include <unistd.h>\n"
                      "static void *run(void *a) { usleep(100000); "
                      "int fd = open(a, O_RDONLY); if (fd >= 0) close(fd); return 0; }\n"
                      "int main(int c, char **v) { pthread_t t; (void)c; "
                      "pthread_create(&t, 0, run, v[1]); pthread_exit(0); }\n")
        prog = os.path.join(work, "mainexit")
        late = os.path.join(work, "late-read.txt")
        rt.write(late, "x\n")
        cc = subprocess.run(["gcc", "-pthread", "-o", prog, src], capture_output=True, text=True)
        if cc.returncode != 0:
            tap.skip("main thread exit", "gcc failed: " + cc.stderr.strip()[:200])
        else:
            tr = rt.fnguard(["trace", "-o", os.path.join(work, "mainexit.json"), "--", prog,
                             late], work)
            M = rt.load(os.path.join(work, "mainexit.json")) if tr.rc == 0 else {}
            tap.ok(tr.rc == 0 and any(f["path"].endswith("/late-read.txt")
                                      for f in M.get("files", [])),
                   "a file opened after the main thread's pthread_exit is learned",
                   json.dumps(M.get("files"))[:2000] + tr.diag())

        # In another PID namespace the kernel's pids are not fork's: nothing is seen, and an
        # empty profile must not pass for a complete one.
        unshare = shutil.which("unshare")
        if unshare:
            out = os.path.join(work, "ns.json")
            p = subprocess.run([unshare, "-pf", "--mount-proc", rt.FNGUARD, "trace", "-o", out,
                                "--", "/bin/true"], capture_output=True, text=True, cwd=work,
                               timeout=60)
            tap.ok(p.returncode == 2 and not os.path.exists(out) and "never seen" in p.stderr,
                   "traced from another PID namespace: no profile written, exit 2",
                   p.stdout + p.stderr)
        else:
            tap.skip("PID namespace", "no unshare")
    finally:
        rt.rmtree(work)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
