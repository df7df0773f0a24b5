"""A country at a glance: its reviews by cycle, where it stands today, and what to open next."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from screens.messages import OpenCountryPart
from tui import council, engagements, refdata
from tui.overview import CountrySummary, country_summary
from tui.sanitize import clean_text


def phase_sentence(summary: CountrySummary, today: date) -> Text:
    nxt, last = summary.next_review, summary.last_review
    if nxt and nxt.start <= today <= nxt.end:
        return Text(
            f"In review now: session {nxt.session.number} runs until {nxt.end:%d %b %Y}.",
            style="bold",
        )
    if nxt:
        days = (nxt.start - today).days
        text = Text(
            f"Before the cycle {nxt.cycle} review: session {nxt.session.number} starts "
            f"{nxt.start:%d %b %Y}, in {days} days."
        )
        if nxt.caveat:
            text.append(f" ({nxt.caveat})", style="dim")
        if last:
            text.append(
                f"\nAfter the cycle {last.cycle} review (session {last.session.number}, "
                f"{last.end:%b %Y}): follow-up and implementation."
            )
        return text
    if last:
        return Text(
            f"After its last known review (session {last.session.number}, {last.end:%b %Y})."
        )
    return Text("No UPR review is scheduled (observer State).")


def reviews_table(iso3: str, today: date) -> Text:
    """Reviews by cycle as aligned text: a Rich ``Table`` re-measures its cells on every
    layout pass, and this screen is composed on each visit (issue 8: opening a country)."""
    rows = [("Cycle", "Session", "Dates", "Basis")]
    for review in refdata.reviews(iso3):
        mark = "◀ " if review.start <= today <= review.end else ""
        rows.append(
            (
                str(review.cycle),
                f"{mark}{review.session.number}",
                f"{review.start:%d %b %Y} – {review.end:%d %b %Y}",
                review.caveat or "published",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    table = Text(no_wrap=False)
    for n, (cycle, session, dates, basis) in enumerate(rows):
        line = f"{cycle:>{widths[0]}}  {session:>{widths[1]}}  {dates:<{widths[2]}}  {basis}"
        table.append(line, style="bold" if n == 0 else "")
        if n < len(rows) - 1:
            table.append("\n")
    return table


# At most 76 cells: one line even when a scrollbar narrows the screen to 76 columns.
DOCUMENTS_LEGEND = "/1 national report, /2 UN compilation, /3 stakeholders' summary; ~ projected"


def documents_table(iso3: str, reports: dict[int, str] | None = None) -> Text:
    """Each review's documents as aligned text: the three the Working Group reviews, its report
    (``A/HRC/<n>/…`` until the workspace holds it) and the Council session that adopts it."""
    rows = [("Cycle", "Working Group documents", "WG report", "Adopted at")]
    for docs in council.country_documents(iso3, reports):
        rows.append(
            (
                str(docs.review.cycle),
                f"{docs.national_report} /2 /3",
                council.report_text(docs),
                council.adopted_short(docs.adoption),
            )
        )
    table = Text(no_wrap=False)
    if len(rows) == 1:
        return table
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for n, (cycle, documents, report, adopted) in enumerate(rows):
        line = f"{cycle:>{widths[0]}}  {documents:<{widths[1]}}  {report:<{widths[2]}}  {adopted}"
        table.append(line.rstrip(), style="bold" if n == 0 else "")
        table.append("\n")
    table.append(DOCUMENTS_LEGEND, style="dim")
    return table


class CountryOverviewScreen(Screen[None]):
    """Reviews by cycle, today's phase, and the way into checklists and recommendations."""

    HELP_TITLE = "Country overview"
    HELP = (
        "One country: its UPR reviews in every cycle with their dates, where it stands today, "
        "and its checklist, recommendations, implementation plan and brief in this workspace. "
        "Below, each review's documents: national report, UN compilation and stakeholders' "
        "summary (A/HRC/WG.6/<session>/<ISO3>/1, /2, /3), the Working Group report and the "
        "Council session that adopts it; e lists the engagements besides the UPR (treaty-body "
        "reviews, special-procedure visits) ((rule): the session follows from the months after the "
        "review until the report is imported; ~: a start date not yet published)."
    )

    BINDINGS = [
        Binding("q,escape", "app.pop_screen", "Back"),
        Binding("c", "open('checklist')", "Checklist"),
        Binding("r", "open('recommendations')", "Recommendations"),
        Binding("i", "import_file", "Import a file for this country"),
        Binding("A", "open('actions')", "Implementation plan (actions)"),
        Binding("b", "open('brief')", "Country brief"),
        Binding("e", "open('engagements')", "Engagements: treaty bodies, visits, other"),
    ]

    Open = OpenCountryPart  # the app opens the part (screens/messages.py)

    def __init__(self, iso3: str, today: date, summary: CountrySummary | None = None) -> None:
        super().__init__()
        self.iso3 = iso3
        self.today = today
        self.summary = summary
        self._shown: Text | None = None
        self._reports: dict[int, str] | None = None

    def compose(self) -> ComposeResult:
        st = refdata.state(self.iso3)
        known = self._known_summary()
        if known is not None:
            self._shown = self._work_text(known)
        with VerticalScroll():
            yield Static(
                Text.assemble(
                    (st.name, "bold"), f" · {st.iso3} · {refdata.region_name(st.region)}"
                ),
                id="country-title",
            )
            # The phase needs only the calendar: no count of recommendations.
            yield Static(
                phase_sentence(country_summary(None, self.iso3, self.today), self.today), id="phase"
            )
            yield Static(reviews_table(self.iso3, self.today), id="reviews")
            yield Static(self._shown or Text("Recommendations: counting…", style="dim"), id="work")
            reports = known.wg_reports if known is not None else None
            self._reports = reports
            yield Static(documents_table(self.iso3, reports), id="documents")
        yield Static(
            "c checklist · r recommendations · A plan · b brief · e engagements · ? help",
            id="status",
            markup=False,
        )

    def on_screen_resume(self) -> None:
        # On the first visit and after edits elsewhere, the counts walk every recommendation
        # (~85 ms at 100k): the screen is painted first. Counted before, it is one frame.
        if self._known_summary() is not None:
            self.refresh_summary()
        else:
            self.call_after_refresh(self._count)

    def _count(self) -> None:
        prepare = getattr(self.app, "prepare_triage_index", None)
        if prepare is None or not prepare(self.iso3):
            self.refresh_summary()
        # else: the app builds the country's index in a thread and counts from it when done

    def _known_summary(self) -> CountrySummary | None:
        known = getattr(self.app, "known_summary", None)
        return known(self.iso3) if known is not None else None

    def refresh_summary(self) -> None:
        cached = getattr(self.app, "country_summary", None)
        if cached is not None:
            summary = cached(self.iso3)
        else:
            summary = country_summary(getattr(self.app, "workspace", None), self.iso3, self.today)
        self.summary = summary
        work = self._work_text(summary)
        if work != self._shown:  # an unchanged text costs a layout pass and a frame for nothing
            self._shown = work
            self.query_one("#work", Static).update(work)
        if summary.wg_reports != (self._reports or {}):
            self._reports = summary.wg_reports
            self.query_one("#documents", Static).update(
                documents_table(self.iso3, summary.wg_reports)
            )

    def _work_text(self, summary: CountrySummary) -> Text:
        workspace = getattr(self.app, "workspace", None)
        work = Text()
        work.append("Checklist: ", style="bold")
        work.append(summary.checklist_label or "not started (c to open)")
        work.append("\nRecommendations: ", style="bold")
        if summary.recommendations:
            work.append(
                f"{summary.recommendations:,} in this workspace, {summary.triaged:,} triaged"
            )
            if summary.by_position:
                work.append(" · " + ", ".join(f"{n:,} {p}" for p, n in summary.by_position.items()))
        else:
            work.append(
                "none yet (i imports a report, or upr import REPORT --country " + self.iso3 + ")"
            )
        if summary.pledges:
            work.append("\nVoluntary pledges: ", style="bold")
            work.append(f"{summary.pledges:,} (f, kind, lists them)")
        if workspace is not None:
            shown = engagements.next_and_recent(workspace, self.iso3, self.today, limit=2)
            for caption, rows in (("Next", shown.upcoming), ("Recent", shown.recent)):
                for record in rows:
                    work.append(f"\n{caption}: ", style="bold")
                    work.append(clean_text(engagements.describe(record, self.today)))
        country = workspace.get("countries", self.iso3) if workspace is not None else None
        notes = clean_text((country or {}).get("notes") or "").strip()
        if notes and not (country or {}).get("deleted"):
            work.append("\nTeam notes: ", style="bold")
            work.append(notes[:2000])
        return work

    def action_import_file(self) -> None:
        from screens.importer import open_import

        open_import(self.app, self.iso3)

    def action_open(self, part: str) -> None:
        self.post_message(self.Open(self.iso3, part))
