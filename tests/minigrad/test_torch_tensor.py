"""minigrad's tensor ops against PyTorch in float64 (issue 17: an API that feels like torch).

Each case runs the same expression in minigrad and in torch on the same random inputs and
compares the forward values, the output dtype and shape, and the gradient of every input (the
output is reduced to a scalar with fixed random weights, so every output element counts).
Tolerance 1e-12 (these ops are a handful of float64 operations; the tolerance says the two
compute the same formula, not just nearly the same value). Invalid input must raise the same
kind of exception as torch.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")
TOL = 1e-12


def _values(out):
    """The tensors of an op's result (a tensor, or a tuple such as (values, indices))."""
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _compare(fn_mg, fn_torch, *shapes, positive=False, seed=0, tol=TOL, arrays=None):
    rng = np.random.default_rng(seed)
    if arrays is None:
        arrays = [rng.standard_normal(s) for s in shapes]
        if positive:
            arrays = [np.abs(a) + 0.5 for a in arrays]
    ours = [mg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    outs_m, outs_t = _values(fn_mg(*ours)), _values(fn_torch(*theirs))
    assert len(outs_m) == len(outs_t)
    loss_m, loss_t = 0, 0
    for om, ot in zip(outs_m, outs_t):
        assert om.shape == tuple(ot.shape)
        assert om.dtype == np.dtype(str(ot.dtype).replace("torch.", ""))
        np.testing.assert_allclose(om.numpy(), ot.detach().numpy(), rtol=tol, atol=tol)
        if ot.dtype.is_floating_point and ot.requires_grad:
            w = rng.standard_normal(tuple(ot.shape))
            loss_m = loss_m + (om * mg.tensor(w)).sum()
            loss_t = loss_t + (ot * torch.tensor(w)).sum()
    loss_m.backward()
    loss_t.backward()
    for a, b in zip(ours, theirs):
        expected = np.zeros(a.shape) if b.grad is None else b.grad.numpy()
        got = np.zeros(a.shape) if a.grad is None else a.grad
        np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)


def _same_error(fn_mg, fn_torch, array):
    """Both libraries refuse the input, with the same exception class."""
    with pytest.raises(Exception) as theirs:
        fn_torch(torch.tensor(array))
    with pytest.raises(theirs.type):
        fn_mg(mg.tensor(array))


# ----------------------------------------------------------------------------- dim= / keepdim=
@pytest.mark.parametrize("op", ["mean", "amax", "amin", "logsumexp"])
@pytest.mark.parametrize("dim", [0, -1, (0, 2), [1, 2]], ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_reductions_take_dim_and_keepdim(op, dim, keepdim):
    _compare(lambda a: getattr(a, op)(dim=dim, keepdim=keepdim),
             lambda a: getattr(a, op)(dim=dim, keepdim=keepdim), (3, 4, 5))


@pytest.mark.parametrize("dim", [0, -1, (0, 2), [1, 2]], ids=str)
def test_sum_takes_positional_dims_like_torch(dim):
    # Tensor.sum is a learner function, so its signature keeps axis/keepdims (no dim= keyword)
    _compare(lambda a: a.sum(dim, True), lambda a: a.sum(dim, True), (3, 4, 5))
    _compare(lambda a: a.sum(dim), lambda a: a.sum(dim), (3, 4, 5))


def test_dim_is_the_same_argument_as_axis():
    x = mg.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x.mean(dim=1).numpy(), x.mean(axis=1).numpy())
    with pytest.raises(TypeError):
        x.mean(axis=0, dim=1)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_takes_dim(name):
    _compare(lambda a: getattr(a, name)(dim=0), lambda a: getattr(a, name)(dim=0), (3, 4))
    _compare(lambda a: getattr(mg, name)(a, dim=1), lambda a: getattr(torch, name)(a, dim=1), (3, 4))


@pytest.mark.parametrize("name", ["cat", "stack", "concat"])
def test_joining_takes_dim(name):
    _compare(lambda a, b: getattr(mg, name)([a, b], dim=1), lambda a, b: getattr(torch, name)([a, b], dim=1),
             (2, 3), (2, 3))
    _compare(lambda a, b: getattr(mg, name)([a, b], dim=-1), lambda a, b: getattr(torch, name)([a, b], dim=-1),
             (2, 3), (2, 3))


def test_argmax_argmin_with_dim_and_keepdim():
    a = np.random.default_rng(1).standard_normal((3, 4))
    for name in ("argmax", "argmin"):
        for kw in ({}, {"dim": 1}, {"dim": 0, "keepdim": True}):
            ours, theirs = getattr(mg.tensor(a), name)(**kw), getattr(torch.tensor(a), name)(**kw)
            assert ours.shape == tuple(theirs.shape) and ours.dtype == np.int64
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


# ----------------------------------------------------------------------------- max / min
@pytest.mark.parametrize("which", ["max", "min"])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_with_dim_return_values_and_indices(which, keepdim):
    _compare(lambda a: getattr(a, which)(1, keepdim=keepdim), lambda a: getattr(a, which)(1, keepdim=keepdim),
             (3, 4, 2))
    out = getattr(mg.tensor(np.array([[1.0, 3.0, 3.0]])), which)(dim=1)
    assert out.indices.dtype == np.int64 and out.values is out[0]


def test_max_with_ties_along_dim_sends_the_gradient_to_the_first_like_torch():
    a = np.array([[2.0, 5.0, 5.0], [1.0, 1.0, 0.0]])
    _compare(lambda x: x.max(dim=1).values, lambda x: x.max(dim=1).values, arrays=[a])
    _compare(lambda x: x.min(dim=1).values, lambda x: x.min(dim=1).values, arrays=[a])


def test_max_without_dim_is_a_scalar_and_ties_share_the_gradient():
    a = np.array([[2.0, 5.0, 5.0], [1.0, 1.0, 0.0]])
    _compare(lambda x: x.max(), lambda x: x.max(), arrays=[a])
    _compare(lambda x: x.min(), lambda x: x.min(), arrays=[a])
    _compare(lambda x, y: x.max(y) + x.min(y), lambda x, y: x.max(y) + x.min(y), (3, 4), (4,))


def test_maximum_minimum_split_ties_in_half_like_torch():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 4.0])
    _compare(mg.maximum, torch.maximum, arrays=[a, b])
    _compare(mg.minimum, torch.minimum, arrays=[a, b])


# ----------------------------------------------------------------------------- shapes and axes
def test_squeeze_like_torch():
    a = np.random.default_rng(2).standard_normal((1, 3, 1, 2))
    for args in ((), (0,), (1,), (-2,), ((0, 2),)):
        _compare(lambda x, args=args: x.squeeze(*args), lambda x, args=args: x.squeeze(*args), arrays=[a])
    _compare(lambda x: x.squeeze(dim=2), lambda x: x.squeeze(dim=2), arrays=[a])
    _same_error(lambda x: x.squeeze(4), lambda x: x.squeeze(4), a)


def test_unsqueeze_flatten_t_and_transpose_like_torch():
    _compare(lambda x: x.unsqueeze(dim=-1), lambda x: x.unsqueeze(dim=-1), (2, 3))
    _compare(lambda x: x.unsqueeze(2), lambda x: x.unsqueeze(2), (2, 3))
    _compare(lambda x: x.flatten(1, 2), lambda x: x.flatten(1, 2), (2, 3, 4, 2))
    _compare(lambda x: x.flatten(), lambda x: x.flatten(), (2, 3, 4))
    _compare(lambda x: x.t(), lambda x: x.t(), (2, 3))
    _compare(lambda x: x.t(), lambda x: x.t(), (3,))
    _compare(lambda x: x.transpose(0, 2), lambda x: x.transpose(0, 2), (2, 3, 4))
    a = np.zeros((2, 3, 4))
    _same_error(lambda x: x.t(), lambda x: x.t(), a)
    _same_error(lambda x: x.unsqueeze(4), lambda x: x.unsqueeze(4), a)
    _same_error(lambda x: x.transpose(0, 3), lambda x: x.transpose(0, 3), a)


@pytest.mark.parametrize("call", [
    lambda x: x.sum(3), lambda x: x.sum(-4), lambda x: x.mean(dim=(0, 5)), lambda x: x.max(3),
    lambda x: x.softmax(3), lambda x: x.log_softmax(-4), lambda x: x.argmax(3), lambda x: x.var(3),
    lambda x: x.size(3), lambda x: x.cumsum(3), lambda x: x.amax(3), lambda x: x.logsumexp(5),
    lambda x: x.norm(dim=3), lambda x: x.sort(3), lambda x: x.split(1, 3), lambda x: x.flatten(0, 3),
], ids=["sum", "sum-neg", "mean-tuple", "max", "softmax", "log_softmax", "argmax", "var", "size", "cumsum",
        "amax", "logsumexp", "norm", "sort", "split", "flatten"])
def test_out_of_range_axes_raise_index_error_like_torch(call):
    _same_error(call, call, np.zeros((2, 3, 4)))


def test_cat_and_stack_out_of_range_raise_like_torch():
    a = np.zeros((2, 3))
    _same_error(lambda x: mg.cat([x, x], dim=2), lambda x: torch.cat([x, x], dim=2), a)
    _same_error(lambda x: mg.stack([x, x], dim=3), lambda x: torch.stack([x, x], dim=3), a)


def test_size_numel_and_dim():
    x, t = mg.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    assert x.size() == tuple(t.size()) and x.size(1) == t.size(1) == 3 and x.size(-1) == 4
    assert x.numel() == t.numel() == 24 and x.dim() == t.dim() == 3


def test_repeat_chunk_split_like_torch():
    _compare(lambda x: x.repeat(2, 1, 3), lambda x: x.repeat(2, 1, 3), (2, 3))
    _compare(lambda x: x.repeat(2, 2), lambda x: x.repeat(2, 2), (2, 3))
    _compare(lambda x: x.chunk(3, dim=1), lambda x: x.chunk(3, dim=1), (2, 7))
    _compare(lambda x: x.chunk(2), lambda x: x.chunk(2), (5, 2))
    _compare(lambda x: x.split(2, dim=1), lambda x: x.split(2, dim=1), (2, 5))
    _compare(lambda x: x.split([1, 3, 1], 1), lambda x: x.split([1, 3, 1], 1), (2, 5))
    a = np.zeros((2, 5))
    _same_error(lambda x: x.repeat(2), lambda x: x.repeat(2), a)
    _same_error(lambda x: x.split([1, 2], 1), lambda x: x.split([1, 2], 1), a)


def test_tril_triu_like_torch():
    for k in (0, 1, -1):
        _compare(lambda x, k=k: x.tril(k), lambda x, k=k: x.tril(k), (2, 4, 4))
        _compare(lambda x, k=k: x.triu(diagonal=k), lambda x, k=k: x.triu(diagonal=k), (3, 5))
    _same_error(lambda x: x.tril(), lambda x: x.tril(), np.zeros(3))


def test_sort_and_topk_like_torch():
    a = np.random.default_rng(3).standard_normal((3, 6))
    _compare(lambda x: x.sort(dim=1), lambda x: x.sort(dim=1), arrays=[a])
    _compare(lambda x: x.sort(0, descending=True), lambda x: x.sort(0, descending=True), arrays=[a])
    _compare(lambda x: x.topk(2), lambda x: x.topk(2), arrays=[a])
    _compare(lambda x: x.topk(2, dim=0, largest=False), lambda x: x.topk(2, dim=0, largest=False), arrays=[a])
    _same_error(lambda x: x.topk(7), lambda x: x.topk(7), a)


# ----------------------------------------------------------------------------- gather
def test_gather_with_an_index_smaller_than_the_input():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((4, 5, 3))
    for dim, shape in ((1, (2, 3, 2)), (0, (3, 5, 1)), (2, (4, 2, 5))):
        idx = rng.integers(0, a.shape[dim], shape)
        _compare(lambda x, d=dim, i=idx: x.gather(d, mg.tensor(i)),
                 lambda x, d=dim, i=idx: x.gather(d, torch.tensor(i)), arrays=[a])
    too_big = np.zeros((5, 5, 3), dtype=np.int64)
    _same_error(lambda x: x.gather(1, mg.tensor(too_big)), lambda x: x.gather(1, torch.tensor(too_big)), a)
    out_of_range = np.full((1, 1, 1), 7)
    _same_error(lambda x: x.gather(1, mg.tensor(out_of_range)), lambda x: x.gather(1, torch.tensor(out_of_range)), a)


# ----------------------------------------------------------------------------- var / std / norm
@pytest.mark.parametrize("kw", [{}, {"dim": 1}, {"dim": [0, 2]}, {"dim": (0, 1), "keepdim": True},
                                {"unbiased": False}, {"dim": 1, "correction": 0}, {"dim": 2, "correction": 2}],
                         ids=str)
@pytest.mark.parametrize("op", ["var", "std"])
def test_var_std_unbiased_by_default_like_torch(op, kw):
    _compare(lambda a: getattr(a, op)(**kw), lambda a: getattr(a, op)(**kw), (3, 4, 5))


@pytest.mark.parametrize("args", [(1, False), (1, True, True), (False,), ((0, 2), False, True)], ids=str)
def test_var_std_positional_arguments_in_torchs_order(args):
    _compare(lambda a: a.var(*args) + a.std(*args), lambda a: a.var(*args) + a.std(*args), (3, 4, 5))


@pytest.mark.parametrize("kw", [{}, {"p": 1}, {"p": 2, "dim": 1}, {"p": 1, "dim": 0, "keepdim": True},
                                {"p": 3, "dim": -1}, {"p": float("inf"), "dim": 1}, {"p": "fro"}], ids=str)
def test_norm_like_torch(kw):
    _compare(lambda a: a.norm(**kw), lambda a: a.norm(**kw), (3, 4))


def test_norm_gradient_is_zero_at_the_origin_like_torch():
    _compare(lambda a: a.norm(dim=1), lambda a: a.norm(dim=1), arrays=[np.array([[0.0, 0.0], [3.0, 4.0]])])


# ----------------------------------------------------------------------------- elementwise
UNARY = ["log1p", "sin", "cos", "clone", "exp", "sqrt"]


@pytest.mark.parametrize("name", UNARY)
def test_new_elementwise_ops(name):
    _compare(lambda a: getattr(a, name)(), lambda a: getattr(a, name)(), (3, 4), positive=True)


def test_clamp_gradient_at_the_boundaries_like_torch():
    a = np.array([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0])
    _compare(lambda x: x.clamp(-1.0, 1.0), lambda x: x.clamp(-1.0, 1.0), arrays=[a])
    _compare(lambda x: x.clamp(min=0.0), lambda x: x.clamp(min=0.0), arrays=[a])
    _compare(lambda x: x.clamp(max=0.5), lambda x: x.clamp(max=0.5), arrays=[a])
    _compare(lambda x: mg.clamp(x, 0.0, 0.5), lambda x: torch.clamp(x, 0.0, 0.5), arrays=[a])
    _same_error(lambda x: x.clamp(), lambda x: x.clamp(), a)


def test_zero_to_a_power_has_torchs_gradient():
    base, expo = np.array([0.0, 0.0, 2.0, 0.0]), np.array([2.0, 0.0, 0.5, 1.0])
    _compare(lambda b, e: b ** e, lambda b, e: b ** e, arrays=[base, expo])
    _compare(lambda e: 0 ** e, lambda e: 0 ** e, arrays=[expo])
    _compare(lambda b: b ** 0, lambda b: b ** 0, arrays=[base])


def test_cumsum_logsumexp_like_torch():
    _compare(lambda a: a.cumsum(dim=1), lambda a: a.cumsum(dim=1), (3, 4))
    _compare(lambda a: a.cumsum(0), lambda a: a.cumsum(0), (3, 4))
    _compare(lambda a: a.logsumexp(dim=-1), lambda a: a.logsumexp(dim=-1), (3, 4))
    big = np.array([[1000.0, 1000.0], [-np.inf, -np.inf]])
    np.testing.assert_array_equal(mg.tensor(big).logsumexp(dim=1).numpy(), torch.tensor(big).logsumexp(dim=1).numpy())


def test_matmul_and_mm_methods():
    _compare(lambda a, b: a.matmul(b), lambda a, b: a.matmul(b), (2, 3, 4), (4, 5))
    _compare(lambda a, b: a.mm(b), lambda a, b: a.mm(b), (3, 4), (4, 5))
    _same_error(lambda x: x.mm(x), lambda x: x.mm(x), np.zeros((2, 2, 2)))


@pytest.mark.parametrize(("spec", "shapes"), [
    ("ij,jk->ik", [(3, 4), (4, 5)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]), ("ij->ji", [(3, 4)]),
    ("ij->", [(3, 4)]), ("i,j->ij", [(3,), (4,)]), ("ij,j", [(3, 4), (4,)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("ij,kl->i", [(2, 3), (4, 5)]),
], ids=lambda v: v if isinstance(v, str) else "")
def test_einsum_like_torch(spec, shapes):
    _compare(lambda *xs: mg.einsum(spec, *xs), lambda *xs: torch.einsum(spec, *xs), *shapes)


@pytest.mark.parametrize(("spec", "shapes"), [("ij,jk->ik", [(3, 4), (5, 2)]), ("ijk,jk", [(3, 4), (4, 2)]),
                                              ("ij,jk", [(3, 4)])], ids=["sizes", "ndim", "count"])
def test_einsum_bad_operands_raise_like_torch(spec, shapes):
    arrays = [np.zeros(s) for s in shapes]
    with pytest.raises(Exception) as theirs:
        torch.einsum(spec, *[torch.tensor(a) for a in arrays])
    with pytest.raises(theirs.type):
        mg.einsum(spec, *[mg.tensor(a) for a in arrays])


def test_einsum_refuses_what_it_does_not_support():
    with pytest.raises(ValueError, match="not supported"):
        mg.einsum("ii->i", mg.zeros(3, 3))
    with pytest.raises(ValueError, match="not supported"):
        mg.einsum("...ij->...ji", mg.zeros(3, 3))


# ----------------------------------------------------------------------------- dtypes
SCALAR_CASES = {
    "float32 + 0.5": lambda m: m.tensor(1.0) + 0.5, "float32 * 2": lambda m: m.tensor([1.0]) * 2,
    "int + 0.5": lambda m: m.tensor(1) + 0.5, "int * 1.5": lambda m: m.tensor([1, 2]) * 1.5,
    "int / 2": lambda m: m.tensor([1, 2]) / 2, "1.0 - int": lambda m: 1.0 - m.tensor([1]),
    "1.0 / int": lambda m: 1.0 / m.tensor([2]), "int / int": lambda m: m.tensor([3]) / m.tensor([2]),
    "int + 1": lambda m: m.tensor([1, 2]) + 1, "int ** 2": lambda m: m.tensor([2]) ** 2,
    "int ** 0.5": lambda m: m.tensor([4]) ** 0.5, "bool + 1": lambda m: m.tensor([True]) + 1,
}


@pytest.mark.parametrize("case", list(SCALAR_CASES))
def test_python_scalars_keep_the_tensor_dtype_like_torch(case):
    ours, theirs = SCALAR_CASES[case](mg), SCALAR_CASES[case](torch)
    assert ours.dtype == theirs.numpy().dtype
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_casts_like_torch():
    a = np.array([1.7, -2.2, 0.0])
    for name in ("float", "double", "long", "int", "bool"):
        ours, theirs = getattr(mg.tensor(a), name)(), getattr(torch.tensor(a), name)()
        assert ours.dtype == theirs.numpy().dtype
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    x = mg.tensor(a, requires_grad=True)
    assert not x.long().requires_grad and x.float().requires_grad
    _compare(lambda t: t.double() * 2, lambda t: t.double() * 2, arrays=[a])


def test_requires_grad_():
    x = mg.zeros(3).requires_grad_()
    assert x.requires_grad
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])
    with pytest.raises(RuntimeError):
        (x * 2).requires_grad_(False)
    with pytest.raises(TypeError):                  # torch: RuntimeError; minigrad keeps its TypeError
        mg.tensor([1, 2]).requires_grad_()


# ----------------------------------------------------------------------------- construction
def test_constructors_like_torch():
    t = torch.tensor(np.ones((2, 3)))
    x = mg.tensor(np.ones((2, 3)))
    pairs = [
        (mg.zeros_like(x), torch.zeros_like(t)), (mg.ones_like(x), torch.ones_like(t)),
        (mg.full((2, 3), 1.5), torch.full((2, 3), 1.5)), (mg.full((2,), 7), torch.full((2,), 7)),
        (mg.full_like(x, 2.0), torch.full_like(t, 2.0)), (mg.eye(3), torch.eye(3)), (mg.eye(2, 4), torch.eye(2, 4)),
        (mg.linspace(0, 1, 5), torch.linspace(0, 1, 5)), (mg.arange(5), torch.arange(5)),
        (mg.arange(0, 1, 0.25), torch.arange(0, 1, 0.25)), (mg.empty(2, 3), torch.zeros(2, 3)),
    ]
    for ours, theirs in pairs:
        assert ours.shape == tuple(theirs.shape) and ours.dtype == theirs.numpy().dtype
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-7, atol=1e-7)   # linspace in float32
    a = np.arange(3.0)
    shared = mg.from_numpy(a)
    a[0] = 9.0
    assert shared.dtype == np.float64 and shared.numpy()[0] == 9.0
    with pytest.raises(TypeError):
        mg.from_numpy([1.0, 2.0])


def test_random_tensors_are_seeded_and_shaped():
    mg.manual_seed(5)
    a, b, c = mg.randn(2, 3), mg.rand((4,)), mg.randint(0, 10, (50,))
    mg.manual_seed(5)
    np.testing.assert_array_equal(a.numpy(), mg.randn(2, 3).numpy())
    assert a.dtype == np.float32 and b.shape == (4,) and 0 <= b.numpy().min() and b.numpy().max() < 1
    assert c.dtype == np.int64 and c.numpy().min() >= 0 and c.numpy().max() < 10
    assert mg.randint(5, (3,)).shape == (3,)
    assert mg.randn(3, dtype=mg.float64, requires_grad=True).requires_grad


# ----------------------------------------------------------------------------- autograd
def test_grad_has_zero_and_data_and_stays_an_array():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    assert isinstance(w.grad, np.ndarray)
    np.testing.assert_array_equal(w.grad.data, [2.0, 4.0])
    w.grad.zero_()
    np.testing.assert_array_equal(w.grad, [0.0, 0.0])
    (w * 3).sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0, 3.0])


def test_retained_grad_of_an_inner_node_has_zero_too():
    x = mg.tensor([1.0, -2.0], requires_grad=True)
    h = (x * 3).retain_grad()
    (h * h).sum().backward()
    np.testing.assert_array_equal(h.grad, [6.0, -12.0])
    assert (h.grad.zero_() == 0).all() and (x.grad == [18.0, -36.0]).all()


def test_enable_grad_inside_no_grad():
    x = mg.tensor([1.0], requires_grad=True)
    with mg.no_grad():
        assert not (x * 2).requires_grad
        with mg.enable_grad():
            assert (x * 2).requires_grad
        assert not mg.is_grad_enabled()


def test_autograd_grad_like_torch_and_leaves_grad_alone():
    rng = np.random.default_rng(6)
    a, b, go = rng.standard_normal((3, 4)), rng.standard_normal((4,)), rng.standard_normal((3, 4))
    x, w = mg.tensor(a, requires_grad=True), mg.tensor(b, requires_grad=True)
    tx, tw = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    h, th = (x * w).tanh(), (tx * tw).tanh()
    ours = mg.autograd.grad((h * h).sum(), [x, h])
    theirs = torch.autograd.grad((th * th).sum(), [tx, th])
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=TOL, atol=TOL)
    assert x.grad is None and w.grad is None
    (gw,) = mg.autograd.grad(x * w, w, grad_outputs=mg.tensor(go))
    (tgw,) = torch.autograd.grad(tx * tw, tw, grad_outputs=torch.tensor(go))
    np.testing.assert_allclose(gw.numpy(), tgw.numpy(), rtol=TOL, atol=TOL)
    with pytest.raises(RuntimeError):
        mg.autograd.grad((x * 2).sum(), [w])
    with pytest.raises(NotImplementedError, match="second derivatives"):
        mg.autograd.grad((x * 2).sum(), [x], create_graph=True)


FUNCTION_FORMS = {
    "tril": lambda m, x: m.tril(x, 1), "triu": lambda m, x: m.triu(x), "sin": lambda m, x: m.sin(x),
    "cos": lambda m, x: m.cos(x), "mean": lambda m, x: m.mean(x, dim=1), "var": lambda m, x: m.var(x, 0),
    "std": lambda m, x: m.std(x, dim=1, keepdim=True), "amax": lambda m, x: m.amax(x, 1),
    "logsumexp": lambda m, x: m.logsumexp(x, dim=0), "norm": lambda m, x: m.norm(x, dim=1),
    "cumsum": lambda m, x: m.cumsum(x, dim=1), "sort": lambda m, x: m.sort(x, dim=0),
    "topk": lambda m, x: m.topk(x, 2), "clone": lambda m, x: m.clone(x), "flatten": lambda m, x: m.flatten(x),
    "transpose": lambda m, x: m.transpose(x, 0, 1), "unsqueeze": lambda m, x: m.unsqueeze(x, 1),
    "squeeze": lambda m, x: m.squeeze(m.unsqueeze(x, 0)), "chunk": lambda m, x: m.chunk(x, 2, 1),
    "split": lambda m, x: m.split(x, [1, 3], dim=1), "reshape": lambda m, x: m.reshape(x, (4, 3)),
    "permute": lambda m, x: m.permute(x, (1, 0)), "log1p": lambda m, x: m.log1p(x * x),
}


@pytest.mark.parametrize("name", list(FUNCTION_FORMS))
def test_function_forms_like_torch(name):
    _compare(lambda x: FUNCTION_FORMS[name](mg, x), lambda x: FUNCTION_FORMS[name](torch, x), (3, 4))
    assert mg.numel(mg.zeros(3, 4)) == torch.numel(torch.zeros(3, 4))


# ----------------------------------------------------------------------------- Python conversions
@pytest.mark.parametrize("values", [[2.5], [[0.0]], 3.0, 0.0, [-1.0]])
def test_bool_float_int_of_one_value_as_torch(values):
    ours, theirs = mg.tensor(values, dtype=mg.float64), torch.tensor(values, dtype=torch.float64)
    assert bool(ours) == bool(theirs)
    assert float(ours) == float(theirs)
    assert int(ours) == int(theirs)


@pytest.mark.parametrize("values", [[1.0, 2.0], [[1.0], [0.0]], []])
def test_bool_and_float_of_several_values_raise_as_torch(values):
    ours, theirs = mg.tensor(values), torch.tensor(values)
    for convert, error in ((bool, RuntimeError), (float, ValueError), (int, ValueError)):
        with pytest.raises(error):
            convert(theirs)
        with pytest.raises(error, match="ambiguous|one value"):
            convert(ours)          # before: bool() was True for any non-empty tensor


def test_if_on_a_comparison_reads_as_torch():
    loss_m, loss_t = mg.tensor(0.05), torch.tensor(0.05)
    assert bool(loss_m < 0.1) is bool(loss_t < 0.1) is True


def test_to_with_a_dtype_in_the_device_place_and_contiguous():
    a = np.arange(6.0).reshape(2, 3)
    ours, theirs = mg.tensor(a, dtype=mg.float32), torch.tensor(a, dtype=torch.float32)
    out_m, out_t = ours.to(mg.float64), theirs.to(torch.float64)
    assert out_m.dtype == np.float64 and out_t.dtype == torch.float64
    np.testing.assert_array_equal(out_m.numpy(), out_t.numpy())
    assert ours.to("cpu", mg.float64).dtype == np.float64
    assert ours.t().contiguous().shape == tuple(theirs.t().contiguous().shape)
    with pytest.raises(ValueError):
        ours.to("tpu")


# ----------------------------------------------------------------------------- torch.sum / max / min / abs / pow
@pytest.mark.parametrize("call", [
    lambda t, x: t.sum(x), lambda t, x: t.sum(x, 1), lambda t, x: t.sum(x, dim=0, keepdim=True),
    lambda t, x: t.max(x), lambda t, x: t.max(x, 1), lambda t, x: t.max(x, dim=0, keepdim=True),
    lambda t, x: t.min(x), lambda t, x: t.min(x, 1), lambda t, x: t.max(x, x * 0.5),
    lambda t, x: t.abs(x), lambda t, x: t.pow(t.abs(x), 1.5), lambda t, x: t.mm(x, x.t()),
    lambda t, x: t.masked_fill(x, x > 0, -1.0),
], ids=["sum", "sum-1", "sum-dim-keepdim", "max", "max-1", "max-dim-keepdim", "min", "min-1",
        "max-elementwise", "abs", "pow", "mm", "masked_fill"])
def test_torch_function_forms_of_the_reductions(call):
    _compare(lambda x: call(mg, x), lambda x: call(torch, x), (3, 4), seed=3)


def test_function_forms_leave_python_builtins_alone():
    import builtins

    from minigrad import tensor as tensor_module
    assert mg.sum is not builtins.sum and mg.is_tensor(mg.tensor(1.0)) and not mg.is_tensor(1.0)
    for name in ("sum", "max", "min", "abs", "pow"):
        assert name not in vars(tensor_module)        # the module's own sum/max/... stay Python's
