"""Backpropagation visualiser: watch gradients flow backward through a small network as it trains.

A 2-D binary classification problem (XOR, circles, moons or a spiral, generated) is learned by the
hand-written MLP of project 17 (phase4_ml/neural_network.py). The window shows

* the network: edge width = |w|, edge colour = |dL/dw| of the last step, node colour = the
  node's mean activation over the data set;
* the loss curve, the per-layer gradient norms ||dL/dW_l|| (log scale) and the decision regions.

Why sigmoid nets stall: backprop multiplies by f'(z) once per layer,
    delta_{l-1} = (delta_l W_l^T) * f'(z_{l-1}),   sigmoid' = a (1 - a) <= 1/4,
so after k sigmoid layers the gradient has shrunk by up to 4^-k (vanishing gradients), while
ReLU' = 1 on the active units passes it through unchanged.

Keys: SPACE one training step, r run/pause, 1/2/3 Sigmoid/ReLU/Tanh, + / - add/remove a hidden
layer, n / m add/remove a neuron in every hidden layer. Buttons do the same. Hover over a node for
its activation, its gradient and its layer's statistics.

    python phase4_ml/backprop_viz.py                                   # the interactive window
    python phase4_ml/backprop_viz.py --dataset spiral --layers 2,16,16,1 --activation tanh
    python phase4_ml/backprop_viz.py --headless --steps 200            # frames + GIF, no window
    python phase4_ml/backprop_viz.py --headless --steps 1 --layers 2,8,8,8,8,8,1 --activation sigmoid
"""

from __future__ import annotations

import numpy as np

from common import cli, plotting
from phase4_ml.neural_network import MLP, SGD

DATASETS = ("xor", "circles", "moons", "spiral")
ACTIVATION_LABELS = {"sigmoid": "Sigmoid", "relu": "ReLU", "tanh": "Tanh"}


# ----------------------------------------------------------------------------- data
def make_dataset(name: str, n: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(x (n, 2) float64, y (n,) int 0/1) for one of :data:`DATASETS`, roughly in [-1.5, 1.5]^2."""
    rng = np.random.default_rng(seed)
    half = n // 2
    if name == "xor":
        x = rng.uniform(-1, 1, (n, 2))
        y = (x[:, 0] * x[:, 1] < 0).astype(np.int64)
    elif name == "circles":
        angle = rng.uniform(0, 2 * np.pi, n)
        y = (np.arange(n) >= half).astype(np.int64)
        radius = np.where(y == 1, 0.5, 1.0)
        x = radius[:, None] * np.c_[np.cos(angle), np.sin(angle)]
    elif name == "moons":
        t = rng.uniform(0, np.pi, n)
        y = (np.arange(n) >= half).astype(np.int64)
        upper = np.c_[np.cos(t), np.sin(t)]
        lower = np.c_[1 - np.cos(t), 0.5 - np.sin(t)]
        x = np.where(y[:, None] == 0, upper, lower) - [0.5, 0.25]
    elif name == "spiral":
        t = rng.uniform(0.25, 1, n) * 3 * np.pi
        y = (np.arange(n) >= half).astype(np.int64)
        angle = t + np.pi * y
        x = (t / (3 * np.pi))[:, None] * np.c_[np.cos(angle), np.sin(angle)] * 1.4
    else:
        raise ValueError(f"unknown dataset {name!r}; choose from {DATASETS}")
    x = x + rng.normal(0, noise * (0.5 if name == "spiral" else 1.0), x.shape)
    return x, y


# ----------------------------------------------------------------------------- the trainer (core)
class Trainer:
    """A network, its data, its optimiser and its history; everything the window draws.

    Changing the architecture or activation builds a fresh network (same seed) and clears the
    loss history. ``sizes`` always starts with 2 inputs and ends with 1 sigmoid output.
    """

    def __init__(self, sizes=(2, 4, 4, 1), activation: str = "tanh", dataset: str = "xor",
                 lr: float = 0.1, momentum: float = 0.9, n: int = 200, seed: int = 0):
        self.x, self.y = make_dataset(dataset, n, seed=seed)
        self.dataset, self.lr, self.momentum, self.seed = dataset, lr, momentum, seed
        self.build(list(sizes), activation)

    def build(self, sizes: list[int], activation: str) -> None:
        if sizes[0] != 2 or sizes[-1] != 1 or len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes must be 2, ..., 1 with every layer >= 1, got {sizes}")
        self.model = MLP(sizes, activation=activation, output="sigmoid", dtype=np.float64, seed=self.seed)
        self.optimizer = SGD(self.lr, self.momentum)
        self.losses: list[float] = []
        self.steps = 0
        self.refresh()

    def refresh(self) -> None:
        """Forward + backward on the whole data set without updating: fresh activations and gradients."""
        self.loss = self.model.loss_and_grad(self.x, self.y)
        self.acts = [a.copy() for a in self.model._acts]

    def step(self, n: int = 1) -> float:
        """``n`` full-batch training steps; afterwards acts/grads describe the current weights.

        One step: forward and backward on the whole data set (``self.model.loss_and_grad(x, y)``
        fills ``self.model.grads``), one optimiser update (``self.optimizer.step(params, grads)``),
        then :meth:`refresh` so that the activations and gradients shown belong to the new
        weights. Each step adds 1 to ``self.steps`` and appends the new loss to ``self.losses``.
        Returns the loss after the last step.
        """
        for _ in range(n):
            self.model.loss_and_grad(self.x, self.y)
            self.optimizer.step(self.model.params, self.model.grads)
            self.steps += 1
            self.refresh()
            self.losses.append(self.loss)
        return self.loss

    # -- architecture edits
    @property
    def sizes(self) -> list[int]:
        return list(self.model.sizes)

    @property
    def activation(self) -> str:
        return self.model.activation

    def set_activation(self, activation: str) -> None:
        self.build(self.sizes, activation)

    def add_layer(self) -> None:
        """One more hidden layer, just before the output, as wide as the last hidden layer (4 if
        there is none): [2, 4, 3, 1] -> [2, 4, 3, 3, 1], [2, 1] -> [2, 4, 1]. The network is rebuilt
        (:meth:`build`, same activation): fresh weights, no history."""
        sizes = self.sizes
        self.build(sizes[:-1] + [sizes[-2] if len(sizes) > 2 else 4] + sizes[-1:], self.activation)

    def remove_layer(self) -> None:
        if len(self.sizes) > 2:
            self.build(self.sizes[:-2] + self.sizes[-1:], self.activation)

    def add_neuron(self) -> None:
        sizes = self.sizes
        self.build([sizes[0]] + [s + 1 for s in sizes[1:-1]] + [sizes[-1]], self.activation)

    def remove_neuron(self) -> None:
        sizes = self.sizes
        self.build([sizes[0]] + [max(1, s - 1) for s in sizes[1:-1]] + [sizes[-1]], self.activation)

    # -- what the window shows
    def gradient_norms(self) -> np.ndarray:
        """||dL/dW_l||_F for every weight layer l = 1..L (shape (L,)), layer 1 nearest the input.

        ``self.model.dW`` holds the gradient of the loss for each weight matrix, in the order of
        the layers (dW[0] is (2, hidden 1)); the Frobenius norm is the square root of the sum of
        the squared entries. Example: a gradient [[3, 0], [0, 4]] has norm 5.
        """
        return np.array([np.linalg.norm(g) for g in self.model.dW])

    def accuracy(self) -> float:
        return float(np.mean((self.acts[-1][:, 0] >= 0.5) == self.y))

    def node_info(self, layer: int, unit: int) -> dict:
        """Activation and gradient of one node (layer 0 = inputs) and its layer's statistics.

        Always: "layer", "unit", and "act_mean", "act_std" of the node's activation over the data
        set (``self.acts[layer][:, unit]``, acts[0] being the inputs). For layer >= 1 also "grad":
        dL/db of the node (the sum over the batch of dL/dz, ``self.model.db[layer - 1][unit]``),
        "w_mean_abs": mean |W| of the weights into its layer, "grad_norm": ||dL/dW|| of those
        weights, and "layer_act_mean": the mean activation of the whole layer. Weight layer l - 1
        feeds node layer l: the lists of weights start at the first hidden layer.
        """
        a = self.acts[layer][:, unit]
        info = {"layer": layer, "unit": unit, "act_mean": float(a.mean()), "act_std": float(a.std())}
        if layer > 0:
            info["grad"] = float(self.model.db[layer - 1][unit])   # dL/db = sum over the batch of dL/dz
            info["w_mean_abs"] = float(np.abs(self.model.W[layer - 1]).mean())
            info["grad_norm"] = float(np.linalg.norm(self.model.dW[layer - 1]))
            info["layer_act_mean"] = float(self.acts[layer].mean())
        return info


def describe_node(info: dict, activation: str) -> str:
    if info["layer"] == 0:
        return f"input x{info['unit'] + 1}\nvalue: mean {info['act_mean']:+.3f}, std {info['act_std']:.3f}"
    return (f"layer {info['layer']}, neuron {info['unit'] + 1} ({activation})\n"
            f"activation: mean {info['act_mean']:+.3f}, std {info['act_std']:.3f}\n"
            f"gradient dL/db: {info['grad']:+.2e}\n"
            f"layer: mean |W| {info['w_mean_abs']:.3f}, ||dL/dW|| {info['grad_norm']:.2e},\n"
            f"       mean activation {info['layer_act_mean']:+.3f}")


def format_gradient_norms(norms: np.ndarray) -> str:
    """The gradient norms per layer as text, with the ratio first / last and a verdict.

    One line per layer ("  layer 1: 2.345e-03"), then "  first / last = 1.00e-04  (vanishing
    gradients)": the ratio of the first layer's norm to the last one's (inf when the last is 0) is
    below 1e-2 for vanishing gradients, else the flow is called healthy.
    """
    lines = ["Gradient norm per layer ||dL/dW||:"]
    lines += [f"  layer {i + 1}: {g:.3e}" for i, g in enumerate(norms)]
    ratio = norms[0] / norms[-1] if norms[-1] > 0 else float("inf")
    verdict = "vanishing gradients" if ratio < 1e-2 else "healthy gradient flow"
    lines.append(f"  first / last = {ratio:.2e}  ({verdict})")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- the window
class Visualizer:
    """Matplotlib figure bound to a :class:`Trainer`; all interaction goes through :meth:`on_key`,
    :meth:`on_move` and the widget callbacks, so tests can drive it with synthetic events."""

    def __init__(self, trainer: Trainer):
        import matplotlib.pyplot as plt
        from matplotlib.widgets import Button, RadioButtons

        self.t = trainer
        self.fig = plt.figure(figsize=(14, 8))
        plotting.fit_to_screen(self.fig)           # 14 x 8 in is 1400 x 800 px: shrunk to fit 1280 x 800
        self.ax_net = self.fig.add_axes((0.02, 0.17, 0.56, 0.76))
        self.ax_loss = self.fig.add_axes((0.64, 0.70, 0.33, 0.24))
        self.ax_grad = self.fig.add_axes((0.64, 0.38, 0.33, 0.22))
        self.ax_data = self.fig.add_axes((0.66, 0.03, 0.28, 0.27))
        self.radio = RadioButtons(self.fig.add_axes((0.02, 0.02, 0.09, 0.12)), list(ACTIVATION_LABELS.values()),
                                  active=list(ACTIVATION_LABELS).index(trainer.activation))
        self.radio.on_clicked(lambda label: self.set_activation(label.lower()))
        self.buttons = {}
        actions = [("step", self.step), ("run / pause", self.toggle_run),
                   ("+ layer", self.t.add_layer), ("- layer", self.t.remove_layer),
                   ("+ neuron", self.t.add_neuron), ("- neuron", self.t.remove_neuron)]
        for k, (label, fn) in enumerate(actions):
            button = Button(self.fig.add_axes((0.13 + 0.075 * k, 0.05, 0.07, 0.05)), label)
            edit = label not in ("step", "run / pause")
            button.on_clicked(lambda _event, fn=fn, edit=edit: self._edited(fn) if edit else fn())
            self.buttons[label] = button
        self.hover = self.ax_net.annotate("", (0, 0), xytext=(12, 12), textcoords="offset points", fontsize=8,
                                          bbox={"boxstyle": "round", "fc": "lightyellow", "alpha": 0.95},
                                          zorder=10, visible=False)
        self.running = False
        self.timer = self.fig.canvas.new_timer(interval=60)
        self.timer.add_callback(self._tick)
        self.fig.canvas.mpl_connect("key_press_event", self.on_key)
        self.fig.canvas.mpl_connect("motion_notify_event", self.on_move)
        self.redraw()

    # -- actions
    def step(self, n: int = 1) -> None:
        self.t.step(n)
        self.redraw()

    def set_activation(self, activation: str) -> None:
        if activation != self.t.activation:
            self.t.set_activation(activation)
            self.redraw()

    def _edited(self, fn) -> None:
        fn()
        self.redraw()

    def toggle_run(self) -> None:
        self.running = not self.running
        (self.timer.start if self.running else self.timer.stop)()

    def _tick(self) -> None:
        if self.running:
            self.step(5)

    def on_key(self, event) -> None:
        key = event.key
        if key in (" ", "space"):
            self.step()
        elif key == "r":
            self.toggle_run()
        elif key in ("1", "2", "3"):
            label = list(ACTIVATION_LABELS.values())[int(key) - 1]
            self.radio.set_active(list(ACTIVATION_LABELS.values()).index(label))  # fires set_activation
        elif key in ("+", "="):
            self._edited(self.t.add_layer)
        elif key == "-":
            self._edited(self.t.remove_layer)
        elif key == "n":
            self._edited(self.t.add_neuron)
        elif key == "m":
            self._edited(self.t.remove_neuron)

    def on_move(self, event) -> None:
        if event.inaxes is not self.ax_net or event.xdata is None:
            if self.hover.get_visible():
                self.hover.set_visible(False)
                self.fig.canvas.draw_idle()
            return
        pos = self.node_xy
        d = np.hypot(pos[:, 0] - event.xdata, pos[:, 1] - event.ydata)
        k = int(np.argmin(d))
        if d[k] > 0.12:
            self.hover.set_visible(False)
        else:
            layer, unit = self.node_ids[k]
            self.hover.xy = tuple(pos[k])
            self.hover.set_text(describe_node(self.t.node_info(layer, unit), self.t.activation))
            self.hover.set_visible(True)
        self.fig.canvas.draw_idle()

    # -- drawing
    def layout(self) -> tuple[np.ndarray, list[tuple[int, int]]]:
        """Node positions (N, 2): layer l at x = l, units spread over y in [-1, 1]."""
        xy, ids = [], []
        for layer, size in enumerate(self.t.sizes):
            ys = np.linspace(1, -1, size) if size > 1 else np.zeros(1)
            ys = ys * min(1.0, 0.18 * (size - 1)) if size > 1 else ys
            for unit, yv in enumerate(ys):
                xy.append((layer, yv))
                ids.append((layer, unit))
        return np.array(xy, dtype=float), ids

    def redraw(self) -> None:
        import matplotlib as mpl
        from matplotlib.collections import LineCollection

        t, model = self.t, self.t.model
        self.node_xy, self.node_ids = self.layout()
        where = {ids: k for k, ids in enumerate(self.node_ids)}
        ax = self.ax_net
        ax.clear()
        segments, widths, grads = [], [], []
        for layer, (w, dw) in enumerate(zip(model.W, model.dW)):
            i, o = np.meshgrid(np.arange(w.shape[0]), np.arange(w.shape[1]), indexing="ij")
            a = self.node_xy[[where[(layer, u)] for u in i.ravel()]]
            b = self.node_xy[[where[(layer + 1, u)] for u in o.ravel()]]
            segments += list(np.stack([a, b], axis=1))
            widths.append(np.abs(w).ravel())
            grads.append(np.abs(dw).ravel())
        widths, grads = np.concatenate(widths), np.concatenate(grads)
        gnorm = mpl.colors.LogNorm(vmin=max(grads.max() * 1e-4, 1e-12), vmax=max(grads.max(), 1e-11))
        self.edges = LineCollection(segments, linewidths=0.4 + 4 * widths / max(widths.max(), 1e-12),
                                    colors=mpl.colormaps["inferno_r"](gnorm(np.maximum(grads, 1e-300))), alpha=0.8)
        ax.add_collection(self.edges)
        acts = np.concatenate([t.acts[layer].mean(axis=0) for layer in range(len(t.sizes))])
        self.nodes = ax.scatter(self.node_xy[:, 0], self.node_xy[:, 1], s=420, c=acts, cmap="coolwarm",
                                vmin=-1, vmax=1, edgecolors="k", zorder=3)
        for layer, size in enumerate(t.sizes):
            name = "input" if layer == 0 else ("output" if layer == len(t.sizes) - 1 else f"hidden {layer}")
            ax.text(layer, -1.2, f"{name}\n({size})", ha="center", va="top", fontsize=9)
        ax.set(xlim=(-0.5, len(t.sizes) - 0.5), ylim=(-1.45, 1.2), xticks=[], yticks=[])
        ax.grid(False)
        for spine in ax.spines.values():
            spine.set_visible(False)
        arch = " → ".join(map(str, t.sizes))
        ax.set_title(f"Network {arch}  ({ACTIVATION_LABELS[t.activation]}, {t.dataset})   step {t.steps}, "
                     f"loss {t.loss:.4f}, accuracy {100 * t.accuracy():.0f}%\n"
                     "edge width = |w|, edge colour = |dL/dw| (dark = large), node colour = mean activation",
                     fontsize=10)
        ax.add_artist(self.hover)

        self.ax_loss.clear()
        self.ax_loss.plot(range(1, len(t.losses) + 1), t.losses, color="#1f77b4",
                          marker="o" if len(t.losses) < 30 else None, markersize=3)
        self.ax_loss.set(title="Loss (binary cross-entropy)", xlabel="step", yscale="log" if t.losses else "linear")

        norms = t.gradient_norms()
        self.ax_grad.clear()
        self.grad_bars = self.ax_grad.bar(np.arange(1, len(norms) + 1), np.maximum(norms, 1e-300), color="#d62728")
        self.ax_grad.set(yscale="log", xlabel="weight layer (1 = nearest the input)", ylabel="||dL/dW||",
                         xticks=np.arange(1, len(norms) + 1))
        ratio = norms[0] / norms[-1] if norms[-1] > 0 else float("inf")
        self.ax_grad.set_title(f"Gradient norm per layer (first/last = {ratio:.1e})")

        ax = self.ax_data
        ax.clear()
        g = np.linspace(-1.6, 1.6, 80)
        gx, gy = np.meshgrid(g, g)
        p = model.forward(np.c_[gx.ravel(), gy.ravel()])[:, 0].reshape(gx.shape)
        model._acts = []
        ax.contourf(gx, gy, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.5)
        ax.scatter(t.x[:, 0], t.x[:, 1], c=t.y, cmap="RdBu_r", s=8, edgecolors="k", linewidths=0.3)
        ax.set(xlim=(-1.6, 1.6), ylim=(-1.6, 1.6), xticks=[], yticks=[], title="Decision regions")
        self.fig.canvas.draw_idle()


# ----------------------------------------------------------------------------- CLI
def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser(__doc__, prog="phase4_ml/backprop_viz.py")
    parser.add_argument("--dataset", choices=DATASETS, default="xor", help="generated 2-D data set (xor)")
    parser.add_argument("--layers", type=cli.int_list, default=[2, 4, 4, 1], help="sizes, 2,...,1 (2,4,4,1)")
    parser.add_argument("--activation", choices=sorted(ACTIVATION_LABELS), default="tanh", help="hidden activation")
    parser.add_argument("--lr", type=cli.positive_float, default=0.1, help="SGD learning rate (0.1)")
    parser.add_argument("--points", type=cli.positive_int, default=200, help="data points (200)")
    parser.add_argument("--headless", action="store_true", help="no window: train, save frames and a GIF")
    parser.add_argument("--steps", type=cli.positive_int, default=200, help="headless training steps (200)")
    parser.add_argument("--frames", type=cli.positive_int, default=20, help="GIF frames in headless mode (20)")
    args = parser.parse_args(argv)
    sizes = args.layers
    if len(sizes) < 2 or sizes[0] != 2 or sizes[-1] != 1 or min(sizes) < 1:
        raise cli.UserError(f"--layers must start with 2 (inputs) and end with 1 (output), sizes >= 1; "
                            f"got {','.join(map(str, sizes))}")
    if len(sizes) > 12 or max(sizes) > 32:
        raise cli.UserError("--layers: at most 10 hidden layers of at most 32 neurons (it has to fit on screen)")
    out = cli.out_dir(args, "backprop_viz")
    show = plotting.setup(args.no_show or args.headless)
    trainer = Trainer(sizes, args.activation, args.dataset, lr=args.lr, n=args.points, seed=args.seed)
    print("=== Backpropagation Visualizer ===\n")
    print("Network: " + " → ".join(map(str, sizes)))
    print(f"Activation: {ACTIVATION_LABELS[args.activation]} (hidden), Sigmoid (output); data: {args.dataset}, "
          f"{args.points} points; SGD lr {args.lr:g}, momentum 0.9")
    print(f"Initial loss: {trainer.loss:.4f}\n")
    print("Before training:")
    print(format_gradient_norms(trainer.gradient_norms()) + "\n")
    viz = Visualizer(trainer)
    if show:
        print("SPACE: one training step, r: run/pause, 1/2/3: Sigmoid/ReLU/Tanh, +/-: layer, n/m: neuron.")
        print("Hover over a node to see its activation, gradient and layer statistics.")
        plotting.show()
        return 0
    frames = [plotting.fig_to_array(viz.fig)]
    marks = np.unique(np.linspace(0, args.steps, args.frames + 1).round().astype(int))[1:]
    done = 0
    for mark in marks:
        viz.step(int(mark - done))
        done = int(mark)
        frames.append(plotting.fig_to_array(viz.fig))
    print(f"After {trainer.steps} steps: loss {trainer.loss:.4f}, accuracy {100 * trainer.accuracy():.1f}%")
    print(format_gradient_norms(trainer.gradient_norms()))
    png = plotting.save(viz.fig, out / "backprop_viz.png")
    gif = plotting.save_gif(frames, out / "backprop_viz.gif", fps=4)
    print(f"\nSaved {png} and {gif} ({len(frames)} frames)")
    plotting.show()
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
