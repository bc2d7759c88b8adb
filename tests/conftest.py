"""Shared test fixtures.

* Figures never open windows: matplotlib uses Agg, pygame the dummy video/audio drivers.
* ``MLFP_DATA_MIRROR`` defaults to ``../shared/datasets`` beside the repository when that folder
  exists, so download-only datasets resolve offline in CI and development.
* ``run_cli`` runs a project script in a subprocess from the repo root, as a learner would.
* ``run_main`` runs a script's ``main()`` inside the test process (no interpreter start-up, no
  re-import of matplotlib and pandas per call) and returns the same kind of result, so
  ``assert_user_error`` works on both. Each script still has a subprocess test of its own.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
_MIRROR = REPO.parent / "shared" / "datasets"
if "MLFP_DATA_MIRROR" not in os.environ and _MIRROR.is_dir():
    os.environ["MLFP_DATA_MIRROR"] = str(_MIRROR)

# Learner mode: with MLFP_WORKSPACE set, the tests run on the learner's functions where written.
LEARNER = bool(os.environ.get("MLFP_WORKSPACE"))
if LEARNER:
    from learn import patch as _learn_patch

    _learn_patch.install()


@pytest.fixture(autouse=True)
def _close_figures():
    """Each test starts with no matplotlib figure open: one left by an earlier test in the same
    process would be taken for the window the next test looks at."""
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def pytest_report_header(config):
    if not LEARNER:
        return None
    return _learn_patch.summary() or [f"learn: no code of yours in {os.environ['MLFP_WORKSPACE']} yet"]


def needs_dataset(name: str):
    """Skip marker for tests that need a download-only dataset that is not on this machine."""
    from common import datasets

    return pytest.mark.skipif(not datasets.available(name),
                              reason=f"dataset {name!r} not on this machine (set MLFP_DATA_MIRROR)")


class CliResult:
    """What a CLI run left: its exit status and everything it printed."""

    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr

    def __iter__(self):  # code, out, err = run_main(...)
        return iter((self.returncode, self.stdout, self.stderr))

    @classmethod
    def of(cls, proc: subprocess.CompletedProcess) -> CliResult:
        return cls(proc.returncode, proc.stdout, proc.stderr)

    def __repr__(self) -> str:
        return f"CliResult(rc={self.returncode}, stdout={self.stdout[-2000:]!r}, stderr={self.stderr[-2000:]!r})"


@pytest.fixture
def run_cli():
    """run_cli("phase1_linalg/pca_visualizer.py", "iris_dataset.csv", "--no-show", input="...")"""

    def _run(script: str, *args: str, input: str | None = "", timeout: float = 600,
             env: dict | None = None) -> CliResult:
        full_env = dict(os.environ, MPLBACKEND="Agg", SDL_VIDEODRIVER="dummy", PYTHONUNBUFFERED="1",
                        **(env or {}))
        command = [sys.executable, script, *map(str, args)]
        if LEARNER and script.endswith(".py"):       # the script, with the learner's functions in place
            command[1:2] = ["-m", "learn.runner", script]
            full_env["MLFP_LEARN_QUIET"] = "1"
        proc = subprocess.run(command, cwd=REPO, env=full_env,
                              input=input, capture_output=True, text=True, timeout=timeout)
        return CliResult.of(proc)

    return _run


def call_main(main, *args, stdin: str = "") -> CliResult:
    """Run ``main(args)`` as ``common.cli.run`` does for the real script (exit 2 on user errors),
    with ``stdin`` as its standard input and its output captured."""
    from common import cli

    out, err = io.StringIO(), io.StringIO()
    saved_stdin, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.run(main, [str(a) for a in args])
            except SystemExit as exc:  # argparse's own errors and --help
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    finally:
        sys.stdin = saved_stdin
    return CliResult(code, out.getvalue(), err.getvalue())


@pytest.fixture
def run_main():
    """run_main(module.main, "--k", "0", stdin="...") -> CliResult, in-process."""
    return call_main


def assert_user_error(result: CliResult, fragment: str = "") -> None:
    """Exit 2, one ``error: ...`` line on stderr, no traceback."""
    assert result.returncode == 2, result
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result
    assert lines[0].startswith("error: "), result
    assert "Traceback" not in result.stderr
    assert fragment.lower() in lines[0].lower(), result


class FakeCupy:
    """A stand-in GPU array library: NumPy behind a distinct ndarray type, so the device seam is exercised
    on a machine with no GPU. ``calls`` counts the arrays moved onto the fake device."""

    class ndarray(__import__("numpy").ndarray):
        pass

    def __init__(self):
        self.calls = 0

    def asarray(self, a, dtype=None):
        import numpy as np

        self.calls += 1
        return np.asarray(a, dtype=dtype).view(FakeCupy.ndarray)

    def __getattr__(self, name):
        import numpy as np

        return getattr(np, name)


@pytest.fixture
def fake_cuda():
    """Register a :class:`FakeCupy` as minigrad's "cuda" array module for one test."""
    from minigrad import backend

    if "cuda" in backend._MODULES:
        pytest.skip("a real GPU backend is registered")
    fake = FakeCupy()
    backend.register_backend("cuda", fake)
    try:
        yield fake
    finally:
        backend.register_backend("cuda", None)
