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
    delta_{l-1} = (delta_l W_l^T) * f'(z_{l-1}),  f' from the activation a:
        ReLU 1[a > 0],  sigmoid a (1 - a),  tanh 1 - a^2
Initialisation: He N(0, 2/fan_in) for ReLU, Xavier U(+-sqrt(6/(fan_in+fan_out))) for sigmoid/tanh.
Optimisers: SGD with momentum  v = mu v - lr g, w += v;
            Adam  m = b1 m + (1-b1) g,  v = b2 v + (1-b2) g^2,  w -= lr m_hat / (sqrt(v_hat) + eps).
Gradient check: central differences (L(w + eps) - L(w - eps)) / 2 eps in float64, relative error
    ||g_analytic - g_numeric|| / (||g_analytic|| + ||g_numeric||) per parameter array.

    python phase4_ml/neural_network.py mnist                      # 784-128-64-10, 20 epochs, Adam
    python phase4_ml/neural_network.py --dataset fashion-mnist
    python phase4_ml/neural_network.py mnist --layers 784,256,10 --activation tanh --optimizer sgd
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

# ----------------------------------------------------------------------------- activations
# Each activation works in place on z and gives its derivative from its own output a = f(z).


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


ACTIVATIONS = {"relu": (relu_, relu_grad_), "sigmoid": (sigmoid_, sigmoid_grad_), "tanh": (tanh_, tanh_grad_)}
OUTPUTS = ("softmax", "sigmoid", "linear")


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (n, k) scores, shifted by the row max for stability."""
    p = z - z.max(axis=1, keepdims=True)
    np.exp(p, out=p)
    p /= p.sum(axis=1, keepdims=True)
    return p


# ----------------------------------------------------------------------------- the MLP
class MLP:
    """A fully connected network ``sizes[0] -> sizes[1] -> ... -> sizes[-1]``.

    All weights and biases live in one flat vector ``params`` (and the gradients in ``grads``);
    ``W[l]`` (fan_in, fan_out) and ``b[l]`` (fan_out,) are views into it, so an optimiser updates
    every layer with a few whole-array operations.

    ``output``: "softmax" (y: int class labels (n,)), "sigmoid" (y: 0/1 of shape (n,) or (n, 1),
    one output unit) or "linear" (regression with MSE, y: (n,) or (n, k) floats).
    """

    def __init__(self, sizes, activation: str = "relu", output: str = "softmax", init: str = "auto",
                 dtype=np.float32, seed: int = 0):
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

    @property
    def n_params(self) -> int:
        return self.params.size

    def copy(self, dtype=None) -> MLP:
        """An independent copy (optionally in another dtype, e.g. float64 for gradient checks)."""
        other = MLP(self.sizes, self.activation, self.output, self.init, dtype or self.dtype)
        other.params[...] = self.params
        return other

    # -- forward
    def forward(self, x: np.ndarray) -> np.ndarray:
        """(n, sizes[0]) -> (n, sizes[-1]): probabilities (softmax/sigmoid) or values (linear).

        Keeps every layer's activation for :meth:`backward`.
        """
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
                a = softmax(z)
            elif self.output == "sigmoid":
                a = sigmoid_(z)
            else:
                a = z
            acts.append(a)
        self._acts = acts
        return a

    def loss(self, out: np.ndarray, y: np.ndarray) -> float:
        """Mean loss of the forward output ``out`` against targets ``y`` (see the class doc)."""
        n = out.shape[0]
        if self.output == "softmax":
            picked = out[np.arange(n), y]
            return float(-np.mean(np.log(np.maximum(picked, np.finfo(out.dtype).tiny))))
        if self.output == "sigmoid":
            p = np.clip(out.reshape(-1), np.finfo(out.dtype).tiny, 1 - np.finfo(out.dtype).epsneg)
            t = np.asarray(y, dtype=out.dtype).reshape(-1)
            return float(-np.mean(t * np.log(p) + (1 - t) * np.log1p(-p)))
        t = np.asarray(y, dtype=out.dtype).reshape(out.shape)
        return float(np.mean((out - t) ** 2))

    def backward(self, y: np.ndarray) -> None:
        """Fill ``grads`` (dL/dW, dL/db of every layer) for the last :meth:`forward` batch."""
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
        self._acts = []
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
        self._acts = []
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
    def load(cls, path: str | Path) -> tuple[MLP, dict]:
        """Inverse of :meth:`save`: (model, metadata). Raises UserError on missing/corrupt files."""
        path = Path(path).with_suffix("")
        try:
            meta = json.loads(path.with_suffix(".json").read_text())
            model = cls(meta["sizes"], meta["activation"], meta["output"], meta.get("init", "auto"),
                        np.dtype(meta.get("dtype", "float32")))
            with np.load(path.with_suffix(".npz"), allow_pickle=False) as data:
                for i in range(len(model.W)):
                    model.W[i][...] = data[f"W{i}"]
                    model.b[i][...] = data[f"b{i}"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise cli.UserError(f"cannot load model {path}(.npz/.json): {exc}") from None
        return model, meta


# ----------------------------------------------------------------------------- optimisers
class SGD:
    """v = mu v - lr g;  w += v  (plain SGD when momentum = 0). Works in place on flat arrays."""

    def __init__(self, lr: float = 0.05, momentum: float = 0.9):
        self.lr, self.momentum = lr, momentum
        self.velocity = None

    def step(self, params: np.ndarray, grads: np.ndarray) -> None:
        if self.velocity is None:
            self.velocity = np.zeros_like(params)
        v = self.velocity
        v *= self.momentum
        v -= self.lr * grads
        params += v


class Adam:
    """Adam (Kingma & Ba) with PyTorch's arithmetic, in place on flat arrays, buffers preallocated."""

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = self.v = self.tmp = None
        self.t = 0

    def step(self, params: np.ndarray, grads: np.ndarray) -> None:
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


def make_optimizer(name: str, lr: float | None = None, momentum: float = 0.9):
    if name == "adam":
        return Adam(lr if lr is not None else 1e-3)
    if name == "sgd":
        return SGD(lr if lr is not None else 0.05, momentum)
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
    xtr, ytr, xval, yval, xte, yte, stats = prepare_images(data, args.val, args.limit)
    model = MLP(layers, activation=args.activation, output="softmax", init=args.init, seed=args.seed)
    opt = make_optimizer(args.optimizer, args.lr, args.momentum)
    title = "Fashion-MNIST" if name == "fashion-mnist" else "MNIST"

    print("=== Neural Network from Scratch ===\n")
    print("Architecture: " + " → ".join(map(str, layers)))
    print(f"Activation: {args.activation.capitalize() if args.activation != 'relu' else 'ReLU'} (hidden), "
          "Softmax (output)")
    print(f"Total parameters: {model.n_params:,}")
    print(f"Init: {model.init}, optimizer: {args.optimizer} (lr {opt.lr:g}, cosine decay), batch size {args.batch_size}"
          + (f", random shifts of up to {args.shift} px" if args.shift else ""))
    print(f"\nTraining on {title} ({len(xtr) + len(xval):,} images: {len(xtr):,} train, {len(xval):,} validation)...")

    def log(rec):
        val = f", Val Acc = {100 * rec['val_acc']:.1f}%" if "val_acc" in rec else ""
        print(f"  Epoch {rec['epoch']}: Loss = {rec['loss']:.4f}, Train Acc = {100 * rec['train_acc']:.1f}%{val}"
              f"  ({rec['seconds']:.1f}s)", flush=True)

    augment = None
    if args.shift:
        fill = -stats["mean"] / stats["std"]                      # the standardised white background

        def augment(xb, rng):
            return random_shift(xb, rng, args.shift, fill)
    start = time.perf_counter()
    with one_blas_thread():
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
