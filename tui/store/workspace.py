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
import errno
import gc
import json
import math
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from tui import model
from tui.clock import DAY_MS, HybridClock
from tui.ids import history_id
from tui.model import (
    CLOCK_RE,
    EDITED_TABLES,
    SCHEMA_VERSION,
    SCHEMAS,
    TABLES,
    Schema,
    parse_clock,
    validate_record,
)
from tui.sanitize import MAX_STRING, clean_line, clean_text

try:  # orjson parses a file we wrote ~3x faster, line by line (see parse_workspace)
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson = None

MAX_WORKSPACE_BYTES = 1_000_000_000
WARN_WORKSPACE_BYTES = 200_000_000
META_ID = "meta"
MAX_DEPTH = 32  # nesting of a value inside a record; ours never exceed 3
MAX_ID_LENGTH = 1_000
MAX_SAFE_NUMBER = 2**53  # larger numbers lose precision in many JSON readers (and in orjson)
FREEZE_ROWS = 10_000  # above this many records, loaded objects are kept out of GC scans
SAVE_STEPS = ("written", "fsynced", "replaced")  # where WorkspaceStorage.fault_hook is called

Migration = Callable[[dict[str, dict[str, Any]]], None]
# schema version N -> function turning the tables of an N file into N+1, in place. Only version 1
# exists today; the hook is here so the first change of format arrives with its migration.
MIGRATIONS: dict[int, Migration] = {}


class WorkspaceError(Exception):
    """A workspace that cannot be opened or saved; the message is one line for the user.

    It names files and values from outside, so it is cleaned here, once, for every place that
    prints or draws it (issue 15.3)."""

    def __init__(self, message: object = "", *args: object) -> None:
        super().__init__(clean_text(str(message)), *args)


class LockedError(WorkspaceError):
    """Another process holds ``FILE.lock``; ``holder`` says who (pid, host, author)."""

    def __init__(self, path: Path, holder: Mapping[str, Any]) -> None:
        self.holder = dict(holder)
        who = _shown(holder.get("author", "someone"))
        where = _shown(holder.get("host", "?"))
        pid = _shown(holder.get("pid", "?"))
        super().__init__(
            f"{path.name} is open by {who} on {where} (pid {pid}); open it read-only or close it "
            f"there (if it is not running there, delete {lock_path(path).name})"
        )


class ReadOnlyError(WorkspaceError):
    """An edit on a workspace opened read-only."""


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


def _shown(value: Any, limit: int = 60) -> str:
    """A value from a hostile file made safe for a one-line message."""
    text = clean_line(str(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."


class StrTable(Table):
    """TinyDB table keyed by the record's own string id (DESIGN §1)."""

    document_id_class = str


class WorkspaceDB(TinyDB):
    table_class = StrTable


# -- encoding ---------------------------------------------------------------------------------


def encode_record(record: Mapping[str, Any]) -> str:
    """The canonical text of one record: keys sorted, no spaces, UTF-8 kept, no NaN."""
    return json.dumps(
        record, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )


def _encode_line(rid: str, record: Mapping[str, Any]) -> bytes:
    return (json.dumps(rid, ensure_ascii=False) + ":" + encode_record(record)).encode("utf-8")


# -- parsing ----------------------------------------------------------------------------------


class _Refused(ValueError):
    """A value JSON allows but a workspace does not (NaN, Infinity, a huge float)."""


def _refuse_constant(name: str) -> Any:
    raise _Refused(f"{name} is not allowed")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"number {text[:30]} is too large")
    return value


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_CONSTANT = re.compile(rb"[:,\[]\s*-?(?:NaN|Infinity)")


def _line_at(raw: bytes, pos: int) -> int:
    return raw.count(b"\n", 0, max(pos, 0)) + 1


def _find_line(raw: bytes, needle: bytes, start: int = 0) -> int | None:
    pos = raw.find(needle, start)
    return None if pos < 0 else _line_at(raw, pos)


def parse_workspace(raw: bytes, name: str) -> dict[str, dict[str, Any]]:
    """Parse a workspace file: UTF-8 JSON, an object of tables, each an object of records.

    Refuses a table or record id that appears twice (JSON parsers silently keep the last, so
    one copy of a record could hide another), NaN/Infinity and nesting too deep for the parser,
    with one line naming the file and, where it can, the line. (A field twice inside one
    record keeps the last, as every JSON reader does.) Garbage collection is paused meanwhile:
    the parser makes millions of objects and the collector would rescan them many times.

    A file in our own layout (one record per line) is parsed line by line with orjson when it
    is installed; anything else, or anything odd on a line, goes to the stdlib parser, which
    gives the exact error. Both accept and refuse the same files.
    """
    if len(raw) > MAX_WORKSPACE_BYTES:
        raise WorkspaceError(f"{name}: larger than the 1 GB limit for a workspace")
    if raw.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte order mark some editors add: harmless
        raw = raw[3:]
    if _orjson is not None:
        with _gc_paused():
            fast = _parse_lines(raw, name)
        if fast is not None:
            return fast
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WorkspaceError(
            f"{name}: not UTF-8 text (line {_line_at(raw, exc.start)}, byte {exc.start})"
        ) from None
    if not text.strip():
        return {}
    duplicates: list[tuple[dict[str, Any], str]] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            for key, _value in pairs:
                if key in seen:
                    duplicates.append((obj, key))
                    break
                seen.add(key)
        return obj

    with _gc_paused():
        try:
            data = json.loads(
                text,
                object_pairs_hook=pairs_hook,
                parse_constant=_refuse_constant,
                parse_float=_finite_float,
            )
        except RecursionError:
            raise WorkspaceError(f"{name}: not a workspace (JSON nested too deeply)") from None
        except json.JSONDecodeError as exc:
            raise WorkspaceError(
                f"{name}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
            ) from None
        except _Refused as exc:
            m = _CONSTANT.search(raw)
            where = f" (line {_line_at(raw, m.start())})" if m else ""
            raise WorkspaceError(f"{name}: not valid JSON{where}: {exc}") from None
        except ValueError as exc:  # e.g. an integer of more than 4300 digits
            raise WorkspaceError(f"{name}: not valid JSON: {_shown(exc, 100)}") from None
    if not isinstance(data, dict):
        raise WorkspaceError(f"{name}: not a workspace (the top level is not an object of tables)")
    for table, records in data.items():
        if not isinstance(records, dict):
            raise WorkspaceError(f"{name}: table {_shown(table)!r} is not an object of records")
    for obj, key in duplicates:
        message = _duplicate_message(name, raw, data, obj, key)
        if message:
            raise WorkspaceError(message)
    return data


def _duplicate_message(
    name: str, raw: bytes, data: dict[str, Any], obj: dict[str, Any], key: str
) -> str | None:
    """The message for a table or record id found twice; None for keys deeper down."""
    needle = json.dumps(key, ensure_ascii=False).encode("utf-8") + b":"
    first = raw.find(needle)
    line = _find_line(raw, needle, first + 1) if first >= 0 else None
    where = f" (line {line})" if line else ""
    if obj is data:
        return f"{name}: table {_shown(key)!r} appears twice{where}"
    for table, records in data.items():
        if obj is records:
            return f"{name}: {_shown(table)}: record id {_shown(key)!r} appears twice{where}"
    return None


def _parse_lines(raw: bytes, name: str) -> dict[str, dict[str, Any]] | None:
    """Parse our own layout line by line with orjson; None if the file is laid out otherwise.

    Exactly the layout ``WorkspaceStorage`` writes: ``{``, per table a head line ``"t":{``
    (or ``"t":{}``), one ``"id":{...}`` per line with commas where JSON needs them, ``}``.
    Each record line must parse alone as one object, so every record id is seen (orjson keeps
    the last of two equal keys, like ``json``): duplicates are found without a Python hook on
    every object, which makes the stdlib path ~2.5x slower. Any irregularity: None.
    """
    assert _orjson is not None
    loads, decode_error = _orjson.loads, _orjson.JSONDecodeError
    size = len(raw)
    if not raw.startswith(b"{\n") or not raw.endswith(b"\n}\n"):
        return None
    view = memoryview(raw)
    data: dict[str, dict[str, Any]] = {}
    pos = 2  # start of the current line
    last = size - 2  # the final "}" line starts here
    lineno = 2
    try:
        while pos < last:
            end = raw.find(b"\n", pos)
            head = raw[pos:end]
            head_line = lineno
            if head.endswith(b":{}") or head.endswith(b":{},"):
                comma = head.endswith(b",")
                tname = loads(head[: head.rindex(b":{}")])
                records: dict[str, Any] = {}
                pos, lineno = end + 1, lineno + 1
            elif head.endswith(b":{"):
                tname = loads(head[:-2])
                records = {}
                pos, lineno = end + 1, lineno + 1
                while True:
                    end = raw.find(b"\n", pos)
                    if end < 0 or end >= size - 1:
                        return None
                    if raw[pos] == 0x7D:  # "}": the table closes
                        line = raw[pos:end]
                        if line not in (b"}", b"},") or not records:
                            return None
                        comma = line == b"},"
                        pos, lineno = end + 1, lineno + 1
                        break
                    cut = raw.find(b'":{', pos, end)
                    if cut < 0 or raw[pos] != 0x22:
                        return None
                    rid = loads(view[pos : cut + 1])
                    stop = end - 1 if raw[end - 1] == 0x2C else end  # "," after the record
                    record = loads(view[cut + 2 : stop])
                    if type(rid) is not str or type(record) is not dict:
                        return None
                    closing = raw[end + 1] == 0x7D
                    if (stop == end) != closing:
                        return None  # a comma missing or one too many: not valid JSON
                    if rid in records:
                        raise WorkspaceError(
                            f"{name}: {_shown(tname)}: record id {_shown(rid)!r} appears twice "
                            f"(line {lineno})"
                        )
                    records[rid] = record
                    pos, lineno = end + 1, lineno + 1
            else:
                return None
            if type(tname) is not str or comma != (pos < last):
                return None
            if tname in data:
                raise WorkspaceError(
                    f"{name}: table {_shown(tname)!r} appears twice (line {head_line})"
                )
            data[tname] = records
    except (decode_error, ValueError, RecursionError, IndexError):
        return None
    return data if pos == last else None


def keep_long_lived(count: int) -> None:
    """After building ``count`` objects that live as long as the app (a country's triage
    index and its counts): keep everything alive now out of the collector's full scans, which
    otherwise stop the UI thread for 85–216 ms now and then at 100k (measured, issue 8)."""
    if count >= FREEZE_ROWS:
        gc.freeze()


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# -- validation -------------------------------------------------------------------------------

_ATOMS = (str, int, float, bool, type(None))


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of lists/objects in ``value``, counted up to ``limit + 1`` only."""
    stack = [(value, 1)]
    deepest = 0
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > limit:
            return deepest
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def _big_number(value: Any) -> bool:
    """True if a number somewhere in ``value`` is beyond ±2^53 (not exact in every reader)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, bool):
            continue
        if isinstance(item, int | float):
            if not -MAX_SAFE_NUMBER <= item <= MAX_SAFE_NUMBER:
                return True
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _long_text(value: Any) -> bool:
    """True if a string (value or key) somewhere in ``value`` is over the 100 KB limit (DESIGN §6)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if len(item) > MAX_STRING:
                return True
        elif isinstance(item, dict):
            if any(len(key) > MAX_STRING for key in item):
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _bad_text(value: Any) -> bool:
    """True if a string somewhere in ``value`` cannot be written as UTF-8 (a lone surrogate)."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    except (TypeError, ValueError):
        return False
    return False


class _FastCheck:
    """A schema's checks compiled into a few type tests, ~2x faster than ``validate_record``.

    It answers only "surely valid": a record it does not accept goes to ``validate_record``
    for the message (and for records with missing or unknown fields, which it also declines).
    """

    def __init__(self, schema: Schema, clocked: bool) -> None:
        self.strings: list[str] = []
        self.bools: list[str] = []
        self.lists: list[str] = []
        self.enums: list[tuple[str, frozenset[str], bool]] = []
        self.ints: list[tuple[str, int, int]] = []
        self.flat_maps: list[str] = []
        self.loose: list[str] = []
        self.other: list[tuple[str, Callable[[Any], str | None]]] = []
        for fname, (check, _default) in schema.fields.items():
            if check is model._string:
                self.strings.append(fname)
            elif check is model._bool:
                self.bools.append(fname)
            elif check is model._string_list:
                self.lists.append(fname)
            elif check is model._mapping:
                self.flat_maps.append(fname)
            elif check is model._any:
                self.loose.append(fname)
            elif hasattr(check, "allowed"):
                self.enums.append((fname, check.allowed, check.optional))  # type: ignore[attr-defined]
            elif hasattr(check, "bounds"):
                lo, hi = check.bounds  # type: ignore[attr-defined]
                self.ints.append((fname, lo, hi))
            else:
                self.other.append((fname, check))
        self.clocked = clocked
        self.size = len(schema.fields) + (1 if clocked else 0)

    def ok(self, record: dict[str, Any]) -> bool:
        if len(record) != self.size or (self.clocked and "_clock" not in record):
            return False  # missing or unknown fields: the slow path fills or checks them
        try:
            for name in self.strings:
                value = record[name]
                if type(value) is not str or len(value) > MAX_STRING:
                    return False
            for name in self.bools:
                if type(record[name]) is not bool:
                    return False
            for name in self.lists:
                value = record[name]
                if type(value) is not list or len(value) > 10_000:
                    return False
                for item in value:
                    if type(item) is not str or len(item) > MAX_STRING:
                        return False
            for name, allowed, optional in self.enums:
                value = record[name]
                if type(value) is str:
                    if value not in allowed and not (optional and value == ""):
                        return False
                elif not (optional and value is None):
                    return False
            for name, lo, hi in self.ints:
                value = record[name]
                if value is not None and (type(value) is not int or not lo <= value <= hi):
                    return False
            for name in self.flat_maps:
                value = record[name]
                if type(value) is not dict:
                    return False
                for key, item in value.items():
                    kind = type(item)
                    if (
                        kind not in _ATOMS
                        or (
                            (kind is int or kind is float)
                            and not -MAX_SAFE_NUMBER <= item <= MAX_SAFE_NUMBER
                        )
                        or (kind is str and len(item) > MAX_STRING)
                        or len(key) > MAX_STRING
                    ):
                        return False
            for name in self.loose:
                value = record[name]
                items = value if type(value) is list else (value,)
                for item in items:
                    kind = type(item)
                    if (
                        kind not in _ATOMS
                        or (
                            (kind is int or kind is float)
                            and not -MAX_SAFE_NUMBER <= item <= MAX_SAFE_NUMBER
                        )
                        or (kind is str and len(item) > MAX_STRING)
                    ):
                        return False
            for name, check in self.other:
                if check(record[name]) is not None:
                    return False
        except KeyError:
            return False
        return True


_FAST = {table: _FastCheck(schema, table in EDITED_TABLES) for table, schema in SCHEMAS.items()}


def _record_fault(
    table: str, rid: str, record: Any, schema: Schema | None, max_clock_ms: int
) -> str | None:
    """The slow, exact check of one record (after the fast path declined it)."""
    if not isinstance(record, dict):
        return f"expected an object, got {type(record).__name__}"
    if len(rid) > MAX_ID_LENGTH or not rid:
        return f"record id must be 1 to {MAX_ID_LENGTH} characters"
    fault = validate_record(table, rid, record, max_clock_ms=max_clock_ms)
    if fault:
        return fault
    for fname, value in record.items():
        if isinstance(value, dict | list) and _depth(value, MAX_DEPTH) > MAX_DEPTH:
            return f"field {_shown(fname, 40)!r}: nested more than {MAX_DEPTH} levels"
        if _big_number(value):
            return f"field {_shown(fname, 40)!r}: a number beyond ±2^53"
        if len(fname) > MAX_STRING or _long_text(value):
            return f"field {_shown(fname, 40)!r}: a string longer than {MAX_STRING} characters"
    if schema is not None and table in EDITED_TABLES and "_clock" not in record:
        record["_clock"] = {}
    if schema is not None:
        for fname in schema.fields.keys() - record.keys():
            # A field missing from a file made elsewhere gets its default in memory, so the
            # rest of the app can rely on every field being there.
            record[fname] = rid if fname == "id" else schema.defaults()[fname]
    return None


def validate_tables(
    data: dict[str, dict[str, Any]], name: str, raw: bytes, max_clock_ms: int
) -> str:
    """Check every record (DESIGN §2, §4); raise WorkspaceError naming record and field.

    Returns the greatest clock seen (``""`` if none), for the hybrid clock to move past.
    """
    max_ms = f"{max_clock_ms:013d}"
    newest = ""
    surrogates = _SURROGATE_ESCAPE.search(raw) is not None

    def fail(table: str, rid: str, fault: str) -> WorkspaceError:
        head = b"\n" + json.dumps(table, ensure_ascii=False).encode("utf-8") + b":"
        start = raw.find(head)
        line = None
        if start >= 0:
            line = _find_line(
                raw, json.dumps(rid, ensure_ascii=False).encode("utf-8") + b":", start
            )
        where = f" (line {line})" if line else ""
        return WorkspaceError(f"{name}: {_shown(table)}/{_shown(rid, 80)}{where}: {fault}")

    with _gc_paused():
        for table, records in data.items():
            if len(table) > MAX_ID_LENGTH:
                raise WorkspaceError(f"{name}: a table name longer than {MAX_ID_LENGTH} characters")
            schema = SCHEMAS.get(table)
            fast = _FAST.get(table)
            clocked = table in EDITED_TABLES
            for rid, record in records.items():
                if (
                    fast is None
                    or type(record) is not dict
                    or not fast.ok(record)
                    or record["id"] != rid
                ):
                    fault = _record_fault(table, rid, record, schema, max_clock_ms)
                    if fault:
                        raise fail(table, rid, fault)
                if clocked:
                    clocks = record["_clock"]
                    if type(clocks) is not dict:
                        raise fail(table, rid, "field '_clock': expected an object")
                    for fname, clock in clocks.items():
                        if type(clock) is not str or not CLOCK_RE.match(clock):
                            raise fail(
                                table,
                                rid,
                                f"field '_clock.{_shown(fname, 40)}': malformed "
                                f"clock {_shown(clock)!r}",
                            )
                        if clock[:13] > max_ms:
                            raise fail(
                                table,
                                rid,
                                f"field '_clock.{_shown(fname, 40)}': clock is "
                                "more than a day in the future",
                            )
                        if clock > newest:
                            newest = clock
                elif table == "history":
                    clock = record["clock"]
                    if type(clock) is not str or not CLOCK_RE.match(clock):
                        raise fail(table, rid, f"field 'clock': malformed clock {_shown(clock)!r}")
                    if clock[:13] > max_ms:
                        raise fail(
                            table, rid, "field 'clock': clock is more than a day in the future"
                        )
                    if clock > newest:
                        newest = clock
                if surrogates and _bad_text(record):
                    bad = next((k for k, v in record.items() if _bad_text(v)), "?")
                    raise fail(
                        table,
                        rid,
                        f"field {_shown(bad, 40)!r}: text is not valid Unicode "
                        "(a lone surrogate escape)",
                    )
    return newest


# -- the storage --------------------------------------------------------------------------------


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
            snap.lines.setdefault(table, {})[rid] = _encode_line(rid, self._data[table][rid])

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
                            done[rid] = _encode_line(rid, records[rid])
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
        """
        directory = self.path.parent
        tmp = directory / f".{self.path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
        hook = self.fault_hook or (lambda step: None)
        size = 0
        try:
            fd = os.open(
                tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o644
            )
            try:
                with contextlib.suppress(OSError, AttributeError):  # no fchmod on Windows
                    os.fchmod(fd, self.path.stat().st_mode & 0o777)
                for chunk in chunks:
                    view = memoryview(chunk)
                    while view:
                        written = os.write(fd, view)
                        view = view[written:]
                    size += len(chunk)
                hook("written")
                os.fsync(fd)
                stat = os.fstat(fd)
            finally:
                os.close(fd)
            hook("fsynced")
            dest = target() if target is not None else self.path
            os.replace(tmp, dest)
            if dest == self.path:
                # rename keeps inode, size and mtime: this is what the next save compares with
                self.stamp = FileStamp.of_stat(stat)
                self.size = size
            hook("replaced")
            _fsync_dir(directory)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        return dest


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _save_reason(exc: OSError) -> str:
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


# -- locking --------------------------------------------------------------------------------


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def _boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None


def _process_start(pid: int) -> int | None:
    """Start time of a process (clock ticks since boot, Linux), to tell a reused pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    try:
        return int(stat.rsplit(b")", 1)[1].split()[19])
    except (IndexError, ValueError):
        return None


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would send CTRL_C_EVENT there
        return _pid_alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OverflowError, ValueError):
        return False
    return True


def _pid_alive_windows(pid: int) -> bool:  # pragma: no cover - Windows only
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return kernel32.GetLastError() == 5  # access denied: it exists
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def _my_lock_record(author: str) -> dict[str, Any]:
    me: dict[str, Any] = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "author": author,
        "since": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    start, boot = _process_start(os.getpid()), _boot_id()
    if start is not None and boot:
        me["start"], me["boot"] = start, boot
    return me


def read_lock(path: Path) -> dict[str, Any] | None:
    """Who holds the lock of workspace ``path``: a dict, ``{}`` if unreadable, None if none."""
    raw = _read_small(lock_path(path))
    if raw is None:
        return None
    return _parse_holder(raw)


def _read_small(path: Path) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read(4096)
    except FileNotFoundError:
        return None
    except OSError:
        return b""


def _parse_holder(raw: bytes) -> dict[str, Any]:
    try:
        holder = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return {}
    return holder if isinstance(holder, dict) else {}


def _holder_alive(holder: Mapping[str, Any]) -> bool:
    """Is the process named in a lock still running? Unknown hosts are assumed alive."""
    pid, host = holder.get("pid"), holder.get("host")
    if not isinstance(pid, int) or isinstance(pid, bool) or not isinstance(host, str):
        return False  # unreadable: a crash left it half-written, or it is not ours
    if host != socket.gethostname():
        return True  # we cannot see processes on another computer
    if not _pid_alive(pid):
        return False
    start, boot = holder.get("start"), holder.get("boot")
    if isinstance(start, int) and isinstance(boot, str):
        # The pid runs, but is it the same process? After a reboot or in a restarted
        # container pids are reused (our own pid may equal a dead holder's).
        if boot != _boot_id() or start != _process_start(pid):
            return False
    return True


def _create_exclusive(lp: Path, payload: bytes) -> None:
    """Create ``lp`` with its content in one step (hard link of a full temp file)."""
    tmp = lp.with_name(f".{lp.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, payload)
    finally:
        os.close(fd)
    try:
        os.link(tmp, lp)
    except FileExistsError:
        raise
    except OSError as exc:  # no hard links here (FAT, some network shares): O_EXCL then write
        if exc.errno not in (
            errno.EPERM,
            errno.ENOTSUP,
            errno.EOPNOTSUPP,
            errno.EXDEV,
            errno.EMLINK,
            errno.ENOSYS,
        ):
            raise
        fd = os.open(lp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(fd, payload)
        finally:
            os.close(fd)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _take_over(lp: Path, stale: bytes) -> None:
    """Remove a stale lock, unless someone replaced it meanwhile with a live one."""
    grave = lp.with_name(f".{lp.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.stale")
    try:
        os.rename(lp, grave)  # atomic: of two processes taking over, one gets it
    except FileNotFoundError:
        return
    try:
        if _read_small(grave) != stale:
            with contextlib.suppress(OSError):
                os.link(grave, lp)  # a fresh lock moved by mistake: put it back
    finally:
        with contextlib.suppress(OSError):
            grave.unlink()


def acquire_lock(path: Path, author: str) -> Path:
    """Create ``FILE.lock`` (pid, host, author); take over a stale one (dead pid, same host)."""
    lp = lock_path(path)
    payload = json.dumps(_my_lock_record(author), sort_keys=True).encode("utf-8")
    for _attempt in range(5):
        try:
            _create_exclusive(lp, payload)
            return lp
        except FileExistsError:
            pass
        except FileNotFoundError:
            raise WorkspaceError(f"{path.parent}: no such folder") from None
        except PermissionError:
            raise WorkspaceError(
                f"cannot write in {path.parent} (read-only folder?); open the file read-only"
            ) from None
        except OSError as exc:
            raise WorkspaceError(f"cannot create {lp.name}: {_save_reason(exc)}") from None
        raw = _read_small(lp)
        if raw is None:
            continue  # released meanwhile
        holder = _parse_holder(raw)
        if _holder_alive(holder):
            raise LockedError(path, holder)
        _take_over(lp, raw)
    raise WorkspaceError(f"could not take the lock {lp.name}; try again")


def _lock_is_mine(path: Path) -> bool:
    holder = read_lock(path) or {}
    if holder.get("pid") != os.getpid() or holder.get("host") != socket.gethostname():
        return False
    start = holder.get("start")
    return start is None or start == _process_start(os.getpid())


def _remove_stale_temps(path: Path) -> None:
    """Temp files of saves, locks or backups (``upr merge``'s NAME.bak) killed half-way
    (``.NAME[.lock|.bak].<pid>.<hex>…`` of a dead pid)."""
    pattern = re.compile(
        r"^\." + re.escape(path.name) + r"(?:\.lock|\.bak)?\.(\d+)\.[0-9a-f]{8}(?:\.tmp|\.stale)?$"
    )
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent):
            m = pattern.match(entry.name)
            if m and (int(m.group(1)) == os.getpid() or not _pid_alive(int(m.group(1)))):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


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
        self._listeners: list[Listener] = []
        self._lockfile: Path | None = None
        self._closed = False
        self.warnings: list[str] = []
        self.replaced: FileReplacedError | None = None
        self.migrated_from: int | None = None
        self._pending_first_write = False
        self._raw_for_backup: bytes | None = None

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
                _remove_stale_temps(ws.path)
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
        limit = (now_ms if now_ms is not None else time.time_ns() // 1_000_000) + DAY_MS
        with _gc_paused():
            data = parse_workspace(raw, path.name) if exists else {}
            self._upgrade(data)
            newest = validate_tables(data, path.name, raw, limit)
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
            self.storage.stamp = stamp
            self.storage.size = len(raw)
        if newest:
            self.clock.observe(newest)
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
                f"got {_shown(repr(version), 30)}"
            )
        current = SCHEMA_VERSION
        if version > current:
            raise WorkspaceError(
                f"{name}: made by a newer UPR Workbench (schema {version}; this one reads up to "
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
                with _gc_paused():
                    migrate(data)
            except WorkspaceError:
                raise
            except Exception as exc:  # hostile or odd content must not crash the app
                raise WorkspaceError(
                    f"{name}: upgrading from schema {step} failed: {_shown(exc, 100)}"
                ) from None
            meta = data.get("meta", {}).get(META_ID)
            if not isinstance(meta, dict):
                raise WorkspaceError(f"{name}: upgrading from schema {step} lost meta/{META_ID}")
            meta["schema_version"] = step + 1
        self.migrated_from = version

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
                    f"cannot keep {bak.name} before upgrading {self.path.name}: {_save_reason(exc)}"
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
        if self.read_only:
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
                raise ValueError(f"{table}.{fname}: cannot be stored ({_shown(exc, 80)})") from None
            if isinstance(copy, dict | list) and _depth(copy, MAX_DEPTH) > MAX_DEPTH:
                raise ValueError(f"{table}.{fname}: nested more than {MAX_DEPTH} levels")
            if _big_number(copy):
                raise ValueError(f"{table}.{fname}: a number beyond ±2^53")
            if _long_text(copy):
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
            record = records.get(rid)
            created = record is None
            if created:
                record = schema.defaults()
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
                    clocks[change.field] = stamp
                    hid = history_id(rid, change.field, stamp)
                    history[hid] = {
                        "id": hid,
                        "table": table,
                        "record": rid,
                        "field": change.field,
                        "old": change.old,
                        "new": change.new,
                        "author": author,
                        "clock": stamp,
                    }
                    self.storage.mark_dirty("history", hid)
            self.storage.mark_dirty(table, rid)
            if record_undo:
                group = getattr(self._local, "group", None)
                if group is not None:
                    group.changes.extend(changes)
                else:
                    label = f"create {rid}" if created else f"edit {changes[-1].field}"
                    self._undo.append(UndoStep(label, list(changes)))
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
            self._local.group = UndoStep(label)
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
        """Revert the last step by new edits (new clocks, new history rows)."""
        with self._lock:
            if not self._undo:
                return None
            step = self._undo.pop()
            fired = self._revert(step, forward=False)
            self._redo.append(step)
        self._notify(fired)
        return step

    def redo(self) -> UndoStep | None:
        with self._lock:
            if not self._redo:
                return None
            step = self._redo.pop()
            fired = self._revert(step, forward=True)
            self._undo.append(step)
        self._notify(fired)
        return step

    def _revert(self, step: UndoStep, *, forward: bool) -> list[tuple[str, str, tuple[str, ...]]]:
        changes = step.changes if forward else list(reversed(step.changes))
        created = {(c.table, c.record) for c in changes if c.field == "*"}
        by_record: dict[tuple[str, str], dict[str, Any]] = {}
        for change in changes:
            key = (change.table, change.record)
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
        return fired

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
                    f"could not save {self.path.name}: {_shown(exc, 100)}"
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
                raise WorkspaceError(
                    f"could not save {self.path.name}: {_save_reason(exc)}; your edits are kept "
                    "in memory and saving will be retried"
                ) from None
            self.storage.mark_saved(version)
            self._pending_first_write = False
            if written != self.path:
                self.replaced = FileReplacedError(self.path, written)
                raise self.replaced
            return True

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
                    if _lock_is_mine(self.path):
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

    def put(self, table: str, rid: str, record: dict[str, Any]) -> None:
        """Store a whole record of a table that is not edited field by field (``conflicts``)."""
        if self.read_only:
            raise ReadOnlyError(f"{self.path.name} is open read-only")
        if table in EDITED_TABLES or table == "history":
            raise ValueError(f"records of {table} change only through edit()")
        with self._lock:
            records = self._data.setdefault(table, {})
            if rid in records:
                self.storage.before_change(table, rid)
            records[rid] = record
            self.storage.mark_dirty(table, rid)
        self._notify([(table, rid, tuple(record))])

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
                    fields = (
                        tuple(k for k in new if old.get(k) != new.get(k))
                        if isinstance(new, dict)
                        else ()
                    )
                    fired.append((table, rid, fields))
            if disk_stamp is not None:
                self.storage.stamp = disk_stamp
                self.replaced = None
        if newest:
            self.clock.observe(newest)
        self._notify(fired)
        return len(fired)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(save=exc[0] is None)


def decode_file_bytes(raw: bytes, name: str) -> bytes:
    """A workspace's JSON bytes; a gzip share copy (tui/share.py) is unpacked, within the limit."""
    if raw[:2] != b"\x1f\x8b":
        return raw
    from tui.share import gunzip_limited

    try:
        return gunzip_limited(raw, MAX_WORKSPACE_BYTES)
    except ValueError as exc:
        raise WorkspaceError(f"{name}: {exc}") from None


def field_clock(record: Mapping[str, Any], fname: str) -> str:
    """The clock of one field: its own, else the record's creation clock ("*")."""
    clocks = record.get("_clock") or {}
    return clocks.get(fname) or clocks.get("*") or ""


def check_file(path: str | os.PathLike[str]) -> str:
    """Validate a workspace without locking or writing it; returns a summary line."""
    ws = Workspace.open(path, author="check", read_only=True, create=False, lock=False)
    counts = ", ".join(
        f"{len(ws.table(t))} {t}" for t in ("recommendations", "checklist", "actions", "countries")
    )
    note = f"; schema {ws.migrated_from} would be upgraded" if ws.migrated_from else ""
    return (
        f"{clean_line(ws.path.name)}: ok (schema {ws.meta.get('schema_version')}; {counts}{note})"
    )
