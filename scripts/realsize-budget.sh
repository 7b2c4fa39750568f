#!/usr/bin/env bash
# The real-size budgets (issue 16), measured on the TinyLlama-1.1B-shaped checkpoints that
# `scripts/fetch-models.sh --large` synthesizes (not in CI: 6.6 GB of disk).
# Per case (file format, run format): peak RSS of one `lmharness bench` process that loads the
# model and runs one 64-token prefill and two generated tokens (GNU time's "Maximum resident
# set size"), against 1.10 x the weights' bytes in the run's format + KV cache + 100 MB; and
# the bench record's load time (start to weights ready in the run's format), against 1.5 x
# the time `dd` takes to read the file once from a warm page cache.
# The KV cache is the sessions' default context, TinyLlama's 2048 positions: 92 MB in f32.
# Usage: scripts/realsize-budget.sh [path/to/lmharness] [--threads N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
lmh=${1:-build/lmharness}
threads=${THREADS:-2}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for m in tinyllama tinyllama-bf16; do
  [ -f models/$m/model.safetensors ] || { echo "realsize-budget: run scripts/fetch-models.sh --large first" >&2; exit 2; }
  python3 - "$m" "$out/$m.json" <<'PY'
import json, sys
w = json.load(open("bench/workloads/%s.json" % sys.argv[1]))
w.update(name=sys.argv[1] + "-budget", generate_tokens=2, description="realsize-budget.sh: one load, one 64-token prefill, two tokens")
json.dump(w, open(sys.argv[2], "w"))
PY
done
printf '%-15s %-5s %10s %10s %8s %10s %10s %10s %6s\n' file run "W MB" "RSS MB" "bgt MB" "load ms" "read ms" "1.5xread" ok
for spec in tinyllama:tbb tinyllama:bf16 tinyllama-bf16:bf16 tinyllama-bf16:tbb; do
  m=${spec%%:*}; ks=${spec#*:}; file=models/$m/model.safetensors
  cat "$file" > /dev/null  # warm the page cache
  read_ms=$( { /usr/bin/time -f %e dd if="$file" of=/dev/null bs=16M status=none; } 2>&1 | awk '{print $1 * 1000}')
  /usr/bin/time -v "$lmh" bench -w "$out/$m.json" --kernels "$ks" --threads "$threads" -r 3 --warmup 0 \
      --json "$out/$m-$ks.json" > /dev/null 2> "$out/$m-$ks.time" ||
    { echo "realsize-budget: bench failed for $m --kernels $ks:" >&2; tail -5 "$out/$m-$ks.time" >&2; exit 1; }
  python3 - "$file" "$ks" "$out/$m-$ks.time" "$out/$m-$ks.json" "$read_ms" "$m" <<'PY'
import json, sys
path, ks, timef, rec, read_ms, m = sys.argv[1:]
c = json.load(open("bench/models/tinyllama-1.1b.json"))
H, F, V, L = c["hidden_size"], c["intermediate_size"], c["vocab_size"], c["num_hidden_layers"]
hd = H // c["num_attention_heads"]; Q = H; KV = c["num_key_value_heads"] * hd
matrices = L * (H * (Q + 2 * KV) + Q * H + 3 * H * F) + V * H   # lm_head included
f32_only = V * H + (2 * L + 1) * H                               # embedding table, norms: f32 in every run
W = (4 if ks == "tbb" else 2) * matrices + 4 * f32_only
kv = 2 * L * 2048 * KV * 4
rss = [int(l.split(":")[1]) * 1024 for l in open(timef) if "Maximum resident set size" in l][0]
records = json.load(open(rec))["records"]
load = max(r["metrics"]["load_ms"]["median"] for r in records)
budget = 1.10 * W + kv + 100e6
ok = rss <= budget and load <= 1.5 * float(read_ms)
print("%-15s %-5s %10.0f %10.0f %8.0f %10.0f %10.0f %10.0f %6s" % (m, "f32" if ks == "tbb" else "bf16", W / 1e6, rss / 1e6,
      budget / 1e6, load, float(read_ms), 1.5 * float(read_ms), "yes" if ok else "NO"))
PY
done
