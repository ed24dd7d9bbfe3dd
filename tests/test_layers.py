"""Imports go downward only: a package may import from its own layer's packages or from lower
layers, never from a higher one, and no modules import each other in a cycle. Lazy imports inside
functions count as much as those at the top; `if TYPE_CHECKING:` blocks do not run and do not count."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "catalint"

# Top to bottom. A name is a module or package directly under catalint/, or, for the packages
# that span layers (SPLIT), one of their modules.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"cli"}),
    frozenset({"sync"}),
    frozenset({"ci"}),
    frozenset({"report"}),
    frozenset({"lint.run", "lint.cache", "lint.fold", "lint.workers", "lint.memo", "lint.memo_record", "lint", "backstage.lookup", "backstage.catalog"}),
    frozenset({"sources"}),
    frozenset({"lint.file", "config"}),
    frozenset({"rules", "resolve", "style"}),
    frozenset({"bitbucket", "yaml", "schemas", "backstage.formats", "backstage.refs", "backstage"}),
    frozenset({"facts", "model", "atomic", "redact", "words", "__init__"}),
)
SPLIT = frozenset({"lint", "backstage"})
LEVEL = {name: level for level, names in enumerate(LAYERS) for name in names}


def _module(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 2 and parts[1] in SPLIT:
        return f"{parts[1]}.{parts[2]}"
    return parts[1] if len(parts) > 1 else "__init__"


def _runtime_imports(tree: ast.Module) -> list[tuple[int, str]]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("catalint"):
            if node.module == "catalint":  # `from catalint import style`: the submodules named
                found.extend((node.lineno, f"catalint.{alias.name}") for alias in node.names)
            else:
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, a.name) for a in node.names if a.name.startswith("catalint"))
    return found


def _graph() -> dict[str, list[tuple[int, str]]]:
    return {_module(p): _runtime_imports(ast.parse(p.read_text(encoding="utf-8"))) for p in SRC.rglob("*.py")}


def test_every_package_has_a_layer() -> None:
    tops = {_top(module) for module in _graph()}
    assert tops <= set(LEVEL), f"give these a layer in LAYERS: {sorted(tops - set(LEVEL))}"


def test_no_upward_import() -> None:
    upward = []
    for module, imports in _graph().items():
        here = LEVEL[_top(module)]
        for line, target in imports:
            there = LEVEL.get(_top(target))
            if there is not None and there < here:
                upward.append(f"{module}:{line} imports {target}")
    assert upward == []


def test_no_import_cycle() -> None:
    graph = _graph()
    edges = {m: {t for _, t in imports if t in graph and t != m} for m, imports in graph.items()}
    # A package's __init__ is imported on the way to any of its modules; it is no edge back.
    for module in edges:
        edges[module] = {t for t in edges[module] if not module.startswith(t + ".")}
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    assert cycles == []
