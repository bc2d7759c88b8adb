"""Final project comparisons: GPT training speed vs PyTorch, KV-cache generation, BPE training time."""

import numpy as np

from tools.bench_harness import Comparison

# nanoGPT's CPU configuration for shakespeare_char
NANO = {"block": 64, "layers": 4, "heads": 4, "dim": 128, "batch": 12, "lr": 1e-3}


def _char_data():
    from common import datasets
    from final_gpt.bpe import CharTokenizer

    text = datasets.load("tiny-shakespeare")
    tok = CharTokenizer.train(text)
    return tok, np.asarray(tok.encode(text), dtype=np.int64)


def gpt_training(steps: int = 20):
    """The same model, init, batches and AdamW loop: minigrad (ours) vs PyTorch CPU, per ``steps`` steps."""
    import torch

    import minigrad as mg
    from final_gpt import gpt
    from final_gpt.model import GPT, GPTConfig
    from final_gpt.torch_gpt import TorchGPT, train_steps

    tok, ids = _char_data()
    cfg = GPTConfig(vocab_size=tok.vocab_size, block_size=NANO["block"], n_layer=NANO["layers"],
                    n_head=NANO["heads"], n_embd=NANO["dim"])
    rng = np.random.default_rng(0)
    batches = [gpt.get_batch(ids, NANO["batch"], NANO["block"], rng) for _ in range(steps)]
    lrs = [gpt.lr_at(i, NANO["lr"], 2000, 100, NANO["lr"] / 10) for i in range(steps)]
    init = GPT(cfg, seed=0).state_dict()

    def ours():
        model = GPT(cfg, seed=0)
        model.load_state_dict(init)
        opt = gpt.make_optimizer(model, NANO["lr"], 0.1)
        return [gpt.train_step(model, opt, x, y, lr) for (x, y), lr in zip(batches, lrs)]

    def reference():
        torch.manual_seed(0)
        model = TorchGPT(cfg.vocab_size, cfg.block_size, cfg.n_layer, cfg.n_head, cfg.n_embd)
        model.load_numpy(init)
        return train_steps(model, batches, lrs)

    n = cfg.num_parameters() - cfg.vocab_size * cfg.n_embd - cfg.block_size * cfg.n_embd
    tokens = NANO["batch"] * NANO["block"]
    # 6 flops per weight per token (forward 2, backward 4), attention 12 L T C, tied head 6 V C
    flops = steps * tokens * (6 * n + 12 * cfg.n_layer * cfg.block_size * cfg.n_embd
                              + 6 * cfg.vocab_size * cfg.n_embd)
    return Comparison(
        f"gpt: {steps} training steps, nanoGPT CPU config (4x128, block 64, batch 12)", ours, reference,
        "PyTorch CPU, same model/init/batches/AdamW", max_ratio=1.5,
        quality=lambda o, r: (f"loss after {steps} steps", o[-1], r[-1]), repeats=5, flops=flops,
        note=f"{torch.get_num_threads()} torch threads (intra-op); ours: each batch split between "
             f"{mg.threads.num_threads()} data-parallel threads")


def gpt_textbook_training(steps: int = 5):
    """The textbook tier's cost: ``steps`` training steps of GPT(reference=True) (attention, LayerNorm
    and GELU in minigrad ops, left to autograd) vs the default fused GPT, same init and batches."""
    from final_gpt import gpt
    from final_gpt.model import GPT, GPTConfig

    tok, ids = _char_data()
    cfg = GPTConfig(vocab_size=tok.vocab_size, block_size=NANO["block"], n_layer=NANO["layers"],
                    n_head=NANO["heads"], n_embd=NANO["dim"])
    rng = np.random.default_rng(0)
    batches = [gpt.get_batch(ids, NANO["batch"], NANO["block"], rng) for _ in range(steps)]
    lrs = [gpt.lr_at(i, NANO["lr"], 2000, 100, NANO["lr"] / 10) for i in range(steps)]

    def run(reference: bool):
        model = GPT(cfg, seed=0, reference=reference)
        opt = gpt.make_optimizer(model, NANO["lr"], 0.1)
        return [gpt.train_step(model, opt, x, y, lr) for (x, y), lr in zip(batches, lrs)]

    return Comparison(
        f"gpt: {steps} training steps with the textbook tier (GPT(reference=True), 4x128, block 64)",
        lambda: run(True), lambda: run(False), "the fused tier, same model/init/batches",
        quality=lambda o, r: (f"loss after {steps} steps", o[-1], r[-1]), repeats=3, warmup=1,
        note="textbook tier, for reading: no target ratio; the fused tier is the training row above")


def kv_cache_generation(tokens: int = 500):
    """500 sampled tokens with the KV cache vs recomputing the whole context each token."""
    from final_gpt.model import GPT, GPTConfig

    cfg = GPTConfig(vocab_size=65, block_size=512, n_layer=4, n_head=4, n_embd=128)
    model = GPT(cfg, seed=0)
    prompt = np.zeros((1, 1), dtype=np.int64)

    def ours():
        return model.generate(prompt, tokens, rng=np.random.default_rng(0), use_cache=True)

    def reference():
        return model.generate(prompt, tokens, rng=np.random.default_rng(0), use_cache=False)

    return Comparison(
        f"gpt: generate {tokens} tokens with KV cache (4x128, block 512)", ours, reference,
        "same model recomputing the full context per token", max_ratio=1 / 3,
        quality=lambda o, r: ("fraction of identical tokens", float(np.mean(o == r)), 1.0), repeats=1, warmup=0)


def bpe_training():
    """Byte-level BPE, 10,000-token vocabulary on tiny Shakespeare, within a budget of 15 s."""
    from common import datasets
    from final_gpt.bpe import BPETokenizer

    text = datasets.load("tiny-shakespeare")
    return Comparison(
        "bpe: train 10,000-token vocabulary on tiny Shakespeare (1.1 MB)",
        lambda: BPETokenizer.train(text, 10000), None, "budget 15 s", budget_s=15.0, max_ratio=1.0,
        repeats=1, warmup=0, note="naive full recount per merge: 10-20 min; HF Rust trainer: ~0.4 s")


def bpe_textbook_training(chars: int = 100_000, vocab_size: int = 512):
    """BPE textbook trainer: the fast tier vs the textbook tier (recount every pair per merge)."""
    from common import datasets
    from final_gpt.bpe import train_bpe_fast, train_bpe_reference

    text = datasets.load("tiny-shakespeare")[:chars]
    return Comparison(
        f"bpe: fast trainer vs textbook trainer, {vocab_size}-token vocabulary on {chars // 1000} kB of "
        "tiny Shakespeare", lambda: train_bpe_fast(text, vocab_size), lambda: train_bpe_reference(text, vocab_size),
        "textbook trainer (train_bpe_reference, recounts every pair per merge)", max_ratio=0.2,
        quality=lambda o, r: ("fraction of merges equal to the textbook's",
                              sum(a == b for a, b in zip(o, r)) / max(len(o), len(r), 1), 1.0),
        repeats=3, warmup=0, note="both tiers learn the same merges; the gap grows with the vocabulary")
