"""Copies of the open workspace that sync tools leave next to it, to be merged back in.

When two machines change a file in a synced folder before they hear from each other, the
tool keeps one version under the name and renames the other:

- Syncthing: ``upr-workbench.sync-conflict-20261125-101500-ABCDEF7.json``
- Dropbox: ``upr-workbench (Ana's conflicted copy 2026-11-25).json``
- Nextcloud / ownCloud desktop 3.x: ``upr-workbench (conflicted copy 2026-11-25 101500).json``;
  older ownCloud: ``upr-workbench_conflict-20261125-101500.json``
- and the app itself, when another program replaced the file while it was open:
  ``upr-workbench.mine-<author>-20261125T101500.json`` (the edits it could not save over it).

A name is a copy of ``FILE`` when taking one such marker out of it gives exactly ``FILE``'s
name (sync tools put the marker before the last extension or the first; both work). After a
copy is merged it is renamed with ``.merged`` at the end, so it is not offered again and its
data is still there if wanted.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

MERGED_SUFFIX = ".merged"

_PAREN = r"(?:[^()]|\(\d+\))*"  # Dropbox may number copies: "(… conflicted copy (1))"
MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Syncthing", re.compile(r"\.sync-conflict-\d{8}-\d{6}(?:-[A-Z0-9]{7})?")),
    ("Dropbox", re.compile(rf" \({_PAREN}['’]s conflicted copy{_PAREN}\)")),
    ("Nextcloud", re.compile(rf" \({_PAREN}conflicted copy{_PAREN}\)", re.IGNORECASE)),
    ("ownCloud", re.compile(r"_conflict-\d{8}-\d{6}")),
    ("UPR Workbench", re.compile(r"\.mine-[A-Za-z0-9._@-]{1,64}-\d{8}T\d{6}")),
)
TOOL_NOTES = {
    "Syncthing": "Syncthing copy",
    "Dropbox": "Dropbox copy",
    "Nextcloud": "Nextcloud copy",
    "ownCloud": "ownCloud copy",
    "UPR Workbench": "unsaved edits",
}


@dataclass(frozen=True)
class ConflictCopy:
    """A copy of the workspace next to it: where, which tool made it, when it last changed."""

    path: Path
    tool: str
    mtime: float
    size: int

    @property
    def note(self) -> str:
        when = datetime.fromtimestamp(self.mtime).strftime("%Y-%m-%d %H:%M")
        return f"{TOOL_NOTES.get(self.tool, self.tool)}, {when}"


def copy_tool(name: str, of_name: str) -> str | None:
    """Which tool's conflict copy ``name`` is of a file named ``of_name``, or None."""
    if name == of_name:
        return None
    for tool, marker in MARKERS:
        for match in marker.finditer(name):
            if name[: match.start()] + name[match.end() :] == of_name:
                return tool
    return None


def find_conflict_copies(path: Path) -> list[ConflictCopy]:
    """Conflict copies of ``path`` in its folder, oldest first. Never raises for a bad folder."""
    path = Path(path)
    found: list[ConflictCopy] = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return []
    for entry in entries:
        name = entry.name
        if name.startswith(".") and not path.name.startswith("."):
            continue  # temp files of a save in progress
        tool = copy_tool(name, path.name)
        if tool is None:
            continue
        try:
            if not entry.is_file():
                continue
            st = entry.stat()
        except OSError:
            continue
        found.append(ConflictCopy(Path(entry.path), tool, st.st_mtime, st.st_size))
    found.sort(key=lambda c: (c.mtime, c.path.name))
    return found


def mark_merged(copy: Path) -> Path:
    """Rename a merged copy so it is not offered again (kept, not deleted). Returns the new path."""
    target = copy.with_name(copy.name + MERGED_SUFFIX)
    n = 1
    while target.exists():
        n += 1
        target = copy.with_name(f"{copy.name}{MERGED_SUFFIX}{n}")
    os.replace(copy, target)
    return target
