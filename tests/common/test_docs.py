"""Docs from real runs (tools/docs.py), ``make notebook`` and the tour's progress (tools/tour.py).

The README excerpts marked ``<!-- docs: COMMAND -->`` must equal what their commands print now,
apart from timings. The cheap ones are checked here; the ones marked ``slow`` (training runs,
full datasets) only with ``MLFP_DOCS_SLOW=1`` (``make docs-check`` sets it). Every other test uses
tiny ``python -c`` commands so that it is quick and can fail on its own.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, assert_user_error
from tools import catalogue, docs, tour

README_FILES = [REPO / f for f in docs.DEFAULT_FILES]


def marked(text: str, settings: str = "", command: str = "python -c \"print('a'); print('b 2.5 s')\"") -> str:
    lines = ["# A page", "", "Output:", "", f"<!-- docs: {command}"]
    lines += [s for s in settings.split("\n") if s] + ["-->", "```", *text.split("\n"), "```",
                                                        "<!-- /docs -->", "", "After."]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- the repository
def test_every_readme_marker_parses_and_every_command_is_a_python_run():
    excerpts = [e for f in README_FILES for e in docs.parse(f)]
    assert len(excerpts) >= 30, "the READMEs' real-output excerpts should be marked"
    for e in excerpts:
        assert re.search(r"\bpython \S+\.py\b", e.command), e.where
        assert e.text, f"{e.where}: an empty excerpt"


def test_the_cheap_excerpts_match_their_commands():
    """python tools/docs.py --check: each non-slow excerpt equals a fresh run (timings masked)."""
    args = [sys.executable, "tools/docs.py", "--check", f"--jobs={min(4, os.cpu_count() or 1)}"]
    proc = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=900,
                          env=dict(os.environ, PYTHONHASHSEED="0"))
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert re.search(r"docs: \d+ match, 0 differ, 0 failed", proc.stdout), proc.stdout


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("MLFP_DOCS_SLOW"),
                    reason="the slow excerpts (training runs, full datasets) and the notebook take many "
                           "minutes: set MLFP_DOCS_SLOW=1 or run make docs-check")
def test_the_slow_excerpts_and_the_notebook_match_their_commands():
    proc = subprocess.run([sys.executable, "tools/docs.py", "--check", "--slow", "--notebook"], cwd=REPO,
                          capture_output=True, text=True, timeout=7200)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert "notebook: matches" in proc.stdout


def test_an_excerpt_edited_by_hand_fails_the_check_and_regenerating_restores_it(tmp_path, capsys):
    """A copy of a real README with one number changed: --check names it and exits 1; a rewrite
    puts the real number back, and the check passes again."""
    copy = tmp_path / "README.md"
    original = (REPO / "phase3_probability/README.md").read_text(encoding="utf-8")
    assert original.count("\nF1: 95.7%\n") == 1
    copy.write_text(original.replace("\nF1: 95.7%\n", "\nF1: 97.5%\n"), encoding="utf-8")
    only = ["--only=spam_filter.py"]
    assert docs.main(["--check", str(copy), *only]) == 1
    out = capsys.readouterr().out
    assert f"{copy}:" in out and "differs" in out
    assert "-F1: 97.5%" in out and "+F1: 95.7%" in out

    assert docs.main([str(copy), *only]) == 0
    assert copy.read_text(encoding="utf-8") == original
    assert docs.main(["--check", str(copy), *only]) == 0


# ----------------------------------------------------------------------------- the checker itself
def test_check_passes_on_a_match_and_fails_on_a_hand_edit(tmp_path, capsys):
    page = tmp_path / "page.md"
    page.write_text(marked("a\nb 2.5 s"), encoding="utf-8")
    assert docs.main(["--check", str(page)]) == 0
    page.write_text(marked("a\nb 2.5 s\nc"), encoding="utf-8")          # a line added by hand
    assert docs.main(["--check", str(page)]) == 1
    page.write_text(marked("A\nb 2.5 s"), encoding="utf-8")             # a line changed by hand
    assert docs.main(["--check", str(page)]) == 1
    assert "page.md:5: the excerpt of" in capsys.readouterr().out


def test_timings_are_masked_but_other_numbers_are_compared(tmp_path):
    page = tmp_path / "page.md"
    command = "python -c \"print('epoch 1: loss 0.25 (3.1 s, 1,234 tokens/s, 12ms)')\""
    page.write_text(marked("epoch 1: loss 0.25 (97.0 s, 88 tokens/s, 0.4ms)", command=command), encoding="utf-8")
    assert docs.main(["--check", str(page)]) == 0
    page.write_text(marked("epoch 1: loss 0.26 (3.1 s, 1,234 tokens/s, 12ms)", command=command), encoding="utf-8")
    assert docs.main(["--check", str(page)]) == 1


def test_a_rewrite_keeps_lines_that_differ_only_in_timings(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(marked("a\nb 9.9 s\nstale", "lines=1-2"), encoding="utf-8")
    assert docs.main([str(page)]) == 0                      # 'stale' is not in the output: rewritten
    text = page.read_text(encoding="utf-8")
    assert "```\na\nb 9.9 s\n```" in text                   # the old timing line stays as it was
    assert text.endswith("<!-- /docs -->\n\nAfter.\n")


def test_line_ranges_grep_and_extra_masks():
    e = docs.Excerpt(Path("x.md"), 1, "cmd")
    output = "\n".join(f"line {i}" for i in range(1, 11)) + "\n"
    e.lines = "1-2,...,-2:"
    assert docs.trim(output, e) == ["line 1", "line 2", "...", "line 9", "line 10"]
    e.lines = "3,5:6,8-"
    assert docs.trim(output, e) == ["line 3", "line 5", "line 6", "line 8", "line 9", "line 10"]
    e.lines, e.grep = "-1", [r"line [2-4]$"]
    assert docs.trim(output, e) == ["line 4"]
    assert docs.masked(["2 threads, 3.5 s"], [r"\d+ threads"]) == ["<timing>, <timing>"]
    assert docs.masked(["3 steps, 10 splits"], []) == ["3 steps, 10 splits"]


def test_prompt_stderr_and_expected_exit_status(tmp_path):
    page = tmp_path / "page.md"
    command = "python -c \"import sys; print('out'); print('error: bad', file=sys.stderr); sys.exit(2)\""
    page.write_text(marked(f"$ {command}\nout\nerror: bad", "prompt\nstderr\nrc=2", command=command),
                    encoding="utf-8")
    assert docs.main(["--check", str(page)]) == 0
    page.write_text(marked("out", command=command), encoding="utf-8")      # exit 2 was not expected
    assert docs.main(["--check", str(page)]) == 1


def test_slow_excerpts_run_only_when_asked(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MLFP_DOCS_SLOW", raising=False)
    page = tmp_path / "page.md"
    page.write_text(marked("not what it prints", "slow"), encoding="utf-8")
    assert docs.main(["--check", str(page)]) == 0
    assert "1 slow not run" in capsys.readouterr().out
    assert docs.main(["--check", "--slow", str(page)]) == 1


@pytest.mark.parametrize("text, message", [
    ("<!-- docs: python -c 'print(1)' -->\nno fence here\n", "a fenced block"),
    ("<!-- docs: python -c 'print(1)' -->\n```\n1\n```\n", "'<!-- /docs -->' must follow"),
    ("<!-- docs: python -c 'print(1)'\nlines=x-y -->\n```\n1\n```\n<!-- /docs -->\n", "bad line range"),
    ("<!-- docs: python -c 'print(1)'\ncolour=red -->\n```\n1\n```\n<!-- /docs -->\n", "unknown docs setting"),
    ("```\n1\n```\n<!-- /docs -->\n", "without an opening"),
])
def test_a_broken_marker_is_one_error_line(tmp_path, run_cli, text, message):
    page = tmp_path / "page.md"
    page.write_text(text, encoding="utf-8")
    assert_user_error(run_cli("tools/docs.py", "--check", str(page)), message)


def test_list_names_every_excerpt(tmp_path, capsys):
    page = tmp_path / "page.md"
    page.write_text(marked("a") + marked("a", "slow"), encoding="utf-8")
    assert docs.main(["--list", str(page)]) == 0
    assert "2 excerpts (1 slow)" in capsys.readouterr().out


# ----------------------------------------------------------------------------- make notebook
def test_makefile_has_the_docs_and_notebook_targets():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for target in ("docs:", "docs-check:", "notebook:"):
        assert re.search(rf"^{target}", makefile, re.M), target
    assert "tools/docs.py --check --slow" in makefile
    assert "jupyter lab" in makefile


@pytest.mark.skipif(not (Path(sys.executable).parent / "jupyter").exists(),
                    reason="JupyterLab is not installed in this environment (the notebook extra)")
def test_make_notebook_prints_the_command_in_ci_and_jupyter_lab_runs():
    version = subprocess.run([str(Path(sys.executable).parent / "jupyter"), "lab", "--version"],
                             capture_output=True, text=True, timeout=120)
    assert version.returncode == 0 and re.match(r"\d+\.\d+", version.stdout), version.stderr
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    stamp = os.path.relpath(Path(sys.executable).parent.parent / ".installed", REPO)
    proc = subprocess.run(["make", "--no-print-directory", "-o", stamp, "notebook",
                           f"VENV={Path(sys.executable).parent.parent}"],
                          cwd=REPO, capture_output=True, text=True, timeout=60, env=dict(os.environ, CI="true"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "jupyter lab --no-browser phase5_capstone/pipeline_report.ipynb" in proc.stdout


# ----------------------------------------------------------------------------- the tour's progress
def fake_projects() -> list[catalogue.Project]:
    hello = catalogue.TourStep(("-c", "print('hello from the first demo')"), out=False, no_show=False)
    short = catalogue.TourStep(("-c", "import sys; print('args', sys.argv[1:])", "--epochs", "1", "--quick"),
                               out=False, no_show=False)
    return [catalogue.Project("fake_one", "A first fake demo", "phase1_linalg", "fake_one.py", tour=(hello,)),
            catalogue.Project("fake_two", "A second fake demo", "phase1_linalg", "fake_two.py", tour=(short,))]


def test_the_tour_shows_progress_and_the_full_command_of_a_shortened_demo(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(catalogue, "all_projects", fake_projects)
    assert tour.main(["--out", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert re.search(r"tour \[\.+\] 1/2 \[0:\d\d\] fake_one", err), err
    assert re.search(r"tour \[#+\.+\] 2/2 \[0:\d\d\] fake_two", err), err
    assert "shortened for the tour (--epochs 1 --quick); the full run: python -c" in err
    assert "fake_one" not in err.split("shortened")[0].split("\n")[-1]       # the note is under fake_two
    assert "1 demo was shortened for the tour" in out
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "Shortened for the tour; the full run:" in page and "hello from the first demo" in page


def test_the_progress_bar_on_a_terminal_names_the_demo():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    progress = tour.Progress(2, stream=screen)
    progress.start(1, "pca_visualizer")
    progress.note("shortened for the tour (--samples 3000)")
    progress.finish(tour.StepResult(fake_projects()[0], "python x.py", "ran"))
    progress.start(2, "kmeans")
    progress.close()
    text = screen.getvalue()
    assert "pca_visualizer (1/2)" in text and "kmeans (2/2)" in text and "1/2" in text
    assert "shortened for the tour (--samples 3000)" in text
    assert re.search(r"\[00:\d\d\]", text)


def test_shortened_names_the_shortening_options_and_the_full_command():
    step = catalogue.TourStep(("phase5_capstone/adversarial.py", "--train-limit", "5000", "--epochs=1",
                               "--eps", "0,0.1"))
    assert tour.shortened(step) == (["--train-limit", "5000", "--epochs=1"],
                                    ["phase5_capstone/adversarial.py", "--eps", "0,0.1"])
    assert tour.shortened(catalogue.TourStep(("phase2_calculus/physics_sim.py", "--headless", "--steps", "600"))) \
        is None                                        # --steps is the demo itself there, not a cut
    assert tour.shortened(catalogue.TourStep(("phase4_ml/backprop_viz.py", "--steps", "30")))[1] == \
        ["phase4_ml/backprop_viz.py"]
