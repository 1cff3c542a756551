#!/usr/bin/python3
"""Golden logits for tests/model/tst_model.cpp: tiny GPT-2 and Llama models as HF folders.

How the values are made: each model's weights are drawn from a seeded torch generator (float32,
larger than HF's init so that every weight visibly moves the logits), written by hand in HF's
layout (config.json + model.safetensors), and run through the forward pass below. That forward
pass is an independent reference written from Hugging Face transformers' published math
(modeling_gpt2.py, modeling_llama.py); it shares no code with the C++ engine and runs in
float64, so it states the math rather than one float32 rounding of it. The C++ test compares
its float32 logits with these within 1e-4 absolute.

Positions follow the engine's contract: cumsum(attention_mask) - 1, clamped at 0, which is
what HF computes for generation and equals arange() for the real tokens of a right-padded
row. Logits at padded positions are written too but are not part of the contract; the test
compares real tokens only.

Regenerate (Debian's python3-torch 1.13, no transformers needed):
    /usr/bin/python3 tests/golden/make_golden.py   (or ./tests/golden/make_golden.py)
The output is deterministic; the files are small (< 200 KB each).
"""

import json
import math
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))

VOCAB = 64
HIDDEN = 32
LAYERS = 2
HEADS = 4


# --------------------------------------------------------------------------- file writing

def write_safetensors(tensors, path):
    """safetensors by hand: u64 LE header length, JSON header, raw little-endian F32 data."""
    header = {"__metadata__": {"format": "pt"}}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous()
        data = struct.pack("<%df" % t.numel(), *t.flatten().tolist())
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)  # HF pads the header so the data is 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for blob in blobs:
            f.write(blob)


def write_json(obj, path):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


# --------------------------------------------------------------------------- reference math

def positions_from_mask(mask):
    return (mask.cumsum(-1) - 1).clamp(min=0)


def attention(q, k, v, mask):
    """q [B,H,T,D], k/v [B,Hkv,T,D]; causal plus key padding; query head h uses kv head
    h // (H / Hkv) as HF's repeat_kv does."""
    rep = q.shape[1] // k.shape[1]
    k = k.repeat_interleave(rep, dim=1)
    v = v.repeat_interleave(rep, dim=1)
    t = q.shape[2]
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    allowed = torch.ones(t, t, dtype=torch.bool).tril()[None, None] & mask.bool()[:, None, None, :]
    scores = scores.masked_fill(~allowed, float("-inf"))
    return scores.softmax(-1) @ v


def split_heads(x, heads):
    b, t, c = x.shape
    return x.view(b, t, heads, c // heads).transpose(1, 2)


def merge_heads(x):
    b, h, t, d = x.shape
    return x.transpose(1, 2).reshape(b, t, h * d)


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * w + b


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def gpt2_forward(p, cfg, ids, mask):
    """HF GPT2LMHeadModel: learned positions, pre-LN blocks, Conv1D (x @ W + b, W [in, out]),
    gelu_new, final ln_f, LM head tied to wte."""
    eps = cfg["layer_norm_epsilon"]
    pos = positions_from_mask(mask)
    h = p["wte.weight"][ids] + p["wpe.weight"][pos]
    for i in range(cfg["n_layer"]):
        w = lambda name: p["h.%d.%s" % (i, name)]
        a = layer_norm(h, w("ln_1.weight"), w("ln_1.bias"), eps)
        q, k, v = (a @ w("attn.c_attn.weight") + w("attn.c_attn.bias")).split(HIDDEN, dim=-1)
        heads = cfg["n_head"]
        o = merge_heads(attention(split_heads(q, heads), split_heads(k, heads),
                                  split_heads(v, heads), mask))
        h = h + o @ w("attn.c_proj.weight") + w("attn.c_proj.bias")
        m = layer_norm(h, w("ln_2.weight"), w("ln_2.bias"), eps)
        m = gelu_new(m @ w("mlp.c_fc.weight") + w("mlp.c_fc.bias"))
        h = h + m @ w("mlp.c_proj.weight") + w("mlp.c_proj.bias")
    h = layer_norm(h, p["ln_f.weight"], p["ln_f.bias"], eps)
    return h @ p["wte.weight"].T, h


def rms_norm(x, w, eps):
    return x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def llama_forward(p, cfg, ids, mask):
    """HF LlamaForCausalLM: RMSNorm, rotary embeddings (rotate_half convention, inv_freq =
    theta^(-2i/d)), grouped-query attention, SwiGLU MLP, no biases, untied lm_head."""
    eps = cfg["rms_norm_eps"]
    heads, kv_heads = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    d = cfg["hidden_size"] // heads
    inv_freq = 1.0 / cfg["rope_theta"] ** (torch.arange(0, d, 2, dtype=torch.float64) / d)
    angles = positions_from_mask(mask).to(torch.float64)[..., None] * inv_freq
    angles = torch.cat((angles, angles), dim=-1)[:, None]  # [B, 1, T, D]
    cos, sin = angles.cos(), angles.sin()
    rope = lambda x: x * cos + rotate_half(x) * sin
    h = p["model.embed_tokens.weight"][ids]
    for i in range(cfg["num_hidden_layers"]):
        w = lambda name: p["model.layers.%d.%s" % (i, name)]
        a = rms_norm(h, w("input_layernorm.weight"), eps)
        q = rope(split_heads(a @ w("self_attn.q_proj.weight").T, heads))
        k = rope(split_heads(a @ w("self_attn.k_proj.weight").T, kv_heads))
        v = split_heads(a @ w("self_attn.v_proj.weight").T, kv_heads)
        h = h + merge_heads(attention(q, k, v, mask)) @ w("self_attn.o_proj.weight").T
        m = rms_norm(h, w("post_attention_layernorm.weight"), eps)
        gate = m @ w("mlp.gate_proj.weight").T
        up = m @ w("mlp.up_proj.weight").T
        h = h + (torch.nn.functional.silu(gate) * up) @ w("mlp.down_proj.weight").T
    h = rms_norm(h, p["model.norm.weight"], eps)
    return h @ p["lm_head.weight"].T, h


# --------------------------------------------------------------------------- models

def gpt2_model(gen):
    cfg = {
        "activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"],
        "attn_pdrop": 0.0, "bos_token_id": 1, "embd_pdrop": 0.0, "eos_token_id": 2,
        "initializer_range": 0.02, "layer_norm_epsilon": 1e-5, "model_type": "gpt2",
        "n_ctx": 64, "n_embd": HIDDEN, "n_head": HEADS, "n_inner": None, "n_layer": LAYERS,
        "n_positions": 64, "resid_pdrop": 0.0, "torch_dtype": "float32",
        "vocab_size": VOCAB,
    }
    inner = 4 * HIDDEN
    randn = lambda *shape, std=0.2: torch.randn(*shape, generator=gen) * std
    p = {"wte.weight": randn(VOCAB, HIDDEN, std=0.5), "wpe.weight": randn(64, HIDDEN, std=0.3)}
    for i in range(LAYERS):
        pre = "h.%d." % i
        p[pre + "ln_1.weight"] = 1 + randn(HIDDEN, std=0.1)
        p[pre + "ln_1.bias"] = randn(HIDDEN, std=0.1)
        p[pre + "attn.c_attn.weight"] = randn(HIDDEN, 3 * HIDDEN, std=0.3)
        p[pre + "attn.c_attn.bias"] = randn(3 * HIDDEN, std=0.1)
        p[pre + "attn.c_proj.weight"] = randn(HIDDEN, HIDDEN)
        p[pre + "attn.c_proj.bias"] = randn(HIDDEN, std=0.1)
        p[pre + "ln_2.weight"] = 1 + randn(HIDDEN, std=0.1)
        p[pre + "ln_2.bias"] = randn(HIDDEN, std=0.1)
        p[pre + "mlp.c_fc.weight"] = randn(HIDDEN, inner)
        p[pre + "mlp.c_fc.bias"] = randn(inner, std=0.1)
        p[pre + "mlp.c_proj.weight"] = randn(inner, HIDDEN, std=0.1)
        p[pre + "mlp.c_proj.bias"] = randn(HIDDEN, std=0.1)
    p["ln_f.weight"] = 1 + randn(HIDDEN, std=0.1)
    p["ln_f.bias"] = randn(HIDDEN, std=0.1)
    # Old HF GPT-2 files carry the causal mask as a buffer; the loader must skip it.
    stored = dict(p)
    for i in range(LAYERS):
        stored["h.%d.attn.bias" % i] = torch.ones(64, 64).tril().view(1, 1, 64, 64)
    return cfg, p, stored


def llama_model(gen):
    cfg = {
        "architectures": ["LlamaForCausalLM"], "attention_bias": False,
        "attention_dropout": 0.0, "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
        "hidden_size": HIDDEN, "initializer_range": 0.02, "intermediate_size": 64,
        "max_position_embeddings": 128, "mlp_bias": False, "model_type": "llama",
        "num_attention_heads": HEADS, "num_hidden_layers": LAYERS, "num_key_value_heads": 2,
        "pretraining_tp": 1, "rms_norm_eps": 1e-6, "rope_scaling": None,
        "rope_theta": 500000.0, "tie_word_embeddings": False, "torch_dtype": "float32",
        "use_cache": True, "vocab_size": VOCAB,
    }
    d = HIDDEN // HEADS
    kv = cfg["num_key_value_heads"] * d
    inter = cfg["intermediate_size"]
    randn = lambda *shape, std=0.2: torch.randn(*shape, generator=gen) * std
    p = {"model.embed_tokens.weight": randn(VOCAB, HIDDEN, std=0.5)}
    for i in range(LAYERS):
        pre = "model.layers.%d." % i
        p[pre + "input_layernorm.weight"] = 1 + randn(HIDDEN, std=0.1)
        p[pre + "self_attn.q_proj.weight"] = randn(HIDDEN, HIDDEN, std=0.3)
        p[pre + "self_attn.k_proj.weight"] = randn(kv, HIDDEN, std=0.3)
        p[pre + "self_attn.v_proj.weight"] = randn(kv, HIDDEN)
        p[pre + "self_attn.o_proj.weight"] = randn(HIDDEN, HIDDEN)
        p[pre + "post_attention_layernorm.weight"] = 1 + randn(HIDDEN, std=0.1)
        p[pre + "mlp.gate_proj.weight"] = randn(inter, HIDDEN)
        p[pre + "mlp.up_proj.weight"] = randn(inter, HIDDEN)
        p[pre + "mlp.down_proj.weight"] = randn(HIDDEN, inter)
    p["model.norm.weight"] = 1 + randn(HIDDEN, std=0.1)
    p["lm_head.weight"] = randn(VOCAB, HIDDEN, std=0.3)
    return cfg, p, dict(p)


def cases(gen):
    """One unpadded sequence (with its final hidden state) and a right-padded batch."""
    single = torch.randint(0, VOCAB, (1, 10), generator=gen)
    batch = torch.randint(0, VOCAB, (2, 10), generator=gen)
    mask = torch.ones(2, 10, dtype=torch.int64)
    mask[1, 6:] = 0
    batch[1, 6:] = 0  # pad id: any id works, the mask decides
    return [("single", single, None, True), ("right_padded", batch, mask, False)]


def rounded(t):
    return [rounded(x) for x in t] if t.dim() > 0 else round(float(t), 6)


def make(name, builder, forward, seed):
    gen = torch.Generator().manual_seed(seed)
    cfg, params, stored = builder(gen)
    folder = os.path.join(HERE, name)
    os.makedirs(folder, exist_ok=True)
    write_json(cfg, os.path.join(folder, "config.json"))
    write_safetensors(stored, os.path.join(folder, "model.safetensors"))
    p64 = {k: v.to(torch.float64) for k, v in params.items()}
    out = {"source": "tests/golden/make_golden.py (float64 reference forward)",
           "tolerance": 1e-4, "cases": []}
    for case, ids, mask, with_hidden in cases(gen):
        full_mask = mask if mask is not None else torch.ones_like(ids)
        logits, hidden = forward(p64, cfg, ids, full_mask)
        entry = {"name": case, "input_ids": ids.tolist(),
                 "attention_mask": mask.tolist() if mask is not None else None,
                 "logits": rounded(logits)}
        if with_hidden:
            entry["hidden"] = rounded(hidden)
        out["cases"].append(entry)
    write_json(out, os.path.join(folder, "golden.json"))


if __name__ == "__main__":
    make("gpt2-tiny", gpt2_model, gpt2_forward, seed=1234)
    make("llama-tiny", llama_model, llama_forward, seed=5678)
