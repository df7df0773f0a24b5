"""The workspace file format: canonical encoding of a record, and parsing a file (DESIGN §1).

One record per line, tables and ids sorted, UTF-8 kept. Parsing refuses what JSON readers
would silently accept differently (duplicate ids, NaN, huge numbers), with a line number.
"""

from __future__ import annotations

import contextlib
import gc
import gzip
import io
import json
import math
import re
import zlib
from collections.abc import Iterator, Mapping
from typing import Any

from tui.store.errors import WorkspaceError, shown

_orjson: Any
try:  # orjson parses a file we wrote ~3x faster, line by line (see parse_workspace)
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson = None

MAX_WORKSPACE_BYTES = 1_000_000_000
WARN_WORKSPACE_BYTES = 200_000_000
FREEZE_ROWS = 10_000  # above this many records, loaded objects are kept out of GC scans


def size_text(limit: int) -> str:
    """``1 GB`` for the workspace limit (and plain bytes for a limit a test sets lower)."""
    if limit % 1_000_000_000 == 0:
        return f"{limit // 1_000_000_000} GB"
    if limit % 1_000_000 == 0:
        return f"{limit // 1_000_000} MB"
    return f"{limit:,} bytes"


# -- encoding ---------------------------------------------------------------------------------


def encode_record(record: Mapping[str, Any]) -> str:
    """The canonical text of one record: keys sorted, no spaces, UTF-8 kept, no NaN."""
    return json.dumps(
        record, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )


def encode_line(rid: str, record: Mapping[str, Any]) -> bytes:
    return (json.dumps(rid, ensure_ascii=False) + ":" + encode_record(record)).encode("utf-8")


def line_length(rid: str, record: Mapping[str, Any]) -> int:
    """Bytes of ``encode_line(rid, record)``, fast (orjson writes the same bytes, but for
    exponents; an estimate of a file's size needs no more)."""
    if _orjson is not None:
        try:
            return (
                len(_orjson.dumps(rid))
                + 1
                + len(_orjson.dumps(record, option=_orjson.OPT_SORT_KEYS))
            )
        except TypeError:
            pass
    try:
        return len(encode_line(rid, record))
    except (TypeError, ValueError):
        return 0  # a value the edit will refuse anyway


# A number with an exponent: orjson writes 1e16 and 1e-7 where json writes 1e+16 and 1e-07.
# (Inside a string a match only costs the line being encoded again.)
_EXPONENT = re.compile(rb"[:,\[]-?[0-9.]+[eE]")


def reusable_line(rid: str, record: Mapping[str, Any], line: bytes) -> bool:
    """True if ``line`` (read from a file) is byte for byte what ``encode_line`` would write.

    Keeping a file's own lines spares re-encoding every record at the first save (2 s of
    ``json.dumps`` at 100k, issue 13.5). orjson checks it ~10x faster than ``json`` encodes:
    both write the same compact, sorted, UTF-8 JSON for strings, integers, booleans, null,
    lists and objects; the only difference, exponents, is declined (and re-encoded).
    """
    if _orjson is None:
        return False
    try:
        head = _orjson.dumps(rid)
        body = _orjson.dumps(record, option=_orjson.OPT_SORT_KEYS)
    except TypeError:  # a lone surrogate, an integer beyond 64 bits: json decides
        return False
    cut = len(head)
    return (
        len(line) == cut + 1 + len(body)
        and line.startswith(head)
        and line.endswith(body)
        and line[cut] == 0x3A  # ":"
        and _EXPONENT.search(body) is None
    )


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


SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_CONSTANT = re.compile(rb"[:,\[]\s*-?(?:NaN|Infinity)")


def _line_at(raw: bytes, pos: int) -> int:
    return raw.count(b"\n", 0, max(pos, 0)) + 1


def find_line(raw: bytes, needle: bytes, start: int = 0) -> int | None:
    pos = raw.find(needle, start)
    return None if pos < 0 else _line_at(raw, pos)


def parse_workspace(
    raw: bytes, name: str, lines: dict[str, dict[str, bytes]] | None = None
) -> dict[str, dict[str, Any]]:
    """Parse a workspace file: UTF-8 JSON, an object of tables, each an object of records.

    Refuses a table or record id that appears twice (JSON parsers silently keep the last, so
    one copy of a record could hide another), NaN/Infinity and nesting too deep for the parser,
    with one line naming the file and, where it can, the line. (A field twice inside one
    record keeps the last, as every JSON reader does.) Garbage collection is paused meanwhile:
    the parser makes millions of objects and the collector would rescan them many times.

    A file in our own layout (one record per line) is parsed line by line with orjson when it
    is installed; anything else, or anything odd on a line, goes to the stdlib parser, which
    gives the exact error. Both accept and refuse the same files. ``lines``, if given, gets
    each record's line as read (``"id":{...}``, table -> id -> bytes) when the file is in our
    layout, for the storage to keep instead of encoding the record again.
    """
    if len(raw) > MAX_WORKSPACE_BYTES:
        raise WorkspaceError(f"{name}: larger than the 1 GB limit for a workspace")
    if raw.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte order mark some editors add: harmless
        raw = raw[3:]
    if _orjson is not None:
        with gc_paused():
            fast = _parse_lines(raw, name, lines)
        if fast is not None:
            return fast
        if lines is not None:
            lines.clear()
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

    with gc_paused():
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
            raise WorkspaceError(f"{name}: not valid JSON: {shown(exc, 100)}") from None
    if not isinstance(data, dict):
        raise WorkspaceError(f"{name}: not a workspace (the top level is not an object of tables)")
    for table, records in data.items():
        if not isinstance(records, dict):
            raise WorkspaceError(f"{name}: table {shown(table)!r} is not an object of records")
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
    line = find_line(raw, needle, first + 1) if first >= 0 else None
    where = f" (line {line})" if line else ""
    if obj is data:
        return f"{name}: table {shown(key)!r} appears twice{where}"
    for table, records in data.items():
        if obj is records:
            return f"{name}: {shown(table)}: record id {shown(key)!r} appears twice{where}"
    return None


def _parse_lines(
    raw: bytes, name: str, keep: dict[str, dict[str, bytes]] | None = None
) -> dict[str, dict[str, Any]] | None:
    """Parse our own layout line by line with orjson; None if the file is laid out otherwise.

    Exactly the layout ``WorkspaceStorage`` writes: ``{``, per table a head line ``"t":{``
    (or ``"t":{}``), one ``"id":{...}`` per line with commas where JSON needs them, ``}``.
    Each record line must parse alone as one object, so every record id is seen (orjson keeps
    the last of two equal keys, like ``json``): duplicates are found without a Python hook on
    every object, which makes the stdlib path ~2.5x slower. Any irregularity: None.
    ``keep`` gets each record's line (see ``parse_workspace``).
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
                kept: dict[str, bytes] | None = None
                if keep is not None and type(tname) is str:
                    kept = keep[tname] = {}
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
                            f"{name}: {shown(tname)}: record id {shown(rid)!r} appears twice "
                            f"(line {lineno})"
                        )
                    records[rid] = record
                    if kept is not None:
                        kept[rid] = raw[pos:stop]
                    pos, lineno = end + 1, lineno + 1
            else:
                return None
            if type(tname) is not str or comma != (pos < last):
                return None
            if tname in data:
                raise WorkspaceError(
                    f"{name}: table {shown(tname)!r} appears twice (line {head_line})"
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
def gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# zlib's default level: ~96% of level 9's ratio on workspace JSON in about half the time.
GZIP_LEVEL = 6


def gzip_bytes(payload: bytes) -> bytes:
    """Deterministic gzip: fixed level, mtime 0, no file name in the header."""
    return gzip.compress(payload, compresslevel=GZIP_LEVEL, mtime=0)


def gunzip_limited(raw: bytes, limit: int) -> bytes:
    """Decompress, refusing more than ``limit`` bytes (a small attachment may unpack to gigabytes).

    Raises ValueError with a short phrase for a damaged or oversized file.
    """
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw), mode="rb") as fh:
            data = fh.read(limit + 1)
    except (OSError, EOFError, zlib.error):
        raise ValueError("not a valid gzip file (damaged or cut short)") from None
    if len(data) > limit:
        raise ValueError(f"unpacks to more than the {limit // 1_000_000} MB limit for a workspace")
    return data


def decode_file_bytes(raw: bytes, name: str) -> bytes:
    """A workspace's JSON bytes; a gzip share copy (tui/share.py) is unpacked, within the limit."""
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gunzip_limited(raw, MAX_WORKSPACE_BYTES)
    except ValueError as exc:
        raise WorkspaceError(f"{name}: {exc}") from None
