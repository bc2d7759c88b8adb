"""``mg.autograd.grad``: the gradients of outputs with respect to chosen inputs, returned rather
than accumulated into ``.grad`` (torch.autograd.grad)."""

from __future__ import annotations

from .tensor import Tensor, topological_order


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None, create_graph: bool = False,
         allow_unused: bool = False) -> tuple:
    """d(sum_k outputs_k * grad_outputs_k) / d(inputs_i) for each input, as a tuple of Tensors.

    The backward pass is the usual one (:meth:`Tensor.backward`); every ``.grad`` it touches is
    put back as it was afterwards, so parameters' gradients are unchanged. ``grad_outputs``
    defaults to 1 for one-element outputs. ``create_graph=True`` (a gradient you can
    differentiate again) is not supported: minigrad's backward works on arrays, not tensors.
    """
    if create_graph:
        raise NotImplementedError("autograd.grad(create_graph=True): minigrad computes gradients as arrays, "
                                  "so second derivatives are not available")
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs)
    for out in outputs:
        if not out.requires_grad:
            raise RuntimeError("autograd.grad: an output does not require grad (nothing to differentiate)")
    # the scalar sum_k <outputs_k, grad_outputs_k>: its gradient is what torch returns
    total = None
    for out, g in zip(outputs, grad_outputs):
        term = out.sum() if g is None and out.numel() == 1 else None
        if term is None:
            if g is None:
                raise RuntimeError("autograd.grad: grad_outputs is needed for an output of more than one element")
            term = (out * Tensor(g.data if isinstance(g, Tensor) else g, dtype=out.dtype)).sum()
        total = term if total is None else total + term

    # keep every .grad the pass will write, and the inner inputs' retain flags, to put them back
    nodes = topological_order(total)
    touched = {id(t): t for n in nodes for t in (n, *n._prev)}
    touched.update({id(t): t for t in inputs})
    saved = {k: (t.grad, t._retain) for k, t in touched.items()}
    for t in touched.values():
        t.grad = None
    for t in inputs:
        t._retain = True
    try:
        total.backward(retain_graph=bool(retain_graph))
        results = []
        for t in inputs:
            if t.grad is None and not allow_unused:
                raise RuntimeError("autograd.grad: one of the inputs was not used to compute the outputs "
                                   "(pass allow_unused=True to get None for it)")
            results.append(None if t.grad is None else Tensor(t.grad.copy()))
    finally:
        for k, t in touched.items():
            t.grad, t._retain = saved[k]
    return tuple(results)
