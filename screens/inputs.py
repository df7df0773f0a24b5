"""The app's one text box: an ``Input`` that never blinks (DESIGN §7: nothing repaints on a
timer). Forms, prompts, pickers and path boxes all use it; kept apart from the pickers so the
first screen does not import what they need."""

from __future__ import annotations

from textual.widgets import Input


class PlainInput(Input):
    """A text box whose cursor does not blink."""

    def on_mount(self) -> None:
        self.cursor_blink = False
