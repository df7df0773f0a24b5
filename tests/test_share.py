"""Share copies for email (tui/share.py): deterministic gzip, ``upr export share``, opening a .json.gz."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from tui.cli import main
from tui.merge import encode_tables, load_copy, merge_tables
from tui.session import AppOptions, open_workspace_for_app
from tui.share import gunzip_limited, gzip_bytes, open_share_copy, plain_path, write_share_copy
from tui.store import Workspace, WorkspaceError

RECS = "recommendations"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "team.json"
    ws = Workspace.open(path, author="alice")
    ws.edit(RECS, "UPR:A/HRC/59/15:140.1", {"text": "Ratify the Convention", "country": "SVN"})
    ws.edit(RECS, "UPR:A/HRC/59/15:140.2", {"text": "Adopt a plan", "country": "SVN"})
    ws.edit(RECS, "UPR:A/HRC/60/9:12.1", {"text": "Lithuanian one", "country": "LTU"})
    ws.edit("countries", "SVN", {"notes": "Slovenia"})
    ws.edit(RECS, "UPR:A/HRC/59/15:140.1", {"priority": "high"})
    ws.save()
    ws.close()
    return path


def test_share_copy_is_deterministic_gzip_of_the_workspace(workspace: Path, tmp_path: Path) -> None:
    first = write_share_copy(workspace, tmp_path / "one.json.gz")
    second = write_share_copy(workspace, tmp_path / "two.json.gz")
    raw = first.path.read_bytes()
    assert raw == second.path.read_bytes()
    assert raw[:2] == b"\x1f\x8b"
    assert raw[3] == 0  # no file name or other optional header fields
    assert raw[4:8] == b"\x00\x00\x00\x00"  # mtime 0
    assert gzip.decompress(raw) == encode_tables(load_copy(workspace))
    assert (first.json_bytes, first.gz_bytes) == (len(gzip.decompress(raw)), len(raw))
    assert load_copy(first.path) == load_copy(workspace)


def test_upr_export_share_and_dash_dash_share(
    workspace: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["export", "--share", "-w", str(workspace)]) == 0
    default = tmp_path / "team.json.gz"
    assert default.exists() and "wrote" in capsys.readouterr().err
    out = tmp_path / "for-bob"
    assert main(["export", "share", "-w", str(workspace), "-o", str(out)]) == 0
    assert (tmp_path / "for-bob.gz").read_bytes() == default.read_bytes()
    assert main(["export", "--share", "checklist", "-w", str(workspace)]) == 1
    assert main(["export", "share", "-w", str(workspace), "--format", "docx"]) == 1
    assert main(["export", "share", "-w", str(tmp_path / "none.json")]) == 2


def test_a_country_share_copy_holds_only_that_country(workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "svn.json.gz"
    assert main(["export", "share", "SVN", "-w", str(workspace), "-o", str(out)]) == 0
    tables = load_copy(out)
    assert set(tables[RECS]) == {"UPR:A/HRC/59/15:140.1", "UPR:A/HRC/59/15:140.2"}
    assert set(tables["countries"]) == {"SVN"}
    assert {row["record"] for row in tables["history"].values()} == {
        "UPR:A/HRC/59/15:140.1",
        "UPR:A/HRC/59/15:140.2",
        "SVN",
    }
    # Merging it back into the full workspace changes nothing.
    assert merge_tables(load_copy(workspace), tables).changed_a == {}


def test_opening_a_share_copy_unpacks_it_beside_then_merges_later_copies(
    workspace: Path, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    gz = write_share_copy(workspace, inbox / "team.json.gz").path
    first = open_share_copy(gz, author="bob")
    assert first.path == plain_path(gz) == inbox / "team.json"
    assert "Opened team.json.gz as team.json" in first.message
    assert load_copy(first.path) == load_copy(workspace)
    # Alice sends a newer copy; opening it merges it into the file already there.
    ws = Workspace.open(workspace, author="alice")
    ws.edit(RECS, "UPR:A/HRC/59/15:140.2", {"status": "implemented"})
    ws.close()
    write_share_copy(workspace, gz)
    bob = Workspace.open(first.path, author="bob")
    bob.edit(RECS, "UPR:A/HRC/59/15:140.1", {"note": "bob's"})
    bob.close()
    second = open_share_copy(gz, author="bob")
    assert "Merged team.json.gz into team.json" in second.message
    recs = load_copy(second.path)[RECS]
    assert recs["UPR:A/HRC/59/15:140.2"]["status"] == "implemented"
    assert recs["UPR:A/HRC/59/15:140.1"]["note"] == "bob's"
    assert (inbox / "team.json.bak").exists()
    assert "already holds everything" in open_share_copy(gz, author="bob").message


def test_the_app_opens_a_json_gz_as_the_plain_file_beside_it(
    workspace: Path, tmp_path: Path
) -> None:
    gz = write_share_copy(workspace, tmp_path / "sent.json.gz").path
    before = gz.read_bytes()
    options = AppOptions(path=gz, author="bob")
    ws = open_workspace_for_app(options)
    try:
        assert ws.path == tmp_path / "sent.json" == options.path
        assert ws.get(RECS, "UPR:A/HRC/59/15:140.1")["priority"] == "high"
        assert any("sent.json" in w for w in ws.warnings)
    finally:
        ws.close(save=False)
    assert gz.read_bytes() == before  # the attachment is never written to
    readonly = open_workspace_for_app(AppOptions(path=gz, author="bob", read_only=True))
    assert readonly.path == gz and readonly.read_only
    readonly.close(save=False)


def test_damaged_and_oversized_gzip_are_refused(workspace: Path, tmp_path: Path) -> None:
    raw = gzip_bytes(workspace.read_bytes())
    cut = tmp_path / "cut.json.gz"
    cut.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(WorkspaceError, match="cut.json.gz: not a valid gzip file"):
        load_copy(cut)
    bomb = gzip_bytes(b" " * 2_000_000)
    assert len(bomb) < 10_000
    with pytest.raises(ValueError, match="limit"):
        gunzip_limited(bomb, 1_000_000)
    assert gunzip_limited(bomb, 2_000_000) == b" " * 2_000_000


def test_a_real_report_compresses_well(tmp_path: Path, shared_dir: Path) -> None:
    from tui.importers import parse_file
    from tui.importers.apply import apply_batch

    source = shared_dir / "corpus" / "wg-reports" / "A_HRC_59_15_Slovenia_2025.txt"
    shutil.copy(source, tmp_path / source.name)
    ws = Workspace.open(tmp_path / "ws.json", author="alice")
    apply_batch(ws, parse_file(tmp_path / source.name))
    ws.save()
    ws.close()
    copy = write_share_copy(tmp_path / "ws.json", tmp_path / "ws.json.gz")
    assert copy.json_bytes == (tmp_path / "ws.json").stat().st_size
    assert copy.gz_bytes * 4 < copy.json_bytes


def test_a_share_copy_on_a_full_disk_is_one_line(
    workspace: Path, tmp_path: Path, monkeypatch
) -> None:
    """Issue 15.8: unpacking or merging a share copy on a full disk is a WorkspaceError (the
    app and ``upr FILE.json.gz`` print one line), never a traceback."""
    from tui.store import WorkspaceStorage

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    gz = write_share_copy(workspace, inbox / "team.json.gz").path
    monkeypatch.setattr(WorkspaceStorage, "write_chunks", lambda *a, **k: _full())
    with pytest.raises(WorkspaceError, match="cannot write .*team.json: No space left on device"):
        open_share_copy(gz, author="bob")
    monkeypatch.undo()
    open_share_copy(gz, author="bob")
    ws = Workspace.open(workspace, author="alice")
    ws.edit(RECS, "UPR:A/HRC/59/15:140.2", {"status": "implemented"})
    ws.close()
    write_share_copy(workspace, gz)
    monkeypatch.setattr(WorkspaceStorage, "write_chunks", lambda *a, **k: _full())
    with pytest.raises(WorkspaceError, match="cannot write .*team.json.bak: No space left"):
        open_share_copy(gz, author="bob")


def _full() -> None:
    raise OSError(28, "No space left on device")
