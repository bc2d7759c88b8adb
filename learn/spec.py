"""What a learner writes: the functions each milestone names in the catalogue.

A project's milestones list their learner functions as ``"power_iteration"`` (a function of the
project's own script), ``"Tensor.backward"`` (a method of a class there) or
``"minigrad.tensor:Tensor.backward"`` (another module). Milestones are numbered per project,
learning milestones first, then the boss-fight milestones it covers: ``pca_visualizer.2``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from common import cli
from tools import catalogue


class LearnError(cli.UserError):
    """A learner-mode mistake: an unknown project, a broken workspace file..."""


@dataclass(frozen=True)
class LearnerFunction:
    module: str        # "phase1_linalg.pca_visualizer"
    qualname: str      # "power_iteration" or "Tensor.backward"

    @property
    def name(self) -> str:
        """Its name in the workspace file: a method ``Tensor.backward`` becomes ``Tensor_backward``."""
        return self.qualname.replace(".", "_")

    @property
    def is_method(self) -> bool:
        return "." in self.qualname

    @property
    def label(self) -> str:
        return self.qualname if self.is_method else f"{self.qualname}()"

    def owner(self):
        """The module or class that holds it."""
        owner = importlib.import_module(self.module)
        for part in self.qualname.split(".")[:-1]:
            owner = getattr(owner, part)
        return owner

    @property
    def attr(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class MilestoneRef:
    id: str                              # "pca_visualizer.2"
    project: catalogue.Project
    milestone: catalogue.Milestone
    functions: tuple[LearnerFunction, ...]

    @property
    def text(self) -> str:
        return self.milestone.text


def module_of(project: catalogue.Project) -> str:
    """The importable module of a project's script: phase1_linalg/pca_visualizer.py -> phase1_linalg.pca_visualizer."""
    return project.script.removesuffix(".py").replace("/", ".")


def parse_function(ref: str, project: catalogue.Project) -> LearnerFunction:
    module, sep, qualname = ref.partition(":")
    if not sep:
        module, qualname = module_of(project), ref
    return LearnerFunction(module, qualname)


def projects() -> list[catalogue.Project]:
    return catalogue.all_projects()


def milestones(project: catalogue.Project) -> list[MilestoneRef]:
    refs = []
    for i, m in enumerate((*project.milestones, *project.boss), start=1):
        funcs = tuple(parse_function(r, project) for r in m.learner)
        refs.append(MilestoneRef(f"{project.key}.{i}", project, m, funcs))
    return refs


def functions(project: catalogue.Project) -> list[LearnerFunction]:
    """Every learner function of a project, in milestone order, each once."""
    seen: dict[LearnerFunction, None] = {}
    for ref in milestones(project):
        for f in ref.functions:
            seen.setdefault(f, None)
    return list(seen)


def find_project(name: str) -> catalogue.Project:
    """A project by its key or its script's name without .py (``pca_visualizer``, ``gpt``).

    A key wins over a script name: project 20 (key ``minigrad``) runs train_mnist.py, and
    ``train_mnist`` is the key of the boss-fight project on that same script.
    """
    for p in projects():
        if name == p.key:
            return p
    for p in projects():
        if name == p.script.rsplit("/", 1)[-1].removesuffix(".py"):
            return p
    known = ", ".join(sorted(p.key for p in projects()))
    raise LearnError(f"unknown project {name!r}; the projects are: {known}")


def find_milestone(name: str) -> MilestoneRef:
    """A milestone id such as ``pca_visualizer.2``."""
    key, _, number = name.rpartition(".")
    if not key or not number.isdigit():
        raise LearnError(f"{name!r} is not a milestone; use PROJECT.N, e.g. pca_visualizer.2 "
                         "(python -m learn status lists them)")
    project = find_project(key)
    refs = milestones(project)
    if not 1 <= int(number) <= len(refs):
        raise LearnError(f"{project.key} has milestones 1 to {len(refs)}, not {number}")
    return refs[int(number) - 1]
