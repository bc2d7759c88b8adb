"""backprop_viz (project 18): the trainer core, vanishing gradients (sigmoid vs ReLU), the window
driven by synthetic matplotlib key/mouse events, and the headless CLI."""

import re

import numpy as np
import pytest

from phase4_ml import backprop_viz as bv
from tests.conftest import assert_user_error

SCRIPT = "phase4_ml/backprop_viz.py"
DEEP = [2, 8, 8, 8, 8, 8, 1]          # 6 weight layers (5 hidden)


@pytest.mark.parametrize("name", bv.DATASETS)
def test_datasets_are_balanced_2d(name):
    x, y = bv.make_dataset(name, n=200, seed=0)
    assert x.shape == (200, 2) and y.shape == (200,)
    assert set(np.unique(y)) == {0, 1} and 80 <= y.sum() <= 120
    assert np.abs(x).max() < 2.5


@pytest.mark.parametrize("seed", range(5))
def test_vanishing_gradients_sigmoid_not_relu(seed):
    """6 sigmoid layers: ||dL/dW_1|| is >= 100x smaller than ||dL/dW_6||; with ReLU it is not."""
    sig = bv.Trainer(DEEP, "sigmoid", "xor", seed=seed).gradient_norms()
    relu = bv.Trainer(DEEP, "relu", "xor", seed=seed).gradient_norms()
    assert len(sig) == 6 and np.all(sig > 0)
    assert sig[0] / sig[-1] <= 1e-2, sig
    assert relu[0] / relu[-1] > 1e-2, relu
    # and the shrinking is layer by layer (each step back multiplies by sigmoid' <= 1/4)
    assert np.all(np.diff(np.log(sig)) > 0), sig


def test_trainer_learns_and_edits_architecture():
    t = bv.Trainer([2, 4, 4, 1], "tanh", "xor", lr=0.1, seed=0)
    first = t.loss
    t.step(150)
    assert t.steps == 150 and len(t.losses) == 150
    assert t.loss < first / 3 and t.accuracy() > 0.9
    t.add_layer()
    assert t.sizes == [2, 4, 4, 4, 1] and t.losses == [] and t.steps == 0
    t.add_neuron()
    assert t.sizes == [2, 5, 5, 5, 1]
    t.remove_neuron()
    t.remove_layer()
    t.remove_layer()
    t.remove_layer()
    t.remove_layer()                    # cannot go below input -> output
    assert t.sizes == [2, 1]
    t.set_activation("relu")
    assert t.activation == "relu" and t.model.init == "he"


@pytest.fixture
def viz():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    v = bv.Visualizer(bv.Trainer([2, 4, 4, 1], "tanh", "xor", seed=0))
    v.fig.canvas.draw_idle = lambda *args, **kwargs: None   # Agg renders on draw_idle; the artists are checked
    yield v
    plt.close(v.fig)


def _key(v, key):
    from matplotlib.backend_bases import KeyEvent

    v.fig.canvas.callbacks.process("key_press_event", KeyEvent("key_press_event", v.fig.canvas, key=key))


def _mouse(v, name, xy, button=None):
    from matplotlib.backend_bases import MouseEvent

    event = MouseEvent(name, v.fig.canvas, float(xy[0]), float(xy[1]), button=button)
    v.fig.canvas.callbacks.process(name, event)


def _click(v, ax):
    center = ax.transAxes.transform((0.5, 0.5))
    _mouse(v, "button_press_event", center, button=1)
    _mouse(v, "button_release_event", center, button=1)


@pytest.mark.gui
def test_window_events_drive_model_and_drawing(viz):
    v, t = viz, viz.t
    params = t.model.params.copy()
    widths = v.edges.get_linewidths().copy()
    _key(v, " ")                                           # SPACE: one step
    assert t.steps == 1 and len(t.losses) == 1
    assert not np.array_equal(params, t.model.params)
    assert not np.array_equal(widths, v.edges.get_linewidths())
    assert "step 1," in v.ax_net.get_title()
    assert len(v.ax_loss.lines[0].get_xdata()) == 1

    _key(v, "1")                                           # toggle to Sigmoid
    assert t.activation == "sigmoid" and v.radio.value_selected == "Sigmoid"
    assert "Sigmoid" in v.ax_net.get_title() and t.steps == 0
    v.radio.set_active(1)                                  # the ReLU radio button
    assert t.activation == "relu"

    n_edges = len(v.edges.get_segments())
    _click(v, v.buttons["+ layer"].ax)                     # button: add a layer
    assert t.sizes == [2, 4, 4, 4, 1]
    assert len(v.edges.get_segments()) == n_edges + 16
    assert len(v.grad_bars) == 4
    _key(v, "n")                                           # key: one more neuron per hidden layer
    assert t.sizes == [2, 5, 5, 5, 1]
    _click(v, v.buttons["step"].ax)
    assert t.steps == 1

    _key(v, "r")                                           # run ... (timer ticks step 5 at a time)
    assert v.running
    v._tick()
    assert t.steps == 6
    _key(v, "r")                                           # ... and pause
    assert not v.running


@pytest.mark.gui
def test_hover_shows_true_activation_and_gradient(viz):
    v, t = viz, viz.t
    _key(v, " ")
    k = v.node_ids.index((2, 1))                           # hidden layer 2, neuron 2
    _mouse(v, "motion_notify_event", v.ax_net.transData.transform(v.node_xy[k]))
    assert v.hover.get_visible()
    text = v.hover.get_text()
    assert "layer 2, neuron 2" in text and "activation" in text and "gradient" in text and "||dL/dW||" in text

    # independent forward pass: the mean activation shown
    m = t.model
    a = np.tanh(np.tanh(t.x @ m.W[0] + m.b[0]) @ m.W[1] + m.b[1])
    shown = float(re.search(r"activation: mean ([+-][\d.]+)", text).group(1))
    assert shown == pytest.approx(a[:, 1].mean(), abs=5e-4)
    # the gradient shown is dL/db of that neuron: check it by central differences
    eps = 1e-6
    losses = []
    for sign in (1, -1):
        m.b[1][1] += sign * eps
        losses.append(m.loss(m.forward(t.x), t.y))
        m.b[1][1] -= sign * eps
    numeric = (losses[0] - losses[1]) / (2 * eps)
    grad = float(re.search(r"gradient dL/db: ([+-][\d.e+-]+)", text).group(1))
    assert grad == pytest.approx(numeric, rel=5e-3, abs=1e-9)

    _mouse(v, "motion_notify_event", v.ax_loss.transAxes.transform((0.5, 0.5)))   # away: hidden again
    assert not v.hover.get_visible()


def test_cli_headless_saves_frames_and_gif(run_cli, tmp_path):
    """The real subprocess path: a 6-layer sigmoid net, frames + GIF, vanishing gradients printed."""
    res = run_cli(SCRIPT, "--headless", "--steps", "2", "--frames", "2", "--layers", "2,8,8,8,8,8,1",
                  "--activation", "sigmoid", "--out", tmp_path)
    assert res.returncode == 0, res
    assert "=== Backpropagation Visualizer ===" in res.stdout and "Network: 2 → 8 → 8 → 8 → 8 → 8 → 1" in res.stdout
    assert "After 2 steps: loss" in res.stdout and "(3 frames)" in res.stdout
    ratios = [float(r) for r in re.findall(r"first / last = ([\d.e+-]+)", res.stdout)]
    assert len(ratios) == 2 and max(ratios) <= 1e-2 and "(vanishing gradients)" in res.stdout
    assert (tmp_path / "backprop_viz.png").stat().st_size > 20_000
    from PIL import Image

    with Image.open(tmp_path / "backprop_viz.gif") as gif:
        assert gif.n_frames == 3


@pytest.mark.parametrize("args,fragment", [
    (("--layers", "3,4,1"), "--layers"),
    (("--layers", "2,64,1"), "--layers"),
    (("--layers", "2,4,0,1"), "--layers"),
    (("--dataset", "mnist"), "--dataset"),
    (("--activation", "gelu"), "--activation"),
    (("--steps", "0"), "--steps"),
])
def test_cli_bad_input(run_main, tmp_path, args, fragment):
    assert_user_error(run_main(bv.main, "--headless", *args, "--out", tmp_path), fragment)
    assert not list(tmp_path.iterdir())


@pytest.mark.gui
def test_window_fits_a_1280x800_screen(viz, monkeypatch):
    from common import plotting

    w_in, h_in = viz.fig.get_size_inches()
    width, height = plotting.window_size(viz.fig)        # canvas at its dpi + toolbar and title bar
    assert width <= 1280 and height <= 800
    assert w_in / h_in == pytest.approx(14 / 8, rel=1e-9)   # shrunk, not squashed
    assert height == 800 or width == 1280                  # and no smaller than it has to be
    monkeypatch.setenv("MLFP_SCREEN", "1024x600")           # a smaller screen: a smaller window
    small = bv.Visualizer(bv.Trainer([2, 3, 1], "tanh", "xor", seed=0))
    assert plotting.window_size(small.fig)[0] <= 1024 and plotting.window_size(small.fig)[1] <= 600
    import matplotlib.pyplot as plt

    plt.close(small.fig)
