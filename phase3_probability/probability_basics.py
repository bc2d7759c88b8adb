"""Probability basics (boss milestone M2): dice, coins, moments by hand, normal vs uniform.

Simulated coins and dice give empirical probabilities (count / trials) that approach the exact
ones as the number of trials grows (law of large numbers; the error shrinks like 1 / sqrt(n)):

    P(heads) = 1/2,   P(die shows 6) = 1/6,   P(two dice sum to s) = (6 - |s - 7|) / 36
    P(at least one 6 in four rolls) = 1 - (5/6)^4 = 0.5177   (de Mere's bet)

Mean, variance and standard deviation are computed with plain loops (no sum, mean, var or sqrt
from a library; the square root by Newton's iteration r <- (r + v / r) / 2):

    mean = (1/n) sum x_i,  variance = (1/n) sum (x_i - mean)^2  (population; / (n - 1) for a sample)

Normal vs uniform with the same mean and standard deviation: the uniform is flat and bounded
(mean +- sqrt(3) sd holds 100% of it), the normal is a bell with thin tails that never end (68%
within 1 sd, 95% within 2, 99.7% within 3).

    python phase3_probability/probability_basics.py
    python phase3_probability/probability_basics.py --trials 1000000
"""

from __future__ import annotations

import numpy as np

from common import cli, plotting

# ----------------------------------------------------------------------------- moments by hand


def mean(values) -> float:
    """Arithmetic mean (1/n) sum x_i with an explicit loop (no sum(), len() or NumPy).

    values is any iterable of numbers (a list, a generator); go through it once, adding up the
    values and counting them. Raises ValueError for no values (0 / 0 has no answer).
    Example: [2, 4, 9] -> 15 / 3 = 5.0.
    """
    total, count = 0.0, 0
    for x in values:
        total += x
        count += 1
    if count == 0:
        raise ValueError("mean of no values")
    return total / count


def variance(values, ddof: int = 0) -> float:
    """sum (x_i - mean)^2 / (n - ddof): ddof = 0 population, 1 sample (unbiased).

    First the mean, then a second pass adding up the squared deviations from it. Dividing by
    n - 1 instead of n corrects for measuring the deviations from the sample's own mean, which
    sits closer to the data than the true mean does. Raises ValueError when n - ddof <= 0.
    Example: [2, 4, 9], mean 5: deviations -3, -1, 4, squares 9 + 1 + 16 = 26, so the
    population variance is 26 / 3 = 8.667 and the sample variance 26 / 2 = 13.0.
    """
    m = mean(values)
    total, count = 0.0, 0
    for x in values:
        total += (x - m) * (x - m)
        count += 1
    if count - ddof <= 0:
        raise ValueError(f"variance needs more than {ddof} value(s)")
    return total / (count - ddof)


def square_root(v: float, tolerance: float = 1e-15) -> float:
    """sqrt(v) by Newton's iteration for r^2 = v: r <- (r + v / r) / 2 (converges quadratically).

    If r is too big, v / r is too small, and their average is closer to the root; each step about
    doubles the number of correct digits. Start at r = v (or 1 when v < 1, where v would be below
    the root) and stop when a step changes r by at most tolerance * r. sqrt(0) = 0; raises
    ValueError for v < 0. Example for v = 2: 2 -> 1.5 -> 1.41667 -> 1.4142157 -> 1.41421356.
    """
    if v < 0:
        raise ValueError("square root of a negative number")
    if v == 0:
        return 0.0
    r = v if v >= 1 else 1.0
    while True:
        nxt = 0.5 * (r + v / r)
        if abs(nxt - r) <= tolerance * nxt:
            return nxt
        r = nxt


def std(values, ddof: int = 0) -> float:
    return square_root(variance(values, ddof))


# ----------------------------------------------------------------------------- exact probabilities


def two_dice_exact() -> dict[int, float]:
    """P(sum = s) for two fair dice by counting the 36 equally likely outcomes."""
    counts = {s: 0 for s in range(2, 13)}
    for a in range(1, 7):
        for b in range(1, 7):
            counts[a + b] += 1
    return {s: c / 36 for s, c in counts.items()}


EXACT = {
    "P(heads)": 0.5,
    "P(die = 6)": 1 / 6,
    "P(two dice sum to 7)": 6 / 36,
    "P(at least one 6 in 4 rolls)": 1 - (5 / 6) ** 4,
}


# ----------------------------------------------------------------------------- simulation


def simulate(trials: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Indicator arrays (shape (trials,), 0/1) for each event in EXACT, one trial per entry."""
    coins = rng.integers(0, 2, trials)
    dice = rng.integers(1, 7, (trials, 4))
    return {
        "P(heads)": coins == 1,
        "P(die = 6)": dice[:, 0] == 6,
        "P(two dice sum to 7)": dice[:, 0] + dice[:, 1] == 7,
        "P(at least one 6 in 4 rolls)": (dice == 6).any(axis=1),
        "two_dice_sums": dice[:, 0] + dice[:, 1],
    }


def running_frequency(indicator: np.ndarray) -> np.ndarray:
    """Empirical probability after 1, 2, ..., n trials: shape (n,) of 0/1 (or bool) -> (n,) floats.

    Entry i is (number of successes among the first i + 1 trials) / (i + 1): a running count
    divided by a running trial number. By the law of large numbers it approaches the exact
    probability, with an error of about sqrt(p (1 - p) / n). Example: [1, 0, 1, 1] ->
    [1/1, 1/2, 2/3, 3/4] = [1.0, 0.5, 0.667, 0.75].
    """
    return np.cumsum(indicator) / np.arange(1, indicator.size + 1)


def uniform_bounds(mu: float, sd: float) -> tuple[float, float]:
    """The uniform distribution with mean mu and standard deviation sd: its ends (a, b).

    Uniform(a, b) has mean (a + b) / 2 and variance (b - a)^2 / 12, so a half-width h = (b - a) / 2
    gives sd = h / sqrt(3): h = sqrt(3) sd and (a, b) = (mu - sqrt(3) sd, mu + sqrt(3) sd).
    Example: mu = 0, sd = 1 -> (-1.732, 1.732); mu = 50, sd = 10 -> (32.68, 67.32).
    """
    half = float(np.sqrt(3)) * sd
    return mu - half, mu + half


def fraction_within(x: np.ndarray, mu: float, sd: float, ks=(1, 2, 3)) -> list[float]:
    """For each k in ks, the fraction of the samples x (shape (n,)) with |x - mu| <= k sd.

    This is how a histogram says "how much lies close to the mean": about 68% / 95% / 99.7%
    within 1 / 2 / 3 sd for a normal, but 57.7% / 100% / 100% for a uniform with the same mean
    and sd (its ends are only sqrt(3) = 1.73 sd away). Example: x = [-2.5, -0.5, 0.2, 1.5],
    mu = 0, sd = 1, ks = (1, 2, 3) -> [0.5, 0.75, 1.0].
    """
    return [float(np.mean(np.abs(x - mu) <= k * sd)) for k in ks]


def checkpoints(trials: int) -> list[int]:
    rows = [10 ** e for e in range(1, 12) if 10 ** e <= trials]
    return rows if rows and rows[-1] == trials else [*rows, trials]


# ----------------------------------------------------------------------------- figures


def plot_convergence(sims: dict[str, np.ndarray]):
    fig, axes = plotting.figure(2, 2, figsize=(12, 7), sharex=True)
    for ax, (event, exact) in zip(axes.ravel(), EXACT.items()):
        freq = running_frequency(sims[event])
        idx = np.unique(np.geomspace(1, freq.size, 600).astype(np.int64)) - 1   # log-spaced: enough to draw
        n, freq = idx + 1.0, freq[idx]
        ax.semilogx(n, freq, color="tab:blue", lw=1, label="empirical")
        ax.axhline(exact, color="tab:red", ls="--", label=f"exact {exact:.4f}")
        band = 1.96 * np.sqrt(exact * (1 - exact) / n)
        ax.fill_between(n, exact - band, exact + band, color="tab:orange", alpha=0.25, label="95% band")
        ax.set(title=event, ylim=(max(0, exact - 0.35), min(1, exact + 0.35)))
        ax.legend(loc="upper right", fontsize=8)
    for ax in axes[1]:
        ax.set_xlabel("trials")
    fig.suptitle("Empirical probabilities converge to the exact ones")
    return fig


def plot_two_dice(sums: np.ndarray):
    fig, ax = plotting.figure(figsize=(8, 4.5))
    exact = two_dice_exact()
    s = np.arange(2, 13)
    empirical = np.bincount(sums, minlength=13)[2:] / sums.size
    ax.bar(s - 0.2, empirical, width=0.4, color="tab:blue", label=f"empirical ({sums.size:,} throws)")
    ax.bar(s + 0.2, [exact[k] for k in s], width=0.4, color="tab:red", alpha=0.7, label="exact (6 - |s - 7|) / 36")
    ax.set(xticks=s, xlabel="sum of two dice", ylabel="probability", title="Sum of two dice")
    ax.legend()
    return fig


def plot_normal_vs_uniform(normal: np.ndarray, uniform: np.ndarray, mu: float, sd: float):
    fig, (left, right) = plotting.figure(1, 2, figsize=(13, 4.8))
    x = np.linspace(mu - 4 * sd, mu + 4 * sd, 600)
    a, b = uniform_bounds(mu, sd)
    pdf_n = np.exp(-0.5 * ((x - mu) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))
    pdf_u = np.where((x >= a) & (x <= b), 1 / (b - a), 0.0)
    for data, pdf, colour, name in ((uniform, pdf_u, "tab:orange", "uniform"), (normal, pdf_n, "tab:blue", "normal")):
        left.hist(data, bins=80, range=(x[0], x[-1]), density=True, color=colour, alpha=0.35, label=f"{name} samples")
        left.plot(x, pdf, color=colour, lw=2, label=f"{name} density")
    left.set(title=f"Same mean ({mu:g}) and std ({sd:g}), different shapes", xlabel="x", ylabel="density")
    left.legend(fontsize=8)
    ks = np.array([1, 2, 3])
    within_n = fraction_within(normal, mu, sd, ks)
    within_u = fraction_within(uniform, mu, sd, ks)
    right.bar(ks - 0.2, within_n, width=0.4, color="tab:blue", label="normal")
    right.bar(ks + 0.2, within_u, width=0.4, color="tab:orange", label="uniform")
    for k, a, b in zip(ks, within_n, within_u):
        right.text(k - 0.2, a, f"{a:.1%}", ha="center", va="bottom", fontsize=8)
        right.text(k + 0.2, b, f"{b:.1%}", ha="center", va="bottom", fontsize=8)
    right.set(xticks=ks, xticklabels=["within 1 sd", "within 2 sd", "within 3 sd"], ylim=(0, 1.12),
              ylabel="fraction of samples", title="How much lies close to the mean")
    right.legend(loc="lower right")
    return fig


# ----------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser(__doc__, prog="phase3_probability/probability_basics.py")
    # upper bounds keep the arrays to about a gigabyte (a trial holds a coin, four dice and the event indicators)
    parser.add_argument("--trials", type=cli.bounded_int(1, 10_000_000), default=100_000,
                        help="coin flips / dice throws to simulate, up to 10000000 (default 100000)")
    parser.add_argument("--samples", type=cli.bounded_int(1, 10_000_000), default=10_000,
                        help="size of the random dataset for the moments and the normal/uniform figure "
                             "(up to 10000000)")
    args = parser.parse_args(argv)
    if args.samples < 2:
        raise cli.UserError("--samples must be at least 2 (a sample variance needs two values)")
    plotting.setup(args.no_show)
    out = cli.out_dir(args, "probability_basics")
    rng = np.random.default_rng(args.seed)

    print(f"=== Coins and dice: {args.trials:,} simulated trials ===\n")
    sims = simulate(args.trials, rng)
    rows = checkpoints(args.trials)
    header = f"{'event':30s} {'exact':>8s}" + "".join(f"{f'n={n:,}':>12s}" for n in rows)
    print(header)
    for event, exact in EXACT.items():
        freq = running_frequency(sims[event])
        print(f"{event:30s} {exact:8.4f}" + "".join(f"{freq[n - 1]:12.4f}" for n in rows))
    print("\n|empirical - exact| at each n (shrinks roughly like 1/sqrt(n)):")
    for event, exact in EXACT.items():
        freq = running_frequency(sims[event])
        print(f"{event:30s} {'':8s}" + "".join(f"{abs(freq[n - 1] - exact):12.4f}" for n in rows))
    exact2 = two_dice_exact()
    counts = np.bincount(sims["two_dice_sums"], minlength=13)
    print("\nSum of two dice  " + "".join(f"{s:>7d}" for s in range(2, 13)))
    print("  empirical     " + "".join(f"{counts[s] / args.trials:7.4f}" for s in range(2, 13)))
    print("  exact         " + "".join(f"{exact2[s]:7.4f}" for s in range(2, 13)))

    print(f"\n=== Mean, variance, std without built-ins ({args.samples:,} normal draws, mu 50, sd 10) ===")
    data = rng.normal(50.0, 10.0, args.samples)
    values = data.tolist()
    ours = (mean(values), variance(values), std(values), variance(values, 1), std(values, 1))
    ref = (np.mean(data), np.var(data), np.std(data), np.var(data, ddof=1), np.std(data, ddof=1))
    names = ("mean", "variance (population)", "std (population)", "variance (sample, n-1)", "std (sample, n-1)")
    print(f"{'':24s} {'by hand':>14s} {'NumPy':>14s} {'|diff|':>9s}")
    for name, a, b in zip(names, ours, ref):
        print(f"{name:24s} {a:14.6f} {b:14.6f} {abs(a - b):9.1e}")

    print("\n=== Normal vs uniform (same mean 0 and std 1) ===")
    normal = rng.normal(0.0, 1.0, args.samples)
    uniform = rng.uniform(*uniform_bounds(0.0, 1.0), args.samples)
    for name, x in (("normal", normal), ("uniform", uniform)):
        vals = x.tolist()
        inside = fraction_within(x, 0.0, 1.0)
        print(f"{name:8s} mean {mean(vals):+.3f}  std {std(vals):.3f}  min {x.min():+.2f}  max {x.max():+.2f}  "
              f"within 1/2/3 sd: {inside[0]:.1%} / {inside[1]:.1%} / {inside[2]:.1%}")
    print("The uniform spreads its mass evenly over [-1.73, 1.73] and nothing lies beyond; the normal piles it\n"
          "up near the mean (68% within 1 sd) but keeps thin tails, so rare large values still occur.\n"
          "Sums and averages of many small effects become normal (central limit theorem), which is why\n"
          "measurement noise is modelled as normal, while 'every value in a range equally likely' is uniform.")

    paths = [plotting.save(plot_convergence(sims), out / "convergence.png"),
             plotting.save(plot_two_dice(sims["two_dice_sums"]), out / "two_dice.png"),
             plotting.save(plot_normal_vs_uniform(normal, uniform, 0.0, 1.0), out / "normal_vs_uniform.png")]
    print("\nSaved: " + ", ".join(str(p) for p in paths))
    plotting.show()
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
