"""Continuity on screen (issue 17): the links queue (L), the detail pane's linked
recommendations, and carry forward (P) on one recommendation or a marked group."""

from __future__ import annotations

from typing import Any

from helpers import screen_text

from screens.continuity import LinksQueueScreen
from screens.textpane import TextPane
from screens.triage import RecommendationsScreen
from tui import links
from tui.store import Workspace

TABLE = "recommendations"
OLD, NEW = "UPR:A/HRC/43/15:", "UPR:A/HRC/59/15:"
PAIRS = [
    ("Ratify the Convention on the Reduction of Statelessness", "122.1", "140.1"),
    ("Adopt a comprehensive law on domestic violence against women", "122.2", "140.2"),
    ("Establish a national human rights institution with an A status", "122.3", "140.3"),
]
DECIDED = {
    "cluster": "Statelessness",
    "lead_entity": "UNHCR",
    "partners": ["IOM"],
    "cf_outcome": "Outcome 2",
    "status": "implemented",
    "evidence": "Ratified in 2024",
}


def setup(ws: Workspace) -> None:
    for text, old, new in PAIRS:
        for para, cycle, session, doc in (
            (old, 3, 34, "A/HRC/43/15"),
            (new, 4, 48, "A/HRC/59/15"),
        ):
            values: dict[str, Any] = {
                "country": "SVN",
                "cycle": cycle,
                "session": session,
                "document": doc,
                "paragraph": para,
                "text": text + (" by 2030" if cycle == 4 else ""),
                "position": "supported",
            }
            ws.edit(TABLE, f"UPR:{doc}:{para}", values)
    ws.edit(TABLE, OLD + "122.1", DECIDED)
    ws.edit(TABLE, OLD + "122.2", {**DECIDED, "cluster": "Violence", "evidence": ""})


async def open_list(app, pilot) -> RecommendationsScreen:
    app.push_screen(RecommendationsScreen("SVN", app.today))
    await pilot.pause()
    assert isinstance(app.screen, RecommendationsScreen)
    return app.screen


async def test_links_queue_accepts_rejects_and_offers_another_candidate(make_app) -> None:
    app = make_app(setup=setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_list(app, pilot)
        await pilot.press("L")
        await pilot.pause()
        queue = app.screen
        assert isinstance(queue, LinksQueueScreen)
        text = screen_text(app)
        assert "Links 1 of 3" in text and "Candidate: Cycle 3 · 122.1" in text
        assert text.splitlines()[-1].rstrip().endswith("q back")  # the keys fit in 80 columns
        await pilot.press("n")  # reject 122.1 for 140.1: the next recommendation (one candidate)
        ws = app.workspace
        rejected = ws.get("links", links.link_id(NEW + "140.1", OLD + "122.1"))
        assert rejected["relation"] == "rejected"
        assert "140.2" in screen_text(app)
        await pilot.press("y")
        same = ws.get("links", links.link_id(NEW + "140.2", OLD + "122.2"))
        assert same["relation"] == "same" and not same["deleted"]
        await pilot.press("u")  # undo takes the link back
        await pilot.pause()
        assert ws.get("links", links.link_id(NEW + "140.2", OLD + "122.2"))["deleted"]
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, RecommendationsScreen)
        # the rejected pair is not suggested again
        assert not any(
            s.candidate == OLD + "122.1" for s in links.suggest(ws, "SVN", only=[NEW + "140.1"])
        )


async def test_detail_pane_lists_linked_recommendations(make_app) -> None:
    app = make_app(setup=setup)
    async with app.run_test(size=(100, 40)) as pilot:
        links.set_link(app.workspace, NEW + "140.1", OLD + "122.1", "same")
        screen = await open_list(app, pilot)
        rows = [e.rid for e in screen.rows]
        screen.row_list.cursor = rows.index(NEW + "140.1")
        await pilot.press("v")
        await pilot.pause()
        detail = screen.query_one("#detail", TextPane).text.plain
        assert "Linked" in detail
        assert "same: UPR cycle 3 · 122.1 · supported · implemented · decided by tester" in detail
        assert "evidence: Ratified in 2024" in detail
        screen.row_list.cursor = rows.index(OLD + "122.1")  # and from the other side
        await pilot.pause()
        screen.update_detail()
        detail = screen.query_one("#detail", TextPane).text.plain
        assert "same: UPR cycle 4 · 140.1" in detail


async def test_carry_forward_copies_a_marked_group_in_one_undo_step(make_app) -> None:
    app = make_app(setup=setup)
    async with app.run_test(size=(80, 24)) as pilot:
        ws = app.workspace
        links.set_link(ws, NEW + "140.1", OLD + "122.1", "same")
        links.set_link(ws, NEW + "140.2", OLD + "122.2", "related")
        screen = await open_list(app, pilot)
        rows = [e.rid for e in screen.rows]
        for rid in (NEW + "140.1", NEW + "140.2"):
            screen.row_list.cursor = rows.index(rid)
            await pilot.press("space")
        await pilot.press("P")
        await pilot.pause()
        first, second = ws.get(TABLE, NEW + "140.1"), ws.get(TABLE, NEW + "140.2")
        for fname in links.CARRIED_FIELDS:
            assert first[fname] == DECIDED[fname]
        assert second["cluster"] == "Violence" and second["lead_entity"] == "UNHCR"
        assert first["status"] != "implemented"  # status is the current cycle's own
        assert first["triaged"] and second["triaged"]
        await pilot.press("u")  # one step undoes both
        await pilot.pause()
        for rid in (NEW + "140.1", NEW + "140.2"):
            assert ws.get(TABLE, rid)["cluster"] == "" and not ws.get(TABLE, rid)["triaged"]
        # a recommendation without a linked previous one: nothing changes, and it says why
        screen.row_list.cursor = rows.index(NEW + "140.3")
        await pilot.press("P")
        await pilot.pause()
        assert ws.get(TABLE, NEW + "140.3")["cluster"] == ""


async def test_links_queue_links_any_other_recommendation_and_unlinks(make_app) -> None:
    app = make_app(setup=setup)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_list(app, pilot)
        screen.row_list.cursor = [e.rid for e in screen.rows].index(NEW + "140.3")
        await pilot.press("L")
        await pilot.pause()
        assert isinstance(app.screen, LinksQueueScreen)
        assert "Cycle 4 · 140.3" in screen_text(app)
        await pilot.press("o")  # a recommendation the suggestions did not offer
        await pilot.pause()
        await pilot.press(*"122.1", "enter")
        await pilot.pause()
        assert "Candidate: Cycle 3 · 122.1 · picked by hand" in screen_text(app)
        await pilot.press("r")
        ws = app.workspace
        lid = links.link_id(NEW + "140.3", OLD + "122.1")
        assert ws.get("links", lid)["relation"] == "related"
        await pilot.press("d")  # still shown (the last of the queue): removed
        await pilot.pause()
        assert ws.get("links", lid)["deleted"]
        assert links.LinkIndex(ws).links(NEW + "140.3") == []


async def test_the_queue_has_carry_forward_and_tag_keys_too(make_app) -> None:
    from screens.queue import QueueScreen

    app = make_app(setup=setup)
    async with app.run_test(size=(80, 24)) as pilot:
        ws = app.workspace
        links.set_link(ws, NEW + "140.1", OLD + "122.1", "same")
        screen = await open_list(app, pilot)
        screen.row_list.cursor = [e.rid for e in screen.rows].index(NEW + "140.1")
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        assert "same: UPR cycle 3 · 122.1" in screen_text(app)
        await pilot.press("P")
        await pilot.pause()
        assert ws.get(TABLE, NEW + "140.1")["cluster"] == "Statelessness"
        assert app.screen.current.rid != NEW + "140.1"  # a decision moves on, as in the list
