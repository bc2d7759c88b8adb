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
row of work instead of re-running the whole context.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import minigrad as mg
import numpy as np
from minigrad import backend
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


# ----------------------------------------------------------------------------- fused attention op
_MASKS: dict = {}


def causal_mask(T: int, xp=np, dtype=np.float32):
    """(T, T) additive mask: 0 on and below the diagonal, -inf above (the future)."""
    key = (T, xp.__name__, np.dtype(dtype).name)
    if key not in _MASKS:
        _MASKS[key] = xp.triu(xp.full((T, T), -np.inf, dtype=dtype), 1)
    return _MASKS[key]


def _heads(qkv, heads: int):
    """View qkv rows (B, T, 3C) as q, k, v, each (B, H, T, D) (no copy)."""
    B, T, C3 = qkv.shape
    return qkv.reshape(B, T, 3, heads, C3 // (3 * heads)).transpose(2, 0, 3, 1, 4)


def causal_attention(qkv: Tensor, batch: int, heads: int) -> Tensor:
    """Multi-head causal self-attention as one minigrad op: qkv (B*T, 3C) -> (B*T, C).

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
    (``minigrad.backend.parallel_rows``); each block writes into its rows of shared outputs.
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
    mask_t = causal_mask(T, xp, dtype).T                        # -inf where key s > query t

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

    backend.parallel_rows(attend, rows, q_scaled, at, y_heads, y, min_size=1)

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

        backend.parallel_rows(backprop, rows, q_scaled, at, y_heads, g, dqkv, min_size=1)
        qkv.add_grad(dqkv.reshape(N, C3))

    return Tensor.from_op(y.reshape(N, C), (qkv,), _bw, "causal_attention")


def gelu_tanh(x: Tensor) -> Tensor:
    """GPT-2's GELU, 0.5 x (1 + tanh(c (x + 0.044715 x^3))) with c = sqrt(2/pi), as one op.

    With h = 0.5 (1 + t), t the tanh: GELU = x h and, since 1 - t^2 = 4 h (1 - h),
    d/dx = h + 2 c x h (1 - h) (1 + 3 * 0.044715 x^2).
    Written as in-place steps on row blocks that run on separate threads (one temporary array
    instead of one per operation; x*x rather than x**3, as a general power is several times
    slower than two multiplications).
    """
    xp, a = x.xp, x.data
    c, k = math.sqrt(2 / math.pi), 0.044715
    h, out = xp.empty_like(a), xp.empty_like(a)

    def forward(a, h, out):
        xp.multiply(a, a, out=h)
        h *= c * k
        h += c
        h *= a                       # c (x + k x^3)
        xp.tanh(h, out=h)
        h *= 0.5
        h += 0.5                     # h = 0.5 (1 + tanh(...))
        xp.multiply(a, h, out=out)

    backend.parallel_rows(forward, a, h, out)

    def _bw(g):
        d = xp.empty_like(a)

        def backward(a, h, g, d):
            xp.multiply(a, a, out=d)
            d *= 2 * c * 3 * k
            d += 2 * c
            d *= a                   # 2 c x (1 + 3k x^2)
            d *= h
            d -= d * h               # ... * h (1 - h)
            d += h
            d *= g

        backend.parallel_rows(backward, a, h, g, d)
        x.add_grad(d)

    return Tensor.from_op(out, (x,), _bw, "gelu_tanh")


# ----------------------------------------------------------------------------- modules
class CausalSelfAttention(mg.Module):
    def __init__(self, cfg: GPTConfig):
        self.n_head, self.dropout = cfg.n_head, cfg.dropout
        self.qkv = mg.Linear(cfg.n_embd, 3 * cfg.n_embd)
        self.proj = mg.Linear(cfg.n_embd, cfg.n_embd)

    def forward(self, x: Tensor, batch: int) -> Tensor:
        y = causal_attention(self.qkv(x), batch, self.n_head)
        return mg.dropout(self.proj(y), self.dropout, self.training)


class MLP(mg.Module):
    def __init__(self, cfg: GPTConfig):
        self.dropout = cfg.dropout
        self.fc = mg.Linear(cfg.n_embd, 4 * cfg.n_embd)
        self.proj = mg.Linear(4 * cfg.n_embd, cfg.n_embd)

    def forward(self, x: Tensor) -> Tensor:
        return mg.dropout(self.proj(gelu_tanh(self.fc(x))), self.dropout, self.training)


class Block(mg.Module):
    def __init__(self, cfg: GPTConfig):
        self.ln1 = mg.LayerNorm(cfg.n_embd)
        self.attn = CausalSelfAttention(cfg)
        self.ln2 = mg.LayerNorm(cfg.n_embd)
        self.mlp = MLP(cfg)

    def forward(self, x: Tensor, batch: int) -> Tensor:
        x = x + self.attn(self.ln1(x), batch)
        return x + self.mlp(self.ln2(x))


class GPT(mg.Module):
    """The language model. ``model(ids)`` -> logits (B*T, V); ``model.loss(ids, targets)``."""

    def __init__(self, cfg: GPTConfig, seed: int = 0):
        self.cfg = cfg
        mg.manual_seed(seed)
        self.wte = mg.Embedding(cfg.vocab_size, cfg.n_embd)
        self.wpe = mg.Embedding(cfg.block_size, cfg.n_embd)
        self.h = [Block(cfg) for _ in range(cfg.n_layer)]
        self.ln_f = mg.LayerNorm(cfg.n_embd)
        # GPT-2 initialisation: N(0, 0.02) weights, zero biases, and the projections that write
        # into the residual stream scaled by 1/sqrt(2L) so its variance does not grow with depth
        rng = np.random.default_rng(seed)
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                p.data = np.zeros_like(p.data)
            elif not name.startswith("ln") and ".ln" not in name:
                std = 0.02 / math.sqrt(2 * cfg.n_layer) if name.endswith("proj.weight") else 0.02
                p.data = rng.normal(0.0, std, p.shape).astype(p.dtype)

    def forward(self, ids) -> Tensor:
        """ids int (B, T) with T <= block_size -> logits (B*T, V)."""
        ids = np.asarray(ids)
        B, T = ids.shape
        if T > self.cfg.block_size:
            raise ValueError(f"sequence of {T} tokens is longer than block_size {self.cfg.block_size}")
        C = self.cfg.n_embd
        x = (self.wte(ids) + self.wpe.weight[:T]).reshape(B * T, C)     # position rows broadcast over B
        x = mg.dropout(x, self.cfg.dropout, self.training)
        for block in self.h:
            x = block(x, B)
        return mg.linear(self.ln_f(x), self.wte.weight)

    def loss(self, ids, targets) -> Tensor:
        """Mean cross-entropy of next-token prediction; targets int (B, T)."""
        return mg.cross_entropy(self(ids), np.asarray(targets).reshape(-1))

    # -- inference in plain NumPy (no graph), with and without a KV cache
    def _arrays(self) -> dict[str, np.ndarray]:
        """The weights as host NumPy arrays (inference runs on the CPU whatever the device)."""
        return {name: mg.backend.to_numpy(p.data) for name, p in self.named_parameters()}

    def logits_last(self, ids: np.ndarray) -> np.ndarray:
        """Recompute the whole context: ids (B, T) -> logits of the last position (B, V)."""
        with mg.no_grad():
            was = self.training
            self.eval()
            logits = mg.backend.to_numpy(self(ids).data)
            self.train(was)
        B, T = ids.shape
        return logits.reshape(B, T, -1)[:, -1]

    def generate(self, ids, max_new_tokens: int, temperature: float = 1.0, top_k: int | None = None,
                 rng: np.random.Generator | None = None, use_cache: bool = True) -> np.ndarray:
        """Continue ids (B, T0) by ``max_new_tokens`` sampled tokens -> (B, T0 + max_new_tokens).

        Without the cache every step re-runs the last ``block_size`` tokens. With it, each step
        runs one position through the network against the stored keys/values; when the context
        is full the cache is rebuilt from the last ``block_size // 2`` tokens (positions are
        learned, so the window must restart at position 0).
        """
        rng = rng or np.random.default_rng(0)
        ids = np.asarray(ids, dtype=np.int64)
        if ids.ndim == 1:
            ids = ids[None]
        block = self.cfg.block_size
        cache = None
        for _ in range(max_new_tokens):
            if not use_cache:
                logits = self.logits_last(ids[:, -block:])
            elif cache is None or cache.length >= block:
                keep = block if cache is None else block // 2
                cache = KVCache(self)
                logits = cache.prefill(ids[:, -keep:])
            else:
                logits = cache.step(ids[:, -1])
            nxt = sample(logits, temperature, top_k, rng)
            ids = np.concatenate([ids, nxt[:, None]], axis=1)
        return ids


def sample(logits: np.ndarray, temperature: float, top_k: int | None, rng: np.random.Generator) -> np.ndarray:
    """One token per row from softmax(logits / temperature) over the top_k logits. (B, V) -> (B,)."""
    z = np.asarray(logits, dtype=np.float64) / max(temperature, 1e-8)
    if top_k is not None and top_k < z.shape[-1]:
        kth = np.partition(z, -top_k, axis=-1)[:, -top_k][:, None]
        z = np.where(z < kth, -np.inf, z)
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    u = rng.random((p.shape[0], 1))
    return np.minimum((p.cumsum(axis=-1) < u).sum(axis=-1), p.shape[-1] - 1)


def _layer_norm(x, w, b, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)
    xc = x - mu
    return xc / np.sqrt((xc * xc).mean(axis=-1, keepdims=True) + eps) * w + b


def _gelu(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


class KVCache:
    """Keys and values of every layer for the tokens seen so far: K, V (L, B, H, T_max, D)."""

    def __init__(self, model: GPT):
        self.model, self.cfg, self.p = model, model.cfg, model._arrays()
        self.length = 0
        self.k = self.v = None

    def _run(self, ids: np.ndarray) -> np.ndarray:
        """Push ids (B, T) at positions length..length+T-1 through the net; logits of the last."""
        cfg, p = self.cfg, self.p
        B, T = ids.shape
        H, C = cfg.n_head, cfg.n_embd
        D, t0 = C // H, self.length
        if self.k is None:
            shape = (cfg.n_layer, B, H, cfg.block_size, D)
            self.k, self.v = np.zeros(shape, np.float32), np.zeros(shape, np.float32)
        x = p["wte.weight"][ids] + p["wpe.weight"][t0:t0 + T]                # (B, T, C)
        for i in range(cfg.n_layer):
            pre = f"h.{i}."
            h = _layer_norm(x, p[pre + "ln1.weight"], p[pre + "ln1.bias"])
            qkv = h @ p[pre + "attn.qkv.weight"].T + p[pre + "attn.qkv.bias"]
            q, k, v = qkv.reshape(B, T, 3, H, D).transpose(2, 0, 3, 1, 4)   # (B, H, T, D)
            self.k[i, :, :, t0:t0 + T] = k
            self.v[i, :, :, t0:t0 + T] = v
            keys, values = self.k[i, :, :, :t0 + T], self.v[i, :, :, :t0 + T]
            s = q @ keys.swapaxes(-1, -2) / math.sqrt(D)                     # (B, H, T, t0+T)
            s = s + np.triu(np.full((T, t0 + T), -np.inf, np.float32), t0 + 1)  # query t sees <= t0+t
            s = np.exp(s - s.max(axis=-1, keepdims=True))
            y = (s / s.sum(axis=-1, keepdims=True)) @ values
            y = y.transpose(0, 2, 1, 3).reshape(B, T, C)
            x = x + y @ p[pre + "attn.proj.weight"].T + p[pre + "attn.proj.bias"]
            h = _layer_norm(x, p[pre + "ln2.weight"], p[pre + "ln2.bias"])
            h = _gelu(h @ p[pre + "mlp.fc.weight"].T + p[pre + "mlp.fc.bias"])
            x = x + h @ p[pre + "mlp.proj.weight"].T + p[pre + "mlp.proj.bias"]
        self.length += T
        last = _layer_norm(x[:, -1], p["ln_f.weight"], p["ln_f.bias"])
        return last @ p["wte.weight"].T

    def prefill(self, ids: np.ndarray) -> np.ndarray:
        return self._run(np.asarray(ids))

    def step(self, ids: np.ndarray) -> np.ndarray:
        """One new token per row, ids (B,) -> logits (B, V)."""
        return self._run(np.asarray(ids).reshape(-1, 1))
