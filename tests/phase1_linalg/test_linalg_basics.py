"""linalg_basics (M1): pure-Python ops vs NumPy, 2x2 eigen vs numpy.linalg.eig (atol 1e-10)."""

import math

import numpy as np
import pytest

from phase1_linalg import linalg_basics as lb
from tests.conftest import assert_user_error


def test_pure_python_ops_match_numpy():
    rng = np.random.default_rng(0)
    u, v = rng.standard_normal(50), rng.standard_normal(50)
    a, b = rng.standard_normal((7, 5)), rng.standard_normal((5, 3))
    np.testing.assert_allclose(lb.vec_add(u.tolist(), v.tolist()), u + v, atol=1e-12)
    assert lb.dot(u.tolist(), v.tolist()) == pytest.approx(float(u @ v), abs=1e-12)
    np.testing.assert_allclose(lb.matmul(a.tolist(), b.tolist()), a @ b, atol=1e-12)
    with pytest.raises(ValueError):
        lb.dot([1.0], [1.0, 2.0])


@pytest.mark.parametrize("m", [
    [[2.0, 1.0], [1.0, 3.0]],      # symmetric, real distinct
    [[4.0, -2.0], [1.0, 1.0]],     # non-symmetric, real distinct
    [[0.0, -1.0], [1.0, 0.0]],     # rotation: complex pair +-i
    [[1.0, -2.0], [3.0, 0.5]],     # general complex pair
    [[5.0, 0.0], [0.0, -1.0]],     # diagonal
    [[3.0, 0.0], [2.0, 1.0]],      # b = 0
])
def test_eigen_2x2_matches_numpy(m):
    values, vectors, kind = lb.eigen_2x2(m)
    ref = np.linalg.eig(np.array(m))[0]
    np.testing.assert_allclose(np.sort_complex(values.astype(complex)), np.sort_complex(ref), atol=1e-10)
    for i in range(2):  # A v = lambda v, |v| = 1
        np.testing.assert_allclose(np.array(m) @ vectors[:, i], values[i] * vectors[:, i], atol=1e-10)
        assert np.linalg.norm(vectors[:, i]) == pytest.approx(1.0)
    assert (kind == "complex") == bool(np.any(np.abs(np.imag(ref)) > 0))


def test_eigen_2x2_repeated():
    values, vectors, kind = lb.eigen_2x2([[2.0, 1.0], [0.0, 2.0]])
    assert kind == "repeated"
    np.testing.assert_allclose(values, [2.0, 2.0], atol=1e-12)
    np.testing.assert_allclose(np.array([[2.0, 1.0], [0.0, 2.0]]) @ vectors[:, 0], 2 * vectors[:, 0], atol=1e-12)
    values, vectors, kind = lb.eigen_2x2(np.eye(2) * 3)
    assert kind == "repeated"
    np.testing.assert_allclose(vectors, np.eye(2))


def test_transforms():
    r = lb.rotation(math.radians(90))
    np.testing.assert_allclose(r @ [1, 0], [0, 1], atol=1e-12)
    assert np.linalg.det(r) == pytest.approx(1.0)
    p = lb.projection([1, 1])
    np.testing.assert_allclose(p @ p, p, atol=1e-12)
    np.testing.assert_allclose(p @ [1, -1], [0, 0], atol=1e-12)
    np.testing.assert_allclose(lb.scaling(2, 3) @ [1, 1], [2, 3])


def test_cli_transcript(run_cli, tmp_path):
    res = run_cli("phase1_linalg/linalg_basics.py", "--size", "40", "--no-show", "--out", tmp_path,
                  "--matrix", "1,2;3,4")
    assert res.returncode == 0, res
    assert "=== Pure Python vs NumPy ===" in res.stdout
    assert "matmul (40x40 @ 40x40)" in res.stdout
    assert "(complex)" in res.stdout and "(repeated)" in res.stdout and "your matrix" in res.stdout
    assert (tmp_path / "transforms.png").stat().st_size > 10_000
    # the figure's matrices against independent references (atol 1e-12): scipy's rotation about z
    # and the least-squares projection A A^+ onto the column space of A = direction
    from scipy.spatial.transform import Rotation

    for degrees in (30.0, -75.0, 180.0):
        ref = Rotation.from_euler("z", degrees, degrees=True).as_matrix()[:2, :2]
        np.testing.assert_allclose(lb.rotation(math.radians(degrees)), ref, atol=1e-12)
    for direction in ((1.0, 1.0), (3.0, -4.0), (0.0, 2.0)):
        a = np.array(direction).reshape(2, 1)
        np.testing.assert_allclose(lb.projection(direction), a @ np.linalg.pinv(a), atol=1e-12)


def test_cli_bad_matrix(run_cli, tmp_path):
    assert_user_error(run_cli("phase1_linalg/linalg_basics.py", "--matrix", "1,2;x,4", "--out", tmp_path),
                      "--matrix")
    assert_user_error(run_cli("phase1_linalg/linalg_basics.py", "--size", "-3"), "--size")
