"""Decision trees from scratch: Gini / entropy classification trees and MSE regression trees.

Public API (imported by the capstone's random forest / gradient boosting; names are stable)::

    from phase4_ml.decision_tree import DecisionTreeClassifier, DecisionTreeRegressor
    tree = DecisionTreeClassifier(criterion="gini", max_depth=5, min_samples_split=2,
                                  min_samples_leaf=1, max_features=None, seed=0,
                                  tie_break="first").fit(X, y)
    tree.predict(X) / tree.predict_proba(X)      # X: (n, d) float, y: (n,) int class indices
    reg = DecisionTreeRegressor(max_depth=10).fit(X, y)   # y: (n,) float, MSE criterion
    reg.predict(X)                                         # (n,) float
    DecisionTreeClassifier(reference=True)                 # textbook split search (same tree, slower)
    tree.feature_importances_, tree.depth, tree.n_nodes, tree.apply(X)   # leaf index per row
    alphas = tree.cost_complexity_path(); small = tree.pruned(alpha)    # cost-complexity pruning

Impurity of a node with class proportions p_k:
    Gini(p)    = 1 - sum_k p_k^2
    Entropy(p) = - sum_k p_k log2 p_k
    MSE        = mean((y - mean(y))^2)                (regression)
A split sends rows with x_j <= t left. Its gain is
    gain = I(parent) - (n_L / n) I(left) - (n_R / n) I(right)
and the tree greedily takes the (j, t) with the largest gain. The split search comes in two tiers:
  - textbook, best_split_textbook: for every feature, for every midpoint t between two consecutive
    distinct values, split the rows, compute the children's impurities, keep the best. Read it first.
  - fast, _Tree.best_split_fast (the default): each feature is sorted once at the root, and the
    class counts (or sums of y and y^2) of every possible left child are read off a cumulative
    sum, so all n-1 thresholds of all features are scored in one array expression.
Both give the same split (a test checks it node by node); ``--reference`` runs the textbook one.
Ties: when several splits have the same gain (up to rounding: relative 1e-12), the default
``tie_break="first"`` takes the lowest feature index, then the lowest threshold, so a tree is
reproducible without a seed. scikit-learn instead visits the features in a random order per node
(``random_state``) and keeps the first best one, i.e. a uniformly random feature among the tied
ones; ``tie_break="random"`` does the same from ``seed``. Either way every split is an optimal one.
Feature importance = the sum over the splits on a feature of n_node * gain, normalised to 1.
Cost-complexity pruning minimises R(T) + alpha |leaves(T)| by repeatedly collapsing the
"weakest link": the internal node with the smallest (R(node) - R(subtree)) / (|leaves| - 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from common import cli, datasets, metrics, plotting, tabular

# ----------------------------------------------------------------------------- impurity


def gini_impurity(p: np.ndarray) -> np.ndarray:
    """Gini impurity of class proportions p: (..., K) -> (...)."""
    return 1.0 - np.sum(p * p, axis=-1)


def entropy_impurity(p: np.ndarray) -> np.ndarray:
    """Entropy in bits of class proportions p: (..., K) -> (...); 0 log 0 = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log2(np.where(p > 0, p, 1.0)), 0.0)
    return -np.sum(terms, axis=-1)


CRITERIA = {"gini": gini_impurity, "entropy": entropy_impurity}


@dataclass
class Split:
    feature: int
    threshold: float
    gain: float          # parent impurity - weighted child impurity
    left: np.ndarray     # row indices (into X) going left
    right: np.ndarray


# ----------------------------------------------------------------------------- textbook tier
# The split search as the textbook states it: try every feature, every threshold, score each
# split by the impurity of its two children. Slow (it re-reads the node's rows for every
# threshold), but every step is visible. The fast tier, _Tree.best_split_fast, finds the same split.


def gini_of(y: np.ndarray) -> float:
    """Gini impurity of a set of class labels y: (n,) int. [0, 0, 1, 1] -> 1 - (0.5² + 0.5²) = 0.5.

    Gini = 1 - sum_k p_k², p_k the share of the labels equal to k: the chance that two labels
    drawn at random (with replacement) differ. 0 for a pure set; [0, 1, 2] -> 1 - 3/9 = 0.667.
    """
    p = np.bincount(y) / len(y)                          # (K,) class proportions
    return float(gini_impurity(p))


def entropy_of(y: np.ndarray) -> float:
    """Entropy in bits of a set of class labels y: (n,) int. [0, 0, 1, 1] -> 1.0.

    H = - sum_k p_k log2 p_k over the classes present (a class with p_k = 0 adds nothing, since
    p log p -> 0). 0 for a pure set; [0, 0, 0, 1] -> -(0.75 log2 0.75 + 0.25 log2 0.25) = 0.811.
    """
    p = np.bincount(y) / len(y)                          # (K,) class proportions
    return float(entropy_impurity(p))


def mse_of(y: np.ndarray) -> float:
    """Variance of a set of regression targets y: (n,) float, i.e. the MSE of predicting their mean."""
    return float(np.mean((y - y.mean()) ** 2))


IMPURITY_OF = {"gini": gini_of, "entropy": entropy_of, "mse": mse_of}


def impurity_of(criterion: str):
    """The textbook impurity function of a criterion: "gini", "entropy" or "mse" -> gini_of, ...

    Looked up by name each time it is called (unlike the :data:`IMPURITY_OF` table, which holds
    the functions as they were when the module was loaded), so the tree uses your version of
    gini_of when you write one in learner mode.
    """
    return {"gini": gini_of, "entropy": entropy_of, "mse": mse_of}[criterion]


def best_split_textbook(X: np.ndarray, y: np.ndarray, impurity, min_samples_leaf: int = 1,
                        features=None, tie_break: str = "first", rng=None) -> Split | None:
    """The best split of one node, found by trying every feature and every threshold.

    X: (n, d) the node's rows, y: (n,) their targets (class labels or floats), ``impurity`` one
    of :data:`IMPURITY_OF` (a function of a target array). For each feature j in ``features``
    (default: all, in increasing order) and each pair of consecutive distinct values a < b of
    X[:, j], the candidate threshold is the midpoint t = (a + b) / 2, and the split sends the
    rows with x_j <= t left. Its weighted child impurity is

        child(j, t) = (n_L / n) I(y_left) + (n_R / n) I(y_right)

    and its gain is I(y) - child(j, t). Splits that leave fewer than ``min_samples_leaf`` rows on
    either side are skipped. The best split has the smallest child impurity. Several splits count
    as equally good (a tie) when their child impurity is within 1e-12 * I(y) of the best, since a
    difference that small is rounding error. Ties go to the lowest feature index
    (``tie_break="first"``) or to a feature drawn with ``rng`` from the tied ones
    (``tie_break="random"``), then to the lowest threshold of that feature. Returns None when no
    threshold is allowed; ``Split.left`` / ``Split.right`` are row indices into X.

    Worked example, Gini, one feature::

        x = [1, 2, 3, 4],  y = [0, 0, 1, 1]         I(y) = 1 - (0.5² + 0.5²) = 0.5
        t = 1.5: left y = [0]        right y = [0, 1, 1]   child = 1/4 * 0 + 3/4 * 0.444 = 0.333
        t = 2.5: left y = [0, 0]     right y = [1, 1]      child = 0
        t = 3.5: left y = [0, 0, 1]  right y = [1]         child = 3/4 * 0.444 + 1/4 * 0 = 0.333
        best: x <= 2.5, gain = 0.5 - 0 = 0.5

    >>> best_split_textbook(np.array([[1.0], [2.0], [3.0], [4.0]]), np.array([0, 0, 1, 1]), gini_of).threshold
    2.5
    """
    n, d = X.shape
    parent = impurity(y)
    features = range(d) if features is None else features
    candidates = []                                      # (child impurity, feature, threshold)
    for j in features:
        values = np.unique(X[:, j])                      # sorted distinct values of feature j
        for a, b in zip(values[:-1], values[1:]):
            t = 0.5 * (a + b)
            if t >= b:                                   # a and b so close that the midpoint rounds up to b
                t = a
            left = X[:, j] <= t                          # (n,) bool
            n_left = int(left.sum())
            n_right = n - n_left
            if n_left < min_samples_leaf or n_right < min_samples_leaf:
                continue
            child = (n_left * impurity(y[left]) + n_right * impurity(y[~left])) / n
            candidates.append((child, int(j), float(t)))
    if not candidates:
        return None

    best = min(child for child, _, _ in candidates)
    tied = [c for c in candidates if c[0] <= best + 1e-12 * parent]    # in (feature, threshold) order
    if tie_break == "random":
        tied_features = sorted({j for _, j, _ in tied})
        pick = tied_features[rng.integers(len(tied_features))] if len(tied_features) > 1 else tied_features[0]
        tied = [c for c in tied if c[1] == pick]
    child, j, t = tied[0]                                # lowest feature, then lowest threshold
    left = X[:, j] <= t
    return Split(j, t, max(parent - child, 0.0), np.flatnonzero(left), np.flatnonzero(~left))


def feature_importances(features: np.ndarray, n_samples: np.ndarray, gains: np.ndarray,
                        n_features: int) -> np.ndarray:
    """How much each feature's splits lowered the impurity, as shares that sum to 1.

    features, n_samples, gains: (m,) for the m split nodes of a tree: the feature each node splits
    on, the number of training rows that reach it and its gain (impurity decrease per row).
    importance_j = sum over the splits on j of n_node * gain, divided by the total over all
    features -> (n_features,). A tree without splits gives all zeros.

    Example: a root on feature 0 (10 rows, gain 0.3) and one split on feature 1 (4 rows, gain
    0.25), with 3 features: raw totals [3, 1, 0] -> [0.75, 0.25, 0].
    """
    imp = np.zeros(n_features)
    np.add.at(imp, features, n_samples * gains)          # repeated features add up
    total = imp.sum()
    return imp / total if total > 0 else imp


def weakest_link_alpha(node_risk: np.ndarray, subtree_risk: np.ndarray, n_leaves: np.ndarray) -> np.ndarray:
    """For each internal node t, the alpha at which pruning its subtree to a leaf starts to pay.

        g(t) = (R(t) - R(T_t)) / (|leaves(T_t)| - 1)

    Cost-complexity pruning scores a tree by R(T) + alpha |leaves(T)|, where R is the weighted
    impurity n_t / N * impurity(t) summed over the leaves. Collapsing t into one leaf changes the
    score by (R(t) + alpha) - (R(T_t) + alpha |leaves(T_t)|), which is <= 0 once alpha >= g(t).
    node_risk: (m,) R(t) of each node as a leaf, subtree_risk: (m,) R(T_t) of the leaves below
    it, n_leaves: (m,) their number (>= 2) -> (m,). The node with the smallest g is the weakest link.

    Example: R(t) = 0.3 and a subtree of 3 leaves with R(T_t) = 0.1: g = (0.3 - 0.1) / 2 = 0.1.
    """
    return (node_risk - subtree_risk) / (n_leaves - 1)


# ----------------------------------------------------------------------------- the tree
class _Tree:
    """Shared machinery: growing, flat node arrays, vectorised prediction, pruning.

    ``reference=True`` grows the tree with the textbook split search (:func:`best_split_textbook`)
    instead of the fast one (:meth:`best_split_fast`); the two grow the same tree.
    """

    is_classifier = False
    criterion = "mse"

    def __init__(self, max_depth: int | None = None, min_samples_split: int = 2, min_samples_leaf: int = 1,
                 max_features: int | None = None, seed: int | None = None, tie_break: str = "first",
                 reference: bool = False):
        if max_depth is not None and max_depth < 0:
            raise ValueError("max_depth must be >= 0")
        if min_samples_split < 2 or min_samples_leaf < 1:
            raise ValueError("min_samples_split must be >= 2 and min_samples_leaf >= 1")
        if tie_break not in ("first", "random"):
            raise ValueError("tie_break must be 'first' or 'random'")
        self.tie_break = tie_break
        self.reference = reference
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.seed = seed

    # -- impurity and scoring, specialised by the subclasses
    def _targets(self, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _node_stats(self, T: np.ndarray) -> tuple[np.ndarray, float]:
        raise NotImplementedError

    def _child_impurities(self, T_sorted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    # -- growing
    def fit(self, X: np.ndarray, y: np.ndarray):
        """Grow the tree on X: (n, d) float and y: (n,). Returns self."""
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or len(X) == 0 or len(X) != len(y):
            raise ValueError(f"X must be (n, d) with n = len(y) >= 1, got {X.shape} and {len(y)}")
        if not np.isfinite(X).all():
            raise ValueError("X contains NaN or infinite values")
        self.n_features_ = X.shape[1]
        T = self._targets(np.asarray(y))
        if self.reference:                                   # plain targets for the textbook split search
            self._y = np.asarray(y).astype(np.int64) if self.is_classifier else np.asarray(y, dtype=float)
        else:
            self._y = None
        self._rng = np.random.default_rng(self.seed)
        self._nodes: dict[str, list] = {k: [] for k in
                                        ("feature", "threshold", "left", "right", "value", "n", "impurity", "gain")}
        # sort every feature ONCE: row j of S lists the row ids in increasing order of feature j.
        # A split partitions each row of S with a boolean mask, which keeps it sorted.
        S = np.argsort(X, axis=0, kind="stable").T.copy()
        self._grow(X, T, S, 0)
        nodes = self._nodes
        self.feature = np.array(nodes["feature"], dtype=np.int64)
        self.threshold = np.array(nodes["threshold"], dtype=float)
        self.left = np.array(nodes["left"], dtype=np.int64)
        self.right = np.array(nodes["right"], dtype=np.int64)
        self.value = np.array(nodes["value"], dtype=float)
        self.n_node_samples = np.array(nodes["n"], dtype=np.int64)
        self.impurity = np.array(nodes["impurity"], dtype=float)
        self.gain = np.array(nodes["gain"], dtype=float)
        del self._nodes, self._rng, self._y
        return self

    def _new_node(self, value, n, impurity) -> int:
        nodes = self._nodes
        for key, v in (("feature", -1), ("threshold", np.nan), ("left", -1), ("right", -1), ("value", value),
                       ("n", n), ("impurity", impurity), ("gain", 0.0)):
            nodes[key].append(v)
        return len(nodes["feature"]) - 1

    def _grow(self, X: np.ndarray, T: np.ndarray, S: np.ndarray, depth: int) -> int:
        """Recursively split the node whose rows are S (d, n_node), each row sorted by its feature.

        Returns the new node's id (nodes are stored in pre-order: a parent before its children).
        """
        n = S.shape[1]
        value, impurity = self._node_stats(T[S[0]])
        node = self._new_node(value, n, impurity)
        if ((self.max_depth is not None and depth >= self.max_depth) or n < self.min_samples_split
                or n < 2 * self.min_samples_leaf or impurity <= 1e-12):
            return node
        split = self.best_split(X, T, S, impurity)
        if split is None:
            return node
        goes_left = np.zeros(len(X), dtype=bool)
        goes_left[split.left] = True
        mask = goes_left[S]                                  # (d, n): which entries go left
        d = S.shape[0]
        S_left, S_right = S[mask].reshape(d, -1), S[~mask].reshape(d, -1)   # still sorted per row
        nodes = self._nodes
        nodes["feature"][node], nodes["threshold"][node] = split.feature, split.threshold
        nodes["gain"][node] = split.gain
        nodes["left"][node] = self._grow(X, T, S_left, depth + 1)
        nodes["right"][node] = self._grow(X, T, S_right, depth + 1)
        return node

    def _candidate_features(self, d: int) -> np.ndarray:
        """The features a node may split on: all d, or ``max_features`` of them drawn at random (sorted)."""
        if self.max_features is not None and self.max_features < d:
            return np.sort(self._rng.choice(d, size=self.max_features, replace=False))
        return np.arange(d)

    def best_split(self, X: np.ndarray, T: np.ndarray, S: np.ndarray, parent_impurity: float) -> Split | None:
        """The best split of the node whose rows are S (see :meth:`best_split_fast`), or None.

        With ``reference=True`` the textbook search :func:`best_split_textbook` runs on the node's
        rows instead; it returns the same split.
        """
        if not self.reference:
            return self.best_split_fast(X, T, S, parent_impurity)
        features = self._candidate_features(S.shape[0])
        rows = S[0]                                          # the node's row ids (in any order)
        split = best_split_textbook(X[rows], self._y[rows], impurity_of(self.criterion), self.min_samples_leaf,
                                    features, self.tie_break, self._rng)
        if split is not None:                                # row indices into X[rows] -> into X
            split.left, split.right = rows[split.left], rows[split.right]
        return split

    def best_split_fast(self, X: np.ndarray, T: np.ndarray, S: np.ndarray, parent_impurity: float) -> Split | None:
        """The (feature, threshold) with the largest gain over all candidate thresholds, or None.

        The fast tier of :func:`best_split_textbook`, same result.
        S: (d, n) row ids of the node, row j sorted by feature j. Every boundary between two
        distinct consecutive values of every feature is scored at once from cumulative
        statistics; boundaries must leave >= min_samples_leaf rows on each side. The threshold is
        the midpoint of the two values (as scikit-learn). Splits whose weighted child impurity is
        within 1e-12 * parent impurity of the best are tied (that much is rounding); ties go to the
        lowest feature index (tie_break="first") or to a random tied feature (tie_break="random"),
        then to the lowest threshold of that feature.
        """
        d, n = S.shape
        leaf = self.min_samples_leaf
        features = self._candidate_features(d)
        Sf = S[features]                                     # (f, n)
        xs = X[Sf, features[:, None]]                        # (f, n) sorted values
        n_left = np.arange(1, n)
        valid = (xs[:, 1:] > xs[:, :-1]) & ((n_left >= leaf) & (n - n_left >= leaf))[None, :]
        if not valid.any():
            return None
        imp_left, imp_right = self._child_impurities(T[Sf])  # (f, n-1) each
        child = np.where(valid, (n_left * imp_left + (n - n_left) * imp_right) / n, np.inf)
        tied = child <= child.min() + 1e-12 * parent_impurity
        if self.tie_break == "random":
            candidates = np.flatnonzero(tied.any(axis=1))
            fi = candidates[self._rng.integers(len(candidates))] if len(candidates) > 1 else candidates[0]
            pos = int(np.argmax(tied[fi]))                   # argmax of booleans: the first True
        else:
            fi, pos = np.unravel_index(int(np.argmax(tied)), tied.shape)
        gain = parent_impurity - child[fi, pos]
        threshold = 0.5 * (xs[fi, pos] + xs[fi, pos + 1])
        if threshold >= xs[fi, pos + 1]:                     # midpoint rounded up onto the right value
            threshold = xs[fi, pos]
        return Split(int(features[fi]), float(threshold), float(max(gain, 0.0)), Sf[fi, :pos + 1], Sf[fi, pos + 1:])

    # -- using the tree
    def apply(self, X: np.ndarray, feature: np.ndarray | None = None) -> np.ndarray:
        """Leaf id reached by each row of X: (n, d) -> (n,). Vectorised over rows, one step per level."""
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.n_features_:
            raise ValueError(f"X must be (n, {self.n_features_}), got {X.shape}")
        feature = self.feature if feature is None else feature
        node = np.zeros(len(X), dtype=np.int64)
        rows = np.arange(len(X))
        while True:
            f = feature[node]
            inner = f >= 0
            if not inner.any():
                return node
            go_left = X[rows, np.maximum(f, 0)] <= self.threshold[node]
            node = np.where(inner, np.where(go_left, self.left[node], self.right[node]), node)

    def _reachable(self, feature: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(node ids reachable from the root, their depths) for a (possibly pruned) feature array."""
        feature = self.feature if feature is None else feature
        ids, depths, stack = [], [], [(0, 0)]
        while stack:
            node, d = stack.pop()
            ids.append(node)
            depths.append(d)
            if feature[node] >= 0:
                stack += [(self.right[node], d + 1), (self.left[node], d + 1)]
        return np.array(ids), np.array(depths)

    @property
    def n_nodes(self) -> int:
        return len(self._reachable()[0])

    @property
    def n_leaves(self) -> int:
        ids, _ = self._reachable()
        return int(np.sum(self.feature[ids] < 0))

    @property
    def depth(self) -> int:
        return int(self._reachable()[1].max())

    @property
    def feature_importances_(self) -> np.ndarray:
        """(d,) total n_node * gain of the splits on each feature, normalised to sum 1."""
        ids, _ = self._reachable()
        inner = ids[self.feature[ids] >= 0]
        return feature_importances(self.feature[inner], self.n_node_samples[inner], self.gain[inner],
                                   self.n_features_)

    # -- cost-complexity pruning
    def cost_complexity_path(self) -> tuple[np.ndarray, np.ndarray]:
        """(alphas, total leaf impurity) of the weakest-link pruning sequence, as scikit-learn's path.

        R(t) = n_t / N * impurity(t). At each step the internal node(s) with the smallest
        g(t) = (R(t) - R(T_t)) / (|leaves(T_t)| - 1) are collapsed; g is the alpha at which that
        happens. The pruned tree for an alpha is :meth:`pruned`.
        """
        N = self.n_node_samples[0]
        R = self.n_node_samples * self.impurity / N
        feature = self.feature.copy()
        collapse = np.full(len(feature), np.inf)
        alphas, impurities = [], []
        order = np.arange(len(feature))[::-1]  # children after parents (pre-order): reverse = bottom-up
        alpha = 0.0
        while True:
            leaves = np.zeros(len(feature))
            risk = np.zeros(len(feature))
            for node in order:
                if feature[node] < 0:
                    leaves[node], risk[node] = 1, R[node]
                else:
                    leaves[node] = leaves[self.left[node]] + leaves[self.right[node]]
                    risk[node] = risk[self.left[node]] + risk[self.right[node]]
            ids, _ = self._reachable(feature)
            inner = ids[feature[ids] >= 0]
            alphas.append(alpha)
            impurities.append(risk[0])
            if len(inner) == 0:
                break
            g = weakest_link_alpha(R[inner], risk[inner], leaves[inner])
            alpha = max(float(g.min()), alpha)
            weakest = inner[g <= g.min() + 1e-14]
            collapse[weakest] = alpha
            feature[weakest] = -1
        self._collapse_alpha = collapse
        return np.array(alphas), np.array(impurities)

    def pruned(self, alpha: float):
        """A copy of the tree with every node whose weakest-link alpha is <= ``alpha`` made a leaf."""
        import copy

        if not hasattr(self, "_collapse_alpha"):
            self.cost_complexity_path()
        small = copy.copy(self)
        small.feature = np.where(self._collapse_alpha <= alpha + 1e-14, -1, self.feature)
        return small


class DecisionTreeClassifier(_Tree):
    """CART classification tree. y: (n,) integer class indices 0..K-1 (K = y.max() + 1)."""

    is_classifier = True

    def __init__(self, criterion: str = "gini", **kwargs):
        if criterion not in CRITERIA:
            raise ValueError(f"criterion must be one of {sorted(CRITERIA)}")
        super().__init__(**kwargs)
        self.criterion = criterion

    def _targets(self, y: np.ndarray) -> np.ndarray:
        y = y.astype(np.int64)
        self.n_classes_ = int(y.max()) + 1
        return np.eye(self.n_classes_)[y]  # one-hot (n, K): cumulative sums give class counts

    def _node_stats(self, T):
        counts = T.sum(axis=0)
        p = counts / counts.sum()
        return p, float(CRITERIA[self.criterion](p))

    def _child_impurities(self, T_sorted):
        """T_sorted: (f, n, K) one-hot targets in sorted order -> impurities (f, n-1) of left/right."""
        n = T_sorted.shape[1]
        cum = np.cumsum(T_sorted, axis=1)                # class counts of every prefix
        left = cum[:, :-1]                               # (f, n-1, K): left child of each boundary
        right = cum[:, -1:] - left
        n_left = np.arange(1, n)[None, :, None]
        impurity = CRITERIA[self.criterion]
        return impurity(left / n_left), impurity(right / (n - n_left))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """(n, K) class proportions of the leaf each row lands in."""
        return self.value[self.apply(X)]

    def predict(self, X: np.ndarray) -> np.ndarray:
        """(n,) most frequent class of each row's leaf."""
        return np.argmax(self.predict_proba(X), axis=1)


class DecisionTreeRegressor(_Tree):
    """CART regression tree with the MSE criterion. y: (n,) float; leaves predict their mean."""

    def _targets(self, y):
        return np.asarray(y, dtype=float)

    def _node_stats(self, T):
        mean = float(T.mean())
        return mean, float(np.mean((T - mean) ** 2))

    def _child_impurities(self, T_sorted):
        """T_sorted: (f, n) targets in sorted order -> MSE (f, n-1) of each left/right child."""
        n = T_sorted.shape[1]
        t = T_sorted - T_sorted[0].mean()                # centring keeps sum(y^2) - sum(y)^2/n accurate
        c, c2 = np.cumsum(t, axis=1), np.cumsum(t * t, axis=1)
        s, s2 = c[:, :-1], c2[:, :-1]
        total, total2 = c[:, -1:], c2[:, -1:]
        n_left = np.arange(1, n)[None, :]
        mse_left = s2 / n_left - (s / n_left) ** 2
        mse_right = (total2 - s2) / (n - n_left) - ((total - s) / (n - n_left)) ** 2
        return np.maximum(mse_left, 0.0), np.maximum(mse_right, 0.0)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """(n,) mean target of each row's leaf."""
        return self.value[self.apply(X)]


# ----------------------------------------------------------------------------- text views
def _condition(tree: _Tree, node: int, names: list[str], levels: dict[str, list[str]], side: str) -> str:
    name = names[tree.feature[node]]
    if name in levels and abs(tree.threshold[node] - 0.5) < 1e-9:
        return f"{name} = {levels[name][0 if side == 'left' else 1]}"
    op = "<=" if side == "left" else ">"
    return f"{name} {op} {tree.threshold[node]:.4g}"


def _leaf_text(tree: _Tree, node: int, target: str, classes: list[str] | None) -> str:
    if tree.is_classifier:
        p = tree.value[node]
        k = int(np.argmax(p))
        return f"{target}={classes[k] if classes else k} (probability: {p[k]:.2f}, n={tree.n_node_samples[node]})"
    return f"{target}={tree.value[node]:.4g} (n={tree.n_node_samples[node]})"


def describe_splits(tree: _Tree, names: list[str], target: str, classes: list[str] | None = None,
                    levels: dict[str, list[str]] | None = None, show_depth: int = 2) -> list[str]:
    """The root split and its children as indented text lines, down to ``show_depth`` levels."""
    levels = levels or {}
    crit = getattr(tree, "criterion", "mse")
    label = {"gini": "Gini gain", "entropy": "information gain", "mse": "MSE reduction"}[crit]

    def split_text(node):
        return f"{names[tree.feature[node]]} <= {tree.threshold[node]:.4g} ({label}: {tree.gain[node]:.3g})"

    if tree.feature[0] < 0:
        return [f"No split (a single leaf): {_leaf_text(tree, 0, target, classes)}"]
    lines = [f"Root split: {split_text(0)}"]

    def walk(node, depth, indent):
        for side, child in (("left", tree.left[node]), ("right", tree.right[node])):
            cond = _condition(tree, node, names, levels, side)
            head = f"{indent}{side.capitalize()} child ({cond}): {_leaf_text(tree, child, target, classes)}"
            lines.append(head)
            if tree.feature[child] >= 0 and depth < show_depth:
                lines.append(f"{indent}  Split: {split_text(child)}")
                walk(child, depth + 1, indent + "    ")
            elif tree.feature[child] >= 0:
                lines.append(f"{indent}  ...")

    walk(0, 1, "  ")
    return lines


def ascii_tree(tree: _Tree, names: list[str], levels: dict[str, list[str]] | None = None,
               classes: list[str] | None = None, max_depth: int = 2) -> list[str]:
    """The top ``max_depth`` levels drawn with / and \\ branches, edge labels under each parent."""
    levels = levels or {}

    def label(node):
        if tree.feature[node] >= 0:
            return f"[{names[tree.feature[node]]}]"
        if tree.is_classifier:
            k = int(np.argmax(tree.value[node]))
            return f"({classes[k] if classes else k})"
        return f"({tree.value[node]:.3g})"

    def edge(node, side):
        name = names[tree.feature[node]]
        if name in levels and abs(tree.threshold[node] - 0.5) < 1e-9:
            return levels[name][0 if side == "left" else 1]
        return f"{'<=' if side == 'left' else '>'}{tree.threshold[node]:.3g}"

    def block(node, depth) -> tuple[list[str], int]:
        text = label(node)
        if tree.feature[node] < 0 or depth >= max_depth:
            if tree.feature[node] >= 0:
                return [text, "...".center(len(text))], len(text)
            return [text], len(text)
        (lb, lw), (rb, rw) = block(tree.left[node], depth + 1), block(tree.right[node], depth + 1)
        le, re_ = edge(node, "left"), edge(node, "right")
        lw, rw = max(lw, len(le)), max(rw, len(re_))
        gap = 4
        width = max(lw + gap + rw, len(text))
        lc, rc = lw // 2, lw + gap + rw // 2
        rows = [text.center(width).rstrip()]
        slash = [" "] * width
        slash[min(lc + (rc - lc) // 4, width - 1)] = "/"
        slash[max(rc - (rc - lc) // 4, 0)] = "\\"
        rows.append("".join(slash).rstrip())
        rows.append((le.center(lw) + " " * gap + re_.center(rw)).rstrip())
        for i in range(max(len(lb), len(rb))):
            a = lb[i] if i < len(lb) else ""
            b = rb[i] if i < len(rb) else ""
            rows.append((a.center(lw) + " " * gap + b.center(rw)).rstrip())
        return rows, width

    return block(0, 0)[0]


# ----------------------------------------------------------------------------- figures
def plot_tree(tree: _Tree, names: list[str], classes: list[str] | None, max_depth: int = 3):
    """The top levels of the tree as boxes and arrows (matplotlib)."""
    fig, ax = plotting.figure(figsize=(12, 6))
    ax.axis("off")
    ax.grid(False)
    positions: dict[int, tuple[float, float]] = {}

    def place(node, depth, lo, hi):
        positions[node] = ((lo + hi) / 2, -depth)
        if tree.feature[node] >= 0 and depth < max_depth:
            mid = (lo + hi) / 2
            place(tree.left[node], depth + 1, lo, mid)
            place(tree.right[node], depth + 1, mid, hi)

    place(0, 0, 0.0, 1.0)
    for node, (x, y) in positions.items():
        if tree.feature[node] >= 0 and tree.left[node] in positions:
            for child in (tree.left[node], tree.right[node]):
                cx, cy = positions[child]
                ax.plot([x, cx], [y, cy], color="0.6", lw=1, zorder=1)
        if tree.feature[node] >= 0:
            text = f"{names[tree.feature[node]]}\n<= {tree.threshold[node]:.3g}\nn={tree.n_node_samples[node]}"
            color = "#dbe9f6"
            if tree.left[node] not in positions:
                text += "\n..."
        elif tree.is_classifier:
            k = int(np.argmax(tree.value[node]))
            text = f"{classes[k] if classes else k}\np={tree.value[node][k]:.2f}\nn={tree.n_node_samples[node]}"
            color = plotting.PALETTE[k % len(plotting.PALETTE)] + "55"
        else:
            text = f"{tree.value[node]:.3g}\nn={tree.n_node_samples[node]}"
            color = "#f6e3c5"
        ax.text(x, y, text, ha="center", va="center", fontsize=7, zorder=2,
                bbox={"boxstyle": "round", "fc": color, "ec": "0.4"})
    ax.set_ylim(-max_depth - 0.5, 0.5)
    ax.set_xlim(-0.02, 1.02)
    ax.set_title(f"Decision tree (top {max_depth} levels; left branch = condition true)")
    return fig


def plot_importances(names: list[str], importances: np.ndarray, top: int = 15):
    order = np.argsort(importances)[::-1][:top][::-1]
    fig, ax = plotting.figure(figsize=(7, max(3, 0.35 * len(order) + 1)))
    ax.barh([names[i] for i in order], importances[order], color=plotting.PALETTE[0])
    ax.set_xlabel("importance (share of total impurity decrease)")
    ax.set_title("Feature importances")
    return fig


def plot_pruning(alphas, train_scores, val_scores, best_alpha, metric: str):
    fig, ax = plotting.figure()
    ax.plot(alphas, train_scores, "o-", ms=3, label="train")
    ax.plot(alphas, val_scores, "o-", ms=3, label="validation")
    ax.axvline(best_alpha, color="0.4", ls="--", label=f"best alpha = {best_alpha:.3g}")
    ax.set_xscale("symlog", linthresh=max(1e-4, float(np.min(alphas[alphas > 0])) if np.any(alphas > 0) else 1e-4))
    ax.set_xlim(left=0)
    ax.set_xlabel("cost-complexity alpha (larger = smaller tree)")
    ax.set_ylabel(metric)
    ax.set_title("Cost-complexity pruning: validation curve")
    ax.legend()
    return fig


# ----------------------------------------------------------------------------- CLI
ALIASES = {"housing_data.csv": "boston-housing"}
KNOWN_TARGETS = ("Survived", "species", "MEDV", "median_house_value")
KNOWN_DROP = {"titanic": ["PassengerId", "Name", "Ticket", "Cabin"]}


def load_table(args, task: str) -> tuple[tabular.Table, str, str]:
    """Read the CSV / dataset and build (table, target, task) with the bundled-set defaults."""
    frame = datasets.read_table(args.data, ALIASES)
    frame.columns = [str(c).strip() for c in frame.columns]
    target = args.target or tabular.default_target(frame, KNOWN_TARGETS)
    tabular.check_columns(frame, [target], "target column")
    name = datasets.resolve(args.data, ALIASES)
    drop = list(args.drop or [])
    if not args.drop and isinstance(name, str):
        drop = [c for c in KNOWN_DROP.get(name, []) if c in frame.columns]
    if task == "auto":
        task = tabular.infer_task(frame[target])
    return tabular.design_matrix(frame, target, task=task, drop=drop), target, task


def main(argv=None) -> int:
    parser = cli.make_parser(__doc__, prog="phase4_ml/decision_tree.py")
    parser.add_argument("data", nargs="?", default="titanic.csv",
                        help="CSV file or dataset name (default titanic.csv)")
    parser.add_argument("--target", help="column to predict (default: Survived/species/MEDV/... or the last column)")
    parser.add_argument("--drop", nargs="+", metavar="COLUMN", help="columns to leave out")
    parser.add_argument("--task", choices=("auto", "classification", "regression"), default="auto")
    parser.add_argument("--criterion", choices=sorted(CRITERIA), default="gini")
    parser.add_argument("--max-depth", type=cli.positive_int, default=5)
    parser.add_argument("--min-samples-split", type=cli.positive_int, default=2)
    parser.add_argument("--min-samples-leaf", type=cli.positive_int, default=1)
    parser.add_argument("--test-size", type=cli.positive_float, default=0.2, help="held-out fraction (default 0.2)")
    parser.add_argument("--show-depth", type=cli.positive_int, default=2, help="levels of splits to print")
    parser.add_argument("--reference", action="store_true",
                        help="run the textbook (reference) implementation instead of the fast one")
    args = parser.parse_args(argv)
    if args.min_samples_split < 2:
        raise cli.UserError("--min-samples-split must be at least 2")
    plotting.setup(args.no_show)
    out = cli.out_dir(args, "decision_tree")

    table, target, task = load_table(args, args.task)
    classify = task == "classification"
    title = "Classifier" if classify else "Regressor"
    print(f"=== Decision Tree {title} from Scratch ===\n")
    print(f"Data: {len(table.X)} rows, {len(table.features)} features; target: {target}"
          + (f" (classes: {', '.join(table.classes)})" if classify else ""))
    for note in table.notes:
        print(f"  ({note})")
    train, test = tabular.train_test_indices(len(table.X), args.test_size, args.seed)
    X_tr, X_te, y_tr, y_te = table.X[train], table.X[test], table.y[train], table.y[test]

    params = dict(max_depth=args.max_depth, min_samples_split=args.min_samples_split,
                  min_samples_leaf=args.min_samples_leaf, seed=args.seed, reference=args.reference)
    print("\nBuilding tree" + (" (textbook split search)..." if args.reference else "..."))
    tree = (DecisionTreeClassifier(criterion=args.criterion, **params) if classify
            else DecisionTreeRegressor(**params)).fit(X_tr, y_tr)
    for line in describe_splits(tree, table.features, target, table.classes, table.levels, args.show_depth):
        print(line)
    print(f"\nTree depth: {tree.depth}")
    print(f"Nodes: {tree.n_nodes} ({tree.n_leaves} leaves)")
    pred = tree.predict(X_te)
    if classify:
        score_name, score = "accuracy", metrics.accuracy(y_te, pred)
        print(f"\nTrain accuracy: {metrics.accuracy(y_tr, tree.predict(X_tr)):.1%}")
        print(f"Test accuracy: {score:.1%}")
    else:
        score_name, score = "RMSE", metrics.rmse(y_te, pred)
        print(f"\nTest RMSE: {score:.4g}")
        print(f"Test R^2: {metrics.r2(y_te, pred):.3f}")

    print("\nDecision Tree Visualization:")
    for line in ascii_tree(tree, table.features, table.levels, table.classes):
        print("    " + line)
    print("\nFeature Importances:")
    importances = tree.feature_importances_
    for i in np.argsort(importances)[::-1][:8]:
        if importances[i] > 0:
            print(f"  {table.features[i]}: {importances[i]:.2f}")

    # cost-complexity pruning: grow a full tree on 75% of the training rows, pick alpha on the rest
    inner, val = tabular.train_test_indices(len(X_tr), 0.25, args.seed + 1)
    full_params = dict(min_samples_leaf=args.min_samples_leaf, seed=args.seed, reference=args.reference)
    full = (DecisionTreeClassifier(criterion=args.criterion, **full_params) if classify
            else DecisionTreeRegressor(**full_params))
    full.fit(X_tr[inner], y_tr[inner])
    alphas, _ = full.cost_complexity_path()
    if len(alphas) > 60:  # the curve is flat among tiny alphas: keep an even spread of 60
        alphas = alphas[np.unique(np.linspace(0, len(alphas) - 1, 60).round().astype(int))]

    def score_of(model, X, y):
        p = model.predict(X)
        return metrics.accuracy(y, p) if classify else metrics.rmse(y, p)

    train_scores = np.array([score_of(full.pruned(a), X_tr[inner], y_tr[inner]) for a in alphas])
    val_scores = np.array([score_of(full.pruned(a), X_tr[val], y_tr[val]) for a in alphas])
    best = int(np.argmax(val_scores) if classify else np.argmin(val_scores))
    best_alpha = float(alphas[best])
    pruned = full.pruned(best_alpha)
    print("\nCost-complexity pruning (full tree grown on 75% of the training rows):")
    print(f"  Full tree: {full.n_nodes} nodes, depth {full.depth}, validation {score_name} "
          f"{_fmt(val_scores[0], classify)}")
    print(f"  Best alpha = {best_alpha:.4g}: {pruned.n_nodes} nodes, depth {pruned.depth}, "
          f"validation {score_name} {_fmt(val_scores[best], classify)}, "
          f"test {score_name} {_fmt(score_of(pruned, X_te, y_te), classify)}")

    saved = [plotting.save(plot_tree(tree, table.features, table.classes), out / "tree.png"),
             plotting.save(plot_importances(table.features, importances), out / "feature_importances.png"),
             plotting.save(plot_pruning(alphas, train_scores, val_scores, best_alpha, score_name),
                           out / "pruning_curve.png")]
    print("\nSaved: " + ", ".join(str(p) for p in saved))
    plotting.show()
    return 0


def _fmt(value: float, classify: bool) -> str:
    return f"{value:.1%}" if classify else f"{value:.4g}"


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
