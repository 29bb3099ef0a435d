#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: fail-safe semantics (docs/security.md, "Fail-safe semantics"). Every way fnguard itself can
fail — the profile (missing, unreadable, malformed, unknown syscall, newer
format), the seccomp layer (not there, a thread it cannot synchronise), the
log (closed, full, broken), memory (allocation failing inside the shim at
every point of its life) and fork in a multithreaded process — is tried in
each mode. Enforce must never run a denied call; alert and record must never
change what the function sees."""
import json
import os
import re
import resource
import select
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fnguard_test import (BUILD, HELPERS, LIB, SOURCE, Run, Tap, build_c, workdir,  # noqa: E402
                         write_profile)

tap = Tap()
W = workdir("failsafe-")
os.chmod(W, 0o755)
OPS = os.path.join(HELPERS, "failsafe-ops")
TSYNC = os.path.join(HELPERS, "failsafe-tsync")
FORKMT = os.path.join(HELPERS, "failsafe-forkmt")
NOMALLOC = os.path.join(HELPERS, "failsafe-nomalloc.so")
FNGUARD = os.path.join(BUILD, "tools", "fnguard")
MODES = ("enforce", "alert", "record")

OK_FILE = os.path.join(W, "ok.txt")
SECRET = os.path.join(W, "secret.txt")
for path, text in ((OK_FILE, "fine\n"), (SECRET, "secret\n")):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, 0o644)

RULES = {
    "fnguard": 1,
    "extends": ["lambda-base"],
    "files": [{"path": HELPERS + "/**", "allow": "r"}, {"path": OK_FILE, "allow": "r"},
              {"path": W + "/out/**", "allow": "rwc"}],
    "exec": [{"path": "/bin/true"}, {"path": "/usr/bin/true"}, {"path": OPS}],
}
PROFILE = write_profile(W, RULES)
PROFILE_SC = write_profile(W, dict(RULES, syscalls=["@lambda-runtime"]), "syscalls.json")
REQUIRE = write_profile(W, dict(RULES, syscalls=["@lambda-runtime"], require=["seccomp"]),
                        "require.json")
TWO_OPENS = [OPS, "open-r", OK_FILE, "open-r", SECRET]
os.mkdir(os.path.join(W, "out"))


def go(argv, profile=None, mode=None, env=None, timeout=60, log="file", preload=LIB,
       **popen):
    """Runs argv under the shim. log: "file" (a separate log file, fd:N), a
    file descriptor to use as the log (fd:N), or None (the default: stdout)."""
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("FNGUARD_") and k != "LD_PRELOAD"}
    e["LD_PRELOAD"] = preload
    e["FNGUARD_PROFILE_PATH"] = os.path.join(SOURCE, "profiles")
    if profile:
        e["FNGUARD_PROFILE"] = profile
    if mode:
        e["FNGUARD_MODE"] = mode
    e.update(env or {})
    e["PWD"] = "/tmp"
    with tempfile.TemporaryFile() as logf:
        fds = ()
        if log == "file":
            fds = (logf.fileno(),)
            e["FNGUARD_LOG"] = f"fd:{logf.fileno()}"
        elif isinstance(log, int):
            fds = (log,)
            e["FNGUARD_LOG"] = f"fd:{log}"
        try:
            p = subprocess.run(argv, env=e, cwd="/tmp", capture_output=True, timeout=timeout,
                               pass_fds=fds, **popen)
            rc, out, err = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired as t:
            rc, out, err = "timeout", t.stdout or b"", t.stderr or b""
        logf.seek(0)
        text = logf.read().decode("utf-8", "replace")
    if log is None:
        text = out.decode("utf-8", "replace")
    events = []
    for line in text.splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            events.append({"unparsable": line})
    return Run(rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), events, text)


def saw(r, path, result):
    return f"open-r {path}: {result}" in r.stderr


def ran_normally(r, secret_result):
    """The program ran to its end and saw what it would without fnguard (or the deny)."""
    return r.rc == 0 and saw(r, OK_FILE, "ok") and saw(r, SECRET, secret_result)


def expected_secret(mode):
    return "EACCES" if mode == "enforce" else "ok"


# An event is written inside calls that are no cancellation point (a stat learned in record
# mode, judged in alert mode): the write must not make them one, nor lose what was learned.
for mode in ("record", "alert"):
    r = go([OPS, "cancel-stat", SECRET], profile=PROFILE, mode=mode)
    ev = [e for e in r.events if e.get("target") == SECRET and
          e.get("type") == ("learn" if mode == "record" else "violation")]
    tap.ok(r.rc == 0 and f"cancel-stat {SECRET}: returned" in r.stderr and ev,
           f"{mode}: a thread with a cancel pending is not cancelled inside stat by the event "
           "it writes, and the event is there", r.diag())

# ---- the profile -------------------------------------------------------------------
bad = {}
bad["missing"] = os.path.join(W, "no-such-profile.json")
bad["a directory"] = os.path.join(W, "dir.json")
os.mkdir(bad["a directory"])
bad["a FIFO"] = os.path.join(W, "fifo.json")
os.mkfifo(bad["a FIFO"])
bad["malformed"] = os.path.join(W, "malformed.json")
with open(bad["malformed"], "w", encoding="utf-8") as f:
    f.write('{"fnguard": 1, "files": [')
bad["an unknown syscall"] = write_profile(W, dict(RULES, syscalls=["opne"]), "unknown-sc.json")
bad["format version 2"] = write_profile(W, dict(RULES, fnguard=2), "v2.json")
# A compiled bundle whose format version is newer than this library's.
bundle = os.path.join(W, "profile.fgb")
p = subprocess.run([FNGUARD, "compile", "--format", "bundle", "-o", bundle, PROFILE_SC],
                   env=dict(os.environ, FNGUARD_PROFILE_PATH=os.path.join(SOURCE, "profiles")),
                   capture_output=True)
tap.ok(p.returncode == 0, "a bundle of the test profile compiles", p.stderr)
with open(bundle, "rb") as f:
    data = bytearray(f.read())
newer = os.path.join(W, "newer.fgb")
data[8:12] = (0x7fff).to_bytes(4, "little")
with open(newer, "wb") as f:
    f.write(data)
bad["a bundle of a newer format"] = newer

for what, path in bad.items():
    for mode in MODES:
        r = go(TWO_OPENS, profile=path, mode=mode, timeout=15)
        err = r.find(type="error")
        start = r.find(type="start")
        if mode == "enforce":
            good = (r.rc == 126 and err and err[0].get("errno") and not start
                    and "open-r" not in r.stderr)
            tap.ok(good, f"profile {what}, enforce: exit 126 before main, error event", r.diag())
        else:
            good = (ran_normally(r, "ok") and err and start and start[0].get("mode") == "record"
                    and start[0].get("profile") is None
                    and "could not be loaded" in start[0].get("message", ""))
            tap.ok(good, f"profile {what}, {mode}: runs untouched, recording; error and start "
                   "events say so", r.diag())

# Unreadable: as an unprivileged user, a profile only root may read. The program and
# the library are copied where that user can reach them (the tree may be under /root).
locked = write_profile(W, RULES, "locked.json")
os.chmod(locked, 0o600)
shared = os.path.join(W, "shared")
os.mkdir(shared)
for path in (OPS, LIB):
    shutil.copy2(path, shared)
for mode in MODES:
    r = go([os.path.join(shared, "failsafe-ops")] + TWO_OPENS[1:], profile=locked, mode=mode,
           preload=os.path.join(shared, os.path.basename(LIB)), user=65534, group=65534,
           extra_groups=[])
    err = r.find(type="error")
    if mode == "enforce":
        tap.ok(r.rc == 126 and err and err[0].get("errno") == 13 and "open-r" not in r.stderr,
               "profile unreadable (EACCES), enforce: exit 126, error event with errno 13",
               r.diag())
    else:
        tap.ok(ran_normally(r, "ok") and err and err[0].get("errno") == 13,
               f"profile unreadable (EACCES), {mode}: runs untouched, error event", r.diag())

# ---- the seccomp layer -------------------------------------------------------------------
for mode in MODES:
    r = go(TWO_OPENS, profile=REQUIRE, mode=mode, env={"FNGUARD_NO_SECCOMP": "1"})
    if mode == "enforce":
        tap.ok(r.rc == 126 and r.find(type="error") and "open-r" not in r.stderr,
               "require seccomp, layer off, enforce: exit 126", r.diag())
    elif mode == "alert":
        tap.ok(ran_normally(r, "ok") and r.find(type="error") and r.find(type="start"),
               "require seccomp, layer off, alert: runs, with an error event", r.diag())
    else:
        tap.ok(ran_normally(r, "ok") and not r.find(type="error"),
               "require seccomp, record: runs (record mode installs no filter)", r.diag())

# A thread that exists before the shim's constructor (started from .preinit_array).
r = go([TSYNC, "plain"], profile=PROFILE_SC, mode="enforce")
trapped = [e for e in r.find(type="violation", op="msgget") if e.get("tid") != e.get("pid")]
tap.ok(r.rc == 0 and "before=0" in r.stderr and "thread result=ERR errno=EPERM" in r.stderr
       and "main result=ERR errno=EPERM" in r.stderr and trapped,
       "a thread running before the filter is installed is filtered too (TSYNC), and logged",
       r.diag())
r = go([TSYNC, "plain"], profile=PROFILE_SC, mode="alert")
tap.ok(r.rc == 0 and "thread result=OK" in r.stderr and "main result=OK" in r.stderr,
       "the same in alert mode: the calls run", r.diag())

# A thread with a filter of its own: TSYNC cannot succeed.
r = go([TSYNC, "own-filter"], profile=PROFILE_SC, mode="enforce")
st = r.find(type="start")
layer = st[0]["layers"]["seccomp"] if st else {}
tap.ok(r.rc == 0 and st and st[0].get("level") == "WARN" and layer.get("status") == "unavailable"
       and layer.get("error") == "EBUSY" and "TSYNC" in layer.get("reason", ""),
       "a thread that cannot be synchronised: the degraded start is a WARN start event with "
       "the reason", r.diag())
r = go([TSYNC, "own-filter"], profile=REQUIRE, mode="enforce")
tap.ok(r.rc == 126 and r.find(type="error") and "main result" not in r.stderr,
       "... and with require seccomp, enforce refuses to start", r.diag())
r = go([TSYNC, "own-filter"], profile=REQUIRE, mode="alert")
tap.ok(r.rc == 0 and "main result=OK" in r.stderr and r.find(type="error"),
       "... while alert runs, with an error event", r.diag())

# ---- the log -------------------------------------------------------------------------------
for mode in MODES:
    want = expected_secret(mode)
    # Closed before the program starts: the default destination (stdout) is gone.
    r = go(TWO_OPENS, profile=PROFILE, mode=mode, log=None,
           preexec_fn=lambda: os.close(1))
    tap.ok(ran_normally(r, want), f"stdout closed at start, {mode}: the function runs as it "
           "would, decisions unchanged", r.diag())

    # Closed through libc by the function: a pretend close, the log lives on.
    r = go([OPS, "close-log", "open-r", SECRET], profile=PROFILE, mode=mode)
    kind = "learn" if mode == "record" else "violation"
    tap.ok(r.rc == 0 and "close-log: ok" in r.stderr and saw(r, SECRET, want)
           and r.find(type=kind, target=SECRET),
           f"log closed by the function, {mode}: close succeeds, events still logged", r.diag())

    # Closed behind the shim's back: events are lost, never anything else.
    r = go([OPS, "raw-close-log", "open-r", SECRET, "open-r", OK_FILE], profile=PROFILE,
           mode=mode)
    tap.ok(r.rc == 0 and "raw-close-log: ok" in r.stderr and saw(r, SECRET, want)
           and saw(r, OK_FILE, "ok") and not r.find(target=SECRET),
           f"log closed by a raw syscall, {mode}: events lost, the function unaffected",
           r.diag())

    # dup2 onto the log's number: the log moves, the function's file gets nothing of ours.
    mine = os.path.join(W, "out", f"dup2-{mode}.txt")
    r = go([OPS, "dup2-log", mine, "open-r", SECRET], profile=PROFILE, mode=mode)
    with open(mine, "rb") as f:
        content = f.read()
    tap.ok(r.rc == 0 and saw(r, SECRET, want) and content == b""
           and r.find(type=kind, target=SECRET),
           f"dup2 onto the log's number, {mode}: the log moves away, the file stays the "
           "function's", r.diag() + f"\nfile={content[:200]!r}")

    # /dev/full: every write fails with ENOSPC.
    full = os.open("/dev/full", os.O_WRONLY)
    r = go(TWO_OPENS, profile=PROFILE, mode=mode, log=full)
    os.close(full)
    tap.ok(ran_normally(r, want), f"log on /dev/full, {mode}: the function runs as it would",
           r.diag())

    # A reader that went away: EPIPE, and no SIGPIPE death.
    rd, wr = os.pipe()
    os.close(rd)
    r = go(TWO_OPENS, profile=PROFILE, mode=mode, log=wr)
    os.close(wr)
    tap.ok(ran_normally(r, want), f"log a broken pipe, {mode}: no SIGPIPE, runs as it would",
           r.diag())

    # The same in a descendant, which learns what its log is from the descriptor handed down.
    rd, wr = os.pipe()
    os.close(rd)
    r = go([OPS, "exec"] + TWO_OPENS, profile=PROFILE, mode=mode, log=wr)
    os.close(wr)
    tap.ok(ran_normally(r, want), f"log a broken pipe, {mode}, a descendant: no SIGPIPE, "
           "runs as it would", r.diag())

    # The program's own SIGPIPE, blocked and pending, is still its own after events fail with
    # EPIPE; one the events raise is not left behind for it.
    for own in (True, False):
        rd, wr = os.pipe()
        os.close(rd)
        argv = [OPS, "block-sigpipe"] + (["raise-sigpipe"] if own else []) + TWO_OPENS[1:]
        r = go(argv + ["sigpipe-pending"], profile=PROFILE, mode=mode, log=wr)
        os.close(wr)
        expect = "sigpipe-pending: " + ("yes" if own else "no")
        tap.ok(ran_normally(r, want) and expect in r.stderr,
               f"log a broken pipe, {mode}, SIGPIPE blocked by the program"
               f"{' and pending' if own else ''}: {expect}", r.diag())


# The same for an event the SIGSYS handler writes: the handler's mask blocks SIGPIPE and
# SIGXFSZ (the kernel sets it on entry), and one its write raised is taken back before the
# interrupted code runs again.
TRAPS = [OPS, "trap", "trap"] + TWO_OPENS[1:]
rd, wr = os.pipe()
os.close(rd)
r = go(TRAPS, profile=PROFILE_SC, mode="enforce", log=wr)
os.close(wr)
tap.ok(ran_normally(r, "EACCES") and r.stderr.count("trap: EPERM") == 2,
       "log a broken pipe, enforce, a trapped system call's event: no SIGPIPE, runs as it "
       "would", r.diag())
for own in (True, False):
    rd, wr = os.pipe()
    os.close(rd)
    argv = [OPS, "block-sigpipe"] + (["raise-sigpipe"] if own else []) + TRAPS[1:]
    r = go(argv + ["sigpipe-pending"], profile=PROFILE_SC, mode="enforce", log=wr)
    os.close(wr)
    expect = "sigpipe-pending: " + ("yes" if own else "no")
    tap.ok(ran_normally(r, "EACCES") and r.stderr.count("trap: EPERM") == 2
           and expect in r.stderr,
           f"log a broken pipe, enforce, a trapped system call's event, SIGPIPE blocked by the "
           f"program{' and pending' if own else ''}: {expect}", r.diag())
# A log file past the program's RLIMIT_FSIZE: the start event fits, the traps' do not.
with tempfile.TemporaryFile() as small:
    r = go([OPS] + ["trap"] * 12 + TWO_OPENS[1:], profile=PROFILE_SC, mode="enforce",
           log=small.fileno(),
           preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048)))
    size = os.fstat(small.fileno()).st_size
tap.ok(ran_normally(r, "EACCES") and r.stderr.count("trap: EPERM") == 12 and 0 < size <= 2048,
       "log file at the file size limit, enforce, trapped system calls' events: no SIGXFSZ, "
       "runs as it would", r.diag() + f"\nlog size {size}")


# The SIGSYS handler's event write waits on a full log pipe, and then:
#   jump:  the program's SIGALRM handler jumps out of it (siglongjmp). Nothing of the
#          handler may stay behind: the thread's next event, on a pipe whose reader went
#          away, must not kill it with SIGPIPE (the handler's mask was taken for the
#          thread's: exit 141); with the pipe drained instead (jump-again), the thread's
#          next trapped call is logged (the handler's nesting mark stayed: EPERM, no event);
#   vfork: the trapped call is a vfork child's, and SIGALRM kills the child in there. The
#          parent thread shares its memory: its next calls must still be judged (they were
#          not: the secret was read).
STALL = os.path.join(W, "stall-in-handler")
STALL_C = r"""#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "raw_syscall.h"

static sigjmp_buf env;
static void on_alrm(int s) { (void)s; siglongjmp(env, 1); }
static const struct itimerval soon = {.it_value = {0, 200000}};

int main(int argc, char **argv)
{
	char buf[4096], line[8];
	int fl = fcntl(1, F_GETFL);
	(void)argc;
	memset(buf, 'x', sizeof(buf));
	fcntl(1, F_SETFL, fl | O_NONBLOCK);
	while (write(1, buf, sizeof(buf)) > 0)
		;
	while (write(1, buf, 1) > 0)
		;
	fcntl(1, F_SETFL, fl);
	if (!strncmp(argv[1], "jump", 4)) {
		struct sigaction sa = {.sa_handler = on_alrm};
		sigaction(SIGALRM, &sa, NULL);
		if (sigsetjmp(env, 1) == 0) {
			setitimer(ITIMER_REAL, &soon, NULL);
			raw_syscall(SYS_msgget, 0, 0);
			fprintf(stderr, "not stalled\n");
		} else {
			fprintf(stderr, "jumped\n");
		}
	} else {
		pid_t pid = vfork();
		if (pid == 0) {
			setitimer(ITIMER_REAL, &soon, NULL); /* SIGALRM's default: the end */
			raw_syscall(SYS_msgget, 0, 0);
			_exit(0);
		}
		int st = 0;
		waitpid(pid, &st, 0);
		fprintf(stderr, "child %s\n", WIFSIGNALED(st) ? "killed" : "exited");
	}
	if (!fgets(line, sizeof(line), stdin))
		return 3;
	if (!strcmp(argv[1], "jump-again")) {
		long r = raw_syscall(SYS_msgget, 0, 0);
		fprintf(stderr, "again: %s\n", r < 0 ? strerrorname_np(errno) : "ok");
	}
	int fd = open(argv[2], O_RDONLY);
	fprintf(stderr, "open: %s\n", fd < 0 ? strerrorname_np(errno) : "ok");
	return 0;
}
"""


def stall_run(how):
    """stall-in-handler HOW SECRET under enforce; stdout (the log) is a pipe this test
    closes (jump) or drains (vfork) once the program says where it is."""
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("FNGUARD_") and k != "LD_PRELOAD"}
    e.update(LD_PRELOAD=LIB, FNGUARD_PROFILE_PATH=os.path.join(SOURCE, "profiles"),
             FNGUARD_PROFILE=PROFILE_SC, FNGUARD_MODE="enforce", PWD="/tmp")
    p = subprocess.Popen([STALL, how, SECRET], env=e, cwd="/tmp", stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    said = p.stderr.readline().decode()
    log = b""
    if how == "jump":
        p.stdout.close()
    else:
        os.set_blocking(p.stdout.fileno(), False)
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            select.select([p.stdout], [], [], 0.1)
            try:
                chunk = p.stdout.read()
            except BlockingIOError:
                chunk = None
            if chunk:
                log += chunk
            elif log:
                break
    try:
        p.stdin.write(b"go\n")
        p.stdin.close()
    except BrokenPipeError:
        pass
    rest = p.stderr.read().decode()
    if how != "jump":
        os.set_blocking(p.stdout.fileno(), True)
        log += p.stdout.read()
    rc = p.wait(timeout=30)
    return rc, said + rest, log.decode("utf-8", "replace")


if build_c(STALL + ".c", STALL, STALL_C, "-I" + os.path.join(SOURCE, "lib")):
    rc, err, _ = stall_run("jump")
    tap.ok(rc == 0 and "jumped" in err and "open: EACCES" in err,
           "a jump out of the SIGSYS handler while its event waits on the log: the thread's "
           f"next event on a broken pipe does not kill it (exit {rc})", err)
    rc, err, log = stall_run("jump-again")
    traps = [line for line in log.splitlines() if '"op":"msgget"' in line]
    tap.ok(rc == 0 and "jumped" in err and "again: EPERM" in err and traps,
           "a jump out of the SIGSYS handler: the thread's next trapped call is logged "
           f"({len(traps)} msgget events)", err + log[-2000:].replace("x", ""))
    rc, err, log = stall_run("vfork")
    tap.ok(rc == 0 and "child killed" in err and "open: EACCES" in err
           and SECRET in log and '"op":"open"' in log,
           "a vfork child killed in the SIGSYS handler: the parent thread's next open is "
           f"judged, refused and logged (exit {rc})", err + log[-2000:].replace("x", ""))
else:
    tap.ok(False, "stall-in-handler builds")


def full_pipe_run(mode):
    """The log is a non-blocking pipe, full at start, drained half-way through."""
    rd, wr = os.pipe()
    os.set_blocking(wr, False)
    os.set_blocking(rd, False)
    try:
        while True:
            os.write(wr, b"x" * 65536)
    except BlockingIOError:
        pass
    env = {k: v for k, v in os.environ.items() if not k.startswith("FNGUARD_")}
    env.update({"LD_PRELOAD": LIB, "FNGUARD_PROFILE": PROFILE, "FNGUARD_MODE": mode,
                "FNGUARD_PROFILE_PATH": os.path.join(SOURCE, "profiles"),
                "FNGUARD_LOG": f"fd:{wr}"})
    other = os.path.join(W, "other-secret.txt")
    with open(other, "w", encoding="utf-8") as f:
        f.write("x\n")
    p = subprocess.Popen([OPS, "open-r", SECRET, "wait", "open-r", other], env=env, cwd="/tmp",
                         pass_fds=(wr,), stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(wr)
    err = b""
    deadline = time.time() + 20
    while b"wait: ready" not in err and time.time() < deadline:
        if select.select([p.stderr], [], [], 1)[0]:
            chunk = os.read(p.stderr.fileno(), 4096)
            if not chunk:
                break
            err += chunk
    # Drain what the test put there (and whatever got in before it filled up).
    try:
        while os.read(rd, 65536):
            pass
    except BlockingIOError:
        pass
    out, rest = p.communicate(b"go\n", timeout=20)
    err += rest
    text = b""
    try:
        while True:
            chunk = os.read(rd, 65536)
            if not chunk:
                break
            text += chunk
    except BlockingIOError:
        pass
    os.close(rd)
    events = [json.loads(line) for line in text.decode("utf-8", "replace").splitlines()
              if line.startswith("{")]
    return p.returncode, err.decode(), events, other


for mode in MODES:
    rc, err, events, other = full_pipe_run(mode)
    later = [e for e in events if e.get("target") == other]
    first_lost = not [e for e in events if e.get("target") == SECRET]
    good = (rc == 0 and f"open-r {SECRET}: {expected_secret(mode)}" in err
            and f"open-r {other}: {expected_secret(mode)}" in err and first_lost and later
            and later[0].get("eventsDropped", 0) >= 2
            and later[0]["seq"] - 1 - later[0]["eventsDropped"] == events.index(later[0]))
    tap.ok(good, f"log a full non-blocking pipe, {mode}: lines dropped, the function unaffected, "
           "and the next line that gets through counts them (eventsDropped, seq)",
           f"rc={rc}\nerr={err}\nevents={json.dumps(events)[:1500]}")


# ---- out of memory inside the shim ----------------------------------------------------
SHIM_OBJECTS = "libfnguard.so,libcjson"


def nomalloc(argv, profile, mode, after, env=None):
    e = {"FAILSAFE_NOMALLOC_IN": SHIM_OBJECTS, "FAILSAFE_NOMALLOC_AFTER": str(after)}
    e.update(env or {})
    return go(argv, profile=profile, mode=mode, env=e, preload=f"{NOMALLOC} {LIB}", timeout=30)


def shim_allocations(profile, mode, env=None):
    r = nomalloc(TWO_OPENS, profile, mode, 10**12, dict(env or {}, FAILSAFE_NOMALLOC_REPORT="1"))
    m = re.search(r"nomalloc: calls=(\d+)", r.stderr)
    return int(m.group(1)) if m else 0


def sample(total, points=70):
    """Every one of the first allocations, then evenly over the rest, and past the end."""
    first = list(range(min(total, 25)))
    step = max(1, (total - 25) // points)
    return first + list(range(25, total + 1, step)) + [total + 5]


def libseccomp_fixed():
    """libseccomp 2.6.1 fixed its heap corruption when BPF generation fails."""
    p = subprocess.run(["pkg-config", "--modversion", "libseccomp"], capture_output=True,
                       text=True)
    try:
        v = tuple(int(x) for x in p.stdout.strip().split(".")[:3])
    except ValueError:
        return False
    return v >= (2, 6, 1)


def seccomp_active(r):
    st = r.find(type="start")
    return bool(st) and st[0]["layers"]["seccomp"]["status"] == "active"


RECORD_ENV = {"FNGUARD_RECORD_OUT": os.path.join(W, "recorded.json")}
sweeps = [("JSON profile", PROFILE, m, RECORD_ENV if m == "record" else None) for m in MODES]
sweeps += [("compiled bundle with syscalls", bundle, m, None) for m in ("enforce", "alert")]
for what, profile, mode, env in sweeps:
    total = shim_allocations(profile, mode, env)
    outcomes, wrong, unlearned = {}, [], 0
    for n in sample(total):
        r = nomalloc(TWO_OPENS, profile, mode, n, env)
        unlearned += any("record mode ran out of memory" in e.get("message", "")
                         for e in r.find(type="error"))
        if mode == "enforce":
            refused = r.rc == 126 and "open-r" not in r.stderr and r.find(type="error")
            # Running without the filter the profile asks for would be failing open.
            fine = ran_normally(r, "EACCES") and (profile != bundle or seccomp_active(r))
            key = "refused" if refused else "ran" if fine else "WRONG"
        else:
            key = "ran" if ran_normally(r, "ok") else "WRONG"
        outcomes[key] = outcomes.get(key, 0) + 1
        if key == "WRONG" and len(wrong) < 3:
            wrong.append(f"after {n}: " + r.diag())
    # Enough allocations for the sweep to mean something (a bundle's start makes few:
    # its rules' strings are read into one block).
    tap.ok(total > 20 and not wrong,
           f"allocations failing inside the shim ({what}, {mode}; {total} allocations, "
           f"{sum(outcomes.values())} points): " +
           ("exit 126 or the deny holds" if mode == "enforce" else "the function always runs")
           + f" {outcomes}", "\n".join(wrong))
    if env is RECORD_ENV:
        # What the recorder could not keep is said, never silently left out of the profile.
        tap.ok(unlearned > 0, f"record -o, allocations failing: an error event says a "
               f"behaviour will be missing from the written profile ({unlearned} runs)", "")

# The profile's own errno when memory runs out at the very first allocation.
r = nomalloc(TWO_OPENS, PROFILE, "enforce", 0)
err = r.find(type="error")
tap.ok(r.rc == 126 and err and err[0].get("errno") == 12,
       "no memory at all, enforce: exit 126, the error event says ENOMEM", r.diag())

# A JSON profile with syscalls: libseccomp compiles the filter at start.
total = shim_allocations(PROFILE_SC, "enforce")
crashed_before_main = refused_nomem = 0
wrong = []
for n in sample(total):
    r = nomalloc(TWO_OPENS, PROFILE_SC, "enforce", n)
    if r.rc == 126 and "open-r" not in r.stderr:
        refused_nomem += 1
    elif isinstance(r.rc, int) and r.rc < 0 and "open-r" not in r.stderr:
        crashed_before_main += 1
    elif not ran_normally(r, "EACCES") or not seccomp_active(r):
        wrong.append(f"after {n}: " + r.diag())
tap.ok(not wrong and refused_nomem > 0,
       f"allocations failing while the filter is compiled, enforce: never runs without it "
       f"({refused_nomem} refused with exit 126, {crashed_before_main} died in libseccomp "
       "before main)", "\n".join(wrong[:3]))
crashes = 0
for n in sample(total):
    r = nomalloc(TWO_OPENS, PROFILE_SC, "alert", n)
    if not ran_normally(r, "ok"):
        crashes += 1
what = "allocations failing while the filter is compiled, alert: the function always runs"
if crashes and not libseccomp_fixed():
    # A known bug, not ours: TAP TODO (counted apart by tools/test-summary.py).
    tap.ok(False, f"{what} # TODO libseccomp < 2.6.1 crashes when an allocation fails in its "
           f"BPF generator ({crashes} crashes); bundles avoid it")
else:
    tap.ok(crashes == 0, what, f"{crashes} runs did not end as without fnguard")

# ---- fork in a multithreaded process ---------------------------------------------------------
denied_dir = os.path.join(W, "denied")
os.mkdir(denied_dir)
for mode in MODES:
    expect = "EACCES" if mode == "enforce" else "ENOENT"
    env = {"FNGUARD_RECORD_OUT": os.path.join(W, "fork-recorded.json")} if mode == "record" else {}
    names = "3000" if mode == "record" else "64"
    r = go([FORKMT, denied_dir, OK_FILE, "100", "4", names, expect], profile=PROFILE_SC, mode=mode,
           env=env, timeout=300)
    m = re.search(r"forks=(\d+) ok=(\d+) wrong=(\d+) hung=(\d+) crashed=(\d+)", r.stderr)
    tap.ok(r.rc == 0 and m and m.group(2) == "100",
           f"fork from a thread while 4 threads are inside the shim, {mode}: 100 children judge, "
           "exec and exit, none hangs or crashes", r.diag())

shutil.rmtree(W, ignore_errors=True)
sys.exit(tap.done())
