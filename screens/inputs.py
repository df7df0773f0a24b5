"""The app's one text box: an ``Input`` that never blinks (DESIGN §7: nothing repaints on a
timer). Forms, prompts, pickers and path boxes all use it; kept apart from the pickers so the
first screen does not import what they need."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Input

from tui.sanitize import shown_text


class PlainInput(Input):
    """A text box whose cursor does not blink, and which draws control and bidi characters
    of its value (a file name completed with tab) as U+FFFD: the value keeps the real name,
    so the file still opens, but none of its escape sequences reach the terminal."""

    @property
    def _value(self) -> Text:
        text = super()._value
        shown = shown_text(text.plain)
        if shown != text.plain:
            return Text(shown, no_wrap=True, overflow="ignore", end="")
        return text

    def on_mount(self) -> None:
        self.cursor_blink = False
