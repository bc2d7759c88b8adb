"""The catalogue, milestone checklist, tour and bench harness, end to end on real entries."""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest

from tools import bench_harness as harness
from tools import catalogue, milestones, tour
from tools.bench import render

REPO = Path(__file__).resolve().parents[2]


def test_catalogue_is_consistent():
    projects = catalogue.all_projects()
    assert projects, "the catalogue is empty"
    readme = (REPO / "README.md").read_text()
    for p in projects:
        assert (REPO / p.script).is_file(), p.script
        assert p.phase in dict(catalogue.PHASES)
        assert p.script in readme, f"{p.script} is not in the README's project table"
        phase_readme = REPO / p.phase / "README.md"
        assert phase_readme.is_file() and Path(p.script).name in phase_readme.read_text(), phase_readme
        for m in (*p.milestones, *p.boss):
            if m.check.startswith("tests/"):
                assert (REPO / m.check.split("::")[0]).is_file(), m.check
        for ref in p.bench:
            assert re.fullmatch(r"bench\.\w+:\w+", ref), ref
    assert catalogue.get("linalg_basics").phase == "phase1_linalg"


def test_every_milestone_check_is_a_collected_test_or_an_importable_function():
    """A renamed or deleted test must fail here, not silently drop a milestone from the checklist.

    Every pytest check is looked up among the node ids that pytest really collects (a
    parametrised test counts through its ``[...]`` ids); every ``module:function`` check must import
    and be callable.
    """
    import importlib

    nodes, functions = [], []
    for p in catalogue.all_projects():
        for m in (*p.milestones, *p.boss):
            (nodes if milestones._is_pytest_node(m.check) else functions).append(m.check)
    assert nodes
    collected = milestones.collect_node_ids(sorted({n.split("::", 1)[0] for n in nodes}))
    lost = [n for n in nodes if not any(c == n or c.startswith(n + "[") for c in collected)]
    assert not lost, f"milestone checks that pytest does not collect: {lost}"
    for check in functions:
        module_name, _, func_name = check.partition(":")
        assert callable(getattr(importlib.import_module(module_name), func_name)), check


def test_collecting_finds_a_renamed_test(tmp_path, monkeypatch):
    """The collection step itself: a test file with one test yields exactly that node id."""
    (tmp_path / "test_demo.py").write_text("def test_kept():\n    pass\n")
    monkeypatch.chdir(tmp_path)
    ids = milestones.collect_node_ids(["test_demo.py"], rootdir=tmp_path)
    assert ids == ["test_demo.py::test_kept"]


def test_function_check_outcomes():
    assert milestones.run_function_check("math:pi").status == "failed"  # not callable -> failed
    assert milestones.run_function_check("nope.module:x").status == "missing"
    assert milestones.run_function_check("tests.common.test_machinery:_passing_check").status == "passed"
    failing = milestones.run_function_check("tests.common.test_machinery:_failing_check")
    assert failing.status == "failed" and "not met" in failing.detail


def _passing_check():
    assert 1 + 1 == 2


def _failing_check():
    raise AssertionError("milestone not met")


def test_milestones_command_end_to_end(run_cli, tmp_path):
    """Runs the real checklist for phase 1 and writes the Markdown report."""
    report = tmp_path / "milestones.md"
    res = run_cli("-m", "tools.milestones", "--phase", "phase1_linalg", "--quick", "--out", report)
    assert "Phase 1 - Linear algebra" in res.stdout, res
    assert re.search(r"\[x\] M1: 2x2 eigenvalues", res.stdout), res
    text = report.read_text()
    assert text.startswith("# Milestone checklist") and "- [x] M1:" in text
    assert res.returncode in (0, 1)


def test_tour_end_to_end(run_cli, tmp_path):
    res = run_cli("-m", "tools.tour", "--only", "linalg_basics", "--out", tmp_path)
    assert res.returncode == 0, res
    assert "Tour: 1 ran, 0 failed, 0 skipped" in res.stdout
    index = (tmp_path / "index.html").read_text()
    assert "linalg_basics.py" in index and "Pure Python vs NumPy" in index
    assert "<img src='linalg_basics/transforms.png'" in index
    assert (tmp_path / "linalg_basics" / "transforms.png").is_file()


def test_tour_skips_missing_dataset():
    project = catalogue.Project("x", "x", "phase1_linalg", "x.py", datasets=("cifar-10",))
    assert "cifar-10" in tour.skip_reason(project, allow_download=False)
    project = catalogue.Project("y", "y", "phase1_linalg", "y.py", requires=("no_such_module_xyz",))
    assert "no_such_module_xyz" in tour.skip_reason(project, allow_download=False)


def test_bench_harness_interleaves_and_reports():
    calls = []

    def ours():
        calls.append("o")
        time.sleep(0.002)
        return 1.0

    def ref():
        calls.append("r")
        time.sleep(0.001)
        return 1.5

    c = harness.Comparison("demo", ours, ref, "sleep", max_ratio=10,
                           quality=lambda o, r: ("value", o, r), repeats=4, warmup=1)
    row = harness.run_comparison(c)
    assert calls == ["o", "r", "o", "r", "r", "o", "o", "r", "r", "o"]
    assert 1.2 < row.ratio < 4 and row.met is True
    assert "delta -0.5" in row.quality
    low, high = row.pair_ratios                  # each repeat's own ratio brackets the medians' one
    assert 0 < low <= row.ratio * (1 + 1e-12) and row.ratio <= high * (1 + 1e-12)
    ceiling = {"float32": 100.0, "float64": 50.0}
    text = render([("demo", row)], ceiling, [], 1.0)
    assert "| demo | demo | sleep |" in text and "float32 100.0 GFLOP/s" in text
    assert f"| {row.ratio:.2f} | {low:.2f}-{high:.2f} | <= 10 | yes |" in text


def test_bench_note_set_during_the_run_is_written():
    # a row may learn its note only while it runs (the GPT's 15-minute row: the real-word shares)
    c = harness.Comparison("noted", None, None, "1 s budget", budget_s=1.0, repeats=1, warmup=0)

    def ours():
        c.note = "real words: 91.2%"
        return 0

    c.ours = ours
    row = harness.run_comparison(c)
    text = render([("demo", row)], {"float32": 1.0, "float64": 1.0}, [], 1.0)
    assert "- noted: real words: 91.2%" in text
    assert "Notes" not in render([("demo", harness.run_comparison(
        harness.Comparison("plain", lambda: 0, None, "1 s", budget_s=1.0, repeats=1)))],
        {"float32": 1.0, "float64": 1.0}, [], 1.0)


def test_bench_budget_rows_and_ceiling():
    row = harness.run_comparison(harness.Comparison("budget", lambda: np.zeros(10), None, "4 ms budget",
                                                    budget_s=0.004, max_ratio=1.0, repeats=3))
    assert row.reference_s == 0.004 and row.met is True
    ceiling = harness.matmul_ceiling(n=256, repeats=2)
    assert ceiling["float32"] > 0 and ceiling["float64"] > 0


@pytest.mark.slow
def test_registered_bench_rows_construct():
    from tools.bench import load_comparisons

    for project in catalogue.all_projects():
        for ref in project.bench:
            for comparison in load_comparisons(ref):
                assert isinstance(comparison, harness.Comparison)
