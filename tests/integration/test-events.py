#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: the event stream — integrity under threads, escaping of hostile
targets, where events go (never into a child's captured output), the start
record, and the fail-safe start-up rules."""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fnguard_test import (HELPERS, LIB, SOURCE, Tap, build_c, run, run_expecting,  # noqa: E402
                          workdir, write_profile)

tap = Tap()
W = workdir("events-")
FLOOD = os.path.join(HELPERS, "event-flood")
OPS = os.path.join(HELPERS, "file-ops")
PROFILE = write_profile(W, {
    "fnguard": 1,
    "extends": ["lambda-base"],
    "files": [{"path": HELPERS + "/**", "allow": "r"},
              {"path": sys.base_prefix + "/**", "allow": "r"}],
    "exec": [{"path": OPS}],
})

# ---- 8 threads x 10 000 violations -------------------------------------------
deny_dir = os.path.join(W, "denied")
os.makedirs(deny_dir)
r = run([FLOOD, "8", "10000", deny_dir], profile=PROFILE, mode="enforce", timeout=300)
lines = r.log.splitlines()
bad = [l for l in lines if not l.startswith("{") or "unparsable" in json.loads(l if l.startswith("{") else "{}")]
parsed = [e for e in r.events if "unparsable" not in e]
tap.ok(r.rc == 0 and len(parsed) == len(lines) and not bad,
       f"flood: all {len(lines)} lines are JSON objects", r.diag())
tap.ok(all(len(l.encode()) + 1 <= 4096 for l in lines), "flood: every line fits in 4 KiB")
logged = len(r.find(type="violation", op="open"))
suppressed = sum(e.get("suppressed", 0) for e in r.find(type="suppressed"))
tap.ok(logged + suppressed == 80000,
       f"flood: logged + suppressed = produced ({logged} + {suppressed} = 80000)", r.diag())
per_target = {}
for e in r.find(type="violation", op="open"):
    per_target[e["target"]] = per_target.get(e["target"], 0) + 1
tap.ok(len(per_target) == 400 and max(per_target.values()) <= 10 * 2,
       f"flood: rate limited per target ({len(per_target)} targets, at most "
       f"{max(per_target.values()) if per_target else 0} lines each)")
seqs = [e["seq"] for e in parsed]
tap.ok(len(set(seqs)) == len(seqs), "flood: sequence numbers are unique")

# ---- a descendant's program path is read when its first event is written -------------
# (event.c): by threads racing to write their first violations, and by the SIGSYS handler
# when a trapped system call is a process's first event. Each names the program it runs.
SYSOPS = os.path.join(HELPERS, "sys-ops")
TREE = write_profile(W, {
    "fnguard": 1, "extends": ["lambda-base"], "syscalls": ["@lambda-runtime"],
    "files": [{"path": HELPERS + "/**", "allow": "r"},
              {"path": sys.base_prefix + "/**", "allow": "r"}],
    "exec": [{"path": "/bin/sh"}, {"path": "/usr/bin/dash"}, {"path": FLOOD},
             {"path": SYSOPS}],
}, name="tree.json")
r = run(["/bin/sh", "-c", f"{FLOOD} 8 50 {deny_dir}; {SYSOPS} raw-unlisted; true"],
        profile=TREE, mode="enforce", timeout=120)
flood_ev = r.find(type="violation", op="open")
trap_ev = [e for e in r.find(type="violation") if e.get("category") == "syscall"]
tap.ok(flood_ev and all(e.get("exe") == os.path.realpath(FLOOD) for e in flood_ev)
       and trap_ev and all(e.get("exe") == os.path.realpath(SYSOPS) for e in trap_ev),
       "a descendant's events name its program: from racing threads, and from the SIGSYS "
       "handler first", r.diag())

# ---- the limiter never hides what a burst is not ---------------------------------
# Alert mode: twenty harmless denied commands, then a different command line on the
# same program, and reads of a file then a write to it: each distinct one is logged,
# not folded into the first ones' count (review, 2026-11-23).
py = os.path.realpath(subprocess.run([sys.executable, "-c", "import sys; print(sys.executable)"],
                                     capture_output=True, text=True).stdout.strip())
code = ("import os, subprocess\n"
        "for _ in range(20):\n"
        "    subprocess.run(['/bin/sh', '-c', 'date'], stdout=subprocess.DEVNULL)\n"
        "subprocess.run(['/bin/sh', '-c', 'echo SECRET-EXFIL'], stdout=subprocess.DEVNULL)\n"
        f"for _ in range(20):\n    open({W + '/quiet'!r}).close()\n"
        f"open({W + '/quiet'!r}, 'a').close()\n")
with open(W + "/quiet", "w") as f:
    f.write("x\n")
r = run([py, "-c", code], profile=PROFILE, mode="alert", timeout=120)
shells = r.find(type="violation", category="exec", target="/bin/sh")
writes = [e for e in r.find(type="violation", category="file", target=W + "/quiet")
          if "w" in e.get("access", "")]
tap.ok(r.rc == 0 and any("SECRET-EXFIL" in " ".join(e.get("argv", [])) for e in shells) and
       writes,
       "alert: a different command line, or a write after reads, is logged despite a burst "
       "on the same target", r.diag())

# ---- hostile targets ------------------------------------------------------------
hostile = {
    "quote": b'q"uote\\back',
    "newline": b"new\nline\r\tand\x01\x1f\x7f",
    "utf8-bad": b"bad\xff\xfe\xc0\xafutf8",
    "utf8-good": "h\u00e9llo-\u6f22\u5b57-\U0001f600".encode(),
    # Longer than an event, shorter than PATH_MAX (a longer name is the kernel's ENAMETOOLONG,
    # nothing to report) and in components the kernel takes (NAME_MAX).
    "long": (b"L" * 199 + b"/") * 19 + b"L" * 150,
}
for name, raw in hostile.items():
    path = os.fsencode(W) + b"/no/" + raw
    r = run([os.fsencode(OPS), b"open-r", path], profile=PROFILE, mode="enforce")
    lines = r.log.splitlines()
    ev = r.find(type="violation", op="open")
    ok = r.rc == 1 and len(ev) == 1 and all(len(l.encode()) < 4096 for l in lines)
    if ok and name in ("quote", "newline", "utf8-good"):
        ok = ev[0]["target"].encode() == path
    if ok and name == "utf8-bad":
        ok = ev[0]["target"].startswith(W + "/no/bad") and "\ufffd" in ev[0]["target"]
    if ok and name == "long":
        # Cut, but the verdict is whole: mode, action and rule come before the target.
        ok = ev[0].get("truncated") is True and ev[0].get("seq") and ev[0].get("pid") and \
            ev[0].get("action") == "blocked" and ev[0].get("mode") == "enforce" and \
            ev[0].get("rule")
    tap.ok(ok, f"hostile target ({name}) makes one valid line", r.diag())

# ---- where events go ----------------------------------------------------------------
py = sys.executable
script = ("import subprocess, sys\n"
          "a = subprocess.check_output(['/bin/echo', 'child-output'])\n"
          "b = subprocess.check_output(['/bin/echo', 'child-output'], close_fds=False)\n"
          "c = subprocess.check_output(['/bin/sh', '-c', 'x=$(cat /etc/hostname); echo \"[$x]\"'])\n"
          "sys.stderr.write(repr((a, b, c)))\n")
bare = subprocess.run([py, "-c", script], capture_output=True)
r = run([py, "-c", script], mode="record")
tap.ok(r.rc == 0 and r.stderr == bare.stderr.decode(),
       "a child's captured stdout is byte-for-byte what it is without fnguard", r.diag())
tap.ok(len(r.find(type="start")) == 1, "one start event per process tree", r.diag())
tap.ok(any(e.get("exe", "").endswith("/cat") and e.get("target") == "/etc/hostname"
           for e in r.find(type="learn")), "children's events reach the first process's log",
       r.diag())

# The log goes to the first process's stdout by default, never a child's.
env = {k: v for k, v in os.environ.items() if not k.startswith("FNGUARD_")}
env.update({"LD_PRELOAD": LIB, "FNGUARD_MODE": "record",
            "FNGUARD_PROFILE_PATH": os.path.join(SOURCE, "profiles")})
p = subprocess.run([py, "-c", script], env=env, capture_output=True)
all_lines = p.stdout.decode().splitlines()
out_lines = [l for l in all_lines if l]
tap.ok(p.returncode == 0 and out_lines and all(json.loads(l).get("logger") == "fnguard"
                                               for l in out_lines)
       and p.stderr == bare.stderr, "default destination: the first process's stdout only",
       p.stdout[-500:])
# Shared with the function's stdout, each event starts with a newline of its own (log_line.h).
tap.ok(p.stdout.decode().startswith("\n{") and len(all_lines) == 2 * len(out_lines),
       "on the function's stdout every event is written after a newline of its own",
       p.stdout[:300])

# Two threads dup2'ing onto the log's number and the number above (pure Python): the log
# moves to the number above when the first takes its number; the second's dup2, checked
# before the move and made after it, replaced the log, and every later event was lost.
secret = os.path.join(W, "denied", "dup-race")
code = f"""
import os, threading
n = int(os.environ["FNGUARD_LOG"].split(":")[1])
ident = os.fstat(n)
def log_number():
    for fd in sorted(int(x) for x in os.listdir("/proc/self/fd")):
        try:
            st = os.fstat(fd)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) == (ident.st_dev, ident.st_ino):
            return fd
    return None
null = os.open("/dev/null", os.O_WRONLY)
cur = log_number()
stop = False
def onto(k):
    if k != null:
        try:
            os.dup2(null, k)
            os.close(k)
        except OSError:
            pass
def neighbour():
    while not stop:
        onto(cur + 1)
t = threading.Thread(target=neighbour)
t.start()
try:
    for i in range(3000):
        onto(cur)
        cur = log_number() or cur  # None: seen while it moves
finally:
    stop = True
    t.join()
print("log", "lost" if log_number() is None else "kept")
for i in range(3):
    try:
        open({secret!r}).read()
    except OSError:
        pass
"""
r = run([sys.executable, "-c", code], profile=PROFILE, mode="enforce")
tap.ok(r.rc == 0 and r.stdout == "log kept\n" and
       len(r.find(type="violation", target=secret)) >= 1,
       "dup2 onto the log's number racing a dup2 onto the number it moves to: the log is "
       "never replaced, later violations are still logged", r.diag())

# dup2 is async-signal-safe: a handler's dup2 interrupting the thread's own dup2 (which now
# takes the log's lock) must not wait on that thread.
sigdup = os.path.join(W, "sig-dup2")
if build_c(os.path.join(W, "sig-dup2.c"), sigdup, r"""#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <unistd.h>
static volatile sig_atomic_t hits;
static void on_alarm(int sig)
{
	dup2(0, 50);
	hits++;
}
int main(void)
{
	struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
	struct itimerval it = {{0, 100}, {0, 100}};
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	while (hits < 2000)
		dup2(1, 51);
	puts("done");
	return 0;
}
"""):
    ok, diag = run_expecting([sigdup], PROFILE, "done\n")
    tap.ok(ok, "dup2 from a signal handler that interrupted the thread's own dup2: 2000 "
           "times, none waits for ever", diag)
else:
    tap.ok(False, "sig-dup2 builds")

# A child made by clone() without CLONE_VM has memory of its own, as a fork child, but
# glibc runs no atfork handler for it: the shim took it for a vfork child sharing its
# parent's memory, where the log cannot be moved, so a dup2 over the log's number there
# lost every event of that child.
clone_c = os.path.join(W, "clone-log.c")
with open(clone_c, "w") as f:
    f.write(r"""#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
static const char *secret;
static int child(void *unused)
{
	int null = open("/dev/null", O_WRONLY);
	dup2(null, atoi(getenv("FNGUARD_LOG_FD")));
	return open(secret, O_RDONLY) < 0 ? 0 : 1;
}
int main(int argc, char **argv)
{
	static char stack[1 << 16];
	int status;
	secret = argv[1];
	struct clone_args args = {.exit_signal = SIGCHLD};
	pid_t p = argc < 3		  ? clone(child, stack + sizeof(stack), SIGCHLD, NULL)
		  : argv[2][0] == 'c' ? (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0)
		  : argv[2][0] == '3' ? (pid_t)syscall(SYS_clone3, &args, sizeof(args))
				      : (pid_t)syscall(SYS_fork);
	if (p < 0 && errno == ENOSYS) /* what callers of clone3 do where it is missing */
		p = fork();
	if (p == 0)
		_exit(child(NULL));
	waitpid(p, &status, 0);
	printf("child %d\n", WEXITSTATUS(status));
	return 0;
}
""")
clone_prog = os.path.join(W, "clone-log")
secret = os.path.join(W, "denied", "clone-secret")
if subprocess.run(["cc", "-o", clone_prog, clone_c]).returncode == 0:
    for how, name in (([], "clone()"), (["clone"], "syscall(SYS_clone)"),
                      (["fork"], "syscall(SYS_fork)")):
        r = run([clone_prog, secret] + how, profile=PROFILE, mode="enforce")
        tap.ok(r.rc == 0 and r.stdout == "child 0\n" and
               r.find(type="violation", target=secret),
               f"a {name} child with memory of its own "
               "moves the log away from a dup2 over its number, as a fork child does: its "
               "violation is logged", r.diag())
    # clone3's flags are behind a pointer: through syscall() it answers ENOSYS, as the
    # seccomp layer does (here turned off), and the caller falls back to calls judged.
    r = run([clone_prog, secret, "3"], profile=PROFILE, mode="enforce",
            env={"FNGUARD_NO_SECCOMP": "1"})
    tap.ok(r.rc == 0 and r.stdout == "child 0\n" and r.find(type="violation", target=secret),
           "syscall(SYS_clone3) answers ENOSYS without the seccomp layer too: the caller's "
           "fork child moves the log away from a dup2 over its number, its violation logged",
           r.diag())
else:
    tap.ok(False, "clone-log builds")

# ---- Lambda context ------------------------------------------------------------------
r = run([OPS, "open-r", os.path.join(W, "nope")], profile=PROFILE, mode="enforce",
        env={"AWS_LAMBDA_FUNCTION_NAME": "orders-api", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
             "_X_AMZN_TRACE_ID": "Root=1-5e1b4151-5ac6c58f5b5dbd6a0a3d1234;Sampled=1"})
ev = r.find(type="violation")
tap.ok(ev and ev[0].get("function") == "orders-api" and ev[0].get("version") == "$LATEST"
       and ev[0].get("traceId", "").startswith("Root=1-5e1b4151"),
       "events carry function, version and traceId", r.diag())
# A child given other Lambda variables by the function still carries the tree's labels:
# the first process pins them (FNGUARD_FUNCTION_NAME, FNGUARD_FUNCTION_VERSION).
LABELS = write_profile(W, {"fnguard": 1, "extends": ["lambda-base"],
                           "files": [{"path": HELPERS + "/**", "allow": "r"}],
                           "exec": [{"path": "/bin/sh"}, {"path": "/usr/bin/dash"},
                                    {"path": OPS}]}, name="labels.json")
r2 = run(["/bin/sh", "-c", "AWS_LAMBDA_FUNCTION_NAME=some-other-fn AWS_LAMBDA_FUNCTION_VERSION=7 "
          f"{OPS} open-r {W}/nope"], profile=LABELS, mode="enforce",
         env={"AWS_LAMBDA_FUNCTION_NAME": "orders-api", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST"})
child = [e for e in r2.find(type="violation") if e.get("target") == f"{W}/nope"]
tap.ok(child and all(e.get("function") == "orders-api" and e.get("version") == "$LATEST"
                     for e in child),
       "a child given other Lambda variables is still labelled with the tree's function and "
       "version", r2.diag())
e = ev[0] if ev else {}
tap.ok(e.get("level") == "WARN" and e.get("logger") == "fnguard" and
       e.get("timestamp", "").endswith("Z") and len(e.get("timestamp", "")) == 24,
       "events carry level, logger and an RFC 3339 timestamp with milliseconds", r.diag())

# ---- a broken log never breaks the function or turns a deny into an allow -----------
env = {k: v for k, v in os.environ.items() if not k.startswith("FNGUARD_")}
env.update({"LD_PRELOAD": LIB, "FNGUARD_PROFILE": PROFILE, "FNGUARD_MODE": "enforce",
            "FNGUARD_PROFILE_PATH": os.path.join(SOURCE, "profiles")})
p = subprocess.run(f"exec {OPS} open-r {W}/nope >&-", shell=True, env=env, capture_output=True)
tap.ok(p.returncode == 1 and b"errno=EACCES" in p.stderr,
       "stdout closed: the deny still holds and the program runs on", p.stderr)
rd, wr = os.pipe()
os.close(rd)
p = subprocess.run([OPS, "open-r", f"{W}/nope"], env=env, stdout=wr, stderr=subprocess.PIPE)
os.close(wr)
tap.ok(p.returncode == 1 and b"errno=EACCES" in p.stderr,
       "stdout a broken pipe: the deny still holds, no SIGPIPE death", p.stderr)

# ---- start-up rules ------------------------------------------------------------------
r = run([OPS, "open-r", "/etc/hostname"])
st = r.find(type="start")
tap.ok(r.rc == 0 and st and st[0].get("profile") is None and st[0].get("mode") == "record"
       and "no profile" in st[0].get("message", ""),
       "no profile: record mode, and the start event says so", r.diag())
tap.ok(st and st[0]["layers"]["libc"]["status"] == "active" and
       st[0]["layers"]["seccomp"]["status"] == "unavailable" and "reason" in st[0]["layers"]["seccomp"],
       "the start event lists each layer and why one is not active", r.diag())

broken = write_profile(W, {"fnguard": 1, "files": [{"path": "relative", "allow": "r"}]},
                       "broken.json")
r = run([OPS, "open-r", "/etc/hostname"], profile=broken)
err = r.find(type="error")
tap.ok(r.rc == 126 and err and "relative" in err[0].get("detail", ""),
       "a broken profile in enforce mode: exit 126 before main, with an error event", r.diag())
r = run([OPS, "open-r", "/etc/hostname"], profile=broken, env={"FNGUARD_ON_ERROR": "open"})
tap.ok(r.rc == 0 and r.find(type="error"), "FNGUARD_ON_ERROR=open: logs the error and runs",
       r.diag())
r = run([OPS, "open-r", "/etc/hostname"], profile=broken, mode="alert")
tap.ok(r.rc == 0 and r.find(type="error"), "a broken profile in alert mode: logged, runs",
       r.diag())
r = run([OPS, "open-r", "/etc/hostname"], profile=os.path.join(W, "missing.json"))
tap.ok(r.rc == 126 and r.find(type="error"), "a missing profile in enforce mode: exit 126",
       r.diag())
r = run([OPS, "open-r", "/etc/hostname"], mode="enforce")
tap.ok(r.rc == 126 and r.find(type="error"), "enforce without a profile: exit 126", r.diag())
r = run([OPS, "open-r", "/etc/hostname"], profile=PROFILE, mode="bogus")
tap.ok(r.rc == 126 and r.find(type="error"), "an unknown FNGUARD_MODE: exit 126", r.diag())

shutil.rmtree(W, ignore_errors=True)
sys.exit(tap.done())
