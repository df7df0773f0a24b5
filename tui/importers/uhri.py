"""Universal Human Rights Index (UHRI) export: a JSON array (streamed) or a CSV file.

The full export is one JSON array of ~400 MB, so it is never loaded whole: ``iter_json_array``
decodes one element at a time with ``json.JSONDecoder.raw_decode`` over 1 MB chunks, and only
the chosen countries are kept. Fields used: ``AffectedPersons, Body, Countries, Sdgs, Symbol,
Text, Themes, UprCycle, UprPositions, UprRecommendingCountry, UprSession``. List-valued fields
may be JSON lists or text with one ``- item`` per line (``"- CRC"``, ``"16.2 - Protect …"``).
"""

from __future__ import annotations

import codecs
import csv
import html
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from tui.ids import hash_id, upr_id
from tui.importers.base import ImportBatch, Progress, SourceError
from tui.importers.common import (
    MB,
    as_int,
    clean_field,
    clean_line,
    cycle_of_session,
    decode_text,
    known_states,
    parse_ordinal,
    peel_states,
    position_from_word,
    resolve,
    resolve_or_keep,
    sdg_code,
    strip_addendum,
)

CHUNK = 1 * MB
MAX_ELEMENT = 16 * MB
TREATY_BODIES = ("CRC", "CEDAW", "CERD", "CCPR", "CESCR", "CAT", "CRPD", "CMW", "CED", "SPT")
_SP_HINTS = re.compile(
    r"special\s+(?:rapporteur|procedure)|working\s+group|independent\s+expert|\bSR\b|\bWG\b|"
    r"\bIE\b|mandate",
    re.IGNORECASE,
)
_WS = re.compile(r"[ \t\r\n]*")
_TAG = re.compile(r"<[^>]{0,500}>")
_PARA = re.compile(r"^\s*(\d{1,4}(?:\.\d{1,4})?)\s*\.?\s*(\(\s*[a-z]{1,3}\s*\))?\s*")


# -- streaming a JSON array -----------------------------------------------------------------


def iter_json_array(
    stream: BinaryIO,
    *,
    name: str,
    total: int = 0,
    progress: Progress | None = None,
    chunk_size: int = CHUNK,
) -> Iterator[tuple[int, Any]]:
    """Yield ``(index, element)`` of a JSON array read in chunks; memory stays ~ one element.

    Raises SourceError for a file that is not a JSON array, is not UTF-8, or is cut short.
    """
    decoder = json.JSONDecoder()
    utf8 = codecs.getincrementaldecoder("utf-8")(errors="strict")
    buf = ""
    pos = 0
    eof = False
    read = 0

    def fill() -> None:
        nonlocal buf, pos, eof, read
        data = stream.read(chunk_size)
        read += len(data)
        try:
            text = utf8.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise SourceError(
                f"{name}: not UTF-8 text near byte {read - len(data) + exc.start}"
            ) from exc
        if not data:
            eof = True
        if read <= len(data) and text.startswith("\ufeff"):
            text = text[1:]
        buf = buf[pos:] + text
        pos = 0
        if progress and total:
            progress(min(read, total), total)

    def skip_ws() -> None:
        nonlocal pos
        while True:
            pos = _WS.match(buf, pos).end()  # type: ignore[union-attr]
            if pos < len(buf) or eof:
                return
            fill()

    fill()
    skip_ws()
    if pos >= len(buf) or buf[pos] != "[":
        raise SourceError(f"{name}: not a JSON array (a UHRI export starts with '[')")
    pos += 1
    index = 0
    skip_ws()
    if pos < len(buf) and buf[pos] == "]":
        return
    while True:
        skip_ws()
        if pos >= len(buf):
            raise SourceError(f"{name}: the JSON array is cut short after {index} entries")
        try:
            element, end = decoder.raw_decode(buf, pos)
            if end >= len(buf) and not eof:
                raise json.JSONDecodeError("element may continue", buf, end)
        except RecursionError:
            raise SourceError(f"{name}: entry {index + 1} is nested too deeply; refused") from None
        except json.JSONDecodeError as exc:
            if eof:
                raise SourceError(f"{name}: broken JSON in entry {index + 1} ({exc.msg})") from exc
            if len(buf) - pos > MAX_ELEMENT:
                raise SourceError(
                    f"{name}: entry {index + 1} is larger than {MAX_ELEMENT // MB} MB; refused"
                ) from exc
            fill()
            continue
        yield index, element
        index += 1
        pos = end
        skip_ws()
        if pos < len(buf) and buf[pos] == ",":
            pos += 1
            continue
        if pos < len(buf) and buf[pos] == "]":
            return
        raise SourceError(f"{name}: expected ',' or ']' after entry {index}")


# -- fields ----------------------------------------------------------------------------------


def as_list(value: Any) -> list[str]:
    """A list field: a JSON list, or text with one ``- item`` per line."""
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split("\n")
    out: list[str] = []
    for item in items:
        if item is None or isinstance(item, dict | list):
            continue
        s = re.sub(r"^\s*[-•]\s+", "", str(item)).strip()
        if s:
            out.append(s)
    return out


def as_text(value: Any) -> str:
    """A single-valued field that may still come as ``"- CRC"`` or ``["CRC"]``."""
    items = as_list(value)
    return items[0] if items else ""


def mechanism_of(body: str) -> tuple[str, str] | None:
    """(mechanism, body) from UHRI's Body: UPR; a treaty body (TB, "CRC"); a special procedure."""
    b = " ".join(body.split())
    upper = b.upper()
    if not b:
        return None
    if upper in ("UPR", "UNIVERSAL PERIODIC REVIEW"):
        return "UPR", ""
    first = re.split(r"[\s\-–(/]", upper, maxsplit=1)[0]
    if first in TREATY_BODIES:
        return "TB", first
    if _SP_HINTS.search(b):
        return "SP", b
    return None


def strip_html(text: str) -> str:
    """UHRI texts sometimes carry HTML: tags dropped, entities decoded, paragraphs kept apart."""
    text = re.sub(r"<\s*(?:br|/p|/li)\s*/?\s*>", "\n", text, flags=re.IGNORECASE)
    return html.unescape(_TAG.sub(" ", text))


class _UhriReader:
    """Turns UHRI entries into records for one batch (shared by the JSON and CSV readers)."""

    def __init__(self, batch: ImportBatch, wanted: set[str] | None, mechanism: str | None) -> None:
        self.batch = batch
        self.wanted = wanted
        self.mechanism = mechanism
        self.ids: dict[str, str] = {}  # id -> text
        self.kept = 0
        self.seen = 0

    def add(self, entry: Any, where: int) -> None:
        self.seen += 1
        batch = self.batch
        if not isinstance(entry, dict):
            batch.warn(where, "entry is not an object; skipped")
            return
        fields = {str(k).casefold(): v for k, v in entry.items()}
        countries = as_list(fields.get("countries"))
        isos = [resolve(c) for c in countries]
        if self.wanted is not None:
            chosen = [i for i in isos if i in self.wanted]
            if not chosen:
                return
            country = chosen[0]
        else:
            country = next((i for i in isos if i), "")
            if not country and countries:
                country = resolve_or_keep(countries[0], batch)
        body_raw = as_text(fields.get("body"))
        mech = mechanism_of(body_raw)
        if mech is None:
            if self.mechanism:
                mech = (self.mechanism, "" if self.mechanism == "UPR" else body_raw)
            else:
                batch.warn(
                    where, f"body {body_raw[:40]!r} not recognised; taken as a special procedure"
                )
                mech = ("SP", body_raw)
        mechanism, body = mech
        symbol = clean_line(as_text(fields.get("symbol")))
        # A UPR addendum carries positions on the report's recommendations; a special
        # procedure's "Add.N" is the country-visit report itself, so its symbol is kept whole.
        document = (strip_addendum(symbol) if mechanism == "UPR" else symbol) if symbol else ""
        raw_text = strip_html(str(fields.get("text") or ""))
        para_match = _PARA.match(raw_text)
        paragraph = ""
        if para_match and (
            para_match.group(2) or re.match(r"\s*[A-Z“\"(]", raw_text[para_match.end() :])
        ):
            paragraph = para_match.group(1) + (
                re.sub(r"\s+", "", para_match.group(2)) if para_match.group(2) else ""
            )
            raw_text = raw_text[para_match.end() :]
        text_lines = " ".join(raw_text.split())
        recommending: list[str] = []
        if mechanism == "UPR":
            text_lines, recommending = peel_states(text_lines, batch)
        for name in as_list(fields.get("uprrecommendingcountry")):
            code = resolve_or_keep(name, batch)
            if code not in recommending:
                recommending.append(code)
        text = clean_field(text_lines, batch, where)
        if not text:
            batch.warn(where, "empty text; skipped")
            return
        session = None
        sessions: list[Any] = as_list(fields.get("uprsession")) or [fields.get("uprsession")]
        for value in sessions:
            session = as_int(value) if value is not None else None
            if session is not None:
                break
        cycle_raw = as_text(fields.get("uprcycle"))
        cycle = as_int(cycle_raw) if cycle_raw else None
        if cycle is None and cycle_raw:
            cycle = parse_ordinal(cycle_raw.split()[0])
        if cycle is None:
            cycle = cycle_of_session(session)
        positions = as_list(fields.get("uprpositions"))
        understood = position_from_word(positions[0]) if positions else None
        if positions and understood is None:
            batch.warn(where, f"position {positions[0][:30]!r} not understood; left pending")
        position = understood or "pending"
        sdgs: list[str] = []
        for item in as_list(fields.get("sdgs")):
            goal = sdg_code(item)
            if goal and goal not in sdgs:
                sdgs.append(goal)
        if document and paragraph:
            rid = (
                upr_id(document, paragraph)
                if mechanism == "UPR"
                else (f"{mechanism}:{document}:{paragraph}")
            )
        else:
            rid = hash_id(mechanism, country, document or (session or ""), text)
        if rid in self.ids:
            if self.ids[rid] == text:
                batch.duplicates += 1
                return
            alt = hash_id(mechanism, country, document or (session or ""), text)
            batch.warn(
                where, f"{rid} appears twice with different texts; the second kept under {alt}"
            )
            if alt in self.ids:
                batch.duplicates += 1
                return
            rid = alt
        self.ids[rid] = text
        record = {
            "id": rid,
            "mechanism": mechanism,
            "body": body,
            "country": country,
            "cycle": cycle if mechanism == "UPR" else None,
            "session": session if mechanism == "UPR" else None,
            "document": document,
            "paragraph": paragraph,
            "text": text,
            "recommending": recommending,
            "position": position,
            "themes": [clean_line(t) for t in as_list(fields.get("themes"))],
            "groups": [clean_line(g) for g in as_list(fields.get("affectedpersons"))],
            "sdgs": sdgs,
            "action_category": None,
            "source": {"file": batch.source_file, "row": where, "kind": "uhri"},
        }
        batch.records.append(record)
        self.kept += 1


def _wanted(countries: Iterable[str] | None, batch: ImportBatch) -> set[str] | None:
    if not countries:
        batch.warn(None, "no country chosen: every entry of the export is kept")
        return None
    wanted = known_states(countries, batch)
    if not wanted:
        raise SourceError("none of the chosen countries is a known State")
    return wanted


def parse_uhri(
    path: Path,
    *,
    countries: Iterable[str] | None = None,
    mechanism: str | None = None,
    progress: Progress | None = None,
) -> ImportBatch:
    """Entries of a UHRI export for the chosen countries (ISO3 codes or names)."""
    batch = ImportBatch(kind="uhri", source_file=path.name)
    wanted = _wanted(countries, batch)
    reader = _UhriReader(batch, wanted, mechanism)
    try:
        total = path.stat().st_size
        with path.open("rb") as stream:
            head = stream.read(4096)
            stream.seek(0)
            if path.suffix.casefold() == ".json" or head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (
                b"[",
                b"{",
            ):
                batch.encoding = "utf-8"
                for index, entry in iter_json_array(
                    stream, name=path.name, total=total, progress=progress
                ):
                    reader.add(entry, index + 1)
            else:
                _read_csv(stream, path.name, batch, reader, total, progress)
    except OSError as exc:
        raise SourceError(f"{path.name}: cannot read the file ({exc.strerror or exc})") from exc
    batch.stats.update({"entries": reader.seen, "kept": reader.kept})
    if wanted is not None and len(wanted) == 1:
        batch.country = next(iter(wanted))
    return batch


def _read_csv(
    stream: BinaryIO,
    name: str,
    batch: ImportBatch,
    reader: _UhriReader,
    total: int,
    progress: Progress | None,
) -> None:
    """A UHRI CSV export, read row by row (any size): UTF-8, else a reported single-byte code page."""
    sample = stream.read(MB)
    stream.seek(0)
    try:
        sample.decode("utf-8")
        encoding = "utf-8-sig"
        batch.encoding = "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not just a character cut at the sample's end
            decode_text(sample, batch, name=name)
            encoding = batch.encoding or "cp1252"
        else:
            encoding = "utf-8-sig"
            batch.encoding = "utf-8"
    import io

    text_stream = io.TextIOWrapper(stream, encoding=encoding, errors="strict", newline="")
    try:
        rows = csv.DictReader(text_stream)
        if not rows.fieldnames or "Text" not in [f.strip() for f in rows.fieldnames]:
            raise SourceError(f"{name}: not a UHRI CSV export (no Text column)")
        for number, row in enumerate(rows, start=2):
            reader.add({(k or "").strip(): v for k, v in row.items()}, number)
            if progress and number % 2000 == 0 and total:
                progress(min(stream.tell(), total), total)
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{name}: not {encoding} text past the first megabyte ({exc.reason})"
        ) from exc
    except csv.Error as exc:
        raise SourceError(f"{name}: broken CSV ({exc})") from exc
    finally:
        text_stream.detach()
