"""The real ``upr`` command in a pseudo-terminal at 80x24: what a person sees."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from ptyterm import PtyApp

UPR = shutil.which("upr", path=str(Path(sys.executable).parent)) or "upr"


@pytest.mark.slow
def test_upr_in_a_terminal_filter_open_quit_reopen(tmp_path: Path) -> None:
    workspace = tmp_path / "team.json"
    app = PtyApp([UPR, str(workspace), "--today", "2026-11-25"], cwd=str(tmp_path))
    try:
        assert app.wait_for("193 of 193 States"), app.text()
        app.settle()
        app.send("lithu")
        assert app.wait_for("1 of 193 States"), app.text()
        assert "Lithuania" in app.text() and "S54 Jan 2027" in app.text()
        app.send("\r")
        assert app.wait_for("in 61 days"), app.text()
        app.send("\x11")  # ctrl+q
        assert app.wait(10) == 0
    finally:
        app.close()
    assert workspace.exists(), "a new workspace is written on quit"
    assert not Path(str(workspace) + ".lock").exists(), "the lock is released on quit"
    again = PtyApp([UPR, str(workspace), "--today", "2026-11-25"], cwd=str(tmp_path))
    try:
        assert again.wait_for("193 of 193 States"), again.text()
        again.settle()
        # The country last opened is remembered in the user's config, not in the shared file.
        assert "Lithuania" in again.text()
        again.send("\x11")
        assert again.wait(10) == 0
    finally:
        again.close()


@pytest.mark.slow
def test_upr_refuses_a_bad_file_with_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    content = b'{"recommendations": {"x": {"id": "x", "priority": "urgent"}}}'
    bad.write_bytes(content)
    app = PtyApp([UPR, str(bad)], cwd=str(tmp_path))
    try:
        status = app.wait(15)
    finally:
        app.close()
    assert status == 2
    text = app.text().strip()
    assert "recommendations/x" in text and "priority" in text
    assert bad.read_bytes() == content
