"""The catalogue of projects: one entry per runnable script.

Each phase folder holds a ``catalogue.py`` with ``PROJECTS = [Project(...), ...]``; this module
collects them in phase order. The catalogue drives:

* ``make milestones`` (tools/milestones.py): each project's four learning milestones from the
  learning path, plus the boss-fight milestones it covers, as executable checks;
* ``make tour`` (tools/tour.py): the headless demo commands, run on bundled data;
* ``make bench`` (tools/bench.py): the performance comparisons registered for the project;
* the README's project table (a test checks every catalogued script is listed there).

A milestone ``check`` is either a pytest node id (``tests/phase1_linalg/test_x.py::test_y``,
a whole file, or a ``-k`` free form is not allowed) or ``"module:function"``: a function that
returns nothing and raises AssertionError when the milestone is not met.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

PHASES: tuple[tuple[str, str], ...] = (
    ("phase1_linalg", "Phase 1 - Linear algebra"),
    ("phase2_calculus", "Phase 2 - Calculus and optimisation"),
    ("phase3_probability", "Phase 3 - Probability and statistics"),
    ("phase4_ml", "Phase 4 - Machine learning from scratch"),
    ("phase5_capstone", "Phase 5 - Capstone"),
    ("final_gpt", "Final project - GPT from scratch"),
)


@dataclass(frozen=True)
class Milestone:
    """One learning milestone, the check that proves it, and what a learner writes for it.

    ``learner`` names the functions (or methods) a learner writes for this milestone in learner
    mode (``python -m learn``): ``"power_iteration"`` is a function of the project's script,
    ``"Tensor.backward"`` a method of a class there, and ``"minigrad.tensor:Tensor.backward"``
    names another module. ``hints`` are up to three, each more specific than the last.
    """

    text: str
    check: str
    learner: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()


@dataclass(frozen=True)
class TourStep:
    """One headless demo command: argv after ``python``, run from the repo root.

    The tour appends ``--out <dir>`` (unless ``out=False``) and ``--no-show`` (unless
    ``no_show=False``), and collects the PNG/GIF/JPG files written to that folder. A project
    with several steps gives each its own folder, ``step1``, ``step2``...; steps that name the
    same ``folder`` share it (a step that reads what an earlier one saved, e.g. a checkpoint).
    """

    argv: tuple[str, ...]
    out: bool = True
    no_show: bool = True
    stdin: str | None = None
    timeout_s: int = 300
    folder: str | None = None


@dataclass(frozen=True)
class Project:
    key: str                    # short unique name, e.g. "pca_visualizer"
    title: str                  # "PCA Visualizer (eigenvalues & eigenvectors)"
    phase: str                  # folder, e.g. "phase1_linalg"
    script: str                 # path from the repo root
    number: int | None = None   # project number in the learning path (None: a boss-fight script)
    commands: tuple[str, ...] = ()          # commands as a learner types them (README table)
    tour: tuple[TourStep, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    boss: tuple[Milestone, ...] = ()        # boss-fight milestones (M1..M10, Boss) it covers
    bench: tuple[str, ...] = ()             # "bench.module:function" returning Comparison(s)
    datasets: tuple[str, ...] = ()          # registry names the tour needs
    requires: tuple[str, ...] = ()          # importable modules the tour needs (cv2, torch...)
    extra: dict = field(default_factory=dict)


def phase_projects(phase: str) -> list[Project]:
    """The projects one phase folder declares (empty if it declares none yet)."""
    try:
        module = importlib.import_module(f"{phase}.catalogue")
    except ModuleNotFoundError as exc:
        if exc.name in (phase, f"{phase}.catalogue"):
            return []
        raise
    return list(getattr(module, "PROJECTS", []))


def all_projects() -> list[Project]:
    """Every catalogued project, in phase order."""
    projects = [p for phase, _ in PHASES for p in phase_projects(phase)]
    keys = [p.key for p in projects]
    duplicates = {k for k in keys if keys.count(k) > 1}
    if duplicates:
        raise ValueError(f"duplicate project keys in the catalogue: {sorted(duplicates)}")
    return projects


def get(key: str) -> Project:
    for project in all_projects():
        if project.key == key:
            return project
    raise KeyError(key)


def phase_title(phase: str) -> str:
    return dict(PHASES).get(phase, phase)
