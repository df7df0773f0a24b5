"""``upr check FILE``: validate a workspace, change nothing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tui.sanitize import clean_line
from tui.store import WorkspaceError, check_file


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="workspace file to validate")


def run(args: argparse.Namespace) -> int:
    try:
        print(check_file(args.file))
        warnings = duplicate_warnings(args.file)
    except WorkspaceError as exc:
        print(f"upr: {exc}", file=sys.stderr)
        return 2
    for line in warnings:
        print(f"upr check: warning: {line}", file=sys.stderr)
    return 0


def duplicate_warnings(path: Path) -> list[str]:
    """Duplicates are a warning, not a fault (exit 0): ``upr dedupe`` folds them."""
    from tui import dedupe
    from tui.store import Workspace

    ws = Workspace.open(path, author="check", read_only=True, create=False, lock=False)
    out = [clean_line(w) for w in ws.warnings]
    count = dedupe.duplicate_count(ws.table(dedupe.TABLE))
    if count:
        out.append(
            f"{count} recommendation record(s) duplicate another (the same recommendation "
            f"twice); 'upr dedupe {clean_line(str(path))}' folds them"
        )
    return out
