"""Every record there exactly once (issue 14 point 4): re-imports, UPR Info after or before the
report, the schema 2 upgrade that folds duplicates, ``upr dedupe`` and ``upr check``."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tui import dedupe
from tui.cli import main
from tui.commands.import_ import ImportResult, apply_sentence
from tui.importers import parse_file
from tui.importers.apply import apply_batch
from tui.merge import load_copy, merge_record, merge_tables, write_tables
from tui.migrate import MIGRATION_AUTHOR
from tui.store import Workspace

ALBANIA = "corpus/wg-reports/A_HRC_27_4_Albania_2014.txt"
MOROCCO = "corpus/wg-reports/A_HRC_21_3_Morocco_2012.txt"
UPR_INFO = "corpus/upr-info/sessions-10-13.csv"
REC = "recommendations"


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(tmp_path / "ws.json", author="tester")
    yield workspace
    workspace.close(save=False)


def live(ws: Workspace) -> dict[str, dict[str, Any]]:
    return {k: dict(v) for k, v in ws.table(REC).items() if dedupe.live(v)}


def content(records: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Records without clocks (what two orders of import must agree on)."""
    return {k: {f: v for f, v in r.items() if f != "_clock"} for k, r in records.items()}


# -- imports -------------------------------------------------------------------------------------


def test_the_same_report_under_another_file_name_changes_nothing(
    ws: Workspace, shared_dir: Path, tmp_path: Path
) -> None:
    apply_batch(ws, parse_file(shared_dir / ALBANIA))
    before = content({k: dict(v) for k, v in ws.table(REC).items()})
    history = len(ws.table("history"))
    renamed = tmp_path / "albania copy.txt"  # no symbol in the name: ids are not the symbol's
    shutil.copy(shared_dir / ALBANIA, renamed)
    batch = parse_file(renamed)
    assert batch.document != "A/HRC/27/4"
    preview = apply_batch(ws, batch, dry_run=True)
    assert (preview.created, preview.updated, preview.already) == (0, 0, 165)
    sentence = apply_sentence(ImportResult(batch, preview, mode="preview")).plain
    assert "165 already in the workspace" in sentence
    summary = apply_batch(ws, parse_file(renamed))
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 165)
    assert len(summary.matched) == 165
    assert content({k: dict(v) for k, v in ws.table(REC).items()}) == before
    assert len(ws.table("history")) == history


def test_upr_info_after_the_report_enriches_its_records(ws: Workspace, shared_dir: Path) -> None:
    apply_batch(ws, parse_file(shared_dir / MOROCCO))
    ws.edit(REC, "UPR:A/HRC/21/3:129.45", {"priority": "high"})
    summary = apply_batch(ws, parse_file(shared_dir / UPR_INFO, country="MAR"))
    assert summary.created == 0 and summary.unmatched == []
    assert len(summary.matched) == 148
    records = live(ws)
    assert len(records) == 148 == len(ws.table(REC))
    enriched = records["UPR:A/HRC/21/3:129.45"]
    assert enriched["themes"] == ["Women's rights"] and enriched["action_category"] == 4
    assert enriched["paragraph"] == "129.45" and enriched["priority"] == "high"
    assert enriched["source"]["kind"] == "wg-report"
    assert all(r["themes"] for r in records.values())


def test_either_order_gives_the_same_records(tmp_path: Path, shared_dir: Path) -> None:
    finals = []
    for i, order in enumerate(((MOROCCO, UPR_INFO), (UPR_INFO, MOROCCO))):
        ws = Workspace.open(tmp_path / f"{i}.json", author="tester")
        try:
            for name in order:
                apply_batch(ws, parse_file(shared_dir / name, country="MAR"))
            finals.append(content(live(ws)))
            folded = [r for r in ws.table(REC).values() if r.get("merged_into")]
            assert all(r["deleted"] and r["merged_into"] in finals[-1] for r in folded)
        finally:
            ws.close(save=False)
    assert len(finals[0]) == 148
    assert finals[0] == finals[1]


def test_rows_that_match_nothing_are_kept_flagged_and_listed(
    ws: Workspace, shared_dir: Path
) -> None:
    apply_batch(ws, parse_file(shared_dir / MOROCCO))
    batch = parse_file(shared_dir / UPR_INFO, country="MAR")
    odd = batch.records[0]
    odd["text"] = "Establish a national commission on lighthouse keeping"
    odd["id"] = "UPR:h:0000000000000000"
    summary = apply_batch(ws, batch)
    assert summary.created == 1 and len(summary.unmatched) == 1
    assert "lighthouse" in summary.unmatched[0]
    assert ws.get(REC, odd["id"])["source"]["unmatched"] is True  # type: ignore[index]
    assert len(live(ws)) == 149
    sentence = apply_sentence(ImportResult(batch, summary)).plain
    assert "1 row(s) match no paragraph" in sentence and "lighthouse" in sentence


def test_upr_info_without_its_report_is_not_flagged(ws: Workspace, shared_dir: Path) -> None:
    summary = apply_batch(ws, parse_file(shared_dir / UPR_INFO, country="MAR"))
    assert summary.created == 148 and summary.unmatched == []
    assert not any(r["source"].get("unmatched") for r in ws.table(REC).values())


def test_rows_left_unmatched_by_a_later_report_are_flagged(ws: Workspace, shared_dir: Path) -> None:
    batch = parse_file(shared_dir / UPR_INFO, country="MAR")
    batch.records[0]["text"] = "Establish a national commission on lighthouse keeping"
    batch.records[0]["id"] = "UPR:h:0000000000000000"
    apply_batch(ws, batch)
    summary = apply_batch(ws, parse_file(shared_dir / MOROCCO))
    assert summary.folded == 147 and len(summary.unmatched) == 1
    assert ws.get(REC, "UPR:h:0000000000000000")["source"]["unmatched"] is True  # type: ignore[index]
    assert len(live(ws)) == 149


# -- the schema 2 upgrade -----------------------------------------------------------------------


def v1_file_with_duplicates(path: Path, shared_dir: Path, tmp_path: Path) -> Path:
    """A schema 1 file as the old program left it: Albania imported twice, Morocco with its
    UPR Info rows beside its report, and a report imported with content-hash ids."""
    report = parse_file(shared_dir / ALBANIA)
    copy = tmp_path / "albania.txt"
    shutil.copy(shared_dir / ALBANIA, copy)
    twice = parse_file(copy)
    morocco = parse_file(shared_dir / MOROCCO)
    rows = parse_file(shared_dir / UPR_INFO, country="MAR")
    ws = Workspace.open(path, author="old")
    try:
        for batch in (report, twice, morocco, rows):  # as the old apply did: by id only
            with ws.undo_group("import"):
                for record in batch.records:
                    values = {k: v for k, v in record.items() if k != "id"}
                    ws.edit(REC, record["id"], values)
        ws.edit(REC, twice.records[0]["id"], {"priority": "high", "note": "from the copy"})
        ws.save()
    finally:
        ws.close(save=False)
    data = json.loads(path.read_text("utf-8"))
    data["meta"]["meta"]["schema_version"] = 1
    for table in ("links", "engagements"):
        data.pop(table, None)
    write_tables(path, data)
    return path


def test_an_old_file_is_folded_on_open_after_a_backup(tmp_path: Path, shared_dir: Path) -> None:
    path = v1_file_with_duplicates(tmp_path / "team.json", shared_dir, tmp_path)
    original = path.read_bytes()
    assert main(["check", str(path)]) == 0
    assert path.read_bytes() == original
    ws = Workspace.open(path, author="ana")
    try:
        assert ws.migrated_from == 1 and ws.meta["schema_version"] == 2
        assert (tmp_path / "team.json.v1.bak").read_bytes() == original
        records = live(ws)
        assert len(records) == 165 + 148
        kept = records["UPR:A/HRC/27/4:104.1"]
        assert kept["priority"] == "high" and kept["note"] == "from the copy"
        assert records["UPR:A/HRC/21/3:129.45"]["themes"] == ["Women's rights"]
        folded = [r for r in ws.table(REC).values() if r.get("merged_into")]
        assert len(folded) == 165 + 148
        assert all(r["deleted"] is True and r["merged_into"] in records for r in folded)
        assert all(r["_clock"]["merged_into"].endswith(MIGRATION_AUTHOR) for r in folded)
        assert ws.table("links") == {} and ws.table("engagements") == {}
    finally:
        ws.close()
    on_disk = json.loads(path.read_text("utf-8"))
    assert on_disk["meta"]["meta"]["schema_version"] == 2 and on_disk["links"] == {}


def test_two_machines_upgrading_the_same_file_write_the_same_bytes(
    tmp_path: Path, shared_dir: Path
) -> None:
    path = v1_file_with_duplicates(tmp_path / "a.json", shared_dir, tmp_path)
    other = tmp_path / "b.json"
    shutil.copy(path, other)
    Workspace.open(path, author="ana").close()
    Workspace.open(other, author="bob").close()
    assert path.read_bytes() == other.read_bytes()


def test_hash_ids_of_a_report_become_review_ids(tmp_path: Path, shared_dir: Path) -> None:
    copy = tmp_path / "albania.txt"
    shutil.copy(shared_dir / ALBANIA, copy)
    batch = parse_file(copy)
    path = tmp_path / "old.json"
    ws = Workspace.open(path, author="old")
    for record in batch.records:
        rid = dedupe.is_hash_id(record["id"]) and record["id"] or "UPR:h:" + record["paragraph"]
        ws.edit(REC, rid, {k: v for k, v in record.items() if k != "id"})
    ws.close()
    data = json.loads(path.read_text("utf-8"))
    data["meta"]["meta"]["schema_version"] = 1
    write_tables(path, data)
    ws = Workspace.open(path, author="ana")
    try:
        records = live(ws)
        session = batch.records[0]["session"]
        assert len(records) == 165
        assert all(rid == f"UPR:ALB/{session}:{r['paragraph']}" for rid, r in records.items())
    finally:
        ws.close()


def test_an_unmigrated_copy_does_not_bring_duplicates_back(
    tmp_path: Path, shared_dir: Path
) -> None:
    mine = v1_file_with_duplicates(tmp_path / "mine.json", shared_dir, tmp_path)
    theirs = tmp_path / "theirs.json"
    shutil.copy(mine, theirs)
    Workspace.open(mine, author="ana").close()  # upgraded and folded
    # The colleague's old program edits a duplicate later (its file stays schema 1).
    data = json.loads(theirs.read_text("utf-8"))
    dup = next(r for r in data[REC].values() if r["id"].startswith("UPR:ALB/"))
    dup["note"] = "edited on the old copy"
    dup["deleted"] = False
    later = f"{time.time_ns() // 1_000_000 + 5:013d}|000000|bob"  # after the upgrade's clock
    dup["_clock"]["note"] = dup["_clock"]["deleted"] = later
    theirs.write_text(json.dumps(data), "utf-8")
    # Merged as the app and `upr merge` do (load_copy), and as raw tables.
    ours_tables = load_copy(mine)
    raw_theirs = json.loads(theirs.read_text("utf-8"))
    for other in (load_copy(theirs), raw_theirs):
        merged = merge_tables(ours_tables, other).data
        kept = [r for r in merged[REC].values() if dedupe.live(r)]
        assert len(kept) == 165 + 148
        assert merged[REC][dup["id"]]["deleted"] is True
    assert main(["merge", str(mine), str(theirs), "-o", str(tmp_path / "out.json")]) == 0
    out = json.loads((tmp_path / "out.json").read_text("utf-8"))
    assert sum(1 for r in out[REC].values() if dedupe.live(r)) == 165 + 148


def test_merge_keeps_a_folded_record_deleted() -> None:
    folded = {
        "id": "x",
        "deleted": True,
        "merged_into": "y",
        "_clock": {"*": "1000000000000|000000|a", "deleted": "1000000000001|000000|upr-migrate"},
    }
    revived = {
        "id": "x",
        "deleted": False,
        "_clock": {"*": "1000000000000|000000|a", "deleted": "1000000000009|000000|bob"},
    }
    for a, b in ((folded, revived), (revived, folded)):
        out = merge_record(REC, "x", a, b)
        assert out["deleted"] is True and out["merged_into"] == "y"


# -- the commands ----------------------------------------------------------------------------------


def two_adviser_copy(tmp_path: Path, shared_dir: Path) -> Path:
    """Two advisers imported Albania under two names, each in a new file; then merged."""
    copy = tmp_path / "albania.txt"
    shutil.copy(shared_dir / ALBANIA, copy)
    assert main(["import", str(shared_dir / ALBANIA), "-w", str(tmp_path / "a.json")]) == 0
    assert main(["import", str(copy), "-w", str(tmp_path / "b.json")]) == 0
    out = tmp_path / "team.json"
    assert main(["merge", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "-o", str(out)]) == 0
    return out


def test_check_warns_and_dedupe_folds(
    tmp_path: Path, shared_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = two_adviser_copy(tmp_path, shared_dir)
    capsys.readouterr()
    assert main(["check", str(path)]) == 0
    assert "165 recommendation record(s) duplicate another" in capsys.readouterr().err
    before = path.read_bytes()
    assert main(["dedupe", str(path), "--dry-run"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0] == "kept\tfolded\treason" and len(listed) == 1 + 165
    assert path.read_bytes() == before
    assert main(["dedupe", str(path)]) == 0
    capsys.readouterr()
    ws = Workspace.open(path, author="ana", read_only=True)
    assert len(live(ws)) == 165 and all(k.startswith("UPR:A/HRC/27/4:") for k in live(ws))
    rows = [h for h in ws.table("history").values() if h["field"] == "merged_into"]
    assert len(rows) == 165 and all(h["author"] != "upr-migrate" for h in rows)
    ws.close(save=False)
    assert main(["check", str(path)]) == 0
    assert "duplicate" not in capsys.readouterr().err
    after = path.read_bytes()
    assert main(["dedupe", str(path)]) == 0  # nothing left: nothing written
    assert path.read_bytes() == after


def test_a_newer_file_is_refused_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "new.json"
    Workspace.open(path, author="ana").close()
    data = json.loads(path.read_text("utf-8"))
    data["meta"]["meta"]["schema_version"] = 3
    write_tables(path, data)
    before = path.read_bytes()
    for argv in (["check", str(path)], ["dedupe", str(path)]):
        assert main(argv) == 2
        assert "made by a newer version of upr" in capsys.readouterr().err
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.json"]


def test_a_pledge_kind_and_new_tables_are_known(ws: Workspace) -> None:
    ws.edit(REC, "UPR:pledge:1", {"kind": "pledge", "text": "We pledge."})
    ws.edit("links", "LINK:a|b", {"a": "a", "b": "b", "relation": "same"})
    ws.edit("engagements", "CRC:SVN:2025", {"country": "SVN", "mechanism": "TB"})
    with pytest.raises(ValueError):
        ws.edit(REC, "UPR:pledge:1", {"kind": "promise"})
    ws.save()
    again = Workspace.open(ws.path, author="ana", read_only=True, lock=False)
    assert again.get(REC, "UPR:pledge:1")["kind"] == "pledge"  # type: ignore[index]
    assert again.get("links", "LINK:a|b")["relation"] == "same"  # type: ignore[index]
    plain = again.get(REC, "UPR:pledge:1")
    assert plain is not None and "merged_into" not in plain  # written only when set
