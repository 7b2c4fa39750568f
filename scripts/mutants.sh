#!/usr/bin/env bash
# Mutation testing: how many realistic kernel bugs do the tests and `verify` catch, and does
# verify's first local failure name the op that holds the bug?
#
#   scripts/mutants.sh            every mutant of the catalogue (`lmharness kernels --mutants`)
#   scripts/mutants.sh --subset   a handful, for CI (a few minutes)
#   scripts/mutants.sh NAME...    the named mutants only
#
# Builds build-mutants/ once (-DLMH_MUTANTS=ON), then for each mutant that runs on this CPU:
#   1. the relevant unit tests under LMH_MUTANT=<name> (ctest: the op's kernel tests, bf16,
#      registry, and the story model tests), recording which failed;
#   2. `lmharness verify` with the kernel set that runs the mutated code (2 threads for
#      oneTBB variants, so the parallel paths run): story, then chat only if story passed
#      (what one verify of both reports first); exit 1 = caught; the first local failure is
#      read from the JSON report and checked against the mutated op.
# Prints a table and the two scores, and writes build-mutants/mutants.json.
#   detection    = mutants caught by the tests or by verify / mutants run
#   localization = verify catches whose first local failure names the mutated op / verify catches
set -euo pipefail
cd "$(dirname "$0")/.."
mode=all
names=()
for a in "$@"; do
  case "$a" in
    --subset) mode=subset ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) echo "mutants.sh: unknown option $a" >&2; exit 2 ;;
    *) mode=named; names+=("$a") ;;
  esac
done

echo "=== build-mutants/ (-DLMH_MUTANTS=ON)"
# Same flags as build.sh apart from LMH_MUTANTS (private to the kernels library), so with
# ccache every object outside kernels/ comes from the Release build (scripts/lib/compiler-cache.sh).
source scripts/lib/compiler-cache.sh
cmake -B build-mutants -DCMAKE_BUILD_TYPE=Release -DLMH_MUTANTS=ON -DLMH_BUILD_BENCH=OFF -DLMH_WERROR="$werror" \
  "${cmake_launcher[@]}" "${unity[@]}" >/dev/null
cmake --build build-mutants -j"${JOBS:-2}" --target lmharness lmh_tests >/dev/null
[ -e models/story/model.safetensors ] || scripts/fetch-models.sh

exec /usr/bin/python3 - "$mode" "${names[@]}" <<'PY'
import json, os, re, subprocess, sys, time

mode, wanted = sys.argv[1], sys.argv[2:]
BIN, BUILD = "build-mutants/lmharness", "build-mutants"
# CI subset: one per kind of failure that matters most, cheap kernel sets, and the
# sliding-window case this script was written to close.
SUBSET = ["attention_blocked.window_plus_one", "matmul_tbb.tile_edge", "rmsnorm_blocked.lane_dropped",
          "rope_naive.sign_swap", "swiglu_tbb.last_block", "attention_tbb.last_pair", "bf16_round.truncate"]
# verify's tensor names per op: the first local failure "names the op" when its tensor is one
# of these (layer prefix stripped). softmax only runs inside attention_naive, so its output
# is attn; rope's are q and k (rotated right after their matmul).
TENSORS = {
    "matmul": {"q", "k", "v", "o_proj", "gate", "up", "down", "logits"},
    "matmul_bf16": {"q", "k", "v", "o_proj", "gate", "up", "down", "logits"},
    "rmsnorm": {"attn_norm", "ffn_norm", "final_norm"},
    "rope": {"q", "k"},
    "softmax": {"attn"},
    "attention": {"attn"},
    "swiglu": {"swiglu"},
    "gather": {"embed"},
    "add": {"attn_residual", "out"},
}
TEST_REGEX = {  # the unit tests relevant to a mutated op (gtest names as ctest lists them)
    "matmul_bf16": "KernelVariant.*/matmul_bf16_|^Bf16\\.|VerifyStory.Bf16",
}

def run(cmd, env, timeout):
    t0 = time.time()
    try:
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout + p.stderr, time.time() - t0
    except subprocess.TimeoutExpired:
        return "timeout", "", time.time() - t0

cat = json.loads(subprocess.run([BIN, "kernels", "--mutants", "--json"], capture_output=True, text=True, check=True).stdout)
assert cat["compiled_in"], "build-mutants/lmharness was built without LMH_MUTANTS"
mutants = cat["mutants"]
if mode == "subset":
    mutants = [m for m in mutants if m["name"] in SUBSET]
elif mode == "named":
    unknown = set(wanted) - {m["name"] for m in mutants}
    if unknown:
        sys.exit(f"mutants.sh: unknown mutant(s) {', '.join(sorted(unknown))}")
    mutants = [m for m in mutants if m["name"] in wanted]

os.makedirs(f"{BUILD}/mutants", exist_ok=True)
rows = []
for i, m in enumerate(mutants, 1):
    name, op = m["name"], m["op"]
    row = dict(m)
    if not m["runs_here"]:
        row.update(run=False, note="not run on this CPU (needs AVX-512)")
        rows.append(row)
        print(f"[{i}/{len(mutants)}] {name}: not run on this CPU", flush=True)
        continue
    env = dict(os.environ, LMH_MUTANT=name)
    # 1. unit tests
    regex = TEST_REGEX.get(op, f"KernelVariant.*/{op}_|StoryReference")
    rc, out, t_tests = run(["ctest", "--test-dir", BUILD, "-R", regex, "-j2", "--timeout", "600"], env, 1800)
    failed = sorted(set(re.findall(r"^\s*\d+ - (\S+).*\((?:Failed|SEGFAULT|Subprocess aborted|Timeout|Exception|Child aborted|ILLEGAL|BUS error)\)\s*$", out, re.M)))
    n_tests = re.search(r"tests passed, (\d+) tests failed out of (\d+)", out)
    row["tests_run"] = int(n_tests.group(2)) if n_tests else None
    row["tests_failed"] = failed
    row["tests_caught"] = bool(failed) or rc not in (0,)
    # 2. verify with the kernel set that runs the mutated code
    threads = "2" if m["variant"] == "tbb" else "1"
    report = f"{BUILD}/mutants/{name}.json"
    if os.path.exists(report):
        os.remove(report)
    # story first; chat (the long window prompt, ~10x the cost) only when story passes. The
    # result is what one verify of both would report: its first failing run is story's.
    t_verify = 0.0
    for model in ("models/story", "models/chat"):
        vrc, vout, t = run([BIN, "verify", "-m", model, "--kernels", m["kernels"], "--threads", threads, "--json", report],
                           env, 3600)
        t_verify += t
        if vrc != 0:
            break
    row.update(run=True, verify_kernels=m["kernels"], verify_threads=threads, verify_exit=vrc,
               seconds_tests=round(t_tests, 1), seconds_verify=round(t_verify, 1))
    row["verify_caught"] = vrc != 0
    first = None
    if os.path.exists(report):
        rep = json.load(open(report))
        for r in rep.get("runs", []):
            if not r["ok"]:
                first = {"model": r["model"], "first_local_failure": r["first_local_failure"],
                         "at": r.get("first_local_failure_at"),
                         "first_accumulated_failure": r["first_accumulated_failure"],
                         "decode_ok": r["decode_ok"], "kld_ok": r.get("kld", {}).get("ok"),
                         "greedy_ok": r.get("greedy", {}).get("ok")}
                break
    row["verify_failure"] = first
    loc = first and first["first_local_failure"]
    row["localized"] = bool(loc) and loc.split(".")[-1] in TENSORS[op]
    rows.append(row)
    where = "-"
    if loc:
        at = first.get("at") or {}
        where = f"{first['model']}:{loc} ({at.get('prompt')} pos {at.get('position')})"
    print(f"[{i}/{len(mutants)}] {name}: tests {'caught ' + str(len(failed)) if row['tests_caught'] else 'missed'}, "
          f"verify {'caught' if row['verify_caught'] else 'missed'} (exit {vrc}), first local failure {where}"
          f"{' OK' if row['localized'] else ''}  [{t_tests:.0f}s + {t_verify:.0f}s]", flush=True)

ran = [r for r in rows if r.get("run")]
detected = [r for r in ran if r["tests_caught"] or r["verify_caught"]]
vcaught = [r for r in ran if r["verify_caught"]]
localized = [r for r in vcaught if r["localized"]]
def pct(a, b):
    return 100.0 * len(a) / len(b) if b else 0.0

def test_label(t):  # "AllRegistered/KernelVariant.X/matmul_naive" -> "kernels/matmul_naive"
    parts = t.split("/")
    if "KernelVariant" in t:
        return "kernels/" + parts[-1]
    return (parts[1] if len(parts) > 1 else parts[0]).split(".")[0]

def short_tests(r):
    if not r.get("tests_failed"):
        return "yes (exit)" if r.get("tests_caught") else "-"
    return f"{len(r['tests_failed'])}: " + ", ".join(sorted({test_label(t) for t in r["tests_failed"]}))

print()
print("| mutant | kind | tests (failed) | verify | first local failure | localized |")
print("|---|---|---|---|---|---|")
for r in rows:
    if not r.get("run"):
        print(f"| {r['name']} | {r['kind']} | not run on this CPU | | | |")
        continue
    f = r["verify_failure"]
    loc = f["first_local_failure"] if f else None
    at = (f or {}).get("at") or {}
    where = f"{f['model']}: {loc} ({at.get('prompt')} pos {at.get('position')})" if loc else (
        f"{f['model']}: none (accum. {f['first_accumulated_failure']})" if f else "-")
    print(f"| {r['name']} | {r['kind']} | {short_tests(r)} | {'caught' if r['verify_caught'] else 'missed'} "
          f"({r['verify_kernels']}, {r['verify_threads']}t) | {where} | "
          f"{'yes' if r['localized'] else ('no' if r['verify_caught'] else '-')} |")
print()
print(f"detection:    {len(detected)}/{len(ran)} = {pct(detected, ran):.1f}% (tests {sum(r['tests_caught'] for r in ran)}, "
      f"verify {len(vcaught)}); not run on this CPU: {len(rows) - len(ran)} (not counted)")
print(f"localization: {len(localized)}/{len(vcaught)} = {pct(localized, vcaught):.1f}% of verify catches")
survivors = [r["name"] for r in ran if r not in detected]
unloc = [r["name"] for r in vcaught if not r["localized"]]
if survivors:
    print("survived:     " + ", ".join(survivors))
if unloc:
    print("not localized: " + ", ".join(unloc))
summary = {"mode": mode, "mutants": len(rows), "run": len(ran), "detected": len(detected), "verify_caught": len(vcaught),
           "localized": len(localized), "detection_percent": pct(detected, ran),
           "localization_percent": pct(localized, vcaught), "survived": survivors, "not_localized": unloc}
try:
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout.strip())
except OSError:
    commit, dirty = "", None
out = {"format": 1, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "commit": commit, "dirty": dirty,
       "summary": summary, "mutants": rows}
tmp = f"{BUILD}/mutants.json.tmp"
with open(tmp, "w") as fh:
    json.dump(out, fh, indent=1)
os.replace(tmp, f"{BUILD}/mutants.json")
print(f"wrote {BUILD}/mutants.json")
# Fail when a mutant that ran survived both, or verify's localization is below 90%.
sys.exit(0 if not survivors and pct(localized, vcaught) >= 90.0 else 1)
PY
