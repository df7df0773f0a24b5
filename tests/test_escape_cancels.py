"""Escape cancels every dialog with no side effect (issue 14.2, DESIGN §8).

Each dialog (picker, form, text box) is opened as a person would, something is typed into it,
and escape closes it: no record changes, no history row is written, nothing is added to undo,
no file is written, and the screen underneath is back in front.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tui.demo import ensure_demo

TODAY = "2026-11-25"
SAMPLES = Path(__file__).parent / "samples"

SLOVENIA = [*"sloveni", "enter"]
RECOMMENDATIONS = [*SLOVENIA, "r"]
QUEUE = [*RECOMMENDATIONS, "t"]
CHECKLIST = [*"lithu", "enter", "c"]
PLAN = [*SLOVENIA, "A", "a", *"Train judges", "enter"]  # one action to edit

# name -> (keys to the screen, keys that open the dialog and type into it)
DIALOGS: dict[str, tuple[list[str], list[str]]] = {
    "recommendations cluster": (RECOMMENDATIONS, ["c", *"Zeta"]),
    "recommendations lead entity": (RECOMMENDATIONS, ["e", *"UNDP"]),
    "recommendations partners": (RECOMMENDATIONS, ["E", *"UNICEF", "tab"]),
    "recommendations outcome": (RECOMMENDATIONS, ["o", *"Outcome"]),
    "recommendations status picker": (RECOMMENDATIONS, ["s", *"partial"]),
    "recommendations status then evidence": (
        RECOMMENDATIONS,
        ["s", *"partial", "enter", *"law adopted"],
    ),
    "recommendations unchanged status then evidence": (RECOMMENDATIONS, ["s", "enter", "x"]),
    "recommendations action category": (RECOMMENDATIONS, ["a", "3"]),
    "recommendations position": (RECOMMENDATIONS, ["p", *"supp"]),
    "recommendations note": (RECOMMENDATIONS, ["m", *"a note"]),
    "recommendations saved views": (RECOMMENDATIONS, ["w", *"my view"]),
    "recommendations search": (RECOMMENDATIONS, ["slash", *"roma"]),
    "queue cluster": (QUEUE, ["c", *"Zeta"]),
    "queue status then evidence": (QUEUE, ["s", *"partial", "enter", *"law"]),
    "checklist edit form": (CHECKLIST, ["e", *"Ana", "tab", *"2027-01-05"]),
    "checklist add form": (CHECKLIST, ["a", *"Brief the RC", "tab", "space"]),
    "checklist templates": (CHECKLIST, ["t", "space"]),
    "plan new action form": (PLAN, ["a", *"Visit prisons", "tab", *"OHCHR"]),
    "plan edit form": (PLAN, ["enter", *" now", "tab", *"UNDP"]),
    "plan link recommendations": (PLAN, ["l", *"140.1", "tab"]),
    "plan status": (PLAN, ["s", *"impl"]),
    "plan entity": (PLAN, ["e", *"UNDP"]),
    "plan note": (PLAN, ["m", *"a note"]),
    "brief export picker": ([*SLOVENIA, "b"], ["x", *"matrix"]),
    "import path box": ([], ["ctrl+o", *"uhri-sample.csv"]),
    "import preview": ([], ["ctrl+o", *"uhri-sample.csv", "enter"]),
    "merge file picker": (SLOVENIA, ["M", *"team"]),
}


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "team.json"
    ensure_demo(path, author="tester", today=date.fromisoformat(TODAY))
    return path


def snapshot(app: Any) -> dict[str, str]:
    """Every table (history included) as JSON, and the undo stack's depth."""
    ws = app.workspace
    state = {
        name: json.dumps(dict(records), sort_keys=True, default=str)
        for name, records in ws.snapshot_tables().items()
    }
    state["undo steps"] = str(len(ws._undo))
    return state


def changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """What differs, short: the tables that changed, and the new history rows."""
    changed = [
        name for name in sorted(set(before) | set(after)) if before.get(name) != after.get(name)
    ]
    old = json.loads(before.get("history", "{}"))
    new = json.loads(after.get("history", "{}"))
    rows = [
        f"{row['record']} {row['field']}: {row['new']}"
        for hid, row in new.items()
        if hid not in old
    ]
    return changed + rows


async def press(app: Any, pilot: Any, keys: list[str]) -> None:
    """Press keys, then wait until every key is handled and what it started is done."""
    if keys:
        await pilot.press(*keys)
    for _ in range(500):
        await pilot.pause(0.01)
        if not app._held_keys and app._released_key is None and not app.settling():
            if not any(w.is_running for w in app.workers if w.group == "import-read"):
                return
    raise AssertionError("the app did not settle")


@pytest.mark.parametrize("name", sorted(DIALOGS))
async def test_escape_cancels_with_no_side_effect(
    name: str, demo_file: Path, tmp_path: Path, make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    route, dialog = DIALOGS[name]
    shutil.copy(demo_file, tmp_path / "team.json")
    shutil.copy(SAMPLES / "uhri-sample.csv", tmp_path)
    monkeypatch.chdir(tmp_path)
    app = make_app(today=TODAY, path=tmp_path / "team.json")
    async with app.run_test(size=(80, 24)) as pilot:
        await press(app, pilot, route)
        before, screen, files = snapshot(app), app.screen, sorted(tmp_path.iterdir())
        focused = app.focused
        await press(app, pilot, dialog)
        assert (app.screen, app.focused) != (screen, focused), "the keys open a dialog"
        await press(app, pilot, ["escape"])
        assert app.screen is screen, f"escape closes the dialog ({app.screen})"
        assert changes(before, snapshot(app)) == []
        assert sorted(tmp_path.iterdir()) == files
