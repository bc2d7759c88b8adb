"""The learner-mode session of README.md, run for real (``make docs`` regenerates the excerpt).

A learner starts ``linalg_basics`` in an empty workspace, writes a ``dot()`` whose loop stops one
term short, checks milestone 1 (it fails, expected vs got), asks for the third hint, fixes the
loop, checks again (it passes, with our ``matmul()`` standing in), and runs the project on their
code. Each command runs as the learner would type it, in a fresh workspace folder made for the
session inside the repository (so paths print relative to it) and removed afterwards; its name is
printed as ``workspace/``, the folder a learner's session uses.

    python tools/learner_session.py         # prints the session, "$ command" before each output
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

DOT_ONE_SHORT = """\
    if len(u) != len(v):
        raise ValueError(f"lengths differ: {len(u)} and {len(v)}")
    total = 0.0
    for i in range(len(u) - 1):          # one term short: the last product is never added
        total += u[i] * v[i]
    return total
"""

DOT = DOT_ONE_SHORT.replace("range(len(u) - 1):          # one term short: the last product is never added",
                            "range(len(u)):")

SESSION = [                                  # (command after "python -m learn", the dot() body to write first)
    ("start linalg_basics", None),
    ("check linalg_basics.1", DOT_ONE_SHORT),
    ("hint linalg_basics.1 3", None),
    ("check linalg_basics.1", DOT),
    ("run linalg_basics -- --no-show", None),
]
RUN_LINES = 7                                # the project's output is long: the excerpt shows its start


def write_dot(workspace: Path, body: str) -> None:
    """Put ``body`` in place of the body of ``dot()`` in the workspace file (after its docstring)."""
    path = workspace / "linalg_basics.py"
    text = path.read_text()
    start = text.index("def dot(")
    doc_open = text.index('"""', start)
    body_start = text.index("\n", text.index('"""', doc_open + 3)) + 1      # the line after the docstring
    body_end = text.index("\n\n\ndef ", start)
    path.write_text(text[:body_start] + body.rstrip("\n") + text[body_end:])


def main(argv: list[str] | None = None) -> int:
    workspace = Path(tempfile.mkdtemp(prefix=".docs-workspace-", dir=REPO))
    env = dict(os.environ, MLFP_WORKSPACE=str(workspace), NO_COLOR="1", COLUMNS="200")
    try:
        for i, (command, body) in enumerate(SESSION):
            if body is not None:
                write_dot(workspace, body)
            res = subprocess.run([sys.executable, "-m", "learn", *command.split()], cwd=REPO, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
            lines = res.stdout.replace(workspace.name, "workspace").rstrip("\n").splitlines()
            if command.startswith("run "):
                lines = lines[:RUN_LINES] + ["..."]
            if i:
                print()
            print(f"$ python -m learn {command}")
            print("\n".join(lines))
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
