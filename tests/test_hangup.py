"""The ssh link drops (issue 15.1): SIGHUP, SIGTERM or the pty closing 0.1 s after an edit.

The real ``upr`` in a pseudo-terminal: the edit is on disk afterwards (the autosave waits 1 s,
so only the signal's save can have written it), the lock is gone, and after SIGTERM the
terminal is given back (alternate screen left, mouse reporting off).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
from pathlib import Path

import pytest
from hostile_files import RecordingPty

from tui.store import Workspace, lock_path

UPR = shutil.which("upr", path=str(Path(sys.executable).parent)) or "upr"
REC = "UPR:A/HRC/59/15:140.1"


def small_workspace(path: Path) -> Path:
    ws = Workspace.open(path, author="ana")
    ws.edit(
        "recommendations",
        REC,
        {
            "text": "Ratify the Optional Protocol",
            "country": "SVN",
            "mechanism": "UPR",
            "document": "A/HRC/59/15",
            "paragraph": "140.1",
            "cycle": 4,
            "position": "supported",
        },
    )
    ws.close()
    return path


def edit_then(path: Path, end) -> tuple[RecordingPty, int | None]:
    """Open Slovenia's one recommendation, press 1 (priority high), 0.1 s later ``end(app)``."""
    app = RecordingPty([UPR, str(path), "--today", "2026-11-25"], cwd=str(path.parent))
    try:
        assert app.wait_for("of 193 States", 30), app.text()
        app.settle()
        app.send("sloven")
        assert app.wait_for("1 of 193 States"), app.text()
        app.send("\r")
        assert app.wait_for("r recommendations"), app.text()
        app.send("r")
        assert app.wait_for("Ratify the Optional"), app.text()
        app.settle(0.2)
        assert lock_path(path).exists()
        app.send("1")
        app.read(0.1)
        end(app)
        status = app.wait(20)
    finally:
        app.close()
    return app, status


def priority(path: Path) -> str:
    return json.loads(path.read_text("utf-8"))["recommendations"][REC]["priority"]


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM])
def test_a_signal_right_after_an_edit_saves_it(tmp_path: Path, signum: int) -> None:
    path = small_workspace(tmp_path / "team.json")
    assert priority(path) == "none"
    app, status = edit_then(path, lambda app: app.kill(signum))
    assert status == 128 + signum, app.text()
    assert priority(path) == "high"
    assert not lock_path(path).exists()
    if signum == signal.SIGTERM:  # the terminal is still there: it is given back
        tail = bytes(app.raw)[-400:]
        assert b"\x1b[?1049l" in tail and b"\x1b[?1000l" in tail, tail


def test_the_pty_closing_right_after_an_edit_saves_it(tmp_path: Path) -> None:
    path = small_workspace(tmp_path / "team.json")

    def hang_up(app) -> None:
        os.close(app.fd)  # what a dropped ssh session does to the terminal
        app.fd = os.open(os.devnull, os.O_RDONLY)  # the helper's reads now see nothing

    app, status = edit_then(path, hang_up)
    assert status is not None, "the app must end when its terminal is gone"
    assert priority(path) == "high"
    assert not lock_path(path).exists()
