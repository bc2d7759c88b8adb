"""Optimisers: ``torch.optim``'s names and update rules (the schedules are in ``lr_scheduler``).

Each optimiser holds ``param_groups`` (a list of dicts with "params" and hyper-parameters, so
e.g. biases can skip weight decay or get their own lr) and updates ``p.data`` in place from
``p.grad``. With g the gradient (plus ``weight_decay * p`` for L2 weight decay):

* SGD:     buf = mu buf + (1 - dampening) g;  p -= lr (g + mu buf if nesterov else buf).
* Adam:    m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  p -= lr m_hat / (sqrt(v_hat) + eps),
           with the bias corrections m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t).
* AdamW:   Adam with *decoupled* weight decay p -= lr * wd * p (not added to the gradient).
* RMSprop: s = alpha s + (1-alpha) g^2;  p -= lr g / (sqrt(s) + eps)  (optionally centred, with momentum).
* Adagrad: s = s + g^2;  p -= lr_t g / (sqrt(s) + eps),  lr_t = lr / (1 + (t-1) lr_decay).

The update rules match ``torch.optim`` step for step (tests/minigrad/test_torch_optim.py compares
them in float64). Hyper-parameters are checked once, in ``__init__`` (a misspelt keyword is a
TypeError naming it, a negative lr a ValueError), so ``step()`` does no checking.
``state_dict()`` / ``load_state_dict()`` save and restore the hyper-parameters and every
parameter's state (moments, step counts) as plain numbers and NumPy arrays.
"""

from __future__ import annotations

import math

from .. import threads
from ..tensor import Parameter, Tensor, enable_grad


# ----------------------------------------------------------------------------- checks (run once, in __init__)
def _check_non_negative(name: str, value, what: str) -> None:
    if not value >= 0:                  # also refuses NaN
        raise ValueError(f"Invalid {what}: {value} ({name} must be >= 0)")


def _check_betas(betas) -> None:
    if len(betas) != 2:
        raise ValueError(f"Invalid betas: {betas} (give two numbers, e.g. betas=(0.9, 0.999))")
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta} (each beta must be in [0, 1))")


def _refuse(flag: str, value, allowed, why: str) -> None:
    """A torch option minigrad does not have: its default is fine, anything else is refused."""
    if value not in allowed:
        raise NotImplementedError(f"{flag}={value!r} is not supported by minigrad ({why})")


class Optimizer:
    """The shared part: parameter groups, ``zero_grad``, ``step`` and the state dict.

    A subclass sets ``self.defaults`` (its hyper-parameters) by calling ``super().__init__``,
    checks a group's values in ``_check_group`` and writes the rule for one parameter in
    ``_update(p, g, group, state)``. ``self.state`` maps ``id(p)`` to that parameter's dict.
    """

    def __init__(self, params, defaults: dict):
        if isinstance(params, Tensor):
            raise TypeError("params must be an iterable of Tensors or of dicts, got one Tensor: "
                            "pass model.parameters() or [tensor]")
        if isinstance(params, set):             # torch accepts a set here; its order changes between runs
            raise TypeError("optimizer parameters need a fixed order: give a list, not a set")
        self.defaults = defaults
        self.state: dict[int, dict] = {}
        self.param_groups: list[dict] = []
        self._step_count = 0            # optimizer.step() calls; schedulers warn if they step first
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group: ``{"params": [...], "lr": ...}``; missing hyper-parameters take the defaults."""
        if not isinstance(param_group, dict) or "params" not in param_group:
            raise TypeError("a parameter group is a dict with a 'params' entry, e.g. {'params': [w], 'lr': 0.1}")
        unknown = sorted(set(param_group) - set(self.defaults) - {"params"})
        if unknown:
            raise TypeError(f"{type(self).__name__} got an unexpected hyper-parameter {unknown[0]!r} in a parameter "
                            f"group; known ones: {', '.join(sorted(self.defaults))}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need a fixed order: give a list, not a set")
        params = [p[1] if isinstance(p, tuple) else p for p in params]     # named_parameters() works too
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimise Tensors, got {type(p).__name__}")
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        if len({id(p) for p in params}) != len(params):      # torch only warns; it would step them twice
            raise ValueError("a parameter group holds the same parameter twice")
        group = {**self.defaults, **param_group, "params": params}
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group: dict) -> None:
        _check_non_negative("lr", group["lr"], "learning rate")
        if "weight_decay" in group:
            _check_non_negative("weight_decay", group["weight_decay"], "weight_decay value")
        if "eps" in group:
            _check_non_negative("eps", group["eps"], "epsilon value")

    @property
    def lr(self) -> float:
        """The first group's learning rate; setting it sets every group's."""
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value: float) -> None:
        for group in self.param_groups:
            group["lr"] = value

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: ``p.grad = None`` (default, as torch) or, with ``set_to_none=False``, zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad[...] = 0

    def step(self, closure=None):
        """Update every parameter that has a gradient (parameters are spread over threads).

        ``closure`` (optional, as torch): a function that zeroes the gradients, recomputes the
        loss, calls ``backward()`` and returns the loss; it runs first and its loss is returned.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        self._step_count += 1
        work = [(p, group, self.state.setdefault(id(p), {}))
                for group in self.param_groups for p in group["params"] if p.grad is not None]
        threads.parallel_map(lambda item: self._update(item[0], item[0].grad, item[1], item[2]), work)
        return loss

    def _update(self, p: Parameter, g, group: dict, state: dict) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------------- saving and restoring
    def state_dict(self) -> dict:
        """``{"state": {index: {name: value}}, "param_groups": [{..., "params": [index, ...]}]}``.

        As torch: parameters are numbered 0, 1, ... in group order, so the dict does not depend
        on object ids and loads into a fresh optimiser over the same model. Arrays are copies
        (a snapshot: training on does not change a saved dict).
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if self.state.get(id(p)):
                    state[index[id(p)]] = {k: v.copy() if hasattr(v, "copy") else v
                                           for k, v in self.state[id(p)].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what :meth:`state_dict` saved; the groups must hold as many parameters as then."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(saved_groups)} parameter groups, this optimizer "
                             f"{len(self.param_groups)}")
        params = []
        for saved, group in zip(saved_groups, self.param_groups):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                                 f"optimizer's group ({len(saved['params'])} parameters, not {len(group['params'])})")
            params += group["params"]
        state = {}
        for i, values in state_dict["state"].items():
            p = params[int(i)]
            restored = {}
            for name, value in values.items():
                if hasattr(value, "shape") and value.shape:               # a moment or buffer, shaped like p
                    if tuple(value.shape) != tuple(p.shape):
                        raise ValueError(f"loaded state {name!r} of parameter {i} has shape {tuple(value.shape)}, "
                                         f"the parameter {tuple(p.shape)}")
                    value = p.xp.array(value, dtype=p.data.dtype)         # a copy, on p's device
                restored[name] = value
            state[id(p)] = restored
        for saved, group in zip(saved_groups, self.param_groups):
            group.update({k: v for k, v in saved.items() if k != "params"})
        self.state = state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines + [")"])


# ----------------------------------------------------------------------------- the optimisers
class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum and L2 weight decay."""

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach=None, differentiable: bool = False, fused=None):
        _refuse("maximize", maximize, (False,), "minimise the negated loss instead")
        _refuse("differentiable", differentiable, (False,), "the update is not recorded by autograd")
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov})

    def _check_group(self, group):
        super()._check_group(group)
        _check_non_negative("momentum", group["momentum"], "momentum value")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening")

    def _update(self, p, g, group, state):
        """One SGD step for one parameter, in place: p.data changes, nothing is returned.

        p: the Parameter (its values are the array p.data); g: dL/dp, an array shaped like
        p.data; group: the hyper-parameters ("lr", "momentum", "dampening", "nesterov",
        "weight_decay"); state: a dict kept for this parameter from step to step (empty on the
        first step).

            g = g + weight_decay * p                    (L2 weight decay, when weight_decay > 0)
            buf = g on the first step, then buf = momentum * buf + (1 - dampening) * g
                                                                            (when momentum > 0)
            direction = g + momentum * buf if nesterov else buf             (g without momentum)
            p = p - lr * direction

        This is torch.optim.SGD's arithmetic: the momentum buffer starts at the first gradient
        (not at zero), and lr multiplies the whole buffer.
        """
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        mu = group["momentum"]
        if mu:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()
            else:
                buf *= mu
                buf += (1 - group["dampening"]) * g if group["dampening"] else g
            g = g + mu * buf if group["nesterov"] else buf
        p.data -= group["lr"] * g


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015); ``weight_decay`` is classic L2 added to the gradient.

    ``decoupled_weight_decay=True`` makes it AdamW, as in torch.
    """

    decoupled = False

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach=None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False, fused=None,
                 decoupled_weight_decay: bool = False):
        _refuse("amsgrad", amsgrad, (False,), "plain Adam only")
        _refuse("maximize", maximize, (False,), "minimise the negated loss instead")
        _refuse("differentiable", differentiable, (False,), "the update is not recorded by autograd")
        if decoupled_weight_decay:
            self.decoupled = True
        self.fused = bool(fused)            # the fast tier: see _fused_step
        self._flat: dict[int, tuple] = {}   # group index -> its flat moments (fused only)
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay})

    def _check_group(self, group):
        super()._check_group(group)
        _check_betas(group["betas"])

    def _update(self, p, g, group, state):
        """One Adam step for one parameter, in place: p.data changes, nothing is returned.

        p: the Parameter (its values are the array p.data); g: dL/dp, shaped like p.data;
        group: the hyper-parameters ("lr", "betas" = (b1, b2), "eps", "weight_decay");
        state: a dict kept for this parameter between steps, empty before the first step (keep
        t, m and v in it). With t counting this parameter's steps from 1 and m, v starting at 0:

            g = g + weight_decay * p                    (classic L2; AdamW instead does
                                                         p = p * (1 - lr * weight_decay) first)
            m = b1 m + (1 - b1) g                       running mean of the gradient
            v = b2 v + (1 - b2) g^2                     running mean of its square
            m_hat = m / (1 - b1^t),  v_hat = v / (1 - b2^t)     (undo the start at zero)
            p = p - lr * m_hat / (sqrt(v_hat) + eps)

        AdamW runs this same method with ``self.decoupled`` True.
        """
        b1, b2 = group["betas"]
        wd = group["weight_decay"]
        if wd and self.decoupled:
            p.data *= 1 - group["lr"] * wd
        elif wd:
            g = g + wd * p.data
        if not state:
            state["t"] = 0
            state["m"] = p.xp.zeros_like(p.data)
            state["v"] = p.xp.zeros_like(p.data)
        state["t"] += 1
        t, m, v, xp = state["t"], state["m"], state["v"], p.xp
        m *= b1
        m += (1 - b1) * g
        v *= b2
        g2 = g * g                   # in-place steps below: two temporaries per update, not six
        g2 *= 1 - b2
        v += g2
        step = group["lr"] / (1 - b1 ** t)
        denom = xp.sqrt(v, out=g2)
        denom *= 1 / math.sqrt(1 - b2 ** t)
        denom += group["eps"]
        update = xp.divide(m, denom, out=denom)
        update *= step
        p.data -= update

    # ------------------------------------------------------------------------- the fast tier (fused=True)
    def step(self, closure=None):
        """Update every parameter that has a gradient; with ``fused=True``, by :meth:`_fused_step`.

        The fused step is this class's own :meth:`_update` arithmetic written for flat arrays, so it
        runs only while ``_update`` is that method: when it has been replaced (a learner's own Adam
        in ``python -m learn``, a subclass), every step calls the replacement, parameter by parameter.
        """
        if not self.fused or type(self)._update is not _ADAM_UPDATE:
            return super().step(closure)
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        self._step_count += 1
        for index, group in enumerate(self.param_groups):
            params = [p for p in group["params"] if p.grad is not None]
            if params and not self._fused_step(index, group, params):
                work = [(p, group, self.state.setdefault(id(p), {})) for p in params]
                threads.parallel_map(lambda item: self._update(item[0], item[0].grad, item[1], item[2]), work)
        return loss

    def _fused_step(self, index: int, group: dict, params: list) -> bool:
        """The arithmetic of :meth:`_update` once for a whole group (``Adam(..., fused=True)``).

        The group's moments m and v live in two flat arrays, one stretch per parameter (each
        parameter's state holds views of its stretch, so ``state_dict`` sees the usual arrays), and
        the gradients are copied end to end into a third. The update then runs as a dozen calls
        over those flat arrays, split between threads, instead of a dozen calls per parameter: the
        same numbers (the same operations in the same order), without the per-call cost that
        dominates for the many small arrays of a model. Returns False when the group does not fit
        that mould (classic L2 decay, parameters at different step counts or of mixed dtypes), and
        :meth:`step` runs the textbook update instead.
        """
        b1, b2 = group["betas"]
        lr, wd, eps = group["lr"], group["weight_decay"], group["eps"]
        if wd and not self.decoupled:
            return False
        flat = self._flat_moments(index, params)
        if flat is None:
            return False
        _, m, v, g, u, views = flat                                       # views: (m, v, u) per parameter
        xp = params[0].xp
        xp.concatenate([p.grad.reshape(-1) for p in params], out=g)       # g: the gradients end to end
        t = self.state[id(params[0])]["t"] + 1
        for p in params:
            self.state[id(p)]["t"] = t
        step, unbias = lr / (1 - b1 ** t), 1 / math.sqrt(1 - b2 ** t)

        def moments(g, m, v, u):                                          # one block of the flat arrays
            m *= b1
            xp.multiply(g, 1 - b1, out=u)
            m += u                                                        # m = b1 m + (1 - b1) g
            v *= b2
            xp.multiply(g, g, out=u)
            u *= 1 - b2
            v += u                                                        # v = b2 v + (1 - b2) g^2
            xp.sqrt(v, out=u)
            u *= unbias
            u += eps
            xp.divide(m, u, out=u)
            u *= step                                                     # u = lr m_hat / (sqrt(v_hat) + eps)

        threads.parallel_rows(moments, g, m, v, u)

        def apply(i):
            if wd:
                params[i].data *= 1 - lr * wd                             # decoupled decay first, as _update
            params[i].data -= views[i][2]                                 # this parameter's stretch of u

        threads.parallel_map(apply, list(range(len(params))))
        return True

    def _flat_moments(self, index: int, params: list):
        """The flat arrays of group ``index`` for these parameters, (re)built when the parameters
        or their states changed (a new group, ``load_state_dict``); None when they cannot share one."""
        ids = tuple(id(p) for p in params)
        cached = self._flat.get(index)
        if cached is not None and cached[0] == ids and all(
                self.state.get(i, {}).get("m") is mv[0] and self.state[i].get("v") is mv[1]
                for i, mv in zip(ids, cached[5])):
            return cached if len({self.state[i]["t"] for i in ids}) == 1 else None
        dtype, xp = params[0].data.dtype, params[0].xp
        states = [self.state.setdefault(id(p), {}) for p in params]
        if any(p.data.dtype != dtype or p.xp is not xp for p in params) or len({s.get("t", 0) for s in states}) > 1:
            return None
        total = sum(p.data.size for p in params)
        m, v, g, u = (xp.zeros(total, dtype=dtype) for _ in range(4))
        views, start = [], 0
        for p, state in zip(params, states):
            stop = start + p.data.size
            pm, pv = m[start:stop].reshape(p.shape), v[start:stop].reshape(p.shape)
            if state:                                     # moments so far (a loaded state dict, an earlier step)
                pm[...] = state["m"]
                pv[...] = state["v"]
            else:
                state["t"] = 0
            state["m"], state["v"] = pm, pv
            views.append((pm, pv, u[start:stop].reshape(p.shape)))
            start = stop
        self._flat[index] = flat = (ids, m, v, g, u, views)
        return flat


_ADAM_UPDATE = Adam._update      # what the fused step computes (see Adam.step)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019)."""

    decoupled = True

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False, foreach=None,
                 capturable: bool = False, differentiable: bool = False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         differentiable=differentiable, fused=fused)


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture notes): divide the gradient by a running root-mean-square of it."""

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach=None, maximize: bool = False, differentiable: bool = False):
        _refuse("maximize", maximize, (False,), "minimise the negated loss instead")
        _refuse("differentiable", differentiable, (False,), "the update is not recorded by autograd")
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay,
                                  "momentum": momentum, "centered": centered})

    def _check_group(self, group):
        super()._check_group(group)
        _check_non_negative("momentum", group["momentum"], "momentum value")
        _check_non_negative("alpha", group["alpha"], "alpha value")

    def _update(self, p, g, group, state):
        """One RMSprop step for one parameter, in place (torch.optim.RMSprop's arithmetic).

            g = g + weight_decay * p                              (L2, when weight_decay > 0)
            s = alpha * s + (1 - alpha) * g^2                     running mean of g^2, from 0
            centred:  a = alpha * a + (1 - alpha) * g             running mean of g, from 0
                      rms = sqrt(s - a^2) + eps                   (an estimate of g's spread)
            else:     rms = sqrt(s) + eps
            momentum > 0:  buf = momentum * buf + g / rms;  p = p - lr * buf     (buf from 0)
            else:          p = p - lr * g / rms
        """
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        xp, alpha = p.xp, group["alpha"]
        if not state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(p.data)
            if group["momentum"] > 0:
                state["momentum_buffer"] = xp.zeros_like(p.data)
            if group["centered"]:
                state["grad_avg"] = xp.zeros_like(p.data)
        state["step"] += 1
        s = state["square_avg"]
        s *= alpha
        s += (1 - alpha) * g * g
        if group["centered"]:
            a = state["grad_avg"]
            a *= alpha
            a += (1 - alpha) * g
            rms = xp.sqrt(s - a * a) + group["eps"]
        else:
            rms = xp.sqrt(s) + group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += g / rms
            p.data -= group["lr"] * buf
        else:
            p.data -= group["lr"] * (g / rms)


class Adagrad(Optimizer):
    """Adagrad (Duchi et al. 2011): each weight's step shrinks with the sum of its squared gradients."""

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach=None, *,
                 maximize: bool = False, differentiable: bool = False, fused=None):
        _refuse("maximize", maximize, (False,), "minimise the negated loss instead")
        _refuse("differentiable", differentiable, (False,), "the update is not recorded by autograd")
        super().__init__(params, {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value, "eps": eps})

    def _check_group(self, group):
        super()._check_group(group)
        _check_non_negative("lr_decay", group["lr_decay"], "lr_decay value")
        _check_non_negative("initial_accumulator_value", group["initial_accumulator_value"],
                            "initial_accumulator_value")

    def _update(self, p, g, group, state):
        """One Adagrad step for one parameter, in place (torch.optim.Adagrad's arithmetic).

            g = g + weight_decay * p                          (L2, when weight_decay > 0)
            t = t + 1;   lr_t = lr / (1 + (t - 1) * lr_decay)
            s = s + g^2                                       (s starts at initial_accumulator_value)
            p = p - lr_t * g / (sqrt(s) + eps)
        """
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        if not state:
            state["step"] = 0
            state["sum"] = p.xp.full_like(p.data, group["initial_accumulator_value"])
        state["step"] += 1
        lr_t = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        s = state["sum"]
        s += g * g
        p.data -= lr_t * (g / (p.xp.sqrt(s) + group["eps"]))


__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]
