"""The layout holds: no import circle in hvaudit/, and the capture format is defined once."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Set

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "hvaudit"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, modules: Set[str]) -> Set[str]:
    """Every hvaudit module `path` imports, at any depth of the file (functions and
    TYPE_CHECKING blocks included: a circle there is still a circle in the design)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: Set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(target + "." + alias.name for alias in node.names)
    return {m for m in found if m in modules and m != name}


def import_graph() -> Dict[str, Set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: imports_of(path, set(files)) for name, path in files.items()}


def cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    found: List[List[str]] = []
    state: Dict[str, int] = {}
    stack: List[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


@pytest.mark.slow
def test_the_import_graph_of_hvaudit_has_no_circle() -> None:
    graph = import_graph()
    # A package's __init__ that imports its own submodule (lazily, to choose one) is not a
    # circle of design: the submodule depends on the package, not the other way round.
    for name in graph:
        graph[name] = {m for m in graph[name] if not m.startswith(name + ".")}
    assert graph["hvaudit.sources.live"] >= {"hvaudit.sources.cpuid"}  # the walk sees real edges
    assert cycles(graph) == []


def test_the_walk_finds_a_circle_when_there_is_one() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_the_capture_format_is_named_in_one_module() -> None:
    naming = sorted(str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
                    if "hvaudit-capture/" in p.read_text(encoding="utf-8"))
    assert naming == ["hvaudit/sources/capture.py"]


def test_a_probe_module_leans_on_no_other_probe_module() -> None:
    """Each system's probes stand alone: what they share lives in the probes package itself
    (hvaudit/probes/__init__.py) or in the layers below, so that an audit of one system
    imports nothing of another's."""
    graph = import_graph()
    for name, imported in graph.items():
        if name.startswith("hvaudit.probes."):
            others = {m for m in imported if m.startswith("hvaudit.probes.")}
            assert not others, (name, others)
