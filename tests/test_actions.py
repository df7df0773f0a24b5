"""Implementation plan core: adding, editing and linking actions; costs; clusters; overdue."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui import actions as act
from tui.store import Workspace

SYMBOL = "A/HRC/59/15"


def rec_id(paragraph: str) -> str:
    return f"UPR:{SYMBOL}:{paragraph}"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    workspace = Workspace.open(tmp_path / "ws.json", author="tester")
    for paragraph, cluster in [
        ("140.2", "Justice"),
        ("140.10", "Justice"),
        ("140.3", "Health"),
        ("140.4", "Health"),
        ("140.5", ""),
    ]:
        workspace.edit(
            "recommendations",
            rec_id(paragraph),
            {
                "country": "SVN",
                "cycle": 4,
                "document": SYMBOL,
                "paragraph": paragraph,
                "text": f"Recommendation {paragraph}",
                "cluster": cluster,
            },
        )
    yield workspace
    workspace.close(save=False)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("", None),
        ("  ", None),
        ("12000", 12000),
        ("12,000", 12000),
        ("USD 12 000", 12000),
        ("$1,234.56", 1234.56),
        ("250k", 250_000),
        ("1.5m", 1_500_000),
        ("0", 0),
        (".5", 0.5),
        ("1 234 567", 1_234_567),
        ("€ 99.999", 100),
    ],
)
def test_parse_cost(text: str, value: int | float | None) -> None:
    parsed = act.parse_cost(text)
    assert parsed == value and type(parsed) is type(value)


@pytest.mark.parametrize(
    "text", ["abc", "-5", "12.000,50", "1,2345", "1e9", "12..5", "k", "9999999999999999"]
)
def test_parse_cost_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        act.parse_cost(text)


@given(st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False))
def test_format_then_parse_round_trips(amount: Decimal) -> None:
    assert Decimal(str(act.parse_cost(act.format_cost(amount)))) == amount


@pytest.mark.parametrize(
    "value", ["=1+1", [1], {"a": 1}, True, -3, float("nan"), float("inf"), 1e16]
)
def test_hostile_costs_count_as_not_estimated(value: object) -> None:
    assert act.cost_of({"cost": value}) is None


def test_add_action_stores_every_field(ws: Workspace) -> None:
    aid = act.add_action(
        ws,
        "SVN",
        "  Train   judges ",
        recommendations=[rec_id("140.2"), rec_id("140.2")],
        entity="UNDP",
        baseline="0 trained",
        indicator="judges trained",
        target="200",
        cost="12,500",
        deadline="2027-06-30",
        status="in_progress",
        note="\x1b[31mwith the bar",
    )
    assert re.fullmatch(r"SVN:act:[0-9a-f]{12}", aid)
    record = ws.get("actions", aid)
    assert record is not None
    assert record["title"] == "Train judges"
    assert record["recommendations"] == [rec_id("140.2")]  # duplicates dropped
    assert (record["entity"], record["baseline"], record["indicator"], record["target"]) == (
        "UNDP",
        "0 trained",
        "judges trained",
        "200",
    )
    assert record["cost"] == 12500 and record["deadline"] == "2027-06-30"
    assert record["status"] == "in_progress" and record["note"] == "with the bar"
    assert record["country"] == "SVN" and record["deleted"] is False


def test_two_actions_get_two_ids(ws: Workspace) -> None:
    assert act.add_action(ws, "SVN", "Same") != act.add_action(ws, "SVN", "Same")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "   ", "title"),
        ("cost", "lots", "cost"),
        ("deadline", "30/06/2027", "deadline"),
        ("deadline", "2027-02-30", "deadline"),
        ("status", "done", "status"),
        ("colour", "red", "colour"),
    ],
)
def test_bad_values_are_refused_and_nothing_changes(
    ws: Workspace, field: str, value: str, message: str
) -> None:
    aid = act.add_action(ws, "SVN", "Action")
    before = dict(ws.get("actions", aid) or {})
    with pytest.raises(ValueError, match=message):
        act.update_action(ws, aid, {field: value})
    assert ws.get("actions", aid) == before


def test_update_parses_and_undo_restores(ws: Workspace) -> None:
    aid = act.add_action(ws, "SVN", "Action", cost=100)
    assert act.update_action(ws, aid, {"cost": "1.5k", "deadline": " 2027-01-31 ", "title": "New"})
    record = ws.get("actions", aid)
    assert record is not None and (record["cost"], record["deadline"], record["title"]) == (
        1500,
        "2027-01-31",
        "New",
    )
    assert not act.update_action(ws, aid, {"cost": "1,500"})  # same value: no change
    ws.undo()
    record = ws.get("actions", aid)
    assert record is not None and (record["cost"], record["deadline"], record["title"]) == (
        100,
        "",
        "Action",
    )


def test_add_is_one_undo_step_that_hides_the_action(ws: Workspace) -> None:
    aid = act.add_action(ws, "SVN", "Action", cost=5)
    ws.undo()
    assert ws.get("actions", aid)["deleted"] is True  # type: ignore[index]
    assert act.country_actions(ws, "SVN") == []


def test_link_unlink_and_paragraphs_in_natural_order(ws: Workspace) -> None:
    aid = act.add_action(ws, "SVN", "Action", recommendations=[rec_id("140.10")])
    assert act.link(ws, aid, [rec_id("140.2"), rec_id("140.10"), "UPR:A/HRC/1/1:9.9"])
    record = ws.get("actions", aid)
    assert record is not None
    assert record["recommendations"] == [rec_id("140.10"), rec_id("140.2"), "UPR:A/HRC/1/1:9.9"]
    recs = ws.table("recommendations")
    # A link to a recommendation not in the workspace shows its id.
    assert act.linked_paragraphs(record, recs) == ["140.2", "140.10", "UPR:A/HRC/1/1:9.9"]
    assert act.unlink(ws, aid, ["UPR:A/HRC/1/1:9.9"])
    assert act.linked_paragraphs(ws.get("actions", aid), recs) == ["140.2", "140.10"]  # type: ignore[arg-type]
    assert [a["id"] for a in act.actions_for(ws, rec_id("140.2"))] == [aid]
    assert act.actions_for(ws, rec_id("140.3")) == []


def test_action_cluster(ws: Workspace) -> None:
    recs = ws.table("recommendations")
    two_justice = {"recommendations": [rec_id("140.2"), rec_id("140.10"), rec_id("140.3")]}
    assert act.action_cluster(two_justice, recs) == "Justice"
    tie = {"recommendations": [rec_id("140.2"), rec_id("140.3")]}
    assert act.action_cluster(tie, recs) == "Health"  # ties: alphabetical
    assert act.action_cluster({**tie, "cluster": "Education"}, recs) == "Education"
    assert act.action_cluster({"recommendations": [rec_id("140.5")]}, recs) == ""
    assert act.action_cluster({"recommendations": "not a list"}, recs) == ""


def test_cost_by_cluster_adds_up(ws: Workspace) -> None:
    a1 = act.add_action(ws, "SVN", "A1", recommendations=[rec_id("140.2")], cost="1,000.50")
    act.add_action(ws, "SVN", "A2", recommendations=[rec_id("140.3"), rec_id("140.4")], cost=2000)
    act.add_action(ws, "SVN", "A3", recommendations=[rec_id("140.10")])  # no estimate
    act.add_action(ws, "SVN", "A4", cost="0.25")  # no links, no cluster
    act.add_action(ws, "SVN", "A5", recommendations=[rec_id("140.3")], cluster="Justice", cost=10)
    act.delete_action(ws, a1)
    act.add_action(ws, "AUT", "Elsewhere", cost=999)
    rows = act.cost_by_cluster(
        act.country_actions(ws, "SVN"), ws.table("recommendations"), order=["Justice"]
    )
    got = [(r.cluster, r.actions, r.total, r.unestimated) for r in rows]
    assert got == [
        ("Justice", 2, Decimal("10"), 1),
        ("Health", 1, Decimal("2000"), 0),
        ("", 1, Decimal("0.25"), 0),
    ]


def test_plan_order_and_overdue(ws: Workspace) -> None:
    late = act.add_action(ws, "SVN", "Late", deadline="2026-01-01")
    done = act.add_action(ws, "SVN", "Done", deadline="2025-01-01", status="implemented")
    undated = act.add_action(ws, "SVN", "Undated")
    later = act.add_action(ws, "SVN", "Later", deadline="2027-01-01")
    assert [a["id"] for a in act.country_actions(ws, "SVN")] == [done, late, later, undated]
    assert [a["id"] for a in act.overdue_actions(ws, "SVN", date(2026, 11, 25))] == [late]
    assert act.is_overdue({"deadline": "not a date"}, date(2026, 1, 1)) is False
