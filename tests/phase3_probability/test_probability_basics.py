"""probability_basics (M2): empirical probabilities converge to the exact ones; mean, variance and
std by hand equal NumPy / statistics; the normal vs uniform figure and its explanation."""

import itertools
import math
import statistics

import numpy as np
import pytest
from scipy import stats

from phase3_probability import probability_basics as pb
from tests.conftest import assert_user_error


def test_exact_probabilities_by_enumeration():
    exact = pb.two_dice_exact()
    assert sum(exact.values()) == pytest.approx(1.0)
    for s in range(2, 13):
        assert exact[s] == pytest.approx((6 - abs(s - 7)) / 36)
    four_rolls = list(itertools.product(range(1, 7), repeat=4))
    assert pb.EXACT["P(at least one 6 in 4 rolls)"] == pytest.approx(np.mean([6 in r for r in four_rolls]))


def test_empirical_probabilities_converge():
    sims = pb.simulate(400_000, np.random.default_rng(3))
    np.testing.assert_allclose(pb.running_frequency(np.array([1, 0, 1, 1])), [1, 1 / 2, 2 / 3, 3 / 4], rtol=1e-15)
    for event, exact in pb.EXACT.items():
        freq = pb.running_frequency(sims[event])
        for n in (1, 10, 1000, 400_000):                           # = a direct recount of the first n trials
            assert freq[n - 1] == pytest.approx(np.count_nonzero(sims[event][:n]) / n, rel=1e-12), (event, n)
        se = math.sqrt(exact * (1 - exact) / freq.size)
        assert abs(freq[-1] - exact) < 4 * se, event               # within 4 standard errors at n = 400k
    errors = {n: np.mean([abs(pb.running_frequency(pb.simulate(n, np.random.default_rng(s))["P(heads)"])[-1] - 0.5)
                          for s in range(30)]) for n in (100, 10_000)}
    assert errors[10_000] < errors[100] / 4                        # 100x trials: ~10x smaller error
    sums = sims["two_dice_sums"]
    assert np.max(np.abs(np.bincount(sums, minlength=13)[2:] / sums.size - list(pb.two_dice_exact().values()))) < 0.004


def test_moments_without_builtins_match_numpy():
    x = np.random.default_rng(0).normal(50, 10, 5001)
    values = x.tolist()
    assert pb.mean(values) == pytest.approx(np.mean(x), rel=1e-12)
    assert pb.variance(values) == pytest.approx(np.var(x), rel=1e-12)
    assert pb.variance(values, ddof=1) == pytest.approx(statistics.variance(values), rel=1e-12)
    assert pb.std(values) == pytest.approx(np.std(x), rel=1e-12)
    assert pb.std(values, ddof=1) == pytest.approx(statistics.stdev(values), rel=1e-12)
    for v in (0.0, 1e-12, 0.25, 2.0, 1e10):
        assert pb.square_root(v) == pytest.approx(math.sqrt(v), rel=1e-14, abs=0)
    with pytest.raises(ValueError):
        pb.mean([])
    with pytest.raises(ValueError):
        pb.variance([1.0], ddof=1)
    with pytest.raises(ValueError):
        pb.square_root(-1.0)


def test_cli_transcript_and_figures(run_main, tmp_path):
    res = run_main(pb.main, "--trials", "20000", "--samples", "4000", "--no-show", "--out", tmp_path)
    assert res.returncode == 0, res
    for line in ("=== Coins and dice: 20,000 simulated trials ===", "P(heads)", "P(at least one 6 in 4 rolls)",
                 "=== Mean, variance, std without built-ins", "variance (sample, n-1)",
                 "=== Normal vs uniform (same mean 0 and std 1) ===", "within 1/2/3 sd", "central limit theorem"):
        assert line in res.stdout, line
    diffs = [float(line.split()[-1]) for line in res.stdout.splitlines()
             if line.startswith(("mean ", "variance (", "std ("))]
    assert len(diffs) == 5 and max(diffs) < 1e-9
    for name in ("convergence.png", "two_dice.png", "normal_vs_uniform.png"):
        assert (tmp_path / name).stat().st_size > 10_000
    # the explanation's numbers: both samples have std ~1 (within 0.05), and the fractions within
    # 1/2/3 sd match the exact 2 Phi(k) - 1 (normal) and min(1, k / sqrt 3) (uniform) to 2 points
    exact = {"normal": [stats.norm.cdf(k) - stats.norm.cdf(-k) for k in (1, 2, 3)],
             "uniform": [min(1.0, k / math.sqrt(3)) for k in (1, 2, 3)]}
    for name, fractions in exact.items():
        line = next(row for row in res.stdout.splitlines() if row.startswith(f"{name} ") and "within" in row)
        assert float(line.split(" std ")[1].split()[0]) == pytest.approx(1.0, abs=0.05), line
        shown = [float(v.strip(" %")) / 100 for v in line.split("sd: ")[1].split("/")]
        np.testing.assert_allclose(shown, fractions, atol=0.02, err_msg=line)
    # and the uniform with mean 50, sd 10 has exactly that mean and sd (scipy, to 1e-12)
    a, b = pb.uniform_bounds(50.0, 10.0)
    assert stats.uniform(a, b - a).mean() == pytest.approx(50.0, rel=1e-12)
    assert stats.uniform(a, b - a).std() == pytest.approx(10.0, rel=1e-12)
    x = np.array([-2.5, -0.5, 0.2, 1.5, 3.5])
    assert pb.fraction_within(x, 0.5, 1.0, (1, 2, 3)) == pytest.approx([0.6, 0.6, 1.0])   # the ends count
    assert pb.fraction_within(x, 0.5, 0.5, (1, 2, 3)) == pytest.approx([0.2, 0.6, 0.6])   # k sd, not k


def test_cli_bad_inputs(run_main, tmp_path):
    assert_user_error(run_main(pb.main, "--trials", "0", "--out", tmp_path), "--trials")
    assert_user_error(run_main(pb.main, "--samples", "1", "--out", tmp_path), "--samples")
    assert not list(tmp_path.glob("*.png"))
