"""The addendum (A/HRC/…/Add.1): the State's positions on recommendations, by paragraph number.

Positions are read only from the numbered paragraphs that state them ("The Government accepts
the following recommendations: 140.7, 140.8, …"), with ranges (``140.11-14``, ``122.62-\\n66``)
and stray full stops as separators. The headings above the State's comments ("140.82-85, 87")
repeat those numbers and are not used: they sometimes straddle two positions.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tui.importers.base import ImportBatch, SourceError
from tui.importers.common import (
    REPORT_LIMIT,
    SYMBOL_RE,
    join_lines,
    position_from_sentence,
    read_text_file,
    resolve,
    strip_addendum,
    symbol_from_filename,
)
from tui.importers.report import is_furniture

_NUMBERED = re.compile(r"^(\d{1,3})\.\s+(.*)$")
_TOKEN = re.compile(
    r"(?<![\d.])(\d{1,4})\.(\d{1,4})(?:\s*[-–—]\s*(?:(\d{1,4})\.)?(\d{1,4}))?(?!\d)"
    r"|(?<![\d.])(\d{1,4})(?:\s*[-–—]\s*(\d{1,4}))?(?![\d])"
)
_REFS_ONLY = re.compile(r"^\d{1,4}\.\d{1,4}[\d.,\s\-–—]*$")
_SECTION = re.compile(
    r"^(?:[IVX]{1,4}\.|\d\.)?\s*(?:Accepted|Supported|Noted|Rejected|Partially)\b.*"
    r"recommendations\b",
    re.IGNORECASE,
)
_MAX_RANGE = 500


def _refs(text: str, batch: ImportBatch, line: int) -> list[str]:
    """Paragraph numbers named in a list: ``140.7, 140.8-10. 140.12, 14`` -> 140.7 … 140.14.

    A bare number counts only right after a reference and a comma or "and" ("140.82-85, 87").
    """
    out: list[str] = []
    block: int | None = None
    prev_end = 0
    for m in _TOKEN.finditer(text):
        gap = text[prev_end : m.start()]
        prev_end = m.end()
        if m.group(1):
            block = int(m.group(1))
            start = int(m.group(2))
            end = start
            if m.group(4):
                if m.group(3) and int(m.group(3)) != block:
                    batch.warn(
                        line, f"range {m.group(0)!r} spans two blocks; only {block}.{start} kept"
                    )
                else:
                    end = int(m.group(4))
            out.extend(_expand(block, start, end, batch, line))
            continue
        if block is not None and re.fullmatch(r"\s*(?:,|and|,\s*and)\s*", gap):
            start = int(m.group(5))
            end = int(m.group(6)) if m.group(6) else start
            out.extend(_expand(block, start, end, batch, line))
        else:
            block = None
    return out


def _expand(block: int, start: int, end: int, batch: ImportBatch, line: int) -> list[str]:
    if end < start or end - start > _MAX_RANGE:
        batch.warn(
            line, f"range {block}.{start}-{end} is not a valid range; only {block}.{start} kept"
        )
        end = start
    return [f"{block}.{n}" for n in range(start, end + 1)]


def _paragraphs(lines: list[str]) -> list[tuple[int, str, str]]:
    """Numbered paragraphs (line, number, text) with their continuation lines."""
    out: list[tuple[int, str, str]] = []
    i = 0
    n = len(lines)
    while i < n:
        s = lines[i].strip()
        m = _NUMBERED.match(s)
        if not m or is_furniture(s):
            i += 1
            continue
        start = i
        body = [m.group(2)]
        i += 1
        while i < n:
            s = lines[i].strip()
            # A list cut by a line or page break ends with a separator: it must go on.
            open_list = re.search(r"[,\-–—]$|\band$", " ".join(body).rstrip()) is not None
            if not s or is_furniture(s):
                if open_list:
                    i += 1
                    continue
                break
            if _NUMBERED.match(s) or _SECTION.match(s):
                break
            if _REFS_ONLY.match(s) and not open_list and not s.endswith(","):
                # A heading like "140.11-14" above the State's comments ends the list, unless
                # the next text line goes on with numbers.
                nxt = next(
                    (x.strip() for x in lines[i + 1 : i + 8] if x.strip() and not is_furniture(x)),
                    "",
                )
                if not re.match(r"^\d{1,4}\.\d", nxt):
                    break
            body.append(s)
            i += 1
        out.append((start + 1, m.group(1), join_lines(body)))
    return out


def parse_addendum_lines(
    lines: list[str],
    *,
    source_file: str,
    symbol: str | None = None,
    country: str | None = None,
) -> ImportBatch:
    """Positions by paragraph from an addendum's lines."""
    batch = ImportBatch(kind="addendum", source_file=source_file)
    lines = [line.replace("\x0c", " ") for line in lines]
    head = [m.group(0) for line in lines[:40] for m in SYMBOL_RE.finditer(line)]
    stated = head[0] if head else None
    given = symbol
    if stated:
        batch.document = strip_addendum(stated)
        if given and strip_addendum(given) != batch.document:
            batch.warn(None, f"the addendum says it is {stated}; --symbol {given} ignored")
    elif given:
        batch.document = strip_addendum(given)
        batch.warn(None, f"the addendum does not state its symbol; using {batch.document} as given")
    else:
        from_name = symbol_from_filename(Path(source_file).name)
        if from_name:
            batch.document = strip_addendum(from_name)
            batch.warn(
                None,
                f"the addendum does not state its symbol; {batch.document} taken from"
                " the file name (check it, or give --symbol)",
            )
        else:
            batch.warn(None, "no document symbol in the addendum or its file name (give --symbol)")
    flat = " ".join(" ".join(lines[:120]).split())
    m = re.search(r"Universal Periodic Review\s*\**\s*(.{2,60}?)\s+Addendum", flat)
    iso = resolve(m.group(1)) if m else None
    given_iso = resolve(country) if country else None
    batch.country = iso or given_iso
    if iso and given_iso and iso != given_iso:
        batch.warn(None, f"the addendum concerns {iso}; --country {given_iso} ignored")
    positions: dict[str, str] = {}
    first_line: dict[str, int] = {}
    for line, _number, text in _paragraphs(lines):
        for position, refs in _clauses(text, batch, line):
            _record_positions(batch, positions, first_line, position, refs, line)
    if not positions:
        # Some addenda are tables: "140.1 | Supported" on one line.
        for idx, raw in enumerate(lines, start=1):
            m2 = re.match(
                r"^\s*(\d{1,4}\.\d{1,4})\b.*?\b(Supported|Accepted|Noted|Rejected)\b",
                raw,
                re.IGNORECASE,
            )
            if m2:
                word = m2.group(2).casefold()
                positions.setdefault(
                    m2.group(1), "noted" if word in ("noted", "rejected") else "supported"
                )
                first_line.setdefault(m2.group(1), idx)
    if not positions:
        raise SourceError("no positions found: not an addendum listing recommendations by number")
    batch.positions = positions
    _check_gaps(batch, positions)
    _check_stated_totals(batch, lines, positions)
    batch.stats.update(Counter(positions.values()))
    batch.stats["paragraphs"] = len(positions)
    return batch


_CLAUSE_SPLIT = re.compile(
    r"(?<=;)\s+|(?<=[.:])\s+(?=[A-Z])"
    r"|,?\s+(?=(?:and|but|while|whereas)\s+(?:it\s+|the\s+government\s+|slovenia\s+)?"
    r"(?:takes?\s+note|notes|supports?|accepts?|rejects?|does\s+not)\b)",
    re.IGNORECASE,
)


def _clauses(text: str, batch: ImportBatch, line: int) -> list[tuple[str, list[str]]]:
    """(position, paragraph numbers) per clause: "supports 10.1 and notes 10.2" has two."""
    out: list[tuple[str, list[str]]] = []
    position: str | None = None
    for clause in _CLAUSE_SPLIT.split(text):
        position = position_from_sentence(clause) or position
        if position is None:
            continue
        refs = _refs(clause, batch, line)
        if refs:
            out.append((position, refs))
    return out


def _record_positions(
    batch: ImportBatch,
    positions: dict[str, str],
    first_line: dict[str, int],
    position: str,
    refs: list[str],
    line: int,
) -> None:
    for ref in refs:
        if ref in positions:
            if positions[ref] != position:
                batch.warn(
                    line,
                    f"{ref} is {positions[ref]} (line {first_line[ref]}) and"
                    f" {position} here; the first is kept",
                )
            else:
                batch.duplicates += 1
            continue
        positions[ref] = position
        first_line[ref] = line


def _check_gaps(batch: ImportBatch, positions: dict[str, str]) -> None:
    by_block: dict[int, set[int]] = {}
    for ref in positions:
        b, n = ref.split(".")
        by_block.setdefault(int(b), set()).add(int(n))
    for block, numbers in sorted(by_block.items()):
        missing = sorted(set(range(1, max(numbers) + 1)) - numbers)
        if missing and len(numbers) > len(missing):
            shown = ", ".join(f"{block}.{n}" for n in missing[:12])
            more = f" and {len(missing) - 12} more" if len(missing) > 12 else ""
            batch.warn(None, f"no position given for {shown}{more}")


def _check_stated_totals(batch: ImportBatch, lines: list[str], positions: dict[str, str]) -> None:
    flat = " ".join(" ".join(lines[:200]).split())
    m = re.search(
        r"of which (\d+) (?:are |were )?(?:now )?(?:supported|accepted) and (\d+)"
        r" (?:are |were )?noted",
        flat,
    )
    if not m:
        return
    counts = Counter(positions.values())
    supported = counts["supported"] + counts["supported_in_part"]
    if (supported, counts["noted"]) != (int(m.group(1)), int(m.group(2))):
        batch.warn(
            None,
            f"the addendum states {m.group(1)} supported and {m.group(2)} noted;"
            f" {supported} supported and {counts['noted']} noted were found",
        )


def parse_addendum_file(
    path: Path, *, symbol: str | None = None, country: str | None = None
) -> ImportBatch:
    """An addendum from a .txt or .docx file."""
    if path.suffix.casefold() in (".docx", ".docm"):
        from tui.importers.docx_io import body_lines, open_docx

        return parse_addendum_lines(
            body_lines(open_docx(path)), source_file=path.name, symbol=symbol, country=country
        )
    probe = ImportBatch(kind="addendum", source_file=path.name)
    text = read_text_file(path, REPORT_LIMIT, "the addendum", probe)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    batch = parse_addendum_lines(
        text.split("\n"), source_file=path.name, symbol=symbol, country=country
    )
    batch.encoding = probe.encoding
    batch.warnings[:0] = probe.warnings
    return batch


def addendum_targets(records: Mapping[str, Any], country: str | None) -> dict[str, str]:
    """Paragraph -> id of the records of ``country`` imported from a report that stated no
    symbol (``UPR:<ISO3>/<session>:<paragraph>``, DESIGN §3), for an addendum that names one.

    When the State has such records from several reviews, the latest session's are taken: an
    addendum answers the latest review.
    """
    if not country:
        return {}
    prefix = f"UPR:{country}/"
    best: dict[str, tuple[int, str]] = {}
    for rid, record in records.items():
        if not rid.startswith(prefix) or record.get("deleted") or record.get("merged_into"):
            continue
        session = record.get("session")
        rank = session if isinstance(session, int) and not isinstance(session, bool) else -1
        paragraph = str(record.get("paragraph") or "")
        if paragraph and (paragraph not in best or best[paragraph][0] < rank):
            best[paragraph] = (rank, rid)
    if not best:
        return {}
    latest = max(rank for rank, _rid in best.values())
    return {p: rid for p, (rank, rid) in best.items() if rank == latest}
