"""Write an ImportBatch into a workspace: one undo step, idempotent, never touching decisions.

Rules (issue 4):
- importing the same file twice changes nothing: only fields whose values differ are edited;
- an import never writes a decision field (``tui.model.DECISION_FIELDS``);
- the report and the thematic list of one review give one record per recommendation: lists
  (themes, groups, SDGs, recommending States) are merged, the report's text is kept;
- a position "pending" (a report's "will be examined" block) never replaces a known position;
- an addendum sets positions on existing records and reports the paragraphs not found;
- a position the team corrected (``p`` in the app) is kept: ``source.stated_position`` holds
  what the imported files said, so a later import can tell a correction from its own value.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

from tui.ids import upr_id
from tui.importers.base import ImportBatch
from tui.model import DECISION_FIELDS, RECOMMENDATION

TABLE = "recommendations"
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


class WorkspaceLike(Protocol):
    """What apply needs from ``tui.store.Workspace``."""

    def get(self, table: str, rid: str) -> dict[str, Any] | None: ...

    def edit(self, table: str, rid: str, values: dict[str, Any]) -> bool: ...

    def undo_group(self, label: str) -> Any: ...


@dataclass
class ApplySummary:
    """What an import did (or would do, for a dry run)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_position: Counter[str] = field(default_factory=Counter)
    missing_paragraphs: list[str] = field(default_factory=list)
    deleted_kept: int = 0  # records the team had deleted: updated, but left deleted
    # Records whose position the team corrected and the file states otherwise: kept as corrected.
    positions_kept: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "id: reason" for refused records
    dry_run: bool = False

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _rank(source: Any) -> int:
    kind = source.get("kind") if isinstance(source, dict) else None
    return SOURCE_RANK.get(str(kind), 0)


STATED = "stated_position"  # key of ``source``: the position the imported files state


def _source_of(record: dict[str, Any] | None) -> dict[str, Any]:
    source = (record or {}).get("source")
    return source if isinstance(source, dict) else {}


def corrected_position(existing: dict[str, Any]) -> bool:
    """True if the team set this record's position away from what the files stated.

    Records imported before ``stated_position`` existed count as not corrected (as before).
    """
    source = _source_of(existing)
    if STATED not in source:
        return False
    position = existing.get("position")
    return position not in (None, "", "pending") and position != source[STATED]


def _stated(existing: dict[str, Any] | None, incoming: Any) -> Any:
    """The position the files state after this import: "pending" never replaces a known one."""
    before = _source_of(existing).get(STATED)
    if incoming in (None, ""):
        return before
    if incoming == "pending" and before not in (None, "", "pending"):
        return before
    return incoming


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def merge_values(existing: dict[str, Any] | None, incoming: dict[str, Any]) -> dict[str, Any]:
    """The fields to edit so ``existing`` takes in ``incoming`` (empty dict: nothing to do)."""
    fields = {
        k: v
        for k, v in incoming.items()
        if k in RECOMMENDATION.editable and k not in DECISION_FIELDS
    }
    if existing is None:
        values = {k: v for k, v in fields.items() if not _empty(v) or k in LIST_FIELDS}
        if values.get("position"):
            values["source"] = {**(values.get("source") or {}), STATED: values["position"]}
        return values
    values: dict[str, Any] = {}
    ex_rank = _rank(existing.get("source"))
    in_rank = _rank(incoming.get("source"))
    for key in LIST_FIELDS:
        new = fields.get(key) or []
        old = list(existing.get(key) or [])
        merged = old + [v for v in new if v not in old]
        if merged != old:
            values[key] = merged
    for key in SCALAR_FIELDS:
        new = fields.get(key)
        if not _empty(new) and existing.get(key) != new:
            if _empty(existing.get(key)) or in_rank >= ex_rank:
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
    old_source = _source_of(existing)
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
    stated = _stated(existing, position)
    if stated not in (None, ""):
        merged_source[STATED] = stated
    elif STATED in old_source:
        merged_source[STATED] = old_source[STATED]
    if merged_source != old_source:
        values["source"] = merged_source
    return values


def _check(values: dict[str, Any]) -> str | None:
    for key, value in values.items():
        spec = RECOMMENDATION.fields.get(key)
        if spec is None:
            continue
        fault = spec[0](value)
        if fault:
            return f"{key}: {fault}"
    return None


def apply_batch(ws: WorkspaceLike, batch: ImportBatch, *, dry_run: bool = False) -> ApplySummary:
    """Apply a parsed batch to the workspace as one undo step ("Import <file>")."""
    summary = ApplySummary(dry_run=dry_run)
    if batch.kind == "addendum":
        plan = _plan_addendum(ws, batch, summary)
    else:
        plan = _plan_records(ws, batch, summary)
    if dry_run or not plan:
        return summary
    with ws.undo_group(f"Import {batch.source_file}"):
        for rid, values in plan:
            ws.edit(TABLE, rid, values)
    return summary


def _plan_records(
    ws: WorkspaceLike, batch: ImportBatch, summary: ApplySummary
) -> list[tuple[str, dict[str, Any]]]:
    plan: list[tuple[str, dict[str, Any]]] = []
    planned: set[str] = set()
    for record in batch.records:
        rid = record.get("id")
        if not isinstance(rid, str) or not rid:
            summary.skipped.append("(no id): record without an id")
            continue
        if rid in planned:
            # Counted once: the summary says what is stored, never two "created" for one record.
            summary.skipped.append(f"{rid}: a second record of this file with the same id")
            continue
        planned.add(rid)
        existing = ws.get(TABLE, rid)
        values = merge_values(existing, record)
        fault = _check(values)
        if fault:
            summary.skipped.append(f"{rid}: {fault}")
            continue
        incoming = record.get("position")
        if (
            existing is not None
            and incoming not in (None, "", "pending")
            and incoming != existing.get("position")
            and corrected_position(existing)
        ):
            summary.positions_kept.append(rid)
        after = (existing or {}).get("position") if "position" not in values else values["position"]
        summary.by_position[str(after or record.get("position") or "pending")] += 1
        if existing is None:
            summary.created += 1
        elif values:
            summary.updated += 1
        else:
            summary.unchanged += 1
        if existing is not None and existing.get("deleted"):
            summary.deleted_kept += 1
        if existing is None or values:
            plan.append((rid, values))
    return plan


def _plan_addendum(
    ws: WorkspaceLike, batch: ImportBatch, summary: ApplySummary
) -> list[tuple[str, dict[str, Any]]]:
    plan: list[tuple[str, dict[str, Any]]] = []
    if not batch.document:
        summary.missing_paragraphs.extend(batch.positions)
        summary.skipped.append("addendum: no document symbol (give --symbol)")
        return plan
    for paragraph, position in batch.positions.items():
        rid = upr_id(batch.document, paragraph)
        existing = ws.get(TABLE, rid)
        if existing is None:
            summary.missing_paragraphs.append(paragraph)
            continue
        old_source = _source_of(existing)
        stated = _stated(existing, position)
        values: dict[str, Any] = {}
        if stated not in (None, "") and old_source.get(STATED) != stated:
            values["source"] = {**old_source, STATED: stated}
        kept = corrected_position(existing) and existing.get("position") != position
        if kept:
            summary.positions_kept.append(rid)
        elif existing.get("position") != position:
            values["position"] = position
        summary.by_position[str(existing.get("position") if kept else position)] += 1
        if "position" not in values:
            summary.unchanged += 1
        else:
            summary.updated += 1
        if values and existing.get("deleted"):
            summary.deleted_kept += 1
        if values:
            plan.append((rid, values))
    return plan
