"""A country's live cycle (issue 14 point 6): one definition in the core, read by the checklist
export, the Due items and the brief, for every country, its checklist started or not."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from tui import checklist as core
from tui import refdata
from tui.cli import main
from tui.exports.brief import build_brief, write_brief
from tui.store import Workspace

DAY = date(2026, 12, 7)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """Morocco and Slovenia each with one recommendation, no checklist entry at all."""
    w = Workspace.open(tmp_path / "ws.json", author="tester")
    w.edit("recommendations", "r-mar", {"country": "MAR", "text": "a", "cycle": 4})
    w.edit("recommendations", "r-svn", {"country": "SVN", "text": "b", "cycle": 4})
    yield w
    w.close(save=False)


def test_slovenia_on_7_dec_2026_is_in_the_follow_up_of_cycle_4() -> None:
    # Cycle 5 starts on 5 Nov 2029: more than 365 days ahead.
    assert core.live_cycle("SVN", DAY) == 4


def test_next_review_within_365_days_is_live() -> None:
    # Morocco's cycle 5 review starts on 3 May 2027, 147 days after DAY.
    assert core.live_cycle("MAR", DAY) == 5
    start = refdata.review("SVN", 5).start
    assert core.live_cycle("SVN", start - timedelta(days=365)) == 5
    assert core.live_cycle("SVN", start - timedelta(days=366)) == 4
    assert core.live_cycle("SVN", start + timedelta(days=3)) == 5  # during the session


def test_a_code_that_is_no_state_lives_in_its_latest_cycle(ws: Workspace) -> None:
    ws.edit("checklist", "XXX:2:a", {"country": "XXX", "cycle": 2, "item": "a", "text": "a"})
    ws.edit("checklist", "XXX:3:a", {"country": "XXX", "cycle": 3, "item": "a", "text": "a"})
    assert core.live_cycle("XXX", DAY, ws.table("checklist")) == 3
    assert core.live_cycle("XXX", DAY) is None


def test_morocco_not_started_shows_its_overdue_items_everywhere(
    ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live = core.live_checklist(ws, "MAR", DAY)
    assert live is not None and (live.cycle, live.started) == (5, False)
    late = [e for e in live.entries if core.due_state(e, DAY) == "overdue"]
    assert len(late) == 7
    # Due items: the seven, in cycle 5, although nobody opened Morocco's checklist.
    due = [i for i in core.due_items(ws, DAY, 30) if i.iso3 == "MAR" and i.days < 0]
    assert sorted(i.id for i in due) == sorted(str(e["id"]) for e in late)
    assert {i.cycle for i in due} == {5}
    # The brief lists them instead of "Nothing overdue".
    brief = build_brief(ws, "MAR", DAY)
    assert brief.checklist_cycle == 5 and not brief.checklist_started
    assert sum(1 for o in brief.overdue if o.kind == "checklist") == 7
    out = io.BytesIO()
    write_brief(ws, "MAR", "md", out, today=DAY)
    text = out.getvalue().decode()
    assert "Nothing overdue." not in text and "## Overdue (7)" in text
    assert "Checklist (cycle 5, not started): 0 of 17 done (0%), 7 overdue." in text
    # The export without --cycle: the same cycle and the same seven.
    path = tmp_path / "ws.json"
    ws.save()
    assert main(["export", "checklist", "MAR", "-w", str(path), "--today", DAY.isoformat()]) == 0
    md = capsys.readouterr().out
    assert md.splitlines()[0] == "# UPR checklist: Morocco (MAR), cycle 5"
    assert md.count("(OVERDUE)") == 7


def test_slovenia_due_items_are_its_cycle_4_follow_up_not_past_cycles(ws: Workspace) -> None:
    core.start_checklist(ws, "SVN", 3)  # an old cycle, left open: it must not flood Due
    items = [i for i in core.due_items(ws, DAY, 30) if i.iso3 == "SVN"]
    assert Counter((i.cycle, i.days < 0) for i in items) == {(4, True): 16}
    # Started, the same items come from the workspace (same ids, same dates).
    core.start_checklist(ws, "SVN", 4)
    again = [i for i in core.due_items(ws, DAY, 30) if i.iso3 == "SVN"]
    assert [(i.id, i.due) for i in again] == [(i.id, i.due) for i in items]
    ws.edit("checklist", items[0].id, {"status": "done"})
    assert len([i for i in core.due_items(ws, DAY, 30) if i.iso3 == "SVN"]) == 15


def test_status_of_a_marked_group_is_one_undo_step(ws: Workspace) -> None:
    core.start_checklist(ws, "SVN", 4)
    rids = [str(e["id"]) for e in core.cycle_entries(ws.table("checklist"), "SVN", 4)][:3]
    ws.edit("checklist", rids[0], {"status": "not_applicable"})
    assert core.set_status(ws, rids, "not_applicable") == 2
    assert {ws.get("checklist", r)["status"] for r in rids} == {"not_applicable"}
    ws.undo()
    assert [ws.get("checklist", r)["status"] for r in rids] == ["not_applicable", "todo", "todo"]
    with pytest.raises(ValueError):
        core.set_status(ws, rids, "finished")


def test_country_list_column_counts_the_live_cycle_not_a_later_one(ws: Workspace) -> None:
    core.start_checklist(ws, "SVN", 5)  # started ahead; cycle 4 is the live one and not started
    labels = core.progress_labels(ws.table("checklist"), DAY, ws.table("countries"))
    assert labels == {"SVN": "0/17 ✓ 16 late"}


def test_overview_counts_a_live_cycle_not_started(ws: Workspace) -> None:
    from tui.overview import country_summary

    summary = country_summary(ws, "MAR", DAY)
    assert summary.checklist_label == "cycle 5, not started: 0/17 ✓ 7 late (c to open)"
