"""The repository's layout holds: one minigrad, no import cycles, and imports that follow the curriculum.

The import graph is read from the source (every ``import`` statement, at any depth, of a module
that lives in this repository), not from what happens to be loaded, so a lazy import inside a
function counts too.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("common", "minigrad", "tools", "learn", "bench", "phase1_linalg", "phase2_calculus",
            "phase3_probability", "phase4_ml", "phase5_capstone", "final_gpt", "tests")
# the curriculum's order: a project may build on the ones before it, never on a later one
CURRICULUM = ("phase1_linalg", "phase2_calculus", "phase3_probability", "phase4_ml", "minigrad",
              "phase5_capstone", "final_gpt")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def repo_modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The repository modules that ``name`` (at ``path``) imports."""
    is_package = path.name == "__init__.py"
    here = name.split(".") if is_package else name.split(".")[:-1]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = here[:len(here) - node.level + 1] if node.level else []
            stem = ".".join(base + ([node.module] if node.module else []))
            candidates = [f"{stem}.{alias.name}" if f"{stem}.{alias.name}" in modules else stem
                          for alias in node.names]
        else:
            continue
        for candidate in candidates:
            while candidate and candidate not in modules:   # a name inside a module: the module itself
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != name:
                targets.add(candidate)
    return targets


def import_graph() -> dict[str, set[str]]:
    modules = repo_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_relative_and_lazy_imports():
    graph = import_graph()
    assert "minigrad.random" in graph["minigrad.threads"]          # from .random import ...
    assert "minigrad.tensor" in graph["minigrad.functional"]
    assert "minigrad" in graph["final_gpt.model"]                   # import minigrad as mg


def test_no_import_cycle_anywhere():
    assert cycles(import_graph()) == []


def test_imports_follow_the_curriculum():
    """Projects build only on earlier projects; common/ and minigrad/ import no project, no machinery."""
    graph = import_graph()
    rank = {top: i for i, top in enumerate(CURRICULUM)}
    wrong = []
    for name, targets in graph.items():
        top = name.split(".")[0]
        for target in targets:
            other = target.split(".")[0]
            if other == top:
                continue
            if top == "common" and other != "common":
                wrong.append((name, target))
            elif top == "minigrad" and other != "minigrad":
                wrong.append((name, target))
            elif top in rank and other in ("tools", "bench", "tests", "learn"):
                if not name.endswith(".catalogue"):
                    wrong.append((name, target))
            elif top in rank and other in rank and rank[other] > rank[top]:
                wrong.append((name, target))
    assert not wrong, wrong


def test_minigrad_is_one_module_object():
    """Importing minigrad and the projects built on it leaves exactly one minigrad in sys.modules."""
    code = ("import sys, minigrad, phase5_capstone, phase5_capstone.train_mnist, final_gpt.model\n"
            "names = sorted(n for n, m in sys.modules.items() if n.split('.')[-1] == 'minigrad'"
            " or getattr(m, '__file__', '') == minigrad.__file__)\n"
            "import final_gpt.model as fm\n"
            "print(names, fm.mg is minigrad, minigrad.Tensor is sys.modules['minigrad'].Tensor)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['minigrad'] True True", out
    assert not (REPO / "phase5_capstone" / "minigrad").exists()
