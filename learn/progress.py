"""``workspace/progress.json``: which milestones the learner's code has passed, and hints seen.

A pass is stored with a fingerprint of the learner's functions for that milestone, so a
milestone stays ticked only while that code is unchanged. Written atomically: an interrupted
write never leaves a broken file, and a damaged file is set aside, not trusted.
"""

from __future__ import annotations

import ast
import hashlib
import json
import time

from common import cli
from learn import spec, workspace


def path():
    return workspace.root() / "progress.json"


def load() -> dict:
    p = path()
    if not p.is_file():
        return {"passed": {}, "hints": {}}
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("passed"), dict) \
            or not isinstance(data.get("hints", {}), dict):
        p.replace(p.with_suffix(".json.damaged"))
        return {"passed": {}, "hints": {}}
    data.setdefault("hints", {})
    return data


def save(data: dict) -> None:
    workspace.root().mkdir(parents=True, exist_ok=True)
    cli.save_text(path(), json.dumps(data, indent=2, sort_keys=True) + "\n")


def fingerprint(ref: spec.MilestoneRef) -> str:
    """A hash of the learner's source for the milestone's functions."""
    file = workspace.path_for(ref.project)
    if not file.is_file():
        return ""
    source = workspace.read_source(file)
    tree = workspace.parse(file)
    wanted = {f.name for f in ref.functions}
    parts = [ast.get_source_segment(source, node) or "" for node in tree.body
             if isinstance(node, ast.FunctionDef) and node.name in wanted]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def record_pass(data: dict, ref: spec.MilestoneRef) -> None:
    data["passed"][ref.id] = {"fingerprint": fingerprint(ref), "when": time.strftime("%Y-%m-%d %H:%M")}


def forget(data: dict, ref: spec.MilestoneRef) -> None:
    data["passed"].pop(ref.id, None)


def is_passed(data: dict, ref: spec.MilestoneRef) -> bool:
    entry = data["passed"].get(ref.id)
    return isinstance(entry, dict) and entry.get("fingerprint") == fingerprint(ref) != ""
