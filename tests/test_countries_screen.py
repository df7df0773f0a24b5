"""Pilot tests of the country list and overview at 80x24 (walking skeleton §4, §8)."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import screen_text

from screens.countries import CountryListScreen
from screens.overview import CountryOverviewScreen
from screens.rowlist import RowList


async def test_filter_pick_country_and_see_next_review(make_app) -> None:
    app = make_app(today="2026-11-25")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, CountryListScreen)
        rows = screen.query_one("#countries", RowList)
        assert len(rows.rows) == 193
        await pilot.press(*"lithu")
        assert [r.state.iso3 for r in rows.rows] == ["LTU"]
        row = rows.rows[0]
        # Lithuania: cycle 4 review at session 54, starting 25 Jan 2027 (inferred dates).
        assert row.next.session.number == 54
        assert row.days_to_next == 61
        svg = screen_text(app)
        assert "S54 Jan 2027" in svg and "61d" in svg
        await pilot.press("enter")
        assert isinstance(app.screen, CountryOverviewScreen)
        assert app.screen.iso3 == "LTU"
        phase = str(app.screen.query_one("#phase").render())
        assert "in 61 days" in phase
        await pilot.press("q")
        assert isinstance(app.screen, CountryListScreen)


async def test_accent_and_alias_filtering(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        rows = app.screen.query_one("#countries", RowList)
        for query, expected in [
            ("viet", {"VNM"}),
            ("cote", {"CIV"}),
            ("congo", {"COG", "COD"}),
            ("turkey", {"TUR"}),
        ]:
            await pilot.press("escape")
            await pilot.press(*query)
            assert {r.state.iso3 for r in rows.rows} == expected, query


async def test_region_filter_and_sort_by_next_review(make_app) -> None:
    app = make_app(today="2026-11-25")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        rows = screen.query_one("#countries", RowList)
        await pilot.press("f2")  # AG
        assert {r.state.region for r in rows.rows} == {"AG"}
        await pilot.press("f3")
        starts = [r.next.start for r in rows.rows if r.next]
        assert starts == sorted(starts)


async def test_arrows_move_and_last_country_is_remembered(make_app, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        rows = app.screen.query_one("#countries", RowList)
        await pilot.press("down", "down")
        assert rows.cursor == 2
        await pilot.press("enter")
        chosen = app.screen.iso3
        await pilot.press("ctrl+q")
    app2 = make_app(path=tmp_path / "other.json")
    async with app2.run_test(size=(80, 24)):
        rows = app2.screen.query_one("#countries", RowList)
        assert rows.current.state.iso3 == chosen


async def test_help_lists_the_screen_keys(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        svg = screen_text(app)
        assert "Help: Countries" in svg and "Region" in svg and "Quit" in svg
        assert "Move cursor left" not in svg  # the filter box's own editing keys are not listed
        await pilot.press("escape")
        assert isinstance(app.screen, CountryListScreen)


async def test_toasts_never_parse_markup(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.notify("Undone: import [/x] [@click=app.quit]q[/]")  # would raise MarkupError if parsed
        await pilot.pause()
        await pilot.pause()
        toast = list(app._notifications)[-1]
        assert toast.markup is False and "[/x]" in toast.message
        assert app.is_running


async def test_overview_shows_the_team_notes_inertly(make_app) -> None:
    def setup(ws) -> None:
        ws.edit("countries", "LTU", {"notes": "Focal point: [bold]Ms A[/bold] \x1b]0;x\x07at MFA"})

    app = make_app(setup=setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"lithu", "enter")
        await pilot.pause()
        text = screen_text(app)
        assert "Team notes: Focal point: [bold]Ms A[/bold] at MFA" in text


def test_reviews_table_lines_up_every_cycle_and_marks_a_review_in_session() -> None:
    from datetime import date

    from screens.overview import reviews_table

    lines = reviews_table("SVN", date(2025, 1, 22)).plain.splitlines()
    assert lines[0].split() == ["Cycle", "Session", "Dates", "Basis"]
    assert len(lines) == 6  # header and cycles 1–5
    assert "20 Jan 2025 – 31 Jan 2025" in lines[4] and "◀ 48" in lines[4]
    starts = {line.index(" – ") for line in lines[1:]}
    assert len(starts) == 1  # the dates column is aligned
    assert lines[1].split()[:2] == ["1", "7"] and lines[1].rstrip().endswith("published")
    assert "◀" not in reviews_table("SVN", date(2025, 2, 1)).plain


async def test_overview_lists_each_reviews_documents_within_80x24(make_app, tmp_path: Path) -> None:
    """Issue 18, 5.3: /1 /2 /3, the WG report (once the workspace holds it) and the adopting
    Council session of every review, on one screen without scrolling."""
    from textual.containers import VerticalScroll

    def setup(ws) -> None:
        ws.edit(
            "recommendations",
            "UPR:A/HRC/59/15:1",
            {"country": "SVN", "cycle": 4, "document": "A/HRC/59/15", "text": "x"},
        )

    for with_report in (True, False):
        app = make_app(setup=setup if with_report else None, path=tmp_path / f"{with_report}.json")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press(*"sloven", "enter")
            await pilot.pause()
            await pilot.pause()
            text = screen_text(app)
            report = r"A/HRC/59/15 +HRC59 16 Jun 2025 *$" if with_report else r"A/HRC/59/… +HRC59"
            assert re.search(rf"4  A/HRC/WG\.6/48/SVN/1 /2 /3  {report}", text, re.M), text
            assert re.search(
                r"5  A/HRC/WG\.6/62/SVN/1 /2 /3  A/HRC/73/… +HRC73 ~25 Feb 2030 \(rule\)", text
            )
            assert "/1 national report, /2 UN compilation, /3 stakeholders' summary" in text
            scroll = app.screen.query_one(VerticalScroll)
            assert scroll.virtual_size.height <= scroll.size.height  # nothing below the fold


def test_country_summary_names_the_wg_report_of_each_cycle(tmp_path: Path) -> None:
    from datetime import date

    from tui.overview import country_summary
    from tui.store import Workspace

    ws = Workspace.open(tmp_path / "ws.json", author="tester")
    try:
        for n, (country, document) in enumerate(
            [("SVN", "A/HRC/59/15"), ("SVN", "A/HRC/59/15"), ("HRV", "A/HRC/62/9")]
        ):
            ws.edit(
                "recommendations",
                f"r{n}",
                {"country": country, "cycle": 4, "document": document, "text": "x"},
            )
        summary = country_summary(ws, "SVN", date(2026, 11, 25))
        assert summary.wg_reports == {4: "A/HRC/59/15"} and summary.recommendations == 2
    finally:
        ws.close(save=False)
