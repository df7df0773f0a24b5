"""Joint UN submission annex: every recommendation of the previous cycle, by cluster and
paragraph, read back from Markdown, DOCX and CSV and compared with the workspace."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import docx
import pytest

from tui.exports.annex import (
    CSV_HEADER,
    NO_CLUSTER,
    TABLE_HEADER,
    build_annex,
    report_cycle,
    write_annex,
)
from tui.store import Workspace

C4 = "A/HRC/59/15"
C3 = "A/HRC/43/15"
TODAY = date(2026, 11, 25)  # after Slovenia's cycle 4 review (January 2025)

# paragraph -> (cluster, position, status, evidence)
CYCLE4: dict[str, tuple[str, str, str, str]] = {
    "140.10": ("Justice", "noted", "not_started", ""),
    "140.2": ("Justice", "supported", "implemented", "Act adopted in 2024 | see <gazette>"),
    "140.1": (
        "Health",
        "supported_in_part",
        "partially_implemented",
        "Strategy drafted\nnot funded",
    ),
    "140.11": ("Education", "supported", "in_progress", "="),
    "140.3": ("", "pending", "no_information", ""),
    "140.9": ("Health", "noted", "no_information", ""),
}


def _rid(symbol: str, paragraph: str) -> str:
    return f"UPR:{symbol}:{paragraph}"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    w = Workspace.open(tmp_path / "ws.json", author="tester")
    for paragraph, (cluster, position, status, evidence) in CYCLE4.items():
        w.edit(
            "recommendations",
            _rid(C4, paragraph),
            {
                "country": "SVN",
                "cycle": 4,
                "session": 48,
                "document": C4,
                "paragraph": paragraph,
                "text": f"Recommendation {paragraph}",
                "recommending": ["FRA", "Atlantis"],
                "position": position,
                "cluster": cluster,
                "status": status,
                "evidence": evidence,
            },
        )
    w.edit(
        "recommendations",
        _rid(C3, "121.4"),
        {
            "country": "SVN",
            "cycle": 3,
            "document": C3,
            "paragraph": "121.4",
            "text": "older",
            "position": "supported",
        },
    )
    w.edit(
        "recommendations",
        _rid(C4, "140.12"),
        {
            "country": "SVN",
            "cycle": 4,
            "document": C4,
            "paragraph": "140.12",
            "text": "deleted",
            "deleted": True,
        },
    )
    w.edit(
        "recommendations",
        "TB:h:00000000000000aa",
        {"country": "SVN", "mechanism": "TB", "body": "CRC", "cycle": 4, "text": "treaty body"},
    )
    # The team's own cluster order: Health before Justice; Education is not declared.
    w.edit("countries", "SVN", {"clusters": ["Health", "Justice"]})
    yield w
    w.close(save=False)


# Health (declared first), Justice (declared), Education (others alphabetically), none last.
EXPECTED_GROUPS = [
    ("Health", ["140.1", "140.9"]),
    ("Justice", ["140.2", "140.10"]),
    ("Education", ["140.11"]),
    ("", ["140.3"]),
]
POSITION = {
    "supported": "Supported",
    "supported_in_part": "Supported in part",
    "noted": "Noted",
    "pending": "Pending",
}
STATUS = {
    "not_started": "Not started",
    "implemented": "Implemented",
    "in_progress": "In progress",
    "partially_implemented": "Partially implemented",
    "no_information": "No information",
}


def expected_cells(paragraph: str) -> list[str]:
    _cluster, position, status, evidence = CYCLE4[paragraph]
    return [
        paragraph,
        f"Recommendation {paragraph} (France; Atlantis)",
        POSITION[position],
        STATUS[status],
        evidence,
        "",  # Previous cycle: no links here
    ]


def test_report_cycle_is_the_previous_review() -> None:
    recs = {
        "a": {"country": "SVN", "mechanism": "UPR", "cycle": 3},
        "b": {"country": "SVN", "mechanism": "UPR", "cycle": 4},
    }

    class Src:
        def table(self, name: str) -> dict[str, Any]:
            return recs if name == "recommendations" else {}

    assert report_cycle(Src(), "SVN", TODAY) == 4
    assert report_cycle(Src(), "SVN", date(2020, 6, 1)) == 3  # before the cycle 4 review
    assert report_cycle(Src(), "SVN", date(2008, 1, 1)) == 4  # before any: the latest held
    assert report_cycle(Src(), "AUT", TODAY) is None


def test_groups_and_order(ws: Workspace) -> None:
    annex = build_annex(ws, "SVN", 4)
    got = [(g.cluster, [r["paragraph"] for r in g.records]) for g in annex.groups]
    assert got == EXPECTED_GROUPS
    assert annex.groups[-1].title == NO_CLUSTER
    assert annex.documents == [C4]
    assert annex.positions() == {"supported": 2, "supported_in_part": 1, "noted": 2, "pending": 1}


def test_markdown_reads_back(ws: Workspace) -> None:
    buf = io.BytesIO()
    assert write_annex(ws, "SVN", "md", buf, today=TODAY) == 6
    text = buf.getvalue().decode("utf-8")
    assert text.startswith(
        "# Implementation of the recommendations of the cycle 4 review: Slovenia"
    )
    assert "6 recommendations: 2 supported, 1 supported in part, 2 noted, 1 pending." in text
    headings = re.findall(r"^## (.+) \((\d+)\)$", text, flags=re.M)
    assert headings == [(c or NO_CLUSTER, str(len(p))) for c, p in EXPECTED_GROUPS]
    rows = [line for line in text.splitlines() if line.startswith("| 14")]

    def unescape(cell: str) -> str:
        cell = re.sub(r"\\(.)", r"\1", cell.strip())
        return cell.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

    parsed = [[unescape(c) for c in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]
    order = [p for _, ps in EXPECTED_GROUPS for p in ps]
    assert [p[0] for p in parsed] == order
    for cells in parsed:
        want = expected_cells(cells[0])
        want[4] = " ".join(want[4].split())  # one line per cell in Markdown
        assert cells == want
    assert "<gazette>" not in text  # escaped, inert when rendered


def test_csv_reads_back(ws: Workspace) -> None:
    buf = io.BytesIO()
    write_annex(ws, "SVN", "csv", buf, cycle=4)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue().decode("utf-8"), newline="")))
    assert tuple(rows[0]) == CSV_HEADER
    assert [(r["Cluster"], r["Paragraph"]) for r in rows] == [
        (c, p) for c, ps in EXPECTED_GROUPS for p in ps
    ]
    for row in rows:
        cluster, position, status, evidence = CYCLE4[row["Paragraph"]]
        assert row["Recommendation"] == f"Recommendation {row['Paragraph']}"
        assert row["Recommending States"] == "France; Atlantis"
        assert (
            row["Position"] == POSITION[position] and row["Implementation status"] == STATUS[status]
        )
        assert row["Evidence"] == ("'" + evidence if evidence.startswith("=") else evidence)
        assert row["Id"] == _rid(C4, row["Paragraph"]) and row["Document"] == C4


def test_docx_reads_back(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "annex.docx"
    with path.open("wb") as fh:
        write_annex(ws, "SVN", "docx", fh, today=TODAY)
    document = docx.Document(str(path))
    section = document.sections[0]
    assert section.page_width > section.page_height  # landscape
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert headings == [f"{c or NO_CLUSTER} ({len(p)})" for c, p in EXPECTED_GROUPS]
    assert len(document.tables) == len(EXPECTED_GROUPS)
    for table, (_cluster, paragraphs) in zip(document.tables, EXPECTED_GROUPS, strict=True):
        rows = [[cell.text for cell in row.cells] for row in table.rows]
        assert rows[0] == list(TABLE_HEADER)
        assert rows[1:] == [expected_cells(p) for p in paragraphs]  # newlines kept as breaks
        assert table.rows[0]._tr.trPr is not None  # header row repeats on each page
    assert document.core_properties.author == "UPR Workbench"


def test_docx_is_deterministic(ws: Workspace) -> None:
    outs = []
    for _ in range(2):
        buf = io.BytesIO()
        write_annex(ws, "SVN", "docx", buf, cycle=4)
        outs.append(buf.getvalue())
    assert outs[0] == outs[1]
    with zipfile.ZipFile(io.BytesIO(outs[0])) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert b"2013-12-23" not in z.read("docProps/core.xml")  # python-docx's template date


def test_other_cycle_and_empty(ws: Workspace) -> None:
    buf = io.BytesIO()
    assert write_annex(ws, "SVN", "md", buf, cycle=3) == 1
    assert "121.4" in buf.getvalue().decode() and "140.1" not in buf.getvalue().decode()
    empty = io.BytesIO()
    assert write_annex(ws, "AUT", "docx", empty, today=TODAY) == 0
    assert "No recommendations" in "\n".join(p.text for p in docx.Document(empty).paragraphs)
