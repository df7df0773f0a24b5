"""The implementation plan export (issue 7, item 3): actions with the paragraphs they answer.

One row per action: title, linked paragraph numbers (natural order), cluster, responsible
entity, baseline, indicator, target, cost estimate, deadline, status; then the cost totals by
cluster (each action counted once, so the totals add up). CSV, XLSX (two sheets) or Markdown.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import IO, Any

from tui.actions import (
    ClusterCost,
    action_cluster,
    cost_by_cluster,
    cost_of,
    country_actions,
    format_cost,
    linked_ids,
    linked_paragraphs,
)
from tui.exports.safe import (
    STATUS_LABELS,
    Sheet,
    Source,
    data_stamp,
    label,
    md_cell,
    md_text,
    plain,
    state_name,
    write_csv,
    write_xlsx,
)

FORMATS = ("csv", "xlsx", "md")
NO_CLUSTER = "No cluster"
# (header, XLSX width, wrapped)
COLUMNS: tuple[tuple[str, float, bool], ...] = (
    ("Action", 40, True),
    ("Recommendations (paragraphs)", 20, True),
    ("Cluster", 18, True),
    ("Responsible entity", 16, True),
    ("Baseline", 24, True),
    ("Indicator", 24, True),
    ("Target", 24, True),
    ("Cost estimate", 14, False),
    ("Deadline", 11, False),
    ("Status", 16, False),
    ("Note", 28, True),
    ("Id", 24, False),
)
HEADER = tuple(c[0] for c in COLUMNS)
COST_COLUMN = HEADER.index("Cost estimate")
TOTALS_HEADER = ("Cluster", "Actions", "Cost estimate", "Actions without estimate")


@dataclass
class Plan:
    iso3: str
    name: str
    cycle: int | None
    actions: list[dict[str, Any]]
    recs: Mapping[str, Mapping[str, Any]]
    totals: list[ClusterCost]

    @property
    def total(self) -> Decimal:
        return sum((t.total for t in self.totals), Decimal(0))

    @property
    def unestimated(self) -> int:
        return sum(t.unestimated for t in self.totals)


def build_plan(source: Source, iso3: str, cycle: int | None = None) -> Plan:
    """The country's live actions (with ``cycle``: those linked to a recommendation of it)."""

    recs = source.table("recommendations")
    actions = country_actions(source, iso3)
    if cycle is not None:
        actions = [
            a
            for a in actions
            if any((recs.get(r) or {}).get("cycle") == cycle for r in linked_ids(a))
        ]
    country = source.table("countries").get(iso3) or {}
    order = [c for c in country.get("clusters", []) if isinstance(c, str)]
    return Plan(iso3, state_name(iso3), cycle, actions, recs, cost_by_cluster(actions, recs, order))


def _cost_number(action: Mapping[str, Any]) -> int | float | None:
    cost = cost_of(action)
    if cost is None:
        return None
    return int(cost) if cost == cost.to_integral_value() else float(cost)


def plan_row(
    action: Mapping[str, Any], recs: Mapping[str, Mapping[str, Any]], *, cost_as_text: bool = False
) -> list[Any]:
    """Cells of one action in :data:`HEADER` order."""
    cost: Any = format_cost(cost_of(action)) if cost_as_text else _cost_number(action)
    return [
        plain(action.get("title")),
        ", ".join(linked_paragraphs(action, recs)),
        action_cluster(action, recs),
        plain(action.get("entity")),
        plain(action.get("baseline")),
        plain(action.get("indicator")),
        plain(action.get("target")),
        cost,
        plain(action.get("deadline")),
        label(STATUS_LABELS, action.get("status")),
        plain(action.get("note")),
        plain(action.get("id")),
    ]


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def totals_rows(plan: Plan) -> Iterator[list[Any]]:
    """One row per cluster, then the grand total."""
    for row in plan.totals:
        yield [row.cluster or NO_CLUSTER, row.actions, _number(row.total), row.unestimated]
    yield ["Total", len(plan.actions), _number(plan.total), plan.unestimated]


def plan_markdown(plan: Plan) -> str:
    scope = f", cycle {plan.cycle}" if plan.cycle is not None else ""
    lines = [
        f"# {md_text(f'Implementation plan: {plan.name}{scope}')}",
        "",
        md_text(
            f"{len(plan.actions)} actions; estimated cost {format_cost(plan.total) or '0'}"
            + (f" ({plan.unestimated} without an estimate)" if plan.unestimated else "")
            + "."
        ),
        "",
        "| " + " | ".join(HEADER[:-1]) + " |",
        "| "
        + " | ".join("---:" if i == COST_COLUMN else "---" for i in range(len(HEADER) - 1))
        + " |",
    ]
    for action in plan.actions:
        cells = plan_row(action, plan.recs, cost_as_text=True)[:-1]
        lines.append("| " + " | ".join(md_cell(c) for c in cells) + " |")
    lines += [
        "",
        "## Cost by cluster",
        "",
        "| " + " | ".join(TOTALS_HEADER) + " |",
        "| --- | ---: | ---: | ---: |",
    ]
    for row in totals_rows(plan):
        cells = [row[0], str(row[1]), format_cost(row[2]) or "0", str(row[3])]
        lines.append("| " + " | ".join(md_cell(c) for c in cells) + " |")
    lines.append("")
    return "\n".join(lines)


def write_plan(
    source: Source,
    iso3: str,
    fmt: str,
    out: IO[bytes],
    *,
    cycle: int | None = None,
    today: date | None = None,
    bom: bool = False,
) -> int:
    """Write the plan of ``iso3`` as ``csv``, ``xlsx`` or ``md``; returns the action count.

    CSV: the actions table, one empty line, then the totals table (``Cluster,Actions,...``).
    """
    if fmt not in FORMATS:
        raise ValueError(f"plan formats are {', '.join(FORMATS)}, not {fmt!r}")
    plan = build_plan(source, iso3, cycle)
    rows = (plan_row(a, plan.recs) for a in plan.actions)
    if fmt == "csv":
        write_csv(out, HEADER, rows, bom=bom)
        out.write(b"\r\n")
        write_csv(out, TOTALS_HEADER, totals_rows(plan))
    elif fmt == "md":
        out.write(plan_markdown(plan).encode("utf-8"))
    else:
        money = "#,##0.00"
        sheets: Sequence[Sheet] = (
            Sheet(
                "Actions",
                HEADER,
                rows,
                widths=[c[1] for c in COLUMNS],
                wrap=[i for i, c in enumerate(COLUMNS) if c[2]],
                number_formats={COST_COLUMN: money},
                freeze="B2",
            ),
            Sheet(
                "Cost by cluster",
                TOTALS_HEADER,
                totals_rows(plan),
                widths=[30, 10, 16, 14],
                number_formats={2: money},
            ),
        )
        linked = [plan.recs[r] for a in plan.actions for r in linked_ids(a) if r in plan.recs]
        write_xlsx(
            out,
            sheets,
            stamp=data_stamp([*plan.actions, *linked]),
            title=f"Implementation plan: {plan.name}",
            subject="Actions answering UPR recommendations, with costs",
        )
    return len(plan.actions)
