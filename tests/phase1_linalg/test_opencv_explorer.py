"""opencv_explorer (M8): our NumPy grayscale / separable Gaussian / Sobel equal OpenCV's on the same
float32 input (max |diff| <= 1e-3, i.e. float32 rounding), the Haar cascade finds the astronaut's face,
and the CLI draws, saves its panels and rejects bad input with one line."""

import numpy as np
import pytest

from common import datasets
from phase1_linalg import opencv_explorer as ox
from tests.conftest import assert_user_error

cv2 = pytest.importorskip("cv2")
SCRIPT = "phase1_linalg/opencv_explorer.py"


@pytest.fixture(scope="module")
def bgr():
    return ox.load_bgr("photo.jpg")[0]


def test_load_and_grayscale_match_opencv(bgr):
    """M8: load with OpenCV, convert to grayscale; our weighted sum equals cv2.cvtColor."""
    assert bgr.shape == (512, 512, 3) and bgr.dtype == np.uint8
    np.testing.assert_array_equal(bgr[..., ::-1], datasets.load("astronaut"))   # BGR order
    ours = ox.to_gray(bgr[..., ::-1])
    ref = cv2.cvtColor(bgr.astype(np.float32), cv2.COLOR_BGR2GRAY)
    assert np.max(np.abs(ours - ref)) < 1e-3
    ref_u8 = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY).astype(int)
    assert np.max(np.abs(np.round(ours) - ref_u8)) <= 1                    # OpenCV's fixed-point rounding


@pytest.mark.parametrize("sigma", [0.8, 1.5, 3.0])
def test_separable_gaussian_matches_opencv(bgr, sigma):
    """M8: blur; the separable NumPy convolution equals cv2.GaussianBlur (reflect-101 borders)."""
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY).astype(np.float32)
    r = int(np.ceil(3 * sigma))
    np.testing.assert_allclose(ox.gaussian_kernel(sigma), cv2.getGaussianKernel(2 * r + 1, sigma).ravel(), atol=1e-7)
    ref = cv2.GaussianBlur(gray, (2 * r + 1, 2 * r + 1), sigma, borderType=cv2.BORDER_REFLECT_101)
    assert np.max(np.abs(ox.gaussian_blur(gray, sigma) - ref)) < 1e-3


def test_sobel_matches_opencv(bgr):
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY).astype(np.float32)
    gx, gy = ox.sobel(gray)
    assert np.max(np.abs(gx - cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3))) < 1e-3
    assert np.max(np.abs(gy - cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3))) < 1e-3
    ramp = np.tile(np.arange(10.0) * 3, (6, 1))                              # d/dx = 3 -> Sobel 8 * 3
    np.testing.assert_allclose(ox.sobel(ramp)[0][:, 1:-1], 24.0)


def test_canny_and_faces(bgr):
    """M8: Canny edges and a Haar-cascade face on the astronaut photo (one face, around her face)."""
    steps = ox.opencv_steps(bgr, 1.5, (50.0, 150.0))
    share = np.mean(steps["edges"] > 0)
    assert 0.01 < share < 0.2 and set(np.unique(steps["edges"])) == {0, 255}
    faces = ox.detect_faces(steps["gray"])
    assert len(faces) == 1
    x, y, w, h = faces[0]
    assert 150 < x + w / 2 < 300 and 60 < y + h / 2 < 160 and 60 < w < 160   # the face, not the helmet
    drawn = ox.annotate(bgr, faces)
    assert drawn.shape == bgr.shape and np.any(drawn != bgr)
    assert tuple(drawn[y, x + w // 2]) == (0, 255, 0)                         # the green box edge


@pytest.mark.slow
def test_cli(run_cli, tmp_path):
    res = run_cli(SCRIPT, "--no-show", "--out", tmp_path)
    assert res.returncode == 0, res
    out = res.stdout
    assert "=== OpenCV explorer: photo.jpg (512x512" in out
    for step in ("grayscale", "gaussian blur", "sobel gradients", "canny edges"):
        assert step in out
    assert "1 found" in out and "face 1: x=" in out
    assert (tmp_path / "panels.png").stat().st_size > 100_000
    assert cv2.imread(str(tmp_path / "annotated.jpg")).shape == (512, 512, 3)
    assert cv2.imread(str(tmp_path / "edges.png"), cv2.IMREAD_GRAYSCALE).shape == (512, 512)


def test_cli_bad_input(run_cli, tmp_path):
    assert_user_error(run_cli(SCRIPT, str(tmp_path / "nope.png"), "--no-show"), "no such file")
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"\x00\x01 not a png")
    assert_user_error(run_cli(SCRIPT, str(fake), "--no-show", "--out", tmp_path / "o"), "cannot read")
    assert_user_error(run_cli(SCRIPT, "--canny", "100", "50", "--no-show"), "LOW < HIGH")
    assert not (tmp_path / "o").exists()
