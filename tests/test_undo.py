"""Undo and redo (issue 14 point 3, issue 15 point 5): they say what they did, reverse exactly
the last step of this session, re-open a conflict whose resolution they undo, and never cross a
merge (a colleague's later value is never overwritten by an undo)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_merge import RECS, FakeTime, import_same, machine, send, tables

from tui.merge import merge_tables, open_conflicts, resolve_conflict
from tui.undo import describe

R1 = "UPR:A/HRC/59/15:140.1"
R2 = "UPR:A/HRC/59/15:140.2"


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def pair(tmp_path: Path, time: FakeTime):
    a = machine(tmp_path / "a.json", "alice", time)
    b = machine(tmp_path / "b.json", "bob", time)
    import_same(a)
    send(a, b)
    yield a, b
    a.close(save=False)
    b.close(save=False)


def undo_line(ws) -> str:
    return describe(ws.undo(), ws.get, forward=False)


def redo_line(ws) -> str:
    return describe(ws.redo(), ws.get, forward=True)


def test_undo_and_redo_say_what_they_did(pair, time: FakeTime) -> None:
    a, _ = pair
    a.edit(RECS, R1, {"priority": "high"})
    assert undo_line(a) == "Undid: priority of 140.1 high → —"
    assert a.get(RECS, R1)["priority"] == "none"
    assert redo_line(a) == "Redid: priority of 140.1 — → high"
    a.edit(RECS, R2, {"status": "in_progress", "evidence": "law adopted"})
    line = undo_line(a)
    assert line.startswith("Undid: ") and "status of 140.2 in progress → —" not in line
    assert "status of 140.2 in progress → no information" in line
    assert "evidence of 140.2 law adopted → —" in line
    with a.undo_group("bulk"):
        for rid in (R1, R2):
            a.edit(RECS, rid, {"cluster": "Justice"})
    assert undo_line(a) == "Undid: cluster of 140.1, 140.2 Justice → —"
    a.undo()
    a.undo()
    assert undo_line(a) == "Undid: 1 recommendation hidden"  # the import, record by record
    with a.undo_group("Import report.txt"):
        import_same(a, "Ratify the Convention now")
        a.edit(RECS, "UPR:A/HRC/59/15:140.3", {"text": "New", "paragraph": "140.3"})
    assert undo_line(a) == (
        "Undid: 1 recommendation hidden; "
        "text of 140.1 Ratify the Convention now → Ratify the Convention"
    )


def test_undo_on_the_conflicts_screen_reverses_the_last_decision_and_reopens_it(
    pair, time: FakeTime
) -> None:
    """Seen: `o` on one conflict, `w` on another, `u` reverted the first and reopened none."""
    a, b = pair
    a.edit(RECS, R1, {"priority": "high"})
    a.edit(RECS, R2, {"note": "alice"})
    time.advance()
    b.edit(RECS, R1, {"priority": "low"})
    b.edit(RECS, R2, {"note": "bob"})
    send(b, a)
    first, second = open_conflicts(a.snapshot_tables())
    assert (first["record"], second["record"]) == (R1, R2)
    time.advance()
    resolve_conflict(a, first["id"], take_other=True)  # o: take alice's "high" back
    resolve_conflict(a, second["id"], take_other=False)  # w: keep bob's note
    assert open_conflicts(a.snapshot_tables()) == []
    line = undo_line(a)  # u: the `w`, nothing else
    assert line == "Undid: conflict on note of 140.2 reopened"
    assert [r["id"] for r in open_conflicts(a.snapshot_tables())] == [second["id"]]
    assert a.get(RECS, R1)["priority"] == "high"  # the first decision stands
    line = undo_line(a)  # u again: the `o`, its edit and its resolution
    assert line == "Undid: priority of 140.1 high → low; conflict on priority of 140.1 reopened"
    assert a.get(RECS, R1)["priority"] == "low"
    assert len(open_conflicts(a.snapshot_tables())) == 2
    # A reopened conflict stays open when a copy still holding the resolution is merged in.
    resolved_copy = tables(a)
    resolved_copy["conflicts"][second["id"]] = dict(
        second, resolved="1760000001000|000000|alice", resolution="kept"
    )
    assert len(open_conflicts(merge_tables(tables(a), resolved_copy).data)) == 2
    assert redo_line(a) == (
        "Redid: priority of 140.1 low → high; conflict on priority of 140.1 resolved again"
    )
    assert [r["id"] for r in open_conflicts(a.snapshot_tables())] == [second["id"]]


def test_undo_after_a_merge_never_overwrites_a_colleagues_later_value(pair, time: FakeTime) -> None:
    """Issue 15 point 5: alice edits, bob's later value is merged in, alice presses u."""
    a, b = pair
    a.edit(RECS, R1, {"priority": "high", "note": "alice"})
    a.edit(RECS, R2, {"status": "in_progress"})
    time.advance()
    b.edit(RECS, R1, {"priority": "low"})  # bob's later value, on one of the two fields
    send(b, a)
    assert a.get(RECS, R1)["priority"] == "low"
    # u: the last step (R2's status) is untouched by the merge: undone as usual.
    assert undo_line(a) == "Undid: status of 140.2 in progress → no information"
    # u: the step before the merge: its note is undone, bob's priority is left alone.
    time.advance()
    line = undo_line(a)
    assert line == (
        "Undid: note of 140.1 alice → —; left alone (a merge changed it since): priority of 140.1"
    )
    assert a.get(RECS, R1)["priority"] == "low" and a.get(RECS, R1)["note"] == ""
    # Bob merges alice's copy back: his value is still there, nothing lost.
    send(a, b)
    assert b.get(RECS, R1)["priority"] == "low"
    assert merge_tables(tables(a), tables(b)).data[RECS][R1]["priority"] == "low"


def test_an_undo_the_merge_left_nothing_of_says_so_and_the_next_u_goes_on(
    pair, time: FakeTime
) -> None:
    a, b = pair
    a.edit(RECS, R2, {"note": "earlier"})
    a.edit(RECS, R1, {"priority": "high"})
    time.advance()
    b.edit(RECS, R1, {"priority": "low"})
    send(b, a)
    clock = a.get(RECS, R1)["_clock"]["priority"]
    assert undo_line(a) == (
        "Not undone: priority of 140.1: a merge changed it since, bob's value stays."
    )
    assert a.get(RECS, R1)["_clock"]["priority"] == clock  # not even a new clock
    assert undo_line(a) == "Undid: note of 140.2 earlier → —"  # earlier steps still undo
    assert redo_line(a) == "Redid: note of 140.2 — → earlier"
    assert redo_line(a) == "Nothing to redo."  # the step a merge overtook is gone


def test_steps_after_a_merge_undo_and_the_merge_stays(pair, time: FakeTime) -> None:
    a, b = pair
    a.edit(RECS, R1, {"priority": "high"})
    time.advance()
    b.edit(RECS, R1, {"priority": "low"})
    send(b, a)
    time.advance()
    a.edit(RECS, R1, {"priority": "medium"})  # after the merge: alice's own step
    assert undo_line(a) == "Undid: priority of 140.1 medium → low"  # back to bob's value
    assert a.get(RECS, R1)["priority"] == "low"
    assert undo_line(a).startswith("Not undone: priority of 140.1")  # not past the merge
    assert a.get(RECS, R1)["priority"] == "low"


def test_a_redo_never_crosses_a_merge_either(pair, time: FakeTime) -> None:
    a, b = pair
    a.edit(RECS, R1, {"priority": "high"})
    a.undo()
    time.advance()
    b.edit(RECS, R1, {"priority": "low"})
    send(b, a)
    assert redo_line(a).startswith("Not redone: priority of 140.1")
    assert a.get(RECS, R1)["priority"] == "low"


def test_an_undone_import_keeps_records_a_merge_changed(pair, time: FakeTime) -> None:
    a, b = pair
    a.edit(RECS, "UPR:A/HRC/59/15:140.9", {"text": "Mine", "country": "SVN", "paragraph": "140.9"})
    send(a, b)
    time.advance()
    b.edit(RECS, "UPR:A/HRC/59/15:140.9", {"priority": "high"})
    send(b, a)
    line = undo_line(a)
    assert line == "Not undone: hiding 140.9: a merge changed it since."
    assert a.get(RECS, "UPR:A/HRC/59/15:140.9")["deleted"] is False
