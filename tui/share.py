"""Share copies for email: the workspace gzip-compressed (``.json.gz``), and opening them.

A share copy is the whole workspace, history included (a merge needs the history to tell an
edit that was seen from one that was not), compressed with a fixed level, a zero modification
time and no file name in the gzip header: the same workspace always gives the same bytes.

Opening a ``.json.gz`` (decision): the app works on the plain file next to it. ``upr
copy.json.gz`` unpacks to ``copy.json`` if that does not exist, or merges the copy into it if
it does (the usual case: a colleague sent back your own workspace), then opens ``copy.json``.
So the workspace on disk stays plain JSON (diffable, fit for git and synced folders, saved
within 2 s without re-compressing megabytes on every autosave), and the attachment is never
written to. To send it back: ``upr export share``. ``upr merge``, the merge driver and
``upr check`` read a ``.json.gz`` directly (the store unpacks gzip by its magic bytes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# re-exported: the store unpacks share copies by their magic bytes, so the code lives there
from tui.merge import (
    combine_record,
    encode_tables,
    load_copy,
    merge_tables,
    write_bytes,
    write_tables,
)
from tui.store import Workspace, WorkspaceError
from tui.store.codec import (
    GZIP_LEVEL as GZIP_LEVEL,
)
from tui.store.codec import (
    gunzip_limited as gunzip_limited,
)
from tui.store.codec import (
    gzip_bytes as gzip_bytes,
)


def share_name(workspace: Path) -> str:
    """Default name of a share copy: the workspace's name plus ``.gz``."""
    return workspace.name if workspace.name.endswith(".gz") else workspace.name + ".gz"


def plain_path(share_copy: Path) -> Path:
    """The workspace a ``.json.gz`` opens as: the same name without ``.gz``, next to it."""
    name = share_copy.name
    if name.endswith(".gz"):
        name = name[:-3]
    if not name.endswith(".json"):
        name += ".json"
    return share_copy.with_name(name)


@dataclass(frozen=True)
class ShareCopy:
    path: Path
    json_bytes: int
    gz_bytes: int

    @property
    def ratio(self) -> float:
        return self.gz_bytes / self.json_bytes if self.json_bytes else 0.0


def country_subset(tables: Mapping[str, Mapping[str, Any]], iso3: str) -> dict[str, dict[str, Any]]:
    """Only one country's records (and their history and conflicts): a smaller copy to send.

    Merging it back is safe: a merge keeps every record of both copies, so what the subset
    leaves out is simply not touched.
    """
    out: dict[str, dict[str, Any]] = {"meta": dict(tables.get("meta", {}))}
    keep: set[str] = set()
    for table in ("recommendations", "checklist", "actions"):
        chosen = {
            rid: rec
            for rid, rec in tables.get(table, {}).items()
            if isinstance(rec, Mapping) and rec.get("country") == iso3
        }
        out[table] = chosen
        keep |= set(chosen)
    out["countries"] = {rid: rec for rid, rec in tables.get("countries", {}).items() if rid == iso3}
    keep |= set(out["countries"])
    out["history"] = {
        hid: row
        for hid, row in tables.get("history", {}).items()
        if isinstance(row, Mapping) and row.get("record") in keep
    }
    out["conflicts"] = {
        cid: row
        for cid, row in tables.get("conflicts", {}).items()
        if isinstance(row, Mapping) and row.get("record") in keep
    }
    return out


def write_share_copy(
    workspace: Path, output: Path | None = None, *, country: str | None = None
) -> ShareCopy:
    """Write a gzip copy of ``workspace`` (validated first) atomically; returns the sizes.

    The copy holds the workspace as the store writes it (re-encoded, so deterministic even for
    a file never saved by this version); ``country``: only that country's records. ``output``
    defaults to the workspace's name plus ``.gz`` in the current folder; a name not ending in
    ``.gz`` gets it appended. Raises WorkspaceError for a bad workspace, ValueError for a
    target that is the workspace itself, OSError for an unwritable target.
    """
    target = output or Path.cwd() / share_name(workspace)
    if not target.name.endswith(".gz"):
        target = target.with_name(target.name + ".gz")
    if target.exists() and target.resolve() == Path(workspace).resolve():
        raise ValueError(f"{target.name} is the workspace itself; give another -o")
    tables = load_copy(workspace)
    payload = encode_tables(country_subset(tables, country) if country else tables)
    packed = gzip_bytes(payload)
    write_bytes(target, packed)
    return ShareCopy(target, len(payload), len(packed))


@dataclass(frozen=True)
class Opened:
    """What opening a share copy did: the workspace to open and a sentence for the user."""

    path: Path
    message: str


def open_share_copy(share_copy: Path, *, author: str) -> Opened:
    """Unpack ``x.json.gz`` to ``x.json``, or merge it into an existing ``x.json`` (kept as .bak).

    Raises WorkspaceError (bad copy, or ``x.json`` open elsewhere) with one line.
    """
    incoming = load_copy(share_copy)
    target = plain_path(share_copy)
    if not target.exists():
        try:
            write_tables(target, incoming, gz=False)
        except OSError as exc:  # a full disk or a read-only folder: one line, not a traceback
            raise WorkspaceError(f"cannot write {target}: {exc.strerror or exc}") from None
        return Opened(
            target,
            f"Opened {share_copy.name} as {target.name} (edits are saved there; "
            "send it back with: upr export share)",
        )
    ws = Workspace.open(target, author=author, create=False)
    try:
        result = merge_tables(ws.snapshot_tables(), incoming)
        if not result.changed_a:
            return Opened(target, f"{target.name} already holds everything in {share_copy.name}")
        backup = target.with_name(target.name + ".bak")
        try:
            write_bytes(backup, target.read_bytes())  # atomic: a crash never leaves half a .bak
        except OSError as exc:
            raise WorkspaceError(f"cannot write {backup}: {exc.strerror or exc}") from None
        ws.absorb(result.changed_a, combine_record)
        ws.save()
    finally:
        ws.close(save=False)
    conflicts = len(result.report.conflicts)
    extra = f"; {conflicts} conflict(s) to review (C)" if conflicts else ""
    return Opened(
        target,
        f"Merged {share_copy.name} into {target.name} (previous kept as {backup.name}){extra}",
    )
