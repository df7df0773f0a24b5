"""Per-country figures the overview and the brief show (no Textual)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from tui import council, refdata
from tui.checklist import (
    country_templates,
    cycle_entries,
    live_cycle,
    review_for,
    summary_label,
    template_entries,
)

if TYPE_CHECKING:
    from tui.store import Workspace


@dataclass
class CountrySummary:
    iso3: str
    last_review: refdata.Review | None
    next_review: refdata.Review | None
    recommendations: int = 0
    triaged: int = 0
    by_position: dict[str, int] = field(default_factory=dict)
    checklist_label: str = ""
    pledges: int = 0  # voluntary pledges of the State (records of kind "pledge")
    wg_reports: dict[int, str] = field(default_factory=dict)  # cycle -> WG report symbol


def country_summary(
    ws: Workspace | None, iso3: str, today: date, records: Iterable[dict[str, Any]] | None = None
) -> CountrySummary:
    """``records``: the country's recommendations when the caller already has them (a triage
    index), so the count does not walk every recommendation of the workspace."""
    summary = CountrySummary(
        iso3, refdata.last_review(iso3, today), refdata.next_review(iso3, today)
    )
    if ws is None:
        return summary
    positions: Counter[str] = Counter()
    # Each document's first (cycle, session): a cycle's Council symbol names its WG report.
    documents: dict[Any, tuple[Any, Any]] = {}
    for rec in ws.table("recommendations").values() if records is None else records:
        if rec.get("country") != iso3 or rec.get("deleted"):
            continue
        if rec.get("kind") == "pledge":
            summary.pledges += 1  # a voluntary pledge: never counted as a recommendation
            continue
        if rec.get("document") not in documents:
            documents[rec.get("document")] = (rec.get("cycle"), rec.get("session"))
        summary.recommendations += 1
        summary.triaged += bool(rec.get("triaged"))
        positions[rec.get("position", "pending")] += 1
    summary.by_position = dict(positions.most_common())
    summary.wg_reports = council.wg_reports_from(((d, *at) for d, at in documents.items()), iso3)
    table = ws.table("checklist")
    cycle = live_cycle(iso3, today, table)
    entries = cycle_entries(table, iso3, cycle) if cycle is not None else []
    if entries:
        summary.checklist_label = f"cycle {cycle}: {summary_label(entries, today)}"
    elif cycle is not None and (review := review_for(iso3, cycle)) is not None:
        # Not started: what its templates and the calendar give, late items included.
        adoption = council.adoption(review, summary.wg_reports.get(cycle, "")).session.start
        fresh = template_entries(iso3, cycle, country_templates(ws, iso3), adoption)
        summary.checklist_label = (
            f"cycle {cycle}, not started: {summary_label(fresh, today)} (c to open)"
        )
    return summary
