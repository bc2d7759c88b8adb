"""minigrad's functional ops: activations, losses, dropout, linear layers and LayerNorm.

The primitive ops (arithmetic, reductions, shapes, matmul, softmax) are methods of
:class:`~minigrad.tensor.Tensor`; this module builds on them, as ``torch.nn.functional`` does.
Where an op has two tiers, the textbook one comes first: written with minigrad's own ops and
left to autograd. The fused one beside it computes the same numbers with a hand-written
backward, for speed, and a test checks that the two agree.
"""

from __future__ import annotations

import math

from . import backend, threads
from .tensor import Tensor, _data, _t


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
    general power is several times slower than two multiplications.
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
        h *= c * k
        h += c
        h *= a                       # c (x + k x^3)
        xp.tanh(h, out=h)
        h *= 0.5
        h += 0.5                     # h = 0.5 (1 + tanh(...))
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
def cross_entropy(logits: Tensor, targets, reduction: str = "mean") -> Tensor:
    """Fused softmax + negative log-likelihood. logits (N, C) (or (..., C)), targets int (N,) (or (...)).

    loss_n = log sum_c e^{z_nc} - z_{n,y_n}, computed with the max subtracted so it never
    overflows. Its gradient is the famous (softmax(z) - onehot(y)) / N.
    """
    xp = logits.xp
    t = xp.asarray(_data(targets))
    classes = logits.shape[-1]
    if t.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: targets must be integer class indices, got dtype {t.dtype} "
                        "(convert with .astype(np.int64) if they are whole numbers)")
    if t.shape != logits.shape[:-1]:
        raise ValueError(f"cross_entropy: logits {logits.shape} need targets of shape {logits.shape[:-1]}, "
                         f"got {t.shape}")
    if t.size and (int(t.min()) < 0 or int(t.max()) >= classes):
        raise IndexError(f"cross_entropy: target {int(t.min()) if t.min() < 0 else int(t.max())} is out of "
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


def mse_loss(pred: Tensor, target) -> Tensor:
    diff = pred - _t(target, pred)
    return (diff * diff).mean()


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


def layer_norm(x: Tensor, weight: Tensor | None, bias: Tensor | None, eps: float = 1e-5) -> Tensor:
    """LayerNorm over the last axis, the textbook tier: each row (n features) is centred and scaled,

        mu = mean(x),  var = mean((x - mu)^2),  y = (x - mu) / sqrt(var + eps) * weight + bias

    x (..., n), weight and bias (n,) or None -> (..., n). Written with minigrad's ops and left to
    autograd; :func:`layer_norm_fused` computes the same numbers with a hand-written backward.

    >>> print(layer_norm(Tensor([[1.0, 2.0, 3.0]]), None, None).numpy().round(4))
    [[-1.2247  0.      1.2247]]
    """
    mu = x.mean(axis=-1, keepdims=True)                       # (..., 1)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)        # (..., 1), biased: divide by n
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
