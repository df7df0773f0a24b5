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

from tui import dedupe, refdata
from tui.checklist import DEFAULT_TEMPLATES
from tui.ids import natural_key, upr_id
from tui.importers.addendum import addendum_targets
from tui.importers.base import ImportBatch
from tui.importers.pledges import is_pledge
from tui.model import RECOMMENDATION
from tui.records import (  # the merge rules of two descriptions of one recommendation
    LOCATOR_KEYS,
    STATED,
    corrected_position,
    merge_values,
    source_of,
    stated_after,
)
from tui.sanitize import clean_line

TABLE = "recommendations"


class WorkspaceLike(Protocol):
    """What apply needs from ``tui.store.Workspace``."""

    def get(self, table: str, rid: str) -> dict[str, Any] | None: ...

    def table(self, name: str) -> Any: ...

    def edit(self, table: str, rid: str, values: dict[str, Any]) -> bool: ...

    def undo_group(self, label: str) -> Any: ...


@dataclass
class ApplySummary:
    """What an import did (or would do, for a dry run)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Positions of the recommendations only: a voluntary pledge has no position (issue 16.9).
    by_position: Counter[str] = field(default_factory=Counter)
    pledges: int = 0  # voluntary pledges among the records, counted apart
    missing_paragraphs: list[str] = field(default_factory=list)
    deleted_kept: int = 0  # records the team had deleted: updated, but left deleted
    # Records whose position the team corrected and the file states otherwise: kept as corrected.
    positions_kept: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "id: reason" for refused records
    # Records found in the workspace under another id (another file name, another source):
    # "incoming id -> workspace id" (issue 14: every record there exactly once).
    matched: list[str] = field(default_factory=list)
    # Rows without a paragraph that match no record of their review's report (kept, flagged
    # ``source.unmatched``): "row N: text" for the summary.
    unmatched: list[str] = field(default_factory=list)
    folded: int = 0  # records of the workspace folded into the imported ones (tui/dedupe.py)
    dry_run: bool = False

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def already(self) -> int:
        """Imported records that were already in the workspace (changed or not)."""
        return self.updated + self.unchanged


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
        reviews: set[tuple[str, int]] = set()
    else:
        plan = _plan_records(ws, batch, summary)
        reviews = {r for r in map(dedupe.review_of, batch.records) if r is not None}
    if dry_run:
        if reviews and plan:
            _count_folds(ws, plan, reviews, summary)
        return summary
    if not plan:
        return summary
    check_room = getattr(ws, "check_room", None)
    if check_room is not None:  # before any edit: a file past 1 GB could not be opened again
        check_room(TABLE, plan, f"importing {batch.source_file}")
    with ws.undo_group(f"Import {batch.source_file}"):
        for rid, values in plan:
            ws.edit(TABLE, rid, values)
        if reviews:
            # Records of another source already there (a UPR Info export imported before the
            # report) fold into the ones just imported.
            fold_plan = dedupe.plan(ws.table(TABLE), reviews=reviews, rename=False)
            dedupe.apply_folds(ws, fold_plan)
            summary.folded = fold_plan.folded
            _flag_unmatched(ws, reviews, summary)
    return summary


def _count_folds(
    ws: WorkspaceLike,
    plan: list[tuple[str, dict[str, Any]]],
    reviews: set[tuple[str, int]],
    summary: ApplySummary,
) -> None:
    """For a preview: how many records of the workspace the import would fold."""
    records: dict[str, Any] = {}
    for rid, record in ws.table(TABLE).items():
        if dedupe.review_of(record) in reviews:
            records[rid] = record
    for rid, values in plan:
        records[rid] = {**(records.get(rid) or RECOMMENDATION.defaults()), **values, "id": rid}
    fold_plan = dedupe.plan(records, reviews=reviews, rename=False)
    summary.folded = fold_plan.folded


def _flag_unmatched(
    ws: WorkspaceLike, reviews: set[tuple[str, int]], summary: ApplySummary
) -> None:
    """Rows without a paragraph left beside a report of their review: flag and list them."""
    index = dedupe.ReviewIndex(ws.table(TABLE), reviews=reviews)
    for review in sorted(reviews):
        if not index.with_paragraph.get(review):
            continue
        for rid in index.without_paragraph.get(review, []):
            record = ws.get(TABLE, rid) or {}
            source = source_of(record)
            if not source.get("unmatched"):
                ws.edit(TABLE, rid, {"source": {**source, "unmatched": True}})
            line = _unmatched_line(record)
            if line not in summary.unmatched:
                summary.unmatched.append(line)


def _unmatched_line(record: dict[str, Any]) -> str:
    source = source_of(record)
    where = source.get("row") or source.get("line")
    text = " ".join(str(record.get("text") or "").split())
    text = text if len(text) <= 90 else text[:89] + "…"
    return f"row {where}: {text}" if where else text


def _same_document(existing: dict[str, Any] | None, record: dict[str, Any]) -> dict[str, Any]:
    """A record found under another id from a source of the same kind (the same report under
    another file name): it keeps where it was first read from, so a re-import changes nothing."""
    old, new = source_of(existing), source_of(record)
    if not old or old.get("kind") != new.get("kind"):
        return record
    kept = {k: old[k] for k in LOCATOR_KEYS if k in old}
    return {**record, "source": {**{k: v for k, v in new.items() if k not in LOCATOR_KEYS}, **kept}}


def _redirect(
    ws: WorkspaceLike,
    rid: str,
    existing: dict[str, Any] | None,
    record: dict[str, Any],
    index: dedupe.ReviewIndex,
) -> str:
    """The id under which the workspace holds this recommendation (``rid`` if none other)."""
    seen = {rid}
    current, target = existing, rid
    while current is not None and current.get("merged_into"):  # folded: go to its survivor
        nxt = str(current["merged_into"])
        if nxt in seen:
            break
        seen.add(nxt)
        target, current = nxt, ws.get(TABLE, nxt)
    if current is not None:
        return target
    if existing is not None:
        return rid
    return index.match(record) or rid


def _plan_records(
    ws: WorkspaceLike, batch: ImportBatch, summary: ApplySummary
) -> list[tuple[str, dict[str, Any]]]:
    plan: dict[str, dict[str, Any]] = {}
    planned: set[str] = set()
    pending: dict[str, dict[str, Any]] = {}  # records as this plan leaves them
    reviews = {r for r in map(dedupe.review_of, batch.records) if r is not None}
    index = dedupe.ReviewIndex(ws.table(TABLE), reviews=reviews)
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
        target = _redirect(ws, rid, existing, record, index)
        if target != rid:
            summary.matched.append(f"{rid} -> {target}")
            rid, existing = target, ws.get(TABLE, target)
            record = _same_document(existing, record)
        if not str(record.get("paragraph") or "").strip() and index.has_report(record):
            if not str((existing or {}).get("paragraph") or "").strip():
                # A row of a review whose report is here that matches none of its paragraphs.
                record = {**record, "source": {**source_of(record), "unmatched": True}}
                summary.unmatched.append(_unmatched_line(record))
        first = existing is None and rid not in pending
        existing = pending.get(rid, existing)
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
        pledge = is_pledge(record)
        if rid in pending:  # a second row of the same recommendation: counted once
            if not pledge:
                summary.by_position[str(pending[rid].get("position") or "pending")] -= 1
        else:
            if first:
                summary.created += 1
            elif values:
                summary.updated += 1
            else:
                summary.unchanged += 1
            if existing is not None and existing.get("deleted"):
                summary.deleted_kept += 1
        if pledge:  # never counted with the recommendations' positions
            summary.pledges += rid not in pending
        else:
            summary.by_position[str(after or record.get("position") or "pending")] += 1
            summary.by_position = +summary.by_position  # drop zero counts
        if existing is None or values:
            plan.setdefault(rid, {}).update(values)
            pending[rid] = {**(existing or {}), **values}
        elif rid not in pending:
            pending[rid] = existing
    return list(plan.items())


def _plan_addendum(
    ws: WorkspaceLike, batch: ImportBatch, summary: ApplySummary
) -> list[tuple[str, dict[str, Any]]]:
    plan: list[tuple[str, dict[str, Any]]] = []
    if not batch.document:
        summary.missing_paragraphs.extend(batch.positions)
        summary.skipped.append("addendum: no document symbol (give --symbol)")
        return plan
    review_ids = addendum_targets(ws.table(TABLE), batch.country)
    learnt = False
    for paragraph, position in batch.positions.items():
        rid = upr_id(batch.document, paragraph)
        existing = ws.get(TABLE, rid)
        symbol_learnt = False
        if existing is None and paragraph in review_ids:
            # The report stated no symbol: its records are UPR:<ISO3>/<session>:<paragraph>;
            # they keep their id and learn the symbol (DESIGN §3).
            rid = review_ids[paragraph]
            existing = ws.get(TABLE, rid)
            symbol_learnt = existing is not None and not existing.get("document")
        if existing is None:
            summary.missing_paragraphs.append(paragraph)
            continue
        old_source = source_of(existing)
        stated = stated_after(existing, position)
        values: dict[str, Any] = {"document": batch.document} if symbol_learnt else {}
        if stated not in (None, "") and old_source.get(STATED) != stated:
            values["source"] = {**old_source, STATED: stated}
        kept = corrected_position(existing) and existing.get("position") != position
        if kept:
            summary.positions_kept.append(rid)
        elif existing.get("position") != position:
            values["position"] = position
        summary.by_position[str(existing.get("position") if kept else position)] += 1
        if not values:
            summary.unchanged += 1
        else:
            summary.updated += 1
        if values and existing.get("deleted"):
            summary.deleted_kept += 1
        if values:
            plan.append((rid, values))
        learnt = learnt or symbol_learnt
    if learnt:
        # Every record of that report learns the symbol, not only those the addendum answers.
        planned = {rid for rid, _values in plan}
        for rid in review_ids.values():
            record = ws.get(TABLE, rid)
            if rid not in planned and record is not None and not record.get("document"):
                plan.append((rid, {"document": batch.document}))
    return plan


# -- the import as the app and ``upr import`` run it: one undo step -----------------------------------------------------


@dataclass
class ImportResult:
    """One import for the summary: the parsed batch and what applying it did (or would do)."""

    batch: ImportBatch
    summary: ApplySummary | None = None
    countries: list[str] = field(default_factory=list)  # countries records created (or to create)
    workspace: str = ""
    mode: str = "applied"  # "applied", "dry-run" (command line) or "preview" (the app, before y)
    parse_seconds: float = 0.0
    apply_seconds: float = 0.0


def resolve_country(value: str | None) -> str | None:
    """ISO3 code for ``--country`` (a code or a name); ValueError for an unknown one."""
    if value is None or not value.strip():
        return None
    code = refdata.resolve_state(value.strip())
    if code is None:
        raise ValueError(
            f"unknown country {clean_line(value)[:60]!r} (give an ISO3 code, e.g. SVN)"
        )
    return code


def is_member(code: Any) -> bool:
    """A UN member State the country list shows (observers recommend but are not reviewed)."""
    if not isinstance(code, str):
        return False
    try:
        return not refdata.state(code).observer
    except KeyError:
        return False


def countries_to_add(ws: Any, batch: ImportBatch) -> list[str]:
    """Member States this batch brings recommendations for that have no ``countries`` record."""
    if batch.kind == "addendum":
        return []
    codes = {str(r["country"]) for r in batch.records if r.get("country")}
    if batch.country:
        codes.add(batch.country)
    return sorted(c for c in codes if is_member(c) and ws.get("countries", c) is None)


def apply_import(
    ws: Any, batch: ImportBatch, *, dry_run: bool = False
) -> tuple[ApplySummary, list[str]]:
    """Apply a batch and create missing country records, all as one undo step."""
    if dry_run:
        summary, added = apply_batch(ws, batch, dry_run=True), countries_to_add(ws, batch)
    else:
        with ws.undo_group(f"Import {clean_line(batch.source_file)}"):
            summary = apply_batch(ws, batch)
            added = countries_to_add(ws, batch)
            for code in added:
                ws.edit("countries", code, {"templates": list(DEFAULT_TEMPLATES)})
    summary.missing_paragraphs.sort(key=natural_key)
    return summary, added
