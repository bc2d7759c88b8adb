"""Command-line conventions shared by every project script.

Every script follows the same shape::

    def main(argv=None) -> int:
        parser = cli.make_parser(__doc__, prog="phase1_linalg/pca_visualizer.py")
        parser.add_argument(...)
        args = parser.parse_args(argv)
        ...
        return 0

    if __name__ == "__main__":
        raise SystemExit(cli.run(main))

Conventions (see ARCHITECTURE.md):

* ``--seed`` (fixed default, so runs are reproducible), ``--out DIR`` (default
  ``outputs/<script>/``), ``--no-show`` (implied when there is no display).
* A user mistake raises :class:`UserError`; :func:`run` prints ``error: <message>`` on one
  line to stderr and returns exit status 2. Bad command-line options do the same.
  Ctrl-C returns 130 quietly.
* Files are written atomically (:func:`atomic_write`, :func:`atomic_path`): a temp file in
  the same folder, renamed into place only when complete.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEED = 42


class UserError(Exception):
    """A mistake the user can fix (bad file, bad option, bad expression...).

    The message should say what is wrong and how to fix it, on one line.
    """


# ----------------------------------------------------------------------------- parsing
class Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line (``error: ...``) and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"error: {message} (see {self.prog} --help)\n")
        raise SystemExit(2)


def make_parser(doc: str | None, prog: str | None = None, *, seed: bool = True,
                out: bool = True, show: bool = True) -> Parser:
    """Build a parser with the shared options.

    ``doc`` is usually the module ``__doc__``: its first paragraph becomes the description
    and the rest is shown after the options in ``--help``.
    """
    doc = (doc or "").strip()
    first, _, rest = doc.partition("\n\n")
    parser = Parser(prog=prog, description=first or None, epilog=rest or None,
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    if seed:
        parser.add_argument("--seed", type=seed_value, default=DEFAULT_SEED,
                            help=f"random seed, for reproducible output (default {DEFAULT_SEED})")
    if out:
        parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                            help="folder for figures and artifacts (default outputs/<script>/)")
    if show:
        parser.add_argument("--no-show", action="store_true",
                            help="do not open windows; only save figures (implied with no display)")
    return parser


def out_dir(args: argparse.Namespace, script: str) -> Path:
    """The output folder for this run (created). ``script`` is the script's stem."""
    path = getattr(args, "out", None) or Path("outputs") / script
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UserError(f"--out {path} is a file, not a folder: give a folder") from None
    except OSError as exc:
        raise UserError(f"cannot create output folder {path}: {exc.strerror}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise UserError(f"cannot write into the output folder {path}: permission denied (choose another --out)")
    return path


# ----------------------------------------------------------------------------- value parsers
MAX_SEED = 2**32 - 1


def seed_value(text: str) -> int:
    """argparse type: a random seed, a whole number from 0 to 2**32 - 1 (what NumPy and PyTorch accept)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"a seed must be between 0 and {MAX_SEED}, got {text}")
    return value


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """argparse type factory: a whole number in [low, high], e.g. ``type=bounded_int(1, 10_000)``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected a number from {low} to {high}, got {text}")
        return value

    parse.__name__ = "whole number"
    return parse


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def finite_float(text: str) -> float:
    """argparse type: a finite float (rejects nan and inf)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite float > 0."""
    value = finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def int_list(text: str) -> list[int]:
    """argparse type: comma-separated integers, e.g. ``784,128,64,10``."""
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated whole numbers, got {text!r}") from None
    if not values:
        raise argparse.ArgumentTypeError("expected at least one number")
    return values


# ----------------------------------------------------------------------------- running
def run(main: Callable[[list[str] | None], int], argv: list[str] | None = None) -> int:
    """Call ``main(argv)`` and turn user errors into ``error: ...`` + exit 2.

    Ctrl-C exits 130 without a traceback; a closed stdout pipe (``| head``) exits quietly.
    """
    try:
        return int(main(argv) or 0)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        with contextlib.suppress(Exception):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0


def is_interactive() -> bool:
    """True when stdin is a terminal (prompts may wait for a person)."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def read_commands(commands: str | None, prompt: str = "> ") -> Iterator[str]:
    """Lines for a REPL: from ``--commands "a; b; c"`` if given, else from stdin.

    On a terminal the prompt is shown; from a pipe, lines are read and echoed after the
    prompt so the output reads like an interactive session. Blank lines are skipped.
    """
    if commands is not None:
        for part in commands.replace("\n", ";").split(";"):
            line = part.strip()
            if line:
                print(f"{prompt}{line}")
                yield line
        return
    interactive = is_interactive()
    while True:
        try:
            line = input(prompt) if interactive else sys.stdin.readline()
        except EOFError:
            return
        if not interactive:
            if line == "":
                return
            line = line.strip()
            if line:
                print(f"{prompt}{line}")
        line = line.strip()
        if line:
            yield line


# ----------------------------------------------------------------------------- atomic output
@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    The temporary name keeps the suffix, so libraries that pick a format from the file name
    (matplotlib, Pillow, numpy) write the right thing::

        with atomic_path("fig.png") as tmp:
            fig.savefig(tmp)
    """
    if not str(path).strip():                       # Path("") is ".", the current folder
        raise UserError("the output file name is empty: give a file name")
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create folder {folder}: {exc.strerror}") from None
    if target.is_dir():
        raise UserError(f"cannot write {target}: a folder of that name is in the way")
    if target.exists() and not target.is_file():    # renaming onto /dev/zero would replace the device itself
        raise UserError(f"cannot write {target}: it is a device or a pipe, not a file (choose a file name)")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix, dir=folder)
    except OSError as exc:
        raise UserError(f"cannot write into {folder}: {exc.strerror}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual permissions
    try:
        yield tmp
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise UserError(f"cannot write {target}: {exc.strerror}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8"):
    """Open a temp file for writing; it replaces ``path`` only if the block succeeds."""
    if "b" in mode:
        encoding = None
    with atomic_path(path) as tmp, open(tmp, mode, encoding=encoding) as handle:
        yield handle


def save_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` atomically and return the path."""
    with atomic_write(path) as handle:
        handle.write(text)
    return Path(path)
