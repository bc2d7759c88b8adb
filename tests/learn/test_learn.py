"""Learner mode end to end: start, check, hint, solution, reset, run, on every project.

Per project: ``learn start`` on an empty workspace and ``learn check`` reports every milestone
"not written yet" (exit 1); the reference bodies (``learn solution --force``) saved as the
workspace pass every milestone; one deliberately wrong body (a sign flip, an off-by-one: the
``WRONG`` table) fails its milestone with a message that names the function and shows what was
expected and what came back. Checks run with ``--quick`` here (slow ones report "skipped").
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from learn import spec
from tests.conftest import REPO, assert_user_error
from tests.learn.wrong import final_gpt as wrong_final
from tests.learn.wrong import phase1_linalg as wrong_phase1
from tests.learn.wrong import phase2_calculus as wrong_phase2
from tests.learn.wrong import phase3_probability as wrong_phase3
from tests.learn.wrong import phase4_ml as wrong_phase4
from tests.learn.wrong import phase5_capstone as wrong_phase5

PROJECTS = [p.key for p in spec.projects()]

# project -> (function, text in its reference body, the wrong text): one wrong body per project
WRONG: dict[str, tuple[str, str, str]] = {
    **wrong_phase1.WRONG, **wrong_phase2.WRONG, **wrong_phase3.WRONG, **wrong_phase4.WRONG,
    **wrong_phase5.WRONG, **wrong_final.WRONG,
}
# what a failure message shows: a comparison with the expected value
EXPECTED_VS_GOT = ("Expected", "expected", "Mismatch", "Max absolute difference", "!=", "==", "assert ")


def learn(workspace: Path, *args: str, stdin: str = "", timeout: float = 900) -> subprocess.CompletedProcess:
    env = dict(os.environ, MLFP_WORKSPACE=str(workspace), MPLBACKEND="Agg", SDL_VIDEODRIVER="dummy")
    return subprocess.run([sys.executable, "-m", "learn", *args], cwd=REPO, env=env, input=stdin,
                          capture_output=True, text=True, timeout=timeout)


def test_every_milestone_has_a_learner_function_and_a_hint():
    missing = [ref.id for p in spec.projects() for ref in spec.milestones(p)
               if not ref.functions or not ref.milestone.hints]
    assert not missing, f"milestones without a learner function or a hint: {missing}"
    too_many = [ref.id for p in spec.projects() for ref in spec.milestones(p) if len(ref.milestone.hints) > 3]
    assert not too_many


def test_every_learner_function_exists_and_is_a_plain_function():
    from learn import workspace

    for project in spec.projects():
        for func in spec.functions(project):
            ref = workspace.reference(func)
            assert callable(ref) and hasattr(ref, "__code__"), (project.key, func)
            workspace.stub_source(func)      # renders


@pytest.mark.parametrize("key", PROJECTS)
def test_project_start_check_solution_and_a_wrong_body(key, tmp_path):
    project = spec.find_project(key)
    if not spec.functions(project):
        pytest.fail(f"{key} has no learner functions in the catalogue")
    ws = tmp_path / "ws"
    res = learn(ws, "start", key)
    assert res.returncode == 0, res.stderr
    stub = (ws / f"{key}.py").read_text()
    assert "raise NotImplementedError" in stub
    res = learn(ws, "check", key, "--quick")
    assert res.returncode == 1 and "Traceback" not in res.stdout + res.stderr, res
    n = len(spec.milestones(project))
    assert res.stdout.count("not written yet") == n, res.stdout
    # a second start keeps the work
    res = learn(ws, "start", key)
    assert res.returncode == 0 and "already exists" in res.stdout
    # the reference bodies pass every milestone
    solution = learn(ws, "solution", key, "--force")
    assert solution.returncode == 0, solution.stderr
    (ws / f"{key}.py").write_text(solution.stdout)
    res = learn(ws, "check", key, "--quick")
    assert "failed" not in res.stdout and "not written yet" not in res.stdout, res.stdout
    assert res.stdout.count("passed:") + res.stdout.count("skipped:") == n, res.stdout
    progress = json.loads((ws / "progress.json").read_text())
    assert set(progress["passed"]) == {line.split()[1] for line in res.stdout.splitlines() if "passed:" in line}
    # one wrong body fails its milestone, naming the function, with expected vs got
    if key in WRONG:
        name, right, wrong = WRONG[key]
        text = solution.stdout
        assert right in text, (key, right)
        (ws / f"{key}.py").write_text(text.replace(right, wrong, 1))
        ref = next(r for r in spec.milestones(project) if name in {f.name for f in r.functions})
        res = learn(ws, "check", ref.id, "--quick")
        assert res.returncode == 1, res.stdout
        failed = [line for line in res.stdout.splitlines() if "failed: your" in line]
        assert failed and any(name in line for line in failed), res.stdout    # names the function
        assert any(marker in res.stdout for marker in EXPECTED_VS_GOT), res.stdout


def test_every_project_has_a_wrong_body_case():
    assert not set(PROJECTS) - set(WRONG), f"projects without a WRONG case: {sorted(set(PROJECTS) - set(WRONG))}"


# ----------------------------------------------------------------------------- bad input
def _write(ws: Path, key: str, old: str, new: str) -> None:
    path = ws / f"{key}.py"
    path.write_text(path.read_text().replace(old, new, 1))


@pytest.fixture
def pca_ws(tmp_path):
    ws = tmp_path / "ws"
    assert learn(ws, "start", "pca_visualizer").returncode == 0
    return ws


def test_unknown_project_and_milestone(tmp_path):
    cases = ((("start", "nope"), "unknown project"), (("check", "nope.1"), "unknown project"),
             (("hint", "pca_visualizer.99"), "milestones 1 to"), (("hint", "pca_visualizer"), "PROJECT.N"),
             (("run", "nope"), "unknown project"), (("solution", "nope"), "unknown project"))
    for args, fragment in cases:
        assert_user_error(learn(tmp_path, *args), fragment)


def test_syntax_error_is_one_line(pca_ws):
    _write(pca_ws, "pca_visualizer", "raise NotImplementedError('power_iteration is not written yet')",
           "return (1,")
    res = learn(pca_ws, "check", "pca_visualizer")
    assert_user_error(res, "line")
    assert "pca_visualizer.py" in res.stderr


def test_wrong_signature_is_one_line(pca_ws):
    _write(pca_ws, "pca_visualizer", "def power_iteration(c: np.ndarray, rng: np.random.Generator, tol: float = 1e-12,",
           "def power_iteration(c, tol: float = 1e-12,")
    _write(pca_ws, "pca_visualizer", "raise NotImplementedError('power_iteration is not written yet')", "return 1")
    assert_user_error(learn(pca_ws, "check", "pca_visualizer.2"), "same arguments")


def test_raising_and_looping_functions_fail_their_check(pca_ws):
    _write(pca_ws, "pca_visualizer", "raise NotImplementedError('power_iteration is not written yet')",
           "raise ValueError('my bug')")
    res = learn(pca_ws, "check", "pca_visualizer.2")
    assert res.returncode == 1 and "failed: your power_iteration" in res.stdout and "my bug" in res.stdout, res
    _write(pca_ws, "pca_visualizer", "raise ValueError('my bug')", "while True:\n        pass")
    res = learn(pca_ws, "check", "pca_visualizer.2", "--time-limit", "5")
    assert res.returncode == 1 and "stopped after 5 s" in res.stdout, res
    assert json.loads((pca_ws / "progress.json").read_text())["passed"] == {}


def test_damaged_progress_file_is_set_aside(pca_ws):
    (pca_ws / "progress.json").write_text("{not json")
    res = learn(pca_ws, "hint", "pca_visualizer.2")
    assert res.returncode == 0 and "Hint 1 of" in res.stdout
    assert json.loads((pca_ws / "progress.json").read_text())["hints"] == {"pca_visualizer.2": 1}
    assert (pca_ws / "progress.json.damaged").is_file()


def test_hints_get_more_specific_and_reset_asks(pca_ws):
    first = learn(pca_ws, "hint", "pca_visualizer.2").stdout
    second = learn(pca_ws, "hint", "pca_visualizer.2").stdout
    assert "Hint 1 of" in first and "Hint 2 of" in second
    res = learn(pca_ws, "reset", "pca_visualizer", stdin="n\n")
    assert res.returncode == 1 and (pca_ws / "pca_visualizer.py").is_file()
    res = learn(pca_ws, "reset", "pca_visualizer", "--yes")
    assert res.returncode == 0 and not (pca_ws / "pca_visualizer.py").exists()


def test_run_uses_the_learners_function_and_says_so(pca_ws, tmp_path):
    """A learner's power_iteration that scales the eigenvalue shows in the script's own output."""
    _write(pca_ws, "pca_visualizer", "raise NotImplementedError('power_iteration is not written yet')",
           "v = rng.standard_normal(c.shape[0])\n    for _ in range(max_iter):\n        v = c @ v\n"
           "        v = v / np.linalg.norm(v)\n    v = v * np.sign(v[np.argmax(np.abs(v))])\n"
           "    return float(v @ c @ v) * 2, v, max_iter")
    res = learn(pca_ws, "run", "pca_visualizer", "--", "iris_dataset.csv", "--no-show", "--out", tmp_path / "o")
    assert res.returncode == 0, res
    assert "Eigenvalue 1: 5.837" in res.stdout          # 2 x 2.918: the learner's numbers
    assert "running your power_iteration" in res.stderr
    assert "so the reference runs: standardise" in res.stderr
    plain = learn(tmp_path / "empty", "run", "pca_visualizer", "--", "iris_dataset.csv", "--no-show",
                  "--out", tmp_path / "o2")
    assert "Eigenvalue 1: 2.918" in plain.stdout


def test_status_counts_and_names_the_next_step(tmp_path):
    res = learn(tmp_path / "ws", "status", "--out", tmp_path / "m.md")
    assert res.returncode == 0, res
    total = sum(len(spec.milestones(p)) for p in spec.projects())
    assert f"0 / {total} milestones (0%)" in res.stdout
    assert "Next: python -m learn start" in res.stdout
    assert (tmp_path / "m.md").read_text().startswith("# Milestone checklist")


def test_pytest_runs_on_the_learners_code(pca_ws):
    """MLFP_WORKSPACE=... pytest: the project's tests see the learner's function (here a wrong one)."""
    _write(pca_ws, "pca_visualizer", "raise NotImplementedError('power_iteration is not written yet')",
           "return 1.0, c[0] / np.linalg.norm(c[0]), 1")
    env = dict(os.environ, MLFP_WORKSPACE=str(pca_ws), MPLBACKEND="Agg")
    res = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                          "tests/phase1_linalg/test_pca_visualizer.py::test_power_iteration_finds_first_eigenvector"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 1 and "running your power_iteration" in res.stdout, res.stdout


def test_watch_checks_again_when_a_file_is_saved_and_stops_cleanly_on_ctrl_c(pca_ws, tmp_path):
    """``check --watch``: a first report, a second one after the workspace file changes, and
    Ctrl-C ends it with exit 130 and no traceback."""
    env = dict(os.environ, MLFP_WORKSPACE=str(pca_ws), MPLBACKEND="Agg", PYTHONUNBUFFERED="1")
    log = tmp_path / "watch.log"

    def wait_for(text: str) -> str:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and text not in log.read_text():
            time.sleep(0.2)
        return log.read_text()

    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "learn", "check", "pca_visualizer.2", "--watch"], cwd=REPO,
                                env=env, stdout=out, stderr=subprocess.PIPE, text=True)
        try:
            first = wait_for("Watching the workspace")
            assert first.count("not written yet") == 1, first
            _write(pca_ws, "pca_visualizer", "raise NotImplementedError('power_iteration is not written yet')",
                   "raise ValueError('saved again')")
            later = time.time() + 10                      # a new mtime, whatever the file system's resolution
            os.utime(pca_ws / "pca_visualizer.py", (later, later))
            second = wait_for("saved again")
            assert "failed: your power_iteration" in second, second
        finally:
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err, (proc.returncode, err)
