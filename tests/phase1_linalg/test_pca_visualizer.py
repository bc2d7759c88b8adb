"""pca_visualizer: power iteration + deflation vs numpy.linalg.eigh (1e-8 relative) and scikit-learn PCA."""

import numpy as np
import pandas as pd
import pytest

from common import datasets
from phase1_linalg import pca_visualizer as pv
from tests.conftest import assert_user_error

SCRIPT = "phase1_linalg/pca_visualizer.py"


def iris_x() -> np.ndarray:
    return datasets.load("iris").drop(columns="species").to_numpy(dtype=float)


def test_covariance_matrix_matches_numpy():
    x = iris_x()
    z, mean, std = pv.standardise(x)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(pv.covariance_matrix(z), np.corrcoef(x, rowvar=False), atol=1e-12)
    zr, _, _ = pv.standardise(x, scale=False)
    np.testing.assert_allclose(pv.covariance_matrix(zr), np.cov(x, rowvar=False), atol=1e-12)


def test_power_iteration_finds_first_eigenvector():
    c = pv.covariance_matrix(pv.standardise(iris_x())[0])
    value, vector, iterations = pv.power_iteration(c, np.random.default_rng(1))
    ref_values, ref_vectors = np.linalg.eigh(c)
    assert value == pytest.approx(ref_values[-1], rel=1e-12)
    assert abs(vector @ ref_vectors[:, -1]) == pytest.approx(1.0, abs=1e-12)   # same line (sign free)
    np.testing.assert_allclose(c @ vector, value * vector, atol=1e-10)       # C v = lambda v
    assert 1 < iterations < 200


def test_iris_eigenvalues_match_eigh_and_variance_explained():
    result = pv.pca(iris_x(), k=4, seed=7)
    ref_values, ref_vectors = np.linalg.eigh(result.covariance)
    ref_values, ref_vectors = ref_values[::-1], ref_vectors[:, ::-1]
    np.testing.assert_allclose(result.eigenvalues, ref_values, rtol=1e-8)
    np.testing.assert_allclose(np.abs(np.sum(result.components * ref_vectors, axis=0)), 1.0, atol=1e-8)
    np.testing.assert_allclose(result.explained * 100, [72.96, 22.85, 3.67, 0.52], atol=0.006)
    np.testing.assert_allclose(result.components.T @ result.components, np.eye(4), atol=1e-10)


def test_projection_matches_sklearn_pca():
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    x = iris_x()
    result = pv.pca(x, k=2)
    z = StandardScaler().fit_transform(x)
    ref = PCA(n_components=2).fit(z)
    scores = ref.transform(z)
    signs = np.sign(np.sum(result.scores * scores, axis=0))
    # StandardScaler divides by the ddof=0 std; rescale ours to compare the same geometry
    factor = np.sqrt(len(x) / (len(x) - 1))
    np.testing.assert_allclose(result.scores * signs * factor, scores, atol=1e-8)
    np.testing.assert_allclose(result.explained, ref.explained_variance_ratio_, atol=1e-10)


def test_deflation_on_random_matrices_with_close_eigenvalues():
    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.standard_normal((12, 12)))
    values = np.array([10, 9.5, 9.0, 5, 4, 3, 2, 1, 0.5, 0.2, 0.1, 0.0])
    c = q @ np.diag(values) @ q.T
    found, vectors, _ = pv.top_eigenpairs(c, 6, rng)
    np.testing.assert_allclose(found, values[:6], rtol=1e-8)
    np.testing.assert_allclose(np.abs(np.sum(vectors * q[:, :6], axis=0)), 1.0, atol=1e-6)


def test_cli_iris_transcript(run_cli, tmp_path):
    res = run_cli(SCRIPT, "iris_dataset.csv", "--no-show", "--out", tmp_path, "--3d")
    assert res.returncode == 0, res
    out = res.stdout
    assert "Loading 150 samples with 4 features each..." in out
    assert "Computing covariance matrix..." in out and "Finding eigenvectors via power iteration..." in out
    assert "Eigenvalue 1: 2.918 (72.96% variance explained)" in out
    assert "Eigenvalue 2: 0.914 (22.85% variance explained)" in out
    assert "Eigenvalue 3: 0.147 (3.67% variance explained)" in out
    assert "Eigenvalue 4: 0.021 (0.52% variance explained)" in out
    assert f"Saved visualization to {tmp_path / 'pca_iris.png'}" in out
    for name in ("pca_iris.png", "pca_iris_scree.png", "pca_iris_3d.png"):
        assert (tmp_path / name).stat().st_size > 10_000


def test_cli_unseen_dataset_with_target(tmp_path, run_main):
    """A data set the script has never seen: scikit-learn's wine table written as CSV."""
    from sklearn.datasets import load_wine

    wine = load_wine(as_frame=True)
    frame = wine.frame.rename(columns={"target": "cultivar"})
    frame["cultivar"] = frame["cultivar"].map(lambda c: f"class_{c}")
    csv = tmp_path / "wine.csv"
    frame.to_csv(csv, index=False)
    code, stdout, _ = run_main(pv.main, csv, "--target", "cultivar", "--components", "5", "--no-show",
                               "--out", tmp_path)
    assert code == 0
    x = wine.data.to_numpy(dtype=float)
    ref = np.linalg.eigh(np.corrcoef(x, rowvar=False))[0][::-1]
    for i in range(5):
        share = ref[i] / ref.sum() * 100
        assert f"Eigenvalue {i + 1}: {ref[i]:.3f} ({share:.2f}% variance explained)" in stdout
    assert "Loading 178 samples with 13 features each..." in stdout
    assert (tmp_path / "pca_wine.png").stat().st_size > 10_000


def test_table_from_frame_label_detection():
    frame = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 1, 4, 3], "kind": list("xyxy")})
    table = pv.table_from_frame(frame, None, "t")
    assert table.features == ["a", "b"] and table.label_name == "kind"
    table = pv.table_from_frame(frame.drop(columns="kind"), None, "t")
    assert table.labels is None


def test_bad_inputs_exit_2(run_cli, run_main, tmp_path):
    # end to end, as a learner sees it
    assert_user_error(run_cli(SCRIPT, tmp_path / "missing.csv"), "no such file")
    text = tmp_path / "text.csv"
    text.write_text("a,b,c,name\n1,2,x,p\n3,4,5,q\n5,6,7,r\n")
    assert_user_error(run_cli(SCRIPT, text, "--label", "name"), "not numeric")
    # the other cases in-process (same code path, no interpreter start-up each)
    binary = tmp_path / "blob.csv"
    binary.write_bytes(bytes(range(256)) * 8)
    nan = tmp_path / "nan.csv"
    nan.write_text("a,b,c\n1,2,3\n3,,5\n5,6,7\n")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    two = tmp_path / "two.csv"
    two.write_text("a,b\n1,2\n3,4\n5,7\n")
    out = tmp_path / "out"
    cases = [([binary], "not a text csv"), ([nan], "missing"), ([empty], "empty"),
             (["iris", "--label", "nope"], "no column"), (["iris", "--components", "0"], "--components"),
             ([two, "--3d"], "--3d"), ([text], "not numeric")]
    for argv, fragment in cases:
        code, _, err = run_main(pv.main, *argv, "--no-show", "--out", out)
        lines = err.strip().splitlines()
        assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), (argv, err)
        assert fragment in lines[0].lower(), (argv, err)
    assert not out.exists() or not list(out.glob("*.png"))


@pytest.mark.slow
def test_cli_mnist_digits(run_cli, tmp_path):
    res = run_cli(SCRIPT, "mnist", "--samples", "3000", "--components", "6", "--no-show", "--out", tmp_path)
    assert res.returncode == 0, res
    assert "Loading 3000 samples with 784 features each..." in res.stdout
    data = datasets.load("mnist")
    pick = np.sort(np.random.default_rng(42).choice(60000, 3000, replace=False))
    x = data.x_train[pick].reshape(3000, -1) / 255.0
    ref = np.linalg.eigh(np.cov(x, rowvar=False))[0][::-1]
    for i in range(6):
        assert f"Eigenvalue {i + 1}: {ref[i]:.3f}" in res.stdout
    for name in ("pca_mnist.png", "pca_mnist_scree.png", "pca_mnist_components.png"):
        assert (tmp_path / name).stat().st_size > 10_000
