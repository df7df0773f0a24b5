"""Merging two workspace files by walking them side by side (issue 13.5, DESIGN §1, §4).

A workspace file is sorted, one record per line, and two copies of one workspace share most of
their lines byte for byte. So ``upr merge`` need not hold two parsed copies (6x the files'
size): it walks both files table by table, record line by record line, in id order. A line the
two files hold alike is checked (parsed and validated, as on open) and dropped; only the records
that differ, the tables ``meta`` and ``conflicts`` (small, merged whole), and what the conflict
checks need of the history (every history id, and the rows of field edits) are kept. These go
through :func:`tui.merge.merge_tables` itself, so the merge is the same function on the same
records: a record both copies hold alike merges to itself, whichever way. The output is then
written in the same walk order: shared lines as they were, merged records encoded.

Anything this walk does not expect (a file laid out otherwise, ids out of order, a fault
validation finds, an older schema to migrate, a missing ``meta``) falls back to loading both
copies whole (:func:`tui.merge.load_copy`), which gives the exact error message or migrates.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.clock import DAY_MS
from tui.merge import (
    CONFLICTS,
    HISTORY,
    META_ID,
    MergeReport,
    MergeResult,
    Tables,
    encode_tables,
    load_copy,
    merge_tables,
    write_bytes,
)
from tui.model import EDITED_TABLES, SCHEMA_VERSION, TABLES
from tui.store import (
    MAX_WORKSPACE_BYTES,
    WARN_WORKSPACE_BYTES,
    WorkspaceError,
    WorkspaceStorage,
    validate_tables,
)
from tui.store.checks import future_warning
from tui.store.codec import (
    decode_file_bytes,
    encode_line,
    gc_paused,
    reusable_line,
    size_text,
)

try:  # the walk parses lines with orjson; without it, both copies are loaded whole
    import orjson
except ImportError:  # pragma: no cover - depends on the environment
    orjson = None  # type: ignore[assignment]

HELD_WHOLE = (META_ID, CONFLICTS)  # small tables the merge reads as a whole
_BATCH = 2048  # records validated per call of validate_tables
_BLOCK = 4096  # lines joined per chunk written
_SHIFT = 31  # a shared line is kept as one int: start << _SHIFT | length (files <= 1 GB)


class _Fallback(Exception):
    """This pair of files is not for the walk: load both whole instead."""


@dataclass
class MergedFiles:
    """A merge of two files: its report, and its file (made on demand, chunk by chunk)."""

    report: MergeReport
    changed_a: bool  # the result differs from A
    chunks: Callable[[], Iterator[bytes]]
    streamed: bool  # False when both copies were loaded whole
    warnings: list[str]  # what opening the copies warned about (B's first, as loading does)


def merge_files(
    a: Path,
    b: Path,
    *,
    open_a: Callable[[list[str]], Tables] | None = None,
    now_ms: int | None = None,
) -> MergedFiles:
    """Merge copy B into copy A, the files left untouched. Raises WorkspaceError as on open.

    ``open_a(warnings)``: how to load A whole if the walk cannot be used (default
    ``load_copy``; ``upr merge`` into A passes an open that may migrate A, as the app would).
    """
    try:
        with gc_paused():  # the walk makes and drops millions of objects, none in a cycle
            return _walk(Path(a), Path(b), now_ms)
    except _Fallback:
        pass
    warnings: list[str] = []
    tables_b = load_copy(b, warnings)
    tables_a = open_a(warnings) if open_a is not None else load_copy(a, warnings)
    result = merge_tables(tables_a, tables_b)
    return MergedFiles(
        result.report,
        bool(result.changed_a),
        lambda: iter([encode_tables(result.data)]),
        False,
        warnings,
    )


# -- one file's layout ----------------------------------------------------------------------


def _read(path: Path) -> bytes:
    try:
        raw = decode_file_bytes(path.read_bytes(), path.name)
    except (OSError, WorkspaceError):
        raise _Fallback from None
    if len(raw) > MAX_WORKSPACE_BYTES:
        raise _Fallback
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    return raw


def _index(raw: bytes) -> dict[str, tuple[int, int]]:
    """Table name -> (first record line, its closing line) in the store's own layout."""
    loads = orjson.loads
    if not raw.startswith(b"{\n") or not raw.endswith(b"\n}\n"):
        raise _Fallback
    last = len(raw) - 2
    pos = 2
    tables: dict[str, tuple[int, int]] = {}
    previous = None
    while pos < last:
        end = raw.find(b"\n", pos)
        head = raw[pos:end]
        try:
            if head.endswith((b":{}", b":{},")):
                name = loads(head[: head.rindex(b":{}")])
                comma = head.endswith(b",")
                span = (end + 1, end + 1)
                pos = end + 1
            elif head.endswith(b":{"):
                name = loads(head[:-2])
                close = raw.find(b"\n}", end)
                if close < 0 or close == end:
                    raise _Fallback
                line_end = raw.find(b"\n", close + 1)
                closing = raw[close + 1 : line_end]
                if closing not in (b"}", b"},"):
                    raise _Fallback
                comma = closing == b"},"
                span = (end + 1, close + 1)
                pos = line_end + 1
            else:
                raise _Fallback
        except orjson.JSONDecodeError:
            raise _Fallback from None
        if type(name) is not str or name in tables or comma != (pos < last):
            raise _Fallback
        if previous is not None and name <= previous:
            raise _Fallback  # tables out of order: not written by the store
        tables[name] = span
        previous = name
    if pos != last:
        raise _Fallback
    return tables


def _lines(raw: bytes, span: tuple[int, int]) -> Iterator[tuple[str, int, int, int]]:
    """(id, start, cut, stop) of each record line of a table, in order; ids strictly rising."""
    loads = orjson.loads
    pos, close = span
    previous = None
    while pos < close:
        end = raw.find(b"\n", pos)
        stop = end - 1 if raw[end - 1] == 0x2C else end
        if (stop == end) != (end + 1 == close) or raw[pos] != 0x22:
            raise _Fallback  # a comma missing or one too many
        cut = raw.find(b'":{', pos, stop)
        if cut < 0:
            raise _Fallback
        try:
            rid = loads(raw[pos : cut + 1])
        except orjson.JSONDecodeError:
            raise _Fallback from None
        if type(rid) is not str or (previous is not None and rid <= previous):
            raise _Fallback  # ids out of order, or twice: the exact message comes from a load
        yield rid, pos, cut + 2, stop
        previous = rid
        pos = end + 1


# -- checking records as they pass -------------------------------------------------------------


class _Checker:
    """Validates one file's records in batches, exactly as opening the file does."""

    def __init__(self, name: str, limit_ms: int) -> None:
        self.name = name
        self.limit_ms = limit_ms
        self.table = ""
        self.pending: dict[str, Any] = {}
        self.texts: list[bytes] = []
        self.shared: list[tuple[str, dict[str, Any], bytes]] = []  # lines both files hold
        self.on_shared: Callable[[str, str, dict[str, Any], bool], None] | None = None
        self.future: dict[str, tuple[int, int]] = {}  # clocks far ahead: author -> (ms, count)

    def add(self, table: str, rid: str, record: Any, line: bytes, shared: bool) -> None:
        if table != self.table:
            self.flush()
            self.table = table
        self.pending[rid] = record
        self.texts.append(line)
        if shared:
            self.shared.append((rid, record, line))
        if len(self.pending) >= _BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        try:
            validate_tables(
                {self.table: self.pending},
                self.name,
                b"\n".join(self.texts),
                self.limit_ms,
                self.future,
            )
        except WorkspaceError:
            raise _Fallback from None  # loading the file whole gives the message with its line
        if self.on_shared is not None:
            for rid, record, line in self.shared:
                self.on_shared(self.table, rid, record, reusable_line(rid, record, line))
        self.pending, self.texts, self.shared = {}, [], []


# -- the walk -------------------------------------------------------------------------------


class _History(Mapping[str, Any]):
    """One copy's history as the conflict checks read it: every id, and the rows that matter.

    ``ids`` holds the ids of rows both copies share; ``rows`` this copy's own rows and the
    shared rows of field edits (``tui.merge._Side.initial`` reads those; creation rows only
    by id). So ``in`` answers for the whole history and ``values()`` gives what is needed.
    """

    def __init__(self, shared_ids: set[str], rows: dict[str, Any]) -> None:
        self.shared_ids = shared_ids
        self.rows = rows

    def __contains__(self, key: object) -> bool:
        return key in self.rows or key in self.shared_ids

    def __getitem__(self, key: str) -> Any:
        return self.rows[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def _walk(a: Path, b: Path, now_ms: int | None) -> MergedFiles:
    if orjson is None:
        raise _Fallback
    started = time.perf_counter()
    loads = orjson.loads
    raw_b = _read(b)  # B first, as the whole load does: its error is the one shown
    raw_a = _read(a)
    index_a, index_b = _index(raw_a), _index(raw_b)
    now = now_ms if now_ms is not None else time.time_ns() // 1_000_000
    limit = now + DAY_MS
    check_a, check_b = _Checker(a.name, limit), _Checker(b.name, limit)
    check_both = _Checker(a.name, limit)  # lines the two files hold alike
    names = sorted(set(TABLES) | set(index_a) | set(index_b))
    reduced_a: dict[str, dict[str, Any]] = {name: {} for name in names}
    reduced_b: dict[str, dict[str, Any]] = {name: {} for name in names}
    shared_ids: set[str] = set()
    shared_rows: dict[str, Any] = {}
    fixed: dict[str, dict[str, Any]] = {}  # shared lines to encode again (not canonical)
    plans: dict[str, list[int | str]] = {}
    shared_records = 0  # records of the edited tables both files hold alike

    def on_shared(table: str, rid: str, record: dict[str, Any], reusable: bool) -> None:
        if table == HISTORY and record.get("field") not in (None, "*"):
            shared_rows[rid] = record
        if not reusable:
            fixed.setdefault(table, {})[rid] = record

    check_both.on_shared = on_shared
    empty = (0, 0)
    for name in names:
        whole = name in HELD_WHOLE
        plan: list[int | str] = []
        plans[name] = plan
        mine_a, mine_b = reduced_a[name], reduced_b[name]
        history = name == HISTORY
        edited = name in EDITED_TABLES
        lines_a = _lines(raw_a, index_a.get(name, empty))
        lines_b = _lines(raw_b, index_b.get(name, empty))
        la = next(lines_a, None)
        lb = next(lines_b, None)
        while la is not None or lb is not None:
            if lb is None or (la is not None and la[0] < lb[0]):
                rid, start, cut, stop = la  # type: ignore[misc]
                line = raw_a[start:stop]
                record = _record(loads, line, cut - start)
                check_a.add(name, rid, record, line, False)
                mine_a[rid] = record
                plan.append(rid)
                la = next(lines_a, None)
                continue
            if la is None or lb[0] < la[0]:
                rid, start, cut, stop = lb
                line = raw_b[start:stop]
                record = _record(loads, line, cut - start)
                check_b.add(name, rid, record, line, False)
                mine_b[rid] = record
                plan.append(rid)
                lb = next(lines_b, None)
                continue
            rid, start, cut, stop = la
            line = raw_a[start:stop]
            line_b = raw_b[lb[1] : lb[3]]
            if line == line_b and not whole:
                record = _record(loads, line, cut - start)
                check_both.add(name, rid, record, line, True)
                if history:
                    shared_ids.add(rid)
                elif edited:
                    shared_records += 1
                plan.append(start << _SHIFT | (stop - start))
            else:
                record = _record(loads, line, cut - start)
                check_a.add(name, rid, record, line, False)
                mine_a[rid] = record
                record_b = _record(loads, line_b, lb[2] - lb[1])
                check_b.add(name, rid, record_b, line_b, False)
                mine_b[rid] = record_b
                plan.append(rid)
            la, lb = next(lines_a, None), next(lines_b, None)
        check_a.flush()
        check_b.flush()
        check_both.flush()
        if name == META_ID:
            _check_meta(mine_a.get(META_ID))
            _check_meta(mine_b.get(META_ID))
    histories = (
        _History(shared_ids, {**shared_rows, **reduced_a[HISTORY]}),
        _History(shared_ids, {**shared_rows, **reduced_b[HISTORY]}),
    )
    result = merge_tables(reduced_a, reduced_b, histories=histories)
    warnings = [
        *_warnings(b, check_b.future, check_both.future, now),
        *_warnings(a, check_a.future, check_both.future, now),
    ]
    # Records both hold alike are records in common too. With none in common at all, every
    # record was held, so merge_tables saw the copies' countries whole.
    result.report.common_records += shared_records
    if result.report.common_records:
        result.report.unrelated = ""
    result.report.seconds = time.perf_counter() - started

    def chunks() -> Iterator[bytes]:
        return _chunks(names, plans, raw_a, result, fixed)

    return MergedFiles(result.report, bool(result.changed_a), chunks, True, warnings)


def _warnings(
    path: Path, own: dict[str, tuple[int, int]], shared: dict[str, tuple[int, int]], now: int
) -> list[str]:
    """What opening the file warns about (``Workspace._load``): its size, clocks far ahead."""
    out = []
    size = path.stat().st_size
    if size > WARN_WORKSPACE_BYTES:
        out.append(f"{path.name} is {size // 1_000_000} MB; consider archiving old cycles")
    future = dict(own)
    for author, (ms, count) in shared.items():
        most, seen = future.get(author, (0, 0))
        future[author] = (max(most, ms), seen + count)
    if future:
        out.append(future_warning(path.name, future, now))
    return out


def _record(loads: Callable[[bytes], Any], line: bytes, cut: int) -> Any:
    try:
        record = loads(line[cut:])
    except orjson.JSONDecodeError:
        raise _Fallback from None
    if type(record) is not dict:
        raise _Fallback
    return record


def _check_meta(meta: Any) -> None:
    """The walk merges files of this schema only: an older one is migrated by a whole load."""
    if not isinstance(meta, dict) or meta.get("schema_version") != SCHEMA_VERSION:
        raise _Fallback


def _chunks(
    names: list[str],
    plans: dict[str, list[int | str]],
    raw_a: bytes,
    result: MergeResult,
    fixed: dict[str, dict[str, Any]],
) -> Iterator[bytes]:
    """The merged file, as ``WorkspaceStorage`` lays it out (sorted, one record per line)."""
    yield b"{\n"
    for i, name in enumerate(names):
        end = b"\n}\n" if i == len(names) - 1 else b",\n"
        head = json.dumps(name, ensure_ascii=False).encode("utf-8") + b":{"
        first = True
        block: list[bytes] = []
        for line in _table_lines(name, plans[name], raw_a, result.data.get(name, {}), fixed):
            block.append(line)
            if len(block) >= _BLOCK:
                yield (head + b"\n" if first else b",\n") + b",\n".join(block)
                first, block = False, []
        if first and not block:
            yield head + b"}" + end
        elif block:
            yield (head + b"\n" if first else b",\n") + b",\n".join(block) + b"\n}" + end
        else:
            yield b"\n}" + end


def _table_lines(
    name: str,
    plan: list[int | str],
    raw_a: bytes,
    merged: Mapping[str, Any],
    fixed: dict[str, dict[str, Any]],
) -> Iterator[bytes]:
    if name in HELD_WHOLE:
        for rid in sorted(merged):
            yield encode_line(rid, merged[rid])
        return
    mask = (1 << _SHIFT) - 1
    redo = fixed.get(name, {})
    for item in plan:
        if type(item) is int:
            start = item >> _SHIFT
            yield raw_a[start : start + (item & mask)]
        else:
            rid = str(item)
            record = merged.get(rid)
            yield encode_line(rid, record if record is not None else redo[rid])


def write_merged(path: str | Path, merged: MergedFiles, *, gz: bool | None = None) -> int:
    """Write a merge atomically, as ``tui.merge.write_tables`` would; returns the bytes written.

    ``gz``: compress (default: when the name ends in ``.gz``).
    """
    from tui.share import gzip_bytes

    target = Path(path)
    if target.name.endswith(".gz") if gz is None else gz:
        plain = b"".join(merged.chunks())
        if len(plain) > MAX_WORKSPACE_BYTES:  # it unpacks past what every command opens
            raise WorkspaceError(
                f"{target.name}: not written: it would unpack to more than the "
                f"{size_text(MAX_WORKSPACE_BYTES)} limit for a workspace"
            )
        payload = gzip_bytes(plain)
        del plain
        write_bytes(target, payload)
        return len(payload)
    storage = WorkspaceStorage(target)
    storage.write_chunks(merged.chunks())
    return storage.size
