"""MiniGPT from scratch: train a transformer language model on text, then generate from it.

    python final_gpt/gpt.py train shakespeare.txt                       # nanoGPT's CPU configuration, a few minutes
    python final_gpt/gpt.py train shakespeare.txt --time 15m            # the cpu15 recipe for 15 minutes
    python final_gpt/gpt.py train shakespeare.txt --layers 6 --heads 8 --dim 512   # BPE, 24M, for a GPU
    python final_gpt/gpt.py generate --prompt "To be, or not to be"
    python final_gpt/gpt.py evaluate --checkpoint outputs/gpt

Training minimises the next-token cross-entropy  L = -1/N sum_t log p(x_{t+1} | x_1..x_t)  over
random windows of ``--block`` tokens from the first 90% of the text, with AdamW (decoupled weight
decay on the matrices only), gradient clipping at norm 1, and a learning rate that warms up
linearly for ``--warmup`` steps and then follows a cosine down to lr/10. Every ``--eval-every``
iterations it estimates the loss on training and held-out (last 10%) windows; perplexity = e^L,
the effective number of tokens the model is choosing between. A checkpoint (``ckpt.npz`` with the
weights and the optimizer's moments, ``ckpt.json`` with the configuration, tokenizer, progress and
the npz's sha256) is written at each evaluation, the npz first and the json last, so a pair that
was cut short by a crash is refused at load; ``--resume`` continues from it.

Training to a time budget: ``--time 15m`` (also ``90s``, ``1h``, ``1h30m``) trains until the
wall-clock budget is spent, setup and evaluations included. The cosine schedule then runs over the
estimated number of steps, re-estimated from the measured step time after every step
(:func:`budget_lr`, :func:`estimated_total_steps`); the checkpoint kept is the one with the lowest
validation loss, and a last evaluation ends the run. With ``--resume``, ``--time`` (like ``--iters``)
is the new total: a run that used 15 minutes and resumes with ``--time 30m`` trains 15 more.

Recipes name a whole configuration (model size, context, batch, tokenizer, learning rate,
dropout, schedule, length); flags given on the command line override the recipe's values:

    nanogpt-cpu   nanoGPT's CPU configuration for tiny Shakespeare, 2000 steps (the default)
    cpu15         the recipe for a 15-minute budget on a 2-core CPU: nanoGPT's size at twice its
                  learning rate (the default with --time; chosen by the scaling sweep, see the README)

The tokenizer follows the model's width unless ``--tokenizer`` says otherwise: the 128-wide CPU
default reads characters, the 512-wide GPU configuration a 10,000-token byte-level BPE.

With ``--resume`` the model and tokenizer come from the checkpoint and the training flags (batch,
learning rate, ``--iters`` or ``--time`` as the new total) from the command line and the recipe.

``generate`` loads the checkpoint, encodes the prompt and samples token by token from
softmax(logits / temperature) restricted to the ``--top-k`` most likely tokens, with a KV cache.

``evaluate`` reports a checkpoint's validation loss and perplexity, and two coherence figures of
a fixed-seed sample of 2,000 characters: the share of its words that occur in the training text
(:func:`real_word_share`) and the share of its lines that are a speaker's name with speech after
it (:func:`speaker_line_share`). Training prints the same figures at the end.

``--reference`` (train or generate) runs the textbook tier of the model end to end: attention,
LayerNorm and GELU written with minigrad's ops and left to autograd, instead of the fused ops
(see final_gpt/model.py). It computes the same numbers, a few times slower.

    python final_gpt/gpt.py train shakespeare.txt --reference --iters 20 --eval-every 10
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import sys
import textwrap
import time
import zipfile
from dataclasses import dataclass
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


# ----------------------------------------------------------------------------- training to a time budget
MAX_TIME_S = 7 * 24 * 3600          # --time: at most a week
BUDGET_EVAL_SHARE = 0.05            # --time: one evaluation takes at most this share of the budget
_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?")


def parse_duration(text: str) -> float:
    """Seconds in a duration written as hours, minutes and seconds: "90s", "15m", "1h", "1h30m".

    Each part is a number followed by its unit (h, m or s), in that order, each part optional:
    seconds = 3600 h + 60 m + s. ValueError for anything else (a bare number has no unit), for 0
    and for more than a week.

    >>> parse_duration("15m"), parse_duration("90s"), parse_duration("1h30m"), parse_duration("1.5h")
    (900.0, 90.0, 5400.0, 5400.0)
    >>> parse_duration("-5m")
    Traceback (most recent call last):
    ValueError: '-5m' is not a duration (a budget cannot be negative): write it like 90s, 15m, 1h or 1h30m
    """
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None or not any(match.groups()):
        hint = (" (a number needs a unit: s, m or h)" if re.fullmatch(r"[\d.]+", text.strip()) else
                " (a budget cannot be negative)" if text.strip().startswith("-") else "")
        raise ValueError(f"{text!r} is not a duration{hint}: write it like 90s, 15m, 1h or 1h30m")
    hours, minutes, seconds = (float(part or 0) for part in match.groups())
    total = 3600 * hours + 60 * minutes + seconds
    if total <= 0:
        raise ValueError(f"{text!r} is no time at all: give a positive duration such as 90s or 15m")
    if total > MAX_TIME_S:
        raise ValueError(f"{text!r} is more than a week ({MAX_TIME_S // 3600} h): give a shorter budget")
    return total


def time_budget(text: str) -> float:
    """argparse type for ``--time``: :func:`parse_duration`, its ValueError as a one-line option error."""
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def format_duration(seconds: float) -> str:
    """A short clock reading: 20 -> "20s", 90 -> "1m30s", 5400 -> "1h30m00s"."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def budget_lr(fraction: float, lr: float, min_lr: float, warmup_fraction: float) -> float:
    """The learning rate once ``fraction`` of the training budget is used (0 at the start, 1 at the end).

    With f = fraction and w = warmup_fraction (0 <= w < 1): a linear warm-up, then half a cosine

        lr(f) = lr * f / w                                                 for f < w
        lr(f) = min_lr + (lr - min_lr) * (1 + cos(pi * (f - w) / (1 - w))) / 2   for f >= w

    so lr(w) = lr, lr(1) = min_lr, and the decay is slowest at both ends. Under ``--time`` the
    fraction is counted in steps, f = (steps done + 1) / (estimated total steps), with the total
    re-estimated from the measured step time as training runs (:func:`estimated_total_steps`).

    >>> budget_lr(0.05, 1e-3, 1e-4, 0.1), budget_lr(0.1, 1e-3, 1e-4, 0.1), budget_lr(1.0, 1e-3, 1e-4, 0.1)
    (0.0005, 0.001, 0.0001)
    >>> round(budget_lr(0.55, 1e-3, 1e-4, 0.1), 8)      # half-way through the decay: half-way down
    0.00055
    """
    f = min(max(fraction, 0.0), 1.0)
    if f < warmup_fraction:
        return lr * f / warmup_fraction
    progress = (f - warmup_fraction) / (1.0 - warmup_fraction)
    return min_lr + (lr - min_lr) * (1 + math.cos(math.pi * progress)) / 2


def estimated_total_steps(steps_done: int, seconds_left: float, step_seconds: float, eval_seconds: float,
                          eval_every: int) -> int:
    """How many steps the run will have taken when the time left is spent.

    A further step costs ``step_seconds``, and every ``eval_every``-th step an evaluation of
    ``eval_seconds`` on top, so on average a step costs s = step_seconds + eval_seconds / eval_every
    and
        total = steps_done + floor(seconds_left / s)
    (``seconds_left`` already leaves out the time kept for the final evaluation).

    >>> estimated_total_steps(100, 60.0, 0.5, 5.0, 50)      # 0.6 s a step on average: 100 more
    200
    >>> estimated_total_steps(100, -1.0, 0.5, 5.0, 50)      # out of time: none more
    100
    """
    average = step_seconds + eval_seconds / eval_every
    return steps_done + max(0, int(seconds_left / average))


# ----------------------------------------------------------------------------- recipes
@dataclass(frozen=True)
class Recipe:
    """A named training configuration: what ``--recipe NAME`` fills in for the flags not given."""

    about: str
    tokenizer: str
    layers: int
    heads: int
    dim: int
    block: int
    batch: int
    lr: float
    warmup: int               # steps of linear warm-up (under --time: at most a fifth of the run)
    weight_decay: float
    dropout: float
    eval_every: int           # steps between evaluations
    eval_iters: int           # batches per loss estimate
    iters: int | None = None  # a run of this many steps ...
    time: float | None = None  # ... or of this many seconds


RECIPES = {
    # nanoGPT's CPU configuration for shakespeare_char (its README's "a laptop" command)
    "nanogpt-cpu": Recipe("nanoGPT's CPU configuration: 4 layers x 128 wide, 4 heads, context 64, batch 12, "
                          "lr 1e-3, no dropout, 2000 steps",
                          tokenizer="auto", layers=4, heads=4, dim=128, block=64, batch=12, lr=1e-3, warmup=100,
                          weight_decay=0.1, dropout=0.0, eval_every=250, eval_iters=20, iters=2000),
    # chosen by the sweep at 15 minutes a run on this 2-core machine (tools/gpt_sweep.py, final_gpt/README.md):
    # best validation loss 4x128@64/12 1.532, 4x128@128/16 1.544, 4x192@64/12 1.562 (all lr 2e-3, no dropout);
    # the earlier 4x192@128/16 with lr 1.5e-3 and dropout 0.1 reached 1.599, nanoGPT's configuration 1.577.
    # nanoGPT's size wins: on 15 minutes a small model's many steps beat a larger model's capacity, and the
    # schedule fitted to the budget takes twice nanoGPT's learning rate. Dropout 0.1 on this recipe, two
    # 15-minute runs back to back: validation loss 1.513 against 1.510 without (500 batches): no gain.
    "cpu15": Recipe("the 15-minute CPU recipe, chosen by a sweep at 15 minutes a run: 4 layers x 128 wide, "
                    "4 heads, context 64, batch 12, characters, lr 2e-3 (warm-up, then cosine fitted to the "
                    "budget), no dropout, 15 minutes",
                    tokenizer="char", layers=4, heads=4, dim=128, block=64, batch=12, lr=2e-3, warmup=100,
                    weight_decay=0.1, dropout=0.0, eval_every=250, eval_iters=20, time=15 * 60.0),
}
RECIPE_FIELDS = ("tokenizer", "layers", "heads", "dim", "block", "batch", "lr", "warmup", "weight_decay",
                 "dropout", "eval_every", "eval_iters")


def apply_recipe(args: argparse.Namespace) -> str:
    """Fill the training flags left unset from the recipe; returns the recipe's name.

    ``--recipe`` names it; without one, ``--time`` picks cpu15 and everything else nanogpt-cpu.
    A flag given on the command line keeps its value. The run's length: ``--time`` or ``--iters``
    when given (not both), else the recipe's own.
    """
    if args.time is not None and args.iters is not None:
        raise cli.UserError("give --time or --iters, not both (a run is a number of steps or a time budget)")
    name = args.recipe or ("cpu15" if args.time is not None else "nanogpt-cpu")
    recipe = RECIPES[name]
    for field in RECIPE_FIELDS:
        if getattr(args, field) is None:
            setattr(args, field, getattr(recipe, field))
    if args.time is None and args.iters is None:
        args.time, args.iters = recipe.time, recipe.iters
    if args.iters is None and args.time is None:     # a recipe has one of them; this is a safety net
        args.iters = 2000
    return name


def recipes_help() -> str:
    lines = ["recipes (--recipe NAME; flags given on the command line override its values):"]
    for name, recipe in RECIPES.items():
        lines.append(textwrap.fill(recipe.about, 100, initial_indent=f"  {name:13s} ", subsequent_indent=" " * 16))
    lines.append("without --recipe, --time uses cpu15 and a run without --time uses nanogpt-cpu.")
    lines.append("--time takes 90s, 15m, 1h or 1h30m; with --resume it is the new total, as --iters is.")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- coherence of a sample
SAMPLE_CHARS = 2000          # the coherence sample: 2,000 characters, fixed seed, temperature 0.8
SAMPLE_TEMPERATURE = 0.8
_WORD = re.compile(r"[a-z']*[a-z][a-z']*")
_SPEAKER = re.compile(r"[A-Z][A-Za-z']*(?: [A-Z][A-Za-z']*)*:")


def words_of(text: str) -> list[str]:
    """The words of ``text``: after lower-casing, the runs of letters a-z and apostrophes that hold a letter.

    >>> words_of("'Tis the KING's: o'er-ripe!")
    ["'tis", 'the', "king's", "o'er", 'ripe']
    """
    return _WORD.findall(text.lower())


def real_word_share(sample: str, corpus: str) -> float:
    """Share of the sample's words (see :func:`words_of`) that occur somewhere in ``corpus``.

    Counted over word occurrences, so a real word written twice counts twice; 0.0 when the sample
    has no words. A model that spells well scores near the corpus's own held-out text (about 0.98
    for tiny Shakespeare); random letters score near 0.

    >>> real_word_share("To be or nott to bee", "To be, or not to be")
    0.6666666666666666
    >>> real_word_share("!!!", "anything")
    0.0
    """
    found = words_of(sample)
    if not found:
        return 0.0
    vocabulary = set(words_of(corpus))
    return sum(word in vocabulary for word in found) / len(found)


def is_speaker_line(line: str) -> bool:
    """A speaker's name as the play prints it: capitalised words and a colon, nothing else.

    One or more words separated by single spaces, each a capital letter followed by letters or
    apostrophes, and a ':' straight after the last one ("ROMEO:", "First Citizen:",
    "KING RICHARD III:").

    >>> is_speaker_line("First Citizen:"), is_speaker_line("ROMEO:"), is_speaker_line("O, Romeo:")
    (True, True, False)
    """
    return _SPEAKER.fullmatch(line.strip()) is not None


def speaker_line_share(sample: str) -> float:
    """Share of the sample's non-empty lines that are a speaker's name followed by speech.

    A line counts when it is a speaker line (:func:`is_speaker_line`) and the next line is
    non-empty and not itself a speaker line (the speech). The share is taken over the non-empty
    lines (leading and trailing spaces ignored), so a play where every speech is one line long
    scores 0.5; 0.0 when there is no non-empty line. Tiny Shakespeare's own text scores about
    0.2.

    >>> speaker_line_share("ROMEO:\\nBut soft, what light?\\n\\nJULIET:\\nAy me!\\n")
    0.5
    >>> speaker_line_share("ROMEO:\\nJULIET:\\nAy me!")        # ROMEO says nothing: 1 of 3
    0.3333333333333333
    """
    lines = [line.strip() for line in sample.splitlines()]
    non_empty = [line for line in lines if line]
    if not non_empty:
        return 0.0
    followed = sum(is_speaker_line(line) and nxt != "" and not is_speaker_line(nxt)
                   for line, nxt in zip(lines, lines[1:]))
    return followed / len(non_empty)


def coherence_sample(model: GPT, tok, seed: int, chars: int = SAMPLE_CHARS) -> str:
    """``chars`` characters sampled from the model after a newline, at temperature 0.8, from ``seed``.

    Tokens are drawn in rounds until the decoded text is long enough (a BPE token holds several
    characters, a character token one), then the text is cut to ``chars``.
    """
    rng = np.random.default_rng(seed)
    ids = np.asarray([tok.encode("\n")], dtype=np.int64)
    text = ""
    for _ in range(16):                                   # a bound, in case tokens decode to nothing
        missing = chars - len(text)
        if missing <= 0:
            break
        ids = model.generate(ids, missing, temperature=SAMPLE_TEMPERATURE, rng=rng)
        text = tok.decode(ids[0, 1:])
    return text[:chars]


def make_optimizer(model: GPT, lr: float, weight_decay: float) -> mg.AdamW:
    """AdamW with decay on matrices (>= 2-D) and none on biases, LayerNorm gains.

    ``fused=True``: the fast tier of minigrad's AdamW, one flat update per group (the same numbers
    as the per-parameter update, tested bit for bit in tests/minigrad/test_tiers.py).
    """
    params = model.parameters()
    decay = [p for p in params if p.ndim >= 2]
    no_decay = [p for p in params if p.ndim < 2]
    return mg.AdamW([{"params": decay, "weight_decay": weight_decay},
                     {"params": no_decay, "weight_decay": 0.0}], lr=lr, betas=(0.9, 0.99), eps=1e-8, fused=True)


def clip_grad_norm(params, max_norm: float) -> float:
    """Scale all gradients so their global L2 norm is at most ``max_norm``; returns the norm."""
    grads = [p.grad for p in params if p.grad is not None]
    total = math.sqrt(sum(float(g.ravel() @ g.ravel()) for g in grads))   # a dot product per array
    if total > max_norm:
        for g in grads:
            g *= max_norm / (total + 1e-6)
    return total


def train_step(model: GPT, opt: mg.AdamW, x: np.ndarray, y: np.ndarray, lr: float, clip: float = 1.0,
               workers: int | None = None, processes: mg.processes.DataParallel | None = None) -> float:
    """One optimisation step on a batch; returns the batch loss.

    Data parallelism: the batch is split between ``workers`` threads (default: one per core),
    each runs the forward and backward pass of its sequences, and the gradients add up in the
    parameters; then one clipped AdamW step. Same gradients as one pass over the whole batch.
    Given ``processes`` (:func:`data_parallel_processes`), worker processes do the split instead
    of threads: the fast tier, the same gradients without the threads' wait for Python's GIL.
    """
    opt.zero_grad()
    if processes is not None:
        loss = processes(x, y)
    else:
        loss = mg.threads.data_parallel(lambda rows: model.loss(x[rows], y[rows]), len(x), workers)
    clip_grad_norm(model.parameters(), clip)
    opt.lr = lr
    opt.step()
    return loss


def data_parallel_processes(model: GPT, workers: int) -> mg.processes.DataParallel | None:
    """Worker processes for :func:`train_step`, one per core (minigrad/processes.py), or None where
    there is one worker or no ``fork`` (then the threads split each batch)."""
    if workers < 2 or not mg.processes.available():
        return None
    return mg.processes.DataParallel(model, lambda x, y: model.loss(x, y), workers)


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
def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, as 64 hex digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save_checkpoint(folder: Path, model: GPT, opt: mg.AdamW, meta: dict) -> None:
    """ckpt.npz: weights + AdamW moments; ckpt.json: config, tokenizer, progress and the npz's sha256.

    Each file is written to a temporary name and renamed into place, the npz first and the json
    last. The json names the npz it belongs to by its sha256, so a save cut short between the two
    renames (new weights beside the old json) is refused by :func:`load_checkpoint` instead of
    pairing the new weights with another run's configuration and progress.
    """
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
        meta["npz_sha256"] = file_sha256(tmp)           # of exactly the bytes about to be renamed into place
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
        if file_sha256(npz) != meta["npz_sha256"]:
            raise ValueError("ckpt.npz is not the file ckpt.json was saved with (its sha256 differs: a save "
                             "was cut short between the two files, or one of them was changed)")
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
    if not (isinstance(meta.get("npz_sha256"), str) and re.fullmatch(r"[0-9a-f]{64}", meta["npz_sha256"])):
        raise ValueError("ckpt.json: 'npz_sha256' (the sha256 of ckpt.npz) is missing or not 64 hex digits; "
                         "a checkpoint saved before it was recorded must be trained again")
    seconds = meta.get("train_seconds", 0.0)
    if not isinstance(seconds, int | float) or isinstance(seconds, bool) or not 0 <= seconds < math.inf:
        raise ValueError("ckpt.json: 'train_seconds' must be a number of seconds >= 0")
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
    clock_start = time.perf_counter()           # a --time budget counts from here: setup is part of it
    recipe = args.recipe
    out = cli.out_dir(args, "gpt")
    if args.device != "cpu":
        try:
            mg.get_array_module(args.device)
        except (RuntimeError, ValueError) as exc:
            raise cli.UserError(str(exc)) from None
    print("=== MiniGPT from Scratch ===\n")
    start_iter, history, arrays, meta, used_before = 0, [], None, {}, 0.0
    if args.resume:
        model, meta, arrays = load_checkpoint(out, args.device, args.reference)
        tok = meta["tokenizer_obj"]
        cfg = model.cfg
        start_iter, history = int(meta["iter"]), list(meta.get("history", []))
        used_before = float(meta.get("train_seconds", 0.0))
        if args.time is not None and args.time <= used_before:
            raise cli.UserError(f"the checkpoint has trained for {format_duration(used_before)} already; with "
                                f"--resume, --time is the new total: give more than that, e.g. "
                                f"--time {format_duration(used_before + 600)}")
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
    budget = args.time
    length = (f"for {format_duration(budget)}" if budget is not None else f"{args.iters} iterations") + \
        f" of {args.batch} x {cfg.block_size} tokens"
    print(f"Training on {label} ({size_mb:.1f} MB: {len(train_ids):,} training / {len(val_ids):,} "
          f"validation tokens), {length}...")
    if budget is not None:
        so_far = f", {format_duration(used_before)} of it used before" if used_before else ""
        print(f"Time budget: {format_duration(budget)} in all{so_far} (recipe {recipe}, lr {args.lr:g}); the "
              f"learning rate warms up over {args.warmup} steps, then follows a cosine over the estimated number "
              "of steps, re-estimated from the step time as it runs; the best checkpoint is kept")
    workers = 1 if args.device != "cpu" else min(8, args.workers or mg.threads.num_threads())
    use_processes = workers > 1 and not args.threads and mg.processes.available()
    split = "worker processes" if use_processes else f"thread{'s' if workers > 1 else ''}"
    print(f"Data-parallel: each batch is split between {workers} {split}")
    opt = make_optimizer(model, args.lr, args.weight_decay)
    if arrays is not None:
        restore_optimizer(opt, model, arrays, meta)
    source = meta["text"] if args.resume else str(args.text)
    meta = {"config": cfg.to_dict(), "tokenizer": tok.to_dict(), "text": source, "iter": start_iter,
            "history": history, "device": args.device, "recipe": recipe, "train_seconds": used_before}
    rng = np.random.default_rng(args.seed + start_iter)
    min_lr = args.lr / 10
    flops_per_token = 6 * n_params    # estimate: 2 flops per weight forward, 4 backward; attention not counted
    deadline = None if budget is None else clock_start + budget - used_before
    best_val = min((h["val"] for h in history), default=math.inf)
    state = {"eval_seconds": None, "last_eval": None, "train_time": 0.0, "steps": 0, "saved": False}
    if budget is not None:
        # one forward pass, timed: an evaluation (train and validation estimates) may take at most a
        # share of the budget, so a short budget gets fewer batches per estimate
        probe = time.perf_counter()
        estimate_loss(model, train_ids, args.batch, cfg.block_size, 1, args.seed)
        state["forward_seconds"] = time.perf_counter() - probe
        affordable = int(BUDGET_EVAL_SHARE * (budget - used_before) / (2 * state["forward_seconds"]))
        if affordable < args.eval_iters:
            batches = max(1, affordable)
            print(f"Evaluations: {batches} batch{'es' if batches > 1 else ''} per estimate instead of "
                  f"{args.eval_iters}, so that one takes at most {100 * BUDGET_EVAL_SHARE:.0f}% of the budget")
            args.eval_iters = batches

    def speed() -> str:
        if not state["steps"]:
            return ""
        tokens_s = state["steps"] * tokens_per_iter / state["train_time"]
        text = f"{tokens_s:,.0f} tokens/s, {flops_per_token * tokens_s / 1e9:.2f} GFLOP/s (6N estimate)"
        if deadline is not None:
            text += f", {format_duration(deadline - time.perf_counter())} left"
        return text

    def evaluate(it: int) -> None:
        nonlocal best_val
        began = time.perf_counter()
        tr = estimate_loss(model, train_ids, args.batch, cfg.block_size, args.eval_iters, args.seed)
        va = estimate_loss(model, val_ids, args.batch, cfg.block_size, args.eval_iters, args.seed + 1)
        epoch = it * tokens_per_iter / len(train_ids)
        if not history or history[-1]["iter"] != it:      # a resumed --time run re-measures its start
            history.append({"iter": it, "epoch": epoch, "train": tr, "val": va,
                            "seconds": time.perf_counter() - clock_start})
            msg = (f"  Epoch {epoch:.2f} (iter {it}): Loss = {tr:.2f}, Perplexity = {math.exp(tr):.1f} | "
                   f"validation: Loss = {va:.2f}, Perplexity = {math.exp(va):.1f}")
            bar.write(msg + (f" | {speed()}" if budget is not None and speed() else ""))
        if budget is None or va < best_val:      # --iters keeps the latest state, --time the best one
            meta.update(iter=it, history=history, train_seconds=used_before + time.perf_counter() - clock_start)
            save_checkpoint(out, model, opt, meta)
            state["saved"] = True
        best_val = min(best_val, va)
        state["eval_seconds"], state["last_eval"] = time.perf_counter() - began, it

    def planned_steps(it: int) -> int:
        """The run's estimated total steps under --time, from the measured step and evaluation times."""
        eval_s = state["eval_seconds"]
        # before a step is timed: a step (forward and backward) costs about three forward passes
        step_s = state["train_time"] / state["steps"] if state["steps"] else 3 * state["forward_seconds"]
        left = deadline - time.perf_counter() - eval_s           # keep time for the final evaluation
        return estimated_total_steps(it, left, step_s, eval_s, args.eval_every)

    from tqdm import tqdm

    if budget is not None:           # inside the budget, where the step plan accounts for it
        from common import plotting

        plotting.preload()
    mg.memory.keep_freed_memory()    # fast tier: each step reuses the last step's pages (minigrad/memory.py)
    # made here, so that the workers start as copies of this model, resumed weights included
    processes = data_parallel_processes(model, workers) if use_processes else None
    bar = tqdm(total=args.iters if budget is None else None, initial=start_iter, disable=None, unit="it",
               leave=False, file=sys.stderr)
    it = start_iter
    try:
        if start_iter == 0 or budget is not None:
            evaluate(start_iter)
        while True:
            if budget is None:
                if it >= args.iters:
                    break
                lr = lr_at(it, args.lr, args.iters, args.warmup, min_lr)
            else:
                total = planned_steps(it)
                if total <= it and state["steps"]:
                    break                                        # no further step fits in the budget
                total = max(total, it + 1)
                bar.total = total
                lr = budget_lr((it + 1) / total, args.lr, min_lr, min(0.2, args.warmup / total))
            step_start = time.perf_counter()
            x, y = get_batch(train_ids, args.batch, cfg.block_size, rng)
            loss = train_step(model, opt, x, y, lr, workers=workers, processes=processes)
            if not math.isfinite(loss):
                raise cli.UserError(f"loss became {loss} at iteration {it}; lower --lr")
            state["train_time"] += time.perf_counter() - step_start
            state["steps"] += 1
            it += 1
            bar.update(1)
            bar.set_postfix_str(f"loss {loss:.3f}, {speed()}")
            if it % args.eval_every == 0 and (budget is None or
                                              deadline - time.perf_counter() > 2 * state["eval_seconds"]):
                evaluate(it)                          # (under --time only while the final evaluation still fits)
        if state["steps"] and state["last_eval"] != it:
            evaluate(it)
    except KeyboardInterrupt:
        bar.close()
        if state["saved"] or args.resume:
            print(f"interrupted: the checkpoint of iteration {meta['iter']} stays in {out} (continue with --resume)",
                  file=sys.stderr)
        raise
    finally:
        if processes is not None:
            processes.close()
    bar.close()
    done, train_time = state["steps"], state["train_time"]
    if done > 0:
        print(f"\nTrained {done} iterations in {train_time:.1f} s ({1e3 * train_time / done:.1f} ms per iteration, "
              f"{done * tokens_per_iter / train_time:,.0f} tokens/s, about "
              f"{flops_per_token * done * tokens_per_iter / train_time / 1e9:.2f} GFLOP/s counting 6 flops per "
              f"parameter and token); total with setup and evaluation {time.perf_counter() - clock_start:.1f} s")
    if budget is not None:
        used = time.perf_counter() - clock_start
        print(f"Time budget: asked {format_duration(budget - used_before)}, used {used:.1f} s "
              f"({100 * used / (budget - used_before):.1f}%)")
    best = min(history, key=lambda h: h["val"])
    kept = "; that checkpoint is saved" if budget is not None else ""
    print(f"Best validation loss: {best['val']:.3f} (perplexity {math.exp(best['val']):.2f}) at iteration "
          f"{best['iter']}{kept}")
    plot_losses(history, out / "loss.png")
    if args.sample_len > 0:
        if budget is not None:                        # sample from the best model, the one on disk
            model = load_checkpoint(out, args.device, args.reference)[0]
        prompt = np.asarray([tok.encode("\n")], dtype=np.int64)
        sample = model.generate(prompt, args.sample_len, temperature=0.8, top_k=args.top_k,
                                rng=np.random.default_rng(args.seed))
        print(f"\nSample ({args.sample_len} tokens, temperature 0.8):\n{tok.decode(sample[0, 1:])}\n")
        print_coherence(coherence_sample(model, tok, args.seed), tok.decode(train_ids), tok.decode(val_ids), args.seed)
        print()
    print(f"Saved: {out / 'ckpt.npz'}, {out / 'ckpt.json'}, {out / 'loss.png'}")
    return 0


def print_coherence(sample: str, train_text: str, held_out_text: str, seed: int) -> None:
    """The two coherence figures of a sample, each with the count it is a share of and, for scale,
    the same figure for the held-out text (real words) and the training text (speaker lines)."""
    n_words = len(words_of(sample))
    n_lines = sum(1 for line in sample.splitlines() if line.strip())
    print(f"Coherence of a {len(sample):,}-character sample (seed {seed}, temperature {SAMPLE_TEMPERATURE:g}):")
    print(f"  real words:    {100 * real_word_share(sample, train_text):.1f}% of its {n_words} words occur in "
          f"the training text (the held-out text: {100 * real_word_share(held_out_text, train_text):.1f}%)")
    print(f"  speaker lines: {100 * speaker_line_share(sample):.1f}% of its {n_lines} lines are a speaker's "
          f"name followed by speech (the training text: {100 * speaker_line_share(train_text):.1f}%)")


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


def cmd_evaluate(args) -> int:
    """Validation loss and perplexity of a checkpoint, and the coherence figures of a fixed-seed sample."""
    folder = Path(args.checkpoint or args.out or DEFAULT_OUT)
    model, meta, _ = load_checkpoint(folder, reference=args.reference)
    tok, cfg = meta["tokenizer_obj"], model.cfg
    text, label = bpe.read_text(meta["text"])
    try:
        ids = np.asarray(tok.encode(text), dtype=np.int64)
    except ValueError as exc:
        raise cli.UserError(f"the text the checkpoint was trained on ({meta['text']}) has changed: {exc}") from None
    train_ids, val_ids = split_tokens(ids)
    if len(val_ids) <= cfg.block_size + 1:
        raise cli.UserError(f"the held-out 10% of {meta['text']} is shorter than the context ({cfg.block_size} "
                            "tokens): the text has changed since training")
    print("=== MiniGPT evaluation ===\n")
    print(f"Checkpoint: {folder} (iteration {meta['iter']}: {cfg.n_layer} layers, {cfg.n_head} heads, "
          f"{cfg.n_embd} dim, context {cfg.block_size}; {_fmt_params(cfg.num_parameters())} parameters)")
    print(f"Tokenizer: {_tokenizer_line(tok)}")
    val = estimate_loss(model, val_ids, args.batch, cfg.block_size, args.eval_iters, args.seed + 1)
    print(f"Validation loss: {val:.3f}, perplexity {math.exp(val):.2f} ({args.eval_iters} batches of "
          f"{args.batch} x {cfg.block_size} held-out tokens of {label}, seed {args.seed + 1})")
    sample = coherence_sample(model, tok, args.seed)
    print(f"\nSample ({len(sample):,} characters, seed {args.seed}, temperature {SAMPLE_TEMPERATURE:g}):\n{sample}\n")
    print_coherence(sample, tok.decode(train_ids), tok.decode(val_ids), args.seed)
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


def _negative_time_joined(argv: list[str]) -> list[str]:
    """``--time -5m`` as ``--time=-5m``: argparse would take -5m for an option and say only "expected one
    argument"; joined, the value reaches :func:`time_budget` and gets its own message."""
    joined = []
    for arg in argv:
        if joined and joined[-1] == "--time" and re.match(r"-[\d.]", arg):
            joined[-1] = f"--time={arg}"
        else:
            joined.append(arg)
    return joined


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser(__doc__, prog="final_gpt/gpt.py", out=False, show=False)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=cli.Parser)
    tr = sub.add_parser("train", help="train a GPT on a text file, for a number of steps or a time budget",
                        description="Train a GPT on a text file: --iters steps, or until a --time budget is spent.",
                        epilog=recipes_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    tr.add_argument("text", nargs="?", default="shakespeare.txt",
                    help="UTF-8 text file or dataset name (default shakespeare.txt = tiny Shakespeare)")
    tr.add_argument("--time", type=time_budget, default=None, metavar="DURATION",
                    help="train until this wall-clock budget is spent: 90s, 15m, 1h, 1h30m (uses the cpu15 "
                         "recipe unless --recipe says otherwise; with --resume, the new total)")
    tr.add_argument("--recipe", choices=tuple(RECIPES), default=None,
                    help="a named configuration for the flags not given (see below); default cpu15 with --time, "
                         "nanogpt-cpu without")
    tr.add_argument("--tokenizer", choices=("auto", "char", "bpe"), default=None,
                    help=f"tokens: byte-level BPE or characters; auto (nanogpt-cpu) picks BPE for models of "
                         f"--dim {BPE_MIN_DIM} or wider, characters below")
    tr.add_argument("--vocab", type=cli.bounded_int(1, 100_000), default=10000,
                    help="BPE vocabulary size, up to 100,000 (default 10000)")
    nano = RECIPES["nanogpt-cpu"]
    tr.add_argument("--layers", type=cli.positive_int, default=None, help=f"transformer blocks ({nano.layers})")
    tr.add_argument("--heads", type=cli.positive_int, default=None, help=f"attention heads ({nano.heads})")
    tr.add_argument("--dim", type=cli.positive_int, default=None, help=f"model width ({nano.dim})")
    tr.add_argument("--block", type=cli.positive_int, default=None, help=f"context length in tokens ({nano.block})")
    tr.add_argument("--batch", type=cli.positive_int, default=None, help=f"sequences per step ({nano.batch})")
    tr.add_argument("--iters", type=cli.positive_int, default=None,
                    help=f"training steps ({nano.iters}); with --resume, the new total")
    tr.add_argument("--lr", type=cli.positive_float, default=None, help=f"peak learning rate ({nano.lr:g})")
    tr.add_argument("--warmup", type=int, default=None, help=f"warm-up steps ({nano.warmup})")
    tr.add_argument("--weight-decay", type=cli.finite_float, default=None, help=f"AdamW decay ({nano.weight_decay:g})")
    tr.add_argument("--dropout", type=cli.finite_float, default=None, help=f"dropout rate ({nano.dropout:g})")
    tr.add_argument("--eval-every", type=cli.positive_int, default=None,
                    help=f"iterations between evaluations ({nano.eval_every})")
    tr.add_argument("--eval-iters", type=cli.positive_int, default=None,
                    help=f"batches per loss estimate ({nano.eval_iters})")
    tr.add_argument("--sample-len", type=int, default=300,
                    help="tokens in the sample printed at the end (0: no sample and no coherence figures)")
    tr.add_argument("--top-k", type=cli.positive_int, default=None, help="sample only from the k best tokens")
    tr.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="cuda needs CuPy and a GPU")
    tr.add_argument("--workers", type=cli.positive_int, default=None,
                    help="worker processes that share each batch, data-parallel (default: one per core, at most 8)")
    tr.add_argument("--threads", action="store_true",
                    help="split each batch between threads instead of processes (the simpler version; slower, "
                         "as the threads take turns to run Python)")
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
    ev = sub.add_parser("evaluate", help="validation loss, perplexity and coherence figures of a checkpoint")
    ev.add_argument("--checkpoint", type=Path, default=None, metavar="DIR", help="folder with ckpt.json/.npz")
    ev.add_argument("--out", type=Path, default=None, metavar="DIR", help="same as --checkpoint")
    ev.add_argument("--batch", type=cli.bounded_int(1, 1024), default=12, help="sequences per batch (default 12)")
    ev.add_argument("--eval-iters", type=cli.bounded_int(1, 10_000), default=50,
                    help="held-out batches in the loss estimate (default 50)")
    ev.add_argument("--reference", action="store_true",
                    help="run the textbook (reference) implementation instead of the fast one")
    ev.add_argument("--no-show", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(_negative_time_joined(sys.argv[1:] if argv is None else list(argv)))
    if args.command == "evaluate":
        return cmd_evaluate(args)
    if args.command == "train":
        args.recipe = apply_recipe(args)
        if not 0 <= args.dropout < 1:
            raise cli.UserError(f"--dropout must be in [0, 1), got {args.dropout}")
        if args.warmup < 0 or args.sample_len < 0:
            raise cli.UserError("--warmup and --sample-len must be >= 0")
        return cmd_train(args)
    return cmd_generate(args)


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
