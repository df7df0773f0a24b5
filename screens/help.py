"""``?``: the keys of the screen in front, read from its live bindings so it never goes stale."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.keys import _character_to_key
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static, TextArea


def _framework_actions(cls: type) -> set[str]:
    """Actions bound by Textual's own classes in ``cls``'s ancestry (not by ours)."""
    ours: set[str] = set()
    theirs: set[str] = set()
    for klass in cls.__mro__:
        for item in klass.__dict__.get("BINDINGS", []):
            action = item.action if isinstance(item, Binding) else item[1]
            (theirs if klass.__module__.startswith("textual.") else ours).add(action)
    return theirs - ours


# The names Textual gives printable keys ("a", "C", "slash", "space", "question_mark"...).
PRINTABLE_KEYS = frozenset(_character_to_key(chr(code)) for code in range(32, 127))

# App actions that do not run over a dialog (a picker, a form, help): they would open a screen
# behind it or change records under it. F1, ctrl+q, ctrl+c and ctrl+s work there too.
NOT_OVER_DIALOGS = frozenset(
    {"due", "review_conflicts", "merge_file", "import_file", "undo", "redo"}
)


def _typed_into(screen: Screen, key: str) -> bool:
    """True if ``key`` would be typed into the text box that has focus (so never reach a
    binding that is not a priority one): printable keys, space included."""
    return isinstance(screen.focused, (Input, TextArea)) and key in PRINTABLE_KEYS


def keys_in_force(screen: Screen) -> list[tuple[str, str, str]]:
    """(key, description, action) for every binding a key press reaches on ``screen`` as it is
    now: app-wide ones last, none that the focused text box would take as typing."""
    out: list[tuple[str, str, str]] = []
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.description or binding.action in ("command_palette",):
            continue
        # Keys of Textual's own widgets (text editing in a filter box) are not ours to list.
        if binding.action in _framework_actions(type(active.node)):
            continue
        if not binding.priority and _typed_into(screen, key):
            continue  # a letter while a text box has focus: it is typed, not a command
        out.append((key, binding.description, binding.action))
    if isinstance(screen, ModalScreen):
        # Textual leaves the app's bindings out of a dialog's; its priority ones still run.
        listed = {key for key, _, _ in out}
        for key, binding in screen.app._bindings:
            if (
                binding.priority
                and binding.description
                and key not in listed
                and binding.action not in NOT_OVER_DIALOGS
            ):
                out.append((key, binding.description, binding.action))
                listed.add(key)
    return out


def describe_bindings(screen: Screen) -> list[tuple[str, str]]:
    """(keys, description) for every key in force on ``screen`` (keys_in_force), grouped."""
    seen: dict[str, list[str]] = {}
    order: list[str] = []
    for key, label, _action in keys_in_force(screen):
        display = screen.app.get_key_display(Binding(key, ""))
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
