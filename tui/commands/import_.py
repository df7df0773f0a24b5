"""``upr import SOURCE``: import recommendations from a report, list or export (DESIGN §9, issue 4).

Parses SOURCE with ``tui.importers.parse_file`` and writes it into the workspace with
``apply_batch`` as one undo step; a country imported for the first time also gets its
``countries`` record. The summary (kind, document, country, counts by position and by
recommending State, unknown names, duplicates, encoding, warnings with line numbers, what the
import did) is a Rich report on a terminal and plain TSV (``section, key, value``) in a pipe.
``--dry-run`` writes nothing: the workspace is opened read-only, or not at all if missing.

Exit codes: 0 ok; 1 usage error (unknown country, workspace open in the app); 2 a source file
that cannot be read or a bad workspace file (one line ``upr import: <reason>`` on stderr).

The import itself is ``tui.importers.apply.apply_import`` and the summary
``tui.importers.summary``: the app's import screen uses the very same.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from tui.args import add_workspace_option
from tui.importers import KINDS, SourceError, parse_file
from tui.importers.apply import (  # re-exported: the domain step lives in the core
    ImportResult,
    apply_import,
    countries_to_add,
    is_member,
    resolve_country,
)
from tui.importers.summary import (  # re-exported: the summary is shared with the app
    apply_sentence,
    ordered_positions,
    positions_text,
    print_summary,
    state_label,
    summary_renderable,
    summary_rows,
    title_text,
    warning_count,
    write_tsv,
)
from tui.sanitize import clean_line

# The module's names, including those re-exported from the core for older imports.
__all__ = [
    "ImportResult",
    "MECHANISMS",
    "add_arguments",
    "apply_import",
    "apply_sentence",
    "countries_to_add",
    "is_member",
    "ordered_positions",
    "positions_text",
    "print_summary",
    "resolve_country",
    "run",
    "state_label",
    "summary_renderable",
    "summary_rows",
    "title_text",
    "warning_count",
    "write_tsv",
]


MECHANISMS = ("UPR", "TB", "SP")


class _NoWorkspace:
    """Stands for a workspace file that does not exist yet (a dry run must not create it)."""

    def get(self, table: str, rid: str) -> None:
        return None

    def table(self, name: str) -> dict[str, Any]:
        return {}

    def edit(self, table: str, rid: str, values: dict[str, Any]) -> bool:  # pragma: no cover
        raise RuntimeError("a dry run writes nothing")

    def undo_group(self, label: str) -> Any:  # pragma: no cover
        raise RuntimeError("a dry run writes nothing")


# -- the command -------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source",
        type=Path,
        metavar="SOURCE",
        help="report (.txt/.docx), addendum, thematic list (.docx), UPR Info CSV, "
        "UHRI export (.json/.csv), any CSV/XLSX, or a matrix made by upr export matrix "
        "(its changed cells come back as edits)",
    )
    add_workspace_option(parser)
    parser.add_argument(
        "--country",
        metavar="ISO3",
        help="State under review where the file does not say it; in a UPR Info or UHRI "
        "export, the only State kept",
    )
    parser.add_argument(
        "--symbol", metavar="S", help="document symbol where the file does not state it"
    )
    parser.add_argument(
        "--mechanism",
        metavar="M",
        type=str.upper,
        choices=MECHANISMS,
        help="UPR, TB or SP (generic tables and UHRI)",
    )
    parser.add_argument(
        "--kind", metavar="K", choices=KINDS, help="skip detection: " + ", ".join(KINDS)
    )
    parser.add_argument(
        "--mapping", metavar="YAML", type=Path, help="column mapping for a CSV/XLSX"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would change, write nothing"
    )
    parser.add_argument(
        "--author",
        metavar="ID",
        help="whose edits these are (an exported matrix filled in by a colleague); "
        "default: UPR_AUTHOR or the configured author",
    )


def _fail(message: str, code: int) -> int:
    print(f"upr import: {clean_line(message)}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    from tui.config import resolve_author
    from tui.store import LockedError, Workspace, WorkspaceError

    try:
        country = resolve_country(args.country)
    except ValueError as exc:
        return _fail(str(exc), 1)
    try:
        author = resolve_author(getattr(args, "author", None))
    except ValueError as exc:
        return _fail(str(exc), 1)
    path: Path = args.workspace
    ws: Any = None
    try:
        if not args.dry_run:
            ws = Workspace.open(path, author=author)
        elif path.exists():
            ws = Workspace.open(path, author=author, read_only=True)
    except LockedError as exc:
        return _fail(f"{exc} (import from within the app: ctrl+o)", 1)
    except WorkspaceError as exc:
        return _fail(str(exc), 2)
    try:
        return _import(args, ws, country, path.name)
    finally:
        if ws is not None:
            try:
                ws.close(save=False)
            except WorkspaceError:  # pragma: no cover - close(save=False) only drops the lock
                pass


def _import(args: argparse.Namespace, ws: Any, country: str | None, workspace_name: str) -> int:
    from tui import roundtrip
    from tui.store import WorkspaceError

    if args.kind is None and args.mapping is None and roundtrip.is_matrix(args.source):
        return _import_matrix(args, ws)
    started = time.perf_counter()
    try:
        batch = parse_file(
            args.source,
            country=country,
            symbol=args.symbol,
            mechanism=args.mechanism,
            kind=args.kind,
            mapping=args.mapping,
        )
    except SourceError as exc:
        return _fail(str(exc), 2)
    except OSError as exc:
        return _fail(f"{args.source.name}: cannot read the file ({exc.strerror or exc})", 2)
    parsed = time.perf_counter()
    target = ws if ws is not None else _NoWorkspace()
    try:
        summary, added = apply_import(target, batch, dry_run=args.dry_run)
    except WorkspaceError as exc:  # too large for a workspace: refused before any change
        return _fail(str(exc), 2)
    applied = time.perf_counter()
    if not args.dry_run:
        try:
            ws.save()
        except WorkspaceError as exc:
            return _fail(str(exc), 2)
    result = ImportResult(
        batch,
        summary,
        added,
        workspace_name,
        "dry-run" if args.dry_run else "applied",
        parsed - started,
        applied - parsed,
    )
    print_summary(result)
    return 0


def _import_matrix(args: argparse.Namespace, ws: Any) -> int:
    """An exported matrix comes back: its changed cells become edits (issue 19 point 1)."""
    from tui import roundtrip
    from tui.store import WorkspaceError

    try:
        matrix = roundtrip.read_matrix(args.source)
    except SourceError as exc:
        return _fail(str(exc), 2)
    except OSError as exc:
        return _fail(f"{args.source.name}: cannot read the file ({exc.strerror or exc})", 2)
    target = ws if ws is not None else _NoWorkspace()
    if ws is None:
        print("upr import: the workspace does not exist: nothing to compare with", file=sys.stderr)
        return 1
    result = roundtrip.apply_matrix(target, matrix, dry_run=args.dry_run)
    if not args.dry_run:
        try:
            ws.save()
        except WorkspaceError as exc:
            return _fail(str(exc), 2)
    if sys.stdout.isatty():
        print(
            "\n".join(
                clean_line(line) for line in roundtrip.summary_lines(result, dry_run=args.dry_run)
            )
        )
    else:
        out = ["section\tkey\tvalue"]
        for row in roundtrip.summary_rows(result):
            out.append("\t".join(clean_line(cell).replace("\t", " ") for cell in row))
        sys.stdout.write("\n".join(out) + "\n")
    return 0
