"""minigrad's threads: spreading NumPy work over the CPU's cores.

NumPy runs each array expression on one core, but it releases Python's GIL while it loops, so
the same expression applied to separate row blocks from several threads runs on several cores
at once. PyTorch's kernels split their loops the same way. minigrad uses this in its fast tier
(fused LayerNorm, the GPT's fused GELU and attention), for the optimizer step, and for
data-parallel training. The textbook ops never need it.

* ``parallel_rows(kernel, *arrays)``  one kernel call per block of rows
* ``parallel_map(fn, items)``         one call per item, items spread over the threads
* ``data_parallel(loss_of, n)``       forward + backward of batch slices on separate threads
                                      (its fast tier, on processes: minigrad/processes.py)
* ``blas_threads(n)``                 limit NumPy's BLAS and minigrad's own threads to n
"""

from __future__ import annotations

import contextlib
import os

import numpy as np

from .random import generator, use_generator

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
