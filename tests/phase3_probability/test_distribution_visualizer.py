"""distribution_visualizer: every sampler passes a KS (continuous) or chi-square (discrete) test
against scipy.stats at n = 100000 (p > 0.001, fixed seeds); densities, CDFs and moments equal
scipy's; sample moments equal NumPy/scipy; the CLT; the REPL and its errors."""

import math

import numpy as np
import pytest
from PIL import Image
from scipy import stats

from phase3_probability import distribution_visualizer as dv
from tests.conftest import assert_user_error

N = 100_000

CONTINUOUS = [
    ("normal", (0, 1), stats.norm(0, 1)),
    ("normal", (3, 0.5), stats.norm(3, 0.5)),
    ("uniform", (-2, 5), stats.uniform(-2, 7)),
    ("exponential", (2.5,), stats.expon(scale=1 / 2.5)),
    ("beta", (2, 5), stats.beta(2, 5)),
    ("beta", (0.5, 0.5), stats.beta(0.5, 0.5)),
    ("gamma", (0.7, 2), stats.gamma(0.7, scale=2)),
    ("gamma", (9, 0.5), stats.gamma(9, scale=0.5)),
]
DISCRETE = [
    ("binomial", (20, 0.3), stats.binom(20, 0.3)),
    ("binomial", (1000, 0.02), stats.binom(1000, 0.02)),
    ("poisson", (4,), stats.poisson(4)),
    ("poisson", (0.3,), stats.poisson(0.3)),
    ("poisson", (250,), stats.poisson(250)),
]


def _make(name, params):
    return dv.make_distribution(name, [str(p) for p in params])


@pytest.mark.parametrize("name,params,ref", CONTINUOUS, ids=lambda v: str(v) if not hasattr(v, "cdf") else "")
def test_continuous_sampler_ks(name, params, ref):
    d = _make(name, params)
    x = d.sample(N, np.random.default_rng(12345))
    assert x.shape == (N,)
    assert stats.kstest(x, ref.cdf).pvalue > 0.001
    mean, sd, skew = dv.sample_moments(x)                     # our moments equal NumPy / scipy
    assert mean == pytest.approx(np.mean(x), rel=1e-9, abs=1e-12)
    assert sd == pytest.approx(np.std(x), rel=1e-9)
    assert skew == pytest.approx(stats.skew(x), rel=1e-9, abs=1e-12)
    m, v, s = ref.stats(moments="mvs")                        # and the theory equals scipy's
    np.testing.assert_allclose(d.moments(), (m, math.sqrt(v), s), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name,params,ref", DISCRETE, ids=lambda v: str(v) if not hasattr(v, "cdf") else "")
def test_discrete_sampler_chi_square(name, params, ref):
    d = _make(name, params)
    x = d.sample(N, np.random.default_rng(12345))
    assert x.dtype.kind == "i"
    lo, hi = int(ref.ppf(1e-4)), int(ref.ppf(1 - 1e-4))      # bins lo..hi, tails merged into the ends
    observed = np.bincount(np.clip(x, lo, hi) - lo, minlength=hi - lo + 1)
    expected = N * ref.pmf(np.arange(lo, hi + 1))
    expected[0] += N * ref.cdf(lo - 1)
    expected[-1] += N * ref.sf(hi)
    keep = expected >= 5                                      # merge sparse bins into one
    obs = np.append(observed[keep], observed[~keep].sum())
    exp = np.append(expected[keep], expected[~keep].sum())
    if exp[-1] < 5:
        obs, exp = obs[:-1], exp[:-1]
        exp *= obs.sum() / exp.sum()
    assert stats.chisquare(obs, exp).pvalue > 0.001
    mean, sd, skew = dv.sample_moments(x)
    assert (mean, sd, skew) == pytest.approx((np.mean(x), np.std(x), stats.skew(x)), rel=1e-9)
    m, v, s = ref.stats(moments="mvs")
    np.testing.assert_allclose(d.moments(), (m, math.sqrt(v), s), rtol=1e-12)


def test_densities_and_cdfs_match_scipy():
    x = np.linspace(-3, 6, 301)
    for name, params, ref in CONTINUOUS:
        d = _make(name, params)
        grid = d.grid()
        np.testing.assert_allclose(d.density(grid), ref.pdf(grid), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(d.cdf(grid), ref.cdf(grid), atol=1e-9)
    np.testing.assert_allclose(dv.normal_cdf(x, 1, 2), stats.norm(1, 2).cdf(x), atol=1e-15)
    for name, params, ref in DISCRETE:
        d = _make(name, params)
        k = d.grid()
        np.testing.assert_allclose(d.density(k), ref.pmf(k), rtol=1e-9, atol=1e-300)
        np.testing.assert_allclose(d.cdf(k), ref.cdf(k), atol=1e-9)


def test_clt_averages_become_normal():
    base = dv.Distribution("exponential", (1.0,))              # very skewed (skew 2)
    rng = np.random.default_rng(0)
    few, many = dv.clt_averages(base, 2, 20_000, rng), dv.clt_averages(base, 100, 20_000, rng)
    assert dv.ks_to_normal(many, 1.0, 0.1) < 0.02 < dv.ks_to_normal(few, 1.0, 1 / math.sqrt(2))
    assert np.std(many) == pytest.approx(0.1, rel=0.03)       # sigma / sqrt(n)
    assert abs(stats.skew(many)) < 0.35 < abs(stats.skew(few))  # skew 2 / sqrt(n)
    x = np.random.default_rng(1).normal(size=5000)
    assert dv.ks_to_normal(x, 0, 1) == pytest.approx(stats.kstest(x, "norm").statistic, abs=1e-12)


def test_parameters_change_the_distribution():
    rng = np.random.default_rng(5)
    narrow, wide = _make("normal", (0, 1)).sample(N, rng), _make("normal", (0, 3)).sample(N, rng)
    assert np.std(wide) / np.std(narrow) == pytest.approx(3, rel=0.02)
    assert np.mean(_make("poisson", (20,)).sample(N, rng)) == pytest.approx(20, rel=0.01)
    for name, values, fragment in [("normal", ["0", "-1"], "sigma"), ("binomial", ["10", "1.5"], "p <= 1"),
                                   ("poisson", ["0"], "lambda"), ("uniform", ["3", "1"], "a < b"),
                                   ("beta", ["1"], "2 parameter"), ("cauchy", ["0", "1"], "unknown distribution"),
                                   ("gamma", ["x", "1"], "numbers"), ("normal", ["nan", "1"], "finite")]:
        with pytest.raises(ValueError, match=fragment):
            dv.make_distribution(name, values)


def test_cli_transcript(run_main, tmp_path):
    res = run_main(dv.main, "--commands", "normal 0 1; sample 10000; clt 8", "--reps", "4000",
                  "--no-show", "--out", tmp_path)
    assert res.returncode == 0, res
    for line in ("=== Distribution Explorer ===", "Available: normal, binomial, poisson, exponential, uniform, beta",
                 "> normal 0 1", "Mean: 0.0, Std: 1.0, Skew: 0.0", "> sample 10000", "[Sample mean: ",
                 "> clt 8", "averaging 8 uniform(0, 1) random variables", "[Animation shows convergence"):
        assert line in res.stdout, line
    x = dv.Distribution("normal", (0.0, 1.0)).sample(10000, np.random.default_rng(42))
    assert f"[Sample mean: {np.mean(x):.3f}, Sample std: {np.std(x):.3f}" in res.stdout
    for name in ("normal_0_1.png", "sample_normal_0_1_10000.png", "clt_8.png"):
        assert (tmp_path / name).stat().st_size > 10_000
    with Image.open(tmp_path / "clt_8.gif") as gif:
        assert gif.n_frames >= 5                                # n = 1, 2, 3, 5, 8 (+ held last frame)


def test_repl_reports_errors_and_continues(run_main, tmp_path):
    res = run_main(dv.main, "--no-show", "--out", tmp_path,
                   stdin="sample 10\nfoo 1\nnormal 0 -1\npoisson 3\nsample many\nsample 500\nvary lambda 1 5\nquit\n"
                         "normal 0 1\n")
    assert res.returncode == 0, res
    assert "error: choose a distribution first" in res.stdout
    assert "error: unknown distribution or command 'foo'" in res.stdout
    assert "error: normal 0 -1: sigma must be > 0" in res.stdout
    assert "error: usage: sample N" in res.stdout
    assert (tmp_path / "poisson_3.png").exists() and (tmp_path / "sample_poisson_3_500.png").exists()
    assert (tmp_path / "vary_poisson_lambda.png").exists()
    assert not (tmp_path / "normal_0_1.png").exists()           # nothing runs after quit


def test_cli_bad_option_and_failed_script(run_main, tmp_path):
    assert_user_error(run_main(dv.main, "--reps", "0", "--out", tmp_path), "--reps")
    res = run_main(dv.main, "--commands", "cauchy 0 1; binomial 10 2; list", "--out", tmp_path)
    assert "error: unknown distribution or command 'cauchy'" in res.stdout and "  gamma k theta" in res.stdout
    assert_user_error(res, "2 command(s) in --commands failed")


# ----------------------------------------------------------------------------- the live window (Agg stands in)


@pytest.fixture
def window(monkeypatch):
    """As if a display were there: figures 'shown' on Agg, plt.show recorded instead of blocking."""
    import matplotlib.pyplot as plt

    from common import plotting

    monkeypatch.setattr(plotting, "is_headless", lambda: False)
    monkeypatch.delenv("MLFP_SCREEN", raising=False)
    shows = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: shows.append(plt.get_fignums()))
    yield shows
    plt.ioff()
    plt.close("all")


def test_repl_reads_the_next_command_while_its_window_is_open(window, monkeypatch, tmp_path):
    import builtins

    import matplotlib.pyplot as plt

    from common import cli, plotting

    lines = ["normal 0 1", "sample 10000", "quit"]
    seen = []                        # (open figures, shows so far, titles) each time a line is read

    def fake_input(prompt=""):
        titles = [ax.get_title() for n in plt.get_fignums() for ax in plt.figure(n).axes]
        seen.append((plt.get_fignums(), len(window), titles))
        return lines.pop(0)

    monkeypatch.setattr(cli, "is_interactive", lambda: True)
    monkeypatch.setattr(builtins, "input", fake_input)
    res_code = dv.main(["--out", str(tmp_path), "--reps", "500"])
    assert res_code == 0 and plotting._SHOW
    (before_normal, after_normal, after_sample) = seen
    assert before_normal[0] == []
    assert len(after_normal[0]) == 1 and after_normal[1] == 0        # open, and nothing blocked on it
    assert after_normal[2] == ["PDF of normal(0, 1)", "CDF of normal(0, 1)"]
    assert after_sample[0] == after_normal[0] and after_sample[1] == 0  # same window, still open...
    assert after_sample[2][0].startswith("10,000 samples of normal(0, 1)")  # ...now showing the histogram
    fig = plt.figure(after_sample[0][0])
    w, h = plotting.window_size(fig)
    assert w <= 1280 and h <= 800


def test_clt_animates_frame_by_frame_in_the_window(window, tmp_path):
    from common import plotting

    plotting.setup(no_show=False)
    explorer = dv.Explorer(tmp_path, np.random.default_rng(3), reps=2000)
    explorer.run("clt 30")
    fig = explorer.window
    animation = fig._mlfp_animation
    titles, widths = [], []
    fig.canvas.mpl_connect("draw_event", lambda event: (titles.append(fig.axes[0].get_title()),
                                                        widths.append(np.ptp(fig.axes[0].get_xlim()))))
    animation._init_draw()                       # what the window's first draw does: frame 0
    titles.append(fig.axes[0].get_title())
    widths.append(np.ptp(fig.axes[0].get_xlim()))
    while animation.event_source is not None and animation._step():   # what each timer tick does
        pass
    sizes = [int(t.split("n = ")[1].split()[0]) for t in titles]
    assert sizes[:9] == [1, 2, 3, 5, 8, 12, 20, 30, 30] and set(sizes[9:]) == {30}
    assert widths[3] > widths[5] > widths[7]      # the histogram narrows like sigma / sqrt(n)
    with Image.open(tmp_path / "clt_30.gif") as gif:
        assert gif.n_frames == 8                  # 8 sizes (Pillow merges the held copies of the last...)
        first = gif.info["duration"]
        gif.seek(7)
        assert gif.info["duration"] == 5 * first  # ...into one frame shown five times as long)
    # the next command takes the window over: what is left of a running animation draws nothing
    explorer.run("clt 5")
    animation = fig._mlfp_animation
    explorer.run("normal 0 1")
    assert fig._mlfp_animation is None
    animation._init_draw()
    animation._step()
    assert fig.axes[0].get_title() == "PDF of normal(0, 1)"
    w, h = plotting.window_size(fig)
    assert w <= 1280 and h <= 800
