"""The tour (``make tour``): run every catalogued project's headless demo and build a gallery.

For each project in the catalogue, each of its tour steps is run from the repository root as
``python <argv> --out outputs/tour/<project> --no-show`` with matplotlib on Agg and pygame on
SDL's dummy video driver. Its output is captured, the figures it saved (PNG, GIF, JPG) are
collected, and ``outputs/tour/index.html`` gets a section per project: the command, what it
printed, and its images. A project whose dataset is not on this machine (download-only while
offline) or whose optional package is missing is skipped with the reason. When the learner's
workspace (``python -m learn``) holds code for a project, its steps run on that code through
``python -m learn.runner``, whose first lines say which functions are the learner's.

    python -m tools.tour [--only KEY ...] [--phase PHASE] [--out outputs/tour] [--allow-download]
"""

from __future__ import annotations

import html
import importlib.util
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from common import cli, datasets
from tools import catalogue

IMAGE_SUFFIXES = {".png", ".gif", ".jpg", ".jpeg"}


@dataclass
class StepResult:
    project: catalogue.Project
    command: str
    status: str  # "ran", "failed", "skipped"
    output: str = ""
    reason: str = ""
    seconds: float = 0.0
    images: list[Path] = field(default_factory=list)


def skip_reason(project: catalogue.Project, allow_download: bool) -> str | None:
    """Why ``project`` cannot run here, or None."""
    for module in project.requires:
        if importlib.util.find_spec(module) is None:
            return f"optional package '{module}' is not installed"
    if not allow_download:
        for name in project.datasets:
            if not datasets.available(name):
                ds = datasets.get(name)
                return (f"dataset '{name}' is download-only and not on this machine "
                        f"(set MLFP_DATA_MIRROR or run with --allow-download; source {ds.url})")
    return None


def runs_learner_code(project: catalogue.Project) -> bool:
    """True when the learner's workspace has code of theirs for this project (learner mode)."""
    from learn import spec, workspace

    try:
        return workspace.path_for(project).is_file() and "written" in workspace.states(project).values()
    except spec.LearnError:
        return True          # a broken workspace file: run through the learner path, which says why


def step_command(step: catalogue.TourStep, out: Path, learner: bool = False) -> list[str]:
    cmd = [sys.executable, *step.argv]
    if learner and step.argv and step.argv[0].endswith(".py"):
        cmd[1:2] = ["-m", "learn.runner", step.argv[0]]
    if step.out:
        cmd += ["--out", str(out)]
    if step.no_show:
        cmd.append("--no-show")
    return cmd


def run_step(project: catalogue.Project, step: catalogue.TourStep, out: Path) -> StepResult:
    cmd = step_command(step, out, runs_learner_code(project))
    shown = "python " + " ".join(shlex.quote(a) for a in cmd[1:])
    env = dict(os.environ, MPLBACKEND="Agg", SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy",
               PYTHONUNBUFFERED="1", COLUMNS="100", PYGAME_HIDE_SUPPORT_PROMPT="1")
    before = {p: p.stat().st_mtime for p in out.rglob("*") if p.is_file()}
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=cli.REPO_ROOT, env=env, capture_output=True, text=True,
                              input=step.stdin if step.stdin is not None else "",
                              timeout=step.timeout_s)
    except subprocess.TimeoutExpired as exc:
        output = (exc.stdout or "") if isinstance(exc.stdout, str) else ""
        return StepResult(project, shown, "failed", output, f"timed out after {step.timeout_s} s",
                          time.perf_counter() - start)
    seconds = time.perf_counter() - start
    output = proc.stdout + (("\n" + proc.stderr) if proc.stderr.strip() else "")
    images = sorted(p for p in out.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
                    and before.get(p) != p.stat().st_mtime)
    if proc.returncode != 0:
        return StepResult(project, shown, "failed", output, f"exit status {proc.returncode}", seconds, images)
    return StepResult(project, shown, "ran", output, "", seconds, images)


def render_html(results: list[StepResult], root: Path) -> str:
    parts = ["<!doctype html><html><head><meta charset='utf-8'>",
             "<title>Machine Learning from First Principles - tour</title>",
             "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
             "pre{background:#f6f8fa;padding:1em;overflow-x:auto;font-size:12px;max-height:40em}"
             "img{max-width:100%;border:1px solid #ddd;margin:.3em 0}.failed{color:#b00}.skipped{color:#888}"
             "nav a{margin-right:1em}</style></head><body>",
             "<h1>Machine Learning from First Principles - the tour</h1>"]
    counts = {s: sum(r.status == s for r in results) for s in ("ran", "failed", "skipped")}
    parts.append(f"<p>{counts['ran']} ran, {counts['failed']} failed, {counts['skipped']} skipped. "
                 f"Generated {time.strftime('%Y-%m-%d %H:%M')}.</p><nav>")
    seen = []
    for r in results:
        if r.project.key not in seen:
            seen.append(r.project.key)
            parts.append(f"<a href='#{r.project.key}'>{html.escape(r.project.key)}</a>")
    parts.append("</nav>")
    current_phase = None
    current_project = None
    for r in results:
        if r.project.phase != current_phase:
            current_phase = r.project.phase
            parts.append(f"<h2>{html.escape(catalogue.phase_title(current_phase))}</h2>")
        if r.project.key != current_project:
            current_project = r.project.key
            label = f"Project {r.project.number}: " if r.project.number else ""
            parts.append(f"<h3 id='{r.project.key}'>{html.escape(label + r.project.title)}</h3>")
        parts.append(f"<p class='{r.status}'><code>$ {html.escape(r.command)}</code> - {r.status}"
                     + (f" ({html.escape(r.reason)})" if r.reason else "") + f", {r.seconds:.1f} s</p>")
        if r.output.strip():
            parts.append(f"<pre>{html.escape(r.output.strip())}</pre>")
        for image in r.images:
            rel = os.path.relpath(image, root)
            parts.append(f"<figure><img src='{html.escape(rel)}' alt='{html.escape(image.name)}'>"
                         f"<figcaption>{html.escape(image.name)}</figcaption></figure>")
    parts.append("</body></html>")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser(__doc__, prog="python -m tools.tour", seed=False, show=False, out=False)
    parser.add_argument("--only", nargs="+", metavar="KEY", help="only these project keys")
    parser.add_argument("--phase", choices=[p for p, _ in catalogue.PHASES], help="only this phase")
    parser.add_argument("--out", type=Path, default=Path("outputs/tour"), help="gallery folder")
    parser.add_argument("--allow-download", action="store_true",
                        help="let projects download datasets that are not on this machine")
    args = parser.parse_args(argv)

    projects = catalogue.all_projects()
    if args.only:
        unknown = set(args.only) - {p.key for p in projects}
        if unknown:
            raise cli.UserError(f"unknown project key(s): {', '.join(sorted(unknown))}")
        projects = [p for p in projects if p.key in args.only]
    if args.phase:
        projects = [p for p in projects if p.phase == args.phase]
    steps = [(p, s) for p in projects for s in p.tour]
    if not steps:
        raise cli.UserError("nothing to run: no catalogued project has tour steps")

    from tqdm import tqdm

    root = args.out
    root.mkdir(parents=True, exist_ok=True)
    results: list[StepResult] = []
    bar = tqdm(steps, desc="tour", unit="step", disable=None, file=sys.stderr)
    for project, step in bar:
        bar.set_postfix_str(project.key)
        reason = skip_reason(project, args.allow_download)
        if reason:
            results.append(StepResult(project, "python " + " ".join(step.argv), "skipped", reason=reason))
            continue
        out = root / project.key
        if len(project.tour) > 1:  # one folder per step, so same-named figures do not collide
            out = out / (step.folder or f"step{project.tour.index(step) + 1}")
        out.mkdir(parents=True, exist_ok=True)
        results.append(run_step(project, step, out))
    bar.close()

    index = root / "index.html"
    cli.save_text(index, render_html(results, root))
    counts = {s: sum(r.status == s for r in results) for s in ("ran", "failed", "skipped")}
    print(f"Tour: {counts['ran']} ran, {counts['failed']} failed, {counts['skipped']} skipped "
          f"({sum(r.seconds for r in results):.0f} s)")
    for r in results:
        if r.status != "ran":
            print(f"  {r.status:7s} {r.project.key}: {r.reason}")
    print(f"Gallery written to {index}")
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(cli.run(main))
