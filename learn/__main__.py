"""Learner mode: follow the milestone checklist with your own code.

    python -m learn status                 the checklist, ticked where your code passes
    python -m learn start pca_visualizer   write workspace/pca_visualizer.py with stubs to fill in
    python -m learn check pca_visualizer   check your functions (or one milestone: pca_visualizer.3)
    python -m learn hint pca_visualizer.3  a hint (add 2 or 3 for more specific ones)
    python -m learn run pca_visualizer -- iris_dataset.csv   the project, running on your code
    python -m learn solution pca_visualizer                  our code for what you have passed
    python -m learn reset pca_visualizer                     start that project again

PROJECT is a script's name without .py. Your files live in workspace/ ($MLFP_WORKSPACE to move
it); progress in workspace/progress.json. A function you have not written yet falls back to ours,
so you can go one milestone at a time and every project always runs.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from common import cli
from learn import checks, progress, runner, spec, workspace
from learn.spec import LearnError
from tools import catalogue, milestones

MARK = {"passed": "[x]", "failed": "[ ]", "todo": "[ ]", "skipped": "[-]"}


# ----------------------------------------------------------------------------- status
def checklist(reference: bool = False, quick: bool = False, phase: str | None = None):
    """(plain text, Markdown, passed, total, failures) for the whole checklist."""
    data = progress.load()
    projects = [p for p in spec.projects() if phase in (None, p.phase)]
    refs = [r for p in projects for r in spec.milestones(p)]
    results = milestones.run_all(projects, quick=quick) if reference else {}
    text, md = [], ["# Milestone checklist", ""]
    done = failures = 0
    for ph, title in catalogue.PHASES:
        members = [p for p in projects if p.phase == ph]
        if not members:
            continue
        text.append(title)
        md.append(f"## {title}")
        for project in members:
            label = f"Project {project.number}: " if project.number else ""
            text.append(f"  {label}{project.title} ({project.key})")
            md.append(f"### {label}{project.title} (`{project.key}`)")
            for ref in spec.milestones(project):
                tail = ""
                if reference:
                    res = results[ref.milestone.check]
                    ok = res.status == "passed"
                    mark = {"passed": "[x]", "skipped": "[-]"}.get(res.status, "[ ]")
                    tail = "" if ok else f"  <- {res.status}: {res.detail}"
                    failures += res.status in ("failed", "missing")
                else:
                    ok = progress.is_passed(data, ref)
                    mark = "[x]" if ok else "[ ]"
                done += ok
                text.append(f"    {mark} {ref.id:<24} {ref.text}{tail}")
                md.append(f"- {mark} `{ref.id}` {ref.text}{tail}")
            md.append("")
        text.append("")
    return "\n".join(text), "\n".join(md), done, len(refs), failures


def next_step(data: dict) -> str:
    for project in spec.projects():
        for ref in spec.milestones(project):
            if progress.is_passed(data, ref) or not ref.functions:
                continue
            if not workspace.path_for(project).is_file():
                return f"Next: python -m learn start {project.key}   ({ref.id}: {ref.text})"
            return f"Next: python -m learn check {ref.id}   (stuck? python -m learn hint {ref.id})"
    return "Every milestone passes on your code. Well done: you built it all yourself."


def cmd_status(args) -> int:
    if args.reference:
        print("Checking our reference code (every milestone should pass)...", flush=True)
    text, md, done, total, failures = checklist(reference=args.reference, quick=args.quick, phase=args.phase)
    pct = 100 * done / total if total else 0
    line = f"{done} / {total} milestones ({pct:.0f}%)" + (" pass on the reference code" if args.reference else "")
    print(text)
    print(line)
    if not args.reference:
        print(next_step(progress.load()))
    cli.save_text(args.out, md.rstrip() + f"\n\n{line}\n")
    print(f"Checklist written to {args.out}")
    return 1 if failures else 0


# ----------------------------------------------------------------------------- start / reset
def cmd_start(args) -> int:
    project = spec.find_project(args.project)
    path = workspace.path_for(project)
    if path.exists():
        print(f"{workspace.display(path)} already exists: your work is kept as it is.")
        print(f"Check it with: python -m learn check {project.key}")
        return 0
    text = workspace.render(project, written=set())
    path.parent.mkdir(parents=True, exist_ok=True)
    cli.save_text(path, text)
    funcs = spec.functions(project)
    print(f"Wrote {workspace.display(path)}: {len(funcs)} functions to write, "
          f"{len(spec.milestones(project))} milestones.")
    for ref in spec.milestones(project):
        names = ", ".join(f.label for f in ref.functions)
        print(f"  {ref.id:<24} {names}")
    print(f"Open it, write the first function, then: python -m learn check {project.key}")
    return 0


def cmd_reset(args) -> int:
    project = spec.find_project(args.project)
    path = workspace.path_for(project)
    if not path.exists():
        print(f"{workspace.display(path)} does not exist: nothing to reset.")
        return 0
    if not args.yes:
        print(f"Delete {workspace.display(path)} and the progress of {project.key}? [y/N] ", end="", flush=True)
        answer = sys.stdin.readline().strip().lower()
        if answer not in ("y", "yes"):
            print("Kept.")
            return 1
    data = progress.load()
    for ref in spec.milestones(project):
        progress.forget(data, ref)
        data["hints"].pop(ref.id, None)
    progress.save(data)
    path.unlink()
    print(f"Deleted {workspace.display(path)}. Start again with: python -m learn start {project.key}")
    return 0


# ----------------------------------------------------------------------------- check
def _targets(name: str | None) -> list[spec.MilestoneRef]:
    if name is None:
        started = [p for p in spec.projects() if workspace.path_for(p).is_file()]
        if not started:
            raise LearnError("no project started yet: python -m learn start PROJECT (e.g. vector_graphics)")
        return [r for p in started for r in spec.milestones(p)]
    if "." in name:
        return [spec.find_milestone(name)]
    return spec.milestones(spec.find_project(name))


def check_once(args) -> int:
    refs = _targets(args.target)
    for project in {r.project.key: r.project for r in refs}.values():
        checks.validate(project)
    data = progress.load()
    print("Checking your code...", flush=True)
    outcomes = checks.run(refs, quick=args.quick, timeout_s=args.time_limit)
    failed = 0
    for ref in refs:
        out = outcomes[ref.id]
        written, todo = checks.learner_state(ref)
        mine = ", ".join(f"{n}()" for n in written)
        if todo:
            mine += f" (with our {', '.join(f'{n}()' for n in todo)}: not written yet)"
        if out.status == "passed":
            progress.record_pass(data, ref)
            print(f"  [x] {ref.id:<24} passed: {ref.text}")
            continue
        failed += 1
        progress.forget(data, ref)
        if out.status == "todo":
            print(f"  [ ] {ref.id:<24} not written yet: {out.detail}")
        elif out.status == "skipped":
            print(f"  [-] {ref.id:<24} skipped: {out.detail}")
        else:
            print(f"  [ ] {ref.id:<24} failed: your {mine} did not pass {ref.milestone.check}")
            for line in out.detail.splitlines():
                print(f"        {line}")
            print(f"        (a hint: python -m learn hint {ref.id})")
    progress.save(data)
    passed = len(refs) - failed
    print(f"{passed} / {len(refs)} passed.")
    return 0 if failed == 0 else 1


def _mtimes() -> dict:
    root = workspace.root()
    return {p: p.stat().st_mtime for p in root.glob("*.py")} if root.is_dir() else {}


def cmd_check(args) -> int:
    code = check_once(args)
    if not args.watch:
        return code
    print("Watching the workspace: save a file to check again (Ctrl-C to stop).")
    seen = _mtimes()
    while True:
        time.sleep(1.0)
        now = _mtimes()
        if now != seen:
            seen = now
            try:
                check_once(args)
            except LearnError as exc:
                print(f"error: {exc}")


# ----------------------------------------------------------------------------- hint / solution / run
def cmd_hint(args) -> int:
    ref = spec.find_milestone(args.milestone)
    hints = ref.milestone.hints
    if not hints:
        raise LearnError(f"{ref.id} has no hints yet")
    data = progress.load()
    n = args.n or min(len(hints), int(data["hints"].get(ref.id, 0)) + 1)
    if not 1 <= n <= len(hints):
        raise LearnError(f"{ref.id} has hints 1 to {len(hints)}")
    print(f"{ref.id}: {ref.text}")
    print(f"You write: {', '.join(f.label for f in ref.functions)}")
    print(f"Hint {n} of {len(hints)}: {hints[n - 1]}")
    if n < len(hints):
        print(f"(more specific: python -m learn hint {ref.id} {n + 1})")
    data["hints"][ref.id] = max(n, int(data["hints"].get(ref.id, 0)))
    progress.save(data)
    return 0


def cmd_solution(args) -> int:
    project = spec.find_project(args.project)
    data = progress.load()
    refs = spec.milestones(project)
    passed = {f.name for r in refs if progress.is_passed(data, r) for f in r.functions}
    if args.force:
        written = None
    else:
        written = passed
        withheld = [r.id for r in refs if not progress.is_passed(data, r)]
        if withheld:
            print(f"# (not shown until your code passes them: {', '.join(withheld)}; --force shows all)",
                  file=sys.stderr)
    sys.stdout.write(workspace.render(project, written=written))
    return 0


def cmd_run(args) -> int:
    project = spec.find_project(args.project)
    extra = list(args.args)
    if extra and extra[0] == "--":
        extra = extra[1:]
    return runner.run(project.script, extra)


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser(__doc__, prog="python -m learn", seed=False, show=False, out=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    st = sub.add_parser("status", help="the checklist, ticked where your code passes")
    st.add_argument("--reference", action="store_true", help="check our reference code instead (runs every check)")
    st.add_argument("--quick", action="store_true", help="with --reference: skip the slow checks")
    st.add_argument("--phase", choices=[p for p, _ in catalogue.PHASES], help="only this phase")
    st.add_argument("--out", type=Path, default=Path("outputs/milestones.md"),
                    help="also write the checklist as Markdown here (outputs/milestones.md)")
    s = sub.add_parser("start", help="write workspace/PROJECT.py with stubs to fill in")
    s.add_argument("project")
    c = sub.add_parser("check", help="check your code: a project, a milestone (PROJECT.N), or all started")
    c.add_argument("target", nargs="?")
    c.add_argument("--watch", action="store_true", help="check again whenever a workspace file is saved")
    c.add_argument("--quick", action="store_true", help="skip the slow checks (full-dataset training)")
    c.add_argument("--time-limit", type=cli.positive_int, default=300, metavar="S",
                   help="seconds each check may take (300)")
    h = sub.add_parser("hint", help="a hint for a milestone; N=2, 3 are more specific")
    h.add_argument("milestone")
    h.add_argument("n", nargs="?", type=cli.positive_int)
    so = sub.add_parser("solution", help="our code for the milestones you have passed")
    so.add_argument("project")
    so.add_argument("--force", action="store_true", help="show every function, passed or not")
    r = sub.add_parser("reset", help="delete workspace/PROJECT.py and its progress (asks first)")
    r.add_argument("project")
    r.add_argument("--yes", action="store_true", help="do not ask")
    ru = sub.add_parser("run", help="run the project on your code: run PROJECT -- ARGS")
    ru.add_argument("project")
    ru.add_argument("args", nargs="...")
    args = parser.parse_args(argv)
    command = args.command or "status"
    if args.command is None:
        args = parser.parse_args(["status", *(argv or [])])
    return {"status": cmd_status, "start": cmd_start, "check": cmd_check, "hint": cmd_hint,
            "solution": cmd_solution, "reset": cmd_reset, "run": cmd_run}[command](args)


if __name__ == "__main__":
    raise SystemExit(cli.run(main))
