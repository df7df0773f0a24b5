"""Reference point for bench/slowlink.py: a plain Textual DataTable app over the same rows.

What a straightforward Textual app would do: load the CSV, ``add_rows`` into a ``DataTable``
with a row cursor, ``1`` sets the priority cell and moves down (one triage decision),
``enter`` opens the text in a modal and ``escape`` closes it. Quiet like the real app (no
animation, no blinking): the difference measured is the widget, not the settings.

    .venv/bin/python bench/reference_datatable.py ROWS.csv
"""

from __future__ import annotations

import csv
import os
import sys

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from textual.app import App, ComposeResult  # noqa: E402
from textual.binding import Binding  # noqa: E402
from textual.screen import ModalScreen  # noqa: E402
from textual.widgets import DataTable, Static  # noqa: E402


class Detail(ModalScreen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Close")]
    DEFAULT_CSS = (
        "Detail { align: center middle; } #text { width: 70; height: auto; border: round $accent; }"
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        yield Static(self.text, id="text", markup=False)


class ReferenceApp(App[None]):
    BINDINGS = [
        Binding("1", "decide", "Priority high"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.animation_level = "none"

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row", zebra_stripes=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        with open(self.path, encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            widths = {"paragraph": 8, "text": 40, "position": 9, "priority": 8, "status": 14}
            self.keys = [table.add_column(h, width=widths.get(h)) for h in header]
            table.add_rows(reader)
        table.focus()

    def action_decide(self) -> None:
        table = self.query_one(DataTable)
        table.update_cell_at((table.cursor_row, 3), "high")
        table.move_cursor(row=table.cursor_row + 1)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """``enter`` on a row (DataTable's own binding): the text in a modal."""
        row = event.data_table.get_row_at(event.cursor_row)
        self.push_screen(Detail(str(row[1])))


if __name__ == "__main__":
    app = ReferenceApp(sys.argv[1])
    if os.environ.get("BENCH_LEAN_DRIVER"):  # to record its output for tests/test_lean.py
        sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
        from screens.terminal import lean_driver_class

        app.driver_class = lean_driver_class() or app.driver_class
    app.run(mouse=False)
