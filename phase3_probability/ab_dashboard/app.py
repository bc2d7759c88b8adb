"""The A/B testing dashboard: a Flask app (one page and a JSON API), served by waitress.

    GET  /                 the page (templates/index.html, static/dashboard.js, static/dashboard.css)
    GET  /sample.csv       an example events file, one row per visitor: group,converted
    GET  /api/health       {"status": "ok"}
    POST /api/analyse      JSON {"control": {"visitors": 4532, "conversions": 203},
                                 "treatment": {"visitors": 4621, "conversions": 248},
                                 "alpha": 0.05, "power": 0.8}            (alpha and power optional)
                           -> the test, the intervals, the power, the report text and the chart data
    POST /api/upload       multipart form: "file" (a CSV of events), optional "alpha", "power",
                           "group_col", "converted_col" -> the same answer as /api/analyse
    POST /api/simulate     JSON {"control": {...}, "treatment": {...}, "alpha": 0.05,
                                 "experiments": 20000, "looks": 10, "seed": 42}
                           -> the peeking simulation (A/A tests at the pooled rate)

Every number comes from the functions of ``ab_testing.py`` (``analyse``, ``report_figures``,
``sampling_curves``, ``peeking_simulation``...), the ones the command line uses, so the page shows
exactly what the terminal prints. The app is handed that module (``create_app(ab_testing)``) rather
than importing it: ``ab_testing.py serve`` imports this package, and the dependency runs one way.
A bad request gets a 4xx JSON body {"error": "...", "field": "..."} naming what is wrong (the page
shows the message beside the form); bad input never causes a 500.
A count may be sent as a JSON number or as the text typed in the form ("4532").
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

from flask import Flask, current_app, jsonify, render_template, request, send_from_directory
from werkzeug.exceptions import HTTPException

from common import cli

HERE = Path(__file__).resolve().parent
MAX_UPLOAD_BYTES = 5 * 1024 * 1024          # a 5 MB events file holds about a million visitors
MAX_VISITORS = 1_000_000_000                # per group: beyond this the binomial simulation overflows
MAX_EXPERIMENTS = 50_000
MAX_LOOKS = 50
MAX_SIMULATED_LOOKS = 1_000_000             # experiments x looks: about 2 s of work on one core
CURVE_POINTS = 201                          # points per sampling-distribution curve sent to the page


def stats():
    """The ``ab_testing`` module the running app was created with (see ``create_app``)."""
    return current_app.extensions["ab_testing"]


class ApiError(Exception):
    """A request the user can fix: answered with ``status`` and {"error": message, "field": field}."""

    def __init__(self, status: int, field: str | None, message: str):
        super().__init__(message)
        self.status, self.field, self.message = status, field, message


# ----------------------------------------------------------------------------- reading the request


def whole_number(value, field: str) -> int:
    """A count from the request: a JSON integer or the text of one ("4532", " 4532 ").

    Raises ApiError(422, field, ...) for an empty field, text that is not a whole number, a
    fraction (3.5), a bool (JSON true is not a count) or anything else (null, a list).
    """
    label = field.replace(".", " ")
    if isinstance(value, bool) or value is None or isinstance(value, list | dict):
        raise ApiError(422, field, f"{label} must be a whole number, got {json.dumps(value)}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ApiError(422, field, f"{label} must be a whole number, got {value}")
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise ApiError(422, field, f"{label} is empty: enter a whole number")
        try:
            value = int(text)
        except ValueError:
            raise ApiError(422, field, f"{label} must be a whole number, got {value.strip()!r}") from None
    if abs(value) > MAX_VISITORS:
        raise ApiError(422, field, f"{label} must be at most {MAX_VISITORS:,}, got {value:,}")
    return value


def probability(value, field: str, default: float) -> float:
    """alpha or power: a number (or its text) strictly between 0 and 1; ``default`` when absent or empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, bool) or isinstance(value, list | dict):
        raise ApiError(422, field, f"{field} must be a number between 0 and 1, got {json.dumps(value)}")
    try:
        number = float(value)
    except ValueError:
        raise ApiError(422, field, f"{field} must be a number between 0 and 1, got {value!r}") from None
    if not (math.isfinite(number) and 0 < number < 1):
        raise ApiError(422, field, f"{field} must be between 0 and 1 (e.g. 0.05), got {value}")
    return number


def json_body() -> dict:
    """The request's JSON object, or ApiError 415 (not JSON) / 400 (unreadable) / 422 (not an object)."""
    if request.mimetype != "application/json":
        raise ApiError(415, "Content-Type", f"send JSON with Content-Type: application/json "
                                            f"(got {request.mimetype or 'none'})")
    try:
        body = json.loads(request.get_data(cache=False))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "body", f"the body is not valid JSON: {exc}") from None
    except RecursionError:
        raise ApiError(400, "body", "the body is nested too deeply") from None
    if not isinstance(body, dict):
        raise ApiError(422, "body", 'expected a JSON object like {"control": {...}, "treatment": {...}}')
    return body


def group_counts(body: dict, name: str) -> tuple[int, int]:
    """(visitors, conversions) of one group from {"control": {"visitors": .., "conversions": ..}, ...}.

    Impossible counts are refused by ``ab_testing.validate_counts`` (the CLI's own check).
    """
    ab = stats()
    group = body.get(name)
    if not isinstance(group, dict):
        raise ApiError(422, name, f'missing {name}: send "{name}": {{"visitors": N, "conversions": K}}')
    visitors = whole_number(group.get("visitors"), f"{name}.visitors")
    conversions = whole_number(group.get("conversions"), f"{name}.conversions")
    try:
        ab.validate_counts(visitors, conversions, name)
    except ValueError as exc:
        field = f"{name}.visitors" if visitors < 1 else f"{name}.conversions"
        raise ApiError(422, field, str(exc)) from None
    return visitors, conversions


def events_from_upload(data: bytes, group_col: str, converted_col: str) -> tuple:
    """(control name, n_A, k_A, treatment name, n_B, k_B, rows) from an uploaded events CSV (bytes).

    One row per visitor, a header row first; the delimiter (, ; tab |) is guessed. Every problem
    is an ApiError(422, "file", ...) with a message the page can show as it is.
    """
    ab = stats()
    import pandas as pd

    if not data.strip():
        raise ApiError(422, "file", "the file is empty: expected a CSV with a header row group,converted")
    if b"\0" in data[:65536]:
        raise ApiError(422, "file", "the file is not a text CSV (it is binary)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(422, "file", "the file is not a text CSV (it is not UTF-8)") from None
    try:
        delimiter = csv.Sniffer().sniff(text[:65536], delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                            na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "parse error"
        raise ApiError(422, "file", f"the file is not a well-formed CSV: {first}") from None
    if frame.empty:
        raise ApiError(422, "file", "the file has a header but no rows: expected one row per visitor")
    try:
        return (*ab.counts_from_events(frame, group_col, converted_col), len(frame))
    except ValueError as exc:
        raise ApiError(422, "file", str(exc)) from None


# ----------------------------------------------------------------------------- the answers


def analysis(n_a: int, k_a: int, n_b: int, k_b: int, alpha: float, power: float,
             names: tuple[str, str] = ("Control (A)", "Treatment (B)"), title: str = "New Checkout Button") -> dict:
    """The JSON answer of /api/analyse: raw numbers, the CLI's text for each, and the chart data."""
    ab = stats()
    try:
        r = ab.analyse(n_a, k_a, n_b, k_b, alpha, power)
    except ValueError as exc:                       # e.g. both groups at 0%: no variation to test
        raise ApiError(422, "body", str(exc)) from None
    curves = ab.sampling_curves(r, CURVE_POINTS)

    def finite(x: float):                          # JSON has no nan or inf: send null
        return float(x) if math.isfinite(x) else None

    return {
        "names": list(names),
        "counts": {"control": {"visitors": n_a, "conversions": k_a},
                   "treatment": {"visitors": n_b, "conversions": k_b}},
        "values": {"rate_control": r.p_a, "rate_treatment": r.p_b, "difference": r.diff, "lift": finite(r.lift),
                   "z": r.z, "p_value": r.p_value, "alpha": r.alpha, "significant": r.significant,
                   "ci_difference": list(r.ci_diff), "ci_lift": [finite(v) for v in r.ci_lift],
                   "effect_h": r.effect_h, "power": r.power, "n_for_power": r.n_for_power,
                   "target_power": r.target_power},
        "figures": ab.report_figures(r),
        "conclusion": ab.conclusion(r),
        "report": ab.report_lines(r, names, title),
        "curves": {key: [float(v) for v in values] for key, values in curves.items()},
    }


def simulation(body: dict) -> dict:
    """The JSON answer of /api/simulate (the CLI's ``--simulate`` for the same counts and seed)."""
    ab = stats()
    n_a, k_a = group_counts(body, "control")
    n_b, k_b = group_counts(body, "treatment")
    alpha = probability(body.get("alpha"), "alpha", 0.05)
    experiments = whole_number(body.get("experiments", 20_000), "experiments")
    looks = whole_number(body.get("looks", 10), "looks")
    seed = whole_number(body.get("seed", cli.DEFAULT_SEED), "seed")
    if not 100 <= experiments <= MAX_EXPERIMENTS:
        raise ApiError(422, "experiments", f"experiments must be from 100 to {MAX_EXPERIMENTS:,}, got {experiments:,}")
    if not 1 <= looks <= MAX_LOOKS:
        raise ApiError(422, "looks", f"looks must be from 1 to {MAX_LOOKS}, got {looks}")
    if experiments * looks > MAX_SIMULATED_LOOKS:
        raise ApiError(422, "experiments", f"experiments x looks must be at most {MAX_SIMULATED_LOOKS:,} "
                                           f"(got {experiments * looks:,}): ask for fewer of either")
    if seed < 0:
        raise ApiError(422, "seed", f"seed must be 0 or more, got {seed}")
    try:
        r = ab.analyse(n_a, k_a, n_b, k_b, alpha)
    except ValueError as exc:
        raise ApiError(422, "body", str(exc)) from None
    sim = ab.peeking_simulation(r, experiments, looks, seed)
    return {"experiments": experiments, "looks": sim["looks"], "seed": seed, "alpha": alpha, "rate": sim["rate"],
            "fpr_once": sim["fpr_once"], "fpr_peeking": sim["fpr_peeking"], "ks_uniform": sim["ks_uniform"],
            "deciles": [float(d) for d in sim["deciles"]],
            "figures": {"rate": f"{sim['rate']:.2%}", "fpr_once": f"{sim['fpr_once']:.1%}",
                        "fpr_peeking": f"{sim['fpr_peeking']:.1%}", "ks_uniform": f"{sim['ks_uniform']:.4f}",
                        "alpha": f"{alpha:.0%}"},
            "report": ab.simulation_lines(sim, alpha)}


# ----------------------------------------------------------------------------- the app


def create_app(ab) -> Flask:
    """The dashboard app; ``ab`` is the ``ab_testing`` module whose functions compute every number."""
    app = Flask("ab_dashboard", template_folder=str(HERE / "templates"), static_folder=str(HERE / "static"))
    app.config["MAX_CONTENT_LENGTH"] = MAX_UPLOAD_BYTES + 64 * 1024      # the file plus the form's fields
    app.json.sort_keys = False
    app.extensions["ab_testing"] = ab

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return jsonify({"error": exc.message, "field": exc.field}), exc.status

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if exc.code == 413:
            message = f"the upload is too large: at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB"
        else:
            message = exc.description
        field = {413: "file", 405: "method"}.get(exc.code)
        response = exc.get_response()
        response.data = json.dumps({"error": message, "field": field})
        response.content_type = "application/json"
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):       # a bug, not bad input: still JSON, and it says so
        app.logger.exception("unexpected error")
        return jsonify({"error": f"internal error: {type(exc).__name__}", "field": None}), 500

    @app.get("/")
    def index():
        return render_template("index.html", max_upload_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
                               max_upload_bytes=MAX_UPLOAD_BYTES)

    @app.get("/sample.csv")
    def sample():
        return send_from_directory(HERE / "static", "sample_events.csv", mimetype="text/csv",
                                   as_attachment=True, download_name="sample_events.csv")

    @app.get("/api/health")
    def health():
        return jsonify({"status": "ok"})

    @app.post("/api/analyse")
    def analyse():
        body = json_body()
        n_a, k_a = group_counts(body, "control")
        n_b, k_b = group_counts(body, "treatment")
        alpha = probability(body.get("alpha"), "alpha", 0.05)
        power = probability(body.get("power"), "power", 0.8)
        return jsonify(analysis(n_a, k_a, n_b, k_b, alpha, power))

    @app.post("/api/upload")
    def upload():
        if request.mimetype != "multipart/form-data":
            raise ApiError(415, "Content-Type", "send the CSV as a multipart form with a field named 'file'")
        if "file" not in request.files:
            raise ApiError(422, "file", "no file in the form: choose a CSV of events (columns group,converted)")
        data = request.files["file"].read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            raise ApiError(413, "file", f"the upload is too large: at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
        alpha = probability(request.form.get("alpha"), "alpha", 0.05)
        power = probability(request.form.get("power"), "power", 0.8)
        group_col = request.form.get("group_col", "").strip() or "group"
        converted_col = request.form.get("converted_col", "").strip() or "converted"
        name_a, n_a, k_a, name_b, n_b, k_b, rows = events_from_upload(data, group_col, converted_col)
        answer = analysis(n_a, k_a, n_b, k_b, alpha, power, (f"Control ({name_a})", f"Treatment ({name_b})"))
        answer["source"] = {"rows": rows, "groups": [name_a, name_b]}
        return jsonify(answer)

    @app.post("/api/simulate")
    def simulate():
        return jsonify(simulation(json_body()))

    return app


def make_server(ab, host: str = "127.0.0.1", port: int = 5000, threads: int = 2):
    """The waitress server of the dashboard, listening but not yet serving (``.run()`` serves,
    ``.close()`` stops, ``.effective_port`` is the port when ``port`` is 0). Tests run it in a thread."""
    from waitress.server import create_server

    return create_server(create_app(ab), host=host, port=port, threads=threads,
                         max_request_body_size=MAX_UPLOAD_BYTES * 4, ident="ab_dashboard")


def serve(ab, host: str = "127.0.0.1", port: int = 5000, threads: int = 2, on_ready=None) -> None:
    """Run the dashboard under waitress until interrupted. ``on_ready(port)`` is called once listening.

    As the pipeline's API does: waitress returns quietly on Ctrl-C, so we raise KeyboardInterrupt
    after it has shut down and the command exits 130 like every other one.
    """
    import signal
    import threading

    server = make_server(ab, host, port, threads)
    interrupted = []

    def on_ctrl_c(signum, frame):
        interrupted.append(signum)
        raise KeyboardInterrupt

    in_main = threading.current_thread() is threading.main_thread()    # signals reach the main thread only
    previous = signal.signal(signal.SIGINT, on_ctrl_c) if in_main else None
    if on_ready is not None:
        on_ready(server.effective_port)
    try:
        server.run()
    finally:
        server.close()
        if in_main:
            signal.signal(signal.SIGINT, previous)
    if interrupted:
        raise KeyboardInterrupt
