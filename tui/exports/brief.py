"""The country brief (issue 7, item 4): one page on where a country stands.

Next review and the current phase, checklist progress, the recommendations by position,
cluster and status (with bar charts), what is overdue, and each review's documents and the
Council session adopting it (issue 18). :func:`build_brief` gathers the
figures once; :func:`brief_renderable` (Rich, the terminal screen and ``--format txt``),
:func:`brief_markdown` and :func:`brief_html` lay them out. Everything untrusted is made
inert: Rich ``Text`` objects (never markup), Markdown escaped, HTML escaped.
"""

from __future__ import annotations

import html
import io
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import IO, Any

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from tui import council, engagements, refdata
from tui.actions import cost_of, country_actions, format_cost, is_overdue
from tui.exports.annex import report_cycle
from tui.exports.matrix import select_recommendations
from tui.exports.safe import (
    POSITION_LABELS,
    PRIORITY_LABELS,
    STATUS_LABELS,
    Source,
    md_cell,
    md_text,
    plain,
)
from tui.model import POSITIONS, PRIORITIES, STATUSES
from tui.sanitize import clean_line

FORMATS = ("md", "html", "txt")
BAR_WIDTH = 24
MIN_LABEL = 14  # cells a chart label keeps before bars give way ("No information")
CHART_GAP = 3  # columns between the two charts of a row
MAX_CLUSTERS = 8  # one page: the rest are summed as "Other clusters"
MAX_OVERDUE = 8
MAX_PLEDGES = 10
NO_CLUSTER = "No cluster"


@dataclass(frozen=True)
class Bar:
    label: str
    count: int


@dataclass(frozen=True)
class Overdue:
    kind: str  # "checklist" | "action"
    due: str
    text: str
    owner: str


@dataclass
class Brief:
    iso3: str
    name: str
    region: str
    today: date
    review_line: str
    phase_line: str
    checklist_cycle: int | None = None
    checklist_done: int = 0
    checklist_total: int = 0
    checklist_started: bool = False
    checklist_phases: list[tuple[str, int, int, int]] = field(default_factory=list)
    rec_cycle: int | None = None
    rec_total: int = 0
    rec_triaged: int = 0
    by_position: list[Bar] = field(default_factory=list)
    by_cluster: list[Bar] = field(default_factory=list)
    by_status: list[Bar] = field(default_factory=list)
    by_priority: list[Bar] = field(default_factory=list)
    actions: int = 0
    actions_done: int = 0
    cost_total: Decimal = Decimal(0)
    overdue: list[Overdue] = field(default_factory=list)
    overdue_more: int = 0
    documents: list[council.ReviewDocuments] = field(default_factory=list)
    pledges: list[str] = field(default_factory=list)  # texts of the State's voluntary pledges
    # (when, line): "next" / "recent" engagements besides the UPR (tui/engagements.py)
    engagements: list[tuple[str, str]] = field(default_factory=list)
    duties: list[str] = field(default_factory=list)  # RC/UNCT duties to review within 30 days

    @property
    def title(self) -> str:
        return f"{self.name} ({self.iso3}): UPR country brief, {_day(self.today)}"


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _review_text(review: refdata.Review) -> str:
    text = (
        f"cycle {review.cycle}, session {review.session.number}, "
        f"{_day(review.start)} – {_day(review.end)}"
    )
    return text + (f" ({review.caveat})" if review.caveat else "")


def _phase(iso3: str, today: date) -> tuple[str, str]:
    """(review line, phase line) in words."""
    try:
        nxt = refdata.next_review(iso3, today)
        last = refdata.last_review(iso3, today)
    except KeyError:
        return "No UPR review known.", ""
    review_line = f"Next review: {_review_text(nxt)}." if nxt else "No further review is scheduled."
    if nxt and nxt.start <= today <= nxt.end:
        phase = f"In review now: the session runs until {_day(nxt.end)}."
    elif nxt:
        days = (nxt.start - today).days
        phase = f"Before the cycle {nxt.cycle} review: {days} day{'s' if days != 1 else ''} to go"
        if last:
            phase += (
                f"; follow-up of the cycle {last.cycle} review "
                f"(session {last.session.number}, {last.end:%b %Y})"
            )
        phase += "."
    elif last:
        phase = f"After the last known review (cycle {last.cycle}, {last.end:%b %Y})."
    else:
        phase = "No UPR review (observer State)."
    return review_line, phase


def _bars(counts: Counter[str], order: Sequence[str], labels: Mapping[str, str]) -> list[Bar]:
    out = [Bar(labels.get(k, k), counts[k]) for k in order if counts.get(k)]
    out += [Bar(plain(k), n) for k, n in sorted(counts.items()) if k not in order and n]
    return out


def build_brief(source: Source, iso3: str, today: date, *, cycle: int | None = None) -> Brief:
    """Gather the figures of one country's brief on ``today``.

    Recommendations: those of ``cycle`` (default: the previous review's cycle, as the annex).
    Checklist: the cycle the checklist screen opens on (the current or next review's).
    """
    from tui.checklist import DONE_STATUSES, PHASE_LABELS, PHASES, due_state

    try:
        st = refdata.state(iso3)
        name, region = st.name, refdata.region_name(st.region)
    except KeyError:
        name, region = iso3, ""
    review_line, phase_line = _phase(iso3, today)
    brief = Brief(iso3, name, region, today, review_line, phase_line)
    brief.documents = council.country_documents(iso3, council.workspace_reports(source, iso3))

    # Checklist: the live cycle's, started or not (then from the templates and the calendar,
    # so what is overdue shows before anyone opens the checklist).
    from tui import checklist as checklists

    live = checklists.live_checklist(source, iso3, today)
    entries = live.entries if live is not None else []
    brief.checklist_cycle = live.cycle if live is not None else None
    brief.checklist_started = live is not None and live.started
    brief.checklist_total = len(entries)
    brief.checklist_done = sum(1 for e in entries if e.get("status") in DONE_STATUSES)
    counts = checklists.phase_counts(entries, today)
    brief.checklist_phases = [
        (PHASE_LABELS.get(p, p), *counts[p])
        for p in (*PHASES, *sorted(set(counts) - set(PHASES)))
        if p in counts
    ]
    overdue: list[Overdue] = [
        Overdue(
            "checklist",
            plain(e.get("due")),
            clean_line(plain(e.get("text"))),
            clean_line(plain(e.get("owner"))),
        )
        for e in entries
        if due_state(e, today) == "overdue"
    ]

    # Recommendations
    rcycle = cycle if cycle is not None else report_cycle(source, iso3, today)
    every = select_recommendations(source, iso3, rcycle)
    recs = [r for r in every if r.get("kind") != "pledge"]
    # Voluntary pledges: listed apart, never counted with the recommendations.
    brief.pledges = [clean_line(plain(r.get("text"))) for r in every if r.get("kind") == "pledge"]
    brief.rec_cycle = rcycle
    brief.rec_total = len(recs)
    brief.rec_triaged = sum(1 for r in recs if r.get("triaged") is True)
    brief.by_position = _bars(
        Counter(str(r.get("position")) for r in recs), POSITIONS, POSITION_LABELS
    )
    brief.by_status = _bars(Counter(str(r.get("status")) for r in recs), STATUSES, STATUS_LABELS)
    brief.by_priority = _bars(
        Counter(str(r.get("priority")) for r in recs),
        PRIORITIES,
        {**PRIORITY_LABELS, "none": "No priority"},
    )
    clusters = Counter(
        (str(r.get("cluster")).strip() if isinstance(r.get("cluster"), str) else "") or NO_CLUSTER
        for r in recs
    )
    ranked = sorted(
        clusters.items(), key=lambda kv: (-kv[1], kv[0] == NO_CLUSTER, kv[0].casefold(), kv[0])
    )
    shown = ranked[:MAX_CLUSTERS]
    brief.by_cluster = [Bar(clean_line(plain(k)), n) for k, n in shown]
    rest = sum(n for _, n in ranked[MAX_CLUSTERS:])
    if rest:
        brief.by_cluster.append(Bar(f"Other clusters ({len(ranked) - MAX_CLUSTERS})", rest))

    # Actions
    actions = country_actions(source, iso3)
    brief.actions = len(actions)
    brief.actions_done = sum(1 for a in actions if a.get("status") == "implemented")
    brief.cost_total = sum((c for a in actions if (c := cost_of(a)) is not None), Decimal(0))
    overdue += [
        Overdue(
            "action",
            plain(a.get("deadline")),
            clean_line(plain(a.get("title"))),
            clean_line(plain(a.get("entity"))),
        )
        for a in actions
        if is_overdue(a, today)
    ]
    ahead = engagements.next_and_recent(source, iso3, today)
    brief.engagements = [
        (when, clean_line(engagements.describe(record, today)))
        for when, rows in (("next", ahead.upcoming), ("recent", ahead.recent))
        for record in rows
    ]
    brief.duties = [
        clean_line(f"{plain(d.get('due'))} · {plain(d.get('text'))} ({plain(d.get('owner'))})")
        for d in engagements.duties_due(source, iso3, today)
    ]
    overdue.sort(key=lambda o: (o.due, o.kind, o.text))
    brief.overdue = overdue[:MAX_OVERDUE]
    brief.overdue_more = max(len(overdue) - MAX_OVERDUE, 0)
    return brief


# --------------------------------------------------------------------------- shared wording


def bar(count: int, peak: int, width: int = BAR_WIDTH) -> str:
    """A bar of ``█`` proportional to ``count / peak``; any count above 0 shows at least one."""
    if count <= 0 or peak <= 0:
        return ""
    return "█" * max(1, round(width * count / peak))


def progress_bar(done: int, total: int, width: int = 10) -> str:
    """``███░░░░░░░``: the share done; full only when all is done."""
    filled = done * width // total if total > 0 else 0
    return "█" * filled + "░" * (width - filled)


def percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "–"


def _pledge_heading(brief: Brief) -> str:
    scope = f"cycle {brief.rec_cycle}" if brief.rec_cycle is not None else "all cycles"
    return f"Voluntary pledges ({scope}): {len(brief.pledges)}"


def _pledge_lines(brief: Brief, width: int = 160) -> list[str]:
    """The pledges, one line each (cut to ``width``), at most MAX_PLEDGES and "… N more"."""
    shown = [p if len(p) <= width else p[: width - 1] + "…" for p in brief.pledges[:MAX_PLEDGES]]
    more = len(brief.pledges) - len(shown)
    return shown + ([f"… and {more} more"] if more > 0 else [])


def _rec_heading(brief: Brief) -> str:
    scope = f"cycle {brief.rec_cycle}" if brief.rec_cycle is not None else "all cycles"
    return (
        f"Recommendations ({scope}): {brief.rec_total}, "
        f"{brief.rec_triaged} triaged ({percent(brief.rec_triaged, brief.rec_total)})"
    )


def _checklist_line(brief: Brief) -> str:
    if brief.checklist_cycle is None:
        return "Checklist: no UPR review known."
    late = sum(p[3] for p in brief.checklist_phases)
    started = "" if brief.checklist_started else ", not started"
    return (
        f"Checklist (cycle {brief.checklist_cycle}{started}): {brief.checklist_done} of "
        f"{brief.checklist_total} done ({percent(brief.checklist_done, brief.checklist_total)})"
        + (f", {late} overdue" if late else "")
        + "."
    )


def _actions_line(brief: Brief) -> str:
    if not brief.actions:
        return "Implementation plan: no actions yet."
    noun = "action" if brief.actions == 1 else "actions"
    return (
        f"Implementation plan: {brief.actions} {noun}, {brief.actions_done} implemented; "
        f"estimated cost {format_cost(brief.cost_total) or '0'}."
    )


DOCUMENTS_HEADING = "Reviews and documents"
DOCUMENTS_NOTE = (
    "/1 national report, /2 UN compilation, /3 stakeholders' summary. WG report: the Working "
    "Group's report, A/HRC/<n>/… until it is imported. Adopted at: the Council session that "
    "adopts the outcome; (rule): known from the months after the review, not yet from its "
    "report; ~: a start date not yet published."
)


ENGAGEMENTS_HEADING = "Engagements besides the UPR"


DUTIES_HEADING = "RC/UNCT human rights duties to review"


def _engagement_lines(brief: Brief) -> list[str]:
    return [f"{when.capitalize()}: {line}" for when, line in brief.engagements]


def _extra_sections(brief: Brief) -> list[tuple[str, list[str]]]:
    """Sections shown only when they hold something (a brief without them keeps its bytes)."""
    out = []
    if brief.engagements:
        out.append((ENGAGEMENTS_HEADING, _engagement_lines(brief)))
    if brief.duties:
        out.append((DUTIES_HEADING, brief.duties))
    return out


def _documents_rows(brief: Brief) -> list[tuple[str, str, str, str, str]]:
    """(cycle, session, documents /1 /2 /3, WG report, adopted at) for each review."""
    return [
        (
            str(d.review.cycle),
            str(d.review.session.number),
            f"{d.national_report}, /2, /3",
            council.report_text(d),
            council.adopted_short(d.adoption),
        )
        for d in brief.documents
    ]


def _charts(brief: Brief) -> list[tuple[str, list[Bar]]]:
    return [
        ("By position", brief.by_position),
        ("By status", brief.by_status),
        ("By cluster", brief.by_cluster),
        ("By priority", brief.by_priority),
    ]


def _overdue_label(item: Overdue) -> str:
    who = f" ({item.owner})" if item.owner else ""
    kind = "Checklist" if item.kind == "checklist" else "Action"
    return f"{item.due} · {kind}: {item.text}{who}"


# --------------------------------------------------------------------------- Rich


def _chart_table(title: str, bars: Sequence[Bar], width: int, label_width: int = 24) -> Table:
    table = Table(
        title=Text(title, style="bold"),
        title_justify="left",
        box=None,
        show_header=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    table.add_column(no_wrap=True, overflow="ellipsis", max_width=label_width)
    table.add_column(justify="right", no_wrap=True)
    table.add_column(no_wrap=True)
    peak = max((b.count for b in bars), default=0)
    for b in bars:
        table.add_row(
            Text(b.label), Text(str(b.count)), Text(bar(b.count, peak, width), style="cyan")
        )
    if not bars:
        table.add_row(Text("none", style="dim"), Text(""), Text(""))
    return table


def brief_renderable(brief: Brief, width: int = 80) -> RenderableType:
    """The brief for a terminal: plain Text and Tables (no markup parsing anywhere).

    Two charts share a row, each in half the width less the gap. Counts are never cut; labels
    keep at least ``MIN_LABEL`` cells (longer ones end in …); the bars take the rest, up to
    ``BAR_WIDTH``, and labels any room the bars leave (up to 24 cells).
    """
    every = [b for _, bars in _charts(brief) for b in bars]
    half = (width - CHART_GAP) // 2
    count_width = max((len(str(b.count)) for b in every), default=1)
    longest = min(max((len(b.label) for b in every), default=4), 24)
    room = half - count_width - 2  # two one-cell paddings
    bar_width = max(1, min(BAR_WIDTH, room - min(longest, MIN_LABEL)))
    label_width = max(1, min(longest, room - bar_width))
    head = Text()
    head.append(brief.title, style="bold")
    if brief.region:
        head.append(f" · {brief.region}", style="dim")
    parts: list[RenderableType] = [
        head,
        Text(brief.review_line),
        Text(brief.phase_line),
        Text(""),
        Text(_checklist_line(brief)),
    ]
    if brief.checklist_phases:
        phases = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1, 0, 2))
        for _ in range(3):
            phases.add_column(no_wrap=True)
        for label_, done, total, late in brief.checklist_phases:
            phases.add_row(
                Text(label_),
                Text(f"{progress_bar(done, total)} {done}/{total}"),
                Text(f"{late} overdue" if late else "", style="red" if late else ""),
            )
        parts.append(phases)
    parts.append(Text(_actions_line(brief)))
    for heading, lines in _extra_sections(brief):
        parts += [Text(""), Text(heading, style="bold")]
        parts += [Text("  " + line) for line in lines]
    parts += [Text(""), Text(_rec_heading(brief), style="bold")]
    charts = [_chart_table(title, bars, bar_width, label_width) for title, bars in _charts(brief)]
    grid = Table.grid(padding=(0, CHART_GAP, 0, 0))
    grid.add_column()
    grid.add_column()
    grid.add_row(charts[0], charts[1])
    grid.add_row(Text(""), Text(""))
    grid.add_row(charts[2], charts[3])
    parts.append(grid)
    if brief.pledges:
        parts += [Text(""), Text(_pledge_heading(brief), style="bold")]
        parts += [
            Text("  " + line, no_wrap=True, overflow="ellipsis") for line in _pledge_lines(brief)
        ]
    parts.append(Text(""))
    parts.append(Text(f"Overdue ({len(brief.overdue) + brief.overdue_more})", style="bold"))
    if not brief.overdue:
        parts.append(Text("Nothing overdue.", style="dim"))
    for item in brief.overdue:
        parts.append(
            Text("  " + _overdue_label(item), style="red", no_wrap=True, overflow="ellipsis")
        )
    if brief.overdue_more:
        parts.append(Text(f"  … and {brief.overdue_more} more", style="dim"))
    if brief.documents:
        docs = Table(
            title=Text(DOCUMENTS_HEADING, style="bold"),
            title_justify="left",
            box=None,
            pad_edge=False,
            padding=(0, 2, 0, 0),
            header_style="bold",
        )
        docs.add_column("Cycle", justify="right", no_wrap=True)
        docs.add_column("Working Group documents", no_wrap=True)
        docs.add_column("WG report", no_wrap=True)
        docs.add_column("Adopted at")
        for cycle, _session, documents, report, adopted in _documents_rows(brief):
            docs.add_row(Text(cycle), Text(documents), Text(report), Text(adopted))
        parts += [Text(""), docs, Text(DOCUMENTS_NOTE, style="dim")]
    return Group(*parts)


def brief_text(brief: Brief, width: int = 100) -> str:
    """The Rich layout as plain text (``--format txt``): no colours, no escape codes."""
    console = Console(
        width=width,
        file=io.StringIO(),
        color_system=None,
        force_terminal=False,
        record=True,
        legacy_windows=False,
        emoji=False,
        markup=False,
        highlight=False,
    )
    console.print(brief_renderable(brief, width))
    return (
        "\n".join(line.rstrip() for line in console.export_text(styles=False).splitlines()) + "\n"
    )


# --------------------------------------------------------------------------- Markdown


def brief_markdown(brief: Brief) -> str:
    lines = [f"# {md_text(brief.title)}", ""]
    if brief.region:
        lines += [md_text(brief.region), ""]
    lines += [
        md_text(brief.review_line),
        "",
        md_text(brief.phase_line),
        "",
        "## Checklist",
        "",
        md_text(_checklist_line(brief)),
        "",
    ]
    if brief.checklist_phases:
        lines += ["| Phase | Done | Progress | Overdue |", "| --- | ---: | --- | ---: |"]
        for label_, done, total, late in brief.checklist_phases:
            lines.append(
                f"| {md_cell(label_)} | {done}/{total} | {progress_bar(done, total)} | {late} |"
            )
        lines.append("")
    lines += [
        "## Implementation plan",
        "",
        md_text(_actions_line(brief)),
        "",
    ]
    for heading, extra in _extra_sections(brief):
        lines += [f"## {heading}", ""]
        lines += [f"- {md_text(line)}" for line in extra] + [""]
    lines += [f"## {md_text(_rec_heading(brief))}", ""]
    for title, bars in _charts(brief):
        lines += [f"### {title}", ""]
        if not bars:
            lines += ["None.", ""]
            continue
        peak = max(b.count for b in bars)
        lines += ["| | Count | |", "| --- | ---: | --- |"]
        for b in bars:
            lines.append(f"| {md_cell(b.label)} | {b.count} | {bar(b.count, peak)} |")
        lines.append("")
    if brief.pledges:
        lines += [f"## {md_text(_pledge_heading(brief))}", ""]
        lines += [f"- {md_text(line)}" for line in _pledge_lines(brief)] + [""]
    lines += [f"## Overdue ({len(brief.overdue) + brief.overdue_more})", ""]
    if not brief.overdue:
        lines.append("Nothing overdue.")
    for item in brief.overdue:
        lines.append(f"- {md_cell(_overdue_label(item))}")
    if brief.overdue_more:
        lines.append(f"- … and {brief.overdue_more} more")
    lines.append("")
    if brief.documents:
        lines += [
            f"## {DOCUMENTS_HEADING}",
            "",
            "| Cycle | Session | Documents (/1, /2, /3) | WG report | Adopted at |",
            "| ---: | ---: | --- | --- | --- |",
        ]
        for row in _documents_rows(brief):
            lines.append("| " + " | ".join(md_cell(c) for c in row) + " |")
        lines += ["", md_text(DOCUMENTS_NOTE), ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- HTML

_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:1.5rem auto;padding:0 1rem;"
    "color:#222}h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.4rem}"
    "table{border-collapse:collapse}td{padding:.1rem .5rem;vertical-align:middle}"
    "td.n{text-align:right}.bar{display:inline-block;height:.8rem;background:#3b7dd8}"
    ".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:1rem}"
    ".late{color:#b00}@media print{body{margin:0}}"
)


def _e(text: Any) -> str:
    return html.escape(plain(text), quote=True)


def _html_chart(title: str, bars: Sequence[Bar]) -> str:
    peak = max((b.count for b in bars), default=0)
    rows = (
        "".join(
            f'<tr><td>{_e(b.label)}</td><td class="n">{b.count}</td>'
            f'<td><span class="bar" style="width:{(10 * b.count / peak) if peak else 0:.2f}rem">'
            f"</span></td></tr>"
            for b in bars
        )
        or "<tr><td>None.</td></tr>"
    )
    return f"<section><h3>{_e(title)}</h3><table>{rows}</table></section>"


def brief_html(brief: Brief) -> str:
    """A self-contained page: inline CSS, no scripts, no external resources, all text escaped."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">",
        f"<title>{_e(brief.title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{_e(brief.title)}</h1>",
    ]
    if brief.region:
        out.append(f"<p>{_e(brief.region)}</p>")
    out += [
        f"<p>{_e(brief.review_line)}<br>{_e(brief.phase_line)}</p>",
        f"<h2>Checklist</h2><p>{_e(_checklist_line(brief))}</p>",
    ]
    if brief.checklist_phases:
        rows = "".join(
            f'<tr><td>{_e(label_)}</td><td class="n">{done}/{total}</td>'
            f'<td><span class="bar" style="width:{(8 * done / total) if total else 0:.2f}rem">'
            f'</span></td><td class="{"late" if late else ""}">'
            f"{f'{late} overdue' if late else ''}</td></tr>"
            for label_, done, total, late in brief.checklist_phases
        )
        out.append(f"<table>{rows}</table>")
    out += [
        f"<h2>Implementation plan</h2><p>{_e(_actions_line(brief))}</p>",
    ]
    for heading, extra in _extra_sections(brief):
        items = "".join(f"<li>{_e(line)}</li>" for line in extra)
        out += [f"<h2>{_e(heading)}</h2>", f"<ul>{items}</ul>"]
    out += [
        f"<h2>{_e(_rec_heading(brief))}</h2>",
        '<div class="charts">',
    ]
    out += [_html_chart(title, bars) for title, bars in _charts(brief)]
    out.append("</div>")
    if brief.pledges:
        items = "".join(f"<li>{_e(line)}</li>" for line in _pledge_lines(brief))
        out += [f"<h2>{_e(_pledge_heading(brief))}</h2>", f"<ul>{items}</ul>"]
    out += [f"<h2>Overdue ({len(brief.overdue) + brief.overdue_more})</h2>"]
    if not brief.overdue:
        out.append("<p>Nothing overdue.</p>")
    else:
        items = "".join(f'<li class="late">{_e(_overdue_label(o))}</li>' for o in brief.overdue)
        more = f"<li>… and {brief.overdue_more} more</li>" if brief.overdue_more else ""
        out.append(f"<ul>{items}{more}</ul>")
    if brief.documents:
        head = "".join(
            f"<th>{_e(h)}</th>"
            for h in ("Cycle", "Session", "Documents (/1, /2, /3)", "WG report", "Adopted at")
        )
        body = "".join(
            "<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>"
            for row in _documents_rows(brief)
        )
        out += [
            f"<h2>{_e(DOCUMENTS_HEADING)}</h2><table><tr>{head}</tr>{body}</table>",
            f"<p>{_e(DOCUMENTS_NOTE)}</p>",
        ]
    out.append("</body></html>\n")
    return "\n".join(out)


# --------------------------------------------------------------------------- entry point


def write_brief(
    source: Source,
    iso3: str,
    fmt: str,
    out: IO[bytes],
    *,
    cycle: int | None = None,
    today: date | None = None,
    bom: bool = False,
) -> int:
    """Write the brief as ``md``, ``html`` or ``txt``; returns the recommendations counted."""
    if fmt not in FORMATS:
        raise ValueError(f"brief formats are {', '.join(FORMATS)}, not {fmt!r}")
    brief = build_brief(source, iso3, today or date.today(), cycle=cycle)
    render = {"md": brief_markdown, "html": brief_html, "txt": brief_text}[fmt]
    out.write(render(brief).encode("utf-8"))
    return brief.rec_total
