"""minigrad: a small PyTorch-like deep-learning framework in NumPy (project 20).

One job per file: ``tensor`` (Tensor and autograd, the primitive ops), ``functional``
(activations, losses, LayerNorm), ``conv`` (convolution and pooling), ``nn`` (modules),
``optim`` (optimisers and schedules), ``data`` (datasets and loaders), ``random`` (the seeded
generator), ``backend`` (the array-module seam: NumPy or CuPy), ``threads`` (multi-core helpers),
``processes`` (data-parallel training on worker processes), ``memory`` (malloc's setting for
training loops) and ``gradcheck`` (finite differences).

    import minigrad as mg
    model = mg.Sequential(mg.Linear(784, 128), mg.ReLU(), mg.Linear(128, 10))
    loss = mg.cross_entropy(model(x), y); loss.backward(); mg.Adam(model.parameters()).step()

See API.md beside this file for the list of ops, layers and the dtype/device rules.
"""

import os

import numpy as np

from . import autograd, backend, functional, memory, nn, optim, processes, threads, utils
from .backend import get_array_module, register_backend
from .conv import adaptive_avg_pool2d, avg_pool2d, conv1d, conv2d, conv2d_fused, max_pool2d
from .data import DataLoader, Dataset, Generator, Subset, TensorDataset, random_split
from .functional import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    dropout,
    erf,
    exp,
    gelu,
    gelu_fused,
    huber_loss,
    l1_loss,
    layer_norm,
    layer_norm_fused,
    leaky_relu,
    linear,
    log,
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
    sqrt,
    tanh,
)
from .gradcheck import numerical_grad
from .nn import (
    GELU,
    AdaptiveAvgPool2d,
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    BCELoss,
    BCEWithLogitsLoss,
    Conv1d,
    Conv2d,
    CrossEntropyLoss,
    Dropout,
    Embedding,
    Flatten,
    HuberLoss,
    Identity,
    L1Loss,
    LayerNorm,
    LeakyReLU,
    Linear,
    LogSoftmax,
    MaxPool2d,
    Module,
    ModuleDict,
    ModuleList,
    MSELoss,
    NLLLoss,
    ReLU,
    Sequential,
    Sigmoid,
    SiLU,
    SmoothL1Loss,
    Softmax,
    Tanh,
)
from .optim import SGD, Adagrad, Adam, AdamW, CosineLR, RMSprop, StepLR
from .random import manual_seed, rand, randint, randn
from .tensor import (
    Parameter,
    Tensor,
    amax,
    amin,
    arange,
    argmax,
    argmin,
    cat,
    chunk,
    clamp,
    clone,
    concat,
    cos,
    cumsum,
    default_dtype,
    einsum,
    empty,
    enable_grad,
    eye,
    flatten,
    float32,
    float64,
    from_numpy,
    full,
    full_like,
    gather,
    get_default_dtype,
    int64,
    is_grad_enabled,
    is_tensor,
    linspace,
    log1p,
    log_softmax,
    logsumexp,
    masked_fill,
    matmul,
    maximum,
    mean,
    minimum,
    mm,
    no_grad,
    norm,
    numel,
    ones,
    ones_like,
    permute,
    reshape,
    set_default_dtype,
    sin,
    softmax,
    sort,
    split,
    squeeze,
    stack,
    std,
    tensor,
    topk,
    transpose,
    tril,
    triu,
    unsqueeze,
    var,
    where,
    zeros,
    zeros_like,
)
from .tensor import abs_of as abs  # noqa: A004  (torch.abs; Python's abs is not used in this file)
from .tensor import max_of as max  # noqa: A004
from .tensor import min_of as min  # noqa: A004
from .tensor import pow_of as pow  # noqa: A004
from .tensor import sum_of as sum  # noqa: A004


def save(obj, path) -> None:
    """Write a module's parameters and buffers, or a state_dict (a flat dict of arrays), to ``path``.

    The file is an .npz whatever its name (``mg.save(model.state_dict(), "model.pt")`` works as
    in torch), never a pickle, so nested dicts (an optimiser's state_dict) are refused.
    """
    if isinstance(obj, Module):
        obj.save(path)
        return
    if not isinstance(obj, dict) or not all(isinstance(v, (Tensor, np.ndarray)) or np.isscalar(v)
                                            for v in obj.values()):
        raise TypeError("mg.save writes a module or a flat dict of arrays (model.state_dict()) to an .npz; "
                        f"got {type(obj).__name__} (minigrad saves no pickles)")
    arrays = {k: backend.to_numpy(v.data if isinstance(v, Tensor) else np.asarray(v)) for k, v in obj.items()}
    if any(a.dtype.hasobject for a in arrays.values()):
        raise TypeError("mg.save writes arrays of numbers; an array of Python objects would need a pickle")
    path = os.fspath(path)
    tmp = path + ".tmp"
    try:
        with open(tmp, "wb") as fh:        # a file object: np.savez adds no ".npz" to the name
            np.savez(fh, **arrays)
        os.replace(tmp, path)              # nothing half-written under the real name
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def load(module_or_path, path=None, *, map_location=None, weights_only=None):
    """``mg.load(path)`` returns the dict of arrays :func:`save` wrote (torch's ``torch.load``);
    ``mg.load(module, path)`` reads it into ``module`` and returns the module.
    ``map_location`` and ``weights_only`` are accepted for torch scripts and change nothing."""
    if isinstance(module_or_path, Module):
        return module_or_path.load(path)
    with np.load(module_or_path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


__all__ = [
    "sum", "max", "min", "abs", "pow", "mm", "masked_fill", "is_tensor",
    "backend", "functional", "memory", "optim", "processes", "threads", "numerical_grad", "get_array_module",
    "register_backend",
    "conv2d", "conv2d_fused",
    "max_pool2d", "DataLoader", "Dataset", "TensorDataset", "GELU", "BatchNorm1d", "BatchNorm2d",
    "Conv2d", "Dropout", "Embedding", "Flatten", "LayerNorm", "Linear", "MaxPool2d", "Module", "ReLU",
    "Sequential", "Sigmoid", "Tanh", "nn", "AdaptiveAvgPool2d", "AvgPool2d", "BCELoss", "BCEWithLogitsLoss", "Conv1d",
    "CrossEntropyLoss", "HuberLoss", "Identity", "L1Loss", "LeakyReLU", "LogSoftmax", "ModuleDict", "ModuleList",
    "MSELoss", "NLLLoss", "SiLU", "SmoothL1Loss", "Softmax", "adaptive_avg_pool2d", "avg_pool2d", "conv1d",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "huber_loss", "l1_loss", "leaky_relu", "nll_loss",
    "one_hot", "pad", "scaled_dot_product_attention", "silu", "smooth_l1_loss", "softplus",
    "SGD", "Adam", "AdamW", "CosineLR", "StepLR", "manual_seed",
    "utils", "RMSprop", "Adagrad", "Generator", "Subset", "random_split",
    "Parameter", "Tensor", "arange", "cat", "concat", "cross_entropy", "default_dtype", "dropout", "exp",
    "float32", "float64", "gather", "erf", "gelu", "gelu_fused", "get_default_dtype", "int64", "is_grad_enabled",
    "layer_norm", "layer_norm_fused",
    "linear", "log", "log_softmax", "matmul", "mse_loss", "no_grad", "ones", "relu", "set_default_dtype",
    "sigmoid", "softmax", "sqrt", "stack", "tanh", "tensor", "where", "zeros", "save", "load",
    "autograd", "rand", "randint", "randn", "clamp", "einsum", "empty", "enable_grad", "eye", "from_numpy", "full",
    "full_like", "linspace", "maximum", "minimum", "ones_like", "zeros_like",
    "amax", "amin", "argmax", "argmin", "chunk", "clone", "cos", "cumsum", "flatten", "log1p",
    "logsumexp", "mean", "norm", "numel", "permute", "reshape", "sin", "sort", "split", "squeeze", "std", "topk",
    "transpose", "tril", "triu", "unsqueeze", "var",
]
