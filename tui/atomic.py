"""Atomic file writes: the one way the app replaces a file (DESIGN §5).

Write a temp file in the same folder (``.NAME.<pid>.<hex>.tmp``, the name the store's clean-up of
killed saves recognises), fsync it, ``os.replace`` it over the real name, fsync the folder. A
crash or a full disk at any point leaves either the old file or the new one, never half a file.
The workspace store, the exports, merge backups and the config file all write through here.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

T = TypeVar("T")
KEEP_MODE = -1  # ``mode=KEEP_MODE``: the new file gets the old one's permissions (else 0o644)


@dataclass(frozen=True)
class Written:
    """Where the file went, how many bytes, and its stat after fsync (a rename keeps it)."""

    path: Path
    size: int
    stat: os.stat_result


def temp_name(path: Path) -> Path:
    """The temp file beside ``path`` (unique per process and call)."""
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable (best effort: not every system allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _mode_for(path: Path, mode: int) -> int:
    if mode != KEEP_MODE:
        return mode
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return 0o644


def replace_with(
    path: str | os.PathLike[str],
    fill: Callable[[int], T],
    *,
    mode: int = KEEP_MODE,
    target: Callable[[], Path] | None = None,
    hook: Callable[[str], None] | None = None,
    replaced: Callable[[Written], None] | None = None,
) -> tuple[Written, T]:
    """Write through ``fill(fd)`` into a temp file, then replace ``path`` with it atomically.

    ``target`` is asked, just before the rename, where the file goes (the workspace checks
    there that nobody replaced its file meanwhile). ``hook`` is called after each step
    (``"written"``, ``"fsynced"``, ``"replaced"``), for the crash tests; ``replaced`` is told
    what was written right after the rename, before that hook.
    """
    path = Path(path)
    step = hook or (lambda _name: None)
    tmp = temp_name(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o644)
        try:
            with contextlib.suppress(OSError, AttributeError):  # no fchmod on Windows
                os.fchmod(fd, _mode_for(path, mode))
            result = fill(fd)
            step("written")
            os.fsync(fd)
            stat = os.fstat(fd)
        finally:
            os.close(fd)
        step("fsynced")
        dest = target() if target is not None else path
        os.replace(tmp, dest)
        written = Written(dest, stat.st_size, stat)
        if replaced is not None:
            replaced(written)
        step("replaced")
        fsync_dir(dest.parent if str(dest.parent) else Path("."))
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return written, result


def write_chunks(
    path: str | os.PathLike[str],
    chunks: Iterable[bytes],
    *,
    target: Callable[[], Path] | None = None,
    hook: Callable[[str], None] | None = None,
    replaced: Callable[[Written], None] | None = None,
) -> Written:
    """Replace ``path`` with the concatenated ``chunks`` (keeping its permissions)."""

    def fill(fd: int) -> None:
        for chunk in chunks:
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view) :]

    written, _ = replace_with(path, fill, target=target, hook=hook, replaced=replaced)
    return written


def atomic_write(path: str | Path, write: Callable[[IO[bytes]], Any], *, mode: int = 0o644) -> Any:
    """Call ``write(stream)`` on a temp file next to ``path``, then rename it over ``path``.

    A failed or interrupted export never leaves half a file under the real name.
    Returns what ``write`` returned.
    """
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(f"{target} is a folder")

    def fill(fd: int) -> Any:
        with os.fdopen(os.dup(fd), "wb") as fh:
            result = write(fh)
            fh.flush()
        return result

    _written, result = replace_with(target, fill, mode=mode)
    return result
