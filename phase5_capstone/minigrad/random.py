"""minigrad's random numbers: one seeded generator for initialisation, dropout and shuffling.

``mg.manual_seed(42)`` makes a whole run reproducible. Random numbers are always drawn on the
CPU with NumPy (so a seed gives the same model on every backend) and then moved to the device.
"""

from __future__ import annotations

import numpy as np

from . import backend

_STATE = {"rng": np.random.default_rng(0)}


def manual_seed(seed: int) -> None:
    """Reseed the global generator."""
    _STATE["rng"] = np.random.default_rng(seed)


def generator() -> np.random.Generator:
    return _STATE["rng"]


def uniform_like(array, rng: np.random.Generator | None = None):
    """Uniform [0, 1) numbers with the shape of ``array``, on its device, in its float dtype."""
    rng = rng or _STATE["rng"]
    host = rng.random(array.shape, dtype=np.float32 if array.dtype == np.float32 else np.float64)
    return backend.to_device(host, backend.device_of(array))
