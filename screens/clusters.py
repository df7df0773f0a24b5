"""The country's thematic clusters: counts by position, priority and status, and progress.

The start of a national implementation plan: recommendations grouped by theme, with the
priority ones counted. ``enter`` goes back to the list filtered to that cluster.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from screens.rowlist import Column, RowHeader, RowList
from tui import triage

COLUMNS = [
    Column("name", "Cluster", 0, min_width=16),
    Column("total", "Recs", 5, justify="right"),
    Column("supported", "Sup", 4, justify="right"),
    Column("in_part", "Part", 4, justify="right"),
    Column("noted", "Noted", 5, justify="right"),
    Column("pending", "Pend", 4, justify="right", show_from=100),
    Column("high", "High", 4, justify="right"),
    Column("medium", "Med", 4, justify="right"),
    Column("low", "Low", 4, justify="right"),
    Column("not_started", "NotSt", 5, justify="right", show_from=110),
    Column("in_progress", "InPr", 5, justify="right", show_from=110),
    Column("partial", "Partl", 5, justify="right", show_from=110),
    Column("implemented", "Impl", 4, justify="right"),
    Column("progress", "Triaged", 7, justify="right"),
]


def cluster_cells(row: triage.ClusterRow) -> dict[str, Any]:
    def n(value: int) -> str:
        return str(value) if value else "·"

    return {
        "name": row.name if row.name else Text("(no cluster)", style="dim"),
        "total": str(row.total),
        "supported": n(row.positions["supported"]),
        "in_part": n(row.positions["supported_in_part"]),
        "noted": n(row.positions["noted"]),
        "pending": n(row.positions["pending"]),
        "high": n(row.priorities["high"]),
        "medium": n(row.priorities["medium"]),
        "low": n(row.priorities["low"]),
        "not_started": n(row.statuses["not_started"]),
        "in_progress": n(row.statuses["in_progress"]),
        "partial": n(row.statuses["partially_implemented"]),
        "implemented": n(row.implemented),
        "progress": f"{row.progress}%" if row.total else "—",
    }


class ClustersScreen(Screen[str | None]):
    """Thematic clusters of one country with their counts; enter filters the list to one."""

    CSS_PATH = "triage.tcss"
    HELP_TITLE = "Clusters"
    HELP = (
        "The country's thematic clusters (the list the team grows while triaging), each with "
        "its recommendations by position (Sup supported, Part supported in part, Noted, Pend "
        "pending), by priority (High, Med, Low), by status (NotSt not started, InPr in "
        "progress, Partl partially implemented, Impl implemented) and the share triaged. "
        "enter shows the cluster's recommendations."
    )

    BINDINGS = [
        Binding("escape,q", "back", "Back"),
    ]

    def __init__(self, index: triage.TriageIndex, country_name: str) -> None:
        super().__init__()
        self.index = index
        self.country_name = country_name

    def compose(self) -> ComposeResult:
        yield Static(id="counter", markup=False)
        header = RowHeader(COLUMNS, id="header")
        rows = RowList(
            COLUMNS,
            cluster_cells,
            id="clusters",
            empty_text="No recommendations yet: nothing to cluster.",
        )
        rows.header = header
        yield header
        yield rows
        yield Static(
            Text("enter show its recommendations · q back · ? help", no_wrap=True),
            id="status",
            markup=False,
        )

    def on_mount(self) -> None:
        rows = self.index.cluster_table()
        self.query_one("#clusters", RowList).set_rows(rows)
        self.query_one("#clusters", RowList).focus()
        clustered = sum(r.total for r in rows if r.name)
        named = sum(1 for r in rows if r.name)
        total = len(self.index)
        high = sum(r.priorities["high"] for r in rows)
        self.query_one("#counter", Static).update(
            Text(
                f"{self.country_name} · {named} cluster{'' if named == 1 else 's'} · {clustered} of {total} recommendations "
                f"clustered ({triage.percent(clustered, total)}%) · {high} high priority",
                no_wrap=True,
                overflow="ellipsis",
            )
        )

    @on(RowList.Selected, "#clusters")
    def _selected(self) -> None:
        row = self.query_one("#clusters", RowList).current
        if row is not None:
            self.dismiss(row.name)

    def action_back(self) -> None:
        self.dismiss(None)
