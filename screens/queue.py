"""Queue mode (``t``): one recommendation at a time, the whole text, the keys at the bottom.

The cheapest way to triage over a slow link: a decision repaints one text block and the
progress line. The queue is the undecided recommendations of the list as it was filtered
when ``t`` was pressed, from the cursor on; each decision moves to the next undecided one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from screens.continuity import CONTINUITY_BINDINGS, ContinuityActions
from screens.decisions import DECISION_BINDINGS, DECISION_KEYS_HINT, DecisionActions
from screens.tags import TAG_BINDINGS, TagActions
from screens.textpane import TextPane
from tui import triage

# The text takes at least this many lines, so the facts under it keep their place.
TEXT_LINES = 5


class QueueScreen(TagActions, ContinuityActions, DecisionActions, Screen[str | None]):
    """One undecided recommendation at a time; q returns to the list on the same one."""

    CSS_PATH = "triage.tcss"
    HELP_TITLE = "Queue"
    HELP = (
        "The undecided recommendations of the list, one at a time, with the whole text. "
        "Every decision key works as in the list and moves to the next undecided one; "
        "right and left step through the queue without deciding; q goes back to the list."
    )

    BINDINGS = [
        *DECISION_BINDINGS,
        *CONTINUITY_BINDINGS,  # P carry forward, L suggested links (issue 17)
        *TAG_BINDINGS,  # T themes, G groups, S SDGs, Y suggested tags
        Binding("right,n", "step(1)", "Next in the queue"),
        Binding("left,b", "step(-1)", "Previous in the queue"),
        Binding("down,j", "scroll_text(1)", "Scroll the text down"),
        Binding("up,k", "scroll_text(-1)", "Scroll the text up"),
        Binding("pagedown", "page_text(1)", "Page the text down"),
        Binding("pageup", "page_text(-1)", "Page the text up"),
        Binding("escape,q", "back", "Back to the list"),
    ]

    def __init__(
        self,
        index: triage.TriageIndex,
        iso3: str,
        queue: Sequence[triage.Entry],
        detail: Callable[..., Text],
    ) -> None:
        """``detail`` draws a recommendation's details (the list's own ``detail_text``, passed in
        so that the queue does not import the list's module)."""
        super().__init__()
        self.detail = detail
        self.index = index
        self.iso3 = iso3
        self.queue: list[triage.Entry] = list(queue)
        self.position = 0
        self.finished = False
        self._shown_rid: str | None = None
        self._ui_thread = threading.get_ident()

    def compose(self) -> ComposeResult:
        yield Static(id="queue-progress", markup=False)
        yield TextPane(id="queue-text", more_hint="↓ or pgdn")
        yield Static(
            Text(DECISION_KEYS_HINT + " · → next · ← previous · q back"),
            id="queue-keys",
            markup=False,
        )

    def on_mount(self) -> None:
        self.app.workspace.subscribe(self._on_ws_edit)
        self.show()

    def on_unmount(self) -> None:
        self.app.workspace.unsubscribe(self._on_ws_edit)

    @property
    def current(self) -> triage.Entry | None:
        if 0 <= self.position < len(self.queue):
            return self.queue[self.position]
        return None

    def show(self) -> None:
        total = len(self.queue)
        decided = sum(1 for e in self.queue if e.triaged)
        progress = (
            f"Queue {self.position + 1} of {total} · {decided} decided "
            f"({triage.percent(decided, total)}%) · {total - decided} left"
        )
        if self.finished:
            progress += " · queue done"
        self.query_one("#queue-progress", Static).update(
            Text(progress, no_wrap=True, overflow="ellipsis"), layout=False
        )
        entry = self.current
        pane = self.query_one("#queue-text", TextPane)
        if entry is None:
            pane.set_text(Text("The queue is empty."))
            return
        # Only the lines that differ from the last recommendation are sent to the terminal.
        same = entry.rid == self._shown_rid
        self._shown_rid = entry.rid
        pane.set_text(
            self.detail(
                self.index,
                entry,
                history=False,
                compact=True,
                pad_text_to=TEXT_LINES,
                wrap_width=max(pane.size.width - 2, 10),
                console=self.app.console,
            ),
            keep_scroll=same,
        )

    def _on_ws_edit(self, table: str, rid: str, fields: tuple[str, ...]) -> None:
        if threading.get_ident() != self._ui_thread:
            self.app.call_from_thread(self._on_ws_edit, table, rid, fields)
            return
        # The list screen below keeps the index current; here only repaint our record.
        entry = self.current
        if table == triage.TABLE and entry is not None and entry.rid == rid:
            self.call_later(self.show)

    # -- decisions ------------------------------------------------------------------------------
    def decision_targets(self) -> list[str]:
        entry = self.current
        return [entry.rid] if entry is not None else []

    def tell(self, line: str) -> None:
        """What an undo did, in the key line (until the next decision)."""
        self.query_one("#queue-keys", Static).update(
            Text(line, no_wrap=True, overflow="ellipsis"), layout=False
        )
        self._told = True

    def after_decision(self, rids: Sequence[str]) -> None:
        if getattr(self, "_told", False):
            self._told = False
            self.query_one("#queue-keys", Static).update(
                Text(DECISION_KEYS_HINT + " · → next · ← previous · q back"), layout=False
            )
        nxt = triage.next_undecided(self.queue, self.position)
        if nxt is None:
            self.finished = True
            self.app.notify("Queue done: every recommendation in it is decided.", timeout=3)
        else:
            self.position = nxt
        self.show()

    def show_record(self, rid: str) -> None:
        for i, entry in enumerate(self.queue):
            if entry.rid == rid:
                self.position = i
                self.show()
                return

    def action_undecided(self, step: int) -> None:
        nxt = triage.next_undecided(self.queue, self.position, step)
        if nxt is None:
            self.app.notify("Nothing undecided left in the queue.", timeout=2)
            return
        self.position = nxt
        self.show()

    def action_step(self, step: int) -> None:
        if not self.queue:
            return
        self.position = max(0, min(self.position + step, len(self.queue) - 1))
        self.show()

    def action_scroll_text(self, delta: int) -> None:
        self.query_one("#queue-text", TextPane).scroll_lines(delta)

    def action_page_text(self, direction: int) -> None:
        self.query_one("#queue-text", TextPane).page(direction)

    def action_back(self) -> None:
        entry = self.current
        self.dismiss(entry.rid if entry is not None else None)
