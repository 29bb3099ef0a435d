#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs fnguard's benchmarks on this machine and writes docs/bench.md.

Every comparison is side by side in one run: the bare command and the same
command under fnguard alternate (A B A B ...), and the table reports medians
and their ratio, never times taken in different runs. A bare-vs-bare control
row shows the noise floor."""
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
LIB = os.path.join(BUILD, "lib", "libfnguard.so")
PAIRS = int(os.environ.get("FNGUARD_BENCH_PAIRS", "15"))


def run_timed(argv, env):
    """Wall and CPU (user+sys) seconds of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode != 0:
        raise RuntimeError(f"{argv} exited {p.returncode}")
    return wall, cpu, p.stdout


def env_bare():
    return {k: v for k, v in os.environ.items()
            if not k.startswith("FNGUARD_") and k != "LD_PRELOAD"}


def env_shim(profile, mode="enforce"):
    e = env_bare()
    e.update({"LD_PRELOAD": LIB, "FNGUARD_PROFILE": profile, "FNGUARD_MODE": mode,
              "FNGUARD_LOG": "stderr",
              "FNGUARD_PROFILE_PATH": os.path.join(ROOT, "profiles")})
    return e


def interleave(argv, env_a, env_b, pairs=PAIRS, parse=None):
    """Alternates A and B; returns lists of (wall, cpu) or parsed outputs."""
    a, b = [], []
    for i in range(pairs):
        order = [(a, env_a), (b, env_b)] if i % 2 == 0 else [(b, env_b), (a, env_a)]
        for sink, env in order:
            wall, cpu, out = run_timed(argv, env)
            sink.append(parse(out) if parse else (wall, cpu))
    return a, b


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (f"{platform.node()}: {cpu}, {os.cpu_count()} cores, kernel {platform.release()}, "
            f"{datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}")


def main():
    out = []
    out.append("# Benchmarks\n")
    out.append(f"Measured by `tools/bench.sh` on {machine()}. Every ratio compares medians "
               f"of runs interleaved in one session ({PAIRS} pairs, A B A B ...). "
               "Machine noise shows in the bare-vs-bare control rows.\n")

    # ---- matchers ----
    out.append("## Matching cost per query (policy engine)\n")
    out.append("`build/tests/bench/bench-match`: one `glob_trie_match` over tries of "
               "realistic path and host rules (hits and misses), median of 5 repetitions.\n")
    p = subprocess.run([os.path.join(BUILD, "tests", "bench", "bench-match")],
                       capture_output=True, text=True, check=True)
    out.append(p.stdout.strip() + "\n")

    # ---- per call ----
    work = tempfile.mkdtemp(prefix="fnguard-bench-", dir="/var/tmp")
    target = os.path.join(work, "data", "file.txt")
    os.makedirs(os.path.dirname(target))
    with open(target, "w") as f:
        f.write("x")
    profile = os.path.join(work, "profile.json")
    with open(profile, "w") as f:
        json.dump({"fnguard": 1, "extends": ["lambda-base"],
                   "files": [{"path": work + "/data/**", "allow": "r"},
                             {"path": ROOT + "/build/**", "allow": "r"}]
                   + [{"path": f"/srv/app{i}/**", "allow": "r"} for i in range(200)],
                   "exec": [{"path": os.path.join(BUILD, "tests", "bench", "bench-calls")}]}, f)
    calls = os.path.join(BUILD, "tests", "bench", "bench-calls")
    out.append("## Added cost of an allowed call (libc layer, enforce mode)\n")
    out.append("`bench-calls OP PATH` loops 200 000 calls; the profile is lambda-base plus "
               "202 path rules. ns/call are medians over the interleaved runs.\n")
    out.append("| call | path | bare ns/call | fnguard ns/call | added ns | ratio |")
    out.append("|------|------|------:|------:|------:|------:|")
    parse = lambda s: float(s.decode().strip())  # noqa: E731
    for op in ("open-close", "stat", "access"):
        for kind, path, cwd in (("absolute", target, None),
                                ("relative", "data/file.txt", work)):
            argv = [calls, op, path]
            if cwd:
                argv = ["sh", "-c", f"cd {cwd} && exec {calls} {op} {path}"]
            a, b = interleave(argv, env_bare(), env_shim(profile), parse=parse)
            ma, mb = statistics.median(a), statistics.median(b)
            out.append(f"| {op} | {kind} | {ma:.0f} | {mb:.0f} | {mb - ma:.0f} | "
                       f"{mb / ma:.2f} |")
    # The seccomp layer: an unconditionally allowed syscall under the filter.
    scprofile = os.path.join(work, "seccomp.json")
    with open(scprofile, "w") as f:
        json.dump({"fnguard": 1, "extends": ["lambda-base"], "syscalls": ["@lambda-runtime"],
                   "files": [{"path": work + "/data/**", "allow": "r"},
                             {"path": ROOT + "/build/**", "allow": "r"}]}, f)
    for op, path, what in (("getpid", target, "syscall(SYS_getpid), seccomp filter"),
                           ("stat", target, "stat, libc layer + seccomp filter")):
        a, b = interleave([calls, op, path], env_bare(), env_shim(scprofile), parse=parse)
        ma, mb = statistics.median(a), statistics.median(b)
        out.append(f"| {what} | absolute | {ma:.0f} | {mb:.0f} | {mb - ma:.0f} | {mb / ma:.2f} |")
    a, b = interleave([calls, "stat", target], env_bare(), env_bare(), parse=parse)
    out.append(f"| stat (control: bare vs bare) | absolute | {statistics.median(a):.0f} | "
               f"{statistics.median(b):.0f} | {statistics.median(b) - statistics.median(a):.0f}"
               f" | {statistics.median(b) / statistics.median(a):.2f} |\n")

    # ---- start-up ----
    out.append("## Start-up\n")
    out.append("Whole-process time, bare vs under fnguard in enforce mode (libc layer and "
               "seccomp filter): `python3 -c pass` (the real interpreter binary, not a "
               "wrapper script) with a profile that extends lambda-base, lists "
               "@lambda-runtime and allows the interpreter's tree, as JSON (the filter is "
               "compiled at start) and as a bundle; `node -e 0` with the shipped nodejs "
               "profile. Headline: CPU time (user+sys); wall time beside it. Rows are "
               "measured one after the other, so compare each row's ratio, not absolute "
               "times across rows.\n")
    python = sys.executable
    pyprofile = os.path.join(work, "python.json")
    with open(pyprofile, "w") as f:
        json.dump({"fnguard": 1, "extends": ["lambda-base"], "syscalls": ["@lambda-runtime"],
                   "files": [{"path": sys.base_prefix + "/**", "allow": "r"},
                             {"path": "/usr/**", "allow": "r"}]}, f)
    pybundle = os.path.join(work, "python.fgb")
    subprocess.run([os.path.join(BUILD, "tools", "fnguard"), "compile", "--format", "bundle",
                    "-o", pybundle, pyprofile], check=True,
                   env=dict(os.environ, FNGUARD_PROFILE_PATH=os.path.join(ROOT, "profiles")))
    node = subprocess.run(["sh", "-c", "command -v node"], capture_output=True,
                          text=True).stdout.strip()
    # Node gets the shipped nodejs profile (plus this machine's install tree).
    nodeprofile = os.path.join(work, "node.json")
    with open(nodeprofile, "w") as f:
        json.dump({"fnguard": 1, "extends": ["nodejs"],
                   "files": [{"path": "/usr/**", "allow": "r"}]}, f)
    nodebundle = os.path.join(work, "node.fgb")
    subprocess.run([os.path.join(BUILD, "tools", "fnguard"), "compile", "--format", "bundle",
                    "-o", nodebundle, nodeprofile], check=True,
                   env=dict(os.environ, FNGUARD_PROFILE_PATH=os.path.join(ROOT, "profiles")))
    out.append("| command | bare CPU ms | fnguard CPU ms | CPU ratio | bare wall ms | "
               "fnguard wall ms | wall ratio |")
    out.append("|---|---:|---:|---:|---:|---:|---:|")
    rows = [("python3 -c pass, JSON profile (filter compiled at start)", [python, "-c", "pass"],
             env_shim(pyprofile)),
            ("python3 -c pass, bundle", [python, "-c", "pass"], env_shim(pybundle)),
            ("python3 -c pass (control: bare vs bare)", [python, "-c", "pass"], env_bare()),
            ("/bin/true, bundle", ["/bin/true"], env_shim(pybundle))]
    if node:
        rows.append(("node -e 0, bundle (shipped nodejs profile)", [node, "-e", "0"],
                     env_shim(nodebundle)))
    for name, argv, env_b in rows:
        a, b = interleave(argv, env_bare(), env_b, pairs=max(PAIRS, 20))
        wa = statistics.median(x[0] for x in a) * 1e3
        wb = statistics.median(x[0] for x in b) * 1e3
        ca = statistics.median(x[1] for x in a) * 1e3
        cb = statistics.median(x[1] for x in b) * 1e3
        out.append(f"| {name} | {ca:.2f} | {cb:.2f} | {cb / ca:.3f} | {wa:.2f} | {wb:.2f} | "
                   f"{wb / wa:.3f} |")
    out.append("")
    subprocess.run(["rm", "-rf", work])
    with open(os.path.join(ROOT, "docs", "bench.md"), "w") as f:
        f.write("\n".join(out) + "\n")
    print("\n".join(out))


if __name__ == "__main__":
    main()
