"""Phase 4 comparisons (one function per project; see the catalogue entries)."""

import numpy as np

from tools.bench_harness import Comparison


def neural_network():
    """One epoch of the 784-128-64-10 ReLU MLP, Adam lr 1e-3, batch 64, float32: ours vs PyTorch CPU.

    Same data order, same initial weights, same thread count: neural_network.py trains with one
    BLAS thread (threadpoolctl; batch-64 products are too small to gain from more), so PyTorch
    gets torch.set_num_threads(1) for its epoch. Quality: test accuracy after the timed epochs.
    """
    import torch

    from common import datasets
    from phase4_ml.neural_network import MLP, Adam, one_blas_thread, prepare_images

    threads = 1
    xtr, ytr, _, _, xte, yte, _ = prepare_images(datasets.load("mnist"), val=0)
    order = np.random.default_rng(0).permutation(len(xtr))
    batch = 64
    ours = MLP([784, 128, 64, 10], seed=0)
    opt = Adam(1e-3)

    def epoch_ours():
        buf = np.empty((batch, 784), dtype=np.float32)
        with one_blas_thread():
            for i in range(0, len(xtr), batch):
                idx = order[i:i + batch]
                ours.train_step(np.take(xtr, idx, axis=0, out=buf[:len(idx)]), ytr[idx], opt)
        return ours

    net = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 64),
                              torch.nn.ReLU(), torch.nn.Linear(64, 10))
    with torch.no_grad():
        for layer, w, b in zip(net[::2], ours.W, ours.b):
            layer.weight.copy_(torch.from_numpy(w.T.copy()))
            layer.bias.copy_(torch.from_numpy(b.copy()))
    topt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    txtr, tytr, torder = torch.from_numpy(xtr), torch.from_numpy(ytr), torch.from_numpy(order)

    def epoch_torch():
        before = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            for i in range(0, len(txtr), batch):
                idx = torder[i:i + batch]
                topt.zero_grad(set_to_none=True)
                loss_fn(net(txtr[idx]), tytr[idx]).backward()
                topt.step()
        finally:
            torch.set_num_threads(before)
        return net

    def quality(o, r):
        with torch.no_grad():
            ref_acc = float((r(torch.from_numpy(xte)).argmax(1).numpy() == yte).mean())
        return "test accuracy", float(np.mean(o.predict(xte) == yte)), ref_acc

    flops = 3 * 2 * len(xtr) * (784 * 128 + 128 * 64 + 64 * 10)  # forward + ~2x backward
    return Comparison(
        "neural_network: 1 epoch MNIST 784-128-64-10, Adam, batch 64, float32",
        epoch_ours, epoch_torch, f"PyTorch CPU nn.Sequential + Adam ({threads} thread(s) each)",
        max_ratio=1.0, quality=quality, repeats=3, flops=flops,
        note="1 thread each: threadpoolctl BLAS limit for ours, torch.set_num_threads(1)")


def neural_network_textbook(images: int = 10_000):
    """The textbook tier's cost: the same MLP and Adam trained with ``reference=True`` (mlp_forward,
    mlp_backward, adam_step: new arrays at every step) vs the fast tier, on ``images`` training images."""
    from common import datasets
    from phase4_ml.neural_network import MLP, make_optimizer, one_blas_thread, prepare_images

    xtr, ytr, _, _, xte, yte, _ = prepare_images(datasets.load("mnist"), val=0)
    xtr, ytr = xtr[:images], ytr[:images]
    batch = 64

    def epoch(reference: bool):
        model = MLP([784, 128, 64, 10], seed=0, reference=reference)
        opt = make_optimizer("adam", reference=reference)
        with one_blas_thread():
            for i in range(0, len(xtr), batch):
                model.train_step(xtr[i:i + batch], ytr[i:i + batch], opt)
        return model

    def quality(o, r):
        return "test accuracy", float(np.mean(o.predict(xte) == yte)), float(np.mean(r.predict(xte) == yte))

    return Comparison(
        f"neural_network: textbook tier, {images:,} MNIST images 784-128-64-10, Adam, batch 64",
        lambda: epoch(True), lambda: epoch(False), "the fast tier (in-place buffers), same data and init",
        quality=quality, repeats=3, note="textbook tier, for reading: no target ratio; one BLAS thread each")


# ----------------------------------------------------------------------------- projects 13-16
def linear_regression():
    """Closed-form Ridge and Lasso coordinate descent on California housing (16512 x 12) vs scikit-learn."""
    from sklearn import linear_model

    from common import datasets, tabular
    from phase4_ml import linear_regression as lr

    table = tabular.design_matrix(datasets.load("california-housing"), "median_house_value")
    X, y = tabular.standardize(table.X)[0], table.y

    def coef_diff(o, r):
        return "max rel. coef diff", float(np.max(np.abs(o.coef_ - r.coef_)) / np.max(np.abs(r.coef_))), 0.0

    return [
        Comparison("linear_regression: Ridge closed form, 20640 x 12", lambda: lr.Ridge(1.0).fit(X, y),
                   lambda: linear_model.Ridge(1.0).fit(X, y), "sklearn Ridge (auto solver)", max_ratio=3.0,
                   quality=coef_diff, repeats=5),
        Comparison("linear_regression: Lasso coordinate descent, 20640 x 12",
                   lambda: lr.Lasso(100.0, tol=1e-8).fit(X, y),
                   lambda: linear_model.Lasso(100.0, tol=1e-8, max_iter=100000).fit(X, y), "sklearn Lasso (Cython CD)",
                   max_ratio=3.0, quality=coef_diff, repeats=3),
    ]


def logistic_regression():
    """Softmax regression on iris, C=1: our full-batch gradient descent vs scikit-learn's lbfgs."""
    from sklearn.linear_model import LogisticRegression

    from common import datasets, tabular
    from phase4_ml import logistic_regression as lg

    table = tabular.design_matrix(datasets.load("iris"), "species", task="classification")
    X, y = tabular.standardize(table.X)[0], table.y

    def loss(o, r):
        return "L2 loss", o.loss(X, y), o.objective(X, y, r.coef_.T, r.intercept_)

    return Comparison("logistic_regression: iris softmax to convergence, C=1",
                      lambda: lg.LogisticRegression(C=1.0, epochs=20000, tol=1e-7).fit(X, y),
                      lambda: LogisticRegression(C=1.0, tol=1e-10, max_iter=10000).fit(X, y),
                      "sklearn LogisticRegression (lbfgs)", quality=loss, repeats=3,
                      note="teaching contrast: plain gradient descent vs a quasi-Newton method; no target")


def kmeans():
    """Lloyd's algorithm on 100k x 2 points, k = 4, from the same k-means++ start, vs scikit-learn.

    Both sides run with one thread (threadpoolctl, for BLAS and OpenMP alike): scikit-learn's
    OpenMP Lloyd loop otherwise takes every core, and on a shared or busy machine its time swings
    by 3x or more from run to run (4 runs with default threads gave ratios 0.94 to 2.85).
    """
    from sklearn.cluster import KMeans
    from threadpoolctl import ThreadpoolController

    from phase4_ml import kmeans as km

    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [6.0, 1.0], [2.0, 7.0], [8.0, 8.0]])
    X = centres[rng.integers(0, 4, 100_000)] + 1.5 * rng.standard_normal((100_000, 2))
    start = km.kmeans_plusplus(X, 4, np.random.default_rng(1))
    threads = ThreadpoolController()  # found once: threadpool_limits() rescans the libraries (~ms) per call

    def ours():
        with threads.limit(limits=1):
            return km.lloyd(X, start, tol=1e-4)

    def reference():
        with threads.limit(limits=1):
            return KMeans(4, init=start, n_init=1, algorithm="lloyd", tol=1e-4).fit(X)

    return Comparison("kmeans: Lloyd fit, 100000 x 2, k=4, same start",
                      ours, reference, "sklearn KMeans(algorithm='lloyd', n_init=1), 1 thread each", max_ratio=2.0,
                      quality=lambda o, r: ("inertia", o.inertia, float(r.inertia_)), repeats=15,
                      note="1 thread each (threadpoolctl): same labels and inertia from the same start")


def decision_tree():
    """Regression tree (MSE) of depth 10 on California housing, 20640 x 8, vs scikit-learn."""
    from sklearn.tree import DecisionTreeRegressor

    from common import datasets, tabular
    from phase4_ml import decision_tree as dt

    table = tabular.design_matrix(datasets.load("california-housing"), "median_house_value",
                                  drop=["ocean_proximity"])
    X, y = table.X, table.y

    def rmse(o, r):
        return ("train RMSE", float(np.sqrt(np.mean((o.predict(X) - y) ** 2))),
                float(np.sqrt(np.mean((r.predict(X) - y) ** 2))))

    return Comparison("decision_tree: regression tree fit, 20640 x 8, depth 10",
                      lambda: dt.DecisionTreeRegressor(max_depth=10).fit(X, y),
                      lambda: DecisionTreeRegressor(max_depth=10, random_state=0).fit(X, y),
                      "sklearn DecisionTreeRegressor", max_ratio=5.0, quality=rmse, repeats=3)


def decision_tree_textbook():
    """The textbook split search (try every threshold) on 2000 random California housing rows,
    depth 6, vs scikit-learn on the same rows. For reading, not for speed: no target ratio."""
    from sklearn.tree import DecisionTreeRegressor

    from common import datasets, tabular
    from phase4_ml import decision_tree as dt

    table = tabular.design_matrix(datasets.load("california-housing"), "median_house_value",
                                  drop=["ocean_proximity"])
    rows = np.random.default_rng(0).choice(len(table.X), size=2000, replace=False)
    X, y = table.X[rows], table.y[rows]

    def rmse(o, r):
        return ("train RMSE", float(np.sqrt(np.mean((o.predict(X) - y) ** 2))),
                float(np.sqrt(np.mean((r.predict(X) - y) ** 2))))

    return Comparison("decision_tree: textbook split search, regression tree fit, 2000 x 8, depth 6",
                      lambda: dt.DecisionTreeRegressor(max_depth=6, reference=True).fit(X, y),
                      lambda: DecisionTreeRegressor(max_depth=6, random_state=0).fit(X, y),
                      "sklearn DecisionTreeRegressor", quality=rmse, repeats=3,
                      note="the textbook tier (reference=True): same tree as the fast tier, no speed target")
