"""Every worked example in a docstring (``>>>``) runs and prints what the docstring says.

The textbook tier's docstrings carry small worked examples a learner reads before the code; a
stale one would teach a wrong number. This test finds every module under the project folders,
minigrad and common that has one, and runs them all with doctest (NumPy's printing as is).

The examples are read from the source text (every docstring ``ast`` finds), not from the
imported objects, and run in the module's namespace: under ``MLFP_WORKSPACE`` a learner's
function stands in for ours there, and our worked examples then check theirs too.
"""

from __future__ import annotations

import ast
import doctest
import importlib
from pathlib import Path

import pytest

from tests.conftest import REPO

FOLDERS = ("common", "minigrad", "learn", "tools", "phase1_linalg", "phase2_calculus", "phase3_probability",
           "phase4_ml", "phase5_capstone", "final_gpt")


def _modules_with_examples() -> list[str]:
    names = []
    for folder in FOLDERS:
        for path in sorted((REPO / folder).rglob("*.py")):
            if ">>>" in path.read_text(encoding="utf-8"):
                names.append(".".join(path.relative_to(REPO).with_suffix("").parts))
    return names


MODULES = _modules_with_examples()


def test_the_examples_are_found():
    assert {"final_gpt.model", "minigrad.functional", "minigrad.tensor", "phase4_ml.neural_network", "final_gpt.bpe",
            "phase5_capstone.train_mnist", "phase5_capstone.pipeline.features",
            "phase5_capstone.pipeline.conformal"} <= set(MODULES)


def _docstrings(path) -> list[tuple[str, str, int]]:
    """(where, docstring, line) for the module and every function and class in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in [tree, *ast.walk(tree)]:
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            text = ast.get_docstring(node, clean=False)
            if text and ">>>" in text:
                found.append((getattr(node, "name", "<module>"), text, getattr(node, "lineno", 0)))
    return list(dict.fromkeys(found))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name):
    module = importlib.import_module(name)
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for where, text, line in _docstrings(Path(module.__file__)):
        test = parser.get_doctest(text, dict(vars(module)), f"{name}.{where}", module.__file__, line)
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0 and result.failed == 0, f"{name}: {result.failed} of {result.attempted} failed"
