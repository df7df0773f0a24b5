"""The one line that says what an undo or a redo did (DESIGN §8, issue 14 point 3).

``u`` and ``ctrl+r`` act on records the user may not see at that moment (another screen,
another row), so each says what it changed: "Undid: priority of 140.3 high → —". When a merge
changed a field since the step (undo never crosses a merge), the line says what was left
alone and whose value stands. Everything shown is cleaned: values and labels come from files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from tui.model import parse_clock
from tui.sanitize import clean_line

LINE_WIDTH = 160  # one line on a wide terminal; the notice wraps or cuts the rest
VALUE_WIDTH = 28
NAMED = 3  # records named before "N recommendations"
NOUNS = {
    "recommendations": ("recommendation", "recommendations"),
    "checklist": ("checklist item", "checklist items"),
    "actions": ("action", "actions"),
    "countries": ("country", "countries"),
    "links": ("link", "links"),
}
_WORD = re.compile(r"[a-z]+(_[a-z]+)+")


class ChangeLike(Protocol):
    table: str
    record: str
    field: str
    old: Any
    new: Any


class StepLike(Protocol):
    label: str

    @property
    def changes(self) -> Sequence[ChangeLike]: ...

    @property
    def skipped(self) -> Sequence[ChangeLike]: ...


Lookup = Callable[[str, str], Mapping[str, Any] | None]


def show_value(value: Any) -> str:
    """A value as a few inert characters: empty and "none" as —, yes/no, lists joined."""
    if value is None or value == "" or value == [] or value == "none":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    else:
        text = str(value)
    text = clean_line(text)
    if _WORD.fullmatch(text):
        text = text.replace("_", " ")  # in_progress -> in progress
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"


def record_label(table: str, rid: str, lookup: Lookup) -> str:
    """How a user knows a record: a paragraph, a checklist item's text, an action's title."""
    record = lookup(table, rid) or {}
    if table == "recommendations":
        label = record.get("paragraph") or rid
    elif table == "checklist":
        label = record.get("text") or record.get("item") or rid
    elif table == "actions":
        label = record.get("title") or rid
    elif table == "links":  # issue 17: "link 140.1 ↔ 122.2", not a 90-character id
        ends = [str(record.get(k) or "") for k in ("a", "b")]
        paras = [str((lookup("recommendations", e) or {}).get("paragraph") or e) for e in ends]
        label = f"link {paras[0]} ↔ {paras[1]}" if all(ends) else rid
    else:
        label = rid
    text = clean_line(str(label))
    return text if len(text) <= 40 else text[:39] + "…"


def _records(table: str, labels: list[str]) -> str:
    if len(labels) <= NAMED:
        return ", ".join(labels)
    one, many = NOUNS.get(table, ("record", "records"))
    return f"{len(labels)} {many if len(labels) != 1 else one}"


def _parts(
    changes: Sequence[ChangeLike], lookup: Lookup, forward: bool, values: bool = True
) -> list[str]:
    """Field changes grouped by (table, field, from, to); creations and conflicts counted.

    ``values=False`` (changes left alone): only what and where, not the values."""
    created: dict[str, set[str]] = {}
    for c in changes:
        if c.field == "*":
            created.setdefault(c.table, set()).add(c.record)
    groups: dict[tuple[str, str, str, str], list[str]] = {}
    conflicts: list[str] = []
    for c in changes:
        if c.field == "*" or c.record in created.get(c.table, ()):
            continue
        if c.field == "":
            row = c.old if isinstance(c.old, Mapping) else {}
            what = clean_line(str(row.get("field", "")))
            where = record_label(str(row.get("table", "")), str(row.get("record", "")), lookup)
            conflicts.append(f"{what} of {where}")
            continue
        before, after = (c.old, c.new) if forward else (c.new, c.old)
        key = (
            (c.table, c.field, show_value(before), show_value(after))
            if values
            else (
                c.table,
                c.field,
                "",
                "",
            )
        )
        labels = groups.setdefault(key, [])
        label = record_label(c.table, c.record, lookup)
        if label not in labels:
            labels.append(label)
    parts: list[str] = []
    for table, rids in created.items():
        if not values:
            labels = [record_label(table, rid, lookup) for rid in sorted(rids)]
            parts.append(f"{'showing' if forward else 'hiding'} {_records(table, labels)}")
            continue
        one, many = NOUNS.get(table, ("record", "records"))
        noun = one if len(rids) == 1 else many
        parts.append(f"{len(rids)} {noun} {'shown again' if forward else 'hidden'}")
    for (table, fname, before, after), labels in groups.items():
        change = f" {before} → {after}" if values else ""
        parts.append(f"{clean_line(fname)} of {_records(table, labels)}{change}")
    if conflicts:
        verb = "resolved again" if forward else "reopened"
        named = ", ".join(conflicts[:NAMED]) + ("…" if len(conflicts) > NAMED else "")
        parts.append(f"conflict on {named} {verb}")
    return parts


def _cut(text: str) -> str:
    text = clean_line(text)
    return text if len(text) <= LINE_WIDTH else text[: LINE_WIDTH - 1] + "…"


def _kept_by(change: ChangeLike, lookup: Lookup) -> str:
    """Whose value stands where a merge changed the field since the step."""
    record = lookup(change.table, change.record) or {}
    clocks = record.get("_clock") or {}
    if not isinstance(clocks, Mapping):
        return ""
    parsed = parse_clock(clocks.get(change.field) or clocks.get("*"))
    return f"{clean_line(parsed[2])}'s value stays" if parsed else ""


def describe(step: StepLike | None, lookup: Lookup, *, forward: bool) -> str:
    """One line for what ``Workspace.undo``/``redo`` returned (None: nothing to do)."""
    if step is None:
        return "Nothing to redo." if forward else "Nothing to undo."
    verb = "Redid" if forward else "Undid"
    parts = _parts(step.changes, lookup, forward)
    skipped = list(step.skipped)
    left = _parts(skipped, lookup, forward, values=False)
    if not parts and left:
        whose = _kept_by(skipped[0], lookup) if len(skipped) == 1 and skipped[0].field else ""
        reason = "a merge changed it since" + (f", {whose}" if whose else "")
        return _cut(f"Not {'redone' if forward else 'undone'}: {'; '.join(left)}: {reason}.")
    if not parts:
        return _cut(f"{verb}: {clean_line(step.label)}.")
    text = f"{verb}: {'; '.join(parts)}"
    if left:
        text += f"; left alone (a merge changed it since): {'; '.join(left)}"
    return _cut(text)
