# SPDX-License-Identifier: MIT
"""The measuring part of fnguard's benchmarks: runs, rounds, statistics.

A group is one experiment: several modes (bare, bare again, record, enforce,
a peer tool ...) of the same workload. Each round runs every mode once, in a
random order drawn afresh for the round, so that drift of the machine
(another job starting, a frequency change, the page cache filling) falls on
all modes alike. A mode's run yields a Sample: CPU time (user+sys of the
process and every child it reaped, from wait4) and wall time; for the
per-call benchmark the program reports nanoseconds per call itself.

Rows compare two modes of a group: the ratio of their medians, with a
bootstrap 95% interval from resampling whole rounds (the two runs of a round
stay paired), and the difference of the medians with its interval.
"""
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time

BOOTSTRAP = 2000


class BenchError(Exception):
    """A mode could not be measured (it failed, or did not do what it should)."""


class Sample:
    __slots__ = ("cpu", "wall")

    def __init__(self, cpu, wall):
        self.cpu = cpu
        self.wall = wall


def run(argv, env, cwd=None, stdin=subprocess.DEVNULL, stdout=None, stderr=None,
        pass_fds=(), timeout=600):
    """Runs argv to its end; returns (Sample in seconds, exit status).

    CPU time comes from wait4 on the child: its own and that of every
    descendant it waited for (a shell's commands, a tracer's tracee)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=stdin, stdout=stdout,
                            stderr=stderr, pass_fds=pass_fds, start_new_session=True)
    return wait(proc, t0, timeout)


def wait(proc, t0, timeout):
    """Reaps proc with wait4, killing its process group after timeout seconds."""
    killed = []

    def kill():
        killed.append(True)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        _, status, ru = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if killed:
        raise BenchError(f"{proc.args[0]}: still running after {timeout:.0f} s, killed")
    return Sample(ru.ru_utime + ru.ru_stime, wall), proc.returncode


class Mode:
    """One way of running a group's workload.

    measure(): runs it once and returns a Sample, or raises BenchError.
    check(): called after the warm-up run; raises BenchError when the run
    did not do what the benchmark assumes (a violation in enforce mode, a
    missing result); what it returns is kept in the group's info."""

    def __init__(self, name, label, measure, check=None):
        self.name = name
        self.label = label
        self.measure = measure
        self.check = check


class Group:
    """The samples of one interleaved experiment, by mode name, in round order."""

    def __init__(self, name, modes):
        self.name = name
        self.modes = {m.name: m for m in modes}
        self.samples = {m.name: [] for m in modes}
        self.info = {}
        self.errors = {}
        self.seconds = 0.0

    def rounds(self, *names):
        """Complete rounds of the named modes (of all modes if none named)."""
        return min((len(self.samples[n]) for n in names or self.samples), default=0)


def interleave(name, modes, rounds, rng, log=sys.stderr):
    """Measures every mode once per round, in a new random order each round,
    after an untimed warm-up run of the first mode and of every mode with a
    check (which is then checked). A mode that fails is reported in the
    group's errors and left out of the later rounds; the others go on."""
    group = Group(name, modes)
    t0 = shown = time.perf_counter()
    runs = 0
    live = list(modes)

    def attempt(m, fn):
        try:
            return fn()
        except BenchError as e:
            group.errors[m.name] = str(e)
            live.remove(m)
            print(f"bench: {name}: {m.label}: FAILED: {e}", file=log, flush=True)
            return None

    # The warm-up: the first mode (caches) and every mode whose run must be
    # checked; each timed run is still checked for its exit status.
    for i, m in enumerate(modes):
        if m.check or i == 0:
            runs += 1
            if attempt(m, m.measure) is None:
                continue
        if m.check:
            info = attempt(m, m.check)
            if info is not None:
                group.info[m.name] = info
    for r in range(rounds):
        order = list(live)
        rng.shuffle(order)
        for m in order:
            runs += 1
            sample = attempt(m, m.measure)
            if sample is not None:
                group.samples[m.name].append(sample)
        now = time.perf_counter()
        if now - shown > 10 or r + 1 == rounds:
            print(f"bench: {name}: round {r + 1}/{rounds} ({now - t0:.0f} s)", file=log,
                  flush=True)
            shown = now
    group.seconds = time.perf_counter() - t0
    print(f"bench: {name}: {group.seconds:.0f} s, {group.seconds / max(runs, 1):.2f} s per run",
          file=log, flush=True)
    return group


def _median_of(values, idx):
    return statistics.median([values[i] for i in idx])


def compare(group, base, mode, key, rng, scale=1.0):
    """Medians of base and mode, their ratio and difference, each with a
    bootstrap 95% interval over rounds. key: 'cpu' or 'wall'."""
    a = [getattr(s, key) * scale for s in group.samples[base]]
    b = [getattr(s, key) * scale for s in group.samples[mode]]
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    ma, mb = statistics.median(a), statistics.median(b)
    ratios, diffs = [], []
    for _ in range(BOOTSTRAP):
        idx = [rng.randrange(n) for _ in range(n)]
        ra, rb = _median_of(a, idx), _median_of(b, idx)
        ratios.append(rb / ra if ra else float("inf"))
        diffs.append(rb - ra)
    ratios.sort()
    diffs.sort()
    lo, hi = int(0.025 * BOOTSTRAP), int(0.975 * BOOTSTRAP) - 1
    return {
        "n": n,
        "base": ma,
        "mode": mb,
        "ratio": mb / ma if ma else float("inf"),
        "ratio_ci": [ratios[lo], ratios[hi]],
        "added": mb - ma,
        "added_ci": [diffs[lo], diffs[hi]],
    }


class Target:
    """What a row must show. kind: ratio_max (ratio <= value), ratio_min
    (ratio >= value), added_max (added <= value, in the row's unit),
    control (the interval contains 1.00). Several targets on one row must
    all hold."""

    def __init__(self, kind, value=None, text=None):
        self.kind = kind
        self.value = value
        if text is None:
            if kind == "ratio_max":
                text = f"≤ {value:.2f}x"
            elif kind == "ratio_min":
                text = f"≥ {value:.0f}x"
            elif kind == "added_max":
                text = f"< {value:g}"
            else:
                text = "1.00 in CI"
        self.text = text

    def verdict(self, cmp):
        if self.kind == "control":
            lo, hi = cmp["ratio_ci"]
            return "met" if lo <= 1.0 <= hi else "missed"
        if self.kind in ("ratio_max", "ratio_min"):
            lo, hi = cmp["ratio_ci"]
        else:
            lo, hi = cmp["added_ci"]
        if self.kind == "ratio_min":
            return "met" if lo >= self.value else "missed" if hi < self.value else "inconclusive"
        return "met" if hi <= self.value else "missed" if lo > self.value else "inconclusive"


def verdict(targets, cmp):
    """One verdict for several targets: missed if any is, met if all are."""
    if not targets:
        return "no target"
    vs = [t.verdict(cmp) for t in targets]
    if "missed" in vs:
        return "missed"
    if all(v == "met" for v in vs):
        return "met"
    return "inconclusive"


def new_rng(seed):
    return random.Random(seed)
