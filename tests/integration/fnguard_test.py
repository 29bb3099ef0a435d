# SPDX-License-Identifier: MIT
"""Shared helpers for the integration tests: TAP output, running a program
under the preload library with a profile, and reading its events.

Events go to a separate log file (FNGUARD_LOG=fd:N) so that the program's own
stdout and stderr stay what they are."""
import json
import os
import struct
import subprocess
import sys
import tempfile

BUILD = os.environ.get("FNGUARD_BUILD_ROOT", "/work/main/build")
SOURCE = os.environ.get("FNGUARD_SOURCE_ROOT", "/work/main")
LIB = os.path.join(BUILD, "lib", "libfnguard.so")
HELPERS = os.path.join(BUILD, "tests", "integration")
PYTHON = sys.executable


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, diag=None):
        self.n += 1
        if cond:
            print(f"ok {self.n} - {name}", flush=True)
        else:
            self.failed += 1
            print(f"not ok {self.n} - {name}", flush=True)
            if diag:
                for line in str(diag).splitlines()[:40]:
                    print(f"# {line}", flush=True)
        return cond

    def skip(self, name, why):
        self.n += 1
        print(f"ok {self.n} - {name} # SKIP {why}", flush=True)

    def done(self):
        print(f"1..{self.n}", flush=True)
        return 0


def pipe_onto_var_fd(var):
    """Python code: dup2 a pipe's write end onto the number the fnguard variable var names
    (its first field), close both, print 'eof' if the reader then sees the end."""
    return ("import os\n"
            f"n = int(os.environ[{var!r}].split(':')[0])\n"
            "r, w = os.pipe()\n"
            "os.dup2(w, n)\n"
            "os.close(w)\n"
            "os.close(n)\n"
            "os.set_blocking(r, False)\n"
            "try:\n"
            "    print('eof' if os.read(r, 1) == b'' else 'data')\n"
            "except BlockingIOError:\n"
            "    print('still open')\n")


def workdir(prefix="fnguard-it-"):
    """A scratch directory outside /tmp (lambda-base allows all of /tmp, and
    the tree itself may be under /tmp): /var/tmp."""
    return tempfile.mkdtemp(prefix=prefix, dir="/var/tmp")


def compile_bundle(profile, out):
    """fnguard compile --format bundle; the CompletedProcess (check its returncode)."""
    return subprocess.run([os.path.join(BUILD, "tools", "fnguard"), "compile", profile,
                           "--format", "bundle", "-o", out], capture_output=True, text=True,
                          env=dict(os.environ,
                                   FNGUARD_PROFILE_PATH=os.path.join(SOURCE, "profiles")))


def bundle_as_older(src, dst):
    """Copies bundle src to dst with every program's rules revision set to 0 (bits 8-15
    of a BPF section's flags) and the checksum (format 2, word-wise FNV-1a) made again."""
    b = bytearray(open(src, "rb").read())
    n = struct.unpack_from("<I", b, 12)[0]
    for i in range(n):
        off = 32 + 24 * i
        kind, flags = struct.unpack_from("<II", b, off)
        if kind == 2:
            struct.pack_into("<I", b, off + 4, flags & ~0xff00)
    h, mask = 0xcbf29ce484222325, (1 << 64) - 1
    body = bytes(b[32:])
    whole = len(body) - len(body) % 8
    for i in range(0, whole, 8):
        h ^= struct.unpack_from("<Q", body, i)[0]
        h = (h * 0x100000001b3) & mask
        h ^= h >> 29
    for c in body[whole:]:
        h ^= c
        h = (h * 0x100000001b3) & mask
    struct.pack_into("<Q", b, 24, h)
    with open(dst, "wb") as f:
        f.write(b)


def write_profile(directory, profile, name="profile.json"):
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(profile, f, indent=1)
    return path


def parse_log(log):
    """A log's lines as JSON objects; a line that is not one becomes {"unparsable": line}."""
    events = []
    for line in log.splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            events.append({"unparsable": line})
    return events


class Run:
    def __init__(self, rc, stdout, stderr, events, log):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.events = events
        self.log = log

    def find(self, **want):
        """Events whose fields equal every given value."""
        out = []
        for e in self.events:
            if all(e.get(k) == v for k, v in want.items()):
                out.append(e)
        return out

    def diag(self):
        return (f"rc={self.rc}\nstdout={self.stdout[-400:]!r}\nstderr={self.stderr[-800:]!r}\n"
                f"log=\n{self.log[-3000:]}")


def build_c(source, out, text, *flags):
    """Writes text to source and compiles it to out with cc (and flags); True when it built."""
    with open(source, "w") as f:
        f.write(text)
    return subprocess.run(["cc", "-o", out, source, *flags]).returncode == 0


def run_expecting(argv, profile, stdout, timeout=30):
    """Runs argv in enforce mode: (ok, diag), ok when it exits 0 printing stdout, False
    with "hung" when it is still running after timeout seconds."""
    try:
        r = run(argv, profile=profile, mode="enforce", timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, f"hung ({timeout} s)"
    return r.rc == 0 and r.stdout == stdout, r.diag()


# Python code that takes every descriptor but one (a soft limit of 256): what a program
# that filled its table leaves the next open.
FILL_ALL_BUT_ONE = """
import resource
resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
held = []
try:
    while True:
        held.append(os.open("/dev/null", os.O_RDONLY))
except OSError:
    pass
os.close(held.pop())
"""


def run(argv, profile=None, mode=None, env=None, cwd=None, timeout=60, stdin=None,
        preload=True):
    """Runs argv under the shim with events on a separate file."""
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("FNGUARD_") and k != "LD_PRELOAD"}
    if preload:
        e["LD_PRELOAD"] = LIB
    if profile:
        e["FNGUARD_PROFILE"] = profile
    if mode:
        e["FNGUARD_MODE"] = mode
    e["FNGUARD_PROFILE_PATH"] = os.path.join(SOURCE, "profiles")
    if env:
        e.update(env)
    # Children start in /tmp (lambda-base allows it): shells stat their cwd at
    # start, and the tree the tests run from is not in the test profiles.
    if cwd is None:
        cwd = "/tmp"
    e["PWD"] = cwd
    with tempfile.TemporaryFile() as log:
        fd = log.fileno()
        os.set_inheritable(fd, True)
        # The child sees the log as fd 3 via pass_fds' numbering of the same fd.
        e["FNGUARD_LOG"] = f"fd:{fd}"
        p = subprocess.run(argv, env=e, cwd=cwd, capture_output=True, timeout=timeout,
                           pass_fds=(fd,), stdin=stdin)
        log.seek(0)
        text = log.read().decode("utf-8", "replace")
    events = []
    for line in text.splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            events.append({"unparsable": line})
    return Run(p.returncode, p.stdout.decode("utf-8", "replace"),
               p.stderr.decode("utf-8", "replace"), events, text)
