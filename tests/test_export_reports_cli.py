"""``upr export matrix|annex|plan|brief`` as DESIGN §9 says, and every export over the real
Slovenia demo (A/HRC/59/15: 254 recommendations, 217 supported, 37 noted)."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import docx
import openpyxl
import pytest

from tui import actions as act
from tui.cli import main
from tui.store import Workspace

TODAY = "2026-11-25"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "ws.json"
    ws = Workspace.open(path, author="tester")
    for i in (1, 2, 10):
        ws.edit(
            "recommendations",
            f"UPR:A/HRC/59/15:140.{i}",
            {
                "country": "SVN",
                "cycle": 4,
                "document": "A/HRC/59/15",
                "paragraph": f"140.{i}",
                "text": f"Rec {i}",
                "position": "supported",
                "cluster": "Justice",
            },
        )
    act.add_action(ws, "SVN", "Act", recommendations=["UPR:A/HRC/59/15:140.10"], cost=10)
    ws.save()
    ws.close()
    return path


def test_binary_format_without_o_goes_to_kind_iso3_in_the_current_folder(
    workspace: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out_dir = tmp_path / "here"
    out_dir.mkdir()
    monkeypatch.chdir(out_dir)
    assert main(["export", "matrix", "SVN", "--format", "xlsx", "-w", str(workspace)]) == 0
    assert (
        main(
            [
                "export",
                "annex",
                "Slovenia",
                "--format",
                "docx",
                "-w",
                str(workspace),
                "--today",
                TODAY,
            ]
        )
        == 0
    )
    assert main(["export", "plan", "SVN", "--format", "xlsx", "-w", str(workspace)]) == 0
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "annex-SVN.docx",
        "matrix-SVN.xlsx",
        "plan-SVN.xlsx",
    ]
    assert "wrote matrix-SVN.xlsx (3 recommendations)" in capsys.readouterr().err
    sheet = openpyxl.load_workbook(out_dir / "matrix-SVN.xlsx").active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [
        "140.1",
        "140.2",
        "140.10",
    ]


def test_o_names_the_file(workspace: Path, tmp_path: Path) -> None:
    target = tmp_path / "m.xlsx"
    assert (
        main(
            ["export", "matrix", "SVN", "--format", "xlsx", "-o", str(target), "-w", str(workspace)]
        )
        == 0
    )
    assert openpyxl.load_workbook(target).active.max_row == 4
    csv_target = tmp_path / "m.csv"
    assert (
        main(
            [
                "export",
                "matrix",
                "SVN",
                "--format",
                "csv",
                "-o",
                str(csv_target),
                "-w",
                str(workspace),
            ]
        )
        == 0
    )
    assert csv_target.read_bytes().startswith(b"\xef\xbb\xbfParagraph,")  # Excel reads UTF-8


def test_text_formats_go_to_stdout(
    workspace: Path, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert main(["export", "matrix", "SVN", "-w", str(workspace)]) == 0  # csv by default
    out = capfdbinary.readouterr().out
    rows = list(csv.reader(io.StringIO(out.decode("utf-8"), newline="")))
    assert rows[0][0] == "Paragraph" and [r[0] for r in rows[1:]] == ["140.1", "140.2", "140.10"]
    assert main(["export", "annex", "SVN", "-w", str(workspace), "--today", TODAY]) == 0
    assert capfdbinary.readouterr().out.startswith(b"# Implementation of the recommendations")
    assert main(["export", "plan", "SVN", "--format", "csv", "-w", str(workspace)]) == 0
    assert b"Act,140.10,Justice" in capfdbinary.readouterr().out
    assert (
        main(["export", "brief", "SVN", "--format", "html", "-w", str(workspace), "--today", TODAY])
        == 0
    )
    assert capfdbinary.readouterr().out.startswith(b"<!DOCTYPE html>")
    assert main(["export", "brief", "SVN", "-w", str(workspace), "--today", TODAY]) == 0
    assert b"Slovenia (SVN): UPR country brief, 25 Nov 2026" in capfdbinary.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["export", "matrix", "SVN", "--format", "pdf"], "csv, xlsx, not 'pdf'"),
        (["export", "annex", "SVN", "--cycle", "2"], "no recommendations of cycle 2"),
        (["export", "plan"], "needs a country"),
        (["export", "brief", "Narnia"], "unknown country"),
    ],
)
def test_user_errors_exit_1_with_one_line(
    workspace: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "-w", str(workspace)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert message in err[-1]


def test_bad_workspace_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["export", "matrix", "SVN", "-w", str(bad)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert bad.read_text(encoding="utf-8") == "{not json"


def test_unwritable_output_is_a_user_error(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "export",
                "matrix",
                "SVN",
                "--format",
                "xlsx",
                "-o",
                str(tmp_path / "no" / "m.xlsx"),
                "-w",
                str(workspace),
            ]
        )
        == 1
    )
    assert "cannot write" in capsys.readouterr().err


@pytest.mark.slow
def test_every_export_over_the_real_slovenia_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.demo import DEMO_COUNTRY, ensure_demo

    path = tmp_path / "demo.json"
    assert ensure_demo(path, author="tester", today=date.fromisoformat(TODAY))
    ws = Workspace.open(path, author="tester", read_only=True, lock=False)
    recs = {
        r["id"]: r for r in ws.table("recommendations").values() if r["country"] == DEMO_COUNTRY
    }
    ws.close(save=False)
    assert len(recs) == 254
    monkeypatch.chdir(tmp_path)
    for kind, fmt in [
        ("matrix", "xlsx"),
        ("matrix", "csv"),
        ("annex", "docx"),
        ("annex", "csv"),
        ("annex", "md"),
        ("plan", "xlsx"),
        ("brief", "md"),
        ("brief", "html"),
    ]:
        target = tmp_path / f"{kind}.{fmt}"
        assert (
            main(
                [
                    "export",
                    kind,
                    DEMO_COUNTRY,
                    "--format",
                    fmt,
                    "-o",
                    str(target),
                    "-w",
                    str(path),
                    "--today",
                    TODAY,
                ]
            )
            == 0
        ), (kind, fmt)

    sheet = openpyxl.load_workbook(tmp_path / "matrix.xlsx").active
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(rows) == 254
    assert [r["Id"] for r in rows][:3] == [
        "UPR:A/HRC/59/15:140.1",
        "UPR:A/HRC/59/15:140.2",
        "UPR:A/HRC/59/15:140.3",
    ]
    assert sum(r["Position"] == "Supported" for r in rows) == 217
    assert sum(r["Position"] == "Noted" for r in rows) == 37
    for row in rows:
        rec = recs[row["Id"]]
        assert row["Paragraph"] == rec["paragraph"]
        text = row["Recommendation"]
        assert (text[1:] if text.startswith("'") else text) == rec["text"]
        assert row["Cycle"] == 4 and row["Document"] == "A/HRC/59/15"

    with (tmp_path / "matrix.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert [r["Id"] for r in csv.DictReader(fh)] == [r["Id"] for r in rows]

    document = docx.Document(str(tmp_path / "annex.docx"))
    paragraphs = [row.cells[0].text for t in document.tables for row in t.rows[1:]]
    assert len(paragraphs) == 254 and set(paragraphs) == {r["paragraph"] for r in recs.values()}
    assert "254 recommendations: 217 supported, 37 noted." in (tmp_path / "annex.md").read_text(
        "utf-8"
    )
    brief = (tmp_path / "brief.md").read_text("utf-8")
    assert "| Supported | 217 |" in brief and "| Noted | 37 |" in brief
