"""``upr export checklist``: Markdown and CSV checked line by line, through ``tui.cli.main``."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from tui.cli import main
from tui.exports import checklist as core
from tui.store import Workspace

TODAY = "2026-11-25"


def build(path: Path) -> None:
    """Lithuania, cycle 4 (session 54, 25 Jan - 5 Feb 2027, dates inferred), with some work done."""
    ws = Workspace.open(path, author="tester")
    try:
        assert core.start_checklist(ws, "LTU", 4) == 17
        ws.edit("checklist", "LTU:4:know-review-date", {"status": "done", "owner": "RCO"})
        ws.edit(
            "checklist",
            "LTU:4:read-guidelines",
            {"status": "in_progress", "note": "Draft *shared* | see [link]"},
        )
        ws.edit("checklist", "LTU:4:read-past-reports", {"status": "not_applicable"})
        ws.edit("checklist", "LTU:4:ohchr-contact", {"owner": '=HYPERLINK("x")'})
        core.add_custom_item(
            ws,
            "LTU",
            4,
            "Brief the new Resident Coordinator",
            "pre_session",
            due="2026-12-01",
            owner="UNDP",
        )
        ws.save()
    finally:
        ws.close()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "ws.json"
    build(path)
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["export", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_markdown_line_by_line(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "checklist", "LTU", "--format", "md", "-w", str(workspace), "--today", TODAY
    )
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:7] == [
        "# UPR checklist: Lithuania (LTU), cycle 4",
        "",
        "- Review: session 54, 25 Jan 2027 – 5 Feb 2027 (session projected, dates inferred)",
        "- Status on 2026-11-25: before the review, 61 days to go",
        "- Progress: 2/18 done, 6 overdue, 2 due within 14 days",
        "- Templates: UNCT checklist for engaging with the UPR",
        "",
    ]
    general = lines.index("## General: 2/5 done")
    assert lines[general : general + 14] == [
        "## General: 2/5 done",
        "",
        "- [x] Know when the country is scheduled for review (session and dates).",
        "  - status: done; owner: RCO; due: 2026-01-25",
        "- [ ] Review the UPR information and reporting guidelines and how the process works.",
        "  - status: in progress; owner: none; due: 2026-04-30 (OVERDUE)",
        "  - note: Draft \\*shared\\* \\| see \\[link\\]",
        "- [x] Read all UPR reports for the country from the preceding cycles.",
        "  - status: not applicable; owner: none; due: 2026-04-30",
        "- [ ] Know which ministries and coordination mechanisms carry out UPR reporting and implementation.",
        "  - status: to do; owner: none; due: 2026-05-30 (OVERDUE)",
        "- [ ] Know whom to contact in the local or regional OHCHR office.",
        '  - status: to do; owner: =HYPERLINK("x"); due: 2026-05-30 (OVERDUE)',
        "",
    ]
    # Phases in order, custom item last in its phase with its own due date.
    headings = [line for line in lines if line.startswith("## ")]
    assert headings == [
        "## General: 2/5 done",
        "## Before the session: 0/5 done",
        "## During the session: 0/4 done",
        "## After the session: 0/4 done",
    ]
    custom = lines.index("- [ ] Brief the new Resident Coordinator (added by the team)")
    assert lines[custom - 2 : custom + 2] == [
        "- [ ] Help the country take part in the Working Group session in Geneva, liaising with "
        "OHCHR's UPR Secretariat (and the UPR Fund for participation).",
        "  - status: to do; owner: none; due: 2026-11-30 (due soon)",
        "- [ ] Brief the new Resident Coordinator (added by the team)",
        "  - status: to do; owner: UNDP; due: 2026-12-01 (due soon)",
    ]
    assert lines[custom + 2] == ""
    assert sum(1 for line in lines if line.startswith("- [")) == 18
    assert lines[-2:] == [
        "- [ ] Discuss a UPR mid-term review with government.",
        "  - status: to do; owner: none; due: 2029-08-03",
    ]
    assert out.endswith("\n") and "\r" not in out


def test_markdown_is_deterministic_and_o_writes_the_same_bytes(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("checklist", "LTU", "--format", "md", "-w", str(workspace), "--today", TODAY)
    _, first, _ = run(capsys, *args)
    _, second, _ = run(capsys, *args)
    assert first == second
    target = tmp_path / "out.md"
    code, out, err = run(capsys, *args, "-o", str(target))
    assert (code, out) == (0, "")
    assert err.strip() == f"wrote {target}"
    assert target.read_bytes() == first.encode("utf-8")
    # The workspace file is never changed by an export.
    before = workspace.read_bytes()
    run(capsys, *args)
    assert workspace.read_bytes() == before


def test_csv_line_by_line(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "checklist",
        "LTU",
        "--cycle",
        "4",
        "--format",
        "csv",
        "-w",
        str(workspace),
        "--today",
        TODAY,
    )
    assert (code, err) == (0, "")
    lines = out.split("\n")
    assert lines[-1] == "" and "\r" not in out
    assert lines[0] == ",".join(core.CSV_COLUMNS)
    assert lines[1:6] == [
        "LTU,4,general,know-review-date,Know when the country is scheduled for review "
        "(session and dates).,done,RCO,2026-01-25,done,,no,unct-upr",
        "LTU,4,general,read-guidelines,Review the UPR information and reporting guidelines and "
        "how the process works.,in_progress,,2026-04-30,overdue,Draft *shared* | see [link],no,unct-upr",
        "LTU,4,general,read-past-reports,Read all UPR reports for the country from the preceding "
        "cycles.,not_applicable,,2026-04-30,done,,no,unct-upr",
        "LTU,4,general,map-national-mechanisms,Know which ministries and coordination mechanisms "
        "carry out UPR reporting and implementation.,todo,,2026-05-30,overdue,,no,unct-upr",
        # A cell that a spreadsheet would run as a formula is quoted with a leading '.
        "LTU,4,general,ohchr-contact,Know whom to contact in the local or regional OHCHR "
        'office.,todo,"\'=HYPERLINK(""x"")",2026-05-30,overdue,,no,unct-upr',
    ]
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 18
    custom = [r for r in rows if r["custom"] == "yes"]
    assert custom == [
        {
            "country": "LTU",
            "cycle": "4",
            "phase": "pre_session",
            "item": "custom-brief-the-new-resident-coordinator",
            "text": "Brief the new Resident Coordinator",
            "status": "todo",
            "owner": "UNDP",
            "due": "2026-12-01",
            "due_state": "due_soon",
            "note": "",
            "custom": "yes",
            "template": "",
        }
    ]
    assert [r["phase"] for r in rows] == sorted(
        (r["phase"] for r in rows),
        key=["general", "pre_session", "in_session", "post_session"].index,
    )


def test_cycle_not_started_exports_the_templates(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "checklist", "Lithuania", "--cycle", "3", "-w", str(workspace), "--today", TODAY
    )
    assert code == 0
    assert "not started" in err and err.count("\n") == 1
    lines = out.splitlines()
    assert lines[0] == "# UPR checklist: Lithuania (LTU), cycle 3"
    assert lines[2].startswith("- Review: session 40, ")
    assert "- Not started in the workspace: every item is shown as to do." in lines
    assert sum(1 for line in lines if line.startswith("- [ ] ")) == 17
    assert not any(line.startswith("- [x]") for line in lines)
    assert "after the review" in lines[3]


def test_live_cycle_is_the_follow_up_until_a_year_before_the_next_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Slovenia in Nov 2026: cycle 5 starts in Nov 2029 (more than 365 days ahead), so the
    live cycle is cycle 4, whose follow-up is late."""
    path = tmp_path / "svn.json"
    ws = Workspace.open(path, author="tester")
    core.start_checklist(ws, "SVN", 4)
    ws.close()
    _, out, _ = run(capsys, "checklist", "SVN", "-w", str(path), "--today", TODAY)
    assert out.splitlines()[0] == "# UPR checklist: Slovenia (SVN), cycle 4"
    ws = Workspace.open(path, author="tester", read_only=True, lock=False)
    assert core.live_cycle("SVN", date(2026, 11, 25), ws.table("checklist")) == 4
    assert core.progress_labels(ws.table("checklist"), date(2026, 11, 25)) == {
        "SVN": "0/17 ✓ 16 late"
    }
    ws.close(save=False)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["checklist", "XXX"], 1, "unknown country"),
        (["checklist"], 1, "needs a country"),
        (["checklist", "LTU", "--format", "docx"], 1, "md or csv"),
        (["checklist", "LTU", "--cycle", "9"], 1, "no review in cycle 9"),
        (["share", "XXX"], 1, "unknown country"),  # share: tui/commands/export.py
    ],
)
def test_user_errors_are_one_line_exit_1(
    workspace: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int, message: str
) -> None:
    got, out, err = run(capsys, *args, "-w", str(workspace))
    assert got == code and out == ""
    assert err.count("\n") == 1 and message in err and err.startswith("upr: ")


def test_missing_or_bad_workspace_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "checklist", "LTU", "-w", str(tmp_path / "none.json"))
    assert (code, out) == (2, "") and "no such file" in err
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    code, _, err = run(capsys, "checklist", "LTU", "-w", str(bad))
    assert code == 2 and "not valid JSON" in err
    assert not (tmp_path / "none.json").exists()


def test_unknown_kind_is_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["export", "everything", "LTU"])
    assert info.value.code == 1
    assert "invalid choice" in capsys.readouterr().err


def test_dispatch_table_shape() -> None:
    from tui.commands import export

    assert set(export.EXPORTERS) <= set(export.KINDS)
    assert "checklist" in export.EXPORTERS and "share" in export.EXPORTERS
    assert export.RESERVED == frozenset()


def test_csv_cells_are_neutralised_as_in_every_export() -> None:
    """Full-width formula signs (＝, ＋, ＠) run in some Excel locales: quoted here too, as
    the matrix, annex and plan exports quote them (one rule, tui/exports/safe.py)."""
    today = date(2026, 5, 1)
    entries = [
        {
            "id": "LTU:4:x",
            "phase": "general",
            "item": "x",
            "text": "\uff1dSUM(A1)",
            "owner": "\uff20team",
            "note": "=1+1",
            "status": "todo",
            "due": "",
        }
    ]
    rows = list(csv.reader(io.StringIO(core.render_csv("LTU", 4, entries, today))))
    assert rows[1][4] == "'\uff1dSUM(A1)"
    assert rows[1][6] == "'\uff20team"
    assert rows[1][9] == "'=1+1"
