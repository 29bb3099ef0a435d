#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: opens of absolute names where links can be planted (lib/file_ops.c).

There the shim opens with openat2(RESOLVE_NO_SYMLINKS): when the kernel
finds no link on the way, the name judged is the file opened; a link on
the way (ELOOP) sends the open the long way (each link followed and judged,
the descriptor checked after). The same attacks run in four states, with
Landlock off so that the libc layer's judgement is what is checked:

- no seccomp filter at all (openat2 available);
- fnguard's own filter, which allows openat2 where it allows openat;
- a platform filter refusing openat2 with ENOSYS (kernels before 5.6);
- a platform filter refusing it with EPERM (a default action).

In each: a link planted as the last name, as a directory on the way, a
creating open through a dangling link, and a link swapped in after the
same name was allowed (the remembered verdict must not outlive it) are
refused with EACCES and logged under the name the kernel would have used;
plain opens, creations and truncations keep working. The stat family
(stat, lstat, fstatat, statx) and access go the same way through an O_PATH
descriptor: the same attacks, and what they report is the file named.
"""
import errno
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fnguard_test import (FILL_ALL_BUT_ONE, HELPERS, LIB, Tap, run, workdir,  # noqa: E402
                          write_profile)

SEQ = os.path.join(HELPERS, "path-seq")
LAUNCH = os.path.join(HELPERS, "no-seccomp-launcher")
tap = Tap()
W = workdir("nolinks-")
RW = os.path.join(W, "rw")          # where the function may create (and so plant links)
SECRET = os.path.join(W, "secret")  # no rule: denied

FILES = [
    {"path": RW + "/**", "allow": "rwcd"},
    {"path": RW, "allow": "r"},
    {"path": RW + "/denied*", "deny": "r"},
    {"path": HELPERS + "/**", "allow": "r"},
    {"path": sys.base_prefix + "/**", "allow": "r"},
]
PLAIN = write_profile(W, {"fnguard": 1, "extends": ["lambda-base"], "files": FILES},
                      name="plain.json")
FILTERED = write_profile(W, {"fnguard": 1, "extends": ["lambda-base"], "files": FILES,
                             "syscalls": ["@lambda-runtime"]}, name="filtered.json")

STATES = [
    ("no filter", PLAIN, None),
    ("fnguard's filter", FILTERED, None),
    ("openat2 refused (ENOSYS)", PLAIN, errno.ENOSYS),
    ("openat2 refused (EPERM)", PLAIN, errno.EPERM),
]


def fresh():
    for d in (RW, SECRET):
        shutil.rmtree(d, ignore_errors=True)
    for d in (RW, os.path.join(RW, "d"), os.path.join(RW, "d", "e"), SECRET):
        os.makedirs(d)
    for f in (os.path.join(RW, "d", "e", "f"), os.path.join(SECRET, "f")):
        with open(f, "w") as fh:
            fh.write("content\n")


def seq(state, *ops, mode="enforce"):
    _, profile, refuse = state
    env = {"FNGUARD_NO_LANDLOCK": "1"}
    if refuse is None:
        return run([SEQ] + list(ops), profile=profile, mode=mode, env=env)
    env.update(LAUNCH_PRELOAD=LIB, LAUNCH_OPENAT2_ERRNO=str(refuse))
    return run([LAUNCH, SEQ] + list(ops), profile=profile, mode=mode, env=env,
               preload=False)


def results(r):
    return [line.rsplit(" -> ", 1)[-1] for line in r.stdout.splitlines()
            if not line.startswith("= ")]


def denied(r, target):
    return [e for e in r.events if e.get("type") == "violation" and e.get("target") == target
            and e.get("action") == "blocked"]


def rw(*parts):
    return os.path.join(RW, *parts)


# The launcher installs a filter without no_new_privs, as a platform would: root only.
ROOT = os.geteuid() == 0

# The fast way is taken where it should be: an openat2 that fails with an errno no open
# would give (EXDEV, which the fallback does not take) shows through for names under the
# create root, and names elsewhere never meet it.
if ROOT and not os.path.realpath(sys.executable).startswith("/tmp/"):
    fresh()
    # A readable file outside every create root (lambda-base grants /tmp: the build tree
    # itself may be there).
    task = os.path.realpath(sys.executable)
    r = seq(("", PLAIN, errno.EXDEV), f"openr:{rw('d', 'e', 'f')}", f"stat:{rw('d', 'e', 'f')}",
            f"openr:{task}", f"stat:{task}")
    tap.ok(results(r) == ["EXDEV", "EXDEV", "0", "0"],
           "absolute names under the create root are opened with openat2, others are not",
           r.diag())
    # Relative names too; with ".." they take the long way.
    r = seq(("", PLAIN, errno.EXDEV), f"chdir:{rw('d')}", "openr:e/f", "stat:e/f",
            "access:e/f", "openr:../d/e/f")
    tap.ok(results(r) == ["0", "EXDEV", "EXDEV", "EXDEV", "0"],
           "relative names under the create root are opened with openat2, not with '..'",
           r.diag())
else:
    tap.skip("absolute names under the create root are opened with openat2",
             "not root, or the interpreter is under /tmp")
    tap.skip("relative names under the create root are opened with openat2",
             "not root, or the interpreter is under /tmp")

for state in STATES:
    label = state[0]
    if state[2] is not None and not ROOT:
        tap.skip(f"{label}: every case", "the launcher's filter needs root")
        continue

    fresh()
    r = seq(state, f"openr:{rw('d', 'e', 'f')}", f"openw:{rw('d', 'e', 'f')}",
            f"creat:{rw('d', 'new')}", f"openr:{rw('d', 'new')}")
    tap.ok(results(r) == ["0", "0", "0", "0"] and os.path.exists(rw("d", "new"))
           and not r.find(type="violation") and not r.find(type="error"),
           f"{label}: allowed opens, writes and creations work", r.diag())

    fresh()
    r = seq(state, f"ln:{os.path.join(SECRET, 'f')}={rw('last')}", f"openr:{rw('last')}")
    tap.ok(results(r) == ["0", "EACCES"] and denied(r, os.path.join(SECRET, "f")),
           f"{label}: a link planted as the last name is followed and refused", r.diag())

    fresh()
    r = seq(state, f"mv:{rw('d', 'e')}={rw('d', 'old')}", f"ln:{SECRET}={rw('d', 'e')}",
            f"openr:{rw('d', 'e', 'f')}")
    tap.ok(results(r) == ["0", "0", "EACCES"] and denied(r, os.path.join(SECRET, "f")),
           f"{label}: a link planted as a directory on the way is followed and refused",
           r.diag())

    fresh()
    made = os.path.join(SECRET, "made")
    r = seq(state, f"ln:{made}={rw('dangling')}", f"creat:{rw('dangling')}")
    tap.ok(results(r) == ["0", "EACCES"] and not os.path.exists(made) and denied(r, made),
           f"{label}: a creating open through a dangling link creates nothing where it leads",
           r.diag())

    # Allowed once (and remembered), then a directory on the way becomes a link.
    fresh()
    target = rw("d", "e", "f")
    r = seq(state, f"openr:{target}", f"openr:{target}", f"mv:{rw('d', 'e')}={rw('d', 'old')}",
            f"ln:{SECRET}={rw('d', 'e')}", f"openr:{target}")
    tap.ok(results(r) == ["0", "0", "0", "0", "EACCES"]
           and denied(r, os.path.join(SECRET, "f")),
           f"{label}: an open allowed before is refused once a link is swapped in on its way",
           r.diag())

    # O_TRUNC through a link to a denied file leaves it whole.
    fresh()
    with open(os.path.join(SECRET, "f"), "w") as fh:
        fh.write("keep\n")
    r = seq(state, f"ln:{os.path.join(SECRET, 'f')}={rw('t')}", f"openw:{rw('t')}")
    with open(os.path.join(SECRET, "f")) as fh:
        kept = fh.read() == "keep\n"
    tap.ok(results(r) == ["0", "EACCES"] and kept and denied(r, os.path.join(SECRET, "f")),
           f"{label}: a write open through a link to a denied file leaves it untouched",
           r.diag())

    # The stat family takes the same way (an O_PATH descriptor opened refusing links, the
    # call made on it): what it reports is the file named, and links are still followed.
    fresh()
    r = seq(state, f"stat:{rw('d', 'e', 'f')}", f"fstatat:{rw('d', 'e', 'f')}",
            f"statx:{rw('d', 'e', 'f')}", f"lstat:{rw('d', 'e')}")
    sizes = [line for line in r.stdout.splitlines() if line.startswith("= size")]
    tap.ok(results(r) == ["0", "0", "0", "0"] and sizes[:3] == ["= size 8"] * 3
           and len(sizes) == 4 and not r.find(type="violation"),
           f"{label}: stat, fstatat, statx and lstat of allowed names work and report the "
           "file named", r.diag())

    fresh()
    r = seq(state, f"ln:{os.path.join(SECRET, 'f')}={rw('last')}", f"lstat:{rw('last')}",
            f"stat:{rw('last')}", f"statx:{rw('last')}")
    tap.ok(results(r) == ["0", "0", "EACCES", "EACCES"]
           and len(denied(r, os.path.join(SECRET, "f"))) >= 2,
           f"{label}: lstat of a planted link looks at the link; stat and statx follow it "
           "and are refused", r.diag())

    fresh()
    target = rw("d", "e", "f")
    r = seq(state, f"stat:{target}", f"statx:{target}", f"mv:{rw('d', 'e')}={rw('d', 'old')}",
            f"ln:{SECRET}={rw('d', 'e')}", f"stat:{target}", f"fstatat:{target}",
            f"statx:{target}")
    tap.ok(results(r) == ["0", "0", "0", "0", "EACCES", "EACCES", "EACCES"]
           and len(denied(r, os.path.join(SECRET, "f"))) >= 3,
           f"{label}: a stat allowed before is refused once a link is swapped in on its way",
           r.diag())

    # access goes that way too where the filter lets faccessat2 run.
    fresh()
    target = rw("d", "e", "f")
    r = seq(state, f"access:{target}", f"access:{target}", f"ln:{SECRET}={rw('e2')}",
            f"access:{rw('e2', 'f')}", f"mv:{rw('d', 'e')}={rw('d', 'old')}",
            f"ln:{SECRET}={rw('d', 'e')}", f"access:{target}", f"access:{rw('missing')}")
    tap.ok(results(r) == ["0", "0", "0", "EACCES", "0", "0", "EACCES", "ENOENT"]
           and len(denied(r, os.path.join(SECRET, "f"))) >= 2,
           f"{label}: access of allowed names works, through links (planted or swapped in) "
           "it is refused, a missing name says ENOENT", r.diag())

    # An answer kept for opens that refuse links never serves a call that follows them.
    fresh()
    target = rw("d", "e", "f")
    r = seq(state, f"openr:{target}", f"mv:{rw('d', 'e')}={rw('d', 'old')}",
            f"ln:{SECRET}={rw('d', 'e')}", f"freopen-w:{target}")
    tap.ok(results(r)[:3] == ["0", "0", "0"] and results(r)[3] == "EACCES"
           and denied(r, os.path.join(SECRET, "f")),
           f"{label}: fopen of a name an open allowed before is judged again after a link "
           "is swapped in", r.diag())

    # Relative names are opened refusing links too, judged against the working directory
    # the shim remembers: renamed (no chdir says so) into a denied place, the directory's
    # files are refused there, and the remembered verdicts are not used again.
    fresh()
    moved = os.path.join(SECRET, "e")
    r = seq(state, f"chdir:{rw('d', 'e')}", "openr:f", "openr:f", "stat:f", "access:f",
            "creat:g", f"raw-mv:{rw('d', 'e')}={moved}", "openr:f", "openr:f", "stat:f",
            "access:f", "openw:f", "creat:new", "mkfifo:fifo", "lchown:g")
    tap.ok(results(r) == ["0"] * 7 + ["EACCES"] * 8
           and len(denied(r, os.path.join(moved, "f"))) >= 5
           and not os.path.exists(os.path.join(moved, "new"))
           and not os.path.exists(os.path.join(moved, "fifo")),
           f"{label}: relative names are refused once their directory is renamed into a "
           "denied place, and nothing is created there", r.diag())

    # The first call after the rename creates: judged again before it acts.
    for op, what in (("creat", "a creating open"), ("fopen-w", 'fopen "w"'),
                     ("sys-openat2-c", "openat2 through syscall() creating")):
        fresh()
        r = seq(state, f"chdir:{rw('d', 'e')}", "openr:f", "stat:f",
                f"raw-mv:{rw('d', 'e')}={moved}", f"{op}:new")
        tap.ok(results(r) == ["0", "0", "0", "0", "EACCES"]
               and not os.path.exists(os.path.join(moved, "new"))
               and denied(r, os.path.join(moved, "new")),
               f"{label}: {what} first after its directory is renamed into a denied place "
               "creates nothing", r.diag())

    fresh()
    r = seq(state, f"chdir:{rw('d')}", f"ln:{SECRET}={rw('d', 'link')}", "openr:link/f",
            "stat:link/f", "openr:e/f", "stat:e/f")
    tap.ok(results(r) == ["0", "0", "EACCES", "EACCES", "0", "0"]
           and len(denied(r, os.path.join(SECRET, "f"))) >= 2,
           f"{label}: a relative name through a planted link is followed and refused",
           r.diag())

    # Alert: a name denied by its own rule, through a link, is logged once (and its target).
    fresh()
    link = rw("denied-link")
    r = seq(state, f"ln:{os.path.join(SECRET, 'f')}={link}", f"openr:{link}", mode="alert")
    named = [e for e in r.events if e.get("type") == "violation" and e.get("target") == link]
    tap.ok(results(r) == ["0", "0"] and len(named) == 1 and
           [e for e in r.events if e.get("target") == os.path.join(SECRET, "f")],
           f"{label}: alert, a denied name reached through a link is logged once", r.diag())

# Out of descriptors: stat under the create root needs none of its own, as plain stat.
code = ("import os, resource\n"
        "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))\n"
        "fds = []\n"
        "try:\n"
        "    while True:\n"
        "        fds.append(os.open('/dev/null', os.O_RDONLY))\n"
        "except OSError:\n"
        "    pass\n"
        f"print('size', os.stat({rw('d', 'e', 'f')!r}).st_size)\n"
        f"print('access', os.access({rw('d', 'e', 'f')!r}, os.R_OK))\n")
fresh()
r = run([sys.executable, "-c", code], profile=FILTERED, mode="enforce",
        env={"FNGUARD_NO_LANDLOCK": "1"})
tap.ok(r.rc == 0 and "size 8" in r.stdout and "access True" in r.stdout,
       "stat and access under the create root work with every descriptor taken", r.diag())

# fopen looks at what it opened through a copy of the descriptor: with one descriptor left
# (fopen's), the copy failed and the look was skipped, so a link flipped between an allowed
# file and the secret after the judgement was read (plain Python with ctypes, two threads).
with open(os.path.join(SECRET, "key"), "w") as f:
    f.write("TOPSECRET\n")
with open(rw("ok.txt"), "w") as f:
    f.write("ok\n")
# libc's fopen through ctypes (Python's open is not fopen).
CTYPES_FOPEN = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.fopen.restype = ctypes.c_void_p
libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
"""
code = f"""
import os, threading, time
{CTYPES_FOPEN}
libc.fgets.restype = ctypes.c_char_p
libc.fgets.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p]
libc.fclose.argtypes = [ctypes.c_void_p]
link, ok, secret = {rw("flip")!r}, {rw("ok.txt")!r}, {os.path.join(SECRET, "key")!r}
os.symlink(ok, link)
stop = time.time() + 2
def flip():
    while time.time() < stop:
        for t in (ok, secret):
            try:
                os.symlink(t, link + ".n")
                os.rename(link + ".n", link)
            except OSError:
                pass
{FILL_ALL_BUT_ONE}
th = threading.Thread(target=flip)
th.start()
buf = ctypes.create_string_buffer(100)
tries = leaks = 0
while time.time() < stop:
    f = libc.fopen(link.encode(), b"r")
    tries += 1
    if f:
        leaks += (libc.fgets(buf, 100, f) or b"").startswith(b"TOP")
        libc.fclose(f)
th.join()
print("tries", tries, "leaks", leaks)
"""
r = run([sys.executable, "-c", code], profile=PLAIN, mode="enforce",
        env={"FNGUARD_NO_LANDLOCK": "1"})
out = r.stdout.split()
tap.ok(r.rc == 0 and len(out) == 4 and int(out[1]) > 1000 and out[3] == "0" and
       denied(r, os.path.join(SECRET, "key")),
       "fopen of a link flipped between an allowed file and the secret, with one descriptor "
       "left: the secret is never read, the refusals are logged", r.diag())

# Where a name is looked at after it is opened (here through ".."): O_PATH ignores O_TRUNC
# (the late truncation made it fail with EBADF), and fopen with one descriptor left (its
# look took a copy of the descriptor: refused, and not logged) both work as bare.
with open(rw("ok.txt"), "w") as f:
    f.write("ok\n")
code = f"""
import os
{CTYPES_FOPEN}
name = {rw("d", "..", "ok.txt")!r}
fd = os.open(name, os.O_PATH | os.O_WRONLY | os.O_TRUNC)
print("opath", os.fstat(fd).st_size)
os.close(fd)
{FILL_ALL_BUT_ONE}
print("fopen", "ok" if libc.fopen(name.encode(), b"r") else os.strerror(ctypes.get_errno()))
"""
r = run([sys.executable, "-c", code], profile=PLAIN, mode="enforce",
        env={"FNGUARD_NO_LANDLOCK": "1"})
tap.ok(r.rc == 0 and r.stdout == "opath 3\nfopen ok\n",
       "through '..' under a create root: an O_PATH open with O_TRUNC truncates nothing and "
       "works, and fopen with one descriptor left works", r.diag())

tap.done()
