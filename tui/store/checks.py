"""Schema checks of loaded records (DESIGN §2, §4), as one compiled check object per table.

:class:`TableCheck` answers "surely valid" fast for the common record and falls back to
``model.validate_record`` for the exact message; :data:`CHECKS` holds one per known table.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from tui.model import (
    CLOCK_RE,
    EDITED_TABLES,
    FIELD_KINDS,
    SCHEMAS,
    Schema,
    validate_record,
)
from tui.sanitize import MAX_STRING
from tui.store.codec import SURROGATE_ESCAPE, find_line, gc_paused
from tui.store.errors import WorkspaceError, shown

MAX_DEPTH = 32  # nesting of a value inside a record; ours never exceed 3
MAX_ID_LENGTH = 1_000
MAX_SAFE_NUMBER = 2**53  # larger numbers lose precision in many JSON readers (and in orjson)
_ATOMS = (str, int, float, bool, type(None))


def depth_of(value: Any, limit: int) -> int:
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


def has_big_number(value: Any) -> bool:
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


def has_long_text(value: Any) -> bool:
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


class FastCheck:
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
            if fname in schema.sparse:
                continue  # written only when set: such a record takes the slow path
            kind = FIELD_KINDS.get(check)
            if kind == "string":
                self.strings.append(fname)
            elif kind == "bool":
                self.bools.append(fname)
            elif kind == "string_list":
                self.lists.append(fname)
            elif kind == "mapping":
                self.flat_maps.append(fname)
            elif kind == "any":
                self.loose.append(fname)
            elif hasattr(check, "allowed"):
                self.enums.append((fname, check.allowed, getattr(check, "optional", False)))
            elif hasattr(check, "bounds"):
                lo, hi = check.bounds
                self.ints.append((fname, lo, hi))
            else:
                self.other.append((fname, check))
        self.clocked = clocked
        self.size = len(schema.fields) - len(schema.sparse) + (1 if clocked else 0)

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


FAST_CHECKS = {
    table: FastCheck(schema, table in EDITED_TABLES) for table, schema in SCHEMAS.items()
}


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
        if isinstance(value, dict | list) and depth_of(value, MAX_DEPTH) > MAX_DEPTH:
            return f"field {shown(fname, 40)!r}: nested more than {MAX_DEPTH} levels"
        if has_big_number(value):
            return f"field {shown(fname, 40)!r}: a number beyond ±2^53"
        if len(fname) > MAX_STRING or has_long_text(value):
            return f"field {shown(fname, 40)!r}: a string longer than {MAX_STRING} characters"
    if schema is not None and table in EDITED_TABLES and "_clock" not in record:
        record["_clock"] = {}
    if schema is not None:
        for fname in schema.fields.keys() - record.keys() - schema.sparse:
            # A field missing from a file made elsewhere gets its default in memory, so the
            # rest of the app can rely on every field being there.
            record[fname] = rid if fname == "id" else schema.defaults()[fname]
    return None


def validate_tables(
    data: dict[str, dict[str, Any]],
    name: str,
    raw: bytes,
    max_clock_ms: int,
    future: dict[str, tuple[int, int]] | None = None,
) -> str:
    """Check every record (DESIGN §2, §4); raise WorkspaceError naming record and field.

    Returns the greatest clock seen up to ``max_clock_ms`` (``""`` if none), for the hybrid
    clock to move past. Clocks beyond it (a wrong date somewhere) are accepted, never refused
    (DESIGN §4): ``future`` collects them as author -> (greatest ms, how many).
    """
    max_ms = f"{max_clock_ms:013d}"
    newest = ""
    surrogates = SURROGATE_ESCAPE.search(raw) is not None

    def fail(table: str, rid: str, fault: str) -> WorkspaceError:
        head = b"\n" + json.dumps(table, ensure_ascii=False).encode("utf-8") + b":"
        start = raw.find(head)
        line = None
        if start >= 0:
            line = find_line(raw, json.dumps(rid, ensure_ascii=False).encode("utf-8") + b":", start)
        where = f" (line {line})" if line else ""
        return WorkspaceError(f"{name}: {shown(table)}/{shown(rid, 80)}{where}: {fault}")

    with gc_paused():
        for table, records in data.items():
            if len(table) > MAX_ID_LENGTH:
                raise WorkspaceError(f"{name}: a table name longer than {MAX_ID_LENGTH} characters")
            schema = SCHEMAS.get(table)
            fast = FAST_CHECKS.get(table)
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
                                f"field '_clock.{shown(fname, 40)}': malformed "
                                f"clock {shown(clock)!r}",
                            )
                        if clock[:13] > max_ms:
                            _note_future(future, clock)
                        elif clock > newest:
                            newest = clock
                elif table == "history":
                    clock = record["clock"]
                    if type(clock) is not str or not CLOCK_RE.match(clock):
                        raise fail(table, rid, f"field 'clock': malformed clock {shown(clock)!r}")
                    if clock[:13] > max_ms:
                        _note_future(future, clock)
                    elif clock > newest:
                        newest = clock
                if surrogates and _bad_text(record):
                    bad = next((k for k, v in record.items() if _bad_text(v)), "?")
                    raise fail(
                        table,
                        rid,
                        f"field {shown(bad, 40)!r}: text is not valid Unicode "
                        "(a lone surrogate escape)",
                    )
    return newest


def _note_future(future: dict[str, tuple[int, int]] | None, clock: str) -> None:
    if future is None:
        return
    author = clock[21:]
    ms = int(clock[:13])
    most, count = future.get(author, (0, 0))
    future[author] = (max(most, ms), count + 1)


def future_warning(name: str, future: dict[str, tuple[int, int]], now_ms: int) -> str:
    """The one warning about clocks far ahead (DESIGN §4): each author and how far ahead."""
    parts = [
        f"{shown(author, 64)} ({_duration(ms - now_ms)} ahead, {count} edit(s))"
        for author, (ms, count) in sorted(future.items(), key=lambda kv: -kv[1][0])
    ]
    listed = ", ".join(parts[:5]) + (f" and {len(parts) - 5} more" if len(parts) > 5 else "")
    return (
        f"{name}: clocks of {listed} are ahead of this computer's (a wrong date on their "
        "computer, or on this one?); kept for ordering, and later edits here still win"
    )


def _duration(ms: int) -> str:
    hours = ms / 3_600_000
    if hours < 48:
        return f"{hours:.0f} h"
    days = hours / 24
    return f"{days:.0f} days" if days < 730 else f"{days / 365.25:.0f} years"


# -- what ``upr check`` reports beyond validity (issue 15.8) ----------------------------------------


def hidden_data(data: dict[str, dict[str, Any]], known: Iterable[str]) -> list[str]:
    """What a valid file holds that the app never shows: a table of unknown name (``Recommendations``)
    and records that sit in another table than their own. Each as a short phrase."""
    known_tables = set(known)
    problems = [
        f"table {shown(table)!r} is not a table this version knows "
        f"({len(records)} record(s) the app does not show)"
        for table, records in sorted(data.items())
        if table not in known_tables
    ]
    problems += _moved_records(data)
    return problems


def _moved_records(data: dict[str, dict[str, Any]]) -> list[str]:
    """Records found in another table than their history, or their fields, say."""
    found: list[str] = []
    seen: set[str] = set()
    home: dict[str, str] = {}
    for row in data.get("history", {}).values():
        if isinstance(row, dict) and isinstance(row.get("table"), str):
            home.setdefault(str(row.get("record")), row["table"])
    for table, schema in SCHEMAS.items():
        if table == "history":
            continue  # its rows are checked by the clock and field checks
        for rid, record in data.get(table, {}).items():
            if rid in seen or not isinstance(record, dict):
                continue
            said = home.get(rid)
            if said and said != table and rid not in data.get(said, {}):
                found.append(
                    f"{table}/{shown(rid, 80)}: a record of {shown(said)} moved into {table} "
                    "(its history says so); the app does not show it there"
                )
                seen.add(rid)
                continue
            foreign = set(record) - set(schema.fields) - {"_clock"}
            if len(foreign) < 2:
                continue
            for other in EDITED_TABLES:
                if other != table and foreign <= set(SCHEMAS[other].fields) | {"_clock"}:
                    found.append(
                        f"{table}/{shown(rid, 80)}: its fields ({', '.join(sorted(foreign)[:4])}) "
                        f"are those of a record of {other}; the app does not show it there"
                    )
                    seen.add(rid)
                    break
    return found
