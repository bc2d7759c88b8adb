"""kmeans (project 15): Lloyd from the same initial centroids equals scikit-learn's (labels and inertia),
best-of-10 inertia <= 1.01 x scikit-learn's, k-means++ beats random seeding, our silhouette equals
scikit-learn's, the elbow finds k, colour quantisation, the CLI and its bad inputs."""

import numpy as np
import pytest

from common import datasets, tabular
from phase4_ml import kmeans as km
from tests.conftest import assert_user_error
from tests.phase4_ml.odd_inputs import odd_csvs, one_blas_thread  # noqa: F401 (autouse fixture)

skc = pytest.importorskip("sklearn.cluster")


@pytest.fixture(scope="module")
def customers():
    frame = datasets.load("wholesale-customers")
    return tabular.standardize(np.log1p(frame[km.SPENDING].to_numpy(dtype=float)))[0]


def blobs(k=4, n=1200, seed=0, spread=0.6):
    return km.make_blobs(k=k, n=n, spread=spread, seed=seed)


@pytest.mark.parametrize("data", ["customers", "blobs"])
def test_lloyd_matches_sklearn_from_the_same_start(customers, data):
    """Milestone 1: from the same initial centroids, the same assignments and inertia as sklearn (Lloyd)."""
    X = customers if data == "customers" else blobs()[0]
    rng = np.random.default_rng(5)
    for _ in range(3):
        start = km.random_init(X, 4, rng)
        ours = km.lloyd(X, start)
        ref = skc.KMeans(4, init=start, n_init=1, algorithm="lloyd", tol=0.0, max_iter=300).fit(X)
        assert ours.converged
        np.testing.assert_array_equal(ours.labels, ref.labels_)
        assert ours.inertia == pytest.approx(ref.inertia_, rel=1e-9)
        np.testing.assert_allclose(ours.centroids, ref.cluster_centers_, atol=1e-9)
        assert ours.moved[0] == len(X) and ours.n_iter == ref.n_iter_ - 1


@pytest.mark.parametrize("data", ["customers", "blobs"])
def test_best_of_10_inertia_close_to_sklearn(customers, data):
    X = customers if data == "customers" else blobs(k=6, seed=2)[0]
    k = 4 if data == "customers" else 6
    ours = km.KMeans(k, n_init=10, seed=0).fit(X)
    ref = skc.KMeans(k, n_init=10, random_state=0).fit(X)
    assert ours.inertia_ <= 1.01 * ref.inertia_
    assert ours.inertia_ == pytest.approx(np.sum((X - ours.centroids_[ours.labels_]) ** 2))


def test_kmeans_plus_plus_beats_random_seeding():
    """Milestone 2: on 10 well-separated blobs, single k-means++ runs end lower than random starts."""
    X, _ = blobs(k=10, n=2000, seed=4, spread=0.3)
    plus = km.KMeans(10, n_init=20, init="k-means++", seed=1).fit(X).inertias_
    rand = km.KMeans(10, n_init=20, init="random", seed=1).fit(X).inertias_
    assert np.mean(plus) < 0.8 * np.mean(rand)
    assert np.min(plus) <= np.min(rand) * 1.0001


def test_silhouette_matches_sklearn(customers):
    from sklearn.metrics import silhouette_score

    labels = km.KMeans(4, n_init=3, seed=0).fit(customers).labels_
    assert km.silhouette_score(customers, labels) == pytest.approx(silhouette_score(customers, labels), abs=1e-10)


def test_elbow_finds_the_number_of_blobs():
    """Milestone 3: the elbow of the inertia curve (and the silhouette peak) is at the true k."""
    X, _ = blobs(k=4, seed=7, spread=0.5)
    ks = np.arange(1, 9)
    fits = [km.KMeans(k, n_init=5, seed=0).fit(X) for k in ks]
    assert km.elbow_k(ks, np.array([f.inertia_ for f in fits])) == 4
    sils = [km.silhouette_score(X, f.labels_) for f in fits[1:]]
    assert ks[1:][int(np.argmax(sils))] == 4
    # each score equals scikit-learn's (abs 1e-8), and the docstring's elbow example: drops 60, 30, 2, 1
    from sklearn.metrics import silhouette_score

    np.testing.assert_allclose(sils, [silhouette_score(X, f.labels_) for f in fits[1:]], rtol=0, atol=1e-8)
    assert km.elbow_k(np.arange(1, 6), np.array([100.0, 40.0, 10.0, 8.0, 7.0])) == 3


def test_empty_cluster_is_refilled():
    X = np.array([[0.0, 0.0], [0.1, 0.0], [10.0, 0.0], [10.1, 0.0]])
    run = km.lloyd(X, np.array([[0.0, 0.0], [10.0, 0.0], [100.0, 100.0]]))
    assert len(np.unique(run.labels)) == 3 and np.isfinite(run.inertia)
    # two clusters empty at once take two different far points (not both the farthest one)
    X = np.vstack([X, [[5.0, 5.0]]])
    one_step = km.lloyd(X, np.array([[0.0, 0.0], [10.0, 0.0], [100.0, 100.0], [200.0, 200.0]]), max_iter=1)
    assert len(np.unique(one_step.centroids, axis=0)) == 4


def test_colour_quantisation():
    """Milestone 4 (images): an 8-colour palette; more colours = smaller error."""
    image = datasets.load("astronaut")[::4, ::4]
    errors = []
    for k in (2, 8):
        quantized, palette = km.quantize_image(image, k, seed=0, sample=3000, n_init=1)
        assert quantized.shape == image.shape and len(palette) == k
        assert len(np.unique(quantized.reshape(-1, 3), axis=0)) <= k
        errors.append(np.mean((quantized.astype(float) - image) ** 2))
    assert errors[1] < 0.5 * errors[0]


@pytest.mark.slow
def test_cli_transcript(run_cli, tmp_path):
    """Milestone 4 (customers): the transcript on the wholesale customers table, with its figures."""
    res = run_cli("phase4_ml/kmeans.py", "customer_data.csv", "--k", "4", "--no-show", "--out", tmp_path)
    assert res.returncode == 0, res
    out = res.stdout
    for line in ("=== K-Means Clustering from Scratch ===", "Initializing centroids with k-means++",
                 "Centroid 1: [", "Iteration 2: Moved", "Converged!", "Cluster sizes: [",
                 f"Elbow plot saved to {tmp_path / 'elbow.png'}", "Optimal k appears to be"):
        assert line in out, line
    sizes = [int(v) for v in out.split("Cluster sizes: [")[1].split("]")[0].split(",")]
    assert len(sizes) == 4 and sum(sizes) == 440
    for name in ("clusters.png", "elbow.png", "init_comparison.png", "evolution.gif"):
        assert (tmp_path / name).stat().st_size > 10_000


@pytest.mark.slow
def test_image_cli_and_hidden_data(run_main, tmp_path):
    res = run_main(km.main, "--image", "photo.jpg", "--k", "8", "--no-show", "--out", tmp_path)
    assert res.returncode == 0 and "Palette of 8 colours" in res.stdout, res
    assert (tmp_path / "quantized.png").is_file() and (tmp_path / "quantization.png").is_file()
    files = odd_csvs(tmp_path)
    res = run_main(km.main, files["mixed"], "--k", "3", "--max-k", "4", "--no-show", "--out", tmp_path)
    assert res.returncode == 0 and "Cluster sizes" in res.stdout, res
    res = run_main(km.main, files["mixed"], "--columns", "x2", "--k", "2", "--max-k", "3", "--no-show",
               "--out", tmp_path)
    assert res.returncode == 0 and "features: x2" in res.stdout, res


@pytest.mark.parametrize("args, fragment", [
    (["nope.csv"], "no such file"),
    (["{empty}"], "empty.csv"),
    (["{binary}"], "not a text csv"),
    (["{header_only}"], "no data rows"),
    (["{one_class}", "--k", "50"], "more than the number of distinct points"),
    (["{mixed}", "--columns", "zzz"], "no feature column 'zzz'"),
    (["{all_text}", "--drop", "label"], "no usable feature columns"),
    (["{mixed}", "--columns", "x1", "--log"], "non-negative"),
    (["--image", "{mixed}"], "cannot read"),
    (["--image", "missing.jpg"], "no such file"),
    (["--k", "0"], "expected a number >= 1"),
])
def test_bad_input_is_one_clear_error(run_main, tmp_path, args, fragment):
    files = odd_csvs(tmp_path)
    argv = [str(files[a[1:-1]]) if a.startswith("{") else a for a in args]
    res = run_main(km.main, *argv, "--no-show", "--out", tmp_path / "out")
    assert_user_error(res, fragment)
    assert not list((tmp_path / "out").glob("*.png"))


@pytest.mark.gui
def test_centroids_move_live_in_the_window_and_every_figure_fits(monkeypatch, tmp_path):
    import matplotlib.pyplot as plt
    from PIL import Image

    from common import plotting

    X, _ = blobs(k=3, n=150, seed=2)
    np.savetxt(tmp_path / "blobs.csv", X, delimiter=",", header="a,b", comments="", fmt="%.5f")
    monkeypatch.setattr(plotting, "is_headless", lambda: False)        # a 'window' on Agg
    monkeypatch.delenv("MLFP_SCREEN", raising=False)
    sizes, titles = [], []

    def fake_show(*args, **kwargs):               # what happens while plt.show() holds the windows open
        figures = [plt.figure(number) for number in plt.get_fignums()]
        sizes.extend(plotting.window_size(f) for f in figures)
        (fig,) = [f for f in figures if getattr(f, "_mlfp_animation", None)]
        animation = fig._mlfp_animation
        fig.canvas.mpl_connect("draw_event", lambda event: titles.append(fig.axes[0].get_title()))
        animation._init_draw()                    # the window's first draw (frame 0), then a timer tick per frame
        titles.append(fig.axes[0].get_title())
        while animation.event_source is not None and animation._step():
            pass

    monkeypatch.setattr(plt, "show", fake_show)
    try:
        assert km.main([str(tmp_path / "blobs.csv"), "--k", "3", "--n-init", "2", "--max-k", "4",
                        "--out", str(tmp_path)]) == 0
    finally:
        plt.ioff()
        plt.close("all")
    assert len(sizes) == 4 and all(w <= 1280 and h <= 800 for w, h in sizes), sizes
    iterations = [int(t.split()[1].rstrip(":")) for t in titles]
    assert iterations[0] == 1 and iterations == sorted(iterations) and len(set(iterations)) >= 2
    assert iterations.count(iterations[-1]) >= 5          # the last iteration is held on screen
    with Image.open(tmp_path / "evolution.gif") as gif:
        assert gif.n_frames == len(set(iterations))   # one GIF frame per iteration (the held copies merge)
