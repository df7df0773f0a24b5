"""Schema migrations (DESIGN §1): an older workspace is upgraded on open, after ``FILE.vN.bak``.

Two steps per version:
- ``MIGRATIONS[n]`` turns the raw tables of an ``n`` file into ``n + 1`` before validation
  (tables and fields only, no edits);
- ``after_upgrade`` runs once the file is validated and loaded, for changes that are edits
  (they go through the store's one edit function, with clocks and history rows).

Schema 2 (issue 14 point 4, issue 17): tables ``links`` and ``engagements``; recommendations may
carry ``kind: "pledge"`` and ``merged_into``; duplicates and hash-id records are folded
(``tui.dedupe``). Every edit of an upgrade carries one clock computed from the file itself (just
above its newest clock, author ``upr-migrate``), so two machines upgrading the same file write
the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tui.model import EDITED_TABLES, parse_clock

MIGRATION_AUTHOR = "upr-migrate"

Migration = Callable[[dict[str, dict[str, Any]]], None]


def v1_to_v2(data: dict[str, dict[str, Any]]) -> None:
    """Schema 2's new tables (empty until their features write them)."""
    data.setdefault("links", {})
    data.setdefault("engagements", {})


# schema version N -> function turning the tables of an N file into N+1, in place.
MIGRATIONS: dict[int, Migration] = {1: v1_to_v2}


def migration_clock(tables: Mapping[str, Mapping[str, Any]]) -> str:
    """A clock just above every clock of the file: the same on every machine."""
    newest = (0, 0, "")
    for table in (*EDITED_TABLES, "history"):
        for record in tables.get(table, {}).values():
            if not isinstance(record, Mapping):
                continue
            clocks = record.get("_clock") if table != "history" else {"": record.get("clock")}
            if not isinstance(clocks, Mapping):
                continue
            for clock in clocks.values():
                parsed = parse_clock(clock)
                if parsed is not None and parsed > newest:
                    newest = parsed
    ms, counter = newest[0], newest[1] + 1
    if counter > 999_999:
        ms, counter = ms + 1, 0
    return f"{ms:013d}|{counter:06d}|{MIGRATION_AUTHOR}"


def after_upgrade(ws: Any, from_version: int) -> int:
    """Edits of the upgrade from ``from_version``; returns how many records they changed."""
    changed = 0
    if from_version < 2:
        from tui import dedupe

        fold_plan = dedupe.plan(ws.table(dedupe.TABLE))
        if fold_plan.edits:
            clock = migration_clock(ws.snapshot_tables())
            changed += dedupe.apply_folds(ws, fold_plan, clock=clock)
            ws.warnings.append(
                f"upgrading from schema {from_version} to 2: {fold_plan.duplicates} duplicate "
                "record(s) folded, "
                f"{fold_plan.renamed} content-hash id(s) replaced (each kept, deleted, with "
                "merged_into)"
            )
    return changed
