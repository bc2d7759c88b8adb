"""Bayesian spam filter: multinomial naive Bayes in pure Python (no NumPy, no scikit-learn).

Bayes' theorem turns "how often does each word appear in spam?" into "how likely is this message
spam?". Treating the words of a message w_1 .. w_m as independent given the class (the "naive"
assumption):

    P(c | words) = P(c) prod_i P(w_i | c) / P(words)
    P(c)         = (#messages of class c) / (#messages)
    P(w | c)     = (count(w, c) + alpha) / (sum_v count(v, c) + alpha |V|)     Laplace smoothing:
                   a word never seen in spam does not force P(spam | message) to 0
    score(c)     = log P(c) + sum_i log P(w_i | c)                             logs: a product of
                   hundreds of small numbers underflows to 0.0, a sum of logs does not
    P(spam | words) = 1 / (1 + exp(score(ham) - score(spam)))

Words never seen in training are skipped (they carry no evidence either way).

The same model works on any table of counts, not only words: ``train_counts(counts, labels)``
fits it on a count matrix (row i = how often each feature occurs in example i; for example the
pixel intensities 0..16 of the digits images) and ``predict_counts`` classifies such rows. There
the vocabulary is every column, also one that is always 0, as in scikit-learn's MultinomialNB.

    python phase3_probability/spam_filter.py                       # SMS spam corpus, 80/20 split
    python phase3_probability/spam_filter.py --classify "WIN a FREE prize now"
    python phase3_probability/spam_filter.py --corpus enron        # e-mails (download-only)
    python phase3_probability/spam_filter.py --save model.json
    python phase3_probability/spam_filter.py --load model.json --classify "see you at lunch"
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
from collections import Counter
from dataclasses import dataclass, field

from common import cli, datasets

MAX_ALPHA = 1e6     # far above any useful smoothing; an alpha * |V| near float's limit gives inf, then NaN

# ----------------------------------------------------------------------------- core (pure Python)

TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
EXAMPLES = ("FREE MONEY!!! Click here to claim your prize!!!", "Hey, can we reschedule our meeting to Thursday?")


def tokenize(text: str) -> list[str]:
    """Lower-case words and numbers: "Call 0800-FREE now!" -> ['call', '0800', 'free', 'now']."""
    return TOKEN.findall(text.lower())


def word_log_likelihoods(counts: Counter, vocabulary: set[str], alpha: float) -> dict[str, float]:
    """log P(w | c) for every word w of the vocabulary, from one class's word counts (Laplace smoothing).

        P(w | c) = (count(w, c) + alpha) / (sum_v count(v, c) + alpha |V|)

    counts maps word -> how often it occurs in the class's messages (a word that is not in it
    counts 0); vocabulary holds every word seen in any class (|V| of them); alpha > 0 is added
    to every count, so a word never seen in this class still gets a small probability instead
    of 0. Example with alpha = 1, counts {free: 2, money: 1} and vocabulary {free, money, lunch}:
    the denominator is 3 + 1 * 3 = 6, so P(free) = 3/6, P(money) = 2/6 and P(lunch) = 1/6, and
    the three add up to 1. The result holds the logarithms: {free: log 0.5, ...}.
    """
    denominator = math.log(sum(counts.values()) + alpha * len(vocabulary))
    return {w: math.log(counts.get(w, 0) + alpha) - denominator for w in vocabulary}


def normalise_log_scores(scores: dict[str, float]) -> dict[str, float]:
    """Probabilities that add up to 1 from unnormalised log posteriors (the log-sum-exp trick).

        P(c | words) = exp(s_c) / sum_k exp(s_k) = exp(s_c - m) / sum_k exp(s_k - m),  m = max_k s_k

    Subtracting the largest score first changes nothing in exact arithmetic but keeps exp() in
    range: scores of -1500 and -1510 would both give exp(...) = 0.0, and 0 / 0. Example:
    {spam: -1500.0, ham: -1510.0} -> {spam: 1 / (1 + e^-10) = 0.9999546, ham: 0.0000454}.
    """
    top = max(scores.values())
    weights = {c: math.exp(v - top) for c, v in scores.items()}
    total = sum(weights.values())
    return {c: w / total for c, w in weights.items()}


@dataclass
class NaiveBayes:
    """Word counts per class and the smoothed log probabilities derived from them."""

    alpha: float
    class_docs: dict[str, int]                           # messages per class
    word_counts: dict[str, Counter]                      # class -> word -> count
    log_prior: dict[str, float] = field(default_factory=dict)
    log_likelihood: dict[str, dict[str, float]] = field(default_factory=dict)  # class -> word -> log P(w|c)

    @property
    def classes(self) -> list[str]:
        return sorted(self.class_docs)

    @property
    def vocabulary(self) -> set[str]:
        return set().union(*self.word_counts.values())

    def fit_probabilities(self) -> NaiveBayes:
        """Fill log_prior and log_likelihood from the counts (Laplace smoothing with alpha)."""
        total_docs = sum(self.class_docs.values())
        vocab = self.vocabulary
        self.log_prior = {c: math.log(n / total_docs) for c, n in self.class_docs.items()}
        self.log_likelihood = {}
        for c, counts in self.word_counts.items():
            self.log_likelihood[c] = word_log_likelihoods(counts, vocab, self.alpha)
        return self

    def probability(self, word: str, c: str) -> float:
        """Smoothed P(word | c) (also for unseen words: alpha / (total + alpha |V|))."""
        if word in self.log_likelihood[c]:
            return math.exp(self.log_likelihood[c][word])
        counts = self.word_counts[c]
        return self.alpha / (sum(counts.values()) + self.alpha * len(self.log_likelihood[c]))

    def scores(self, tokens: list[str]) -> dict[str, float]:
        """Unnormalised log posteriors, one per class: score(c) = log P(c) + sum_i log P(w_i | c).

        Bayes' theorem with the naive assumption: P(c | words) is proportional to
        P(c) prod_i P(w_i | c); in logs the product becomes a sum, which does not underflow.
        self.log_prior[c] is log P(c) and self.log_likelihood[c][w] is log P(w | c). A token
        that is not in the vocabulary is skipped (it says nothing about either class), and a
        token that appears twice counts twice. Example: with log P(spam) = -0.9 and
        log P(free | spam) = -1.2, the tokens ['free', 'free', 'zebra'] score -0.9 - 2.4 = -3.3.
        """
        out = {}
        for c in self.classes:
            table = self.log_likelihood[c]
            out[c] = self.log_prior[c] + sum(table[w] for w in tokens if w in table)
        return out

    def score_counts(self, counts: dict[str, float]) -> dict[str, float]:
        """As :meth:`scores` for a bag of words given as word -> count: log P(c) + sum n_w log P(w|c)."""
        out = {}
        for c in self.classes:
            table = self.log_likelihood[c]
            out[c] = self.log_prior[c] + sum(n * table[w] for w, n in counts.items() if w in table)
        return out

    def posterior(self, text: str) -> dict[str, float]:
        """P(c | text) for each class, normalised with the log-sum-exp trick."""
        return normalise_log_scores(self.scores(tokenize(text)))

    def predict(self, text: str) -> str:
        """The most probable class of a message: argmax_c score(c) (the same class as the largest
        posterior, since normalising divides every class by the same number). Ties go to the
        class that comes first in sorted order."""
        s = self.scores(tokenize(text))
        return max(self.classes, key=lambda c: s[c])

    def telling_words(self, c: str, other: str, k: int = 5, min_count: int = 5) -> list[tuple[str, float]]:
        """Words whose log-odds log P(w|c) - log P(w|other) is largest (seen >= min_count times)."""
        seen = self.word_counts[c]
        ratios = [(w, self.log_likelihood[c][w] - self.log_likelihood[other][w])
                  for w, n in seen.items() if n + self.word_counts[other].get(w, 0) >= min_count]
        return sorted(ratios, key=lambda item: (-item[1], item[0]))[:k]

    def to_json(self) -> dict:
        return {"format": "mlfp-naive-bayes", "version": 1, "alpha": self.alpha, "class_docs": self.class_docs,
                "word_counts": {c: dict(counts) for c, counts in self.word_counts.items()}}

    @classmethod
    def from_json(cls, data: dict) -> NaiveBayes:
        """Rebuild from :meth:`to_json` output; ValueError if the structure is wrong."""
        if not isinstance(data, dict) or data.get("format") != "mlfp-naive-bayes":
            raise ValueError("not a naive Bayes model saved by spam_filter.py --save")
        try:
            alpha = float(data["alpha"])
            docs = {str(c): int(n) for c, n in data["class_docs"].items()}
            counts = {str(c): Counter({str(w): int(n) for w, n in table.items()})
                      for c, table in data["word_counts"].items()}
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"model file is incomplete or malformed ({type(exc).__name__}: {exc})") from None
        if set(docs) != set(counts) or len(docs) < 2 or not 0 < alpha <= MAX_ALPHA or min(docs.values()) < 1:
            raise ValueError(f"model file needs >= 2 classes with counts and 0 < alpha <= {MAX_ALPHA:g}")
        return cls(alpha, docs, counts).fit_probabilities()


def train(texts: list[str], labels: list[str], alpha: float = 1.0) -> NaiveBayes:
    """Count messages per class and words per class, then compute the smoothed log probabilities."""
    if len(texts) != len(labels) or not texts:
        raise ValueError("need the same, non-zero number of texts and labels")
    if alpha <= 0:
        raise ValueError("alpha must be > 0")
    class_docs: dict[str, int] = Counter(labels)
    if len(class_docs) < 2:
        raise ValueError("training data needs at least two classes")
    by_class: dict[str, list[str]] = {c: [] for c in class_docs}
    for text, label in zip(texts, labels):
        by_class[label].append(text)
    # one tokenizer pass per class: a token never spans the newline joining two messages
    word_counts = {c: Counter(tokenize("\n".join(docs))) for c, docs in by_class.items()}
    return NaiveBayes(alpha, dict(class_docs), word_counts).fit_probabilities()


def _column_names(n_columns: int) -> list[str]:
    return [f"x{j}" for j in range(n_columns)]


def train_counts(counts, labels, alpha: float = 1.0) -> NaiveBayes:
    """The same model fitted on a count matrix: counts (n, d) rows of non-negative counts (a list of
    lists or a NumPy array), labels (n,) any sortable class labels. Column j becomes the "word"
    "x<j>"; every column is in the vocabulary, even one that is 0 in every row."""
    rows = [[float(v) for v in row] for row in counts]
    if len(rows) != len(labels) or not rows:
        raise ValueError("need the same, non-zero number of count rows and labels")
    if alpha <= 0:
        raise ValueError("alpha must be > 0")
    names = _column_names(len(rows[0]))
    if any(len(row) != len(names) for row in rows) or any(v < 0 or math.isnan(v) for row in rows for v in row):
        raise ValueError("counts must be a rectangular table of non-negative numbers")
    class_docs: dict = Counter(labels)
    if len(class_docs) < 2:
        raise ValueError("training data needs at least two classes")
    word_counts = {c: Counter(dict.fromkeys(names, 0.0)) for c in class_docs}  # zero entries: in the vocabulary
    for row, label in zip(rows, labels):
        table = word_counts[label]
        for name, v in zip(names, row):
            table[name] += v
    return NaiveBayes(alpha, dict(class_docs), word_counts).fit_probabilities()


def predict_counts(model: NaiveBayes, counts) -> list:
    """The most probable class of each row of a count matrix (columns as in :func:`train_counts`)."""
    out, names = [], None
    for row in counts:
        names = names or _column_names(len(row))
        scores = model.score_counts({name: float(v) for name, v in zip(names, row) if v})
        out.append(max(model.classes, key=scores.get))
    return out


def train_test_split(n: int, test_fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Shuffled indices, split into (train, test)."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    n_test = max(1, round(n * test_fraction))
    return order[n_test:], order[:n_test]


def binary_metrics(y_true: list[str], y_pred: list[str], positive: str) -> dict[str, float | int]:
    """Accuracy, precision, recall, F1 with ``positive`` as the positive class, and the four counts."""
    tp = sum(t == positive and p == positive for t, p in zip(y_true, y_pred))
    fp = sum(t != positive and p == positive for t, p in zip(y_true, y_pred))
    fn = sum(t == positive and p != positive for t, p in zip(y_true, y_pred))
    tn = len(y_true) - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"accuracy": (tp + tn) / len(y_true), "precision": precision, "recall": recall, "f1": f1,
            "tp": tp, "fp": fp, "fn": fn, "tn": tn}


# ----------------------------------------------------------------------------- CLI


def load_corpus(name: str) -> tuple[list[str], list[str], str]:
    """(texts, labels, description) from 'sms', 'enron' or a CSV path with columns label,text."""
    frame = datasets.read_table(name)
    missing = {"label", "text"} - set(frame.columns)
    if missing:
        raise cli.UserError(f"{name}: needs columns 'label' and 'text' (missing: {', '.join(sorted(missing))})")
    frame = frame.dropna(subset=["label", "text"])
    texts = [str(t) for t in frame["text"]]
    labels = [str(lab).strip().lower() for lab in frame["label"]]
    kinds = sorted(set(labels))
    if len(kinds) != 2 or "spam" not in kinds:
        raise cli.UserError(f"{name}: labels must be 'spam' and one other class (found {', '.join(kinds[:5])})")
    unit = "e-mails" if "enron" in str(name).lower() else "messages"
    return texts, labels, unit


def classify_line(model: NaiveBayes, text: str) -> str:
    if not text.strip():
        raise ValueError("empty text: type a message to classify")
    post = model.posterior(text)
    label = max(post, key=post.get)
    known = sum(w in model.log_likelihood[label] for w in tokenize(text))
    note = "" if known else "  (no known words: the prior decides)"
    return f"Classification: {label.upper()} (confidence: {_percent(post[label])}){note}"


def _percent(p: float) -> str:
    """Enough decimals to show how far from 100% a confident posterior is (99.9994%)."""
    digits = 2 if p >= 1 or p < 0.99 else min(8, max(2, math.ceil(-math.log10(1 - p)) - 1))
    return f"{p * 100:.{digits}f}%"


def _split_quotes(line: str) -> str:
    line = line.strip()
    return line[1:-1] if len(line) >= 2 and line[0] == line[-1] and line[0] in "\"'" else line


def smoothing_value(text: str) -> float:
    """argparse type for --alpha: a number in (0, MAX_ALPHA]."""
    value = cli.positive_float(text)
    if value > MAX_ALPHA:
        raise argparse.ArgumentTypeError(f"expected a smoothing from 0 to {MAX_ALPHA:g} (1 is Laplace's), got {text}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser(__doc__, prog="phase3_probability/spam_filter.py")
    parser.add_argument("--corpus", default="sms", help="'sms' (bundled), 'enron' (download-only) or a CSV "
                        "with columns label,text (default sms)")
    parser.add_argument("--alpha", type=smoothing_value, default=1.0, help="Laplace smoothing, > 0 and at most "
                        f"{MAX_ALPHA:g} (default 1)")
    parser.add_argument("--test-size", type=cli.positive_float, default=0.2, help="test fraction (default 0.2)")
    parser.add_argument("--classify", action="append", metavar="TEXT", help="classify TEXT (repeatable)")
    parser.add_argument("--save", default=None, metavar="FILE.json", help="save the trained model as JSON")
    parser.add_argument("--load", default=None, metavar="FILE.json", help="load a model instead of training")
    args = parser.parse_args(argv)
    if not 0 < args.test_size < 1:
        raise cli.UserError(f"--test-size must be between 0 and 1, got {args.test_size:g}")
    for text in args.classify or []:
        if not text.strip():
            raise cli.UserError("--classify got empty text: give a message to classify")

    if args.load is not None:
        datasets.check_input_file(args.load, what="model file")      # not a folder, a pipe or /dev/zero
        try:
            with open(args.load, encoding="utf-8") as handle:
                model = NaiveBayes.from_json(json.load(handle))
        except OSError as exc:
            raise cli.UserError(f"cannot read {args.load}: {exc.strerror}") from None
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise cli.UserError(f"{args.load} is not a JSON model file") from None
        except ValueError as exc:
            raise cli.UserError(f"{args.load}: {exc}") from None
        print(f"Loaded model from {args.load}: {sum(model.class_docs.values()):,} training messages, "
              f"{len(model.vocabulary):,} words")
    else:
        texts, labels, unit = load_corpus(args.corpus)
        train_idx, test_idx = train_test_split(len(texts), args.test_size, args.seed)
        counts = Counter(labels[i] for i in train_idx)
        other = next(c for c in counts if c != "spam")
        print(f"Training on {len(train_idx):,} {unit} ({counts['spam']:,} spam, {counts[other]:,} {other})...\n")
        model = train([texts[i] for i in train_idx], [labels[i] for i in train_idx], args.alpha)
        print("Learned probabilities:")
        print(f"  P(spam) = {math.exp(model.log_prior['spam']):.2f}")
        for word in ("free", "meeting"):
            for c in ("spam", other):
                print(f'  P("{word}" | {c}) = {model.probability(word, c):.3g}')
        print(f"  Vocabulary: {len(model.vocabulary):,} words, alpha = {args.alpha:g}")
        for c, o in (("spam", other), (other, "spam")):
            words = ", ".join(f"{w} ({math.exp(r):.0f}x)" for w, r in model.telling_words(c, o))
            print(f"  Most {c}-like words (P(w|{c}) / P(w|{o})): {words}")

        test_texts = [texts[i] for i in test_idx]
        truth = [labels[i] for i in test_idx]
        predicted = [model.predict(t) for t in test_texts]
        m = binary_metrics(truth, predicted, "spam")
        print(f"\nTesting on {len(test_idx):,} new {unit}...")
        print(f"Accuracy: {m['accuracy']:.1%}")
        print(f"Precision: {m['precision']:.1%}  (of the messages flagged spam, how many were spam)")
        print(f"Recall: {m['recall']:.1%}  (of the spam, how much was caught)")
        print(f"F1: {m['f1']:.1%}\n")
        from common.metrics import confusion_matrix, format_confusion_matrix

        cm = confusion_matrix(truth, predicted, labels=[other, "spam"])
        print(format_confusion_matrix(cm, [other, "spam"]))

    if args.save is not None:
        path = cli.save_text(args.save, json.dumps(model.to_json()))
        print(f"\nSaved model: {path}")

    print("\nTry it yourself:")
    if args.classify:
        for text in args.classify:
            print(f'> "{text}"')
            print(classify_line(model, text) + "\n")
        return 0
    seen = False
    for line in cli.read_commands(None):
        if line.lower() in ("quit", "exit", "q"):
            break
        seen = True
        try:
            print(classify_line(model, _split_quotes(line)) + "\n")
        except ValueError as exc:
            print(f"error: {exc}")
    if not seen and not cli.is_interactive():
        for text in EXAMPLES:
            print(f'> "{text}"')
            print(classify_line(model, text) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
