"""Docs from real runs: every "real output" excerpt in the READMEs comes from its command.

An excerpt is a fenced block between two HTML comments. The opening comment names the command
(run from the repository root, with ``python`` meaning this environment's interpreter) and,
on the lines below it, optional settings::

    <!-- docs: python phase4_ml/kmeans.py customer_data.csv --k 4 --no-show
    lines=1-12,...,-3:
    -->
    ```
    (what the command printed, trimmed as the settings say)
    ```
    <!-- /docs -->

Settings, one per line:

* ``lines=SPEC``: keep these lines of the output. ``SPEC`` is a comma list of ``N`` (one line),
  ``A-B`` or ``A:B`` (lines A to B, both included), ``A:`` (A to the end); negative numbers count
  from the end (``-1`` is the last line, so ``-3:`` is the last three); ``...`` inserts a line
  ``...`` where the excerpt skips part of the output. Lines are numbered from 1.
* ``grep=REGEX``: keep only the lines that match (several ``grep=`` lines: any of them). Applied
  before ``lines=``.
* ``mask=REGEX``: text that differs from run to run for this command and is not compared.
* ``slow``: checked only with ``--slow`` (or ``MLFP_DOCS_SLOW=1``): training runs, full datasets.
* ``stderr``: include what the command writes to stderr (after stdout).
* ``prompt``: start the excerpt with the line ``$ <command>``, as a terminal session shows it.
* ``rc=N``: the exit status the command is expected to end with (default 0).
* ``timeout=S``: seconds before the run is abandoned (default 600).

Numbers that depend on timing are never compared: every match of ``TIMING_MASKS`` (durations
such as ``0.8s``, ``21.7 s``, ``57.54ms``; rates such as ``577 tokens/s``, ``9.1 million
darts/s``) and of a block's own ``mask=`` patterns is replaced by ``<timing>`` in both the
excerpt and the fresh output before they are compared, and runs of spaces count as one (so a
wider number does not shift a table into a mismatch). Everything else must match exactly.

    python tools/docs.py                 # rewrite every excerpt that no longer matches its command
    python tools/docs.py --check         # report each excerpt that differs; exit 1 if any does
    python tools/docs.py --check --slow  # ... including the slow ones
    python tools/docs.py --list          # the marked excerpts and their commands
    python tools/docs.py --check --jobs 2  # two commands at a time (never two of one script)
    python tools/docs.py phase4_ml/README.md --only kmeans   # some files, commands containing kmeans

Rewriting leaves an excerpt untouched when it matches apart from masked timings, so regenerating
does not churn the files. The pipeline notebook (``phase5_capstone/pipeline_report.ipynb``) is
re-executed with ``--notebook`` (slow; ``make docs`` does it) and its fresh outputs and figures are
stored in it; ``--check --notebook`` runs it and compares what each code cell prints (timings
masked as above) with what the notebook holds.
"""

from __future__ import annotations

import difflib
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):                 # run as a script: python tools/docs.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import cli  # noqa: E402

REPO = cli.REPO_ROOT
DEFAULT_FILES = ("README.md", "phase1_linalg/README.md", "phase2_calculus/README.md",
                 "phase3_probability/README.md", "phase4_ml/README.md", "phase5_capstone/README.md",
                 "final_gpt/README.md")
NOTEBOOK = "phase5_capstone/pipeline_report.ipynb"

# Durations and rates: they change with the machine and its load, so they are not compared.
TIMING_MASKS = (
    r"\d+(?:[.,]\d+)*\s?(?:[kM]\s|million\s|thousand\s)?[A-Za-z]*/s\b",
    r"\d+(?:\.\d+)?(?:e[-+]?\d+)?\s?(?:ms|µs|us|s)\b",
)
MASK_TEXT = "<timing>"
OPEN = re.compile(r"^<!--\s*docs:\s*(.*?)\s*$")
CLOSE = "<!-- /docs -->"
FENCE = re.compile(r"^(`{3,})(.*)$")


class DocsError(cli.UserError):
    """A marker that cannot be read (the message names the file and line)."""


@dataclass
class Excerpt:
    """One marked block: where it is, its command, its settings and the text it shows now."""

    path: Path
    line: int                      # 1-based line of the opening comment
    command: str
    lines: str | None = None
    grep: list[str] = field(default_factory=list)
    masks: list[str] = field(default_factory=list)
    slow: bool = False
    stderr: bool = False
    prompt: bool = False
    rc: int = 0
    timeout: float = 600.0
    text: list[str] = field(default_factory=list)   # the lines inside the fence
    start: int = 0                 # 0-based index of the first line inside the fence
    end: int = 0                   # 0-based index of the closing fence

    @property
    def where(self) -> str:
        try:
            shown = self.path.resolve().relative_to(REPO)
        except ValueError:
            shown = self.path
        return f"{shown}:{self.line}"


# ----------------------------------------------------------------------------- reading markers
def parse(path: Path) -> list[Excerpt]:
    """The marked excerpts of one Markdown file, in order."""
    lines = path.read_text(encoding="utf-8").split("\n")
    found: list[Excerpt] = []
    i = 0
    while i < len(lines):
        match = OPEN.match(lines[i])
        if not match:
            if lines[i].strip() == CLOSE:
                raise DocsError(f"{path}:{i + 1}: '{CLOSE}' without an opening '<!-- docs: ... -->'")
            i += 1
            continue
        first = i
        head = [match.group(1)]
        while not head[-1].endswith("-->"):
            i += 1
            if i >= len(lines):
                raise DocsError(f"{path}:{first + 1}: the docs comment is never closed with '-->'")
            head.append(lines[i].strip())
        head[-1] = head[-1][:-3].rstrip()
        excerpt = Excerpt(path, first + 1, head[0].strip())
        if not excerpt.command:
            raise DocsError(f"{path}:{first + 1}: the docs comment names no command")
        for setting in filter(None, (h.strip() for h in head[1:])):
            apply_setting(excerpt, setting, f"{path}:{first + 1}")
        i += 1
        while i < len(lines) and not lines[i].strip():
            i += 1
        fence = FENCE.match(lines[i]) if i < len(lines) else None
        if not fence:
            raise DocsError(f"{path}:{first + 1}: a fenced block (```) must follow the docs comment")
        excerpt.start = i + 1
        i += 1
        while i < len(lines) and lines[i].rstrip() != fence.group(1):
            i += 1
        if i >= len(lines):
            raise DocsError(f"{path}:{first + 1}: the fenced block after the docs comment never ends")
        excerpt.end = i
        excerpt.text = lines[excerpt.start:excerpt.end]
        i += 1
        while i < len(lines) and not lines[i].strip():
            i += 1
        if i >= len(lines) or lines[i].strip() != CLOSE:
            raise DocsError(f"{path}:{first + 1}: '{CLOSE}' must follow the excerpt's closing fence")
        found.append(excerpt)
        i += 1
    return found


def apply_setting(excerpt: Excerpt, setting: str, where: str) -> None:
    key, sep, value = setting.partition("=")
    key, value = key.strip(), value.strip()
    if not sep and key in ("slow", "stderr", "prompt"):
        setattr(excerpt, key, True)
    elif sep and key == "lines":
        select_lines([], value, where)          # fail now on a bad spec, not after the run
        excerpt.lines = value
    elif sep and key in ("grep", "mask"):
        try:
            re.compile(value)
        except re.error as exc:
            raise DocsError(f"{where}: {key}={value!r} is not a regular expression ({exc})") from None
        (excerpt.grep if key == "grep" else excerpt.masks).append(value)
    elif sep and key in ("rc", "timeout"):
        try:
            setattr(excerpt, key, int(value) if key == "rc" else float(value))
        except ValueError:
            raise DocsError(f"{where}: {key}= needs a number, got {value!r}") from None
    else:
        raise DocsError(f"{where}: unknown docs setting {setting!r} "
                        "(expected lines=, grep=, mask=, rc=, timeout=, slow, stderr or prompt)")


# ----------------------------------------------------------------------------- trimming output
def select_lines(output: list[str], spec: str, where: str = "lines=") -> list[str]:
    """The lines of ``output`` that ``spec`` names (see the module docstring), in its order."""
    n = len(output)

    def index(text: str) -> int:           # 1-based or negative -> 0-based
        value = int(text)
        if value == 0:
            raise ValueError
        return value - 1 if value > 0 else n + value

    chosen: list[str] = []
    for item in (part.strip() for part in spec.split(",")):
        try:
            if item == "...":
                chosen.append("...")
                continue
            if ":" in item:
                a, b = item.split(":", 1)
            elif re.fullmatch(r"\d+-\d*", item):
                a, b = item.split("-", 1)
            else:
                a = b = item
            lo = index(a) if a else 0
            hi = index(b) if b else n - 1
        except ValueError:
            raise DocsError(f"{where}: bad line range {item!r} in lines={spec!r}") from None
        chosen.extend(output[max(lo, 0):hi + 1])
    return chosen


def trim(output: str, excerpt: Excerpt) -> list[str]:
    """What the excerpt should show, given everything the command printed."""
    lines = [line.rstrip() for line in output.replace("\r\n", "\n").rstrip("\n").split("\n")]
    if excerpt.grep:
        patterns = [re.compile(g) for g in excerpt.grep]
        lines = [line for line in lines if any(p.search(line) for p in patterns)]
    if excerpt.lines:
        lines = select_lines(lines, excerpt.lines, excerpt.where)
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return [f"$ {excerpt.command}"] + lines if excerpt.prompt else lines


def masked_lines(lines: list[str], extra: list[str]) -> list[str]:
    """Each line as it is compared: timings and the block's masks replaced, spaces squeezed."""
    patterns = [re.compile(p) for p in (*extra, *TIMING_MASKS)]
    result = []
    for line in lines:
        for pattern in patterns:
            line = pattern.sub(MASK_TEXT, line)
        result.append(re.sub(r"[ \t]+", " ", line).strip())
    return result


def masked(lines: list[str], extra: list[str]) -> list[str]:
    """The excerpt as it is compared (see masked_lines), without blank lines at either end."""
    result = masked_lines(lines, extra)
    while result and not result[0]:
        result.pop(0)
    while result and not result[-1]:
        result.pop()
    return result


# ----------------------------------------------------------------------------- running
def run_env() -> dict[str, str]:
    """The environment of a docs run: headless, unbuffered, the reference code (not a workspace)."""
    env = dict(os.environ, MPLBACKEND="Agg", SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy",
               PYTHONUNBUFFERED="1", COLUMNS="100", PYGAME_HIDE_SUPPORT_PROMPT="1", PYTHONHASHSEED="0")
    env.pop("MLFP_WORKSPACE", None)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    mirror = REPO.parent / "shared" / "datasets"
    if "MLFP_DATA_MIRROR" not in env and mirror.is_dir():
        env["MLFP_DATA_MIRROR"] = str(mirror)
    return env


def run_command(excerpt: Excerpt) -> list[str]:
    """Run the excerpt's command from the repository root; return the trimmed output lines.

    ``python`` in the command is this interpreter (its folder comes first on PATH), so
    ``.venv/bin/python tools/docs.py`` runs the commands in the project's environment.
    """
    try:
        proc = subprocess.run(["bash", "-c", excerpt.command], cwd=REPO, env=run_env(),
                              capture_output=True, text=True, stdin=subprocess.DEVNULL,
                              timeout=excerpt.timeout)
    except subprocess.TimeoutExpired:
        raise RunFailed(f"timed out after {excerpt.timeout:g} s") from None
    if proc.returncode != excerpt.rc:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        raise RunFailed(f"exit status {proc.returncode} (expected {excerpt.rc}):\n{tail}")
    output = proc.stdout
    if excerpt.stderr and proc.stderr:
        output = output.rstrip("\n") + "\n" + proc.stderr
    return trim(output, excerpt)


class RunFailed(Exception):
    """The excerpt's command failed or ran too long."""


def differs(excerpt: Excerpt, fresh: list[str]) -> bool:
    return masked(excerpt.text, excerpt.masks) != masked(fresh, excerpt.masks)


def merge(old: list[str], fresh: list[str], masks: list[str]) -> list[str]:
    """The fresh lines, except that a line equal to the old one apart from timings stays as it was.

    So regenerating an excerpt changes only the lines whose real content changed.
    """
    matcher = difflib.SequenceMatcher(a=masked_lines(old, masks), b=masked_lines(fresh, masks),
                                      autojunk=False)
    merged: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        merged.extend(old[i1:i2] if tag == "equal" else fresh[j1:j2])
    return merged


def rewrite(path: Path, updates: list[tuple[Excerpt, list[str]]]) -> None:
    """Replace the text inside each excerpt's fence.

    The file is read again first and each excerpt found by its command and its old text, so an
    edit made elsewhere in the file while the commands ran is kept (and an excerpt edited in the
    meantime is left alone, with a warning).
    """
    now = parse(path)
    lines = path.read_text(encoding="utf-8").split("\n")
    placed: list[tuple[Excerpt, list[str]]] = []
    for excerpt, fresh in updates:
        match = next((e for e in now if e.command == excerpt.command and e.text == excerpt.text), None)
        if match is None:
            print(f"{excerpt.where}: changed while its command ran; not rewritten", file=sys.stderr)
            continue
        now.remove(match)
        placed.append((match, fresh))
    for excerpt, fresh in sorted(placed, key=lambda u: u[0].start, reverse=True):   # last first
        lines[excerpt.start:excerpt.end] = fresh
    cli.save_text(path, "\n".join(lines))


def script_of(excerpt: Excerpt) -> str:
    """The first ``*.py`` the command names: excerpts of one script run one after another."""
    match = re.search(r"\S+\.py\b", excerpt.command)
    return match.group(0) if match else excerpt.command


def run_all(excerpts: list[Excerpt], jobs: int = 1):
    """Yield ``(excerpt, fresh lines or RunFailed)`` in the excerpts' order.

    With ``jobs > 1`` different scripts run at the same time; the excerpts of one script still
    run in their order (a later one may read what an earlier one saved, e.g. a model).
    """
    groups: dict[str, list[Excerpt]] = {}
    for e in excerpts:
        groups.setdefault(script_of(e), []).append(e)
    results: dict[int, list[str] | RunFailed] = {}

    def run_group(group: list[Excerpt]) -> None:
        for e in group:
            start = time.perf_counter()
            try:
                results[id(e)] = run_command(e)
                note = f"{time.perf_counter() - start:.1f} s"
            except RunFailed as exc:
                results[id(e)] = exc
                note = f"FAILED: {exc}"
            print(f"{e.where}: {e.command}\n  {note}", file=sys.stderr, flush=True)

    if jobs > 1 and len(groups) > 1:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(run_group, groups.values()))
    else:
        for group in groups.values():
            run_group(group)
    for e in excerpts:
        yield e, results[id(e)]


# ----------------------------------------------------------------------------- the notebook
def execute_notebook(path: Path, timeout: float = 900):
    """Run every cell of the notebook at ``path`` from the repository root; return the notebook."""
    try:
        import nbformat
        from nbclient import NotebookClient
    except ImportError:
        raise cli.UserError("re-running the notebook needs the notebook extra: "
                            ".venv/bin/pip install -e '.[notebook]'") from None
    env = run_env()
    saved = {k: os.environ.get(k) for k in ("MPLBACKEND", "MLFP_DATA_MIRROR", "PYTHONHASHSEED")}
    os.environ.update({k: env[k] for k in saved if k in env})      # the kernel inherits these
    try:
        book = nbformat.read(path, as_version=4)
        NotebookClient(book, timeout=timeout, kernel_name="python3", record_timing=False,
                       resources={"metadata": {"path": str(REPO)}}).execute()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return book


def notebook_texts(book) -> list[list[str]]:
    """Per code cell, what it printed and the plain-text form of its results (figures by name)."""
    cells = []
    for cell in book.cells:
        if cell.cell_type != "code":
            continue
        texts = []
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                texts += output.text.rstrip("\n").split("\n")
            elif output.output_type in ("execute_result", "display_data"):
                texts += output.get("data", {}).get("text/plain", "").split("\n")
        cells.append(texts)
    return cells


def check_notebook(path: Path) -> bool:
    """Run the notebook and compare its printed outputs with the stored ones; True if they match."""
    import nbformat

    stored = notebook_texts(nbformat.read(path, as_version=4))
    fresh = notebook_texts(execute_notebook(path))
    same = True
    for number, (old, new) in enumerate(zip(stored, fresh), 1):
        if masked(old, []) != masked(new, []):
            same = False
            print(f"{path.relative_to(REPO)}: code cell {number} prints something else now:")
            diff = difflib.unified_diff(old, new, "notebook", "fresh run", lineterm="", n=1)
            print("\n".join("    " + d for d in diff))
    return same and len(stored) == len(fresh)


# ----------------------------------------------------------------------------- command line
def main(argv: list[str] | None = None) -> int:
    parser = cli.make_parser(__doc__, prog="python tools/docs.py", seed=False, show=False, out=False)
    parser.add_argument("files", nargs="*", type=Path,
                        help="Markdown files (default: README.md and every phase's README.md)")
    parser.add_argument("--check", action="store_true",
                        help="only compare: report each excerpt that differs and exit 1 if any does")
    parser.add_argument("--slow", action="store_true", default=bool(os.environ.get("MLFP_DOCS_SLOW")),
                        help="also run the excerpts marked slow (default: MLFP_DOCS_SLOW set)")
    parser.add_argument("--only", metavar="TEXT", help="only the excerpts whose command contains TEXT")
    parser.add_argument("--list", action="store_true", help="list the marked excerpts and stop")
    parser.add_argument("--jobs", type=cli.positive_int, default=1, metavar="N",
                        help="run up to N commands at a time (different scripts only; default 1)")
    parser.add_argument("--notebook", action="store_true",
                        help=f"also re-execute {NOTEBOOK} and store its fresh outputs (slow)")
    args = parser.parse_args(argv)

    files = args.files or [REPO / f for f in DEFAULT_FILES]
    for f in files:
        if not f.is_file():
            raise cli.UserError(f"{f}: no such Markdown file")
    excerpts = [e for f in files for e in parse(f)]
    if args.only:
        excerpts = [e for e in excerpts if args.only in e.command]
    if args.list:
        for e in excerpts:
            print(f"{e.where}: {'[slow] ' if e.slow else ''}{e.command}")
        print(f"{len(excerpts)} excerpts ({sum(e.slow for e in excerpts)} slow)")
        return 0

    skipped = [e for e in excerpts if e.slow and not args.slow]
    todo = [e for e in excerpts if not (e.slow and not args.slow)]
    different, failed, same = [], [], 0
    updates: dict[Path, list[tuple[Excerpt, list[str]]]] = {}
    for e, fresh in run_all(todo, args.jobs):
        if isinstance(fresh, RunFailed):
            failed.append(e)
            continue
        if not differs(e, fresh):
            same += 1
            continue
        different.append(e)
        if args.check:
            print(f"{e.where}: the excerpt of '{e.command}' differs from what the command prints now:")
            # lines that differ only in timings are shown as they are in the README
            diff = difflib.unified_diff(e.text, merge(e.text, fresh, e.masks), "README", "fresh run",
                                        lineterm="", n=1)
            print("\n".join("    " + d for d in diff))
        else:
            updates.setdefault(e.path, []).append((e, merge(e.text, fresh, e.masks)))
    for path, items in updates.items():
        rewrite(path, items)
    notebook_ok = True
    if args.notebook:
        import nbformat

        print(f"running {NOTEBOOK} ...", file=sys.stderr, flush=True)
        if args.check:
            notebook_ok = check_notebook(REPO / NOTEBOOK)
        else:
            cli.save_text(REPO / NOTEBOOK, nbformat.writes(execute_notebook(REPO / NOTEBOOK)) + "\n")

    verb = "differ" if args.check else "rewritten"
    print(f"docs: {same} match, {len(different)} {verb}, {len(failed)} failed, "
          f"{len(skipped)} slow not run" + ("" if args.slow or not skipped else " (--slow runs them)"))
    for e in failed:
        print(f"  failed: {e.where}: {e.command}")
    if args.notebook:
        print(f"notebook: {'matches' if notebook_ok else 'differs'}" if args.check else "notebook: re-run")
    return 1 if failed or not notebook_ok or (args.check and different) else 0


if __name__ == "__main__":
    sys.exit(cli.run(main))
