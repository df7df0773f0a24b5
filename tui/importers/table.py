"""Any other CSV/XLSX of recommendations, read through a column mapping.

The mapping is a YAML file (read with ``yaml.safe_load``) or a dict::

    columns:            # our field: the column's header in the file (case-insensitive)
      text: Recommendation
      paragraph: Para
      recommending: Recommending State
      position: Response
      themes: Theme
    defaults:           # values for fields no column gives
      country: SVN
      document: A/HRC/59/15
      session: 48
      mechanism: UPR
    positions:          # cell value: our position
      Accepted: supported
    separator: ";"      # between items of list cells (themes, recommending, ...)
    sheet: Sheet1       # XLSX only; default the first sheet
    header_row: 1       # the row holding the column headers

Without a mapping the columns are guessed from usual header names; without a text column the
file is refused with a clear message.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from tui.ids import hash_id, upr_id
from tui.importers.base import ImportBatch, Progress, SourceError
from tui.importers.common import (
    TABLE_LIMIT,
    as_int,
    check_zip,
    clean_field,
    clean_line,
    cycle_of_session,
    peel_states,
    position_from_word,
    read_text_file,
    resolve,
    resolve_or_keep,
    sdg_code,
    strip_addendum,
)

FIELDS = (
    "text",
    "paragraph",
    "recommending",
    "position",
    "themes",
    "groups",
    "sdgs",
    "country",
    "session",
    "cycle",
    "document",
    "mechanism",
    "body",
    "action_category",
)
LIST_FIELDS = ("recommending", "themes", "groups", "sdgs")
_GUESSES: dict[str, tuple[str, ...]] = {
    "text": (
        "recommendation",
        "recommendations",
        "text",
        "recommendation text",
        "full text",
        "full recommendation",
    ),
    "paragraph": (
        "paragraph",
        "para",
        "para.",
        "paragraph number",
        "no.",
        "number",
        "ref",
        "reference",
        "rec. no.",
        "recommendation number",
    ),
    "recommending": (
        "recommending state",
        "recommending states",
        "recommending country",
        "recommending countries",
        "from",
        "recommended by",
        "state",
    ),
    "position": ("position", "response", "position of the state under review", "support"),
    "themes": ("themes", "theme", "issue", "issues", "human rights themes", "thematic area"),
    "groups": ("groups", "groups of persons", "affected persons", "affected groups"),
    "sdgs": ("sdgs", "sdg", "relevant sdgs", "sdg goals"),
    "country": ("country", "state under review", "sur", "to", "countries"),
    "session": ("session", "upr session"),
    "cycle": ("cycle", "upr cycle"),
    "document": ("document", "symbol", "document symbol"),
    "mechanism": ("mechanism",),
    "body": ("body", "treaty body"),
    "action_category": ("action", "action category"),
}


def load_mapping(mapping: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """A mapping dict from a YAML file (safe_load only) or a dict; checked for shape."""
    if isinstance(mapping, Mapping):
        data: Any = dict(mapping)
        name = "mapping"
    else:
        import yaml

        path = Path(mapping)
        name = path.name
        try:
            if path.stat().st_size > 1024 * 1024:
                raise SourceError(f"{name}: a column mapping larger than 1 MB; refused")
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise SourceError(f"{name}: cannot read the mapping ({exc.strerror or exc})") from exc
        except UnicodeDecodeError as exc:
            raise SourceError(f"{name}: the mapping is not UTF-8 text") from exc
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise SourceError(f"{name}: not valid YAML{where}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("columns", {}), dict):
        raise SourceError(f"{name}: expected 'columns: {{field: header, ...}}'")
    # Only plain values: YAML aliases can nest a list a billion items deep in a few lines, and
    # turning that into text (str() below) would never finish.
    for section in ("columns", "defaults", "positions"):
        items = data.get(section) or {}
        if isinstance(items, dict) and not all(_plain(k) and _plain(v) for k, v in items.items()):
            raise SourceError(f"{name}: '{section}' must map names to plain text or numbers")
    for key in ("separator", "sheet", "header_row"):
        if not _plain(data.get(key)):
            raise SourceError(f"{name}: '{key}' must be plain text or a number")
    columns = {str(k): str(v) for k, v in (data.get("columns") or {}).items() if v is not None}
    unknown = [k for k in columns if k not in FIELDS]
    if unknown:
        raise SourceError(
            f"{name}: unknown field(s) {', '.join(unknown)} (known: {', '.join(FIELDS)})"
        )
    defaults = data.get("defaults") or {}
    positions = data.get("positions") or {}
    if not isinstance(defaults, dict) or not isinstance(positions, dict):
        raise SourceError(f"{name}: 'defaults' and 'positions' must be mappings")
    bad = [v for v in positions.values() if position_from_word(str(v)) is None]
    if bad:
        raise SourceError(
            f"{name}: position value {bad[0]!r} is not supported/supported_in_part/noted/pending"
        )
    return {
        "columns": columns,
        "defaults": {str(k): v for k, v in defaults.items()},
        "positions": {str(k).casefold(): position_from_word(str(v)) for k, v in positions.items()},
        "separator": str(data.get("separator") or ""),
        "sheet": data.get("sheet"),
        "header_row": as_int(data.get("header_row")) or 1,
    }


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _guess_columns(header: list[str]) -> dict[str, str]:
    folded = {h.casefold().strip(): h for h in header if h}
    out: dict[str, str] = {}
    for field, names in _GUESSES.items():
        for name in names:
            if name in folded and folded[name] not in out.values():
                out[field] = folded[name]
                break
    return out


def _csv_rows(path: Path, batch: ImportBatch, progress: Progress | None) -> Iterator[list[Any]]:
    text = read_text_file(path, TABLE_LIMIT, "the CSV file", batch)
    first = re.split(r"\r\n|\r|\n", text[:65536], maxsplit=1)[0]
    # The header line decides the delimiter: the most frequent of tab, semicolon and comma.
    delimiter = max("\t;,", key=lambda d: (first.count(d), d == ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as exc:
        raise SourceError(f"{path.name}: broken CSV at line {reader.line_num} ({exc})") from exc


def _xlsx_rows(path: Path, sheet: Any, batch: ImportBatch) -> Iterator[list[Any]]:
    check_zip(path, TABLE_LIMIT, "Excel .xlsx")
    import openpyxl

    try:
        book = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise SourceError(
            f"{path.name}: not a readable Excel workbook ({type(exc).__name__})"
        ) from exc
    try:
        if sheet is not None:
            if str(sheet) not in book.sheetnames:
                raise SourceError(
                    f"{path.name}: no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})"
                )
            ws = book[str(sheet)]
        else:
            ws = book.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                break
            except Exception as exc:  # the sheet's XML is parsed while reading: broken, a bomb...
                raise SourceError(
                    f"{path.name}: damaged Excel sheet ({type(exc).__name__})"
                ) from exc
            yield list(row)
    finally:
        book.close()


def _cell_text(value: Any, field: str, batch: ImportBatch, row_no: int) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and field == "paragraph":
        shown = repr(value)
        batch.warn(
            row_no,
            f"paragraph {shown} is stored as a number ('140.10' and '140.1' look"
            " alike); check it, or format the column as text",
        )
        return shown
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _split_list(value: str, separator: str) -> list[str]:
    if not value.strip():
        return []
    if separator:
        parts = value.split(separator)
    elif "\n" in value:
        parts = value.split("\n")
    else:
        parts = re.split(r"\s*;\s*", value) if ";" in value else value.split(",")
    return [p for p in (clean_line(re.sub(r"^\s*[-•]\s+", "", x)) for x in parts) if p]


def parse_table(
    path: Path,
    *,
    mapping: str | Path | Mapping[str, Any] | None = None,
    country: str | None = None,
    symbol: str | None = None,
    mechanism: str | None = None,
    progress: Progress | None = None,
) -> ImportBatch:
    """Recommendations from a CSV/XLSX file through a column mapping (or guessed columns)."""
    batch = ImportBatch(kind="table", source_file=path.name)
    spec = (
        load_mapping(mapping)
        if mapping is not None
        else {
            "columns": {},
            "defaults": {},
            "positions": {},
            "separator": "",
            "sheet": None,
            "header_row": 1,
        }
    )
    is_xlsx = path.suffix.casefold() in (".xlsx", ".xlsm")
    rows = _xlsx_rows(path, spec["sheet"], batch) if is_xlsx else _csv_rows(path, batch, progress)
    header: list[str] = []
    for row_no, row in enumerate(rows, start=1):
        if row_no == spec["header_row"]:
            header = [clean_line(str(c)) if c is not None else "" for c in row]
            break
    if not header:
        raise SourceError(f"{path.name}: no header row")
    columns = spec["columns"] or _guess_columns(header)
    if not spec["columns"]:
        batch.warn(
            None,
            "no column mapping given; columns guessed: "
            + ", ".join(f"{k}={v!r}" for k, v in columns.items()),
        )
    folded = {h.casefold(): i for i, h in enumerate(header)}
    index: dict[str, int] = {}
    for field, name in columns.items():
        i = folded.get(name.casefold().strip())
        if i is None:
            raise SourceError(
                f"{path.name}: no column {name!r} for {field} (columns:"
                f" {', '.join(h for h in header if h)[:200]})"
            )
        index[field] = i
    if "text" not in index:
        raise SourceError(
            f"{path.name}: no column mapping: cannot tell which column holds the"
            " recommendation text (give a mapping with columns: {text: ...})"
        )
    defaults = dict(spec["defaults"])
    if country:
        defaults["country"] = country
    if symbol:
        defaults["document"] = symbol
    if mechanism:
        defaults["mechanism"] = mechanism
    separator = spec["separator"]
    by_id: dict[str, dict[str, Any]] = {}
    for row_no, row in enumerate(rows, start=spec["header_row"] + 1):
        if not any(c not in (None, "") and str(c).strip() for c in row):
            continue
        if progress and row_no % 2000 == 0:
            progress(row_no, 0)

        def get(field: str, row: list[Any] = row, row_no: int = row_no) -> str:
            if field in index:
                i = index[field]
                return _cell_text(row[i] if i < len(row) else None, field, batch, row_no)
            value = defaults.get(field)
            return "" if value is None else str(value)

        record = _record(get, batch, row_no, separator, spec["positions"], path.name)
        if record is None:
            continue
        rid = record["id"]
        if rid in by_id:
            old = by_id[rid]
            batch.duplicates += 1
            batch.warn(row_no, f"same recommendation as row {old['source']['row']}; merged")
            for key in LIST_FIELDS:
                old[key].extend(v for v in record[key] if v not in old[key])
            continue
        by_id[rid] = record
        batch.records.append(record)
    countries = {r["country"] for r in batch.records}
    if "" in countries:
        batch.warn(None, "no State under review for some rows (give --country or map a column)")
    if len(countries) == 1:
        batch.country = next(iter(countries)) or None
    documents = {r["document"] for r in batch.records}
    if len(documents) == 1:
        batch.document = next(iter(documents)) or None
    batch.stats.update({"recommendations": len(batch.records)})
    return batch


def _record(
    get: Any,
    batch: ImportBatch,
    row_no: int,
    separator: str,
    positions: dict[str, str],
    source_file: str,
) -> dict[str, Any] | None:
    raw_text = get("text")
    recommending_cell = get("recommending")
    text_value = " ".join(raw_text.split())
    names: list[str] = []
    if recommending_cell.strip():
        names = [resolve_or_keep(n, batch) for n in _split_list(recommending_cell, separator)]
    else:
        text_value, names = peel_states(text_value, batch)
    paragraph = clean_line(get("paragraph"))
    m = re.match(r"^\s*(\d{1,4}\.\d{1,4})\.?\s+", text_value)
    if not paragraph and m:
        paragraph = m.group(1)
    if m and paragraph == m.group(1):
        text_value = text_value[m.end() :]
    text = clean_field(text_value, batch, row_no)
    if not text:
        batch.warn(row_no, "empty recommendation text; row skipped")
        return None
    mech = (clean_line(get("mechanism")) or "UPR").upper()
    if mech not in ("UPR", "TB", "SP"):
        batch.warn(row_no, f"mechanism {mech[:20]!r} is not UPR/TB/SP; UPR assumed")
        mech = "UPR"
    country_raw = clean_line(get("country"))
    country = ""
    if country_raw:
        country = resolve(country_raw) or resolve_or_keep(country_raw, batch)
    document = clean_line(get("document"))
    if mech == "UPR" and document:
        document = strip_addendum(document)
    session = as_int(get("session"))
    cycle = as_int(get("cycle")) or cycle_of_session(session)
    position_cell = clean_line(get("position"))
    position = positions.get(position_cell.casefold()) or position_from_word(position_cell)
    if position is None:
        batch.warn(row_no, f"position {position_cell[:30]!r} not understood; left pending")
        position = "pending"
    action = as_int(get("action_category"))
    if action is not None and not 1 <= action <= 5:
        batch.warn(row_no, f"action category {action} is not 1-5; left empty")
        action = None
    sdgs: list[str] = []
    for item in _split_list(get("sdgs"), separator):
        code = sdg_code(item)
        if code and code not in sdgs:
            sdgs.append(code)
    if document and paragraph:
        rid = upr_id(document, paragraph) if mech == "UPR" else f"{mech}:{document}:{paragraph}"
    else:
        rid = hash_id(mech, country, session if session is not None else document, text)
    return {
        "id": rid,
        "mechanism": mech,
        "body": clean_line(get("body")) if mech != "UPR" else "",
        "country": country,
        "cycle": cycle,
        "session": session,
        "document": document,
        "paragraph": paragraph,
        "text": text,
        "recommending": list(dict.fromkeys(names)),
        "position": position,
        "themes": _split_list(get("themes"), separator),
        "groups": _split_list(get("groups"), separator),
        "sdgs": sdgs,
        "action_category": action,
        "source": {"file": source_file, "row": row_no, "kind": "table"},
    }
