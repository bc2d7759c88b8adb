"""``minigrad.nn.functional`` (``import minigrad.nn.functional as F``), torch's functional names.

Each name is minigrad's own function (from ``minigrad.functional``, ``minigrad.conv`` and the
tensor ops); the few whose torch argument order differs from minigrad's are thin wrappers here
(``layer_norm`` takes ``normalized_shape``, ``dropout`` defaults to p=0.5). Where an op has two
tiers, F gives the fast one, as the layers do by default: ``conv2d``, ``gelu`` and one-axis
``layer_norm`` are the fused ops (``mg.conv2d``, ``mg.gelu``, ``mg.layer_norm`` are the textbook ones). Losses and
``cross_entropy`` take the class axis LAST, (..., C), the same as torch for (N, C) inputs.
"""

from __future__ import annotations

from ..conv import adaptive_avg_pool2d, avg_pool2d, conv1d, max_pool2d
from ..conv import conv2d_fused as conv2d
from ..functional import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    embedding,
    huber_loss,
    l1_loss,
    leaky_relu,
    linear,
    mse_loss,
    nll_loss,
    one_hot,
    pad,
    relu,
    scaled_dot_product_attention,
    sigmoid,
    silu,
    smooth_l1_loss,
    softplus,
    tanh,
)
from ..functional import dropout as _dropout
from ..functional import gelu_fused as gelu
from ..functional import layer_norm as _layer_norm
from ..functional import layer_norm_fused as _layer_norm_fused
from ..tensor import Tensor, log_softmax, softmax


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """torch's F.dropout(input, p=0.5, training=True): minigrad's :func:`~minigrad.functional.dropout`."""
    return _dropout(x, p, training)


def layer_norm(x: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """torch's F.layer_norm(input, normalized_shape, weight, bias, eps): normalise the last
    len(normalized_shape) axes (one axis: the fused :func:`~minigrad.functional.layer_norm_fused`;
    several: the textbook :func:`~minigrad.functional.layer_norm`)."""
    shape = tuple(normalized_shape) if isinstance(normalized_shape, (tuple, list)) else (normalized_shape,)
    if x.shape[x.ndim - len(shape):] != shape:
        raise RuntimeError(f"layer_norm: expected an input ending in {shape}, got shape {x.shape}")
    if len(shape) == 1:
        return _layer_norm_fused(x, weight, bias, eps)
    return _layer_norm(x, weight, bias, eps, normalized_ndim=len(shape))


__all__ = [
    "adaptive_avg_pool2d", "avg_pool2d", "binary_cross_entropy", "binary_cross_entropy_with_logits", "conv1d",
    "conv2d", "cross_entropy", "dropout", "embedding", "gelu", "huber_loss", "l1_loss", "layer_norm", "leaky_relu",
    "linear", "log_softmax", "max_pool2d", "mse_loss", "nll_loss", "one_hot", "pad", "relu",
    "scaled_dot_product_attention", "sigmoid", "silu", "smooth_l1_loss", "softmax", "softplus", "tanh",
]
