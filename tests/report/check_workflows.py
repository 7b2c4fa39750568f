#!/usr/bin/env python3
"""Static checks of .github/workflows/*.yml and .gitlab-ci.yml (Debian has no actionlint).

Parses them with PyYAML and checks what GitHub's workflow schema requires and what breaks a
run silently: `on` present; every job has `runs-on` (or `uses`) and non-empty steps, each
step exactly one of `uses`/`run`; `needs` name existing jobs (and no cycle); every
`${{ matrix.X }}` is a key of that job's matrix; every `steps.ID` is a step id of that job.
With the lmharness binary given, every `lmharness SUBCOMMAND --option` the files run must be
an option that SUBCOMMAND's --help lists. GitLab: every job's stage is declared and it has a
script. Exit 0 when all hold, 1 otherwise (77: PyYAML missing).

usage: check_workflows.py SOURCE_DIR [LMHARNESS]
"""
import glob
import os
import re
import subprocess
import sys

try:
    import yaml
except ImportError:
    print("python3-yaml not installed: skipped")
    sys.exit(77)

errors = []


def err(where, what):
    errors.append(f"{where}: {what}")


def strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from strings(k)
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)


def check_cli(where, texts, lmh, help_cache):
    """Every `build/lmharness CMD --opt` or `$LMH_BUILD CMD --opt` names an option CMD accepts."""
    for text in texts:
        text = text.replace("\\\n", " ")
        for m in re.finditer(r"(?:build/lmharness|\$LMH_BUILD)\s+([a-z]+)([^\n;|&]*)", text):
            cmd, rest = m.group(1), m.group(2)
            if cmd not in help_cache:
                r = subprocess.run([lmh, cmd, "--help"], capture_output=True, text=True)
                help_cache[cmd] = r.stdout if r.returncode == 0 else None
            if help_cache[cmd] is None:
                err(where, f"lmharness has no subcommand '{cmd}'")
                continue
            for opt in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", rest):
                if not re.search(r"(?<![\w-])" + re.escape(opt) + r"(?![\w-])", help_cache[cmd]):
                    err(where, f"'lmharness {cmd}' has no option {opt}")


def check_github(path, lmh, help_cache):
    with open(path) as f:
        wf = yaml.safe_load(f)
    if not isinstance(wf, dict):
        return err(path, "not a mapping")
    # YAML 1.1 reads the key `on` as the boolean true.
    if "on" not in wf and True not in wf:
        err(path, "no 'on' trigger")
    jobs = wf.get("jobs")
    if not isinstance(jobs, dict) or not jobs:
        return err(path, "no jobs")
    for jid, job in jobs.items():
        where = f"{path}: jobs.{jid}"
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", jid):
            err(where, "job id must start with a letter or _ and hold only letters, digits, - and _")
        if not isinstance(job, dict):
            err(where, "not a mapping")
            continue
        if "uses" not in job and "runs-on" not in job:
            err(where, "no runs-on")
        needs = job.get("needs", [])
        for n in [needs] if isinstance(needs, str) else needs:
            if n not in jobs:
                err(where, f"needs unknown job '{n}'")
        steps = job.get("steps", [])
        if "uses" not in job and (not isinstance(steps, list) or not steps):
            err(where, "no steps")
        ids = set()
        for i, st in enumerate(steps if isinstance(steps, list) else []):
            if not isinstance(st, dict) or (("uses" in st) == ("run" in st)):
                err(f"{where}.steps[{i}]", "needs exactly one of 'uses' and 'run'")
            if isinstance(st, dict) and "id" in st:
                ids.add(st["id"])
            if isinstance(st, dict) and "uses" in st and not re.fullmatch(r"[\w.-]+/[\w./-]+@[\w.-]+|\./.+|docker://.+", st["uses"]):
                err(f"{where}.steps[{i}]", f"'uses: {st['uses']}' is not owner/repo@ref")
        matrix = (job.get("strategy") or {}).get("matrix") or {}
        for text in strings(job):
            for key in re.findall(r"\$\{\{\s*matrix\.([\w-]+)", text):
                if key not in matrix:
                    err(where, f"uses matrix.{key}, not a key of its matrix")
            for sid in re.findall(r"\$\{\{\s*steps\.([\w-]+)", text):
                if sid not in ids:
                    err(where, f"refers to steps.{sid}, no step has that id")
    # needs must not loop.
    state = {}

    def visit(j):
        if state.get(j) == 1:
            err(path, f"needs cycle through '{j}'")
            return
        if state.get(j) == 2:
            return
        state[j] = 1
        needs = jobs[j].get("needs", []) if isinstance(jobs[j], dict) else []
        for n in [needs] if isinstance(needs, str) else needs:
            if n in jobs:
                visit(n)
        state[j] = 2

    for j in jobs:
        visit(j)
    if lmh:
        check_cli(path, list(strings(jobs)), lmh, help_cache)


def check_gitlab(path, lmh, help_cache):
    with open(path) as f:
        ci = yaml.safe_load(f)
    stages = ci.get("stages", ["build", "test", "deploy"])
    reserved = {"image", "stages", "default", "variables", "include", "workflow", "services", "cache", "before_script",
                "after_script"}
    jobs = {k: v for k, v in ci.items() if k not in reserved and not k.startswith(".")}
    if not jobs:
        err(path, "no jobs")
    for jid, job in jobs.items():
        if not isinstance(job, dict) or "script" not in job:
            err(f"{path}: {jid}", "no script")
            continue
        if job.get("stage", "test") not in stages:
            err(f"{path}: {jid}", f"stage '{job.get('stage')}' is not in stages")
    if lmh:
        check_cli(path, list(strings(jobs)), lmh, help_cache)


BROKEN = """
name: broken
jobs:
  a:
    steps:
      - run: echo ${{ matrix.shard }}
      - uses: actions/checkout@v4
        run: echo both
  b:
    runs-on: ubuntu-latest
    needs: [a, missing]
    strategy: {matrix: {os: [x]}}
    steps:
      - run: build/lmharness compare --no-such-option x.json
"""


def self_test(lmh):
    """The checker must catch what it claims to: a workflow with one of each mistake."""
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "broken.yml")
        with open(p, "w") as f:
            f.write(BROKEN)
        check_github(p, lmh, {})
    found = list(errors)
    errors.clear()
    wanted = ["no 'on' trigger", "no runs-on", "matrix.shard", "exactly one of", "unknown job 'missing'"]
    if lmh:
        wanted.append("no option --no-such-option")
    missing = [w for w in wanted if not any(w in e for e in found)]
    for w in missing:
        print(f"FAIL self-test: the checker missed '{w}' in a broken workflow")
    return not missing


def main():
    src = sys.argv[1]
    lmh = sys.argv[2] if len(sys.argv) > 2 else None
    help_cache = {}
    if not self_test(lmh):
        return 1
    workflows = sorted(glob.glob(os.path.join(src, ".github", "workflows", "*.yml")))
    if not workflows:
        err(src, "no .github/workflows/*.yml")
    for w in workflows:
        check_github(w, lmh, help_cache)
    gl = os.path.join(src, ".gitlab-ci.yml")
    if os.path.exists(gl):
        check_gitlab(gl, lmh, help_cache)
    for e in errors:
        print("FAIL " + e)
    print(f"{len(workflows) + os.path.exists(gl)} workflow file(s) checked: {'ok' if not errors else f'{len(errors)} problem(s)'}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
