#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: `fnguard check --library LIB [--glibc VERSION]` reads the glibc versions a
shared object references (symbol versions and ABI markers) without loading it, and
fails (exit 2, the reference named) where that glibc lacks one: what the layer's
wrapper runs before it preloads the library (a preload the loader refuses is skipped
with a line on stderr, and the function would run unguarded). Libraries are built
here: a plain one, one linked with packed relative relocations (GLIBC_ABI_DT_RELR,
glibc 2.36), and copies with a version name patched; damaged files never crash it."""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

FNGUARD = os.environ.get("FNGUARD_TEST_FNGUARD") or os.path.join(
    os.environ["FNGUARD_BUILD_ROOT"], "tools", "fnguard")
CC = os.environ.get("CC", "cc")
results = []


def ok(cond, name, diag=""):
    results.append((bool(cond), name, diag))


def check(*args):
    p = subprocess.run([FNGUARD, "check", *args], capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout + p.stderr


W = tempfile.mkdtemp(prefix="check-library-", dir="/var/tmp")
src = os.path.join(W, "lib.c")
with open(src, "w") as f:
    # A table of pointers: relative relocations for the linker to pack; a libc call
    # with a recent symbol version.
    f.write("#include <pthread.h>\n#include <stdlib.h>\n"
            "static int a, b, c, d;\n"
            "int *table[] = {&a, &b, &c, &d, &a, &b, &c, &d};\n"
            "int f(pthread_mutex_t *m) { return pthread_mutex_trylock(m) + (getenv(\"X\") != 0); }\n")
plain = os.path.join(W, "plain.so")
relr = os.path.join(W, "relr.so")
subprocess.run([CC, "-shared", "-fPIC", "-o", plain, src], check=True)
have_relr = subprocess.run([CC, "-shared", "-fPIC", "-Wl,-z,pack-relative-relocs", "-o", relr,
                            src], capture_output=True).returncode == 0

rc, out = check("--library", plain)
ok(rc == 0 and "ok (needs glibc 2." in out and "this system has" in out,
   "a library this glibc can load: ok, with what it needs and what is here", out)
need = out.split("needs glibc ", 1)[1].split(";", 1)[0] if rc == 0 else "2.34"
major, minor = (int(x) for x in need.split("."))
rc, out = check("--library", plain, "--glibc", f"{major}.{minor}")
ok(rc == 0 and f"checked against {major}.{minor}" in out, "--glibc of exactly what it needs: ok",
   out)
older = f"{major}.{minor - 1}"
rc, out = check("--library", plain, "--glibc", older)
ok(rc == 2 and f"needs glibc {need} (GLIBC_{need})" in out and "would not load it" in out,
   "--glibc older than a symbol version it references: exit 2, the version named", out)

if have_relr:
    rc, out = check("--library", relr, "--glibc", "2.34")
    ok(rc == 2 and "needs glibc 2.36 (GLIBC_ABI_DT_RELR)" in out,
       "packed relative relocations against glibc 2.34 (Amazon Linux 2023): exit 2, "
       "GLIBC_ABI_DT_RELR named (no symbol carries it)", out)
    rc, out = check("--library", relr, "--glibc", "2.36")
    ok(rc == 0, "... against glibc 2.36: ok", out)
else:
    results.append((True, "packed relative relocations # SKIP the linker cannot pack them", ""))
    results.append((True, "... against glibc 2.36 # SKIP", ""))


def patched(name, old, new):
    path = os.path.join(W, name)
    with open(plain, "rb") as f:
        data = f.read()
    assert old in data, old
    with open(path, "wb") as f:
        f.write(data.replace(old, new))
    return path


newer = patched("newer.so", b"GLIBC_2.2.5\0", b"GLIBC_9.2.5\0")
rc, out = check("--library", newer)
ok(rc == 2 and "GLIBC_9.2.5" in out and "this system has" in out,
   "a reference to a glibc newer than this one: exit 2, named", out)
odd = patched("odd.so", b"GLIBC_2.2.5\0", b"GLIBC_X.2.5\0")
rc, out = check("--library", odd)
ok(rc == 2 and "GLIBC_X.2.5" in out and "does not know" in out,
   "a glibc version it does not know (a new ABI marker): exit 2, not passed", out)

# --print's stdout is the profile's JSON: the library's line goes to stderr there.
prof = os.path.join(W, "p.json")
with open(prof, "w") as f:
    f.write('{"fnguard": 1, "files": [{"path": "/tmp/**", "allow": "r"}]}\n')
p = subprocess.run([FNGUARD, "check", "--print", "--library", plain, prof], capture_output=True,
                   text=True, timeout=30)
try:
    printed = json.loads(p.stdout)
except ValueError:
    printed = None
ok(p.returncode == 0 and isinstance(printed, dict) and "ok (needs glibc" in p.stderr,
   "--print with --library: stdout is the profile's JSON, the library's answer on stderr",
   p.stdout[:300] + p.stderr[:300])

text = os.path.join(W, "text.so")
with open(text, "w") as f:
    f.write("not an ELF object\n")
for what, args, want in (("a text file", ["--library", text], "not a 64-bit ELF"),
                         ("a missing file", ["--library", os.path.join(W, "none.so")],
                          "No such file"),
                         ("a directory", ["--library", W], "Invalid argument"),
                         ("--glibc without --library", ["--glibc", "2.34", "x.json"],
                          "--glibc is for --library"),
                         ("--glibc that is no version", ["--library", plain, "--glibc", "2"],
                          "is not a version")):
    rc, out = check(*args)
    ok(rc == 2 and want in out, f"{what}: exit 2, said", out)

# Damaged objects: truncated, and bytes flipped where the headers and the dynamic
# section lie; never a crash, always an answer (0 or 2).
with open(plain, "rb") as f:
    base = bytearray(f.read())
rng = random.Random(20261125)
crashes = []
# Under valgrind (FNGUARD_TEST_FNGUARD) each run takes ~0.5 s: fewer there; the
# sanitizer build runs them all.
count = 60 if os.environ.get("FNGUARD_TEST_FNGUARD") else 250
for i in range(count):
    data = bytearray(base)
    if i < count // 5:
        data = data[:rng.randrange(1, len(data))]
    else:
        for _ in range(rng.randrange(1, 8)):
            pos = rng.randrange(0, min(len(data), 16384))
            data[pos] = rng.randrange(256)
    path = os.path.join(W, "damaged.so")
    with open(path, "wb") as f:
        f.write(data)
    rc, out = check("--library", path)
    if rc not in (0, 2):
        crashes.append((i, rc, out[-200:]))
        shutil.copy(path, os.path.join(W, f"crash-{i}.so"))
ok(not crashes, f"{count} truncated or damaged copies: each answered with exit 0 or 2, none "
   "crashed",
   str(crashes[:5]))

print(f"1..{len(results)}")
for n, (good, name, diag) in enumerate(results, 1):
    print(f"{'ok' if good else 'not ok'} {n} - {name}")
    if not good and diag:
        for line in diag.splitlines()[:20]:
            print(f"# {line}")
if not crashes:
    shutil.rmtree(W, ignore_errors=True)
sys.exit(0)
