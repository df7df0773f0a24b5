"""What every ``upr`` subcommand shares on its command line (DESIGN §9).

A core module of its own so that command modules never import the CLI dispatcher
(``tui.cli``), which knows them all.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

DEFAULT_WORKSPACE = "upr-workbench.json"


class UsageError(Exception):
    """A user mistake on the command line: one line on stderr, exit 1."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error exits 1 as DESIGN §9 says (argparse would exit 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]  # never returns: exits
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(1)


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date YYYY-MM-DD") from None


def add_workspace_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-w",
        "--workspace",
        type=Path,
        default=Path(DEFAULT_WORKSPACE),
        help=f"workspace file (default: ./{DEFAULT_WORKSPACE})",
    )
