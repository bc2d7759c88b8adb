"""The REST API: a Flask app around a saved pipeline, served by waitress.

    POST /predict        one record (JSON object) or a list of them -> prediction(s) and the
                         split-conformal interval [y_hat - q, y_hat + q]
    GET  /health         {"status": "ok"}
    GET  /model          features, metrics, version
    GET  /openapi.json   the OpenAPI 3.0 description of all of it

Every bad request gets a 4xx JSON body {"error": "...", "field": "..."} naming what is wrong;
bad input never causes a 500. Records are validated by hand against the training schema, then
turned into the model's input with the same fitted preprocessing as in training (NumPy only: no
pandas on the request path, so one request costs well under a millisecond of model time).
"""

from __future__ import annotations

import json
import math

import numpy as np
from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from phase5_capstone.pipeline.bundle import Bundle
from phase5_capstone.pipeline.openapi import MAX_BODY_BYTES, MAX_RECORDS, openapi_document


class ApiError(Exception):
    def __init__(self, status: int, field: str | None, message: str):
        super().__init__(message)
        self.status, self.field, self.message = status, field, message


def validate_record(record, pre, where: str = "") -> dict:
    """Check one record against the training schema; ApiError(422) naming the first bad field.

    ``pre`` (the fitted Preprocessor) knows the schema: ``pre.numeric`` (numbers, or None for
    missing), ``pre.categorical`` ({column: its training levels}) and ``pre.input_columns`` (all
    of them, every one required). ``where`` prefixes the field name ("[3]." for the 4th record
    of a list). Returns the record unchanged when it is valid; otherwise raises
    ``ApiError(422, field, message)`` for the first problem, checked in this order:

        not a dict                    field where or "body"  "expected a JSON object with the fields ..."
        a field not in the schema     "unknown field 'pool'; expected: ..."
        a required field absent       "missing field 'median_income'"
        a number field                None is fine; a bool or a non-number -> "... must be a number
                                      (or null) ..."; NaN or infinity -> "... must be a finite number ..."
        a text field                  not a str -> "... must be a string, one of [...]";
                                      not a training level -> "unknown category 'X' for 'col'; ..."

    Mind that True is an int in Python (isinstance(True, int) is True): reject bools first.
    """
    if not isinstance(record, dict):
        raise ApiError(422, where or "body", f"expected a JSON object with the fields {', '.join(pre.input_columns)}")
    for name in record:
        if name not in pre.numeric and name not in pre.categorical:
            raise ApiError(422, f"{where}{name}", f"unknown field {name!r}; expected: {', '.join(pre.input_columns)}")
    for name in pre.input_columns:
        if name not in record:
            raise ApiError(422, f"{where}{name}", f"missing field {name!r}")
    for name in pre.numeric:
        value = record[name]
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ApiError(422, f"{where}{name}",
                           f"field {name!r} must be a number (or null), got {type(value).__name__}")
        try:
            finite = math.isfinite(value)
        except OverflowError:                 # an int beyond float's range (about 1.8e308)
            finite = False
        if not finite:
            raise ApiError(422, f"{where}{name}", f"field {name!r} must be a finite number, got {value}")
    for name, levels in pre.categorical.items():
        value = record[name]
        if not isinstance(value, str):
            raise ApiError(422, f"{where}{name}", f"field {name!r} must be a string, one of {levels}")
        if value not in levels:
            raise ApiError(422, f"{where}{name}", f"unknown category {value!r} for {name!r}; expected one of {levels}")
    return record


def parse_body(raw: bytes, pre) -> tuple[list[dict], bool]:
    """(validated records, whether the body was a single object) from the raw request body (bytes).

    The body is one JSON object (a record) or a list of 1 to MAX_RECORDS of them:

        not JSON at all           ApiError(400, "body", "the body is not valid JSON: ...")
        nested beyond the parser  ApiError(400, "body", "the body is nested too deeply: ...")
        an object                 ([validate_record(body, pre)], True)
        a list                    length outside 1..MAX_RECORDS -> ApiError(422, "body", "send
                                  between 1 and ... records, got n"); else each record validated
                                  with where = "[i]." -> (records, False)
        anything else             ApiError(422, "body", "expected a JSON object (one record) or a
                                  list of objects")
    """
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "body", f"the body is not valid JSON: {exc}") from None
    except RecursionError:                    # [[[[...]]]] deeper than Python's parser goes
        raise ApiError(400, "body", "the body is nested too deeply: a record is one flat JSON object") from None
    if isinstance(body, dict):
        return [validate_record(body, pre)], True
    if isinstance(body, list):
        if not 1 <= len(body) <= MAX_RECORDS:
            raise ApiError(422, "body", f"send between 1 and {MAX_RECORDS} records, got {len(body)}")
        return [validate_record(r, pre, f"[{i}].") for i, r in enumerate(body)], False
    raise ApiError(422, "body", "expected a JSON object (one record) or a list of objects")


def create_app(bundle: Bundle) -> Flask:
    """The Flask application for one loaded model bundle."""
    app = Flask("ml_pipeline")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.sort_keys = False
    pre, meta = bundle.pre, bundle.full_meta()
    q, level = float(meta["conformal"]["q"]), 1 - float(meta["conformal"]["alpha"])
    if not (math.isfinite(q) and q >= 0):       # JSON has no infinity: such a model cannot answer
        raise ValueError(f"the conformal half-width q = {q} cannot give an interval; train on more rows")
    document = openapi_document(pre, meta)
    card = {"version": meta["version"], "kind": meta["model"]["kind"], "target": meta["target"],
            "inputs": document["components"]["schemas"]["Record"]["properties"], "features": pre.features,
            "metrics": meta["metrics"], "conformal": meta["conformal"]}

    def error(status: int, field: str | None, message: str):
        return jsonify({"error": message, "field": field}), status

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error(exc.status, exc.field, exc.message)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        field = {413: "body", 405: "method"}.get(exc.code, None)
        response = exc.get_response()
        message = TOO_LARGE if exc.code == 413 else exc.description
        response.data = json.dumps({"error": message, "field": field})
        response.content_type = "application/json"
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # a bug, not bad input: still answer JSON, and say so
        app.logger.exception("unexpected error")
        return error(500, None, f"internal error: {type(exc).__name__}")

    @app.get("/health")
    def health():
        return jsonify({"status": "ok", "model": meta["model"]["kind"]})

    @app.get("/model")
    def model_card():
        return jsonify(card)

    @app.get("/openapi.json")
    def openapi():
        return jsonify(document)

    @app.post("/predict")
    def predict():
        if request.mimetype != "application/json":
            raise ApiError(415, "Content-Type", f"send JSON with Content-Type: application/json "
                                                f"(got {request.mimetype or 'none'})")
        records, single = parse_body(request.get_data(cache=False), pre)
        pred = bundle.model.predict(pre.transform_records(records))
        with np.errstate(over="ignore"):        # pred +/- q beyond float's range is refused just below
            finite = np.isfinite(pred) & np.isfinite(pred - q) & np.isfinite(pred + q)
        if not finite.all():
            bad = int(np.flatnonzero(~finite)[0])
            raise ApiError(422, "body" if single else f"[{bad}]",
                           "the inputs are so far outside the training data that the prediction is not finite")
        out = [{"prediction": round(float(p), 2), "confidence_interval": [round(float(p - q), 2),
                                                                          round(float(p + q), 2)],
                "level": level} for p in pred]
        # the bytes jsonify would send (compact, keys in order, trailing newline), minus its per-call set-up
        body = json.dumps(out[0] if single else {"predictions": out}, separators=(",", ":"), allow_nan=False)
        return app.response_class(body + "\n", mimetype="application/json")

    return app


TOO_LARGE = f"the body is larger than {MAX_BODY_BYTES} bytes: send at most {MAX_RECORDS} records per request"


def make_server(bundle: Bundle, host: str = "127.0.0.1", port: int = 5000, threads: int = 2):
    """The waitress server for ``bundle`` (not yet running: call ``.run()``, stop with ``.close()``).

    Its body limit is the API's own, MAX_BODY_BYTES: waitress refuses a larger body while it
    arrives (without buffering the rest) and, through the channel below, answers with the API's
    JSON 413, as Flask does for a declared Content-Length over the limit. (waitress is imported
    here, not at the top: the Flask app alone runs without it, e.g. in the notebook.)
    """
    from waitress.channel import HTTPChannel
    from waitress.server import create_server
    from waitress.task import ErrorTask

    class JsonErrorTask(ErrorTask):
        """waitress's own error answers (a body over the limit, a malformed request line or
        header) in the API's JSON shape {"error", "field"}, instead of a text/plain page."""

        def execute(self):
            error = self.request.error
            too_large = error.code == 413
            body = json.dumps({"error": TOO_LARGE if too_large else f"{error.reason}: {error.body}",
                               "field": "body" if too_large else None}).encode()
            self.status = f"{error.code} {error.reason}"
            self.response_headers.append(("Content-Type", "application/json"))
            self.set_close_on_finish()
            self.content_length = len(body)
            self.write(body)

    class JsonErrorChannel(HTTPChannel):
        error_task_class = JsonErrorTask

    server = create_server(create_app(bundle), host=host, port=port, threads=threads,
                           max_request_body_size=MAX_BODY_BYTES + 1,   # waitress refuses sizes >= its limit
                           ident="ml_pipeline")
    server.channel_class = JsonErrorChannel
    return server


def serve(bundle: Bundle, host: str = "127.0.0.1", port: int = 5000, threads: int = 2, on_ready=None) -> None:
    """Run the app under waitress until interrupted. ``on_ready(port)`` is called once listening.

    waitress returns quietly on Ctrl-C; we raise KeyboardInterrupt after it has shut down, so
    that ``serve`` exits 130 like every other command.
    """
    import signal
    import threading

    server = make_server(bundle, host, port, threads)
    interrupted = []

    def on_ctrl_c(signum, frame):
        interrupted.append(signum)
        raise KeyboardInterrupt

    in_main = threading.current_thread() is threading.main_thread()    # signals go to the main thread only
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
