"""Movie recommender: users and movies as vectors, similarity as a (normalised) dot product.

MovieLens 100k is a 943 x 1682 rating matrix R with 94% of its cells empty. Each user is a row
vector, each movie a column vector; two vectors that point the same way belong to people (or
movies) with the same taste. You rate a few movies, the script builds your taste vector and
ranks every movie by its cosine similarity to it. With ``--evaluate`` it goes further: it learns
a short vector per user and per movie whose dot product predicts the rating (matrix
factorisation by gradient descent) and scores every method on the five official splits.

Math (M is the 0/1 mask of observed ratings; sums run over observed cells only):
    dot product     u . v = sum_i u_i v_i                   (just multiply-and-sum)
    cosine          cos(u, v) = u . v / (|u| |v|)           (direction only, length removed)
    centring        r_ui - mean_u   (a missing rating is 0 = "no opinion", not "hated it")
    your taste      p = sum_j (r_j - 3) v_j / |v_j|         (movies you liked pull, disliked push)
    recommendation  score_i = cos(p, v_i)
    baseline        r_ui ~ mu + b_u + b_i                    (ridge-regularised biases)
    neighbours      r_ui ~ baseline + sum_v s_uv res_vi / sum_v |s_uv|   (top-k cosine neighbours)
    factorisation   r_ui ~ mu + b_u + b_i + p_u . q_i,  minimise
                    sum_obs (r_ui - r^_ui)^2 + lambda (n_u |p_u|^2 + n_i |q_i|^2)  by gradient descent
    metrics         RMSE, MAE on held-out ratings; precision@10 = share of a user's top-10 test
                    movies that they rated >= 4

    python phase1_linalg/movie_recommender.py
    python phase1_linalg/movie_recommender.py --ratings "Star Wars=5, Titanic=2, Toy Story=4"
    python phase1_linalg/movie_recommender.py --similar "Fargo"
    python phase1_linalg/movie_recommender.py --evaluate
"""

from __future__ import annotations

import functools
import re
import sys
from dataclasses import dataclass, field

import numpy as np

from common import cli, datasets, plotting

# ----------------------------------------------------------------------------- vectors


def sparse_dot(a: dict[int, float], b: dict[int, float]) -> float:
    """Dot product of two sparse vectors stored as {index: value}: multiply-and-sum over the
    indices both have (a missing entry is 0, so it adds nothing). Walks the shorter dict.

    Example: sparse_dot({0: 5.0, 3: 1.0}, {3: 4.0, 7: 2.0}) = 1 * 4 = 4.0 (only index 3 is shared).
    """
    if len(b) < len(a):
        a, b = b, a
    total = 0.0
    for index, value in a.items():
        other = b.get(index)
        if other is not None:
            total += value * other
    return total


def cosine_similarity_matrix(x: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
    """Cosine similarity between the rows of x (n x d) and the rows of y (m x d, default x).

    Returns (n x m): X Y^T divided by the row norms, S_ab = x_a . y_b / (|x_a| |y_b|), all
    pairs in one matrix product. An all-zero row has similarity 0 with everything (it has no
    direction). Example: rows (1, 0), (3, 3) and (-2, 0) -> S[0] = [1, 0.7071, -1]: length does
    not matter, only the angle.
    """
    y = x if y is None else y
    nx = np.linalg.norm(x, axis=1)
    ny = nx if y is x else np.linalg.norm(y, axis=1)
    sims = x @ y.T
    denom = np.outer(nx, ny)
    return np.divide(sims, denom, out=np.zeros_like(sims, dtype=float), where=denom > 0)


@dataclass
class RatingData:
    """Observed ratings as parallel arrays (0-based ids) plus the matrix shape."""

    users: np.ndarray    # (N,) int
    items: np.ndarray    # (N,) int
    ratings: np.ndarray  # (N,) float
    shape: tuple[int, int]

    @classmethod
    def from_frame(cls, frame, shape: tuple[int, int]) -> RatingData:
        return cls(frame["user_id"].to_numpy() - 1, frame["item_id"].to_numpy() - 1,
                   frame["rating"].to_numpy(dtype=float), shape)

    def matrix(self) -> tuple[np.ndarray, np.ndarray]:
        """Dense (R, M): R holds the ratings (0 where missing), M is 1 where a rating exists."""
        r = np.zeros(self.shape)
        m = np.zeros(self.shape)
        r[self.users, self.items] = self.ratings
        m[self.users, self.items] = 1.0
        return r, m


def centre_rows(r: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Subtract each row's mean over its observed cells; missing cells stay 0.

    r: (n x d) ratings with 0 where missing, m: (n x d) 0/1 mask of the observed cells.
    mean_u = (sum of the row's ratings) / (number of ratings), centred = (r - mean_u) * m.
    Returns (centred (n x d), row means (n,)); a row with no ratings has mean 0.
    Example: the row [5, 0, 3] with mask [1, 0, 1] has mean 4 and becomes [1, 0, -1].
    """
    counts = m.sum(axis=1)
    means = np.divide(r.sum(axis=1), counts, out=np.zeros(len(r)), where=counts > 0)
    return (r - means[:, None]) * m, means


def keep_top_k(s: np.ndarray, k: int) -> np.ndarray:
    """Zero all but the k largest entries of each row of s (and the diagonal: not your own neighbour)."""
    s = s.copy()
    np.fill_diagonal(s, -np.inf)
    k = min(k, s.shape[1] - 1)
    cut = np.argpartition(-s, k, axis=1)[:, k:]
    np.put_along_axis(s, cut, 0.0, axis=1)
    s[~np.isfinite(s)] = 0.0
    return s


# ----------------------------------------------------------------------------- recommending


def taste_scores(item_vectors: np.ndarray, rated: np.ndarray, ratings: np.ndarray,
                 neutral: float = 3.0) -> np.ndarray:
    """Cosine similarity between your taste vector and every movie.

    item_vectors: (n_users x n_items) centred ratings, one movie per column; rated: (k,) item
    indices; ratings: (k,) your 1-5 ratings. p = sum_j (r_j - neutral) v_j / |v_j|.
    Returns (n_items,) cos(p, v_i); all zeros when every rating equals ``neutral``.
    A movie with no ratings (a zero column) has no direction: its unit vector and its score are 0.
    Example: rate one movie 5 and it scores cos = 1 with itself; rate it 1 and it scores -1.
    """
    norms = np.linalg.norm(item_vectors, axis=0)
    unit = np.divide(item_vectors, norms, out=np.zeros_like(item_vectors), where=norms > 0)
    taste = unit[:, rated] @ (np.asarray(ratings, dtype=float) - neutral)
    length = np.linalg.norm(taste)
    if length == 0:
        return np.zeros(item_vectors.shape[1])
    return unit.T @ taste / length


def recommend(scores: np.ndarray, exclude: np.ndarray, counts: np.ndarray, n: int = 5,
              min_ratings: int = 50) -> np.ndarray:
    """Indices of the n best-scoring movies, skipping ``exclude`` and movies with fewer than
    ``min_ratings`` ratings (their vectors are too sparse to trust)."""
    s = np.where(counts >= min_ratings, scores, -np.inf)
    s[exclude] = -np.inf
    best = np.argsort(-s, kind="stable")[:n]
    return best[np.isfinite(s[best])]


def similar_users(user_vectors: np.ndarray, you: np.ndarray, n: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """The n users (rows of user_vectors, centred) whose vectors are closest in angle to ``you``.

    Returns (indices, cosine similarities)."""
    sims = cosine_similarity_matrix(you[None, :], user_vectors)[0]
    best = np.argsort(-sims, kind="stable")[:n]
    return best, sims[best]


# ----------------------------------------------------------------------------- rating prediction


@dataclass
class Baseline:
    """r_ui ~ mu + b_u + b_i (global mean plus how generous the user / how liked the movie)."""

    mu: float
    bu: np.ndarray  # (n_users,)
    bi: np.ndarray  # (n_items,)

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        return self.mu + self.bu[users] + self.bi[items]

    def full(self) -> np.ndarray:
        return self.mu + self.bu[:, None] + self.bi[None, :]


def fit_baseline(data: RatingData, reg_user: float = 15.0, reg_item: float = 10.0,
                 sweeps: int = 10) -> Baseline:
    """Ridge-regularised biases by alternating closed-form updates:
    b_i = sum_u (r_ui - mu - b_u) / (reg_item + n_i), then b_u likewise."""
    u, i, r = data.users, data.items, data.ratings
    n_users, n_items = data.shape
    mu = float(r.mean())
    bu, bi = np.zeros(n_users), np.zeros(n_items)
    n_u = np.bincount(u, minlength=n_users)
    n_i = np.bincount(i, minlength=n_items)
    for _ in range(sweeps):
        bi = np.bincount(i, r - mu - bu[u], n_items) / (reg_item + n_i)
        bu = np.bincount(u, r - mu - bi[i], n_users) / (reg_user + n_u)
    return Baseline(mu, bu, bi)


def knn_predict(data: RatingData, baseline: Baseline, users: np.ndarray, items: np.ndarray,
                k: int = 100, by: str = "user", damping: float = 1.0) -> np.ndarray:
    """Neighbourhood prediction on baseline residuals, for the (users[j], items[j]) pairs.

    res = M * (R - baseline). by="user": S = cosine similarities between users' residual rows,
    keeping each user's top-k neighbours; r^_ui = b_ui + (S res)_ui / ((|S| M)_ui + damping).
    by="item": the same with movie neighbours. ``damping`` pulls the correction towards the
    baseline when only a few (or weakly similar) neighbours rated the movie.
    """
    r, m = data.matrix()
    res = (r - baseline.full()) * m
    if by == "user":
        s = keep_top_k(cosine_similarity_matrix(res), k)
        num, den = s @ res, np.abs(s) @ m
    elif by == "item":
        s = keep_top_k(cosine_similarity_matrix(res.T), k)
        num, den = res @ s.T, m @ np.abs(s).T
    else:
        raise ValueError(f"by must be 'user' or 'item', got {by!r}")
    num, den = num[users, items], den[users, items]
    correction = np.divide(num, den + damping, out=np.zeros_like(num), where=den > 1e-9)
    return baseline.predict(users, items) + correction


@dataclass
class Factorisation:
    """r_ui ~ mu + b_u + b_i + p_u . q_i with p_u, q_i in R^f."""

    mu: float
    bu: np.ndarray   # (n_users,)
    bi: np.ndarray   # (n_items,)
    p: np.ndarray    # (n_users, f) user vectors
    q: np.ndarray    # (n_items, f) movie vectors
    train_rmse: list[float] = field(default_factory=list)

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        dots = np.einsum("nf,nf->n", self.p[users], self.q[items])
        return self.mu + self.bu[users] + self.bi[items] + dots


def factorisation_loss_and_grads(model: Factorisation, data: RatingData, reg: float, reg_bias: float,
                                 errors: np.ndarray | None = None) -> tuple[float, list[np.ndarray]]:
    """Loss and gradients for the parameters [P, Q, b_u, b_i] of ``model`` (same shapes).

    L = (1/N) sum_obs [e_ui^2 + reg (|p_u|^2 + |q_i|^2) + reg_bias (b_u^2 + b_i^2)],
    e_ui = r^_ui - r_ui. With E the n_users x n_items matrix holding e_ui at rated cells and 0
    elsewhere (the missing ratings contribute nothing), the gradients are matrix products:
        dL/dP = (2/N) (E Q + reg n_u P),   dL/dQ = (2/N) (E^T P + reg n_i Q),
        dL/db_u = (2/N) (row sums of E + reg_bias n_u b_u),  dL/db_i likewise with columns.
    (n_u, n_i: how many ratings each user / movie has, because the penalty is paid per rating.)
    ``errors`` is an optional reusable n_users x n_items buffer that is zero off the rated cells.
    """
    u, i, r = data.users, data.items, data.ratings
    n_users, n_items = data.shape
    n = len(r)
    n_u = np.bincount(u, minlength=n_users).astype(float)
    n_i = np.bincount(i, minlength=n_items).astype(float)
    p, q, bu, bi = model.p, model.q, model.bu, model.bi
    e = model.predict(u, i) - r
    loss = (e @ e + reg * (n_u @ np.sum(p * p, axis=1) + n_i @ np.sum(q * q, axis=1))
            + reg_bias * (n_u @ (bu * bu) + n_i @ (bi * bi))) / n
    if errors is None:
        errors = np.zeros(data.shape)
    errors[u, i] = e
    grads = [errors @ q + reg * n_u[:, None] * p, errors.T @ p + reg * n_i[:, None] * q,
             np.bincount(u, e, n_users) + reg_bias * n_u * bu, np.bincount(i, e, n_items) + reg_bias * n_i * bi]
    return float(loss), [g * (2.0 / n) for g in grads]


def fit_factorisation(data: RatingData, factors: int = 30, reg: float = 0.1, reg_bias: float = 0.01,
                      steps: int = 150, lr: float = 0.02, seed: int = 0, init: float = 0.1,
                      progress: bool | None = None) -> Factorisation:
    """Learn user and movie vectors by full-batch gradient descent on all observed ratings.

    Each step uses the exact gradient of :func:`factorisation_loss_and_grads` (no loop over
    ratings) and an Adam update, which rescales each parameter's step by running averages of
    its gradient (m) and squared gradient (v):  x <- x - lr * m_hat / (sqrt(v_hat) + eps).
    Starts from small random vectors (std ``init``) and zero biases; records the train RMSE.
    """
    from tqdm import tqdm

    rng = np.random.default_rng(seed)
    n_users, n_items = data.shape
    model = Factorisation(float(data.ratings.mean()), np.zeros(n_users), np.zeros(n_items),
                          rng.normal(0, init, (n_users, factors)), rng.normal(0, init, (n_items, factors)))
    params = [model.p, model.q, model.bu, model.bi]  # updated in place
    first = [np.zeros_like(x) for x in params]
    second = [np.zeros_like(x) for x in params]
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    errors = np.zeros(data.shape)
    bar = tqdm(range(1, steps + 1), desc="matrix factorisation", leave=False,
               disable=None if progress is None else not progress)
    for t in bar:
        _, grads = factorisation_loss_and_grads(model, data, reg, reg_bias, errors)
        model.train_rmse.append(float(np.sqrt(np.mean(errors[data.users, data.items] ** 2))))
        for x, g, m1, m2 in zip(params, grads, first, second):
            m1 *= beta1
            m1 += (1 - beta1) * g
            m2 *= beta2
            m2 += (1 - beta2) * g * g
            x -= lr * (m1 / (1 - beta1 ** t)) / (np.sqrt(m2 / (1 - beta2 ** t)) + eps)
    return model


def precision_at_k(users: np.ndarray, truth: np.ndarray, predicted: np.ndarray, k: int = 10,
                   relevant: float = 4.0) -> float:
    """Mean over users with >= k test ratings of: share of their k highest-predicted test movies
    that they really rated >= ``relevant``. Ties keep the test-file order."""
    order = np.lexsort((-predicted, users))
    u_sorted = users[order]
    starts = np.flatnonzero(np.r_[True, u_sorted[1:] != u_sorted[:-1]])
    sizes = np.diff(np.r_[starts, len(u_sorted)])
    rank = np.arange(len(u_sorted)) - np.repeat(starts, sizes)
    group = np.repeat(np.arange(len(starts)), sizes)
    top = rank < k
    hits = np.bincount(group[top], (truth[order][top] >= relevant).astype(float), len(starts))
    eligible = sizes >= k
    if not eligible.any():
        return float("nan")
    return float(np.mean(hits[eligible] / k))


METHODS = ("global mean", "bias baseline", "user-user kNN", "item-item kNN", "matrix factorisation")


def evaluate_split(train: RatingData, test: RatingData, k: int = 100, factors: int = 30, reg: float = 0.1,
                   steps: int = 150, lr: float = 0.02, seed: int = 0) -> dict[str, dict[str, float]]:
    """Fit every method on ``train`` and score it on ``test``: {method: {rmse, mae, p@10}}.

    Predictions are clipped to the 1-5 rating scale. Also returns the MF training curve under
    the key "_curve" (a list of train RMSE per step)."""
    u, i, truth = test.users, test.items, test.ratings
    baseline = fit_baseline(train)
    model = fit_factorisation(train, factors, reg, steps=steps, lr=lr, seed=seed)
    preds = {
        "global mean": np.full(len(truth), train.ratings.mean()),
        "bias baseline": baseline.predict(u, i),
        "user-user kNN": knn_predict(train, baseline, u, i, k, by="user"),
        "item-item kNN": knn_predict(train, baseline, u, i, k, by="item"),
        "matrix factorisation": model.predict(u, i),
    }
    out: dict = {}
    for name, pred in preds.items():
        pred = np.clip(pred, 1, 5)
        err = pred - truth
        out[name] = {"rmse": float(np.sqrt(np.mean(err ** 2))), "mae": float(np.mean(np.abs(err))),
                     "p@10": precision_at_k(u, truth, pred)}
    out["_curve"] = model.train_rmse
    return out


# ----------------------------------------------------------------------------- titles


def display_title(title: str) -> str:
    """'Godfather, The (1972)' -> 'The Godfather (1972)'."""
    match = re.match(r"^(.*), (The|A|An|Il|La|Le|Les|L'|Das|Der|Die|El)( \(.*\))?$", title.strip(), flags=re.I)
    if match:
        return f"{match.group(2)} {match.group(1)}{match.group(3) or ''}"
    return title.strip()


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", display_title(text).lower()).strip()


def find_movie(titles: list[str], counts: np.ndarray, query: str) -> int:
    """Index of the movie matching ``query``: exact title (with or without the year), else the
    most-rated title that starts with, then contains, the query. UserError if none does."""
    q = _norm(query)
    if not q:
        raise cli.UserError("empty movie title")
    normed = [_norm(t) for t in titles]
    no_year = [re.sub(r" \(\d{4}\)$", "", t) for t in normed]
    for pool in (normed, no_year):
        hits = [j for j, t in enumerate(pool) if t == q]
        if hits:
            return max(hits, key=lambda j: counts[j])
    for test in (str.startswith, str.__contains__):
        hits = [j for j, t in enumerate(normed) if test(t, q)]
        if hits:
            return max(hits, key=lambda j: counts[j])
    raise cli.UserError(f"no movie in MovieLens 100k matches {query!r} (it holds films up to 1998; "
                        f"try part of the title, e.g. 'Star Wars')")


def parse_rating(text: str) -> float | None:
    """'1'..'5' -> float, 'skip' / '' -> None; UserError otherwise."""
    text = text.strip().lower()
    if text in ("", "skip", "s", "-"):
        return None
    try:
        value = float(text)
    except ValueError:
        raise cli.UserError(f"rating must be 1-5 or 'skip', got {text!r}") from None
    if not 1 <= value <= 5 or value != int(value):
        raise cli.UserError(f"rating must be a whole number from 1 to 5, got {text!r}")
    return value


def parse_ratings_option(text: str) -> list[tuple[str, str]]:
    """'Star Wars=5, Godfather, The (1972)=4' -> [(title, value), ...] (titles may hold commas)."""
    pairs = []
    pos = 0
    pattern = re.compile(r"\s*([^=]+?)\s*=\s*([^,;=\s]*)\s*(?:[,;]|$)")
    while pos < len(text.rstrip()):
        match = pattern.match(text, pos)
        if not match or match.end() == pos:
            raise cli.UserError(f"--ratings expects 'Title=rating, Title=rating', could not read {text[pos:]!r}")
        pairs.append((match.group(1), match.group(2)))
        pos = match.end()
    if not pairs:
        raise cli.UserError("--ratings is empty: give e.g. 'Star Wars=5, Titanic=2'")
    return pairs


PROMPT_MOVIES = ("Star Wars (1977)", "Titanic (1997)", "Toy Story (1995)", "Godfather, The (1972)",
                 "Pulp Fiction (1994)", "Fargo (1996)")


def ask_ratings(titles: list[str], counts: np.ndarray) -> list[tuple[int, float]]:
    """The interactive prompt: one line per movie in PROMPT_MOVIES, from a terminal or stdin."""
    interactive = cli.is_interactive()
    chosen = []
    for name in PROMPT_MOVIES:
        j = find_movie(titles, counts, name)
        prompt = f"{display_title(titles[j])}: "
        while True:
            if interactive:
                try:
                    line = input(prompt)
                except EOFError:
                    return chosen
            else:
                line = sys.stdin.readline()
                if line == "":
                    return chosen
                print(prompt + line.strip())
            try:
                value = parse_rating(line)
            except cli.UserError as exc:
                print(f"error: {exc}", file=sys.stderr)
                continue
            if value is not None:
                chosen.append((j, value))
            break
    return chosen


# ----------------------------------------------------------------------------- figures


def plot_evaluation(results: dict[str, dict], folds: list[str]):
    """Left: mean test RMSE per method (fold values as dots). Right: MF training curves."""
    fig, (ax1, ax2) = plotting.figure(1, 2, figsize=(13, 4.8))
    for j, method in enumerate(METHODS):
        values = [results[f][method]["rmse"] for f in folds]
        ax1.barh(j, np.mean(values), color=plotting.PALETTE[j % len(plotting.PALETTE)], alpha=0.85)
        ax1.plot(values, [j] * len(values), "k.", ms=5)
        ax1.text(max(values) + 0.006, j, f"mean {np.mean(values):.4f}", va="center", fontsize=9)
    ax1.set_yticks(range(len(METHODS)), METHODS)
    ax1.invert_yaxis()
    low = min(results[f][m]["rmse"] for f in folds for m in METHODS)
    high = max(results[f][m]["rmse"] for f in folds for m in METHODS)
    ax1.set(xlim=(low - 0.05, high + 0.06), xlabel="test RMSE (lower is better; dots = folds)",
            title=f"MovieLens 100k, splits {folds[0]}..{folds[-1]}")
    for f in folds:
        ax2.plot(np.arange(1, len(results[f]["_curve"]) + 1), results[f]["_curve"], label=f)
    ax2.set(xlabel="gradient step", ylabel="train RMSE", title="matrix factorisation: full-batch descent")
    ax2.legend()
    return fig


def plot_recommendations(titles: list[str], scores: np.ndarray, picks: np.ndarray, rated: list[tuple[int, float]]):
    """Horizontal bars: cosine similarity of each recommended movie to your taste vector."""
    fig, ax = plotting.figure(figsize=(8, 0.5 * len(picks) + 1.8))
    names = [display_title(titles[j]) for j in picks]
    ax.barh(range(len(picks)), scores[picks], color=plotting.PALETTE[0])
    ax.set_yticks(range(len(picks)), names)
    ax.invert_yaxis()
    you = ", ".join(f"{display_title(titles[j])}={v:g}" for j, v in rated)
    for y, j in enumerate(picks):
        ax.text(scores[j] + 0.005, y, f"{scores[j]:.2f}", va="center", fontsize=9)
    ax.set(xlabel="cosine similarity to your taste vector",
           xlim=(min(0.0, scores[picks].min()), scores[picks].max() * 1.15),
           title=f"Top recommendations\nyour ratings: {you}"[:160])
    return fig


# ----------------------------------------------------------------------------- CLI


@functools.lru_cache(maxsize=1)
def load_movielens():
    """(MovieLens data, (n_users, n_items)); loaded once per process."""
    data = datasets.load("movielens-100k")
    shape = (int(data.ratings["user_id"].max()), int(data.ratings["item_id"].max()))
    return data, shape


def run_evaluation(args, data, shape, out) -> None:
    folds = args.folds
    splits = {fold: tuple(RatingData.from_frame(df, shape) for df in data.split(fold)) for fold in folds}
    first_train, first_test = splits[folds[0]]
    print(f"Evaluating on the official splits {', '.join(folds)} ({len(first_train.ratings):,} train / "
          f"{len(first_test.ratings):,} test ratings in {folds[0]})")
    print(f"  kNN: {args.neighbours} neighbours; MF: {args.factors} factors, reg {args.reg:g}, "
          f"{args.steps} full-batch Adam steps, lr {args.lr:g}\n")
    results = {}
    header = "".join(f"{m:>22s}" for m in METHODS)
    print("RMSE per split")
    print(f"{'split':6s}" + header)
    for fold in folds:
        train, test = splits[fold]
        results[fold] = evaluate_split(train, test, args.neighbours, args.factors, args.reg, args.steps,
                                       args.lr, args.seed)
        print(f"{fold:6s}" + "".join(f"{results[fold][m]['rmse']:22.4f}" for m in METHODS), flush=True)
    print(f"\nMean over {len(folds)} split(s):")
    print(f"{'method':22s} {'RMSE':>8s} {'MAE':>8s} {'P@10':>8s}")
    for m in METHODS:
        row = [np.mean([results[f][m][key] for f in folds]) for key in ("rmse", "mae", "p@10")]
        print(f"{m:22s} {row[0]:8.4f} {row[1]:8.4f} {row[2]:8.4f}")
    mf = np.mean([results[f]["matrix factorisation"]["rmse"] for f in folds])
    base = np.mean([results[f]["bias baseline"]["rmse"] for f in folds])
    print(f"\nMatrix factorisation beats the bias baseline by {base - mf:.4f} RMSE "
          f"({(base - mf) / base:.1%}).")
    path = plotting.save(plot_evaluation(results, folds), out / "evaluation.png")
    print(f"Saved {path}")


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser(__doc__, prog="phase1_linalg/movie_recommender.py")
    parser.add_argument("--ratings", default=None,
                        help="your ratings without the prompt, e.g. 'Star Wars=5, Titanic=2, Toy Story=4'")
    parser.add_argument("--top", type=cli.bounded_int(1, 100), default=5,
                        help="how many recommendations, 1 to 100 (default 5)")
    parser.add_argument("--min-ratings", type=cli.positive_int, default=50,
                        help="only recommend movies with at least this many ratings (default 50)")
    parser.add_argument("--similar", metavar="TITLE", default=None,
                        help="list the movies whose rating vectors are closest to TITLE (item-item)")
    parser.add_argument("--evaluate", action="store_true",
                        help="score baselines, kNN and matrix factorisation on the official u1..u5 splits")
    parser.add_argument("--folds", type=_folds, default=["u1", "u2", "u3", "u4", "u5"],
                        help="splits for --evaluate, comma-separated (default u1,u2,u3,u4,u5)")
    parser.add_argument("--neighbours", type=cli.positive_int, default=100,
                        help="k for the kNN methods (default 100)")
    parser.add_argument("--factors", type=cli.positive_int, default=30, help="length of the MF vectors (default 30)")
    parser.add_argument("--steps", type=cli.positive_int, default=150, help="MF gradient steps (default 150)")
    parser.add_argument("--lr", type=cli.positive_float, default=0.02, help="MF Adam learning rate (default 0.02)")
    parser.add_argument("--reg", type=_non_negative, default=0.1, help="MF L2 regularisation (default 0.1)")
    args = parser.parse_args(argv)
    pairs = parse_ratings_option(args.ratings) if args.ratings is not None else None
    plotting.setup(args.no_show)

    print("Loading MovieLens dataset...")
    data, shape = load_movielens()
    everything = RatingData.from_frame(data.ratings, shape)
    print(f"Loaded {len(everything.ratings):,} ratings from {shape[0]:,} users on {shape[1]:,} movies "
          f"({len(everything.ratings) / (shape[0] * shape[1]):.1%} of the matrix filled)")
    out = cli.out_dir(args, "movie_recommender")

    if args.evaluate:
        print()
        run_evaluation(args, data, shape, out)
        plotting.show()
        return 0

    titles = data.movies.set_index("item_id").reindex(range(1, shape[1] + 1))["title"].fillna("?").tolist()
    r, m = everything.matrix()
    counts = m.sum(axis=0)
    centred, _ = centre_rows(r, m)  # users' mean-centred rows; columns are the movie vectors

    if args.similar is not None:
        j = find_movie(titles, counts, args.similar)
        sims = cosine_similarity_matrix(centred.T[j:j + 1], centred.T)[0]
        picks = recommend(sims, np.array([j]), counts, args.top, args.min_ratings)
        print(f"\nMovies whose rating vectors point the same way as {display_title(titles[j])} "
              f"({int(counts[j])} ratings):")
        for rank, k in enumerate(picks, start=1):
            print(f"{rank}. {display_title(titles[k])} (similarity: {sims[k]:.2f})")
        return 0

    if pairs is None:
        print("\nEnter your ratings (1-5, or skip):")
        rated = ask_ratings(titles, counts)
    else:
        print("\nYour ratings:")
        rated = []
        for title, value in pairs:
            j = find_movie(titles, counts, title)
            rating = parse_rating(value)
            print(f"{display_title(titles[j])}: {value if rating is not None else 'skip'}")
            if rating is not None:
                rated.append((j, rating))
    if not rated:
        raise cli.UserError("no ratings given: rate at least one movie from 1 to 5")
    items = np.array([j for j, _ in rated])
    values = np.array([v for _, v in rated])
    if np.all(values == 3):
        raise cli.UserError("all your ratings are 3 (neutral), so they point nowhere: rate something you "
                            "liked (4-5) or disliked (1-2)")

    print("\nComputing recommendations using dot product similarity...")
    scores = taste_scores(centred, items, values)
    you = np.zeros(shape[1])
    you[items] = values - 3.0
    neighbours, sims = similar_users(centred, you)
    common = (m[neighbours][:, items] > 0).sum(axis=1)
    print("Users whose rating vectors point closest to yours (user-user cosine):")
    for user, sim, shared in zip(neighbours, sims, common):
        print(f"  user {user + 1}: {sim:.2f} ({shared} of your movies in common)")
    picks = recommend(scores, items, counts, args.top, args.min_ratings)
    if len(picks) == 0:
        raise cli.UserError(f"no movie you have not rated has {args.min_ratings} ratings or more (the most rated "
                            f"has {int(counts.max())}): lower --min-ratings")
    print(f"\nTop {len(picks)} recommendations for you:")
    for rank, j in enumerate(picks, start=1):
        print(f"{rank}. {display_title(titles[j])} (similarity: {scores[j]:.2f})")
    path = plotting.save(plot_recommendations(titles, scores, picks, rated), out / "recommendations.png")
    print(f"\nSaved {path}")
    plotting.show()
    return 0


def _folds(text: str) -> list[str]:
    import argparse

    folds = [f.strip() for f in text.split(",") if f.strip()]
    allowed = {"u1", "u2", "u3", "u4", "u5", "ua", "ub"}
    bad = [f for f in folds if f not in allowed]
    if not folds or bad:
        raise argparse.ArgumentTypeError(f"expected splits from u1,u2,u3,u4,u5,ua,ub, got {text!r}")
    return folds


def _non_negative(text: str) -> float:
    import argparse

    value = cli.finite_float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
