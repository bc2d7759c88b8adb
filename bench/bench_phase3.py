"""Phase 3 comparisons: the pure-Python naive Bayes training vs scikit-learn, and the Monte Carlo
dart throughput (float32 draws on all cores) vs the plain float64 chunked loop and the 100 M/s target."""

import math

from tools.bench_harness import Comparison

DARTS = 100_000_000


def spam_filter():
    """Training on the SMS split: our tokenizer + counts + log tables vs CountVectorizer + MultinomialNB."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.naive_bayes import MultinomialNB

    from common import datasets
    from phase3_probability import spam_filter as sf

    frame = datasets.load("sms-spam")
    texts, labels = list(frame.text), list(frame.label)
    train, test = sf.train_test_split(len(texts), 0.2, 42)
    train_x, train_y = [texts[i] for i in train], [labels[i] for i in train]
    test_x, test_y = [texts[i] for i in test], [labels[i] for i in test]

    def reference():
        vec = CountVectorizer()
        return vec, MultinomialNB(alpha=1.0).fit(vec.fit_transform(train_x), train_y)

    def quality(model, ref):
        vec, nb = ref
        ours = sum(model.predict(t) == y for t, y in zip(test_x, test_y)) / len(test_y)
        theirs = float((nb.predict(vec.transform(test_x)) == test_y).mean())
        return "test accuracy", ours, theirs

    return Comparison("spam_filter: naive Bayes training, SMS train split (4,459 messages)",
                      lambda: sf.train(train_x, train_y, 1.0), reference,
                      "CountVectorizer + MultinomialNB fit", max_ratio=3.0, quality=quality, repeats=7)


def monte_carlo_pi():
    """10^8 darts: float32 + threads (independent generators per chunk) vs the plain float64 loop."""
    from phase3_probability import monte_carlo_pi as mc

    def ours():
        return mc.throw_darts(DARTS, 42).estimate

    def plain():
        return 4 * mc.plain_float64_count(DARTS, 42) / DARTS

    def error(o, r):
        return "|pi estimate - pi|", abs(o - math.pi), abs(r - math.pi)

    return [
        Comparison("monte_carlo_pi: 10^8 darts, float32 + all cores", ours, plain,
                   "plain float64 chunked loop (1 thread)", max_ratio=1 / 1.5, quality=error, repeats=3,
                   note="target: at least 1.5x the plain loop's throughput"),
        Comparison("monte_carlo_pi: 10^8 darts vs the 100 M darts/s target", ours, None,
                   "budget 1.0 s (100 M darts/s)", max_ratio=1.0, budget_s=DARTS / 100e6, repeats=3,
                   note="ratio < 1 means faster than 100 M darts/s"),
    ]
