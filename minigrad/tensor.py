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
from collections import namedtuple

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
ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])   # what max(dim), sort, topk return


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


class enable_grad(contextlib.ContextDecorator):
    """Context manager / decorator: record the graph again (inside a ``no_grad`` block)."""

    def __enter__(self):
        self._old = _GRAD_ENABLED[0]
        _GRAD_ENABLED[0] = True
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


def _either(axis, dim, name: str = "axis"):
    """torch spells ``axis=`` as ``dim=``: the same argument under another name (give one)."""
    if dim is None:
        return axis
    if axis is not None:
        raise TypeError(f"give {name}= or dim=, not both")
    return dim


def _dim(axis, ndim: int) -> int:
    """One axis counted from 0 (-1 is the last). Out of range raises IndexError, as in torch.

    A 0-d tensor accepts 0 and -1, as torch's do.
    """
    n = max(ndim, 1)
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"a dimension must be an int, got {type(axis).__name__}")
    if not -n <= axis < n:
        raise IndexError(f"dimension {axis} is out of range for a tensor with {ndim} dimensions "
                         f"(expected {-n} to {n - 1})")
    return int(axis) % n


def _axes(axis, ndim: int) -> tuple:
    """The axes a reduction runs over, counted from 0: every axis for None, else an int or a
    tuple/list of distinct ints (each checked by :func:`_dim`)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    axes = tuple(_dim(a, ndim) for a in axes)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"dimension repeated in {tuple(axis)}")
    return axes if ndim else ()


def _reduce_axis(axis, ndim: int):
    """``axis`` as ndarray.sum wants it: None (every axis) or a checked tuple of axes."""
    return None if axis is None or ndim == 0 else _axes(axis, ndim)


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


# ----------------------------------------------------------------------------- gradients
class Grad(np.ndarray):
    """A leaf's ``.grad``: a NumPy array (optimizers do array arithmetic on it, fast and in
    place) that also answers the torch spellings ``grad.zero_()`` and ``grad.data``.

    Arithmetic on it gives arrays of this class too; that costs nothing worth measuring.
    (On a GPU the gradient is a plain CuPy array.)
    """

    @property
    def data(self) -> Grad:
        """The gradient itself (torch's ``p.grad.data``), sharing memory."""
        return self

    def zero_(self) -> Grad:
        """Set every entry to 0 in place and return the same array (torch's ``grad.zero_()``)."""
        self[...] = 0
        return self

    def numpy(self) -> np.ndarray:
        """The values as a plain NumPy array (sharing memory)."""
        return self.view(np.ndarray)


def _as_grad(arr):
    return arr.view(Grad) if type(arr) is np.ndarray else arr


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
            if self.grad is None:       # a Grad view: an array that also has torch's .zero_()
                self.grad = _as_grad(grad if fresh and grad.dtype == self.data.dtype
                                     else grad.astype(self.data.dtype))
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

    def size(self, dim: int | None = None):
        """The shape as a tuple (``x.size()``), or the length of one axis (``x.size(dim)``), as torch."""
        return self.data.shape if dim is None else self.data.shape[_dim(dim, self.ndim)]

    def numel(self) -> int:
        """The number of elements (the product of the shape)."""
        return int(self.data.size)

    def dim(self) -> int:
        """The number of axes (``ndim``)."""
        return self.data.ndim

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

    # Python's own conversions, as torch: only a tensor with exactly one value has a truth value
    # or a number (``if loss < 0.1:``, ``float(loss)``); more values raise instead of guessing.
    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(f"the truth value of a tensor with {self.data.size} values is ambiguous: "
                               "index one value, or reduce first (e.g. x.amax())")
        return bool(self.data.item())

    def __float__(self) -> float:
        return float(self._scalar())

    def __int__(self) -> int:
        return int(self._scalar())

    def _scalar(self):
        if self.data.size != 1:
            raise ValueError(f"only a tensor with one value converts to a Python number, "
                             f"this one has {self.data.size}")
        return self.data.item()

    def contiguous(self) -> Tensor:
        """The tensor itself: NumPy arrays need no contiguous copy before ``view`` here."""
        return self

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
        """A copy on another device and/or dtype (no graph). As torch, a dtype may stand where
        the device goes: ``x.to(mg.float64)`` is ``x.to(dtype=mg.float64)``."""
        if device is not None and not isinstance(device, str):
            device, dtype = None, device if dtype is None else dtype
        data = self.data if device is None else backend.to_device(self.data, device)
        if dtype is not None:
            data = data.astype(dtype)
        return Tensor(data, requires_grad=self.requires_grad and data.dtype.kind == "f")

    def astype(self, dtype) -> Tensor:
        """Cast (differentiable for float -> float; an integer or bool result has no gradient)."""
        src = self.data.dtype
        if np.dtype(dtype).kind != "f":
            return Tensor(self.data.astype(dtype))

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
                else:
                    node.grad = _as_grad(node.grad)

    # -- elementwise arithmetic
    def _lift(self, other) -> Tensor:
        if isinstance(other, Tensor):
            return other
        xp = self.xp
        arr = xp.asarray(other)
        if arr.dtype.kind in "biuf" and self.data.dtype.kind == "f":
            arr = arr.astype(self.data.dtype, copy=False)
        elif type(other) is float:          # an integer tensor meets a Python float: torch's default float
            arr = arr.astype(_DEFAULT_DTYPE[0])
        return Tensor(arr)

    def _floating(self) -> Tensor:
        """This integer or bool tensor as the default float dtype (what torch does when it meets a
        Python float, or in true division)."""
        return Tensor(self.data.astype(_DEFAULT_DTYPE[0]))

    def __add__(self, other) -> Tensor:
        if type(other) in _SCALARS:  # fast path: a Python scalar needs no graph node
            if type(other) is float and self.data.dtype.kind in "biu":
                return self._floating() + other
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
            if type(other) is float and self.data.dtype.kind in "biu":
                return self._floating() - other
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
        if type(other) is float and self.data.dtype.kind in "biu":
            return other - self._floating()
        return self._lift(other) - self

    def __mul__(self, other) -> Tensor:
        if type(other) in _SCALARS:
            if type(other) is float and self.data.dtype.kind in "biu":
                return self._floating() * other

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
        if a.data.dtype.kind in "biu" and b.data.dtype.kind in "biu":   # true division: floats, as torch
            a, b = a._floating(), b._floating()

        def _bw(g):
            if a.requires_grad:
                a.add_grad(_unbroadcast(g / b.data, a.shape))
            if b.requires_grad:
                b.add_grad(_unbroadcast(-g * a.data / (b.data * b.data), b.shape))

        return Tensor.from_op(a.data / b.data, (a, b), _bw, "div")

    def __rtruediv__(self, other) -> Tensor:
        if type(other) is float and self.data.dtype.kind in "biu":
            return other / self._floating()
        return self._lift(other) / self

    def __neg__(self) -> Tensor:
        def _bw(g):
            self.add_grad(-g)

        return Tensor.from_op(-self.data, (self,), _bw, "neg")

    def __pow__(self, exponent) -> Tensor:
        """``x ** p``: d/dx = p x^(p-1); for a tensor exponent also d/dp = x^p log x.

        Where the formula reads 0 * inf, torch's convention gives 0 and so does this: d/dx is 0
        where p = 0, and d/dp is 0 where x = 0 and p >= 0 (``0 ** p`` is flat there).
        """
        xp = self.xp
        if isinstance(exponent, Tensor):
            a, b = self, exponent
            out = a.data ** b.data

            def _bw_t(g):
                if a.requires_grad:
                    with np.errstate(divide="ignore", invalid="ignore"):
                        da = xp.where(b.data == 0, 0, b.data * a.data ** (b.data - 1))
                    a.add_grad(_unbroadcast(g * da, a.shape))
                if b.requires_grad:
                    with np.errstate(divide="ignore", invalid="ignore"):
                        db = xp.where((a.data == 0) & (b.data >= 0), 0, out * xp.log(a.data))
                    b.add_grad(_unbroadcast(g * db, b.shape))

            return Tensor.from_op(out, (a, b), _bw_t, "pow")
        if type(exponent) is float and self.data.dtype.kind in "biu":
            return self._floating() ** exponent
        p = exponent if isinstance(exponent, (int, np.integer)) else float(exponent)

        def _bw(g):
            self.add_grad(g * (p * self.data ** (p - 1)) if p != 0 else xp.zeros_like(g))

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

    def log1p(self) -> Tensor:
        """log(1 + x), accurate for small x; d/dx = 1 / (1 + x)."""
        def _bw(g):
            self.add_grad(g / (1 + self.data))

        return Tensor.from_op(self.xp.log1p(self.data), (self,), _bw, "log1p")

    def sin(self) -> Tensor:
        """sin x; d/dx = cos x."""
        def _bw(g):
            self.add_grad(g * self.xp.cos(self.data))

        return Tensor.from_op(self.xp.sin(self.data), (self,), _bw, "sin")

    def cos(self) -> Tensor:
        """cos x; d/dx = -sin x."""
        def _bw(g):
            self.add_grad(-g * self.xp.sin(self.data))

        return Tensor.from_op(self.xp.cos(self.data), (self,), _bw, "cos")

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

    # -- reductions (``dim=`` and ``keepdim=`` are torch's names for ``axis=`` and ``keepdims=``)
    def sum(self, axis=None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (None: every axis; an int or a tuple of ints), as ndarray.sum.

        Every input element adds into its sum with weight 1, so dL/dx[i] = g[the sum it went
        into]: the incoming gradient g (the reduced shape) is copied back along the summed axes.
        When keepdims is False those axes are gone from g, so put them back as size-1 axes first
        (``_expand_reduced(g, axis, ndim, keepdims)``), then broadcast to x's shape. For x (2, 3)
        and axis=1: g (2,) -> (2, 1) -> (2, 3). Make the result with ``Tensor.from_op``.

        (A learner writes this function, so its signature stays as it is: no ``dim=`` keyword
        here; ``x.sum(1, True)`` reads the same as torch's ``x.sum(1, keepdim=True)``.)
        """
        axis = _reduce_axis(axis, self.ndim)
        shape, ndim = self.shape, self.ndim

        def _bw(g):
            self.add_grad(self.xp.broadcast_to(_expand_reduced(g, axis, ndim, keepdims), shape))

        return Tensor.from_op(self.data.sum(axis=axis, keepdims=keepdims), (self,), _bw, "sum")

    def mean(self, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool | None = None) -> Tensor:
        """Mean over ``axis``: sum / n, so dL/dx = g / n copied back along the averaged axes."""
        axis = _reduce_axis(_either(axis, dim), self.ndim)
        keepdims = keepdims if keepdim is None else keepdim
        count = math.prod(self.shape[a] for a in _axes(axis, self.ndim))
        shape, ndim = self.shape, self.ndim

        def _bw(g):
            g = _expand_reduced(g, axis, ndim, keepdims) / count
            self.add_grad(self.xp.broadcast_to(g, shape))

        return Tensor.from_op(self.data.mean(axis=axis, keepdims=keepdims), (self,), _bw, "mean")

    def var(self, axis=None, unbiased: bool | None = None, keepdims: bool = False, *, correction=None,
            dim=None, keepdim: bool | None = None) -> Tensor:
        """Variance sum((x - mean)^2) / (n - correction) over ``axis`` (int, tuple or list).

        Unbiased by default (correction = 1, Bessel's), as torch: ``unbiased=False`` or
        ``correction=0`` divides by n. The positional order is torch's, ``var(dim, unbiased,
        keepdim)``, and ``var(False)`` is the biased variance of every element, as in torch.
        When n - correction <= 0 the result is inf or nan, as torch. A composite of
        differentiable ops, so its gradient is 2 (x - mean) / (n - c) * g.
        """
        if isinstance(axis, bool):                      # torch's var(unbiased) form
            axis, unbiased = None, axis
        if unbiased is not None and correction is not None:
            raise TypeError("var: give unbiased= or correction=, not both")
        c = (1 if unbiased is None else int(unbiased)) if correction is None else correction
        axis = _reduce_axis(_either(axis, dim), self.ndim)
        keepdims = keepdims if keepdim is None else keepdim
        n = math.prod(self.shape[a] for a in _axes(axis, self.ndim))
        centred = self - self.mean(axis=axis, keepdims=True)
        scale = 1.0 / (n - c) if n - c > 0 else math.inf
        return (centred * centred).sum(axis, keepdims) * scale

    def std(self, axis=None, unbiased: bool | None = None, keepdims: bool = False, *, correction=None,
            dim=None, keepdim: bool | None = None) -> Tensor:
        """Standard deviation: sqrt of :meth:`var` (unbiased by default; torch's argument order)."""
        return self.var(axis, unbiased, keepdims, correction=correction, dim=dim, keepdim=keepdim).sqrt()

    def max(self, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool | None = None):
        """As torch.max. ``x.max()``: the largest element, a 0-d tensor (tied maxima share the
        gradient). ``x.max(dim)``: a ``(values, indices)`` named tuple; values = x at indices
        (the first maximum of each slice) so the gradient goes to that one element.
        ``x.max(other_tensor)``: the elementwise :func:`maximum`."""
        if isinstance(axis, Tensor):
            return maximum(self, axis)
        return self._extreme_of("max", _either(axis, dim), keepdims if keepdim is None else keepdim)

    def min(self, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool | None = None):
        """As torch.min: ``x.min()`` a 0-d tensor, ``x.min(dim)`` (values, indices), ``x.min(t)``
        the elementwise :func:`minimum`. See :meth:`max`."""
        if isinstance(axis, Tensor):
            return minimum(self, axis)
        return self._extreme_of("min", _either(axis, dim), keepdims if keepdim is None else keepdim)

    def _extreme_of(self, which: str, axis, keepdims: bool):
        if axis is None:
            return self._extreme(which, None, False)
        d = _dim(axis, self.ndim)
        x = self if self.ndim else self.reshape(1)
        idx = getattr(x.data, "arg" + which)(axis=d, keepdims=True)        # (..., 1, ...)
        values = gather(x, d, idx)
        if not keepdims or not self.ndim:
            values, idx = values.squeeze(d), idx.squeeze(axis=d)
        return ValuesIndices(values, Tensor(idx))

    def amax(self, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool | None = None) -> Tensor:
        """Maximum over ``axis`` (None, int or tuple); ties share the gradient (torch.amax)."""
        return self._extreme("max", _either(axis, dim), keepdims if keepdim is None else keepdim)

    def amin(self, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool | None = None) -> Tensor:
        """Minimum over ``axis`` (None, int or tuple); ties share the gradient (torch.amin)."""
        return self._extreme("min", _either(axis, dim), keepdims if keepdim is None else keepdim)

    def _extreme(self, which: str, axis, keepdims: bool) -> Tensor:
        """max or min over ``axis``. dL/dx = g / (number of tied elements) where x equals the
        extreme of its slice, 0 elsewhere. Computed directly (not as -max(-x), which is wrong
        for unsigned and for the most negative integer, and undefined for bool)."""
        axis = _reduce_axis(axis, self.ndim)
        out = getattr(self.data, which)(axis=axis, keepdims=True)
        ndim = self.ndim

        def _bw(g):
            mask = self.data == out
            g = _expand_reduced(g, axis, ndim, keepdims)
            self.add_grad(mask * (g / mask.sum(axis=axis, keepdims=True)))

        result = out if keepdims else (out.reshape(()) if axis is None else out.squeeze(axis=axis))
        return Tensor.from_op(result, (self,), _bw, which)

    def argmax(self, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool | None = None) -> Tensor:
        """Index of the first maximum along ``axis`` (None: of the flattened tensor). No gradient."""
        axis = _either(axis, dim)
        axis = None if axis is None else _dim(axis, self.ndim)
        keepdims = keepdims if keepdim is None else keepdim
        data = self.data if self.ndim else self.data.reshape(1)
        return Tensor(data.argmax(axis=axis, keepdims=keepdims and axis is not None))

    def argmin(self, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool | None = None) -> Tensor:
        """Index of the first minimum along ``axis`` (None: of the flattened tensor). No gradient."""
        axis = _either(axis, dim)
        axis = None if axis is None else _dim(axis, self.ndim)
        keepdims = keepdims if keepdim is None else keepdim
        data = self.data if self.ndim else self.data.reshape(1)
        return Tensor(data.argmin(axis=axis, keepdims=keepdims and axis is not None))

    def logsumexp(self, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool | None = None) -> Tensor:
        """log sum_i e^{x_i} over ``axis``, computed as m + log sum e^{x_i - m} with m the maximum
        (no overflow). d/dx_i = e^{x_i - out} = softmax(x)_i, so dL/dx = g * softmax."""
        axis = _either(axis, dim)
        if axis is None:
            raise TypeError("logsumexp() needs dim= (as torch), e.g. x.logsumexp(dim=-1)")
        axis = _reduce_axis(axis, self.ndim)
        keepdims = keepdims if keepdim is None else keepdim
        xp, ndim = self.xp, self.ndim
        m = self.data.max(axis=axis, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)                    # a row of -inf gives -inf, not nan
        with np.errstate(divide="ignore"):
            lse = m + xp.log(xp.exp(self.data - m).sum(axis=axis, keepdims=True))   # keepdims shape

        def _bw(g):
            self.add_grad(_expand_reduced(g, axis, ndim, keepdims) * xp.exp(self.data - lse))

        out = lse if keepdims else (lse.reshape(()) if axis is None else lse.squeeze(axis=axis))
        return Tensor.from_op(out, (self,), _bw, "logsumexp")

    def norm(self, p=2, axis=None, keepdims: bool = False, *, dim=None, keepdim: bool | None = None) -> Tensor:
        """The p-norm (sum_i |x_i|^p)^(1/p) over ``axis`` (None: every element), p >= 1 or inf;
        ``p="fro"`` is 2.

        d/dx_i = sign(x_i) |x_i|^(p-1) / norm^(p-1): x / norm for p = 2, sign(x) for p = 1; 0
        where the norm is 0, as torch. p = inf is max |x_i| (ties share the gradient).
        """
        p = 2 if p == "fro" else p
        if not isinstance(p, (int, float)) or isinstance(p, bool) or not p >= 1:
            raise ValueError(f"norm: p must be a number >= 1, inf or 'fro' (got {p!r})")
        axis = _reduce_axis(_either(axis, dim), self.ndim)
        keepdims = keepdims if keepdim is None else keepdim
        if p == math.inf:
            return self.abs().amax(axis=axis, keepdims=keepdims)
        xp, ndim, x = self.xp, self.ndim, self.data
        norm = (xp.abs(x) ** p).sum(axis=axis, keepdims=True) ** (1.0 / p)      # keepdims shape

        def _bw(g):
            g = _expand_reduced(g, axis, ndim, keepdims)
            with np.errstate(divide="ignore", invalid="ignore"):
                d = xp.sign(x) * xp.abs(x) ** (p - 1) / norm ** (p - 1)
            self.add_grad(g * xp.where(norm == 0, 0, d))

        out = norm if keepdims else (norm.reshape(()) if axis is None else norm.squeeze(axis=axis))
        return Tensor.from_op(out, (self,), _bw, "norm")

    def cumsum(self, axis=None, *, dim=None) -> Tensor:
        """Running sum along ``axis``: out_i = x_0 + ... + x_i. Each x_j feeds every out_i with
        i >= j, so dL/dx_j = g_j + ... + g_last: the running sum of g taken from the far end."""
        axis = _either(axis, dim)
        if axis is None:
            raise TypeError("cumsum() needs dim= (as torch), e.g. x.cumsum(dim=0)")
        d = _dim(axis, self.ndim)
        xp = self.xp
        if self.ndim == 0:
            return self.clone()

        def _bw(g):
            self.add_grad(xp.flip(xp.cumsum(xp.flip(g, axis=d), axis=d), axis=d))

        return Tensor.from_op(xp.cumsum(self.data, axis=d), (self,), _bw, "cumsum")

    # -- shape ops
    def reshape(self, *shape) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        old = self.shape

        def _bw(g):
            self.add_grad(g.reshape(old))

        return Tensor.from_op(self.data.reshape(shape), (self,), _bw, "reshape")

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge the axes start_dim..end_dim (inclusive) into one, as torch.flatten."""
        if self.ndim == 0:
            return self.reshape(1)
        start, end = _dim(start_dim, self.ndim), _dim(end_dim, self.ndim)
        if start > end:
            raise RuntimeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        return self.reshape(self.shape[:start] + (-1,) + self.shape[end + 1:])

    def permute(self, *dims) -> Tensor:
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])

        out = self.data.transpose(dims)                  # NumPy rejects a bad or repeated axis

        def _bw(g):                                      # the inverse permutation, axes counted from 0
            self.add_grad(g.transpose(np.argsort([d % self.ndim for d in dims])))

        return Tensor.from_op(out, (self,), _bw, "permute")

    def transpose(self, dim0: int = -2, dim1: int = -1) -> Tensor:
        """Swap two axes (default the last two, as for matrices; a 0-d or 1-d tensor as it is)."""
        if self.ndim < 2 and (dim0, dim1) == (-2, -1):
            return self
        dims = list(range(self.ndim))
        d0, d1 = _dim(dim0, self.ndim), _dim(dim1, self.ndim)
        if self.ndim < 2:
            return self
        dims[d0], dims[d1] = dims[d1], dims[d0]
        return self.permute(dims)

    def t(self) -> Tensor:
        """Transpose of a matrix (a 0-d or 1-d tensor is returned as it is), as torch.t; more than
        2 dimensions raises (use transpose or permute)."""
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor of at most 2 dimensions, got {self.ndim} "
                               "(use transpose(d0, d1) or permute)")
        return self.transpose()

    @property
    def T(self) -> Tensor:
        return self.permute(tuple(reversed(range(self.ndim))))

    def unsqueeze(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        """Insert a size-1 axis at ``axis`` (in -ndim-1 .. ndim, as torch)."""
        axis = _either(axis, dim)
        if axis is None:
            raise TypeError("unsqueeze() needs an axis (dim=)")
        axis = _dim(axis, self.ndim + 1)
        return self.reshape(self.shape[:axis] + (1,) + self.shape[axis:])

    def squeeze(self, axis=None, *, dim=None) -> Tensor:
        """Drop size-1 axes: all of them (no axis), or the given one(s) when they have size 1 (an
        axis of another size is left as it is, as torch). An axis out of range raises IndexError."""
        axis = _either(axis, dim)
        drop = set(range(self.ndim)) if axis is None else set(_axes(axis, self.ndim))
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if not (i in drop and n == 1)))

    def expand(self, *shape) -> Tensor:
        """Broadcast to ``shape`` (-1 keeps that axis as it is); the gradient sums back."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        old = self.shape
        lead = len(shape) - len(old)
        shape = tuple(old[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(shape))

        def _bw(g):
            self.add_grad(_unbroadcast(g, old))

        return Tensor.from_op(self.xp.broadcast_to(self.data, shape), (self,), _bw, "expand")

    def repeat(self, *sizes) -> Tensor:
        """Tile the tensor ``sizes[i]`` times along axis i (torch.repeat, NumPy's tile); extra
        leading sizes add axes. Each input element appears in r = prod(sizes) places, so its
        gradient is the sum of g over those places: view g as (r0, n0, r1, n1, ...) and sum the
        r axes."""
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
            sizes = tuple(sizes[0])
        if len(sizes) < self.ndim:
            raise RuntimeError(f"repeat: {len(sizes)} sizes given for a tensor of {self.ndim} dimensions "
                               "(give at least one per dimension)")
        src = self.reshape((1,) * (len(sizes) - self.ndim) + self.shape)     # as many axes as sizes
        shape = src.shape
        pairs = tuple(x for r, n in zip(sizes, shape) for x in (r, n))       # (r0, n0, r1, n1, ...)

        def _bw(g):
            src.add_grad(g.reshape(pairs).sum(axis=tuple(range(0, len(pairs), 2))))

        return Tensor.from_op(self.xp.tile(src.data, sizes), (src,), _bw, "repeat")

    def split(self, split_size_or_sections, dim: int = 0) -> tuple:
        """Cut along ``dim`` into pieces of ``split_size`` (the last may be smaller), or of the
        sizes in a list (which must add up to the axis length), as torch.split. Each piece is a
        slice, so its gradient goes back to its own part."""
        d = _dim(dim, self.ndim)
        n = self.shape[d]
        if isinstance(split_size_or_sections, (int, np.integer)):
            step = int(split_size_or_sections)
            if step <= 0:
                raise RuntimeError(f"split: the size must be positive, got {step}")
            sizes = [min(step, n - lo) for lo in range(0, n, step)] or [0]
        else:
            sizes = [int(k) for k in split_size_or_sections]
            if sum(sizes) != n or min(sizes, default=0) < 0:
                raise RuntimeError(f"split: sizes {sizes} must be >= 0 and add up to {n}, the length of dim {dim}")
        lead = (slice(None),) * d
        starts = [0, *itertools.accumulate(sizes)]
        return tuple(self[lead + (slice(lo, lo + k),)] for lo, k in zip(starts, sizes))

    def chunk(self, chunks: int, dim: int = 0) -> tuple:
        """Cut along ``dim`` into ``chunks`` pieces of ceil(n / chunks) (fewer when they run out),
        as torch.chunk."""
        if chunks <= 0:
            raise RuntimeError(f"chunk: the number of chunks must be positive, got {chunks}")
        n = self.shape[_dim(dim, self.ndim)]
        return self.split(max(-(-n // chunks), 1), dim)

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

    def tril(self, diagonal: int = 0) -> Tensor:
        """The lower triangle of the last two axes (entries with column - row <= diagonal), the
        rest 0; the gradient passes through the kept entries only."""
        return self._triangle(self.xp.tril, diagonal, "tril")

    def triu(self, diagonal: int = 0) -> Tensor:
        """The upper triangle of the last two axes (column - row >= diagonal), the rest 0."""
        return self._triangle(self.xp.triu, diagonal, "triu")

    def _triangle(self, keep, diagonal: int, op: str) -> Tensor:
        if self.ndim < 2:
            raise RuntimeError(f"{op}: needs a tensor of at least 2 dimensions, got {self.ndim}")

        def _bw(g):
            self.add_grad(keep(g, diagonal))

        return Tensor.from_op(keep(self.data, diagonal), (self,), _bw, op)

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False):
        """``(values, indices)`` sorted along ``dim`` (ties keep their order); values = x at the
        indices, so each gradient entry goes back to the element it came from."""
        d = _dim(dim, self.ndim)
        x = self if self.ndim else self.reshape(1)
        key = x.data.astype(np.float64) if x.data.dtype.kind in "bu" else x.data
        idx = self.xp.argsort(-key if descending else key, axis=d, kind="stable")
        values = gather(x, d, idx)
        if not self.ndim:
            values, idx = values.reshape(()), idx.reshape(())
        return ValuesIndices(values, Tensor(idx))

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
        """``(values, indices)`` of the k largest (or smallest) entries along ``dim``, largest
        first; values = x at the indices, so the gradient goes to those k elements."""
        d = _dim(dim, self.ndim)
        n = self.shape[d] if self.ndim else 1
        if not 0 <= k <= n:
            raise RuntimeError(f"topk: k = {k} is out of range for a dimension of size {n}")
        values, idx = self.sort(d, descending=largest)
        lead = (slice(None),) * d
        return ValuesIndices(values[lead + (slice(0, k),)], Tensor(idx.data[lead + (slice(0, k),)]))

    # -- torch-style conveniences
    def clone(self) -> Tensor:
        """A copy of the values that stays in the graph (the gradient passes straight through)."""
        return Tensor.from_op(self.data.copy(), (self,), self.add_grad, "clone")

    def float(self) -> Tensor:
        """Cast to float32 (differentiable from a float tensor)."""
        return self.astype(np.float32)

    def double(self) -> Tensor:
        """Cast to float64 (differentiable from a float tensor)."""
        return self.astype(np.float64)

    def long(self) -> Tensor:
        """Cast to int64 (no gradient)."""
        return self.astype(np.int64)

    def int(self) -> Tensor:
        """Cast to int32 (no gradient)."""
        return self.astype(np.int32)

    def bool(self) -> Tensor:
        """Cast to bool (no gradient)."""
        return self.astype(np.bool_)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Switch gradient tracking of this leaf on (or off), in place; returns self."""
        if self._prev:
            raise RuntimeError("requires_grad_() changes leaf tensors only; use .detach() on a result")
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"only floating tensors can require gradients (got {self.data.dtype})")
        self.requires_grad = bool(requires_grad)
        return self

    def matmul(self, other) -> Tensor:
        """``self @ other`` (see :func:`matmul`)."""
        return matmul(self, self._lift(other))

    def mm(self, other) -> Tensor:
        """Product of two matrices (both 2-d, as torch.mm)."""
        other = self._lift(other)
        if self.ndim != 2 or other.ndim != 2:
            raise RuntimeError(f"mm: both operands must be 2-d, got {self.ndim}-d and {other.ndim}-d (use matmul)")
        return matmul(self, other)

    def clamp(self, min=None, max=None) -> Tensor:
        """Limit to [min, max] (either may be None). The gradient passes where min <= x <= max
        (boundaries included, as torch) and is 0 where the value was cut."""
        if min is None and max is None:
            raise RuntimeError("clamp: give min=, max= or both")
        x = self._floating() if self.data.dtype.kind in "biu" and float in (type(min), type(max)) else self
        xp = x.xp
        lo = -math.inf if min is None else min
        hi = math.inf if max is None else max
        out = xp.minimum(xp.maximum(x.data, lo), hi).astype(x.data.dtype, copy=False)
        inside = (x.data >= lo) & (x.data <= hi)

        def _bw(g):
            x.add_grad(g * inside)

        return Tensor.from_op(out, (x,), _bw, "clamp")

    clip = clamp

    def maximum(self, other) -> Tensor:
        return maximum(self, other)

    def minimum(self, other) -> Tensor:
        return minimum(self, other)

    # -- function-style aliases so ``x.softmax(-1)`` reads like PyTorch
    def softmax(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        return softmax(self, axis, dim=dim)

    def log_softmax(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        return log_softmax(self, axis, dim=dim)


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
    """``arange(end)``, ``arange(start, end, step)``: int64 for whole numbers, else the default float."""
    if dtype is None:
        dtype = _DEFAULT_DTYPE[0] if any(type(a) is float for a in args) else np.int64
    return Tensor(backend.get_array_module(device).arange(*args, dtype=dtype))


def _shape_of(shape) -> tuple:
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)


def zeros_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape, dtype and device of ``t``."""
    return Tensor(t.xp.zeros(t.shape, dtype=dtype or t.dtype), requires_grad=requires_grad)


def ones_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape, dtype and device of ``t``."""
    return Tensor(t.xp.ones(t.shape, dtype=dtype or t.dtype), requires_grad=requires_grad)


def _fill_dtype(value):
    """torch's dtype for a fill value: bool, int64 for an int, else the default float."""
    return np.bool_ if type(value) is bool else np.int64 if isinstance(value, int) else _DEFAULT_DTYPE[0]


def full(size, fill_value, dtype=None, requires_grad: bool = False, device: str = "cpu") -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value``."""
    xp = backend.get_array_module(device)
    return Tensor(xp.full(tuple(size), fill_value, dtype=dtype or _fill_dtype(fill_value)), requires_grad=requires_grad)


def full_like(t: Tensor, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    """``full`` with the shape, dtype and device of ``t``."""
    return Tensor(t.xp.full(t.shape, fill_value, dtype=dtype or t.dtype), requires_grad=requires_grad)


def empty(*shape, dtype=None, requires_grad: bool = False, device: str = "cpu") -> Tensor:
    """A tensor of ``shape``. minigrad fills it with zeros (torch leaves it unset), so a run is
    reproducible."""
    return zeros(*_shape_of(shape), dtype=dtype, requires_grad=requires_grad, device=device)


def eye(n: int, m: int | None = None, dtype=None, requires_grad: bool = False, device: str = "cpu") -> Tensor:
    """The n x m identity matrix (m = n by default)."""
    xp = backend.get_array_module(device)
    return Tensor(xp.eye(n, m, dtype=dtype or _DEFAULT_DTYPE[0]), requires_grad=requires_grad)


def linspace(start, end, steps: int, dtype=None, requires_grad: bool = False, device: str = "cpu") -> Tensor:
    """``steps`` evenly spaced values from start to end, both included."""
    xp = backend.get_array_module(device)
    return Tensor(xp.linspace(start, end, steps, dtype=dtype or _DEFAULT_DTYPE[0]), requires_grad=requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with a NumPy array (its dtype kept), as torch.from_numpy."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a NumPy array, got {type(array).__name__}")
    return Tensor(array)


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


def concat(tensors, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis (default 0); the gradient is split back into the pieces."""
    tensors = [_t(t) for t in tensors]
    if not tensors:
        raise RuntimeError("cat: expected a non-empty list of tensors")
    axis = _dim(_either(axis, dim) or 0, tensors[0].ndim)
    xp = tensors[0].xp
    sizes = [t.shape[axis] for t in tensors]
    bounds = list(itertools.accumulate(sizes))[:-1]           # where g is cut back into pieces

    def _bw(g):
        for t, piece in zip(tensors, xp.split(g, bounds, axis=axis)):
            if t.requires_grad:
                t.add_grad(piece)

    return Tensor.from_op(xp.concatenate([t.data for t in tensors], axis=axis), tuple(tensors), _bw, "concat")


cat = concat


def stack(tensors, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Join tensors along a new axis (default 0)."""
    tensors = [_t(t) for t in tensors]
    if not tensors:
        raise RuntimeError("stack: expected a non-empty list of tensors")
    axis = _dim(_either(axis, dim) or 0, tensors[0].ndim + 1)
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
    """torch.gather: ``out[i][j][k] = x[index[i][j][k]][j][k]`` for dim 0 (likewise for others).

    ``index`` has x's number of dimensions and may be smaller than x in any dimension but
    ``dim`` (out has index's shape). Backward: each g entry goes back to the element it was
    read from, summed where an element was read more than once.
    """
    xp = x.xp
    index = xp.asarray(_data(index))
    if index.ndim != max(x.ndim, 1) or index.dtype.kind not in "iu":
        raise RuntimeError(f"gather: index must be an integer tensor with {x.ndim} dimensions, "
                           f"got {index.dtype} with {index.ndim}")
    dim = _dim(dim, x.ndim)
    if any(i != dim and k > n for i, (k, n) in enumerate(zip(index.shape, x.shape))):
        raise RuntimeError(f"gather: index {index.shape} is larger than the input {x.shape} outside dim {dim}")
    if index.size and (int(index.min()) < 0 or int(index.max()) >= x.shape[dim]):
        raise RuntimeError(f"gather: index out of range for dim {dim} of size {x.shape[dim]}")
    # the same positions as index in every other dim: out[..i..] = x[i0, .., index[..i..], .., ik]
    full = list(xp.ix_(*[xp.arange(n) for n in index.shape]))
    full[dim] = index
    full = tuple(full)

    def _bw(g):
        grad = xp.zeros(x.shape, dtype=g.dtype)
        backend.scatter_add(xp, grad, full, g)
        x.add_grad(grad)

    return Tensor.from_op(x.data[full], (x,), _bw, "gather")


def maximum(a, b) -> Tensor:
    """Elementwise max(a, b), broadcasting. The gradient goes to the larger input; at a tie each
    gets half (as torch)."""
    like = a if isinstance(a, Tensor) else b
    a, b = _t(a, like), _t(b, like)
    xp = a.xp
    share = (a.data > b.data) + 0.5 * (a.data == b.data)      # a's share of g; b gets 1 - share

    def _bw(g):
        if a.requires_grad:
            a.add_grad(_unbroadcast(g * share, a.shape))
        if b.requires_grad:
            b.add_grad(_unbroadcast(g * (1 - share), b.shape))

    return Tensor.from_op(xp.maximum(a.data, b.data), (a, b), _bw, "maximum")


def minimum(a, b) -> Tensor:
    """Elementwise min(a, b), broadcasting; the gradient goes to the smaller input, half each at a tie."""
    like = a if isinstance(a, Tensor) else b
    a, b = _t(a, like), _t(b, like)
    xp = a.xp
    share = (a.data < b.data) + 0.5 * (a.data == b.data)

    def _bw(g):
        if a.requires_grad:
            a.add_grad(_unbroadcast(g * share, a.shape))
        if b.requires_grad:
            b.add_grad(_unbroadcast(g * (1 - share), b.shape))

    return Tensor.from_op(xp.minimum(a.data, b.data), (a, b), _bw, "minimum")


def clamp(x: Tensor, min=None, max=None) -> Tensor:
    return x.clamp(min, max)


def _parse_einsum(subscripts: str, n: int):
    """'ij,jk->ik' -> (['ij', 'jk'], 'ik'); without '->' the output is the letters used once, sorted."""
    subscripts = subscripts.replace(" ", "")
    if "." in subscripts:
        raise ValueError("einsum: '...' is not supported by minigrad; write every axis as a letter")
    ins, arrow, out = subscripts.partition("->")
    ins = ins.split(",")
    if len(ins) != n:
        raise RuntimeError(f"einsum: {len(ins)} operand subscripts for {n} tensors")
    if not arrow:
        letters = "".join(ins)
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    for term in ins:
        if len(set(term)) != len(term):
            raise ValueError(f"einsum: a letter repeated within one operand ('{term}', a diagonal) is not "
                             "supported by minigrad")
    return ins, out


def einsum(subscripts: str, *operands) -> Tensor:
    """Einstein summation, ``mg.einsum("ij,jk->ik", a, b)``: multiply the operands along the
    shared letters and sum the letters missing from the output.

    Backward for operand i: dL/dx_i is the einsum of g (subscripts: the output's) with every other
    operand, written into x_i's subscripts; a letter only x_i has is broadcast (each of its
    entries fed the sum alike). Forward with np.einsum; no '...' and no repeated letter in one operand.
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ts = [_t(t) for t in operands]
    ins, out = _parse_einsum(subscripts, len(ts))
    xp = ts[0].xp
    sizes = {}
    for term, t in zip(ins, ts):
        if len(term) != t.ndim:
            raise RuntimeError(f"einsum: subscripts '{term}' for a tensor of {t.ndim} dimensions")
        for c, k in zip(term, t.shape):
            if sizes.setdefault(c, k) != k:
                raise RuntimeError(f"einsum: letter '{c}' has sizes {sizes[c]} and {k}")

    def _bw(g):
        for i, t in enumerate(ts):
            if not t.requires_grad:
                continue
            others = [ins[j] for j in range(len(ts)) if j != i]
            seen = set(out).union(*others)
            kept = "".join(c for c in ins[i] if c in seen)            # letters g and the others know
            expr = ",".join([out, *others]) + "->" + kept
            part = xp.einsum(expr, g, *[ts[j].data for j in range(len(ts)) if j != i])
            shape = tuple(sizes[c] if c in seen else 1 for c in ins[i])
            t.add_grad(xp.broadcast_to(part.reshape(shape), t.shape))

    data = xp.einsum(",".join(ins) + "->" + out, *[t.data for t in ts])
    return Tensor.from_op(data, tuple(ts), _bw, "einsum")


# ----------------------------------------------------------------------------- softmax
def softmax(x: Tensor, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """softmax(x)_i = e^{x_i - max} / sum_j e^{x_j - max} along ``axis`` (default -1); backward
    y * (g - sum(g y))."""
    axis = _dim(_either(axis, dim, "axis") if (axis, dim) != (None, None) else -1, x.ndim)
    xp = x.xp
    e = xp.exp(x.data - x.data.max(axis=axis, keepdims=True))
    y = e / e.sum(axis=axis, keepdims=True)

    def _bw(g):
        x.add_grad(y * (g - (g * y).sum(axis=axis, keepdims=True)))

    return Tensor.from_op(y, (x,), _bw, "softmax")


def log_softmax(x: Tensor, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """log softmax = x - max - log sum e^{x - max} along ``axis`` (default -1); backward
    g - softmax * sum(g)."""
    axis = _dim(_either(axis, dim, "axis") if (axis, dim) != (None, None) else -1, x.ndim)
    xp = x.xp
    shifted = x.data - x.data.max(axis=axis, keepdims=True)
    y = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))

    def _bw(g):
        x.add_grad(g - xp.exp(y) * g.sum(axis=axis, keepdims=True))

    return Tensor.from_op(y, (x,), _bw, "log_softmax")


# ----------------------------------------------------------------------------- function forms
# ``mg.tril(x)`` reads like ``torch.tril(x)``: each is the method of the same name (same code).
def tril(x, diagonal: int = 0) -> Tensor:
    return _t(x).tril(diagonal)


def triu(x, diagonal: int = 0) -> Tensor:
    return _t(x).triu(diagonal)


def sin(x) -> Tensor:
    return _t(x).sin()


def cos(x) -> Tensor:
    return _t(x).cos()


def log1p(x) -> Tensor:
    return _t(x).log1p()


def mean(x, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    return _t(x).mean(axis, keepdims, dim=dim, keepdim=keepdim)


def var(x, axis=None, unbiased=None, keepdims: bool = False, *, correction=None, dim=None, keepdim=None) -> Tensor:
    return _t(x).var(axis, unbiased, keepdims, correction=correction, dim=dim, keepdim=keepdim)


def std(x, axis=None, unbiased=None, keepdims: bool = False, *, correction=None, dim=None, keepdim=None) -> Tensor:
    return _t(x).std(axis, unbiased, keepdims, correction=correction, dim=dim, keepdim=keepdim)


def amax(x, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    return _t(x).amax(axis, keepdims, dim=dim, keepdim=keepdim)


def amin(x, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    return _t(x).amin(axis, keepdims, dim=dim, keepdim=keepdim)


def argmax(x, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    return _t(x).argmax(axis, keepdims, dim=dim, keepdim=keepdim)


def argmin(x, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    return _t(x).argmin(axis, keepdims, dim=dim, keepdim=keepdim)


def logsumexp(x, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    return _t(x).logsumexp(axis, keepdims, dim=dim, keepdim=keepdim)


def norm(x, p=2, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
    return _t(x).norm(p, axis, keepdims, dim=dim, keepdim=keepdim)


def cumsum(x, axis=None, *, dim=None) -> Tensor:
    return _t(x).cumsum(axis, dim=dim)


def sort(x, dim: int = -1, descending: bool = False, stable: bool = False):
    return _t(x).sort(dim, descending, stable)


def topk(x, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    return _t(x).topk(k, dim, largest, sorted)


def clone(x) -> Tensor:
    return _t(x).clone()


def flatten(x, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    return _t(x).flatten(start_dim, end_dim)


def reshape(x, *shape) -> Tensor:
    return _t(x).reshape(*shape)


def permute(x, *dims) -> Tensor:
    return _t(x).permute(*dims)


def transpose(x, dim0: int, dim1: int) -> Tensor:
    return _t(x).transpose(dim0, dim1)


def unsqueeze(x, axis=None, *, dim=None) -> Tensor:
    return _t(x).unsqueeze(axis, dim=dim)


def squeeze(x, axis=None, *, dim=None) -> Tensor:
    return _t(x).squeeze(axis, dim=dim)


def chunk(x, chunks: int, dim: int = 0) -> tuple:
    return _t(x).chunk(chunks, dim)


def split(x, split_size_or_sections, dim: int = 0) -> tuple:
    return _t(x).split(split_size_or_sections, dim)


def numel(x) -> int:
    return _t(x).numel()


# ``mg.sum``, ``mg.max``, ``mg.min``, ``mg.abs`` and ``mg.pow`` (torch's function forms) carry other
# names here so that they do not hide Python's own sum/max/min/abs/pow in this file;
# minigrad/__init__.py exports them under torch's names.
def sum_of(x, dim=None, keepdim: bool = False) -> Tensor:
    """``torch.sum(x, dim, keepdim)``: the method ``x.sum(dim, keepdim)``."""
    return _t(x).sum(dim, keepdim)


def max_of(x, dim=None, keepdim: bool = False):
    """``torch.max``: ``max(x)`` the largest element, ``max(x, dim)`` (values, indices),
    ``max(x, y)`` elementwise; the method :meth:`Tensor.max`."""
    return _t(x).max(dim, keepdim)


def min_of(x, dim=None, keepdim: bool = False):
    """``torch.min``, as :func:`max_of`."""
    return _t(x).min(dim, keepdim)


def abs_of(x) -> Tensor:
    """``torch.abs(x)``."""
    return _t(x).abs()


def pow_of(x, exponent) -> Tensor:
    """``torch.pow(x, exponent)``: ``x ** exponent``."""
    return _t(x) ** exponent


def mm(x, y) -> Tensor:
    """``torch.mm(x, y)``: the matrix product of two 2-d tensors."""
    return _t(x).mm(y)


def masked_fill(x, mask, value: float) -> Tensor:
    return _t(x).masked_fill(mask, value)


def is_tensor(x) -> bool:
    return isinstance(x, Tensor)
