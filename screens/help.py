"""``?``: the keys of the screen in front, read from its live bindings so it never goes stale."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


def _framework_actions(cls: type) -> set[str]:
    """Actions bound by Textual's own classes in ``cls``'s ancestry (not by ours)."""
    ours: set[str] = set()
    theirs: set[str] = set()
    for klass in cls.__mro__:
        for item in klass.__dict__.get("BINDINGS", []):
            action = item.action if isinstance(item, Binding) else item[1]
            (theirs if klass.__module__.startswith("textual.") else ours).add(action)
    return theirs - ours


def describe_bindings(screen: Screen) -> list[tuple[str, str]]:
    """(keys, description) for every binding active on ``screen``, app-wide ones last."""
    seen: dict[str, list[str]] = {}
    order: list[str] = []
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description or binding.action in ("command_palette",):
            continue
        # Keys of Textual's own widgets (text editing in a filter box) are not ours to list.
        if binding.action in _framework_actions(type(active.node)):
            continue
        label = binding.description
        display = screen.app.get_key_display(binding)
        if label not in seen:
            seen[label] = []
            order.append(label)
        if display not in seen[label]:
            seen[label].append(display)
    return [(" ".join(seen[label]), label) for label in order]


class HelpScreen(ModalScreen[None]):
    """Help for the screen underneath: what it is for and every key it answers to."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close help"),
    ]

    def __init__(self, title: str, about: str, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.about = about
        self.keys = keys

    def compose(self) -> ComposeResult:
        # Aligned text, not a Rich Table: a table of 40 keys is re-measured on every layout
        # pass, which made the first `?` on the recommendations list take ~250 ms.
        rows = [*self.keys, ("ctrl+p", "Command palette: every action by name")]
        width = min(max(len(keys) for keys, _ in rows), 24)
        table = Text()
        for n, (keys, label) in enumerate(rows):
            if n:
                table.append("\n")
            table.append(keys.ljust(width), style="bold")
            table.append(f"  {label}")
        with VerticalScroll(id="help-body"):
            yield Static(Text(f"Help: {self.title_text}", style="bold"), markup=False)
            yield Static(Text(self.about), markup=False, classes="help-about")
            yield Static(table)
            yield Static(Text("escape or q closes this help."), markup=False)

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
