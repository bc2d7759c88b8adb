"""The pipeline's last hardening cases: bodies over the API's limit, a training set too small for a
finite interval, and a save cut short between model.npz and model.json.

A tiny synthetic table (200 rows, ridge only, 2 folds) keeps every test well under a second of
training; the served code path is the same as for the housing model.
"""

from __future__ import annotations

import json
import socket
import threading

import numpy as np
import pandas as pd
import pytest
import requests

from common.cli import UserError
from phase5_capstone import ml_pipeline
from phase5_capstone.pipeline import api
from phase5_capstone.pipeline import bundle as bundle_module
from phase5_capstone.pipeline.bundle import load_bundle
from phase5_capstone.pipeline.conformal import conformal_quantile, min_calibration_rows
from phase5_capstone.pipeline.cv import split_rows
from phase5_capstone.pipeline.openapi import MAX_BODY_BYTES
from tests.conftest import assert_user_error

RECORD = {"a": 1.0, "b": 2.0, "kind": "x"}


def table(n: int, seed: int = 0, slope: float = 3.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "kind": rng.choice(["x", "y"], n)})
    frame["y"] = slope * frame.a - frame.b + 0.1 * rng.normal(size=n)
    return frame


def train(n: int = 200, seed: int = 0, slope: float = 3.0):
    return ml_pipeline.train_pipeline(table(n, seed, slope), "y", kinds=("ridge",), k=2, fast=True)["bundle"]


@pytest.fixture(scope="module")
def small_bundle():
    return train()


@pytest.fixture(scope="module")
def server(small_bundle):
    """The real waitress server of ``serve`` (make_server), on a free port, in a thread."""
    srv = api.make_server(small_bundle, port=0)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.effective_port}", srv.effective_port
    srv.close()
    thread.join(timeout=5)


# ----------------------------------------------------------------------------- bodies over the limit
@pytest.mark.parametrize("size", [MAX_BODY_BYTES + 1000, 1_100_000, 4_500_000], ids=["300kB", "1.1MiB", "4.5MiB"])
def test_a_body_over_the_limit_gets_the_api_json_413_through_waitress(server, size):
    url, _ = server
    body = b"[" + b" " * (size - 2) + b"]"          # the size is what counts, not what it holds
    r = requests.post(f"{url}/predict", data=body, headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 413, r.text
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    err = r.json()
    assert err["field"] == "body" and str(MAX_BODY_BYTES) in err["error"]


def test_a_chunked_body_over_the_limit_gets_the_json_413_too(server):
    url, _ = server

    def chunks():                                   # no Content-Length: waitress counts as it reads
        for _ in range(40):
            yield b" " * 65536

    r = requests.post(f"{url}/predict", data=chunks(), headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 413 and r.json()["field"] == "body"


def test_a_body_at_the_limit_is_still_read(server):
    url, _ = server
    body = json.dumps(RECORD).encode()
    body += b" " * (MAX_BODY_BYTES - len(body))     # exactly MAX_BODY_BYTES bytes of valid JSON
    r = requests.post(f"{url}/predict", data=body, headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 200 and "prediction" in r.json()


def test_a_malformed_request_gets_json_from_waitress(server):
    _, port = server
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: many\r\n\r\n")
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400"), reply
    assert b"application/json" in head and "error" in json.loads(body)


# ----------------------------------------------------------------------------- too few calibration rows
def test_min_calibration_rows_is_where_the_quantile_becomes_finite():
    for alpha in (0.5, 0.2, 0.1, 0.05, 0.01, 0.123):
        n = min_calibration_rows(alpha)
        assert np.isfinite(conformal_quantile(np.arange(n, dtype=float), alpha))
        if n > 1:
            assert conformal_quantile(np.arange(n - 1, dtype=float), alpha) == np.inf
    for need in (1, 9, 19, 99):
        rows = ml_pipeline.rows_for_calibration(need)
        assert len(split_rows(rows).calibration) >= need > len(split_rows(rows - 1).calibration)


def test_twenty_rows_are_refused_at_train_time_and_nothing_is_saved(run_main, tmp_path):
    csv = tmp_path / "tiny.csv"
    table(20).to_csv(csv, index=False)
    res = run_main(ml_pipeline.main, "train", csv, "--target", "y", "--models", "ridge", "--k", "2", "--fast",
                   "--no-show", "--out", tmp_path / "out")
    assert_user_error(res, "calibration rows")
    assert "needs at least 9" in res.stderr and "at least 71 rows" in res.stderr
    assert not (tmp_path / "out" / "model.json").exists() and not (tmp_path / "out" / "model.npz").exists()
    with pytest.raises(UserError, match="needs at least 99"):          # a 99% interval needs more rows
        ml_pipeline.train_pipeline(table(200), "y", kinds=("ridge",), k=2, alpha=0.01, fast=True)


def test_an_infinite_interval_is_never_saved_or_served(small_bundle, tmp_path):
    broken = bundle_module.Bundle(small_bundle.pre, small_bundle.model,
                                  dict(small_bundle.meta, conformal=dict(small_bundle.meta["conformal"], q=np.inf)))
    with pytest.raises(UserError, match="refusing to save"):
        broken.save(tmp_path)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="cannot give an interval"):
        api.create_app(broken)


def test_an_interval_beyond_float_range_is_a_422_not_infinity(small_bundle):
    wide = bundle_module.Bundle(small_bundle.pre, small_bundle.model,
                                dict(small_bundle.meta, conformal=dict(small_bundle.meta["conformal"], q=1e308)))
    client = api.create_app(wide).test_client()
    r = client.post("/predict", json=dict(RECORD, a=1e308 / 2))      # prediction about 1.5e308, + q overflows
    assert r.status_code == 422, r.data
    assert b"Infinity" not in r.data and "not finite" in r.get_json()["error"]
    assert client.post("/predict", json=RECORD).status_code == 200


# ----------------------------------------------------------------------------- a save cut short
def test_a_save_cut_short_between_the_files_leaves_a_pair_that_is_refused(tmp_path, monkeypatch):
    folder = tmp_path / "model"
    old = train(seed=1, slope=3.0)
    old.save(folder)
    before = load_bundle(folder).predict(table(5))
    np.testing.assert_allclose(before, old.predict(table(5)))

    new = train(seed=2, slope=-5.0)                  # different weights, same schema

    def crash(path, text):                           # Ctrl-C after model.npz, before model.json
        raise KeyboardInterrupt

    monkeypatch.setattr(bundle_module.cli, "save_text", crash)
    with pytest.raises(KeyboardInterrupt):
        new.save(folder)
    monkeypatch.undo()
    with pytest.raises(UserError, match="sha256"):  # new npz + old json: refused, not a mixed model
        load_bundle(folder)
    new.save(folder)                                 # a save that completes is whole again
    np.testing.assert_allclose(load_bundle(folder).predict(table(5)), new.predict(table(5)))


def test_a_first_save_cut_short_leaves_no_model(tmp_path, monkeypatch, small_bundle, run_main):
    monkeypatch.setattr(bundle_module.cli, "save_text", lambda path, text: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        small_bundle.save(tmp_path)
    monkeypatch.undo()
    with pytest.raises(UserError, match="no trained model"):
        load_bundle(tmp_path)
    res = run_main(ml_pipeline.main, "serve", "--model", tmp_path, "--port", "0")
    assert_user_error(res, "no trained model")


def test_npz_and_json_from_two_runs_are_refused(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    train(seed=1).save(a)
    train(seed=2, slope=-1.0).save(b)
    (a / "model.npz").write_bytes((b / "model.npz").read_bytes())
    with pytest.raises(UserError, match="not the file model.json was saved with"):
        load_bundle(a)
    meta = json.loads((a / "model.json").read_text())
    del meta["npz_sha256"]                           # a json that names no npz is not a whole bundle
    (a / "model.json").write_text(json.dumps(meta))
    with pytest.raises(UserError, match="sha256"):
        load_bundle(a)
