"""Engagements core (issue 18 point 1): deterministic ids, status from dates, edits, merge, undo."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tui import engagements as eng
from tui.clock import HybridClock
from tui.merge import combine_record, merge_tables
from tui.store import Workspace

START_MS = 1_760_000_000_000


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    workspace = Workspace.open(tmp_path / "ws.json", author="tester")
    yield workspace
    workspace.close(save=False)


def test_ids_are_deterministic_and_safe() -> None:
    assert eng.engagement_id("TB", "vnm", {"body": "cerd", "session": 80}) == "TB:VNM:CERD:80"
    sp = eng.engagement_id("SP", "VNM", {"body": "SR on the right to food", "start": "2010-11-01"})
    assert sp == "SP:VNM:sr-on-the-right-to-food:2010"
    other = eng.engagement_id("OTHER", "VNM", {"title": "OHCHR mission: Hà Nội", "year": 2011})
    assert other == "OTHER:VNM:ohchr-mission-ha-noi:2011"
    with pytest.raises(ValueError, match="session"):
        eng.engagement_id("TB", "VNM", {"body": "CRC"})
    with pytest.raises(ValueError, match="year"):
        eng.engagement_id("SP", "VNM", {"body": "sr-food"})


def test_add_is_one_record_per_review_and_one_undo_step(ws: Workspace) -> None:
    eid = eng.add_engagement(
        ws, "VNM", "TB", body="cerd", session="80", start="2012-02-21", end="2012-02-22"
    )
    assert eid == "TB:VNM:CERD:80"
    record = ws.get("engagements", eid)
    assert record["body"] == "CERD" and record["session"] == 80 and record["country"] == "VNM"
    assert record["_clock"]  # clocked like every edited record
    assert any(h["record"] == eid for h in ws.table("history").values())
    # the same review recorded again is the same record, not a second one
    assert eng.add_engagement(ws, "VNM", "TB", body="CERD", session=80, note="x") == eid
    assert len(ws.table("engagements")) == 1
    ws.undo()
    assert ws.get("engagements", eid)["note"] == ""
    ws.undo()
    assert ws.get("engagements", eid)["deleted"]  # undoing an add hides it (never hard-deleted)
    assert eng.country_engagements(ws, "VNM") == []


def test_edit_checks_values_and_keeps_the_id_fields(ws: Workspace) -> None:
    eid = eng.add_engagement(ws, "VNM", "SP", body="sr-food", requested="2009-06-01")
    assert eid == "SP:VNM:sr-food:2009"
    assert eng.update_engagement(ws, eid, {"accepted": "2010-01-15", "co_symbol": ""})
    with pytest.raises(ValueError, match="not a date"):
        eng.update_engagement(ws, eid, {"start": "15/11/2010"})
    with pytest.raises(ValueError, match="part of the id"):
        eng.update_engagement(ws, eid, {"body": "sr-health"})
    with pytest.raises(ValueError, match="end comes before"):
        eng.update_engagement(ws, eid, {"start": "2010-11-20", "end": "2010-11-01"})
    assert eng.delete_engagement(ws, eid)
    assert eng.country_engagements(ws, "VNM") == []
    ws.undo()
    assert [e["id"] for e in eng.country_engagements(ws, "VNM")] == [eid]


@pytest.mark.parametrize(
    ("record", "today", "expected"),
    [
        ({"mechanism": "SP"}, "2010-01-01", "planned"),
        ({"mechanism": "SP", "requested": "2009-06-01"}, "2010-01-01", "requested"),
        ({"mechanism": "SP", "requested": "2009-06-01", "accepted": "2009-12-01"}, "2010-01-01", "accepted"),
        ({"mechanism": "SP", "accepted": "2009-12-01", "start": "2010-11-01", "end": "2010-11-10"}, "2010-01-01", "scheduled"),
        ({"mechanism": "SP", "start": "2010-11-01", "end": "2010-11-10"}, "2010-11-05", "under way"),
        ({"mechanism": "SP", "start": "2010-11-01", "end": "2010-11-10"}, "2010-12-01", "held"),
        ({"mechanism": "SP", "end": "2010-11-10", "start": "2010-11-01", "report_date": "2011-06-01"}, "2011-06-02", "report presented"),
        ({"mechanism": "TB", "report_symbol": "CERD/C/VNM/10-14"}, "2011-01-01", "report submitted"),
        ({"mechanism": "TB", "start": "2012-02-21", "end": "2012-02-22"}, "2012-02-21", "in dialogue"),
        ({"mechanism": "TB", "start": "2012-02-21", "end": "2012-02-22"}, "2012-03-01", "reviewed"),
        ({"mechanism": "TB", "end": "2012-02-22", "start": "2012-02-21", "co_symbol": "CERD/C/VNM/CO/10-14"}, "2012-03-01", "concluding observations"),
        ({"mechanism": "OTHER", "start": "2011-05-01"}, "2011-06-01", "done"),
    ],
)  # fmt: skip
def test_status_follows_dates_and_today(record: dict[str, Any], today: str, expected: str) -> None:
    assert eng.status(record, date.fromisoformat(today)) == expected


def test_next_and_recent(ws: Workspace) -> None:
    eng.add_engagement(ws, "VNM", "TB", body="CERD", session=80, start="2012-02-21")
    eng.add_engagement(ws, "VNM", "TB", body="CRC", session=60, start="2012-05-29")
    eng.add_engagement(ws, "VNM", "SP", body="ie-foreign-debt", start="2010-08-09")
    eng.add_engagement(ws, "THA", "SP", body="sr-food", start="2012-05-01")
    shown = eng.next_and_recent(ws, "VNM", date(2012, 3, 1))
    assert [e["id"] for e in shown.upcoming] == ["TB:VNM:CRC:60"]
    assert [e["id"] for e in shown.recent] == ["TB:VNM:CERD:80"]  # 2010 is over a year ago


def test_two_advisers_recording_one_visit_merge_into_one_record(tmp_path: Path) -> None:
    now = [START_MS]
    a = Workspace.open(tmp_path / "a.json", author="alice", lock=False)
    b = Workspace.open(tmp_path / "b.json", author="bob", lock=False)
    a.clock = HybridClock("alice", now_ms=lambda: now[0])
    b.clock = HybridClock("bob", now_ms=lambda: now[0] + 5)
    eid = eng.add_engagement(a, "VNM", "SP", body="sr-health", year=2011, note="alice")
    now[0] += 1000
    assert (
        eng.add_engagement(b, "VNM", "SP", body="SR health", year=2011, start="2011-11-21") == eid
    )
    other = json.loads(json.dumps({k: dict(v) for k, v in b.snapshot_tables().items()}))
    result = merge_tables(a.snapshot_tables(), other)
    a.absorb(result.changed_a, combine_record)
    merged = a.get("engagements", eid)
    assert merged["start"] == "2011-11-21" and merged["body"] == "SR health"
    assert len(a.table("engagements")) == 1
    a.close(save=False)
    b.close(save=False)


def test_templates_name_their_source_and_stay_off_upr_cycles() -> None:
    from tui import checklist as cl

    assert set(cl.templates()) == {"unct-upr", "sg-decision-2014-5"}  # UPR cycles only
    for scope, key in (("TB", "tb-review"), ("SP", "sp-visit"), ("duties", "rc-unct-duties")):
        template = cl.scoped_templates(scope)[key]
        assert all(item.source for item in template.items), key
    duties = cl.scoped_templates("duties")["rc-unct-duties"]
    text = " ".join(i.text for i in duties.items)
    assert "Regional Quarterly Review" in text and "Regional Monthly Review" in text
    assert "Human Rights up Front" in text and "Call to Action" in text


def test_engagement_checklist_due_from_its_dates(ws: Workspace) -> None:
    eid = eng.add_engagement(
        ws, "VNM", "SP", body="sr-health", start="2011-11-21", end="2011-12-02"
    )
    assert eng.start_engagement_checklist(ws, eid) == 7
    assert eng.start_engagement_checklist(ws, eid) == 0  # again: nothing new
    entries = {e["item"]: e for e in eng.checklist_of(ws, "VNM", eid)}
    brief = entries["spv-unct-briefing"]
    assert brief["id"] == "VNM:SP:VNM:sr-health:2011:spv-unct-briefing"
    assert brief["due"] == "2011-11-21" and brief["cycle"] is None
    assert entries["spv-follow-up"]["due"] == "2012-05-30"  # 180 days after the end
    ws.undo()
    assert eng.checklist_of(ws, "VNM", eid) == []


def test_duties_per_country_with_owner_and_review_date(ws: Workspace) -> None:
    assert eng.start_duties(ws, "VNM") == 9
    hrddp = ws.get("checklist", "VNM:duties:duty-hrddp")
    assert hrddp["owner"] == "RC" and hrddp["due"] == ""
    ws.edit("checklist", "VNM:duties:duty-hrddp", {"due": "2026-12-01", "note": "review"})
    ws.edit("checklist", "VNM:duties:duty-escalation", {"due": "2027-06-01"})
    due = eng.duties_due(ws, "VNM", date(2026, 11, 25))
    assert [e["item"] for e in due] == ["duty-hrddp"]
