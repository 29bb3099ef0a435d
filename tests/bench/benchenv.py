# SPDX-License-Identifier: MIT
"""The benchmark's surroundings: configuration from the environment, the
build's programs, scratch directories, environments for bare and shimmed
runs, profiles, and checks of what fnguard logged.

Configuration (environment):
  FNGUARD_BENCH_QUICK=1      smoke test: 3 rounds, small workloads (numbers
                             are meaningless, the plumbing is exercised)
  FNGUARD_BENCH_ROUNDS=N     rounds of the heavy groups (default 10; per-call
                             groups get 2N, start-up groups 10N: a process
                             start is short and noisy, and its targets are
                             fractions of a millisecond)
  FNGUARD_BENCH_ONLY=a,b     sections to run: percall, startup, macro,
                             scaling, peers, match (default all)
  FNGUARD_BENCH_SEED=N       the seed of the run orders and the bootstrap
  FNGUARD_BENCH_BUILD=DIR    the build directory (default build/)
  FNGUARD_BENCH_OUT=DIR      where bench.md and bench.png go (default docs/)
  FNGUARD_BENCH_KEEP=1       keep the scratch directories
"""
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile

from harness import BenchError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECTIONS = ("percall", "startup", "macro", "scaling", "peers", "match")


class Config:
    def __init__(self, environ=os.environ):
        self.root = ROOT
        self.build = os.path.abspath(environ.get("FNGUARD_BENCH_BUILD") or
                                     os.path.join(ROOT, "build"))
        self.out_dir = os.path.abspath(environ.get("FNGUARD_BENCH_OUT") or
                                       os.path.join(ROOT, "docs"))
        self.quick = environ.get("FNGUARD_BENCH_QUICK", "") not in ("", "0")
        default_rounds = 3 if self.quick else 10
        self.rounds = int(environ.get("FNGUARD_BENCH_ROUNDS") or default_rounds)
        if self.rounds < 2:
            raise SystemExit("bench: FNGUARD_BENCH_ROUNDS must be at least 2")
        self.startup_rounds = 10 * self.rounds
        only = environ.get("FNGUARD_BENCH_ONLY", "")
        self.sections = [s for s in SECTIONS if not only or s in only.split(",")]
        unknown = set(only.split(",")) - set(SECTIONS) - {""}
        if unknown:
            raise SystemExit(f"bench: unknown section(s) {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(SECTIONS)}")
        seed = environ.get("FNGUARD_BENCH_SEED")
        self.seed = int(seed) if seed else int.from_bytes(os.urandom(4), "little")
        self.keep = environ.get("FNGUARD_BENCH_KEEP", "") not in ("", "0")
        # Workload sizes: the issue's, or a tenth-ish for a smoke test.
        self.events = 60 if self.quick else 1000
        self.files = 500 if self.quick else 10000
        self.spawns = 20 if self.quick else 150
        self.call_scale = 0.1 if self.quick else 1.0
        self.scaling_rules = (10, 100, 1000, 10000)

        self.lib = os.path.join(self.build, "lib", "libfnguard.so")
        self.fnguard = os.path.join(self.build, "tools", "fnguard")
        self.bench_dir = os.path.join(self.build, "tests", "bench")
        self.profiles = os.path.join(ROOT, "profiles")
        # The interpreter this runs under is the real binary (tools/bench.sh
        # asks python3 for sys.executable, never a shell shim like pyenv's).
        self.python = os.path.realpath(sys.executable)
        node = shutil.which("node")
        self.node = os.path.realpath(node) if node else None

    def program(self, name):
        path = os.path.join(self.bench_dir, name)
        return path if os.access(path, os.X_OK) else None

    def check_build(self):
        missing = [p for p in (self.lib, self.fnguard, self.program("bench-calls"))
                   if not p or not os.path.exists(p)]
        if missing:
            raise SystemExit(f"bench: not built: {', '.join(missing)} "
                             f"(run tools/bench.sh, or meson compile -C {self.build})")


class Scratch:
    """Two scratch directories: one under /var/tmp, outside lambda-base's
    /tmp/** (the function's own files: a task root the profile reads), one
    under /tmp, where a function writes."""

    def __init__(self, keep):
        self.keep = keep
        self.var = tempfile.mkdtemp(prefix="fnguard-bench-", dir="/var/tmp")
        self.tmp = tempfile.mkdtemp(prefix="fnguard-bench-", dir="/tmp")
        self.task = self.dir("task")
        self.runtime = self.dir("runtime")
        self.logs = self.dir("logs")

    def dir(self, *parts, tmp=False):
        """A directory in the scratch area (under /tmp if tmp), created."""
        p = os.path.join(self.tmp if tmp else self.var, *parts)
        os.makedirs(p, exist_ok=True)
        return p

    def cleanup(self):
        if self.keep:
            print(f"bench: scratch kept: {self.var} {self.tmp}", file=sys.stderr)
            return
        shutil.rmtree(self.var, ignore_errors=True)
        shutil.rmtree(self.tmp, ignore_errors=True)


class Envs:
    """Process environments: the same few variables for every mode (Lambda's
    own, a fixed PATH), plus the shim's for fnguard modes."""

    def __init__(self, cfg, scratch):
        self.cfg = cfg
        self.base = {
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
            "LAMBDA_TASK_ROOT": scratch.task,
            "LAMBDA_RUNTIME_DIR": scratch.runtime,
            "FNGUARD_PROFILE_PATH": cfg.profiles,
            # Lambda's code is read-only; no mode should write caches there.
            "PYTHONDONTWRITEBYTECODE": "1",
        }

    def bare(self, **extra):
        return dict(self.base, **extra)

    def shim(self, profile, mode, **extra):
        return dict(self.base, LD_PRELOAD=self.cfg.lib, FNGUARD_PROFILE=profile,
                    FNGUARD_MODE=mode, FNGUARD_LOG="stderr", **extra)


def write_profile(path, profile):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(profile, f, indent=1)
        f.write("\n")
    return path


def fnguard(cfg, *args, env=None):
    e = dict(os.environ, FNGUARD_PROFILE_PATH=cfg.profiles)
    e.update(env or {})
    p = subprocess.run([cfg.fnguard, *args], capture_output=True, text=True, env=e)
    if p.returncode != 0:
        raise BenchError(f"fnguard {' '.join(args)}: {p.stderr.strip() or p.returncode}")
    return p.stdout


def bundle(cfg, profile, run_env):
    """Compiles a JSON profile into a bundle next to it, with the Lambda
    variables of run_env (the environment the bundle will run in), as a
    deployment compiles for Lambda's own /var/task: the bundle's prebuilt
    file matcher is for the paths the run expands."""
    out = profile[:-len(".json")] + ".fgb"
    lam = {k: v for k, v in run_env.items() if k in ("LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR")}
    fnguard(cfg, "compile", "--format", "bundle", "-o", out, profile, env=lam)
    return out


def raw_filter(cfg, profile):
    """The profile's filter as raw BPF for a sandbox without the shim (bwrap):
    enforce mode, and errno instead of SIGSYS (nothing there handles it)."""
    out = profile[:-len(".json")] + ".bpf"
    fnguard(cfg, "compile", "--format", "bpf", "--errno-only", "--mode", "enforce", "-o", out,
            profile)
    return out


def local_python(cfg):
    """The benchmarked interpreter's install tree (Lambda's is /var/lang,
    which the shipped python profile covers)."""
    roots = sorted({os.path.realpath(p) for p in (sys.base_prefix, sys.prefix,
                                                  sys.base_exec_prefix)})
    return {"fnguard": 1, "name": "local-python",
            "files": [{"path": r.rstrip("/") + "/**", "allow": "r"} for r in roots]}


def local_node(cfg):
    files = [{"path": cfg.node, "allow": "r"}]
    prefix = os.path.dirname(os.path.dirname(cfg.node))
    if prefix not in ("/usr", "/"):
        files.append({"path": prefix + "/**", "allow": "r"})
    return {"fnguard": 1, "name": "local-node", "files": files}


def fnguard_events(path):
    """The fnguard lines of a log, parsed."""
    out = []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if '"logger":"fnguard"' in line:
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        pass
    except FileNotFoundError:
        pass
    return out


def check_log(path, mode, seccomp=None, started=True, landlock=None, expected=None):
    """Raises BenchError unless the log shows fnguard running in mode with no
    violation and no error (seccomp, landlock: whether the layer must be
    active). expected: a benchmark of a violation; the violations it accepts
    (at least one must be there)."""
    events = fnguard_events(path)
    bad = [e for e in events if e.get("type") in ("violation", "error") and
           not (expected and e.get("type") == "violation" and expected(e))]
    if expected and not any(e.get("type") == "violation" and expected(e) for e in events):
        raise BenchError(f"{path}: the violation the benchmark makes was not logged")
    if bad and mode != "record":
        e = bad[0]
        raise BenchError(f"{len(bad)} violation/error events in {path}, first: "
                         f"{e.get('category', '')} {e.get('op', '')} {e.get('target', '')} "
                         f"{e.get('message', '')} (exe {e.get('exe', '?')})")
    if not started:
        return events
    starts = [e for e in events if e.get("type") == "start"]
    if not starts:
        raise BenchError(f"no fnguard start event in {path}: the shim did not load")
    if starts[0].get("mode") != mode:
        raise BenchError(f"{path}: fnguard started in {starts[0].get('mode')} mode, "
                         f"not {mode}")
    for layer, want in (("seccomp", seccomp), ("landlock", landlock)):
        if want is None:
            continue
        status = starts[0].get("layers", {}).get(layer, {}).get("status")
        if (status == "active") != want:
            raise BenchError(f"{path}: {layer} layer {status}, expected "
                             f"{'active' if want else 'inactive'}")
    return events


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f"{kb / 1048576:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return {"host": platform.node(), "cpu": cpu, "cores": os.cpu_count(), "memory": mem,
            "kernel": platform.release(), "os": os_release(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "loadavg": os.getloadavg()}


def os_release():
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return platform.system()


def tool_version(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (p.stdout or p.stderr).strip().splitlines()
    return text[0].strip() if text else None


def git_commit():
    try:
        p = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"],
                           capture_output=True, text=True, timeout=10)
        return p.stdout.strip() or None
    except OSError:
        return None
