"""The house reads as the flow: no import circle among launcher's modules, and no import from a
lower stage of the flow to a higher one (content → plan → launch; the whole-content checks and
the preview sit above planning, the feeds and CAP beside launching). Imports are read with
``ast``, nothing is imported; imports inside functions count (they run too), imports under
``if TYPE_CHECKING:`` do not."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "launcher"

#: the stages of the flow, lowest first; a module may import its own stage or lower ones
STAGES = {
    "content": 0,
    "plan": 1,
    "checks": 2,
    "preview": 2,
    "launch": 2,
    "archive": 2,
    "sunset": 2,
    "feeds": 2,
    "cap": 2,
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def imports(module: str) -> set[str]:
    """The launcher modules ``module`` imports (a name taken from a package counts as the
    package, a submodule taken from it as the submodule)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in MODULES)
            continue
        if node.level:
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        if not target.startswith("launcher"):
            continue
        for alias in node.names:
            sub = f"{target}.{alias.name}"
            out.add(sub if sub in MODULES else target)
    out.discard(module)
    return {m for m in out if m in MODULES}


GRAPH = {m: imports(m) for m in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def _stage(module: str) -> int | None:
    parts = module.split(".")
    return STAGES.get(parts[1]) if len(parts) > 1 else None


def test_the_stage_packages_import() -> None:
    import launcher.checks
    import launcher.content
    import launcher.launch
    import launcher.plan
    import launcher.preview

    for package in (launcher.content, launcher.plan, launcher.launch, launcher.checks):
        assert package.__doc__ and "flow" in package.__doc__  # each says where it sits


def test_the_reader_sees_the_imports_it_should() -> None:
    """The walk itself can fail: known edges are found, a TYPE_CHECKING import is not one."""
    assert "launcher.plan.build" in GRAPH["launcher.launch.lifecycle"] or any(
        m.startswith("launcher.plan") for m in GRAPH["launcher.launch.lifecycle"]
    )
    assert "launcher.content.render" in GRAPH["launcher.plan.build"]
    assert "launcher.ledger.store" in GRAPH["launcher.ledger"]
    # ledger/delivery imports sqlalchemy's Engine only under TYPE_CHECKING: no such edge
    assert all(m.startswith("launcher.") for m in GRAPH["launcher.ledger.delivery"])
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]


def test_no_import_circle_among_launchers_modules() -> None:
    assert _cycles(GRAPH) == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _stage(m) is not None))
def test_no_import_runs_up_the_flow(module: str) -> None:
    mine = _stage(module)
    assert mine is not None
    upward = sorted(
        m
        for m in GRAPH[module]
        if (_stage(m) or -1) > mine and m.split(".")[1] != module.split(".")[1]
    )
    assert upward == [], f"{module} imports a later stage of the flow: {upward}"
