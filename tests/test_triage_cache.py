"""The app keeps one triage index per country across visits, and keeps it current meanwhile."""

from __future__ import annotations

from helpers import screen_text
from test_triage_screen import TABLE, rid, setup_svn

from screens.triage import RecommendationsScreen


async def test_index_is_reused_and_follows_edits_made_while_away(make_app) -> None:
    app = make_app(setup=setup_svn())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"slovenia", "enter", "r")
        await pilot.pause()
        first = app.screen.index
        assert isinstance(app.screen, RecommendationsScreen) and first.in_use
        await pilot.press("q")  # back to the overview: the app keeps the index current
        await pilot.pause()
        assert not first.in_use
        app.workspace.edit(TABLE, rid(2), {"triaged": True, "priority": "high"})
        await pilot.press("r")
        await pilot.pause()
        assert app.screen.index is first  # not rebuilt
        assert "6 recommendations · 1 triaged (17%)" in screen_text(app)
        await pilot.press("q")
        await pilot.pause()
        # A record joining the country makes the cached index stale: rebuilt on the next visit.
        app.workspace.edit(
            TABLE,
            rid(7),
            {
                "country": "SVN",
                "paragraph": "140.7",
                "text": "Adopt a plan.",
                "position": "supported",
            },
        )
        await pilot.press("r")
        await pilot.pause()
        assert app.screen.index is not first
        assert "7 recommendations · 1 triaged (14%)" in screen_text(app)


async def test_overview_counts_are_cached_until_the_country_changes(make_app) -> None:
    app = make_app(setup=setup_svn())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"slovenia", "enter")
        await pilot.pause()
        first = app.country_summary("SVN")
        assert "6 in this workspace, 0 triaged" in screen_text(app)
        await pilot.press("q", "enter")
        await pilot.pause()
        assert app.country_summary("SVN") is first  # nothing changed: not recounted
        app.workspace.edit(TABLE, rid(3), {"triaged": True})
        await pilot.press("q", "enter")
        await pilot.pause()
        assert app.country_summary("SVN") is not first
        assert "6 in this workspace, 1 triaged" in screen_text(app)


async def test_overview_of_a_country_counted_before_is_composed_with_its_counts(
    make_app, monkeypatch
) -> None:
    """Counted before, the overview is one frame: no 'counting…' placeholder, no second update."""
    from textual.widgets import Static

    updates: list[str | None] = []
    real_update = Static.update

    def spy(self, *args, **kwargs):
        updates.append(self.id)
        return real_update(self, *args, **kwargs)

    monkeypatch.setattr(Static, "update", spy)
    app = make_app(setup=setup_svn())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"slovenia", "enter")
        await pilot.pause()
        assert app.known_summary("SVN") is not None
        assert updates.count("work") == 1  # first visit: counted after the first frame
        await pilot.press("q")
        await pilot.pause()
        updates.clear()
        await pilot.press("enter")
        await pilot.pause()
        assert "6 in this workspace, 0 triaged" in screen_text(app)
        assert "counting" not in screen_text(app)
        assert "work" not in updates


async def test_overview_counts_come_from_the_triage_index_when_there_is_one(
    make_app, monkeypatch
) -> None:
    import tui.overview

    calls: list[bool] = []
    real = tui.overview.country_summary

    def spy(ws, iso3, today, records=None):
        calls.append(records is not None)
        return real(ws, iso3, today, records)

    monkeypatch.setattr(tui.overview, "country_summary", spy)
    app = make_app(setup=setup_svn())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"slovenia", "enter", "r")
        await pilot.pause()
        await pilot.press("1", "down", "1", "q")  # two decisions, then back to the overview
        await pilot.pause()
        assert calls[-1] is True  # recounted from the country's own records
        assert "6 in this workspace, 2 triaged" in screen_text(app)
        whole = real(app.workspace, "SVN", app.today)
        assert app.country_summary("SVN") == whole


async def test_index_is_built_in_a_thread_while_the_overview_is_read(make_app, monkeypatch) -> None:
    import screens.app

    monkeypatch.setattr(screens.app, "PREPARE_INDEX_FROM", 1)  # the demo is small
    app = make_app(setup=setup_svn())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"slovenia", "enter")
        for _ in range(50):
            await pilot.pause(0.02)
            if "SVN" in app._triage_indexes:
                break
        prepared = app._triage_indexes["SVN"]
        assert "6 in this workspace, 0 triaged" in screen_text(app)  # counted from the index
        await pilot.press("r")
        await pilot.pause()
        assert app.screen.index is prepared


async def test_an_index_built_while_a_recommendation_changed_is_not_kept(
    make_app, monkeypatch
) -> None:
    import threading

    import screens.app
    import tui.triage

    monkeypatch.setattr(screens.app, "PREPARE_INDEX_FROM", 1)
    release = threading.Event()
    real_index = tui.triage.TriageIndex

    class SlowIndex(real_index):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            if threading.current_thread().name.startswith("triage-index"):
                release.wait(10)  # built from the records as they were before the edit

    monkeypatch.setattr(tui.triage, "TriageIndex", SlowIndex)
    app = make_app(setup=setup_svn())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"slovenia", "enter")
        await pilot.pause()
        assert "SVN" in app._preparing and "counting" in screen_text(app)
        app.workspace.edit(
            TABLE,
            rid(7),
            {
                "country": "SVN",
                "paragraph": "140.7",
                "text": "Adopt a plan.",
                "position": "supported",
            },
        )
        release.set()
        for _ in range(50):
            await pilot.pause(0.02)
            if "SVN" not in app._preparing:
                break
        assert "SVN" not in app._triage_indexes  # it may have missed the edit: dropped
        assert "7 in this workspace, 0 triaged" in screen_text(app)
        await pilot.press("r")
        await pilot.pause()
        assert "7 recommendations · 0 triaged" in screen_text(app)
