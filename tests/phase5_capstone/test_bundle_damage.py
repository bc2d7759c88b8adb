"""A damaged or foreign model bundle is refused when it is loaded, with one line: never a
traceback, a 500 on every request, or a start-up that walks a looping tree forever.

Each case copies a freshly trained bundle (gradient boosting, or ridge) and damages one thing:
the zip archive, the json's structure, the conformal half-width, the preprocessing statistics,
or the tree arrays. ``load_bundle`` must raise UserError, and ``ml_pipeline.py serve`` must exit
2 with one ``error:`` line before it listens.
"""

from __future__ import annotations

import hashlib
import json
import shutil

import numpy as np
import pytest

from common.cli import UserError
from phase5_capstone import ml_pipeline
from phase5_capstone.pipeline.bundle import load_bundle
from tests.conftest import assert_user_error

TARGET = "median_house_value"


def _train(folder, kind: str):
    from phase5_capstone.pipeline.load import load_table

    frame = load_table("housing_data.csv").sample(1500, random_state=1).reset_index(drop=True)
    result = ml_pipeline.train_pipeline(frame, TARGET, kinds=(kind,), k=2, fast=True)
    result["bundle"].save(folder)
    return folder


@pytest.fixture(scope="module")
def boosted(tmp_path_factory):
    return _train(tmp_path_factory.mktemp("gb"), "gradient_boosting")


@pytest.fixture(scope="module")
def ridge(tmp_path_factory):
    return _train(tmp_path_factory.mktemp("ridge"), "ridge")


def _edit_json(folder, change) -> None:
    path = folder / "model.json"
    meta = json.loads(path.read_text())
    path.write_text(json.dumps(change(meta)))


def _restamp(folder) -> None:
    """Make model.json name the (damaged) npz's sha256, so that the check behind the hash is what refuses it."""
    meta = json.loads((folder / "model.json").read_text())
    meta["npz_sha256"] = hashlib.sha256((folder / "model.npz").read_bytes()).hexdigest()
    (folder / "model.json").write_text(json.dumps(meta))


def _edit_npz(folder, change) -> None:
    path = folder / "model.npz"
    with np.load(path) as data:
        arrays = {k: data[k].copy() for k in data.files}
    change(arrays)
    np.savez(path, **arrays)
    _restamp(folder)


def _set(d: dict, key: str, value) -> dict:
    d[key] = value
    return d


def _self_loop(arrays) -> None:
    arrays["left"][0, 0] = 0                     # the root's left child is the root


def _child_outside(arrays) -> None:
    arrays["right"][0, 0] = arrays["right"].shape[1] + 5


def _feature_out_of_range(arrays) -> None:
    arrays["feature"][arrays["feature"] >= 0] = 999


def _truncate(folder) -> None:
    path = folder / "model.npz"
    path.write_bytes(path.read_bytes()[:200])
    _restamp(folder)


def _flip_a_byte(folder) -> None:
    path = folder / "model.npz"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    _restamp(folder)


def _short_mean(meta: dict) -> dict:
    meta["preprocessing"]["mean"] = meta["preprocessing"]["mean"][:3]
    return meta


DAMAGE = {
    "truncated-npz": _truncate,
    "bit-flipped-npz": _flip_a_byte,
    "json-list": lambda f: (f / "model.json").write_text("[1, 2, 3]"),
    "json-not-json": lambda f: (f / "model.json").write_text('{"format": '),
    "no-conformal": lambda f: _edit_json(f, lambda m: {k: v for k, v in m.items() if k != "conformal"}),
    "no-metrics": lambda f: _edit_json(f, lambda m: {k: v for k, v in m.items() if k != "metrics"}),
    "infinite-q": lambda f: _edit_json(f, lambda m: _set(m, "conformal", dict(m["conformal"], q=float("inf")))),
    "negative-q": lambda f: _edit_json(f, lambda m: _set(m, "conformal", dict(m["conformal"], q=-1.0))),
    "text-q": lambda f: _edit_json(f, lambda m: _set(m, "conformal", dict(m["conformal"], q="wide"))),
    "alpha-2": lambda f: _edit_json(f, lambda m: _set(m, "conformal", dict(m["conformal"], alpha=2))),
    "short-mean": lambda f: _edit_json(f, _short_mean),
    "unknown-kind": lambda f: _edit_json(f, lambda m: _set(m, "model", dict(m["model"], kind="magic"))),
    "tree-self-loop": lambda f: _edit_npz(f, _self_loop),
    "tree-child-outside": lambda f: _edit_npz(f, _child_outside),
    "feature-out-of-range": lambda f: _edit_npz(f, _feature_out_of_range),
    "tree-shapes-differ": lambda f: _edit_npz(f, lambda a: _set(a, "value", a["value"][:, :-1])),
    "missing-array": lambda f: _edit_npz(f, lambda a: a.pop("threshold")),
}


@pytest.mark.parametrize("what", sorted(DAMAGE))
def test_a_damaged_bundle_is_refused_at_load(boosted, tmp_path, what):
    folder = tmp_path / "model"
    shutil.copytree(boosted, folder)
    load_bundle(folder)                              # the copy loads before the damage
    DAMAGE[what](folder)
    with pytest.raises(UserError, match="cannot load the model"):
        load_bundle(folder)


def test_a_linear_bundle_with_the_wrong_number_of_coefficients_is_refused(ridge, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(ridge, folder)
    _edit_npz(folder, lambda a: _set(a, "coef", a["coef"][:-2]))
    with pytest.raises(UserError, match="cannot load the model"):
        load_bundle(folder)


@pytest.mark.parametrize("what", ["tree-self-loop", "infinite-q", "json-list"])
def test_serve_refuses_a_damaged_bundle_with_one_line(boosted, run_cli, tmp_path, what):
    folder = tmp_path / "model"
    shutil.copytree(boosted, folder)
    DAMAGE[what](folder)
    res = run_cli("phase5_capstone/ml_pipeline.py", "serve", "--model", str(folder), "--port", "0", timeout=60)
    assert_user_error(res, "cannot load the model")
