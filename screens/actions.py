"""The implementation plan of one country: actions answering its recommendations.

Keys like the triage screen's: one key per decision (``s`` status, ``e`` entity, ``m`` note,
``l`` linked recommendations), ``enter`` edits every field in a small form, ``a`` adds an
action. The list is a ``RowList``; an edit repaints its row, the summary line and the detail
pane, nothing else. All text from the file is shown as inert ``Text``.
"""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from screens.exporting import choose_export
from screens.inputs import PlainInput
from screens.pickers import MultiPicker, Option, Picker, TextPrompt
from screens.rowlist import Column, RowHeader, RowList
from tui import actions as core
from tui import labels, refdata, triage
from tui.exports.matrix import select_recommendations
from tui.ids import natural_key
from tui.labels import STATUS_LABELS, label
from tui.sanitize import clean_line

COLUMNS = [
    Column("deadline", "Deadline", 10),
    Column("title", "Action", 0, min_width=20),
    Column("paragraphs", "Paragraphs", 14, show_from=64),
    Column("entity", "Entity", 9, show_from=76),
    Column("status", "Status", 12),
    Column("cost", "Cost", 11, show_from=96, justify="right"),
]
STATUS_SHORT = labels.STATUS_SHORT

# Form fields: (field, label, hint); a hint fits the field at 80 columns (42 cells)
FORM_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("title", "Action", "what will be done"),
    ("entity", "Responsible entity", "UN entity or partner (→ completes a name)"),
    ("baseline", "Baseline", "where things stand now"),
    ("indicator", "Indicator", "how progress is measured"),
    ("target", "Target", "the value aimed for"),
    ("cost", "Cost estimate", "12000, 12,000, 250k, 1.5m; empty: unknown"),
    ("deadline", "Deadline", "YYYY-MM-DD"),
    ("cluster", "Cluster", "empty: that of its recommendations"),
    ("note", "Note", ""),
)


class ActionsScreen(Screen[None]):
    """The implementation plan of one country."""

    CSS_PATH = "actions.tcss"
    HELP_TITLE = "Implementation plan"
    HELP = (
        "Actions the UN country team plans in answer to the country's UPR recommendations: each "
        "with a responsible entity, baseline, indicator, target, cost estimate, deadline and "
        "status, linked to one or more recommendations (l). Costs add up by cluster: the "
        "action's own cluster, else the most common cluster of its recommendations. Late "
        "actions (past their deadline, not implemented) are marked. x exports the plan to a "
        "file in the current folder; u undoes any change."
    )

    BINDINGS = [
        Binding("q,escape", "app.pop_screen", "Back"),
        Binding("a", "add", "Add an action"),
        Binding("enter", "edit", "Edit every field"),
        Binding("l", "link", "Link recommendations"),
        Binding("s", "status", "Implementation status"),
        Binding("e", "entity", "Responsible entity"),
        Binding("m", "note", "Note"),
        Binding("delete,d", "delete", "Delete the action (u undoes)"),
        Binding("x", "export", "Export the plan"),
    ]

    def __init__(self, iso3: str, today: date) -> None:
        super().__init__()
        self.iso3 = iso3
        self.today = today
        self.ids: list[str] = []
        self._ui_thread = threading.get_ident()
        self._pending: set[str] = set()
        self._rebuild = False
        self._scheduled = False
        self.country_name = triage.state_name(iso3)

    # -- layout -----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(
            Text(f"Implementation plan · {self.country_name}", style="bold"),
            id="ac-title",
            markup=False,
        )
        yield Static(id="ac-summary", markup=False)
        header = RowHeader(COLUMNS, id="header")
        yield header
        rows = RowList(
            COLUMNS, self.row_cells, id="ac-rows", empty_text="No actions yet: a adds one."
        )
        rows.header = header
        yield rows
        yield Static(id="ac-detail", markup=False)
        yield Static(
            "a add · ⏎ edit · l link · s status · e entity · m note · d del · ? help",
            id="status",
            markup=False,
        )

    @property
    def ws(self) -> Any:
        return self.app.workspace  # type: ignore[attr-defined]

    @property
    def row_list(self) -> RowList:
        return self.query_one("#ac-rows", RowList)

    def on_mount(self) -> None:
        self.ws.subscribe(self._on_edit)
        self.rebuild()
        self.row_list.focus()

    def on_unmount(self) -> None:
        self.ws.unsubscribe(self._on_edit)

    # -- data -------------------------------------------------------------------------
    def action_record(self, aid: str | None) -> dict[str, Any]:
        return (self.ws.get("actions", aid) if aid else None) or {}

    @property
    def current_id(self) -> str | None:
        current = self.row_list.current
        return current if isinstance(current, str) else None

    def rebuild(self, keep: str | None = None) -> None:
        keep = keep or self.current_id
        self.ids = [str(a["id"]) for a in core.country_actions(self.ws, self.iso3)]
        self.row_list.set_rows(self.ids, keep=keep if keep in self.ids else None)
        self.update_summary()
        self.update_detail()

    def _on_edit(self, table: str, rid: str, fields: tuple[str, ...]) -> None:
        if table not in ("actions", "recommendations"):
            return
        if threading.get_ident() != self._ui_thread:
            self.app.call_from_thread(self._note_edit, table, rid, fields)
        else:
            self._note_edit(table, rid, fields)

    def _note_edit(self, table: str, rid: str, fields: tuple[str, ...]) -> None:
        if table == "recommendations":
            if "cluster" in fields or "paragraph" in fields:
                self._rebuild = True  # paragraphs and cost clusters shown here may change
        else:
            record = self.action_record(rid)
            if record.get("country") != self.iso3:
                return
            if rid not in self.ids or {"*", "deleted", "deadline", "title"} & set(fields):
                self._rebuild = True
            self._pending.add(rid)
        if not self._scheduled:
            self._scheduled = True
            self.call_later(self._flush)

    def _flush(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, set()
        if self._rebuild:
            self._rebuild = False
            self.rebuild()
            return
        for rid in pending:
            if rid in self.ids:
                self.row_list.refresh_row(self.ids.index(rid))
        self.update_summary()
        if self.current_id in pending:
            self.update_detail()

    # -- rendering --------------------------------------------------------------------
    def row_cells(self, aid: str) -> dict[str, str | Text]:
        record = self.action_record(aid)
        recs = self.ws.table("recommendations")
        late = core.is_overdue(record, self.today)
        deadline = Text(str(record.get("deadline") or ""), style="bold red" if late else "")
        status = str(record.get("status") or "")
        return {
            "deadline": deadline,
            "title": clean_line(str(record.get("title") or "")),
            "paragraphs": ", ".join(core.linked_paragraphs(record, recs)),
            "entity": clean_line(str(record.get("entity") or "")),
            "status": STATUS_SHORT.get(status, clean_line(status)),
            "cost": core.format_cost(core.cost_of(record)),
        }

    def update_summary(self) -> None:
        live = [self.action_record(a) for a in self.ids]
        recs = self.ws.table("recommendations")
        totals = core.cost_by_cluster(live, recs)
        total = sum((t.total for t in totals), Decimal(0))
        late = sum(1 for a in live if core.is_overdue(a, self.today))
        done = sum(1 for a in live if a.get("status") == "implemented")
        text = Text(
            f"{len(live)} action{'s' if len(live) != 1 else ''} · {done} implemented · "
            f"estimated cost {core.format_cost(total) or '0'}"
        )
        if late:
            text.append(f" · {late} late", style="bold red")
        if totals and any(t.cluster for t in totals):
            shown = [
                f"{t.cluster or 'no cluster'} {core.format_cost(t.total) or '0'}"
                for t in totals[:4]
            ]
            text.append("\nBy cluster: " + " · ".join(clean_line(s) for s in shown), style="dim")
        self.query_one("#ac-summary", Static).update(text)

    def update_detail(self) -> None:
        self.query_one("#ac-detail", Static).update(self.detail_text())

    def detail_text(self) -> Text:
        record = self.action_record(self.current_id)
        if not record:
            return Text("")
        recs = self.ws.table("recommendations")
        text = Text(clean_line(str(record.get("title") or "")), style="bold")
        text.append(
            f"\nStatus: {label(STATUS_LABELS, record.get('status'))}"
            f" · Entity: {clean_line(str(record.get('entity') or '')) or '—'}"
            f" · Deadline: {record.get('deadline') or '—'}"
            f" · Cost: {core.format_cost(core.cost_of(record)) or '—'}"
            f" · Cluster: {clean_line(core.action_cluster(record, recs)) or '—'}"
        )
        for name in ("baseline", "indicator", "target"):
            value = clean_line(str(record.get(name) or ""))
            if value:
                text.append(f"\n{name.capitalize()}: {value}")
        links = core.linked_ids(record)
        if links:
            text.append(f"\nAnswers {len(links)} recommendation{'s' if len(links) != 1 else ''}:")
            for rid in sorted(links, key=lambda r: natural_key(core.paragraph_of(r, recs)))[:3]:
                rec = recs.get(rid) or {}
                text.append(
                    f"\n  {core.paragraph_of(rid, recs)} "
                    f"{clean_line(str(rec.get('text') or '(not in this workspace)'))}"
                )
            if len(links) > 3:
                text.append(f"\n  … and {len(links) - 3} more", style="dim")
        else:
            text.append("\nNot linked to a recommendation yet: l links some.", style="dim")
        note = clean_line(str(record.get("note") or ""))
        if note:
            text.append(f"\nNote: {note}", style="italic")
        return text

    @on(RowList.Highlighted, "#ac-rows")
    def _highlighted(self) -> None:
        self.update_detail()

    @on(RowList.Selected, "#ac-rows")
    def _selected(self) -> None:
        self.action_edit()

    # -- actions ----------------------------------------------------------------------
    def can_edit(self, need_action: bool = True) -> bool:
        if self.ws.read_only:
            self.notify("Read-only: the plan cannot be changed.", severity="warning")
            return False
        if need_action and self.current_id is None:
            self.notify("No action here: a adds one.", timeout=2)
            return False
        return True

    def _apply(self, aid: str, values: dict[str, Any]) -> bool:
        try:
            return core.update_action(self.ws, aid, values)
        except (ValueError, KeyError) as exc:
            self.notify(str(exc), severity="error", markup=False)
            return False

    def action_add(self) -> None:
        if not self.can_edit(need_action=False):
            return

        def done(values: dict[str, str] | None) -> None:
            if not values:
                return
            try:
                aid = core.add_action(self.ws, self.iso3, values.pop("title", ""), **values)
            except ValueError as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            self.rebuild(keep=aid)
            self.notify("Action added: l links it to recommendations.", timeout=3)

        self.app.push_screen(ActionForm("New action", {}), done)

    def action_edit(self) -> None:
        if not self.can_edit():
            return
        aid = self.current_id
        assert aid is not None
        record = self.action_record(aid)

        def done(values: dict[str, str] | None) -> None:
            if values:
                self._apply(aid, values)

        self.app.push_screen(ActionForm("Edit action", record), done)

    def action_link(self) -> None:
        if not self.can_edit():
            return
        aid = self.current_id
        assert aid is not None
        record = self.action_record(aid)
        options = [
            Option(
                str(r["id"]),
                str(r.get("paragraph") or r["id"]),
                clean_line(str(r.get("text") or ""))[:200],
                " ".join(str(x) for x in (r.get("cluster"), r.get("document")) if x),
            )
            for r in select_recommendations(self.ws, self.iso3)
        ]
        if not options and not core.linked_ids(record):
            self.notify("No recommendations for this country yet (upr import REPORT).", timeout=3)
            return

        def done(chosen: list[str] | None) -> None:
            if chosen is not None:
                self._apply(aid, {"recommendations": chosen})

        self.app.push_screen(
            MultiPicker(
                "Recommendations this action answers",
                options,
                checked=core.linked_ids(record),
                clear_label="(none: unlink all)",
                hint="type a paragraph or words",
            ),
            done,
        )

    def action_status(self) -> None:
        if not self.can_edit():
            return
        aid = self.current_id
        assert aid is not None
        options = [Option(v, text) for v, text in triage.status_choices()]

        def done(value: str | None) -> None:
            if value:
                self._apply(aid, {"status": value})

        self.app.push_screen(
            Picker("Implementation status", options, current=self.action_record(aid).get("status")),
            done,
        )

    def action_entity(self) -> None:
        if not self.can_edit():
            return
        aid = self.current_id
        assert aid is not None
        options = [Option(v, v, name, search) for v, name, search in triage.entity_choices()]

        def done(value: str | None) -> None:
            if value is not None:
                self._apply(aid, {"entity": value})

        self.app.push_screen(
            Picker(
                "Responsible entity",
                options,
                allow_new=True,
                new_label="entity",
                clear_label="(none)",
                current=self.action_record(aid).get("entity"),
            ),
            done,
        )

    def action_note(self) -> None:
        if not self.can_edit():
            return
        aid = self.current_id
        assert aid is not None

        def done(value: str | None) -> None:
            if value is not None:
                self._apply(aid, {"note": value})

        self.app.push_screen(
            TextPrompt("Note", str(self.action_record(aid).get("note") or "")), done
        )

    def action_delete(self) -> None:
        if not self.can_edit():
            return
        aid = self.current_id
        assert aid is not None
        title = clean_line(str(self.action_record(aid).get("title") or ""))
        if self._apply(aid, {"deleted": True}):
            self.notify(f"Deleted: {title[:40]} (u undoes)", timeout=3, markup=False)

    def action_export(self) -> None:
        choose_export(self, self.iso3, self.today, kinds=("plan",))


class ActionForm(ModalScreen[dict[str, str] | None]):
    """Every field of an action. Tab moves; enter saves (values checked); escape cancels."""

    CSS_PATH = "actions.tcss"
    HELP_TITLE = "Action"
    HELP = (
        "Title, responsible entity, baseline, indicator, target, cost estimate, deadline, "
        "cluster and note of one action. Cost: a plain amount (12000, 12,000, 250k, 1.5m). "
        "Deadline: YYYY-MM-DD. Tab moves between fields; enter saves; escape cancels."
    )
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, record: dict[str, Any]) -> None:
        super().__init__()
        self.form_title = title
        self.record = record

    def value_of(self, name: str) -> str:
        value = self.record.get(name)
        if name == "cost":
            return core.format_cost(core.cost_of(self.record))
        return clean_line(str(value)) if isinstance(value, str) else ""

    def compose(self) -> ComposeResult:
        entities = [e.short for e in refdata.entities()]
        with Vertical(id="ac-form"):
            yield Static(Text(self.form_title, style="bold"), markup=False)
            for name, caption, hint in FORM_FIELDS:
                with Horizontal(classes="field"):
                    yield Static(Text(caption), classes="label", markup=False)
                    suggester = (
                        SuggestFromList(entities, case_sensitive=False)
                        if name == "entity"
                        else None
                    )
                    yield PlainInput(
                        self.value_of(name), id=f"f-{name}", placeholder=hint, suggester=suggester
                    )
            yield Static("", id="ac-form-error", markup=False)
            yield Static(
                "enter save · tab next field · escape cancel", classes="hint", markup=False
            )

    def on_mount(self) -> None:
        self.query_one("#f-title", Input).focus()

    @on(Input.Submitted)
    def submit(self) -> None:
        values = {name: self.query_one(f"#f-{name}", Input).value for name, _, _ in FORM_FIELDS}
        entity = clean_line(values["entity"])
        values["entity"] = (refdata.resolve_entity(entity) or entity) if entity else ""
        try:
            clean = core.normalise_values(values)
            if not clean["title"]:
                raise ValueError("title: an action needs a title")
        except ValueError as exc:
            field = str(exc).split(":", 1)[0]
            self.query_one("#ac-form-error", Static).update(Text(str(exc), style="bold red"))
            if any(field == name for name, _, _ in FORM_FIELDS):
                self.query_one(f"#f-{field}", Input).focus()
            return
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)
