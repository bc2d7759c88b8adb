"""``minigrad.nn.utils``: gradient clipping, as ``torch.nn.utils``."""

from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..tensor import Tensor


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Scale every gradient by min(1, max_norm / (total + 1e-6)) in place, where

        total = (sum over all gradient entries of |g|^p)^(1/p)     (p = ``norm_type``; inf: max |g|)

    is the norm of all gradients joined into one vector. Returns ``total`` as a 0-d tensor (before
    clipping), as torch. Parameters without a gradient are skipped.
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return Tensor(np.zeros((), dtype=np.float32))
    p = float(norm_type)
    if p == math.inf:
        norms = [float(abs(g).max()) if g.size else 0.0 for g in grads]
        total = max(norms)
    else:
        total = sum(float((abs(g) ** p).sum()) for g in grads) ** (1.0 / p)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"the total norm of order {norm_type} of the gradients is {total}; "
                           "pass error_if_nonfinite=False to clip anyway")
    coef = min(max_norm / (total + 1e-6), 1.0)
    if coef < 1.0:
        for g in grads:
            g *= coef
    return Tensor(np.asarray(total, dtype=grads[0].dtype))


def clip_grad_value_(parameters, clip_value: float) -> None:
    """Clamp every gradient entry into [-clip_value, clip_value] in place."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    for p in parameters:
        if p.grad is not None:
            backend.module_of(p.grad).clip(p.grad, -clip_value, clip_value, out=p.grad)


__all__ = ["clip_grad_norm_", "clip_grad_value_"]
