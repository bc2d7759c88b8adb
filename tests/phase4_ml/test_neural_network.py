"""neural_network (project 17, M6): hand-written backprop vs finite differences (rel. error < 1e-6,
float64) and vs PyTorch autograd (1e-10, float64); Adam/SGD vs torch.optim; perceptron AND/OR/XOR;
the MNIST CLI end to end (quick subset) and at full size (slow: >= 98.0% test accuracy)."""

import json
import re

import numpy as np
import pytest

from phase4_ml import neural_network as nn
from tests.conftest import assert_user_error, needs_dataset
from tests.phase4_ml.inprocess import call

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


@pytest.mark.parametrize("activation,output", CASES)
@pytest.mark.parametrize("init", ["he", "xavier"])
def test_gradient_check_every_layer_and_activation(activation, output, init):
    x, y, k = _batch(output)
    model = nn.MLP([5, 7, 6, k], activation=activation, output=output, init=init, dtype=np.float64, seed=3)
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
def test_forward_backward_equal_pytorch_autograd(activation, output):
    x, y, k = _batch(output, n=16)
    model = nn.MLP([5, 8, 6, k], activation=activation, output=output, dtype=np.float64, seed=7)
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


def test_perceptron_cli_explain(capsys, tmp_path):
    res = call(nn.main, capsys, "--perceptron", "and", "--explain", "2", "--out", tmp_path, "--no-show")
    assert res.returncode == 0, res
    for part in ("--- step 1 ---", "--- step 2 ---", "forward:", "loss:", "gradient:", "update:"):
        assert part in res.stdout
    assert "--- step 3 ---" not in res.stdout
    assert "Perceptron accuracy on AND: 100%" in res.stdout
    assert (tmp_path / "perceptron_and.png").stat().st_size > 10_000


def test_perceptron_cli_xor(capsys, tmp_path):
    res = call(nn.main, capsys, "--perceptron", "xor", "--out", tmp_path, "--no-show")
    assert res.returncode == 0, res
    acc = int(re.search(r"Perceptron accuracy on XOR: (\d+)%", res.stdout).group(1))
    assert acc < 100 and "not linearly separable" in res.stdout
    assert "MLP accuracy on XOR: 100%" in res.stdout
    assert (tmp_path / "perceptron_xor.png").stat().st_size > 10_000


def test_mnist_cli_quick(capsys, tmp_path):
    """The whole CLI in-process on a subset: 2,000 images, 1 epoch, a small hidden layer (the slow
    test runs the documented command as a subprocess)."""
    res = call(nn.main, capsys, "mnist", "--limit", "2000", "--val", "300", "--epochs", "1", "--layers", "784,32,10",
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
def test_fashion_mnist_cli(capsys, tmp_path):
    res = call(nn.main, capsys, "--dataset", "fashion-mnist", "--limit", "2000", "--val", "200", "--epochs", "1",
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
def test_cli_bad_input(capsys, tmp_path, args, fragment):
    assert_user_error(call(nn.main, capsys, *args, "--out", tmp_path, "--no-show"), fragment)
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
