#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The shim's handover of static programs while its own seccomp filter is in
place (lib/handover.c, tools/cmd-attach.c): the first process forks a
launcher before its filter; a static program exec'd anywhere in the tree
runs under fnguard exec through it, with the tree's log, exit status,
signals, descriptors and working directory. Then the attacks on the
launcher's socket (raw requests for programs the profile does not allow,
for dynamic programs, with a weakened environment, malformed) and the
unavailable states (no launcher, launcher gone: fail closed). TAP."""
import array
import errno
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

SOURCE = os.environ.get("FNGUARD_SOURCE_ROOT", "/work/main")
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
from fnguard_test import LIB, Run, Tap, parse_log, workdir  # noqa: E402

from sv_paths import CLI, HPAGE, PROBE, PROBE_GO, allowed_and_denied, skipper  # noqa: E402

t = Tap()
skip = skipper(t)

if not os.path.exists(LIB) or not os.access(CLI, os.X_OK):
    print("1..0 # SKIP libfnguard.so or fnguard is not built")
    sys.exit(0)

wd = workdir("fnguard-ho-")
os.makedirs(f"{wd}/out")
ALLOWED, DENIED = allowed_and_denied(wd)
# A static program the profile does not allow (same bytes as the probe).
OTHER = f"{wd}/other-probe"
shutil.copy(PROBE, OTHER)
have_go = os.access(PROBE_GO, os.X_OK)


def write_profile(name, doc):
    path = f"{wd}/{name}"
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
    return path


PROFILE = write_profile("enforce.json", {
    "fnguard": 1,
    "name": "handover",
    "extends": ["lambda-base"],
    "mode": "enforce",
    "files": [
        {"path": ALLOWED, "allow": "r"},
        {"path": f"{wd}/out/**", "allow": "rwc"},
        {"path": HPAGE, "allow": "r"},
    ],
    "exec": [{"path": PROBE}, {"path": PROBE_GO}, {"path": "/usr/bin/true"}],
    "syscalls": ["@lambda-runtime"],
})
# Alert mode, no exec rules: a filter but no launcher.
NO_EXEC = write_profile("alert-no-exec.json", {
    "fnguard": 1,
    "name": "handover-no-exec",
    "extends": ["lambda-base"],
    "mode": "alert",
    "files": [{"path": ALLOWED, "allow": "r"}, {"path": HPAGE, "allow": "r"}],
    "syscalls": ["@lambda-runtime"],
})


class Result(Run):
    def __init__(self, rc, stdout, stderr, log):
        super().__init__(rc, stdout, stderr, parse_log(log), log)

    def has(self, line):
        return line in self.stdout.splitlines()

    def diag(self):
        return (f"rc={self.rc}\nstdout={self.stdout[-1500:]}\nstderr={self.stderr[-1500:]}\n"
                f"log=\n{self.log[-3000:]}")


def shim_env(profile=PROFILE, extra=None):
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("FNGUARD_") and k != "LD_PRELOAD"}
    e.update({"LD_PRELOAD": LIB, "FNGUARD_PROFILE": profile, "PATH": "/usr/bin:/bin",
              "FNGUARD_PROFILE_PATH": os.path.join(SOURCE, "profiles")})
    e.update(extra or {})
    return e


def logfile():
    fd = os.open(wd, os.O_TMPFILE | os.O_RDWR, 0o600)
    os.set_inheritable(fd, True)
    return fd


def read_log(fd):
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while True:
        b = os.read(fd, 65536)
        if not b:
            break
        chunks.append(b)
    os.close(fd)
    return b"".join(chunks).decode("utf-8", "replace")


def sh(script, profile=PROFILE, extra=None, timeout=60):
    fd = logfile()
    p = subprocess.run(["/bin/sh", "-c", script], env=shim_env(profile, dict(
        extra or {}, FNGUARD_LOG=f"fd:{fd}")), cwd="/", capture_output=True, timeout=timeout,
        pass_fds=(fd,))
    return Result(p.returncode, p.stdout.decode("utf-8", "replace"),
                  p.stderr.decode("utf-8", "replace"), read_log(fd))


def py_shim(script, timeout=60):
    """The real Python under the shim (PY_PROFILE), its events parsed; p is None when it
    did not end within timeout."""
    fd = logfile()
    try:
        p = subprocess.run([PY, "-S", "-c", script], capture_output=True, timeout=timeout,
                           pass_fds=(fd,), env=shim_env(PY_PROFILE, {"FNGUARD_LOG": f"fd:{fd}"}),
                           cwd="/")
    except subprocess.TimeoutExpired:
        p = None
    return p, parse_log(read_log(fd))


def launchers_of(root):
    """The launcher forked by the first process root: a copy of it (same command line),
    another pid."""
    with open(f"/proc/{root}/cmdline", "rb") as f:
        cmd = f.read()
    return [pid for pid in running(cmd) if pid != root and open(
        f"/proc/{pid}/cmdline", "rb").read() == cmd]


def ppid_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def running(needle):
    """pids whose command line contains needle (bytes)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                if needle in f.read():
                    out.append(int(d))
        except OSError:
            pass
    return out


# ---- the handover under the filter ------------------------------------------------------

for kind, probe in (("c", PROBE), ("go", PROBE_GO)):
    if kind == "go" and not have_go:
        skip(f"[{kind}] handover under the filter", "go is not installed")
        continue
    refused = " personality" if kind == "c" else ""  # the Go probe has no such command
    r = sh(f"{probe} open {DENIED} open {ALLOWED}{refused}; echo rc=$?")
    start = r.find(type="start")
    layers = start[0]["layers"] if start else {}
    ev = r.find(type="violation", category="file", target=DENIED)
    sc = r.find(type="violation", category="syscall", op="personality")
    t.ok(r.has(f"open {DENIED} err EACCES") and
         any(l.startswith(f"open {ALLOWED} ok") for l in r.stdout.splitlines()) and
         (kind != "c" or (r.has("personality PER_LINUX err EPERM") and sc)) and
         r.has("rc=0") and ev and ev[0]["exe"] == probe and len(start) == 1 and
         layers.get("seccomp", {}).get("status") == "active" and
         layers.get("launcher", {}).get("status") == "active" and
         not r.find(type="coverage") and not r.find(type="error"),
         f"[{kind}] under the shim's own filter, an allowed static program runs under fnguard "
         "exec through the launcher: a denied open is refused and logged, the refused "
         "syscall is logged (not a SIGSYS death), one start event listing the launcher",
         r.diag())

# From an exec'd descendant (a shell the first one started): it learns where the CLI is from
# the first process (FNGUARD_CLI), and hands its static program over the same way.
NESTED = write_profile("nested.json", {
    "fnguard": 1, "name": "handover-nested", "extends": [PROFILE],
    "exec": [{"path": "/bin/sh"}, {"path": "/usr/bin/sh"}, {"path": "/usr/bin/dash"}],
})
r = sh(f"/bin/sh -c '{PROBE} open {DENIED} exit 7'; echo rc=$?", profile=NESTED)
t.ok(r.has("rc=7") and r.has(f"open {DENIED} err EACCES") and
     r.find(type="violation", category="file", target=DENIED) and
     not r.find(type="coverage") and not r.find(type="error"),
     "a static program exec'd by a descendant (sh -c 'sh -c PROGRAM') is handed over too: "
     "it runs under fnguard exec, its denied open refused and logged, no coverage event",
     r.diag())

r = sh(f"{PROBE} exit 7; echo rc=$?; {PROBE} kill 9; echo rc=$?")
t.ok(r.has("rc=7") and r.has("rc=137") and not r.find(type="error"),
     "exit status passes through (exit 7 -> 7, killed by SIGKILL -> 137 as fnguard exec "
     "reports it)", r.diag())

r = sh(f"cd {wd} && {PROBE} open allowed.txt open denied.txt > {wd}/out/o.txt; echo rc=$?")
try:
    with open(f"{wd}/out/o.txt") as f:
        written = f.read().splitlines()
except OSError:
    written = []
t.ok(r.has("rc=0") and "open denied.txt err EACCES" in written and
     any(l.startswith("open allowed.txt ok") for l in written) and
     r.find(type="violation", target=DENIED),
     "descriptors and working directory: the program writes to the redirected stdout and "
     "judges relative paths in the caller's directory", f"{written}\n{r.diag()}")

# A static program given other Lambda variables than the tree's first process had: the
# supervisor labels its events with the tree's (pinned), as the shim does for dynamic ones.
# Through the launcher (fnguard attach) and, without the shim's filter, fnguard exec itself.
for how, more in (("fnguard attach", {}), ("fnguard exec", {"FNGUARD_NO_SECCOMP": "1"})):
    r = sh(f"AWS_LAMBDA_FUNCTION_NAME=other-fn AWS_LAMBDA_FUNCTION_VERSION=7 {PROBE} open "
           f"{DENIED}", extra=dict(more, AWS_LAMBDA_FUNCTION_NAME="real-fn",
                                   AWS_LAMBDA_FUNCTION_VERSION="3"))
    ev = r.find(type="violation", target=DENIED)
    t.ok(ev and all(e.get("function") == "real-fn" and e.get("version") == "3" for e in ev),
         f"{how}: a static program given other Lambda variables: its events carry the tree's "
         "function and version", r.diag())

# The caller's umask and ignored signals are the program's (exec keeps them).
r = sh(f"umask 077; trap '' TERM; {PROBE} write {wd}/out/umask.txt kill 15; echo rc=$?")
mode = os.stat(f"{wd}/out/umask.txt").st_mode & 0o777 if os.path.exists(
    f"{wd}/out/umask.txt") else None
t.ok(mode == 0o600 and r.has("rc=0"),
     "umask and ignored signals pass through (0600 file; SIGTERM ignored, the program "
     "survives raising it)", f"mode={mode and oct(mode)}\n{r.diag()}")

# Python's subprocess execs from a vfork child: the waiter must exec, not wait there.
PY = "/usr/bin/python3"
PY_PROFILE = write_profile("python.json", {
    "fnguard": 1,
    "name": "handover-python",
    "extends": ["python"],
    "mode": "enforce",
    "files": [{"path": ALLOWED, "allow": "r"}, {"path": HPAGE, "allow": "r"},
              {"path": "/usr/lib/python3*/**", "allow": "r"},
              {"path": f"{wd}/out/**", "allow": "rwc"}, {"path": PROBE, "allow": "r"}],
    "exec": [{"path": PROBE}],
    "syscalls": ["@lambda-runtime"],
})
if os.access(PY, os.X_OK):
    script = (f"import subprocess; p = subprocess.run(['{PROBE}', 'open', '{DENIED}', 'exit', "
              "'5'], capture_output=True); print('py', p.returncode, p.stdout.decode().strip())")
    fd = logfile()
    p = subprocess.run([PY, "-S", "-c", script], capture_output=True, timeout=60, pass_fds=(fd,),
                       env=shim_env(PY_PROFILE, {"FNGUARD_LOG": f"fd:{fd}"}), cwd="/")
    log = read_log(fd)
    t.ok(p.returncode == 0 and b"py 5 open " + DENIED.encode() + b" err EACCES" in p.stdout and
         parse_log(log)[0]["exe"].startswith("/usr/bin/python3"),
         "a shimmed Python parent (subprocess: vfork, then exec) gets the program's status and "
         "output", f"{p.returncode} {p.stdout[-500:]} {p.stderr[-800:]}\n{log[-1500:]}")
    # os.posix_spawn: fnguard is spawned with the caller's file actions (stdout to a file).
    script = ("import os; fd = os.open('" + f"{wd}/out/spawned.txt" + "', os.O_WRONLY | "
              "os.O_CREAT | os.O_TRUNC, 0o644); pid = os.posix_spawn('" + PROBE + "', ['"
              + PROBE + "', 'open', '" + DENIED + "', 'exit', '6'], os.environ, "
              "file_actions=[(os.POSIX_SPAWN_DUP2, fd, 1)]); "
              "print('spawn', os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))")
    p, log = py_shim(script)
    try:
        with open(f"{wd}/out/spawned.txt") as f:
            spawned = f.read()
    except OSError:
        spawned = ""
    t.ok(p.returncode == 0 and b"spawn 6" in p.stdout and f"open {DENIED} err EACCES" in spawned
         and any(e.get("target") == DENIED and e.get("exe") == PROBE for e in log) and
         not any(e.get("type") == "coverage" for e in log),
         "os.posix_spawn of the static program (file actions: stdout to a file): handed over, "
         "the denied open refused and logged by the supervisor, exit status 6",
         f"{p.returncode} {p.stdout[-300:]} {p.stderr[-600:]} {spawned!r}\n{log[-3:]}")
    # fexecve (Python's os.execve on a descriptor): handed over by the name it was judged by.
    script = (f"import os; fd = os.open('{PROBE}', os.O_RDONLY); "
              f"os.execve(fd, ['{PROBE}', 'open', '{DENIED}', 'exit', '4'], os.environ)")
    p, log = py_shim(script)
    t.ok(p.returncode == 4 and f"open {DENIED} err EACCES".encode() in p.stdout and
         any(e.get("target") == DENIED and e.get("exe") == PROBE for e in log) and
         not any(e.get("type") == "coverage" for e in log),
         "fexecve of the static program: handed over by its judged name (denied open refused "
         "and logged by the supervisor, exit status 4)",
         f"{p.returncode} {p.stdout[-300:]} {p.stderr[-600:]}\n{log[-3:]}")

    # The program cannot talk its way out of the supervisor through its own environment:
    # what decides the handover was fixed at start.
    script = ("import os, subprocess\n"
              "for k in ('FNGUARD_LAUNCHER', 'FNGUARD_PROFILE', 'FNGUARD_SECCOMP'):\n"
              "    os.environ.pop(k, None)\n"
              f"p = subprocess.run(['{PROBE}', 'open', '{DENIED}', 'exit', '3'], "
              "capture_output=True)\n"
              "print('env', p.returncode, p.stdout.decode().strip())")
    p, log = py_shim(script)
    t.ok(p.returncode == 0 and f"env 3 open {DENIED} err EACCES".encode() in p.stdout and
         any(e.get("target") == DENIED and e.get("exe") == PROBE for e in log) and
         not any(e.get("type") == "coverage" for e in log),
         "a program that removed FNGUARD_LAUNCHER, FNGUARD_PROFILE and FNGUARD_SECCOMP from "
         "its own environment still hands its static program over (denied open refused and "
         "logged by the supervisor)", f"{p.returncode} {p.stdout[-300:]} {p.stderr[-600:]}\n"
         f"{log[-3:]}")
    # Nor through its size: an environment the launcher cannot carry is refused in enforce
    # mode, not run without the supervisor.
    script = ("import os, subprocess\n"
              "try:\n"
              f"    subprocess.run(['{PROBE}', 'write', '{wd}/out/big.txt'], "
              "env=dict(os.environ, BIG='x' * 140000))\n"
              "    print('ran')\n"
              "except OSError as e:\n"
              "    print('refused', e.errno)")
    p, log = py_shim(script)
    cov = [e for e in log if e.get("type") == "coverage" and e.get("target") == PROBE]
    t.ok(p.returncode == 0 and f"refused {errno.E2BIG}".encode() in p.stdout and
         not os.path.exists(f"{wd}/out/big.txt") and cov and
         "refused" in cov[0].get("detail", "") and "128 KiB" in cov[0].get("detail", ""),
         "enforce: a static program whose environment exceeds what the launcher carries "
         "is refused (E2BIG, a coverage event says why), never run unsupervised",
         f"{p.returncode} {p.stdout[-300:]} {p.stderr[-600:]}\n{log[-3:]}")

    # A caller that ignores SIGCHLD (a common way to avoid zombies) passes that on through
    # exec: the supervisor must still see its program end.
    script = ("import os, signal, subprocess\n"
              "signal.signal(signal.SIGCHLD, signal.SIG_IGN)\n"
              f"os.execv('{PROBE}', ['{PROBE}', 'exit', '3'])")
    p, log = py_shim(script, timeout=30)
    rc, out = (p.returncode, p.stderr[-600:]) if p else (None, b"timed out after 30 s")
    t.ok(rc == 3 and not any(e.get("type") in ("coverage", "error") for e in log),
         "a static program exec'd with SIGCHLD ignored runs under the supervisor and its exit "
         "status (3) comes back; nothing hangs", f"rc={rc} {out}\n{log[-3:]}")

    # Many descriptors under a low limit (Lambda's is 1024, with the log above 3/4 of it):
    # each goes to its number without copies above all of them first.
    import resource

    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    script = ("import os, subprocess; fds = [os.open('" + ALLOWED + "', os.O_RDONLY) for _ in "
              "range(40)]; [os.set_inheritable(f, True) for f in fds]; p = subprocess.run(['"
              + PROBE + "', 'open', '" + ALLOWED + "'], capture_output=True, close_fds=False); "
              "print('fds', len(fds), p.returncode, p.stdout.decode().strip())")
    fd = logfile()
    p = subprocess.run([PY, "-S", "-c", script], capture_output=True, timeout=60, pass_fds=(fd,),
                       env=shim_env(PY_PROFILE, {"FNGUARD_LOG": f"fd:{fd}"}), cwd="/",
                       preexec_fn=low_limit)
    log = parse_log(read_log(fd))
    t.ok(p.returncode == 0 and f"fds 40 0 open {ALLOWED} ok".encode() in p.stdout and
         not any(e.get("type") in ("error", "coverage") for e in log),
         "43 inherited descriptors under a limit of 64 (the log at 48): all placed, the "
         "program runs", f"{p.returncode} {p.stdout[-300:]} {p.stderr[-600:]}\n{log[-3:]}")
else:
    skip("a shimmed Python parent", f"{PY} is not installed")
    skip("os.posix_spawn", f"{PY} is not installed")
    skip("fexecve", f"{PY} is not installed")
    skip("many descriptors under a low limit", f"{PY} is not installed")


def start_root(script, profile=PROFILE, extra=None):
    fd = logfile()
    p = subprocess.Popen(["/bin/sh", "-c", script],
                         env=shim_env(profile, dict(extra or {}, FNGUARD_LOG=f"fd:{fd}")),
                         cwd="/", stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, pass_fds=(fd,))
    return p, fd


# Signals: the waiter relays SIGTERM; the program dies of it.
p, fd = start_root(f"exec {PROBE} sleep 30")
line = p.stdout.readline().decode().strip()
t0 = time.monotonic()
p.send_signal(signal.SIGTERM)
try:
    rc = p.wait(timeout=10)
except subprocess.TimeoutExpired:
    p.kill()
    rc = None
elapsed = time.monotonic() - t0
read_log(fd)
t.ok(line == "sleeping" and rc == 143 and elapsed < 5,
     "SIGTERM to the waiting process reaches the program (exit 143, within 5 s)",
     f"{line!r} rc={rc} {elapsed:.1f}s")

# The waiter killed outright: the program does not outlive it.
marker = f"{wd}/out/never"
p, fd = start_root(f"exec {PROBE} sleep 29 write {marker}")
line = p.stdout.readline().decode().strip()
before = running(b"sleep\x0029\x00write\x00" + marker.encode())
p.kill()
p.wait(timeout=10)
deadline = time.monotonic() + 5
left = before
while left and time.monotonic() < deadline:
    time.sleep(0.1)
    left = [pid for pid in running(b"sleep\x0029\x00write\x00" + marker.encode())]
read_log(fd)
t.ok(line == "sleeping" and len(before) >= 2 and not left,
     "SIGKILL to the waiting process: fnguard exec and the program go with it",
     f"{line!r} before={before} left={left}")

# ---- attacks on the launcher's socket -------------------------------------------------------

HEAD = struct.Struct("<IIIIiIQQII")
REPLY = struct.Struct("<Ii248s")
MAGIC = 0x31484746


def request(name, path, argv, env, fds=(), targets=None, magic=MAGIC, raw=None, log=None,
            cwd="/"):
    """A raw request as `fnguard attach` would send it; returns the replies.
    log: (descriptor, number) of the tree's event log, passed along."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(30)
    s.connect("\0" + name)
    strings = b"".join(x.encode() + b"\0" for x in [path] + argv + env)
    fds = list(fds)
    targets = list(targets if targets is not None else fds)
    if log:
        fds.append(log[0])
        targets.append(log[1])
    body = HEAD.pack(magic, len(argv), len(env), len(targets), log[1] if log else -1, 0o022,
                     0, 0, len(strings), 0) + struct.pack(f"<{len(targets)}i", *targets) + strings
    cwd_fd = os.open(cwd, os.O_PATH | os.O_DIRECTORY)
    s.sendmsg([raw if raw is not None else body],
              [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [cwd_fd] + list(fds)))])
    os.close(cwd_fd)
    replies = []
    while True:
        b = s.recv(REPLY.size)
        if len(b) != REPLY.size:
            break
        kind, value, reason = REPLY.unpack(b)
        replies.append((kind, value, reason.split(b"\0")[0].decode()))
        if kind != 1:
            break
    s.close()
    return replies


p, fd = start_root("echo $FNGUARD_LAUNCHER $FNGUARD_LOG_FD; read x")
name, log_num = p.stdout.readline().decode().split()
LOG = (fd, int(log_num))
pwned = f"{wd}/out/pwned"
rd, wr = os.pipe()
try:
    other = request(name, OTHER, [OTHER, "write", pwned], ["PATH=/usr/bin"], fds=(wr,),
                    targets=(1,), log=LOG)
    dyn = request(name, "/usr/bin/true", ["true"], [], fds=(wr,), targets=(1,), log=LOG)
    weak_env = ["FNGUARD_MODE=record", "FNGUARD_NO_USER_NOTIF=1", "FNGUARD_PROFILE=/dev/null",
                "LD_PRELOAD=/nonexistent.so", "PATH=/usr/bin"]
    weak = request(name, PROBE, [PROBE, "open", DENIED], weak_env, fds=(wr,), targets=(1,),
                   log=LOG)
    bad = request(name, PROBE, [PROBE], [], fds=(wr,), targets=(1,), magic=0xdeadbeef, log=LOG)
    short = request(name, PROBE, [PROBE], [], raw=b"\x01\x02")
    dup = request(name, PROBE, [PROBE], [], fds=(wr, wr), targets=(1, 1), log=LOG)
    # The program always gets the tree's log: the launcher's own copy, whatever is asked.
    NO_LOG, FAKE_LOG = f"{wd}/no-log.txt", f"{wd}/fake-log.txt"  # denied: violations
    no_log = request(name, PROBE, [PROBE, "open", NO_LOG], [], fds=(wr,), targets=(1,))
    fake_log = request(name, PROBE, [PROBE, "open", FAKE_LOG], [], fds=(wr,), targets=(1,),
                       log=(wr, LOG[1]))
    # The loader of fnguard exec (outside the shim's filter) must not obey the request.
    erd, ewr = os.pipe()
    loader = request(name, PROBE, [PROBE, "getenv", "LD_LIBRARY_PATH", "getenv", "LD_PRELOAD",
                                   "getenv", "FNGUARD_MODE", "getenv", "HOSTALIASES"],
                     ["LD_DEBUG=libs", "LD_LIBRARY_PATH=/nonexistent", "GLIBC_TUNABLES=x=1",
                      "HOSTALIASES=/tmp/aliases", "FNGUARD_MODE=record",
                      "LD_PRELOAD=/nonexistent.so"],
                     fds=(wr, ewr), targets=(1, 2), log=LOG)
    os.close(ewr)
    loader_err = os.read(erd, 65536)
    os.close(erd)
    # A relative program is run as judged (cwd + name), never found on the request's PATH.
    os.symlink(OTHER, f"{wd}/out/sv-probe")
    rel = request(name, "sv-probe", ["sv-probe", "open", ALLOWED], [f"PATH={wd}/out"],
                  fds=(wr,), targets=(1,), log=LOG, cwd=os.path.dirname(PROBE))
    # Descriptors whose numbers trade places (chains and cycles): each lands where asked.
    pipes = [os.pipe() for _ in range(6)]
    perm = request(name, PROBE, [PROBE, "getenv", "FNGUARD_PERM"], ["FNGUARD_PERM=x"],
                   fds=[w for _, w in pipes], targets=[6, 5, 4, 3, 2, 1], log=LOG)
    for _, w in pipes:
        os.close(w)
    got = [os.read(r_, 4096) for r_, _ in pipes]
    for r_, _ in pipes:
        os.close(r_)
finally:
    os.close(wr)
out = b""
while True:
    b = os.read(rd, 65536)
    if not b:
        break
    out += b
os.close(rd)
p.stdin.write(b"\n")
p.stdin.close()
p.wait(timeout=10)
log = parse_log(read_log(fd))
t.ok(other and other[0][0] == 2 and other[0][1] == 13 and "does not allow" in other[0][2] and
     not os.path.exists(pwned),
     "raw request for a static program the profile does not allow: refused (EACCES), "
     "nothing runs", f"{other} exists={os.path.exists(pwned)}")
t.ok(dyn and dyn[0][0] == 2 and "not a static program" in dyn[0][2],
     "raw request for an allowed dynamic program: refused (it would escape the shim's filter)",
     f"{dyn}")
t.ok(len(weak) == 2 and weak[0][0] == 1 and weak[1][0] == 3 and weak[1][1] == 0 and
     f"open {DENIED} err EACCES".encode() in out and
     any(e.get("target") == DENIED and e.get("type") == "violation" for e in log),
     "raw request with FNGUARD_MODE=record, FNGUARD_NO_USER_NOTIF, another profile and "
     "LD_PRELOAD: the first process's settings apply (denied open refused and logged)",
     f"{weak} {out[-300:]!r}")
t.ok(len(loader) == 2 and loader[1][:2] == (3, 0) and b"find library" not in loader_err and
     b"ld.so" not in loader_err and b"getenv LD_LIBRARY_PATH /nonexistent\n" in out and
     b"getenv HOSTALIASES /tmp/aliases\n" in out and
     b"getenv LD_PRELOAD " + LIB.encode() + b"\n" in out and b"getenv FNGUARD_MODE " not in
     out.replace(b"getenv FNGUARD_MODE (unset)", b""),
     "raw request with LD_DEBUG, LD_LIBRARY_PATH, GLIBC_TUNABLES, HOSTALIASES: fnguard exec "
     "(outside the shim's filter) does not see them, the program does (its own environment), "
     "with the first process's LD_PRELOAD and FNGUARD_* instead of the request's",
     f"{loader} {loader_err[-300:]!r} {out[-600:]!r}")
t.ok(len(rel) == 2 and rel[1][:2] == (3, 0) and f"open {ALLOWED} ok".encode() in out,
     "raw request naming a relative program: the judged file runs (cwd + name), not what the "
     "request's PATH finds", f"{rel} {out[-300:]!r}")
t.ok([x[0] for x in no_log] == [1, 3] and [x[0] for x in fake_log] == [1, 3] and
     any(e.get("target") == NO_LOG and e.get("type") == "violation" for e in log) and
     any(e.get("target") == FAKE_LOG and e.get("type") == "violation" for e in log) and
     b'"type":"violation"' not in out,
     "raw request without the tree's log, or with a pipe in its place: the program's events "
     "still reach the tree's log (the launcher's own copy), none go to the pipe",
     f"{no_log} {fake_log} {out[-300:]!r}")
refusals = [e for e in log if e.get("type") == "error" and "refused" in e.get("message", "")]
t.ok(len(refusals) >= 4 and any(e.get("op") == "launcher" and e.get("target") == OTHER and
                                e.get("action") == "blocked" for e in log),
     "refused requests leave a trace in the tree's log (an error event each; a violation for "
     "the program the profile does not allow)", f"{len(refusals)} {log[-4:]}")
t.ok([x[0] for x in perm] == [1, 3] and got[5] == b"getenv FNGUARD_PERM (unset)\n" and
     not any(got[:5]),
     "six descriptors whose numbers trade places: the program's stdout is the one sent as 1 "
     "(and a request's FNGUARD_* never reaches it)", f"{perm} {got}")
t.ok(bad and bad[0][0] == 2 and short and short[0][0] == 2 and dup and dup[0][0] == 2 and
     bad[0][1] == 22 and "malformed" in bad[0][2] + short[0][2] + dup[0][2],
     "malformed requests (bad magic, too short, a descriptor named twice) are refused",
     f"{bad} {short} {dup}")

# Another user cannot use the launcher.
p, fd = start_root("echo $FNGUARD_LAUNCHER; read x")
name = p.stdout.readline().decode().strip()
child = subprocess.run([sys.executable, "-c", f"""
import os, socket
os.setgid(65534); os.setuid(65534)
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(10)
s.connect("\\0{name}")
try:
    s.send(b"x" * 48)
    print("reply", len(s.recv(256)))
except OSError as e:
    print("closed", e.errno)
"""], capture_output=True, timeout=30) if os.geteuid() == 0 else None
p.stdin.write(b"\n")
p.stdin.close()
p.wait(timeout=10)
read_log(fd)
if child is None:
    skip("another uid is refused", "not root")
else:
    t.ok(b"reply 0" in child.stdout or b"closed" in child.stdout,
         "a peer with another uid gets no answer (the connection is closed)",
         f"{child.returncode} {child.stdout!r} {child.stderr[-300:]!r}")

# The launcher runs outside the filter: the function must not reach into it. Run as nobody
# (no CAP_SYS_PTRACE): the launcher is not the first process's child, and opening its
# memory for writing is refused (it is not dumpable) even to a process of the same uid.
if os.geteuid() == 0 and os.access("/usr/bin/python3", os.X_OK):
    os.chmod(wd, 0o755)
    for f in (PROFILE, ALLOWED):
        os.chmod(f, 0o644)

    def as_nobody():
        os.setgid(65534)
        os.setuid(65534)

    fd = logfile()
    p = subprocess.Popen(["/bin/sh", "-c", "echo $FNGUARD_LAUNCHER; read x"],
                         env=shim_env(extra={"FNGUARD_LOG": f"fd:{fd}"}), cwd="/",
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, pass_fds=(fd,),
                         preexec_fn=as_nobody)
    p.stdout.readline()
    launchers = launchers_of(p.pid)
    probe = subprocess.run(["/usr/bin/python3", "-S", "-c", f"""
import os
for pid in {launchers!r}:
    try:
        os.close(os.open(f"/proc/{{pid}}/mem", os.O_RDWR))
        print("opened", pid)
    except OSError as e:
        print("refused", e.errno)
"""], capture_output=True, timeout=30, preexec_fn=as_nobody)
    parents = [ppid_of(pid) for pid in launchers]
    p.stdin.write(b"\n")
    p.stdin.close()
    p.wait(timeout=10)
    read_log(fd)
    t.ok(len(launchers) == 1 and p.pid not in parents and b"refused" in probe.stdout and
         b"opened" not in probe.stdout,
         "the launcher is not the first process's child and a process of the same uid cannot "
         "open its memory (not dumpable)",
         f"launchers={launchers} parents={parents} {probe.stdout!r} {probe.stderr[-300:]!r}")
else:
    skip("the launcher is not dumpable", "not root, or no /usr/bin/python3")

# ---- unavailable states -------------------------------------------------------------------

# The launcher gone: nothing runs, an error event says why (fail closed).
p, fd = start_root(f"read x; {PROBE} open {ALLOWED}; echo rc=$?")
time.sleep(0.2)
launchers = launchers_of(p.pid)
for pid in launchers:
    os.kill(pid, signal.SIGKILL)
time.sleep(0.2)
out, err = p.communicate(b"\n", timeout=30)
r = Result(p.returncode, out.decode(), err.decode(), read_log(fd))
errs = r.find(type="error")
t.ok(len(launchers) == 1 and r.has("rc=126") and f"open {ALLOWED}" not in r.stdout and errs and
     "cannot be reached" in errs[0].get("message", ""),
     "the launcher gone: the program does not run (126), an error event says why",
     f"launchers={launchers}\n{r.diag()}")

# No launcher (a profile without exec rules, alert mode): as before, a coverage event.
r = sh(f"{PROBE} open {DENIED} personality; echo rc=$?", profile=NO_EXEC)
cov = r.find(type="coverage", category="exec")
start = r.find(type="start")
launcher = start[0]["layers"].get("launcher", {}) if start else {}
landlock = start and start[0]["layers"]["landlock"]["status"] == "active"
t.ok(r.has("rc=0") and cov and "started no launcher" in cov[0]["detail"] and
     launcher.get("status") == "unavailable" and "allows no programs" in launcher.get("reason", "")
     and ("and Landlock" in cov[0]["detail"] if landlock else
          "syscall filter only" in cov[0]["detail"]),
     "no launcher (the profile allows no programs): the start event says why, the static "
     "program runs under the inherited filter with a coverage event naming the layers that "
     f"still hold (Landlock {'active' if landlock else 'not active'})", r.diag())

# Arguments and environment too big for one request: said before the exec, not after.
big = {"FNGUARD_TEST_BIG1": "x" * 70000, "FNGUARD_TEST_BIG2": "y" * 70000}
r = sh(f"{PROBE} open {ALLOWED}; echo rc=$?", extra={"BIG1": big["FNGUARD_TEST_BIG1"],
                                                      "BIG2": big["FNGUARD_TEST_BIG2"]})
cov = r.find(type="coverage", category="exec")
t.ok(not r.has("rc=0") and not any(l.startswith(f"open {ALLOWED}") for l in r.stdout.splitlines())
     and cov and "128 KiB" in cov[0]["detail"] and "refused" in cov[0]["detail"] and
     not r.find(type="error"),
     "arguments and environment over 128 KiB (enforce): refused before the exec with a coverage "
     "event saying why; the program never runs without the supervisor", r.diag())

# The CLI missing: no launcher either, and the start event says so.
r = sh(f"{PROBE} open {ALLOWED}; echo rc=$?", extra={"FNGUARD_CLI": "/nonexistent/fnguard"})
start = r.find(type="start")
launcher = start[0]["layers"].get("launcher", {}) if start else {}
cov = r.find(type="coverage", category="exec")
t.ok(launcher.get("status") == "unavailable" and "not found" in launcher.get("reason", "") and
     cov and "not found" in cov[0]["detail"],
     "no CLI: the start event reports the launcher unavailable, the exec a coverage event",
     r.diag())

# Without the filter (FNGUARD_NO_SECCOMP) no launcher is forked: fnguard exec directly.
r = sh(f"{PROBE} open {DENIED}; echo rc=$?", extra={"FNGUARD_NO_SECCOMP": "1"})
start = r.find(type="start")
t.ok(start and "launcher" not in start[0]["layers"] and r.has(f"open {DENIED} err EACCES"),
     "without the shim's filter there is no launcher; the handover execs fnguard exec "
     "directly", r.diag())

t.done()
