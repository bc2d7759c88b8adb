"""ab_testing: z, p, CIs and power equal statsmodels / scipy to 1e-9; p-values uniform under H0;
CI coverage; edge cases; CLI transcript and bad inputs."""

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from phase3_probability import ab_testing as ab
from tests.conftest import assert_user_error

CASES = [(4532, 203, 4621, 248), (1000, 50, 1000, 50), (20000, 900, 19500, 1010), (300, 30, 320, 21),
         (50, 1, 60, 9)]


@pytest.mark.parametrize("n_a,k_a,n_b,k_b", CASES)
def test_z_statistic_and_p_value_match_statsmodels(n_a, k_a, n_b, k_b):
    r = ab.analyse(n_a, k_a, n_b, k_b)
    z, p = proportions_ztest([k_b, k_a], [n_b, n_a])
    assert r.z == pytest.approx(float(z), abs=1e-9)
    assert r.p_value == pytest.approx(float(p), abs=1e-9)
    assert r.p_value == pytest.approx(2 * stats.norm.sf(abs(r.z)), abs=1e-12)


@pytest.mark.parametrize("n_a,k_a,n_b,k_b", CASES)
def test_intervals_and_power_match_statsmodels(n_a, k_a, n_b, k_b):
    r = ab.analyse(n_a, k_a, n_b, k_b)
    lo, hi = confint_proportions_2indep(k_b, n_b, k_a, n_a, method="wald", compare="diff")
    np.testing.assert_allclose(r.ci_diff, (lo, hi), atol=1e-9, rtol=0)
    lo, hi = confint_proportions_2indep(k_b, n_b, k_a, n_a, method="log", compare="ratio")
    np.testing.assert_allclose(r.ci_lift, (lo - 1, hi - 1), atol=1e-9, rtol=0)
    power = NormalIndPower().power(effect_size=r.effect_h, nobs1=n_a, alpha=0.05, ratio=n_b / n_a)
    assert r.power == pytest.approx(power, abs=1e-9)
    if r.effect_h != 0:
        n = NormalIndPower().solve_power(effect_size=abs(r.effect_h), alpha=0.05, power=0.8, ratio=1)
        assert abs(r.n_for_power - math.ceil(n)) <= 1


def test_normal_cdf_and_ppf_match_scipy():
    for x in (-8.0, -3.1, -1.0, 0.0, 0.5, 1.96, 4.0, 7.5):
        assert ab.normal_cdf(x) == pytest.approx(stats.norm.cdf(x), abs=1e-15, rel=1e-12)
    for q in (1e-8, 0.001, 0.025, 0.2, 0.5, 0.8, 0.975, 0.999999):
        assert ab.normal_ppf(q) == pytest.approx(stats.norm.ppf(q), abs=1e-9)
    with pytest.raises(ValueError):
        ab.normal_ppf(1.0)


def test_p_values_uniform_under_null_and_peeking_inflates():
    sim = ab.simulate_null(4000, 4000, 0.05, 20_000, 10, 0.05, np.random.default_rng(1))
    assert 0.04 <= sim["fpr_once"] <= 0.06          # false-positive rate = alpha
    deciles = np.histogram(sim["p_values"], bins=10, range=(0, 1))[0] / 20_000
    assert np.all(np.abs(deciles - 0.1) < 0.015)   # roughly flat
    assert sim["ks_uniform"] < 0.03                # (the binomial lattice makes p-values slightly discrete)
    assert sim["fpr_peeking"] > 0.12               # peeking at 10 looks: ~19%
    assert ab.ks_distance_uniform(np.array([0.5])) == pytest.approx(0.5)
    # the simulation's vectorised z equals statsmodels' test for each case (to 1e-9), and is 0 without variation
    n_a, k_a, n_b, k_b = (np.array(v) for v in zip(*CASES, (100, 0, 100, 0)))
    expected = [float(proportions_ztest([kb, ka], [nb, na])[0]) for na, ka, nb, kb in CASES] + [0.0]
    np.testing.assert_allclose(ab.z_statistics(n_a, k_a, n_b, k_b), expected, atol=1e-9, rtol=0)


def test_confidence_interval_coverage():
    rng = np.random.default_rng(7)
    n, pa, pb = 5000, 0.05, 0.06
    ka, kb = rng.binomial(n, pa, 1500), rng.binomial(n, pb, 1500)
    results = [ab.analyse(n, int(a), n, int(b)) for a, b in zip(ka, kb)]
    covered = [lo <= pb - pa <= hi for lo, hi in (r.ci_diff for r in results)]
    assert 0.93 <= np.mean(covered) <= 0.97
    covered = [lo <= pb / pa - 1 <= hi for lo, hi in (r.ci_lift for r in results)]
    assert 0.93 <= np.mean(covered) <= 0.97
    z = stats.norm.ppf(0.975)                      # both intervals equal statsmodels' (to 1e-9)
    for n_a, k_a, n_b, k_b in CASES:
        lo, hi = confint_proportions_2indep(k_b, n_b, k_a, n_a, method="wald", compare="diff")
        np.testing.assert_allclose(ab.difference_interval(n_a, k_a, n_b, k_b, z), (lo, hi), atol=1e-9, rtol=0)
        lo, hi = confint_proportions_2indep(k_b, n_b, k_a, n_a, method="log", compare="ratio")
        np.testing.assert_allclose(ab.lift_interval(n_a, k_a, n_b, k_b, z), (lo - 1, hi - 1), atol=1e-9, rtol=0)
    assert all(math.isnan(v) for v in ab.lift_interval(500, 0, 500, 6, z))


def test_decisions_on_edge_cases():
    same = ab.analyse(1000, 50, 1000, 50)
    assert same.z == 0 and same.p_value == pytest.approx(1.0) and not same.significant
    assert ab.conclusion(same)[0] == "Conclusion: NOT SIGNIFICANT at α=0.05"
    worse = ab.analyse(20000, 1100, 20000, 900)
    assert worse.significant and worse.z < 0 and "lowers" in ab.conclusion(worse)[1]
    tight = ab.analyse(200_000, 10_000, 200_000, 12_000)
    assert tight.significant and "ship it" in ab.conclusion(tight)[-1]
    zero_a = ab.analyse(500, 0, 500, 6)
    assert math.isnan(zero_a.ci_lift[0]) and zero_a.lift == math.inf
    with pytest.raises(ValueError, match="no variation"):
        ab.analyse(100, 0, 100, 0)
    with pytest.raises(ValueError, match="more conversions"):
        ab.analyse(10, 11, 10, 1)
    with pytest.raises(ValueError, match="negative"):
        ab.analyse(10, -1, 10, 1)


def test_counts_from_events():
    import pandas as pd

    frame = pd.DataFrame({"group": ["B", "A", "A", "B", "B"], "converted": [1, 0, 1, "true", 0]})
    assert ab.counts_from_events(frame) == ("A", 2, 1, "B", 3, 2)
    with pytest.raises(ValueError, match="0/1"):
        ab.counts_from_events(pd.DataFrame({"group": ["A", "B"], "converted": [1, 7]}))
    with pytest.raises(ValueError, match="exactly 2 groups"):
        ab.counts_from_events(pd.DataFrame({"group": ["A", "B", "C"], "converted": [1, 0, 1]}))


def test_cli_transcript(run_main, tmp_path):
    res = run_main(ab.main, "--control", "4532", "203", "--treatment", "4621", "248", "--no-show", "--out", tmp_path)
    assert res.returncode == 0, res
    z, p = proportions_ztest([248, 203], [4621, 4532])
    for line in ("=== A/B Test: New Checkout Button ===", "Control (A): 4,532 visitors, 203 conversions (4.48%)",
                 "Treatment (B): 4,621 visitors, 248 conversions (5.37%)", "Observed lift: +19.8%",
                 f"Test statistic: z = {z:.2f}", f"P-value: {p:.3f}", "95% CI for lift: [",
                 "Conclusion: SIGNIFICANT at α=0.05", "Recommend: Run longer"):
        assert line in res.stdout, line
    for name in ("conversion_rates.png", "sampling_distributions.png"):
        assert (tmp_path / name).stat().st_size > 10_000


@pytest.mark.slow
def test_cli_csv_events_equal_counts(run_main, tmp_path):
    rows = ["group,converted"] + ["A,1"] * 203 + ["A,0"] * (4532 - 203) + ["B,1"] * 248 + ["B,0"] * (4621 - 248)
    events = tmp_path / "events.csv"
    events.write_text("\n".join(rows) + "\n")
    res = run_main(ab.main, "--csv", events, "--no-show", "--out", tmp_path)
    assert res.returncode == 0, res
    assert "Control (A): 4,532 visitors, 203 conversions" in res.stdout
    r = ab.analyse(4532, 203, 4621, 248)
    assert f"P-value: {r.p_value:.3f}  (two-sided; {r.p_value:.6g})" in res.stdout
    assert f"95% CI for lift: [{r.ci_lift[0]:.2%}, {r.ci_lift[1]:.2%}]" in res.stdout


@pytest.mark.slow
def test_cli_simulate(run_main, tmp_path):
    res = run_main(ab.main, "--simulate", "--experiments", "3000", "--no-show", "--out", tmp_path)
    assert res.returncode == 0, res
    assert "False-positive rate, one look at the end:" in res.stdout
    assert "peeking at 10 looks" in res.stdout
    assert (tmp_path / "simulation.png").stat().st_size > 10_000


@pytest.mark.parametrize("args,fragment", [
    (["--control", "4532", "-3"], "negative"),
    (["--control", "100", "300"], "more conversions"),
    (["--treatment", "0", "0"], "at least 1 visitor"),
    (["--control", "ten", "3"], "whole numbers"),
    (["--control", "100", "0", "--treatment", "100", "0"], "no variation"),
    (["--alpha", "1.5"], "--alpha"),
    (["--csv", "does_not_exist.csv"], "does_not_exist.csv"),
])
def test_cli_bad_inputs(run_main, tmp_path, args, fragment):
    assert_user_error(run_main(ab.main, *args, "--no-show", "--out", tmp_path), fragment)
    assert not list(tmp_path.glob("*.png"))


def test_cli_bad_csv(run_main, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("variant,clicked\nA,1\nB,0\n")
    assert_user_error(run_main(ab.main, "--csv", bad, "--no-show", "--out", tmp_path), "column 'group' not found")
    bad.write_text("group,converted\nA,1\nB,maybe\n")
    assert_user_error(run_main(ab.main, "--csv", bad, "--no-show", "--out", tmp_path), "0/1")
    bad.write_text("")
    assert_user_error(run_main(ab.main, "--csv", bad, "--no-show", "--out", tmp_path), "bad.csv")
    assert not list(tmp_path.glob("*.png"))


@pytest.mark.parametrize("n_a,k_a,n_b,k_b", [(4532, 203, 4621, 248), (300, 30, 320, 21)])
def test_sampling_figure_overlap_never_above_the_curves(n_a, k_a, n_b, k_b):
    """The figure's data: each curve is the normal density per percentage point (scipy, to 1e-9), and the
    shaded overlap is drawn from the same curves, so it is nowhere taller than either of them."""
    import matplotlib.pyplot as plt

    r = ab.analyse(n_a, k_a, n_b, k_b)
    fig = ab.plot_sampling(r, ("A", "B"))
    ax = fig.axes[0]
    (xa, ya), (xb, yb) = (line.get_data() for line in ax.get_lines())
    for (x, y), p, n in (((xa, ya), r.p_a, n_a), ((xb, yb), r.p_b, n_b)):
        se_pp = math.sqrt(p * (1 - p) / n) * 100
        np.testing.assert_allclose(y, stats.norm.pdf(x, p * 100, se_pp), rtol=1e-9, atol=1e-12)
    overlap = next(c for c in ax.collections if c.get_label() == "overlap")
    vertices = np.concatenate([path.vertices for path in overlap.get_paths()])
    assert vertices[:, 1].max() <= min(ya.max(), yb.max()) * (1 + 1e-9)
    # pointwise: at every x of the line's grid, the fill's highest vertex there is under both curves
    heights = np.zeros_like(xa)
    index = np.searchsorted(xa, vertices[:, 0]).clip(0, len(xa) - 1)
    on_grid = np.isclose(xa[index], vertices[:, 0], rtol=0, atol=1e-12)
    np.maximum.at(heights, index[on_grid], vertices[on_grid, 1])
    assert np.all(heights <= np.minimum(ya, yb) * (1 + 1e-9) + 1e-15)
    assert heights.max() > 0                       # and there is an overlap to see
    plt.close(fig)
