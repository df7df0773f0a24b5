"""The decision keys of DESIGN §8, shared by the recommendations list and the queue.

A screen mixes in :class:`DecisionActions`, lists ``DECISION_BINDINGS`` in its ``BINDINGS``
and says which recommendations a decision applies to (``decision_targets``) and what happens
after one (``after_decision``: move on to the next undecided). Every decision goes through
``tui.triage.decide``: one ``ws.edit`` per record inside one undo group.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from textual.binding import Binding

from screens.pickers import MultiPicker, Option, Picker, TextPrompt
from tui import triage
from tui.sanitize import clean_line
from tui.undo import describe

if TYPE_CHECKING:
    from tui.store import UndoStep, Workspace

DECISION_BINDINGS: list[Binding] = [
    Binding("1", "priority('high')", "Priority: high"),
    Binding("2", "priority('medium')", "Priority: medium"),
    Binding("3", "priority('low')", "Priority: low"),
    Binding("0", "priority('none')", "Priority: none"),
    Binding("c", "pick_cluster", "Thematic cluster"),
    Binding("e", "pick_lead", "Lead UN entity"),
    Binding("E", "pick_partners", "Partner UN entities"),
    Binding("o", "pick_outcome", "Cooperation Framework outcome"),
    Binding("s", "pick_status", "Implementation status and evidence"),
    Binding("a", "pick_category", "Action category (1-5)"),
    Binding("p", "pick_position", "Position of the State"),
    Binding("m", "edit_note", "Note"),
    Binding("x", "toggle_triaged", "Mark triaged (again: reopen)"),
    Binding("right_square_bracket", "undecided(1)", "Next undecided"),
    Binding("left_square_bracket", "undecided(-1)", "Previous undecided"),
    Binding("u", "undo_decision", "Undo"),
    Binding("ctrl+r", "redo_decision", "Redo"),
]

DECISION_KEYS_HINT = (
    "1 high · 2 medium · 3 low · 0 none · c cluster · e lead · E partners · o outcome · "
    "s status · a category · p position · m note · x triaged · ] next · [ previous · u undo"
)


class DecisionActions:
    """Decision actions; the host screen provides ``index``, ``iso3`` and the two hooks."""

    index: triage.TriageIndex
    iso3: str
    app: Any

    # -- hooks the screen provides ---------------------------------------------------------
    def decision_targets(self) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def after_decision(self, rids: Sequence[str]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def show_record(self, rid: str) -> None:  # pragma: no cover - abstract
        """Bring a record into view (after undo/redo)."""
        raise NotImplementedError

    def action_undecided(self, step: int) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- helpers ---------------------------------------------------------------------------
    @property
    def ws(self) -> Workspace:
        return self.app.workspace

    def _targets(self) -> list[str] | None:
        if self.ws.read_only:
            self.app.notify(
                "This workspace is open read-only: decisions are not possible.", severity="warning"
            )
            return None
        rids = self.decision_targets()
        return rids or None

    def _apply(self, rids: Sequence[str], values: dict[str, Any]) -> None:
        try:
            triage.decide(self.ws, self.iso3, rids, values)
        except ValueError as exc:
            self.app.notify(clean_line(str(exc)), severity="error", markup=False)
            return
        self.after_decision(rids)

    def _first_record(self, rids: Sequence[str]) -> dict[str, Any]:
        return self.ws.get(triage.TABLE, rids[0]) or {}

    def _title(self, what: str, rids: Sequence[str]) -> str:
        if len(rids) == 1:
            rec = self._first_record(rids)
            para = rec.get("paragraph") or ""
            return f"{what} · {para}" if para else what
        return f"{what} · {len(rids)} marked recommendations"

    def _pick(self, picker: Any, then: Callable[[Any], None]) -> None:
        def done(result: Any) -> None:
            if result is not None:
                then(result)

        self.app.push_screen(picker, done)

    # -- priority and triaged (one key, no picker) ------------------------------------------
    def action_priority(self, level: str) -> None:
        rids = self._targets()
        if rids:
            self._apply(rids, {"priority": level})

    def action_toggle_triaged(self) -> None:
        rids = self._targets()
        if not rids:
            return
        value = triage.toggle_triaged(self.ws, rids)
        if value:
            self.after_decision(rids)
        else:
            self.app.notify(f"Reopened {len(rids)} recommendation(s).", timeout=2, markup=False)
            self.after_reopen(rids)

    def after_reopen(self, rids: Sequence[str]) -> None:
        """Reopening does not move the cursor; screens may clear marks."""

    def tell(self, line: str) -> None:
        """Say one line (what an undo did). Screens with a status line show it there: one
        line repainted costs less over a slow link than a toast shown and taken away."""
        self.app.notify(line, timeout=4, markup=False)

    # -- pickers ------------------------------------------------------------------------------
    def action_pick_cluster(self) -> None:
        rids = self._targets()
        if not rids:
            return
        counts = self.index.cluster_stats()[0]
        options = [Option(c, c, f"{counts.get(c, 0)}") for c in self.index.clusters()]
        current = triage.common_value(self.ws, rids, "cluster") or None
        suggested = None if current else self.index.suggest_cluster(rids[0])
        picker = Picker(
            self._title("Thematic cluster", rids),
            options,
            current=current,
            suggested=suggested,
            allow_new=True,
            new_label="cluster",
            clear_label="(no cluster)",
        )
        self._pick(picker, lambda value: self._apply(rids, {"cluster": value}))

    def action_pick_outcome(self) -> None:
        rids = self._targets()
        if not rids:
            return
        options = [Option(c, c) for c in self.index.outcomes()]
        current = triage.common_value(self.ws, rids, "cf_outcome") or None
        picker = Picker(
            self._title("Cooperation Framework outcome", rids),
            options,
            current=current,
            allow_new=True,
            new_label="outcome",
            clear_label="(no outcome)",
        )
        self._pick(picker, lambda value: self._apply(rids, {"cf_outcome": value}))

    def _entity_options(self) -> list[Option]:
        options = [Option(v, v, name, search) for v, name, search in triage.entity_choices()]
        known = {o.value for o in options}
        options.extend(
            Option(v, v, "(added by the team)")
            for v in self.index.entities_used()
            if v not in known
        )
        return options

    def action_pick_lead(self) -> None:
        rids = self._targets()
        if not rids:
            return
        current = triage.common_value(self.ws, rids, "lead_entity") or None
        picker = Picker(
            self._title("Lead UN entity", rids),
            self._entity_options(),
            current=current,
            allow_new=True,
            new_label="entity",
            clear_label="(no lead entity)",
        )
        self._pick(picker, lambda value: self._apply(rids, {"lead_entity": value}))

    def action_pick_partners(self) -> None:
        rids = self._targets()
        if not rids:
            return
        current = triage.common_value(self.ws, rids, "partners") or []
        picker = MultiPicker(
            self._title("Partner UN entities", rids),
            self._entity_options(),
            checked=current,
            allow_new=True,
            new_label="entity",
            clear_label="(no partners)",
        )
        self._pick(picker, lambda values: self._apply(rids, {"partners": list(values)}))

    def action_pick_status(self) -> None:
        rids = self._targets()
        if not rids:
            return
        options = [Option(v, label) for v, label in triage.status_choices()]
        current = triage.common_value(self.ws, rids, "status")
        picker = Picker(self._title("Implementation status", rids), options, current=current)

        def chosen(status: str) -> None:
            evidence = triage.common_value(self.ws, rids, "evidence") or ""
            prompt = TextPrompt(
                f"Evidence for '{triage.STATUS_LABELS.get(status, status)}'",
                evidence,
                hint="a source, a date, what changed",
            )

            def noted(text: str | None) -> None:
                if text is None:
                    return  # escape in the evidence box cancels the whole step (issue 14.2)
                self._apply(rids, {"status": status, "evidence": text})

            self.app.push_screen(prompt, noted)

        self._pick(picker, chosen)

    def action_pick_category(self) -> None:
        rids = self._targets()
        if not rids:
            return
        options = [Option(v, label) for v, label in triage.action_category_choices()]
        current = triage.common_value(self.ws, rids, "action_category")
        suggestion = triage.suggest_action_category(str(self._first_record(rids).get("text") or ""))
        picker = Picker(
            self._title("Action category", rids),
            options,
            current=str(current) if current else None,
            suggested=str(suggestion) if suggestion else None,
            clear_label="(not set)",
        )

        def chosen(value: str) -> None:
            self._apply(rids, {"action_category": int(value) if value else None})

        self._pick(picker, chosen)

    def action_pick_position(self) -> None:
        rids = self._targets()
        if not rids:
            return
        options = [Option(v, label) for v, label in triage.position_choices()]
        current = triage.common_value(self.ws, rids, "position")
        picker = Picker(self._title("Position of the State", rids), options, current=current)
        self._pick(picker, lambda value: self._apply(rids, {"position": value}))

    def action_edit_note(self) -> None:
        rids = self._targets()
        if not rids:
            return
        current = triage.common_value(self.ws, rids, "note") or ""
        prompt = TextPrompt(self._title("Note", rids), current)
        self._pick(prompt, lambda text: self._apply(rids, {"note": text}))

    # -- undo / redo: the app's, then show the record that changed ---------------------------
    def action_undo_decision(self) -> None:
        self._undo_redo(self.ws.undo, "Undone")

    def action_redo_decision(self) -> None:
        self._undo_redo(self.ws.redo, "Redone")

    def _undo_redo(self, fn: Callable[[], UndoStep | None], verb: str) -> None:
        if self.ws.read_only:
            return
        step = fn()
        # One line says what was undone or redone (or left alone because a merge changed it).
        self.tell(describe(step, self.ws.get, forward=verb == "Redone"))
        if step is None:
            return
        for change in step.changes:
            if change.table == triage.TABLE:
                self.show_record(change.record)
                break
