"""From an arbitrary CSV table to a numeric design matrix, with clear errors for what cannot work.

Used by the phase-4 scripts (and anyone who trains on a user-supplied CSV)::

    table = design_matrix(frame, target="MEDV", task="regression", drop=("B",))
    table.X          # (n, d) float64, no NaN
    table.y          # (n,) float64 (regression) or int64 class indices (classification)
    table.features   # d column names ("Sex" for a 2-level column, "Embarked=Q" for one-hot)
    table.classes    # class names (classification) or None
    table.notes      # what was done to the data, one line each (imputed, dropped, encoded)

Rules (stated, so a learner can predict what happens to their file):

* rows whose target is missing are dropped; a missing target column is an error;
* numeric feature columns: missing or infinite values are replaced by the column median;
  columns that are entirely missing are dropped;
* text (categorical) feature columns with at most ``max_categories`` distinct values are
  one-hot encoded, dropping the first level (a 2-level column becomes one 0/1 column under its own
  name, e.g. ``Sex`` with female=0, male=1); missing text becomes its own level "missing";
  text columns with more levels (names, tickets, free text) are dropped with a note;
* a regression target must be numeric; a classification target needs 2..``max_classes`` classes;
* column names are stripped of surrounding spaces, so two names that differ only by spaces
  ("a" and " a") are refused as ambiguous (datasets.read_table also refuses numbers beyond
  +/- datasets.MAX_MAGNITUDE in a user's file).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from common.cli import UserError
from common.datasets import check_column_names

MAX_CATEGORIES = 20
MAX_CLASSES = 50


@dataclass
class Table:
    X: np.ndarray
    y: np.ndarray | None
    features: list[str]
    classes: list[str] | None = None
    notes: list[str] = field(default_factory=list)
    levels: dict[str, list[str]] = field(default_factory=dict)  # 2-level columns: [level0, level1]


def _is_numeric(series) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


def _as_number(series):
    """A numeric column as float (bools too), or None if the column is text."""
    import pandas as pd

    if _is_numeric(series):
        return pd.to_numeric(series, errors="coerce").astype(float)
    converted = pd.to_numeric(series, errors="coerce")
    present = series.notna()
    if present.any() and converted[present].notna().all():  # "1.5" stored as text
        return converted.astype(float)
    return None


def check_columns(frame, names: Sequence[str], what: str = "column") -> None:
    """UserError naming the available columns if any of ``names`` is missing."""
    missing = [n for n in names if n not in frame.columns]
    if missing:
        cols = ", ".join(map(str, frame.columns))
        raise UserError(f"no {what} {missing[0]!r} in the data (columns: {cols})")


def design_matrix(frame, target: str | None = None, *, task: str = "regression",
                  drop: Sequence[str] = (), features: Sequence[str] | None = None,
                  max_categories: int = MAX_CATEGORIES, max_classes: int = MAX_CLASSES) -> Table:
    """Turn a DataFrame into (X, y) following the rules in the module docstring.

    ``task`` is "regression" (float target), "classification" (int class indices) or
    "none" (no target: clustering). ``features`` restricts the input columns (default: all but
    the target and ``drop``).
    """
    if frame is None or len(frame) == 0:
        raise UserError("the data has no rows")
    frame = frame.copy()
    check_column_names(frame.columns, "the data")           # "a" and " a" would both become "a"
    frame.columns = [str(c).strip() for c in frame.columns]
    notes: list[str] = []
    check_columns(frame, list(drop), "column to drop")
    if target is not None:
        check_columns(frame, [target], "target column")
        if target in drop:
            raise UserError(f"cannot drop the target column {target!r}")
    y = classes = None
    if task != "none":
        if target is None:
            raise UserError("give the target column with --target COLUMN")
        missing = frame[target].isna()
        if missing.all():
            raise UserError(f"target column {target!r} has no values")
        if missing.any():
            notes.append(f"dropped {int(missing.sum())} rows with no {target}")
            frame = frame.loc[~missing].reset_index(drop=True)
        if task == "regression":
            values = _as_number(frame[target])
            if values is None:
                raise UserError(f"target column {target!r} is not numeric; regression needs a numeric target "
                                f"(use --target to pick another column)")
            if not np.isfinite(values.to_numpy()).all():
                raise UserError(f"target column {target!r} has infinite values")
            y = values.to_numpy(dtype=float)
            if np.ptp(y) == 0:
                raise UserError(f"target column {target!r} has the same value ({y[0]:g}) in every row: "
                                "nothing to predict")
        elif task == "classification":
            labels = frame[target]
            if _is_numeric(labels):
                uniq = np.unique(labels.to_numpy())
                names = [str(int(v)) if float(v).is_integer() else str(v) for v in uniq]
            else:
                labels = labels.astype(str)
                uniq = np.unique(labels.to_numpy())
                names = [str(v) for v in uniq]
            if len(uniq) < 2:
                raise UserError(f"target column {target!r} has only one class ({names[0]}); need at least 2")
            if len(uniq) > max_classes:
                raise UserError(f"target column {target!r} has {len(uniq)} distinct values: too many classes for "
                                f"classification (at most {max_classes}); pick a categorical --target")
            y = np.searchsorted(uniq, labels.to_numpy()).astype(np.int64)
            classes = names
        else:
            raise ValueError(f"unknown task {task!r}")
    if features is not None:
        check_columns(frame, list(features), "feature column")
        columns = [c for c in features if c != target]
    else:
        columns = [c for c in frame.columns if c != target and c not in drop]
    if not columns:
        raise UserError("no feature columns left (the table has only the target column?)")

    blocks: list[np.ndarray] = []
    names: list[str] = []
    levels: dict[str, list[str]] = {}
    for col in columns:
        series = frame[col]
        numeric = _as_number(series)
        if numeric is not None:
            values = numeric.to_numpy(dtype=float)
            bad = ~np.isfinite(values)
            if bad.all():
                notes.append(f"dropped column {col} (no numeric values)")
                continue
            if bad.any():
                kind = "missing or infinite" if np.isinf(values).any() else "missing"
                values = values.copy()
                values[bad] = np.median(values[~bad])
                notes.append(f"filled {int(bad.sum())} {kind} {col} values with the median")
            blocks.append(values[:, None])
            names.append(col)
            continue
        text = series.astype(object).where(series.notna(), "missing").astype(str)
        cats = sorted(set(text))
        if len(cats) > max_categories:
            notes.append(f"dropped text column {col} ({len(cats)} distinct values)")
            continue
        if len(cats) == 1:
            notes.append(f"dropped column {col} (a single value)")
            continue
        codes = np.searchsorted(np.array(cats, dtype=object), text.to_numpy(dtype=object))
        if len(cats) == 2:
            blocks.append(codes[:, None].astype(float))
            names.append(col)
            levels[col] = cats
            notes.append(f"encoded {col} as 0/1 ({cats[0]}=0, {cats[1]}=1)")
        else:
            onehot = (codes[:, None] == np.arange(1, len(cats))[None, :]).astype(float)
            blocks.append(onehot)
            names.extend(f"{col}={c}" for c in cats[1:])
            notes.append(f"one-hot encoded {col} ({len(cats)} levels, {cats[0]} is the baseline)")
    if not blocks:
        raise UserError("no usable feature columns (all were text with too many values, or empty)")
    X = np.hstack(blocks)
    if len(X) < 2:
        raise UserError("need at least 2 rows of data")
    return Table(X=X, y=y, features=names, classes=classes, notes=notes, levels=levels)


def train_test_indices(n: int, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A random split of ``range(n)`` into (train, test) index arrays; test gets round(n * f) >= 1."""
    if not 0.0 < test_fraction < 1.0:
        raise UserError(f"test fraction must be between 0 and 1, got {test_fraction}")
    n_test = int(round(n * test_fraction))
    if n_test < 1 or n - n_test < 2:
        raise UserError(f"{n} rows are too few to split into train and test sets")
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def standardize(X: np.ndarray, mean: np.ndarray | None = None, scale: np.ndarray | None = None):
    """(X - mean) / scale column-wise; constant columns get scale 1. Returns (Z, mean, scale).

    X is (n, d); mean and scale are (d,): the column means and standard deviations (divide by n),
    computed here unless given (to standardise test rows with the training statistics).

    The sums behind the mean and the squares behind the std would overflow to inf for values
    near float's largest (1.8e308), so they are computed on X / m, m being each column's largest
    magnitude, and scaled back by m: the same numbers in exact arithmetic. For the same reason Z
    is X / scale - mean / scale, not (X - mean) / scale: 1e308 - (-1e308) overflows.
    """
    if mean is None:
        m = np.abs(X).max(axis=0)                                   # (d,)
        m = np.where((m > 0) & np.isfinite(m), m, 1.0)
        mean = (X / m).mean(axis=0) * m
        scale = (X / m).std(axis=0) * m
        scale = np.where(scale > 0, scale, 1.0)
    return X / scale - mean / scale, mean, scale


def infer_task(series, max_classes: int = MAX_CATEGORIES) -> str:
    """"classification" for text or few-valued integer targets, else "regression"."""
    numeric = _as_number(series)
    if numeric is None:
        return "classification"
    values = numeric.dropna().to_numpy()
    if len(values) and np.all(values == np.round(values)) and len(np.unique(values)) <= max_classes:
        return "classification"
    return "regression"


def default_target(frame, preferred: Sequence[str] = ()) -> str:
    """The first of the ``preferred`` target names present in the table, else its last column."""
    for name in preferred:
        if name in frame.columns:
            return name
    return str(frame.columns[-1])
