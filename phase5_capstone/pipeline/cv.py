"""Splits and K-fold cross-validation, from scratch.

    fixed split   shuffle the row ids once (seeded): 20% test, then 15% of the rest for conformal
                  calibration; the remaining rows train the models
    K-fold CV     cut the shuffled training ids into K nearly equal folds; for k = 1..K fit the
                  preprocessing AND the model on the other K-1 folds, score fold k:
                  CV RMSE = mean_k sqrt(mean_{i in fold k} (y_i - f_{-k}(x_i))^2)
Fitting the preprocessing inside each fold keeps the held-out fold unseen, as in production.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pandas as pd

from common import metrics
from phase5_capstone.pipeline.features import Preprocessor


class Split(NamedTuple):
    train: np.ndarray        # row ids
    calibration: np.ndarray
    test: np.ndarray


def split_rows(n: int, test: float = 0.2, calibration: float = 0.15, seed: int = 42) -> Split:
    """Disjoint row ids covering range(n): test, then calibration from the rest, then train.

    Shuffle range(n) once with ``np.random.default_rng(seed).permutation(n)``; the first
    n_test = max(1, round(test * n)) shuffled ids are the test rows, the next
    n_cal = round(calibration * (n - n_test)) the calibration rows, the rest train. Each part is
    returned sorted. No id may be in two parts: a test row that is also a training or
    calibration row leaks into the model or into the interval width.
    """
    if not (0 < test < 1 and 0 <= calibration < 1):
        raise ValueError("test must be in (0, 1) and calibration in [0, 1)")
    order = np.random.default_rng(seed).permutation(n)
    n_test = max(1, int(round(test * n)))
    n_cal = int(round(calibration * (n - n_test)))
    return Split(np.sort(order[n_test + n_cal:]), np.sort(order[n_test:n_test + n_cal]), np.sort(order[:n_test]))


def kfold_indices(n: int, k: int = 5, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """K (train ids, validation ids) pairs; the validation folds partition range(n).

    Fold sizes differ by at most one (the first n % k folds get one extra row, like scikit-learn).
    """
    if not 2 <= k <= n:
        raise ValueError(f"need 2 <= k <= n, got k={k}, n={n}")
    order = np.random.default_rng(seed).permutation(n)
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    folds = []
    for i in range(k):
        val = order[bounds[i]:bounds[i + 1]]
        train = np.concatenate([order[:bounds[i]], order[bounds[i + 1]:]])
        folds.append((np.sort(train), np.sort(val)))
    return folds


def cross_val_rmse(frame: pd.DataFrame, target: str, make: Callable[[], object], k: int = 5,
                   seed: int = 0) -> np.ndarray:
    """(k,) validation RMSE of each fold; preprocessing and model are refitted per fold."""
    y = frame[target].to_numpy(dtype=float)
    scores = []
    for train, val in kfold_indices(len(frame), k, seed):
        pre = Preprocessor.fit(frame.iloc[train], target)
        model = make().fit(pre.transform(frame.iloc[train]), y[train])
        scores.append(metrics.rmse(y[val], model.predict(pre.transform(frame.iloc[val]))))
    return np.array(scores)
