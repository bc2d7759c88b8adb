"""minigrad: a small PyTorch-like deep-learning framework in NumPy (project 20).

One job per file: ``tensor`` (Tensor and autograd, the primitive ops), ``functional``
(activations, losses, LayerNorm), ``conv`` (convolution and pooling), ``nn`` (modules),
``optim`` (optimisers and schedules), ``data`` (datasets and loaders), ``random`` (the seeded
generator), ``backend`` (the array-module seam: NumPy or CuPy), ``threads`` (multi-core helpers)
and ``gradcheck`` (finite differences).

    import minigrad as mg
    model = mg.Sequential(mg.Linear(784, 128), mg.ReLU(), mg.Linear(128, 10))
    loss = mg.cross_entropy(model(x), y); loss.backward(); mg.Adam(model.parameters()).step()

See API.md beside this file for the list of ops, layers and the dtype/device rules.
"""

from . import autograd, backend, functional, optim, threads
from .backend import get_array_module, register_backend
from .conv import conv2d, conv2d_fused, max_pool2d
from .data import DataLoader, Dataset, TensorDataset
from .functional import (
    cross_entropy,
    dropout,
    erf,
    exp,
    gelu,
    gelu_fused,
    layer_norm,
    layer_norm_fused,
    linear,
    log,
    mse_loss,
    relu,
    sigmoid,
    sqrt,
    tanh,
)
from .gradcheck import numerical_grad
from .nn import (
    GELU,
    BatchNorm1d,
    BatchNorm2d,
    Conv2d,
    Dropout,
    Embedding,
    Flatten,
    LayerNorm,
    Linear,
    MaxPool2d,
    Module,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)
from .optim import SGD, Adam, AdamW, CosineLR, StepLR
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
    linspace,
    log1p,
    log_softmax,
    logsumexp,
    matmul,
    maximum,
    mean,
    minimum,
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


def save(module: Module, path) -> None:
    """Write a module's parameters and buffers to ``path`` (.npz)."""
    module.save(path)


def load(module: Module, path) -> Module:
    """Read parameters and buffers saved by :func:`save` into ``module``."""
    return module.load(path)


__all__ = [
    "backend", "functional", "optim", "threads", "numerical_grad", "get_array_module", "register_backend",
    "conv2d", "conv2d_fused",
    "max_pool2d", "DataLoader", "Dataset", "TensorDataset", "GELU", "BatchNorm1d", "BatchNorm2d",
    "Conv2d", "Dropout", "Embedding", "Flatten", "LayerNorm", "Linear", "MaxPool2d", "Module", "ReLU",
    "Sequential", "Sigmoid", "Tanh", "SGD", "Adam", "AdamW", "CosineLR", "StepLR", "manual_seed",
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
