"""ctrl+q while the autosave writes (issue 15.2): the quit waits for that save and quits when
it succeeded. It used to say "Not saved: fix the problem…" and stay open, because the second
save found nothing left to write and that read as a failure."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tui.store import Workspace, WorkspaceStorage

REC = "UPR:A/HRC/59/15:140.1"


def messages(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


@pytest.fixture
def slow_disk(monkeypatch: pytest.MonkeyPatch):
    """Writes wait until ``release`` is set (by a timer thread: the UI may be blocked)."""
    entered, release = threading.Event(), threading.Event()
    real = WorkspaceStorage.write_chunks

    def write_chunks(self, chunks, *, target=None):
        entered.set()
        release.wait(10)
        return real(self, chunks, target=target)

    monkeypatch.setattr(WorkspaceStorage, "write_chunks", write_chunks)
    return entered, release


async def test_quit_while_the_autosave_writes_waits_and_quits(
    make_app, slow_disk, tmp_path: Path
) -> None:
    entered, release = slow_disk
    path = tmp_path / "team.json"
    release.set()
    Workspace.open(path, author="ana").close()  # an existing file: only edits make it dirty
    release.clear()
    entered.clear()
    app = make_app(path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.workspace.edit("recommendations", REC, {"text": "Ratify", "country": "SVN"})
        app.save_in_background()  # the autosave, now writing
        for _ in range(100):  # the worker starts from the event loop: never block it here
            await pilot.pause(0.02)
            if entered.is_set():
                break
        assert entered.is_set()
        threading.Timer(0.5, release.set).start()
        await pilot.press("ctrl+q")
        for _ in range(100):
            await pilot.pause(0.05)
            if app.return_value is not None:
                break
        assert not any("Not saved" in m for m in messages(app)), messages(app)
        assert app.return_value == 0
    assert Workspace.open(path, author="bob", read_only=True).get("recommendations", REC)


async def test_quit_after_a_failed_save_says_so_and_quits_on_the_second_press(
    make_app, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def full(self, chunks, *, target=None):
        raise OSError(28, "No space left on device")

    path = tmp_path / "team.json"
    Workspace.open(path, author="ana").close()
    app = make_app(path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        monkeypatch.setattr(WorkspaceStorage, "write_chunks", full)
        app.workspace.edit("recommendations", REC, {"text": "Ratify", "country": "SVN"})
        await pilot.press("ctrl+q")
        for _ in range(40):
            await pilot.pause(0.05)
            if any("Not saved" in m for m in messages(app)):
                break
        assert any("Not saved" in m for m in messages(app)) and app.return_value is None
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.return_value == 1
