"""Deliberately wrong bodies for learner mode's tests (phase4_ml): project -> (function, text in its
reference body, the wrong text). Each is a small mistake a learner makes (a sign flip, an
off-by-one, a missing term) and must make that function's milestone fail with expected vs got."""

WRONG: dict[str, tuple[str, str, str]] = {
    # the 2 of d(v^2)/dv forgotten in the penalty: gradient descent lands on Ridge with alpha / 2
    "linear_regression": ("ridge_gradient", "2 * penalty * v / n_total", "penalty * v / n_total"),
    # the L2 term left out of the gradient: training runs to the unpenalised optimum, not scikit-learn's
    "logistic_regression": ("logistic_gradient", "return X.T @ err / len(X) + penalty * W, err.mean(axis=0)",
                            "return X.T @ err / len(X), err.mean(axis=0)"),
    # the 2 of ||x||^2 - 2 x.c + ||c||^2 forgotten: points go to the wrong centroid
    "kmeans": ("nearest_centroid", "scores *= -2.0", "scores *= -1.0"),
    # the children's impurities averaged without their sizes: cutting off a few pure rows looks best
    "decision_tree": ("best_split_textbook",
                      "child = (n_left * impurity(y[left]) + n_right * impurity(y[~left])) / n",
                      "child = (impurity(y[left]) + impurity(y[~left])) / 2"),
    # the preprocessing step left out of the pipelines: our logistic regression sees unscaled features
    "sklearn_sprint": ("pipelines", "pipes = {label: make_pipeline(clone(prep), model)",
                       "pipes = {label: make_pipeline(model)"),
    # the layers counted from the output: the first/last ratio comes out upside down
    "backprop_viz": ("Trainer_gradient_norms", "for g in self.model.dW]", "for g in self.model.dW[::-1]]"),
    # the activation's derivative left out of the chain rule: the textbook gradients fail the check
    "neural_network": ("mlp_backward", "delta = (delta @ weights[i].T) * f_prime(zs[i - 1])",
                       "delta = delta @ weights[i].T"),
}
