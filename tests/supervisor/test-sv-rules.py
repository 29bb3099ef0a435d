#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""fnguard exec: host rules for programs that resolve names themselves, and
system calls outside the profile's "syscalls" made visible. The static C
probe and the Go probe (CGO_ENABLED=0) connect to loopback listeners under
host rules the supervisor resolves itself (forward-confirmed), and call
get_robust_list, which @lambda-runtime leaves out, in enforce, alert and
record mode. TAP on stdout.

The host tests that need a name resolving to a chosen address run in a
mount namespace whose /etc/hosts and /etc/nsswitch.conf ("hosts: files":
no query leaves the machine) are the test's own; they are skipped when
that cannot be set up (not root, no unshare)."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

SOURCE = os.environ.get("FNGUARD_SOURCE_ROOT", "/work/main")
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
from fnguard_test import Run, Tap, parse_log, workdir  # noqa: E402
from sv_paths import CLI, HPAGE, PROBE, PROBE_GO  # noqa: E402

t = Tap()
have_go = os.access(PROBE_GO, os.X_OK)
PROBES = [("c", PROBE), ("go", PROBE_GO)]


class Result(Run):
    def __init__(self, rc, stdout, stderr, log):
        super().__init__(rc, stdout, stderr, parse_log(log), log)
        self.lines = {}
        for line in stdout.splitlines():
            parts = line.split(" ", 3)
            if len(parts) >= 3:
                self.lines.setdefault((parts[0], parts[1]), []).append(parts[2:])

    def out(self, cmd, target):
        got = self.lines.get((cmd, target))
        if not got:
            return (None, None)
        return (got[0][0], got[0][1] if len(got[0]) > 1 else "")


    def diag(self):
        return (f"rc={self.rc}\nstdout={self.stdout[-1500:]}\nstderr={self.stderr[-1500:]}\n"
                f"log=\n{self.log[-3000:]}")


def base_env():
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("FNGUARD_") and k != "LD_PRELOAD"}
    e["FNGUARD_PROFILE_PATH"] = os.path.join(SOURCE, "profiles")
    return e


def sv(probe_args, profile, mode=None, extra=None, ns=None, on_line=None, timeout=120):
    """Runs the probe under fnguard exec (in the namespace ns when given);
    on_line(line) sees the probe's output lines as they come."""
    with tempfile.TemporaryFile(dir="/var/tmp") as log:
        fd = log.fileno()
        os.set_inheritable(fd, True)
        argv = [CLI, "exec", "--log", f"fd:{fd}", "--profile", profile]
        if mode:
            argv += ["--mode", mode]
        argv += list(extra or []) + ["--"] + list(probe_args)
        if ns:
            argv = ns.prefix() + argv
        p = subprocess.Popen(argv, env=base_env(), cwd="/tmp", stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, pass_fds=(fd,))
        err = []
        threading.Thread(target=lambda: err.append(p.stderr.read()), daemon=True).start()
        out = []
        deadline = time.monotonic() + timeout
        for raw in p.stdout:
            line = raw.decode("utf-8", "replace")
            out.append(line)
            if on_line:
                on_line(line.strip())
            if time.monotonic() > deadline:
                p.kill()
        rc = p.wait(timeout=max(1, deadline - time.monotonic()))
        time.sleep(0.05)
        log.seek(0)
        text = log.read().decode("utf-8", "replace")
    return Result(rc, "".join(out), (err[0] if err else b"").decode("utf-8", "replace"), text)


def write_profile(path, doc):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
    return path


def skip(name, why):
    t.n += 1
    print(f"ok {t.n} - {name} # SKIP {why}", flush=True)


class Listener:
    """A TCP listener on 127.0.0.1 and 127.0.0.2 (one port) counting connections."""

    def __init__(self):
        self.count = 0
        self.socks = []
        a = socket.socket()
        a.bind(("127.0.0.1", 0))
        self.port = a.getsockname()[1]
        b = socket.socket()
        b.bind(("127.0.0.2", self.port))
        for s in (a, b):
            s.listen(64)
            s.settimeout(0.2)
            self.socks.append(s)
            threading.Thread(target=self._accept, args=(s,), daemon=True).start()

    def _accept(self, s):
        while True:
            try:
                c, _ = s.accept()
                self.count += 1
                c.close()
            except socket.timeout:
                continue
            except OSError:
                return

    def settle(self):
        time.sleep(0.3)
        return self.count

    def close(self):
        for s in self.socks:
            s.close()


class HostsNamespace:
    """A mount namespace with our own /etc/hosts and /etc/nsswitch.conf."""

    def __init__(self, directory, hosts):
        self.hosts = os.path.join(directory, "hosts")
        self.nss = os.path.join(directory, "nsswitch.conf")
        self.set_hosts(hosts)
        with open(self.nss, "w") as f:
            f.write("hosts: files\n")

    def set_hosts(self, text):
        # In place: the bind mount follows the inode, not the name.
        with open(self.hosts, "r+" if os.path.exists(self.hosts) else "w") as f:
            f.seek(0)
            f.write(text)
            f.truncate()

    def prefix(self):
        script = ('mount --bind "$1" /etc/hosts && mount --bind "$2" /etc/nsswitch.conf && '
                  'shift 2 && exec "$@"')
        return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
                self.hosts, self.nss]

    def works(self):
        p = subprocess.run(self.prefix() + ["getent", "hosts", "elsewhere.test"],
                           capture_output=True, timeout=30)
        return p.returncode == 0 and p.stdout.split()[:1] == [b"10.255.0.1"]


wd = workdir("fnguard-svr-")
lis = Listener()
P = lis.port
HOSTS = ("127.0.0.1 localhost\n10.255.0.1 elsewhere.test\n127.0.0.1 flip.test\n")
ns = HostsNamespace(wd, HOSTS)
have_ns = ns.works()


def doc(network, syscalls=("@lambda-runtime",), **more):
    d = {
        "fnguard": 1,
        "name": "sv-rules",
        "extends": ["lambda-base"],
        "mode": "enforce",
        # Go's resolver looks at these before it reads /etc/hosts.
        "files": [{"path": HPAGE, "allow": "r"}, {"path": "/etc/mdns.allow", "allow": "r"},
                  {"path": "/etc/svc.conf", "allow": "r"}],
        "network": network,
        "syscalls": list(syscalls),
    }
    d.update(more)
    return d


LOCALHOST = write_profile(f"{wd}/localhost.json",
                          doc([{"host": "localhost", "ports": [P], "proto": "tcp"}]))
ELSEWHERE = write_profile(f"{wd}/elsewhere.json",
                          doc([{"host": "elsewhere.test", "ports": [P]}]))
NO_HOST = write_profile(f"{wd}/no-host.json",
                        doc([{"cidr": "127.0.0.1", "ports": [P + 1 if P < 65535 else 1]}]))
WRONG_PORT = write_profile(f"{wd}/wrong-port.json",
                           doc([{"host": "localhost", "ports": [P + 1 if P < 65535 else 1]}]))
WILDCARD = write_profile(f"{wd}/wildcard.json",
                         doc([{"host": "*.amazonaws.com", "ports": [443]}]))
FLIP = write_profile(f"{wd}/flip.json", doc([{"host": "flip.test", "ports": [P]}]))

# ---- host rules ------------------------------------------------------------------------

for kind, probe in PROBES:
    tag = f"[{kind}]"
    if kind == "go" and not have_go:
        for _ in range(6):
            skip(f"{tag} host rules", "go is not installed")
        continue
    # The Go probe also resolves the name itself, with Go's own resolver.
    names = ["127.0.0.1"] + (["localhost"] if kind == "go" else [])
    cmds = [probe]
    for n in names:
        cmds += ["connect", n, str(P)]
    before = lis.count
    r = sv(cmds, LOCALHOST)
    got = lis.settle() - before
    t.ok(r.rc == 0 and all(r.out("connect", f"{n}:{P}")[0] == "ok" for n in names) and
         got == len(names) and not r.find(type="violation", category="network"),
         f"{tag} enforce: a host rule naming localhost lets connect reach a loopback listener "
         f"({', '.join(names)}; {got} connections)", r.diag())

    before = lis.count
    r = sv([probe, "connect", "127.0.0.1", str(P)], NO_HOST)
    ev = r.find(type="violation", category="network", op="connect")
    t.ok(r.out("connect", f"127.0.0.1:{P}") == ("err", "ECONNREFUSED") and
         lis.settle() == before and len(ev) == 1 and ev[0]["target"] == f"127.0.0.1:{P}" and
         ev[0]["action"] == "blocked",
         f"{tag} enforce: without the host rule the connect is refused, the listener gets "
         "nothing", r.diag())

    before = lis.count
    r = sv([probe, "connect", "127.0.0.1", str(P)], WRONG_PORT)
    ev = r.find(type="violation", category="network", op="connect")
    t.ok(r.out("connect", f"127.0.0.1:{P}") == ("err", "ECONNREFUSED") and
         lis.settle() == before and len(ev) == 1 and ev[0]["target"] == f"127.0.0.1:{P}",
         f"{tag} enforce: the rule's ports hold (localhost on another port: refused)", r.diag())

    # The rule says tcp: a UDP send to the same address and port is refused, and once the
    # name is known the event names it and proposes it.
    r = sv([probe, "connect", "127.0.0.1", str(P), "sendto", "127.0.0.1", str(P)], LOCALHOST)
    ev = r.find(type="violation", category="network", op="sendto")
    t.ok(r.out("connect", f"127.0.0.1:{P}")[0] == "ok" and
         r.out("sendto", f"127.0.0.1:{P}") == ("err", "ECONNREFUSED") and len(ev) == 1 and
         ev[0]["target"] == f"localhost:{P} (127.0.0.1)" and ev[0]["proto"] == "udp" and
         ev[0]["tip"] == {"network": [{"host": "localhost", "ports": [P], "proto": "udp"}]},
         f"{tag} enforce: the rule's protocol holds (tcp allowed, udp to the same port refused; "
         "the event names localhost and proposes it for udp)", r.diag())

    if not have_ns:
        skip(f"{tag} a host rule naming another address", "no mount namespace (root, unshare)")
    else:
        before = lis.count
        r = sv([probe, "connect", "127.0.0.1", str(P)], ELSEWHERE, ns=ns)
        ev = r.find(type="violation", category="network", op="connect")
        t.ok(r.out("connect", f"127.0.0.1:{P}") == ("err", "ECONNREFUSED") and
             lis.settle() == before and len(ev) == 1 and ev[0]["target"] == f"127.0.0.1:{P}"
             and "host names" in ev[0].get("detail", ""),
             f"{tag} enforce: a host rule naming elsewhere.test (10.255.0.1) does not let "
             "127.0.0.1 in; the event says the address is none of the host names'", r.diag())

    learned = f"{wd}/learned-host-{kind}.json"
    r = sv([probe, "connect", "127.0.0.1", str(P)], LOCALHOST, mode="record",
           extra=["-o", learned])
    ev = r.find(type="learn", category="network", op="connect")
    ldoc = json.load(open(learned)) if os.path.exists(learned) else {}
    t.ok(r.out("connect", f"127.0.0.1:{P}")[0] == "ok" and len(ev) == 1 and
         ev[0]["target"] == f"localhost:{P} (127.0.0.1)" and
         ev[0].get("rule") == f"host localhost ports {P} tcp" and not ldoc.get("network"),
         f"{tag} record: the event for the connect a host rule allowed names the rule "
         "(and nothing new is learned)", r.diag() + json.dumps(ldoc))

# Wildcard patterns cannot match an address here, and the event says so.
r = sv([PROBE, "connect", "127.0.0.1", str(P)], WILDCARD)
ev = r.find(type="violation", category="network", op="connect")
t.ok(r.out("connect", f"127.0.0.1:{P}") == ("err", "ECONNREFUSED") and len(ev) == 1 and
     "*.amazonaws.com" in ev[0].get("detail", ""),
     "[c] a denied connect under a wildcard host rule says patterns cannot match an address "
     "under fnguard exec", r.diag())

# Answers change: cached for a while, resolved again at most every 2 s, addresses gathered.
if not have_ns:
    skip("[c] re-resolution", "no mount namespace (root, unshare)")
else:
    ns.set_hosts(HOSTS)

    def flip(line):
        if line == "sleeping":
            ns.set_hosts(HOSTS.replace("127.0.0.1 flip.test", "127.0.0.2 flip.test"))

    r = sv([PROBE, "connect", "127.0.0.1", str(P), "sleep", "1", "connect", "127.0.0.2", str(P),
            "sleep", "2", "connect", "127.0.0.2", str(P), "connect", "127.0.0.1", str(P)],
           FLIP, ns=ns, on_line=flip)
    got = [x[0] for x in r.lines.get(("connect", f"127.0.0.2:{P}"), [])]
    first = [x[0] for x in r.lines.get(("connect", f"127.0.0.1:{P}"), [])]
    t.ok(first == ["ok", "ok"] and got == ["err", "ok"],
         "[c] flip.test moves from 127.0.0.1 to 127.0.0.2: within 2 s of the last resolution "
         "the new address is refused (no new query), after it allowed; the old one stays "
         f"allowed while cached (127.0.0.1: {first}, 127.0.0.2: {got})", r.diag())
    ns.set_hosts(HOSTS)

# ---- system calls outside the profile's "syscalls" ----------------------------------------

SYS = write_profile(f"{wd}/sys.json", doc([]))
NO_SYSCALLS = write_profile(f"{wd}/no-syscalls.json", {
    "fnguard": 1, "name": "sv-base", "extends": ["lambda-base"],
    "files": [{"path": HPAGE, "allow": "r"}, {"path": "/etc/hostname", "allow": "r"}]})

for kind, probe in PROBES:
    tag = f"[{kind}]"
    if kind == "go" and not have_go:
        for _ in range(5):
            skip(f"{tag} syscalls", "go is not installed")
        continue
    r = sv([probe, "robust-list", "1", "open", "/etc/hosts"], SYS)
    ev = r.find(type="violation", category="syscall")
    t.ok(r.rc == 0 and r.out("robust-list", "1") == ("err", "EPERM") and
         r.out("open", "/etc/hosts")[0] == "ok" and len(ev) == 1 and
         ev[0]["op"] == "get_robust_list" and ev[0]["target"].startswith("get_robust_list(0x0,")
         and ev[0]["action"] == "blocked" and ev[0]["mode"] == "enforce" and
         ev[0]["tip"] == {"syscalls": ["get_robust_list"]} and ev[0]["exe"] == probe and
         all(k in ev[0] for k in ("timestamp", "level", "pid", "tid", "seq", "rule")),
         f"{tag} enforce: a call outside \"syscalls\" fails with EPERM, one violation event "
         "(category syscall, its name and arguments); the program goes on", r.diag())

    r = sv([probe, "robust-list", "1"], SYS, mode="alert")
    ev = r.find(type="violation", category="syscall")
    t.ok(r.rc == 0 and r.out("robust-list", "1") == ("ok", "") and len(ev) == 1 and
         ev[0]["action"] == "logged" and ev[0]["mode"] == "alert",
         f"{tag} alert: it runs and is logged", r.diag())

    r = sv([probe, "robust-list", "30"], SYS, mode="alert")
    ev = r.find(type="violation", category="syscall")
    sup = r.find(type="suppressed", category="syscall")
    t.ok(r.out("robust-list", "30") == ("ok", "") and len(ev) == 10 and len(sup) == 1 and
         sup[0]["suppressed"] == 20 and sup[0]["target"] == "get_robust_list",
         f"{tag} alert: 30 calls give 10 events and a summary of the 20 others (rate limit per "
         f"call name; {len(ev)} events)", r.diag())

    learned = f"{wd}/learned-sys-{kind}.json"
    cmds = [probe, "robust-list", "2", "open", "/etc/hostname", "stat", "/etc/hostname"]
    r = sv(cmds, SYS, mode="record", extra=["-o", learned])
    ev = r.find(type="learn", category="syscall")
    ldoc = json.load(open(learned)) if os.path.exists(learned) else {}
    r2 = sv(cmds, learned, mode="enforce")
    t.ok(r.out("robust-list", "2") == ("ok", "") and len(ev) == 1 and
         ev[0]["op"] == "get_robust_list" and ldoc.get("syscalls") == ["get_robust_list"] and
         r2.rc == 0 and r2.out("robust-list", "2") == ("ok", "") and
         not r2.find(type="violation"),
         f"{tag} record: it runs, is learned once, the profile lists it, and the learned "
         "profile enforces the same run with zero violations", r.diag() + json.dumps(ldoc) +
         r2.diag())

    # A profile that lists no system calls starts no list from one run.
    learned = f"{wd}/learned-none-{kind}.json"
    r = sv(cmds, NO_SYSCALLS, mode="record", extra=["-o", learned])
    ldoc = json.load(open(learned)) if os.path.exists(learned) else {}
    start = r.find(type="start")
    t.ok(r.rc == 0 and os.path.exists(learned) and "syscalls" not in ldoc and
         not r.find(type="learn", category="syscall") and start and
         start[0]["layers"]["seccomp"]["status"] == "unavailable" and
         "none are learned" in start[0]["layers"]["seccomp"]["reason"],
         f"{tag} record with a profile that lists no syscalls learns none (the start event "
         "says so)", r.diag() + json.dumps(ldoc))

# A short list to start from: record learns every other call the program makes (a static
# C program makes the same calls each run; a Go runtime does not, see docs/supervisor.md).
MINIMAL = write_profile(f"{wd}/minimal.json", dict(json.load(open(NO_SYSCALLS)),
                                                    syscalls=["exit_group"]))
learned = f"{wd}/learned-all-c.json"
cmds = [PROBE, "robust-list", "2", "open", "/etc/hostname", "stat", "/etc/hostname",
        "connect", "127.0.0.1", str(P)]
r = sv(cmds, MINIMAL, mode="record", extra=["-o", learned])
ldoc = json.load(open(learned)) if os.path.exists(learned) else {}
names = ldoc.get("syscalls", [])
r2 = sv(cmds, learned, mode="enforce")
t.ok(r.rc == 0 and {"get_robust_list", "openat", "write", "socket", "connect"} <= set(names)
     and "execve" not in names and r2.rc == 0 and not r2.find(type="violation") and
     r2.out("stat", "/etc/hostname")[0] == "ok" and
     r2.find(type="start")[0]["layers"]["seccomp"]["status"] == "active",
     f"[c] record from a one-call list learns every call the program makes ({len(names)}, "
     "not the supervisor's exec of it); the learned profile enforces the same run with zero "
     "violations", r.diag() + json.dumps(ldoc) + r2.diag())

# The dangerous set stays refused in every mode (the kernel's own answer would be EFAULT).
res = {m: sv([PROBE, "perf"], SYS, mode=m, extra=["-o", f"{wd}/perf.json"] if m == "record"
             else None) for m in ("enforce", "alert", "record")}
ev = res["enforce"].find(type="violation", category="syscall", op="perf_event_open")
t.ok(all(r.out("perf", "NULL") == ("err", "EPERM") for r in res.values()) and len(ev) == 1 and
     "dangerous" in ev[0]["rule"] and "tip" not in ev[0],
     "[c] perf_event_open (the dangerous set) fails with EPERM in enforce (logged), alert and "
     "record", "\n".join(r.diag() for r in res.values()))

# ---- cost (reported, not asserted) ---------------------------------------------------------


def best(n, probe, args, profile, mode=None):
    vals = []
    for _ in range(n):
        r = sv([probe] + args, profile, mode=mode, extra=["-o", f"{wd}/cost.json"]
               if mode == "record" else None)
        v = r.out(args[0], args[1])
        if v[0] == "ok" and v[1].isdigit():
            vals.append(int(v[1]))
    return min(vals) if vals else None


os.makedirs(f"{wd}/files", exist_ok=True)
files_rule = {"path": f"{wd}/files/**", "allow": "rwcd"}
COST_ENFORCE = write_profile(f"{wd}/cost-enforce.json", dict(
    json.load(open(SYS)), files=json.load(open(SYS))["files"] + [files_rule]))
COST_RECORD = write_profile(f"{wd}/cost-record.json", dict(
    json.load(open(MINIMAL)), files=json.load(open(MINIMAL))["files"] + [files_rule]))
loop = ["loop", "/etc/hosts", "20000"]
print(f"# cost: C open+close: enforce {best(3, PROBE, loop, COST_ENFORCE)} ns, record from a "
      f"one-call list (close notified too) {best(3, PROBE, loop, COST_RECORD, 'record')} ns",
      flush=True)
if have_go:
    args = ["files", f"{wd}/files", "2000"]
    print(f"# cost: Go file loop (2000 x write+read+stat+remove): "
          f"enforce {best(3, PROBE_GO, args, COST_ENFORCE)} us, record from a one-call "
          f"list (every call notified) {best(3, PROBE_GO, args, COST_RECORD, 'record')} us",
          flush=True)

lis.close()
subprocess.run(["rm", "-rf", wd])
t.done()
sys.exit(1 if t.failed else 0)
