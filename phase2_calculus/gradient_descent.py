"""Gradient descent from scratch: vanilla GD, momentum, Nesterov, RMSProp and Adam on 2-D functions.

Pick a function from the menu (bowl, Rosenbrock, sin + sin, or your own f(x, y)), an optimiser
and a starting point; the optimiser walks downhill, the iteration log shows f falling, and the
path is drawn on the 3-D surface and on the contour map. ``--compare`` races all five optimisers.

Math (g = grad f(p), all operations elementwise, t = step number from 1):
    gradient (numerical)  df/dx ~ (f(x + h, y) - f(x - h, y)) / 2h, and the same for y
    vanilla GD            p <- p - lr g
    momentum              b <- mu b + g;              p <- p - lr b          (b_1 = g)
    Nesterov              b <- mu b + g;              p <- p - lr (g + mu b)
    RMSProp               v <- a v + (1 - a) g^2;     p <- p - lr g / (sqrt(v) + eps)
    Adam                  m <- b1 m + (1 - b1) g;     v <- b2 v + (1 - b2) g^2
                          p <- p - (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
These are exactly the update rules of torch.optim.SGD / RMSprop / Adam (the tests check the
iterates agree step for step). Convergence: |g| < tol.

    python phase2_calculus/gradient_descent.py                      # menu (reads stdin when piped)
    python phase2_calculus/gradient_descent.py --function rosenbrock --optimizer adam --start 2,2 --lr 0.1
    python phase2_calculus/gradient_descent.py --function "x**2 + 3*y**2 + x*y" --optimizer momentum
    python phase2_calculus/gradient_descent.py --function rosenbrock --compare
"""

from __future__ import annotations

import argparse
import ast
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from common import cli, plotting
from common.expr import compile_expression, parse_expression
from phase2_calculus.function_explorer import derivative

# ----------------------------------------------------------------------------- test functions


@dataclass(frozen=True)
class Objective:
    """A function of (x, y) with an optional analytic gradient and the known minima."""

    name: str
    formula: str
    f: Callable                                  # f(x, y) on floats or arrays
    grad: Callable[[np.ndarray], np.ndarray] | None = None   # analytic gradient at p, shape (2,)
    minima: Callable[[np.ndarray], np.ndarray] | None = None  # the true minimum nearest to p
    bounds: tuple[float, float, float, float] = (-3, 3, -3, 3)  # plot window xmin xmax ymin ymax

    def value(self, p: np.ndarray) -> float:
        return float(self.f(p[0], p[1]))


def _nearest_sin_min(p: np.ndarray) -> np.ndarray:
    """sin has its minima at -pi/2 + 2 pi k; the one nearest each coordinate."""
    return -np.pi / 2 + 2 * np.pi * np.round((np.asarray(p) + np.pi / 2) / (2 * np.pi))


BOWL = Objective("bowl", "x**2 + y**2", lambda x, y: x ** 2 + y ** 2,
                 lambda p: 2 * np.asarray(p, dtype=float), lambda p: np.zeros(2))
ROSENBROCK = Objective(
    "rosenbrock", "(1 - x)**2 + 100*(y - x**2)**2",
    lambda x, y: (1 - x) ** 2 + 100 * (y - x ** 2) ** 2,
    lambda p: np.array([-2 * (1 - p[0]) - 400 * p[0] * (p[1] - p[0] ** 2), 200 * (p[1] - p[0] ** 2)]),
    lambda p: np.ones(2), bounds=(-2, 2.5, -1, 3.5))
SINSIN = Objective("sinsin", "sin(x) + sin(y)", lambda x, y: np.sin(x) + np.sin(y),
                   lambda p: np.cos(np.asarray(p, dtype=float)), _nearest_sin_min, bounds=(-1, 7, -1, 7))
BUILTIN = {"bowl": BOWL, "rosenbrock": ROSENBROCK, "sinsin": SINSIN}
MENU = (("1", "bowl", "f(x,y) = x² + y² (bowl - easy)"),
        ("2", "rosenbrock", "f(x,y) = (1-x)² + 100(y-x²)² (Rosenbrock - hard)"),
        ("3", "sinsin", "f(x,y) = sin(x) + sin(y) (multiple minima)"),
        ("4", "custom", "your own f(x,y), e.g. x**2 + 3*y**2 + x*y"))
MENU_HELP = "Type 1-4 (or bowl, rosenbrock, sinsin); after 4 you type your own formula."


def custom_objective(text: str) -> Objective:
    """An Objective from a typed formula in x and y (safe parser; numerical gradient).

    A formula that uses neither x nor y (``9``, ``2*pi``) is refused: a constant has no minimum to
    walk down to, and a bare number is far more likely a mistyped menu entry.
    """
    f = compile_expression(text, variables=("x", "y"))
    used = {node.id for node in ast.walk(parse_expression(text, ("x", "y"))) if isinstance(node, ast.Name)}
    if not used & {"x", "y"}:
        raise cli.UserError(f"f(x,y) = {f.text} uses neither x nor y, so there is nothing to minimise: "
                            "type a formula in x and y, e.g. x**2 + 3*y**2")
    return Objective("custom", f.text, f)


def numerical_gradient(f: Callable, p: np.ndarray) -> np.ndarray:
    """Central-difference partial derivatives of f(x, y) at p = (x, y): the gradient, shape (2,).

        df/dx ~ (f(x + h, y) - f(x - h, y)) / 2h,    df/dy ~ (f(x, y + h) - f(x, y - h)) / 2h

    Each partial derivative holds the other coordinate fixed: it is the ordinary derivative of the
    one-variable function t -> f(t, y) at x (and t -> f(x, t) at y), so ``derivative`` from the
    function explorer does the work. Example: f = x^2 + 4 y^2 at (1, 1) gives (2, 8).
    """
    x, y = float(p[0]), float(p[1])
    return np.array([float(derivative(lambda t: f(t, y), x)), float(derivative(lambda t: f(x, t), y))])


# ----------------------------------------------------------------------------- optimisers
class Optimizer:
    """Base class: ``step(p, g)`` returns the next point; state lives on the object."""

    name = "base"

    def __init__(self, lr: float):
        self.lr = lr
        self.t = 0

    def step(self, p: np.ndarray, g: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class GD(Optimizer):
    """Vanilla gradient descent: a step of lr against the gradient."""

    name = "gd"

    def step(self, p, g):
        """The next point p - lr g (p and g are shape (2,) arrays; returns a new array).

        Also counts the step in ``self.t``. Example: lr = 0.1, p = (1, 1), g = (2, 8) gives (0.8, 0.2).
        """
        self.t += 1
        return p - self.lr * g


class Momentum(Optimizer):
    """Heavy ball: the velocity b is an exponential moving sum of past gradients, which cancels
    the zig-zag across a narrow valley and accumulates speed along it."""

    name = "momentum"

    def __init__(self, lr: float, mu: float = 0.9, nesterov: bool = False):
        super().__init__(lr)
        self.mu, self.nesterov, self.b = mu, nesterov, None

    def step(self, p, g):
        """The next point with momentum (p, g shape (2,); returns a new array). torch.optim.SGD's rule:

            b <- mu b + g          (the first step sets b = g: there is no velocity yet)
            p <- p - lr b          or, Nesterov (``self.nesterov``), p <- p - lr (g + mu b)

        The velocity b lives in ``self.b`` (None before the first step); count steps in ``self.t``.
        Example: lr = 0.1, mu = 0.9 and the same g = (1, 0) twice: b = (1, 0), then (1.9, 0).
        """
        self.t += 1
        self.b = g.copy() if self.b is None else self.mu * self.b + g
        direction = g + self.mu * self.b if self.nesterov else self.b
        return p - self.lr * direction


class Nesterov(Momentum):
    """Momentum that looks ahead: the step uses g + mu b (torch's formulation)."""

    name = "nesterov"

    def __init__(self, lr: float, mu: float = 0.9):
        super().__init__(lr, mu, nesterov=True)


class RMSProp(Optimizer):
    """Divide each coordinate's step by the RMS of its recent gradients (adaptive step size)."""

    name = "rmsprop"

    def __init__(self, lr: float, alpha: float = 0.99, eps: float = 1e-8):
        super().__init__(lr)
        self.alpha, self.eps, self.v = alpha, eps, None

    def step(self, p, g):
        """The next point, each coordinate's step divided by the RMS of its recent gradients:

            v <- alpha v + (1 - alpha) g^2          (elementwise; v starts at zeros, shape (2,))
            p <- p - lr g / (sqrt(v) + eps)

        p and g have shape (2,); returns a new array. Keep v in ``self.v`` (None before the first
        step) and count steps in ``self.t``. Example: alpha = 0.99, first step with g = (1, -4):
        v = (0.01, 0.16), so each coordinate moves by about lr * 10 against its gradient's sign.
        """
        self.t += 1
        if self.v is None:
            self.v = np.zeros_like(g)
        self.v = self.alpha * self.v + (1 - self.alpha) * g * g
        return p - self.lr * g / (np.sqrt(self.v) + self.eps)


class Adam(Optimizer):
    """Momentum (first moment m) + RMSProp (second moment v), both bias-corrected."""

    name = "adam"

    def __init__(self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        super().__init__(lr)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m = self.v = None

    def step(self, p, g):
        """The next Adam point (p, g shape (2,); returns a new array), as torch.optim.Adam computes it:

            t <- t + 1
            m <- b1 m + (1 - b1) g                  (first moment; m, v start at zeros)
            v <- b2 v + (1 - b2) g^2                (second moment, elementwise)
            p <- p - (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)

        The bias corrections 1 - b^t undo the pull towards the zero start. The state lives in
        ``self.t``, ``self.m`` and ``self.v`` (None before the first step). Example: on the first
        step every coordinate with g != 0 moves by almost exactly lr, against the sign of g.
        """
        self.t += 1
        if self.m is None:
            self.m, self.v = np.zeros_like(g), np.zeros_like(g)
        self.m = self.beta1 * self.m + (1 - self.beta1) * g
        self.v = self.beta2 * self.v + (1 - self.beta2) * g * g
        step_size = self.lr / (1 - self.beta1 ** self.t)
        denom = np.sqrt(self.v) / math.sqrt(1 - self.beta2 ** self.t) + self.eps
        return p - step_size * self.m / denom


OPTIMIZERS: dict[str, type[Optimizer]] = {c.name: c for c in (GD, Momentum, Nesterov, RMSProp, Adam)}
LABELS = {"gd": "Vanilla GD", "momentum": "Momentum", "nesterov": "Nesterov", "rmsprop": "RMSProp", "adam": "Adam"}
# learning rates that work from the default start (2, 2); chosen by trying, printed in the log
DEFAULT_LR = {
    "bowl": {"gd": 0.1, "momentum": 0.05, "nesterov": 0.05, "rmsprop": 0.05, "adam": 0.1},
    "rosenbrock": {"gd": 1e-3, "momentum": 2e-4, "nesterov": 2e-4, "rmsprop": 3e-4, "adam": 0.1},
    "sinsin": {"gd": 0.5, "momentum": 0.1, "nesterov": 0.1, "rmsprop": 0.05, "adam": 0.1},
    "custom": {"gd": 0.05, "momentum": 0.02, "nesterov": 0.02, "rmsprop": 0.02, "adam": 0.05},
}


@dataclass
class Result:
    path: np.ndarray       # (k+1, 2) points visited, start first
    values: np.ndarray     # (k+1,) f at each point
    grad_norms: np.ndarray  # (k+1,) |g| at each point
    converged: bool
    diverged: bool

    @property
    def iterations(self) -> int:
        return len(self.path) - 1


def minimize(objective: Objective, optimizer: Optimizer, start, max_iter: int = 20000, tol: float = 1e-4,
             gradient: str = "analytic") -> Result:
    """Run ``optimizer`` from ``start`` until |grad| < tol, max_iter steps, or divergence.

    The loop, with p the current point (shape (2,)) and g its gradient:
        at each point: g = gradient at p, record |g|;
        if g or f(p) is not finite, or max |p| > 1e8: diverged, stop;
        if |g| < tol: converged, stop;   if max_iter steps were taken: stop;
        otherwise p = optimizer.step(p, g) and record p and f(p).
    ``gradient`` is "analytic" (``objective.grad``; falls back to numerical when it has none) or
    "numerical" (``numerical_gradient`` of ``objective.f``). Returns a Result: ``path`` (k+1, 2)
    with the start first, ``values`` (k+1,) f along it, ``grad_norms`` (k+1,) |g| at each point,
    and the two flags ``converged`` and ``diverged``.
    Example: f = x^2, GD with lr = 0.1 from (3, 0): x goes 3, 2.4, 1.92, ... (times 0.8 a step).
    """
    use_analytic = gradient == "analytic" and objective.grad is not None
    grad_of = objective.grad if use_analytic else (lambda q: numerical_gradient(objective.f, q))
    p = np.asarray(start, dtype=float).copy()
    path, values, norms = [p.copy()], [objective.value(p)], []
    converged = diverged = False
    for _ in range(max_iter + 1):
        g = grad_of(p)
        norms.append(float(np.linalg.norm(g)))
        if not np.all(np.isfinite(g)) or not math.isfinite(values[-1]) or np.max(np.abs(p)) > 1e8:
            diverged = True
            break
        if norms[-1] < tol:
            converged = True
            break
        if len(path) > max_iter:
            break
        p = optimizer.step(p, g)
        path.append(p.copy())
        values.append(objective.value(p))
    if len(norms) < len(path):  # diverged on the last point
        norms.append(float("nan"))
    return Result(np.array(path), np.array(values), np.array(norms), converged, diverged)


def make_optimizer(name: str, lr: float) -> Optimizer:
    return OPTIMIZERS[name](lr)


# ----------------------------------------------------------------------------- figures
def _grid(objective: Objective, paths: list[np.ndarray], n: int = 160):
    x0, x1, y0, y1 = objective.bounds
    pts = np.concatenate([p for p in paths if len(p)])
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    if len(pts):  # widen the window to include the paths (within reason)
        x0, x1 = min(x0, pts[:, 0].min()), max(x1, pts[:, 0].max())
        y0, y1 = min(y0, pts[:, 1].min()), max(y1, pts[:, 1].max())
        pad = 0.05 * max(x1 - x0, y1 - y0)
        x0, x1, y0, y1 = x0 - pad, x1 + pad, y0 - pad, y1 + pad
    xs, ys = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    zs = objective.f(xs, ys)
    return xs, ys, np.where(np.isfinite(zs), zs, np.nan)


def _log_scale(zs) -> bool:
    """Wide dynamic range (Rosenbrock): show log10(1 + f) so the valley floor is visible."""
    return bool(np.nanmin(zs) >= 0 and np.nanmax(zs) / max(np.nanmin(zs), 1e-12) > 1e3)


def contour_figure(objective: Objective, runs: dict[str, Result], minimum=None):
    """Contour map with each run's path overlaid."""
    xs, ys, zs = _grid(objective, [r.path for r in runs.values()])
    log = _log_scale(zs)
    shown = np.log10(1 + zs) if log else zs
    fig, ax = plotting.figure(figsize=(7.5, 6))
    cs = ax.contourf(xs, ys, shown, levels=30, cmap="viridis", alpha=0.85)
    ax.contour(xs, ys, shown, levels=30, colors="white", linewidths=0.3)
    fig.colorbar(cs, ax=ax, label="log10(1 + f(x, y))" if log else "f(x, y)")
    for i, (name, r) in enumerate(runs.items()):
        colour = plotting.PALETTE[(i + 1) % len(plotting.PALETTE)]
        ax.plot(r.path[:, 0], r.path[:, 1], "-", color=colour, lw=1.6, label=f"{LABELS.get(name, name)} "
                f"({r.iterations} it)")
        ax.plot(r.path[-1, 0], r.path[-1, 1], "o", color=colour, ms=6, markeredgecolor="k")
    first = next(iter(runs.values()))
    ax.plot(*first.path[0], "s", color="white", markeredgecolor="k", ms=8, label="start")
    if minimum is not None:
        ax.plot(*minimum, "*", color="gold", markeredgecolor="k", ms=16, label="true minimum")
    ax.set_xlim(xs.min(), xs.max())
    ax.set_ylim(ys.min(), ys.max())
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(f"f(x, y) = {objective.formula}")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def _surface(objective: Objective, runs: dict[str, Result], n: int = 80, figsize=(8, 6)):
    """The 3-D surface of f (an n x n grid) around the runs' paths: (fig, ax, height), height(f) the z drawn."""
    xs, ys, zs = _grid(objective, [r.path for r in runs.values()], n=n)
    fig = plotting.figure(figsize=figsize, subplot_kw={"projection": "3d"})[0]
    ax = fig.axes[0]
    log = _log_scale(zs)
    height = (lambda z: np.log10(1 + z)) if log else (lambda z: z)
    ax.plot_surface(xs, ys, height(zs), cmap="viridis", alpha=0.6, linewidth=0, antialiased=True)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_zlabel("log10(1 + f)" if log else "f(x, y)")
    ax.set_title(f"f(x, y) = {objective.formula}")
    ax.view_init(elev=40, azim=-120)
    return fig, ax, height


def surface_figure(objective: Objective, runs: dict[str, Result]):
    """3-D surface with the path(s) traced on it."""
    fig, ax, height = _surface(objective, runs)
    for i, (name, r) in enumerate(runs.items()):
        colour = plotting.PALETTE[(i + 1) % len(plotting.PALETTE)]
        ax.plot(r.path[:, 0], r.path[:, 1], height(r.values) + 0.02, "-", color=colour, lw=2,
                label=LABELS.get(name, name))
        ax.scatter(*r.path[-1], height(r.values[-1]), color=colour, s=30, edgecolor="k")
    ax.legend(fontsize=8)
    return fig


def frame_iterations(longest: int, n_frames: int = 40) -> np.ndarray:
    """How many points of the path each animation frame shows: 1 ... longest, spaced evenly on a log
    scale (the first steps move furthest, so they get the most frames), each count once."""
    return np.unique(np.round(np.geomspace(1, longest, min(n_frames, longest))).astype(int))


def path_animation(objective: Objective, runs: dict[str, Result], n_frames: int = 24):
    """The optimiser walking downhill on the surface: (fig, update, frames).

    ``update(frame)`` draws every run's path up to ``frame_iterations(...)[frame]`` points, with a
    dot where the optimiser is now; ``frames`` is the number of frames. The surface is coarser than
    the still figure's (40 x 40) so that each frame draws quickly.
    """
    fig, ax, height = _surface(objective, runs, n=40, figsize=(7, 5.25))
    counts = frame_iterations(max(len(r.path) for r in runs.values()), n_frames)
    lines, dots = {}, {}
    for i, name in enumerate(runs):
        colour = plotting.PALETTE[(i + 1) % len(plotting.PALETTE)]
        lines[name], = ax.plot([], [], [], "-", color=colour, lw=2, label=LABELS.get(name, name))
        dots[name], = ax.plot([], [], [], "o", color=colour, ms=6, markeredgecolor="k")
    ax.legend(fontsize=8, loc="upper left")
    title = ax.set_title("")

    def update(frame: int) -> None:
        shown = int(counts[frame])
        for name, r in runs.items():
            k = min(shown, len(r.path))
            z = height(r.values[:k]) + 0.02
            lines[name].set_data_3d(r.path[:k, 0], r.path[:k, 1], z)
            dots[name].set_data_3d(r.path[k - 1:k, 0], r.path[k - 1:k, 1], z[-1:])
        title.set_text(f"f(x, y) = {objective.formula}   iteration {shown - 1}")

    return fig, update, len(counts)


def loss_figure(runs: dict[str, Result]):
    fig, ax = plotting.figure(figsize=(7, 4.5))
    for i, (name, r) in enumerate(runs.items()):
        vals = r.values - min(0.0, min(float(np.nanmin(x.values)) for x in runs.values()))
        ax.semilogy(np.arange(len(vals)), np.maximum(vals, 1e-16), color=plotting.PALETTE[(i + 1) % 8],
                    label=LABELS.get(name, name))
    ax.set_xlabel("iteration")
    ax.set_ylabel("f - min(0, lowest f seen)")
    ax.set_title("Loss per iteration")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- CLI
def _point(text: str) -> np.ndarray:
    """argparse type: 'x,y'."""
    parts = text.replace("(", "").replace(")", "").split(",")
    try:
        values = [float(v) for v in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected two numbers 'x,y', got {text!r}") from None
    if len(values) != 2 or not all(math.isfinite(v) for v in values):
        raise argparse.ArgumentTypeError(f"expected two finite numbers 'x,y', got {text!r}")
    return np.array(values)


def _ask(prompt: str) -> str:
    """One answer from the user: input() on a terminal, a line of stdin otherwise (echoed)."""
    if cli.is_interactive():
        try:
            return input(prompt).strip()
        except EOFError:
            return ""
    line = sys.stdin.readline()
    print(f"{prompt}{line.strip()}")
    return line.strip()


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def menu_entry(answer: str) -> str:
    """The function a menu answer picks: "bowl", "rosenbrock", "sinsin" or "custom".

    The menu takes only its own entries: a number 1-4 or a name. Any other number is refused
    rather than read as the constant function f(x, y) = 9; a formula is typed after choosing 4.
    """
    names = {key: name for key, name, _ in MENU}
    if answer in names:
        return names[answer]
    if answer.lower() in names.values():
        return answer.lower()
    if _is_number(answer):
        raise cli.UserError(f"{answer} is not a menu entry: type 1, 2, 3 or 4 (4 lets you type your own formula)")
    raise cli.UserError(f"{answer!r} is not a menu entry: type 1-4 or bowl, rosenbrock, sinsin; for your own "
                        "f(x,y) type 4, then the formula")


def _ask_menu() -> str:
    """Show the menu and read an entry; on a terminal a wrong answer is explained and asked again."""
    print("Choose function to minimize:")
    for key, _, label in MENU:
        print(f"{key}. {label}")
    print(MENU_HELP)
    while True:
        answer = _ask("> ")
        if not answer:
            raise cli.UserError("no choice read from stdin: type 1-4, or pass --function NAME")
        try:
            return menu_entry(answer)
        except cli.UserError as exc:
            if not cli.is_interactive():
                raise
            print(exc)


def choose_objective(choice: str | None) -> Objective:
    """From --function (a menu number 1-4, a name or a formula in x, y) or from the menu on stdin."""
    if choice is None:
        key = _ask_menu()
        if key == "custom":
            formula = _ask("f(x,y) = ")
            if not formula:
                raise cli.UserError("no formula read for the custom function")
            print()
            return custom_objective(formula)
        print()
        return BUILTIN[key]
    key = {k: name for k, name, _ in MENU}.get(choice, choice)
    if key in BUILTIN:
        return BUILTIN[key]
    if key == "custom":
        raise cli.UserError("--function custom needs the formula itself, e.g. --function \"x**2 + y**2\"")
    if _is_number(choice):
        raise cli.UserError(f"--function {choice}: a plain number names a menu entry (1-4); a formula must use "
                            "x or y, e.g. --function \"x**2 + y**2\"")
    if choice.isidentifier() and choice not in ("x", "y"):
        raise cli.UserError(f"unknown function {choice!r}: use 1-4, bowl, rosenbrock, sinsin or a formula in x, y")
    return custom_objective(choice)


def _fmt(v: float) -> str:
    return f"{v:.7f}".rstrip("0").rstrip(".") if abs(v) >= 1e-7 or v == 0 else f"{v:.2e}"


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser(__doc__, prog="phase2_calculus/gradient_descent.py")
    parser.add_argument("--function", default=None, metavar="F",
                        help="1-4, bowl, rosenbrock, sinsin, or a formula in x and y (default: ask)")
    parser.add_argument("--optimizer", choices=list(OPTIMIZERS), default="adam", help="default adam")
    parser.add_argument("--start", type=_point, default=np.array([2.0, 2.0]), metavar="X,Y",
                        help="starting point (default 2,2)")
    parser.add_argument("--lr", type=cli.positive_float, default=None,
                        help="learning rate (default: one that works for the function and optimiser)")
    parser.add_argument("--iterations", type=cli.positive_int, default=20000, help="max iterations (default 20000)")
    parser.add_argument("--tol", type=cli.positive_float, default=1e-4, help="stop when |grad| < tol (default 1e-4)")
    parser.add_argument("--gradient", choices=("analytic", "numerical"), default="analytic",
                        help="analytic formula (built-in functions) or central differences (default analytic)")
    parser.add_argument("--compare", action="store_true", help="run all five optimisers and compare them")
    args = parser.parse_args(argv)

    objective = choose_objective(args.function)
    if not math.isfinite(objective.value(args.start)):
        raise cli.UserError(f"f is not finite at the start point {tuple(args.start)}")
    plotting.setup(args.no_show)
    out = cli.out_dir(args, "gradient_descent")
    grad_kind = args.gradient if objective.grad is not None else "numerical"
    names = list(OPTIMIZERS) if args.compare else [args.optimizer]
    runs: dict[str, Result] = {}
    lrs = {}
    for name in names:
        lrs[name] = args.lr if args.lr is not None else DEFAULT_LR[objective.name][name]
        runs[name] = minimize(objective, make_optimizer(name, lrs[name]), args.start, args.iterations,
                              args.tol, grad_kind)
    minimum = objective.minima(runs[names[-1]].path[-1]) if objective.minima else None

    print(f"Function: f(x,y) = {objective.formula}")
    print(f"Starting point: ({args.start[0]:.1f}, {args.start[1]:.1f})")
    print(f"Gradient: {grad_kind}")
    if not args.compare:
        name = args.optimizer
        r = runs[name]
        print(f"Algorithm: {LABELS[name]} (lr = {lrs[name]:g})")
        print()
        marks = {0, 10, 100, 500} | set(range(1000, r.iterations, 1000))
        for i in sorted(m for m in marks if m < r.iterations):
            print(f"Iteration {i}: f(x,y) = {_fmt(r.values[i])}")
        last = r.iterations
        if r.converged:
            print(f"Iteration {last}: Converged! f(x,y) = {_fmt(r.values[last])}   (|grad| = {r.grad_norms[-1]:.1e})")
        elif r.diverged:
            print(f"Iteration {last}: Diverged (f or the point blew up); try a smaller --lr")
        else:
            print(f"Iteration {last}: stopped at --iterations, f(x,y) = {_fmt(r.values[last])}, "
                  f"|grad| = {r.grad_norms[-1]:.1e}")
        print()
        print(f"Minimum found at: ({r.path[-1, 0]:.4f}, {r.path[-1, 1]:.4f})")
    else:
        print()
        print(f"{'optimizer':<11} {'lr':>7} {'iterations':>10} {'status':<10} {'final f':>12}   final point")
        for name, r in runs.items():
            status = "converged" if r.converged else "diverged" if r.diverged else "max iter"
            print(f"{LABELS[name]:<11} {lrs[name]:>7g} {r.iterations:>10} {status:<10} {r.values[-1]:>12.3e}   "
                  f"({r.path[-1, 0]:.4f}, {r.path[-1, 1]:.4f})")
        print()
    if minimum is not None:
        where = "nearest true minimum" if objective.name == "sinsin" else "True minimum"
        print(f"{where}: ({minimum[0]:.4g}, {minimum[1]:.4g})")
    else:
        print("True minimum: not known for a custom function")
    prefix = "compare_" if args.compare else ""
    saved = [plotting.save(surface_figure(objective, runs), out / f"{prefix}surface.png"),
             plotting.save(contour_figure(objective, runs, minimum), out / f"{prefix}contour.png"),
             plotting.save(loss_figure(runs), out / f"{prefix}loss.png")]
    fig, update, frames = path_animation(objective, runs)
    saved.append(plotting.animate(fig, update, frames, interval_ms=100, gif_path=out / f"{prefix}path.gif", fps=8))
    print()
    print("Saved: " + ", ".join(str(p) for p in saved))
    plotting.show()     # the windows, the path walking down the surface live in one of them
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
