"""A country's phase checklist in the workspace: reading, starting, changing and exporting it.

The checklist screen, the Due screen, the country list's progress column and
``upr export checklist`` all read checklists through these functions, so they agree on which
cycle is meant, on item order and on what is late. Every change goes through ``ws.edit``
(clock, history, undo); nothing here imports Textual.

Record ids are ``<ISO3>:<cycle>:<item key>`` (DESIGN §3). Custom items get the key
``custom-<slug of the text>``, so two advisers adding the same item get the same id.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from tui import council, refdata
from tui.checklist import (
    DEFAULT_TEMPLATES,
    DONE_STATUSES,
    PHASE_LABELS,
    PHASES,
    checklist_entries,
    due_state,
    find_item,
    progress,
    review_phase,
    summary_label,
    templates,
)
from tui.exports.safe import md_cell, neutralise, state_name
from tui.ids import checklist_id
from tui.sanitize import clean_line

if TYPE_CHECKING:
    from tui.store import Workspace

Entry = Mapping[str, Any]

STATUS_LABELS: dict[str, str] = {
    "todo": "to do",
    "in_progress": "in progress",
    "done": "done",
    "not_applicable": "not applicable",
}
STATUS_MARKS: dict[str, str] = {
    "todo": "[ ]",
    "in_progress": "[~]",
    "done": "[x]",
    "not_applicable": "[-]",
}
SOON_DAYS = 14  # "due soon" window, as tui.checklist.due_state
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
MAX_CUSTOM_SLUG = 40


# --------------------------------------------------------------------------- reading


@functools.cache
def _item_rank() -> dict[str, tuple[int, int]]:
    """Template items in display order: the default template first, then the others by key."""
    shipped = templates()
    order = [k for k in DEFAULT_TEMPLATES if k in shipped]
    order += sorted(k for k in shipped if k not in order)
    return {
        item.key: (rank, index)
        for rank, key in enumerate(order)
        for index, item in enumerate(shipped[key].items)
    }


def order_key(entry: Entry) -> tuple[int, tuple[int, int], str, str]:
    """Phase, then template and item order; custom items last in their phase, oldest first."""
    phase = entry.get("phase")
    phase_rank = PHASES.index(phase) if phase in PHASES else len(PHASES)
    rank = None if entry.get("custom") else _item_rank().get(str(entry.get("item", "")))
    clocks = entry.get("_clock")
    created = str(clocks.get("*", "")) if isinstance(clocks, Mapping) else ""
    return phase_rank, rank if rank is not None else (10_000, 0), created, str(entry.get("id", ""))


def ordered(entries: Iterable[Entry]) -> list[Entry]:
    """Entries in display and export order."""
    return sorted(entries, key=order_key)


def entries_by_cycle(table: Mapping[str, Entry], iso3: str) -> dict[int, list[Entry]]:
    """A country's live (not deleted) checklist entries, by cycle."""
    out: dict[int, list[Entry]] = {}
    for entry in table.values():
        if entry.get("country") != iso3 or entry.get("deleted"):
            continue
        cycle = entry.get("cycle")
        if isinstance(cycle, int):
            out.setdefault(cycle, []).append(entry)
    return out


def cycle_entries(table: Mapping[str, Entry], iso3: str, cycle: int) -> list[Entry]:
    """A country's live entries for one cycle, in display order."""
    return ordered(
        e
        for e in table.values()
        if e.get("country") == iso3 and e.get("cycle") == cycle and not e.get("deleted")
    )


def _has_open(entries: Iterable[Entry]) -> bool:
    return any(e.get("status") not in DONE_STATUSES for e in entries)


def default_cycle(table: Mapping[str, Entry], iso3: str, today: date) -> int | None:
    """The cycle a checklist opens on: the current or next review's.

    One exception keeps follow-up in view: when the next review's checklist is not started
    but the last review's still has open items, that one. None when the State has no review.
    """
    return _pick_cycle(entries_by_cycle(table, iso3), iso3, today)


def _pick_cycle(by_cycle: Mapping[int, list[Entry]], iso3: str, today: date) -> int | None:
    """:func:`default_cycle` from the country's entries by cycle, already gathered."""
    try:
        nxt = refdata.next_review(iso3, today)
        last = refdata.last_review(iso3, today)
    except KeyError:  # a code that is no State (a file may hold one): its entries only
        nxt = last = None
    if nxt is not None and nxt.cycle in by_cycle:
        return nxt.cycle
    if last is not None and _has_open(by_cycle.get(last.cycle, ())):
        return last.cycle
    if nxt is not None:
        return nxt.cycle
    if last is not None:
        return last.cycle
    return max(by_cycle) if by_cycle else None


def available_cycles(table: Mapping[str, Entry], iso3: str) -> list[int]:
    """Cycles a user can switch between: every review of the State and every cycle with entries."""
    try:
        cycles = {r.cycle for r in refdata.reviews(iso3)}
    except KeyError:  # a code that is no State: the cycles of its entries
        cycles = set()
    cycles |= set(entries_by_cycle(table, iso3))
    return sorted(cycles)


def progress_labels(table: Mapping[str, Entry], today: date) -> dict[str, str]:
    """Country-list column per country, e.g. ``7/16 ✓ 2 late``, for the cycle it opens on.

    Counting every cycle together would mix a finished cycle into the next one's progress.
    """
    countries: dict[str, dict[int, list[Entry]]] = {}
    for entry in table.values():
        cycle = entry.get("cycle")
        if entry.get("deleted") or not isinstance(cycle, int):
            continue
        countries.setdefault(str(entry.get("country", "")), {}).setdefault(cycle, []).append(entry)
    out: dict[str, str] = {}
    for iso3, by_cycle in countries.items():
        cycle = _pick_cycle(by_cycle, iso3, today)  # not default_cycle: one pass, not one a country
        if cycle not in by_cycle:
            cycle = max(by_cycle)
        out[iso3] = summary_label(by_cycle[cycle], today)
    return out


def country_templates(ws: Workspace, iso3: str) -> list[str]:
    """The templates a country uses (its ``countries`` record), else the default."""
    record = ws.get("countries", iso3) or {}
    chosen = [t for t in record.get("templates") or () if t in templates()]
    return chosen or list(DEFAULT_TEMPLATES)


# --------------------------------------------------------------------------- dates


def review_for(iso3: str, cycle: int) -> refdata.Review | None:
    try:
        return refdata.review(iso3, cycle)
    except KeyError:
        return None


def rule_due(entry: Entry, review: refdata.Review | None, adoption: date | None = None) -> str:
    """The due date the template's rule gives for this entry ('' without rule or dates);
    ``adoption``: first day of the adopting Council session (``council.adoption_day``)."""
    if review is None or entry.get("custom"):
        return ""
    found = find_item(str(entry.get("item", "")))
    if found is None or found[1].due is None:
        return ""
    return found[1].due.resolve(review.start, review.end, adoption).isoformat()


def due_rule_text(entry: Entry) -> str:
    """The rule in words ("200 days before the session starts"), '' for none or custom."""
    if entry.get("custom"):
        return ""
    found = find_item(str(entry.get("item", "")))
    if found is None or found[1].due is None:
        return ""
    return found[1].due.describe()


def why_text(entry: Entry) -> str:
    found = None if entry.get("custom") else find_item(str(entry.get("item", "")))
    return found[1].why if found else ""


def day_text(day: date) -> str:
    """``25 Jan 2027`` (no platform-specific strftime flags)."""
    return f"{day.day} {day:%b %Y}"


def review_text(review: refdata.Review | None) -> str:
    """``session 54, 25 Jan 2027 – 5 Feb 2027 (session projected, dates inferred)``."""
    if review is None:
        return "no review known for this cycle"
    text = f"session {review.session.number}, {day_text(review.start)} – {day_text(review.end)}"
    return text + (f" ({review.caveat})" if review.caveat else "")


def phase_today(review: refdata.Review | None, today: date) -> tuple[str, str]:
    """(``before``|``during``|``after``|``unknown``, a sentence) for the review of a cycle."""
    if review is None:
        return "unknown", "no session dates known for this cycle"
    phase = review_phase(today, review.start, review.end)
    if phase == "before":
        days = (review.start - today).days
        return phase, f"before the review, {days} day{'s' if days != 1 else ''} to go"
    if phase == "during":
        return phase, f"during the review, the session runs until {day_text(review.end)}"
    days = (today - review.end).days
    return (
        phase,
        f"after the review, follow-up ({days} day{'s' if days != 1 else ''} since it ended)",
    )


def progress_bar(done: int, total: int, width: int = 8) -> str:
    """``████░░░░ 4/8``: full only when everything is done, one block as soon as anything is."""
    filled = done * width // total if total > 0 else 0
    if done > 0 and filled == 0:
        filled = 1
    return "█" * filled + "░" * (width - filled) + f" {done}/{total}"


def phase_counts(entries: Iterable[Entry], today: date) -> dict[str, tuple[int, int, int]]:
    """Per phase: (done, total, overdue)."""
    out: dict[str, list[int]] = {}
    for entry in entries:
        if entry.get("deleted"):
            continue
        counts = out.setdefault(str(entry.get("phase")), [0, 0, 0])
        counts[1] += 1
        if entry.get("status") in DONE_STATUSES:
            counts[0] += 1
        elif due_state(entry, today, SOON_DAYS) == "overdue":
            counts[2] += 1
    return {phase: (c[0], c[1], c[2]) for phase, c in out.items()}


# --------------------------------------------------------------------------- changing


def start_checklist(
    ws: Workspace, iso3: str, cycle: int, template_keys: Sequence[str] | None = None
) -> int:
    """Create (or bring back) a country's entries for a cycle from its templates; one undo step.

    Entries that already exist keep their status, owner, due date and note. Returns how many
    entries were created or brought back.
    """
    keys = list(template_keys) if template_keys is not None else country_templates(ws, iso3)
    review = review_for(iso3, cycle)
    fresh = checklist_entries(
        iso3,
        cycle,
        keys,
        review.start if review else None,
        review.end if review else None,
        council.adoption_day(ws, iso3, cycle) if review else None,
    )
    changed = 0
    with ws.undo_group(f"start checklist {iso3} cycle {cycle}"):
        for entry in fresh:
            rid = entry.pop("id")
            existing = ws.get("checklist", rid)
            if existing is None:
                changed += ws.edit("checklist", rid, entry)
            elif existing.get("deleted"):
                changed += ws.edit("checklist", rid, {"deleted": False})
    return changed


def set_templates(
    ws: Workspace, iso3: str, cycle: int | None, template_keys: Sequence[str]
) -> tuple[int, int]:
    """Choose a country's templates (kept in its ``countries`` record); one undo step.

    If the cycle's checklist is started, entries of a newly chosen template are added and
    entries of a dropped one are set aside (``deleted``, never removed: they come back with
    their status if the template is chosen again). Returns (added, set aside).
    """
    shipped = templates()
    keys = [k for k in dict.fromkeys(template_keys)]
    unknown = [k for k in keys if k not in shipped]
    if unknown:
        raise ValueError(f"unknown checklist template {unknown[0]!r}")
    added = removed = 0
    with ws.undo_group(f"templates of {iso3}"):
        ws.edit("countries", iso3, {"templates": keys})
        if cycle is None:
            return 0, 0
        live = entries_by_cycle(ws.table("checklist"), iso3).get(cycle, [])
        if not live:
            return 0, 0
        added = start_checklist(ws, iso3, cycle, keys)
        for entry in live:
            if not entry.get("custom") and entry.get("template") not in keys:
                removed += ws.edit("checklist", str(entry["id"]), {"deleted": True})
    return added, removed


def custom_key(text: str, taken: Iterable[str]) -> str:
    """``custom-<slug>`` for a new item, made unique among ``taken`` item keys."""
    slug = re.sub(r"[^a-z0-9]+", "-", refdata.fold(clean_line(text)))[:MAX_CUSTOM_SLUG].strip("-")
    base = f"custom-{slug or 'item'}"
    used = set(taken)
    key, n = base, 2
    while key in used:
        key = f"{base}-{n}"
        n += 1
    return key


def add_custom_item(
    ws: Workspace,
    iso3: str,
    cycle: int,
    text: str,
    phase: str,
    *,
    due: str = "",
    owner: str = "",
    note: str = "",
) -> str:
    """Add a team's own item to a country's checklist; returns its id. One undo step."""
    text = clean_line(text)
    if not text:
        raise ValueError("an item needs a text")
    if phase not in PHASES:
        raise ValueError(f"phase {phase!r} is not one of {', '.join(PHASES)}")
    prefix = f"{iso3}:{cycle}:"
    taken = [rid[len(prefix) :] for rid in ws.table("checklist") if rid.startswith(prefix)]
    key = custom_key(text, taken)
    rid = checklist_id(iso3, cycle, key)
    with ws.undo_group("add item"):
        ws.edit(
            "checklist",
            rid,
            {
                "country": iso3,
                "cycle": cycle,
                "item": key,
                "template": "",
                "phase": phase,
                "text": text,
                "status": "todo",
                "owner": clean_line(owner),
                "due": due,
                "note": note,
                "custom": True,
                "deleted": False,
            },
        )
    return rid


def parse_due_input(value: str) -> str:
    """A due date typed by a user: '' or YYYY-MM-DD (a real date). ValueError otherwise."""
    value = value.strip()
    if not value:
        return ""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    raise ValueError(f"{clean_line(value)[:20]!r} is not a date: write YYYY-MM-DD, e.g. 2026-03-31")


# --------------------------------------------------------------------------- across countries


@dataclass(frozen=True)
class DueItem:
    """One open checklist item with a due date, for the Due screen."""

    entry: Entry
    iso3: str
    country: str
    cycle: int
    due: date
    days: int  # negative: overdue by that many days

    @property
    def id(self) -> str:
        return str(self.entry.get("id", ""))


def due_items(table: Mapping[str, Entry], today: date, days: int) -> list[DueItem]:
    """Open items due within ``days`` of ``today`` across all countries, overdue ones included;
    soonest first (so the most overdue first), then by country name and checklist order."""
    horizon = today + timedelta(days=max(days, 0))
    out: list[DueItem] = []
    for entry in table.values():
        if entry.get("deleted") or entry.get("status") in DONE_STATUSES:
            continue
        try:
            due = date.fromisoformat(str(entry.get("due") or ""))
        except ValueError:
            continue
        cycle = entry.get("cycle")
        if due > horizon or not isinstance(cycle, int):
            continue
        iso3 = str(entry.get("country", ""))
        out.append(DueItem(entry, iso3, state_name(iso3), cycle, due, (due - today).days))
    out.sort(key=lambda d: (d.due, refdata.fold(d.country), order_key(d.entry)))
    return out


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
    entries: list[Entry] = cycle_entries(ws.table("checklist"), iso3, cycle)
    started = bool(entries)
    chosen = country_templates(ws, iso3)
    if not started:
        review = review_for(iso3, cycle)
        entries = checklist_entries(
            iso3,
            cycle,
            chosen,
            review.start if review else None,
            review.end if review else None,
            council.adoption_day(ws, iso3, cycle) if review else None,
        )
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
