"""minigrad's optimisers, schedulers and data loading against PyTorch (issue 17).

Optimisers: the same float64 parameters get the same sequence of gradients in minigrad and in
torch; after every step the parameters must agree to 1e-12 (a handful of float64 operations per
step: the tolerance says both compute the same formula). Schedulers: 30 epochs of
``get_last_lr()`` agree to 1e-12. A state_dict round trip must give bit-identical continued
training. Invalid arguments raise the same kind of exception as torch. Data: batches, lengths
and dtypes as torch's; shuffles are NumPy's (not torch's), so only their rules are compared.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import lr_scheduler as sched_mg

torch = pytest.importorskip("torch")
TOL = 1e-12
SHAPES = [(3, 4), (5,), (2, 2, 3)]
STEPS = 8


def _start(seed=0):
    rng = np.random.default_rng(seed)
    values = [rng.standard_normal(s) for s in SHAPES]
    ours = [mg.Parameter(v.copy()) for v in values]
    theirs = [torch.tensor(v.copy(), requires_grad=True) for v in values]
    return ours, theirs


def _grads(step, seed=1):
    rng = np.random.default_rng(1000 * seed + step)
    return [rng.standard_normal(s) for s in SHAPES]


def _feed(ours, theirs, step):
    for p, q, g in zip(ours, theirs, _grads(step)):
        p.grad = g.copy()
        q.grad = torch.tensor(g.copy())


def _groups(ours, theirs, spec):
    """spec None: one group of all parameters; else a list of dicts of hyper-parameters per group
    (parameters 0 | 1, 2)."""
    if spec is None:
        return ours, theirs
    split = [[0], [1, 2]]
    return ([{"params": [ours[i] for i in idx], **h} for idx, h in zip(split, spec)],
            [{"params": [theirs[i] for i in idx], **h} for idx, h in zip(split, spec)])


OPTIMISERS = [
    ("sgd", "SGD", {"lr": 0.1}, None),
    ("sgd momentum dampening wd", "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}, None),
    ("sgd nesterov", "SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1}, None),
    ("adam", "Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.01}, None),
    ("adam decoupled", "Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}, None),
    ("adamw", "AdamW", {"lr": 0.02, "weight_decay": 0.1}, None),
    ("rmsprop", "RMSprop", {"lr": 0.01}, None),
    ("rmsprop alpha wd", "RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-5, "weight_decay": 0.05}, None),
    ("rmsprop momentum", "RMSprop", {"lr": 0.01, "momentum": 0.9}, None),
    ("rmsprop centered", "RMSprop", {"lr": 0.01, "centered": True}, None),
    ("rmsprop centered momentum wd", "RMSprop", {"lr": 0.005, "centered": True, "momentum": 0.5,
                                                 "weight_decay": 0.1}, None),
    ("adagrad", "Adagrad", {"lr": 0.1}, None),
    ("adagrad decay wd init", "Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.02,
                                          "initial_accumulator_value": 0.3, "eps": 1e-6}, None),
    ("sgd groups", "SGD", {"lr": 0.1, "momentum": 0.9}, [{"lr": 0.5}, {"weight_decay": 0.1}]),
    ("adam groups", "Adam", {"lr": 0.01}, [{"lr": 0.1, "betas": (0.5, 0.9)}, {"weight_decay": 0.2}]),
    ("rmsprop groups", "RMSprop", {"lr": 0.01}, [{"momentum": 0.7}, {"centered": True, "lr": 0.03}]),
    ("adagrad groups", "Adagrad", {"lr": 0.1}, [{"lr_decay": 0.1}, {"lr": 0.3}]),
]


@pytest.mark.parametrize("name,cls,hyper,groups", OPTIMISERS, ids=[o[0] for o in OPTIMISERS])
def test_optimiser_matches_torch_step_for_step(name, cls, hyper, groups):
    ours, theirs = _start()
    a, b = _groups(ours, theirs, groups)
    opt_m, opt_t = getattr(mg.optim, cls)(a, **hyper), getattr(torch.optim, cls)(b, **hyper)
    for step in range(STEPS):
        _feed(ours, theirs, step)
        opt_m.step()
        opt_t.step()
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=0, atol=TOL)
    assert [g["lr"] for g in opt_m.param_groups] == [g["lr"] for g in opt_t.param_groups]


def test_a_parameter_without_gradient_is_left_alone_as_in_torch():
    ours, theirs = _start()
    opt_m, opt_t = mg.optim.Adam(ours, lr=0.1), torch.optim.Adam(theirs, lr=0.1)
    for step in range(3):
        _feed(ours, theirs, step)
        ours[1].grad, theirs[1].grad = None, None
        opt_m.step()
        opt_t.step()
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=0, atol=TOL)
    assert id(ours[1]) not in opt_m.state or not opt_m.state[id(ours[1])]


@pytest.mark.parametrize("name,cls,hyper,groups", OPTIMISERS, ids=[o[0] for o in OPTIMISERS])
def test_state_dict_round_trip_continues_bit_for_bit(name, cls, hyper, groups):
    ours, _ = _start()
    a, _ = _groups(ours, [None] * 3, groups)
    opt = getattr(mg.optim, cls)(a, **hyper)
    for step in range(3):
        for p, g in zip(ours, _grads(step)):
            p.grad = g
        opt.step()
    saved = opt.state_dict()
    frozen = copy.deepcopy(saved)
    # a fresh model with the same weights and a fresh optimiser with other hyper-parameters
    twins = [mg.Parameter(p.data.copy()) for p in ours]
    b, _ = _groups(twins, [None] * 3, groups)
    other = dict(hyper, lr=123.0)
    other.pop("nesterov", None)
    other.pop("dampening", None)
    fresh = getattr(mg.optim, cls)(b, **other)
    fresh.load_state_dict(saved)
    for step in range(3, 7):
        for p, q, g in zip(ours, twins, _grads(step)):
            p.grad, q.grad = g.copy(), g.copy()
        opt.step()
        fresh.step()
        for p, q in zip(ours, twins):
            np.testing.assert_array_equal(p.data, q.data)
    assert [g["lr"] for g in fresh.param_groups] == [g["lr"] for g in opt.param_groups]
    for i, state in saved["state"].items():          # a snapshot: training on did not change it
        for key, value in state.items():
            np.testing.assert_array_equal(value, frozen["state"][i][key])


@pytest.mark.parametrize("cls,hyper", [("SGD", {"lr": 0.1, "momentum": 0.9}), ("RMSprop", {"momentum": 0.5,
                                                                                           "centered": True}),
                                       ("Adagrad", {}), ("Adam", {})])
def test_state_dict_layout_is_torchs(cls, hyper):
    """Parameters numbered in group order, the same group entries; SGD, RMSprop and Adagrad keep
    their state under torch's names (Adam under minigrad's t, m, v: see API.md)."""
    ours, theirs = _start()
    a, b = _groups(ours, theirs, [{"lr": 0.2}, {}])
    opt_m, opt_t = getattr(mg.optim, cls)(a, **hyper), getattr(torch.optim, cls)(b, **hyper)
    _feed(ours, theirs, 0)
    opt_m.step()
    opt_t.step()
    sd_m, sd_t = opt_m.state_dict(), opt_t.state_dict()
    assert [g["params"] for g in sd_m["param_groups"]] == [g["params"] for g in sd_t["param_groups"]]
    for gm, gt in zip(sd_m["param_groups"], sd_t["param_groups"]):
        assert set(gm) <= set(gt) and all(gm[k] == gt[k] for k in gm if k != "params")
    assert set(sd_m["state"]) == set(sd_t["state"])
    if cls != "Adam":
        for i in sd_m["state"]:
            assert set(sd_m["state"][i]) == set(sd_t["state"][i])
            for key, value in sd_m["state"][i].items():
                np.testing.assert_allclose(value, np.asarray(sd_t["state"][i][key]), rtol=0, atol=TOL)


def _same_error(make_mg, make_torch, match=None):
    with pytest.raises(Exception) as theirs:
        make_torch()
    with pytest.raises(theirs.type, match=match):
        make_mg()


def _both(cls, **kw):
    ours, theirs = _start()
    return (lambda: getattr(mg.optim, cls)(ours, **kw)), (lambda: getattr(torch.optim, cls)(theirs, **kw))


@pytest.mark.parametrize("cls,typo", [("SGD", "momemtum"), ("Adam", "beta"), ("AdamW", "weight_decy"),
                                      ("RMSprop", "centred"), ("Adagrad", "lr_decy")])
def test_a_misspelt_keyword_is_a_type_error_naming_it(cls, typo):
    _same_error(*_both(cls, lr=0.1, **{typo: 0.9}), match=typo)


@pytest.mark.parametrize("cls,bad", [
    ("SGD", {"lr": -0.1}), ("SGD", {"momentum": -0.5}), ("SGD", {"weight_decay": -1e-3}),
    ("SGD", {"nesterov": True}), ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}),
    ("Adam", {"lr": -1e-3}), ("Adam", {"betas": (1.0, 0.999)}), ("Adam", {"betas": (0.9, -0.1)}),
    ("Adam", {"eps": -1e-8}), ("Adam", {"weight_decay": -0.1}), ("AdamW", {"betas": (0.9, 1.5)}),
    ("AdamW", {"lr": -2.0}), ("RMSprop", {"lr": -0.01}), ("RMSprop", {"alpha": -0.9}),
    ("RMSprop", {"momentum": -0.1}), ("RMSprop", {"eps": -1.0}), ("Adagrad", {"lr": -0.1}),
    ("Adagrad", {"lr_decay": -0.1}), ("Adagrad", {"initial_accumulator_value": -1.0}),
    ("Adagrad", {"weight_decay": -0.1}),
], ids=str)
def test_values_out_of_range_raise_as_torch(cls, bad):
    _same_error(*_both(cls, **bad))


def test_parameters_given_wrongly_raise_as_torch():
    ours, theirs = _start()
    _same_error(lambda: mg.optim.SGD(ours[0], lr=0.1), lambda: torch.optim.SGD(theirs[0], lr=0.1))   # one tensor
    _same_error(lambda: mg.optim.Adam([], lr=0.1), lambda: torch.optim.Adam([], lr=0.1))             # nothing
    _same_error(lambda: mg.optim.SGD([{"params": [ours[0]]}, {"params": [ours[0]]}], lr=0.1),   # in two groups
                lambda: torch.optim.SGD([{"params": [theirs[0]]}, {"params": [theirs[0]]}], lr=0.1))
    _same_error(lambda: mg.optim.SGD([{"params": {ours[0]}}], lr=0.1),    # a set has no fixed order
                lambda: torch.optim.SGD([{"params": {theirs[0]}}], lr=0.1), match="set")


def test_minigrad_is_stricter_on_purpose():
    """A misspelt hyper-parameter inside a group (torch keeps it silently) and torch options
    minigrad does not have raise clear errors."""
    ours, _ = _start()
    with pytest.raises(TypeError, match="weight_decy"):
        mg.optim.SGD([{"params": ours, "weight_decy": 0.1}], lr=0.1)
    with pytest.raises(TypeError, match="set"):                           # torch takes a set of parameters
        mg.optim.SGD(set(ours), lr=0.1)
    with pytest.raises(ValueError, match="twice"):                        # torch warns, then steps it twice
        mg.optim.SGD([ours[0], ours[0]], lr=0.1)
    with pytest.raises(NotImplementedError, match="amsgrad"):
        mg.optim.Adam(ours, amsgrad=True)
    with pytest.raises(NotImplementedError, match="maximize"):
        mg.optim.SGD(ours, maximize=True)
    mg.optim.Adam(ours, foreach=None, fused=None, capturable=False)       # speed flags: accepted


def test_load_state_dict_refuses_another_layout_as_torch():
    ours, theirs = _start()
    opt_m = mg.optim.SGD(ours, lr=0.1, momentum=0.9)
    opt_t = torch.optim.SGD(theirs, lr=0.1, momentum=0.9)
    two_m = mg.optim.SGD([{"params": ours[:1]}, {"params": ours[1:]}], lr=0.1)
    two_t = torch.optim.SGD([{"params": theirs[:1]}, {"params": theirs[1:]}], lr=0.1)
    _same_error(lambda: opt_m.load_state_dict(two_m.state_dict()), lambda: opt_t.load_state_dict(two_t.state_dict()))
    short_m, short_t = mg.optim.SGD(ours[:2], lr=0.1), torch.optim.SGD(theirs[:2], lr=0.1)
    _same_error(lambda: opt_m.load_state_dict(short_m.state_dict()),
                lambda: opt_t.load_state_dict(short_t.state_dict()))
    _feed(ours, theirs, 0)
    opt_m.step()
    saved = opt_m.state_dict()
    saved["state"][0]["momentum_buffer"] = np.zeros((4, 3))
    with pytest.raises(ValueError, match="shape"):
        mg.optim.SGD(ours, lr=0.1, momentum=0.9).load_state_dict(saved)


def test_zero_grad_and_add_param_group_and_closure():
    ours, theirs = _start()
    opt_m, opt_t = mg.optim.SGD(ours[:2], lr=0.1), torch.optim.SGD(theirs[:2], lr=0.1)
    opt_m.add_param_group({"params": [ours[2]], "lr": 0.01})
    opt_t.add_param_group({"params": [theirs[2]], "lr": 0.01})
    assert [g["lr"] for g in opt_m.param_groups] == [g["lr"] for g in opt_t.param_groups] == [0.1, 0.01]
    _feed(ours, theirs, 0)
    grad = ours[0].grad
    opt_m.zero_grad(set_to_none=False)
    opt_t.zero_grad(set_to_none=False)
    assert ours[0].grad is grad and not grad.any() and not theirs[0].grad.any()
    opt_m.zero_grad()
    opt_t.zero_grad()
    assert ours[0].grad is None and theirs[0].grad is None

    x = np.linspace(-1, 1, 4)

    def closure_m():
        opt_m.zero_grad()
        loss = (ours[0] * mg.tensor(x)).sum()
        loss.backward()
        return loss

    def closure_t():
        opt_t.zero_grad()
        loss = (theirs[0] * torch.tensor(x)).sum()
        loss.backward()
        return loss

    assert float(opt_m.step(closure_m).item()) == pytest.approx(float(opt_t.step(closure_t).item()), abs=TOL)
    np.testing.assert_allclose(ours[0].data, theirs[0].detach().numpy(), rtol=0, atol=TOL)


# ----------------------------------------------------------------------------- schedulers
SCHEDULERS = [
    ("StepLR", {"step_size": 7, "gamma": 0.5}, "SGD"),
    ("MultiStepLR", {"milestones": [12, 5, 20, 20], "gamma": 0.3}, "SGD"),
    ("ExponentialLR", {"gamma": 0.9}, "Adam"),
    ("CosineAnnealingLR", {"T_max": 10, "eta_min": 0.01}, "SGD"),
    ("CosineAnnealingLR", {"T_max": 30}, "AdamW"),
    ("LambdaLR", {"lr_lambda": lambda e: 0.95 ** e * (1 + e % 3)}, "SGD"),
    ("LambdaLR", {"lr_lambda": [lambda e: 1 / (e + 1), lambda e: 0.9 ** e]}, "RMSprop"),
    ("LinearLR", {"start_factor": 0.25, "total_iters": 8}, "SGD"),
    ("LinearLR", {"start_factor": 1.0, "end_factor": 0.1, "total_iters": 10}, "Adagrad"),
    ("OneCycleLR", {"max_lr": [0.5, 0.2], "total_steps": 30}, "SGD"),
    ("OneCycleLR", {"max_lr": 0.01, "epochs": 3, "steps_per_epoch": 10, "anneal_strategy": "linear",
                    "three_phase": True, "pct_start": 0.25}, "Adam"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 30, "cycle_momentum": False, "div_factor": 5.0,
                    "final_div_factor": 50.0}, "Adagrad"),
]
EXTRA = {"SGD": {"momentum": 0.9}, "Adam": {}, "AdamW": {}, "RMSprop": {"momentum": 0.5}, "Adagrad": {}}


def _schedules(name, kw, opt_cls, steps=29):
    """30 epochs of rates (and momenta) from minigrad's and torch's scheduler on two parameter groups."""
    ours, theirs = _start()
    a, b = _groups(ours, theirs, [{"lr": 0.3}, {"lr": 0.05}])
    opt_m = getattr(mg.optim, opt_cls)(a, **EXTRA[opt_cls])
    opt_t = getattr(torch.optim, opt_cls)(b, **EXTRA[opt_cls])
    s_m, s_t = getattr(sched_mg, name)(opt_m, **kw), getattr(torch.optim.lr_scheduler, name)(opt_t, **kw)
    rows = []
    for step in range(steps + 1):
        rows.append((s_m.get_last_lr(), s_t.get_last_lr(),
                     [g.get("momentum", 0) for g in opt_m.param_groups] + [g.get("betas", (0,))[0]
                                                                           for g in opt_m.param_groups],
                     [g.get("momentum", 0) for g in opt_t.param_groups] + [g.get("betas", (0,))[0]
                                                                           for g in opt_t.param_groups]))
        if step == steps:
            break
        _feed(ours, theirs, step)
        opt_m.step()
        opt_t.step()
        s_m.step()
        s_t.step()
    return rows, (opt_m, s_m, ours), (opt_t, s_t, theirs)


@pytest.mark.parametrize("name,kw,opt_cls", SCHEDULERS, ids=[f"{s[0]}-{s[2]}-{i}" for i, s in enumerate(SCHEDULERS)])
def test_scheduler_rates_match_torch_over_30_epochs(name, kw, opt_cls):
    rows, (opt_m, _, ours), (opt_t, _, theirs) = _schedules(name, kw, opt_cls)
    assert len(rows) == 30
    for lr_m, lr_t, mom_m, mom_t in rows:
        np.testing.assert_allclose(lr_m, lr_t, rtol=0, atol=TOL)
        np.testing.assert_allclose(mom_m, mom_t, rtol=0, atol=TOL)
    for p, q in zip(ours, theirs):                         # the rates were used: same weights after
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("name,kw,opt_cls", [SCHEDULERS[0], SCHEDULERS[3], SCHEDULERS[6], SCHEDULERS[9]],
                         ids=["StepLR", "CosineAnnealingLR", "LambdaLR", "OneCycleLR"])
def test_scheduler_state_dict_round_trip(name, kw, opt_cls):
    """Save optimiser + scheduler after 10 steps, restore into fresh ones (torch's order: the
    scheduler is made first, then both load), and the next 10 rates are the same."""
    def make():
        params = [mg.Parameter(np.zeros(3)), mg.Parameter(np.zeros(2))]
        opt = getattr(mg.optim, opt_cls)([{"params": params[:1], "lr": 0.3}, {"params": params[1:], "lr": 0.05}],
                                         **EXTRA[opt_cls])
        return params, opt, getattr(sched_mg, name)(opt, **kw)

    params, opt, sched = make()
    for _step in range(10):
        for p in params:
            p.grad = np.ones(p.shape)
        opt.step()
        sched.step()
    saved_opt, saved_sched = copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict())
    params2, opt2, sched2 = make()
    for p, q in zip(params, params2):                     # the model's weights come back too
        q.data[...] = p.data
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    assert sched2.get_last_lr() == sched.get_last_lr()
    for _step in range(10):
        for p, q in zip(params, params2):
            p.grad, q.grad = np.ones(p.shape), np.ones(q.shape)
        opt.step()
        sched.step()
        opt2.step()
        sched2.step()
        assert sched2.get_last_lr() == sched.get_last_lr()
    assert all(np.array_equal(p.data, q.data) for p, q in zip(params, params2))


def test_scheduler_errors_and_warnings_as_torch():
    ours, theirs = _start()
    opt_m, opt_t = mg.optim.SGD(ours, lr=0.1), torch.optim.SGD(theirs, lr=0.1)
    for kw in ({"start_factor": 0.0}, {"start_factor": 1.5}, {"end_factor": -0.1}):
        _same_error(lambda kw=kw: sched_mg.LinearLR(opt_m, **kw),
                    lambda kw=kw: torch.optim.lr_scheduler.LinearLR(opt_t, **kw))
    _same_error(lambda: sched_mg.OneCycleLR(opt_m, max_lr=0.1),                     # no total_steps
                lambda: torch.optim.lr_scheduler.OneCycleLR(opt_t, max_lr=0.1))
    _same_error(lambda: sched_mg.OneCycleLR(opt_m, max_lr=0.1, total_steps=10, anneal_strategy="exp"),
                lambda: torch.optim.lr_scheduler.OneCycleLR(opt_t, max_lr=0.1, total_steps=10, anneal_strategy="exp"))
    ada_m, ada_t = mg.optim.Adagrad(ours), torch.optim.Adagrad(theirs)
    _same_error(lambda: sched_mg.OneCycleLR(ada_m, max_lr=0.1, total_steps=10),      # no momentum to cycle
                lambda: torch.optim.lr_scheduler.OneCycleLR(ada_t, max_lr=0.1, total_steps=10))
    _same_error(lambda: sched_mg.StepLR(object(), 3), lambda: torch.optim.lr_scheduler.StepLR(object(), 3))
    _same_error(lambda: sched_mg.StepLR(mg.optim.SGD(ours), 3, last_epoch=4),        # resuming without initial_lr
                lambda: torch.optim.lr_scheduler.StepLR(torch.optim.SGD(theirs), 3, last_epoch=4))
    one_m = sched_mg.OneCycleLR(mg.optim.SGD(ours, momentum=0.9), max_lr=0.1, total_steps=3)
    one_t = torch.optim.lr_scheduler.OneCycleLR(torch.optim.SGD(theirs, momentum=0.9), max_lr=0.1, total_steps=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(3):
            one_m.step()
            one_t.step()
    _same_error(one_m.step, one_t.step, match="total steps")                          # stepped past the end
    fresh_m = sched_mg.StepLR(mg.optim.SGD(ours, lr=0.1), 2)
    fresh_t = torch.optim.lr_scheduler.StepLR(torch.optim.SGD(theirs, lr=0.1), 2)
    with pytest.warns(UserWarning, match="before"):
        fresh_t.step()
    with pytest.warns(UserWarning, match="optimizer.step"):                         # the wrong order is flagged
        fresh_m.step()


def test_old_names_and_namespaces():
    from minigrad.optim.lr_scheduler import CosineLR, StepLR
    assert mg.StepLR is StepLR is mg.optim.StepLR and mg.CosineLR is CosineLR
    assert mg.optim.lr_scheduler.LRScheduler is sched_mg._LRScheduler
    assert mg.RMSprop is mg.optim.RMSprop and mg.Adagrad is mg.optim.Adagrad
    opt = mg.SGD([mg.Parameter(np.zeros(1))], lr=1.0)
    cos = mg.CosineLR(opt, total_steps=10, warmup_steps=2, min_lr=0.1)     # minigrad's own warm-up + cosine
    assert opt.lr == 0.5 and cos.get_last_lr() == [0.5]


# ----------------------------------------------------------------------------- data
class Squares:
    """A map-style dataset of (x, x^2, label) with Python numbers, the torch way."""

    def __len__(self):
        return 11

    def __getitem__(self, i):
        return float(i), np.array([i, i * i], dtype=np.float64), i % 3


class SquaresT(torch.utils.data.Dataset):
    def __len__(self):
        return 11

    def __getitem__(self, i):
        return float(i), torch.tensor([i, i * i], dtype=torch.float64), i % 3


@pytest.mark.parametrize("batch_size,drop_last", [(4, False), (4, True), (11, False), (1, True)])
def test_default_collate_batches_like_torch(batch_size, drop_last):
    from minigrad.utils.data import DataLoader
    ours = list(DataLoader(Squares(), batch_size=batch_size, drop_last=drop_last))
    theirs = list(torch.utils.data.DataLoader(SquaresT(), batch_size=batch_size, drop_last=drop_last))
    assert len(ours) == len(theirs) == len(DataLoader(Squares(), batch_size, drop_last=drop_last))
    for bm, bt in zip(ours, theirs):
        assert len(bm) == len(bt)
        for fm, ft in zip(bm, bt):
            assert fm.shape == tuple(ft.shape) and fm.dtype == np.dtype(str(ft.dtype).replace("torch.", ""))
            np.testing.assert_array_equal(fm.numpy(), ft.numpy())


def test_collate_fn_gets_the_list_of_samples_as_torch():
    def pairs(items):
        return [(int(x), int(label)) for x, _, label in items]

    from minigrad.utils.data import DataLoader
    assert (list(DataLoader(Squares(), batch_size=5, collate_fn=pairs))
            == list(torch.utils.data.DataLoader(SquaresT(), batch_size=5, collate_fn=pairs)))
    dicts = [{"x": np.full(2, i, dtype=np.float64), "y": i} for i in range(6)]
    batch = next(iter(mg.DataLoader(dicts, batch_size=3)))
    batch_t = next(iter(torch.utils.data.DataLoader(dicts, batch_size=3)))
    assert set(batch) == set(batch_t) and batch["y"].dtype == np.int64
    np.testing.assert_array_equal(batch["x"].numpy(), batch_t["x"].numpy())


def test_shuffle_with_a_seeded_generator():
    x, y = np.arange(20, dtype=np.float64).reshape(20, 1), np.arange(20)
    ds = mg.TensorDataset(x, y)

    def epochs(loader, n=2):
        return [np.concatenate([b[1].numpy() for b in loader]) for _ in range(n)]

    first = epochs(mg.DataLoader(ds, batch_size=6, shuffle=True, generator=mg.Generator().manual_seed(7)))
    again = epochs(mg.DataLoader(ds, batch_size=6, shuffle=True, generator=mg.Generator().manual_seed(7)))
    other = epochs(mg.DataLoader(ds, batch_size=6, shuffle=True, generator=mg.Generator().manual_seed(8)))
    assert all(sorted(e) == list(range(20)) for e in first)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first[0], first[1]) and not np.array_equal(first[0], other[0])
    mg.manual_seed(3)                                          # no generator: the global one, as torch
    one = epochs(mg.DataLoader(ds, batch_size=6, shuffle=True), 1)
    mg.manual_seed(3)
    np.testing.assert_array_equal(one, epochs(mg.DataLoader(ds, batch_size=6, shuffle=True), 1))
    _same_error(lambda: mg.DataLoader(ds, batch_size=0), lambda: torch.utils.data.DataLoader(ds, batch_size=0))
    with pytest.raises(TypeError, match="generator"):
        mg.DataLoader(ds, shuffle=True, generator=7)


@pytest.mark.parametrize("lengths", [[0.7, 0.2, 0.1], [0.5, 0.5], [5, 12], [0.34, 0.33, 0.33], [17, 0]])
def test_random_split_lengths_as_torch(lengths):
    from minigrad.utils.data import TensorDataset, random_split
    ds = TensorDataset(np.arange(17))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                     # a split of length 0 warns in both
        ours = random_split(ds, lengths, generator=mg.Generator().manual_seed(0))
        theirs = torch.utils.data.random_split(range(17), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    items = sorted(int(s[i][0]) for s in ours for i in range(len(s)))
    assert items == list(range(17))                          # disjoint, and together the whole dataset
    again = random_split(ds, lengths, generator=mg.Generator().manual_seed(0))
    assert [s.indices for s in ours] == [s.indices for s in again]


@pytest.mark.parametrize("lengths", [[5, 5], [10, 8], [1.2, -0.2], [0.5, 0.6]])
def test_random_split_refuses_bad_lengths_as_torch(lengths):
    ds = mg.TensorDataset(np.arange(17))
    _same_error(lambda: mg.random_split(ds, lengths), lambda: torch.utils.data.random_split(range(17), lengths))


def test_loader_over_a_split_of_arrays():
    x, y = np.arange(30, dtype=np.float64).reshape(15, 2), np.arange(15)
    train, _ = mg.random_split(mg.TensorDataset(x, y), [0.6, 0.4], generator=mg.Generator().manual_seed(1))
    batches = list(mg.DataLoader(train, batch_size=4))
    assert [len(b[1]) for b in batches] == [4, 4, 1]
    rows = np.concatenate([b[1].numpy() for b in batches])
    np.testing.assert_array_equal(rows, train.indices)
    np.testing.assert_array_equal(np.concatenate([b[0].numpy() for b in batches]), x[train.indices])


def test_save_and_load_a_state_dict_like_torch(tmp_path):
    model = mg.Linear(3, 2)
    path = tmp_path / "model.pt"
    mg.save(model.state_dict(), path)
    assert path.is_file() and not (tmp_path / "model.pt.npz").exists()
    other = mg.Linear(3, 2)
    other.load_state_dict(mg.load(path))
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(np.asarray(v), np.asarray(other.state_dict()[k]))
    opt = mg.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match="pickle"):
        mg.save(opt.state_dict(), tmp_path / "opt.pt")
    with pytest.raises(TypeError, match="pickle"):
        mg.save({"w": np.array([{"a": 1}], dtype=object)}, tmp_path / "objects.pt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt"]
