"""Limits agree (issue 15.7): nothing writes a workspace past the size every command opens.

A 1,015,000-row CSV used to import into a 1.0 GB file that every command then refused. An
import that would take the file past the limit (DESIGN §6: 1 GB) is refused before any edit,
with a message naming the limit; a save or merge past it is never written. The limit is
monkeypatched small here: no test writes a real gigabyte.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import tui.store.storage as storage
import tui.store.workspace as store_workspace
from tui.cli import main
from tui.importers.apply import apply_batch
from tui.importers.base import ImportBatch
from tui.store import TooLargeError, Workspace, WorkspaceError

REC = "recommendations"
REPORT = "corpus/wg-reports/A_HRC_59_15_Slovenia_2025.txt"


def batch(n: int, start: int = 0) -> ImportBatch:
    records = [
        {
            "id": f"UPR:A/HRC/59/15:140.{i}",
            "mechanism": "UPR",
            "country": "SVN",
            "document": "A/HRC/59/15",
            "paragraph": f"140.{i}",
            "text": f"Recommendation {i}: " + "ratify the Convention " * 10,
            "position": "supported",
        }
        for i in range(start, start + n)
    ]
    return ImportBatch(kind="upr-info", source_file="rows.csv", records=records)


def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "ws.json"
    ws = Workspace.open(path, author="ana")
    apply_batch(ws, batch(5))
    ws.close()
    return path


def test_the_estimate_is_the_size_the_save_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = workspace(tmp_path)
    ws = Workspace.open(path, author="ana")
    estimates: list[int] = []
    real = Workspace.size_after

    def spy(self: Workspace, table: str, plan: list) -> int:
        estimates.append(real(self, table, plan))
        return estimates[-1]

    monkeypatch.setattr(Workspace, "size_after", spy)
    apply_batch(ws, batch(40, start=3))  # 2 updates, 38 new records
    ws.close()
    (estimate,) = estimates
    assert abs(path.stat().st_size - estimate) < 40  # the clocks' counters may grow a digit


def test_an_import_past_the_limit_is_refused_before_any_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = workspace(tmp_path)
    before = path.read_bytes()
    monkeypatch.setattr(store_workspace, "MAX_WORKSPACE_BYTES", len(before) + 5_000)
    ws = Workspace.open(path, author="ana")
    apply_batch(ws, batch(3, start=5))  # a little fits
    with pytest.raises(TooLargeError) as refused:
        apply_batch(ws, batch(100, start=10))
    message = str(refused.value)
    assert "limit for a workspace" in message and "importing rows.csv" in message
    assert isinstance(refused.value, ValueError)  # what the app's import box catches
    assert len(ws.table(REC)) == 8  # nothing of the refused import, in memory
    ws.close()
    assert len(Workspace.open(path, author="x", read_only=True).table(REC)) == 8


def test_upr_import_past_the_limit_exits_2_and_writes_nothing(
    shared_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    path = workspace(tmp_path)
    before = path.read_bytes()
    monkeypatch.setattr(store_workspace, "MAX_WORKSPACE_BYTES", 50_000)
    assert main(["import", str(shared_dir / REPORT), "-w", str(path)]) == 2
    err = capsys.readouterr().err
    assert "50,000 bytes limit for a workspace" in err and "nothing was changed" in err
    assert path.read_bytes() == before


def test_a_save_past_the_limit_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = workspace(tmp_path)
    before = path.read_bytes()
    monkeypatch.setattr(storage, "MAX_WORKSPACE_BYTES", len(before) + 100)
    ws = Workspace.open(path, author="ana")
    ws.edit(REC, "UPR:A/HRC/59/15:140.1", {"note": "x" * 500})
    with pytest.raises(WorkspaceError, match="limit for a workspace"):
        ws.save()
    assert path.read_bytes() == before
    assert list(tmp_path.glob(".ws.json.*")) == []
    ws.close(save=False)
