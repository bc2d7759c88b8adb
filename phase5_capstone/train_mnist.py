"""Train an MLP or a CNN on MNIST / Fashion-MNIST / CIFAR-10 with minigrad or with real PyTorch.

Milestone 7 (an MLP with curves) and Milestone 9 (a CNN, its feature maps, >90% accuracy). The
SAME model definition (`make_model`) is built from either `minigrad` or `torch.nn`, because
minigrad copies PyTorch's layer names; only the few lines that move numbers in and out differ.

The maths being trained:
  MLP  logits = W3 relu(W2 relu(W1 x + b1) + b2) + b3
  CNN  conv(3x3) -> relu -> maxpool(2) -> conv(3x3) -> relu -> maxpool(2) -> linear -> relu -> linear
       where a convolution is a sum of products over a small window:
       out[o, i, j] = b[o] + sum_{c,u,v} w[o, c, u, v] * x[c, i + u, j + v]
  loss = cross entropy = mean_n (log sum_c e^{z_nc} - z_{n, y_n}), minimised with Adam, the
       learning rate decaying along a cosine from lr to lr/20 over the epochs.

Examples:
  python phase5_capstone/train_mnist.py --model mlp
  python phase5_capstone/train_mnist.py --model cnn
  python phase5_capstone/train_mnist.py --model cnn --reference   (the textbook conv2d: same maths, slower)
  python phase5_capstone/train_mnist.py --model cnn --backend torch --dataset fashion-mnist
  python phase5_capstone/train_mnist.py --model cnn --dataset fashion-mnist --width 32 --epochs 8   (92.42%)
  python phase5_capstone/train_mnist.py --model cnn --dataset cifar-10   (download-only data)
"""

from __future__ import annotations

import json
import math
import pickle
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from common import cli, datasets, plotting

DATASETS = ("mnist", "fashion-mnist", "cifar-10")


# ----------------------------------------------------------------------------- data
def load_images(name: str):
    """(x_train, y_train, x_test, y_test, classes): float32 images (N, C, H, W) in [0, 1], int64 labels.

    ``name`` is a registry name or a path to ``cifar-10-python.tar.gz`` in the official format.
    """
    if name.endswith(".tar.gz"):
        path = Path(name)
        if not path.is_file():
            raise cli.UserError(f"no such file: {name}")
        try:
            data = datasets.load_cifar_tarball(path)
        except (OSError, EOFError, ValueError, KeyError, tarfile.TarError, pickle.UnpicklingError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise cli.UserError(f"{name} is not a CIFAR-10 python tarball ({reason})") from None
    elif name in DATASETS:
        data = datasets.load(name)
    else:
        raise cli.UserError(f"unknown dataset {name!r}; choose {', '.join(DATASETS)} or a cifar-10 .tar.gz path")

    def prep(x):
        x = x.astype(np.float32) / 255.0
        return x[:, None] if x.ndim == 3 else np.ascontiguousarray(x.transpose(0, 3, 1, 2))

    return (prep(data.x_train), data.y_train.astype(np.int64), prep(data.x_test),
            data.y_test.astype(np.int64), tuple(data.classes))


# ----------------------------------------------------------------------------- the model
def make_model(nn, kind: str, in_shape: tuple = (1, 28, 28), classes: int = 10, width: int = 16):
    """The network, built from ``nn`` = ``minigrad`` or ``torch.nn`` (same class names).

    mlp: flatten -> 256 -> 128 -> classes. cnn: two 3x3 conv blocks (width, 2*width channels,
    'same' padding, 2x2 max pooling) -> 128 -> classes.
    """
    c, h, w = in_shape
    if kind == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(c * h * w, 256), nn.ReLU(),
                             nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, classes))
    if kind == "cnn":
        return nn.Sequential(
            nn.Conv2d(c, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(2 * width * (h // 4) * (w // 4), 128), nn.ReLU(), nn.Linear(128, classes))
    raise ValueError(f"unknown model kind {kind!r}")


class MinigradBackend:
    """Moves numbers in and out of minigrad and runs one training step."""

    name = "minigrad"

    def __init__(self, seed: int, reference: bool = False):
        import minigrad

        self.mg = minigrad
        self.reference = reference
        minigrad.manual_seed(seed)

    def build(self, kind, in_shape, classes, lr, width=16):
        self.model = make_model(self.mg, kind, in_shape, classes, width)
        if self.reference:   # the textbook conv2d (a sum over kernel offsets, left to autograd)
            for layer in self.model:
                if isinstance(layer, self.mg.Conv2d):
                    layer.fused = False
        self.opt = self.mg.Adam(self.model.parameters(), lr=lr)
        return self.model

    def step(self, xb: np.ndarray, yb: np.ndarray) -> tuple[float, int]:
        """One Adam step on a batch, data-parallel: each thread (one per core, or as limited by
        ``minigrad.threads.blas_threads``) runs forward and backward on its share of the batch and
        the gradients add up in the parameters. Returns (mean loss, correct predictions).

        xb (B, C, H, W) float32, yb (B,) labels. Written plainly, one step is: logits =
        model(Tensor(xb)) (B, classes); loss = cross_entropy(logits, yb); optimizer.zero_grad();
        loss.backward(); optimizer.step(); return (loss.item(), how many argmax(logits) == yb).
        Clear the old gradients before the backward pass: they would add up otherwise.
        """
        correct = []

        def loss_of(rows):
            logits = self.model(self.mg.Tensor(xb[rows]))
            correct.append(int((logits.data.argmax(axis=1) == yb[rows]).sum()))
            return self.mg.cross_entropy(logits, yb[rows])

        self.opt.zero_grad()
        loss = self.mg.threads.data_parallel(loss_of, len(xb))
        self.opt.step()
        return loss, sum(correct)

    def logits(self, xb: np.ndarray) -> np.ndarray:
        with self.mg.no_grad():
            return self.model(self.mg.Tensor(xb)).numpy()

    def train_mode(self, on: bool) -> None:
        self.model.train(on)

    def set_lr(self, lr: float) -> None:
        self.opt.lr = lr

    def layer_outputs(self, x: np.ndarray) -> list[np.ndarray]:
        with self.mg.no_grad():
            outs, t = [], self.mg.Tensor(x)
            for layer in self.model:
                t = layer(t)
                outs.append(t.numpy())
        return outs

    def first_conv_weights(self) -> np.ndarray:
        return self.model[0].weight.numpy()

    def save(self, path: Path) -> None:
        self.model.save(path)


class TorchBackend(MinigradBackend):
    """The same steps in real PyTorch (CPU), for comparison."""

    name = "torch"

    def __init__(self, seed: int):
        try:
            import torch
        except ImportError:
            raise cli.UserError("--backend torch needs PyTorch: pip install torch") from None
        self.torch = torch
        torch.manual_seed(seed)

    def build(self, kind, in_shape, classes, lr, width=16):
        self.model = make_model(self.torch.nn, kind, in_shape, classes, width)
        self.opt = self.torch.optim.Adam(self.model.parameters(), lr=lr)
        return self.model

    def step(self, xb, yb):
        torch = self.torch
        y = torch.from_numpy(yb)
        logits = self.model(torch.from_numpy(xb))
        loss = torch.nn.functional.cross_entropy(logits, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item(), int((logits.argmax(1) == y).sum())

    def set_lr(self, lr: float) -> None:
        for group in self.opt.param_groups:
            group["lr"] = lr

    def logits(self, xb):
        with self.torch.no_grad():
            return self.model(self.torch.from_numpy(xb)).numpy()

    def layer_outputs(self, x):
        with self.torch.no_grad():
            outs, t = [], self.torch.from_numpy(x)
            for layer in self.model:
                t = layer(t)
                outs.append(t.numpy())
        return outs

    def first_conv_weights(self):
        return self.model[0].weight.detach().numpy()

    def save(self, path: Path) -> None:
        arrays = {k: v.numpy() for k, v in self.model.state_dict().items()}
        with cli.atomic_write(path, "wb") as fh:
            np.savez(fh, **arrays)


@dataclass
class History:
    step_loss: list = field(default_factory=list)
    epoch_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    test_acc: list = field(default_factory=list)
    epoch_time: list = field(default_factory=list)


def evaluate(backend, x: np.ndarray, y: np.ndarray, batch: int = 1000) -> float:
    """Accuracy of the backend's model on (x, y), in eval mode, batched.

    The fraction of images whose largest logit is their label: mean over n of
    [argmax_c logits(x_i)_c == y_i], computed ``batch`` images at a time with
    ``backend.logits(xb)`` (N, classes). Switch the model to eval mode first
    (``backend.train_mode(False)``: dropout off, batch norm on its running statistics) and
    back to training mode afterwards.
    """
    backend.train_mode(False)
    correct = sum(int((backend.logits(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum())
                  for i in range(0, len(x), batch))
    backend.train_mode(True)
    return correct / len(x)


def cosine_lr(base: float, epoch: int, epochs: int) -> float:
    """Learning rate for an epoch: cosine decay from base towards base/20 over the run.

    lr(e) = base * (0.05 + 0.95 * (1 + cos(pi * e / epochs)) / 2)   for e = 0, 1, ..., epochs - 1:
    the full base rate in the first epoch (e = 0), then smoothly down towards base / 20.

    >>> [round(cosine_lr(1.0, e, 4), 4) for e in range(4)]
    [1.0, 0.8609, 0.525, 0.1891]
    """
    return base * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * epoch / epochs)))


def train(backend, x, y, x_test, y_test, epochs: int, batch_size: int, seed: int, lr: float,
          on_epoch=None) -> History:
    """Mini-batch training with a seeded shuffle and a cosine learning rate per epoch; returns the curves.

    x (N, C, H, W) float32, y (N,) int labels. One generator ``np.random.default_rng(seed)``
    gives every epoch a fresh order of the N images (``rng.permutation(N)``). Each epoch: set the
    backend's rate to :func:`cosine_lr` (lr, epoch, epochs), walk the shuffled order in batches
    of ``batch_size`` (the last one may be smaller) with ``backend.step(xb, yb)`` -> (mean batch
    loss, correct predictions), and record in the History: every batch loss (step_loss), the
    epoch's mean loss weighted by batch size (epoch_loss), the training accuracy over the epoch
    (train_acc), :func:`evaluate` on the test images (test_acc) and the seconds it took
    (epoch_time). Then call ``on_epoch(epoch, hist)`` if given.
    """
    from tqdm import tqdm

    rng = np.random.default_rng(seed)
    hist = History()
    for epoch in range(epochs):
        backend.set_lr(cosine_lr(lr, epoch, epochs))
        start = time.perf_counter()
        order = rng.permutation(len(x))
        total, correct = 0.0, 0
        bar = tqdm(range(0, len(x), batch_size), desc=f"epoch {epoch + 1}/{epochs}", leave=False, disable=None)
        for i in bar:
            idx = order[i:i + batch_size]
            loss, right = backend.step(x[idx], y[idx])
            hist.step_loss.append(loss)
            total += loss * len(idx)
            correct += right
        hist.epoch_time.append(time.perf_counter() - start)
        hist.epoch_loss.append(total / len(x))
        hist.train_acc.append(correct / len(x))
        hist.test_acc.append(evaluate(backend, x_test, y_test))
        if on_epoch:
            on_epoch(epoch, hist)
    return hist


# ----------------------------------------------------------------------------- figures
def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    plotting.save(fig, path, dpi=110)
    plt.close(fig)
    return path


def plot_curves(hist: History, title: str, path: Path) -> Path:
    fig, (ax1, ax2) = plotting.figure(1, 2, figsize=(11, 4))
    steps = np.arange(1, len(hist.step_loss) + 1)
    per_epoch = len(hist.step_loss) / max(1, len(hist.epoch_loss))
    ax1.plot(steps / per_epoch, hist.step_loss, lw=0.5, alpha=0.4, label="mini-batch loss")
    ax1.plot(np.arange(1, len(hist.epoch_loss) + 1), hist.epoch_loss, "o-", label="epoch mean")
    ax1.set(xlabel="epoch", ylabel="cross-entropy loss", yscale="log", title="loss")
    ax1.legend()
    epochs = np.arange(1, len(hist.test_acc) + 1)
    ax2.plot(epochs, 100 * np.array(hist.train_acc), "o-", label="train (during epoch)")
    ax2.plot(epochs, 100 * np.array(hist.test_acc), "s-", label="test")
    ax2.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy")
    ax2.legend()
    fig.suptitle(title)
    return _save(fig, path)


def plot_filters(weights: np.ndarray, path: Path) -> Path:
    """The first conv layer's k x k filters (first input channel), blue negative / red positive."""
    n = weights.shape[0]
    cols = min(8, n)
    rows = -(-n // cols)
    fig, axes = plotting.figure(rows, cols, figsize=(1.4 * cols, 1.5 * rows + 0.5))
    lim = np.abs(weights).max()
    for i, ax in enumerate(np.atleast_1d(axes).ravel()):
        ax.axis("off")
        if i < n:
            ax.imshow(weights[i, 0], cmap="bwr", vmin=-lim, vmax=lim)
            ax.set_title(f"filter {i}", fontsize=8)
    fig.suptitle("learned 3x3 filters of conv layer 1")
    return _save(fig, path)


def plot_feature_maps(image: np.ndarray, outputs: list[np.ndarray], label: str, path: Path) -> Path:
    """One image and the feature maps after each conv block (relu outputs), up to 8 channels each."""
    maps = [outputs[1][0], outputs[4][0]]      # after conv1+relu, after conv2+relu
    shown = max(2, min(8, maps[0].shape[0], maps[1].shape[0]))
    fig, axes = plotting.figure(3, shown, figsize=(13, 5.5))
    for ax in axes.ravel():
        ax.axis("off")
    img = image[0] if image.shape[0] == 1 else image.transpose(1, 2, 0)
    axes[0, 0].imshow(img, cmap="gray")
    axes[0, 0].set_title(f"input ({label})", fontsize=8)
    for row, (fmap, name) in enumerate(zip(maps, ("conv1", "conv2")), start=1):
        for j in range(min(shown, fmap.shape[0])):
            axes[row, j].imshow(fmap[j], cmap="viridis")
            axes[row, j].set_title(f"{name} ch{j} {fmap.shape[1]}x{fmap.shape[2]}", fontsize=7)
    fig.suptitle("feature maps: each is the input convolved with one filter, then relu")
    return _save(fig, path)


# ----------------------------------------------------------------------------- CLI
def main(argv=None) -> int:
    parser = cli.make_parser(__doc__, prog="phase5_capstone/train_mnist.py")
    parser.add_argument("--model", choices=("mlp", "cnn"), default="mlp")
    parser.add_argument("--backend", choices=("minigrad", "torch"), default="minigrad")
    parser.add_argument("--dataset", default="mnist",
                        help="mnist, fashion-mnist, cifar-10, or a path to cifar-10-python.tar.gz")
    parser.add_argument("--epochs", type=cli.positive_int, default=None,
                        help="passes over the training set (default: mlp 8, cnn 5)")
    parser.add_argument("--batch-size", type=cli.positive_int, default=64)
    parser.add_argument("--lr", type=cli.positive_float, default=1e-3)
    parser.add_argument("--width", type=cli.positive_int, default=16,
                        help="cnn: channels of the first conv block (the second has twice as many; default 16)")
    parser.add_argument("--train-limit", type=cli.positive_int, default=None,
                        help="use only the first N training images (quick runs)")
    parser.add_argument("--test-limit", type=cli.positive_int, default=None,
                        help="evaluate on only the first N test images")
    parser.add_argument("--reference", action="store_true",
                        help="run the textbook (reference) implementation instead of the fast one: the CNN's "
                             "convolutions use the textbook conv2d (the MLP has no second tier, so it is unchanged)")
    args = parser.parse_args(argv)
    if args.reference and args.backend == "torch":
        raise cli.UserError("--reference runs minigrad's textbook conv2d; use it with --backend minigrad")
    epochs = args.epochs or (8 if args.model == "mlp" else 5)

    x, y, x_test, y_test, classes = load_images(args.dataset)
    x, y = x[:args.train_limit], y[:args.train_limit]
    x_test, y_test = x_test[:args.test_limit], y_test[:args.test_limit]
    backend = MinigradBackend(args.seed, args.reference) if args.backend == "minigrad" else TorchBackend(args.seed)
    model = backend.build(args.model, x.shape[1:], len(classes), args.lr, args.width)
    out = cli.out_dir(args, "train_mnist")
    plotting.setup(args.no_show)
    name = Path(args.dataset).name if args.dataset.endswith(".tar.gz") else args.dataset

    n_params = sum(int(np.prod(p.shape)) for p in model.parameters())
    print(f"=== {args.model.upper()} on {name} with {backend.name} ===")
    print(f"train {len(x)} images {x.shape[1:]}, test {len(x_test)}; {n_params:,} parameters")
    print(f"Adam lr={args.lr} (cosine decay per epoch), batch {args.batch_size}, {epochs} epochs, seed {args.seed}")
    if args.model == "cnn" and args.width != 16:
        print(f"CNN width {args.width} (conv channels {args.width} and {2 * args.width})")
    if args.reference:
        print("Convolution: the textbook conv2d (a sum over kernel offsets, gradients by autograd)"
              if args.model == "cnn" else "--reference: the MLP has no second tier, so this run is the usual one")

    def report(epoch, hist):
        print(f"Epoch {epoch}: Loss = {hist.epoch_loss[-1]:.4f}  train acc {100 * hist.train_acc[-1]:.2f}%  "
              f"test acc {100 * hist.test_acc[-1]:.2f}%  ({hist.epoch_time[-1]:.1f} s)", flush=True)

    import minigrad

    # batch-64 MLP products are too small for BLAS threads (they only spin and stall on a busy machine)
    with minigrad.threads.blas_threads(1 if args.model == "mlp" else None):
        hist = train(backend, x, y, x_test, y_test, epochs, args.batch_size, args.seed, args.lr, on_epoch=report)
    total = sum(hist.epoch_time)
    print(f"\nTest accuracy: {100 * hist.test_acc[-1]:.2f}%")
    print(f"Training time: {total:.1f} s ({total / epochs:.1f} s per epoch)")

    stem = f"{args.model}_{name.replace('.tar.gz', '')}_{backend.name}"
    files = [plot_curves(hist, f"{args.model.upper()} on {name} ({backend.name})", out / f"{stem}_curves.png")]
    if args.model == "cnn":
        files.append(plot_filters(backend.first_conv_weights(), out / f"{stem}_filters.png"))
        outputs = backend.layer_outputs(x_test[:1])
        files.append(plot_feature_maps(x_test[0], outputs, classes[y_test[0]], out / f"{stem}_feature_maps.png"))
    backend.save(out / f"{stem}.npz")
    meta = {"model": args.model, "backend": backend.name, "dataset": name, "epochs": epochs,
            "batch_size": args.batch_size, "lr": args.lr, "seed": args.seed, "train_images": len(x),
            "width": args.width, "reference": args.reference,
            "test_accuracy": hist.test_acc[-1], "epoch_loss": hist.epoch_loss, "test_acc": hist.test_acc,
            "epoch_time_s": hist.epoch_time, "in_shape": list(x.shape[1:]), "classes": list(classes)}
    cli.save_text(out / f"{stem}.json", json.dumps(meta, indent=2) + "\n")
    files += [out / f"{stem}.npz", out / f"{stem}.json"]
    print("Saved: " + ", ".join(str(f) for f in files))
    if not args.no_show:
        plotting.show()
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
