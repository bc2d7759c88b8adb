"""Run milestone checks on the learner's code.

Each milestone's check is one of the project's own tests. ``run`` runs the checks of the
milestones given in one pytest process, with ``MLFP_WORKSPACE`` pointing at the workspace so the
learner's functions replace ours (tests/conftest.py installs :mod:`learn.patch`), each test under
a time limit, and reads the outcome of each from pytest's JUnit XML report.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from common import cli
from learn import spec, workspace


@dataclass
class Outcome:
    status: str          # "passed", "failed", "todo" (not written yet), "skipped"
    detail: str = ""


def learner_state(ref: spec.MilestoneRef) -> tuple[list[str], list[str]]:
    """(written, not written) learner function names of a milestone."""
    states = workspace.states(ref.project)
    written = [f.name for f in ref.functions if states.get(f.name) == "written"]
    todo = [f.name for f in ref.functions if states.get(f.name) != "written"]
    return written, todo


def validate(project) -> None:
    """Raise LearnError for a workspace file that cannot be used: syntax, load error, wrong signature."""
    if not workspace.path_for(project).is_file():
        return
    states = workspace.states(project)
    if "written" not in states.values():
        return
    module = workspace.load(project)
    for func in spec.functions(project):
        if states.get(func.name) == "written":
            problem = workspace.signature_problem(func, getattr(module, func.name))
            if problem:
                raise spec.LearnError(f"{workspace.display(workspace.path_for(project))}: {problem}")


def _failure_text(case: ET.Element) -> str:
    node = case.find("failure")
    if node is None:
        node = case.find("error")
    if node is None:
        return "failed"
    text = node.text or ""
    lines = [line[1:].strip() for line in text.splitlines() if line.startswith("E ") and line[1:].strip()]
    if not lines:
        lines = [node.get("message") or "failed"]
    return "\n".join(lines[:10])


def _run_pytest(nodes: list[str], quick: bool, timeout_s: int) -> dict[str, Outcome]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.xml"
        args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-header",
                "-o", "addopts=", "--timeout", str(timeout_s), "--junitxml", str(report), *nodes]
        if quick:
            args += ["-m", "not slow"]
        env = dict(os.environ, MLFP_WORKSPACE=str(workspace.root()), MPLBACKEND="Agg", SDL_VIDEODRIVER="dummy",
                   MLFP_LEARN_QUIET="1")
        try:
            subprocess.run(args, cwd=cli.REPO_ROOT, env=env, capture_output=True, text=True,
                           timeout=timeout_s * max(1, len(nodes)) + 120)
        except subprocess.TimeoutExpired:
            return {n: Outcome("failed", f"stopped after {timeout_s} s: an endless loop?") for n in nodes}
        if not report.is_file():
            return {n: Outcome("failed", "the checks could not start (pytest wrote no report)") for n in nodes}
        tree = ET.parse(report)
    found: dict[str, list[Outcome]] = {}
    for case in tree.iter("testcase"):
        classname, name = case.get("classname", ""), case.get("name", "")
        file = classname.replace(".", "/") + ".py"
        node = f"{file}::{name}"
        base = node.split("[", 1)[0]
        if case.find("failure") is not None or case.find("error") is not None:
            text = _failure_text(case)
            if "Timeout" in text:
                text = f"stopped after {timeout_s} s: an endless loop, or far slower than it should be?"
            outcome = Outcome("failed", text)
        elif case.find("skipped") is not None:
            outcome = Outcome("skipped", (case.find("skipped").get("message") or "skipped").splitlines()[0])
        else:
            outcome = Outcome("passed")
        found.setdefault(base, []).append(outcome)
    results = {}
    for n in nodes:
        got = found.get(n, [])
        if not got:
            results[n] = Outcome("skipped", "deselected (slow; run without --quick)" if quick else "not collected")
        elif any(o.status == "failed" for o in got):
            results[n] = next(o for o in got if o.status == "failed")
        elif all(o.status == "passed" for o in got):
            results[n] = Outcome("passed")
        else:
            results[n] = next(o for o in got if o.status != "passed")
    return results


def run(refs: list[spec.MilestoneRef], quick: bool = False, timeout_s: int = 300,
        reference: bool = False) -> dict[str, Outcome]:
    """Outcome per milestone id. ``reference=True`` checks our own code (no workspace)."""
    outcomes: dict[str, Outcome] = {}
    to_run: dict[str, list[spec.MilestoneRef]] = {}
    for ref in refs:
        if not reference:
            written, todo = learner_state(ref)
            if not ref.functions:
                outcomes[ref.id] = Outcome("skipped", "this milestone has no function for you to write yet")
                continue
            if not written:
                names = ", ".join(f"{n}()" for n in todo)
                outcomes[ref.id] = Outcome("todo", f"write {names} in "
                                           f"{workspace.display(workspace.path_for(ref.project))}")
                continue
        to_run.setdefault(ref.milestone.check, []).append(ref)
    if to_run:
        if reference:
            saved = os.environ.get("MLFP_WORKSPACE")
            with tempfile.TemporaryDirectory() as empty:
                os.environ["MLFP_WORKSPACE"] = empty
                try:
                    results = _run_pytest(list(to_run), quick, timeout_s)
                finally:
                    if saved is None:
                        os.environ.pop("MLFP_WORKSPACE", None)
                    else:
                        os.environ["MLFP_WORKSPACE"] = saved
        else:
            results = _run_pytest(list(to_run), quick, timeout_s)
        for node, group in to_run.items():
            for ref in group:
                outcomes[ref.id] = results[node]
    return outcomes
