#!/usr/bin/env python3
"""The HTML report rendered by a real browser.

Makes results files whose history is known by construction (machine A: 6 commits, a 20%
decode slowdown at the 4th; machine B: 2 commits), imports them, writes the report with a
hand-made verify JSON (2 layers, one failing cell), loads the page in headless Chromium and
checks the DOM *after its scripts ran*: one section per machine, one chart per configuration
with one point per commit, exactly one step marker, the heat map cells; then takes a
screenshot. Exit 77 (ctest SKIP_RETURN_CODE) when chromium is not installed.

usage: report_browser_test.py LMHARNESS WORKDIR [SCREENSHOT.png]
"""
import html.parser
import json
import math
import os
import shutil
import subprocess
import sys

LAYER_OPS = ["attn_norm", "q", "k", "v", "attn", "o_proj", "attn_residual", "ffn_norm", "gate", "up", "swiglu", "down", "out"]


def noisy(level, n, phase):
    return [level * (1 + 0.01 * math.sin(2.39996 * i + phase)) for i in range(n)]


def provenance(machine, commit, date):
    cpu = {"A": ("AMD EPYC", "fpu sse2 avx avx2 fma f16c"),
           "B": ("Intel(R) Xeon(R) Processor", "fpu sse2 avx avx2 fma f16c avx512f avx512bw avx512vl avx512dq")}[machine]
    return {"git_commit": commit, "git_dirty": False, "date": date, "cpu_model": cpu[0], "cpu_flags": cpu[1],
            "cores": 2, "memory_bytes": 24 * 2**30, "compiler": "g++/clang 12.2.0", "build_type": "Release"}


def record(case, decode, prefill, phase):
    samples = {"prefill_tokens_per_second": noisy(prefill, 9, phase + 1), "ttft_ms": noisy(2.0, 9, phase + 2)}
    if decode:
        samples["decode_tokens_per_second"] = noisy(decode, 9, phase)
    return {"workload": "story", "case": case, "kernels": "tbb", "threads": 1, "repetitions": 9, "warmup": 1,
            "samples": samples, "tokens_hash": "abc", "token_mismatch": False, "generated_tokens": 64,
            "prompt_tokens": 6, "warnings": [], "workload_sha256": "x", "kernels_resolved": "tbb"}


def results_file(path, machine, commit, date, decode, phase):
    f = {"schema": "lmharness-bench/1", "provenance": provenance(machine, commit, date),
         "records": [record("generate", decode, 4 * 1000, phase), record("prefill256", None, 20000, phase)]}
    with open(path, "w") as out:
        json.dump(f, out)


def verify_json(path):
    tensors = []
    for layer in range(2):
        for j, op in enumerate(LAYER_OPS):
            fail = layer == 1 and op == "down"
            tensors.append({"prompt": "one", "tensor": f"layer{layer}.{op}", "accumulated_nmse": 1e-12 * (j + 1),
                            "accumulated_ok": True, "local_nmse": 1e-6 if fail else 1e-14 * (j + 1), "local_ok": not fail})
    tensors.append({"prompt": "one", "tensor": "logits", "accumulated_nmse": 1e-12, "accumulated_ok": True})
    run = {"model": "story", "kernel_spec": "naive", "threads": 1, "ok": False, "tensors": tensors,
           "budgets": {"accumulated_nmse": 1e-7, "local_nmse_reduction": 1e-9}}
    with open(path, "w") as out:
        json.dump({"runs": [run]}, out)


class Dom(html.parser.HTMLParser):
    """Counts elements by tag and class, and remembers each chart's attributes and points."""

    def __init__(self):
        super().__init__()
        self.elements = []  # (tag, attrs dict, index of the enclosing chart svg or None)
        self.chart = None
        self.depth = 0
        self.chart_depth = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = a.get("class", "").split()
        if tag == "svg" and "chart" in classes:
            self.chart = len(self.elements)
            self.chart_depth = self.depth
        self.elements.append((tag, a, self.chart))
        if tag not in ("circle", "line", "polygon", "polyline", "rect", "path", "meta", "br", "input"):
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in ("circle", "line", "polygon", "polyline", "rect", "path", "meta", "br", "input"):
            return
        self.depth -= 1
        if tag == "svg" and self.chart_depth is not None and self.depth == self.chart_depth:
            self.chart = None
            self.chart_depth = None

    def with_class(self, tag, cls):
        return [(i, e) for i, e in enumerate(self.elements) if e[0] == tag and cls in e[1].get("class", "").split()]


def main():
    lmh, work = sys.argv[1], sys.argv[2]
    shot = sys.argv[3] if len(sys.argv) > 3 else os.path.join(work, "report.png")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("chromium not installed: skipped (apt-get install chromium)")
        return 77
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    files = []
    decode_levels = [1000, 1002, 998, 800, 801, 799]  # step at the 4th commit: -20%
    for i, level in enumerate(decode_levels):
        p = os.path.join(work, f"a{i}.json")
        results_file(p, "A", f"{i:x}" * 40, f"2026-01-0{i + 1}T00:00:00Z", level, 0.5 * i)
        files.append(p)
    for i in range(2):
        p = os.path.join(work, f"b{i}.json")
        results_file(p, "B", f"b{i}" * 20, f"2026-01-0{i + 1}T12:00:00Z", 3000, 0.7 * i)
        files.append(p)
    db = os.path.join(work, "history.db")
    subprocess.run([lmh, "import", "--db", db] + files, check=True, stdout=subprocess.DEVNULL)
    verify_json(os.path.join(work, "verify.json"))
    site = os.path.join(work, "site")
    subprocess.run([lmh, "report", "--db", db, "--verify", os.path.join(work, "verify.json"), "--out", site], check=True)
    page = "file://" + os.path.abspath(os.path.join(site, "index.html"))
    browser = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
               f"--user-data-dir={os.path.join(work, 'profile')}"]
    dom_text = subprocess.run(browser + ["--dump-dom", page], check=True, capture_output=True, text=True,
                              timeout=120).stdout
    with open(os.path.join(work, "dom.html"), "w") as out:
        out.write(dom_text)
    dom = Dom()
    dom.feed(dom_text)

    failures = []

    def expect(cond, what):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            failures.append(what)

    body = [e for e in dom.elements if e[0] == "body"]
    expect(body and body[0][1].get("data-rendered") == "true", "the page's script ran to the end (body[data-rendered])")
    machines = dom.with_class("section", "machine")
    expect(len(machines) == 2, f"one section per machine: 2 (found {len(machines)})")
    charts = dom.with_class("svg", "chart")
    expect(len(charts) == 4, f"one chart per machine x configuration: 4 (found {len(charts)})")
    for idx, (_, attrs, _) in charts:
        n_points = sum(1 for e in dom.elements if e[2] == idx and e[0] == "circle" and "point" in e[1].get("class", ""))
        n_bands = sum(1 for e in dom.elements if e[2] == idx and e[0] == "polygon" and "ci-band" in e[1].get("class", ""))
        expect(n_points == int(attrs["data-points"]), f"{attrs['data-series']} {attrs['data-metric']}: {n_points} points drawn, "
               f"data-points {attrs['data-points']}")
        expect(n_bands == 1, f"{attrs['data-series']}: one 95% CI band")
    points = sorted(int(a["data-points"]) for _, (_, a, _) in charts)
    expect(points == [2, 2, 6, 6], f"points per chart = commits per machine: [2, 2, 6, 6] (found {points})")
    steps = dom.with_class("line", "step-marker")
    expect(len(steps) == 1, f"exactly one step change marked (found {len(steps)})")
    expect(steps and steps[0][1][1].get("data-commit", "").startswith("3333333333"),
           "the step is at the 4th commit (3333333333)")
    cells = dom.with_class("rect", "heat-cell")
    expect(len(cells) == 2 * 2 * len(LAYER_OPS), f"heat map: 2 maps x 2 layers x 13 ops = 52 cells (found {len(cells)})")
    fails = [c for c in cells if "heat-fail" in c[1][1].get("class", "").split()]
    expect(len(fails) == 1 and fails[0][1][1].get("data-op") == "down" and fails[0][1][1].get("data-layer") == "1",
           "exactly one failing heat-map cell: local layer 1 down")
    latest = [e for e in dom.elements if e[0] == "table" and "latest" in e[1].get("class", "").split()]
    expect(len(latest) == 2, "a latest-run table per machine")
    slower = [e for e in dom.elements if e[0] == "td" and "v-slower" in e[1].get("class", "").split()]
    expect(len(slower) == 0, "the latest commit of each machine is not slower than the one before (no 'slower' verdict)")
    compare = dom.with_class("div", "compare-view")
    expect(len(compare) == 2, "a compare view per machine")

    subprocess.run(browser + [f"--screenshot={os.path.abspath(shot)}", "--window-size=1280,1500", page], check=True,
                   capture_output=True, timeout=120)
    expect(os.path.exists(shot) and os.path.getsize(shot) > 10000, f"screenshot written: {shot}")
    print(f"{len(failures) == 0 and 'all' or len(failures)} checks {'passed' if not failures else 'FAILED'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
