"""Logistic regression from scratch: sigmoid + cross-entropy (binary) and softmax (multiclass).

Public API. X: (n, d) float, y: (n,) int class indices 0..K-1::

    from phase4_ml.logistic_regression import LogisticRegression, sigmoid, softmax, log_softmax
    model = LogisticRegression(C=1.0, epochs=5000, batch_size=None).fit(X, y)
    model.predict_proba(X) -> (n, K);  model.predict(X) -> (n,);  model.loss(X, y) -> float
    model.coef_ (d,) for 2 classes or (d, K);  model.intercept_;  model.history_ [(epoch, loss, acc)]

Binary (K = 2): p = sigmoid(x.w + b) = 1 / (1 + exp(-(x.w + b))) is P(y = 1 | x).
    Cross-entropy  CE = -[y log p + (1 - y) log(1 - p)] = softplus(z) - y z,  z = x.w + b
    (written with the logit z, so no log of 0 can happen).  dCE/dz = p - y.
Multiclass: P = softmax(X W + b), P_k = exp(z_k) / sum_j exp(z_j).
    CE = -log P_y = logsumexp(z) - z_y, computed as max(z) + log(sum exp(z - max(z))) (stable);
    dCE/dZ = P - onehot(y).
Loss minimised (the same optimum as scikit-learn's LogisticRegression(C)):
    L(W, b) = mean_i CE_i + ||W||^2 / (2 C n)        (C = inverse L2 strength; b not penalised)
    dL/dW = X^T (P - Y) / n + W / (C n),   dL/db = mean(P - Y)
Trained by (mini-)batch gradient descent with step 1 / (an upper bound on the curvature).
"""

from __future__ import annotations

import numpy as np

from common import cli, datasets, metrics, plotting, tabular

# ----------------------------------------------------------------------------- functions


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z), elementwise, without overflow for large |z|: any shape -> the same shape.

    It squashes a logit z (any real number) into a probability in (0, 1): sigmoid(0) = 0.5,
    sigmoid(2) = 0.881, sigmoid(-2) = 0.119 = 1 - sigmoid(2). For z = -1000, e^-z overflows; the
    same value written as e^z / (1 + e^z) does not, so each sign gets the form whose exponent is <= 0.
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))                       # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softplus(z: np.ndarray) -> np.ndarray:
    """log(1 + e^z) = max(z, 0) + log1p(e^-|z|), stable for any z."""
    z = np.asarray(z, dtype=float)
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def log_softmax(Z: np.ndarray) -> np.ndarray:
    """log softmax along the last axis via log-sum-exp with the max subtracted: (n, K) -> (n, K).

        log softmax(z)_k = z_k - log(sum_j e^{z_j}) = (z_k - m) - log(sum_j e^{z_j - m}),  m = max_j z_j

    Subtracting the row's maximum changes nothing mathematically but keeps every exponent <= 0,
    so e^1000 never overflows. Example: the row [1, 2, 3] gives [-2.408, -1.408, -0.408], and
    e^ of those, [0.090, 0.245, 0.665], sums to 1.
    """
    Z = np.asarray(Z, dtype=float)
    shifted = Z - Z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def softmax(Z: np.ndarray) -> np.ndarray:
    """Rows of probabilities: (n, K) -> (n, K), each row sums to 1."""
    return np.exp(log_softmax(Z))


def cross_entropy(P: np.ndarray, y: np.ndarray, eps: float = 1e-15) -> float:
    """Mean -log P[i, y_i] of given probabilities (n, K), with P clipped to [eps, 1] (no log 0)."""
    P = np.clip(np.asarray(P, dtype=float), eps, 1.0)
    return float(-np.mean(np.log(P[np.arange(len(y)), y])))


def logistic_gradient(X: np.ndarray, Y: np.ndarray, W: np.ndarray, b, penalty: float):
    """(dL/dW, dL/db) of the mean cross-entropy plus an L2 term, on a batch of m rows.

        L(W, b) = mean_i CE_i + penalty / 2 * ||W||^2,    Z = X W + b
        P = sigmoid(Z) (binary) or softmax(Z) (multiclass),  dCE/dZ = P - Y
        dL/dW = X^T (P - Y) / m + penalty * W,    dL/db = mean over the rows of (P - Y)

    Binary: W (d,), b a number, Y (m,) the 0/1 labels as floats. Multiclass: W (d, K), b (K,),
    Y (m, K) one-hot rows. X: (m, d). The gradients have the shapes of W and b. ``penalty`` is
    1 / (C n) for the whole training set of n rows (0: no penalty); b is not penalised.

    Example (binary, no penalty): X = [[1], [-1]], Y = [1, 0], W = [0], b = 0: P = [0.5, 0.5],
    P - Y = [-0.5, 0.5], dL/dW = (1 * -0.5 + -1 * 0.5) / 2 = [-0.5], dL/db = 0.
    """
    Z = X @ W + b
    err = (sigmoid(Z) if W.ndim == 1 else softmax(Z)) - Y     # dCE/dz
    return X.T @ err / len(X) + penalty * W, err.mean(axis=0)


# ----------------------------------------------------------------------------- the model
class LogisticRegression:
    """Binary (sigmoid) or multiclass (softmax) logistic regression with L2, by gradient descent.

    C: inverse regularisation strength (None = no penalty). lr: step size (None = 1 / curvature
    bound). batch_size: None = full batch. Full batch stops when the gradient norm < tol.
    """

    def __init__(self, C: float | None = 1.0, lr: float | None = None, epochs: int = 5000,
                 batch_size: int | None = None, tol: float = 1e-7, seed: int = 0, log_every: int = 0):
        self.C, self.lr, self.epochs, self.batch_size, self.tol, self.seed = C, lr, epochs, batch_size, tol, seed
        self.log_every = log_every

    # -- the maths
    def _logits(self, X: np.ndarray, W: np.ndarray, b) -> np.ndarray:
        return X @ W + b

    def _penalty(self, n: int) -> float:
        return 0.0 if self.C is None else 1.0 / (self.C * n)

    def objective(self, X: np.ndarray, y: np.ndarray, W: np.ndarray, b, n_total: int | None = None) -> float:
        """Mean cross-entropy + ||W||^2 / (2 C n) for given parameters (binary: W (d,), b scalar)."""
        Z = self._logits(X, W, b)
        if W.ndim == 1:
            ce = np.mean(softplus(Z) - y * Z)
        else:
            ce = -np.mean(log_softmax(Z)[np.arange(len(y)), y])
        return float(ce + 0.5 * self._penalty(n_total or len(X)) * np.sum(W * W))

    def _gradient(self, X, y_target, W, b, n_total):
        """(dL/dW, dL/db) on a batch (see :func:`logistic_gradient`); y_target is y (binary) or one-hot Y."""
        return logistic_gradient(X, y_target, W, b, self._penalty(n_total))

    # -- training
    def fit(self, X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None = None):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y).astype(np.int64)
        if X.ndim != 2 or len(X) != len(y) or len(X) == 0:
            raise ValueError(f"X must be (n, d) and y (n,), got {X.shape} and {y.shape}")
        n, d = X.shape
        self.n_classes_ = K = max(int(y.max()) + 1, 2)
        binary = K == 2
        W = np.zeros(d) if binary else np.zeros((d, K))
        b = 0.0 if binary else np.zeros(K)
        target = y.astype(float) if binary else np.eye(K)[y]
        rng = np.random.default_rng(self.seed)
        batch = n if not self.batch_size else min(self.batch_size, n)
        lr = self.lr
        if lr is None:  # curvature of CE in z is <= 1/4 (sigmoid) or 1/2 (softmax); |[X 1]|_2^2 / n for the rest
            top = np.linalg.norm(np.hstack([X, np.ones((n, 1))]), 2) ** 2 / n if n * d <= 5_000_000 \
                else float(np.max(np.sum(X * X, axis=1))) + 1.0
            lr = 1.0 / ((0.25 if binary else 0.5) * top + self._penalty(n))
        self.history_ = []
        self.epochs_run_ = 0

        def record(epoch):
            self.coef_, self.intercept_ = W, b
            self.history_.append((epoch, self.objective(X, y, W, b), metrics.accuracy(y, self.predict(X))))

        record(0)
        for epoch in range(1, self.epochs + 1):
            order = rng.permutation(n) if batch < n else np.arange(n)
            for start in range(0, n, batch):
                rows = order[start:start + batch]
                gW, gb = self._gradient(X[rows], target[rows], W, b, n)
                W = W - lr * gW
                b = b - lr * gb
            self.epochs_run_ = epoch
            done = False
            if batch == n:
                gW, gb = self._gradient(X, target, W, b, n)
                done = np.sqrt(np.sum(gW * gW) + np.sum(np.square(gb))) < self.tol
            if done or epoch == self.epochs or (self.log_every and epoch % self.log_every == 0):
                record(epoch)
                if not np.isfinite(self.history_[-1][1]):
                    raise FloatingPointError("training diverged: lower the learning rate")
            if done:
                break
        self.coef_, self.intercept_ = W, b
        return self

    # -- using it
    def decision_function(self, X: np.ndarray) -> np.ndarray:
        return self._logits(np.asarray(X, dtype=float), self.coef_, self.intercept_)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """(n, K) class probabilities (binary: columns [P(y=0), P(y=1)]); every row sums to 1.

        The logits are Z = X W + b (``self.decision_function(X)``). Binary (coef_ of shape (d,)):
        p = sigmoid(Z) is P(y = 1 | x), and the two columns are [1 - p, p]. Multiclass (coef_ of
        shape (d, K)): softmax of each row of Z. Example: a binary logit of 0 gives [0.5, 0.5].
        """
        Z = self.decision_function(X)
        if np.ndim(self.coef_) == 1:
            p = sigmoid(Z)
            return np.column_stack([1.0 - p, p])
        return softmax(Z)

    def predict(self, X: np.ndarray) -> np.ndarray:
        Z = self.decision_function(X)
        return (Z > 0).astype(np.int64) if np.ndim(self.coef_) == 1 else np.argmax(Z, axis=1)

    def loss(self, X: np.ndarray, y: np.ndarray) -> float:
        """The training objective (mean CE + L2 term) at the fitted parameters."""
        return self.objective(np.asarray(X, dtype=float), np.asarray(y).astype(np.int64), self.coef_, self.intercept_)


def make_toy(n: int = 10000, seed: int = 0):
    """Known binary world: P(y=1|x) = sigmoid(2 x1 - 3 x2 + 0.5), x ~ N(0, I). Returns X, y, w, b.

    X: (n, 2) standard normal; each label y_i (n,) int is 1 with probability sigmoid(x_i . w + b),
    drawn as (uniform number < that probability); w = [2, -3], b = 0.5. The random numbers come from
    ``np.random.default_rng(seed)``, X first, then the n uniforms. Fitting should give w and b back.
    """
    rng = np.random.default_rng(seed)
    w_true, b_true = np.array([2.0, -3.0]), 0.5
    X = rng.standard_normal((n, 2))
    y = (rng.random(n) < sigmoid(X @ w_true + b_true)).astype(np.int64)
    return X, y, w_true, b_true


# ----------------------------------------------------------------------------- figures
def _grid(Z2: np.ndarray, steps: int = 300):
    lo, hi = Z2.min(axis=0) - 0.5, Z2.max(axis=0) + 0.5
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], steps), np.linspace(lo[1], hi[1], steps))
    return gx, gy, np.column_stack([gx.ravel(), gy.ravel()])


def plot_decision_boundary(model, Z2, y, names, classes, unscale):
    """Predicted class regions of a 2-feature model, with the data on top (axes in original units)."""
    from matplotlib.colors import ListedColormap

    gx, gy, grid = _grid(Z2)
    pred = model.predict(grid).reshape(gx.shape)
    K = len(classes)
    cmap = ListedColormap(plotting.PALETTE[:K])
    ux, uy = unscale(gx, 0), unscale(gy, 1)
    fig, ax = plotting.figure(figsize=(7, 6))
    ax.contourf(ux, uy, pred, levels=np.arange(K + 1) - 0.5, cmap=cmap, alpha=0.25)
    ax.contour(ux, uy, pred, levels=np.arange(K) + 0.5, colors="k", linewidths=0.8)
    for k in range(K):
        m = y == k
        ax.scatter(unscale(Z2[m, 0], 0), unscale(Z2[m, 1], 1), s=18, color=plotting.PALETTE[k % 8],
                   edgecolor="k", linewidth=0.3, label=classes[k])
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.set_title("Decision boundaries (logistic regression on two features)")
    ax.legend()
    return fig


def plot_probability_heatmaps(model, Z2, y, names, classes, unscale):
    """P(class | x) over the plane, one panel per class (at most 4 panels)."""
    gx, gy, grid = _grid(Z2, 200)
    P = model.predict_proba(grid)
    K = min(len(classes), 4)
    fig, axes = plotting.figure(1, K, figsize=(4.2 * K, 4), squeeze=False)
    ux, uy = unscale(gx, 0), unscale(gy, 1)
    for k, ax in enumerate(axes[0]):
        im = ax.pcolormesh(ux, uy, P[:, k].reshape(gx.shape), cmap="viridis", vmin=0, vmax=1, shading="auto")
        m = y == k
        ax.scatter(unscale(Z2[~m, 0], 0), unscale(Z2[~m, 1], 1), s=6, c="w", alpha=0.5)
        ax.scatter(unscale(Z2[m, 0], 0), unscale(Z2[m, 1], 1), s=10, c="r", edgecolor="k", linewidth=0.2)
        ax.set_title(f"P({classes[k]} | x)")
        ax.set_xlabel(names[0])
        ax.grid(False)
    axes[0][0].set_ylabel(names[1])
    fig.colorbar(im, ax=axes[0].tolist(), shrink=0.9, label="probability")
    return fig


def plot_history(history, title="Training"):
    epochs, losses, accs = (np.array(v) for v in zip(*history, strict=True))
    fig, ax = plotting.figure()
    ax.plot(epochs, losses, "-", color=plotting.PALETTE[0], label="loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (cross-entropy + L2)")
    ax2 = ax.twinx()
    ax2.plot(epochs, 100 * accs, "-", color=plotting.PALETTE[1], label="train accuracy")
    ax2.set_ylabel("train accuracy (%)")
    ax2.grid(False)
    ax.set_title(title)
    fig.legend(loc="center right")
    return fig


def plot_mnist_weights(W):
    fig, axes = plotting.figure(2, 5, figsize=(10, 4.4))
    for k, ax in enumerate(axes.ravel()):
        lim = np.abs(W[:, k]).max()
        ax.imshow(W[:, k].reshape(28, 28), cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(f"class {k}")
        ax.axis("off")
    fig.suptitle("Softmax regression weights per digit (red = evidence for, blue = against)")
    return fig


# ----------------------------------------------------------------------------- CLI
KNOWN_TARGETS = ("species", "Survived", "label", "class", "target")
KNOWN_DROP = {"titanic": ["PassengerId", "Name", "Ticket", "Cabin"]}
DATASET_TITLES = {"iris": "Iris dataset", "titanic": "Titanic dataset"}


def _print_history(history):
    for epoch, loss, acc in history:
        print(f"  Epoch {epoch}: Loss = {loss:.3f}, Accuracy = {acc:.1%}")


def run_toy(args) -> int:
    X, y, w_true, b_true = make_toy(seed=args.seed)
    train, test = tabular.train_test_indices(len(X), 0.25, args.seed)
    model = LogisticRegression(C=None, epochs=20000, tol=1e-8).fit(X[train], y[train])
    print("=== Logistic Regression on a toy dataset (M4) ===\n")
    print(f"Generated {len(X)} points: P(y=1 | x) = sigmoid(2 x1 - 3 x2 + 0.5), x ~ N(0, I)\n")
    print(f"{'parameter':<10}{'true':>8}{'recovered':>11}")
    for name, t, r in zip(["b", "w1", "w2"], [b_true, *w_true], [model.intercept_, *model.coef_], strict=True):
        print(f"{name:<10}{t:>8.3f}{r:>11.3f}")
    acc = metrics.accuracy(y[test], model.predict(X[test]))
    bayes = metrics.accuracy(y[test], (X[test] @ w_true + b_true > 0).astype(int))
    print(f"\nTest accuracy ({len(test)} points): {acc:.1%} (the true parameters score {bayes:.1%}: "
          f"labels are random, so no model can be perfect)")
    return 0


def _fit(model: LogisticRegression, X: np.ndarray, y: np.ndarray) -> LogisticRegression:
    """model.fit(X, y), with a diverged run reported as a user error: the learning rate is theirs."""
    try:
        with np.errstate(over="ignore", invalid="ignore"):        # fit checks the loss it logs
            return model.fit(X, y)
    except FloatingPointError as exc:
        given = f" (--lr {model.lr:g})" if model.lr is not None else ""
        raise cli.UserError(f"{exc}{given}") from None


def run_mnist(args, out) -> int:
    data = datasets.load("mnist")
    X = data.x_train.reshape(len(data.x_train), -1) / 255.0
    Xt = data.x_test.reshape(len(data.x_test), -1) / 255.0
    print("=== Softmax Regression on MNIST ===\n")
    print(f"Train: {X.shape[0]} images, test: {Xt.shape[0]}; features: {X.shape[1]} pixel values in [0, 1]")
    lr = args.lr or 0.5
    print(f"\nTraining with mini-batch gradient descent (batch {args.batch_size or 128}, lr {lr:g}, "
          f"{args.epochs or 5} epochs, C={args.C:g})...")
    model = _fit(LogisticRegression(C=args.C, lr=lr, epochs=args.epochs or 5, batch_size=args.batch_size or 128,
                                    seed=args.seed, log_every=1), X, data.y_train)
    _print_history(model.history_)
    pred = model.predict(Xt)
    print("\nTest set performance:")
    print(f"  Accuracy: {metrics.accuracy(data.y_test, pred):.1%}")
    print(f"  Cross-entropy: {cross_entropy(model.predict_proba(Xt), data.y_test):.3f}")
    print()
    print(metrics.format_confusion_matrix(metrics.confusion_matrix(data.y_test, pred, labels=range(10)),
                                          [str(k) for k in range(10)]))
    saved = [plotting.save(plot_mnist_weights(model.coef_), out / "mnist_weights.png"),
             plotting.save(plot_history(model.history_, "MNIST softmax regression"), out / "mnist_training.png")]
    print("\nSaved: " + ", ".join(str(p) for p in saved))
    plotting.show()
    return 0


def main(argv=None) -> int:
    parser = cli.make_parser(__doc__, prog="phase4_ml/logistic_regression.py")
    parser.add_argument("data", nargs="?", default="iris.csv",
                        help="CSV file, dataset name, or mnist (default iris.csv)")
    parser.add_argument("--target", help="class column (default species / Survived / last column)")
    parser.add_argument("--drop", nargs="+", metavar="COLUMN", help="columns to leave out")
    parser.add_argument("--features", help="two columns for the decision-boundary plots, e.g. petal_length,petal_width")
    parser.add_argument("--C", type=cli.positive_float, default=10.0, help="inverse L2 strength (default 10)")
    parser.add_argument("--lr", type=cli.positive_float, help="learning rate (default: 1 / curvature bound)")
    parser.add_argument("--epochs", type=cli.positive_int, help="epochs (default 3000 full-batch; 5 for mnist)")
    parser.add_argument("--batch-size", type=cli.positive_int,
                        help="mini-batch size (default full batch; 128 for mnist)")
    parser.add_argument("--test-size", type=cli.positive_float, default=0.2, help="held-out fraction (default 0.2)")
    parser.add_argument("--toy", action="store_true", help="M4: fit a generated dataset with known parameters")
    args = parser.parse_args(argv)
    if args.toy:
        return run_toy(args)
    plotting.setup(args.no_show)
    out = cli.out_dir(args, "logistic_regression")
    if args.data.lower() in ("mnist", "mnist.csv"):
        return run_mnist(args, out)

    frame = datasets.read_table(args.data)
    frame.columns = [str(c).strip() for c in frame.columns]
    target = args.target or tabular.default_target(frame, KNOWN_TARGETS)
    tabular.check_columns(frame, [target], "target column")
    name = datasets.resolve(args.data)
    drop = list(args.drop or [])
    if not args.drop and isinstance(name, str):
        drop = [c for c in KNOWN_DROP.get(name, []) if c in frame.columns]
    table = tabular.design_matrix(frame, target, task="classification", drop=drop)
    print("=== Logistic Regression from Scratch ===\n")
    print(f"Loading {DATASET_TITLES.get(name, args.data) if isinstance(name, str) else args.data}...")
    print(f"Classes: {', '.join(table.classes)}")
    print(f"Features: {', '.join(table.features[:8])}{', ...' if len(table.features) > 8 else ''}")
    for note in table.notes:
        print(f"  ({note})")
    train, test = tabular.train_test_indices(len(table.X), args.test_size, args.seed)
    Z_tr, mu, sigma = tabular.standardize(table.X[train])
    Z_te = (table.X[test] - mu) / sigma
    y_tr, y_te = table.y[train], table.y[test]
    K = len(table.classes)
    kind = "sigmoid, binary" if K == 2 else f"softmax, {K} classes"
    epochs = args.epochs or 3000
    print(f"\nTraining with gradient descent ({kind}, standardised features, C={args.C:g})...")
    model = _fit(LogisticRegression(C=args.C, lr=args.lr, epochs=epochs, batch_size=args.batch_size,
                                    seed=args.seed, log_every=50), Z_tr, y_tr)
    shown = [h for h in model.history_ if h[0] in (0, 50, 100, 500, 1000) or h is model.history_[-1]]
    _print_history(shown)
    if model.history_[-1][0] < epochs:
        print(f"  Converged after {model.epochs_run_} epochs (gradient norm < {model.tol:g})")

    pred = model.predict(Z_te)
    proba = model.predict_proba(Z_te)
    print("\nTest set performance:")
    print(f"  Accuracy: {metrics.accuracy(y_te, pred):.1%}")
    print(f"  Cross-entropy: {cross_entropy(proba, y_te):.3f}")
    print(f"  Mean probability given to the true class: {proba[np.arange(len(y_te)), y_te].mean():.2f}")
    print()
    print(metrics.format_confusion_matrix(metrics.confusion_matrix(y_te, pred, labels=range(K)), table.classes))

    # two-feature model for the pictures
    if args.features:
        pair = [c.strip() for c in args.features.split(",") if c.strip()]
        if len(pair) != 2 or any(c not in table.features for c in pair):
            raise cli.UserError(f"--features needs two feature columns separated by a comma, from: "
                                f"{', '.join(table.features)}")
        cols = [table.features.index(c) for c in pair]
    elif {"petal_length", "petal_width"} <= set(table.features):
        cols = [table.features.index("petal_length"), table.features.index("petal_width")]
    else:
        cols = list(np.argsort(np.abs(np.atleast_2d(model.coef_.T)).sum(axis=0))[::-1][:2])
    if len(table.features) < 2:
        cols = []
    saved = [plotting.save(plot_history(model.history_, "Logistic regression training"), out / "training.png")]
    if cols:
        names = [table.features[c] for c in cols]
        two = LogisticRegression(C=args.C, epochs=epochs).fit(Z_tr[:, cols], y_tr)

        def unscale(v, i):
            return v * sigma[cols[i]] + mu[cols[i]]

        print(f"\nTwo-feature model for the plots ({names[0]}, {names[1]}): test accuracy "
              f"{metrics.accuracy(y_te, two.predict(Z_te[:, cols])):.1%}")
        saved.append(plotting.save(plot_decision_boundary(two, Z_tr[:, cols], y_tr, names, table.classes, unscale),
                                   out / "decision_boundary.png"))
        saved.append(plotting.save(plot_probability_heatmaps(two, Z_tr[:, cols], y_tr, names, table.classes,
                                                             unscale), out / "probability_heatmap.png"))
    print("\nSaved: " + ", ".join(str(p) for p in saved))
    plotting.show()
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
