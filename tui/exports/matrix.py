"""The recommendation matrix: one row per recommendation, CSV or XLSX (issue 7, item 1).

It links each UPR (or treaty body, special procedure) recommendation to the UN entities,
Cooperation Framework outcome and status the country team decided in triage; teams filter
and sort it in Excel or LibreOffice, so the XLSX has a frozen, filtered header row.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import IO, Any

from tui.exports.safe import (
    POSITION_LABELS,
    PRIORITY_LABELS,
    STATUS_LABELS,
    Sheet,
    Source,
    category_label,
    data_stamp,
    label,
    natural_key,
    plain,
    state_name,
    state_names,
    write_csv,
    write_xlsx,
)
from tui.model import MECHANISMS

# (header, width in the XLSX, wrapped)
COLUMNS: tuple[tuple[str, float, bool], ...] = (
    ("Paragraph", 10, False),
    ("Recommendation", 60, True),
    ("Recommending States", 24, True),
    ("Position", 14, False),
    ("Mechanism", 10, False),
    ("Body", 12, False),
    ("Themes", 28, True),
    ("Groups of persons", 22, True),
    ("SDGs", 10, True),
    ("Cluster", 18, True),
    ("Priority", 9, False),
    ("Lead entity", 12, False),
    ("Partner entities", 18, True),
    ("Cooperation Framework outcome", 24, True),
    ("Implementation status", 16, False),
    ("Action category", 16, False),
    ("Note", 30, True),
    ("Cycle", 7, False),
    ("Document", 14, False),
    ("Id", 28, False),
    # Appended columns (issue 19 owns the layout: never reorder the ones above; new ones go at
    # the end, always present, in this order).
    ("Evidence", 30, True),
    ("Triaged", 8, False),
    ("Session", 8, False),
    ("Review date", 11, False),  # first day of the UPR Working Group session (reference data)
    ("Previous cycle", 24, True),  # issue 17: linked earlier-cycle paragraphs, their status
    ("SDG labels", 40, True),  # issue 17: each SDG goal or target with its text
    ("Stated status", 20, True),  # issue 16: the State's own claim (source.stated_status)
    ("Kind", 12, False),  # issue 16: "Recommendation" or "Voluntary pledge"
)
HEADER = tuple(c[0] for c in COLUMNS)
FORMATS = ("csv", "xlsx")


def sort_key(record: Mapping[str, Any]) -> tuple[Any, ...]:
    """Mechanism (UPR first), body, cycle, document, paragraph in natural order, id."""
    mechanism = record.get("mechanism")
    cycle = record.get("cycle")
    return (
        MECHANISMS.index(mechanism) if mechanism in MECHANISMS else len(MECHANISMS),
        plain(record.get("body")).casefold(),
        (1, 0) if not isinstance(cycle, int) else (0, cycle),
        natural_key(plain(record.get("document"))),
        natural_key(plain(record.get("paragraph"))),
        str(record.get("id", "")),
    )


def select_recommendations(
    source: Source,
    iso3: str,
    cycle: int | None = None,
    *,
    mechanism: str | None = None,
    ordered: bool = True,
) -> list[dict[str, Any]]:
    """The country's live recommendations (optionally one cycle, one mechanism), sorted
    unless ``ordered`` is false (counting needs no order)."""
    out = [
        r
        for r in source.table("recommendations").values()
        if r.get("country") == iso3
        and not r.get("deleted")
        and (cycle is None or r.get("cycle") == cycle)
        and (mechanism is None or r.get("mechanism") == mechanism)
    ]
    if ordered:
        out.sort(key=sort_key)
    return out


def matrix_row(record: Mapping[str, Any], previous: str = "") -> list[Any]:
    """The cells of one recommendation, in :data:`HEADER` order (labels, lists joined).

    ``previous`` is the ``Previous cycle`` cell (:func:`tui.links.previous_cycle_cell`).
    """
    cycle = record.get("cycle")
    session = record.get("session")
    return [
        plain(record.get("paragraph")),
        plain(record.get("text")),
        state_names(record.get("recommending")),
        label(POSITION_LABELS, record.get("position")),
        plain(record.get("mechanism")),
        plain(record.get("body")),
        plain(record.get("themes")),
        plain(record.get("groups")),
        plain(record.get("sdgs")),
        plain(record.get("cluster")),
        label(PRIORITY_LABELS, record.get("priority")),
        plain(record.get("lead_entity")),
        plain(record.get("partners")),
        plain(record.get("cf_outcome")),
        label(STATUS_LABELS, record.get("status")),
        category_label(record.get("action_category")),
        plain(record.get("note")),
        cycle if isinstance(cycle, int) and not isinstance(cycle, bool) else None,
        plain(record.get("document")),
        plain(record.get("id")),
        plain(record.get("evidence")),
        "yes" if record.get("triaged") is True else "",
        session if isinstance(session, int) and not isinstance(session, bool) else None,
        review_date(session),
        previous,
        sdg_labels(record.get("sdgs")),
        plain(_source(record).get("stated_status")),
        "Voluntary pledge" if record.get("kind") == "pledge" else "Recommendation",
    ]


def review_date(session: Any) -> str:
    """ISO date the UPR Working Group session starts (reference data), or empty."""
    from tui import refdata

    if not isinstance(session, int) or isinstance(session, bool):
        return ""
    try:
        return refdata.session(session).start.isoformat()
    except (KeyError, LookupError):
        return ""


def _source(record: Mapping[str, Any]) -> Mapping[str, Any]:
    source = record.get("source")
    return source if isinstance(source, Mapping) else {}


def sdg_labels(codes: Any) -> str:
    """``5.2 Eliminate all forms of violence against all women and girls…; 16 Peace, …``."""
    from tui.tags import sdg_label

    if not isinstance(codes, list):
        return ""
    return plain([sdg_label(str(c)) for c in codes])


def _rows(
    source: Source, records: Sequence[Mapping[str, Any]], keep: list | None = None
) -> Iterator[list[Any]]:
    """Each record's cells; with ``keep``, (record, cells) is also kept for the hidden sheet."""
    from tui.links import LinkIndex, previous_cycle_cell

    index = LinkIndex(source)
    for record in records:
        row = matrix_row(record, previous_cycle_cell(source, record, index))
        if keep is not None:
            keep.append((record, row))
        yield row


def owns(record: Mapping[str, Any], owner: str) -> bool:
    """True if ``owner`` (case-insensitive) leads the recommendation or is among its partners."""
    wanted = owner.strip().casefold()
    if plain(record.get("lead_entity")).strip().casefold() == wanted:
        return True
    partners = record.get("partners")
    return isinstance(partners, list) and any(
        isinstance(p, str) and p.strip().casefold() == wanted for p in partners
    )


def _lists(records: Sequence[Mapping[str, Any]]) -> tuple[Sheet, list[tuple[int, str, bool]]]:
    """The hidden ``Lists`` sheet behind the drop-downs, and the validations that use it.

    Priority and status are strict (a value outside them would be refused at import); lead
    entity lists the UN entities and those already used, and accepts another with a warning."""
    from tui import refdata
    from tui.exports.matrix_data import LISTS_SHEET

    priorities = [v for v in PRIORITY_LABELS.values() if v]
    statuses = list(STATUS_LABELS.values())
    entities = sorted(
        {e.short for e in refdata.entities()}
        | {plain(r.get("lead_entity")) for r in records if plain(r.get("lead_entity"))},
        key=str.casefold,
    )
    columns = (priorities, statuses, entities)
    height = max(len(c) for c in columns)
    rows = [[c[i] if i < len(c) else None for c in columns] for i in range(height)]
    sheet = Sheet(
        LISTS_SHEET,
        ("Priority", "Implementation status", "Lead entity"),
        rows,
        freeze="",
        autofilter=False,
        hidden=True,
    )
    index = {name: i for i, name in enumerate(HEADER)}
    validations = [
        (index["Priority"], f"={LISTS_SHEET}!$A$2:$A${len(priorities) + 1}", True),
        (index["Implementation status"], f"={LISTS_SHEET}!$B$2:$B${len(statuses) + 1}", True),
        (index["Lead entity"], f"={LISTS_SHEET}!$C$2:$C${len(entities) + 1}", False),
    ]
    return sheet, validations


def write_matrix(
    source: Source,
    iso3: str,
    fmt: str,
    out: IO[bytes],
    *,
    cycle: int | None = None,
    today: date | None = None,
    bom: bool = False,
    owner: str | None = None,
    records: Sequence[Mapping[str, Any]] | None = None,
) -> int:
    """Write the matrix of ``iso3`` as ``csv`` or ``xlsx`` to a binary stream; returns rows.

    ``owner``: only the rows that entity leads or partners. ``records``: exactly these rows
    (the app's filtered view), in this order. The XLSX carries drop-down lists (priority,
    status, lead entity) and a hidden sheet that lets ``upr import`` take it back as edits
    (tui/roundtrip.py). ``today`` is accepted for a uniform signature.
    """
    from tui.exports.matrix_data import HIDDEN_SHEET, export_rows

    if records is None:
        records = select_recommendations(source, iso3, cycle)
    if owner:
        records = [r for r in records if owns(r, owner)]
    if fmt == "csv":
        return write_csv(out, HEADER, _rows(source, records), bom=bom)
    if fmt == "xlsx":
        name = state_name(iso3)
        kept: list[tuple[Mapping[str, Any], list[Any]]] = []
        lists, validations = _lists(records)
        sheet = Sheet(
            "Recommendations",
            HEADER,
            _rows(source, records, kept),
            widths=[c[1] for c in COLUMNS],
            wrap=[i for i, c in enumerate(COLUMNS) if c[2]],
            freeze="B2",
            validations=validations,
        )

        def hidden_rows() -> Iterator[list[Any]]:
            rows = export_rows(source, iso3, HEADER, kept)
            yield from rows[1:]

        hidden = Sheet(
            HIDDEN_SHEET,
            export_rows(source, iso3, HEADER, ())[0],
            hidden_rows(),
            freeze="",
            autofilter=False,
            hidden=True,
        )
        suffix = f", cycle {cycle}" if cycle is not None else ""
        write_xlsx(
            out,
            [sheet, lists, hidden],
            stamp=data_stamp(records),
            title=f"UPR recommendation matrix: {name}{suffix}",
            subject="Recommendations, positions, UN entities and implementation status",
        )
        return sheet.written
    raise ValueError(f"matrix formats are {', '.join(FORMATS)}, not {fmt!r}")
