"""minigrad's worker processes: data-parallel training with one process per core.

This is the fast tier of :func:`minigrad.threads.data_parallel`, and the way PyTorch's
DistributedDataParallel spreads a batch over GPUs: one *process* per device, each with its own
copy of the model, the gradients summed after the backward pass.

Why processes and not threads? Threads share one Python interpreter, and only one thread runs
Python at a time (the GIL). NumPy lets go of it inside a big loop, but building a graph node,
walking the backward pass or calling a small op is Python, so two threads keep waiting for each
other. Measured on the GPT of final_gpt at 4 layers x 128, batch 12 (half each), 15 alternating
rounds of 10 training steps in one run: 51.3 ms a step with two threads, 43.7 ms with two
processes, each process's half taking 39 ms, as long as one alone.

One call, ``P`` workers, the caller being worker 0 (each worker owns a slice of the batch):

    1. every parameter's values live in one flat shared array, W: the workers' parameters are
       views of it, and so are the caller's, so an optimizer's in-place update is already in W
       (a parameter whose ``.data`` was replaced, say by ``p.data = p.data - lr * g``, is
       copied back into W and made a view again)
    2. the caller sends each worker its slice of the batch and its random generator (dropout)
    3. every worker, the caller included, runs forward and backward on its slice:
           loss_k = (n_k / n) * mean loss of slice k
       and each other worker writes its gradients into its own flat shared array, G_k
    4. the caller adds G_1 ... G_{P-1} into its parameters' ``.grad``:
           sum_k d loss_k / dW = d (mean loss over the batch) / dW

so the gradients are those of one pass over the whole batch (to float32 rounding, tested in
tests/minigrad/test_processes.py), and the loss returned is the batch's mean loss. The slices
draw their random numbers from the same child generators as the threads' version, so a seeded
run with dropout gives the same masks with threads or processes.

The workers are made with ``fork`` (Linux): each starts as a copy of the caller, model, data and
any function a learner has put in place included. Where ``fork`` is missing, :func:`available`
says no and training uses threads.

    par = DataParallel(model, lambda x, y: model.loss(x, y), workers=2)
    loss = par(x, y)          # p.grad of every parameter now holds the batch's gradient
    par.close()               # or: with DataParallel(...) as par:
"""

from __future__ import annotations

import contextlib
import mmap
import multiprocessing
import os
import signal
import sys
import traceback
import weakref

import numpy as np

from . import threads
from .random import generator, use_generator


def available() -> bool:
    """Can this machine run worker processes? (``fork`` is needed: Linux.)"""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def _shared_array(size: int, dtype) -> np.ndarray:
    """A flat array in anonymous shared memory: after a fork, parent and child see the same bytes."""
    dtype = np.dtype(dtype)
    buffer = mmap.mmap(-1, max(1, size * dtype.itemsize))    # MAP_SHARED | MAP_ANONYMOUS
    return np.frombuffer(buffer, dtype=dtype, count=size)


class DataParallel:
    """Forward and backward of a batch split over ``workers`` processes (see the module docstring).

    ``model``: a :class:`minigrad.nn.Module` whose parameters are NumPy arrays of one float dtype.
    ``loss_of(*arrays)``: builds the graph of the examples ``arrays`` (each cut along axis 0) on
    ``model`` and returns their *mean* loss. In a worker it runs on that worker's copy of the
    model. Calling the object returns the mean loss of the batch and leaves its gradient in
    ``p.grad`` (added to what is there, like ``backward``). Only the parameters and the
    train/eval mode are passed on at each call: a model with buffers is refused.
    """

    def __init__(self, model, loss_of, workers: int | None = None):
        if not available():
            raise RuntimeError("worker processes need fork (Linux); use minigrad.threads.data_parallel")
        self.model, self.loss_of = model, loss_of
        self.workers = max(1, min(8, workers or threads.num_threads()))
        self.params = model.parameters()
        if model.buffers():
            raise ValueError("DataParallel passes parameters only; this model has buffers")
        dtypes = {p.data.dtype for p in self.params}
        if len(dtypes) != 1 or any(type(p.data) is not np.ndarray for p in self.params):
            raise ValueError("DataParallel needs parameters that are NumPy arrays of one dtype")
        self.dtype = dtypes.pop()
        self.offsets = np.cumsum([0] + [p.data.size for p in self.params]).tolist()
        total = self.offsets[-1]
        self.weights = _shared_array(total, self.dtype)                              # W
        self.grads = [_shared_array(total, self.dtype) for _ in range(self.workers - 1)]   # G_1 ...
        self._own = [self._view(self.weights, i) for i in range(len(self.params))]  # the caller's views
        self._conns, self._procs, self._closed = [], [], False
        context = multiprocessing.get_context("fork")
        for k in range(1, self.workers):
            mine, theirs = context.Pipe()
            proc = context.Process(target=self._serve, args=(k, theirs), daemon=True,
                                   name=f"minigrad-worker-{k}")
            proc.start()
            theirs.close()
            self._conns.append(mine)
            self._procs.append(proc)
        self._finalizer = weakref.finalize(self, _shut_down, self._conns, self._procs)

    def _view(self, flat: np.ndarray, i: int) -> np.ndarray:
        """Parameter i's stretch of a flat array, in the parameter's shape."""
        return flat[self.offsets[i]:self.offsets[i + 1]].reshape(self.params[i].data.shape)

    # -- in the caller
    def __call__(self, *arrays) -> float:
        if self._closed:
            raise RuntimeError("this DataParallel is closed")
        n = len(arrays[0])
        parts = min(self.workers, n)
        slices = [slice(n * k // parts, n * (k + 1) // parts) for k in range(parts)]
        rngs = generator().spawn(parts) if parts > 1 else [None]   # as threads.data_parallel does
        for i, p in enumerate(self.params):                          # 1. the caller's weights in W
            if p.data is not self._own[i]:
                self._own[i][...] = p.data
                p.data = self._own[i]
        for k in range(1, parts):                                    # 2. the other slices, sent
            work = ([a[slices[k]] for a in arrays], (slices[k].stop - slices[k].start) / n, rngs[k],
                    self.model.training)
            try:
                self._conns[k - 1].send(work)
            except OSError:                                          # a broken pipe: the worker is gone
                self._stopped(k)
        try:                                                         # 3. the caller's own slice
            with threads.blas_threads(1 if parts > 1 else None):
                total = _forward_backward(self.loss_of, [a[slices[0]] for a in arrays],
                                          (slices[0].stop - slices[0].start) / n, rngs[0])
        finally:
            replies = [self._receive(k) for k in range(1, parts)]    # always: each worker answers once
        for k, reply in enumerate(replies, start=1):
            if isinstance(reply, str):
                raise RuntimeError(f"data-parallel worker {k} failed:\n{reply}")
            total += reply
            for i, p in enumerate(self.params):                      # 4. .grad += G_k
                if p.grad is None:
                    p.add_grad(self._view(self.grads[k - 1], i))
                else:                                                # a leaf's .grad is its own: in place
                    p.grad += self._view(self.grads[k - 1], i)
        return total

    def _receive(self, k: int):
        conn, proc = self._conns[k - 1], self._procs[k - 1]
        while not conn.poll(1.0):
            if not proc.is_alive():
                self._stopped(k)
        try:
            return conn.recv()
        except EOFError:
            self._stopped(k)

    def _stopped(self, k: int):
        proc = self._procs[k - 1]
        proc.join(timeout=1)
        self.close()
        raise RuntimeError(f"data-parallel worker {k} stopped (exit code {proc.exitcode})")

    def close(self) -> None:
        """Stop the worker processes (also done when the object is garbage-collected or at exit)."""
        self._finalizer()
        self._conns, self._procs, self._closed = [], [], True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # -- in a worker process
    def _serve(self, k: int, conn) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl-C is the caller's to handle
        threads._POOL[0] = None                          # the caller's thread pool did not come along
        threads.blas_threads(1)                          # one core per worker
        for i, p in enumerate(self.params):
            p.data = self._view(self.weights, i)         # W: the caller's weights at each call
        grads = [self._view(self.grads[k - 1], i) for i in range(len(self.params))]
        while True:
            try:
                work = conn.recv()
            except EOFError:                             # the caller has gone
                break
            if work is None:
                break
            arrays, share, rng, training = work
            try:
                self.model.train(training)
                for p in self.params:
                    p.grad = None
                loss = _forward_backward(self.loss_of, arrays, share, rng)
                for p, g in zip(self.params, grads):
                    if p.grad is None:
                        g[...] = 0
                    else:
                        g[...] = p.grad
                conn.send(loss)
            except Exception:
                conn.send(traceback.format_exc())
        conn.close()
        os._exit(0)


def _forward_backward(loss_of, arrays, share: float, rng) -> float:
    """loss_k = share x mean loss of the slice; backward; returns loss_k."""
    with use_generator(rng) if rng is not None else contextlib.nullcontext():
        loss = loss_of(*arrays)
    if share != 1:
        loss = loss * share
    loss.backward()
    return float(loss.item())


def _shut_down(conns, procs) -> None:
    for conn in conns:
        try:
            conn.send(None)
            conn.close()
        except OSError:
            pass
    for proc in procs:
        proc.join(timeout=2)
        if proc.is_alive():
            proc.terminate()
            proc.join(timeout=2)
