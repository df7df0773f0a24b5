"""``upr check FILE``: validate a workspace, change nothing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tui.store import WorkspaceError, check_file


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="workspace file to validate")


def run(args: argparse.Namespace) -> int:
    try:
        print(check_file(args.file))
    except WorkspaceError as exc:
        print(f"upr: {exc}", file=sys.stderr)
        return 2
    return 0
