"""Merging in the app: M (merge a file), the review screen (C), sync-tool copies, a replaced file."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from helpers import screen_text
from textual import events

from screens.merge import MergePreviewScreen, MergePromptScreen, MergeReviewScreen
from tui.clock import clock_key
from tui.merge import clock_author, load_copy
from tui.store import Workspace

RECS = "recommendations"
R1 = "UPR:A/HRC/59/15:140.1"
R2 = "UPR:A/HRC/59/15:140.2"


def base(ws: Workspace) -> None:
    ws.edit(RECS, R1, {"text": "Ratify the Convention", "country": "SVN", "paragraph": "140.1"})
    ws.edit(RECS, R2, {"text": "Adopt a plan", "country": "SVN", "paragraph": "140.2"})
    ws.save()


def colleague_copy(path: Path, target: Path, author: str = "bob", **values: object) -> Path:
    """A colleague's copy: the shared start, then their own edits (later clocks)."""
    shutil.copy(path, target)
    ws = Workspace.open(target, author=author, lock=False)
    ws.edit(RECS, R1, dict(values) or {"status": "in_progress"})
    ws.edit(RECS, "UPR:A/HRC/59/15:140.3", {"text": "New at bob", "country": "SVN"})
    ws.save()
    ws.close(save=False)
    return target


async def settle(app, pilot, rounds: int = 6) -> None:
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def confirm(app, pilot) -> None:
    """The merge preview is up (M writes nothing before it): y merges."""
    await settle(app, pilot)
    assert isinstance(app.screen, MergePreviewScreen), type(app.screen)
    await pilot.press("y")
    await settle(app, pilot)


async def test_merge_a_file_typed_into_the_prompt(make_app, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app(setup=base)
    other = colleague_copy(app.workspace.path, tmp_path / "bob.json", status="in_progress")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("tab", "M")
        await pilot.pause()
        assert isinstance(app.screen, MergePromptScreen)
        assert "Merge a file into ws.json" in screen_text(app)
        await pilot.press(*"bob.json", "enter")
        await confirm(app, pilot)
        ws = app.workspace
        assert ws.get(RECS, R1)["status"] == "in_progress"
        assert ws.get(RECS, "UPR:A/HRC/59/15:140.3") is not None
        assert not isinstance(app.screen, MergeReviewScreen)  # no conflict: no review
        assert other.exists()  # a typed file is left as it is
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert load_copy(app.workspace.path)[RECS][R1]["status"] == "in_progress"


async def test_conflicts_open_the_review_and_taking_the_other_value_is_an_edit(
    make_app, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)

    def setup(ws: Workspace) -> None:
        base(ws)
        ws.edit(RECS, R1, {"note": "mine"})

    app = make_app(setup=setup)
    shutil.copy(app.workspace.path, tmp_path / "start.json")
    ws_start = Workspace.open(tmp_path / "start.json", author="bob", lock=False)
    ws_start.edit(RECS, R1, {"note": "my colleague's"})  # bob edits the same field, later
    ws_start.save()
    ws_start.close(save=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("tab", "M")
        await pilot.press(*"start.json", "enter")
        await confirm(app, pilot)
        assert isinstance(app.screen, MergeReviewScreen)
        text = screen_text(app)
        assert "Merge conflicts: 1 open" in text
        assert "my colleague's" in text and "mine" in text and "bob" in text
        assert app.workspace.get(RECS, R1)["note"] == "my colleague's"  # the later edit was kept
        await pilot.press("o")
        await pilot.pause()
        assert app.workspace.get(RECS, R1)["note"] == "mine"
        assert "Merge conflicts: none open" in screen_text(app)
        [row] = app.workspace.table("conflicts").values()
        assert row["resolution"] == "took_other" and row["resolved"]
        # The choice is an edit with a new clock and a history row, so it travels.
        new_clock = app.workspace.get(RECS, R1)["_clock"]["note"]
        assert clock_author(new_clock) == "tester"
        assert clock_key(new_clock) > clock_key(row["winner_clock"])
        history = [
            h
            for h in app.workspace.table("history").values()
            if h["record"] == R1 and h["field"] == "note" and h["new"] == "mine"
        ]
        assert len(history) == 2  # my first edit, and taking it back after the merge
        await pilot.press("q")
        await pilot.pause()
        assert not isinstance(app.screen, MergeReviewScreen)


async def test_keeping_the_kept_value_closes_the_conflict_without_an_edit(
    make_app, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)

    def setup(ws: Workspace) -> None:
        base(ws)
        ws.edit(RECS, R1, {"priority": "high"})

    app = make_app(setup=setup)
    colleague_copy(app.workspace.path, tmp_path / "bob.json", priority="low")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("tab", "M", *"bob.json", "enter")
        await confirm(app, pilot)
        assert isinstance(app.screen, MergeReviewScreen)
        clock_before = app.workspace.get(RECS, R1)["_clock"]["priority"]
        await pilot.press("w")
        await pilot.pause()
        assert app.workspace.get(RECS, R1)["priority"] == "low"
        assert app.workspace.get(RECS, R1)["_clock"]["priority"] == clock_before
        assert [r["resolution"] for r in app.workspace.table("conflicts").values()] == ["kept"]


async def test_sync_conflict_copies_are_offered_at_start_and_marked_merged(
    make_app, tmp_path: Path
) -> None:
    path = tmp_path / "ws.json"
    seed = Workspace.open(path, author="tester")
    base(seed)
    seed.close()
    copy = colleague_copy(
        path, tmp_path / "ws.sync-conflict-20261125-101500-ABCDEF7.json", status="implemented"
    )
    app = make_app(path=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, MergePromptScreen)
        text = screen_text(app)
        assert "other copy(ies) of ws.json found" in text
        assert "Syncthing copy, " in text
        await pilot.press("enter")
        await confirm(app, pilot)
        assert app.workspace.get(RECS, R1)["status"] == "implemented"
    assert not copy.exists()
    assert copy.with_name(copy.name + ".merged").exists()


async def test_a_file_replaced_under_the_app_is_merged_not_overwritten(
    make_app, tmp_path: Path
) -> None:
    app = make_app(setup=base)
    path = app.workspace.path
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        # A sync tool writes a colleague's version over the file (rename over it).
        replacement = colleague_copy(path, tmp_path / "incoming.json", status="implemented")
        os.replace(replacement, path)
        app.workspace.edit(RECS, R2, {"priority": "high"})  # my edit meanwhile
        app.post_message(events.AppFocus())  # back in the terminal: the app notices
        await pilot.pause()
        assert any("replaced by another program" in n.message for n in app._notifications)
        await settle(app, pilot)  # ... and merges the other program's file in by itself
        assert app.workspace.replaced is None
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        # The manual way still works when nothing is pending: M offers the other copies.
        await pilot.press("tab", "M")
        await pilot.pause()
        assert isinstance(app.screen, MergePromptScreen)
        await pilot.press("escape")
    on_disk = load_copy(path)[RECS]
    assert on_disk[R1]["status"] == "implemented" and on_disk[R2]["priority"] == "high"
    assert "UPR:A/HRC/59/15:140.3" in on_disk


async def test_keys_wait_while_merging(make_app, tmp_path: Path, monkeypatch) -> None:
    """While the merging box is up, app keys (undo, help, Due) do nothing: undo once edited
    the file under the merge, and help or Due once took the place of the box, which then
    stayed up for good (the end of the merge closed the screen on top instead)."""
    import threading

    import screens.merge as merge_screen
    from screens.merge import MergingScreen

    monkeypatch.chdir(tmp_path)
    app = make_app(setup=base)
    colleague_copy(app.workspace.path, tmp_path / "bob.json", status="in_progress")
    release = threading.Event()
    real_load = merge_screen.load_copy

    def slow_load(path, *rest):  # type: ignore[no-untyped-def]
        release.wait(10)
        return real_load(path, *rest)

    monkeypatch.setattr(merge_screen, "load_copy", slow_load)
    async with app.run_test(size=(100, 30)) as pilot:
        app.workspace.edit(RECS, R2, {"note": "mine"})
        await pilot.press("tab", "M")
        await pilot.pause()
        await pilot.press(*"bob.json", "enter")
        await pilot.pause()
        assert isinstance(app.screen, MergingScreen)
        await pilot.press("u", "question_mark", "D", "ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, MergingScreen)
        assert app.workspace.get(RECS, R2)["note"] == "mine"  # not undone under the merge
        release.set()
        await confirm(app, pilot)
        assert not any(isinstance(s, MergingScreen) for s in app.screen_stack)
        assert app.workspace.get(RECS, R1)["status"] == "in_progress"


async def test_the_review_shows_a_delete_against_an_edit_and_every_parallel_value(
    make_app, tmp_path: Path, monkeypatch
) -> None:
    """Issue 15 point 6: deleted here while bob triaged it; three values of one field."""
    monkeypatch.chdir(tmp_path)
    app = make_app(setup=base)
    path = app.workspace.path
    colleague_copy(path, tmp_path / "bob.json", priority="medium")
    chen = tmp_path / "chen.json"
    shutil.copy(path, chen)
    ws = Workspace.open(chen, author="chen", lock=False)
    ws.edit(RECS, R2, {"note": "chen was here"})  # chen edits 140.2, which I delete
    ws.edit(RECS, R1, {"priority": "low"})
    ws.save()
    ws.close(save=False)
    async with app.run_test(size=(100, 30)) as pilot:
        app.workspace.edit(RECS, R1, {"priority": "high"})
        app.workspace.edit(RECS, R2, {"deleted": True})
        for name in ("bob.json", "chen.json"):
            app.action_merge_file()  # whatever has focus (the keys engineer gives it F6)
            await pilot.pause()
            await pilot.press(*name, "enter")
            await confirm(app, pilot)
            if isinstance(app.screen, MergeReviewScreen):
                await pilot.press("q")
                await pilot.pause()
        app.action_review_conflicts()
        await pilot.pause()
        assert isinstance(app.screen, MergeReviewScreen)
        text = screen_text(app)
        assert "Merge conflicts: 3 open" in text
        assert "edited: note" in text  # 140.2: deleted here, edited by chen
        values = {app.screen._cells(cid)["other"] for cid in app.screen.rows}
        assert values >= {"medium", "low"}  # the two values my later "high" beat, both kept
        assert app.workspace.get(RECS, R1)["priority"] == "high"


async def test_m_shows_a_preview_and_writes_nothing_until_y(
    make_app, tmp_path: Path, monkeypatch
) -> None:
    """Issue 14 point 3: records new, fields taken, conflicts; n leaves everything as it was."""
    monkeypatch.chdir(tmp_path)

    def setup(ws: Workspace) -> None:
        base(ws)
        ws.edit(RECS, R2, {"note": "mine"})

    app = make_app(setup=setup)
    path = app.workspace.path
    shutil.copy(path, tmp_path / "bob.json")
    bob = Workspace.open(tmp_path / "bob.json", author="bob", lock=False)
    bob.edit(RECS, R1, {"status": "in_progress", "priority": "high"})
    bob.edit(RECS, R2, {"note": "bob's"})
    bob.edit(RECS, "UPR:A/HRC/59/15:140.3", {"text": "New at bob", "country": "SVN"})
    bob.save()
    bob.close(save=False)
    app.workspace.save()
    on_disk = path.read_bytes()
    async with app.run_test(size=(100, 30)) as pilot:
        before = {k: dict(v) for k, v in app.workspace.snapshot_tables().items()}
        app.action_merge_file()
        await pilot.pause()
        await pilot.press(*"bob.json", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, MergePreviewScreen)
        text = screen_text(app)
        assert "Merge bob.json into ws.json?" in text
        assert "Records new: 1 (1 recommendations)" in text
        assert "Fields taken from it: 3 (1 note, 1 priority, 1 status)" in text
        assert "Conflicts: 1 (note of 140.2): the later edit is kept" in text
        assert "Nothing is written until y" in text
        await pilot.press("u")  # app keys wait while the preview is up
        await pilot.press("n")
        await settle(app, pilot)
        assert not isinstance(app.screen, MergePreviewScreen)
        assert {k: dict(v) for k, v in app.workspace.snapshot_tables().items()} == before
        assert not app.workspace.dirty and path.read_bytes() == on_disk
        assert "Not merged: bob.json; nothing was written." in [
            n.message for n in app._notifications
        ]
        app.action_merge_file()
        await pilot.pause()
        await pilot.press(*"bob.json", "enter")
        await confirm(app, pilot)
        assert app.workspace.get(RECS, R1)["status"] == "in_progress"
        assert isinstance(app.screen, MergeReviewScreen)
