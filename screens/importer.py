"""Import a file: choose it, read it in a worker, preview what it holds, write only on ``y``.

The preview is the one ``upr import`` prints (``tui.commands.import_.summary_renderable``):
counts, positions, recommending States, unknown names, warnings with line numbers, and what
the import would create or update in this workspace. Nothing is written until the user
confirms; the import is then one undo step (``u``). Long files show a progress line that
changes only when the percentage does: no spinner, no timer (DESIGN §7).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from screens.inputs import PlainInput
from screens.messages import OpenCountryPart
from tui import roundtrip
from tui.commands.import_ import ImportResult, apply_import, resolve_country, summary_renderable
from tui.importers import KINDS, ImportBatch, SourceError, parse_file
from tui.sanitize import clean_line
from tui.store import TooLargeError
from tui.undo import describe

MAX_LISTED = 2000  # entries read from one folder while completing a path
SHOWN_CANDIDATES = 40
BAR_WIDTH = 30
BIG_IMPORT = 2000  # records: above this, "writing…" is painted before the (blocking) write


# -- path completion (no Textual: testable on its own) ------------------------------------------


@dataclass(frozen=True)
class Completion:
    """What tab does to a typed path: the new text and the names that still match."""

    text: str
    candidates: tuple[str, ...]


def complete_path(typed: str, cwd: Path | None = None) -> Completion:
    """Complete the last part of ``typed`` like a shell: one match in full, several to their
    common beginning. Folders end in ``/``; ``~`` is kept as typed; hidden names only when the
    typed part starts with a dot."""
    head, sep, prefix = typed.rpartition("/")
    folder_text = head + sep
    base = Path(os.path.expanduser(folder_text)) if folder_text else (cwd or Path.cwd())
    if folder_text and not base.is_absolute():
        base = (cwd or Path.cwd()) / base
    names: list[tuple[str, bool]] = []
    try:
        with os.scandir(base) as entries:
            for count, entry in enumerate(entries):
                if count >= MAX_LISTED:
                    break
                if entry.name.startswith(".") and not prefix.startswith("."):
                    continue
                if entry.name.startswith(prefix):
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    names.append((entry.name, is_dir))
    except OSError:
        return Completion(typed, ())
    if not names and prefix:
        return Completion(typed, ())
    names.sort(key=lambda item: item[0].casefold())
    if len(names) == 1:
        name, is_dir = names[0]
        return Completion(folder_text + name + ("/" if is_dir else ""), ())
    common = os.path.commonprefix([n for n, _ in names])
    shown = tuple(n + ("/" if d else "") for n, d in names)
    return Completion(folder_text + common if len(common) > len(prefix) else typed, shown)


# -- widgets ------------------------------------------------------------------------------------


class PathInput(PlainInput):
    """The file's path; tab completes it (friendlier than a folder tree over SSH)."""

    BINDINGS = [Binding("tab", "complete", "Complete the path", show=False)]

    class Candidates(Message):
        """Several names match what is typed: the screen lists them."""

        def __init__(self, names: tuple[str, ...]) -> None:
            super().__init__()
            self.names = names

    def action_complete(self) -> None:
        before = self.value
        done = complete_path(before)
        if done.text != before:
            self.value = done.text
            self.cursor_position = len(done.text)
        self.post_message(self.Candidates(done.candidates))
        if not done.candidates and done.text == before:
            self.screen.focus_next()  # nothing to complete: tab moves on, as everywhere


def progress_text(done: int, total: int) -> Text:
    """``Reading… 45% ━━━━───`` (or a row count when the size is not known)."""
    text = Text("Reading the file… ", style="bold")
    if total > 0:
        share = max(0.0, min(1.0, done / total))
        filled = int(round(share * BAR_WIDTH))
        text.append(f"{int(share * 100):3d}% ")
        text.append("━" * filled, style="bold")
        text.append("─" * (BAR_WIDTH - filled), style="dim")
    elif done:
        text.append(f"{done:,} rows read")
    return text


# -- the screen ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """What the file is read with; a preview belongs to one set of options."""

    path: str
    country: str
    symbol: str
    kind: str
    mapping: str


class ImportScreen(Screen[None]):
    """Choose a file, see what it holds, import it on y (or enter); escape writes nothing."""

    CSS_PATH = "importer.tcss"
    HELP_TITLE = "Import a file"
    HELP = (
        "Import recommendations from a UPR Working Group report (.txt or .docx), its addendum "
        "(the State's positions), an OHCHR thematic list (.docx), a UPR Info export (CSV), a "
        "Universal Human Rights Index export (JSON or CSV) or any other CSV/XLSX (with a column "
        "mapping in YAML, or guessed from the headers). Type the file's path (tab completes it) "
        "and press enter: the file is read and a preview shows what it holds and what the "
        "import would change. Nothing is written until you press y or enter; escape cancels. "
        "Country: the State under review where the file does not say it (in a UPR Info or "
        "UHRI export, the only State kept; it is filled in with the country you came from). Symbol: the document symbol where the report does not state it. "
        "Kind: leave empty to detect it. The import is one undo step: u undoes all of it. "
        "Importing the same file again changes nothing, and never overwrites a decision."
    )

    BINDINGS = [
        Binding("escape", "cancel", "Cancel (writes nothing) / back"),
        Binding("q", "cancel", "Back", show=False),
        Binding("y,enter", "confirm", "Import what the preview shows"),
        Binding("u", "undo", "Undo the import"),
        Binding("o", "choose_file", "Choose another file"),
        Binding("r", "recommendations", "Open the imported recommendations"),
    ]

    INTRO = Text(
        "Type the path of a report, addendum, thematic list, UPR Info or UHRI export, or "
        "another CSV/XLSX, then press enter to read it. Nothing is written before you confirm."
    )

    class Imported(Message):
        """An import was written: listeners (tests, other screens) may react."""

        def __init__(self, result: ImportResult) -> None:
            super().__init__()
            self.result = result

    def __init__(self, iso3: str | None = None, path: str = "") -> None:
        super().__init__()
        self.iso3 = iso3
        self.initial_path = path
        self.state = "idle"  # idle | reading | ready | writing | applied
        self.batch: ImportBatch | None = None
        self.matrix: roundtrip.MatrixFile | None = None
        self.result: ImportResult | None = None
        self.read_options: Options | None = None
        self._token = 0
        self._percent: int | None = None
        self._ui_thread = threading.get_ident()

    # -- layout -------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="imp-title", markup=False)
        with Horizontal(classes="imp-row"):
            yield Static("File", classes="imp-label", markup=False)
            yield PathInput(
                self.initial_path,
                id="imp-path",
                placeholder="path of the report, list or export (tab completes)",
            )
        with Horizontal(classes="imp-row"):
            yield Static("Country", classes="imp-label", markup=False)
            yield PlainInput(self.iso3 or "", id="imp-country", placeholder="ISO3")
            yield Static("Symbol", classes="imp-label2", markup=False)
            yield PlainInput(id="imp-symbol", placeholder="if not stated")
            yield Static("Kind", classes="imp-label2", markup=False)
            yield PlainInput(
                id="imp-kind",
                placeholder="detect",
                suggester=SuggestFromList(KINDS, case_sensitive=False),
            )
        with Horizontal(classes="imp-row"):
            yield Static("Mapping", classes="imp-label", markup=False)
            yield PlainInput(
                id="imp-mapping", placeholder="column mapping (YAML) for another CSV/XLSX; optional"
            )
        yield Static(id="imp-progress", markup=False)
        with VerticalScroll(id="imp-preview"):
            yield Static(id="imp-body", markup=False)
        yield Static(id="status", markup=False)

    def on_mount(self) -> None:
        workspace = self.app.workspace  # type: ignore[attr-defined]
        self.query_one("#imp-title", Static).update(
            Text(f"Import a file into {clean_line(workspace.path.name)}", style="bold")
        )
        self.query_one("#imp-progress", Static).display = False
        self.show_message(self.INTRO)
        self.set_status("enter read the file · tab complete · escape cancel · F1 help")
        self.query_one("#imp-path", PathInput).focus()

    # -- small helpers -------------------------------------------------------------------------
    def set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(
            Text(clean_line(text), no_wrap=True, overflow="ellipsis")
        )

    def show_message(self, text: Text) -> None:
        self.query_one("#imp-body", Static).update(text)
        self.query_one("#imp-preview", VerticalScroll).scroll_home(animate=False)

    def options(self) -> Options:
        value = {
            name: self.query_one(f"#imp-{name}", Input).value.strip()
            for name in ("path", "country", "symbol", "kind", "mapping")
        }
        return Options(**value)

    # -- reading the file (a worker thread) ------------------------------------------------------
    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_read()

    @on(PathInput.Candidates)
    def _candidates(self, message: PathInput.Candidates) -> None:
        names = message.names
        if self.state != "idle":
            return
        if not names:
            self.show_message(self.INTRO)
            return
        text = Text(f"{len(names)} names match:\n", style="bold")
        text.append("  ".join(clean_line(n) for n in names[:SHOWN_CANDIDATES]))
        if len(names) > SHOWN_CANDIDATES:
            text.append(f"  … and {len(names) - SHOWN_CANDIDATES} more")
        self.show_message(text)

    @on(Input.Changed)
    def _changed(self) -> None:
        if (
            self.state == "ready"
            and self.read_options is not None
            and self.options() != self.read_options
        ):
            self.state = "idle"
            self.batch = None
            self.set_status("options changed: enter reads the file again · escape cancel · F1 help")

    def action_read(self) -> None:
        """Read the file with the options typed (nothing is written)."""
        opts = self.options()
        if not opts.path:
            self.show_message(Text("Type the path of the file to import.", style="bold"))
            return
        try:
            country = resolve_country(opts.country)
        except ValueError as exc:
            self.show_message(Text(str(exc), style="bold red"))
            self.query_one("#imp-country", Input).focus()
            return
        kind = opts.kind.casefold() or None
        if kind is not None and kind not in KINDS:
            self.show_message(
                Text(
                    f"Unknown kind {clean_line(opts.kind)!r}: one of {', '.join(KINDS)}, "
                    "or empty to detect it.",
                    style="bold red",
                )
            )
            self.query_one("#imp-kind", Input).focus()
            return
        path = Path(os.path.expanduser(opts.path))
        mapping = Path(os.path.expanduser(opts.mapping)) if opts.mapping else None
        self._token += 1
        self.state = "reading"
        self.batch = None
        self.matrix = None
        self.read_options = opts
        self._percent = None
        bar = self.query_one("#imp-progress", Static)
        bar.update(progress_text(0, 0))
        bar.display = True
        self.show_message(Text(f"Reading {clean_line(path.name)}…"))
        self.set_status("reading… escape cancel")
        self._read(self._token, path, country, opts.symbol or None, kind, mapping)

    @work(thread=True, exclusive=True, group="import-read")
    def _read(
        self,
        token: int,
        path: Path,
        country: str | None,
        symbol: str | None,
        kind: str | None,
        mapping: Path | None,
    ) -> None:
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            # Repaint only when what is shown changes: the percentage, or a new row count.
            percent = int(done * 100 / total) if total > 0 else -done
            if percent != self._percent and token == self._token:
                self._percent = percent
                self.app.call_from_thread(self._progress, token, done, total)

        try:
            if kind is None and mapping is None and roundtrip.is_matrix(path):
                # An exported matrix coming back (issue 19): its changed cells become edits.
                matrix = roundtrip.read_matrix(path)
                self.app.call_from_thread(self._matrix_read, token, matrix)
                return
            batch = parse_file(
                path, country=country, symbol=symbol, kind=kind, mapping=mapping, progress=progress
            )
        except SourceError as exc:
            self.app.call_from_thread(self._failed, token, str(exc))
            return
        except OSError as exc:
            self.app.call_from_thread(
                self._failed, token, f"{path.name}: cannot read the file ({exc.strerror or exc})"
            )
            return
        except Exception as exc:  # a parser bug must not take the app (and unsaved edits) down
            self.app.call_from_thread(
                self._failed, token, f"{path.name}: could not be read ({type(exc).__name__}: {exc})"
            )
            return
        self.app.call_from_thread(self._parsed, token, batch, time.perf_counter() - started)

    def _progress(self, token: int, done: int, total: int) -> None:
        if token == self._token and self.state == "reading":
            self.query_one("#imp-progress", Static).update(progress_text(done, total))

    def _failed(self, token: int, message: str) -> None:
        if token != self._token:
            return
        self.state = "idle"
        self.query_one("#imp-progress", Static).display = False
        self.show_message(Text(f"Cannot import: {clean_line(message)}", style="bold red"))
        self.set_status("fix the path or options, enter to read again · escape cancel · F1 help")
        self.query_one("#imp-path", PathInput).focus()

    def _matrix_read(self, token: int, matrix: roundtrip.MatrixFile) -> None:
        if token != self._token or not self.is_attached:
            return
        self.query_one("#imp-progress", Static).display = False
        workspace = self.app.workspace  # type: ignore[attr-defined]
        result = roundtrip.apply_matrix(workspace, matrix, dry_run=True)
        self.matrix = matrix
        self.state = "ready"
        lines = roundtrip.summary_lines(result, dry_run=True)
        self.query_one("#imp-body", Static).update(Text("\n".join(lines)))
        preview = self.query_one("#imp-preview", VerticalScroll)
        preview.scroll_home(animate=False)
        preview.focus()
        if workspace.read_only:
            self.set_status("read-only workspace: nothing can be imported · escape back")
        else:
            self.set_status("y/enter apply the matrix · escape cancel (nothing written) · F1 help")

    def _write_matrix(self) -> None:
        """Apply the matrix read: edits with their clocks and conflicts, not an undo step."""
        workspace = self.app.workspace  # type: ignore[attr-defined]
        matrix, self.matrix = self.matrix, None
        if matrix is None:
            return
        result = roundtrip.apply_matrix(workspace, matrix)
        self.state = "applied"
        self.query_one("#imp-body", Static).update(Text("\n".join(roundtrip.summary_lines(result))))
        self.notify(
            f"Matrix {clean_line(matrix.name)}: {result.applied} cell(s) applied, "
            f"{result.conflicts} conflict(s) for review (C)",
            timeout=4,
            markup=False,
        )
        self.set_status("C review conflicts · o another file · escape back")

    def _parsed(self, token: int, batch: ImportBatch, seconds: float) -> None:
        if token != self._token or not self.is_attached:
            return
        self.query_one("#imp-progress", Static).display = False
        workspace = self.app.workspace  # type: ignore[attr-defined]
        summary, countries = apply_import(workspace, batch, dry_run=True)
        self.batch = batch
        self.result = ImportResult(
            batch, summary, countries, workspace.path.name, "preview", parse_seconds=seconds
        )
        self.state = "ready"
        self.query_one("#imp-body", Static).update(
            summary_renderable(self.result, outcome_first=True)
        )
        preview = self.query_one("#imp-preview", VerticalScroll)
        preview.scroll_home(animate=False)
        preview.focus()
        if workspace.read_only:
            self.set_status("read-only workspace: nothing can be imported · escape back")
        else:
            self.set_status(
                "y/enter import · escape cancel (nothing written) · ↑↓ scroll · F1 help"
            )

    # -- writing -------------------------------------------------------------------------------
    def action_confirm(self) -> None:
        """Write the previewed file into the workspace (one undo step)."""
        if self.state in ("reading", "writing"):
            self.notify(
                "Still reading the file." if self.state == "reading" else "Writing…",
                timeout=2,
                markup=False,
            )
            return
        if self.state == "ready" and getattr(self, "matrix", None) is not None:
            if self.app.workspace.read_only:  # type: ignore[attr-defined]
                self.notify("The workspace is open read-only: nothing imported.", markup=False)
                return
            self._write_matrix()
            return
        if self.state != "ready" or self.batch is None:
            if self.state != "applied":
                self.action_read()
            return
        workspace = self.app.workspace  # type: ignore[attr-defined]
        if workspace.read_only:
            self.notify(
                f"{workspace.path.name} is open read-only: nothing imported.",
                severity="warning",
                markup=False,
            )
            return
        count = len(self.batch.records) or len(self.batch.positions)
        if count < BIG_IMPORT:
            self._write()
            return
        # Edits happen on this thread (the workspace's rule); say so before the pause.
        self.state = "writing"
        self.set_status(f"writing {count:,} records into {workspace.path.name}…")
        self.call_after_refresh(self._write)

    def _write(self) -> None:
        workspace = self.app.workspace  # type: ignore[attr-defined]
        batch = self.batch
        if batch is None:
            return
        started = time.perf_counter()
        try:
            summary, countries = apply_import(workspace, batch)
        except TooLargeError as exc:  # refused before any change: nothing to undo
            self.state = "ready"
            self.notify(f"Import refused: {clean_line(str(exc))}", severity="error", markup=False)
            return
        except ValueError as exc:  # a value the workspace refuses (apply_batch checks first)
            self.state = "ready"
            self.notify(
                f"Import stopped: {clean_line(str(exc))}; u undoes what was written",
                severity="error",
                markup=False,
            )
            return
        parse_seconds = self.result.parse_seconds if self.result else 0.0
        self.result = ImportResult(
            batch,
            summary,
            countries,
            workspace.path.name,
            "applied",
            parse_seconds,
            time.perf_counter() - started,
        )
        self.state = "applied"
        self.query_one("#imp-body", Static).update(
            summary_renderable(self.result, outcome_first=True)
        )
        self.query_one("#imp-preview", VerticalScroll).scroll_home(animate=False)
        if batch.kind == "addendum":
            message = f"Positions set on {summary.updated}; {len(summary.missing_paragraphs)} paragraphs missing"
        else:
            message = f"{summary.created} created, {summary.updated} updated"
        self.notify(f"Imported {clean_line(batch.source_file)}: {message}", timeout=4, markup=False)
        self.set_status("u undo the import · r recommendations · o another file · escape back")
        self.post_message(self.Imported(self.result))

    def action_undo(self) -> None:
        """Undo (after an import: the whole import, one step)."""
        workspace = self.app.workspace  # type: ignore[attr-defined]
        if workspace.read_only or self.state == "writing":
            return
        step = workspace.undo()
        self.notify(describe(step, workspace.get, forward=False), timeout=4, markup=False)
        if step is None:
            return
        if (
            self.state == "applied"
            and self.batch is not None
            and step.changes
            and step.label == f"Import {clean_line(self.batch.source_file)}"
        ):
            self.state = "idle"
            self.batch = None
            self.show_message(
                Text("Import undone: nothing of it is left in the workspace (ctrl+r redoes it).")
            )
            self.set_status("o another file · ctrl+r redo · escape back · F1 help")

    def action_choose_file(self) -> None:
        path = self.query_one("#imp-path", PathInput)
        path.focus()
        path.cursor_position = len(path.value)

    def action_recommendations(self) -> None:
        """Back to (or open) the recommendations of the imported country."""
        if self.result is None or self.state != "applied":
            return
        iso3 = self.result.batch.country
        if not iso3:
            self.notify(
                "This file holds several countries: open one from the country list.", timeout=3
            )
            return
        stack = self.app.screen_stack
        below = stack[-2] if len(stack) > 1 else None
        self.dismiss()
        if type(below).__name__ != "RecommendationsScreen" or getattr(below, "iso3", None) != iso3:
            self.app.post_message(OpenCountryPart(iso3, "recommendations"))

    def action_cancel(self) -> None:
        """Leave; nothing is written unless the import was confirmed."""
        if self.state == "writing":
            return  # the write is already queued: leave once it is done
        self._token += 1  # a read still running is ignored when it ends
        self.dismiss()


def open_import(app: Any, iso3: str | None = None) -> None:
    """Push the import screen (from anywhere: the app's ctrl+o, the overview's i)."""
    if isinstance(app.screen, ImportScreen):
        return
    app.push_screen(ImportScreen(iso3 if iso3 is not None else getattr(app.screen, "iso3", None)))


__all__ = [
    "Completion",
    "ImportScreen",
    "PathInput",
    "complete_path",
    "open_import",
    "progress_text",
]
