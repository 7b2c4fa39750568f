#!/usr/bin/env bash
# Writes the GGUF fixtures of tests/gguf_test.cpp into tests/data/gguf/ with llama.cpp's own
# converter path (../shared/peers/llamacpp.sh convert: gguf-py's writer and quantizers, q/k rows
# permuted as llama.cpp's convert_hf_to_gguf.py does), so the reader is tested against files
# it did not write. Run at development time only; the tests never need llama.cpp.
#
#   scripts/make-gguf-fixtures.sh        (after `cmake --build build --target lmharness`)
#
# Needs the llama.cpp source tree in $LLAMACPP_DIR (default /tmp/llamacpp-peer; `llamacpp.sh
# build` fetches it, and convert does not need the build itself) and python3-numpy.
#   story-{bf16,q8_0,q4_0}.gguf  models/story (real weights; every one is exact in bf16 and f16)
#   tiny-{f32,f16}.gguf          tiny-config.json, weights from `lmharness synth --seed 21`
#                                (not bf16-exact; untied, so output.weight is exercised too)
set -euo pipefail
cd "$(dirname "$0")/.."
out=tests/data/gguf
peer=${LMH_PEER:-../shared/peers/llamacpp.sh}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for t in bf16 q8_0 q4_0; do "$peer" convert models/story "$out/story-$t.gguf" --outtype "$t"; done
mkdir -p "$tmp/tiny"
cp "$out/tiny-config.json" "$tmp/tiny/config.json"
cp models/story/tokenizer.json models/story/tokenizer_config.json "$tmp/tiny/"
build/lmharness synth -c "$out/tiny-config.json" --seed 21 -o "$tmp/tiny/model.safetensors"
for t in f32 f16; do "$peer" convert "$tmp/tiny" "$out/tiny-$t.gguf" --outtype "$t"; done
ls -l "$out"
