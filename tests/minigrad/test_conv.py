"""conv2d's two tiers: the textbook sum over kernel offsets (autograd) and the fused im2col one.

Both tiers must give the same output and the same gradients of x, W and b (float64, 1e-10), and
the textbook tier must equal torch.nn.functional.conv2d (float64, 1e-10). The CNN of
train_mnist.py runs end to end on the textbook tier with ``--reference``.
"""

from __future__ import annotations

import doctest
import json

import numpy as np
import pytest

import minigrad as mg
from minigrad import conv
from minigrad.gradcheck import numerical_grad

TOL = 1e-10   # float64: the tiers add the same products in a different order

# (N, C, H, W), O, k, stride, padding: square and oblong images, 1x1 to 5x5 kernels, strides that
# do and do not divide the padded size evenly
CASES = [
    ((2, 3, 7, 7), 4, 3, 1, 0),
    ((2, 3, 7, 7), 4, 3, 1, 1),
    ((1, 2, 8, 6), 3, 3, 2, 1),
    ((3, 1, 9, 10), 2, 5, 3, 2),
    ((2, 4, 5, 5), 5, 1, 1, 0),
    ((1, 2, 6, 6), 2, 2, 2, 0),
    ((2, 2, 4, 5), 3, 3, 1, 2),
]
IDS = [f"x{s}-o{o}-k{k}-s{st}-p{p}" for s, o, k, st, p in CASES]


def _inputs(shape, out_channels, k, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    w = rng.standard_normal((out_channels, shape[1], k, k))
    b = rng.standard_normal(out_channels)
    return x, w, b


def _run_minigrad(fn, x, w, b, stride, padding, weights=None, bias=True):
    """Output and the gradients of x, W (and b) of sum(fn(...) * weights): every element counts."""
    xs, ws = mg.tensor(x, requires_grad=True), mg.tensor(w, requires_grad=True)
    bs = mg.tensor(b, requires_grad=True) if bias else None
    out = fn(xs, ws, bs, stride=stride, padding=padding)
    if weights is None:
        weights = np.random.default_rng(1).standard_normal(out.shape)
    (out * mg.tensor(weights)).sum().backward()
    grads = [xs.grad, ws.grad] + ([bs.grad] if bias else [])
    return out.numpy(), grads, weights


@pytest.mark.parametrize(("shape", "o", "k", "stride", "padding"), CASES, ids=IDS)
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no-bias"])
def test_textbook_conv2d_equals_fused_forward_and_gradients(shape, o, k, stride, padding, bias):
    x, w, b = _inputs(shape, o, k)
    out_t, grads_t, weights = _run_minigrad(mg.conv2d, x, w, b, stride, padding, bias=bias)
    out_f, grads_f, _ = _run_minigrad(mg.conv2d_fused, x, w, b, stride, padding, weights, bias=bias)
    h_out = (shape[2] + 2 * padding - k) // stride + 1
    w_out = (shape[3] + 2 * padding - k) // stride + 1
    assert out_t.shape == out_f.shape == (shape[0], o, h_out, w_out)
    assert out_t.dtype == np.float64
    np.testing.assert_allclose(out_t, out_f, rtol=TOL, atol=TOL)
    for g_t, g_f, name in zip(grads_t, grads_f, ("x", "W", "b")):
        assert g_t is not None and g_t.shape == g_f.shape, name
        np.testing.assert_allclose(g_t, g_f, rtol=TOL, atol=TOL, err_msg=f"grad of {name}")


@pytest.mark.parametrize(("shape", "o", "k", "stride", "padding"), CASES, ids=IDS)
def test_textbook_conv2d_equals_torch_forward_and_gradients(shape, o, k, stride, padding):
    torch = pytest.importorskip("torch")
    x, w, b = _inputs(shape, o, k, seed=2)
    out_m, grads_m, weights = _run_minigrad(mg.conv2d, x, w, b, stride, padding)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out_t = torch.nn.functional.conv2d(xt, wt, bt, stride=stride, padding=padding)
    (out_t * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(out_m, out_t.detach().numpy(), rtol=TOL, atol=TOL)
    for g_m, t, name in zip(grads_m, (xt, wt, bt), ("x", "W", "b")):
        np.testing.assert_allclose(g_m, t.grad.numpy(), rtol=TOL, atol=TOL, err_msg=f"grad of {name}")


def test_textbook_padding_matches_numpy_and_passes_gradients_through():
    """pad2d joins zero blocks around the image; its gradient is the centre of the upstream one."""
    x = np.random.default_rng(3).standard_normal((2, 3, 4, 5))
    xs = mg.tensor(x, requires_grad=True)
    padded = conv.pad2d(xs, 2)
    np.testing.assert_array_equal(padded.numpy(), np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2))))
    g = np.random.default_rng(4).standard_normal(padded.shape)
    (padded * mg.tensor(g)).sum().backward()
    np.testing.assert_array_equal(xs.grad, g[:, :, 2:-2, 2:-2])
    assert conv.pad2d(xs, 0) is xs


def test_textbook_conv2d_gradient_equals_finite_differences():
    """Independent of both other implementations: central differences on a tiny case (1e-6)."""
    x, w, b = _inputs((1, 2, 5, 4), 2, 3, seed=5)
    weights = np.random.default_rng(6).standard_normal((1, 2, 3, 2))

    def loss(x_, w_, b_):
        return float((mg.conv2d(mg.tensor(x_), mg.tensor(w_), mg.tensor(b_), stride=2, padding=1).numpy()
                      * weights).sum())

    _, grads, _ = _run_minigrad(mg.conv2d, x, w, b, 2, 1, weights)
    numeric = [numerical_grad(lambda a: loss(a, w, b), x.copy()), numerical_grad(lambda a: loss(x, a, b), w.copy()),
               numerical_grad(lambda a: loss(x, w, a), b.copy())]
    for g, n in zip(grads, numeric):
        np.testing.assert_allclose(g, n, rtol=1e-6, atol=1e-6)


def test_worked_example_in_the_docstring_holds():
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner()
    for test in finder.find(conv.conv2d, "conv2d", globs=dict(vars(conv))):
        runner.run(test)
    summary = runner.summarize(verbose=False)
    assert summary.attempted >= 3 and summary.failed == 0


def test_both_tiers_reject_mismatched_channels():
    x, w = mg.tensor(np.zeros((1, 3, 5, 5))), mg.tensor(np.zeros((2, 2, 3, 3)))
    for fn in (mg.conv2d, mg.conv2d_fused):
        with pytest.raises(ValueError, match="channels"):
            fn(x, w)


def test_conv2d_layer_uses_the_fused_tier_by_default_and_the_textbook_on_request():
    mg.manual_seed(0)
    fast = mg.Conv2d(2, 3, 3, stride=2, padding=1, dtype=np.float64)
    plain = mg.Conv2d(2, 3, 3, stride=2, padding=1, dtype=np.float64, fused=False)
    plain.load_state_dict(fast.state_dict())
    assert fast.fused and not plain.fused and "fused=False" in repr(plain)
    x = np.random.default_rng(7).standard_normal((2, 2, 7, 7))
    outs = []
    for layer in (fast, plain):
        out = layer(mg.tensor(x))
        out.sum().backward()
        outs.append((out.numpy(), layer.weight.grad, layer.bias.grad))
    for a, b in zip(*outs):
        np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL)


def test_conv2d_layer_tier_is_visible_in_the_graph():
    """The fused layer makes one graph node straight from its parameters; the textbook one builds many."""
    mg.manual_seed(0)
    layer = mg.Conv2d(1, 2, 3, dtype=np.float64)
    x = mg.tensor(np.ones((1, 1, 5, 5)), requires_grad=True)
    fused_out = layer(x)
    assert fused_out._op == "conv2d" and layer.weight in fused_out._prev
    layer.fused = False
    plain_out = layer(x)
    assert plain_out._op != "conv2d" and layer.weight not in plain_out._prev


def test_train_mnist_cnn_runs_end_to_end_with_the_textbook_conv(run_cli, tmp_path):
    result = run_cli("phase5_capstone/train_mnist.py", "--model", "cnn", "--reference", "--train-limit", "128",
                     "--test-limit", "100", "--epochs", "1", "--width", "8", "--out", tmp_path, "--no-show")
    assert result.returncode == 0, result
    assert "Convolution: the textbook conv2d" in result.stdout
    assert "Test accuracy: " in result.stdout
    meta = json.loads((tmp_path / "cnn_mnist_minigrad.json").read_text())
    assert meta["reference"] is True and meta["train_images"] == 128


def test_train_mnist_reference_flag_builds_textbook_convs_with_the_same_numbers():
    """--reference swaps only the tier: with the same seed, the same weights and the same logits."""
    from phase5_capstone import train_mnist

    x = np.random.default_rng(8).random((3, 1, 28, 28), dtype=np.float32)
    logits = []
    for reference in (False, True):
        backend = train_mnist.MinigradBackend(0, reference=reference)
        model = backend.build("cnn", (1, 28, 28), 10, 1e-3, width=4)
        convs = [layer for layer in model if isinstance(layer, mg.Conv2d)]
        assert len(convs) == 2 and all(layer.fused is not reference for layer in convs)
        logits.append(backend.logits(x))
    np.testing.assert_allclose(logits[0], logits[1], rtol=1e-5, atol=1e-5)   # float32 model


def test_train_mnist_reference_with_torch_backend_is_a_user_error(run_main):
    from phase5_capstone import train_mnist
    from tests.conftest import assert_user_error

    assert_user_error(run_main(train_mnist.main, "--reference", "--backend", "torch"), "--reference")
