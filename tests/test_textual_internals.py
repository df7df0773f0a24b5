"""screens/terminal.py owns every touch of Textual's internals and uses them only on the Textual
it was written for; on any other version the app runs on Textual's stock parts, and says so."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from screens import terminal

REPO = Path(__file__).resolve().parent.parent


def test_the_installed_textual_is_the_tested_one() -> None:
    # pyproject.toml pins textual==8.2.*, constraints.txt the exact version tested.
    assert terminal.textual_version() == terminal.TESTED_TEXTUAL
    assert terminal.internals_ok()
    assert terminal.fallback_notice() is None


@pytest.fixture
def other_textual(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(terminal, "textual_version", lambda: "9.0.0")
    terminal.input_driver_class.cache_clear()
    terminal.lean_driver_class.cache_clear()
    yield
    terminal.input_driver_class.cache_clear()
    terminal.lean_driver_class.cache_clear()


@pytest.mark.usefixtures("other_textual")
def test_another_textual_gets_its_stock_driver_and_output_and_one_line() -> None:
    assert terminal.input_driver_class() is None  # the app keeps Textual's own driver
    assert terminal.lean_driver_class() is None  # and Textual's own output
    notice = terminal.fallback_notice()
    assert notice is not None and "\n" not in notice
    assert "9.0.0" in notice and terminal.TESTED_TEXTUAL in notice


def test_no_other_module_touches_textual_internals() -> None:
    """Private modules (textual._x) and private handlers (_on_focus, _on_blur) only here."""
    offenders = []
    for path in sorted((REPO / "screens").rglob("*.py")):
        if path.name == "terminal.py":
            continue
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and "._" in node.module:
                offenders.append(f"{path.name}: import {node.module}")
            if isinstance(node, ast.Import):
                offenders += [f"{path.name}: import {a.name}" for a in node.names if "._" in a.name]
            if isinstance(node, ast.FunctionDef) and node.name in ("_on_focus", "_on_blur"):
                offenders.append(f"{path.name}: def {node.name}")
            if isinstance(node, ast.Attribute) and node.attr in ("_file", "_timeout_time"):
                offenders.append(f"{path.name}: .{node.attr}")
    assert offenders == []
