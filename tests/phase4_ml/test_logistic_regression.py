"""logistic_regression (project 14, M4): stable sigmoid/softmax, gradients vs finite differences, the
L2 optimum vs scikit-learn lbfgs (loss within 1e-4), iris >= 95%, MNIST >= 92% (slow), bad inputs."""

import numpy as np
import pytest

from common import datasets, tabular
from phase4_ml import logistic_regression as lg
from tests.conftest import assert_user_error
from tests.phase4_ml.odd_inputs import odd_csvs, one_blas_thread  # noqa: F401 (autouse fixture)

sk = pytest.importorskip("sklearn.linear_model")
TITANIC_DROP = ["PassengerId", "Name", "Ticket", "Cabin"]


def standardised(name, target, drop=()):
    table = tabular.design_matrix(datasets.load(name), target, task="classification", drop=drop)
    return tabular.standardize(table.X)[0], table.y


def test_sigmoid_and_softmax_are_stable():
    from scipy.special import expit, log_softmax

    z = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        np.testing.assert_allclose(lg.sigmoid(z), expit(z), rtol=1e-12)
        np.testing.assert_allclose(lg.softplus(z), np.logaddexp(0, z), rtol=1e-12)
        Z = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])
        np.testing.assert_allclose(lg.log_softmax(Z), log_softmax(Z, axis=1), rtol=1e-12)
        np.testing.assert_allclose(lg.softmax(Z).sum(axis=1), 1.0)
    assert np.isfinite(lg.cross_entropy(np.array([[1.0, 0.0]]), np.array([1])))  # clipped log 0


@pytest.mark.parametrize("classes", [2, 3])
def test_gradient_matches_finite_differences(classes):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 4)), rng.integers(0, classes, 30)
    model = lg.LogisticRegression(C=0.5)
    W = rng.normal(size=4) if classes == 2 else rng.normal(size=(4, classes))
    b = 0.3 if classes == 2 else rng.normal(size=classes)
    target = y.astype(float) if classes == 2 else np.eye(classes)[y]
    gW, gb = model._gradient(X, target, W, b, len(X))
    eps = 1e-6
    num = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        d = np.zeros_like(W)
        d[idx] = eps
        num[idx] = (model.objective(X, y, W + d, b) - model.objective(X, y, W - d, b)) / (2 * eps)
    np.testing.assert_allclose(gW, num, atol=1e-7)
    db = (model.objective(X, y, W, b + eps) - model.objective(X, y, W, b - eps)) / (2 * eps) if classes == 2 else None
    if db is not None:
        assert gb == pytest.approx(db, abs=1e-7)


def _sk_params(ref):
    if ref.coef_.shape[0] == 1:
        return ref.coef_.ravel(), float(ref.intercept_[0])
    return ref.coef_.T, ref.intercept_


def test_binary_reaches_sklearn_optimum():
    """Milestone 1: sigmoid + cross-entropy on Titanic; our L2 loss equals lbfgs's optimum within 1e-4."""
    X, y = standardised("titanic", "Survived", TITANIC_DROP)
    ours = lg.LogisticRegression(C=1.0, epochs=20000, tol=1e-7).fit(X, y)
    ref = sk.LogisticRegression(C=1.0, tol=1e-10, max_iter=10000).fit(X, y)
    W, b = _sk_params(ref)
    assert abs(ours.loss(X, y) - ours.objective(X, y, W, b)) < 1e-4
    np.testing.assert_allclose(ours.coef_, W, atol=1e-3)
    assert np.mean(ours.predict(X) == ref.predict(X)) > 0.99


def test_multiclass_reaches_sklearn_optimum():
    """Milestone 2: softmax on iris; loss within 1e-4 of scikit-learn's multinomial lbfgs (same C)."""
    X, y = standardised("iris", "species")
    ours = lg.LogisticRegression(C=1.0, epochs=20000, tol=1e-7).fit(X, y)
    ref = sk.LogisticRegression(C=1.0, tol=1e-10, max_iter=10000).fit(X, y)
    W, b = _sk_params(ref)
    assert ours.coef_.shape == (4, 3)
    assert abs(ours.loss(X, y) - ours.objective(X, y, W, b)) < 1e-4
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-3)


def test_iris_test_accuracy_at_least_95():
    table = tabular.design_matrix(datasets.load("iris"), "species", task="classification")
    train, test = tabular.train_test_indices(len(table.X), 0.2, 42)   # the CLI's split and defaults
    Z, mu, sigma = tabular.standardize(table.X[train])
    model = lg.LogisticRegression(C=10.0, epochs=3000).fit(Z, table.y[train])
    assert np.mean(model.predict((table.X[test] - mu) / sigma) == table.y[test]) >= 0.95


def test_probabilities_make_sense():
    """Milestone 4: probabilities sum to 1 and match the true P(y=1|x) of the generating model."""
    X, y, w, b = lg.make_toy(n=10000, seed=3)
    model = lg.LogisticRegression(C=None, epochs=20000, tol=1e-8).fit(X, y)
    P = model.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    assert np.mean(np.abs(P[:, 1] - lg.sigmoid(X @ w + b))) < 0.02
    np.testing.assert_allclose(model.coef_, w, atol=0.15)
    assert model.intercept_ == pytest.approx(b, abs=0.1)


def test_toy_cli(run_main):
    """M4: the generated set, its true vs recovered parameters and the test accuracy."""
    res = run_main(lg.main, "--toy")
    assert res.returncode == 0, res
    assert "parameter     true  recovered" in res.stdout
    w2 = next(line for line in res.stdout.splitlines() if line.startswith("w2")).split()
    assert float(w2[1]) == -3.0 and abs(float(w2[2]) + 3.0) < 0.2
    acc = float(res.stdout.split("Test accuracy (2500 points): ")[1].split("%")[0])
    assert 75 < acc < 95


@pytest.mark.slow
def test_decision_boundary_figures(tmp_path):
    """Milestone 3: the plane split into class regions, and per-class probability maps."""
    from common import plotting

    plotting.setup(True)
    X, y = standardised("iris", "species")
    two = lg.LogisticRegression(C=10.0, epochs=500).fit(X[:, 2:], y)
    names, classes = ["petal_length", "petal_width"], ["setosa", "versicolor", "virginica"]
    fig = lg.plot_decision_boundary(two, X[:, 2:], y, names, classes, lambda v, i: v)
    plotting.save(fig, tmp_path / "b.png")
    fig = lg.plot_probability_heatmaps(two, X[:, 2:], y, names, classes, lambda v, i: v)
    plotting.save(fig, tmp_path / "p.png")
    assert (tmp_path / "b.png").stat().st_size > 20_000 and (tmp_path / "p.png").stat().st_size > 20_000
    assert np.mean(two.predict(X[:, 2:]) == y) > 0.9


@pytest.mark.slow
def test_cli_transcript(run_cli, tmp_path):
    res = run_cli("phase4_ml/logistic_regression.py", "iris.csv", "--no-show", "--out", tmp_path)
    assert res.returncode == 0, res
    out = res.stdout
    for line in ("=== Logistic Regression from Scratch ===", "Loading Iris dataset...",
                 "Classes: setosa, versicolor, virginica",
                 "Features: sepal_length, sepal_width, petal_length, petal_width",
                 "Epoch 0: Loss = 1.099, Accuracy = 33.3%", "Epoch 50: Loss =", "Test set performance:",
                 "Confusion Matrix:"):
        assert line in out, line
    assert float(out.split("  Accuracy: ")[1].split("%")[0]) >= 95
    for name in ("decision_boundary.png", "probability_heatmap.png", "training.png"):
        assert (tmp_path / name).stat().st_size > 10_000


@pytest.mark.slow
def test_mnist_softmax_accuracy(run_main, tmp_path):
    res = run_main(lg.main, "mnist", "--no-show", "--out", tmp_path)
    assert res.returncode == 0, res
    assert float(res.stdout.split("  Accuracy: ")[1].split("%")[0]) >= 92.0
    assert (tmp_path / "mnist_weights.png").stat().st_size > 10_000


@pytest.mark.slow
def test_hidden_data_trains(run_main, tmp_path):
    files = odd_csvs(tmp_path)
    res = run_main(lg.main, files["mixed"], "--target", "kind", "--no-show", "--out", tmp_path)
    assert res.returncode == 0 and "sigmoid, binary" in res.stdout, res
    res = run_main(lg.main, "titanic.csv", "--epochs", "300", "--no-show", "--out", tmp_path)
    assert res.returncode == 0 and "Classes: 0, 1" in res.stdout, res


@pytest.mark.parametrize("args, fragment", [
    (["missing.csv"], "no such file"),
    (["{empty}"], "empty.csv"),
    (["{binary}"], "not a text csv"),
    (["{one_class}", "--target", "label"], "only one class"),
    (["{mixed}", "--target", "price"], "too many classes"),
    (["{mixed}", "--target", "kind", "--features", "x1,nope"], "--features needs two"),
    (["{all_text}", "--target", "label"], "no usable feature columns"),
    (["iris.csv", "--C", "0"], "expected a number > 0"),
    (["iris.csv", "--epochs", "zero"], "expected a whole number"),
])
def test_bad_input_is_one_clear_error(run_main, tmp_path, args, fragment):
    files = odd_csvs(tmp_path)
    argv = [str(files[a[1:-1]]) if a.startswith("{") else a for a in args]
    res = run_main(lg.main, *argv, "--epochs", "5", "--no-show", "--out", tmp_path / "out") \
        if "--epochs" not in args else run_main(lg.main, *argv, "--no-show", "--out", tmp_path / "out")
    assert_user_error(res, fragment)
    assert not list((tmp_path / "out").glob("*.png"))
