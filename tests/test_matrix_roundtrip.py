"""The matrix round trip (issue 19 point 1): an exported XLSX/CSV, edited with openpyxl or as
text the way a colleague edits it, comes back through ``upr import`` as edits and conflicts."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tui import roundtrip
from tui.cli import main
from tui.exports.matrix import HEADER, write_matrix
from tui.exports.matrix_data import HIDDEN_SHEET, LISTS_SHEET, highest_clock
from tui.merge import open_conflicts
from tui.store import Workspace

SYMBOL = "A/HRC/59/15"
IDS = [f"UPR:{SYMBOL}:140.{n}" for n in (1, 2, 3)]


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("UPR_AUTHOR", "team")
    path = tmp_path / "team.json"
    ws = Workspace.open(path, author="team")
    for n, rid in enumerate(IDS, start=1):
        ws.edit(
            "recommendations",
            rid,
            {
                "country": "SVN",
                "cycle": 4,
                "session": 48,
                "document": SYMBOL,
                "paragraph": f"140.{n}",
                "text": f"Recommendation {n}",
                "recommending": ["DEU"],
                "position": "supported",
                "lead_entity": "UNDP" if n != 3 else "OHCHR",
            },
        )
    ws.edit("recommendations", IDS[1], {"priority": "high", "note": "=SUM(A1)"})
    ws.close()
    return path


def export(path: Path, out: Path, fmt: str = "xlsx", **kw: Any) -> None:
    ws = Workspace.open(path, author="export", read_only=True, lock=False)
    try:
        with out.open("wb") as fh:
            write_matrix(ws, "SVN", fmt, fh, **kw)
    finally:
        ws.close(save=False)


def edit_xlsx(
    path: Path, changes: dict[tuple[str, str], Any], *, drop_hidden: bool = False
) -> None:
    """Change cells (record id, column) -> value with openpyxl, as a spreadsheet would."""
    wb = openpyxl.load_workbook(path)
    sheet = wb["Recommendations"]
    header = [c.value for c in sheet[1]]
    rows = {
        sheet.cell(row=r, column=header.index("Id") + 1).value: r
        for r in range(2, sheet.max_row + 1)
    }
    for (rid, column), value in changes.items():
        sheet.cell(row=rows[rid], column=header.index(column) + 1).value = value
    if drop_hidden:
        del wb[HIDDEN_SHEET]
    wb.save(path)


def run_import(capsys: pytest.CaptureFixture[str], path: Path, source: Path, *extra: str) -> dict:
    code = main(["import", str(source), "-w", str(path), *extra])
    out = capsys.readouterr().out
    assert code == 0, out
    rows: dict[str, list[tuple[str, str]]] = {}
    for line in out.splitlines()[1:]:
        section, key, value = line.split("\t")
        rows.setdefault(section, []).append((key, value))
    return rows


def load(path: Path) -> Workspace:
    return Workspace.open(path, author="reader", read_only=True, lock=False)


def test_xlsx_carries_hidden_export_data_and_same_bytes(team: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    export(team, a)
    export(team, b)
    assert a.read_bytes() == b.read_bytes()
    wb = openpyxl.load_workbook(a)
    assert wb.sheetnames[0] == "Recommendations"
    assert wb[HIDDEN_SHEET].sheet_state == "hidden"
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    matrix = roundtrip.read_matrix(a)
    ws = load(team)
    assert matrix.has_hidden and matrix.workspace == ws.meta["workspace_id"]
    assert matrix.clock == highest_clock(ws)
    assert set(matrix.exported) == set(IDS)
    assert (
        matrix.exported[IDS[1]][0]["priority"]
        == ws.get("recommendations", IDS[1])["_clock"]["priority"]
    )


def test_colleague_edits_come_back_as_edits_and_reimport_changes_nothing(
    team: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xlsx = tmp_path / "matrix.xlsx"
    export(team, xlsx)
    edit_xlsx(
        xlsx,
        {
            (IDS[0], "Implementation status"): "in progress",  # lower case label
            (IDS[0], "Priority"): "HIGH",
            (IDS[1], "Note"): "'=SUM(A1)",  # unchanged (the neutralised text as exported)
            (IDS[2], "Implementation status"): "Done",  # not a status
            (IDS[2], "Evidence"): "Law adopted 2026",
            (IDS[2], "Triaged"): "yes",
        },
    )
    rows = run_import(capsys, team, xlsx, "--author", "agency.fp")
    applied = dict(rows["apply"])
    assert applied["cells_applied"] == "4" and applied["conflicts"] == "0"
    assert (
        "row 4, column 'Implementation status'",
        "'Done' is not one of 'Not started', "
        "'In progress', 'Partially implemented', 'Implemented', 'No information'",
    ) in rows["not_applied"]
    ws = load(team)
    first, third = ws.get("recommendations", IDS[0]), ws.get("recommendations", IDS[2])
    assert first["status"] == "in_progress" and first["priority"] == "high"
    assert third["evidence"] == "Law adopted 2026" and third["triaged"] is True
    assert third["status"] == "no_information"
    assert first["_clock"]["status"].endswith("|agency.fp")
    assert ws.get("recommendations", IDS[1])["note"] == "=SUM(A1)"
    history = [h for h in ws.table("history").values() if h["author"] == "agency.fp"]
    assert len(history) == 4
    before = team.read_bytes()
    ws.close(save=False)
    rows = run_import(capsys, team, xlsx)
    assert dict(rows["apply"])["cells_applied"] == "0"
    assert team.read_bytes() == before


def test_team_edit_after_the_export_wins_and_the_sheet_value_is_a_conflict(
    team: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xlsx = tmp_path / "matrix.xlsx"
    export(team, xlsx)
    ws = Workspace.open(team, author="team")
    ws.edit("recommendations", IDS[0], {"status": "implemented"})  # after the export
    ws.close()
    edit_xlsx(
        xlsx, {(IDS[0], "Implementation status"): "Not started", (IDS[1], "Cluster"): "Justice"}
    )
    rows = run_import(capsys, team, xlsx, "--author", "agency.fp")
    assert dict(rows["apply"])["conflicts"] == "1"
    ws = load(team)
    assert ws.get("recommendations", IDS[0])["status"] == "implemented"
    assert ws.get("recommendations", IDS[1])["cluster"] == "Justice"
    conflicts = open_conflicts(ws.snapshot_tables())
    assert [(c["record"], c["winner"], c["other"], c["other_author"]) for c in conflicts] == [
        (IDS[0], "implemented", "not_started", "agency.fp")
    ]
    ws.close(save=False)
    before = team.read_bytes()
    run_import(capsys, team, xlsx, "--author", "agency.fp")
    assert team.read_bytes() == before  # the conflict is not raised twice


def test_rows_added_deleted_and_renamed_columns_are_reported_not_guessed(
    team: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xlsx = tmp_path / "matrix.xlsx"
    export(team, xlsx)
    wb = openpyxl.load_workbook(xlsx)
    sheet = wb["Recommendations"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=1, column=header.index("Cluster") + 1).value = "Thematic cluster"
    sheet.cell(row=2, column=header.index("Cluster") + 1).value = "Health"
    sheet.cell(row=2, column=header.index("Lead entity") + 1).value = "WHO"
    sheet.delete_rows(4)  # the third recommendation
    sheet.cell(row=4, column=header.index("Id") + 1).value = "UPR:NEW:1"
    sheet.cell(row=4, column=header.index("Paragraph") + 1).value = "999"
    wb.save(xlsx)
    rows = run_import(capsys, team, xlsx)
    issues = dict(rows["not_applied"])
    assert "not a matrix column" in issues["row 1, column 'Thematic cluster'"]
    assert "was not exported" in issues["row 4, column 'Id'"]
    assert any("140.3" in msg and "deleted from the sheet" in msg for msg in issues.values())
    ws = load(team)
    assert ws.get("recommendations", IDS[0])["lead_entity"] == "WHO"
    assert ws.get("recommendations", IDS[0])["cluster"] == ""
    assert "UPR:NEW:1" not in ws.table("recommendations")


def test_sheet_without_hidden_data_or_ids_falls_back_with_a_warning(
    team: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xlsx = tmp_path / "matrix.xlsx"
    export(team, xlsx)
    wb = openpyxl.load_workbook(xlsx)
    del wb[HIDDEN_SHEET]
    sheet = wb["Recommendations"]
    header = [c.value for c in sheet[1]]
    sheet.delete_cols(header.index("Id") + 1)
    sheet.cell(row=3, column=header.index("Priority") + 1).value = "low"
    wb.save(xlsx)
    rows = run_import(capsys, team, xlsx)
    warnings = " ".join(v for _k, v in rows["warning"])
    assert "Document + Paragraph" in warnings and "hidden data" in warnings
    ws = load(team)
    assert ws.get("recommendations", IDS[1])["priority"] == "low"


def test_csv_is_matched_on_id(
    team: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "matrix.csv"
    export(team, path, "csv", bom=True)
    text = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    rows.reverse()  # sorted differently in the spreadsheet
    rows[0]["Implementation status"] = "Partially implemented"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(HEADER), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    result = run_import(capsys, team, path)
    assert dict(result["apply"])["cells_applied"] == "1"
    assert load(team).get("recommendations", IDS[2])["status"] == "partially_implemented"
    assert os.path.exists(team)


# -- point 2: the matrix a team needs -------------------------------------------------------------


def test_xlsx_has_drop_down_lists_for_priority_status_and_lead_entity(
    team: Path, tmp_path: Path
) -> None:
    xlsx = tmp_path / "matrix.xlsx"
    export(team, xlsx)
    wb = openpyxl.load_workbook(xlsx)
    sheet = wb["Recommendations"]
    letters = {c.value: c.column_letter for c in sheet[1]}
    lists = wb[LISTS_SHEET]
    by_range = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation}
    status = by_range[f"{letters['Implementation status']}2:{letters['Implementation status']}4"]
    assert status.type == "list" and status.errorStyle == "stop"
    column = status.formula1.split("!")[1].split(":")[0].replace("$", "")[0]
    values = [c.value for c in lists[column][1:] if c.value]
    assert values == [
        "Not started",
        "In progress",
        "Partially implemented",
        "Implemented",
        "No information",
    ]
    priority = by_range[f"{letters['Priority']}2:{letters['Priority']}4"]
    assert priority.errorStyle == "stop"
    lead = by_range[f"{letters['Lead entity']}2:{letters['Lead entity']}4"]
    assert lead.errorStyle == "warning"  # another entity may be typed
    entities = [c.value for c in lists["C"][1:] if c.value]
    assert {"UNDP", "OHCHR", "UNICEF"} <= set(entities)


def test_export_matrix_owner_keeps_rows_the_entity_leads_or_partners(
    team: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = Workspace.open(team, author="team")
    ws.edit("recommendations", IDS[2], {"partners": ["undp"]})
    ws.close()
    out = tmp_path / "undp.csv"
    assert (
        main(["export", "matrix", "SVN", "--owner", "UNDP", "-o", str(out), "-w", str(team)]) == 0
    )
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline="")))
    assert [r["Id"] for r in rows] == IDS  # two lead, one partners (case-insensitive)
    assert (
        main(["export", "matrix", "SVN", "--owner", "OHCHR", "-o", str(out), "-w", str(team)]) == 0
    )
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline="")))
    assert [r["Id"] for r in rows] == [IDS[2]]
    assert main(["export", "plan", "SVN", "--owner", "OHCHR", "-w", str(team)]) == 1


async def test_capital_x_exports_the_filtered_view_and_x_still_marks_triaged(
    make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from screens.triage import RecommendationsScreen

    def setup(ws: Workspace) -> None:
        for n in range(1, 5):
            ws.edit(
                "recommendations",
                f"UPR:{SYMBOL}:140.{n}",
                {
                    "country": "SVN",
                    "document": SYMBOL,
                    "paragraph": f"140.{n}",
                    "text": "Protect Roma" if n % 2 else "Ratify CAT",
                },
            )

    monkeypatch.chdir(tmp_path)
    app = make_app(setup=setup)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(RecommendationsScreen("SVN", app.today))
        await pilot.pause()
        screen = app.screen
        await pilot.press("slash", *"roma", "enter")
        await pilot.pause()
        assert len(screen.rows) == 2
        await pilot.press("X")
        await pilot.pause()
        await pilot.press("enter")  # the first choice: XLSX
        target = tmp_path / "matrix-SVN-view.xlsx"
        for _ in range(200):
            if target.exists():
                break
            await pilot.pause(0.02)
        assert app.screen is screen and len(screen.rows) == 2
        sheet = openpyxl.load_workbook(target)["Recommendations"]
        ids = [row[HEADER.index("Id")] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert ids == [f"UPR:{SYMBOL}:140.1", f"UPR:{SYMBOL}:140.3"]
        await pilot.press("x")
        await pilot.pause()
        assert any(r.get("triaged") for r in app.workspace.table("recommendations").values())


def test_a_matrix_import_is_not_an_undo_step(team: Path, tmp_path: Path) -> None:
    xlsx = tmp_path / "matrix.xlsx"
    export(team, xlsx)
    edit_xlsx(xlsx, {(IDS[0], "Priority"): "Low"})
    ws = Workspace.open(team, author="team")
    try:
        result = roundtrip.apply_matrix(ws, roundtrip.read_matrix(xlsx))
        assert result.applied == 1 and ws.get("recommendations", IDS[0])["priority"] == "low"
        assert not ws.can_undo  # u in the app never takes a colleague's sheet back
    finally:
        ws.close(save=False)
