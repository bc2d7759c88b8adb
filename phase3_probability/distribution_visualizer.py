"""Distribution explorer: sample random variables from uniform draws, plot PDF/CDF, watch the CLT.

Every sampler starts from U ~ Uniform(0, 1) (NumPy's generator supplies only those) and turns it
into the target distribution:

    uniform(a, b)      a + (b - a) U
    exponential(lam)   inverse CDF: X = -ln(1 - U) / lam                  (F(x) = 1 - e^{-lam x})
    normal(mu, sigma)  Box-Muller: R = sqrt(-2 ln U1), T = 2 pi U2 -> R cos T, R sin T ~ N(0, 1)
    binomial(n, p)     inverse CDF on the table of P(X <= k), pmf = C(n, k) p^k (1 - p)^(n - k)
    poisson(lam)       Knuth: multiply uniforms until the product drops below e^{-lam}
                       (inverse CDF table when lam > 30, where Knuth needs ~lam draws each)
    gamma(k, theta)    Marsaglia-Tsang rejection from normal and uniform draws (k < 1: G(k+1) U^{1/k})
    beta(a, b)         G_a / (G_a + G_b) with G_a ~ gamma(a, 1), G_b ~ gamma(b, 1)

CDFs: closed forms for normal (erf), uniform and exponential; running sums of the PMF for the
discrete ones; the regularized incomplete beta and gamma functions (continued fractions and a
power series) for beta and gamma.

Sample moments are computed here, not by NumPy: mean = sum x / n, variance = sum (x - mean)^2 / n,
skew = (sum (x - mean)^3 / n) / variance^{3/2}. The central limit theorem: the average of n
i.i.d. draws with mean mu and std sigma approaches N(mu, sigma^2 / n) whatever their distribution.

REPL commands (type them, pipe them on stdin, or pass --commands "a; b; c"):
    normal 0 1        pick a distribution and parameters; plots its PDF/PMF and CDF
    sample 10000      histogram of N samples over the density, with sample moments
    clt 30 [dist ...] averages of 30 draws (default uniform 0 1), animated in the window and as a GIF
    vary sigma 0.5 1 2  overlay the density for several values of one parameter
    list, help, quit

    python phase3_probability/distribution_visualizer.py
    python phase3_probability/distribution_visualizer.py --commands "normal 0 1; sample 10000; clt 30"
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from common import cli, plotting

_erf = np.frompyfunc(math.erf, 1, 1)


def _lgamma(x) -> np.ndarray:
    return np.asarray(np.frompyfunc(math.lgamma, 1, 1)(np.asarray(x, dtype=float)), dtype=float)


# ----------------------------------------------------------------------------- samplers from uniforms


def sample_uniform(a: float, b: float, n: int, rng: np.random.Generator) -> np.ndarray:
    return a + (b - a) * rng.random(n)


def sample_exponential(lam: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """n draws from Exponential(lam) (mean 1 / lam) by the inverse CDF: shape (n,).

    F(x) = 1 - exp(-lam x); setting U = F(X) for U ~ Uniform(0, 1) and solving for X gives
    X = -ln(1 - U) / lam, which has exactly this distribution. Example: lam = 2 and U = 0.5 give
    X = ln 2 / 2 = 0.3466, the median. Use rng.random(n) for the uniforms (values in [0, 1), so
    1 - U is never 0); log1p(-U) is ln(1 - U), computed accurately when U is tiny.
    """
    return -np.log1p(-rng.random(n)) / lam


def sample_normal(mu: float, sigma: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """n draws from Normal(mu, sigma^2) by the Box-Muller transform: shape (n,).

    Two independent uniforms U1 in (0, 1] and U2 in [0, 1) give two independent standard normals:

        R = sqrt(-2 ln U1),  T = 2 pi U2,   Z1 = R cos T,  Z2 = R sin T

    (R is the distance from the origin of a point of the 2-D standard normal, T its angle). So
    ceil(n / 2) pairs of uniforms are enough; keep the first n of the 2 ceil(n / 2) normals and
    return mu + sigma Z: shifting moves the bell, scaling by sigma widens it. Example: U1 = e^-2,
    U2 = 0 give R = 2, T = 0, so Z1 = 2 and Z2 = 0.
    """
    m = (n + 1) // 2
    u1 = 1.0 - rng.random(m)            # in (0, 1], so log is finite
    u2 = rng.random(m)
    r, t = np.sqrt(-2.0 * np.log(u1)), 2.0 * np.pi * u2
    z = np.concatenate([r * np.cos(t), r * np.sin(t)])[:n]
    return mu + sigma * z


def sample_from_table(cdf: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Discrete inverse CDF: the smallest k with cdf[k] > U (cdf shape (K,), ending at ~1)."""
    k = np.searchsorted(cdf, rng.random(n), side="right")
    return np.minimum(k, len(cdf) - 1).astype(np.int64)


def sample_binomial(trials: int, p: float, n: int, rng: np.random.Generator) -> np.ndarray:
    return sample_from_table(np.cumsum(binomial_pmf(np.arange(trials + 1), trials, p)), n, rng)


def sample_poisson(lam: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """n draws from Poisson(lam) (mean lam), as int64 of shape (n,).

    Knuth's method for lam <= 30: multiply uniforms U1 U2 ... until the product drops to
    e^-lam or below; X = (how many uniforms it took) - 1. (Taking -ln of each uniform makes them
    exponential waiting times with rate 1, and X counts the arrivals before time lam.) Example with
    lam = 1 (e^-1 = 0.368): uniforms 0.9, 0.8, 0.4 give products 0.9, 0.72, 0.288 <= 0.368, so X = 2.
    All n draws run together: each round multiplies one more uniform into the products still above
    the limit. For lam > 30, where that needs about lam rounds, use the inverse CDF on a table
    of P(X <= k) up to lam + 12 sqrt(lam) + 20 instead.
    """
    if lam > 30:
        top = int(lam + 12 * math.sqrt(lam) + 20)
        return sample_from_table(np.cumsum(poisson_pmf(np.arange(top + 1), lam)), n, rng)
    limit = math.exp(-lam)
    product = rng.random(n)
    k = np.zeros(n, dtype=np.int64)
    active = np.flatnonzero(product > limit)
    while active.size:                   # each round multiplies one more uniform into the survivors
        product[active] *= rng.random(active.size)
        k[active] += 1
        active = active[product[active] > limit]
    return k


def sample_gamma(shape: float, scale: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """Marsaglia-Tsang: X = d V with V = (1 + c Z)^3, accepted when ln U < Z^2/2 + d - d V + d ln V."""
    if shape < 1:  # boost: G(k) = G(k + 1) U^(1/k)
        return sample_gamma(shape + 1, scale, n, rng) * rng.random(n) ** (1.0 / shape)
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    out = np.empty(n)
    filled = 0
    while filled < n:
        m = int((n - filled) * 1.05) + 16   # acceptance is > 95%, so one or two rounds
        z = sample_normal(0.0, 1.0, m, rng)
        u = 1.0 - rng.random(m)
        v = (1.0 + c * z) ** 3
        with np.errstate(invalid="ignore", divide="ignore"):
            ok = (v > 0) & (np.log(u) < 0.5 * z * z + d - d * v + d * np.log(np.where(v > 0, v, 1.0)))
        got = (d * v[ok])[: n - filled]
        out[filled: filled + got.size] = got
        filled += got.size
    return out * scale


def sample_beta(a: float, b: float, n: int, rng: np.random.Generator) -> np.ndarray:
    ga, gb = sample_gamma(a, 1.0, n, rng), sample_gamma(b, 1.0, n, rng)
    return ga / (ga + gb)


# ----------------------------------------------------------------------------- densities


def normal_pdf(x, mu=0.0, sigma=1.0):
    """The normal density f(x) = exp(-(x - mu)^2 / (2 sigma^2)) / (sigma sqrt(2 pi)), elementwise.

    x is a number or an array of any shape; the result has the same shape. The 1 / (sigma
    sqrt(2 pi)) in front makes the area under the curve 1: a wider bell is also a lower one.
    Example: normal_pdf(0) = 1 / sqrt(2 pi) = 0.3989, normal_pdf(1) = 0.2420 and
    normal_pdf(3, 3, 0.5) = 0.7979 (the peak of N(3, 0.5^2) is twice as high).
    """
    z = (np.asarray(x, dtype=float) - mu) / sigma
    return np.exp(-0.5 * z * z) / (sigma * math.sqrt(2 * math.pi))


def normal_cdf(x, mu=0.0, sigma=1.0):
    z = (np.asarray(x, dtype=float) - mu) / (sigma * math.sqrt(2))
    return 0.5 * (1.0 + np.asarray(_erf(z), dtype=float))


def binomial_pmf(k, trials, p):
    """P(X = k) for X ~ Binomial(trials, p): C(trials, k) p^k (1 - p)^(trials - k), elementwise in k.

    k is a number or an array of whole numbers 0..trials; the result has its shape. For large
    trials the three factors overflow or underflow on their own, so add logarithms instead, with
    log C(n, k) = lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1), and take exp at the end.
    p = 0 or p = 1 put all the mass on k = 0 or k = trials (log 0 would be -inf there).
    Example: trials = 4, p = 0.5: k = 0..4 -> [1, 4, 6, 4, 1] / 16.
    """
    k = np.asarray(k, dtype=float)
    if p in (0.0, 1.0):
        return (k == (trials if p == 1.0 else 0)).astype(float)
    log_choose = _lgamma(trials + 1) - _lgamma(k + 1) - _lgamma(trials - k + 1)
    log = log_choose + k * math.log(p) + (trials - k) * math.log1p(-p)
    return np.exp(log)


def poisson_pmf(k, lam):
    k = np.asarray(k, dtype=float)
    return np.exp(k * math.log(lam) - lam - _lgamma(k + 1))


def gamma_pdf(x, shape, scale):
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        log = (shape - 1) * np.log(x) - x / scale - math.lgamma(shape) - shape * math.log(scale)
        return np.where(x > 0, np.exp(log), 0.0)


def beta_pdf(x, a, b):
    x = np.asarray(x, dtype=float)
    log_b = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    with np.errstate(divide="ignore", invalid="ignore"):
        log = (a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - log_b
        return np.where((x > 0) & (x < 1), np.exp(log), 0.0)


def _continued_fraction(term, tiny: float = 1e-300, eps: float = 1e-15, max_iter: int = 500) -> float:
    """Modified Lentz evaluation of b0 + a1 / (b1 + a2 / (b2 + ...)) with (a_m, b_m) = term(m), b0 = term(0)[1]."""
    f = term(0)[1] or tiny
    c, d = f, 0.0
    for m in range(1, max_iter):
        a, b = term(m)
        d = b + a * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = b + a / c
        c = c if abs(c) > tiny else tiny
        f *= c * d
        if abs(c * d - 1.0) < eps:
            break
    return f


def gamma_cdf_scalar(x: float, shape: float) -> float:
    """Regularized lower incomplete gamma P(k, x): power series for x < k + 1, else a continued
    fraction for the upper part Q = 1 - P (both converge fast in their range)."""
    if x <= 0:
        return 0.0
    log_front = shape * math.log(x) - x - math.lgamma(shape)
    if x < shape + 1:
        term = total = 1.0 / shape
        n = 0
        while abs(term) > 1e-17 * abs(total):
            n += 1
            term *= x / (shape + n)
            total += term
        return min(1.0, math.exp(log_front) * total)
    cf = _continued_fraction(lambda m: (0.0, x + 1 - shape) if m == 0 else (-m * (m - shape), x + 1 - shape + 2 * m))
    return max(0.0, 1.0 - math.exp(log_front) / cf)


def beta_cdf_scalar(x: float, a: float, b: float) -> float:
    """Regularized incomplete beta I_x(a, b) by its continued fraction (using the symmetry
    I_x(a, b) = 1 - I_{1-x}(b, a) where the fraction converges slowly)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    if x > (a + 1) / (a + b + 2):
        return 1.0 - beta_cdf_scalar(1.0 - x, b, a)
    log_front = a * math.log(x) + b * math.log1p(-x) - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))

    def term(m: int):
        if m == 0:
            return 0.0, 1.0
        if m == 1:
            return 1.0, 1.0
        k = (m - 1) // 2
        if m % 2 == 0:   # d_{2k+1}
            return -(a + k) * (a + b + k) * x / ((a + 2 * k) * (a + 2 * k + 1)), 1.0
        return k * (b - k) * x / ((a + 2 * k - 1) * (a + 2 * k)), 1.0  # d_{2k}

    return math.exp(log_front) / a / _continued_fraction(lambda m: term(m + 1) if m else (0.0, 1.0))


_gamma_cdf = np.frompyfunc(gamma_cdf_scalar, 2, 1)
_beta_cdf = np.frompyfunc(beta_cdf_scalar, 3, 1)


# ----------------------------------------------------------------------------- the families


@dataclass(frozen=True)
class Distribution:
    """One family with its parameters: theory (moments, density) and a sampler."""

    name: str
    params: tuple[float, ...]

    @property
    def discrete(self) -> bool:
        return self.name in ("binomial", "poisson")

    def label(self) -> str:
        return f"{self.name}({', '.join(f'{p:g}' for p in self.params)})"

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        p = self.params
        return {
            "normal": lambda: sample_normal(p[0], p[1], n, rng),
            "uniform": lambda: sample_uniform(p[0], p[1], n, rng),
            "exponential": lambda: sample_exponential(p[0], n, rng),
            "binomial": lambda: sample_binomial(int(p[0]), p[1], n, rng),
            "poisson": lambda: sample_poisson(p[0], n, rng),
            "beta": lambda: sample_beta(p[0], p[1], n, rng),
            "gamma": lambda: sample_gamma(p[0], p[1], n, rng),
        }[self.name]()

    def moments(self) -> tuple[float, float, float]:
        """Theoretical (mean, std, skew)."""
        p = self.params
        if self.name == "normal":
            return p[0], p[1], 0.0
        if self.name == "uniform":
            return (p[0] + p[1]) / 2, (p[1] - p[0]) / math.sqrt(12), 0.0
        if self.name == "exponential":
            return 1 / p[0], 1 / p[0], 2.0
        if self.name == "binomial":
            n, q = p
            sd = math.sqrt(n * q * (1 - q))
            return n * q, sd, (1 - 2 * q) / sd if sd > 0 else 0.0
        if self.name == "poisson":
            return p[0], math.sqrt(p[0]), 1 / math.sqrt(p[0])
        if self.name == "beta":
            a, b = p
            s = a + b
            skew = 2 * (b - a) * math.sqrt(s + 1) / ((s + 2) * math.sqrt(a * b))
            return a / s, math.sqrt(a * b / (s * s * (s + 1))), skew
        k, theta = p  # gamma
        return k * theta, math.sqrt(k) * theta, 2 / math.sqrt(k)

    def grid(self) -> np.ndarray:
        """x values covering the bulk of the distribution (integers for discrete ones)."""
        mean, sd, _ = self.moments()
        if self.name == "binomial":
            return np.arange(int(self.params[0]) + 1) if self.params[0] <= 200 else \
                np.arange(max(0, int(mean - 6 * sd)), int(min(self.params[0], mean + 6 * sd)) + 1)
        if self.name == "poisson":
            return np.arange(max(0, int(mean - 6 * sd)), int(mean + 6 * sd + 6) + 1)
        if self.name == "uniform":
            a, b = self.params
            pad = 0.1 * (b - a)
            return np.linspace(a - pad, b + pad, 801)
        if self.name == "beta":
            return np.linspace(0, 1, 801)[1:-1]
        if self.name in ("exponential", "gamma"):
            return np.linspace(0, mean + 6 * sd, 801)[1:]
        return np.linspace(mean - 4.5 * sd, mean + 4.5 * sd, 801)

    def density(self, x) -> np.ndarray:
        """PDF (continuous) or PMF (discrete) at x."""
        p = self.params
        x = np.asarray(x, dtype=float)
        if self.name == "normal":
            return normal_pdf(x, p[0], p[1])
        if self.name == "uniform":
            return np.where((x >= p[0]) & (x <= p[1]), 1.0 / (p[1] - p[0]), 0.0)
        if self.name == "exponential":
            return np.where(x >= 0, p[0] * np.exp(-p[0] * np.maximum(x, 0)), 0.0)
        if self.name == "binomial":
            return binomial_pmf(x, int(p[0]), p[1])
        if self.name == "poisson":
            return poisson_pmf(x, p[0])
        if self.name == "beta":
            return beta_pdf(x, p[0], p[1])
        return gamma_pdf(x, p[0], p[1])

    def cdf(self, x) -> np.ndarray:
        """CDF at x (closed form where elementary; incomplete beta / gamma functions otherwise)."""
        p = self.params
        x = np.asarray(x, dtype=float)
        if self.name == "normal":
            return normal_cdf(x, p[0], p[1])
        if self.name == "uniform":
            return np.clip((x - p[0]) / (p[1] - p[0]), 0.0, 1.0)
        if self.name == "exponential":
            return np.where(x > 0, -np.expm1(-p[0] * np.maximum(x, 0)), 0.0)
        if self.discrete:
            k = np.floor(x).astype(np.int64)
            table = np.cumsum(self.density(np.arange(max(int(k.max()), 0) + 1)))
            return np.where(k < 0, 0.0, table[np.clip(k, 0, None)])
        if self.name == "beta":
            return np.asarray(_beta_cdf(x, p[0], p[1]), dtype=float)
        return np.asarray(_gamma_cdf(x / p[1], p[0]), dtype=float)


FAMILIES: dict[str, tuple[str, ...]] = {
    "normal": ("mu", "sigma"), "binomial": ("n", "p"), "poisson": ("lambda",),
    "exponential": ("lambda",), "uniform": ("a", "b"), "beta": ("alpha", "beta"), "gamma": ("k", "theta"),
}


def make_distribution(name: str, values) -> Distribution:
    """Validated Distribution; ValueError with a clear message for unknown names or bad parameters."""
    name = name.lower()
    if name not in FAMILIES:
        raise ValueError(f"unknown distribution {name!r} (available: {', '.join(FAMILIES)})")
    names = FAMILIES[name]
    if len(values) != len(names):
        raise ValueError(f"{name} takes {len(names)} parameter(s): {name} {' '.join(names)}")
    try:
        v = tuple(float(x) for x in values)
    except ValueError:
        raise ValueError(f"{name} parameters must be numbers, got {' '.join(map(str, values))}") from None
    if not all(math.isfinite(x) for x in v):
        raise ValueError(f"{name} parameters must be finite numbers")
    checks = {
        "normal": (v[-1] > 0, "sigma must be > 0"),
        "binomial": (v[0] == int(v[0]) and 0 <= v[0] <= 10_000_000 and 0 <= v[-1] <= 1,
                     "n must be a whole number in [0, 10^7] and 0 <= p <= 1"),
        "poisson": (0 < v[0] <= 1e6, "lambda must be in (0, 10^6]"),
        "exponential": (v[0] > 0, "lambda must be > 0"),
        "uniform": (v[0] < v[-1], "need a < b"),
        "beta": (v[0] > 0 and v[-1] > 0, "alpha and beta must be > 0"),
        "gamma": (v[0] > 0 and v[-1] > 0, "k and theta must be > 0"),
    }
    ok, message = checks[name]
    if not ok:
        raise ValueError(f"{name} {' '.join(map(str, values))}: {message}")
    return Distribution(name, v)


# ----------------------------------------------------------------------------- sample statistics


def sample_moments(x: np.ndarray) -> tuple[float, float, float]:
    """(mean, std, skew) from the definitions (population form, ddof = 0)."""
    x = np.asarray(x, dtype=float)
    n = x.size
    mean = x.sum() / n
    dev = x - mean
    var = (dev * dev).sum() / n
    skew = (dev * dev * dev).sum() / n / var ** 1.5 if var > 0 else 0.0
    return float(mean), float(math.sqrt(var)), float(skew)


def clt_averages(base: Distribution, n: int, reps: int, rng: np.random.Generator) -> np.ndarray:
    """reps averages of n i.i.d. draws from ``base``: shape (reps,).

    Draw reps * n values with base.sample(reps * n, rng), lay them out as a (reps, n) table (one
    row per experiment) and average each row. By the central limit theorem the averages are close
    to Normal(mu, sigma^2 / n) for large n, whatever the base distribution: their spread shrinks
    like sigma / sqrt(n). Example: base exponential(1) (mu = sigma = 1), n = 100: the averages
    have mean ~1 and standard deviation ~0.1.
    """
    return base.sample(reps * n, rng).reshape(reps, n).mean(axis=1)


def ks_to_normal(x: np.ndarray, mu: float, sigma: float) -> float:
    """sup |ECDF(x) - Phi((x - mu) / sigma)| (Kolmogorov-Smirnov distance)."""
    x = np.sort(np.asarray(x, dtype=float))
    f = normal_cdf(x, mu, sigma)
    i = np.arange(1, x.size + 1)
    return float(max(np.max(i / x.size - f), np.max(f - (i - 1) / x.size)))


# ----------------------------------------------------------------------------- figures
#
# Each plot function draws into ``fig`` when given one (cleared first: the REPL keeps a single window
# and redraws it for every command) and otherwise makes a new figure of WINDOW_SIZE inches.

WINDOW_SIZE = (11.0, 4.5)         # inches at 100 dpi: a 1100 x 450 canvas, inside a 1280 x 800 screen


def _axes(fig, ncols: int = 1):
    """(fig, axes): ``fig`` cleared, or a new figure, with 1 x ncols axes."""
    if fig is None:
        fig = plotting.figure(figsize=WINDOW_SIZE)[0]
    fig.clear()
    axes = fig.subplots(1, ncols)
    return fig, axes


def plot_distribution(d: Distribution, fig=None):
    fig, (left, right) = _axes(fig, 2)
    x = d.grid()
    if d.discrete:
        left.vlines(x, 0, d.density(x), color="tab:blue", lw=2)
        left.plot(x, d.density(x), "o", color="tab:blue", ms=4)
        right.step(x, d.cdf(x), where="post", color="tab:blue", lw=2)
        left.set(title=f"PMF of {d.label()}", xlabel="k", ylabel="P(X = k)")
    else:
        left.plot(x, d.density(x), color="tab:blue", lw=2)
        left.fill_between(x, 0, d.density(x), color="tab:blue", alpha=0.2)
        right.plot(x, d.cdf(x), color="tab:blue", lw=2)
        left.set(title=f"PDF of {d.label()}", xlabel="x", ylabel="density f(x)")
    mean, sd, skew = d.moments()
    left.axvline(mean, color="tab:red", ls="--", label=f"mean {mean:.3g}, std {sd:.3g}, skew {skew:.3g}")
    left.legend(loc="upper left", fontsize=8)
    right.set(title=f"CDF of {d.label()}", xlabel="x", ylabel="P(X <= x)", ylim=(-0.02, 1.02))
    return fig


def plot_sample(d: Distribution, x: np.ndarray, fig=None):
    fig, ax = _axes(fig)
    mean, sd, _ = sample_moments(x)
    if d.discrete:
        values, counts = np.unique(x, return_counts=True)
        ax.bar(values, counts / x.size, color="tab:blue", alpha=0.6, label="sample frequency")
        grid = d.grid()
        ax.plot(grid, d.density(grid), "o", color="tab:red", ms=4, label="PMF")
    else:
        lo, hi = np.quantile(x, [0.0005, 0.9995])
        heights = ax.hist(x, bins=60, range=(lo, hi), density=True, color="tab:blue", alpha=0.6,
                          label="sample histogram")[0]
        grid = np.linspace(lo, hi, 500)
        ax.plot(grid, d.density(grid), color="tab:red", lw=2, label="PDF")
        ax.set_ylim(0, 1.3 * heights.max())  # a PDF that spikes at an edge (beta < 1) stays in view
    ax.set(title=f"{x.size:,} samples of {d.label()}: mean {mean:.4f}, std {sd:.4f}", xlabel="x", ylabel="density")
    ax.legend()
    return fig


def clt_frame(averages: np.ndarray, base: Distribution, n: int, xlim: tuple[float, float], fig=None):
    """One frame of the CLT animation: the histogram of the averages of n draws, and N(mu, sigma^2 / n)."""
    mu, sigma, _ = base.moments()
    se = sigma / math.sqrt(n)
    fig, ax = _axes(fig)
    ax.hist(averages, bins=60, range=xlim, density=True, color="tab:blue", alpha=0.6,
            label=f"{averages.size:,} averages")
    grid = np.linspace(*xlim, 400)
    ax.plot(grid, normal_pdf(grid, mu, se), color="tab:red", lw=2, label=f"N({mu:.3g}, {se:.3g}^2)")
    ax.set(xlim=xlim, xlabel="average", ylabel="density",
           title=f"CLT: average of n = {n} draws of {base.label()}")
    ax.legend(loc="upper right")
    return fig


def plot_vary(d: Distribution, param: str, values: list[float], fig=None):
    fig, ax = _axes(fig)
    index = FAMILIES[d.name].index(param)
    top = 0.0
    for v in values:
        params = list(d.params)
        params[index] = v
        other = make_distribution(d.name, [f"{p:g}" for p in params])
        x = other.grid()
        y = other.density(x)
        top = max(top, float(np.quantile(y, 0.98)))  # ignore a density spike at an edge (beta < 1)
        if other.discrete:
            ax.plot(x, y, "o-", ms=3, lw=1, label=other.label())
        else:
            ax.plot(x, y, lw=2, label=other.label())
    ax.set_ylim(0, 1.25 * top)
    ax.set(title=f"{d.name}: effect of {param}", xlabel="x", ylabel="density / probability")
    ax.legend()
    return fig


# ----------------------------------------------------------------------------- the REPL


class Explorer:
    """Holds the current distribution and runs one command line at a time (prints, saves figures).

    All commands draw into one window, ``self.window``, shown without blocking: the prompt keeps
    reading commands while it stays open, and each command redraws it (a closed window is reopened).
    """

    def __init__(self, out, rng: np.random.Generator, reps: int = 10_000):
        self.out, self.rng, self.reps = out, rng, reps
        self.current: Distribution | None = None
        self.saved: list = []
        self.window = None

    def _canvas(self):
        """The REPL's figure, ready to be drawn on: a running animation there is stopped first."""
        import matplotlib.pyplot as plt

        if self.window is None or not plt.fignum_exists(self.window.number):
            self.window = plotting.figure(figsize=WINDOW_SIZE)[0]
            plotting.fit_to_screen(self.window)
        plotting.stop_animation(self.window)
        return self.window

    def _save(self, fig, name: str) -> None:
        path = plotting.save(fig, self.out / name)
        plotting.interactive_show(fig)          # returns at once; the window stays open
        self.saved.append(path)
        print(f"[saved {path}]")

    def run(self, line: str) -> bool:
        """Execute one command; False means quit. Raises ValueError for bad commands."""
        words = line.split()
        cmd, rest = words[0].lower(), words[1:]
        if cmd in ("quit", "exit", "q"):
            return False
        if cmd in ("help", "?"):
            print("Commands " + __doc__.split("REPL commands ")[1].split("\n\n")[0])
        elif cmd == "list":
            for name, params in FAMILIES.items():
                print(f"  {name} {' '.join(params)}")
        elif cmd in FAMILIES:
            self.choose(make_distribution(cmd, rest))
        elif cmd == "sample":
            self.sample(_count(rest, "sample N", 10_000_000))
        elif cmd == "clt":
            n = _count(rest[:1], "clt N [distribution params]", 1000)
            base = make_distribution(rest[1], rest[2:]) if len(rest) > 1 else Distribution("uniform", (0.0, 1.0))
            self.clt(n, base)
        elif cmd == "vary":
            self.vary(rest)
        else:
            raise ValueError(f"unknown distribution or command {cmd!r} (distributions: {', '.join(FAMILIES)}; "
                             "commands: sample, clt, vary, list, help, quit)")
        return True

    def choose(self, d: Distribution) -> None:
        self.current = d
        mean, sd, skew = d.moments()
        print(f"[Plots {d.label()}: {'PMF' if d.discrete else 'PDF'} and CDF]")
        print(f"Mean: {_num(mean)}, Std: {_num(sd)}, Skew: {_num(skew)}")
        self._save(plot_distribution(d, self._canvas()), f"{_stem(d)}.png")

    def sample(self, n: int) -> None:
        if self.current is None:
            raise ValueError("choose a distribution first, e.g. 'normal 0 1'")
        d = self.current
        x = d.sample(n, self.rng)
        mean, sd, skew = sample_moments(x)
        t_mean, t_sd, t_skew = d.moments()
        print(f"[Histogram of {n:,} samples overlaid on the {'PMF' if d.discrete else 'PDF'}]")
        print(f"[Sample mean: {mean:.3f}, Sample std: {sd:.3f}, Sample skew: {skew:.3f}]")
        print(f"[Theory:      {t_mean:.3f},              {t_sd:.3f},               {t_skew:.3f}]")
        self._save(plot_sample(d, x, self._canvas()), f"sample_{_stem(d)}_{n}.png")

    def clt(self, n: int, base: Distribution) -> None:
        """Averages of s = 1, 2, 3, 5, ..., n draws, one animation frame per s: the histogram narrows
        like sigma / sqrt(s) and turns into the bell curve."""
        mu, sigma, _ = base.moments()
        sizes = sorted({s for s in (1, 2, 3, 5, 8, 12, 20, 30, 50, 100, 200, 500, 1000) if s < n} | {n})
        lo, hi = mu - 4.5 * sigma, mu + 4.5 * sigma
        if base.name in ("uniform", "beta"):
            lo, hi = (base.params[0], base.params[1]) if base.name == "uniform" else (0.0, 1.0)
        name = f"clt_{n}" if base == Distribution("uniform", (0.0, 1.0)) else f"clt_{n}_{_stem(base)}"
        steps = []                            # (averages, s, xlim) for each frame
        for s in sizes:
            averages = clt_averages(base, s, self.reps, self.rng)
            span = 4.5 * sigma / math.sqrt(s)
            xlim = (max(lo, mu - span), min(hi, mu + span)) if s > 1 else (lo, hi)
            if base.name in ("exponential", "gamma", "poisson") and s <= 3:
                xlim = (max(lo, 0.0), mu + 4.5 * sigma / math.sqrt(s))
            steps.append((averages, s, xlim))
        fig = self._canvas()

        def draw_frame(i: int) -> None:
            averages_i, s_i, xlim_i = steps[i]
            clt_frame(averages_i, base, s_i, xlim_i, fig)

        draw_frame(len(steps) - 1)            # the last frame is also saved as a still
        png = plotting.save(fig, self.out / f"{name}.png")
        frame_order = list(range(len(steps))) + [len(steps) - 1] * 4   # hold the last frame
        path = plotting.animate(fig, draw_frame, frame_order, interval_ms=500,
                                gif_path=self.out / f"{name}.gif", fps=2)
        m, sd, skew = sample_moments(averages)
        print(f"[Demonstrates CLT by averaging {n} {base.label()} random variables, {self.reps:,} times]")
        print(f"[Averages: mean {m:.4f} (theory {mu:.4f}), std {sd:.4f} (theory sigma/sqrt(n) = "
              f"{sigma / math.sqrt(n):.4f}), skew {skew:.3f} (normal: 0)]")
        se = sigma / math.sqrt(n)
        print(f"[KS distance to N({mu:.3g}, {se:.3g}^2): {ks_to_normal(averages, mu, se):.4f}]")
        self.saved += [path, png]
        print(f"[Animation shows convergence to the bell curve: {path}]")
        print(f"[saved {png}]")

    def vary(self, rest: list[str]) -> None:
        if self.current is None:
            raise ValueError("choose a distribution first, e.g. 'beta 2 5'")
        names = FAMILIES[self.current.name]
        if len(rest) < 2 or rest[0] not in names:
            raise ValueError(f"usage: vary PARAM v1 v2 ... with PARAM one of {', '.join(names)}")
        try:
            values = [float(v) for v in rest[1:]]
        except ValueError:
            raise ValueError(f"vary: values must be numbers, got {' '.join(rest[1:])}") from None
        for v in values:  # validate every setting before plotting
            params = list(self.current.params)
            params[names.index(rest[0])] = v
            make_distribution(self.current.name, [f"{p:g}" for p in params])
        fig = plot_vary(self.current, rest[0], values, self._canvas())
        print(f"[Overlays {self.current.name} densities for {rest[0]} = {', '.join(f'{v:g}' for v in values)}]")
        self._save(fig, f"vary_{self.current.name}_{rest[0]}.png")


def _count(words: list[str], usage: str, limit: int) -> int:
    if len(words) != 1:
        raise ValueError(f"usage: {usage}")
    try:
        n = int(words[0])
    except ValueError:
        raise ValueError(f"usage: {usage} (N a whole number, got {words[0]!r})") from None
    if not 1 <= n <= limit:
        raise ValueError(f"N must be between 1 and {limit:,}, got {n}")
    return n


def _num(x: float) -> str:
    """4 significant digits, keeping a decimal point (0.0, 1.0, 2.049)."""
    text = f"{x:.4g}"
    return text if any(c in text for c in ".een") else text + ".0"


def _stem(d: Distribution) -> str:
    return "_".join([d.name, *(f"{p:g}".replace("-", "m") for p in d.params)])


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser(__doc__, prog="phase3_probability/distribution_visualizer.py")
    parser.add_argument("--commands", default=None,
                        help='commands separated by ";" instead of the prompt, e.g. "normal 0 1; sample 10000"')
    parser.add_argument("--reps", type=cli.positive_int, default=10_000, help="averages per CLT frame (default 10000)")
    args = parser.parse_args(argv)
    plotting.setup(args.no_show)
    out = cli.out_dir(args, "distribution_visualizer")
    explorer = Explorer(out, np.random.default_rng(args.seed), args.reps)
    print("=== Distribution Explorer ===")
    print(f"Available: {', '.join(FAMILIES)}  (type 'help')\n")
    failed = 0
    for line in cli.read_commands(args.commands):
        try:
            if not explorer.run(line):
                break
        except ValueError as exc:  # a REPL reports the mistake and carries on
            print(f"error: {exc}", flush=True)
            failed += 1
        print()
        plotting.process_events()  # the window repaints before the next line is read
    if failed and args.commands is not None:  # a scripted run must not look successful
        raise cli.UserError(f"{failed} command(s) in --commands failed (see the error lines above)")
    if args.commands is not None or not cli.is_interactive():
        plotting.show()            # a scripted session keeps its last window open until it is closed
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
