"""Small pickers for decisions: type to filter, arrows to move, enter to choose.

Every picker is a ``ModalScreen`` with a filter box (focused, no blinking cursor) over a
``RowList`` of options, so hundreds of options cost nothing. A picker may accept a NEW value
(typed text that matches no option); a multi-picker marks several with ``tab`` (fzf-style).
Option labels come from the shared file or reference data and are shown as inert text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from screens.inputs import PlainInput
from screens.rowlist import Column, RowList
from tui.sanitize import clean_line
from tui.triage import fast_fold, search_words

CLEAR = "\x00clear"  # the value of a picker's "clear" row (never a real value: cleaned away)


@dataclass(frozen=True)
class Option:
    """One choice: the stored value, what the list shows, and extra words to match."""

    value: str
    label: str
    detail: str = ""
    search: str = ""


@dataclass(frozen=True)
class PickerRow:
    kind: str  # "option" | "new" | "clear"
    option: Option


class PickerInput(PlainInput):
    """The filter box of a picker: typing filters, the picker's keys do the rest."""

    BINDINGS = [Binding("question_mark", "app.help", "Help", priority=True, show=False)]


class _PickerBase(ModalScreen[Any]):
    """Shared layout and filtering of the single and multiple pickers."""

    CSS_PATH = "pickers.tcss"
    HELP_TITLE = "Picker"
    HELP = (
        "Type to filter (all words, accents ignored); up and down move; enter chooses; "
        "escape cancels."
    )

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
    ]

    MAX_HEIGHT = 12

    def __init__(
        self,
        title: str,
        options: Sequence[Option],
        *,
        current: str | None = None,
        suggested: str | None = None,
        allow_new: bool = False,
        new_label: str = "value",
        clear_label: str | None = None,
        hint: str = "",
    ) -> None:
        super().__init__()
        self.title_text = clean_line(title)
        self.options: list[Option] = list(options)
        self.current = current
        self.suggested = suggested
        self.allow_new = allow_new
        self.new_label = new_label
        self.clear_label = clear_label
        self.hint = hint
        if suggested and not any(o.value == suggested for o in self.options):
            self.options.insert(0, Option(suggested, suggested, "suggested (new)"))
        self._folded = [fast_fold(" ".join((o.label, o.detail, o.search))) for o in self.options]
        self.rows: list[PickerRow] = []
        label_width = max((len(o.label) for o in self.options), default=8)
        has_detail = any(o.detail for o in self.options) or suggested is not None
        if allow_new:
            label_width = max(label_width, len(new_label) + 22)
        if has_detail and label_width <= 40:
            label_col = Column("label", "", max(label_width, 8))
        else:
            label_col = Column("label", "", 0, min_width=12)
        self.columns = [Column("mark", "", 3), label_col]
        # A clear label wider than a fixed label column ("(none: unlink all)" beside
        # paragraph numbers) is shown in the detail column instead of being cut short.
        self._clear_in_detail = bool(
            has_detail and label_col.width and clear_label and len(clear_label) > label_col.width
        )
        if has_detail:
            self.columns.append(Column("detail", "", 0, min_width=8))

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box"):
            yield Static(Text(self.title_text, style="bold"), id="picker-title", markup=False)
            yield PickerInput(placeholder="type to filter", id="picker-filter")
            rows = RowList(
                self.columns, self.render_row, empty_text="Nothing matches.", id="picker-list"
            )
            rows.can_focus = False
            # Sized once, before the first frame, with room for a "new" row: a height change
            # while typing would cost a layout pass and a repaint of the whole picker.
            self.rows = self._rows_for("")
            extra = 1 if self.allow_new else 0
            rows.styles.height = min(max(len(self.rows) + extra, 1), self.MAX_HEIGHT)
            yield rows
            yield Static(Text(self.hint_text()), id="picker-hint", markup=False)

    def hint_text(self) -> str:
        parts = [self.hint] if self.hint else []
        parts.append("↑↓ move · enter choose · esc cancel")
        if self.allow_new:
            parts.append(f"a new {self.new_label} is added")
        return " · ".join(parts)

    def on_mount(self) -> None:
        self.query_one(PickerInput).focus()
        self.refilter(initial=True)

    @property
    def row_list(self) -> RowList:
        return self.query_one("#picker-list", RowList)

    @property
    def query_text(self) -> str:
        return self.query_one(PickerInput).value

    # -- rows ------------------------------------------------------------------------------
    def mark_for(self, option: Option) -> str:
        return "•" if option.value == self.current else ""

    def render_row(self, row: PickerRow) -> dict[str, Any]:
        option = row.option
        if row.kind == "new":
            return {
                "mark": "+",
                "label": Text(f"new {self.new_label}: {clean_line(option.value)}", style="italic"),
            }
        if row.kind == "clear":
            text = Text(clean_line(option.label), style="dim")
            return (
                {"mark": "", "detail": text}
                if self._clear_in_detail
                else {"mark": "", "label": text}
            )
        detail = option.detail
        if (
            self.suggested is not None
            and option.value == self.suggested
            and "suggested" not in detail
        ):
            detail = f"{detail} (suggested)" if detail else "(suggested)"
        return {"mark": self.mark_for(option), "label": option.label, "detail": detail}

    def _rows_for(self, query: str) -> list[PickerRow]:
        words = search_words(query)
        rows: list[PickerRow] = []
        if self.clear_label and not words:
            rows.append(PickerRow("clear", Option(CLEAR, self.clear_label)))
        matched = [
            PickerRow("option", o)
            for o, f in zip(self.options, self._folded, strict=True)
            if all(w in f for w in words)
        ]
        rows.extend(matched)
        typed = clean_line(query)
        if (
            self.allow_new
            and typed
            and not any(
                fast_fold(o.value) == fast_fold(typed) or fast_fold(o.label) == fast_fold(typed)
                for o in self.options
            )
        ):
            rows.append(PickerRow("new", Option(typed, typed)))
        return rows

    def refilter(self, *, initial: bool = False, keep: str | None = None) -> None:
        rows = self.rows = self._rows_for(self.query_text)
        matched = [r for r in rows if r.kind == "option"]
        row_list = self.row_list
        target = keep
        if initial and target is None:
            values = {r.option.value for r in matched}
            target = self.current if self.current in values else self.suggested
        index = rows.index(matched[0]) if matched else 0
        if target is not None:
            for i, row in enumerate(rows):
                if row.kind == "option" and row.option.value == target:
                    index = i
                    break
        row_list.set_rows(rows)
        row_list.set_cursor(index, force=True)

    @on(Input.Changed, "#picker-filter")
    def _changed(self) -> None:
        self.refilter()

    @on(Input.Submitted, "#picker-filter")
    def _submitted(self) -> None:
        self.choose()

    def action_move(self, delta: int) -> None:
        self.row_list.set_cursor(self.row_list.cursor + delta)

    def action_page(self, direction: int) -> None:
        step = max(self.row_list.size.height - 1, 1)
        self.row_list.set_cursor(self.row_list.cursor + direction * step)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def choose(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class Picker(_PickerBase):
    """Choose one value (or type a new one). Dismisses with the value, or None if cancelled.

    The ``clear`` row (when ``clear_label`` is given) dismisses with ``""``.
    """

    BINDINGS = [Binding("ctrl+d", "delete", "Delete this entry", priority=True)]

    def __init__(
        self,
        title: str,
        options: Sequence[Option],
        *,
        on_delete: Callable[[str], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(title, options, **kwargs)
        self.on_delete = on_delete

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "delete":
            return self.on_delete is not None
        return True

    def choose(self) -> None:
        row = self.row_list.current
        if row is None:
            typed = clean_line(self.query_text)
            if self.allow_new and typed:
                self.dismiss(typed)
            return
        self.dismiss("" if row.kind == "clear" else row.option.value)

    def action_delete(self) -> None:
        row = self.row_list.current
        if self.on_delete is None or row is None or row.kind != "option":
            return
        self.on_delete(row.option.value)
        self.options = [o for o in self.options if o.value != row.option.value]
        self._folded = [fast_fold(" ".join((o.label, o.detail, o.search))) for o in self.options]
        self.refilter()


class MultiPicker(_PickerBase):
    """Choose several values: ``tab`` marks or unmarks, ``enter`` applies.

    Enter applies the marked values; with none marked it takes the highlighted one; the
    clear row applies an empty list. Dismisses with a list, or None if cancelled.
    """

    BINDINGS = [Binding("tab", "toggle", "Mark or unmark", priority=True)]

    def __init__(
        self, title: str, options: Sequence[Option], *, checked: Sequence[str] = (), **kwargs: Any
    ) -> None:
        super().__init__(title, options, **kwargs)
        self.checked: list[str] = [v for v in checked]
        known = {o.value for o in self.options}
        for value in self.checked:
            if value not in known:
                self.options.append(Option(value, value))
                self._folded.append(fast_fold(value))

    def hint_text(self) -> str:
        return "tab mark · " + super().hint_text()

    def mark_for(self, option: Option) -> str:
        return "[x]" if option.value in self.checked else "[ ]"

    def action_toggle(self) -> None:
        row = self.row_list.current
        if row is None or row.kind == "clear":
            return
        value = row.option.value
        if row.kind == "new":
            self.options.append(Option(value, value))
            self._folded.append(fast_fold(value))
        if value in self.checked:
            self.checked.remove(value)
        else:
            self.checked.append(value)
        box = self.query_one(PickerInput)
        if box.value:
            with box.prevent(Input.Changed):
                box.value = ""
            self.refilter(keep=value)
        else:
            self.row_list.refresh_row(self.row_list.cursor)
            self.row_list.set_cursor(self.row_list.cursor + 1)

    def choose(self) -> None:
        row = self.row_list.current
        if row is not None and row.kind == "clear":
            self.dismiss([])
            return
        if self.checked:
            order = {o.value: i for i, o in enumerate(self.options)}
            self.dismiss(sorted(self.checked, key=lambda v: order.get(v, len(order))))
            return
        if row is not None:
            self.dismiss([row.option.value])


class TextPrompt(ModalScreen[str | None]):
    """One line of text (a note, an evidence note, a view name): enter saves, escape cancels."""

    CSS_PATH = "pickers.tcss"
    HELP_TITLE = "Text"
    HELP = "Type the text; enter saves it, escape cancels. An empty text clears the field."

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, value: str = "", *, hint: str = "") -> None:
        super().__init__()
        self.title_text = clean_line(title)
        self.value = clean_line(value)
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box"):
            yield Static(Text(self.title_text, style="bold"), id="picker-title", markup=False)
            # A plain Input: "?" is text here (a note may ask a question), not help.
            yield PlainInput(value=self.value, id="prompt-input", select_on_focus=False)
            hint = (self.hint + " · " if self.hint else "") + "enter save · esc cancel"
            yield Static(Text(hint), id="picker-hint", markup=False)

    def on_mount(self) -> None:
        box = self.query_one("#prompt-input", Input)
        box.focus()
        box.cursor_position = len(box.value)

    @on(Input.Submitted, "#prompt-input")
    def _submitted(self) -> None:
        self.dismiss(self.query_one("#prompt-input", Input).value)

    def action_cancel(self) -> None:
        self.dismiss(None)
