"""``upr import SOURCE``: import recommendations from a report, list or export (DESIGN §9, issue 4).

Parses SOURCE with ``tui.importers.parse_file`` and writes it into the workspace with
``apply_batch`` as one undo step; a country imported for the first time also gets its
``countries`` record. The summary (kind, document, country, counts by position and by
recommending State, unknown names, duplicates, encoding, warnings with line numbers, what the
import did) is a Rich report on a terminal and plain TSV (``section, key, value``) in a pipe.
``--dry-run`` writes nothing: the workspace is opened read-only, or not at all if missing.

Exit codes: 0 ok; 1 usage error (unknown country, workspace open in the app); 2 a source file
that cannot be read or a bad workspace file (one line ``upr import: <reason>`` on stderr).

The summary builders below carry no Textual import: the app's import screen
(``screens/importer.py``) shows the very same preview with them.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from tui import refdata
from tui.checklist import DEFAULT_TEMPLATES
from tui.cli import add_workspace_option
from tui.exports.safe import natural_key
from tui.importers import KINDS, ImportBatch, SourceError, parse_file
from tui.importers.apply import ApplySummary, apply_batch
from tui.sanitize import clean_line

MECHANISMS = ("UPR", "TB", "SP")
TOP_STATES = 10
SHOWN_WARNINGS = 20
SHOWN_NAMES = 20
SHOWN_PARAGRAPHS = 20

KIND_LABELS = {
    "wg-report": "UPR Working Group report",
    "addendum": "addendum: the State's positions",
    "thematic-list": "OHCHR thematic list",
    "upr-info": "UPR Info export",
    "uhri": "Universal Human Rights Index export",
    "table": "table with a column mapping",
}
POSITION_ORDER = ("supported", "supported_in_part", "noted", "pending", "")


# -- the import itself (shared with the app) -----------------------------------------------------


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
    codes = {r.get("country") for r in batch.records}
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


# -- the summary: one list of facts, shown as Rich or as TSV -------------------------------------


def state_label(code: str) -> str:
    """``Slovenia (SVN)`` for a known code; an unknown raw name as it came (cleaned)."""
    try:
        st = refdata.state(code)
    except (KeyError, AttributeError):
        return clean_line(str(code))
    return f"{st.name} ({st.iso3})"


def ordered_positions(counts: dict[str, int]) -> list[tuple[str, int]]:
    rank = {p: i for i, p in enumerate(POSITION_ORDER)}
    return sorted(counts.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))


def positions_text(counts: dict[str, int]) -> str:
    items = [f"{n} {p.replace('_', ' ') or '(none)'}" for p, n in ordered_positions(counts) if n]
    return ", ".join(items) or "none"


def warning_count(batch: ImportBatch) -> int:
    return len(batch.warnings) + int(batch.stats.get("more_warnings", 0))


def _clip(text: str, width: int = 200) -> str:
    text = clean_line(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def summary_rows(result: ImportResult) -> list[tuple[str, str, str]]:
    """Every fact of the summary as (section, key, value): the TSV a script reads."""
    batch, summary = result.batch, result.summary
    rows: list[tuple[str, str, str]] = [
        ("source", "file", batch.source_file),
        ("source", "kind", batch.kind),
        ("source", "document", batch.document or ""),
        ("source", "country", batch.country or ""),
        ("source", "encoding", batch.encoding or ""),
        ("source", "mode", result.mode),
    ]
    if batch.kind == "addendum":
        rows.append(("count", "paragraphs", str(len(batch.positions))))
    else:
        pledges = sum(1 for r in batch.records if r.get("kind") == "pledge")
        rows.append(("count", "recommendations", str(len(batch.records) - pledges)))
        if pledges:
            rows.append(("count", "pledges", str(pledges)))
    rows.append(("count", "duplicates", str(batch.duplicates)))
    rows.append(("count", "warnings", str(warning_count(batch))))
    rows.append(("count", "unknown_names", str(len(batch.unknown_names))))
    for key, value in sorted(batch.stats.items()):
        rows.append(("stats", key, str(value)))
    for position, n in ordered_positions(batch.by_position()):
        rows.append(("position", position, str(n)))
    for code, n in sorted(batch.by_recommending().items(), key=lambda kv: (-kv[1], kv[0])):
        rows.append(("recommending", code, str(n)))
    for name, n in sorted(batch.unknown_names.items(), key=lambda kv: (-kv[1], kv[0])):
        rows.append(("unknown", name, str(n)))
    for warning in batch.warnings:
        rows.append(("warning", "" if warning.line is None else str(warning.line), warning.message))
    if summary is not None:
        rows += [
            ("apply", "created", str(summary.created)),
            ("apply", "updated", str(summary.updated)),
            ("apply", "unchanged", str(summary.unchanged)),
            ("apply", "deleted_kept", str(summary.deleted_kept)),
            ("apply", "positions_kept", str(len(summary.positions_kept))),
            ("apply", "missing_paragraphs", str(len(summary.missing_paragraphs))),
            ("apply", "skipped", str(len(summary.skipped))),
            ("apply", "already", str(summary.already)),
            ("apply", "matched", str(len(summary.matched))),
            ("apply", "folded", str(summary.folded)),
            ("apply", "unmatched", str(len(summary.unmatched))),
        ]
        for position, n in ordered_positions(summary.by_position):
            rows.append(("after", position, str(n)))
        rows += [("missing", p, "") for p in summary.missing_paragraphs]
        rows += [
            ("skipped", s.split(":", 1)[0], s.split(":", 1)[-1].strip()) for s in summary.skipped
        ]
        rows += [
            ("unmatched", u.split(":", 1)[0], u.split(":", 1)[-1].strip())
            for u in summary.unmatched
        ]
    rows += [("country_added", code, "") for code in result.countries]
    rows.append(("time", "parse_seconds", f"{result.parse_seconds:.2f}"))
    rows.append(("time", "apply_seconds", f"{result.apply_seconds:.2f}"))
    return rows


def write_tsv(result: ImportResult, stream: Any = None) -> None:
    stream = stream or sys.stdout
    out = ["section\tkey\tvalue"]
    for row in summary_rows(result):
        out.append("\t".join(clean_line(cell).replace("\t", " ") for cell in row))
    stream.write("\n".join(out) + "\n")


def title_text(result: ImportResult) -> Text:
    batch = result.batch
    source, target = clean_line(batch.source_file), clean_line(result.workspace)
    summary = result.summary
    if result.mode == "dry-run":
        return Text(f"Dry run: {source} into {target} (nothing written)", style="bold")
    if result.mode == "preview":
        return Text(f"Preview: {source} into {target} (nothing written yet)", style="bold")
    changed = bool(summary is not None and (summary.created or summary.updated) or result.countries)
    verb = "Imported" if changed else "Nothing new in"
    return Text(
        f"{verb} {source} into {target}" if changed else f"{verb} {source} for {target}",
        style="bold",
    )


def apply_sentence(result: ImportResult) -> Text:
    """What the import did, or would do: created / updated / unchanged, positions, paragraphs."""
    summary = result.summary
    text = Text()
    if summary is None:
        return text
    done = result.mode == "applied"
    addendum = result.batch.kind == "addendum"
    if addendum:
        if done:
            text.append(f"Positions set on {summary.updated} recommendation(s)", style="bold")
        else:
            text.append(f"Would set positions on {summary.updated} recommendation(s)", style="bold")
        text.append(f", {summary.unchanged} already had them")
        if summary.by_position:
            text.append(f"; in the workspace: {positions_text(summary.by_position)}")
    elif done:
        text.append(f"{summary.created} created, {summary.updated} updated", style="bold")
        text.append(f", {summary.unchanged} unchanged")
    else:
        text.append(f"Would create {summary.created}, update {summary.updated}", style="bold")
        text.append(f"; {summary.unchanged} unchanged")
    if not addendum and summary.already:
        text.append(f"\n{summary.already} already in the workspace")
        if summary.matched:
            text.append(f" ({len(summary.matched)} found under another id or file name)")
    if summary.folded:
        verb = "folded" if done else "would fold"
        text.append(
            f"\n{summary.folded} record(s) of another source {verb} into these (enriched, not "
            "duplicated)"
        )
    if summary.unmatched:
        text.append(
            f"\n{len(summary.unmatched)} row(s) match no paragraph of the report (kept, "
            "marked unmatched): ",
            style="bold yellow",
        )
        shown = summary.unmatched[:SHOWN_PARAGRAPHS]
        more = len(summary.unmatched) - len(shown)
        text.append(
            "; ".join(_clip(u, 80) for u in shown) + (f" … and {more} more" if more > 0 else "")
        )
    if not addendum and summary.by_position and summary.by_position != result.batch.by_position():
        text.append(f"\nPositions after the import: {positions_text(summary.by_position)}")
    if summary.deleted_kept:
        text.append(
            f"\n{summary.deleted_kept} of them had been deleted by the team: updated, left deleted"
        )
    if summary.positions_kept:
        shown = ", ".join(
            clean_line(rid.rsplit(":", 1)[-1]) for rid in summary.positions_kept[:SHOWN_PARAGRAPHS]
        )
        more = len(summary.positions_kept) - SHOWN_PARAGRAPHS
        text.append(
            f"\n{len(summary.positions_kept)} position(s) corrected by the team kept "
            "(the file says otherwise): ",
            style="bold yellow",
        )
        text.append(shown + (f" … and {more} more" if more > 0 else ""))
    if summary.missing_paragraphs:
        shown = ", ".join(clean_line(p) for p in summary.missing_paragraphs[:SHOWN_PARAGRAPHS])
        more = len(summary.missing_paragraphs) - SHOWN_PARAGRAPHS
        text.append(
            f"\n{len(summary.missing_paragraphs)} paragraph(s) not in the workspace: ",
            style="bold yellow",
        )
        text.append(shown + (f" … and {more} more" if more > 0 else ""))
        if not summary.updated and not summary.unchanged:
            text.append(" (import the report first)")
    if summary.skipped:
        text.append(f"\n{len(summary.skipped)} record(s) refused: ", style="bold yellow")
        text.append("; ".join(_clip(s, 80) for s in summary.skipped[:5]))
    if result.countries:
        names = ", ".join(state_label(c) for c in result.countries[:10])
        more = len(result.countries) - 10
        verb = "Country added" if done else "Would add country"
        text.append(f"\n{verb}: {names}" + (f" and {more} more" if more > 0 else ""))
    return text


def summary_renderable(
    result: ImportResult,
    *,
    top: int = TOP_STATES,
    shown_warnings: int = SHOWN_WARNINGS,
    outcome_first: bool = False,
) -> RenderableType:
    """The summary as Rich renderables: printed by the command, shown by the import screen.

    ``outcome_first``: what the import does comes right under the title (the screen's first
    lines at 80x24), not at the end (where a terminal leaves it in view)."""
    batch = result.batch
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold", no_wrap=True)
    facts.add_column(overflow="fold")
    kind = KIND_LABELS.get(batch.kind, batch.kind)
    facts.add_row("Kind", Text(f"{kind} · {batch.kind}"))
    facts.add_row("Document", Text(clean_line(batch.document or "(not stated)")))
    facts.add_row(
        "Country", Text(state_label(batch.country) if batch.country else "(several or not stated)")
    )
    if batch.encoding:
        facts.add_row("Encoding", Text(clean_line(batch.encoding)))
    if batch.kind == "addendum":
        facts.add_row("Paragraphs", Text(str(len(batch.positions))))
    else:
        facts.add_row("Recommendations", Text(str(len(batch.records))))
    facts.add_row("By position", Text(positions_text(batch.by_position())))
    if batch.duplicates:
        facts.add_row("Duplicates", Text(f"{batch.duplicates} (counted once)"))
    extra = {k: v for k, v in batch.stats.items() if k not in ("more_warnings",)}
    if extra and batch.kind != "addendum":  # an addendum's stats repeat its positions
        facts.add_row(
            "Read", Text(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(extra.items())))
        )
    if result.parse_seconds or result.apply_seconds:
        timing = f"parsed in {result.parse_seconds:.1f} s"
        if result.mode == "applied":
            timing += f", applied in {result.apply_seconds:.1f} s"
        facts.add_row("Time", Text(timing))
    parts: list[RenderableType] = [title_text(result)]
    if outcome_first and result.summary is not None:
        parts += [apply_sentence(result), Text("")]
    parts.append(facts)

    by_state = batch.by_recommending()
    if by_state:
        table = Table(box=None, pad_edge=False, header_style="bold", show_edge=False)
        table.add_column(
            f"Recommending States: {len(by_state)}; top {min(top, len(by_state))}",
            overflow="ellipsis",
            no_wrap=True,
        )
        table.add_column("n", justify="right")
        for code, n in sorted(by_state.items(), key=lambda kv: (-kv[1], kv[0]))[:top]:
            table.add_row(Text(state_label(code)), str(n))
        parts += [Text(""), table]

    names = batch.unknown_names
    parts.append(Text(""))
    if names:
        line = Text(f"Unknown names ({len(names)}, kept as written): ", style="bold yellow")
        ordered = sorted(names.items(), key=lambda kv: (-kv[1], kv[0]))
        line.append(", ".join(f"{_clip(n, 60)} ×{c}" for n, c in ordered[:SHOWN_NAMES]))
        if len(ordered) > SHOWN_NAMES:
            line.append(f" … and {len(ordered) - SHOWN_NAMES} more")
        parts.append(line)
    else:
        parts.append(Text("Unknown names: none"))

    total = warning_count(batch)
    if total:
        warn = Text(f"Warnings: {total}", style="bold yellow")
        for w in batch.warnings[:shown_warnings]:
            where = "" if w.line is None else f"line {w.line}: "
            warn.append(f"\n  {where}", style="bold")
            warn.append(_clip(w.message))
        if total > shown_warnings:
            warn.append(f"\n  … and {total - shown_warnings} more")
        parts.append(warn)
    else:
        parts.append(Text("Warnings: none"))
    if result.summary is not None and not outcome_first:
        parts += [Text(""), apply_sentence(result)]
    return Group(*parts)


# -- the command -------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source",
        type=Path,
        metavar="SOURCE",
        help="report (.txt/.docx), addendum, thematic list (.docx), UPR Info CSV, "
        "UHRI export (.json/.csv) or any CSV/XLSX",
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
    summary, added = apply_import(target, batch, dry_run=args.dry_run)
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


def print_summary(result: ImportResult, stream: Any = None) -> None:
    """Rich on a terminal, TSV in a pipe (DESIGN §9)."""
    stream = stream or sys.stdout
    if not stream.isatty():
        write_tsv(result, stream)
        return
    from rich.console import Console

    Console(file=stream, highlight=False).print(summary_renderable(result))
