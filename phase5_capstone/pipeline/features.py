"""Step 3, feature engineering: ratios, imputation, one-hot encoding and standardisation.

Everything learned from data (medians, category levels, means, standard deviations) is learned by
:meth:`Preprocessor.fit` from the TRAINING rows only, then applied unchanged to validation, test and
API rows, so no information leaks from the rows we evaluate on:

    ratio features   rooms_per_household = total_rooms / households
                     bedrooms_ratio      = total_bedrooms / total_rooms
                     population_per_household = population / households
                     (a zero or negative denominator gives a missing value)
    imputation       x_missing <- median of the training column (most frequent level for text)
    one-hot          a text column with levels l_0..l_k becomes k 0/1 columns (l_0 is the baseline)
    standardise      z = (x - mean_train) / std_train     (std 0 -> 1)

The same Preprocessor, saved in model.json, turns an API request into the model's input row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from common.cli import UserError

#: name -> (numerator, denominator); created when both columns are in the data.
RATIOS = {
    "rooms_per_household": ("total_rooms", "households"),
    "bedrooms_ratio": ("total_bedrooms", "total_rooms"),
    "population_per_household": ("population", "households"),
}
MAX_LEVELS = 20


def column_kinds(frame: pd.DataFrame, target: str) -> tuple[list[str], list[str], list[str]]:
    """(numeric columns, categorical text columns, dropped columns) among the features.

    A column is numeric if every present value parses as a number; a text column with at most
    MAX_LEVELS distinct values is categorical; other text (ids, free text) and empty columns are dropped.
    """
    numeric, categorical, dropped = [], [], []
    for name in frame.columns:
        if name == target:
            continue
        col = frame[name]
        present = col.dropna()
        if present.empty:
            dropped.append(name)
        elif pd.to_numeric(present, errors="coerce").notna().all():
            numeric.append(name)
        elif present.astype(str).nunique() <= MAX_LEVELS:
            categorical.append(name)
        else:
            dropped.append(name)
    return numeric, categorical, dropped


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den where den > 0, else NaN (and NaN for any non-finite result). Arrays of one shape.

    A ratio feature such as rooms_per_household = total_rooms / households is missing (NaN,
    imputed later) when the denominator is 0 or negative, or when either input is missing.

    >>> ratio(np.array([6.0, 1.0, 2.0]), np.array([3.0, 0.0, np.nan])).tolist()
    [2.0, nan, nan]
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        value = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return np.where(np.isfinite(value), value, np.nan)


def one_hot(text: np.ndarray, levels: list[str]) -> np.ndarray:
    """One-hot columns of a text column, the first level as the baseline: (n,) -> (n, k - 1) floats.

    ``text`` holds n strings, ``levels`` the k levels seen in training, sorted. Column j - 1 is
    1.0 where text == levels[j], for j = 1..k-1; the baseline levels[0], and any text that is
    not a known level, gives a row of zeros. Dropping the baseline's own column keeps the k
    columns from always adding up to 1 (that would copy the intercept, and make X^T X singular).

    >>> one_hot(np.array(["b", "a", "c"], dtype=object), ["a", "b", "c"]).tolist()
    [[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]]
    """
    return (text[:, None] == np.array(levels[1:], dtype=object)[None, :]).astype(float)


def fit_scaling(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean, std) of each column of the training matrix raw (n, d): two (d,) arrays.

    Standardising is then z = (x - mean) / std for training, validation, test and API rows
    alike. std is the population standard deviation (divide by n, as scikit-learn's
    StandardScaler does); a constant column (std < 1e-12) gets std = 1, so that it becomes 0
    instead of 0 / 0.
    """
    mean = raw.mean(axis=0)
    std = raw.std(axis=0)
    return mean, np.where(std > 1e-12, std, 1.0)


def add_ratios(numeric: pd.DataFrame, ratios: list[str]) -> pd.DataFrame:
    """Append the ratio columns ``ratios`` (names from RATIOS) to a numeric frame (new frame)."""
    out = numeric.copy()
    for name in ratios:
        top, bottom = RATIOS[name]
        out[name] = ratio(out[top].to_numpy(dtype=float), out[bottom].to_numpy(dtype=float))
    return out


@dataclass
class Preprocessor:
    """Raw table rows -> standardised design matrix. Build it with :meth:`fit` on training rows."""

    numeric: list[str]
    categorical: dict[str, list[str]]            # column -> levels seen in training (sorted)
    ratios: list[str]
    medians: dict[str, float]                    # numeric + ratio columns
    modes: dict[str, str]                        # categorical columns
    mean: np.ndarray = field(repr=False)          # (d,)
    std: np.ndarray = field(repr=False)           # (d,)
    features: list[str] = field(default_factory=list)

    @classmethod
    def fit(cls, frame: pd.DataFrame, target: str, ratios: bool = True) -> Preprocessor:
        """Learn every statistic from ``frame`` (training rows only)."""
        numeric, categorical, _ = column_kinds(frame, target)
        if not numeric and not categorical:
            raise UserError("no usable feature columns (need numeric or low-cardinality text columns)")
        made = [name for name, (a, b) in RATIOS.items() if ratios and a in numeric and b in numeric]
        nums = add_ratios(frame[numeric].apply(pd.to_numeric, errors="coerce").astype(float), made)
        nums = nums.where(np.isfinite(nums), np.nan)
        medians = {c: float(v) if np.isfinite(v) else 0.0 for c, v in nums.median().items()}
        levels, modes = {}, {}
        for name in categorical:
            text = frame[name].dropna().astype(str)
            levels[name] = sorted(text.unique())
            modes[name] = str(text.mode().iloc[0])
        pre = cls(numeric, levels, made, medians, modes, np.zeros(0), np.ones(0))
        pre.mean, pre.std = fit_scaling(pre._unscaled(frame))
        return pre

    def _unscaled(self, frame: pd.DataFrame) -> np.ndarray:
        """Imputed numeric + ratio + one-hot columns of a DataFrame, before standardisation: (n, d)."""
        missing = [c for c in self.input_columns if c not in frame.columns]
        if missing:
            raise UserError(f"missing column {missing[0]!r} (the model needs: {', '.join(self.input_columns)})")
        nums = frame[self.numeric].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        cats = [frame[c].to_numpy(dtype=object) for c in self.categorical]
        return self._assemble(nums, cats)

    def _assemble(self, nums: np.ndarray, cats: list[np.ndarray]) -> np.ndarray:
        """nums: (n, p) raw numeric columns (NaN = missing); cats: one (n,) object array per text column."""
        names = list(self.numeric)
        blocks = [nums]
        for name in self.ratios:
            top, bottom = RATIOS[name]
            num, den = nums[:, self.numeric.index(top)], nums[:, self.numeric.index(bottom)]
            blocks.append(ratio(num, den)[:, None])
            names.append(name)
        values = np.hstack(blocks)
        values = np.where(np.isfinite(values), values, np.nan)
        medians = np.array([self.medians[c] for c in names])
        values = np.where(np.isnan(values), medians, values)
        blocks = [values]
        for (name, levels), column in zip(self.categorical.items(), cats):
            text = np.array([self.modes[name] if v is None or v != v else str(v) for v in column], dtype=object)
            blocks.append(one_hot(text, levels))
            names += [f"{name}={level}" for level in levels[1:]]
        self.features = names
        return np.hstack(blocks)

    def transform_records(self, records: list[dict]) -> np.ndarray:
        """Like :meth:`transform` for already-validated dicts (the API's fast path, no pandas).

        Numbers may be None (imputed); text must be one of the training levels. Same arithmetic as
        :meth:`_assemble`, but with the column positions precomputed (:attr:`_layout`) and every
        ratio column done in one vectorised step: a single record costs a handful of NumPy calls.
        """
        top, bottom, fill, onehot_at, width = self._layout
        nums = np.array([[np.nan if r[c] is None else r[c] for c in self.numeric] for r in records],
                        dtype=float).reshape(len(records), len(self.numeric))
        values = np.hstack([nums, ratio(nums[:, top], nums[:, bottom])])
        values = np.where(np.isfinite(values), values, np.nan)
        values = np.where(np.isnan(values), fill, values)
        onehot = np.zeros((len(records), width))
        for i, record in enumerate(records):
            for name, columns in onehot_at.items():
                value = record[name]
                column = columns.get(self.modes[name] if value is None or value != value else str(value))
                if column is not None:                                   # None: the baseline level
                    onehot[i, column] = 1.0
        return (np.hstack([values, onehot]) - self.mean) / self.std

    @cached_property
    def _layout(self) -> tuple[list[int], list[int], np.ndarray, dict[str, dict[str, int]], int]:
        """Precomputed for :meth:`transform_records`: ratio numerator / denominator positions in
        ``numeric``, the imputation values of the numeric + ratio columns, and for each text column
        {level: its one-hot column among the one-hot block} (the baseline level has none)."""
        top = [self.numeric.index(RATIOS[name][0]) for name in self.ratios]
        bottom = [self.numeric.index(RATIOS[name][1]) for name in self.ratios]
        fill = np.array([self.medians[c] for c in [*self.numeric, *self.ratios]])
        onehot_at, width = {}, 0
        for name, levels in self.categorical.items():
            onehot_at[name] = {level: width + j for j, level in enumerate(levels[1:])}
            width += len(levels) - 1
        return top, bottom, fill, onehot_at, width

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """(n, d) float64 standardised features with the training statistics."""
        return (self._unscaled(frame) - self.mean) / self.std

    @property
    def input_columns(self) -> list[str]:
        return [*self.numeric, *self.categorical]

    # -- JSON round trip (saved inside model.json)
    def to_json(self) -> dict:
        return {"numeric": self.numeric, "categorical": self.categorical, "ratios": self.ratios,
                "medians": self.medians, "modes": self.modes, "mean": self.mean.tolist(),
                "std": self.std.tolist(), "features": self.features}

    @classmethod
    def from_json(cls, data: dict) -> Preprocessor:
        return cls(list(data["numeric"]), {k: list(v) for k, v in data["categorical"].items()},
                   list(data["ratios"]), {k: float(v) for k, v in data["medians"].items()},
                   dict(data["modes"]), np.asarray(data["mean"], float), np.asarray(data["std"], float),
                   list(data["features"]))
