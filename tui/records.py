"""How two descriptions of one recommendation combine: the rules an import, a merge and the
folding of duplicates (tui/dedupe.py) share.

Low in the core on purpose (it imports only the model): the store folds duplicates when it
upgrades an old file (tui/migrate.py), so these rules must not pull in the importers or the
merge, which import the store.
"""

from __future__ import annotations

import json
from typing import Any

from tui.model import DECISION_FIELDS, RECOMMENDATION, parse_clock

NO_CLOCK = (-1, -1, "")


def clock_order(clock: Any) -> tuple[int, int, str]:
    """Sort key of a clock; a missing or malformed clock sorts before every real one."""
    parsed = parse_clock(clock)
    return parsed if parsed is not None else NO_CLOCK


def canonical(value: Any) -> str:
    """Canonical text of a value: the last tie-break, so every choice is deterministic."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


LIST_FIELDS = ("recommending", "themes", "groups", "sdgs")
SCALAR_FIELDS = (
    "mechanism",
    "body",
    "country",
    "cycle",
    "session",
    "document",
    "paragraph",
    "action_category",
)
# Which source's text and provenance win when two sources describe one recommendation.
# Keys of ``source`` that locate a record in one file: never mixed from two files.
LOCATOR_KEYS = frozenset({"file", "line", "row", "kind"})
SOURCE_RANK = {
    "wg-report": 5,
    "thematic-list": 4,
    "uhri": 3,
    "table": 2,
    "addendum": 2,
    "upr-info": 1,
}


def source_rank(source: Any) -> int:
    kind = source.get("kind") if isinstance(source, dict) else None
    return SOURCE_RANK.get(str(kind), 0)


STATED = "stated_position"  # key of ``source``: the position the imported files state


def source_of(record: dict[str, Any] | None) -> dict[str, Any]:
    source = (record or {}).get("source")
    return source if isinstance(source, dict) else {}


def corrected_position(existing: dict[str, Any]) -> bool:
    """True if the team set this record's position away from what the files stated.

    Records imported before ``stated_position`` existed count as not corrected (as before).
    """
    source = source_of(existing)
    if STATED not in source:
        return False
    position = existing.get("position")
    return position not in (None, "", "pending") and position != source[STATED]


def stated_after(existing: dict[str, Any] | None, incoming: Any) -> Any:
    """The position the files state after this import: "pending" never replaces a known one."""
    before = source_of(existing).get(STATED)
    if incoming in (None, ""):
        return before
    if incoming == "pending" and before not in (None, "", "pending"):
        return before
    return incoming


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def merge_values(existing: dict[str, Any] | None, incoming: dict[str, Any]) -> dict[str, Any]:
    """The fields to edit so ``existing`` takes in ``incoming`` (empty dict: nothing to do)."""
    fields = {
        k: v
        for k, v in incoming.items()
        if k in RECOMMENDATION.editable and k not in DECISION_FIELDS
    }
    if existing is None:
        new_values = {k: v for k, v in fields.items() if not is_empty(v) or k in LIST_FIELDS}
        if new_values.get("position"):
            new_values["source"] = {
                **(new_values.get("source") or {}),
                STATED: new_values["position"],
            }
        return new_values
    values: dict[str, Any] = {}
    ex_rank = source_rank(existing.get("source"))
    in_rank = source_rank(incoming.get("source"))
    for key in LIST_FIELDS:
        new = fields.get(key) or []
        old = list(existing.get(key) or [])
        merged = old + [v for v in new if v not in old]
        if merged != old:
            values[key] = merged
    for key in SCALAR_FIELDS:
        new = fields.get(key)
        if not is_empty(new) and existing.get(key) != new:
            if is_empty(existing.get(key)) or in_rank >= ex_rank:
                values[key] = new
    text = fields.get("text")
    if text and existing.get("text") != text and (not existing.get("text") or in_rank >= ex_rank):
        values["text"] = text
    position = fields.get("position")
    old_position = existing.get("position")
    if position and position != old_position and not corrected_position(existing):
        if not (position == "pending" and old_position not in (None, "", "pending")):
            values["position"] = position
    source = fields.get("source")
    old_source = source_of(existing)
    merged_source = dict(old_source)
    if isinstance(source, dict):
        if in_rank >= ex_rank:
            winner, other = source, old_source
        else:
            winner, other = old_source, source
        # Provenance from the other file (e.g. the thematic list's "Source of Position") is
        # kept, but not its file/line: those locate the record in the winning file.
        merged_source = dict(winner)
        merged_source.update(
            {k: v for k, v in other.items() if k not in winner and k not in LOCATOR_KEYS}
        )
    stated = stated_after(existing, position)
    if stated not in (None, ""):
        merged_source[STATED] = stated
    elif STATED in old_source:
        merged_source[STATED] = old_source[STATED]
    if merged_source != old_source:
        values["source"] = merged_source
    return values
