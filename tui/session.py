"""What the app opens: the workspace (or the demo), the author, today's date, display options."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

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
        from tui.cli import DEFAULT_WORKSPACE

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


def configure_environment(options: AppOptions) -> None:
    """Settings Textual reads when it is imported: call before importing any screen."""
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    os.environ.setdefault("TEXTUAL_SMOOTH_SCROLL", "0")
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
