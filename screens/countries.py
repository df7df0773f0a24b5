"""The first screen: all 193 States, filtered as you type, with their last and next review."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static

from screens.rowlist import Column, RowHeader, RowList
from tui import refdata
from tui.refdata import Review, State

REGION_CYCLE: tuple[str | None, ...] = (None, "AG", "APG", "EEG", "GRULAC", "WEOG")


def month_year(day: date) -> str:
    return day.strftime("%b %Y")


@dataclass(frozen=True)
class CountryRow:
    """One State as the list shows it on a given day."""

    state: State
    last: Review | None
    next: Review | None
    days_to_next: int | None
    search: str
    progress: str = ""

    @classmethod
    def build(cls, st: State, today: date, progress: str = "") -> CountryRow:
        last = refdata.last_review(st.iso3, today)
        nxt = refdata.next_review(st.iso3, today)
        days = (nxt.start - today).days if nxt else None
        return cls(st, last, nxt, days, refdata.state_search_text(st), progress)


def next_cell(row: CountryRow) -> Text:
    nxt = row.next
    if nxt is None:
        return Text("none scheduled", style="dim")
    if row.days_to_next is not None and row.days_to_next <= 0:
        when = "in session"
    else:
        when = f"{row.days_to_next}d"
    text = Text(f"S{nxt.session.number} {month_year(nxt.start)} · {when}")
    if nxt.caveat:
        text.append(" *", style="dim")
    return text


def row_cells(row: CountryRow) -> dict[str, str | Text]:
    last = row.last
    return {
        "name": row.state.name,
        "iso3": row.state.iso3,
        "region": row.state.region,
        "last": f"S{last.session.number} {month_year(last.end)}" if last else "—",
        "next": next_cell(row),
        "basis": (row.next.caveat if row.next else ""),
        "progress": row.progress,
    }


COLUMNS = [
    Column("name", "State", 0, min_width=18),
    Column("iso3", "ISO", 3, show_from=100),
    Column("region", "Group", 6),
    Column("last", "Last review", 13),
    Column("next", "Next review", 25),
    Column("progress", "Checklist", 14, show_from=110),
    Column("basis", "Basis of date", 24, show_from=130),
]


class FilterInput(Input):
    """The filter box: arrows move the list, ``?`` opens help (no State name has one)."""

    BINDINGS = [Binding("question_mark", "app.help", "Help", priority=True, show=False)]


class CountryListScreen(Screen[None]):
    """Pick a country: type to filter (fzf-style), arrows move, enter opens."""

    HELP_TITLE = "Countries"
    HELP = (
        "All 193 UN member States with their last and next UPR review. Type to filter by name, "
        "ISO code or another name the State goes by (accents ignored). A * marks a date that is "
        "projected or inferred, not published."
    )

    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("escape", "clear_filter", "Clear filter"),
        Binding("f2", "cycle_region", "Region"),
        Binding("f3", "toggle_sort", "Sort"),
        Binding("tab", "focus_list", "To list", show=False),
    ]

    class CountryChosen(Message):
        def __init__(self, iso3: str) -> None:
            super().__init__()
            self.iso3 = iso3

    def __init__(self, today: date, progress: dict[str, str] | None = None) -> None:
        super().__init__()
        self.today = today
        self.progress = progress or {}
        self.group_filter: str | None = None
        self.sort_by_next = False
        self.all_rows = [
            CountryRow.build(st, today, self.progress.get(st.iso3, "")) for st in refdata.states()
        ]

    def compose(self) -> ComposeResult:
        yield Static(id="title", markup=False)
        yield FilterInput(placeholder="type to filter: name, ISO code, other names", id="filter")
        header = RowHeader(COLUMNS, id="header")
        rows = RowList(
            COLUMNS, row_cells, empty_text="No State matches the filter.", id="countries"
        )
        rows.header = header
        yield header
        yield rows
        yield Static(id="status", markup=False)

    def on_mount(self) -> None:
        self.query_one(FilterInput).cursor_blink = False
        self.apply_filter()
        last = self.app.config_value("last_country") if hasattr(self.app, "config_value") else None
        if last:
            self.select_iso3(last)

    @property
    def row_list(self) -> RowList:
        return self.query_one("#countries", RowList)

    def on_screen_resume(self) -> None:
        """Back from a checklist: refresh the progress column (only if a label changed)."""
        fresh_progress = getattr(self.app, "checklist_progress", None)
        if fresh_progress is None:
            return
        fresh = fresh_progress()
        if fresh == self.progress:
            return
        self.progress = fresh
        current = self.row_list.current
        self.all_rows = [replace(r, progress=fresh.get(r.state.iso3, "")) for r in self.all_rows]
        self.apply_filter()
        if current is not None:
            self.select_iso3(current.state.iso3)

    def select_iso3(self, iso3: str) -> None:
        for index, row in enumerate(self.row_list.rows):
            if row.state.iso3 == iso3:
                self.row_list.set_cursor(index)
                return

    def apply_filter(self) -> None:
        query = self.query_one(FilterInput).value
        words = refdata.fold(query).split()
        rows = [
            r
            for r in self.all_rows
            if (self.group_filter is None or r.state.region == self.group_filter)
            and all(w in r.search for w in words)
        ]
        if self.sort_by_next:
            rows.sort(
                key=lambda r: (
                    r.days_to_next is None,
                    r.next.start if r.next else date.max,
                    r.state.name,
                )
            )
        current = self.row_list.current
        self.row_list.set_rows(rows, keep=current if current in rows else None)
        self.update_title(len(rows))

    def update_title(self, shown: int) -> None:
        region = refdata.REGIONS.get(self.group_filter or "", "all groups")
        order = "next review" if self.sort_by_next else "name"
        self.query_one("#title", Static).update(
            Text.assemble(
                ("UPR Workbench", "bold"),
                f" · {shown} of {len(self.all_rows)} States · {region} · by {order} · "
                f"{self.today.isoformat()}",
            )
        )
        self.query_one("#status", Static).update(
            "enter open · F2 group · F3 sort · F4 due · F5 conflicts · F1 help · ctrl+q quit"
        )

    @on(Input.Changed, "#filter")
    def filter_changed(self) -> None:
        self.apply_filter()

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        self.open_current()

    @on(RowList.Selected, "#countries")
    def row_selected(self) -> None:
        self.open_current()

    def open_current(self) -> None:
        row = self.row_list.current
        if row is not None:
            self.post_message(self.CountryChosen(row.state.iso3))

    def action_move(self, delta: int) -> None:
        self.row_list.set_cursor(self.row_list.cursor + delta)

    def action_page(self, direction: int) -> None:
        if direction > 0:
            self.row_list.action_page_down()
        else:
            self.row_list.action_page_up()

    def action_clear_filter(self) -> None:
        box = self.query_one(FilterInput)
        box.value = ""
        box.focus()

    def action_cycle_region(self) -> None:
        index = REGION_CYCLE.index(self.group_filter)
        self.group_filter = REGION_CYCLE[(index + 1) % len(REGION_CYCLE)]
        self.apply_filter()

    def action_toggle_sort(self) -> None:
        self.sort_by_next = not self.sort_by_next
        self.apply_filter()

    def action_focus_list(self) -> None:
        if self.focused is self.row_list:
            self.query_one(FilterInput).focus()
        else:
            self.row_list.focus()
