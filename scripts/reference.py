#!/usr/bin/python3
"""Independent float64 reference for the Hugging Face Llama / Mistral / Qwen2 / Qwen3 forward pass.

Families: llama (incl. Llama 3.x rope_scaling "llama3" and tied embeddings), mistral (sliding
window), qwen2 (q/k/v projection biases), qwen3 (RMSNorm over each head of q and k before
RoPE, explicit head_dim).

Why this exists: the C++ engine computes in float32 with its own kernels. To judge it we
need ground truth that shares *no code and no tooling* with it: this script reads the model
directory itself (config.json + model.safetensors, parsed by hand), runs the HF math in
float64 with numpy, and stores intermediate activations ("taps") rounded to float32 in
safetensors files that the C++ `verify` command compares against.

Usage (paths are relative to the repository root unless absolute):
  scripts/reference.py --model models/story --prompts verify/prompts/story.json --out verify/references/story
  scripts/reference.py ... --check        # recompute and compare with the stored files (max NMSE)
  scripts/reference.py --model models/qwen3 --prompts verify/prompts/qwen3.json --out verify/references/qwen3
  scripts/reference.py --self-test        # RoPE/attention cross-check against an incremental KV-cache path
A prompt with "logits": "topk" stores the top-64 logits, their ids and per-position statistics
instead of full logits rows (logits_summary below): for 128k-152k vocabularies.
Dev only (never commit its output):
  scripts/reference.py --make-random-checkpoint DIR --config some/config.json [--seed N]

Runs on Debian's python3 + numpy only (no torch, no PyPI).
"""

import argparse
import datetime
import hashlib
import json
import os
import struct
import sys
import time
from pathlib import Path

import numpy as np

SCRIPT_VERSION = "1"
REPO = Path(__file__).resolve().parent.parent


# =============================================================================================
# safetensors reader / writer
# Format: u64 little-endian header length N, N bytes of JSON header, then the raw data blob.
# Header: {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}}
# with offsets relative to the start of the blob. All data is little-endian, row-major.
# =============================================================================================

def _bf16_to_f32(raw_u16):
    # bfloat16 is the top half of an IEEE float32: shift into the high 16 bits.
    return (raw_u16.astype(np.uint32) << 16).view(np.float32)


_DTYPES = {
    "F64": lambda b: np.frombuffer(b, dtype="<f8"),
    "F32": lambda b: np.frombuffer(b, dtype="<f4"),
    "F16": lambda b: np.frombuffer(b, dtype="<f2"),
    "BF16": lambda b: _bf16_to_f32(np.frombuffer(b, dtype="<u2")),
}
_ITEMSIZE = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2}


class SafeTensors:
    """Minimal safetensors reader. get(name) returns a float64 copy of the tensor."""

    def __init__(self, path):
        self.path = Path(path)
        with open(self.path, "rb") as f:
            data = f.read()
        if len(data) < 8:
            raise ValueError(f"{path}: too short for a safetensors file")
        (n,) = struct.unpack("<Q", data[:8])
        if 8 + n > len(data):
            raise ValueError(f"{path}: header length {n} exceeds file size")
        header = json.loads(data[8:8 + n].decode("utf-8"))
        self.metadata = header.pop("__metadata__", {}) or {}
        self.header = header
        self.blob = memoryview(data)[8 + n:]
        for name, h in header.items():
            b, e = h["data_offsets"]
            if h["dtype"] not in _DTYPES:
                raise ValueError(f"{path}: tensor {name}: unsupported dtype {h['dtype']}")
            want = int(np.prod(h["shape"], dtype=np.int64)) * _ITEMSIZE[h["dtype"]]
            if e - b != want or e > len(self.blob):
                raise ValueError(f"{path}: tensor {name}: bad data_offsets {b},{e} for shape {h['shape']}")

    def resolve(self, name):
        """Name of the stored tensor holding `name`. Tied checkpoints saved by HF store one
        copy only and record the alias in __metadata__ (e.g. the story model stores only
        lm_head.weight and maps model.embed_tokens.weight -> lm_head.weight)."""
        if name in self.header:
            return name
        alias = self.metadata.get(name)
        if isinstance(alias, str) and alias in self.header:
            return alias
        return None

    def __contains__(self, name):
        return self.resolve(name) is not None

    def get(self, name):
        real = self.resolve(name)
        if real is None:
            raise KeyError(f"{self.path}: no tensor {name}")
        h = self.header[real]
        b, e = h["data_offsets"]
        arr = _DTYPES[h["dtype"]](self.blob[b:e])
        return arr.astype(np.float64).reshape(h["shape"])


def write_safetensors(path, tensors, metadata=None, dtype="F32"):
    """Write {name: ndarray} as a safetensors file (F32 or F64, little-endian, C order).
    Tensors are laid out in insertion order so files diff/compare predictably."""
    np_dt = {"F32": "<f4", "F64": "<f8"}[dtype]
    header, blobs, off = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, arr in tensors.items():
        raw = np.ascontiguousarray(arr, dtype=np_dt).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    hj = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hj += b" " * ((-len(hj)) % 8)  # pad so the data blob starts 8-byte aligned
    tmp = Path(str(path) + ".tmp")
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        for raw in blobs:
            f.write(raw)
    os.replace(tmp, path)


def dump_json(obj, indent=0):
    """JSON with objects indented but lists of scalars on one line (ids stay readable/diffable)."""
    pad, pad1 = " " * indent, " " * (indent + 1)
    if isinstance(obj, dict):
        items = [f"{pad1}{json.dumps(k)}: {dump_json(v, indent + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}" if items else "{}"
    if isinstance(obj, list) and any(isinstance(v, (dict, list)) for v in obj):
        return "[\n" + ",\n".join(pad1 + dump_json(v, indent + 1) for v in obj) + "\n" + pad + "]"
    return json.dumps(obj, separators=(", ", ": "))


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# =============================================================================================
# model: config + weights, everything float64
# =============================================================================================

class Config:
    def __init__(self, cfg):
        self.raw = cfg
        self.hidden = int(cfg["hidden_size"])
        self.n_layers = int(cfg["num_hidden_layers"])
        self.n_heads = int(cfg["num_attention_heads"])
        self.n_kv = int(cfg.get("num_key_value_heads") or self.n_heads)
        # Mistral/Llama allow an explicit head_dim; otherwise hidden / heads (chat: 312/12 = 26).
        self.head_dim = int(cfg.get("head_dim") or self.hidden // self.n_heads)
        self.ffn = int(cfg["intermediate_size"])
        self.vocab = int(cfg["vocab_size"])
        self.eps = float(cfg.get("rms_norm_eps", 1e-6))
        self.theta = float(cfg.get("rope_theta", 10000.0))
        self.max_pos = int(cfg.get("max_position_embeddings", 1 << 30))
        self.tie = bool(cfg.get("tie_word_embeddings", False))
        # Only a non-null integer enables the window (Mistral configs may carry "sliding_window": null).
        sw = cfg.get("sliding_window")
        self.window = int(sw) if sw is not None else None
        if cfg.get("use_sliding_window") is False:  # Qwen2-style switch; harmless for Mistral
            self.window = None
        self.model_type = cfg.get("model_type", "llama")
        if self.model_type not in ("llama", "mistral", "qwen2", "qwen3"):
            raise NotImplementedError(f"model_type {self.model_type}")
        # HF Qwen2Attention: nn.Linear(bias=True) for q, k, v (not o). Qwen3Attention: no bias,
        # Qwen3RMSNorm(head_dim) over each head of q and k before RoPE, same eps.
        self.qkv_bias = self.model_type == "qwen2"
        self.qk_norm = self.model_type == "qwen3"
        self.rope_scaling = None
        rs = cfg.get("rope_scaling")
        if rs:
            kind = rs.get("rope_type", rs.get("type"))
            if kind == "llama3":
                self.rope_scaling = {k: float(rs[k]) for k in ("factor", "low_freq_factor", "high_freq_factor",
                                                               "original_max_position_embeddings")}
            elif kind != "default":
                raise NotImplementedError(f"rope_scaling {rs} is not implemented")
        if cfg.get("hidden_act", "silu") != "silu":
            raise NotImplementedError(f"hidden_act {cfg.get('hidden_act')}")
        for flag in ("attention_bias", "mlp_bias"):
            if cfg.get(flag):
                raise NotImplementedError(f"{flag}=true is not implemented")
        if self.n_heads % self.n_kv:
            raise ValueError("num_attention_heads must be a multiple of num_key_value_heads")
        if self.head_dim % 2:
            raise ValueError("RoPE needs an even head_dim")


class Model:
    def __init__(self, cfg, weights):
        self.cfg = cfg
        self.w = weights  # name -> float64 ndarray, HF names


def load_model(model_dir):
    model_dir = Path(model_dir)
    cfg = Config(json.loads((model_dir / "config.json").read_text()))
    st = SafeTensors(model_dir / "model.safetensors")
    names = ["model.embed_tokens.weight", "model.norm.weight"]
    for L in range(cfg.n_layers):
        p = f"model.layers.{L}."
        names += [p + f"self_attn.{x}_proj.weight" for x in "qkvo"]
        names += [p + f"mlp.{x}_proj.weight" for x in ("gate", "up", "down")]
        names += [p + "input_layernorm.weight", p + "post_attention_layernorm.weight"]
        if cfg.qkv_bias:
            names += [p + f"self_attn.{x}_proj.bias" for x in "qkv"]
        if cfg.qk_norm:
            names += [p + "self_attn.q_norm.weight", p + "self_attn.k_norm.weight"]
    w = {}
    for n in names:
        if n == "model.embed_tokens.weight" and n not in st and "lm_head.weight" in st:
            w[n] = st.get("lm_head.weight")  # tied, stored only as lm_head
        else:
            w[n] = st.get(n)
    if cfg.tie:
        # tie_word_embeddings: HF uses the embedding matrix as the output projection.
        w["lm_head.weight"] = w["model.embed_tokens.weight"]
    elif "lm_head.weight" in st:
        w["lm_head.weight"] = st.get("lm_head.weight")
    else:
        raise ValueError("tie_word_embeddings is false but the checkpoint has no lm_head.weight")
    c, hd = cfg, cfg.head_dim
    expect = {
        "model.embed_tokens.weight": (c.vocab, c.hidden), "lm_head.weight": (c.vocab, c.hidden),
        "model.norm.weight": (c.hidden,),
    }
    for L in range(c.n_layers):
        p = f"model.layers.{L}."
        expect.update({
            p + "self_attn.q_proj.weight": (c.n_heads * hd, c.hidden),
            p + "self_attn.k_proj.weight": (c.n_kv * hd, c.hidden),
            p + "self_attn.v_proj.weight": (c.n_kv * hd, c.hidden),
            p + "self_attn.o_proj.weight": (c.hidden, c.n_heads * hd),
            p + "mlp.gate_proj.weight": (c.ffn, c.hidden),
            p + "mlp.up_proj.weight": (c.ffn, c.hidden),
            p + "mlp.down_proj.weight": (c.hidden, c.ffn),
            p + "input_layernorm.weight": (c.hidden,),
            p + "post_attention_layernorm.weight": (c.hidden,),
        })
        if c.qkv_bias:
            expect.update({p + "self_attn.q_proj.bias": (c.n_heads * hd,), p + "self_attn.k_proj.bias": (c.n_kv * hd,),
                           p + "self_attn.v_proj.bias": (c.n_kv * hd,)})
        if c.qk_norm:
            expect.update({p + "self_attn.q_norm.weight": (hd,), p + "self_attn.k_norm.weight": (hd,)})
    for n, shp in expect.items():
        if tuple(w[n].shape) != shp:
            raise ValueError(f"{n}: shape {w[n].shape}, expected {shp}")
    return Model(cfg, w)


# =============================================================================================
# forward pass with taps (the reference computation)
# =============================================================================================

def rmsnorm(x, w, eps):
    # HF LlamaRMSNorm: x / sqrt(mean(x^2) + eps) * w  (computed here in float64 throughout)
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def silu(x):
    return x / (1.0 + np.exp(-x))


def rope_inv_freq(cfg):
    # HF default RoPE: inv_freq[i] = theta^(-2i/d), i < d/2. With rope_scaling "llama3"
    # (HF _compute_llama3_parameters): wavelengths 2*pi/inv_freq above orig/low_freq_factor are
    # divided by `factor`, those below orig/high_freq_factor kept, and the band between blended
    # linearly in orig/wavelen. Its attention factor is 1 (cos/sin unscaled).
    d = cfg.head_dim
    inv_freq = 1.0 / (cfg.theta ** (np.arange(0, d, 2, dtype=np.float64) / d))
    rs = cfg.rope_scaling
    if rs is None:
        return inv_freq
    factor, lo, hi, old = (rs[k] for k in ("factor", "low_freq_factor", "high_freq_factor",
                                            "original_max_position_embeddings"))
    wavelen = 2 * np.pi / inv_freq
    scaled = np.where(wavelen > old / lo, inv_freq / factor, inv_freq)
    smooth = (old / wavelen - lo) / (hi - lo)
    smoothed = (1 - smooth) * scaled / factor + smooth * scaled
    medium = ~(wavelen < old / hi) & ~(wavelen > old / lo)
    return np.where(medium, smoothed, scaled)


def rope_tables(cfg, positions):
    # angle = pos * inv_freq[i], i < d/2.
    # (HF computes these tables in float32; the reference uses exact float64 math on purpose.)
    inv_freq = rope_inv_freq(cfg)
    ang = np.asarray(positions, dtype=np.float64)[:, None] * inv_freq[None, :]  # [T, d/2]
    cos = np.concatenate([np.cos(ang), np.cos(ang)], axis=-1)  # [T, d], duplicated as in HF
    sin = np.concatenate([np.sin(ang), np.sin(ang)], axis=-1)
    return cos, sin


def apply_rope(x, cos, sin):
    # x: [T, heads, d]. HF "rotate half": pairs are (i, i + d/2), not interleaved (2i, 2i+1).
    h = x.shape[-1] // 2
    rot = np.concatenate([-x[..., h:], x[..., :h]], axis=-1)
    return x * cos[:, None, :] + rot * sin[:, None, :]


def attention_mask(T, window):
    # allowed[p, c]: causal (c <= p) and, with a sliding window W, p - c < W.
    p = np.arange(T)[:, None]
    c = np.arange(T)[None, :]
    allowed = c <= p
    if window is not None:
        allowed &= (p - c) < window
    return allowed


def forward(model, ids, rows=None, taps=None, keep=None):
    """Full-sequence forward over positions 0..T-1. Returns logits for rows [r0, r1) only
    (default: all rows; the final norm and lm_head are skipped for other rows).
    If `taps` is a dict, each intermediate named in `keep` (default: all) is stored in it as
    a float64 array of rows [r0, r1) — slicing here keeps memory small for long prompts."""
    c, w = model.cfg, model.w
    ids = np.asarray(ids, dtype=np.int64)
    T = len(ids)
    if T > c.max_pos:
        raise ValueError(f"sequence length {T} > max_position_embeddings {c.max_pos}")
    r0, r1 = rows if rows is not None else (0, T)

    def tap(name, val):
        if taps is not None and (keep is None or name in keep):
            taps[name] = val[r0:r1].copy()

    hd, nh, nkv = c.head_dim, c.n_heads, c.n_kv
    group = nh // nkv
    cos, sin = rope_tables(c, np.arange(T))
    allowed = attention_mask(T, c.window)
    neg = np.where(allowed, 0.0, -np.inf)

    h = w["model.embed_tokens.weight"][ids]
    tap("embed", h)
    for L in range(c.n_layers):
        p = f"model.layers.{L}."
        x = rmsnorm(h, w[p + "input_layernorm.weight"], c.eps)
        tap(f"layer{L}.attn_norm", x)
        q = x @ w[p + "self_attn.q_proj.weight"].T
        k = x @ w[p + "self_attn.k_proj.weight"].T
        v = x @ w[p + "self_attn.v_proj.weight"].T
        if c.qkv_bias:
            q = q + w[p + "self_attn.q_proj.bias"]
            k = k + w[p + "self_attn.k_proj.bias"]
            v = v + w[p + "self_attn.v_proj.bias"]
        q, k, v = q.reshape(T, nh, hd), k.reshape(T, nkv, hd), v.reshape(T, nkv, hd)
        if c.qk_norm:
            q = rmsnorm(q, w[p + "self_attn.q_norm.weight"], c.eps)  # over the last axis: each head
            k = rmsnorm(k, w[p + "self_attn.k_norm.weight"], c.eps)
            tap(f"layer{L}.q_norm", q.reshape(T, nh * hd))
            tap(f"layer{L}.k_norm", k.reshape(T, nkv * hd))
        q = apply_rope(q, cos, sin)
        k = apply_rope(k, cos, sin)
        tap(f"layer{L}.q", q.reshape(T, nh * hd))
        tap(f"layer{L}.k", k.reshape(T, nkv * hd))
        tap(f"layer{L}.v", v.reshape(T, nkv * hd))
        # GQA: query head j reads kv head j // group (HF repeat_kv = repeat_interleave on heads).
        kk = np.repeat(k, group, axis=1).transpose(1, 0, 2)  # [nh, T, d]
        vv = np.repeat(v, group, axis=1).transpose(1, 0, 2)
        qq = q.transpose(1, 0, 2)
        scores = qq @ kk.transpose(0, 2, 1) / np.sqrt(hd) + neg[None]  # [nh, T, T]
        scores -= scores.max(axis=-1, keepdims=True)  # stable softmax; diagonal is always allowed
        probs = np.exp(scores)
        probs /= probs.sum(axis=-1, keepdims=True)
        attn = (probs @ vv).transpose(1, 0, 2).reshape(T, nh * hd)
        tap(f"layer{L}.attn", attn)
        o = attn @ w[p + "self_attn.o_proj.weight"].T
        tap(f"layer{L}.o_proj", o)
        h = h + o
        tap(f"layer{L}.attn_residual", h)
        x = rmsnorm(h, w[p + "post_attention_layernorm.weight"], c.eps)
        tap(f"layer{L}.ffn_norm", x)
        gate = x @ w[p + "mlp.gate_proj.weight"].T
        up = x @ w[p + "mlp.up_proj.weight"].T
        tap(f"layer{L}.gate", gate)
        tap(f"layer{L}.up", up)
        s = silu(gate) * up
        tap(f"layer{L}.swiglu", s)
        down = s @ w[p + "mlp.down_proj.weight"].T
        tap(f"layer{L}.down", down)
        h = h + down
        tap(f"layer{L}.out", h)
    hn = rmsnorm(h[r0:r1], w["model.norm.weight"], c.eps)
    logits = hn @ w["lm_head.weight"].T
    if taps is not None:
        for name, val in (("final_norm", hn), ("logits", logits)):
            if keep is None or name in keep:
                taps[name] = val
    return logits


def per_layer_taps(cfg):
    """Every per-layer tap, in forward order (qwen3 adds its q/k norms)."""
    return ["attn_norm"] + (["q_norm", "k_norm"] if cfg.qk_norm else []) + [
        "q", "k", "v", "attn", "o_proj", "attn_residual", "ffn_norm", "gate", "up", "swiglu", "down", "out"]


def tap_names(cfg, store, local_layers=()):
    """Stored tensors in forward order. store "all": every per-layer tap; "layers": each
    layer's `out` only, plus every tap of the `local_layers` (see tensor_rows)."""
    if store not in ("all", "layers"):
        raise ValueError(f"unknown store mode {store!r}")
    names = ["embed"]
    for L in range(cfg.n_layers):
        per_layer = per_layer_taps(cfg) if store == "all" or L in local_layers else ["out"]
        names += [f"layer{L}.{t}" for t in per_layer]
    return names + ["final_norm", "logits"]


def tensor_rows(cfg, p):
    """Rows [first, last) stored per tensor name, for those that differ from p["positions"].
    A prompt longer than its stored rows can be checked op by op (verify's local error)
    only where every input of an op is stored: p["local"] = {"layers": [...], "rows": n}
    keeps every tap of those layers for the last n positions, and their k and v from one
    window further back (the keys those rows see, plus the one just outside the window, so
    a mask that admits it reads real data), or from 0 without a window."""
    s, e = p["positions"]
    loc = p.get("local")
    if not loc:
        return {}
    ls = max(s, e - int(loc["rows"]))
    kv_first = max(0, ls - cfg.window) if cfg.window is not None else 0
    rows = {}
    for L in loc["layers"]:
        for t in per_layer_taps(cfg):
            name = f"layer{L}.{t}"
            rows[name] = (kv_first, e) if t in ("k", "v") else (ls, e)
            if t == "out" or rows[name] == (s, e):
                rows.pop(name)  # `out` is stored on p's positions anyway
    return rows


def greedy(model, prompt_ids, n_tokens):
    """Argmax decoding, recomputing the full sequence each step (simple, obviously correct).
    Ties go to the lowest id (np.argmax returns the first maximum, like torch.argmax).
    EOS does not stop decoding: a fixed-length sequence is easier to compare."""
    ids = list(prompt_ids)
    out, margins = [], []
    for _ in range(n_tokens):
        T = len(ids)
        lg = forward(model, ids, rows=(T - 1, T))[0]
        nxt = int(np.argmax(lg))
        top2 = np.partition(lg, -2)[-2:]
        margins.append(float(top2[1] - top2[0]))
        out.append(nxt)
        ids.append(nxt)
    return out, margins


# =============================================================================================
# independent second computation for --self-test
# Token-by-token with a KV cache, RoPE by complex multiplication, per-head explicit loops and
# an explicit window test — shares no attention/RoPE code with forward().
# =============================================================================================

def forward_incremental(model, ids):
    c, w = model.cfg, model.w
    hd, nh, nkv = c.head_dim, c.n_heads, c.n_kv
    half = hd // 2
    # Angle via exp(log) instead of a power, and complex rotation instead of rotate_half.
    inv_freq = np.exp(-np.log(c.theta) * (2.0 * np.arange(half)) / hd)
    if c.rope_scaling is not None:
        # Llama 3 scaling written as Meta's reference (llama-models apply_scaling): a scalar
        # loop over frequencies with if/elif instead of forward()'s masks.
        rs = c.rope_scaling
        old = rs["original_max_position_embeddings"]
        scaled = []
        for f in inv_freq:
            wl = 2 * np.pi / f
            if wl < old / rs["high_freq_factor"]:
                scaled.append(f)
            elif wl > old / rs["low_freq_factor"]:
                scaled.append(f / rs["factor"])
            else:
                a = (old / wl - rs["low_freq_factor"]) / (rs["high_freq_factor"] - rs["low_freq_factor"])
                scaled.append((1 - a) * f / rs["factor"] + a * f)
        inv_freq = np.array(scaled)

    def rope_complex(vec, pos):  # vec: [heads, hd]; pair (i, i+half) is the complex number re + j*im
        z = vec[:, :half] + 1j * vec[:, half:]
        z = z * np.exp(1j * pos * inv_freq)[None, :]
        return np.concatenate([z.real, z.imag], axis=-1)

    def norm(x, wt):
        return x * (1.0 / np.sqrt(np.dot(x, x) / x.size + c.eps)) * wt

    kcache = [[] for _ in range(c.n_layers)]
    vcache = [[] for _ in range(c.n_layers)]
    all_logits = []
    for pos, tok in enumerate(ids):
        h = w["model.embed_tokens.weight"][tok].copy()
        for L in range(c.n_layers):
            p = f"model.layers.{L}."
            x = norm(h, w[p + "input_layernorm.weight"])
            q = w[p + "self_attn.q_proj.weight"] @ x
            k = w[p + "self_attn.k_proj.weight"] @ x
            v = w[p + "self_attn.v_proj.weight"] @ x
            if c.qkv_bias:
                q, k, v = (t + w[p + f"self_attn.{n}_proj.bias"] for t, n in ((q, "q"), (k, "k"), (v, "v")))
            q, k, v = q.reshape(nh, hd), k.reshape(nkv, hd), v.reshape(nkv, hd)
            if c.qk_norm:  # one head at a time through the vector norm
                q = np.array([norm(q[j], w[p + "self_attn.q_norm.weight"]) for j in range(nh)])
                k = np.array([norm(k[j], w[p + "self_attn.k_norm.weight"]) for j in range(nkv)])
            q = rope_complex(q, pos)
            k = rope_complex(k, pos)
            kcache[L].append(k)
            vcache[L].append(v)
            attn = np.zeros((nh, hd))
            for hh in range(nh):
                kvh = hh * nkv // nh  # == hh // (nh / nkv)
                keys = [cpos for cpos in range(pos + 1) if c.window is None or pos - cpos < c.window]
                s = np.array([np.dot(q[hh], kcache[L][cp][kvh]) for cp in keys]) / np.sqrt(hd)
                e = np.exp(s - s.max())
                pr = e / e.sum()
                attn[hh] = sum(pr[i] * vcache[L][cp][kvh] for i, cp in enumerate(keys))
            h = h + w[p + "self_attn.o_proj.weight"] @ attn.reshape(-1)
            x = norm(h, w[p + "post_attention_layernorm.weight"])
            g = w[p + "mlp.gate_proj.weight"] @ x
            u = w[p + "mlp.up_proj.weight"] @ x
            h = h + w[p + "mlp.down_proj.weight"] @ (g / (1.0 + np.exp(-g)) * u)
        all_logits.append(w["lm_head.weight"] @ norm(h, w["model.norm.weight"]))
    return np.array(all_logits)


def nmse(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    den = np.sum(b * b)
    return float(np.sum((a - b) ** 2) / den) if den > 0 else float(np.sum((a - b) ** 2))


def random_weights(cfg, rng, tie):
    c, hd = cfg, cfg.head_dim
    s = 0.02 if c.hidden >= 256 else 0.08
    w = {"model.embed_tokens.weight": rng.standard_normal((c.vocab, c.hidden)),
         "model.norm.weight": 1.0 + 0.1 * rng.standard_normal(c.hidden)}
    for L in range(c.n_layers):
        p = f"model.layers.{L}."
        w[p + "self_attn.q_proj.weight"] = s * 4 * rng.standard_normal((c.n_heads * hd, c.hidden))
        w[p + "self_attn.k_proj.weight"] = s * 4 * rng.standard_normal((c.n_kv * hd, c.hidden))
        w[p + "self_attn.v_proj.weight"] = s * 4 * rng.standard_normal((c.n_kv * hd, c.hidden))
        w[p + "self_attn.o_proj.weight"] = s * rng.standard_normal((c.hidden, c.n_heads * hd))
        w[p + "mlp.gate_proj.weight"] = s * 4 * rng.standard_normal((c.ffn, c.hidden))
        w[p + "mlp.up_proj.weight"] = s * 4 * rng.standard_normal((c.ffn, c.hidden))
        w[p + "mlp.down_proj.weight"] = s * rng.standard_normal((c.hidden, c.ffn))
        w[p + "input_layernorm.weight"] = 1.0 + 0.1 * rng.standard_normal(c.hidden)
        w[p + "post_attention_layernorm.weight"] = 1.0 + 0.1 * rng.standard_normal(c.hidden)
    w["lm_head.weight"] = w["model.embed_tokens.weight"] if tie else s * rng.standard_normal((c.vocab, c.hidden))
    for L in range(c.n_layers):  # drawn last, so the plain-llama cases keep their weights
        p = f"model.layers.{L}."
        if c.qkv_bias:
            for x, n in (("q", c.n_heads), ("k", c.n_kv), ("v", c.n_kv)):
                w[p + f"self_attn.{x}_proj.bias"] = 0.5 * rng.standard_normal(n * hd)
        if c.qk_norm:
            w[p + "self_attn.q_norm.weight"] = 1.0 + 0.3 * rng.standard_normal(hd)
            w[p + "self_attn.k_norm.weight"] = 1.0 + 0.3 * rng.standard_normal(hd)
    return w


def self_test(model_dir):
    rng = np.random.default_rng(1234)
    base = dict(hidden_size=48, num_hidden_layers=2, num_attention_heads=6, num_key_value_heads=2,
                intermediate_size=80, vocab_size=97, rms_norm_eps=1e-6, rope_theta=10000.0,
                max_position_embeddings=4096)
    cases = [
        ("llama GQA 6/2, head_dim 8, T=40", dict(base), 40),
        ("mistral window=7, head_dim 8, T=40", dict(base, sliding_window=7), 40),
        ("MHA, odd pairs head_dim 26, theta 1e6, T=300", dict(base, hidden_size=52, num_attention_heads=2,
                                                             num_key_value_heads=2, rope_theta=1e6), 300),
        # Each new feature is also switched off on the same weights below: a large NMSE shows
        # the case is not vacuous.
        ("qwen2 q/k/v biases, GQA 6/2, T=40", dict(base, model_type="qwen2"), 40),
        ("qwen3 q/k norms, head_dim 16 != 48/6, T=40", dict(base, model_type="qwen3", head_dim=16), 40),
        # head_dim 16, theta 1e4: wavelengths 6.3 .. 19869; with original 256, low 1, high 4, the
        # bands are < 64 kept (i = 0..2), 64..256 blended (i = 3), > 256 divided by 8 (i = 4..7).
        ("llama3 rope_scaling, all three bands, T=100",
         dict(base, hidden_size=32, num_attention_heads=2, num_key_value_heads=1,
              rope_scaling=dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0,
                                original_max_position_embeddings=256)), 100),
        ("llama3 rope_scaling, Llama 3.2's values, head_dim 64, theta 5e5, T=60",
         dict(base, hidden_size=128, num_attention_heads=2, num_key_value_heads=1, rope_theta=500000.0,
              rope_scaling=dict(rope_type="llama3", factor=32.0, low_freq_factor=1.0, high_freq_factor=4.0,
                                original_max_position_embeddings=8192)), 60),
    ]
    switched_off = {"sliding_window": None, "model_type": "llama", "rope_scaling": None}
    worst = 0.0
    ok = True
    for label, cfgd, T in cases:
        cfg = Config(cfgd)
        m = Model(cfg, random_weights(cfg, rng, tie=False))
        ids = rng.integers(0, cfg.vocab, T)
        t0 = time.time()
        full = forward(m, ids)
        inc = forward_incremental(m, ids)
        e = nmse(full, inc)
        # Sanity that the window actually matters in the window case (otherwise the test is vacuous).
        extra = ""
        for key, off in switched_off.items():
            if cfgd.get(key) is not None and cfgd.get(key) != off:
                m2 = Model(Config({k: v for k, v in cfgd.items() if k != key}), m.w)
                e2 = nmse(forward(m2, ids), full)
                extra += f"  (without {key}: NMSE {e2:.2e}, must be large)"
                ok &= e2 > 1e-6
        print(f"self-test {label}: full vs incremental NMSE {e:.3e}  [{time.time() - t0:.1f}s]{extra}")
        worst = max(worst, e)
        ok &= e < 1e-24
    # RoPE spot check against the textbook definition on one vector.
    cfg = Config(dict(base, hidden_size=16, num_attention_heads=2, num_key_value_heads=2))
    x = rng.standard_normal((1, 1, 8))
    cos, sin = rope_tables(cfg, [5])
    y = apply_rope(x, cos, sin)[0, 0]
    ref = np.empty(8)
    for i in range(4):
        a = 5 * 10000.0 ** (-2 * i / 8)
        ref[i] = x[0, 0, i] * np.cos(a) - x[0, 0, i + 4] * np.sin(a)
        ref[i + 4] = x[0, 0, i + 4] * np.cos(a) + x[0, 0, i] * np.sin(a)
    e = nmse(y, ref)
    print(f"self-test RoPE rotate-half vs scalar formula NMSE {e:.3e}")
    ok &= e < 1e-28
    # Llama 3.2's scaled inverse frequencies (head_dim 64, theta 5e5, factor 32, low 1, high 4,
    # original 8192) against values derived by hand with Python's decimal module at 40 digits
    # (i: band): 0, 10, 14 kept; 15, 16, 17 blended; 18, 20, 31 divided by 32. The same
    # literals are in tests/rope_scaling_test.cpp.
    cfg = Config(dict(base, hidden_size=128, num_attention_heads=2, num_key_value_heads=2, rope_theta=500000.0,
                      rope_scaling=dict(rope_type="llama3", factor=32.0, low_freq_factor=1.0, high_freq_factor=4.0,
                                        original_max_position_embeddings=8192)))
    hand = {0: 1.0, 10: 1.65604400809944455489e-2, 14: 3.21144599475259101854e-3, 15: 1.29054792820926381842e-3,
            16: 4.29556796559368200541e-4, 17: 9.70828780262767226081e-5, 18: 1.94616381848311243611e-5,
            20: 8.57025548988147869542e-6, 31: 9.41830672543490983985e-8}
    inv = rope_inv_freq(cfg)
    e = max(abs(inv[i] / v - 1) for i, v in hand.items())
    print(f"self-test llama3 inverse frequencies vs hand-derived values: max relative error {e:.2e}")
    ok &= e < 1e-13
    # safetensors round trip incl. F16/BF16 decode.
    import tempfile
    with tempfile.TemporaryDirectory() as td:
        a = rng.standard_normal((3, 5))
        write_safetensors(Path(td) / "a.safetensors", {"a": a}, {"k": "v"}, dtype="F64")
        st = SafeTensors(Path(td) / "a.safetensors")
        rt = np.array_equal(st.get("a"), a) and st.metadata == {"k": "v"}
        f16 = np.array([1.5, -2.0, 65504.0], dtype="<f2")
        bf = (np.array([1.5, -2.0, 3.0e38], dtype="<f4").view("<u4") >> 16).astype("<u2")
        hdr = {"h": {"dtype": "F16", "shape": [3], "data_offsets": [0, 6]},
               "b": {"dtype": "BF16", "shape": [3], "data_offsets": [6, 12]}}
        hj = json.dumps(hdr).encode()
        (Path(td) / "b.safetensors").write_bytes(struct.pack("<Q", len(hj)) + hj + f16.tobytes() + bf.tobytes())
        st = SafeTensors(Path(td) / "b.safetensors")
        rt &= list(st.get("h")) == [1.5, -2.0, 65504.0]
        bref = np.array([1.5, -2.0, 3.0e38], dtype=np.float32).view(np.uint32) & 0xFFFF0000
        rt &= np.array_equal(st.get("b"), bref.view(np.float32).astype(np.float64))
    print(f"self-test safetensors F64/F16/BF16 round trip: {'ok' if rt else 'FAILED'}")
    ok &= rt
    # Real model, if present: full vs incremental on a short prompt.
    if model_dir is not None and (Path(model_dir) / "model.safetensors").exists():
        m = load_model(model_dir)
        ids = [1] + list(rng.integers(3, m.cfg.vocab, 23))
        e = nmse(forward(m, ids), forward_incremental(m, ids))
        print(f"self-test {model_dir} T={len(ids)}: full vs incremental NMSE {e:.3e}")
        worst = max(worst, e)
        ok &= e < 1e-24
    print(f"self-test worst full-vs-incremental NMSE {worst:.3e}: {'PASS' if ok else 'FAIL'}")
    return ok


# =============================================================================================
# prompts + reference writer / checker
# =============================================================================================

def load_prompts(path):
    spec = json.loads(Path(path).read_text())
    names = set()
    for p in spec["prompts"]:
        if p["name"] in names:
            raise ValueError(f"duplicate prompt name {p['name']}")
        names.add(p["name"])
        T = len(p["ids"])
        s, e = p.get("positions", [0, T])
        if not (0 <= s < e <= T):
            raise ValueError(f"prompt {p['name']}: bad positions {s},{e} for length {T}")
        p["positions"] = [s, e]
        p.setdefault("store", "all")
        p.setdefault("logits", "full")
        if p["logits"] not in ("full", "topk"):
            raise ValueError(f"prompt {p['name']}: logits must be 'full' or 'topk'")
    for key in ("greedy", "held_text"):
        ref = spec.get(key, {}).get("prompt") if key == "greedy" else spec.get(key)
        if ref is not None and ref not in names:
            raise ValueError(f"{key} refers to unknown prompt {ref}")
    return spec


# Top-k kept per position by prompts with "logits": "topk" (128k-152k vocabularies: full
# logits are 0.5-0.6 MB per position).
LOGITS_TOPK = 64


def logits_summary(logits, ids, first, k=LOGITS_TOPK):
    """What a "topk" prompt stores instead of full logits, per row r (position first + r):
    "logits" [R, k]: the k largest logits, descending (ties: lower id first, as np.argmax);
    "logits.topk_ids" [R, k]: their token ids (stored as float32: exact below 2^24);
    "logits.stats" [R, 3]: log-sum-exp of the row, log of the probability mass outside the
    top k (summed directly, not 1 - sum, so a tiny tail keeps its precision), and the
    log-probability of the prompt's next token (0 on the last position).
    From these verify computes KL divergence over the top k plus one tail bucket (README)."""
    order = np.argsort(-logits, axis=1, kind="stable")[:, :k]
    values = np.take_along_axis(logits, order, axis=1)
    mx = logits.max(axis=1, keepdims=True)
    e = np.exp(logits - mx)
    total = e.sum(axis=1)
    lse = mx[:, 0] + np.log(total)
    outside = np.ones(logits.shape, dtype=bool)
    np.put_along_axis(outside, order, False, axis=1)
    log_tail = np.log(np.where(outside, e, 0.0).sum(axis=1)) - np.log(total)
    nxt = np.array([logits[r, ids[first + r + 1]] - lse[r] if first + r + 1 < len(ids) else 0.0
                    for r in range(logits.shape[0])])
    return {"logits": values, "logits.topk_ids": order.astype(np.float64),
            "logits.stats": np.stack([lse, log_tail, nxt], axis=1)}


def compute_prompt(model, p):
    """Taps in contract order (float64), plus the logits summary tensors for a "topk"
    prompt. Returns (tensors to write, {name: (first, last)} for rows other than
    p["positions"], names verify compares, seconds)."""
    s, e = p["positions"]
    taps = {}
    t0 = time.time()
    own = tensor_rows(model.cfg, p)
    names = tap_names(model.cfg, p["store"], [int(L) for L in p.get("local", {}).get("layers", [])])
    r0 = min([s] + [a for a, _ in own.values()])
    forward(model, p["ids"], rows=(r0, e), taps=taps, keep=set(names))
    # rows of each tap in contract order, still float64
    out = {n: taps[n][own.get(n, (s, e))[0] - r0:] for n in names}
    if p["logits"] == "topk":
        out.update(logits_summary(out["logits"], p["ids"], s))
    return out, own, names, time.time() - t0


def resolve_model_dir(model):
    d = Path(model)
    if not d.is_absolute():
        d = REPO / d
    if not (d / "config.json").exists():
        # Convenience: the shared read-only model store, when the repo's models/ link is missing.
        alt = Path("/work/shared/models") / d.name
        if (alt / "config.json").exists() and (alt / "model.safetensors").exists():
            print(f"note: {d} not found, using {alt}")
            return alt
    return d


def rel(p):
    p = Path(p)
    return str(p.relative_to(REPO)) if p.is_absolute() and REPO in p.parents else str(p)


def run(args):
    model_dir = resolve_model_dir(args.model)
    prompts_path = Path(args.prompts) if Path(args.prompts).is_absolute() else REPO / args.prompts
    out_dir = Path(args.out) if Path(args.out).is_absolute() else REPO / args.out
    t_all = time.time()
    model = load_model(model_dir)
    spec = load_prompts(prompts_path)
    print(f"model {model_dir}: hidden {model.cfg.hidden}, layers {model.cfg.n_layers}, heads "
          f"{model.cfg.n_heads}/{model.cfg.n_kv}, head_dim {model.cfg.head_dim}, vocab {model.cfg.vocab}, "
          f"window {model.cfg.window}  (loaded in {time.time() - t_all:.1f}s)")

    if args.check:
        return check(model, spec, out_dir, model_dir, prompts_path)

    out_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for p in spec["prompts"]:
        taps, own, names, dt = compute_prompt(model, p)
        fname = f"{p['name']}.safetensors"
        meta = {"prompt": p["name"], "positions": json.dumps(p["positions"]), "store": p["store"],
                "source": "scripts/reference.py float64, rounded to float32"}
        write_safetensors(out_dir / fname, taps, meta, dtype="F32")
        print(f"  {p['name']}: T={len(p['ids'])} rows {p['positions']} store={p['store']} "
              f"{len(taps)} tensors, {(out_dir / fname).stat().st_size / 1e6:.2f} MB  [{dt:.1f}s]")
        entry = {"name": p["name"], "ids": p["ids"], "file": fname, "positions": p["positions"],
                 "store": p["store"], "tensors": names}
        if own:
            entry["local"] = p["local"]
            entry["tensor_positions"] = {n: list(r) for n, r in own.items()}
        if p["logits"] == "topk":
            entry["logits"] = {"topk": LOGITS_TOPK}
        entries.append(entry)

    g = spec.get("greedy")
    greedy_entry = None
    if g:
        t0 = time.time()
        gp = next(p for p in spec["prompts"] if p["name"] == g["prompt"])
        ids, margins = greedy(model, gp["ids"], int(g["n_tokens"]))
        greedy_entry = {"prompt": g["prompt"], "n_tokens": int(g["n_tokens"]), "ids": ids,
                        "top2_margin": margins}
        print(f"  greedy from {g['prompt']!r}: {ids}  min top2 margin {min(margins):.4g}  [{time.time() - t0:.1f}s]")

    ref = {
        "format": 1,
        "script": "scripts/reference.py",
        "script_version": SCRIPT_VERSION,
        "model": spec.get("model", model_dir.name),
        "model_sha256": sha256_file(model_dir / "model.safetensors"),
        "config_sha256": sha256_file(model_dir / "config.json"),
        "prompts_file": rel(prompts_path),
        "prompts_sha256": sha256_file(prompts_path),
        "dtype": "float32 (rounded from float64)",
        "held_text": spec.get("held_text"),
        "prompts": entries,
        "greedy": greedy_entry,
        "created": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
    }
    (out_dir / "reference.json").write_text(dump_json(ref) + "\n")
    total = sum(f.stat().st_size for f in out_dir.iterdir() if f.is_file())
    print(f"wrote {rel(out_dir)}: {total / 1e6:.2f} MB total  [{time.time() - t_all:.1f}s]")
    return True


def check(model, spec, out_dir, model_dir, prompts_path):
    ref = json.loads((out_dir / "reference.json").read_text())
    ok = True
    if ref["model_sha256"] != sha256_file(model_dir / "model.safetensors"):
        print("MISMATCH: model_sha256 differs from the stored reference")
        ok = False
    if ref["prompts_sha256"] != sha256_file(prompts_path):
        print("MISMATCH: prompts_sha256 differs from the stored reference")
        ok = False
    worst = 0.0
    stored = {e["name"]: e for e in ref["prompts"]}
    for p in spec["prompts"]:
        e = stored.get(p["name"])
        if e is None or e["ids"] != p["ids"] or e["positions"] != p["positions"]:
            print(f"MISMATCH: prompt {p['name']} missing or different in reference.json")
            ok = False
            continue
        taps, _, _, dt = compute_prompt(model, p)
        st = SafeTensors(out_dir / e["file"])
        pw, pname = 0.0, ""
        for n, v in taps.items():
            # Compare against the float32-rounded values we would write now, and against float64.
            err = nmse(st.get(n), v)
            exact = np.array_equal(st.get(n), v.astype(np.float32).astype(np.float64))
            if not exact:
                print(f"  {p['name']}/{n}: stored float32 differs from recomputation (NMSE {err:.3e})")
            if err > pw:
                pw, pname = err, n
        print(f"  {p['name']}: max NMSE(stored f32, recomputed f64) {pw:.3e} ({pname})  [{dt:.1f}s]")
        worst = max(worst, pw)
        ok &= pw < 1e-12
    g = spec.get("greedy")
    if g and ref.get("greedy"):
        gp = next(p for p in spec["prompts"] if p["name"] == g["prompt"])
        ids, _ = greedy(model, gp["ids"], int(g["n_tokens"]))
        same = ids == ref["greedy"]["ids"]
        print(f"  greedy ids {'identical' if same else 'DIFFER'}")
        ok &= same
    print(f"check: max NMSE {worst:.3e}: {'OK' if ok else 'FAIL'}")
    return ok


def make_random_checkpoint(out_dir, config_path, seed):
    """Dev helper: random weights in the shape of `config_path`, to time/test the script on a
    shape (e.g. chat) before the real checkpoint exists. Never commit the output."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cfgd = json.loads(Path(config_path).read_text())
    cfg = Config(cfgd)
    w = random_weights(cfg, np.random.default_rng(seed), tie=cfg.tie)
    if cfg.tie:
        del w["lm_head.weight"]
    write_safetensors(out_dir / "model.safetensors", w, {"format": "pt"}, dtype="F32")
    (out_dir / "config.json").write_text(json.dumps(cfgd, indent=2) + "\n")
    print(f"wrote random checkpoint {out_dir}")


# =============================================================================================
# CLI
# =============================================================================================

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="models/story", help="model dir (config.json, model.safetensors)")
    ap.add_argument("--prompts", default="verify/prompts/story.json")
    ap.add_argument("--out", default="verify/references/story")
    ap.add_argument("--check", action="store_true", help="recompute and compare with stored references")
    ap.add_argument("--self-test", action="store_true", help="cross-check forward() against an incremental path")
    ap.add_argument("--make-random-checkpoint", metavar="DIR", help=argparse.SUPPRESS)
    ap.add_argument("--config", help=argparse.SUPPRESS)
    ap.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.make_random_checkpoint:
        make_random_checkpoint(args.make_random_checkpoint, args.config, args.seed)
        return 0
    if args.self_test:
        md = resolve_model_dir(args.model)
        return 0 if self_test(md if (md / "model.safetensors").exists() else None) else 1
    return 0 if run(args) else 1


if __name__ == "__main__":
    sys.exit(main())
