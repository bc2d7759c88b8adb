"""neural_network (project 17, M6): hand-written backprop vs finite differences (rel. error < 1e-6,
float64) and vs PyTorch autograd (1e-10, float64); Adam/SGD vs torch.optim; perceptron AND/OR/XOR;
the MNIST CLI end to end (quick subset) and at full size (slow: >= 98.0% test accuracy)."""

import json
import re

import numpy as np
import pytest

from phase4_ml import neural_network as nn
from tests.conftest import assert_user_error, needs_dataset

SCRIPT = "phase4_ml/neural_network.py"
CASES = [(act, out) for act in ("relu", "sigmoid", "tanh") for out in ("softmax", "sigmoid", "linear")]


def _batch(out: str, n: int = 9, d: int = 5, k: int = 4, seed: int = 1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    if out == "softmax":
        return x, rng.integers(0, k, n), k
    if out == "sigmoid":
        return x, rng.integers(0, 2, n), 1
    return x, rng.standard_normal((n, 2)), 2


TIERS = pytest.mark.parametrize("reference", [False, True], ids=["fast", "textbook"])


@pytest.mark.parametrize("activation,output", CASES)
@pytest.mark.parametrize("init", ["he", "xavier"])
@TIERS
def test_gradient_check_every_layer_and_activation(activation, output, init, reference):
    """Both tiers' backward against central differences (the textbook tier: mlp_backward)."""
    x, y, k = _batch(output)
    model = nn.MLP([5, 7, 6, k], activation=activation, output=output, init=init, dtype=np.float64, seed=3,
                   reference=reference)
    errors = nn.gradient_check(model, x, y)          # every entry of every W and b
    assert [name for name, _ in errors] == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert max(e for _, e in errors) < 1e-6, errors


def test_gradient_check_detects_a_wrong_backward(monkeypatch):
    """The check can fail: a backward that drops the ReLU mask is caught."""
    x, y, k = _batch("softmax")
    model = nn.MLP([5, 7, 6, k], dtype=np.float64, seed=3)
    monkeypatch.setitem(nn.ACTIVATIONS, "relu", (nn.relu_, lambda delta, a: delta))
    assert max(e for _, e in nn.gradient_check(model, x, y)) > 1e-3


def _torch_net(model: nn.MLP):
    torch = pytest.importorskip("torch")
    ws = [torch.tensor(w.copy(), dtype=torch.float64, requires_grad=True) for w in model.W]
    bs = [torch.tensor(b.copy(), dtype=torch.float64, requires_grad=True) for b in model.b]
    act = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}[model.activation]

    def forward(x):
        a = x
        for i, (w, b) in enumerate(zip(ws, bs)):
            z = a @ w + b
            a = act(z) if i < len(ws) - 1 else z
        return a

    return torch, ws, bs, forward


@pytest.mark.parametrize("activation,output", CASES)
@TIERS
def test_forward_backward_equal_pytorch_autograd(activation, output, reference):
    """Both tiers: the fast in-place passes and the textbook mlp_forward / mlp_backward."""
    x, y, k = _batch(output, n=16)
    model = nn.MLP([5, 8, 6, k], activation=activation, output=output, dtype=np.float64, seed=7,
                   reference=reference)
    out = model.forward(x)
    loss = model.loss(out, y)
    model.backward(y)

    torch, ws, bs, forward = _torch_net(model)
    z = forward(torch.tensor(x))
    if output == "softmax":
        ref_out = torch.softmax(z, dim=1)
        ref_loss = torch.nn.functional.cross_entropy(z, torch.tensor(y))
    elif output == "sigmoid":
        ref_out = torch.sigmoid(z)
        ref_loss = torch.nn.functional.binary_cross_entropy_with_logits(z[:, 0], torch.tensor(y, dtype=torch.float64))
    else:
        ref_out = z
        ref_loss = torch.nn.functional.mse_loss(z, torch.tensor(y))
    ref_loss.backward()
    np.testing.assert_allclose(out, ref_out.detach().numpy(), rtol=0, atol=1e-10)
    assert abs(loss - ref_loss.item()) < 1e-10
    for layer in range(3):
        np.testing.assert_allclose(model.dW[layer], ws[layer].grad.numpy(), rtol=0, atol=1e-10)
        np.testing.assert_allclose(model.db[layer], bs[layer].grad.numpy(), rtol=0, atol=1e-10)
    assert np.abs(model.grads).max() > 1e-4   # the comparison is not between zeros


@pytest.mark.parametrize("name", ["adam", "sgd"])
def test_optimizers_equal_torch_optim(name):
    x, y, k = _batch("softmax", n=32)
    model = nn.MLP([5, 8, 6, k], dtype=np.float64, seed=5)
    torch, ws, bs, forward = _torch_net(model)
    params = [p for pair in zip(ws, bs) for p in pair]
    ref = torch.optim.Adam(params, lr=0.01) if name == "adam" else torch.optim.SGD(params, lr=0.05, momentum=0.9)
    ours = nn.Adam(0.01) if name == "adam" else nn.SGD(0.05, 0.9)
    for _ in range(5):
        model.train_step(x, y, ours)
        ref.zero_grad()
        torch.nn.functional.cross_entropy(forward(torch.tensor(x)), torch.tensor(y)).backward()
        ref.step()
    for layer in range(3):
        np.testing.assert_allclose(model.W[layer], ws[layer].detach().numpy(), rtol=0, atol=1e-10)
        np.testing.assert_allclose(model.b[layer], bs[layer].detach().numpy(), rtol=0, atol=1e-10)


def test_perceptron_step_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    w, b, y = rng.standard_normal(2), 0.3, nn.GATES["and"].astype(float)
    rec = nn.perceptron_step(w, b, nn.GATE_X, y, lr=1.0)

    def loss(w_, b_):
        return nn.perceptron_step(w_, b_, nn.GATE_X, y, lr=1.0)["loss"]

    eps = 1e-6
    num_w = [(loss(w + eps * e, b) - loss(w - eps * e, b)) / (2 * eps) for e in np.eye(2)]
    np.testing.assert_allclose(rec["dw"], num_w, rtol=1e-7, atol=1e-10)
    assert rec["db"] == pytest.approx((loss(w, b + eps) - loss(w, b - eps)) / (2 * eps), rel=1e-7)
    np.testing.assert_allclose(rec["w_new"], w - rec["dw"])


@pytest.mark.parametrize("gate", ["and", "or"])
def test_perceptron_learns_and_or(gate):
    w, b, records = nn.train_perceptron(gate, steps=2000, lr=1.0, seed=42)
    pred = (nn.GATE_X @ w + b > 0).astype(int)
    np.testing.assert_array_equal(pred, nn.GATES[gate])
    assert records[-1]["loss"] < records[0]["loss"] / 5


@pytest.mark.parametrize("seed", [0, 42])
def test_xor_single_neuron_fails_hidden_layer_solves_it(seed):
    w, b, _ = nn.train_perceptron("xor", steps=2000, lr=1.0, seed=seed)
    acc = np.mean((nn.GATE_X @ w + b > 0).astype(int) == nn.GATES["xor"])
    assert acc <= 0.75                                   # no line separates XOR
    mlp, losses, attempts = nn.train_xor_mlp(seed=seed)
    np.testing.assert_array_equal(mlp.predict(nn.GATE_X), nn.GATES["xor"])
    assert losses[-1] < 0.1 and attempts <= 10


def test_regression_output_and_save_load(tmp_path):
    """The linear (MSE) head fits y = sin(x); save/load as .npz + .json gives the same predictions."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, (512, 1))
    y = np.sin(x[:, 0])
    model = nn.MLP([1, 32, 32, 1], activation="tanh", output="linear", dtype=np.float64, seed=0)
    history = model.fit(x, y, epochs=150, optimizer=nn.Adam(0.01), batch_size=64, seed=0)
    assert history[-1]["train_loss"] < 0.01 < history[0]["train_loss"]
    model.save(tmp_path / "reg", {"note": "sin"})
    loaded, meta = nn.MLP.load(tmp_path / "reg")
    assert meta["note"] == "sin" and meta["output"] == "linear"
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    (tmp_path / "reg.json").write_text("{not json")
    with pytest.raises(nn.cli.UserError):
        nn.MLP.load(tmp_path / "reg")


def test_random_shift_moves_pixels():
    img = np.zeros((1, 28 * 28), dtype=np.float32)
    img[0, 14 * 28 + 14] = 1.0
    shifted = nn.random_shift(np.repeat(img, 200, axis=0), np.random.default_rng(0), max_shift=2)
    pos = np.argwhere(shifted.reshape(200, 28, 28) == 1.0)[:, 1:]
    assert len(pos) == 200 and pos.min() == 12 and pos.max() == 16   # every shift in [-2, 2] seen


def test_perceptron_cli_explain(run_main, tmp_path):
    res = run_main(nn.main, "--perceptron", "and", "--explain", "2", "--out", tmp_path, "--no-show")
    assert res.returncode == 0, res
    for part in ("--- step 1 ---", "--- step 2 ---", "forward:", "loss:", "gradient:", "update:"):
        assert part in res.stdout
    assert "--- step 3 ---" not in res.stdout
    assert "Perceptron accuracy on AND: 100%" in res.stdout
    assert (tmp_path / "perceptron_and.png").stat().st_size > 10_000


def test_perceptron_cli_xor(run_main, tmp_path):
    res = run_main(nn.main, "--perceptron", "xor", "--out", tmp_path, "--no-show")
    assert res.returncode == 0, res
    acc = int(re.search(r"Perceptron accuracy on XOR: (\d+)%", res.stdout).group(1))
    assert acc < 100 and "not linearly separable" in res.stdout
    assert "MLP accuracy on XOR: 100%" in res.stdout
    assert (tmp_path / "perceptron_xor.png").stat().st_size > 10_000


def test_mnist_cli_quick(run_main, tmp_path):
    """The whole CLI in-process on a subset: 2,000 images, 1 epoch, a small hidden layer (the slow
    test runs the documented command as a subprocess)."""
    res = run_main(nn.main, "mnist", "--limit", "2000", "--val", "300", "--epochs", "1", "--layers", "784,32,10",
                  "--out", tmp_path, "--no-show")
    assert res.returncode == 0, res
    out = res.stdout
    for line in ("=== Neural Network from Scratch ===", "Architecture: 784 → 32 → 10",
                 "Activation: ReLU (hidden), Softmax (output)", "Total parameters: 25,450", "Epoch 1: Loss = ",
                 "Val Acc = ", "Forward pass time: ", "Backprop time: ", "Gradient check: PASSED"):
        assert line in out, line
    test_acc = float(re.search(r"Test Accuracy: ([\d.]+)%", out).group(1))
    assert 40 < test_acc < 100                      # 1.7k images, 1 epoch: well above chance (10%)
    for name in ("correct.png", "misclassified.png", "training_curves.png", "model.npz", "model.json"):
        assert (tmp_path / name).stat().st_size > 200, name
    meta = json.loads((tmp_path / "model.json").read_text())
    assert meta["sizes"] == [784, 32, 10] and meta["test_accuracy"] == pytest.approx(test_acc / 100, abs=1e-4)


@pytest.mark.slow
@needs_dataset("fashion-mnist")
def test_fashion_mnist_cli(run_main, tmp_path):
    res = run_main(nn.main, "--dataset", "fashion-mnist", "--limit", "2000", "--val", "200", "--epochs", "1",
                  "--layers", "784,32,10", "--out", tmp_path, "--no-show")
    assert res.returncode == 0, res
    assert "Training on Fashion-MNIST" in res.stdout and "Gradient check: PASSED" in res.stdout


@pytest.mark.parametrize("args,fragment", [
    (("mnist", "--layers", "784,64,5"), "--layers"),
    (("mnist", "--layers", "784,x,10"), "--layers"),
    (("--perceptron", "nand"), "--perceptron"),
    (("mnist", "--momentum", "1.5"), "--momentum"),
    (("mnist", "--limit", "100", "--val", "100"), "--val"),
    (("mnist", "--epochs", "0"), "--epochs"),
    (("mnist", "--dataset", "fashion-mnist"), "two different datasets"),
    (("cifar",), "argument command"),
])
def test_cli_bad_input(run_main, tmp_path, args, fragment):
    assert_user_error(run_main(nn.main, *args, "--out", tmp_path, "--no-show"), fragment)
    assert not list(tmp_path.glob("*.np*"))


@pytest.mark.slow
def test_mnist_default_run_reaches_98_percent(run_cli, tmp_path):
    """The documented command: 784-128-64-10, 20 epochs, Adam, batch 64 on the full MNIST."""
    res = run_cli(SCRIPT, "mnist", "--out", tmp_path, "--no-show")
    assert res.returncode == 0, res
    assert "Epoch 20: Loss = " in res.stdout and "Total parameters: 109,386" in res.stdout
    test_acc = float(re.search(r"Test Accuracy: ([\d.]+)%", res.stdout).group(1))
    assert test_acc >= 98.0, res.stdout
    err = float(re.search(r"max relative error ([\d.e+-]+)", res.stdout).group(1))
    assert "Gradient check: PASSED" in res.stdout and err < 1e-6


# ----------------------------------------------------------------------------- the two tiers agree
def _same(textbook, fast, rtol):
    """Entry by entry within ``rtol`` of the array's largest entry (a plain relative test would
    fail on entries that are sums cancelling to nearly 0)."""
    fast = np.asarray(fast)
    np.testing.assert_allclose(textbook, fast, rtol=0, atol=rtol * max(np.abs(fast).max(), 1e-300))


@pytest.mark.parametrize("activation,output", CASES)
def test_textbook_forward_and_gradients_equal_fast_tier(activation, output):
    """mlp_forward / mlp_backward (textbook) against MLP.forward / MLP.backward (fast), float64:
    outputs, loss and every dW, db agree to 1e-12 relative to each array's largest entry."""
    x, y, k = _batch(output, n=16)
    fast = nn.MLP([5, 8, 6, k], activation=activation, output=output, dtype=np.float64, seed=7)
    out = fast.forward(x)
    loss = fast.loss(out, y)
    fast.backward(y)

    zs, acts = nn.mlp_forward(x, fast.W, fast.b, activation, output)
    dWs, dbs = nn.mlp_backward(y, fast.W, zs, acts, activation, output)
    assert [z.shape for z in zs] == [(16, 8), (16, 6), (16, k)] and len(acts) == 4 and acts[0] is x
    _same(acts[-1], out, 1e-12)
    textbook_loss = {"softmax": nn.cross_entropy, "sigmoid": nn.binary_cross_entropy,
                     "linear": nn.mean_squared_error}[output](acts[-1], y)
    assert textbook_loss == pytest.approx(loss, rel=1e-12)
    for layer in range(3):
        assert dWs[layer].shape == fast.W[layer].shape and dbs[layer].shape == fast.b[layer].shape
        _same(dWs[layer], fast.dW[layer], 1e-12)
        _same(dbs[layer], fast.db[layer], 1e-12)
    assert min(np.abs(g).max() for g in dWs + dbs) > 1e-6       # no comparison between zeros

    model = fast.copy()                                          # the model's own textbook path
    model.reference = True
    _same(model.forward(x), out, 1e-12)
    model.backward(y)
    _same(model.grads, fast.grads, 1e-12)


def test_textbook_backward_comparison_can_fail(monkeypatch):
    """A wrong textbook derivative (ReLU' = 1 everywhere) is caught by the comparison above, and
    mlp_backward looks the derivative up by name, as learner mode needs."""
    x, y, k = _batch("softmax", n=16)
    fast = nn.MLP([5, 8, 6, k], dtype=np.float64, seed=7)
    fast.forward(x)
    fast.backward(y)
    # the module mlp_backward lives in (ours, or the learner's workspace under MLFP_WORKSPACE)
    monkeypatch.setitem(nn.mlp_backward.__globals__, "relu_derivative", lambda z: np.ones_like(z))
    zs, acts = nn.mlp_forward(x, fast.W, fast.b)
    dWs, _ = nn.mlp_backward(y, fast.W, zs, acts)
    assert np.abs(dWs[0] - fast.dW[0]).max() > 1e-3 * np.abs(fast.dW[0]).max()


def test_textbook_adam_equals_fast_adam_over_20_steps():
    """adam_step (the paper's form) vs the in-place Adam (PyTorch's arithmetic) on the same 20
    gradients, float64: weights, m and v agree to 1e-12 relative."""
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal(50)
    grads = [rng.standard_normal(50) * 10.0 ** rng.uniform(-4, 1, 50) for _ in range(20)]
    fast_w, opt = w0.copy(), nn.Adam(0.01)
    w, m, v = w0.copy(), np.zeros(50), np.zeros(50)
    for t, g in enumerate(grads, start=1):
        opt.step(fast_w, g)
        w, m, v = nn.adam_step(w, g, m, v, t, lr=0.01, b1=0.9, b2=0.999, eps=1e-8)
        np.testing.assert_allclose(w, fast_w, rtol=1e-12, atol=0)
    np.testing.assert_allclose(m, opt.m, rtol=1e-12, atol=0)
    np.testing.assert_allclose(v, opt.v, rtol=1e-12, atol=0)
    assert np.abs(w - w0).max() > 0.05                           # the weights did move (at most 20 x lr)


def test_textbook_sgd_equals_fast_sgd():
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal(30)
    fast_w, opt = w0.copy(), nn.SGD(0.05, 0.9)
    w, velocity = w0.copy(), np.zeros(30)
    for _ in range(20):
        g = rng.standard_normal(30)
        opt.step(fast_w, g)
        w, velocity = nn.sgd_step(w, g, velocity, lr=0.05, momentum=0.9)
    np.testing.assert_allclose(w, fast_w, rtol=1e-12, atol=0)
    assert np.abs(w - w0).max() > 0.1


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_training_steps_agree_between_tiers(optimizer, dtype, rtol, activation):
    """Ten mini-batch steps from the same seed, textbook tier vs fast tier: the same weights
    (within ``rtol`` of each array's largest entry: 1e-12 in float64, 1e-5 in float32)."""
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((320, 20)), rng.integers(0, 4, 320)
    models, losses = [], []
    for reference in (False, True):
        model = nn.MLP([20, 16, 8, 4], activation=activation, dtype=dtype, seed=11, reference=reference)
        opt = nn.make_optimizer(optimizer, 0.01, reference=reference)
        losses.append([model.train_step(x[i:i + 32].astype(dtype), y[i:i + 32], opt) for i in range(0, 320, 32)])
        models.append(model)
    fast, textbook = models
    np.testing.assert_allclose(losses[1], losses[0], rtol=rtol)
    for layer in range(3):
        _same(textbook.W[layer], fast.W[layer], rtol)
        _same(textbook.b[layer], fast.b[layer], rtol)
    start = nn.MLP([20, 16, 8, 4], activation=activation, dtype=dtype, seed=11)
    assert np.abs(fast.params - start.params).max() > 1e-3      # training moved the weights


def test_textbook_docstring_examples_run():
    """The worked examples in the textbook functions' docstrings print what they say."""
    import doctest

    names = ("relu", "sigmoid", "softmax", "one_hot", "cross_entropy", "dense_forward", "output_delta", "adam_step")
    runner = doctest.DocTestRunner()
    for name in names:
        for test in doctest.DocTestFinder().find(getattr(nn, name), name, globs={"np": np, **vars(nn)}):
            runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= len(names) and result.failed == 0


def test_mnist_cli_reference(run_main, tmp_path):
    """--reference trains with the textbook tier end to end: same transcript lines, and the same
    weights as the default (fast) run of the same command (float32, within 1e-5 of the largest)."""
    args = ("mnist", "--limit", "2000", "--val", "300", "--epochs", "1", "--layers", "784,32,10", "--no-show")
    res = run_main(nn.main, *args, "--reference", "--out", tmp_path / "textbook")
    assert res.returncode == 0, res
    out = res.stdout
    for line in ("=== Neural Network from Scratch ===", "Architecture: 784 → 32 → 10",
                 "Implementation: textbook tier (mlp_forward, mlp_backward, adam_step", "Epoch 1: Loss = ",
                 "Val Acc = ", "Test Accuracy: ", "Forward pass time: ", "Backprop time: ", "Gradient check: PASSED"):
        assert line in out, line
    assert "Implementation:" not in run_main(nn.main, *args, "--out", tmp_path / "fast").stdout
    with np.load(tmp_path / "textbook" / "model.npz") as textbook, np.load(tmp_path / "fast" / "model.npz") as fast:
        assert sorted(textbook.files) == ["W0", "W1", "b0", "b1"]
        for name in textbook.files:
            _same(textbook[name], fast[name], 1e-5)
