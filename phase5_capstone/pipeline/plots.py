"""Step 6, plots of the results: model comparison, predictions with intervals, boosting curve."""

from __future__ import annotations

import numpy as np


def _dollars(value, _position) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 or value == 0 else f"{value:.3g}"


def plot_cv_comparison(labels: list[str], scores: list[np.ndarray], best: int):
    """Bar per model: mean CV RMSE, with the K fold scores as dots."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    means = [s.mean() for s in scores]
    colors = ["#2ca02c" if i == best else "#1f77b4" for i in range(len(labels))]
    ax.bar(range(len(labels)), means, color=colors, alpha=0.8)
    top = max(float(np.max(s)) for s in scores)
    for i, s in enumerate(scores):
        ax.scatter(np.full(len(s), i), s, color="black", s=12, zorder=3)
        ax.text(i, float(np.max(s)) + 0.02 * top, _dollars(means[i], None), ha="center", va="bottom", fontsize=9)
    ax.set_ylim(0, 1.12 * top)
    ax.yaxis.set_major_formatter(_dollars)
    ax.set_xticks(range(len(labels)), labels, rotation=15)
    ax.set_ylabel("RMSE (target units)")
    ax.set_title(f"{len(scores[0])}-fold cross-validation RMSE (bars: mean, dots: folds; green: best)")
    return fig


def plot_predictions(y: np.ndarray, pred: np.ndarray, q: float, coverage: float, level: float, label: str):
    """Predicted vs actual on the test set, with the conformal interval band."""
    import matplotlib.pyplot as plt

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 5))
    inside = np.abs(y - pred) <= q
    ax.scatter(y[inside], pred[inside], s=4, alpha=0.35, color="#1f77b4", label="inside the interval")
    ax.scatter(y[~inside], pred[~inside], s=4, alpha=0.6, color="#d62728", label="outside")
    lo, hi = float(min(y.min(), pred.min())), float(max(y.max(), pred.max()))
    line = np.array([lo, hi])
    ax.plot(line, line, color="black", lw=1, label="perfect")
    ax.fill_between(line, line - q, line + q, color="#2ca02c", alpha=0.15,
                    label=f"prediction +/- {_dollars(q, None)} ({level:.0%} conformal)")
    for axis in (ax.xaxis, ax.yaxis, ax2.xaxis):
        axis.set_major_formatter(_dollars)
    ax.set_xlabel("actual value")
    ax.set_ylabel("predicted value")
    ax.set_title(f"{label} on the test set: coverage {coverage:.1%}")
    ax.legend(fontsize=8, loc="upper left")
    residual = y - pred
    ax2.hist(residual, bins=80, color="#1f77b4", alpha=0.85)
    for x in (-q, q):
        ax2.axvline(x, color="#2ca02c", lw=1.5)
    ax2.set_xlabel("actual - predicted")
    ax2.set_title("Test residuals and the conformal half-width q")
    fig.tight_layout()
    return fig


def plot_boosting_curve(train_rmse: np.ndarray, test_rmse: np.ndarray):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    trees = np.arange(1, len(train_rmse) + 1)
    ax.plot(trees, train_rmse, label="training rows")
    ax.plot(trees, test_rmse, label="test rows")
    ax.yaxis.set_major_formatter(_dollars)
    ax.set_xlabel("number of trees")
    ax.set_ylabel("RMSE (target units)")
    ax.set_title("Gradient boosting: error as trees are added")
    ax.legend()
    return fig
