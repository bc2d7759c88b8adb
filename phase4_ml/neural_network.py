"""A neural network from scratch: one perceptron, then a multi-layer perceptron (MLP) on MNIST.

NumPy only; every backward pass is written by hand from the chain rule (autograd is project 20).

Forward pass of a dense layer l (a batch of n rows, a_0 = x):
    z_l = a_{l-1} W_l + b_l            W_l: (fan_in, fan_out), b_l: (fan_out,)
    a_l = f(z_l)                       f = ReLU max(0, z) | sigmoid 1/(1+e^-z) | tanh
Output heads and their losses (averaged over the batch):
    softmax:  p = e^z / sum e^z,    L = -mean log p[y]              (cross-entropy, classes)
    sigmoid:  p = 1/(1+e^-z),       L = mean(softplus(z) - y z)     (binary cross-entropy)
    linear:   y_hat = z,            L = mean((y_hat - y)^2)         (MSE, regression)
Backward pass (delta_l = dL/dz_l):
    delta_L = (p - onehot(y)) / n   (softmax + CE, and sigmoid + BCE)   |  2 (y_hat - y) / (n k)  (MSE)
    dL/dW_l = a_{l-1}^T delta_l,    dL/db_l = sum_rows delta_l
    delta_{l-1} = (delta_l W_l^T) * f'(z_{l-1}),  f'(z) = ReLU 1[z > 0],  sigmoid s (1 - s),  tanh 1 - tanh^2
        (the fast tier reads f' off the activation a = f(z): 1[a > 0], a (1 - a), 1 - a^2)
Initialisation: He N(0, 2/fan_in) for ReLU, Xavier U(+-sqrt(6/(fan_in+fan_out))) for sigmoid/tanh.
Optimisers: SGD with momentum  v = mu v - lr g, w += v;
            Adam  m = b1 m + (1-b1) g,  v = b2 v + (1-b2) g^2,  m_hat = m / (1 - b1^t),
                  v_hat = v / (1 - b2^t),  w -= lr m_hat / (sqrt(v_hat) + eps)   (t = step number).
Two tiers. The textbook tier comes first below: small functions written as these equations read
(relu, softmax, dense_forward, mlp_forward, mlp_backward, adam_step, ...). The fast tier after it
computes the same numbers with in-place buffers and is what runs by default; ``--reference`` (or
``MLP(..., reference=True)``) trains with the textbook tier end to end instead.
Gradient check: central differences (L(w + eps) - L(w - eps)) / 2 eps in float64, relative error
    ||g_analytic - g_numeric|| / (||g_analytic|| + ||g_numeric||) per parameter array.

    python phase4_ml/neural_network.py mnist                      # 784-128-64-10, 20 epochs, Adam
    python phase4_ml/neural_network.py --dataset fashion-mnist
    python phase4_ml/neural_network.py mnist --layers 784,256,10 --activation tanh --optimizer sgd
    python phase4_ml/neural_network.py mnist --reference --epochs 1  # the textbook tier, end to end
    python phase4_ml/neural_network.py --perceptron and --explain  # M6: one neuron, every step
    python phase4_ml/neural_network.py --perceptron xor            # fails; a 2-2-1 MLP solves it
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from pathlib import Path

import numpy as np

from common import cli, plotting

# ============================================================================= textbook tier
# Read this part first. Each function is one step of the math above, written as the math reads:
# plain NumPy, a new array out, nothing changed in place. Shapes: n rows in a batch, k outputs.
# The fast tier further down computes the same numbers with in-place buffers, and the tests check
# that the two agree. ``MLP(..., reference=True)`` (``--reference`` on the command line) trains
# with these functions end to end.

# ----------------------------------------------------------------------------- activations
def relu(z: np.ndarray) -> np.ndarray:
    """ReLU, f(z) = max(0, z) elementwise. Any shape in, the same shape out.

    >>> print(relu(np.array([-2.0, 0.0, 3.0])))
    [0. 0. 3.]
    """
    return np.maximum(z, 0)


def relu_derivative(z: np.ndarray) -> np.ndarray:
    """f'(z) = 1 where z > 0 and 0 elsewhere (we take 0 at z = 0). Same shape and dtype as z."""
    return (z > 0).astype(z.dtype)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic sigmoid, f(z) = 1 / (1 + e^-z) elementwise. Any shape in, the same shape out.

    z is clipped to [-60, 60] first, so e^-z cannot overflow even in float32. Nothing is lost:
    at z = +-60 the sigmoid is already 0 or 1 to 26 decimal places.

    >>> print(sigmoid(np.array([-1.0, 0.0, 1.0])).round(4))
    [0.2689 0.5    0.7311]
    """
    z = np.clip(z, -60, 60)
    return 1 / (1 + np.exp(-z))


def sigmoid_derivative(z: np.ndarray) -> np.ndarray:
    """f'(z) = sigmoid(z) (1 - sigmoid(z)). Largest at z = 0, where it is 1/4."""
    s = sigmoid(z)
    return s * (1 - s)


def tanh(z: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent, f(z) = (e^z - e^-z) / (e^z + e^-z) elementwise, values in (-1, 1)."""
    return np.tanh(z)


def tanh_derivative(z: np.ndarray) -> np.ndarray:
    """f'(z) = 1 - tanh(z)^2. It is 1 at z = 0."""
    return 1 - np.tanh(z) ** 2


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of scores z (n, k): p[i, j] = e^z[i, j] / sum_j' e^z[i, j']. Returns (n, k).

    Each row's largest score is subtracted first. The result is the same, because e^c cancels
    between top and bottom, but e^z can no longer overflow.

    >>> print(softmax(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])).round(4))
    [[0.09   0.2447 0.6652]
     [0.3333 0.3333 0.3333]]
    """
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def one_hot(y: np.ndarray, k: int, dtype=np.float64) -> np.ndarray:
    """Class labels y (n,) with values in 0..k-1 -> (n, k) rows with a single 1, in column y[i].

    >>> print(one_hot(np.array([2, 0]), 3))
    [[0. 0. 1.]
     [1. 0. 0.]]
    """
    return np.eye(k, dtype=dtype)[y]


# ----------------------------------------------------------------------------- losses
# Both tiers use these three. Each is the mean over the batch.
def cross_entropy(p: np.ndarray, y: np.ndarray) -> float:
    """L = -mean_i log p[i, y_i] for softmax probabilities p (n, k) and class labels y (n,).

    A probability that rounded to exactly 0 is raised to the smallest positive float first,
    so a very wrong, very confident prediction gives a large loss and not -log 0 = inf.

    >>> round(cross_entropy(np.array([[0.5, 0.5], [0.9, 0.1]]), np.array([0, 0])), 4)
    0.3993
    """
    n = p.shape[0]
    picked = p[np.arange(n), y]                          # p[i, y_i], (n,)
    return float(-np.mean(np.log(np.maximum(picked, np.finfo(p.dtype).tiny))))


def binary_cross_entropy(p: np.ndarray, y: np.ndarray) -> float:
    """L = -mean(y log p + (1 - y) log(1 - p)) for sigmoid outputs p (n, 1) and 0/1 targets y (n,) or (n, 1).

    p is kept a hair inside (0, 1) so that neither logarithm meets 0.
    """
    p = np.clip(p.reshape(-1), np.finfo(p.dtype).tiny, 1 - np.finfo(p.dtype).epsneg)
    t = np.asarray(y, dtype=p.dtype).reshape(-1)
    return float(-np.mean(t * np.log(p) + (1 - t) * np.log1p(-p)))


def mean_squared_error(y_hat: np.ndarray, y: np.ndarray) -> float:
    """L = mean((y_hat - y)^2) over every entry, for predictions y_hat (n, k) and targets y (n,) or (n, k)."""
    t = np.asarray(y, dtype=y_hat.dtype).reshape(y_hat.shape)
    return float(np.mean((y_hat - t) ** 2))


# ----------------------------------------------------------------------------- forward and backward
def dense_forward(a_prev: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One dense layer before its activation: z = a_prev W + b.

    a_prev (n, fan_in), W (fan_in, fan_out), b (fan_out,) -> z (n, fan_out). The bias row is
    added to every row of the batch (NumPy broadcasting).

    >>> print(dense_forward(np.array([[1.0, 2.0]]), np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]),
    ...                     np.array([0.0, 0.0, -3.0])))
    [[1. 2. 0.]]
    """
    return a_prev @ W + b


def mlp_forward(x: np.ndarray, weights: list[np.ndarray], biases: list[np.ndarray],
                activation: str = "relu", output: str = "softmax") -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The whole network, layer after layer: z_l = a_{l-1} W_l + b_l, a_l = f(z_l), with a_0 = x.

    x (n, sizes[0]); weights[l] (sizes[l], sizes[l+1]) and biases[l] (sizes[l+1],) for l = 0..L-1.
    Hidden layers use ``activation`` ("relu", "sigmoid" or "tanh"). The last layer uses the
    ``output`` head instead: "softmax" (class probabilities), "sigmoid" (one probability) or
    "linear" (a_L = z_L, for regression).

    Returns (zs, activations): zs[l] is z_{l+1} (n, sizes[l+1]), and activations[l] is a_l, so
    activations[0] is x and activations[-1] is the network's output (n, sizes[-1]). Backward
    needs both lists.
    """
    f = {"relu": relu, "sigmoid": sigmoid, "tanh": tanh}[activation]
    head = {"softmax": softmax, "sigmoid": sigmoid, "linear": lambda z: z}[output]
    zs, activations = [], [x]
    last = len(weights) - 1
    for l, (W, b) in enumerate(zip(weights, biases)):
        z = dense_forward(activations[-1], W, b)
        zs.append(z)
        activations.append(f(z) if l < last else head(z))
    return zs, activations


def output_delta(out: np.ndarray, y: np.ndarray, output: str = "softmax") -> np.ndarray:
    """delta_L = dL/dz_L, the error at the last layer's scores. out (n, k) -> (n, k).

    softmax + cross-entropy:   delta_L = (p - onehot(y)) / n
    sigmoid + binary CE:       delta_L = (p - y) / n
    linear + MSE:              delta_L = 2 (y_hat - y) / (n k)
    The first two are the same short formula: the derivative of the head cancels against the
    derivative of its loss. ``out`` is the forward output (activations[-1] of :func:`mlp_forward`).

    >>> print(output_delta(np.array([[0.25, 0.75], [0.5, 0.5]]), np.array([1, 0])))
    [[ 0.125 -0.125]
     [-0.25   0.25 ]]
    """
    n = out.shape[0]
    if output == "softmax":
        return (out - one_hot(y, out.shape[1], out.dtype)) / n
    t = np.asarray(y, dtype=out.dtype).reshape(out.shape)
    if output == "sigmoid":
        return (out - t) / n
    return 2 * (out - t) / out.size


def mlp_backward(y: np.ndarray, weights: list[np.ndarray], zs: list[np.ndarray], activations: list[np.ndarray],
                 activation: str = "relu", output: str = "softmax") -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Backpropagation: the gradient of the loss for every weight and bias, by the chain rule.

    Takes the targets y and the (zs, activations) that :func:`mlp_forward` returned for the same
    batch. Returns (dWs, dbs), shaped like weights and biases. From the last layer down:
        delta_L = dL/dz_L                                    (:func:`output_delta`)
        dL/dW_l = a_{l-1}^T delta_l                          (fan_in, n) @ (n, fan_out)
        dL/db_l = sum over the batch rows of delta_l         (fan_out,)
        delta_{l-1} = (delta_l W_l^T) * f'(z_{l-1})          (n, fan_out) @ (fan_out, fan_in)
    List index i holds layer l = i + 1: weights[i] is W_l, activations[i] is a_{l-1}, zs[i - 1] is z_{l-1}.
    """
    f_prime = {"relu": relu_derivative, "sigmoid": sigmoid_derivative, "tanh": tanh_derivative}[activation]
    delta = output_delta(activations[-1], y, output)
    dWs, dbs = [None] * len(weights), [None] * len(weights)
    for i in reversed(range(len(weights))):
        dWs[i] = activations[i].T @ delta
        dbs[i] = delta.sum(axis=0)
        if i > 0:                                        # the input x needs no delta
            delta = (delta @ weights[i].T) * f_prime(zs[i - 1])
    return dWs, dbs


# ----------------------------------------------------------------------------- optimiser steps
def sgd_step(w: np.ndarray, g: np.ndarray, velocity: np.ndarray, lr: float = 0.05,
             momentum: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """One step of gradient descent with momentum. w, g, velocity: arrays of one shape.

        velocity = momentum velocity - lr g      (a running sum of past steps, slowly forgotten)
        w = w + velocity
    Returns the new (w, velocity). With momentum = 0 this is plain gradient descent, w - lr g.
    """
    velocity = momentum * velocity - lr * g
    return w + velocity, velocity


def adam_step(w: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, t: int, lr: float = 1e-3,
              b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One Adam step (Kingma & Ba, 2015) for parameters w with gradient g.

    w, g, m, v: arrays of one shape; m and v start at zeros; t counts the steps from 1.
        m = b1 m + (1 - b1) g                     running mean of the gradient
        v = b2 v + (1 - b2) g^2                   running mean of its square
        m_hat = m / (1 - b1^t)                    undo the pull towards the zeros m and v began at
        v_hat = v / (1 - b2^t)
        w = w - lr m_hat / (sqrt(v_hat) + eps)
    Returns the new (w, m, v).

    A worked example. On the first step m_hat = g and v_hat = g^2, so every weight moves by
    lr g / (|g| + eps): about lr, against the sign of its gradient, however small the gradient is.

    >>> w, m, v = adam_step(np.array([1.0, 1.0]), np.array([0.5, -0.002]), np.zeros(2), np.zeros(2), t=1, lr=0.1)
    >>> print(w.round(4))
    [0.9 1.1]
    """
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g ** 2
    m_hat = m / (1 - b1 ** t)
    v_hat = v / (1 - b2 ** t)
    w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return w, m, v


# ============================================================================= fast tier
# The same network, tuned for speed: every activation works in place on the buffer it is given,
# takes its derivative from its own output a = f(z) (no second exp or tanh), and the optimisers
# update one flat vector holding every weight with a few whole-array operations.

def relu_(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0, out=z)


def sigmoid_(z: np.ndarray) -> np.ndarray:
    """Numerically safe in place: clip so exp never overflows (sigmoid(+-60) is 0/1 to 1e-26)."""
    np.clip(z, -60, 60, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    z += 1
    return np.reciprocal(z, out=z)


def tanh_(z: np.ndarray) -> np.ndarray:
    return np.tanh(z, out=z)


def relu_grad_(delta: np.ndarray, a: np.ndarray) -> np.ndarray:
    """delta *= f'(z) with f'(z) = 1[a > 0]."""
    return np.multiply(delta, a > 0, out=delta)


def sigmoid_grad_(delta: np.ndarray, a: np.ndarray) -> np.ndarray:
    delta *= a
    delta *= 1 - a
    return delta


def tanh_grad_(delta: np.ndarray, a: np.ndarray) -> np.ndarray:
    delta *= 1 - a * a
    return delta


def softmax_(z: np.ndarray) -> np.ndarray:
    """:func:`softmax` in place: z (n, k) is overwritten with its row-wise probabilities."""
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


ACTIVATIONS = {"relu": (relu_, relu_grad_), "sigmoid": (sigmoid_, sigmoid_grad_), "tanh": (tanh_, tanh_grad_)}
OUTPUTS = ("softmax", "sigmoid", "linear")


# ============================================================================= the model, either tier
class MLP:
    """A fully connected network ``sizes[0] -> sizes[1] -> ... -> sizes[-1]``.

    All weights and biases live in one flat vector ``params`` (and the gradients in ``grads``);
    ``W[l]`` (fan_in, fan_out) and ``b[l]`` (fan_out,) are views into it, so an optimiser updates
    every layer with a few whole-array operations.

    ``output``: "softmax" (y: int class labels (n,)), "sigmoid" (y: 0/1 of shape (n,) or (n, 1),
    one output unit) or "linear" (regression with MSE, y: (n,) or (n, k) floats).

    ``reference=True`` runs the textbook tier: :meth:`forward` and :meth:`backward` call
    :func:`mlp_forward` and :func:`mlp_backward`. The default runs the fast tier, which computes
    the same numbers with in-place buffers. Pair it with an optimiser made with the same flag
    (``make_optimizer(..., reference=True)``) to train with the textbook tier end to end.
    """

    def __init__(self, sizes, activation: str = "relu", output: str = "softmax", init: str = "auto",
                 dtype=np.float32, seed: int = 0, reference: bool = False):
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"need at least an input and an output size, all >= 1, got {sizes}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose from {sorted(ACTIVATIONS)}")
        if output not in OUTPUTS:
            raise ValueError(f"unknown output {output!r}; choose from {OUTPUTS}")
        if output == "sigmoid" and sizes[-1] != 1:
            raise ValueError("a sigmoid output has exactly one unit")
        if init == "auto":
            init = "he" if activation == "relu" else "xavier"
        if init not in ("he", "xavier"):
            raise ValueError(f"unknown init {init!r}; choose he or xavier")
        self.sizes, self.activation, self.output, self.init = sizes, activation, output, init
        self.reference = bool(reference)
        self.dtype = np.dtype(dtype)
        shapes = [(i, o) for i, o in zip(sizes[:-1], sizes[1:])]
        total = sum(i * o + o for i, o in shapes)
        self.params = np.zeros(total, dtype=self.dtype)
        self.grads = np.zeros(total, dtype=self.dtype)
        self.W, self.b, self.dW, self.db = [], [], [], []
        start = 0
        for i, o in shapes:
            for store, grad, shape in ((self.W, self.dW, (i, o)), (self.b, self.db, (o,))):
                size = int(np.prod(shape))
                store.append(self.params[start:start + size].reshape(shape))
                grad.append(self.grads[start:start + size].reshape(shape))
                start += size
        rng = np.random.default_rng(seed)
        for w, (i, o) in zip(self.W, shapes):
            if init == "he":
                w[...] = rng.standard_normal((i, o)) * math.sqrt(2.0 / i)
            else:
                limit = math.sqrt(6.0 / (i + o))
                w[...] = rng.uniform(-limit, limit, (i, o))
        self._acts: list[np.ndarray] = []
        self._zs: list[np.ndarray] = []                 # the textbook tier also keeps every z

    @property
    def n_params(self) -> int:
        return self.params.size

    def copy(self, dtype=None) -> MLP:
        """An independent copy (optionally in another dtype, e.g. float64 for gradient checks)."""
        other = MLP(self.sizes, self.activation, self.output, self.init, dtype or self.dtype,
                    reference=self.reference)
        other.params[...] = self.params
        return other

    # -- forward
    def forward(self, x: np.ndarray) -> np.ndarray:
        """(n, sizes[0]) -> (n, sizes[-1]): probabilities (softmax/sigmoid) or values (linear).

        Keeps every layer's activation for :meth:`backward`.
        """
        if self.reference:
            x = np.asarray(x, dtype=self.dtype)
            self._zs, self._acts = mlp_forward(x, self.W, self.b, self.activation, self.output)
            return self._acts[-1]
        act, _ = ACTIVATIONS[self.activation]
        a = np.asarray(x, dtype=self.dtype)
        acts = [a]
        last = len(self.W) - 1
        for layer, (w, b) in enumerate(zip(self.W, self.b)):
            z = a @ w
            z += b
            if layer < last:
                a = act(z)
            elif self.output == "softmax":
                a = softmax_(z)
            elif self.output == "sigmoid":
                a = sigmoid_(z)
            else:
                a = z
            acts.append(a)
        self._acts = acts
        return a

    def loss(self, out: np.ndarray, y: np.ndarray) -> float:
        """Mean loss of the forward output ``out`` against targets ``y`` (see the class doc)."""
        if self.output == "softmax":
            return cross_entropy(out, y)
        if self.output == "sigmoid":
            return binary_cross_entropy(out, y)
        return mean_squared_error(out, y)

    def backward(self, y: np.ndarray) -> None:
        """Fill ``grads`` (dL/dW, dL/db of every layer) for the last :meth:`forward` batch."""
        if self.reference:
            dWs, dbs = mlp_backward(y, self.W, self._zs, self._acts, self.activation, self.output)
            for layer, (dW, db) in enumerate(zip(dWs, dbs)):
                self.dW[layer][...] = dW                 # into the flat ``grads`` the optimiser reads
                self.db[layer][...] = db
            return
        _, act_grad = ACTIVATIONS[self.activation]
        acts = self._acts
        out = acts[-1]
        n = out.shape[0]
        if self.output == "softmax":
            delta = out.copy()
            delta[np.arange(n), y] -= 1
            delta *= 1.0 / n
        elif self.output == "sigmoid":
            delta = out - np.asarray(y, dtype=out.dtype).reshape(out.shape)
            delta *= 1.0 / n
        else:
            delta = out - np.asarray(y, dtype=out.dtype).reshape(out.shape)
            delta *= 2.0 / out.size
        for layer in range(len(self.W) - 1, -1, -1):
            a_prev = acts[layer]
            np.matmul(a_prev.T, delta, out=self.dW[layer])
            np.sum(delta, axis=0, out=self.db[layer])
            if layer > 0:
                delta = delta @ self.W[layer].T
                act_grad(delta, a_prev)

    def loss_and_grad(self, x: np.ndarray, y: np.ndarray) -> float:
        """One forward + backward pass; returns the loss, leaves the gradient in ``grads``."""
        loss = self.loss(self.forward(x), y)
        self.backward(y)
        return loss

    def train_step(self, x: np.ndarray, y: np.ndarray, optimizer) -> float:
        """Forward, backward and one optimiser update; returns the batch loss before the update."""
        loss = self.loss_and_grad(x, y)
        optimizer.step(self.params, self.grads)
        return loss

    # -- prediction
    def predict(self, x: np.ndarray, batch: int = 8192) -> np.ndarray:
        """Class labels (softmax), 0/1 (sigmoid) or values (linear) for (n, sizes[0]) inputs."""
        out = np.concatenate([self.forward(x[i:i + batch]) for i in range(0, len(x), batch)])
        self._acts, self._zs = [], []
        if self.output == "softmax":
            return out.argmax(axis=1)
        if self.output == "sigmoid":
            return (out[:, 0] >= 0.5).astype(np.int64)
        return out[:, 0] if out.shape[1] == 1 else out

    def evaluate(self, x: np.ndarray, y: np.ndarray, batch: int = 8192) -> tuple[float, float]:
        """(mean loss, accuracy) over a whole set; accuracy is nan for regression."""
        total, correct = 0.0, 0
        for i in range(0, len(x), batch):
            out = self.forward(x[i:i + batch])
            yb = y[i:i + batch]
            total += self.loss(out, yb) * len(yb)
            if self.output == "softmax":
                correct += int(np.sum(out.argmax(axis=1) == yb))
            elif self.output == "sigmoid":
                correct += int(np.sum((out[:, 0] >= 0.5) == (np.asarray(yb).reshape(-1) > 0.5)))
        self._acts, self._zs = [], []
        acc = correct / len(x) if self.output != "linear" else float("nan")
        return total / len(x), acc

    def fit(self, x: np.ndarray, y: np.ndarray, *, epochs: int, optimizer, batch_size: int = 64,
            x_val=None, y_val=None, cosine: bool = True, seed: int = 0, on_epoch=None,
            progress: bool = False, augment=None) -> list[dict]:
        """Mini-batch training; returns one dict per epoch (loss, train/val loss and accuracy).

        With ``cosine`` the learning rate follows lr * (1 + cos(pi * epoch / epochs)) / 2.
        ``on_epoch(record)`` is called after each epoch (e.g. to print the log line).
        ``augment(xb, rng) -> xb`` transforms each training batch (e.g. :func:`random_shift`).
        """
        from tqdm import tqdm

        x = np.asarray(x, dtype=self.dtype)
        rng = np.random.default_rng(seed)
        n = len(x)
        base_lr = optimizer.lr
        buf = np.empty((batch_size, x.shape[1]), dtype=self.dtype)
        history = []
        for epoch in range(1, epochs + 1):
            if cosine:
                optimizer.lr = base_lr * 0.5 * (1 + math.cos(math.pi * (epoch - 1) / epochs))
            order = rng.permutation(n)
            running, start = 0.0, time.perf_counter()
            steps = range(0, n, batch_size)
            for i in tqdm(steps, desc=f"epoch {epoch}/{epochs}", leave=False, disable=None if progress else True):
                idx = order[i:i + batch_size]
                xb = np.take(x, idx, axis=0, out=buf[:len(idx)])
                if augment is not None:
                    xb = augment(xb, rng)
                running += self.train_step(xb, y[idx], optimizer) * len(idx)
            record = {"epoch": epoch, "loss": running / n, "lr": optimizer.lr,
                      "seconds": time.perf_counter() - start}
            record["train_loss"], record["train_acc"] = self.evaluate(x, y)
            if x_val is not None and len(x_val):
                record["val_loss"], record["val_acc"] = self.evaluate(np.asarray(x_val, self.dtype), y_val)
            history.append(record)
            if on_epoch is not None:
                on_epoch(record)
        optimizer.lr = base_lr
        return history

    # -- saving (npz + json, never pickle)
    def save(self, path: str | Path, extra: dict | None = None) -> tuple[Path, Path]:
        """Write ``path.npz`` (the weights) and ``path.json`` (architecture + ``extra``)."""
        path = Path(path).with_suffix("")
        arrays = {f"W{i}": w for i, w in enumerate(self.W)} | {f"b{i}": b for i, b in enumerate(self.b)}
        npz = path.with_suffix(".npz")
        with cli.atomic_path(npz) as tmp:
            np.savez(tmp, **arrays)
        meta = {"sizes": self.sizes, "activation": self.activation, "output": self.output, "init": self.init,
                "dtype": self.dtype.name, **(extra or {})}
        meta_path = cli.save_text(path.with_suffix(".json"), json.dumps(meta, indent=2) + "\n")
        return npz, meta_path

    @classmethod
    def load(cls, path: str | Path, reference: bool = False) -> tuple[MLP, dict]:
        """Inverse of :meth:`save`: (model, metadata). Raises UserError on missing/corrupt files."""
        path = Path(path).with_suffix("")
        try:
            meta = json.loads(path.with_suffix(".json").read_text())
            model = cls(meta["sizes"], meta["activation"], meta["output"], meta.get("init", "auto"),
                        np.dtype(meta.get("dtype", "float32")), reference=reference)
            with np.load(path.with_suffix(".npz"), allow_pickle=False) as data:
                for i in range(len(model.W)):
                    model.W[i][...] = data[f"W{i}"]
                    model.b[i][...] = data[f"b{i}"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise cli.UserError(f"cannot load model {path}(.npz/.json): {exc}") from None
        return model, meta


# ----------------------------------------------------------------------------- optimisers
class SGD:
    """v = mu v - lr g;  w += v  (plain SGD when momentum = 0). Works in place on flat arrays.

    ``reference=True`` takes each step with the textbook :func:`sgd_step` instead.
    """

    def __init__(self, lr: float = 0.05, momentum: float = 0.9, reference: bool = False):
        self.lr, self.momentum, self.reference = lr, momentum, bool(reference)
        self.velocity = None

    def step(self, params: np.ndarray, grads: np.ndarray) -> None:
        if self.velocity is None:
            self.velocity = np.zeros_like(params)
        if self.reference:
            new_params, self.velocity = sgd_step(params, grads, self.velocity, self.lr, self.momentum)
            params[...] = new_params                     # the model's W and b are views of params
            return
        v = self.velocity
        v *= self.momentum
        v -= self.lr * grads
        params += v


class Adam:
    """Adam (Kingma & Ba) with PyTorch's arithmetic, in place on flat arrays, buffers preallocated.

    ``reference=True`` takes each step with the textbook :func:`adam_step` instead.
    """

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
                 reference: bool = False):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.reference = bool(reference)
        self.m = self.v = self.tmp = None
        self.t = 0

    def step(self, params: np.ndarray, grads: np.ndarray) -> None:
        if self.reference:
            if self.m is None:
                self.m, self.v = np.zeros_like(params), np.zeros_like(params)
            self.t += 1
            new_params, self.m, self.v = adam_step(params, grads, self.m, self.v, self.t,
                                                   self.lr, self.beta1, self.beta2, self.eps)
            params[...] = new_params                     # the model's W and b are views of params
            return
        if self.m is None:
            self.m, self.v, self.tmp = (np.zeros_like(params) for _ in range(3))
        self.t += 1
        m, v, tmp = self.m, self.v, self.tmp
        b1, b2 = self.beta1, self.beta2
        m *= b1                                      # m = b1 m + (1 - b1) g
        np.multiply(grads, 1 - b1, out=tmp)
        m += tmp
        v *= b2                                      # v = b2 v + (1 - b2) g^2
        np.multiply(grads, grads, out=tmp)
        tmp *= 1 - b2
        v += tmp
        bias1, bias2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        np.sqrt(v, out=tmp)                          # denom = sqrt(v) / sqrt(1 - b2^t) + eps
        tmp *= 1 / math.sqrt(bias2)
        tmp += self.eps
        np.divide(m, tmp, out=tmp)                   # w -= lr / (1 - b1^t) * m / denom
        tmp *= self.lr / bias1
        params -= tmp


def make_optimizer(name: str, lr: float | None = None, momentum: float = 0.9, reference: bool = False):
    """"adam" (lr 1e-3 unless given) or "sgd" (lr 0.05); ``reference`` picks the textbook tier."""
    if name == "adam":
        return Adam(lr if lr is not None else 1e-3, reference=reference)
    if name == "sgd":
        return SGD(lr if lr is not None else 0.05, momentum, reference=reference)
    raise ValueError(f"unknown optimizer {name!r}")


# ----------------------------------------------------------------------------- gradient check
def numerical_gradient(model: MLP, x: np.ndarray, y: np.ndarray, index: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences dL/dparams[i] for the flat indices ``index`` (float64 model expected)."""
    out = np.empty(len(index))
    for k, i in enumerate(index):
        old = model.params[i]
        model.params[i] = old + eps
        plus = model.loss(model.forward(x), y)
        model.params[i] = old - eps
        minus = model.loss(model.forward(x), y)
        model.params[i] = old
        out[k] = (plus - minus) / (2 * eps)
    return out


def gradient_check(model: MLP, x: np.ndarray, y: np.ndarray, per_array: int | None = None,
                   eps: float = 1e-6, seed: int = 0) -> list[tuple[str, float]]:
    """Compare backprop with central differences in float64, per parameter array.

    Checks every entry of each W_l / b_l, or ``per_array`` random entries of it. Returns
    [(name, relative error)] with relative error = ||a - n|| / (||a|| + ||n||) (0 when both are 0).
    """
    m = model.copy(np.float64)
    x = np.asarray(x, dtype=np.float64)
    m.loss(m.forward(x), y)
    m.backward(y)
    analytic = m.grads.copy()
    rng = np.random.default_rng(seed)
    results, start = [], 0
    for layer in range(len(m.W)):
        for name, arr in ((f"W{layer + 1}", m.W[layer]), (f"b{layer + 1}", m.b[layer])):
            idx = np.arange(start, start + arr.size)
            if per_array is not None and arr.size > per_array:
                idx = np.sort(rng.choice(idx, per_array, replace=False))
            num = numerical_gradient(m, x, y, idx, eps)
            ana = analytic[idx]
            denom = np.linalg.norm(ana) + np.linalg.norm(num)
            results.append((name, float(np.linalg.norm(ana - num) / denom) if denom > 0 else 0.0))
            start += arr.size
    return results


# ----------------------------------------------------------------------------- the perceptron (M6)
GATES = {
    "and": np.array([0, 0, 0, 1]),
    "or": np.array([0, 1, 1, 1]),
    "xor": np.array([0, 1, 1, 0]),
}
GATE_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def perceptron_step(w: np.ndarray, b: float, x: np.ndarray, y: np.ndarray, lr: float) -> dict:
    """One gradient-descent step of a single sigmoid neuron on a full batch, every quantity kept.

    x (n, 2), y (n,) 0/1, w (2,). Forward z = x w + b, p = sigmoid(z); loss = BCE;
    dL/dz = (p - y)/n, dL/dw = x^T dL/dz, dL/db = sum dL/dz; update w -= lr dL/dw, b -= lr dL/db.
    """
    z = x @ w + b
    p = 1 / (1 + np.exp(-z))
    loss = float(np.mean(np.logaddexp(0, z) - y * z))
    dz = (p - y) / len(y)
    dw, db = x.T @ dz, float(dz.sum())
    return {"z": z, "p": p, "loss": loss, "dz": dz, "dw": dw, "db": db,
            "w_new": w - lr * dw, "b_new": b - lr * db}


def train_perceptron(gate: str, steps: int = 2000, lr: float = 1.0, seed: int = 0):
    """Train one neuron on a logic gate; returns (w, b, records of every step)."""
    y = GATES[gate].astype(float)
    rng = np.random.default_rng(seed)
    w, b = rng.normal(0, 0.5, 2), 0.0
    records = []
    for _ in range(steps):
        rec = perceptron_step(w, b, GATE_X, y, lr)
        records.append(rec)
        w, b = rec["w_new"], rec["b_new"]
    return w, b, records


def train_xor_mlp(steps: int = 1000, lr: float = 0.5, seed: int = 0, restarts: int = 10):
    """A 2-2-1 MLP (tanh hidden, sigmoid output) trained full-batch with momentum SGD on XOR.

    With only two hidden units, gradient descent lands in a local minimum (one point wrong) from
    roughly 4 in 10 random starts, so a run that does not fit all four points is restarted from a
    new initialisation. Returns (model, losses of the kept run, attempts used).
    """
    y = GATES["xor"]
    for attempt in range(1, restarts + 1):
        model = MLP([2, 2, 1], activation="tanh", output="sigmoid", dtype=np.float64, seed=seed + attempt - 1)
        opt = SGD(lr, momentum=0.9)
        losses = [model.train_step(GATE_X, y, opt) for _ in range(steps)]
        if np.all(model.predict(GATE_X) == y) and losses[-1] < 0.1:
            break
    return model, losses, attempt


# ----------------------------------------------------------------------------- data
def random_shift(x: np.ndarray, rng: np.random.Generator, max_shift: int = 2, fill: float = 0.0,
                 side: int = 28) -> np.ndarray:
    """Data augmentation: move each (side*side,) image by its own random (dy, dx) in
    [-max_shift, max_shift] pixels, filling the uncovered border with ``fill``. (n, side^2) -> same.
    """
    n, s = len(x), max_shift
    padded = np.full((n, side + 2 * s, side + 2 * s), fill, dtype=x.dtype)
    padded[:, s:s + side, s:s + side] = x.reshape(n, side, side)
    dy, dx = rng.integers(0, 2 * s + 1, (2, n))
    rows = (dy[:, None] + np.arange(side))[:, :, None]          # (n, side, 1)
    cols = (dx[:, None] + np.arange(side))[:, None, :]          # (n, 1, side)
    return padded[np.arange(n)[:, None, None], rows, cols].reshape(n, side * side)


def prepare_images(data, val: int, limit: int | None = None):
    """Flatten to (n, 784) float32 in [0, 1], standardise with the training mean/std, split off
    the last ``val`` training images for validation. Returns (xtr, ytr, xval, yval, xte, yte, stats)."""
    x = data.x_train.reshape(len(data.x_train), -1)
    y = data.y_train.astype(np.int64)
    if limit is not None:
        x, y = x[:limit], y[:limit]
    if val >= len(x):
        raise cli.UserError(f"--val {val} leaves no training images (only {len(x)} available)")
    xtr, ytr, xval, yval = x[:len(x) - val], y[:len(x) - val], x[len(x) - val:], y[len(x) - val:]
    mean = float(xtr.mean() / 255.0)
    std = float(xtr.std() / 255.0)

    def norm(a):
        out = a.astype(np.float32)
        out *= 1 / (255.0 * std)
        out -= mean / std
        return out

    xte = data.x_test.reshape(len(data.x_test), -1)
    return (norm(xtr), ytr, norm(xval), yval, norm(xte), data.y_test.astype(np.int64),
            {"mean": mean, "std": std})


# ----------------------------------------------------------------------------- figures
def plot_digit_grid(images: np.ndarray, titles: list[str], path: Path, title: str, color: str = "black") -> Path:
    """Up to 36 28x28 images as one 6x6 mosaic (one axes: fast to draw) with a caption above each."""
    cell, cols = 28 + 12, 6                                   # 12 px of white above each digit for its caption
    rows = max(1, -(-len(images) // cols))
    mosaic = np.zeros((rows * cell, cols * cell), dtype=float)
    for k, img in enumerate(images):
        r, c = divmod(k, cols)
        mosaic[r * cell + 12:r * cell + 40, c * cell + 6:c * cell + 34] = img.reshape(28, 28)
    fig, ax = plotting.figure(figsize=(7.5, 1.3 * rows + 0.6))
    ax.imshow(mosaic, cmap="gray_r", interpolation="nearest")
    for k, text in enumerate(titles[:len(images)]):
        r, c = divmod(k, cols)
        ax.text(c * cell + 20, r * cell + 6, text, ha="center", va="center", fontsize=7.5, color=color)
    ax.set_axis_off()
    ax.set_title(title)
    plotting.save(fig, path)
    return path


def plot_curves(history: list[dict], path: Path, dataset: str) -> Path:
    epochs = [h["epoch"] for h in history]
    fig, (ax1, ax2) = plotting.figure(1, 2, figsize=(11, 4.2))
    ax1.plot(epochs, [h["loss"] for h in history], "o-", label="train (running mean over the epoch)")
    if "val_loss" in history[0]:
        ax1.plot(epochs, [h["val_loss"] for h in history], "s-", label="validation")
    ax1.set(xlabel="epoch", ylabel="cross-entropy loss", title=f"Loss ({dataset})", yscale="log")
    ax1.legend()
    ax2.plot(epochs, [100 * h["train_acc"] for h in history], "o-", label="train")
    if "val_acc" in history[0]:
        ax2.plot(epochs, [100 * h["val_acc"] for h in history], "s-", label="validation")
    ax2.set(xlabel="epoch", ylabel="accuracy (%)", title="Accuracy")
    ax2.legend()
    for ax in (ax1, ax2):
        ax.xaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    plotting.save(fig, path)
    return path


def plot_boundary(ax, predict_proba, y: np.ndarray, title: str) -> None:
    """Probability map, the p = 0.5 decision boundary and the four gate points."""
    g = np.linspace(-0.5, 1.5, 201)
    gx, gy = np.meshgrid(g, g)
    p = predict_proba(np.c_[gx.ravel(), gy.ravel()]).reshape(gx.shape)
    ax.contourf(gx, gy, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
    if np.ptp(p) > 0.02:
        ax.contour(gx, gy, p, levels=[0.5], colors="k", linewidths=2)
    else:  # a flat p = 0.5 map: the best the neuron could do was give up
        ax.text(0.5, -0.35, f"p = {p.mean():.2f} everywhere: no line works", ha="center", fontsize=9)
    for label, marker in ((0, "o"), (1, "s")):
        pts = GATE_X[y == label]
        ax.scatter(pts[:, 0], pts[:, 1], s=160, marker=marker, c="white" if label == 0 else "black",
                   edgecolors="k", linewidths=1.5, label=f"target {label}", zorder=3)
    ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), xlabel="x1", ylabel="x2", title=title, aspect="equal")
    ax.legend(loc="upper left", fontsize=8)


# ----------------------------------------------------------------------------- CLI
def _fmt_vec(v) -> str:
    return "[" + ", ".join(f"{x:+.4f}" for x in np.atleast_1d(v)) + "]"


def explain_step(step: int, w: np.ndarray, b: float, rec: dict, y: np.ndarray, lr: float) -> str:
    """The four mathematical steps of one update, with the numbers."""
    lines = [f"--- step {step} ---",
             f"  forward:  z = X w + b with w = {_fmt_vec(w)}, b = {b:+.4f}",
             f"            z = {_fmt_vec(rec['z'])}",
             f"            p = sigmoid(z) = {_fmt_vec(rec['p'])}   (targets {y.astype(int).tolist()})",
             f"  loss:     L = mean(-y log p - (1 - y) log(1 - p)) = {rec['loss']:.4f}",
             f"  gradient: dL/dz = (p - y)/n = {_fmt_vec(rec['dz'])}",
             f"            dL/dw = X^T dL/dz = {_fmt_vec(rec['dw'])},  dL/db = sum dL/dz = {rec['db']:+.4f}",
             f"  update:   w <- w - {lr:g} dL/dw = {_fmt_vec(rec['w_new'])},  "
             f"b <- b - {lr:g} dL/db = {rec['b_new']:+.4f}"]
    return "\n".join(lines)


def run_perceptron(args, out: Path) -> int:
    gate = args.perceptron
    y = GATES[gate]
    print(f"=== Perceptron: learning {gate.upper()} ===\n")
    print("One neuron: p = sigmoid(w1 x1 + w2 x2 + b), trained by gradient descent on cross-entropy.")
    print(f"Steps: {args.steps}, learning rate: {args.lr if args.lr else 1.0:g}\n")
    lr = args.lr if args.lr is not None else 1.0
    w, b, records = train_perceptron(gate, steps=args.steps, lr=lr, seed=args.seed)
    if args.explain:
        w0 = np.random.default_rng(args.seed).normal(0, 0.5, 2)
        ws = [(w0, 0.0)] + [(r["w_new"], r["b_new"]) for r in records]
        for s in range(min(args.explain, len(records))):
            print(explain_step(s + 1, ws[s][0], ws[s][1], records[s], y, lr))
        print()
    for s in sorted({1, 10, 100, 1000, args.steps} & set(range(1, args.steps + 1))):
        print(f"  Step {s:5d}: Loss = {records[s - 1]['loss']:.4f}")
    p = 1 / (1 + np.exp(-(GATE_X @ w + b)))
    pred = (p >= 0.5).astype(int)
    acc = float(np.mean(pred == y))
    print(f"\nLearned: w = {_fmt_vec(w)}, b = {b:+.4f}")
    print("Truth table:  x1 x2 | target | p      | predicted")
    for (x1, x2), t, pi, yi in zip(GATE_X.astype(int), y, p, pred):
        print(f"              {x1}  {x2} |   {t}    | {pi:.3f}  | {yi}")
    print(f"Perceptron accuracy on {gate.upper()}: {100 * acc:.0f}%")
    plotting.setup(args.no_show)
    if gate == "xor":
        print("XOR is not linearly separable: no single line splits {(0,1),(1,0)} from {(0,0),(1,1)},")
        print("so one neuron cannot reach 100% (at best 3 of 4 points).")
        mlp, losses, attempts = train_xor_mlp(seed=args.seed)
        mlp_acc = float(np.mean(mlp.predict(GATE_X) == y))
        print("\nAdding a hidden layer: 2 -> 2 (tanh) -> 1 (sigmoid), momentum SGD, 1000 steps")
        if attempts > 1:
            print(f"  ({attempts - 1} random start(s) ended in a local minimum and were restarted)")
        print(f"  Final loss = {losses[-1]:.4f}, MLP accuracy on XOR: {100 * mlp_acc:.0f}%")
        fig, (ax1, ax2) = plotting.figure(1, 2, figsize=(11, 5))
        plot_boundary(ax1, lambda g: 1 / (1 + np.exp(-(g @ w + b))), y, f"Perceptron on XOR: {100 * acc:.0f}%")
        plot_boundary(ax2, lambda g: mlp.forward(g)[:, 0], y, f"2-2-1 MLP on XOR: {100 * mlp_acc:.0f}%")
    else:
        fig, ax1 = plotting.figure(figsize=(5.5, 5))
        plot_boundary(ax1, lambda g: 1 / (1 + np.exp(-(g @ w + b))), y,
                      f"Perceptron on {gate.upper()}: {100 * acc:.0f}%")
    fig.tight_layout()
    path = plotting.save(fig, out / f"perceptron_{gate}.png")
    print(f"\nSaved decision boundary: {path}")
    plotting.show()
    return 0


def run_mlp(args, out: Path) -> int:
    from common import datasets

    name = args.dataset or args.command or "mnist"
    data = datasets.load(name)
    layers = args.layers
    if layers[0] != 784 or layers[-1] != len(data.classes):
        raise cli.UserError(f"--layers must start with 784 (pixels) and end with {len(data.classes)} (classes), "
                            f"got {','.join(map(str, layers))}")
    if not all(1 <= n <= 4096 for n in layers[1:-1]):
        raise cli.UserError(f"every hidden layer needs 1 to 4096 units, got {','.join(map(str, layers))}")
    xtr, ytr, xval, yval, xte, yte, stats = prepare_images(data, args.val, args.limit)
    model = MLP(layers, activation=args.activation, output="softmax", init=args.init, seed=args.seed,
                reference=args.reference)
    opt = make_optimizer(args.optimizer, args.lr, args.momentum, reference=args.reference)
    title = "Fashion-MNIST" if name == "fashion-mnist" else "MNIST"

    print("=== Neural Network from Scratch ===\n")
    print("Architecture: " + " → ".join(map(str, layers)))
    print(f"Activation: {args.activation.capitalize() if args.activation != 'relu' else 'ReLU'} (hidden), "
          "Softmax (output)")
    print(f"Total parameters: {model.n_params:,}")
    print(f"Init: {model.init}, optimizer: {args.optimizer} (lr {opt.lr:g}, cosine decay), batch size {args.batch_size}"
          + (f", random shifts of up to {args.shift} px" if args.shift else ""))
    if args.reference:
        step = "adam_step" if args.optimizer == "adam" else "sgd_step"
        print(f"Implementation: textbook tier (mlp_forward, mlp_backward, {step}: the math as written, "
              "slower than the default)")
    print(f"\nTraining on {title} ({len(xtr) + len(xval):,} images: {len(xtr):,} train, {len(xval):,} validation)...")

    guessing = math.log(len(data.classes))                       # the loss of a uniform prediction

    def log(rec):
        # diverged: the weights overflowed, or the loss is far worse than guessing (ln K for K
        # classes); stop with an error before anything is saved
        finite = math.isfinite(rec["loss"]) and all(np.isfinite(w).all() for w in model.W)
        if not finite or rec["loss"] > 2 * guessing:
            raise cli.UserError(f"training diverged: loss {rec['loss']:.4g} after epoch {rec['epoch']}, worse than "
                                f"guessing ({guessing:.2f}); lower --lr (it is {opt.lr:g})")
        val = f", Val Acc = {100 * rec['val_acc']:.1f}%" if "val_acc" in rec else ""
        print(f"  Epoch {rec['epoch']}: Loss = {rec['loss']:.4f}, Train Acc = {100 * rec['train_acc']:.1f}%{val}"
              f"  ({rec['seconds']:.1f}s)", flush=True)

    augment = None
    if args.shift:
        fill = -stats["mean"] / stats["std"]                      # the standardised white background

        def augment(xb, rng):
            return random_shift(xb, rng, args.shift, fill)
    start = time.perf_counter()
    with one_blas_thread(), np.errstate(over="ignore", invalid="ignore"):   # log() checks every epoch
        history = model.fit(xtr, ytr, epochs=args.epochs, optimizer=opt, batch_size=args.batch_size,
                            x_val=xval, y_val=yval, seed=args.seed, on_epoch=log, progress=True, augment=augment)
    train_s = time.perf_counter() - start
    pred = model.predict(xte)
    test_acc = float(np.mean(pred == yte))
    print(f"\nTest Accuracy: {100 * test_acc:.2f}%  ({len(yte):,} test images, trained in {train_s:.0f}s)")

    plotting.setup(args.no_show)
    classes = list(data.classes)
    raw = data.x_test
    good = np.flatnonzero(pred == yte)[:36]
    bad = np.flatnonzero(pred != yte)[:36]
    plot_digit_grid(raw[good], [f"pred {classes[pred[i]]}" for i in good], out / "correct.png",
                    f"Correctly classified ({title} test set)")
    plot_digit_grid(raw[bad], [f"pred {classes[pred[i]]} / true {classes[yte[i]]}" for i in bad],
                    out / "misclassified.png", f"Misclassified: first {len(bad)} of {int(np.sum(pred != yte)):,}"
                    f" ({len(yte):,} test images)", color="#d62728")
    plot_curves(history, out / "training_curves.png", title)
    print(f"[Saved grid of correctly classified digits: {out / 'correct.png'}]")
    print(f"[Saved misclassified examples with predictions: {out / 'misclassified.png'}]")
    print(f"[Saved loss and accuracy curves: {out / 'training_curves.png'}]")

    with one_blas_thread():
        fwd, bwd = time_passes(model, xtr, ytr, args.batch_size)
    print(f"\nForward pass time: {fwd:.6f}s  (one batch of {args.batch_size}, median of 50)")
    print(f"Backprop time: {bwd:.6f}s")

    # 8 misclassified + 8 random test images: a confident net has tiny gradients on easy images,
    # where finite-difference round-off (~1e-16 L / eps) would dominate the comparison
    rng = np.random.default_rng(args.seed)
    wrong = np.flatnonzero(pred != yte)
    idx = np.r_[rng.choice(wrong, min(8, len(wrong)), replace=False), rng.choice(len(xte), 8, replace=False)]
    errors = gradient_check(model, xte[idx], yte[idx], per_array=20, seed=args.seed)
    worst = max(errors, key=lambda e: e[1])
    ok = worst[1] < 1e-6
    print(f"\nGradient check: {'PASSED' if ok else 'FAILED'} (numerical vs analytical gradient, float64; "
          f"max relative error {worst[1]:.1e} in {worst[0]}, {len(errors)} parameter arrays)")
    npz, meta = model.save(out / "model", {"dataset": name, "classes": classes, "normalize": stats,
                                           "test_accuracy": test_acc, "epochs": args.epochs})
    print(f"Weights saved: {npz} (+ {meta.name})")
    plotting.show()
    return 0 if ok else 1


def one_blas_thread():
    """Run BLAS single-threaded when threadpoolctl is installed (a no-op otherwise).

    Batch-64 matrix products are too small to gain from threads, and on a busy machine idle
    BLAS threads spin and stall each other (measured here: 10x slower per epoch with 2 threads).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def time_passes(model: MLP, x: np.ndarray, y: np.ndarray, batch: int, repeats: int = 50) -> tuple[float, float]:
    """Median seconds of one forward and one backward pass on a batch."""
    xb, yb = x[:batch], y[:batch]
    fwd, bwd = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        model.forward(xb)
        t1 = time.perf_counter()
        model.backward(yb)
        t2 = time.perf_counter()
        fwd.append(t1 - t0)
        bwd.append(t2 - t1)
    return float(np.median(fwd)), float(np.median(bwd))


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser(__doc__, prog="phase4_ml/neural_network.py")
    parser.add_argument("command", nargs="?", choices=["mnist", "fashion-mnist"],
                        help="dataset to train the MLP on (default mnist)")
    parser.add_argument("--dataset", choices=["mnist", "fashion-mnist"], help="same as the positional dataset")
    parser.add_argument("--perceptron", choices=sorted(GATES), help="train one neuron on a logic gate instead")
    parser.add_argument("--explain", type=int, nargs="?", const=3, default=0, metavar="N",
                        help="with --perceptron: print forward, loss, gradient and update for the first N steps (3)")
    parser.add_argument("--steps", type=cli.positive_int, default=2000, help="perceptron training steps (2000)")
    parser.add_argument("--layers", type=cli.int_list, default=[784, 128, 64, 10], help="sizes (784,128,64,10)")
    parser.add_argument("--activation", choices=sorted(ACTIVATIONS), default="relu", help="hidden activation")
    parser.add_argument("--init", choices=["auto", "he", "xavier"], default="auto",
                        help="weight init (auto: He for ReLU, Xavier otherwise)")
    parser.add_argument("--optimizer", choices=["adam", "sgd"], default="adam", help="adam or sgd (with momentum)")
    parser.add_argument("--lr", type=cli.positive_float, default=None, help="learning rate (adam 1e-3, sgd 0.05)")
    parser.add_argument("--momentum", type=cli.finite_float, default=0.9, help="SGD momentum (0.9)")
    parser.add_argument("--epochs", type=cli.positive_int, default=20, help="training epochs (20)")
    parser.add_argument("--batch-size", type=cli.positive_int, default=64, help="mini-batch size (64)")
    parser.add_argument("--shift", type=int, default=1, choices=range(0, 4), metavar="{0..3}",
                        help="augment: move each training image by up to this many pixels (1; 0 = off)")
    parser.add_argument("--val", type=int, default=5000, help="training images held out for validation (5000)")
    parser.add_argument("--limit", type=cli.positive_int, default=None, help="use only the first N training images")
    parser.add_argument("--reference", action="store_true",
                        help="run the textbook (reference) implementation instead of the fast one "
                             "(the perceptron is always the plain version)")
    args = parser.parse_args(argv)
    if not 0 <= args.momentum < 1:
        raise cli.UserError(f"--momentum must be in [0, 1), got {args.momentum:g}")
    if args.val < 0:
        raise cli.UserError(f"--val must be >= 0, got {args.val}")
    if args.explain < 0:
        raise cli.UserError("--explain takes a number of steps >= 0")
    if args.dataset and args.command and args.dataset != args.command:
        raise cli.UserError(f"two different datasets given: {args.command} and --dataset {args.dataset}")
    out = cli.out_dir(args, "neural_network")
    if args.perceptron:
        return run_perceptron(args, out)
    return run_mlp(args, out)


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
