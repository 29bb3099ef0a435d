#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs fnguard's benchmarks on this machine and writes docs/bench.md and
docs/bench.png (issue 8). Run through tools/bench.sh, which installs the
peer tools and builds first. The parts live in tests/bench/: harness.py
(runs, rounds, bootstrap), benchenv.py (configuration, environments,
profiles), workloads.py, sections.py, report.py and plot.py.

Configuration is by environment variables, listed in tests/bench/benchenv.py;
FNGUARD_BENCH_QUICK=1 is a smoke test of a few minutes. --report-only writes
the documents again from the last run's build/bench/results.json."""
import importlib.util
import json
import os
import subprocess
import sys
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "bench"))

import benchenv  # noqa: E402
import harness  # noqa: E402
import report  # noqa: E402
import sections  # noqa: E402


def tools(cfg):
    v = benchenv.tool_version
    out = {
        "python": v([cfg.python, "--version"]),
        "node": v([cfg.node, "--version"]) if cfg.node else None,
        "go": v(["go", "version"]),
        "strace": v(["strace", "-V"]),
        "firejail": v(["firejail", "--version"]),
        "bwrap": v(["bwrap", "--version"]),
    }
    return {k: x for k, x in out.items() if x}


def plot(cfg, results_path, png):
    script = os.path.join(ROOT, "tests", "bench", "plot.py")
    python = sys.executable
    if importlib.util.find_spec("matplotlib") is None:
        python = "/usr/bin/python3"  # Debian's python3-matplotlib (tools/deps.sh --bench)
    p = subprocess.run([python, script, results_path, png], capture_output=True, text=True)
    if p.returncode != 0:
        print(f"bench: the plot failed: {p.stderr.strip()}", file=sys.stderr)
        return False
    return True


def write_outputs(cfg, results, results_path):
    os.makedirs(cfg.out_dir, exist_ok=True)
    md = os.path.join(cfg.out_dir, "bench.md")
    with open(md, "w", encoding="utf-8") as f:
        f.write(report.markdown(results))
    plotted = plot(cfg, results_path, os.path.join(cfg.out_dir, "bench.png"))
    print(f"bench: wrote {md}{' and bench.png' if plotted else ''}, {results_path} "
          f"({results['seconds'] / 60:.1f} min)", file=sys.stderr)
    return plotted


def report_only(cfg):
    """Writes bench.md and bench.png again from the last run's results (the
    texts may have changed; the numbers are those measured)."""
    results_path = os.path.join(cfg.build, "bench", "results.json")
    with open(results_path, encoding="utf-8") as f:
        results = json.load(f)
    for sec in results["sections"]:
        if sec.get("rows"):
            sec["findings"] = sections.findings(sec)
    return 0 if write_outputs(cfg, results, results_path) else 1


def main():
    cfg = benchenv.Config()
    if sys.argv[1:] == ["--report-only"]:
        return report_only(cfg)
    if sys.argv[1:]:
        print("usage: bench.py [--report-only]", file=sys.stderr)
        return 2
    cfg.check_build()
    t0 = time.perf_counter()
    machine = benchenv.machine()
    print(f"bench: {'QUICK ' if cfg.quick else ''}run of {', '.join(cfg.sections)}; "
          f"{cfg.rounds} rounds; seed {cfg.seed}; build {cfg.build}", file=sys.stderr)
    ctx = sections.Context(cfg)
    done = []
    failed = False
    try:
        for name in cfg.sections:
            print(f"bench: == {name}", file=sys.stderr, flush=True)
            try:
                sec = sections.SECTION_FUNCS[name](ctx)
            except benchenv.BenchError as e:
                sec = {"id": name, "title": name, "kind": "text", "rows": [], "error": str(e)}
            except Exception as e:  # a bug here must not lose the other sections
                traceback.print_exc()
                sec = {"id": name, "title": name, "kind": "text", "rows": [],
                       "error": f"{type(e).__name__}: {e}"}
            if sec is None:
                continue
            used = {r["group"] for r in sec["rows"]}
            sec["groups"] = {n: {"rounds": g.rounds(), "seconds": round(g.seconds, 1),
                                 "errors": g.errors}
                             for n, g in ctx.groups.items() if n in used}
            sec["findings"] = sections.findings(sec)
            failed |= bool(sec.get("error")) or any(g["errors"] for g in sec["groups"].values())
            done.append(sec)
    finally:
        ctx.scratch.cleanup()
    results = {
        "machine": machine,
        "loadavg_end": os.getloadavg(),
        "commit": benchenv.git_commit(),
        "tools": tools(cfg),
        "config": {"quick": cfg.quick, "rounds": cfg.rounds, "seed": cfg.seed,
                   "events": cfg.events, "files": cfg.files, "spawns": cfg.spawns,
                   "build": cfg.build},
        "bootstrap": harness.BOOTSTRAP,
        "seconds": time.perf_counter() - t0,
        "sections": done,
    }
    os.makedirs(os.path.join(cfg.build, "bench"), exist_ok=True)
    results_path = os.path.join(cfg.build, "bench", "results.json")
    with open(results_path, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)
    plotted = write_outputs(cfg, results, results_path)
    return 1 if failed or not plotted else 0


if __name__ == "__main__":
    sys.exit(main())
