"""Phase 3 fixtures: ``run_main`` runs a script's main() in-process (fast: no interpreter start and
no re-import of matplotlib/pandas per call) and returns an object shaped like ``run_cli``'s result,
so ``assert_user_error`` works on it. One subprocess test per script still runs it as a learner does."""

from __future__ import annotations

import io
import sys
from types import SimpleNamespace

import pytest

from common import cli


@pytest.fixture
def run_main(capsys, monkeypatch):
    def _run(main, *args, stdin: str = ""):
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        try:
            code = cli.run(main, [str(a) for a in args])
        except SystemExit as exc:  # argparse errors
            code = exc.code
        captured = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=captured.out, stderr=captured.err)

    return _run
