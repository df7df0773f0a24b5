"""The workspace store (DESIGN §1, §4, §5, §6): the one edit function, undo/redo, deterministic
output, validation on open, the lock, files replaced under us, migrations, ``upr check``."""

from __future__ import annotations

import copy
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from tinydb import TinyDB

import tui.store as store
import tui.store.codec as codec
import tui.store.lock as store_lock
import tui.store.storage as storage
import tui.store.workspace as store_workspace
from tui.cli import main
from tui.clock import clock_key, format_clock
from tui.store import (
    FileReplacedError,
    LockedError,
    ReadOnlyError,
    Workspace,
    WorkspaceError,
    check_file,
    field_clock,
    lock_path,
    read_lock,
)

REC = "recommendations"
RID = "UPR:A/HRC/59/15:140.7"
NOW_MS = time.time_ns() // 1_000_000


def new_ws(path: Path, author: str = "ana") -> Workspace:
    return Workspace.open(path, author=author)


def fingerprint(path: Path) -> tuple[bytes, int, int]:
    st = path.stat()
    return path.read_bytes(), st.st_mtime_ns, st.st_ino


def history_of(ws: Workspace, rid: str) -> list[dict[str, Any]]:
    rows = [h for h in ws.table("history").values() if h["record"] == rid]
    return sorted(rows, key=lambda h: clock_key(h["clock"]))


def saved_base(tmp_path: Path, name: str = "base.json") -> Path:
    """A small valid workspace on disk: two recommendations (one edited) and a checklist entry."""
    path = tmp_path / name
    ws = new_ws(path)
    ws.edit(
        REC,
        RID,
        {
            "text": "Ratify the Optional Protocol",
            "position": "supported",
            "recommending": ["FRA"],
            "cycle": 4,
            "session": 48,
        },
    )
    ws.edit(REC, RID, {"priority": "high"})
    ws.edit(REC, "UPR:A/HRC/59/15:140.8", {"text": "Adopt a national action plan"})
    ws.edit(
        "checklist", "SVN:4:consult-cso", {"country": "SVN", "status": "todo", "due": "2025-01-10"}
    )
    ws.close()
    return path


# -- the one edit function ------------------------------------------------------------------


def test_creation_stamps_one_star_clock_and_one_history_row(tmp_path: Path) -> None:
    ws = new_ws(tmp_path / "w.json")
    assert ws.edit(REC, RID, {"text": "Ratify", "position": "noted"})
    record = ws.get(REC, RID)
    assert record is not None
    assert record["text"] == "Ratify" and record["position"] == "noted"
    assert record["priority"] == "none" and record["deleted"] is False  # schema defaults
    assert list(record["_clock"]) == ["*"]
    rows = history_of(ws, RID)
    assert len(rows) == 1
    star = record["_clock"]["*"]
    assert rows[0] == {
        "id": f"{RID}|*|{star}",
        "table": REC,
        "record": RID,
        "field": "*",
        "old": None,
        "new": None,
        "author": "ana",
        "clock": star,
    }
    assert field_clock(record, "text") == star  # fields without their own clock use "*"


def test_edit_sets_field_stamps_clock_and_appends_history(tmp_path: Path) -> None:
    ws = new_ws(tmp_path / "w.json")
    ws.edit(REC, RID, {"text": "Ratify"})
    created = ws.get(REC, RID)["_clock"]["*"]  # type: ignore[index]
    assert ws.edit(REC, RID, {"priority": "high", "note": "ask UNICEF"})
    record = ws.get(REC, RID)
    assert record is not None
    assert record["priority"] == "high" and record["note"] == "ask UNICEF"
    stamp = record["_clock"]["priority"]
    assert record["_clock"]["note"] == stamp  # one edit, one clock
    assert clock_key(stamp) > clock_key(created) and clock_key(stamp)[2] == "ana"
    assert field_clock(record, "priority") == stamp and field_clock(record, "text") == created
    rows = {h["field"]: h for h in history_of(ws, RID)}
    assert rows["priority"] == {
        "id": f"{RID}|priority|{stamp}",
        "table": REC,
        "record": RID,
        "field": "priority",
        "old": "none",
        "new": "high",
        "author": "ana",
        "clock": stamp,
    }
    assert rows["note"]["old"] == "" and rows["note"]["new"] == "ask UNICEF"


def test_equal_value_changes_nothing(tmp_path: Path) -> None:
    ws = new_ws(tmp_path / "w.json")
    ws.edit(REC, RID, {"text": "Ratify", "themes": ["A41"]})
    ws.save()
    calls: list[tuple[str, str, tuple[str, ...]]] = []
    ws.subscribe(lambda *a: calls.append(a))
    before = copy.deepcopy(dict(ws.table("history"))), copy.deepcopy(ws.get(REC, RID))
    assert ws.edit(REC, RID, {"text": "Ratify", "themes": ["A41"]}) is False
    assert (dict(ws.table("history")), ws.get(REC, RID)) == before
    assert not ws.dirty and calls == []
    assert ws.undo() is not None  # the only undo step is still the creation


def test_edit_changes_only_the_fields_that_differ(tmp_path: Path) -> None:
    ws = new_ws(tmp_path / "w.json")
    ws.edit(REC, RID, {"text": "Ratify", "priority": "low"})
    ws.edit(REC, RID, {"text": "Ratify", "priority": "high"})
    assert set(ws.get(REC, RID)["_clock"]) == {"*", "priority"}  # type: ignore[index]
    assert [h["field"] for h in history_of(ws, RID)] == ["*", "priority"]


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"priority": "urgent"}, "priority"),
        ({"position": "maybe"}, "position"),
        ({"cycle": "four"}, "cycle"),
        ({"action_category": 6}, "action_category"),
        ({"triaged": "yes"}, "triaged"),
        ({"text": 5}, "text"),
        ({"text": "x" * 100_001}, "text"),
        ({"themes": "A41"}, "themes"),
        ({"recommending": ["FRA", 1]}, "recommending"),
        ({"text": "lone \ud800 surrogate"}, "text"),
        ({"colour": "red"}, "colour"),
        ({"_clock": {}}, "_clock"),
        ({"id": "other"}, "id"),
        ({"priority": "high", "status": "done"}, "status"),  # one good, one bad: nothing applies
    ],
)
def test_bad_value_raises_and_changes_nothing(
    tmp_path: Path, values: dict[str, Any], fragment: str
) -> None:
    ws = new_ws(tmp_path / "w.json")
    ws.edit(REC, RID, {"text": "Ratify"})
    ws.save()
    before = copy.deepcopy({t: dict(ws.table(t)) for t in ("recommendations", "history")})
    undo_depth = len(ws._undo)
    with pytest.raises(ValueError, match=fragment):
        ws.edit(REC, RID, values)
    with pytest.raises(ValueError):
        ws.edit(REC, "UPR:new:1", values)  # nor is a record created
    assert {t: dict(ws.table(t)) for t in ("recommendations", "history")} == before
    assert not ws.dirty and len(ws._undo) == undo_depth


def test_not_a_number_and_odd_types_are_refused(tmp_path: Path) -> None:
    ws = new_ws(tmp_path / "w.json")
    for bad in (float("nan"), float("inf"), {1, 2}, object()):
        with pytest.raises(ValueError):
            ws.edit("actions", "SVN:a1", {"title": "Plan", "cost": bad})
    assert ws.get("actions", "SVN:a1") is None


@pytest.mark.parametrize("table", ["history", "meta", "conflicts", "nonsense"])
def test_only_record_tables_are_edited(tmp_path: Path, table: str) -> None:
    ws = new_ws(tmp_path / "w.json")
    with pytest.raises(ValueError):
        ws.edit(table, "x", {"note": "n"})


@pytest.mark.parametrize("rid", ["", 5, "x" * 1001])
def test_bad_record_ids_are_refused(tmp_path: Path, rid: Any) -> None:
    ws = new_ws(tmp_path / "w.json")
    with pytest.raises(ValueError):
        ws.edit(REC, rid, {"note": "n"})


def test_values_are_copied_not_shared_with_the_caller(tmp_path: Path) -> None:
    ws = new_ws(tmp_path / "w.json")
    themes = ["A41"]
    ws.edit(REC, RID, {"themes": themes})
    themes.append("B31")
    assert ws.get(REC, RID)["themes"] == ["A41"]  # type: ignore[index]


def test_listeners_hear_each_change_after_it_is_made(tmp_path: Path) -> None:
    ws = new_ws(tmp_path / "w.json")
    heard: list[tuple[str, str, tuple[str, ...], str]] = []

    def listener(table: str, rid: str, fields: tuple[str, ...]) -> None:
        # Saving from another thread inside the listener would deadlock if the lock were held.
        worker = threading.Thread(target=ws.save)
        worker.start()
        worker.join(timeout=10)
        assert not worker.is_alive()
        heard.append((table, rid, fields, ws.get(table, rid)["priority"]))  # type: ignore[index]

    ws.subscribe(listener)
    ws.edit(REC, RID, {"text": "Ratify"})
    ws.edit(REC, RID, {"priority": "high"})
    assert heard == [(REC, RID, ("*", "text"), "none"), (REC, RID, ("priority",), "high")]
    ws.unsubscribe(listener)
    ws.edit(REC, RID, {"priority": "low"})
    assert len(heard) == 2


# -- undo / redo ----------------------------------------------------------------------------


def test_undo_redo_round_trip_and_both_are_edits(tmp_path: Path) -> None:
    ws = new_ws(tmp_path / "w.json")
    ws.edit(REC, RID, {"text": "Ratify"})
    ws.edit(REC, RID, {"priority": "high"})
    edit_clock = ws.get(REC, RID)["_clock"]["priority"]  # type: ignore[index]
    assert ws.can_undo and not ws.can_redo

    assert ws.undo() is not None
    record = ws.get(REC, RID)
    assert record is not None and record["priority"] == "none"
    undo_clock = record["_clock"]["priority"]
    assert clock_key(undo_clock) > clock_key(edit_clock)  # a new edit, with a new clock
    rows = [h for h in history_of(ws, RID) if h["field"] == "priority"]
    assert [(h["old"], h["new"]) for h in rows] == [("none", "high"), ("high", "none")]
    assert ws.can_redo

    assert ws.redo() is not None
    record = ws.get(REC, RID)
    assert record is not None and record["priority"] == "high"
    assert clock_key(record["_clock"]["priority"]) > clock_key(undo_clock)
    rows = [h for h in history_of(ws, RID) if h["field"] == "priority"]
    assert [(h["old"], h["new"]) for h in rows] == [
        ("none", "high"),
        ("high", "none"),
        ("none", "high"),
    ]
    assert all(h["author"] == "ana" for h in rows)
    assert not ws.can_redo


def test_bulk_group_undoes_and_redoes_as_one_step(tmp_path: Path) -> None:
    ws = new_ws(tmp_path / "w.json")
    rids = [f"UPR:A/HRC/59/15:140.{i}" for i in range(1, 6)]
    for rid in rids:
        ws.edit(REC, rid, {"text": f"Recommendation {rid}"})
    ws.edit(REC, rids[0], {"priority": "low"})
    with ws.undo_group("priority high for 5"):
        for rid in rids:
            ws.edit(REC, rid, {"priority": "high", "triaged": True})
    assert all(ws.get(REC, r)["priority"] == "high" for r in rids)  # type: ignore[index]

    step = ws.undo()
    assert step is not None and step.label == "priority high for 5"
    assert [ws.get(REC, r)["priority"] for r in rids] == ["low", "none", "none", "none", "none"]  # type: ignore[index]
    assert not any(ws.get(REC, r)["triaged"] for r in rids)  # type: ignore[index]

    assert ws.redo() is step
    assert all(ws.get(REC, r)["priority"] == "high" and ws.get(REC, r)["triaged"] for r in rids)  # type: ignore[index]
    ws.undo()
    ws.undo()  # the single edit before the group
    assert ws.get(REC, rids[0])["priority"] == "none"  # type: ignore[index]


def test_nested_groups_make_one_step(tmp_path: Path) -> None:
    ws = new_ws(tmp_path / "w.json")
    with ws.undo_group("outer"):
        ws.edit(REC, "a", {"text": "A"})
        with ws.undo_group("inner"):
            ws.edit(REC, "b", {"text": "B"})
    step = ws.undo()
    assert step is not None and step.label == "outer" and not ws.can_undo


def test_empty_group_adds_no_step(tmp_path: Path) -> None:
    ws = new_ws(tmp_path / "w.json")
    with ws.undo_group("nothing"):
        pass
    assert not ws.can_undo


def test_undo_of_creation_hides_the_record_and_redo_shows_it(tmp_path: Path) -> None:
    ws = new_ws(tmp_path / "w.json")
    with ws.undo_group("import 2"):
        ws.edit(REC, "r1", {"text": "One", "position": "supported"})
        ws.edit(REC, "r2", {"text": "Two"})
    ws.undo()
    for rid, text in (("r1", "One"), ("r2", "Two")):
        record = ws.get(REC, rid)
        assert record is not None, "nothing is hard-deleted"
        assert record["deleted"] is True and record["text"] == text
    assert ws.get(REC, "r1")["position"] == "supported"  # type: ignore[index]
    ws.redo()
    assert ws.get(REC, "r1")["deleted"] is False and ws.get(REC, "r2")["deleted"] is False  # type: ignore[index]
    fields = [h["field"] for h in history_of(ws, "r1")]
    assert fields == ["*", "deleted", "deleted"]


def test_a_new_edit_clears_redo(tmp_path: Path) -> None:
    ws = new_ws(tmp_path / "w.json")
    ws.edit(REC, RID, {"priority": "high"})
    ws.undo()
    assert ws.can_redo
    ws.edit(REC, RID, {"note": "n"})
    assert not ws.can_redo and ws.redo() is None


def test_undo_survives_a_save_and_is_saved(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    ws = new_ws(path)
    ws.edit(REC, RID, {"priority": "high"})
    ws.save()
    ws.undo()
    ws.close()
    again = Workspace.open(path, author="ana", read_only=True)
    assert again.get(REC, RID)["deleted"] is True  # type: ignore[index]


def test_apply_clocked_keeps_the_other_authors_clock(tmp_path: Path) -> None:
    ws = new_ws(tmp_path / "w.json")
    ws.edit(REC, RID, {"text": "Ratify"})
    theirs = format_clock(NOW_MS + 60_000, 3, "bob")
    assert ws.apply_clocked(REC, RID, {"priority": "low"}, theirs)
    record = ws.get(REC, RID)
    assert record is not None and record["_clock"]["priority"] == theirs
    row = ws.get("history", f"{RID}|priority|{theirs}")
    assert row is not None and row["author"] == "bob"
    assert clock_key(ws.clock.tick()) > clock_key(theirs)  # our next edit orders after theirs
    assert [s.label for s in ws._undo] == [f"create {RID}"]  # a merge is not an undo step
    with pytest.raises(ValueError):
        ws.apply_clocked(REC, RID, {"priority": "high"}, "not a clock")


# -- saving: deterministic, lazy, never from edit() -------------------------------------------


def test_output_is_sorted_one_record_per_line_utf8(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    ws = new_ws(path)
    ws.edit(REC, "UPR:b", {"text": 'Égalité — 平等 \u2028 "quoted"\nnext'})
    ws.edit(REC, "UPR:a", {"text": "first"})
    ws.edit("checklist", "SVN:4:x", {"country": "SVN"})
    ws.save()
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    assert "\r" not in text and text.endswith("}\n")
    assert "Égalité — 平等" in text  # UTF-8 kept, not \u-escaped
    lines = text.split("\n")
    assert lines[0] == "{" and lines[-2:] == ["}", ""]
    heads = [
        line.split(":", 1)[0]
        for line in lines
        if line.endswith(":{") or line.endswith(":{},") or line.endswith(":{}")
    ]
    tables = [json.loads(h) for h in heads]
    assert tables == sorted(tables) == sorted(store.TABLES)
    start = lines.index('"recommendations":{') + 1
    record_lines = lines[start : lines.index("}", start)]
    assert [json.loads("{" + line.rstrip(",") + "}") for line in record_lines]  # each line alone
    assert [line.split('":', 1)[0] for line in record_lines] == ['"UPR:a', '"UPR:b']
    for line in record_lines:
        body = json.loads("{" + line.rstrip(",") + "}")
        (record,) = body.values()
        assert list(record) == sorted(record)
    data = json.loads(text)
    assert data == {t: dict(ws.table(t)) for t in store.TABLES}


def test_stock_tinydb_reads_the_file(tmp_path: Path) -> None:
    path = saved_base(tmp_path)
    ws = Workspace.open(path, author="ana", read_only=True)
    db = TinyDB(path)  # the default JSONStorage
    try:
        assert db.storage.read() == {t: dict(ws.table(t)) for t in store.TABLES}
        assert set(db.tables()) == set(store.TABLES)
    finally:
        db.close()
    sdb = TinyDB(path, storage=store.WorkspaceStorage)
    sdb.table_class = store.StrTable
    doc = sdb.table(REC).get(doc_id=RID)
    assert doc is not None and doc["priority"] == "high"


def test_storage_alone_works_as_a_tinydb_storage(tmp_path: Path) -> None:
    path = tmp_path / "plain.json"
    db = store.WorkspaceDB(path, storage=store.WorkspaceStorage)
    table = db.table("countries")
    from tinydb.table import Document

    table.insert(Document({"id": "SVN", "notes": "x"}, doc_id="SVN"))
    table.insert(Document({"id": "AUT", "notes": "y"}, doc_id="AUT"))
    table.update({"notes": "z"}, doc_ids=["SVN"])
    table.remove(doc_ids=["AUT"])
    assert json.loads(path.read_text("utf-8")) == {
        "countries": {"SVN": {"id": "SVN", "notes": "z"}}
    }
    assert path.read_text("utf-8") == '{\n"countries":{\n"SVN":{"id":"SVN","notes":"z"}\n}\n}\n'


def _build(path: Path, ops: list[tuple[str, str, dict[str, Any], str]]) -> bytes:
    ws = Workspace.open(path, author="ana")
    for table, rid, values, clock in ops:
        ws.apply_clocked(table, rid, values, clock)
    ws.close()
    return path.read_bytes()


def test_same_content_same_bytes_whatever_the_order_of_edits(tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    Workspace.open(base, author="ana").close()  # meta (workspace id, created) shared by both
    ops: list[tuple[str, str, dict[str, Any], str]] = []
    for i in range(60):
        ops.append(
            (
                REC,
                f"UPR:A/HRC/59/15:140.{i}",
                {"text": f"T{i} é", "themes": ["A41"]},
                format_clock(NOW_MS - 10_000, i, "bob"),
            )
        )
        ops.append(
            (
                "checklist",
                f"SVN:4:item{i}",
                {"country": "SVN"},
                format_clock(NOW_MS - 9_000, i, "cy"),
            )
        )
    later = [
        (
            REC,
            f"UPR:A/HRC/59/15:140.{i}",
            {"priority": "high"},
            format_clock(NOW_MS - 5_000, i, "dee"),
        )
        for i in range(0, 60, 7)
    ]
    shuffled = ops[:]
    random.Random(4).shuffle(shuffled)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_bytes(base.read_bytes())
    b.write_bytes(base.read_bytes())
    first = _build(a, ops + later)
    second = _build(b, list(reversed(shuffled)) + list(reversed(later)))
    assert first == second
    assert first.count(b'"priority":"high"') == len(later)


def test_order_stays_sorted_across_saves(tmp_path: Path) -> None:
    """New ids land before, between and after saved ones; the file stays sorted every time."""
    path = tmp_path / "w.json"
    ws = new_ws(path)
    rnd = random.Random(11)
    ids: set[str] = set()
    for _round in range(8):
        for _ in range(rnd.randint(1, 40)):
            rid = f"UPR:A/HRC/{rnd.randint(1, 60)}/{rnd.randint(1, 30)}:{rnd.randint(1, 200)}"
            ws.edit(REC, rid, {"note": str(_round)})
            ids.add(rid)
        ws.save()
        data = json.loads(path.read_text("utf-8"))  # keeps the order of the file
        assert list(data[REC]) == sorted(ids)
        assert list(data["history"]) == sorted(ws.table("history"))


def test_saving_twice_without_edits_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    ws = new_ws(path)
    ws.edit(REC, RID, {"text": "Ratify"})
    assert ws.dirty and ws.save() is True
    before = fingerprint(path)
    time.sleep(0.01)
    assert not ws.dirty and ws.save() is False
    assert fingerprint(path) == before


def test_opening_and_closing_leaves_the_file_untouched(tmp_path: Path) -> None:
    path = saved_base(tmp_path)
    before = fingerprint(path)
    ws = new_ws(path)
    assert not ws.dirty
    ws.close()
    assert fingerprint(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.json"]


def test_a_new_workspace_is_written_at_the_first_save(tmp_path: Path) -> None:
    path = tmp_path / "new.json"
    ws = new_ws(path)
    assert not path.exists() and ws.dirty
    ws.close()
    data = json.loads(path.read_text("utf-8"))
    assert data["meta"]["meta"]["schema_version"] == store.SCHEMA_VERSION
    assert set(data) == set(store.TABLES)


def test_only_changed_records_are_encoded_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "w.json"
    ws = new_ws(path)
    for i in range(200):
        ws.edit(REC, f"r{i:03d}", {"text": f"t{i}"})
    ws.save()
    encoded: list[str] = []
    real = storage.encode_line

    def counting(rid: str, record: dict[str, Any]) -> bytes:
        encoded.append(rid)
        return real(rid, record)

    monkeypatch.setattr(storage, "encode_line", counting)
    ws.edit(REC, "r150", {"priority": "low"})
    ws.save()
    assert sorted(encoded) == sorted(
        ["r150", next(h for h in ws.table("history") if "|priority|" in h)]
    )
    assert json.loads(path.read_text("utf-8"))[REC]["r150"]["priority"] == "low"


def test_first_save_writes_the_files_own_lines_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13.5: the first save after opening encodes only what changed; every other line
    is the file's own, byte for byte (no json.dumps of every record)."""
    path = saved_base(tmp_path)
    before = path.read_bytes().split(b"\n")
    encoded: list[str] = []
    real = storage.encode_line
    monkeypatch.setattr(
        storage, "encode_line", lambda rid, rec: encoded.append(rid) or real(rid, rec)
    )
    ws = new_ws(path)
    assert encoded == []  # opening is one parse, no encoding
    ws.edit(REC, RID, {"note": "n"})
    ws.save()
    history_row = next(h for h in ws.table("history") if "|note|" in h)
    assert sorted(encoded) == sorted([RID, history_row])
    after = path.read_bytes().split(b"\n")
    changed = [line for line in after if line not in before]
    assert len(changed) == 2  # the edited record and its new history row
    assert all(line in after for line in before if not line.startswith(json.dumps(RID).encode()))
    encoded.clear()
    ws.edit(REC, RID, {"note": "m"})
    ws.save()
    assert len(encoded) == 2
    ws.close()
    monkeypatch.undo()
    kept = path.read_bytes()
    again = new_ws(path)  # the same file as encoding every record gives
    again.storage.mark_all_dirty()
    again.close()
    assert path.read_bytes() == kept


@pytest.mark.parametrize(
    "damage",
    [
        (
            "sorted keys",
            lambda line: line.replace(b',"triaged":false}', b"}").replace(
                b'{"_clock"', b'{"triaged":false,"_clock"'
            ),
        ),
        ("spaces", lambda line: line.replace(b'":"', b'": "', 1)),
        ("escaped", lambda line: line.replace(b"\xc3\xa9", b"\\u00e9")),
        ("missing field", lambda line: line.replace(b'"body":"",', b"")),
    ],
    ids=lambda d: d[0],
)
def test_a_line_not_written_by_the_store_is_encoded_again(
    tmp_path: Path, damage: tuple[str, Any]
) -> None:
    """A line the store would not write (hand-edited, another tool) is not kept verbatim: the
    first save writes the canonical line, so copies of the same content stay the same bytes."""
    path = saved_base(tmp_path)
    ws = new_ws(path)
    ws.edit(REC, RID, {"text": "Égalité des droits"})
    ws.close()
    canonical = path.read_bytes()
    head = json.dumps(RID).encode() + b":"
    lines = canonical.split(b"\n")
    at = next(i for i, line in enumerate(lines) if line.startswith(head))
    name, change = damage
    lines[at] = change(lines[at])
    assert lines[at] != canonical.split(b"\n")[at]
    path.write_bytes(b"\n".join(lines))
    ws = new_ws(path)
    ws.edit(REC, "UPR:other", {"text": "new"})
    ws.close()
    written = path.read_bytes().split(b"\n")
    line = next(line for line in written if line.startswith(head))
    record = ws.get(REC, RID)
    assert line.rstrip(b",") == storage.encode_line(RID, record)


def test_edit_never_touches_the_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = new_ws(tmp_path / "w.json")
    ws.save()

    def no_disk(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("edit() touched the disk")

    for name in ("open", "write", "fsync", "replace", "rename", "stat", "fstat"):
        monkeypatch.setattr(os, name, no_disk)
    for i in range(50):
        ws.edit(REC, f"r{i}", {"text": "x", "priority": "high"})
    ws.undo()
    ws.redo()
    monkeypatch.undo()
    assert ws.save()


def test_snapshot_is_one_instant_even_if_edits_come_while_encoding(tmp_path: Path) -> None:
    """Copy-on-write: records edited after the snapshot began are written as they were then."""
    path = tmp_path / "w.json"
    ws = new_ws(path)
    for i in range(20):
        ws.edit(REC, f"r{i:02d}", {"text": f"t{i}"})
    ws.save()
    ws.edit(REC, "r05", {"priority": "low"})  # stale line, needs encoding
    storage = ws.storage
    snap, orders = storage.begin_snapshot()
    expected = {t: copy.deepcopy(dict(ws.table(t))) for t in store.TABLES}
    ws.edit(REC, "r05", {"priority": "high"})  # stale and edited: copied before the change
    ws.edit(REC, "r10", {"priority": "high"})  # clean line: the cached one is the old state
    ws.edit(REC, "r99", {"text": "new"})  # created after: not in this snapshot
    storage.encode_snapshot(snap, orders)
    storage.finish_snapshot(snap)
    storage.write_chunks(storage._chunks(snap.tables, orders))
    assert json.loads(path.read_text("utf-8")) == expected
    assert ws.dirty
    ws.save()  # and the next save has everything
    assert json.loads(path.read_text("utf-8"))[REC]["r05"]["priority"] == "high"
    assert json.loads(path.read_text("utf-8"))[REC]["r99"]["text"] == "new"


def _consistent(data: dict[str, Any]) -> None:
    """Every field clock has its history row, and every history row's edit is in its record."""
    history = data["history"]
    for table in ("recommendations", "checklist"):
        for rid, record in data[table].items():
            for fname, clock in record["_clock"].items():
                assert f"{rid}|{fname}|{clock}" in history, (rid, fname)
    for row in history.values():
        record = data[row["table"]][row["record"]]
        own = record["_clock"].get(row["field"])
        assert own is not None and clock_key(own) >= clock_key(row["clock"])


def test_saves_in_a_worker_while_editing_write_consistent_files(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    ws = new_ws(path)
    for i in range(300):
        ws.edit(REC, f"r{i:03d}", {"text": f"t{i}"})
    ws.save()
    done = threading.Event()
    seen: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def saver() -> None:
        try:
            while not done.is_set():
                if ws.save():
                    seen.append(json.loads(path.read_text("utf-8")))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    worker = threading.Thread(target=saver)
    worker.start()
    rnd = random.Random(7)
    n = 0
    try:
        while (n < 3000 or len(seen) < 5) and n < 100_000:
            rid = f"r{rnd.randrange(330):03d}"
            ws.edit(REC, rid, {"priority": rnd.choice(["high", "low", "medium"]), "note": str(n)})
            n += 1
            if n % 20 == 0:
                time.sleep(0.001)  # a pause now and then, as between keystrokes
    finally:
        done.set()
        worker.join()
    assert not errors
    ws.save()
    assert len(seen) >= 2
    for data in seen:
        _consistent(data)
    final = json.loads(path.read_text("utf-8"))
    assert final == {t: dict(ws.table(t)) for t in store.TABLES}


# -- validation on open ---------------------------------------------------------------------


@pytest.fixture(params=["orjson-lines", "stdlib"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with each parser: both must accept and refuse the same files."""
    if request.param == "stdlib":
        monkeypatch.setattr(codec, "_orjson", None)
    else:
        assert codec._orjson is not None, "orjson is installed in the test environment"
    return str(request.param)


def assert_refused(path: Path, *fragments: str, now_ms: int | None = None) -> str:
    """Open must fail with ONE line naming the file and the fragments; nothing may change."""
    before = fingerprint(path)
    listing = sorted(p.name for p in path.parent.iterdir())
    with pytest.raises(WorkspaceError) as info:
        Workspace.open(path, author="ana", now_ms=now_ms)
    message = str(info.value)
    assert "\n" not in message and "\x1b" not in message
    assert path.name in message
    for fragment in fragments:
        assert fragment in message, message
    assert fingerprint(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == listing  # no lock, bak, temp left
    return message


def rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def mutate(path: Path, change: Any) -> None:
    """Load, change with a function, write back as one line (the layout of stock TinyDB)."""
    data = json.loads(path.read_text("utf-8"))
    change(data)
    path.write_text(json.dumps(data), "utf-8")


@pytest.mark.parametrize(
    ("old", "new", "fragments"),
    [
        (
            '"priority":"high"',
            '"priority":5',
            ("recommendations/UPR:A/HRC/59/15:140.7", "priority"),
        ),
        ('"cycle":4', '"cycle":"four"', ("140.7", "'cycle'")),
        ('"position":"supported"', '"position":"maybe"', ("140.7", "'position'", "maybe")),
        ('"triaged":false', '"triaged":"no"', ("140.7", "'triaged'")),
        ('"recommending":["FRA"]', '"recommending":[1]', ("140.7", "'recommending'")),
        ('"due":"2025-01-10"', '"due":"10/01/2025"', ("checklist/SVN:4:consult-cso", "'due'")),
        ('"status":"todo"', '"status":"finished"', ("SVN:4:consult-cso", "'status'")),
        ('"schema_version":2', '"schema_version":"2"', ("meta", "schema_version")),
    ],
)
@pytest.mark.usefixtures("parser")
def test_wrong_types_and_values_are_refused(
    tmp_path: Path, old: str, new: str, fragments: tuple[str, ...]
) -> None:
    path = saved_base(tmp_path)
    rewrite(path, old, new)
    message = assert_refused(path, *fragments)
    assert "(line " in message or "meta" in message


@pytest.mark.usefixtures("parser")
def test_the_message_gives_the_line_of_the_record(tmp_path: Path) -> None:
    path = saved_base(tmp_path)
    rewrite(path, '"priority":"high"', '"priority":"urgent"')
    lines = path.read_text("utf-8").split("\n")
    line = next(i for i, text in enumerate(lines, 1) if '"priority":"urgent"' in text)
    assert_refused(path, f"(line {line})", "'priority'", "urgent")


@pytest.mark.usefixtures("parser")
def test_malformed_clock_is_refused(tmp_path: Path) -> None:
    path = saved_base(tmp_path)

    def spoil(data: dict[str, Any]) -> None:
        data[REC][RID]["_clock"]["priority"] = "yesterday|1|ana"

    mutate(path, spoil)
    assert_refused(path, "140.7", "_clock.priority", "malformed")


def test_clock_not_an_object_is_refused(tmp_path: Path) -> None:
    path = saved_base(tmp_path)
    mutate(path, lambda d: d[REC][RID].__setitem__("_clock", ["x"]))
    assert_refused(path, "140.7", "_clock")


@pytest.mark.usefixtures("parser")
def test_clock_more_than_a_day_ahead_opens_with_one_warning(tmp_path: Path) -> None:
    """DESIGN §4 (issue 15.4): a wrong date elsewhere never locks anyone out."""
    path = saved_base(tmp_path)
    ahead = format_clock(NOW_MS + 2 * 86_400_000, 0, "mallory")
    mutate(path, lambda d: d[REC][RID]["_clock"].__setitem__("note", ahead))
    ws = Workspace.open(path, author="ana")
    assert len(ws.warnings) == 1 and "mallory (48 h ahead, 1 edit(s))" in ws.warnings[0]
    # Our clock is not dragged into the future: an edit of another field is stamped now...
    ws.edit(REC, RID, {"priority": "low"})
    assert clock_key(field_clock(ws.get(REC, RID), "priority"))[0] < NOW_MS + 86_400_000
    # ...and an edit of the field holding the future clock gets one just above it.
    ws.edit(REC, RID, {"note": "later, honest"})
    mine = field_clock(ws.get(REC, RID), "note")
    assert clock_key(mine) > clock_key(ahead) and mine.startswith(ahead[:14])
    assert mine.endswith("|ana")
    ws.close()
    # ...but less than a day ahead (a colleague's fast clock) is fine and silent
    path2 = saved_base(tmp_path, "ok.json")
    soon = format_clock(NOW_MS + 3_600_000, 0, "fast")
    mutate(path2, lambda d: d[REC][RID]["_clock"].__setitem__("note", soon))
    ws = Workspace.open(path2, author="ana", read_only=True)
    assert ws.warnings == [] and clock_key(ws.clock.tick()) > clock_key(soon)


def test_history_clock_in_the_future_warns_and_malformed_is_refused(tmp_path: Path) -> None:
    path = saved_base(tmp_path)

    def spoil(data: dict[str, Any]) -> None:
        row = next(iter(data["history"].values()))
        row["clock"] = format_clock(NOW_MS + 5 * 86_400_000, 0, "m")

    mutate(path, spoil)
    [warning] = Workspace.open(path, author="ana", read_only=True).warnings
    assert "m (5 days ahead, 1 edit(s))" in warning
    path2 = saved_base(tmp_path, "b.json")
    mutate(path2, lambda d: next(iter(d["history"].values())).__setitem__("clock", "soon"))
    assert_refused(path2, "history/", "'clock'")


def test_now_ms_moves_the_future_limit(tmp_path: Path) -> None:
    path = saved_base(tmp_path)
    ws = Workspace.open(path, author="ana", read_only=True, now_ms=NOW_MS - 3 * 86_400_000)
    assert len(ws.warnings) == 1 and "ana (" in ws.warnings[0]


@pytest.mark.usefixtures("parser")
def test_invalid_utf8_is_refused_with_its_line(tmp_path: Path) -> None:
    path = saved_base(tmp_path)
    raw = path.read_bytes().replace(b"Adopt a national", b"Adopt a \xff\xfe national", 1)
    path.write_bytes(raw)
    line = raw[: raw.index(b"\xff")].count(b"\n") + 1
    assert_refused(path, "not UTF-8", f"line {line}")


@pytest.mark.usefixtures("parser")
def test_invalid_json_is_refused_with_its_line(tmp_path: Path) -> None:
    path = saved_base(tmp_path)
    lines = path.read_text("utf-8").split("\n")
    target = next(i for i, text in enumerate(lines) if text.startswith('"UPR:A/HRC/59/15:140.7"'))
    lines[target] = lines[target].rstrip(",")  # a missing comma: invalid for every reader
    path.write_text("\n".join(lines), "utf-8")
    assert_refused(path, "not valid JSON", f"line {target + 2}")


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        ("[1, 2, 3]", ("top level",)),
        ('"just a string"', ("top level",)),
        ('{"recommendations": []}', ("recommendations", "not an object")),
        ('{"recommendations": {"x": 5}}', ("recommendations/x", "expected an object")),
        (
            '{"recommendations": {"x": {"id": "y"}}}',
            ("recommendations/x", "'id'", "does not match"),
        ),
        ('{"recommendations": {"x": {"id": "x", "priority": NaN}}}', ("NaN",)),
        ('{"actions": {"x": {"id": "x", "cost": 1e999}}}', ("too large",)),
        ('{"a": 1,}', ("not valid JSON", "line 1")),
    ],
)
@pytest.mark.usefixtures("parser")
def test_structure_faults_are_refused(
    tmp_path: Path, content: str, fragments: tuple[str, ...]
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, "utf-8")
    assert_refused(path, *fragments)


@pytest.mark.usefixtures("parser")
def test_duplicate_record_ids_are_refused(tmp_path: Path) -> None:
    path = saved_base(tmp_path)
    lines = path.read_text("utf-8").split("\n")
    target = next(i for i, text in enumerate(lines) if text.startswith('"UPR:A/HRC/59/15:140.7"'))
    assert lines[target].endswith(",")
    lines.insert(target + 1, lines[target].replace('"text":"Ratify', '"text":"Hidden'))
    path.write_text("\n".join(lines), "utf-8")
    json.loads(path.read_text("utf-8"))  # plain json accepts it and keeps the last: the danger
    assert_refused(path, "recommendations", "140.7", "appears twice", f"line {target + 2}")


@pytest.mark.usefixtures("parser")
def test_duplicates_are_found_in_any_layout(tmp_path: Path) -> None:
    path = tmp_path / "one-line.json"
    path.write_text(
        '{"countries": {"SVN": {"id": "SVN"}, "AUT": {"id": "AUT"}, "SVN": {"id": "SVN"}}}'
    )
    assert_refused(path, "countries", "'SVN'", "appears twice")
    path.write_text('{"countries": {}, "countries": {}}')
    assert_refused(path, "table 'countries' appears twice")
    # A field twice inside one record keeps the last, as every JSON reader does.
    path.write_text('{"countries": {"SVN": {"id": "SVN", "notes": "a", "notes": "b"}}}')
    assert (
        Workspace.open(path, author="ana", read_only=True).get("countries", "SVN")["notes"] == "b"
    )  # type: ignore[index]


def test_newer_schema_is_refused_clearly(tmp_path: Path) -> None:
    path = saved_base(tmp_path)
    rewrite(path, '"schema_version":2', '"schema_version":7')
    assert_refused(path, "made by a newer version of upr", "schema 7", "upgrade")
    assert main(["check", str(path)]) == 2


@pytest.mark.usefixtures("parser")
def test_deep_nesting_is_refused_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 200_000 + "]" * 200_000)
    assert_refused(path)
    path.write_text('{"recommendations":' + '{"a":' * 50_000 + "1" + "}" * 50_000 + "}")
    assert_refused(path)


@pytest.mark.usefixtures("parser")
def test_deep_value_inside_a_record_names_the_field(tmp_path: Path) -> None:
    path = saved_base(tmp_path)
    mutate(
        path,
        lambda d: d[REC][RID].__setitem__("source", json.loads('{"a":' * 200 + "1" + "}" * 200)),
    )
    assert_refused(path, "140.7", "'source'", "nested")


@pytest.mark.usefixtures("parser")
def test_lone_surrogate_is_refused_naming_the_field(tmp_path: Path) -> None:
    path = saved_base(tmp_path)
    rewrite(path, '"note":""', '"note":"bad \\ud800 text"')
    assert_refused(path, "'note'", "Unicode")


@pytest.mark.usefixtures("parser")
def test_escaped_emoji_is_fine(tmp_path: Path) -> None:
    path = saved_base(tmp_path)
    rewrite(path, '"note":""', '"note":"ok \\ud83d\\ude00"')
    ws = Workspace.open(path, author="ana", read_only=True)
    assert ws.table("checklist")["SVN:4:consult-cso"]["note"] == "ok \U0001f600"


@pytest.mark.usefixtures("parser")
def test_string_longer_than_the_limit_is_refused(tmp_path: Path) -> None:
    path = saved_base(tmp_path)
    rewrite(path, '"note":""', '"note":"' + "x" * 100_001 + '"')
    assert_refused(path, "'note'", "longer")


def test_control_characters_in_ids_do_not_reach_the_terminal(tmp_path: Path) -> None:
    path = tmp_path / "evil.json"
    path.write_text(json.dumps({"recommendations": {"\x1b]0;pwned\x07x": {"id": "y"}}}))
    assert_refused(path, "does not match")


@pytest.mark.usefixtures("parser")
def test_a_file_from_elsewhere_with_missing_and_unknown_fields_loads(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(
        json.dumps(
            {
                "recommendations": {"r1": {"text": "Only text", "x_extra": {"kept": [1, 2]}}},
                "_default": {"1": {"anything": True}},
            }
        )
    )
    ws = new_ws(path)
    record = ws.get(REC, "r1")
    assert record is not None
    assert record["id"] == "r1" and record["priority"] == "none" and record["_clock"] == {}
    ws.edit(REC, "r1", {"priority": "high"})
    ws.close()
    data = json.loads(path.read_text("utf-8"))
    assert data[REC]["r1"]["x_extra"] == {"kept": [1, 2]}  # unknown fields are kept
    assert data["_default"] == {"1": {"anything": True}}  # and unknown tables
    assert data[REC]["r1"]["priority"] == "high"


@pytest.mark.usefixtures("parser")
def test_byte_order_mark_and_empty_file_are_accepted(tmp_path: Path) -> None:
    path = saved_base(tmp_path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert Workspace.open(path, author="ana", read_only=True).get(REC, RID) is not None
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    assert len(Workspace.open(empty, author="ana", read_only=True).table(REC)) == 0


def test_our_layout_is_parsed_line_by_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path really runs for our files (the stdlib parser is not even called)."""
    path = saved_base(tmp_path)

    def no_stdlib(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("fell back to the stdlib parser")

    monkeypatch.setattr(codec.json, "loads", no_stdlib)
    ws = Workspace.open(path, author="ana", read_only=True)
    assert ws.get(REC, RID)["priority"] == "high"  # type: ignore[index]


@pytest.mark.parametrize("layout", ["one line", "indented", "spaces after colons"])
def test_other_layouts_load_the_same(tmp_path: Path, layout: str) -> None:
    path = saved_base(tmp_path)
    expected = {
        t: dict(Workspace.open(path, author="a", read_only=True).table(t)) for t in store.TABLES
    }
    data = json.loads(path.read_text("utf-8"))
    if layout == "one line":
        path.write_text(json.dumps(data), "utf-8")
    elif layout == "indented":
        path.write_text(json.dumps(data, indent=2), "utf-8")
    else:
        path.write_text(path.read_text("utf-8").replace('":"', '": "'), "utf-8")
    ws = Workspace.open(path, author="a", read_only=True)
    assert {t: dict(ws.table(t)) for t in store.TABLES} == expected


@pytest.mark.usefixtures("parser")
@pytest.mark.parametrize(
    "edit",
    [
        lambda lines, i: lines.__setitem__(i, lines[i] + ","),  # one comma too many
        lambda lines, i: lines.__setitem__(i - 1, lines[i - 1].rstrip(",")),  # one missing
        lambda lines, i: lines.insert(i, ""),  # a blank line is fine JSON...
    ],
)
def test_commas_and_blank_lines_in_our_layout(tmp_path: Path, edit: Any) -> None:
    path = saved_base(tmp_path)
    lines = path.read_text("utf-8").split("\n")
    last_record = lines.index("}", lines.index('"recommendations":{')) - 1
    edit(lines, last_record)
    path.write_text("\n".join(lines), "utf-8")
    try:
        json.loads(path.read_text("utf-8"))
    except ValueError:
        assert_refused(path, "not valid JSON")
    else:
        assert Workspace.open(path, author="a", read_only=True).get(REC, RID) is not None


@pytest.mark.usefixtures("parser")
def test_numbers_beyond_2_53_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text('{"actions": {"a": {"id": "a", "cost": 12345678901234567890123}}}\n')
    assert_refused(path, "actions/a", "'cost'", "2^53")
    ws = new_ws(tmp_path / "w.json")
    with pytest.raises(ValueError, match="2\\^53"):
        ws.edit("actions", "a", {"cost": 2**60})
    assert ws.edit("actions", "a", {"cost": 2**53})
    assert ws.edit("actions", "b", {"cost": 1234.5})


def test_missing_file_and_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="no such file"):
        Workspace.open(tmp_path / "nope.json", author="ana", create=False)
    with pytest.raises(WorkspaceError, match="no such file"):
        Workspace.open(tmp_path / "nope.json", author="ana", read_only=True)
    with pytest.raises(WorkspaceError, match="folder"):
        Workspace.open(tmp_path, author="ana")
    with pytest.raises(WorkspaceError, match="no such folder"):
        Workspace.open(tmp_path / "missing" / "w.json", author="ana")


# -- migrations -----------------------------------------------------------------------------


def _v3_moves_prio(data: dict[str, dict[str, Any]]) -> None:
    """A fake migration 2 -> 3: the legacy field ``prio`` becomes ``priority``."""
    for record in data.get(REC, {}).values():
        if "prio" in record:
            record["priority"] = record.pop("prio")


def test_older_file_is_migrated_after_keeping_a_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = saved_base(tmp_path)
    mutate(path, lambda d: d[REC][RID].__setitem__("prio", "low"))
    original = path.read_bytes()
    monkeypatch.setattr(store_workspace, "SCHEMA_VERSION", 3)
    monkeypatch.setattr(store_workspace, "MIGRATIONS", {2: _v3_moves_prio})
    ws = new_ws(path)
    assert ws.migrated_from == 2
    bak = tmp_path / "base.json.v2.bak"
    assert bak.read_bytes() == original
    data = json.loads(path.read_text("utf-8"))  # written at once
    assert data["meta"]["meta"]["schema_version"] == 3
    assert data[REC][RID]["priority"] == "low" and "prio" not in data[REC][RID]
    ws.close()
    again = new_ws(path)  # a migrated file is not migrated again
    assert again.migrated_from is None
    again.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.json", "base.json.v2.bak"]


def test_checking_an_older_file_migrates_in_memory_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = saved_base(tmp_path)
    before = fingerprint(path)
    monkeypatch.setattr(store_workspace, "SCHEMA_VERSION", 3)
    monkeypatch.setattr(store_workspace, "MIGRATIONS", {2: _v3_moves_prio})
    assert "would be upgraded" in check_file(path)
    assert fingerprint(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.json"]


def test_a_failing_or_missing_migration_leaves_the_file_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = saved_base(tmp_path)
    monkeypatch.setattr(store_workspace, "SCHEMA_VERSION", 4)

    def broken(data: dict[str, Any]) -> None:
        raise KeyError("surprise")

    monkeypatch.setattr(store_workspace, "MIGRATIONS", {2: _v3_moves_prio, 3: broken})
    assert_refused(path, "upgrading from schema 3 failed")
    monkeypatch.setattr(store_workspace, "MIGRATIONS", {2: _v3_moves_prio})
    assert_refused(path, "no step from 3 to 4")


def test_a_migration_that_breaks_records_is_caught_by_validation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = saved_base(tmp_path)
    monkeypatch.setattr(store_workspace, "SCHEMA_VERSION", 3)
    monkeypatch.setattr(
        store_workspace, "MIGRATIONS", {2: lambda d: d[REC][RID].__setitem__("priority", "urgent")}
    )
    assert_refused(path, "140.7", "'priority'")


# -- the lock -------------------------------------------------------------------------------


def test_lock_names_its_holder_and_close_removes_it(tmp_path: Path) -> None:
    path = saved_base(tmp_path)
    ws = Workspace.open(path, author="ana")
    holder = read_lock(path)
    assert holder is not None
    assert holder["pid"] == os.getpid() and holder["author"] == "ana"
    assert holder["host"] == socket.gethostname()
    with pytest.raises(LockedError) as info:
        Workspace.open(path, author="bob")
    assert info.value.holder["author"] == "ana"
    assert "ana" in str(info.value) and str(os.getpid()) in str(info.value)
    ws.close()
    assert not lock_path(path).exists()
    Workspace.open(path, author="bob").close()


HOLDER = """
import sys
from tui.store import Workspace
ws = Workspace.open(sys.argv[1], author="holder.h")
print("open", flush=True)
sys.stdin.readline()
ws.close()
"""


def test_lock_held_by_another_process(tmp_path: Path) -> None:
    path = saved_base(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "open"
        with pytest.raises(LockedError) as info:
            Workspace.open(path, author="ana")
        assert info.value.holder["pid"] == proc.pid
        assert f"pid {proc.pid}" in str(info.value) and "holder.h" in str(info.value)
        ro = Workspace.open(path, author="ana", read_only=True)  # a look is always possible
        assert ro.get(REC, RID) is not None
        with pytest.raises(ReadOnlyError):
            ro.edit(REC, RID, {"priority": "low"})
        assert ro.save() is False
    finally:
        proc.communicate("\n", timeout=30)
    assert not lock_path(path).exists()


def test_read_only_takes_no_lock_and_refuses_edits(tmp_path: Path) -> None:
    path = saved_base(tmp_path)
    before = fingerprint(path)
    ws = Workspace.open(path, author="ana", read_only=True)
    assert not lock_path(path).exists()
    with pytest.raises(ReadOnlyError):
        ws.edit(REC, RID, {"priority": "low"})
    with pytest.raises(ReadOnlyError):
        ws.edit(REC, "new", {"text": "x"})
    assert not ws.dirty and ws.save() is False
    ws.close()
    assert fingerprint(path) == before


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.mark.parametrize(
    "holder",
    [
        "dead",  # the process is gone
        "reused",  # our own pid, but another process start: a pid reused after a crash
        "garbage",  # half-written or not ours
    ],
)
def test_stale_lock_is_taken_over(tmp_path: Path, holder: str) -> None:
    path = saved_base(tmp_path)
    if holder == "dead":
        content = json.dumps({"pid": _dead_pid(), "host": socket.gethostname(), "author": "old"})
    elif holder == "reused":
        content = json.dumps(
            {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "author": "old",
                "start": 1,
                "boot": store_lock._boot_id() or "x",
            }
        )
    else:
        content = "\x00garbage{"
    lock_path(path).write_text(content)
    ws = Workspace.open(path, author="ana")
    assert read_lock(path)["author"] == "ana"  # type: ignore[index]
    ws.close()
    assert not lock_path(path).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.json"]


def test_lock_of_another_host_is_respected(tmp_path: Path) -> None:
    path = saved_base(tmp_path)
    lock_path(path).write_text(json.dumps({"pid": 1, "host": "laptop-of-bob", "author": "bob"}))
    with pytest.raises(LockedError, match="bob on laptop-of-bob"):
        Workspace.open(path, author="ana")
    assert json.loads(lock_path(path).read_text())["author"] == "bob"


def test_close_leaves_a_lock_that_is_no_longer_ours(tmp_path: Path) -> None:
    path = saved_base(tmp_path)
    ws = Workspace.open(path, author="ana")
    lock_path(path).write_text(json.dumps({"pid": 1, "host": "elsewhere", "author": "bob"}))
    ws.close(save=False)
    assert lock_path(path).exists()


def test_leftover_temp_files_of_dead_saves_are_removed(tmp_path: Path) -> None:
    path = saved_base(tmp_path)
    dead = _dead_pid()
    leftover = tmp_path / f".base.json.{dead}.0123abcd.tmp"
    leftover.write_text("half a file")
    unrelated = tmp_path / ".other.json.1.0123abcd.tmp"
    unrelated.write_text("not ours")
    Workspace.open(path, author="ana", read_only=True)
    assert leftover.exists()  # a read-only look removes nothing
    Workspace.open(path, author="ana").close()
    assert not leftover.exists() and unrelated.exists()


# -- a file replaced under us -----------------------------------------------------------------


def _replace_like_a_sync_tool(path: Path, content: bytes) -> None:
    other = path.with_name(".sync-tool-download")
    other.write_bytes(content)
    os.replace(other, path)


def test_file_replaced_by_another_program_is_never_overwritten(tmp_path: Path) -> None:
    path = saved_base(tmp_path)
    ws = new_ws(path)
    ws.edit(REC, RID, {"note": "mine"})
    theirs = path.read_bytes().replace(b'"priority":"high"', b'"priority":"low"')
    _replace_like_a_sync_tool(path, theirs)
    with pytest.raises(FileReplacedError) as info:
        ws.save()
    assert path.read_bytes() == theirs
    kept = info.value.kept
    assert kept is not None and kept.parent == tmp_path and kept.name.startswith("base.mine-ana-")
    assert kept.name in str(info.value)
    mine = Workspace.open(kept, author="ana", read_only=True)
    assert mine.get(REC, RID)["note"] == "mine" and mine.get(REC, RID)["priority"] == "high"  # type: ignore[index]
    assert not ws.dirty  # our edits are safe in the sibling file
    ws.edit(REC, RID, {"note": "more"})  # later edits go to the same sibling, never over theirs
    with pytest.raises(FileReplacedError):
        ws.save()
    assert path.read_bytes() == theirs
    assert Workspace.open(kept, author="ana", read_only=True).get(REC, RID)["note"] == "more"  # type: ignore[index]
    ws.close()  # nothing unsaved: closing is quiet, and still never writes over theirs
    assert path.read_bytes() == theirs and not lock_path(path).exists()


def test_file_changed_in_place_is_detected_too(tmp_path: Path) -> None:
    path = saved_base(tmp_path)
    ws = new_ws(path)
    ws.edit(REC, RID, {"note": "mine"})
    with open(path, "ab") as fh:  # same inode, new size and mtime
        fh.write(b"\n")
    theirs = path.read_bytes()
    with pytest.raises(FileReplacedError):
        ws.save()
    assert path.read_bytes() == theirs


def test_a_deleted_file_is_written_again(tmp_path: Path) -> None:
    path = saved_base(tmp_path)
    ws = new_ws(path)
    ws.edit(REC, RID, {"note": "mine"})
    path.unlink()
    assert ws.save()
    assert json.loads(path.read_text("utf-8"))[REC][RID]["note"] == "mine"


def test_a_file_created_meanwhile_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "new.json"
    ws = new_ws(path)
    path.write_text("{}")
    with pytest.raises(FileReplacedError):
        ws.save()
    assert path.read_text() == "{}"


def test_own_saves_are_not_mistaken_for_a_replacement(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    ws = new_ws(path)
    for i in range(20):
        ws.edit(REC, f"r{i}", {"text": "x" * i})
        assert ws.save()
    assert ws.replaced is None


def test_symlinked_workspace_stays_a_symlink(tmp_path: Path) -> None:
    real = saved_base(tmp_path)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    ws = new_ws(link)
    ws.edit(REC, RID, {"note": "via link"})
    ws.close()
    assert link.is_symlink()
    assert json.loads(real.read_text("utf-8"))[REC][RID]["note"] == "via link"


# -- upr check and upr FILE ---------------------------------------------------------------------


def test_upr_check_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = saved_base(tmp_path)
    assert main(["check", str(good)]) == 0
    out = capsys.readouterr()
    assert "ok" in out.out and "2 recommendations" in out.out and out.err == ""
    bad = tmp_path / "bad.json"
    bad.write_text('{"recommendations": {"x": {"id": "x", "priority": "urgent"}}}')
    before = fingerprint(bad)
    assert main(["check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.json" in err and "'priority'" in err
    assert fingerprint(bad) == before
    assert main(["check", str(tmp_path / "missing.json")]) == 2
    assert main(["check", str(tmp_path)]) == 2


def test_upr_file_refuses_a_bad_file_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UPR_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("UPR_AUTHOR", "ana")
    bad = tmp_path / "bad.json"
    bad.write_text('{"recommendations": {"x": {"id": "x", "_clock": {"*": "soon"}}}}')
    before = fingerprint(bad)
    from upr import main as upr  # the app's entry point (tui.cli runs subcommands only)

    assert upr([str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.json" in err and "_clock" in err
    assert fingerprint(bad) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json"]


def test_keep_long_lived_freezes_only_for_large_structures() -> None:
    import gc

    from tui.store import FREEZE_ROWS, keep_long_lived

    gc.unfreeze()
    try:
        keep_long_lived(FREEZE_ROWS - 1)
        assert gc.get_freeze_count() == 0
        alive = [[i] for i in range(1000)]  # tracked objects alive now
        keep_long_lived(FREEZE_ROWS)
        assert gc.get_freeze_count() >= len(alive)
    finally:
        gc.unfreeze()
