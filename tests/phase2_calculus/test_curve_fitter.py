"""curve_fitter (project 7): chain-rule gradients vs finite differences, every GD fit within 1% of
the closed-form / scipy.optimize.curve_fit MSE on the Seattle temperatures, the sinusoid wins,
overfitting shows, CLI and bad input."""

import numpy as np
import pytest
from scipy.optimize import curve_fit

from phase2_calculus import curve_fitter as cf
from tests.conftest import assert_user_error

SCRIPT = "phase2_calculus/curve_fitter.py"


@pytest.fixture(scope="module")
def series():
    t, y, first, _ = cf.load_series("temperature_data.csv", None, "date")
    return t, y


@pytest.fixture(scope="module")
def fits(series):
    t, y = series
    return {f.model.name: f for f in (cf.fit_gd(m, t, y) for m in cf.standard_models(t.max(), 8))}


def test_series_is_the_bundled_seattle_data(series):
    t, y = series
    assert len(y) == 1461 and t[0] == 0 and t[-1] == 1460
    assert np.all(np.isfinite(y)) and 10 < y.mean() < 15


@pytest.mark.parametrize("model", [cf.Polynomial(1460, 1), cf.Polynomial(1460, 5), cf.Exponential(1460),
                                   cf.Sinusoid(1460)], ids=lambda m: m.name)
def test_chain_rule_gradient_matches_finite_differences(series, model):
    t, y = series
    rng = np.random.default_rng(1)
    theta = model.init(t, y) + rng.normal(0, 0.1, size=len(model.init(t, y)))
    g = cf.mse_gradient(model, theta, t, y)
    for k in range(len(theta)):
        e = np.zeros_like(theta)
        e[k] = 1e-6
        numeric = (cf.mse(model, theta + e, t, y) - cf.mse(model, theta - e, t, y)) / 2e-6
        assert numeric == pytest.approx(g[k], rel=1e-6, abs=1e-6)


def test_gd_fits_reach_reference_mse_within_1_percent(series, fits):
    t, y = series
    n_checked = 0
    for name, fit in fits.items():
        model = fit.model
        if isinstance(model, cf.Polynomial):   # closed form: least squares
            ref = cf.mse(model, cf.closed_form_polynomial(model, t, y), t, y)
            ref_sp = ref
        elif isinstance(model, cf.Sinusoid):   # closed form in the (1, sin, cos) basis, and curve_fit
            basis = np.column_stack([np.ones_like(t), np.sin(model.w * t), np.cos(model.w * t)])
            coef = np.linalg.lstsq(basis, y, rcond=None)[0]
            ref = float(np.mean((basis @ coef - y) ** 2))
            popt, _ = curve_fit(lambda tt, c, a, p, w=model.w: c + a * np.sin(w * tt - p), t, y, p0=model.init(t, y))
            ref_sp = cf.mse(model, popt, t, y)
            assert ref_sp == pytest.approx(ref, rel=1e-9)
        else:                                   # exponential: only curve_fit
            popt, _ = curve_fit(lambda tt, a, b, s=model.t_max: a * np.exp(b * tt / s), t, y, p0=model.init(t, y))
            ref = ref_sp = cf.mse(model, popt, t, y)
        assert fit.mse <= ref * 1.01 and fit.mse <= ref_sp * 1.01, (name, fit.mse, ref)
        assert fit.mse >= ref * (1 - 1e-9), (name, fit.mse, ref)   # cannot beat the optimum
        n_checked += 1
    assert n_checked == 5


def test_sinusoid_wins_and_means_something(fits):
    best = min(fits.values(), key=lambda f: f.mse)
    assert best.model.name == "Sinusoidal"
    c, amp, phi = best.model.canonical(best.theta)
    assert 11.5 < c < 13.5 and 6 < amp < 9
    peak_day = ((np.pi / 2 + phi) / best.model.w) % 365.25
    assert 180 < peak_day < 230   # warmest in July/August
    assert best.mse < 0.5 * min(f.mse for f in fits.values() if f is not best)


def test_training_loss_decreases(fits):
    for fit in fits.values():
        history = np.array(fit.history)
        assert len(history) > 3 and np.all(np.diff(history) <= 1e-12 * history[:-1])
        assert history[-1] < history[0]


def test_line_fit_is_linear_regression(series, fits):
    """Milestone 1: GD on the line equals numpy.polyfit's slope and intercept."""
    t, y = series
    fit = fits["Linear"]
    coef = fit.model.power_coefficients(fit.theta)
    slope, intercept = np.polyfit(t, y, 1)
    assert coef[1] == pytest.approx(slope, rel=1e-3) and coef[0] == pytest.approx(intercept, rel=1e-4)


def test_overfitting_with_high_degree(series):
    t, y = series
    degrees, train, val, idx = cf.overfitting_curve(t, y, range(0, 21), 40, seed=42)
    assert len(idx) == 40
    assert np.all(np.diff(train) <= 1e-9 * train[:-1])          # more parameters never fit the sample worse
    assert train[-1] < 0.2 * train[0]
    assert val[-1] > 100 * val.min()                            # but the held-out error explodes
    assert 1 <= degrees[np.argmin(val)] <= 15


def _write(path, text):
    path.write_text(text)
    return path


def test_cli_missing_file(run_main, tmp_path):
    assert_user_error(run_main(cf.main, tmp_path / "nope.csv", "--out", tmp_path), "no such file")


def test_cli_bad_input(run_main, tmp_path):
    nan = _write(tmp_path / "nan.csv", "date,temp\n" + "".join(f"2020-01-{d:02d},{d}\n" for d in range(1, 20))
                 + "2020-01-20,\n")
    words = _write(tmp_path / "words.csv", "date,temp\n" + "".join(f"2020-01-{d:02d},warm\n" for d in range(1, 20)))
    few = _write(tmp_path / "few.csv", "date,temp\n2020-01-01,3\n2020-01-02,4\n")
    nocol = _write(tmp_path / "nocol.csv", "date,wind\n" + "".join(f"2020-01-{d:02d},{d}\n" for d in range(1, 20)))
    baddate = _write(tmp_path / "baddate.csv", "date,temp\n" + "".join(f"day{d},{d}\n" for d in range(1, 20)))
    binary = tmp_path / "bin.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    empty = _write(tmp_path / "empty.csv", "")
    out = tmp_path / "out"
    for argv, fragment in [([nan], "missing or not numbers"), ([words], "not numbers"), ([few], "at least 10"),
                           ([nocol], "--column"), ([nocol, "--column", "temp"], "no column"),
                           ([baddate], "unreadable date"), ([binary], "not a text csv"), ([empty], "empty"),
                           (["temperature_data.csv", "--degree", "0"], "--degree"),
                           (["temperature_data.csv", "--train-size", "5000"], "--train-size")]:
        assert_user_error(run_main(cf.main, *argv, "--no-show", "--out", out), fragment)
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.slow
def test_cli_transcript(run_cli, tmp_path):
    res = run_cli(SCRIPT, "temperature_data.csv", "--no-show", "--out", tmp_path)
    assert res.returncode == 0, res
    out = res.stdout
    assert "Loaded 1461 daily temperature readings" in out
    for label in ("Linear:", "Quadratic:", "Poly (deg 8):", "Exponential:", "Sinusoidal:"):
        assert label in out
    assert "Sinusoidal:   MSE =    8.12" in out and "← Best fit!" in out.split("Sinusoidal:")[1].splitlines()[0]
    assert "T(t) = 12.3 + 7.5 * sin(2π*t/365.25 - 1.93)" in out
    assert "Interpretation: Average temp 12.3°C, amplitude 7.5°C, phase shift 1.93 rad" in out
    for name in ("fits.png", "loss.png", "overfitting.png"):
        assert (tmp_path / name).stat().st_size > 20_000


@pytest.mark.slow
def test_cli_own_csv(run_cli, tmp_path):
    """A user CSV with its own column names and no date column: t is the row number."""
    rng = np.random.default_rng(0)
    days = np.arange(400)
    temp = 10 + 5 * np.sin(2 * np.pi * days / 365.25 - 0.5) + rng.normal(0, 1, 400)
    path = tmp_path / "mine.csv"
    path.write_text("day,reading\n" + "".join(f"{d},{v:.3f}\n" for d, v in zip(days, temp)))
    res = run_cli(SCRIPT, path, "--column", "reading", "--no-show", "--out", tmp_path, "--degree", "3")
    assert res.returncode == 0, res
    assert "Loaded 400 daily temperature readings; temperature = reading" in res.stdout
    assert "T(t) = 10.0 + 5.1 * sin(2π*t/365.25 - 0.48)" in res.stdout   # truth: 10 + 5 sin(.. - 0.5) + noise
