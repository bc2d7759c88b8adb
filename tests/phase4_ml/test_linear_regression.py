"""linear_regression (project 13, M4): normal equation / Ridge vs scikit-learn (rel 1e-6), GD (1e-4),
Lasso coordinate descent (1e-4), overfitting vs Ridge, the toy set, the CLI and its bad inputs."""

import numpy as np
import pytest

from common import datasets, tabular
from phase4_ml import linear_regression as lr
from tests.conftest import assert_user_error
from tests.phase4_ml.odd_inputs import odd_csvs, one_blas_thread  # noqa: F401 (autouse fixture)

sk = pytest.importorskip("sklearn.linear_model")


@pytest.fixture(scope="module")
def boston():
    table = tabular.design_matrix(datasets.load("boston-housing"), "MEDV")
    train, test = tabular.train_test_indices(len(table.X), 0.2, 42)
    return table, train, test


def rel(a, b):
    return float(np.max(np.abs(np.asarray(a) - b)) / np.max(np.abs(b)))


def test_normal_equation_matches_sklearn(boston):
    table, train, _ = boston
    X, y = table.X[train], table.y[train]
    ours, ref = lr.LinearRegression().fit(X, y), sk.LinearRegression().fit(X, y)
    assert not ours.singular_
    assert rel(ours.coef_, ref.coef_) < 1e-6
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-6)


@pytest.mark.parametrize("alpha", [0.1, 1.0, 10.0])
def test_ridge_closed_form_matches_sklearn(boston, alpha):
    table, train, _ = boston
    X, y = table.X[train], table.y[train]
    ours, ref = lr.Ridge(alpha).fit(X, y), sk.Ridge(alpha).fit(X, y)
    assert rel(ours.coef_, ref.coef_) < 1e-6
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-6)


def test_gradient_descent_converges_to_the_closed_forms(boston):
    """Milestone 2: GD lands on the normal-equation answer (OLS) and on sklearn's Ridge (alpha 1)."""
    table, train, _ = boston
    X, y = table.X[train], table.y[train]
    gd = lr.GradientDescentRegressor().fit(X, y)
    assert rel(gd.coef_, sk.LinearRegression().fit(X, y).coef_) < 1e-4
    assert rel(gd.coef_, lr.LinearRegression().fit(X, y).coef_) < 1e-4      # and our normal equation
    assert gd.history_[-1] < gd.history_[0] and gd.epochs_run_ < gd.epochs
    ridge_gd = lr.GradientDescentRegressor(alpha=1.0).fit(X, y)
    ref = sk.Ridge(1.0).fit(X, y)
    assert rel(ridge_gd.coef_, ref.coef_) < 1e-4
    assert ridge_gd.intercept_ == pytest.approx(ref.intercept_, rel=1e-4)


def test_minibatch_gd_gets_close(boston):
    table, train, _ = boston
    X, y = table.X[train], table.y[train]
    best = np.mean((y - lr.LinearRegression().fit(X, y).predict(X)) ** 2)
    mb = lr.GradientDescentRegressor(batch_size=32, epochs=100, seed=0).fit(X, y)
    assert best <= mb.history_[-1] < 1.05 * best


@pytest.mark.parametrize("alpha", [0.01, 0.1, 1.0])
def test_lasso_matches_sklearn(boston, alpha):
    table, train, _ = boston
    X, y = table.X[train], table.y[train]
    ours = lr.Lasso(alpha).fit(X, y)
    ref = sk.Lasso(alpha=alpha, tol=1e-12, max_iter=100000).fit(X, y)
    assert rel(ours.coef_, ref.coef_) < 1e-4
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-4)
    np.testing.assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)


def test_lasso_path_zeroes_coefficients_and_ridge_shrinks(boston):
    table, train, _ = boston
    X, y = table.X[train], table.y[train]
    lasso = lr.regularisation_path(X, y, np.array([0.01, 1.0, 100.0]), "lasso")
    assert np.sum(lasso[0] == 0) < np.sum(lasso[1] == 0) and np.all(lasso[2] == 0)
    ridge = np.linalg.norm(lr.regularisation_path(X, y, np.array([0.1, 10.0, 1000.0]), "ridge"), axis=1)
    assert ridge[0] > ridge[1] > ridge[2] > 0


def test_regularisation_reduces_overfitting(boston):
    """Milestone 3: degree-2 least squares overfits a small sample; validated Ridge halves its test error."""
    table, train, test = boston
    rows, cols, (ols_train, ols_test), alpha, (ridge_train, ridge_test) = lr.overfitting_demo(
        table.X[train], table.y[train], table.X[test], table.y[test], seed=42)
    assert cols == 13 + 13 * 14 // 2 and rows == 150
    assert ols_train < ridge_train          # least squares fits the training rows more closely ...
    assert ridge_test < 0.5 * ols_test      # ... and generalises far worse
    assert alpha > 0


def test_predicts_new_data(boston):
    """Milestone 4: a model fitted on the training rows predicts the held-out rows well (R^2 > 0.6)."""
    table, train, test = boston
    model = lr.LinearRegression().fit(table.X[train], table.y[train])
    pred = model.predict(table.X[test])
    ss_res = np.sum((table.y[test] - pred) ** 2)
    ss_tot = np.sum((table.y[test] - table.y[test].mean()) ** 2)
    assert 1 - ss_res / ss_tot > 0.6


def test_collinear_columns_fall_back_to_least_squares():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2))
    X = np.column_stack([X, X[:, 0] + X[:, 1]])
    y = X @ [1.0, 2.0, 0.0] + 0.5
    model = lr.LinearRegression().fit(X, y)
    assert model.singular_
    np.testing.assert_allclose(model.predict(X), sk.LinearRegression().fit(X, y).predict(X), atol=1e-8)


def test_toy_recovers_the_true_parameters():
    """M4: on generated data the fitted parameters are the ones that generated it."""
    X, y, w_true, b_true = lr.make_toy(n=2000, seed=1)
    for model in (lr.LinearRegression().fit(X, y), lr.GradientDescentRegressor().fit(X, y)):
        np.testing.assert_allclose(model.coef_, w_true, atol=0.05)
        assert model.intercept_ == pytest.approx(b_true, abs=0.05)


def test_toy_cli(run_main):
    res = run_main(lr.main, "--toy")
    assert res.returncode == 0, res
    assert "true  normal eq.  grad. descent" in res.stdout
    assert "w1           3.000" in res.stdout and "R^2 = 0.9" in res.stdout


@pytest.mark.slow
def test_cli_transcript(run_cli, tmp_path):
    res = run_cli("phase4_ml/linear_regression.py", "housing_data.csv", "--no-show", "--out", tmp_path)
    assert res.returncode == 0, res
    out = res.stdout
    for line in ("=== Linear Regression from Scratch ===", "Loading Boston Housing dataset...",
                 "Features: CRIM, ZN, INDUS, ... (13 total)", "Method 1: Normal Equation",
                 "Method 2: Gradient Descent", "Iteration 0: MSE =", "Iteration 100: MSE =",
                 "<- Same as normal equation!", "Evaluation on test set:", "Overfitting check"):
        assert line in out, line
    r2 = float(out.split("  R²: ")[1].split()[0])
    assert 0.6 < r2 < 0.95
    for name in ("actual_vs_predicted.png", "residuals.png", "regularisation_path.png", "gd_loss.png"):
        assert (tmp_path / name).stat().st_size > 10_000


@pytest.mark.slow
def test_drop_b_and_hidden_data(run_main, tmp_path):
    res = run_main(lr.main, "housing_data.csv", "--drop", "B", "--no-show", "--out", tmp_path)
    assert res.returncode == 0 and "(12 total)" in res.stdout, res
    files = odd_csvs(tmp_path)
    res = run_main(lr.main, files["mixed"], "--target", "price", "--no-show", "--out", tmp_path)
    assert res.returncode == 0, res
    assert "filled 9 missing x1 values with the median" in res.stdout and "one-hot encoded colour" in res.stdout


@pytest.mark.parametrize("args, fragment", [
    (["nope.csv"], "no such file"),
    (["{empty}"], "empty.csv"),
    (["{header_only}"], "no data rows"),
    (["{binary}"], "not a text csv"),
    (["{ragged}"], "well-formed"),
    (["{mixed}", "--target", "kind"], "not numeric"),
    (["{mixed}", "--target", "nope"], "no target column 'nope'"),
    (["{mixed}", "--target", "price", "--drop", "zzz"], "no column to drop"),
    (["{all_text}", "--target", "label"], "no usable feature columns"),
    (["{const}", "--target", "y"], "same value"),
    (["housing_data.csv", "--alpha", "-1"], "expected a number > 0"),
    (["housing_data.csv", "--test-size", "2"], "between 0 and 1"),
])
def test_bad_input_is_one_clear_error(run_main, tmp_path, args, fragment):
    files = odd_csvs(tmp_path)
    argv = [str(files[a[1:-1]]) if a.startswith("{") else a for a in args]
    res = run_main(lr.main, *argv, "--no-show", "--out", tmp_path / "out")
    assert_user_error(res, fragment)
    assert not list((tmp_path / "out").glob("*.png"))
