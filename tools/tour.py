"""The tour (``make tour``): run every catalogued project's headless demo and build a gallery.

For each project in the catalogue, each of its tour steps is run from the repository root as
``python <argv> --out outputs/tour/<project> --no-show`` with matplotlib on Agg and pygame on
SDL's dummy video driver. Its output is captured, the figures it saved (PNG, GIF, JPG) are
collected, and ``outputs/tour/index.html`` gets a section per project: the command, what it
printed, and its images. A project whose dataset is not on this machine (download-only while
offline) or whose optional package is missing is skipped with the reason. When the learner's
workspace (``python -m learn``) holds code for a project, its steps run on that code through
``python -m learn.runner``, whose first lines say which functions are the learner's.

While it runs, the tour shows its progress: on a terminal a bar with the step count, the elapsed
time and the demo's name; in a log (no terminal) one line per demo as it starts. Most demos are
shortened so the whole tour takes minutes (fewer epochs, a subset of the data, ``--quick``); the
tour says so for each of them and prints the full command, the one the README's numbers come from.

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

# Options that make a demo shorter than the real run: less data, fewer epochs, steps or frames.
# Each script runs in full without them, so dropping them from a tour step gives the full command.
SHORTENING_OPTIONS = {"--train-limit", "--test-limit", "--epochs", "--iters", "--iterations",
                      "--samples", "--folds", "--pgd-steps"}
SHORTENING_FLAGS = {"--quick", "--fast"}
# ... and options that shorten only these scripts (elsewhere --steps or --frames is the demo itself).
SHORTENING_BY_SCRIPT = {"phase1_linalg/vector_graphics.py": {"--frames"},
                        "phase1_linalg/movie_recommender.py": {"--steps"},
                        "phase4_ml/backprop_viz.py": {"--steps", "--frames"}}


@dataclass
class StepResult:
    project: catalogue.Project
    command: str
    status: str  # "ran", "failed", "skipped"
    output: str = ""
    reason: str = ""
    seconds: float = 0.0
    images: list[Path] = field(default_factory=list)
    full: str = ""   # the full command when the tour ran a shortened demo


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


def shortened(step: catalogue.TourStep) -> tuple[list[str], list[str]] | None:
    """``(the options that shorten this demo, the argv of the full run)``, or None if it runs in full.

    >>> shortened(catalogue.TourStep(("phase5_capstone/train_mnist.py", "--model", "mlp", "--epochs", "2")))
    (['--epochs', '2'], ['phase5_capstone/train_mnist.py', '--model', 'mlp'])
    """
    script = step.argv[0] if step.argv else ""
    with_value = SHORTENING_OPTIONS | SHORTENING_BY_SCRIPT.get(script, set())
    cut: list[str] = []
    full: list[str] = []
    args = list(step.argv)
    i = 0
    while i < len(args):
        name = args[i].split("=", 1)[0]
        if args[i] in SHORTENING_FLAGS:
            cut.append(args[i])
        elif name in with_value and "=" in args[i]:
            cut.append(args[i])
        elif name in with_value and i + 1 < len(args):
            cut += args[i:i + 2]
            i += 1
        else:
            full.append(args[i])
        i += 1
    return (cut, full) if cut else None


def shown(argv: list[str] | tuple[str, ...]) -> str:
    """A command line as a learner would type it from the repository root."""
    return "python " + " ".join(shlex.quote(a) for a in argv)


def clock(seconds: float) -> str:
    """Elapsed time as m:ss (h:mm:ss past an hour)."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """The tour's progress: a tqdm bar on a terminal, one plain line per demo in a log.

    Both show the demo's name, how many of the steps have started and the elapsed time; notes
    (such as "shortened") are printed above the bar, or as indented lines in a log.
    """

    def __init__(self, total: int, stream=None, tty: bool | None = None):
        self.total, self.stream = total, stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)()) if tty is None else tty
        self.started = time.perf_counter()
        self.bar = None
        if self.tty:
            from tqdm import tqdm

            self.bar = tqdm(total=total, file=self.stream, unit="demo", dynamic_ncols=True,
                            bar_format="tour {bar} {n_fmt}/{total_fmt} [{elapsed}] {desc}")

    def start(self, index: int, name: str) -> None:
        """Step ``index`` (1-based) of ``total``, demo ``name``, begins."""
        if self.bar is not None:
            self.bar.set_description_str(f"{name} ({index}/{self.total})")
            return
        width = 20
        filled = width * (index - 1) // self.total
        print(f"tour [{'#' * filled}{'.' * (width - filled)}] {index}/{self.total} "
              f"[{clock(time.perf_counter() - self.started)}] {name}", file=self.stream, flush=True)

    def note(self, text: str) -> None:
        if self.bar is not None:
            self.bar.write(text, file=self.stream)
        else:
            print("    " + text, file=self.stream, flush=True)

    def finish(self, result: StepResult) -> None:
        """The step that last started is done; a failure or a skip is said at once."""
        if result.status != "ran":
            self.note(f"{result.status}: {result.reason}")
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


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
    command = shown(cmd[1:])
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
        return StepResult(project, command, "failed", output, f"timed out after {step.timeout_s} s",
                          time.perf_counter() - start)
    seconds = time.perf_counter() - start
    output = proc.stdout + (("\n" + proc.stderr) if proc.stderr.strip() else "")
    images = sorted(p for p in out.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
                    and before.get(p) != p.stat().st_mtime)
    if proc.returncode != 0:
        return StepResult(project, command, "failed", output, f"exit status {proc.returncode}", seconds, images)
    return StepResult(project, command, "ran", output, "", seconds, images)


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
        if r.full:
            parts.append(f"<p class='shortened'>Shortened for the tour; the full run: "
                         f"<code>$ {html.escape(r.full)}</code></p>")
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

    root = args.out
    root.mkdir(parents=True, exist_ok=True)
    results: list[StepResult] = []
    progress = Progress(len(steps))
    for index, (project, step) in enumerate(steps, 1):
        name = project.key if len(project.tour) == 1 else \
            f"{project.key} step {project.tour.index(step) + 1} of {len(project.tour)}"
        progress.start(index, name)
        reason = skip_reason(project, args.allow_download)
        if reason:
            results.append(StepResult(project, shown(step.argv), "skipped", reason=reason))
            progress.finish(results[-1])
            continue
        cut = shortened(step)
        if cut:
            progress.note(f"shortened for the tour ({' '.join(cut[0])}); the full run: {shown(cut[1])}")
        out = root / project.key
        if len(project.tour) > 1:  # one folder per step, so same-named figures do not collide
            out = out / (step.folder or f"step{project.tour.index(step) + 1}")
        out.mkdir(parents=True, exist_ok=True)
        results.append(run_step(project, step, out))
        if cut:
            results[-1].full = shown(cut[1])
        progress.finish(results[-1])
    progress.close()

    index = root / "index.html"
    cli.save_text(index, render_html(results, root))
    counts = {s: sum(r.status == s for r in results) for s in ("ran", "failed", "skipped")}
    print(f"Tour: {counts['ran']} ran, {counts['failed']} failed, {counts['skipped']} skipped "
          f"({sum(r.seconds for r in results):.0f} s)")
    for r in results:
        if r.status != "ran":
            print(f"  {r.status:7s} {r.project.key}: {r.reason}")
    n_short = sum(bool(r.full) for r in results)
    if n_short:
        print(f"{n_short} {'demo was' if n_short == 1 else 'demos were'} shortened for the tour; "
              "the full commands are printed above and in the gallery")
    print(f"Gallery written to {index}")
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(cli.run(main))
