"""Step 1, loading: a CSV path or a registry name -> a DataFrame with a usable numeric target."""

from __future__ import annotations

import numpy as np
import pandas as pd

from common import datasets
from common.cli import UserError

#: Project 19's example session calls the California housing table ``housing_data.csv``.
ALIASES = {"housing_data.csv": "california-housing"}
DEFAULT_TARGET = "median_house_value"


def load_table(arg: str, target: str = DEFAULT_TARGET) -> pd.DataFrame:
    """Read ``arg`` (path or dataset name) and check that ``target`` is a numeric column.

    Rows with a missing target are kept here (the split step drops them, and says so).
    Raises UserError for unreadable files, a missing or non-numeric target, or no feature columns.
    """
    frame = datasets.read_table(arg, ALIASES)
    frame.columns = [str(c).strip() for c in frame.columns]
    if target not in frame.columns:
        raise UserError(f"no target column {target!r} in {arg} (columns: {', '.join(frame.columns)}); "
                        f"pick one with --target")
    values = pd.to_numeric(frame[target], errors="coerce")
    bad = values.isna() & frame[target].notna()
    if bad.any():
        example = frame[target][bad].iloc[0]
        raise UserError(f"target column {target!r} is not numeric (e.g. {example!r}); regression needs numbers")
    if not np.isfinite(values.dropna().to_numpy(dtype=float)).all():
        raise UserError(f"target column {target!r} has infinite values")
    if values.notna().sum() < 20:
        raise UserError(f"target column {target!r} has {int(values.notna().sum())} values; need at least 20 rows")
    if frame.shape[1] < 2:
        raise UserError(f"{arg} has only the target column; need at least one feature column")
    frame[target] = values.astype(float)
    missing = frame[target].isna()
    if missing.any():
        frame = frame.loc[~missing].reset_index(drop=True)
    return frame
