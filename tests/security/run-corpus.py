#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: the escape corpus (issue 7). Every technique of corpus.py runs three
times: without fnguard (the effect must happen there, or the case proves
nothing), under enforce with seccomp available (the shim installs its
filter, and Landlock where the kernel has it), and under enforce with
seccomp refused as on managed Lambda (tests/integration's
no-seccomp-launcher refuses seccomp(2) and no_new_privs, cases/no-sys-admin
drops CAP_SYS_ADMIN). Each run is judged from outside: did the forbidden
effect happen (secret leaked, file changed, listener reached, program run),
and was it logged (the JSON events). The outcome is compared with
expected.json; a run fails when it differs. A technique marked "bug" there
is a TAP TODO while the product falls short of blocking and logging it, and
an unexpected pass once it does.

  run-corpus.py                      TAP on stdout
  run-corpus.py --write-doc PATH     also rewrite PATH's table (between the
                                     corpus:begin/end markers) from this run
  run-corpus.py --observed PATH      also write what was observed, as JSON
  run-corpus.py --only ID[,ID...]    run only these techniques
"""
import argparse
import concurrent.futures
import datetime
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from corpus import CASES  # noqa: E402

BUILD = os.environ.get("FNGUARD_BUILD_ROOT", "/work/main/build")
SOURCE = os.environ.get("FNGUARD_SOURCE_ROOT", os.path.dirname(os.path.dirname(HERE)))
LIB = os.path.join(BUILD, "lib", "libfnguard.so")
FNGUARD = os.path.join(BUILD, "tools", "fnguard")
CASES_BIN = os.path.join(BUILD, "tests", "security")
LAUNCH = os.path.join(BUILD, "tests", "integration", "no-seccomp-launcher")
NO_SYS_ADMIN = os.path.join(CASES_BIN, "no-sys-admin")
PYTHON = sys.executable
EXPECTED = os.path.join(HERE, "expected.json")
ENVS = ("baseline", "seccomp", "noseccomp")
ENV_TITLE = {"baseline": "without fnguard", "seccomp": "seccomp available",
             "noseccomp": "seccomp refused"}
BEGIN, END = "<!-- corpus:begin -->", "<!-- corpus:end -->"


# ---- listeners: what reaches them is the network effect ---------------------------
class Inbox:
    """Everything any listener received, searched for a run's tag."""

    def __init__(self):
        self.lock = threading.Lock()
        self.items = []

    def add(self, where, data):
        with self.lock:
            self.items.append((where, bytes(data)))

    def seen(self, tag):
        t = tag.encode()
        with self.lock:
            return [w for w, d in self.items if t in d]


INBOX = Inbox()


def serve_stream(sock, where):
    def conn(c):
        c.settimeout(2)
        data = b""
        try:
            while len(data) < 4096:
                chunk = c.recv(4096)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        c.close()
        INBOX.add(where, data)

    while True:
        try:
            c, _ = sock.accept()
        except OSError:
            return
        threading.Thread(target=conn, args=(c,), daemon=True).start()


def serve_dgram(sock, where):
    while True:
        try:
            data, _ = sock.recvfrom(65536)
        except OSError:
            return
        INBOX.add(where, data)


def dns_qname(packet):
    labels, i = [], 12
    while i < len(packet) and packet[i]:
        n = packet[i]
        labels.append(packet[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    return ".".join(labels), i + 5


def serve_dns(sock):
    """Records each query's name and answers NXDOMAIN at once."""
    while True:
        try:
            data, peer = sock.recvfrom(4096)
        except OSError:
            return
        if len(data) < 12:
            continue
        name, end = dns_qname(data)
        INBOX.add("dns", name.encode())
        flags = 0x8183  # response, recursion desired and available, NXDOMAIN
        reply = data[:2] + struct.pack(">HHHHH", flags, 1, 0, 0, 0) + data[12:end]
        try:
            sock.sendto(reply, peer)
        except OSError:
            pass


def serve_pass(sock, tcp_port):
    """Hands every client a socket already connected to the forbidden listener."""
    while True:
        try:
            c, _ = sock.accept()
        except OSError:
            return
        try:
            t = socket.create_connection(("127.0.0.1", tcp_port), timeout=2)
            socket.send_fds(c, [b"x"], [t.fileno()])
            t.close()
        except OSError:
            pass
        c.close()


def host_address():
    """This host's address on its default route (no packet is sent), or 127.0.0.1."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("198.51.100.1", 9))
        return s.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    finally:
        s.close()


class Listeners:
    def __init__(self, work):
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Fast Open cookies are not needed: the SYN reaches the listener either way.
        self.tcp.setsockopt(socket.IPPROTO_TCP, socket.TCP_FASTOPEN, 16)
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(128)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        # For packets injected below IP: they must be addressed to a non-loopback address.
        self.udp_any = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp_any.bind(("0.0.0.0", 0))
        self.host_ip = host_address()
        self.dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.dns.bind(("127.0.0.1", 0))
        self.abstract = f"fnguard-corpus-{os.getpid()}"
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind("\0" + self.abstract)
        self.unix.listen(16)
        self.pass_path = os.path.join(work, "pass.sock")
        self.passer = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.passer.bind(self.pass_path)
        self.passer.listen(16)
        self.tcp_port = self.tcp.getsockname()[1]
        self.udp_port = self.udp.getsockname()[1]
        self.udp_any_port = self.udp_any.getsockname()[1]
        self.dns_port = self.dns.getsockname()[1]
        for target, args in ((serve_stream, (self.tcp, "tcp")), (serve_dgram, (self.udp, "udp")),
                             (serve_dgram, (self.udp_any, "udp-any")),
                             (serve_dns, (self.dns,)), (serve_stream, (self.unix, "unix")),
                             (serve_pass, (self.passer, self.tcp_port))):
            threading.Thread(target=target, args=args, daemon=True).start()


# ---- one run ----------------------------------------------------------------------------
class Run:
    """A case in one environment: its directory, profile, command and outcome."""

    def __init__(self, case, env, work, listeners, seq, knobs=None):
        self.case = case
        self.env = env
        self.knobs = knobs or {}
        self.silent_layer = None
        self.dir = os.path.join(work, f"{seq}-{case.id}-{env}")
        self.listeners = listeners
        self.token = "fgsecret" + secrets.token_hex(8)
        self.tag = "fgtag" + secrets.token_hex(8)
        self.secret_dir = os.path.join(self.dir, "secret")
        self.secret = os.path.join(self.secret_dir, "secret.txt")
        self.out = os.path.join(self.dir, "out")
        self.ro = os.path.join(self.dir, "ro")
        self.bin = os.path.join(work, "bin")
        self.xbin = os.path.join(work, "xbin")
        self.profile = os.path.join(work, "profiles", f"{seq}-{case.id}-{env}.json")

    def prepare(self):
        for d in (self.secret_dir, self.out, self.ro):
            os.makedirs(d)
        with open(self.secret, "w") as f:
            f.write(f"FNGUARD-SECRET {self.token}\n")
        with open(os.path.join(self.secret_dir, self.token + ".key"), "w") as f:
            f.write("key\n")
        if self.case.log == "flood":
            for i in range(20):
                with open(os.path.join(self.secret_dir, f"flood-{i:02d}"), "w") as f:
                    f.write("decoy\n")
        shutil.copy2(os.path.join(CASES_BIN, "evil.so"), os.path.join(self.secret_dir, "evil.so"))
        with open(os.path.join(self.ro, "target"), "w") as f:
            f.write("original content\n")
        profile = {
            "fnguard": 1,
            "name": "escape-corpus",
            "extends": ["lambda-base"],
            "syscalls": ["@lambda-runtime"],
            "files": [
                {"path": CASES_BIN + "/**", "allow": "r"},
                {"path": HERE + "/**", "allow": "r"},
                {"path": sys.base_prefix + "/**", "allow": "r"},
                {"path": self.dir, "allow": "r"},
                {"path": self.out, "allow": "rwcd"},
                {"path": self.out + "/**", "allow": "rwcd"},
                {"path": self.ro, "allow": "r"},
                {"path": self.ro + "/**", "allow": "r"},
                {"path": self.bin, "allow": "r"},
                {"path": self.bin + "/**", "allow": "r"},
                {"path": self.xbin + "/**", "allow": "r"},
            ] + self.case.files,
            "network": [
                {"cidr": "127.0.0.1", "ports": [self.listeners.dns_port]},
                {"unix": self.listeners.pass_path},
            ],
            "exec": [
                {"path": os.path.join(self.xbin, "sec-probe")},
                {"path": os.path.join(self.xbin, "sec-static")},
            ],
        }
        with open(self.profile, "w") as f:
            json.dump(profile, f, indent=1)

    def fields(self):
        return {"cases": CASES_BIN, "here": HERE, "python": PYTHON, "fnguard": FNGUARD,
                "secret": self.secret, "bin": self.bin, "xbin": self.xbin}

    def command(self):
        f = self.fields()
        argv = [a.format(**f) for a in self.case.argv]
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("FNGUARD_", "LD_PRELOAD", "LAUNCH_", "SEC_"))}
        env.update({
            "SEC_SECRET": self.secret, "SEC_SECRET_DIR": self.secret_dir, "SEC_OUT": self.out,
            "SEC_RO": self.ro, "SEC_BIN": self.bin, "SEC_WORK": self.dir,
            "SEC_DENIED_PROG": os.path.join(self.bin, "denied-probe"),
            "SEC_PROBE": os.path.join(self.xbin, "sec-probe"),
            "SEC_STATIC": os.path.join(self.xbin, "sec-static"),
            "SEC_PYTHON": PYTHON, "SEC_TAG": self.tag,
            "SEC_TCP_PORT": str(self.listeners.tcp_port),
            "SEC_UDP_PORT": str(self.listeners.udp_port),
            "SEC_UDP_ANY_PORT": str(self.listeners.udp_any_port),
            "SEC_HOST_IP": self.listeners.host_ip,
            "SEC_DNS_PORT": str(self.listeners.dns_port),
            "SEC_ABSTRACT": self.listeners.abstract,
            "SEC_PASS_SOCK": self.listeners.pass_path,
            "PWD": "/tmp",
        })
        env.update({k: v.format(**f) for k, v in self.case.env.items()})
        if self.env == "baseline":
            if self.case.runner == "supervisor":
                argv = argv[argv.index("--") + 1:]
            return argv, env
        env["FNGUARD_PROFILE"] = self.profile
        env["FNGUARD_MODE"] = "enforce"
        env["FNGUARD_PROFILE_PATH"] = os.path.join(SOURCE, "profiles")
        if self.case.runner == "shim":
            if self.env == "seccomp":
                env["LD_PRELOAD"] = LIB
            else:
                env["SEC_LAUNCH_PRELOAD"] = LIB
        if self.env == "noseccomp":
            argv = [LAUNCH, NO_SYS_ADMIN] + argv
        env.update(self.knobs)
        return argv, env

    def execute(self, timeout=30):
        self.prepare()
        argv, env = self.command()
        with tempfile.TemporaryFile() as log:
            fd = log.fileno()
            os.set_inheritable(fd, True)
            if self.env != "baseline" and self.case.log_dest == "fd":
                env["FNGUARD_LOG"] = f"fd:{fd}"
            start = time.monotonic()
            try:
                p = subprocess.run(argv, env=env, cwd="/tmp", capture_output=True,
                                   timeout=timeout, pass_fds=(fd,))
                rc, out, err = p.returncode, p.stdout, p.stderr
            except subprocess.TimeoutExpired as e:
                rc, out, err = "timeout", e.stdout or b"", e.stderr or b""
            self.seconds = time.monotonic() - start
            log.seek(0)
            log_text = log.read().decode("utf-8", "replace")
        self.rc = rc
        self.stdout = out.decode("utf-8", "replace")
        self.stderr = err.decode("utf-8", "replace")
        lines = (self.stdout if self.case.log_dest == "stdout" else log_text).splitlines()
        self.events = []
        for line in lines:
            if line.startswith("{") or self.case.log_dest == "fd":
                try:
                    e = json.loads(line)
                except ValueError:
                    continue
                if isinstance(e, dict) and e.get("logger") == "fnguard":
                    self.events.append(e)
        self.effect = self.judge_effect()
        self.logged = self.judge_logged()
        self.layer_status = self.judge_layers()
        return self

    # What happened, seen from outside.
    def out_files_hold(self, needle):
        for root, _, files in os.walk(self.out):
            for name in files:
                path = os.path.join(root, name)
                if os.path.islink(path) or not os.path.isfile(path):
                    continue
                try:
                    with open(path, "rb") as f:
                        if needle.encode() in f.read(1 << 20):
                            return True
                except OSError:
                    pass
        return False

    def judge_effect(self):
        kind = self.case.effect
        if kind == "secret":
            return (self.token in self.stdout or self.token in self.stderr
                    or self.out_files_hold(self.token))
        if kind == "ro":
            try:
                with open(os.path.join(self.ro, "target")) as f:
                    same = f.read() == "original content\n"
            except OSError:
                same = False
            return not same or sorted(os.listdir(self.ro)) != ["target"]
        if kind in ("net", "dns"):
            # A case that says a send of its went through gets time for the listener to
            # read it (a loaded machine); the verdict is still what the listener received.
            patience = 5.0 if "result=OK" in self.stderr else 0.3
            deadline = time.monotonic() + patience
            while True:
                hits = INBOX.seen(self.tag)
                if kind == "dns":
                    hits = [h for h in hits if h == "dns"]
                else:
                    hits = [h for h in hits if h != "dns"]
                if hits or time.monotonic() > deadline:
                    return bool(hits)
                time.sleep(0.02)
        if kind == "ran":
            return os.path.exists(os.path.join(self.out, "ran"))
        if kind.startswith("marker:"):
            return os.path.exists(os.path.join(self.out, kind.split(":", 1)[1]))
        if kind == "passwd":
            return f"pw=root:0:{ROOT_HOME}" in self.stdout
        if kind.startswith("stdout:"):
            return kind.split(":", 1)[1] in self.stdout
        raise ValueError(f"{self.case.id}: unknown effect {kind}")

    def related(self):
        out = []
        for e in self.events:
            if e.get("type") not in ("violation", "coverage"):
                continue
            if self.case.log == "secret":
                if e.get("category") == "file" and e.get("target") == self.secret:
                    out.append(e)
            elif self.case.log.startswith("/"):
                # A fixed file outside the case's directory (getpwnam: /etc/passwd).
                if e.get("category") == "file" and e.get("target") == self.case.log:
                    out.append(e)
            elif self.case.log == "flood":
                if e.get("category") == "file" and \
                        str(e.get("target", "")).startswith(self.secret_dir + "/"):
                    out.append(e)
            elif e.get("category") != "file" or self.dir in str(e.get("target", "")) or \
                    str(e.get("target", "")).startswith(("/proc/", "/dev/fd/")):
                out.append(e)
        return out

    def judge_logged(self):
        if self.case.log == "flood":
            # Every one of the 21 attempts (flood-00..19 and the secret) must be readable.
            targets = {e.get("target") for e in self.related() if e.get("type") == "violation"}
            return "violation" if len(targets) == 21 else False
        kinds = {e.get("type") for e in self.related()}
        if "violation" in kinds:
            return "violation"
        if "coverage" in kinds:
            return "coverage"
        return False

    def judge_layers(self):
        """The layer status the start event reports (None without fnguard)."""
        if self.env == "baseline":
            return None
        start = [e for e in self.events if e.get("type") == "start"]
        if not start:
            return "no start event"
        layers = start[0].get("layers", {})
        name = "userNotification" if self.case.runner == "supervisor" else "seccomp"
        return layers.get(name, {}).get("status", "missing")

    def start_layers(self):
        start = [e for e in self.events if e.get("type") == "start"]
        return start[0].get("layers", {}) if start else {}

    def killed_by(self):
        if isinstance(self.rc, int) and self.rc < 0:
            try:
                return signal.Signals(-self.rc).name
            except ValueError:
                return f"signal {-self.rc}"
        return None

    def layer(self):
        """Which layer stopped it, from the events (or the case's hint when silent)."""
        if self.effect:
            return None
        related = self.related()
        if (self.case.runner == "supervisor" or self.case.judged_by == "supervisor") and related:
            return "supervisor"
        # A syscall rule the libc layer holds too (ioctl's TIOCSTI) where seccomp is refused.
        if any(e.get("category") == "syscall" for e in related):
            return "libc shim" if self.env == "noseccomp" else "seccomp"
        if related:
            return "libc shim"
        if self.killed_by() == "SIGSYS":
            return "seccomp"
        return self.silent_layer or self.case.silent

    def diag(self):
        return (f"argv={self.command()[0]}\nrc={self.rc} ({self.seconds:.2f} s)\n"
                f"stdout={self.stdout[-300:]!r}\nstderr={self.stderr[-600:]!r}\n"
                f"events={json.dumps(self.related())[:1500]}\n"
                f"start layer={self.layer_status}")

    def observed(self):
        if self.env == "baseline":
            return {"effect": self.effect}
        return {"blocked": not self.effect, "logged": self.logged}


def root_home():
    with open("/etc/passwd") as f:
        for line in f:
            parts = line.rstrip("\n").split(":")
            if len(parts) > 5 and parts[0] == "root":
                return parts[5]
    return "/root"


ROOT_HOME = root_home()


def prepare_programs(work):
    """The programs the runs exec, copied once before any run starts: a copy made while
    another thread forks would be open for writing in that child, and an exec of it
    would fail with ETXTBSY. bin/ is readable, not runnable; xbin/ holds the programs
    the profile lets run, where nothing may be created (an exec rule on a writable place
    would keep Landlock from restricting reads)."""
    for d, progs in (("bin", {"denied-probe": "sec-probe"}),
                     ("xbin", {"sec-probe": "sec-probe", "sec-static": "sec-static"})):
        os.makedirs(os.path.join(work, d))
        for name, src in progs.items():
            shutil.copy2(os.path.join(CASES_BIN, src), os.path.join(work, d, name))


def attribute(run, work, listeners, seq):
    """Which layer blocked a run that left no event: the same run again with
    Landlock off, then with seccomp off too (the first that lets the effect
    through is the one that stopped it). Only for the table's layer column."""
    if run.effect or run.env == "baseline" or run.related() or run.killed_by():
        return
    knobs = {}
    for layer, knob in (("landlock", "FNGUARD_NO_LANDLOCK"), ("seccomp", "FNGUARD_NO_SECCOMP")):
        if run.start_layers().get(layer, {}).get("status") != "active":
            continue
        knobs[knob] = "1"
        again = Run(run.case, run.env, work, listeners, f"{seq}-{layer}", dict(knobs)).execute()
        if again.effect:
            run.silent_layer = layer
            return


# ---- verdicts ------------------------------------------------------------------------------
def describe(o):
    if o is None:
        return "?"
    s = "blocked" if o["blocked"] else "not blocked"
    return s + (f", {o['logged']} logged" if o["logged"] else ", not logged")


SHOULD = {"blocked": True, "logged": "violation"}


def should(expected, cid):
    """What the product is meant to do with a technique marked as a bug."""
    return expected.get(cid, {}).get("should", SHOULD)


def bug_in(expected, cid, env):
    """The technique's bug note when it applies in env (the expectation falls short)."""
    tech = expected.get(cid, {})
    exp = tech.get(env)
    if not tech.get("bug") or not isinstance(exp, dict):
        return None
    want = {"blocked": exp["blocked"], "logged": exp["logged"]}
    return tech["bug"] if want != should(expected, cid) else None


LAYER_WANT = {"seccomp": "active", "noseccomp": "unavailable"}


def verdict(run, expected):
    """(TAP ok, TAP directive, description) for one run against expected.json."""
    case, env = run.case, run.env
    exp = expected.get(case.id, {}).get(env)
    if env == "baseline":
        want = exp if isinstance(exp, bool) else True
        ok = run.effect == want
        what = "the effect happens" if run.effect else "the effect does NOT happen"
        return ok, "", f"{case.id} [{ENV_TITLE[env]}]: {what} (the case can fail)"
    obs = run.observed()
    title = f"{case.id} [{ENV_TITLE[env]}]: {describe(obs)}"
    if run.layer_status != LAYER_WANT[env]:
        return False, "", (f"{title} - but the start event says the layer is "
                           f"{run.layer_status!r}, not {LAYER_WANT[env]!r}")
    if env == "noseccomp" and run.start_layers().get("landlock", {}).get("status") == "active":
        return False, "", (f"{title} - but Landlock is active, which a platform refusing "
                           "no_new_privs (and no CAP_SYS_ADMIN) does not allow")
    if exp is None:
        return False, "", f"{title} - not in expected.json"
    want = {"blocked": exp["blocked"], "logged": exp["logged"]}
    bug = bug_in(expected, case.id, env)
    if obs == want:
        if bug:
            return False, f" # TODO BUG: {bug}", title
        return True, "", title
    if bug and should(expected, case.id) == obs:
        return True, " # TODO bug fixed: update expected.json and the docs", title
    return False, "", f"{title}, expected {describe(want)}"


# ---- the table in docs/security.md ---------------------------------------------------------
def cell(run, bug):
    if run.effect:
        s = "**not blocked**"
    else:
        s = "blocked"
        k = run.killed_by()
        if k:
            s += f" (killed, {k})"
        lay = run.layer()
        if lay:
            s += f" ({lay})"
    return s + (" — **BUG**" if bug else "")


def logged_cell(run):
    return run.logged if run.logged else "no"


def layer_summary(runs, env):
    """What the start events of env's runs said about the layers (the first one's words)."""
    for r in runs:
        if r.env != env or r.case.runner != "shim":
            continue
        layers = r.start_layers()
        parts = []
        for name in ("seccomp", "landlock"):
            layer = layers.get(name)
            if not layer:
                continue
            text = f"{name} {layer.get('status')}"
            if layer.get("status") != "active" and layer.get("reason"):
                text += f" ({layer['reason']})"
            if layer.get("status") == "active":
                for note in layer.get("notes", []):
                    text += f" (note: {note})"
            parts.append(text)
        return ", ".join(parts) or "no start event"
    return "no run"


def write_doc(path, runs, expected):
    by = {(r.case.id, r.env): r for r in runs}
    cases = [c for c in CASES if (c.id, "seccomp") in by]
    n = len(cases)
    blocked = {env: sum(1 for c in cases if not by[(c.id, env)].effect)
               for env in ("seccomp", "noseccomp")}
    logged = {env: sum(1 for c in cases if by[(c.id, env)].logged)
              for env in ("seccomp", "noseccomp")}
    reproduced = sum(1 for c in cases if by[(c.id, "baseline")].effect)
    bugs = [c.id for c in cases if any(bug_in(expected, c.id, e) for e in ("seccomp", "noseccomp"))]
    lines = [BEGIN, "",
             f"Generated by `tests/security/run-corpus.py --write-doc` on "
             f"{datetime.date.today().isoformat()}: Linux {platform.release()} "
             f"({platform.machine()}), glibc {platform.libc_ver()[1]}, run as "
             f"{'root' if os.geteuid() == 0 else 'uid ' + str(os.geteuid())}.",
             "",
             f"- seccomp available: {layer_summary(runs, 'seccomp')}.",
             f"- seccomp refused: {layer_summary(runs, 'noseccomp')}.",
             "",
             f"**{n} techniques**; without fnguard {reproduced} of them succeed here. "
             f"Blocked with seccomp available: "
             f"**{blocked['seccomp']}/{n}** ({logged['seccomp']} logged); with seccomp refused: "
             f"**{blocked['noseccomp']}/{n}** ({logged['noseccomp']} logged). "
             f"Bugs found: {len(bugs)} techniques (marked **BUG**).",
             "",
             "| technique | category | layer that catches it | seccomp available | "
             "seccomp refused | logged (available / refused) |",
             "|---|---|---|---|---|---|"]
    for c in cases:
        s, ns, base = by[(c.id, "seccomp")], by[(c.id, "noseccomp")], by[(c.id, "baseline")]
        layers = []
        for r in (s, ns):
            lay = r.layer()
            if lay and lay not in layers:
                layers.append(lay)
        if not base.effect:
            layers = ["the kernel (no effect even without fnguard)"]
        title = f"`{c.id}`: {c.title}"
        if c.caps:
            title += f" (needs {c.caps})"
        lines.append(f"| {title} | {c.category} | {' + '.join(layers) or 'none'} | "
                     f"{cell(s, bug_in(expected, c.id, 'seccomp'))} | "
                     f"{cell(ns, bug_in(expected, c.id, 'noseccomp'))} | "
                     f"{logged_cell(s)} / {logged_cell(ns)} |")
    lines += ["", "### Not blocked, or blocked without an event", "",
              "What each of these means, and what to add around fnguard.", ""]
    for c in cases:
        s, ns = by[(c.id, "seccomp")], by[(c.id, "noseccomp")]
        if not (s.effect or ns.effect or not s.logged or not ns.logged):
            continue
        notes = []
        tech = expected.get(c.id, {})
        if any(bug_in(expected, c.id, e) for e in ("seccomp", "noseccomp")):
            notes.append(f"**BUG:** {tech['bug']}.")
        if c.note:
            notes.append(c.note)
        if c.caps:
            notes.append(f"Needs {c.caps}, which a Lambda function (an unprivileged user) "
                         "does not have.")
        envs = [ENV_TITLE[e] for e, r in (("seccomp", s), ("noseccomp", ns)) if r.effect]
        what = f"not blocked with {' or '.join(envs)}" if envs else "blocked, not always logged"
        lines.append(f"- `{c.id}` ({what}): {' '.join(notes) or 'see the table.'}")
    lines += ["", END]
    with open(path) as f:
        text = f.read()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{path}: the markers {BEGIN} and {END} are missing")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(path, "w") as f:
        f.write(head + "\n".join(lines) + tail)


def format_table(table):
    """expected.json's layout: one technique per block, one environment per line."""
    out = []
    for cid, envs in table.items():
        rows = [f'  "{env}": {json.dumps(v, ensure_ascii=False)}' for env, v in envs.items()]
        out.append(f' "{cid}": {{\n' + ",\n".join(rows) + "\n }")
    return "{\n" + ",\n".join(out) + "\n}\n"


# ---- main ------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write-doc", metavar="PATH")
    ap.add_argument("--observed", metavar="PATH")
    ap.add_argument("--only", metavar="IDS")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()

    missing = [p for p in (LIB, FNGUARD, LAUNCH, os.path.join(CASES_BIN, "sec-probe"))
               if not os.path.exists(p)]
    if missing:
        print(f"Bail out! not built: {', '.join(missing)}", flush=True)
        return 1
    with open(EXPECTED) as f:
        expected = json.load(f)
    cases = CASES
    if args.only:
        want = set(args.only.split(","))
        unknown = want - {c.id for c in CASES}
        if unknown:
            print(f"Bail out! unknown techniques: {', '.join(sorted(unknown))}", flush=True)
            return 1
        cases = [c for c in CASES if c.id in want]
    ids = [c.id for c in CASES]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        print(f"Bail out! duplicate ids: {dup}", flush=True)
        return 1

    work = tempfile.mkdtemp(prefix="fnguard-corpus-", dir="/var/tmp")
    os.makedirs(os.path.join(work, "profiles"))
    prepare_programs(work)
    listeners = Listeners(work)
    runs = [Run(c, env, work, listeners, i) for i, c in enumerate(cases) for env in ENVS]
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for _ in pool.map(lambda r: r.execute(), runs):
            pass
        for _ in pool.map(lambda ir: attribute(ir[1], work, listeners, f"{ir[0]}x"),
                          enumerate(runs)):
            pass
    elapsed = time.monotonic() - started

    n = failed = 0
    for r in runs:
        ok, directive, text = verdict(r, expected)
        n += 1
        print(f"{'ok' if ok else 'not ok'} {n} - {text}{directive}", flush=True)
        if not ok and not directive:
            failed += 1
            for line in r.diag().splitlines()[:30]:
                print(f"# {line}", flush=True)
    print(f"# {len(cases)} techniques, {len(runs)} runs in {elapsed:.1f} s", flush=True)
    print(f"1..{n}", flush=True)

    if args.observed:
        obs = {}
        for r in runs:
            obs.setdefault(r.case.id, {})[r.env] = (r.effect if r.env == "baseline"
                                                    else r.observed())
        with open(args.observed, "w") as f:
            f.write(format_table(obs))
    if args.write_doc:
        write_doc(args.write_doc, runs, expected)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"# work directory kept: {work}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
