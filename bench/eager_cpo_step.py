#!/usr/bin/python3
"""The eager PyTorch reference for `cpo bench`: the same model, batches and steps written the
straightforward way, on the same ATen kernels (Debian's python3-torch is LibTorch 1.13, the
library the app links). Prints one JSON document whose keys are `cpo bench --json`'s.

    sudo apt-get install python3-torch      # the system python3, not a virtual environment's
    /usr/bin/python3 bench/eager_cpo_step.py [--steps 8] [--only matmul,mle,cpo-naive,an-naive]

The figures (see README, `cpo bench`): a GPT-2 of vocabulary 4096, d_model 256, 4 layers,
4 heads, 128 positions, HF's initialisation, fp32, AdamW (lr 1e-4).
- matmul_gflops: fp32 1024^3 matmul, the best over OpenBLAS thread counts 1..cores.
- mle_step_ms / mle_tokens_per_s: batch 8 x 128 random tokens, next-token loss everywhere.
- cpo_step_naive_ms: batch 8, K 4 candidates per prompt, prompt 64 + continuation 64 tokens:
  K full sequences through pi_theta (with gradients) and pi_ref (without), log-softmax over
  every position, continuation log-probs summed, rewards h = sum log pi_theta - sum log pi_ref,
  loss -log softmax(beta h)[0] with beta 5, backward, AdamW.
- an_naive_tokens_per_s: 8 prompts of 64 tokens x 3 continuations of 64 tokens sampled at
  temperature 1, the whole sequence re-run for every new token (no KV cache).
- peak_rss_mb: the process's peak resident memory during the measured calls of each stage;
  cpu_ms: the process's CPU time (user + system, every thread) per measured call.
"""
import argparse
import ctypes
import json
import math
import os
import re
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB, WIDTH, LAYERS, HEADS, POSITIONS = 4096, 256, 4, 4, 128
BATCH, K, PROMPT, CONTINUATION, BETA = 8, 4, 64, 64, 5.0
MATMUL = 1024


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = nn.LayerNorm(WIDTH)
        self.c_attn = nn.Linear(WIDTH, 3 * WIDTH)
        self.attn_proj = nn.Linear(WIDTH, WIDTH)
        self.ln_2 = nn.LayerNorm(WIDTH)
        self.c_fc = nn.Linear(WIDTH, 4 * WIDTH)
        self.mlp_proj = nn.Linear(4 * WIDTH, WIDTH)
        causal = torch.tril(torch.ones(POSITIONS, POSITIONS, dtype=torch.bool))
        self.register_buffer("causal", causal.view(1, 1, POSITIONS, POSITIONS))

    def attention(self, x):
        batch, time_, width = x.shape
        q, k, v = self.c_attn(x).split(width, dim=2)
        q, k, v = (t.view(batch, time_, HEADS, width // HEADS).transpose(1, 2)
                   for t in (q, k, v))
        scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(width // HEADS))
        scores = scores.masked_fill(~self.causal[:, :, :time_, :time_], float("-inf"))
        y = F.softmax(scores, dim=-1) @ v
        return self.attn_proj(y.transpose(1, 2).reshape(batch, time_, width))

    def forward(self, x):
        x = x + self.attention(self.ln_1(x))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class Gpt2(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(VOCAB, WIDTH)
        self.wpe = nn.Embedding(POSITIONS, WIDTH)
        self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.ln_f = nn.LayerNorm(WIDTH)
        for name, p in self.named_parameters():  # HF's _init_weights
            if name.endswith(".bias"):
                nn.init.zeros_(p)
            elif p.dim() == 1:
                nn.init.ones_(p)
            elif name.endswith("_proj.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * LAYERS))
            else:
                nn.init.normal_(p, 0.0, 0.02)

    def forward(self, ids):
        positions = torch.arange(ids.size(1), device=ids.device)
        h = self.wte(ids) + self.wpe(positions)
        for block in self.blocks:
            h = block(h)
        return F.linear(self.ln_f(h), self.wte.weight)  # the tied LM head


def rss_peak_mb():
    status = open("/proc/self/status").read()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024.0


def reset_rss_peak():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets VmHWM to the current resident size


def seconds_per_call(fn, repeats):
    """Mean seconds per call over `repeats` after one warm-up call, with the calls' peak RSS
    and CPU milliseconds per call (user + system, every thread), as `cpo bench` measures."""
    fn()
    reset_rss_peak()
    cpu = time.process_time()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    seconds = (time.perf_counter() - start) / repeats
    return seconds, rss_peak_mb(), (time.process_time() - cpu) * 1e3 / repeats


def openblas():
    for name in ("libopenblas.so.0", "libblas.so.3"):
        try:
            lib = ctypes.CDLL(name)
            lib.openblas_get_num_threads  # raises AttributeError on another BLAS
            return lib
        except (OSError, AttributeError):
            pass
    return None


def matmul_roof(blas):
    """The best fp32 1024^3 matmul over BLAS thread counts 1..cores: (GFLOP/s, threads).
    Measured as `cpo bench` does: after each switch of the thread count 3 untimed calls, then
    at least 8 calls and 0.3 s of them, the thread counts swept twice."""
    a, b = torch.randn(MATMUL, MATMUL), torch.randn(MATMUL, MATMUL)
    flops = 2.0 * MATMUL ** 3
    original = blas.openblas_get_num_threads() if blas else 0
    best = (0.0, original)
    counts = list(range(1, os.cpu_count() + 1)) if blas else [original]
    for threads in counts * 2:
        if blas:
            blas.openblas_set_num_threads(threads)
        for _ in range(3):
            a.mm(b)
        calls, spent = 0, 0.0
        while calls < 8 or spent < 0.3:  # the best call: a roof, not an average under load
            start = time.perf_counter()
            a.mm(b)
            took = time.perf_counter() - start
            calls, spent = calls + 1, spent + took
            best = max(best, (flops / took / 1e9, threads))
    if blas:
        blas.openblas_set_num_threads(original)
    return best


def random_tokens(*shape):
    return torch.randint(0, VOCAB, shape)


def mle_step_ms(steps):
    model = Gpt2().train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    tokens = random_tokens(BATCH, POSITIONS)

    def step():
        optimizer.zero_grad()
        logits = model(tokens)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, VOCAB), tokens[:, 1:].reshape(-1))
        loss.backward()
        optimizer.step()
        loss.item()

    step()
    seconds, peak, cpu_ms = seconds_per_call(step, steps)
    return seconds * 1e3, sum(p.numel() for p in model.parameters()), peak, cpu_ms


def continuation_log_probs(model, ids):
    """Summed log p of each row's continuation: log-softmax over every position."""
    log_probs = model(ids)[:, :-1].log_softmax(-1)
    picked = log_probs.gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1)
    return picked[:, PROMPT - 1:].sum(1)


def cpo_step_naive_ms(steps):
    policy = Gpt2().train()
    reference = Gpt2().eval()
    reference.load_state_dict(policy.state_dict())
    for p in reference.parameters():
        p.requires_grad_(False)
    optimizer = torch.optim.AdamW(policy.parameters(), lr=1e-4)
    # Row b*K + k: example b's prompt, then its ground truth (k = 0) or a negative.
    prompts = random_tokens(BATCH, 1, PROMPT).expand(BATCH, K, PROMPT)
    ids = torch.cat([prompts, random_tokens(BATCH, K, CONTINUATION)], 2).reshape(BATCH * K, -1)

    def step():
        optimizer.zero_grad()
        with torch.no_grad():
            reference_sums = continuation_log_probs(reference, ids)
        rewards = (continuation_log_probs(policy, ids) - reference_sums).view(BATCH, K)
        loss = -(BETA * rewards).log_softmax(1)[:, 0].mean()
        loss.backward()
        optimizer.step()
        loss.item()

    step()
    seconds, peak, cpu_ms = seconds_per_call(step, steps)
    return seconds * 1e3, peak, cpu_ms


def an_naive_tokens_per_s():
    model = Gpt2().eval()
    prompts = random_tokens(BATCH, 1, PROMPT).expand(BATCH, K - 1, PROMPT).reshape(-1, PROMPT)
    generator = torch.Generator().manual_seed(1234)

    @torch.no_grad()
    def sample():
        ids = prompts
        for _ in range(CONTINUATION):
            probs = model(ids)[:, -1].softmax(-1)
            ids = torch.cat([ids, torch.multinomial(probs, 1, generator=generator)], 1)

    seconds, peak, cpu_ms = seconds_per_call(sample, 1)
    return prompts.size(0) * CONTINUATION / seconds, peak, cpu_ms


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=8, help="timed steps per stage")
    parser.add_argument("--only", default="matmul,mle,cpo-naive,an-naive",
                        help="the figures to measure, as `cpo bench --only` names them")
    parser.add_argument("--threads", type=int, default=0,
                        help="LibTorch's and OpenBLAS's threads, as `cpo bench --threads`")
    args = parser.parse_args()
    torch.manual_seed(1234)
    blas = openblas()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
        if blas:
            blas.openblas_set_num_threads(args.threads)
    stages = set(args.only.split(","))
    report = {
        "implementation": "eager pytorch " + torch.__version__,
        "threads": torch.get_num_threads(),
        "blas_threads": blas.openblas_get_num_threads() if blas else -1,
        "params": sum(p.numel() for p in Gpt2().parameters()),
        "peak_rss_mb": {},
        "cpu_ms": {},
    }
    if "matmul" in stages:
        report["matmul_gflops"], report["matmul_blas_threads"] = matmul_roof(blas)
    if "mle" in stages:
        mle_ms, _, report["peak_rss_mb"]["mle_step"], report["cpu_ms"]["mle_step"] = \
            mle_step_ms(args.steps)
        report["mle_step_ms"] = mle_ms
        report["mle_tokens_per_s"] = BATCH * POSITIONS / (mle_ms / 1e3)
        if "matmul_gflops" in report:
            report["mfu"] = (6.0 * report["params"] * report["mle_tokens_per_s"]
                             / (report["matmul_gflops"] * 1e9))
    if "cpo-naive" in stages:
        (report["cpo_step_naive_ms"], report["peak_rss_mb"]["cpo_step_naive"],
         report["cpu_ms"]["cpo_step_naive"]) = cpo_step_naive_ms(args.steps)
    if "an-naive" in stages:
        (report["an_naive_tokens_per_s"], report["peak_rss_mb"]["an_sampling_naive"],
         report["cpu_ms"]["an_sampling_naive"]) = an_naive_tokens_per_s()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
