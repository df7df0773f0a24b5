"""The layering holds: the core (tui/) never imports Textual; screens never touch TinyDB."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def modules(package: str) -> list[str]:
    root = REPO / package
    out = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(REPO).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out.append(".".join(parts))
    return out


def imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_every_core_module_imports_without_textual() -> None:
    core = modules("tui")
    assert "tui.store" in core and "tui.importers" in core
    # A finder that refuses textual: importing any core module must not need it.
    script = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'textual' or name.startswith('textual.'):\n"
        "            raise ImportError('textual is blocked in the core')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import importlib\n"
        f"for name in {core!r}:\n"
        "    importlib.import_module(name)\n"
        "assert not any(m == 'textual' or m.startswith('textual.') for m in sys.modules)\n"
        "print('ok', len(%r))\n" % (core,)
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("ok")


def test_no_core_source_mentions_textual_imports() -> None:
    offenders = [
        str(path.relative_to(REPO))
        for path in (REPO / "tui").rglob("*.py")
        if any(n == "textual" or n.startswith("textual.") for n in imported_names(path))
    ]
    assert offenders == []


def test_screens_never_import_tinydb() -> None:
    offenders = [
        str(path.relative_to(REPO))
        for path in (REPO / "screens").rglob("*.py")
        if any(n == "tinydb" or n.startswith("tinydb.") for n in imported_names(path))
    ]
    assert offenders == []


def test_every_screen_module_keeps_styles_in_tcss() -> None:
    """Screens put styles in .tcss files next to the code; a CSS_PATH must exist."""
    missing = []
    for path in (REPO / "screens").rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "CSS_PATH" for t in node.targets)
                and isinstance(node.value, ast.Constant)
            ):
                if not (path.parent / node.value.value).exists():
                    missing.append(f"{path.name}: {node.value.value}")
    assert missing == []


def import_graph() -> dict[str, set[str]]:
    """Module -> modules of this repository it imports, function-local imports included."""
    known = {m for package in ("tui", "screens", "upr") for m in modules(package)}

    def owner(name: str) -> str:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name

    graph: dict[str, set[str]] = {}
    for package in ("tui", "screens", "upr"):
        for path in sorted((REPO / package).rglob("*.py")):
            rel = path.relative_to(REPO).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            name = ".".join(parts)
            targets: set[str] = set()
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if isinstance(node, ast.Import):
                    targets.update(owner(a.name) for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    targets.add(owner(node.module))
                    targets.update(owner(f"{node.module}.{a.name}") for a in node.names)
            graph[name] = {t for t in targets if t and t != name and t not in ("tui", "screens")}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles_between_modules() -> None:
    """Not even through an import inside a function: each module has one place in the layers."""
    graph = import_graph()
    assert "tui.store.workspace" in graph and "screens.app" in graph
    assert cycles(graph) == []


def test_no_core_module_imports_the_screens_or_the_entry_point() -> None:
    graph = import_graph()
    offenders = {
        m: sorted(t for t in targets if t.split(".")[0] in ("screens", "upr"))
        for m, targets in graph.items()
        if m.startswith("tui")
    }
    assert {m: t for m, t in offenders.items() if t} == {}
