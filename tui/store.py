"""The workspace: one TinyDB JSON file, held in memory, edited through one function.

Why not plain TinyDB tables? Every TinyDB table update re-reads and rewrites the whole file
(0.65–0.9 s at 100k records, NOTES.md) and ``JSONStorage`` writes in place, so a crash leaves
half a file. Here the parsed tables are the source of truth while the app runs; the
:class:`WorkspaceStorage` (a TinyDB ``Storage``) writes them atomically, one record per line,
re-encoding only the records that changed since the last save.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
import uuid
from bisect import insort
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from tui.clock import DAY_MS, HybridClock
from tui.ids import history_id
from tui.model import (
    EDITED_TABLES,
    SCHEMA_VERSION,
    SCHEMAS,
    TABLES,
    validate_record,
)

try:  # orjson parses a large workspace ~3x faster; the stdlib is the fallback.
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson = None

MAX_WORKSPACE_BYTES = 1_000_000_000
WARN_WORKSPACE_BYTES = 200_000_000
META_ID = "meta"


class WorkspaceError(Exception):
    """A workspace that cannot be opened or saved; the message is one line for the user."""


class LockedError(WorkspaceError):
    def __init__(self, path: Path, holder: Mapping[str, Any]) -> None:
        self.holder = dict(holder)
        who = holder.get("author", "someone")
        where = holder.get("host", "?")
        pid = holder.get("pid", "?")
        super().__init__(
            f"{path.name} is open by {who} on {where} (pid {pid}); open it read-only or close it there"
        )


class ReadOnlyError(WorkspaceError):
    pass


class FileReplacedError(WorkspaceError):
    """Another program replaced the file since we loaded it; we must not overwrite it."""

    def __init__(self, path: Path, kept: Path | None) -> None:
        self.kept = kept
        extra = f"; your edits were saved to {kept.name}" if kept else ""
        super().__init__(f"{path.name} was changed by another program{extra}")


class StrTable(Table):
    """TinyDB table keyed by the record's own string id (DESIGN §1)."""

    document_id_class = str


class WorkspaceDB(TinyDB):
    table_class = StrTable


def encode_record(record: Mapping[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _loads(raw: bytes) -> Any:
    if _orjson is not None:
        return _orjson.loads(raw)
    return json.loads(raw)


class WorkspaceStorage(Storage):
    """Atomic, deterministic TinyDB storage: tables and keys sorted, one record per line.

    It keeps the parsed data and each record's encoded line in memory; ``write`` re-encodes
    only records marked dirty (or never encoded), then writes a temp file in the same folder,
    fsyncs it, ``os.replace``s it over the old file and fsyncs the folder (DESIGN §5).
    """

    def __init__(self, path: str | os.PathLike[str], **_: Any) -> None:
        self.path = Path(path)
        self._data: dict[str, dict[str, Any]] | None = None
        self._lines: dict[str, dict[str, str]] = {}
        self._order: dict[str, list[str]] = {}
        self._known: dict[str, set[str]] = {}
        self._dirty: set[tuple[str, str]] = set()
        self.size = 0
        # Test hook: called with a step name during a save, to simulate a crash there.
        self.fault_hook: Callable[[str], None] | None = None

    # -- TinyDB interface -------------------------------------------------------------
    def read(self) -> dict[str, dict[str, Any]] | None:
        if self._data is None:
            if not self.path.exists():
                return None
            self._data = self.parse(decode_file_bytes(self.path.read_bytes(), self.path.name),
                                    self.path.name)
            self._index_all()
        return self._data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        if data is not self._data:
            self._data = data
            self._index_all()
        self._dirty = {(t, rid) for t, records in data.items() for rid in records}
        self.write_chunks(self.snapshot())

    def close(self) -> None:
        pass

    # -- parsing ----------------------------------------------------------------------
    @staticmethod
    def parse(raw: bytes, name: str) -> dict[str, dict[str, Any]]:
        if len(raw) > MAX_WORKSPACE_BYTES:
            raise WorkspaceError(f"{name}: larger than the 1 GB limit for a workspace")
        if not raw.strip():
            return {}
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise WorkspaceError(f"{name}: not UTF-8 text (byte {exc.start})") from None
        try:
            data = _loads(raw)
        except RecursionError:
            raise WorkspaceError(f"{name}: JSON nested too deeply") from None
        except ValueError as exc:
            where = _json_error_position(raw, exc)
            raise WorkspaceError(f"{name}: not valid JSON{where}") from None
        if not isinstance(data, dict):
            raise WorkspaceError(f"{name}: not a workspace (top level is not an object of tables)")
        for table, records in data.items():
            if not isinstance(records, dict):
                raise WorkspaceError(f"{name}: table {str(table)[:40]!r} is not an object of records")
        return data

    def _index_all(self) -> None:
        # Lines are encoded lazily at the first save; loading stays a single parse.
        assert self._data is not None
        self._lines = {t: {} for t in self._data}
        self._order = {t: sorted(records) for t, records in self._data.items()}
        self._known = {t: set(records) for t, records in self._data.items()}
        self._dirty = set()

    # -- changes ----------------------------------------------------------------------
    def attach(self, data: dict[str, dict[str, Any]]) -> None:
        """Use ``data`` (already parsed) as the in-memory tables."""
        self._data = data
        self._index_all()

    def mark_dirty(self, table: str, rid: str) -> None:
        assert self._data is not None
        if table not in self._order:
            self._order[table] = []
            self._lines[table] = {}
            self._known[table] = set()
        known = self._known[table]
        if rid not in known:
            known.add(rid)
            order = self._order[table]
            if not order or order[-1] < rid:
                order.append(rid)
            else:
                insort(order, rid)
        self._dirty.add((table, rid))

    @property
    def has_changes(self) -> bool:
        return bool(self._dirty)

    def snapshot(self) -> list[str]:
        """Encode what changed and return the whole file as chunks (call with edits paused)."""
        assert self._data is not None
        data = self._data
        for table, rid in self._dirty:
            self._lines.setdefault(table, {})[rid] = _encode_line(rid, data[table][rid])
        self._dirty.clear()
        chunks: list[str] = ["{\n"]
        tables = sorted(self._data)
        for i, table in enumerate(tables):
            lines = self._lines.get(table, {})
            order = self._order.get(table, [])
            head = json.dumps(table, ensure_ascii=False)
            last = i == len(tables) - 1
            if not order:
                chunks.append(f"{head}:{{}}" + ("\n}" if last else ",\n"))
                continue
            chunks.append(f"{head}:{{\n")
            records = data[table]
            for rid in order:
                if rid not in lines:
                    lines[rid] = _encode_line(rid, records[rid])
            chunks.append(",\n".join([lines[rid] for rid in order]))
            chunks.append("\n}" + ("\n}" if last else ",\n"))
        chunks.append("\n")
        return chunks

    def restore_dirty(self, keys: set[tuple[str, str]]) -> None:
        self._dirty |= keys

    def write_chunks(self, chunks: list[str]) -> None:
        payload = encode_file_bytes("".join(chunks).encode("utf-8"), self.path)
        directory = self.path.parent
        tmp = directory / f".{self.path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
        hook = self.fault_hook or (lambda step: None)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                view = memoryview(payload)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
                hook("written")
                os.fsync(fd)
            finally:
                os.close(fd)
            hook("fsynced")
            if self.path.exists():
                with contextlib.suppress(OSError):
                    os.chmod(tmp, self.path.stat().st_mode & 0o777)
            os.replace(tmp, self.path)
            hook("replaced")
            _fsync_dir(directory)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        self.size = len(payload)


def _encode_line(rid: str, record: Mapping[str, Any]) -> str:
    return json.dumps(rid, ensure_ascii=False) + ":" + encode_record(record)


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _json_error_position(raw: bytes, exc: ValueError) -> str:
    pos = getattr(exc, "pos", None)
    if pos is None:
        msg = str(exc)
        import re

        m = re.search(r"char (\d+)", msg)
        pos = int(m.group(1)) if m else None
    if pos is None:
        return ""
    line = raw[:pos].count(b"\n") + 1
    return f" (line {line})"


# -- locking --------------------------------------------------------------------------------


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_lock(path: Path) -> dict[str, Any] | None:
    try:
        holder = json.loads(lock_path(path).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return holder if isinstance(holder, dict) else {}


def acquire_lock(path: Path, author: str) -> Path:
    """Create ``FILE.lock``; take over a stale lock (dead pid on this host)."""
    lp = lock_path(path)
    me = {"pid": os.getpid(), "host": socket.gethostname(), "author": author,
          "since": time.strftime("%Y-%m-%dT%H:%M:%S")}
    for _ in range(3):
        try:
            fd = os.open(lp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            holder = read_lock(path) or {}
            pid = holder.get("pid")
            same_host = holder.get("host") == me["host"]
            if holder and same_host and isinstance(pid, int) and pid != os.getpid() and _pid_alive(pid):
                raise LockedError(path, holder) from None
            if holder and not same_host:
                raise LockedError(path, holder) from None
            with contextlib.suppress(FileNotFoundError):
                lp.unlink()  # stale (dead pid, ours, or unreadable): take it over
            continue
        except PermissionError:
            raise WorkspaceError(f"cannot write in {path.parent} (read-only folder?)") from None
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(me, fh)
        return lp
    raise WorkspaceError(f"could not take the lock {lp.name}")


# -- the workspace --------------------------------------------------------------------------


@dataclass
class Change:
    table: str
    record: str
    field: str
    old: Any
    new: Any


@dataclass
class UndoStep:
    label: str
    changes: list[Change] = field(default_factory=list)


@dataclass(frozen=True)
class FileStamp:
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


Listener = Callable[[str, str, tuple[str, ...]], None]


class Workspace:
    """An open workspace file: tables in memory, the one edit function, undo/redo, saving."""

    def __init__(self, path: Path, author: str, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.author = author
        self.read_only = read_only
        self.clock = HybridClock(author)
        self.db = WorkspaceDB(self.path, storage=WorkspaceStorage)
        self.storage: WorkspaceStorage = self.db.storage  # type: ignore[assignment]
        self._data: dict[str, dict[str, Any]] = {}
        self._lock = threading.RLock()
        self._save_lock = threading.Lock()
        self._undo: list[UndoStep] = []
        self._redo: list[UndoStep] = []
        self._group: UndoStep | None = None
        self._group_depth = 0
        self._listeners: list[Listener] = []
        self._lockfile: Path | None = None
        self._stamp: FileStamp | None = None
        self.warnings: list[str] = []
        self.replaced: FileReplacedError | None = None
        self._pending_first_write = False

    # -- opening ------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        author: str,
        read_only: bool = False,
        create: bool = True,
        lock: bool = True,
        now_ms: int | None = None,
    ) -> Workspace:
        """Open (or create) and validate a workspace. Raises WorkspaceError, file untouched."""
        ws = cls(Path(path), author, read_only=read_only)
        ws._load(create=create, now_ms=now_ms)
        if lock and not read_only:
            ws._lockfile = acquire_lock(ws.path, author)
        return ws

    def _load(self, *, create: bool, now_ms: int | None) -> None:
        path = self.path
        if path.is_dir():
            raise WorkspaceError(f"{path}: is a folder, not a workspace file")
        exists = path.exists()
        if not exists and not create:
            raise WorkspaceError(f"{path}: no such file")
        if exists:
            try:
                size = path.stat().st_size
                if size > MAX_WORKSPACE_BYTES:
                    raise WorkspaceError(f"{path.name}: larger than the 1 GB limit for a workspace")
                if size > WARN_WORKSPACE_BYTES:
                    self.warnings.append(f"{path.name} is {size // 1_000_000} MB; consider archiving old cycles")
                raw = decode_file_bytes(path.read_bytes(), path.name)
            except PermissionError:
                raise WorkspaceError(f"{path}: permission denied") from None
            except OSError as exc:
                raise WorkspaceError(f"{path}: cannot read ({exc.strerror})") from None
            self._stamp = FileStamp.of(path)
            data = WorkspaceStorage.parse(raw, path.name)
        else:
            data = {}
        limit = (now_ms if now_ms is not None else time.time_ns() // 1_000_000) + DAY_MS
        self._validate(data, limit)
        for table in TABLES:
            data.setdefault(table, {})
        meta = data["meta"].get(META_ID)
        if meta is None:
            data["meta"][META_ID] = {
                "id": META_ID,
                "schema_version": SCHEMA_VERSION,
                "workspace_id": uuid.uuid4().hex,
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
        self._data = data
        self.storage.attach(data)
        for table in EDITED_TABLES:
            for record in data[table].values():
                for clock in record.get("_clock", {}).values():
                    self.clock.observe(clock)
        # A new file still needs writing; an existing file is never rewritten on open.
        self._pending_first_write = not exists

    def _validate(self, data: dict[str, dict[str, Any]], max_clock_ms: int) -> None:
        name = self.path.name
        meta = data.get("meta", {}).get(META_ID)
        if meta is not None:
            fault = validate_record("meta", META_ID, meta, max_clock_ms=max_clock_ms)
            if fault:
                raise WorkspaceError(f"{name}: meta/{META_ID}: {fault}")
            version = meta.get("schema_version")
            if isinstance(version, int) and version > SCHEMA_VERSION:
                raise WorkspaceError(
                    f"{name}: made by a newer UPR Workbench (schema {version}; this one reads "
                    f"{SCHEMA_VERSION}); upgrade to open it"
                )
        for table, records in data.items():
            if table not in SCHEMAS:
                continue
            for rid, record in records.items():
                fault = validate_record(table, rid, record, max_clock_ms=max_clock_ms)
                if fault:
                    shown = rid if len(rid) <= 80 else rid[:77] + "..."
                    raise WorkspaceError(f"{name}: {table}/{shown}: {fault}")

    # -- reading ------------------------------------------------------------------------
    def table(self, name: str) -> Mapping[str, dict[str, Any]]:
        return MappingProxyType(self._data.setdefault(name, {}))

    def get(self, table: str, rid: str) -> dict[str, Any] | None:
        return self._data.get(table, {}).get(rid)

    @property
    def meta(self) -> Mapping[str, Any]:
        return self._data["meta"][META_ID]

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    # -- the one edit function ------------------------------------------------------------
    def edit(self, table: str, rid: str, values: Mapping[str, Any]) -> bool:
        """Set fields of a record (creating it if new), stamp their clocks, append history.

        Equal values are skipped, so re-applying an import changes nothing. Returns True if
        anything changed. Raises ValueError for a field or value the schema refuses.
        """
        changed = self._apply(table, rid, values, record_undo=True)
        return changed

    def _apply(self, table: str, rid: str, values: Mapping[str, Any], *, record_undo: bool,
               clock: str | None = None) -> bool:
        if self.read_only:
            raise ReadOnlyError(f"{self.path.name} is open read-only")
        schema = SCHEMAS.get(table)
        if schema is None or table not in EDITED_TABLES:
            raise ValueError(f"table {table!r} is not edited through records")
        for fname, value in values.items():
            if fname not in schema.editable:
                raise ValueError(f"{table}.{fname} is not an editable field")
            check = schema.fields[fname][0]
            fault = check(value)
            if fault:
                raise ValueError(f"{table}.{fname}: {fault}")
        with self._lock:
            records = self._data[table]
            record = records.get(rid)
            created = record is None
            if created:
                record = schema.defaults()
                record["id"] = rid
                record["_clock"] = {}
            changes: list[Change] = []
            for fname, value in values.items():
                old = record.get(fname)
                if not created and old == value:
                    continue
                changes.append(Change(table, rid, fname, old, _copy(value)))
            if not changes and not created:
                return False
            stamp = clock or self.clock.tick()
            clocks = record.setdefault("_clock", {})
            history = self._data["history"]
            if created:
                # One clock for all fields at creation keeps files small: "*" stands for every
                # field without a clock of its own (see field_clock).
                clocks["*"] = stamp
                for change in changes:
                    record[change.field] = change.new
                records[rid] = record
                hid = history_id(rid, "*", stamp)
                history[hid] = {
                    "id": hid, "table": table, "record": rid, "field": "*", "old": None,
                    "new": None, "author": self.author, "clock": stamp,
                }
                self.storage.mark_dirty("history", hid)
                changes = [Change(table, rid, "*", None, True)] + changes
            else:
                for change in changes:
                    record[change.field] = change.new
                    clocks[change.field] = stamp
                    hid = history_id(rid, change.field, stamp)
                    history[hid] = {
                        "id": hid, "table": table, "record": rid, "field": change.field,
                        "old": change.old, "new": change.new, "author": self.author,
                        "clock": stamp,
                    }
                    self.storage.mark_dirty("history", hid)
            self.storage.mark_dirty(table, rid)
            if record_undo:
                if self._group is not None:
                    self._group.changes.extend(changes)
                else:
                    self._undo.append(UndoStep(f"edit {changes[-1].field}", list(changes)))
                    self._redo.clear()
        fields = tuple(c.field for c in changes)
        for listener in list(self._listeners):
            listener(table, rid, fields)
        return True

    def apply_clocked(self, table: str, rid: str, values: Mapping[str, Any], clock: str) -> bool:
        """Apply values under a given clock (merge takes the other copy's winning value)."""
        self.clock.observe(clock)
        return self._apply(table, rid, values, record_undo=False, clock=clock)

    @contextlib.contextmanager
    def undo_group(self, label: str) -> Iterator[UndoStep]:
        """Make every edit inside one undo step (a bulk decision, an import)."""
        with self._lock:
            outer = self._group is None
            if outer:
                self._group = UndoStep(label)
            self._group_depth += 1
            step = self._group
        assert step is not None
        try:
            yield step
        finally:
            with self._lock:
                self._group_depth -= 1
                if outer:
                    self._group = None
                    if step.changes:
                        self._undo.append(step)
                        self._redo.clear()

    # -- undo / redo (both are edits with new clocks) ---------------------------------------
    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> UndoStep | None:
        with self._lock:
            if not self._undo:
                return None
            step = self._undo.pop()
            self._revert(step, forward=False)
            self._redo.append(step)
            return step

    def redo(self) -> UndoStep | None:
        with self._lock:
            if not self._redo:
                return None
            step = self._redo.pop()
            self._revert(step, forward=True)
            self._undo.append(step)
            return step

    def _revert(self, step: UndoStep, *, forward: bool) -> None:
        changes = step.changes if forward else list(reversed(step.changes))
        by_record: dict[tuple[str, str], dict[str, Any]] = {}
        for change in changes:
            key = (change.table, change.record)
            if change.field == "*":
                # Creation: undo hides the record (nothing is hard-deleted), redo shows it.
                by_record.setdefault(key, {})["deleted"] = not forward
                continue
            by_record.setdefault(key, {})[change.field] = _copy(change.new if forward else change.old)
        for (table, rid), values in by_record.items():
            self._apply(table, rid, values, record_undo=False)

    # -- saving -------------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return self.storage.has_changes or self._pending_first_write

    def save(self) -> bool:
        """Write changes atomically. Safe to call from a worker thread. Returns True if written.

        Raises WorkspaceError with a clear message (disk full, read-only folder, file replaced);
        the edits stay in memory and the next save retries them.
        """
        if self.read_only:
            return False
        with self._save_lock:
            with self._lock:
                if not self.dirty:
                    return False
                if self.replaced is not None:
                    raise self.replaced
                keys = set(self.storage._dirty)
                chunks = self.storage.snapshot()
            current = FileStamp.of(self.path)
            if self._stamp is not None and current != self._stamp:
                kept = self._keep_mine(chunks)
                self.replaced = FileReplacedError(self.path, kept)
                with self._lock:
                    self.storage.restore_dirty(keys)
                raise self.replaced
            try:
                self.storage.write_chunks(chunks)
            except OSError as exc:
                with self._lock:
                    self.storage.restore_dirty(keys)
                reason = exc.strerror or exc.__class__.__name__
                raise WorkspaceError(
                    f"could not save {self.path.name}: {reason}; your edits are kept and will be retried"
                ) from None
            self._pending_first_write = False
            self._stamp = FileStamp.of(self.path)
            return True

    def _keep_mine(self, chunks: list[str]) -> Path | None:
        stamp = time.strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"{self.path.stem}.mine-{self.author}-{stamp}{self.path.suffix}")
        try:
            target.write_bytes(encode_file_bytes("".join(chunks).encode("utf-8"), target))
        except OSError:
            return None
        return target

    def close(self, *, save: bool = True) -> None:
        try:
            if save and not self.read_only:
                self.save()
        finally:
            if self._lockfile is not None:
                with contextlib.suppress(OSError):
                    holder = read_lock(self.path)
                    if holder and holder.get("pid") == os.getpid():
                        self._lockfile.unlink()
                self._lockfile = None

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(save=exc[0] is None)

    # -- hooks for merging copies (used by tui/merge.py, tui/share.py, screens/merge.py) -----
    def snapshot_tables(self) -> dict[str, Mapping[str, Any]]:
        """Every table, known or not, as a read-only mapping (what a merge reads)."""
        return {name: MappingProxyType(records) for name, records in self._data.items()}

    def disk_stamp(self) -> FileStamp | None:
        return FileStamp.of(self.path)

    def changed_on_disk(self) -> bool:
        """True if another program replaced or rewrote the file since we loaded or saved it."""
        return self._stamp is not None and FileStamp.of(self.path) != self._stamp

    def put(self, table: str, rid: str, record: dict[str, Any]) -> None:
        """Store a whole record of a table not edited field by field (``conflicts``)."""
        if self.read_only:
            raise ReadOnlyError(f"{self.path.name} is open read-only")
        if table in EDITED_TABLES or table == "history":
            raise ValueError(f"records of {table} change only through edit()")
        with self._lock:
            self._data.setdefault(table, {})[rid] = record
            self.storage.mark_dirty(table, rid)
        for listener in list(self._listeners):
            listener(table, rid, tuple(record))

    def absorb(
        self,
        records: Mapping[str, Mapping[str, Any]],
        combine: Callable[[str, str, Any, Any], Any],
        *,
        disk_stamp: FileStamp | None = None,
    ) -> int:
        """Take merged records in (table -> id -> record); returns how many changed.

        ``combine(table, rid, live, incoming)`` merges each with the live record, so an edit
        made while the merge was computed is kept. ``disk_stamp``: the file on disk was merged
        in, so the next save may replace it (clears a "replaced by another program" state).
        Not an undo step: undo goes back through edits, and a merge is not one.
        """
        if self.read_only:
            raise ReadOnlyError(f"{self.path.name} is open read-only")
        touched: list[tuple[str, str, tuple[str, ...]]] = []
        with self._lock:
            for table, incoming in records.items():
                live_table = self._data.setdefault(table, {})
                for rid, record in incoming.items():
                    live = live_table.get(rid)
                    new = combine(table, rid, live, record)
                    if new is live or new == live:
                        continue
                    live_table[rid] = new
                    self.storage.mark_dirty(table, rid)
                    if table in EDITED_TABLES:
                        for clock in (new.get("_clock") or {}).values():
                            self.clock.observe(clock)
                    old = live if isinstance(live, dict) else {}
                    fields = tuple(k for k in new if old.get(k) != new.get(k)) if isinstance(new, dict) else ()
                    touched.append((table, rid, fields))
            if disk_stamp is not None:
                self._stamp = disk_stamp
                self.replaced = None
        for table, rid, fields in touched:
            for listener in list(self._listeners):
                listener(table, rid, fields)
        return len(touched)


# -- share copies: a workspace may be gzip-compressed (tui/share.py) -------------------------------


def decode_file_bytes(raw: bytes, name: str) -> bytes:
    """The JSON bytes of a workspace file, unpacking a gzip share copy (by its magic bytes)."""
    if raw[:2] != b"\x1f\x8b":
        return raw
    from tui.share import gunzip_limited

    try:
        return gunzip_limited(raw, MAX_WORKSPACE_BYTES)
    except ValueError as exc:
        raise WorkspaceError(f"{name}: {exc}") from None


def encode_file_bytes(payload: bytes, path: Path) -> bytes:
    """What to write for ``path``: gzip-compressed (deterministic) when it ends in ``.gz``."""
    if not path.name.endswith(".gz"):
        return payload
    from tui.share import gzip_bytes

    return gzip_bytes(payload)


def field_clock(record: Mapping[str, Any], fname: str) -> str:
    """The clock of one field: its own, else the record's creation clock ("*")."""
    clocks = record.get("_clock") or {}
    return clocks.get(fname) or clocks.get("*") or ""


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def check_file(path: str | os.PathLike[str]) -> str:
    """Validate a workspace without locking or writing it; returns a summary line."""
    ws = Workspace.open(path, author="check", read_only=True, create=False, lock=False)
    counts = ", ".join(f"{len(ws.table(t))} {t}" for t in ("recommendations", "checklist", "actions", "countries"))
    return f"{ws.path.name}: ok (schema {ws.meta.get('schema_version')}; {counts})"
