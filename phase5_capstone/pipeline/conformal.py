"""Split-conformal prediction intervals.

On calibration rows the model never trained on, take the absolute residuals s_i = |y_i - f(x_i)|,
i = 1..n. For miscoverage alpha (0.1 for a 90% interval) let

    q = the ceil((n + 1)(1 - alpha))-th smallest s_i

Then a new point's interval [f(x) - q, f(x) + q] contains its true y with probability >= 1 - alpha
(if calibration and new points are exchangeable), and at most 1 - alpha + 1 / (n + 1): no
assumption about the model or the noise distribution is needed.
"""

from __future__ import annotations

import math

import numpy as np


def conformal_quantile(residuals: np.ndarray, alpha: float = 0.1) -> float:
    """The split-conformal half-width q from calibration residuals (n,): a float.

    Sort the absolute residuals s_i = |y_i - f(x_i)| and take the ceil((n + 1)(1 - alpha))-th
    smallest (counting from 1). When that rank is above n there are too few calibration points
    for this level, and q = inf. For n = 11, alpha = 0.1: ceil(12 * 0.9) = 11, the largest.

    >>> conformal_quantile(np.array([3.0, -1.0, 2.0, 5.0, -4.0, 6.0, 7.0, -8.0, 9.0, 10.0, 11.0]), alpha=0.1)
    11.0
    """
    s = np.sort(np.abs(np.asarray(residuals, dtype=float)))
    n = len(s)
    if n == 0:
        raise ValueError("need at least one calibration residual")
    rank = math.ceil((n + 1) * (1 - alpha))
    if rank > n:
        return float("inf")     # too few calibration points for this level
    return float(s[rank - 1])


def min_calibration_rows(alpha: float = 0.1) -> int:
    """The fewest calibration rows n for which :func:`conformal_quantile` is finite at level alpha.

    q is finite when its rank ceil((n + 1)(1 - alpha)) is at most n, i.e. roughly n >= (1 - alpha) / alpha:
    9 rows for a 90% interval, 19 for 95%, 99 for 99%. The rank is computed as in conformal_quantile, so
    the two agree exactly (floating point included).

    >>> min_calibration_rows(0.1), min_calibration_rows(0.05)
    (9, 19)
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    n = max(1, math.floor((1 - alpha) / alpha) - 1)      # just below the answer; step up to it
    while math.ceil((n + 1) * (1 - alpha)) > n:
        n += 1
    return n


def intervals(pred: np.ndarray, q: float) -> np.ndarray:
    """(n, 2) lower and upper bounds pred -/+ q."""
    pred = np.asarray(pred, dtype=float)
    return np.stack([pred - q, pred + q], axis=1)


def coverage(y: np.ndarray, bounds: np.ndarray) -> float:
    """Fraction of y inside its [lower, upper] interval."""
    return float(np.mean((y >= bounds[:, 0]) & (y <= bounds[:, 1])))
