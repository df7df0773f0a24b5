"""``upr check`` reports what a valid file hides from the app (issue 15.8): a renamed table, a
record moved into another table, an empty file. Before, all three passed as "ok"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui.cli import main
from tui.store import Workspace

REC = "UPR:A/HRC/59/15:140.1"


@pytest.fixture
def team(tmp_path: Path) -> Path:
    path = tmp_path / "team.json"
    ws = Workspace.open(path, author="ana")
    ws.edit("recommendations", REC, {"text": "Ratify", "country": "SVN", "priority": "high"})
    ws.edit("checklist", "SVN:5:kickoff", {"country": "SVN", "cycle": 5, "item": "kickoff"})
    ws.close()
    return path


def rewrite(path: Path, change) -> None:
    data = json.loads(path.read_text("utf-8"))
    change(data)
    path.write_text(json.dumps(data), "utf-8")


def check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["check", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_good_file_and_the_tables_of_schema_2_are_ok(team: Path, capsys) -> None:
    code, out, _err = check(team, capsys)
    assert code == 0 and out.startswith("team.json: ok (")
    rewrite(team, lambda d: d.update(links={}, engagements={}))
    code, out, err = check(team, capsys)
    assert code == 0 and ": ok (" in out, err


def test_a_renamed_table_is_reported(team: Path, capsys) -> None:
    rewrite(team, lambda d: d.update(Recommendations=d.pop("recommendations")))
    code, out, err = check(team, capsys)
    assert code == 2 and out == ""
    assert "'Recommendations' is not a table this version knows" in err
    assert err.count("\n") == 1


def test_a_record_moved_into_another_table_is_reported(team: Path, capsys) -> None:
    for table in ("actions", "countries", "conflicts", "meta"):  # valid there, so it was "ok"
        original = team.read_bytes()
        rewrite(team, lambda d, table=table: d[table].update({REC: d["recommendations"].pop(REC)}))
        code, out, err = check(team, capsys)
        assert code == 2 and f"{table}/{REC}: a record of recommendations moved into" in err, err
        team.write_bytes(original)


def test_a_record_moved_without_history_is_found_by_its_fields(team: Path, capsys) -> None:
    def move(d: dict) -> None:
        d["conflicts"][REC] = d["recommendations"].pop(REC)
        d["history"] = {}

    rewrite(team, move)
    code, _out, err = check(team, capsys)
    assert code == 2 and "are those of a record of recommendations" in err, err


def test_an_empty_file_is_not_ok(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    code, out, err = check(empty, capsys)
    assert code == 2 and out == "" and "empty.json: an empty file (0 bytes)" in err
