"""Dataset registry: every mirrored dataset loads with verified checksums and the documented
shapes; the download path is tested against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import http.server
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from common import datasets
from tests.conftest import assert_user_error

EXPECTED = {
    "mnist": lambda d: (d.x_train.shape, d.y_train.shape, d.x_test.shape, d.y_test.shape, d.x_train.dtype)
    == ((60000, 28, 28), (60000,), (10000, 28, 28), (10000,), np.uint8)
    and np.bincount(d.y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
    "fashion-mnist": lambda d: d.x_train.shape == (60000, 28, 28) and d.x_test.shape == (10000, 28, 28)
    and np.bincount(d.y_train).tolist() == [6000] * 10,
    "movielens-100k": lambda d: len(d.ratings) == 100000 and d.ratings.user_id.nunique() == 943
    and d.ratings.item_id.nunique() == 1682 and len(d.movies) == 1682
    and [len(part) for part in d.split("u1")] == [80000, 20000],
    "tiny-shakespeare": lambda d: len(d) == 1115394 and len(set(d)) == 65,
    "sms-spam": lambda d: len(d) == 5574 and d.label.value_counts().to_dict() == {"ham": 4827, "spam": 747},
    "enron-spam": lambda d: len(d) == 5172 and d.label.value_counts().to_dict() == {"ham": 3672, "spam": 1500},
    "titanic": lambda d: d.shape == (891, 12) and int(d.Survived.sum()) == 342,
    "iris": lambda d: d.shape == (150, 5) and d.species.value_counts().tolist() == [50, 50, 50],
    "california-housing": lambda d: d.shape == (20640, 10) and int(d.total_bedrooms.isna().sum()) == 207,
    "boston-housing": lambda d: d.shape == (506, 14) and abs(d.MEDV.mean() - 22.5328) < 1e-4,
    "seattle-weather": lambda d: d.shape == (1461, 6) and str(d.date.iloc[0].date()) == "2012-01-01",
    "wholesale-customers": lambda d: d.shape == (440, 8),
    "mall-customers": lambda d: d.shape == (200, 5),
    "astronaut": lambda d: d.shape == (512, 512, 3) and d.dtype == np.uint8,
    "haarcascade-frontalface": lambda d: Path(d).stat().st_size == 930127,
}


def test_registry_covers_expectations():
    assert set(EXPECTED) | {"cifar-10"} == set(datasets.REGISTRY)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_available_dataset_loads_verified(name):
    if not datasets.available(name):
        pytest.skip(f"{name} not on this machine (no mirror)")
    ds = datasets.get(name)
    for spec in ds.files:  # every file's sha256 is checked against the registry
        where, location = datasets.locate(name, spec.path)
        assert datasets._file_ok(spec, location), f"{location} ({where}) fails its checksum"
    assert EXPECTED[name](datasets.load(name)), name


def test_bundled_files_are_in_repo_and_match():
    for ds in datasets.REGISTRY.values():
        for spec in ds.files:
            bundled = datasets.BUNDLE_DIR / ds.folder / spec.path
            if ds.bundled:
                assert bundled.is_file(), bundled
                assert datasets.sha256_file(bundled) == spec.sha256, bundled
            else:  # download-only datasets must never be committed
                assert not bundled.exists(), bundled


def test_aliases_resolve():
    assert datasets.resolve("iris_dataset.csv") == "iris"
    assert datasets.resolve("housing_data.csv", {"housing_data.csv": "boston-housing"}) == "boston-housing"
    assert datasets.resolve("titanic.csv") == "titanic"
    with pytest.raises(datasets.UserError, match="no such file or dataset"):
        datasets.resolve("nope.csv")


def test_read_table_errors(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(datasets.UserError, match="empty"):
        datasets.read_table(empty)
    binary = tmp_path / "bin.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(datasets.UserError):
        datasets.read_table(binary)
    header_only = tmp_path / "h.csv"
    header_only.write_text("a,b\n")
    with pytest.raises(datasets.UserError, match="no data rows"):
        datasets.read_table(header_only)
    good = tmp_path / "g.csv"
    good.write_text("a,b\n1,2\n3,4\n")
    assert datasets.read_table(good).shape == (2, 2)
    assert datasets.read_table("iris.csv").shape == (150, 5)


def test_idx_parser_roundtrip(tmp_path):
    data = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    raw = bytes([0, 0, 0x08, 3]) + b"".join(int(n).to_bytes(4, "big") for n in data.shape) + data.tobytes()
    (tmp_path / "x.idx").write_bytes(raw)
    np.testing.assert_array_equal(datasets.read_idx(tmp_path / "x.idx"), data)
    (tmp_path / "bad.idx").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(datasets.DatasetError, match="magic"):
        datasets.read_idx(tmp_path / "bad.idx")


def test_cifar_loader_on_official_format_fixture(tmp_path):
    """A tiny tarball in the official cifar-10-batches-py layout (python pickles of dicts)."""
    import io
    import pickle
    import tarfile

    rng = np.random.default_rng(0)
    path = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, n in [("data_batch_1", 4), ("data_batch_2", 3), ("test_batch", 2)]:
            batch = {b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
                     b"labels": rng.integers(0, 10, n).tolist(), b"batch_label": name.encode()}
            raw = pickle.dumps(batch, protocol=2)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    data = datasets.load_cifar_tarball(path)
    assert data.x_train.shape == (7, 32, 32, 3) and data.x_test.shape == (2, 32, 32, 3)
    # channel-first rows (R plane, G plane, B plane) become H x W x C
    first = pickle.loads(tarfile.open(path).extractfile("cifar-10-batches-py/data_batch_1").read())
    np.testing.assert_array_equal(data.x_train[0, :, :, 1], first[b"data"][0, 1024:2048].reshape(32, 32))
    evil = pickle.dumps({b"data": np.zeros((1, 3072), np.uint8), b"labels": [0], b"x": print})
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        datasets.read_cifar_batch(evil)


# ----------------------------------------------------------------------------- downloads over HTTP
PAYLOAD = b"first principles\n" * 5000
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    hits: dict[str, int] = {}

    def do_GET(self):  # noqa: N802
        _Handler.hits[self.path] = _Handler.hits.get(self.path, 0) + 1
        if self.path == "/good.bin":
            self._send(PAYLOAD, len(PAYLOAD))
        elif self.path == "/corrupt.bin":
            self._send(PAYLOAD[:-1] + b"X", len(PAYLOAD))
        elif self.path == "/truncated.bin":
            self._send(PAYLOAD[: len(PAYLOAD) // 2], len(PAYLOAD))
        elif self.path == "/flaky.bin":  # truncated once, then good: the retry recovers
            body = PAYLOAD if _Handler.hits[self.path] > 1 else PAYLOAD[:100]
            self._send(body, len(PAYLOAD))
        else:
            self.send_error(404, "Not Found")

    def _send(self, body: bytes, length: int):
        self.send_response(200)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".part")]


def test_download_good(server, tmp_path):
    dest = datasets.download(f"{server}/good.bin", tmp_path / "good.bin", PAYLOAD_SHA, progress=False)
    assert dest.read_bytes() == PAYLOAD and not _leftovers(tmp_path)


def test_download_corrupt_is_discarded(server, tmp_path):
    with pytest.raises(datasets.DatasetError, match="wrong sha256"):
        datasets.download(f"{server}/corrupt.bin", tmp_path / "c.bin", PAYLOAD_SHA, progress=False)
    assert not (tmp_path / "c.bin").exists() and not _leftovers(tmp_path)


def test_download_truncated_fails_after_retry(server, tmp_path):
    _Handler.hits.pop("/truncated.bin", None)
    with pytest.raises(datasets.DatasetUnavailable, match="could not download"):
        datasets.download(f"{server}/truncated.bin", tmp_path / "t.bin", PAYLOAD_SHA, progress=False)
    assert _Handler.hits["/truncated.bin"] == 2  # one retry
    assert not (tmp_path / "t.bin").exists() and not _leftovers(tmp_path)


def test_download_retry_recovers(server, tmp_path):
    _Handler.hits.pop("/flaky.bin", None)
    datasets.download(f"{server}/flaky.bin", tmp_path / "f.bin", PAYLOAD_SHA, progress=False)
    assert (tmp_path / "f.bin").read_bytes() == PAYLOAD


def test_download_404_not_retried(server, tmp_path):
    _Handler.hits.pop("/missing.bin", None)
    with pytest.raises(datasets.DatasetUnavailable, match="HTTP 404"):
        datasets.download(f"{server}/missing.bin", tmp_path / "m.bin", PAYLOAD_SHA, progress=False)
    assert _Handler.hits["/missing.bin"] == 1 and not _leftovers(tmp_path)


def test_registry_download_into_cache(server, tmp_path, monkeypatch):
    """A registry entry whose URL is the local server lands verified in the cache."""
    spec = datasets.FileSpec("good.bin", PAYLOAD_SHA)
    ds = datasets.Dataset("local-test", "test", "local-test", (spec,), {"good.bin": f"{server}/good.bin"},
                          "test", False, datasets._load_path)
    monkeypatch.setitem(datasets.REGISTRY, "local-test", ds)
    monkeypatch.setenv("MLFP_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("MLFP_DATA_MIRROR", raising=False)
    path = datasets.path("local-test")
    assert path == tmp_path / "cache" / "local-test" / "good.bin" and path.read_bytes() == PAYLOAD


def test_offline_error_names_dataset_url_and_env(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MLFP_DATA_MIRROR", raising=False)
    monkeypatch.setenv("MLFP_OFFLINE", "1")
    with pytest.raises(datasets.DatasetUnavailable) as info:
        datasets.load("movielens-100k")
    message = str(info.value)
    assert "\n" not in message
    for fragment in ("movielens-100k", "https://files.grouplens.org/datasets/movielens/ml-100k.zip",
                     "MLFP_DATA_DIR", "MLFP_DATA_MIRROR"):
        assert fragment in message


def test_no_network_download_fails_cleanly(tmp_path, monkeypatch):
    """No mirror, and the canonical host unreachable (a closed local port stands in for no
    network): one clear DatasetUnavailable, nothing left behind."""
    spec = datasets.FileSpec("x.bin", PAYLOAD_SHA)
    ds = datasets.Dataset("unreachable", "t", "unreachable", (spec,), {"x.bin": "http://127.0.0.1:9/x.bin"},
                          "t", False, datasets._load_path)
    monkeypatch.setitem(datasets.REGISTRY, "unreachable", ds)
    monkeypatch.setenv("MLFP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MLFP_DATA_MIRROR", raising=False)
    with pytest.raises(datasets.DatasetUnavailable, match="unreachable.*http://127.0.0.1:9/x.bin.*MLFP_DATA_DIR"):
        datasets.path("unreachable")
    assert not any(p.name.endswith(".part") for p in tmp_path.rglob("*"))


def test_cli_exit_2_when_dataset_unavailable(run_cli, tmp_path):
    """From a CLI: exit 2 and one line naming the dataset, URL and environment variables."""
    script = tmp_path / "loader.py"
    script.write_text("from common import cli, datasets\n"
                      "def main(argv=None):\n    datasets.load('fashion-mnist')\n    return 0\n"
                      "raise SystemExit(cli.run(main))\n")
    res = run_cli(str(script), env={"MLFP_DATA_MIRROR": "", "MLFP_DATA_DIR": str(tmp_path / "c"),
                                    "MLFP_OFFLINE": "1"})
    assert_user_error(res, "fashion-mnist")
    assert "fashion-mnist.s3" in res.stderr and "MLFP_DATA_MIRROR" in res.stderr


def test_mirror_checksum_mismatch_is_clear(tmp_path, monkeypatch):
    folder = tmp_path / "mirror" / "mall-customers"
    folder.mkdir(parents=True)
    (folder / "Mall_Customers.csv").write_text("CustomerID,Genre\n1,Male\n")
    monkeypatch.setenv("MLFP_DATA_MIRROR", str(tmp_path / "mirror"))
    monkeypatch.setenv("MLFP_DATA_DIR", str(tmp_path / "cache"))
    with pytest.raises(datasets.DatasetError, match="sha256"):
        datasets.load("mall-customers")


def test_frames_are_pandas():
    assert isinstance(datasets.load("titanic"), pd.DataFrame)


def test_read_table_sniffs_delimiters(tmp_path):
    one = tmp_path / "one.csv"
    one.write_text("reading\n1.5\n2.5\n")
    assert list(datasets.read_table(one).columns) == ["reading"]
    semi = tmp_path / "semi.csv"
    semi.write_text("a;b\n1;2\n")
    assert list(datasets.read_table(semi).columns) == ["a", "b"]
    tabs = tmp_path / "tabs.tsv"
    tabs.write_text("x\ty\n1\t2\n")
    assert datasets.read_table(tabs).shape == (1, 2)


def test_a_pipe_a_device_or_a_huge_file_is_refused_before_reading(run_main, tmp_path):
    """A named pipe would block forever and /dev/zero never ends; a file above the size limit
    is refused from its size (a sparse file: nothing is written to disk)."""
    import os

    from final_gpt import bpe
    from phase1_linalg import pca_visualizer

    pipe = tmp_path / "data.csv"
    os.mkfifo(pipe)
    assert_user_error(run_main(pca_visualizer.main, pipe, "--no-show", "--out", tmp_path / "o"), "not a regular file")
    assert_user_error(run_main(bpe.main, "train", "/dev/zero", "--out", tmp_path / "o"), "not a regular file")
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as f:
        f.truncate(datasets.MAX_INPUT_BYTES + 1)
    assert_user_error(run_main(bpe.main, "train", huge, "--out", tmp_path / "o"), "GiB")
    with pytest.raises(datasets.UserError, match="not a regular file"):
        datasets.read_table(pipe)
