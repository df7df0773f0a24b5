"""What is due across every country in the workspace: overdue first, then the next N days."""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from screens.rowlist import Column, RowHeader, RowList
from tui.exports import checklist as core
from tui.exports.digest import owner_key
from tui.sanitize import clean_line

DAY_STEPS: tuple[int, ...] = (7, 14, 30, 60, 90, 180, 365)
DEFAULT_DAYS = 30

COLUMNS = [
    Column("due", "Due", 10),
    Column("when", "When", 10, justify="right"),
    Column("country", "Country", 16),
    Column("cycle", "Cycle", 5, show_from=100),
    Column("text", "Item", 0, min_width=20),
    Column("owner", "Owner", 10, show_from=110),
    Column("status", "Status", 11, show_from=90),
]


def when_cell(item: core.DueItem) -> Text:
    if item.days < 0:
        return Text(f"{-item.days}d late", style="bold red")
    if item.days == 0:
        return Text("today", style="yellow")
    return Text(f"in {item.days}d", style="yellow" if item.days <= core.SOON_DAYS else "")


def due_cells(item: core.DueItem) -> dict[str, str | Text]:
    entry = item.entry
    return {
        "due": item.due.isoformat(),
        "when": when_cell(item),
        "country": item.country,
        "cycle": f"c{item.cycle}",
        "text": clean_line(str(entry.get("text", ""))),
        "owner": clean_line(str(entry.get("owner") or "")),
        "status": core.STATUS_LABELS.get(str(entry.get("status")), ""),
    }


class DueScreen(Screen[None]):
    """Open checklist items due soon across all countries; enter opens the item's checklist."""

    CSS_PATH = "due.tcss"
    HELP_TITLE = "Due"
    HELP = (
        "Every open checklist item that is overdue or due within the next N days, for every "
        "country in this workspace, in its live cycle (the next review's from 365 days before "
        "it starts, else the last review's follow-up), started or not: a checklist not started "
        "shows its template items with the calendar's dates. Past cycles stay on their "
        "checklist. Overdue first, then soonest first. + and - change N; o shows one "
        "owner's items only (upr export digest --owner writes them for an email); enter opens "
        "the item in its country's checklist."
    )

    BINDINGS = [
        Binding("q,escape", "app.pop_screen", "Back"),
        Binding("plus,equals_sign", "days(1)", "Look further ahead"),
        Binding("minus", "days(-1)", "Look less far ahead"),
        Binding("o", "owner", "Filter by owner"),
    ]

    def __init__(self, today: date, days: int = DEFAULT_DAYS) -> None:
        super().__init__()
        self.today = today
        self.days = days
        self.items: list[core.DueItem] = []
        self.owner: str | None = None  # only this owner's items (issue 19 point 3)

    def compose(self) -> ComposeResult:
        yield Static(id="due-title", markup=False)
        header = RowHeader(COLUMNS, id="due-header")
        rows = RowList(COLUMNS, due_cells, empty_text="Nothing due.", id="due-rows")
        rows.header = header
        yield header
        yield rows
        yield Static(id="due-detail", markup=False)
        yield Static(
            "enter open · + - days ahead · o owner · q back · ? help", id="status", markup=False
        )

    @property
    def ws(self) -> Any:
        return self.app.workspace  # type: ignore[attr-defined]

    @property
    def row_list(self) -> RowList:
        return self.query_one("#due-rows", RowList)

    def on_mount(self) -> None:
        self.reload()
        self.row_list.focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Recompute the list (after a change of N, or on coming back from a checklist)."""
        current = self.row_list.current
        keep_id = current.id if current is not None else None
        self.items = core.due_items(self.ws, self.today, self.days)
        if self.owner:
            key = owner_key(self.owner)
            self.items = [i for i in self.items if owner_key(i.entry.get("owner")) == key]
        keep = next((i for i in self.items if i.id == keep_id), None)
        self.row_list.empty_text = (
            f"Nothing overdue or due in the next {self.days} days. + looks further ahead."
        )
        self.row_list.set_rows(self.items, keep=keep)
        late = sum(1 for i in self.items if i.days < 0)
        countries = len({i.iso3 for i in self.items})
        title = Text.assemble(
            ("Due", "bold"),
            f" · next {self.days} days · {len(self.items)} item{'s' if len(self.items) != 1 else ''}"
            f" in {countries} countr{'ies' if countries != 1 else 'y'}",
        )
        if late:
            title.append(f" · {late} late", style="bold red")
        if self.owner:
            title.append(f" · owner {clean_line(self.owner)}", style="bold")
        title.append(f" · {self.today.isoformat()}")
        self.query_one("#due-title", Static).update(title)
        self.update_detail()

    def update_detail(self) -> None:
        item = self.row_list.current
        text = Text()
        if item is not None:
            entry = item.entry
            text.append(f"{item.country} · cycle {item.cycle} · ", style="bold")
            text.append(clean_line(str(entry.get("text", ""))))
            owner = clean_line(str(entry.get("owner") or ""))
            text.append(
                f"\nOwner: {owner or 'none'} · Status: "
                f"{core.STATUS_LABELS.get(str(entry.get('status')), '')}"
            )
        self.query_one("#due-detail", Static).update(text)

    @on(RowList.Highlighted, "#due-rows")
    def highlighted(self) -> None:
        self.update_detail()

    @on(RowList.Selected, "#due-rows")
    def selected(self) -> None:
        item = self.row_list.current
        if item is None:
            return
        from screens.checklist import ChecklistScreen

        self.app.push_screen(ChecklistScreen(item.iso3, self.today, cycle=item.cycle, item=item.id))

    def action_owner(self) -> None:
        """Choose an owner (of the items due in the window); "All owners" clears the filter."""
        from screens.pickers import Option, Picker

        everyone = core.due_items(self.ws, self.today, self.days)
        counts: dict[str, tuple[str, int]] = {}
        for item in everyone:
            name = " ".join(clean_line(str(item.entry.get("owner") or "")).split())
            if name:
                key = owner_key(name)
                first, n = counts.get(key, (name, 0))
                counts[key] = (first, n + 1)
        options = [
            Option(name, name, f"{n} item{'s' if n != 1 else ''}")
            for name, n in sorted(counts.values(), key=lambda v: v[0].casefold())
        ]

        def chosen(value: str | None) -> None:
            if value is None:
                return
            self.owner = value or None
            self.reload()

        self.app.push_screen(
            Picker(
                "Show the items of one owner",
                options,
                current=self.owner,
                clear_label="All owners",
                hint="in the next days shown",
            ),
            chosen,
        )

    def action_days(self, step: int) -> None:
        steps = sorted({*DAY_STEPS, self.days})
        pos = steps.index(self.days) + step
        if not 0 <= pos < len(steps):
            return
        self.days = steps[pos]
        self.reload()
