#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP tests of the benchmark harness (tests/bench/harness.py): the verdict
rules, the bootstrap intervals, the interleaving, and that CPU time of
descendants is counted. The numbers in docs/bench.md are only as good as
these."""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BenchError, Mode, Sample, Target  # noqa: E402

results = []


def check(ok, what):
    results.append((bool(ok), what))


def group_of(base, other):
    g = harness.Group("t", [Mode("a", "a", None), Mode("b", "b", None)])
    g.samples["a"] = [Sample(x, x) for x in base]
    g.samples["b"] = [Sample(x, x) for x in other]
    return g


def test_verdicts():
    cmp = {"ratio_ci": [1.01, 1.02], "added_ci": [10, 20]}
    check(Target("ratio_max", 1.03).verdict(cmp) == "met", "ratio below the target: met")
    check(Target("ratio_max", 1.015).verdict(cmp) == "inconclusive",
          "interval straddling the target: inconclusive")
    check(Target("ratio_max", 1.0).verdict(cmp) == "missed", "ratio above the target: missed")
    check(Target("ratio_min", 1.0).verdict(cmp) == "met", "ratio_min below the interval: met")
    check(Target("ratio_min", 10).verdict(cmp) == "missed", "ratio_min above it: missed")
    check(Target("added_max", 50).verdict(cmp) == "met", "added below the target: met")
    check(Target("added_max", 15).verdict(cmp) == "inconclusive", "added straddling: inconclusive")
    check(Target("control").verdict(cmp) == "missed", "control interval without 1.00: missed")
    check(Target("control").verdict({"ratio_ci": [0.98, 1.03]}) == "met",
          "control interval with 1.00: met")
    both = [Target("ratio_max", 1.03), Target("added_max", 15)]
    check(harness.verdict(both, cmp) == "inconclusive", "met + inconclusive: inconclusive")
    both = [Target("ratio_max", 1.0), Target("added_max", 50)]
    check(harness.verdict(both, cmp) == "missed", "met + missed: missed")
    check(harness.verdict([], cmp) == "no target", "no target")


def test_compare():
    rng = random.Random(1)
    c = harness.compare(group_of([100] * 10, [110] * 10), "a", "b", "cpu", rng)
    check(abs(c["ratio"] - 1.1) < 1e-9 and c["ratio_ci"] == [c["ratio"], c["ratio"]],
          "constant samples: ratio 1.10, degenerate interval")
    check(abs(c["added"] - 10) < 1e-9, "added is the difference of the medians")
    # Both modes share a strong per-round drift: pairing by round keeps the
    # interval of the ratio narrow although each mode alone varies 2x.
    drift = [1 + (i % 5) * 0.25 for i in range(20)]
    c = harness.compare(group_of([100 * d for d in drift], [105 * d for d in drift]),
                        "a", "b", "cpu", rng)
    check(c["ratio_ci"][0] > 1.0 and c["ratio_ci"][1] < 1.11,
          f"paired drift: ratio interval {c['ratio_ci']} excludes 1 and stays near 1.05")
    noise = random.Random(2)
    base = [100 + noise.gauss(0, 5) for _ in range(30)]
    other = [100 + noise.gauss(0, 5) for _ in range(30)]
    c = harness.compare(group_of(base, other), "a", "b", "cpu", rng)
    check(c["ratio_ci"][0] < 1.0 < c["ratio_ci"][1],
          f"same distribution: interval {c['ratio_ci']} contains 1.00")
    c = harness.compare(group_of([1, 2, 3], [2, 4, 6, 8]), "a", "b", "wall", rng)
    check(c["n"] == 3, "unequal lengths: compared over the common rounds")


def test_interleave():
    seen = []

    def mode(name, fail_at=None):
        calls = []

        def measure():
            calls.append(1)
            if fail_at is not None and len(calls) >= fail_at:
                raise BenchError(f"{name} broke")
            seen.append(name)
            return Sample(1.0, 1.0)
        return Mode(name, name, measure)

    modes = [mode("a"), mode("b"), mode("c"), mode("d")]
    g = harness.interleave("t", modes, 12, random.Random(3), log=open(os.devnull, "w"))
    rounds = [tuple(seen[1 + 4 * i:5 + 4 * i]) for i in range(12)]
    check(all(sorted(r) == ["a", "b", "c", "d"] for r in rounds),
          "every round runs every mode once")
    check(len(set(rounds)) > 3, f"orders differ between rounds ({len(set(rounds))} distinct)")
    check(g.rounds() == 12, "12 rounds recorded")
    seen.clear()
    modes = [mode("a"), mode("b", fail_at=3), mode("c")]
    g = harness.interleave("t", modes, 5, random.Random(4), log=open(os.devnull, "w"))
    check("b" in g.errors and "a" not in g.errors, "a failing mode is reported")
    check(g.rounds("a", "c") == 5 and len(g.samples["b"]) == 2,
          "the other modes go on; the failed one keeps its earlier rounds")


def test_run_counts_descendants():
    burn = "i = 0\nwhile i < 3000000: i += 1\n"
    sample, rc = harness.run([sys.executable, "-c", burn], os.environ)
    direct = sample.cpu
    check(rc == 0 and direct > 0.02, f"a busy child's CPU time is measured ({direct:.3f} s)")
    sample, rc = harness.run(["/bin/sh", "-c", f'"{sys.executable}" -c "$0"', burn], os.environ)
    check(rc == 0 and sample.cpu > 0.5 * direct,
          f"a grandchild's CPU time is counted ({sample.cpu:.3f} s)")
    _, rc = harness.run(["/bin/sh", "-c", "exit 3"], os.environ)
    check(rc == 3, "the exit status is returned")
    try:
        harness.run(["/bin/sh", "-c", "sleep 5"], os.environ, timeout=0.3)
        check(False, "a run over its time limit is killed")
    except BenchError:
        check(True, "a run over its time limit is killed")


def main():
    for t in (test_verdicts, test_compare, test_interleave, test_run_counts_descendants):
        try:
            t()
        except Exception as e:  # a crash is a failure, not a skipped test
            results.append((False, f"{t.__name__}: {type(e).__name__}: {e}"))
    print(f"1..{len(results)}")
    for i, (ok, what) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {what}")
    return 0 if all(ok for ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
