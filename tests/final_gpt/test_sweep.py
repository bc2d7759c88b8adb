"""tools/gpt_sweep.py: the figure and table drawn from recorded runs (the runs themselves are
minutes each; a 20-second one is run by hand, see the tool's docstring)."""

import json

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


def test_plot_only_without_runs_is_one_error_line(tmp_path, capsys):
    assert gpt_sweep.main(["--plot-only", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == "error: no runs recorded yet\n"
