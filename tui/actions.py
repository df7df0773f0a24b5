"""The implementation plan: actions a country team commits to, linked to recommendations.

An action (table ``actions``, schema ``ACTION`` in tui/model.py) has a title, the ids of the
recommendations it answers (one or more), a responsible entity, baseline, indicator, target,
a cost estimate, a deadline and a status. No Textual here: the actions screen and the plan
export use it.

Fields:
- ``cost``: a number (int or float) >= 0 in the plan's currency, or None when not estimated.
  The schema accepts any JSON value (files are hostile), so readers use :func:`cost_of`,
  which treats anything but a finite non-negative number as "not estimated".
- ``cluster`` (optional): the cluster the action's cost counts toward. When empty, the
  most common cluster among its linked recommendations (see :func:`action_cluster`).

Ids are ``<ISO3>:act:<12 hex>``, random: two advisers adding actions on two machines must get
two actions, never one.
"""

from __future__ import annotations

import math
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tui.ids import natural_key
from tui.labels import plain
from tui.model import ACTION, STATUSES, date_field

if TYPE_CHECKING:
    from tui.snapshot import Source
    from tui.store import Workspace

TABLE = "actions"
MAX_COST = 10**15
DONE_STATUSES = frozenset({"implemented"})
TEXT_FIELDS = ("title", "entity", "baseline", "indicator", "target", "note", "cluster")

_COST_CLEAN = re.compile(r"[\s'_\u00a0\u202f]|usd|us\$|\$|€|eur|chf|£", re.IGNORECASE)
# Plain digits, or digits grouped by commas in threes; optional decimals; k or m suffix.
_COST_NUMBER = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+)?(\.\d+)?([km]?)$", re.IGNORECASE)


def new_action_id(iso3: str) -> str:
    return f"{iso3}:act:{uuid.uuid4().hex[:12]}"


# --------------------------------------------------------------------------- values


def parse_cost(text: str) -> int | float | None:
    """A cost estimate typed by a person: ``12,000``, ``USD 12 000``, ``1.5m``, ``250k``.

    Empty text means "not estimated" (None). Raises ValueError with a short reason otherwise.
    Whole amounts are returned as int so the file shows ``12000``, not ``12000.0``.
    """
    raw = text.strip()
    if not raw:
        return None
    cleaned = _COST_CLEAN.sub("", raw)
    m = _COST_NUMBER.match(cleaned)
    if not m or not (m.group(1) or m.group(2)):
        raise ValueError(f"{raw[:30]!r} is not an amount (e.g. 12000, 12,000, 250k, 1.5m)")
    number = (m.group(1) or "0").replace(",", "") + (m.group(2) or "")
    amount = Decimal(number) * {"": 1, "k": 1_000, "m": 1_000_000}[m.group(3).lower()]
    if amount >= MAX_COST:
        raise ValueError("amount too large")
    amount = amount.quantize(Decimal("0.01"))
    if amount == amount.to_integral_value():
        return int(amount)
    return float(amount)


def cost_of(record: Mapping[str, Any]) -> Decimal | None:
    """The action's cost as a Decimal, or None when missing or not a sane number."""
    value = record.get("cost")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value < 0 or value >= MAX_COST:
        return None
    return Decimal(str(value))


def format_cost(value: Decimal | int | float | None) -> str:
    """``12,000`` or ``1,234.50``; empty for None."""
    if value is None:
        return ""
    amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    if amount == amount.to_integral_value():
        return f"{int(amount):,}"
    return f"{amount.quantize(Decimal('0.01')):,}"


def parse_deadline(text: str) -> str:
    """``YYYY-MM-DD`` (checked to be a real date) or empty; ValueError otherwise."""
    raw = text.strip()
    if not raw:
        return ""
    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        raise ValueError(f"{raw[:20]!r} is not a date YYYY-MM-DD") from None


def deadline_of(record: Mapping[str, Any]) -> date | None:
    return date_field(record, "deadline")


def is_overdue(record: Mapping[str, Any], today: date) -> bool:
    """Past its deadline and not implemented."""
    deadline = deadline_of(record)
    return deadline is not None and deadline < today and record.get("status") not in DONE_STATUSES


# --------------------------------------------------------------------------- edits


def normalise_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check and convert edit values: text cleaned, cost and deadline parsed from text.

    Raises ValueError naming the field for a value the plan cannot take.
    """
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name not in ACTION.editable:
            raise ValueError(f"actions have no field {name!r}")
        if name == "cost" and isinstance(value, str):
            try:
                value = parse_cost(value)
            except ValueError as exc:
                raise ValueError(f"cost: {exc}") from None
        elif name == "cost" and value is not None:
            if cost_of({"cost": value}) is None:
                raise ValueError("cost: expected a non-negative amount")
        elif name == "deadline":
            try:
                value = parse_deadline(value or "")
            except ValueError as exc:
                raise ValueError(f"deadline: {exc}") from None
        elif name == "status" and value not in STATUSES:
            raise ValueError(f"status: {str(value)[:30]!r} is not one of {', '.join(STATUSES)}")
        elif name == "title":
            value = " ".join(plain(value).split())
        elif name in TEXT_FIELDS:
            value = plain(value).strip()
        elif name == "recommendations":
            value = list(dict.fromkeys(str(v) for v in value))
        out[name] = value
    return out


def add_action(
    ws: Workspace, iso3: str, title: str, *, recommendations: Sequence[str] = (), **fields: Any
) -> str:
    """Create an action for ``iso3``; returns its id. One undo step."""
    values = normalise_values({"title": title, "recommendations": list(recommendations), **fields})
    if not values["title"]:
        raise ValueError("title: an action needs a title")
    aid = new_action_id(iso3)
    with ws.undo_group("add action"):
        ws.edit(TABLE, aid, {"country": iso3, **values})
    return aid


def update_action(ws: Workspace, aid: str, values: Mapping[str, Any]) -> bool:
    """Edit fields of an existing action (text cost/deadline parsed). Returns True if changed."""
    if ws.get(TABLE, aid) is None:
        raise KeyError(aid)
    clean = normalise_values(values)
    if "title" in clean and not clean["title"]:
        raise ValueError("title: an action needs a title")
    with ws.undo_group("edit action"):
        return ws.edit(TABLE, aid, clean)


def set_links(ws: Workspace, aid: str, rec_ids: Iterable[str]) -> bool:
    """Link the action to exactly these recommendations (order kept, duplicates dropped)."""
    return update_action(ws, aid, {"recommendations": list(rec_ids)})


def link(ws: Workspace, aid: str, rec_ids: Iterable[str]) -> bool:
    record = ws.get(TABLE, aid)
    if record is None:
        raise KeyError(aid)
    return set_links(ws, aid, [*record.get("recommendations", []), *rec_ids])


def unlink(ws: Workspace, aid: str, rec_ids: Iterable[str]) -> bool:
    record = ws.get(TABLE, aid)
    if record is None:
        raise KeyError(aid)
    drop = set(rec_ids)
    return set_links(ws, aid, [r for r in record.get("recommendations", []) if r not in drop])


def delete_action(ws: Workspace, aid: str, deleted: bool = True) -> bool:
    """Hide an action (nothing is hard-deleted; undo or ``deleted=False`` brings it back)."""
    return update_action(ws, aid, {"deleted": deleted})


# --------------------------------------------------------------------------- reading


def sort_key(record: Mapping[str, Any]) -> tuple[Any, ...]:
    """Deadline (none last), then title, then id: the order of the plan."""
    deadline = deadline_of(record)
    return (
        deadline is None,
        deadline or date.min,
        plain(record.get("title")).casefold(),
        str(record.get("id", "")),
    )


def country_actions(
    source: Source, iso3: str, *, include_deleted: bool = False
) -> list[dict[str, Any]]:
    """The country's actions in plan order."""
    out = [
        a
        for a in source.table(TABLE).values()
        if a.get("country") == iso3 and (include_deleted or not a.get("deleted"))
    ]
    out.sort(key=sort_key)
    return out


def linked_ids(action: Mapping[str, Any]) -> list[str]:
    links = action.get("recommendations")
    return [r for r in links if isinstance(r, str)] if isinstance(links, list) else []


def paragraph_of(rec_id: str, recs: Mapping[str, Mapping[str, Any]]) -> str:
    """The paragraph number of a linked recommendation, else its id (not in this workspace)."""
    record = recs.get(rec_id)
    if record is not None and record.get("paragraph"):
        return plain(record.get("paragraph"))
    return plain(rec_id)


def linked_paragraphs(
    action: Mapping[str, Any], recs: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """Paragraph numbers of the linked recommendations, in natural order (140.2 < 140.10)."""
    return sorted({paragraph_of(r, recs) for r in linked_ids(action)}, key=natural_key)


def action_cluster(action: Mapping[str, Any], recs: Mapping[str, Mapping[str, Any]]) -> str:
    """The cluster an action's cost counts toward: its own ``cluster`` if set, else the most
    common cluster among its live linked recommendations (ties: alphabetical), else ""."""
    own = action.get("cluster")
    if isinstance(own, str) and own.strip():
        return own.strip()
    counts: Counter[str] = Counter()
    for rid in linked_ids(action):
        record = recs.get(rid)
        if record is None or record.get("deleted"):
            continue
        cluster = record.get("cluster")
        if isinstance(cluster, str) and cluster.strip():
            counts[cluster.strip()] += 1
    if not counts:
        return ""
    best = max(counts.values())
    return min((c for c, n in counts.items() if n == best), key=lambda c: (c.casefold(), c))


@dataclass
class ClusterCost:
    """Cost totals of the actions counted toward one cluster ("" when none)."""

    cluster: str
    actions: int = 0
    total: Decimal = Decimal(0)
    unestimated: int = 0


def cost_by_cluster(
    actions: Iterable[Mapping[str, Any]],
    recs: Mapping[str, Mapping[str, Any]],
    order: Sequence[str] = (),
) -> list[ClusterCost]:
    """Totals per cluster: clusters in ``order`` first, then alphabetically, "" last.

    Each action counts once (toward :func:`action_cluster`), so the totals add up to the plan.
    """
    rows: dict[str, ClusterCost] = {}
    for action in actions:
        cluster = action_cluster(action, recs)
        row = rows.setdefault(cluster, ClusterCost(cluster))
        row.actions += 1
        cost = cost_of(action)
        if cost is None:
            row.unestimated += 1
        else:
            row.total += cost
    declared = [c for c in dict.fromkeys(order) if c in rows]
    rest = sorted((c for c in rows if c and c not in declared), key=lambda c: (c.casefold(), c))
    tail = [""] if "" in rows else []
    return [rows[c] for c in declared + rest + tail]


def actions_for(source: Source, rec_id: str) -> list[dict[str, Any]]:
    """Live actions linked to one recommendation (for the triage detail pane)."""
    return sorted(
        (
            a
            for a in source.table(TABLE).values()
            if not a.get("deleted") and rec_id in linked_ids(a)
        ),
        key=sort_key,
    )


def overdue_actions(source: Source, iso3: str, today: date) -> list[dict[str, Any]]:
    return [a for a in country_actions(source, iso3) if is_overdue(a, today)]
