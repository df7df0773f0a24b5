"""``upr sync [REMOTE] [-w FILE]``: commit, fetch, merge with the driver, push (issue 19.4).

The work is in ``tui/sync.py`` (the app's "Save and sync" runs the same). Exit codes: 0 ok
(conflicts are a normal outcome: they wait in the app's review), 1 a state git or sync refuses
(not a repository, no remote, a merge stopped), with one line on stderr.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from tui.args import UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "remote", nargs="?", metavar="REMOTE", help="git remote (default: the branch's, or origin)"
    )
    parser.add_argument(
        "-w",
        "--workspace",
        type=Path,
        help="the workspace file to sync (default: every file registered with merge=upr)",
    )
    parser.add_argument("--author", help="your author id for the commit message")


def run(args: argparse.Namespace) -> int:
    from tui.config import resolve_author
    from tui.sync import SyncError, sync

    if shutil.which("git") is None:
        raise UsageError("git is not installed (or not on PATH)")
    try:
        author = resolve_author(args.author)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        report = sync(Path.cwd(), remote=args.remote, workspace=args.workspace, author=author)
    except SyncError as exc:
        raise UsageError(f"sync: {exc}") from None
    for line in report.lines():
        print(line)
    sys.stdout.flush()
    return 0
