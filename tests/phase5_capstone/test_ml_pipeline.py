"""Project 19: the pipeline's steps checked against scikit-learn / NumPy, no leakage, the CLI, bad input.

Quick tests use samples of the California housing table; the full run (the acceptance numbers) is slow.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from phase5_capstone.ml_pipeline import main as pipeline_main
from phase5_capstone.ml_pipeline import train_pipeline
from phase5_capstone.pipeline import conformal, eda
from phase5_capstone.pipeline.bundle import Bundle, load_bundle
from phase5_capstone.pipeline.cv import kfold_indices, split_rows
from phase5_capstone.pipeline.features import Preprocessor
from phase5_capstone.pipeline.load import load_table
from phase5_capstone.pipeline.models import GradientBoosting, make_model, pack_trees, predict_packed
from tests.conftest import assert_user_error

TARGET = "median_house_value"
SCRIPT = "phase5_capstone/ml_pipeline.py"


@pytest.fixture(scope="module")
def housing():
    return load_table("housing_data.csv")


@pytest.fixture(scope="module")
def sample(housing):
    return housing.sample(2000, random_state=1).reset_index(drop=True)


# ----------------------------------------------------------------------------- step 2: EDA
def test_eda_statistics_match_numpy(sample):
    """Milestone 1 (clean messy data): missing counts, IQR outliers and correlations from their definitions."""
    assert eda.missing_values(sample) == {c: int(n) for c, n in sample.isna().sum().items() if n}
    values = eda.numeric_frame(sample, TARGET)
    x = values["total_rooms"].to_numpy()
    q1, q3 = np.percentile(x, [25, 75])
    expected = int(np.sum((x < q1 - 1.5 * (q3 - q1)) | (x > q3 + 1.5 * (q3 - q1))))
    assert eda.iqr_outliers(values)["total_rooms"] == expected > 0
    complete = values.dropna()
    np.testing.assert_allclose(eda.correlations(complete).to_numpy(), np.corrcoef(complete.to_numpy().T), atol=1e-12)


# ----------------------------------------------------------------------------- step 3: features
def _sklearn_reference(train: pd.DataFrame, test: pd.DataFrame, pre: Preprocessor) -> np.ndarray:
    """The same preprocessing with scikit-learn: ratios, median imputation, one-hot (drop first), scaling."""
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    def with_ratios(frame):
        out = frame[pre.numeric].copy()
        out["rooms_per_household"] = out.total_rooms / out.households
        out["bedrooms_ratio"] = out.total_bedrooms / out.total_rooms
        out["population_per_household"] = out.population / out.households
        return out

    imputer = SimpleImputer(strategy="median").fit(with_ratios(train))
    onehot = OneHotEncoder(drop="first", sparse_output=False).fit(train[["ocean_proximity"]])

    def raw(frame):
        return np.hstack([imputer.transform(with_ratios(frame)), onehot.transform(frame[["ocean_proximity"]])])

    return StandardScaler().fit(raw(train)).transform(raw(test))


def test_preprocessing_matches_sklearn(sample):
    """Milestone 2 (engineer features): our fitted preprocessing equals scikit-learn's, to 1e-10."""
    train, test = sample.iloc[:1500], sample.iloc[1500:]
    pre = Preprocessor.fit(train, TARGET)
    assert pre.ratios == ["rooms_per_household", "bedrooms_ratio", "population_per_household"]
    levels = train["ocean_proximity"].nunique()
    assert len(pre.features) == 8 + 3 + levels - 1 and train["total_bedrooms"].isna().any()
    np.testing.assert_allclose(pre.transform(test), _sklearn_reference(train, test, pre), atol=1e-10)


def test_api_fast_path_equals_dataframe_path(sample):
    pre = Preprocessor.fit(sample, TARGET)
    rows = sample.drop(columns=[TARGET]).head(50)
    records = [{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in r.items()}
               for r in rows.to_dict("records")]
    np.testing.assert_allclose(pre.transform_records(records), pre.transform(rows), atol=1e-12)


def test_no_leakage_changing_test_rows_changes_nothing_fitted(sample):
    """Preprocessing, CV scores, model and conformal q depend only on train/calibration rows."""
    split = split_rows(len(sample), seed=42)
    changed = sample.copy()
    cols = ["median_income", "total_rooms", "households", TARGET]
    changed.loc[split.test, cols] = changed.loc[split.test, cols] * 1000.0
    changed.loc[split.test, "total_bedrooms"] = np.nan
    changed.loc[split.test, "ocean_proximity"] = "ISLAND"
    a = train_pipeline(sample, TARGET, kinds=("ridge",), k=3)
    b = train_pipeline(changed, TARGET, kinds=("ridge",), k=3)
    assert a["bundle"].pre.to_json() == b["bundle"].pre.to_json()
    np.testing.assert_array_equal(a["cv"]["ridge"], b["cv"]["ridge"])
    np.testing.assert_array_equal(a["bundle"].model.state()["coef"], b["bundle"].model.state()["coef"])
    assert a["bundle"].meta["conformal"]["q"] == b["bundle"].meta["conformal"]["q"]
    assert a["bundle"].meta["metrics"]["test_rmse"] != b["bundle"].meta["metrics"]["test_rmse"]  # test rows did change


# ----------------------------------------------------------------------------- step 4: CV and models
def test_kfold_partitions_like_sklearn():
    from sklearn.model_selection import KFold

    folds = kfold_indices(103, k=5, seed=0)
    val = np.concatenate([v for _, v in folds])
    assert sorted(val.tolist()) == list(range(103))
    for train, v in folds:
        assert len(np.intersect1d(train, v)) == 0 and len(train) + len(v) == 103
    ref = [len(v) for _, v in KFold(5).split(np.zeros(103))]
    assert [len(v) for _, v in folds] == ref
    s = split_rows(1000, seed=3)
    assert len(np.unique(np.concatenate(s))) == 1000 and len(s.test) == 200 and len(s.calibration) == 120


def test_gradient_boosting_matches_sklearn(sample):
    """Our boosting of phase-4 trees (no row subsampling) equals sklearn's GradientBoostingRegressor."""
    from sklearn.ensemble import GradientBoostingRegressor

    pre = Preprocessor.fit(sample, TARGET)
    X, y = pre.transform(sample), sample[TARGET].to_numpy()
    ours = GradientBoosting(n_trees=25, learning_rate=0.2, max_depth=3, min_samples_leaf=5, subsample=1.0).fit(X, y)
    ref = GradientBoostingRegressor(n_estimators=25, learning_rate=0.2, max_depth=3, min_samples_leaf=5,
                                    random_state=0).fit(X, y)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-9, atol=1e-6)
    staged = ours.staged_rmse(X, y)
    assert np.all(np.diff(staged) <= 1e-9)          # training error never goes up


def test_packed_trees_predict_like_the_phase4_tree(sample):
    from phase4_ml.decision_tree import DecisionTreeRegressor

    pre = Preprocessor.fit(sample, TARGET)
    X, y = pre.transform(sample), sample[TARGET].to_numpy()
    trees = [DecisionTreeRegressor(max_depth=d).fit(X, y) for d in (2, 5, 8)]
    values = predict_packed(pack_trees(trees), X)
    for tree, row in zip(trees, values):
        np.testing.assert_array_equal(row, tree.predict(X))


@pytest.mark.parametrize("kind", ["linear", "ridge", "decision_tree", "neural_network", "gradient_boosting"])
def test_models_save_and_load_exactly(sample, tmp_path, kind):
    """Milestone 3 (compare models fairly) needs every model to round-trip through model.npz + model.json."""
    pre = Preprocessor.fit(sample, TARGET)
    X, y = pre.transform(sample), sample[TARGET].to_numpy()
    model = make_model(kind, fast=True).fit(X[:1000], y[:1000])
    meta = {"target": TARGET, "metrics": {}, "conformal": {"alpha": 0.1, "q": 1.0}}
    Bundle(pre, model, meta).save(tmp_path)
    assert json.loads((tmp_path / "model.json").read_text())["model"]["kind"] == kind
    loaded = load_bundle(tmp_path)
    np.testing.assert_array_equal(loaded.predict(sample.iloc[1000:]), model.predict(X[1000:]))
    assert b"pickle" not in (tmp_path / "model.npz").read_bytes()[:2000]
    assert 0.3 < 1 - np.mean((model.predict(X[1000:]) - y[1000:]) ** 2) / np.var(y[1000:])   # it learned something


# ----------------------------------------------------------------------------- conformal
def test_conformal_quantile_definition_and_coverage():
    assert conformal.conformal_quantile(np.arange(1, 10), alpha=0.1) == 9      # ceil(10 * 0.9) = 9th smallest
    assert conformal.conformal_quantile(np.arange(1, 20), alpha=0.1) == 18     # ceil(20 * 0.9) = 18th
    assert conformal.conformal_quantile(np.arange(1, 5), alpha=0.1) == np.inf  # too few points
    rng = np.random.default_rng(0)
    covs = []
    for _ in range(400):      # exchangeable residuals: average coverage in [1 - alpha, 1 - alpha + 1/(n+1)]
        cal, new = rng.standard_t(3, 199), rng.standard_t(3, 1000)
        q = conformal.conformal_quantile(cal, 0.1)
        covs.append(conformal.coverage(new, conformal.intervals(np.zeros(1000), q)))
    assert 0.895 <= np.mean(covs) <= 0.9 + 1 / 200 + 0.005


# ----------------------------------------------------------------------------- CLI
@pytest.mark.slow
def test_cli_other_csv_with_target(tmp_path, capsys):
    """--target makes the pipeline work on another table (iris: predict petal_length)."""
    code = pipeline_main(["train", "iris", "--target", "petal_length", "--k", "3", "--fast",
                          "--models", "linear,ridge,decision_tree", "--out", str(tmp_path), "--no-show"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Loaded 150 samples, 4 features (3 numeric, 1 categorical)" in out
    assert "One-hot encoded: species (3 levels -> 2 columns)" in out and "Created:" not in out
    assert "<- Best!" in out and (tmp_path / "model.npz").exists() and (tmp_path / "correlation_heatmap.png").exists()
    meta = json.loads((tmp_path / "model.json").read_text())
    assert meta["target"] == "petal_length" and meta["metrics"]["test_r2"] > 0.9


@pytest.mark.parametrize(("args", "fragment"), [
    (["train", "no_such_file.csv"], "no such file"),
    (["train", "housing_data.csv", "--target", "price"], "no target column 'price'"),
    (["train", "housing_data.csv", "--target", "ocean_proximity"], "not numeric"),
    (["train", "housing_data.csv", "--k", "1"], "at least 2 folds"),
    (["train", "/dev/null"], "not a regular file"),
    (["train", "EMPTY"], "empty"),
    (["serve", "--port", "70000"], "--port"),
])
def test_cli_bad_input_in_process(args, fragment, capsys, tmp_path):
    from common import cli

    empty = tmp_path / "empty.csv"
    empty.write_text("")
    args = [str(empty) if a == "EMPTY" else a for a in args]
    assert cli.run(pipeline_main, args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and fragment in err[0]


@pytest.mark.parametrize(("args", "fragment"), [
    (["train", "housing_data.csv", "--models", "svm"], "unknown model"),
    (["train", "housing_data.csv", "--alpha", "1.5"], "miscoverage"),
    (["serve", "--threads", "0"], "--threads"),
    (["predict"], "invalid choice"),
])
def test_cli_bad_options_in_process(args, fragment, capsys):
    with pytest.raises(SystemExit) as exc:
        pipeline_main(args)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and fragment in err[0]


def test_cli_bad_files(run_cli, tmp_path):
    binary = tmp_path / "data.csv"
    binary.write_bytes(bytes(range(256)) * 10)
    assert_user_error(run_cli(SCRIPT, "train", str(binary), "--out", str(tmp_path / "o")), "not a text CSV")
    ids = tmp_path / "ids.csv"
    ids.write_text("house_id,price\n" + "".join(f"h{i},{i}\n" for i in range(50)))
    assert_user_error(run_cli(SCRIPT, "train", str(ids), "--target", "price", "--out", str(tmp_path / "o")),
                      "no usable feature columns")
    assert not (tmp_path / "o" / "model.json").exists()


# ----------------------------------------------------------------------------- the full run (acceptance)
@pytest.mark.slow
def test_cli_transcript_full_run(run_cli, tmp_path):
    """The transcript's command on all 20,640 rows: five models, best test RMSE <= $50,000, R^2 >= 0.80,
    conformal 90% interval coverage in [88%, 92%], model and figures saved."""
    result = run_cli(SCRIPT, "train", "housing_data.csv", "--out", str(tmp_path), "--no-show")
    assert result.returncode == 0, result
    out = result.stdout
    for line in ("=== Complete ML Pipeline ===", "Step 1: Data Loading", "Loaded 20,640 samples",
                 "Target: median_house_value", "Step 2: Exploratory Data Analysis",
                 "Missing values: total_bedrooms (207)",
                 "Outliers detected in", "[Correlation heatmap saved]", "Step 3: Feature Engineering",
                 "Created: rooms_per_household, bedrooms_ratio, population_per_household",
                 "One-hot encoded: ocean_proximity", "Final features: 15", "Step 4: Model Training (all from scratch!)",
                 "Linear Regression:", "Ridge Regression:", "Decision Tree:", "Neural Network:", "Gradient Boosting:",
                 "<- Best!", "Step 5: Final Evaluation", "Test RMSE: $", "Test R²:", "Model saved to"):
        assert line in out, line
    meta = json.loads((tmp_path / "model.json").read_text())
    m, c = meta["metrics"], meta["conformal"]
    assert m["test_rmse"] <= 50_000 and m["test_r2"] >= 0.80, m
    assert f"Test RMSE: ${m['test_rmse']:,.0f}" in out
    assert 0.88 <= c["test_coverage"] <= 0.92, c
    assert f"Interval coverage on the test rows: {c['test_coverage']:.1%}" in out
    assert m["cv_rmse"][m["best"]] == min(m["cv_rmse"].values())
    assert m["cv_rmse"]["linear"] > m["cv_rmse"]["gradient_boosting"]
    for name in ("model.npz", "correlation_heatmap.png", "histograms.png", "cv_comparison.png", "predictions.png"):
        assert (tmp_path / name).stat().st_size > 1000, name
