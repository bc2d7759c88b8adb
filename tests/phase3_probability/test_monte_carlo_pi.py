"""monte_carlo_pi: hit counts equal a direct recount, thread-count invariance, 1/sqrt(n) error,
95% interval coverage, flat memory, Monte Carlo integrals vs scipy.integrate.quad."""

import math
import os
import signal
import subprocess
import sys
import time
import tracemalloc

import numpy as np
import pytest
from scipy import integrate

from common.expr import compile_expression
from phase3_probability import monte_carlo_pi as mc
from tests.conftest import REPO, assert_user_error

SCRIPT = "phase3_probability/monte_carlo_pi.py"


def _direct_hits(seed, n, chunk):
    """Recount hits from the same darts, one chunk at a time, in float32 like the fast path."""
    hits = []
    for k in range(-(-n // chunk)):
        x, y = mc.chunk_darts(seed, k, min(chunk, n - k * chunk))
        hits.append(x * x + y * y <= np.float32(1.0))
    return np.concatenate(hits)


def test_estimate_pi_with_1000_darts():
    r = mc.throw_darts(1000, seed=3)
    hits = _direct_hits(3, 1000, mc.CHUNK)
    assert r.inside == int(hits.sum()) and r.n == 1000
    assert r.estimate == 4 * r.inside / 1000
    assert abs(r.estimate - math.pi) < 4 * r.standard_error   # within 4 standard errors
    lo, hi = mc.confidence_interval(r.inside, r.n)
    assert hi - lo == pytest.approx(2 * 1.959963984540054 * r.standard_error)
    p = r.inside / 1000                                        # SE = 4 sqrt(p (1 - p) / n), closed form
    assert r.standard_error == pytest.approx(4 * math.sqrt(p * (1 - p) / 1000), rel=1e-12)
    x, y = np.array([0.6, 0.8, 1.0, 0.0], np.float32), np.array([0.7, 0.7, 0.0, 1.0001], np.float32)
    np.testing.assert_array_equal(mc.inside_quarter_circle(x, y), [True, False, True, False])


def test_checkpoints_and_thread_count_invariance():
    n, chunk = 5500, 1000
    marks = [1, 999, 1000, 1001, 2500, 5500]
    hits = np.cumsum(_direct_hits(9, n, chunk))
    results = [mc.throw_darts(n, 9, workers=w, chunk=chunk, checkpoints=marks) for w in (1, 2, 3)]
    for r in results:
        assert r.inside == int(hits[-1])
        assert r.checkpoints == {c: int(hits[c - 1]) for c in marks}


def test_error_decreases_with_more_darts():
    errors = {n: np.mean([abs(mc.throw_darts(n, s, workers=1).estimate - math.pi) for s in range(40)])
              for n in (1_000, 100_000)}
    assert errors[100_000] < errors[1_000] / 4        # 100x darts: ~10x smaller error


def test_convergence_rate_is_one_over_sqrt_n():
    ns = np.array([100, 1_000, 10_000, 100_000])
    runs = {int(n): [mc.throw_darts(int(n), s, workers=1) for s in range(60)] for n in ns}
    rmse = [math.sqrt(np.mean([(r.estimate - math.pi) ** 2 for r in runs[int(n)]])) for n in ns]
    slope = np.polyfit(np.log(ns), np.log(rmse), 1)[0]
    assert slope == pytest.approx(-0.5, abs=0.1)
    p = math.pi / 4                                    # and the level matches SE = 4 sqrt(p(1-p)/n)
    assert rmse[-1] == pytest.approx(4 * math.sqrt(p * (1 - p) / ns[-1]), rel=0.35)
    # the 95% interval is pi_hat +- 1.96 * 4 sqrt(p_hat (1 - p_hat) / n) (closed form, to 1e-12) ...
    k, n = 785, 1000
    se = 4 * math.sqrt(0.785 * 0.215 / n)
    np.testing.assert_allclose(mc.confidence_interval(k, n), (3.14 - 1.959963984540054 * se,
                                                              3.14 + 1.959963984540054 * se), rtol=1e-12)
    # ... and it covers pi in about 95% of the 60 runs at each n (at least 51 of 60)
    for n, rs in runs.items():
        covered = sum(lo <= math.pi <= hi for lo, hi in (mc.confidence_interval(r.inside, n) for r in rs))
        assert 51 <= covered <= 60, (n, covered)


def test_interval_covers_pi_95_percent_of_the_time():
    covered = [lo <= math.pi <= hi for lo, hi in
               (mc.confidence_interval(mc.throw_darts(10_000, s, workers=1).inside, 10_000) for s in range(300))]
    assert 0.91 <= np.mean(covered) <= 0.985


def test_memory_stays_flat():
    n = 20_000_000                                     # naive arrays would need 160 MB of float32
    tracemalloc.start()
    r = mc.throw_darts(n, 1, workers=2)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 32 * 2 ** 20, peak
    assert abs(r.estimate - math.pi) < 5 * r.standard_error


def test_plain_baseline_agrees_statistically():
    k = mc.plain_float64_count(2_000_000, 5)
    assert abs(4 * k / 2_000_000 - math.pi) < 5 * mc.standard_error(k, 2_000_000)


@pytest.mark.parametrize("text,a,b", [("exp(-x**2)", 0, 1), ("sin(x)", 0, math.pi), ("x**3 - x", -1, 2)])
def test_monte_carlo_integral_matches_quad(text, a, b):
    f = compile_expression(text)
    exact = integrate.quad(f, a, b)[0]
    r = mc.mc_integral(f, a, b, 400_000, seed=2, chunk=100_000, checkpoints=[1000, 400_000])
    assert abs(r.estimate - exact) < 4 * r.standard_error
    sd = math.sqrt(integrate.quad(lambda x: f(x) ** 2, a, b)[0] / (b - a) - (exact / (b - a)) ** 2)
    assert r.standard_error == pytest.approx((b - a) * sd / math.sqrt(400_000), rel=0.02)
    assert r.checkpoints[400_000] == pytest.approx(r.estimate, rel=1e-12)
    assert mc.simpson(f, a, b) == pytest.approx(exact, abs=1e-10)
    with pytest.raises(ValueError, match="not finite"):
        mc.mc_integral(compile_expression("log(x)"), -1, 1, 1000)


def test_cli_transcript(run_cli, tmp_path):
    res = run_cli(SCRIPT, "200000", "--no-show", "--out", tmp_path)
    assert res.returncode == 0, res
    assert "Running Monte Carlo simulation with 200,000 darts..." in res.stdout
    for line in ("Progress:", "  1,000 darts: π ≈ ", "  100,000 darts: π ≈ ", "  200,000 darts: π ≈ ",
                 "Standard error: ", "95% interval: [", "True π = 3.14159265"):
        assert line in res.stdout, line
    r = mc.throw_darts(200_000, 42)
    assert f"200,000 darts: π ≈ {r.estimate:.4f}" in res.stdout
    for name in ("darts.png", "convergence.png"):
        assert (tmp_path / name).stat().st_size > 10_000


@pytest.mark.slow
def test_cli_integral(run_main, tmp_path):
    res = run_main(mc.main, "--integral", "exp(-x**2)", "0", "1", "100000", "--no-show", "--out", tmp_path)
    assert res.returncode == 0, res
    estimate = float(res.stdout.split("Estimate: ")[1].split()[0])
    assert estimate == pytest.approx(0.7468241328, abs=0.004)
    assert "Simpson's rule (10,000 intervals): 0.74682413" in res.stdout
    assert (tmp_path / "integral.png").exists() and (tmp_path / "integral_convergence.png").exists()


@pytest.mark.parametrize("args,fragment", [
    (["0"], "expected a number from 1 to"),
    (["--integral", "__import__('os')", "0", "1"], "not allowed"),
    (["--integral", "x", "1", "0"], "a < b"),
    (["--integral", "x", "0", "abc"], "bounds"),
    (["--integral", "log(x)", "-1", "1", "1000"], "not finite"),
    (["--integral", "y + 1", "0", "1"], "unknown name"),
])
def test_cli_bad_inputs(run_main, tmp_path, args, fragment):
    assert_user_error(run_main(mc.main, *args, "--no-show", "--out", tmp_path), fragment)
    assert not list(tmp_path.glob("*.png"))


@pytest.mark.slow
def test_hundred_million_darts_flat_memory():
    tracemalloc.start()
    r = mc.throw_darts(100_000_000, 42)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 32 * 2 ** 20, peak
    assert abs(r.estimate - math.pi) < 5 * r.standard_error


def test_ctrl_c_stops_a_long_run_within_a_second(tmp_path):
    """10^12 darts (hours): Ctrl-C during the throwing exits 130 within a second, no traceback,
    not after every queued chunk has run."""
    log = tmp_path / "out.txt"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "phase3_probability/monte_carlo_pi.py", "1000000000000",
                                 "--no-show", "--out", str(tmp_path)], cwd=REPO, stdout=out, stderr=subprocess.PIPE,
                                text=True, env=dict(os.environ, MPLBACKEND="Agg", PYTHONUNBUFFERED="1"))
        try:
            deadline = time.monotonic() + 60
            while "darts..." not in log.read_text() and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.5)                                # well inside the throwing loop
            start = time.monotonic()
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=30)
            elapsed = time.monotonic() - start
        finally:
            proc.kill()
    assert proc.returncode == 130 and "Traceback" not in err, (proc.returncode, err)
    assert elapsed < 1.0, elapsed
