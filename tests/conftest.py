"""Shared test fixtures.

* Figures never open windows: matplotlib uses Agg, pygame the dummy video/audio drivers.
* ``MLFP_DATA_MIRROR`` defaults to ``../shared/datasets`` beside the repository when that folder
  exists, so download-only datasets resolve offline in CI and development.
* ``run_cli`` runs a project script in a subprocess from the repo root, as a learner would.
"""

from __future__ import annotations

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


def needs_dataset(name: str):
    """Skip marker for tests that need a download-only dataset that is not on this machine."""
    from common import datasets

    return pytest.mark.skipif(not datasets.available(name),
                              reason=f"dataset {name!r} not on this machine (set MLFP_DATA_MIRROR)")


class CliResult:
    def __init__(self, proc: subprocess.CompletedProcess):
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    def __repr__(self) -> str:
        return f"CliResult(rc={self.returncode}, stdout={self.stdout[-2000:]!r}, stderr={self.stderr[-2000:]!r})"


@pytest.fixture
def run_cli():
    """run_cli("phase1_linalg/pca_visualizer.py", "iris_dataset.csv", "--no-show", input="...")"""

    def _run(script: str, *args: str, input: str | None = "", timeout: float = 600,
             env: dict | None = None) -> CliResult:
        full_env = dict(os.environ, MPLBACKEND="Agg", SDL_VIDEODRIVER="dummy", PYTHONUNBUFFERED="1",
                        **(env or {}))
        proc = subprocess.run([sys.executable, script, *map(str, args)], cwd=REPO, env=full_env,
                              input=input, capture_output=True, text=True, timeout=timeout)
        return CliResult(proc)

    return _run


def assert_user_error(result: CliResult, fragment: str = "") -> None:
    """Exit 2, one ``error: ...`` line on stderr, no traceback."""
    assert result.returncode == 2, result
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result
    assert lines[0].startswith("error: "), result
    assert "Traceback" not in result.stderr
    assert fragment.lower() in lines[0].lower(), result
