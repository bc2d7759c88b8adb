"""common.metrics against scikit-learn (exact for counts, 1e-12 for floats)."""

import numpy as np
import pytest
from sklearn import metrics as skm

from common import metrics


@pytest.fixture
def labels():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 500)
    pred = np.where(rng.random(500) < 0.7, y, rng.integers(0, 3, 500))
    return y, pred


def test_classification_metrics(labels):
    y, pred = labels
    assert metrics.accuracy(y, pred) == pytest.approx(skm.accuracy_score(y, pred), abs=1e-12)
    np.testing.assert_array_equal(metrics.confusion_matrix(y, pred), skm.confusion_matrix(y, pred))
    np.testing.assert_array_equal(metrics.confusion_matrix(y, pred, labels=[2, 0, 1]),
                                  skm.confusion_matrix(y, pred, labels=[2, 0, 1]))
    for average in ("macro", "weighted"):
        ours = metrics.precision_recall_f1(y, pred, average=average)
        ref = skm.precision_recall_fscore_support(y, pred, average=average, zero_division=0)[:3]
        np.testing.assert_allclose(ours, ref, atol=1e-12)
    yb, pb = (y == 2).astype(int), (pred == 2).astype(int)
    np.testing.assert_allclose(metrics.precision_recall_f1(yb, pb),
                               skm.precision_recall_fscore_support(yb, pb, average="binary")[:3], atol=1e-12)


def test_string_labels_and_zero_division():
    y = np.array(["ham", "spam", "ham", "ham"])
    p = np.array(["ham", "ham", "ham", "ham"])
    np.testing.assert_array_equal(metrics.confusion_matrix(y, p, labels=["ham", "spam"]), [[3, 0], [1, 0]])
    assert metrics.precision_recall_f1(y, p, positive="spam") == (0.0, 0.0, 0.0)


def test_confusion_table_text():
    text = metrics.format_confusion_matrix(np.array([[963, 3], [8, 141]]), ["ham", "spam"])
    lines = text.splitlines()
    assert lines[0] == "Confusion Matrix:" and "Predicted" in lines[1]
    assert lines[3].startswith("Actual ham") and lines[3].split()[-2:] == ["963", "3"]
    assert lines[4].split() == ["spam", "8", "141"]


def test_regression_metrics():
    rng = np.random.default_rng(2)
    y = rng.normal(size=300)
    p = y + rng.normal(scale=0.3, size=300)
    assert metrics.mse(y, p) == pytest.approx(skm.mean_squared_error(y, p), rel=1e-12)
    assert metrics.rmse(y, p) == pytest.approx(np.sqrt(skm.mean_squared_error(y, p)), rel=1e-12)
    assert metrics.mae(y, p) == pytest.approx(skm.mean_absolute_error(y, p), rel=1e-12)
    assert metrics.r2(y, p) == pytest.approx(skm.r2_score(y, p), rel=1e-12)
    with pytest.raises(ValueError):
        metrics.mse([1, 2], [1])
