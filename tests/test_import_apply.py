"""apply_batch: one undo step, idempotent, never overwriting a decision."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.importers import ImportBatch, parse_file
from tui.importers.apply import apply_batch, merge_values
from tui.model import DECISION_FIELDS
from tui.store import Workspace

REPORT = "corpus/wg-reports/A_HRC_59_15_Slovenia_2025.txt"
ADDENDUM = "corpus/wg-reports/A_HRC_59_15_Add1_Slovenia_2025.txt"
LISTING = "corpus/thematic-lists/upr48-slovenia-thematic-list.docx"


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(tmp_path / "ws.json", author="tester")
    yield workspace
    workspace.close(save=False)


def test_same_file_twice_changes_nothing(ws: Workspace, shared_dir: Path) -> None:
    for name in (REPORT, LISTING, ADDENDUM):
        batch = parse_file(shared_dir / name)
        apply_batch(ws, batch)
        history = len(ws.table("history"))
        records = {k: dict(v) for k, v in ws.table("recommendations").items()}
        again = apply_batch(ws, parse_file(shared_dir / name))
        assert (again.created, again.updated) == (0, 0)
        assert again.unchanged == (254 if batch.kind != "addendum" else len(batch.positions))
        assert len(ws.table("history")) == history
        assert {k: dict(v) for k, v in ws.table("recommendations").items()} == records


def test_report_list_addendum_in_any_order(tmp_path: Path, shared_dir: Path) -> None:
    finals = []
    for order in (
        (REPORT, LISTING, ADDENDUM),
        (ADDENDUM, LISTING, REPORT),
        (REPORT, ADDENDUM, LISTING),
    ):
        ws = Workspace.open(tmp_path / f"{len(finals)}.json", author="tester")
        try:
            for name in order:
                apply_batch(ws, parse_file(shared_dir / name))
            records = ws.table("recommendations")
            assert len(records) == 254
            assert Counter(r["position"] for r in records.values()) == {
                "supported": 217,
                "noted": 37,
            }
            finals.append(
                {k: {f: v for f, v in r.items() if f != "_clock"} for k, r in records.items()}
            )
        finally:
            ws.close(save=False)
    assert finals[0] == finals[1] == finals[2]


def test_import_never_overwrites_decisions(ws: Workspace, shared_dir: Path) -> None:
    apply_batch(ws, parse_file(shared_dir / REPORT))
    rid = "UPR:A/HRC/59/15:140.7"
    decisions = {
        "priority": "high",
        "cluster": "Treaties",
        "note": "ask MoFA",
        "triaged": True,
        "status": "in_progress",
        "partners": ["UNHCR"],
    }
    ws.edit("recommendations", rid, decisions)
    batch = parse_file(shared_dir / LISTING)
    hostile = next(r for r in batch.records if r["id"] == rid)
    hostile.update({"priority": "low", "note": "overwritten", "deleted": True, "triaged": False})
    apply_batch(ws, batch)
    apply_batch(ws, parse_file(shared_dir / ADDENDUM))
    record = ws.get("recommendations", rid)
    assert record is not None
    assert {k: record[k] for k in decisions} == decisions
    assert record["deleted"] is False and record["position"] == "supported"
    assert not DECISION_FIELDS & set(merge_values(record, hostile))


def test_one_undo_step_per_import(ws: Workspace, shared_dir: Path) -> None:
    apply_batch(ws, parse_file(shared_dir / REPORT))
    summary = apply_batch(ws, parse_file(shared_dir / ADDENDUM))
    assert summary.updated == 254
    step = ws.undo()
    assert step is not None and step.label == f"Import {Path(ADDENDUM).name}"
    assert Counter(r["position"] for r in ws.table("recommendations").values()) == {"pending": 254}
    step = ws.undo()
    assert step is not None and step.label == f"Import {Path(REPORT).name}"
    # Undoing a creation hides the records (nothing is hard-deleted).
    assert all(r["deleted"] for r in ws.table("recommendations").values())


def test_dry_run_writes_nothing(ws: Workspace, shared_dir: Path) -> None:
    summary = apply_batch(ws, parse_file(shared_dir / REPORT), dry_run=True)
    assert summary.dry_run and summary.created == 254 and summary.by_position == {"pending": 254}
    assert not ws.table("recommendations") and not ws.can_undo


def test_merge_rules_on_small_records() -> None:
    report = {
        "id": "x",
        "text": "Report text",
        "position": "pending",
        "recommending": ["FRA"],
        "themes": [],
        "country": "SVN",
        "source": {"file": "r.txt", "line": 5, "kind": "wg-report"},
    }
    listing = {
        "id": "x",
        "text": "List text",
        "position": "supported",
        "recommending": ["FRA"],
        "themes": ["Women"],
        "country": "",
        "source": {
            "file": "l.docx",
            "row": 3,
            "kind": "thematic-list",
            "position_source": "Add.1 - Para.3",
        },
    }
    values = merge_values(report, listing)
    assert values == {
        "themes": ["Women"],
        "position": "supported",
        "source": {
            "file": "r.txt",
            "line": 5,
            "kind": "wg-report",
            "position_source": "Add.1 - Para.3",
            "stated_position": "supported",
        },
    }
    merged = {**report, **values}
    assert merge_values(merged, report) == {}  # pending never replaces a known position
    assert merge_values(merged, listing) == {}
    assert merge_values(None, {**listing, "priority": "high"}).get("priority") is None


def test_refused_values_are_reported_not_written(ws: Workspace) -> None:
    batch = ImportBatch(
        kind="table",
        source_file="t.csv",
        records=[
            {"id": "UPR:h:1", "text": "ok", "position": "noted", "recommending": [], "source": {}},
            {"id": "UPR:h:2", "text": "bad", "position": "maybe", "recommending": [], "source": {}},
        ],
    )
    summary = apply_batch(ws, batch)
    assert summary.created == 1 and len(summary.skipped) == 1 and "UPR:h:2" in summary.skipped[0]
    assert set(ws.table("recommendations")) == {"UPR:h:1"}


def test_upr_info_records_apply(ws: Workspace, shared_dir: Path) -> None:
    batch = parse_file(shared_dir / "corpus/upr-info/sessions-1-5.csv", country="Brazil")
    summary = apply_batch(ws, batch)
    assert summary.created == len(batch.records) > 10
    again = apply_batch(
        ws, parse_file(shared_dir / "corpus/upr-info/sessions-1-5.csv", country="BRA")
    )
    assert again.unchanged == summary.created and again.updated == 0


def test_a_position_the_team_corrected_survives_later_imports(
    ws: Workspace, shared_dir: Path
) -> None:
    from tui.commands.import_ import ImportResult, apply_sentence, summary_rows

    apply_batch(ws, parse_file(shared_dir / REPORT))
    apply_batch(ws, parse_file(shared_dir / ADDENDUM))
    rid = "UPR:A/HRC/59/15:140.7"
    before = ws.get("recommendations", rid)["position"]
    corrected = "noted" if before == "supported" else "supported"
    ws.edit("recommendations", rid, {"position": corrected})  # `p` in the app
    # The report states no position ("pending"): nothing to keep there.
    for name, kept in ((ADDENDUM, [rid]), (LISTING, [rid]), (REPORT, []), (ADDENDUM, [rid])):
        batch = parse_file(shared_dir / name)
        summary = apply_batch(ws, batch)
        assert ws.get("recommendations", rid)["position"] == corrected, name
        assert summary.positions_kept == kept, name
    result = ImportResult(batch=batch, summary=summary, mode="applied", workspace="ws.json")
    assert (
        "1 position(s) corrected by the team kept (the file says otherwise): 140.7"
        in apply_sentence(result).plain
    )
    assert ("apply", "positions_kept", "1") in summary_rows(result)
    # Every other record still follows the files, and the source says what they state.
    records = ws.table("recommendations")
    assert Counter(r["position"] for r in records.values()) == {
        "supported": 217 + (1 if corrected == "supported" else -1),
        "noted": 37 + (1 if corrected == "noted" else -1),
    }
    assert records[rid]["source"]["stated_position"] == before
    # Back to what the file says: no longer a correction, so the files lead again.
    ws.edit("recommendations", rid, {"position": before})
    assert apply_batch(ws, parse_file(shared_dir / ADDENDUM)).positions_kept == []
