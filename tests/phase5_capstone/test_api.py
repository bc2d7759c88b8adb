"""The REST API over real HTTP: a waitress server started from the CLI on 127.0.0.1 (a free port).

The model is a small pipeline trained in the test (2,500 rows, fast settings) so the quick loop stays
quick; the served code path is the same as for the full model.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import requests

from bench.bench_capstone import HOUSE, REPO, TARGET, _read_port, load_test, start_server, stop_server, wait_healthy
from tests.conftest import LEARNER


def train_small_bundle(folder, rows: int = 2500):
    """Train the pipeline on a sample (fast settings) and save it to ``folder``; returns the Bundle."""
    from phase5_capstone.ml_pipeline import train_pipeline
    from phase5_capstone.pipeline.load import load_table

    frame = load_table("housing_data.csv").sample(rows, random_state=0).reset_index(drop=True)
    result = train_pipeline(frame, TARGET, kinds=("ridge", "gradient_boosting"), k=2, fast=True)
    result["bundle"].save(folder)
    return result["bundle"]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    bundle = train_small_bundle(folder)
    return folder, bundle


def start_cli_server(folder):
    """The CLI's server (bench.bench_capstone.start_server). In learner mode (MLFP_WORKSPACE set) it
    runs through ``python -m learn.runner``, as ``run_cli`` does, so that it serves the learner's code."""
    if not LEARNER:
        return start_server(folder)
    import os
    import subprocess
    import sys
    import tempfile

    log = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen([sys.executable, "-m", "learn.runner", "phase5_capstone/ml_pipeline.py", "serve",
                             "--model", str(folder), "--port", "0"], cwd=REPO, stdout=subprocess.PIPE, stderr=log,
                            text=True, env=dict(os.environ, MLFP_LEARN_QUIET="1"))
    proc.log = log
    url = f"http://127.0.0.1:{_read_port(proc)}"
    wait_healthy(url, proc)
    return proc, url


@pytest.fixture(scope="module")
def server(model_dir):
    proc, url = start_cli_server(model_dir[0])
    yield url, model_dir[1]
    stop_server(proc)


def post(url, body, **kwargs):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    headers = kwargs.pop("headers", {"Content-Type": "application/json"})
    return requests.post(f"{url}/predict", data=data, headers=headers, timeout=10, **kwargs)


# ----------------------------------------------------------------------------- happy paths
def test_predict_one_record_matches_the_bundle(server):
    """The transcript's curl: prediction and a 90% interval, equal to the in-process pipeline."""
    import pandas as pd

    url, bundle = server
    r = post(url, HOUSE)
    assert r.status_code == 200, r.text
    body = r.json()
    expected = float(bundle.predict(pd.DataFrame([HOUSE]))[0])
    assert body["prediction"] == pytest.approx(expected, abs=0.01)
    lo, hi = body["confidence_interval"]
    q = bundle.meta["conformal"]["q"]
    assert lo == pytest.approx(expected - q, abs=0.01) and hi == pytest.approx(expected + q, abs=0.01)
    assert body["level"] == pytest.approx(0.9)
    assert 100_000 < body["prediction"] < 600_000     # a rich Berkeley block, true value 452,600


def test_predict_a_list_and_null_is_imputed(server):
    import pandas as pd

    url, bundle = server
    other = dict(HOUSE, median_income=2.0, ocean_proximity="INLAND", total_bedrooms=None)
    r = post(url, [HOUSE, other])
    assert r.status_code == 200, r.text
    preds = [p["prediction"] for p in r.json()["predictions"]]
    frame = pd.DataFrame([HOUSE, dict(other, total_bedrooms=np.nan)])
    np.testing.assert_allclose(preds, bundle.predict(frame), atol=0.01)
    assert preds[1] < preds[0]


def test_health_model_and_openapi(server):
    from phase5_capstone.pipeline.bundle import VERSION

    url, bundle = server
    assert requests.get(f"{url}/health", timeout=5).json()["status"] == "ok"
    card = requests.get(f"{url}/model", timeout=5).json()
    assert card["features"] == bundle.pre.features and card["version"] == VERSION
    assert card["metrics"]["test_rmse"] == pytest.approx(bundle.meta["metrics"]["test_rmse"])
    doc = requests.get(f"{url}/openapi.json", timeout=5).json()
    assert doc["openapi"].startswith("3.") and set(doc["paths"]) == {"/predict", "/health", "/model", "/openapi.json"}
    assert set(doc["components"]["schemas"]["Record"]["required"]) == set(HOUSE)


# ----------------------------------------------------------------------------- bad input -> 4xx naming the field
BAD = [
    ({k: v for k, v in HOUSE.items() if k != "median_income"}, 422, "median_income", "missing"),
    (dict(HOUSE, pool=True), 422, "pool", "unknown field"),
    (dict(HOUSE, latitude="north"), 422, "latitude", "number"),
    (dict(HOUSE, households=True), 422, "households", "number"),
    (json.dumps(dict(HOUSE, longitude=math.nan), allow_nan=True), 422, "longitude", "finite"),
    (json.dumps(dict(HOUSE, population=math.inf), allow_nan=True), 422, "population", "finite"),
    (dict(HOUSE, ocean_proximity="ON THE MOON"), 422, "ocean_proximity", "unknown category"),
    (dict(HOUSE, ocean_proximity=3), 422, "ocean_proximity", "string"),
    ([HOUSE, dict(HOUSE, total_rooms=[1])], 422, "[1].total_rooms", "number"),
    ("[]", 422, "body", "between 1 and"),
    ('"just a string"', 422, "body", "json object"),
    ("{not json", 400, "body", "not valid json"),
    (json.dumps(dict(HOUSE, total_rooms=10**400)), 422, "total_rooms", "finite"),      # beyond float's range
    (json.dumps(dict(HOUSE, total_rooms=-(10**400))), 422, "total_rooms", "finite"),
    ("[" * 50_000 + "]" * 50_000, 400, "body", "nested too deeply"),
    ('{"a": ' * 20_000 + "1" + "}" * 20_000, 400, "body", "nested too deeply"),
]


@pytest.mark.parametrize(("body", "status", "field", "fragment"), BAD,
                         ids=["missing", "unknown", "type", "bool", "nan", "inf", "category", "category-type",
                              "list-item", "empty-list", "not-object", "bad-json", "huge-int", "huge-negative-int",
                              "deep-list", "deep-object"])
def test_bad_records_get_4xx_naming_the_field(server, body, status, field, fragment):
    url, _ = server
    r = post(url, body)
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    err = r.json()
    assert err["field"] == field
    assert fragment.lower() in err["error"].lower()


def test_wrong_content_type_and_too_large_body(server):
    url, _ = server
    r = post(url, json.dumps(HOUSE), headers={"Content-Type": "text/plain"})
    assert r.status_code == 415 and r.json()["field"] == "Content-Type"
    r = post(url, json.dumps([HOUSE] * 2000))            # ~400 kB > 256 kB
    assert r.status_code == 413 and r.json()["field"] == "body"
    r = requests.get(f"{url}/predict", timeout=5)
    assert r.status_code == 405 and r.json()["field"] == "method"
    r = requests.get(f"{url}/nowhere", timeout=5)
    assert r.status_code == 404 and "error" in r.json()


def test_ctrl_c_stops_the_server_with_exit_130_within_a_second(model_dir):
    import signal
    import time

    proc, url = start_server(model_dir[0])
    try:
        assert requests.get(f"{url}/health", timeout=5).status_code == 200
        start = time.monotonic()
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=10)
        assert code == 130 and time.monotonic() - start < 1.0, code
        proc.log.seek(0)
        assert "Traceback" not in proc.log.read()
    finally:
        stop_server(proc)


def test_serve_without_a_model_is_a_user_error(run_cli, tmp_path):
    from tests.conftest import assert_user_error

    assert_user_error(run_cli("phase5_capstone/ml_pipeline.py", "serve", "--model", str(tmp_path)), "no trained model")


def test_load_smoke(server):
    """A few seconds of concurrent single-record requests: zero errors (throughput is a bench row)."""
    url, _ = server
    stats = load_test(url, HOUSE, requests_total=300, concurrency=4)
    assert stats["errors"] == 0 and stats["ok"] == 300


# ----------------------------------------------------------------------------- schemathesis
@pytest.mark.slow
def test_schemathesis_finds_no_server_errors(server):
    """Property-based requests generated from /openapi.json: no 5xx, every response matches the schema."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings

    url, _ = server
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    failures, calls = [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        strategies = [operation.as_strategy()]
        if operation.method.lower() == "post":      # only a request body can be made invalid
            strategies.append(operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE))
        for strategy in strategies:
            @settings(max_examples=60, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=strategy)
            def check(case):
                response = case.call(base_url=url)
                calls.append(response.status_code)
                assert response.status_code < 500, (case.body, response.text)
                case.validate_response(response)

            try:
                check()
            except Exception as exc:  # collect, so one failure does not hide the others
                failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n".join(failures)
    assert len(calls) >= 60 and 200 in calls and 422 in calls     # it really exercised both paths
