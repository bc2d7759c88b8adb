"""Put the learner's functions in place of ours, everywhere the project runs.

``install()`` imports the modules that hold learner functions (for each project with code in
the workspace); each function the learner has written replaces ours in its module (or class),
and every imported module that holds a reference to ours gets the learner's instead
(``from x import f`` copies included). A function that is not written yet stays ours, and the workspace module gets
ours too, so the learner's other functions can call it. ``summary()`` says which is which.

It is used by ``python -m learn check`` / ``run`` (through ``learn.runner``), by pytest when
``MLFP_WORKSPACE`` is set (tests/conftest.py), and by the tour when a workspace has code.
"""

from __future__ import annotations

import sys

from learn import spec, workspace
from learn.spec import LearnError

_STATE: dict = {"installed": False, "used": {}, "fallback": {}, "problems": []}


def _replace_everywhere(old, new) -> None:
    """Every loaded module that holds ``old`` (``from x import f`` copies too) gets ``new``."""
    for module in list(sys.modules.values()):
        namespace = getattr(module, "__dict__", None)
        if not isinstance(namespace, dict):
            continue
        for key, value in list(namespace.items()):
            if value is old:
                namespace[key] = new


def _patch_project(project) -> None:
    funcs = spec.functions(project)
    workspace.remember_references(funcs)          # imports the modules, before anything changes
    states = workspace.states(project)
    try:
        ws = workspace.load(project)
    except LearnError as exc:
        _STATE["problems"].append(str(exc))
        return
    where = workspace.display(workspace.path_for(project))
    for func in funcs:
        ours = workspace.reference(func)
        key = (project.key, func.qualname)
        if states.get(func.name) == "written":
            candidate = getattr(ws, func.name)
            problem = workspace.signature_problem(func, candidate)
            if problem is None:
                setattr(func.owner(), func.attr, candidate)
                if not func.is_method:
                    _replace_everywhere(ours, candidate)
                _STATE["used"][key] = where
                continue
            _STATE["problems"].append(f"{where}: {problem}; using the reference")
        _STATE["fallback"][key] = where
        setattr(ws, func.name, ours)                 # the learner's other functions may call it


def install() -> None:
    """Replace our functions by the learner's written ones, for every project with code in the
    workspace (idempotent; a project without a workspace file is left alone)."""
    if _STATE["installed"]:
        return
    _STATE["installed"] = True
    for project in spec.projects():
        if not workspace.path_for(project).is_file():
            continue
        try:
            written = "written" in workspace.states(project).values()
        except LearnError as exc:
            _STATE["problems"].append(str(exc))
            continue
        if written:
            _patch_project(project)


def summary() -> list[str]:
    """Lines saying whose code runs: the learner's functions, and the ones that fall back to ours."""
    lines = []
    used: dict[str, list[str]] = {}
    for (_, qualname), where in _STATE["used"].items():
        used.setdefault(where, []).append(qualname)
    for where, names in used.items():
        lines.append(f"learn: running your {', '.join(names)} ({where})")
    fallback: dict[str, list[str]] = {}
    for (_, qualname), where in _STATE["fallback"].items():
        fallback.setdefault(where, []).append(qualname)
    for where, names in fallback.items():
        lines.append(f"learn: not written yet in {where}, so the reference runs: {', '.join(names)}")
    lines.extend(f"learn: {p}" for p in _STATE["problems"])
    return lines


def uses_learner_code() -> bool:
    return bool(_STATE["used"])
