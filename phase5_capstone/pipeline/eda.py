"""Step 2, exploratory data analysis: what is missing, what is extreme, what correlates.

    missing values    count of empty cells per column
    IQR outliers      Q1, Q3 = 25th / 75th percentiles, IQR = Q3 - Q1;
                      x is an outlier if x < Q1 - 1.5 IQR or x > Q3 + 1.5 IQR
    correlation       Pearson r_jk = cov(x_j, x_k) / (std(x_j) std(x_k)) between numeric columns
Figures: a correlation heatmap and one histogram per numeric column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from phase5_capstone.pipeline.features import column_kinds


def missing_values(frame: pd.DataFrame) -> dict[str, int]:
    """{column: number of missing cells} for the columns that have any."""
    counts = frame.isna().sum()
    return {str(c): int(v) for c, v in counts.items() if v > 0}


def numeric_frame(frame: pd.DataFrame, target: str) -> pd.DataFrame:
    """The numeric feature columns plus the target, as floats."""
    numeric, _, _ = column_kinds(frame, target)
    return frame[[*numeric, target]].apply(pd.to_numeric, errors="coerce").astype(float)


def iqr_outliers(values: pd.DataFrame, k: float = 1.5) -> dict[str, int]:
    """{column: rows outside [Q1 - k IQR, Q3 + k IQR]} for columns with any (NaN ignored)."""
    q1, q3 = values.quantile(0.25), values.quantile(0.75)
    iqr = q3 - q1
    outside = (values < q1 - k * iqr) | (values > q3 + k * iqr)
    counts = outside.sum()
    return {str(c): int(v) for c, v in counts.sort_values(ascending=False).items() if v > 0}


def correlations(values: pd.DataFrame) -> pd.DataFrame:
    """Pearson correlation matrix from its definition (pairwise complete rows ignored: NaN -> mean)."""
    X = values.to_numpy(dtype=float)
    X = np.where(np.isnan(X), np.nanmean(X, axis=0), X)
    Z = X - X.mean(axis=0)
    std = np.sqrt((Z * Z).mean(axis=0))
    std = np.where(std > 0, std, 1.0)
    R = (Z.T @ Z) / len(Z) / np.outer(std, std)
    return pd.DataFrame(R, index=values.columns, columns=values.columns)


# ----------------------------------------------------------------------------- figures
def plot_correlation_heatmap(corr: pd.DataFrame):
    import matplotlib.pyplot as plt

    k = len(corr)
    fig, ax = plt.subplots(figsize=(1.0 + 0.75 * k, 0.6 + 0.65 * k))
    im = ax.imshow(corr.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(range(k), corr.columns, rotation=45, ha="right")
    ax.set_yticks(range(k), corr.index)
    ax.grid(False)
    for i in range(k):
        for j in range(k):
            v = corr.iat[i, j]
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8,
                    color="white" if abs(v) > 0.6 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="Pearson r")
    ax.set_title("Correlation between numeric columns")
    return fig


def plot_histograms(values: pd.DataFrame, outliers: dict[str, int]):
    import matplotlib.pyplot as plt

    cols = list(values.columns)
    ncols = 3
    nrows = int(np.ceil(len(cols) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 2.8 * nrows), squeeze=False)
    for ax, name in zip(axes.flat, cols):
        data = values[name].dropna().to_numpy()
        ax.hist(data, bins=50, color="#1f77b4", alpha=0.85)
        title = name if name not in outliers else f"{name}  ({outliers[name]:,} IQR outliers)"
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=8)
    for ax in axes.flat[len(cols):]:
        ax.set_visible(False)
    fig.suptitle("Distributions of the numeric columns", fontweight="bold")
    fig.tight_layout()
    return fig
