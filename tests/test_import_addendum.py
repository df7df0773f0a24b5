"""Addenda: the State's positions by paragraph number, with ranges and stray full stops."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from tui.importers import ImportBatch, SourceError, parse_file
from tui.importers.addendum import parse_addendum_lines
from tui.importers.apply import apply_batch
from tui.store import Workspace

REPORTS = "corpus/wg-reports"


def addendum(shared_dir: Path, name: str) -> ImportBatch:
    batch = parse_file(shared_dir / REPORTS / name)
    assert batch.kind == "addendum"
    return batch


def stated_totals(path: Path) -> tuple[int, int]:
    """What the addendum itself says: "of which 217 are supported and 37 noted"."""
    flat = " ".join(path.read_text(encoding="utf-8").split())
    m = re.search(r"of which (\d+) (?:are )?(?:now )?supported and (\d+) noted", flat)
    assert m, "the addendum states its totals"
    return int(m.group(1)), int(m.group(2))


def test_slovenia_2025_addendum_217_supported_37_noted(shared_dir: Path) -> None:
    path = shared_dir / REPORTS / "A_HRC_59_15_Add1_Slovenia_2025.txt"
    batch = addendum(shared_dir, path.name)
    assert batch.document == "A/HRC/59/15" and batch.country == "SVN"
    assert set(batch.positions) == {f"140.{n}" for n in range(1, 255)}
    counts = Counter(batch.positions.values())
    assert (counts["supported"], counts["noted"]) == stated_totals(path) == (217, 37)
    assert not batch.warnings  # the totals found match the totals stated
    assert not batch.records


def test_stray_full_stops_and_headings(shared_dir: Path) -> None:
    batch = addendum(shared_dir, "A_HRC_59_15_Add1_Slovenia_2025.txt")
    # "140.35. 140.36" and "140.136.\n140.137": full stops used as commas.
    for ref in ("140.35", "140.36", "140.41", "140.42", "140.136", "140.137"):
        assert batch.positions[ref] == "supported", ref
    # The comment heading "140.240-241" sits under "Noted" but 140.241 is accepted in para 4:
    # positions come from the numbered paragraphs only.
    assert batch.positions["140.241"] == "supported"
    assert batch.positions["140.240"] == "noted"
    assert batch.positions["140.1"] == "noted" and batch.positions["140.253"] == "noted"


def test_slovenia_2019_addendum_ranges(shared_dir: Path) -> None:
    path = shared_dir / REPORTS / "A_HRC_43_15_Add1_Slovenia_2019.txt"
    batch = addendum(shared_dir, path.name)
    assert batch.document == "A/HRC/43/15"
    # 58 recommendations (block 121) were supported in the report; the addendum covers 122.
    assert set(batch.positions) == {f"122.{n}" for n in range(1, 158)}
    counts = Counter(batch.positions.values())
    assert (counts["supported"], counts["noted"]) == stated_totals(path) == (124, 33)
    # "122.62-\n66" (range over a line break), "122.34- 35", "122.141-144,122.146", "122.2-10".
    for ref in ("122.62", "122.64", "122.66", "122.34", "122.35", "122.144", "122.146"):
        assert batch.positions[ref] == "supported", ref
    for ref in ("122.2", "122.5", "122.10", "122.118", "122.120"):
        assert batch.positions[ref] == "noted", ref


def test_addendum_agrees_with_the_thematic_list(shared_dir: Path) -> None:
    """Two OHCHR documents, one truth: every position of the addendum is the list's position."""
    from tui.importers.thematic import parse_thematic_list

    for add, listing in (
        ("A_HRC_59_15_Add1_Slovenia_2025.txt", "upr48-slovenia-thematic-list.docx"),
        ("A_HRC_43_15_Add1_Slovenia_2019.txt", "upr34-slovenia-thematic-list.docx"),
    ):
        positions = addendum(shared_dir, add).positions
        rows = parse_thematic_list(shared_dir / "corpus/thematic-lists" / listing).records
        listed = {r["paragraph"]: r["position"] for r in rows}
        assert {p: listed[p] for p in positions} == positions


def test_apply_reports_paragraphs_not_in_the_workspace(shared_dir: Path, tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws.json", author="tester")
    try:
        add = addendum(shared_dir, "A_HRC_59_15_Add1_Slovenia_2025.txt")
        empty = apply_batch(ws, add)
        assert sorted(empty.missing_paragraphs) == sorted(add.positions)
        assert empty.updated == 0 and not ws.table("recommendations")
        report = parse_file(shared_dir / REPORTS / "A_HRC_59_15_Slovenia_2025.txt")
        # Only part of the report in the workspace: the rest is reported missing.
        report.records = report.records[:200]
        apply_batch(ws, report)
        summary = apply_batch(ws, add)
        assert sorted(summary.missing_paragraphs) == sorted(f"140.{n}" for n in range(201, 255))
        assert summary.updated == 200
        assert Counter(r["position"] for r in ws.table("recommendations").values()) == Counter(
            p for k, p in add.positions.items() if int(k.split(".")[1]) <= 200
        )
    finally:
        ws.close(save=False)


def test_synthetic_addendum_forms() -> None:
    lines = """A/HRC/99/9/Add.1
Report of the Working Group on the Universal Periodic Review
Slovenia
Addendum
2. Of the 12 recommendations, of which 9 are supported and 2 noted.
3.  The Government supports recommendations 10.1, 10.2–4. 10.5-10.6, and 8, 10.9
    and 10.10.
4.  The Government supports in part recommendation 10.11.
5.  The Government takes note of recommendations 10.7,
    10.12.
10.7-8
    Comment text mentioning 2024-2028 and 3.5 per cent.
""".split("\n")
    batch = parse_addendum_lines(lines, source_file="x.txt")
    assert batch.document == "A/HRC/99/9"
    assert batch.positions == {
        "10.1": "supported",
        "10.2": "supported",
        "10.3": "supported",
        "10.4": "supported",
        "10.5": "supported",
        "10.6": "supported",
        "10.8": "supported",
        "10.9": "supported",
        "10.10": "supported",
        "10.11": "supported_in_part",
        "10.7": "noted",
        "10.12": "noted",
    }
    # Stated 9 + 2, found 10 + 2 (supported in part counts as supported): reported.
    assert any("states 9 supported" in w.message for w in batch.warnings)


def test_not_an_addendum() -> None:
    with pytest.raises(SourceError, match="no positions found"):
        parse_addendum_lines(["Addendum", "1. Nothing to see (France)."], source_file="x.txt")


def test_slovenia_2019_report_with_its_addendum(shared_dir: Path, tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws.json", author="tester")
    try:
        apply_batch(ws, parse_file(shared_dir / REPORTS / "A_HRC_43_15_Slovenia_2019.txt"))
        summary = apply_batch(ws, addendum(shared_dir, "A_HRC_43_15_Add1_Slovenia_2019.txt"))
        assert not summary.missing_paragraphs and summary.updated == 157
        records = ws.table("recommendations")
        assert len(records) == 215
        # 58 supported in the report itself, 124 + 33 in the addendum: nothing left pending.
        assert Counter(r["position"] for r in records.values()) == {"supported": 182, "noted": 33}
    finally:
        ws.close(save=False)


def test_one_paragraph_with_two_positions() -> None:
    lines = [
        "A/HRC/99/9/Add.1",
        "Addendum",
        "3. Slovenia supports recommendations 10.1 and 10.2, and takes note of recommendations",
        "   10.3-5. It accepts in part 10.6; it notes 10.7.",
    ]
    batch = parse_addendum_lines(lines, source_file="x.txt")
    assert batch.positions == {
        "10.1": "supported",
        "10.2": "supported",
        "10.3": "noted",
        "10.4": "noted",
        "10.5": "noted",
        "10.6": "supported_in_part",
        "10.7": "noted",
    }
