"""ab_testing.py serve: the dashboard's JSON API (Flask's test client, and real HTTP under waitress).

The API's numbers are the CLI's: the same report text line for line for the same counts, CSV or
simulation seed, and z, p, the intervals and the power equal statsmodels to 1e-9. Bad input of every
kind gets a 4xx JSON error naming the field, never a 5xx.
"""

import io
import json
import math
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from phase3_probability import ab_testing as ab
from phase3_probability.ab_dashboard import app as dashboard
from tests.conftest import REPO, assert_user_error

SAMPLE = REPO / "phase3_probability" / "ab_dashboard" / "static" / "sample_events.csv"


@pytest.fixture(scope="module")
def client():
    return dashboard.create_app(ab).test_client()


def counts(n_a, k_a, n_b, k_b, **extra):
    return {"control": {"visitors": n_a, "conversions": k_a}, "treatment": {"visitors": n_b, "conversions": k_b},
            **extra}


def cli_report(run_main, tmp_path, *args):
    """The CLI's printed report, without the closing "Saved: ..." line (paths differ)."""
    res = run_main(ab.main, *args, "--no-show", "--out", tmp_path)
    assert res.returncode == 0, res
    return res.stdout.split("\nSaved: ")[0].rstrip("\n").split("\n")


# ----------------------------------------------------------------------------- the numbers


@pytest.mark.parametrize("n_a,k_a,n_b,k_b,alpha,power", [(4532, 203, 4621, 248, 0.05, 0.8),
                                                         (20000, 1100, 20000, 900, 0.01, 0.9),
                                                         (500, 0, 500, 6, 0.05, 0.8)])
def test_analyse_equals_the_cli_and_statsmodels(client, run_main, tmp_path, n_a, k_a, n_b, k_b, alpha, power):
    res = client.post("/api/analyse", json=counts(n_a, k_a, n_b, k_b, alpha=alpha, power=power))
    assert res.status_code == 200, res.json
    body = res.json
    expected = cli_report(run_main, tmp_path, "--control", n_a, k_a, "--treatment", n_b, k_b,
                          "--alpha", alpha, "--power", power)
    assert body["report"] == expected                      # the whole text, line for line
    assert f"Test statistic: z = {body['figures']['z']}  (" in "\n".join(expected)
    assert body["conclusion"][0] in expected
    z, p = proportions_ztest([k_b, k_a], [n_b, n_a])
    values = body["values"]
    assert values["z"] == pytest.approx(float(z), abs=1e-9)
    assert values["p_value"] == pytest.approx(float(p), abs=1e-9)
    lo, hi = confint_proportions_2indep(k_b, n_b, k_a, n_a, method="wald", compare="diff", alpha=alpha)
    np.testing.assert_allclose(values["ci_difference"], (lo, hi), atol=1e-9, rtol=0)
    if k_a > 0:
        lo, hi = confint_proportions_2indep(k_b, n_b, k_a, n_a, method="log", compare="ratio", alpha=alpha)
        np.testing.assert_allclose(values["ci_lift"], (lo - 1, hi - 1), atol=1e-9, rtol=0)
    else:                                                  # JSON has no nan: an undefined interval is null
        assert values["ci_lift"] == [None, None] and values["lift"] is None
    assert values["significant"] == (float(p) < alpha)


def test_counts_as_typed_text_equal_counts_as_numbers(client):
    typed = client.post("/api/analyse", json=counts(" 4532", "203", "4621 ", "248", alpha="0.05", power=""))
    numbers = client.post("/api/analyse", json=counts(4532, 203, 4621, 248))
    assert typed.status_code == numbers.status_code == 200
    assert typed.json == numbers.json


def test_chart_data_is_the_figure_data(client):
    """The page's sampling-distribution curves: normal densities per percentage point (scipy), overlap
    = min of the two, so never above either curve."""
    body = client.post("/api/analyse", json=counts(4532, 203, 4621, 248)).json
    x, a, b, overlap = (np.array(body["curves"][k]) for k in ("x", "control", "treatment", "overlap"))
    assert len(x) == dashboard.CURVE_POINTS
    for y, p, n in ((a, 203 / 4532, 4532), (b, 248 / 4621, 4621)):
        np.testing.assert_allclose(y, stats.norm.pdf(x, p * 100, math.sqrt(p * (1 - p) / n) * 100),
                                   rtol=1e-9, atol=1e-12)
        assert np.trapezoid(y, x) == pytest.approx(1.0, abs=1e-3)     # a density per pp: area 1
    np.testing.assert_array_equal(overlap, np.minimum(a, b))


def test_upload_equals_the_cli_on_the_same_file(client, run_main, tmp_path):
    with open(SAMPLE, "rb") as handle:
        res = client.post("/api/upload", data={"file": (handle, "events.csv")})
    assert res.status_code == 200, res.json
    assert res.json["report"] == cli_report(run_main, tmp_path, "--csv", SAMPLE)
    rows = SAMPLE.read_text().strip().splitlines()[1:]
    assert res.json["source"] == {"rows": len(rows), "groups": ["A", "B"]}
    control = res.json["counts"]["control"]
    assert control == {"visitors": sum(r.startswith("A,") for r in rows), "conversions": rows.count("A,1")}
    # a semicolon-separated file with other column names, named in the form
    text = "variant;clicked\n" + "\n".join(r.replace(",", ";") for r in rows) + "\n"
    other = client.post("/api/upload", data={"file": (io.BytesIO(text.encode()), "e.csv"),
                                             "group_col": "variant", "converted_col": "clicked"})
    assert other.status_code == 200, other.json
    assert other.json["report"] == res.json["report"]


def test_simulation_equals_the_cli_simulation(client, run_main, tmp_path):
    res = client.post("/api/simulate", json=counts(4532, 203, 4621, 248, experiments=2000, looks=10, seed=7))
    assert res.status_code == 200, res.json
    expected = cli_report(run_main, tmp_path, "--simulate", "--experiments", 2000, "--looks", 10, "--seed", 7)
    start = next(i for i, line in enumerate(expected) if line.startswith("=== Simulation"))
    assert res.json["report"] == expected[start:]
    assert sum(res.json["deciles"]) == pytest.approx(1.0)
    assert res.json["fpr_peeking"] > res.json["fpr_once"]


# ----------------------------------------------------------------------------- bad input: 4xx JSON


def v(visitors, conversions):
    return {"visitors": visitors, "conversions": conversions}


GOOD = v(1000, 50)


@pytest.mark.parametrize("body,status,field,fragment", [
    ({"control": v("", 5), "treatment": GOOD}, 422, "control.visitors", "empty"),
    ({"control": v(-10, 5), "treatment": GOOD}, 422, "control.visitors", "at least 1 visitor"),
    ({"control": GOOD, "treatment": v(100, -3)}, 422, "treatment.conversions", "negative"),
    ({"control": v(10, 11), "treatment": GOOD}, 422, "control.conversions", "more conversions"),
    ({"control": v("ten", 5), "treatment": GOOD}, 422, "control.visitors", "whole number"),
    ({"control": v(10.5, 5), "treatment": GOOD}, 422, "control.visitors", "whole number"),
    ({"control": v(True, 0), "treatment": GOOD}, 422, "control.visitors", "whole number"),
    ({"control": v(None, 5), "treatment": GOOD}, 422, "control.visitors", "whole number"),
    ({"control": v(10**40, 5), "treatment": GOOD}, 422, "control.visitors", "at most"),
    ({"control": GOOD}, 422, "treatment", "missing treatment"),
    ({"control": v(100, 0), "treatment": v(100, 0)}, 422, "body", "no variation"),
    ({"control": GOOD, "treatment": GOOD, "alpha": 1.5}, 422, "alpha", "between 0 and 1"),
    ({"control": GOOD, "treatment": GOOD, "power": "lots"}, 422, "power", "between 0 and 1"),
    ({"control": GOOD, "treatment": GOOD, "alpha": "nan"}, 422, "alpha", "between 0 and 1"),
    ([1, 2], 422, "body", "JSON object"),
])
def test_bad_counts_are_4xx_json(client, body, status, field, fragment):
    res = client.post("/api/analyse", json=body)
    assert res.status_code == status, res.json
    assert res.json["field"] == field
    assert fragment.lower() in res.json["error"].lower()


def test_bad_requests_are_4xx_json(client):
    cases = [(client.post("/api/analyse", data="{", content_type="application/json"), 400, "not valid JSON"),
             (client.post("/api/analyse", data="visitors=3"), 415, "Content-Type"),
             (client.post("/api/analyse", data="[" * 100_000, content_type="application/json"), 400, "nested"),
             (client.get("/api/analyse"), 405, "not allowed"),
             (client.get("/api/nothing-here"), 404, "not found"),
             (client.post("/api/upload", json={}), 415, "multipart"),
             (client.post("/api/upload", data={"other": "x"}, content_type="multipart/form-data"), 422, "no file")]
    for res, status, fragment in cases:
        assert res.status_code == status, res.data[:300]
        assert res.is_json and fragment.lower() in res.json["error"].lower(), res.json


@pytest.mark.parametrize("content,fragment", [
    (b"", "empty"),
    (b"group,converted\n", "no rows"),
    (b"variant,clicked\nA,1\nB,0\n", "column 'group' not found"),
    (b"group,converted\nA,1\nB,maybe\n", "0/1"),
    (b"group,converted\nA,1\nB,\n", "missing values"),
    (b"group,converted\nA,1\nB,0\nC,1\n", "exactly 2 groups"),
    (b"group,converted\nA,1\n\"B,0\n", "well-formed"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
    (b"group,converted\n\xff\xfe,1\n", "UTF-8"),
])
def test_bad_csv_uploads_are_422(client, content, fragment):
    res = client.post("/api/upload", data={"file": (io.BytesIO(content), "events.csv")})
    assert res.status_code == 422, res.json
    assert res.json["field"] == "file" and fragment.lower() in res.json["error"].lower(), res.json


def test_a_huge_upload_is_413_json(client):
    huge = b"group,converted\n" + b"A,1\n" * (dashboard.MAX_UPLOAD_BYTES // 4 + 10)
    res = client.post("/api/upload", data={"file": (io.BytesIO(huge), "events.csv")})
    assert res.status_code == 413 and res.json["field"] == "file"
    assert "too large" in res.json["error"]


@pytest.mark.parametrize("extra,field", [({"experiments": 10}, "experiments"), ({"looks": 0}, "looks"),
                                         ({"looks": "many"}, "looks"), ({"seed": -1}, "seed"),
                                         ({"experiments": 50_000, "looks": 50}, "experiments")])
def test_bad_simulation_settings_are_422(client, extra, field):
    res = client.post("/api/simulate", json=counts(1000, 50, 1000, 60, **extra))
    assert res.status_code == 422 and res.json["field"] == field, res.json


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=8)
FIELD = st.one_of(JSON, st.integers(-5, 10**6).map(str), st.sampled_from(["", " 12 ", "1e3", "0x10", "7.0", "inf"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(control_visitors=FIELD, control_conversions=FIELD, alpha=FIELD, endpoint=st.booleans(),
       treatment=st.one_of(JSON, st.just({"visitors": 1000, "conversions": 50})))
def test_any_json_is_answered_below_500(client, control_visitors, control_conversions, treatment, alpha, endpoint):
    """Whatever the fields hold, the answer is 200 or a 4xx JSON error naming a field; never a 5xx."""
    body = {"control": {"visitors": control_visitors, "conversions": control_conversions},
            "treatment": treatment, "alpha": alpha, "experiments": 200, "looks": control_visitors}
    res = client.post("/api/simulate" if endpoint else "/api/analyse", json=body)
    assert res.status_code < 500, res.json
    if res.status_code != 200:
        assert 400 <= res.status_code < 500 and res.json["error"] and res.json["field"], res.json


# ----------------------------------------------------------------------------- the page and real HTTP


def test_the_page_loads_only_its_own_files(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for name in ("control-visitors", "control-conversions", "treatment-visitors", "treatment-conversions",
                 "file", "sampling-chart", "ci-chart", "peeking-chart", "error"):
        assert f'id="{name}"' in html, name
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and not [a for a in assets if "://" in a or a.startswith("//")]   # no CDN
    for asset in assets:
        if asset.startswith("/"):
            assert client.get(asset).status_code == 200, asset
    assert client.get("/sample.csv").get_data() == SAMPLE.read_bytes()


def test_real_http_under_waitress():
    server = dashboard.make_server(ab, port=0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}"
    try:
        request = urllib.request.Request(f"{url}/api/analyse", data=json.dumps(counts(4532, 203, 4621, 248)).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as res:
            assert json.load(res)["figures"]["z"] == f"{ab.analyse(4532, 203, 4621, 248).z:.2f}"
        bad = urllib.request.Request(f"{url}/api/analyse", data=b'{"control": 1}',
                                     headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(bad, timeout=10)
        assert info.value.code == 422 and "control" in json.load(info.value)["error"]
    finally:
        server.close()
        thread.join(timeout=5)


def test_serve_command_answers_and_ctrl_c_exits_130():
    proc = subprocess.Popen([sys.executable, "phase3_probability/ab_testing.py", "serve", "--port", "0"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()                     # printed once the server listens
        port = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert port, line + proc.stderr.read() if proc.poll() is not None else line
        with urllib.request.urlopen(f"http://127.0.0.1:{port.group(1)}/api/health", timeout=10) as res:
            assert json.load(res) == {"status": "ok"}
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 130
        assert "Traceback" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_serve_bad_port_is_a_user_error(run_main):
    assert_user_error(run_main(ab.main, "serve", "--port", "70000"), "--port")
    assert_user_error(run_main(ab.main, "serve", "--port", "many"), "--port")
