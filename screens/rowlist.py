"""A list that renders only the rows on screen (Textual's Line API).

``DataTable`` takes ~8 s to load 100k rows and ``ListView`` builds a widget per row
(NOTES.md). ``RowList`` keeps nothing but an index into the caller's rows and a small cache
of rendered strips, so its cost does not grow with the number of rows, and a cursor move
repaints exactly two lines.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from tui.sanitize import clean_line

Cell = str | Text


@dataclass(frozen=True)
class Column:
    """One column; ``width=0`` means it takes the room left over (at least ``min_width``)."""

    key: str
    label: str
    width: int = 0
    min_width: int = 10
    show_from: int = 0  # shown only when the list is at least this wide
    justify: str = "left"


def layout_columns(columns: Sequence[Column], total: int) -> list[tuple[Column, int]]:
    """Visible columns and their widths for a list ``total`` cells wide (one space between)."""
    visible = [c for c in columns if total >= c.show_from]
    fixed = sum(c.width for c in visible if c.width) + max(len(visible) - 1, 0)
    flex = [c for c in visible if not c.width]
    room = max(total - fixed, 0)
    out: list[tuple[Column, int]] = []
    for column in visible:
        if column.width:
            out.append((column, column.width))
        else:
            share = room // len(flex) if flex else 0
            out.append((column, max(share, 1)))
    return out


def fit(cell: Cell, width: int, justify: str = "left") -> Text:
    """A cell cut or padded to exactly ``width`` cells; text made inert (no markup, no controls)."""
    if isinstance(cell, Text):
        text = cell.copy()
        text.plain  # noqa: B018 - ensure built
    else:
        text = Text(clean_line(cell))
    text.truncate(width, overflow="ellipsis", pad=False)
    if justify == "right":
        text.pad_left(width - text.cell_len)
    else:
        text.pad_right(width - text.cell_len)
    return text


class RowHeader(Static):
    """Column titles, laid out with the same widths as the rows below."""

    DEFAULT_CSS = """
    RowHeader { height: 1; }
    """

    def __init__(self, columns: Sequence[Column], **kwargs: Any) -> None:
        super().__init__("", markup=False, **kwargs)
        self.columns = list(columns)

    def layout_for(self, width: int) -> None:
        parts = [fit(c.label, w, c.justify) for c, w in layout_columns(self.columns, width)]
        self.update(Text(" ").join(parts))


class RowList(ScrollView, can_focus=True):
    """Keyboard list over any sequence of rows; the caller says how a row becomes cells."""

    BINDINGS = [
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
        Binding("enter", "select", "Open"),
    ]

    COMPONENT_CLASSES = {"rowlist--cursor", "rowlist--marked", "rowlist--empty"}

    DEFAULT_CSS = """
    RowList { height: 1fr; }
    RowList > .rowlist--cursor { text-style: reverse; }
    RowList > .rowlist--marked { text-style: bold; }
    """

    cursor: reactive[int] = reactive(0, always_update=False, repaint=False)

    class Highlighted(Message):
        def __init__(self, row_list: RowList, index: int) -> None:
            super().__init__()
            self.row_list = row_list
            self.index = index

        @property
        def control(self) -> RowList:
            return self.row_list

    class Selected(Highlighted):
        pass

    def __init__(
        self,
        columns: Sequence[Column],
        render_cells: Callable[[Any], dict[str, Cell]],
        *,
        empty_text: str = "Nothing to show.",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = list(columns)
        self.render_cells = render_cells
        self.rows: Sequence[Any] = ()
        self.empty_text = empty_text
        self.is_marked: Callable[[Any], bool] = lambda row: False
        self._cache: OrderedDict[tuple[int, int, bool, int], Strip] = OrderedDict()
        self._version = 0
        self._layout_width = -1
        self._layout: list[tuple[Column, int]] = []
        self.header: RowHeader | None = None

    # -- data -------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[Any], *, keep: Any = None) -> None:
        """Show new rows; keep the cursor on the row equal to ``keep`` if it is still there."""
        self.rows = rows
        self._version += 1
        self._cache.clear()
        self.virtual_size = Size(self.size.width, len(rows))
        target = 0
        if keep is not None:
            try:
                target = list(rows).index(keep) if not hasattr(rows, "index") else rows.index(keep)  # type: ignore[union-attr]
            except ValueError:
                target = 0
        self.set_cursor(min(target, max(len(rows) - 1, 0)), force=True)
        self.refresh()

    def refresh_row(self, index: int) -> None:
        """Repaint one row whose content changed."""
        for key in [k for k in self._cache if k[0] == index]:
            del self._cache[key]
        self.refresh_line(index)

    def refresh_all(self) -> None:
        self._version += 1
        self._cache.clear()
        self.refresh()

    @property
    def current(self) -> Any | None:
        if 0 <= self.cursor < len(self.rows):
            return self.rows[self.cursor]
        return None

    # -- cursor -----------------------------------------------------------------------
    def set_cursor(self, index: int, *, force: bool = False) -> None:
        if not self.rows:
            index = 0
        else:
            index = max(0, min(index, len(self.rows) - 1))
        old = self.cursor
        if index == old and not force:
            return
        self.cursor = index
        if old != index:
            self.refresh_line(old)
            self.refresh_line(index)
        self._scroll_cursor_into_view()
        if self.rows:
            self.post_message(self.Highlighted(self, index))

    def _scroll_cursor_into_view(self) -> None:
        height = self.scrollable_content_region.height or self.size.height
        if height <= 0:
            return
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def action_cursor_up(self) -> None:
        self.set_cursor(self.cursor - 1)

    def action_cursor_down(self) -> None:
        self.set_cursor(self.cursor + 1)

    def action_page_up(self) -> None:
        page = max(self.scrollable_content_region.height - 1, 1)
        self.scroll_to(y=max(self.scroll_offset.y - page, 0), animate=False, immediate=True)
        self.set_cursor(self.cursor - page)

    def action_page_down(self) -> None:
        page = max(self.scrollable_content_region.height - 1, 1)
        self.scroll_to(y=self.scroll_offset.y + page, animate=False, immediate=True)
        self.set_cursor(self.cursor + page)

    def action_first(self) -> None:
        self.set_cursor(0)

    def action_last(self) -> None:
        self.set_cursor(len(self.rows) - 1)

    def action_select(self) -> None:
        if self.rows:
            self.post_message(self.Selected(self, self.cursor))

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_offset.y) + event.y
        if 0 <= index < len(self.rows):
            self.set_cursor(index)
            if event.chain > 1:
                self.action_select()

    # -- rendering --------------------------------------------------------------------
    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self.rows))
        self._cache.clear()
        self._scroll_cursor_into_view()

    def _columns_for(self, width: int) -> list[tuple[Column, int]]:
        if width != self._layout_width:
            self._layout_width = width
            self._layout = layout_columns(self.columns, width)
            if self.header is not None:
                self.header.layout_for(width)
        return self._layout

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        index = int(self.scroll_offset.y) + y
        if index >= len(self.rows):
            if index == 0 and not self.rows:
                style = self.get_component_rich_style("rowlist--empty", partial=True)
                return Strip([Segment(self.empty_text[:width], style)]).simplify()
            return Strip.blank(width)
        is_cursor = index == self.cursor
        key = (index, width, is_cursor, self._version)
        strip = self._cache.get(key)
        if strip is not None:
            self._cache.move_to_end(key)
            return strip
        strip = self._render_row(index, width, is_cursor)
        self._cache[key] = strip
        if len(self._cache) > 400:
            self._cache.popitem(last=False)
        return strip

    def _render_row(self, index: int, width: int, is_cursor: bool) -> Strip:
        row = self.rows[index]
        cells = self.render_cells(row)
        parts = [fit(cells.get(c.key, ""), w, c.justify) for c, w in self._columns_for(width)]
        line = Text(" ").join(parts)
        line.truncate(width, pad=True)
        base = self.rich_style
        if self.is_marked(row):
            line.stylize(self.get_component_rich_style("rowlist--marked", partial=True))
        if is_cursor and self.has_focus_within_screen:
            line.stylize(self.get_component_rich_style("rowlist--cursor", partial=True))
        elif is_cursor:
            line.stylize(Style(underline=True))
        segments = list(line.render(self.app.console))
        return Strip(Segment.apply_style(segments, base), width).simplify()

    @property
    def has_focus_within_screen(self) -> bool:
        return (
            self.has_focus
            or not self.screen.focused
            or self.screen.focused is not self
            and self._cursor_follows_focus
        )

    _cursor_follows_focus = True

    def on_focus(self) -> None:
        self._cache.clear()
        self.refresh_line(self.cursor)

    def on_blur(self) -> None:
        self._cache.clear()
        self.refresh_line(self.cursor)

    def region_of_cursor(self) -> Region:
        return Region(0, self.cursor, self.size.width, 1)
