#!/usr/bin/env python3
"""Writes seed inputs derived from the real files in models/, bench/workloads/ and results/
into OUT/<target>/ (a temporary corpus, not committed). Large files are shrunk to fit the
fuzzers' -max_len while keeping their real structure: the story tokenizer keeps its first
ids and the merges among them, safetensors headers keep real names and metadata with every
dimension cut to at most 2."""
import glob, json, os, struct, sys

root, out = sys.argv[1], sys.argv[2]


def put(target, name, data):
    os.makedirs(os.path.join(out, target), exist_ok=True)
    with open(os.path.join(out, target, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def model_dirs():
    for name in ("story", "chat"):
        for base in (os.path.join(root, "models"), os.path.join(root, "..", "shared", "models")):
            d = os.path.join(base, name)
            if os.path.exists(os.path.join(d, "config.json")):
                yield name, d
                break


for name, d in model_dirs():
    for f in ("config.json", "generation_config.json"):
        if os.path.exists(os.path.join(d, f)):
            put("config", f"{name}_{f}", open(os.path.join(d, f), "rb").read())
    cfg = os.path.join(d, "tokenizer_config.json")
    if os.path.exists(cfg):
        t = json.load(open(cfg)).get("chat_template")
        if isinstance(t, str):
            put("chat_template", f"{name}_template", t)
            put("chat_template", f"{name}_template_messages", t + "\0system\1Hi\1user\1<|im_end|>\1")
    st = os.path.join(d, "model.safetensors")
    if os.path.exists(st):
        with open(st, "rb") as f:
            n = struct.unpack("<Q", f.read(8))[0]
            header = json.loads(f.read(n))
        small, offset = {}, 0
        for k, v in header.items():
            if k == "__metadata__":
                small[k] = v
                continue
            shape = [min(x, 2) for x in v["shape"]]
            size = (4 if v["dtype"] == "F32" else 2)
            for x in shape:
                size *= x
            small[k] = {"dtype": v["dtype"], "shape": shape, "data_offsets": [offset, offset + size]}
            offset += size
            if len(small) >= 12:
                break
        h = json.dumps(small).encode()
        put("safetensors", f"{name}_shrunk.safetensors", struct.pack("<Q", len(h)) + h + bytes(range(256)) * (offset // 256 + 1))
    tok_path = os.path.join(d, "tokenizer.json")
    if os.path.exists(tok_path):
        tok = json.load(open(tok_path))
        keep = 300
        vocab = {t: i for t, i in tok["model"]["vocab"].items() if i < keep}
        merges = []
        for m in tok["model"]["merges"]:
            a, b = m.split(" ", 1) if isinstance(m, str) else m
            if a in vocab and b in vocab and a + b in vocab:
                merges.append(m)
        tok["model"]["vocab"], tok["model"]["merges"] = vocab, merges
        tok["added_tokens"] = [a for a in tok.get("added_tokens") or [] if a["id"] < keep or a["content"] not in vocab]
        put("tokenizer_load", f"{name}_shrunk.json", json.dumps(tok, ensure_ascii=False))

cases = os.path.join(root, "tests", "data", "tokenizer_cases.json")
if os.path.exists(cases):
    data = json.load(open(cases))
    texts = []

    def walk(x):
        if isinstance(x, dict):
            for k, v in x.items():
                if k in ("text", "input") and isinstance(v, str):
                    texts.append(v)
                else:
                    walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(data)
    for i, t in enumerate(texts[:200]):
        put("tokenizer_encode", f"case{i}", bytes([i % 2]) + t.encode()[:4000])

for p in glob.glob(os.path.join(root, "bench", "workloads", "*.json")):
    put("workload", os.path.basename(p), open(p, "rb").read())
for p in glob.glob(os.path.join(root, "results", "**", "*.json"), recursive=True)[:20]:
    if os.path.getsize(p) < 16384:
        put("record_io", os.path.basename(p), open(p, "rb").read())


def gguf_seed(types):
    """A small valid llama GGUF (1 layer, hidden 32, heads 2 : 1, vocab 4) with the tensor
    types given per tensor: the layout of engine/gguf.h, so the fuzzer starts from inputs
    that reach the model reader and the q/k un-permutation."""
    def s(x):
        x = x.encode()
        return struct.pack("<Q", len(x)) + x
    kv = [("general.architecture", 8, s("llama")), ("general.name", 8, s("seed")),
          ("general.alignment", 4, struct.pack("<I", 32)),
          ("llama.context_length", 4, struct.pack("<I", 16)), ("llama.embedding_length", 4, struct.pack("<I", 32)),
          ("llama.block_count", 4, struct.pack("<I", 1)), ("llama.feed_forward_length", 4, struct.pack("<I", 32)),
          ("llama.attention.head_count", 4, struct.pack("<I", 2)), ("llama.attention.head_count_kv", 4, struct.pack("<I", 1)),
          ("llama.rope.dimension_count", 4, struct.pack("<I", 16)),
          ("llama.attention.layer_norm_rms_epsilon", 6, struct.pack("<f", 1e-5)),
          ("llama.rope.freq_base", 6, struct.pack("<f", 10000.0)), ("llama.vocab_size", 4, struct.pack("<I", 4)),
          ("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, 4) + b"".join(s(t) for t in ("<unk>", "<s>", "</s>", "a"))),
          ("tokenizer.ggml.scores", 9, struct.pack("<IQ", 6, 4) + struct.pack("<4f", 0, 0, 0, -1)),
          ("tokenizer.ggml.bos_token_id", 4, struct.pack("<I", 1)), ("tokenizer.ggml.eos_token_id", 4, struct.pack("<I", 2)),
          ("tokenizer.ggml.add_bos_token", 7, b"\1")]
    shapes = [("token_embd.weight", [32, 4]), ("output_norm.weight", [32]), ("blk.0.attn_norm.weight", [32]),
              ("blk.0.ffn_norm.weight", [32]), ("blk.0.attn_q.weight", [32, 32]), ("blk.0.attn_k.weight", [32, 16]),
              ("blk.0.attn_v.weight", [32, 16]), ("blk.0.attn_output.weight", [32, 32]),
              ("blk.0.ffn_gate.weight", [32, 32]), ("blk.0.ffn_up.weight", [32, 32]), ("blk.0.ffn_down.weight", [32, 32])]
    size = {0: lambda n: 4 * n, 1: lambda n: 2 * n, 30: lambda n: 2 * n, 8: lambda n: n // 32 * 34, 2: lambda n: n // 32 * 18}
    head = b"GGUF" + struct.pack("<IQQ", 3, len(shapes), len(kv))
    for k, t, v in kv:
        head += s(k) + struct.pack("<I", t) + v
    data, infos = b"", b""
    for i, (name, ne) in enumerate(shapes):
        t = 0 if len(ne) == 1 else types[i % len(types)]
        n = ne[0] * (ne[1] if len(ne) > 1 else 1)
        infos += s(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", d) for d in ne) + struct.pack("<IQ", t, len(data))
        # Small finite values: fp16 0x2c00 (1/16) scales for the blocks, a ramp elsewhere.
        blob = bytes((j * 7 + i) % 64 for j in range(size[t](n)))
        if t in (8, 2):
            per = 34 if t == 8 else 18
            blob = b"".join(b"\x00\x2c" + blob[b * per + 2:(b + 1) * per] for b in range(len(blob) // per))
        data += blob + bytes((32 - len(blob) % 32) % 32)
    out = head + infos
    return out + bytes((32 - len(out) % 32) % 32) + data


put("gguf", "llama_q8_q4_bf16.gguf", gguf_seed([8, 2, 30]))
put("gguf", "llama_f16_q8.gguf", gguf_seed([1, 8]))
