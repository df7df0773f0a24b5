"""Continuity on screen (issue 17): the detail pane's linked recommendations, carry forward
(``P``) and the queue of suggested links (``L``).

Kept apart from the list and the queue so those files change by one line each: the list mixes
in :class:`ContinuityActions` and lists ``CONTINUITY_BINDINGS``; ``detail_text`` appends
:func:`linked_section`. Everything is computed by ``tui.links``; this file only shows it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from screens.textpane import TextPane
from tui import links, triage
from tui.sanitize import clean_line, clean_text

if TYPE_CHECKING:
    from tui.store import Workspace

RELATION_LABELS = {"same": "same", "related": "related"}

CONTINUITY_BINDINGS: list[Binding] = [
    Binding("P", "carry_forward", "Carry forward the previous cycle's decisions"),
    Binding("L", "links_queue", "Suggested links to earlier cycles (queue)"),
]


def linked_section(ws: Workspace, rid: str) -> Text:
    """``Linked`` lines of the detail pane: each linked recommendation's cycle, paragraph,
    position, status, evidence and who decided (empty Text when it has no link)."""
    views = links.linked_views(ws, rid, links.index_for(ws))
    out = Text()
    if not views:
        return out
    out.append("Linked\n", style="bold")
    for view in views:
        relation = RELATION_LABELS.get(view.relation, view.relation)
        if not view.known:
            out.append(f"  {relation}: {clean_line(view.rid)} (not in this workspace)\n")
            continue
        position = triage.POSITION_LABELS.get(view.position, clean_line(view.position))
        status = triage.STATUS_LABELS.get(view.status, clean_line(view.status))
        out.append(f"  {relation}: ", style="bold")
        out.append(f"{clean_line(view.where)} · {clean_line(view.paragraph)} · {position}")
        out.append(f" · {status}")
        if view.decided_by:
            when = triage.HistoryLine(view.decided_clock, "", "", None, None).when
            out.append(f" · decided by {clean_line(view.decided_by)} {when}")
        out.append("\n")
        if view.evidence:
            out.append(f"    evidence: {clean_line(view.evidence)}\n")
    return out


class ContinuityActions:
    """``P`` and ``L`` for a screen that provides ``iso3``, ``app``, the decision hooks."""

    iso3: str
    app: Any

    # The host screen provides decision_targets() and after_decision(rids) (screens/decisions).
    decision_targets: Any
    after_decision: Any

    def current_rid(self) -> str | None:
        rids = self.decision_targets()
        return rids[0] if rids else None

    def action_carry_forward(self) -> None:
        ws: Workspace = self.app.workspace
        if ws.read_only:
            self.app.notify("This workspace is open read-only.", severity="warning")
            return
        rids = self.decision_targets()
        if not rids:
            return
        changed = links.carry_forward(ws, self.iso3, rids)
        if not changed:
            self.app.notify(
                "Nothing to carry forward: link a previous cycle's recommendation first (L), "
                "and decide its cluster, entities or outcome.",
                timeout=4,
            )
            return
        self.app.notify(f"Carried forward onto {changed} recommendation(s) (u undoes).", timeout=2)
        self.after_decision(rids)

    def action_links_queue(self) -> None:
        ws: Workspace = self.app.workspace
        start = self.current_rid()
        suggestions = links.suggest(ws, self.iso3, index=links.index_for(ws))
        if not suggestions:
            self.app.notify(
                "No suggested links: no later-cycle recommendation resembles an earlier one "
                "that is not linked or rejected yet.",
                timeout=4,
            )
            return
        self.app.push_screen(LinksQueueScreen(self.iso3, suggestions, start))


class LinksQueueScreen(Screen[None]):
    """Suggested links one recommendation at a time: accept, reject, or another candidate."""

    CSS_PATH = "triage.tcss"
    HELP_TITLE = "Suggested links"
    HELP = (
        "Each later-cycle recommendation with the earlier ones whose text is alike, best "
        "first. y links the candidate shown as the same recommendation, r as related, n "
        "rejects it (never suggested again, on every copy of the file); tab or down shows "
        "another candidate, up the previous one; right and left step through the "
        "recommendations without deciding; u undoes; q goes back."
    )

    BINDINGS = [
        Binding("y", "accept('same')", "Link: the same recommendation"),
        Binding("r", "accept('related')", "Link: related"),
        Binding("n", "reject", "Reject this candidate"),
        Binding("tab,down,j", "candidate(1)", "Another candidate"),
        Binding("shift+tab,up,k", "candidate(-1)", "Previous candidate"),
        Binding("right", "step(1)", "Next recommendation"),
        Binding("left", "step(-1)", "Previous recommendation"),
        Binding("escape,q", "back", "Back to the list"),
    ]

    def __init__(
        self, iso3: str, suggestions: Sequence[links.Suggestion], start: str | None = None
    ) -> None:
        super().__init__()
        self.iso3 = iso3
        self.groups: list[list[links.Suggestion]] = []
        for s in suggestions:
            if self.groups and self.groups[-1][0].rid == s.rid:
                self.groups[-1].append(s)
            else:
                self.groups.append([s])
        self.position = 0
        self.candidate = 0
        self._ui_thread = threading.get_ident()
        if start is not None:
            for i, group in enumerate(self.groups):
                if group[0].rid == start:
                    self.position = i

    def compose(self) -> ComposeResult:
        yield Static(id="queue-progress", markup=False)
        yield TextPane(id="queue-text", more_hint="")
        yield Static(
            Text(
                "y same · r related · n reject · tab another candidate · → next · ← previous "
                "· u undo · q back"
            ),
            id="queue-keys",
            markup=False,
        )

    def on_mount(self) -> None:
        self.app.workspace.subscribe(self._on_ws_edit)
        self.show()

    def on_unmount(self) -> None:
        self.app.workspace.unsubscribe(self._on_ws_edit)

    def _on_ws_edit(self, table: str, rid: str, fields: tuple[str, ...]) -> None:
        if threading.get_ident() != self._ui_thread:
            self.app.call_from_thread(self._on_ws_edit, table, rid, fields)
            return
        if table == links.TABLE:  # an undo or redo of a verdict: show it
            self.call_later(self.show)

    @property
    def ws(self) -> Workspace:
        return self.app.workspace

    def current(self) -> links.Suggestion | None:
        if not 0 <= self.position < len(self.groups):
            return None
        group = self.groups[self.position]
        return group[min(self.candidate, len(group) - 1)]

    def show(self) -> None:
        s = self.current()
        pane = self.query_one("#queue-text", TextPane)
        progress = self.query_one("#queue-progress", Static)
        if s is None:
            progress.update(Text("No suggestions."))
            pane.set_text(Text(""))
            return
        group = self.groups[self.position]
        index = links.index_for(self.ws)
        done = sum(1 for g in self.groups if any(index.is_judged(x.rid, x.candidate) for x in g))
        progress.update(
            Text(
                f"Links {self.position + 1} of {len(self.groups)} · {done} decided · "
                f"candidate {self.candidate + 1} of {len(group)}",
                no_wrap=True,
                overflow="ellipsis",
            ),
            layout=False,
        )
        recs = self.ws.table(triage.TABLE)
        later, earlier = recs.get(s.rid) or {}, recs.get(s.candidate) or {}
        out = Text()
        out.append(f"Cycle {clean_line(s.cycle)} · {clean_line(s.paragraph)}\n", style="bold")
        out.append(clean_text(str(later.get("text") or "")) + "\n\n")
        link = self.ws.get(links.TABLE, links.link_id(s.rid, s.candidate)) or {}
        verdict = "" if link.get("deleted") else str(link.get("relation") or "")
        head = f"Candidate: cycle {clean_line(s.candidate_cycle)} · "
        head += f"{clean_line(s.candidate_paragraph)} · score {s.score:.2f}"
        if verdict:
            head += f" · {verdict}"
        out.append(head + "\n", style="bold")
        out.append(clean_text(str(earlier.get("text") or "")) + "\n")
        position = triage.POSITION_LABELS.get(str(earlier.get("position")), "")
        status = triage.STATUS_LABELS.get(str(earlier.get("status")), "")
        out.append(f"{position} · {status} · {clean_line(s.reason)}\n")
        pane.set_text(out)

    def _decide(self, relation: str) -> None:
        s = self.current()
        if s is None:
            return
        if self.ws.read_only:
            self.app.notify("This workspace is open read-only.", severity="warning")
            return
        try:
            links.set_link(self.ws, s.rid, s.candidate, relation)
        except ValueError as exc:
            self.app.notify(clean_line(str(exc)), severity="error", markup=False)
            return
        group = self.groups[self.position]
        if relation == links.REJECTED and self.candidate + 1 < len(group):
            self.candidate += 1  # the next candidate of the same recommendation
        elif self.position + 1 < len(self.groups):
            self.position, self.candidate = self.position + 1, 0
        else:
            self.app.notify("Last suggestion: every recommendation in the queue seen.", timeout=3)
        self.show()

    def action_accept(self, relation: str) -> None:
        self._decide(relation)

    def action_reject(self) -> None:
        self._decide(links.REJECTED)

    def action_candidate(self, step: int) -> None:
        if not self.groups:
            return
        size = len(self.groups[self.position])
        self.candidate = (self.candidate + step) % size
        self.show()

    def action_step(self, step: int) -> None:
        if not self.groups:
            return
        self.position = max(0, min(self.position + step, len(self.groups) - 1))
        self.candidate = 0
        self.show()

    def action_back(self) -> None:
        self.dismiss(None)
