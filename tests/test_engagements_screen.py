"""Pilot tests of the engagements screen (issue 18 point 1) at 80x24."""

from __future__ import annotations

from helpers import screen_text

from screens.engagements import EngagementForm, EngagementsScreen
from screens.overview import CountryOverviewScreen
from tui import engagements as eng
from tui.store import Workspace


async def open_engagements(app, pilot) -> EngagementsScreen:  # type: ignore[no-untyped-def]
    app.push_screen(CountryOverviewScreen("VNM", app.today))
    await pilot.pause()
    await pilot.press("e")
    await pilot.pause()
    assert isinstance(app.screen, EngagementsScreen)
    return app.screen


async def test_add_a_treaty_body_review_from_the_keyboard(make_app) -> None:
    app = make_app(today="2012-02-21")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_engagements(app, pilot)
        assert "None yet" in screen_text(app)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, EngagementForm)
        await pilot.press(*"cerd", "tab", *"80", "tab", *"21/02/2012", "enter")
        await pilot.pause()
        assert isinstance(app.screen, EngagementForm)  # a bad date is refused in the form
        assert "not a date" in screen_text(app)
        app.screen.query_one("#f-start").value = "2012-02-21"
        await pilot.press("tab", *"2012-02-22", "enter")
        await pilot.pause()
        assert isinstance(app.screen, EngagementsScreen)
        record = app.workspace.get("engagements", "TB:VNM:CERD:80")
        assert record["start"] == "2012-02-21" and record["end"] == "2012-02-22"
        text = screen_text(app)
        assert "CERD 80" in text and "in dialogue" in text
        await pilot.press("d")
        await pilot.pause()
        assert eng.country_engagements(app.workspace, "VNM") == []
        await pilot.press("u")
        await pilot.pause()
        assert "CERD 80" in screen_text(app)


def visit(ws: Workspace) -> None:
    eng.add_engagement(
        ws, "VNM", "SP", body="SR food \x1b[31m", requested="2009-06-01", accepted="2010-01-10"
    )


async def test_edit_a_visit_and_the_overview_shows_it(make_app) -> None:
    app = make_app(today="2010-06-01", setup=visit)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_engagements(app, pilot)
        assert "accepted" in screen_text(app)
        assert "\x1b" not in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, EngagementForm)
        app.screen.query_one("#f-start").value = "2010-11-22"
        app.screen.query_one("#f-end").value = "2010-11-30"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert "scheduled" in screen_text(app)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, CountryOverviewScreen)
        assert "Next: SR food visit 2010 · 2010-11-22 – 2010-11-30 · scheduled" in screen_text(app)


def crc(ws: Workspace) -> None:
    eng.add_engagement(
        ws, "VNM", "TB", body="CRC", session=59, start="2012-05-29", end="2012-05-30"
    )


async def test_an_engagement_checklist_and_the_duties_from_the_keyboard(make_app) -> None:
    from screens.engagements import ItemForm, ItemsScreen

    app = make_app(today="2012-03-01", setup=crc)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_engagements(app, pilot)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ItemsScreen)
        items = eng.checklist_of(app.workspace, "VNM", "TB:VNM:CRC:59")
        assert len(items) == 6
        first = app.screen.row_list.current
        assert first == "VNM:TB:VNM:CRC:59:tbr-state-report"
        assert "2011-05-30" in screen_text(app)  # 365 days before the dialogue
        assert "001, " in screen_text(app)  # the item's source passage
        await pilot.press("d")
        await pilot.pause()
        assert app.workspace.get("checklist", first)["status"] == "done"
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("H")
        await pilot.pause()
        assert isinstance(app.screen, ItemsScreen)
        assert "Regional" in screen_text(app) or "mainstreaming" in screen_text(app)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ItemForm)
        app.screen.query_one("#f-due").value = "2012-04-01"
        await pilot.press("enter")
        await pilot.pause()
        assert (
            app.workspace.get("checklist", "VNM:duties:duty-mainstreaming")["due"] == "2012-04-01"
        )
        assert app.workspace.get("checklist", "VNM:duties:duty-mainstreaming")["owner"] == "RC"
