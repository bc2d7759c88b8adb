"""minigrad's layers, losses and functional ops against PyTorch in float64 (issue 17, part B).

Each case runs the same computation in minigrad and in torch on the same random inputs (and, for
layers, the same weights: torch's layer gets ours through load_state_dict) and compares the
forward values, the output dtype and shape, and the gradients of the inputs and of every
parameter (the output is reduced to a scalar with fixed random weights, so every element counts).
Tolerance 1e-10: these are a few dozen float64 operations, so agreement to 1e-10 says both
compute the same formula. Invalid input must raise the same kind of exception as torch.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
TOL = 1e-10


def _dtype(t) -> np.dtype:
    return np.dtype(str(t.dtype).replace("torch.", ""))


def _compare(fn_mg, fn_torch, arrays, tol=TOL, grads=None, params=()):
    """fn_mg(*tensors) and fn_torch(*tensors) agree in value, dtype, shape and gradients.

    ``grads`` says which arrays are differentiable inputs (default: every float array); ``params``
    are (ours, theirs) parameter pairs whose gradients must agree too.
    """
    rng = np.random.default_rng(123)
    grads = [a.dtype.kind == "f" for a in arrays] if grads is None else grads
    ours = [mg.tensor(a, requires_grad=g) for a, g in zip(arrays, grads)]
    theirs = [torch.tensor(a, requires_grad=g) for a, g in zip(arrays, grads)]
    om, ot = fn_mg(*ours), fn_torch(*theirs)
    assert om.shape == tuple(ot.shape)
    assert om.dtype == _dtype(ot)
    np.testing.assert_allclose(om.numpy(), ot.detach().numpy(), rtol=tol, atol=tol)
    if not ot.requires_grad:
        return om
    w = rng.standard_normal(tuple(ot.shape))
    (om * mg.tensor(w)).sum().backward()
    (ot * torch.tensor(w)).sum().backward()
    for a, b in zip(ours, theirs):
        if b.requires_grad:
            expected = np.zeros(a.shape) if b.grad is None else b.grad.numpy()
            np.testing.assert_allclose(np.zeros(a.shape) if a.grad is None else a.grad, expected,
                                       rtol=tol, atol=tol)
    for p_mg, p_t in params:
        np.testing.assert_allclose(p_mg.grad, p_t.grad.numpy(), rtol=tol, atol=tol)
    return om


def _twin(ours: mg.Module, theirs):
    """torch's layer in float64 with our weights; the (ours, theirs) parameter pairs."""
    theirs = theirs.double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    named = dict(theirs.named_parameters())
    return theirs, [(p, named[n]) for n, p in ours.named_parameters()]


def _compare_layer(ours, theirs, *shapes, tol=TOL):
    ours = ours.double()
    theirs, pairs = _twin(ours, theirs)
    arrays = [np.random.default_rng(7).standard_normal(s) for s in shapes]
    return _compare(ours, theirs, arrays, tol=tol, params=pairs)


def _same_error(fn_mg, fn_torch):
    with pytest.raises(Exception) as theirs:
        fn_torch()
    with pytest.raises(theirs.type):
        fn_mg()


# ----------------------------------------------------------------------------- containers, state_dict
def test_sequential_modulelist_moduledict_have_torchs_state_dict_keys():
    mg.manual_seed(0)
    seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.LayerNorm(4), nn.Linear(4, 2))
    ref = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.LayerNorm(4), torch.nn.Linear(4, 2))
    assert list(seq.state_dict()) == list(ref.state_dict())          # same names, same order

    def net(lib):                                # the same model written with either library
        class Net(lib.Module):
            def __init__(self):
                super().__init__()
                self.layers = lib.ModuleList([lib.Linear(2, 3), lib.Linear(3, 3)])
                self.heads = lib.ModuleDict({"a": lib.Linear(3, 1), "b": lib.BatchNorm1d(3)})
        return Net()

    ours, theirs = net(nn), net(torch.nn)
    assert list(ours.state_dict()) == [k for k in theirs.state_dict() if not k.endswith("num_batches_tracked")]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [type(m).__name__ for m in ours.children()] == ["ModuleList", "ModuleDict"]
    assert len(ours.modules()) == len(list(theirs.modules())) == 7
    assert len(ours.layers) == 2 and ours.heads["a"].out_features == 1 and "b" in ours.heads
    assert list(ours.heads.keys()) == ["a", "b"] and isinstance(ours.layers[-1], nn.Linear)


def test_sequential_loads_a_torch_state_dict_and_computes_the_same():
    ours = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3))
    ref = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)).double()
    ours.load_state_dict({k: v.numpy() for k, v in ref.state_dict().items()})
    ours.double()
    x = np.random.default_rng(0).standard_normal((4, 5))
    np.testing.assert_allclose(ours(x).numpy(), ref(torch.tensor(x)).detach().numpy(), rtol=TOL, atol=TOL)
    assert isinstance(ours[0], nn.Linear) and len(ours[1:]) == 2 and len(ours) == 3


def test_load_state_dict_is_strict_and_names_missing_and_unexpected_keys():
    ours = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 1))
    state = ours.state_dict()
    del state["1.bias"]
    state["2.weight"] = np.zeros((1, 1))
    with pytest.raises(RuntimeError) as err:
        ours.load_state_dict(state)
    assert '"1.bias"' in str(err.value) and '"2.weight"' in str(err.value)
    assert "missing" in str(err.value) and "unexpected" in str(err.value)
    with pytest.raises(RuntimeError):
        theirs.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
    result = ours.load_state_dict(state, strict=False)
    expected = theirs.load_state_dict({k: torch.tensor(v) for k, v in state.items()}, strict=False)
    assert result.missing_keys == expected.missing_keys == ["1.bias"]
    assert result.unexpected_keys == expected.unexpected_keys == ["2.weight"]


def test_register_buffer_is_saved_but_not_a_parameter():
    class Scaler(nn.Module):
        def __init__(self):
            self.register_buffer("scale", mg.tensor(np.array([2.0, 3.0])))
            self.register_buffer("cache", mg.zeros(2), persistent=False)
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            return self.fc(x * self.scale)

    class TorchScaler(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("scale", torch.tensor([2.0, 3.0]))
            self.register_buffer("cache", torch.zeros(2), persistent=False)
            self.fc = torch.nn.Linear(2, 2)

    ours = Scaler()
    assert list(ours.state_dict()) == list(TorchScaler().state_dict()) == ["scale", "fc.weight", "fc.bias"]
    assert [n for n, _ in ours.named_parameters()] == ["fc.weight", "fc.bias"]
    assert {n for n, _ in ours.named_buffers()} == {"scale", "cache"}
    ours.double()
    assert ours.scale.dtype == np.float64                       # moved/cast with the model
    other = Scaler()
    other.load_state_dict({**ours.state_dict(), "scale": np.array([5.0, 7.0])})
    np.testing.assert_array_equal(other.scale.numpy(), [5.0, 7.0])


def test_a_module_called_on_a_numpy_array_wraps_it():
    layer = nn.Linear(3, 2).double()
    x = np.random.default_rng(1).standard_normal((4, 3))
    out = layer(x)
    assert isinstance(out, mg.Tensor) and out.shape == (4, 2)
    np.testing.assert_array_equal(out.numpy(), layer(mg.tensor(x)).numpy())
    np.testing.assert_array_equal(nn.Sequential(layer, nn.ReLU())(x).numpy(), layer(x).relu().numpy())


# ----------------------------------------------------------------------------- layers
@pytest.mark.parametrize("ours, theirs", [
    (nn.Identity(54, unused=1), torch.nn.Identity(54, unused=1)),
    (nn.LeakyReLU(), torch.nn.LeakyReLU()),
    (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)),
    (nn.SiLU(), torch.nn.SiLU()),
    (nn.GELU(), torch.nn.GELU()),
    (nn.GELU("tanh"), torch.nn.GELU("tanh")),
    (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)),
    (nn.Softmax(dim=-1), torch.nn.Softmax(dim=-1)),
    (nn.LogSoftmax(dim=0), torch.nn.LogSoftmax(dim=0)),
    (nn.Flatten(), torch.nn.Flatten()),
    (nn.Flatten(0, 1), torch.nn.Flatten(0, 1)),
], ids=lambda m: repr(m))
def test_activations_and_shape_layers_match_torch(ours, theirs):
    out = _compare_layer(ours, theirs, (3, 4, 5))
    assert out.dtype == np.float64


def test_softmax_layer_needs_a_dim():
    with pytest.raises(TypeError, match="dim"):
        nn.Softmax()


@pytest.mark.parametrize("kwargs", [
    dict(kernel_size=2), dict(kernel_size=3, stride=2), dict(kernel_size=(2, 3)),
    dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 0)), dict(kernel_size=3, stride=1, padding=1),
])
def test_pooling_layers_match_torch(kwargs):
    _compare_layer(nn.AvgPool2d(**kwargs), torch.nn.AvgPool2d(**kwargs), (2, 3, 7, 6))
    _compare_layer(nn.MaxPool2d(**kwargs), torch.nn.MaxPool2d(**kwargs), (2, 3, 7, 6))


@pytest.mark.parametrize("size", [1, (1, 1), 3, (3, 2), (5, 4), (2, None)])
def test_adaptive_avg_pool_matches_torch_with_uneven_bins(size):
    _compare_layer(nn.AdaptiveAvgPool2d(size), torch.nn.AdaptiveAvgPool2d(size), (2, 3, 5, 7))


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("kwargs", [
    dict(kernel_size=3), dict(kernel_size=(2, 3)), dict(kernel_size=(3, 1), stride=(2, 1), padding=(1, 2)),
    dict(kernel_size=(1, 4), stride=2, padding=1),
])
def test_conv2d_with_rectangular_kernels_and_tuple_stride_padding(kwargs, fused):
    mg.manual_seed(2)
    _compare_layer(nn.Conv2d(3, 4, fused=fused, **kwargs), torch.nn.Conv2d(3, 4, **kwargs), (2, 3, 7, 8))


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("kwargs", [dict(kernel_size=3), dict(kernel_size=2, stride=2, padding=1),
                                    dict(kernel_size=1, bias=False)])
def test_conv1d_matches_torch(kwargs, fused):
    mg.manual_seed(3)
    _compare_layer(nn.Conv1d(3, 5, fused=fused, **kwargs), torch.nn.Conv1d(3, 5, **kwargs), (2, 3, 9))


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_conv_layers_take_torchs_padding_strings(padding):
    mg.manual_seed(4)
    _compare_layer(nn.Conv2d(2, 3, (3, 5), padding=padding), torch.nn.Conv2d(2, 3, (3, 5), padding=padding),
                   (1, 2, 6, 7))
    _compare_layer(nn.Conv1d(2, 3, 3, padding=padding), torch.nn.Conv1d(2, 3, 3, padding=padding), (1, 2, 6))
    with pytest.raises(ValueError, match="stride 1"):
        nn.Conv2d(2, 3, 3, stride=2, padding="same")
    with pytest.raises(NotImplementedError, match="even kernel"):
        nn.Conv2d(2, 3, 2, padding="same")
    with pytest.raises(ValueError):
        nn.Conv2d(2, 3, 3, padding="full")


def test_conv_errors_name_the_real_problem():
    x, w = mg.tensor(np.zeros((1, 3, 5, 5))), mg.tensor(np.zeros((2, 3, 2, 4)))
    for conv in (mg.conv2d, mg.conv2d_fused):
        assert conv(x, w).shape == (1, 2, 4, 2)                       # a rectangular kernel is fine
        with pytest.raises(ValueError, match="3 channels, weight expects 2"):
            conv(x, mg.tensor(np.zeros((2, 2, 3, 3))))
    _same_error(lambda: mg.conv2d_fused(mg.tensor(np.zeros((1, 1, 2, 2))), mg.tensor(np.zeros((1, 1, 3, 3)))),
                lambda: TF.conv2d(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 3, 3)))
    _same_error(lambda: F.max_pool2d(mg.zeros(1, 1, 4, 4), 2, padding=2),
                lambda: TF.max_pool2d(torch.zeros(1, 1, 4, 4), 2, padding=2))
    _same_error(lambda: F.avg_pool2d(mg.zeros(1, 1, 4, 4), 2, padding=2),
                lambda: TF.avg_pool2d(torch.zeros(1, 1, 4, 4), 2, padding=2))


def test_layernorm_over_several_trailing_dims():
    mg.manual_seed(4)
    ours = nn.LayerNorm((3, 4))
    ours.weight.data[...] = np.random.default_rng(5).standard_normal((3, 4))
    ours.bias.data[...] = np.random.default_rng(6).standard_normal((3, 4))
    _compare_layer(ours, torch.nn.LayerNorm((3, 4)), (2, 5, 3, 4))
    _compare_layer(nn.LayerNorm([2, 3, 4], elementwise_affine=False),
                   torch.nn.LayerNorm([2, 3, 4], elementwise_affine=False), (5, 2, 3, 4))
    _compare_layer(nn.LayerNorm((4,)), torch.nn.LayerNorm((4,)), (2, 3, 4))      # the fused tier
    _compare(lambda x, w, b: F.layer_norm(x, (3, 4), w, b), lambda x, w, b: TF.layer_norm(x, (3, 4), w, b),
             [np.random.default_rng(8).standard_normal(s) for s in ((2, 3, 4), (3, 4), (3, 4))])
    _same_error(lambda: nn.LayerNorm((3, 4))(mg.zeros(2, 4, 3)),
                lambda: torch.nn.LayerNorm((3, 4))(torch.zeros(2, 4, 3)))


@pytest.mark.parametrize("padding_idx", [0, 3, -1])
def test_embedding_padding_row_starts_at_zero_and_gets_no_gradient(padding_idx):
    mg.manual_seed(5)
    ours = nn.Embedding(6, 3, padding_idx=padding_idx).double()
    np.testing.assert_array_equal(ours.weight.numpy()[padding_idx], 0.0)
    theirs, _ = _twin(ours, torch.nn.Embedding(6, 3, padding_idx=padding_idx))
    ids = np.array([[0, 3, 5, 3], [5, 1, 0, 2]])
    w = np.random.default_rng(0).standard_normal((2, 4, 3))
    out_m, out_t = ours(ids), theirs(torch.tensor(ids))
    np.testing.assert_allclose(out_m.numpy(), out_t.detach().numpy(), rtol=0, atol=0)
    (out_m * mg.tensor(w)).sum().backward()
    (out_t * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=TOL, atol=TOL)
    assert not ours.weight.grad[padding_idx].any()
    _same_error(lambda: ours(np.array([6])), lambda: theirs(torch.tensor([6])))


@pytest.mark.parametrize("bad", [-1, 6])
def test_embedding_refuses_ids_outside_the_table_like_torch(bad):
    ours, theirs = nn.Embedding(6, 3), torch.nn.Embedding(6, 3)
    _same_error(lambda: ours(np.array([0, bad])), lambda: theirs(torch.tensor([0, bad])))   # -1 used to wrap
    _same_error(lambda: ours(mg.tensor(np.array([bad]))), lambda: theirs(torch.tensor([bad])))


def test_load_state_dict_takes_torch_tensors_and_minigrad_tensors():
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    theirs.train()(torch.randn(4, 3))                              # running stats and the counter move
    ours = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    state = theirs.state_dict()
    assert "1.num_batches_tracked" in state                          # torch's counter: accepted, ignored
    ours.load_state_dict(state)
    with pytest.raises(RuntimeError, match="num_batches_tracked"):   # only where a BatchNorm is
        nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 2)).load_state_dict(state)
    for k, v in ours.state_dict().items():
        np.testing.assert_array_equal(v, state[k].numpy())
    ours.load_state_dict({k: mg.tensor(v * 2) for k, v in ours.state_dict().items()})
    np.testing.assert_array_equal(ours[0].weight.numpy(), 2 * state["0.weight"].numpy())


def test_batchnorm_without_momentum_is_a_clear_error():
    with pytest.raises(NotImplementedError, match="momentum=None"):
        nn.BatchNorm1d(3, momentum=None)


def test_embedding_refuses_a_padding_idx_outside_the_table():
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(3, 2, padding_idx=3)
    with pytest.raises(AssertionError):                              # torch asserts; we raise ValueError
        torch.nn.Embedding(3, 2, padding_idx=3)


# ----------------------------------------------------------------------------- init, clipping
@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2, 2), (6, 2, 5)])
def test_init_fan_rules_and_gains_match_torch(shape):
    t = mg.zeros(*shape)
    assert nn.init._calculate_fan_in_and_fan_out(t) == torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))
    for name, param in [("linear", None), ("relu", None), ("tanh", None), ("leaky_relu", None),
                        ("leaky_relu", 0.2), ("selu", None), ("conv2d", None), ("sigmoid", None)]:
        assert nn.init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param),
                                                                     rel=1e-15)


def test_init_fills_in_place_with_torchs_bounds_and_spreads():
    mg.manual_seed(6)
    w = mg.zeros(400, 300, dtype=np.float64)
    fan_in, fan_out = 300, 400
    cases = [
        (lambda t: nn.init.xavier_uniform_(t, gain=2.0), "uniform", 2.0 * np.sqrt(6 / (fan_in + fan_out))),
        (nn.init.xavier_normal_, "normal", np.sqrt(2 / (fan_in + fan_out))),
        (nn.init.kaiming_uniform_, "uniform", np.sqrt(3) * np.sqrt(2) / np.sqrt(fan_in)),
        (lambda t: nn.init.kaiming_uniform_(t, a=np.sqrt(5)), "uniform", 1 / np.sqrt(fan_in)),   # torch's Linear
        (lambda t: nn.init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"), "normal", np.sqrt(2 / fan_out)),
        (lambda t: nn.init.uniform_(t, -0.3, 0.3), "uniform", 0.3),
        (lambda t: nn.init.normal_(t, 0.0, 0.05), "normal", 0.05),
    ]
    for fill, kind, size in cases:
        assert fill(w) is w
        values = w.numpy()
        if kind == "uniform":     # within the bound and filling it; the std of U(-a, a) is a / sqrt(3)
            assert np.abs(values).max() <= size and np.abs(values).max() > 0.999 * size
            assert values.std() == pytest.approx(size / np.sqrt(3), rel=0.01)
        else:                     # 120 000 draws: the sample std is within 1 % of the true one
            assert values.std() == pytest.approx(size, rel=0.01) and abs(values.mean()) < 0.01 * size
    assert not nn.init.zeros_(w).numpy().any() and (nn.init.ones_(w).numpy() == 1).all()
    assert (nn.init.constant_(w, 0.25).numpy() == 0.25).all() and w.dtype == np.float64
    _same_error(lambda: nn.init.xavier_uniform_(mg.zeros(3)), lambda: torch.nn.init.xavier_uniform_(torch.zeros(3)))
    _same_error(lambda: nn.init.kaiming_normal_(w, mode="fan"), lambda: torch.nn.init.kaiming_normal_(torch.zeros(2, 2),
                                                                                                    mode="fan"))


@pytest.mark.parametrize("norm_type, max_norm", [(2.0, 1.0), (2.0, 100.0), (1.0, 0.5), (float("inf"), 0.1)])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    rng = np.random.default_rng(9)
    grads = [rng.standard_normal(s) for s in ((3, 4), (4,), (2, 2, 2))]
    ours = [mg.Parameter(np.zeros(g.shape)) for g in grads] + [mg.Parameter(np.zeros(2))]   # last: no grad
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, q, g in zip(ours, theirs, grads):
        p.grad = g.copy()
        q.grad = torch.tensor(g)
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert isinstance(total, mg.Tensor) and total.shape == () and total.dtype == np.float64
    assert total.item() == pytest.approx(expected.item(), rel=1e-12)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_clip_grad_value_matches_torch():
    g = np.random.default_rng(12).standard_normal((5, 4))
    ours, theirs = mg.Parameter(np.zeros((5, 4))), torch.zeros(5, 4, dtype=torch.float64, requires_grad=True)
    ours.grad, theirs.grad = g.copy(), torch.tensor(g)
    nn.utils.clip_grad_value_([ours], 0.5)
    torch.nn.utils.clip_grad_value_([theirs], 0.5)
    np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())


# ----------------------------------------------------------------------------- losses
def _inputs(seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((6, 4)), rng.standard_normal((6, 4))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name, kwargs", [
    ("mse_loss", {}), ("l1_loss", {}), ("huber_loss", {}), ("huber_loss", {"delta": 0.7}),
    ("smooth_l1_loss", {}), ("smooth_l1_loss", {"beta": 0.5}), ("smooth_l1_loss", {"beta": 0.0}),
])
def test_regression_losses_match_torch(name, kwargs, reduction):
    _compare(lambda a, b: getattr(F, name)(a, b, reduction=reduction, **kwargs),
             lambda a, b: getattr(TF, name)(a, b, reduction=reduction, **kwargs), list(_inputs()))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_matches_torch_including_saturated_inputs(reduction):
    rng = np.random.default_rng(1)
    p = 1 / (1 + np.exp(-rng.standard_normal((5, 3))))
    y = rng.uniform(0, 1, (5, 3))
    _compare(lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction),
             lambda a, b: TF.binary_cross_entropy(a, b, reduction=reduction), [p, y], grads=[True, False])
    edge = np.array([0.0, 1.0, 0.5, 1e-50])
    _compare(lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction),
             lambda a, b: TF.binary_cross_entropy(a, b, reduction=reduction),
             [edge, np.array([1.0, 0.0, 1.0, 1.0])], grads=[True, False])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_with_logits_is_stable_and_matches_torch(reduction):
    z = np.array([[-80.0, -3.0, 0.0], [0.5, 4.0, 80.0]])          # e^80 would overflow a naive formula
    y = np.array([[1.0, 0.0, 1.0], [0.3, 1.0, 0.0]])
    out = _compare(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=reduction),
                   lambda a, b: TF.binary_cross_entropy_with_logits(a, b, reduction=reduction), [z, y])
    assert np.isfinite(out.numpy()).all()
    pw = np.array([2.0, 0.5, 1.5])
    _compare(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=reduction, pos_weight=pw),
             lambda a, b: TF.binary_cross_entropy_with_logits(a, b, reduction=reduction,
                                                              pos_weight=torch.tensor(pw)), [z, y])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_matches_torch_with_ignore_index(reduction):
    logp = np.log(np.random.default_rng(2).dirichlet(np.ones(4), size=6))
    for targets, ignore in [(np.array([0, 3, 1, 2, 2, 0]), -100), (np.array([0, 3, -100, 2, -100, 0]), -100),
                            (np.array([0, 3, 1, 2, 1, 1]), 1)]:
        _compare(lambda a, t, i=ignore: F.nll_loss(a, t, ignore_index=i, reduction=reduction),
                 lambda a, t, i=ignore: TF.nll_loss(a, t, ignore_index=i, reduction=reduction), [logp, targets])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.1, 1.0])
def test_cross_entropy_label_smoothing_ignore_index_and_probabilities(reduction, smoothing):
    rng = np.random.default_rng(3)
    z = rng.standard_normal((6, 5))
    kw = dict(reduction=reduction, label_smoothing=smoothing)
    for targets, ignore in [(np.array([0, 4, 1, 2, 2, 3]), -100), (np.array([0, -100, 1, -100, 2, 3]), -100),
                            (np.array([0, 4, 1, 2, 2, 3]), 2)]:
        _compare(lambda a, t, i=ignore: F.cross_entropy(a, t, ignore_index=i, **kw),
                 lambda a, t, i=ignore: TF.cross_entropy(a, t, ignore_index=i, **kw), [z, targets])
    probs = rng.dirichlet(np.ones(5), size=6)
    _compare(lambda a, q: F.cross_entropy(a, q, **kw), lambda a, q: TF.cross_entropy(a, q, **kw), [z, probs],
             grads=[True, False])


def test_cross_entropy_defaults_still_take_the_fused_path_and_agree_with_the_textbook_one():
    rng = np.random.default_rng(4)
    z, t = rng.standard_normal((8, 5)), rng.integers(0, 5, 8)
    fused = mg.cross_entropy(mg.tensor(z), t)
    assert fused._op == "cross_entropy"                           # the one-node fast path
    reference = mg.functional.cross_entropy_reference(mg.tensor(z), t)
    assert reference._op != "cross_entropy"
    np.testing.assert_allclose(fused.numpy(), reference.numpy(), rtol=1e-12)


@pytest.mark.parametrize("ours, theirs, kind", [
    (nn.CrossEntropyLoss(label_smoothing=0.05), torch.nn.CrossEntropyLoss(label_smoothing=0.05), "class"),
    (nn.CrossEntropyLoss(reduction="sum", ignore_index=1), torch.nn.CrossEntropyLoss(reduction="sum", ignore_index=1),
     "class"),
    (nn.NLLLoss(reduction="none"), torch.nn.NLLLoss(reduction="none"), "class"),
    (nn.MSELoss(), torch.nn.MSELoss(), "real"), (nn.L1Loss(reduction="sum"), torch.nn.L1Loss(reduction="sum"), "real"),
    (nn.HuberLoss(delta=0.5), torch.nn.HuberLoss(delta=0.5), "real"),
    (nn.SmoothL1Loss(beta=0.3), torch.nn.SmoothL1Loss(beta=0.3), "real"),
    (nn.BCEWithLogitsLoss(), torch.nn.BCEWithLogitsLoss(), "binary"), (nn.BCELoss(), torch.nn.BCELoss(), "prob"),
], ids=lambda v: repr(v) if isinstance(v, nn.Module) else "")
def test_loss_modules_match_torch(ours, theirs, kind):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 4))
    target = {"class": rng.integers(0, 4, 6), "real": rng.standard_normal((6, 4)),
              "binary": rng.uniform(0, 1, (6, 4)), "prob": rng.uniform(0, 1, (6, 4))}[kind]
    if kind == "prob":
        x = 1 / (1 + np.exp(-x))
    _compare(ours, theirs, [x, target], grads=[True, False])


def test_losses_refuse_what_torch_refuses():
    x = np.zeros((4, 3))
    targets = np.array([0, 1, 2, 0])
    _same_error(lambda: F.mse_loss(mg.tensor(x), mg.tensor(x), reduction="avg"),
                lambda: TF.mse_loss(torch.tensor(x), torch.tensor(x), reduction="avg"))
    with pytest.raises(ValueError):
        nn.L1Loss(reduction="avg")
    _same_error(lambda: F.cross_entropy(mg.tensor(x), targets, label_smoothing=1.5),
                lambda: TF.cross_entropy(torch.tensor(x), torch.tensor(targets), label_smoothing=1.5))
    _same_error(lambda: F.nll_loss(mg.tensor(x), np.array([0, 1, 5, 0])),
                lambda: TF.nll_loss(torch.tensor(x), torch.tensor([0, 1, 5, 0])))
    _same_error(lambda: F.cross_entropy(mg.tensor(x), np.array([0, 1, -3, -100])),
                lambda: TF.cross_entropy(torch.tensor(x), torch.tensor([0, 1, -3, -100])))
    _same_error(lambda: F.binary_cross_entropy(mg.tensor(np.array([1.5])), np.array([1.0])),
                lambda: TF.binary_cross_entropy(torch.tensor([1.5]), torch.tensor([1.0])))
    _same_error(lambda: F.binary_cross_entropy(mg.tensor(np.array([0.5, 0.5])), np.array([1.0])),
                lambda: TF.binary_cross_entropy(torch.tensor([0.5, 0.5]), torch.tensor([1.0])))
    _same_error(lambda: F.huber_loss(mg.tensor(x), mg.tensor(x), delta=0.0),
                lambda: TF.huber_loss(torch.tensor(x), torch.tensor(x), delta=0.0))
    with pytest.raises(ValueError, match=r"permute\(0, 2, 1\)"):     # torch's (N, C, L) layout: a clear error
        F.cross_entropy(mg.zeros(2, 3, 5), np.zeros((2, 5), dtype=np.int64))
    with pytest.raises(ValueError, match=r"permute\(0, 2, 3, 1\)"):
        F.nll_loss(mg.zeros(2, 3, 4, 5), np.zeros((2, 4, 5), dtype=np.int64))
    with pytest.raises(TypeError, match="integer class indices"):      # float targets of another shape
        F.cross_entropy(mg.tensor(x), np.array([[0.0], [1.0], [2.0], [0.0]]))


# ----------------------------------------------------------------------------- pad, one_hot, attention
@pytest.mark.parametrize("widths", [(1, 2), (0, 1, 2, 0), (1, 1, 1, 1, 1, 1), (-1, 2), (2, -1, 0, -2)])
def test_pad_takes_torchs_last_axis_first_order(widths):
    _compare(lambda x: F.pad(x, widths, value=0.5), lambda x: TF.pad(x, widths, value=0.5),
             [np.random.default_rng(6).standard_normal((2, 3, 4))])


def test_pad_and_one_hot_refuse_like_torch():
    _same_error(lambda: F.pad(mg.zeros(2, 3), (1,)), lambda: TF.pad(torch.zeros(2, 3), (1,)))
    _same_error(lambda: F.pad(mg.zeros(2, 3), (1,) * 6), lambda: TF.pad(torch.zeros(2, 3), (1,) * 6))
    _same_error(lambda: F.one_hot(np.array([3]), 3), lambda: TF.one_hot(torch.tensor([3]), 3))
    _same_error(lambda: F.one_hot(np.array([-1]), 3), lambda: TF.one_hot(torch.tensor([-1]), 3))
    _same_error(lambda: F.one_hot(mg.tensor(np.array([1.0])), 3), lambda: TF.one_hot(torch.tensor([1.0]), 3))


@pytest.mark.parametrize("num_classes", [-1, 6])
def test_one_hot_matches_torch(num_classes):
    ids = np.array([[0, 3, 1], [4, 4, 2]])
    ours, theirs = F.one_hot(ids, num_classes), TF.one_hot(torch.tensor(ids), num_classes)
    assert ours.dtype == np.int64 == _dtype(theirs) and ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("case", ["plain", "causal", "bool", "float", "scale", "cross"])
def test_scaled_dot_product_attention_matches_torch(case):
    rng = np.random.default_rng(7)
    length, source = 5, (7 if case == "cross" else 5)
    q, k, v = rng.standard_normal((2, 3, length, 4)), rng.standard_normal((2, 3, source, 4)), \
        rng.standard_normal((2, 3, source, 6))
    mask = {"bool": rng.uniform(size=(length, source)) > 0.3, "float": rng.standard_normal((3, length, source))}
    mask["bool"][:, 0] = True                                       # no row is masked out completely
    kw = {"causal": dict(is_causal=True), "scale": dict(scale=0.3)}.get(case, {})
    m = mask.get(case)
    _compare(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=m, **kw),
             lambda a, b, c: TF.scaled_dot_product_attention(a, b, c, attn_mask=None if m is None
                                                              else torch.tensor(m), **kw), [q, k, v])


def test_attention_refuses_a_mask_with_is_causal_and_dropout_is_seeded():
    q = mg.tensor(np.random.default_rng(8).standard_normal((2, 4, 3)))
    _same_error(lambda: F.scaled_dot_product_attention(q, q, q, attn_mask=np.ones((4, 4), bool), is_causal=True),
                lambda: TF.scaled_dot_product_attention(torch.tensor(q.numpy()), torch.tensor(q.numpy()),
                                                        torch.tensor(q.numpy()), attn_mask=torch.ones(4, 4, dtype=bool),
                                                        is_causal=True))
    mg.manual_seed(1)
    a = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5).numpy()
    mg.manual_seed(1)
    b = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, F.scaled_dot_product_attention(q, q, q).numpy())


def test_functional_names_match_torch_forms():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 3, 6, 6))
    _compare(lambda a: F.avg_pool2d(a, 2), lambda a: TF.avg_pool2d(a, 2), [x])
    _compare(lambda a: F.adaptive_avg_pool2d(a, 4), lambda a: TF.adaptive_avg_pool2d(a, 4), [x])
    _compare(lambda a: F.max_pool2d(a, (2, 3), (1, 2), (1, 1)), lambda a: TF.max_pool2d(a, (2, 3), (1, 2), (1, 1)), [x])
    _compare(lambda a, w: F.conv2d(a, w, None, (2, 1), (0, 1)), lambda a, w: TF.conv2d(a, w, None, (2, 1), (0, 1)),
             [x, rng.standard_normal((4, 3, 3, 2))])
    _compare(lambda a, w, b: F.conv1d(a, w, b, 2, 1), lambda a, w, b: TF.conv1d(a, w, b, 2, 1),
             [x[:, :, 0], rng.standard_normal((4, 3, 3)), rng.standard_normal(4)])
    _compare(lambda a: F.leaky_relu(a, 0.1), lambda a: TF.leaky_relu(a, 0.1), [x])
    _compare(lambda a: F.gelu(a, approximate="tanh"), lambda a: TF.gelu(a, approximate="tanh"), [x])
    _compare(F.gelu, TF.gelu, [x])
    _compare(lambda a, w, b: F.layer_norm(a, (6,), w, b), lambda a, w, b: TF.layer_norm(a, (6,), w, b),
             [x, rng.standard_normal(6), rng.standard_normal(6)])
    _compare(F.silu, TF.silu, [x])
    _compare(F.softplus, TF.softplus, [x * 10])
    _compare(lambda a: F.softmax(a, dim=1), lambda a: TF.softmax(a, dim=1), [x])
    _compare(lambda a: F.log_softmax(a, dim=-1), lambda a: TF.log_softmax(a, dim=-1), [x])
    _compare(lambda w: F.embedding(np.array([[1, 0], [2, 2]]), w, padding_idx=2),
             lambda w: TF.embedding(torch.tensor([[1, 0], [2, 2]]), w, padding_idx=2), [rng.standard_normal((3, 4))])
    mg.manual_seed(0)
    kept = F.dropout(mg.ones(1000)).numpy()
    assert set(np.unique(kept)) == {0.0, 2.0}                      # torch's default p = 0.5
    assert F.dropout(mg.ones(5), training=False).numpy().tolist() == [1.0] * 5


def test_torch_module_paths_work():
    import minigrad.nn.init as init
    from minigrad.nn.utils import clip_grad_norm_

    assert mg.nn is nn and nn.functional is F and init.xavier_uniform_ is nn.init.xavier_uniform_
    assert clip_grad_norm_ is mg.nn.utils.clip_grad_norm_
    for name in ("Identity", "ModuleList", "ModuleDict", "Conv1d", "AvgPool2d", "CrossEntropyLoss", "BCELoss"):
        assert getattr(mg, name) is getattr(nn, name)
    for name in ("nll_loss", "binary_cross_entropy_with_logits", "one_hot", "scaled_dot_product_attention"):
        assert getattr(mg, name) is getattr(F, name)


def test_float32_inputs_give_float32_results_and_gradients_as_torch():
    rng = np.random.default_rng(10)
    x = rng.standard_normal((4, 3, 6, 6)).astype(np.float32)
    y = rng.uniform(0, 1, (4, 3, 6, 6)).astype(np.float32)
    cases = [
        (lambda a: F.avg_pool2d(a, 2), lambda a: TF.avg_pool2d(a, 2)),
        (lambda a: F.adaptive_avg_pool2d(a, 3), lambda a: TF.adaptive_avg_pool2d(a, 3)),
        (lambda a: F.max_pool2d(a, 3, 2, 1), lambda a: TF.max_pool2d(a, 3, 2, 1)),
        (lambda a: F.pad(a, (1, 2)), lambda a: TF.pad(a, (1, 2))),
        (F.silu, TF.silu), (F.softplus, TF.softplus), (F.leaky_relu, TF.leaky_relu),
        (lambda a: F.huber_loss(a, mg.tensor(y)), lambda a: TF.huber_loss(a, torch.tensor(y))),
        (lambda a: F.l1_loss(a, mg.tensor(y)), lambda a: TF.l1_loss(a, torch.tensor(y))),
        (lambda a: F.binary_cross_entropy_with_logits(a, mg.tensor(y)),
         lambda a: TF.binary_cross_entropy_with_logits(a, torch.tensor(y))),
        (lambda a: F.binary_cross_entropy(a.sigmoid(), y), lambda a: TF.binary_cross_entropy(a.sigmoid(),
                                                                                           torch.tensor(y))),
        (lambda a: F.cross_entropy(a.reshape(-1, 6), np.arange(72) % 6, label_smoothing=0.2),
         lambda a: TF.cross_entropy(a.reshape(-1, 6), torch.arange(72) % 6, label_smoothing=0.2)),
        (lambda a: F.scaled_dot_product_attention(a, a, a, is_causal=True),
         lambda a: TF.scaled_dot_product_attention(a, a, a, is_causal=True)),
    ]
    for fn_mg, fn_torch in cases:       # float32 rounding: agreement to 1e-5
        _compare(fn_mg, fn_torch, [x], tol=1e-5)
        ours = mg.tensor(x, requires_grad=True)
        fn_mg(ours).sum().backward()
        assert ours.grad.dtype == np.float32


def test_sequential_of_an_ordered_dict_keeps_the_names():
    from collections import OrderedDict

    ours = nn.Sequential(OrderedDict([("fc", nn.Linear(3, 4)), ("act", nn.ReLU()), ("out", nn.Linear(4, 1))]))
    theirs = torch.nn.Sequential(OrderedDict([("fc", torch.nn.Linear(3, 4)), ("act", torch.nn.ReLU()),
                                              ("out", torch.nn.Linear(4, 1))]))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["fc.weight", "fc.bias", "out.weight", "out.bias"]
    theirs, pairs = _twin(ours.double(), theirs)
    _compare(ours, theirs, [np.random.default_rng(11).standard_normal((5, 3))], params=pairs)
    assert isinstance(ours.state_dict(), OrderedDict) and len(ours) == 3 and ours[2] is ours.out
