"""sklearn_sprint (M5): six scikit-learn classifiers and two of ours, cross-validated on Iris, Titanic
and digits (plus phase 3's naive Bayes next to MultinomialNB on the digits counts), with confusion
matrices; our models score like scikit-learn's counterparts."""

import numpy as np
import pytest

from phase4_ml import sklearn_sprint as sp
from tests.conftest import assert_user_error
from tests.phase4_ml.odd_inputs import one_blas_thread  # noqa: F401 (autouse fixture)

pytest.importorskip("sklearn")


def test_our_models_work_inside_sklearn_cross_validation():
    """M5: our from-scratch models go through the same folds and pipeline as scikit-learn's.

    The sprint's own pipelines (a fresh scaler in front of each of our models) and its
    cross_val_accuracy give the mean and std of a fold loop written out by hand (the scaler fitted
    on the training fold only, our model fitted on the scaled rows) to 1e-12, and score > 90%."""
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import StandardScaler

    from phase4_ml.decision_tree import DecisionTreeClassifier
    from phase4_ml.logistic_regression import LogisticRegression

    X, y, classes, prep = sp.load("iris")
    pipes = sp.pipelines("iris", prep, seed=0)
    assert type(pipes["ours: logistic regression"][-1]).__name__ == "OursLogistic"
    assert type(pipes["ours: decision tree (depth 5)"][-1]).__name__ == "OursTree"
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    for label, ours in (("ours: logistic regression", lambda: LogisticRegression(C=1.0, epochs=500)),
                        ("ours: decision tree (depth 5)", lambda: DecisionTreeClassifier(max_depth=5, seed=0))):
        by_hand = []
        for train, test in folds.split(X, y):
            scaler = StandardScaler().fit(X[train])
            model = ours().fit(scaler.transform(X[train]), y[train])
            by_hand.append(np.mean(model.predict(scaler.transform(X[test])) == y[test]))
        mean, std = sp.cross_val_accuracy(pipes[label], X, y, folds)
        np.testing.assert_allclose([mean, std], [np.mean(by_hand), np.std(by_hand)], rtol=0, atol=1e-12,
                                   err_msg=label)
        assert mean > 0.9, label


@pytest.mark.parametrize("alpha", [1.0, 0.1])
def test_our_naive_bayes_equals_multinomialnb_on_digits(alpha):
    """Phase 3's naive Bayes on the raw digits counts, through the sprint's own pipelines and folds:
    its 5-fold CV accuracy equals MultinomialNB's (same alpha) within 0.1 point, and at most 2 of the
    1797 cross-validated predictions differ (rounding can only flip a near-tie)."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.naive_bayes import MultinomialNB

    X, y, _, prep = sp.load("digits")
    pipes = sp.pipelines("digits", prep, seed=0, quick=True)
    ours_pipe, ref_pipe = pipes["ours: naive Bayes (phase 3)"], pipes["MultinomialNB (counts)"]
    ours_pipe.set_params(oursnaivebayes__alpha=alpha)
    ref_pipe.set_params(multinomialnb__alpha=alpha)
    assert isinstance(ref_pipe[-1], MultinomialNB) and len(ref_pipe) == 1     # raw counts, no scaling
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    ours, ref = cross_val_predict(ours_pipe, X, y, cv=folds), cross_val_predict(ref_pipe, X, y, cv=folds)
    assert np.sum(ours != ref) <= 2
    assert abs(np.mean(ours == y) - np.mean(ref == y)) <= 0.001
    assert np.mean(ours == y) > 0.85
    assert "ours: naive Bayes (phase 3)" not in sp.pipelines("iris", sp.load("iris")[3], seed=0)


@pytest.mark.slow
def test_cli_all_three_datasets(run_cli, tmp_path):
    """M5: at least 3 classifiers, 5-fold CV mean +- std, a confusion matrix plot, on three datasets."""
    res = run_cli("phase4_ml/sklearn_sprint.py", "--quick", "--no-show", "--out", tmp_path)
    assert res.returncode == 0, res
    out = res.stdout
    for name in ("iris (150 samples, 3 classes)", "titanic (891 samples, 2 classes)",
                 "digits (1797 samples, 10 classes)", "5-fold stratified CV", "Confusion matrix, iris"):
        assert name in out, name
    rows = {}
    section = None
    for line in out.splitlines():
        if line and not line.startswith(" ") and "(" in line:
            section = line.split()[0]
        elif "%" in line and "+-" in line and section:
            label = line[:34].strip()
            rows[(section, label)] = float(line[34:].split("%")[0])
    assert len([k for k in rows if k[0] == "iris"]) == 8
    assert len([k for k in rows if k[0] == "digits"]) == 10
    assert abs(rows[("digits", "ours: naive Bayes (phase 3)")] - rows[("digits", "MultinomialNB (counts)")]) <= 0.1
    for data in ("iris", "titanic", "digits"):
        ours, ref = rows[(data, "ours: decision tree (depth 5)")], rows[(data, "DecisionTree (depth 5)")]
        assert abs(ours - ref) < 3.0
        assert abs(rows[(data, "ours: logistic regression")] - rows[(data, "LogisticRegression")]) < 3.0
    assert rows[("digits", "SVC (RBF)")] > 95
    for name in ("confusion_matrices.png", "cv_accuracy.png"):
        assert (tmp_path / name).stat().st_size > 20_000
    assert np.isfinite(list(rows.values())).all()


@pytest.mark.parametrize("args, fragment", [
    (["--datasets", "mnist"], "unknown dataset 'mnist'"),
    (["--datasets", ","], "unknown dataset"),
    (["--folds", "1"], "at least 2"),
    (["--folds", "x"], "expected a whole number"),
])
def test_bad_options(run_main, tmp_path, args, fragment):
    res = run_main(sp.main, *args, "--no-show", "--out", tmp_path)
    assert_user_error(res, fragment)
