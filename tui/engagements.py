"""Engagements besides the UPR: treaty-body reviews, special-procedure visits, others (issue 18).

A country team follows a special rapporteur's visit or a committee's review as it follows a UPR
review (table ``engagements``, schema ``ENGAGEMENT`` in tui/model.py). Ids are deterministic so
two advisers who record the same review on two machines make one record (DESIGN §3):

- ``TB:<ISO3>:<committee>:<session>`` (``TB:VNM:CERD:80``),
- ``SP:<ISO3>:<mandate>:<year>`` (``SP:VNM:sr-food:2010``; the mandate as a slug),
- ``OTHER:<ISO3>:<title>:<year>`` (an OHCHR mission, a regional office's visit).

Every change is an edit of the core (clocks, history, merge, undo). The status is derived from
the dates and today, never stored, so it cannot go stale. No Textual here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from tui.labels import plain
from tui.model import ENGAGEMENT, date_field

if TYPE_CHECKING:
    from tui.snapshot import Source
    from tui.store import Workspace

TABLE = "engagements"
KINDS = ("TB", "SP", "OTHER")
KIND_LABELS = {"TB": "treaty-body review", "SP": "special-procedure visit", "OTHER": "other"}
DATE_FIELDS = ("start", "end", "requested", "accepted", "report_date")
TEXT_FIELDS = ("body", "title", "report_symbol", "co_symbol", "note")
# Fields the id is made from: fixed once the record exists (a change would be another record).
ID_FIELDS = {"TB": ("body", "session"), "SP": ("body", "year"), "OTHER": ("title", "year")}
RECENT_DAYS = 365  # an engagement that ended within a year is "recent" in the brief

_SLUG_DROP = re.compile(r"[^a-z0-9]+")


def slug(text: str, *, upper: bool = False) -> str:
    """A key for an id: letters and digits joined by ``-`` (never ``:`` or ``|``), accents
    dropped. ``upper`` for committees (``cerd`` → ``CERD``)."""
    ascii_text = unicodedata.normalize("NFKD", plain(text)).encode("ascii", "ignore").decode()
    out = _SLUG_DROP.sub("-", ascii_text.casefold()).strip("-")[:60].strip("-")
    return out.upper() if upper else out


def engagement_id(kind: str, iso3: str, values: Mapping[str, Any]) -> str:
    """The deterministic id of an engagement; ValueError naming what is missing."""
    iso3 = iso3.upper()
    if kind == "TB":
        committee = slug(str(values.get("body") or ""), upper=True)
        session = values.get("session")
        if not committee:
            raise ValueError("body: a treaty-body review needs its committee (e.g. CERD)")
        if not isinstance(session, int):
            raise ValueError("session: a treaty-body review needs the committee's session")
        return f"TB:{iso3}:{committee}:{session}"
    if kind == "SP":
        mandate = slug(str(values.get("body") or ""))
        if not mandate:
            raise ValueError("body: a visit needs its mandate (e.g. sr-food)")
        return f"SP:{iso3}:{mandate}:{_year(values)}"
    if kind == "OTHER":
        title = slug(str(values.get("title") or ""))
        if not title:
            raise ValueError("title: an engagement needs a title")
        return f"OTHER:{iso3}:{title}:{_year(values)}"
    raise ValueError(f"mechanism: {kind[:20]!r} is not one of {', '.join(KINDS)}")


def _year(values: Mapping[str, Any]) -> int:
    year = values.get("year")
    if isinstance(year, int):
        return year
    for name in ("start", "accepted", "requested"):
        value = values.get(name)
        if isinstance(value, str) and len(value) >= 4 and value[:4].isdigit():
            return int(value[:4])
    raise ValueError("year: give the year (or a date) of the engagement")


def _parse_int(name: str, value: Any, lo: int, hi: int) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        raw = value.strip()
        if not raw:
            return None
        if not raw.isdigit():
            raise ValueError(f"{name}: {raw[:20]!r} is not a whole number")
        value = int(raw)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"{name}: expected a number {lo}..{hi}")
    return value


def normalise_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check and convert typed values (dates ``YYYY-MM-DD``, numbers, text cleaned)."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name not in ENGAGEMENT.editable:
            raise ValueError(f"engagements have no field {name!r}")
        if name in DATE_FIELDS:
            raw = str(value or "").strip()
            if raw:
                try:
                    raw = date.fromisoformat(raw).isoformat()
                except ValueError:
                    raise ValueError(f"{name}: {raw[:20]!r} is not a date YYYY-MM-DD") from None
            value = raw
        elif name == "session":
            value = _parse_int(name, value, 1, 999)
        elif name == "year":
            value = _parse_int(name, value, 1945, 2999)
        elif name == "mechanism":
            value = str(value or "").strip().upper()
            if value not in KINDS:
                raise ValueError(f"mechanism: {value[:20]!r} is not one of {', '.join(KINDS)}")
        elif name in TEXT_FIELDS:
            value = " ".join(plain(value).split())
            if name in ("report_symbol", "co_symbol"):
                value = value.replace(" ", "")
        elif name == "deleted":
            value = bool(value)
        out[name] = value
    if out.get("start") and out.get("end") and out["end"] < out["start"]:
        raise ValueError("end: the end comes before the start")
    return out


def add_engagement(ws: Workspace, iso3: str, kind: str, **fields: Any) -> str:
    """Record an engagement; returns its id. One undo step. An engagement that exists (the same
    id, another adviser's or deleted) is updated with the given fields, never duplicated."""
    values = normalise_values({"mechanism": kind, **fields})
    if kind == "TB" and values.get("body"):
        values["body"] = values["body"].upper()
    eid = engagement_id(kind, iso3, values)
    if kind != "TB" and values.get("year") is None:
        values["year"] = int(eid.rsplit(":", 1)[1])
    existing = ws.get(TABLE, eid)
    with ws.undo_group("add engagement"):
        if existing is None:
            ws.edit(TABLE, eid, {"country": iso3.upper(), **values, "deleted": False})
        else:
            ws.edit(TABLE, eid, {**values, "deleted": False})
    return eid


def update_engagement(ws: Workspace, eid: str, values: Mapping[str, Any]) -> bool:
    """Edit an engagement. The fields its id is made from cannot change (it would be another
    engagement: add that one and delete this). Returns True if anything changed."""
    record = ws.get(TABLE, eid)
    if record is None:
        raise KeyError(eid)
    clean = normalise_values(values)
    kind = str(record.get("mechanism") or "")
    for name in ID_FIELDS.get(kind, ()):
        if name in clean and _same_key(kind, name, clean[name], record.get(name)) is False:
            raise ValueError(f"{name}: part of the id; add a new engagement instead")
    clean = {k: v for k, v in clean.items() if k not in ID_FIELDS.get(kind, ())}
    with ws.undo_group("edit engagement"):
        return ws.edit(TABLE, eid, clean)


def _same_key(kind: str, name: str, new: Any, old: Any) -> bool:
    if name in ("session", "year"):
        return new == old or new is None
    return slug(str(new or ""), upper=kind == "TB") == slug(str(old or ""), upper=kind == "TB")


def delete_engagement(ws: Workspace, eid: str, deleted: bool = True) -> bool:
    """Hide an engagement (nothing is hard-deleted; undo brings it back)."""
    if ws.get(TABLE, eid) is None:
        raise KeyError(eid)
    with ws.undo_group("delete engagement"):
        return ws.edit(TABLE, eid, {"deleted": deleted})


# --------------------------------------------------------------------------- reading


def status(record: Mapping[str, Any], today: date) -> str:
    """Where the engagement stands today, from its dates (never stored).

    TB: planned → report submitted → scheduled → in dialogue → reviewed → concluding observations.
    SP: planned → requested → accepted → scheduled → under way → held → report presented.
    OTHER: planned → scheduled → under way → done.
    """
    kind = record.get("mechanism")
    start, end = date_field(record, "start"), date_field(record, "end")
    end = end or start
    if kind == "SP":
        report = date_field(record, "report_date")
        if report is not None and report <= today:
            return "report presented"
    if kind == "TB" and plain(record.get("co_symbol")) and (end is None or end < today):
        return "concluding observations"
    if end is not None and end < today:
        return {"TB": "reviewed", "SP": "held"}.get(str(kind), "done")
    if start is not None and start <= today:
        return "in dialogue" if kind == "TB" else "under way"
    if start is not None:
        return "scheduled"
    if kind == "SP":
        accepted, requested = date_field(record, "accepted"), date_field(record, "requested")
        if accepted is not None and accepted <= today:
            return "accepted"
        if requested is not None and requested <= today:
            return "requested"
    if kind == "TB" and plain(record.get("report_symbol")):
        return "report submitted"
    return "planned"


def label(record: Mapping[str, Any]) -> str:
    """``CERD 80``, ``SP sr-food 2010``-like short name, plain text."""
    kind = record.get("mechanism")
    body = plain(record.get("body"))
    if kind == "TB":
        return f"{body} {record.get('session') or ''}".strip()
    if kind == "SP":
        return f"{body} visit {record.get('year') or ''}".strip()
    return f"{plain(record.get('title'))} {record.get('year') or ''}".strip()


def key_date(record: Mapping[str, Any]) -> date | None:
    """The date that orders engagements: start, else acceptance or request, else the year."""
    for name in ("start", "accepted", "requested"):
        value = date_field(record, name)
        if value is not None:
            return value
    year = record.get("year")
    if isinstance(year, int) and not isinstance(year, bool) and 1 <= year <= 9999:
        return date(year, 1, 1)
    return None


def sort_key(record: Mapping[str, Any]) -> tuple[Any, ...]:
    when = key_date(record)
    return (when is None, when or date.min, str(record.get("id", "")))


def country_engagements(
    source: Source, iso3: str, *, include_deleted: bool = False
) -> list[dict[str, Any]]:
    """The country's engagements, oldest first (undated last)."""
    out = [
        e
        for e in source.table(TABLE).values()
        if e.get("country") == iso3 and (include_deleted or not e.get("deleted"))
    ]
    out.sort(key=sort_key)
    return out


@dataclass
class NextAndRecent:
    upcoming: list[dict[str, Any]]  # not yet over (planned, scheduled, under way), soonest first
    recent: list[dict[str, Any]]  # over within RECENT_DAYS, latest first


def next_and_recent(source: Source, iso3: str, today: date, limit: int = 5) -> NextAndRecent:
    """What the brief shows: engagements still ahead, and those that ended in the last year."""
    upcoming: list[dict[str, Any]] = []
    recent: list[dict[str, Any]] = []
    for record in country_engagements(source, iso3):
        end = date_field(record, "end") or date_field(record, "start")
        if end is not None and end < today:
            if (today - end).days <= RECENT_DAYS:
                recent.append(record)
        else:
            upcoming.append(record)
    recent.reverse()
    return NextAndRecent(upcoming[:limit], recent[:limit])


def describe(record: Mapping[str, Any], today: date) -> str:
    """One plain line: name, dates, symbols, status (overview, brief)."""
    start, end = plain(record.get("start")), plain(record.get("end"))
    when = f"{start} – {end}" if start and end and end != start else start
    parts = [label(record)]
    if when:
        parts.append(when)
    for name, caption in (("report_symbol", "report"), ("co_symbol", "CO")):
        value = plain(record.get(name))
        if value:
            parts.append(f"{caption} {value}")
    parts.append(status(record, today))
    return " · ".join(parts)


# --------------------------------------------------------------------------- checklists

DUTIES = "duties"


def engagement_entries(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Checklist records for an engagement from its kind's templates (``scope: TB`` / ``SP``):
    ids ``<ISO3>:<engagement id>:<item key>``, due dates from the engagement's start and end
    (empty while it has no dates). ``cycle`` stays empty: the UPR cycles never list them."""
    from tui.checklist import scoped_templates

    iso3, eid = str(record.get("country") or ""), str(record.get("id") or "")
    start = date_field(record, "start")
    end = date_field(record, "end") or start
    out = []
    for template in scoped_templates(str(record.get("mechanism") or "")).values():
        for item in template.items:
            due = ""
            if item.due is not None and start is not None and end is not None:
                due = item.due.resolve(start, end, None).isoformat()
            out.append(_entry(f"{iso3}:{eid}:{item.key}", iso3, template.key, item, due))
    return out


def duties_entries(iso3: str) -> list[dict[str, Any]]:
    """The standing RC/UNCT duties of a country (``scope: duties``): ids
    ``<ISO3>:duties:<item key>``, owner from the template, no review date until one is set."""
    from tui.checklist import scoped_templates

    return [
        _entry(f"{iso3}:{DUTIES}:{item.key}", iso3, template.key, item, "", owner=item.owner)
        for template in scoped_templates(DUTIES).values()
        for item in template.items
    ]


def _entry(rid: str, iso3: str, template: str, item: Any, due: str, owner: str = "") -> dict:
    from tui.model import CHECKLIST

    record = CHECKLIST.defaults()
    record.update(
        id=rid,
        country=iso3,
        cycle=None,
        item=item.key,
        template=template,
        phase=item.phase,
        text=item.text,
        owner=owner,
        due=due,
    )
    return record


def _start(ws: Workspace, entries: list[dict[str, Any]], label_: str) -> int:
    """Create the entries not in the workspace yet (one undo step); returns how many."""
    table = ws.table("checklist")
    fresh = [e for e in entries if e["id"] not in table]
    if fresh:
        with ws.undo_group(label_):
            for entry in fresh:
                ws.edit("checklist", entry["id"], {k: v for k, v in entry.items() if k != "id"})
    return len(fresh)


def start_engagement_checklist(ws: Workspace, eid: str) -> int:
    record = ws.get(TABLE, eid)
    if record is None:
        raise KeyError(eid)
    return _start(ws, engagement_entries(record), "start engagement checklist")


def start_duties(ws: Workspace, iso3: str) -> int:
    return _start(ws, duties_entries(iso3), "start RC/UNCT duties")


def checklist_of(source: Source, iso3: str, key: str) -> list[dict[str, Any]]:
    """Live checklist records of one engagement (``key`` = its id) or of the duties
    (``key`` = ``duties``), in template order."""
    prefix = f"{iso3}:{key}:"
    return [
        e
        for rid, e in source.table("checklist").items()
        if rid.startswith(prefix) and not e.get("deleted")
    ]


def duties_due(source: Source, iso3: str, today: date, days: int = 30) -> list[dict[str, Any]]:
    """Duties whose review date is past or within ``days``, not done: for the brief."""
    out = []
    for entry in checklist_of(source, iso3, DUTIES):
        due = date_field(entry, "due")
        if due is None or entry.get("status") in ("done", "not_applicable"):
            continue
        if (due - today).days <= days:
            out.append(entry)
    out.sort(key=lambda e: (str(e.get("due")), str(e.get("id"))))
    return out
