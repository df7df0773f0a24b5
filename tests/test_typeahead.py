"""Keys typed ahead act as if typed slowly (issue 14.1, DESIGN §8).

Over ssh, keys typed ahead of the screen arrive in one packet. For every screen that opens a
picker, a form or a text box, the same keys are written once key by key (waiting for the screen
after each) and once in a single ``write()``, in ``--lean`` and not: the records and the history
(without clock values) and the files written must be the same.

Screens covered: country list (filter box), country overview, recommendations list (cluster,
lead entity, partners, outcome, status + evidence, action category, position, note pickers;
search box; saved views), queue (pickers), checklist (owner/due/note form, add-item form),
implementation plan (action form, status/entity pickers, note box, link picker), country brief
(export picker), import screen (path box, preview, confirm), Due screen, help.
"""

from __future__ import annotations

import json
import shutil
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from ptyterm import PtyApp

from tui.demo import ensure_demo

UPR = shutil.which("upr", path=str(Path(sys.executable).parent)) or "upr"
TODAY = "2026-11-25"
SAMPLES = Path(__file__).parent / "samples"
ENTER, TAB, CTRL_Q = "\r", "\t", "\x11"

pytestmark = pytest.mark.slow


def text(word: str) -> list[str]:
    return list(word)


SLOVENIA = [*text("sloveni"), ENTER, "r"]  # from the country list to Slovenia's recommendations
LITHUANIA = [*text("lithu"), ENTER]  # Lithuania's overview (its checklist is started)

SCENARIOS: dict[str, list[str]] = {
    # The issue's own example: filter, open, recommendations, a new cluster typed into the
    # picker, then a priority on the next recommendation.
    "countries-overview-cluster": [*SLOVENIA, "c", *text("Zeta"), ENTER, "1"],
    "recommendation-pickers": [
        *SLOVENIA,
        "e",
        *text("UNDP"),
        ENTER,
        "o",
        *text("Outcome 2"),
        ENTER,
        "a",
        *text("3"),
        ENTER,
        "p",
        *text("supp"),
        ENTER,
        "E",
        *text("UNICEF"),
        TAB,
        ENTER,
        "m",
        *text("ask the ministry"),
        ENTER,
        "s",
        *text("partial"),
        ENTER,
        *text("law adopted"),
        ENTER,
        "x",
        "2",
    ],
    "search-views-queue": [
        *SLOVENIA,
        "/",
        *text("roma"),
        ENTER,
        "3",
        "w",
        *text("roma view"),
        ENTER,
        "t",
        "2",
        "c",
        *text("Beta"),
        ENTER,
        "q",
        "1",
    ],
    "checklist-forms": [
        *LITHUANIA,
        "c",
        "e",
        *text("Ana"),
        TAB,
        *text("2027-01-05"),
        TAB,
        *text("call the RC"),
        ENTER,
        "d",
        "a",
        *text("Brief the new RC"),
        TAB,
        " ",
        TAB,
        *text("2027-02-01"),
        TAB,
        *text("OHCHR"),
        ENTER,
        "i",
    ],
    "plan-forms": [
        *SLOVENIA[:-1],
        "A",
        "a",
        *text("Train judges"),
        TAB,
        *text("OHCHR"),
        TAB,
        *text("none"),
        TAB,
        *text("judges trained"),
        TAB,
        *text("200"),
        TAB,
        *text("12k"),
        TAB,
        *text("2027-06-30"),
        ENTER,
        "m",
        *text("with the bar"),
        ENTER,
        "s",
        *text("in prog"),
        ENTER,
    ],
    # ctrl+o, a path, enter reads it (in a thread), y imports what the preview shows; then l
    # links the plan's new action to recommendations.
    "import-and-link": [
        "\x0f",
        *text("uhri-sample.csv"),
        ENTER,
        "y",
        "q",
        *text("sloveni"),
        ENTER,
        "A",
        "a",
        *text("Visit prisons"),
        ENTER,
        "l",
        *text("140.7"),
        TAB,
        ENTER,
    ],
    "brief-export-and-due": [*SLOVENIA[:-1], "b", "x", *text("matrix csv"), ENTER, "q", "D", "q"],
}


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "team.json"
    ensure_demo(path, author="tester", today=date.fromisoformat(TODAY))
    return path


def state_of(folder: Path) -> dict[str, Any]:
    """Records (without clocks), history rows (without ids and clocks), files written.

    Actions get random ids: each is named by its title instead."""
    raw = (folder / "team.json").read_text(encoding="utf-8")
    for rid, action in json.loads(raw).get("actions", {}).items():
        raw = raw.replace(json.dumps(rid), json.dumps(f"action {action['title']}"))
    data = json.loads(raw)
    tables: dict[str, Any] = {}
    for name, table in data.items():
        if name in ("meta", "history") or not isinstance(table, dict):
            continue
        tables[name] = {
            rid: {k: v for k, v in record.items() if k != "_clock"} for rid, record in table.items()
        }
    rows = sorted(
        json.dumps({k: v for k, v in row.items() if k not in ("id", "clock")}, sort_keys=True)
        for row in data["history"].values()
    )
    files = sorted(
        p.name
        for p in folder.iterdir()
        if p.name != "uhri-sample.csv" and "team.json" not in p.name
    )
    return {"tables": tables, "history": rows, "files": files}


def run_keys(demo: Path, folder: Path, keys: list[str], *, burst: bool, lean: bool) -> dict:
    folder.mkdir()
    shutil.copy(demo, folder / "team.json")
    shutil.copy(SAMPLES / "uhri-sample.csv", folder)
    env = {
        "UPR_CONFIG_DIR": str(folder.parent / f"{folder.name}-config"),
        "UPR_DATA_DIR": str(folder.parent / f"{folder.name}-data"),
        "SSH_CONNECTION": "",
        "UPR_AUTHOR": "tester",
    }
    argv = [UPR, "team.json", "--today", TODAY, "--lean" if lean else "--no-lean"]
    app = PtyApp(argv, cwd=str(folder), env=env)
    try:
        assert app.wait_for("193 of 193 States"), app.text()
        app.settle()
        if burst:
            app.send("".join(keys))
        else:
            for key in keys:
                app.send(key)
                app.settle(0.15)
        app.settle(0.6)
        screen = app.text()
        app.send(CTRL_Q)
        assert app.wait(15) == 0, screen
    finally:
        app.close()
    return state_of(folder)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_keys_in_one_write_do_what_the_same_keys_typed_slowly_do(
    name: str, demo_file: Path, tmp_path: Path
) -> None:
    keys = SCENARIOS[name]
    slow = run_keys(demo_file, tmp_path / "slow", keys, burst=False, lean=False)
    before = state_of(demo_file.parent)
    assert (slow["history"], slow["files"]) != (before["history"], before["files"]), (
        "the keys typed slowly change something"
    )
    for lean in (False, True):
        fast = run_keys(demo_file, tmp_path / f"burst-{lean}", keys, burst=True, lean=lean)
        assert fast["tables"] == slow["tables"], f"records differ (lean={lean})"
        assert fast["history"] == slow["history"], f"history differs (lean={lean})"
        assert fast["files"] == slow["files"], f"files written differ (lean={lean})"
