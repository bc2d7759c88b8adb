"""Step 4, the models: four from phase 4, plus gradient boosting built on the phase-4 tree.

Each model has ``fit(X, y)``, ``predict(X) -> (n,)``, ``state() -> {name: array}`` and
``from_state(params, arrays)`` so it can be saved as .npz + .json (never pickle).

    linear             OLS, normal equation            (phase4_ml.linear_regression.LinearRegression)
    ridge              (X^T X + alpha I) w = X^T y     (phase4_ml.linear_regression.Ridge)
    decision_tree      CART regression tree, MSE       (phase4_ml.decision_tree.DecisionTreeRegressor)
    neural_network     d-64-32-1 ReLU MLP, MSE, Adam   (phase4_ml.neural_network.MLP, output="linear")
    gradient_boosting  F_0 = mean(y);  F_m = F_{m-1} + nu * h_m,  h_m = tree fitted to y - F_{m-1}
                       (least-squares boosting: the residual is the negative gradient of (y - F)^2 / 2;
                        each tree sees a random fraction ``subsample`` of the rows)

All trees of the boosted ensemble are packed into padded (T, M) node arrays, so one prediction
walks every tree at once, one array step per level: a single API request costs ~depth NumPy ops,
not T * depth.
"""

from __future__ import annotations

import numpy as np

from phase4_ml.decision_tree import DecisionTreeRegressor
from phase4_ml.linear_regression import LinearRegression, Ridge
from phase4_ml.neural_network import MLP, Adam

TREE_ARRAYS = ("feature", "threshold", "left", "right", "value")


class LinearModel:
    """OLS (``alpha`` None) or ridge regression, from phase 4."""

    def __init__(self, alpha: float | None = None):
        self.alpha = alpha
        self.kind = "linear" if alpha is None else "ridge"
        self.params = {} if alpha is None else {"alpha": alpha}

    def fit(self, X: np.ndarray, y: np.ndarray) -> LinearModel:
        self.model = (LinearRegression() if self.alpha is None else Ridge(self.alpha)).fit(X, y)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.model.predict(X)

    def state(self) -> dict[str, np.ndarray]:
        return {"coef": self.model.coef_, "intercept": np.array([self.model.intercept_])}

    @classmethod
    def from_state(cls, params: dict, arrays: dict) -> LinearModel:
        obj = cls(params.get("alpha"))
        obj.model = LinearRegression() if obj.alpha is None else Ridge(obj.alpha)
        obj.model.coef_, obj.model.intercept_ = arrays["coef"], float(arrays["intercept"][0])
        return obj


def check_nodes(arrays: dict) -> None:
    """ValueError unless ``arrays`` (TREE_ARRAYS, each (M,) or (T, M)) describe trees we saved:
    equal shapes, and every inner node's children after it and inside the tree. Trees are
    stored parent first, so a child index <= its parent's would be a loop, and walking it
    would never reach a leaf."""
    shapes = {name: np.shape(arrays[name]) for name in TREE_ARRAYS}
    if len(set(shapes.values())) != 1 or len(shapes["feature"]) not in (1, 2):
        raise ValueError(f"tree arrays of different shapes: {shapes}")
    feature, left, right = (np.atleast_2d(arrays[name]) for name in ("feature", "left", "right"))
    M = feature.shape[1]
    inner = feature >= 0
    node = np.broadcast_to(np.arange(M), feature.shape)
    for child in (left, right):
        if np.any(inner & ((child <= node) | (child >= M))):
            raise ValueError("a tree node points back to itself or outside its tree")


def tree_from_arrays(arrays: dict, n_features: int) -> DecisionTreeRegressor:
    """Adapter: rebuild a fitted phase-4 regression tree from its flat node arrays (for loading)."""
    check_nodes(arrays)
    tree = DecisionTreeRegressor()
    for name in TREE_ARRAYS:
        setattr(tree, name, np.asarray(arrays[name]))
    tree.n_features_ = n_features
    return tree


class TreeModel:
    """One CART regression tree (phase 4) with depth and leaf-size limits."""

    kind = "decision_tree"

    def __init__(self, max_depth: int = 10, min_samples_leaf: int = 20, seed: int = 0):
        self.params = {"max_depth": max_depth, "min_samples_leaf": min_samples_leaf, "seed": seed}

    def fit(self, X: np.ndarray, y: np.ndarray) -> TreeModel:
        self.tree = DecisionTreeRegressor(**self.params).fit(X, y)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.tree.predict(X)

    def state(self) -> dict[str, np.ndarray]:
        arrays = {name: getattr(self.tree, name) for name in TREE_ARRAYS}
        return arrays | {"n_features": np.array([self.tree.n_features_])}

    @classmethod
    def from_state(cls, params: dict, arrays: dict) -> TreeModel:
        obj = cls(**params)
        obj.tree = tree_from_arrays(arrays, int(arrays["n_features"][0]))
        return obj


class NeuralNetModel:
    """A ReLU MLP regressor (phase 4 MLP with a linear output). The target is standardised for
    training (y_s = (y - mu) / sigma) and mapped back for prediction."""

    kind = "neural_network"

    def __init__(self, hidden: tuple[int, ...] = (64, 32), epochs: int = 40, lr: float = 2e-3,
                 batch_size: int = 128, seed: int = 0):
        self.params = {"hidden": list(hidden), "epochs": epochs, "lr": lr, "batch_size": batch_size, "seed": seed}

    def fit(self, X: np.ndarray, y: np.ndarray) -> NeuralNetModel:
        p = self.params
        self.y_mean, self.y_std = float(np.mean(y)), float(np.std(y)) or 1.0
        self.net = MLP([X.shape[1], *p["hidden"], 1], activation="relu", output="linear", seed=p["seed"])
        self.net.fit(X.astype(np.float32), ((y - self.y_mean) / self.y_std).astype(np.float32),
                     epochs=p["epochs"], optimizer=Adam(p["lr"]), batch_size=p["batch_size"], seed=p["seed"])
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.net.predict(np.asarray(X, dtype=np.float32)).astype(float) * self.y_std + self.y_mean

    def state(self) -> dict[str, np.ndarray]:
        return {"params": self.net.params, "y_scale": np.array([self.y_mean, self.y_std]),
                "sizes": np.array(self.net.sizes)}

    @classmethod
    def from_state(cls, params: dict, arrays: dict) -> NeuralNetModel:
        obj = cls(**params)
        obj.net = MLP([int(s) for s in arrays["sizes"]], activation="relu", output="linear")
        obj.net.params[...] = arrays["params"]
        obj.y_mean, obj.y_std = (float(v) for v in arrays["y_scale"])
        return obj


def pack_trees(trees: list[DecisionTreeRegressor]) -> dict[str, np.ndarray]:
    """Stack T fitted trees into (T, M) node arrays, M = the largest node count (padding: leaves)."""
    M = max(len(t.feature) for t in trees)
    packed = {"feature": np.full((len(trees), M), -1, np.int64), "threshold": np.zeros((len(trees), M)),
              "left": np.zeros((len(trees), M), np.int64), "right": np.zeros((len(trees), M), np.int64),
              "value": np.zeros((len(trees), M))}
    for i, t in enumerate(trees):
        m = len(t.feature)
        for name in TREE_ARRAYS:
            packed[name][i, :m] = np.nan_to_num(getattr(t, name)) if name == "threshold" else getattr(t, name)
    return packed


def compile_packed(packed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Flatten (T, M) packed trees into one node list for :func:`predict_packed` (done once, at load).

    Node i of tree t becomes flat node t * M + i; child links become flat ids too, and a leaf links
    to itself, so walking ``depth`` levels leaves every tree on its leaf without any leaf test.
    """
    feature = packed["feature"]
    T, M = feature.shape
    ids = np.arange(T * M).reshape(T, M)
    offset = (np.arange(T) * M)[:, None]
    leaf = feature < 0
    flat = {"feature": np.maximum(feature, 0).ravel(), "threshold": packed["threshold"].ravel(),
            "left": np.where(leaf, ids, packed["left"] + offset).ravel(),
            "right": np.where(leaf, ids, packed["right"] + offset).ravel(),
            "value": packed["value"].ravel(), "roots": offset[:, 0]}
    depth, frontier = 0, flat["roots"][~leaf.ravel()[flat["roots"]]]     # inner nodes of the current level
    while frontier.size:
        depth += 1
        children = np.concatenate([flat["left"][frontier], flat["right"][frontier]])
        frontier = children[feature.ravel()[children] >= 0]
    flat["depth"] = np.array(depth)
    return flat


def predict_packed(packed: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    """(T, n) leaf values of every tree for every row of X: (n, d), all trees walked together.

    ``packed`` is the output of :func:`pack_trees` (it is flattened on the fly) or of
    :func:`compile_packed`. One level of all T trees for all n rows is 5 NumPy operations.
    """
    flat = packed if "roots" in packed else compile_packed(packed)
    feature, threshold, left, right = flat["feature"], flat["threshold"], flat["left"], flat["right"]
    rows = np.arange(X.shape[0])[None, :]
    node = np.repeat(flat["roots"][:, None], X.shape[0], axis=1)   # (T, n) flat node ids
    for _ in range(int(flat["depth"])):
        go_left = X[rows, feature[node]] <= threshold[node]
        node = np.where(go_left, left[node], right[node])
    return flat["value"][node]


class GradientBoosting:
    """Least-squares gradient boosting of phase-4 regression trees (see the module docstring)."""

    kind = "gradient_boosting"

    def __init__(self, n_trees: int = 120, learning_rate: float = 0.12, max_depth: int = 7,
                 min_samples_leaf: int = 20, subsample: float = 0.5, seed: int = 0):
        if not 0 < subsample <= 1:
            raise ValueError("subsample must be in (0, 1]")
        self.params = {"n_trees": n_trees, "learning_rate": learning_rate, "max_depth": max_depth,
                       "min_samples_leaf": min_samples_leaf, "subsample": subsample, "seed": seed}

    def fit(self, X: np.ndarray, y: np.ndarray, on_tree=None) -> GradientBoosting:
        """Fit T trees in sequence; ``on_tree(m)`` is called after each (progress bars).

        X (n, d), y (n,). Start from the constant F_0 = mean(y) (n,), then for m = 1..T:

            r   = y - F_{m-1}                     the residuals: minus the gradient of (y - F)^2 / 2
            h_m = a regression tree fitted to r   (on a random ``subsample`` of the rows, drawn
                                                   without replacement, when subsample < 1)
            F_m = F_{m-1} + nu * h_m(X)           nu = learning_rate, on EVERY row

        Keep F_0 in ``self.init_``, and the trees, packed, in ``self.packed = pack_trees(trees)``
        and ``self.flat = compile_packed(self.packed)`` (what :meth:`predict` reads). Draw the rows
        from ``np.random.default_rng(seed)`` with ``rng.choice(n, size=max(2, round(subsample * n)),
        replace=False)`` once per tree, so the run is reproducible.
        """
        p = self.params
        rng = np.random.default_rng(p["seed"])
        n = len(y)
        self.init_ = float(np.mean(y))
        F = np.full(n, self.init_)
        trees = []
        for m in range(p["n_trees"]):
            rows = rng.choice(n, size=max(2, int(round(p["subsample"] * n))), replace=False) \
                if p["subsample"] < 1 else np.arange(n)
            residual = y - F                                      # negative gradient of (y - F)^2 / 2
            tree = DecisionTreeRegressor(max_depth=p["max_depth"], min_samples_leaf=p["min_samples_leaf"])
            tree.fit(X[rows], residual[rows])
            F += p["learning_rate"] * tree.predict(X)
            trees.append(tree)
            if on_tree is not None:
                on_tree(m)
        self.packed = pack_trees(trees)
        self.flat = compile_packed(self.packed)
        return self

    def predict(self, X: np.ndarray, n_trees: int | None = None) -> np.ndarray:
        """(n,) F_0 + nu * sum of the first ``n_trees`` trees (all by default)."""
        X = np.asarray(X, dtype=float)
        values = predict_packed(self.flat, X)
        return self.init_ + self.params["learning_rate"] * values[:n_trees].sum(axis=0)

    def staged_rmse(self, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """(T,) RMSE after 1, 2, ..., T trees (for the learning-curve figure)."""
        values = predict_packed(self.flat, np.asarray(X, dtype=float))
        F = self.init_ + self.params["learning_rate"] * np.cumsum(values, axis=0)
        return np.sqrt(np.mean((F - y[None, :]) ** 2, axis=1))

    def state(self) -> dict[str, np.ndarray]:
        return dict(self.packed) | {"init": np.array([self.init_])}

    @classmethod
    def from_state(cls, params: dict, arrays: dict) -> GradientBoosting:
        obj = cls(**params)
        obj.packed = {name: np.asarray(arrays[name]) for name in TREE_ARRAYS}
        check_nodes(obj.packed)
        obj.init_ = float(arrays["init"][0])
        obj.flat = compile_packed(obj.packed)
        return obj


KINDS = {"linear": LinearModel, "ridge": LinearModel, "decision_tree": TreeModel,
         "neural_network": NeuralNetModel, "gradient_boosting": GradientBoosting}
LABELS = {"linear": "Linear Regression", "ridge": "Ridge Regression", "decision_tree": "Decision Tree",
          "neural_network": "Neural Network", "gradient_boosting": "Gradient Boosting"}


def make_model(kind: str, seed: int = 0, fast: bool = False):
    """A fresh model of ``kind`` with the pipeline's default hyperparameters (``fast``: smaller)."""
    if kind == "linear":
        return LinearModel()
    if kind == "ridge":
        return LinearModel(alpha=10.0)
    if kind == "decision_tree":
        return TreeModel(max_depth=10, min_samples_leaf=20, seed=seed)
    if kind == "neural_network":
        return NeuralNetModel(epochs=10 if fast else 40, seed=seed)
    if kind == "gradient_boosting":
        if fast:
            return GradientBoosting(n_trees=50, learning_rate=0.25, max_depth=6, min_samples_leaf=20,
                                    subsample=0.5, seed=seed)
        return GradientBoosting(n_trees=120, learning_rate=0.12, max_depth=7, min_samples_leaf=20,
                                subsample=0.5, seed=seed)
    raise ValueError(f"unknown model {kind!r}; choose from {', '.join(KINDS)}")
