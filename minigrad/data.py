"""Datasets and mini-batches.

A :class:`Dataset` answers ``len(ds)`` and ``ds[i]``. :class:`TensorDataset` wraps whole arrays
(images, labels) and lets :class:`DataLoader` slice a batch with one fancy-index per array
instead of collating samples one by one. The loader shuffles with its own seeded generator, so a
given seed always yields the same batches.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from . import backend
from .tensor import Tensor


class Dataset:
    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, index):
        raise NotImplementedError


class TensorDataset(Dataset):
    """Arrays with the same first dimension; item i is the tuple of their i-th rows."""

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        self.arrays = [a.data if isinstance(a, Tensor) else np.asarray(a) for a in arrays]
        n = len(self.arrays[0])
        if any(len(a) != n for a in self.arrays):
            raise ValueError("TensorDataset arrays must have the same length")

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)


class DataLoader:
    """Iterate over (x, y, ...) mini-batches as Tensors.

    ``batch_size`` rows per batch; ``shuffle`` reorders every epoch (seeded by ``seed``);
    ``drop_last`` skips a short final batch; ``transform`` maps each batch of arrays (e.g.
    uint8 pixels -> float32 in [0, 1]) before wrapping; ``device`` moves batches there.
    """

    def __init__(self, dataset: Dataset, batch_size: int = 64, shuffle: bool = False, seed: int = 0,
                 drop_last: bool = False, transform=None, device: str = "cpu"):
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.dataset, self.batch_size, self.shuffle = dataset, batch_size, shuffle
        self.drop_last, self.transform, self.device = drop_last, transform, device
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _batch(self, index: np.ndarray) -> tuple:
        if isinstance(self.dataset, TensorDataset):
            arrays = tuple(a[index] for a in self.dataset.arrays)
        else:
            items = [self.dataset[int(i)] for i in index]
            items = [it if isinstance(it, tuple) else (it,) for it in items]
            arrays = tuple(np.stack([np.asarray(it[j]) for it in items]) for j in range(len(items[0])))
        if self.transform is not None:
            arrays = tuple(self.transform(arrays))
        return tuple(Tensor(backend.to_device(a, self.device)) for a in arrays)

    def __iter__(self) -> Iterator[tuple]:
        n = len(self.dataset)
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        stop = n - n % self.batch_size if self.drop_last else n
        for start in range(0, stop, self.batch_size):
            yield self._batch(order[start:start + self.batch_size])
