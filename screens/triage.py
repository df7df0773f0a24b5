"""Triage: a country's recommendations, decided one key at a time (DESIGN §8).

The list is a ``RowList`` over a ``tui.triage.TriageIndex`` built once when the screen
opens; a decision edits one record (or the marked ones, as one undo step) and repaints
only those rows, the counter line, and the detail pane when it shows the record.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Static

from screens.continuity import CONTINUITY_BINDINGS, ContinuityActions, linked_section
from screens.decisions import DECISION_BINDINGS, DecisionActions
from screens.pickers import Option, Picker
from screens.rowlist import Column, RowHeader, RowList
from screens.tags import TAG_BINDINGS, TagActions, short, suggested_section
from screens.terminal import QuietFocus
from screens.textpane import TextPane
from tui import triage
from tui.model import ACTION_CATEGORIES
from tui.sanitize import clean_line, clean_text
from tui.store import keep_long_lived
from tui.tags import sdg_label

HIGHLIGHT = Style(reverse=True)
# The bottom line, whole at 80 columns; "? all keys" leads to the rest.
KEY_HINTS = "1 2 3 0 priority · x triaged · space mark · / search · t queue · ? all keys"


def view_filename(iso3: str, fmt: str) -> str:
    """``matrix-<ISO3>-view.<ext>``: a filtered view never takes the full matrix's name."""
    return f"matrix-{iso3}-view.{fmt}"


COLUMNS = [
    Column("flag", "", 2),
    Column("paragraph", "Para", 7),
    Column("text", "Recommendation", 0, min_width=20),
    Column("recommending", "Recommended by", 16, show_from=100),
    Column("position", "Position", 9),
    Column("priority", "Prio", 6),
    Column("lead", "Lead", 9, show_from=112),
    Column("cluster", "Cluster", 16, show_from=130),
    Column("status", "Status", 11),
    Column("triaged", "Triaged", 7, show_from=140),
]


def paragraph_cell(rec: dict[str, Any]) -> str:
    para = str(rec.get("paragraph") or "")
    if para:
        return para
    session = rec.get("session")
    return f"S{session}" if session else ""


def recommending_cell(rec: dict[str, Any]) -> str:
    states = rec.get("recommending") or []
    if not states:
        return ""
    first = triage.state_name(str(states[0]))
    return f"{first} +{len(states) - 1}" if len(states) > 1 else first


def row_cells(entry: triage.Entry, marked: bool = False) -> dict[str, Any]:
    """The cells of one row: cheap (a few dict lookups and one cached line)."""
    rec = entry.record
    return {
        "flag": ("●" if marked else " ") + ("✓" if entry.triaged else " "),
        "paragraph": paragraph_cell(rec),
        "text": entry.line,
        "recommending": recommending_cell(rec),
        "position": triage.POSITION_SHORT.get(str(rec.get("position")), ""),
        "priority": triage.PRIORITY_LABELS.get(str(rec.get("priority")), ""),
        "lead": str(rec.get("lead_entity") or ""),
        "cluster": str(rec.get("cluster") or ""),
        "status": triage.STATUS_SHORT.get(str(rec.get("status")), ""),
        "triaged": "yes" if entry.triaged else "",
    }


def highlighted(text: str, words: Sequence[str]) -> Text:
    """Inert text with the search words shown in reverse video."""
    out = Text(text)
    for start, end in triage.highlight_spans(text, words):
        out.stylize(HIGHLIGHT, start, end)
    return out


def _where(rec: dict[str, Any], entry: triage.Entry) -> str:
    head = [paragraph_cell(rec), str(rec.get("document") or "")]
    where = f"{rec.get('mechanism') or 'UPR'} {rec.get('body') or ''}".strip()
    if rec.get("cycle"):
        where += f" cycle {rec['cycle']}"
    if rec.get("session"):
        where += f", session {rec['session']}"
    head.append(where)
    head.append("triaged" if entry.triaged else "undecided")
    return clean_line(" · ".join(str(h) for h in head if h))


def _category(rec: dict[str, Any]) -> str:
    category = rec.get("action_category")
    suggestion = triage.suggest_action_category(str(rec.get("text") or ""))
    shown = f"{category} {ACTION_CATEGORIES.get(category, '')}" if category else ""
    if suggestion and suggestion != category:
        shown += f"{' · ' if shown else ''}suggested {suggestion} {ACTION_CATEGORIES[suggestion]}"
    return shown


def _sdgs(rec: dict[str, Any]) -> str:
    """Goals and targets with their labels ("5.2 Eliminate all forms of violence…")."""
    return "; ".join(short(sdg_label(str(code)), 60) for code in rec.get("sdgs") or ())


def _source(rec: dict[str, Any]) -> str:
    source = rec.get("source") or {}
    if not isinstance(source, dict) or not source:
        return ""
    where = clean_line(str(source.get("file") or ""))
    line = source.get("line") or source.get("row")
    if line:
        where += f", line {clean_line(str(line))}"
    if source.get("kind"):
        where += f" ({clean_line(str(source['kind']))})"
    return where


def stated_status(rec: dict[str, Any]) -> str:
    """What the State said of its implementation in the report (``source.stated_status``)."""
    source = rec.get("source")
    value = source.get("stated_status") if isinstance(source, dict) else None
    return clean_line(str(value)) if value else ""


def detail_text(
    index: triage.TriageIndex,
    entry: triage.Entry,
    words: Sequence[str] = (),
    *,
    history: bool = True,
    compact: bool = False,
    pad_text_to: int = 0,
    wrap_width: int = 0,
    console: Any = None,
) -> Text:
    """Everything about one recommendation as inert text (nothing parsed as markup).

    ``compact`` (the queue) puts several facts on a line; ``pad_text_to`` pads the text to
    that many wrapped lines so the facts below keep their place from one recommendation to
    the next, and only the lines of the text are sent again.
    """
    rec = entry.record
    out = Text()
    out.append(_where(rec, entry), style="bold")
    out.append("\n")
    body = highlighted(clean_text(str(rec.get("text") or "")), words)
    out.append_text(body)
    if pad_text_to and wrap_width and console is not None:
        used = len(body.wrap(console, wrap_width))
        out.append("\n" * max(pad_text_to - used, 0))
    out.append("\n\n")

    def fact(label: str, value: str, end: str = "\n") -> None:
        out.append(f"{label}: ", style="bold")
        out.append(value or "—")
        out.append(end)

    states = ", ".join(triage.state_name(str(s)) for s in rec.get("recommending") or ())
    position = triage.POSITION_LABELS.get(str(rec.get("position")), "")
    priority = triage.PRIORITY_LABELS.get(str(rec.get("priority")), "").replace("—", "")
    cluster = clean_line(str(rec.get("cluster") or ""))
    lead = clean_line(str(rec.get("lead_entity") or ""))
    partners = ", ".join(clean_line(str(p)) for p in rec.get("partners") or ())
    outcome = clean_line(str(rec.get("cf_outcome") or ""))
    status = triage.STATUS_LABELS.get(str(rec.get("status")), "")
    evidence = clean_line(str(rec.get("evidence") or ""))
    status_text = f"{status} — {evidence}" if evidence else status
    themes = "; ".join(clean_line(str(t)) for t in rec.get("themes") or ())
    groups = "; ".join(clean_line(str(g)) for g in rec.get("groups") or ())
    note = clean_text(str(rec.get("note") or ""))
    if compact:
        claim = stated_status(rec)
        fact("Position", f"{position} (says: {claim})" if claim else position, " · ")
        fact("Priority", priority, " · ")
        fact("Category", _category(rec))
        fact("Cluster", cluster, " · ")
        fact("Lead", lead, " · ")
        fact("Partners", partners)
        fact("Status", status_text, " · ")
        fact("CF outcome", outcome)
        fact("By", states)
        fact("Themes", themes, " · ")
        fact("Groups", groups, " · ")
        fact("SDGs", _sdgs(rec))
        out.append("Note: ", style="bold")
        out.append_text(highlighted(note, words) if note else Text("—"))
        out.append("\n")
        out.append_text(linked_section(index.ws, entry.rid))
        out.append_text(suggested_section(index.ws, entry.rid))
        return out
    fact("Recommended by", states)
    fact("Position", position)
    claim = stated_status(rec)
    if claim:
        fact("Stated by the State", claim)  # the State's claim, never the team's status
    fact("Priority", priority)
    fact("Cluster", cluster)
    fact("Lead entity", lead)
    fact("Partners", partners)
    fact("CF outcome", outcome)
    fact("Status", status_text)
    fact("Action category", _category(rec))
    out.append("Note: ", style="bold")
    out.append_text(highlighted(note, words) if note else Text("—"))
    out.append("\n")
    fact("Themes", themes)
    fact("Groups of persons", groups)
    fact("SDGs", _sdgs(rec))
    fact("Source", _source(rec))
    fact("Id", clean_line(entry.rid))
    out.append_text(linked_section(index.ws, entry.rid))
    out.append_text(suggested_section(index.ws, entry.rid))
    if history:
        out.append("\nHistory\n", style="bold")
        lines = index.history(entry.rid)
        if not lines:
            out.append("no changes recorded\n")
        for h in lines[-50:]:
            author = clean_line(h.author)
            if h.field == "*":
                out.append(f"{h.when}  {author}  created\n")
            else:
                out.append(
                    f"{h.when}  {author}  {clean_line(h.field)}: "
                    f"{triage.show_value(h.old)[:60]} → {triage.show_value(h.new)[:60]}\n"
                )
    return out


class TriageList(QuietFocus, RowList):  # type: ignore[misc,valid-type]  # chosen at import
    """A ``RowList`` whose focus changes repaint one line (the cursor's), not the whole list
    (screens/terminal.py owns that override of Textual's focus handlers)."""


class SearchInput(Input):
    """The search box: typing searches as you go; enter keeps the search, escape drops it."""

    BINDINGS = [
        Binding("escape", "screen.cancel_search", "Clear the search", show=False),
        Binding("down", "screen.focus_list", "To the list", show=False),
        Binding("up", "screen.focus_list", "To the list", show=False),
    ]


class RecommendationsScreen(TagActions, ContinuityActions, DecisionActions, Screen[None]):
    """A country's recommendations: decide on each with one key (DESIGN §8)."""

    # Textual repaints the whole screen when focus moves (``Screen.focused`` repaints); the
    # widgets that gain and lose focus repaint themselves, so the screen need not.
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    CSS_PATH = "triage.tcss"
    HELP_TITLE = "Recommendations"
    HELP = (
        "Decide on each recommendation with one key; the cursor then moves to the next "
        "undecided one. A recommendation is undecided until it is triaged: any decision "
        "marks it triaged, x marks it triaged without one. space marks several: the next "
        "decision applies to all of them, as one undo step. / searches (all words, accents "
        "ignored), f filters, w recalls or saves a named view, t opens the queue (one at a "
        "time). A row stays in place after a decision until the filter changes. L opens the "
        "suggested links to earlier cycles (y same, r related, n reject); P copies the "
        "linked previous cycle's cluster, lead entity, partners and CF outcome (marked ones "
        "at once, one undo step); the details list the linked recommendations. X exports the "
        "rows shown as a matrix (XLSX or CSV) to the current folder. T themes, G "
        "groups of persons, S SDG goals and targets (tab marks several, enter applies), Y "
        "adds the suggested tags shown in the details."
    )

    BINDINGS = [
        *DECISION_BINDINGS,
        *CONTINUITY_BINDINGS,
        *TAG_BINDINGS,
        Binding("space", "toggle_mark", "Mark for a bulk decision"),
        Binding("v", "toggle_detail", "Show or hide details"),
        Binding("J", "scroll_detail(1)", "Page the details down"),
        Binding("K", "scroll_detail(-1)", "Page the details up"),
        Binding("slash", "search", "Search"),
        Binding("f", "filters", "Filter"),
        Binding("F", "clear_filter", "Clear filter and search"),
        Binding("w", "views", "Saved views (recall or save)"),
        Binding("t", "queue", "Queue: one at a time"),
        Binding("C", "clusters", "Clusters overview"),
        Binding("X", "export_view", "Export this view (XLSX or CSV)"),
        Binding("escape", "escape", "Clear marks/search, or back"),
        Binding("q", "back", "Back"),
    ]

    def __init__(self, iso3: str, today: date) -> None:
        super().__init__()
        self.iso3 = iso3
        self.today = today
        self.filter = triage.Filter()
        self.marks: set[str] = set()
        self.rows: list[triage.Entry] = []
        self._pos: dict[str, int] | None = None
        self.triaged_shown = 0
        self.show_detail = False
        self._flush_pending = False
        self._detail_dirty = False
        self._detail_rid: str | None = None
        self._pending_rows: set[int] = set()
        self._ui_thread = threading.get_ident()
        self.country_name = triage.state_name(iso3)

    # -- layout -------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="counter", markup=False)
        header = RowHeader(COLUMNS, id="header")
        rows = TriageList(
            COLUMNS,
            self.render_cells,
            id="recs",
            empty_text="Nothing to show: no recommendation matches, or none imported yet.",
        )
        rows.header = header
        rows.is_marked = lambda entry: entry.rid in self.marks
        yield header
        yield rows
        yield TextPane(id="detail", more_hint="J pages down, K up")
        # The search box takes the place of the key hints: the list keeps its size, so
        # opening the search repaints one line, not the whole list.
        with Horizontal(id="bottom-bar"):
            yield Static(id="status", markup=False)
            yield SearchInput(placeholder="search: all words, accents ignored", id="search")

    def _take_index(self) -> triage.TriageIndex:
        """The app's cached index for this country (built once: 0.4 s at 100k), else a new one."""
        take = getattr(self.app, "triage_index", None)
        index = (
            take(self.iso3)
            if take is not None
            else triage.TriageIndex(self.app.workspace, self.iso3)
        )
        index.in_use = True  # this screen keeps it current while mounted
        return index

    def on_mount(self) -> None:
        self.index = self._take_index()
        search = self.query_one(SearchInput)
        search.cursor_blink = False
        self.show_search_box(False)
        remembered = (
            self.app.config_value("triage_detail") if hasattr(self.app, "config_value") else None
        )
        self.show_detail = bool(remembered)
        self.query_one("#detail").display = self.show_detail
        self.query_one("#status", Static).update(Text(KEY_HINTS, no_wrap=True, overflow="ellipsis"))
        self.apply_filter()
        first = triage.next_undecided(self.rows, -1)
        if first is not None:
            self.row_list.set_cursor(first)
        self.row_list.focus()
        self.app.workspace.subscribe(self._on_ws_edit)
        if len(self.index) > 2000 or len(self.app.workspace.table("history")) > 20_000:
            self.call_after_refresh(
                self.run_worker,
                self._prepare_in_background,
                thread=True,
                exclusive=True,
                group="fold",
                exit_on_error=False,
            )

    def _prepare_in_background(self) -> None:
        """Once the list is on screen: fold the texts for search (0.5 s at 100k), count what
        the pickers and the clusters screen show, and index the history the detail pane shows
        (0.1–0.4 s at 100k), so none of it waits for a key."""
        index = self.index  # the app keeps it across visits: only what is missing is made
        if len(index) > 2000:
            index.prepare_search()
            if not index.counted:
                self.app.call_from_thread(index.adopt_counts, index.prepare_counts())
        if not index.history_indexed:
            self.app.call_from_thread(index.adopt_history, index.prepare_history())
        self.app.call_from_thread(keep_long_lived, len(index))

    def on_unmount(self) -> None:
        self.app.workspace.unsubscribe(self._on_ws_edit)
        self.index.in_use = False  # the app keeps it current from now on

    @property
    def row_list(self) -> RowList:
        return self.query_one("#recs", RowList)

    def render_cells(self, entry: triage.Entry) -> dict[str, Any]:
        return row_cells(entry, entry.rid in self.marks)

    # -- the rows shown -------------------------------------------------------------------------
    def apply_filter(self, keep: str | None = None) -> None:
        """Show the rows matching the filter and search; the cursor stays on its record."""
        current = self.row_list.current if self.rows else None
        keep_rid = keep or (current.rid if current is not None else None)
        self.rows = self.index.view(self.filter)
        self._pos = None  # rid -> row, built only when needed (bulk, undo): O(n)
        self.triaged_shown = sum(1 for e in self.rows if e.triaged)
        keep_entry = self.index.get(keep_rid) if keep_rid else None
        try:
            pos = self.rows.index(keep_entry) if keep_entry is not None else 0
        except ValueError:
            pos = 0
        self.row_list.set_rows(self.rows)
        self.row_list.set_cursor(pos, force=True)
        self.update_counter()
        self.update_detail()

    def positions(self) -> dict[str, int]:
        if self._pos is None:
            self._pos = {e.rid: i for i, e in enumerate(self.rows)}
        return self._pos

    def position_of(self, rid: str) -> int | None:
        """The row of a record: the cursor's at once (a decision), else from the full map."""
        cursor = self.row_list.cursor
        if 0 <= cursor < len(self.rows) and self.rows[cursor].rid == rid:
            return cursor
        return self.positions().get(rid)

    def update_counter(self) -> None:
        text = f"{self.country_name} · " + triage.counter_text(
            len(self.rows), self.triaged_shown, self.filter, len(self.marks)
        )
        # One line of fixed height: no layout pass (a layout repaints the whole screen).
        self.query_one("#counter", Static).update(
            Text(text, no_wrap=True, overflow="ellipsis"), layout=False
        )

    def update_detail(self) -> None:
        if not self.show_detail:
            return
        entry = self.row_list.current
        pane = self.query_one("#detail", TextPane)
        if entry is None:
            pane.set_text(Text("Nothing selected."))
            self._detail_rid = None
            return
        same = entry.rid == self._detail_rid
        self._detail_rid = entry.rid
        # The text is padded to a few lines so the facts below keep their place from one
        # recommendation to the next: moving the cursor resends the text, not the facts.
        pane.set_text(
            detail_text(
                self.index,
                entry,
                self.filter.search_terms,
                pad_text_to=4,
                wrap_width=max(pane.size.width - 2, 10),
                console=self.app.console,
            ),
            keep_scroll=same,
        )

    @on(RowList.Highlighted, "#recs")
    def _highlighted(self) -> None:
        if self.show_detail:
            self.update_detail()

    def action_scroll_detail(self, delta: int) -> None:
        if self.show_detail:
            self.query_one("#detail", TextPane).page(delta)

    def show_search_box(self, show: bool) -> None:
        self.query_one(SearchInput).display = show
        self.query_one("#status", Static).display = not show

    @on(RowList.Selected, "#recs")
    def _selected(self) -> None:
        self.action_toggle_detail()

    # -- workspace edits: repaint only what changed ------------------------------------------------
    def _on_ws_edit(self, table: str, rid: str, fields: tuple[str, ...]) -> None:
        if threading.get_ident() != self._ui_thread:
            self.app.call_from_thread(self._on_ws_edit, table, rid, fields)
            return
        if table == "countries":
            return
        entry = self.index.get(rid)
        before = entry.triaged if entry is not None else False
        entry = self.index.on_edit(table, rid, fields)
        if self.index.stale:
            self._schedule_flush()
            return
        if entry is None:
            return
        pos = self.position_of(rid)
        if pos is None:
            return
        if entry.triaged != before:
            self.triaged_shown += 1 if entry.triaged else -1
        if not self.is_active:
            # Under the queue or a picker: a refresh here would make Textual repaint the whole
            # screen on top. Repaint when this screen is back.
            self._pending_rows.add(pos)
            return
        self.row_list.refresh_row(pos)
        self.update_counter()  # cheap (no layout): in the same frame as the row
        if pos == self.row_list.cursor and self.show_detail:
            self._detail_dirty = True
            self._schedule_flush()

    def on_screen_resume(self) -> None:
        if self._pending_rows:
            for pos in self._pending_rows:
                self.row_list.refresh_row(pos)
            self._pending_rows.clear()
            self.update_counter()
            self.update_detail()

    def _schedule_flush(self) -> None:
        if not self._flush_pending:
            self._flush_pending = True
            self.call_later(self._flush)

    def _flush(self) -> None:
        self._flush_pending = False
        if self.index.stale:
            self.index.in_use = False
            self.index = self._take_index()
            self.marks &= set(self.index.by_id)
            self.apply_filter()
            return
        if self._detail_dirty:
            self._detail_dirty = False
            self.update_detail()

    # -- decisions ------------------------------------------------------------------------------
    def decision_targets(self) -> list[str]:
        if self.marks:
            order = self.positions()
            return sorted(self.marks, key=lambda rid: order.get(rid, len(order)))
        entry = self.row_list.current
        return [entry.rid] if entry is not None else []

    def tell(self, line: str) -> None:
        """What an undo did, in the key-hint line (until the next decision)."""
        status = self.query_one("#status", Static)
        if not status.display:
            super().tell(line)
            return
        status.update(Text(line, no_wrap=True, overflow="ellipsis"))
        self._told = True

    def _hints_back(self) -> None:
        if getattr(self, "_told", False):
            self._told = False
            self.query_one("#status", Static).update(
                Text(KEY_HINTS, no_wrap=True, overflow="ellipsis")
            )

    def after_decision(self, rids: Sequence[str]) -> None:
        self._hints_back()
        self.clear_marks()
        current = self.row_list.current
        if current is not None and current.rid not in rids and not current.triaged:
            return  # a bulk decision on marked rows: the row under the cursor is still open
        nxt = triage.next_undecided(self.rows, self.row_list.cursor)
        if nxt is None:
            self.app.notify("Every recommendation shown is triaged.", timeout=3)
            self.row_list.set_cursor(self.row_list.cursor + 1)
        else:
            self.row_list.set_cursor(nxt)

    def after_reopen(self, rids: Sequence[str]) -> None:
        self._hints_back()
        self.clear_marks()

    def show_record(self, rid: str) -> None:
        pos = self.position_of(rid)
        if pos is not None:
            self.row_list.set_cursor(pos)

    def action_undecided(self, step: int) -> None:
        nxt = triage.next_undecided(self.rows, self.row_list.cursor, step)
        if nxt is None:
            self.app.notify("No undecided recommendation in this list.", timeout=2)
        else:
            self.row_list.set_cursor(nxt)

    # -- marks ----------------------------------------------------------------------------------
    def action_toggle_mark(self) -> None:
        entry = self.row_list.current
        if entry is None:
            return
        if entry.rid in self.marks:
            self.marks.discard(entry.rid)
        else:
            self.marks.add(entry.rid)
        self.row_list.refresh_row(self.row_list.cursor)
        self.row_list.set_cursor(self.row_list.cursor + 1)
        self.update_counter()

    def clear_marks(self) -> None:
        if not self.marks:
            return
        positions = self.positions()
        marked = [positions[r] for r in self.marks if r in positions]
        self.marks.clear()
        for pos in marked:
            self.row_list.refresh_row(pos)
        self.update_counter()

    # -- detail, search, filter, views ------------------------------------------------------------
    def action_toggle_detail(self) -> None:
        self.show_detail = not self.show_detail
        self.query_one("#detail").display = self.show_detail
        if hasattr(self.app, "remember"):
            self.app.remember("triage_detail", self.show_detail)
        self.update_detail()
        self.call_after_refresh(self.row_list._scroll_cursor_into_view)

    def action_search(self) -> None:
        self.index.prepare_search()
        box = self.query_one(SearchInput)
        self.show_search_box(True)
        box.focus()

    def action_focus_list(self) -> None:
        self.row_list.focus()

    def action_cancel_search(self) -> None:
        box = self.query_one(SearchInput)
        with box.prevent(Input.Changed):
            box.value = ""
        self.show_search_box(False)
        self.row_list.focus()
        if self.filter.search:
            self.filter = self.filter.with_search("")
            self.apply_filter()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.filter = self.filter.with_search(event.value)
        self.apply_filter()

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        box = self.query_one(SearchInput)
        if not box.value.strip():
            self.show_search_box(False)
        self.row_list.focus()

    def set_filter(self, filt: triage.Filter) -> None:
        """Show a new filter (from the filter screen, a view or the clusters screen)."""
        self.filter = filt
        box = self.query_one(SearchInput)
        with box.prevent(Input.Changed):
            box.value = filt.search
        self.show_search_box(bool(filt.search))
        self.apply_filter()

    def action_filters(self) -> None:
        from screens.filters import FilterScreen

        self.app.push_screen(FilterScreen(self.index, self.filter, on_change=self.set_filter))

    def action_clear_filter(self) -> None:
        self.set_filter(triage.Filter())

    def action_views(self) -> None:
        ws = self.app.workspace
        views = triage.load_views(ws, self.iso3)
        options = [
            Option(name, name, filt.describe() or ("search: " + filt.search))
            for name, filt in views.items()
        ]

        def delete(name: str) -> None:
            if triage.delete_view(ws, self.iso3, name):
                self.app.notify(f"Deleted the view {name}.", timeout=2, markup=False)

        picker = Picker(
            "Saved views: choose one, or type a name to save the current filter",
            options,
            allow_new=not ws.read_only,
            new_label="view from this filter",
            on_delete=None if ws.read_only else delete,
            hint="" if ws.read_only else "ctrl+d delete",
        )

        def chosen(name: str) -> None:
            if name in views:
                self.set_filter(views[name])
                return
            if self.filter.is_empty:
                self.app.notify(
                    "Set a filter or a search first: a view saves them.", severity="warning"
                )
                return
            saved = triage.save_view(ws, self.iso3, name, self.filter)
            self.app.notify(f"Saved the view {saved}.", timeout=2, markup=False)

        self.app.push_screen(picker, lambda name: chosen(name) if name else None)

    # -- other screens ------------------------------------------------------------------------------
    def action_queue(self) -> None:
        from screens.queue import QueueScreen

        start = self.row_list.cursor
        ordered = self.rows[start:] + self.rows[:start]
        queue = [e for e in ordered if not e.triaged]
        if not queue:
            self.app.notify("Nothing undecided in this list.", timeout=2)
            return
        self.app.push_screen(
            QueueScreen(self.index, self.iso3, queue, detail_text),
            lambda rid: self.show_record(rid) if rid else None,
        )

    def action_export_view(self) -> None:
        """Write the rows shown (filter, search and order as on screen) as a matrix file in the
        current folder, XLSX or CSV; the screen stays as it is (issue 19 point 2)."""
        options = [
            Option("xlsx", view_filename(self.iso3, "xlsx"), "Excel, comes back with upr import"),
            Option("csv", view_filename(self.iso3, "csv"), "CSV"),
        ]

        def chosen(fmt: str | None) -> None:
            if fmt:
                self.export_view(fmt)

        self.app.push_screen(
            Picker(f"Export these {len(self.rows)} rows", options, hint="to the current folder"),
            chosen,
        )

    def export_view(self, fmt: str, folder: Path | None = None) -> None:
        """Copy the rows now (UI thread), write the file in a worker, notify when done."""
        from tui.exports.matrix import write_matrix
        from tui.exports.safe import Snapshot, atomic_write

        app = self.app
        source = Snapshot.of(app.workspace, country=self.iso3)
        table = source.table("recommendations")
        records = [table[e.rid] for e in self.rows if e.rid in table]
        target = (folder or Path.cwd()) / view_filename(self.iso3, fmt)
        iso3 = self.iso3

        def work() -> None:
            try:
                atomic_write(
                    target,
                    lambda fh: write_matrix(
                        source, iso3, fmt, fh, records=records, bom=fmt == "csv"
                    ),
                )
            except (OSError, ValueError) as exc:
                reason = getattr(exc, "strerror", None) or str(exc)
                app.call_from_thread(
                    app.notify,
                    f"Could not write {target}: {reason}",
                    severity="error",
                    markup=False,
                )
                return
            app.call_from_thread(
                app.notify, f"Wrote {target} ({len(records)} rows)", timeout=5, markup=False
            )

        app.run_worker(
            work, thread=True, group="export", exclusive=False, name=f"export view {fmt}"
        )

    def action_clusters(self) -> None:
        from screens.clusters import ClustersScreen

        def chosen(name: str | None) -> None:
            if name is not None:
                self.set_filter(triage.Filter().with_facet("cluster", [name]))

        self.app.push_screen(ClustersScreen(self.index, self.country_name), chosen)

    # -- leaving ------------------------------------------------------------------------------------
    def action_escape(self) -> None:
        if self.marks:
            self.clear_marks()
        elif not self.filter.is_empty:
            self.action_clear_filter()
        else:
            self.app.pop_screen()

    def action_back(self) -> None:
        self.app.pop_screen()
