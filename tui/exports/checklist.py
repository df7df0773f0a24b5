"""``upr export checklist``: a country's phase checklist as Markdown or CSV.

Reading, starting and changing checklists is the core's job (:mod:`tui.checklist`); the names
are re-exported here because the screens and tests long imported them from this module.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from tui import council
from tui.checklist import (  # many re-exported: see __all__
    DONE_STATUSES,
    MAX_CUSTOM_SLUG,
    PHASE_LABELS,
    PHASES,
    SOON_DAYS,
    DueItem,
    Entry,
    add_custom_item,
    available_cycles,
    country_templates,
    custom_key,
    cycle_entries,
    day_text,
    due_items,
    due_rule_text,
    due_state,
    entries_by_cycle,
    live_checklist,
    live_cycle,
    order_key,
    ordered,
    parse_due_input,
    phase_counts,
    phase_today,
    progress,
    progress_bar,
    progress_labels,
    review_for,
    review_text,
    rule_due,
    set_status,
    set_templates,
    start_checklist,
    template_entries,
    templates,
    why_text,
)
from tui.exports.safe import md_cell, neutralise, state_name
from tui.labels import CHECKLIST_STATUS_LABELS as STATUS_LABELS
from tui.sanitize import clean_line

# The module's names, including those re-exported from the core for older imports.
__all__ = [
    "CSV_COLUMNS",
    "DueItem",
    "Entry",
    "FORMATS",
    "MAX_CUSTOM_SLUG",
    "SOON_DAYS",
    "STATUS_LABELS",
    "STATUS_MARKS",
    "add_custom_item",
    "available_cycles",
    "country_templates",
    "custom_key",
    "cycle_entries",
    "day_text",
    "due_items",
    "due_rule_text",
    "entries_by_cycle",
    "export_checklist",
    "export_filename",
    "live_checklist",
    "live_cycle",
    "order_key",
    "ordered",
    "parse_due_input",
    "phase_counts",
    "phase_today",
    "progress_bar",
    "progress_labels",
    "render_csv",
    "render_markdown",
    "review_for",
    "review_text",
    "rule_due",
    "set_status",
    "set_templates",
    "start_checklist",
    "why_text",
]


if TYPE_CHECKING:
    from tui.store import Workspace


STATUS_MARKS: dict[str, str] = {
    "todo": "[ ]",
    "in_progress": "[~]",
    "done": "[x]",
    "not_applicable": "[-]",
}
FORMATS = ("md", "csv")
CSV_COLUMNS = (
    "country",
    "cycle",
    "phase",
    "item",
    "text",
    "status",
    "owner",
    "due",
    "due_state",
    "note",
    "custom",
    "template",
)


# --------------------------------------------------------------------------- export


def export_filename(iso3: str, cycle: int, fmt: str) -> str:
    return f"checklist-{iso3}-c{cycle}.{fmt}"


def _due_words(entry: Entry, today: date) -> str:
    due = str(entry.get("due") or "")
    if not due:
        return "no date"
    state = due_state(entry, today, SOON_DAYS)
    return due + {"overdue": " (OVERDUE)", "due_soon": " (due soon)"}.get(state, "")


def render_markdown(
    iso3: str,
    cycle: int,
    entries: Sequence[Entry],
    today: date,
    *,
    template_keys: Sequence[str] = (),
    started: bool = True,
) -> str:
    """A printable checklist: header, then per phase its items with status, owner, due, note."""
    review = review_for(iso3, cycle)
    name = state_name(iso3)
    live = ordered(e for e in entries if not e.get("deleted"))
    done, total = progress(live)
    late = sum(1 for e in live if due_state(e, today, SOON_DAYS) == "overdue")
    soon = sum(1 for e in live if due_state(e, today, SOON_DAYS) == "due_soon")
    _, where = phase_today(review, today)
    shipped = templates()
    lines = [
        f"# UPR checklist: {md_cell(name)} ({iso3}), cycle {cycle}",
        "",
        f"- Review: {review_text(review)}",
        f"- Status on {today.isoformat()}: {where}",
        f"- Progress: {done}/{total} done, {late} overdue, {soon} due within {SOON_DAYS} days",
    ]
    if template_keys:
        titles = [md_cell(shipped[k].title) for k in template_keys if k in shipped]
        lines.append(f"- Templates: {'; '.join(titles)}")
    if not started:
        lines.append("- Not started in the workspace: every item is shown as to do.")
    counts = phase_counts(live, today)
    for phase in [*PHASES, *sorted({str(e.get("phase")) for e in live} - set(PHASES))]:
        items = [e for e in live if e.get("phase") == phase]
        if not items:
            continue
        p_done, p_total, _ = counts[phase]
        lines += ["", f"## {PHASE_LABELS.get(phase, md_cell(phase))}: {p_done}/{p_total} done", ""]
        for entry in items:
            status = str(entry.get("status", "todo"))
            box = "[x]" if status in DONE_STATUSES else "[ ]"
            custom = " (added by the team)" if entry.get("custom") else ""
            lines.append(f"- {box} {md_cell(str(entry.get('text', '')))}{custom}")
            owner = md_cell(str(entry.get("owner") or "")) or "none"
            lines.append(
                f"  - status: {STATUS_LABELS.get(status, md_cell(status))}; owner: {owner}; "
                f"due: {_due_words(entry, today)}"
            )
            note = md_cell(str(entry.get("note") or ""))
            if note:
                lines.append(f"  - note: {note}")
    return "\n".join(lines) + "\n"


def _csv_cell(value: Any) -> str:
    """A CSV cell: one clean line, neutralised as in every export (a leading = + - @, or
    their full-width forms, gets a ' so spreadsheets never run it)."""
    return neutralise(clean_line(str(value)))


def render_csv(iso3: str, cycle: int, entries: Sequence[Entry], today: date) -> str:
    """One row per item with a header (``CSV_COLUMNS``), in checklist order, ``\\n`` line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in ordered(e for e in entries if not e.get("deleted")):
        writer.writerow(
            [
                iso3,
                cycle,
                _csv_cell(entry.get("phase", "")),
                _csv_cell(entry.get("item", "")),
                _csv_cell(entry.get("text", "")),
                _csv_cell(entry.get("status", "")),
                _csv_cell(entry.get("owner", "")),
                _csv_cell(entry.get("due", "")),
                due_state(entry, today, SOON_DAYS),
                _csv_cell(entry.get("note", "")),
                "yes" if entry.get("custom") else "no",
                _csv_cell(entry.get("template", "")),
            ]
        )
    return buffer.getvalue()


def export_checklist(
    ws: Workspace, iso3: str, cycle: int, fmt: str, today: date
) -> tuple[str, bool]:
    """(text, started): the checklist in ``md`` or ``csv``. A cycle not started in the
    workspace is exported from the country's templates, every item to do."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    entries: Sequence[Entry] = cycle_entries(ws.table("checklist"), iso3, cycle)
    started = bool(entries)
    chosen = country_templates(ws, iso3)
    if not started:
        entries = template_entries(iso3, cycle, chosen, council.adoption_day(ws, iso3, cycle))
    if fmt == "csv":
        return render_csv(iso3, cycle, entries, today), started
    used = [
        k
        for k in dict.fromkeys(str(e.get("template")) for e in ordered(entries))
        if k in templates()
    ]
    return render_markdown(
        iso3, cycle, entries, today, template_keys=used or chosen, started=started
    ), started
