#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""plot.py RESULTS.json OUT.png: the CPU-time ratio of every benchmark row
with its bootstrap 95% interval, one panel per section, coloured by verdict,
with the target marked. Needs matplotlib (tools/bench.py runs it with
/usr/bin/python3 when its own interpreter lacks it)."""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

COLOURS = {"met": "#2e7d32", "missed": "#c62828", "inconclusive": "#ef8f00",
           "no target": "#607d8b", "error": "#000000"}


def label(sec, r):
    c = r["cols"]
    if sec["kind"] == "percall":
        text = f"{c['call']}, {c['path']}, {c['profile'].split(' ')[0]}"
    else:
        text = f"{c['workload']}: {c['mode']}"
    text = text.replace("`", "")
    return text if len(text) <= 95 else text[:92] + "..."


def target_ratio(r):
    """The ratio a target stands for, when it is one (added-time targets are not)."""
    for t in r["targets"]:
        if t.startswith("≤") or t.startswith("≥"):
            return float(t[1:].strip().rstrip("x"))
        if t == "1.00 in CI":
            return 1.0
    return None


def main(argv):
    if len(argv) != 3:
        print("usage: plot.py RESULTS.json OUT.png", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        results = json.load(f)
    sections = [s for s in results["sections"]
                if s.get("rows") and any("cpu" in r for r in s["rows"])]
    if not sections:
        print("plot.py: nothing to plot", file=sys.stderr)
        return 1
    heights = [max(2.0, 0.24 * len(s["rows"]) + 0.9) for s in sections]
    fig, axes = plt.subplots(len(sections), 1, figsize=(11, sum(heights)),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    for ax, sec in zip(axes[:, 0], sections):
        rows = [r for r in sec["rows"] if "cpu" in r]
        ys = list(range(len(rows)))[::-1]
        for y, r in zip(ys, rows):
            c = r["cpu"]
            lo, hi = c["ratio_ci"]
            colour = COLOURS.get(r["verdict"], "#000000")
            ax.errorbar([c["ratio"]], [y], xerr=[[c["ratio"] - lo], [hi - c["ratio"]]],
                        fmt="o", color=colour, ms=4, capsize=2, lw=1)
            t = target_ratio(r)
            if t is not None:
                ax.plot([t], [y], marker="|", color="#000000", ms=10, mew=1.5)
        ax.set_yticks(ys)
        ax.set_yticklabels([label(sec, r) for r in rows], fontsize=7)
        ax.axvline(1.0, color="#999999", lw=0.8, ls="--")
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        ax.set_title(sec["title"], fontsize=10, loc="left")
        ax.set_xlabel("CPU time ratio (to bare unless the row says otherwise)", fontsize=8)
        ax.tick_params(axis="x", which="both", labelsize=7)
        ax.grid(axis="x", which="both", color="#eeeeee", lw=0.5)
    handles = [plt.Line2D([], [], color=v, marker="o", ls="", label=k)
               for k, v in COLOURS.items() if k != "error"]
    handles.append(plt.Line2D([], [], color="#000000", marker="|", ls="", ms=10,
                              label="target"))
    fig.legend(handles=handles, loc="upper right", bbox_to_anchor=(0.99, 0.985), fontsize=8,
               ncol=5, frameon=False)
    quick = " — QUICK MODE, not measurements" if results["config"]["quick"] else ""
    fig.suptitle(f"fnguard overhead, {results['machine']['date']}{quick}", fontsize=11,
                 x=0.01, y=0.995, ha="left")
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / sum(heights)))
    fig.savefig(argv[2], dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
