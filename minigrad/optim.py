"""Optimizers and learning-rate schedules.

Each optimizer holds ``param_groups`` (a list of dicts with "params" and hyper-parameters, so
e.g. biases can skip weight decay) and updates ``p.data`` in place from ``p.grad``:

* SGD:   v = mu v + g;  p -= lr (g + mu v if nesterov else v);  g includes weight_decay * p.
* Adam:  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  p -= lr m_hat / (sqrt(v_hat) + eps),
         with the bias corrections m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t).
* AdamW: Adam with *decoupled* weight decay p -= lr * wd * p (not added to the gradient).

The update rules match ``torch.optim`` step for step (the tests compare them).
"""

from __future__ import annotations

import math

from . import threads
from .tensor import Parameter


class Optimizer:
    defaults: dict = {}

    def __init__(self, params, **hyper):
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(params[0], dict):
            params = [{"params": params}]
        self.param_groups = []
        for group in params:
            merged = {**self.defaults, **hyper, **group}
            merged["params"] = list(group["params"])
            self.param_groups.append(merged)
        self.state: dict[int, dict] = {}

    @property
    def lr(self) -> float:
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value: float) -> None:
        for group in self.param_groups:
            group["lr"] = value

    def zero_grad(self) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    def step(self) -> None:
        """Update every parameter that has a gradient (parameters are spread over threads)."""
        work = [(p, group, self.state.setdefault(id(p), {}))
                for group in self.param_groups for p in group["params"] if p.grad is not None]
        threads.parallel_map(lambda item: self._update(item[0], item[0].grad, item[1], item[2]), work)

    def _update(self, p: Parameter, g, group: dict, state: dict) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum and L2 weight decay."""

    defaults = {"lr": 0.01, "momentum": 0.0, "nesterov": False, "weight_decay": 0.0}

    def _update(self, p, g, group, state):
        """One SGD step for one parameter, in place: p.data changes, nothing is returned.

        p: the Parameter (its values are the array p.data); g: dL/dp, an array shaped like
        p.data; group: the hyper-parameters ("lr", "momentum", "nesterov", "weight_decay");
        state: a dict kept for this parameter from step to step (empty on the first step).

            g = g + weight_decay * p                    (L2 weight decay, when weight_decay > 0)
            buf = g on the first step, then buf = momentum * buf + g        (when momentum > 0)
            direction = g + momentum * buf if nesterov else buf             (g without momentum)
            p = p - lr * direction

        This is torch.optim.SGD's arithmetic: the momentum buffer starts at the first gradient
        (not at zero), and lr multiplies the whole buffer.
        """
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        mu = group["momentum"]
        if mu:
            buf = state.get("momentum")
            if buf is None:
                buf = state["momentum"] = g.copy()
            else:
                buf *= mu
                buf += g
            g = g + mu * buf if group["nesterov"] else buf
        p.data -= group["lr"] * g


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015); ``weight_decay`` is classic L2 added to the gradient."""

    defaults = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0}
    decoupled = False

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


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019)."""

    defaults = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.01}
    decoupled = True


# ----------------------------------------------------------------------------- schedules
class LRSchedule:
    """Call ``step()`` once per optimizer step (or epoch); it sets ``optimizer.lr``."""

    def __init__(self, optimizer: Optimizer):
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.steps = 0
        optimizer.lr = self.lr_at(0)

    def lr_at(self, step: int) -> float:
        raise NotImplementedError

    def step(self) -> float:
        self.steps += 1
        self.optimizer.lr = self.lr_at(self.steps)
        return self.optimizer.lr


class StepLR(LRSchedule):
    """lr = base * gamma ** (step // step_size)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1):
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def lr_at(self, step: int) -> float:
        return self.base_lr * self.gamma ** (step // self.step_size)


class CosineLR(LRSchedule):
    """Linear warm-up for ``warmup_steps``, then cosine decay from base to ``min_lr`` at ``total_steps``."""

    def __init__(self, optimizer: Optimizer, total_steps: int, warmup_steps: int = 0, min_lr: float = 0.0):
        self.total_steps, self.warmup_steps, self.min_lr = total_steps, warmup_steps, min_lr
        super().__init__(optimizer)

    def lr_at(self, step: int) -> float:
        if step < self.warmup_steps:
            return self.base_lr * (step + 1) / self.warmup_steps
        span = max(1, self.total_steps - self.warmup_steps)
        progress = min(1.0, (step - self.warmup_steps) / span)
        return self.min_lr + 0.5 * (self.base_lr - self.min_lr) * (1 + math.cos(math.pi * progress))
