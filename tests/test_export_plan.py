"""Implementation plan export: actions with linked paragraphs and cost totals by cluster."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from tui import actions as act
from tui.exports.plan import HEADER, TOTALS_HEADER, write_plan
from tui.store import Workspace

SYMBOL = "A/HRC/59/15"


def rec_id(paragraph: str, symbol: str = SYMBOL) -> str:
    return f"UPR:{symbol}:{paragraph}"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    w = Workspace.open(tmp_path / "ws.json", author="tester")
    for paragraph, cluster in [("140.2", "Justice"), ("140.10", "Justice"), ("140.3", "Health")]:
        w.edit(
            "recommendations",
            rec_id(paragraph),
            {
                "country": "SVN",
                "cycle": 4,
                "document": SYMBOL,
                "paragraph": paragraph,
                "text": "x",
                "cluster": cluster,
            },
        )
    w.edit(
        "recommendations",
        rec_id("121.4", "A/HRC/43/15"),
        {
            "country": "SVN",
            "cycle": 3,
            "document": "A/HRC/43/15",
            "paragraph": "121.4",
            "text": "old",
            "cluster": "Health",
        },
    )
    w.edit("countries", "SVN", {"clusters": ["Health", "Justice"]})
    act.add_action(
        w,
        "SVN",
        "Train judges",
        recommendations=[rec_id("140.10"), rec_id("140.2")],
        entity="UNDP",
        baseline="none",
        indicator="judges trained",
        target="200",
        cost="12,000.50",
        deadline="2027-06-30",
        status="in_progress",
    )
    act.add_action(
        w,
        "SVN",
        "=cmd|' /C calc'!A0",
        recommendations=[rec_id("140.3")],
        entity="WHO",
        cost=3000,
        deadline="2026-12-31",
    )
    act.add_action(w, "SVN", "Survey", recommendations=[rec_id("121.4", "A/HRC/43/15")])
    gone = act.add_action(w, "SVN", "Dropped", cost=10**6)
    act.delete_action(w, gone)
    act.add_action(w, "AUT", "Other country", cost=5)
    yield w
    w.close(save=False)


def test_csv_actions_then_totals(ws: Workspace) -> None:
    buf = io.BytesIO()
    assert write_plan(ws, "SVN", "csv", buf) == 3
    text = buf.getvalue().decode("utf-8")
    actions_part, totals_part = text.split("\r\n\r\n")
    rows = list(csv.DictReader(io.StringIO(actions_part + "\r\n", newline="")))
    assert tuple(rows[0]) == HEADER
    # Deadline order; the undated action last.
    assert [r["Action"] for r in rows] == ["'=cmd|' /C calc'!A0", "Train judges", "Survey"]
    judges = rows[1]
    assert judges["Recommendations (paragraphs)"] == "140.2, 140.10"
    assert (
        judges["Cluster"],
        judges["Responsible entity"],
        judges["Baseline"],
        judges["Indicator"],
        judges["Target"],
        judges["Cost estimate"],
        judges["Deadline"],
        judges["Status"],
    ) == (
        "Justice",
        "UNDP",
        "none",
        "judges trained",
        "200",
        "12000.5",
        "2027-06-30",
        "In progress",
    )
    assert rows[2]["Cost estimate"] == "" and rows[2]["Cluster"] == "Health"
    totals = list(csv.reader(io.StringIO(totals_part, newline="")))
    assert totals == [
        list(TOTALS_HEADER),
        ["Health", "2", "3000", "1"],
        ["Justice", "1", "12000.5", "0"],
        ["Total", "3", "15000.5", "1"],
    ]


def test_cycle_keeps_actions_linked_to_that_cycle(ws: Workspace) -> None:
    buf = io.BytesIO()
    assert write_plan(ws, "SVN", "csv", buf, cycle=3) == 1
    assert "Survey" in buf.getvalue().decode() and "Train judges" not in buf.getvalue().decode()


def test_xlsx_two_sheets_with_numbers(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    with path.open("wb") as fh:
        write_plan(ws, "SVN", "xlsx", fh)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Actions", "Cost by cluster"]
    sheet = wb["Actions"]
    assert tuple(c.value for c in sheet[1]) == HEADER
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref == "A1:L4"
    first = [c.value for c in sheet[2]]
    assert first[0] == "'=cmd|' /C calc'!A0" and sheet["A2"].data_type != "f"
    cost = sheet.cell(row=3, column=HEADER.index("Cost estimate") + 1)
    assert cost.value == 12000.5 and cost.number_format == "#,##0.00"
    totals = [[c.value for c in row] for row in wb["Cost by cluster"].iter_rows()]
    assert totals == [
        list(TOTALS_HEADER),
        ["Health", 2, 3000, 1],
        ["Justice", 1, 12000.5, 0],
        ["Total", 3, 15000.5, 1],
    ]


def test_markdown(ws: Workspace) -> None:
    buf = io.BytesIO()
    write_plan(ws, "SVN", "md", buf)
    text = buf.getvalue().decode("utf-8")
    assert text.startswith("# Implementation plan: Slovenia\n")
    assert "3 actions; estimated cost 15,000.50 (1 without an estimate)." in text
    assert (
        "| Train judges | 140.2, 140.10 | Justice | UNDP | none | judges trained | 200 | 12,000.50 | 2027-06-30 | In progress |  |"
        in text
    )
    assert "| Total | 3 | 15,000.50 | 1 |" in text
    assert "Dropped" not in text and "Other country" not in text
    assert "\\|" in text  # the pipe in the hostile title is escaped, the table holds


def test_same_workspace_same_bytes(ws: Workspace) -> None:
    outs = []
    for _ in range(2):
        buf = io.BytesIO()
        write_plan(ws, "SVN", "xlsx", buf)
        outs.append(buf.getvalue())
    assert outs[0] == outs[1]
