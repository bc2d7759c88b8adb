"""minigrad's functional ops: activations, losses, dropout, linear layers, LayerNorm, embedding
lookup, padding, one-hot and attention (``minigrad.nn.functional`` gives them torch's names).

The primitive ops (arithmetic, reductions, shapes, matmul, softmax) are methods of
:class:`~minigrad.tensor.Tensor`; this module builds on them, as ``torch.nn.functional`` does.
Where an op has two tiers, the textbook one comes first: written with minigrad's own ops and
left to autograd. The fused one beside it computes the same numbers with a hand-written
backward, for speed, and a test checks that the two agree. The losses take every torch
``reduction`` ('mean', 'sum', 'none'): each computes the elementwise losses, then reduces them.
"""

from __future__ import annotations

import math

import numpy as np

from . import backend, threads
from .tensor import Tensor, _data, _t, where

REDUCTIONS = ("mean", "sum", "none")
_BCE_EPS = float(np.float32(1e-12))     # torch keeps BCE's denominator above 1e-12 as a float32 constant


# ----------------------------------------------------------------------------- activations
def relu(x: Tensor) -> Tensor:
    return x.relu()


def erf(x: Tensor) -> Tensor:
    """The error function erf(x) = 2/sqrt(pi) * integral_0^x e^(-t^2) dt, elementwise, as one op.

    Its derivative is the integrand: d erf(x)/dx = 2/sqrt(pi) e^(-x^2).
    """
    xp, a = x.xp, x.data

    def _bw(g):
        x.add_grad(g * (2 / math.sqrt(math.pi)) * xp.exp(-a * a))

    return Tensor.from_op(backend.erf(xp, a).astype(a.dtype, copy=False), (x,), _bw, "erf")


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """GELU(x) = x Phi(x), Phi the standard normal CDF: the textbook tier, left to autograd.

        "none":  Phi(x) = (1 + erf(x / sqrt(2))) / 2
        "tanh":  Phi(x) ~ (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2     (GPT-2's formula)

    Any shape in, the same shape out. :func:`gelu_fused` computes the same numbers in one op.

    >>> print(gelu(Tensor([-1.0, 0.0, 1.0])).numpy().round(4))
    [-0.1587  0.      0.8413]
    """
    if approximate == "none":
        return x * 0.5 * (1 + erf(x / math.sqrt(2)))
    if approximate == "tanh":
        c = math.sqrt(2 / math.pi)
        return 0.5 * x * (1 + (c * (x + 0.044715 * x ** 3)).tanh())
    raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")


def gelu_fused(x: Tensor, approximate: str = "none") -> Tensor:
    """:func:`gelu` as one op with a hand-written derivative, the fast tier.

    "none":  GELU = x Phi(x),  d/dx = Phi(x) + x phi(x),  phi the standard normal density.
    "tanh":  with h = 0.5 (1 + t), t the tanh: GELU = x h and, since 1 - t^2 = 4 h (1 - h),
             d/dx = h + 2 c x h (1 - h) (1 + 3 * 0.044715 x^2),  c = sqrt(2/pi).
    The tanh form (the GPT's) is written as in-place steps on row blocks that run on separate
    threads: one temporary array instead of one per operation, and x*x rather than x**3, as a
    general power is several times slower than two multiplications. It computes h as a sigmoid,
    h = 0.5 (1 + tanh(u)) = 1 / (1 + e^(-2u)): NumPy's exp is about twice as fast as its tanh
    (-2u is capped at 80, where e^80 is still finite in float32 and h is 0 to the last bit).
    """
    xp, a = x.xp, x.data
    if approximate == "none":
        cdf = 0.5 * (1 + backend.erf(xp, a / math.sqrt(2)))

        def _bw_erf(g):
            pdf = xp.exp(-0.5 * a * a) / math.sqrt(2 * math.pi)
            x.add_grad(g * (cdf + a * pdf))

        return Tensor.from_op((a * cdf).astype(a.dtype, copy=False), (x,), _bw_erf, "gelu")
    if approximate != "tanh":
        raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
    c, k = math.sqrt(2 / math.pi), 0.044715
    h, out = xp.empty_like(a), xp.empty_like(a)

    def forward(a, h, out):
        xp.multiply(a, a, out=h)
        h *= -2 * c * k
        h -= 2 * c
        h *= a                       # -2u = -2c (x + k x^3)
        xp.minimum(h, 80.0, out=h)   # e^-2u stays finite
        xp.exp(h, out=h)
        h += 1
        xp.reciprocal(h, out=h)      # h = 1 / (1 + e^-2u) = 0.5 (1 + tanh(u))
        xp.multiply(a, h, out=out)

    threads.parallel_rows(forward, a, h, out)

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

        threads.parallel_rows(backward, a, h, g, d)
        x.add_grad(d)

    return Tensor.from_op(out, (x,), _bw, "gelu_tanh")


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, negative_slope * x elsewhere (the slope at 0 is negative_slope, as torch)."""
    return where(x.data > 0, x, x * negative_slope)


def silu(x: Tensor) -> Tensor:
    """SiLU (swish): x * sigmoid(x), left to autograd."""
    return x * x.sigmoid()


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """softplus(x) = log(1 + e^(beta x)) / beta, computed as (max(bx, 0) + log(1 + e^-|bx|)) / beta
    so it never overflows; where beta x > ``threshold`` it is x itself (as torch).

    Its derivative is the sigmoid: d softplus(x)/dx = 1 / (1 + e^(-beta x)) (1 above the threshold).
    """
    xp, a = x.xp, x.data
    bx = beta * a
    linear = bx > threshold
    out = xp.where(linear, a, (xp.maximum(bx, 0) + xp.log1p(xp.exp(-xp.abs(bx)))) / beta)

    def _bw(g):
        x.add_grad(g * xp.where(linear, 1.0, 0.5 * (1 + xp.tanh(0.5 * bx))))   # sigmoid(bx), overflow-free

    return Tensor.from_op(out.astype(a.dtype, copy=False), (x,), _bw, "softplus")


def tanh(x: Tensor) -> Tensor:
    return x.tanh()


def sigmoid(x: Tensor) -> Tensor:
    return x.sigmoid()


def exp(x: Tensor) -> Tensor:
    return x.exp()


def log(x: Tensor) -> Tensor:
    return x.log()


def sqrt(x: Tensor) -> Tensor:
    return x.sqrt()


# ----------------------------------------------------------------------------- linear
def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """Fused ``x @ weight.T + bias``: x (..., in), weight (out, in), bias (out,) -> (..., out).

    One graph node instead of three; dL/dx = g W, dL/dW = g^T x, dL/db = sum of g over rows.
    """
    out = x.data @ weight.data.T
    if bias is not None:
        out += bias.data

    def _bw(g):
        if x.requires_grad:
            x.add_grad(g @ weight.data)
        g2 = g.reshape(-1, g.shape[-1])
        if weight.requires_grad:
            weight.add_grad(g2.T @ x.data.reshape(-1, x.shape[-1]), fresh=True)
        if bias is not None and bias.requires_grad:
            bias.add_grad(column_sums(g2), fresh=True)

    parents = (x, weight) if bias is None else (x, weight, bias)
    return Tensor.from_op(out, parents, _bw, "linear")


def column_sums(a):
    """Sums down the columns of a 2-D array a (r, c) -> (c,), as the product ones(r) @ a.

    Same numbers as ``a.sum(axis=0)``, but a BLAS matrix-vector product runs several times
    faster than NumPy's reduction across rows (bias gradients are exactly this sum).
    """
    return backend.module_of(a).ones(a.shape[0], dtype=a.dtype) @ a


# ----------------------------------------------------------------------------- losses, dropout, LayerNorm
def cross_entropy(logits: Tensor, targets, reduction: str = "mean", *, ignore_index: int = -100,
                  label_smoothing: float = 0.0) -> Tensor:
    """Fused softmax + negative log-likelihood. logits (N, C) (or (..., C)), targets int (N,) (or (...)).

    loss_n = log sum_c e^{z_nc} - z_{n,y_n}, computed with the max subtracted so it never
    overflows. Its gradient is the famous (softmax(z) - onehot(y)) / N.

    As in torch, targets equal to ``ignore_index`` add nothing (the mean is over the others),
    ``label_smoothing`` eps mixes the one-hot target with the uniform one, and float targets of
    logits' own shape are class probabilities; those cases run the textbook
    :func:`cross_entropy_reference`. The class axis is the LAST one (torch's is 1: the same for
    (N, C) logits).
    """
    xp = logits.xp
    t = xp.asarray(_data(targets))
    classes = logits.shape[-1]
    if t.dtype.kind == "f" and t.shape == logits.shape:         # class probabilities
        return cross_entropy_reference(logits, t, reduction, ignore_index=ignore_index,
                                       label_smoothing=label_smoothing)
    if t.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: targets must be integer class indices, got dtype {t.dtype} "
                        "(convert with .astype(np.int64) if they are whole numbers)")
    if t.shape != logits.shape[:-1]:
        _wrong_target_shape("cross_entropy", logits.shape, t.shape)
    lo, hi = (int(t.min()), int(t.max())) if t.size else (0, 0)
    if label_smoothing or lo <= ignore_index <= hi:              # a target may be ignored
        return cross_entropy_reference(logits, t, reduction, ignore_index=ignore_index,
                                       label_smoothing=label_smoothing)
    if lo < 0 or hi >= classes:
        raise IndexError(f"cross_entropy: target {lo if lo < 0 else hi} is out of "
                         f"range for {classes} classes (0 to {classes - 1})")
    z = logits.data.reshape(-1, classes)
    t = t.reshape(-1)
    n = z.shape[0]
    shifted = z - z.max(axis=1, keepdims=True)
    e = xp.exp(shifted)
    sum_e = e.sum(axis=1, keepdims=True)
    rows = xp.arange(n)
    losses = xp.log(sum_e[:, 0]) - shifted[rows, t]
    if reduction == "mean":
        out, scale = losses.mean(), 1.0 / n
    elif reduction == "sum":
        out, scale = losses.sum(), 1.0
    elif reduction == "none":
        out, scale = losses.reshape(logits.shape[:-1]), None
    else:
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")

    def _bw(g):
        grad = e / sum_e
        grad[rows, t] -= 1
        if scale is None:
            grad *= g.reshape(-1, 1)
        else:
            grad *= g * scale
        logits.add_grad(grad.reshape(logits.shape))

    return Tensor.from_op(out, (logits,), _bw, "cross_entropy")


def cross_entropy_reference(logits: Tensor, targets, reduction: str = "mean", *, ignore_index: int = -100,
                            label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy the textbook way, in minigrad's ops (left to autograd): logits (..., C) and

        targets int (...):        q = (1 - eps) onehot(y) + eps / C      (rows with y = ignore_index dropped)
        targets float (..., C):   q = (1 - eps) p + eps / C              (class probabilities)
        loss = -sum_c q_c log softmax(z)_c

    The mean is over the rows that count (all rows for probabilities). Same numbers as the fused
    :func:`cross_entropy`, which calls this for ignore_index, label_smoothing and probabilities.
    """
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    xp = logits.xp
    t = xp.asarray(_data(targets))
    classes = logits.shape[-1]
    log_p = logits.log_softmax(-1)                                         # (..., C)
    if t.dtype.kind == "f":
        if t.shape != logits.shape:
            raise ValueError(f"cross_entropy: probability targets must have the logits' shape {logits.shape}, "
                             f"got {t.shape}")
        q = (1 - label_smoothing) * t + label_smoothing / classes           # (..., C)
        losses = -(log_p * Tensor(q.astype(logits.dtype))).sum(-1)          # (...)
        return _reduce(losses, reduction)
    if t.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: targets must be integer class indices, got dtype {t.dtype}")
    if t.shape != logits.shape[:-1]:
        _wrong_target_shape("cross_entropy", logits.shape, t.shape)
    keep = t != ignore_index                                               # (...) rows that count
    used = t[keep]
    if used.size and (int(used.min()) < 0 or int(used.max()) >= classes):
        bad = int(used.min()) if used.min() < 0 else int(used.max())
        raise IndexError(f"cross_entropy: target {bad} is out of range for {classes} classes (0 to {classes - 1})")
    onehot = xp.eye(classes, dtype=logits.dtype)[xp.where(keep, t, 0)]     # (..., C)
    q = (1 - label_smoothing) * onehot + label_smoothing / classes
    losses = -(log_p * Tensor(q)).sum(-1) * Tensor(keep.astype(logits.dtype))   # (...), 0 where ignored
    if reduction == "mean":
        return losses.sum() / float(keep.sum())                            # nan when every row is ignored, as torch
    return _reduce(losses, reduction)


def nll_loss(log_probs: Tensor, targets, *, ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities (..., C) at integer targets (...):
    loss = -log_probs[..., y], the mean over targets that are not ``ignore_index``.

    ``nll_loss(log_softmax(z), y)`` equals ``cross_entropy(z, y)``. The class axis is the last one.
    """
    _check_reduction(reduction)
    xp = log_probs.xp
    t = xp.asarray(_data(targets))
    classes = log_probs.shape[-1]
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"nll_loss: targets must be integer class indices, got dtype {t.dtype}")
    if t.shape != log_probs.shape[:-1]:
        _wrong_target_shape("nll_loss", log_probs.shape, t.shape)
    keep = t != ignore_index
    used = t[keep]
    if used.size and (int(used.min()) < 0 or int(used.max()) >= classes):
        bad = int(used.min()) if used.min() < 0 else int(used.max())
        raise IndexError(f"nll_loss: target {bad} is out of range for {classes} classes (0 to {classes - 1})")
    rows = log_probs.reshape(-1, classes)                                   # (M, C)
    picked = rows[xp.arange(rows.shape[0]), xp.where(keep, t, 0).reshape(-1)]   # log_probs[m, y_m]: (M,)
    losses = -picked.reshape(t.shape) * Tensor(keep.astype(log_probs.dtype))
    if reduction == "mean":
        return losses.sum() / float(keep.sum())
    return _reduce(losses, reduction)


def _wrong_target_shape(name: str, shape: tuple, got: tuple):
    """Raise the shape error, saying how to fix torch's class-at-axis-1 layout when that is what it is."""
    hint = ""
    if len(shape) > 2 and got == (shape[0],) + shape[2:]:
        hint = (" (the class axis is the last one here, axis 1 in torch: move it with "
                f"logits.permute(0, {', '.join(str(i) for i in range(2, len(shape)))}, 1))")
    raise ValueError(f"{name}: logits {shape} need targets of shape {shape[:-1]}, got {got}{hint}")


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction!r} is not a valid value for reduction: use 'mean', 'sum' or 'none'")


def _reduce(losses: Tensor, reduction: str) -> Tensor:
    """The elementwise losses as asked: their mean, their sum, or all of them ('none')."""
    _check_reduction(reduction)
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


def _same_shape(pred: Tensor, target: Tensor, name: str) -> None:
    if pred.shape != target.shape:
        raise ValueError(f"{name}: target shape {target.shape} differs from input shape {pred.shape}; "
                         "reshape one of them so they match")


def mse_loss(pred: Tensor, target, *, reduction: str = "mean") -> Tensor:
    """Mean squared error: mean of (pred - target)^2 (``reduction`` 'mean', 'sum' or 'none')."""
    diff = pred - _t(target, pred)
    if reduction == "mean":
        return (diff * diff).mean()
    return _reduce(diff * diff, reduction)


def l1_loss(pred: Tensor, target, *, reduction: str = "mean") -> Tensor:
    """Mean absolute error: mean of |pred - target|."""
    return _reduce((pred - _t(target, pred)).abs(), reduction)


def huber_loss(pred: Tensor, target, *, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """Huber loss, with d = pred - target: d^2 / 2 where |d| < delta, else delta (|d| - delta / 2).

    Quadratic near zero, linear (so robust to outliers) further out; the two pieces meet smoothly.
    """
    if delta <= 0:
        raise RuntimeError(f"huber_loss: delta must be positive, got {delta}")
    d = pred - _t(target, pred)
    a = d.abs()
    return _reduce(where(a.data < delta, 0.5 * d * d, delta * (a - 0.5 * delta)), reduction)


def smooth_l1_loss(pred: Tensor, target, *, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Smooth L1, with d = pred - target: d^2 / (2 beta) where |d| < beta, else |d| - beta / 2
    (the Huber loss divided by beta; beta = 0 is the L1 loss)."""
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss: beta must not be negative, got {beta}")
    d = pred - _t(target, pred)
    a = d.abs()
    if beta == 0:
        return _reduce(a, reduction)
    return _reduce(where(a.data < beta, 0.5 * d * d / beta, a - 0.5 * beta), reduction)


def binary_cross_entropy(p: Tensor, target, *, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities p in [0, 1] against targets y in [0, 1]:

        loss = -(y log p + (1 - y) log(1 - p)),   each log cut at -100 as torch does, so p = 0 or 1
                                                  gives a large finite loss rather than inf
        dloss/dp = (p - y) / (p (1 - p))          (the denominator kept above ~1e-12, as torch)

    Prefer :func:`binary_cross_entropy_with_logits` on raw scores: it is exact where p saturates.
    """
    _check_reduction(reduction)
    xp = p.xp
    if isinstance(target, Tensor) and target.requires_grad:
        raise RuntimeError("binary_cross_entropy: the gradient with respect to the target is not implemented "
                           "(as in torch); use binary_cross_entropy_with_logits")
    y = xp.asarray(_data(target)).astype(p.dtype, copy=False)
    if y.shape != p.shape:
        raise ValueError(f"binary_cross_entropy: target shape {y.shape} differs from input shape {p.shape}")
    a = p.data
    if a.size and (float(a.min()) < 0 or float(a.max()) > 1):
        raise RuntimeError("binary_cross_entropy: every input must be a probability between 0 and 1 "
                           "(for raw scores use binary_cross_entropy_with_logits)")
    tiny = 1e-44                                              # log(tiny) < -100: the cut is the same
    log_p = xp.maximum(xp.log(xp.maximum(a, tiny)), -100)
    log_q = xp.maximum(xp.log(xp.maximum(1 - a, tiny)), -100)
    out = -(y * log_p + (1 - y) * log_q)

    def _bw(g):
        p.add_grad(g * (a - y) / xp.maximum(a * (1 - a), _BCE_EPS))

    return _reduce(Tensor.from_op(out, (p,), _bw, "binary_cross_entropy"), reduction)


def binary_cross_entropy_with_logits(z: Tensor, target, *, reduction: str = "mean", pos_weight=None) -> Tensor:
    """Binary cross-entropy of raw scores z (p = sigmoid(z)), written so it never overflows:

        -log sigmoid(z) = softplus(-z),   -log(1 - sigmoid(z)) = softplus(z)
        loss = w y softplus(-z) + (1 - y) softplus(z)        (w = ``pos_weight``, default 1)

    and with w = 1 its gradient is sigmoid(z) - y. Left to autograd, through :func:`softplus`.
    """
    _check_reduction(reduction)
    y = _t(target, z)
    _same_shape(z, y, "binary_cross_entropy_with_logits")
    positive = y * softplus(-z, threshold=math.inf)
    if pos_weight is not None:
        positive = positive * _t(pos_weight, z)
    return _reduce(positive + (1 - y) * softplus(z, threshold=math.inf), reduction)


def dropout(x: Tensor, p: float, training: bool = True, rng=None) -> Tensor:
    """Inverted dropout: zero each entry with probability p, scale the rest by 1/(1-p)."""
    if not training or p == 0:
        return x
    if not 0 <= p < 1:
        raise ValueError(f"dropout probability must be in [0, 1), got {p}")
    from .random import uniform_like

    mask = (uniform_like(x.data, rng) >= p).astype(x.dtype) / (1 - p)

    def _bw(g):
        x.add_grad(g * mask)

    return Tensor.from_op(x.data * mask, (x,), _bw, "dropout")


def layer_norm(x: Tensor, weight: Tensor | None, bias: Tensor | None, eps: float = 1e-5,
               normalized_ndim: int | None = None) -> Tensor:
    """LayerNorm over the last axis, the textbook tier: each row (n features) is centred and scaled,

        mu = mean(x),  var = mean((x - mu)^2),  y = (x - mu) / sqrt(var + eps) * weight + bias

    x (..., n), weight and bias (n,) or None -> (..., n). Written with minigrad's ops and left to
    autograd; :func:`layer_norm_fused` computes the same numbers with a hand-written backward.
    Over several trailing axes (torch's ``normalized_shape`` of length k, weight of that shape),
    the means run over the last k axes: k = ``normalized_ndim``, else weight's ndim, else 1.

    >>> print(layer_norm(Tensor([[1.0, 2.0, 3.0]]), None, None).numpy().round(4))
    [[-1.2247  0.      1.2247]]
    """
    k = normalized_ndim or (weight.ndim if weight is not None else 1)
    axes = tuple(range(-k, 0))                                # the normalised (last k) axes
    mu = x.mean(axis=axes, keepdims=True)                     # (..., 1)
    var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)      # (..., 1), biased: divide by n
    y = (x - mu) / (var + eps).sqrt()                         # (..., n)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def layer_norm_fused(x: Tensor, weight: Tensor | None, bias: Tensor | None, eps: float = 1e-5) -> Tensor:
    """:func:`layer_norm` as one op, the fast tier: y = (x - mu) / sqrt(var + eps) * weight + bias.

    Backward (per row, n features, xhat the normalised input, gh = g * weight):
    dx = (gh - mean(gh) - xhat * mean(gh * xhat)) / sqrt(var + eps).
    Each row is independent, so blocks of rows run on separate threads; row means are
    matrix-vector products with a vector of 1/n (BLAS does that several times faster than
    ``.mean(axis=-1)`` on rows this short).
    """
    xp = x.xp
    shape, n = x.shape, x.shape[-1]
    rows = x.data.reshape(-1, n)
    mean_of = xp.full(n, 1.0 / n, dtype=rows.dtype)          # rows @ mean_of = the row means
    w = None if weight is None else weight.data.astype(rows.dtype, copy=False)
    b = None if bias is None else bias.data.astype(rows.dtype, copy=False)
    xhat, out = xp.empty_like(rows), xp.empty_like(rows)
    inv_std = xp.empty((rows.shape[0], 1), dtype=rows.dtype)

    def normalise(rows, xhat, inv_std, out):                  # one block of rows
        xp.subtract(rows, (rows @ mean_of)[:, None], out=xhat)           # centred
        xp.multiply(xhat, xhat, out=out)                                 # (scratch) squares
        inv_std[:, 0] = 1.0 / xp.sqrt(out @ mean_of + eps)
        xhat *= inv_std
        if w is None:
            out[...] = xhat
        else:
            xp.multiply(xhat, w, out=out)
        if b is not None:
            out += b

    threads.parallel_rows(normalise, rows, xhat, inv_std, out)

    def _bw(g):
        g2 = g.reshape(-1, n)
        if weight is not None and weight.requires_grad:
            weight.add_grad(column_sums(g2 * xhat), fresh=True)
        if bias is not None and bias.requires_grad:
            bias.add_grad(column_sums(g2), fresh=True)
        if x.requires_grad:
            dx = xp.empty_like(g2)

            def backprop(g2, xhat, inv_std, dx):                  # one block of rows
                gh = g2 if w is None else g2 * w
                xp.multiply(gh, xhat, out=dx)                                # (scratch) gh * xhat
                xp.multiply(xhat, (dx @ mean_of)[:, None], out=dx)           # xhat * mean(gh xhat)
                xp.subtract(gh, dx, out=dx)
                dx -= (gh @ mean_of)[:, None]
                dx *= inv_std

            threads.parallel_rows(backprop, g2, xhat, inv_std, dx)
            x.add_grad(dx.reshape(shape))

    parents = tuple(t for t in (x, weight, bias) if t is not None)
    return Tensor.from_op(out.reshape(shape), parents, _bw, "layer_norm")


# ----------------------------------------------------------------------------- embedding, padding, one-hot
def embedding(ids, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` (V, D) picked by integer ``ids`` (...) -> (..., D).

    Backward: row v of dL/dweight is the sum of g over the positions where ids == v; the row
    ``padding_idx`` (if given) gets no gradient, so it stays as it is (zero, from the layer).
    """
    xp = weight.xp
    ids = xp.asarray(_data(ids))
    if ids.dtype.kind not in "iu":
        raise RuntimeError(f"embedding: ids must be integers, got dtype {ids.dtype}")
    vocab = weight.shape[0]
    if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= vocab):
        raise IndexError(f"embedding: index out of range: ids must be in 0 to {vocab - 1}")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += vocab

    def _bw(g):
        grad = xp.zeros(weight.shape, dtype=g.dtype)
        backend.scatter_add(xp, grad, ids, g)                 # grad[ids[i]] += g[i]
        if padding_idx is not None:
            grad[padding_idx] = 0
        weight.add_grad(grad, fresh=True)

    return Tensor.from_op(weight.data[ids], (weight,), _bw, "embedding")


def pad(x: Tensor, pad: tuple, mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad with a constant, torch's way: ``pad`` lists (before, after) pairs starting from the LAST
    axis, so ``(1, 2)`` adds 1 column on the left and 2 on the right, ``(1, 1, 2, 2)`` also 2 rows
    above and below. A negative width cuts that many entries off instead.

    out[inner] = x (the padding holds ``value``), so dL/dx = g[inner]: the padding gets no gradient.
    """
    if mode != "constant":
        raise NotImplementedError(f"pad: only mode='constant' is implemented, got {mode!r}")
    if len(pad) % 2:
        raise RuntimeError(f"pad: the padding length must be even (pairs of before, after), got {len(pad)}")
    if len(pad) // 2 > x.ndim:
        raise RuntimeError(f"pad: {len(pad)} widths are more than two per axis of a {x.ndim}-d tensor")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):                            # pair i pads axis -1 - i
        widths[x.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    if any(before < 0 or after < 0 for before, after in widths):   # cut first (x[...] carries the gradient)
        x = x[tuple(slice(max(-before, 0), n - max(-after, 0)) for (before, after), n in zip(widths, x.shape))]
        widths = [(max(before, 0), max(after, 0)) for before, after in widths]
    xp = x.xp
    out = xp.pad(x.data, widths, mode="constant", constant_values=value)
    inner = tuple(slice(before, before + n) for (before, _), n in zip(widths, x.shape))

    def _bw(g):
        x.add_grad(g[inner])

    return Tensor.from_op(out, (x,), _bw, "pad")


def one_hot(ids, num_classes: int = -1) -> Tensor:
    """Integer ids (...) -> int64 (..., C) with a 1 at each id: out[..., c] = (ids[...] == c).

    ``num_classes=-1`` takes C = max(ids) + 1, as torch. No gradient (the result is integer).
    """
    xp = backend.module_of(_data(ids))
    ids = xp.asarray(_data(ids))
    if ids.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot: ids must be integers, got dtype {ids.dtype}")
    if num_classes == -1:
        num_classes = int(ids.max()) + 1 if ids.size else 0
    if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= num_classes):
        raise RuntimeError(f"one_hot: class values must be in 0 to {num_classes - 1}")
    return Tensor((ids[..., None] == xp.arange(num_classes)).astype(xp.int64))


# ----------------------------------------------------------------------------- attention
def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask=None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None, rng=None) -> Tensor:
    """Attention as the math reads: softmax(Q K^T / sqrt(E) + mask) V, in minigrad's ops.

    query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev). ``attn_mask`` is a bool
    mask (True: may attend) or a float one added to the scores, broadcast to (..., L, S);
    ``is_causal=True`` lets query i see keys 0..i only. ``scale`` replaces 1/sqrt(E). Dropout on
    the attention weights comes from minigrad's seeded generator (or ``rng``), so it is
    reproducible but not torch's random stream.
    """
    if is_causal and attn_mask is not None:
        raise RuntimeError("scaled_dot_product_attention: give attn_mask or is_causal=True, not both")
    length, source = query.shape[-2], key.shape[-2]
    scale = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = (query @ key.transpose(-2, -1)) * scale                      # (..., L, S)
    if is_causal:
        attn_mask = query.xp.tril(query.xp.ones((length, source), dtype=bool))   # key s <= query i
    if attn_mask is not None:
        mask = _data(attn_mask)
        if mask.dtype.kind == "b":
            scores = where(mask, scores, -math.inf)           # masked scores: weight 0 after the softmax
        else:
            scores = scores + _t(attn_mask, scores)
    weights = scores.softmax(-1)                              # (..., L, S), each row sums to 1
    if dropout_p:
        weights = dropout(weights, dropout_p, True, rng)
    return weights @ value                                    # (..., L, Ev)
