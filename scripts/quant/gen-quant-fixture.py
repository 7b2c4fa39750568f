#!/usr/bin/env python3
"""Writes tests/data/quant_blocks.json: q8_0 and q4_0 blocks made by gguf-py's own quantizer
(llama.cpp's gguf-py/gguf/quants.py, the numpy port of ggml's quantize_row_q8_0_ref /
quantize_row_q4_0_ref that convert_hf_to_gguf.py and ../shared/peers/hf2gguf.py use) from seeded
inputs and edge cases. tests/quant_test.cpp checks lmharness's quantizers against these bytes.

usage: GGUF_PY=/path/to/llama.cpp/gguf-py scripts/quant/gen-quant-fixture.py > tests/data/quant_blocks.json
(the llama.cpp tree: ../shared/peers/llamacpp.sh build fetches it into /tmp/llamacpp-peer/llama.cpp)
"""
import json
import os
import subprocess
import sys

import numpy as np

GGUF_PY = os.environ.get("GGUF_PY", "/tmp/llamacpp-peer/llama.cpp/gguf-py")
sys.path.insert(0, GGUF_PY)
import gguf  # noqa: E402
from gguf import quants  # noqa: E402

rng = np.random.default_rng(20261127)
f32 = np.float32


def block(values):
    v = np.asarray(values, dtype=np.float64)
    assert v.size == 32
    return v.astype(f32)


cases = []


def add(name, rows):
    """rows: float32 array [n, 32*b] (each row quantized as one tensor row)."""
    x = np.ascontiguousarray(np.asarray(rows, dtype=f32).reshape(-1, 32))
    q8 = quants.quantize(x, gguf.GGMLQuantizationType.Q8_0)
    q4 = quants.quantize(x, gguf.GGMLQuantizationType.Q4_0)
    cases.append({"name": name, "blocks": int(x.shape[0]), "input_f32_le": x.tobytes().hex(),
                  "q8_0": q8.tobytes().hex(), "q4_0": q4.tobytes().hex()})


# Seeded Gaussian weights at the scales of the models' initializers and of real weights.
add("normal sigma 0.02", rng.normal(0, 0.02, (16, 32)))
add("normal sigma 1", rng.normal(0, 1, (16, 32)))
# bf16-representable values (story's weights are all bf16-exact).
b = rng.normal(0, 0.05, (8, 32)).astype(f32)
add("bf16-exact", (b.view(np.uint32) & np.uint32(0xFFFF0000)).view(f32))
add("uniform [-1, 1]", rng.uniform(-1, 1, (8, 32)))
add("all zero", np.zeros((1, 32)))
add("negative zero and zeros", block([-0.0] * 16 + [0.0] * 16))
# Here gguf-py and ggml's C differ, and lmharness follows the C: no |x| exceeds C's initial
# amax = 0, so max stays +0.0f and d = 0/-8 = -0.0 (fp16 0x8000); gguf-py takes max = x[argmax|x|]
# = -0.0 and d = +0.0. Recorded (hand-derived, the nibbles are gguf-py's: id = 0 either way).
cases[-1]["q4_0_ggml_c"] = "0080" + cases[-1]["q4_0"][4:]
cases[-1]["q4_0_ggml_c_why"] = ("ggml's quantize_row_q4_0_ref keeps max = 0.0f when no |x| > 0, so d = 0.0f/-8 = -0.0 "
                                "(fp16 0x8000); gguf-py takes max = x[argmax] = -0.0, so d = +0.0")
# Ties: with amax 127 (q8_0: d = 1, id = 1) every k + 0.5 is an exact tie for roundf.
add("q8_0 ties at .5", block([127.0] + [k + 0.5 for k in range(-15, 16)]))
add("q8_0 ties at .5, negative amax", block([-127.0] + [-(k + 0.5) for k in range(31)]))
# With max -8 (q4_0: d = 1, id = 1) x + 8.5 is exact: integers and halves land on the truncation edges.
add("q4_0 max -8, halves", block([-8.0] + [k * 0.5 for k in range(-15, 16)]))
add("q4_0 max +8, halves", block([8.0] + [k * 0.5 for k in range(-15, 16)]))
add("q4_0 edges 8, -8", block([8.0, -8.0, 7.99, -7.99, 7.5, -7.5, 0.5, -0.5] * 4))
add("negative max", np.concatenate([[-5.0], rng.normal(0, 1, 31)]).reshape(1, 32))
add("equal magnitudes, first wins", block([3.0, -3.0] + [1.0] * 30))
add("equal magnitudes, negative first", block([-3.0, 3.0] + [1.0] * 30))
add("one spike", block([0.001] * 31 + [100.0]))
add("tiny (fp16 subnormal scale)", rng.normal(0, 1e-6, (2, 32)))
add("tinier (fp16 scale flushes to 0)", rng.normal(0, 1e-9, (1, 32)))
# (No f32-subnormal block: there 1/d overflows to inf and both quantizers cast NaN to int, which C leaves undefined.)
add("amax 1e-36 (d an f32 subnormal, 1/d finite)", block([1e-36, -5e-37, 2.5e-37] + [0.0] * 29))
add("huge (fp16 scale near 65504)", rng.normal(0, 1e6, (1, 32)))
add("huge (fp16 scale overflows to inf)", block([1e9] + [1.0] * 31))
add("scale at fp16 rounding edges", block([127.0 * (1 + 2.0 ** -11)] + [-1.0] * 31))
add("constant", block([0.25] * 32))

version = subprocess.run(["git", "-C", GGUF_PY, "describe", "--tags", "--always"], capture_output=True, text=True).stdout.strip()
json.dump({"source": "gguf-py/gguf/quants.py (llama.cpp " + (version or "unknown") + "), Q8_0 and Q4_0 quantize_blocks, numpy " +
           np.__version__, "generator": "scripts/quant/gen-quant-fixture.py", "cases": cases}, sys.stdout, indent=1)
sys.stdout.write("\n")
