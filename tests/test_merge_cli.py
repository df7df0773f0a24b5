"""``upr merge``, ``upr merge-driver`` and ``upr git-setup``, with real git in a temporary repo."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_merge import RECS, FakeTime, machine

from tui.cli import main
from tui.merge import encode_tables, load_copy
from tui.share import gzip_bytes
from tui.store import Workspace

R1 = "UPR:A/HRC/59/15:140.1"
R2 = "UPR:A/HRC/59/15:140.2"


@pytest.fixture
def copies(tmp_path: Path) -> tuple[Path, Path]:
    """a.json and b.json: one shared start, then a different field each and the same field."""
    time = FakeTime()
    a = machine(tmp_path / "a.json", "alice", time)
    a.edit(RECS, R1, {"text": "Ratify the Convention", "country": "SVN"})
    a.edit(RECS, R2, {"text": "Adopt a plan", "country": "SVN"})
    a.save()
    shutil.copy(a.path, tmp_path / "b.json")
    b = machine(tmp_path / "b.json", "bob", time)
    time.advance()
    a.edit(RECS, R1, {"priority": "high", "note": "alice's note"})
    time.advance()
    b.edit(RECS, R1, {"status": "in_progress", "note": "bob's note"})
    b.edit(RECS, "UPR:A/HRC/59/15:140.3", {"text": "New at bob", "country": "SVN"})
    for ws in (a, b):
        ws.save()
        ws.close(save=False)
    return tmp_path / "a.json", tmp_path / "b.json"


def test_merge_into_a_keeps_a_bak_and_reports_tsv_to_a_pipe(copies, capsys) -> None:
    a, b = copies
    before = a.read_bytes()
    assert main(["merge", str(a), str(b)]) == 0
    out, err = capsys.readouterr()
    assert (a.with_name("a.json.bak")).read_bytes() == before
    rec = load_copy(a)[RECS][R1]
    assert (rec["priority"], rec["status"], rec["note"]) == ("high", "in_progress", "bob's note")
    assert "UPR:A/HRC/59/15:140.3" in load_copy(a)[RECS]
    lines = out.splitlines()
    assert lines[0].split("\t")[:4] == ["table", "record", "field", "kept"]
    [row] = [line.split("\t") for line in lines[1:]]
    assert row[:4] == [RECS, R1, "note", "b.json"]
    assert row[4:6] == ["alice's note", "alice"] and row[7:9] == ["bob's note", "bob"]
    assert "records new from a.json 0, from b.json 1" in err
    assert "conflicts 1" in err
    # Merging the same copy again changes nothing and writes nothing.
    after = a.read_bytes()
    stat = a.stat()
    assert main(["merge", str(a), str(b)]) == 0
    assert a.read_bytes() == after and a.stat().st_mtime_ns == stat.st_mtime_ns


def test_merge_to_output_and_dry_run_leave_a_alone(copies, tmp_path: Path) -> None:
    a, b = copies
    before = a.read_bytes()
    assert main(["merge", str(a), str(b), "--dry-run"]) == 0
    assert a.read_bytes() == before and not (tmp_path / "a.json.bak").exists()
    out = tmp_path / "out.json"
    assert main(["merge", str(a), str(b), "-o", str(out)]) == 0
    assert a.read_bytes() == before
    assert load_copy(out)[RECS][R1]["status"] == "in_progress"
    # Order does not matter: B with A gives the same bytes.
    out2 = tmp_path / "out2.json"
    assert main(["merge", str(b), str(a), "-o", str(out2)]) == 0
    assert out.read_bytes() == out2.read_bytes()


def test_merge_reads_a_gzip_share_copy(copies, tmp_path: Path) -> None:
    a, b = copies
    gz = tmp_path / "b.json.gz"
    gz.write_bytes(gzip_bytes(b.read_bytes()))
    out = tmp_path / "out.json.gz"
    assert main(["merge", str(a), str(gz), "-o", str(out)]) == 0
    assert out.read_bytes()[:2] == b"\x1f\x8b"
    assert load_copy(out)[RECS][R1]["status"] == "in_progress"


def test_rich_summary_on_a_terminal_names_both_values_authors_and_times(
    copies, capsys, monkeypatch
) -> None:
    a, b = copies
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setenv("COLUMNS", "160")
    assert main(["merge", str(a), str(b), "--dry-run"]) == 0
    out = capsys.readouterr().out
    for expected in (
        "new recommendations",
        "fields taken",
        "1 conflict",
        "alice's note",
        "bob's note",
        "alice, 2025-10-09",
        "bob, 2025-10-09",
        "note",
    ):
        assert expected in out, expected


def test_a_bad_copy_exits_2_and_changes_nothing(copies, tmp_path: Path, capsys) -> None:
    a, _ = copies
    before = a.read_bytes()
    bad = tmp_path / "bad.json"
    bad.write_text('{"recommendations": {"X": {"id": "X", "_clock": {"*": "soon"}}}}', "utf-8")
    assert main(["merge", str(a), str(bad)]) == 2
    assert "bad.json" in capsys.readouterr().err
    assert a.read_bytes() == before and not (tmp_path / "a.json.bak").exists()


def test_merging_into_a_workspace_open_in_the_app_is_refused(copies, capsys) -> None:
    a, b = copies
    ws = Workspace.open(a, author="carol")  # holds a.json.lock
    try:
        assert main(["merge", str(a), str(b)]) == 1
        assert "-o" in capsys.readouterr().err
    finally:
        ws.close(save=False)


def test_merge_driver_writes_into_ours(copies, tmp_path: Path) -> None:
    a, b = copies
    base = tmp_path / "base.json"
    base.write_text("", "utf-8")
    assert main(["merge-driver", str(base), str(a), str(b)]) == 0
    assert load_copy(a)[RECS][R1]["status"] == "in_progress"
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", "utf-8")
    before = a.read_bytes()
    assert main(["merge-driver", str(base), str(a), str(bad)]) == 2
    assert a.read_bytes() == before


# -- real git ----------------------------------------------------------------------------------


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.org",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.org",
    )
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=check, env=env
    )


def edit_and_commit(
    repo: Path, author: str, values: dict[str, dict[str, object]], message: str
) -> None:
    ws = Workspace.open(repo / "upr-workbench.json", author=author)
    for rid, fields in values.items():
        ws.edit(RECS, rid, fields)
    ws.save()
    ws.close()
    git(repo, "commit", "-qam", message)


@pytest.mark.slow
def test_git_merges_two_branches_with_the_upr_driver(tmp_path: Path, monkeypatch, capsys) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    monkeypatch.chdir(repo)
    venv_bin = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", venv_bin + os.pathsep + os.environ.get("PATH", ""))
    assert main(["git-setup"]) == 0
    assert "*.upr.json merge=upr" in (repo / ".gitattributes").read_text()
    assert "upr-workbench.json merge=upr" in (repo / ".gitattributes").read_text()
    assert git(repo, "config", "merge.upr.driver").stdout.strip() == "upr merge-driver %O %A %B"
    assert main(["git-setup"]) == 0  # twice: nothing added twice
    assert (repo / ".gitattributes").read_text().count("merge=upr") == 2
    capsys.readouterr()

    ws = Workspace.open(repo / "upr-workbench.json", author="alice")
    ws.edit(RECS, R1, {"text": "Ratify the Convention", "country": "SVN"})
    ws.edit(RECS, R2, {"text": "Adopt a plan", "country": "SVN"})
    ws.save()
    ws.close()
    git(repo, "add", ".gitattributes", "upr-workbench.json")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-qb", "alice")
    edit_and_commit(
        repo, "alice", {R1: {"priority": "high", "note": "alice's note"}}, "alice triages"
    )
    git(repo, "checkout", "-q", "main")
    git(repo, "checkout", "-qb", "bob")
    edit_and_commit(
        repo,
        "bob",
        {R1: {"status": "in_progress", "note": "bob's note"}, R2: {"priority": "low"}},
        "bob follows up",
    )
    git(repo, "checkout", "-q", "alice")
    merged = git(repo, "merge", "--no-edit", "bob", check=False)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert "conflict" in merged.stderr.lower()  # the driver's note: 1 conflict to review
    assert git(repo, "status", "--porcelain").stdout.strip() == ""
    data = load_copy(repo / "upr-workbench.json")
    r1 = data[RECS][R1]
    assert (r1["priority"], r1["status"], r1["note"]) == ("high", "in_progress", "bob's note")
    assert data[RECS][R2]["priority"] == "low"
    [conflict] = data["conflicts"].values()
    assert (conflict["field"], conflict["winner"], conflict["other"]) == (
        "note",
        "bob's note",
        "alice's note",
    )
    # The merged file is in the store's deterministic form (what a save would write).
    assert encode_tables(data) == (repo / "upr-workbench.json").read_bytes()


def test_git_setup_outside_a_repository_is_a_user_error(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert main(["git-setup"]) == 1
    assert "not a git repository" in capsys.readouterr().err.lower()


def test_git_setup_registers_a_custom_workspace_and_a_driver_path(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    from tui.commands import merge as merge_cmd

    repo = tmp_path / "repo"
    (repo / "team").mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / ".gitattributes").write_text("*.png binary", "utf-8")  # no final newline
    monkeypatch.chdir(repo)
    monkeypatch.setattr(
        merge_cmd.shutil, "which", lambda name: "/usr/bin/git" if name == "git" else None
    )
    assert main(["git-setup", "-w", "team/svn.json"]) == 0
    lines = (repo / ".gitattributes").read_text().splitlines()
    assert lines == [
        "*.png binary",
        "*.upr.json merge=upr",
        "upr-workbench.json merge=upr",
        "/team/svn.json merge=upr",
    ]
    driver = git(repo, "config", "merge.upr.driver").stdout.strip()
    assert driver.endswith("merge-driver %O %A %B") and driver.startswith("/")  # upr not on PATH
    assert main(["git-setup", "--command", "python -m tui.cli"]) == 0
    assert (
        git(repo, "config", "merge.upr.driver").stdout.strip()
        == "python -m tui.cli merge-driver %O %A %B"
    )


def test_rich_summary_shows_file_names_that_look_like_markup_as_text(
    copies, capsys, monkeypatch
) -> None:
    """Column headers are file names, shown as text: "b [red].json" once lost its "[red]"."""
    a, b = copies
    odd = b.rename(b.with_name("b [red].json"))
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setenv("COLUMNS", "250")
    assert main(["merge", str(a), str(odd), "--dry-run"]) == 0
    out = capsys.readouterr().out
    lines = re.sub(r"\x1b\[[0-9;]*m", "", out).splitlines()
    header = next(line for line in lines if "from a.json" in line)  # the counts table's header
    assert "from b [red].json" in header


def _disk_full(*_args: object, **_kwargs: object) -> None:
    raise OSError(28, "No space left on device")


def test_merge_on_a_full_disk_is_one_line_and_a_is_untouched(copies, capsys, monkeypatch) -> None:
    """Issue 15.8: the A.bak copy was outside the error handling (a 17-line traceback)."""
    from tui.store import WorkspaceStorage

    a, b = copies
    before = a.read_bytes()
    monkeypatch.setattr(WorkspaceStorage, "write_chunks", _disk_full)
    assert main(["merge", str(a), str(b)]) == 1
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == (
        f"upr: cannot write {a.with_name('a.json.bak')}: No space left on device"
    )
    assert "Traceback" not in err and a.read_bytes() == before


def test_merging_two_unrelated_workspaces_warns(copies, tmp_path: Path, capsys) -> None:
    """Issue 15.8: different countries and no record in common: probably the wrong file."""
    a, b = copies
    assert main(["merge", str(a), str(b), "--dry-run"]) == 0
    assert "warning" not in capsys.readouterr().err  # two copies of one workspace
    other = tmp_path / "lithuania.json"
    ws = Workspace.open(other, author="chen")
    ws.edit(RECS, "UPR:A/HRC/60/9:12.1", {"text": "Lithuanian one", "country": "LTU"})
    ws.edit("countries", "LTU", {"notes": "n"})
    ws.close()
    assert main(["merge", str(a), str(other), "-o", str(tmp_path / "out.json")]) == 0
    err = capsys.readouterr().err
    assert "upr: warning: a.json and lithuania.json: no record in common" in err
    assert "(SVN / LTU)" in err


def test_a_copy_with_a_clock_days_ahead_merges_with_one_warning(copies, capsys) -> None:
    """Issue 15.4: a colleague whose laptop had a wrong date no longer makes the file unusable
    ("clock is more than a day in the future" refused every command)."""
    import json
    import time

    a, b = copies
    data = json.loads(b.read_text("utf-8"))
    ahead = f"{time.time_ns() // 1_000_000 + 40 * 86_400_000:013d}|000000|bob"
    data[RECS][R2]["_clock"]["status"] = ahead
    data[RECS][R2]["status"] = "implemented"
    b.write_text(json.dumps(data), "utf-8")
    assert main(["merge", str(a), str(b)]) == 0
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if "ahead" in line]
    assert len(warnings) == 1 and "bob (40 days ahead, 1 edit(s))" in warnings[0], err
    assert load_copy(a)[RECS][R2]["status"] == "implemented"  # its clock orders it
    ws = Workspace.open(a, author="alice")
    ws.edit(RECS, R2, {"status": "in_progress"})  # a later honest edit still wins
    ws.close()
    assert load_copy(a)[RECS][R2]["status"] == "in_progress"
    capsys.readouterr()
    assert main(["check", str(a)]) == 0  # warns (the field's clock is still 40 days ahead)
    assert "40 days ahead" in capsys.readouterr().err
