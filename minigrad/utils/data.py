"""``torch.utils.data``'s names, so ``from minigrad.utils.data import DataLoader`` works.

The code lives in ``minigrad/data.py``; this module only re-exports it.
"""

from ..data import DataLoader, Dataset, Generator, Subset, TensorDataset, default_collate, random_split

__all__ = ["Dataset", "TensorDataset", "Subset", "DataLoader", "random_split", "default_collate", "Generator"]
