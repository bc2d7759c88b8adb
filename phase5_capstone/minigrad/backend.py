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

import contextlib
import importlib
import os
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


# ----------------------------------------------------------------------------- threads
# NumPy runs each array expression on one core, but it releases Python's GIL while it loops, so
# the same expression applied to separate row blocks from several threads runs on several cores
# at once. PyTorch's kernels split their loops the same way. minigrad uses this for its heavy
# elementwise ops (fused LayerNorm, the GPT's GELU and attention) and for the optimizer step.
_THREADS = [max(1, min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))]
_POOL: list = [None]
MIN_PARALLEL_SIZE = 1 << 15     # smaller arrays: splitting costs more than it saves


def num_threads() -> int:
    """How many threads minigrad's elementwise work may use (default: the cores, at most 8)."""
    return _THREADS[0]


def _pool():
    if _POOL[0] is None:
        from concurrent.futures import ThreadPoolExecutor

        _POOL[0] = ThreadPoolExecutor(max_workers=7, thread_name_prefix="minigrad")
    return _POOL[0]


def parallel_rows(kernel, *arrays, min_size: int = MIN_PARALLEL_SIZE) -> None:
    """Call ``kernel(*blocks)`` on matching row blocks of ``arrays``, one block per thread.

    ``kernel`` receives views of the same rows (axis 0) of every array and writes its results
    into them; it must not depend on other rows. Small arrays, GPU arrays and one-thread
    settings simply run ``kernel(*arrays)``. Returns when every block is done.
    """
    first = arrays[0]
    n = first.shape[0] if first.ndim else 0
    parts = min(_THREADS[0], n)
    if parts < 2 or type(first) is not np.ndarray or first.size < min_size:
        kernel(*arrays)
        return
    bounds = [n * i // parts for i in range(parts + 1)]
    jobs = [_pool().submit(kernel, *(a[lo:hi] for a in arrays)) for lo, hi in zip(bounds[1:-1], bounds[2:])]
    kernel(*(a[:bounds[1]] for a in arrays))           # this thread takes the first block
    for job in jobs:
        job.result()


def parallel_map(fn, items: list) -> None:
    """Call ``fn(item)`` for every item, spread over the threads (e.g. one optimizer update per
    parameter). ``fn`` must not touch another item's arrays."""
    parts = min(_THREADS[0], len(items))
    if parts < 2:
        for item in items:
            fn(item)
        return
    chunks = [items[i::parts] for i in range(parts)]

    def run(chunk):
        for item in chunk:
            fn(item)

    jobs = [_pool().submit(run, chunk) for chunk in chunks[1:]]
    run(chunks[0])
    for job in jobs:
        job.result()


def data_parallel(loss_of, n: int, workers: int | None = None) -> float:
    """Data-parallel forward and backward: split a batch of ``n`` examples into ``workers``
    slices and run each slice's graph on its own thread, like DDP across the cores of one CPU.

    ``loss_of(sl)`` builds the graph for the examples ``sl`` (a slice) and returns their *mean*
    loss. Each slice's loss is weighted by its share of the batch and backpropagated in its own
    thread; the parameters' ``.grad`` collect the sum, which is the gradient of the mean over the
    whole batch (``add_grad`` locks leaves, so the threads can add into the same parameter).
    Inside, BLAS and the elementwise helpers run one thread per worker, and each slice draws its
    random numbers (dropout) from its own child of the global generator, so a seeded run gives
    the same result however the threads are scheduled. Returns the mean loss.
    """
    from .random import generator, use_generator

    workers = max(1, min(n, workers or _THREADS[0]))
    slices = [slice(n * i // workers, n * (i + 1) // workers) for i in range(workers)]

    def run(sl, rng=None) -> float:
        with contextlib.nullcontext() if rng is None else use_generator(rng):
            loss = loss_of(sl)
        if sl.stop - sl.start != n:
            loss = loss * ((sl.stop - sl.start) / n)
        loss.backward()
        return float(loss.item())

    if workers < 2:
        return run(slices[0])
    rngs = generator().spawn(workers)          # deterministic children; the parent's stream is untouched
    with blas_threads(1):
        jobs = [_pool().submit(run, sl, rng) for sl, rng in zip(slices[1:], rngs[1:])]
        total = run(slices[0], rngs[0])
        return total + sum(job.result() for job in jobs)


_BLAS: list = []    # threadpoolctl's view of NumPy's BLAS, found once (finding it takes ~0.5 ms)


def _blas_controller():
    if not _BLAS:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - threadpoolctl is a core dependency
            _BLAS.append(None)
        else:
            _BLAS.append(ThreadpoolController().select(user_api="blas"))
    return _BLAS[0]


class blas_threads:
    """Limit minigrad to ``n`` threads: NumPy's BLAS and minigrad's own elementwise threads.

    A context manager, which also takes effect when just called (until the program ends).
    Small products (an MLP at batch 64) do not gain from threads, and on a busy machine idle BLAS
    threads spin and stall each other (measured: an MLP epoch 10x slower with 2 threads under
    load). ``None`` leaves the settings alone.
    """

    def __init__(self, n: int | None):
        self._saved, self._blas = _THREADS[0], None
        if n is None:
            return
        _THREADS[0] = max(1, int(n))
        controller = _blas_controller()
        if controller is not None:
            self._blas = controller.limit(limits=n)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _THREADS[0] = self._saved
        if self._blas is not None:
            self._blas.restore_original_limits()
        return False
