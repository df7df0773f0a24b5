"""What the app opens: the workspace (or the demo), the author, today's date, display options."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tui.args import DEFAULT_WORKSPACE
from tui.paths import user_data_dir
from tui.store import LockedError, Workspace, WorkspaceError

DEMO_FILE = "demo-workspace.json"


@dataclass
class AppOptions:
    path: Path
    author: str
    today: date | None = None
    demo: bool = False
    mouse: bool = False
    colors: str | None = None
    lean: bool = False
    read_only: bool = False

    @classmethod
    def from_args(cls, args: argparse.Namespace, author: str) -> AppOptions:
        over_ssh = bool(os.environ.get("SSH_CONNECTION"))
        lean = over_ssh if args.lean is None else bool(args.lean)
        if args.demo:
            path = user_data_dir() / DEMO_FILE
        else:
            path = args.file or Path(DEFAULT_WORKSPACE)
        return cls(
            path=path,
            author=author,
            today=args.today,
            demo=bool(args.demo),
            mouse=bool(args.mouse) or not over_ssh,
            colors=args.colors or ("16" if lean else None),
            lean=lean,
            read_only=bool(args.read_only),
        )

    def today_date(self) -> date:
        return self.today or date.today()


ESCAPE_DELAY_MS = 25


def configure_environment(options: AppOptions) -> None:
    """Settings Textual reads when it is imported: call before importing any screen."""
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    os.environ.setdefault("TEXTUAL_SMOOTH_SCROLL", "0")
    # A lone Escape is told from the start of a key sequence by waiting: Textual waits 100 ms,
    # every escape back. A terminal writes a sequence whole and ssh carries it in one packet, so
    # 25 ms is enough (Neovim waits 50, tmux 10); curses' ESCDELAY, if set, wins (issue 8).
    os.environ.setdefault("ESCDELAY", str(ESCAPE_DELAY_MS))
    colors = {"16": "standard", "256": "256", "truecolor": "truecolor"}
    if options.colors:
        os.environ["TEXTUAL_COLOR_SYSTEM"] = colors[options.colors]


def open_workspace_for_app(options: AppOptions) -> Workspace:
    """Open the workspace; build the demo on first use; offer read-only if it is locked."""
    if options.demo:
        from tui.demo import ensure_demo

        ensure_demo(options.path, author=options.author, today=options.today_date())
    note = ""
    if options.path.name.endswith(".gz") and not options.read_only:
        # A share copy: the app works on the plain .json next to it (tui/share.py says why).
        from tui.share import open_share_copy

        opened = open_share_copy(options.path, author=options.author)
        options.path, note = opened.path, opened.message
    try:
        ws = Workspace.open(options.path, author=options.author, read_only=options.read_only)
        if note:
            ws.warnings.append(note)
        return ws
    except LockedError as exc:
        if sys.stdin.isatty() and sys.stdout.isatty():
            answer = input(f"{exc}.\nOpen read-only? [y/N] ").strip().lower()
            if answer in ("y", "yes"):
                options.read_only = True
                return Workspace.open(options.path, author=options.author, read_only=True)
        raise WorkspaceError(f"{exc} (use --read-only to look without editing)") from None


# -- opening a large workspace while the first screen shows (issue 8, DESIGN §7) ------------------

# Files larger than this open in a thread: the country list needs none of it, so it appears
# at once instead of after the parse and validation (~2.3 s for 100,000 recommendations).
BACKGROUND_LOAD_BYTES = 5_000_000


class WorkspaceLoader:
    """A workspace being opened in a thread; ``result()`` waits for it (or raises its error)."""

    def __init__(self, options: AppOptions) -> None:
        import threading

        self.options = options
        self.path = options.path
        self._done = threading.Event()
        self._workspace: Workspace | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="upr-open", daemon=True)
        self._start_lock = threading.Lock()
        self._started = False

    def start(self) -> WorkspaceLoader:
        """Begin reading (once). The app starts it after its first paint: reading in
        parallel would compete with the first screen for the interpreter lock."""
        with self._start_lock:
            if not self._started:
                self._started = True
                self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self._workspace = Workspace.open(
                self.options.path, author=self.options.author, read_only=self.options.read_only
            )
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for the result
            self._error = exc
        finally:
            self._done.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def result(self, timeout: float | None = None) -> Workspace:
        """The open workspace; raises WorkspaceError if it could not be opened."""
        self.start()
        if not self._done.wait(timeout):
            raise TimeoutError(f"{self.path.name} is still loading")
        if self._error is not None:
            if isinstance(self._error, LockedError):
                raise WorkspaceError(f"{self._error} (use --read-only to look without editing)")
            raise self._error
        assert self._workspace is not None
        return self._workspace


def start_workspace(options: AppOptions) -> Workspace | WorkspaceLoader:
    """Open the workspace now, or, for a large plain file nobody holds, start opening it.

    Anything that may need the terminal before the app starts (the demo's first build, a
    share copy, a lock held by someone else: "open read-only?") opens at once as before, and
    so does everything off a terminal (scripts, tests: a bad file is refused before any app).
    """
    if options.demo or options.path.name.endswith(".gz"):
        return open_workspace_for_app(options)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return open_workspace_for_app(options)  # no first screen to show: refuse a bad file now
    try:
        size = options.path.stat().st_size
    except OSError:
        return open_workspace_for_app(options)
    if size < BACKGROUND_LOAD_BYTES:
        return open_workspace_for_app(options)
    if not options.read_only:
        from tui.store import read_lock

        if read_lock(options.path) is not None:
            return open_workspace_for_app(options)  # held (or stale): ask, or take it over, now
    return WorkspaceLoader(options)  # started by the app once its first screen is painted
