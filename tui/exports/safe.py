"""Helpers every export uses: inert cells, stable order, byte-identical Office files.

Why here and not in each exporter?
- A CSV or XLSX cell that starts with ``=``, ``+``, ``-``, ``@`` (or tab, CR) is run as a
  formula by Excel and LibreOffice: recommendation texts arrive by email and are hostile
  (DESIGN §6), so every cell goes through :func:`cell_text`.
- "Same workspace, same bytes" (issue 7): openpyxl stamps ``modified`` with the current time
  on every save and zip entries carry the wall clock; :func:`normalise_ooxml` rewrites the
  package with sorted members, a fixed zip date and document dates taken from the data.
- Labels, snapshots and atomic writes live in the core (``tui.labels``, ``tui.snapshot``,
  ``tui.atomic``); the names are re-exported here for the exporters.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import IO, Any, BinaryIO

from tui.atomic import atomic_write as atomic_write
from tui.ids import natural_key as natural_key
from tui.labels import (  # re-exported: exporters and screens imported them from here
    LIST_SEPARATOR as LIST_SEPARATOR,
)
from tui.labels import (
    POSITION_LABELS as POSITION_LABELS,
)
from tui.labels import (
    PRIORITY_LABELS as PRIORITY_LABELS,
)
from tui.labels import (
    STATUS_LABELS as STATUS_LABELS,
)
from tui.labels import (
    category_label as category_label,
)
from tui.labels import (
    clean_value,
)
from tui.labels import (
    label as label,
)
from tui.labels import (
    plain as plain,
)
from tui.labels import (
    state_name as state_name,
)
from tui.labels import (
    state_names as state_names,
)
from tui.model import parse_clock
from tui.snapshot import Snapshot as Snapshot
from tui.snapshot import Source as Source

# Characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection), plus a
# leading newline and the full-width forms some Excel locales also accept.
FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
XLSX_MAX_CELL = 32_767  # Excel refuses longer cells ("repaired" file)
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
DEFAULT_STAMP = datetime(2000, 1, 1, tzinfo=UTC)  # a workspace without clocks


# --------------------------------------------------------------------------- cell text


def neutralise(text: str) -> str:
    """Prefix ``'`` to text a spreadsheet would read as a formula (``=1+1`` → ``'=1+1``)."""
    if text and text[0] in FORMULA_STARTS:
        return "'" + text
    return text


def cell_text(value: Any) -> str:
    """A CSV/XLSX cell: clean text, formula-neutralised."""
    return neutralise(plain(value))


def xlsx_value(value: Any) -> Any:
    """A value for an XLSX cell: numbers stay numbers; text is cleaned, neutralised and cut
    to Excel's 32,767-character limit; empty text becomes None (no cell written)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = cell_text(value)
    if not text:
        return None
    if len(text) > XLSX_MAX_CELL:
        text = text[: XLSX_MAX_CELL - 1] + "…"
    return text


# --------------------------------------------------------------------------- CSV


def write_csv(
    out: IO[bytes], header: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = False
) -> int:
    """Stream rows as RFC 4180 CSV (UTF-8, CRLF) to a binary stream; returns the row count.

    ``bom`` adds a UTF-8 byte-order mark so Excel reads accents right (files, not pipes).
    Numbers are written as they are; everything else through :func:`cell_text`.
    """
    text = io.TextIOWrapper(
        out, encoding="utf-8-sig" if bom else "utf-8", newline="", write_through=False
    )
    try:
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow([cell_text(h) for h in header])
        count = 0
        for row in rows:
            writer.writerow([_csv_cell(v) for v in row])
            count += 1
        text.flush()
    finally:
        text.detach()
    return count


def _csv_cell(value: Any) -> Any:
    if type(value) is str:
        text = value if value.isprintable() else clean_value(value)
        return "'" + text if text and text[0] in FORMULA_STARTS else text
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return cell_text(value)


# --------------------------------------------------------------------------- Markdown


_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}|#~])")


def md_cell(value: Any) -> str:
    """Text for one Markdown table cell: one line, markup characters escaped, HTML inert."""
    text = " ".join(plain(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_text(value: Any) -> str:
    """Text for a Markdown paragraph or heading: as :func:`md_cell`; a leading list or
    heading marker (``-``, ``+``, ``1.``) is escaped too."""
    text = md_cell(value)
    if text[:1] in ("-", "+"):
        text = "\\" + text
    return re.sub(r"^(\d+)\.", r"\1\\.", text)


# --------------------------------------------------------------------------- ordering


# --------------------------------------------------------------------------- stamps


def data_stamp(records: Iterable[Mapping[str, Any]]) -> datetime:
    """The time of the latest edit among ``records`` (from their clocks), to the second.

    Document properties use it instead of "now": the same workspace gives the same bytes,
    and "modified" still says when the data last changed.
    """
    latest = 0
    for record in records:
        clocks = record.get("_clock")
        if not isinstance(clocks, dict):
            continue
        for clock in clocks.values():
            parsed = parse_clock(clock)
            if parsed is not None and parsed[0] > latest:
                latest = parsed[0]
    if not latest:
        return DEFAULT_STAMP
    return datetime.fromtimestamp(latest // 1000, tz=UTC)


# --------------------------------------------------------------------------- Office packages

_CORE_DATE = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)([^<]*)(</dcterms:\2>)")


def _fix_core(xml: bytes, stamp: datetime) -> bytes:
    value = stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ").encode("ascii")
    return _CORE_DATE.sub(lambda m: m.group(1) + value + m.group(4), xml)


def normalise_ooxml(src: BinaryIO, out: IO[bytes], stamp: datetime) -> None:
    """Copy an Office package (XLSX, DOCX) so its bytes depend only on its content.

    Members sorted by name (``[Content_Types].xml`` sorts first), every entry dated
    1980-01-01 00:00 with fixed attributes, and the ``created``/``modified`` document
    properties set to ``stamp``. Members are streamed, so a large sheet is never held whole.
    """
    with (
        zipfile.ZipFile(src) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zout,
    ):
        for source in sorted(zin.infolist(), key=lambda i: i.filename):
            name = source.filename
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            if name == "docProps/core.xml":
                zout.writestr(info, _fix_core(zin.read(name), stamp))
                continue
            big = source.file_size >= zipfile.ZIP64_LIMIT
            with zin.open(source) as fin, zout.open(info, "w", force_zip64=big) as fout:
                shutil.copyfileobj(fin, fout, 1 << 20)


# --------------------------------------------------------------------------- XLSX


class Sheet:
    """One worksheet to stream: header row, rows, column widths, wrapped columns, formats,
    drop-down lists; ``hidden`` sheets carry data for the program, not the reader."""

    def __init__(
        self,
        title: str,
        header: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        widths: Sequence[float] = (),
        wrap: Iterable[int] = (),
        number_formats: Mapping[int, str] | None = None,
        freeze: str = "A2",
        autofilter: bool = True,
        hidden: bool = False,
        validations: Sequence[tuple[int, str, bool]] = (),
    ) -> None:
        self.title = title
        self.header = list(header)
        self.rows = rows
        self.widths = list(widths)
        self.wrap = frozenset(wrap)
        self.number_formats = dict(number_formats or {})
        self.freeze = freeze
        self.autofilter = autofilter
        # A hidden sheet (lists, round-trip data) the user does not see in the tab bar.
        self.hidden = hidden
        # (column index, list formula such as ``=Lists!$A$2:$A$5``, strict): a drop-down list
        # on that column's data rows; not strict = any other value is accepted with a warning.
        self.validations = list(validations)
        self.written = 0


def write_xlsx(
    out: IO[bytes], sheets: Sequence[Sheet], *, stamp: datetime, title: str = "", subject: str = ""
) -> None:
    """Stream sheets into a deterministic XLSX (openpyxl write-only mode, then normalised).

    Rows go to disk as they come (memory stays flat at 100k rows). Header: bold, frozen,
    with an autofilter over the written range. Text is cleaned, neutralised and cut to the
    cell limit by :func:`xlsx_value`; wrapped columns get a shared top-aligned wrap style.
    """
    import copy
    import tempfile

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook(write_only=True)
    props = wb.properties
    props.creator = "UPR Workbench"
    props.lastModifiedBy = "UPR Workbench"
    props.title = plain(title) or None
    props.subject = plain(subject) or None
    props.created = stamp.astimezone(UTC).replace(tzinfo=None)
    for sheet in sheets:
        ws = wb.create_sheet(_sheet_title(sheet.title))
        ncols = len(sheet.header)
        for i, width in enumerate(sheet.widths[:ncols]):
            ws.column_dimensions[get_column_letter(i + 1)].width = width
        if sheet.freeze:
            ws.freeze_panes = sheet.freeze
        head_proto = WriteOnlyCell(ws, "")
        head_proto.font = Font(bold=True)
        head_proto.alignment = Alignment(wrap_text=True, vertical="top")
        header_cells = []
        for name in sheet.header:
            cell = WriteOnlyCell(ws, xlsx_value(name))
            cell._style = copy.copy(head_proto._style)
            header_cells.append(cell)
        ws.append(header_cells)
        protos: dict[int, Any] = {}
        for i in range(ncols):
            if i in sheet.wrap or i in sheet.number_formats:
                proto = WriteOnlyCell(ws, "")
                if i in sheet.wrap:
                    proto.alignment = Alignment(wrap_text=True, vertical="top")
                else:
                    proto.alignment = Alignment(vertical="top")
                if i in sheet.number_formats:
                    proto.number_format = sheet.number_formats[i]
                protos[i] = proto
        fast = _fast_row_writer(ws, ncols, {i: p.style_id for i, p in protos.items()})
        written = 0
        for row in sheet.rows:
            values: list[Any] = [xlsx_value(raw) for raw in row]
            if fast is None:
                for i, proto in protos.items():
                    if i < len(values) and values[i] is not None:
                        cell = WriteOnlyCell(ws, values[i])
                        cell._style = copy.copy(proto._style)
                        values[i] = cell
            ws.append(values)
            written += 1
        sheet.written = written
        if sheet.hidden:
            ws.sheet_state = "hidden"
        for col, formula, strict in sheet.validations:
            if col >= ncols:
                continue
            dv = DataValidation(
                type="list",
                formula1=formula,
                allow_blank=True,
                errorStyle="stop" if strict else "warning",
                showErrorMessage=True,
            )
            letter = get_column_letter(col + 1)
            dv.add(f"{letter}2:{letter}{max(written, 1) + 1}")
            ws.data_validations.append(dv)
        if sheet.autofilter and ncols:
            ws.auto_filter.ref = f"A1:{get_column_letter(ncols)}{written + 1}"
    with tempfile.SpooledTemporaryFile(max_size=32 << 20) as buf:
        wb.save(buf)
        buf.seek(0)
        normalise_ooxml(buf, out, stamp)  # type: ignore[arg-type]


_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _fast_row_writer(
    ws: Any, ncols: int, style_ids: Mapping[int, int]
) -> Callable[..., None] | None:
    """Make a write-only sheet write each row as one parsed XML element.

    openpyxl builds a cell object per value (~15 µs a cell: 40 s for a 100k-row matrix);
    this writes the same ``<row><c r="B2" s="1" t="inlineStr"><is><t>…`` markup openpyxl
    writes, from values :func:`xlsx_value` already cleaned, ~5x faster. It hooks two
    private places of openpyxl 3.1 (``_values_to_row`` and the sheet writer's
    ``write_row``); if they are not there, None is returned and the caller takes the
    ordinary (slow) path. Call it after the header row is appended.
    """
    from lxml import etree
    from openpyxl.utils import get_column_letter

    writer = getattr(ws, "_writer", None)
    if writer is None or not hasattr(writer, "write_row") or not hasattr(ws, "_values_to_row"):
        return None
    letters = [get_column_letter(i + 1) for i in range(max(ncols, 1))]
    styles = {i: f' s="{sid}"' for i, sid in style_ids.items()}
    fromstring = etree.fromstring

    def write_row(xf: Any, values: Sequence[Any], row_idx: int) -> None:
        parts = [f'<row r="{row_idx}">']
        for i, value in enumerate(values):
            if value is None:
                continue
            ref = f"{letters[i] if i < len(letters) else get_column_letter(i + 1)}{row_idx}"
            style = styles.get(i, "")
            if isinstance(value, str):
                space = ' xml:space="preserve"' if value != value.strip() else ""
                parts.append(
                    f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>'
                    f"{value.translate(_XML_ESCAPES)}</t></is></c>"
                )
            else:
                parts.append(f'<c r="{ref}"{style} t="n"><v>{value!r}</v></c>')
        parts.append("</row>")
        xf.write(fromstring("".join(parts)))

    ws._values_to_row = lambda values, row_idx: values
    writer.write_row = write_row
    return write_row


def _sheet_title(title: str) -> str:
    # Excel: at most 31 characters, none of []:*?/\
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", plain(title)).strip() or "Sheet"
    return cleaned[:31]


# --------------------------------------------------------------------------- files

BINARY_FORMATS = frozenset({"xlsx", "docx"})


def default_filename(kind: str, iso3: str, fmt: str) -> str:
    """``<kind>-<ISO3>.<ext>`` (DESIGN §9: where a binary export goes without ``-o``)."""
    return f"{kind}-{iso3}.{fmt}"
