"""Any other CSV/XLSX through a column mapping (YAML, safe_load only)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from tui.importers import SourceError, parse_file

MAPPING = """\
columns:
  text: Recommendation
  paragraph: Para
  recommending: Recommending State
  position: Response
  themes: Theme
defaults:
  country: Slovenia
  document: A/HRC/59/15/Add.1
  session: 48
positions:
  Partly: supported_in_part
separator: "|"
"""

CSV = """\
Para,Recommendation,Recommending State,Response,Theme
140.7,Ratify the Optional Protocol to the ICESCR,Maldives|Portugal,Accepted,Ratification|ESC rights
140.8,"Ratify the Optional Protocol, in order to advance (Spain);",,Noted,
,A recommendation without a number,Atlantis,Partly,
140.7,Ratify the Optional Protocol to the ICESCR,Spain,Accepted,Other
"""


def test_csv_with_yaml_mapping(tmp_path: Path) -> None:
    (tmp_path / "map.yaml").write_text(MAPPING, encoding="utf-8")
    (tmp_path / "matrix.csv").write_text(CSV, encoding="utf-8")
    batch = parse_file(tmp_path / "matrix.csv", mapping=tmp_path / "map.yaml")
    assert batch.kind == "table" and batch.country == "SVN"
    first, second, third = batch.records
    assert first["id"] == "UPR:A/HRC/59/15:140.7"  # /Add.1 stripped: the report's ids
    assert first["recommending"] == ["MDV", "PRT", "ESP"]  # the repeated row merged
    assert first["themes"] == ["Ratification", "ESC rights", "Other"]
    assert (first["position"], first["cycle"], first["session"]) == ("supported", 4, 48)
    assert second["recommending"] == ["ESP"] and second["text"] == (
        "Ratify the Optional Protocol, in order to advance"
    )
    assert second["position"] == "noted"
    assert third["id"].startswith("UPR:h:") and third["position"] == "supported_in_part"
    assert batch.unknown_names == {"Atlantis": 1}
    assert batch.duplicates == 1
    assert third["source"] == {"file": "matrix.csv", "row": 4, "kind": "table"}


def test_xlsx_with_dict_mapping_and_number_paragraphs(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Matrix"
    sheet.append(["Para", "Recommendation", "Recommending State", "Response"])
    sheet.append([140.1, "Do something (France)", None, "Supported"])
    sheet.append(["140.10", "Do another thing", "Germany", "Noted"])
    path = tmp_path / "matrix.xlsx"
    book.save(str(path))
    mapping = {
        "columns": {
            "text": "Recommendation",
            "paragraph": "Para",
            "recommending": "Recommending State",
            "position": "Response",
        },
        "defaults": {"document": "A/HRC/59/15", "country": "SVN"},
        "sheet": "Matrix",
    }
    batch = parse_file(path, mapping=mapping)
    assert [r["id"] for r in batch.records] == ["UPR:A/HRC/59/15:140.1", "UPR:A/HRC/59/15:140.10"]
    assert (
        batch.records[0]["recommending"] == ["FRA"] and batch.records[0]["text"] == "Do something"
    )
    assert any("stored as a number" in w.message and w.line == 2 for w in batch.warnings)
    with pytest.raises(SourceError, match="no sheet 'Other'"):
        parse_file(path, mapping={**mapping, "sheet": "Other"})


def test_columns_guessed_without_mapping(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text(
        "Recommendation;Position;Country\nDo it (Chile);Noted;Peru\n", encoding="utf-8"
    )
    batch = parse_file(tmp_path / "m.csv")
    assert batch.records[0]["recommending"] == ["CHL"] and batch.records[0]["country"] == "PER"
    assert any("columns guessed" in w.message for w in batch.warnings)


def test_no_text_column_is_refused(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text("A,B\n1,2\n", encoding="utf-8")
    with pytest.raises(SourceError, match="which column holds the recommendation text"):
        parse_file(tmp_path / "m.csv")


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("!!python/object/apply:os.system ['echo pwned']", "not valid YAML"),
        ("columns: [1, 2]", "expected 'columns"),
        ("columns: {txt: Recommendation}", "unknown field"),
        ("columns: {text: Missing}", "no column 'Missing'"),
        ("columns: {text: A}\npositions: {x: maybe}", "position value"),
    ],
)
def test_bad_mappings(tmp_path: Path, yaml_text: str, message: str) -> None:
    (tmp_path / "m.yaml").write_text(yaml_text, encoding="utf-8")
    (tmp_path / "m.csv").write_text("A,B\n1,2\n", encoding="utf-8")
    with pytest.raises(SourceError, match=message):
        parse_file(tmp_path / "m.csv", mapping=tmp_path / "m.yaml")


@pytest.mark.parametrize("kind", ["table", "upr-info"])
def test_a_pdf_named_csv_is_refused_by_name(tmp_path: Path, kind: str) -> None:
    """The CSV readers share the report's binary check: the message names the format."""
    path = tmp_path / "recs.csv"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    with pytest.raises(SourceError, match=r"recs\.csv: a PDF file"):
        parse_file(path, kind=kind)
