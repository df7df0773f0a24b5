"""A folder that turns read-only mid-session (issue 15.8): the app offers to save elsewhere,
and the work goes on in the new file (its lock taken, the old one released)."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from tui.store import SaveError, Workspace, WorkspaceStorage, lock_path

REC = "UPR:A/HRC/59/15:140.1"


class Folder:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.read_only = False

    def turn_read_only(self) -> None:
        self.read_only = True


@pytest.fixture
def folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Folder:
    """tmp_path/team as if it had turned read-only (tests may run as root, so chmod is not
    enough): every write into it fails with EACCES."""
    folder = Folder(tmp_path / "team")
    folder.path.mkdir()
    real = WorkspaceStorage.write_chunks

    def write_chunks(self, chunks, *, target=None):
        if folder.read_only and self.path.parent == folder.path:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(self, chunks, target=target)

    monkeypatch.setattr(WorkspaceStorage, "write_chunks", write_chunks)
    return folder


def test_save_as_moves_the_work_and_the_lock(folder: Folder, tmp_path: Path) -> None:
    ws = Workspace.open(folder.path / "team.json", author="ana")
    ws.edit("recommendations", REC, {"text": "Ratify", "country": "SVN"})
    ws.save()
    folder.turn_read_only()
    ws.edit("recommendations", REC, {"priority": "high"})
    with pytest.raises(SaveError, match="no permission to write in that folder"):
        ws.save()
    elsewhere = tmp_path / "home" / "team.json"
    elsewhere.parent.mkdir()
    with pytest.raises(Exception, match="exists already"):
        ws.save_as(folder.path / "team.json")
    assert ws.save_as(elsewhere) == elsewhere
    assert ws.path == elsewhere and lock_path(elsewhere).exists()
    assert not lock_path(folder.path / "team.json").exists()
    ws.edit("recommendations", REC, {"note": "later"})
    ws.close()
    reopened = Workspace.open(elsewhere, author="bob", read_only=True)
    record = reopened.get("recommendations", REC)
    assert record is not None and (record["priority"], record["note"]) == ("high", "later")


async def test_the_app_offers_to_save_elsewhere(make_app, folder: Folder, tmp_path: Path) -> None:
    from screens.pickers import TextPrompt

    path = folder.path / "team.json"
    app = make_app(path=path)
    elsewhere = tmp_path / "saved.json"
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        folder.turn_read_only()
        app.workspace.edit("recommendations", REC, {"text": "Ratify", "country": "SVN"})
        app.action_save_now()
        for _ in range(50):
            await pilot.pause(0.05)
            if isinstance(app.screen, TextPrompt):
                break
        assert isinstance(app.screen, TextPrompt), app.screen
        box = app.screen.query_one("#prompt-input")
        box.value = str(elsewhere)
        await pilot.press("enter")
        for _ in range(50):
            await pilot.pause(0.05)
            if elsewhere.exists():
                break
        await app.workers.wait_for_complete()
        assert app.workspace.path == elsewhere
    reopened = Workspace.open(elsewhere, author="bob", read_only=True)
    assert reopened.get("recommendations", REC) is not None
