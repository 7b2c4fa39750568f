#!/usr/bin/python3
"""Plots lmharness benchmark results (Debian's python3-matplotlib, headless Agg backend).

  plot-results.py RESULTS.json [--out DIR]
      One PNG per workload: grouped bars of median decode and prefill tokens/s for each
      kernel set x thread count, error bars from min to max of the samples.
  plot-results.py --history HISTORY.json --out FILE.png
      A metric across commits, one line per configuration, from `lmharness history --json`:
      median with its 95% confidence interval, step changes marked.
"""
import argparse
import json
import os
import statistics
import sys

import matplotlib

matplotlib.use("Agg")  # no display on CI or servers
import matplotlib.pyplot as plt  # noqa: E402


def fail(msg):
    print(f"plot-results: error: {msg}", file=sys.stderr)
    sys.exit(2)


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except OSError as e:
        fail(f"{path}: {e.strerror}")
    except json.JSONDecodeError as e:
        fail(f"{path}: invalid JSON at line {e.lineno}")


def plot_results(results, path, out_dir):
    records = results.get("records")
    if not isinstance(records, list) or not records:
        fail(f"{path}: no records")
    os.makedirs(out_dir, exist_ok=True)
    prov = results.get("provenance", {})
    subtitle = " ".join(x for x in (str(prov.get("git_commit", ""))[:10], prov.get("cpu_model", ""), prov.get("date", "")) if x)
    by_workload = {}
    for r in records:
        by_workload.setdefault(r["workload"], []).append(r)
    written = []
    for workload, recs in sorted(by_workload.items()):
        recs.sort(key=lambda r: (r["case"], r["kernels"], r["threads"]))
        labels = [f'{r["kernels"]}\n{r["threads"]}t' + ("" if r["case"] == "generate" else f'\n{r["case"]}') for r in recs]
        series = [("decode_tokens_per_second", "decode", "tab:blue"), ("prefill_tokens_per_second", "prefill", "tab:orange")]
        fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(recs) + 2), 4.5))
        width = 0.38
        for k, (metric, name, color) in enumerate(series):
            meds, lo, hi, xs = [], [], [], []
            for i, r in enumerate(recs):
                s = r.get("samples", {}).get(metric)
                if not s:
                    continue
                m = statistics.median(s)
                xs.append(i + (k - 0.5) * width)
                meds.append(m)
                lo.append(m - min(s))
                hi.append(max(s) - m)
            if xs:
                ax.bar(xs, meds, width, yerr=[lo, hi], capsize=3, label=f"{name} (median, min-max)", color=color)
        ax.set_xticks(range(len(recs)))
        ax.set_xticklabels(labels, fontsize=8)
        ax.set_ylabel("tokens/s")
        ax.set_title(f"{workload}: tokens/s by kernel set x threads\n{subtitle}", fontsize=10)
        ax.legend(fontsize=8)
        ax.grid(axis="y", alpha=0.3)
        fig.tight_layout()
        out = os.path.join(out_dir, f"{workload}.png")
        fig.savefig(out, dpi=110)
        plt.close(fig)
        written.append(out)
    for w in written:
        print(w)


def plot_history(hist, path, out):
    series = hist.get("series")
    if not isinstance(series, list) or not series:
        fail(f"{path}: no series (is it the output of `lmharness history --json`?)")
    commits = []  # x axis: every commit in order of first appearance across series
    for s in series:
        for r in s["rows"]:
            if r["commit"] not in commits:
                commits.append(r["commit"])
    x_of = {c: i for i, c in enumerate(commits)}
    fig, ax = plt.subplots(figsize=(max(6, 0.7 * len(commits) + 3), 4.5))
    for s in series:
        rows = s["rows"]
        xs = [x_of[r["commit"]] for r in rows]
        med = [r["median"] for r in rows]
        err = [[r["median"] - r["ci_low"] for r in rows], [r["ci_high"] - r["median"] for r in rows]]
        label = f'{s["workload"]} {s["case"]} {s["kernels"]} {s["threads"]}t'
        line = ax.errorbar(xs, med, yerr=err, marker="o", capsize=3, label=label)
        steps = [(x, m) for x, m, r in zip(xs, med, rows) if r.get("step")]
        if steps:
            ax.scatter([p[0] for p in steps], [p[1] for p in steps], s=160, facecolors="none",
                       edgecolors=line[0].get_color(), linewidths=2)
    ax.set_xticks(range(len(commits)))
    ax.set_xticklabels(commits, rotation=45, ha="right", fontsize=8)
    unit = hist.get("unit") or ""
    better = "higher is better" if hist.get("higher_is_better", True) else "lower is better"
    ax.set_ylabel(f'{hist.get("metric", "")} {("(" + unit + ")") if unit else ""}')
    ax.set_title(f'{hist.get("metric", "")} across commits ({better})\nbars: 95% CI of the median; circled: step change',
                 fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)  # no output: `lmharness history --plot --json` keeps stdout for the JSON


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", nargs="?", help="results file from `lmharness bench`")
    ap.add_argument("--history", help="JSON from `lmharness history --json`")
    ap.add_argument("--out", help="output folder (results) or PNG file (--history)")
    a = ap.parse_args()
    if a.history:
        if a.results or not a.out:
            fail("use --history HISTORY.json --out FILE.png")
        plot_history(load(a.history), a.history, a.out)
    elif a.results:
        plot_results(load(a.results), a.results, a.out or "results/plots")
    else:
        fail("give RESULTS.json, or --history HISTORY.json --out FILE.png")


if __name__ == "__main__":
    main()
