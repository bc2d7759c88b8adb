"""Phase 5 capstone comparisons (see phase5_capstone/catalogue.py).

ml_pipeline:
* a bounded loopback load test of the REST API: the CLI's waitress server in its own process,
  N single-record POST /predict over keep-alive connections from client threads; target
  >= 500 requests/s (budget_s = N / 500), p99 latency < 50 ms, zero errors;
* our gradient boosting (phase-4 trees) vs scikit-learn's GradientBoostingRegressor, same
  hyperparameters and preprocessed rows: training time ratio and test RMSE.

The helpers that start/stop the server are shared with tests/phase5_capstone/test_api.py.
"""

from __future__ import annotations

import http.client
import json
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from tools.bench_harness import Comparison

REPO = Path(__file__).resolve().parent.parent
TARGET = "median_house_value"
HOUSE = {"longitude": -122.23, "latitude": 37.88, "housing_median_age": 41.0, "total_rooms": 880.0,
         "total_bedrooms": 129.0, "population": 322.0, "households": 126.0, "median_income": 8.3252,
         "ocean_proximity": "NEAR BAY"}


# ----------------------------------------------------------------------------- server helpers
def _read_port(proc: subprocess.Popen, timeout: float = 60.0) -> int:
    """Read the server's stdout until its 'Running on http://host:port' line; return the port.

    A reader thread feeds a queue, so a server that never prints the line costs ``timeout``, not a hang.
    """
    lines: queue.Queue = queue.Queue()

    def reader():
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=reader, daemon=True).start()
    deadline = time.monotonic() + timeout
    seen = []
    while True:
        try:
            line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            line = None
        if line is None:
            break
        seen.append(line)
        if "Running on http://" in line:
            return int(line.split("Running on http://", 1)[1].split()[0].rsplit(":", 1)[1])
    proc.kill()
    raise RuntimeError(f"server did not start: {''.join(seen)} {_log_text(proc)}")


def _log_text(proc: subprocess.Popen) -> str:
    log = getattr(proc, "log", None)
    if log is None:
        return ""
    log.seek(0)
    return log.read()[-2000:]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    """Poll GET /health until it answers 200 (never sleep-and-hope)."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {_log_text(proc)}")
        try:
            conn = http.client.HTTPConnection(host, int(port), timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server never became healthy")


def start_server(model_dir, *extra: str) -> tuple[subprocess.Popen, str]:
    """Run ``ml_pipeline.py serve`` on a free port of 127.0.0.1; returns (process, base url)."""
    log = tempfile.TemporaryFile(mode="w+")        # a file, not a pipe: a chatty server can never block on it
    proc = subprocess.Popen([sys.executable, "phase5_capstone/ml_pipeline.py", "serve", "--model", str(model_dir),
                             "--port", "0", *extra], cwd=REPO, stdout=subprocess.PIPE, stderr=log, text=True)
    proc.log = log
    url = f"http://127.0.0.1:{_read_port(proc)}"
    wait_healthy(url, proc)
    return proc, url


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if getattr(proc, "log", None) is not None:
        proc.log.close()
    if proc.stdout is not None:
        proc.stdout.close()


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by process ``pid`` (Linux /proc; nan elsewhere)."""
    import os

    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_test(url: str, record: dict, requests_total: int = 15000, concurrency: int = 8) -> dict:
    """Send ``requests_total`` single-record POST /predict from ``concurrency`` keep-alive connections.

    Returns ok / errors counts, requests per second and latency percentiles in ms.
    """
    host, port = url.removeprefix("http://").rsplit(":", 1)
    body = json.dumps(record).encode()
    headers = {"Content-Type": "application/json"}
    shares = [requests_total // concurrency + (i < requests_total % concurrency) for i in range(concurrency)]
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        for _ in range(shares[i]):
            start = time.perf_counter()
            try:
                conn.request("POST", "/predict", body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                ok = response.status == 200 and b"prediction" in payload
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=10)
            latencies[i].append(time.perf_counter() - start)
            errors[i] += not ok
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    lat = np.concatenate([np.array(x) for x in latencies]) * 1e3
    return {"ok": int(len(lat) - sum(errors)), "errors": int(sum(errors)), "seconds": seconds,
            "rps": len(lat) / seconds, "p50_ms": float(np.percentile(lat, 50)),
            "p99_ms": float(np.percentile(lat, 99)), "max_ms": float(lat.max())}


def _bench_model_dir() -> Path:
    """The trained model to serve: outputs/ml_pipeline if `train` was run, else a quick one.

    The quick one has the default boosting shape (120 trees, depth 7), which is what a request
    costs; it is fitted on 5,000 rows without cross-validation to keep the setup light.
    """
    saved = REPO / "outputs" / "ml_pipeline"
    if (saved / "model.json").exists() and (saved / "model.npz").exists():
        return saved
    from phase5_capstone.pipeline import conformal
    from phase5_capstone.pipeline.bundle import Bundle
    from phase5_capstone.pipeline.features import Preprocessor
    from phase5_capstone.pipeline.load import load_table
    from phase5_capstone.pipeline.models import make_model

    frame = load_table("housing_data.csv").sample(6000, random_state=0).reset_index(drop=True)
    train, cal = frame.iloc[:5000], frame.iloc[5000:]
    pre = Preprocessor.fit(train, TARGET)
    model = make_model("gradient_boosting").fit(pre.transform(train), train[TARGET].to_numpy())
    q = conformal.conformal_quantile(cal[TARGET].to_numpy() - model.predict(pre.transform(cal)), 0.1)
    meta = {"target": TARGET, "metrics": {"test_rmse": float("nan"), "test_r2": float("nan")},
            "conformal": {"alpha": 0.1, "q": q, "n_calibration": len(cal)}}
    folder = Path(tempfile.mkdtemp(prefix="mlfp_bench_model_"))
    Bundle(pre, model, meta).save(folder)
    return folder


def ml_pipeline():
    """The REST load test row and the gradient-boosting-vs-scikit-learn row."""
    n_requests, target_rps = 15000, 500

    def serve_and_load():
        proc, url = start_server(_bench_model_dir())
        try:
            load_test(url, HOUSE, requests_total=200, concurrency=8)          # warm the server up
            cpu = server_cpu_seconds(proc.pid)
            stats = load_test(url, HOUSE, requests_total=n_requests, concurrency=8)
            stats["server_cpu_ms"] = (server_cpu_seconds(proc.pid) - cpu) / n_requests * 1e3
            return stats
        finally:
            stop_server(proc)

    rest = Comparison(
        name=f"ml_pipeline: REST POST /predict, {n_requests:,} single-record requests, 8 keep-alive connections",
        ours=serve_and_load, reference=None, reference_name=f"budget {target_rps} req/s (waitress, loopback)",
        budget_s=n_requests / target_rps, max_ratio=1.0, repeats=1, warmup=0,
        quality=lambda o, r: (f"p99 latency ms (target < 50; {o['rps']:.0f} req/s, p50 {o['p50_ms']:.1f} ms, "
                              f"errors {o['errors']}, server CPU {o['server_cpu_ms']:.2f} ms/request)",
                              o["p99_ms"], 50.0),
        note="server in its own process; client threads in the bench process on the same machine; "
             "1 / server CPU per request is the single-core capacity on an idle machine")
    return [rest, _boosting_vs_sklearn()]


def _boosting_vs_sklearn() -> Comparison:
    from sklearn.ensemble import GradientBoostingRegressor

    from common import metrics
    from phase5_capstone.pipeline.cv import split_rows
    from phase5_capstone.pipeline.features import Preprocessor
    from phase5_capstone.pipeline.load import load_table
    from phase5_capstone.pipeline.models import make_model

    frame = load_table("housing_data.csv")
    split = split_rows(len(frame))
    train, test = frame.iloc[split.train], frame.iloc[split.test]
    pre = Preprocessor.fit(train, TARGET)
    X, y = pre.transform(train), train[TARGET].to_numpy()
    X_test, y_test = pre.transform(test), test[TARGET].to_numpy()
    p = make_model("gradient_boosting").params

    def ours():
        return make_model("gradient_boosting").fit(X, y)

    def reference():
        return GradientBoostingRegressor(n_estimators=p["n_trees"], learning_rate=p["learning_rate"],
                                         max_depth=p["max_depth"], min_samples_leaf=p["min_samples_leaf"],
                                         subsample=p["subsample"], random_state=0).fit(X, y)

    return Comparison(
        name="ml_pipeline: gradient boosting fit, 120 trees depth 7, 14,035 rows x 15 features",
        ours=ours, reference=reference, reference_name="sklearn GradientBoostingRegressor (same settings)",
        max_ratio=10.0, repeats=1, warmup=0,
        quality=lambda o, r: ("test RMSE $", metrics.rmse(y_test, o.predict(X_test)),
                              metrics.rmse(y_test, r.predict(X_test))))
