"""minigrad's random numbers: one seeded generator for initialisation, dropout and shuffling.

``mg.manual_seed(42)`` makes a whole run reproducible. Random numbers are always drawn on the
CPU with NumPy (so a seed gives the same model on every backend) and then moved to the device.
A thread may use a generator of its own (``use_generator``): data-parallel training gives each
slice of a batch its own child generator, so dropout masks do not depend on thread timing.
"""

from __future__ import annotations

import contextlib
import threading

import numpy as np

from . import backend
from .tensor import Tensor, get_default_dtype

_STATE = {"rng": np.random.default_rng(0)}
_LOCAL = threading.local()


def manual_seed(seed: int) -> None:
    """Reseed the global generator."""
    _STATE["rng"] = np.random.default_rng(seed)


def generator() -> np.random.Generator:
    """This thread's generator (see ``use_generator``), else the global one."""
    return getattr(_LOCAL, "rng", None) or _STATE["rng"]


@contextlib.contextmanager
def use_generator(rng: np.random.Generator):
    """Within the block, this thread draws from ``rng`` instead of the global generator."""
    old = getattr(_LOCAL, "rng", None)
    _LOCAL.rng = rng
    try:
        yield rng
    finally:
        _LOCAL.rng = old


def uniform_like(array, rng: np.random.Generator | None = None):
    """Uniform [0, 1) numbers with the shape of ``array``, on its device, in its float dtype."""
    rng = rng or generator()
    host = rng.random(array.shape, dtype=np.float32 if array.dtype == np.float32 else np.float64)
    return backend.to_device(host, backend.device_of(array))


def _shape(shape) -> tuple:
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)


def _float_dtype(dtype):
    dtype = np.dtype(dtype or get_default_dtype())
    if dtype.kind != "f":
        raise TypeError(f"random floats need a floating dtype, got {dtype}")
    return dtype


def randn(*shape, dtype=None, requires_grad: bool = False, device: str = "cpu"):
    """A tensor of ``shape`` with N(0, 1) entries from the seeded generator (default float dtype)."""
    dtype = _float_dtype(dtype)
    host = generator().standard_normal(_shape(shape)).astype(dtype)
    return Tensor(backend.to_device(host, device), requires_grad=requires_grad)


def rand(*shape, dtype=None, requires_grad: bool = False, device: str = "cpu"):
    """A tensor of ``shape`` with uniform [0, 1) entries from the seeded generator."""
    dtype = _float_dtype(dtype)
    host = generator().random(_shape(shape)).astype(dtype)
    return Tensor(backend.to_device(host, device), requires_grad=requires_grad)


def randint(low, high=None, size=None, dtype=None, device: str = "cpu"):
    """Integers in [low, high) of shape ``size`` (``randint(high, size)`` starts at 0), int64, as torch."""
    if size is None:                                   # randint(high, size)
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint needs a size, e.g. randint(0, 10, (3,))")
    host = generator().integers(low, high, tuple(size)).astype(dtype or np.int64)
    return Tensor(backend.to_device(host, device))
