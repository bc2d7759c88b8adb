"""Run a script's main() in this process (fast: no interpreter start-up) for the error paths."""

from common import cli
from tests.conftest import CliResult


class _Proc:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def run_main(main, capsys, *argv) -> CliResult:
    """cli.run(main, argv) with stdout/stderr captured; argparse's SystemExit becomes the return code."""
    capsys.readouterr()
    try:
        code = cli.run(main, [str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    return CliResult(_Proc(code, captured.out, captured.err))
