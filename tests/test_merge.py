"""Merging copies of a workspace (tui/merge.py): scenarios advisers meet, one by one.

The helpers at the top (``FakeTime``, ``machine``, ``send``) are shared by the other
test_merge* files: a "machine" is a workspace with its own author and a clock we control.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tui.clock import HybridClock
from tui.merge import (
    combine_record,
    encode_tables,
    load_copy,
    merge_tables,
    open_conflicts,
    resolve_conflict,
    write_tables,
)
from tui.store import Workspace, field_clock

RECS = "recommendations"
START_MS = 1_760_000_000_000  # October 2025: in the past, so no clock is refused as future


class FakeTime:
    """A shared wall clock for several machines; each machine may run ahead or behind."""

    def __init__(self, start: int = START_MS) -> None:
        self.now = start

    def advance(self, ms: int = 1_000) -> None:
        self.now += ms


def machine(path: Path, author: str, time: FakeTime, skew: int = 0) -> Workspace:
    """A workspace on its own 'machine': author id and a clock reading ``time`` + ``skew``."""
    ws = Workspace.open(path, author=author, lock=False)
    ws.clock = HybridClock(author, now_ms=lambda: time.now + skew)
    return ws


def tables(ws: Workspace) -> dict[str, dict[str, Any]]:
    """A deep copy of a workspace's tables, as if its file had been sent by email."""
    return json.loads(json.dumps({k: dict(v) for k, v in ws.snapshot_tables().items()}))


def send(src: Workspace, dst: Workspace):
    """``dst`` merges a copy of ``src`` into itself, as the app does; returns the report."""
    result = merge_tables(dst.snapshot_tables(), tables(src))
    dst.absorb(result.changed_a, combine_record)
    return result.report


def import_same(ws: Workspace, text: str = "Ratify the Convention") -> None:
    """What an importer does on every machine: the same ids and values, its own clocks."""
    ws.edit(RECS, "UPR:A/HRC/59/15:140.1", {"text": text, "country": "SVN", "paragraph": "140.1"})
    ws.edit(
        RECS,
        "UPR:A/HRC/59/15:140.2",
        {"text": "Adopt a plan", "country": "SVN", "paragraph": "140.2"},
    )


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def pair(tmp_path: Path, time: FakeTime):
    a = machine(tmp_path / "a.json", "alice", time)
    b = machine(tmp_path / "b.json", "bob", time)
    yield a, b
    a.close(save=False)
    b.close(save=False)


R1 = "UPR:A/HRC/59/15:140.1"
R2 = "UPR:A/HRC/59/15:140.2"


def test_different_fields_of_one_record_both_survive(pair, time: FakeTime) -> None:
    a, b = pair
    import_same(a)
    send(a, b)
    time.advance()
    a.edit(RECS, R1, {"priority": "high"})
    time.advance()
    b.edit(RECS, R1, {"status": "in_progress"})
    result = merge_tables(tables(a), tables(b))
    rec = result.data[RECS][R1]
    assert (rec["priority"], rec["status"]) == ("high", "in_progress")
    assert result.report.conflicts == []
    assert result.report.fields_from_a[(RECS, "priority")] == 1
    assert result.report.fields_from_b[(RECS, "status")] == 1


def test_same_field_later_edit_wins_and_is_a_conflict(pair, time: FakeTime) -> None:
    a, b = pair
    import_same(a)
    send(a, b)
    time.advance()
    a.edit(RECS, R1, {"priority": "high"})
    time.advance()
    b.edit(RECS, R1, {"priority": "low"})
    result = merge_tables(tables(a), tables(b))
    assert result.data[RECS][R1]["priority"] == "low"
    [conflict] = result.report.conflicts
    assert (conflict.field, conflict.a_value, conflict.b_value, conflict.winner) == (
        "priority",
        "high",
        "low",
        "B",
    )
    row = result.data["conflicts"][conflict.id]
    assert conflict.id == f"{RECS}|{R1}|priority|{conflict.a_clock}"
    assert row["winner"] == "low" and row["winner_author"] == "bob"
    assert row["other"] == "high" and row["other_author"] == "alice"
    assert row["resolved"] == ""
    # The same conflict found the other way round is the same row, byte for byte.
    other_way = merge_tables(tables(b), tables(a))
    assert other_way.data["conflicts"] == result.data["conflicts"]


def test_an_edit_made_after_seeing_the_other_is_no_conflict(pair, time: FakeTime) -> None:
    a, b = pair
    import_same(a)
    a.edit(RECS, R1, {"priority": "high"})
    send(a, b)  # bob has seen alice's edit ...
    time.advance()
    b.edit(RECS, R1, {"priority": "low"})  # ... and changes it
    result = merge_tables(tables(a), tables(b))
    assert result.data[RECS][R1]["priority"] == "low"
    assert result.report.conflicts == []


def test_records_new_on_each_side_are_all_kept(pair, time: FakeTime) -> None:
    a, b = pair
    import_same(a)
    send(a, b)
    a.edit(RECS, "UPR:X:1", {"text": "only at alice"})
    b.edit(RECS, "UPR:X:2", {"text": "only at bob"})
    b.edit("actions", "act-1", {"title": "Workshop", "country": "SVN"})
    result = merge_tables(tables(a), tables(b))
    assert {"UPR:X:1", "UPR:X:2", R1, R2} <= set(result.data[RECS])
    assert "act-1" in result.data["actions"]
    assert result.report.new_from_a[RECS] == 1
    assert result.report.new_from_b[RECS] == 1
    assert result.report.new_from_b["actions"] == 1
    history = result.data["history"]
    assert set(tables(a)["history"]) | set(tables(b)["history"]) == set(history)


def test_parallel_imports_with_no_edits_merge_without_conflict(pair, time: FakeTime) -> None:
    a, b = pair
    import_same(a)
    time.advance(60_000)
    import_same(b)
    assert field_clock(a.get(RECS, R1), "text") != field_clock(b.get(RECS, R1), "text")
    result = merge_tables(tables(a), tables(b))
    assert result.report.conflicts == []
    assert result.report.fields_from_a == {} and result.report.fields_from_b == {}


def test_a_later_import_does_not_undo_an_earlier_triage(pair, time: FakeTime) -> None:
    """Alice imports and triages on Monday; Bob imports the same report on Tuesday.

    Bob's untouched defaults carry the later (creation) clock, but they are not edits: Alice's
    decisions survive, and it is not a conflict (Bob's value is where Alice's history starts).
    """
    a, b = pair
    import_same(a)
    time.advance()
    a.edit(RECS, R1, {"priority": "high", "triaged": True})
    time.advance(86_400_000)
    import_same(b)
    for x, y in ((a, b), (b, a)):
        result = merge_tables(tables(x), tables(y))
        rec = result.data[RECS][R1]
        assert (rec["priority"], rec["triaged"]) == ("high", True)
        assert result.report.conflicts == []


def test_two_imports_that_disagree_are_a_conflict_and_the_later_wins(pair, time: FakeTime) -> None:
    a, b = pair
    import_same(a, text="Ratify the Convention")
    time.advance()
    import_same(b, text="Ratify the Convention promptly")
    result = merge_tables(tables(a), tables(b))
    assert result.data[RECS][R1]["text"] == "Ratify the Convention promptly"
    assert [c.field for c in result.report.conflicts] == ["text"]


def test_meta_choice_is_symmetric(pair) -> None:
    a, b = pair
    ta, tb = tables(a), tables(b)
    ta["meta"]["meta"]["created"] = "2025-01-02T00:00:00Z"
    tb["meta"]["meta"]["created"] = "2025-01-01T00:00:00Z"
    m1 = merge_tables(ta, tb).data["meta"]["meta"]
    m2 = merge_tables(tb, ta).data["meta"]["meta"]
    assert m1 == m2
    assert m1["workspace_id"] == min(
        ta["meta"]["meta"]["workspace_id"], tb["meta"]["meta"]["workspace_id"]
    )
    assert m1["created"] == "2025-01-01T00:00:00Z"


def test_unknown_fields_and_tables_are_kept(pair, time: FakeTime) -> None:
    a, b = pair
    import_same(a)
    send(a, b)
    tb = tables(b)
    tb[RECS][R1]["future_field"] = "from a newer version"
    tb["future_table"] = {"x": {"id": "x", "v": 1}}
    result = merge_tables(tables(a), tb)
    assert result.data[RECS][R1]["future_field"] == "from a newer version"
    assert result.data["future_table"] == {"x": {"id": "x", "v": 1}}


def test_merging_a_file_with_itself_gives_the_same_bytes(
    tmp_path: Path, pair, time: FakeTime
) -> None:
    a, b = pair
    import_same(a)
    a.edit(RECS, R1, {"priority": "high", "themes": ["women", "children"]})
    a.save()
    raw = a.path.read_bytes()
    out = tmp_path / "out.json"
    result = merge_tables(load_copy(a.path), load_copy(a.path))
    assert not result.changed_a
    write_tables(out, result.data)
    assert out.read_bytes() == raw


def test_merge_is_commutative_on_bytes(pair, time: FakeTime) -> None:
    a, b = pair
    import_same(a)
    time.advance()
    import_same(b)
    a.edit(RECS, R1, {"note": "alice"})
    time.advance()
    b.edit(RECS, R1, {"note": "bob"})
    b.edit(RECS, R2, {"priority": "medium"})
    assert encode_tables(merge_tables(tables(a), tables(b)).data) == encode_tables(
        merge_tables(tables(b), tables(a)).data
    )


def test_taking_the_other_value_travels_and_settles(pair, time: FakeTime) -> None:
    a, b = pair
    import_same(a)
    send(a, b)
    a.edit(RECS, R1, {"priority": "high"})
    time.advance()
    b.edit(RECS, R1, {"priority": "low"})
    report = send(b, a)  # alice merges bob's copy: bob's later edit wins
    assert a.get(RECS, R1)["priority"] == "low" and len(report.conflicts) == 1
    [row] = open_conflicts(a.snapshot_tables())
    time.advance()
    assert resolve_conflict(a, row["id"], take_other=True)
    assert a.get(RECS, R1)["priority"] == "high"
    assert open_conflicts(a.snapshot_tables()) == []
    assert a.get("conflicts", row["id"])["resolution"] == "took_other"
    # Bob merges alice's copy: her decision arrives, with no new conflict and nothing reopened.
    report = send(a, b)
    assert report.conflicts == []
    assert b.get(RECS, R1)["priority"] == "high"
    assert open_conflicts(b.snapshot_tables()) == []
    assert not resolve_conflict(a, row["id"], take_other=False)  # already resolved


def test_a_resolution_beats_the_same_conflict_found_elsewhere(pair, time: FakeTime) -> None:
    a, b = pair
    import_same(a)
    send(a, b)
    a.edit(RECS, R1, {"note": "A"})
    time.advance()
    b.edit(RECS, R1, {"note": "B"})
    ta, tb = tables(a), tables(b)
    on_a = merge_tables(ta, tb)
    on_b = merge_tables(tb, ta)  # both find it
    [cid] = on_a.data["conflicts"]
    resolved = dict(
        on_a.data["conflicts"][cid], resolved="1760000009000|000000|alice", resolution="kept"
    )
    on_a.data["conflicts"][cid] = resolved
    for x, y in ((on_a.data, on_b.data), (on_b.data, on_a.data)):
        assert merge_tables(x, y).data["conflicts"][cid] == resolved


def test_absorb_keeps_an_edit_made_while_the_merge_ran(pair, time: FakeTime) -> None:
    a, b = pair
    import_same(a)
    send(a, b)
    time.advance()
    b.edit(RECS, R1, {"status": "implemented"})
    result = merge_tables(a.snapshot_tables(), tables(b))
    time.advance()
    a.edit(RECS, R1, {"note": "typed during the merge"})
    a.absorb(result.changed_a, combine_record)
    rec = a.get(RECS, R1)
    assert (rec["status"], rec["note"]) == ("implemented", "typed during the merge")


def test_a_bad_copy_is_refused_with_the_record_named(tmp_path: Path) -> None:
    from tui.store import WorkspaceError

    bad = tmp_path / "bad.json"
    bad.write_text('{"recommendations": {"R": {"id": "R", "priority": "urgent"}}}', "utf-8")
    with pytest.raises(WorkspaceError, match="priority"):
        load_copy(bad)


def _import_report(ws: Workspace, report: Path) -> None:
    from tui.importers import parse_file
    from tui.importers.apply import apply_batch

    apply_batch(ws, parse_file(report))


def test_two_machines_importing_the_same_report_merge_with_zero_conflicts(
    tmp_path: Path, shared_dir: Path, time: FakeTime
) -> None:
    """The real importer on A/HRC/59/15, on two machines a day apart, from different folders."""
    source = shared_dir / "corpus" / "wg-reports" / "A_HRC_59_15_Slovenia_2025.txt"
    copies = []
    for name in ("alice", "bob"):
        folder = tmp_path / name
        folder.mkdir()
        shutil.copy(source, folder / source.name)
        ws = machine(folder / "ws.json", name, time)
        _import_report(ws, folder / source.name)
        copies.append(ws)
        time.advance(86_400_000)
    a, b = copies
    assert len(a.table(RECS)) > 100 and set(a.table(RECS)) == set(b.table(RECS))
    result = merge_tables(tables(a), tables(b))
    assert result.report.conflicts == []
    assert not result.report.fields_from_a and not result.report.fields_from_b
    assert set(result.data[RECS]) == set(a.table(RECS))
    # Alice triages one of them; Bob's later import does not undo it, and still no conflict.
    rid = sorted(a.table(RECS))[0]
    a.edit(RECS, rid, {"priority": "high", "lead_entity": "OHCHR"})
    result = merge_tables(tables(b), tables(a))
    assert result.report.conflicts == []
    assert result.data[RECS][rid]["priority"] == "high"
    for ws in copies:
        ws.close(save=False)


# -- issue 15 point 6: every disagreement reaches the review -----------------------------------


def test_deleted_on_one_side_edited_on_the_other_is_a_conflict(pair, time: FakeTime) -> None:
    a, b = pair
    import_same(a)
    send(a, b)
    time.advance()
    a.edit(RECS, R1, {"deleted": True})  # alice deletes 140.1 ...
    time.advance()
    b.edit(RECS, R1, {"priority": "high", "note": "keep this"})  # ... bob triages it
    for x, y in ((tables(a), tables(b)), (tables(b), tables(a))):
        result = merge_tables(x, y)
        rec = result.data[RECS][R1]
        assert rec["deleted"] is True and rec["priority"] == "high"  # kept, and hidden ...
        [conflict] = result.report.conflicts  # ... but no longer without a word
        assert conflict.field == "deleted" and conflict.edited == ("note", "priority")
        [row] = open_conflicts(result.data)
        assert (row["winner"], row["other"], row["edited"]) == (True, False, ["note", "priority"])
        assert row["winner_author"] == "alice" and row["other_author"] == "bob"
    # Taking the other value brings the record back, with bob's triage.
    report = send(b, a)
    [row] = open_conflicts(a.snapshot_tables())
    assert len(report.conflicts) == 1
    assert resolve_conflict(a, row["id"], take_other=True)
    assert a.get(RECS, R1)["deleted"] is False and a.get(RECS, R1)["priority"] == "high"


def test_a_delete_made_after_seeing_the_edit_is_no_conflict(pair, time: FakeTime) -> None:
    a, b = pair
    import_same(a)
    send(a, b)
    b.edit(RECS, R1, {"priority": "high"})
    send(b, a)  # alice has seen bob's edit ...
    time.advance()
    a.edit(RECS, R1, {"deleted": True})  # ... and deletes the record anyway
    assert merge_tables(tables(a), tables(b)).report.conflicts == []
    assert merge_tables(tables(b), tables(a)).report.conflicts == []


def test_three_parallel_values_of_a_field_are_all_kept_for_review(
    tmp_path: Path, time: FakeTime
) -> None:
    people = [machine(tmp_path / f"{n}.json", n, time) for n in ("alice", "bob", "chen")]
    a, b, c = people
    try:
        import_same(a)
        send(a, b)
        send(a, c)
        for ws, value in ((a, "high"), (b, "medium"), (c, "low")):
            time.advance()
            ws.edit(RECS, R1, {"priority": value})
        ta, tb, tc = tables(a), tables(b), tables(c)
        orders = [
            merge_tables(merge_tables(ta, tb).data, tc).data,
            merge_tables(ta, merge_tables(tb, tc).data).data,
            merge_tables(merge_tables(tc, ta).data, tb).data,
        ]
        for data in orders:
            assert data[RECS][R1]["priority"] == "low"  # chen's, the latest
            rows = open_conflicts(data)
            assert sorted(r["other"] for r in rows) == ["high", "medium"]  # none dropped
            assert {r["other_author"] for r in rows} == {"alice", "bob"}
    finally:
        for ws in people:
            ws.close(save=False)


def test_an_old_form_row_and_its_new_twin_are_one_conflict(pair, time: FakeTime) -> None:
    a, b = pair
    import_same(a)
    send(a, b)
    a.edit(RECS, R1, {"note": "A"})
    time.advance()
    b.edit(RECS, R1, {"note": "B"})
    send(b, a)
    [row] = open_conflicts(a.snapshot_tables())
    legacy = f"{RECS}|{R1}|note"  # the id a file written before per-value rows holds
    a.put("conflicts", legacy, dict(row, id=legacy))
    [shown] = open_conflicts(a.snapshot_tables())
    assert shown["id"] == row["id"]
    assert resolve_conflict(a, shown["id"], take_other=False)
    assert a.get("conflicts", legacy)["resolved"] and a.get("conflicts", row["id"])["resolved"]
    assert open_conflicts(a.snapshot_tables()) == []


def test_a_fold_against_an_edit_is_not_offered_as_a_delete_to_undo(pair, time: FakeTime) -> None:
    """A record folded into another stays folded at every merge, so "take the other value"
    (not deleted) could never hold: no deleted-vs-edited conflict for it."""
    a, b = pair
    import_same(a)
    send(a, b)
    time.advance()
    a.edit(RECS, R1, {"deleted": True, "merged_into": R2})
    time.advance()
    b.edit(RECS, R1, {"priority": "high"})
    result = merge_tables(tables(a), tables(b))
    assert result.data[RECS][R1]["deleted"] is True
    assert [c.field for c in result.report.conflicts] == []
