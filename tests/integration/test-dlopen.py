#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: a dlopen the shim refuses answers as the loader does when it cannot
open the file: NULL, and dlerror() says why ("<name>: cannot open shared
object file: Permission denied"), once. Before 2026-11-25 dlerror() said
nothing (NULL): Python's ctypes raised "dlopen() error", and node, which
builds its exception from dlerror()'s string, died of SIGSEGV. A name of
PATH_MAX bytes or more fails as bare (ENAMETOOLONG) with nothing to report.
Alert mode loads the library and dlerror() has nothing to say."""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fnguard_test import HELPERS, Tap, run, workdir, write_profile  # noqa: E402

tap = Tap()
W = workdir("dlopen-")
DL = os.path.join(HELPERS, "dl-ops")
DENIED = os.path.join(W, "denied", "libzcopy.so")
MISSING = os.path.join(W, "allowed", "missing.so")
os.makedirs(os.path.dirname(DENIED))
os.makedirs(os.path.dirname(MISSING))
libz = next(p for p in ("/usr/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/aarch64-linux-gnu/libz.so.1",
                        "/lib/x86_64-linux-gnu/libz.so.1") if os.path.exists(p))
shutil.copy(libz, DENIED)

PROFILE = write_profile(W, {
    "fnguard": 1,
    "extends": ["lambda-base"],
    "files": [{"path": HELPERS + "/**", "allow": "r"}, {"path": W + "/allowed/**", "allow": "r"}],
    "syscalls": ["@lambda-runtime"],
})
NO_FILE = ": cannot open shared object file: "


def lines(out):
    text = out.decode() if isinstance(out, bytes) else out
    return dict(line.split(" ", 1) for line in text.splitlines() if " " in line)


r = run([DL, DENIED, MISSING], profile=PROFILE, mode="enforce", cwd=W)
got = lines(r.stdout)
want = {
    "denied": f"null {DENIED}{NO_FILE}Permission denied",
    "after": "null (none)",
    "denied-over-missing": f"null {DENIED}{NO_FILE}Permission denied",
    "after-both": "null (none)",
    "missing-over-denied": f"null {MISSING}{NO_FILE}No such file or directory",
    "too-long": "null File name too long",
    "found-after-denied": "handle (none)",
    "absent-after-denied": "null libfnguard-test-absent.so.9" + NO_FILE + "No such file or directory",
    "after-absent": "null (none)",
    "origin": f"null $ORIGIN/../libz.so.1{NO_FILE}Permission denied",
    "origin-braced": f"null ${{ORIGIN}}/libz.so.1{NO_FILE}Permission denied",
    "dollar-literal": "null No such file",
    "dlmopen-denied": f"null {DENIED}{NO_FILE}Permission denied",
    "via-libc-handle": f"{DENIED}{NO_FILE}Permission denied",
}
bad = [f"{k}: want {v!r}, got {got.get(k)!r}" for k, v in want.items() if got.get(k) != v]
tap.ok(r.rc == 0 and not bad, "enforce: a refused dlopen is NULL and dlerror() says why, once",
       "\n".join(bad) + "\n" + r.diag())
refused = [e for e in r.events if e.get("type") == "violation" and e.get("op") == "dlopen"]
dst = [e for e in refused if "$" in e.get("target", "")]
refused += [e for e in r.events if e.get("type") == "violation" and e.get("op") == "dlmopen"]
tap.ok(len(refused) >= 1 and all(e.get("target") == DENIED for e in refused if e not in dst),
       "enforce: the refused dlopen is a violation, the too-long name is none",
       "\n".join(str(e) for e in r.events if e.get("type") == "violation"))
tap.ok(any(e.get("op") == "dlmopen" and e.get("target") == DENIED for e in refused),
       "enforce: a refused dlmopen is a violation of its own (op dlmopen)",
       "\n".join(str(e) for e in refused))
tap.ok(sorted(e.get("target") for e in dst) == ["$ORIGIN/../libz.so.1", "${ORIGIN}/libz.so.1"]
       and all("dynamic string token" in e.get("detail", "") for e in dst),
       "enforce: a name with $ORIGIN is refused as not judged (it was judged as spelled)",
       "\n".join(str(e) for e in dst))

r = run([DL, DENIED, MISSING], profile=PROFILE, mode="alert", cwd=W)
got = lines(r.stdout)
tap.ok(r.rc == 0 and got.get("denied") == "handle (none)" and got.get("after") == "null (none)"
       and got.get("dlmopen-denied") == "handle (none)",
       "alert: the library loads and dlerror() has nothing to say", r.stdout + r.diag())

# The runtimes that load native code: their error is the loader's, not a crash.
node = shutil.which("node")
if node:
    r = run([node, "-e", "try { process.dlopen({exports: {}}, process.argv[1]); "
             "console.log('loaded') } catch (e) { console.log('error ' + e.message) }", DENIED],
            profile=write_profile(W, {"fnguard": 1, "name": "dl-node",
                                      "extends": ["nodejs", "lambda-base"],
                                      "files": [{"path": os.path.realpath(node), "allow": "r"}]},
                                  name="node.json"),
            mode="enforce", cwd=W)
    out = r.stdout.decode() if isinstance(r.stdout, bytes) else r.stdout
    tap.ok(r.rc == 0 and out.strip() == f"error {DENIED}{NO_FILE}Permission denied",
           "node: process.dlopen of a refused library throws the loader's error",
           out + r.diag())
else:
    tap.skip("node: process.dlopen of a refused library throws the loader's error", "no node")
py = sys.executable
r = run([py, "-c", "import ctypes, sys\ntry:\n    ctypes.CDLL(sys.argv[1])\n    print('loaded')\n"
         "except OSError as e:\n    print('error', e)", DENIED],
        profile=write_profile(W, {"fnguard": 1, "name": "dl-python", "extends": ["python", "lambda-base"],
                                  "files": [{"path": os.path.realpath(sys.base_prefix) + "/**",
                                             "allow": "r"}]},
                              name="python.json"),
        mode="enforce", cwd=W, env={"PYTHONDONTWRITEBYTECODE": "1"})
out = r.stdout.decode() if isinstance(r.stdout, bytes) else r.stdout
tap.ok(r.rc == 0 and out.strip() == f"error {DENIED}{NO_FILE}Permission denied",
       "python: ctypes.CDLL of a refused library raises the loader's error", out + r.diag())
shutil.rmtree(W, ignore_errors=True)
tap.done()
