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
