"""Record fields of the workspace tables (DESIGN §1, §2) and their validation.

Each table has a schema: field -> (check, default). ``validate_record`` returns the first
fault as a short phrase, so a bad file is refused with one line naming record and field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tui.sanitize import MAX_STRING

# 2: tables ``links`` and ``engagements``; recommendations may carry ``kind`` ("pledge") and
# ``merged_into`` (a duplicate folded into another record, tui/dedupe.py). tui/migrate.py.
SCHEMA_VERSION = 2

TABLES = (
    "meta",
    "countries",
    "recommendations",
    "checklist",
    "actions",
    "history",
    "conflicts",
    "links",
    "engagements",
)

MECHANISMS = ("UPR", "TB", "SP")
POSITIONS = ("supported", "supported_in_part", "noted", "pending")
PRIORITIES = ("high", "medium", "low", "none")
STATUSES = (
    "not_started",
    "in_progress",
    "partially_implemented",
    "implemented",
    "no_information",
)
CHECKLIST_STATUSES = ("todo", "in_progress", "done", "not_applicable")
ACTION_CATEGORIES = {
    1: "minimal action",
    2: "continuing action",
    3: "considering action",
    4: "general action",
    5: "specific action",
}

# \Z, not $: "$" also matches before a trailing newline, and an author id or clock ending in one
# must be refused (DESIGN §4: the whole string). ``.match`` with these is a full match.
AUTHOR_RE = re.compile(r"[A-Za-z0-9._@-]{1,64}\Z")
CLOCK_RE = re.compile(r"(\d{13})\|(\d{6})\|([A-Za-z0-9._@-]{1,64})\Z")

Check = Callable[[Any], str | None]


def _string(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"expected a string, got {type(value).__name__}"
    if len(value) > MAX_STRING:
        return f"string longer than {MAX_STRING} characters"
    return None


def _optional_string(value: Any) -> str | None:
    return None if value is None else _string(value)


def _bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"expected true/false, got {type(value).__name__}"


def _string_list(value: Any) -> str | None:
    if not isinstance(value, list):
        return f"expected a list, got {type(value).__name__}"
    if len(value) > 10_000:
        return "list longer than 10000 items"
    for item in value:
        fault = _string(item)
        if fault:
            return f"list item: {fault}"
    return None


def _optional_int(lo: int, hi: int) -> Check:
    def check(value: Any) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            return f"expected a whole number, got {type(value).__name__}"
        if not lo <= value <= hi:
            return f"{value} is outside {lo}..{hi}"
        return None

    check.bounds = (lo, hi)  # type: ignore[attr-defined]  # read by the store's fast validator
    return check


def _one_of(*allowed: str, optional: bool = False) -> Check:
    def check(value: Any) -> str | None:
        if optional and (value is None or value == ""):
            return None
        if value not in allowed:
            shown = (
                repr(value) if isinstance(value, str | int | float | bool) else type(value).__name__
            )
            return f"{shown[:40]} is not one of {'|'.join(allowed)}"
        return None

    check.allowed = frozenset(allowed)  # type: ignore[attr-defined]  # read by the store's fast validator
    check.optional = optional  # type: ignore[attr-defined]
    return check


def _mapping(value: Any) -> str | None:
    return None if isinstance(value, dict) else f"expected an object, got {type(value).__name__}"


def _any(value: Any) -> str | None:
    return None


# What each plain check accepts, by name: the store compiles a schema's checks into a few type
# tests from this (tui/store/checks.py) instead of comparing against this module's helpers.
# Parametrised checks carry their parameters instead: ``bounds`` (_optional_int), ``allowed``
# and ``optional`` (_one_of).
FIELD_KINDS: dict[Check, str] = {
    _string: "string",
    _bool: "bool",
    _string_list: "string_list",
    _mapping: "mapping",
    _any: "any",
}


def _date_string(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return "expected a date YYYY-MM-DD"
    return None


@dataclass(frozen=True)
class Schema:
    """Known fields of one table: their check, default, and whether users edit them."""

    fields: Mapping[str, tuple[Check, Any]]
    editable: frozenset[str] = field(default_factory=frozenset)
    # Fields written only when set (absent = default): new fields of a schema bump, so records
    # that never use them keep the bytes they had (files stay small and diff cleanly).
    sparse: frozenset[str] = field(default_factory=frozenset)

    def defaults(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, (_check, default) in self.fields.items():
            if name in self.sparse:
                continue
            out[name] = (
                list(default)
                if isinstance(default, list)
                else (dict(default) if isinstance(default, dict) else default)
            )
        return out


RECOMMENDATION = Schema(
    fields={
        "id": (_string, ""),
        "mechanism": (_one_of(*MECHANISMS), "UPR"),
        "body": (_string, ""),
        "country": (_string, ""),
        "cycle": (_optional_int(1, 99), None),
        "session": (_optional_int(1, 999), None),
        "document": (_string, ""),
        "paragraph": (_string, ""),
        "text": (_string, ""),
        "recommending": (_string_list, []),
        "position": (_one_of(*POSITIONS), "pending"),
        "themes": (_string_list, []),
        "groups": (_string_list, []),
        "sdgs": (_string_list, []),
        "action_category": (_optional_int(1, 5), None),
        "priority": (_one_of(*PRIORITIES), "none"),
        "cluster": (_string, ""),
        "lead_entity": (_string, ""),
        "partners": (_string_list, []),
        "cf_outcome": (_string, ""),
        "status": (_one_of(*STATUSES), "no_information"),
        "evidence": (_string, ""),
        "note": (_string, ""),
        "triaged": (_bool, False),
        "deleted": (_bool, False),
        "source": (_mapping, {}),
        # schema 2: "pledge" for a voluntary pledge ("" = a recommendation)
        "kind": (_one_of("recommendation", "pledge", optional=True), ""),
        # schema 2: the id of the record this duplicate was folded into (then ``deleted``)
        "merged_into": (_string, ""),
    },
    sparse=frozenset({"kind", "merged_into"}),
    editable=frozenset(
        {
            "kind",
            "merged_into",
            "mechanism",
            "body",
            "country",
            "cycle",
            "session",
            "document",
            "paragraph",
            "text",
            "recommending",
            "position",
            "themes",
            "groups",
            "sdgs",
            "action_category",
            "priority",
            "cluster",
            "lead_entity",
            "partners",
            "cf_outcome",
            "status",
            "evidence",
            "note",
            "triaged",
            "deleted",
            "source",
        }
    ),
)

# Decision fields: set by advisers, never overwritten by an import.
DECISION_FIELDS = frozenset(
    {
        "priority",
        "cluster",
        "lead_entity",
        "partners",
        "cf_outcome",
        "status",
        "evidence",
        "note",
        "triaged",
        "deleted",
        "merged_into",
    }
)

COUNTRY = Schema(
    fields={
        "id": (_string, ""),
        "templates": (_string_list, []),
        "clusters": (_string_list, []),
        "cf_outcomes": (_string_list, []),
        "views": (_mapping, {}),
        "notes": (_string, ""),
        "deleted": (_bool, False),
    },
    editable=frozenset({"templates", "clusters", "cf_outcomes", "views", "notes", "deleted"}),
)

CHECKLIST = Schema(
    fields={
        "id": (_string, ""),
        "country": (_string, ""),
        "cycle": (_optional_int(1, 99), None),
        "item": (_string, ""),
        "template": (_string, ""),
        "phase": (_one_of("general", "pre_session", "in_session", "post_session"), "general"),
        "text": (_string, ""),
        "status": (_one_of(*CHECKLIST_STATUSES), "todo"),
        "owner": (_string, ""),
        "due": (_date_string, ""),
        "note": (_string, ""),
        "custom": (_bool, False),
        "deleted": (_bool, False),
    },
    editable=frozenset(
        {
            "country",
            "cycle",
            "item",
            "template",
            "phase",
            "text",
            "status",
            "owner",
            "due",
            "note",
            "custom",
            "deleted",
        }
    ),
)

ACTION = Schema(
    fields={
        "id": (_string, ""),
        "country": (_string, ""),
        "title": (_string, ""),
        "recommendations": (_string_list, []),
        "entity": (_string, ""),
        "baseline": (_string, ""),
        "indicator": (_string, ""),
        "target": (_string, ""),
        "cost": (_any, None),
        "deadline": (_date_string, ""),
        "status": (_one_of(*STATUSES), "not_started"),
        "note": (_string, ""),
        # The cluster the action's cost counts toward; "" = that of its recommendations
        # (tui/actions.py: action_cluster).
        "cluster": (_string, ""),
        "deleted": (_bool, False),
    },
    editable=frozenset(
        {
            "country",
            "title",
            "recommendations",
            "entity",
            "baseline",
            "indicator",
            "target",
            "cost",
            "deadline",
            "status",
            "note",
            "cluster",
            "deleted",
        }
    ),
)

HISTORY = Schema(
    fields={
        "id": (_string, ""),
        "table": (_string, ""),
        "record": (_string, ""),
        "field": (_string, ""),
        "old": (_any, None),
        "new": (_any, None),
        "author": (_string, ""),
        "clock": (_string, ""),
    }
)

# A field two copies changed without seeing each other's edit (tui/merge.py). Both values, their
# clocks and authors; ``resolved`` is the clock of the decision ("" while open), ``resolution``
# "kept" (the winner stays) or "took_other" (the other value, set by a new edit).
CONFLICT = Schema(
    fields={
        "id": (_string, ""),
        "table": (_string, ""),
        "record": (_string, ""),
        "field": (_string, ""),
        "winner": (_any, None),
        "winner_clock": (_string, ""),
        "winner_author": (_string, ""),
        "other": (_any, None),
        "other_clock": (_string, ""),
        "other_author": (_string, ""),
        "resolved": (_string, ""),
        "resolution": (_one_of("kept", "took_other", optional=True), ""),
    }
)

META = Schema(
    fields={
        "id": (_string, "meta"),
        "schema_version": (_optional_int(1, 10_000), SCHEMA_VERSION),
        "workspace_id": (_string, ""),
        "created": (_string, ""),
    }
)

# schema 2 (issue "Continuity"): a link between two recommendations, id ``LINK:<a>|<b>`` with
# the two ids sorted (DESIGN §3). Only the known fields; the feature adds to them.
LINK = Schema(
    fields={
        "id": (_string, ""),
        "a": (_string, ""),
        "b": (_string, ""),
        "relation": (_one_of("same", "related", "rejected", optional=True), ""),
        "deleted": (_bool, False),
    },
    editable=frozenset({"a", "b", "relation", "deleted"}),
)

# schema 2: a treaty-body review, special-procedure visit or other engagement of a country
# (issue 18; tui/engagements.py): ids ``TB:<ISO3>:<committee>:<session>``,
# ``SP:<ISO3>:<mandate>:<year>``, ``OTHER:<ISO3>:<title>:<year>``. ``start``/``end``: the
# constructive dialogue (TB) or the visit (SP, OTHER). Symbols: the State's report and the
# concluding observations (TB), the mandate holder's report (SP).
ENGAGEMENT = Schema(
    fields={
        "id": (_string, ""),
        "country": (_string, ""),
        "mechanism": (_one_of("TB", "SP", "OTHER", optional=True), ""),
        "body": (_string, ""),
        "session": (_optional_int(1, 999), None),
        "year": (_optional_int(1945, 2999), None),
        "title": (_string, ""),
        "start": (_date_string, ""),
        "end": (_date_string, ""),
        "requested": (_date_string, ""),
        "accepted": (_date_string, ""),
        "report_date": (_date_string, ""),
        "report_symbol": (_string, ""),
        "co_symbol": (_string, ""),
        "note": (_string, ""),
        "deleted": (_bool, False),
    },
    editable=frozenset(
        {
            "country",
            "mechanism",
            "body",
            "session",
            "year",
            "title",
            "start",
            "end",
            "requested",
            "accepted",
            "report_date",
            "report_symbol",
            "co_symbol",
            "note",
            "deleted",
        }
    ),
)

SCHEMAS: dict[str, Schema] = {
    "meta": META,
    "countries": COUNTRY,
    "recommendations": RECOMMENDATION,
    "checklist": CHECKLIST,
    "actions": ACTION,
    "history": HISTORY,
    "conflicts": CONFLICT,
    "links": LINK,
    "engagements": ENGAGEMENT,
}

# Tables whose records carry per-field clocks and go through the edit function.
EDITED_TABLES = ("countries", "recommendations", "checklist", "actions", "links", "engagements")


def parse_clock(clock: Any) -> tuple[int, int, str] | None:
    if not isinstance(clock, str):
        return None
    m = CLOCK_RE.match(clock)
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), m.group(3)


def validate_record(table: str, rid: str, record: Any, *, max_clock_ms: int) -> str | None:
    """First fault of a record as ``field 'x': why``, or None. Unknown fields are kept."""
    if not isinstance(record, dict):
        return f"expected an object, got {type(record).__name__}"
    schema = SCHEMAS.get(table)
    if schema is None:
        return None
    if "id" in record and record["id"] != rid:
        return f"field 'id': {str(record['id'])[:40]!r} does not match its key"
    for name, (check, _default) in schema.fields.items():
        if name in record:
            fault = check(record[name])
            if fault:
                return f"field '{name}': {fault}"
    if table in EDITED_TABLES:
        clocks = record.get("_clock", {})
        if not isinstance(clocks, dict):
            return "field '_clock': expected an object"
        for fname, clock in clocks.items():
            parsed = parse_clock(clock)
            if parsed is None:
                return f"field '_clock.{str(fname)[:40]}': malformed clock {str(clock)[:60]!r}"
    if table == "history":
        parsed = parse_clock(record.get("clock"))
        if parsed is None:
            return "field 'clock': malformed clock"
    # A clock far ahead (a laptop with a wrong date) is accepted, never refused (DESIGN §4):
    # ``max_clock_ms`` is kept for callers; the store warns about such clocks instead.
    return None


def date_field(record: Mapping[str, Any], name: str) -> date | None:
    """A record's ``YYYY-MM-DD`` field as a date; None when empty or not a date."""
    value = record.get(name)
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
