"""``f``: filter the recommendations by facet; save the filter as a named view.

Each facet (position, priority, cluster, entity, status, recommending State, theme, SDG,
mechanism, cycle, triaged or not) accepts any of the values picked for it; all facets must
match. The list behind updates on every change, so its counter shows the effect at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from screens.pickers import MultiPicker, Option, Picker
from screens.rowlist import Column, RowList
from tui import triage
from tui.model import MECHANISMS, POSITIONS, PRIORITIES, STATUSES

FIXED_ORDER: dict[str, tuple[str, ...]] = {
    "position": POSITIONS,
    "priority": PRIORITIES,
    "status": STATUSES,
    "mechanism": MECHANISMS,
    "triaged": ("no", "yes"),
    "kind": ("recommendation", "pledge"),
}

COLUMNS = [Column("facet", "Facet", 28), Column("values", "Shows", 0, min_width=12)]


def facet_options(index: triage.TriageIndex, facet: str) -> list[Option]:
    """The values of a facet in this country, with how many recommendations have each."""
    counts = index.facet_counts(facet)
    if facet in FIXED_ORDER:
        values = list(FIXED_ORDER[facet])
    elif facet == "cycle":
        values = sorted(counts, key=lambda v: (v == triage.NONE, -int(v) if v.isdigit() else 0))
    elif facet == "sdg":
        values = sorted(counts, key=lambda v: (v == triage.NONE, int(v) if v.isdigit() else 99, v))
    else:
        values = sorted(
            counts,
            key=lambda v: (
                v == triage.NONE,
                -counts[v],
                triage.fast_fold(triage.facet_label(facet, v)),
            ),
        )
    return [Option(v, triage.facet_label(facet, v), f"{counts.get(v, 0)}", v) for v in values]


class FilterScreen(ModalScreen[triage.Filter]):
    """Facets of the filter: enter picks values, delete clears one, w saves a view."""

    CSS_PATH = "pickers.tcss"
    HELP_TITLE = "Filter"
    HELP = (
        "Pick the values each facet accepts (tab marks several in the picker). A "
        "recommendation shows when it has any picked value of every facet set. The list "
        "behind follows every change. w saves the filter (with the search) as a named view "
        "of this country, shared through the workspace file."
    )

    BINDINGS = [
        Binding("delete,backspace,x", "clear_facet", "Clear this facet"),
        Binding("C", "clear_all", "Clear all facets"),
        Binding("w", "save_view", "Save as a named view"),
        Binding("escape,q,f", "done", "Done"),
    ]

    def __init__(
        self,
        index: triage.TriageIndex,
        filt: triage.Filter,
        on_change: Callable[[triage.Filter], None] | None = None,
    ) -> None:
        super().__init__()
        self.index = index
        self.filter = filt
        self.on_change = on_change

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box"):
            yield Static(Text("Filter", style="bold"), id="picker-title", markup=False)
            rows = RowList(COLUMNS, self.render_row, id="facets")
            rows.styles.height = len(triage.FACETS)
            yield rows
            yield Static(
                Text("enter pick · x clear · C clear all · w save view · esc done"),
                id="picker-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        rows = self.query_one("#facets", RowList)
        rows.set_rows(list(triage.FACETS))
        rows.focus()

    def render_row(self, facet: str) -> dict[str, Any]:
        values = self.filter.facets.get(facet)
        if not values:
            shown: str | Text = Text("any", style="dim")
        else:
            shown = ", ".join(sorted(triage.facet_label(facet, v) for v in values))
        return {"facet": triage.FACET_LABELS[facet], "values": shown}

    def _set(self, filt: triage.Filter) -> None:
        self.filter = filt
        self.query_one("#facets", RowList).refresh_all()
        if self.on_change is not None:
            self.on_change(filt)

    @on(RowList.Selected, "#facets")
    def _selected(self) -> None:
        self.action_edit()

    def action_edit(self) -> None:
        facet = self.query_one("#facets", RowList).current
        if facet is None:
            return
        picker = MultiPicker(
            f"Filter: {triage.FACET_LABELS[facet]}",
            facet_options(self.index, facet),
            checked=sorted(self.filter.facets.get(facet, ())),
            clear_label="any (no filter)",
        )

        def chosen(values: list[str] | None) -> None:
            if values is not None:
                self._set(self.filter.with_facet(facet, values))

        self.app.push_screen(picker, chosen)

    def action_clear_facet(self) -> None:
        facet = self.query_one("#facets", RowList).current
        if facet is not None:
            self._set(self.filter.with_facet(facet, ()))

    def action_clear_all(self) -> None:
        self._set(triage.Filter(search=self.filter.search))

    def action_save_view(self) -> None:
        ws = self.app.workspace
        if ws.read_only:
            self.app.notify("Read-only: views cannot be saved.", severity="warning")
            return
        if self.filter.is_empty:
            self.app.notify("Set a facet or a search first: a view saves them.", severity="warning")
            return
        views = triage.load_views(ws, self.index.iso3)
        options = [Option(n, n, f.describe()) for n, f in views.items()]
        picker = Picker(
            "Save as view: type a name (an existing one is replaced)",
            options,
            allow_new=True,
            new_label="view",
        )

        def chosen(name: str | None) -> None:
            if name:
                saved = triage.save_view(ws, self.index.iso3, name, self.filter)
                self.app.notify(f"Saved the view {saved}.", timeout=2, markup=False)

        self.app.push_screen(picker, chosen)

    def action_done(self) -> None:
        self.dismiss(self.filter)
