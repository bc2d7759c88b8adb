"""tools/gpt_sweep.py: the figure and table drawn from recorded runs (the runs themselves are
minutes each; a 20-second one is run by hand, see the tool's docstring)."""

import json

import pytest

from common import cli
from tools import gpt_sweep


def record(layers, dim, block, params, val):
    return {"name": gpt_sweep.run_name(layers, dim, block), "layers": layers, "dim": dim, "block": block,
            "batch": gpt_sweep.TOKENS_PER_STEP // block, "params": params, "budget": "5m", "lr": 2e-3,
            "dropout": 0.0, "best_val": val, "best_iter": 100, "steps": 1200, "wall_s": 300.0,
            "tokens_per_s": 8192}


def test_plot_only_draws_the_figure_and_marks_the_lowest_loss(tmp_path, capsys):
    records = [record(4, 96, 128, 470_000, 1.80), record(4, 128, 128, 810_000, 1.71),
               record(4, 96, 256, 480_000, 1.83), record(4, 128, 256, 820_000, 1.69)]
    (tmp_path / "sweep.json").write_text(json.dumps(records))
    assert gpt_sweep.main(["--plot-only", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "sweep.png").stat().st_size > 10_000
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| 4 x")]
    assert len(rows) == 4
    assert [row for row in rows if "(best)" in row] == ["| 4 x 128 | 256 x 8 | 0.82 M | 1,200 | 8,192 | 1.690 (best) |"]


@pytest.mark.parametrize("argv,store,fragment", [
    (["--plot-only"], None, "no runs recorded yet"),
    (["--plot-only"], "{not json", "cannot read"),
    (["--plot-only"], '[{"name": "4x96@128"}]', "not a list of sweep runs"),
    (["--plot-only"], '{"a": 1}', "not a list of sweep runs"),
    (["--plot-only"], '[{"name": "4x96@128", "layers": 4, "dim": 96, "block": 128, "batch": 16, "params": 1, '
                      '"budget": "abc", "best_val": 1.9, "steps": 1, "tokens_per_s": 1}]', "budget: 'abc' is not a"),
    (["--time", "abc"], None, "not a duration"),
    (["--time", "0"], None, "not a duration"),
    (["--lr", "-1"], None, "--lr"),
    (["--dropout", "1.5"], None, "--dropout"),
    (["--only", "9x9@9"], None, "no run named 9x9@9"),
    (["--only", "4x128"], None, "write a run as LxD@C"),
    (["--only"], None, "--only: expected at least one argument"),
])
def test_bad_input_is_one_error_line_and_exit_2(tmp_path, capsys, argv, store, fragment):
    if store is not None:
        (tmp_path / "sweep.json").write_text(store)
    try:
        code = cli.run(gpt_sweep.main, [*argv, "--out", str(tmp_path)])
    except SystemExit as exc:          # an option's error: argparse exits 2 after its one line
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and fragment in err, err
    assert not (tmp_path / "sweep.png").exists()


def test_one_real_run_is_recorded_from_its_checkpoint(tmp_path, capsys):
    """A real 4-second run of a tiny model (its own process, as the sweep runs them): the record
    holds its size, steps and best loss, read back from the checkpoint, and the table shows it."""
    assert gpt_sweep.main(["--time", "4s", "--only", "1x16@16/4", "--out", str(tmp_path)]) == 0
    (record,) = json.loads((tmp_path / "sweep.json").read_text())
    assert (record["name"], record["layers"], record["dim"], record["block"], record["batch"]) == \
        ("1x16@16/4", 1, 16, 16, 4)
    assert record["steps"] > 0 and 0 < record["best_val"] < 5.0      # ln 65 = 4.17 at the start
    assert record["wall_s"] >= 4.0                                    # the run used its budget
    out = capsys.readouterr().out
    assert "[1/1] 1x16@16/4, 4s ..." in out and "| 1 x 16 | 16 x 4 |" in out


def test_a_failing_run_is_one_error_naming_it(tmp_path, monkeypatch):
    """When a run's process fails, the sweep stops with its last stderr line, not a traceback."""
    monkeypatch.setattr(gpt_sweep, "REPO", tmp_path)                 # no gpt.py there: python exits 2
    with pytest.raises(cli.UserError, match=r"the 1x16@16/4 run exited 2: .*gpt\.py"):
        gpt_sweep.train_one(1, 16, 16, 4, "4s", tmp_path, 2e-3, 0.0)
