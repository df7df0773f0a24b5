"""The matrix round trip (issue 19 point 1): an exported matrix comes back as edits.

A colleague who never runs ``upr`` gets the matrix as XLSX (or CSV), fills in statuses and
mails it back. ``upr import matrix.xlsx`` finds which cells changed since the export and makes
them edits, with the guarantees of every other edit (DESIGN §4): nothing lost, conflicts shown.

How a changed cell is known, and why its edit loses to later team edits:

- The XLSX carries a hidden sheet (``UPR Workbench``) written by :func:`export_rows`: the
  workspace id, the workspace's highest clock at export ``H`` (not the wall time, so the same
  workspace gives the same bytes), and per record its id, the clocks of its editable fields
  and a short hash of every exported cell. A cell whose hash differs was changed in the sheet.
- Its edit gets the clock ``H.ms | H.counter + 1 | author``: above every clock the exported
  values had, below every edit the team made after the export (the hybrid clock ticks past
  ``H``). If the team changed the field since (its clock is no longer the exported one) and the
  values differ, both are kept: the greater clock wins and the other value becomes a row of
  ``conflicts`` for the review screen, exactly as a merge would leave it.
- A CSV (or an XLSX whose hidden sheet a program dropped) has no clocks: rows are matched on
  ``Id`` (else document + paragraph, with a warning), a cell is changed when it differs from
  the workspace, and its edit gets a new clock (said in a warning).

Labels are read as exported and case-insensitively (``High``, ``high``, ``In progress``, the
stored ``in_progress`` too). What cannot be applied is reported per cell (row, column) and
never guessed: rows added or deleted, renamed columns, values outside a field's choices,
changes to columns that are not decisions. Re-importing a file changes nothing. Not an undo
step of anyone's session: the edits are applied with their clocks (``apply_clocked``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.clock import format_clock
from tui.exports.matrix_data import (
    EDITABLE,
    FORMAT_VERSION,
    HIDDEN_SHEET,
    MAGIC,
    cell_hash,
    cell_str,
    workspace_id,
)
from tui.exports.safe import (
    LIST_SEPARATOR,
    POSITION_LABELS,
    PRIORITY_LABELS,
    STATUS_LABELS,
)
from tui.model import ACTION_CATEGORIES, parse_clock
from tui.sanitize import clean_line, clean_text

MAX_FILE_BYTES = 500 * 1024 * 1024  # DESIGN §6: CSV/XLSX 500 MB
TABLE = "recommendations"
LIST_FIELDS = frozenset({"themes", "groups", "sdgs", "partners"})
# Columns computed from reference data or other records: a change there is not an edit.
DERIVED = frozenset({"Previous cycle", "SDG labels", "Review date", "Stated status", "Kind"})
CHOICES: dict[str, Mapping[str, str]] = {
    "position": POSITION_LABELS,
    "priority": PRIORITY_LABELS,
    "status": STATUS_LABELS,
}
_YES = frozenset({"yes", "y", "true", "x", "1", "oui", "sí", "si"})
_NO = frozenset({"", "no", "n", "false", "0", "non"})


# --------------------------------------------------------------------------- reading a sheet


@dataclass
class Issue:
    """A cell or row that was not applied, and why (row 1 is the header, as in the sheet)."""

    row: int | None
    column: str
    message: str

    def where(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)


@dataclass
class MatrixFile:
    """An exported matrix read back: header, rows (row number, cells by column) and, when the
    hidden sheet survived, the export's data."""

    name: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]
    workspace: str = ""
    clock: str = ""
    country: str = ""
    columns: list[str] = field(default_factory=list)
    exported: dict[str, tuple[dict[str, str], dict[str, str]]] = field(default_factory=dict)
    has_hidden: bool = False


@dataclass
class MatrixResult:
    """What importing a matrix did (or would do)."""

    file: str
    applied: int = 0  # cells that became edits
    records: int = 0  # records edited
    conflicts: int = 0  # cells the team changed since the export too: left for review
    unchanged: int = 0  # rows read with nothing new
    rows: int = 0
    issues: list[Issue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    edits: list[tuple[str, str, Any]] = field(default_factory=list)  # (record, field, value)


def _canon(header: str) -> str:
    return " ".join(clean_line(header).split()).casefold()


def is_matrix_header(header: Sequence[Any]) -> bool:
    """A header row of ``upr export matrix``: most of its column names, whatever their order."""
    from tui.exports.matrix import HEADER

    known = {_canon(h) for h in HEADER}
    names = {_canon(str(h)) for h in header if h is not None}
    return "recommendation" in names and len(names & known) >= 10


def is_matrix(path: Path) -> bool:
    """True if ``path`` is a matrix exported by ``upr export matrix`` (XLSX or CSV)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            from openpyxl import load_workbook

            wb = load_workbook(path, read_only=True, data_only=True)
            try:
                if HIDDEN_SHEET in wb.sheetnames:
                    return True
                if "Recommendations" not in wb.sheetnames:
                    return False
                first = next(wb["Recommendations"].iter_rows(max_row=1, values_only=True), ())
                return is_matrix_header(first)
            finally:
                wb.close()
        if suffix == ".csv":
            with path.open("rb") as fh:
                head = fh.read(65536).decode("utf-8-sig", errors="replace")
            first = next(csv.reader(io.StringIO(head)), [])
            return is_matrix_header(first)
    except Exception:  # noqa: BLE001 - not readable as a matrix: let the other importers say why
        return False
    return False


def read_matrix(path: Path) -> MatrixFile:
    """Read an exported matrix (XLSX with or without its hidden sheet, or CSV).

    Raises ValueError with one line for a file that cannot be read."""
    from tui.importers import SourceError

    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SourceError(f"{path.name}: cannot read the file ({exc.strerror or exc})") from None
    if size > MAX_FILE_BYTES:
        raise SourceError(f"{path.name}: larger than 500 MB")
    if path.suffix.lower() == ".csv":
        return _read_csv(path)
    return _read_xlsx(path)


def _table(name: str, raw_rows: Iterable[Sequence[Any]]) -> MatrixFile:
    it = iter(raw_rows)
    header = [cell_str(h).strip() for h in next(it, ())]
    while header and not header[-1]:
        header.pop()
    rows: list[tuple[int, dict[str, str]]] = []
    for number, raw in enumerate(it, start=2):
        values = [cell_str(v) for v in raw]
        if not any(v.strip() for v in values):
            continue
        cells = {h: (values[i] if i < len(values) else "") for i, h in enumerate(header) if h}
        rows.append((number, cells))
    return MatrixFile(name, header, rows)


def _read_csv(path: Path) -> MatrixFile:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    return _table(path.name, csv.reader(io.StringIO(text, newline="")))


def _read_xlsx(path: Path) -> MatrixFile:
    import zipfile

    from openpyxl import load_workbook

    from tui.importers import SourceError

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise SourceError(
            f"{path.name}: not a readable XLSX ({clean_line(str(exc))[:80]})"
        ) from None
    try:
        name = "Recommendations" if "Recommendations" in wb.sheetnames else wb.sheetnames[0]
        matrix = _table(path.name, wb[name].iter_rows(values_only=True))
        if HIDDEN_SHEET in wb.sheetnames:
            _read_hidden(matrix, wb[HIDDEN_SHEET].iter_rows(values_only=True))
    finally:
        wb.close()
    return matrix


def _read_hidden(matrix: MatrixFile, rows: Iterable[Sequence[Any]]) -> None:
    """Fill the export's data from the hidden sheet; a damaged sheet is ignored (warned)."""
    info: dict[str, Any] = {}
    in_records = False
    for raw in rows:
        values = [cell_str(v) for v in raw] + ["", "", ""]
        if not in_records:
            if values[0] == "Id" and values[1] == "Clocks":
                in_records = True
            else:
                info[values[0]] = values[1]
            continue
        rid = values[0]
        if not rid:
            continue
        try:
            clocks = json.loads(values[1]) if values[1] else {}
        except ValueError:
            clocks = {}
        if not isinstance(clocks, dict):
            clocks = {}
        clocks = {str(k): str(v) for k, v in clocks.items() if parse_clock(v) is not None}
        hashes = values[2]
        matrix.exported[rid] = (clocks, {"": hashes})
    if info.get(MAGIC) != str(FORMAT_VERSION):
        matrix.exported.clear()
        return
    try:
        columns = json.loads(info.get("columns", "[]"))
    except ValueError:
        columns = []
    matrix.columns = [str(c) for c in columns] if isinstance(columns, list) else []
    matrix.workspace = clean_line(info.get("workspace", ""))[:64]
    clock = info.get("clock", "")
    matrix.clock = clock if parse_clock(clock) is not None else ""
    matrix.country = clean_line(info.get("country", ""))[:8]
    # Split each record's hash string by the exported columns (8 hex digits each).
    for rid, (clocks, packed) in list(matrix.exported.items()):
        text = packed[""]
        by_column = {
            col: text[i * 8 : i * 8 + 8]
            for i, col in enumerate(matrix.columns)
            if len(text) >= i * 8 + 8
        }
        matrix.exported[rid] = (clocks, by_column)
    matrix.has_hidden = bool(matrix.clock and matrix.columns)


# --------------------------------------------------------------------------- values


def parse_value(fname: str, text: str) -> tuple[Any, str]:
    """The stored value for a cell of field ``fname``; ``(None, reason)`` when it is not one."""
    raw = clean_text(text).strip()
    if fname in CHOICES:
        labels = CHOICES[fname]
        wanted = raw.casefold()
        for stored, shown in labels.items():
            if wanted in (shown.casefold(), stored.casefold(), stored.replace("_", " ").casefold()):
                if not wanted and fname != "priority":
                    break
                return stored, ""
        allowed = ", ".join(repr(v) for v in labels.values() if v)
        return None, f"{clean_line(raw)[:40]!r} is not one of {allowed}"
    if fname in LIST_FIELDS:
        parts = [p.strip() for p in raw.replace("\n", ";").split(";")]
        return [p for p in parts if p], ""
    if fname == "triaged":
        low = raw.casefold()
        if low in _YES:
            return True, ""
        if low in _NO:
            return False, ""
        return None, f"{clean_line(raw)[:40]!r} is not yes or empty"
    if fname == "action_category":
        if not raw:
            return None, ""
        head = raw.split(None, 1)[0]
        if head.isdigit() and int(head) in ACTION_CATEGORIES:
            return int(head), ""
        for number, name in ACTION_CATEGORIES.items():
            if raw.casefold() == name.casefold():
                return number, ""
        return None, f"{clean_line(raw)[:40]!r} is not an action category 1-5"
    return raw, ""


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.strip() == b.strip()
    return a == b and type(a) is type(b)


# --------------------------------------------------------------------------- applying


def import_clock(export_clock: str, author: str) -> str:
    """Above every clock of the exported values, below every edit made after the export."""
    parsed = parse_clock(export_clock)
    ms, counter = (parsed[0], parsed[1]) if parsed else (0, 0)
    if counter >= 999_999:
        return format_clock(ms + 1, 0, author)
    return format_clock(ms, counter + 1, author)


def apply_matrix(ws: Any, matrix: MatrixFile, *, dry_run: bool = False) -> MatrixResult:
    """Apply the changed cells of ``matrix`` to ``ws`` (nothing is written when ``dry_run``)."""
    from tui.exports.matrix import HEADER
    from tui.merge import CONFLICTS, Conflict
    from tui.store.workspace import field_clock

    result = MatrixResult(matrix.name, rows=len(matrix.rows))
    records = ws.table(TABLE)
    known = {_canon(h): h for h in HEADER}
    present = {_canon(h) for h in matrix.header}
    columns: dict[str, str] = {}  # header as in the sheet -> matrix column
    for h in matrix.header:
        canon = _canon(h)
        if not canon:
            continue
        if canon in known:
            columns[h] = known[canon]
        else:
            result.issues.append(
                Issue(1, clean_line(h)[:60], "not a matrix column (renamed?): ignored")
            )
    for name in HEADER:
        if _canon(name) not in present and (name in EDITABLE or name in ("Id", "Document")):
            result.issues.append(Issue(1, name, "column missing from the sheet"))
    id_column = next((h for h, c in columns.items() if c == "Id"), None)
    doc_column = next((h for h, c in columns.items() if c == "Document"), None)
    par_column = next((h for h, c in columns.items() if c == "Paragraph"), None)

    hidden = matrix.has_hidden
    if matrix.name.lower().endswith(".xlsx") and not hidden:
        result.warnings.append(
            "the sheet lost the export's hidden data (clocks): changed cells are compared "
            "with the workspace and applied as new edits"
        )
    elif not hidden:
        result.warnings.append(
            "a CSV carries no clocks: cells that differ from the workspace are applied as new "
            "edits (use the XLSX to have the team's later edits win)"
        )
    if hidden and matrix.workspace and matrix.workspace != workspace_id(ws):
        result.warnings.append(
            "exported from another copy of the workspace: fields the team changed since "
            "are left for review"
        )
    by_place: dict[tuple[str, str], list[str]] | None = None

    def by_document(doc: str, par: str) -> list[str]:
        nonlocal by_place
        if by_place is None:
            by_place = {}
            for rid, rec in records.items():
                if not rec.get("deleted"):
                    key = (str(rec.get("document", "")).strip(), str(rec.get("paragraph", "")))
                    by_place.setdefault(key, []).append(rid)
        return by_place.get((doc.strip(), par.strip()), [])

    warned_ids = False
    seen: set[str] = set()
    plans: list[tuple[str, str, Any, str, int, str]] = []  # rid, field, value, column, row, mode
    for number, cells in matrix.rows:
        rid = cells.get(id_column, "").strip() if id_column else ""
        if not rid:
            doc = cells.get(doc_column, "") if doc_column else ""
            par = cells.get(par_column, "") if par_column else ""
            found = by_document(doc, par) if (doc or par) else []
            if not warned_ids:
                result.warnings.append("rows without an Id: matched on Document + Paragraph")
                warned_ids = True
            if len(found) != 1:
                why = "no recommendation" if not found else f"{len(found)} recommendations"
                result.issues.append(
                    Issue(
                        number, "Paragraph", f"{why} with this document and paragraph: not imported"
                    )
                )
                continue
            rid = found[0]
        record = records.get(rid)
        if record is None or (hidden and rid not in matrix.exported):
            result.issues.append(
                Issue(
                    number,
                    "Id",
                    f"{clean_line(rid)[:60]!r} was not exported (a row added?): not imported",
                )
            )
            continue
        if rid in seen:
            result.issues.append(Issue(number, "Id", "the same recommendation twice: row ignored"))
            continue
        seen.add(rid)
        exported = matrix.exported.get(rid) if hidden else None
        row_changed = False
        for sheet_header, column in columns.items():
            text = cells.get(sheet_header, "")
            if exported is not None:
                old_hash = exported[1].get(column)
                if old_hash is None or old_hash == cell_hash(text):
                    continue
            if column not in EDITABLE:
                if exported is not None and column not in DERIVED and column != "Id":
                    result.issues.append(
                        Issue(number, column, "not a decision the matrix can change: ignored")
                    )
                continue
            fname = EDITABLE[column]
            value, fault = parse_value(fname, text)
            if fault:
                result.issues.append(Issue(number, column, fault))
                continue
            current = record.get(fname)
            if fname == "action_category" and value is None and current is None:
                continue
            if _same(value, current) or (fname in LIST_FIELDS and value == (current or [])):
                continue
            row_changed = True
            mode = "new"
            if exported is not None:
                export_clock = exported[0].get(fname) or exported[0].get("*") or ""
                mode = "clocked" if field_clock(record, fname) == export_clock else "conflict"
            plans.append((rid, fname, value, column, number, mode))
        if not row_changed:
            result.unchanged += 1
    if hidden:
        missing = [rid for rid in matrix.exported if rid not in seen]
        for rid in missing:
            rec = records.get(rid) or {}
            par = clean_line(str(rec.get("paragraph", "")))[:20]
            result.issues.append(
                Issue(
                    None,
                    "",
                    f"paragraph {par} ({clean_line(rid)[:60]}) was deleted from the sheet: kept",
                )
            )

    clock = import_clock(matrix.clock, ws.author) if hidden else ""
    edited: set[str] = set()
    for rid, fname, value, _column, _number, mode in plans:
        record = records[rid]
        current = record.get(fname)
        if mode == "conflict":
            now = field_clock(record, fname)
            cid_clock = clock
            conflict = Conflict(
                TABLE,
                rid,
                fname,
                current,
                now,
                value,
                cid_clock,
                "A"
                if (parse_clock(now) or (0, 0, "")) > (parse_clock(clock) or (0, 0, ""))
                else "B",
            )
            if ws.get(CONFLICTS, conflict.id) is not None:
                continue  # imported before: reviewed or waiting for review
            result.conflicts += 1
            if dry_run:
                continue
            if conflict.winner == "B":
                ws.apply_clocked(TABLE, rid, {fname: value}, clock)
                edited.add(rid)
                result.applied += 1
                result.edits.append((rid, fname, value))
            ws.put(CONFLICTS, conflict.id, conflict.row(), undo=False)
            continue
        result.applied += 1
        result.edits.append((rid, fname, value))
        edited.add(rid)
        if dry_run:
            continue
        if mode == "clocked":
            ws.apply_clocked(TABLE, rid, {fname: value}, clock)
        else:
            ws.apply_clocked(TABLE, rid, {fname: value}, ws.clock.tick())
    result.records = len(edited)
    return result


# --------------------------------------------------------------------------- the summary


def summary_rows(result: MatrixResult) -> list[tuple[str, str, str]]:
    """(section, key, value) rows: the TSV a script reads, and the lines a terminal shows."""
    rows = [
        ("source", "file", result.file),
        ("source", "kind", "matrix"),
        ("apply", "rows", str(result.rows)),
        ("apply", "cells_applied", str(result.applied)),
        ("apply", "records_edited", str(result.records)),
        ("apply", "conflicts", str(result.conflicts)),
        ("apply", "rows_unchanged", str(result.unchanged)),
        ("apply", "not_applied", str(len(result.issues))),
    ]
    rows += [("warning", "", w) for w in result.warnings]
    rows += [("not_applied", i.where(), i.message) for i in result.issues]
    return rows


def summary_lines(result: MatrixResult, *, dry_run: bool = False) -> list[str]:
    verb = "would apply" if dry_run else "applied"
    lines = [
        f"Matrix {clean_line(result.file)}: {result.rows} rows; {verb} {result.applied} "
        f"changed cell(s) to {result.records} recommendation(s); {result.conflicts} conflict(s) "
        "left for review (C)" + ("" if result.issues else "; nothing refused"),
    ]
    lines += [f"warning: {w}" for w in result.warnings]
    if result.issues:
        lines.append(f"Not applied ({len(result.issues)}):")
        lines += [f"  {i.where()}: {clean_line(i.message)}" for i in result.issues[:200]]
        if len(result.issues) > 200:
            lines.append(f"  … and {len(result.issues) - 200} more")
    return lines


def matrix_issues_text(result: MatrixResult) -> str:
    return LIST_SEPARATOR.join(f"{i.where()}: {i.message}" for i in result.issues)
