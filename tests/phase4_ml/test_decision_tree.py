"""decision_tree (project 16): impurities, vectorised best split vs brute force, every split as good as
scikit-learn's (they differ only in how ties are broken), test accuracy vs DecisionTreeClassifier
(Titanic, iris) within 1 point, the tie rules, regression tree RMSE vs DecisionTreeRegressor within
2%, importances and the pruning path equal to scikit-learn's on identical trees, the CLI."""

import numpy as np
import pytest

from common import datasets, tabular
from phase4_ml import decision_tree as dt
from tests.conftest import assert_user_error
from tests.phase4_ml.inprocess import call, odd_csvs, one_blas_thread  # noqa: F401 (autouse fixture)

sktree = pytest.importorskip("sklearn.tree")
TITANIC_DROP = ["PassengerId", "Name", "Ticket", "Cabin"]


def load(name):
    if name == "titanic":
        return tabular.design_matrix(datasets.load("titanic"), "Survived", task="classification", drop=TITANIC_DROP)
    return tabular.design_matrix(datasets.load("iris"), "species", task="classification")


def test_impurities():
    p = np.array([[0.5, 0.5], [1.0, 0.0], [0.25, 0.75]])
    np.testing.assert_allclose(dt.gini_impurity(p), [0.5, 0.0, 0.375])
    np.testing.assert_allclose(dt.entropy_impurity(p), [1.0, 0.0, 0.8112781244591328])


def test_best_split_equals_brute_force():
    """Milestone 1: the vectorised scan finds the split a double loop over (feature, threshold) finds."""
    rng = np.random.default_rng(0)
    X = rng.integers(0, 6, size=(40, 3)).astype(float)
    y = (X[:, 1] + rng.integers(0, 3, 40) > 4).astype(int)
    tree = dt.DecisionTreeClassifier(max_depth=1).fit(X, y)
    best = (-1, None, None)
    for j in range(3):
        for t in np.unique(X[:, j])[:-1] + 0.5:
            left = X[:, j] <= t
            child = sum(m.mean() * dt.gini_impurity(np.bincount(y[m], minlength=2) / m.sum()) for m in (left, ~left))
            gain = dt.gini_impurity(np.bincount(y, minlength=2) / len(y)) - child
            if gain > best[0] + 1e-12:
                best = (gain, j, t)
    assert (tree.feature[0], tree.threshold[0]) == (best[1], best[2])
    assert tree.gain[0] == pytest.approx(best[0])


def node_rows(feature, threshold, left, right, X):
    """{node id: the rows of X that reach it} for a tree given as flat arrays (ours or sklearn's tree_)."""
    rows, stack = {}, [(0, np.arange(len(X)))]
    while stack:
        node, r = stack.pop()
        rows[node] = r
        if feature[node] >= 0:
            go_left = X[r, feature[node]] <= threshold[node]
            stack += [(left[node], r[go_left]), (right[node], r[~go_left])]
    return rows


def split_gain(tree, node):
    """Impurity decrease of a node's split from the stored impurities (works for ours and sklearn's)."""
    n, imp = tree.n_node_samples, tree.impurity
    kids = [tree.children_left[node], tree.children_right[node]] if hasattr(tree, "children_left") else \
        [tree.left[node], tree.right[node]]
    return imp[node] - sum(n[k] * imp[k] for k in kids) / n[node]


def same_tree(ours, ref) -> bool:
    """Node for node the same splits (pre-order; sklearn's thresholds are float32 midpoints)."""
    t = ref.tree_
    return (len(ours.feature) == t.node_count and np.array_equal(ours.feature, np.maximum(t.feature, -1))
            and np.allclose(np.where(ours.feature >= 0, ours.threshold, -2.0), t.threshold, rtol=1e-6, atol=1e-9))


@pytest.mark.parametrize("name", ["titanic", "iris"])
@pytest.mark.parametrize("criterion", ["gini", "entropy"])
def test_every_split_is_as_good_as_sklearns(name, criterion):
    """Our trees and scikit-learn's differ only by which of several equally good splits a node takes.

    For 10 scikit-learn random states (depth 5), at every node of its tree our best split of that
    node's rows has the same impurity decrease (to 1e-12), and where it stops early (an impure
    leaf above depth 5) we stop too. Conversely, at every node of our trees (both tie rules),
    scikit-learn's best split of that node's rows is exactly as good as ours.
    """
    table = load(name)
    train, _ = tabular.train_test_indices(len(table.X), 0.2, 42)
    X, y = table.X[train], table.y[train]
    params = dict(criterion=criterion, max_depth=5)

    def ours_at(r):
        return dt.DecisionTreeClassifier(criterion=criterion, max_depth=1).fit(X[r], y[r])

    def sklearn_at(r):
        return sktree.DecisionTreeClassifier(criterion=criterion, max_depth=1, random_state=0).fit(X[r], y[r]).tree_

    for state in range(10):
        t = sktree.DecisionTreeClassifier(random_state=state, **params).fit(X, y).tree_
        depth = {0: 0}
        for node, r in node_rows(t.feature, t.threshold, t.children_left, t.children_right, X).items():
            stump = ours_at(r)
            if t.feature[node] >= 0:
                depth[t.children_left[node]] = depth[t.children_right[node]] = depth[node] + 1
                assert stump.feature[0] >= 0 and stump.gain[0] == pytest.approx(split_gain(t, node), abs=1e-12)
            elif depth[node] < 5 and t.impurity[node] > 0:
                assert stump.feature[0] < 0, (state, node)
    trees = [dt.DecisionTreeClassifier(**params).fit(X, y)]
    trees += [dt.DecisionTreeClassifier(seed=s, tie_break="random", **params).fit(X, y) for s in range(5)]
    for tree in trees:
        for node, r in node_rows(tree.feature, tree.threshold, tree.left, tree.right, X).items():
            if tree.feature[node] >= 0:
                ref = sklearn_at(r)
                assert tree.gain[node] == pytest.approx(split_gain(ref, 0), abs=1e-12)
                assert tree.gain[node] == pytest.approx(split_gain(tree, node), abs=1e-12)


@pytest.mark.parametrize("name", ["titanic", "iris"])
@pytest.mark.parametrize("criterion", ["gini", "entropy"])
def test_accuracy_matches_sklearn(name, criterion):
    """Same hyper-parameters, same split: test accuracy equal to scikit-learn's within 1 point.

    scikit-learn breaks ties between equally good splits by a random feature order (random_state):
    on Titanic at depth 5 that alone spreads its test accuracy over 78.1-79.8%. So we compare like
    with like. (1) With scikit-learn's tie rule (tie_break="random"), our mean test accuracy over 50
    seeds is within 1 point of scikit-learn's mean over 50 random states. (2) With our
    deterministic rule (lowest feature index), a scikit-learn random state whose ties happen to
    resolve the same way grows our tree node for node, and its test predictions equal ours.
    """
    table = load(name)
    train, test = tabular.train_test_indices(len(table.X), 0.2, 42)
    X, y, X_test, y_test = table.X[train], table.y[train], table.X[test], table.y[test]
    for depth in (3, 5):
        refs = [sktree.DecisionTreeClassifier(criterion=criterion, max_depth=depth, random_state=r).fit(X, y)
                for r in range(200)]
        ours_acc = np.mean([np.mean(dt.DecisionTreeClassifier(criterion=criterion, max_depth=depth, seed=s,
                                                              tie_break="random").fit(X, y).predict(X_test) == y_test)
                            for s in range(50)])
        ref_acc = np.mean([ref.score(X_test, y_test) for ref in refs[:50]])
        assert abs(ours_acc - ref_acc) <= 0.01, (depth, ours_acc, ref_acc)

        first = dt.DecisionTreeClassifier(criterion=criterion, max_depth=depth).fit(X, y)
        same = [ref for ref in refs if same_tree(first, ref)]
        assert same, "no scikit-learn random state in 0..199 resolved the ties as our lowest-index rule"
        np.testing.assert_array_equal(first.predict(X_test), same[0].predict(X_test))


def test_tie_break_rules():
    """Iris's root has two perfect splits (petal length and petal width separate setosa): "first"
    takes the lower feature index whatever the seed; "random" takes either, reproducibly per seed."""
    table = load("iris")
    firsts = {int(dt.DecisionTreeClassifier(max_depth=1, seed=s).fit(table.X, table.y).feature[0]) for s in range(8)}
    assert firsts == {2}
    randoms = [int(dt.DecisionTreeClassifier(max_depth=1, seed=s, tie_break="random").fit(table.X, table.y).feature[0])
               for s in range(8)]
    assert set(randoms) == {2, 3}
    assert randoms == [int(dt.DecisionTreeClassifier(max_depth=1, seed=s, tie_break="random")
                           .fit(table.X, table.y).feature[0]) for s in range(8)]
    with pytest.raises(ValueError, match="tie_break"):
        dt.DecisionTreeClassifier(tie_break="last")


def test_identical_tree_importances_and_pruning_path():
    """Milestones 2 and 4: where no ties occur the tree is sklearn's node for node, so impurity,
    importances and the cost-complexity path agree to 1e-9; impurity falls level by level."""
    table = load("titanic")
    X, y = table.X, table.y
    ours = dt.DecisionTreeClassifier(max_depth=3).fit(X, y)
    ref = sktree.DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    assert ours.n_nodes == ref.tree_.node_count
    np.testing.assert_allclose(ours.feature_importances_, ref.feature_importances_, atol=1e-9)
    np.testing.assert_allclose(np.sort(ours.impurity), np.sort(ref.tree_.impurity), atol=1e-12)
    alphas, impurities = ours.cost_complexity_path()
    path = ref.cost_complexity_pruning_path(X, y)
    np.testing.assert_allclose(np.unique(alphas), np.unique(path.ccp_alphas), atol=1e-12)
    # every split lowers the impurity: n_L I(L) + n_R I(R) < n I(parent)
    inner = np.flatnonzero(ours.feature >= 0)
    n, imp = ours.n_node_samples, ours.impurity
    children = n[ours.left[inner]] * imp[ours.left[inner]] + n[ours.right[inner]] * imp[ours.right[inner]]
    assert np.all(children < n[inner] * imp[inner])
    # the most important feature on Titanic is sex
    assert table.features[int(np.argmax(ours.feature_importances_))] == "Sex"


def test_depth_limit_and_pruning_fight_overfitting():
    """Milestone 3: the unlimited tree memorises the training rows and does worse on the test rows."""
    table = load("titanic")
    train, test = tabular.train_test_indices(len(table.X), 0.2, 42)
    full = dt.DecisionTreeClassifier().fit(table.X[train], table.y[train])
    small = dt.DecisionTreeClassifier(max_depth=3).fit(table.X[train], table.y[train])
    train_acc = [np.mean(m.predict(table.X[train]) == table.y[train]) for m in (full, small)]
    test_acc = [np.mean(m.predict(table.X[test]) == table.y[test]) for m in (full, small)]
    assert train_acc[0] > 0.95 > train_acc[1]
    assert test_acc[1] > test_acc[0] + 0.03
    alphas, _ = full.cost_complexity_path()
    pruned = full.pruned(float(alphas[len(alphas) * 3 // 4]))
    assert pruned.n_nodes < full.n_nodes and full.pruned(float(alphas[-1])).n_nodes == 1


def test_min_samples_and_max_features():
    table = load("iris")
    tree = dt.DecisionTreeClassifier(min_samples_leaf=10).fit(table.X, table.y)
    ids, _ = tree._reachable()
    assert tree.n_node_samples[ids[tree.feature[ids] < 0]].min() >= 10
    a = dt.DecisionTreeRegressor(max_features=2, seed=3, max_depth=4).fit(table.X, table.X[:, 0])
    b = dt.DecisionTreeRegressor(max_features=2, seed=3, max_depth=4).fit(table.X, table.X[:, 0])
    np.testing.assert_array_equal(a.feature, b.feature)
    assert a.predict(table.X).shape == (150,)


@pytest.mark.slow
def test_regression_tree_rmse_matches_sklearn():
    frame = datasets.load("california-housing")
    table = tabular.design_matrix(frame, "median_house_value", drop=["ocean_proximity"])
    train, test = tabular.train_test_indices(len(table.X), 0.2, 42)
    for depth in (6, 10):
        ours = dt.DecisionTreeRegressor(max_depth=depth).fit(table.X[train], table.y[train])
        ref = sktree.DecisionTreeRegressor(max_depth=depth, random_state=0).fit(table.X[train], table.y[train])
        rmse = np.sqrt(np.mean((ours.predict(table.X[test]) - table.y[test]) ** 2))
        ref_rmse = np.sqrt(np.mean((ref.predict(table.X[test]) - table.y[test]) ** 2))
        assert abs(rmse - ref_rmse) <= 0.02 * ref_rmse


@pytest.mark.slow
def test_cli_transcript(run_cli, tmp_path):
    res = run_cli("phase4_ml/decision_tree.py", "titanic.csv", "--no-show", "--out", tmp_path)
    assert res.returncode == 0, res
    out = res.stdout
    for line in ("=== Decision Tree Classifier from Scratch ===", "Building tree...",
                 "Root split: Sex <= 0.5 (Gini gain: 0.1", "Left child (Sex = female): Survived=1",
                 "Right child (Sex = male):", "Tree depth: 5", "Nodes: ", "Test accuracy: ",
                 "Decision Tree Visualization:", "[Sex]", "Feature Importances:", "  Sex: 0.5"):
        assert line in out, line
    assert 0.75 < float(out.split("Test accuracy: ")[1].split("%")[0]) / 100 < 0.9
    for name in ("tree.png", "feature_importances.png", "pruning_curve.png"):
        assert (tmp_path / name).stat().st_size > 10_000


@pytest.mark.slow
def test_hidden_data(capsys, tmp_path):
    files = odd_csvs(tmp_path)
    res = call(dt.main, capsys, files["mixed"], "--target", "kind", "--no-show", "--out", tmp_path)
    assert res.returncode == 0 and "Test accuracy" in res.stdout, res
    res = call(dt.main, capsys, files["mixed"], "--target", "price", "--no-show", "--out", tmp_path)
    assert res.returncode == 0 and "Decision Tree Regressor" in res.stdout and "Test RMSE" in res.stdout, res
    res = call(dt.main, capsys, "housing_data.csv", "--max-depth", "4", "--no-show", "--out", tmp_path)
    assert res.returncode == 0 and "MEDV" in res.stdout, res


@pytest.mark.parametrize("args, fragment", [
    (["nope.csv"], "no such file"),
    (["{empty}"], "empty.csv"),
    (["{binary}"], "not a text csv"),
    (["{header_only}"], "no data rows"),
    (["{one_class}", "--target", "label"], "only one class"),
    (["{mixed}", "--target", "price", "--task", "classification"], "too many classes"),
    (["{mixed}", "--target", "kind", "--task", "regression"], "not numeric"),
    (["{mixed}", "--target", "zzz"], "no target column"),
    (["{all_text}", "--target", "label"], "no usable feature columns"),
    (["titanic.csv", "--max-depth", "0"], "expected a number >= 1"),
    (["titanic.csv", "--criterion", "log"], "invalid choice"),
    (["titanic.csv", "--min-samples-split", "1"], "at least 2"),
])
def test_bad_input_is_one_clear_error(capsys, tmp_path, args, fragment):
    files = odd_csvs(tmp_path)
    argv = [str(files[a[1:-1]]) if a.startswith("{") else a for a in args]
    res = call(dt.main, capsys, *argv, "--no-show", "--out", tmp_path / "out")
    assert_user_error(res, fragment)
    assert not list((tmp_path / "out").glob("*.png"))
