"""model.py: the minigrad GPT against a PyTorch implementation with the same weights.

Tolerances (float32): logits and loss 1e-5, every parameter gradient 1e-4 (absolute, after the
gradients are O(1e-2..1)); the attention op's hand-written backward against central finite
differences in float64 to 1e-6; the KV cache against recomputing the context to 1e-5.
The two tiers (textbook attention and GPT vs the fused ones) agree to 1e-10 in float64,
and the textbook attention's gradient equals PyTorch's to 1e-5 (float64).
"""

import inspect

import numpy as np
import pytest
import torch

import minigrad as mg
from final_gpt.model import (
    GPT,
    GPTConfig,
    KVCache,
    attention,
    causal_attention_fused,
    causal_mask,
    merge_heads,
    split_heads,
)
from final_gpt.torch_gpt import TorchGPT
from minigrad import backend
from minigrad.gradcheck import numerical_grad

CFG = GPTConfig(vocab_size=50, block_size=16, n_layer=2, n_head=4, n_embd=32)


def _pair(cfg=CFG, seed=1, reference=False):
    model = GPT(cfg, seed=seed, reference=reference)
    ref = TorchGPT(cfg.vocab_size, cfg.block_size, cfg.n_layer, cfg.n_head, cfg.n_embd)
    ref.load_numpy(model.state_dict())
    return model, ref


@pytest.mark.parametrize("reference", [False, True], ids=["fused", "textbook"])
def test_forward_and_gradients_match_pytorch(reference):
    """Both tiers: the fused GPT and GPT(reference=True), whose attention is :func:`attention`."""
    model, ref = _pair(reference=reference)
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 50, (3, 16)), rng.integers(0, 50, (3, 16))
    assert model.num_parameters() == CFG.num_parameters() == sum(p.numel() for p in ref.parameters())
    loss = model.loss(x, y)
    loss.backward()
    logits_t, loss_t = ref(torch.from_numpy(x), torch.from_numpy(y))
    loss_t.backward()
    with mg.no_grad():
        logits = model(x).data
    np.testing.assert_allclose(logits, logits_t.detach().numpy().reshape(48, 50), atol=1e-5, rtol=0)
    assert loss.item() == pytest.approx(loss_t.item(), abs=1e-5)
    grads = ref.grads_numpy()
    for name, p in model.named_parameters():
        assert p.grad is not None, name
        np.testing.assert_allclose(p.grad, grads[name], atol=1e-4, rtol=0, err_msg=name)
    # the gradients are not trivially small: 1e-4 is a real test
    assert max(float(np.abs(g).max()) for g in grads.values()) > 1e-2


def test_causal_mask_no_information_from_the_future():
    model, _ = _pair()
    rng = np.random.default_rng(1)
    x = rng.integers(0, 50, (2, 16))
    x2 = x.copy()
    x2[:, 9:] = rng.integers(0, 50, (2, 7))          # change only the future of position 8
    with mg.no_grad():
        a, b = model(x).data.reshape(2, 16, -1), model(x2).data.reshape(2, 16, -1)
    np.testing.assert_array_equal(a[:, :9], b[:, :9])
    assert np.abs(a[:, 9:] - b[:, 9:]).max() > 1e-3
    # and in the backward pass: the loss at position 4 sends no gradient to inputs after it
    qkv = mg.tensor(rng.standard_normal((2 * 8, 3 * 32)).astype(np.float32), requires_grad=True)
    out = causal_attention_fused(qkv, batch=2, heads=4)
    out.reshape(2, 8, 32)[:, 4].sum().backward()
    g = qkv.grad.reshape(2, 8, 96)
    assert np.all(g[:, 5:] == 0) and np.abs(g[:, :5]).max() > 0


def test_attention_backward_finite_differences():
    rng = np.random.default_rng(2)
    data = rng.standard_normal((2 * 5, 3 * 8))
    w = rng.standard_normal((2 * 5, 8))

    def f(arr):
        return float((causal_attention_fused(mg.tensor(arr), batch=2, heads=2).data * w).sum())

    t = mg.tensor(data, requires_grad=True)
    (causal_attention_fused(t, batch=2, heads=2) * mg.tensor(w)).sum().backward()
    np.testing.assert_allclose(t.grad, numerical_grad(f, data.copy()), atol=1e-6)


def test_kv_cache_generation_equals_recompute():
    model, _ = _pair()
    rng = np.random.default_rng(3)
    prompt = rng.integers(0, 50, (2, 4))
    cache = KVCache(model.cfg.n_layer)
    logits = model.logits_last(prompt, cache)       # the same forward, filling the cache
    seq = prompt
    for _ in range(10):                             # step by step, logits equal to a full recompute
        np.testing.assert_allclose(logits, model.logits_last(seq), atol=1e-5, rtol=0)
        nxt = rng.integers(0, 50, 2)
        seq = np.concatenate([seq, nxt[:, None]], axis=1)
        logits = model.logits_last(nxt[:, None], cache)
    assert cache.length == seq.shape[1]
    # an untrained model already "generates random text": same tokens with or without the cache
    a = model.generate(prompt, 12, rng=np.random.default_rng(0), use_cache=True)
    b = model.generate(prompt, 12, rng=np.random.default_rng(0), use_cache=False)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (2, 16) and len(set(a[0, 4:].tolist())) > 3
    # sampling follows softmax(logits / temperature) over the top-k logits (frequencies to 0.02)
    from final_gpt.model import sample

    logits = np.log(np.array([[0.6, 0.25, 0.1, 0.05]]))
    draws = sample(np.repeat(logits, 5000, 0), 0.5, None, np.random.default_rng(1))
    sharpened = np.array([0.6, 0.25, 0.1, 0.05]) ** 2 / np.sum(np.array([0.6, 0.25, 0.1, 0.05]) ** 2)
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / 5000, sharpened, atol=0.02)
    assert set(sample(np.repeat(logits, 500, 0), 1.0, 2, np.random.default_rng(2)).tolist()) == {0, 1}
    # past the context length the cache restarts its window and keeps going
    long = model.generate(prompt, 40, top_k=5, rng=np.random.default_rng(0))
    assert long.shape == (2, 44) and long.min() >= 0 and long.max() < 50


def test_sampling_top_k_and_temperature():
    from final_gpt.model import sample

    logits = np.log(np.array([[0.5, 0.3, 0.15, 0.05]]))
    rng = np.random.default_rng(0)
    draws = sample(np.repeat(logits, 20000, 0), 1.0, None, rng)      # 20,000 rows sampled at once
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / 20000, [0.5, 0.3, 0.15, 0.05], atol=0.01)
    draws = sample(np.repeat(logits, 2000, 0), 1.0, 2, rng)
    assert set(draws.tolist()) == {0, 1}
    np.testing.assert_allclose(np.mean(draws == 0), 0.5 / 0.8, atol=0.03)
    assert set(sample(np.repeat(logits, 50, 0), 1e-4, None, rng).tolist()) == {0}


def test_config_validation_and_parameter_count():
    with pytest.raises(ValueError):
        GPTConfig(vocab_size=10, n_embd=30, n_head=4)
    # the GPU configuration: 6 layers, 8 heads, 512 wide, 10,000 BPE tokens, context 256
    assert GPTConfig(vocab_size=10000, block_size=256, n_layer=6, n_head=8, n_embd=512).num_parameters() \
        == 10000 * 512 + 256 * 512 + 6 * (12 * 512 * 512 + 13 * 512) + 2 * 512


def test_gelu_on_row_blocks_matches_torch():
    """GPT-2's tanh GELU, large enough to be split between threads: values and gradient vs torch (float64)."""
    rng = np.random.default_rng(4)
    x, g = rng.standard_normal((300, 256)) * 3, rng.standard_normal((300, 256))
    with mg.threads.blas_threads(2):
        xm = mg.tensor(x, requires_grad=True)
        out = mg.gelu_fused(xm, "tanh")
        (out * mg.tensor(g)).sum().backward()
    xt = torch.tensor(x, requires_grad=True)
    out_t = torch.nn.functional.gelu(xt, approximate="tanh")
    (out_t * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(xm.grad, xt.grad.numpy(), rtol=0, atol=1e-12)


def test_data_parallel_gradients_equal_one_pass():
    """gpt.train_step splits the batch between threads: the summed gradients are the one-pass gradients
    (float32, 1e-6 absolute on gradients of size ~1e-2), and the reported loss is the batch loss."""
    from final_gpt import gpt

    rng = np.random.default_rng(5)
    x, y = rng.integers(0, 50, (4, 16)), rng.integers(0, 50, (4, 16))
    model = GPT(CFG, seed=1)
    loss = model.loss(x, y)
    loss.backward()
    expected = {name: p.grad for name, p in model.named_parameters()}
    for workers in (2, 4):
        model = GPT(CFG, seed=1)
        got = mg.threads.data_parallel(lambda rows: model.loss(x[rows], y[rows]), len(x), workers)  # noqa: B023
        assert got == pytest.approx(loss.item(), abs=1e-5)
        for name, p in model.named_parameters():
            np.testing.assert_allclose(p.grad, expected[name], rtol=0, atol=1e-6, err_msg=name)
    opt = gpt.make_optimizer(model, 1e-3, 0.1)
    assert gpt.train_step(model, opt, x, y, 1e-3, workers=2) == pytest.approx(loss.item(), abs=1e-5)


def test_training_step_through_the_device_seam(fake_cuda):
    """With a stand-in 'cuda' array module (NumPy behind another ndarray type), the fused attention,
    GELU and LayerNorm run through the seam and give the CPU's loss; parameters stay on the device."""
    from final_gpt import gpt

    rng = np.random.default_rng(6)
    x, y = rng.integers(0, 50, (3, 16)), rng.integers(0, 50, (3, 16))
    backend.register_backend("cuda", None)           # the CPU result first, with no device at all
    cpu = GPT(CFG, seed=1)
    expected = gpt.train_step(cpu, gpt.make_optimizer(cpu, 1e-3, 0.1), x, y, 1e-3, workers=1)
    backend.register_backend("cuda", fake_cuda)
    model = GPT(CFG, seed=1)
    model.to("cuda")
    loss = gpt.train_step(model, gpt.make_optimizer(model, 1e-3, 0.1), x, y, 1e-3, workers=1)
    assert all(p.device == "cuda" for p in model.parameters())
    assert loss == pytest.approx(expected, abs=1e-6)


# ----------------------------------------------------------------------------- the two tiers
def test_textbook_attention_is_short_and_its_gradient_equals_pytorch():
    """attention() is a few lines of minigrad ops; its autograd gradients equal torch's (float64, 1e-5)."""
    body = inspect.getsource(attention).split('"""')[-1].strip().splitlines()
    assert len(body) <= 15, body
    rng = np.random.default_rng(7)
    q, k, v = (rng.standard_normal((2, 3, 6, 4)) for _ in range(3))
    g = rng.standard_normal((2, 3, 6, 4))
    mq, mk, mv = (mg.tensor(a, requires_grad=True) for a in (q, k, v))
    out = attention(mq, mk, mv, causal_mask(6, dtype=np.float64))
    (out * mg.tensor(g)).sum().backward()
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    out_t = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, is_causal=True)
    (out_t * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(out.data, out_t.detach().numpy(), rtol=0, atol=1e-5)
    for mine, theirs in ((mq, tq), (mk, tk), (mv, tv)):
        np.testing.assert_allclose(mine.grad, theirs.grad.numpy(), rtol=0, atol=1e-5)
    assert max(np.abs(t.grad.numpy()).max() for t in (tq, tk, tv)) > 1e-2     # not a vacuous 1e-5


def test_textbook_attention_equals_the_fused_op():
    """merge_heads(attention(split_heads(qkv), causal mask)) = causal_attention_fused(qkv): values and
    the gradient of qkv, float64, 1e-10 absolute."""
    rng = np.random.default_rng(8)
    data, g = rng.standard_normal((3 * 7, 3 * 12)), rng.standard_normal((3 * 7, 12))
    grads = []
    for fused in (False, True):
        qkv = mg.tensor(data, requires_grad=True)
        if fused:
            out = causal_attention_fused(qkv, batch=3, heads=3)
        else:
            out = merge_heads(attention(*split_heads(qkv, 3, 3), causal_mask(7, dtype=np.float64)))
        (out * mg.tensor(g)).sum().backward()
        grads.append((out.data, qkv.grad))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=0, atol=1e-10)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=0, atol=1e-10)


def test_reference_gpt_equals_the_fast_gpt():
    """GPT(reference=True) and GPT() from one seed: the same logits and loss, and the same gradient
    for every parameter (float64, 1e-10 absolute)."""
    rng = np.random.default_rng(10)
    x, y = rng.integers(0, 50, (2, 16)), rng.integers(0, 50, (2, 16))
    with mg.default_dtype(np.float64):
        fast, textbook = GPT(CFG, seed=3), GPT(CFG, seed=3, reference=True)
    losses = []
    for model in (fast, textbook):
        loss = model.loss(x, y)
        loss.backward()
        losses.append(loss.item())
    assert losses[0] == pytest.approx(losses[1], abs=1e-12)
    for (name, p), q in zip(fast.named_parameters(), textbook.parameters()):
        np.testing.assert_allclose(q.grad, p.grad, rtol=0, atol=1e-10, err_msg=name)


def test_cached_and_uncached_generation_give_the_same_tokens_in_both_tiers():
    """One forward serves both: generate() with and without the KV cache samples the same tokens,
    and the reference model samples them too (same seed)."""
    prompt = np.random.default_rng(11).integers(0, 50, (2, 3))
    runs = []
    for reference in (False, True):
        model = GPT(CFG, seed=2, reference=reference)
        for use_cache in (True, False):
            runs.append(model.generate(prompt, 12, rng=np.random.default_rng(5), use_cache=use_cache))
    for other in runs[1:]:
        np.testing.assert_array_equal(runs[0], other)
