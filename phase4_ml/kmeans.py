"""K-means clustering from scratch: k-means++ seeding, Lloyd iterations, elbow and silhouette.

Public API. X: (n, d) float::

    from phase4_ml.kmeans import KMeans, kmeans_plusplus, lloyd, silhouette_score
    km = KMeans(k=4, n_init=10, seed=0).fit(X)
    km.labels_ (n,), km.centroids_ (k, d), km.inertia_, km.predict(X_new)
    run = lloyd(X, initial_centroids)         # one run, with its per-iteration history

Objective (inertia): J = sum_i ||x_i - mu_{c(i)}||^2, the within-cluster sum of squares.
Lloyd's algorithm alternates the two steps that each lower J:
    assign:  c(i) = argmin_k ||x_i - mu_k||^2       (= argmin_k ||mu_k||^2 - 2 x.mu_k: one matrix product)
    update:  mu_k = mean of the points with c(i) = k (the mean minimises the squared distances)
until no point changes cluster (or the centroids move less than a tolerance).
k-means++ seeding: the first centroid is a random point; each next one is a point drawn with
probability proportional to D(x)^2, its squared distance to the nearest centroid chosen so far.
Silhouette of point i: s = (b - a) / max(a, b), a = mean distance to its own cluster, b = the
smallest mean distance to another cluster; the score is the mean of s (near 1 = well separated).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from common import cli, datasets, plotting, tabular

# ----------------------------------------------------------------------------- core


def squared_distances(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """||x_i - c_k||^2 for all pairs: (n, d), (k, d) -> (n, k), via ||x||^2 - 2 x.c + ||c||^2."""
    d2 = np.sum(X * X, axis=1)[:, None] - 2.0 * (X @ C.T) + np.sum(C * C, axis=1)[None, :]
    return np.maximum(d2, 0.0)


def kmeans_plusplus(X: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k initial centroids (k, d) chosen by k-means++ (D^2 sampling) from the points X (n, d).

    The first centroid is a point drawn uniformly (``rng.integers(n)``). Each next one is a point
    drawn with probability D(x)^2 / sum D^2 (``rng.choice(n, p=...)``), where D(x) is the
    distance from x to its nearest centroid chosen so far: far-away points are likely picks, so
    the seeds spread over the clusters. If every D is 0 (fewer distinct points than k), any point
    is drawn (``rng.integers(n)``). Raises ValueError unless 1 <= k <= n.
    """
    n = len(X)
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and the number of points ({n}), got {k}")
    centroids = [X[rng.integers(n)]]
    closest = squared_distances(X, centroids[0][None, :])[:, 0]
    for _ in range(1, k):
        total = closest.sum()
        if total <= 0:  # fewer distinct points than k: any point will do
            choice = rng.integers(n)
        else:
            choice = rng.choice(n, p=closest / total)
        centroids.append(X[choice])
        closest = np.minimum(closest, squared_distances(X, X[choice][None, :])[:, 0])
    return np.array(centroids)


def random_init(X: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k distinct random data points as the initial centroids (the naive seeding)."""
    return X[rng.choice(len(X), size=k, replace=False)].copy()


@dataclass
class LloydRun:
    centroids: np.ndarray           # (k, d) final
    labels: np.ndarray              # (n,)
    inertia: float
    n_iter: int
    converged: bool
    moved: list[int] = field(default_factory=list)          # points that changed cluster, per iteration
    shift: list[float] = field(default_factory=list)        # total centroid movement (L2), per iteration
    centroid_history: list[np.ndarray] = field(default_factory=list)  # centroids before each iteration
    label_history: list[np.ndarray] = field(default_factory=list)


def nearest_centroid(XT: np.ndarray, C: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Index of each point's nearest centroid: XT (d, n) the points as columns, C (k, d) -> (n,).

    The assignment step of Lloyd's algorithm: c(i) = argmin_k ||x_i - c_k||^2.
    ||x - c||^2 = ||x||^2 - 2 c.x + ||c||^2, and ||x||^2 is the same for every centroid, so the
    argmin only needs ||c||^2 - 2 c.x: one (k, d) @ (d, n) product. ``out`` (k, n) is reused as
    scratch (you may ignore it). Ties go to the lowest centroid index (as ``np.argmin``).

    Example: points (0, 0) and (4, 1) as the columns of XT = [[0, 4], [0, 1]], centroids
    C = [[1, 0], [5, 0]] -> [0, 1].
    """
    scores = np.matmul(C, XT, out=out)                   # (k, n): c.x
    scores *= -2.0
    scores += np.sum(C * C, axis=1)[:, None]
    return np.argmin(scores, axis=0)


def update_centroids(X: np.ndarray, XT: np.ndarray, labels: np.ndarray, old: np.ndarray) -> np.ndarray:
    """The update step of Lloyd's algorithm: each centroid moves to the mean of its points.

    X: (n, d) the points, XT: the same points as columns (d, n), labels: (n,) ints in 0..k-1,
    old: (k, d) the centroids before the update -> (k, d). mu_k = mean of the x_i with label k
    (sums per cluster with np.bincount, one per dimension). A cluster with no points takes one of
    the points farthest from their own old centroid; two empty clusters take two different points
    (the farthest first).

    Example: X = [[0, 0], [2, 0], [10, 10]], labels = [0, 0, 1] -> [[1, 0], [10, 10]].
    """
    k = len(old)
    counts = np.bincount(labels, minlength=k)
    sums = np.stack([np.bincount(labels, weights=row, minlength=k) for row in XT], axis=1)   # (k, d)
    new = sums / np.maximum(counts, 1)[:, None]
    empty = np.flatnonzero(counts == 0)
    if len(empty):
        dist = np.sum((X - old[labels]) ** 2, axis=1)
        new[empty] = X[np.argsort(dist)[::-1][:len(empty)]]
    return new


def lloyd(X: np.ndarray, centroids: np.ndarray, max_iter: int = 300, tol: float = 0.0,
          keep_history: bool = False) -> LloydRun:
    """Lloyd iterations from the given centroids (k, d) until no label changes, or until the
    squared centroid shift sum ||mu_new - mu_old||^2 <= tol * mean feature variance (scikit-learn's
    rule), or ``max_iter``. Labels and inertia are those of the final centroids."""
    X = np.asarray(X, dtype=float)
    XT = np.ascontiguousarray(X.T)                       # (d, n): rows are contiguous for matmul/bincount
    C = np.array(centroids, dtype=float)
    scratch = np.empty((len(C), len(X)))                 # (k, n) scores, reused every iteration
    tol_abs = tol * float(np.mean(np.var(XT, axis=1)))
    run = LloydRun(C, np.full(len(X), -1), np.inf, 0, False)
    labels = None
    for it in range(1, max_iter + 1):
        new_labels = nearest_centroid(XT, C, out=scratch)
        if keep_history:
            run.centroid_history.append(C.copy())
            run.label_history.append(new_labels.copy())
        moved = len(X) if labels is None else int(np.count_nonzero(new_labels != labels))
        if labels is not None and moved == 0:
            run.converged = True
            run.n_iter = it - 1
            break
        labels = new_labels
        new_C = update_centroids(X, XT, labels, C)
        step = new_C - C
        run.moved.append(moved)
        run.shift.append(float(np.sqrt(np.sum(step * step))))
        C = new_C
        run.n_iter = it
        if tol_abs > 0 and np.sum(step * step) <= tol_abs:
            run.converged = True
            break
    if labels is None or moved > 0:                      # C moved after the last assignment
        labels = nearest_centroid(XT, C, out=scratch)
    run.labels = labels
    run.centroids = C
    run.inertia = float(np.sum((XT - np.take(C.T, labels, axis=1)) ** 2))   # sum ||x - mu_c(x)||^2
    return run


class KMeans:
    """Best of ``n_init`` Lloyd runs (lowest inertia), seeded by k-means++ or at random."""

    def __init__(self, k: int = 8, n_init: int = 10, max_iter: int = 300, tol: float = 1e-4,
                 init: str = "k-means++", seed: int | None = 0):
        if init not in ("k-means++", "random"):
            raise ValueError("init must be 'k-means++' or 'random'")
        self.k, self.n_init, self.max_iter, self.tol, self.init, self.seed = k, n_init, max_iter, tol, init, seed

    def fit(self, X: np.ndarray, keep_history: bool = False):
        X = np.asarray(X, dtype=float)
        rng = np.random.default_rng(self.seed)
        seeding = kmeans_plusplus if self.init == "k-means++" else random_init
        best = None
        self.inertias_ = []
        for _ in range(self.n_init):
            start = seeding(X, self.k, rng)
            run = lloyd(X, start, self.max_iter, self.tol, keep_history)
            run.initial = start
            self.inertias_.append(run.inertia)
            if best is None or run.inertia < best.inertia:
                best = run
        self.run_ = best
        self.centroids_, self.labels_, self.inertia_ = best.centroids, best.labels, best.inertia
        self.n_iter_ = best.n_iter
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.argmin(squared_distances(np.asarray(X, dtype=float), self.centroids_), axis=1)


def silhouette_score(X: np.ndarray, labels: np.ndarray, sample_size: int | None = 2000,
                     seed: int = 0) -> float:
    """Mean silhouette over the points (a random subset of ``sample_size`` when n is larger).

    X: (n, d), labels: (n,) cluster ids (at least 2 distinct; else ValueError). For each point i:
    a = mean distance to the other points of its own cluster, b = the smallest mean distance to
    the points of another cluster, s = (b - a) / max(a, b) (s = 0 for a point alone in its
    cluster). The score is the mean of s: near 1 = compact, well separated clusters. The subset is
    ``np.random.default_rng(seed).choice(n, size=sample_size, replace=False)``.
    Pairwise distances (m, m) are summed per cluster with one matrix product by a one-hot matrix.

    Example: points 0, 1 (cluster 0) and 10, 11 (cluster 1) on a line: for the point 0, a = 1 and
    b = (10 + 11) / 2 = 10.5, so s = 9.5 / 10.5 = 0.905; for the point 1, b = 9.5 and s = 0.895;
    the other cluster mirrors them, so the score is (0.905 + 0.895) / 2 = 0.900.
    """
    X = np.asarray(X, dtype=float)
    labels = np.asarray(labels)
    if sample_size is not None and len(X) > sample_size:
        keep = np.random.default_rng(seed).choice(len(X), size=sample_size, replace=False)
        X, labels = X[keep], labels[keep]
    uniq, labels = np.unique(labels, return_inverse=True)
    if len(uniq) < 2:
        raise ValueError("silhouette needs at least 2 clusters")
    D = np.sqrt(squared_distances(X, X))
    onehot = np.eye(len(uniq))[labels]                   # (m, k)
    sums = D @ onehot                                    # (m, k): total distance to each cluster
    counts = onehot.sum(axis=0)
    own = counts[labels]
    a = sums[np.arange(len(X)), labels] / np.maximum(own - 1, 1)
    mean_other = sums / counts[None, :]
    mean_other[np.arange(len(X)), labels] = np.inf
    b = mean_other.min(axis=1)
    s = np.where(own > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-300), 0.0)
    return float(np.mean(s))


def make_blobs(k: int = 4, n: int = 1200, spread: float = 0.6, seed: int = 0):
    """n points around k random centres in [-10, 10]^2 with Gaussian spread. Returns (X (n, 2), labels)."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, size=(k, 2))
    labels = rng.integers(0, k, n)
    return centres[labels] + spread * rng.normal(size=(n, 2)), labels


def elbow_k(ks: np.ndarray, inertias: np.ndarray) -> int:
    """The "elbow": the k after which adding clusters stops paying, i.e. the k with the largest ratio
    (drop in inertia from k-1 to k) / (drop from k to k+1). ks must be consecutive, starting at 1.

    ks: (m,) ints 1..m, inertias: (m,) the inertia of the best fit with each k -> one of 2..m-1.
    A drop of 0 in the denominator counts as a tiny number (1e-12 times the first drop), not 0.
    Example: inertias [100, 40, 10, 8, 7] drop by [60, 30, 2, 1]; the ratios for k = 2, 3, 4 are
    60/30 = 2, 30/2 = 15, 2/1 = 2, so the elbow is k = 3.
    """
    drops = -np.diff(np.asarray(inertias, dtype=float))          # drops[i]: from ks[i] to ks[i+1]
    ratio = drops[:-1] / np.maximum(drops[1:], 1e-12 * max(drops[0], 1e-300))
    return int(ks[1:-1][int(np.argmax(ratio))])


def principal_components(X: np.ndarray, n: int = 2) -> np.ndarray:
    """The first ``n`` principal-component scores of X (centred), via SVD: (m, d) -> (m, n)."""
    Xc = X - X.mean(axis=0)
    _, _, Vt = np.linalg.svd(Xc, full_matrices=False)
    return Xc @ Vt[:n].T


def quantize_image(image: np.ndarray, k: int, seed: int = 0, sample: int = 20000, n_init: int = 3):
    """Colour quantisation: k-means on (a sample of) the RGB pixels, every pixel -> its centroid colour.

    image: (H, W, 3) uint8. Returns (quantised (H, W, 3) uint8, palette (k, 3) uint8).
    """
    pixels = image.reshape(-1, 3).astype(float)
    rng = np.random.default_rng(seed)
    fit_on = pixels[rng.choice(len(pixels), size=min(sample, len(pixels)), replace=False)]
    km = KMeans(k=min(k, len(np.unique(fit_on, axis=0))), n_init=n_init, seed=seed).fit(fit_on)
    labels = km.predict(pixels)
    palette = np.clip(np.round(km.centroids_), 0, 255).astype(np.uint8)
    return palette[labels].reshape(image.shape), palette


# ----------------------------------------------------------------------------- figures
def _scatter(ax, P, labels, C=None):
    for j in range(int(labels.max()) + 1):
        m = labels == j
        ax.scatter(P[m, 0], P[m, 1], s=12, alpha=0.7, color=plotting.PALETTE[j % 8], label=f"cluster {j + 1}")
    if C is not None:
        ax.scatter(C[:, 0], C[:, 1], marker="X", s=220, c="k", edgecolor="w", linewidth=1.5, label="centroids")


def plot_clusters(P, labels, C, axis_names, title):
    fig, ax = plotting.figure(figsize=(7, 6))
    _scatter(ax, P, labels, C)
    ax.set_xlabel(axis_names[0])
    ax.set_ylabel(axis_names[1])
    ax.set_title(title)
    ax.legend(fontsize=8)
    return fig


def evolution_figure(P, run: LloydRun, project, axis_names):
    """(fig, draw_iteration): a figure and the function that draws Lloyd iteration i onto it.

    P (n, 2) are the points in the 2-D view; run.label_history[i] (n,) and run.centroid_history[i]
    (k, d) are the assignment and the centroids of iteration i, project maps centroids (k, d) into the
    view (k, 2). Frame i shows the points coloured by assignment and each centroid's trail so far.
    """
    fig, ax = plotting.figure(figsize=(6, 5), dpi=90)
    plotting.fit_to_screen(fig)
    lo, hi = P.min(axis=0), P.max(axis=0)
    pad = np.maximum(0.05 * (hi - lo), 0.1)
    trail = [project(C) for C in run.centroid_history]      # one (k, 2) array per iteration

    def draw_iteration(i: int) -> None:
        ax.clear()
        _scatter(ax, P, run.label_history[i])
        path = np.array(trail[:i + 1])                    # (i+1, k, 2)
        for j in range(path.shape[1]):
            ax.plot(path[:, j, 0], path[:, j, 1], "k-", lw=1)
        ax.scatter(path[-1][:, 0], path[-1][:, 1], marker="X", s=200, c="k", edgecolor="w", linewidth=1.5)
        moved = run.moved[i] if i < len(run.moved) else 0
        ax.set_title(f"Iteration {i + 1}: {moved} points moved")
        ax.set_xlim(lo[0] - pad[0], hi[0] + pad[0])
        ax.set_ylim(lo[1] - pad[1], hi[1] + pad[1])
        ax.set_xlabel(axis_names[0])
        ax.set_ylabel(axis_names[1])

    return fig, draw_iteration


def plot_elbow(ks, inertias, silhouettes, chosen):
    fig, ax = plotting.figure()
    ax.plot(ks, inertias, "o-", label="inertia (within-cluster SS)")
    ax.axvline(chosen, color="0.5", ls="--", label=f"elbow at k = {chosen}")
    ax.set_xlabel("k (number of clusters)")
    ax.set_ylabel("inertia")
    ax2 = ax.twinx()
    ax2.plot(ks[1:], silhouettes, "s-", color=plotting.PALETTE[1], label="silhouette")
    ax2.set_ylabel("silhouette score")
    ax2.grid(False)
    ax.set_title("Elbow method")
    fig.legend(loc="upper right", bbox_to_anchor=(0.88, 0.88))
    return fig


def plot_init_comparison(random_inertias, pp_inertias):
    fig, ax = plotting.figure()
    bins = np.linspace(min(min(random_inertias), min(pp_inertias)), max(max(random_inertias), max(pp_inertias)), 25)
    ax.hist(random_inertias, bins=bins, alpha=0.6, label="random seeding")
    ax.hist(pp_inertias, bins=bins, alpha=0.6, label="k-means++ seeding")
    ax.set_xlabel("final inertia of one run (lower is better)")
    ax.set_ylabel("runs")
    ax.set_title("Initialisation matters")
    ax.legend()
    return fig


def plot_quantized(original, quantized, palette, k):
    fig, axes = plotting.figure(1, 2, figsize=(11, 5.5))
    axes[0].imshow(original)
    axes[0].set_title("original")
    axes[1].imshow(quantized)
    axes[1].set_title(f"k-means with k = {k} colours")
    for ax in axes:
        ax.axis("off")
    strip = fig.add_axes([0.55, 0.02, 0.35, 0.04])
    strip.imshow(palette[None, :, :], aspect="auto")
    strip.axis("off")
    return fig


# ----------------------------------------------------------------------------- CLI
SPENDING = ["Fresh", "Milk", "Grocery", "Frozen", "Detergents_Paper", "Delicassen"]


def run_image(args, out) -> int:
    from PIL import Image, UnidentifiedImageError

    where = datasets.resolve(args.image)
    if isinstance(where, str):
        image = datasets.load(where)
        if not isinstance(image, np.ndarray) or image.ndim != 3:
            raise cli.UserError(f"dataset {where!r} is not an image")
    else:
        try:
            with datasets.open_image(where, args.image) as img:   # refuses an image too large to decode
                image = np.asarray(img.convert("RGB"))
        except (UnidentifiedImageError, OSError) as exc:
            raise cli.UserError(f"cannot read {where} as an image: {exc}") from None
    print("=== K-Means Colour Quantisation ===\n")
    print(f"Image: {args.image} ({image.shape[1]} x {image.shape[0]}, "
          f"{len(np.unique(image.reshape(-1, 3), axis=0))} distinct colours)")
    quantized, palette = quantize_image(image, args.k, seed=args.seed)
    print(f"Palette of {len(palette)} colours (RGB):")
    for j, c in enumerate(palette):
        print(f"  {j + 1}: ({c[0]:3d}, {c[1]:3d}, {c[2]:3d})")
    err = np.sqrt(np.mean((quantized.astype(float) - image.astype(float)) ** 2))
    print(f"RMS colour error per channel: {err:.1f} (of 255)")
    with cli.atomic_path(out / "quantized.png") as tmp:
        Image.fromarray(quantized).save(tmp)
    fig_path = plotting.save(plot_quantized(image, quantized, palette, len(palette)), out / "quantization.png")
    print(f"\nSaved: {out / 'quantized.png'}, {fig_path}")
    plotting.show()
    return 0


def main(argv=None) -> int:
    parser = cli.make_parser(__doc__, prog="phase4_ml/kmeans.py")
    parser.add_argument("data", nargs="?", default="customer_data.csv",
                        help="CSV file or dataset name (default customer_data.csv = UCI wholesale customers)")
    parser.add_argument("--k", type=cli.positive_int, default=4, help="number of clusters (default 4)")
    parser.add_argument("--n-init", type=cli.bounded_int(1, 1000), default=10,
                        help="k-means++ restarts, 1-1000 (default 10)")
    parser.add_argument("--max-iter", type=cli.bounded_int(1, 100_000), default=300,
                        help="Lloyd iterations per restart at most, 1-100000 (default 300)")
    parser.add_argument("--columns", nargs="+", metavar="COLUMN", help="columns to cluster on (default: all usable)")
    parser.add_argument("--drop", nargs="+", metavar="COLUMN", help="columns to leave out")
    parser.add_argument("--log", action="store_true", help="log(1 + x) the columns first (default for customer data)")
    parser.add_argument("--max-k", type=cli.positive_int, default=10, help="largest k in the elbow plot (default 10)")
    parser.add_argument("--image", metavar="IMAGE", help="colour-quantise this image instead (e.g. photo.jpg)")
    args = parser.parse_args(argv)
    plotting.setup(args.no_show)
    out = cli.out_dir(args, "kmeans")
    if args.image:
        return run_image(args, out)

    frame = datasets.read_table(args.data)
    frame.columns = [str(c).strip() for c in frame.columns]
    name = datasets.resolve(args.data)
    bundled = name == "wholesale-customers"
    columns = args.columns or ([c for c in SPENDING if c in frame.columns] if bundled and not args.drop else None)
    table = tabular.design_matrix(frame, None, task="none", drop=args.drop or (), features=columns)
    X = table.X
    use_log = args.log or bundled
    if use_log:
        if np.any(X < 0):
            raise cli.UserError("--log needs non-negative values (some columns are negative)")
        X = np.log1p(X)
    Z, _, _ = tabular.standardize(X)
    if args.k > len(np.unique(Z, axis=0)):
        raise cli.UserError(f"--k {args.k} is more than the number of distinct points ({len(np.unique(Z, axis=0))})")
    print("=== K-Means Clustering from Scratch ===\n")
    print(f"Data: {len(Z)} points, features: {', '.join(table.features)}")
    print("  (" + ("log(1 + x) then " if use_log else "") + "standardised to mean 0, std 1)")
    for note in table.notes:
        print(f"  ({note})")

    km = KMeans(k=args.k, n_init=args.n_init, max_iter=args.max_iter, tol=0.0, seed=args.seed).fit(Z, keep_history=True)
    run = km.run_
    print(f"\nInitializing centroids with k-means++ (best of {args.n_init} runs shown)...")
    for j, c in enumerate(run.initial):
        shown = ", ".join(f"{v:.2f}" for v in c[:6]) + (", ..." if len(c) > 6 else "")
        print(f"  Centroid {j + 1}: [{shown}]")
    print()
    for i, (moved, shift) in enumerate(zip(run.moved, run.shift, strict=True), start=1):
        if i == 1:
            print(f"Iteration {i}: Assigned {moved} points, centroid shift = {shift:.3g}")
        else:
            print(f"Iteration {i}: Moved {moved} points, centroid shift = {shift:.3g}")
    print("Converged!" if run.converged else f"Stopped after {args.max_iter} iterations (not converged)")
    sizes = np.bincount(km.labels_, minlength=args.k)
    print(f"\nCluster sizes: [{', '.join(map(str, sizes))}]")
    print(f"Inertia: {km.inertia_:.2f} (runs ranged {min(km.inertias_):.2f} .. {max(km.inertias_):.2f})")
    if args.k >= 2:
        print(f"Silhouette score: {silhouette_score(Z, km.labels_):.3f}")

    # initialisation matters: 30 single runs from random points vs from k-means++
    rng_runs = 30
    rand = KMeans(args.k, n_init=rng_runs, tol=0.0, init="random", seed=args.seed + 1).fit(Z).inertias_
    plus = KMeans(args.k, n_init=rng_runs, tol=0.0, seed=args.seed + 1).fit(Z).inertias_
    print(f"\nSeeding over {rng_runs} single runs: random mean inertia {np.mean(rand):.2f} (worst {max(rand):.2f}), "
          f"k-means++ mean {np.mean(plus):.2f} (worst {max(plus):.2f})")
    B, _ = make_blobs(k=10, n=2000, spread=0.3, seed=4)
    b_rand = KMeans(10, n_init=rng_runs, tol=0.0, init="random", seed=args.seed).fit(B).inertias_
    b_plus = KMeans(10, n_init=rng_runs, tol=0.0, seed=args.seed).fit(B).inertias_
    print(f"On 10 well-separated synthetic blobs: random mean inertia {np.mean(b_rand):.0f}, "
          f"k-means++ mean {np.mean(b_plus):.0f} (best possible about {min(b_plus):.0f})")

    # 2-D view: the two chosen features (one feature: against 0), or the first two principal components
    if Z.shape[1] == 1:
        P, axis_names = np.column_stack([Z[:, 0], np.zeros(len(Z))]), [table.features[0], ""]

        def project(C):
            return np.column_stack([C[:, 0], np.zeros(len(C))])
    elif Z.shape[1] == 2:
        P, axis_names = Z, table.features

        def project(C):
            return C
    else:
        mean = Z.mean(axis=0)
        _, _, Vt = np.linalg.svd(Z - mean, full_matrices=False)
        P, axis_names = (Z - mean) @ Vt[:2].T, ["principal component 1", "principal component 2"]

        def project(C):
            return (C - mean) @ Vt[:2].T
    saved = [plotting.save(plot_clusters(P, km.labels_, project(km.centroids_), axis_names,
                                         f"k-means, k = {args.k}"), out / "clusters.png")]
    saved.append(plotting.save(plot_init_comparison(rand, plus), out / "init_comparison.png"))

    max_k = min(args.max_k, len(np.unique(Z, axis=0)))
    if max_k >= 3:
        ks = np.arange(1, max_k + 1)
        fits = [KMeans(k, n_init=5, seed=args.seed).fit(Z) for k in ks]
        inertias = np.array([f.inertia_ for f in fits])
        sils = [silhouette_score(Z, f.labels_) for f in fits[1:]]
        knee = elbow_k(ks, inertias)
        best_sil = int(ks[1:][int(np.argmax(sils))])
        saved.append(plotting.save(plot_elbow(ks, inertias, sils, knee), out / "elbow.png"))
        print(f"\nElbow plot saved to {out / 'elbow.png'}")
        print(f"Optimal k appears to be {knee} (the elbow of the inertia curve); "
              f"the silhouette score peaks at k = {best_sil}")
    # the centroids moving, iteration by iteration: last, so the window plays it while it is open
    fig, draw_iteration = evolution_figure(P, run, project, axis_names)
    iterations = len(run.label_history)
    order = list(range(iterations)) + [iterations - 1] * 4          # hold the last frame
    saved.insert(1, plotting.animate(fig, draw_iteration, order, interval_ms=500,
                                     gif_path=out / "evolution.gif", fps=2))
    print("\nSaved: " + ", ".join(str(p) for p in saved))
    plotting.show()
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
