"""Pilot tests of the checklist and Due screens at 80x24 (issue 3 §2-§4).

Lithuania is reviewed at session 54 (25 Jan - 5 Feb 2027, dates inferred); on 25 Nov 2026 eight
of its default items are overdue and one (delegation support, 30 Nov) is due soon.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from helpers import screen_text

from screens.app import UprApp
from screens.checklist import (
    AddItemScreen,
    ChecklistScreen,
    EditItemScreen,
    ItemRow,
    PhaseRow,
    TemplatePicker,
)
from screens.countries import CountryListScreen
from screens.due import DueScreen
from screens.overview import CountryOverviewScreen
from screens.rowlist import RowList
from tui.exports import checklist as core
from tui.session import AppOptions
from tui.store import Workspace

LTU = "LTU:4:"


async def open_ltu(pilot) -> ChecklistScreen:
    await pilot.press(*"lithu")
    await pilot.press("enter")
    assert isinstance(pilot.app.screen, CountryOverviewScreen)
    await pilot.press("c")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ChecklistScreen)
    return screen


def live(app: UprApp, prefix: str = LTU) -> dict[str, dict]:
    return {
        rid: e
        for rid, e in app.workspace.table("checklist").items()
        if rid.startswith(prefix) and not e.get("deleted")
    }


def line_with(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


async def test_open_mark_undo_and_reopen(make_app, tmp_path: Path) -> None:
    app = make_app(today="2026-11-25")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ltu(pilot)
        # First opening creates the cycle-4 items from the default template, one undo step.
        assert screen.cycle == 4
        assert len(live(app)) == 17
        shown = screen_text(app)
        assert "Lithuania (LTU) · checklist · cycle 4" in shown
        assert "(session projected, dates inferred)" in shown
        assert "before the review, 61 days to go" in shown
        assert "Overall ░░░░░░░░░░░░ 0/17 · 8 late · 1 due soon" in shown
        assert "General  ░░░░░░░░ 0/5  5 late" in shown
        # The cursor starts on the first item, not on the phase header.
        assert screen.current_rid() == LTU + "know-review-date"
        assert "Why: Every other deadline of the cycle counts from the session dates." in shown
        detail = screen.detail_text().plain
        assert (
            "Due 2026-01-25 · overdue by 304 days · 365 days before the session starts "
            "(session projected, dates inferred)" in detail
        )
        first = line_with(shown, "Know when the country")
        assert first.startswith("[ ] ") and first.rstrip().endswith("2026-01-25 late")

        await pilot.press("d")
        await pilot.pause()
        assert app.workspace.get("checklist", LTU + "know-review-date")["status"] == "done"
        shown = screen_text(app)
        assert "Overall █░░░░░░░░░░░ 1/17 · 7 late · 1 due soon" in shown
        assert "General  █░░░░░░░ 1/5  4 late" in shown
        first = line_with(shown, "Know when the country")
        assert first.startswith("[x] ") and "late" not in first

        # In progress and not applicable on the next items.
        await pilot.press("down", "i", "down", "n")
        await pilot.pause()
        statuses = {k: e["status"] for k, e in live(app).items()}
        assert statuses[LTU + "read-guidelines"] == "in_progress"
        assert statuses[LTU + "read-past-reports"] == "not_applicable"
        shown = screen_text(app)
        assert line_with(shown, "Review the UPR information").startswith("[~] ")
        assert "late" in line_with(shown, "Review the UPR information")  # in progress is still late
        assert "General  ███░░░░░ 2/5  3 late" in shown

        # u undoes one change at a time (app-wide key).
        await pilot.press("u")
        await pilot.pause()
        assert app.workspace.get("checklist", LTU + "read-past-reports")["status"] == "todo"
        assert "General  █░░░░░░░ 1/5  4 late" in screen_text(app)
        await pilot.press("u", "u")
        await pilot.pause()
        assert "Overall ░░░░░░░░░░░░ 0/17 · 8 late · 1 due soon" in screen_text(app)
        # One more undo takes back the creation itself: nothing left, and s starts it again.
        await pilot.press("u")
        await pilot.pause()
        assert live(app) == {}
        assert "No checklist for cycle 4 yet: s starts it" in screen_text(app)
        await pilot.press("s")
        await pilot.pause()
        assert len(live(app)) == 17
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("ctrl+q")
    path = tmp_path / "ws.json"
    app.workspace.close(save=False)
    ws = Workspace.open(path, author="tester", read_only=True)
    try:
        entries = {rid: e for rid, e in ws.table("checklist").items() if not e.get("deleted")}
        assert len(entries) == 17
        assert entries[LTU + "know-review-date"]["status"] == "done"
        assert entries[LTU + "read-guidelines"]["status"] == "todo"
        assert entries[LTU + "joint-submission"]["due"] == "2026-07-09"
    finally:
        ws.close(save=False)


async def test_due_soon_becomes_late_with_the_date(make_app, tmp_path: Path) -> None:
    async def flag_on(today: str) -> str:
        app = make_app(today=today, path=tmp_path / f"{today}.json")
        async with app.run_test(size=(80, 24)) as pilot:
            await open_ltu(pilot)
            return line_with(screen_text(app), "Help the country take part").rstrip()

    assert (await flag_on("2026-11-10")).endswith("2026-11-30")
    assert (await flag_on("2026-11-20")).endswith("2026-11-30 soon")
    assert (await flag_on("2026-12-01")).endswith("2026-11-30 late")


async def test_edit_owner_due_note_in_one_undo_step(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ltu(pilot)
        rid = LTU + "joint-submission"
        screen.row_list.set_cursor(screen.index[rid])
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, EditItemScreen)
        await pilot.press(*"undp", "tab", "ctrl+u", *"2026-1-1", "enter")
        await pilot.pause()
        # A bad date keeps the form open and says why.
        assert isinstance(app.screen, EditItemScreen)
        assert "'2026-1-1' is not a date" in screen_text(app)
        await pilot.press("ctrl+u", *"2026-12-24", "tab", *"Ask [RC]", "enter")
        await pilot.pause()
        assert app.screen is screen
        entry = app.workspace.get("checklist", rid)
        assert (entry["owner"], entry["due"], entry["note"]) == ("UNDP", "2026-12-24", "Ask [RC]")
        shown = screen_text(app)
        assert "Owner: UNDP · Note: Ask [RC]" in shown
        assert "set by hand (the rule gives 2026-07-09)" in shown
        row = line_with(shown, "Know whether the UNCT")
        assert row.rstrip().endswith("2026-12-24") and "late" not in row
        assert "Overall ░░░░░░░░░░░░ 0/17 · 7 late · 1 due soon" in shown
        # Empty due goes back to the rule's date.
        await pilot.press("e", "tab", "ctrl+u", "enter")
        await pilot.pause()
        assert app.workspace.get("checklist", rid)["due"] == "2026-07-09"
        await pilot.press("u")
        await pilot.pause()
        assert app.workspace.get("checklist", rid)["due"] == "2026-12-24"
        await pilot.press("u")  # the three fields of the first edit come back together
        await pilot.pause()
        entry = app.workspace.get("checklist", rid)
        assert (entry["owner"], entry["due"], entry["note"]) == ("", "2026-07-09", "")
        # Escape cancels without a change.
        await pilot.press("e", *"WHO", "escape")
        await pilot.pause()
        assert app.workspace.get("checklist", rid)["owner"] == ""


async def test_add_custom_item(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ltu(pilot)
        screen.row_list.set_cursor(screen.index[LTU + "national-report"])  # a pre-session item
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AddItemScreen)
        await pilot.press("enter")  # no text: refused
        await pilot.pause()
        assert isinstance(app.screen, AddItemScreen)
        assert "An item needs a text." in screen_text(app)
        await pilot.press(
            *"Brief the new RC", "tab", "right", "tab", *"2026-12-10", "tab", *"unicef", "enter"
        )
        await pilot.pause()
        assert app.screen is screen
        rid = LTU + "custom-brief-the-new-rc"
        entry = app.workspace.get("checklist", rid)
        assert entry is not None
        assert (entry["custom"], entry["phase"], entry["due"], entry["owner"], entry["status"]) == (
            True,
            "in_session",
            "2026-12-10",
            "UNICEF",
            "todo",
        )
        assert screen.current_rid() == rid
        shown = screen_text(app)
        assert "Added by the team for this country." in shown
        assert "Overall ░░░░░░░░░░░░ 0/18" in shown
        # It sits last in its phase.
        in_session = [
            r.rid
            for r in screen.rows[screen.header_index["in_session"] + 1 :]
            if isinstance(r, ItemRow)
        ][:5]
        assert in_session[-1] == rid
        await pilot.press("d")
        await pilot.pause()
        assert app.workspace.get("checklist", rid)["status"] == "done"
        await pilot.press("u", "u")
        await pilot.pause()
        assert app.workspace.get("checklist", rid)["deleted"] is True
        assert rid not in screen.index and len(live(app)) == 17


async def test_templates_picker_adds_and_sets_aside(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ltu(pilot)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TemplatePicker)
        assert "[x] UNCT checklist for engaging with the UPR (unct-upr)" in screen_text(app)
        await pilot.press("down", "space", "enter")
        await pilot.pause()
        assert app.workspace.get("countries", "LTU")["templates"] == [
            "unct-upr",
            "sg-decision-2014-5",
        ]
        sg = {rid for rid in live(app) if rid.startswith(LTU + "sg-")}
        assert len(sg) == 12 and len(live(app)) == 29
        app.workspace.edit("checklist", LTU + "sg-joint-submission", {"status": "done"})
        # Dropping the template sets its items aside; taking it again brings them back as they were.
        await pilot.press("t", "down", "space", "enter")
        await pilot.pause()
        assert app.workspace.get("countries", "LTU")["templates"] == ["unct-upr"]
        assert len(live(app)) == 17
        await pilot.press("t", "down", "space", "enter")
        await pilot.pause()
        assert app.workspace.get("checklist", LTU + "sg-joint-submission")["status"] == "done"
        assert "Overall █░░░░░░░░░░░ 1/29" in screen_text(app)
        # The last template cannot be dropped.
        await pilot.press("t", "space", "down", "space", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TemplatePicker)
        assert "Choose at least one template." in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert len(live(app)) == 29


async def test_switch_cycle_and_start_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ltu(pilot)
        await pilot.press("less_than_sign")
        await pilot.pause()
        assert screen.cycle == 3
        shown = screen_text(app)
        assert "cycle 3" in shown and "No checklist for cycle 3 yet" in shown
        assert "after the review, follow-up" in shown
        assert live(app, "LTU:3:") == {}  # browsing creates nothing
        await pilot.press("s")
        await pilot.pause()
        started = live(app, "LTU:3:")
        assert len(started) == 17
        review = core.review_for("LTU", 3)
        assert review is not None and review.session.number == 40
        assert started["LTU:3:attend-review"]["due"] == review.start.isoformat()
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert screen.cycle == 4 and "Overall ░░░░░░░░░░░░ 0/17" in screen_text(app)


async def test_export_from_the_screen(make_app, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app(today="2026-11-25")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_ltu(pilot)
        await pilot.press("d", "x")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
    written = tmp_path / "checklist-LTU-c4.md"
    assert written.exists()
    app.workspace.close(save=False)
    from tui.cli import main

    assert (
        main(
            ["export", "checklist", "LTU", "-w", str(tmp_path / "ws.json"), "--today", "2026-11-25"]
        )
        == 0
    )
    assert written.read_text("utf-8") == capsys.readouterr().out
    assert "- [x] Know when the country is scheduled for review" in written.read_text("utf-8")


async def test_help_lists_checklist_keys(make_app) -> None:
    from screens.help import describe_bindings

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ltu(pilot)
        keys = dict((label, key) for key, label in describe_bindings(screen))
        assert keys["Done"] == "d" and keys["In progress"] == "i" and keys["To do"] == "o"
        assert keys["Not applicable"] == "n" and keys["Edit owner, due date, note"] == "e"
        assert keys["Add an item"] == "a" and keys["Undo"] == "u"
        assert keys["Previous cycle"] == "<" and keys["Next cycle"] == ">"
        assert "Export to Markdown" in keys and "Due across countries" in keys
        await pilot.press("question_mark")
        await pilot.pause()
        assert "Help: Checklist" in screen_text(app)


async def test_country_list_column_follows_the_checklist(make_app) -> None:
    app = make_app(today="2026-11-25")
    async with app.run_test(size=(120, 30)) as pilot:
        await open_ltu(pilot)
        await pilot.press("d", "down", "d")
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, CountryListScreen)
        shown = screen_text(app)
        assert "Checklist" in line_with(shown, "Next review")
        assert line_with(shown, "Lithuania").rstrip().endswith("2/17 ✓ 6 late")
        rows = app.screen.query_one("#countries", RowList)
        assert rows.current.state.iso3 == "LTU"  # the cursor stays on the country


async def test_read_only_workspace_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ro.json"
    Workspace.open(path, author="tester").close()
    ws = Workspace.open(path, author="tester", read_only=True)
    app = UprApp(
        ws, AppOptions(path=path, author="tester", today=date(2026, 11, 25), read_only=True)
    )
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await open_ltu(pilot)
            assert "open read-only" in screen_text(app)
            await pilot.press("s", "a")
            await pilot.pause()
            assert isinstance(app.screen, ChecklistScreen)
            assert dict(ws.table("checklist")) == {}
    finally:
        ws.close(save=False)


# --------------------------------------------------------------------------- Due screen


def two_countries(ws: Workspace) -> None:
    core.start_checklist(ws, "LTU", 4)
    core.start_checklist(ws, "SVN", 4)
    for rid, entry in list(ws.table("checklist").items()):
        if rid.startswith("SVN:4:") and entry["phase"] in ("general", "pre_session", "in_session"):
            ws.edit("checklist", rid, {"status": "done"})
    ws.edit("checklist", "SVN:4:follow-up-mechanism", {"status": "in_progress", "owner": "UNDP"})


async def test_due_screen_lists_soonest_first_and_jumps(make_app) -> None:
    app = make_app(today="2026-11-25", setup=two_countries)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DueScreen)
        items = screen.items
        dues = [i.due for i in items]
        assert dues == sorted(dues)
        assert [i.id for i in items] == [
            "SVN:4:integrate-recommendations",
            "SVN:4:follow-up-mechanism",
            "SVN:4:follow-up-assistance",
            "LTU:4:know-review-date",
            "LTU:4:read-guidelines",
            "LTU:4:read-past-reports",
            "LTU:4:map-national-mechanisms",
            "LTU:4:ohchr-contact",
            "LTU:4:joint-submission",
            "LTU:4:stakeholder-submissions",
            "LTU:4:national-report",
            "LTU:4:delegation-support",
        ]
        assert all(i.days < 0 for i in items[:-1]) and items[-1].days == 5
        shown = screen_text(app)
        assert "next 30 days · 12 items in 2 countries · 11 late" in shown
        assert line_with(shown, "2025-07-18").split()[1:3] == ["495d", "late"]
        assert "in 5d" in line_with(shown, "2026-11-30")
        # Further ahead: + steps 30 -> 60 -> 90 days and brings in the session items.
        await pilot.press("plus", "plus")
        await pilot.pause()
        assert screen.days == 90
        assert "LTU:4:inform-media" in [i.id for i in screen.items]
        await pilot.press("minus", "minus", "minus")
        await pilot.pause()
        assert screen.days == 14
        # Jump: enter opens the item in its checklist.
        target = screen.items.index(
            next(i for i in screen.items if i.id == "LTU:4:joint-submission")
        )
        screen.row_list.set_cursor(target)
        await pilot.press("enter")
        await pilot.pause()
        checklist = app.screen
        assert isinstance(checklist, ChecklistScreen)
        assert (checklist.iso3, checklist.cycle) == ("LTU", 4)
        assert checklist.current_rid() == "LTU:4:joint-submission"
        assert not isinstance(checklist.row_list.current, PhaseRow)
        await pilot.press("d", "D")  # D from the checklist goes back to the open Due screen
        await pilot.pause()
        assert app.screen is screen
        assert len([s for s in app.screen_stack if isinstance(s, DueScreen)]) == 1
        assert "LTU:4:joint-submission" not in [i.id for i in screen.items]
        assert screen.row_list.current is not None


async def test_due_screen_empty_workspace(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, DueScreen)
        assert "Nothing overdue or due in the next 30 days." in screen_text(app)
        await pilot.press("D")  # D again on the Due screen does not stack another one
        await pilot.pause()
        assert len([s for s in app.screen_stack if isinstance(s, DueScreen)]) == 1


async def test_due_item_of_a_code_that_is_no_state_opens(make_app) -> None:
    """A file may hold a checklist for a code that is no State ("XKX"): the Due screen lists
    it and enter opens its checklist (it raised KeyError in the checklist's header)."""

    def odd(ws: Workspace) -> None:
        ws.edit(
            "checklist",
            "XKX:4:custom-brief-the-office",
            {
                "country": "XKX",
                "cycle": 4,
                "item": "custom-brief-the-office",
                "phase": "general",
                "text": "Brief the office",
                "status": "todo",
                "due": "2026-11-20",
                "custom": True,
            },
        )

    app = make_app(today="2026-11-25", setup=odd)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        assert [i.id for i in app.screen.items] == ["XKX:4:custom-brief-the-office"]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChecklistScreen)
        text = screen_text(app)
        assert "XKX · checklist · cycle 4" in text and "Brief the office" in text
        await pilot.press("less_than_sign", "greater_than_sign", "d")
        await pilot.pause()
        assert app.workspace.get("checklist", "XKX:4:custom-brief-the-office")["status"] == "done"


@pytest.mark.parametrize("width", [80, 120])
async def test_due_screen_fits(make_app, width: int) -> None:
    app = make_app(setup=two_countries)
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        header = line_with(screen_text(app), "Country")
        assert "Country" in header and "Item" in header
        assert ("Owner" in header) == (width >= 110)


async def test_adoption_statement_due_from_the_wg_report_in_the_workspace(
    make_app, tmp_path: Path
) -> None:
    """Issue 18, 5.2: Bahrain's first review (April 2008) was adopted at HRC8 (its report is
    A/HRC/8/19), not at HRC9 as the months rule says: the screen's rule date follows the report,
    whether the overview counted it first or not."""
    from tui import council

    def setup(ws: Workspace) -> None:
        ws.edit(
            "recommendations",
            "UPR:A/HRC/8/19:1",
            {"country": "BHR", "cycle": 1, "document": "A/HRC/8/19", "text": "x"},
        )

    hrc8 = council.council_session(8).start.isoformat()
    for via_overview in (False, True):
        app = make_app(setup=setup, path=tmp_path / f"{via_overview}.json")
        async with app.run_test(size=(80, 24)) as pilot:
            if via_overview:
                await pilot.press(*"bahrain", "enter")
                await pilot.pause()
                await pilot.pause()
                assert app.known_summary("BHR").wg_reports == {1: "A/HRC/8/19"}
            screen = ChecklistScreen("BHR", app.today, cycle=1)
            app.push_screen(screen)
            await pilot.pause()
            await pilot.press("s")
            await pilot.pause()
            entry = app.workspace.get("checklist", "BHR:1:adoption-statement")
            assert entry is not None and entry["due"] == hrc8
            assert screen.rule_due(entry) == hrc8 != council.council_session(9).start.isoformat()


async def test_due_screen_filters_by_owner(make_app) -> None:
    """Issue 19 point 3: o shows one owner's items (case-insensitive), All owners clears it."""

    def setup(ws: Workspace) -> None:
        two_countries(ws)
        ws.edit("checklist", "LTU:4:read-guidelines", {"owner": "undp"})

    app = make_app(today="2026-11-25", setup=setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DueScreen) and len(screen.items) == 12
        await pilot.press("o")
        await pilot.pause()
        await pilot.press(*"UNDP", "enter")
        await pilot.pause()
        assert app.screen is screen
        assert sorted(i.id for i in screen.items) == [
            "LTU:4:read-guidelines",
            "SVN:4:follow-up-mechanism",
        ]
        assert "owner UNDP" in screen_text(app)
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("up", "up", "up", "enter")  # the first row: All owners
        await pilot.pause()
        assert screen.owner is None and len(screen.items) == 12


# --------------------------------------------------------------------------- live cycle (14.6)


async def test_checklist_opens_on_the_live_cycle(make_app) -> None:
    """Slovenia on 7 Dec 2026: cycle 5 starts in Nov 2029, so the checklist opens on cycle 4's
    follow-up (16 items late), even with cycle 5 started ahead."""

    def ahead(ws: Workspace) -> None:
        core.start_checklist(ws, "SVN", 5)

    app = make_app(today="2026-12-07", setup=ahead)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ChecklistScreen("SVN", date(2026, 12, 7)))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ChecklistScreen) and screen.cycle == 4
        shown = screen_text(app)
        assert "Slovenia (SVN) · checklist · cycle 4" in shown
        assert "Overall ░░░░░░░░░░░░ 0/17 · 16 late" in shown
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert screen.cycle == 5  # the later cycle is still one key away


async def test_due_screen_shows_a_country_not_started(make_app) -> None:
    """Morocco has a recommendation and no checklist: F4 lists its 7 overdue cycle-5 items
    (from its templates and the calendar); enter starts that checklist on the item."""

    def morocco(ws: Workspace) -> None:
        ws.edit("recommendations", "r-mar", {"country": "MAR", "text": "a", "cycle": 4})

    app = make_app(today="2026-12-07", setup=morocco)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DueScreen)
        late = [i for i in screen.items if i.days < 0]
        assert len(late) == 7 and {(i.iso3, i.cycle) for i in late} == {("MAR", 5)}
        shown = screen_text(app)
        assert "Nothing overdue" not in shown and "7 late" in shown and "Morocco" in shown
        assert not app.workspace.table("checklist")  # nothing written by looking
        target = late[2].id
        screen.row_list.set_cursor(2)
        await pilot.press("enter")
        await pilot.pause()
        checklist = app.screen
        assert isinstance(checklist, ChecklistScreen) and checklist.cycle == 5
        assert checklist.current_rid() == target
        assert len(live(app, "MAR:5:")) == 17


async def test_n_on_a_marked_group_is_one_undo_step(make_app) -> None:
    app = make_app(today="2026-11-25")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ltu(pilot)
        first = screen.current_rid()
        await pilot.press("space", "space")  # marks two items, the cursor moves down
        marked = set(screen.marks)
        assert first in marked and len(marked) == 2
        assert screen_text(app).count("●[ ]") == 2
        await pilot.press("n")
        await pilot.pause()
        assert {live(app)[r]["status"] for r in marked} == {"not_applicable"}
        assert sum(e["status"] == "not_applicable" for e in live(app).values()) == 2
        assert not screen.marks and "●" not in screen_text(app)
        await pilot.press("u")
        await pilot.pause()
        assert {live(app)[r]["status"] for r in marked} == {"todo"}
        assert len(live(app)) == 17  # the undo stopped at the group, not at the start
        await pilot.press("o")  # without marks a key still changes the item under the cursor
        await pilot.press("n")
        await pilot.pause()
        assert sum(e["status"] == "not_applicable" for e in live(app).values()) == 1
