"""Datasets and mini-batches (``torch.utils.data``'s names; also importable as ``minigrad.utils.data``).

A :class:`Dataset` answers ``len(ds)`` and ``ds[i]``. :class:`TensorDataset` wraps whole arrays
(images, labels) and lets :class:`DataLoader` slice a batch with one fancy-index per array
instead of collating samples one by one. Any other dataset is read item by item and the items
are joined by ``collate_fn`` (default :func:`default_collate`: stack each field into a Tensor).
:func:`random_split` cuts a dataset into random, non-overlapping :class:`Subset` s.

Shuffling draws from a :class:`Generator` (or a NumPy generator) when one is given, else from a
generator seeded with ``seed=``, else from minigrad's global one (``mg.manual_seed``), so a
given seed always yields the same batches. The permutations are NumPy's, not torch's: the same
seed gives other batches than in torch, with the same rules.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator

import numpy as np

from . import backend
from . import random as mg_random
from .tensor import Tensor


class Generator:
    """A seeded source of random numbers for loaders and splits (torch's ``torch.Generator``).

    ``Generator().manual_seed(42)`` returns the generator itself, as torch's does, so it can be
    written inline: ``random_split(ds, [0.8, 0.2], generator=mg.Generator().manual_seed(42))``.
    """

    def __init__(self, device: str = "cpu"):
        self._seed = 0
        self.rng = np.random.default_rng(0)

    def manual_seed(self, seed: int) -> Generator:
        self._seed = int(seed)
        self.rng = np.random.default_rng(self._seed)
        return self

    def initial_seed(self) -> int:
        return self._seed


def _numpy_rng(generator) -> np.random.Generator:
    """The NumPy generator behind ``generator``: ours, a NumPy one, or None (minigrad's global one)."""
    if generator is None:
        return mg_random.generator()
    if isinstance(generator, Generator):
        return generator.rng
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError("generator must be a minigrad.Generator or a numpy.random.Generator, "
                    f"got {type(generator).__name__}")


# ----------------------------------------------------------------------------- datasets
class Dataset:
    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, index):
        raise NotImplementedError


class TensorDataset(Dataset):
    """Arrays with the same first dimension; item i is the tuple of their i-th rows (as arrays)."""

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        self.arrays = [a.data if isinstance(a, Tensor) else np.asarray(a) for a in arrays]
        n = len(self.arrays[0])
        if any(len(a) != n for a in self.arrays):
            raise ValueError("TensorDataset arrays must have the same length (size mismatch between tensors)")

    @property
    def tensors(self) -> tuple:
        """The wrapped arrays (torch's attribute name)."""
        return tuple(self.arrays)

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)


class Subset(Dataset):
    """The items of ``dataset`` at ``indices``, in that order: ``Subset(ds, [3, 1])[0] == ds[3]``."""

    def __init__(self, dataset: Dataset, indices):
        self.dataset, self.indices = dataset, list(indices)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index):
        return self.dataset[self.indices[index]]


def random_split(dataset: Dataset, lengths, generator=None) -> list[Subset]:
    """Cut ``dataset`` into random non-overlapping Subsets of the given ``lengths``.

    ``lengths`` are counts that add up to len(dataset), or fractions that add up to 1: each
    subset then gets floor(fraction * n) items and the few left over go one each to the first
    subsets, round the list (torch's rule). ``generator`` fixes the shuffle (see the module text).
    """
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, frac in enumerate(lengths):
            if not 0 <= frac <= 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        counts = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(counts)):                       # the remainder, round robin
            counts[i % len(counts)] += 1
        for i, count in enumerate(counts):
            if count == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.",
                              UserWarning, stacklevel=2)
        lengths = counts
    if any(not isinstance(k, (int, np.integer)) or k < 0 for k in lengths):
        raise ValueError(f"lengths must be whole numbers >= 0 (or fractions that add up to 1), got {lengths}")
    if sum(lengths) != n:
        raise ValueError(f"Sum of input lengths ({sum(lengths)}) does not equal the length of the input dataset ({n})!")
    order = _numpy_rng(generator).permutation(n).tolist()
    subsets, start = [], 0
    for k in lengths:
        subsets.append(Subset(dataset, order[start:start + k]))
        start += k
    return subsets


# ----------------------------------------------------------------------------- batches
def _stack(items: list):
    """Join a list of samples field by field: tuples stay tuples, dicts stay dicts, numbers and
    arrays become one array with a new first axis (Python floats give float64, ints int64, as torch)."""
    first = items[0]
    if isinstance(first, dict):
        return {k: _stack([it[k] for it in items]) for k in first}
    if isinstance(first, (tuple, list)):
        return tuple(_stack(list(field)) for field in zip(*items))
    if isinstance(first, str):
        return list(items)
    return np.stack([it.data if isinstance(it, Tensor) else np.asarray(it) for it in items])


def _wrap(batch, device: str):
    """Arrays -> Tensors on ``device``, keeping the tuple / dict / list structure."""
    if isinstance(batch, dict):
        return {k: _wrap(v, device) for k, v in batch.items()}
    if isinstance(batch, tuple):
        return tuple(_wrap(v, device) for v in batch)
    if isinstance(batch, list):
        return batch
    return Tensor(backend.to_device(batch, device))


def default_collate(items: list):
    """The batch of a list of samples: each field stacked into one Tensor (see ``_stack``)."""
    return _wrap(_stack(items), "cpu")


class DataLoader:
    """Iterate over mini-batches: ``for x, y in DataLoader(ds, batch_size=64, shuffle=True)``.

    ``batch_size`` samples per batch; ``shuffle`` reorders every epoch (from ``generator``, else
    a generator seeded with ``seed``, else the global one); ``drop_last`` skips a short final
    batch; ``collate_fn(list of samples)`` builds a batch (default: :func:`default_collate`).
    minigrad extras: ``transform`` maps a batch's tuple of arrays (e.g. uint8 pixels -> float32
    in [0, 1]) before they become Tensors, ``device`` puts the batches there.

    torch's process options (``num_workers``, ``pin_memory``, ``timeout``...) are accepted and
    change nothing: batches are made in the calling thread. ``sampler`` / ``batch_sampler`` and
    ``batch_size=None`` are refused (NotImplementedError).
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None, sampler=None,
                 batch_sampler=None, num_workers: int = 0, collate_fn=None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None, multiprocessing_context=None,
                 generator=None, *, prefetch_factor=None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True, seed: int | None = None, transform=None,
                 device: str = "cpu"):
        if sampler is not None or batch_sampler is not None:
            raise NotImplementedError("minigrad's DataLoader has no sampler / batch_sampler: use shuffle=True, or "
                                      "a Subset of the dataset")
        if batch_size is None:
            raise NotImplementedError("batch_size=None (one sample at a time) is not supported: index the dataset")
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative")
        self.dataset, self.batch_size, self.shuffle = dataset, int(batch_size), bool(shuffle)
        self.drop_last, self.collate_fn, self.transform, self.device = drop_last, collate_fn, transform, device
        if generator is not None:
            self.generator = _numpy_rng(generator)
        elif seed is not None:
            self.generator = np.random.default_rng(seed)
        else:
            self.generator = None            # the global generator, read at each epoch

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _batch(self, index: np.ndarray):
        dataset = self.dataset
        while isinstance(dataset, Subset) and self.collate_fn is None:    # a split of arrays: index them
            index, dataset = np.asarray(dataset.indices)[index], dataset.dataset
        if isinstance(dataset, TensorDataset) and self.collate_fn is None:
            arrays = tuple(a[index] for a in dataset.arrays)
        else:
            items = [dataset[int(i)] for i in index]
            if self.collate_fn is not None:
                return self.collate_fn(items)
            arrays = _stack(items)
        if self.transform is not None:
            arrays = tuple(self.transform(arrays))
        return _wrap(arrays, self.device)

    def __iter__(self) -> Iterator:
        n = len(self.dataset)
        if self.shuffle:
            order = (self.generator or mg_random.generator()).permutation(n)
        else:
            order = np.arange(n)
        stop = n - n % self.batch_size if self.drop_last else n
        for start in range(0, stop, self.batch_size):
            yield self._batch(order[start:start + self.batch_size])


__all__ = ["Dataset", "TensorDataset", "Subset", "DataLoader", "random_split", "default_collate", "Generator"]
