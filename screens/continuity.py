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
        if not suggestions and start is None:
            self.app.notify("No suggested links, and no recommendation selected.", timeout=3)
            return
        self.app.push_screen(LinksQueueScreen(self.iso3, suggestions, start))


class LinksQueueScreen(Screen[None]):
    """Suggested links one recommendation at a time: accept, reject, or another candidate;
    ``o`` links any other recommendation of the State, ``d`` removes the link shown."""

    CSS_PATH = "triage.tcss"
    HELP_TITLE = "Suggested links"
    HELP = (
        "Each later-cycle recommendation with the earlier ones whose text is alike, best "
        "first. y links the candidate shown as the same recommendation, r as related, n "
        "rejects it (never suggested again, on every copy of the file); tab or down shows "
        "another candidate, up the previous one; o links any other recommendation of the "
        "State (a picker); d removes the link shown; right and left step through the "
        "recommendations without deciding; u undoes; q goes back."
    )

    BINDINGS = [
        Binding("y", "accept('same')", "Link: the same recommendation"),
        Binding("r", "accept('related')", "Link: related"),
        Binding("n", "reject", "Reject this candidate"),
        Binding("tab,down,j", "candidate(1)", "Another candidate"),
        Binding("shift+tab,up,k", "candidate(-1)", "Previous candidate"),
        Binding("o", "link_other", "Link another recommendation…"),
        Binding("d", "unlink", "Remove the link shown"),
        Binding("right", "step(1)", "Next recommendation"),
        Binding("left", "step(-1)", "Previous recommendation"),
        Binding("escape,q", "back", "Back to the list"),
    ]

    def __init__(
        self, iso3: str, suggestions: Sequence[links.Suggestion], start: str | None = None
    ) -> None:
        super().__init__()
        self.iso3 = iso3
        # (later recommendation, its candidates best first); a candidate picked with o is
        # added to its recommendation's list
        self.groups: list[tuple[str, list[tuple[str, float, str]]]] = []
        for s in suggestions:
            item = (s.candidate, s.score, s.reason)
            if self.groups and self.groups[-1][0] == s.rid:
                self.groups[-1][1].append(item)
            else:
                self.groups.append((s.rid, [item]))
        self.position = 0
        self.candidate = 0
        self._ui_thread = threading.get_ident()
        if start is not None:
            found = [i for i, (rid, _c) in enumerate(self.groups) if rid == start]
            if found:
                self.position = found[0]
            else:  # no suggestion for it: o can still link it by hand
                self.groups.insert(0, (start, []))

    def compose(self) -> ComposeResult:
        yield Static(id="queue-progress", markup=False)
        yield TextPane(id="queue-text", more_hint="")
        yield Static(
            Text("y same · r related · n reject · tab next · o pick · d unlink · → ← · q back"),
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

    def current(self) -> tuple[str, tuple[str, float, str] | None] | None:
        """(the later recommendation, the candidate shown or None)."""
        if not 0 <= self.position < len(self.groups):
            return None
        rid, candidates = self.groups[self.position]
        if not candidates:
            return rid, None
        return rid, candidates[min(self.candidate, len(candidates) - 1)]

    def _verdict(self, a: str, b: str) -> str:
        link = self.ws.get(links.TABLE, links.link_id(a, b)) or {}
        return "" if link.get("deleted") else str(link.get("relation") or "")

    def show(self) -> None:
        pane = self.query_one("#queue-text", TextPane)
        progress = self.query_one("#queue-progress", Static)
        here = self.current()
        if here is None:
            progress.update(Text("No suggestions."))
            pane.set_text(Text(""))
            return
        rid, cand = here
        candidates = self.groups[self.position][1]
        index = links.index_for(self.ws)
        done = sum(1 for r, cs in self.groups if any(index.is_judged(r, c[0]) for c in cs))
        progress.update(
            Text(
                f"Links {self.position + 1} of {len(self.groups)} · {done} decided · "
                + (
                    f"candidate {self.candidate + 1} of {len(candidates)}"
                    if candidates
                    else "no candidate"
                ),
                no_wrap=True,
                overflow="ellipsis",
            ),
            layout=False,
        )
        recs = self.ws.table(triage.TABLE)
        later = recs.get(rid) or {}
        out = Text()
        out.append(
            f"{_era_label(later)} · {clean_line(str(later.get('paragraph') or ''))}\n", style="bold"
        )
        out.append(clean_text(str(later.get("text") or "")) + "\n\n")
        if cand is None:
            out.append("No suggested candidate: o links another recommendation.\n")
            pane.set_text(out)
            return
        other, score, reason = cand
        earlier = recs.get(other) or {}
        head = f"Candidate: {_era_label(earlier)} · "
        head += f"{clean_line(str(earlier.get('paragraph') or ''))}"
        head += f" · score {score:.2f}" if score >= 0 else " · picked by hand"
        verdict = self._verdict(rid, other)
        if verdict:
            head += f" · {verdict}"
        out.append(head + "\n", style="bold")
        out.append(clean_text(str(earlier.get("text") or "")) + "\n")
        position = triage.POSITION_LABELS.get(str(earlier.get("position")), "")
        status = triage.STATUS_LABELS.get(str(earlier.get("status")), "")
        out.append(f"{position} · {status}" + (f" · {clean_line(reason)}" if reason else "") + "\n")
        pane.set_text(out)

    def _writable(self) -> bool:
        if self.ws.read_only:
            self.app.notify("This workspace is open read-only.", severity="warning")
            return False
        return True

    def _decide(self, relation: str) -> None:
        here = self.current()
        if here is None or here[1] is None or not self._writable():
            return
        rid, (other, _score, _reason) = here[0], here[1]
        try:
            links.set_link(self.ws, rid, other, relation)
        except ValueError as exc:
            self.app.notify(clean_line(str(exc)), severity="error", markup=False)
            return
        candidates = self.groups[self.position][1]
        if relation == links.REJECTED and self.candidate + 1 < len(candidates):
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

    def action_unlink(self) -> None:
        here = self.current()
        if here is None or here[1] is None or not self._writable():
            return
        if not links.unlink(self.ws, here[0], here[1][0]):
            self.app.notify("No link to remove here.", timeout=2)
        self.show()

    def action_link_other(self) -> None:
        from screens.pickers import Option, Picker

        here = self.current()
        if here is None or not self._writable():
            return
        rid = here[0]
        recs = links.country_records(self.ws, self.iso3)
        own_doc = recs.get(rid, {}).get("document")
        options = [
            Option(
                other,
                f"{_era_label(rec)} · {clean_line(str(rec.get('paragraph') or ''))} · "
                + clean_line(str(rec.get("text") or ""))[:90],
            )
            for other, rec in sorted(recs.items(), key=lambda kv: triage.order_key(kv[1]))
            if other != rid and (not own_doc or rec.get("document") != own_doc)
        ]

        def chosen(other: str | None) -> None:
            if not other:
                return
            candidates = self.groups[self.position][1]
            known = [c[0] for c in candidates]
            if other in known:
                self.candidate = known.index(other)
            else:
                candidates.insert(0, (other, -1.0, ""))
                self.candidate = 0
            self.show()  # y or r links it, as for a suggestion

        self.app.push_screen(Picker("Link to which recommendation?", options), chosen)

    def action_candidate(self, step: int) -> None:
        if not self.groups or not self.groups[self.position][1]:
            return
        size = len(self.groups[self.position][1])
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


def _era_label(rec: Any) -> str:
    """``Cycle 4`` for UPR, ``CRC`` for a treaty body, as the queue heads its texts."""
    if not rec:
        return "?"
    if (rec.get("mechanism") or "UPR") == "UPR":
        cycle = rec.get("cycle")
        return f"Cycle {cycle}" if cycle not in (None, "") else "UPR"
    return clean_line(f"{rec.get('mechanism') or ''} {rec.get('body') or ''}".strip())
