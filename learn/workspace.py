"""The learner's workspace: one file per project, ``workspace/<project>.py``.

``start`` writes the file with every learner function as a stub: the reference's signature and
docstring (the math, the shapes, an example) and a body that raises ``NotImplementedError``.
A function whose body is still exactly that stub counts as "not written yet" and falls back to
the reference; anything else is the learner's code and replaces ours. ``solution`` renders the
same file with the reference bodies, so saved as the workspace file it passes every check.

The folder is ``$MLFP_WORKSPACE`` when set, else ``workspace/`` at the repository root.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import textwrap
import types
from pathlib import Path

from common import cli
from learn import spec
from learn.spec import LearnerFunction, LearnError
from tools import catalogue

STUB_MESSAGE = "{name} is not written yet"


def root() -> Path:
    return Path(os.environ.get("MLFP_WORKSPACE") or cli.REPO_ROOT / "workspace")


def path_for(project: catalogue.Project) -> Path:
    return root() / f"{project.key}.py"


def display(path: Path) -> str:
    """A path as the learner would type it (relative to the repository when inside it)."""
    try:
        return str(path.resolve().relative_to(cli.REPO_ROOT))
    except ValueError:
        return str(path)


# ----------------------------------------------------------------------------- the reference side
_REFERENCES: dict[LearnerFunction, types.FunctionType] = {}


def reference(func: LearnerFunction) -> types.FunctionType:
    """Our own implementation (remembered before any learner code replaces it)."""
    if func not in _REFERENCES:
        try:
            obj = inspect.getattr_static(func.owner(), func.attr)
        except (ImportError, AttributeError) as exc:
            raise LearnError(f"the catalogue names {func.module}:{func.qualname}, which does not exist ({exc})") \
                from None
        _REFERENCES[func] = obj
    return _REFERENCES[func]


def remember_references(funcs) -> None:
    for f in funcs:
        reference(f)


def reference_source(func: LearnerFunction) -> str:
    """The reference's source as a top-level function named as in the workspace file."""
    source = textwrap.dedent(inspect.getsource(reference(func)))
    if func.is_method:
        source = source.replace(f"def {func.attr}(", f"def {func.name}(", 1)
    return source.rstrip() + "\n"


def stub_source(func: LearnerFunction) -> str:
    """The reference's signature and docstring as written, with a body that raises NotImplementedError."""
    source = reference_source(func)
    node = ast.parse(source).body[0]
    lines = source.splitlines()
    first = node.body[0]
    has_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
        and isinstance(first.value.value, str)
    keep = lines[:first.end_lineno] if has_doc else lines[:first.lineno - 1]
    indent = " " * first.col_offset
    message = STUB_MESSAGE.format(name=func.qualname)
    start = min((d.lineno for d in node.decorator_list), default=node.lineno) - 1
    return "\n".join(keep[start:] + [f"{indent}raise NotImplementedError({message!r})"]) + "\n"


def _global_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def header(project: catalogue.Project, funcs: list[LearnerFunction]) -> str:
    """The imports that give the workspace file the names the reference bodies use."""
    own = {f.name for f in funcs}
    modules: dict[str, str] = {}
    names: dict[str, set[str]] = {}
    for f in funcs:
        ref = reference(f)
        home = importlib.import_module(f.module)
        in_source = {n.id for n in ast.walk(ast.parse(reference_source(f))) if isinstance(n, ast.Name)}
        for name in sorted(_global_names(ref.__code__) | in_source):      # defaults use module names too
            # co_names lists attribute names too: ``type(v).__name__`` must not import the module's __name__
            if name in own or name.startswith("__") or not hasattr(home, name):
                continue
            value = getattr(home, name)
            if isinstance(value, types.ModuleType):
                modules[name] = value.__name__
            else:
                names.setdefault(f.module, set()).add(name)
    lines = ["from __future__ import annotations", ""]
    for alias, module in sorted(modules.items(), key=lambda kv: kv[1]):
        lines.append(f"import {module}" if alias == module else
                     (f"import {module} as {alias}" if "." not in module or module.rsplit(".", 1)[1] != alias
                      else f"from {module.rsplit('.', 1)[0]} import {alias}"))
    for module, wanted in sorted(names.items()):
        lines.append(f"from {module} import (  # noqa: F401  (what the reference bodies use)")
        lines.extend(f"    {n}," for n in sorted(wanted))
        lines.append(")")
    return "\n".join(lines) + "\n"


def render(project: catalogue.Project, written: set[str] | None = None) -> str:
    """The workspace file: stubs, except the functions in ``written`` (None: all) get the reference body."""
    funcs = spec.functions(project)
    if not funcs:
        raise LearnError(f"{project.key} has no learner functions in the catalogue yet")
    label = f"project {project.number}" if project.number else "a boss-fight milestone"
    parts = [f'"""Your code for {label}: {project.title}.\n\n'
             f"Write the bodies below, one milestone at a time, then check them:\n\n"
             f"    python -m learn check {project.key}\n"
             f"    python -m learn hint {project.key}.1\n"
             f"    python -m learn run {project.key} -- [the script's options]\n\n"
             "A function that still raises NotImplementedError falls back to the reference, so the\n"
             'project always runs. Keep each signature as it is: the checks call it that way.\n"""\n\n',
             header(project, funcs)]
    for ref in spec.milestones(project):
        mine = [f for f in ref.functions if f in funcs]
        if not mine:
            continue
        title = textwrap.fill(f"{ref.id}: {ref.text}", 96, initial_indent="# ", subsequent_indent="#   ")
        parts.append(f"\n\n# {'-' * 96}\n{title}\n")
        for f in mine:
            funcs.remove(f)
            note = f"# becomes {f.qualname} (a method: self is the object)\n" if f.is_method else ""
            body = reference_source(f) if written is None or f.name in written else stub_source(f)
            parts.append(f"\n\n{note}{body}")
    return "".join(parts).rstrip() + "\n"


# ----------------------------------------------------------------------------- the learner's side
def _is_stub(node: ast.FunctionDef) -> bool:
    body = list(node.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    exc = body[0].exc
    target = exc.func if isinstance(exc, ast.Call) else exc
    return isinstance(target, ast.Name) and target.id == "NotImplementedError"


def read_source(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise LearnError(f"{display(path)} is not UTF-8 text") from None
    except OSError as exc:
        raise LearnError(f"cannot read {display(path)}: {exc.strerror}") from None


def parse(path: Path) -> ast.Module:
    source = read_source(path)
    try:
        return ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        raise LearnError(f"{display(path)} line {exc.lineno}: {exc.msg} (fix it, then check again)") from None


def states(project: catalogue.Project) -> dict[str, str]:
    """Each learner function's state: "written", "stub" (not written yet) or "missing" (not in the file)."""
    names = {f.name: "missing" for f in spec.functions(project)}
    path = path_for(project)
    if not path.is_file():
        return names
    for node in parse(path).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in names:
            names[node.name] = "stub" if _is_stub(node) else "written"
    return names


def load(project: catalogue.Project) -> types.ModuleType:
    """Run the workspace file as a module (its own namespace) and return it."""
    path = path_for(project)
    source = read_source(path)
    parse(path)
    module = types.ModuleType(f"workspace_{project.key}")
    module.__file__ = str(path)
    try:
        exec(compile(source, str(path), "exec"), module.__dict__)  # noqa: S102 - the learner's own code
    except Exception as exc:
        raise LearnError(f"{display(path)} failed when loaded: {type(exc).__name__}: {exc}") from None
    return module


def signature_problem(func: LearnerFunction, candidate) -> str | None:
    """Why ``candidate`` cannot stand in for the reference (None when it can)."""
    if not callable(candidate):
        return f"{func.name} in the workspace is not a function"
    ref = inspect.signature(reference(func))
    try:
        mine = inspect.signature(candidate)
    except (TypeError, ValueError):
        return None

    def shape(sig):
        return [(p.name, p.kind, p.default is inspect.Parameter.empty) for p in sig.parameters.values()]

    if shape(mine) != shape(ref):
        return f"{func.name}{mine} must take the same arguments as the reference: {func.name}{ref}"
    return None
