"""``upr dedupe FILE [--dry-run]``: fold duplicate recommendations into one record (issue 14).

The same folds as the upgrade to schema 2 (``tui.dedupe``): each duplicate keeps its fields and
gets ``deleted: true`` and ``merged_into``; the record kept takes in the others' themes, action
category, recommending States and the decisions edited last. One undo step, ordinary edits
(clocks and history rows), so the folds travel to every copy at the next merge.
Prints one line per fold (TSV ``kept, folded, reason`` when piped). Exit codes: 0 ok (also when
there is nothing to fold), 1 the workspace is open elsewhere, 2 a bad or unreadable file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tui.sanitize import clean_line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="workspace file")
    parser.add_argument(
        "--dry-run", action="store_true", help="list the duplicates, change nothing"
    )


def run(args: argparse.Namespace) -> int:
    from tui import dedupe
    from tui.config import resolve_author
    from tui.store import LockedError, Workspace, WorkspaceError

    try:
        author = resolve_author(None)
    except ValueError as exc:
        print(f"upr dedupe: {exc}", file=sys.stderr)
        return 1
    try:
        ws = Workspace.open(args.file, author=author, read_only=args.dry_run, create=False)
    except LockedError as exc:
        print(f"upr dedupe: {exc}", file=sys.stderr)
        return 1
    except WorkspaceError as exc:
        print(f"upr dedupe: {exc}", file=sys.stderr)
        return 2
    for warning in ws.warnings:  # a schema 1 file: the upgrade's folds (in memory for --dry-run)
        print(f"upr dedupe: {clean_line(warning)}", file=sys.stderr)
    try:
        fold_plan = dedupe.plan(ws.table(dedupe.TABLE))
        if fold_plan.edits and not args.dry_run:
            with ws.undo_group("Fold duplicates"):
                dedupe.apply_folds(ws, fold_plan)
            ws.save()
        _print(fold_plan, args.dry_run, sys.stdout)
    except WorkspaceError as exc:
        print(f"upr dedupe: {exc}", file=sys.stderr)
        return 2
    finally:
        ws.close(save=False)
    return 0


def _print(fold_plan: Any, dry_run: bool, stream: Any) -> None:
    rows = [(fold.survivor, rid, fold.reason) for fold in fold_plan.folds for rid in fold.folded]
    if not stream.isatty():
        lines = ["kept\tfolded\treason"]
        lines += ["\t".join(clean_line(c).replace("\t", " ") for c in row) for row in rows]
        stream.write("\n".join(lines) + "\n")
        return
    for kept, folded, reason in rows:
        stream.write(f"{clean_line(folded)} -> {clean_line(kept)} ({reason})\n")
    if not rows:
        stream.write("No duplicates: every recommendation is there once.\n")
        return
    verb = "Would fold" if dry_run else "Folded"
    stream.write(
        f"{verb} {fold_plan.duplicates} duplicate record(s); {fold_plan.renamed} content-hash "
        "id(s) replaced by stable ids" + (" (nothing written)" if dry_run else "") + "\n"
    )
