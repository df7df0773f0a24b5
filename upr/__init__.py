"""The ``upr`` entry point: the one place that joins the core (``tui``) and the screens.

``upr SUBCOMMAND`` runs in the core (``tui.cli``) and never imports Textual; ``upr [FILE]``
opens the workspace in the core, then starts the app from ``screens``. Layers, top down:
``upr`` -> ``screens`` -> ``tui`` (see ARCHITECTURE.md; import-linter checks them).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tui import cli
from tui.args import UsageError
from tui.sanitize import clean_line


def run_app(args: argparse.Namespace) -> int:
    """Open the workspace (a large one while the first screen shows) and run the app."""
    from tui.config import resolve_author
    from tui.session import AppOptions, configure_environment, start_workspace
    from tui.store import WorkspaceError

    if args.demo and args.file:
        raise UsageError("give either a FILE or --demo, not both")
    if args.file is not None:
        mistyped = cli.close_subcommand(args.file)
        if mistyped:
            raise UsageError(
                f"{clean_line(str(args.file))!r} is not a command: did you mean 'upr {mistyped}'? "
                "(to start a new workspace by that name, give it a .json ending)"
            )
    try:
        author = resolve_author(args.author)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    options = AppOptions.from_args(args, author)
    try:
        opened = start_workspace(options)
    except WorkspaceError as exc:
        print(f"upr: {exc}", file=sys.stderr)
        return 2
    configure_environment(options)
    from screens.app import run as run_tui  # Textual is imported only now

    return run_tui(opened, options)


def main(argv: Sequence[str] | None = None) -> int:
    """The ``upr`` console script and ``python -m upr``."""
    return cli.main(argv, start_app=run_app)
