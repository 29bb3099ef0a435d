# SPDX-License-Identifier: MIT
"""docs/bench.md from the results of a run (the dictionary tools/bench.py
also saves as JSON for the plot)."""

VERDICT = {"met": "met", "missed": "**missed**", "inconclusive": "inconclusive",
           "no target": "—", "error": "**error**"}


def _ci(lo, hi, fmt):
    return f"[{fmt.format(lo)}, {fmt.format(hi)}]"


def _ratio(c):
    return f"{c['ratio']:.3f} {_ci(*c['ratio_ci'], '{:.3f}')}"


def _added(c, fmt):
    return f"{fmt.format(c['added'])} {_ci(*c['added_ci'], fmt)}"


class Notes:
    """Numbered notes under a table, each text once."""

    def __init__(self):
        self.texts = []

    def ref(self, text):
        if not text:
            return ""
        if text not in self.texts:
            self.texts.append(text)
        return f" ({self.texts.index(text) + 1})"

    def lines(self):
        return [f"{i + 1}. {t}" for i, t in enumerate(self.texts)]


def _percall_table(sec, notes):
    out = ["| call | path | profile | bare ns | fnguard ns | added ns [95% CI] | ratio [95% CI] "
           "| wall added ns | target | verdict |",
           "|---|---|---|---:|---:|---:|---:|---:|---|---|"]
    for r in sec["rows"]:
        c = r["cols"]
        head = f"| {c['call']} | {c['path']} | {c['profile']} "
        if r["verdict"] == "error":
            out.append(head + f"| | | error: {r['error'][:200]} | | | "
                       f"{', '.join(r['targets'])} | **error** |")
            continue
        cpu, wall = r["cpu"], r["wall"]
        out.append(head + f"| {cpu['base']:.1f} | {cpu['mode']:.1f} | "
                   f"{_added(cpu, '{:+.1f}')} | {_ratio(cpu)} | {wall['added']:+.1f} | "
                   f"{', '.join(r['targets']) or '—'} | {VERDICT[r['verdict']]}"
                   f"{notes.ref(r.get('note'))} |")
    return out


def _process_table(sec, notes):
    init = any(r["cols"].get("init") is not None for r in sec["rows"])
    out = ["| workload | mode | baseline CPU ms | CPU ms | CPU ratio [95% CI] | added CPU ms "
           "[95% CI] | wall ratio [95% CI] |" + (" shim init µs |" if init else "") +
           " target | verdict |",
           "|---|---|---:|---:|---:|---:|---:|" + ("---:|" if init else "") + "---|---|"]
    for r in sec["rows"]:
        c = r["cols"]
        head = f"| {c['workload']} | {c['mode']} "
        if r["verdict"] == "error":
            out.append(head + f"| | | error: {r['error'][:200]} | | |" + (" |" if init else "") +
                       f" {', '.join(r['targets'])} | **error** |")
            continue
        cpu, wall = r["cpu"], r["wall"]
        fmt = "{:+.2f}" if abs(cpu["added"]) < 100 else "{:+.0f}"
        micros = c.get("init")
        out.append(head + f"| {cpu['base']:.2f} | {cpu['mode']:.2f} | {_ratio(cpu)} | "
                   f"{_added(cpu, fmt)} | {_ratio(wall)} | " +
                   (f"{micros if micros is not None else ''} | " if init else "") +
                   f"{', '.join(r['targets']) or '—'} | {VERDICT[r['verdict']]}"
                   f"{notes.ref(r.get('note'))} |")
    return out


def _summary(results):
    counts = {}
    for sec in results["sections"]:
        for r in sec.get("rows", []):
            if r["targets"] or r["verdict"] == "error":
                counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    return ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "no targets"


def markdown(results):
    m = results["machine"]
    cfg = results["config"]
    out = ["# Benchmarks", ""]
    if cfg["quick"]:
        out += ["> **QUICK MODE (`FNGUARD_BENCH_QUICK=1`): a smoke test with few rounds and "
                "small workloads. These numbers are not measurements; run `./tools/bench.sh` "
                "on a quiet machine for the real ones.**", ""]
    out += [
        f"Measured by `tools/bench.sh` on {m['date']}: {m['cpu']}, {m['cores']} cores, "
        f"{m['memory']}, {m['os']}, kernel {m['kernel']} (host `{m['host']}`). fnguard "
        f"{results.get('commit') or '(commit unknown)'}; load average "
        f"{m['loadavg'][0]:.2f} at the start, {results['loadavg_end'][0]:.2f} at the end. "
        f"The whole run took {results['seconds'] / 60:.1f} minutes.",
        "",
        "Tools: " + "; ".join(f"{k} {v}" for k, v in results["tools"].items() if v) + ".",
        "",
        f"**Targets: {_summary(results)}.**",
        "",
        "## Method",
        "",
        "- Every figure is a ratio (or a difference) of medians of runs made side by side "
        "in this one run, never a time compared across runs.",
        f"- A *group* is one workload in several modes (bare, bare again, record, alert, "
        f"enforce, a peer tool ...). Each round runs every mode of the group once, **in a "
        f"random order drawn for that round** (seed {cfg['seed']}), so that drift of the "
        f"machine falls on all modes alike. Heavy groups run {cfg['rounds']} rounds, "
        f"per-call groups {2 * cfg['rounds']}, start-up groups {10 * cfg['rounds']}, after "
        "an untimed warm-up run of the bare mode and of every fnguard mode.",
        "- The warm-up run of every fnguard mode is checked: its log must show fnguard "
        "started in that mode (with the seccomp filter where the profile lists syscalls) "
        "and no violation or error event, and every run must exit 0 and print what the "
        "workload prints bare. A benchmark that blocks something measures something else.",
        "- **Headline: CPU time** (user + system) of the process and every descendant it "
        "waited for (`wait4`), which the other jobs on the machine disturb far less than "
        "wall time; wall time is beside it. For per-call rows the program measures its own "
        "CPU time per call (`CLOCK_PROCESS_CPUTIME_ID`) around the loop only.",
        f"- **95% intervals**: bootstrap ({results['bootstrap']} resamples) of whole rounds, "
        "so that the two runs of a round stay paired; percentile interval of the ratio of "
        "medians and of their difference.",
        "- **Control rows** (bare vs bare, or the same configuration twice) must read 1.00: "
        "their interval shows the noise floor of the section. A control row whose interval "
        "misses 1.00 means the machine was not quiet enough for that section.",
        "- **Verdicts**: *met* when the whole interval is within the target, *missed* when "
        "the whole interval is outside, *inconclusive* when the interval straddles it. "
        "Targets from issue 8; rows without one are there to explain the others.",
        "- **Running it**: `./tools/bench.sh` (installs the peer tools with `tools/deps.sh "
        "--bench`, builds `build/`, runs everything; about 20 to 30 minutes, and it wants a "
        "quiet machine). `FNGUARD_BENCH_QUICK=1 ./tools/bench.sh` is a smoke test of about "
        "5 minutes (3 rounds, small workloads). `FNGUARD_BENCH_ONLY=percall,startup,...`, "
        "`FNGUARD_BENCH_ROUNDS`, `FNGUARD_BENCH_SEED`: `tests/bench/benchenv.py`. The "
        "results of the last run, with every interval, are in `build/bench/results.json`.",
        "",
    ]
    for sec in results["sections"]:
        out += [f"## {sec['title']}", ""]
        if sec.get("error"):
            out += [f"**This section failed:** {sec['error']}", ""]
            continue
        if sec.get("intro"):
            out += [sec["intro"], ""]
        notes = Notes()
        if sec["kind"] == "percall":
            out += _percall_table(sec, notes)
        elif sec["kind"] == "process":
            out += _process_table(sec, notes)
        else:
            out.append(sec.get("text", ""))
        out.append("")
        if notes.texts:
            out += notes.lines() + [""]
        failed = [f"- *{name}*, {mode}: {err}" for name, g in sec.get("groups", {}).items()
                  for mode, err in g.get("errors", {}).items()]
        if failed:
            out += ["**Modes that failed** (their rows read *error*):", ""] + failed + [""]
        if sec.get("findings"):
            out += ["**Why targets are missed, and what would close them:**", ""]
            out += [f"- {f}" for f in sec["findings"]] + [""]
    out += ["## Plot", "", "![ratios with 95% intervals](bench.png)", "",
            "CPU-time ratios of every row with its bootstrap 95% interval (log scale); the "
            "target where there is one.", ""]
    return "\n".join(out)
