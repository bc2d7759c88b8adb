"""Layers: Module and the building blocks of networks.

A :class:`Module` is a Python object whose attributes are parameters, buffers (running statistics)
and other modules. ``parameters()`` finds them by walking the attributes, so a subclass does not
even have to call ``super().__init__()`` (the learning path's example does not). ``model(x)`` calls
``model.forward(x)``. ``state_dict()`` / ``save(path)`` store every parameter and buffer by its
dotted name in a NumPy ``.npz`` file (never pickle).

Initialisation follows PyTorch (uniform in +-1/sqrt(fan_in)), so minigrad and torch models
train alike.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from . import backend
from .conv import conv2d, conv2d_fused, max_pool2d
from .functional import dropout, gelu, gelu_fused, layer_norm, layer_norm_fused, linear
from .random import generator
from .tensor import Parameter, Tensor, get_default_dtype


def _uniform(shape: tuple, bound: float, dtype, device) -> Parameter:
    values = generator().uniform(-bound, bound, size=shape)
    return Parameter(values.astype(dtype or get_default_dtype()), device=device)


class Module:
    """Base class of every layer and model. Override ``forward``."""

    training = True
    _buffer_names: tuple[str, ...] = ()

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    # -- discovery by walking attributes
    def named_children(self) -> Iterator[tuple[str, Module]]:
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        yield f"{name}.{i}", item
            elif isinstance(value, dict):
                for key, item in value.items():
                    if isinstance(item, Module):
                        yield f"{name}.{key}", item

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self) -> list[Module]:
        return [m for _, m in self.named_modules()]

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """(dotted name, Parameter) for every parameter, each shared parameter once."""
        seen = set()
        for mod_name, module in self.named_modules(prefix):
            for name, value in vars(module).items():
                items = []
                if isinstance(value, Parameter):
                    items = [(name, value)]
                elif isinstance(value, (list, tuple)):
                    items = [(f"{name}.{i}", v) for i, v in enumerate(value) if isinstance(v, Parameter)]
                for item_name, param in items:
                    if id(param) not in seen:
                        seen.add(id(param))
                        yield (f"{mod_name}.{item_name}" if mod_name else item_name), param

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def named_buffers(self) -> Iterator[tuple[str, Tensor]]:
        for mod_name, module in self.named_modules():
            for name in module._buffer_names:
                yield (f"{mod_name}.{name}" if mod_name else name), getattr(module, name)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    # -- modes and housekeeping
    def train(self, mode: bool = True) -> Module:
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        return self.train(False)

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None

    def to(self, device: str | None = None, dtype=None) -> Module:
        """Move/cast every parameter and buffer in place (``model.to("cuda")``, ``to(dtype=float64)``)."""
        tensors = self.parameters() + [b for _, b in self.named_buffers()]
        for t in tensors:
            data = t.data if device is None else backend.to_device(t.data, device)
            if dtype is not None and data.dtype.kind == "f":
                data = data.astype(dtype)
            t.data = data
            t.grad = None
        return self

    def double(self) -> Module:
        return self.to(dtype=np.float64)

    def float(self) -> Module:
        return self.to(dtype=np.float32)

    # -- saving
    def state_dict(self) -> dict[str, np.ndarray]:
        """Every parameter and buffer as a host NumPy array, by dotted name."""
        state = {name: p.numpy().copy() for name, p in self.named_parameters()}
        state.update({name: b.numpy().copy() for name, b in self.named_buffers()})
        return state

    def load_state_dict(self, state: dict) -> None:
        """Copy arrays into the parameters/buffers; names and shapes must match exactly."""
        own = dict(self.named_parameters())
        own.update(dict(self.named_buffers()))
        missing = sorted(set(own) - set(state))
        unexpected = sorted(set(state) - set(own))
        if missing or unexpected:
            raise ValueError(f"state_dict mismatch: missing {missing}, unexpected {unexpected}")
        for name, tensor in own.items():
            value = np.asarray(state[name])
            if value.shape != tensor.shape:
                raise ValueError(f"state_dict: {name} has shape {value.shape}, model expects {tensor.shape}")
            tensor.data = backend.to_device(value.astype(tensor.dtype), tensor.device)

    def save(self, path: str | os.PathLike) -> Path:
        """Write ``state_dict()`` to an ``.npz`` file atomically (temp file + rename)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".npz", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, **self.state_dict())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return path

    def load(self, path: str | os.PathLike) -> Module:
        """Read an ``.npz`` written by :meth:`save` into this model."""
        with np.load(path, allow_pickle=False) as data:
            self.load_state_dict({k: data[k] for k in data.files})
        return self

    def __repr__(self) -> str:
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"  ({name}): " + repr(child).replace("\n", "\n  ") for name, child in children]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"

    def extra_repr(self) -> str:
        return ""


class Linear(Module):
    """y = x W^T + b. x (..., in_features) -> (..., out_features); W (out, in), b (out,)."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None):
        bound = 1 / math.sqrt(in_features)
        self.in_features, self.out_features = in_features, out_features
        self.weight = _uniform((out_features, in_features), bound, dtype, device)
        self.bias = _uniform((out_features,), bound, dtype, device) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        return linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"{self.in_features}, {self.out_features}, bias={self.bias is not None}"


class Conv2d(Module):
    """2-D convolution. x (N, C, H, W) -> (N, O, H', W'); W (O, C, k, k).

    ``fused=True`` (the default) runs the fast tier, :func:`~minigrad.conv.conv2d_fused` (im2col +
    one matmul); ``fused=False`` the textbook :func:`~minigrad.conv.conv2d` (a sum over kernel
    offsets, left to autograd). Both compute the same numbers; set ``layer.fused`` at any time.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int = 0, bias: bool = True, device=None, dtype=None, fused: bool = True):
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.fused = fused
        bound = 1 / math.sqrt(in_channels * kernel_size * kernel_size)
        self.weight = _uniform((out_channels, in_channels, kernel_size, kernel_size), bound, dtype, device)
        self.bias = _uniform((out_channels,), bound, dtype, device) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        conv = conv2d_fused if self.fused else conv2d
        return conv(x, self.weight, self.bias, stride=self.stride, padding=self.padding)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}" + ("" if self.fused else ", fused=False"))


class MaxPool2d(Module):
    """Max over k x k windows (stride defaults to k). (N, C, H, W) -> (N, C, H', W')."""

    def __init__(self, kernel_size: int = 2, stride: int | None = None):
        self.kernel_size, self.stride = kernel_size, stride or kernel_size

    def forward(self, x: Tensor) -> Tensor:
        return max_pool2d(x, self.kernel_size, self.stride)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}"


class _BatchNorm(Module):
    """Normalise each channel with batch statistics in training, running averages in eval.

    y = (x - mean_B) / sqrt(var_B + eps) * gamma + beta; running = (1 - m) running + m batch
    (running variance uses the unbiased batch variance, as in PyTorch).
    """

    _buffer_names = ("running_mean", "running_var")
    _axes: tuple[int, ...] = (0,)

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, device=None, dtype=None):
        dtype = dtype or get_default_dtype()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = Parameter(np.ones(num_features, dtype=dtype), device=device)
        self.bias = Parameter(np.zeros(num_features, dtype=dtype), device=device)
        self.running_mean = Tensor(np.zeros(num_features, dtype=dtype), device=device)
        self.running_var = Tensor(np.ones(num_features, dtype=dtype), device=device)

    def _shape(self, ndim: int) -> tuple:
        return (1, self.num_features) + (1,) * (ndim - 2)

    def forward(self, x: Tensor) -> Tensor:
        axes = (0,) + tuple(range(2, x.ndim))
        shape = self._shape(x.ndim)
        if not self.training:  # running statistics: a fixed affine map of x
            xp = x.xp
            inv_std = 1.0 / xp.sqrt(self.running_var.data + self.eps)
            centred = x - Tensor(self.running_mean.data.reshape(shape))
            return centred * Tensor(inv_std.reshape(shape)) * self.weight.reshape(shape) + self.bias.reshape(shape)
        out, mean, var = batch_norm_train(x, self.weight, self.bias, axes, shape, self.eps)
        n = x.numel() // self.num_features
        m = self.momentum
        self.running_mean.data = (1 - m) * self.running_mean.data + m * mean
        self.running_var.data = (1 - m) * self.running_var.data + m * var * (n / max(n - 1, 1))
        return out

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


def batch_norm_train(x: Tensor, weight: Tensor, bias: Tensor, axes: tuple, shape: tuple, eps: float):
    """Fused training-mode batch norm; returns (out, batch mean, biased batch var) (stats as arrays).

    Backward (xhat normalised input, gh = g * gamma, means over the batch axes):
    dx = (gh - mean(gh) - xhat * mean(gh * xhat)) / sqrt(var + eps).
    """
    xp = x.xp
    mean = x.data.mean(axis=axes)
    centred = x.data - mean.reshape(shape)
    var = (centred * centred).mean(axis=axes)
    inv_std = (1.0 / xp.sqrt(var + eps)).reshape(shape)
    xhat = centred * inv_std
    out = xhat * weight.data.reshape(shape) + bias.data.reshape(shape)

    def _bw(g):
        if weight.requires_grad:
            weight.add_grad((g * xhat).sum(axis=axes))
        if bias.requires_grad:
            bias.add_grad(g.sum(axis=axes))
        if x.requires_grad:
            gh = g * weight.data.reshape(shape)
            x.add_grad(inv_std * (gh - gh.mean(axis=axes, keepdims=True)
                                     - xhat * (gh * xhat).mean(axis=axes, keepdims=True)))

    return Tensor.from_op(out, (x, weight, bias), _bw, "batch_norm"), mean, var


class BatchNorm1d(_BatchNorm):
    """BatchNorm over (N, C) or (N, C, L) inputs."""


class BatchNorm2d(_BatchNorm):
    """BatchNorm over (N, C, H, W) inputs, one mean/variance per channel."""


class LayerNorm(Module):
    """Normalise over the last axis: y = (x - mu) / sqrt(var + eps) * weight + bias.

    ``fused=True`` (the default) runs the fast tier, :func:`~minigrad.functional.layer_norm_fused`;
    ``fused=False`` the textbook :func:`~minigrad.functional.layer_norm`, left to autograd.
    """

    def __init__(self, normalized_shape: int, eps: float = 1e-5, bias: bool = True, device=None, dtype=None,
                 fused: bool = True):
        dtype = dtype or get_default_dtype()
        self.normalized_shape, self.eps, self.fused = normalized_shape, eps, fused
        self.weight = Parameter(np.ones(normalized_shape, dtype=dtype), device=device)
        self.bias = Parameter(np.zeros(normalized_shape, dtype=dtype), device=device) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        norm = layer_norm_fused if self.fused else layer_norm
        return norm(x, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}" + ("" if self.fused else ", fused=False")


class Embedding(Module):
    """A lookup table: integer ids (...) -> rows of weight (num_embeddings, dim), shape (..., dim)."""

    def __init__(self, num_embeddings: int, embedding_dim: int, device=None, dtype=None):
        values = generator().standard_normal((num_embeddings, embedding_dim))
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = Parameter(values.astype(dtype or get_default_dtype()), device=device)

    def forward(self, ids) -> Tensor:
        ids = ids.data if isinstance(ids, Tensor) else self.weight.xp.asarray(ids)
        return self.weight[ids]

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"


class Dropout(Module):
    """Zero entries with probability p in training (scaling the rest by 1/(1-p)); identity in eval."""

    def __init__(self, p: float = 0.5):
        if not 0 <= p < 1:
            raise ValueError(f"dropout probability must be in [0, 1), got {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class ReLU(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.relu()


class GELU(Module):
    """x Phi(x) (see :func:`~minigrad.functional.gelu`); ``fused=False`` runs the textbook tier."""

    def __init__(self, approximate: str = "none", fused: bool = True):
        if approximate not in ("none", "tanh"):
            raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate, self.fused = approximate, fused

    def forward(self, x: Tensor) -> Tensor:
        return (gelu_fused if self.fused else gelu)(x, self.approximate)


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.tanh()


class Sigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.sigmoid()


class Flatten(Module):
    """(N, ...) -> (N, prod(...))."""

    def forward(self, x: Tensor) -> Tensor:
        return x.reshape(x.shape[0], -1)


class Sequential(Module):
    """Apply modules in order: ``Sequential(Linear(784, 128), ReLU(), Linear(128, 10))``."""

    def __init__(self, *layers: Module):
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)
