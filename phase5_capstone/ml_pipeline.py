"""Complete ML pipeline (project 19): house prices from raw CSV to a deployed REST API.

    train DATA   load -> EDA -> features -> split -> K-fold CV of five from-scratch models -> final
                 test evaluation -> conformal intervals -> model.npz + model.json (never pickle)
    serve        a Flask app under waitress: POST /predict, GET /health, /model, /openapi.json

The steps live in phase5_capstone/pipeline/ (one module each) and compose:

    frame = load_table(path, target)                        # step 1
    split = split_rows(len(frame), seed=seed)               # fixed train / calibration / test rows
    pre   = Preprocessor.fit(frame.iloc[split.train])       # step 3, statistics from train only
    cv    = cross_val_rmse(train_rows, target, make_model)  # step 4, preprocessing refit per fold
    model = make_model(best).fit(pre.transform(train), y_train)
    q     = conformal_quantile(y_cal - model.predict(cal))  # 90% interval: prediction +/- q

Key equations:
    RMSE = sqrt(mean((y - y_hat)^2)),   R^2 = 1 - sum (y - y_hat)^2 / sum (y - mean y)^2
    standardise z = (x - mean_train) / std_train;   IQR outlier: x outside [Q1 - 1.5 IQR, Q3 + 1.5 IQR]
    boosting F_m = F_{m-1} + nu * tree_m(x), tree_m fitted to the residuals y - F_{m-1}
    split conformal: q = ceil((n+1)(1-alpha))-th smallest |y_i - f(x_i)| over n calibration rows

    python phase5_capstone/ml_pipeline.py train housing_data.csv
    python phase5_capstone/ml_pipeline.py train housing_data.csv --fast --out /tmp/model
    python phase5_capstone/ml_pipeline.py train my.csv --target price
    python phase5_capstone/ml_pipeline.py serve [--model outputs/ml_pipeline] [--port 5000]
    curl -X POST http://localhost:5000/predict -H "Content-Type: application/json" \\
         -d '{"longitude": -122.23, "latitude": 37.88, ...}'
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from common import cli, metrics, plotting
from phase5_capstone.pipeline import conformal, eda, plots
from phase5_capstone.pipeline.bundle import Bundle, load_bundle
from phase5_capstone.pipeline.cv import cross_val_rmse, split_rows
from phase5_capstone.pipeline.features import Preprocessor, column_kinds
from phase5_capstone.pipeline.load import DEFAULT_TARGET, load_table
from phase5_capstone.pipeline.models import KINDS, LABELS, GradientBoosting, make_model

SCRIPT = "ml_pipeline"
DEFAULT_MODELS = ("linear", "ridge", "decision_tree", "neural_network", "gradient_boosting")


# ----------------------------------------------------------------------------- the pipeline
def evaluate(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """Test metrics of one model."""
    return {"rmse": metrics.rmse(y, pred), "mae": metrics.mae(y, pred), "r2": metrics.r2(y, pred)}


def train_pipeline(frame, target: str, kinds=DEFAULT_MODELS, k: int = 5, alpha: float = 0.1,
                   seed: int = 42, fast: bool = False, progress=None) -> dict:
    """Steps 3-5 as one function: returns the fitted Bundle and everything the report prints.

    The rows are split once (:func:`split_rows`) into train / calibration / test, and each part
    has one job, so that no number we report has seen the rows it is scored on:
        train        K-fold CV of every model kind (preprocessing refitted per fold), then the
                     final Preprocessor.fit and the best model's fit
        calibration  the conformal half-width q from the residuals y_cal - f(x_cal)
        test         scored once at the end: test metrics and interval coverage
    Returns a dict with "bundle" (Bundle(pre, model, meta)), "split", "cv" ({kind: (k,) fold
    RMSEs}), "best", and "test", "y_test", "pred_test", "train", "y_train" for the figures.
    ``progress(label)`` is called before each CV fit (for a progress bar).
    """
    split = split_rows(len(frame), seed=seed)
    train, cal, test = (frame.iloc[ids].reset_index(drop=True) for ids in split)
    y_train, y_cal, y_test = (part[target].to_numpy(dtype=float) for part in (train, cal, test))
    if len(train) < 2 * k:
        raise cli.UserError(f"only {len(train)} training rows; need at least {2 * k} for {k}-fold CV")
    check_calibration(len(frame), len(cal), alpha)
    cv_scores = {}
    for kind in kinds:
        def make(kind=kind):
            if progress is not None:
                progress(LABELS[kind])
            return make_model(kind, seed=seed, fast=fast)

        cv_scores[kind] = cross_val_rmse(train, target, make, k=k, seed=seed)
    best = min(cv_scores, key=lambda kind: cv_scores[kind].mean())
    pre = Preprocessor.fit(train, target)
    model = make_model(best, seed=seed, fast=fast).fit(pre.transform(train), y_train)
    q = conformal.conformal_quantile(y_cal - model.predict(pre.transform(cal)), alpha)
    pred_test = model.predict(pre.transform(test))
    bounds = conformal.intervals(pred_test, q)
    test_metrics = evaluate(y_test, pred_test)
    meta = {"target": target, "seed": seed, "rows": {"train": len(train), "calibration": len(cal), "test": len(test)},
            "metrics": {"cv_rmse": {kind: float(s.mean()) for kind, s in cv_scores.items()}, "cv_folds": k,
                        "best": best, **{f"test_{m}": v for m, v in test_metrics.items()}},
            "conformal": {"alpha": alpha, "q": q, "n_calibration": len(cal),
                          "test_coverage": conformal.coverage(y_test, bounds)}}
    return {"bundle": Bundle(pre, model, meta), "split": split, "cv": cv_scores, "best": best,
            "test": test, "y_test": y_test, "pred_test": pred_test, "train": train, "y_train": y_train}


def rows_for_calibration(n_cal: int) -> int:
    """The fewest table rows whose split (split_rows: 20% test, then 15% of the rest) has n_cal calibration rows."""
    n = max(1, int(n_cal / (0.8 * 0.15)) - 20)          # a little below the answer; step up to it
    while int(round(0.15 * (n - max(1, int(round(0.2 * n)))))) < n_cal:
        n += 1
    return n


def check_calibration(n_rows: int, n_cal: int, alpha: float) -> None:
    """UserError unless n_cal calibration rows give a finite conformal half-width at level 1 - alpha.

    With fewer than conformal.min_calibration_rows(alpha) rows the interval would be
    [-inf, +inf]: a model that cannot be served (the API answers JSON, which has no infinity).
    """
    need = conformal.min_calibration_rows(alpha)
    if n_cal < need:
        raise cli.UserError(f"{n_rows} rows give only {n_cal} calibration rows, and a {1 - alpha:.0%} interval needs "
                            f"at least {need} (its width would be infinite): use a table of at least "
                            f"{rows_for_calibration(need)} rows, or a larger --alpha")


# ----------------------------------------------------------------------------- CLI
def amount(value: float) -> str:
    """A target-unit amount: thousands separators for big numbers, 3 significant digits for small."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def run_train(args: argparse.Namespace) -> int:
    kinds = tuple(args.models)

    def money(value: float) -> str:      # house prices are dollars; other targets are not
        return ("$" if args.target == DEFAULT_TARGET else "") + amount(value)

    out = cli.out_dir(args, SCRIPT)
    plotting.setup(args.no_show)
    start = time.perf_counter()
    print("=== Complete ML Pipeline ===\n")

    print("Step 1: Data Loading")
    frame = load_table(args.data, args.target)
    numeric, categorical, dropped = column_kinds(frame, args.target)
    if not numeric and not categorical:
        raise cli.UserError(f"no usable feature columns in {args.data} besides {args.target!r} "
                            f"(need numeric or text columns with at most 20 distinct values)")
    print(f"  Loaded {len(frame):,} samples, {len(numeric) + len(categorical)} features "
          f"({len(numeric)} numeric, {len(categorical)} categorical)")
    if dropped:
        print(f"  Ignored (empty or free-text): {', '.join(dropped)}")
    print(f"  Target: {args.target}\n")

    print("Step 2: Exploratory Data Analysis")
    missing = eda.missing_values(frame)
    print("  Missing values: " + (", ".join(f"{c} ({n:,})" for c, n in missing.items()) or "none"))
    values = eda.numeric_frame(frame, args.target)
    outliers = eda.iqr_outliers(values[numeric])
    print("  Outliers detected in (1.5 IQR rule): "
          + (", ".join(f"{c} ({n:,})" for c, n in outliers.items()) or "none"))
    top = values[args.target].max()
    at_top = int((values[args.target] == top).sum())
    if at_top > 0.01 * len(values):
        print(f"  Note: {at_top:,} targets sit at the maximum {top:,.0f} (a cap in the data; kept as they are)")
    corr = eda.correlations(values)
    strongest = corr[args.target].drop(args.target).abs().sort_values(ascending=False)
    if len(strongest):
        print(f"  Strongest correlation with the target: {strongest.index[0]} "
              f"(r = {corr[args.target][strongest.index[0]]:+.2f})")
    plotting.save(eda.plot_correlation_heatmap(corr), out / "correlation_heatmap.png")
    print("  [Correlation heatmap saved]")
    plotting.save(eda.plot_histograms(values.iloc[:, :24], outliers), out / "histograms.png")
    print("  [Histograms saved]\n")

    from tqdm import tqdm

    n_fits = len(kinds) * args.k
    bar = tqdm(total=n_fits, desc="cross-validation", disable=None, leave=False)

    def progress(label):
        bar.set_postfix_str(label)
        bar.update(1)

    result = train_pipeline(frame, args.target, kinds, k=args.k, alpha=args.alpha, seed=args.seed,
                            fast=args.fast, progress=progress)
    bar.close()
    bundle, split, best = result["bundle"], result["split"], result["best"]
    pre, meta = bundle.pre, bundle.meta

    print("Step 3: Feature Engineering")
    print(f"  Split (seed {args.seed}): {len(split.train):,} train / {len(split.calibration):,} calibration / "
          f"{len(split.test):,} test rows; every statistic below is fitted on the train rows only")
    imputed = [c for c in missing if c in pre.numeric]
    if imputed:
        print("  Imputed with the training median: " + ", ".join(f"{c} = {pre.medians[c]:g}" for c in imputed))
    if pre.ratios:
        print(f"  Created: {', '.join(pre.ratios)}")
    if pre.categorical:
        print("  One-hot encoded: " + ", ".join(f"{c} ({len(v)} levels -> {len(v) - 1} columns)"
                                              for c, v in pre.categorical.items()))
    print("  Standardised: z = (x - mean_train) / std_train")
    print(f"  Final features: {len(pre.features)}\n")

    print(f"Step 4: Model Training (all from scratch!)  {args.k}-fold CV on the {len(split.train):,} train rows")
    width = max(len(LABELS[k]) for k in kinds) + 1
    for kind in kinds:
        scores = result["cv"][kind]
        mark = "  <- Best!" if kind == best else ""
        print(f"  {LABELS[kind] + ':':<{width}}  CV RMSE = {money(scores.mean())} (+/- {amount(scores.std())}){mark}")
    print()

    m, c = meta["metrics"], meta["conformal"]
    print("Step 5: Final Evaluation")
    print(f"  Model: {LABELS[best]}, refitted on the {len(split.train):,} train rows, "
          f"scored once on {len(split.test):,} test rows")
    print(f"  Test RMSE: {money(m['test_rmse'])}")
    print(f"  Test MAE:  {money(m['test_mae'])}")
    print(f"  Test R²: {m['test_r2']:.3f}")
    print(f"  {1 - args.alpha:.0%} prediction interval: prediction +/- {money(c['q'])} "
          f"(split conformal, {c['n_calibration']:,} calibration rows)")
    print(f"  Interval coverage on the test rows: {c['test_coverage']:.1%}\n")

    y_test, pred_test = result["y_test"], result["pred_test"]
    best_index = list(kinds).index(best)
    plotting.save(plots.plot_cv_comparison([LABELS[k] for k in kinds], [result["cv"][k] for k in kinds],
                                           best_index), out / "cv_comparison.png")
    plotting.save(plots.plot_predictions(y_test, pred_test, c["q"], c["test_coverage"], 1 - args.alpha,
                                         LABELS[best]), out / "predictions.png")
    figures = ["correlation_heatmap.png", "histograms.png", "cv_comparison.png", "predictions.png"]
    if isinstance(bundle.model, GradientBoosting):
        X_train, X_test = pre.transform(result["train"]), pre.transform(result["test"])
        fig = plots.plot_boosting_curve(bundle.model.staged_rmse(X_train, result["y_train"]),
                                        bundle.model.staged_rmse(X_test, y_test))
        plotting.save(fig, out / "boosting_curve.png")
        figures.append("boosting_curve.png")
    bundle.save(out)
    print(f"Model saved to {out / 'model.npz'} + {out / 'model.json'}")
    print(f"Figures: {', '.join(figures)}")
    print(f"Done in {time.perf_counter() - start:.0f} s. Serve it with: "
          f"python phase5_capstone/ml_pipeline.py serve --model {out}")
    plotting.show()
    return 0


def run_serve(args: argparse.Namespace) -> int:
    from phase5_capstone.pipeline.api import serve

    folder = args.model or Path("outputs") / SCRIPT
    bundle = load_bundle(folder)

    def ready(port):
        m = bundle.meta["metrics"]
        print(f"Model: {LABELS[bundle.meta['model']['kind']]} from {folder} "
              f"(test RMSE {amount(m['test_rmse'])}, R² {m['test_r2']:.3f})")
        print(f" * Running on http://{args.host}:{port} (waitress; Ctrl-C to stop)", flush=True)

    try:
        serve(bundle, args.host, args.port, threads=args.threads, on_ready=ready)
    except OSError as exc:
        raise cli.UserError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    return 0


def model_list(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n not in KINDS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown model {unknown[0] if unknown else text!r}; "
                                         f"choose from {','.join(DEFAULT_MODELS)}")
    return names


def alpha_value(text: str) -> float:
    value = cli.finite_float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a miscoverage level in (0, 1), e.g. 0.1, got {text}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser(__doc__, prog="phase5_capstone/ml_pipeline.py", seed=False, out=False, show=False)
    sub = parser.add_subparsers(dest="command", required=True, metavar="{train,serve}")
    train = sub.add_parser("train", help="run the pipeline on a CSV and save the model")
    train.add_argument("data", help="CSV path or dataset name (housing_data.csv = California housing)")
    train.add_argument("--target", default=DEFAULT_TARGET, help=f"column to predict (default {DEFAULT_TARGET})")
    train.add_argument("--k", type=cli.positive_int, default=5, help="folds for cross-validation (default 5)")
    train.add_argument("--models", type=model_list, default=list(DEFAULT_MODELS),
                       help=f"comma-separated models to compare (default {','.join(DEFAULT_MODELS)})")
    train.add_argument("--alpha", type=alpha_value, default=0.1,
                       help="miscoverage of the conformal interval (default 0.1: a 90%% interval)")
    train.add_argument("--fast", action="store_true",
                       help="smaller boosting and fewer network epochs (for quick demos and tests)")
    train.add_argument("--seed", type=cli.seed_value, default=cli.DEFAULT_SEED,
                       help="seed of the split, folds and models")
    train.add_argument("--out", type=Path, default=None, metavar="DIR",
                       help=f"folder for figures and model.npz/model.json (default outputs/{SCRIPT}/)")
    train.add_argument("--no-show", action="store_true", help="only save figures")
    serve = sub.add_parser("serve", help="serve a trained model over HTTP (waitress)")
    serve.add_argument("--model", type=Path, default=None, metavar="DIR",
                       help=f"folder holding model.npz + model.json (default outputs/{SCRIPT}/)")
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=5000, help="TCP port (default 5000; 0 picks a free one)")
    # a request is CPU-bound Python (it holds the GIL): extra worker threads only contend for it and
    # cost CPU; waitress buffers whole requests and responses, so slow clients never hold a worker.
    serve.add_argument("--threads", type=cli.positive_int, default=2, help="waitress worker threads (default 2)")
    args = parser.parse_args(argv)
    if args.command == "train":
        if args.k < 2:
            raise cli.UserError("--k must be at least 2 folds")
        return run_train(args)
    if not 0 <= args.port <= 65535:
        raise cli.UserError(f"--port must be in 0..65535, got {args.port}")
    return run_serve(args)


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
