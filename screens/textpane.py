"""A block of wrapped text that repaints only the lines that changed (Line API).

A ``Static`` whose text changes height triggers a layout pass, and Textual then repaints the
widget's whole region (and its scrollbar): ~6 KB per recommendation at 80x24. This pane has
a fixed size; ``set_text`` wraps the new text, compares it line by line with what is on
screen and refreshes only the lines that differ. It scrolls by its own offset (no
``ScrollView``, no virtual size, no layout) and says how much is left below.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

MORE_STYLE = Style(dim=True, italic=True)


class TextPane(Widget):
    """Inert rich ``Text`` (never markup), wrapped to the pane's width, diffed on update."""

    DEFAULT_CSS = """
    TextPane { height: 1fr; }
    """

    def __init__(
        self,
        *,
        margin: int = 1,
        more_hint: str = "",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.more_hint = more_hint
        self.text = Text()
        self.margin = margin
        self.top = 0
        self._lines: list[Strip] = []
        self._width = -1

    # -- content ------------------------------------------------------------------------
    def set_text(self, text: Text, *, keep_scroll: bool = False) -> None:
        """Show new text; repaint only the visible lines that differ from before."""
        self.text = text
        old_top = self.top
        old = self._visible()
        self._lines = self._wrap(self.size.width)
        if not keep_scroll:
            self.top = 0
        self._clamp()
        if self.top != old_top:
            self.refresh()
            return
        new = self._visible()
        width = self.size.width
        for y, (before, after) in enumerate(zip(old, new, strict=True)):
            if before != after:
                self.refresh(Region(0, y, width, 1))

    def scroll_lines(self, delta: int) -> None:
        before = self.top
        self.top += delta
        self._clamp()
        if self.top != before:
            self.refresh()

    def page(self, direction: int) -> None:
        self.scroll_lines(direction * max(self.size.height - 2, 1))

    # -- rendering -------------------------------------------------------------------------
    def _wrap(self, width: int) -> list[Strip]:
        self._width = width
        inner = max(width - 2 * self.margin, 1)
        if width <= 0:
            return []
        console = self.app.console
        pad = Segment(" " * self.margin) if self.margin else None
        out: list[Strip] = []
        for line in self.text.wrap(console, inner, justify="left", overflow="fold"):
            segments = list(line.render(console, end=""))
            if pad is not None:
                segments.insert(0, pad)
            out.append(Strip(segments).adjust_cell_length(width))
        return out

    def _clamp(self) -> None:
        height = max(self.size.height, 1)
        self.top = max(0, min(self.top, max(len(self._lines) - height + 1, 0)))

    def _visible(self) -> list[Strip]:
        height = self.size.height
        width = self.size.width
        return [self._line_at(y, width, height) for y in range(height)]

    def _line_at(self, y: int, width: int, height: int) -> Strip:
        index = self.top + y
        below = len(self._lines) - (self.top + height)
        if y == height - 1 and below > 0:
            hint = f" ({self.more_hint})" if self.more_hint else ""
            text = Text(f"{' ' * self.margin}… {below + 1} more lines{hint}", style=MORE_STYLE)
            text.truncate(width, pad=True)
            return Strip(list(text.render(self.app.console, end="")), width)
        if index < len(self._lines):
            return self._lines[index]
        return Strip.blank(width)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if width != self._width:
            self._lines = self._wrap(width)
            self._clamp()
        strip = self._line_at(y, width, self.size.height)
        return strip.apply_style(self.rich_style)

    def on_resize(self) -> None:
        self._lines = self._wrap(self.size.width)
        self._clamp()
        self.refresh()
