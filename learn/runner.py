"""Run a project script with the learner's functions in place: ``python -m learn.runner SCRIPT ARGS``.

This is what ``python -m learn run PROJECT -- ARGS``, the tour and the tests (when
``MLFP_WORKSPACE`` is set) use. It imports the script as its module, so the learner's code is
patched in before ``main`` runs, then calls ``main`` through ``common.cli.run`` exactly as the
script's own ``if __name__ == "__main__"`` block would. The lines that say whose code runs go to
stderr, unless ``MLFP_LEARN_QUIET=1``.
"""

from __future__ import annotations

import importlib
import os
import runpy
import sys
from pathlib import Path

from common import cli
from learn import patch, workspace


def module_name(script: str) -> str | None:
    """The dotted module of a script in the repository; None for a .py file outside it."""
    path = Path(script)
    if path.suffix == ".py" and path.is_absolute() and path.is_file() and not path.is_relative_to(cli.REPO_ROOT):
        return None
    if path.is_absolute():
        path = path.relative_to(cli.REPO_ROOT)
    if path.suffix != ".py" or not (cli.REPO_ROOT / path).is_file():
        raise cli.UserError(f"{script} is not a project script (give a path like phase1_linalg/pca_visualizer.py)")
    return ".".join(path.with_suffix("").parts)


def run(script: str, args: list[str]) -> int:
    """Patch the learner's code in, then run ``main`` of the script (a file outside the
    repository, such as a test's small script, runs as ``__main__`` instead)."""
    name = module_name(script)
    patch.install()
    if os.environ.get("MLFP_LEARN_QUIET") != "1":
        lines = patch.summary()
        if not lines:
            lines = [f"learn: no code of yours in {workspace.display(workspace.root())} yet, so the reference runs"]
        for line in lines:
            print(line, file=sys.stderr)
    sys.argv = [script, *args]
    if name is None:
        runpy.run_path(script, run_name="__main__")
        return 0
    module = importlib.import_module(name)
    return cli.run(module.main, list(args))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        print("usage: python -m learn.runner SCRIPT [ARGS...]", file=sys.stderr)
        return 2
    try:
        return run(argv[0], argv[1:])
    except cli.UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.path.insert(0, str(cli.REPO_ROOT))
    raise SystemExit(main())
