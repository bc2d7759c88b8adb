"""movie_recommender: dot/cosine vs NumPy and scikit-learn, MF gradients vs finite differences,
baseline vs least squares, recommendations and the u1..u5 evaluation on MovieLens 100k."""

import re

import numpy as np
import pytest

from common import cli
from phase1_linalg import movie_recommender as mr
from tests.conftest import assert_user_error, needs_dataset

SCRIPT = "phase1_linalg/movie_recommender.py"
movielens = needs_dataset("movielens-100k")


def random_ratings(n_users=30, n_items=40, density=0.3, rank=3, seed=0) -> mr.RatingData:
    """A small low-rank rating problem with noise, every user and item rated at least once."""
    rng = np.random.default_rng(seed)
    truth = 3.5 + rng.normal(0, 0.6, (n_users, rank)) @ rng.normal(0, 0.6, (rank, n_items))
    mask = rng.random((n_users, n_items)) < density
    mask[np.arange(n_users), rng.integers(0, n_items, n_users)] = True
    mask[rng.integers(0, n_users, n_items), np.arange(n_items)] = True
    users, items = np.nonzero(mask)
    ratings = truth[users, items] + rng.normal(0, 0.1, len(users))
    return mr.RatingData(users, items, ratings, (n_users, n_items))


# ----------------------------------------------------------------------------- milestones 1-3


def test_sparse_dot_is_multiply_and_sum():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=50), rng.normal(size=50)
    a[rng.random(50) < 0.6] = 0
    b[rng.random(50) < 0.6] = 0
    sa = {j: float(v) for j, v in enumerate(a) if v}
    sb = {j: float(v) for j, v in enumerate(b) if v}
    assert mr.sparse_dot(sa, sb) == pytest.approx(float(a @ b), abs=1e-12)
    assert mr.sparse_dot(sb, sa) == pytest.approx(float(a @ b), abs=1e-12)
    assert mr.sparse_dot({0: 2.0}, {1: 3.0}) == 0.0  # nothing in common: orthogonal


def test_cosine_matches_sklearn_random():
    from sklearn.metrics.pairwise import cosine_similarity

    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(20, 7)), rng.normal(size=(9, 7))
    x[3] = 0  # a user with no ratings: similarity 0 in both
    np.testing.assert_allclose(mr.cosine_similarity_matrix(x), cosine_similarity(x), atol=1e-12)
    np.testing.assert_allclose(mr.cosine_similarity_matrix(x, y), cosine_similarity(x, y), atol=1e-12)


def test_cosine_ignores_length_dot_does_not():
    u = np.array([[5.0, 4.0, 0.0, 1.0]])
    s = mr.cosine_similarity_matrix(np.vstack([u, 2 * u, -u]))
    np.testing.assert_allclose(s[0], [1.0, 1.0, -1.0], atol=1e-12)  # same direction, opposite taste
    assert float(u[0] @ (2 * u[0])) == 2 * float(u[0] @ u[0])  # the raw dot grows with length


@movielens
def test_user_user_similarity_on_movielens_matches_sklearn():
    from sklearn.metrics.pairwise import cosine_similarity

    data, shape = mr.load_movielens()
    ratings = mr.RatingData.from_frame(data.ratings, shape)
    r, m = ratings.matrix()
    centred, means = mr.centre_rows(r, m)
    assert centred[m == 0].max() == 0 and np.allclose((centred * m).sum(axis=1), 0)
    np.testing.assert_allclose(mr.cosine_similarity_matrix(centred), cosine_similarity(centred), atol=1e-10)
    np.testing.assert_allclose(mr.cosine_similarity_matrix(centred.T[:200]), cosine_similarity(centred.T[:200]),
                               atol=1e-10)
    # the sparse dot of two users (dicts of their ratings) equals the dense matrix product entry
    a = {int(i): float(v) for i, v in zip(np.nonzero(m[0])[0], r[0][m[0] > 0])}
    b = {int(i): float(v) for i, v in zip(np.nonzero(m[1])[0], r[1][m[1] > 0])}
    assert mr.sparse_dot(a, b) == pytest.approx(float(r[0] @ r[1]))


# ----------------------------------------------------------------------------- rating prediction


def test_factorisation_gradients_match_finite_differences():
    data = random_ratings(8, 10, 0.5)
    rng = np.random.default_rng(4)
    model = mr.Factorisation(3.4, rng.normal(0, 0.3, 8), rng.normal(0, 0.3, 10),
                             rng.normal(0, 0.5, (8, 3)), rng.normal(0, 0.5, (10, 3)))
    reg, reg_bias = 0.2, 0.05
    _, grads = mr.factorisation_loss_and_grads(model, data, reg, reg_bias)
    h = 1e-6
    for param, grad in zip([model.p, model.q, model.bu, model.bi], grads):
        numeric = np.zeros_like(param)
        for idx in np.ndindex(param.shape):
            old = param[idx]
            param[idx] = old + h
            up, _ = mr.factorisation_loss_and_grads(model, data, reg, reg_bias)
            param[idx] = old - h
            down, _ = mr.factorisation_loss_and_grads(model, data, reg, reg_bias)
            param[idx] = old
            numeric[idx] = (up - down) / (2 * h)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_factorisation_learns_low_rank_ratings():
    data = random_ratings(60, 80, 0.35, seed=5)
    keep = np.random.default_rng(0).random(len(data.ratings)) < 0.85
    train = mr.RatingData(data.users[keep], data.items[keep], data.ratings[keep], data.shape)
    u, i, t = data.users[~keep], data.items[~keep], data.ratings[~keep]
    model = mr.fit_factorisation(train, factors=3, reg=0.02, steps=300, lr=0.05, progress=False)
    assert model.train_rmse[-1] < 0.3 * model.train_rmse[0]
    rmse_mf = np.sqrt(np.mean((model.predict(u, i) - t) ** 2))
    rmse_base = np.sqrt(np.mean((mr.fit_baseline(train).predict(u, i) - t) ** 2))
    assert rmse_mf < 0.6 * rmse_base


def test_baseline_equals_ridge_least_squares():
    data = random_ratings(15, 20, 0.4, seed=6)
    reg_u, reg_i = 3.0, 2.0
    base = mr.fit_baseline(data, reg_u, reg_i, sweeps=500)
    # the same model as one ridge regression: [onehot(user), onehot(item)] b = r - mu,
    # penalty reg_u |b_u|^2 + reg_i |b_i|^2 (the alternating updates are its block coordinate descent)
    n_u, n_i = data.shape
    a = np.zeros((len(data.ratings), n_u + n_i))
    a[np.arange(len(a)), data.users] = 1
    a[np.arange(len(a)), n_u + data.items] = 1
    penalty = np.diag(np.r_[np.full(n_u, np.sqrt(reg_u)), np.full(n_i, np.sqrt(reg_i))])
    ref = np.linalg.lstsq(np.vstack([a, penalty]), np.r_[data.ratings - base.mu, np.zeros(n_u + n_i)], rcond=None)[0]
    np.testing.assert_allclose(np.r_[base.bu, base.bi], ref, atol=1e-8)


def test_knn_predicts_held_out_better_than_baseline():
    data = random_ratings(80, 60, 0.4, rank=2, seed=7)
    keep = np.random.default_rng(1).random(len(data.ratings)) < 0.85
    train = mr.RatingData(data.users[keep], data.items[keep], data.ratings[keep], data.shape)
    u, i, t = data.users[~keep], data.items[~keep], data.ratings[~keep]
    base = mr.fit_baseline(train)
    rmse = {by: np.sqrt(np.mean((mr.knn_predict(train, base, u, i, k=20, by=by) - t) ** 2)) for by in ("user", "item")}
    rmse_base = np.sqrt(np.mean((base.predict(u, i) - t) ** 2))
    assert rmse["user"] < rmse_base and rmse["item"] < rmse_base, (rmse, rmse_base)


def test_precision_at_k_by_hand():
    users = np.array([0] * 10 + [1] * 10 + [2] * 3)
    truth = np.array([5, 5, 1, 1, 1, 1, 1, 1, 1, 4] + [1] * 10 + [5, 5, 5], dtype=float)
    pred = np.arange(23, 0, -1, dtype=float)   # user 0 ranks items in file order
    assert mr.precision_at_k(users, truth, pred, k=2) == pytest.approx((1.0 + 0.0 + 1.0) / 3)
    assert mr.precision_at_k(users, truth, pred, k=10) == pytest.approx((0.3 + 0.0) / 2)  # user 2: < k tests
    assert mr.precision_at_k(users, truth, -pred, k=1) == pytest.approx((1.0 + 0.0 + 1.0) / 3)


# ----------------------------------------------------------------------------- titles and input


def test_titles_and_rating_parsing():
    titles = ["Godfather, The (1972)", "Godfather: Part II, The (1974)", "Star Wars (1977)", "Titanic (1997)"]
    counts = np.array([400, 200, 583, 350])
    assert mr.display_title(titles[0]) == "The Godfather (1972)"
    assert mr.find_movie(titles, counts, "The Godfather") == 0
    assert mr.find_movie(titles, counts, "godfather, the (1972)") == 0
    assert mr.find_movie(titles, counts, "star") == 2
    with pytest.raises(cli.UserError, match="no movie"):
        mr.find_movie(titles, counts, "The Matrix")
    assert mr.parse_ratings_option("Godfather, The (1972)=5, Titanic=skip; Star Wars = 4") == [
        ("Godfather, The (1972)", "5"), ("Titanic", "skip"), ("Star Wars", "4")]
    assert mr.parse_rating("skip") is None and mr.parse_rating(" 4 ") == 4.0
    for bad in ("6", "0", "3.5", "great"):
        with pytest.raises(cli.UserError):
            mr.parse_rating(bad)
    with pytest.raises(cli.UserError):
        mr.parse_ratings_option("Titanic")


# ----------------------------------------------------------------------------- CLI


@movielens
def test_cli_interactive_transcript(run_cli, tmp_path):
    # the two steps behind the recommendations, against a direct computation (atol 1e-12):
    # the taste vector p = sum_j (r_j - 3) v_j / |v_j| scored by scikit-learn's cosine
    from sklearn.metrics.pairwise import cosine_similarity

    rng = np.random.default_rng(8)
    v = rng.normal(size=(12, 9))
    v[:, 4] = 0.0                                                     # a movie nobody rated
    rated, given = np.array([0, 2, 5]), np.array([5.0, 1.0, 3.0])
    taste = sum((r - 3.0) * v[:, j] / np.linalg.norm(v[:, j]) for j, r in zip(rated, given))
    np.testing.assert_allclose(mr.taste_scores(v, rated, given), cosine_similarity(taste[None], v.T)[0], atol=1e-12)
    np.testing.assert_array_equal(mr.taste_scores(v, rated, np.full(3, 3.0)), np.zeros(9))
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    counts = np.array([100, 100, 10, 100, 100, 100])
    # best first, without the rated movie 0 and the rarely rated movie 2
    np.testing.assert_array_equal(mr.recommend(scores, np.array([0]), counts, n=3, min_ratings=50), [1, 3, 4])
    # stdin plays the person at the prompt; "great" is rejected and asked again
    res = run_cli(SCRIPT, "--no-show", "--out", tmp_path, input="5\n2\ngreat\n4\nskip\n\n")
    assert res.returncode == 0, res
    out = res.stdout
    assert "Loading MovieLens dataset..." in out
    assert "Loaded 100,000 ratings from 943 users on 1,682 movies" in out
    assert "Enter your ratings (1-5, or skip):" in out
    assert "Star Wars (1977): 5" in out and "Titanic (1997): 2" in out and "The Godfather (1972): skip" in out
    assert "error: rating must be 1-5 or 'skip'" in res.stderr
    assert "Computing recommendations using dot product similarity..." in out
    recs = re.findall(r"^\d\. (.+) \(similarity: (-?\d\.\d\d)\)$", out, flags=re.M)
    assert len(recs) == 5
    sims = [float(s) for _, s in recs]
    assert sims == sorted(sims, reverse=True) and sims[0] > 0.2
    # a Star Wars lover gets the sequels
    assert {"Return of the Jedi (1983)", "The Empire Strikes Back (1980)"} & {t for t, _ in recs[:3]}
    assert (tmp_path / "recommendations.png").stat().st_size > 10_000


@movielens
def test_cli_ratings_option_and_similar(tmp_path, run_main):
    code, out, _ = run_main(mr.main, "--ratings", "Godfather, The (1972)=5, Titanic=1", "--no-show", "--out", tmp_path)
    assert code == 0
    assert "The Godfather: Part II (1974)" in out.split("Top 5 recommendations")[1].splitlines()[1]
    assert "user-user cosine" in out
    code, out, _ = run_main(mr.main, "--similar", "Toy Story", "--top", "3", "--no-show", "--out", tmp_path)
    assert code == 0
    assert "point the same way as Toy Story (1995)" in out
    assert len(re.findall(r"^\d\. .+ \(similarity: \d\.\d\d\)$", out, flags=re.M)) == 3


@movielens
def test_cli_bad_inputs(run_cli, tmp_path, run_main):
    assert_user_error(run_cli(SCRIPT, "--ratings", "The Matrix=5", "--out", tmp_path), "no movie")
    assert_user_error(run_cli(SCRIPT, "--evaluate", "--folds", "u9"), "--folds")
    cases = [(["--ratings", "Titanic=7"], "1 to 5"), (["--ratings", "Titanic=3"], "neutral"),
             ([], "no ratings"), (["--lr", "-1"], "--lr"), (["--ratings", "=4"], "--ratings")]
    for argv, fragment in cases:
        code, _, err = run_main(mr.main, *argv, "--no-show", "--out", tmp_path)
        lines = err.strip().splitlines()
        assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), (argv, err)
        assert fragment in lines[0], (argv, err)
    assert not list(tmp_path.glob("*.png"))


@pytest.mark.slow
@movielens
def test_evaluate_u1_to_u5_mf_beats_baseline(run_cli, tmp_path):
    res = run_cli(SCRIPT, "--evaluate", "--no-show", "--out", tmp_path)
    assert res.returncode == 0, res
    table = dict(re.findall(r"^(global mean|bias baseline|user-user kNN|item-item kNN|matrix factorisation)"
                            r"\s+(\d\.\d{4})\s+\d\.\d{4}\s+\d\.\d{4}$", res.stdout, flags=re.M))
    assert len(table) == 5, res.stdout
    rmse = {k: float(v) for k, v in table.items()}
    assert rmse["matrix factorisation"] <= 0.93
    assert 0.935 <= rmse["bias baseline"] <= 0.955
    assert rmse["matrix factorisation"] < rmse["bias baseline"] < rmse["global mean"]
    assert rmse["user-user kNN"] < rmse["bias baseline"] and rmse["item-item kNN"] < rmse["bias baseline"]
