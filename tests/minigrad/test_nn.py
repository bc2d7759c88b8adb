"""Layers, optimizers, saving, data loading and the device seam of minigrad, checked against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import backend, threads

torch = pytest.importorskip("torch")
TOL = 1e-6


def _copy_into_torch(ours: mg.Module, theirs) -> None:
    """Give a torch module the same parameters (same dotted names) as our module."""
    state = {k: torch.tensor(v) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(state, strict=False)


def _check_layer(ours, theirs, x: np.ndarray, train: bool = True):
    _copy_into_torch(ours, theirs)
    ours.train(train)
    theirs.train(train)
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_m, out_t = ours(xm), theirs(xt)
    np.testing.assert_allclose(out_m.numpy(), out_t.detach().numpy(), atol=TOL, rtol=TOL)
    w = np.random.default_rng(1).standard_normal(out_t.shape)
    (out_m * mg.tensor(w)).sum().backward()
    (out_t * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(xm.grad, xt.grad.numpy(), atol=TOL, rtol=TOL)
    torch_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, torch_params[name].grad.numpy(), atol=TOL, rtol=TOL, err_msg=name)


@pytest.fixture(autouse=True)
def float64():
    with mg.default_dtype(mg.float64):
        yield


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def test_linear_layer_matches_torch():
    _check_layer(mg.Linear(5, 3), torch.nn.Linear(5, 3, dtype=torch.float64), _x(4, 2, 5))


def test_conv_pool_cnn_matches_torch():
    def net(nn, **kw):
        return nn.Sequential(nn.Conv2d(2, 4, 3, padding=1, **kw), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(4, 3, 3, stride=2, **kw), nn.Tanh(), nn.Flatten(), nn.Linear(3, 2, **kw))

    ours = net(mg)
    theirs = net(torch.nn, dtype=torch.float64)
    # Sequential names: ours "layers.0.weight", torch "0.weight"
    state = {k.removeprefix("layers."): torch.tensor(v) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(state)
    x = _x(3, 2, 8, 8)
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_m, out_t = ours(xm), theirs(xt)
    np.testing.assert_allclose(out_m.numpy(), out_t.detach().numpy(), atol=TOL)
    out_m.sum().backward()
    out_t.sum().backward()
    np.testing.assert_allclose(xm.grad, xt.grad.numpy(), atol=TOL)
    for (name, p), tp in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), atol=TOL, err_msg=name)


@pytest.mark.parametrize("train", [True, False])
def test_batchnorm2d_matches_torch_including_running_stats(train):
    ours, theirs = mg.BatchNorm2d(3), torch.nn.BatchNorm2d(3, dtype=torch.float64)
    ours.weight.data[:] = [1.5, 0.5, -1.0]
    ours.bias.data[:] = [0.1, -0.2, 0.3]
    ours.running_mean.data[:] = [0.2, -0.1, 0.0]
    ours.running_var.data[:] = [1.5, 0.7, 2.0]
    _check_layer(ours, theirs, _x(4, 3, 5, 5) * 2 + 1, train=train)
    np.testing.assert_allclose(ours.running_mean.numpy(), theirs.running_mean.numpy(), atol=TOL)
    np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(), atol=TOL)


def test_batchnorm1d_matches_torch():
    ours, theirs = mg.BatchNorm1d(4), torch.nn.BatchNorm1d(4, dtype=torch.float64)
    _check_layer(ours, theirs, _x(6, 4))
    np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(), atol=TOL)


def test_layernorm_matches_torch():
    ours, theirs = mg.LayerNorm(6), torch.nn.LayerNorm(6, dtype=torch.float64)
    ours.weight.data[:] = np.linspace(0.5, 1.5, 6)
    ours.bias.data[:] = np.linspace(-0.3, 0.3, 6)
    _check_layer(ours, theirs, _x(2, 3, 6))


def test_embedding_matches_torch_with_repeated_ids():
    ours, theirs = mg.Embedding(7, 3), torch.nn.Embedding(7, 3, dtype=torch.float64)
    _copy_into_torch(ours, theirs)
    ids = np.array([[1, 4, 1], [6, 1, 0]])
    out_m, out_t = ours(ids), theirs(torch.tensor(ids))
    w = _x(2, 3, 3, seed=2)
    (out_m * mg.tensor(w)).sum().backward()
    (out_t * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(out_m.numpy(), out_t.detach().numpy())
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), atol=TOL)


def test_dropout_scales_and_is_identity_in_eval():
    mg.manual_seed(0)
    layer = mg.Dropout(0.25)
    x = mg.tensor(np.ones((200, 200)), requires_grad=True)
    y = layer(x)
    kept = y.numpy() != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.75)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, kept / 0.75)
    layer.eval()
    assert layer(x) is x


def _train_both(make_opts, steps=5):
    """Run a few steps of our optimizer and torch's on the same model; return max |param diff|."""
    ours = mg.Sequential(mg.Linear(4, 8), mg.Tanh(), mg.Linear(8, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)).double()
    theirs.load_state_dict({k.removeprefix("layers."): torch.tensor(v) for k, v in ours.state_dict().items()})
    opt_m, opt_t = make_opts(ours.parameters(), theirs.parameters())
    x, y = _x(16, 4, seed=5), np.arange(16) % 3
    for _ in range(steps):
        opt_m.zero_grad()
        mg.cross_entropy(ours(mg.tensor(x)), y).backward()
        opt_m.step()
        opt_t.zero_grad()
        torch.nn.functional.cross_entropy(theirs(torch.tensor(x)), torch.tensor(y)).backward()
        opt_t.step()
    return max(float(np.abs(p.numpy() - q.detach().numpy()).max()) for p, q in zip(ours.parameters(),
                                                                                   theirs.parameters()))


@pytest.mark.parametrize("name,make", [
    ("sgd", lambda a, b: (mg.SGD(a, lr=0.1), torch.optim.SGD(b, lr=0.1))),
    ("momentum+wd", lambda a, b: (mg.SGD(a, lr=0.1, momentum=0.9, weight_decay=0.01),
                                  torch.optim.SGD(b, lr=0.1, momentum=0.9, weight_decay=0.01))),
    ("nesterov", lambda a, b: (mg.SGD(a, lr=0.1, momentum=0.9, nesterov=True),
                               torch.optim.SGD(b, lr=0.1, momentum=0.9, nesterov=True))),
    ("adam", lambda a, b: (mg.Adam(a, lr=0.01, weight_decay=0.001), torch.optim.Adam(b, lr=0.01, weight_decay=0.001))),
    ("adamw", lambda a, b: (mg.AdamW(a, lr=0.01, weight_decay=0.1), torch.optim.AdamW(b, lr=0.01, weight_decay=0.1))),
])
def test_optimizers_match_torch_step_for_step(name, make):
    assert _train_both(make) < 1e-10


def test_lr_schedules():
    opt = mg.SGD([mg.Parameter(np.zeros(1))], lr=1.0)
    sched = mg.StepLR(opt, step_size=2, gamma=0.5)
    assert [sched.step() for _ in range(4)] == [1.0, 0.5, 0.5, 0.25]
    opt = mg.SGD([mg.Parameter(np.zeros(1))], lr=1.0)
    cos = mg.CosineLR(opt, total_steps=10, warmup_steps=2, min_lr=0.1)
    lrs = [opt.lr] + [cos.step() for _ in range(10)]
    assert lrs[0] == 0.5 and lrs[1] == 1.0 and lrs[2] == pytest.approx(1.0)
    assert lrs[-1] == pytest.approx(0.1) and all(a >= b for a, b in zip(lrs[1:], lrs[2:]))


def test_module_discovery_without_super_init_and_state_dict_roundtrip(tmp_path):
    class Net(mg.Module):
        def __init__(self):
            self.blocks = [mg.Linear(3, 3), mg.Linear(3, 2)]
            self.norm = mg.BatchNorm1d(2)

        def forward(self, x):
            for b in self.blocks:
                x = b(x).relu()
            return self.norm(x)

    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias", "norm.weight",
                     "norm.bias"]
    assert set(net.state_dict()) == set(names) | {"norm.running_mean", "norm.running_var"}
    net(mg.tensor(_x(5, 3)))   # updates running stats
    path = net.save(tmp_path / "net.npz")
    other = Net().load(path)
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v, other.state_dict()[k])
    with np.load(path, allow_pickle=False) as data:    # plain arrays, no pickle
        assert set(data.files) == set(net.state_dict())
    with pytest.raises(ValueError, match="shape"):
        mg.Linear(3, 4).load_state_dict({"weight": np.zeros((2, 2)), "bias": np.zeros(4)})
    assert net.eval().norm.training is False and net.train().blocks[0].training is True


def test_dataloader_batches_shuffles_reproducibly():
    x, y = np.arange(10).reshape(10, 1).astype(np.float32), np.arange(10)
    loader = mg.DataLoader(mg.TensorDataset(x, y), batch_size=4, shuffle=True, seed=3)
    batches = list(loader)
    assert [len(b[0]) for b in batches] == [4, 4, 2] and len(loader) == 3
    seen = np.concatenate([b[1].numpy() for b in batches])
    assert sorted(seen) == list(range(10)) and list(seen) != list(range(10))
    again = np.concatenate([b[1].numpy() for b in mg.DataLoader(mg.TensorDataset(x, y), 4, True, seed=3)])
    np.testing.assert_array_equal(seen, again)
    assert len(list(mg.DataLoader(mg.TensorDataset(x, y), 4, drop_last=True))) == 2


def test_cuda_device_seam_with_a_missing_cupy_gives_a_clear_error():
    if "cuda" in backend._MODULES:
        pytest.skip("a real GPU backend is registered")
    try:
        import cupy  # noqa: F401
        pytest.skip("CuPy is installed")
    except ImportError:
        pass
    with pytest.raises(RuntimeError, match="CuPy"):
        mg.zeros(3, device="cuda")


def test_device_seam_routes_ops_through_the_registered_module(fake_cuda):
    """With a fake 'cuda' module registered, tensors report device 'cuda' and training steps work."""
    model = mg.Linear(3, 2).to("cuda")
    assert model.weight.device == "cuda" and fake_cuda.calls
    x = mg.tensor(_x(4, 3), device="cuda")
    loss = mg.cross_entropy(model(x), np.array([0, 1, 1, 0]))
    loss.backward()
    mg.SGD(model.parameters(), lr=0.1).step()
    assert model.weight.device == "cuda"
    assert isinstance(model.state_dict()["weight"], np.ndarray)
    assert model.to("cpu").weight.device == "cpu"


def test_autograd_bookkeeping_handles_deep_graphs():
    """10,000 chained ops: no recursion limit, and the gradient is exact."""
    x = mg.tensor(np.array([1.0]), requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0001 ** 10_000], rtol=1e-9)


# ----------------------------------------------------------------------------- threads
def test_parallel_rows_gives_every_row_to_exactly_one_block():
    seen = np.zeros(1001, dtype=int)
    calls = []

    def kernel(rows, out):
        calls.append(len(rows))
        out += 1
        seen[rows] += 1

    out = np.zeros((1001, 40))
    with threads.blas_threads(3):
        threads.parallel_rows(kernel, np.arange(1001), out, min_size=1)
    assert sorted(calls) == [333, 334, 334] and np.all(seen == 1) and np.all(out == 1)
    calls.clear()
    threads.parallel_rows(kernel, np.arange(1001), out, min_size=10**9)   # small work: one call, inline
    assert calls == [1001]


def test_layernorm_on_row_blocks_matches_torch_and_one_thread():
    """Rows are split between threads (400 x 128 is above the size where that starts)."""
    x = _x(400, 128)
    results = []
    for n in (1, 2):
        with threads.blas_threads(n):
            ours, theirs = mg.LayerNorm(128), torch.nn.LayerNorm(128, dtype=torch.float64)
            ours.weight.data[:] = np.linspace(0.5, 1.5, 128)
            ours.bias.data[:] = np.linspace(-0.3, 0.3, 128)
            _check_layer(ours, theirs, x)
            xm = mg.tensor(x, requires_grad=True)
            ours(xm).sum().backward()
            results.append(xm.grad)
    np.testing.assert_allclose(results[0], results[1], rtol=0, atol=1e-12)


def test_data_parallel_gives_the_gradient_of_the_whole_batch():
    """Two or three threads each backpropagate their slice; the summed gradients equal one pass."""
    x, y = _x(30, 5), np.arange(30) % 3

    def model_and_loss():
        mg.manual_seed(0)
        model = mg.Sequential(mg.Linear(5, 8), mg.Tanh(), mg.Linear(8, 3))
        return model, lambda rows: mg.cross_entropy(model(mg.tensor(x[rows])), y[rows])

    model, loss_of = model_and_loss()
    whole = loss_of(slice(0, 30))
    whole.backward()
    expected = {n: p.grad for n, p in model.named_parameters()}
    for workers in (2, 3):
        model, loss_of = model_and_loss()
        loss = threads.data_parallel(loss_of, 30, workers)
        assert loss == pytest.approx(whole.item(), abs=1e-12)
        for n, p in model.named_parameters():
            np.testing.assert_allclose(p.grad, expected[n], rtol=0, atol=1e-12, err_msg=n)


def test_blas_threads_limits_and_restores():
    before = threads.num_threads()
    with threads.blas_threads(1):
        assert threads.num_threads() == 1
    assert threads.num_threads() == before


def test_indexing_gradient_fast_path_equals_add_at():
    """Whole rows picked by an integer array (an embedding) use sort + reduceat: same sums as np.add.at."""
    rng = np.random.default_rng(3)
    table = mg.tensor(rng.standard_normal((20, 4)), requires_grad=True)
    ids = rng.integers(-20, 20, (6, 9))                      # repeats and negative ids
    g = rng.standard_normal((6, 9, 4))
    (table[ids] * mg.tensor(g)).sum().backward()
    expected = np.zeros((20, 4))
    np.add.at(expected, ids, g)
    np.testing.assert_allclose(table.grad, expected, rtol=0, atol=1e-12)


def test_data_parallel_dropout_is_reproducible_and_leaves_the_global_stream_alone():
    """Each slice draws its dropout mask from its own child generator: two seeded runs give the
    same gradients whatever the thread timing, and the global generator's own stream is unchanged."""
    x, y = _x(40, 6), np.arange(40) % 2

    def run():
        mg.manual_seed(3)
        model = mg.Sequential(mg.Linear(6, 16), mg.ReLU(), mg.Dropout(0.5), mg.Linear(16, 2))
        threads.data_parallel(lambda rows: mg.cross_entropy(model(mg.tensor(x[rows])), y[rows]), 40, 2)
        after = mg.random.generator().random()
        return [p.grad.copy() for p in model.parameters()], after

    (g1, after1), (g2, after2) = run(), run()
    for a, b in zip(g1, g2):
        np.testing.assert_array_equal(a, b)
    mg.manual_seed(3)
    mg.Sequential(mg.Linear(6, 16), mg.ReLU(), mg.Dropout(0.5), mg.Linear(16, 2))   # same initialisation draws
    assert after1 == after2 == mg.random.generator().random()
