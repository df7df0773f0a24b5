"""Triage commands: decisions on recommendations and saved views, each through ``ws.edit``.

Every decision records its value **and** marks the recommendation triaged, in one undo step
(see ``tui.triage.index`` for what *undecided* means). The read model (index, filters) is in
``tui.triage.index``; it follows these edits through the workspace's notifications.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tui import refdata
from tui.model import ACTION_CATEGORIES, POSITIONS, STATUSES
from tui.sanitize import clean_line, clean_text
from tui.triage.index import (
    POSITION_LABELS,
    STATUS_LABELS,
    TABLE,
    Filter,
    country_record,
    fast_fold,
)

if TYPE_CHECKING:
    from tui.store import Workspace


# -- decisions (every one through ws.edit, one undo step) --------------------------------------

DECISION_LABELS: dict[str, str] = {
    "priority": "priority",
    "cluster": "cluster",
    "lead_entity": "lead entity",
    "partners": "partner entities",
    "cf_outcome": "Cooperation Framework outcome",
    "status": "status",
    "action_category": "action category",
    "position": "position",
    "note": "note",
    "triaged": "triaged",
}


def _plural(n: int) -> str:
    return f"{n} recommendation" + ("" if n == 1 else "s")


def _country_edit(ws: Workspace, iso3: str, values: dict[str, Any]) -> bool:
    record = ws.get("countries", iso3)
    if record and record.get("deleted"):
        values = {**values, "deleted": False}  # an undone creation comes back
    return ws.edit("countries", iso3, values)


def add_to_country_list(ws: Workspace, iso3: str, name: str, value: str) -> bool:
    """Add a new cluster or outcome to the country's list (``clusters``/``cf_outcomes``)."""
    if name not in ("clusters", "cf_outcomes"):
        raise ValueError(name)
    value = clean_line(value)
    if not value:
        return False
    current = [str(v) for v in country_record(ws, iso3).get(name) or []]
    if fast_fold(value) in {fast_fold(v) for v in current}:
        return False
    return _country_edit(ws, iso3, {name: current + [value]})


def decide(
    ws: Workspace,
    iso3: str,
    rids: Sequence[str],
    values: Mapping[str, Any],
    *,
    mark_triaged: bool = True,
) -> int:
    """Apply one decision to recommendations as ONE undo step; returns how many changed.

    A new cluster or outcome also joins the country's list, in the same undo step.
    """
    if not rids:
        return 0
    values = dict(values)
    for key in ("cluster", "cf_outcome", "lead_entity", "note", "evidence"):
        if isinstance(values.get(key), str):
            values[key] = (
                clean_text(values[key]).strip()
                if key in ("note", "evidence")
                else clean_line(values[key])
            )
    if "partners" in values:
        values["partners"] = [clean_line(p) for p in values["partners"] if clean_line(p)]
    if mark_triaged:
        values.setdefault("triaged", True)
    first = next(iter(values))
    label = f"{DECISION_LABELS.get(first, first)} ({_plural(len(rids))})"
    changed = 0
    with ws.undo_group(label):
        if values.get("cluster"):
            add_to_country_list(ws, iso3, "clusters", values["cluster"])
        if values.get("cf_outcome"):
            add_to_country_list(ws, iso3, "cf_outcomes", values["cf_outcome"])
        for rid in rids:
            changed += ws.edit(TABLE, rid, values)
    return changed


def toggle_triaged(ws: Workspace, rids: Sequence[str]) -> bool:
    """Mark triaged; if all are triaged already, reopen them. Returns the new value."""
    table = ws.table(TABLE)
    value = not all(bool(table[r].get("triaged")) for r in rids if r in table)
    with ws.undo_group(f"{'triaged' if value else 'reopened'} ({_plural(len(rids))})"):
        for rid in rids:
            ws.edit(TABLE, rid, {"triaged": value})
    return value


def common_value(ws: Workspace, rids: Sequence[str], name: str) -> Any:
    """The value all these records share for a field, or None when they differ."""
    table = ws.table(TABLE)
    values = [table[r].get(name) for r in rids if r in table]
    if values and all(v == values[0] for v in values):
        return values[0]
    return None


# -- saved views (the country's ``views`` field) -----------------------------------------------

MAX_VIEW_NAME = 80


def load_views(ws: Workspace, iso3: str) -> dict[str, Filter]:
    """Saved views of a country by name (ignoring anything malformed in the file)."""
    raw = country_record(ws, iso3).get("views") or {}
    if not isinstance(raw, Mapping):
        return {}
    return {
        _view_name(name): Filter.from_json(value) for name, value in raw.items() if _view_name(name)
    }


def save_view(ws: Workspace, iso3: str, name: str, filt: Filter) -> str:
    """Save (or replace) a named view; returns the name as stored."""
    name = _view_name(name)
    if not name:
        raise ValueError("a view needs a name")
    views = dict(country_record(ws, iso3).get("views") or {})
    views[name] = filt.to_json()
    _country_edit(ws, iso3, {"views": views})
    return name


def _view_name(raw: Any) -> str:
    """A view's name as listed (and as :func:`save_view` stores it)."""
    return clean_line(str(raw))[:MAX_VIEW_NAME]


def delete_view(ws: Workspace, iso3: str, name: str) -> bool:
    """Delete the view listed as ``name`` (the name as :func:`load_views` shows it)."""
    views = country_record(ws, iso3).get("views") or {}
    if not isinstance(views, Mapping):
        return False
    kept = {raw: value for raw, value in views.items() if _view_name(raw) != name}
    if len(kept) == len(views):
        return False
    return _country_edit(ws, iso3, {"views": kept})


# -- choices offered by pickers ------------------------------------------------------------------


def entity_choices() -> list[tuple[str, str, str]]:
    """(value, label, search text) for every UN entity in ``data/entities.yaml``."""
    out = []
    for ent in refdata.entities():
        out.append((ent.short, ent.name, " ".join((ent.short, ent.name, *ent.aliases))))
    return out


def position_choices() -> list[tuple[str, str]]:
    return [(p, POSITION_LABELS[p]) for p in POSITIONS]


def status_choices() -> list[tuple[str, str]]:
    return [(s, STATUS_LABELS[s]) for s in STATUSES]


def action_category_choices() -> list[tuple[str, str]]:
    return [(str(n), f"{n} {label}") for n, label in ACTION_CATEGORIES.items()]


Listener = Callable[[str, str, tuple[str, ...]], None]
