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


def _rows(source: Source, records: Sequence[Mapping[str, Any]]) -> Iterator[list[Any]]:
    from tui.links import LinkIndex, previous_cycle_cell

    index = LinkIndex(source)
    for record in records:
        yield matrix_row(record, previous_cycle_cell(source, record, index))


def write_matrix(
    source: Source,
    iso3: str,
    fmt: str,
    out: IO[bytes],
    *,
    cycle: int | None = None,
    today: date | None = None,
    bom: bool = False,
) -> int:
    """Write the matrix of ``iso3`` as ``csv`` or ``xlsx`` to a binary stream; returns rows.

    ``today`` is accepted for a uniform signature (the matrix does not depend on the date).
    """
    records = select_recommendations(source, iso3, cycle)
    if fmt == "csv":
        return write_csv(out, HEADER, _rows(source, records), bom=bom)
    if fmt == "xlsx":
        name = state_name(iso3)
        sheet = Sheet(
            "Recommendations",
            HEADER,
            _rows(source, records),
            widths=[c[1] for c in COLUMNS],
            wrap=[i for i, c in enumerate(COLUMNS) if c[2]],
            freeze="B2",
        )
        suffix = f", cycle {cycle}" if cycle is not None else ""
        write_xlsx(
            out,
            [sheet],
            stamp=data_stamp(records),
            title=f"UPR recommendation matrix: {name}{suffix}",
            subject="Recommendations, positions, UN entities and implementation status",
        )
        return sheet.written
    raise ValueError(f"matrix formats are {', '.join(FORMATS)}, not {fmt!r}")
