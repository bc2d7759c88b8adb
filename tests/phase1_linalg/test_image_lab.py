"""image_lab: transforms by inverse mapping with our own matrices, checked against exact array ops
(flip, 90-degree turns), against scipy for bilinear sampling (atol 1e-3) and against Pillow's
Image.transform on the same matrix (mean |diff| <= 1 grey level away from the borders; the issue
allows 2). Pillow is only the reference here, never in the core."""

import numpy as np
import pytest
from PIL import Image

from common import datasets
from phase1_linalg import image_lab as il
from phase1_linalg.vector_graphics import apply, inverse
from tests.conftest import assert_user_error

SCRIPT = "phase1_linalg/image_lab.py"


@pytest.fixture(scope="module")
def photo():
    return datasets.load("astronaut")


def small_image(h=40, w=56, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


@pytest.mark.parametrize("method", il.METHODS)
def test_flip_is_a_matrix(method):
    """Milestone 1: flipping is x -> w - x, a matrix; the result equals the array mirrored exactly."""
    img = small_image()
    op, size = il.flip_matrix("h", (img.shape[1], img.shape[0]))
    np.testing.assert_allclose(op, [[-1, 0, img.shape[1]], [0, 1, 0], [0, 0, 1]])
    np.testing.assert_array_equal(il.warp(img, op, size, method), img[:, ::-1])
    op, size = il.flip_matrix("v", size)
    np.testing.assert_array_equal(il.warp(img, op, size, method), img[::-1])


@pytest.mark.parametrize("method", il.METHODS)
def test_rotate_90_is_exact(method):
    """Milestone 2: a rotation matrix turns the pixel grid onto itself at 90 degrees (np.rot90)."""
    img = small_image()
    op, size = il.rotate_matrix(90, (img.shape[1], img.shape[0]))
    assert size == (img.shape[0], img.shape[1])
    np.testing.assert_array_equal(il.warp(img, op, size, method), np.rot90(img))   # anti-clockwise
    op, size = il.rotate_matrix(-90, (img.shape[1], img.shape[0]))
    np.testing.assert_array_equal(il.warp(img, op, size, method), np.rot90(img, -1))
    grey = img[..., 0]
    np.testing.assert_array_equal(il.warp(grey, *il.rotate_matrix(180, (56, 40)), method), np.rot90(grey, 2))


def _pillow(img, op, size, resample):
    inv = inverse(op)
    inv = inv / inv[2, 2]
    if np.allclose(inv[2, :2], 0):
        return np.asarray(Image.fromarray(img).transform(size, Image.Transform.AFFINE, data=tuple(inv[:2].ravel()),
                                                         resample=resample))
    return np.asarray(Image.fromarray(img).transform(size, Image.Transform.PERSPECTIVE,
                                                     data=tuple(inv.ravel()[:8]), resample=resample))


def _interior(op, size, shape, margin=3):
    x, y = il.source_coordinates(op, size)
    return (x > margin) & (x < shape[1] - 1 - margin) & (y > margin) & (y < shape[0] - 1 - margin)


CASES = {
    "rotate 30": lambda s: il.rotate_matrix(30, s),
    "rotate -127.5": lambda s: il.rotate_matrix(-127.5, s),
    "scale 1.7 0.8": lambda s: il.scale_matrix(1.7, 0.8, s),
    "shear 0.3 -0.2": lambda s: il.shear_matrix(0.3, -0.2, s),
    "perspective": lambda s: il.perspective_matrix(np.array([[80, 40], [430, 10], [500, 500], [20, 450]], float), s),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bilinear_matches_pillow(photo, case):
    size0 = (photo.shape[1], photo.shape[0])
    op, size = CASES[case](size0)
    ours = il.warp(photo, op, size, "bilinear").astype(float)
    ref = _pillow(photo, op, size, Image.Resampling.BILINEAR).astype(float)
    mask = _interior(op, size, photo.shape)
    assert mask.mean() > 0.2
    assert np.abs(ours - ref)[mask].mean() <= 1.0
    assert np.abs(ours - ref)[mask].max() <= 2.0


def test_nearest_and_bicubic_match_pillow(photo):
    op, size = il.rotate_matrix(30, (photo.shape[1], photo.shape[0]))
    mask = _interior(op, size, photo.shape)
    nearest = il.warp(photo, op, size, "nearest")
    ref = _pillow(photo, op, size, Image.Resampling.NEAREST)
    assert np.mean(nearest[mask] != ref[mask]) < 1e-3
    bicubic = il.warp(photo, op, size, "bicubic").astype(float)
    ref = _pillow(photo, op, size, Image.Resampling.BICUBIC).astype(float)
    assert np.abs(bicubic - ref)[mask].mean() <= 2.0


def test_bilinear_blends_neighbours():
    """Milestone 3: bilinear interpolation is the weighted mean of the 4 neighbours; nearest copies one."""
    img = np.array([[0, 100], [50, 250]], dtype=np.uint8)
    x, y = np.array([0.5, 0.25, 1.0]), np.array([0.5, 0.0, 1.0])
    np.testing.assert_allclose(il.sample(img, x, y, "bilinear"), [100.0, 25.0, 250.0], atol=1e-4)
    np.testing.assert_allclose(il.sample(img, x, y, "nearest"), [250.0, 0.0, 250.0])
    # at random positions inside a random image: scipy's order-1 spline is bilinear (atol 1e-3, float32)
    from scipy.ndimage import map_coordinates

    grey = small_image(30, 45, seed=3)[..., 0]
    rng = np.random.default_rng(4)
    px, py = rng.uniform(0, 44, 500), rng.uniform(0, 29, 500)
    np.testing.assert_allclose(il.sample(grey, px, py, "bilinear"),
                               map_coordinates(grey.astype(float), [py, px], order=1), atol=1e-3)
    # enlarging 8x: nearest gives flat 8x8 blocks (blocky), bilinear a gradient with many more levels
    big = small_image(8, 8)
    op, size = il.scale_matrix(8, 8, (8, 8))
    near, bil = il.warp(big, op, size, "nearest"), il.warp(big, op, size, "bilinear")
    np.testing.assert_array_equal(near, np.repeat(np.repeat(big, 8, axis=0), 8, axis=1))
    assert len(np.unique(bil[..., 0])) > 4 * len(np.unique(near[..., 0]))
    assert np.abs(np.diff(bil.astype(int), axis=1)).max() < np.abs(np.diff(near.astype(int), axis=1)).max()


def test_homography_from_four_points():
    """Milestone 4: the 8x8 system gives H with H src ~ dst; a parallelogram target gives an affine H."""
    src = il.corners(300, 200)
    dst = np.array([[30.0, 20.0], [250.0, 5.0], [290.0, 190.0], [10.0, 170.0]])
    h = il.homography(src, dst)
    np.testing.assert_allclose(apply(h, src), dst, atol=1e-9)
    cv2 = pytest.importorskip("cv2")
    ref = cv2.getPerspectiveTransform(src.astype(np.float32), dst.astype(np.float32))
    np.testing.assert_allclose(h, ref, rtol=1e-4, atol=1e-6)
    affine = il.homography(src, src + [5.0, 7.0])
    np.testing.assert_allclose(affine, [[1, 0, 5], [0, 1, 7], [0, 0, 1]], atol=1e-9)
    with pytest.raises(ValueError, match="degenerate"):
        il.homography(src, np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 0.0]]))


def test_lab_composes_and_undoes(photo):
    lab = il.Lab(photo)
    r, size_r = il.rotate_matrix(45, lab.size)
    lab.push(r, size_r, "rotate 45")
    s, size_s = il.scale_matrix(0.5, 0.5, lab.size)
    lab.push(s, size_s, "scale 0.5")
    np.testing.assert_allclose(lab.matrix, s @ r, atol=1e-12)
    assert lab.size == (363, 363)
    assert lab.render().shape == (363, 363, 3)
    assert lab.undo() == "scale 0.5" and lab.size == size_r
    lab.reset()
    np.testing.assert_array_equal(lab.render(), photo)          # identity renders the original exactly
    with pytest.raises(il.cli.UserError):
        lab.undo()


def test_perspective_rejects_bad_quads():
    with pytest.raises(il.cli.UserError, match="convex"):
        il.perspective_matrix(np.array([[0, 0], [100, 100], [100, 0], [0, 100]], float), (100, 100))  # crossed


@pytest.mark.slow
def test_cli_transcript(run_cli, tmp_path):
    res = run_cli(SCRIPT, "photo.jpg", "--no-show", "--out", tmp_path,
                  "--commands", "rotate 45; scale 0.5; shear 0.3 0; flip; perspective; compare; save output.jpg")
    assert res.returncode == 0, res
    out = res.stdout
    assert "Commands: rotate <degrees> | scale <factor> | shear <x> <y> | flip" in out.replace(" [factor_y]", "")
    assert "> rotate 45" in out and "rotate 45: 512x512 -> 725x725" in out
    assert "scale 0.5: 725x725 -> 363x363" in out and "shear 0.3 0: 363x363 -> 472x363" in out
    assert f"Saved transformed image to {tmp_path / 'output.jpg'}" in out
    saved = np.asarray(Image.open(tmp_path / "output.jpg"))
    assert saved.shape == (363, 472, 3) and saved.std() > 20
    assert (tmp_path / "session.png").stat().st_size > 50_000
    assert (tmp_path / "interpolation.png").stat().st_size > 20_000


def test_repl_reports_errors_and_continues(run_cli, tmp_path):
    Image.fromarray(small_image(60, 80)).save(tmp_path / "in.png")
    res = run_cli(SCRIPT, str(tmp_path / "in.png"), "--no-show", "--out", tmp_path,
                  input="rotate 90\ntwirl 3\nscale 2\nundo\nsave small.png\n")
    assert res.returncode == 2, res                      # scripted input with an error: exit 2 at the end
    assert "error: unknown command 'twirl'" in res.stderr
    assert "undid scale 2" in res.stdout
    saved = np.asarray(Image.open(tmp_path / "small.png"))
    np.testing.assert_array_equal(saved, np.rot90(small_image(60, 80)))   # lossless PNG of the exact turn
    assert (tmp_path / "session.png").exists()


@pytest.mark.parametrize("command, fragment", [
    ("rotate abc", "numbers expected"), ("rotate", "usage: rotate"), ("scale 0", "must be > 0"),
    ("shear 1 1", r"kx \* ky"), ("perspective 1 2 3", "usage: perspective"), ("frobnicate", "unknown command"),
    ("save out.gif.txt", "cannot save"), ("interp cubic", "usage: interp"),
])
def test_bad_commands(tmp_path, command, fragment):
    lab = il.Lab(small_image())
    with pytest.raises(il.cli.UserError, match=fragment):
        il.execute(lab, command, tmp_path)
    assert lab.history == [] and not list(tmp_path.iterdir())


def test_cli_bad_angle(run_cli, tmp_path):
    assert_user_error(run_cli(SCRIPT, "photo.jpg", "--no-show", "--out", tmp_path, "--commands", "rotate abc"),
                      "numbers expected")


def test_cli_bad_files(run_cli, tmp_path):
    assert_user_error(run_cli(SCRIPT, str(tmp_path / "missing.jpg"), "--no-show"), "no such file")
    text = tmp_path / "notes.jpg"
    text.write_text("this is not an image\n")
    assert_user_error(run_cli(SCRIPT, str(text), "--no-show", "--out", tmp_path / "o"), "not an image")
    assert not (tmp_path / "o").exists()


# ----------------------------------------------------------------------------- the window (Agg stands in)


def _on_screen_size(fig, image_artist):
    """Pixels the image covers on the canvas: its extent through the axes' data -> display transform."""
    fig.canvas.draw()                                    # applies the equal aspect
    left, right, bottom, top = image_artist.get_extent()
    (x0, y0), (x1, y1) = image_artist.axes.transData.transform([(left, bottom), (right, top)])
    return abs(x1 - x0), abs(y1 - y0)


@pytest.mark.gui
def test_window_shows_true_scale_and_keeps_reading(monkeypatch, tmp_path):
    import builtins

    import matplotlib.pyplot as plt

    from common import cli, plotting

    monkeypatch.setattr(plotting, "is_headless", lambda: False)        # a 'window' on Agg
    monkeypatch.setattr(plt, "show", lambda *a, **k: None)
    monkeypatch.setattr(cli, "is_interactive", lambda: True)
    monkeypatch.delenv("MLFP_SCREEN", raising=False)
    Image.fromarray(small_image(60, 80)).save(tmp_path / "in.png")
    lines = ["scale 0.5", "scale 4", "quit"]
    sizes = []                                         # on-screen (w, h) of the image at each prompt

    def fake_input(prompt=""):
        (number,) = plt.get_fignums()                  # the one window, open while the REPL reads
        fig = plt.figure(number)
        w, h = plotting.window_size(fig)
        assert w <= 1280 and h <= 800
        image_w, image_h = _on_screen_size(fig, fig.axes[0].images[0])
        box = fig.axes[0].patches[0].get_window_extent()            # the dashed outline: the original's size
        sizes.append((image_w, image_h, box.width))
        return lines.pop(0)

    monkeypatch.setattr(builtins, "input", fake_input)
    try:
        assert il.main([str(tmp_path / "in.png"), "--out", str(tmp_path)]) == 0
    finally:
        plt.ioff()
        plt.close("all")
    original, half = sizes[0], sizes[1]
    assert half[0] / original[0] == pytest.approx(0.5, rel=0.02)          # scale 0.5 looks half as big
    assert half[1] / original[1] == pytest.approx(0.5, rel=0.02)
    assert original[0] == pytest.approx(original[2], rel=0.02) and half[0] == pytest.approx(half[2] / 2, rel=0.02)
    # scale 4 on top: 160x120, larger than the frame, which grows to hold it (the view zooms out), and
    # the picture is twice the dashed outline of the 80x60 original
    assert sizes[2][0] / sizes[2][2] == pytest.approx(2, rel=0.02)


def test_session_thumbnails_share_one_scale(tmp_path):
    big, small = small_image(80, 120), small_image(40, 60)
    fig = il.plot_session([("original", big), ("scale 0.5", small)])
    (w_big, h_big), (w_small, h_small) = (_on_screen_size(fig, ax.images[0]) for ax in fig.axes[:2])
    assert w_small / w_big == pytest.approx(0.5, rel=0.02) and h_small / h_big == pytest.approx(0.5, rel=0.02)
    for many in (2, 8):
        fig = il.plot_session([("x", small)] * many)
        w, h = il.plotting.window_size(fig)
        assert w <= 1280 and h <= 800, many
    import matplotlib.pyplot as plt

    plt.close("all")
