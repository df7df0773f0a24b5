"""A country's phase checklist for one UPR cycle: items by phase, progress, due dates, keys of §8.

Reads and changes records only through ``tui.exports.checklist`` and ``ws.edit``; repaints only
the rows an edit touched (the item, its phase's header, the overall bar, the detail pane).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from rich.segment import Segment
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.strip import Strip
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Input, Static

from screens.inputs import PlainInput
from screens.rowlist import Column, RowList
from tui import council, refdata
from tui.checklist import DEFAULT_TEMPLATES, PHASE_LABELS, PHASES, due_state, progress, templates
from tui.exports import checklist as core
from tui.exports.safe import atomic_write, state_name
from tui.sanitize import clean_line

FLAG_STYLES = {"overdue": "bold red", "due_soon": "yellow"}
FLAG_WORDS = {"overdue": "late", "due_soon": "soon"}
STATUS_KEYS = {
    "done": "done",
    "in_progress": "in progress",
    "todo": "to do",
    "not_applicable": "not applicable",
}


@dataclass(frozen=True)
class PhaseRow:
    """A phase's header line in the list (not an item; the cursor skips it)."""

    phase: str


@dataclass(frozen=True)
class ItemRow:
    """One checklist entry, by record id (the record itself is read live from the workspace)."""

    rid: str


Row = PhaseRow | ItemRow

COLUMNS = [
    Column("mark", "", 4),
    Column("text", "Item", 0, min_width=20),
    Column("owner", "Owner", 12, show_from=96),
    Column("due", "Due", 10),
    Column("flag", "", 4),
]


class ChecklistRows(RowList):
    """RowList whose phase headers span the line and are skipped by the cursor."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.render_header = lambda row: Text(str(row))

    def set_cursor(self, index: int, *, force: bool = False) -> None:
        rows = self.rows
        if rows:
            index = max(0, min(index, len(rows) - 1))
            step = -1 if index < self.cursor else 1
            for direction in (step, -step):
                j = index
                while 0 <= j < len(rows) and isinstance(rows[j], PhaseRow):
                    j += direction
                if 0 <= j < len(rows):
                    index = j
                    break
        super().set_cursor(index, force=force)
        # Keep the phase header above the first item of a phase in view.
        if (
            rows
            and index > 0
            and isinstance(rows[index - 1], PhaseRow)
            and index - 1 < self.scroll_offset.y
        ):
            self.scroll_to(y=index - 1, animate=False, immediate=True)

    def _render_row(self, index: int, width: int, is_cursor: bool) -> Strip:
        row = self.rows[index]
        if not isinstance(row, PhaseRow):
            return super()._render_row(index, width, is_cursor)
        line = self.render_header(row)
        line.truncate(width, overflow="ellipsis", pad=True)
        segments = list(line.render(self.app.console))
        return Strip(Segment.apply_style(segments, self.rich_style), width).simplify()


class ChecklistScreen(Screen[None]):
    """The UNCT checklist of one country and cycle."""

    CSS_PATH = "checklist.tcss"
    HELP_TITLE = "Checklist"
    HELP = (
        "The UN country team's checklist for one country and one UPR cycle, grouped by phase. "
        "Due dates follow the rule of each item and the dates of the country's Working Group "
        "session (the adoption statement: the first day of the Council session that adopts "
        "the outcome, named by the WG report once imported); when those dates are projected "
        "or inferred the header says so. Items due "
        "within 14 days are marked 'soon', items past their date 'late'. The first time a "
        "cycle is opened its items are created from the country's templates (t chooses them); "
        "it opens on the country's live cycle: the next review's from 365 days before it "
        "starts, else the last review's follow-up. space marks items: d i o n then change "
        "every marked item at once (one undo step). u undoes any change."
    )

    BINDINGS = [
        Binding("q,escape", "app.pop_screen", "Back"),
        Binding("d", "status('done')", "Done"),
        Binding("i", "status('in_progress')", "In progress"),
        Binding("o", "status('todo')", "To do"),
        Binding("n", "status('not_applicable')", "Not applicable"),
        Binding("space", "toggle_mark", "Mark for a group change"),
        Binding("e", "edit", "Edit owner, due date, note"),
        Binding("a", "add", "Add an item"),
        Binding("less_than_sign", "cycle(-1)", "Previous cycle"),
        Binding("greater_than_sign", "cycle(1)", "Next cycle"),
        Binding("s", "start", "Start this cycle's checklist"),
        Binding("t", "templates", "Choose templates"),
        Binding("x", "export", "Export to Markdown"),
    ]

    def __init__(
        self, iso3: str, today: date, cycle: int | None = None, item: str | None = None
    ) -> None:
        super().__init__()
        self.iso3 = iso3
        self.today = today
        self.cycle = cycle
        self.focus_item = item
        self.marks: set[str] = set()  # ids of items a status key changes together
        self.review: refdata.Review | None = None
        self._adoption: tuple[int | None, date | None] | None = None  # (cycle, first day)
        self.rows: list[Row] = []
        self.index: dict[str, int] = {}
        self.header_index: dict[str, int] = {}
        self._dirty: set[str] = set()
        self._rebuild_needed = False
        self._flush_scheduled = False
        self._keep_after_rebuild: str | None = None
        self._ui_thread = threading.get_ident()

    # -- layout -----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="cl-title", markup=False)
        yield Static(id="cl-review", markup=False)
        yield Static(id="cl-today", markup=False)
        yield Static(id="cl-overall", markup=False)
        rows = ChecklistRows(COLUMNS, self.row_cells, empty_text="", id="cl-rows")
        rows.render_header = self.header_text
        rows.is_marked = lambda row: isinstance(row, ItemRow) and row.rid in self.marks
        yield rows
        yield Static(id="cl-detail", markup=False)
        yield Static(
            "d done i doing o to do n n/a · space mark · e edit · a add · < > cycle · x export · ? help",
            id="status",
            markup=False,
        )

    @property
    def ws(self) -> Any:
        return self.app.workspace  # type: ignore[attr-defined]

    @property
    def row_list(self) -> ChecklistRows:
        return self.query_one("#cl-rows", ChecklistRows)

    def on_mount(self) -> None:
        live = core.live_cycle(self.iso3, self.today, self.ws.table("checklist"))
        if self.cycle is None:
            self.cycle = live
        if (
            self.cycle == live
            and self.cycle is not None
            and not self.ws.read_only
            and not core.cycle_entries(self.ws.table("checklist"), self.iso3, self.cycle)
        ):
            core.start_checklist(self.ws, self.iso3, self.cycle)
        self.ws.subscribe(self._on_edit)
        self.rebuild(keep=self.focus_item)
        self.row_list.focus()

    def on_unmount(self) -> None:
        self.ws.unsubscribe(self._on_edit)

    # -- data -------------------------------------------------------------------------
    def entry(self, rid: str) -> dict[str, Any]:
        return self.ws.get("checklist", rid) or {}

    def adoption(self) -> date | None:
        """First day of the Council session adopting this cycle's outcome, for the due rules
        (the WG report's symbol from the overview's counts, else one walk per cycle shown)."""
        if self._adoption is None or self._adoption[0] != self.cycle:
            known = getattr(self.app, "known_summary", None)
            summary = known(self.iso3) if known is not None else None
            if self.cycle is None:
                day = None
            elif summary is not None and self.review is not None:
                # The overview counted the WG reports already: no second walk (~70 ms at 100k).
                report = summary.wg_reports.get(self.cycle, "")
                day = council.adoption(self.review, report).session.start
            else:
                day = council.adoption_day(self.ws, self.iso3, self.cycle)
            self._adoption = (self.cycle, day)
        return self._adoption[1]

    def rule_due(self, entry: dict[str, Any]) -> str:
        return core.rule_due(entry, self.review, self.adoption())

    def current_rid(self) -> str | None:
        row = self.row_list.current
        return row.rid if isinstance(row, ItemRow) else None

    def rebuild(self, keep: str | None = None) -> None:
        """Rows for the current cycle; the cursor stays on ``keep`` (or the current item)."""
        keep = keep or self.current_rid()
        self.review = core.review_for(self.iso3, self.cycle) if self.cycle is not None else None
        entries = (
            core.cycle_entries(self.ws.table("checklist"), self.iso3, self.cycle)
            if self.cycle is not None
            else []
        )
        rows: list[Row] = []
        self.index, self.header_index = {}, {}
        phases = [*PHASES, *sorted({str(e.get("phase")) for e in entries} - set(PHASES))]
        for phase in phases:
            items = [e for e in entries if e.get("phase") == phase]
            if not items:
                continue
            self.header_index[phase] = len(rows)
            rows.append(PhaseRow(phase))
            for entry in items:
                self.index[str(entry["id"])] = len(rows)
                rows.append(ItemRow(str(entry["id"])))
        self.rows = rows
        self.marks &= set(self.index)  # marks of another cycle, or of items set aside, go
        row_list = self.row_list
        row_list.empty_text = self.empty_text()
        target = ItemRow(keep) if keep and keep in self.index else None
        row_list.set_rows(rows, keep=target)
        if target is None and rows:
            row_list.set_cursor(1, force=True)
        self.update_head()
        self.update_detail()

    def empty_text(self) -> str:
        if self.cycle is None:
            return "No UPR review is known for this State."
        if self.ws.read_only:
            return f"No checklist for cycle {self.cycle} in this workspace (open read-only)."
        return f"No checklist for cycle {self.cycle} yet: s starts it from the templates (t chooses them)."

    # -- edits from anywhere (this screen, undo, another screen) ----------------------------
    def _on_edit(self, table: str, rid: str, fields: tuple[str, ...]) -> None:
        if table != "checklist":
            return
        if threading.get_ident() != self._ui_thread:
            self.app.call_from_thread(self._note_edit, rid, fields)
        else:
            self._note_edit(rid, fields)

    def _note_edit(self, rid: str, fields: tuple[str, ...]) -> None:
        if self.cycle is None or not rid.startswith(f"{self.iso3}:{self.cycle}:"):
            return
        if rid not in self.index or "*" in fields or "deleted" in fields or "phase" in fields:
            self._rebuild_needed = True
        else:
            self._dirty.add(rid)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.call_later(self._flush)

    def _flush(self) -> None:
        """Apply edits noted since the last flush: one rebuild, or just the touched rows."""
        self._flush_scheduled = False
        dirty, self._dirty = self._dirty, set()
        if self._rebuild_needed:
            self._rebuild_needed = False
            keep, self._keep_after_rebuild = self._keep_after_rebuild, None
            self.rebuild(keep=keep)
            return
        row_list = self.row_list
        phases: set[str] = set()
        for rid in dirty:
            if rid in self.index:
                row_list.refresh_row(self.index[rid])
                phases.add(str(self.entry(rid).get("phase")))
        for phase in phases:
            if phase in self.header_index:
                row_list.refresh_row(self.header_index[phase])
        self.update_overall()
        if self.current_rid() in dirty:
            self.update_detail()

    # -- rendering --------------------------------------------------------------------
    def row_cells(self, row: Row) -> dict[str, str | Text]:
        if not isinstance(row, ItemRow):
            return {}
        entry = self.entry(row.rid)
        state = due_state(entry, self.today, core.SOON_DAYS)
        status = str(entry.get("status", "todo"))
        text = Text(clean_line(str(entry.get("text", ""))))
        if status in ("done", "not_applicable"):
            text.stylize("dim")
        if entry.get("custom"):
            text.append(" +", style="dim")
        due = Text(str(entry.get("due") or "—"), style=FLAG_STYLES.get(state, ""))
        return {
            "mark": ("●" if row.rid in self.marks else "") + core.STATUS_MARKS.get(status, "[?]"),
            "text": text,
            "owner": clean_line(str(entry.get("owner") or "")),
            "due": due,
            "flag": Text(FLAG_WORDS.get(state, ""), style=FLAG_STYLES.get(state, "")),
        }

    def phase_entries(self, phase: str) -> list[dict[str, Any]]:
        start = self.header_index.get(phase)
        if start is None:
            return []
        out = []
        for row in self.rows[start + 1 :]:
            if isinstance(row, PhaseRow):
                break
            out.append(self.entry(row.rid))
        return out

    def header_text(self, row: PhaseRow) -> Text:
        entries = self.phase_entries(row.phase)
        done, total, late = core.phase_counts(entries, self.today).get(row.phase, (0, 0, 0))
        text = Text(PHASE_LABELS.get(row.phase, clean_line(row.phase)), style="bold")
        text.append("  " + core.progress_bar(done, total))
        if late:
            text.append(f"  {late} late", style=FLAG_STYLES["overdue"])
        return text

    def update_head(self) -> None:
        name = state_name(self.iso3)  # a code in the file may be no State
        cycles = core.available_cycles(self.ws.table("checklist"), self.iso3)
        title = Text.assemble(
            (f"{name} ({self.iso3})" if name != self.iso3 else name, "bold"), " · checklist"
        )
        if self.cycle is not None:
            title.append(f" · cycle {self.cycle}")
            if cycles:
                title.append(f" of {cycles[0]}–{cycles[-1]}  (< >)", style="dim")
        self.query_one("#cl-title", Static).update(title)
        review = Text("Review: " + core.review_text(self.review))
        self.query_one("#cl-review", Static).update(review)
        phase, sentence = core.phase_today(self.review, self.today)
        today = Text(f"Today {self.today.isoformat()}: ")
        today.append(sentence, style="bold" if phase == "during" else "")
        self.query_one("#cl-today", Static).update(today)
        self.update_overall()

    def update_overall(self) -> None:
        entries = [self.entry(r.rid) for r in self.rows if isinstance(r, ItemRow)]
        done, total = progress(entries)
        states = [due_state(e, self.today, core.SOON_DAYS) for e in entries]
        text = Text("Overall ")
        text.append(core.progress_bar(done, total, width=12))
        late, soon = states.count("overdue"), states.count("due_soon")
        if late:
            text.append(f" · {late} late", style=FLAG_STYLES["overdue"])
        if soon:
            text.append(f" · {soon} due soon", style=FLAG_STYLES["due_soon"])
        self.query_one("#cl-overall", Static).update(text)

    def update_detail(self) -> None:
        self.query_one("#cl-detail", Static).update(self.detail_text())

    def detail_text(self) -> Text:
        row = self.row_list.current
        if isinstance(row, PhaseRow) or row is None:
            return Text("")
        entry = self.entry(row.rid)
        text = Text()
        text.append(clean_line(str(entry.get("text", ""))), style="bold")
        status = str(entry.get("status", "todo"))
        text.append(f"\nStatus: {STATUS_KEYS.get(status, status)}")
        owner = clean_line(str(entry.get("owner") or ""))
        text.append(f" · Owner: {owner or 'none'}")
        note = clean_line(str(entry.get("note") or ""))
        if note:
            text.append(" · Note: ")
            text.append(note, style="italic")
        text.append("\n" + self.due_sentence(entry))
        why = core.why_text(entry)
        if entry.get("custom"):
            text.append("\nAdded by the team for this country.", style="dim")
        elif why:
            text.append("\nWhy: ", style="bold")
            text.append(why)
        return text

    def due_sentence(self, entry: dict[str, Any]) -> str:
        due = str(entry.get("due") or "")
        rule = core.due_rule_text(entry)
        by_rule = self.rule_due(entry)
        if not due:
            return "Due: no date" + (f" (rule: {rule})" if rule else "")
        parts = [f"Due {due}"]
        try:
            days = (date.fromisoformat(due) - self.today).days
        except ValueError:
            days = None
        state = due_state(entry, self.today, core.SOON_DAYS)
        if days is not None and state not in ("done",):
            if days < 0:
                parts.append(f"overdue by {-days} day{'s' if days != -1 else ''}")
            elif days == 0:
                parts.append("due today")
            else:
                parts.append(f"in {days} day{'s' if days != 1 else ''}")
        if by_rule and due != by_rule:
            parts.append(f"set by hand (the rule gives {by_rule})")
        elif rule:
            caveat = self.review.caveat if self.review is not None else ""
            parts.append(rule + (f" ({caveat})" if caveat else ""))
        return " · ".join(parts)

    @on(RowList.Highlighted, "#cl-rows")
    def highlighted(self) -> None:
        self.update_detail()

    @on(RowList.Selected, "#cl-rows")
    def selected(self) -> None:
        self.action_edit()

    # -- actions ----------------------------------------------------------------------
    def can_edit(self) -> bool:
        if self.ws.read_only:
            self.notify("Read-only: this workspace cannot be changed.", severity="warning")
            return False
        return True

    def action_status(self, status: str) -> None:
        """The status of the marked items (one undo step), else of the item under the cursor."""
        rids = [r for r in self.marks if r in self.index] or [self.current_rid()]
        rids = sorted((r for r in rids if r is not None), key=lambda r: self.index.get(r, 0))
        if not rids or not self.can_edit():
            return
        changed = core.set_status(self.ws, rids, status)
        if self.marks:
            self.clear_marks()
            self.notify(
                f"{STATUS_KEYS.get(status, status).capitalize()}: {changed} of {len(rids)} "
                "marked items changed.",
                timeout=3,
                markup=False,
            )

    def action_toggle_mark(self) -> None:
        rid = self.current_rid()
        if rid is None:
            return
        self.marks ^= {rid}
        row_list = self.row_list
        row_list.refresh_row(row_list.cursor)
        row_list.set_cursor(row_list.cursor + 1)

    def clear_marks(self) -> None:
        marked, self.marks = self.marks, set()
        for rid in marked:
            if rid in self.index:
                self.row_list.refresh_row(self.index[rid])

    def action_edit(self) -> None:
        rid = self.current_rid()
        if rid is None or not self.can_edit():
            return
        entry = self.entry(rid)

        def done(values: dict[str, str] | None) -> None:
            if values is None or self.ws.get("checklist", rid) is None:
                return
            if not values.get("due"):
                values["due"] = self.rule_due(entry)
            with self.ws.undo_group("edit item"):
                self.ws.edit("checklist", rid, values)

        self.app.push_screen(EditItemScreen(entry, self.rule_due(entry)), done)

    def action_add(self) -> None:
        if self.cycle is None or not self.can_edit():
            return
        rid = self.current_rid()
        phase = str(self.entry(rid).get("phase")) if rid else "pre_session"

        def done(values: dict[str, str] | None) -> None:
            if values is None or self.cycle is None:
                return
            new = core.add_custom_item(
                self.ws,
                self.iso3,
                self.cycle,
                values["text"],
                values["phase"],
                due=values["due"],
                owner=values["owner"],
                note=values.get("note", ""),
            )
            self._keep_after_rebuild = new

        self.app.push_screen(AddItemScreen(phase), done)

    def action_cycle(self, step: int) -> None:
        cycles = core.available_cycles(self.ws.table("checklist"), self.iso3)
        if not cycles:
            return
        if self.cycle not in cycles:
            target = cycles[0]
        else:
            pos = cycles.index(self.cycle) + step
            if not 0 <= pos < len(cycles):
                self.notify(
                    f"No {'earlier' if step < 0 else 'later'} cycle.", timeout=2, markup=False
                )
                return
            target = cycles[pos]
        self.cycle = target
        self.rebuild()

    def action_start(self) -> None:
        if self.cycle is None or not self.can_edit():
            return
        if core.cycle_entries(self.ws.table("checklist"), self.iso3, self.cycle):
            self.notify(f"Cycle {self.cycle} is already started.", timeout=2, markup=False)
            return
        made = core.start_checklist(self.ws, self.iso3, self.cycle)
        self.notify(f"Started cycle {self.cycle}: {made} items.", timeout=2, markup=False)

    def action_templates(self) -> None:
        if not self.can_edit():
            return
        chosen = core.country_templates(self.ws, self.iso3)

        def done(keys: list[str] | None) -> None:
            if keys is None or keys == chosen:
                return
            cycle = self.cycle
            added, removed = core.set_templates(self.ws, self.iso3, cycle, keys)
            message = "Templates: " + ", ".join(keys)
            if added or removed:
                message += f" ({added} items added, {removed} set aside)"
            self.notify(message, timeout=3, markup=False)

        self.app.push_screen(TemplatePicker(chosen), done)

    def action_export(self) -> None:
        if self.cycle is None:
            return
        text, _ = core.export_checklist(self.ws, self.iso3, self.cycle, "md", self.today)
        path = Path.cwd() / core.export_filename(self.iso3, self.cycle, "md")
        try:  # a temp file renamed over the target, as every export: never half a file
            atomic_write(path, lambda fh: fh.write(text.encode("utf-8")))
        except OSError as exc:
            self.notify(
                f"Could not write {path}: {exc.strerror or exc}", severity="error", markup=False
            )
            return
        self.notify(f"Wrote {path}", timeout=4, markup=False)


# --------------------------------------------------------------------------- modals


class EditItemScreen(ModalScreen[dict[str, str] | None]):
    """Owner, due date and note of one item. Enter saves, escape cancels."""

    CSS_PATH = "checklist.tcss"
    HELP_TITLE = "Edit item"
    HELP = (
        "Owner: a UN entity (suggested as you type; → accepts) or a person. Due: YYYY-MM-DD; "
        "empty goes back to the rule's date. Tab moves between fields; enter saves; escape cancels."
    )
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, entry: dict[str, Any], rule_due: str) -> None:
        super().__init__()
        self.entry = entry
        self.rule_due = rule_due

    def compose(self) -> ComposeResult:
        owners = [e.short for e in refdata.entities()]
        with Vertical(id="form"):
            yield Static(
                Text(clean_line(str(self.entry.get("text", ""))), style="bold"), markup=False
            )
            yield Static("Owner (UN entity or person)", classes="label", markup=False)
            yield PlainInput(
                str(self.entry.get("owner") or ""),
                id="owner",
                suggester=SuggestFromList(owners, case_sensitive=False),
            )
            hint = f"empty: the rule's date {self.rule_due}" if self.rule_due else "empty: no date"
            yield Static(f"Due date YYYY-MM-DD ({hint})", classes="label", markup=False)
            yield PlainInput(str(self.entry.get("due") or ""), id="due", placeholder=self.rule_due)
            yield Static("Note", classes="label", markup=False)
            yield PlainInput(str(self.entry.get("note") or ""), id="note")
            yield Static("", id="form-error", markup=False)
            yield Static(
                "enter save · tab next field · escape cancel", classes="hint", markup=False
            )

    def on_mount(self) -> None:
        self.query_one("#owner", Input).focus()

    @on(Input.Submitted)
    def submit(self) -> None:
        try:
            due = core.parse_due_input(self.query_one("#due", Input).value)
        except ValueError as exc:
            self.query_one("#form-error", Static).update(Text(str(exc), style="bold red"))
            self.query_one("#due", Input).focus()
            return
        owner = clean_line(self.query_one("#owner", Input).value)
        owner = refdata.resolve_entity(owner) or owner if owner else ""
        note = clean_line(self.query_one("#note", Input).value)
        self.dismiss({"owner": owner, "due": due, "note": note})

    def action_cancel(self) -> None:
        self.dismiss(None)


class PhasePicker(Widget, can_focus=True):
    """One line: the phase of a new item; ← → (or space) change it."""

    DEFAULT_CSS = "PhasePicker { height: 1; }"
    BINDINGS = [
        Binding("left", "step(-1)", "Previous phase", show=False),
        Binding("right,space", "step(1)", "Next phase", show=False),
    ]

    def __init__(self, phase: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.phase = phase if phase in PHASES else PHASES[0]

    def render(self) -> Text:
        text = Text("Phase: ")
        text.append(
            f"‹ {PHASE_LABELS[self.phase]} ›", style="reverse" if self.has_focus else "bold"
        )
        return text

    def action_step(self, step: int) -> None:
        self.phase = PHASES[(PHASES.index(self.phase) + step) % len(PHASES)]
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


class AddItemScreen(ModalScreen[dict[str, str] | None]):
    """A team's own item: text, phase, due date, owner. Enter saves, escape cancels."""

    CSS_PATH = "checklist.tcss"
    HELP_TITLE = "Add an item"
    HELP = (
        "An item this country team adds to its checklist. Tab moves between fields; on the "
        "phase line ← → change the phase; enter saves; escape cancels."
    )
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, phase: str) -> None:
        super().__init__()
        self.phase = phase

    def compose(self) -> ComposeResult:
        owners = [e.short for e in refdata.entities()]
        with Vertical(id="form"):
            yield Static(Text("Add an item to this checklist", style="bold"), markup=False)
            yield Static("Text", classes="label", markup=False)
            yield PlainInput(id="text")
            yield PhasePicker(self.phase, id="phase")
            yield Static("Due date YYYY-MM-DD (optional)", classes="label", markup=False)
            yield PlainInput(id="due")
            yield Static("Owner (UN entity or person, optional)", classes="label", markup=False)
            yield PlainInput(id="owner", suggester=SuggestFromList(owners, case_sensitive=False))
            yield Static("", id="form-error", markup=False)
            yield Static(
                "enter save · tab next field · escape cancel", classes="hint", markup=False
            )

    def on_mount(self) -> None:
        self.query_one("#text", Input).focus()

    def fail(self, message: str, field: str) -> None:
        self.query_one("#form-error", Static).update(Text(message, style="bold red"))
        self.query_one(f"#{field}", Input).focus()

    @on(Input.Submitted)
    def submit(self) -> None:
        text = clean_line(self.query_one("#text", Input).value)
        if not text:
            self.fail("An item needs a text.", "text")
            return
        try:
            due = core.parse_due_input(self.query_one("#due", Input).value)
        except ValueError as exc:
            self.fail(str(exc), "due")
            return
        owner = clean_line(self.query_one("#owner", Input).value)
        owner = refdata.resolve_entity(owner) or owner if owner else ""
        phase = self.query_one(PhasePicker).phase
        self.dismiss({"text": text, "phase": phase, "due": due, "owner": owner})

    def action_cancel(self) -> None:
        self.dismiss(None)


class TemplatePicker(ModalScreen[list[str] | None]):
    """Which templates this country uses: ↑↓ move, space toggles, enter applies."""

    CSS_PATH = "checklist.tcss"
    HELP_TITLE = "Checklist templates"
    HELP = (
        "The templates this country's checklist is built from (kept in the workspace for the "
        "country). Adding one adds its items to the open cycle; dropping one sets its items aside."
    )
    BINDINGS = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("space", "toggle", "Toggle template"),
        Binding("enter", "apply", "Apply"),
        Binding("escape,q", "cancel", "Cancel"),
    ]

    def __init__(self, chosen: Sequence[str]) -> None:
        super().__init__()
        shipped = templates()
        self.keys = [k for k in DEFAULT_TEMPLATES if k in shipped]
        self.keys += sorted(k for k in shipped if k not in self.keys)
        self.chosen = set(chosen)
        self.cursor = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static(Text("Templates for this country", style="bold"), markup=False)
            yield Static(id="template-list", markup=False)
            yield Static("", id="form-error", markup=False)
            yield Static("space toggle · enter apply · escape cancel", classes="hint", markup=False)

    def on_mount(self) -> None:
        self.paint()

    def paint(self) -> None:
        shipped = templates()
        text = Text()
        for i, key in enumerate(self.keys):
            mark = "[x]" if key in self.chosen else "[ ]"
            line = Text(f"{mark} {shipped[key].title} ({key})")
            if i == self.cursor:
                line.stylize("reverse")
            if i:
                text.append("\n")
            text.append(line)
        self.query_one("#template-list", Static).update(text)

    def action_move(self, step: int) -> None:
        self.cursor = max(0, min(self.cursor + step, len(self.keys) - 1))
        self.paint()

    def action_toggle(self) -> None:
        key = self.keys[self.cursor]
        self.chosen ^= {key}
        self.paint()

    def action_apply(self) -> None:
        if not self.chosen:
            self.query_one("#form-error", Static).update(
                Text("Choose at least one template.", style="bold red")
            )
            return
        self.dismiss([k for k in self.keys if k in self.chosen])

    def action_cancel(self) -> None:
        self.dismiss(None)
