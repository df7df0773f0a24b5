"""Recommendation matrix: CSV and XLSX read back and compared with the workspace."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from tui.exports.matrix import HEADER, review_date, write_matrix
from tui.exports.safe import Snapshot
from tui.store import Workspace
from tui.tags import sdg_label

SYMBOL = "A/HRC/59/15"

RECS: dict[str, dict[str, Any]] = {
    f"UPR:{SYMBOL}:140.10": {
        "paragraph": "140.10",
        "text": '=HYPERLINK("http://evil","click")',
        "recommending": ["FRA", "Atlantis"],
        "position": "noted",
        "themes": ["Torture", "Prisons"],
        "groups": ["persons deprived of liberty"],
        "sdgs": ["16", "16.b"],
        "cluster": "Justice",
        "priority": "high",
        "lead_entity": "OHCHR",
        "partners": ["UNDP", "UNODC"],
        "cf_outcome": "Outcome 2",
        "status": "in_progress",
        "action_category": 5,
        "note": "@follow up\nwith ministry",
    },
    f"UPR:{SYMBOL}:140.2": {
        "paragraph": "140.2",
        "text": "Ratify the Optional Protocol\x1b]0;pwned\x07 to CAT",
        "recommending": ["DEU"],
        "position": "supported",
        "status": "implemented",
    },
    f"UPR:{SYMBOL}:140.1": {
        "paragraph": "140.1",
        "text": "-Adopt a national action plan",
        "recommending": ["SVN"],
        "position": "supported_in_part",
        "priority": "low",
    },
}


def add_recs(ws: Workspace) -> None:
    for rid, values in RECS.items():
        ws.edit(
            "recommendations",
            rid,
            {
                "country": "SVN",
                "cycle": 4,
                "session": 48,
                "document": SYMBOL,
                "mechanism": "UPR",
                **values,
            },
        )
    # Left out: deleted, another country. Sorted after UPR: a treaty-body recommendation.
    ws.edit(
        "recommendations",
        f"UPR:{SYMBOL}:140.3",
        {
            "country": "SVN",
            "cycle": 4,
            "document": SYMBOL,
            "paragraph": "140.3",
            "text": "gone",
            "deleted": True,
        },
    )
    ws.edit(
        "recommendations",
        "UPR:A/HRC/58/9:99.1",
        {"country": "AUT", "cycle": 4, "document": "A/HRC/58/9", "paragraph": "99.1", "text": "x"},
    )
    ws.edit(
        "recommendations",
        "TB:h:0123456789abcdef",
        {
            "country": "SVN",
            "mechanism": "TB",
            "body": "CRC",
            "text": "Raise the age",
            "paragraph": "12",
        },
    )
    ws.edit(
        "recommendations",
        "UPR:A/HRC/43/15:121.4",
        {
            "country": "SVN",
            "cycle": 3,
            "document": "A/HRC/43/15",
            "paragraph": "121.4",
            "text": "Older one",
            "position": "supported",
        },
    )


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    workspace = Workspace.open(tmp_path / "ws.json", author="tester")
    add_recs(workspace)
    yield workspace
    workspace.close(save=False)


EXPECTED_ORDER = [
    "UPR:A/HRC/43/15:121.4",  # cycle 3 first
    f"UPR:{SYMBOL}:140.1",
    f"UPR:{SYMBOL}:140.2",
    f"UPR:{SYMBOL}:140.10",  # natural order
    "TB:h:0123456789abcdef",  # treaty bodies after the UPR
]


def expected_row(ws: Workspace, rid: str) -> dict[str, str]:
    """What the matrix must say for one record, written out field by field."""
    r = ws.get("recommendations", rid)
    assert r is not None
    states = {"FRA": "France", "DEU": "Germany", "SVN": "Slovenia"}
    positions = {
        "supported": "Supported",
        "supported_in_part": "Supported in part",
        "noted": "Noted",
        "pending": "Pending",
    }
    statuses = {
        "in_progress": "In progress",
        "implemented": "Implemented",
        "no_information": "No information",
    }
    categories = {5: "5 specific action", None: ""}
    return {
        "Paragraph": r["paragraph"],
        "Recommendation": r["text"],
        "Recommending States": "; ".join(states.get(s, s) for s in r["recommending"]),
        "Position": positions[r["position"]],
        "Mechanism": r["mechanism"],
        "Body": r["body"],
        "Themes": "; ".join(r["themes"]),
        "Groups of persons": "; ".join(r["groups"]),
        "SDGs": "; ".join(r["sdgs"]),
        "Cluster": r["cluster"],
        "Priority": {"high": "High", "low": "Low", "none": ""}[r["priority"]],
        "Lead entity": r["lead_entity"],
        "Partner entities": "; ".join(r["partners"]),
        "Cooperation Framework outcome": r["cf_outcome"],
        "Implementation status": statuses[r["status"]],
        "Action category": categories[r["action_category"]],
        "Note": r["note"],
        "Cycle": "" if r["cycle"] is None else str(r["cycle"]),
        "Document": r["document"],
        "Id": rid,
        "Evidence": r["evidence"],
        "Triaged": "yes" if r["triaged"] else "",
        "Session": "" if r["session"] is None else str(r["session"]),
        "Review date": review_date(r["session"]),
        "Previous cycle": "",  # no links in this workspace
        "SDG labels": "; ".join(sdg_label(c) for c in r["sdgs"]),
        "Stated status": (r.get("source") or {}).get("stated_status", ""),
        "Kind": "Recommendation",
    }


def sanitized(expected: dict[str, str]) -> dict[str, str]:
    """Hostile cells as the export must write them: escapes gone, formulas quoted."""
    out = dict(expected)
    for key, value in out.items():
        value = value.replace("\x1b]0;pwned\x07", "")
        if value[:1] in ("=", "+", "-", "@"):
            value = "'" + value
        out[key] = value
    return out


def test_csv_has_one_row_per_live_recommendation_in_order(ws: Workspace) -> None:
    buf = io.BytesIO()
    assert write_matrix(ws, "SVN", "csv", buf) == 5
    rows = list(csv.DictReader(io.StringIO(buf.getvalue().decode("utf-8"), newline="")))
    assert [r["Id"] for r in rows] == EXPECTED_ORDER
    assert tuple(rows[0].keys()) == HEADER
    for row in rows:
        assert row == sanitized(expected_row(ws, row["Id"]))
    hostile = rows[3]
    assert hostile["Recommendation"].startswith("'=HYPERLINK")
    assert hostile["Note"] == "'@follow up\nwith ministry"
    assert rows[1]["Recommendation"] == "'-Adopt a national action plan"
    assert "\x1b" not in buf.getvalue().decode("utf-8")


def test_cycle_filter(ws: Workspace) -> None:
    buf = io.BytesIO()
    assert write_matrix(ws, "SVN", "csv", buf, cycle=3) == 1
    rows = list(csv.DictReader(io.StringIO(buf.getvalue().decode("utf-8"), newline="")))
    assert [r["Id"] for r in rows] == ["UPR:A/HRC/43/15:121.4"]


def test_xlsx_reads_back_with_header_filter_frozen_panes_and_wrap(
    ws: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "m.xlsx"
    with path.open("wb") as fh:
        assert write_matrix(ws, "SVN", "xlsx", fh) == 5
    wb = openpyxl.load_workbook(path)
    sheet = wb.active
    assert sheet.title == "Recommendations"
    assert sheet.freeze_panes == "B2"
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(HEADER))}{len(EXPECTED_ORDER) + 1}"
    header = [c.value for c in sheet[1]]
    assert tuple(header) == HEADER
    assert all(c.font.b for c in sheet[1])
    assert sheet["B2"].alignment.wrap_text is True  # the recommendation text wraps
    assert sheet.column_dimensions["B"].width == 60
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[HEADER.index("Id")] for r in rows] == EXPECTED_ORDER
    for row in rows:
        got = {h: ("" if v is None else str(v)) for h, v in zip(header, row, strict=True)}
        assert got == sanitized(expected_row(ws, got["Id"]))
    # No cell is a formula: the hostile one is text with a quote in front.
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
    cycle_cell = sheet.cell(row=2, column=HEADER.index("Cycle") + 1)
    assert cycle_cell.value == 3 and cycle_cell.data_type == "n"


def test_xlsx_is_the_same_bytes_whatever_the_time(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = io.BytesIO()
    write_matrix(ws, "SVN", "xlsx", first)

    import openpyxl.writer.excel as excel_writer

    class LaterDatetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            return datetime(2031, 5, 6, 7, 8, 9, tzinfo=tz)

    class LaterTime:
        @staticmethod
        def time() -> float:
            return 1_950_000_000.0

        localtime = staticmethod(lambda t=None: __import__("time").localtime(1_950_000_000.0))

    monkeypatch.setattr(excel_writer.datetime, "datetime", LaterDatetime)
    monkeypatch.setattr(zipfile, "time", LaterTime)
    second = io.BytesIO()
    write_matrix(ws, "SVN", "xlsx", second)
    assert first.getvalue() == second.getvalue()
    with zipfile.ZipFile(second) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert "2031" not in core
    # The document dates are those of the latest edit in the workspace.
    latest = max(
        int(c.split("|")[0])
        for r in ws.table("recommendations").values()
        if r["country"] == "SVN" and not r["deleted"]
        for c in r["_clock"].values()
    )
    stamp = datetime.utcfromtimestamp(latest // 1000).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert core.count(stamp) == 2


def test_an_edit_changes_the_bytes(ws: Workspace) -> None:
    before, after = io.BytesIO(), io.BytesIO()
    write_matrix(ws, "SVN", "xlsx", before)
    ws.edit("recommendations", f"UPR:{SYMBOL}:140.2", {"note": "checked"})
    write_matrix(ws, "SVN", "xlsx", after)
    assert before.getvalue() != after.getvalue()


def test_empty_matrix_is_just_the_header(tmp_path: Path) -> None:
    empty = Snapshot({"recommendations": {}})
    buf = io.BytesIO()
    assert write_matrix(empty, "SVN", "xlsx", buf) == 0
    sheet = openpyxl.load_workbook(buf).active
    assert [c.value for c in sheet[1]] == list(HEADER) and sheet.max_row == 1


def test_unknown_format_is_refused(ws: Workspace) -> None:
    with pytest.raises(ValueError, match="csv, xlsx"):
        write_matrix(ws, "SVN", "pdf", io.BytesIO())


def test_libreoffice_opens_the_xlsx(ws: Workspace, tmp_path: Path) -> None:
    """Second check, only where LibreOffice is installed: it converts the file to CSV."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("LibreOffice is not installed on this machine")
    path = tmp_path / "m.xlsx"
    with path.open("wb") as fh:
        write_matrix(ws, "SVN", "xlsx", fh)
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            office,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "csv",
            "--outdir",
            str(tmp_path / "lo"),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    text = (tmp_path / "lo" / "m.csv").read_text("utf-8", errors="replace")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == list(HEADER)
    assert [r[HEADER.index("Id")] for r in rows[1:]] == EXPECTED_ORDER
    # LibreOffice did not evaluate the neutralised formula.
    assert rows[4][1].startswith("'=HYPERLINK") or rows[4][1].startswith("=HYPERLINK")


@pytest.mark.slow
def test_large_matrix_streams(tmp_path: Path) -> None:
    """20,000 recommendations (bench/ measures 100,000): every row read back, in order."""
    n = 20_000
    recs = {
        f"UPR:X:{i // 100}.{i % 100}": {
            "id": f"UPR:X:{i // 100}.{i % 100}",
            "country": "SVN",
            "cycle": 4,
            "document": "X",
            "paragraph": f"{i // 100}.{i % 100}",
            "text": f"Recommendation {i}",
            "position": "supported",
            "_clock": {"*": f"{1700000000000 + i:013d}|000000|t"},
        }
        for i in range(n)
    }
    source = Snapshot({"recommendations": recs})
    path = tmp_path / "big.xlsx"
    with path.open("wb") as fh:
        assert write_matrix(source, "SVN", "xlsx", fh) == n
    wb = openpyxl.load_workbook(path, read_only=True)
    sheet = wb.active
    paragraphs = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    wb.close()
    assert len(paragraphs) == n
    assert paragraphs[:3] == ["0.0", "0.1", "0.2"] and paragraphs[-1] == "199.99"


def test_fast_row_writer_matches_openpyxl(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast row writer and openpyxl's own cell path give the same cells and styles."""
    import tui.exports.safe as safe

    fast = io.BytesIO()
    write_matrix(ws, "SVN", "xlsx", fast)
    monkeypatch.setattr(safe, "_fast_row_writer", lambda *a: None)
    slow = io.BytesIO()
    write_matrix(ws, "SVN", "xlsx", slow)

    def cells(data: io.BytesIO) -> list[tuple[Any, ...]]:
        sheet = openpyxl.load_workbook(data).active
        return [
            (
                c.coordinate,
                c.value,
                c.data_type,
                c.alignment.wrap_text,
                c.alignment.vertical,
                c.number_format,
                c.font.b,
            )
            for row in sheet.iter_rows()
            for c in row
        ]

    assert cells(fast) == cells(slow)
