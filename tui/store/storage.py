"""Atomic, deterministic saving of the tables (DESIGN §5): temp file, fsync, rename, fsync dir."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from tui import atomic
from tui.store.codec import (
    MAX_WORKSPACE_BYTES,
    encode_line,
    gc_paused,
    parse_workspace,
    reusable_line,
    size_text,
)
from tui.store.errors import WorkspaceError


class StrTable(Table):
    """TinyDB table keyed by the record's own string id (DESIGN §1)."""

    document_id_class = str  # type: ignore[assignment]  # TinyDB types ids as int; ours are str


class WorkspaceDB(TinyDB):
    table_class = StrTable


@dataclass(frozen=True)
class FileStamp:
    """What we know of the file we loaded or wrote, to see if another program replaced it."""

    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> FileStamp | None:
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        return cls(st.st_ino, st.st_size, st.st_mtime_ns)

    @classmethod
    def of_stat(cls, st: os.stat_result) -> FileStamp:
        return cls(st.st_ino, st.st_size, st.st_mtime_ns)


@dataclass
class _Snapshot:
    # Per-table sets and dicts of strings, never (table, id) tuples: str and bytes are not
    # tracked by the garbage collector, 200k tuples are, and their scans stopped edits.
    version: int
    tables: list[str]
    stale: dict[str, set[str]]
    added: dict[str, list[str]]
    lines: dict[str, dict[str, bytes]] = field(default_factory=dict)


SAVE_STEPS = ("written", "fsynced", "replaced")  # where WorkspaceStorage.fault_hook is called
_BLOCK = 4096  # records joined per write() call
_BATCH = 256  # records encoded per hold of the lock (~2 ms)


class WorkspaceStorage(Storage):
    """Atomic, deterministic TinyDB storage: tables and keys sorted, one record per line.

    It keeps the parsed tables and each record's encoded line (bytes) in memory; a save
    re-encodes only records changed since (or never encoded: lines are made lazily, at the
    first save, so opening a file stays one parse), writes a temp file in the same folder,
    fsyncs it, ``os.replace``s it over the old file and fsyncs the folder (DESIGN §5).
    Used alone (``TinyDB(path, storage=WorkspaceStorage)``) every ``write`` rewrites all.
    """

    def __init__(self, path: str | os.PathLike[str], **_: Any) -> None:
        self.path = Path(path)
        self.lock = threading.RLock()
        self._data: dict[str, dict[str, Any]] | None = None
        self._lines: dict[str, dict[str, bytes]] = {}
        self._order: dict[str, list[str]] = {}  # sorted ids as of the last snapshot
        self._known: dict[str, set[str]] = {}
        self._added: dict[str, list[str]] = {}  # ids new since the last snapshot, unsorted
        self._stale: dict[str, set[str]] = {}  # ids whose encoded line no longer matches
        self._version = 0  # bumped by every change
        self._saved_version = 0
        self._snap: _Snapshot | None = None
        self.stamp: FileStamp | None = None  # the file as last loaded or written by us
        self.size = 0
        # Test hook: called with a step of SAVE_STEPS during a write, to simulate a crash there.
        self.fault_hook: Callable[[str], None] | None = None

    # -- TinyDB interface -------------------------------------------------------------
    def read(self) -> dict[str, dict[str, Any]] | None:
        if self._data is None:
            try:
                raw = self.path.read_bytes()
            except FileNotFoundError:
                return None
            self.stamp = FileStamp.of(self.path)
            self.attach(parse_workspace(raw, self.path.name))
        return self._data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        with self.lock:
            self.attach(data)  # TinyDB may have added, replaced or removed anything
            self._version += 1
        version, chunks = self.snapshot()
        self.write_chunks(chunks)
        self.mark_saved(version)

    def close(self) -> None:
        pass

    # -- bookkeeping (call with ``lock`` held) ----------------------------------------
    def attach(self, data: dict[str, dict[str, Any]]) -> None:
        """Use ``data`` (already parsed) as the in-memory tables; nothing is encoded yet."""
        self._data = data
        self._lines = {t: {} for t in data}
        self._order = {t: sorted(records) for t, records in data.items()}
        self._known = {t: set(records) for t, records in data.items()}
        self._added = {}
        self._stale = {}
        self._version = self._saved_version = 0

    def adopt_lines(self, lines: Mapping[str, Mapping[str, bytes]]) -> int:
        """Keep the file's own line of each record that it encodes exactly (DESIGN §1, §5).

        Call right after ``attach`` with the lines ``parse_workspace`` read, once the records
        are validated (validation may fill in a field a file lacks: that record's line is not
        kept). The first save then writes these lines again instead of encoding every record:
        it costs what a save after one edit costs. Returns how many lines were kept.
        """
        assert self._data is not None
        kept = 0
        with gc_paused():
            for table, by_id in lines.items():
                records = self._data.get(table)
                if records is None:
                    continue
                mine = self._lines.setdefault(table, {})
                for rid, line in by_id.items():
                    record = records.get(rid)
                    if record is not None and reusable_line(rid, record, line):
                        mine[rid] = line
                        kept += 1
        return kept

    def before_change(self, table: str, rid: str) -> None:
        """Copy-on-write: a save in progress still needs this record as it is now."""
        snap = self._snap
        if snap is None:
            return
        taken = snap.lines.get(table)
        if taken is not None and rid in taken:
            return
        if rid in snap.stale.get(table, ()) or rid not in self._lines.get(table, ()):
            assert self._data is not None
            snap.lines.setdefault(table, {})[rid] = encode_line(rid, self._data[table][rid])

    def mark_dirty(self, table: str, rid: str) -> None:
        """Record ``rid`` of ``table`` as changed (or new) since the last save."""
        known = self._known.get(table)
        if known is None:
            known = self._known[table] = set()
            self._order.setdefault(table, [])
            self._lines.setdefault(table, {})
        if rid not in known:
            known.add(rid)
            self._added.setdefault(table, []).append(rid)
        stale = self._stale.get(table)
        if stale is None:
            stale = self._stale[table] = set()
        stale.add(rid)
        self._version += 1

    def restore_dirty(self, keys: Iterable[tuple[str, str]]) -> None:
        """Mark ``(table, id)`` records as changed again (older name; bench/slowlink.py uses it)."""
        with self.lock:
            for table, rid in keys:
                self.mark_dirty(table, rid)

    def mark_all_dirty(self) -> None:
        assert self._data is not None
        self._lines = {t: {} for t in self._data}
        self._version += 1

    @property
    def has_changes(self) -> bool:
        return self._version != self._saved_version

    def mark_saved(self, version: int) -> None:
        self._saved_version = max(self._saved_version, version)

    # -- a save ---------------------------------------------------------------------------
    def snapshot(self) -> tuple[int, Iterator[bytes]]:
        """The whole file as it is now, as chunks; encodes only what changed. One at a time.

        Returns the change counter it reflects (for ``mark_saved``) and the chunks, made
        lazily while writing. Three steps, so tests can edit in between: ``begin_snapshot``
        (an instant, under the lock), ``encode_snapshot`` (batches; edits may run between
        batches), ``finish_snapshot``.
        """
        snap, orders = self.begin_snapshot()
        try:
            self.encode_snapshot(snap, orders)
        except BaseException:
            with self.lock:
                self._snap = None
                for table, ids in snap.stale.items():
                    self._stale.setdefault(table, set()).update(ids)
            raise
        self.finish_snapshot(snap)
        return snap.version, self._chunks(snap.tables, orders)

    def begin_snapshot(self) -> tuple[_Snapshot, dict[str, list[str]]]:
        assert self._data is not None
        with self.lock:
            snap = _Snapshot(self._version, sorted(self._data), self._stale, self._added)
            self._stale, self._added = {}, {}
            self._snap = snap
        orders: dict[str, list[str]] = {}
        for table in snap.tables:  # only saves touch _order, one at a time
            order = self._order.get(table, [])
            added = snap.added.get(table)
            if added:
                added.sort()
                first_new = len(order)
                order = order + added
                if first_new and order[first_new - 1] > order[first_new]:
                    order.sort()  # two sorted runs: timsort merges them in one pass
                self._order[table] = order
            orders[table] = order
        return snap, orders

    def encode_snapshot(self, snap: _Snapshot, orders: dict[str, list[str]]) -> None:
        assert self._data is not None
        data = self._data
        for table in snap.tables:
            lines = self._lines.get(table, {})
            stale = snap.stale.get(table, ())
            todo = [rid for rid in orders[table] if rid not in lines or rid in stale]
            if not todo:
                continue
            records = data[table]
            done = snap.lines.setdefault(table, {})
            for start in range(0, len(todo), _BATCH):
                with self.lock:
                    for rid in todo[start : start + _BATCH]:
                        if rid not in done:
                            done[rid] = encode_line(rid, records[rid])
                # Let an edit waiting for the lock in (Python locks are not fair: without
                # this the saving thread takes the lock straight back; edits waited ~100 ms).
                time.sleep(0)

    def finish_snapshot(self, snap: _Snapshot) -> None:
        with self.lock:
            for table, lines in snap.lines.items():
                self._lines.setdefault(table, {}).update(lines)
            self._snap = None

    def _chunks(self, tables: list[str], orders: dict[str, list[str]]) -> Iterator[bytes]:
        """The file, block by block (lazily, so it is never held twice in memory)."""
        if not tables:
            yield b"{}\n"
            return
        yield b"{\n"
        for i, table in enumerate(tables):
            end = b"\n}\n" if i == len(tables) - 1 else b",\n"
            head = json.dumps(table, ensure_ascii=False).encode("utf-8")
            ids = orders[table]
            if not ids:
                yield head + b":{}" + end
                continue
            yield head + b":{\n"
            lines = self._lines[table]
            for start in range(0, len(ids), _BLOCK):
                block = b",\n".join([lines[rid] for rid in ids[start : start + _BLOCK]])
                yield block + (b",\n" if start + _BLOCK < len(ids) else b"\n}" + end)

    def write_chunks(
        self, chunks: Iterable[bytes], *, target: Callable[[], Path] | None = None
    ) -> Path:
        """Write atomically: temp file, fsync, ``os.replace``, fsync the folder.

        ``target`` is asked, just before the replace, where the file goes (the workspace
        checks there that nobody replaced it meanwhile). Returns the path written.
        Refuses (WorkspaceError, nothing replaced) a file past the size every command opens
        (DESIGN §6): a workspace is never written that could not be opened again.
        """
        limit = MAX_WORKSPACE_BYTES

        def limited() -> Iterator[bytes]:
            size = 0
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise WorkspaceError(
                        f"{self.path.name}: not written: it would be larger than the "
                        f"{size_text(limit)} limit for a workspace, so it could not be "
                        "opened again"
                    )
                yield chunk

        def replaced(written: atomic.Written) -> None:
            if written.path == self.path:
                # rename keeps inode, size and mtime: this is what the next save compares with
                self.stamp = FileStamp.of_stat(written.stat)
                self.size = written.size

        hook = self.fault_hook or None
        return atomic.write_chunks(
            self.path, limited(), target=target, hook=hook, replaced=replaced
        ).path
