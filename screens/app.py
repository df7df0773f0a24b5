"""The UPR Workbench application: screens over one open workspace."""

from __future__ import annotations

import gc
import importlib
import sys
import threading
from collections.abc import Iterable
from concurrent.futures import Future
from datetime import date
from pathlib import Path
from typing import Any

from textual import events, on, work
from textual.app import App, SystemCommand
from textual.binding import Binding

from screens.commands import ScreenActions
from screens.countries import CountryListScreen
from screens.help import HelpScreen, describe_bindings
from screens.keys import DialogAwareKeys, keymap_from_config
from screens.merge import MergeActions
from screens.overview import CountryOverviewScreen
from screens.terminal import fallback_notice
from screens.typeahead import TypeaheadApp
from tui.config import load_config, save_config
from tui.sanitize import clean_line, clean_text
from tui.session import AppOptions, WorkspaceLoader
from tui.store import (
    FileReplacedError,
    SaveError,
    Workspace,
    WorkspaceError,
    keep_long_lived,
)
from tui.undo import describe

# From this many recommendations in the workspace, a country's triage index is built in a thread
# while its overview is on screen (0.35 s for 100,000 in one country: issue 8).
PREPARE_INDEX_FROM = 5_000

AUTOSAVE_DELAY = 1.0  # seconds after an edit; DESIGN §5 promises a save within 2 s

# Parts of a country that later screens provide: part -> "module:Screen".
PARTS: dict[str, str] = {
    "checklist": "screens.checklist:ChecklistScreen",
    "recommendations": "screens.triage:RecommendationsScreen",
    "actions": "screens.actions:ActionsScreen",
    "engagements": "screens.engagements:EngagementsScreen",
    "brief": "screens.brief:BriefScreen",
}


class UprApp(MergeActions, DialogAwareKeys, TypeaheadApp, App[int]):
    """Keyboard-first, quiet on the wire: no animation, no clock, no blinking cursor."""

    # Every screen's CSS from the start: Textual reads a screen's own CSS_PATH when the first
    # screen of its kind opens and restyles the whole app then (~20 ms on the first `r` or
    # picker, and a repaint). Screens keep their CSS_PATH; it is then already read.
    CSS_PATH = [
        "app.tcss",
        *sorted(p.name for p in Path(__file__).parent.glob("*.tcss") if p.name != "app.tcss"),
    ]
    TITLE = "UPR Workbench"
    COMMANDS = App.COMMANDS | {ScreenActions}
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        # Letters act where no text box has focus; F-keys and ctrl keys whatever has focus
        # (priority: checked before the focused widget), DESIGN §8, issue 14.5.
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("f1", "help", "Help", priority=True, id="app.help-anywhere"),
        Binding("ctrl+q", "quit_saving", "Quit (saves)", priority=True, id="app.quit"),
        Binding("ctrl+c", "help_quit", "How to quit", priority=True, id="app.how-to-quit"),
        Binding(
            "ctrl+s", "save_now", "Save now", priority=True, id="app.save"
        ),  # works in a prompt too
        Binding("u", "undo", "Undo", id="app.undo"),
        Binding("ctrl+r", "redo", "Redo", priority=True, id="app.redo"),
        Binding("D", "due", "Due across countries", id="app.due"),
        Binding("f4", "due", "Due across countries", priority=True, id="app.due-anywhere"),
        Binding("M", "merge_file", "Merge a file…", id="app.merge"),  # screens/merge.py
        Binding("f6", "merge_file", "Merge a file…", priority=True, id="app.merge-anywhere"),
        Binding("C", "review_conflicts", "Merge conflicts", id="app.conflicts"),
        Binding(
            "f5", "review_conflicts", "Merge conflicts", priority=True, id="app.conflicts-anywhere"
        ),
        Binding(
            "ctrl+o", "import_file", "Import a file…", priority=True, id="app.import"
        ),  # screens/importer.py
    ]

    def __init__(self, workspace: Workspace | WorkspaceLoader, options: AppOptions) -> None:
        super().__init__()
        # A large file may still be loading (tui.session.start_workspace): the country list
        # shows meanwhile, and ``workspace`` waits for it only when something needs it.
        self._workspace: Workspace | None = None
        self._loader: WorkspaceLoader | None = None
        self._open_error: str | None = None
        self._triage_indexes: dict[str, Any] = {}  # iso3 -> tui.triage.TriageIndex
        self._summaries: dict[str, Any] = {}  # iso3 -> tui.overview.CountrySummary
        # iso3 -> (index and counts being built in a thread, edits when it started)
        self._preparing: dict[str, tuple[Future[Any], int]] = {}
        self._edits = 0
        if isinstance(workspace, WorkspaceLoader):
            self._loader = workspace
        else:
            self._workspace = workspace
        self.options = options
        self.today: date = options.today_date()
        self.animation_level = "none"
        self._save_scheduled = False
        self._ui_thread = threading.get_ident()
        self._config: dict[str, Any] = load_config()
        self.set_keymap(keymap_from_config(self._config))  # config.yaml `keymap:` (issue 13.3)
        self._remembered: dict[str, Any] = {}  # what this session changed in _config
        self._config_lock = threading.Lock()
        self.save_error: str | None = None
        if options.lean:
            self.add_class("lean")
            self.apply_lean()  # screens/terminal.py: terminal colours, the lean output layer
        else:
            from screens.terminal import input_driver_class

            self.driver_class = input_driver_class() or self.driver_class  # Escape without 100 ms
        if self._workspace is not None:
            self._workspace.subscribe(self._on_workspace_edit)

    @property
    def workspace(self) -> Workspace:
        """The open workspace (waits if a large file is still loading)."""
        if self._workspace is None:
            assert self._loader is not None
            self._workspace = self._loader.result()
            self._workspace.subscribe(self._on_workspace_edit)
        return self._workspace

    @workspace.setter
    def workspace(self, workspace: Workspace) -> None:
        self._workspace = workspace

    def apply_lean(self) -> None:
        """Low-bandwidth mode (issue 8): the terminal's own colours (no background fills, so
        blank line ends become erase-to-end-of-line) and the lean output layer."""
        from screens.terminal import LEAN_THEME, lean_driver_class

        self.theme = LEAN_THEME
        driver = lean_driver_class()
        if driver is not None:
            self.driver_class = driver

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: Any = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Toasts are plain text: file names, labels and errors come from files and users,
        so no markup is parsed and no control or bidi character of theirs is drawn."""
        super().notify(
            clean_text(str(message)),
            title=clean_line(str(title)),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    async def on_event(self, event: events.Event) -> None:
        """A bracketed paste is cleaned before any widget sees it (issue 15.3): pasted ESC,
        control and bidi characters never reach a text box, and so never the terminal."""
        if isinstance(event, events.Paste):
            event.text = clean_text(event.text)
        await super().on_event(event)

    # -- config (personal UI state, never in the shared file) ---------------------------
    def config_value(self, key: str) -> Any:
        return self._config.get(key)

    def remember(self, key: str, value: Any) -> None:
        """Keep a personal setting; written in a thread (a home on a network disk can be slow)."""
        self._config[key] = value
        self._remembered[key] = value
        self._write_config()

    @work(thread=True, group="config", exit_on_error=False)
    def _write_config(self) -> None:
        with self._config_lock:  # whichever write runs last writes every value, the latest
            try:
                save_config(dict(self._remembered))
            except OSError:
                pass

    # -- screens ----------------------------------------------------------------------
    def on_mount(self) -> None:
        if not self.is_headless:  # SIGHUP, SIGTERM: save, release the lock, restore the terminal
            from screens.hangup import install

            install(self)
        # Once the first screen is written (run at the first refresh, it delayed it by 0.1 s).
        self.set_timer(1.0, self._preload_screens)
        notice = fallback_notice()  # another Textual than the tested one: its stock parts
        if notice:
            self.notify(notice, severity="warning", timeout=8)
        if self._workspace is None:
            # First screen now; the rest when the file is read (issue 8: first paint at 100k).
            self.push_screen(CountryListScreen(self.today, {}))
            self.call_after_refresh(self._wait_for_workspace)
            return
        self.push_screen(CountryListScreen(self.today, self.checklist_progress()))
        self._after_open()

    def _preload_screens(self) -> None:
        """After the first frame: import the screens a country opens (~20 ms at first use),
        then keep every object alive now (Textual's, the reference data) out of the
        collector's full scans: they live as long as the app."""
        for target in PARTS.values():
            importlib.import_module(target.partition(":")[0])
        if not self.is_headless:  # tests start many apps in one process: no freezing there
            gc.freeze()

    @work(thread=True, group="open", exit_on_error=False)
    def _wait_for_workspace(self) -> None:
        assert self._loader is not None
        try:
            self._loader.result()
        except Exception as exc:  # noqa: BLE001 - a bad file: the app ends with its message
            self.call_from_thread(self._open_failed, str(exc))
            return
        self.call_from_thread(self._workspace_loaded)

    def _open_failed(self, message: str) -> None:
        self._open_error = message
        self.exit(2)

    def _workspace_loaded(self) -> None:
        self.workspace  # noqa: B018 - adopt it (subscribe) on the UI thread
        screen = self.screen
        if isinstance(screen, CountryListScreen):
            screen.on_screen_resume()  # the checklist column, now that there is data
        self._after_open()

    def _after_open(self) -> None:
        if self.workspace.read_only:
            self.sub_title = "read-only"
        for warning in self.workspace.warnings:
            self.notify(warning, severity="warning")
        if self.workspace.read_only:
            self.notify(
                f"{self.workspace.path.name} is open read-only: edits are not possible.",
                severity="warning",
            )
        self.check_synced_copies()  # conflict copies next to the file: offer to merge them

    def checklist_progress(self) -> dict[str, str]:
        """Country-list column: each country's progress in the cycle its checklist opens on."""
        from tui.exports.checklist import progress_labels

        if self._workspace is None:
            return {}  # still loading: filled in when the file is read (_workspace_loaded)
        ws = self.workspace
        return progress_labels(ws.table("checklist"), self.today, ws.table("countries"))

    def action_import_file(self) -> None:
        """The import screen, for the country of the screen in front (if any)."""
        from screens.importer import open_import

        open_import(self)

    def action_due(self) -> None:
        """Open the Due screen; if one is already open underneath, go back to it."""
        from screens.due import DueScreen

        if any(isinstance(s, DueScreen) for s in self.screen_stack):
            while not isinstance(self.screen, DueScreen) and len(self.screen_stack) > 1:
                self.pop_screen()
            return
        self.push_screen(DueScreen(self.today))

    @on(CountryListScreen.CountryChosen)
    def open_country(self, message: CountryListScreen.CountryChosen) -> None:
        self.remember("last_country", message.iso3)
        self.push_screen(CountryOverviewScreen(message.iso3, self.today))

    @on(CountryOverviewScreen.Open)
    def open_part(self, message: CountryOverviewScreen.Open) -> None:
        target = PARTS.get(message.part)
        if target is None:
            self.notify(f"No screen for {message.part}.", severity="warning")
            return
        module_name, _, class_name = target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            self.notify(
                f"The {message.part} screen is not in this version yet.", severity="warning"
            )
            return
        self.push_screen(getattr(module, class_name)(message.iso3, self.today))

    def action_help(self) -> None:
        screen = self.screen
        if isinstance(screen, HelpScreen):
            screen.dismiss(None)  # F1 again closes it, as ? does
            return
        about = getattr(screen, "HELP", "") or (screen.__doc__ or "").strip()
        title = getattr(screen, "HELP_TITLE", "") or type(screen).__name__
        self.push_screen(HelpScreen(str(title), about, describe_bindings(screen)))

    def action_help_quit(self) -> None:
        """ctrl+c: people press it to leave; say how (Textual's own names a ``quit`` action)."""
        self.notify("ctrl+q quits (and saves).", timeout=3, markup=False)

    # -- undo / redo ------------------------------------------------------------------
    def action_undo(self) -> None:
        if self.workspace.read_only:
            return
        ws = self.workspace
        self.notify(describe(ws.undo(), ws.get, forward=False), timeout=4, markup=False)

    def action_redo(self) -> None:
        redo_here = getattr(self.screen, "action_redo_decision", None)
        if redo_here is not None:  # the triage screens redo and show the record that changed
            redo_here()
            return
        if self.workspace.read_only:
            return
        ws = self.workspace
        self.notify(describe(ws.redo(), ws.get, forward=True), timeout=4, markup=False)

    # -- saving: edits stay in memory; a worker writes within AUTOSAVE_DELAY ------------
    def triage_index(self, iso3: str) -> Any:
        """One triage index per country, kept across visits (building one is O(records))."""
        from tui.triage import TriageIndex

        index = self._triage_indexes.get(iso3)
        if index is None and iso3 in self._preparing:
            self._adopt_prepared(iso3, wait=True)  # started earlier: sooner done than a new one
            index = self._triage_indexes.get(iso3)
        if index is None or index.stale:
            index = TriageIndex(self.workspace, iso3)
            self._triage_indexes[iso3] = index
            keep_long_lived(len(index))
        return index

    def prepare_triage_index(self, iso3: str) -> bool:
        """Build a country's triage index in a thread while its overview is read, so that
        opening its recommendations is one frame. True if a build started (the overview is
        told when it is done: its counts come from the index)."""
        from tui.overview import country_summary
        from tui.triage import TriageIndex

        ws = self._workspace
        if iso3 in self._preparing:
            return True
        if (
            ws is None
            or iso3 in self._triage_indexes
            or len(ws.table("recommendations")) < PREPARE_INDEX_FROM
        ):
            return False
        future: Future[Any] = Future()
        self._preparing[iso3] = (future, self._edits)

        def build() -> None:
            try:
                index = TriageIndex(ws, iso3)
                summary = country_summary(ws, iso3, self.today, (e.record for e in index.entries))
                future.set_result((index, summary))
            except BaseException as exc:  # noqa: BLE001 - e.g. a record added meanwhile
                future.set_exception(exc)
            try:
                self.call_from_thread(self._prepared, iso3)
            except RuntimeError:
                pass  # the app has ended

        threading.Thread(target=build, name=f"triage-index-{iso3}", daemon=True).start()
        return True

    def _prepared(self, iso3: str) -> None:
        self._adopt_prepared(iso3, wait=False)
        screen = self.screen
        if isinstance(screen, CountryOverviewScreen) and screen.iso3 == iso3:
            screen.refresh_summary()

    def _adopt_prepared(self, iso3: str, *, wait: bool) -> None:
        """Keep what a thread built, unless anything changed meanwhile (edits reach only the
        indexes and counts the app holds: these may have missed them)."""
        pending = self._preparing.get(iso3)
        if pending is None or not (wait or pending[0].done()):
            return
        del self._preparing[iso3]
        future, edits = pending
        try:
            index, summary = future.result()
        except Exception:  # noqa: BLE001 - built again on the UI thread when needed
            return
        if edits != self._edits:
            return
        self._triage_indexes.setdefault(iso3, index)
        self._summaries.setdefault(iso3, summary)
        keep_long_lived(len(index))

    def _update_triage_indexes(self, table: str, rid: str, fields: tuple[str, ...]) -> None:
        on_ui = threading.get_ident() == self._ui_thread
        for index in self._triage_indexes.values():
            if index.in_use:
                continue  # its screen updates it (and counts what changed)
            if on_ui:
                index.on_edit(table, rid, fields)
            else:
                index.stale = True  # never touch it from another thread: rebuild on next use

    def country_summary(self, iso3: str) -> Any:
        """The overview's figures, counted once and again only after that country changes."""
        from tui.overview import country_summary

        summary = self._summaries.get(iso3)
        if summary is None:
            index = self._triage_indexes.get(iso3)
            records = None
            if index is not None and not index.stale:
                records = (entry.record for entry in index.entries)  # this country's only
            summary = country_summary(self.workspace, iso3, self.today, records)
            self._summaries[iso3] = summary
        return summary

    def known_summary(self, iso3: str) -> Any:
        """The overview's figures if they are counted already (None: counting takes time)."""
        return self._summaries.get(iso3)

    def _forget_summary(self, table: str, rid: str) -> None:
        if threading.get_ident() != self._ui_thread or table not in (
            "recommendations",
            "checklist",
        ):
            self._summaries.clear()
            return
        record = self.workspace.get(table, rid) or {}
        self._summaries.pop(str(record.get("country", "")), None)

    def _on_workspace_edit(self, table: str, rid: str, fields: tuple[str, ...]) -> None:
        self._edits += 1
        if self._summaries:
            self._forget_summary(table, rid)
        if self._triage_indexes and table == "recommendations":
            self._update_triage_indexes(table, rid, fields)
        if threading.get_ident() != self._ui_thread:
            self.call_from_thread(self._schedule_save)
        else:
            self._schedule_save()

    def _schedule_save(self) -> None:
        if not self._save_scheduled:
            self._save_scheduled = True
            self.set_timer(AUTOSAVE_DELAY, self._autosave)

    def _autosave(self) -> None:
        self._save_scheduled = False
        self.save_in_background()

    @work(thread=True, exclusive=False, group="save")
    def save_in_background(self) -> None:
        self._save_blocking()

    def _save_blocking(self, *, offer: bool = False) -> bool:
        try:
            saved = self.workspace.save()
        except WorkspaceError as exc:
            message = str(exc)
            new_error = message != self.save_error
            if new_error:
                self.save_error = message
                self._notify_threadsafe(message, "error")
            if isinstance(exc, SaveError) and (new_error or offer):
                self._call_on_ui(self.offer_save_elsewhere)  # the folder turned read-only…
            if isinstance(exc, FileReplacedError):
                self.on_file_replaced()  # offer to merge the file in (screens/merge.py)
            return False
        if self.save_error:
            self.save_error = None
            self._notify_threadsafe("Saved.", "information")
        return saved

    def _call_on_ui(self, callback: Any) -> None:
        if threading.get_ident() != self._ui_thread:
            self.call_from_thread(callback)
        else:
            callback()

    def offer_save_elsewhere(self, problem: str = "") -> None:
        """The file cannot be written where it is: ask for another file and go on there."""
        from screens.pickers import TextPrompt

        if isinstance(self.screen, TextPrompt) or self.workspace.read_only:
            return
        path = self.workspace.path
        suggestion = Path.home() / path.name
        try:  # the home folder may be unreadable (a service account, an euid change)
            taken = suggestion == path or suggestion.exists()
        except OSError:
            taken = True
        if taken:
            suggestion = suggestion.with_name(f"{path.stem}-saved{path.suffix}")
        title = problem or f"Cannot save {path.name} where it is. Save your work to:"
        self.push_screen(
            TextPrompt(title, str(suggestion), hint="a new file; edits go there from now on"),
            self._save_elsewhere_chosen,
        )

    def _save_elsewhere_chosen(self, value: str | None) -> None:
        if value and value.strip():
            self.save_elsewhere(value.strip())

    @work(thread=True, exclusive=False, group="save")
    def save_elsewhere(self, target: str) -> None:
        try:
            written = self.workspace.save_as(target)
        except WorkspaceError as exc:
            self.call_from_thread(self.offer_save_elsewhere, f"Not saved: {exc}. Save to:")
            return
        self.save_error = None
        self._notify_threadsafe(
            f"Saved to {written}: edits are saved there from now on.", "information"
        )

    def _notify_threadsafe(self, message: str, severity: str) -> None:
        if threading.get_ident() != self._ui_thread:
            self.call_from_thread(self.notify, message, severity=severity)  # type: ignore[arg-type]
        else:
            self.notify(message, severity=severity)  # type: ignore[arg-type]

    def get_system_commands(self, screen: Any) -> Iterable[SystemCommand]:
        """Textual's own palette entries, and "Save and sync" (issue 19 point 4: no key, the
        palette is where a once-a-day action belongs)."""
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Save and sync",
            "save, then commit, fetch, merge and push the workspace with git (upr sync)",
            self.action_save_and_sync,
        )

    def action_save_and_sync(self) -> None:
        if self.workspace.read_only:
            self.notify("Read-only: nothing is saved or synced.", severity="warning")
            return
        if getattr(self, "_syncing", False):
            self.notify("A sync is running.", timeout=2)
            return
        self._syncing = True
        self.notify(f"Saving and syncing {self.workspace.path.name}…", timeout=3, markup=False)
        self.save_and_sync_in_background()

    @work(thread=True, exclusive=False, group="sync")
    def save_and_sync_in_background(self) -> None:
        """Save, run ``upr sync`` for this file, and merge what git brought into the file."""
        from tui.sync import SyncError, sync

        ws = self.workspace
        try:
            self._save_blocking()
            if self.save_error:
                return
            try:
                report = sync(ws.path.parent, workspace=ws.path, author=ws.author, batch=True)
            except (SyncError, OSError) as exc:
                self._notify_threadsafe(f"Not synced: {clean_line(str(exc))}", "error")
                return
            self._notify_threadsafe("Synced: " + "; ".join(report.lines()), "information")
            if ws.changed_on_disk():  # git merged the team's edits into the file
                self.call_from_thread(self.on_file_replaced)
        finally:
            self._syncing = False

    def action_save_now(self) -> None:
        if self.workspace.read_only:
            self.notify("Read-only: nothing is saved.", severity="warning")
            return
        self.save_now_in_background()

    @work(thread=True, exclusive=False, group="save")
    def save_now_in_background(self) -> None:
        """ctrl+s: save now, in a worker, so the interface never waits on the disk."""
        if self._save_blocking(offer=True):
            self._notify_threadsafe(f"Saved {self.workspace.path.name}.", "information")
        elif not self.save_error:
            self._notify_threadsafe("No changes to save.", "information")

    def action_quit_saving(self) -> None:
        """ctrl+q: quit once everything is on disk. A save already writing (the autosave) is
        waited for, in a worker, never reported as a failure (issue 15.2)."""
        ws = self.workspace
        if ws.read_only or not ws.dirty:
            self.exit(0)
            return
        if getattr(self, "_quit_armed", False):
            self.exit(1)  # the save failed and was reported: quit anyway
            return
        if getattr(self, "_quitting", False):
            return  # the save before quitting is running
        self._quitting = True
        self._save_then_quit()

    @work(thread=True, exclusive=False, group="save")
    def _save_then_quit(self) -> None:
        # The store's save lock makes this wait for a save already writing; then it writes
        # what that one did not have.
        self._save_blocking()
        self.call_from_thread(self._after_quit_save)

    def _after_quit_save(self) -> None:
        self._quitting = False
        if not self.workspace.dirty:
            self.exit(0)
            return
        self.notify(
            "Not saved: fix the problem, or press ctrl+q again to quit anyway.",
            severity="error",
        )
        self._quit_armed = True


NEEDS_TERMINAL = (
    "upr: the app needs a terminal (stdin and stdout); in a script use a command: "
    "calendar, import, export, merge, check (upr --help)"
)


def run(workspace: Workspace | WorkspaceLoader, options: AppOptions) -> int:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        # A script or cron: the app would draw into a file and spin waiting for keys that
        # never come (issue 15.8). The file was opened (a bad or locked one named, exit 2).
        if isinstance(workspace, Workspace):
            workspace.close(save=False)
        print(NEEDS_TERMINAL, file=sys.stderr)
        return 1
    app = UprApp(workspace, options)
    try:
        result = app.run(mouse=options.mouse)
    finally:
        failed = _close_after_run(app)
    return failed if failed is not None else int(result or 0)


def _close_after_run(app: UprApp) -> int | None:
    """Save and release the workspace; exit code 2 if it could not be opened or saved."""
    if app._open_error is not None:
        print(f"upr: {app._open_error}", file=sys.stderr)
        return 2
    try:
        opened = app.workspace
        opened.close(save=not opened.read_only)
    except WorkspaceError as exc:
        print(f"upr: {exc}", file=sys.stderr)
        return 2
    return None
