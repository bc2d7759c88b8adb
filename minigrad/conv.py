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

from .tensor import Tensor, concat


# ----------------------------------------------------------------------------- textbook tier
def pad2d(x: Tensor, padding: int) -> Tensor:
    """Surround the image with zeros: x (N, C, H, W) -> (N, C, H + 2p, W + 2p), p = ``padding``.

    Written as a join of zero blocks (above, below, then left, right), so the gradient flows back
    to x through ``concat`` and the zeros receive none.
    """
    if padding == 0:
        return x
    n, c, h, w = x.shape
    p = padding
    rows = Tensor(x.xp.zeros((n, c, p, w), dtype=x.dtype))            # (N, C, p, W)
    x = concat([rows, x, rows], axis=2)                               # (N, C, H + 2p, W)
    cols = Tensor(x.xp.zeros((n, c, h + 2 * p, p), dtype=x.dtype))    # (N, C, H + 2p, p)
    return concat([cols, x, cols], axis=3)                            # (N, C, H + 2p, W + 2p)


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int = 1, padding: int = 0) -> Tensor:
    """2-D convolution, the textbook tier: a sum over the k*k kernel offsets, left to autograd.

    x (N, C, H, W), weight (O, C, k, k), bias (O,) -> y (N, O, H', W') with
    H' = (H + 2p - k) // s + 1 and W' likewise, where (after zero padding x by p)::

        y[n, o, h, w] = b[o] + sum_{c, i, j} x[n, c, h*s + i, w*s + j] * weight[o, c, i, j]

    For one offset (i, j), the values x[n, c, h*s + i, w*s + j] for every output position (h, w)
    form one strided slice of the padded input, shaped (N, C, H', W'); the sum over c of that
    slice times weight[:, :, i, j] (O, C) is a matrix product over the channel axis. Adding the
    k*k products (and the bias) gives y. The loops run over kernel offsets only, never over
    samples or pixels. :func:`conv2d_fused` computes the same numbers faster.

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
    n, c, h, w = x.shape
    o, c_w, k, k2 = weight.shape
    if c != c_w or k != k2:
        raise ValueError(f"conv2d: input has {c} channels, weight expects {c_w} (square kernels only)")
    s = stride
    xpad = pad2d(x, padding)                                  # (N, C, H + 2p, W + 2p)
    out_h = (h + 2 * padding - k) // s + 1
    out_w = (w + 2 * padding - k) // s + 1
    y = None                                                  # will be (N, H', W', O)
    for i in range(k):
        for j in range(k):
            # x[n, c, h*s + i, w*s + j] for every output position (h, w)
            window = xpad[:, :, i:i + s * (out_h - 1) + 1:s, j:j + s * (out_w - 1) + 1:s]   # (N, C, H', W')
            w_ij = weight[:, :, i, j]                                                    # (O, C)
            term = window.permute(0, 2, 3, 1) @ w_ij.T        # sum over c: (N, H', W', C) @ (C, O)
            y = term if y is None else y + term
    if bias is not None:
        y = y + bias                                          # b[o], broadcast over (N, H', W')
    return y.permute(0, 3, 1, 2)                              # (N, O, H', W')


# ----------------------------------------------------------------------------- fast tier


def _patches(xp, x, k: int, stride: int, out_h: int, out_w: int):
    """Strided view (C, k, k, N, H', W') of x (N, C, H, W): [c, u, v, n, i, j] = x[n, c, i*s+u, j*s+v].

    Channel-major order keeps the innermost axis (j) walking along an image row, so the copy
    into the columns matrix streams through memory instead of hopping k values at a time.
    """
    n, c = x.shape[:2]
    s_n, s_c, s_h, s_w = x.strides
    return xp.lib.stride_tricks.as_strided(
        x, shape=(c, k, k, n, out_h, out_w),
        strides=(s_c, s_h, s_w, s_n, s_h * stride, s_w * stride))


def conv2d_fused(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int = 1,
                 padding: int = 0) -> Tensor:
    """The fast tier of :func:`conv2d`: the same numbers, by im2col and a hand-written backward.

    x (N, C, H, W), weight (O, C, k, k), bias (O,) -> (N, O, H', W'), H' = (H + 2p - k) // s + 1.
    """
    xp = x.xp
    n, c, h, w = x.shape
    o, c_w, k, k2 = weight.shape
    if c != c_w or k != k2:
        raise ValueError(f"conv2d: input has {c} channels, weight expects {c_w} (square kernels only)")
    data = x.data
    if padding:
        data = xp.pad(data, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    data = xp.ascontiguousarray(data)
    hp, wp = data.shape[2:]
    out_h, out_w = (hp - k) // stride + 1, (wp - k) // stride + 1
    cols = _patches(xp, data, k, stride, out_h, out_w).reshape(c * k * k, n * out_h * out_w)  # the copy
    w_flat = weight.data.reshape(o, c * k * k)
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
            d_cols = (w_flat.T @ g_rows).reshape(c, k, k, n, out_h, out_w)
            d_pad = xp.zeros((c, n, hp, wp), dtype=g.dtype)
            span_h, span_w = stride * (out_h - 1) + 1, stride * (out_w - 1) + 1
            for u in range(k):          # col2im: one array add per kernel offset, not per pixel
                for v in range(k):
                    d_pad[:, :, u:u + span_h:stride, v:v + span_w:stride] += d_cols[:, u, v]
            d_x = d_pad.transpose(1, 0, 2, 3)
            x.add_grad(d_x[:, :, padding:padding + h, padding:padding + w] if padding else d_x)

    parents = (x, weight) if bias is None else (x, weight, bias)
    return Tensor.from_op(out, parents, _bw, "conv2d")


# ----------------------------------------------------------------------------- pooling
def max_pool2d(x: Tensor, kernel_size: int = 2, stride: int | None = None) -> Tensor:
    """Max over k x k windows: (N, C, H, W) -> (N, C, H', W'). The gradient goes to the first max."""
    xp = x.xp
    k, s = kernel_size, stride or kernel_size
    n, c, h, w = x.shape
    out_h, out_w = (h - k) // s + 1, (w - k) // s + 1
    if k == s and h % k == 0 and w % k == 0:
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
        data, shape=(n, c, out_h, out_w, k, k), strides=(s_n, s_c, s_h * s, s_w * s, s_h, s_w))
    flat = windows.reshape(n, c, out_h, out_w, k * k)
    arg = flat.argmax(axis=-1)                               # (N, C, H', W') index into the window
    out = xp.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]

    def _bw(g):
        grad = xp.zeros((n, c, h, w), dtype=g.dtype)
        span_h, span_w = s * (out_h - 1) + 1, s * (out_w - 1) + 1
        for u in range(k):
            for v in range(k):
                grad[:, :, u:u + span_h:s, v:v + span_w:s] += g * (arg == u * k + v)
        x.add_grad(grad)

    return Tensor.from_op(out, (x,), _bw, "max_pool2d")
