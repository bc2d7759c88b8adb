"""Function explorer: plot f(x) and its numerical derivative f'(x), tangents, critical points.

You type a formula in x; it is parsed by the safe whitelist parser in common/expr.py (never
``eval``). The derivative is computed numerically from the limit definition, the critical points
are the zeros of f', the second derivative says whether each one is a maximum or a minimum, and a
point "rolls downhill" by gradient descent (the preview of project 6).

Math:
    forward difference   f'(x) ~ (f(x + h) - f(x)) / h           error ~ h f''/2     + eps |f| / h
    central difference   f'(x) ~ (f(x + h) - f(x - h)) / (2h)    error ~ h^2 f'''/6  + eps |f| / h
    second derivative    f''(x) ~ (f(x + h) - 2 f(x) + f(x - h)) / h^2
    tangent at a         y = f(a) + f'(a) (x - a)                (the local linear approximation)
    critical point       f'(c) = 0;  f''(c) < 0: max,  f''(c) > 0: min,  f'' = 0 and no sign
                         change of f': inflection (neither)
    rolling downhill     x <- x - lr f'(x)

Shrinking h lowers the truncation error but raises the round-off error (eps ~ 2.2e-16), so the
best h is about eps^(1/2) for forward and eps^(1/3) for central differences: the error-vs-h plot
shows that V shape.

    python phase2_calculus/function_explorer.py "x**3 - 3*x + 1"
    python phase2_calculus/function_explorer.py "x**2 + 3*x + 2" --start 2 --lr 0.1   # boss M3
    python phase2_calculus/function_explorer.py "sin(x) * exp(-x/4)" --xmin 0 --xmax 12 --tangent-at 2 --start 3 --lr 2

In a window, click anywhere on the f(x) plot to draw the tangent there with its slope; without a
window (--no-show), give the points with --tangent-at.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from common import cli, plotting
from common.expr import compile_expression

EPS = float(np.finfo(float).eps)
H_CENTRAL = EPS ** (1 / 3)   # ~6e-6: balances h^2 truncation against eps/h round-off
H_FORWARD = EPS ** 0.5       # ~1.5e-8: balances h truncation against eps/h round-off
H_SECOND = EPS ** 0.25       # ~1.2e-4: second differences lose two orders to round-off


# ----------------------------------------------------------------------------- derivatives
def _step(x: np.ndarray, h: float | None, default: float) -> np.ndarray:
    """Relative step h * max(1, |x|), so large x do not drown the step in round-off."""
    return (default if h is None else h) * np.maximum(1.0, np.abs(x))


def derivative(f, x, h: float | None = None, method: str = "central"):
    """Numerical f'(x) for scalar or array x (same shape out).

        central   f'(x) ~ (f(x + s) - f(x - s)) / (2 s)      error O(s^2)
        forward   f'(x) ~ (f(x + s) - f(x)) / s              error O(s)

    ``method`` picks the formula ("central" or "forward"; anything else is a ValueError). The
    step is relative, s = h * max(1, |x|) (see ``_step``), and ``h`` defaults to the step that
    balances truncation against round-off for that method: H_CENTRAL ~ 6e-6, H_FORWARD ~ 1.5e-8.
    ``f`` takes and returns arrays. Example: for f(x) = x^2 at x = 3, both give 6.0 to within
    1e-7 (central is exact for a parabola, apart from round-off).
    """
    x = np.asarray(x, dtype=float)
    if method == "central":
        step = _step(x, h, H_CENTRAL)
        return (f(x + step) - f(x - step)) / (2 * step)
    if method == "forward":
        step = _step(x, h, H_FORWARD)
        return (f(x + step) - f(x)) / step
    raise ValueError(f"unknown method {method!r} (central or forward)")


def second_derivative(f, x, h: float | None = None):
    """Numerical f''(x) by the symmetric second difference (scalar or array x, same shape out):

        f''(x) ~ (f(x + s) - 2 f(x) + f(x - s)) / s^2,     s = h * max(1, |x|)

    ``h`` defaults to H_SECOND ~ 1.2e-4: dividing by s^2 magnifies round-off, so the step is
    larger than for f'. Example: for f(x) = x^3 at x = 1, about 6.0 (the exact f'' = 6 x).
    """
    x = np.asarray(x, dtype=float)
    step = _step(x, h, H_SECOND)
    return (f(x + step) - 2 * f(x) + f(x - step)) / step ** 2


def five_point_derivative(f, x, h: float = 1e-3):
    """Fourth-order central difference (error O(h^4)); exact for polynomials up to degree 4
    apart from round-off. Used as the reference in the error-vs-h study."""
    x = np.asarray(x, dtype=float)
    step = h * np.maximum(1.0, np.abs(x))
    return (-f(x + 2 * step) + 8 * f(x + step) - 8 * f(x - step) + f(x - 2 * step)) / (12 * step)


def derivative_errors(f, x0: float, hs: np.ndarray, exact: float | None = None) -> dict[str, np.ndarray]:
    """|numerical - exact| at ``x0`` for each h in ``hs`` (shape (k,)), per method.

    ``exact`` defaults to the five-point reference derivative.
    """
    if exact is None:
        exact = float(five_point_derivative(f, x0))
    hs = np.asarray(hs, dtype=float)
    return {method: np.abs(np.array([float(derivative(f, x0, h=h, method=method)) for h in hs]) - exact)
            for method in ("forward", "central")}


def tangent_line(f, a: float) -> tuple[float, float]:
    """(slope, intercept) of the tangent y = slope * x + intercept at x = a, as floats.

    The tangent touches the curve at (a, f(a)) with slope f'(a) (use ``derivative``):
    y = f(a) + f'(a) (x - a), so intercept = f(a) - f'(a) a. Example: f(x) = x^3 - 3x + 1 at
    a = 2 has f(2) = 3 and f'(2) = 9, so the tangent is y = 9 x - 15.
    """
    slope = float(derivative(f, a))
    return slope, float(f(a)) - slope * a


# ----------------------------------------------------------------------------- critical points
@dataclass(frozen=True)
class CriticalPoint:
    x: float
    y: float
    curvature: float   # f''(x)
    kind: str          # "max", "min" or "inflection"


def bisect(g, lo: float, hi: float, tol: float = 1e-12, max_iter: int = 200) -> float:
    """A root of g in [lo, hi] where g(lo) and g(hi) have opposite signs (bisection).

    Halve the interval, keeping the half whose ends still have opposite signs: compare the sign of
    g(mid) with the sign of g(lo). Return mid as soon as g(mid) == 0 or the interval is shorter
    than tol * max(1, |mid|); after ``max_iter`` halvings return the midpoint. g takes and
    returns a float. Example: g(t) = t^2 - 2 on [0, 2] gives 1.41421356237... (sqrt 2).
    """
    g_lo = float(g(lo))
    for _ in range(max_iter):
        mid = 0.5 * (lo + hi)
        g_mid = float(g(mid))
        if g_mid == 0.0 or hi - lo < tol * max(1.0, abs(mid)):
            return mid
        if (g_mid < 0) == (g_lo < 0):
            lo, g_lo = mid, g_mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def critical_points(f, xmin: float, xmax: float, samples: int = 2001) -> list[CriticalPoint]:
    """Zeros of f' in [xmin, xmax]: sign changes of f' on a grid, refined by bisection,
    classified by the sign of f'' (max / min) or, when f'' ~ 0, by the sign change of f'."""
    xs = np.linspace(xmin, xmax, samples)
    d = derivative(f, xs)
    finite = np.isfinite(d)
    found: list[CriticalPoint] = []
    change = np.nonzero(finite[:-1] & finite[1:] & (np.sign(d[:-1]) != np.sign(d[1:])))[0]
    for i in change:
        if d[i] == 0.0 and i > 0 and d[i - 1] != 0.0 and np.sign(d[i - 1]) != np.sign(d[i + 1]):
            continue  # already counted at i - 1
        lo, hi = xs[i], xs[i + 1]
        x = float(lo) if d[i] == 0.0 else bisect(lambda t: derivative(f, t), lo, hi)
        curvature = float(second_derivative(f, x))
        scale = max(1.0, float(np.nanmax(np.abs(d))) / (xmax - xmin))
        if abs(curvature) < 1e-4 * scale:   # flat: decide by the sign of f' on each side
            left, right = float(derivative(f, lo)), float(derivative(f, hi))
            kind = "max" if left > 0 > right else "min" if left < 0 < right else "inflection"
        else:
            kind = "max" if curvature < 0 else "min"
        found.append(CriticalPoint(x, float(f(x)), curvature, kind))
    return found


# ----------------------------------------------------------------------------- rolling downhill
def roll_downhill(f, x0: float, lr: float, steps: int, bounds: tuple[float, float],
                  tol: float = 1e-6) -> np.ndarray:
    """Gradient descent x <- x - lr f'(x) from x0; returns the visited points, shape (k,).

    The path starts with x0. Before each of at most ``steps`` steps, stop if f'(x) (from
    ``derivative``) is not finite or |f'(x)| < tol; take the step, and stop without keeping the
    new point when it is not finite or outside ``bounds = (low, high)``. Example: f(x) = x^2 + 3x + 2
    from x0 = 2 with lr = 0.1: f'(2) = 7, so the path goes 2, 1.3, 0.74, ... towards -1.5.
    """
    path = [float(x0)]
    x = float(x0)
    for _ in range(steps):
        slope = float(derivative(f, x))
        if not math.isfinite(slope) or abs(slope) < tol:
            break
        x = x - lr * slope
        if not (math.isfinite(x) and bounds[0] <= x <= bounds[1]):
            break
        path.append(x)
    return np.array(path)


# ----------------------------------------------------------------------------- figures
def _curve(f, xmin, xmax, n=800):
    xs = np.linspace(xmin, xmax, n)
    ys = f(xs)
    ys = np.where(np.isfinite(ys), ys, np.nan)
    return xs, ys


def explorer_figure(f, text: str, xmin: float, xmax: float, points: list[CriticalPoint],
                    tangents: list[float], clickable: bool = False):
    """Two stacked plots: f with critical points (and tangents), f' with its zeros."""
    fig, (ax_f, ax_d) = plotting.figure(2, 1, figsize=(8, 7.5), sharex=True)
    plotting.fit_to_screen(fig)     # 8 x 7.5 in is 870 px tall with its toolbar: shrink to fit 1280 x 800
    xs, ys = _curve(f, xmin, xmax)
    ax_f.plot(xs, ys, lw=2)
    ax_d.plot(xs, derivative(f, xs), lw=2, color=plotting.PALETTE[1])
    ax_d.axhline(0, color="k", lw=0.8)
    colours = {"max": plotting.PALETTE[1], "min": plotting.PALETTE[2], "inflection": plotting.PALETTE[4]}
    for p in points:
        ax_f.plot(p.x, p.y, "o", ms=9, color=colours[p.kind], zorder=5)
        ax_f.annotate(f"{p.kind} x={tidy(p.x):.4g}", (p.x, p.y), textcoords="offset points", xytext=(6, 8))
        ax_d.plot(p.x, 0, "o", ms=7, color=colours[p.kind], zorder=5)
        ax_d.axvline(p.x, color=colours[p.kind], lw=0.8, ls=":")
    finite = ys[np.isfinite(ys)]
    if finite.size:
        lo, hi = np.percentile(finite, [1, 99])
        pad = 0.15 * (hi - lo or 1.0)
        ax_f.set_ylim(lo - pad, hi + pad)
    artists = draw_tangents(ax_f, f, tangents, xmin, xmax)
    ax_f.set_ylabel("f(x)")
    hint = "click to draw the tangent" if clickable else "tangent lines"
    ax_f.set_title(f"f(x) = {text}   ({hint})")
    ax_d.set_ylabel("f'(x)")
    ax_d.set_xlabel("x")
    ax_d.set_title("f'(x) by central differences: zero at the peaks and valleys of f")
    fig.tight_layout()
    return fig, ax_f, artists


def draw_tangents(ax, f, xs: list[float], xmin: float, xmax: float) -> list:
    """Draw the tangent line and a "slope = ..." label at each x; returns the artists."""
    artists = []
    width = 0.2 * (xmax - xmin)
    for a in xs:
        slope, intercept = tangent_line(f, a)
        seg = np.array([a - width, a + width])
        artists += ax.plot(seg, slope * seg + intercept, color=plotting.PALETTE[3], lw=2)
        artists += ax.plot([a], [f(a)], "s", color=plotting.PALETTE[3])
        artists.append(ax.annotate(f"slope = {slope:.4g}", (a, float(f(a))), textcoords="offset points",
                                   xytext=(8, -16), color=plotting.PALETTE[3], fontweight="bold"))
    return artists


class TangentClicker:
    """Matplotlib click handler: a click inside the f(x) axes redraws the tangent there."""

    def __init__(self, fig, ax, f, xmin: float, xmax: float):
        self.fig, self.ax, self.f, self.xmin, self.xmax = fig, ax, f, xmin, xmax
        self.artists: list = []
        self.slopes: list[tuple[float, float]] = []
        fig.canvas.mpl_connect("button_press_event", self.on_click)

    def on_click(self, event) -> None:
        if event.inaxes is not self.ax or event.xdata is None or not math.isfinite(float(self.f(event.xdata))):
            return
        for artist in self.artists:
            artist.remove()
        self.artists = draw_tangents(self.ax, self.f, [float(event.xdata)], self.xmin, self.xmax)
        self.slopes.append((float(event.xdata), tangent_line(self.f, float(event.xdata))[0]))
        self.fig.canvas.draw_idle()


def error_figure(hs: np.ndarray, errors: dict[str, np.ndarray], x0: float):
    fig, ax = plotting.figure(figsize=(7, 4.5))
    floor = 1e-17
    for method, err in errors.items():
        ax.loglog(hs, np.maximum(err, floor), "o-", ms=3, label=f"{method} difference")
    ax.loglog(hs, hs, "--", color="gray", lw=1, label="slope 1 (truncation ~ h)")
    ax.loglog(hs, hs ** 2, ":", color="gray", lw=1, label="slope 2 (truncation ~ h^2)")
    ax.loglog(hs, EPS / hs, "-.", color="k", lw=1, label="round-off ~ eps / h")
    ax.set_ylim(1e-16, 10)
    ax.set_xlabel("step h")
    ax.set_ylabel("|numerical - exact| derivative")
    ax.set_title(f"Derivative error vs h at x = {x0:g}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _descent_axes(f, xmin, xmax, path):
    fig, ax = plotting.figure(figsize=(7, 4.5))
    xs, ys = _curve(f, xmin, xmax)
    ax.plot(xs, ys, lw=2, color=plotting.PALETTE[0])
    finite = ys[np.isfinite(ys)]
    lo, hi = np.percentile(finite, [1, 99]) if finite.size else (-1, 1)
    pad = 0.15 * (hi - lo or 1.0)
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    return fig, ax


def descent_figure(f, text: str, xmin: float, xmax: float, path: np.ndarray, lr: float):
    """The function with every gradient-descent step drawn as an arrow."""
    fig, ax = _descent_axes(f, xmin, xmax, path)
    ys = f(path)
    ax.plot(path, ys, "o", color=plotting.PALETTE[1], ms=4, zorder=4)
    for i in range(len(path) - 1):
        ax.annotate("", (path[i + 1], ys[i + 1]), (path[i], ys[i]),
                    arrowprops={"arrowstyle": "->", "color": plotting.PALETTE[1], "lw": 1})
    ax.plot(path[0], ys[0], "s", color="k", ms=7, label=f"start x = {path[0]:.3g}")
    ax.plot(path[-1], ys[-1], "*", color=plotting.PALETTE[2], ms=14, label=f"end x = {path[-1]:.4g}")
    ax.set_title(f"Gradient descent on f(x) = {text}: {len(path) - 1} steps, lr = {lr:g}")
    ax.legend()
    fig.tight_layout()
    return fig


def rolling_animation(f, ax_f, ax_d, path: np.ndarray, max_frames: int = 40):
    """The ball rolling downhill along ``path``, drawn onto the explorer's two plots: (update, frames).

    ``update(k)`` shows frame k: the ball and its trail on f(x), a dot at (x, f'(x)) on the f' plot
    (it slides to f' = 0 as the ball settles) and a caption with the step. The path is subsampled to
    at most ``max_frames`` steps, and the last position is held for five more frames.
    """
    steps = np.unique(np.linspace(0, len(path) - 1, min(len(path), max_frames)).round().astype(int))
    steps = np.concatenate([steps, [steps[-1]] * 5])
    trail, = ax_f.plot([], [], "-", color=plotting.PALETTE[1], lw=1.5, alpha=0.7)
    ball, = ax_f.plot([], [], "o", ms=14, color=plotting.PALETTE[3], markeredgecolor="k", zorder=6)
    slope, = ax_d.plot([], [], "o", ms=10, color=plotting.PALETTE[3], markeredgecolor="k", zorder=6)
    caption = ax_f.text(0.02, 0.95, "", transform=ax_f.transAxes, va="top", family="monospace")

    def update(k: int) -> None:
        i = steps[k]
        x = path[i]
        trail.set_data(path[: i + 1], f(path[: i + 1]))
        ball.set_data([x], [f(x)])
        slope.set_data([x], [derivative(f, x)])
        caption.set_text(f"rolling downhill, step {i:>3}: x = {tidy(x):+.4f}\n"
                         f"f'(x) = {float(derivative(f, x)):+.4f}")

    return update, len(steps)


# ----------------------------------------------------------------------------- CLI
def tidy(x: float, decimals: int = 6) -> float:
    """x rounded to ``decimals`` places, with -0.0 made 0.0: a tiny negative number such as -3e-13
    (the maximum of x**4 - 2*x**2, found by bisection) rounds to -0.0, which would print as "-0"."""
    x = round(float(x), decimals)
    return 0.0 if x == 0 else x


def _fmt_x(x: float) -> str:
    """Critical points print in the project's example form: x = -1, x = 0, x = 1.2346."""
    return f"{tidy(x):.6g}"


def explore(args) -> int:
    """The whole session for parsed arguments: tables, figures, the live window."""
    if args.xmax <= args.xmin:
        raise cli.UserError(f"--xmax ({args.xmax:g}) must be greater than --xmin ({args.xmin:g})")
    for a in args.tangent_at:
        if not args.xmin <= a <= args.xmax:
            raise cli.UserError(f"--tangent-at {a:g} is outside [{args.xmin:g}, {args.xmax:g}]")
    f = compile_expression(args.expression, variables=("x",))
    xs = np.linspace(args.xmin, args.xmax, 801)
    if not np.any(np.isfinite(f(xs))):
        raise cli.UserError(f"f(x) = {args.expression} is not finite anywhere on [{args.xmin:g}, {args.xmax:g}]")
    shown = plotting.setup(args.no_show)
    out = cli.out_dir(args, "function_explorer")

    print(f"f(x)  = {f.text}    on [{args.xmin:g}, {args.xmax:g}]")
    print(f"f'(x) = numerical central difference (f(x+h) - f(x-h)) / 2h, h = {H_CENTRAL:.1e} * max(1, |x|)")
    print()
    probe = np.linspace(args.xmin, args.xmax, 5)
    print("  x        f(x)          f'(x)")
    for x, y, d in zip(probe, f(probe), derivative(f, probe)):
        print(f"  {x:<8.3g} {y:<13.6g} {d:.6g}")
    print()
    if shown:
        print("Click anywhere on f(x) to see the tangent line...")
    tangents = list(args.tangent_at) or [args.xmin + 0.8 * (args.xmax - args.xmin)]
    for a in tangents:
        if not math.isfinite(float(f(a))):
            raise cli.UserError(f"f is not defined at --tangent-at {a:g}")
        slope, intercept = tangent_line(f, a)
        print(f"Tangent at x = {a:g}: slope = {slope:.4f}   (y = {slope:.4f} x {'+' if intercept >= 0 else '-'} "
              f"{abs(intercept):.4f})")
    print()

    points = critical_points(f, args.xmin, args.xmax)
    if points:
        listed = ", ".join(f"x = {_fmt_x(p.x)} ({p.kind})" for p in points)
        print(f"Critical points found: {listed}")
        for p in points:
            print(f"  x = {tidy(p.x):+.6f}   f(x) = {tidy(p.y):.6f}   f'(x) = {float(derivative(f, p.x)):+.1e}   "
                  f"f''(x) = {p.curvature:+.4f}  -> {p.kind}")
    else:
        print(f"Critical points found: none in [{args.xmin:g}, {args.xmax:g}] (f' never changes sign)")
    print()

    x0 = args.error_at if args.error_at is not None else args.xmin + 0.3 * (args.xmax - args.xmin)
    hs = np.logspace(-14, -1, 27)
    errors = derivative_errors(f, x0, hs)
    print(f"Derivative error vs h at x = {x0:g} (reference: 5-point stencil):")
    for method, err in errors.items():
        finite = np.where(np.isfinite(err), err, np.inf)
        best = int(np.argmin(finite))
        print(f"  {method:<8} best error {finite[best]:.1e} at h = {hs[best]:.0e}   (error at h = 1e-1: "
              f"{err[-1]:.1e}, at h = 1e-14: {err[0]:.1e})")
    print()

    start = args.start if args.start is not None else args.xmin + 0.9 * (args.xmax - args.xmin)
    if not args.xmin <= start <= args.xmax:
        raise cli.UserError(f"--start {start:g} is outside [{args.xmin:g}, {args.xmax:g}]")
    path = roll_downhill(f, start, args.lr, args.steps, (args.xmin, args.xmax))
    print(f"Rolling downhill from x = {start:g} with x <- x - {args.lr:g} * f'(x):")
    for i in sorted({0, 1, 2, 3, len(path) // 2, len(path) - 1}):
        if 0 <= i < len(path):
            print(f"  step {i:>3}: x = {tidy(path[i]):+.6f}   f(x) = {tidy(f(path[i])):.6f}   "
                  f"f'(x) = {float(derivative(f, path[i])):+.6f}")
    end_slope = float(derivative(f, path[-1]))
    if abs(end_slope) < 1e-6:
        print(f"  settled after {len(path) - 1} steps at x = {tidy(path[-1]):.6f} (f' = {end_slope:.1e})")
    elif len(path) - 1 >= args.steps:
        print(f"  not settled after {args.steps} steps (f' = {end_slope:.2e}); try more --steps or a larger --lr")
    else:
        print(f"  left [{args.xmin:g}, {args.xmax:g}] after {len(path) - 1} steps (downhill runs off the plot)")
    print()

    fig, ax_f, _ = explorer_figure(f, f.text, args.xmin, args.xmax, points, tangents, clickable=shown)
    clicker = TangentClicker(fig, ax_f, f, args.xmin, args.xmax)
    saved = [plotting.save(fig, out / "function_explorer.png")]
    saved.append(plotting.save(error_figure(hs, errors, x0), out / "derivative_error.png"))
    saved.append(plotting.save(descent_figure(f, f.text, args.xmin, args.xmax, path, args.lr), out / "descent.png"))
    update, frames = rolling_animation(f, ax_f, fig.axes[1], path)   # onto the main window, after its PNG
    saved.append(plotting.animate(fig, update, frames, interval_ms=125, gif_path=out / "rolling.gif", fps=8))
    print("Saved: " + ", ".join(str(p) for p in saved))
    plotting.show()     # the ball rolls live in the main window; clicks still draw tangents
    for x, slope in clicker.slopes:
        print(f"clicked x = {x:.4g}: slope = {slope:.4f}")
    return 0



def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser(__doc__, prog="phase2_calculus/function_explorer.py")
    parser.add_argument("expression", help="f(x), e.g. \"x**3 - 3*x + 1\" (quote it)")
    parser.add_argument("--xmin", type=cli.finite_float, default=-3.0, help="left end of the plot (default -3)")
    parser.add_argument("--xmax", type=cli.finite_float, default=3.0, help="right end of the plot (default 3)")
    parser.add_argument("--tangent-at", type=cli.finite_float, action="append", default=[], metavar="X",
                        help="draw the tangent at X (repeatable; the headless stand-in for a click)")
    parser.add_argument("--start", type=cli.finite_float, default=None,
                        help="where the ball starts rolling (default 90%% of the way to xmax)")
    parser.add_argument("--lr", type=cli.positive_float, default=0.05, help="learning rate (default 0.05)")
    parser.add_argument("--steps", type=cli.positive_int, default=200, help="max descent steps (default 200)")
    parser.add_argument("--error-at", type=cli.finite_float, default=None, metavar="X",
                        help="x for the derivative error-vs-h study (default: 0.3 of the way from xmin)")
    args = parser.parse_args(argv)
    # f may overflow or be undefined somewhere on the range (1e300 * x**2, log(x) left of 0): the
    # tables and figures show inf/nan there and the checks below say so in one line, so NumPy's and
    # matplotlib's RuntimeWarnings would only repeat it as noise on stderr
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return explore(args)


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
