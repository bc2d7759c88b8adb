"""A/B testing: is the treatment's conversion rate really higher, or is it noise?

Each visitor converts or not (Bernoulli); group g has n_g visitors and k_g conversions, rate
p_g = k_g / n_g. Two-proportion z-test of H0: p_A = p_B:

    pooled p = (k_A + k_B) / (n_A + n_B),  SE_0 = sqrt(p (1 - p) (1/n_A + 1/n_B))
    z = (p_B - p_A) / SE_0,   two-sided p-value = 2 (1 - Phi(|z|)),  Phi(x) = (1 + erf(x / sqrt 2)) / 2

Confidence intervals (no H0 assumed, so unpooled):

    difference:    (p_B - p_A) +- z_{1-alpha/2} sqrt(p_A (1 - p_A) / n_A + p_B (1 - p_B) / n_B)
    relative lift: exp(log(p_B / p_A) +- z_{1-alpha/2} sqrt((1 - p_A)/k_A + (1 - p_B)/k_B)) - 1   (delta method)

Power and sample size use Cohen's effect size h = 2 asin(sqrt p_B) - 2 asin(sqrt p_A):

    power = Phi(|h| / sqrt(1/n_A + 1/n_B) - z_{1-alpha/2}) + Phi(-|h| / sqrt(1/n_A + 1/n_B) - z_{1-alpha/2})
    n per group for power 1 - beta:  n = 2 ((z_{1-alpha/2} + z_{1-beta}) / h)^2   (equal groups)

A p-value is P(data at least this extreme | H0), not P(H0 | data). ``--simulate`` shows that under
H0 p-values are uniform (so "p < 0.05" happens 5% of the time by chance) and that peeking at the
results and stopping at the first p < 0.05 inflates that false-positive rate.

    python phase3_probability/ab_testing.py
    python phase3_probability/ab_testing.py --control 4532 203 --treatment 4621 248
    python phase3_probability/ab_testing.py --csv events.csv          # columns group, converted
    python phase3_probability/ab_testing.py --simulate
    python phase3_probability/ab_testing.py serve        # the web dashboard on http://127.0.0.1:5000/
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np

from common import cli, datasets, plotting

# ----------------------------------------------------------------------------- normal distribution


def normal_cdf(x: float) -> float:
    """Phi(x) = P(Z <= x) for Z ~ N(0, 1), via the complementary error function (accurate in the tails)."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def normal_ppf(q: float) -> float:
    """Phi^-1(q) for 0 < q < 1: bisection on Phi (monotone), then two Newton steps."""
    if not 0.0 < q < 1.0:
        raise ValueError(f"quantile needs 0 < q < 1, got {q}")
    lo, hi = -40.0, 40.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if normal_cdf(mid) < q:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12:
            break
    x = 0.5 * (lo + hi)
    for _ in range(2):
        pdf = math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        if pdf > 0:
            x -= (normal_cdf(x) - q) / pdf
    return x


_erfc_vec = np.frompyfunc(math.erfc, 1, 1)  # elementwise erfc for arrays (NumPy has none)


# ----------------------------------------------------------------------------- the test


@dataclass(frozen=True)
class ABResult:
    n_a: int
    k_a: int
    n_b: int
    k_b: int
    alpha: float
    p_a: float
    p_b: float
    diff: float                 # p_B - p_A
    lift: float                 # (p_B - p_A) / p_A
    z: float
    p_value: float
    ci_diff: tuple[float, float]
    ci_lift: tuple[float, float]
    effect_h: float             # Cohen's h
    power: float                # power for the observed effect at these sample sizes
    n_for_power: int | None     # visitors per group for the target power (None when h = 0)
    target_power: float

    @property
    def significant(self) -> bool:
        return self.p_value < self.alpha


def validate_counts(visitors: int, conversions: int, name: str) -> None:
    """Raise ValueError with a clear message for impossible counts; return None when they are fine.

    A group needs at least 1 visitor, and its conversions must lie between 0 and the number of
    visitors. The messages name the group: "control needs at least 1 visitor, got 0",
    "treatment conversions cannot be negative, got -3", "control has more conversions (11) than
    visitors (10)". A group with 0 conversions is allowed: it is a real (if bad) result.
    """
    if visitors < 1:
        raise ValueError(f"{name} needs at least 1 visitor, got {visitors}")
    if conversions < 0:
        raise ValueError(f"{name} conversions cannot be negative, got {conversions}")
    if conversions > visitors:
        raise ValueError(f"{name} has more conversions ({conversions}) than visitors ({visitors})")


def z_test(n_a: int, k_a: int, n_b: int, k_b: int) -> tuple[float, float]:
    """Pooled two-proportion z statistic (B minus A) and two-sided p-value.

        p    = (k_A + k_B) / (n_A + n_B)                      (one shared rate: H0 says they are equal)
        SE_0 = sqrt(p (1 - p) (1/n_A + 1/n_B))
        z    = (k_B / n_B - k_A / n_A) / SE_0,   p-value = 2 (1 - Phi(|z|)) = erfc(|z| / sqrt 2)

    Example: A 50 of 1000 (5%), B 65 of 1000 (6.5%): p = 0.0575, SE_0 = 0.01041, z = 1.44,
    p-value = 0.150. z > 0 means B converts more. Raises ValueError ("no variation") when
    SE_0 = 0, that is when both groups convert at 0% or both at 100%.
    """
    p = (k_a + k_b) / (n_a + n_b)
    se0 = math.sqrt(p * (1 - p) * (1 / n_a + 1 / n_b))
    if se0 == 0:
        raise ValueError("both groups have the same 0% or 100% rate: there is no variation to test")
    z = (k_b / n_b - k_a / n_a) / se0
    return z, math.erfc(abs(z) / math.sqrt(2.0))  # = 2 (1 - Phi(|z|))


def difference_interval(n_a: int, k_a: int, n_b: int, k_b: int, z_crit: float) -> tuple[float, float]:
    """Confidence interval for the difference of the rates p_B - p_A (Wald, unpooled).

        (p_B - p_A) +- z_crit sqrt(p_A (1 - p_A) / n_A + p_B (1 - p_B) / n_B),   p_g = k_g / n_g

    No H0 is assumed here, so each group keeps its own rate in the standard error. z_crit is
    z_{1 - alpha/2} (1.96 for a 95% interval). Example: A 50 of 1000, B 65 of 1000, z_crit = 1.96:
    0.015 +- 1.96 * 0.010406 = (-0.0054, 0.0354), which includes 0.
    """
    p_a, p_b = k_a / n_a, k_b / n_b
    se = math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    diff = p_b - p_a
    return diff - z_crit * se, diff + z_crit * se


def lift_interval(n_a: int, k_a: int, n_b: int, k_b: int, z_crit: float) -> tuple[float, float]:
    """Confidence interval for the relative lift p_B / p_A - 1, from the log of the ratio (delta method).

        log(p_B / p_A) +- z_crit sqrt((1 - p_A) / k_A + (1 - p_B) / k_B),  then exp(.) - 1 at both ends

    The log of a ratio of rates is close to normal, the ratio itself is not (it is skewed), so
    the interval is built on the log scale and mapped back: it is not symmetric about the lift.
    When a group has no conversions the ratio or its log is undefined: return (nan, nan).
    Example: A 50 of 1000, B 65 of 1000, z_crit = 1.96: log 1.3 = 0.2624, SE = 0.1827, so
    (exp(0.2624 - 0.3581) - 1, exp(0.2624 + 0.3581) - 1) = (-0.091, 0.860).
    """
    if k_a > 0 and k_b > 0:
        p_a, p_b = k_a / n_a, k_b / n_b
        log_ratio = math.log(p_b / p_a)
        se_log = math.sqrt((1 - p_a) / k_a + (1 - p_b) / k_b)
        return math.exp(log_ratio - z_crit * se_log) - 1, math.exp(log_ratio + z_crit * se_log) - 1
    return math.nan, math.nan


def cohens_h(p_a: float, p_b: float) -> float:
    return 2 * math.asin(math.sqrt(p_b)) - 2 * math.asin(math.sqrt(p_a))


def power_two_proportions(h: float, n_a: float, n_b: float, alpha: float) -> float:
    """Two-sided power of the z-test for effect size h (both rejection tails)."""
    crit = normal_ppf(1 - alpha / 2)
    shift = abs(h) / math.sqrt(1 / n_a + 1 / n_b)
    return normal_cdf(shift - crit) + normal_cdf(-shift - crit)


def sample_size_per_group(h: float, alpha: float, power: float) -> int | None:
    """Visitors per group (equal groups) so the test reaches ``power`` for effect size h."""
    if h == 0:
        return None
    n = 2 * ((normal_ppf(1 - alpha / 2) + normal_ppf(power)) / h) ** 2
    return math.ceil(n - 1e-9)


def analyse(n_a: int, k_a: int, n_b: int, k_b: int, alpha: float = 0.05, target_power: float = 0.8) -> ABResult:
    """The full report's numbers. Raises ValueError for impossible counts or no variation."""
    validate_counts(n_a, k_a, "control")
    validate_counts(n_b, k_b, "treatment")
    p_a, p_b = k_a / n_a, k_b / n_b
    z, p_value = z_test(n_a, k_a, n_b, k_b)
    crit = normal_ppf(1 - alpha / 2)
    diff = p_b - p_a
    ci_diff = difference_interval(n_a, k_a, n_b, k_b, crit)
    ci_lift = lift_interval(n_a, k_a, n_b, k_b, crit)
    lift = diff / p_a if p_a > 0 else math.inf
    h = cohens_h(p_a, p_b)
    return ABResult(n_a, k_a, n_b, k_b, alpha, p_a, p_b, diff, lift, z, p_value,
                    ci_diff, ci_lift, h,
                    power_two_proportions(h, n_a, n_b, alpha), sample_size_per_group(h, alpha, target_power),
                    target_power)


def conclusion(r: ABResult) -> list[str]:
    """Plain-language decision, with the effect-size caveat."""
    a = f"{r.alpha:g}"
    if not r.significant:
        lines = [f"Conclusion: NOT SIGNIFICANT at α={a}",
                 f"A difference this large would appear by chance {r.p_value:.1%} of the time if the variants "
                 "were equal; that is no evidence of an effect (and no proof that there is none)."]
    else:
        better = r.diff > 0
        lines = [f"Conclusion: SIGNIFICANT at α={a}",
                 f"The new variant likely {'improves' if better else 'lowers'} conversions, "
                 + ("but the effect size is uncertain." if _wide(r) else "and the interval is reasonably tight.")]
    touches = [lo <= 0 <= hi for lo, hi in (r.ci_diff, r.ci_lift) if math.isfinite(lo)]
    if r.significant and any(touches):
        lines.append("Borderline: the pooled test rejects H0, yet an interval (difference or lift) still "
                     "includes 0.")
    if _wide(r) or not r.significant:
        more = f"about {r.n_for_power:,} visitors per group" if r.n_for_power else "many more visitors"
        lines.append(f"Recommend: Run longer to narrow the confidence interval ({more} give "
                     f"{r.target_power:.0%} power for a lift of this size; now {r.power:.0%}).")
    else:
        lines.append("Recommend: ship it, and keep monitoring the metric.")
    return lines


def _wide(r: ABResult) -> bool:
    """The lift interval is 'wide' when it is wider than the lift itself or its power is low."""
    lo, hi = r.ci_lift
    return not math.isfinite(lo) or (hi - lo) > abs(r.lift) or r.power < r.target_power


# ----------------------------------------------------------------------------- events CSV

CONTROL_NAMES = ("control", "a", "0")


def counts_from_events(frame, group_col: str = "group", converted_col: str = "converted"):
    """(control name, n_A, k_A, treatment name, n_B, k_B) from one row per visitor.

    The control group is the one named control / A / 0, else the first group in the file.
    Raises ValueError for missing columns, not exactly two groups or non-0/1 conversions.
    """
    for col in (group_col, converted_col):
        if col not in frame.columns:
            raise ValueError(f"column {col!r} not found (columns: {', '.join(map(str, frame.columns))})")
    groups = frame[group_col].astype(str).str.strip()
    raw = frame[converted_col]
    if raw.isna().any():
        raise ValueError(f"column {converted_col!r} has missing values (row {int(np.flatnonzero(raw.isna())[0]) + 2})")
    text = raw.astype(str).str.strip().str.lower()
    mapping = {"1": 1, "0": 0, "1.0": 1, "0.0": 0, "true": 1, "false": 0, "yes": 1, "no": 0}
    converted = text.map(mapping)
    if converted.isna().any():
        bad = raw[converted.isna()].iloc[0]
        raise ValueError(f"column {converted_col!r} must be 0/1 (or true/false), found {bad!r}")
    names = list(dict.fromkeys(groups))
    if len(names) != 2:
        raise ValueError(f"expected exactly 2 groups in column {group_col!r}, found {len(names)}: {names[:5]}")
    control = next((g for g in names if g.lower() in CONTROL_NAMES), names[0])
    treatment = names[1] if control == names[0] else names[0]
    out = []
    for name in (control, treatment):
        mask = (groups == name).to_numpy()
        out += [name, int(mask.sum()), int(converted.to_numpy()[mask].sum())]
    return tuple(out)


# ----------------------------------------------------------------------------- simulation


def simulate_null(n_a: int, n_b: int, rate: float, experiments: int, looks: int, alpha: float,
                  rng: np.random.Generator) -> dict:
    """Run ``experiments`` A/A tests (both groups convert at ``rate``), vectorised.

    Each experiment collects its visitors in ``looks`` equal batches. Returns the final-look
    p-values (shape (experiments,)), the false-positive rate with one look at the end, and the
    rate when stopping at the first look with p < alpha ("peeking").
    """
    batch_a = np.full(looks, n_a // looks)
    batch_a[: n_a % looks] += 1
    batch_b = np.full(looks, n_b // looks)
    batch_b[: n_b % looks] += 1
    k_a = np.cumsum(rng.binomial(batch_a, rate, size=(experiments, looks)), axis=1)
    k_b = np.cumsum(rng.binomial(batch_b, rate, size=(experiments, looks)), axis=1)
    m_a, m_b = np.cumsum(batch_a), np.cumsum(batch_b)
    z = z_statistics(m_a, k_a, m_b, k_b)
    p = np.asarray(_erfc_vec(np.abs(z) / math.sqrt(2.0)), dtype=float)
    final = p[:, -1]
    return {"p_values": final, "fpr_once": float(np.mean(final < alpha)),
            "fpr_peeking": float(np.mean(np.any(p < alpha, axis=1))), "looks": looks,
            "ks_uniform": float(ks_distance_uniform(final))}


def z_statistics(n_a, k_a, n_b, k_b) -> np.ndarray:
    """The pooled z statistic of :func:`z_test` for many tests at once (arrays that broadcast).

    Same formula, element by element: p = (k_A + k_B) / (n_A + n_B),
    SE_0 = sqrt(p (1 - p) (1/n_A + 1/n_B)), z = (k_B / n_B - k_A / n_A) / SE_0. In the simulation
    k_A and k_B have shape (experiments, looks) (conversions so far at each look) and n_A, n_B
    shape (looks,) (visitors so far), so z has shape (experiments, looks). Where SE_0 = 0 (no
    conversions yet, or all of them) there is no evidence either way: z = 0 there, not nan.
    Example: n_A = n_B = [1000], k_A = [[50], [0]], k_B = [[65], [0]] -> [[1.4408], [0.0]].
    """
    pooled = (k_a + k_b) / (n_a + n_b)
    se0 = np.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(se0 > 0, (k_b / n_b - k_a / n_a) / np.where(se0 > 0, se0, 1), 0.0)


def ks_distance_uniform(u: np.ndarray) -> float:
    """Kolmogorov-Smirnov distance sup |F_n(x) - x| between the sample's ECDF and Uniform(0, 1)."""
    u = np.sort(np.asarray(u, dtype=float))
    n = len(u)
    i = np.arange(1, n + 1)
    return float(max(np.max(i / n - u), np.max(u - (i - 1) / n)))


# ----------------------------------------------------------------------------- figures


def plot_rates(r: ABResult, names: tuple[str, str]):
    """Bars of the two conversion rates with 95% confidence error bars."""
    fig, ax = plotting.figure(figsize=(6, 4.5))
    crit = normal_ppf(1 - r.alpha / 2)
    rates = np.array([r.p_a, r.p_b]) * 100
    errs = crit * np.sqrt(np.array([r.p_a * (1 - r.p_a) / r.n_a, r.p_b * (1 - r.p_b) / r.n_b])) * 100
    bars = ax.bar(names, rates, yerr=errs, capsize=10, color=["tab:blue", "tab:orange"], alpha=0.85)
    for bar, rate, err in zip(bars, rates, errs):
        ax.text(bar.get_x() + bar.get_width() / 2, rate + err, f"{rate:.2f}%", ha="center", va="bottom")
    ax.set(ylabel="conversion rate (%)", title=f"Conversion rates with {1 - r.alpha:.0%} CIs (p = {r.p_value:.3g})")
    ax.set_ylim(0, max(rates + errs) * 1.2)
    return fig


def sampling_curves(r: ABResult, points: int = 500) -> dict:
    """The two sampling distributions N(p_g, p_g (1 - p_g) / n_g) on one grid, in percentage points.

    Returns {"x": rates in % (shape (points,)), "control": density, "treatment": density,
    "overlap": min(control, treatment)}, each density per percentage point (shape (points,)). A
    density of the rate as a fraction is 100 times a density per percentage point: the axis is
    stretched 100 times, so the height shrinks 100 times (the area stays 1). The grid spans 4
    standard errors either side of both rates. The overlap is taken from the same curves that are
    drawn, so it can never rise above them.
    """
    se = np.sqrt([r.p_a * (1 - r.p_a) / r.n_a, r.p_b * (1 - r.p_b) / r.n_b])      # (2,)
    lo = min(r.p_a - 4 * se[0], r.p_b - 4 * se[1])
    hi = max(r.p_a + 4 * se[0], r.p_b + 4 * se[1])
    x = np.linspace(lo, hi, points)                                             # rate as a fraction
    densities = []
    for p, s in zip((r.p_a, r.p_b), se):
        s = max(s, 1e-12)                        # a 0% or 100% rate has no spread: a very thin spike
        density = np.exp(-0.5 * ((x - p) / s) ** 2) / (s * math.sqrt(2 * math.pi))   # per unit of rate
        densities.append(density / 100)                                              # per percentage point
    return {"x": x * 100, "control": densities[0], "treatment": densities[1],
            "overlap": np.minimum(densities[0], densities[1])}


def plot_sampling(r: ABResult, names: tuple[str, str]):
    """The two sampling distributions N(p_g, p_g(1-p_g)/n_g) of the estimated rates, and their overlap."""
    fig, ax = plotting.figure(figsize=(8, 4.5))
    curves = sampling_curves(r)
    se = np.sqrt([r.p_a * (1 - r.p_a) / r.n_a, r.p_b * (1 - r.p_b) / r.n_b])
    for key, p, s, name, colour in zip(("control", "treatment"), (r.p_a, r.p_b), se, names,
                                       ("tab:blue", "tab:orange")):
        ax.plot(curves["x"], curves[key], color=colour, lw=2, label=f"{name}: {p:.2%} +- {s:.2%} (SE)")
        ax.fill_between(curves["x"], 0, curves[key], color=colour, alpha=0.2)
    ax.fill_between(curves["x"], 0, curves["overlap"], color="tab:red", alpha=0.35, label="overlap")
    ax.set(xlabel="conversion rate (%)", ylabel="density per percentage point",
           title="Sampling distributions of the two rates")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=3, frameon=False)
    return fig


def plot_simulation(sim: dict, alpha: float):
    fig, (left, right) = plotting.figure(1, 2, figsize=(12, 4.5))
    left.hist(sim["p_values"], bins=10, range=(0, 1), density=True, color="tab:blue", alpha=0.8, edgecolor="white")
    left.axhline(1.0, color="black", ls="--", label="Uniform(0, 1)")
    left.axvspan(0, alpha, color="tab:red", alpha=0.2, label=f"p < {alpha:g}: false positives")
    left.set(xlabel="p-value", ylabel="density",
             title=f"Under H0, p-values are uniform ({len(sim['p_values']):,} A/A tests)")
    left.legend()
    labels = ["one look\nat the end", f"peeking at\n{sim['looks']} looks"]
    values = [sim["fpr_once"] * 100, sim["fpr_peeking"] * 100]
    bars = right.bar(labels, values, color=["tab:green", "tab:red"], alpha=0.85)
    for bar, v in zip(bars, values):
        right.text(bar.get_x() + bar.get_width() / 2, v, f"{v:.1f}%", ha="center", va="bottom")
    right.axhline(alpha * 100, color="black", ls="--", label=f"α = {alpha:.0%}")
    right.set(ylabel="false-positive rate (%)", title="Peeking inflates false positives")
    right.legend()
    return fig


# ----------------------------------------------------------------------------- the report as text (CLI and dashboard)


def _pct(x: float) -> str:
    return f"{x:+.1%}" if math.isfinite(x) else "undefined (no conversions in control)"


def report_figures(r: ABResult) -> dict[str, str]:
    """The report's numbers as the CLI prints them (text), one entry per figure.

    The web dashboard shows these same strings, so the page and the terminal cannot disagree.
    """
    lo, hi = r.ci_lift
    return {
        "rate_control": f"{r.p_a:.2%}", "rate_treatment": f"{r.p_b:.2%}",
        "lift": _pct(r.lift), "difference": f"{r.diff * 100:+.2f}",
        "z": f"{r.z:.2f}", "p_value": f"{r.p_value:.3f}", "p_value_exact": f"{r.p_value:.6g}",
        "ci_difference": f"[{r.ci_diff[0] * 100:+.3f}, {r.ci_diff[1] * 100:+.3f}]",
        "ci_lift": f"[{lo:.2%}, {hi:.2%}]" if math.isfinite(lo) else "undefined (a group has no conversions)",
        "effect_h": f"{r.effect_h:.4f}", "power": f"{r.power:.1%}",
        "n_for_power": f"{r.n_for_power:,}" if r.n_for_power else "",
        "level": f"{1 - r.alpha:.0%}", "target_power": f"{r.target_power:.0%}",
        "decision": "SIGNIFICANT" if r.significant else "NOT SIGNIFICANT",
    }


def report_lines(r: ABResult, names: tuple[str, str], title: str) -> list[str]:
    """The whole text report (the CLI prints it line by line)."""
    f = report_figures(r)
    lines = [f"=== A/B Test: {title} ===", "",
             f"{names[0]}: {r.n_a:,} visitors, {r.k_a:,} conversions ({f['rate_control']})",
             f"{names[1]}: {r.n_b:,} visitors, {r.k_b:,} conversions ({f['rate_treatment']})", "",
             f"Observed lift: {f['lift']}  (difference {f['difference']} percentage points)", "",
             "Statistical Analysis:",
             f"  Test statistic: z = {f['z']}  (pooled two-proportion z-test)",
             f"  P-value: {f['p_value']}  (two-sided; {f['p_value_exact']})",
             f"  {f['level']} CI for difference: {f['ci_difference']} percentage points",
             f"  {f['level']} CI for lift: {f['ci_lift']}",
             f"  Effect size: Cohen's h = {f['effect_h']}",
             f"  Power for this lift at these sample sizes: {f['power']}"]
    if r.n_for_power:
        lines.append(f"  Visitors per group for {f['target_power']} power: {f['n_for_power']}")
    return lines + [""] + conclusion(r)


def peeking_simulation(r: ABResult, experiments: int, looks: int, seed: int) -> dict:
    """A/A tests at the pooled rate of ``r``'s groups and with their sizes (see :func:`simulate_null`).

    Adds "rate" (the pooled rate), "experiments" and "deciles" (share of p-values in each tenth
    of [0, 1], shape (10,)) to the simulation's dict. ``looks`` is capped at the smaller group's
    size (a look needs at least one new visitor per group).
    """
    rate = (r.k_a + r.k_b) / (r.n_a + r.n_b)
    looks = min(looks, r.n_a, r.n_b)
    sim = simulate_null(r.n_a, r.n_b, rate, experiments, looks, r.alpha, np.random.default_rng(seed))
    deciles = np.histogram(sim["p_values"], bins=10, range=(0, 1))[0] / len(sim["p_values"])
    return {**sim, "rate": rate, "experiments": experiments, "deciles": deciles}


def simulation_lines(sim: dict, alpha: float) -> list[str]:
    """The simulation's text report (the CLI prints it after the test's report)."""
    return [f"=== Simulation: {sim['experiments']:,} A/A tests (both groups convert at {sim['rate']:.2%}) ===",
            "  p-value deciles (uniform would be 10% each): " + " ".join(f"{d:.1%}" for d in sim["deciles"]),
            f"  KS distance to Uniform(0, 1): {sim['ks_uniform']:.4f}",
            f"  False-positive rate, one look at the end: {sim['fpr_once']:.1%}  (α = {alpha:.0%})",
            f"  False-positive rate, peeking at {sim['looks']} looks and stopping at p < {alpha:g}: "
            f"{sim['fpr_peeking']:.1%}"]


# ----------------------------------------------------------------------------- CLI


def _counts(values: list[str], name: str) -> tuple[int, int]:
    try:
        visitors, conversions = (int(v) for v in values)
    except ValueError:
        raise cli.UserError(f"--{name} expects two whole numbers VISITORS CONVERSIONS, "
                            f"got {' '.join(values)!r}") from None
    return visitors, conversions


def serve_main(argv: list[str]) -> int:
    """``ab_testing.py serve [--host H] [--port P]``: the web dashboard under waitress."""
    parser = cli.make_parser("Serve the A/B testing dashboard: a web page and its JSON API under /api/.",
                             prog="phase3_probability/ab_testing.py serve", seed=False, out=False, show=False)
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=5000, help="TCP port (default 5000; 0 picks a free one)")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        raise cli.UserError(f"--port must be in 0..65535, got {args.port}")
    from phase3_probability.ab_dashboard import serve

    def ready(port):
        print(f"A/B testing dashboard on http://{args.host}:{port}/ (waitress; Ctrl-C to stop)", flush=True)

    try:
        this_module = sys.modules[__name__]          # the dashboard computes with these very functions
        serve(this_module, args.host, args.port, on_ready=ready)
    except OSError as exc:
        raise cli.UserError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["serve"]:
        return serve_main(argv[1:])
    parser = cli.make_parser(__doc__, prog="phase3_probability/ab_testing.py")
    parser.add_argument("--control", nargs=2, metavar=("VISITORS", "CONVERSIONS"), default=["4532", "203"],
                        help="control (A) counts (default 4532 203)")
    parser.add_argument("--treatment", nargs=2, metavar=("VISITORS", "CONVERSIONS"), default=["4621", "248"],
                        help="treatment (B) counts (default 4621 248)")
    parser.add_argument("--csv", default=None, help="CSV of events, one row per visitor (instead of counts)")
    parser.add_argument("--group-col", default="group", help="group column of --csv (default 'group')")
    parser.add_argument("--converted-col", default="converted", help="0/1 column of --csv (default 'converted')")
    parser.add_argument("--title", default="New Checkout Button", help="name of the experiment")
    parser.add_argument("--alpha", type=cli.positive_float, default=0.05, help="significance level (default 0.05)")
    parser.add_argument("--power", type=cli.positive_float, default=0.8, help="target power (default 0.8)")
    parser.add_argument("--simulate", action="store_true",
                        help="also simulate A/A tests: uniform p-values and the cost of peeking")
    parser.add_argument("--experiments", type=cli.positive_int, default=20_000, help="simulated tests (default 20000)")
    parser.add_argument("--looks", type=cli.positive_int, default=10, help="peeks per simulated test (default 10)")
    args = parser.parse_args(argv)
    if not 0 < args.alpha < 1 or not 0 < args.power < 1:
        raise cli.UserError("--alpha and --power must be between 0 and 1")
    if args.csv is not None:
        frame = datasets.read_table(args.csv)
        try:
            name_a, n_a, k_a, name_b, n_b, k_b = counts_from_events(frame, args.group_col, args.converted_col)
        except ValueError as exc:
            raise cli.UserError(f"{args.csv}: {exc}") from None
        names = (f"Control ({name_a})", f"Treatment ({name_b})")
    else:
        n_a, k_a = _counts(args.control, "control")
        n_b, k_b = _counts(args.treatment, "treatment")
        names = ("Control (A)", "Treatment (B)")
    try:
        r = analyse(n_a, k_a, n_b, k_b, args.alpha, args.power)
    except ValueError as exc:
        raise cli.UserError(str(exc)) from None
    plotting.setup(args.no_show)
    out = cli.out_dir(args, "ab_testing")

    for line in report_lines(r, names, args.title):
        print(line)
    paths = [plotting.save(plot_rates(r, names), out / "conversion_rates.png"),
             plotting.save(plot_sampling(r, names), out / "sampling_distributions.png")]
    if args.simulate:
        sim = peeking_simulation(r, args.experiments, args.looks, args.seed)
        print()
        for line in simulation_lines(sim, args.alpha):
            print(line)
        paths.append(plotting.save(plot_simulation(sim, args.alpha), out / "simulation.png"))
    print("\nSaved: " + ", ".join(str(p) for p in paths))
    plotting.show()
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
