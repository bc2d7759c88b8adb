"""minigrad vs PyTorch CPU: training-epoch speed of the MLP and the CNN, and autograd overhead.

Both frameworks train the SAME architecture (train_mnist.make_model) from the same data with
Adam, batch 64, float32, in the same process, alternating runs. PyTorch keeps its default thread
count (intra-op threads); minigrad splits each batch between as many threads (data-parallel,
as train_mnist does), each with one BLAS thread. The MLP row runs both at one thread.
"""

from __future__ import annotations

import numpy as np

from tools.bench_harness import Comparison


def _mnist(limit: int | None):
    from phase5_capstone.train_mnist import load_images

    x, y, *_ = load_images("mnist")
    return np.ascontiguousarray(x[:limit]), y[:limit]


def _epoch_pair(kind: str, x: np.ndarray, y: np.ndarray, batch: int = 64, threads: int | None = None):
    import torch

    import minigrad as mg
    from phase5_capstone.train_mnist import make_model

    def ours():
        mg.manual_seed(0)
        model = make_model(mg, kind, x.shape[1:])
        opt = mg.Adam(model.parameters(), lr=1e-3)
        with mg.threads.blas_threads(threads):
            for i in range(0, len(x), batch):
                xb, yb = x[i:i + batch], y[i:i + batch]
                opt.zero_grad()   # train_mnist's step: the batch split between the threads (data-parallel)
                loss = mg.threads.data_parallel(lambda rows: mg.cross_entropy(model(mg.Tensor(xb[rows])), yb[rows]),  # noqa: B023
                                                len(xb))
                opt.step()
        return loss

    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def reference():
        torch.manual_seed(0)
        saved = torch.get_num_threads()
        if threads:
            torch.set_num_threads(threads)
        model = make_model(torch.nn, kind, x.shape[1:])
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        for i in range(0, len(x), batch):
            loss = torch.nn.functional.cross_entropy(model(xt[i:i + batch]), yt[i:i + batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
        torch.set_num_threads(saved)
        return loss.item()

    return ours, reference


def _last_loss(o, r):
    return ("last mini-batch loss", float(o), float(r))


def mlp_epoch():
    """A third of an MNIST epoch (20,000 images) of the 784-256-128-10 MLP, batch 64, Adam (time scales
    linearly). One warm-up pass each, then the median of three interleaved passes."""
    x, y = _mnist(20_000)
    ours, ref = _epoch_pair("mlp", x, y, threads=1)
    return Comparison("minigrad: MLP on 20k MNIST images (1/3 epoch, batch 64, Adam)", ours, ref,
                      "PyTorch CPU, same model", max_ratio=1.0, quality=_last_loss, repeats=3, warmup=1,
                      note="1 thread each: BLAS limit for ours, torch.set_num_threads(1)")


def cnn_epoch():
    """A twelfth of an MNIST epoch (5,000 images) of the 2-conv CNN, batch 64, Adam (time scales linearly).

    One warm-up pass each, then the median of three interleaved passes: a single cold pass of
    either framework swings by 30% or more on a 2-core machine.
    """
    x, y = _mnist(5_000)
    ours, ref = _epoch_pair("cnn", x, y)
    return Comparison("minigrad: CNN on 5k MNIST images (1/12 epoch, batch 64, Adam)", ours, ref,
                      "PyTorch CPU, same model", max_ratio=2.0, quality=_last_loss, repeats=3, warmup=1)


def autograd_overhead():
    """Build and differentiate a 200-op graph of small (8, 8) tensors: pure bookkeeping cost."""
    import minigrad as mg

    rng = np.random.default_rng(0)
    a = mg.tensor(rng.standard_normal((8, 8)).astype(np.float32), requires_grad=True)
    b = mg.tensor(rng.standard_normal((8, 8)).astype(np.float32), requires_grad=True)

    def graph_200():
        h = a
        for _ in range(40):                     # 5 ops per round -> 200 ops
            h = ((h @ b) * 0.1 + a).tanh() - b
        h.sum().backward()
        a.grad = b.grad = None
        return h

    return Comparison("minigrad: forward+backward of a 200-op graph of 8x8 tensors", graph_200, None,
                      "budget 2 ms", max_ratio=1.0, budget_s=0.002, repeats=21, warmup=3)


def all_minigrad():
    return [autograd_overhead(), mlp_epoch(), cnn_epoch()]


def cnn_textbook_conv(batches: int = 4, batch: int = 64):
    """The textbook tier: forward+backward of the MNIST CNN with ``Conv2d(fused=False)`` (a sum over
    kernel offsets, gradients by autograd) on ``batches`` batches of 64, vs PyTorch CPU with the
    same weights on the same batches. For reading, not for speed: no target ratio."""
    import torch

    import minigrad as mg
    from phase5_capstone.train_mnist import make_model

    x, y = _mnist(batches * batch)
    mg.manual_seed(0)
    model = make_model(mg, "cnn", x.shape[1:])
    for layer in model:
        if isinstance(layer, mg.Conv2d):
            layer.fused = False
    theirs = make_model(torch.nn, "cnn", x.shape[1:])
    theirs.load_state_dict({k.removeprefix("layers."): torch.tensor(v) for k, v in model.state_dict().items()})
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def ours():
        for i in range(0, len(x), batch):
            xb, yb = x[i:i + batch], y[i:i + batch]
            model.zero_grad()   # as train_mnist does: the batch split between the threads (data-parallel)
            loss = mg.threads.data_parallel(lambda rows: mg.cross_entropy(model(mg.Tensor(xb[rows])), yb[rows]),  # noqa: B023
                                            len(xb))
        return loss

    def reference():
        for i in range(0, len(x), batch):
            theirs.zero_grad()
            loss = torch.nn.functional.cross_entropy(theirs(xt[i:i + batch]), yt[i:i + batch])
            loss.backward()
        return loss.item()

    return Comparison(f"minigrad: CNN forward+backward with the textbook conv2d ({batches} MNIST batches of {batch})",
                      ours, reference, "PyTorch CPU, same model and weights", quality=_last_loss, repeats=3,
                      warmup=1, note="textbook tier (Conv2d(fused=False)); the fused tier is the CNN row above")
