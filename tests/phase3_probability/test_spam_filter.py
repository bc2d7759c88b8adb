"""spam_filter: likelihoods and posteriors by hand, Laplace smoothing, agreement with scikit-learn's
MultinomialNB on the same token counts, accuracy on the SMS corpus, CLI, JSON save/load."""

import json
import math

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.naive_bayes import MultinomialNB

from common import datasets
from phase3_probability import spam_filter as sf
from tests.conftest import assert_user_error, needs_dataset

SCRIPT = "phase3_probability/spam_filter.py"
TOY_TEXTS = ["free money now", "free prize, claim now", "meeting at noon", "lunch meeting today?", "money for lunch"]
TOY_LABELS = ["spam", "spam", "ham", "ham", "ham"]


def _sms_split(limit=None):
    frame = datasets.load("sms-spam")
    texts, labels = list(frame.text)[:limit], list(frame.label)[:limit]
    train, test = sf.train_test_split(len(texts), 0.2, 42)
    return ([texts[i] for i in train], [labels[i] for i in train], [texts[i] for i in test],
            [labels[i] for i in test])


def _sklearn(train_x, train_y, alpha=1.0):
    vec = CountVectorizer(tokenizer=sf.tokenize, lowercase=False, token_pattern=None)
    return vec, MultinomialNB(alpha=alpha).fit(vec.fit_transform(train_x), train_y)


def test_tokenize():
    assert sf.tokenize("Call 0800-FREE now! I'll win") == ["call", "0800", "free", "now", "i'll", "win"]
    assert sf.tokenize("!!! ...") == []


def test_likelihood_from_counts():
    model = sf.train(TOY_TEXTS, TOY_LABELS, alpha=1.0)
    vocab = sorted({w for t in TOY_TEXTS for w in sf.tokenize(t)})
    spam_tokens = [w for t, y in zip(TOY_TEXTS, TOY_LABELS) if y == "spam" for w in sf.tokenize(t)]
    assert model.probability("free", "spam") == pytest.approx((2 + 1) / (len(spam_tokens) + len(vocab)), rel=1e-12)
    ham_tokens = [w for t, y in zip(TOY_TEXTS, TOY_LABELS) if y == "ham" for w in sf.tokenize(t)]
    assert "free" not in ham_tokens
    assert model.probability("free", "ham") == pytest.approx(1 / (len(ham_tokens) + len(vocab)), rel=1e-12)
    assert math.exp(model.log_prior["spam"]) == pytest.approx(2 / 5)
    assert sum(model.probability(w, "spam") for w in vocab) == pytest.approx(1.0)


def test_posterior_is_bayes_theorem():
    model = sf.train(TOY_TEXTS, TOY_LABELS)
    words = sf.tokenize("free lunch")
    joint = {c: math.exp(model.log_prior[c]) * math.prod(model.probability(w, c) for w in words)
             for c in ("spam", "ham")}
    post = model.posterior("free lunch")
    assert post["spam"] == pytest.approx(joint["spam"] / (joint["spam"] + joint["ham"]), rel=1e-12)
    assert sum(post.values()) == pytest.approx(1.0)


def test_posterior_matches_sklearn_predict_proba():
    train_x, train_y, test_x, _ = _sms_split(limit=1500)
    model = sf.train(train_x, train_y)
    vec, nb = _sklearn(train_x, train_y)
    ref = nb.predict_proba(vec.transform(test_x[:200]))[:, list(nb.classes_).index("spam")]
    ours = np.array([model.posterior(t)["spam"] for t in test_x[:200]])
    np.testing.assert_allclose(ours, ref, atol=1e-9)


def test_laplace_smoothing_and_unseen_words():
    model = sf.train(TOY_TEXTS, TOY_LABELS)
    assert model.probability("meeting", "spam") > 0              # seen only in ham: still not zero
    only_unseen = model.posterior("zebra quantum")               # no known words: the prior decides
    assert only_unseen["spam"] == pytest.approx(2 / 5)
    long_spam = " ".join(["free money prize claim"] * 400)       # 1600 words: a raw product underflows
    assert math.prod(model.probability(w, "spam") for w in sf.tokenize(long_spam)) == 0.0
    assert model.predict(long_spam) == "spam" and model.posterior(long_spam)["spam"] > 0.999
    for alpha in (0.1, 1.0, 3.0):                                # same smoothed tables as scikit-learn
        m = sf.train(TOY_TEXTS, TOY_LABELS, alpha=alpha)
        vec, nb = _sklearn(TOY_TEXTS, TOY_LABELS, alpha)
        words = vec.get_feature_names_out()
        for i, c in enumerate(nb.classes_):
            np.testing.assert_allclose([m.log_likelihood[c][w] for w in words], nb.feature_log_prob_[i], atol=1e-12)
    with pytest.raises(ValueError):
        sf.train(["a"], ["spam"])


def test_json_round_trip(tmp_path):
    model = sf.train(TOY_TEXTS, TOY_LABELS)
    path = tmp_path / "m.json"
    path.write_text(json.dumps(model.to_json()))
    loaded = sf.NaiveBayes.from_json(json.loads(path.read_text()))
    for text in ("free money", "meeting at noon", "unknown words"):
        assert loaded.posterior(text) == pytest.approx(model.posterior(text), rel=1e-15)
    with pytest.raises(ValueError):
        sf.NaiveBayes.from_json({"format": "mlfp-naive-bayes", "alpha": 1})


def test_count_matrix_adapter():
    """train_counts is the same model on a count matrix: from the toy texts' word-count matrix it
    builds the tables train() builds from the texts; on the digits pixels (counts 0..16, some columns
    always 0) its tables equal MultinomialNB's to 1e-12 and every prediction is the same."""
    from sklearn.datasets import load_digits

    vec = CountVectorizer(tokenizer=sf.tokenize, lowercase=False, token_pattern=None)
    counts = vec.fit_transform(TOY_TEXTS).toarray()
    words = vec.get_feature_names_out()
    from_texts, from_counts = sf.train(TOY_TEXTS, TOY_LABELS, alpha=0.5), sf.train_counts(counts, TOY_LABELS, 0.5)
    for c in ("spam", "ham"):
        assert from_counts.log_prior[c] == pytest.approx(from_texts.log_prior[c], rel=1e-15)
        np.testing.assert_allclose([from_counts.log_likelihood[c][f"x{j}"] for j in range(len(words))],
                                   [from_texts.log_likelihood[c][w] for w in words], rtol=1e-15)
    assert sf.predict_counts(from_counts, counts) == [from_texts.predict(t) for t in TOY_TEXTS]

    X, y = load_digits(return_X_y=True)
    assert (X.max(axis=0) == 0).any()                            # columns never "seen": still in the vocabulary
    model = sf.train_counts(X[:1200], y[:1200].tolist(), alpha=1.0)
    ref = MultinomialNB(alpha=1.0).fit(X[:1200], y[:1200])
    table = np.array([[model.log_likelihood[c][f"x{j}"] for j in range(X.shape[1])] for c in model.classes])
    np.testing.assert_allclose(table, ref.feature_log_prob_, atol=1e-12)
    np.testing.assert_allclose([model.log_prior[c] for c in model.classes], ref.class_log_prior_, atol=1e-12)
    np.testing.assert_array_equal(sf.predict_counts(model, X[1200:]), ref.predict(X[1200:]))
    for bad in ([[1.0, -1.0], [0.0, 2.0]], [[1.0], [0.0, 2.0]]):
        with pytest.raises(ValueError, match="non-negative"):
            sf.train_counts(bad, ["a", "b"])
    with pytest.raises(ValueError, match="two classes"):
        sf.train_counts([[1.0], [2.0]], ["a", "a"])


def test_metrics_match_sklearn():
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

    truth = ["spam", "ham", "spam", "ham", "ham", "spam"]
    pred = ["spam", "spam", "ham", "ham", "ham", "spam"]
    m = sf.binary_metrics(truth, pred, "spam")
    assert m["accuracy"] == pytest.approx(accuracy_score(truth, pred))
    assert m["precision"] == pytest.approx(precision_score(truth, pred, pos_label="spam"))
    assert m["recall"] == pytest.approx(recall_score(truth, pred, pos_label="spam"))
    assert m["f1"] == pytest.approx(f1_score(truth, pred, pos_label="spam"))


@pytest.mark.slow
def test_sms_accuracy_and_agreement_with_sklearn():
    train_x, train_y, test_x, test_y = _sms_split()
    model = sf.train(train_x, train_y)
    ours = [model.predict(t) for t in test_x]
    m = sf.binary_metrics(test_y, ours, "spam")
    assert m["accuracy"] >= 0.97 and m["precision"] >= 0.9 and m["recall"] >= 0.85
    vec, nb = _sklearn(train_x, train_y)
    agreement = np.mean(np.array(ours) == nb.predict(vec.transform(test_x)))
    assert agreement >= 0.995


@needs_dataset("enron-spam")
@pytest.mark.slow
def test_enron_corpus(run_main):
    res = run_main(sf.main, "--corpus", "enron", "--classify", "meeting schedule for the gas contract")
    assert res.returncode == 0, res
    assert "e-mails" in res.stdout
    assert float(res.stdout.split("Accuracy: ")[1].split("%")[0]) >= 95.0


def test_cli_transcript(run_cli, tmp_path):
    model = tmp_path / "model.json"
    res = run_cli(SCRIPT, "--save", model)
    assert res.returncode == 0, res
    for line in ("Training on 4,459 messages (", "Learned probabilities:", "  P(spam) = 0.13",
                 '  P("free" | spam) = ', "Testing on 1,115 new messages...", "Accuracy: ", "Precision: ",
                 "Recall: ", "Confusion Matrix:", "Try it yourself:",
                 '> "FREE MONEY!!! Click here to claim your prize!!!"', "Classification: SPAM (confidence: ",
                 "Classification: HAM (confidence: "):
        assert line in res.stdout, line
    assert float(res.stdout.split("Accuracy: ")[1].split("%")[0]) >= 97.0
    saved = json.loads(model.read_text())
    assert saved["format"] == "mlfp-naive-bayes"


def test_cli_load_and_repl(run_main, tmp_path):
    path = tmp_path / "toy.json"
    path.write_text(json.dumps(sf.train(TOY_TEXTS, TOY_LABELS).to_json()))
    res = run_main(sf.main, "--load", path, stdin='"claim your free prize"\n""\nlunch meeting\n')
    assert res.returncode == 0, res
    assert "Loaded model from" in res.stdout
    assert res.stdout.count("Classification: SPAM") == 1 and res.stdout.count("Classification: HAM") == 1
    assert "error: empty text" in res.stdout                      # the REPL reports and continues


@pytest.mark.parametrize("args,fragment", [
    (["--classify", "  "], "empty text"),
    (["--load", "no_such_model.json"], "no_such_model.json"),
    (["--corpus", "no_such_corpus.csv"], "no_such_corpus.csv"),
    (["--test-size", "1.5"], "--test-size"),
    (["--alpha", "0"], "--alpha"),
])
def test_cli_bad_inputs(run_main, args, fragment):
    assert_user_error(run_main(sf.main, *args), fragment)


def test_cli_bad_files(run_main, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert_user_error(run_main(sf.main, "--load", bad), "not a JSON model")
    bad.write_text('{"format": "something else"}')
    assert_user_error(run_main(sf.main, "--load", bad), "not a naive Bayes model")
    corpus = tmp_path / "corpus.csv"
    corpus.write_text("category,message\nspam,win\nham,hi\n")
    assert_user_error(run_main(sf.main, "--corpus", corpus), "needs columns")
    corpus.write_text("label,text\nspam,win\nspam,cash\n")
    assert_user_error(run_main(sf.main, "--corpus", corpus), "labels must be")
