"""common.cli conventions, common.plotting and the safe expression parser."""

import math
import os
import sys

import numpy as np
import pytest

from common import cli, expr, plotting
from tests.conftest import assert_user_error


def test_run_maps_errors_to_exit_codes(capsys):
    def bad(argv):
        raise cli.UserError("the file is missing: give a path")

    assert cli.run(bad) == 2
    assert capsys.readouterr().err == "error: the file is missing: give a path\n"

    def interrupted(argv):
        raise KeyboardInterrupt

    assert cli.run(interrupted) == 130

    def ok(argv):
        return 0

    assert cli.run(ok) == 0


def test_parser_error_is_one_line(capsys):
    parser = cli.make_parser("Demo.\n\nMore text.", prog="demo")
    parser.add_argument("--n", type=cli.positive_int, default=1)
    with pytest.raises(SystemExit) as info:
        parser.parse_args(["--n", "0"])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: argument --n")
    args = parser.parse_args([])
    assert args.seed == cli.DEFAULT_SEED and args.no_show is False and args.out is None


def test_value_parsers():
    import argparse

    assert cli.int_list("784,128,10") == [784, 128, 10]
    for bad in ("nan", "inf", "x"):
        with pytest.raises(argparse.ArgumentTypeError):
            cli.finite_float(bad)
    with pytest.raises(argparse.ArgumentTypeError):
        cli.positive_float("0")


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError), cli.atomic_write(target) as handle:
        handle.write("half")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    cli.save_text(target, "whole")
    assert target.read_text() == "whole" and len(list(tmp_path.iterdir())) == 1


def test_read_commands_from_string(capsys):
    assert list(cli.read_commands("rotate 45; scale 0.5;; save out.jpg")) == ["rotate 45", "scale 0.5",
                                                                            "save out.jpg"]
    assert "> rotate 45" in capsys.readouterr().out


def test_plotting_headless_save(tmp_path, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    if sys.platform.startswith("linux"):
        assert plotting.is_headless()
    assert plotting.setup(no_show=False) is False
    fig, ax = plotting.figure()
    ax.plot([0, 1], [0, 1])
    png = plotting.save(fig, tmp_path / "a.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    frame = plotting.fig_to_array(fig)
    gif = plotting.save_gif([frame, 255 - frame], tmp_path / "a.gif")
    assert gif.read_bytes()[:6] == b"GIF89a"
    plotting.show()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.gif", "a.png"]
    assert os.environ.get("MPLBACKEND", "agg").lower() == "agg"


@pytest.mark.parametrize("text,x,expected", [
    ("x**3 - 3*x + 1", 2.0, 3.0),
    ("sin(x) + cos(x)", 0.5, math.sin(0.5) + math.cos(0.5)),
    ("exp(-x^2)", 1.0, math.exp(-1)),
    ("-x + pi * e", 1.0, -1 + math.pi * math.e),
    ("sqrt(abs(x)) / log(x + 3)", -2.0, math.inf),
])
def test_expression_values(text, x, expected):
    f = expr.compile_expression(text)
    if math.isinf(expected):
        assert math.isinf(f(x))
    else:
        assert f(x) == pytest.approx(expected, rel=1e-14)


def test_expression_arrays_and_two_variables():
    f = expr.compile_expression("x*y + 2", variables=("x", "y"))
    np.testing.assert_allclose(f(np.array([1.0, 2.0]), 3.0), [5.0, 8.0])
    const = expr.compile_expression("2")
    np.testing.assert_allclose(const(np.zeros(3)), [2.0, 2.0, 2.0])


@pytest.mark.parametrize("text", [
    "__import__('os')", "x.__class__", "open('f')", "x[0]", "lambda: 1", "'a'", "y + 1",
    "[x for x in ()]", "sin(x, x)", "sin(x=1)", "x if x else 1", "x < 1", "", "x +", "2 x",
    "().__class__.__bases__", "True",
])
def test_expression_rejects_unsafe_or_invalid(text):
    with pytest.raises(expr.ExpressionError):
        expr.compile_expression(text)


def test_user_error_helper_rejects_tracebacks():
    class R:
        returncode = 2
        stderr = "Traceback (most recent call last):\nerror: x\n"
        stdout = ""

    with pytest.raises(AssertionError):
        assert_user_error(R())


@pytest.mark.parametrize("text", ["x + sin", "sin", "1" + "0" * 309, "x\udcff", "cos + 1"])
def test_expression_edge_cases_are_user_errors(text):
    """A function name used as a value, a number beyond float range, text that is not UTF-8."""
    with pytest.raises(expr.ExpressionError):
        expr.compile_expression(text)


def test_seed_and_bounded_values():
    import argparse

    assert cli.seed_value("0") == 0 and cli.seed_value(str(2**32 - 1)) == 2**32 - 1
    for bad in ("-1", str(2**32), "1.5", "x"):
        with pytest.raises(argparse.ArgumentTypeError):
            cli.seed_value(bad)
    parse = cli.bounded_int(1, 10)
    assert parse("10") == 10
    for bad in ("0", "11", "ten"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse(bad)


def test_output_paths_that_cannot_be_written_are_user_errors(tmp_path):
    (tmp_path / "fig.png").mkdir()                      # a folder where the file should go
    with pytest.raises(cli.UserError, match="folder of that name"), cli.atomic_path(tmp_path / "fig.png"):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.png"]   # no temp file left behind
    afile = tmp_path / "plain"
    afile.write_text("x")
    with pytest.raises(cli.UserError, match="is a file"):
        cli.out_dir(argparse_namespace(out=afile), "demo")
    with pytest.raises(cli.UserError, match="cannot create"):
        cli.out_dir(argparse_namespace(out=afile / "sub"), "demo")


def argparse_namespace(**kw):
    import argparse

    return argparse.Namespace(**kw)
