"""Adversarial attacks (Boss mode): fool our own minigrad MNIST classifier, then defend it.

A trained network is a differentiable function of its INPUT as well as its weights, so the
same backward pass that trains it tells us how to change a picture to raise the loss:

  FGSM (fast gradient sign):  x' = clip(x + eps * sign(dL/dx), 0, 1)
      one step to the corner of the L-infinity ball ||x' - x||_inf <= eps that, to first
      order, increases the loss the most.
  PGD (projected gradient descent): start at a random point of the ball, then repeat
      x' = clip(Proj_ball(x' + alpha * sign(dL/dx')), 0, 1)   (a stronger, iterative FGSM).

  Adversarial training (Goodfellow et al. 2015): train on 0.5 * L(x) + 0.5 * L(FGSM(x)), so the
  network learns to be flat in the directions the attack uses.

Every pixel moves by at most eps (0.1 = 10% of the grey range) and the digit still looks the
same to a person, yet the undefended model is fooled most of the time.

Examples:
  python phase5_capstone/adversarial.py
  python phase5_capstone/adversarial.py --model cnn --epochs 1 --test-limit 1000
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

import minigrad as mg
from common import cli, plotting
from phase5_capstone.train_mnist import load_images, make_model

DEFAULT_EPS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)


# ----------------------------------------------------------------------------- attacks
def input_gradient(model: mg.Module, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """dL/dx of the mean cross-entropy for a batch x (N, ...) with labels y (N,). Weights untouched.

    The same backward pass that trains the network, asked for another gradient: make x a tensor
    that requires gradients, compute L = cross_entropy(model(x), y), call backward, and read x's
    ``.grad`` (an array shaped like x). The backward pass also filled the weights' ``.grad``;
    reset those to None, so that the next optimizer step does not use them.
    """
    xt = mg.Tensor(x, requires_grad=True)
    loss = mg.cross_entropy(model(xt), y)
    loss.backward()
    for p in model.parameters():   # the weights' gradients were a by-product; drop them
        p.grad = None
    return xt.grad


def fgsm(model: mg.Module, x: np.ndarray, y: np.ndarray, eps: float) -> np.ndarray:
    """Fast gradient sign method: x' = clip(x + eps * sign(dL/dx), 0, 1), one step per pixel.

    x (N, C, H, W) float32 images in [0, 1], y (N,) labels -> x' with x's shape and dtype. Every
    pixel moves by exactly eps (or less, where the clip to the valid range [0, 1] stops it) in
    the direction that raises the loss, so ||x' - x||_inf <= eps. With eps = 0, x comes back.
    """
    if eps == 0:
        return x
    return np.clip(x + eps * np.sign(input_gradient(model, x, y)), 0.0, 1.0).astype(x.dtype)


def pgd(model: mg.Module, x: np.ndarray, y: np.ndarray, eps: float, steps: int = 10,
        alpha: float | None = None, rng: np.random.Generator | None = None) -> np.ndarray:
    """Projected gradient descent in the L-inf ball of radius eps, from a random start.

    x (N, C, H, W) images in [0, 1], y (N,) labels -> adversarial images, x's shape and dtype.
    Start at x + uniform(-eps, eps) noise (clipped to [0, 1]), then ``steps`` times:

        x' = x' + alpha * sign(dL/dx')           an FGSM step of size alpha (default 2.5 eps / steps)
        x' = clip(x', x - eps, x + eps)          project back into the ball around the ORIGINAL x
        x' = clip(x', 0, 1)                      and into the valid pixel range

    With eps = 0, x comes back. ``rng`` draws the start (default: a generator seeded with 0).
    """
    if eps == 0:
        return x
    rng = rng or np.random.default_rng(0)
    alpha = alpha if alpha is not None else 2.5 * eps / steps
    adv = np.clip(x + rng.uniform(-eps, eps, x.shape).astype(x.dtype), 0.0, 1.0)
    for _ in range(steps):
        adv = adv + alpha * np.sign(input_gradient(model, adv, y))
        adv = np.clip(np.clip(adv, x - eps, x + eps), 0.0, 1.0).astype(x.dtype)
    return adv


def predict(model: mg.Module, x: np.ndarray, batch: int = 1000) -> np.ndarray:
    with mg.no_grad():
        return np.concatenate([model(mg.Tensor(x[i:i + batch])).data.argmax(1) for i in range(0, len(x), batch)])


def attacked_accuracy(model: mg.Module, x: np.ndarray, y: np.ndarray, eps: float, attack: str = "fgsm",
                      batch: int = 500, pgd_steps: int = 10) -> float:
    """Accuracy of ``model`` on the attacked versions of x (batched)."""
    correct = 0
    for i in range(0, len(x), batch):
        xb, yb = x[i:i + batch], y[i:i + batch]
        adv = fgsm(model, xb, yb, eps) if attack == "fgsm" else pgd(model, xb, yb, eps, pgd_steps)
        correct += int((predict(model, adv) == yb).sum())
    return correct / len(x)


# ----------------------------------------------------------------------------- training
def training_loss(model: mg.Module, xb: np.ndarray, yb: np.ndarray, adv_eps: float = 0.0) -> mg.Tensor:
    """The loss one training batch is trained on (a scalar Tensor, ready for ``backward()``).

    xb (N, C, H, W) images in [0, 1], yb (N,) labels. Plain training (``adv_eps`` = 0) uses the
    mean cross-entropy L(x). Adversarial training (Goodfellow et al. 2015) attacks the batch
    with the model as it is now and trains on both versions, half and half:

        x_adv = FGSM(x, adv_eps) = clip(x + adv_eps * sign(dL/dx), 0, 1)
        loss  = 0.5 * L(x) + 0.5 * L(x_adv)

    The attack is made before this loss is built, and it is a fixed input (a NumPy array): the
    gradient flows into the weights through both terms, never back through the attack.
    """
    if adv_eps:
        xb_adv = fgsm(model, xb, yb, adv_eps)
        return 0.5 * mg.cross_entropy(model(mg.Tensor(xb)), yb) \
            + 0.5 * mg.cross_entropy(model(mg.Tensor(xb_adv)), yb)
    return mg.cross_entropy(model(mg.Tensor(xb)), yb)


def train_model(kind: str, x: np.ndarray, y: np.ndarray, epochs: int, seed: int, adv_eps: float = 0.0,
                batch_size: int = 64, lr: float = 1e-3) -> mg.Module:
    """Train a minigrad model with Adam; with ``adv_eps`` > 0 each batch is half clean, half FGSM."""
    from tqdm import tqdm

    mg.manual_seed(seed)
    model = make_model(mg, kind, x.shape[1:])
    opt = mg.Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        desc = f"{'adversarial ' if adv_eps else ''}training epoch {epoch + 1}/{epochs}"
        for i in tqdm(range(0, len(x), batch_size), desc=desc, leave=False, disable=None):
            xb, yb = x[order[i:i + batch_size]], y[order[i:i + batch_size]]
            loss = training_loss(model, xb, yb, adv_eps)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model.eval()


# ----------------------------------------------------------------------------- figures
def plot_curves(eps: list[float], table: dict[str, list[float]], path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig, ax = plotting.figure(figsize=(7, 4.5))
    styles = {"undefended FGSM": "o-", "undefended PGD": "o--", "adv-trained FGSM": "s-", "adv-trained PGD": "s--"}
    for name, accs in table.items():
        ax.plot(eps, 100 * np.array(accs), styles.get(name, "o-"), label=name)
    ax.set(xlabel="epsilon (max change per pixel, pixels in [0, 1])", ylabel="test accuracy (%)",
           title="accuracy under attack", ylim=(0, 100))
    ax.axvline(0.1, color="grey", lw=0.8, ls=":")
    ax.legend()
    plotting.save(fig, path, dpi=110)
    plt.close(fig)
    return path


def plot_examples(x: np.ndarray, x_adv: np.ndarray, y: np.ndarray, pred_clean: np.ndarray,
                  pred_adv: np.ndarray, eps: float, path: Path, n: int = 8) -> Path:
    """Rows: original (clean prediction), perturbation (x' - x), adversarial (its prediction)."""
    import matplotlib.pyplot as plt

    n = min(n, len(x))                                            # --test-limit may leave fewer images
    fig, axes = plotting.figure(3, n, figsize=(1.5 * n, 5), squeeze=False)      # (3, n) even for n = 1
    for j in range(n):
        for ax in axes[:, j]:
            ax.axis("off")
        axes[0, j].imshow(x[j, 0], cmap="gray", vmin=0, vmax=1)
        axes[0, j].set_title(f"label {y[j]} -> {pred_clean[j]}", fontsize=8)
        axes[1, j].imshow(x_adv[j, 0] - x[j, 0], cmap="bwr", vmin=-eps, vmax=eps)
        axes[2, j].imshow(x_adv[j, 0], cmap="gray", vmin=0, vmax=1)
        color = "red" if pred_adv[j] != y[j] else "green"
        axes[2, j].set_title(f"predicted {pred_adv[j]}", fontsize=8, color=color)
    axes[0, 0].text(-4, 14, "original", rotation=90, va="center", ha="right", fontsize=9)
    axes[1, 0].text(-4, 14, "perturbation", rotation=90, va="center", ha="right", fontsize=9)
    axes[2, 0].text(-4, 14, "adversarial", rotation=90, va="center", ha="right", fontsize=9)
    fig.suptitle(f"FGSM, eps = {eps}: every pixel changes by at most {eps}")
    plotting.save(fig, path, dpi=110)
    plt.close(fig)
    return path


# ----------------------------------------------------------------------------- CLI
def _eps_list(text: str) -> list[float]:
    values = [cli.finite_float(v) for v in text.split(",") if v.strip()]
    if not values or any(not 0 <= v <= 1 for v in values):
        import argparse

        raise argparse.ArgumentTypeError(f"expected comma-separated epsilons in [0, 1], got {text!r}")
    return values


def main(argv=None) -> int:
    parser = cli.make_parser(__doc__, prog="phase5_capstone/adversarial.py")
    parser.add_argument("--model", choices=("mlp", "cnn"), default="mlp")
    parser.add_argument("--dataset", choices=("mnist", "fashion-mnist"), default="mnist")
    parser.add_argument("--epochs", type=cli.positive_int, default=3, help="training epochs for each model")
    parser.add_argument("--eps", type=_eps_list, default=list(DEFAULT_EPS), help="comma-separated epsilons")
    parser.add_argument("--train-eps", type=cli.positive_float, default=0.1,
                        help="FGSM epsilon used during adversarial training (default 0.1)")
    parser.add_argument("--pgd-steps", type=cli.positive_int, default=10)
    parser.add_argument("--train-limit", type=cli.positive_int, default=None)
    parser.add_argument("--test-limit", type=cli.positive_int, default=2000,
                        help="attack the first N test images (default 2000)")
    args = parser.parse_args(argv)

    x, y, x_test, y_test, _ = load_images(args.dataset)
    x, y = x[:args.train_limit], y[:args.train_limit]
    x_test, y_test = x_test[:args.test_limit], y_test[:args.test_limit]
    out = cli.out_dir(args, "adversarial")
    plotting.setup(args.no_show)

    print(f"=== Adversarial attacks on our minigrad {args.model.upper()} ({args.dataset}) ===")
    print(f"train {len(x)} images, {args.epochs} epochs; attack the first {len(x_test)} test images")
    # small MLP products run best on one BLAS thread (idle threads only spin on a busy machine)
    limiter = mg.threads.blas_threads(1 if args.model == "mlp" else None)
    limiter.__enter__()
    start = time.perf_counter()
    plain = train_model(args.model, x, y, args.epochs, args.seed)
    print(f"undefended model: clean test accuracy {100 * np.mean(predict(plain, x_test) == y_test):.2f}% "
          f"({time.perf_counter() - start:.0f} s)")
    start = time.perf_counter()
    robust = train_model(args.model, x, y, args.epochs, args.seed, adv_eps=args.train_eps)
    print(f"adversarially trained (FGSM eps={args.train_eps}): clean test accuracy "
          f"{100 * np.mean(predict(robust, x_test) == y_test):.2f}% ({time.perf_counter() - start:.0f} s)")

    table: dict[str, list[float]] = {}
    for label, model in (("undefended", plain), ("adv-trained", robust)):
        table[f"{label} FGSM"] = [attacked_accuracy(model, x_test, y_test, e, "fgsm") for e in args.eps]
        table[f"{label} PGD"] = [attacked_accuracy(model, x_test, y_test, e, "pgd", pgd_steps=args.pgd_steps)
                                 for e in args.eps]

    print(f"\nAccuracy (%) under attack, PGD = {args.pgd_steps} steps from a random start")
    print(f"{'epsilon':>8} " + " ".join(f"{name:>17}" for name in table))
    for i, e in enumerate(args.eps):
        print(f"{e:>8.2f} " + " ".join(f"{100 * accs[i]:>17.2f}" for accs in table.values()))
    if 0.1 in args.eps:
        i = args.eps.index(0.1)
        print(f"\nFGSM eps=0.1: undefended {100 * table['undefended FGSM'][i]:.2f}% -> "
              f"adversarially trained {100 * table['adv-trained FGSM'][i]:.2f}%")

    show_eps = 0.1 if 0.1 in args.eps else max(args.eps)
    xs, ys = x_test[:8], y_test[:8]
    adv = fgsm(plain, xs, ys, show_eps)
    files = [plot_curves(args.eps, table, out / f"accuracy_vs_eps_{args.model}.png"),
             plot_examples(xs, adv, ys, predict(plain, xs), predict(plain, adv), show_eps,
                           out / f"examples_{args.model}.png")]
    print("Saved: " + ", ".join(str(f) for f in files))
    limiter.__exit__(None, None, None)
    if not args.no_show:
        plotting.show()
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
