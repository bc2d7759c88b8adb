"""Linear regression from scratch: normal equation, gradient descent, Ridge and Lasso.

Public API (imported by the capstone; names are stable). X: (n, d) float, y: (n,) float::

    from phase4_ml.linear_regression import LinearRegression, Ridge, Lasso, GradientDescentRegressor
    LinearRegression().fit(X, y)      # normal equation, solved with np.linalg.solve
    Ridge(alpha=1.0).fit(X, y)        # closed form (X^T X + alpha I) w = X^T y
    Lasso(alpha=0.1).fit(X, y)        # coordinate descent with soft thresholding
    GradientDescentRegressor(alpha=0.0, batch_size=None).fit(X, y)   # (mini-)batch GD
    model.coef_ (d,), model.intercept_, model.predict(X) -> (n,)

The model is y_hat = X w + b. Centring X and y removes b (b = mean(y) - mean(X) w), then
    OLS:    minimise ||y - X w||^2              ->  (X^T X) w = X^T y          (normal equation)
    Ridge:  minimise ||y - X w||^2 + alpha ||w||^2  ->  (X^T X + alpha I) w = X^T y
    Lasso:  minimise ||y - X w||^2 / (2n) + alpha ||w||_1      (no closed form)
            coordinate j: w_j = S(x_j^T r_j / n, alpha) / (x_j^T x_j / n),  S(z, a) = sign(z) max(|z| - a, 0)
            where r_j is the residual without feature j.
Gradient descent works on standardised features z = (x - mu) / sigma (so one step size suits every
direction) and minimises the same objective as Ridge, scaled by 1/n:
    L(v, b) = ||y - Z v - b||^2 / n + alpha ||v / sigma||^2 / n,   w = v / sigma
    dL/dv = -2 Z^T r / n + 2 alpha v / (n sigma^2),    dL/db = -2 mean(r)
with the step 1 / (largest curvature), so it converges to the closed-form answer.
Evaluation on a held-out split: MSE, MAE and R^2 = 1 - SS_res / SS_tot.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from common import cli, datasets, metrics, plotting, tabular

# ----------------------------------------------------------------------------- closed forms


def _centre(X: np.ndarray, y: np.ndarray):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or y.ndim != 1 or len(X) != len(y) or len(X) == 0:
        raise ValueError(f"X must be (n, d) and y (n,), got {X.shape} and {y.shape}")
    x_mean, y_mean = X.mean(axis=0), y.mean()
    return X - x_mean, y - y_mean, x_mean, y_mean


def normal_equation(X: np.ndarray, y: np.ndarray, alpha: float = 0.0) -> np.ndarray:
    """The least-squares weights of centred data: solve (X^T X + alpha I) w = X^T y for w.

    X: (n, d) centred features (every column has mean 0), y: (n,) centred targets -> w: (d,).
    alpha = 0 is ordinary least squares; alpha > 0 is Ridge, which adds alpha to the diagonal of
    X^T X (d, d). The system is solved with ``np.linalg.solve``, never with an explicit inverse.

    Example: X = [[-1], [0], [1]], y = [-2, 0, 2] give X^T X = 2 and X^T y = 4, so w = [2];
    with alpha = 2 the system is 4 w = 4 and w = [1] (Ridge pulls the weight towards 0).
    """
    gram = X.T @ X + alpha * np.eye(X.shape[1])          # (d, d)
    return np.linalg.solve(gram, X.T @ y)


class LinearRegression:
    """Ordinary least squares via the normal equation (X^T X) w = X^T y on centred data.

    Solved with ``np.linalg.solve`` (never an explicit inverse). If X^T X is singular (duplicate or
    collinear columns) it falls back to the minimum-norm least-squares solution (``lstsq``);
    ``self.singular_`` records that.
    """

    def fit(self, X: np.ndarray, y: np.ndarray):
        Xc, yc, x_mean, y_mean = _centre(X, y)
        self.singular_ = False
        try:
            if np.linalg.cond(Xc.T @ Xc) > 1e12:
                raise np.linalg.LinAlgError
            self.coef_ = normal_equation(Xc, yc)
        except np.linalg.LinAlgError:
            self.singular_ = True
            self.coef_ = np.linalg.lstsq(Xc, yc, rcond=None)[0]
        self.intercept_ = float(y_mean - x_mean @ self.coef_)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predictions y_hat = X w + b for new rows: X (m, d) -> (m,), with w = coef_ and b = intercept_.

        Example: w = [2, -1], b = 0.5 and the row x = [1, 3] give 2 - 3 + 0.5 = -0.5.
        """
        return np.asarray(X, dtype=float) @ self.coef_ + self.intercept_


class Ridge(LinearRegression):
    """L2-regularised least squares: (X^T X + alpha I) w = X^T y on centred data (b unpenalised)."""

    def __init__(self, alpha: float = 1.0):
        if alpha < 0:
            raise ValueError("alpha must be >= 0")
        self.alpha = alpha

    def fit(self, X: np.ndarray, y: np.ndarray):
        Xc, yc, x_mean, y_mean = _centre(X, y)
        self.singular_ = False
        self.coef_ = normal_equation(Xc, yc, self.alpha)
        self.intercept_ = float(y_mean - x_mean @ self.coef_)
        return self


def soft_threshold(z: np.ndarray | float, a: float):
    """S(z, a) = sign(z) * max(|z| - a, 0): the L1 proximal step."""
    return np.sign(z) * np.maximum(np.abs(z) - a, 0.0)


class Lasso(LinearRegression):
    """L1-regularised least squares, objective ||y - Xw - b||^2 / (2n) + alpha ||w||_1 (as scikit-learn).

    Cyclic coordinate descent; stops when the largest coefficient change is below
    ``tol * max|w|`` (or after ``max_iter`` sweeps). ``n_iter_`` is the number of sweeps.
    """

    def __init__(self, alpha: float = 1.0, max_iter: int = 10000, tol: float = 1e-10):
        if alpha < 0:
            raise ValueError("alpha must be >= 0")
        self.alpha, self.max_iter, self.tol = alpha, max_iter, tol

    def fit(self, X: np.ndarray, y: np.ndarray, coef_init: np.ndarray | None = None):
        Xc, yc, x_mean, y_mean = _centre(X, y)
        n, d = Xc.shape
        w = np.zeros(d) if coef_init is None else np.array(coef_init, dtype=float)
        # everything coordinate descent needs is in G = X^T X / n and c = X^T y / n ("covariance
        # updates"): x_j^T r / n = c_j - G_j . w, so one update costs O(d), not O(n)
        G, c = Xc.T @ Xc / n, Xc.T @ yc / n
        for sweep in range(1, self.max_iter + 1):
            self.n_iter_ = sweep
            biggest = 0.0
            for j in range(d):  # one coordinate at a time, the others held fixed
                if G[j, j] == 0:
                    continue
                old = w[j]
                rho = c[j] - G[j] @ w + G[j, j] * old          # x_j^T (r + x_j w_j) / n
                w[j] = soft_threshold(rho, self.alpha) / G[j, j]
                biggest = max(biggest, abs(w[j] - old))
            if biggest <= self.tol * max(1.0, np.max(np.abs(w))):
                break
        self.coef_ = w
        self.intercept_ = float(y_mean - x_mean @ w)
        self.singular_ = False
        return self


# ----------------------------------------------------------------------------- gradient descent
def ridge_gradient(Z: np.ndarray, r: np.ndarray, v: np.ndarray, penalty: np.ndarray,
                   n_total: int) -> tuple[np.ndarray, float]:
    """(dL/dv, dL/db) of the squared-error loss with an L2 penalty, on a batch of m rows.

        L(v, b) = ||r||^2 / m + sum_j penalty_j v_j^2 / n_total,    r = y - Z v - b
        dL/dv   = -2 Z^T r / m + 2 penalty * v / n_total              (d,)
        dL/db   = -2 mean(r)                                          (a number)

    Z: (m, d) the batch's standardised features, r: (m,) its residuals, v: (d,) the weights,
    penalty: (d,) the L2 strength per weight (alpha / sigma^2; zeros for plain least squares),
    n_total: the number of training rows (the penalty is spread over all of them, so a mini-batch
    and the full batch minimise the same objective). The full batch has m = n_total.

    Example: Z = [[1], [-1]], r = [1, -1], v = [0], no penalty: dL/dv = -2 (1 + 1) / 2 = [-2],
    dL/db = 0; a step against the gradient increases v, which shrinks the residuals.
    """
    return -2 * Z.T @ r / len(r) + 2 * penalty * v / n_total, -2 * r.mean()


class GradientDescentRegressor(LinearRegression):
    """Ridge (alpha >= 0; alpha = 0 is OLS) by batch or mini-batch gradient descent.

    Features are standardised inside ``fit``; coefficients are reported in the original units.
    ``lr=None`` picks 1 / L, L = the largest eigenvalue of the loss's Hessian (the safe step).
    Full batch (``batch_size=None``) stops when the gradient norm falls below ``tol``.
    ``history_`` holds the training MSE (original units) after every epoch, epoch 0 = start.
    """

    def __init__(self, alpha: float = 0.0, lr: float | None = None, epochs: int = 20000,
                 batch_size: int | None = None, tol: float = 1e-10, seed: int = 0):
        self.alpha, self.lr, self.epochs = alpha, lr, epochs
        self.batch_size, self.tol, self.seed = batch_size, tol, seed

    def fit(self, X: np.ndarray, y: np.ndarray):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        Z, mu, sigma = tabular.standardize(X)
        n, d = Z.shape
        penalty = self.alpha / sigma ** 2                    # alpha ||w||^2 written in v = sigma * w
        batch = n if not self.batch_size else min(self.batch_size, n)
        if batch == n:   # curvature of the full loss: its largest eigenvalue
            spread = np.linalg.norm(Z, 2) ** 2 / n
        else:            # any mini-batch: bounded by the mean squared norm of its rows (the worst rows)
            spread = np.sort(np.sum(Z * Z, axis=1))[-batch:].mean()
        curvature = 2 * (spread + penalty.max(initial=0.0) / n)
        lr = self.lr if self.lr is not None else 1.0 / max(curvature, 2.0)   # dL/db has curvature 2
        v, b = np.zeros(d), float(y.mean())
        rng = np.random.default_rng(self.seed)
        r = y - Z @ v - b                                    # residuals
        self.history_ = [float(np.mean(r ** 2))]
        self.epochs_run_, self.converged_ = 0, False
        for epoch in range(1, self.epochs + 1):
            if batch == n:                                   # full batch: one pass = one step
                grad_v, grad_b = ridge_gradient(Z, r, v, penalty, n)
                if np.sqrt(grad_v @ grad_v + grad_b ** 2) < self.tol:
                    self.converged_ = True
                    break
                v -= lr * grad_v
                b -= lr * grad_b
            else:                                            # mini-batches in a random order
                step = lr / np.sqrt(epoch)                   # the gradient noise needs a shrinking step
                order = rng.permutation(n)
                for start in range(0, n, batch):
                    rows = order[start:start + batch]
                    rb = y[rows] - Z[rows] @ v - b
                    grad_v, grad_b = ridge_gradient(Z[rows], rb, v, penalty, n)
                    v -= step * grad_v
                    b -= step * grad_b
            r = y - Z @ v - b
            self.history_.append(float(np.mean(r ** 2)))
            self.epochs_run_ = epoch
            if not np.isfinite(self.history_[-1]):
                raise FloatingPointError("gradient descent diverged: lower the learning rate")
        self.coef_ = v / sigma
        self.intercept_ = float(b - mu @ self.coef_)
        self.singular_ = False
        return self


# ----------------------------------------------------------------------------- helpers
def polynomial_features(X: np.ndarray, degree: int = 2) -> np.ndarray:
    """X plus all products of pairs of columns (degree 2): (n, d) -> (n, d + d(d+1)/2).

    The products x_i x_j are taken for i <= j (squares included), in the order of
    ``np.triu_indices(d)``: (0, 0), (0, 1), ..., (0, d-1), (1, 1), ... A linear model on these
    columns fits a quadratic surface, so it has far more freedom than a linear one.

    Example: the row [2, 3] becomes [2, 3, 4, 6, 9] (x1, x2, x1^2, x1 x2, x2^2).
    """
    if degree != 2:
        raise ValueError("only degree 2 is implemented")
    i, j = np.triu_indices(X.shape[1])
    return np.hstack([X, X[:, i] * X[:, j]])


def regularisation_path(X: np.ndarray, y: np.ndarray, alphas: np.ndarray, kind: str = "ridge") -> np.ndarray:
    """Coefficients (len(alphas), d) of Ridge or Lasso on standardised X for each alpha (warm-started)."""
    Z, _, _ = tabular.standardize(X)
    coefs, w = [], None
    for a in alphas:
        model = Ridge(a).fit(Z, y) if kind == "ridge" else Lasso(a, tol=1e-8).fit(Z, y, coef_init=w)
        w = model.coef_
        coefs.append(w.copy())
    return np.array(coefs)


def overfitting_demo(X_tr, y_tr, X_te, y_te, rows: int = 150, seed: int = 0):
    """OLS vs Ridge on degree-2 features fitted on ``rows`` training rows (alpha picked on the others).

    Returns (rows, columns, (ols train MSE, ols test MSE), best alpha, (ridge train, ridge test)),
    or None when there are too few rows or too many columns for the demonstration.
    """
    P_tr, P_te = polynomial_features(X_tr), polynomial_features(X_te)
    if len(X_tr) < rows + 30 or P_tr.shape[1] > 400:
        return None
    order = np.random.default_rng(seed).permutation(len(X_tr))
    fit_rows, val_rows = order[:rows], order[rows:]
    Z, mu, sigma = tabular.standardize(P_tr[fit_rows])
    Z_val, Z_te = (P_tr[val_rows] - mu) / sigma, (P_te - mu) / sigma
    y_fit = y_tr[fit_rows]
    grid = np.logspace(-3, 3, 25)
    val_mse = [metrics.mse(y_tr[val_rows], Ridge(a).fit(Z, y_fit).predict(Z_val)) for a in grid]
    best = float(grid[int(np.argmin(val_mse))])
    ols, ridge = LinearRegression().fit(Z, y_fit), Ridge(best).fit(Z, y_fit)
    return (rows, P_tr.shape[1],
            (metrics.mse(y_fit, ols.predict(Z)), metrics.mse(y_te, ols.predict(Z_te))), best,
            (metrics.mse(y_fit, ridge.predict(Z)), metrics.mse(y_te, ridge.predict(Z_te))))


def make_toy(n: int = 200, seed: int = 0):
    """A known linear world: y = 4 + 3 x1 - 2 x2 + 0.5 x3 + N(0, 0.5^2). Returns X, y, w_true, b_true.

    X: (n, 3) drawn uniformly from [-2, 2], y: (n,), w_true = [3, -2, 0.5], b_true = 4. The random
    numbers come from ``np.random.default_rng(seed)``: first X, then the noise, so a seed always
    gives the same data. A model fitted to it should find w_true and b_true again (up to the noise).
    """
    rng = np.random.default_rng(seed)
    w_true, b_true = np.array([3.0, -2.0, 0.5]), 4.0
    X = rng.uniform(-2, 2, size=(n, 3))
    y = X @ w_true + b_true + rng.normal(0, 0.5, n)
    return X, y, w_true, b_true


# ----------------------------------------------------------------------------- figures
def plot_actual_vs_predicted(y, pred, target):
    fig, ax = plotting.figure(figsize=(6, 6))
    ax.scatter(y, pred, s=14, alpha=0.7)
    lo, hi = float(min(y.min(), pred.min())), float(max(y.max(), pred.max()))
    ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="perfect prediction")
    ax.set_xlabel(f"actual {target}")
    ax.set_ylabel(f"predicted {target}")
    ax.set_title("Test set: actual vs predicted")
    ax.legend()
    return fig


def plot_residuals(pred, residuals):
    fig, ax = plotting.figure()
    ax.scatter(pred, residuals, s=14, alpha=0.7)
    ax.axhline(0, color="k", lw=1)
    ax.set_xlabel("predicted value")
    ax.set_ylabel("residual (actual - predicted)")
    ax.set_title("Residuals (no pattern = the linear model captured the trend)")
    return fig


def plot_paths(alphas_r, ridge, alphas_l, lasso, names):
    fig, axes = plotting.figure(1, 2, figsize=(12, 5))
    for ax, alphas, coefs, title in ((axes[0], alphas_r, ridge, "Ridge (L2): coefficients shrink"),
                                     (axes[1], alphas_l, lasso, "Lasso (L1): coefficients hit zero")):
        for j in range(coefs.shape[1]):
            ax.plot(alphas, coefs[:, j], label=names[j] if j < 14 else None)
        ax.set_xscale("log")
        ax.set_xlabel("alpha")
        ax.set_ylabel("coefficient (standardised features)")
        ax.set_title(title)
    axes[1].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return fig


def plot_gd_curve(history):
    fig, ax = plotting.figure()
    ax.plot(np.arange(len(history)), history)
    ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("training MSE")
    ax.set_title("Gradient descent: loss per iteration")
    return fig


# ----------------------------------------------------------------------------- CLI
ALIASES = {"housing_data.csv": "boston-housing"}
KNOWN_TARGETS = ("MEDV", "median_house_value")


def _coef_text(w: np.ndarray, k: int = 6) -> str:
    shown = ", ".join(f"{v:.3f}" for v in w[:k])
    return f"[{shown}{', ...' if len(w) > k else ''}]"


def run_toy(args) -> int:
    X, y, w_true, b_true = make_toy(seed=args.seed)
    train, test = tabular.train_test_indices(len(X), 0.25, args.seed)
    ne = LinearRegression().fit(X[train], y[train])
    gd = GradientDescentRegressor().fit(X[train], y[train])
    print("=== Linear Regression on a toy dataset (M4) ===\n")
    print(f"Generated {len(X)} points: y = {b_true:g} + 3 x1 - 2 x2 + 0.5 x3 + noise (sigma 0.5)\n")
    print(f"{'parameter':<10}{'true':>8}{'normal eq.':>12}{'grad. descent':>15}")
    for name, t, a, g in zip(["b", "w1", "w2", "w3"], [b_true, *w_true], [ne.intercept_, *ne.coef_],
                             [gd.intercept_, *gd.coef_], strict=True):
        print(f"{name:<10}{t:>8.3f}{a:>12.3f}{g:>15.3f}")
    pred = gd.predict(X[test])
    print(f"\nTest set ({len(test)} points): MSE = {metrics.mse(y[test], pred):.3f} "
          f"(noise variance 0.25), R^2 = {metrics.r2(y[test], pred):.3f}")
    return 0


def strength(text: str) -> float:
    """argparse type for a penalty strength: a number in (0, 1e6]. Far stronger penalties only shrink
    every weight to 0, and one near 1e308 makes gradient descent's steps overflow."""
    value = cli.positive_float(text)
    if value > 1e6:
        raise argparse.ArgumentTypeError(f"expected a strength from 0 to 1e6, got {text}")
    return value


def main(argv=None) -> int:
    parser = cli.make_parser(__doc__, prog="phase4_ml/linear_regression.py")
    parser.add_argument("data", nargs="?", default="housing_data.csv",
                        help="CSV file or dataset name (default housing_data.csv = Boston housing)")
    parser.add_argument("--target", help="column to predict (default MEDV / median_house_value / last column)")
    parser.add_argument("--drop", nargs="+", metavar="COLUMN", help="columns to leave out (e.g. --drop B)")
    parser.add_argument("--alpha", type=strength, default=1.0, help="Ridge strength, up to 1e6 (default 1)")
    parser.add_argument("--lasso-alpha", type=strength, default=0.1, help="Lasso strength, up to 1e6 (default 0.1)")
    parser.add_argument("--batch-size", type=cli.positive_int, default=32, help="mini-batch size (default 32)")
    parser.add_argument("--epochs", type=cli.positive_int, default=None,
                        help="mini-batch GD epochs (default 100, fewer on large data: about 5000 steps)")
    parser.add_argument("--test-size", type=cli.positive_float, default=0.2, help="held-out fraction (default 0.2)")
    parser.add_argument("--toy", action="store_true", help="M4: fit a generated dataset with known parameters")
    args = parser.parse_args(argv)
    if args.toy:
        return run_toy(args)
    args.epochs_given, args.epochs = args.epochs is not None, args.epochs or 100
    plotting.setup(args.no_show)
    out = cli.out_dir(args, "linear_regression")

    frame = datasets.read_table(args.data, ALIASES)
    frame.columns = [str(c).strip() for c in frame.columns]
    target = args.target or tabular.default_target(frame, KNOWN_TARGETS)
    table = tabular.design_matrix(frame, target, task="regression", drop=args.drop or ())
    name = datasets.resolve(args.data, ALIASES)
    print("=== Linear Regression from Scratch ===\n")
    label = "Boston Housing dataset" if name == "boston-housing" else f"{args.data}"
    print(f"Loading {label}...")
    shown = ", ".join(table.features[:3]) + (", ..." if len(table.features) > 3 else "")
    print(f"Features: {shown} ({len(table.features)} total)")
    print(f"Target: {target}" + (" (median house value, $1000s)" if target == "MEDV" else ""))
    for note in table.notes:
        print(f"  ({note})")
    train, test = tabular.train_test_indices(len(table.X), args.test_size, args.seed)
    X_tr, X_te, y_tr, y_te = table.X[train], table.X[test], table.y[train], table.y[test]
    print(f"Split: {len(train)} train / {len(test)} test rows")

    print("\nMethod 1: Normal Equation")
    start = time.perf_counter()
    ne = LinearRegression().fit(X_tr, y_tr)
    print(f"  Training time: {time.perf_counter() - start:.3f}s")
    if ne.singular_:
        print("  (X^T X is singular: collinear columns; used the minimum-norm least-squares solution)")
    print(f"  Coefficients: {_coef_text(ne.coef_)}")

    print("\nMethod 2: Gradient Descent (full batch, standardised features)")
    start = time.perf_counter()
    try:
        gd = GradientDescentRegressor().fit(X_tr, y_tr)
    except FloatingPointError as exc:
        raise cli.UserError(str(exc)) from None
    seconds = time.perf_counter() - start
    marks = sorted({0, 10, 100, 500, gd.epochs_run_} & set(range(len(gd.history_))))
    for it in marks:
        print(f"  Iteration {it}: MSE = {gd.history_[it]:.4g}")
    state = "Converged after" if gd.converged_ else "Stopped (not converged) after"
    print(f"  {state} {gd.epochs_run_} iterations; training time: {seconds:.3f}s")
    same = np.allclose(gd.coef_, ne.coef_, rtol=1e-4, atol=1e-8 * max(1.0, np.abs(ne.coef_).max()))
    print(f"  Coefficients: {_coef_text(gd.coef_)}" + ("  <- Same as normal equation!" if same else ""))
    print(f"  Max |GD - normal equation| = {np.max(np.abs(gd.coef_ - ne.coef_)):.2e}")

    batches = -(-len(X_tr) // args.batch_size)
    epochs = args.epochs if args.epochs_given else max(2, min(args.epochs, -(-5000 // batches)))  # ~5000 steps
    print(f"\nMethod 3: Mini-batch gradient descent (batch {args.batch_size}, {epochs} epochs, shrinking step)")
    mb = GradientDescentRegressor(batch_size=args.batch_size, epochs=epochs, seed=args.seed).fit(X_tr, y_tr)
    print(f"  Final training MSE = {mb.history_[-1]:.4g} (normal equation: {metrics.mse(y_tr, ne.predict(X_tr)):.4g})")

    ridge = Ridge(args.alpha).fit(X_tr, y_tr)
    ridge_gd = GradientDescentRegressor(alpha=args.alpha).fit(X_tr, y_tr)
    lasso = Lasso(args.lasso_alpha).fit(X_tr, y_tr)
    print(f"\nRegularisation: Ridge alpha={args.alpha:g} (closed form), same by GD "
          f"(max diff {np.max(np.abs(ridge.coef_ - ridge_gd.coef_)):.1e}); Lasso alpha={args.lasso_alpha:g}")
    zeros = [table.features[j] for j in np.flatnonzero(lasso.coef_ == 0)]
    print(f"  Lasso set {len(zeros)} of {len(table.features)} coefficients to exactly 0"
          + (f": {', '.join(zeros[:8])}" if zeros else ""))

    print("\nEvaluation on test set:")
    print(f"  {'model':<22}{'MSE':>10}{'MAE':>10}{'R²':>8}")
    for label, model in (("Normal equation", ne), ("Gradient descent", gd), ("Mini-batch GD", mb),
                         (f"Ridge (alpha={args.alpha:g})", ridge), (f"Lasso (alpha={args.lasso_alpha:g})", lasso)):
        p = model.predict(X_te)
        print(f"  {label:<22}{metrics.mse(y_te, p):>10.4g}{metrics.mae(y_te, p):>10.4g}{metrics.r2(y_te, p):>8.3f}")
    pred = ne.predict(X_te)
    print(f"  MSE: {metrics.mse(y_te, pred):.4g}")
    print(f"  R²: {metrics.r2(y_te, pred):.2f}")

    # overfitting and how Ridge fixes it: degree-2 features on a small training sample give the model
    # more freedom than the data supports; alpha is chosen on the training rows left out of that sample
    overfit = overfitting_demo(X_tr, y_tr, X_te, y_te, seed=args.seed)
    if overfit is not None:
        rows, cols, ols_scores, best, ridge_scores = overfit
        print(f"\nOverfitting check: degree-2 features ({cols} columns) fitted on {rows} training rows")
        print(f"  Least squares:             train MSE {ols_scores[0]:.4g}, test MSE {ols_scores[1]:.4g}")
        print(f"  Ridge (alpha={best:.3g}, chosen on validation rows): train MSE {ridge_scores[0]:.4g}, "
              f"test MSE {ridge_scores[1]:.4g}")

    alphas_r, alphas_l = np.logspace(-2, 4, 40), np.logspace(-3, 1, 40) * max(1.0, float(np.std(y_tr)) / 10)
    saved = [
        plotting.save(plot_actual_vs_predicted(y_te, pred, target), out / "actual_vs_predicted.png"),
        plotting.save(plot_residuals(pred, y_te - pred), out / "residuals.png"),
        plotting.save(plot_gd_curve(gd.history_), out / "gd_loss.png"),
        plotting.save(plot_paths(alphas_r, regularisation_path(X_tr, y_tr, alphas_r, "ridge"),
                                 alphas_l, regularisation_path(X_tr, y_tr, alphas_l, "lasso"), table.features),
                      out / "regularisation_path.png"),
    ]
    print("\nSaved: " + ", ".join(str(p) for p in saved))
    plotting.show()
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
