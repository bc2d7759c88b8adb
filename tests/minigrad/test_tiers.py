"""minigrad's two tiers: the textbook LayerNorm and GELU (composites of minigrad's ops, gradients
by autograd) against the fused ops beside them (one op each, hand-written backward, threads).

Tolerance: 1e-10 absolute in float64, on values and on every gradient. The inputs are large enough
(40 x 24, |x| up to ~6) that the tails of GELU and the 1/sqrt(var) of LayerNorm are exercised.
"""

import numpy as np
import pytest

import minigrad as mg


@pytest.mark.parametrize("op", ["layer_norm", "gelu", "gelu_tanh"])
def test_textbook_layer_norm_and_gelu_equal_the_fused_ops(op):
    """mg.layer_norm / mg.gelu (composites left to autograd) = the *_fused ops: values and every
    gradient, float64, 1e-10 absolute."""
    rng = np.random.default_rng(9)
    x, w, b, g = (rng.standard_normal(s) for s in ((40, 24), (24,), (24,), (40, 24)))
    results = []
    for fused in (False, True):
        xm, wm, bm = (mg.tensor(a, requires_grad=True) for a in (x * 2, w, b))
        if op == "layer_norm":
            out = (mg.layer_norm_fused if fused else mg.layer_norm)(xm, wm, bm)
        else:
            out = (mg.gelu_fused if fused else mg.gelu)(xm, "tanh" if op == "gelu_tanh" else "none")
        (out * mg.tensor(g)).sum().backward()
        results.append([out.data, xm.grad] + ([wm.grad, bm.grad] if op == "layer_norm" else []))
    for textbook, fast in zip(*results):
        np.testing.assert_allclose(textbook, fast, rtol=0, atol=1e-10)


def test_the_modules_pick_the_tier():
    """LayerNorm(fused=False) and GELU(fused=False) give the fused modules' numbers (float64, 1e-10)."""
    x = np.random.default_rng(1).standard_normal((5, 8)) * 3
    with mg.default_dtype(np.float64):
        for make in (lambda fused: mg.LayerNorm(8, fused=fused), lambda fused: mg.GELU("tanh", fused=fused)):
            fast, textbook = make(True), make(False)
            np.testing.assert_allclose(textbook(mg.tensor(x)).data, fast(mg.tensor(x)).data, rtol=0, atol=1e-10)
    assert "fused=False" in repr(mg.LayerNorm(8, fused=False))
    with pytest.raises(ValueError):
        mg.GELU("sigmoid")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_tanh_gelu_in_its_tails_equals_torch(dtype):
    """gelu_fused(x, "tanh") computes 0.5 (1 + tanh(u)) as 1 / (1 + e^-2u), with -2u capped at 80:
    far out in both tails (|x| up to 1e4) it still equals torch's tanh GELU (value and gradient,
    1e-6 relative + 1e-12 absolute in float64, 1e-6 in float32), with no overflow warning. (Where
    torch's 1 + tanh(u) cancels to 0 in the left tail, ours keeps tiny values like -1e-30: the
    absolute tolerance covers torch's rounding there.)"""
    import warnings

    torch = pytest.importorskip("torch")
    x = np.concatenate([np.linspace(-60, 60, 2401), [-1e4, -500, -20.5, 20.5, 500, 1e4]]).astype(dtype)
    xm = mg.tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = mg.gelu_fused(xm, "tanh")
        out.sum().backward()
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    ref = torch.nn.functional.gelu(xt, approximate="tanh")
    ref.sum().backward()
    assert out.data.dtype == dtype and np.isfinite(out.data).all() and np.isfinite(xm.grad).all()
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-6, atol=1e-12 if dtype == np.float64 else 1e-6)
    np.testing.assert_allclose(xm.grad, xt.grad.numpy(), rtol=1e-6, atol=1e-6)


# ----------------------------------------------------------------------------- AdamW: per parameter vs fused
def _adam_run(fused, steps=6, reload_at=None, skip=None, cls=mg.AdamW, **kw):
    """Two groups (decay / no decay) of float32 parameters shaped like a small model's, the same
    random gradients each step; returns the final parameters and the optimizer's state_dict."""
    rng = np.random.default_rng(3)
    params = [mg.Parameter(rng.standard_normal(s).astype(np.float32)) for s in ((6, 4), (4,), (3, 5, 2), (7,))]

    def groups():
        return [{"params": params[::2], "weight_decay": 0.1}, {"params": params[1::2], "weight_decay": 0.0}]

    opt = cls(groups(), lr=1e-2, betas=(0.9, 0.99), fused=fused, **kw)
    for step in range(steps):
        for i, p in enumerate(params):
            p.grad = None if (skip == (step, i)) else rng.standard_normal(p.shape).astype(np.float32)
        opt.step()
        if reload_at == step:                     # a fresh optimizer from the state dict (a resumed run)
            saved = opt.state_dict()
            opt = cls(groups(), lr=1e-2, betas=(0.9, 0.99), fused=fused, **kw)
            opt.load_state_dict(saved)
    return [p.data.copy() for p in params], opt.state_dict()


@pytest.mark.parametrize("case", ["plain", "state dict round trip", "a parameter skips a step", "Adam with L2"])
def test_fused_adamw_equals_the_per_parameter_update(case):
    """AdamW(fused=True) (one flat update per group, threads) = the textbook per-parameter update:
    the same operations in the same order, so the parameters and moments must be bit-identical
    (float32, tolerance 0). When a parameter misses a step its step count differs, and classic L2
    decay is not fused: both take the per-parameter update, which must still give the same numbers."""
    kw = {"reload_at": 2} if case == "state dict round trip" else {"skip": (1, 2)} if case.startswith("a param") else {}
    if case == "Adam with L2":
        kw["cls"] = mg.Adam
    (textbook, saved_t), (fused, saved_f) = _adam_run(False, **kw), _adam_run(True, **kw)
    for a, b in zip(textbook, fused):
        np.testing.assert_array_equal(a, b)
    assert saved_t["state"].keys() == saved_f["state"].keys()
    for i, state in saved_t["state"].items():
        assert state["t"] == saved_f["state"][i]["t"]
        for name in ("m", "v"):
            np.testing.assert_array_equal(state[name], saved_f["state"][i][name])
            assert saved_f["state"][i][name].shape == state[name].shape


def test_fused_adamw_moves_the_parameters():
    """The fused update changes every parameter (a test that it runs at all, not only agrees)."""
    rng = np.random.default_rng(3)
    start = [rng.standard_normal(s).astype(np.float32) for s in ((6, 4), (4,), (3, 5, 2), (7,))]
    final, saved = _adam_run(True)
    assert all(np.abs(a - b).max() > 1e-3 for a, b in zip(final, start))
    assert all(state["t"] == 6 for state in saved["state"].values())


def test_fused_adamw_steps_aside_for_a_replaced_update(monkeypatch):
    """A learner's own Adam._update (python -m learn sets it on the class) must be what trains,
    fused or not: here a replacement that only counts its calls and moves nothing."""
    calls = []
    monkeypatch.setattr(mg.Adam, "_update", lambda self, p, g, group, state: calls.append(p))
    p = mg.Parameter(np.ones(3, dtype=np.float32))
    p.grad = np.ones(3, dtype=np.float32)
    opt = mg.AdamW([p], lr=0.1, fused=True)
    opt.step()
    assert calls == [p] and np.array_equal(p.data, np.ones(3, dtype=np.float32))
