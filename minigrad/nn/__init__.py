"""Layers: Module and the building blocks of networks (``minigrad.nn``, like ``torch.nn``).

A :class:`Module` is a Python object whose attributes are parameters, buffers (running statistics)
and other modules. ``parameters()`` finds them by walking the attributes, so a subclass does not
even have to call ``super().__init__()`` (the learning path's example does not). ``model(x)`` calls
``model.forward(x)`` (a NumPy array given as an argument is wrapped in a Tensor first).
``state_dict()`` / ``save(path)`` store every parameter and buffer by its dotted name, as torch
names them ("0.weight" in a Sequential, "blocks.1.bias"), in a NumPy ``.npz`` file (never pickle).

Initialisation follows PyTorch (uniform in +-1/sqrt(fan_in)), so minigrad and torch models
train alike. ``minigrad.nn.functional`` (F), ``minigrad.nn.init`` and ``minigrad.nn.utils`` sit
beside this file, as in torch.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections import OrderedDict, namedtuple
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .. import backend
from ..conv import adaptive_avg_pool2d, avg_pool2d, conv1d, conv2d, conv2d_fused, max_pool2d
from ..functional import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    dropout,
    embedding,
    gelu,
    gelu_fused,
    huber_loss,
    l1_loss,
    layer_norm,
    layer_norm_fused,
    leaky_relu,
    linear,
    mse_loss,
    nll_loss,
    silu,
    smooth_l1_loss,
)
from ..random import generator
from ..tensor import Parameter, Tensor, get_default_dtype

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def _uniform(shape: tuple, bound: float, dtype, device) -> Parameter:
    values = generator().uniform(-bound, bound, size=shape)
    return Parameter(values.astype(dtype or get_default_dtype()), device=device)


def _pair(value) -> tuple[int, int]:
    return (int(value[0]), int(value[1])) if isinstance(value, (tuple, list)) else (int(value), int(value))


def _padding_for(padding, kernel: tuple, stride: tuple):
    """torch's padding strings as numbers: "valid" is 0, "same" is (k - 1) / 2 per side (stride 1,
    odd kernels: an even kernel would need more zeros on one side than the other)."""
    if not isinstance(padding, str):
        return padding
    if padding == "valid":
        return 0 if len(kernel) == 1 else (0, 0)
    if padding != "same":
        raise ValueError(f"padding must be a number, a pair, 'valid' or 'same', got {padding!r}")
    if any(s != 1 for s in stride):
        raise ValueError("padding='same' needs stride 1 (as in torch)")
    if any(k % 2 == 0 for k in kernel):
        raise NotImplementedError(f"padding='same' with an even kernel {kernel} would pad unevenly; give the "
                                  "padding as numbers or use an odd kernel")
    pads = tuple(k // 2 for k in kernel)
    return pads[0] if len(pads) == 1 else pads


class Module:
    """Base class of every layer and model. Override ``forward``."""

    training = True
    _buffer_names: tuple[str, ...] = ()

    def __call__(self, *args, **kwargs):
        # a floating NumPy array given to a layer is wrapped, as mg.tensor(array) would (dtype kept);
        # integer arrays (token ids, class labels) are passed on as they are
        for a in args:
            if type(a) is np.ndarray and a.dtype.kind == "f":
                args = tuple(Tensor(v) if type(v) is np.ndarray and v.dtype.kind == "f" else v for v in args)
                break
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    # -- registering (plain attribute assignment does the same; these are torch's spellings)
    def register_buffer(self, name: str, tensor, persistent: bool = True) -> None:
        """Keep ``tensor`` as a buffer: saved in state_dict() and moved by to(), but not a parameter
        (an optimiser never sees it). ``persistent=False`` leaves it out of state_dict()."""
        if "." in name or not name:
            raise KeyError(f"buffer name must be a non-empty string without '.', got {name!r}")
        if tensor is not None and not isinstance(tensor, Tensor):
            tensor = Tensor(tensor)
        if isinstance(tensor, Parameter):
            tensor = Tensor(tensor.data)
        setattr(self, name, tensor)
        if name not in self._buffer_names:
            self._buffer_names = (*self._buffer_names, name)
        if not persistent:
            self._transient = (*getattr(self, "_transient", ()), name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        setattr(self, name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        setattr(self, name, module)

    register_module = add_module

    # -- discovery by walking attributes
    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for each direct submodule: attributes, and modules in lists/tuples/dicts."""
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

    def children(self) -> Iterator[Module]:
        for _, child in self.named_children():
            yield child

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module ("") and every module inside it, depth first, each
        module once even when it appears twice (as torch)."""
        seen = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            kids = [(f"{name}.{child_name}" if name else child_name, child)
                    for child_name, child in module.named_children()]
            stack.extend(reversed(kids))

    def modules(self) -> list[Module]:
        return [m for _, m in self.named_modules()]

    def _own_parameters(self) -> Iterator[tuple[str, Parameter]]:
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for i, v in enumerate(value):
                    if isinstance(v, Parameter):
                        yield f"{name}.{i}", v

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, Parameter) for every parameter, each shared parameter once."""
        seen = set()
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mod_name, module in modules:
            for item_name, param in module._own_parameters():
                if id(param) not in seen:
                    seen.add(id(param))
                    yield (f"{mod_name}.{item_name}" if mod_name else item_name), param

    def parameters(self, recurse: bool = True) -> list[Parameter]:
        return [p for _, p in self.named_parameters(recurse=recurse)]

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
        for mod_name, module in self.named_modules(prefix):
            for name in module._buffer_names:
                value = getattr(module, name)
                if value is not None:
                    yield (f"{mod_name}.{name}" if mod_name else name), value

    def buffers(self) -> list[Tensor]:
        return [b for _, b in self.named_buffers()]

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    # -- modes and housekeeping
    def train(self, mode: bool = True) -> Module:
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def apply(self, fn) -> Module:
        """Call ``fn(module)`` on every submodule (children first) and on this one, as torch."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad[...] = 0

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
    def _state_items(self) -> Iterator[tuple[str, Tensor]]:
        """torch's order: module by module, its parameters then its buffers (shared ones once)."""
        seen = set()
        for mod_name, module in self.named_modules():
            own = list(module._own_parameters())
            transient = getattr(module, "_transient", ())
            own += [(n, getattr(module, n)) for n in module._buffer_names
                    if n not in transient and getattr(module, n) is not None]
            for name, tensor in own:
                if id(tensor) not in seen:
                    seen.add(id(tensor))
                    yield (f"{mod_name}.{name}" if mod_name else name), tensor

    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Every parameter and buffer as a host NumPy array, by dotted name (an OrderedDict, as torch)."""
        return OrderedDict((name, t.numpy().copy()) for name, t in self._state_items())

    def load_state_dict(self, state: dict, strict: bool = True) -> IncompatibleKeys:
        """Copy arrays (or tensors) into the parameters/buffers by name; shapes must match.

        ``strict=True`` (the default): every name must be there and nothing else, else a
        RuntimeError lists the missing and unexpected keys (torch's BatchNorm ``num_batches_tracked``
        counters are accepted and ignored). ``strict=False`` loads the names both
        have. Returns (missing_keys, unexpected_keys), as torch.
        """
        own = dict(self._state_items())
        # torch's BatchNorm also saves a batch counter (used only when momentum=None, which minigrad
        # does not offer): accepted and left out, so a torch checkpoint loads
        counters = {f"{name}.num_batches_tracked" if name else "num_batches_tracked"
                    for name, module in self.named_modules() if isinstance(module, _BatchNorm)}
        missing = [k for k in own if k not in state]
        unexpected = [k for k in state if k not in own and k not in counters]
        if strict and (missing or unexpected):
            parts = []
            if missing:
                parts.append("missing key(s) " + ", ".join(f'"{k}"' for k in missing))
            if unexpected:
                parts.append("unexpected key(s) " + ", ".join(f'"{k}"' for k in unexpected))
            raise RuntimeError(f"error loading state_dict into {type(self).__name__}: " + "; ".join(parts)
                               + " (load_state_dict(d, strict=False) loads the keys both have)")
        for name, tensor in own.items():
            if name not in state:
                continue
            value = state[name]
            if isinstance(value, Tensor):
                value = value.numpy()
            elif hasattr(value, "detach"):                    # a torch tensor
                value = value.detach().cpu().numpy()
            value = np.asarray(value)
            if value.shape != tensor.shape:
                raise ValueError(f"state_dict: {name} has shape {value.shape}, model expects {tensor.shape}")
            tensor.data = backend.to_device(value.astype(tensor.dtype), tensor.device)
        return IncompatibleKeys(missing, unexpected)

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


# ----------------------------------------------------------------------------- containers
class ModuleList(Module):
    """A list of modules, registered under "0", "1", ... (so state_dict keys read "layers.1.bias").

    Index it, iterate it, ``append``/``extend``/``insert`` like a list; it has no forward.
    """

    def __init__(self, modules=None):
        for module in modules or ():
            self.append(module)

    def _items(self) -> list[Module]:
        return [value for key, value in vars(self).items() if key.isdigit()]

    def _set_items(self, items) -> None:
        for key in [k for k in vars(self) if k.isdigit()]:
            delattr(self, key)
        for i, module in enumerate(items):
            if not isinstance(module, Module):
                raise TypeError(f"{type(self).__name__} holds modules, got {type(module).__name__}")
            setattr(self, str(i), module)

    def append(self, module: Module) -> ModuleList:
        self._set_items([*self._items(), module])
        return self

    def extend(self, modules) -> ModuleList:
        self._set_items([*self._items(), *modules])
        return self

    def insert(self, index: int, module: Module) -> None:
        items = self._items()
        items.insert(index, module)
        self._set_items(items)

    def __getitem__(self, index):
        items = self._items()
        if isinstance(index, slice):
            return type(self)(items[index])
        return items[index]

    def __setitem__(self, index: int, module: Module) -> None:
        items = self._items()
        items[index] = module
        self._set_items(items)

    def __delitem__(self, index) -> None:
        items = self._items()
        del items[index]
        self._set_items(items)

    def __len__(self) -> int:
        return len(self._items())

    def __iter__(self):
        return iter(self._items())


class Sequential(ModuleList):
    """Apply modules in order: ``Sequential(Linear(784, 128), ReLU(), Linear(128, 10))``.

    The layers are registered under "0", "1", ... as torch does, so ``state_dict()`` keys are
    "0.weight", "2.bias" and a torch Sequential's state_dict loads as it is.
    """

    def __init__(self, *layers: Module):
        if len(layers) == 1 and isinstance(layers[0], (dict, OrderedDict)):   # Sequential(OrderedDict(...))
            for name, layer in layers[0].items():
                setattr(self, name, layer)
            return
        super().__init__(layers)

    def _items(self) -> list[Module]:
        return [value for value in vars(self).values() if isinstance(value, Module)]

    def _set_items(self, items) -> None:
        for key in [k for k, v in vars(self).items() if isinstance(v, Module)]:
            delattr(self, key)
        for i, module in enumerate(items):
            if not isinstance(module, Module):
                raise TypeError(f"Sequential holds modules, got {type(module).__name__}")
            setattr(self, str(i), module)

    def __getitem__(self, index):
        items = self._items()
        return Sequential(*items[index]) if isinstance(index, slice) else items[index]

    @property
    def layers(self) -> list[Module]:
        return self._items()

    def forward(self, x):
        for layer in self._items():
            x = layer(x)
        return x


class ModuleDict(Module):
    """A dict of modules by name (``blocks["encoder"]``); state_dict keys read "blocks.encoder.weight"."""

    def __init__(self, modules=None):
        for key, module in dict(modules or {}).items():
            self[key] = module

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(key, str) or "." in key or not key:
            raise KeyError(f"ModuleDict keys are non-empty strings without '.', got {key!r}")
        if key not in vars(self) and hasattr(self, key):
            raise KeyError(f"ModuleDict key {key!r} would hide the attribute of that name: choose another")
        if not isinstance(module, Module):
            raise TypeError(f"ModuleDict holds modules, got {type(module).__name__}")
        setattr(self, key, module)

    def __getitem__(self, key: str) -> Module:
        if key not in self.keys():
            raise KeyError(key)
        return vars(self)[key]

    def __delitem__(self, key: str) -> None:
        self[key]
        delattr(self, key)

    def __contains__(self, key) -> bool:
        return key in self.keys()

    def __len__(self) -> int:
        return len(self.keys())

    def __iter__(self):
        return iter(self.keys())

    def keys(self) -> list[str]:
        return [k for k, v in vars(self).items() if isinstance(v, Module)]

    def values(self) -> list[Module]:
        return [vars(self)[k] for k in self.keys()]

    def items(self) -> list[tuple[str, Module]]:
        return [(k, vars(self)[k]) for k in self.keys()]

    def update(self, modules) -> None:
        for key, module in dict(modules).items():
            self[key] = module


# ----------------------------------------------------------------------------- layers
class Identity(Module):
    """Returns its input (any constructor arguments are ignored, as torch)."""

    def __init__(self, *args, **kwargs):
        pass

    def forward(self, x):
        return x


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
    """2-D convolution. x (N, C, H, W) -> (N, O, H', W'); W (O, C, kh, kw).

    ``kernel_size``, ``stride`` and ``padding`` are ints or pairs (height, width); padding may also
    be "valid" (none) or "same" (output as large as the input; stride 1, odd kernels).
    ``fused=True`` (the default) runs the fast tier, :func:`~minigrad.conv.conv2d_fused` (im2col +
    one matmul); ``fused=False`` the textbook :func:`~minigrad.conv.conv2d` (a sum over kernel
    offsets, left to autograd). Both compute the same numbers; set ``layer.fused`` at any time.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1,
                 padding=0, bias: bool = True, device=None, dtype=None, fused: bool = True):
        self.in_channels, self.out_channels = in_channels, out_channels
        kh, kw = _pair(kernel_size)
        padding = _padding_for(padding, (kh, kw), _pair(stride))
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.fused = fused
        bound = 1 / math.sqrt(in_channels * kh * kw)
        self.weight = _uniform((out_channels, in_channels, kh, kw), bound, dtype, device)
        self.bias = _uniform((out_channels,), bound, dtype, device) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        conv = conv2d_fused if self.fused else conv2d
        return conv(x, self.weight, self.bias, stride=self.stride, padding=self.padding)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}" + ("" if self.fused else ", fused=False"))


class Conv1d(Module):
    """1-D convolution. x (N, C, L) -> (N, O, L'); W (O, C, k), L' = (L + 2p - k) // s + 1.

    ``fused=True`` runs the fast tier: the 2-D :func:`~minigrad.conv.conv2d_fused` on an image one
    pixel high; ``fused=False`` the textbook :func:`~minigrad.conv.conv1d`.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int = 0, bias: bool = True, device=None, dtype=None, fused: bool = True):
        self.in_channels, self.out_channels = in_channels, out_channels
        padding = _padding_for(padding, (kernel_size,), (stride,))
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.fused = fused
        bound = 1 / math.sqrt(in_channels * kernel_size)
        self.weight = _uniform((out_channels, in_channels, kernel_size), bound, dtype, device)
        self.bias = _uniform((out_channels,), bound, dtype, device) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        if not self.fused:
            return conv1d(x, self.weight, self.bias, self.stride, self.padding)
        if x.ndim != 3:
            raise ValueError(f"Conv1d: expected input (N, C, L), got shape {x.shape}")
        y = conv2d_fused(x.unsqueeze(2), self.weight.unsqueeze(2), self.bias, stride=(1, self.stride),
                         padding=(0, self.padding))
        return y.squeeze(2)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}")


class MaxPool2d(Module):
    """Max over kh x kw windows (stride defaults to the kernel). (N, C, H, W) -> (N, C, H', W')."""

    def __init__(self, kernel_size=2, stride=None, padding=0):
        self.kernel_size, self.stride, self.padding = kernel_size, stride or kernel_size, padding

    def forward(self, x: Tensor) -> Tensor:
        return max_pool2d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Module):
    """Mean over kh x kw windows (stride defaults to the kernel; zero padding counts, as torch)."""

    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size, self.stride, self.padding = kernel_size, stride or kernel_size, padding

    def forward(self, x: Tensor) -> Tensor:
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size: (N, C, H, W) -> (N, C, oh, ow), any H and W."""

    def __init__(self, output_size):
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _BatchNorm(Module):
    """Normalise each channel with batch statistics in training, running averages in eval.

    y = (x - mean_B) / sqrt(var_B + eps) * gamma + beta; running = (1 - m) running + m batch
    (running variance uses the unbiased batch variance, as in PyTorch).
    """

    _buffer_names = ("running_mean", "running_var")
    _axes: tuple[int, ...] = (0,)

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, device=None, dtype=None):
        if momentum is None:
            raise NotImplementedError("BatchNorm(momentum=None) (a cumulative average) is not implemented: "
                                      "give a number such as 0.1")
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
    """Normalise over the trailing axes: y = (x - mu) / sqrt(var + eps) * weight + bias.

    ``normalized_shape`` is n (the last axis) or a tuple such as (C, H, W) (the last len(...) axes,
    weight and bias of that shape). ``fused=True`` (the default) runs the fast tier,
    :func:`~minigrad.functional.layer_norm_fused`, over one axis; ``fused=False``, and any
    several-axis shape, the textbook :func:`~minigrad.functional.layer_norm`, left to autograd.
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device=None, dtype=None, fused: bool = True):
        dtype = dtype or get_default_dtype()
        shape = tuple(normalized_shape) if isinstance(normalized_shape, (tuple, list)) else (normalized_shape,)
        self.normalized_shape, self.eps, self.fused = normalized_shape, eps, fused
        self._ndim = len(shape)
        self.weight = Parameter(np.ones(shape, dtype=dtype), device=device) if elementwise_affine else None
        self.bias = Parameter(np.zeros(shape, dtype=dtype), device=device) if elementwise_affine and bias else None

    def forward(self, x: Tensor) -> Tensor:
        if self._ndim == 1:
            norm = layer_norm_fused if self.fused else layer_norm
            return norm(x, self.weight, self.bias, self.eps)
        shape = tuple(self.normalized_shape)
        if x.shape[x.ndim - len(shape):] != shape:
            raise RuntimeError(f"LayerNorm: expected an input ending in {shape}, got shape {x.shape}")
        return layer_norm(x, self.weight, self.bias, self.eps, normalized_ndim=self._ndim)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}" + ("" if self.fused else ", fused=False")


class Embedding(Module):
    """A lookup table: integer ids (...) -> rows of weight (num_embeddings, dim), shape (..., dim).

    ``padding_idx``: that row starts at zero and gets no gradient (as torch), for a padding token.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None, device=None,
                 dtype=None):
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} must be within num_embeddings "
                                 f"({num_embeddings})")
            padding_idx %= num_embeddings
        values = generator().standard_normal((num_embeddings, embedding_dim))
        if padding_idx is not None:
            values[padding_idx] = 0
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        self.weight = Parameter(values.astype(dtype or get_default_dtype()), device=device)

    def forward(self, ids) -> Tensor:
        if self.padding_idx is not None:
            return embedding(ids, self.weight, self.padding_idx)
        ids = ids.data if isinstance(ids, Tensor) else self.weight.xp.asarray(ids)
        if ids.size and (ids.min() < 0 or ids.max() >= self.num_embeddings):   # NumPy would wrap -1 silently
            raise IndexError(f"Embedding: index out of range: ids must be in 0 to {self.num_embeddings - 1}")
        return self.weight[ids]

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}" + (
            "" if self.padding_idx is None else f", padding_idx={self.padding_idx}")


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


# ----------------------------------------------------------------------------- activations
class ReLU(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.relu()


class LeakyReLU(Module):
    """x where x > 0, else negative_slope * x."""

    def __init__(self, negative_slope: float = 0.01):
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return leaky_relu(x, self.negative_slope)


class SiLU(Module):
    """x * sigmoid(x)."""

    def forward(self, x: Tensor) -> Tensor:
        return silu(x)


class GELU(Module):
    """x Phi(x) (see :func:`~minigrad.functional.gelu`); ``fused=False`` runs the textbook tier."""

    def __init__(self, approximate: str = "none", fused: bool = True):
        if approximate not in ("none", "tanh"):
            raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate, self.fused = approximate, fused

    def forward(self, x: Tensor) -> Tensor:
        return (gelu_fused if self.fused else gelu)(x, self.approximate)


class Softmax(Module):
    """softmax along ``dim``. dim is required: torch's implicit choice without one is deprecated."""

    def __init__(self, dim: int | None = None):
        if dim is None:
            raise TypeError("Softmax needs dim=, the axis whose entries sum to 1 (usually -1)")
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return x.softmax(self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log softmax along ``dim`` (required)."""

    def forward(self, x: Tensor) -> Tensor:
        return x.log_softmax(self.dim)


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.tanh()


class Sigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.sigmoid()


class Flatten(Module):
    """(N, ...) -> (N, prod(...)): axes start_dim..end_dim joined into one (torch's defaults 1, -1)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        if (self.start_dim, self.end_dim) == (1, -1):
            return x.reshape(x.shape[0], -1)
        return x.flatten(self.start_dim, self.end_dim)


# ----------------------------------------------------------------------------- losses as modules
class _Loss(Module):
    _fn = None
    _options: tuple[str, ...] = ()

    def __init__(self, reduction: str = "mean", **options):
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"{reduction!r} is not a valid value for reduction: use 'mean', 'sum' or 'none'")
        self.reduction = reduction
        for name in self._options:
            setattr(self, name, options.pop(name, getattr(type(self), name)))
        if options:
            raise TypeError(f"{type(self).__name__} got unexpected keyword argument(s) {sorted(options)}")

    def forward(self, input: Tensor, target) -> Tensor:
        fn = type(self)._fn
        return fn(input, target, reduction=self.reduction, **{n: getattr(self, n) for n in self._options})

    def extra_repr(self) -> str:
        return ", ".join([f"reduction={self.reduction!r}"] + [f"{n}={getattr(self, n)!r}" for n in self._options])


class CrossEntropyLoss(_Loss):
    """:func:`~minigrad.functional.cross_entropy` as a module (ignore_index=, label_smoothing=)."""

    _fn = staticmethod(cross_entropy)
    _options = ("ignore_index", "label_smoothing")
    ignore_index, label_smoothing = -100, 0.0


class NLLLoss(_Loss):
    _fn = staticmethod(nll_loss)
    _options = ("ignore_index",)
    ignore_index = -100


class MSELoss(_Loss):
    _fn = staticmethod(mse_loss)


class L1Loss(_Loss):
    _fn = staticmethod(l1_loss)


class HuberLoss(_Loss):
    _fn = staticmethod(huber_loss)
    _options = ("delta",)
    delta = 1.0


class SmoothL1Loss(_Loss):
    _fn = staticmethod(smooth_l1_loss)
    _options = ("beta",)
    beta = 1.0


class BCELoss(_Loss):
    _fn = staticmethod(binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    _fn = staticmethod(binary_cross_entropy_with_logits)
    _options = ("pos_weight",)
    pos_weight = None


from . import functional, init, utils  # noqa: E402  (the submodules use the classes above)

__all__ = [
    "Module", "ModuleList", "ModuleDict", "Sequential", "Identity", "Linear", "Conv1d", "Conv2d", "MaxPool2d",
    "AvgPool2d", "AdaptiveAvgPool2d", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "Embedding", "Dropout", "ReLU",
    "LeakyReLU", "SiLU", "GELU", "Softmax", "LogSoftmax", "Tanh", "Sigmoid", "Flatten", "CrossEntropyLoss",
    "NLLLoss", "MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "BCELoss", "BCEWithLogitsLoss", "Parameter",
    "functional", "init", "utils", "batch_norm_train",
]
