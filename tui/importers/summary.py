"""What an import found and did, as one list of facts shown as Rich (terminal, the app's
import preview) or as TSV (a pipe): kind, document, country, counts by position and by
recommending State, unknown names, duplicates, encoding, warnings with line numbers.

No Textual here: ``upr import`` prints it and ``screens/importer.py`` shows the very same.
"""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from tui import refdata
from tui.importers.apply import ImportResult
from tui.importers.base import ImportBatch
from tui.sanitize import clean_line

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
        rows = summary.unmatched[:SHOWN_PARAGRAPHS]
        more = len(summary.unmatched) - len(rows)
        text.append(
            "; ".join(_clip(u, 80) for u in rows) + (f" … and {more} more" if more > 0 else "")
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


def print_summary(result: ImportResult, stream: Any = None) -> None:
    """Rich on a terminal, TSV in a pipe (DESIGN §9)."""
    stream = stream or sys.stdout
    if not stream.isatty():
        write_tsv(result, stream)
        return
    from rich.console import Console

    Console(file=stream, highlight=False).print(summary_renderable(result))
