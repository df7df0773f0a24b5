"""Undo and redo on screens (issue 14 point 3): each says what it did in one line, and on the
conflicts screen it reverses the last decision and lists the conflict again."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import screen_text
from test_merge_screen import R1, R2, RECS, base, confirm, settle
from test_triage_screen import open_screen, record, setup_svn

from screens.merge import MergeReviewScreen
from screens.queue import QueueScreen
from tui.store import Workspace


async def test_undo_and_redo_in_the_list_say_what_they_did(make_app) -> None:
    app = make_app(setup=setup_svn())
    async with app.run_test(size=(100, 24)) as pilot:
        await open_screen(app, pilot)
        await pilot.press("1")
        assert record(app, 1)["priority"] == "high"
        await pilot.press("u")
        await pilot.pause()
        assert record(app, 1)["priority"] == "none"
        assert "Undid: priority of 140.1 high → —; triaged of 140.1 yes → no" in screen_text(app)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "Redid: priority of 140.1 — → high" in screen_text(app)
        await pilot.press("2")  # the next decision brings the key hints back
        await pilot.pause()
        assert "Redid:" not in screen_text(app) and "? all keys" in screen_text(app)


async def test_undo_in_the_queue_says_what_it_did(make_app) -> None:
    app = make_app(setup=setup_svn())
    async with app.run_test(size=(100, 24)) as pilot:
        await open_screen(app, pilot)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("3", "u")
        await pilot.pause()
        assert "Undid: priority of 140.1 low → —" in screen_text(app)


async def test_undo_elsewhere_names_the_record_and_the_values(make_app, tmp_path: Path) -> None:
    app = make_app(setup=base)
    async with app.run_test(size=(120, 30)) as pilot:
        app.workspace.edit(RECS, R1, {"priority": "high"})
        app.action_undo()  # on the country list (u there is typed into the filter box)
        await pilot.pause()
        assert [n.message for n in app._notifications][-1] == "Undid: priority of 140.1 high → —"
        app.action_undo()
        app.action_undo()
        app.action_undo()
        await pilot.pause()
        assert [n.message for n in app._notifications][-1] == "Nothing to undo."


async def test_o_then_w_then_u_on_the_conflicts_screen_reopens_the_second(
    make_app, tmp_path: Path, monkeypatch
) -> None:
    """Seen: `o` on one conflict, `w` on another, then `u` reverted the *first* record and no
    conflict reopened."""
    monkeypatch.chdir(tmp_path)

    def setup(ws: Workspace) -> None:
        base(ws)
        ws.edit(RECS, R1, {"priority": "high"})
        ws.edit(RECS, R2, {"note": "mine"})

    app = make_app(setup=setup)
    shutil.copy(app.workspace.path, tmp_path / "bob.json")
    bob = Workspace.open(tmp_path / "bob.json", author="bob", lock=False)
    bob.edit(RECS, R1, {"priority": "low"})
    bob.edit(RECS, R2, {"note": "bob's"})
    bob.save()
    bob.close(save=False)
    async with app.run_test(size=(120, 30)) as pilot:
        app.action_merge_file()
        await pilot.pause()
        await pilot.press(*"bob.json", "enter")
        await confirm(app, pilot)
        assert isinstance(app.screen, MergeReviewScreen)
        assert "Merge conflicts: 2 open" in screen_text(app)
        await pilot.press("o")  # 140.1: take my "high" back
        await pilot.pause()
        await pilot.press("w")  # 140.2: keep bob's note
        await pilot.pause()
        assert "Merge conflicts: none open" in screen_text(app)
        await pilot.press("u")
        await settle(app, pilot)
        assert app.workspace.get(RECS, R1)["priority"] == "high"  # the first decision stands
        assert "Merge conflicts: 1 open" in screen_text(app)
        assert "bob's" in screen_text(app)
        messages = [n.message for n in app._notifications]
        assert messages[-1] == "Undid: conflict on note of 140.2 reopened"
        await pilot.press("u")
        await settle(app, pilot)
        assert app.workspace.get(RECS, R1)["priority"] == "low"
        assert "Merge conflicts: 2 open" in screen_text(app)


async def test_u_after_a_sync_tool_replaced_the_file_keeps_the_colleagues_value(
    make_app, tmp_path: Path
) -> None:
    """Issue 15 point 5, the automatic path: a file replaced by a sync tool is merged in (no
    preview: it must never be overwritten), and u does not cross that merge either."""
    import os

    from textual import events

    app = make_app(setup=base)
    path = app.workspace.path
    async with app.run_test(size=(120, 30)) as pilot:
        app.workspace.edit(RECS, R1, {"priority": "high"})  # mine
        await pilot.pause()
        shutil.copy(path, tmp_path / "incoming.json")
        bob = Workspace.open(tmp_path / "incoming.json", author="bob", lock=False)
        bob.edit(RECS, R1, {"priority": "low"})  # bob's, later
        bob.save()
        bob.close(save=False)
        os.replace(tmp_path / "incoming.json", path)
        app.post_message(events.AppFocus())
        await settle(app, pilot)
        assert app.workspace.get(RECS, R1)["priority"] == "low"
        app.action_undo()
        await pilot.pause()
        said = [n.message for n in app._notifications][-1]
        assert said == "Not undone: priority of 140.1: a merge changed it since, bob's value stays."
        assert app.workspace.get(RECS, R1)["priority"] == "low"
