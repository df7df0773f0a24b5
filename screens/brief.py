"""The country brief in the terminal, and exporting reports from the app.

The brief is one page: next review and phase, checklist progress, recommendations by
position, status, cluster and priority as bars, and what is overdue (``tui.exports.brief``
gathers and lays it out with Rich ``Text``, never markup). ``x`` writes any report (brief,
matrix, annex, plan) to ``<kind>-<ISO3>.<ext>`` in the current folder, the file
``upr export`` writes: the workspace is copied on the UI thread, the file written by a worker.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from screens.pickers import Option, Picker
from tui.exports.brief import brief_renderable, build_brief
from tui.exports.safe import Snapshot, atomic_write, default_filename

# (kind, format, what it is) offered by ``x``; writers as in ``upr export``.
EXPORTS: tuple[tuple[str, str, str], ...] = (
    ("brief", "md", "this brief, Markdown"),
    ("brief", "html", "this brief, a web page"),
    ("matrix", "xlsx", "recommendation matrix, Excel"),
    ("matrix", "csv", "recommendation matrix, CSV"),
    ("annex", "docx", "joint UN submission annex, Word"),
    ("annex", "md", "joint UN submission annex, Markdown"),
    ("annex", "csv", "joint UN submission annex, CSV"),
    ("plan", "xlsx", "implementation plan, Excel"),
    ("plan", "csv", "implementation plan, CSV"),
    ("plan", "md", "implementation plan, Markdown"),
)
WRITERS: dict[str, tuple[str, str]] = {
    "brief": ("tui.exports.brief", "write_brief"),
    "matrix": ("tui.exports.matrix", "write_matrix"),
    "annex": ("tui.exports.annex", "write_annex"),
    "plan": ("tui.exports.plan", "write_plan"),
}


def choose_export(
    screen: Screen[Any], iso3: str, today: date, kinds: Sequence[str] | None = None
) -> None:
    """Offer the reports (of ``kinds``) and write the chosen one in the current folder."""
    options = [
        Option(f"{kind}:{fmt}", default_filename(kind, iso3, fmt), about)
        for kind, fmt, about in EXPORTS
        if kinds is None or kind in kinds
    ]

    def chosen(value: str | None) -> None:
        if value:
            kind, _, fmt = value.partition(":")
            start_export(screen, iso3, kind, fmt, today)

    screen.app.push_screen(
        Picker("Export to the current folder", options, hint="the file of upr export"), chosen
    )


def start_export(
    screen: Screen[Any], iso3: str, kind: str, fmt: str, today: date, folder: Path | None = None
) -> None:
    """Copy the country's records now; write the file in a worker thread; notify when done."""
    app = screen.app
    source = Snapshot.of(app.workspace, country=iso3)  # type: ignore[attr-defined]
    module_name, writer_name = WRITERS[kind]
    write = getattr(importlib.import_module(module_name), writer_name)
    target = (folder or Path.cwd()) / default_filename(kind, iso3, fmt)
    app.notify(f"Writing {target.name}…", timeout=2, markup=False)

    def work() -> None:
        try:
            atomic_write(
                target, lambda fh: write(source, iso3, fmt, fh, today=today, bom=fmt == "csv")
            )
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            app.call_from_thread(
                app.notify, f"Could not write {target}: {reason}", severity="error", markup=False
            )
            return
        app.call_from_thread(app.notify, f"Wrote {target}", timeout=5, markup=False)

    app.run_worker(work, thread=True, group="export", exclusive=False, name=f"export {kind} {fmt}")


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
