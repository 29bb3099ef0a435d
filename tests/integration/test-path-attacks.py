#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: paths that mean something else to the kernel than their letters say
(lib/path_resolve.c, lib/cwd.c). Each attack runs in one process
(helpers/path-seq.c) under enforce with Landlock off, so that what is
checked is the libc layer's own judgement, as on a kernel without Landlock:
the call must fail with EACCES, and the denial must be logged under the
name the kernel would really have used.

- A trailing "/" makes the kernel follow a link in the last place, even
  for calls that do not follow one (lchown "link/").
- A creating open through a dangling link creates the link's target.
- A relative path with ".." climbs from where the working directory is
  now, after a rename of it that no chdir announced.
- A vfork child's chdir is not its parent's working directory.
- glob(3) lists directories beyond its pattern's literal prefix.
- A file named only by a descriptor (linkat AT_EMPTY_PATH, freopen(NULL))
  is judged as the file it is.
"""
import os
import platform
import shutil
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fnguard_test import HELPERS, LIB, Tap, run, workdir, write_profile  # noqa: E402

SEQ = os.path.join(HELPERS, "path-seq")
tap = Tap()
W = workdir("patha-")
RW = os.path.join(W, "rw")      # where the function may create (and so plant links)
SECRET = os.path.join(W, "secret")  # denied
for d in (RW, SECRET, os.path.join(W, "etc")):
    os.makedirs(d, exist_ok=True)
with open(os.path.join(SECRET, "key"), "w") as f:
    f.write("k\n")
with open(os.path.join(W, "etc", "passwd"), "w") as f:
    f.write("p\n")

PROFILE = write_profile(W, {
    "fnguard": 1,
    "extends": ["lambda-base"],
    "files": [
        {"path": RW + "/**", "allow": "rwcd"},
        {"path": RW, "allow": "r"},
        {"path": W + "/task/**", "allow": "r"},
        {"path": W + "/js/*.js", "allow": "r"},
        {"path": W + "/wild/*/allowed/**", "allow": "r"},
        {"path": RW + "/creds/*.json", "deny": "r"},
        {"path": W, "allow": "r"},
        {"path": HELPERS + "/**", "allow": "r"},
    ],
})


def seq(*ops):
    return run([SEQ] + list(ops), profile=PROFILE, mode="enforce",
               env={"FNGUARD_NO_LANDLOCK": "1"})


def results(r):
    return [line.rsplit(" -> ", 1)[-1] for line in r.stdout.splitlines()
            if not line.startswith("= ")]


def matches(r):
    return [line[2:] for line in r.stdout.splitlines() if line.startswith("= ")]


def denied(r, target):
    return [e for e in r.events if e.get("type") == "violation" and e.get("target") == target]


def p(*parts):
    return os.path.join(W, *parts)


# A trailing slash: lchown("link/") changes the link's target.
r = seq(f"ln:{SECRET}={p('rw', 'l')}", f"lchown:{p('rw', 'l')}", f"lchown:{p('rw', 'l')}/",
        f"lchown:{p('rw', 'l')}/.")
tap.ok(results(r) == ["0", "0", "EACCES", "EACCES"] and len(denied(r, SECRET)) >= 1,
       "lchown of a planted link is its own business; with a trailing '/' or '/.' the kernel "
       "follows it, and the call is judged on the target: denied and logged", r.diag())

# A creating open through a dangling link (and a chain of two).
new = p("secret", "planted")
r = seq(f"ln:{new}={p('rw', 'd')}", f"creat:{p('rw', 'd')}",
        f"ln:{p('rw', 'd')}={p('rw', 'd2')}", f"creat:{p('rw', 'd2')}",
        f"ln:../secret/rel={p('rw', 'd3')}", f"creat:{p('rw', 'd3')}")
tap.ok(results(r) == ["0", "EACCES", "0", "EACCES", "0", "EACCES"] and
       not os.path.exists(new) and not os.path.exists(p("secret", "rel")) and
       len(denied(r, new)) >= 1 and denied(r, p("secret", "rel")),
       "O_CREAT through a dangling link (absolute, through a second link, relative) is judged "
       "where the file would be created: refused before anything is created, logged", r.diag())

# A created file where a dangling link points inside the allowed area still works.
ok_target = p("rw", "made")
r = seq(f"ln:{ok_target}={p('rw', 'ok')}", f"creat:{p('rw', 'ok')}")
tap.ok(results(r) == ["0", "0"] and os.path.exists(ok_target) and
       not [e for e in r.events if e.get("type") == "violation"],
       "O_CREAT through a dangling link to an allowed place creates the file, no event",
       r.diag())

# The working directory renamed under the process: ".." climbs from where it is now.
os.makedirs(p("rw", "a", "b", "c"), exist_ok=True)
r = seq(f"chdir:{p('rw', 'a', 'b', 'c')}", "stat:.", f"mv:{p('rw', 'a', 'b', 'c')}={p('rw', 'c')}",
        "stat:../../secret/key", "openr:../../secret/key")
tap.ok(results(r) == ["0", "0", "0", "EACCES", "EACCES"] and
       len(denied(r, p("secret", "key"))) == 2,
       "after a rename of the working directory, a relative '..' path is judged from where "
       "the directory is now: the secret next to it is denied and logged", r.diag())
shutil.rmtree(p("rw", "c"), ignore_errors=True)
shutil.rmtree(p("rw", "a"), ignore_errors=True)

# A vfork child's chdir does not become the parent's idea of its directory.
r = seq(f"chdir:{p('etc')}", "stat:passwd", f"vfork-chdir:{p('rw')}", "stat:passwd",
        "access:passwd")
tap.ok(results(r) == ["0", "EACCES", "0", "EACCES", "EACCES"] and
       len(denied(r, p("etc", "passwd"))) == 3,
       "after a vfork child changed directory and stat'ed there, the parent's relative stat "
       "and access are still judged in its own directory: denied and logged", r.diag())

# ... nor does what it stat'ed there: an allowed "passwd" in its directory is no answer
# for the parent's relative "passwd" (its verdict cache is the parent's memory).
# (task/ is read-only in the profile: no links can be planted there, so its verdicts are
# remembered.)
os.makedirs(p("task"), exist_ok=True)
with open(p("task", "passwd"), "w") as f:
    f.write("x\n")
r = seq(f"chdir:{p('etc')}", f"vfork-chdir:{p('task')}=passwd", "stat:passwd", "openr:passwd")
tap.ok(results(r) == ["0", "0", "EACCES", "EACCES"] and len(denied(r, p("etc", "passwd"))) == 2,
       "a vfork child's allowed relative stat is not remembered for its parent, whose "
       "relative stat and open of the same name elsewhere are denied and logged", r.diag())
os.unlink(p("task", "passwd"))

# glob(3) lists directories far from its pattern's literal prefix; what comes back from a
# directory the program may not list is dropped, one event per such directory. A pattern
# whose own directory is refused matches nothing (GLOB_NOMATCH, as glibc answers a
# directory it cannot open without GLOB_ERR; GLOB_ABORTED before 2026-11-25).
r = seq(f"glob:{W}/*/*", f"glob:{p('rw')}/*/../../secret/*", f"glob:{{{p('secret')},{p('rw')}}}/*",
        f"glob:{p('secret')}/*")
got = matches(r)
tap.ok(results(r) == ["0", "ENOENT", "0", "ENOENT"] and
       not [m for m in got if "/secret/" in m or m.endswith("/passwd")] and
       p("rw", "x") not in got and any(m.startswith(p("rw")) for m in got) and
       denied(r, p("secret")) and denied(r, p("etc")),
       "glob: matches from directories the profile does not let the program list ('*/*', "
       "'..' after a wildcard, a brace list) are dropped and the listing logged; the rest "
       "come back", r.diag())

# syscall() with the number's high bits set is the same call to the kernel and to seccomp:
# the interposer finds its wrapper all the same.
r = seq(f"sys-openat-hi:{p('secret', 'key')}")
tap.ok(results(r) == ["EACCES"] and denied(r, p("secret", "key")),
       "syscall(SYS_openat | 1 << 32, secret): judged as openat, refused and logged", r.diag())

# libc functions that reach a path with glibc's internal calls, past the usual wrappers:
# each is judged on its path (denied in the secret directory, logged).
with open(p("secret", "wtmp"), "wb") as f:
    f.write(b"\0" * 384)
cases = [("mkostemp64", p("secret", "tXXXXXX"), p("secret", "tXXXXXX")),
         ("utmp-read", p("secret", "wtmp"), p("secret", "wtmp")),
         ("updwtmp", p("secret", "wtmp"), p("secret", "wtmp")),
         ("lchmod", p("secret", "key"), p("secret", "key")),
         ("mkfifo", p("secret", "fifo"), p("secret", "fifo")),
         ("futimesat", p("secret", "key"), p("secret", "key")),
         ("fts", p("secret"), p("secret"))]
r = seq(*[f"{op}:{arg}" for op, arg, _ in cases])
got = results(r)
tap.ok(got == ["EACCES"] * len(cases) and all(denied(r, t) for _, _, t in cases) and
       os.path.getsize(p("secret", "wtmp")) == 384 and not os.path.exists(p("secret", "fifo")),
       "mkostemp64, utmpname+getutent, updwtmp, lchmod, mkfifo, futimesat and fts_open on a "
       f"denied path: refused and logged ({got})", r.diag())

# A rename takes what is renamed out from under the deny rules that named it: a file a deny
# rule keeps from being read (the source needs the rights it would have under its new name),
# a directory with such files below it. An ordinary rename (an atomic write) still works.
os.makedirs(p("rw", "creds"), exist_ok=True)
with open(p("rw", "creds", "a.json"), "w") as f:
    f.write("{}\n")
with open(p("rw", "new.tmp"), "w") as f:
    f.write("x\n")
r = seq(f"mv:{p('rw', 'creds', 'a.json')}={p('rw', 'a.json')}",
        f"mv:{p('rw', 'creds')}={p('rw', 'c2')}",
        f"mv:{p('rw', 'new.tmp')}={p('rw', 'new.txt')}")
tap.ok(results(r) == ["EACCES", "EACCES", "0"] and os.path.exists(p("rw", "creds", "a.json")) and
       denied(r, p("rw", "creds", "a.json")) and denied(r, p("rw", "creds")) and
       os.path.exists(p("rw", "new.txt")),
       "rename of a file a deny rule keeps from being read, or of its directory: refused and "
       "logged; an ordinary rename goes through", r.diag())

# A rule with a wildcard names things in its directory: that directory can be looked at.
os.makedirs(p("js"), exist_ok=True)
r = seq(f"stat:{p('js')}", f"access:{p('js')}")
tap.ok(results(r) == ["0", "0"] and not [e for e in r.events if e.get("type") == "violation"],
       "'dir/*.js' allowed: stat and access of dir itself (realpath's and Node's look) pass",
       r.diag())

# Below a wildcard rule's literal part, the directories its segments match are on the way
# to what it names (node's require() lstats each: refused before 2026-11-25); a file there,
# or a link, is on no way, and its metadata stays refused (review of the first version).
os.makedirs(p("wild", "app", "allowed"), exist_ok=True)
with open(p("wild", "app", "allowed", "m.txt"), "w") as f:
    f.write("m\n")
with open(p("wild", "secret.key"), "w") as f:
    f.write("0123456789")
if not os.path.islink(p("wild", "dirlink")):
    os.symlink(p("wild", "app"), p("wild", "dirlink"))
r = seq(f"stat:{p('wild', 'app')}", f"lstat:{p('wild', 'app')}", f"access:{p('wild', 'app')}",
        f"stat:{p('wild', 'app', 'allowed', 'm.txt')}", f"stat:{p('wild', 'secret.key')}",
        f"lstat:{p('wild', 'secret.key')}", f"lstat:{p('wild', 'dirlink')}")
tap.ok(results(r) == ["0", "0", "0", "0", "EACCES", "EACCES", "EACCES"] and
       denied(r, p("wild", "secret.key")) and denied(r, p("wild", "dirlink")),
       "'wild/*/allowed/**': the directories the wildcard matches can be looked at; a file or "
       "a link it matches cannot", r.diag())

# A read-only file linked by descriptor (AT_EMPTY_PATH) into a writable place would be
# writable under its new name: the source is judged as for any link.
RO = p("task", "ro.db")
os.makedirs(p("task"), exist_ok=True)
with open(RO, "w") as f:
    f.write("db\n")
r = seq(f"linkfd:{RO}={p('rw', 'x')}")
tap.ok(results(r) == ["EACCES"] and not os.path.exists(p("rw", "x")) and denied(r, RO),
       "linkat(fd, \"\", ..., AT_EMPTY_PATH) of a read-only file into a writable place: "
       "refused and logged", r.diag())

# freopen(NULL, "w") reopens the stream's own file for writing: judged on that file, also
# under a profile that grants nothing under /proc (the shim's own lookup of the stream's
# file is not the program's).
BARE = write_profile(W, {
    "fnguard": 1,
    "files": [
        {"path": "/usr/**", "allow": "r"}, {"path": "/lib*/**", "allow": "r"},
        {"path": "/etc/ld.so.cache", "allow": "r"}, {"path": HELPERS + "/**", "allow": "r"},
        {"path": W + "/task/**", "allow": "r"},
    ],
}, "bare.json")
r = run([SEQ, f"freopen-w:{RO}"], profile=BARE, mode="enforce",
        env={"FNGUARD_NO_LANDLOCK": "1"})
with open(RO) as f:
    kept = f.read()
tap.ok(results(r) == ["EACCES"] and kept == "db\n" and denied(r, RO) and
       not denied(r, "/proc/self/fd/3"),
       "freopen(NULL, \"w\") of a read-only file: refused and logged (no event for the "
       "shim's own look at the stream)", r.diag())

# Another thread's chdir between the judgement of a relative name and the open (plain
# Python: both calls release the GIL): the name was judged in one directory and opened
# in the other. The descriptor is checked whenever the directory moved meanwhile
# (review, 2026-11-23). Landlock off: the libc layer's own answer.
import subprocess  # noqa: E402
for d, text in (("allowed", "fine"), ("denied", "SECRET")):
    os.makedirs(p("race", d, "x"), exist_ok=True)
    with open(p("race", d, "x", "f"), "w") as f:
        f.write(text)
RACE = write_profile(W, {
    "fnguard": 1, "extends": ["lambda-base"],
    "files": [{"path": p("race", "allowed") + "/**", "allow": "r"},
              {"path": p("race", "denied") + "/**", "deny": "r"},
              {"path": p("race"), "allow": "r"},
              {"path": sys.base_prefix + "/**", "allow": "r"},
              {"path": "/usr/**", "allow": "r"}, {"path": "/etc/**", "allow": "r"}],
}, "race.json")
PY = os.path.realpath(subprocess.run([sys.executable, "-c", "import sys; print(sys.executable)"],
                                     capture_output=True, text=True).stdout.strip())
code = f"""
import os, threading, time
a, d = {p("race", "allowed")!r}, {p("race", "denied")!r}
os.chdir(a)
stop = time.time() + 3
def mover():
    while time.time() < stop:
        os.chdir(d)
        os.chdir(a)
t = threading.Thread(target=mover)
t.start()
leaks = opens = 0
while time.time() < stop:
    try:
        with open("x/f") as f:
            opens += 1
            leaks += f.read() == "SECRET"
    except PermissionError:
        pass
t.join()
print("opens", opens, "leaks", leaks)
"""


def py_race(code, profile):
    """Runs a racing Python program under enforce, Landlock off; its result and stdout words."""
    r = run([PY, "-c", code], profile=profile, mode="enforce",
            env={"FNGUARD_NO_LANDLOCK": "1"}, timeout=60)
    return r, r.stdout.split()


r, out = py_race(code, RACE)
tap.ok(r.rc == 0 and len(out) == 4 and int(out[1]) > 100 and out[3] == "0",
       "a relative open racing another thread's chdir never reads the denied directory's "
       "file", r.stdout + r.diag()[-1500:])

# A thread with a working directory of its own (unshare(CLONE_FS), which the seccomp layer
# refuses where it is active, not where the platform refuses seccomp): what it publishes
# is not the other threads' directory.
code = f"""
import ctypes, os, threading
libc = ctypes.CDLL(None, use_errno=True)
a, d = {p("race", "allowed")!r}, {p("race", "denied")!r}
os.chdir(d)
def own():
    assert libc.unshare(0x200) == 0, ctypes.get_errno()  # CLONE_FS
    os.chdir(a)
    open("x/f").close()
t = threading.Thread(target=own)
t.start()
t.join()
try:
    print("read", open("x/f").read())
except PermissionError:
    print("denied")
"""
r = run([PY, "-c", code], profile=RACE, mode="enforce", env={"FNGUARD_NO_LANDLOCK": "1"},
        timeout=60)
tap.ok(r.rc == 0 and r.stdout.strip() == "denied" and
       r.find(type="violation", target=p("race", "denied", "x", "f")),
       "after a thread took a directory of its own (unshare CLONE_FS) and opened there, "
       "the main thread's relative open is judged in its own directory: denied, logged",
       r.diag())

# Links whose resolution passes PATH_MAX: realpath() gives up (ENAMETOOLONG) where
# the kernel walks on. A chain planted in the create area leads to the secret; the
# call must not be judged by the link's own (allowed) name.
DEEP = p("deep")
os.makedirs(p("deep", "rw"), exist_ok=True)
dfd = os.open(p("deep", "rw"), os.O_RDONLY)
for i in range(20):
    name = chr(ord("a") + i) * 200
    os.mkdir(name, dir_fd=dfd)
    nfd = os.open(name, os.O_RDONLY, dir_fd=dfd)
    os.close(dfd)
    dfd = nfd
os.mkdir("y" * 100, dir_fd=dfd)
os.close(dfd)
bottom = p("deep", "rw", *[chr(ord("a") + i) * 200 for i in range(20)])
os.symlink(bottom, p("deep", "rw", "s"))
os.makedirs(p("deep", "secret"), exist_ok=True)
with open(p("deep", "secret", "key"), "w") as f:
    f.write("k\n")
os.chmod(p("deep", "secret", "key"), 0o644)
# From deep/rw/s/yyy: 21 levels up to deep/rw, one more to deep.
os.symlink(p("deep", "rw", "s", "y" * 100) + "/.." * 22 + "/secret/key", p("deep", "rw", "a"))
os.symlink(p("deep", "rw", "s", "y" * 100) + "/.." * 22 + "/secret/x.sock",
           p("deep", "rw", "b.sock"))
DEEP_PROFILE = write_profile(DEEP, {
    "fnguard": 1,
    "extends": ["lambda-base"],
    "files": [{"path": DEEP + "/rw/**", "allow": "rwcd"}, {"path": DEEP + "/rw", "allow": "r"},
              {"path": DEEP, "allow": "r"}, {"path": sys.base_prefix + "/**", "allow": "r"},
              {"path": "/usr/**", "allow": "r"}, {"path": "/etc/**", "allow": "r"}],
    "network": [{"unix": DEEP + "/rw/*.sock"}],
})
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(p("deep", "secret", "x.sock"))
srv.listen(4)
code = f"""
import os, socket
a = {p("deep", "rw", "a")!r}
for what, call in (("stat", lambda: os.stat(a)), ("chmod", lambda: os.chmod(a, 0o600)),
                   ("read", lambda: open(a).read())):
    try:
        call()
        print(what, "done")
    except OSError as e:
        print(what, e.errno)
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    c.connect({p("deep", "rw", "b.sock")!r})
    print("connect done")
except OSError as e:
    print("connect", e.errno)
"""
r = run([PY, "-c", code], profile=DEEP_PROFILE, mode="enforce", env={"FNGUARD_NO_LANDLOCK": "1"},
        timeout=60)
srv.close()
unknown = [e for e in r.events if e.get("type") == "violation" and
           "could not be followed" in e.get("detail", "")]
sock_denied = [e for e in r.events if e.get("type") == "violation" and e.get("op") == "connect"
               and e.get("target") == p("deep", "secret", "x.sock")]
tap.ok(r.rc == 0 and r.stdout.split() == ["stat", "13", "chmod", "13", "read", "13",
                                          "connect", "111"] and
       os.stat(p("deep", "secret", "key")).st_mode & 0o777 == 0o644 and len(unknown) >= 3 and
       sock_denied,
       "links whose resolution passes PATH_MAX (realpath gives up, the kernel does not): "
       "stat, chmod and open through them are refused as unknown, a unix connect is judged "
       "on the socket it would reach (pinned): all refused and logged, the secret's mode "
       "unchanged", r.diag())

# RENAME_EXCHANGE moves the target to the source's name: a file a deny rule keeps from being
# read, or a directory with such files below it, comes out from under the rule. The target
# is judged as a source too. And a directory renamed through a link is judged where it is.
with open(p("rw", "mine"), "w") as f:
    f.write("mine\n")
os.makedirs(p("rw", "empty"), exist_ok=True)
r = seq(f"exchange:{p('rw', 'mine')}={p('rw', 'creds', 'a.json')}",
        f"exchange:{p('rw', 'empty')}={p('rw', 'creds')}",
        f"ln:{RW}={p('rw', 'up')}", f"mv:{p('rw', 'up', 'creds')}={p('rw', 'out')}")
with open(p("rw", "mine")) as f:
    mine = f.read()
tap.ok(results(r) == ["EACCES", "EACCES", "0", "EACCES"] and mine == "mine\n" and
       os.path.exists(p("rw", "creds", "a.json")) and not os.path.exists(p("rw", "out")) and
       denied(r, p("rw", "creds", "a.json")) and len(denied(r, p("rw", "creds"))) == 2,
       "renameat2(RENAME_EXCHANGE) with a denied file or a directory with denied files below "
       "it, and a rename of that directory through a link to its parent: refused and logged",
       r.diag())

# fopen's mode as glibc reads it: "r,+" opens for writing (',' is skipped, not an end).
with open(p("task", "ro.txt"), "w") as f:
    f.write("ro\n")
r = seq(f"fopen-mode:r,+={p('task', 'ro.txt')}", f"fopen-mode:r={p('task', 'ro.txt')}")
with open(p("task", "ro.txt")) as f:
    content = f.read()
tap.ok(results(r) == ["EACCES", "EBADF"] and content == "ro\n" and
       denied(r, p("task", "ro.txt")),
       "fopen(read-only file, \"r,+\") is judged as opening for writing: refused and logged "
       "(\"r\" opens, and its write fails as glibc's does)", r.diag())

# Changes through a descriptor open read-only are judged on its file: read is not write.
os.chmod(p("task", "ro.txt"), 0o644)
with open(p("rw", "w.txt"), "w") as f:
    f.write("w\n")
ops = ["fchmod", "fchown", "futimens", "fsetxattr", "fchownat-empty"]
r = seq(*[f"{op}:{p('task', 'ro.txt')}" for op in ops], f"fchmod:{p('rw', 'w.txt')}")
tap.ok(results(r) == ["EACCES"] * len(ops) + ["0"] and
       os.stat(p("task", "ro.txt")).st_mode & 0o777 == 0o644 and
       len(denied(r, p("task", "ro.txt"))) == len(ops),
       "fchmod, fchown, futimens, fsetxattr and fchownat(AT_EMPTY_PATH) on a read-only "
       "descriptor of a file the profile lets be read only: refused and logged; fchmod of a "
       "writable file works", r.diag())

# The ioctls that change a file's attributes work through a read-only descriptor too (the
# owner's right): judged as fchmod, the request read as the kernel reads it (32 bits).
FS_IOC_GETFLAGS = 0x80086601


def file_flags(path):
    import array
    import fcntl
    buf = array.array("l", [0])
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.ioctl(fd, FS_IOC_GETFLAGS, buf, True)
    finally:
        os.close(fd)
    return buf[0]


ops = ["setflags", "setflags-hi", "sys-setflags", "fssetxattr", "ext4-setversion"]
before = (file_flags(p("task", "ro.txt")), file_flags(p("rw", "w.txt")))
r = seq(*[f"{op}:{p('task', 'ro.txt')}" for op in ops], f"setflags:{p('rw', 'w.txt')}")
after = (file_flags(p("task", "ro.txt")), file_flags(p("rw", "w.txt")))
ev = denied(r, p("task", "ro.txt"))
tap.ok(results(r) == ["EACCES"] * len(ops) + ["0"] and after[0] == before[0] and
       after[1] != before[1] and len(ev) == len(ops) and
       all(e.get("op") == "ioctl" and e.get("access") == "w" for e in ev),
       "ioctl FS_IOC_SETFLAGS (libc, with the request's high bits set, through syscall()), "
       "FS_IOC_FSSETXATTR and ext4's SETVERSION on a read-only descriptor of a read-only file: refused and logged, "
       "its flags unchanged; on a writable file it works",
       f"flags before {before} after {after}\n" + r.diag())
ar = run([SEQ, f"setflags:{p('task', 'ro.txt')}"], profile=PROFILE, mode="alert",
         env={"FNGUARD_NO_LANDLOCK": "1"})
tap.ok(results(ar) == ["0"] and len(denied(ar, p("task", "ro.txt"))) == 1,
       "alert: the same ioctl runs and is logged once", ar.diag())

# The same through syscall() (pure Python with ctypes), and the name calls newer than the
# shim's wrappers (Linux 6.13's setxattrat family, 6.17's file_setattr): ENOSYS, as an older
# kernel answers, so that a caller falls back to the calls judged.
code = f"""
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
fd = os.open({p("task", "ro.txt")!r}, os.O_RDONLY)
def call(*args):
    r = libc.syscall(*args)
    return "0" if r == 0 else os.strerror(ctypes.get_errno())
print(call(91, fd, 0o666))  # fchmod
print(call(93, fd, 4242, -1))  # fchown
print(call(190, fd, b"user.x", b"1", 1, 0))  # fsetxattr
print(call(199, fd, b"user.keep"))  # fremovexattr
print(call(463, -100, {p("task", "ro.txt").encode()!r}, 0, b"user.x", None, 0))  # setxattrat
print(call(469, -100, {p("task", "ro.txt").encode()!r}, None, 0, 0))  # file_setattr
"""
os.setxattr(p("task", "ro.txt"), "user.keep", b"k")
with_py = write_profile(W, {
    "fnguard": 1, "extends": ["lambda-base"],
    "files": [{"path": W + "/task/**", "allow": "r"},
              {"path": sys.base_prefix + "/**", "allow": "r"}, {"path": "/usr/**", "allow": "r"}],
}, "with-python.json")
r = run([sys.executable, "-c", code], profile=with_py, mode="enforce",
        env={"FNGUARD_NO_LANDLOCK": "1"})
st = os.stat(p("task", "ro.txt"))
tap.ok(platform.machine() != "x86_64" or (
       r.stdout.splitlines() == ["Permission denied"] * 4 + ["Function not implemented"] * 2
       and st.st_mode & 0o777 == 0o644 and st.st_uid == 0 and
       os.listxattr(p("task", "ro.txt")) == ["user.keep"] and
       len(denied(r, p("task", "ro.txt"))) == 4),
       "syscall(SYS_fchmod), fchown, fsetxattr and fremovexattr on a read-only descriptor: "
       "refused and logged; setxattrat and file_setattr through syscall(): ENOSYS",
       r.diag())

# Without /proc (a mount namespace that unmounted it) a directory descriptor cannot be
# named: calls relative to one went through unjudged (a read of the secret through
# "../secret"), and so did changes through a read-only descriptor. Now refused as unknown.
code = f"""
import os
d = os.open({p("task")!r}, os.O_RDONLY | os.O_DIRECTORY)
for what, call in (("openat", lambda: os.open("../secret/key", os.O_RDONLY, dir_fd=d)),
                   ("fchmod", lambda: os.chmod(d, 0o777))):
    try:
        call()
        print(what, "done")
    except OSError as e:
        print(what, e.strerror)
"""
noproc = ["unshare", "-m", "--propagation", "private", "sh", "-c",
          f'mount -t tmpfs none /proc && LD_PRELOAD={LIB} exec "$@"', "sh"]
if subprocess.run(noproc + ["true"], capture_output=True).returncode == 0:
    r = run(noproc + [sys.executable, "-c", code], profile=with_py, mode="enforce",
            env={"FNGUARD_NO_LANDLOCK": "1"}, preload=False)
    tap.ok(r.stdout == "openat Permission denied\nfchmod Permission denied\n" and
           os.stat(p("task")).st_mode & 0o777 != 0o777 and
           {e.get("op") for e in r.events if e.get("type") == "violation" and
            e.get("action") == "blocked"} >= {"openat64", "fchmod"},
           "without /proc: openat relative to a directory descriptor and fchmod of a "
           "read-only one are refused as unknown, and logged", r.diag())
else:
    tap.ok(True, "without /proc # SKIP no mount namespace here")

# openat2 with RESOLVE_IN_ROOT reads an absolute name below its dirfd: an allowed name there
# ("/<task>/x") is a link planted to a file a deny rule keeps from being read ("/creds/a.json"
# is also read below the root). Judged on the file it opens.
inroot = RW + p("task")
os.makedirs(inroot, exist_ok=True)
if os.path.lexists(os.path.join(inroot, "x")):
    os.unlink(os.path.join(inroot, "x"))
os.symlink("/creds/a.json", os.path.join(inroot, "x"))
r = seq(f"sys-openat2-inroot:{RW}={p('task', 'x')}")
tap.ok(results(r) == ["EACCES"] and not matches(r) and denied(r, p("rw", "creds", "a.json")),
       "openat2(RESOLVE_IN_ROOT) of an allowed absolute name that leads, below the root, to "
       "a denied file: refused and logged", r.diag())

# glibc functions that open a name inside libc: setmntent; the login records' file, opened
# later by name, in a place where a link can be planted by then.
with open(p("rw", "utmp"), "wb") as f:
    f.write(b"\0" * 384)
r = seq(f"setmntent:{p('secret', 'key')}", f"utmp-read:{p('rw', 'utmp')}")
tap.ok(results(r) == ["EACCES", "EACCES"] and not matches(r) and
       denied(r, p("secret", "key")) and denied(r, p("rw", "utmp")),
       "setmntent of the secret, utmpname of a file where links can be planted: refused and "
       "logged", r.diag())

# The log descriptor: no stream on it (its fclose would close it), and close-on-exec set on
# it does not keep the events of what is run next from being written.
SEQ_PROFILE = write_profile(W, {
    "fnguard": 1,
    "extends": ["lambda-base"],
    "files": [{"path": W + "/**", "allow": "r"}, {"path": SECRET + "/**", "deny": "r"},
              {"path": HELPERS + "/**", "allow": "r"}],
    "exec": [{"path": SEQ}],
}, name="seq-exec.json")
r = run([SEQ, "fdopen-log:x", "cloexec-log:x", f"exec-stat:{SEQ}=stat:{p('secret', 'key')}"],
        profile=SEQ_PROFILE, mode="enforce", env={"FNGUARD_NO_LANDLOCK": "1"})
child = [e for e in denied(r, p("secret", "key")) if e.get("op") == "stat"]
mine = [line.rsplit(" -> ", 1)[-1] for line in r.stdout.splitlines()
        if line.split(" ", 1)[0] in ("fdopen-log", "cloexec-log", "exec-stat")]
tap.ok(mine == ["EBADF", "0", "0"] and child,
       "fdopen of the log descriptor fails (EBADF); with close-on-exec set on it, the program "
       "run next still logs its denied stat", r.diag())

# A change made by name racing a link swap where links can be planted (plain Python, two
# threads): chmod, truncate and os.utime judged one file and reached the other. The file is
# pinned, judged as what it is, and changed through the pin.
os.makedirs(p("rw", "swap"), exist_ok=True)
with open(p("secret", "mode"), "w") as f:
    f.write("SECRET")
os.chmod(p("secret", "mode"), 0o600)
code = f"""
import os, threading, time
x, real, secret = {p("rw", "swap", "x")!r}, {p("rw", "swap", "real")!r}, {p("secret", "mode")!r}
open(real, "w").close()
stop = time.time() + 2
def swapper():
    tmp = x + ".tmp"
    while time.time() < stop:
        for target in (real, secret):
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            os.symlink(target, tmp)
            os.rename(tmp, x)
t = threading.Thread(target=swapper)
t.start()
done = refused = 0
while time.time() < stop:
    for call in (lambda: os.chmod(x, 0o604), lambda: os.truncate(x, 0),
                 lambda: os.utime(x, (1, 1))):
        try:
            call()
            done += 1
        except OSError:
            refused += 1
t.join()
print("done", done, "refused", refused)
"""
SWAP = write_profile(W, {
    "fnguard": 1, "extends": ["lambda-base"],
    "files": [{"path": RW + "/**", "allow": "rwcd"}, {"path": RW, "allow": "r"},
              {"path": sys.base_prefix + "/**", "allow": "r"},
              {"path": "/usr/**", "allow": "r"}, {"path": "/etc/**", "allow": "r"}],
}, "swap.json")
r, out = py_race(code, SWAP)
st = os.stat(p("secret", "mode"))
tap.ok(r.rc == 0 and len(out) == 4 and int(out[1]) > 100 and int(out[3]) > 100 and
       st.st_mode & 0o777 == 0o600 and st.st_size == 6 and int(st.st_mtime) != 1 and
       denied(r, p("secret", "mode")),
       "chmod, truncate and utime by name racing a link swapped between an allowed file and "
       "the secret: the allowed file changes, the secret never does, the refusals are logged",
       f"stdout={r.stdout!r} rc={r.rc} secret: {oct(st.st_mode)} {st.st_size} bytes, mtime "
       f"{int(st.st_mtime)} stderr={r.stderr[-600:]!r}")

def exchanging(where):
    """The start of a racing program: a thread exchanging directory d under where with
    link, a link to the secret directory, for 2 s (RENAME_EXCHANGE), started."""
    os.makedirs(p("rw", where), exist_ok=True)
    return f"""
import ctypes, os, threading, time
libc = ctypes.CDLL(None, use_errno=True)
base = {p("rw", where)!r}
d, link = base + "/d", base + "/l"
os.makedirs(d, exist_ok=True)
if not os.path.lexists(link):
    os.symlink({SECRET!r}, link)
stop = time.time() + 2
def swapper():
    while time.time() < stop:
        libc.renameat2(-100, d.encode(), -100, link.encode(), 2)  # RENAME_EXCHANGE
t = threading.Thread(target=swapper)
t.start()
done = refused = 0
def attempt(calls):
    global done, refused
    for call in calls:
        try:
            call()
            done += 1
        except OSError:
            refused += 1
"""


# A name changed in a directory swapped with a link to the secret one (renameat2 EXCHANGE,
# plain Python with ctypes, two threads): unlink, mkdir and symlink judged in the real
# directory reached the secret one. The directory is pinned (opened refusing links) and the
# call made in it.
with open(p("secret", "victim"), "w") as f:
    f.write("v")
code = exchanging("dswap") + """
while time.time() < stop:
    attempt((lambda: os.unlink(d + "/victim"), lambda: os.mkdir(d + "/made"),
             lambda: os.rmdir(d + "/made"), lambda: os.symlink("x", d + "/sym"),
             lambda: os.unlink(d + "/sym"), lambda: os.rename(d + "/victim", d + "/moved"),
             lambda: os.mkdir(d + "/slash/"), lambda: os.rmdir(d + "/slash/"),
             lambda: os.link(d + "/victim", d + "/hard"), lambda: os.unlink(d + "/hard")))
    try:
        open(d + "/victim", "w").close()
    except OSError:
        pass
t.join()
print("done", done, "refused", refused)
"""
r, out = py_race(code, SWAP)
left = sorted(os.listdir(SECRET))
with open(p("secret", "victim")) as f:
    kept = f.read()
tap.ok(r.rc == 0 and len(out) == 4 and int(out[1]) > 100 and "victim" in left and
       kept == "v" and
       "made" not in left and "sym" not in left and "moved" not in left and
       "slash" not in left and "hard" not in left and
       denied(r, p("secret", "victim")),
       "unlink, mkdir, rmdir, symlink, rename and link (names with a trailing '/' too), and "
       "an open for writing (O_TRUNC), in a directory swapped with a link to the secret one: "
       "the secret directory and its file are never changed, the refusals are logged",
       f"stdout={r.stdout!r} rc={r.rc} secret holds {left} stderr={r.stderr[-600:]!r}")

# The changes that do not follow a last link (lchown, lutimes, lsetxattr, lremovexattr,
# lchmod, AT_SYMLINK_NOFOLLOW) and mkfifo, futimesat, racing the same exchange: they were
# judged, then made by name, so the directory swapped in between took them to the secret
# file. They are made in the directory pinned as for unlink.
victim = p("secret", "lvictim")
with open(victim, "w") as f:
    f.write("v")
os.chmod(victim, 0o600)
os.chown(victim, 0, 0)
os.setxattr(victim, "user.keep", b"k")
os.utime(victim, (1000000, 1000000))
code = exchanging("lswap") + """
v = d + "/lvictim"
bv = v.encode()
def setx():
    os.setxattr(v, "user.evil", b"e", follow_symlinks=False)
def check(r):
    if r != 0:
        raise OSError(ctypes.get_errno(), "")
libc.fopen.restype = ctypes.c_void_p
libc.fclose.argtypes = [ctypes.c_void_p]
def fopen_w():
    f = libc.fopen(bv, b"w")
    if not f:
        raise OSError(ctypes.get_errno(), "")
    libc.fclose(f)
while time.time() < stop:
    attempt((lambda: os.utime(v, (5, 5), follow_symlinks=False),
             lambda: check(libc.lutimes(bv, None)),
             lambda: check(libc.futimesat(-100, bv, None)),
             lambda: os.chown(v, -1, 4242, follow_symlinks=False),
             lambda: check(libc.lchmod(bv, 0o644)), setx,
             lambda: os.removexattr(v, "user.keep", follow_symlinks=False),
             lambda: os.mkfifo(d + "/fifo"), lambda: os.unlink(d + "/fifo"),
             lambda: os.close(os.open(v, os.O_RDONLY | os.O_TRUNC)), fopen_w))
    try:
        open(v, "w").close()
        os.setxattr(v, "user.keep", b"k")
    except OSError:
        pass
t.join()
print("done", done, "refused", refused)
"""
r, out = py_race(code, SWAP)
st = os.lstat(victim)
kept = (oct(st.st_mode & 0o777), st.st_gid, int(st.st_mtime), sorted(os.listxattr(victim)),
        "fifo" in os.listdir(SECRET), st.st_size)
tap.ok(r.rc == 0 and len(out) == 4 and int(out[1]) > 100 and
       kept == ("0o600", 0, 1000000, ["user.keep"], False, 1) and
       denied(r, victim),
       "lutimes, utimensat and fchmodat without following, lchown, lchmod, lsetxattr, "
       "lremovexattr, futimesat, mkfifo, open(O_RDONLY | O_TRUNC) and fopen \"w\" in a "
       "directory swapped "
       "with a link to the secret one: the secret file is never changed, no FIFO is made "
       "there, the refusals are logged",
       f"stdout={r.stdout!r} rc={r.rc} secret file {kept} stderr={r.stderr[-600:]!r}")

# The working directory itself through AT_EMPTY_PATH (AT_FDCWD and an empty name).
r = seq(f"chdir:{p('task')}", "fchownat-cwd:x", f"chdir:{RW}", "fchownat-cwd:x")
tap.ok(results(r) == ["0", "EACCES", "0", "0"] and denied(r, p("task")),
       "fchownat(AT_FDCWD, \"\", AT_EMPTY_PATH) changes the working directory: refused where "
       "it is read-only, and logged; allowed where it may be written", r.diag())

PINNED = write_profile(W, {
    "fnguard": 1, "extends": ["lambda-base"],
    "files": [{"path": RW + "/**", "allow": "rwcd"}, {"path": RW, "allow": "r"},
              {"path": W + "/task/**", "allow": "r"},
              {"path": sys.base_prefix + "/**", "allow": "r"},
              {"path": "/usr/**", "allow": "r"}, {"path": "/etc/**", "allow": "r"}],
}, "pinned.json")

# Out of descriptors: the calls that pin where links can be planted still work, by name.
code = f"""
import os, resource
resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
base = {p("rw", "em")!r}
os.makedirs(base, exist_ok=True)
open(base + "/f", "w").close()
fds = []
while True:
    try:
        fds.append(os.open("/dev/null", os.O_RDONLY))
    except OSError:
        break
out = []
for name, call in (("chmod", lambda: os.chmod(base + "/f", 0o644)),
                   ("mkdir", lambda: os.mkdir(base + "/d")),
                   ("rename", lambda: os.rename(base + "/d", base + "/e")),
                   ("rmdir", lambda: os.rmdir(base + "/e")),
                   ("unlink", lambda: os.unlink(base + "/f"))):
    try:
        call()
        out.append(name + ":ok")
    except OSError as e:
        out.append(name + ":" + str(e.errno))
print(" ".join(out))
"""
r = run([PY, "-c", code], profile=PINNED, mode="enforce", timeout=60)
tap.ok(r.rc == 0 and r.stdout.split() == ["chmod:ok", "mkdir:ok", "rename:ok", "rmdir:ok",
                                          "unlink:ok"],
       "out of descriptors, chmod, mkdir, rename, rmdir and unlink where links can be planted "
       "still work (judged the long way, called by name)", r.diag())

# Without /proc (a mount namespace with an empty one): no pinned directory can be judged,
# so a name where links can be planted is judged the long way, and a call its rule does
# not allow is refused and logged (it went through unjudged: review, 2026-11-23).
NO_D = write_profile(W, {
    "fnguard": 1, "extends": ["lambda-base"],
    "files": [{"path": RW + "/**", "allow": "rwc"}, {"path": W, "allow": "r"},
              {"path": HELPERS + "/**", "allow": "r"}],
}, "no-d.json")
with open(p("rw", "keep"), "w") as f:
    f.write("k")
wrap = ["unshare", "-m", "--propagation", "private", "sh", "-c",
        f'mount -t tmpfs none /proc && LD_PRELOAD={LIB} exec "$@"', "sh"]
if subprocess.run(wrap + ["true"], capture_output=True).returncode != 0:
    tap.ok(True, "without /proc: # SKIP no mount namespace here")
else:
    r = run(wrap + [SEQ, f"unlink:{p('rw', 'keep')}"], profile=NO_D, mode="enforce",
            env={"FNGUARD_NO_LANDLOCK": "1"}, preload=False)
    tap.ok(results(r) == ["EACCES"] and os.path.exists(p("rw", "keep")) and
           denied(r, p("rw", "keep")),
           "without /proc, an unlink the profile does not allow where links can be planted: "
           "refused and logged", r.diag())

# A name relative to a directory descriptor is judged joined to the directory's path as it
# is at the call: moved behind the shim's back (a raw rename, as another process would), the
# directory is judged where it is now; another directory at the same number is not taken
# for the first. (A path kept while the directory's device, inode and ctime stayed the same
# was tried on 2026-11-24 and withdrawn: a rename of a directory above leaves all three as
# they were, next test.)
for n, (label, last) in enumerate((("openat", "openr-at:f"), ("fstatat", "stat-at:f"))):
    d = p("task", f"d{n}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f"), "w") as f:
        f.write("x")
    moved = p("secret", f"d{n}")
    r = seq(f"dir:{d}", "nap:30", last, last, f"raw-mv:{d}={moved}", last)
    tap.ok(results(r) == ["0", "0", "0", "0", "0", "EACCES"] and denied(r, moved + "/f"),
           f"{label} relative to a kept directory's descriptor, the directory moved into a "
           "denied one behind the shim's back: judged where it is now, refused and logged",
           r.diag())
os.makedirs(p("task", "d9"), exist_ok=True)
os.makedirs(p("rw", "creds"), exist_ok=True)
for d in (p("task", "d9"), p("rw", "creds")):
    with open(os.path.join(d, "f.json"), "w") as f:
        f.write("x")
r = seq(f"dir:{p('task', 'd9')}", "nap:30", "openr-at:f.json", f"dir:{p('rw', 'creds')}",
        "openr-at:f.json")
tap.ok(results(r) == ["0", "0", "0", "0", "EACCES"] and denied(r, p("rw", "creds", "f.json")),
       "another directory at the same descriptor number is judged as itself", r.diag())

# A directory above the descriptor's renamed through libc, inside the writable area: "..",
# from the descriptor, climbs from where the directory is now, into the denied one
# (found by review, 2026-11-24, against a kept path: stat and access answered for the
# secret, and a creating open left a file in it).
for sub_dir in ("a", "b"):
    shutil.rmtree(p("rw", sub_dir), ignore_errors=True)
os.makedirs(p("rw", "a", "b", "c"))
up = "../../../secret"
r = seq(f"dir:{p('rw', 'a', 'b', 'c')}", "nap:30", "stat-at:.", "stat-at:.",
        f"mv:{p('rw', 'a', 'b')}={p('rw', 'b')}", f"stat-at:{up}/key",
        f"openr-at:{up}/key")
tap.ok(results(r)[-2:] == ["EACCES", "EACCES"] and denied(r, p("secret", "key")),
       "a directory above a descriptor's renamed (libc, inside the writable area): '..' from "
       "it judged from where it is now, refused and logged", r.diag())

# Alert mode logs an open once, as enforce does: a name judged, let run, then its descriptor
# looked at (links can be planted here) is the same file, not a second violation. A denied
# name that is a link to another denied file is two files: two lines, not three.
os.makedirs(p("rw", "creds"), exist_ok=True)
KEY = p("secret", "key")
with open(KEY, "w") as f:
    f.write("k\n")
for name, target in (("l", KEY), ("creds/k.json", KEY)):
    if os.path.lexists(p("rw", name)):
        os.unlink(p("rw", name))
    os.symlink(target, p("rw", name))
ops = [f"openr:{p('rw', 'l')}", f"openw:{p('rw', 'l')}", f"fopen-w:{p('rw', 'l')}",
       f"openr:{p('rw', '..', 'secret', 'key')}", f"openr:{p('rw', 'creds', 'k.json')}",
       # then the same file by name, and below a directory (RESOLVE_IN_ROOT: judged on the
       # descriptor alone): two opens, two lines, the first one's record not taken for it
       f"openr:{KEY}", "sys-openat2-inroot:=secret/key"]
counts = {}
for mode in ("alert", "enforce"):
    r = run([SEQ] + ops, profile=PROFILE, mode=mode, env={"FNGUARD_NO_LANDLOCK": "1"}, cwd=W)
    counts[mode] = ([e.get("target") for e in r.events if e.get("type") == "violation"],
                    [e for e in r.events if "elsewhere" in e.get("detail", "")], results(r), r)
alert_v, alert_else, alert_res, r = counts["alert"]
enf_v, _, enf_res, _ = counts["enforce"]
# Enforce stops at the denied name; alert goes on to the file the link leads to.
tap.ok(alert_res == ["0"] * 7 and enf_res == ["EACCES"] * 7 and
       enf_v == [KEY] * 4 + [p("rw", "creds", "k.json"), KEY, KEY] and
       alert_v == enf_v[:5] + [KEY] + enf_v[5:] and len(alert_else) == 1,
       "alert mode: an open through a planted link, '..' or fopen logs the file once, the same "
       "lines as enforce (not again when its descriptor is looked at); an open judged on its "
       "descriptor alone is not taken for the call before", r.diag())

# The working directory removed: a relative name cannot be placed. Refused as unknown in
# enforce (the open fails), with no tip: a file rule names an absolute path.
GONE = p("gone")
os.makedirs(GONE, exist_ok=True)
NOWHERE = write_profile(W, {
    "fnguard": 1, "extends": ["lambda-base"],
    "files": [{"path": HELPERS + "/**", "allow": "r"}, {"path": GONE, "allow": "rwcd"},
              {"path": "/usr/bin/rmdir", "allow": "r"}],
    "exec": [{"path": SEQ}, {"path": "/usr/bin/rmdir"}],
}, "nowhere.json")
r = run(["/bin/sh", "-c", f'/usr/bin/rmdir "$PWD" && exec {SEQ} openr:nothing'],
        profile=NOWHERE, mode="enforce", cwd=GONE, env={"FNGUARD_NO_LANDLOCK": "1"})
ev = [e for e in r.events if e.get("type") == "violation" and e.get("target") == "nothing"]
tap.ok(results(r) == ["EACCES"] and ev and "tip" not in ev[0],
       "a relative name in a removed working directory: refused, logged without a tip",
       r.diag())

shutil.rmtree(W, ignore_errors=True)
sys.exit(tap.done())
