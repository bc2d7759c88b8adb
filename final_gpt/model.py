"""A GPT (decoder-only transformer) built on minigrad, the autograd engine of project 20.

Shapes: B sequences of T tokens, C = model width, H heads of size D = C / H, V = vocabulary.
Activations are kept as (B*T, C) matrices so every linear layer is one big matrix product.

    x_0   = W_te[ids] + W_pe[0..T-1]                       token + position embeddings (B*T, C)
    for each of L blocks (pre-LayerNorm, residual stream x):
        x = x + Proj( CausalSelfAttention( LN_1(x) ) )
        x = x + W_2 GELU( W_1 LN_2(x) + b_1 ) + b_2           MLP, hidden width 4C
    logits = LN_f(x) W_te^T                                  output head tied to the embedding

Scaled dot-product attention, one head (q_t, k_s, v_s in R^D, rows of Q, K, V = x W_q, x W_k, x W_v):

    S = Q K^T / sqrt(D)          score of query t against key s (dividing by sqrt(D) keeps the
                                 variance of a score ~1, so the softmax does not saturate)
    S[t, s] = -inf for s > t     the causal mask: position t may only look at the past
    A = softmax(S) row-wise      attention weights, each row sums to 1
    Y = A V                      each output is a weighted average of the values

and its backward pass (what :func:`causal_attention` implements by hand, G = dL/dY):

    dV = A^T G,   dA = G V^T,   dS = A * (dA - rowsum(dA * A)),   dQ = dS K / sqrt(D),   dK = dS^T Q / sqrt(D)

(the softmax Jacobian diag(a) - a a^T folded into one line; masked entries have A = 0, so they
get no gradient). Heads run in parallel on slices of the width and are concatenated.

Generation samples one token at a time from softmax(logits / temperature), optionally keeping the
top-k logits only. A KV cache stores every layer's keys and values, so each new token costs one
row of work instead of re-running the whole context; :meth:`GPT.forward` is the one forward pass
for both, given a :class:`KVCache` or not.

Two tiers. :func:`attention` is the textbook tier: the equations above in minigrad's own ops,
left to autograd, with LayerNorm and GELU from the textbook :func:`minigrad.layer_norm` and
:func:`minigrad.gelu`. :func:`causal_attention_fused`, :func:`minigrad.layer_norm_fused` and
:func:`minigrad.gelu_fused` are the fast tier, with hand-written backward passes; training uses
them by default. ``GPT(cfg, reference=True)`` (``gpt.py train --reference``) runs the textbook
tier end to end, and the tests check that both tiers give the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

import minigrad as mg
from minigrad import threads
from minigrad.tensor import Tensor


@dataclass(frozen=True)
class GPTConfig:
    vocab_size: int
    block_size: int = 64        # longest context (number of position embeddings)
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0

    def __post_init__(self):
        if self.n_embd % self.n_head:
            raise ValueError(f"dim {self.n_embd} is not divisible by heads {self.n_head}")
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")

    def to_dict(self) -> dict:
        return asdict(self)

    def num_parameters(self) -> int:
        """Exact parameter count (the output head shares W_te, so it adds nothing)."""
        C, V, L = self.n_embd, self.vocab_size, self.n_layer
        per_block = 2 * C + (3 * C * C + 3 * C) + (C * C + C) + 2 * C + (4 * C * C + 4 * C) + (4 * C * C + C)
        return V * C + self.block_size * C + L * per_block + 2 * C


# ----------------------------------------------------------------------------- attention, textbook tier
def causal_mask(T: int, xp=np, dtype=np.float32, past: int = 0):
    """Additive mask (T, past + T) for T new queries after ``past`` cached positions.

    Query t sits at position past + t and may look at keys 0 .. past + t: 0 there, -inf at the
    future keys. With past = 0 it is the square mask, 0 on and below the diagonal:

    >>> print(causal_mask(3))
    [[  0. -inf -inf]
     [  0.   0. -inf]
     [  0.   0.   0.]]
    """
    return xp.triu(xp.full((T, past + T), -np.inf, dtype=dtype), past + 1)


def attention(q: Tensor, k: Tensor, v: Tensor, mask=None) -> Tensor:
    """Scaled dot-product attention, softmax(Q K^T / sqrt(D) + mask) V, in minigrad's ops.

    q (B, H, T, D) queries, k and v (B, H, S, D) keys and values, mask (T, S) added to the scores
    (0 = may look, -inf = may not; see :func:`causal_mask`) -> (B, H, T, D). Autograd finds the
    backward pass that :func:`causal_attention_fused` writes by hand.
    """
    D = q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(D)           # (B, H, T, S)
    if mask is not None:
        scores = scores + mask                                 # the future gets -inf
    weights = scores.softmax(axis=-1)                          # each row sums to 1
    return weights @ v                                         # (B, H, T, D)


def split_heads(qkv: Tensor, batch: int, heads: int) -> tuple[Tensor, Tensor, Tensor]:
    """qkv (B*T, 3C), columns [q | k | v] -> q, k, v, each (B, H, T, D) with D = C / H."""
    N, C3 = qkv.shape
    D = C3 // (3 * heads)
    parts = qkv.reshape(batch, N // batch, 3, heads, D).permute(2, 0, 3, 1, 4)   # (3, B, H, T, D)
    return parts[0], parts[1], parts[2]


def merge_heads(y: Tensor) -> Tensor:
    """y (B, H, T, D) -> (B*T, H*D): the heads side by side again, one row per token."""
    B, H, T, D = y.shape
    return y.permute(0, 2, 1, 3).reshape(B * T, H * D)


# ----------------------------------------------------------------------------- attention, fast tier
_MASKS: dict = {}


def _cached_mask(T: int, xp, dtype):
    key = (T, xp.__name__, np.dtype(dtype).name)
    if key not in _MASKS:
        _MASKS[key] = causal_mask(T, xp, dtype)
    return _MASKS[key]


def _heads(qkv, heads: int):
    """View qkv rows (B, T, 3C) as q, k, v, each (B, H, T, D) (no copy)."""
    B, T, C3 = qkv.shape
    return qkv.reshape(B, T, 3, heads, C3 // (3 * heads)).transpose(2, 0, 3, 1, 4)


def causal_attention_fused(qkv: Tensor, batch: int, heads: int) -> Tensor:
    """Multi-head causal self-attention as one minigrad op: qkv (B*T, 3C) -> (B*T, C).

    The same numbers as ``merge_heads(attention(*split_heads(qkv), causal_mask(T)))``.

    The columns of qkv are [q | k | v], each C wide and split into ``heads`` slices of D = C/H.
    Forward and backward follow the equations in the module docstring, with two choices made
    for speed:

    * The attention matrix is stored transposed, At = A^T (keys down the rows, one column per
      query), so the softmax's max and sum run down the columns: NumPy reduces across rows
      several times faster than along short rows. Every product then uses At or its transpose
      view, which BLAS reads at no cost.
    * The backward's rowsum(dA * A) equals rowsum(G * Y) (expand dA = G V^T): a (T, D) product
      instead of a (T, T) one, the shortcut FlashAttention takes.

    Sequences are independent, so blocks of them run on separate threads
    (``minigrad.threads.parallel_rows``); each block writes into its rows of shared outputs.
    """
    xp = qkv.xp
    N, C3 = qkv.shape
    B, C = batch, C3 // 3
    T, D = N // B, C // heads
    scale = 1.0 / math.sqrt(D)
    rows = qkv.data.reshape(B, T, C3)
    dtype = rows.dtype
    q_scaled = xp.empty((B, heads, T, D), dtype=dtype)          # Q / sqrt(D), kept for dK
    at = xp.empty((B, heads, T, T), dtype=dtype)                # At[s, t] = A[t, s]
    y_heads = xp.empty((B, heads, T, D), dtype=dtype)           # Y = A V per head
    y = xp.empty((B, T, C), dtype=dtype)                        # heads side by side again
    mask_t = _cached_mask(T, xp, dtype).T                        # -inf where key s > query t

    def attend(rows, q_scaled, at, y_heads, y):                 # one block of sequences
        q, k, v = _heads(rows, heads)
        xp.multiply(q, scale, out=q_scaled)
        xp.matmul(k, q_scaled.swapaxes(-1, -2), out=at)         # St = K Q^T / sqrt(D)
        at += mask_t
        at -= at.max(axis=-2, keepdims=True)                    # softmax down each column
        xp.exp(at, out=at)
        at /= at.sum(axis=-2, keepdims=True)
        xp.matmul(at.swapaxes(-1, -2), v, out=y_heads)          # Y = A V
        y.reshape(y.shape[0], T, heads, D)[...] = y_heads.transpose(0, 2, 1, 3)

    threads.parallel_rows(attend, rows, q_scaled, at, y_heads, y, min_size=1)

    def _bw(g):
        g = g.reshape(B, T, heads, D)
        dqkv = xp.empty((B, T, 3, heads, D), dtype=g.dtype)     # the layout of qkv's columns

        def backprop(rows, q_scaled, at, y_heads, g, dqkv):     # one block of sequences
            _, k, v = _heads(rows, heads)
            g = g.transpose(0, 2, 1, 3)                                  # G (b, H, T, D)
            dqkv[:, :, 2] = (at @ g).transpose(0, 2, 1, 3)               # dV = A^T G
            ds_t = v @ g.swapaxes(-1, -2)                                # dA^T = V G^T
            ds_t -= (g * y_heads).sum(axis=-1)[:, :, None, :]            # - rowsum(dA * A), per query
            ds_t *= at                                                   # dS^T = A^T * (...)
            dq = ds_t.swapaxes(-1, -2) @ k                               # dS K
            dq *= scale
            dqkv[:, :, 0] = dq.transpose(0, 2, 1, 3)                     # dQ = dS K / sqrt(D)
            dqkv[:, :, 1] = (ds_t @ q_scaled).transpose(0, 2, 1, 3)      # dK = dS^T Q / sqrt(D)

        threads.parallel_rows(backprop, rows, q_scaled, at, y_heads, g, dqkv, min_size=1)
        qkv.add_grad(dqkv.reshape(N, C3))

    return Tensor.from_op(y.reshape(N, C), (qkv,), _bw, "causal_attention")


# ----------------------------------------------------------------------------- modules
class CausalSelfAttention(mg.Module):
    """x (B*T, C) -> (B*T, C): H heads of causal attention, then an output projection."""

    def __init__(self, cfg: GPTConfig, reference: bool = False):
        self.n_head, self.dropout, self.reference = cfg.n_head, cfg.dropout, reference
        self.qkv = mg.Linear(cfg.n_embd, 3 * cfg.n_embd)
        self.proj = mg.Linear(cfg.n_embd, cfg.n_embd)

    def forward(self, x: Tensor, batch: int, cache: LayerCache | None = None) -> Tensor:
        qkv = self.qkv(x)                                             # (B*T, 3C)
        if self.reference or cache is not None:
            q, k, v = split_heads(qkv, batch, self.n_head)            # (B, H, T, D) each
            past = 0
            if cache is not None:                                     # keys and values seen before
                past = cache.length
                k, v = cache.append(k, v)                             # (B, H, past + T, D)
            T = q.shape[2]
            mask = causal_mask(T, qkv.xp, qkv.dtype, past) if T > 1 else None   # one new token sees every key
            y = merge_heads(attention(q, k, v, mask))
        else:
            y = causal_attention_fused(qkv, batch, self.n_head)
        return mg.dropout(self.proj(y), self.dropout, self.training)


class MLP(mg.Module):
    """x (B*T, C) -> (B*T, C): widen to 4C, GELU (GPT-2's tanh form), project back."""

    def __init__(self, cfg: GPTConfig, reference: bool = False):
        self.dropout = cfg.dropout
        self.fc = mg.Linear(cfg.n_embd, 4 * cfg.n_embd)
        self.gelu = mg.GELU("tanh", fused=not reference)
        self.proj = mg.Linear(4 * cfg.n_embd, cfg.n_embd)

    def forward(self, x: Tensor) -> Tensor:
        return mg.dropout(self.proj(self.gelu(self.fc(x))), self.dropout, self.training)


class Block(mg.Module):
    """One transformer block, pre-LayerNorm: x + attention(LN_1(x)), then + MLP(LN_2(x))."""

    def __init__(self, cfg: GPTConfig, reference: bool = False):
        self.ln1 = mg.LayerNorm(cfg.n_embd, fused=not reference)
        self.attn = CausalSelfAttention(cfg, reference)
        self.ln2 = mg.LayerNorm(cfg.n_embd, fused=not reference)
        self.mlp = MLP(cfg, reference)

    def forward(self, x: Tensor, batch: int, cache: LayerCache | None = None) -> Tensor:
        x = x + self.attn(self.ln1(x), batch, cache)
        return x + self.mlp(self.ln2(x))


class GPT(mg.Module):
    """The language model. ``model(ids)`` -> logits (B*T, V); ``model.loss(ids, targets)``.

    ``reference=True`` builds it from the textbook tier (:func:`attention`, :func:`minigrad.layer_norm`,
    :func:`minigrad.gelu`); the default uses the fused ops. Same parameters, same numbers.
    """

    def __init__(self, cfg: GPTConfig, seed: int = 0, reference: bool = False):
        self.cfg, self.reference = cfg, reference
        mg.manual_seed(seed)
        self.wte = mg.Embedding(cfg.vocab_size, cfg.n_embd)
        self.wpe = mg.Embedding(cfg.block_size, cfg.n_embd)
        self.h = [Block(cfg, reference) for _ in range(cfg.n_layer)]
        self.ln_f = mg.LayerNorm(cfg.n_embd, fused=not reference)
        # GPT-2 initialisation: N(0, 0.02) weights, zero biases, and the projections that write
        # into the residual stream scaled by 1/sqrt(2L) so its variance does not grow with depth
        rng = np.random.default_rng(seed)
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                p.data = np.zeros_like(p.data)
            elif not name.startswith("ln") and ".ln" not in name:
                std = 0.02 / math.sqrt(2 * cfg.n_layer) if name.endswith("proj.weight") else 0.02
                p.data = rng.normal(0.0, std, p.shape).astype(p.dtype)

    def forward(self, ids, cache: KVCache | None = None) -> Tensor:
        """ids int (B, T) -> logits (B*T, V), one row per position.

        Without a cache, ids is the whole context (T <= block_size). With one, ids are the next
        tokens after the ``cache.length`` already seen: they take the positions after those, attend
        to the cached keys and values as well as their own, and are added to the cache.
        """
        ids = np.asarray(ids)
        B, T = ids.shape
        past = 0 if cache is None else cache.length
        if past + T > self.cfg.block_size:
            raise ValueError(f"sequence of {past + T} tokens is longer than block_size {self.cfg.block_size}")
        C = self.cfg.n_embd
        x = (self.wte(ids) + self.wpe.weight[past:past + T]).reshape(B * T, C)  # position rows broadcast over B
        x = mg.dropout(x, self.cfg.dropout, self.training)
        for i, block in enumerate(self.h):
            x = block(x, B, None if cache is None else cache.layers[i])
        return mg.linear(self.ln_f(x), self.wte.weight)

    def loss(self, ids, targets) -> Tensor:
        """Mean cross-entropy of next-token prediction; targets int (B, T)."""
        return mg.cross_entropy(self(ids), np.asarray(targets).reshape(-1))

    def logits_last(self, ids: np.ndarray, cache: KVCache | None = None) -> np.ndarray:
        """Logits of the last position of each row, ids (B, T) -> (B, V), in eval mode, no graph.

        Without a cache ids is the whole context; with one, the tokens that follow the cache.
        """
        ids = np.asarray(ids)
        was = self.training
        if was:
            self.eval()                                   # no dropout (generate switches once for all steps)
        with mg.no_grad():
            logits = mg.backend.to_numpy(self(ids, cache).data)
        if was:
            self.train()
        B, T = ids.shape
        return logits.reshape(B, T, -1)[:, -1]

    def generate(self, ids, max_new_tokens: int, temperature: float = 1.0, top_k: int | None = None,
                 rng: np.random.Generator | None = None, use_cache: bool = True) -> np.ndarray:
        """Continue ids (B, T0) by ``max_new_tokens`` sampled tokens -> (B, T0 + max_new_tokens).

        Both ways call :meth:`forward`. Without the cache every step re-runs the last
        ``block_size`` tokens. With it, each step runs only the newest token against the stored
        keys and values; when the context is full the cache is rebuilt from the last
        ``block_size // 2`` tokens (positions are learned, so the window must restart at 0).
        """
        rng = rng or np.random.default_rng(0)
        ids = np.asarray(ids, dtype=np.int64)
        if ids.ndim == 1:
            ids = ids[None]
        was = self.training
        self.eval()                                       # no dropout while sampling
        try:
            ids = self._sample_tokens(ids, max_new_tokens, temperature, top_k, rng, use_cache)
        finally:
            self.train(was)
        return ids

    def _sample_tokens(self, ids, max_new_tokens, temperature, top_k, rng, use_cache) -> np.ndarray:
        """The generation loop of :meth:`generate`, the model already in eval mode."""
        block = self.cfg.block_size
        cache = None
        for _ in range(max_new_tokens):
            if not use_cache:
                logits = self.logits_last(ids[:, -block:])
            elif cache is None or cache.length >= block:
                keep = block if cache is None else block // 2
                cache = KVCache(self.cfg.n_layer)
                logits = self.logits_last(ids[:, -keep:], cache)        # the prompt fills the cache
            else:
                logits = self.logits_last(ids[:, -1:], cache)           # one new token
            nxt = sample(logits, temperature, top_k, rng)
            ids = np.concatenate([ids, nxt[:, None]], axis=1)
        return ids


def sample(logits: np.ndarray, temperature: float, top_k: int | None, rng: np.random.Generator) -> np.ndarray:
    """One token per row from softmax(logits / temperature), over the top_k logits only. (B, V) -> (B,).

    Dividing by a temperature below 1 sharpens the distribution (the likely tokens get likelier),
    above 1 flattens it. top_k keeps the k largest logits of each row and gives the rest
    probability 0. The token is drawn by inverse-CDF sampling: the first index whose cumulative
    probability exceeds a uniform u in [0, 1).

    >>> logits = np.log(np.array([[0.7, 0.2, 0.1]]))
    >>> sample(logits, 1.0, 1, np.random.default_rng(0))       # top-1: always the best token
    array([0])
    """
    z = np.asarray(logits, dtype=np.float64) / max(temperature, 1e-8)
    if top_k is not None and top_k < z.shape[-1]:
        kth = np.partition(z, -top_k, axis=-1)[:, -top_k][:, None]
        z = np.where(z < kth, -np.inf, z)
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    u = rng.random((p.shape[0], 1))
    return np.minimum((p.cumsum(axis=-1) < u).sum(axis=-1), p.shape[-1] - 1)


# ----------------------------------------------------------------------------- KV cache
class LayerCache:
    """One layer's keys and values for the positions seen so far, each (B, H, length, D).

    For generation only (no gradient flows through it). The arrays sit in buffers with room to
    spare, doubled when full as a Python list grows, so adding one position copies one
    position rather than the whole cache every step.
    """

    def __init__(self):
        self.length = 0
        self._keys = self._values = None              # (B, H, room, D) buffers, room >= length

    def append(self, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
        """Add the new positions' k, v (B, H, T, D); return all keys and values so far."""
        n, T = self.length, k.shape[2]
        if self._keys is None or n + T > self._keys.shape[2]:
            room = max(16, 2 * (n + T))
            self._keys, self._values = (_grown(old, new.data, n, room) for old, new in
                                        ((self._keys, k), (self._values, v)))
        self._keys[:, :, n:n + T] = k.data
        self._values[:, :, n:n + T] = v.data
        self.length = n + T
        return Tensor(self._keys[:, :, :n + T]), Tensor(self._values[:, :, :n + T])


def _grown(old, like, n: int, room: int):
    """A (B, H, room, D) buffer shaped like ``like``, holding the first n positions of ``old``."""
    B, H, _, D = like.shape
    buffer = mg.backend.module_of(like).empty((B, H, room, D), dtype=like.dtype)
    if old is not None:
        buffer[:, :, :n] = old[:, :, :n]
    return buffer


class KVCache:
    """Every layer's keys and values, for generation: pass it to :meth:`GPT.forward`."""

    def __init__(self, n_layer: int):
        self.layers = [LayerCache() for _ in range(n_layer)]

    @property
    def length(self) -> int:
        """How many positions are stored (the same in every layer)."""
        return self.layers[0].length
