"""function_explorer (project 5, boss M3): numerical derivatives vs analytic ones (1e-6),
critical points vs scipy.optimize.brentq, tangent clicks, rolling downhill, CLI and bad input."""

import numpy as np
import pytest
from scipy.optimize import brentq

from common.expr import compile_expression
from phase2_calculus import function_explorer as fe
from tests.conftest import assert_user_error

SCRIPT = "phase2_calculus/function_explorer.py"

# (expression, analytic derivative, analytic second derivative, x range)
CASES = [
    ("x**3 - 3*x + 1", lambda x: 3 * x ** 2 - 3, lambda x: 6 * x, (-3, 3)),
    ("x**2 + 3*x + 2", lambda x: 2 * x + 3, lambda x: 2 + 0 * x, (-3, 3)),
    ("sin(x) * exp(-x/4)", lambda x: np.exp(-x / 4) * (np.cos(x) - np.sin(x) / 4),
     lambda x: np.exp(-x / 4) * (-np.sin(x) - np.cos(x) / 2 + np.sin(x) / 16), (0, 12)),
    ("log(x) + sqrt(x)", lambda x: 1 / x + 0.5 / np.sqrt(x), lambda x: -1 / x ** 2 - 0.25 * x ** -1.5, (0.5, 5)),
    ("exp(x) - 2*x", lambda x: np.exp(x) - 2, lambda x: np.exp(x), (-2, 2)),
    ("tan(x)", lambda x: 1 / np.cos(x) ** 2, lambda x: 2 * np.tan(x) / np.cos(x) ** 2, (-1.2, 1.2)),
    ("x**4 / 4 - x**2 + 100", lambda x: x ** 3 - 2 * x, lambda x: 3 * x ** 2 - 2, (-20, 20)),
    ("cos(3*x) / (1 + x**2)", lambda x: (-3 * np.sin(3 * x) * (1 + x ** 2) - 2 * x * np.cos(3 * x)) / (1 + x ** 2) ** 2,
     None, (-3, 3)),
]


@pytest.mark.parametrize("text,df,d2f,span", CASES, ids=[c[0] for c in CASES])
def test_derivatives_match_analytic(text, df, d2f, span):
    f = compile_expression(text)
    xs = np.linspace(*span, 57)
    # central differences: 1e-6 absolute, relative to max(1, |f'|) for the steep ones
    scale = np.maximum(1.0, np.abs(df(xs)))
    for method in ("central", "forward"):
        got = fe.derivative(f, xs, method=method)
        worst = int(np.argmax(np.abs(got - df(xs)) / scale))
        err = float(np.abs(got[worst] - df(xs[worst])) / scale[worst])
        assert err < 1e-6, (f"{method} difference at x = {xs[worst]:.4g}: expected f'(x) = {df(xs[worst]):.10g}, "
                            f"got {got[worst]:.10g}")
    if d2f is not None:
        assert np.max(np.abs(fe.second_derivative(f, xs) - d2f(xs)) / np.maximum(1.0, np.abs(d2f(xs)))) < 1e-5


def test_error_vs_h_shows_truncation_and_roundoff():
    f = compile_expression("sin(x) * exp(-x/4)")
    x0 = 1.3
    exact = float(np.exp(-x0 / 4) * (np.cos(x0) - np.sin(x0) / 4))
    hs = np.logspace(-14, -1, 27)
    err = fe.derivative_errors(f, x0, hs, exact=exact)
    # large h: truncation dominates, forward error ~ h (slope 1), central ~ h^2 (slope 2) on log-log axes
    big = hs > 1e-3
    slope_f = np.polyfit(np.log10(hs[big]), np.log10(err["forward"][big]), 1)[0]
    slope_c = np.polyfit(np.log10(hs[big]), np.log10(err["central"][big]), 1)[0]
    assert 0.9 < slope_f < 1.1 and 1.9 < slope_c < 2.1
    # tiny h: round-off wins, both errors grow again
    assert err["central"][0] > 100 * err["central"].min() and err["forward"][0] > 100 * err["forward"].min()
    # the best central step is near eps^(1/3), and it beats the best forward step by orders of magnitude
    assert 1e-7 <= hs[np.argmin(err["central"])] <= 1e-4
    assert err["central"].min() < 1e-3 * err["forward"].min() * 1e2
    assert err["central"].min() < 1e-9
    # the five-point reference agrees with the analytic derivative
    assert abs(float(fe.five_point_derivative(f, x0)) - exact) < 1e-11


def test_critical_points_transcript_function():
    f = compile_expression("x**3 - 3*x + 1")
    points = fe.critical_points(f, -3, 3)
    assert [p.kind for p in points] == ["max", "min"]
    roots = [brentq(lambda x: 3 * x ** 2 - 3, -2, 0), brentq(lambda x: 3 * x ** 2 - 3, 0, 2)]
    np.testing.assert_allclose([p.x for p in points], roots, atol=1e-8)
    np.testing.assert_allclose([p.y for p in points], [3.0, -1.0], atol=1e-10)
    np.testing.assert_allclose([p.curvature for p in points], [-6.0, 6.0], atol=1e-4)


def test_critical_points_other_shapes():
    sine = fe.critical_points(compile_expression("sin(x)"), 0, 7)
    np.testing.assert_allclose([p.x for p in sine], [np.pi / 2, 3 * np.pi / 2], atol=1e-8)
    assert [p.kind for p in sine] == ["max", "min"]
    assert fe.critical_points(compile_expression("x**3"), -2, 2) == []   # inflection: f' never changes sign
    quartic = fe.critical_points(compile_expression("x**4"), -2, 2.5)     # f''(0) = 0: decided by f' sign change
    assert len(quartic) == 1 and quartic[0].kind == "min" and abs(quartic[0].x) < 1e-3
    assert fe.critical_points(compile_expression("exp(x)"), -2, 2) == []


def test_tangent_line_is_local_linearisation():
    f = compile_expression("x**3 - 3*x + 1")
    slope, intercept = fe.tangent_line(f, 2.0)
    assert slope == pytest.approx(9.0, abs=1e-8) and intercept == pytest.approx(3.0 - 18.0, abs=1e-7)
    for h in (1e-1, 1e-2, 1e-3):   # the gap to the tangent shrinks like h^2
        gap = abs(f(2.0 + h) - (slope * (2.0 + h) + intercept))
        assert gap == pytest.approx(6 * h ** 2 + h ** 3, rel=1e-4)


@pytest.mark.gui
def test_click_draws_tangent_with_slope():
    from matplotlib.backend_bases import MouseEvent

    from common import plotting

    plotting.setup(no_show=True)
    f = compile_expression("x**3 - 3*x + 1")
    fig, ax, _ = fe.explorer_figure(f, "x**3 - 3*x + 1", -3, 3, fe.critical_points(f, -3, 3), [])
    clicker = fe.TangentClicker(fig, ax, f, -3, 3)
    fig.canvas.draw()
    for x in (2.0, -0.5):   # a click, then another one moves the tangent
        px, py = ax.transData.transform((x, float(f(x))))
        fig.canvas.callbacks.process("button_press_event", MouseEvent("button_press_event", fig.canvas, px, py, 1))
    assert [round(x, 6) for x, _ in clicker.slopes] == [2.0, -0.5]
    np.testing.assert_allclose([s for _, s in clicker.slopes], [9.0, 3 * 0.25 - 3], atol=1e-6)
    texts = [a.get_text() for a in clicker.artists if hasattr(a, "get_text")]
    assert texts == ["slope = -2.25"]   # only the latest tangent is shown
    import matplotlib.pyplot as plt
    plt.close("all")


def test_roll_downhill_m3_quadratic():
    """Boss M3: gradient descent on x^2 + 3x + 2 walks downhill to the minimum at x = -1.5."""
    f = compile_expression("x**2 + 3*x + 2")
    path = fe.roll_downhill(f, 2.0, 0.1, 500, (-3, 3))
    assert path[1] == pytest.approx(2.0 - 0.1 * 7.0, abs=1e-8)        # x1 = x0 - lr f'(x0)
    assert np.all(np.diff(f(path)) < 0)                                # every step goes downhill
    assert path[-1] == pytest.approx(-1.5, abs=1e-5)
    # the error shrinks by exactly (1 - 2 lr) per step on this parabola
    np.testing.assert_allclose((path[1:6] + 1.5) / (path[:5] + 1.5), 0.8, atol=1e-6)


def test_cli_rejects_code_injection(run_cli, tmp_path):
    """The real entry point: a Python call is refused by the whitelist, exit 2, nothing written."""
    assert_user_error(run_cli(SCRIPT, "__import__('os')", "--out", tmp_path), "not allowed")
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("argv,fragment", [
    (["__import__('os').system('echo hi')"], "not allowed"),
    (["x.real"], "not allowed"),
    (["x +"], "cannot parse"),
    (["y**2"], "unknown name"),
    (["x**2", "--xmin", "3", "--xmax", "1"], "--xmax"),
    (["x**2", "--tangent-at", "9"], "--tangent-at"),
    (["x**2", "--start", "-7"], "--start"),
    (["log(x)", "--xmin", "-3", "--xmax", "-1"], "not finite"),
    (["x**2", "--lr", "nan"], "--lr"),
    (["x**2", "--steps", "0"], "--steps"),
])
def test_cli_bad_input(run_main, tmp_path, argv, fragment):
    assert_user_error(run_main(fe.main, *argv, "--no-show", "--out", tmp_path), fragment)
    assert not list(tmp_path.glob("*.png"))


def test_overflowing_function_gives_one_line_and_no_warnings(run_cli, tmp_path):
    """A 309-digit coefficient (about 1.1e308, still a float) overflows f near the ends of the range:
    the table shows inf/nan, the tangent check refuses in one line, and no RuntimeWarning joins it."""
    res = run_cli(SCRIPT, "1" * 309 + "*x", "--no-show", "--out", tmp_path)
    assert res.returncode == 2, res
    assert res.stderr.strip().splitlines() == ["error: f is not defined at --tangent-at 1.8"], res.stderr
    assert "inf" in res.stdout
    res = run_cli(SCRIPT, "1e300*x**2", "--no-show", "--out", tmp_path, "--steps", "5")
    assert res.returncode == 0 and res.stderr == "", res


@pytest.mark.slow
def test_cli_transcript(run_cli, tmp_path):
    res = run_cli(SCRIPT, "x**3 - 3*x + 1", "--no-show", "--out", tmp_path, "--tangent-at", "2")
    assert res.returncode == 0, res
    assert "Critical points found: x = -1 (max), x = 1 (min)" in res.stdout
    assert "Tangent at x = 2: slope = 9.0000" in res.stdout
    assert "settled after" in res.stdout
    for name in ("function_explorer.png", "derivative_error.png", "descent.png", "rolling.gif"):
        assert (tmp_path / name).stat().st_size > 10_000, name
    from PIL import Image
    assert Image.open(tmp_path / "rolling.gif").n_frames > 10


@pytest.mark.slow
def test_cli_boss_m3(run_cli, tmp_path):
    """Boss M3: derivative of x^2 + 3x + 2, gradient descent on it, plotted step by step."""
    res = run_cli(SCRIPT, "x**2 + 3*x + 2", "--start", "2", "--lr", "0.1", "--no-show", "--out", tmp_path)
    assert res.returncode == 0, res
    assert "Critical points found: x = -1.5 (min)" in res.stdout
    assert "step   1: x = +1.300000" in res.stdout                 # 2 - 0.1 * (2*2 + 3)
    assert "settled after" in res.stdout and "x = -1.500000" in res.stdout
    assert (tmp_path / "descent.png").stat().st_size > 10_000


# ----------------------------------------------------------------------------- issue 20: -0, window size, live ball
def test_maximum_at_zero_prints_as_0_not_minus_0(run_main, tmp_path):
    """x**4 - 2*x**2: bisection lands a hair left of 0 (about -3e-13), which used to print "x = -0"."""
    f = compile_expression("x**4 - 2*x**2")
    points = fe.critical_points(f, -3, 3)
    assert [p.kind for p in points] == ["min", "max", "min"]
    assert [fe._fmt_x(p.x) for p in points] == ["-1", "0", "1"]
    assert fe._fmt_x(-3e-13) == "0" and fe._fmt_x(-0.0) == "0" and fe._fmt_x(-0.25) == "-0.25"
    res = run_main(fe.main, "x**4 - 2*x**2", "--no-show", "--out", tmp_path, "--steps", "5")
    assert res.returncode == 0, res
    assert "Critical points found: x = -1 (min), x = 0 (max), x = 1 (min)" in res.stdout
    assert "-0 " not in res.stdout and "-0.000000 " not in res.stdout and "-0)" not in res.stdout


@pytest.fixture
def live(monkeypatch):
    """Agg, but ``plotting`` believes a window is open, so ``animate`` starts a FuncAnimation whose
    timer we step by hand (Agg timers never fire)."""
    from common import plotting

    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("MLFP_SCREEN", "1280x800")
    plotting.setup(no_show=True)
    monkeypatch.setattr(plotting, "_SHOW", True)
    import matplotlib.pyplot as plt

    yield plotting
    plt.ioff()
    plt.close("all")


@pytest.mark.gui
def test_main_window_fits_1280x800(live, monkeypatch):
    f = compile_expression("x**3 - 3*x + 1")
    fig, _, _ = fe.explorer_figure(f, "x**3 - 3*x + 1", -3, 3, fe.critical_points(f, -3, 3), [], clickable=True)
    width, height = live.window_size(fig)          # canvas plus toolbar and title bar
    assert width <= 1280 and height <= 800
    assert fig.get_size_inches()[0] / fig.get_size_inches()[1] == pytest.approx(8 / 7.5)   # same shape
    monkeypatch.setattr(live, "_SHOW", False)       # the saved figure is fitted the same way
    fig2, _, _ = fe.explorer_figure(f, "x**3 - 3*x + 1", -3, 3, [], [])
    assert live.window_size(fig2)[1] <= 800


@pytest.mark.gui
def test_ball_rolls_live_in_the_main_window_frame_by_frame(live, tmp_path):
    from PIL import Image

    f = compile_expression("x**2 + 3*x + 2")
    path = fe.roll_downhill(f, 2.0, 0.1, 500, (-3, 3))
    fig, ax_f, _ = fe.explorer_figure(f, "x**2 + 3*x + 2", -3, 3, fe.critical_points(f, -3, 3), [])
    update, frames = fe.rolling_animation(f, ax_f, fig.axes[1], path, max_frames=10)
    ball, slope = ax_f.lines[-1], fig.axes[1].lines[-1]
    seen = []

    def counted(k):
        update(k)
        seen.append((k, float(ball.get_xdata()[0]), float(slope.get_ydata()[0])))

    gif = live.animate(fig, counted, frames, interval_ms=125, gif_path=tmp_path / "rolling.gif", fps=8)
    with Image.open(gif) as image:
        assert frames == 10 + 5 and image.n_frames >= 10   # GIF merges the 5 identical last frames
    seen.clear()
    animation = fig._mlfp_animation                 # playing in the main window, not only in the GIF
    animation._init_draw()
    while animation.event_source is not None and animation._step():
        pass
    assert [k for k, _, _ in seen[-frames:]] == list(range(frames))
    xs = [x for _, x, _ in seen[-frames:]]
    assert xs[0] == pytest.approx(2.0) and xs[-1] == pytest.approx(path[-1])
    assert np.all(np.diff(xs) <= 0)                 # downhill towards -1.5, one frame at a time
    assert abs(seen[-1][2]) < 1e-5                  # f'(x) on the lower plot has slid to 0
