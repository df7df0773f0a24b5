"""Pilot tests of the implementation plan screen and the country brief at 80x24."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from helpers import screen_text

from screens.actions import ActionForm, ActionsScreen
from screens.brief import BriefScreen, start_export
from screens.overview import CountryOverviewScreen
from screens.pickers import MultiPicker, Picker, TextPrompt
from screens.rowlist import RowList
from tui import actions as act
from tui.store import Workspace

SYMBOL = "A/HRC/59/15"


def setup(ws: Workspace) -> None:
    for paragraph, cluster in [("140.2", "Justice"), ("140.10", "Justice"), ("140.3", "Health")]:
        ws.edit(
            "recommendations",
            f"UPR:{SYMBOL}:{paragraph}",
            {
                "country": "SVN",
                "cycle": 4,
                "document": SYMBOL,
                "paragraph": paragraph,
                "text": f"Recommendation {paragraph} [bold]not markup[/bold]",
                "cluster": cluster,
                "position": "supported",
            },
        )


def with_action(ws: Workspace) -> None:
    setup(ws)
    act.add_action(
        ws,
        "SVN",
        "Train judges \x1b]0;evil\x07",
        recommendations=[f"UPR:{SYMBOL}:140.10"],
        entity="UNDP",
        cost=12000,
        deadline="2026-06-30",
    )


async def open_plan(app, pilot) -> ActionsScreen:  # type: ignore[no-untyped-def]
    app.push_screen(CountryOverviewScreen("SVN", app.today))
    await pilot.pause()
    await pilot.press("A")
    await pilot.pause()
    assert isinstance(app.screen, ActionsScreen)
    return app.screen


async def test_add_an_action_with_the_form(make_app) -> None:
    app = make_app(setup=setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_plan(app, pilot)
        assert "No actions yet" in screen_text(app)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ActionForm)
        await pilot.press(*"Train judges")
        await pilot.press(
            "tab",
            *"UNDP",
            "tab",
            *"0 trained",
            "tab",
            *"judges trained",
            "tab",
            *"200",
            "tab",
            *"lots",
        )
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ActionForm)  # the bad cost is refused in the form
        assert "not an amount" in screen_text(app)
        cost = app.screen.query_one("#f-cost")
        assert cost.has_focus
        cost.value = "12,500"
        await pilot.press("tab", *"2027-06-30", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ActionsScreen)
        actions = act.country_actions(app.workspace, "SVN")
        assert len(actions) == 1
        a = actions[0]
        assert (
            a["title"],
            a["entity"],
            a["baseline"],
            a["indicator"],
            a["target"],
            a["cost"],
            a["deadline"],
        ) == ("Train judges", "UNDP", "0 trained", "judges trained", "200", 12500, "2027-06-30")
        text = screen_text(app)
        assert "Train judges" in text and "1 action · 0 implemented · estimated cost 12,500" in text


async def test_link_status_entity_note_delete_and_undo(make_app) -> None:
    app = make_app(setup=with_action, today="2026-11-25")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_plan(app, pilot)
        ws = app.workspace
        aid = act.country_actions(ws, "SVN")[0]["id"]
        text = screen_text(app)
        assert "1 late" in text  # deadline 2026-06-30 has passed
        assert "evil" not in text and "\x1b" not in text
        assert "[bold]not markup[/bold]" in text  # detail pane: the linked text, literally

        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, MultiPicker)
        await pilot.press(*"140.2")
        await pilot.pause()
        await pilot.press("tab", "enter")
        await pilot.pause()
        # Links in paragraph order (the picker's order).
        assert ws.get("actions", aid)["recommendations"] == [
            f"UPR:{SYMBOL}:140.2",
            f"UPR:{SYMBOL}:140.10",
        ]
        assert "140.2, 140.10" in screen_text(app)

        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, Picker)
        await pilot.press(*"implemented")
        await pilot.press("down", "enter")  # "partially implemented" matches first
        await pilot.pause()
        assert ws.get("actions", aid)["status"] == "implemented"
        assert "late" not in screen_text(app).split("\n")[1]  # no longer late

        await pilot.press("e")
        await pilot.pause()
        await pilot.press(*"unicef", "enter")
        await pilot.pause()
        assert ws.get("actions", aid)["entity"] == "UNICEF"

        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"with the bar", "enter")
        await pilot.pause()
        assert ws.get("actions", aid)["note"] == "with the bar"

        await pilot.press("d")
        await pilot.pause()
        assert act.country_actions(ws, "SVN") == []
        assert "No actions yet" in screen_text(app)
        await pilot.press("u")
        await pilot.pause()
        assert [a["id"] for a in act.country_actions(ws, "SVN")] == [aid]
        assert "Train judges" in screen_text(app)


async def test_enter_edits_and_escape_cancels(make_app) -> None:
    app = make_app(setup=with_action)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_plan(app, pilot)
        ws = app.workspace
        aid = act.country_actions(ws, "SVN")[0]["id"]
        await pilot.press("enter")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ActionForm)
        assert form.query_one("#f-cost").value == "12,000"
        form.query_one("#f-title").value = "Changed"
        await pilot.press("escape")
        await pilot.pause()
        assert ws.get("actions", aid)["title"].startswith("Train judges")
        await pilot.press("enter")
        await pilot.pause()
        app.screen.query_one("#f-target").value = "300"
        app.screen.query_one("#f-cluster").value = "Health"
        await pilot.press("enter")
        await pilot.pause()
        record = ws.get("actions", aid)
        assert (record["target"], record["cluster"], record["cost"]) == ("300", "Health", 12000)
        assert (
            len(
                [
                    h
                    for h in ws.table("history").values()
                    if h["record"] == aid and h["field"] == "cost"
                ]
            )
            == 0
        )  # unchanged cost not rewritten


async def test_read_only_workspace_refuses_edits(make_app, tmp_path: Path) -> None:
    path = tmp_path / "ro.json"
    ws = Workspace.open(path, author="tester")
    with_action(ws)
    ws.save()
    ws.close()
    app = make_app(path=tmp_path / "other.json")
    app.workspace = Workspace.open(path, author="tester", read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_plan(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        assert app.screen is screen  # no form opens
        messages = [n.message for n in app._notifications]
        assert any("Read-only" in m for m in messages)
        await pilot.press("d")
        await pilot.pause()
        assert len(act.country_actions(app.workspace, "SVN")) == 1


async def test_brief_screen_and_export_from_the_app(
    make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(setup=with_action, today="2026-11-25")
    monkeypatch.chdir(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(CountryOverviewScreen("SVN", app.today))
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, BriefScreen)
        text = screen_text(app)
        assert "Slovenia (SVN): UPR country brief, 25 Nov 2026" in text
        assert "Recommendations (cycle 4): 3, 0 triaged" in text
        assert "\x1b]0;evil" not in text
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, Picker)
        await pilot.press(*"matrix xlsx", "enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        target = tmp_path / "matrix-SVN.xlsx"
        assert target.exists()
        sheet = openpyxl.load_workbook(target).active
        assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [
            "140.2",
            "140.3",
            "140.10",
        ]
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, ActionsScreen)


async def test_export_uses_a_copy_taken_before_later_edits(make_app, tmp_path: Path) -> None:
    app = make_app(setup=with_action)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_plan(app, pilot)
        start_export(screen, "SVN", "plan", "csv", date(2026, 11, 25), folder=tmp_path)
        app.workspace.edit(
            "actions",
            act.country_actions(app.workspace, "SVN")[0]["id"],
            {"title": "Renamed after the copy"},
        )
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = (tmp_path / "plan-SVN.csv").read_text("utf-8-sig")
        assert "Train judges" in text and "Renamed" not in text
        rows = screen.query_one("#ac-rows", RowList)
        assert len(rows.rows) == 1


async def test_deleting_an_action_whose_title_looks_like_markup(make_app) -> None:
    """The "Deleted: …" toast shows the title as text: "[/x]" once crashed the app (MarkupError)."""

    def markup_title(ws: Workspace) -> None:
        setup(ws)
        act.add_action(ws, "SVN", "Close [/x] and [b]gaps[/b]", entity="UNDP")

    app = make_app(setup=markup_title)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:  # toasts drawn
        await open_plan(app, pilot)
        await pilot.press("d")
        await pilot.pause()
        assert "Deleted: Close [/x] and [b]gaps[/b]" in screen_text(app)


async def test_link_picker_shows_its_clear_row_whole(make_app) -> None:
    """The clear row is wider than the paragraph column: it once showed as "(none: …"."""
    app = make_app(setup=with_action)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_plan(app, pilot)
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, MultiPicker)
        text = screen_text(app)
        assert "(none: unlink all)" in text
        assert "140.2 " in text  # paragraphs keep their narrow column


async def test_form_hints_fit_at_80_columns(make_app) -> None:
    """Every field's hint is read whole in an empty form (they were cut at 80 columns)."""
    from screens.actions import FORM_FIELDS

    app = make_app(setup=setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_plan(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        text = screen_text(app)
        for _, _, hint in FORM_FIELDS:
            assert hint in text, hint


async def test_brief_charts_fit_the_screen_with_every_count(make_app) -> None:
    """At 80 columns the charts once ran past the page and cut counts to "…"."""

    def many(ws: Workspace) -> None:
        for n in range(1, 131):
            ws.edit(
                "recommendations",
                f"UPR:{SYMBOL}:141.{n}",
                {
                    "country": "SVN",
                    "cycle": 4,
                    "document": SYMBOL,
                    "paragraph": f"141.{n}",
                    "text": "x",
                    "position": "supported",
                    "cluster": "Statelessness and nationality" if n == 1 else "",
                },
            )

    app = make_app(setup=many)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(BriefScreen("SVN", app.today))
        await pilot.pause()
        text = screen_text(app)
        for expected in (
            "Supported 130 █",
            "No information 130 █",
            "No cluster",
            " 129 █",
            "No priority 130 █",
        ):
            assert expected in text, expected
        assert "…█" not in text.replace(" ", "")  # no bar cut short with an ellipsis


async def test_no_text_box_blinks(make_app) -> None:
    """Forms, pickers and prompts share one non-blinking input (DESIGN §7: no timers)."""
    from textual.widgets import Input

    app = make_app(setup=with_action)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_plan(app, pilot)
        for key in ("a", "e", "m", "l"):  # form, picker, prompt, multi-picker
            await pilot.press(key)
            await pilot.pause()
            boxes = list(app.screen.query(Input))
            assert boxes and not any(box.cursor_blink for box in boxes), key
            await pilot.press("escape")
            await pilot.pause()
