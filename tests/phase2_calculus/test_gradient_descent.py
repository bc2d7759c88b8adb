"""gradient_descent (project 6): every optimiser equals torch.optim step for step (float64, 1e-10,
100 steps), Adam reaches Rosenbrock's minimum, momentum beats zig-zagging GD, CLI and bad input."""

import numpy as np
import pytest

from phase2_calculus import gradient_descent as gd
from tests.conftest import assert_user_error

SCRIPT = "phase2_calculus/gradient_descent.py"
torch = pytest.importorskip("torch")

# ours, the torch optimiser with the same hyper-parameters, and a learning rate
TORCH_TWINS = {
    "gd": (lambda lr: gd.GD(lr), lambda p, lr: torch.optim.SGD([p], lr=lr), 1e-3),
    "momentum": (lambda lr: gd.Momentum(lr, mu=0.9), lambda p, lr: torch.optim.SGD([p], lr=lr, momentum=0.9), 2e-4),
    "nesterov": (lambda lr: gd.Nesterov(lr, mu=0.9),
                 lambda p, lr: torch.optim.SGD([p], lr=lr, momentum=0.9, nesterov=True), 2e-4),
    "rmsprop": (lambda lr: gd.RMSProp(lr, alpha=0.99, eps=1e-8),
                lambda p, lr: torch.optim.RMSprop([p], lr=lr, alpha=0.99, eps=1e-8), 1e-2),
    "adam": (lambda lr: gd.Adam(lr, 0.9, 0.999, 1e-8),
             lambda p, lr: torch.optim.Adam([p], lr=lr, betas=(0.9, 0.999), eps=1e-8), 0.1),
}


def _torch_rosenbrock(p):
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


@pytest.mark.parametrize("name", list(TORCH_TWINS))
@pytest.mark.parametrize("objective,torch_f", [
    (gd.ROSENBROCK, _torch_rosenbrock),
    (gd.SINSIN, lambda p: torch.sin(p[0]) + torch.sin(p[1])),
])
def test_optimizer_matches_torch_step_for_step(name, objective, torch_f):
    ours_factory, torch_factory, lr = TORCH_TWINS[name]
    ours = ours_factory(lr)
    p = np.array([2.0, 2.0])
    tp = torch.tensor([2.0, 2.0], dtype=torch.float64, requires_grad=True)
    opt = torch_factory(tp, lr)
    for k in range(100):
        opt.zero_grad()
        torch_f(tp).backward()
        np.testing.assert_allclose(objective.grad(p), tp.grad.numpy(), rtol=1e-12, atol=1e-12)
        opt.step()
        p = ours.step(p, objective.grad(p))
        np.testing.assert_allclose(p, tp.detach().numpy(), rtol=0, atol=1e-10, err_msg=f"{name} step {k + 1}")
    assert np.linalg.norm(p - [2.0, 2.0]) > 1e-3   # it really moved


def test_adam_from_2_2_reaches_rosenbrock_minimum():
    r = gd.minimize(gd.ROSENBROCK, gd.Adam(gd.DEFAULT_LR["rosenbrock"]["adam"]), (2.0, 2.0))
    assert r.converged and not r.diverged
    assert np.max(np.abs(r.path[-1] - [1.0, 1.0])) < 1e-3
    assert r.values[0] == pytest.approx(401.0) and r.values[-1] < 1e-6


def test_numerical_gradient_matches_analytic():
    rng = np.random.default_rng(0)
    for objective in (gd.BOWL, gd.ROSENBROCK, gd.SINSIN):
        for p in rng.uniform(-2, 2, size=(20, 2)):
            g = objective.grad(p)
            np.testing.assert_allclose(gd.numerical_gradient(objective.f, p), g, atol=1e-6 * max(1, np.abs(g).max()))


def test_minimize_x_squared_basic_loop():
    """Milestone 1: x <- x - lr * 2x shrinks x by (1 - 2 lr) each step."""
    r = gd.minimize(gd.custom_objective("x**2"), gd.GD(0.1), (3.0, 0.0), tol=1e-8)
    assert r.converged and abs(r.path[-1, 0]) < 1e-8
    np.testing.assert_allclose(r.path[1:10, 0] / r.path[:9, 0], 0.8, rtol=1e-6)


def test_2d_partial_derivatives_bowl():
    """Milestone 2: each coordinate follows its own partial derivative."""
    r = gd.minimize(gd.custom_objective("x**2 + 4*y**2"), gd.GD(0.1), (1.0, 1.0), tol=1e-8)
    np.testing.assert_allclose(r.path[1], [1 - 0.1 * 2, 1 - 0.1 * 8], atol=1e-8)
    assert r.converged and np.linalg.norm(r.path[-1]) < 1e-8


def test_momentum_cures_zigzag():
    """Milestone 3: in a narrow valley vanilla GD zig-zags across it and crawls along it; momentum
    needs far fewer steps at the same learning rate."""
    valley = gd.custom_objective("x**2 + 25*y**2")
    zigzag = gd.minimize(valley, gd.GD(0.035), (2.0, 2.0), tol=1e-6)
    assert np.all(np.sign(zigzag.path[1:8, 1]) == [-1, 1, -1, 1, -1, 1, -1])   # y flips side every step
    slow = gd.minimize(valley, gd.GD(0.01), (2.0, 2.0), tol=1e-6)
    fast = gd.minimize(valley, gd.Momentum(0.01), (2.0, 2.0), tol=1e-6)
    assert slow.converged and fast.converged and fast.iterations < 0.5 * slow.iterations
    # Rosenbrock's curved valley: after 3000 steps momentum is 4x closer to (1, 1) than GD
    ros_gd = gd.minimize(gd.ROSENBROCK, gd.GD(1e-3), (2.0, 2.0), max_iter=3000)
    ros_m = gd.minimize(gd.ROSENBROCK, gd.Momentum(2e-4), (2.0, 2.0), max_iter=3000)
    assert np.linalg.norm(ros_m.path[-1] - 1) < 0.25 * np.linalg.norm(ros_gd.path[-1] - 1)


def test_divergence_is_reported():
    r = gd.minimize(gd.BOWL, gd.GD(1.5), (2.0, 2.0), max_iter=5000)
    assert r.diverged and not r.converged


def test_cli_menu_from_stdin_error(run_cli, tmp_path):
    """Real entry point: the menu with nothing on stdin is a one-line error."""
    res = run_cli(SCRIPT, "--no-show", "--out", tmp_path, input="")
    assert_user_error(res, "no choice")
    assert "Choose function to minimize:" in res.stdout


@pytest.mark.parametrize("argv,fragment", [
    (["--function", "__import__('os')"], "not allowed"),
    (["--function", "banana"], "unknown function"),
    (["--function", "custom"], "formula"),
    (["--function", "x**2 + z"], "unknown name"),
    (["--function", "1", "--start", "a,b"], "--start"),
    (["--function", "1", "--start", "1,2,3"], "--start"),
    (["--function", "1", "--lr", "-1"], "--lr"),
    (["--function", "1", "--optimizer", "lbfgs"], "--optimizer"),
    (["--function", "log(x) + y", "--start=-1,0"], "not finite"),
])
def test_cli_bad_input(run_main, tmp_path, argv, fragment):
    assert_user_error(run_main(gd.main, *argv, "--no-show", "--out", tmp_path), fragment)


@pytest.mark.slow
def test_cli_transcript_menu(run_cli, tmp_path):
    res = run_cli(SCRIPT, "--no-show", "--out", tmp_path, input="2\n")
    assert res.returncode == 0, res
    out = res.stdout
    for line in ("Choose function to minimize:", "2. f(x,y) = (1-x)² + 100(y-x²)² (Rosenbrock - hard)", "> 2",
                 "Starting point: (2.0, 2.0)", "Algorithm: Adam", "Iteration 0: f(x,y) = 401", "Iteration 100:",
                 "Converged!", "Minimum found at: (1.0001, 1.0002)", "True minimum: (1, 1)"):
        assert line in out, line
    for name in ("surface.png", "contour.png", "loss.png", "path.gif"):
        assert (tmp_path / name).stat().st_size > 20_000


@pytest.mark.slow
def test_cli_compare_and_custom(run_cli, tmp_path):
    res = run_cli(SCRIPT, "--function", "rosenbrock", "--compare", "--iterations", "5000", "--no-show",
                  "--out", tmp_path)
    assert res.returncode == 0, res
    for label in ("Vanilla GD", "Momentum", "Nesterov", "RMSProp", "Adam"):
        assert label in res.stdout
    assert "converged" in res.stdout and "max iter" in res.stdout
    for name in ("compare_surface.png", "compare_contour.png", "compare_loss.png"):
        assert (tmp_path / name).stat().st_size > 20_000
    res = run_cli(SCRIPT, "--no-show", "--out", tmp_path, input="4\nx**2 + 3*y**2 + x*y\n")
    assert res.returncode == 0, res
    assert "Gradient: numerical" in res.stdout and "Converged!" in res.stdout


# ----------------------------------------------------------------------------- issue 20: menu, live path
@pytest.mark.parametrize("stdin,fragment", [
    ("9\n", "9 is not a menu entry"),          # was read as the function f(x, y) = 9 and "converged"
    ("0\n", "not a menu entry"),
    ("2.5\n", "not a menu entry"),
    ("x**2 + y**2\n", "type 4, then the formula"),
    ("4\n9\n", "uses neither x nor y"),
])
def test_menu_refuses_what_is_not_an_entry(run_main, tmp_path, stdin, fragment):
    res = run_main(gd.main, "--no-show", "--out", tmp_path, stdin=stdin)
    assert_user_error(res, fragment)
    assert "Type 1-4" in res.stdout and "Converged" not in res.stdout


@pytest.mark.parametrize("argv,fragment", [
    (["--function", "9"], "plain number names a menu entry"),
    (["--function", "-3.5"], "plain number"),
    (["--function", "2*pi"], "uses neither x nor y"),
])
def test_function_option_refuses_a_constant(run_main, tmp_path, argv, fragment):
    assert_user_error(run_main(gd.main, *argv, "--no-show", "--out", tmp_path), fragment)


def test_menu_entries_by_number_and_name():
    assert [gd.menu_entry(a) for a in ("1", "2", "3", "4", "Rosenbrock", "sinsin")] == \
        ["bowl", "rosenbrock", "sinsin", "custom", "rosenbrock", "sinsin"]
    assert gd.choose_objective("2") is gd.ROSENBROCK
    assert gd.choose_objective("x**2 + y").name == "custom"


def test_frame_iterations_grow_to_the_whole_path():
    counts = gd.frame_iterations(3377, 24)
    assert counts[0] == 1 and counts[-1] == 3377 and np.all(np.diff(counts) > 0)
    assert list(gd.frame_iterations(3, 24)) == [1, 2, 3]


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
def test_path_walks_down_the_surface_frame_by_frame(live, tmp_path):
    runs = {"adam": gd.minimize(gd.BOWL, gd.Adam(0.1), (2.0, 2.0)),
            "gd": gd.minimize(gd.BOWL, gd.GD(0.1), (2.0, 2.0))}
    fig, update, frames = gd.path_animation(gd.BOWL, runs, n_frames=10)
    assert live.window_size(fig)[0] <= 1280 and live.window_size(fig)[1] <= 800
    lines = {line.get_label(): line for line in fig.axes[0].lines if line.get_label() in ("Adam", "Vanilla GD")}
    shown = []

    def counted(frame):
        update(frame)
        shown.append((frame, len(lines["Adam"].get_data_3d()[0]), len(lines["Vanilla GD"].get_data_3d()[0])))

    gif = live.animate(fig, counted, frames, interval_ms=100, gif_path=tmp_path / "path.gif", fps=8)
    with __import__("PIL.Image").Image.open(gif) as image:
        assert image.n_frames == frames
    shown.clear()
    animation = fig._mlfp_animation                 # the live animation in the window
    animation._init_draw()
    while animation.event_source is not None and animation._step():
        pass
    assert [f for f, _, _ in shown[-frames:]] == list(range(frames))     # every frame, in order
    adam = [n for _, n, _ in shown[-frames:]]
    assert adam[0] == 1 and adam[-1] == len(runs["adam"].path) and adam == sorted(adam)
    assert shown[-1][2] == len(runs["gd"].path)      # each path ends at its own last point
    dot = fig.axes[0].lines[1].get_data_3d()
    np.testing.assert_allclose([dot[0][0], dot[1][0]], runs["adam"].path[-1])


def test_menu_on_a_terminal_explains_and_asks_again(monkeypatch, capsys):
    """At a terminal a wrong entry is explained and the menu asks again (piped input stops instead)."""
    answers = iter(["9", "bowl"])
    monkeypatch.setattr(gd.cli, "is_interactive", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    assert gd.choose_objective(None) is gd.BOWL
    out = capsys.readouterr().out
    assert "9 is not a menu entry: type 1, 2, 3 or 4" in out
