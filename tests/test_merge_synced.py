"""Conflict copies left by sync tools next to the workspace (tui/synced.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.synced import copy_tool, find_conflict_copies, mark_merged

WS = "upr-workbench.json"


@pytest.mark.parametrize(
    ("name", "tool"),
    [
        ("upr-workbench.sync-conflict-20261125-101500-ABCDEF7.json", "Syncthing"),
        ("upr-workbench.sync-conflict-20261125-101500.json", "Syncthing"),
        ("upr-workbench (Ana Lima's conflicted copy 2026-11-25).json", "Dropbox"),
        ("upr-workbench (Ana’s conflicted copy 2026-11-25 (1)).json", "Dropbox"),
        ("upr-workbench (conflicted copy 2026-11-25 101500).json", "Nextcloud"),
        ("upr-workbench_conflict-20261125-101500.json", "ownCloud"),
        ("upr-workbench.mine-ana@geneva-20261125T101500.json", "UPR Workbench"),
    ],
)
def test_each_tool_naming_is_recognised(name: str, tool: str) -> None:
    assert copy_tool(name, WS) == tool


@pytest.mark.parametrize(
    "name",
    [
        WS,
        "upr-workbench.json.bak",
        "upr-workbench.json.lock",
        "other.sync-conflict-20261125-101500-ABCDEF7.json",
        "upr-workbench.sync-conflict-20261125-101500-ABCDEF7.json.merged",
        "upr-workbench (copy).json",
        "upr-workbench.json.gz",
    ],
)
def test_other_files_are_not_copies(name: str) -> None:
    assert copy_tool(name, WS) is None


def test_marker_before_either_extension_of_a_two_part_name() -> None:
    assert (
        copy_tool("team.upr.sync-conflict-20261125-101500-ABCDEF7.json", "team.upr.json")
        == "Syncthing"
    )
    assert (
        copy_tool("team (Ana's conflicted copy 2026-11-25).upr.json", "team.upr.json") == "Dropbox"
    )


def test_find_lists_the_copies_of_the_file_in_its_folder(tmp_path: Path) -> None:
    ws = tmp_path / WS
    ws.write_text("{}", "utf-8")
    names = [
        "upr-workbench.sync-conflict-20261125-101500-ABCDEF7.json",
        "upr-workbench (conflicted copy 2026-11-25 101500).json",
        "unrelated.json",
        ".upr-workbench.json.123.tmp",
    ]
    for name in names:
        (tmp_path / name).write_text("{}", "utf-8")
    (tmp_path / "upr-workbench_conflict-20261125-101500.json").mkdir()  # a folder: not a copy
    found = find_conflict_copies(ws)
    assert sorted(c.path.name for c in found) == sorted(names[:2])
    assert {c.tool for c in found} == {"Syncthing", "Nextcloud"}
    merged = mark_merged(found[0].path)
    assert merged.exists() and not found[0].path.exists()
    assert len(find_conflict_copies(ws)) == 1


def test_a_missing_folder_finds_nothing(tmp_path: Path) -> None:
    assert find_conflict_copies(tmp_path / "gone" / WS) == []
