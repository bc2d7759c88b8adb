"""Monte Carlo pi: throw random darts at a unit square and count how many land in the circle.

A dart (x, y) with x, y ~ Uniform(0, 1) lands inside the quarter circle x^2 + y^2 <= 1 with
probability p = pi / 4 (the area ratio). With n darts and k hits:

    pi_hat = 4 k / n                          (unbiased: E[pi_hat] = pi)
    SE     = 4 sqrt(p (1 - p) / n)            (~ 1.64 / sqrt(n): error shrinks like 1 / sqrt(n))
    95% CI = pi_hat +- 1.96 SE                (normal approximation, valid for large n)

The same idea integrates any function: for U ~ Uniform(a, b),

    integral_a^b f(x) dx = (b - a) E[f(U)]  ~  (b - a) mean(f(u_i)),   SE = (b - a) sd(f) / sqrt(n)

Darts are drawn in chunks of 2^20 (memory stays flat even for 10^9 darts), as float32 (half the
random bits of float64), and chunk k always uses the generator SeedSequence(seed, spawn_key=(k,)),
so several threads (NumPy releases the GIL) can share the work and the answer does not depend on
how many there are.

    python phase3_probability/monte_carlo_pi.py 1000000
    python phase3_probability/monte_carlo_pi.py 1000000000          # ~10 s, flat memory
    python phase3_probability/monte_carlo_pi.py --integral "exp(-x**2)" 0 1
"""

from __future__ import annotations

import argparse
import math
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from common import cli, plotting
from common.expr import compile_expression

CHUNK = 1 << 20
Z95 = 1.959963984540054  # Phi^-1(0.975)


# ----------------------------------------------------------------------------- core: pi
def chunk_generator(seed: int, k: int) -> np.random.Generator:
    """The independent generator of chunk ``k`` (same darts whatever the thread count)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(k,))))


def chunk_darts(seed: int, k: int, m: int, out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The m darts of chunk k as float32 arrays (x, y), each shape (m,). ``out`` (2m,) is reused."""
    xy = np.empty(2 * m, dtype=np.float32) if out is None else out[: 2 * m]
    chunk_generator(seed, k).random(out=xy, dtype=np.float32)
    return xy[:m], xy[m:]


@dataclass
class DartResult:
    n: int                                   # darts thrown
    inside: int                              # darts with x^2 + y^2 <= 1
    checkpoints: dict[int, int] = field(default_factory=dict)  # dart count -> hits so far

    @property
    def estimate(self) -> float:
        return 4.0 * self.inside / self.n

    @property
    def standard_error(self) -> float:
        return standard_error(self.inside, self.n)


def inside_quarter_circle(x: np.ndarray, y: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Which darts land in the quarter circle x^2 + y^2 <= 1: x (m,), y (m,) -> bool (m,).

    A dart in the unit square is inside when its distance from the corner (0, 0) is at most 1;
    comparing the squared distance with 1 needs no square root. The darts (0.6, 0.7) and
    (0.8, 0.7) give 0.36 + 0.49 = 0.85 <= 1 (inside) and 0.64 + 0.49 = 1.13 > 1 (outside):

        x = [0.6, 0.8], y = [0.7, 0.7]  ->  [True, False]

    Here x and y are the chunk's own scratch buffers (float32), so they are squared in place and
    no new arrays are made for each million darts; the answer goes into ``out`` (bool (m,)) when
    it is given. Returning a fresh array (and leaving x and y alone) is just as correct.
    """
    np.square(x, out=x)
    np.square(y, out=y)
    np.add(x, y, out=x)
    return np.less_equal(x, 1.0, out=out)


def standard_error(inside: int, n: int) -> float:
    """Estimated standard error of pi_hat = 4 k / n: SE = 4 sqrt(p_hat (1 - p_hat) / n), p_hat = k / n.

    Each dart is a Bernoulli trial with success probability p = pi / 4, so k / n has variance
    p (1 - p) / n; multiplying by 4 scales the standard deviation by 4. With k = 785 hits of
    n = 1000: p_hat = 0.785, SE = 4 sqrt(0.785 * 0.215 / 1000) = 0.0520.
    """
    p = inside / n
    return 4.0 * math.sqrt(p * (1.0 - p) / n)


def confidence_interval(inside: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The normal-approximation interval (pi_hat - z SE, pi_hat + z SE) with pi_hat = 4 k / n.

    z = 1.96 (the default: Phi^-1(0.975), the module's Z95) gives a 95% interval: over many
    repeats it contains pi about 95% of the time. With k = 785 of n = 1000:
    3.14 +- 1.96 * 0.0520 = (3.038, 3.242).
    """
    est = 4.0 * inside / n
    se = standard_error(inside, n)
    return est - z * se, est + z * se


def throw_darts(n: int, seed: int = 42, *, workers: int | None = None, chunk: int = CHUNK,
                checkpoints=(), progress=None) -> DartResult:
    """Throw n darts in chunks across ``workers`` threads; count hits (and hits at checkpoints).

    Each worker owns one float32 buffer (2 * chunk) and one bool buffer (chunk), so memory is
    O(workers * chunk) for any n. ``checkpoints`` are dart counts (1..n) at which the running hit
    count is recorded; ``progress`` is an optional callable receiving darts done per chunk.
    """
    if n < 1:
        raise ValueError("n must be >= 1")
    workers = max(1, workers or os.cpu_count() or 1)
    n_chunks = -(-n // chunk)
    marks = sorted({int(c) for c in checkpoints if 1 <= c <= n})
    by_chunk: dict[int, list[int]] = {}
    for c in marks:
        by_chunk.setdefault((c - 1) // chunk, []).append(c)
    counts = np.zeros(n_chunks, dtype=np.int64)
    partial: dict[int, int] = {}  # checkpoint -> hits within its own chunk
    stop = threading.Event()      # set on Ctrl-C: every worker stops after its current chunk

    def work(w: int) -> None:
        buf = np.empty(2 * chunk, dtype=np.float32)
        hit = np.empty(chunk, dtype=bool)
        for k in range(w, n_chunks, workers):
            if stop.is_set():
                return
            m = min(chunk, n - k * chunk)
            x, y = chunk_darts(seed, k, m, out=buf)
            inside = inside_quarter_circle(x, y, out=hit[:m])
            counts[k] = np.count_nonzero(inside)
            if k in by_chunk:
                running = np.cumsum(inside, dtype=np.int64)
                for c in by_chunk[k]:
                    partial[c] = int(running[c - 1 - k * chunk])
            if progress is not None:
                progress(m)

    if workers == 1 or n_chunks == 1:
        work(0)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            try:
                list(pool.map(work, range(min(workers, n_chunks))))
            except KeyboardInterrupt:
                stop.set()                # the pool's shutdown then waits one chunk, not the whole run
                raise
    before = np.concatenate([[0], np.cumsum(counts)])
    found = {c: int(before[(c - 1) // chunk]) + partial[c] for c in marks}
    return DartResult(n=n, inside=int(counts.sum()), checkpoints=found)


def plain_float64_count(n: int, seed: int = 42, chunk: int = CHUNK) -> int:
    """The straightforward chunked loop (float64, one thread): the speed baseline."""
    rng = np.random.default_rng(seed)
    inside, done = 0, 0
    while done < n:
        m = min(chunk, n - done)
        x, y = rng.random(m), rng.random(m)
        inside += int(np.count_nonzero(x * x + y * y <= 1.0))
        done += m
    return inside


def powers_of_ten(n: int) -> list[int]:
    """1,000, 10,000, ... up to n, plus n itself (the progress table's rows)."""
    rows = [10 ** e for e in range(3, 19) if 10 ** e <= n]
    if not rows or rows[-1] != n:
        rows.append(n)
    return rows


def log_grid(n: int, points: int = 120, start: int = 10) -> np.ndarray:
    """About ``points`` log-spaced integers in [start, n] for the convergence plot."""
    if n <= start:
        return np.array([n])
    return np.unique(np.geomspace(start, n, points).astype(np.int64))


# ----------------------------------------------------------------------------- core: integrals
@dataclass
class IntegralResult:
    estimate: float
    standard_error: float
    n: int
    checkpoints: dict[int, float]  # sample count -> running estimate


def mc_integral(f, a: float, b: float, n: int, seed: int = 42, chunk: int = CHUNK, checkpoints=()) -> IntegralResult:
    """(b - a) mean f(U), U ~ Uniform(a, b), in float64 chunks; SE from the sample variance.

    Raises ValueError if f is not finite somewhere it was evaluated.
    """
    width = b - a
    total = total_sq = 0.0
    marks = sorted({int(c) for c in checkpoints if 1 <= c <= n})
    running: dict[int, float] = {}
    for k in range(-(-n // chunk)):
        m = min(chunk, n - k * chunk)
        u = a + width * chunk_generator(seed, k).random(m)
        fx = np.asarray(f(u), dtype=float)
        if not np.all(np.isfinite(fx)):
            bad = float(u[~np.isfinite(fx)][0])
            raise ValueError(f"the function is not finite at x = {bad:.6g}")
        inside = [c for c in marks if k * chunk < c <= k * chunk + m]
        if inside:
            cum = np.cumsum(fx)
            for c in inside:
                running[c] = width * (total + cum[c - 1 - k * chunk]) / c
        total += float(fx.sum())
        total_sq += float(np.dot(fx, fx))
    estimate, se = integral_from_sums(total, total_sq, n, width)
    return IntegralResult(estimate, se, n, running)


def integral_from_sums(total: float, total_sq: float, n: int, width: float) -> tuple[float, float]:
    """(estimate, standard error) of integral_a^b f(x) dx from S1 = sum f(u_i) and S2 = sum f(u_i)^2.

    The u_i are n uniform samples on [a, b] and width = b - a. The integral is width times the
    average height of f, and the spread of the heights gives the standard error:

        mean     = S1 / n                               (estimates E[f(U)])
        s^2      = (S2 / n - mean^2) n / (n - 1)        (sample variance of f(U), never below 0)
        estimate = width mean,   SE = |width| s / sqrt(n)

    Example: f(x) = x on [0, 2] with samples 0.5 and 1.5: S1 = 2, S2 = 2.5, n = 2, so mean = 1,
    s^2 = (1.25 - 1) * 2 = 0.5, estimate = 2.0 and SE = 2 sqrt(0.5 / 2) = 1.0.
    """
    mean = total / n
    var = max(total_sq / n - mean * mean, 0.0) * n / max(n - 1, 1)
    return width * mean, abs(width) * math.sqrt(var / n)


def simpson(f, a: float, b: float, intervals: int = 10_000) -> float:
    """Composite Simpson's rule (deterministic reference for smooth f)."""
    x = np.linspace(a, b, intervals + 1)
    y = np.asarray(f(x), dtype=float)
    h = (b - a) / intervals
    return float(h / 3 * (y[0] + y[-1] + 4 * y[1:-1:2].sum() + 2 * y[2:-1:2].sum()))


# ----------------------------------------------------------------------------- figures
def plot_darts(x: np.ndarray, y: np.ndarray, estimate: float, n: int):
    """Scatter of (a subsample of) darts: blue inside the quarter circle, red outside."""
    fig, ax = plotting.figure(figsize=(6, 6))
    inside = x * x + y * y <= 1.0
    ax.scatter(x[inside], y[inside], s=3, color="tab:blue", label="inside")
    ax.scatter(x[~inside], y[~inside], s=3, color="tab:red", label="outside")
    t = np.linspace(0, np.pi / 2, 200)
    ax.plot(np.cos(t), np.sin(t), color="black", lw=1.5)
    ax.set(xlim=(0, 1), ylim=(0, 1), aspect="equal", xlabel="x", ylabel="y",
           title=f"{len(x):,} of {n:,} darts shown; pi ~ {estimate:.6f}")
    ax.legend(loc="upper right", framealpha=0.9)
    return fig


def plot_convergence(ns: np.ndarray, estimates: np.ndarray, truth: float, label: str, se_at_1: float):
    """Left: running estimate vs n. Right: |error| vs n on log-log axes with the SE / sqrt(n) line."""
    fig, (left, right) = plotting.figure(1, 2, figsize=(12, 4.5))
    left.semilogx(ns, estimates, color="tab:blue", lw=1.2, label="running estimate")
    left.axhline(truth, color="black", ls="--", lw=1, label=f"true value {truth:.6f}")
    band = Z95 * se_at_1 / np.sqrt(ns)
    left.fill_between(ns, truth - band, truth + band, color="tab:orange", alpha=0.25, label="95% band")
    left.set(xlabel="darts n", ylabel=label, title="Law of large numbers")
    half = 1.5 * Z95 * se_at_1 / np.sqrt(ns[0])
    left.set_ylim(truth - half, truth + half)
    left.legend()
    err = np.abs(estimates - truth)
    keep = err > 0
    right.loglog(ns[keep], err[keep], "o-", ms=2.5, lw=0.8, color="tab:blue", label="|estimate - truth|")
    right.loglog(ns, se_at_1 / np.sqrt(ns), color="tab:red", lw=1.5, label=f"SE = {se_at_1:.3f} / sqrt(n)")
    right.set(xlabel="darts n", ylabel="absolute error", title="Error shrinks like 1 / sqrt(n)")
    right.legend()
    return fig


def plot_integral(f, a: float, b: float, text: str, result: IntegralResult, seed: int):
    """The integrand with 300 of the uniform samples marked on it, and the shaded area."""
    fig, ax = plotting.figure(figsize=(8, 4.5))
    x = np.linspace(a, b, 400)
    y = np.asarray(f(x), dtype=float)
    ax.plot(x, y, color="tab:blue", lw=2, label=f"f(x) = {text}")
    ax.fill_between(x, 0, y, color="tab:blue", alpha=0.15)
    u = a + (b - a) * chunk_generator(seed, 0).random(min(300, result.n))
    ax.plot(u, np.asarray(f(u), dtype=float), "o", ms=3, color="tab:red", label="random samples f(u_i)")
    ax.set(xlabel="x", ylabel="f(x)",
           title=f"integral ~ {result.estimate:.6f} +- {Z95 * result.standard_error:.6f} (95%)")
    ax.legend()
    return fig


# ----------------------------------------------------------------------------- CLI
def _progress_bar(total: int, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, unit="dart", unit_scale=True, disable=None, desc=desc, leave=False)


def _decimals(n: int) -> int:
    return max(3, len(str(n)) - 2)


def run_pi(args, out) -> None:
    n = args.darts
    print(f"Running Monte Carlo simulation with {n:,} darts...\n")
    rows = powers_of_ten(n)
    grid = log_grid(n)
    bar = _progress_bar(n, "darts")
    start = time.perf_counter()
    result = throw_darts(n, args.seed, workers=args.workers, checkpoints=[*rows, *grid.tolist()],
                         progress=bar.update)
    seconds = time.perf_counter() - start
    bar.close()
    print("Progress:")
    for c in rows:
        k = result.checkpoints[c]
        est = 4.0 * k / c
        print(f"  {c:,} darts: π ≈ {est:.{_decimals(c)}f} (error: {abs(est - math.pi) / math.pi * 100:.3g}%)")
    lo, hi = confidence_interval(result.inside, n)
    print(f"\nHits inside the circle: {result.inside:,} of {n:,} "
          f"(p = {result.inside / n:.6f}, pi/4 = {math.pi / 4:.6f})")
    print(f"Standard error: {result.standard_error:.4g}  (4 sqrt(p(1-p)/n))")
    print(f"95% interval: [{lo:.6f}, {hi:.6f}]  contains π: {'yes' if lo <= math.pi <= hi else 'no'}")
    print(f"Speed: {n / seconds / 1e6:.1f} million darts/s ({seconds:.2f} s, {args.workers or os.cpu_count()} threads)")
    print(f"\nTrue π = {math.pi:.8f}...")

    x, y = chunk_darts(args.seed, 0, min(n, CHUNK))
    show = min(len(x), args.scatter)
    fig = plot_darts(x[:show].astype(float), y[:show].astype(float), result.estimate, n)
    paths = [plotting.save(fig, out / "darts.png")]
    ns = grid.astype(float)
    est = np.array([4.0 * result.checkpoints[int(c)] / c for c in grid])
    p = math.pi / 4
    fig = plot_convergence(ns, est, math.pi, "estimate of π", 4 * math.sqrt(p * (1 - p)))
    paths.append(plotting.save(fig, out / "convergence.png"))
    print("\nSaved: " + ", ".join(str(p) for p in paths))


def run_integral(args, out) -> None:
    text, a_text, b_text = args.integral
    f = compile_expression(text)
    try:
        a, b = cli.finite_float(a_text), cli.finite_float(b_text)
    except argparse.ArgumentTypeError:
        raise cli.UserError(f"--integral bounds must be finite numbers, got {a_text!r} {b_text!r}") from None
    if not a < b:
        raise cli.UserError(f"--integral needs a < b, got a = {a:g}, b = {b:g}")
    n = args.darts
    print(f"Monte Carlo integration of f(x) = {f.text} on [{a:g}, {b:g}] with {n:,} samples...\n")
    rows = powers_of_ten(n)
    grid = log_grid(n)
    try:
        reference = simpson(f, a, b)
        result = mc_integral(f, a, b, n, args.seed, checkpoints=[*rows, *grid.tolist()])
    except ValueError as exc:
        raise cli.UserError(f"cannot integrate {f.text!r} on [{a:g}, {b:g}]: {exc}") from None
    if not math.isfinite(reference):
        raise cli.UserError(f"cannot integrate {f.text!r} on [{a:g}, {b:g}]: not finite on the interval")
    print("Progress:")
    for c in rows:
        est = result.checkpoints[c]
        print(f"  {c:,} samples: integral ≈ {est:.{_decimals(c)}f} (error: {abs(est - reference):.2g})")
    half = Z95 * result.standard_error
    print(f"\nEstimate: {result.estimate:.6f}")
    print(f"Standard error: {result.standard_error:.6f}  ((b - a) sd(f) / sqrt(n))")
    print(f"95% interval: [{result.estimate - half:.6f}, {result.estimate + half:.6f}]")
    print(f"Simpson's rule (10,000 intervals): {reference:.8f}")
    paths = [plotting.save(plot_integral(f, a, b, f.text, result, args.seed), out / "integral.png")]
    est = np.array([result.checkpoints[int(c)] for c in grid])
    se1 = result.standard_error * math.sqrt(n)
    fig = plot_convergence(grid.astype(float), est, reference, "estimate of the integral", se1)
    paths.append(plotting.save(fig, out / "integral_convergence.png"))
    print("\nSaved: " + ", ".join(str(p) for p in paths))


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser(__doc__, prog="phase3_probability/monte_carlo_pi.py")
    parser.add_argument("darts", nargs="?", type=cli.bounded_int(1, 10**12), default=1_000_000,
                        help="number of darts / samples, up to 10^12 (default 1,000,000)")
    parser.add_argument("--integral", nargs=3, metavar=("EXPR", "A", "B"),
                        help='estimate the integral of EXPR (in x) from A to B, e.g. "exp(-x**2)" 0 1')
    parser.add_argument("--workers", type=cli.positive_int, default=None,
                        help="threads drawing darts (default: all CPU cores)")
    parser.add_argument("--scatter", type=cli.positive_int, default=3000,
                        help="darts drawn in the scatter figure (default 3000)")
    args = parser.parse_args(argv)
    if args.integral:
        compile_expression(args.integral[0])  # fail fast on a bad expression
    plotting.setup(args.no_show)
    out = cli.out_dir(args, "monte_carlo_pi")
    if args.integral:
        run_integral(args, out)
    else:
        run_pi(args, out)
    plotting.show()
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
