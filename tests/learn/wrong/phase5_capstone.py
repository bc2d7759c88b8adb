"""Deliberately wrong bodies for learner mode's tests (phase5_capstone): project -> (function, text in its
reference body, the wrong text). Each is a small mistake a learner makes (a sign flip, an
off-by-one, a missing term) and must make that function's milestone fail with expected vs got."""

WRONG: dict[str, tuple[str, str, str]] = {
    # oldest node first: the loss's gradient arrives after its users have run, so no leaf gets a .grad
    "minigrad": ("topological_order", "nodes.sort(key=_STAMP_OF, reverse=True)", "nodes.sort(key=_STAMP_OF)"),
    # the column offset copied from the row one: the filter's off-diagonal taps are never used
    "train_mnist": ("conv2d", "j:j + sw * (out_w - 1) + 1:sw]", "i:i + sw * (out_w - 1) + 1:sw]"),
    # the projection back into the eps-ball forgotten: the PGD steps add up past eps
    "adversarial": ("pgd", "adv = np.clip(np.clip(adv, x - eps, x + eps), 0.0, 1.0)", "adv = np.clip(adv, 0.0, 1.0)"),
    # the 1.5 of the IQR fences forgotten: far too many outliers
    "ml_pipeline": ("iqr_outliers", "(values < q1 - k * iqr) | (values > q3 + k * iqr)",
                    "(values < q1 - iqr) | (values > q3 + iqr)"),
}
