"""Import recommendations from the sources advisers receive (issue 4).

``parse_file(path)`` detects the kind of source and returns an ``ImportBatch`` (records, a
report of warnings and unknown names); it writes nothing. ``tui.importers.apply.apply_batch``
writes a batch into a workspace as one undo step. Kinds:

- ``wg-report``: UPR Working Group report (.txt, or .docx read the same way)
- ``addendum``: the State's positions by paragraph number (Add.1)
- ``thematic-list``: OHCHR thematic list of recommendations (.docx)
- ``upr-info``: UPR Info database export (CSV)
- ``uhri``: Universal Human Rights Index export (JSON array, streamed, or CSV)
- ``table``: any other CSV/XLSX with a column mapping (YAML file or dict)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tui.importers.base import KINDS, ImportBatch, ImportWarning, Progress, SourceError
from tui.importers.common import REPORT_LIMIT, read_text_file, refuse_binary

__all__ = [
    "KINDS",
    "ImportBatch",
    "ImportWarning",
    "SourceError",
    "detect_kind",
    "parse_file",
]

_UPR_INFO_HEADER = ("to", "to-rgrp", "to-org", "text", "from")
_UHRI_FIELDS = {"uprrecommendingcountry", "symbol", "text", "body"}


def _head(path: Path, size: int = 65536) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(size)
    except OSError as exc:
        raise SourceError(f"{path.name}: cannot read the file ({exc.strerror or exc})") from exc


def _first_line(head: bytes) -> str:
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    for sep in ("\r\n", "\n", "\r"):
        if sep in text:
            return text.split(sep, 1)[0]
    return text


def _header_fields(head: bytes) -> list[str]:
    line = _first_line(head)
    delimiter = (
        "\t"
        if line.count("\t") > line.count(",")
        else ";"
        if line.count(";") > line.count(",")
        else ","
    )
    return [f.strip().strip('"').strip().casefold() for f in line.split(delimiter)]


def _docx_kind(path: Path) -> str:
    from tui.importers.docx_io import open_docx
    from tui.importers.thematic import is_thematic_list

    document = open_docx(path)
    if is_thematic_list(document):
        return "thematic-list"
    from tui.importers.docx_io import body_lines

    return "addendum" if _is_addendum_text("\n".join(body_lines(document)[:80])) else "wg-report"


def _is_addendum_text(head: str) -> bool:
    """An addendum names itself: its own symbol ends in /Add.N, or "Views on conclusions"."""
    from tui.importers.common import SYMBOL_RE

    flat = " ".join(head.split()).casefold()
    if "views on conclusions and/or recommendations" in flat:
        return True
    own = [m.group(0) for line in head.split("\n")[:15] for m in SYMBOL_RE.finditer(line)]
    return bool(own) and "/Add." in own[0] and "addendum" in flat


def detect_kind(path: str | Path) -> str:
    """The kind of a source file, from its extension and content. SourceError if unreadable."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(
            f"{path.name}: no such file" if not path.exists() else f"{path.name}: not a file"
        )
    suffix = path.suffix.casefold()
    head = _head(path)
    if not head:
        raise SourceError(f"{path.name}: the file is empty")
    if suffix in (".docx", ".docm"):
        return _docx_kind(path)
    if suffix in (".xlsx", ".xlsm"):
        return "table"
    if head.startswith(b"PK\x03\x04"):
        # A zip whatever its name: Word or Excel?
        import zipfile

        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile as exc:
            raise SourceError(f"{path.name}: damaged zip archive") from exc
        if "word/document.xml" in names:
            return _docx_kind(path)
        if "xl/workbook.xml" in names:
            return "table"
        raise SourceError(f"{path.name}: a zip archive that is neither .docx nor .xlsx")
    refuse_binary(head, path.name)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if suffix == ".json" or stripped.startswith(b"["):
        return "uhri"
    fields = _header_fields(head)
    if tuple(fields[:5]) == _UPR_INFO_HEADER:
        return "upr-info"
    if _UHRI_FIELDS <= set(fields):
        return "uhri"
    if suffix in (".csv", ".tsv"):
        return "table"
    text = head.decode("utf-8", errors="replace")
    if _is_addendum_text(text[:6000]):
        return "addendum"
    if suffix == ".yaml" or suffix == ".yml":
        raise SourceError(
            f"{path.name}: a YAML file is a column mapping, not a source (use --mapping)"
        )
    return "wg-report"


def parse_file(
    path: str | Path,
    *,
    country: str | None = None,
    symbol: str | None = None,
    mechanism: str | None = None,
    kind: str | None = None,
    mapping: str | Path | Mapping[str, Any] | None = None,
    countries: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> ImportBatch:
    """Parse one source file into an ImportBatch; nothing is written.

    ``country``: the State under review (ISO3 or name) where the file does not say it;
    ``symbol``: the document symbol where the file does not state it; ``mechanism``: UPR/TB/SP
    for generic tables; ``kind``: skip detection; ``mapping``: column mapping for ``table``
    (YAML path or dict); ``countries``: which States to keep from a UHRI export;
    ``progress(done, total)``: called during long imports (``total`` 0 when not known).
    Raises SourceError with a one-line reason for a file that cannot be read.
    """
    path = Path(path)
    if kind is None:
        kind = (
            "table"
            if mapping is not None and path.suffix.casefold() != ".json"
            else detect_kind(path)
        )
    elif kind not in KINDS:
        raise SourceError(f"unknown kind {kind!r} (one of {', '.join(KINDS)})")
    elif not path.is_file():
        raise SourceError(f"{path.name}: no such file")
    if kind == "wg-report":
        return _parse_report(path, symbol=symbol, country=country, progress=progress)
    if kind == "addendum":
        from tui.importers.addendum import parse_addendum_file

        return parse_addendum_file(path, symbol=symbol, country=country)
    if kind == "thematic-list":
        from tui.importers.thematic import parse_thematic_list

        return parse_thematic_list(path, symbol=symbol, country=country, progress=progress)
    if kind == "upr-info":
        from tui.importers.uprinfo import parse_upr_info

        return parse_upr_info(path, country=country, countries=countries, progress=progress)
    if kind == "uhri":
        from tui.importers.uhri import parse_uhri

        wanted = list(countries or []) + ([country] if country else [])
        return parse_uhri(path, countries=wanted or None, mechanism=mechanism, progress=progress)
    from tui.importers.table import parse_table

    return parse_table(
        path,
        mapping=mapping,
        country=country,
        symbol=symbol,
        mechanism=mechanism,
        progress=progress,
    )


def _parse_report(
    path: Path, *, symbol: str | None, country: str | None, progress: Progress | None
) -> ImportBatch:
    from tui.importers.report import parse_report_lines

    if path.suffix.casefold() in (".docx", ".docm") or _head(path, 4) == b"PK\x03\x04":
        from tui.importers.docx_io import body_lines, open_docx

        lines = body_lines(open_docx(path))
        # source.line is then the line of the extracted text (one per paragraph or cell line).
        return parse_report_lines(
            lines, source_file=path.name, symbol=symbol, country=country, progress=progress
        )
    probe = ImportBatch(kind="wg-report", source_file=path.name)
    text = read_text_file(path, REPORT_LIMIT, "the report", probe)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    batch = parse_report_lines(
        text.split("\n"), source_file=path.name, symbol=symbol, country=country, progress=progress
    )
    batch.encoding = probe.encoding
    batch.warnings[:0] = probe.warnings
    return batch
