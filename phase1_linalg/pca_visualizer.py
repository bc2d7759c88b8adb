"""PCA visualizer: eigenvectors of the covariance matrix by power iteration, data squeezed to 2-D.

Principal component analysis finds the orthogonal directions along which the data varies most.
They are the eigenvectors of the covariance matrix, and each eigenvalue is the variance of the
data along its eigenvector. Here the eigenvectors are found one at a time by power iteration
with deflation (no numpy.linalg.eig), then the data is projected onto the first two (or three).

Math (X is n x d, one sample per row):
    standardise   Z = (X - mean) / std                     (per feature; skip with --raw)
    covariance    C = Z^T Z / (n - 1)                      (d x d, symmetric, PSD)
    power step    v <- C v / |C v|    converges to the top eigenvector (rate lambda2 / lambda1)
    eigenvalue    lambda = v^T C v                         (Rayleigh quotient)
    deflation     C <- C - lambda v v^T                    (removes that direction, repeat)
    explained     lambda_k / sum_j lambda_j                (sum_j lambda_j = trace C)
    projection    T = Z V_k                                (n x k scores, V_k = first k eigenvectors)

    python phase1_linalg/pca_visualizer.py iris_dataset.csv
    python phase1_linalg/pca_visualizer.py iris_dataset.csv --3d
    python phase1_linalg/pca_visualizer.py mnist --samples 5000
    python phase1_linalg/pca_visualizer.py customer_data.csv --label Channel
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from common import cli, datasets, plotting

# ----------------------------------------------------------------------------- core


def standardise(x: np.ndarray, scale: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centre the columns of x (n x d) and, if ``scale``, divide by their std (ddof=1).

    Returns (z, mean, std); a constant column keeps std 1 (it is all zeros after centring).
    """
    x = np.asarray(x, dtype=float)
    mean = x.mean(axis=0)
    std = x.std(axis=0, ddof=1) if scale else np.ones(x.shape[1])
    std = np.where(std > 0, std, 1.0)
    return (x - mean) / std, mean, std


def covariance_matrix(z: np.ndarray) -> np.ndarray:
    """C = Z^T Z / (n - 1) for centred data z (n x d); C[i, j] is how features i and j co-vary."""
    n = z.shape[0]
    return z.T @ z / (n - 1)


def power_iteration(c: np.ndarray, rng: np.random.Generator, tol: float = 1e-12,
                    max_iter: int = 5000) -> tuple[float, np.ndarray, int]:
    """The dominant eigenpair of a symmetric PSD matrix c (d x d).

    Repeats v <- c v / |c v| until v moves less than ``tol``. Returns (eigenvalue, unit
    eigenvector of shape (d,), iterations used). The sign is fixed so the largest entry is positive.
    """
    d = c.shape[0]
    v = rng.standard_normal(d)
    v /= np.linalg.norm(v)
    iterations = max_iter
    for step in range(1, max_iter + 1):
        w = c @ v
        norm = np.linalg.norm(w)
        if norm == 0.0:  # c v = 0: v is in the null space, eigenvalue 0
            iterations = step
            break
        w /= norm
        moved = min(np.linalg.norm(w - v), np.linalg.norm(w + v))
        v = w
        if moved < tol:
            iterations = step
            break
    v *= np.sign(v[np.argmax(np.abs(v))])
    return float(v @ c @ v), v, iterations


def top_eigenpairs(c: np.ndarray, k: int, rng: np.random.Generator, tol: float = 1e-12,
                   max_iter: int = 5000) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """The k largest eigenpairs of symmetric PSD c (d x d) by power iteration with deflation.

    Returns (eigenvalues shape (k,), eigenvectors shape (d, k) as columns, iterations per pair).
    """
    c = np.array(c, dtype=float)
    values, vectors, iters = [], [], []
    for _ in range(k):
        value, vector, used = power_iteration(c, rng, tol, max_iter)
        # re-orthogonalise against earlier vectors (round-off leaks them back in slowly)
        for prev in vectors:
            vector = vector - (prev @ vector) * prev
        vector /= np.linalg.norm(vector)
        values.append(value)
        vectors.append(vector)
        iters.append(used)
        c -= value * np.outer(vector, vector)  # deflation: that direction now has eigenvalue 0
    return np.array(values), np.array(vectors).T, iters


@dataclass
class PCAResult:
    """Everything the CLI prints and plots."""

    eigenvalues: np.ndarray      # (k,) largest first
    components: np.ndarray       # (d, k) unit eigenvectors as columns
    explained: np.ndarray        # (k,) fraction of the total variance
    total_variance: float        # trace of the covariance matrix
    covariance: np.ndarray       # (d, d)
    scores: np.ndarray           # (n, k) projections of the samples
    iterations: list[int]
    mean: np.ndarray
    std: np.ndarray


def pca(x: np.ndarray, k: int, scale: bool = True, seed: int = 0, tol: float = 1e-12,
        max_iter: int = 5000) -> PCAResult:
    """PCA of x (n x d) keeping k components, eigenvectors by power iteration."""
    z, mean, std = standardise(x, scale)
    c = covariance_matrix(z)
    values, vectors, iters = top_eigenpairs(c, k, np.random.default_rng(seed), tol, max_iter)
    total = float(np.trace(c))
    return PCAResult(values, vectors, values / total, total, c, z @ vectors, iters, mean, std)


# ----------------------------------------------------------------------------- data


@dataclass
class Table:
    x: np.ndarray            # (n, d) float
    features: list[str]
    labels: np.ndarray | None  # (n,) class names or None
    label_name: str | None
    name: str                # for file names: pca_<name>.png
    image_shape: tuple[int, int] | None = None


def table_from_frame(frame, label: str | None, name: str) -> Table:
    """Numeric feature matrix + optional label column from a DataFrame (UserError if unusable)."""
    import pandas as pd

    if label is not None and label not in frame.columns:
        raise cli.UserError(f"no column {label!r} to use as --label; columns are: {', '.join(map(str, frame.columns))}")
    if label is None:
        text_cols = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
        if len(text_cols) == 1:
            label = text_cols[0]
    features = [c for c in frame.columns if c != label]
    for col in features:
        if not pd.api.types.is_numeric_dtype(frame[col]) or pd.api.types.is_bool_dtype(frame[col]):
            values = pd.to_numeric(frame[col], errors="coerce")
            bad = frame[col][values.isna() & frame[col].notna()]
            example = f" (e.g. {bad.iloc[0]!r} in row {bad.index[0] + 1})" if len(bad) else ""
            raise cli.UserError(f"column {col!r} is not numeric{example}: pick the class column with --label, "
                                f"or remove it")
    if len(features) < 2:
        raise cli.UserError(f"need at least 2 numeric feature columns, found {len(features)}")
    x = frame[features].to_numpy(dtype=float)
    if not np.all(np.isfinite(x)):
        row, col = np.argwhere(~np.isfinite(x))[0]
        raise cli.UserError(f"missing or non-finite value in column {features[col]!r}, row {row + 1}: "
                            f"fill or drop it first")
    if x.shape[0] < 3:
        raise cli.UserError(f"need at least 3 samples, found {x.shape[0]}")
    labels = frame[label].astype(str).to_numpy() if label is not None else None
    return Table(x, [str(f) for f in features], labels, label, name)


def load_table(arg: str, label: str | None, samples: int, rng: np.random.Generator) -> Table:
    """A CSV path or registry name -> Table. ``mnist``/``fashion-mnist`` give flattened images."""
    where = datasets.resolve(arg)
    if where in ("mnist", "fashion-mnist"):
        data = datasets.load(where)
        n = min(samples, len(data.x_train))
        pick = np.sort(rng.choice(len(data.x_train), size=n, replace=False))
        x = data.x_train[pick].reshape(n, -1).astype(float) / 255.0
        names = np.array(data.classes)[data.y_train[pick]]
        h, w = data.x_train.shape[1:3]
        return Table(x, [f"px{i}" for i in range(x.shape[1])], names, "digit" if where == "mnist" else "class",
                     where.replace("-", "_"), (h, w))
    frame = datasets.read_table(arg)
    name = where if isinstance(where, str) else re.sub(r"[^A-Za-z0-9_]+", "_", where.stem).strip("_") or "data"
    return table_from_frame(frame, label, name)


# ----------------------------------------------------------------------------- figures


def plot_projection(result: PCAResult, table: Table, arrows: bool = True):
    """2-D scatter of the first two scores, coloured by class, with feature loading arrows."""
    fig, ax = plotting.figure(figsize=(8, 6.5))
    scores = result.scores
    if table.labels is None:
        ax.scatter(scores[:, 0], scores[:, 1], s=12, alpha=0.7)
    else:
        classes = sorted(set(table.labels), key=_natural_key)
        for j, cls in enumerate(classes):
            mask = table.labels == cls
            colour = _colour(j, len(classes))
            size = 14 if len(scores) < 2000 else 4
            ax.scatter(scores[mask, 0], scores[mask, 1], s=size, alpha=0.7, color=colour, label=cls)
        ax.legend(title=table.label_name, markerscale=2 if len(scores) >= 2000 else 1, fontsize=8)
    if arrows and table.image_shape is None and len(table.features) <= 12:
        reach = np.abs(scores[:, :2]).max() * 0.8
        load = result.components[:, :2] * np.sqrt(result.eigenvalues[:2])
        load = load / np.abs(load).max() * reach
        for name, (dx, dy) in zip(table.features, load):
            ax.annotate("", xy=(dx, dy), xytext=(0, 0), arrowprops={"arrowstyle": "->", "color": "0.35"})
            ax.text(dx * 1.08, dy * 1.08, name, color="0.25", fontsize=8, ha="center", va="center")
    ax.set_xlabel(f"PC1 ({result.explained[0]:.1%} of variance)")
    ax.set_ylabel(f"PC2 ({result.explained[1]:.1%} of variance)")
    ax.set_title(f"{table.name}: {len(scores)} samples x {len(table.features)} features projected on 2 PCs")
    ax.axhline(0, color="0.7", lw=0.6)
    ax.axvline(0, color="0.7", lw=0.6)
    return fig


def plot_projection_3d(result: PCAResult, table: Table):
    """3-D scatter of the first three scores, coloured by class."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(8, 7))
    ax = fig.add_subplot(projection="3d")
    s = result.scores
    groups = sorted(set(table.labels), key=_natural_key) if table.labels is not None else [None]
    for j, cls in enumerate(groups):
        mask = np.ones(len(s), bool) if cls is None else table.labels == cls
        ax.scatter(s[mask, 0], s[mask, 1], s[mask, 2], s=8 if len(s) < 2000 else 3, alpha=0.7,
                   color=_colour(j, len(groups)), label=cls)
    if table.labels is not None:
        ax.legend(title=table.label_name, fontsize=8)
    ax.set_xlabel(f"PC1 ({result.explained[0]:.1%})")
    ax.set_ylabel(f"PC2 ({result.explained[1]:.1%})")
    ax.set_zlabel(f"PC3 ({result.explained[2]:.1%})")
    ax.set_title(f"{table.name}: first three principal components")
    return fig


def plot_scree(result: PCAResult, name: str):
    """Bars: variance explained per component; line: cumulative."""
    fig, ax = plotting.figure(figsize=(8, 4.5))
    k = len(result.eigenvalues)
    idx = np.arange(1, k + 1)
    ax.bar(idx, result.explained * 100, color=plotting.PALETTE[0], label="this component")
    ax.plot(idx, np.cumsum(result.explained) * 100, "o-", color=plotting.PALETTE[1], label="cumulative")
    for i, e in zip(idx, result.explained):
        if k <= 12:
            ax.text(i, e * 100 + 1.5, f"{e:.1%}", ha="center", fontsize=8)
    ax.set(xlabel="principal component", ylabel="% of total variance", ylim=(0, 105),
           title=f"{name}: scree plot (eigenvalue / trace)")
    ax.set_xticks(idx if k <= 20 else idx[::max(1, k // 10)])
    ax.legend(loc="center right")
    return fig


def plot_components_as_images(result: PCAResult, shape: tuple[int, int], mean: np.ndarray, count: int = 10):
    """The mean image and the first eigenvectors reshaped to images ("eigen-digits")."""
    count = min(count, result.components.shape[1])
    cols = min(6, count + 1)
    rows = int(np.ceil((count + 1) / cols))
    fig, axes = plotting.figure(rows, cols, figsize=(2.2 * cols, 2.4 * rows))
    axes = np.atleast_1d(axes).ravel()
    axes[0].imshow(mean.reshape(shape), cmap="gray")
    axes[0].set_title("mean", fontsize=9)
    for j in range(count):
        v = result.components[:, j].reshape(shape)
        lim = np.abs(v).max()
        axes[j + 1].imshow(v, cmap="RdBu_r", vmin=-lim, vmax=lim)
        axes[j + 1].set_title(f"PC{j + 1} ({result.explained[j]:.1%})", fontsize=9)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    for ax in axes[count + 1:]:
        ax.axis("off")
    fig.suptitle("Eigenvectors of the pixel covariance (red +, blue -)")
    return fig


def _colour(j: int, count: int):
    """The shared palette for up to 8 classes, matplotlib's tab10 beyond that."""
    from matplotlib import colormaps

    return plotting.PALETTE[j] if count <= len(plotting.PALETTE) else colormaps["tab10"](j % 10)


def _natural_key(text: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(text))]


# ----------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser(__doc__, prog="phase1_linalg/pca_visualizer.py")
    parser.add_argument("data", help="CSV file or dataset name (iris_dataset.csv, iris, mnist, wholesale-customers...)")
    parser.add_argument("--label", "--target", dest="label", default=None,
                        help="column holding the class (colours the plot; default: the only non-numeric column)")
    parser.add_argument("--components", type=cli.positive_int, default=None,
                        help="how many eigenpairs to find (default: all features, at most 10)")
    parser.add_argument("--raw", action="store_true",
                        help="do not standardise features (default for images: pixels share one unit)")
    parser.add_argument("--3d", dest="three_d", action="store_true", help="also save a 3-D projection")
    parser.add_argument("--samples", type=cli.positive_int, default=5000,
                        help="images to use for mnist / fashion-mnist (default 5000)")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)

    table = load_table(args.data, args.label, args.samples, rng)
    n, d = table.x.shape
    print(f"Loading {n} samples with {d} features each...")
    k = min(d, args.components or 10)
    if args.three_d and k < 3:
        raise cli.UserError("--3d needs at least 3 components (and 3 features)")
    scale = not args.raw and table.image_shape is None
    plotting.setup(args.no_show)
    out = cli.out_dir(args, "pca_visualizer")

    print("\nComputing covariance matrix...")
    if scale:
        print(f"  (features standardised to mean 0, std 1: C is the correlation matrix, trace = {d})")
    result = pca(table.x, k, scale=scale, seed=args.seed)
    if d <= 8:
        width = max(len(f) for f in table.features)
        col = max(9, width) + 1
        print("  " + " " * width + "".join(f"{f:>{col}s}" for f in table.features))
        for name, row in zip(table.features, result.covariance):
            print(f"  {name:>{width}s}" + "".join(f"{v:{col}.3f}" for v in row))
    print("Finding eigenvectors via power iteration...")
    print(f"  (deflation after each one; iterations per eigenvector: {', '.join(map(str, result.iterations))})\n")
    for i, (value, share) in enumerate(zip(result.eigenvalues, result.explained), start=1):
        print(f"Eigenvalue {i}: {value:.3f} ({share * 100:.2f}% variance explained)")
    if k < d:
        print(f"(first {k} of {d} components: {result.explained.sum():.1%} of the total variance)")
    if d <= 8:
        print("\nPrincipal directions (eigenvectors as columns):")
        width = max(len(f) for f in table.features)
        for name, row in zip(table.features, result.components):
            print(f"  {name:>{width}s}" + "".join(f"{v:9.3f}" for v in row[:min(k, 4)]))

    saved = []
    fig = plot_projection(result, table)
    saved.append(plotting.save(fig, out / f"pca_{table.name}.png"))
    saved.append(plotting.save(plot_scree(result, table.name), out / f"pca_{table.name}_scree.png"))
    if args.three_d:
        saved.append(plotting.save(plot_projection_3d(result, table), out / f"pca_{table.name}_3d.png"))
    if table.image_shape is not None:
        fig = plot_components_as_images(result, table.image_shape, result.mean)
        saved.append(plotting.save(fig, out / f"pca_{table.name}_components.png"))
    print()
    print(f"Saved visualization to {saved[0]}")
    for path in saved[1:]:
        print(f"Saved {path}")
    plotting.show()
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
