"""Every minigrad op's forward value and gradient equal PyTorch autograd (float64, 1e-6).

Each case builds the same computation in minigrad and in torch from the same random inputs,
reduces it to a scalar with a fixed random weighting (so every output element matters), and
compares the values and the gradients of every input.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.gradcheck import numerical_grad

torch = pytest.importorskip("torch")
TOL = 1e-6


def _compare(fn_mg, fn_torch, *shapes, positive=False, seed=0, tol=TOL):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    if positive:
        arrays = [np.abs(a) + 0.5 for a in arrays]
    ours = [mg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out_m, out_t = fn_mg(*ours), fn_torch(*theirs)
    assert out_m.dtype == np.float64
    np.testing.assert_allclose(out_m.numpy(), out_t.detach().numpy(), atol=tol, rtol=tol)
    weights = rng.standard_normal(out_t.shape)
    (out_m * mg.tensor(weights)).sum().backward()
    (out_t * torch.tensor(weights)).sum().backward()
    for a, b in zip(ours, theirs):
        assert a.grad is not None and a.grad.shape == a.shape
        np.testing.assert_allclose(a.grad, b.grad.numpy(), atol=tol, rtol=tol)


BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / (b * b + 1), lambda a, b: a / (b * b + 1)),
}
BROADCAST_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 3, 4), (3, 1)), ((1, 4), (5, 1)), ((2, 1, 4), (1, 3, 1))]


@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
def test_binary_ops_with_broadcasting(name, shapes):
    _compare(*BINARY[name], *shapes)


def test_scalar_operands_and_reflected_ops():
    _compare(lambda a: 2.0 * a - 1.5 + a / 4 - 3 / (a * a + 1) + (1 - a), lambda a: 2.0 * a - 1.5 + a / 4
             - 3 / (a * a + 1) + (1 - a), (3, 5))


UNARY = {
    "neg": (lambda a: -a, lambda a: -a, False),
    "pow3": (lambda a: a ** 3, lambda a: a ** 3, False),
    "pow_frac": (lambda a: a ** 1.5, lambda a: a ** 1.5, True),
    "exp": (mg.exp, torch.exp, False),
    "log": (mg.log, torch.log, True),
    "sqrt": (mg.sqrt, torch.sqrt, True),
    "abs": (lambda a: a.abs(), torch.abs, False),
    "tanh": (mg.tanh, torch.tanh, False),
    "sigmoid": (mg.sigmoid, torch.sigmoid, False),
    "relu": (mg.relu, torch.relu, False),
    "gelu": (mg.gelu, torch.nn.functional.gelu, False),
    "gelu_tanh": (lambda a: mg.gelu(a, "tanh"), lambda a: torch.nn.functional.gelu(a, approximate="tanh"), False),
}


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_ops(name):
    fm, ft, positive = UNARY[name]
    _compare(fm, ft, (4, 6), positive=positive)


def test_tensor_exponent_pow():
    _compare(lambda a, b: a ** b, lambda a, b: a ** b, (3, 4), (4,), positive=True)


@pytest.mark.parametrize("shapes", [((5, 3), (3, 4)), ((2, 5, 3), (3, 4)), ((2, 5, 3), (2, 3, 4)),
                                    ((2, 1, 5, 3), (3, 3, 4)), ((3,), (3, 4)), ((5, 3), (3,))], ids=str)
def test_batched_matmul(shapes):
    _compare(lambda a, b: a @ b, lambda a, b: a @ b, *shapes)


def test_fused_linear():
    _compare(lambda x, w, b: mg.linear(x, w, b), torch.nn.functional.linear, (2, 5, 3), (4, 3), (4,))


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("op", ["sum", "mean", "amax"])
def test_reductions(op, axis, keepdims):
    def t_red(a):
        dims = tuple(range(a.ndim)) if axis is None else axis
        if op == "amax":
            return torch.amax(a, dim=dims, keepdim=keepdims)
        return getattr(torch, op)(a, dim=dims, keepdim=keepdims)

    _compare(lambda a: getattr(a, op)(axis=axis, keepdims=keepdims), t_red, (3, 4, 5))


def test_var_biased_and_unbiased():
    _compare(lambda a: a.var(axis=1, unbiased=False) + a.var(axis=0, unbiased=True).sum(),
             lambda a: a.var(dim=1, unbiased=False) + a.var(dim=0, unbiased=True).sum(), (4, 5))


def test_shape_ops():
    _compare(lambda a: a.reshape(6, 4).transpose(0, 1).permute(1, 0).reshape(2, 3, 4).permute(2, 0, 1),
             lambda a: a.reshape(6, 4).transpose(0, 1).permute(1, 0).reshape(2, 3, 4).permute(2, 0, 1), (2, 12))
    _compare(lambda a: a.T.unsqueeze(0).squeeze(0).expand(2, 4, 3).flatten(1),
             lambda a: a.T.unsqueeze(0).squeeze(0).expand(2, 4, 3).flatten(1), (3, 4))


def test_indexing_basic_and_advanced_with_repeats():
    idx = np.array([0, 2, 2, 1, 0])
    _compare(lambda a: a[1:, ::2] * 2 + a[idx][:, 1:3].sum(), lambda a: a[1:, ::2] * 2 + a[idx][:, 1:3].sum(), (4, 5))
    _compare(lambda a: a[idx, idx], lambda a: a[idx, idx], (4, 5))
    _compare(lambda a: a[..., None, 1], lambda a: a[..., None, 1], (2, 3, 4))


def test_gather():
    index = np.array([[0, 2], [1, 1], [3, 0]])
    _compare(lambda a: a.gather(1, index), lambda a: a.gather(1, torch.tensor(index)), (3, 4))
    index0 = np.array([[2, 0, 1, 1]])
    _compare(lambda a: mg.gather(a, 0, index0), lambda a: torch.gather(a, 0, torch.tensor(index0)), (3, 4))


def test_concat_and_stack():
    _compare(lambda a, b: mg.concat([a, b, a], axis=1), lambda a, b: torch.cat([a, b, a], dim=1), (2, 3), (2, 4))
    _compare(lambda a, b: mg.stack([a, b], axis=1), lambda a, b: torch.stack([a, b], dim=1), (2, 3), (2, 3))


def test_where_and_masked_fill():
    mask = np.random.default_rng(1).random((3, 4)) > 0.5
    _compare(lambda a, b: mg.where(mask, a, b), lambda a, b: torch.where(torch.tensor(mask), a, b), (3, 4), (4,))
    _compare(lambda a: mg.where(mask, a, 0.0), lambda a: torch.where(torch.tensor(mask), a, 0.0), (3, 4))
    _compare(lambda a: a.masked_fill(mask, -1e9).softmax(-1),
             lambda a: a.masked_fill(torch.tensor(mask), -1e9).softmax(-1), (3, 4))


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_and_log_softmax(axis):
    _compare(lambda a: mg.softmax(a, axis), lambda a: torch.softmax(a, axis), (3, 4, 5))
    _compare(lambda a: mg.log_softmax(a, axis), lambda a: torch.log_softmax(a, axis), (3, 4, 5))


def test_softmax_is_stable_for_huge_logits():
    x = mg.tensor(np.array([[1000.0, 1001.0, 999.0]]), requires_grad=True)
    y = mg.log_softmax(x, -1)
    assert np.isfinite(y.numpy()).all()
    ref = torch.log_softmax(torch.tensor([[1000.0, 1001.0, 999.0]], dtype=torch.float64), -1)
    np.testing.assert_allclose(y.numpy(), ref.numpy(), atol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_fused_cross_entropy(reduction):
    targets = np.array([3, 0, 4, 4, 1, 2])
    _compare(lambda z: mg.cross_entropy(z * 30, targets, reduction=reduction),
             lambda z: torch.nn.functional.cross_entropy(z * 30, torch.tensor(targets), reduction=reduction), (6, 5))
    t3 = np.array([[1, 0, 2], [2, 2, 0]])
    _compare(lambda z: mg.cross_entropy(z, t3, reduction=reduction),
             lambda z: torch.nn.functional.cross_entropy(z.reshape(-1, 3), torch.tensor(t3).reshape(-1),
                                                         reduction=reduction).reshape(
                 (2, 3) if reduction == "none" else ()), (2, 3, 3))


def test_layer_norm_fused():
    _compare(lambda x, w, b: mg.layer_norm(x, w, b), lambda x, w, b: torch.nn.functional.layer_norm(x, (6,), w, b),
             (2, 3, 6), (6,), (6,))


def test_conv2d_matches_torch():
    for stride, padding in [(1, 0), (1, 1), (2, 1), (2, 2)]:
        _compare(lambda x, w, b, s=stride, p=padding: mg.conv2d(x, w, b, stride=s, padding=p),
                 lambda x, w, b, s=stride, p=padding: torch.nn.functional.conv2d(x, w, b, stride=s, padding=p),
                 (2, 3, 7, 6), (4, 3, 3, 3), (4,))


def test_max_pool_matches_torch():
    _compare(lambda x: mg.max_pool2d(x, 2), lambda x: torch.nn.functional.max_pool2d(x, 2), (2, 3, 6, 8))
    _compare(lambda x: mg.max_pool2d(x, 3, 2), lambda x: torch.nn.functional.max_pool2d(x, 3, 2), (2, 2, 7, 7))


def test_max_pool_ties_send_gradient_to_one_element_like_torch():
    x = np.zeros((1, 1, 2, 2))
    ours = mg.tensor(x, requires_grad=True)
    mg.max_pool2d(ours, 2).sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    torch.nn.functional.max_pool2d(theirs, 2).sum().backward()
    np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())


def test_gradient_accumulates_over_reuse_and_calls():
    a = mg.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    (a * a + a).sum().backward()
    np.testing.assert_allclose(a.grad, 2 * np.array([1.0, 2.0, 3.0]) + 1)
    (a * 2).sum().backward()  # a second backward adds, like torch
    np.testing.assert_allclose(a.grad, 2 * np.array([1.0, 2.0, 3.0]) + 3)


def test_topological_order_lists_each_node_before_its_inputs():
    """A diamond (b and c both use a) plus a reused node: every inner node once, users first, no
    leaves. (Its docstring example runs in tests/common/test_docstrings.py.)"""
    import sys

    tensor_module = sys.modules["minigrad.tensor"]
    x = mg.tensor(np.ones(3), requires_grad=True)
    a = x * 2.0
    b, c = a.exp(), a * a
    loss = (b + c + c).sum()
    order = tensor_module.topological_order(loss)
    assert order[0] is loss and x not in order and len(order) == len({id(n) for n in order}) == 6
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for parent in node._prev:
            if parent._prev:
                assert position[id(node)] < position[id(parent)], (node._op, parent._op)


def test_no_grad_records_nothing():
    a = mg.tensor(np.ones(3), requires_grad=True)
    with mg.no_grad():
        b = a * 2
    assert not b.requires_grad and b.is_leaf
    assert (a * 2).requires_grad


def test_dtype_rules():
    assert mg.tensor([1.0, 2.0]).dtype == np.float32
    assert mg.tensor(np.ones(2)).dtype == np.float64
    assert mg.tensor(np.ones(2, dtype=np.float32)).dtype == np.float32
    assert (mg.tensor([1.0]) * 2.5).dtype == np.float32
    one = mg.tensor([1.0], requires_grad=True)
    for out in (one * np.float64(0.5), one + np.float64(1), one / np.float64(2), np.float64(2) * one - 1):
        assert out.dtype == np.float32        # NumPy float64 scalars adopt the tensor's dtype too
    assert mg.Linear(3, 2).weight.dtype == np.float32
    with mg.default_dtype(mg.float64):
        assert mg.Linear(3, 2).weight.dtype == np.float64
        assert mg.tensor([1.0]).dtype == np.float64
    assert mg.tensor([1, 2]).dtype.kind == "i"
    with pytest.raises(TypeError):
        mg.tensor([1, 2], requires_grad=True)


def test_composite_gradients_match_finite_differences():
    """A composite (attention-like block) checked against central differences, no torch involved."""
    rng = np.random.default_rng(3)
    x0 = rng.standard_normal((2, 3, 4))
    w = rng.standard_normal((4, 4))
    mask = np.tril(np.ones((3, 3), dtype=bool))

    def f(x):
        q = x @ mg.tensor(w)
        att = (q @ x.transpose(-2, -1) / 2.0).masked_fill(~mask, -1e9).softmax(-1)
        h = mg.layer_norm(att @ x, None, None)
        return (mg.gelu(h, "tanh") * h.sigmoid()).sum() + mg.cross_entropy(h.reshape(-1, 4), np.arange(6) % 4)

    x = mg.tensor(x0, requires_grad=True)
    f(x).backward()
    numeric = numerical_grad(lambda arr: f(mg.tensor(arr)).item(), x0)
    np.testing.assert_allclose(x.grad, numeric, atol=1e-6, rtol=1e-5)
