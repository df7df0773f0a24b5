"""Command-line tables: Rich on a terminal, plain TSV with a header in a pipe (DESIGN §9)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tui.sanitize import clean_line


def emit_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], *, title: str = "", stream=None
) -> None:
    stream = stream or sys.stdout
    if not stream.isatty():
        stream.write("\t".join(header) + "\n")
        for row in rows:
            stream.write("\t".join(clean_line(str(c)).replace("\t", " ") for c in row) + "\n")
        return
    table = Table(title=title or None, header_style="bold", box=None, pad_edge=False)
    for name in header:
        table.add_column(name)
    for row in rows:
        table.add_row(*(Text(clean_line(str(c))) for c in row))
    Console(file=stream).print(table)
