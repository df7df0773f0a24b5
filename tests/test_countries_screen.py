"""Pilot tests of the country list and overview at 80x24 (walking skeleton §4, §8)."""

from __future__ import annotations

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
