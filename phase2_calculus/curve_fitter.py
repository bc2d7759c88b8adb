"""Curve fitter: fit line, quadratic, polynomial, exponential and sinusoid to daily temperatures
by gradient descent on the mean squared error, with gradients from the chain rule.

The default data is the bundled Seattle daily weather series (2012-2015); the temperature of a
day is the mean of its recorded maximum and minimum. Time t is in days since the first reading.

Math (n readings t_i, y_i; model m(t; theta)):
    loss        L(theta) = (1/n) sum_i (m(t_i; theta) - y_i)^2                       (MSE)
    chain rule  dL/dtheta = (2/n) sum_i (m(t_i) - y_i) * dm(t_i)/dtheta = (2/n) J^T r
    models      polynomial  m = sum_k c_k P_k(u),  u = 2 t / t_max - 1 in [-1, 1]
                            dm/dc_k = P_k(u)
                exponential m = a exp(b s),  s = t / t_max in [0, 1]
                            dm/da = exp(bs), dm/db = a s exp(bs)
                sinusoid    m = c + A sin(w t - phi), w = 2 pi / 365.25
                            dm/dc = 1, dm/dA = sin(w t - phi), dm/dphi = -A cos(w t - phi)
    step        theta <- theta - lr grad L, with lr found by backtracking: start from twice the
                last lr and halve until L drops by at least lr |grad L|^2 / 2 (Armijo).
Feature scaling: t is mapped to [-1, 1] (or [0, 1]) and polynomials use the Legendre basis P_k,
which is nearly orthogonal on a uniform grid, so gradient descent converges in tens of steps
instead of the millions raw powers t^k (values up to 1460^k) would need.

Overfitting: fit polynomials of growing degree to a small random training sample and measure the
MSE on the held-out days: training error only falls, validation error falls then explodes.

    python phase2_calculus/curve_fitter.py temperature_data.csv
    python phase2_calculus/curve_fitter.py temperature_data.csv --degree 12 --train-size 60
    python phase2_calculus/curve_fitter.py my.csv --column temp --date-column day
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from common import cli, datasets, plotting

YEAR_DAYS = 365.25


# ----------------------------------------------------------------------------- models
class Model:
    """A parametric curve m(t; theta) with its Jacobian dm/dtheta (the chain-rule pieces)."""

    name = "model"

    def __init__(self, t_max: float):
        self.t_max = float(t_max) if t_max > 0 else 1.0

    def init(self, t: np.ndarray, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def predict(self, theta: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Model values at times t, shape (n,)."""
        raise NotImplementedError

    def jacobian(self, theta: np.ndarray, t: np.ndarray) -> np.ndarray:
        """dm(t_i)/dtheta_j, shape (n, p)."""
        raise NotImplementedError

    def formula(self, theta: np.ndarray) -> str:
        raise NotImplementedError


class Polynomial(Model):
    """Degree-d polynomial in the Legendre basis of u = 2 t / t_max - 1 (linear in theta)."""

    def __init__(self, t_max: float, degree: int):
        super().__init__(t_max)
        self.degree = degree
        self.name = {1: "Linear", 2: "Quadratic"}.get(degree, f"Poly (deg {degree})")

    def features(self, t: np.ndarray) -> np.ndarray:
        """Legendre features P_0..P_d of u, shape (n, d+1)."""
        return np.polynomial.legendre.legvander(2 * np.asarray(t, dtype=float) / self.t_max - 1, self.degree)

    def init(self, t, y):
        theta = np.zeros(self.degree + 1)
        theta[0] = float(np.mean(y))
        return theta

    def predict(self, theta, t):
        return self.features(t) @ theta

    def jacobian(self, theta, t):
        return self.features(t)

    def power_coefficients(self, theta: np.ndarray) -> np.ndarray:
        """Coefficients of the same polynomial in powers of t (lowest first)."""
        in_u = np.polynomial.legendre.leg2poly(theta)                 # powers of u
        u_of_t = np.polynomial.Polynomial([-1.0, 2.0 / self.t_max])  # u = -1 + 2 t / t_max
        return np.polynomial.Polynomial(in_u)(u_of_t).coef

    def formula(self, theta):
        c = self.power_coefficients(theta)
        terms = [f"{c[0]:.4g}"] + [f"{'-' if v < 0 else '+'} {abs(v):.4g} t" + (f"^{k}" if k > 1 else "")
                                   for k, v in enumerate(c[1:], start=1)]
        return "T(t) = " + " ".join(terms)


class Exponential(Model):
    """a exp(b s) with s = t / t_max (a steady exponential trend)."""

    name = "Exponential"

    def init(self, t, y):
        return np.array([float(np.mean(y)), 0.0])

    def predict(self, theta, t):
        a, b = theta
        return a * np.exp(b * np.asarray(t, dtype=float) / self.t_max)

    def jacobian(self, theta, t):
        """dm(t_i)/dtheta for m = a exp(b s), s = t / t_max: shape (n, 2), one row per time.

            dm/da = exp(b s),    dm/db = a s exp(b s)        (chain rule through the exponent)

        theta = (a, b); t has shape (n,). Example: with a = 2, b = 0 every row is (1, 2 s).
        """
        a, b = theta
        s = np.asarray(t, dtype=float) / self.t_max
        e = np.exp(b * s)
        return np.column_stack([e, a * s * e])

    def formula(self, theta):
        a, b = theta
        return f"T(t) = {a:.4g} * exp({b / self.t_max:.4g} t)"


class Sinusoid(Model):
    """c + A sin(w t - phi) with a fixed period (a year): mean, amplitude and phase are learned."""

    name = "Sinusoidal"

    def __init__(self, t_max: float, period: float = YEAR_DAYS):
        super().__init__(t_max)
        self.period = period
        self.w = 2 * np.pi / period

    def init(self, t, y):
        """Mean and amplitude from the data; the phase from a coarse scan (the loss is not convex
        in phi, so we start in the right valley)."""
        c, amp = float(np.mean(y)), float(np.sqrt(2) * np.std(y))
        phases = np.linspace(-np.pi, np.pi, 12, endpoint=False)
        losses = [np.mean((c + amp * np.sin(self.w * t - p) - y) ** 2) for p in phases]
        return np.array([c, amp, phases[int(np.argmin(losses))]])

    def predict(self, theta, t):
        c, amp, phi = theta
        return c + amp * np.sin(self.w * np.asarray(t, dtype=float) - phi)

    def jacobian(self, theta, t):
        """dm(t_i)/dtheta for m = c + A sin(w t - phi): shape (n, 3), columns for c, A and phi.

            dm/dc = 1,    dm/dA = sin(w t - phi),    dm/dphi = -A cos(w t - phi)

        theta = (c, A, phi); t has shape (n,); the angular frequency w is ``self.w`` (one cycle a
        year). Example: at a time where w t - phi = 0 the row is (1, 0, -A).
        """
        _, amp, phi = theta
        arg = self.w * np.asarray(t, dtype=float) - phi
        return np.column_stack([np.ones_like(arg), np.sin(arg), -amp * np.cos(arg)])

    def canonical(self, theta: np.ndarray) -> np.ndarray:
        """The same curve with A > 0 and phi in (-pi, pi]."""
        c, amp, phi = theta
        if amp < 0:
            amp, phi = -amp, phi + np.pi
        phi = (phi + np.pi) % (2 * np.pi) - np.pi
        return np.array([c, amp, phi if phi != -np.pi else np.pi])

    def formula(self, theta):
        c, amp, phi = self.canonical(theta)
        return f"T(t) = {c:.1f} + {amp:.1f} * sin(2π*t/{self.period:g} {'-' if phi >= 0 else '+'} {abs(phi):.2f})"


# ----------------------------------------------------------------------------- gradient descent
def mse(model: Model, theta: np.ndarray, t: np.ndarray, y: np.ndarray) -> float:
    """The mean squared error L = (1/n) sum_i (m(t_i; theta) - y_i)^2, a float.

    t and y have shape (n,); ``model.predict(theta, t)`` gives the n model values. Example:
    predictions (1, 2, 3) against readings (1, 2, 5) give (0 + 0 + 4) / 3 = 1.333...
    """
    return float(np.mean((model.predict(theta, t) - y) ** 2))


def mse_gradient(model: Model, theta: np.ndarray, t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient of the MSE by the chain rule: dL/dtheta = (2/n) J^T (m - y), shape (p,).

    m = model.predict(theta, t) is (n,), J = model.jacobian(theta, t) is (n, p) with
    J[i, j] = dm(t_i)/dtheta_j, and r = m - y is the residual. Each parameter's slope sums the
    residuals weighted by how much that parameter moves each prediction. Example: a constant model
    m = c (J a column of ones) gives dL/dc = 2 (c - mean(y)).
    """
    residual = model.predict(theta, t) - y
    return 2.0 / len(y) * model.jacobian(theta, t).T @ residual


@dataclass
class Fit:
    model: Model
    theta: np.ndarray
    mse: float
    history: list[float] = field(default_factory=list)   # loss after each step
    iterations: int = 0


def fit_gd(model: Model, t: np.ndarray, y: np.ndarray, max_iter: int = 5000, rtol: float = 1e-12) -> Fit:
    """Gradient descent on the MSE with a backtracking (Armijo) step size.

    Start from theta = model.init(t, y) and lr = 1, with ``history`` holding the loss at the start.
    Each step: g = mse_gradient(...); stop if g . g == 0 (or overflows). Double lr, then halve it until the
    candidate theta - lr g has a finite loss at most L - lr (g . g) / 2 (if lr falls below 1e-20,
    give up and return the current fit). Take the step, append its loss to ``history`` and stop
    when the loss fell by at most rtol * max(L, 1e-300), or after ``max_iter`` steps. Returns
    Fit(model, theta, final loss, history, iterations = len(history) - 1). Armijo's rule
    guarantees the loss never goes up.
    """
    theta = model.init(t, y)
    loss = mse(model, theta, t, y)
    history = [loss]
    lr = 1.0
    for _ in range(max_iter):
        g = mse_gradient(model, theta, t, y)
        with np.errstate(over="ignore"):
            g2 = float(g @ g)
        if g2 == 0.0 or not np.isfinite(g2):       # at a minimum, or a gradient beyond float's range
            break
        lr *= 2.0
        while True:
            candidate = theta - lr * g
            new_loss = mse(model, candidate, t, y)
            if np.isfinite(new_loss) and new_loss <= loss - 0.5 * lr * g2:
                break
            lr *= 0.5
            if lr < 1e-20:
                return Fit(model, theta, loss, history, len(history) - 1)
        improvement = loss - new_loss
        theta, loss = candidate, new_loss
        history.append(loss)
        if improvement <= rtol * max(loss, 1e-300):
            break
    return Fit(model, theta, loss, history, len(history) - 1)


def closed_form_polynomial(model: Polynomial, t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least squares by the normal equations' stable cousin (numpy.linalg.lstsq): the reference."""
    return np.linalg.lstsq(model.features(t), y, rcond=None)[0]


def overfitting_curve(t: np.ndarray, y: np.ndarray, degrees, train_size: int, seed: int):
    """Train/validation MSE per degree on a random ``train_size`` sample (closed-form fits).

    With rng = np.random.default_rng(seed), the training days are
    np.sort(rng.choice(n, size=train_size, replace=False)) and the validation days all the others.
    For each degree d: fit Polynomial(t.max(), d) on the training days only (closed_form_polynomial)
    and measure its MSE on both sets. Returns (degrees (k,), train_mse (k,), val_mse (k,),
    train_idx (train_size,)). Training MSE can only fall as d grows; validation MSE shows overfitting.
    """
    rng = np.random.default_rng(seed)
    train = np.sort(rng.choice(len(t), size=train_size, replace=False))
    val = np.setdiff1d(np.arange(len(t)), train)
    degrees = np.asarray(list(degrees))
    tr, va = [], []
    for d in degrees:
        model = Polynomial(t.max(), int(d))
        theta = closed_form_polynomial(model, t[train], y[train])
        tr.append(mse(model, theta, t[train], y[train]))
        va.append(mse(model, theta, t[val], y[val]))
    return degrees, np.array(tr), np.array(va), train


def standard_models(t_max: float, degree: int) -> list[Model]:
    models: list[Model] = [Polynomial(t_max, 1), Polynomial(t_max, 2)]
    if degree > 2:
        models.append(Polynomial(t_max, degree))
    return models + [Exponential(t_max), Sinusoid(t_max)]


# ----------------------------------------------------------------------------- data
def load_series(arg: str, column: str | None, date_column: str) -> tuple[np.ndarray, np.ndarray, object, str]:
    """(t in days (n,), temperature (n,), first date or None, description) from a CSV/registry name."""
    import pandas as pd

    frame = datasets.read_table(arg)
    if column is None:
        if {"temp_max", "temp_min"} <= set(frame.columns):
            values = (pd.to_numeric(frame["temp_max"], errors="coerce")
                      + pd.to_numeric(frame["temp_min"], errors="coerce")) / 2
            label = "mean of temp_max and temp_min"
        else:
            names = [c for c in frame.columns if str(c).lower() in ("temp", "temperature", "temp_mean", "tavg")]
            if not names:
                columns = ", ".join(map(str, frame.columns))
                raise cli.UserError(f"{arg}: no temperature column found (columns: {columns}); pick one with --column")
            values, label = pd.to_numeric(frame[names[0]], errors="coerce"), str(names[0])
    else:
        if column not in frame.columns:
            raise cli.UserError(f"{arg} has no column {column!r} (columns: {', '.join(map(str, frame.columns))})")
        values, label = pd.to_numeric(frame[column], errors="coerce"), column
    y = values.to_numpy(dtype=float)
    bad = int(np.sum(~np.isfinite(y)))
    if bad:
        raise cli.UserError(f"{arg}: {bad} value(s) of {label} are missing or not numbers; clean the file first")
    if len(y) < 10:
        raise cli.UserError(f"{arg}: only {len(y)} readings; need at least 10 to fit curves")
    first = None
    if date_column in frame.columns:
        dates = pd.to_datetime(frame[date_column], errors="coerce", format="mixed")
        if dates.isna().any():
            raise cli.UserError(f"{arg}: column {date_column!r} has {int(dates.isna().sum())} unreadable date(s)")
        first = dates.min()
        t = ((dates - first).dt.total_seconds() / 86400.0).to_numpy(dtype=float)
    else:
        t = np.arange(len(y), dtype=float)
    order = np.argsort(t, kind="stable")
    return t[order], y[order], first, label


# ----------------------------------------------------------------------------- figures
def fits_figure(t, y, fits: list[Fit], best: Fit, first_date):
    fig, (ax, ax_r) = plotting.figure(2, 1, figsize=(10, 7.5), sharex=True, gridspec_kw={"height_ratios": [3, 1.3]})
    ax.plot(t, y, ".", ms=3, color="0.55", alpha=0.7, label="daily temperature")
    grid = np.linspace(t.min(), t.max(), 1500)
    for i, fit in enumerate(fits):
        width = 2.6 if fit is best else 1.5
        ax.plot(grid, fit.model.predict(fit.theta, grid), lw=width, color=plotting.PALETTE[i % 8],
                label=f"{fit.model.name}: MSE {fit.mse:.2f}" + ("  (best)" if fit is best else ""))
    ax.set_ylabel("temperature (°C)")
    since = f" since {first_date:%Y-%m-%d}" if first_date is not None else ""
    ax.set_title("Models fitted by gradient descent on the MSE")
    ax.legend(fontsize=8, loc="lower left", ncol=2)
    residual = y - best.model.predict(best.theta, t)
    ax_r.plot(t, residual, ".", ms=2, color=plotting.PALETTE[fits.index(best) % 8])
    ax_r.axhline(0, color="k", lw=0.8)
    ax_r.set_ylabel("residual (°C)")
    ax_r.set_xlabel(f"t (days{since})")
    ax_r.set_title(f"Residuals of the best fit ({best.model.name}): "
                   f"mean {residual.mean():+.2f}, std {residual.std():.2f}")
    fig.tight_layout()
    return fig


def loss_figure(fits: list[Fit]):
    """Excess loss L_k - L_final per step (log scale): how fast each fit closes in on its minimum."""
    fig, (ax, ax_ex) = plotting.figure(1, 2, figsize=(11, 4.5))
    for i, fit in enumerate(fits):
        history = np.asarray(fit.history)
        colour = plotting.PALETTE[i % 8]
        ax.plot(history, color=colour, label=f"{fit.model.name} ({fit.iterations} steps)")
        excess = history[:-1] - history[-1]
        ax_ex.semilogy(np.arange(len(excess)), np.maximum(excess, 1e-12), color=colour)
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlabel("gradient descent step")
    ax.set_ylabel("MSE (°C²)")
    ax.set_title("Training loss falls step by step")
    ax_ex.set_xscale("symlog", linthresh=10)
    ax_ex.set_xlabel("gradient descent step")
    ax_ex.set_ylabel("MSE - final MSE (°C²)")
    ax_ex.set_title("Distance to the minimum of each fit")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def overfitting_figure(degrees, train_mse, val_mse, train_size):
    fig, ax = plotting.figure(figsize=(7, 4.5))
    ax.semilogy(degrees, train_mse, "o-", label=f"training MSE ({train_size} days)")
    ax.semilogy(degrees, val_mse, "s-", label="validation MSE (all other days)")
    best = int(degrees[int(np.argmin(val_mse))])
    ax.axvline(best, color="k", ls=":", lw=1, label=f"best validation degree = {best}")
    ax.set_xlabel("polynomial degree")
    ax.set_ylabel("MSE (°C²)")
    ax.set_title("Overfitting: more parameters fit the sample, not the climate")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- CLI
def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser(__doc__, prog="phase2_calculus/curve_fitter.py")
    parser.add_argument("data", nargs="?", default="temperature_data.csv",
                        help="CSV file or dataset name (default temperature_data.csv = Seattle weather)")
    parser.add_argument("--column", default=None, help="temperature column (default: mean of temp_max/temp_min)")
    parser.add_argument("--date-column", default="date", help="date column, if any (default 'date')")
    parser.add_argument("--degree", type=cli.positive_int, default=8, help="degree of the polynomial model (default 8)")
    parser.add_argument("--max-iter", type=cli.positive_int, default=5000, help="max GD steps per model (default 5000)")
    parser.add_argument("--train-size", type=cli.positive_int, default=40,
                        help="random training days for the overfitting study (default 40)")
    parser.add_argument("--max-degree", type=cli.positive_int, default=20,
                        help="highest degree in the overfitting study (default 20)")
    args = parser.parse_args(argv)
    if args.degree > 30:
        raise cli.UserError("--degree must be at most 30")
    t, y, first_date, label = load_series(args.data, args.column, args.date_column)
    if args.train_size >= len(t) - 1:
        raise cli.UserError(f"--train-size must be smaller than the {len(t)} readings")
    max_degree = min(args.max_degree, args.train_size - 1)
    plotting.setup(args.no_show)
    out = cli.out_dir(args, "curve_fitter")

    span = ""
    if first_date is not None:
        span = f" ({first_date:%Y-%m-%d} to {first_date + np.timedelta64(int(t.max()), 'D'):%Y-%m-%d})"
    print(f"Loaded {len(y)} daily temperature readings{span}; temperature = {label}")
    print(f"  mean {y.mean():.2f} °C, std {y.std():.2f} °C, min {y.min():.1f}, max {y.max():.1f}")
    print()
    fits = [fit_gd(model, t, y, args.max_iter) for model in standard_models(t.max(), args.degree)]
    best = min(fits, key=lambda f: f.mse)
    print("Fitting models (gradient descent on MSE):")
    width = max(len(f.model.name) for f in fits) + 1
    for fit in fits:
        mark = "  ← Best fit!" if fit is best else ""
        print(f"  {fit.model.name + ':':<{width}} MSE = {fit.mse:7.2f}   ({fit.iterations} steps){mark}")
    print()
    print("Learned parameters:")
    print(f"  {best.model.formula(best.theta)}")
    if isinstance(best.model, Sinusoid):
        c, amp, phi = best.model.canonical(best.theta)
        peak = ((np.pi / 2 + phi) / best.model.w) % best.model.period
        print()
        print(f"Interpretation: Average temp {c:.1f}°C, amplitude {amp:.1f}°C, phase shift {phi:.2f} rad")
        when = ""
        if first_date is not None:
            when = f" ({(first_date + np.timedelta64(int(round(peak)), 'D')):%d %B})"
        print(f"  warmest around day {peak:.0f} of each {best.model.period:g}-day cycle{when}, "
              f"coldest half a cycle later; the year swings {2 * amp:.1f}°C peak to trough")
    print()
    print("Other models:")
    for fit in fits:
        if fit is not best:
            print(f"  {fit.model.name + ':':<{width}} {fit.model.formula(fit.theta)}")
    print()

    degrees, train_mse, val_mse, _ = overfitting_curve(t, y, range(0, max_degree + 1), args.train_size, args.seed)
    print(f"Overfitting: polynomials fitted to {args.train_size} random days, "
          f"validated on the other {len(t) - args.train_size}")
    print(f"  {'degree':>6} {'train MSE':>10} {'val MSE':>12}")
    for d, tr, va in zip(degrees, train_mse, val_mse):
        print(f"  {d:>6} {tr:>10.2f} {va:>12.4g}")
    k = int(np.argmin(val_mse))
    print(f"  best validation MSE {val_mse[k]:.2f} at degree {degrees[k]}; at degree {degrees[-1]} the training MSE is "
          f"{train_mse[-1]:.2f} but the validation MSE is {val_mse[-1]:.4g}")
    print()
    saved = [plotting.save(fits_figure(t, y, fits, best, first_date), out / "fits.png"),
             plotting.save(loss_figure(fits), out / "loss.png"),
             plotting.save(overfitting_figure(degrees, train_mse, val_mse, args.train_size), out / "overfitting.png")]
    print("Saved: " + ", ".join(str(p) for p in saved))
    plotting.show()
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
