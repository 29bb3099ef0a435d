# SPDX-License-Identifier: MIT
"""What the benchmarks run: the per-call loop, the file-heavy and the
subprocess-heavy jobs, the example Lambda functions behind the local Runtime
API emulator, the static programs, and the profiles each is run with.

Every mode of a workload is a harness.Mode whose measure() runs it once; its
check() looks at the warm-up run's log, so that a benchmark never times an
enforce run that is blocking something (that would be another workload)."""
import argparse
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import threading
import time

import harness
from benchenv import BenchError, check_log, write_profile

# What Debian's coreutils, tar and findutils read at start (libselinux).
COREUTILS_FILES = [
    {"path": "/proc/filesystems", "allow": "r"},
    {"path": "/proc/mounts", "allow": "r"},
    {"path": "/etc/selinux/**", "allow": "r"},
]


def _tail(path, n=400):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - n))
            return f.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""


def process_mode(name, label, argv, env, log, cwd=None, out=None, expect=None, check=None,
                 after=None, filter_file=None, timeout=900):
    """A Mode running argv once per measure(): stdout to out (compared with
    expect when given), stderr to log, exit status 0 required. filter_file:
    opened afresh for each run and passed as the descriptor that "{fd}" in
    argv names (bwrap --seccomp reads it to the end)."""
    out = out or log + ".out"

    def measure():
        fds = ()
        args = argv
        fd = None
        if filter_file:
            fd = os.open(filter_file, os.O_RDONLY)
            fds = (fd,)
            args = [a.replace("{fd}", str(fd)) for a in argv]
        try:
            with open(log, "wb") as lf, open(out, "wb") as of:
                sample, rc = harness.run(args, env, cwd=cwd, stdout=of, stderr=lf,
                                         pass_fds=fds, timeout=timeout)
        finally:
            if fd is not None:
                os.close(fd)
            if after:
                after()
        if rc != 0:
            raise BenchError(f"{label}: exit status {rc}: {_tail(log)}")
        if expect is not None:
            with open(out, encoding="utf-8", errors="replace") as f:
                got = f.read().strip()
            if got != expect:
                raise BenchError(f"{label}: printed {got[:80]!r}, expected {expect!r}: "
                                 f"{_tail(log)}")
        return sample

    return harness.Mode(name, label, measure, check)


def shim_check(log, mode, seccomp=None, landlock=None, expected=None):
    return lambda: check_log(log, mode, seccomp=seccomp, landlock=landlock, expected=expected)


# ---- per call ----

def calls_mode(cfg, name, label, op, target, n, env, log, cwd=None, check=None, options=()):
    """bench-calls OP TARGET N: its own ns per call (CPU, wall) as the sample."""
    argv = [cfg.program("bench-calls"), *options, op, target, str(n)]
    out = log + ".out"

    def measure():
        with open(log, "wb") as lf, open(out, "wb") as of:
            _, rc = harness.run(argv, env, cwd=cwd, stdout=of, stderr=lf)
        if rc != 0:
            raise BenchError(f"{label}: bench-calls {op} {target}: exit {rc}: {_tail(log)}")
        with open(out) as f:
            cpu, wall = (float(x) for x in f.read().split())
        return harness.Sample(cpu, wall)

    return harness.Mode(name, label, measure, check)


# ---- profiles ----

def function_profile(local):
    """A realistic function profile (an orders API in Python): the shipped
    python profile, the function's own files and denials, the AWS services it
    calls, a database network, and the helper programs it runs."""
    files = [
        {"path": "/opt/python/lib/python3.12/site-packages/**", "allow": "r"},
        {"path": "/opt/extensions/**", "allow": "r"},
        {"path": "${LAMBDA_TASK_ROOT}/templates/*.html", "allow": "r"},
        {"path": "${LAMBDA_TASK_ROOT}/secrets/**", "deny": "rwcd"},
        {"path": "/tmp/orders/**", "allow": "rwcd"},
        {"path": "/tmp/*.json", "allow": "rwc"},
        {"path": "/tmp/cache/*/blob-*", "allow": "rwcd"},
        {"path": "/tmp/**/*.so", "deny": "c"},
        {"path": "/etc/ssl/certs/*.pem", "allow": "r"},
        {"path": "/etc/shadow", "deny": "rwcd"},
        {"path": "/etc/gshadow", "deny": "rwcd"},
        {"path": "/proc/*/environ", "deny": "r"},
        {"path": "/proc/self/mem", "deny": "rw"},
        {"path": "/root/**", "deny": "rwcd"},
        {"path": "/home/**", "deny": "rwcd"},
    ]
    files += [{"path": f"${{LAMBDA_TASK_ROOT}}/vendor/pkg{i:02d}/**", "allow": "r"}
              for i in range(24)]
    return {
        "fnguard": 1,
        "name": "orders-api",
        "extends": ["python", local],
        "mode": "enforce",
        "files": files,
        "network": [
            {"host": "dynamodb.*.amazonaws.com", "ports": [443]},
            {"host": "sqs.us-east-1.amazonaws.com", "ports": [443]},
            {"host": "*.s3.amazonaws.com", "ports": [443]},
            {"host": "s3.us-east-1.amazonaws.com", "ports": [443]},
            {"host": "secretsmanager.us-east-1.amazonaws.com", "ports": [443]},
            {"host": "sts.amazonaws.com", "ports": [443]},
            {"host": "events.us-east-1.amazonaws.com", "ports": [443]},
            {"host": "api.stripe.com", "ports": [443]},
            {"host": "hooks.slack.com", "ports": [443]},
            {"host": "localhost", "ports": [443]},
            {"cidr": "10.0.0.0/8", "ports": [5432], "proto": "tcp"},
            {"cidr": "172.16.0.0/12", "ports": ["6379-6380"], "proto": "tcp"},
        ],
        "exec": [
            {"path": "/usr/bin/true"},
            {"path": "/bin/true"},
            {"path": "/usr/bin/convert", "argv": ["convert", "*", "/tmp/*.png"]},
            {"path": "/bin/sh", "argv": ["/bin/sh", "-c", "echo Hello, *"]},
        ],
        "syscalls": ["@lambda-runtime", "@network-io"],
    }


def scaling_rules(n, seed=7):
    """n path rules and n host rules shaped like real ones, none of which
    the file job needs (a tenth of the path rules are under /tmp, where the
    job works, so that the matcher has to tell them apart)."""
    r = random.Random(seed)
    files, hosts = [], []
    for i in range(n):
        k = i % 10
        if k == 0:
            files.append({"path": f"/tmp/cache-{i}/**", "allow": "rwcd"})
        elif k in (1, 2, 3):
            files.append({"path": f"${{LAMBDA_TASK_ROOT}}/vendor/pkg{i}/**", "allow": "r"})
        elif k in (4, 5):
            files.append({"path": f"/opt/layer{i % 50}/lib/mod{i}/*.py", "allow": "r"})
        elif k == 6:
            files.append({"path": f"/srv/data{i}/**/file-?.txt", "allow": "r"})
        elif k == 7:
            files.append({"path": f"/usr/share/app{i}/data/*.json", "allow": "r"})
        elif k == 8:
            files.append({"path": f"/var/lib/svc{i}/state-{r.randrange(1000)}", "allow": "rw"})
        else:
            files.append({"path": f"/etc/app{i}/secret*", "deny": "r"})
        k = i % 4
        if k == 0:
            hosts.append({"host": f"svc{i}.example{i % 97}.com", "ports": [443]})
        elif k == 1:
            hosts.append({"host": f"*.region{i}.amazonaws.com", "ports": [443]})
        elif k == 2:
            hosts.append({"host": f"api{i}.*.example.net", "ports": [443, 8443]})
        else:
            hosts.append({"host": f"db{i}.internal.example.org", "ports": ["5432-5433"]})
    return files, hosts


# ---- the file-heavy job ----

class FileJob:
    """Extracts a tar of many small files under /tmp and reads every file
    back: sh, mkdir, tar, find, cat, wc. The extraction directory is removed
    after each run, outside the timed part."""

    SCRIPT = ('mkdir "$1" && tar --no-same-owner -xf "$0" -C "$1" && '
              'find "$1" -type f -exec cat {} + | wc -c')
    PROGRAMS = ("mkdir", "tar", "find", "cat", "wc")

    def __init__(self, scratch, files):
        self.dir = scratch.dir("files", tmp=True)
        self.tar = os.path.join(self.dir, "files.tar")
        self.dest = os.path.join(self.dir, "x")
        self.files = files
        self.cwd = scratch.task
        self.total = self._make_tar()
        self.argv = ["/bin/sh", "-c", self.SCRIPT, self.tar, self.dest]

    def _make_tar(self):
        r = random.Random(1)
        alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789 \n"
        total = 0
        per_dir = 100
        with tarfile.open(self.tar, "w") as t:
            for i in range(self.files):
                data = bytes(r.choice(alphabet) for _ in range(r.randint(100, 2000)))
                info = tarfile.TarInfo(f"pkg{i // per_dir:03d}/mod{i % per_dir:03d}.txt")
                info.size = len(data)
                info.mtime = 1700000000
                info.mode = 0o644
                t.addfile(info, io.BytesIO(data))
                total += len(data)
        return total

    def cleanup(self):
        shutil.rmtree(self.dest, ignore_errors=True)

    def profile(self):
        return {
            "fnguard": 1,
            "name": "bench-files",
            "extends": ["lambda-base"],
            "files": [{"path": f"/usr/bin/{p}", "allow": "r"} for p in self.PROGRAMS]
            + COREUTILS_FILES,
            "exec": [{"path": f"/usr/bin/{p}"} for p in self.PROGRAMS],
            "syscalls": ["@lambda-runtime"],
        }

    def mode(self, name, label, argv_prefix, env, log, check=None, filter_file=None):
        return process_mode(name, label, argv_prefix + self.argv, env, log, cwd=self.cwd,
                            expect=str(self.total), check=check, after=self.cleanup,
                            filter_file=filter_file)


# ---- the subprocess-heavy job ----

class SpawnJob:
    """A shell loop that runs small programs, three per iteration: what a
    function that shells out to helpers does."""

    SCRIPT = ('i=0; while [ "$i" -lt "$0" ]; do /usr/bin/true; /usr/bin/cat "$1" >/dev/null; '
              '/usr/bin/date +%s >/dev/null; i=$((i + 1)); done; echo "$i"')
    PROGRAMS = ("true", "cat", "date")

    def __init__(self, scratch, iterations):
        self.iterations = iterations
        self.cwd = scratch.task
        self.config = os.path.join(scratch.task, "config.json")
        self.argv = ["/bin/sh", "-c", self.SCRIPT, str(iterations), self.config]

    def profile(self):
        return {
            "fnguard": 1,
            "name": "bench-spawn",
            "extends": ["lambda-base"],
            "files": [{"path": f"/usr/bin/{p}", "allow": "r"} for p in self.PROGRAMS]
            + COREUTILS_FILES,
            "exec": [{"path": f"/usr/bin/{p}"} for p in self.PROGRAMS],
            "syscalls": ["@lambda-runtime"],
        }

    def mode(self, name, label, argv_prefix, env, log, check=None):
        return process_mode(name, label, argv_prefix + self.argv, env, log, cwd=self.cwd,
                            expect=str(self.iterations), check=check)


# ---- the example functions behind the Runtime API emulator ----

def _import_emulator(root):
    path = os.path.join(root, "tests", "lambda")
    if path not in sys.path:
        sys.path.insert(0, path)
    import runtime_api  # noqa: E402  (tests/lambda/runtime_api.py)
    return runtime_api


class LambdaFunction:
    """One of examples/*-container run as Lambda runs it: the runtime started
    through tests/lambda/runtime.sh (which honours AWS_LAMBDA_EXEC_WRAPPER,
    here the layer's fnguard-wrapper) and fed events by the Runtime API
    emulator of tests/lambda/runtime_api.py, served from this process on a
    loopback port. The sample is the runtime's whole life (init, every
    event, exit), CPU time of the runtime and all it started."""

    def __init__(self, cfg, runtime_api, server, name, task_root, handler, cmd, events):
        self.cfg = cfg
        self.api = runtime_api
        self.server = server
        self.name = name
        self.task_root = task_root
        self.cmd = cmd
        self.events = events
        self.port = server.server_address[1]
        self.args = argparse.Namespace(inherit_env=False, function=f"bench-{name}",
                                       env=[f"_HANDLER={handler}",
                                            f"LAMBDA_TASK_ROOT={task_root}",
                                            f"LAMBDA_RUNTIME_DIR="
                                            f"{os.path.join(cfg.root, 'tests', 'lambda')}",
                                            "PYTHONDONTWRITEBYTECODE=1",
                                            f"FNGUARD_PROFILE_PATH={cfg.profiles}"],
                                       host="127.0.0.1")

    def env(self, wrapper=None, profile=None, mode=None):
        env = self.api.lambda_env(self.args, self.port)
        env["PATH"] = "/usr/bin:/bin"
        if wrapper:
            env.update(AWS_LAMBDA_EXEC_WRAPPER=wrapper, FNGUARD_PROFILE=profile,
                       FNGUARD_MODE=mode)
        return env

    def run_once(self, env, log):
        api = self.api
        state = api.State(self.events, None, 30, f"arn:aws:lambda:us-east-1:123456789012:"
                                                 f"function:bench-{self.name}")
        self.server.state = state
        with open(log, "wb") as lf:
            t0 = time.perf_counter()
            proc = subprocess.Popen(self.cmd, env=env, cwd=self.task_root,
                                    stdin=subprocess.DEVNULL, stdout=lf,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        deadline = t0 + 60 + 0.2 * len(self.events)
        with state.lock:
            while not state.done() and state.init_error is None:
                if time.perf_counter() > deadline or _exited(proc.pid):
                    break
                state.lock.wait(0.05)
            state.stopping = True
            state.lock.notify_all()
        # The runtime's pending /next now fails and it exits by itself.
        sample, _ = harness.wait(proc, t0, timeout=max(5.0, deadline - time.perf_counter()))
        counts = {}
        for inv in state.all:
            status = inv.result["status"] if inv.result else "not-run"
            counts[status] = counts.get(status, 0) + 1
        if counts.get("success", 0) != len(self.events):
            raise BenchError(f"{self.name}: {counts} of {len(self.events)} events: "
                             f"{_tail(log)}")
        return sample

    def mode(self, name, label, env, log, check=None):
        return harness.Mode(name, label, lambda: self.run_once(env, log), check)


def _exited(pid):
    """Whether pid has exited, without reaping it (wait4 must get its usage)."""
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return info is not None


def start_emulator(root):
    """The Runtime API emulator's server on a loopback port of its own,
    serving from a thread of this process; its state is set per run."""
    api = _import_emulator(root)
    server = api.Server(("127.0.0.1", 0), api.Handler)
    server.state = api.State([], None, 30, "arn:aws:lambda:us-east-1:123456789012:function:x")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return api, server


def example_events(root, example, count):
    """count events cycled from the example's events.jsonl."""
    path = os.path.join(root, "examples", example, "events.jsonl")
    with open(path, encoding="utf-8") as f:
        base = [json.loads(line) for line in f if line.strip()]
    return [base[i % len(base)] for i in range(count)]


def build_layer(cfg, scratch):
    """The Lambda layer as tools/build-layer.sh packs it from the build; its
    exec wrapper is what AWS_LAMBDA_EXEC_WRAPPER names on Lambda."""
    out = scratch.dir("layer-build")
    p = subprocess.run([os.path.join(cfg.root, "tools", "build-layer.sh"), "--no-build",
                        "--out", out, cfg.build], cwd=cfg.root, capture_output=True,
                       text=True)
    if p.returncode != 0:
        raise BenchError(f"tools/build-layer.sh: {p.stderr.strip()}")
    return os.path.join(out, "layer", "fnguard-wrapper")


def example_profile(path, example_dir, local, port):
    """The example's own (recorded) profile, this machine's interpreter tree,
    and the emulator's port (Lambda's Runtime API is 127.0.0.1:9001, which
    lambda-base allows)."""
    return write_profile(path, {
        "fnguard": 1,
        "name": os.path.basename(example_dir),
        "extends": [os.path.join(example_dir, "fnguard.json"), local],
        "network": [{"cidr": "127.0.0.1", "ports": [port], "proto": "tcp"}],
    })
