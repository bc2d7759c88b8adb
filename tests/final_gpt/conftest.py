"""In-process CLI runs for the final project's tests (a subprocess costs ~1 s of imports each)."""

import contextlib
import io

import pytest

from common import cli
from tests.conftest import CliResult


class _Proc:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def call_main():
    """call_main(module.main, *args) -> CliResult, exactly as ``cli.run`` would exit (2 on user errors)."""

    def _call(main, *args):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.run(main, [str(a) for a in args])
            except SystemExit as exc:        # argparse errors
                code = exc.code
        return CliResult(_Proc(code, out.getvalue(), err.getvalue()))

    return _call
