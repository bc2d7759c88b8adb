"""Hostile data files: numbers near float's largest value, column names that differ only by spaces,
a tiny PNG that declares 30000 x 30000 pixels, a CIFAR-style tarball whose batch is a list.

Each one used to end in a traceback (an overflow turned into NaN, a DecompressionBombError, a
TypeError) or in silently wrong output. Now: one ``error:`` line and exit 2, and where the input
is legitimate (standardising values near 1e308 in code), the right numbers.
"""

from __future__ import annotations

import http.server
import io
import pickle
import struct
import tarfile
import threading
import zlib

import numpy as np
import pandas as pd
import pytest

from common import datasets, tabular
from phase1_linalg import image_lab
from phase2_calculus import curve_fitter
from phase4_ml import kmeans, linear_regression
from phase5_capstone import ml_pipeline, train_mnist
from tests.conftest import assert_user_error


# ----------------------------------------------------------------------------- values near 1e308
def test_standardize_values_near_float_max_match_sklearn_on_rescaled_data():
    """Z-scores do not depend on the unit: standardising X must give what StandardScaler gives for
    X / 1e300, and mean and scale must be 1e300 times its mean_ and scale_ (tolerance 1e-12 of the
    column's spread). The textbook X.std() is inf here, and X - mean overflows for mixed signs."""
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    X = rng.uniform(-1.7, 1.7, (40, 3)) * 1e308
    X[:, 2] = 1.5e308                                 # a constant column keeps scale 1
    with np.errstate(all="raise"):                    # no overflow anywhere, not even a warning
        Z, mean, scale = tabular.standardize(X)
        Z_again, _, _ = tabular.standardize(X, mean, scale)
    ref = StandardScaler().fit(X[:, :2] / 1e300)
    np.testing.assert_allclose(Z[:, :2], ref.transform(X[:, :2] / 1e300), rtol=0, atol=1e-12)
    np.testing.assert_allclose(mean[:2] / 1e300, ref.mean_, rtol=0, atol=1e-12 * ref.scale_.max())
    np.testing.assert_allclose(scale[:2] / 1e300, ref.scale_, rtol=1e-12)
    assert scale[2] == 1.0 and np.all(Z[:, 2] == 0.0)
    np.testing.assert_array_equal(Z_again, Z)


def _big_csv(folder, magnitude: float):
    rng = np.random.default_rng(1)
    n = 60
    frame = pd.DataFrame({"a": rng.uniform(0.5, 1.0, n) * magnitude, "b": rng.normal(size=n),
                          "y": rng.normal(size=n)})
    path = folder / "big.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("main, args", [
    (kmeans.main, ()),
    (linear_regression.main, ("--target", "y")),
    (curve_fitter.main, ("--column", "a")),
    (ml_pipeline.main, ("--target", "y", "--fast")),
], ids=["kmeans", "linear_regression", "curve_fitter", "ml_pipeline"])
def test_values_near_1e308_in_a_csv_are_one_error_line(run_main, tmp_path, main, args):
    csv = _big_csv(tmp_path, 1.7e308)
    lead = ("train",) if main is ml_pipeline.main else ()
    res = run_main(main, *lead, csv, *args, "--no-show", "--out", tmp_path / "out")
    assert_user_error(res, "column 'a'")
    assert "rescale" in res.stderr and "nan" not in res.stdout.lower()


def test_the_magnitude_limit_is_stated_and_leaves_big_but_sane_numbers_alone(tmp_path):
    frame = datasets.read_table(_big_csv(tmp_path, 1e99))       # 1e99 squared still has room
    assert frame["a"].max() < 1e99
    with pytest.raises(datasets.UserError, match=r"1e\+100"):
        datasets.read_table(_big_csv(tmp_path, -1e101))
    (tmp_path / "inf.csv").write_text("a,y\ninf,1\n2,3\n")   # infinity is a missing value, not a big one
    assert np.isinf(datasets.read_table(tmp_path / "inf.csv")["a"][0])


# ----------------------------------------------------------------------------- column names
@pytest.mark.parametrize("header, how", [("a, a,y", "differ only by spaces"), ("a,a ,y", "differ only by spaces"),
                                         ("a,a,y", "same name"), ("x;a;\ta;y", "differ only by spaces")],
                         ids=["leading-space", "trailing-space", "exact", "semicolons-and-a-tab"])
def test_columns_that_differ_only_by_spaces_are_refused(run_main, tmp_path, header, how):
    sep = ";" if ";" in header else ","
    path = tmp_path / "cols.csv"
    path.write_text(header + "\n" + "\n".join(sep.join(str(i + j) for j in range(header.count(sep) + 1))
                                              for i in range(30)) + "\n")
    with pytest.raises(datasets.UserError, match=how):
        datasets.read_table(path)
    assert_user_error(run_main(linear_regression.main, path, "--target", "y", "--no-show",
                               "--out", tmp_path / "o"), how)
    assert_user_error(run_main(ml_pipeline.main, "train", path, "--target", "y", "--no-show",
                               "--out", tmp_path / "o"), how)


def test_design_matrix_refuses_a_frame_whose_names_collide_once_stripped():
    frame = pd.DataFrame([[1.0, 2.0, 3.0], [4.0, 5.0, 7.0], [1.0, 0.0, 2.0]], columns=["a", " a", "y"])
    with pytest.raises(datasets.UserError, match="'a' and ' a' differ only by spaces"):
        tabular.design_matrix(frame, "y")
    fine = pd.DataFrame([[1.0, 2.0, 3.0], [4.0, 5.0, 7.0], [1.0, 0.0, 2.0]], columns=[" a", "b ", "y"])
    assert tabular.design_matrix(fine, "y").features == ["a", "b"]


# ----------------------------------------------------------------------------- decompression bombs
def _png(width: int, height: int) -> bytes:
    """A PNG header declaring width x height RGB pixels, with no pixel data (65 bytes)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def _opencv_main():
    pytest.importorskip("cv2", reason="OpenCV (the cv extra) is not installed")
    from phase1_linalg import opencv_explorer

    return opencv_explorer.main


@pytest.mark.parametrize("size", [(30000, 30000), (12000, 10000)], ids=["900MP-pillow-refuses", "120MP-pillow-warns"])
@pytest.mark.parametrize("script", ["kmeans", "image_lab", "opencv_explorer"])
def test_an_image_declaring_too_many_pixels_is_one_error_line(run_main, tmp_path, size, script):
    path = tmp_path / "tiny.png"
    path.write_bytes(_png(*size))
    out = ("--no-show", "--out", tmp_path / "o")
    if script == "kmeans":
        res = run_main(kmeans.main, "--image", path, *out)
    elif script == "image_lab":
        res = run_main(image_lab.main, path, "--commands", "rotate 10", *out)
    else:
        res = run_main(_opencv_main(), path, *out)
    assert_user_error(res, "megapixels")
    assert "resize it first" in res.stderr


def test_open_image_reads_a_normal_image_and_names_what_it_refuses(tmp_path):
    with datasets.open_image(datasets.path("astronaut")) as img:
        assert img.size == (512, 512)
    (tmp_path / "x.png").write_text("not an image")
    with pytest.raises(datasets.NotAnImage, match="not an image"):
        datasets.open_image(tmp_path / "x.png")


# ----------------------------------------------------------------------------- CIFAR batches
def _cifar(path, batch_of) -> None:
    rng = np.random.default_rng(0)
    with tarfile.open(path, "w:gz") as tar:
        for name in ("data_batch_1", "test_batch"):
            good = {b"data": rng.integers(0, 256, (4, 3072), dtype=np.uint8), b"labels": [0, 1, 2, 3]}
            raw = pickle.dumps(batch_of(good) if name == "data_batch_1" else good, protocol=2)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))


DAMAGED_BATCHES = {
    "a-list": lambda b: [b[b"data"], b[b"labels"]],
    "no-labels": lambda b: {b"data": b[b"data"]},
    "data-a-list": lambda b: b | {b"data": b[b"data"].tolist()},
    "data-3071-wide": lambda b: b | {b"data": b[b"data"][:, :-1]},
    "labels-short": lambda b: b | {b"labels": [0, 1]},
    "label-10": lambda b: b | {b"labels": [0, 1, 2, 10]},
    "labels-text": lambda b: b | {b"labels": ["cat"] * 4},
}


@pytest.mark.parametrize("what", sorted(DAMAGED_BATCHES))
def test_a_damaged_cifar_batch_is_one_error_line(run_main, tmp_path, what):
    path = tmp_path / "cifar-10-python.tar.gz"
    _cifar(path, DAMAGED_BATCHES[what])
    with pytest.raises(datasets.DatasetError, match="data_batch_1"):
        datasets.load_cifar_tarball(path)
    res = run_main(train_mnist.main, "--model", "cnn", "--dataset", path, "--epochs", "1", "--no-show",
                   "--out", tmp_path / "o")
    assert_user_error(res, "cifar-10")
    assert not any((tmp_path / "o").rglob("*.*"))


def test_a_truncated_cifar_tarball_is_one_error_line(tmp_path):
    path = tmp_path / "cifar-10-python.tar.gz"
    _cifar(path, lambda b: b)
    assert datasets.load_cifar_tarball(path).x_train.shape == (4, 32, 32, 3)
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(datasets.DatasetError, match="not a CIFAR-10 python tarball"):
        datasets.load_cifar_tarball(path)


def test_a_damaged_cifar_download_never_reaches_the_cache(tmp_path, monkeypatch):
    """The registry's CIFAR-10 entry pointed at a local server that serves a list-batch tarball:
    the download is refused (sha256) and the cache holds no file afterwards."""
    damaged = tmp_path / "served.tar.gz"
    _cifar(damaged, DAMAGED_BATCHES["a-list"])
    body = damaged.read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        real = datasets.REGISTRY["cifar-10"]
        url = f"http://127.0.0.1:{httpd.server_address[1]}/cifar-10-python.tar.gz"
        monkeypatch.setitem(datasets.REGISTRY, "cifar-10",
                            datasets.Dataset(real.name, real.title, real.folder, real.files,
                                             {real.files[0].path: url}, real.licence, False, real.loader))
        monkeypatch.setenv("MLFP_DATA_DIR", str(tmp_path / "cache"))
        monkeypatch.delenv("MLFP_DATA_MIRROR", raising=False)
        monkeypatch.delenv("MLFP_OFFLINE", raising=False)
        with pytest.raises(datasets.DatasetError):
            datasets.load("cifar-10")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert [p for p in (tmp_path / "cache").rglob("*") if p.is_file()] == []
