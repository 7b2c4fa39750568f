#!/usr/bin/env python3
"""CI formats of lmharness checked against their formats with independent readers.

- JUnit XML (compare --junit, verify --junit) parsed back with Python's ElementTree: element
  and attribute names, the counts in the attributes against the elements actually present,
  the failing testcases and what their failure carries.
- markdown (--markdown): GitHub-flavoured tables (header, separator, same column count).
- GitHub annotations under GITHUB_ACTIONS=true.
- export: github-action-benchmark's [{name, unit, value, range, extra}] per direction, and
  Bencher Metric Format; values against medians computed here with statistics.median.
- the machine check: the committed baselines (Intel Xeon, AVX-512) against a results file of
  an AMD EPYC without AVX-512 warn, refuse with --fail-on-regression (exit 2) and compare with
  --allow-machine-mismatch; history and compare --db keep one machine unless --machine any.
- progress lines on a pipe, none with --quiet.

usage: ci_formats_test.py LMHARNESS SOURCE_DIR WORKDIR
"""
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import xml.etree.ElementTree as ET

failures = []


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def noisy(level, n, phase):
    return [level * (1 + 0.01 * math.sin(2.39996 * i + phase)) for i in range(n)]


AMD = {"cpu_model": "AMD EPYC", "cpu_flags": "fpu sse2 avx avx2 fma f16c", "cores": 2, "memory_bytes": 24 * 2**30,
       "compiler": "g++/clang 12.2.0", "build_type": "Release"}
XEON = dict(AMD, cpu_model="Intel(R) Xeon(R) Processor",
            cpu_flags="fpu sse2 avx avx2 fma f16c avx512f avx512bw avx512vl avx512dq avx512_bf16")


def results(path, machine, commit, date, decode_level, phase):
    recs = []
    for kernels in ("tbb", "naive"):
        level = decode_level if kernels == "tbb" else 500
        recs.append({"workload": "story", "case": "generate", "kernels": kernels, "threads": 1, "repetitions": 9,
                     "warmup": 1, "tokens_hash": "abc", "token_mismatch": False, "generated_tokens": 64, "prompt_tokens": 6,
                     "warnings": [], "samples": {"decode_tokens_per_second": noisy(level, 9, phase),
                                                 "prefill_tokens_per_second": noisy(4000, 9, phase + 1),
                                                 "ttft_ms": noisy(2.0, 9, phase + 2)}})
    prov = dict(machine, git_commit=commit, git_dirty=False, date=date)
    with open(path, "w") as f:
        json.dump({"schema": "lmharness-bench/1", "provenance": prov, "records": recs}, f)
    return path


def run(lmh, args, env=None):
    e = dict(os.environ)
    e.pop("GITHUB_ACTIONS", None)
    e.update(env or {})
    return subprocess.run([lmh] + args, capture_output=True, text=True, env=e)


def check_junit(path, label):
    root = ET.parse(path).getroot()
    expect(root.tag == "testsuites", f"{label}: root element is testsuites")
    total = {"tests": 0, "failures": 0, "skipped": 0}
    for suite in root:
        expect(suite.tag == "testsuite", f"{label}: children of testsuites are testsuite")
        cases = suite.findall("testcase")
        fails = [c for c in cases if c.find("failure") is not None]
        skips = [c for c in cases if c.find("skipped") is not None]
        ok = (int(suite.get("tests")) == len(cases) and int(suite.get("failures")) == len(fails) and
              int(suite.get("skipped")) == len(skips) and suite.get("errors") == "0" and suite.get("name"))
        expect(ok, f"{label}: testsuite '{suite.get('name')}' attributes match its {len(cases)} testcases")
        for c in cases:
            if not (c.get("name") and c.get("classname") and c.get("time") is not None):
                expect(False, f"{label}: testcase has name, classname, time")
            f = c.find("failure")
            if f is not None and not (f.get("message") and f.get("type")):
                expect(False, f"{label}: failure has message and type")
        props = suite.find("properties")
        if props is not None:
            expect(all(p.tag == "property" and p.get("name") and p.get("value") is not None for p in props),
                   f"{label}: properties hold property name/value")
        for k in total:
            total[k] += int(suite.get(k))
    expect(all(int(root.get(k)) == v for k, v in total.items()),
           f"{label}: testsuites totals are the sums of the suites ({total})")
    return root


def check_markdown_tables(text, label):
    lines = text.splitlines()
    tables = 0
    i = 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and re.fullmatch(r"\|(---\|)+", lines[i + 1]):
            cols = lines[i + 1].count("---")
            j = i + 2
            while j < len(lines) and lines[j].startswith("|"):
                cells = re.split(r"(?<!\\)\|", lines[j])[1:-1]
                if len(cells) != cols:
                    expect(False, f"{label}: row {j} has {len(cells)} cells, header {cols}")
                j += 1
            tables += 1
            i = j
        else:
            i += 1
    expect(tables >= 1, f"{label}: holds a GitHub-flavoured table")


def main():
    lmh, src, work = sys.argv[1], sys.argv[2], sys.argv[3]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    p = lambda n: os.path.join(work, n)

    # ---- compare: a known 20% slowdown of story/generate/tbb, same machine ----
    base = results(p("base.json"), AMD, "a" * 40, "2026-01-01T00:00:00Z", 1000, 0.0)
    slow = results(p("slow.json"), AMD, "b" * 40, "2026-01-02T00:00:00Z", 800, 0.3)
    r = run(lmh, ["compare", base, slow, "--junit", p("cmp.xml"), "--markdown", p("cmp.md"), "--fail-on-regression"])
    expect(r.returncode == 1, f"compare same machine, 20% slower: exit 1 (got {r.returncode}) {r.stderr.strip()}")
    root = check_junit(p("cmp.xml"), "compare junit")
    failed = [(s.get("name"), c.get("name")) for s in root for c in s.findall("testcase") if c.find("failure") is not None]
    expect(failed == [("compare story/generate/tbb/1", "decode_tokens_per_second")],
           f"compare junit: exactly the tbb decode metric fails (got {failed})")
    msg = [c.find("failure").get("message") for s in root for c in s.findall("testcase") if c.find("failure") is not None]
    expect(msg and msg[0].startswith("slower") and "p=" in msg[0], "compare junit: the failure says slower with p")
    n_cases = sum(len(s.findall("testcase")) for s in root)
    expect(n_cases == 1 + 2 * 4, f"compare junit: machine + 2 configurations x (3 metrics + tokens) = 9 testcases ({n_cases})")
    md = open(p("cmp.md")).read()
    check_markdown_tables(md, "compare markdown")
    expect("**slower**" in md and "different machines" not in md, "compare markdown: the slowdown is marked, no machine warning")
    r = run(lmh, ["compare", base, slow], {"GITHUB_ACTIONS": "true"})
    ann = [l for l in r.stdout.splitlines() if l.startswith("::")]
    expect(len(ann) == 1 and ann[0].startswith("::error title=regression story/generate/tbb/t1::decode_tokens_per_second"),
           f"annotations under GITHUB_ACTIONS=true: one ::error for the regression ({ann})")
    r = run(lmh, ["compare", base, slow])
    expect(not any(l.startswith("::") for l in r.stdout.splitlines()), "no annotations outside GitHub Actions")

    # ---- the machine check with the committed baselines (recorded on a Xeon with AVX-512) ----
    for w in ("story", "chat"):
        baseline = os.path.join(src, "results", f"baseline-{w}.json")
        with open(baseline) as f:
            b = json.load(f)
        recs = b["records"]
        amd = dict(AMD, git_commit="c" * 40, git_dirty=False, date="2026-02-01T00:00:00Z")
        new = p(f"amd-{w}.json")
        with open(new, "w") as f:
            json.dump({"schema": "lmharness-bench/1", "provenance": amd, "records": recs}, f)
        r = run(lmh, ["compare", baseline, new])
        expect(r.returncode == 0 and "different machines" in r.stderr and "avx512f" in r.stderr,
               f"{w}: baseline (Xeon) vs AMD: exit 0 with a machine warning naming avx512f")
        r = run(lmh, ["compare", baseline, new, "--fail-on-regression"])
        expect(r.returncode == 2 and r.stderr.count("lmharness: error:") == 1 and "--allow-machine-mismatch" in r.stderr,
               f"{w}: --fail-on-regression refuses with exit 2 and one error line (got {r.returncode})")
        r = run(lmh, ["compare", baseline, new, "--fail-on-regression", "--allow-machine-mismatch"])
        expect(r.returncode == 0, f"{w}: --allow-machine-mismatch compares (same samples: no regression, exit {r.returncode})")
    xeon = results(p("xeon.json"), XEON, "d" * 40, "2026-01-03T00:00:00Z", 2000, 0.1)
    r = run(lmh, ["compare", xeon, slow, "--junit", p("mm.xml"), "--markdown", p("mm.md")])
    mm = ET.parse(p("mm.xml")).getroot()
    machine_case = mm.find("testsuite/testcase[@name='same_machine']")
    expect(machine_case is not None and machine_case.find("failure").get("type") == "machine_mismatch",
           "compare junit: a machine mismatch is a failing same_machine testcase")
    expect("different machines" in open(p("mm.md")).read(), "compare markdown: the machine mismatch is shown")

    # ---- history and compare --db keep one machine ----
    db = p("history.db")
    hist = [results(p(f"h{i}.json"), AMD, f"{i}" * 40, f"2026-01-0{i + 1}T00:00:00Z", 1000, 0.2 * i) for i in range(4)]
    r = run(lmh, ["import", "--db", db, xeon] + hist)
    expect(r.returncode == 0, "import of 1 Xeon and 4 AMD files")
    r = run(lmh, ["history", "--db", db, "--kernels", "tbb", "--json"])
    rows = json.loads(r.stdout)["series"][0]["rows"]
    expect(len(rows) == 4 and "left out" in r.stderr, f"history: the newest record's machine only, 4 commits ({len(rows)}), "
           "and a note on what was left out")
    r = run(lmh, ["history", "--db", db, "--kernels", "tbb", "--json", "--machine", "any"])
    expect(len(json.loads(r.stdout)["series"][0]["rows"]) == 5, "history --machine any: all 5 commits")
    r = run(lmh, ["compare", "--db", db, slow, "--json", p("db.json"), "--junit", p("db.xml")])
    checks = json.load(open(p("db.json")))["checks"]
    sizes = {c["window_size"] for c in checks}
    expect(sizes == {4}, f"compare --db: windows of the 4 same-machine records only ({sizes})")
    check_junit(p("db.xml"), "compare --db junit")
    r = run(lmh, ["history", "--db", db, "--machine", "XYZ"])
    expect(r.returncode == 2 and "--machine" in r.stderr, "history --machine with a bad value: exit 2")

    # ---- export ----
    with open(base) as f:
        recs = json.load(f)["records"]
    r = run(lmh, ["export", "--format", "github-action-benchmark", base, "-o", p("gab-big.json")])
    big = json.load(open(p("gab-big.json")))
    r = run(lmh, ["export", "--format", "github-action-benchmark", "--direction", "smaller", base, "-o", p("gab-small.json")])
    small = json.load(open(p("gab-small.json")))
    expect(all(set(e) == {"name", "unit", "value", "range", "extra"} for e in big + small),
           "github-action-benchmark: every entry is exactly {name, unit, value, range, extra}")
    expect(all(isinstance(e["value"], (int, float)) and isinstance(e["range"], str) for e in big + small),
           "github-action-benchmark: value is a number, range a string")
    expect(sorted(e["unit"] for e in big) == ["tok/s"] * 4 and sorted(e["unit"] for e in small) == ["ms"] * 2,
           "directions: tok/s metrics bigger-is-better (4), ms metrics smaller-is-better (2)")
    want = statistics.median(recs[0]["samples"]["decode_tokens_per_second"])
    got = [e["value"] for e in big if e["name"] == "story/generate/tbb/1 decode_tokens_per_second"]
    expect(got and abs(got[0] - want) < 1e-9 * want, f"github-action-benchmark value is the median ({got} vs {want})")
    r = run(lmh, ["export", "--format", "bencher", base, "-o", p("bmf.json")])
    bmf = json.load(open(p("bmf.json")))
    expect(set(bmf) == {"story/generate/tbb/1", "story/generate/naive/1"}, "bencher: one benchmark per configuration")
    ok = all(set(v) == {"value", "lower_value", "upper_value"} and v["lower_value"] <= v["value"] <= v["upper_value"]
             for m in bmf.values() for v in m.values())
    expect(ok, "bencher: every measure is {value, lower_value, upper_value} with lower <= value <= upper")
    expect(abs(bmf["story/generate/tbb/1"]["decode_tokens_per_second"]["value"] - want) < 1e-9 * want,
           "bencher: value is the median")
    expect("decode_tokens_per_second: bigger" in r.stderr and "ttft_ms: smaller" in r.stderr,
           "bencher: the directions are stated for the thresholds")
    r = run(lmh, ["export", "--format", "csv", base, "-o", p("x")])
    expect(r.returncode == 2, "export --format csv: exit 2")

    # ---- verify --junit with an injected fault (needs the story model) ----
    story = os.path.join(src, "models", "story")
    if not os.path.exists(os.path.join(story, "model.safetensors")):
        story = os.path.join(src, "..", "shared", "models", "story")
    if os.path.exists(os.path.join(story, "model.safetensors")):
        r = run(lmh, ["verify", "-m", story, "--kernels", "tbb", "--threads", "1,2", "--references",
                      os.path.join(src, "verify", "references"), "--inject", "down@1:1e-3", "--junit", p("v.xml"),
                      "--markdown", p("v.md")])
        expect(r.returncode == 1, f"verify with an injected fault: exit 1 ({r.returncode})")
        lines = [l for l in r.stderr.splitlines() if l.startswith("[")]
        expect(len(lines) == 2 and re.fullmatch(r"\[1/2\] story tbb 1 thread: FAIL \u2026 \d+\.\d s", lines[0]) is not None,
               f"progress on a pipe: one plain line per configuration ({lines})")
        root = check_junit(p("v.xml"), "verify junit")
        suites = root.findall("testsuite")
        expect(len(suites) == 2 and all(len(s.findall("testcase")) == 6 for s in suites),
               "verify junit: a suite per model x set x threads, 6 checks each")
        fail = suites[0].find("testcase[@name='local_error']/failure")
        expect(fail is not None and fail.get("message").startswith("layer1.down") and "got " in fail.get("message") and
               "reference " in fail.get("message"), "verify junit: the local failure names layer1.down and both values")
        det = suites[0].find("testcase[@name='determinism']/skipped")
        expect(det is not None, "verify junit: determinism is skipped at the first thread count")
        check_markdown_tables(open(p("v.md")).read(), "verify markdown")
        r = run(lmh, ["verify", "-m", story, "--kernels", "tbb", "--threads", "1", "--references",
                      os.path.join(src, "verify", "references"), "--quiet"])
        expect(r.returncode == 0 and r.stderr == "", f"verify --quiet: no progress ({r.stderr!r})")
    else:
        print("skip verify checks: no story model")

    print(f"{'all' if not failures else len(failures)} checks {'passed' if not failures else 'FAILED'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
