"""The country brief in the terminal.

The brief is one page: next review and phase, checklist progress, recommendations by
position, status, cluster and priority as bars, and what is overdue (``tui.exports.brief``
gathers and lays it out with Rich ``Text``, never markup). ``x`` writes any report
(screens/exporting.py).
"""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from screens.exporting import choose_export  # tests import it here
from screens.exporting import start_export as start_export
from tui.exports.brief import brief_renderable, build_brief


class BriefScreen(Screen[None]):
    """One page on where a country stands."""

    CSS_PATH = "brief.tcss"
    HELP_TITLE = "Country brief"
    HELP = (
        "One page on a country: its next UPR review and where it stands today, checklist "
        "progress, the recommendations of the previous review by position, status, cluster and "
        "priority, the implementation plan, and what is overdue (checklist items and actions "
        "past their date). x writes this brief, the recommendation matrix, the joint UN "
        "submission annex or the implementation plan to a file in the current folder."
    )

    BINDINGS = [
        Binding("q,escape", "app.pop_screen", "Back"),
        Binding("x", "export", "Export a report to a file"),
        Binding("A", "plan", "Implementation plan"),
        Binding("r", "refresh_brief", "Refresh"),
    ]

    def __init__(self, iso3: str, today: date) -> None:
        super().__init__()
        self.iso3 = iso3
        self.today = today
        self._width = 0

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="brief-scroll"):
            yield Static(id="brief-body", markup=False)
        yield Static("x export · A plan · r refresh · q back · ? help", id="status", markup=False)

    def on_mount(self) -> None:
        self.refresh_brief()
        self.query_one("#brief-scroll").focus()

    def on_screen_resume(self) -> None:
        self.refresh_brief()

    def on_resize(self) -> None:
        if self.size.width != self._width:
            self.refresh_brief()

    def refresh_brief(self) -> None:
        self._width = self.size.width
        # The page's padding (1 + 1) and its scrollbar gutter (2, kept even when not needed,
        # so the layout does not change as the brief grows past the screen).
        width = max((self.size.width or 80) - 4, 40)
        brief = build_brief(self.app.workspace, self.iso3, self.today)  # type: ignore[attr-defined]
        self.query_one("#brief-body", Static).update(brief_renderable(brief, width))

    def action_refresh_brief(self) -> None:
        self.refresh_brief()

    def action_export(self) -> None:
        choose_export(self, self.iso3, self.today)

    def action_plan(self) -> None:
        from screens.actions import ActionsScreen

        self.app.push_screen(ActionsScreen(self.iso3, self.today))
