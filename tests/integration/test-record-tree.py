#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: record mode learns a behaviour once per process tree.

A handler that starts a shell per event repeats the shell's every look per
event; the tree shares one table of what was learned (a memfd named by
FNGUARD_LEARN_FD, guarded like the log descriptor), so each behaviour is one
`learn` line however many processes show it. Where the table cannot be
joined a process learns on its own: nothing is lost.
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fnguard_test import (LIB, PYTHON, Tap, build_c, pipe_onto_var_fd, run,  # noqa: E402
                          workdir, write_profile)

tap = Tap()
W = workdir("rectree-")
DATA = os.path.join(W, "data.txt")
with open(DATA, "w") as f:
    f.write("x\n")
LOOP = f'for i in 1 2 3 4 5 6; do /bin/sh -c "cat {DATA} >/dev/null"; done'


def learned(r, target):
    return [e for e in r.events if e.get("type") == "learn" and e.get("target") == target]


def dupes(r):
    seen, dup = set(), []
    for e in r.events:
        if e.get("type") != "learn":
            continue
        key = (e.get("category"), e.get("op"), e.get("target"), json.dumps(e.get("argv")),
               e.get("access"))
        if key in seen:
            dup.append(key)
        seen.add(key)
    return dup


r = run(["/bin/sh", "-c", LOOP], mode="record")
tap.ok(r.rc == 0 and len(learned(r, DATA)) == 1 and not dupes(r),
       "six shells reading the same file: one learn line for it, no behaviour twice",
       r.diag() + f"\n# dupes={dupes(r)[:5]}")

code = ("import subprocess\n"
        "for i in range(5):\n"
        f"    subprocess.run(['/bin/sh', '-c', 'cat {DATA} >/dev/null'], close_fds=True)\n")
r = run([PYTHON, "-c", code], mode="record")
tap.ok(r.rc == 0 and len(learned(r, DATA)) == 1 and not dupes(r),
       "Python subprocess with close_fds=True: the table survives close_range, one learn line",
       r.diag() + f"\n# dupes={dupes(r)[:5]}")

# A number that is not the shared table: the process learns on its own.
r = run(["/bin/sh", "-c", f"cat {DATA} >/dev/null"], mode="record",
        env={"FNGUARD_LEARN_FD": "0"})
tap.ok(r.rc == 0 and len(learned(r, DATA)) == 1,
       "FNGUARD_LEARN_FD naming another descriptor is not used; learning goes on", r.diag())

# The program puts a table of its own at the table's number (a memfd of the same name and
# size, a copy of the tree's after a first child read the file): a second child does not
# take it for the tree's, so its read is not hidden by what the copy holds: it learns it.
code = ("import os, subprocess\n"
        "n = int(os.environ['FNGUARD_LEARN_FD'].split(':')[0])\n"
        f"subprocess.run(['/bin/cat', {DATA!r}], stdout=subprocess.DEVNULL)\n"
        "fd = os.memfd_create('fnguard-learn', 0)\n"
        "os.write(fd, os.pread(n, os.fstat(n).st_size, 0))\n"
        "os.dup2(fd, n)\n"
        f"subprocess.run(['/bin/cat', {DATA!r}], stdout=subprocess.DEVNULL, pass_fds=[n])\n")
r = run([PYTHON, "-c", code], mode="record")
tap.ok(r.rc == 0 and len(learned(r, DATA)) == 2,
       "a table of the program's own at the table's number is not the tree's: the second "
       "child, not joining it, learns its read itself", r.diag())

# A pipe the program dup2s onto the table's number is the program's: closing it closes it
# (before: the shim pretended, the reader never saw the end).
r = run([PYTHON, "-c", pipe_onto_var_fd("FNGUARD_LEARN_FD")], mode="record")
tap.ok(r.rc == 0 and r.stdout.strip() == "eof",
       "a pipe dup2'd onto the table's number closes when the program closes it", r.diag())

# The learned profile (FNGUARD_RECORD_OUT) still holds what children learned.
out = os.path.join(W, "learned.json")
r = run(["/bin/sh", "-c", LOOP], mode="record", env={"FNGUARD_RECORD_OUT": out})
try:
    prof = json.load(open(out))
except (OSError, ValueError) as e:
    prof = {"error": str(e)}
paths = {f.get("path") for f in prof.get("files", [])}
tap.ok(r.rc == 0 and DATA in paths, "the learned profile written at exit holds the children's file",
       r.diag() + f"\n# profile={json.dumps(prof)[:600]}")

# cJSON (read and write the profile file) is the shim's, loaded by a process when it first
# learns something it will write: a descendant whose behaviours the tree has all seen never
# maps it (~100 us a process), and it is never learned as the function's library.
out = os.path.join(W, "lazy-cjson.json")
script = ("/usr/bin/sleep 2 & /usr/bin/sleep 0.5; "
          "grep -c libcjson /proc/$!/maps; grep -c libcjson /proc/$$/maps; wait")
r = run(["/bin/sh", "-c", script], mode="record",
        env={"FNGUARD_RECORD_OUT": out, "LC_ALL": "C"})
try:
    prof = json.load(open(out))
except (OSError, ValueError) as e:
    prof = {"error": str(e)}
paths = [f.get("path", "") for f in prof.get("files", [])]
counts = r.stdout.split()
tap.ok(r.rc == 0 and len(counts) == 2 and counts[0] == "0" and counts[1] != "0",
       "record: a descendant that learns nothing new does not load libcjson; the shell that "
       "learned does", r.diag())
tap.ok([p for p in paths if p.endswith("/maps")] and
       not [p for p in paths if "cjson" in p or "fnguard" in p],
       "the written profile holds what the tree did, not the shim's own libraries",
       f"paths={paths}\n" + r.diag())

# A process that ends with _exit skips atexit: dash does (Debian's /bin/sh), after running
# its commands in vfork children; so do Python's os._exit and multiprocessing's workers.
# What it learned still reaches the profile file, and its held-back counts the log.
out = os.path.join(W, "underscore-exit.json")
r = run(["/bin/sh", "-c", f"/bin/cat {DATA} >/dev/null; /usr/bin/printf x >/dev/null; :"],
        mode="record", env={"FNGUARD_RECORD_OUT": out})
try:
    prof = json.load(open(out))
except (OSError, ValueError) as e:
    prof = {"error": str(e)}
execs = {e.get("path") for e in prof.get("exec", [])}
tap.ok(r.rc == 0 and {"/bin/cat", "/usr/bin/printf"} <= execs,
       "record: a shell that ends with _exit (dash) still writes the execs its vfork children "
       "learned", f"execs={execs}\n" + r.diag())
out = os.path.join(W, "os-exit.json")
r = run([PYTHON, "-c", f"open({DATA!r}).read(); import os; os._exit(3)"], mode="record",
        env={"FNGUARD_RECORD_OUT": out})
try:
    prof = json.load(open(out))
except (OSError, ValueError) as e:
    prof = {"error": str(e)}
tap.ok(r.rc == 3 and DATA in {f.get("path") for f in prof.get("files", [])},
       "record: Python's os._exit: the file read is in the written profile, the status kept",
       json.dumps(prof)[:600] + r.diag())
SECRET = os.path.join(W, "secret.txt")
with open(SECRET, "w") as f:
    f.write("s\n")
deny = write_profile(W, {"fnguard": 1, "extends": ["lambda-base"],
                         "files": [{"path": "/**", "allow": "r"},
                                   {"path": SECRET, "deny": "rwcd"}]}, "deny.json")
code = (f"import os\nfor i in range(40):\n    open({SECRET!r}).close()\nos._exit(0)\n")
r = run([PYTHON, "-c", code], profile=deny, mode="alert")
logged = len([e for e in r.find(type="violation") if e.get("target") == SECRET])
held = sum(e.get("suppressed", 0) for e in r.find(type="suppressed") if e.get("target") == SECRET)
tap.ok(r.rc == 0 and logged + held == 40 and held > 0,
       f"alert: 40 violations, then os._exit: logged + suppressed = 40 ({logged} + {held})",
       r.diag())

# cJSON is loaded when first needed; a program that cuts itself off from the files first (its
# own Landlock domain here, before it learned anything) gets it loaded before the cut, so
# that its learned profile is still merged with the one already there at exit.
prog = os.path.join(W, "selfsandbox")
src = r"""#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	__u64 rights = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |
		       LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
		       LANDLOCK_ACCESS_FS_REMOVE_FILE;
	struct landlock_ruleset_attr attr = {.handled_access_fs = rights};
	int rs = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	struct landlock_path_beneath_attr pb = {.allowed_access = rights, .parent_fd = 3};
	if (rs < 0 || syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_landlock_restrict_self, rs, 0)) {
		perror("landlock");
		return 2;
	}
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror("open");
		return 3;
	}
	close(fd);
	return 0;
}
"""
if build_c(prog + ".c", prog, src):
    out = os.path.join(W, "sandboxed.json")
    made = os.path.join(W, "made-in-sandbox")
    with open(out, "w") as f:
        json.dump({"fnguard": 1, "name": "recorded",
                   "files": [{"path": "/earlier/run/file", "allow": "r"}]}, f)
    r = run(["/bin/sh", "-c", f"exec {prog} {made} 3<{W}"], mode="record",
            env={"FNGUARD_RECORD_OUT": out})
    try:
        prof = json.load(open(out))
    except (OSError, ValueError) as e:
        prof = {"error": str(e)}
    paths = {f.get("path") for f in prof.get("files", [])}
    tap.ok(r.rc == 0 and {"/earlier/run/file", made} <= paths and not r.find(type="error"),
           "record: a program that restricts itself (Landlock) before it learns anything: "
           "its learned file is merged into the profile already there",
           json.dumps(prof)[:800] + r.diag())
else:
    tap.ok(False, "selfsandbox builds")

# _exit from a signal handler that came inside malloc: the write (which allocates) is not
# made there; the process ends with its status, every time (before: heap corruption, or a
# hang until a timer's SIGKILL).
prog = os.path.join(W, "sigexit")
src = r"""#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
static void on_alarm(int sig) { _exit(7); }
int main(int argc, char **argv)
{
	char path[4096];
	for (int i = 0; i < 200; i++) {
		snprintf(path, sizeof(path), "%s/f%d", argv[1], i);
		close(open(path, O_WRONLY | O_CREAT, 0600));
	}
	signal(SIGALRM, on_alarm);
	struct itimerval it = {.it_value = {.tv_usec = 20000}};
	setitimer(ITIMER_REAL, &it, NULL);
	unsigned s = 1;
	for (;;) {
		void *p[32];
		for (int i = 0; i < 32; i++) {
			s = s * 1103515245 + 12345;
			p[i] = malloc(16 + (s >> 8) % 120000);
			memset(p[i], 1, 16);
		}
		for (int i = 0; i < 32; i++)
			free(p[i]);
	}
}
"""
if build_c(prog + ".c", prog, src):
    codes = []
    for i in range(40):
        try:
            d = os.path.join(W, "sigexit.d")
            os.makedirs(d, exist_ok=True)
            out = os.path.join(W, "sigexit.json")
            if os.path.exists(out):
                os.unlink(out)
            # (meson's MALLOC_PERTURB_ changes malloc's timing enough to hide the race)
            r = run([prog, d], mode="record",
                    env={"FNGUARD_RECORD_OUT": out, "MALLOC_PERTURB_": "0"}, timeout=10)
            codes.append(r.rc)
        except subprocess.TimeoutExpired:
            codes.append("hung")
    tap.ok(codes == [7] * 40,
           f"record: _exit(7) from a signal handler inside malloc, 40 runs: status 7 each "
           f"time, no hang (got {codes})")
else:
    tap.ok(False, "sigexit builds")

# Many processes ending with _exit at once share the profile file's lock: each waits its
# turn, none is killed for waiting, and every one's files are in the profile.
out = os.path.join(W, "parallel-exit.json")
procs = []
e = dict(os.environ, LD_PRELOAD=LIB, FNGUARD_MODE="record", FNGUARD_RECORD_OUT=out,
         FNGUARD_LOG="stderr")
for k in range(12):
    d = os.path.join(W, f"par{k}")
    os.makedirs(d, exist_ok=True)
    code = (f"import os\nfor i in range(300):\n"
            f"    open(os.path.join({d!r}, 'f%d' % i), 'w').close()\nos._exit(5)\n")
    procs.append(subprocess.Popen([PYTHON, "-c", code], env=e, stderr=subprocess.DEVNULL))
rcs = [p.wait(timeout=120) for p in procs]
try:
    prof = json.load(open(out))
except (OSError, ValueError) as err:
    prof = {"error": str(err)}
have = {f.get("path") for f in prof.get("files", [])}
missing = [k for k in range(12) if os.path.join(W, f"par{k}", "f299") not in have]
tap.ok(rcs == [5] * 12 and not missing,
       f"record: 12 processes learning 300 files each, then os._exit(5) together: statuses "
       f"{rcs}, none missing from the profile (missing: {missing})")

# A fork made by one thread while another holds the profile's lock (its write at an exec)
# gave the child the lock's descriptor: the child's own write at _exit waited on a lock it
# held itself, for ever.
prog = os.path.join(W, "lockfork")
src = r"""#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
static const char *dir;
static volatile int done;
static int stuck, ran;
static void *forker(void *a)
{
	for (int i = 0; i < 400; i++) {
		pid_t p = fork();
		if (p == 0) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/child%d", dir, i);
			close(open(path, O_WRONLY | O_CREAT, 0600));
			_exit(3);
		}
		int st = 0, waited = 0;
		while (waitpid(p, &st, WNOHANG) == 0 && waited < 500) {
			usleep(10000);
			waited++;
		}
		if (waited >= 500) {
			stuck++;
			kill(p, SIGKILL);
			waitpid(p, &st, 0);
		} else if (WIFEXITED(st) && WEXITSTATUS(st) == 3) {
			ran++;
		}
	}
	done = 1;
	return NULL;
}
int main(int argc, char **argv)
{
	char path[4096];
	dir = argv[1];
	for (int i = 0; i < 1500; i++) {
		snprintf(path, sizeof(path), "%s/main%d", dir, i);
		close(open(path, O_WRONLY | O_CREAT, 0600));
	}
	pthread_t t;
	pthread_create(&t, NULL, forker, NULL);
	char *none[] = {"none", NULL};
	for (int i = 0; !done; i++) {
		snprintf(path, sizeof(path), "%s/again%d", dir, i);
		close(open(path, O_WRONLY | O_CREAT, 0600));
		execv("/nonexistent/program", none); /* fails: what was learned is written first */
	}
	pthread_join(t, NULL);
	printf("stuck %d ran %d\n", stuck, ran);
	return 0;
}
"""
if build_c(prog + ".c", prog, src, "-pthread"):
    d = os.path.join(W, "lockfork.d")
    os.makedirs(d, exist_ok=True)
    r = run([prog, d], mode="record", env={"FNGUARD_RECORD_OUT": os.path.join(W, "lf.json")},
            timeout=300)
    tap.ok(r.rc == 0 and r.stdout == "stuck 0 ran 400\n",
           "record: 400 fork children ending with _exit while another thread writes the "
           "profile: none waits on the lock its parent held", r.stdout + r.diag())
else:
    tap.ok(False, "lockfork builds")

# Distinct behaviours are never rate-limited away: a dozen execs of one program with a
# dozen argument lists within a second are a dozen learn lines (the limiter lets a burst
# of one target through and holds back the rest).
script = "; ".join(f"/usr/bin/printf {i:02d} >/dev/null" for i in range(16))
r = run(["/bin/sh", "-c", script], mode="record")
argvs = sorted(json.dumps(e.get("argv")) for e in r.events
               if e.get("type") == "learn" and e.get("target") == "/usr/bin/printf")
tap.ok(r.rc == 0 and len(argvs) == 16 and len(set(argvs)) == 16,
       "record: 16 execs of one program with 16 argument lists in a burst are 16 learn lines "
       f"(got {len(argvs)})", r.diag())

# Execs learned in vfork children (Python's subprocess, a shell's commands) are parked in
# the parent's memory (the child may not lock or allocate) for the parent to take into the
# profile file at its own exec, posix_spawn or exit (taking them anywhere else may be inside
# a signal handler). Up to 16 MiB of them: every one reaches the file.


def recorded_printfs(argv, name):
    """Runs argv in record mode writing the profile file name: (run, the printf argument
    lists in the file, the run's error events)."""
    out = os.path.join(W, name)
    r = run(argv, mode="record", env={"FNGUARD_RECORD_OUT": out})
    try:
        prof = json.load(open(out))
    except (OSError, ValueError) as e:
        prof = {"error": str(e)}
    return (r, {tuple(e.get("argv", [])) for e in prof.get("exec", [])
                if e.get("path") == "/usr/bin/printf"},
            [e for e in r.events if e.get("type") == "error"])


script = ('i=0; while [ "$i" -lt 100 ]; do i=$((i + 1)); /usr/bin/printf "n$i" >/dev/null; '
          'done')
r, argvs, errors = recorded_printfs(["/bin/sh", "-c", script], "dash-learned.json")
parked = [e for e in errors if "vfork child" in e.get("message", "")]
tap.ok(r.rc == 0 and len(argvs) == 100 and not errors,
       "record: a shell running 100 distinct commands in vfork children: every one in the "
       f"profile file ({len(argvs)}), no error event ({len(errors)})", r.diag())

# fnguard record's way (FNGUARD_RECORD_APPEND=1): each process that learned something adds
# its own document and a NUL to the file, reading nothing (a merge reads the whole
# recording, for every such process); the documents together hold every behaviour.
out = os.path.join(W, "appended.recording")
files = [os.path.join(W, f"app-{i}.txt") for i in range(40)]
for name in files:
    with open(name, "w") as f:
        f.write("x\n")
script = " ".join(["for f in"] + files + ['; do /bin/cat "$f"; done >/dev/null'])
r = run(["/bin/sh", "-c", script], mode="record",
        env={"FNGUARD_RECORD_OUT": out, "FNGUARD_RECORD_APPEND": "1"})
try:
    with open(out, "rb") as f:
        chunks = [c for c in f.read().split(b"\0") if c.strip()]
    docs = [json.loads(c) for c in chunks]
except (OSError, ValueError) as e:
    docs = [{"error": str(e)}]
paths = {e.get("path") for d in docs for e in d.get("files", [])}
argvs = {tuple(e.get("argv", [])) for d in docs for e in d.get("exec", [])
         if e.get("path") == "/bin/cat"}
tap.ok(r.rc == 0 and len(docs) >= 40 and set(files) <= paths and len(argvs) == 40 and
       not [e for e in r.events if e.get("type") == "error"],
       f"record, appending: {len(docs)} documents (one per process that learned), together "
       "every file read and every command run", r.diag())

code = ("import subprocess\n"
        "for i in range(80):\n"
        "    subprocess.run(['/usr/bin/printf', 'n%02d' % i], stdout=subprocess.DEVNULL)\n")
r, argvs, errors = recorded_printfs([PYTHON, "-c", code], "vfork-learned.json")
parked = [e for e in errors if "vfork child" in e.get("message", "")]
tap.ok(r.rc == 0 and len(argvs) == 80 and not parked,
       f"record: Python's subprocess.run 80 times: 80 in the profile file ({len(argvs)}), "
       f"no error event ({len(parked)})", r.diag())

# Four threads each starting 250 programs from vfork children before waiting for any (the
# children write into the parent's memory at once), one of them with 300 arguments; then
# programs with 1 MiB of arguments each until the 16 MiB the parent keeps are full: those
# past it are missing from the file, each said in an error event. A parent that takes them
# (a posix_spawn after each) frees the room: all 24 kept. A thread rewriting an argument
# while the vfork child copies it (the kernel takes what it finds; the copy must not run
# past its room): the changed record is left out and said, nothing else is harmed.
prog = os.path.join(W, "vfork-burst")
src = r"""#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
extern char **environ;
static char flipped[120000];
static volatile int stop;
static void *flip(void *p)
{
	(void)p;
	while (!stop) {
		((volatile char *)flipped)[1] = 0;
		((volatile char *)flipped)[1] = 'x';
	}
	return NULL;
}
static void start(char **argv)
{
	if (vfork() == 0) {
		execv("/usr/bin/printf", argv);
		_exit(127);
	}
}
static void *burst(void *p)
{
	char arg[32];
	for (int i = 0; i < 250; i++) {
		snprintf(arg, sizeof(arg), "t%ld-%03d", (long)p, i);
		char *argv[] = {"printf", arg, NULL};
		start(argv);
	}
	return NULL;
}
int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "race") == 0) {
		memset(flipped, 'x', sizeof(flipped) - 1);
		pthread_t t;
		pthread_create(&t, NULL, flip, NULL);
		int bad = 0, out = dup(1);
		freopen("/dev/null", "w", stdout); /* the programs' output */
		for (int i = 0; i < 300; i++) {
			char *av[] = {"printf", flipped, NULL};
			pid_t pid = vfork();
			if (pid == 0) {
				execv("/usr/bin/printf", av);
				_exit(127);
			}
			int st;
			waitpid(pid, &st, 0);
			bad += !WIFEXITED(st);
		}
		stop = 1;
		pthread_join(t, NULL);
		dprintf(out, "killed %d\n", bad);
		return 0;
	}
	if (argc > 1 && strncmp(argv[1], "big", 3) == 0) {
		static char *av[10];
		av[0] = "printf";
		for (int k = 1; k <= 8; k++) {
			av[k] = malloc(128 * 1024);
			memset(av[k], 'a' + k, 128 * 1024 - 1);
			av[k][128 * 1024 - 1] = 0;
		}
		for (int i = 0; i < 24; i++) {
			av[1][0] = 'A' + i;
			start(av);
			while (wait(NULL) > 0)
				;
			if (strcmp(argv[1], "big-drain") == 0) {
				pid_t pid;
				char *t[] = {"true", NULL};
				if (posix_spawn(&pid, "/usr/bin/true", NULL, NULL, t, environ) == 0)
					waitpid(pid, NULL, 0);
			}
		}
		return 0;
	}
	pthread_t t[4];
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, burst, (void *)i);
	static char *many[302];
	many[0] = "printf";
	for (int k = 1; k <= 300; k++) {
		many[k] = malloc(8);
		snprintf(many[k], 8, "m%d", k);
	}
	start(many);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	while (wait(NULL) > 0)
		;
	return 0;
}
"""
if build_c(prog + ".c", prog, src, "-pthread"):
    r, argvs, errors = recorded_printfs([prog], "vfork-burst.json")
    burst = {a for a in argvs if len(a) == 2 and a[1].startswith("t")}
    # (the profile keeps 256 entries of an argv, the last "**": any further ones)
    many = [a for a in argvs if len(a) > 2 and a[1] == "m1" and a[-1] == "**"]
    tap.ok(r.rc == 0 and len(burst) == 1000 and len(many) == 1 and not errors,
           "record: 4 threads starting 1000 programs from vfork children before any wait, "
           f"one more with 300 arguments: all in the profile file ({len(burst)} + "
           f"{len(many)}), no error event ({len(errors)})", r.diag())
    r, argvs, errors = recorded_printfs([prog, "big"], "vfork-big.json")
    lost = [e for e in errors if "could not be kept" in e.get("message", "")]
    tap.ok(r.rc == 0 and 12 <= len(argvs) < 24 and len(argvs) + len(lost) == 24 and
           len(errors) == len(lost),
           "record: 24 programs with 1 MiB of arguments each from vfork children: the "
           f"{len(argvs)} that fit the parent's 16 MiB in the profile file, each of the other "
           f"{len(lost)} an error event", r.diag())
    r, argvs, errors = recorded_printfs([prog, "big-drain"], "vfork-big-drain.json")
    tap.ok(r.rc == 0 and len(argvs) == 24 and not errors,
           "record: the same 24 with the parent taking them after each (posix_spawn): all "
           f"{len(argvs)} in the profile file, no error event ({len(errors)})", r.diag())
    r, argvs, errors = recorded_printfs([prog, "race"], "vfork-race.json")
    changed = [e for e in errors if "changed while it was kept" in e.get("message", "")]
    whole = {("printf", "x"), ("printf", "x" * 119999)}
    tap.ok(r.rc == 0 and r.stdout == "killed 0\n" and argvs <= whole and
           len(errors) == len(changed),
           "record: an argument rewritten by another thread while vfork children copy it, "
           f"300 times: no child or parent harmed, {len(argvs)} whole lists in the file, "
           f"{len(changed)} left out and said", r.stdout + r.diag())
else:
    tap.ok(False, "vfork-burst builds")

# A program under a file size limit (ulimit -f) that writes no file itself: the shim's own
# files (its shared table in a memfd, made before main; the profile it records at exit)
# never kill it with SIGXFSZ (it died with status 153 before main). The shim is preloaded
# only once the limit is set.
r = run(["/bin/sh", "-c", f"ulimit -f 1; exec env LD_PRELOAD={LIB} /bin/sh -c 'echo 7'"],
        mode="record", preload=False, env={"FNGUARD_RECORD_OUT": os.path.join(W, "fsize.json")})
tap.ok(r.rc == 0 and r.stdout == "7\n",
       f"record under a file size limit of 1 KiB: a shell that writes no file exits 0 ({r.rc})",
       r.diag())
# Enforce with a JSON profile: the filter compiled at start (its program exported by
# libseccomp through a pipe, not a file) and the profile handed down in a memfd.
SH_PROFILE = write_profile(W, {"fnguard": 1, "extends": ["lambda-base"],
                               "syscalls": ["@lambda-runtime"]}, "fsize-sh.json")
# 3 KiB: the start event fits the test's log file; the program (432 instructions, 3.4 KiB)
# and the handed-down profile (about 27 KiB) would not.
r = run(["/bin/sh", "-c", f"ulimit -f 3; exec env LD_PRELOAD={LIB} /bin/sh -c 'echo 7'"],
        mode="enforce", profile=SH_PROFILE, preload=False)
start = r.find(type="start")
tap.ok(r.rc == 0 and r.stdout == "7\n" and start and
       start[0]["layers"]["seccomp"]["status"] == "active",
       f"enforce (JSON) under a file size limit of 3 KiB: the filter compiled and installed, "
       f"the shell exits 0 ({r.rc})", r.diag())

# The same for a user whose pipes hold more than pipe-user-pages-soft: its new pipes get one
# or two pages, too small for the program; it goes through a unix socket pair (the memfd it went
# through was cut by the limit: exit 126). As nobody, with 1100 pipes of 16 pages open.
pub = tempfile.mkdtemp(prefix="fnguard-fsize-", dir="/var/tmp")
os.chmod(pub, 0o755)
PUB_PROFILE = write_profile(pub, {"fnguard": 1, "extends": ["lambda-base"],
                                  "syscalls": ["@lambda-runtime"]}, "fsize-sh.json")
os.chmod(PUB_PROFILE, 0o644)
hog = ("import os, resource, sys\n"
       "pipes = [os.pipe() for _ in range(1100)]\n"
       "small = os.pipe()\n"
       "import fcntl\n"
       "sys.stderr.write('pipe size %d\\n' % fcntl.fcntl(small[1], 1032))\n"
       "for r, w in pipes:\n"
       "    os.set_inheritable(r, True)\n"
       "resource.setrlimit(resource.RLIMIT_FSIZE, (3072, 3072))\n"
       f"os.environ['LD_PRELOAD'] = {LIB!r}\n"
       "os.execv('/bin/sh', ['/bin/sh', '-c', 'echo 7'])\n")
r = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c",
         hog],
        mode="enforce", profile=PUB_PROFILE, preload=False)
start = r.find(type="start")
small = re.search(r"pipe size (\d+)", r.stderr)
tap.ok(r.rc == 0 and r.stdout == "7\n" and small and int(small.group(1)) < 65536 and start and
       start[0]["layers"]["seccomp"]["status"] == "active",
       f"enforce (JSON) under a file size limit of 3 KiB, a user past pipe-user-pages-soft: "
       f"the filter compiled and installed, the shell exits 0 ({r.rc})", r.diag())

# SIGTERM (Lambda's shutdown, docker stop) in a program whose subprocesses' execs wait in
# its memory: record mode's handler writes the profile, and takes them first (they were
# missing), in merge and in append mode.
code = ("import os, signal, subprocess\n"
        "for i in range(5):\n"
        "    subprocess.run(['/usr/bin/printf', 's%d' % i], stdout=subprocess.DEVNULL)\n"
        "os.kill(os.getpid(), signal.SIGTERM)\n")
r, argvs, errors = recorded_printfs([PYTHON, "-c", code], "sigterm-parked.json")
tap.ok(r.rc == -signal.SIGTERM and len(argvs) == 5 and not errors,
       f"record: SIGTERM after 5 subprocess.run: all 5 in the profile file ({len(argvs)}), "
       "the process dies of the signal", r.diag())
out = os.path.join(W, "sigterm-parked.recording")
r = run([PYTHON, "-c", code], mode="record",
        env={"FNGUARD_RECORD_OUT": out, "FNGUARD_RECORD_APPEND": "1"})
try:
    with open(out, "rb") as f:
        docs = [json.loads(c) for c in f.read().split(b"\0") if c.strip()]
except (OSError, ValueError) as e:
    docs = [{"error": str(e)}]
argvs = {tuple(e.get("argv", [])) for d in docs for e in d.get("exec", [])
         if e.get("path") == "/usr/bin/printf"}
tap.ok(r.rc == -signal.SIGTERM and len(argvs) == 5,
       f"record, appending: SIGTERM after 5 subprocess.run: all 5 in the recording "
       f"({len(argvs)})", r.diag())

# SIGTERM while the program is inside malloc with another thread alive (Lambda's shutdown,
# docker stop): record mode's handler writes the profile, which allocates, and waited for
# ever on the arena's lock. It now dies within the handler's time limit either way.
busy_c = os.path.join(W, "busy-malloc.c")
with open(busy_c, "w") as f:
    f.write(r"""#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
static void *idle(void *unused) { for (;;) pause(); }
int main(int argc, char **argv)
{
	pthread_t t;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	pthread_create(&t, NULL, idle, NULL); /* SIGTERM goes to the main thread */
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	close(open(argv[1], O_RDONLY | O_CREAT, 0600));
	puts("ready");
	fflush(stdout);
	for (;;) {
		void *p[64];
		for (int i = 0; i < 64; i++)
			p[i] = malloc(16 + i * 40);
		for (int i = 0; i < 64; i++)
			free(p[i]);
	}
}
""")
busy = os.path.join(W, "busy-malloc")
if subprocess.run(["cc", "-o", busy, busy_c, "-lpthread"]).returncode == 0:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FNGUARD_")}
    env.update(LD_PRELOAD=LIB, FNGUARD_MODE="record", FNGUARD_LOG="stderr",
               FNGUARD_RECORD_OUT=os.path.join(W, "busy.json"))
    hung = 0
    for i in range(10):
        p = subprocess.Popen([busy, os.path.join(W, "learned")], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd="/tmp")
        p.stdout.readline()
        time.sleep(0.05)
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=6)
        except subprocess.TimeoutExpired:
            hung += 1
            p.kill()
            p.wait()
    tap.ok(hung == 0, "record: SIGTERM while the program is inside malloc (another thread "
           "alive) ends the process every time (10 tries)", f"hung {hung} of 10")
else:
    tap.ok(False, "busy-malloc builds")

# Record learns the libraries a process has mapped (dl_iterate_phdr) when it exits or execs.
# A fork child of a threaded process must not walk them: another thread may have held the
# loader's list lock at the fork (glibc leaves it so in the child), and the walk waited for
# ever (20 of 20 children hung before their exec).
prog = os.path.join(W, "forkdl")
src = r"""#define _GNU_SOURCE
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
static int cb(struct dl_phdr_info *i, size_t s, void *d) { usleep(2000); return 0; }
static void *spin(void *a) { for (;;) dl_iterate_phdr(cb, NULL); return NULL; }
int main(void)
{
	pthread_t t;
	pthread_create(&t, NULL, spin, NULL);
	usleep(10000);
	int hung = 0;
	for (int i = 0; i < 10; i++) {
		pid_t p = fork();
		if (p == 0) {
			execl("/bin/true", "true", (char *)0);
			_exit(127);
		}
		int st, waited = 0;
		while (waitpid(p, &st, WNOHANG) == 0 && waited < 300) {
			usleep(10000);
			waited++;
		}
		if (waited >= 300) {
			hung++;
			kill(p, SIGKILL);
			waitpid(p, &st, 0);
		}
	}
	printf("hung %d\n", hung);
	return 0;
}
"""
with open(prog + ".c", "w") as f:
    f.write(src)
if subprocess.run(["cc", "-o", prog, prog + ".c", "-pthread"]).returncode == 0:
    r = run([prog], mode="record", env={"FNGUARD_RECORD_OUT": os.path.join(W, "forkdl.json")},
            timeout=120)
    tap.ok(r.rc == 0 and r.stdout == "hung 0\n",
           "fork + exec while another thread walks the loader's list: no child waits for ever "
           "(record mode learns mapped libraries, not in a fork child)", r.stdout + r.diag())
else:
    tap.ok(False, "forkdl builds")

# fnguard record passes the events on in batches of whole lines, each write at most PIPE_BUF
# (atomic on a pipe): with the command writing to the same pipe, every line stays whole.
FNGUARD = os.path.join(os.path.dirname(LIB), "..", "tools", "fnguard")
MANY = ('i=0; while [ $i -lt 600 ]; do i=$((i+1)); echo "out-$i"; '
        f"cat {W}/missing-$i 2>/dev/null; done; true")
p = subprocess.run([FNGUARD, "record", "-o", os.path.join(W, "many.json"), "--", "/bin/sh",
                    "-c", MANY], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                   timeout=120)
outs, bad, missing = 0, [], set()
for line in p.stdout.splitlines():
    if not line:
        continue  # the newline each batch of events starts with
    if line.startswith("out-"):
        outs += 1
        continue
    try:
        e = json.loads(line)
        if e.get("type") == "learn" and "/missing-" in e.get("target", ""):
            missing.add(e["target"])
    except ValueError:
        bad.append(line[:120])
tap.ok(p.returncode == 0 and outs == 600 and not bad and len(missing) == 600,
       "fnguard record: its events and the command's output on one pipe, every line whole "
       f"(600 outputs, {len(missing)} of 600 learn events)",
       f"# rc={p.returncode} outs={outs} bad={bad[:3]}\n# {p.stderr[-500:]}")

# The same through a non-blocking stdout (Node makes its stdout so) read slowly: a full
# pipe makes record wait, as a blocking one would, and no line is dropped.
rfd, wfd = os.pipe()
os.set_blocking(wfd, False)
proc = subprocess.Popen([FNGUARD, "record", "-o", os.path.join(W, "slow.json"), "--",
                         "/bin/sh", "-c", MANY], stdout=wfd, stderr=subprocess.DEVNULL)
os.close(wfd)
time.sleep(1.0)
with os.fdopen(rfd, "rb") as slow:
    lines = slow.read().decode(errors="replace").splitlines()
rc = proc.wait(timeout=120)
events = [json.loads(x) for x in lines if x.startswith("{")]
got = {e["target"] for e in events if e.get("type") == "learn" and "/missing-" in e["target"]}
tap.ok(rc == 0 and len(got) == 600,
       f"fnguard record with a non-blocking stdout read late: no event lost ({len(got)} of 600)",
       f"# rc={rc} lines={len(lines)}")

# A line of the command's left unfinished: the events record passes on start on a line of
# their own, as the shim's do on a stream the function shares (log_line.h).
p = subprocess.run([FNGUARD, "record", "-o", os.path.join(W, "glue.json"), "--", "/bin/sh",
                    "-c", f"printf partial; sleep .3; cat {DATA} >/dev/null; sleep .3; echo"],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
glued = [x for x in p.stdout.splitlines() if "{" in x and not x.startswith("{")]
whole = [x for x in p.stdout.splitlines() if x.startswith("{") and DATA in x]
tap.ok(p.returncode == 0 and "partial\n" in p.stdout and not glued and whole,
       "fnguard record: an event after the command's unfinished line starts a line of its own",
       f"# glued={glued[:2]}")

# execve with a NULL argv (an empty one, on Linux), after fork and after vfork: learned as
# "argv": [] (a rule without argv would run the program with any arguments), and the
# events carry the empty list, so learn on the log takes them too.
nullargv = os.path.join(W, "nullargv")
src = (
    "#include <unistd.h>\n#include <sys/wait.h>\nextern char **environ;\n"
    "int main(void) {\n"
    "  int st; pid_t p = fork();\n"
    "  if (p == 0) { execve(\"/usr/bin/true\", NULL, environ); _exit(127); }\n"
    "  waitpid(p, &st, 0);\n"
    "  p = vfork();\n"
    "  if (p == 0) { execve(\"/usr/bin/false\", NULL, environ); _exit(127); }\n"
    "  waitpid(p, &st, 0);\n  return 0;\n}\n")
with open(nullargv + ".c", "w") as f:
    f.write(src)
if subprocess.run(["cc", "-o", nullargv, nullargv + ".c"]).returncode == 0:
    out = os.path.join(W, "nullargv.json")
    p = subprocess.run([FNGUARD, "record", "-o", out, "--", nullargv],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    rules = {e["path"]: e.get("argv") for e in json.load(open(out)).get("exec", [])} \
        if p.returncode == 0 else {}
    log = os.path.join(W, "nullargv.log")
    with open(log, "w") as f:
        f.write(p.stdout)
    out2 = os.path.join(W, "nullargv-learned.json")
    q = subprocess.run([FNGUARD, "learn", "-o", out2, log], capture_output=True, text=True)
    rules2 = {e["path"]: e.get("argv") for e in json.load(open(out2)).get("exec", [])} \
        if q.returncode == 0 else {}
    tap.ok(rules.get("/usr/bin/true") == [] and rules.get("/usr/bin/false") == [] and
           rules2.get("/usr/bin/true") == [] and rules2.get("/usr/bin/false") == [],
           "execve with a NULL argv (after fork, after vfork): learned as an empty list, by "
           "record and from the log", f"# {rules} {rules2}\n# {q.stderr}")
else:
    tap.ok(False, "nullargv builds")

tap.done()
