"""MiniGPT from scratch: train a transformer language model on text, then generate from it.

    python final_gpt/gpt.py train shakespeare.txt                       # CPU defaults, a few minutes
    python final_gpt/gpt.py train shakespeare.txt --layers 6 --heads 8 --dim 512   # BPE, 24M, for a GPU
    python final_gpt/gpt.py generate --prompt "To be, or not to be"

Training minimises the next-token cross-entropy  L = -1/N sum_t log p(x_{t+1} | x_1..x_t)  over
random windows of ``--block`` tokens from the first 90% of the text, with AdamW (decoupled weight
decay on the matrices only), gradient clipping at norm 1, and a learning rate that warms up
linearly for ``--warmup`` steps and then follows a cosine down to lr/10. Every ``--eval-every``
iterations it estimates the loss on training and held-out (last 10%) windows; perplexity = e^L,
the effective number of tokens the model is choosing between. A checkpoint (``ckpt.npz`` with the
weights and the optimizer's moments, ``ckpt.json`` with the configuration, tokenizer and
progress) is written atomically at each evaluation; ``--resume`` continues from it.

The tokenizer follows the model's width unless ``--tokenizer`` says otherwise: the 128-wide CPU
default reads characters, the 512-wide GPU configuration a 10,000-token byte-level BPE.

With ``--resume`` the model and tokenizer come from the checkpoint and the training flags (batch,
learning rate, ``--iters`` as the new total) from the command line.

``generate`` loads the checkpoint, encodes the prompt and samples token by token from
softmax(logits / temperature) restricted to the ``--top-k`` most likely tokens, with a KV cache.

``--reference`` (train or generate) runs the textbook tier of the model end to end: attention,
LayerNorm and GELU written with minigrad's ops and left to autograd, instead of the fused ops
(see final_gpt/model.py). It computes the same numbers, a few times slower.

    python final_gpt/gpt.py train shakespeare.txt --reference --iters 20 --eval-every 10
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import minigrad as mg  # noqa: E402
from common import cli  # noqa: E402
from final_gpt import bpe  # noqa: E402
from final_gpt.model import GPT, GPTConfig  # noqa: E402

DEFAULT_OUT = Path("outputs") / "gpt"


# ----------------------------------------------------------------------------- data and schedule
BPE_MIN_DIM = 256   # --tokenizer auto: BPE from this width up


def resolve_tokenizer(choice: str, dim: int) -> str:
    """``auto`` -> "bpe" for wide models, "char" for narrow ones; "char"/"bpe" stay as given.

    A 10,000-token vocabulary suits the 512-wide GPU-sized model (meant for a GPU). A narrow
    CPU model learns far faster from 65 characters: its embedding and output layer stay tiny
    and each token it sees is a frequent one.
    """
    if choice != "auto":
        return choice
    return "bpe" if dim >= BPE_MIN_DIM else "char"


def split_tokens(ids: np.ndarray, val_fraction: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """First (1 - val_fraction) of the token stream for training, the rest held out."""
    n = int(len(ids) * (1 - val_fraction))
    return ids[:n], ids[n:]


def get_batch(data: np.ndarray, batch: int, block: int, rng: np.random.Generator):
    """Random training windows: x (batch, block) token ids and their targets y (batch, block).

    Each row is ``block`` consecutive tokens from a random start s, and its targets are the same
    window shifted by one token, so y[i, t] is the token that follows x[i, t]:
        x[i] = data[s_i .. s_i + block - 1],   y[i] = data[s_i + 1 .. s_i + block]
    (starts s_i drawn uniformly from 0 .. len(data) - block - 2, so every target exists).

    >>> x, y = get_batch(np.arange(100), 2, 4, np.random.default_rng(0))
    >>> print(x); print(y)
    [[80 81 82 83]
     [60 61 62 63]]
    [[81 82 83 84]
     [61 62 63 64]]
    """
    start = rng.integers(0, len(data) - block - 1, size=batch)
    idx = start[:, None] + np.arange(block)
    return data[idx], data[idx + 1]


def lr_at(it: int, lr: float, iters: int, warmup: int, min_lr: float) -> float:
    """Linear warm-up to ``lr`` over ``warmup`` steps, then cosine decay to ``min_lr`` at ``iters``."""
    if it < warmup:
        return lr * (it + 1) / warmup
    progress = min(1.0, (it - warmup) / max(1, iters - warmup))
    return min_lr + 0.5 * (lr - min_lr) * (1 + math.cos(math.pi * progress))


def make_optimizer(model: GPT, lr: float, weight_decay: float) -> mg.AdamW:
    """AdamW with decay on matrices (>= 2-D) and none on biases, LayerNorm gains."""
    params = model.parameters()
    decay = [p for p in params if p.ndim >= 2]
    no_decay = [p for p in params if p.ndim < 2]
    return mg.AdamW([{"params": decay, "weight_decay": weight_decay},
                     {"params": no_decay, "weight_decay": 0.0}], lr=lr, betas=(0.9, 0.99), eps=1e-8)


def clip_grad_norm(params, max_norm: float) -> float:
    """Scale all gradients so their global L2 norm is at most ``max_norm``; returns the norm."""
    grads = [p.grad for p in params if p.grad is not None]
    total = math.sqrt(sum(float(g.ravel() @ g.ravel()) for g in grads))   # a dot product per array
    if total > max_norm:
        for g in grads:
            g *= max_norm / (total + 1e-6)
    return total


def train_step(model: GPT, opt: mg.AdamW, x: np.ndarray, y: np.ndarray, lr: float, clip: float = 1.0,
               workers: int | None = None) -> float:
    """One optimisation step on a batch; returns the batch loss.

    Data parallelism: the batch is split between ``workers`` threads (default: one per core),
    each runs the forward and backward pass of its sequences, and the gradients add up in the
    parameters; then one clipped AdamW step. Same gradients as one pass over the whole batch.
    """
    opt.zero_grad()
    loss = mg.threads.data_parallel(lambda rows: model.loss(x[rows], y[rows]), len(x), workers)
    clip_grad_norm(model.parameters(), clip)
    opt.lr = lr
    opt.step()
    return loss


def estimate_loss(model: GPT, data: np.ndarray, batch: int, block: int, iters: int, seed: int) -> float:
    """Mean loss over ``iters`` random batches (eval mode, no graph)."""
    rng = np.random.default_rng(seed)
    was = model.training
    model.eval()
    with mg.no_grad():
        losses = [float(model.loss(*get_batch(data, batch, block, rng)).item()) for _ in range(iters)]
    model.train(was)
    return float(np.mean(losses))


# ----------------------------------------------------------------------------- checkpoints
def save_checkpoint(folder: Path, model: GPT, opt: mg.AdamW, meta: dict) -> None:
    """ckpt.npz: weights + AdamW moments; ckpt.json: config, tokenizer, progress (both atomic)."""
    arrays = dict(model.state_dict())
    names = {id(p): n for n, p in model.named_parameters()}
    for group in opt.param_groups:
        for p in group["params"]:
            state = opt.state.get(id(p))
            if state:
                arrays[f"adam.m.{names[id(p)]}"] = mg.backend.to_numpy(state["m"])
                arrays[f"adam.v.{names[id(p)]}"] = mg.backend.to_numpy(state["v"])
                meta["adam_t"] = int(state["t"])
    with cli.atomic_path(folder / "ckpt.npz") as tmp:
        np.savez(tmp, **arrays)
    cli.save_text(folder / "ckpt.json", json.dumps(meta, indent=1))


def load_checkpoint(folder: Path, device: str = "cpu", reference: bool = False) -> tuple[GPT, dict, dict]:
    """(model, meta, arrays) from ``folder``; UserError when missing or unreadable."""
    js, npz = folder / "ckpt.json", folder / "ckpt.npz"
    if not js.exists() or not npz.exists():
        raise cli.UserError(f"no checkpoint in {folder} (ckpt.json + ckpt.npz); train first: "
                            "python final_gpt/gpt.py train shakespeare.txt")
    try:
        meta = json.loads(js.read_text(encoding="utf-8"))
        check_meta(meta)
        cfg = GPTConfig(**meta["config"])
        if training_bytes(cfg, 1) > MAX_TRAIN_GIB * 2**30:   # a config too large to build is refused
            raise ValueError(f"its config ({cfg.num_parameters():,} parameters) is too large to build here")
        with np.load(npz, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        model = GPT(cfg, reference=reference)
        model.load_state_dict({k: v for k, v in arrays.items() if not k.startswith("adam.")})
        params = dict(model.named_parameters())
        for key, value in arrays.items():                     # AdamW's moments: one per parameter, same shape
            name = key.removeprefix("adam.m.").removeprefix("adam.v.")
            if key.startswith("adam.") and (name not in params or value.shape != params[name].shape):
                raise ValueError(f"{key} does not match a parameter of the model")
        meta["tokenizer_obj"] = bpe.tokenizer_from_dict(meta["tokenizer"])
        if meta["tokenizer_obj"].vocab_size != cfg.vocab_size:
            raise ValueError(f"the tokenizer has {meta['tokenizer_obj'].vocab_size} tokens, the model "
                             f"{cfg.vocab_size}")
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as exc:
        raise cli.UserError(f"cannot load checkpoint from {folder} (damaged or not ours: {exc}); "
                            "train again, or give another --checkpoint") from None
    if device != "cpu":
        model.to(device)
    return model, meta, arrays


def check_meta(meta) -> None:
    """ValueError unless ckpt.json has the fields a checkpoint needs, each of the right type."""
    if not isinstance(meta, dict):
        raise ValueError(f"ckpt.json holds a {type(meta).__name__}, not an object")
    for key, kind, what in (("config", dict, "an object"), ("tokenizer", dict, "an object"),
                            ("iter", int, "a whole number"), ("history", list, "a list"), ("text", str, "a string")):
        if not isinstance(meta.get(key), kind) or isinstance(meta.get(key), bool):
            raise ValueError(f"ckpt.json: {key!r} is missing or not {what}")
    if meta["iter"] < 0 or not isinstance(meta.get("adam_t", 0), int) or meta.get("adam_t", 0) < 0:
        raise ValueError("ckpt.json: 'iter' and 'adam_t' must be whole numbers >= 0")
    for h in meta["history"]:
        if not (isinstance(h, dict) and all(isinstance(h.get(k), int | float) for k in ("iter", "train", "val"))):
            raise ValueError("ckpt.json: every 'history' entry needs numbers 'iter', 'train' and 'val'")


def restore_optimizer(opt: mg.AdamW, model: GPT, arrays: dict, meta: dict) -> None:
    xp = model.wte.weight.xp
    for name, p in model.named_parameters():
        if f"adam.m.{name}" in arrays:
            opt.state[id(p)] = {"t": meta.get("adam_t", 0), "m": xp.asarray(arrays[f"adam.m.{name}"]),
                                "v": xp.asarray(arrays[f"adam.v.{name}"])}


# ----------------------------------------------------------------------------- plot
def plot_losses(history: list[dict], path: Path) -> None:
    from common import plotting

    fig, ax = plotting.figure(figsize=(7, 4))
    its = [h["iter"] for h in history]
    ax.plot(its, [h["train"] for h in history], "o-", label="train")
    ax.plot(its, [h["val"] for h in history], "s-", label="validation")
    ax.set_xlabel("iteration")
    ax.set_ylabel("cross-entropy loss (nats per token)")
    ax.set_title("MiniGPT training")
    ax.grid(alpha=0.3)
    ax.legend()
    plotting.save(fig, path)


# ----------------------------------------------------------------------------- CLI
def _fmt_params(n: int) -> str:
    return f"{n / 1e6:.1f}M ({n:,})" if n >= 1e6 else f"{n / 1e3:.1f}K ({n:,})"


def _tokenizer_line(tok) -> str:
    if tok.kind == "bpe":
        return f"BPE with {tok.vocab_size:,} vocab"
    return f"character-level, {tok.vocab_size} symbols"


def cmd_train(args) -> int:
    out = cli.out_dir(args, "gpt")
    if args.device != "cpu":
        try:
            mg.get_array_module(args.device)
        except (RuntimeError, ValueError) as exc:
            raise cli.UserError(str(exc)) from None
    print("=== MiniGPT from Scratch ===\n")
    start_iter, history, arrays, meta = 0, [], None, {}
    if args.resume:
        model, meta, arrays = load_checkpoint(out, args.device, args.reference)
        tok = meta["tokenizer_obj"]
        cfg = model.cfg
        start_iter, history = int(meta["iter"]), list(meta.get("history", []))
        text, label = bpe.read_text(meta["text"])
        print(f"Resuming from {out / 'ckpt.npz'} at iteration {start_iter}")
    else:
        text, label = bpe.read_text(args.text)
        train_text = text[: int(len(text) * 0.9)]
        if resolve_tokenizer(args.tokenizer, args.dim) == "bpe":
            if args.vocab < 257:
                raise cli.UserError(f"--vocab must be at least 257 for BPE, got {args.vocab}")
            tok = bpe.BPETokenizer.train(train_text, args.vocab)
        else:
            tok = bpe.CharTokenizer.train(text)
        try:
            cfg = GPTConfig(vocab_size=tok.vocab_size, block_size=args.block, n_layer=args.layers,
                            n_head=args.heads, n_embd=args.dim, dropout=args.dropout)
        except ValueError as exc:
            raise cli.UserError(str(exc)) from None
        check_memory(cfg, args.batch)
        model = GPT(cfg, seed=args.seed, reference=args.reference)
        if args.device != "cpu":
            model.to(args.device)
    ids = np.asarray(tok.encode(text), dtype=np.int64)
    train_ids, val_ids = split_tokens(ids)
    if len(val_ids) <= cfg.block_size + 1:
        raise cli.UserError(f"text too short: {len(ids)} tokens for a block of {cfg.block_size} "
                            "(the held-out 10% must be longer than --block)")
    n_params = model.num_parameters()
    assert n_params == cfg.num_parameters()
    print(f"Tokenizer: {_tokenizer_line(tok)}")
    print(f"Model: {cfg.n_layer} layers, {cfg.n_head} heads, {cfg.n_embd} dim "
          f"(context {cfg.block_size} tokens, dropout {cfg.dropout:g})")
    print(f"Parameters: {_fmt_params(n_params)}")
    if args.reference:
        print("Implementation: textbook tier (attention, layer_norm and gelu in minigrad ops, left to "
              "autograd: slower than the default)")
    print()
    size_mb = len(text.encode("utf-8")) / 1e6
    tokens_per_iter = args.batch * cfg.block_size
    print(f"Training on {label} ({size_mb:.1f} MB: {len(train_ids):,} training / {len(val_ids):,} "
          f"validation tokens), {args.iters} iterations of {args.batch} x {cfg.block_size} tokens...")

    workers = 1 if args.device != "cpu" else args.workers or mg.threads.num_threads()
    print(f"Data-parallel: each batch is split between {workers} thread{'s' if workers > 1 else ''}")
    opt = make_optimizer(model, args.lr, args.weight_decay)
    if arrays is not None:
        restore_optimizer(opt, model, arrays, meta)
    source = meta["text"] if args.resume else str(args.text)
    meta = {"config": cfg.to_dict(), "tokenizer": tok.to_dict(), "text": source, "iter": start_iter,
            "history": history, "device": args.device}
    rng = np.random.default_rng(args.seed + start_iter)
    min_lr = args.lr / 10

    def evaluate(it: int) -> None:
        tr = estimate_loss(model, train_ids, args.batch, cfg.block_size, args.eval_iters, args.seed)
        va = estimate_loss(model, val_ids, args.batch, cfg.block_size, args.eval_iters, args.seed + 1)
        epoch = it * tokens_per_iter / len(train_ids)
        history.append({"iter": it, "epoch": epoch, "train": tr, "val": va, "seconds": time.perf_counter() - t0})
        msg = (f"  Epoch {epoch:.2f} (iter {it}): Loss = {tr:.2f}, Perplexity = {math.exp(tr):.1f} | "
               f"validation: Loss = {va:.2f}, Perplexity = {math.exp(va):.1f}")
        bar.write(msg)  # prints above the progress bar (plain print when there is no terminal)
        meta.update(iter=it, history=history)
        save_checkpoint(out, model, opt, meta)

    from tqdm import tqdm

    t0 = time.perf_counter()
    bar = tqdm(total=args.iters, initial=start_iter, disable=None, unit="it", leave=False, file=sys.stderr)
    if start_iter == 0:
        evaluate(0)
    train_time = 0.0
    for it in range(start_iter, args.iters):
        step_start = time.perf_counter()
        x, y = get_batch(train_ids, args.batch, cfg.block_size, rng)
        loss = train_step(model, opt, x, y, lr_at(it, args.lr, args.iters, args.warmup, min_lr), workers=workers)
        if not math.isfinite(loss):
            raise cli.UserError(f"loss became {loss} at iteration {it}; lower --lr")
        train_time += time.perf_counter() - step_start
        bar.update(1)
        bar.set_postfix(loss=f"{loss:.3f}")
        if (it + 1) % args.eval_every == 0 or it + 1 == args.iters:
            evaluate(it + 1)
    bar.close()
    done = args.iters - start_iter
    if done > 0:
        print(f"\nTrained {done} iterations in {train_time:.1f} s ({1e3 * train_time / done:.1f} ms per iteration, "
              f"{done * tokens_per_iter / train_time:,.0f} tokens/s); total with evaluation "
              f"{time.perf_counter() - t0:.1f} s")
    best = min(history, key=lambda h: h["val"])
    print(f"Best validation loss: {best['val']:.3f} (perplexity {math.exp(best['val']):.2f}) at iteration "
          f"{best['iter']}")
    plot_losses(history, out / "loss.png")
    prompt = np.asarray([tok.encode("\n")], dtype=np.int64)
    sample = model.generate(prompt, args.sample_len, temperature=0.8, top_k=args.top_k,
                            rng=np.random.default_rng(args.seed))
    print(f"\nSample ({args.sample_len} tokens, temperature 0.8):\n{tok.decode(sample[0, 1:])}\n")
    print(f"Saved: {out / 'ckpt.npz'}, {out / 'ckpt.json'}, {out / 'loss.png'}")
    return 0


def cmd_generate(args) -> int:
    folder = args.checkpoint or args.out or DEFAULT_OUT
    model, meta, _ = load_checkpoint(Path(folder), reference=args.reference)
    tok = meta["tokenizer_obj"]
    try:
        prompt = tok.encode(args.prompt)
    except ValueError as exc:
        raise cli.UserError(f"--prompt: {exc}") from None
    if not prompt:
        raise cli.UserError("--prompt is empty")
    if args.top_k is not None and args.top_k > tok.vocab_size:
        args.top_k = tok.vocab_size
    start = time.perf_counter()
    ids = model.generate(np.asarray([prompt], dtype=np.int64), args.length, temperature=args.temperature,
                         top_k=args.top_k, rng=np.random.default_rng(args.seed), use_cache=not args.no_cache)
    seconds = time.perf_counter() - start
    print(tok.decode(ids[0]))
    print(f"\n[{args.length} tokens in {seconds:.2f} s ({args.length / seconds:.0f} tokens/s, "
          f"{'recomputing the context' if args.no_cache else 'KV cache'}); model from {folder}, "
          f"iteration {meta['iter']}]")
    return 0


MAX_TRAIN_GIB = 16.0     # refuse a configuration whose estimated training memory is above this


def training_bytes(cfg: GPTConfig, batch: int) -> float:
    """Rough memory of one training step in float64: parameters, their gradients and Adam's two
    moments (4 copies), plus the activations kept for backward, per layer and token about 16
    widths (qkv, attention output, MLP) and two T-long rows of attention per head."""
    tokens = batch * cfg.block_size
    activations = cfg.n_layer * tokens * (16 * cfg.n_embd + 2 * cfg.n_head * cfg.block_size)
    logits = 2 * tokens * cfg.vocab_size
    return 8.0 * (4 * cfg.num_parameters() + activations + logits)


def check_memory(cfg: GPTConfig, batch: int) -> None:
    """A clear error, before anything is allocated, for a model too large to train here."""
    gib = training_bytes(cfg, batch) / 2**30
    if gib > MAX_TRAIN_GIB:
        raise cli.UserError(f"this configuration needs about {gib:,.0f} GiB to train ({cfg.num_parameters():,} "
                            f"parameters, {batch} x {cfg.block_size} tokens a step; the limit is "
                            f"{MAX_TRAIN_GIB:.0f} GiB): choose a smaller --dim, --layers, --block or --batch")


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser(__doc__, prog="final_gpt/gpt.py", out=False, show=False)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=cli.Parser)
    tr = sub.add_parser("train", help="train a GPT on a text file")
    tr.add_argument("text", nargs="?", default="shakespeare.txt",
                    help="UTF-8 text file or dataset name (default shakespeare.txt = tiny Shakespeare)")
    tr.add_argument("--tokenizer", choices=("auto", "char", "bpe"), default="auto",
                    help=f"tokens: byte-level BPE or characters; auto (the default) picks BPE for models of "
                         f"--dim {BPE_MIN_DIM} or wider, characters below")
    tr.add_argument("--vocab", type=cli.bounded_int(1, 100_000), default=10000,
                    help="BPE vocabulary size, up to 100,000 (default 10000)")
    tr.add_argument("--layers", type=cli.positive_int, default=4, help="transformer blocks (default 4)")
    tr.add_argument("--heads", type=cli.positive_int, default=4, help="attention heads (default 4)")
    tr.add_argument("--dim", type=cli.positive_int, default=128, help="model width (default 128)")
    tr.add_argument("--block", type=cli.positive_int, default=64, help="context length in tokens (default 64)")
    tr.add_argument("--batch", type=cli.positive_int, default=12, help="sequences per step (default 12)")
    tr.add_argument("--iters", type=cli.positive_int, default=2000, help="training steps (default 2000)")
    tr.add_argument("--lr", type=cli.positive_float, default=1e-3, help="peak learning rate (default 1e-3)")
    tr.add_argument("--warmup", type=int, default=100, help="warm-up steps (default 100)")
    tr.add_argument("--weight-decay", type=cli.finite_float, default=0.1, help="AdamW decay (default 0.1)")
    tr.add_argument("--dropout", type=cli.finite_float, default=0.0, help="dropout rate (default 0)")
    tr.add_argument("--eval-every", type=cli.positive_int, default=250, help="iterations between evaluations")
    tr.add_argument("--eval-iters", type=cli.positive_int, default=20, help="batches per loss estimate")
    tr.add_argument("--sample-len", type=int, default=300, help="tokens in the sample printed at the end")
    tr.add_argument("--top-k", type=cli.positive_int, default=None, help="sample only from the k best tokens")
    tr.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="cuda needs CuPy and a GPU")
    tr.add_argument("--workers", type=cli.positive_int, default=None,
                    help="threads that share each batch, data-parallel (default: one per core, at most 8)")
    tr.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")
    tr.add_argument("--reference", action="store_true",
                    help="run the textbook (reference) implementation instead of the fast one")
    tr.add_argument("--out", type=Path, default=None, metavar="DIR", help="checkpoint folder (default outputs/gpt/)")
    tr.add_argument("--no-show", action="store_true", help=argparse.SUPPRESS)  # nothing opens a window
    ge = sub.add_parser("generate", help="sample text from a trained checkpoint")
    ge.add_argument("--prompt", default="\n", help='text to continue, e.g. "To be, or not to be"')
    ge.add_argument("--length", type=cli.positive_int, default=500, help="new tokens (default 500)")
    ge.add_argument("--temperature", type=cli.positive_float, default=0.8, help="softmax temperature")
    ge.add_argument("--top-k", type=cli.positive_int, default=None, help="sample only from the k best tokens")
    ge.add_argument("--no-cache", action="store_true", help="recompute the whole context every token")
    ge.add_argument("--reference", action="store_true",
                    help="run the textbook (reference) implementation instead of the fast one")
    ge.add_argument("--checkpoint", type=Path, default=None, metavar="DIR", help="folder with ckpt.json/.npz")
    ge.add_argument("--out", type=Path, default=None, metavar="DIR", help="same as --checkpoint")
    ge.add_argument("--no-show", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.command == "train":
        if not 0 <= args.dropout < 1:
            raise cli.UserError(f"--dropout must be in [0, 1), got {args.dropout}")
        if args.warmup < 0 or args.sample_len < 0:
            raise cli.UserError("--warmup and --sample-len must be >= 0")
        return cmd_train(args)
    return cmd_generate(args)


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
