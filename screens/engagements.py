"""A country's engagements besides the UPR: treaty-body reviews, special-procedure visits, other.

Opened with ``e`` on the country overview. ``t`` adds a treaty-body review, ``v`` a
special-procedure visit, ``o`` another engagement; ``enter`` edits, ``d`` deletes (``u`` undoes).
Everything goes through tui/engagements.py (edits of the core); text from the file is inert.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static

from screens.inputs import PlainInput
from screens.rowlist import Column, RowHeader, RowList
from tui import engagements as core
from tui import triage
from tui.sanitize import clean_line

COLUMNS = [
    Column("kind", "Kind", 5),
    Column("name", "Engagement", 0, min_width=20),
    Column("dates", "Dates", 23),
    Column("status", "Status", 16),
]

# Per kind: (field, label, hint); the id fields first (fixed once added).
FORMS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "TB": (
        ("body", "Committee", "CERD, CRC, CEDAW, HRCttee…"),
        ("session", "Session", "the committee's session number"),
        ("start", "Dialogue from", "YYYY-MM-DD"),
        ("end", "Dialogue to", "YYYY-MM-DD"),
        ("report_symbol", "State report", "e.g. CERD/C/VNM/10-14"),
        ("co_symbol", "Concluding obs.", "e.g. CERD/C/VNM/CO/10-14"),
        ("note", "Note", ""),
    ),
    "SP": (
        ("body", "Mandate", "e.g. SR on the right to food"),
        ("year", "Year", "of the visit (empty: from the dates)"),
        ("requested", "Requested", "YYYY-MM-DD"),
        ("accepted", "Accepted", "YYYY-MM-DD"),
        ("start", "Visit from", "YYYY-MM-DD (scheduled or held)"),
        ("end", "Visit to", "YYYY-MM-DD"),
        ("report_date", "Report", "YYYY-MM-DD presented to the Council"),
        ("report_symbol", "Report symbol", "e.g. A/HRC/19/59/Add.3"),
        ("note", "Note", ""),
    ),
    "OTHER": (
        ("title", "Title", "e.g. OHCHR mission"),
        ("year", "Year", "empty: from the dates"),
        ("start", "From", "YYYY-MM-DD"),
        ("end", "To", "YYYY-MM-DD"),
        ("note", "Note", ""),
    ),
}
TITLES = {"TB": "Treaty-body review", "SP": "Special-procedure visit", "OTHER": "Engagement"}


class EngagementsScreen(Screen[None]):
    """The country's engagements, oldest first, each with its status as of today."""

    CSS_PATH = "actions.tcss"
    HELP_TITLE = "Engagements"
    HELP = (
        "Treaty-body reviews (committee, session, the constructive dialogue's dates, the State "
        "report and concluding observations symbols), special-procedure visits (mandate; "
        "requested, accepted, visit and report dates) and other engagements (an OHCHR "
        "mission). t adds a treaty-body review, v a visit, o another; enter edits, d deletes "
        "(u undoes), c opens its checklist, H the RC/UNCT duties. The status follows from the dates and today. The committee and session "
        "(TB), mandate and year (SP) make the id: to change them add a new one."
    )
    BINDINGS = [
        Binding("q,escape", "app.pop_screen", "Back"),
        Binding("t", "add('TB')", "Add a treaty-body review"),
        Binding("v", "add('SP')", "Add a special-procedure visit"),
        Binding("o", "add('OTHER')", "Add another engagement"),
        Binding("enter", "edit", "Edit the engagement"),
        Binding("delete,d", "delete", "Delete the engagement (u undoes)"),
        Binding("c", "checklist", "The engagement's checklist"),
        Binding("H", "duties", "The RC/UNCT human rights duties"),
    ]

    def __init__(self, iso3: str, today: date) -> None:
        super().__init__()
        self.iso3 = iso3
        self.today = today
        self.ids: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static(
            Text(f"Engagements · {triage.state_name(self.iso3)}", style="bold"), markup=False
        )
        header = RowHeader(COLUMNS, id="header")
        yield header
        rows = RowList(
            COLUMNS,
            self.row_cells,
            id="en-rows",
            empty_text="None yet: t treaty-body review, v visit, o other.",
        )
        rows.header = header
        yield rows
        yield Static(id="en-detail", markup=False)
        yield Static(
            "t review · v visit · o other · ⏎ edit · d del · c checklist · H duties · ?",
            id="status",
            markup=False,
        )

    @property
    def ws(self) -> Any:
        return self.app.workspace  # type: ignore[attr-defined]

    @property
    def row_list(self) -> RowList:
        return self.query_one("#en-rows", RowList)

    @property
    def current_id(self) -> str | None:
        current = self.row_list.current
        return current if isinstance(current, str) else None

    def on_mount(self) -> None:
        self.ws.subscribe(self._on_edit)
        self.rebuild()
        self.row_list.focus()

    def on_unmount(self) -> None:
        self.ws.unsubscribe(self._on_edit)

    def _on_edit(self, table: str, rid: str, fields: tuple[str, ...]) -> None:
        if table == core.TABLE and self.is_attached:
            self.app.call_later(self.rebuild)

    def rebuild(self, keep: str | None = None) -> None:
        keep = keep or self.current_id
        self.ids = [str(e["id"]) for e in core.country_engagements(self.ws, self.iso3)]
        self.row_list.set_rows(self.ids, keep=keep if keep in self.ids else None)
        self.update_detail()

    def record(self, eid: str | None) -> dict[str, Any]:
        return (self.ws.get(core.TABLE, eid) if eid else None) or {}

    def row_cells(self, eid: str) -> dict[str, str | Text]:
        record = self.record(eid)
        start, end = (
            clean_line(str(record.get("start") or "")),
            clean_line(str(record.get("end") or "")),
        )
        return {
            "kind": clean_line(str(record.get("mechanism") or "")),
            "name": clean_line(core.label(record)),
            "dates": f"{start} – {end}" if start and end and end != start else start,
            "status": core.status(record, self.today),
        }

    def update_detail(self) -> None:
        record = self.record(self.current_id)
        text = Text(clean_line(core.describe(record, self.today))) if record else Text("")
        note = clean_line(str(record.get("note") or ""))
        if note:
            text.append(f"\nNote: {note}", style="italic")
        self.query_one("#en-detail", Static).update(text)

    @on(RowList.Highlighted, "#en-rows")
    def _highlighted(self) -> None:
        self.update_detail()

    @on(RowList.Selected, "#en-rows")
    def _selected(self) -> None:
        self.action_edit()

    def _writable(self) -> bool:
        if self.ws.read_only:
            self.notify("Read-only: engagements cannot be changed.", severity="warning")
            return False
        return True

    def action_add(self, kind: str) -> None:
        if not self._writable():
            return

        def done(values: dict[str, str] | None) -> None:
            if not values:
                return
            try:
                eid = core.add_engagement(self.ws, self.iso3, kind, **values)
            except ValueError as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            self.rebuild(keep=eid)

        self.app.push_screen(EngagementForm(kind, f"New {TITLES[kind].lower()}", {}), done)

    def action_edit(self) -> None:
        eid = self.current_id
        if eid is None or not self._writable():
            return
        record = self.record(eid)
        kind = str(record.get("mechanism") or "OTHER")
        kind = kind if kind in FORMS else "OTHER"

        def done(values: dict[str, str] | None) -> None:
            if not values:
                return
            try:
                core.update_engagement(self.ws, eid, values)
            except (ValueError, KeyError) as exc:
                self.notify(str(exc), severity="error", markup=False)
            self.rebuild(keep=eid)

        self.app.push_screen(EngagementForm(kind, f"Edit {eid}", record), done)

    def action_checklist(self) -> None:
        eid = self.current_id
        if eid is not None:
            title = f"Checklist · {core.label(self.record(eid))} · {self.iso3}"
            self.app.push_screen(ItemsScreen(self.iso3, self.today, eid, title))

    def action_duties(self) -> None:
        title = f"RC/UNCT human rights duties · {triage.state_name(self.iso3)}"
        self.app.push_screen(ItemsScreen(self.iso3, self.today, core.DUTIES, title))

    def action_delete(self) -> None:
        eid = self.current_id
        if eid is None or not self._writable():
            return
        core.delete_engagement(self.ws, eid)
        self.rebuild()
        self.notify(f"Deleted {clean_line(eid)[:50]} (u undoes)", timeout=3, markup=False)


class EngagementForm(ModalScreen[dict[str, str] | None]):
    """The fields of one engagement. Tab moves; enter saves (values checked); escape cancels."""

    CSS_PATH = "actions.tcss"
    HELP_TITLE = "Engagement"
    HELP = "Dates as YYYY-MM-DD. Tab moves between fields; enter saves; escape cancels."
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, kind: str, title: str, record: dict[str, Any]) -> None:
        super().__init__()
        self.kind = kind
        self.form_title = title
        self.record = record
        self.fields = FORMS[kind]

    def compose(self) -> ComposeResult:
        with Vertical(id="ac-form"):
            yield Static(Text(clean_line(self.form_title), style="bold"), markup=False)
            for name, caption, hint in self.fields:
                value = self.record.get(name)
                shown = "" if value is None else clean_line(str(value))
                with Horizontal(classes="field"):
                    yield Static(Text(caption), classes="label", markup=False)
                    yield PlainInput(shown, id=f"f-{name}", placeholder=hint)
            yield Static("", id="ac-form-error", markup=False)
            yield Static(
                "enter save · tab next field · escape cancel", classes="hint", markup=False
            )

    def on_mount(self) -> None:
        self.query_one(f"#f-{self.fields[0][0]}", Input).focus()

    @on(Input.Submitted)
    def submit(self) -> None:
        values = {name: self.query_one(f"#f-{name}", Input).value for name, _, _ in self.fields}
        try:
            clean = core.normalise_values(values)
            if not self.record:
                core.engagement_id(self.kind, "XXX", clean)
        except ValueError as exc:
            self.query_one("#ac-form-error", Static).update(Text(str(exc), style="bold red"))
            field = str(exc).split(":", 1)[0]
            if any(field == name for name, _, _ in self.fields):
                self.query_one(f"#f-{field}", Input).focus()
            return
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)


ITEM_COLUMNS = [
    Column("due", "Due", 10),
    Column("text", "Item", 0, min_width=20),
    Column("owner", "Owner", 10),
    Column("status", "Status", 11),
]
ITEM_FORM: tuple[tuple[str, str, str], ...] = (
    ("owner", "Owner", "who carries it"),
    ("due", "Due / review", "YYYY-MM-DD"),
    ("note", "Note", ""),
)


class ItemsScreen(Screen[None]):
    """An engagement's checklist, or a country's standing RC/UNCT duties (issue 18 points 2, 3).

    ``key``: the engagement's id, or ``duties``. Opening it creates the template's items not in
    the workspace yet (one undo step)."""

    CSS_PATH = "actions.tcss"
    HELP_TITLE = "Engagement checklist / duties"
    HELP = (
        "Items from the templates in data/checklists/ (each names the passage of the source "
        "document it comes from, shown below the list). d done, i in progress, o to do, "
        "n not applicable, e owner, due or review date and note; u undoes."
    )
    BINDINGS = [
        Binding("q,escape", "app.pop_screen", "Back"),
        Binding("d", "mark('done')", "Done"),
        Binding("i", "mark('in_progress')", "In progress"),
        Binding("o", "mark('todo')", "To do"),
        Binding("n", "mark('not_applicable')", "Not applicable"),
        Binding("e,enter", "edit", "Owner, due or review date, note"),
    ]

    def __init__(self, iso3: str, today: date, key: str, title: str) -> None:
        super().__init__()
        self.iso3 = iso3
        self.today = today
        self.key = key
        self.title_text = title

    def compose(self) -> ComposeResult:
        yield Static(Text(clean_line(self.title_text), style="bold"), markup=False)
        header = RowHeader(ITEM_COLUMNS, id="header")
        yield header
        rows = RowList(ITEM_COLUMNS, self.row_cells, id="it-rows", empty_text="No items.")
        rows.header = header
        yield rows
        yield Static(id="it-detail", markup=False)
        yield Static(
            "d done · i in progress · o to do · n n/a · e edit · u undo · ? help",
            id="status",
            markup=False,
        )

    @property
    def ws(self) -> Any:
        return self.app.workspace  # type: ignore[attr-defined]

    @property
    def row_list(self) -> RowList:
        return self.query_one("#it-rows", RowList)

    def on_mount(self) -> None:
        if not self.ws.read_only:
            if self.key == core.DUTIES:
                core.start_duties(self.ws, self.iso3)
            elif self.ws.get(core.TABLE, self.key) is not None:
                core.start_engagement_checklist(self.ws, self.key)
        self.ws.subscribe(self._on_edit)
        self.rebuild()
        self.row_list.focus()

    def on_unmount(self) -> None:
        self.ws.unsubscribe(self._on_edit)

    def _on_edit(self, table: str, rid: str, fields: tuple[str, ...]) -> None:
        if table == "checklist" and self.is_attached:
            self.app.call_later(self.rebuild)

    def rebuild(self) -> None:
        ids = [str(e["id"]) for e in core.checklist_of(self.ws, self.iso3, self.key)]
        current = self.row_list.current
        self.row_list.set_rows(ids, keep=current if current in ids else None)
        self.update_detail()

    def row_cells(self, rid: str) -> dict[str, str | Text]:
        entry = self.ws.get("checklist", rid) or {}
        due = str(entry.get("due") or "")
        late = bool(due) and due < self.today.isoformat() and entry.get("status") == "todo"
        return {
            "due": Text(due, style="bold red" if late else ""),
            "text": clean_line(str(entry.get("text") or "")),
            "owner": clean_line(str(entry.get("owner") or "")),
            "status": str(entry.get("status") or "").replace("_", " "),
        }

    def update_detail(self) -> None:
        from tui.checklist import find_item

        rid = self.row_list.current
        entry = (self.ws.get("checklist", rid) if isinstance(rid, str) else None) or {}
        found = find_item(str(entry.get("item") or ""))
        text = Text()
        if found is not None:
            text.append(clean_line(found[1].source), style="dim")
        note = clean_line(str(entry.get("note") or ""))
        if note:
            text.append(f"\nNote: {note}", style="italic")
        self.query_one("#it-detail", Static).update(text)

    @on(RowList.Highlighted, "#it-rows")
    def _highlighted(self) -> None:
        self.update_detail()

    def _current(self) -> str | None:
        rid = self.row_list.current
        if not isinstance(rid, str) or self.ws.read_only:
            return None
        return rid

    def action_mark(self, status: str) -> None:
        rid = self._current()
        if rid is not None:
            with self.ws.undo_group("checklist status"):
                self.ws.edit("checklist", rid, {"status": status})
            self.rebuild()

    def action_edit(self) -> None:
        rid = self._current()
        if rid is None:
            return
        entry = self.ws.get("checklist", rid) or {}

        def done(values: dict[str, str] | None) -> None:
            if not values:
                return
            clean = {k: clean_line(v).strip() for k, v in values.items()}
            try:
                if clean["due"]:
                    clean["due"] = date.fromisoformat(clean["due"]).isoformat()
            except ValueError:
                self.notify("Due: not a date YYYY-MM-DD", severity="error", markup=False)
                return
            with self.ws.undo_group("edit checklist item"):
                self.ws.edit("checklist", rid, clean)
            self.rebuild()

        self.app.push_screen(ItemForm(entry), done)


class ItemForm(EngagementForm):
    """Owner, due (or review) date and note of one item."""

    HELP_TITLE = "Checklist item"

    def __init__(self, record: dict[str, Any]) -> None:
        super().__init__("OTHER", "Owner, date, note", record)
        self.fields = ITEM_FORM

    @on(Input.Submitted)
    def submit(self) -> None:
        self.dismiss(
            {name: self.query_one(f"#f-{name}", Input).value for name, _, _ in self.fields}
        )
