"""The workspace: one TinyDB JSON file, held in memory, edited through one function.

Why not plain TinyDB tables? Every TinyDB table update re-reads and rewrites the whole file
(0.65–0.9 s at 100k records, NOTES.md) and ``JSONStorage`` writes in place, so a crash leaves
half a file. Here the parsed tables are the source of truth while the app runs; the
:class:`WorkspaceStorage` (a TinyDB ``Storage``) writes them atomically, one record per line,
re-encoding only the records that changed since the last save.

Threads: edits and reads happen on one thread (the UI); ``save()`` may run in a worker. Both
share one lock. A save takes a consistent snapshot without copying the records: it encodes
them in small batches under the lock, and an edit that touches a record the save has not
encoded yet encodes that record first (copy-on-write). So an edit waits at most for one small
batch (a few ms), never for the disk, and the file written is exactly the state at one instant.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tui.clock import DAY_MS, HybridClock, format_clock
from tui.ids import history_id
from tui.migrate import MIGRATIONS as KNOWN_MIGRATIONS
from tui.migrate import Migration
from tui.model import (
    EDITED_TABLES,
    SCHEMA_VERSION,
    SCHEMAS,
    TABLES,
    parse_clock,
)
from tui.sanitize import MAX_STRING, clean_line
from tui.store.checks import (
    MAX_DEPTH,
    MAX_ID_LENGTH,
    depth_of,
    future_warning,
    has_big_number,
    has_long_text,
    hidden_data,
    validate_tables,
)
from tui.store.codec import (
    FREEZE_ROWS,
    MAX_WORKSPACE_BYTES,
    WARN_WORKSPACE_BYTES,
    decode_file_bytes,
    gc_paused,
    line_length,
    parse_workspace,
    size_text,
)
from tui.store.errors import (
    FileReplacedError,
    ReadOnlyError,
    SaveError,
    TooLargeError,
    WorkspaceError,
    save_reason,
    shown,
)
from tui.store.lock import acquire_lock, lock_is_mine, remove_stale_temps
from tui.store.storage import FileStamp, WorkspaceDB, WorkspaceStorage

META_ID = "meta"

# schema version N -> function turning the tables of an N file into N+1, in place (tui/migrate.py;
# its after_upgrade makes the upgrade's edits once the file is loaded).
MIGRATIONS: dict[int, Migration] = dict(KNOWN_MIGRATIONS)


@dataclass
class Change:
    """One change of an undo step. ``field``: a field; ``"*"`` the record's creation; ``""`` a
    whole row stored with ``put`` (a conflict's resolution)."""

    table: str
    record: str
    field: str
    old: Any
    new: Any


@dataclass
class UndoStep:
    """What one user action changed, undone or redone as one.

    ``epoch``: how many merges this session had taken in when the step was last applied;
    a change whose field (or row) a later merge changed is not reverted (DESIGN §8: undo
    never crosses a merge). ``skipped``: after ``undo``/``redo``, the changes left alone
    for that reason, so the caller can say so.
    """

    label: str
    changes: list[Change] = field(default_factory=list)
    skipped: list[Change] = field(default_factory=list)
    epoch: int = 0


Listener = Callable[[str, str, tuple[str, ...]], None]


class Workspace:
    """An open workspace file: tables in memory, the one edit function, undo/redo, saving.

    Edit and read on one thread; ``save()`` may run on another. Never mutate a record
    returned by ``get``/``table``: every change goes through ``edit``.
    """

    def __init__(self, path: Path, author: str, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.author = author
        self.read_only = read_only
        self.clock = HybridClock(author)
        self.db = WorkspaceDB(self.path, storage=WorkspaceStorage)
        self.storage: WorkspaceStorage = self.db.storage  # type: ignore[assignment]
        self._data: dict[str, dict[str, Any]] = {}
        self._lock = self.storage.lock  # one lock for edits and the save's snapshot
        self._save_lock = threading.Lock()
        self._undo: list[UndoStep] = []
        self._redo: list[UndoStep] = []
        self._local = threading.local()  # the open undo group of this thread
        # Undo never crosses a merge: each merge taken in (absorb) is an epoch; the fields and
        # rows it changed are kept here with it (only while there is something to undo).
        self._epoch = 0
        self._merged_fields: dict[tuple[str, str, str], int] = {}
        self._merged_rows: dict[tuple[str, str], int] = {}
        self._listeners: list[Listener] = []
        self._lockfile: Path | None = None
        self._closed = False
        self.warnings: list[str] = []
        self.replaced: FileReplacedError | None = None
        self.migrated_from: int | None = None
        self._pending_first_write = False
        self._raw_for_backup: bytes | None = None
        self._migrating = False  # an upgrade's edits are made even in a read-only open

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
        """Open (or create) and validate a workspace. Raises WorkspaceError, file untouched.

        A new file is written at the first ``save()``; an existing one only when it changes.
        """
        path = Path(path)
        if path.is_symlink():  # write through the link: os.replace would replace the link itself
            path = Path(os.path.realpath(path))
        try:
            ws = cls(path, author, read_only=read_only)
        except ValueError as exc:  # a malformed author id
            raise WorkspaceError(str(exc)) from None
        if ws.path.is_dir():
            raise WorkspaceError(f"{ws.path}: is a folder, not a workspace file")
        if not ws.path.exists() and (read_only or not create):
            raise WorkspaceError(f"{ws.path}: no such file")
        if lock and not read_only:
            ws._lockfile = acquire_lock(ws.path, author)
        try:
            ws._load(now_ms=now_ms)
            if ws._lockfile is not None:
                remove_stale_temps(ws.path)
            if ws.migrated_from is not None and not read_only:
                ws._finish_migration()
        except BaseException:
            ws.close(save=False)
            raise
        return ws

    def _load(self, *, now_ms: int | None) -> None:
        path = self.path
        raw = b""
        exists = path.exists()
        if exists:
            try:
                size = path.stat().st_size
                if size > MAX_WORKSPACE_BYTES:
                    raise WorkspaceError(f"{path.name}: larger than the 1 GB limit for a workspace")
                if size > WARN_WORKSPACE_BYTES:
                    self.warnings.append(
                        f"{path.name} is {size // 1_000_000} MB; consider archiving old cycles"
                    )
                stamp = FileStamp.of(path)
                original = path.read_bytes()
                raw = decode_file_bytes(original, path.name)
            except PermissionError:
                raise WorkspaceError(f"{path}: permission denied") from None
            except OSError as exc:
                raise WorkspaceError(f"{path}: cannot read ({exc.strerror})") from None
        else:
            stamp, original = None, b""
        now = now_ms if now_ms is not None else time.time_ns() // 1_000_000
        future: dict[str, tuple[int, int]] = {}
        lines: dict[str, dict[str, bytes]] = {}
        with gc_paused():
            data = parse_workspace(raw, path.name, lines) if exists else {}
            self._upgrade(data)
            newest = validate_tables(data, path.name, raw, now + DAY_MS, future)
            if future:
                self.warnings.append(future_warning(path.name, future, now))
            if sum(len(records) for records in data.values()) >= FREEZE_ROWS:
                # The loaded records live as long as the app: keep them out of the collector's
                # scans, which otherwise stop the UI thread for ~0.1 s per 10k records now and
                # then (measured in bench/store_bench.py). Records hold no reference cycles.
                gc.freeze()
        self._raw_for_backup = original if self.migrated_from is not None else None
        for table in TABLES:
            data.setdefault(table, {})
        if META_ID not in data["meta"]:
            data["meta"][META_ID] = {
                "id": META_ID,
                "schema_version": SCHEMA_VERSION,
                "workspace_id": uuid.uuid4().hex,
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
        self._data = data
        with self._lock:
            self.storage.attach(data)
            if not self.read_only:  # nothing is written: the lines would only take memory
                self.storage.adopt_lines(lines)
            self.storage.stamp = stamp
            self.storage.size = len(raw)
        if newest:
            self.clock.observe(newest)
        if self.migrated_from is not None:
            self._after_upgrade(self.migrated_from)
        # A new file still needs writing; an existing file is never rewritten on open.
        self._pending_first_write = not exists

    def _upgrade(self, data: dict[str, dict[str, Any]]) -> None:
        """Refuse a newer file; migrate an older one in memory (DESIGN §1)."""
        name = self.path.name
        meta = data.get("meta", {}).get(META_ID)
        if meta is None:
            return
        if not isinstance(meta, dict):
            raise WorkspaceError(f"{name}: meta/{META_ID}: expected an object")
        version = meta.get("schema_version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise WorkspaceError(
                f"{name}: meta/{META_ID}: field 'schema_version': expected a whole number from 1, "
                f"got {shown(repr(version), 30)}"
            )
        current = SCHEMA_VERSION
        if version > current:
            raise WorkspaceError(
                f"{name}: made by a newer version of upr (schema {version}; this one reads up to "
                f"{current}); upgrade UPR Workbench to open it (the file is unchanged)"
            )
        if version == current:
            return
        for step in range(version, current):
            migrate = MIGRATIONS.get(step)
            if migrate is None:
                raise WorkspaceError(
                    f"{name}: schema {version} is too old to upgrade (no step "
                    f"from {step} to {step + 1})"
                )
            try:
                with gc_paused():
                    migrate(data)
            except WorkspaceError:
                raise
            except Exception as exc:  # hostile or odd content must not crash the app
                raise WorkspaceError(
                    f"{name}: upgrading from schema {step} failed: {shown(exc, 100)}"
                ) from None
            meta = data.get("meta", {}).get(META_ID)
            if not isinstance(meta, dict):
                raise WorkspaceError(f"{name}: upgrading from schema {step} lost meta/{META_ID}")
            meta["schema_version"] = step + 1
        self.migrated_from = version

    def _after_upgrade(self, version: int) -> None:
        """The upgrade's edits (tui/migrate.py), in memory, even for a read-only open."""
        from tui.migrate import after_upgrade

        self._migrating = True
        try:
            after_upgrade(self, version)
        except (ValueError, KeyError, TypeError) as exc:
            raise WorkspaceError(
                f"{self.path.name}: upgrading from schema {version} failed: {shown(exc, 100)}"
            ) from None
        finally:
            self._migrating = False

    def _finish_migration(self) -> None:
        """Keep ``FILE.vN.bak`` (the old bytes, as they were), then write the upgraded file."""
        raw = self._raw_for_backup
        version = self.migrated_from
        if raw is None or version is None:
            return
        bak = self.path.with_name(f"{self.path.name}.v{version}.bak")
        if bak.exists() and bak.read_bytes() != raw:
            bak = self.path.with_name(
                f"{self.path.name}.v{version}.{time.strftime('%Y%m%dT%H%M%S')}.bak"
            )
        if not bak.exists():
            keeper = WorkspaceStorage(bak)
            try:
                keeper.write_chunks([raw])
            except OSError as exc:
                raise WorkspaceError(
                    f"cannot keep {bak.name} before upgrading {self.path.name}: {save_reason(exc)}"
                ) from None
            with contextlib.suppress(OSError):
                st = self.path.stat()
                os.utime(bak, ns=(st.st_atime_ns, st.st_mtime_ns))
        with self._lock:
            self.storage.mark_all_dirty()
        self._raw_for_backup = None
        try:
            self.save()
        except WorkspaceError as exc:
            self.warnings.append(
                f"upgraded {self.path.name} in memory but could not save it: {exc}"
            )

    # -- reading ------------------------------------------------------------------------
    def table(self, name: str) -> Mapping[str, dict[str, Any]]:
        """A read-only view of one table (live: it shows later edits)."""
        records = self._data.get(name)
        return MappingProxyType(records if records is not None else {})

    def get(self, table: str, rid: str) -> dict[str, Any] | None:
        return self._data.get(table, {}).get(rid)

    @property
    def meta(self) -> Mapping[str, Any]:
        return self._data["meta"][META_ID]

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(table, rid, fields)`` after each change (on the editing thread)."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    # -- the one edit function ------------------------------------------------------------
    def edit(self, table: str, rid: str, values: Mapping[str, Any]) -> bool:
        """Set fields of a record (creating it if new), stamp their clocks, append history.

        Only memory is touched; the disk is written by ``save()``. Equal values are skipped, so
        re-applying an import changes nothing. Returns True if anything changed. Raises
        ValueError for a field or value the schema refuses (nothing is changed then).
        """
        fired = self._apply(table, rid, values, record_undo=True)
        self._notify(fired)
        return bool(fired)

    def _check(self, table: str, rid: str, values: Mapping[str, Any]) -> dict[str, Any]:
        if self._closed:
            raise WorkspaceError(f"{self.path.name} is closed")
        if self.read_only and not self._migrating:
            raise ReadOnlyError(f"{self.path.name} is open read-only: edits are not possible")
        schema = SCHEMAS.get(table)
        if schema is None or table not in EDITED_TABLES:
            raise ValueError(f"table {table!r} is not edited through records")
        if not isinstance(rid, str) or not rid or len(rid) > MAX_ID_LENGTH:
            raise ValueError(f"record id must be a string of 1 to {MAX_ID_LENGTH} characters")
        if not isinstance(values, Mapping):
            raise ValueError("values must be a mapping of field to value")
        checked: dict[str, Any] = {}
        for fname, value in values.items():
            if fname not in schema.editable:
                raise ValueError(f"{table}.{fname} is not an editable field")
            fault = schema.fields[fname][0](value)
            if fault:
                raise ValueError(f"{table}.{fname}: {fault}")
            try:  # a private copy that surely encodes: no NaN, no lone surrogate, no tuples
                text = json.dumps(value, ensure_ascii=False, allow_nan=False)
                text.encode("utf-8")
                copy = json.loads(text)
            except (TypeError, ValueError, UnicodeEncodeError, RecursionError) as exc:
                raise ValueError(f"{table}.{fname}: cannot be stored ({shown(exc, 80)})") from None
            if isinstance(copy, dict | list) and depth_of(copy, MAX_DEPTH) > MAX_DEPTH:
                raise ValueError(f"{table}.{fname}: nested more than {MAX_DEPTH} levels")
            if has_big_number(copy):
                raise ValueError(f"{table}.{fname}: a number beyond ±2^53")
            if has_long_text(copy):
                raise ValueError(f"{table}.{fname}: a string longer than {MAX_STRING} characters")
            checked[fname] = copy
        return checked

    def _apply(
        self,
        table: str,
        rid: str,
        values: Mapping[str, Any],
        *,
        record_undo: bool,
        clock: str | None = None,
    ) -> list[tuple[str, str, tuple[str, ...]]]:
        """Change one record under the lock; returns the notifications to send after it."""
        checked = self._check(table, rid, values)
        schema = SCHEMAS[table]
        author = self.author
        if clock is not None:
            parsed = parse_clock(clock)
            if parsed is None:
                raise ValueError(f"malformed clock {clock!r}")
            author = parsed[2]  # the edit is the other author's, carried over by a merge
        with self._lock:
            records = self._data[table]
            found = records.get(rid)
            created = found is None
            record: dict[str, Any] = schema.defaults() if found is None else found
            if created:
                record["id"] = rid
                record["_clock"] = {}
            changes: list[Change] = []
            for fname, value in checked.items():
                old = record.get(fname)
                if not created and old == value and type(old) is type(value):
                    continue
                changes.append(Change(table, rid, fname, old, value))
            if not changes and not created:
                return []
            stamp = clock or self.clock.tick()
            history = self._data["history"]
            if created:
                # One clock for all fields at creation keeps files small: "*" stands for every
                # field without a clock of its own (see field_clock).
                record["_clock"]["*"] = stamp
                for change in changes:
                    record[change.field] = change.new
                records[rid] = record
                hid = history_id(rid, "*", stamp)
                history[hid] = {
                    "id": hid,
                    "table": table,
                    "record": rid,
                    "field": "*",
                    "old": None,
                    "new": None,
                    "author": author,
                    "clock": stamp,
                }
                self.storage.mark_dirty("history", hid)
                changes = [Change(table, rid, "*", None, True), *changes]
            else:
                self.storage.before_change(table, rid)
                clocks = record.get("_clock")
                if not isinstance(clocks, dict):
                    clocks = record["_clock"] = {}
                for change in changes:
                    record[change.field] = change.new
                    field_stamp = stamp
                    if clock is None:
                        current = clocks.get(change.field) or clocks.get("*")
                        if isinstance(current, str) and current[:20] >= stamp[:20]:
                            # The field's clock is ahead of ours (a colleague's wrong date):
                            # just above it, so this later edit still wins (DESIGN §4).
                            field_stamp = self.clock.above(current)
                    clocks[change.field] = field_stamp
                    hid = history_id(rid, change.field, field_stamp)
                    history[hid] = {
                        "id": hid,
                        "table": table,
                        "record": rid,
                        "field": change.field,
                        "old": change.old,
                        "new": change.new,
                        "author": author,
                        "clock": field_stamp,
                    }
                    self.storage.mark_dirty("history", hid)
            self.storage.mark_dirty(table, rid)
            if record_undo:
                group = getattr(self._local, "group", None)
                if group is not None:
                    group.changes.extend(changes)
                else:
                    label = f"create {rid}" if created else f"edit {changes[-1].field}"
                    self._undo.append(UndoStep(label, list(changes), epoch=self._epoch))
                    self._redo.clear()
        return [(table, rid, tuple(c.field for c in changes))]

    def _notify(self, fired: list[tuple[str, str, tuple[str, ...]]]) -> None:
        # Outside the lock: a listener may do anything, even wait for a save.
        for table, rid, fields in fired:
            for listener in list(self._listeners):
                listener(table, rid, fields)

    def apply_clocked(self, table: str, rid: str, values: Mapping[str, Any], clock: str) -> bool:
        """Apply values under a given clock (merge takes the other copy's winning value).

        Not an undo step; the history row names the clock's author.
        """
        self.clock.observe(clock)
        fired = self._apply(table, rid, values, record_undo=False, clock=clock)
        self._notify(fired)
        return bool(fired)

    @contextlib.contextmanager
    def undo_group(self, label: str) -> Iterator[UndoStep]:
        """Make every edit inside one undo step (a bulk decision, an import)."""
        outer = getattr(self._local, "group", None) is None
        if outer:
            self._local.group = UndoStep(label, epoch=self._epoch)
        step: UndoStep = self._local.group
        try:
            yield step
        finally:
            if outer:
                self._local.group = None
                if step.changes:
                    with self._lock:
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
        """Revert the last step of this session by new edits (new clocks, new history rows).

        Returns what was reverted (``skipped``: changes a merge made since, left alone), or
        None when there is nothing to undo. A step that a merge left nothing of is dropped.
        """
        return self._step(self._undo, self._redo, forward=False)

    def redo(self) -> UndoStep | None:
        """Apply again the last undone step (with the same rule: never over a merge)."""
        return self._step(self._redo, self._undo, forward=True)

    def _step(self, source: list[UndoStep], target: list[UndoStep], *, forward: bool) -> Any:
        with self._lock:
            if not source:
                return None
            step = source.pop()
            applied, skipped = self._crossing(step)
            fired = self._revert(applied, forward=forward)
            if skipped:  # what is left of the step goes on; the return value says the rest
                step = UndoStep(step.label, applied, skipped)
            step.epoch = self._epoch
            if applied:
                target.append(UndoStep(step.label, applied, epoch=step.epoch) if skipped else step)
        self._notify(fired)
        return step

    def _crossing(self, step: UndoStep) -> tuple[list[Change], list[Change]]:
        """Split a step's changes: those no merge changed since it was applied, and the rest.

        A creation or a row counts as changed when the merge changed anything of the record;
        the other changes of a record whose creation is left alone are left alone with it.
        """
        epoch = step.epoch
        rows = {
            (c.table, c.record)
            for c in step.changes
            if c.field in ("*", "") and self._merged_rows.get((c.table, c.record), -1) > epoch
        }
        applied: list[Change] = []
        skipped: list[Change] = []
        for change in step.changes:
            key = (change.table, change.record)
            crossed = key in rows or (
                change.field not in ("*", "")
                and self._merged_fields.get((*key, change.field), -1) > epoch
            )
            (skipped if crossed else applied).append(change)
        return applied, skipped

    def _revert(
        self, changes: list[Change], *, forward: bool
    ) -> list[tuple[str, str, tuple[str, ...]]]:
        changes = changes if forward else list(reversed(changes))
        created = {(c.table, c.record) for c in changes if c.field == "*"}
        by_record: dict[tuple[str, str], dict[str, Any]] = {}
        rows: list[Change] = []
        for change in changes:
            key = (change.table, change.record)
            if change.field == "":
                rows.append(change)
                continue
            if change.field == "*":
                # Creation: undo hides the record (nothing is hard-deleted), redo shows it.
                by_record.setdefault(key, {})["deleted"] = not forward
                continue
            if not forward and key in created:
                continue  # a record hidden by undo keeps its values, for redo
            by_record.setdefault(key, {})[change.field] = change.new if forward else change.old
        fired: list[tuple[str, str, tuple[str, ...]]] = []
        for (table, rid), values in by_record.items():
            fired.extend(self._apply(table, rid, values, record_undo=False))
        for change in rows:
            row = change.new if forward else change.old
            if not isinstance(row, dict):
                continue  # a row cannot be removed (nothing is hard-deleted)
            row = dict(row)
            if change.table == "conflicts":
                # A resolution undone re-opens the conflict, redone resolves it again: each
                # with a new clock, so the decision beats the one before it at every merge.
                row["resolved" if forward else "reopened"] = self.clock.tick()
            fired.extend(self._put(change.table, change.record, row, record_undo=False))
        return fired

    # -- room ----------------------------------------------------------------------------
    def size_after(self, table: str, plan: Iterable[tuple[str, Mapping[str, Any]]]) -> int:
        """About how large the file would be after ``edit(table, rid, values)`` for each of
        ``plan``: its size now, plus each record's new line (or the growth of its line), plus
        the history rows the edits add (one per new record, one per changed field)."""
        schema = SCHEMAS[table]
        records = self._data.get(table, {})
        stamp = format_clock(0, 0, self.author)  # every clock has the same length
        defaults = schema.defaults()
        total = self.storage.size

        def history_row(rid: str, fname: str, old: Any, new: Any) -> int:
            hid = history_id(rid, fname, stamp)
            row = {
                "id": hid,
                "table": table,
                "record": rid,
                "field": fname,
                "old": old,
                "new": new,
                "author": self.author,
                "clock": stamp,
            }
            return line_length(hid, row) + 2  # and ",\n"

        for rid, values in plan:
            old = records.get(rid)
            if old is None:
                new = {**defaults, **values, "id": rid, "_clock": {"*": stamp}}
                total += line_length(rid, new) + 2 + history_row(rid, "*", None, None)
                continue
            changed = [f for f, v in values.items() if old.get(f) != v]
            if not changed:
                continue
            clocks = dict(old.get("_clock") or {})
            clocks.update(dict.fromkeys(changed, stamp))
            new = {**old, **values, "_clock": clocks}
            total += line_length(rid, new) - line_length(rid, old)
            total += sum(history_row(rid, f, old.get(f), values[f]) for f in changed)
        return total

    def check_room(
        self, table: str, plan: Iterable[tuple[str, Mapping[str, Any]]], what: str
    ) -> None:
        """Refuse, before any edit, edits that would take the file past the size every command
        opens (DESIGN §6; issue 15.7: a 1,015,000-row import wrote a file nothing could open).
        ``what`` names the change in the message (``importing FILE``)."""
        limit = MAX_WORKSPACE_BYTES
        size = self.size_after(table, plan)
        if size > limit:
            raise TooLargeError(
                f"{what} would make {self.path.name} about {size / 1e6:,.0f} MB, past the "
                f"{size_text(limit)} limit for a workspace (a larger file cannot be opened); "
                "nothing was changed. Import it into a new workspace, or part by part"
            )

    # -- saving -------------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return self.storage.has_changes or self._pending_first_write

    def save(self) -> bool:
        """Write changes atomically. Safe to call from a worker thread. Returns True if written.

        Raises WorkspaceError with a clear message (disk full, read-only folder); the edits
        stay in memory and the next save retries them. Raises FileReplacedError if another
        program replaced the file: it is left alone and our state goes to a sibling file.
        """
        if self.read_only:
            return False
        with self._save_lock:
            if not self.dirty:
                return False
            try:
                version, chunks = self.storage.snapshot()
            except (TypeError, ValueError) as exc:  # cannot happen after validation; be clear
                raise WorkspaceError(
                    f"could not save {self.path.name}: {shown(exc, 100)}"
                ) from None
            replaced_now: list[Path] = []

            def target() -> Path:
                if self.replaced is None:
                    loaded, current = self.storage.stamp, FileStamp.of(self.path)
                    if current is None or current == loaded:
                        return self.path  # unchanged, or deleted (nothing of theirs to lose)
                mine = self._mine_path()
                replaced_now.append(mine)
                return mine

            try:
                written = self.storage.write_chunks(chunks, target=target)
            except OSError as exc:
                if replaced_now:
                    self.replaced = FileReplacedError(self.path, None)
                    raise self.replaced from None
                raise SaveError(
                    f"could not save {self.path.name}: {save_reason(exc)}; your edits are kept "
                    "in memory and saving will be retried"
                ) from None
            self.storage.mark_saved(version)
            self._pending_first_write = False
            if written != self.path:
                self.replaced = FileReplacedError(self.path, written)
                raise self.replaced
            return True

    def save_as(self, path: str | os.PathLike[str]) -> Path:
        """Write everything to another, new file and go on there: its lock taken, the old one
        released (the folder turned read-only, the disk filled: issue 15.8). Raises
        WorkspaceError with nothing changed (the file exists, is locked, cannot be written)."""
        if self.read_only:
            raise ReadOnlyError(f"{self.path.name} is open read-only")
        new = Path(os.path.abspath(os.path.expanduser(os.fspath(path))))
        if new.exists():
            raise WorkspaceError(f"{new.name} exists already: choose a new name")
        if not new.parent.is_dir():
            raise WorkspaceError(f"{new.parent}: no such folder")
        lockfile = acquire_lock(new, self.author) if self._lockfile is not None else None
        old_path, old_lock = self.path, self._lockfile
        with self._save_lock:
            version, chunks = self.storage.snapshot()
            self.storage.path = new
            try:
                self.storage.write_chunks(chunks)
            except OSError as exc:
                self.storage.path = old_path
                if lockfile is not None:
                    with contextlib.suppress(OSError):
                        lockfile.unlink()
                raise SaveError(f"could not save {new.name}: {save_reason(exc)}") from None
            self.path, self._lockfile = new, lockfile
            self.storage.mark_saved(version)
            self._pending_first_write = False
            self.replaced = None
        if old_lock is not None:
            with contextlib.suppress(OSError):
                if lock_is_mine(old_path):
                    old_lock.unlink()
        return new

    def _mine_path(self) -> Path:
        if self.replaced is not None and self.replaced.kept is not None:
            return self.replaced.kept
        stamp = time.strftime("%Y%m%dT%H%M%S")
        return self.path.with_name(f"{self.path.stem}.mine-{self.author}-{stamp}{self.path.suffix}")

    def close(self, *, save: bool = True) -> None:
        """Save (unless ``save=False``) and release the lock; the lock goes even if saving fails."""
        try:
            if save and not self.read_only and not self._closed:
                self.save()
        finally:
            self._closed = True
            if self._lockfile is not None:
                with contextlib.suppress(OSError):
                    if lock_is_mine(self.path):
                        self._lockfile.unlink()
                self._lockfile = None

    # -- hooks for merging copies (tui/merge.py, screens/merge.py; owned by the merge helper) --
    def snapshot_tables(self) -> dict[str, Mapping[str, Any]]:
        """Every table, known or not, as a read-only mapping (what a merge reads)."""
        return {name: MappingProxyType(records) for name, records in self._data.items()}

    def changed_on_disk(self) -> bool:
        """True if another program replaced or rewrote the file since we loaded or saved it."""
        loaded = self.storage.stamp
        return loaded is not None and FileStamp.of(self.path) != loaded

    def put(self, table: str, rid: str, record: dict[str, Any], *, undo: bool = True) -> None:
        """Store a whole record of a table that is not edited field by field (``conflicts``).

        An undo step like an edit (inside an ``undo_group``, part of that step); ``undo=False``
        for rows that come from outside the session (a conflict an import found)."""
        self._notify(self._put(table, rid, record, record_undo=undo))

    def _put(
        self, table: str, rid: str, record: dict[str, Any], *, record_undo: bool
    ) -> list[tuple[str, str, tuple[str, ...]]]:
        if self.read_only:
            raise ReadOnlyError(f"{self.path.name} is open read-only")
        if table in EDITED_TABLES or table == "history":
            raise ValueError(f"records of {table} change only through edit()")
        with self._lock:
            records = self._data.setdefault(table, {})
            old = records.get(rid)
            if rid in records:
                self.storage.before_change(table, rid)
            records[rid] = record
            self.storage.mark_dirty(table, rid)
            if record_undo:
                change = Change(table, rid, "", old, record)
                group = getattr(self._local, "group", None)
                if group is not None:
                    group.changes.append(change)
                else:
                    self._undo.append(UndoStep(f"change {table}", [change], epoch=self._epoch))
                    self._redo.clear()
        return [(table, rid, tuple(record))]

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
        in, so the next save may replace it (ends a "replaced by another program" state).
        Not an undo step: undo goes back through edits, and a merge is not one.
        """
        if self.read_only:
            raise ReadOnlyError(f"{self.path.name} is open read-only")
        fired: list[tuple[str, str, tuple[str, ...]]] = []
        newest = ""
        with self._lock:
            epoch = self._epoch + 1
            # With nothing to undo or redo there is nothing to protect: a big merge at start-up
            # costs no bookkeeping. Otherwise every field the merge changes is noted.
            guard = bool(self._undo or self._redo)
            if not guard:
                self._merged_fields.clear()
                self._merged_rows.clear()
            for table, incoming in records.items():
                live_table = self._data.setdefault(table, {})
                for rid, record in incoming.items():
                    live = live_table.get(rid)
                    new = combine(table, rid, live, record)
                    if new is live or new == live:
                        continue
                    if live is not None:
                        self.storage.before_change(table, rid)
                    live_table[rid] = new
                    self.storage.mark_dirty(table, rid)
                    if table in EDITED_TABLES:
                        newest = max([newest, *(new.get("_clock") or {}).values()])
                    old = live if isinstance(live, dict) else {}
                    changed = (
                        tuple(k for k in new if old.get(k) != new.get(k))
                        if isinstance(new, dict)
                        else ()
                    )
                    fired.append((table, rid, changed))
                    if guard and table != "history":  # history rows are never undone
                        self._merged_rows[(table, rid)] = epoch
                        if table in EDITED_TABLES:
                            self._mark_merged_fields(table, rid, old, new, epoch)
            if fired:
                self._epoch = epoch
            if disk_stamp is not None:
                self.storage.stamp = disk_stamp
                self.replaced = None
        if newest:
            self.clock.observe(newest)
        self._notify(fired)
        return len(fired)

    def _mark_merged_fields(
        self,
        table: str,
        rid: str,
        old: Mapping[str, Any],
        new: Any,
        epoch: int,
    ) -> None:
        """Remember the fields of a record a merge changed (value or clock), for undo."""
        if not isinstance(new, Mapping):
            return
        old_clocks = old.get("_clock") or {}
        new_clocks = new.get("_clock") or {}
        marks = self._merged_fields
        if old_clocks.get("*") == new_clocks.get("*"):
            # The usual case: a merged value always comes with its own clock, so the fields
            # whose clock changed are the fields the merge changed (~10x faster than all).
            for fname, clock in new_clocks.items():
                if old_clocks.get(fname) != clock:
                    marks[(table, rid, str(fname))] = epoch
            return
        for fname in set(old) | set(new) | set(old_clocks) | set(new_clocks):
            if old.get(fname) != new.get(fname) or old_clocks.get(fname) != new_clocks.get(fname):
                marks[(table, rid, str(fname))] = epoch

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(save=exc[0] is None)


def field_clock(record: Mapping[str, Any], fname: str) -> str:
    """The clock of one field: its own, else the record's creation clock ("*")."""
    clocks = record.get("_clock") or {}
    return clocks.get(fname) or clocks.get("*") or ""


def check_file(path: str | os.PathLike[str]) -> str:
    """Validate a workspace without locking or writing it; returns a summary line.

    Beyond validity, a file that would hide data is not "ok" (issue 15.8): an empty file, a
    table of unknown name, a record in another table than its own. WorkspaceError names the
    first (and how many more)."""
    path = Path(path)
    try:
        empty = path.is_file() and path.stat().st_size == 0
    except OSError:
        empty = False
    if empty:
        raise WorkspaceError(f"{path.name}: an empty file (0 bytes), not a workspace")
    ws = Workspace.open(path, author="check", read_only=True, create=False, lock=False)
    problems = hidden_data(ws._data, TABLES)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise WorkspaceError(f"{ws.path.name}: {problems[0]}{more}")
    counts = ", ".join(
        f"{len(ws.table(t))} {t}" for t in ("recommendations", "checklist", "actions", "countries")
    )
    note = f"; schema {ws.migrated_from} would be upgraded" if ws.migrated_from else ""
    return (
        f"{clean_line(ws.path.name)}: ok (schema {ws.meta.get('schema_version')}; {counts}{note})"
    )
