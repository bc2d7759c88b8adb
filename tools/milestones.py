"""The executable milestone checklist (``make milestones``).

Every catalogued project declares its learning milestones (from the learning path) and the boss-fight
milestones it covers, each with a check: a pytest node id or a ``module:function``. This command
runs all the checks and prints a per-phase checklist::

    Phase 1 - Linear algebra
      M1 Linear algebra basics (linalg_basics.py)
        [x] Vector add, dot and matmul in pure Python and NumPy agree
        [ ] ...   <- failed: <first line of the failure>

and writes the same list as Markdown to ``outputs/milestones.md``. Exit status 0 when every
check passed, 1 otherwise.

    python -m tools.milestones [--phase phase1_linalg] [--quick] [--out outputs/milestones.md]

``--quick`` deselects tests marked ``slow`` (they are then reported as skipped).
"""

from __future__ import annotations

import importlib
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from common import cli
from tools import catalogue


@dataclass
class Result:
    status: str  # "passed", "failed", "skipped", "missing"
    detail: str = ""


# ----------------------------------------------------------------------------- running checks
def _is_pytest_node(check: str) -> bool:
    return check.startswith("tests/") or ".py" in check.split("::", 1)[0]


def run_function_check(check: str) -> Result:
    """Import ``module:function`` and call it; AssertionError means the milestone is not met."""
    module_name, _, func_name = check.partition(":")
    try:
        func = getattr(importlib.import_module(module_name), func_name)
    except (ImportError, AttributeError) as exc:
        return Result("missing", f"{type(exc).__name__}: {exc}")
    try:
        func()
    except AssertionError as exc:
        return Result("failed", str(exc).splitlines()[0] if str(exc) else "assertion failed")
    except Exception as exc:  # a broken check is a failed milestone, reported not raised
        return Result("failed", f"{type(exc).__name__}: {exc}".splitlines()[0])
    return Result("passed")


class _Collector:
    """pytest plugin recording the outcome of every test (setup/call/teardown folded)."""

    def __init__(self) -> None:
        self.outcomes: dict[str, Result] = {}

    def pytest_runtest_logreport(self, report) -> None:
        current = self.outcomes.get(report.nodeid)
        if report.failed:
            first = (report.longreprtext or "failed").strip().splitlines()
            self.outcomes[report.nodeid] = Result("failed", first[-1] if first else "failed")
        elif report.skipped and (current is None or current.status == "passed"):
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else "skipped"
            self.outcomes[report.nodeid] = Result("skipped", str(reason))
        elif report.passed and report.when == "call" and current is None:
            self.outcomes[report.nodeid] = Result("passed")

    def pytest_deselected(self, items) -> None:
        for item in items:
            self.outcomes[item.nodeid] = Result("skipped", "deselected (slow; run without --quick)")


class _NodeIds:
    """pytest plugin recording the node ids a collection finds."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    def pytest_collection_modifyitems(self, items) -> None:
        self.ids.extend(item.nodeid for item in items)


def collect_node_ids(files: list[str], rootdir: Path | None = None) -> list[str]:
    """The node ids pytest collects from ``files`` (relative to the repository root), nothing run."""
    import pytest

    plugin = _NodeIds()
    root = rootdir or cli.REPO_ROOT
    existing = [f for f in files if (root / f).exists()]
    if existing:
        pytest.main(["-q", "--collect-only", "-p", "no:cacheprovider", "--no-header", "--rootdir", str(root),
                     *[str(root / f) for f in existing]], plugins=[plugin])
    return plugin.ids


def run_pytest_checks(nodes: list[str], quick: bool) -> dict[str, Result]:
    """Run the given pytest nodes in-process; map each node to its folded outcome."""
    import pytest

    if not nodes:
        return {}
    files = sorted({node.split("::", 1)[0] for node in nodes})
    existing = [f for f in files if (cli.REPO_ROOT / f).exists()]
    collector = _Collector()
    if existing:
        args = ["-q", "-p", "no:cacheprovider", "--no-header", "-rN", *existing]
        if quick:
            args += ["-m", "not slow"]
        pytest.main(args, plugins=[collector])
    results: dict[str, Result] = {}
    for node in nodes:
        matches = [res for nodeid, res in collector.outcomes.items()
                   if nodeid == node or nodeid.startswith(node + "[") or nodeid.startswith(node + "::")]
        if not matches:
            results[node] = Result("missing", "no such test")
        elif any(r.status == "failed" for r in matches):
            results[node] = next(r for r in matches if r.status == "failed")
        elif all(r.status == "passed" for r in matches):
            results[node] = Result("passed")
        else:
            results[node] = next(r for r in matches if r.status != "passed")
    return results


def run_all(projects: list[catalogue.Project], quick: bool = False) -> dict[str, Result]:
    """Run every check of ``projects``; returns check -> Result."""
    checks = [m.check for p in projects for m in (*p.milestones, *p.boss)]
    nodes = sorted({c for c in checks if _is_pytest_node(c)})
    results = run_pytest_checks(nodes, quick)
    for check in dict.fromkeys(c for c in checks if not _is_pytest_node(c)):
        results[check] = run_function_check(check)
    return results


# ----------------------------------------------------------------------------- reporting
MARK = {"passed": "[x]", "failed": "[ ]", "skipped": "[-]", "missing": "[?]"}


def render(projects: list[catalogue.Project], results: dict[str, Result], markdown: bool) -> str:
    lines: list[str] = ["# Milestone checklist", ""] if markdown else []
    for phase, title in catalogue.PHASES:
        members = [p for p in projects if p.phase == phase]
        if not members:
            continue
        lines.append(f"## {title}" if markdown else title)
        for project in members:
            label = f"Project {project.number}: " if project.number else ""
            head = f"{label}{project.title} (`{project.script}`)" if markdown else \
                f"  {label}{project.title} ({project.script})"
            lines.append(f"### {head}" if markdown else head)
            for group in (project.milestones, project.boss):
                for milestone in group:
                    res = results.get(milestone.check, Result("missing", "not run"))
                    tail = "" if res.status == "passed" else f"  <- {res.status}: {res.detail}"
                    text = milestone.text
                    if markdown:
                        lines.append(f"- {MARK[res.status]} {text}{tail}  \n  check: `{milestone.check}`")
                    else:
                        lines.append(f"    {MARK[res.status]} {text}{tail}")
            if markdown:
                lines.append("")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def summary(results: dict[str, Result]) -> dict[str, int]:
    counts = {"passed": 0, "failed": 0, "skipped": 0, "missing": 0}
    for res in results.values():
        counts[res.status] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser(__doc__, prog="python -m tools.milestones", seed=False, show=False, out=False)
    parser.add_argument("--phase", choices=[p for p, _ in catalogue.PHASES], help="only this phase")
    parser.add_argument("--quick", action="store_true", help="skip tests marked slow")
    parser.add_argument("--out", type=Path, default=Path("outputs/milestones.md"), help="Markdown report path")
    args = parser.parse_args(argv)

    projects = [p for p in catalogue.all_projects() if args.phase in (None, p.phase)]
    if not projects:
        raise cli.UserError("no projects are catalogued yet")
    start = time.perf_counter()
    results = run_all(projects, quick=args.quick)
    elapsed = time.perf_counter() - start
    print()
    print(render(projects, results, markdown=False))
    counts = summary(results)
    total = sum(counts.values())
    line = (f"Milestones: {counts['passed']}/{total} passed, {counts['failed']} failed, "
            f"{counts['skipped']} skipped, {counts['missing']} missing ({elapsed:.0f} s)")
    print(line)
    report = render(projects, results, markdown=True) + f"\n{line}\n"
    cli.save_text(args.out, report)
    print(f"Checklist written to {args.out}")
    return 0 if counts["failed"] == 0 and counts["missing"] == 0 else 1


if __name__ == "__main__":
    sys.exit(cli.run(main))
