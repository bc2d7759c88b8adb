"""Evaluation metrics, written out so the formulas are visible.

Classification (y_true, y_pred: 1-D arrays of labels):
    accuracy  = mean(y_pred == y_true)
    precision = TP / (TP + FP),  recall = TP / (TP + FN),  F1 = 2 P R / (P + R)
    confusion matrix C[i, j] = #samples with true label i predicted as j
Regression (y_true, y_pred: 1-D float arrays):
    MSE = mean((y - y_hat)^2),  RMSE = sqrt(MSE),  MAE = mean(|y - y_hat|)
    R^2 = 1 - SS_res / SS_tot,  SS_res = sum((y - y_hat)^2),  SS_tot = sum((y - mean(y))^2)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred differ in shape: {y_true.shape} vs {y_pred.shape}")
    if y_true.size == 0:
        raise ValueError("empty input")
    return y_true.ravel(), y_pred.ravel()


# ----------------------------------------------------------------------------- classification
def accuracy(y_true, y_pred) -> float:
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, labels: Sequence | None = None) -> np.ndarray:
    """C[i, j] = number of samples whose true label is labels[i] and prediction labels[j]."""
    y_true, y_pred = _pair(y_true, y_pred)
    labels = np.unique(np.concatenate([y_true, y_pred])) if labels is None else np.asarray(labels)
    k = len(labels)
    keep = np.isin(y_true, labels) & np.isin(y_pred, labels)
    if not keep.any():
        return np.zeros((k, k), dtype=np.int64)
    # map labels to indices with searchsorted over the sorted label array
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    ti = order[np.searchsorted(sorted_labels, y_true[keep])]
    pi = order[np.searchsorted(sorted_labels, y_pred[keep])]
    cm = np.zeros((k, k), dtype=np.int64)
    np.add.at(cm, (ti, pi), 1)
    return cm


def format_confusion_matrix(cm: np.ndarray, labels: Sequence, title: str = "Confusion Matrix:") -> str:
    """A text table like the ones the projects print::

        Confusion Matrix:
                        Predicted
                      ham   spam
        Actual ham    963      3
               spam     8    141
    """
    names = [str(label) for label in labels]
    width = max(5, *(len(n) for n in names), *(len(str(v)) for v in np.asarray(cm).ravel())) + 2
    pad = len("Actual ") + max(len(n) for n in names) + 1
    lines = [title, " " * pad + "Predicted".center(width * len(names)).rstrip(),
             " " * pad + "".join(n.rjust(width) for n in names)]
    for i, name in enumerate(names):
        head = ("Actual " if i == 0 else " " * 7) + name.ljust(pad - 7)
        lines.append(head + "".join(str(int(v)).rjust(width) for v in cm[i]))
    return "\n".join(lines)


def precision_recall_f1(y_true, y_pred, positive=None, average: str = "binary",
                        labels: Sequence | None = None) -> tuple[float, float, float]:
    """Precision, recall and F1.

    ``average="binary"`` scores the ``positive`` label only (default: the larger label);
    ``"macro"`` averages per-class scores; ``"weighted"`` weights them by class support.
    A 0/0 ratio counts as 0 (as scikit-learn's ``zero_division=0``).
    """
    y_true, y_pred = _pair(y_true, y_pred)
    labels = np.unique(np.concatenate([y_true, y_pred])) if labels is None else np.asarray(labels)
    if average == "binary":
        positive = labels.max() if positive is None else positive
        per = [_prf(y_true == positive, y_pred == positive)]
        weights = np.array([1.0])
    elif average in ("macro", "weighted"):
        per = [_prf(y_true == c, y_pred == c) for c in labels]
        support = np.array([np.sum(y_true == c) for c in labels], dtype=float)
        weights = np.full(len(labels), 1 / len(labels)) if average == "macro" else support / support.sum()
    else:
        raise ValueError(f"unknown average {average!r}")
    scores = np.array(per)
    p, r, f = (weights @ scores).tolist()
    return p, r, f


def _prf(true_pos: np.ndarray, pred_pos: np.ndarray) -> tuple[float, float, float]:
    tp = float(np.sum(true_pos & pred_pos))
    fp = float(np.sum(~true_pos & pred_pos))
    fn = float(np.sum(true_pos & ~pred_pos))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


# ----------------------------------------------------------------------------- regression
def mse(y_true, y_pred) -> float:
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.mean((y_true.astype(float) - y_pred) ** 2))


def rmse(y_true, y_pred) -> float:
    return float(np.sqrt(mse(y_true, y_pred)))


def mae(y_true, y_pred) -> float:
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.mean(np.abs(y_true.astype(float) - y_pred)))


def r2(y_true, y_pred) -> float:
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = y_true.astype(float)
    ss_res = float(np.sum((y_true - y_pred) ** 2))
    ss_tot = float(np.sum((y_true - y_true.mean()) ** 2))
    if ss_tot == 0:
        return 1.0 if ss_res == 0 else 0.0
    return 1.0 - ss_res / ss_tot
