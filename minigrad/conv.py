"""Convolution and max pooling.

Convolution is a sum of products. For an input x (N, C, H, W), filters w (O, C, k, k), stride s
and zero padding p (the input is first surrounded by p rows and columns of zeros)::

    y[n, o, h, w] = b[o] + sum_{c, i, j} x[n, c, h*s + i, w*s + j] * w[o, c, i, j]

The convolution comes in two tiers, the textbook one first:

* :func:`conv2d` (textbook) reads as that sum: for each of the k*k kernel offsets (i, j) it
  takes the input values that offset touches (one strided slice of the padded input, the same
  shape as the output), multiplies them by the weights w[:, :, i, j], summing over the channels,
  and adds the result up. It is built only from minigrad's ops, so autograd derives the backward.
* :func:`conv2d_fused` (fast) computes the same numbers with im2col and a hand-written backward.

im2col turns the whole sum into ONE matrix product: gather every k x k patch of every channel into
a row (the "columns" matrix, (N*H'*W', C*k*k)), flatten the filters to (O, C*k*k), and multiply.
Here the columns are stored transposed, (C*k*k, N*H'*W'), and taken first as a *strided
view* of the padded input (no copy: the view walks the same memory with other strides); the
only copy is the reshape into the matrix BLAS needs. out = w_flat (O, C*k*k) @ columns comes out
as (O, N, H', W') and is handed on as a transposed view in (N, O, H', W') order, without a copy.

Backward, with g = dL/dout as (O, N*H'*W'):
dL/dw = g @ columns^T, dL/db = row sums of g, and dL/dcolumns = w_flat^T @ g, which is
scattered back onto the image ("col2im") with one vectorised add per kernel offset (u, v).
"""

from __future__ import annotations

import math

from .tensor import Tensor, concat, stack


def _pair(value, name: str) -> tuple[int, int]:
    """An int or a pair of ints (height, width) as a pair: 3 -> (3, 3), (3, 5) -> (3, 5)."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair (height, width), got {value!r}")
        return int(value[0]), int(value[1])
    return int(value), int(value)


def _check_conv(x: Tensor, weight: Tensor, ph: int, pw: int, sh: int, sw: int) -> None:
    """The shape rules of a 2-D convolution, with errors that say which rule broke."""
    if x.ndim != 4 or weight.ndim != 4:
        raise ValueError(f"conv2d: expected input (N, C, H, W) and weight (O, C, kh, kw), got {x.shape} "
                         f"and {weight.shape}")
    if x.shape[1] != weight.shape[1]:
        raise ValueError(f"conv2d: input has {x.shape[1]} channels, weight expects {weight.shape[1]}")
    if sh < 1 or sw < 1 or ph < 0 or pw < 0:
        raise RuntimeError(f"conv2d: stride must be positive and padding not negative, got stride "
                           f"({sh}, {sw}), padding ({ph}, {pw})")
    kh, kw = weight.shape[2:]
    if kh > x.shape[2] + 2 * ph or kw > x.shape[3] + 2 * pw:
        raise RuntimeError(f"conv2d: kernel ({kh} x {kw}) is larger than the padded input "
                           f"({x.shape[2] + 2 * ph} x {x.shape[3] + 2 * pw})")


# ----------------------------------------------------------------------------- textbook tier
def pad2d(x: Tensor, padding, value: float = 0.0) -> Tensor:
    """Surround the image with a constant: x (N, C, H, W) -> (N, C, H + 2ph, W + 2pw).

    ``padding`` is p (the same on every side) or (ph, pw); ``value`` is 0 unless given (max pooling
    pads with -inf). Written as a join of constant blocks (above, below, then left, right), so the
    gradient flows back to x through ``concat`` and the padding receives none.
    """
    ph, pw = _pair(padding, "padding")
    n, c, h, w = x.shape
    if ph:
        rows = Tensor(x.xp.full((n, c, ph, w), value, dtype=x.dtype))          # (N, C, ph, W)
        x = concat([rows, x, rows], axis=2)                                    # (N, C, H + 2ph, W)
    if pw:
        cols = Tensor(x.xp.full((n, c, h + 2 * ph, pw), value, dtype=x.dtype))  # (N, C, H + 2ph, pw)
        x = concat([cols, x, cols], axis=3)                                    # (N, C, H + 2ph, W + 2pw)
    return x


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int = 1, padding: int = 0) -> Tensor:
    """2-D convolution, the textbook tier: a sum over the k*k kernel offsets, left to autograd.

    x (N, C, H, W), weight (O, C, kh, kw), bias (O,) -> y (N, O, H', W') with
    H' = (H + 2ph - kh) // sh + 1 and W' likewise, where (after zero padding x by p)::

        y[n, o, h, w] = b[o] + sum_{c, i, j} x[n, c, h*s + i, w*s + j] * weight[o, c, i, j]

    For one offset (i, j), the values x[n, c, h*s + i, w*s + j] for every output position (h, w)
    form one strided slice of the padded input, shaped (N, C, H', W'); the sum over c of that
    slice times weight[:, :, i, j] (O, C) is a matrix product over the channel axis. Adding the
    k*k products (and the bias) gives y. The loops run over kernel offsets only, never over
    samples or pixels. :func:`conv2d_fused` computes the same numbers faster. ``stride`` and
    ``padding`` are ints or pairs (height, width); kernels may be rectangular (kh x kw).

    A worked example: a 3x3 image holding 0..8 and one 2x2 filter of ones sum each 2x2 window
    (0+1+3+4 = 8, 1+2+4+5 = 12, ...):

    >>> import numpy as np
    >>> x = Tensor(np.arange(9.0).reshape(1, 1, 3, 3))
    >>> w = Tensor(np.ones((1, 1, 2, 2)))
    >>> conv2d(x, w).numpy()[0, 0].tolist()
    [[8.0, 12.0], [20.0, 24.0]]
    >>> conv2d(x, w, padding=1, stride=2).numpy()[0, 0].tolist()   # zeros around, every other window
    [[0.0, 3.0], [9.0, 24.0]]
    """
    sh, sw = _pair(stride, "stride")
    ph, pw = _pair(padding, "padding")
    _check_conv(x, weight, ph, pw, sh, sw)
    n, c, h, w = x.shape
    o, c_w, kh, kw = weight.shape
    xpad = pad2d(x, (ph, pw))                                 # (N, C, H + 2ph, W + 2pw)
    out_h = (h + 2 * ph - kh) // sh + 1
    out_w = (w + 2 * pw - kw) // sw + 1
    y = None                                                  # will be (N, H', W', O)
    for i in range(kh):
        for j in range(kw):
            # x[n, c, h*s + i, w*s + j] for every output position (h, w)
            window = xpad[:, :, i:i + sh * (out_h - 1) + 1:sh, j:j + sw * (out_w - 1) + 1:sw]   # (N, C, H', W')
            w_ij = weight[:, :, i, j]                                                        # (O, C)
            term = window.permute(0, 2, 3, 1) @ w_ij.T        # sum over c: (N, H', W', C) @ (C, O)
            y = term if y is None else y + term
    if bias is not None:
        y = y + bias                                          # b[o], broadcast over (N, H', W')
    return y.permute(0, 3, 1, 2)                              # (N, O, H', W')


def conv1d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int = 1, padding: int = 0) -> Tensor:
    """1-D convolution, the textbook tier: x (N, C, L), weight (O, C, k), bias (O,) -> (N, O, L'),
    L' = (L + 2p - k) // s + 1, and

        y[n, o, t] = b[o] + sum_{c, i} x[n, c, t*s + i] * weight[o, c, i]

    The same sum over kernel offsets as :func:`conv2d`, along one axis.
    """
    if x.ndim != 3 or weight.ndim != 3:
        raise ValueError(f"conv1d: expected input (N, C, L) and weight (O, C, k), got {x.shape} and {weight.shape}")
    if x.shape[1] != weight.shape[1]:
        raise ValueError(f"conv1d: input has {x.shape[1]} channels, weight expects {weight.shape[1]}")
    n, c, length = x.shape
    o, _, k = weight.shape
    s, p = int(stride), int(padding)
    if s < 1 or p < 0 or k > length + 2 * p:
        raise RuntimeError(f"conv1d: kernel {k} with stride {s} and padding {p} does not fit an input of length "
                           f"{length}")
    xpad = pad2d(x.unsqueeze(2), (0, p)).squeeze(2)           # (N, C, L + 2p)
    out_l = (length + 2 * p - k) // s + 1
    y = None                                                  # will be (N, L', O)
    for i in range(k):
        window = xpad[:, :, i:i + s * (out_l - 1) + 1:s]      # x[n, c, t*s + i] for every t: (N, C, L')
        term = window.permute(0, 2, 1) @ weight[:, :, i].T    # sum over c: (N, L', C) @ (C, O)
        y = term if y is None else y + term
    if bias is not None:
        y = y + bias
    return y.permute(0, 2, 1)                                 # (N, O, L')


# ----------------------------------------------------------------------------- fast tier


def _patches(xp, x, kh: int, kw: int, sh: int, sw: int, out_h: int, out_w: int):
    """Strided view (C, kh, kw, N, H', W') of x (N, C, H, W): [c, u, v, n, i, j] = x[n, c, i*sh+u, j*sw+v].

    Channel-major order keeps the innermost axis (j) walking along an image row, so the copy
    into the columns matrix streams through memory instead of hopping k values at a time.
    """
    n, c = x.shape[:2]
    s_n, s_c, s_h, s_w = x.strides
    return xp.lib.stride_tricks.as_strided(
        x, shape=(c, kh, kw, n, out_h, out_w),
        strides=(s_c, s_h, s_w, s_n, s_h * sh, s_w * sw))


def conv2d_fused(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int = 1,
                 padding: int = 0) -> Tensor:
    """The fast tier of :func:`conv2d`: the same numbers, by im2col and a hand-written backward.

    x (N, C, H, W), weight (O, C, kh, kw), bias (O,) -> (N, O, H', W'), H' = (H + 2ph - kh) // sh + 1
    (stride and padding: an int or a pair (height, width)).
    """
    xp = x.xp
    sh, sw = _pair(stride, "stride")
    ph, pw = _pair(padding, "padding")
    _check_conv(x, weight, ph, pw, sh, sw)
    n, c, h, w = x.shape
    o, c_w, kh, kw = weight.shape
    data = x.data
    if ph or pw:
        data = xp.pad(data, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    data = xp.ascontiguousarray(data)
    hp, wp = data.shape[2:]
    out_h, out_w = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    cols = _patches(xp, data, kh, kw, sh, sw, out_h, out_w).reshape(c * kh * kw, n * out_h * out_w)  # the copy
    w_flat = weight.data.reshape(o, c * kh * kw)
    out = w_flat @ cols                                      # (O, N*H'*W'): one matmul
    if bias is not None:
        out += bias.data[:, None]
    out = xp.ascontiguousarray(out.reshape(o, n, out_h, out_w).transpose(1, 0, 2, 3))   # (N, O, H', W')

    def _bw(g):
        g_rows = g.transpose(1, 0, 2, 3).reshape(o, -1)      # (O, N*H'*W'); free if g kept our layout
        if weight.requires_grad:
            weight.add_grad((g_rows @ cols.T).reshape(weight.shape), fresh=True)
        if bias is not None and bias.requires_grad:
            bias.add_grad(g_rows @ xp.ones(g_rows.shape[1], dtype=g_rows.dtype), fresh=True)   # row sums
        if x.requires_grad:
            d_cols = (w_flat.T @ g_rows).reshape(c, kh, kw, n, out_h, out_w)
            d_pad = xp.zeros((c, n, hp, wp), dtype=g.dtype)
            span_h, span_w = sh * (out_h - 1) + 1, sw * (out_w - 1) + 1
            for u in range(kh):         # col2im: one array add per kernel offset, not per pixel
                for v in range(kw):
                    d_pad[:, :, u:u + span_h:sh, v:v + span_w:sw] += d_cols[:, u, v]
            d_x = d_pad.transpose(1, 0, 2, 3)
            x.add_grad(d_x[:, :, ph:ph + h, pw:pw + w] if ph or pw else d_x)

    parents = (x, weight) if bias is None else (x, weight, bias)
    return Tensor.from_op(out, parents, _bw, "conv2d")


# ----------------------------------------------------------------------------- pooling
def _pool_args(x: Tensor, kernel_size, stride, padding, name: str):
    """Pairs (kh, kw), (sh, sw), (ph, pw) and the output size, checked as torch checks them."""
    if x.ndim != 4:
        raise ValueError(f"{name}: expected input (N, C, H, W), got shape {x.shape}")
    kh, kw = _pair(kernel_size, "kernel_size")
    sh, sw = (kh, kw) if stride is None else _pair(stride, "stride")
    ph, pw = _pair(padding, "padding")
    if kh < 1 or kw < 1 or sh < 1 or sw < 1:
        raise RuntimeError(f"{name}: kernel_size and stride must be positive, got ({kh}, {kw}) and ({sh}, {sw})")
    if ph < 0 or pw < 0 or 2 * ph > kh or 2 * pw > kw:
        raise RuntimeError(f"{name}: padding must be at most half the kernel size, got padding ({ph}, {pw}) "
                           f"for kernel ({kh}, {kw})")
    out_h = (x.shape[2] + 2 * ph - kh) // sh + 1
    out_w = (x.shape[3] + 2 * pw - kw) // sw + 1
    if out_h < 1 or out_w < 1:
        raise RuntimeError(f"{name}: the output would be empty ({out_h} x {out_w}): input {x.shape[2:]} is smaller "
                           f"than kernel ({kh}, {kw})")
    return (kh, kw), (sh, sw), (ph, pw), (out_h, out_w)


def max_pool2d(x: Tensor, kernel_size=2, stride=None, padding=0) -> Tensor:
    """Max over kh x kw windows: (N, C, H, W) -> (N, C, H', W'), H' = (H + 2ph - kh) // sh + 1.

    ``kernel_size``, ``stride`` (default: the kernel) and ``padding`` are ints or pairs (height,
    width); the padding is -inf, so it never wins. The gradient goes to the first max of each window.
    """
    xp = x.xp
    (kh, kw), (sh, sw), (ph, pw), (out_h, out_w) = _pool_args(x, kernel_size, stride, padding, "max_pool2d")
    if ph or pw:                        # pad with -inf, then pool; the gradient comes back through the padding
        return max_pool2d(pad2d(x, (ph, pw), -math.inf), (kh, kw), (sh, sw))
    n, c, h, w = x.shape
    if kh == kw == sh == sw and h % kh == 0 and w % kw == 0:
        k = kh
        # non-overlapping windows tile the image: a reshape exposes them as axes 3 and 5
        tiles = x.data.reshape(n, c, out_h, k, out_w, k)
        out = tiles[:, :, :, 0, :, 0].copy()
        for u in range(k):              # k*k elementwise maxima: far faster than a 2-axis reduce
            for v in range(k):
                if u or v:
                    xp.maximum(out, tiles[:, :, :, u, :, v], out=out)

        def _bw_tiles(g):
            grad = xp.zeros((n, c, out_h, k, out_w, k), dtype=g.dtype)
            taken = xp.zeros(out.shape, dtype=bool)
            for u in range(k):          # first maximum in row-major window order wins, as in torch
                for v in range(k):
                    hit = tiles[:, :, :, u, :, v] == out
                    hit &= ~taken
                    taken |= hit
                    xp.multiply(g, hit, out=grad[:, :, :, u, :, v])
            x.add_grad(grad.reshape(n, c, h, w))

        return Tensor.from_op(out, (x,), _bw_tiles, "max_pool2d")

    data = xp.ascontiguousarray(x.data)
    s_n, s_c, s_h, s_w = data.strides
    windows = xp.lib.stride_tricks.as_strided(
        data, shape=(n, c, out_h, out_w, kh, kw), strides=(s_n, s_c, s_h * sh, s_w * sw, s_h, s_w))
    flat = windows.reshape(n, c, out_h, out_w, kh * kw)
    arg = flat.argmax(axis=-1)                               # (N, C, H', W') index into the window
    out = xp.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]

    def _bw(g):
        grad = xp.zeros((n, c, h, w), dtype=g.dtype)
        span_h, span_w = sh * (out_h - 1) + 1, sw * (out_w - 1) + 1
        for u in range(kh):
            for v in range(kw):
                grad[:, :, u:u + span_h:sh, v:v + span_w:sw] += g * (arg == u * kw + v)
        x.add_grad(grad)

    return Tensor.from_op(out, (x,), _bw, "max_pool2d")


def avg_pool2d(x: Tensor, kernel_size, stride=None, padding=0) -> Tensor:
    """Mean over kh x kw windows, the textbook way: (N, C, H, W) -> (N, C, H', W').

        y[n, c, h, w] = (1 / (kh kw)) sum_{i, j} xpad[n, c, h*sh + i, w*sw + j]

    The zero padding counts in the mean (torch's default, ``count_include_pad=True``). Like
    :func:`conv2d`, a sum of one strided slice per kernel offset, left to autograd.
    """
    (kh, kw), (sh, sw), (ph, pw), (out_h, out_w) = _pool_args(x, kernel_size, stride, padding, "avg_pool2d")
    xpad = pad2d(x, (ph, pw))                                 # (N, C, H + 2ph, W + 2pw)
    total = None
    for i in range(kh):
        for j in range(kw):
            window = xpad[:, :, i:i + sh * (out_h - 1) + 1:sh, j:j + sw * (out_w - 1) + 1:sw]   # (N, C, H', W')
            total = window if total is None else total + window
    return total / (kh * kw)


def adaptive_avg_pool2d(x: Tensor, output_size) -> Tensor:
    """Average pooling to a fixed output size (oh, ow), whatever the input size, as torch does it:
    output cell i covers input rows floor(i H / oh) to ceil((i + 1) H / oh) (likewise for columns),
    and holds their mean. (N, C, H, W) -> (N, C, oh, ow); ``output_size`` an int or a pair.

    One mean per output cell (the output is small: often 1 x 1, the global average).
    """
    if x.ndim != 4:
        raise ValueError(f"adaptive_avg_pool2d: expected input (N, C, H, W), got shape {x.shape}")
    h, w = x.shape[2:]
    oh, ow = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    oh, ow = int(h if oh is None else oh), int(w if ow is None else ow)       # None keeps that size
    if oh < 0 or ow < 0:
        raise RuntimeError(f"adaptive_avg_pool2d: output_size must not be negative, got ({oh}, {ow})")
    rows = []
    for i in range(oh):
        top, bottom = (i * h) // oh, -(-((i + 1) * h) // oh)             # floor and ceil
        cells = []
        for j in range(ow):
            left, right = (j * w) // ow, -(-((j + 1) * w) // ow)
            cells.append(x[:, :, top:bottom, left:right].mean(axis=(2, 3)))   # (N, C)
        rows.append(stack(cells, axis=-1))                                    # (N, C, ow)
    return stack(rows, axis=-2)                                               # (N, C, oh, ow)
