"""Errors of the store: each message is one line the user can act on (names made safe)."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

from tui.sanitize import clean_line, clean_text


class WorkspaceError(Exception):
    """A workspace that cannot be opened or saved; the message is one line for the user.

    It names files and values from outside, so it is cleaned here, once, for every place that
    prints or draws it (issue 15.3)."""

    def __init__(self, message: object = "", *args: object) -> None:
        super().__init__(clean_text(str(message)), *args)


class TooLargeError(WorkspaceError, ValueError):
    """A change that would make the file larger than every command opens (DESIGN §6: 1 GB),
    refused before anything is changed or written (issue 15.7). Also a ValueError: the app's
    import box reports values the workspace refuses."""


class ReadOnlyError(WorkspaceError):
    """An edit on a workspace opened read-only."""


class SaveError(WorkspaceError):
    """The file could not be written where it is (a folder turned read-only, a full disk): the
    edits stay in memory; the app offers to save them elsewhere (issue 15.8)."""


class FileReplacedError(WorkspaceError):
    """Another program replaced the file since we loaded it; we must not overwrite it."""

    def __init__(self, path: Path, kept: Path | None) -> None:
        self.path = path
        self.kept = kept
        extra = (
            f"; your edits are saved in {kept.name}"
            if kept
            else "; your edits could not be saved elsewhere either (disk full?)"
        )
        super().__init__(
            f"{path.name} was changed by another program, so it was not overwritten{extra}"
        )


def shown(value: Any, limit: int = 60) -> str:
    """A value from a hostile file made safe for a one-line message."""
    text = clean_line(str(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def save_reason(exc: OSError) -> str:
    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EFBIG: "the file is too large for this disk or limit",
        errno.EACCES: "no permission to write in that folder",
        errno.EPERM: "no permission to write in that folder",
        errno.EROFS: "the folder is on a read-only disk",
        errno.EISDIR: "a folder is in the way",
        errno.ENOENT: "the folder no longer exists",
    }
    return reasons.get(exc.errno or 0) or exc.strerror or exc.__class__.__name__
