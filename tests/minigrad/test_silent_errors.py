"""Regression tests: three ops that once gave a wrong answer with no error, checked against PyTorch.

- ``permute`` with negative axes: the forward was right but a leaf's ``.grad`` had the wrong
  shape (the inverse permutation was taken of the negative axes).
- ``min`` computed as ``-max(-x)``: wrong for unsigned integers and for the most negative int32,
  an error for bool.
- ``cross_entropy`` with float targets of shape (N, 1): cast to int and returned a loss where
  torch refuses. Now float targets, a wrong shape and a class index out of range each raise.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dims", [(-2, -1, 1, 0), (3, 2, 1, 0), (0, -1, 1, -2), (-4, -3, -2, -1)])
def test_permute_with_negative_axes_gives_torchs_gradient(dims):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, 3, 4, 5))
    ours, theirs = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out_m, out_t = ours.permute(*dims), theirs.permute(*dims)
    np.testing.assert_array_equal(out_m.numpy(), out_t.detach().numpy())
    weights = rng.standard_normal(out_t.shape)
    (out_m * mg.tensor(weights)).sum().backward()
    (out_t * torch.tensor(weights)).sum().backward()
    assert ours.grad.shape == a.shape
    np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())


def test_permute_rejects_a_bad_axis_as_torch_does():
    x = mg.tensor(np.zeros((2, 3)))
    with pytest.raises((ValueError, IndexError)):
        x.permute(0, 2)
    with pytest.raises((ValueError, IndexError)):
        torch.zeros(2, 3).permute(0, 2)
    with pytest.raises((ValueError, IndexError)):
        x.permute(0, 0)


@pytest.mark.parametrize(("values", "dtype"), [
    ([3, 0, 250, 7], np.uint8),
    ([5, np.iinfo(np.int32).min, 2, -1], np.int32),
    ([True, False, True, True], np.bool_),
    ([2.5, -1.0, 7.0, -1.0], np.float64),
])
def test_min_equals_torch_for_unsigned_most_negative_and_bool(values, dtype):
    a = np.array(values, dtype=dtype).reshape(2, 2)
    t = torch.from_numpy(a.copy())
    ours = mg.tensor(a)
    assert ours.min().numpy() == t.min().numpy()
    np.testing.assert_array_equal(ours.amin(axis=1).numpy(), torch.amin(t, dim=1).numpy())
    np.testing.assert_array_equal(ours.amax(axis=0).numpy(), torch.amax(t, dim=0).numpy())
    assert ours.min().numpy().dtype == a.dtype


def test_min_gradient_splits_ties_like_torch_amin():
    a = np.array([[1.0, -2.0, -2.0], [4.0, 0.5, 3.0]])
    ours, theirs = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ours.amin(axis=1).sum().backward()
    torch.amin(theirs, dim=1).sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=0, atol=1e-15)


def test_cross_entropy_refuses_float_targets_like_torch():
    logits = np.random.default_rng(0).standard_normal((4, 3))
    float_targets = np.array([[0.0], [2.0], [1.0], [1.0]])
    with pytest.raises(RuntimeError):                       # torch: the shapes do not match
        torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(float_targets))
    with pytest.raises(TypeError, match="integer class indices"):
        mg.cross_entropy(mg.tensor(logits), float_targets)
    with pytest.raises(TypeError, match="integer class indices"):
        mg.cross_entropy(mg.tensor(logits), float_targets.reshape(-1))


def test_cross_entropy_refuses_wrong_shapes_and_out_of_range_classes_like_torch():
    logits = mg.tensor(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="need targets of shape"):
        mg.cross_entropy(logits, np.zeros((4, 1), dtype=np.int64))
    with pytest.raises(ValueError, match="need targets of shape"):
        mg.cross_entropy(logits, np.zeros(5, dtype=np.int64))
    for bad in (3, -1):
        targets = np.array([0, 1, bad, 2])
        with pytest.raises(IndexError, match="out of range for 3 classes"):
            mg.cross_entropy(logits, targets)
        with pytest.raises((IndexError, RuntimeError)):
            torch.nn.functional.cross_entropy(torch.zeros(4, 3), torch.tensor(targets))


def test_cross_entropy_still_takes_integer_targets_of_any_kind():
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((6, 4))
    targets = rng.integers(0, 4, 6)
    expected = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(targets)).item()
    for kind in (np.int64, np.int32, np.uint8):
        loss = mg.cross_entropy(mg.tensor(logits), targets.astype(kind)).item()
        assert loss == pytest.approx(expected, rel=1e-12)
    seq = rng.standard_normal((2, 3, 4))                     # (..., C) logits with (...) targets
    seq_targets = rng.integers(0, 4, (2, 3))
    expected = torch.nn.functional.cross_entropy(torch.tensor(seq).reshape(6, 4),
                                                 torch.tensor(seq_targets).reshape(6)).item()
    assert mg.cross_entropy(mg.tensor(seq), seq_targets).item() == pytest.approx(expected, rel=1e-12)
