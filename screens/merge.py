"""Merging in the app: "Merge a file…", the merge review screen, copies left by sync tools.

``MergeActions`` is mixed into the app: ``M`` asks for a file (offering conflict copies found
next to the workspace, and the workspace itself when another program replaced it), merges it
in a worker thread behind a small "merging" box (so no edit lands half-way), shows a preview
(records new, fields taken, conflicts) and writes nothing until ``y``; then it takes the result
in through ``Workspace.absorb`` and opens the review when there are conflicts. A file replaced
by a sync tool is merged without asking (never overwritten). A merge is not an undo step. ``C`` opens the
review: each open conflict with both values, who and when; ``w`` keeps the value the merge
kept, ``o`` takes the other one (a new edit with a new clock, so the choice travels).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static

from screens.inputs import PlainInput
from screens.rowlist import Column, RowHeader, RowList
from tui.merge import (
    MergeReport,
    clock_author,
    clock_time,
    combine_record,
    load_copy,
    merge_tables,
    open_conflicts,
    resolve_conflict,
)
from tui.sanitize import clean_line, clean_text
from tui.store import FileStamp, Workspace, WorkspaceError, field_clock
from tui.synced import ConflictCopy, find_conflict_copies, mark_merged
from tui.undo import Lookup, record_label


def shown(value: Any, width: int = 200) -> str:
    """A field value as one inert line: lists joined, booleans as yes/no, empty marked."""
    if value is None or value == "" or value == []:
        text = "(empty)"
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value)
    else:
        text = str(value)
    text = clean_line(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def report_sentence(name: str, report: MergeReport) -> str:
    new = sum(report.new_from_b.values())
    taken = sum(report.fields_from_b.values())
    conflicts = len(report.conflicts)
    text = f"Merged {clean_line(name)}: {new} new record(s), {taken} field(s) taken from it"
    if conflicts:
        text += f", {conflicts} conflict(s) to review (C)"
    return text + "."


# -- choosing what to merge ---------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """Something the prompt offers: a conflict copy, or the workspace as changed on disk."""

    path: Path
    label: str
    note: str
    from_disk: bool = False


CANDIDATE_COLUMNS = [Column("label", "File", 0, min_width=20), Column("note", "What it is", 32)]


class PathInput(PlainInput):
    """The path box: typing goes here; ``?`` still opens help."""

    BINDINGS = [Binding("question_mark", "app.help", "Help", priority=True, show=False)]


class MergePromptScreen(ModalScreen[Candidate | None]):
    """Which file to merge in: a copy found next to the workspace, or any path typed."""

    CSS_PATH = "merge.tcss"
    HELP_TITLE = "Merge a file"
    HELP = (
        "Merge another copy of this workspace into it: a copy a colleague sent (.json or "
        ".json.gz), a conflict copy a sync tool left next to it, or the file itself when "
        "another program replaced it. Every record of both is kept; for each field the latest "
        "edit wins; fields both changed without seeing each other's edit are listed for review."
    )
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
    ]

    def __init__(
        self, workspace_name: str, candidates: Sequence[Candidate], title: str = ""
    ) -> None:
        super().__init__()
        self.workspace_name = workspace_name
        self.candidates = list(candidates)
        self.title_text = title or f"Merge a file into {workspace_name}"

    def compose(self) -> ComposeResult:
        with Vertical(id="merge-box"):
            yield Static(
                Text(clean_line(self.title_text), style="bold"), id="merge-title", markup=False
            )
            if self.candidates:
                header = RowHeader(CANDIDATE_COLUMNS, id="merge-candidates-header")
                rows = RowList(CANDIDATE_COLUMNS, self._cells, id="merge-candidates")
                rows.header = header
                yield header
                yield rows
            yield PathInput(
                placeholder="or type the path of a copy (.json or .json.gz)", id="merge-path"
            )
            hint = (
                "enter merges the file typed, else the one highlighted; escape cancels"
                if self.candidates
                else "enter merges it; escape cancels"
            )
            yield Static(Text(hint), id="merge-hint", markup=False)

    @staticmethod
    def _cells(row: Candidate) -> dict[str, str | Text]:
        return {"label": row.label, "note": row.note}

    def on_mount(self) -> None:
        self.query_one(PathInput).focus()
        if self.candidates:
            self.query_one("#merge-candidates", RowList).set_rows(self.candidates)

    def action_move(self, delta: int) -> None:
        if self.candidates:
            rows = self.query_one("#merge-candidates", RowList)
            rows.set_cursor(rows.cursor + delta)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#merge-path")
    def submitted(self, event: Input.Submitted) -> None:
        typed = event.value.strip()
        if typed:
            path = Path(typed).expanduser()
            if not path.is_file():
                self.notify(f"{clean_line(typed)}: no such file", severity="error", markup=False)
                return
            self.dismiss(Candidate(path, path.name, "typed"))
            return
        if self.candidates:
            current = self.query_one("#merge-candidates", RowList).current
            if current is not None:
                self.dismiss(current)

    @on(RowList.Selected, "#merge-candidates")
    def chosen(self, event: RowList.Selected) -> None:
        self.dismiss(self.candidates[event.index])


class MergingScreen(ModalScreen[None]):
    """Shown while a merge runs in a worker: keys wait, so no edit lands half-way."""

    CSS_PATH = "merge.tcss"
    HELP_TITLE = "Merging"
    HELP = (
        "Another copy is being merged into this workspace. Keys wait until it is done, so no "
        "edit lands half-way; ctrl+q still quits (the merge is then not applied)."
    )
    BINDINGS: list[Binding] = []

    def __init__(self, name: str) -> None:
        super().__init__()
        self.file_name = name

    def compose(self) -> ComposeResult:
        with Vertical(id="merging-box"):
            yield Static(Text(f"Merging {clean_line(self.file_name)}…"), markup=False)


class MergePreviewScreen(ModalScreen[bool]):
    """What a merge would do, before anything is written: ``y`` merges, ``n``/escape not."""

    CSS_PATH = "merge.tcss"
    HELP_TITLE = "Merge preview"
    HELP = (
        "What merging this file would change: records new to this workspace, fields whose "
        "later edit is in the file, and conflicts (fields both copies changed without seeing "
        "each other's edit: the later edit is kept and you review them after). Nothing is "
        "written until you press y; n or escape leaves the workspace as it is. A merge is not "
        "an undo step: u afterwards undoes only your own earlier steps the merge did not change."
    )
    BINDINGS = [
        Binding("y", "answer(True)", "Merge"),
        Binding("n,escape", "answer(False)", "Cancel"),
    ]

    def __init__(self, name: str, workspace_name: str, report: MergeReport, lookup: Lookup) -> None:
        super().__init__()
        self.file_name = name
        self.workspace_name = workspace_name
        self.report = report
        self.lookup = lookup

    def compose(self) -> ComposeResult:
        with Vertical(id="merge-box"):
            yield Static(
                Text(
                    f"Merge {clean_line(self.file_name)} into {clean_line(self.workspace_name)}?",
                    style="bold",
                ),
                id="merge-title",
                markup=False,
            )
            yield Static(preview_text(self.report, self.lookup), id="merge-preview", markup=False)
            yield Static(
                Text("Nothing is written until y. y merges · n or escape cancels"),
                id="merge-hint",
                markup=False,
            )

    def action_answer(self, merge: bool) -> None:
        self.dismiss(merge)


def _counted(counts: Any, limit: int = 4) -> str:
    """``3 recommendations, 1 checklist``: the largest first, the rest as "…"."""
    items = sorted((-n, str(k)) for k, n in counts.items() if n)
    text = ", ".join(f"{-n} {clean_line(k)}" for n, k in items[:limit])
    return text + (", …" if len(items) > limit else "")


def preview_text(report: MergeReport, lookup: Lookup) -> Text:
    """The preview's lines: records new, fields taken (by field), conflicts (named)."""
    new = sum(report.new_from_b.values())
    taken = sum(report.fields_from_b.values())
    by_field: dict[str, int] = {}
    for (_table, fname), n in report.fields_from_b.items():
        by_field[fname] = by_field.get(fname, 0) + n
    text = Text()
    text.append("Records new: ", style="bold")
    text.append(f"{new}" + (f" ({_counted(report.new_from_b)})" if new else "") + "\n")
    text.append("Fields taken from it: ", style="bold")
    text.append(f"{taken}" + (f" ({_counted(by_field)})" if taken else "") + "\n")
    text.append("Conflicts: ", style="bold")
    conflicts = report.conflicts
    text.append(f"{len(conflicts)}")
    if conflicts:
        named = ", ".join(
            f"{clean_line(c.field)} of {record_label(c.table, c.record, lookup)}"
            for c in conflicts[:3]
        )
        more = ", …" if len(conflicts) > 3 else ""
        text.append(f" ({named}{more}): the later edit is kept; you review them after")
    text.append("\n")
    if report.history_from_b:
        text.append(f"History rows new: {report.history_from_b}\n", style="dim")
    if not (new or taken or conflicts or report.history_from_b or report.other_from_b):
        text.append("The file holds nothing this workspace lacks.\n", style="dim")
    return text


# -- the review ----------------------------------------------------------------------------------


REVIEW_COLUMNS = [
    Column("record", "Record", 0, min_width=14),
    Column("field", "Field", 12),
    Column("kept", "Kept (now)", 18),
    Column("other", "Other value", 18),
]


class MergeReviewScreen(Screen[None]):
    """Open conflicts from merges: keep the value kept, or take the other one."""

    CSS_PATH = "merge.tcss"
    HELP_TITLE = "Merge conflicts"
    HELP = (
        "Fields two copies changed without seeing each other's edit. The merge kept the later "
        "edit; the other value is listed with who changed it and when. Keep the value (w) or "
        "take the other one (o): taking it is a new edit, so every copy gets your choice at "
        "the next merge. A decided conflict leaves this list; nothing is deleted. u undoes "
        "the last decision and lists its conflict again. A record deleted in one copy and "
        "edited in the other is listed too: w keeps it deleted, o brings it back."
    )
    BINDINGS = [
        Binding("q,escape", "app.pop_screen", "Back"),
        Binding("w", "decide(False)", "Keep the kept value"),
        Binding("o", "decide(True)", "Take the other value"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[str] = []

    @property
    def workspace(self) -> Workspace:
        return self.app.workspace  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Static(id="review-title", markup=False)
        header = RowHeader(REVIEW_COLUMNS, id="review-header")
        rows = RowList(
            REVIEW_COLUMNS, self._cells, empty_text="No open conflicts.", id="review-list"
        )
        rows.header = header
        yield header
        yield rows
        yield Static(id="review-detail", markup=False)

    def on_mount(self) -> None:
        self.reload()
        self.query_one(RowList).focus()
        self.workspace.subscribe(self._on_ws_edit)
        self._reload_pending = False

    def on_unmount(self) -> None:
        self.workspace.unsubscribe(self._on_ws_edit)

    def _on_ws_edit(self, table: str, rid: str, fields: tuple[str, ...]) -> None:
        """An undo re-opened a conflict (or a decision elsewhere closed one): list it again."""
        if table == "conflicts" and not self._reload_pending:
            self._reload_pending = True
            self.call_later(self._reload_now)

    def _reload_now(self) -> None:
        self._reload_pending = False
        current = self.query_one(RowList).current
        self.reload(keep=current)

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self, keep: str | None = None) -> None:
        ids = [str(row.get("id")) for row in open_conflicts(self.workspace.snapshot_tables())]
        self.rows = ids
        row_list = self.query_one(RowList)
        row_list.set_rows(ids, keep=keep)
        count = len(ids)
        title = f"Merge conflicts: {count} open" if count else "Merge conflicts: none open"
        self.query_one("#review-title", Static).update(Text(title, style="bold"))
        self.show_detail()

    def _conflict(self, cid: str) -> dict[str, Any]:
        row = self.workspace.get("conflicts", cid)
        return row if isinstance(row, dict) else {}

    def _cells(self, cid: str) -> dict[str, str | Text]:
        row = self._conflict(cid)
        edited = _edited(row)
        if edited:  # deleted on one side, edited on the other
            kept = "deleted" if self._current(row) is True else "not deleted"
            other = f"edited: {', '.join(edited)}"
        else:
            kept, other = shown(self._current(row), 60), shown(row.get("other"), 60)
        return {
            "record": clean_line(str(row.get("record", ""))),
            "field": clean_line(str(row.get("field", ""))),
            "kept": kept,
            "other": other,
        }

    def _current(self, row: dict[str, Any]) -> Any:
        record = self.workspace.get(str(row.get("table", "")), str(row.get("record", "")))
        if not isinstance(record, dict):
            return row.get("winner")
        return record.get(str(row.get("field", "")), row.get("winner"))

    @on(RowList.Highlighted, "#review-list")
    def highlighted(self, event: RowList.Highlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        detail = self.query_one("#review-detail", Static)
        cid = self.query_one(RowList).current
        if cid is None:
            detail.update(Text("Nothing to review. q goes back."))
            return
        row = self._conflict(cid)
        table, rid, fname = (
            str(row.get("table", "")),
            str(row.get("record", "")),
            str(row.get("field", "")),
        )
        record = self.workspace.get(table, rid) or {}
        text = Text()
        text.append(f"{clean_line(rid)} · {clean_line(fname)}\n", style="bold")
        if record.get("text"):
            text.append(clean_text(str(record["text"]))[:400] + "\n", style="dim")
        winner_clock, other_clock = (
            str(row.get("winner_clock", "")),
            str(row.get("other_clock", "")),
        )
        edited = _edited(row)
        if edited:
            text.append(
                f"Deleted in one copy, edited in the other ({', '.join(edited)}) by "
                f"{clean_line(clock_author(other_clock))} without seeing the delete.\n"
            )
        text.append("Kept:  ", style="bold")
        text.append(f"{shown(row.get('winner'), 500)}\n")
        text.append(
            f"       by {clean_line(clock_author(winner_clock))}, {clock_time(winner_clock)}\n",
            style="dim",
        )
        text.append("Other: ", style="bold")
        text.append(f"{shown(row.get('other'), 500)}\n")
        text.append(
            f"       by {clean_line(clock_author(other_clock))}, {clock_time(other_clock)}\n",
            style="dim",
        )
        current = record.get(fname, row.get("winner")) if record else row.get("winner")
        if current != row.get("winner"):
            now_clock = field_clock(record, fname)
            text.append("Now:   ", style="bold")
            text.append(
                f"{shown(current, 500)} (changed since, by {clean_line(clock_author(now_clock))}, "
                f"{clock_time(now_clock)})\n"
            )
        if edited:
            text.append("w keeps it deleted · o brings it back, with those edits", style="dim")
        else:
            text.append("w keeps the value there now · o takes the other value", style="dim")
        detail.update(text)

    def action_decide(self, take_other: bool) -> None:
        ws = self.workspace
        if ws.read_only:
            self.notify("Read-only: decisions cannot be saved.", severity="warning")
            return
        row_list = self.query_one(RowList)
        cid = row_list.current
        if cid is None:
            return
        following = self.rows[row_list.cursor + 1] if row_list.cursor + 1 < len(self.rows) else None
        if following is None and row_list.cursor > 0:
            following = self.rows[row_list.cursor - 1]
        try:
            resolve_conflict(ws, cid, take_other=take_other)
        except ValueError as exc:
            self.notify(clean_line(str(exc)), severity="error", markup=False)
            return
        self.reload(keep=following)


def _edited(row: dict[str, Any]) -> list[str]:
    """The fields a copy edited while the other deleted the record (empty for other rows)."""
    edited = row.get("edited")
    if row.get("field") != "deleted" or not isinstance(edited, list):
        return []
    return [clean_line(str(name))[:40] for name in edited[:20]]


# -- the app side ------------------------------------------------------------------------------


class MergeActions:
    """Mixed into ``UprApp``: the merge actions and the synced-folder checks.

    The app binds ``M`` to ``merge_file`` and ``C`` to ``review_conflicts``, calls
    ``check_synced_copies()`` once mounted and ``on_file_replaced()`` when a save finds the
    file replaced by another program.
    """

    workspace: Workspace
    _replaced_offered = False
    _merging = False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While a merge runs, app actions wait (the merging box is modal, but priority keys
        such as ctrl+p reach the app): a screen pushed over the box would be the one the end
        of the merge closes, and an edit would land under the merge. ctrl+q still quits."""
        if self._merging and action not in ("quit_saving", "quit"):
            return False
        return super().check_action(action, parameters)  # type: ignore[misc]

    def merge_candidates(self) -> list[Candidate]:
        ws = self.workspace
        found: list[Candidate] = []
        if ws.changed_on_disk():
            found.append(
                Candidate(ws.path, ws.path.name, "changed on disk by another app", from_disk=True)
            )
        copies: list[ConflictCopy] = find_conflict_copies(ws.path)
        found += [Candidate(c.path, c.path.name, c.note) for c in copies]
        return found

    def action_merge_file(self) -> None:
        if self.workspace.read_only:
            self.notify("Read-only: nothing can be merged in.", severity="warning")  # type: ignore[attr-defined]
            return
        self.push_screen(
            MergePromptScreen(self.workspace.path.name, self.merge_candidates()), self._merge_chosen
        )

    def action_review_conflicts(self) -> None:
        self.push_screen(MergeReviewScreen())  # type: ignore[attr-defined]

    def check_synced_copies(self) -> None:
        """Offer to merge conflict copies found next to the workspace (at start-up)."""
        if self.workspace.read_only:
            return
        candidates = self.merge_candidates()
        if candidates:
            title = (
                f"{len(candidates)} other copy(ies) of {self.workspace.path.name} found: "
                "merge one in?"
            )
            self.push_screen(
                MergePromptScreen(self.workspace.path.name, candidates, title), self._merge_chosen
            )  # type: ignore[attr-defined]
            return
        waiting = len(open_conflicts(self.workspace.snapshot_tables()))
        if waiting:
            self.notify(
                f"{waiting} merge conflict(s) await review: press C.", timeout=6, markup=False
            )  # type: ignore[attr-defined]

    def on_file_replaced(self) -> None:
        """Another program (a sync tool) replaced the file: merge it in, never overwrite it.

        DESIGN §5. Runs once per replacement (any thread); if the merge fails, M retries.
        """
        if self._replaced_offered:
            return
        self._replaced_offered = True
        ui_thread = getattr(self, "_ui_thread", threading.get_ident())
        if threading.get_ident() == ui_thread:
            self._merge_replaced()
        else:
            self.call_from_thread(self._merge_replaced)  # type: ignore[attr-defined]

    def _merge_replaced(self) -> None:
        ws = self.workspace
        self.notify(  # type: ignore[attr-defined]
            f"{ws.path.name} was replaced by another program (a sync tool?): merging it in.",
            severity="warning",
            timeout=8,
            markup=False,
        )
        self.start_merge(
            Candidate(ws.path, ws.path.name, "changed on disk by another app", from_disk=True)
        )

    def on_app_focus(self) -> None:
        """Back in the terminal: if another program replaced the file meanwhile, say so once."""
        ws = self.workspace
        if not ws.read_only and not self._merging and ws.changed_on_disk():
            self.on_file_replaced()

    def _merge_chosen(self, chosen: Candidate | None) -> None:
        if chosen is not None:
            self.start_merge(chosen, preview=True)

    def start_merge(self, chosen: Candidate, *, preview: bool = False) -> None:
        """Merge a copy in a worker; with ``preview``, show what it would do and wait for y."""
        if self._merging:
            return
        self._merging = True
        self.push_screen(MergingScreen(chosen.path.name))  # type: ignore[attr-defined]
        self.run_worker(
            lambda: self._merge_worker(chosen, preview),
            thread=True,  # type: ignore[attr-defined]
            group="merge",
            exit_on_error=False,
        )

    def _merge_worker(self, chosen: Candidate, preview: bool = False) -> None:
        stamp = FileStamp.of(chosen.path) if chosen.from_disk else None
        warnings: list[str] = []
        try:
            incoming = load_copy(chosen.path, warnings)
            result = merge_tables(self.workspace.snapshot_tables(), incoming)
        except (WorkspaceError, OSError) as exc:
            self.call_from_thread(self._merge_failed, str(exc))  # type: ignore[attr-defined]
            return
        except Exception as exc:  # never leave the "merging" box up: say what went wrong
            self.call_from_thread(
                self._merge_failed,  # type: ignore[attr-defined]
                f"unexpected {type(exc).__name__}: {exc}",
            )
            return
        for warning in warnings:  # e.g. clocks far ahead (DESIGN §4): merged all the same
            self.call_from_thread(self.notify, warning, severity="warning", timeout=12)  # type: ignore[attr-defined]
        done = self._merge_previewed if preview else self._merge_done
        self.call_from_thread(done, chosen, result, stamp)  # type: ignore[attr-defined]

    def _merge_failed(self, message: str) -> None:
        self._merging = False
        self.pop_screen()  # type: ignore[attr-defined]
        self.notify(
            f"Not merged: {clean_line(message)}", severity="error", timeout=10, markup=False
        )  # type: ignore[attr-defined]

    def _merge_previewed(self, chosen: Candidate, result: Any, stamp: FileStamp | None) -> None:
        """The merge is computed: show what it would do; y takes it in, anything else not.

        App keys stay blocked (``_merging``) while the preview is up, so nothing lands
        between what the preview shows and what ``y`` writes."""
        self.pop_screen()  # type: ignore[attr-defined]

        def answered(merge: bool | None) -> None:
            if merge:
                self._merge_done(chosen, result, stamp, popped=True)
                return
            self._merging = False
            self.notify(  # type: ignore[attr-defined]
                f"Not merged: {clean_line(chosen.path.name)}; nothing was written.",
                timeout=4,
                markup=False,
            )

        self.push_screen(  # type: ignore[attr-defined]
            MergePreviewScreen(
                chosen.path.name, self.workspace.path.name, result.report, self.workspace.get
            ),
            answered,
        )

    def _merge_done(
        self, chosen: Candidate, result: Any, stamp: FileStamp | None, *, popped: bool = False
    ) -> None:
        self._merging = False
        if not popped:
            self.pop_screen()  # type: ignore[attr-defined]
        ws = self.workspace
        kept = ws.replaced.kept if chosen.from_disk and ws.replaced is not None else None
        try:
            ws.absorb(result.changed_a, combine_record, disk_stamp=stamp)
        except WorkspaceError as exc:
            self.notify(f"Not merged: {clean_line(str(exc))}", severity="error", markup=False)
            return
        if chosen.from_disk:
            self._replaced_offered = False
        for done in ([chosen.path] if not chosen.from_disk and chosen.note != "typed" else []) + (
            [kept] if kept is not None and kept.exists() else []
        ):
            try:
                mark_merged(done)
            except OSError:
                pass
        if result.changed_a or stamp is not None:
            save = getattr(self, "save_in_background", None)
            if save is not None:
                save()
        self.notify(report_sentence(chosen.path.name, result.report), timeout=8, markup=False)  # type: ignore[attr-defined]
        if result.report.unrelated:
            self.notify(  # type: ignore[attr-defined]
                f"{chosen.path.name}: {result.report.unrelated}",
                severity="warning",
                timeout=12,
                markup=False,
            )
        if result.report.conflicts:
            self.push_screen(MergeReviewScreen())  # type: ignore[attr-defined]
