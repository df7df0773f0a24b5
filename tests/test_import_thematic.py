"""OHCHR thematic lists (.docx): every row, themes, groups of persons, SDGs; ids as the report's."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import docx
import pytest

from tui.importers import SourceError, parse_file
from tui.importers.apply import apply_batch
from tui.store import Workspace

LISTS = "corpus/thematic-lists"
CASES = [
    (
        "upr48-slovenia-thematic-list.docx",
        "A_HRC_59_15_Slovenia_2025.txt",
        "A/HRC/59/15",
        48,
        4,
        254,
    ),
    (
        "upr34-slovenia-thematic-list.docx",
        "A_HRC_43_15_Slovenia_2019.txt",
        "A/HRC/43/15",
        34,
        3,
        215,
    ),
]


def raw_rows(path: Path) -> list[list[str]]:
    """The table's data rows as python-docx gives them, "Theme:" rows left out."""
    table = docx.Document(str(path)).tables[0]
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    return [r for r in rows if not r[0].startswith("Theme:")]


def dash_items(text: str, after: str | None = None, until: tuple[str, ...] = ()) -> list[str]:
    """ "- item" lines of a cell, optionally only those after a marker line."""
    lines = text.split("\n")
    if after is not None:
        idx = next((i for i, line in enumerate(lines) if line.strip().startswith(after)), None)
        if idx is None:
            return []
        lines = lines[idx + 1 :]
    out = []
    for line in lines:
        if any(line.strip().startswith(u) for u in until):
            break
        if line.strip().startswith("- "):
            out.append(line.strip()[2:].strip())
    return out


@pytest.mark.parametrize(("listing", "report", "symbol", "session", "cycle", "count"), CASES)
def test_every_row_with_themes_groups_sdgs(
    shared_dir: Path, listing: str, report: str, symbol: str, session: int, cycle: int, count: int
) -> None:
    path = shared_dir / LISTS / listing
    batch = parse_file(path)
    assert batch.kind == "thematic-list"
    rows = raw_rows(path)
    assert len(rows) == len(batch.records) == count
    assert batch.country == "SVN" and batch.document == symbol
    assert {(r["session"], r["cycle"]) for r in batch.records} == {(session, cycle)}
    by_para = {r["paragraph"]: r for r in batch.records}
    markers = ("Groups of Persons:", "Affected persons:", "SDGs:")
    for row in rows:
        para = re.match(r"\s*(\d+\.\d+)", row[0]).group(1)
        record = by_para[para]
        themes_cell = row[2]
        themes = dash_items(themes_cell, until=markers)
        assert themes and all(t in record["themes"] for t in themes), para
        groups = dash_items(themes_cell, "Groups of Persons:") or dash_items(
            themes_cell, "Affected persons:", until=("SDGs:",)
        )
        assert record["groups"] == groups, para
        # Session 48 has an SDG column; session 34 lists them in the themes cell.
        sdg_lines = dash_items(row[3]) if session == 48 else []
        sdg_lines += dash_items(themes_cell, "SDGs:", until=("Affected persons:",))
        goals = [re.match(r"(\d+)", s).group(1) for s in sdg_lines]
        assert record["sdgs"] == list(dict.fromkeys(goals)), para
        assert record["position"] == row[1].strip().casefold()
        assert record["source"]["position_source"] == " ".join(
            row[0].split("Source of Position:")[1].split()
        )
    # Both layouts have rows with groups and with SDGs.
    assert sum(1 for r in batch.records if r["groups"]) > count // 2
    assert sum(1 for r in batch.records if r["sdgs"]) > count // 2


@pytest.mark.parametrize(("listing", "report", "symbol", "session", "cycle", "count"), CASES)
def test_ids_equal_the_reports(
    shared_dir: Path, listing: str, report: str, symbol: str, session: int, cycle: int, count: int
) -> None:
    listed = parse_file(shared_dir / LISTS / listing)
    reported = parse_file(shared_dir / "corpus/wg-reports" / report)
    assert {r["id"] for r in listed.records} == {r["id"] for r in reported.records}
    assert len({r["id"] for r in listed.records}) == count
    by_id = {r["id"]: r for r in reported.records}
    for r in listed.records:
        assert r["recommending"] == by_id[r["id"]]["recommending"], r["id"]


def test_report_and_list_give_one_record_each(shared_dir: Path, tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws.json", author="tester")
    try:
        report = parse_file(shared_dir / "corpus/wg-reports/A_HRC_59_15_Slovenia_2025.txt")
        listing = parse_file(shared_dir / LISTS / "upr48-slovenia-thematic-list.docx")
        first = apply_batch(ws, report)
        second = apply_batch(ws, listing)
        assert (first.created, second.created, second.updated) == (254, 0, 254)
        records = ws.table("recommendations")
        assert len(records) == 254  # not 508
        assert Counter(r["position"] for r in records.values()) == {"supported": 217, "noted": 37}
        report_text = {r["id"]: r["text"] for r in report.records}
        listed = {r["id"]: r for r in listing.records}
        for rid, record in records.items():
            assert record["text"] == report_text[rid]  # the report's text is kept
            assert record["themes"] == listed[rid]["themes"]
            assert (
                record["sdgs"] == listed[rid]["sdgs"] and record["groups"] == listed[rid]["groups"]
            )
            assert record["source"]["kind"] == "wg-report"
            assert record["source"]["position_source"].startswith("A/HRC/59/15/Add.1")
        # 140.28: the list writes "Slovenia’ s"; the report's "Slovenia’s" stays.
        assert "Slovenia’s hate speech" in records["UPR:A/HRC/59/15:140.28"]["text"]
    finally:
        ws.close(save=False)


def test_list_first_then_report_keeps_positions(shared_dir: Path, tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws.json", author="tester")
    try:
        apply_batch(ws, parse_file(shared_dir / LISTS / "upr48-slovenia-thematic-list.docx"))
        summary = apply_batch(
            ws, parse_file(shared_dir / "corpus/wg-reports/A_HRC_59_15_Slovenia_2025.txt")
        )
        # The report's "will be examined" (pending) does not undo the list's positions.
        assert summary.created == 0
        records = ws.table("recommendations")
        assert Counter(r["position"] for r in records.values()) == {"supported": 217, "noted": 37}
        assert records["UPR:A/HRC/59/15:140.28"]["text"].startswith("Enhance Slovenia’s")
        assert records["UPR:A/HRC/59/15:140.28"]["source"]["kind"] == "wg-report"
    finally:
        ws.close(save=False)


def test_a_word_file_without_the_table(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Minutes of a meeting (France).")
    path = tmp_path / "notes.docx"
    document.save(str(path))
    with pytest.raises(SourceError, match="no recommendations section found"):
        parse_file(path)
    with pytest.raises(SourceError, match="no table with recommendation and position"):
        parse_file(path, kind="thematic-list")
