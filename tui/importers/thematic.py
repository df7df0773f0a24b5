"""OHCHR "Thematic list of recommendations" (.docx): one table grouped under "Theme: …" rows.

Two layouts are known (see shared/README.md): session 48 has columns recommendation and
recommending State | position | themes and groups of persons | SDGs; session 34 has
recommendation | position | full list of themes (with "SDGs:" and "Affected persons:" inside)
| assessment. Columns are found by their header text, so both (and reorderings) work.
Each recommendation cell ends with "Source of Position: A/HRC/…/Add.1 - Para.N": the document
symbol (without /Add.N) and the paragraph number give the same id as the report's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tui.ids import hash_id, upr_id
from tui.importers.base import ImportBatch, Progress, SourceError
from tui.importers.common import (
    SYMBOL_RE,
    clean_field,
    clean_line,
    cycle_of_session,
    join_lines,
    peel_states,
    position_from_word,
    resolve,
    sdg_code,
    strip_addendum,
)
from tui.importers.docx_io import header_text, open_docx

_PARA_RE = re.compile(r"^\s*(\d{1,4}\.\d{1,4})\.?\s+")
_SOURCE_RE = re.compile(r"Source\s+of\s+Position\s*:\s*(.*)$", re.IGNORECASE | re.DOTALL)
_REVIEW_RE = re.compile(
    r"UPR of (.+?)\s*\(\s*(\d{1,2})\w*\s+Cycle\s*[-–]\s*(\d{1,3})\w*\s+Session\s*\)", re.IGNORECASE
)
_SUBHEAD_RE = re.compile(
    r"^\s*(Groups? of Persons|Affected persons|SDGs?)\s*:\s*(.*)$", re.IGNORECASE
)


def _header_row(table: Any) -> list[str]:
    return [clean_line(c.text).casefold() for c in table.rows[0].cells] if table.rows else []


def _columns(header: list[str]) -> dict[str, int]:
    cols: dict[str, int] = {}
    for i, h in enumerate(header):
        if "recommendation" in h and "rec" not in cols:
            cols["rec"] = i
        elif "position" in h and "position" not in cols:
            cols["position"] = i
        elif "theme" in h and "themes" not in cols:
            cols["themes"] = i
        elif "sdg" in h and "sdgs" not in cols:
            cols["sdgs"] = i
        elif ("assessment" in h or "comment" in h) and "assessment" not in cols:
            cols["assessment"] = i
    return cols


def _find_table(document: Any) -> Any | None:
    for table in document.tables:
        cols = _columns(_header_row(table))
        if "rec" in cols and "position" in cols:
            return table
    return None


def is_thematic_list(document: Any) -> bool:
    """A Word file whose table has recommendation and position columns."""
    return _find_table(document) is not None


def _split_cell_lists(text: str) -> dict[str, list[str]]:
    """A themes cell: "- Theme" lines, then "Groups of Persons:", "SDGs:", "Affected persons:"."""
    out: dict[str, list[str]] = {"themes": [], "groups": [], "sdgs": []}
    target = "themes"
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            continue
        sub = _SUBHEAD_RE.match(line)
        if sub:
            target = "sdgs" if sub.group(1).casefold().startswith("sdg") else "groups"
            line = sub.group(2).strip()
            if not line:
                continue
        if target == "sdgs":
            code = sdg_code(line)
            if code and code not in out["sdgs"]:
                out["sdgs"].append(code)
            continue
        item = clean_line(re.sub(r"^[-•–]\s*", "", line))
        if item and item not in out[target]:
            out[target].append(item)
    return out


def parse_thematic_document(
    document: Any,
    *,
    source_file: str,
    symbol: str | None = None,
    country: str | None = None,
    progress: Progress | None = None,
) -> ImportBatch:
    """Recommendations of a thematic list (an opened python-docx Document)."""
    batch = ImportBatch(kind="thematic-list", source_file=source_file)
    table = _find_table(document)
    if table is None:
        raise SourceError(f"{source_file}: no table with recommendation and position columns")
    cols = _columns(_header_row(table))
    head = header_text(document)
    review = _REVIEW_RE.search(" ".join(head.split()))
    session = int(review.group(3)) if review else None
    cycle = int(review.group(2)) if review else cycle_of_session(session)
    if review and cycle != cycle_of_session(session):
        batch.warn(None, f"the header says cycle {cycle} for session {session}")
    iso = resolve(review.group(1)) if review else None
    given = resolve(country) if country else None
    if country and not given:
        batch.warn(None, f"--country {country!r} is not a known State")
    if iso and given and iso != given:
        batch.warn(None, f"the list concerns {iso}; --country {given} ignored")
    batch.country = iso or given
    if review and not iso:
        batch.unknown_names[review.group(1)] += 1
        batch.warn(None, f"State under review {review.group(1)!r} is not a known State")
    if not batch.country:
        batch.warn(None, "the State under review is not named in the page header (give --country)")
    if session is None:
        batch.warn(None, "the page header does not name the session; session and cycle left empty")
    rows = table.rows
    total = len(rows) - 1
    by_id: dict[str, dict[str, Any]] = {}
    theme_heading = ""
    documents: set[str] = set()
    for index in range(1, len(rows)):
        row_no = index + 1  # 1-based, the header is row 1
        cells = rows[index].cells
        texts = [c.text for c in cells]
        rec_cell = texts[cols["rec"]] if cols["rec"] < len(texts) else ""
        if rec_cell.strip().casefold().startswith("theme:"):
            theme_heading = clean_line(rec_cell.split(":", 1)[1])
            continue
        if not rec_cell.strip():
            continue
        source_match = _SOURCE_RE.search(rec_cell)
        source_text = clean_line(source_match.group(1)) if source_match else ""
        body = rec_cell[: source_match.start()] if source_match else rec_cell
        para_match = _PARA_RE.match(body)
        if not para_match:
            batch.warn(
                row_no, "no paragraph number at the start of the recommendation; row skipped"
            )
            continue
        paragraph = para_match.group(1)
        raw_text = join_lines(body[para_match.end() :].split("\n"))
        text, names = peel_states(raw_text, batch)
        if not names:
            batch.warn(row_no, f"{paragraph}: no recommending State found at the end")
        text = clean_field(text, batch, row_no)
        sym = SYMBOL_RE.search(source_text)
        document = strip_addendum(sym.group(0)) if sym else ""
        if not document and symbol:
            document = strip_addendum(symbol)
        if document:
            documents.add(document)
        position_cell = texts[cols["position"]] if cols["position"] < len(texts) else ""
        position = position_from_word(clean_line(position_cell))
        if position is None:
            batch.warn(
                row_no,
                f"{paragraph}: position {clean_line(position_cell)[:40]!r} not"
                " understood; left pending",
            )
            position = "pending"
        lists: dict[str, list[str]] = {"themes": [], "groups": [], "sdgs": []}
        if "themes" in cols and cols["themes"] < len(texts):
            lists = _split_cell_lists(texts[cols["themes"]])
        if "sdgs" in cols and cols["sdgs"] < len(texts):
            for code in _split_cell_lists("SDGs:\n" + texts[cols["sdgs"]])["sdgs"]:
                if code not in lists["sdgs"]:
                    lists["sdgs"].append(code)
        if theme_heading and theme_heading not in lists["themes"]:
            lists["themes"].insert(0, theme_heading)
        rid = (
            upr_id(document, paragraph)
            if document
            else hash_id("UPR", batch.country or "", session or "", text)
        )
        if not document:
            batch.warn(
                row_no,
                f"{paragraph}: no document symbol in 'Source of Position' (give"
                " --symbol); id from the text",
            )
        if rid in by_id:
            # Listed under a second theme: one record, lists merged.
            batch.duplicates += 1
            old = by_id[rid]
            for key in ("themes", "groups", "sdgs"):
                old[key].extend(v for v in lists[key] if v not in old[key])
            continue
        source: dict[str, Any] = {"file": source_file, "row": row_no, "kind": "thematic-list"}
        if source_text:
            source["position_source"] = source_text
        if "assessment" in cols and cols["assessment"] < len(texts):
            assessment = clean_line(texts[cols["assessment"]])
            if assessment:
                source["assessment"] = assessment[:2000]
        record = {
            "id": rid,
            "mechanism": "UPR",
            "body": "",
            "country": batch.country or "",
            "cycle": cycle,
            "session": session,
            "document": document,
            "paragraph": paragraph,
            "text": text,
            "recommending": names,
            "position": position,
            "themes": lists["themes"],
            "groups": lists["groups"],
            "sdgs": lists["sdgs"],
            "action_category": None,
            "source": source,
        }
        by_id[rid] = record
        batch.records.append(record)
        if progress and index % 50 == 0:
            progress(index, total)
    if progress:
        progress(total, total)
    if not batch.records:
        raise SourceError(f"{source_file}: the thematic list holds no recommendations")
    if len(documents) == 1:
        batch.document = documents.pop()
    elif len(documents) > 1:
        batch.warn(None, f"rows name several documents: {', '.join(sorted(documents))}")
    batch.stats.update(
        {"rows": len(batch.records) + batch.duplicates, "recommendations": len(batch.records)}
    )
    return batch


def parse_thematic_list(
    path: Path,
    *,
    symbol: str | None = None,
    country: str | None = None,
    progress: Progress | None = None,
) -> ImportBatch:
    """Open and parse a thematic list .docx."""
    return parse_thematic_document(
        open_docx(path), source_file=path.name, symbol=symbol, country=country, progress=progress
    )
