"""torch's ``torch.utils`` namespace: ``minigrad.utils.data`` holds the datasets and loaders."""

from . import data

__all__ = ["data"]
