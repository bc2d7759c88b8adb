"""Every worked example in a docstring (``>>>``) runs and prints what the docstring says.

The textbook tier's docstrings carry small worked examples a learner reads before the code; a
stale one would teach a wrong number. This test finds every module under the project folders,
minigrad and common that has one, and runs them all with doctest (NumPy's printing as is).
"""

from __future__ import annotations

import doctest
import importlib

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
    assert {"final_gpt.model", "minigrad.functional", "phase4_ml.neural_network", "final_gpt.bpe"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0, f"{name}: {result.failed} of {result.attempted} failed"
