"""minigrad/processes.py: data-parallel forward and backward on worker processes (the fast tier of
threads.data_parallel).

References: one pass over the whole batch (float32 gradients to 1e-6 absolute, on gradients of size
~1e-2; loss to 1e-5), and threads.data_parallel with dropout, which draws the same masks (1e-6).
Then what a learner would meet: training steps whose weights change between calls, a worker that
fails or dies (one error, no hang), close(), a model with buffers, and a replaced function (as
learner mode puts in place) running in the workers too.
"""

import os
import signal

import numpy as np
import pytest

import minigrad as mg
from final_gpt import gpt
from final_gpt.model import GPT, GPTConfig

pytestmark = pytest.mark.skipif(not mg.processes.available(), reason="worker processes need fork (Linux)")

CFG = GPTConfig(vocab_size=50, block_size=16, n_layer=2, n_head=4, n_embd=32)


def _batch(seed=5, n=6):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 50, (n, 16)), rng.integers(0, 50, (n, 16))


def _one_pass_grads(model, x, y):
    loss = model.loss(x, y)
    loss.backward()
    grads = {name: p.grad.copy() for name, p in model.named_parameters()}
    model.zero_grad()
    return float(loss.item()), grads


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_gradients_equal_one_pass_over_the_batch(workers):
    x, y = _batch()
    model = GPT(CFG, seed=1)
    loss, expected = _one_pass_grads(model, x, y)
    with mg.processes.DataParallel(model, lambda a, b: model.loss(a, b), workers) as par:
        assert par.workers == workers and len(par._procs) == workers - 1
        got = par(x, y)
    assert got == pytest.approx(loss, abs=1e-5)
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad, expected[name], rtol=0, atol=1e-6, err_msg=name)


def test_dropout_masks_are_those_of_the_threads():
    """Each slice draws from the same child generator as with threads, so a seeded run with dropout
    gives the same loss and gradients either way (and the global generator moves on the same)."""
    cfg = GPTConfig(vocab_size=50, block_size=16, n_layer=2, n_head=4, n_embd=32, dropout=0.2)
    x, y = _batch()
    model = GPT(cfg, seed=1)
    mg.manual_seed(7)
    threads_loss = mg.threads.data_parallel(lambda rows: model.loss(x[rows], y[rows]), len(x), 2)
    expected = {name: p.grad.copy() for name, p in model.named_parameters()}
    after_threads = mg.random.generator().random()
    model.zero_grad()
    with mg.processes.DataParallel(model, lambda a, b: model.loss(a, b), 2) as par:
        mg.manual_seed(7)
        got = par(x, y)
        assert mg.random.generator().random() == after_threads
    assert got == pytest.approx(threads_loss, abs=1e-6)
    no_dropout, _ = _one_pass_grads(GPT(CFG, seed=1), x, y)
    assert abs(got - no_dropout) > 1e-4                     # the masks did something
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad, expected[name], rtol=0, atol=1e-6, err_msg=name)


def test_eval_mode_reaches_the_workers():
    cfg = GPTConfig(vocab_size=50, block_size=16, n_layer=2, n_head=4, n_embd=32, dropout=0.5)
    x, y = _batch()
    model = GPT(cfg, seed=1)
    with mg.processes.DataParallel(model, lambda a, b: model.loss(a, b), 2) as par:
        model.eval()                                          # after the fork: sent with each call
        loss, expected = _one_pass_grads(model, x, y)
        assert par(x, y) == pytest.approx(loss, abs=1e-5)
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad, expected[name], rtol=0, atol=1e-6, err_msg=name)


def test_training_steps_match_the_threads_as_the_weights_change():
    """Five AdamW steps on one batch: the workers see each step's new weights (copied in at every
    call), so the losses and trained weights equal those of the threads' version (float32, 1e-5)."""
    batches = [_batch()] * 5
    models = []
    for use_processes in (False, True):
        model = GPT(CFG, seed=1)
        opt = gpt.make_optimizer(model, 3e-3, 0.1)
        par = gpt.data_parallel_processes(model, 2) if use_processes else None
        assert (par is not None) == use_processes
        losses = [gpt.train_step(model, opt, x, y, 3e-3, workers=2, processes=par) for x, y in batches]
        if par is not None:
            par.close()
        models.append((model, losses))
    (threads_model, threads_losses), (model, losses) = models
    np.testing.assert_allclose(losses, threads_losses, rtol=0, atol=1e-5)
    assert losses[-1] < losses[0] - 0.01                    # training moved the loss
    for (name, p), q in zip(model.named_parameters(), threads_model.parameters()):
        np.testing.assert_allclose(p.data, q.data, rtol=0, atol=1e-5, err_msg=name)


def test_a_worker_failure_is_one_error_and_the_next_call_works():
    x, y = _batch()
    model = GPT(CFG, seed=1)
    parent = os.getpid()

    def loss_of(a, b):
        if os.getpid() != parent and a.shape[0] == 3:         # only in a worker (rows 2..4 of 5)
            raise ValueError("a bad slice")
        return model.loss(a, b)

    with mg.processes.DataParallel(model, loss_of, 2) as par:
        with pytest.raises(RuntimeError, match=r"(?s)worker 1 failed.*ValueError: a bad slice"):
            par(x[:5], y[:5])
        model.zero_grad()
        loss, _ = _one_pass_grads(GPT(CFG, seed=1), x[:4], y[:4])
        assert par(x[:4], y[:4]) == pytest.approx(loss, abs=1e-5)      # two rows each: no failure


def test_a_failure_in_the_caller_is_its_own_error_and_the_workers_stay_in_step():
    x, y = _batch()
    model = GPT(CFG, seed=1)
    parent = os.getpid()

    def loss_of(a, b):
        if os.getpid() == parent and a.shape[0] == 1:
            raise ValueError("the caller's slice")
        return model.loss(a, b)

    with mg.processes.DataParallel(model, loss_of, 2) as par:
        with pytest.raises(ValueError, match="the caller's slice"):
            par(x[:2], y[:2])
        model.zero_grad()                                     # the worker's answer was read, not left
        loss, _ = _one_pass_grads(GPT(CFG, seed=1), x, y)
        assert par(x, y) == pytest.approx(loss, abs=1e-5)


def test_a_dead_worker_is_an_error_not_a_hang():
    x, y = _batch()
    model = GPT(CFG, seed=1)
    par = mg.processes.DataParallel(model, lambda a, b: model.loss(a, b), 2)
    os.kill(par._procs[0].pid, signal.SIGKILL)
    par._procs[0].join(timeout=5)
    with pytest.raises(RuntimeError, match="worker 1 stopped"):
        par(x, y)
    with pytest.raises(RuntimeError, match="closed"):
        par(x, y)


def test_close_stops_the_workers():
    model = GPT(CFG, seed=1)
    par = mg.processes.DataParallel(model, lambda a, b: model.loss(a, b), 3)
    procs = list(par._procs)
    assert all(p.is_alive() for p in procs)
    par.close()
    assert not any(p.is_alive() for p in procs)
    par.close()                                               # twice is fine
    with pytest.raises(RuntimeError, match="closed"):
        par(*_batch())


def test_a_model_with_buffers_is_refused():
    model = mg.Sequential(mg.Linear(4, 4), mg.BatchNorm1d(4))
    with pytest.raises(ValueError, match="buffers"):
        mg.processes.DataParallel(model, lambda a: model(a).sum(), 2)


def test_a_replaced_function_runs_in_the_workers(monkeypatch):
    """Learner mode replaces functions before training starts; the workers are forked copies of the
    caller, so they run the replacement too: here one that doubles the loss, so every gradient doubles."""
    import final_gpt.model as model_module

    x, y = _batch()
    model = GPT(CFG, seed=1)
    loss, expected = _one_pass_grads(model, x, y)
    real = model_module.GPT.loss
    monkeypatch.setattr(model_module.GPT, "loss", lambda self, a, b: real(self, a, b) * 2.0)
    with mg.processes.DataParallel(model, lambda a, b: model.loss(a, b), 2) as par:
        assert par(x, y) == pytest.approx(2 * loss, abs=1e-5)
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad, 2 * expected[name], rtol=0, atol=2e-6, err_msg=name)


def test_weights_replaced_between_calls_reach_the_workers():
    """An optimizer may update in place (then the caller's arrays, views of the shared weights, are
    already current) or replace ``p.data`` (a learner's ``p.data = p.data - lr * g``): both reach the
    workers. Reference: one pass of a model given the same new weights (1e-6)."""
    x, y = _batch()
    model = GPT(CFG, seed=1)
    with mg.processes.DataParallel(model, lambda a, b: model.loss(a, b), 2) as par:
        par(x, y)
        weights = [p.data.copy() for p in model.parameters()]
        for i, p in enumerate(model.parameters()):
            if i % 2:
                p.data -= 0.01 * p.grad                               # in place
            else:
                p.data = p.data - 0.01 * p.grad                       # a new array
            weights[i] = p.data.copy()
        model.zero_grad()
        got = par(x, y)
    fresh = GPT(CFG, seed=1)
    for p, w in zip(fresh.parameters(), weights):
        p.data = w
    loss, expected = _one_pass_grads(fresh, x, y)
    assert got == pytest.approx(loss, abs=1e-5)
    for (name, p), w in zip(model.named_parameters(), weights):
        np.testing.assert_array_equal(p.data, w, err_msg=name)          # the caller's weights untouched
        np.testing.assert_allclose(p.grad, expected[name], rtol=0, atol=1e-6, err_msg=name)
