"""The backend seam: which array library holds a tensor's numbers.

minigrad never calls ``numpy`` directly inside an op; it asks the tensor's array module ``xp``
(``numpy`` on the CPU, ``cupy`` on an NVIDIA GPU). CuPy mirrors NumPy's API, so the same op code
runs on both. A tensor's device is read off its array: a ``numpy.ndarray`` lives on ``"cpu"``,
anything else on ``"cuda"``.

CuPy is optional (``pip install mlfp[cuda]``). Asking for ``device="cuda"`` without it raises a
clear ``RuntimeError``. Tests replace the loader with :func:`register_backend` to exercise the
seam on a machine with no GPU.
"""

from __future__ import annotations

import importlib
from types import ModuleType

import numpy as np

_MODULES: dict[str, ModuleType] = {"cpu": np}


def register_backend(device: str, module: ModuleType | None) -> None:
    """Use ``module`` as the array library for ``device`` (``None`` forgets it). For tests."""
    if module is None:
        _MODULES.pop(device, None)
    else:
        _MODULES[device] = module


def get_array_module(device: str = "cpu") -> ModuleType:
    """The NumPy-like module for ``device`` ("cpu" or "cuda")."""
    if device in _MODULES:
        return _MODULES[device]
    if device == "cuda":
        try:
            module = importlib.import_module("cupy")
            module.cuda.runtime.getDeviceCount()
        except Exception as exc:  # ImportError, or CuPy present but no usable GPU
            raise RuntimeError("device='cuda' needs CuPy and an NVIDIA GPU "
                               "(pip install 'mlfp[cuda]'); use device='cpu'") from exc
        _MODULES["cuda"] = module
        return module
    raise ValueError(f"unknown device {device!r}; use 'cpu' or 'cuda'")


def device_of(array) -> str:
    """The device an array lives on: "cpu" for NumPy arrays and plain Python data, else "cuda"."""
    if type(array) is np.ndarray:  # the hot path
        return "cpu"
    for name, module in _MODULES.items():
        if name != "cpu" and module is not np and isinstance(array, module.ndarray):
            return name
    if type(array).__module__.startswith("cupy"):
        return "cuda"
    return "cpu"  # NumPy scalars, lists, Python numbers: they become NumPy arrays


def module_of(array):
    """The array module that owns ``array``."""
    if type(array) is np.ndarray:
        return np
    device = device_of(array)
    return np if device == "cpu" else get_array_module(device)


def to_numpy(array) -> np.ndarray:
    """Copy an array of any backend to host memory as a NumPy array."""
    if type(array) is np.ndarray:
        return array
    if hasattr(array, "get") and not isinstance(array, np.ndarray):  # cupy.ndarray
        return array.get()
    return np.asarray(array)


def to_device(array, device: str):
    """The same numbers as an array on ``device``."""
    if device_of(array) == device:
        return array
    host = to_numpy(array)
    return host if device == "cpu" else get_array_module(device).asarray(host)


def scatter_add(xp: ModuleType, target, index, values) -> None:
    """``target[index] += values`` with repeated indices accumulated (np.add.at / cupyx.scatter_add).

    The common case, whole rows picked by one integer array (an embedding's backward), is done by
    sorting the ids and summing each run of equal ids with one ``np.add.reduceat``: the same sums,
    several times faster than ``np.add.at``.
    """
    if xp is np or not hasattr(xp, "cuda"):
        if isinstance(index, np.ndarray) and index.dtype.kind in "iu" and index.size \
                and values.shape == index.shape + target.shape[1:]:
            ids = index.reshape(-1)
            ids = np.where(ids < 0, ids + target.shape[0], ids)
            order = np.argsort(ids, kind="stable")
            ids = ids[order]
            starts = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))
            rows = values.reshape((ids.size,) + target.shape[1:])[order]
            target[ids[starts]] += np.add.reduceat(rows, starts, axis=0)
        else:
            xp.add.at(target, index, values)
    else:  # pragma: no cover - needs a GPU
        import cupyx

        cupyx.scatter_add(target, index, values)


def erf(xp: ModuleType, x):
    """The error function elementwise (SciPy / cupyx when present, else a 1e-7-accurate series)."""
    try:
        if xp is np:
            from scipy.special import erf as _erf
        else:  # pragma: no cover - needs a GPU
            from cupyx.scipy.special import erf as _erf
        return _erf(x)
    except ImportError:  # Abramowitz & Stegun 7.1.26, |error| < 1.5e-7
        sign = xp.sign(x)
        a = xp.abs(x)
        t = 1.0 / (1.0 + 0.3275911 * a)
        poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
        return sign * (1.0 - poly * xp.exp(-a * a))
