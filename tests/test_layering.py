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
