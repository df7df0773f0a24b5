"""Owners' digest (issue 19 point 3): ``upr export digest`` for one owner or all of them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tui.cli import main
from tui.exports import checklist as core
from tui.exports.digest import build_digest, owner_slug, owners
from tui.store import Workspace

TODAY = "2026-11-25"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    file = tmp_path / "team.json"
    ws = Workspace.open(file, author="team")
    core.start_checklist(ws, "LTU", 4)
    ws.edit("checklist", "LTU:4:read-guidelines", {"owner": "Ministry of Justice"})
    ws.edit(
        "checklist", "LTU:4:joint-submission", {"owner": "ministry of justice ", "status": "done"}
    )
    ws.edit(
        "actions",
        "A1",
        {
            "country": "SVN",
            "title": "Train judges",
            "entity": "Ministry of Justice",
            "deadline": "2026-12-10",
            "status": "in_progress",
        },
    )
    ws.edit(
        "actions",
        "A2",
        {
            "country": "SVN",
            "title": "Far away",
            "entity": "Ministry of Justice",
            "deadline": "2027-06-01",
        },
    )
    ws.edit(
        "actions",
        "A3",
        {
            "country": "SVN",
            "title": "Done already",
            "entity": "Ministry of Justice",
            "deadline": "2026-11-01",
            "status": "implemented",
        },
    )
    for n, (lead, status) in enumerate(
        [
            ("UNICEF", "no_information"),
            ("UNICEF", "in_progress"),
            ("../evil/<b>", "no_information"),
        ],
        start=1,
    ):
        ws.edit(
            "recommendations",
            f"UPR:A/HRC/59/15:140.{n}",
            {
                "country": "SVN",
                "document": "A/HRC/59/15",
                "paragraph": f"140.{n}",
                "text": f"Recommendation *{n}*",
                "lead_entity": lead,
                "status": status,
            },
        )
    ws.close()
    return file


def test_digest_holds_what_is_due_for_that_owner_only(path: Path) -> None:
    ws = Workspace.open(path, author="r", read_only=True, lock=False)
    digest = build_digest(ws, "MINISTRY OF JUSTICE", date.fromisoformat(TODAY), 30)
    assert [line.what for line in digest.actions] == ["Train judges"]
    assert [line.country for line in digest.checklist] == ["LTU"]  # the done one is left out
    assert digest.checklist[0].days is not None and digest.checklist[0].days < 0
    assert digest.recommendations == []
    unicef = build_digest(ws, "unicef", date.fromisoformat(TODAY), 30, "SVN")
    assert [line.detail for line in unicef.recommendations] == ["A/HRC/59/15 para. 140.1"]
    assert "Ministry of Justice" in owners(ws) and "UNICEF" in owners(ws)
    ws.close(save=False)


def test_cli_md_and_txt(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["export", "digest", "--owner", "ministry of justice", "--today", TODAY, "-w", str(path)]
    assert main(args) == 0
    md = capsys.readouterr().out
    assert md.startswith("# What is due: ministry of justice")
    assert "## Actions of the implementation plan (1)" in md and "Train judges" in md
    assert "Far away" not in md and "Done already" not in md
    assert "OVERDUE" in md
    assert main(["export", "digest", "SVN", *args[2:], "--days", "300", "--format", "txt"]) == 0
    txt = capsys.readouterr().out
    assert "Far away" in txt and "Slovenia" in txt and "Lithuania" not in txt
    assert "#" not in txt.splitlines()[0]
    assert main(["export", "digest", "--owner", "UNICEF", "--today", TODAY, "-w", str(path)]) == 0
    assert "Recommendation \\*1\\*" in capsys.readouterr().out  # Markdown escaped


def test_all_writes_one_file_per_owner(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "digests"
    code = main(["export", "digest", "--all", "-o", str(out), "--today", TODAY, "-w", str(path)])
    assert code == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["digest-Ministry-of-Justice.md", "digest-UNICEF.md", "digest-evil-b.md"]
    assert owner_slug("../evil/<b>") == "evil-b"
    assert main(["export", "digest", "--all", "--today", TODAY, "-w", str(path)]) == 1
    assert main(["export", "digest", "--today", TODAY, "-w", str(path)]) == 1
