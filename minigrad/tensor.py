"""Tensor: an n-d array that remembers how it was made, so it can differentiate itself.

Define-by-run autograd. Every op on tensors that require gradients returns a new tensor holding

* ``data``      the result (a NumPy or CuPy array),
* ``_prev``     the input tensors it was computed from,
* ``_backward`` a closure implementing the chain rule for this one op: given
  dL/d(out) it adds dL/d(input) into each input's ``.grad``.

``loss.backward()`` sorts the graph topologically (every node after all nodes that use it) and
calls the closures from the loss back to the leaves. Gradients *accumulate* (``+=``), because a
tensor used twice gets a contribution from each use, and are reduced back to the input's shape
when broadcasting stretched it: if ``a`` (shape (3,)) was broadcast to (B, 3) in ``a + x`` then
dL/da = sum over the B axis of dL/d(out).

Rules of thumb: float32 by default (``float64`` on request); Python scalars take the dtype of the
tensor they meet; only floating tensors carry gradients; ``with no_grad():`` records nothing.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import operator
import threading

import numpy as np

from . import backend

float32 = np.float32
float64 = np.float64
int64 = np.int64

_DEFAULT_DTYPE = [np.dtype(np.float32)]
_GRAD_ENABLED = [True]
_SCALARS = (int, float)  # exact types: NumPy scalars go through _lift so they adopt the tensor dtype
_CREATED = itertools.count(1)  # creation stamps: an op result is always newer than its inputs
_STAMP_OF = operator.attrgetter("_stamp")
_NEW = object.__new__
_LEAF_LOCK = threading.Lock()  # data-parallel training runs backward passes in several threads


def set_default_dtype(dtype) -> None:
    """Dtype of new floating tensors and parameters (float32 unless changed)."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"default dtype must be floating, got {dtype}")
    _DEFAULT_DTYPE[0] = dtype


def get_default_dtype() -> np.dtype:
    return _DEFAULT_DTYPE[0]


@contextlib.contextmanager
def default_dtype(dtype):
    """``with default_dtype(float64): ...`` (used by the gradient tests)."""
    old = _DEFAULT_DTYPE[0]
    set_default_dtype(dtype)
    try:
        yield
    finally:
        _DEFAULT_DTYPE[0] = old


class no_grad(contextlib.ContextDecorator):
    """Context manager / decorator: ops inside build no graph (inference, optimizer steps)."""

    def __enter__(self):
        self._old = _GRAD_ENABLED[0]
        _GRAD_ENABLED[0] = False
        return self

    def __exit__(self, *exc):
        _GRAD_ENABLED[0] = self._old
        return False


def is_grad_enabled() -> bool:
    return _GRAD_ENABLED[0]


# ----------------------------------------------------------------------------- helpers
def _unbroadcast(grad, shape: tuple):
    """Sum ``grad`` over the axes broadcasting added or stretched, so it has ``shape``."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad


def _axes(axis, ndim: int) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(a % ndim for a in axis) if ndim else ()


def _expand_reduced(grad, axis, ndim: int, keepdims: bool):
    """Re-insert the reduced axes of ``grad`` (size 1) so it broadcasts against the input."""
    if keepdims or axis is None and grad.ndim == ndim:
        return grad
    if axis is None:
        return grad.reshape((1,) * ndim)
    for a in sorted(_axes(axis, ndim)):
        grad = grad.reshape(grad.shape[:a] + (1,) + grad.shape[a:])
    return grad


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def _is_basic_index(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in items)


def topological_order(root: Tensor) -> list[Tensor]:
    """Every op node ``root`` depends on, each one listed before the nodes it was computed from.

    A node's ``_prev`` holds the tensors it was computed from (only those that need gradients);
    a leaf (a parameter or an input) has ``_prev == ()``. The list starts with ``root`` and holds
    each inner node once; leaves are left out, because they have no backward of their own. In
    this order a node's backward runs only after every node that used it has added its share of
    dL/d(node) into ``node.grad``: the order :meth:`Tensor.backward` calls the closures in.

    A worked example: ``y`` uses ``h`` twice, so ``h`` comes after ``y``, which must pass back
    both of its shares first; the leaves x and w are not listed.

    >>> x, w = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    >>> h = x * w
    >>> y = h + h
    >>> loss = y.sum()
    >>> [node._op for node in topological_order(loss)]
    ['sum', 'add', 'mul']

    How: walk the graph from ``root`` once to collect its inner nodes (an explicit stack, not
    recursion: a graph can be 10,000 nodes deep). Then sort them. Every op result gets a
    creation stamp (``_stamp``) newer than those of its inputs, so newest first is a valid
    order. (The classic alternative, a depth-first search that lists each node after all its
    inputs and then reverses the list, gives another valid order.)
    """
    nodes, seen, stack = [], {root}, [root]
    while stack:
        node = stack.pop()
        nodes.append(node)
        for parent in node._prev:
            if parent._prev and parent not in seen:
                seen.add(parent)
                stack.append(parent)
    nodes.sort(key=_STAMP_OF, reverse=True)
    return nodes


# ----------------------------------------------------------------------------- Tensor
class Tensor:
    """An n-d array with autograd. ``Tensor(data, requires_grad=False, dtype=None, device="cpu")``.

    ``data`` may be a list, scalar or array. Floating input keeps its dtype when it is already a
    float32/float64 array; Python lists and scalars become the default dtype (float32); integer
    arrays stay integer (targets, indices).
    """

    __slots__ = ("data", "grad", "requires_grad", "_prev", "_backward", "_op", "_retain", "_stamp", "__weakref__")
    __array_priority__ = 1000  # numpy scalars/arrays on the left defer to Tensor's operators

    def __init__(self, data, requires_grad: bool = False, dtype=None, device: str | None = None):
        if isinstance(data, Tensor):
            data = data.data
        xp = backend.get_array_module(device) if device else backend.module_of(data)
        if dtype is not None:
            arr = xp.asarray(data, dtype=dtype)
        else:
            arr = xp.asarray(data)
            if arr.dtype.kind == "f" and not isinstance(data, (np.ndarray, np.generic)) \
                    and backend.device_of(data) == "cpu":
                arr = arr.astype(_DEFAULT_DTYPE[0], copy=False)
            elif arr.dtype.kind == "b" and requires_grad:
                arr = arr.astype(_DEFAULT_DTYPE[0])
        if requires_grad and arr.dtype.kind != "f":
            raise TypeError(f"only floating tensors can require gradients (got {arr.dtype})")
        self.data = arr
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._prev = ()
        self._backward = None
        self._op = ""
        self._retain = False
        self._stamp = 0

    # -- the extension API: every op below (and fused ops elsewhere, such as final_gpt's attention)
    #    is written with these two methods; see "Writing your own op" in API.md
    @staticmethod
    def from_op(data, parents: tuple, backward, op: str) -> Tensor:
        """The result of an op: ``data`` (an array) computed from the tensors ``parents``.

        ``backward(g)`` receives dL/d(result) (an array shaped like ``data``) and must call
        ``parent.add_grad(...)`` for each parent that ``requires_grad``. The node joins the graph
        only when gradients are enabled and some parent requires them. This is the hot path of
        every op, so it stays lean.
        """
        out = _NEW(Tensor)
        out.data = data
        out.grad = None
        out._op = op
        out._retain = False
        if _GRAD_ENABLED[0]:
            if len(parents) == 1:
                prev = parents if parents[0].requires_grad else ()
            else:
                prev = tuple([p for p in parents if p.requires_grad])
            if prev:
                out.requires_grad = True
                out._prev = prev
                out._backward = backward
                out._stamp = next(_CREATED)
                return out
        out.requires_grad = False
        out._prev = ()
        out._backward = None
        out._stamp = 0
        return out

    def add_grad(self, grad, fresh: bool = False) -> None:
        """Add ``grad`` (an array shaped like ``self``) into ``self.grad`` (the chain rule's sum).

        A leaf keeps a private copy, because optimizers and gradient clipping change ``.grad`` in
        place and ``grad`` may be shared (an add passes the same array to both inputs). Pass
        ``fresh=True`` when ``grad`` is a new array that nothing else holds (say, the result of a
        matmul) to skip that copy.
        """
        if self._prev:                      # an inner node belongs to one graph, one thread
            self.grad = grad if self.grad is None else self.grad + grad
            return
        with _LEAF_LOCK:                    # a leaf (parameter) may get gradients from several threads
            if self.grad is None:
                self.grad = grad if fresh and grad.dtype == self.data.dtype else grad.astype(self.data.dtype)
            else:
                self.grad = self.grad + grad

    # -- basic properties
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def size(self) -> int:
        return int(self.data.size)

    @property
    def device(self) -> str:
        return backend.device_of(self.data)

    @property
    def xp(self):
        return backend.module_of(self.data)

    @property
    def is_leaf(self) -> bool:
        return not self._prev

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        dev = "" if self.device == "cpu" else f", device='{self.device}'"
        return f"Tensor({backend.to_numpy(self.data)!r}{grad}{dev})"

    def item(self) -> float:
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The values as a NumPy array on the host (no graph)."""
        return backend.to_numpy(self.data)

    def tolist(self):
        return self.numpy().tolist()

    def detach(self) -> Tensor:
        return Tensor(self.data)

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` of this non-leaf tensor after backward (like PyTorch)."""
        self._retain = True
        return self

    def to(self, device: str | None = None, dtype=None) -> Tensor:
        """A copy on another device and/or dtype (no graph)."""
        data = self.data if device is None else backend.to_device(self.data, device)
        if dtype is not None:
            data = data.astype(dtype)
        return Tensor(data, requires_grad=self.requires_grad and data.dtype.kind == "f")

    def astype(self, dtype) -> Tensor:
        """Cast (differentiable for float -> float)."""
        src = self.data.dtype

        def _bw(g):
            self.add_grad(g.astype(src))

        return Tensor.from_op(self.data.astype(dtype), (self,), _bw, "astype")

    # -- backward pass
    def backward(self, grad=None, retain_graph: bool = False) -> None:
        """Fill ``.grad`` of every leaf this tensor depends on with d(self)/d(leaf).

        ``grad`` defaults to 1 for a one-element tensor. After the pass the graph is freed (so
        memory for activations is released) unless ``retain_graph=True``.

        The chain rule, node by node: put dL/d(self) = grad (an array of self's shape) into
        ``self.grad`` with :meth:`add_grad`, then for each node of :func:`topological_order`
        (self first) call ``node._backward(node.grad)``, which adds each input's share into that
        input's ``.grad``. A node that received no gradient (``.grad`` None) is skipped. Freeing
        a node, once its closure has run: ``_backward = None``, ``_prev = ()`` and, unless it
        asked to keep it (``_retain``, see :meth:`retain_grad`), ``grad = None``. Leaves keep
        their ``.grad``: that is the answer. Raises RuntimeError when self does not require
        gradients, or when grad is omitted for a tensor of more than one element.
        """
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require grad")
        xp = self.xp
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError("grad can be implicitly created only for one-element tensors")
            grad = xp.ones_like(self.data)
        grad = xp.asarray(_data(grad), dtype=self.data.dtype).reshape(self.data.shape)

        self.add_grad(grad)
        for node in topological_order(self):       # from self back towards the leaves
            if node._backward is None or node.grad is None:
                continue
            node._backward(node.grad)
            if not retain_graph:
                node._backward = None
                node._prev = ()
                if not node._retain:
                    node.grad = None

    # -- elementwise arithmetic
    def _lift(self, other) -> Tensor:
        if isinstance(other, Tensor):
            return other
        xp = self.xp
        arr = xp.asarray(other)
        if arr.dtype.kind in "biuf" and self.data.dtype.kind == "f":
            arr = arr.astype(self.data.dtype, copy=False)
        return Tensor(arr)

    def __add__(self, other) -> Tensor:
        if type(other) in _SCALARS:  # fast path: a Python scalar needs no graph node
            return Tensor.from_op(self.data + other, (self,), self.add_grad, "add")
        other = self._lift(other)
        a, b = self, other

        def _bw(g):
            if a.requires_grad:
                a.add_grad(_unbroadcast(g, a.shape))
            if b.requires_grad:
                b.add_grad(_unbroadcast(g, b.shape))

        return Tensor.from_op(a.data + b.data, (a, b), _bw, "add")

    __radd__ = __add__

    def __sub__(self, other) -> Tensor:
        if type(other) in _SCALARS:
            return Tensor.from_op(self.data - other, (self,), self.add_grad, "sub")
        other = self._lift(other)
        a, b = self, other

        def _bw(g):
            if a.requires_grad:
                a.add_grad(_unbroadcast(g, a.shape))
            if b.requires_grad:
                b.add_grad(_unbroadcast(-g, b.shape))

        return Tensor.from_op(a.data - b.data, (a, b), _bw, "sub")

    def __rsub__(self, other) -> Tensor:
        return self._lift(other) - self

    def __mul__(self, other) -> Tensor:
        if type(other) in _SCALARS:
            def _bw_scalar(g):
                self.add_grad(g * other)

            return Tensor.from_op(self.data * other, (self,), _bw_scalar, "mul")
        other = self._lift(other)
        a, b = self, other

        def _bw(g):
            if a.requires_grad:
                a.add_grad(_unbroadcast(g * b.data, a.shape))
            if b.requires_grad:
                b.add_grad(_unbroadcast(g * a.data, b.shape))

        return Tensor.from_op(a.data * b.data, (a, b), _bw, "mul")

    __rmul__ = __mul__

    def __truediv__(self, other) -> Tensor:
        if type(other) in _SCALARS:
            return self * (1.0 / other)
        other = self._lift(other)
        a, b = self, other

        def _bw(g):
            if a.requires_grad:
                a.add_grad(_unbroadcast(g / b.data, a.shape))
            if b.requires_grad:
                b.add_grad(_unbroadcast(-g * a.data / (b.data * b.data), b.shape))

        return Tensor.from_op(a.data / b.data, (a, b), _bw, "div")

    def __rtruediv__(self, other) -> Tensor:
        return self._lift(other) / self

    def __neg__(self) -> Tensor:
        def _bw(g):
            self.add_grad(-g)

        return Tensor.from_op(-self.data, (self,), _bw, "neg")

    def __pow__(self, exponent) -> Tensor:
        """``x ** p``: d/dx = p x^(p-1); for a tensor exponent also d/dp = x^p log x."""
        if isinstance(exponent, Tensor):
            a, b = self, exponent
            out = a.data ** b.data

            def _bw_t(g):
                if a.requires_grad:
                    a.add_grad(_unbroadcast(g * b.data * a.data ** (b.data - 1), a.shape))
                if b.requires_grad:
                    b.add_grad(_unbroadcast(g * out * self.xp.log(a.data), b.shape))

            return Tensor.from_op(out, (a, b), _bw_t, "pow")
        p = float(exponent)

        def _bw(g):
            self.add_grad(g * (p * self.data ** (p - 1)))

        return Tensor.from_op(self.data ** p, (self,), _bw, "pow")

    def __rpow__(self, base) -> Tensor:
        return self._lift(base) ** self

    def __matmul__(self, other) -> Tensor:
        return matmul(self, self._lift(other))

    def __rmatmul__(self, other) -> Tensor:
        return matmul(self._lift(other), self)

    # comparisons give plain boolean tensors (no graph); == and hash stay identity-based
    def __lt__(self, other):
        return Tensor(self.data < _data(other))

    def __le__(self, other):
        return Tensor(self.data <= _data(other))

    def __gt__(self, other):
        return Tensor(self.data > _data(other))

    def __ge__(self, other):
        return Tensor(self.data >= _data(other))

    def eq(self, other) -> Tensor:
        return Tensor(self.data == _data(other))

    # -- elementwise functions
    def exp(self) -> Tensor:
        out = self.xp.exp(self.data)

        def _bw(g):
            self.add_grad(g * out)

        return Tensor.from_op(out, (self,), _bw, "exp")

    def log(self) -> Tensor:
        def _bw(g):
            self.add_grad(g / self.data)

        return Tensor.from_op(self.xp.log(self.data), (self,), _bw, "log")

    def sqrt(self) -> Tensor:
        out = self.xp.sqrt(self.data)

        def _bw(g):
            self.add_grad(g * 0.5 / out)

        return Tensor.from_op(out, (self,), _bw, "sqrt")

    def abs(self) -> Tensor:
        def _bw(g):
            self.add_grad(g * self.xp.sign(self.data))

        return Tensor.from_op(self.xp.abs(self.data), (self,), _bw, "abs")

    def tanh(self) -> Tensor:
        out = self.xp.tanh(self.data)

        def _bw(g):
            self.add_grad(g * (1 - out * out))

        return Tensor.from_op(out, (self,), _bw, "tanh")

    def sigmoid(self) -> Tensor:
        # 1/(1+e^-x) written as (1 + tanh(x/2))/2: same value, never overflows
        out = 0.5 * (1 + self.xp.tanh(0.5 * self.data))

        def _bw(g):
            self.add_grad(g * out * (1 - out))

        return Tensor.from_op(out, (self,), _bw, "sigmoid")

    def relu(self) -> Tensor:
        """max(0, x) elementwise; its derivative is 1 where x > 0 and 0 elsewhere (0 at x = 0).

        Forward: out = x * mask with mask = (x > 0), same shape as x. Backward: dL/dx = g * mask,
        the incoming gradient g passed through where the unit was active and stopped elsewhere.
        Build the result with ``Tensor.from_op(out, (self,), backward, "relu")``, where
        ``backward(g)`` calls ``self.add_grad(...)``.
        """
        mask = self.data > 0

        def _bw(g):
            self.add_grad(g * mask)

        return Tensor.from_op(self.data * mask, (self,), _bw, "relu")

    # -- reductions
    def sum(self, axis=None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (None: every axis; an int or a tuple of ints), as ndarray.sum.

        Every input element adds into its sum with weight 1, so dL/dx[i] = g[the sum it went
        into]: the incoming gradient g (the reduced shape) is copied back along the summed axes.
        When keepdims is False those axes are gone from g, so put them back as size-1 axes first
        (``_expand_reduced(g, axis, ndim, keepdims)``), then broadcast to x's shape. For x (2, 3)
        and axis=1: g (2,) -> (2, 1) -> (2, 3). Make the result with ``Tensor.from_op``.
        """
        shape, ndim = self.shape, self.ndim

        def _bw(g):
            self.add_grad(self.xp.broadcast_to(_expand_reduced(g, axis, ndim, keepdims), shape))

        return Tensor.from_op(self.data.sum(axis=axis, keepdims=keepdims), (self,), _bw, "sum")

    def mean(self, axis=None, keepdims: bool = False) -> Tensor:
        count = math.prod(self.shape[a] for a in _axes(axis, self.ndim))
        shape, ndim = self.shape, self.ndim

        def _bw(g):
            g = _expand_reduced(g, axis, ndim, keepdims) / count
            self.add_grad(self.xp.broadcast_to(g, shape))

        return Tensor.from_op(self.data.mean(axis=axis, keepdims=keepdims), (self,), _bw, "mean")

    def var(self, axis=None, keepdims: bool = False, unbiased: bool = False) -> Tensor:
        """Variance, biased (divide by n) unless ``unbiased``. A composite of differentiable ops."""
        n = math.prod(self.shape[a] for a in _axes(axis, self.ndim))
        centred = self - self.mean(axis=axis, keepdims=True)
        return (centred * centred).sum(axis=axis, keepdims=keepdims) / (n - 1 if unbiased else n)

    def max(self, axis=None, keepdims: bool = False) -> Tensor:
        """Maximum over ``axis``; ties share the gradient equally (like ``torch.amax``)."""
        return self._extreme("max", axis, keepdims)

    def min(self, axis=None, keepdims: bool = False) -> Tensor:
        """Minimum over ``axis``; ties share the gradient equally (like ``torch.amin``)."""
        return self._extreme("min", axis, keepdims)

    def _extreme(self, which: str, axis, keepdims: bool) -> Tensor:
        """max or min over ``axis``. dL/dx = g / (number of tied elements) where x equals the
        extreme of its slice, 0 elsewhere. Computed directly (not as -max(-x), which is wrong
        for unsigned and for the most negative integer, and undefined for bool)."""
        out = getattr(self.data, which)(axis=axis, keepdims=True)
        ndim = self.ndim

        def _bw(g):
            mask = self.data == out
            g = _expand_reduced(g, axis, ndim, keepdims)
            self.add_grad(mask * (g / mask.sum(axis=axis, keepdims=True)))

        result = out if keepdims else (out.reshape(()) if axis is None else out.squeeze(axis=axis))
        return Tensor.from_op(result, (self,), _bw, which)

    def argmax(self, axis=None) -> Tensor:
        return Tensor(self.data.argmax(axis=axis))

    # -- shape ops
    def reshape(self, *shape) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        old = self.shape

        def _bw(g):
            self.add_grad(g.reshape(old))

        return Tensor.from_op(self.data.reshape(shape), (self,), _bw, "reshape")

    view = reshape

    def flatten(self, start_dim: int = 0) -> Tensor:
        return self.reshape(self.shape[:start_dim] + (-1,))

    def permute(self, *dims) -> Tensor:
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])

        out = self.data.transpose(dims)                  # NumPy rejects a bad or repeated axis

        def _bw(g):                                      # the inverse permutation, axes counted from 0
            self.add_grad(g.transpose(np.argsort([d % self.ndim for d in dims])))

        return Tensor.from_op(out, (self,), _bw, "permute")

    def transpose(self, dim0: int = -2, dim1: int = -1) -> Tensor:
        """Swap two axes (default the last two, as for matrices)."""
        if self.ndim < 2:
            return self
        dims = list(range(self.ndim))
        dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
        return self.permute(dims)

    @property
    def T(self) -> Tensor:
        return self.permute(tuple(reversed(range(self.ndim))))

    def unsqueeze(self, axis: int) -> Tensor:
        axis = axis % (self.ndim + 1)
        return self.reshape(self.shape[:axis] + (1,) + self.shape[axis:])

    def squeeze(self, axis: int) -> Tensor:
        axis = axis % self.ndim
        return self.reshape(self.shape[:axis] + self.shape[axis + 1:])

    def expand(self, *shape) -> Tensor:
        """Broadcast to ``shape`` (gradient sums back)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        old = self.shape

        def _bw(g):
            self.add_grad(_unbroadcast(g, old))

        return Tensor.from_op(self.xp.broadcast_to(self.data, shape), (self,), _bw, "expand")

    def __getitem__(self, index) -> Tensor:
        """Basic (slices) and advanced (integer arrays) indexing; repeated indices accumulate."""
        if isinstance(index, Tensor):
            index = index.data
        elif isinstance(index, tuple):
            index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
        basic = _is_basic_index(index)

        def _bw(g):
            grad = self.xp.zeros(self.shape, dtype=g.dtype)
            if basic:
                grad[index] = g
            else:
                backend.scatter_add(self.xp, grad, index, g)
            self.add_grad(grad)

        return Tensor.from_op(self.data[index], (self,), _bw, "index")

    def gather(self, dim: int, index) -> Tensor:
        """``out[..i..] = self[..index[..i..] along dim..]`` (torch.gather; index same ndim)."""
        return gather(self, dim, index)

    def masked_fill(self, mask, value: float) -> Tensor:
        """Where ``mask`` is true put ``value`` (no gradient there), elsewhere keep self."""
        return where(mask, value, self)

    # -- function-style aliases so ``x.softmax(-1)`` reads like PyTorch
    def softmax(self, axis: int = -1) -> Tensor:
        return softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return log_softmax(self, axis)


class Parameter(Tensor):
    """A leaf tensor a Module trains (``requires_grad=True``)."""

    __slots__ = ()

    def __init__(self, data, dtype=None, device: str | None = None):
        super().__init__(data, requires_grad=True, dtype=dtype, device=device)

    def __repr__(self) -> str:
        return "Parameter" + super().__repr__()[len("Tensor"):]


# ----------------------------------------------------------------------------- construction
def tensor(data, requires_grad: bool = False, dtype=None, device: str | None = None) -> Tensor:
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device)


def zeros(*shape, dtype=None, requires_grad: bool = False, device: str = "cpu") -> Tensor:
    shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    xp = backend.get_array_module(device)
    return Tensor(xp.zeros(shape, dtype=dtype or _DEFAULT_DTYPE[0]), requires_grad=requires_grad)


def ones(*shape, dtype=None, requires_grad: bool = False, device: str = "cpu") -> Tensor:
    shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    xp = backend.get_array_module(device)
    return Tensor(xp.ones(shape, dtype=dtype or _DEFAULT_DTYPE[0]), requires_grad=requires_grad)


def arange(*args, dtype=None, device: str = "cpu") -> Tensor:
    return Tensor(backend.get_array_module(device).arange(*args, dtype=dtype or np.int64))


# ----------------------------------------------------------------------------- n-ary ops
def _t(x, like: Tensor | None = None) -> Tensor:
    if isinstance(x, Tensor):
        return x
    return like._lift(x) if like is not None else Tensor(x)


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """Batched matrix product ``a @ b``: (..., n, k) @ (..., k, m) -> (..., n, m), batch dims broadcast.

    dL/da = dL/dout @ b^T and dL/db = a^T @ dL/dout, summed over broadcast batch dims.
    1-D operands are treated as a row (a) or column (b) vector, as in NumPy.
    """
    a, b = _t(a), _t(b)
    if b.data.ndim == 1:
        return matmul(a, b.reshape(-1, 1)).squeeze(-1)
    if a.data.ndim == 1:
        return matmul(a.reshape(1, -1), b).squeeze(-2)

    def _bw(g):
        ad, bd = a.data, b.data
        if a.requires_grad:
            a.add_grad(_unbroadcast(g @ bd.swapaxes(-1, -2), ad.shape))
        if b.requires_grad:
            if ad.ndim > 2 and bd.ndim == 2:  # shared weight: fold the batch into one big matmul
                k = ad.shape[-1]
                b.add_grad(ad.reshape(-1, k).T @ g.reshape(-1, g.shape[-1]), fresh=True)
            else:
                b.add_grad(_unbroadcast(ad.swapaxes(-1, -2) @ g, bd.shape))

    return Tensor.from_op(a.data @ b.data, (a, b), _bw, "matmul")


def concat(tensors, axis: int = 0) -> Tensor:
    """Join tensors along an existing axis; the gradient is split back into the pieces."""
    tensors = [_t(t) for t in tensors]
    xp = tensors[0].xp
    sizes = [t.shape[axis] for t in tensors]
    bounds = list(itertools.accumulate(sizes))[:-1]           # where g is cut back into pieces

    def _bw(g):
        for t, piece in zip(tensors, xp.split(g, bounds, axis=axis)):
            if t.requires_grad:
                t.add_grad(piece)

    return Tensor.from_op(xp.concatenate([t.data for t in tensors], axis=axis), tuple(tensors), _bw, "concat")


cat = concat


def stack(tensors, axis: int = 0) -> Tensor:
    """Join tensors along a new axis."""
    tensors = [_t(t) for t in tensors]
    return concat([t.unsqueeze(axis) for t in tensors], axis=axis)


def where(condition, a, b) -> Tensor:
    """``a`` where ``condition`` is true, else ``b`` (either may be a scalar); grads flow to the chosen side."""
    cond = _data(condition)
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
    a, b = _t(a, like), _t(b, like)
    xp = backend.module_of(a.data)
    cond = xp.asarray(cond, dtype=bool)

    def _bw(g):
        zero = xp.zeros((), dtype=g.dtype)
        if a.requires_grad:
            a.add_grad(_unbroadcast(xp.where(cond, g, zero), a.shape))
        if b.requires_grad:
            b.add_grad(_unbroadcast(xp.where(cond, zero, g), b.shape))

    return Tensor.from_op(xp.where(cond, a.data, b.data), (a, b), _bw, "where")


def gather(x: Tensor, dim: int, index) -> Tensor:
    """torch.gather: pick entries of ``x`` along ``dim`` at ``index`` (same ndim as x)."""
    xp = x.xp
    index = xp.asarray(_data(index))
    dim = dim % x.ndim

    def _bw(g):
        grad = xp.zeros(x.shape, dtype=g.dtype)
        full = list(xp.ix_(*[xp.arange(n) for n in index.shape]))
        full[dim] = index
        backend.scatter_add(xp, grad, tuple(full), g)
        x.add_grad(grad)

    return Tensor.from_op(xp.take_along_axis(x.data, index, axis=dim), (x,), _bw, "gather")


# ----------------------------------------------------------------------------- softmax
def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """softmax(x)_i = e^{x_i - max} / sum_j e^{x_j - max}; backward y * (g - sum(g y))."""
    xp = x.xp
    e = xp.exp(x.data - x.data.max(axis=axis, keepdims=True))
    y = e / e.sum(axis=axis, keepdims=True)

    def _bw(g):
        x.add_grad(y * (g - (g * y).sum(axis=axis, keepdims=True)))

    return Tensor.from_op(y, (x,), _bw, "softmax")


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """log softmax = x - max - log sum e^{x - max}; backward g - softmax * sum(g)."""
    xp = x.xp
    shifted = x.data - x.data.max(axis=axis, keepdims=True)
    y = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))

    def _bw(g):
        x.add_grad(g - xp.exp(y) * g.sum(axis=axis, keepdims=True))

    return Tensor.from_op(y, (x,), _bw, "log_softmax")
