"""scikit-learn sprint (boss milestone M5): six classifiers, 5-fold cross-validation, confusion matrices.

Loads Iris and digits (both shipped inside scikit-learn) and Titanic (bundled in data/), trains
six scikit-learn classifiers with stratified k-fold cross-validation and prints mean +- std
accuracy per model, with our own from-scratch models (phase4_ml.logistic_regression and
phase4_ml.decision_tree) in the same table, on the same folds and the same preprocessing, so the
gap (or the lack of one) is visible. On digits, whose features are pixel intensities 0..16 (counts),
the multinomial naive Bayes of phase 3 (phase3_probability.spam_filter) runs on the raw counts
next to scikit-learn's MultinomialNB with the same alpha.

Cross-validation: split the data into k folds with the class proportions kept (stratified);
train on k-1 folds, score on the held-out one, repeat k times. The mean estimates the accuracy on
new data; the std shows how much it depends on the split.
Preprocessing lives in a Pipeline (impute -> one-hot -> scale) so it is fitted on the training
folds only: nothing about the held-out fold leaks into training.
"""

from __future__ import annotations

import time

import numpy as np

from common import cli, datasets, metrics, plotting

DATASETS = ("iris", "titanic", "digits")
COUNT_DATASETS = ("digits",)  # non-negative counts: multinomial naive Bayes applies (unscaled)


# ----------------------------------------------------------------------------- our models, sklearn-shaped
def _our_estimators():
    """sklearn-compatible wrappers (fit/predict/get_params) around our from-scratch models."""
    from sklearn.base import BaseEstimator, ClassifierMixin

    from phase3_probability import spam_filter
    from phase4_ml.decision_tree import DecisionTreeClassifier as OurTree
    from phase4_ml.logistic_regression import LogisticRegression as OurLogistic

    class OursLogistic(ClassifierMixin, BaseEstimator):
        def __init__(self, C=1.0, epochs=1000):
            self.C, self.epochs = C, epochs

        def fit(self, X, y):
            self.classes_, codes = np.unique(y, return_inverse=True)
            self.model_ = OurLogistic(C=self.C, epochs=self.epochs).fit(np.asarray(X, dtype=float), codes)
            return self

        def predict(self, X):
            return self.classes_[self.model_.predict(np.asarray(X, dtype=float))]

    class OursTree(ClassifierMixin, BaseEstimator):
        def __init__(self, max_depth=5, seed=0):
            self.max_depth, self.seed = max_depth, seed

        def fit(self, X, y):
            self.classes_, codes = np.unique(y, return_inverse=True)
            self.model_ = OurTree(max_depth=self.max_depth, seed=self.seed).fit(np.asarray(X, dtype=float), codes)
            return self

        def predict(self, X):
            return self.classes_[self.model_.predict(np.asarray(X, dtype=float))]

    class OursNaiveBayes(ClassifierMixin, BaseEstimator):
        """Phase 3's multinomial naive Bayes (pure Python) on a count matrix."""

        def __init__(self, alpha=1.0):
            self.alpha = alpha

        def fit(self, X, y):
            self.classes_, codes = np.unique(y, return_inverse=True)
            self.model_ = spam_filter.train_counts(np.asarray(X, dtype=float), codes.tolist(), alpha=self.alpha)
            return self

        def predict(self, X):
            return self.classes_[np.array(spam_filter.predict_counts(self.model_, np.asarray(X, dtype=float)))]

    return OursLogistic, OursTree, OursNaiveBayes


def load(name: str):
    """(X, y, class names, preprocessing step) for one of DATASETS; another name is a UserError.

    iris and digits come with scikit-learn (``load_iris``, ``load_digits``): X (n, d) floats, y
    (n,) ints, and the step is a StandardScaler. titanic is the bundled table: X holds the columns
    Pclass, Age, SibSp, Parch, Fare (numeric) and Sex, Embarked (text), y is Survived, and the step
    is a ColumnTransformer: median imputation then scaling for the numeric columns, most-frequent
    imputation then one-hot encoding (first level dropped) for the text ones. The step is returned
    unfitted, so that cross-validation fits it on the training folds only.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.datasets import load_digits, load_iris
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    if name == "iris":
        data = load_iris()
        return data.data, data.target, list(data.target_names), StandardScaler()
    if name == "digits":
        data = load_digits()
        return data.data, data.target, [str(c) for c in data.target_names], StandardScaler()
    if name == "titanic":
        frame = datasets.load("titanic")
        numeric, categorical = ["Pclass", "Age", "SibSp", "Parch", "Fare"], ["Sex", "Embarked"]
        prep = ColumnTransformer([
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                  OneHotEncoder(drop="first", handle_unknown="ignore")), categorical),
        ])
        return frame[numeric + categorical], frame["Survived"].to_numpy(), ["died", "survived"], prep
    raise cli.UserError(f"unknown dataset {name!r}: choose from {', '.join(DATASETS)}")


def models(seed: int, quick: bool = False) -> dict:
    """Name -> unfitted classifier: six from scikit-learn, two of ours (run after the scaling step).

    scikit-learn's LogisticRegression (max_iter 2000), k-NN (k = 5), a decision tree of depth 5,
    a random forest (100 trees; 30 with ``quick``), an RBF SVC and Gaussian naive Bayes, then our
    logistic regression (C = 1, 500 epochs; 200 with ``quick``) and our decision tree of depth 5.
    The randomised ones get ``seed``, so every run gives the same table.
    """
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier

    OursLogistic, OursTree, _ = _our_estimators()
    return {
        "LogisticRegression": LogisticRegression(max_iter=2000),
        "k-NN (k=5)": KNeighborsClassifier(5),
        "DecisionTree (depth 5)": DecisionTreeClassifier(max_depth=5, random_state=seed),
        "RandomForest": RandomForestClassifier(n_estimators=30 if quick else 100, random_state=seed),
        "SVC (RBF)": SVC(),
        "GaussianNB": GaussianNB(),
        "ours: logistic regression": OursLogistic(C=1.0, epochs=200 if quick else 500),
        "ours: decision tree (depth 5)": OursTree(max_depth=5, seed=seed),
    }


def count_models(alpha: float = 1.0) -> dict:
    """Name -> multinomial naive Bayes, ours (phase 3) and scikit-learn's, same alpha; for raw counts."""
    from sklearn.naive_bayes import MultinomialNB

    _, _, OursNaiveBayes = _our_estimators()
    return {"MultinomialNB (counts)": MultinomialNB(alpha=alpha),
            "ours: naive Bayes (phase 3)": OursNaiveBayes(alpha=alpha)}


def pipelines(name: str, prep, seed: int, quick: bool = False) -> dict:
    """Name -> pipeline for one dataset: preprocessing + model; count models see the raw counts.

    Every model of :func:`models` gets its own copy of the preprocessing step in front of it
    (``make_pipeline(clone(prep), model)``), so each one is fitted on the training folds alone.
    For a count dataset (:data:`COUNT_DATASETS`) the two multinomial naive Bayes models of
    :func:`count_models` are added without any preprocessing: scaling would make counts negative.
    """
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline

    pipes = {label: make_pipeline(clone(prep), model) for label, model in models(seed, quick).items()}
    if name in COUNT_DATASETS:  # scaling would make counts negative: multinomial NB gets them as they are
        pipes.update({label: make_pipeline(model) for label, model in count_models().items()})
    return pipes


def cross_val_accuracy(pipe, X, y, splitter) -> tuple[float, float]:
    """(mean, std) of the test accuracy of ``pipe`` over the folds of ``splitter``.

    For each fold (train rows, test rows) of ``splitter.split(X, y)``: a fresh, unfitted copy of
    the pipeline (``sklearn.base.clone``) is fitted on the training rows only, preprocessing
    included, and scores the accuracy (the share of correct predictions) on the test rows. With
    k folds that gives k accuracies a_1..a_k; the mean estimates the accuracy on new data and the
    std (np.std, dividing by k) shows how much it depends on the split. X: (n, d) array or table,
    y: (n,) labels. scikit-learn's ``cross_validate`` does exactly this.

    Example: fold accuracies 0.9, 1.0, 0.95 -> (0.95, 0.0408).
    """
    from sklearn.model_selection import cross_validate

    scores = cross_validate(pipe, X, y, cv=splitter)["test_score"]       # (k,) one accuracy per fold
    return float(scores.mean()), float(scores.std())


def evaluate(name: str, folds: int, seed: int, quick: bool = False):
    """Cross-validate every model on one dataset. Returns (rows, best sklearn model name, its CV
    predictions, y, class names); a row is (model name, mean accuracy, std, seconds)."""
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    X, y, classes, prep = load(name)
    smallest = int(np.unique(y, return_counts=True)[1].min())
    if folds > smallest:                     # stratified: every fold needs a member of every class
        raise cli.UserError(f"--folds {folds} is more than {name}'s smallest class ({smallest} samples): "
                            f"use at most {smallest} folds")
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    rows = []
    pipes = pipelines(name, prep, seed, quick)
    for label, pipe in pipes.items():
        start = time.perf_counter()
        mean, std = cross_val_accuracy(pipe, X, y, splitter)
        rows.append((label, mean, std, time.perf_counter() - start))
    best = max((r for r in rows if not r[0].startswith("ours")), key=lambda r: r[1])[0]
    pred = cross_val_predict(clone(pipes[best]), X, y, cv=splitter)
    return rows, best, pred, y, classes


# ----------------------------------------------------------------------------- figures
def plot_confusions(results):
    fig, axes = plotting.figure(1, len(results), figsize=(5.2 * len(results), 4.8), squeeze=False)
    for ax, (name, (_, best, pred, y, classes)) in zip(axes[0], results.items(), strict=True):
        cm = metrics.confusion_matrix(y, pred, labels=np.arange(len(classes)))
        ax.imshow(cm, cmap="Blues")
        ax.grid(False)
        ticks = np.arange(len(classes))
        ax.set_xticks(ticks, classes, rotation=45 if len(classes) > 3 else 0, fontsize=8)
        ax.set_yticks(ticks, classes, fontsize=8)
        for i in range(len(classes)):
            for j in range(len(classes)):
                ax.text(j, i, int(cm[i, j]), ha="center", va="center", fontsize=7 if len(classes) > 5 else 10,
                        color="w" if cm[i, j] > cm.max() / 2 else "k")
        ax.set_xlabel("predicted")
        ax.set_ylabel("actual")
        ax.set_title(f"{name}: {best}\n(cross-validated predictions)", fontsize=10)
    fig.tight_layout()
    return fig


def plot_scores(results):
    names = list(results)
    labels = list(dict.fromkeys(r[0] for name in names for r in results[name][0]))  # union, in order
    fig, ax = plotting.figure(figsize=(10, 5))
    width = 0.8 / len(names)
    x = np.arange(len(labels))
    for i, name in enumerate(names):
        rows = {r[0]: r for r in results[name][0]}
        at = [j for j, label in enumerate(labels) if label in rows]  # a dataset without a model leaves a gap
        ax.bar(x[at] + i * width, [rows[labels[j]][1] for j in at], width,
               yerr=[rows[labels[j]][2] for j in at], capsize=2, label=name)
    ax.set_xticks(x + width * (len(names) - 1) / 2, labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0.5, 1.0)
    ax.set_ylabel("cross-validated accuracy")
    ax.set_title("Mean +- std accuracy over the folds")
    ax.legend()
    return fig


# ----------------------------------------------------------------------------- CLI
def main(argv=None) -> int:
    parser = cli.make_parser(__doc__, prog="phase4_ml/sklearn_sprint.py")
    parser.add_argument("--datasets", default=",".join(DATASETS),
                        help=f"comma-separated subset of {', '.join(DATASETS)} (default all)")
    parser.add_argument("--folds", type=cli.positive_int, default=5, help="cross-validation folds (default 5)")
    parser.add_argument("--quick", action="store_true", help="smaller random forest, fewer epochs (for the tour)")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    unknown = [n for n in names if n not in DATASETS]
    if unknown or not names:
        bad = unknown[0] if unknown else "(none)"
        raise cli.UserError(f"unknown dataset {bad!r}: choose from {', '.join(DATASETS)}")
    if args.folds < 2:
        raise cli.UserError("--folds must be at least 2")
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise cli.UserError("scikit-learn is not installed: pip install -e '.[sklearn]'") from None
    plotting.setup(args.no_show)
    out = cli.out_dir(args, "sklearn_sprint")

    print("=== scikit-learn Sprint: cross-validated classifiers ===")
    results = {}
    for name in names:
        rows, best, pred, y, classes = evaluate(name, args.folds, args.seed, args.quick)
        results[name] = (rows, best, pred, y, classes)
        print(f"\n{name} ({len(y)} samples, {len(classes)} classes), {args.folds}-fold stratified CV:")
        print(f"  {'model':<32}{'accuracy (mean +- std)':>24}{'time':>8}")
        for label, mean, std, seconds in sorted(rows, key=lambda r: -r[1]):
            print(f"  {label:<32}{mean:>15.1%} +- {std:>5.1%}{seconds:>7.1f}s")
        print(f"  Best scikit-learn model: {best}")
    first = names[0]
    rows, best, pred, y, classes = results[first]
    print()
    print(metrics.format_confusion_matrix(metrics.confusion_matrix(y, pred, labels=np.arange(len(classes))), classes,
                                          title=f"Confusion matrix, {first}, {best} (cross-validated):"))
    saved = [plotting.save(plot_confusions(results), out / "confusion_matrices.png"),
             plotting.save(plot_scores(results), out / "cv_accuracy.png")]
    print("\nSaved: " + ", ".join(str(p) for p in saved))
    plotting.show()
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
