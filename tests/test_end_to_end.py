"""End to end, as a person would (issue 9.6): the real ``upr --demo`` in a pseudo-terminal.

Open the demo, go to Slovenia, open its recommendations, search, triage ten with ``1`` (each
moves on to the next undecided one), quit, reopen, and find the ten decisions there; and a run
whose plug is pulled (SIGKILL) half-way, after the autosave window: what was decided more than
2 seconds before the kill is in the file, and the file opens.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from ptyterm import PtyApp, open_slovenia

from tui.session import DEMO_FILE
from tui.store import Workspace, lock_path
from tui.triage import Filter, TriageIndex

UPR = shutil.which("upr", path=str(Path(sys.executable).parent)) or "upr"
REC = "recommendations"
WORD = "roma"  # 21 of Slovenia's 254 recommendations of 2025 name the Roma

pytestmark = pytest.mark.slow


def demo_path() -> Path:
    """Where ``upr --demo`` keeps its workspace: the user data folder (tmp, per test)."""
    data = Path(os.environ["UPR_DATA_DIR"])
    assert "pytest" in str(data) or "tmp" in str(data), data  # never the user's own
    return data / DEMO_FILE


def start_demo() -> PtyApp:
    data = demo_path().parent
    data.mkdir(parents=True, exist_ok=True)
    return PtyApp([UPR, "--demo", "--today", "2026-11-25"], cwd=str(data))


def read_decisions(path: Path) -> dict[str, dict[str, Any]]:
    """The workspace as saved, fully validated, without taking its lock."""
    ws = Workspace.open(path, author="checker", read_only=True, lock=False)
    return {rid: dict(r) for rid, r in ws.table(REC).items() if r["priority"] != "none"}


def to_slovenia(app: PtyApp) -> None:
    open_slovenia(app, first_wait=60)  # the first run builds the demo


def search(app: PtyApp, word: str) -> None:
    app.send("/")
    app.settle(0.3)
    app.send(word)
    app.settle(0.5)
    app.send("\r")  # back to the list, the search kept
    app.settle(0.5)


def triaged_count(app: PtyApp) -> int:
    m = re.search(r"(\d+) triaged", app.text().split("\n")[0])
    assert m, app.text()
    return int(m.group(1))


def press_one(app: PtyApp, times: int) -> None:
    """``1`` (priority high) ``times`` times, waiting for the counter to move each time."""
    for _ in range(times):
        before = triaged_count(app)
        app.send("1")
        end = time.monotonic() + 10
        while time.monotonic() < end and triaged_count(app) == before:
            app.read(0.05)
        assert triaged_count(app) == before + 1, app.text()


def test_demo_search_triage_ten_quit_reopen() -> None:
    app = start_demo()
    try:
        to_slovenia(app)
        search(app, WORD)
        shown = app.text()
        assert re.search(r"\b\d+ of 254\b|\bof 254\b|" + WORD, shown, re.I), shown
        press_one(app, 10)
        assert triaged_count(app) == 10
        app.send("\x11")  # ctrl+q saves and quits
        assert app.wait(15) == 0, app.text()
    finally:
        app.close()
    path = demo_path()
    assert not lock_path(path).exists()
    decided = read_decisions(path)
    assert len(decided) == 10, sorted(decided)
    assert all(record["priority"] == "high" for record in decided.values())
    # The search held and each decision moved on to the next undecided: the first ten matches.
    ws = Workspace.open(path, author="c", read_only=True, lock=False)
    matches = [entry.rid for entry in TriageIndex(ws, "SVN").view(Filter().with_search(WORD))]
    assert len(matches) >= 10 and set(decided) == set(matches[:10]), (sorted(decided), matches[:12])
    # Reopen: the ten are there on screen too.
    again = start_demo()
    try:
        to_slovenia(again)
        assert triaged_count(again) == 10
        again.send("\x11")
        assert again.wait(15) == 0
    finally:
        again.close()
    assert read_decisions(path).keys() == decided.keys()


def test_pulling_the_plug_half_way_keeps_what_the_autosave_wrote() -> None:
    app = start_demo()
    try:
        to_slovenia(app)
        search(app, WORD)
        press_one(app, 5)
        early = time.monotonic()
        app.settle(0.2)
        time.sleep(max(0.0, 2.6 - (time.monotonic() - early)))  # past the 2 s autosave promise
        app.read(0.1)
        saved_before = read_decisions(demo_path())
        assert len(saved_before) == 5, saved_before.keys()  # on disk already, before the kill
        press_one(app, 5)  # five more, and the plug is pulled at once
        app.kill(signal.SIGKILL)
        assert app.wait(10) == -signal.SIGKILL
    finally:
        app.close()
    path = demo_path()
    survived = read_decisions(path)  # the file loads, fully validated
    assert saved_before.keys() <= survived.keys()  # every edit older than the window is there
    assert len(survived) in range(5, 11)
    assert lock_path(path).exists()  # the dead process's lock is left...
    again = start_demo()  # ...and taken over: it was ours, on this machine, and it is gone
    try:
        to_slovenia(again)
        assert triaged_count(again) == len(survived)
        press_one(again, 1)
        again.send("\x11")
        assert again.wait(15) == 0, again.text()
    finally:
        again.close()
    assert len(read_decisions(path)) == len(survived) + 1
    assert not lock_path(path).exists()
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
