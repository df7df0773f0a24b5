"""Pilot tests of triage at 80x24: decision keys, pickers, bulk + undo, search, filters and
views, queue, clusters, untrusted text, and decisions that survive reopening (issue 5)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from helpers import screen_text
from rich.text import Text

from screens.clusters import ClustersScreen
from screens.filters import FilterScreen
from screens.help import HelpScreen
from screens.pickers import MultiPicker, Picker, TextPrompt
from screens.queue import QueueScreen
from screens.rowlist import RowList
from screens.textpane import TextPane
from screens.triage import RecommendationsScreen
from tui import triage
from tui.store import Workspace

TABLE = "recommendations"
TEXTS = [
    "Ratify the Convention on Migrant Workers",
    "Continue efforts to protect the Roma in Côte schools",
    "Consider establishing a national human rights institution",
    "Take measures to combat hate speech",
    "Adopt a law on domestic violence",
    "Strengthen the ombudsperson",
]


def rid(i: int) -> str:
    return f"UPR:A/HRC/59/15:140.{i}"


def setup_svn(n: int = 6, **per_record: dict[int, dict[str, Any]]):
    """Six Slovenian recommendations (paragraphs 140.1–140.6), all supported, undecided."""

    def setup(ws: Workspace) -> None:
        for i in range(1, n + 1):
            values = {
                "country": "SVN",
                "cycle": 4,
                "session": 48,
                "document": "A/HRC/59/15",
                "paragraph": f"140.{i}",
                "text": TEXTS[(i - 1) % len(TEXTS)],
                "recommending": ["FRA", "DEU"] if i % 2 else ["CIV"],
                "position": "noted" if i == 4 else "supported",
                "themes": ["Women's rights"] if i % 2 else ["Justice"],
            }
            values.update(per_record.get("extra", {}).get(i, {}))
            ws.edit(TABLE, rid(i), values)

    return setup


async def open_screen(app, pilot) -> RecommendationsScreen:
    app.push_screen(RecommendationsScreen("SVN", app.today))
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, RecommendationsScreen)
    return screen


def record(app, i: int) -> dict[str, Any]:
    return app.workspace.get(TABLE, rid(i))


def counter(screen: RecommendationsScreen) -> str:
    return screen.query_one("#counter").content.plain


def cursor_rid(screen: RecommendationsScreen) -> str:
    return screen.row_list.current.rid


async def test_open_from_the_overview_with_counter_and_columns(make_app) -> None:
    app = make_app(setup=setup_svn())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"slovenia", "enter", "r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RecommendationsScreen)
        text = screen_text(app)
        assert "Slovenia · 6 recommendations · 0 triaged (0%)" in text
        header = text.splitlines()[1]
        for label in ("Para", "Recommendation", "Position", "Prio", "Status"):
            assert label in header
        assert "Recommended by" not in header and "Cluster" not in header
        assert "140.1" in text and "Ratify the Convention" in text
        assert text.splitlines()[-1].rstrip().endswith("? all keys")  # the hints fit whole
        listeners = len(app.workspace._listeners)
        await pilot.press("q")
        assert len(app.workspace._listeners) == listeners - 1  # unsubscribed on unmount


async def test_wide_terminal_shows_more_columns(make_app) -> None:
    app = make_app(setup=setup_svn(extra={1: {"cluster": "Migration", "lead_entity": "IOM"}}))
    async with app.run_test(size=(150, 30)) as pilot:
        await open_screen(app, pilot)
        text = screen_text(app)
        header = text.splitlines()[1]
        for label in ("Recommended by", "Lead", "Cluster", "Triaged"):
            assert label in header
        assert "France +1" in text and "IOM" in text and "Migration" in text


async def test_priority_keys_move_to_the_next_undecided(make_app) -> None:
    app = make_app(setup=setup_svn(extra={3: {"triaged": True}}))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(app, pilot)
        assert cursor_rid(screen) == rid(1)
        await pilot.press("1")
        assert record(app, 1)["priority"] == "high" and record(app, 1)["triaged"]
        assert cursor_rid(screen) == rid(2)
        await pilot.press("2")
        assert record(app, 2)["priority"] == "medium"
        assert cursor_rid(screen) == rid(4)  # 140.3 was triaged already: skipped
        await pilot.press("3")
        assert record(app, 4)["priority"] == "low"
        await pilot.press("0")
        assert record(app, 5)["priority"] == "none" and record(app, 5)["triaged"]
        assert cursor_rid(screen) == rid(6)
        await pilot.press("left_square_bracket")  # previous undecided: none before, wraps to 6
        assert cursor_rid(screen) == rid(6)
        await pilot.press("x")
        assert record(app, 6)["triaged"]
        await pilot.pause()
        assert "6 recommendations · 6 triaged (100%)" in screen_text(app)
        # x on a triaged row reopens it; ] finds it again from the top.
        await pilot.press("g", "x")
        assert not record(app, 1)["triaged"]
        await pilot.press("G", "right_square_bracket")
        assert cursor_rid(screen) == rid(1)


@pytest.mark.slow
async def test_pickers_with_new_values_cluster_entities_outcome(make_app) -> None:
    app = make_app(setup=setup_svn())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(app, pilot)
        # c: a new cluster is typed, stored and added to the country's list.
        await pilot.press("c")
        assert isinstance(app.screen, Picker)
        await pilot.press(*"Asylum", "enter")
        await pilot.pause()
        assert record(app, 1)["cluster"] == "Asylum"
        assert app.workspace.get("countries", "SVN")["clusters"] == ["Asylum"]
        assert cursor_rid(screen) == rid(2)
        # c again: typing part of an existing cluster picks it (no new "asy" cluster).
        await pilot.press("c", *"asy", "enter")
        await pilot.pause()
        assert record(app, 2)["cluster"] == "Asylum"
        assert app.workspace.get("countries", "SVN")["clusters"] == ["Asylum"]
        # e: the lead entity from data/entities.yaml, matched on its full name too.
        await pilot.press("e", *"childr", "enter")
        await pilot.pause()
        assert record(app, 3)["lead_entity"] == "UNICEF"
        # E: several partners (one new), tab marks each, enter applies.
        await pilot.press("E")
        assert isinstance(app.screen, MultiPicker)
        await pilot.press(*"unicef", "tab", *"undp", "tab", *"ICRC", "tab", "enter")
        await pilot.pause()
        assert record(app, 4)["partners"] == ["UNDP", "UNICEF", "ICRC"]
        # o: a new Cooperation Framework outcome joins the country's list.
        await pilot.press("o", *"Outcome 2", "enter")
        await pilot.pause()
        assert record(app, 5)["cf_outcome"] == "Outcome 2"
        assert app.workspace.get("countries", "SVN")["cf_outcomes"] == ["Outcome 2"]
        assert all(record(app, i)["triaged"] for i in range(1, 6))
        assert cursor_rid(screen) == rid(6)


async def test_pickers_status_evidence_category_position_note(make_app) -> None:
    app = make_app(setup=setup_svn(extra={1: {"cluster": "Asylum"}}))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(app, pilot)
        # s: the status, then an evidence note.
        await pilot.press("s", *"progr", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"Law 2026", "enter")
        await pilot.pause()
        assert record(app, 1)["status"] == "in_progress"
        assert record(app, 1)["evidence"] == "Law 2026"
        assert record(app, 1)["triaged"] and cursor_rid(screen) == rid(2)
        # a: enter takes the category suggested by the verb ("Ratify" -> 5).
        await pilot.press("g", "a")
        picker = app.screen
        assert isinstance(picker, Picker) and picker.suggested == "5"
        await pilot.press("enter")
        await pilot.pause()
        assert record(app, 1)["action_category"] == 5
        # p: the position; m: a note; escape in a picker changes nothing.
        await pilot.press("g", "p", *"part", "enter")
        await pilot.pause()
        assert record(app, 1)["position"] == "supported_in_part"
        await pilot.press("g", "m", *"Ask UNDP?", "enter")
        await pilot.pause()
        assert record(app, 1)["note"] == "Ask UNDP?"
        await pilot.press("g", "c", "escape")
        await pilot.pause()
        assert record(app, 1)["cluster"] == "Asylum"
        assert isinstance(app.screen, RecommendationsScreen)


async def test_bulk_decision_with_undo_and_redo(make_app) -> None:
    app = make_app(setup=setup_svn())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(app, pilot)
        await pilot.press("space", "space", "space")
        assert screen.marks == {rid(1), rid(2), rid(3)}
        await pilot.pause()
        assert "3 marked" in screen_text(app)
        await pilot.press("1")
        await pilot.pause()
        assert [record(app, i)["priority"] for i in range(1, 7)] == ["high"] * 3 + ["none"] * 3
        assert screen.marks == set()
        assert cursor_rid(screen) == rid(4)  # the row under the cursor was not decided
        assert "6 recommendations · 3 triaged (50%)" in screen_text(app)
        await pilot.press("u")
        await pilot.pause()
        assert [record(app, i)["priority"] for i in range(1, 4)] == ["none"] * 3
        assert not any(record(app, i)["triaged"] for i in range(1, 4))
        *rows, said = screen_text(app).rstrip().splitlines()
        assert "0 triaged (0%)" in rows[0] and "high" not in "\n".join(rows)  # rows repainted
        assert said.startswith("Undid: priority of 140.1, 140.2, 140.3 high → —")  # one line
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert [record(app, i)["priority"] for i in range(1, 4)] == ["high"] * 3
        assert "3 triaged (50%)" in screen_text(app)
        # A bulk pick (cluster) is one undo step too, new cluster included.
        await pilot.press("g", "space", "space", "c", *"Equality", "enter")
        await pilot.pause()
        assert record(app, 1)["cluster"] == record(app, 2)["cluster"] == "Equality"
        await pilot.press("u")
        await pilot.pause()
        assert record(app, 1)["cluster"] == record(app, 2)["cluster"] == ""
        assert triage.country_record(app.workspace, "SVN").get("clusters", []) == []


async def test_an_edit_from_elsewhere_repaints_its_row(make_app) -> None:
    app = make_app(setup=setup_svn())
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(app, pilot)
        app.workspace.edit(TABLE, rid(2), {"priority": "medium", "triaged": True})
        await pilot.pause()
        text = screen_text(app)
        assert "medium" in text and "1 triaged (17%)" in text


async def test_search_filters_and_highlights(make_app) -> None:
    app = make_app(setup=setup_svn())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(app, pilot)
        await pilot.press("slash", *"COTE roma")
        await pilot.pause()
        assert [e.rid for e in screen.rows] == [rid(2)]
        await pilot.press("1")  # a text box has focus: "1" is typed, no decision is taken
        assert record(app, 2)["priority"] == "none" and screen.rows == []
        await pilot.press("backspace")
        assert "search: COTE roma" in screen_text(app)
        await pilot.press("enter", "v")
        await pilot.pause()
        detail = screen.query_one("#detail", TextPane).text
        assert isinstance(detail, Text)
        marked = [detail.plain[s.start : s.end] for s in detail.spans if "reverse" in str(s.style)]
        assert "Côte" in marked and "Roma" in marked
        # Words are ANDed; a State's name is searched too.
        await pilot.press("slash", "escape")
        await pilot.pause()
        assert len(screen.rows) == 6
        await pilot.press("slash", *"ivoire")
        await pilot.pause()
        assert [e.rid for e in screen.rows] == [rid(2), rid(4), rid(6)]
        await pilot.press("escape")
        await pilot.pause()
        assert len(screen.rows) == 6 and "search" not in screen_text(app).splitlines()[0]


async def test_filter_and_saved_view_survive_reopening(make_app, tmp_path: Path) -> None:
    path = tmp_path / "views.json"
    app = make_app(setup=setup_svn(), path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(app, pilot)
        await pilot.press("f")
        assert isinstance(app.screen, FilterScreen)
        await pilot.press("enter", *"noted", "tab", "enter")  # Position: noted
        await pilot.press("down", "down", "down", "down", "enter", *"no info", "tab", "enter")
        await pilot.pause()
        assert [e.rid for e in screen.rows] == [rid(4)]
        assert counter(screen).endswith("filter: noted, no info")  # the list behind follows
        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("w", *"Noted ones", "enter")
        await pilot.pause()
        views = app.workspace.get("countries", "SVN")["views"]
        assert views["Noted ones"]["position"] == ["noted"]
        await pilot.press("F")
        assert len(screen.rows) == 6
        app.workspace.close()
    app2 = make_app(path=path)
    async with app2.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(app2, pilot)
        assert len(screen.rows) == 6
        await pilot.press("w", *"noted", "enter")
        await pilot.pause()
        assert [e.rid for e in screen.rows] == [rid(4)]
        assert "filter: noted, no info" in screen_text(app2)


async def test_filter_facets_triaged_and_clusters(make_app) -> None:
    app = make_app(
        setup=setup_svn(
            extra={1: {"triaged": True, "cluster": "Justice"}, 2: {"cluster": "Justice"}}
        )
    )
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(app, pilot)
        await pilot.press("f", "G", "enter", *"undecided", "tab", "enter", "escape")
        await pilot.pause()
        assert [e.rid for e in screen.rows] == [rid(i) for i in range(2, 7)]
        assert "filter: undecided" in screen_text(app)
        # The clusters screen counts, and enter shows one cluster's recommendations.
        await pilot.press("F", "C")
        await pilot.pause()
        assert isinstance(app.screen, ClustersScreen)
        text = screen_text(app)
        assert "Justice" in text and "(no cluster)" in text
        assert "1 cluster · 2 of 6 recommendations clustered (33%)" in text
        justice = next(line for line in text.splitlines() if line.startswith("Justice"))
        assert justice.split()[1:3] == ["2", "2"] and justice.rstrip().endswith("50%")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert [e.rid for e in screen.rows] == [rid(1), rid(2)]


async def test_queue_mode_one_at_a_time(make_app) -> None:
    long_text = "Adopt a comprehensive strategy " + "with many words " * 40 + "THE END"
    app = make_app(setup=setup_svn(extra={1: {"triaged": True}, 2: {"text": long_text}}))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(app, pilot)
        await pilot.press("t")
        await pilot.pause()
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        text = screen_text(app)
        assert "Queue 1 of 5 · 0 decided (0%) · 5 left" in text
        assert "THE END" in text  # the whole text, wrapped
        assert "1 high" in text and "x triaged" in text  # keys listed at the bottom
        await pilot.press("1")
        await pilot.pause()
        assert record(app, 2)["priority"] == "high"
        assert "Queue 2 of 5 · 1 decided (20%) · 4 left" in screen_text(app)
        await pilot.press("c", *"Housing", "enter")
        await pilot.pause()
        assert record(app, 3)["cluster"] == "Housing"
        await pilot.press("right")
        await pilot.press("left")
        await pilot.press("u")  # undo works in the queue and shows the record again
        await pilot.pause()
        assert record(app, 3)["cluster"] == ""
        assert queue.current.rid == rid(3)
        await pilot.press("q")
        await pilot.pause()
        assert app.screen is screen
        assert cursor_rid(screen) == rid(3)
        assert "1 triaged" not in screen_text(app) and "2 triaged (33%)" in screen_text(app)


INJECTION = (
    "[bold]B[/bold] [/foo] [link=https://evil.example]L[/link] [@click=app.quit]Q[/] "
    "\x1b]0;pwned\x07 \x1b[31mred\x1b[0m \x1b]52;c;SGVsbG8=\x07 \x9b2J end"
)


async def test_untrusted_text_is_shown_literally_and_inertly(make_app) -> None:
    hostile = {
        1: {
            "text": INJECTION,
            "note": "[@click=app.quit]note",
            "cluster": "[link=x]cl[/link]",
            "recommending": ["[red]Nowhere[/red]"],
        }
    }
    app = make_app(setup=setup_svn(extra=hostile))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(app, pilot)
        await pilot.press("v")
        await pilot.pause()
        text = screen_text(app)
        assert "[bold]B[/bold] [/foo] [link=https" in text  # the list row
        detail = screen.query_one("#detail", TextPane).text
        assert isinstance(detail, Text)
        assert all(
            "link" not in str(span.style) and "click" not in str(span.style)
            for span in detail.spans
        )
        for literal in (
            "[bold]B[/bold] [/foo] [link=https://evil.example]L[/link]",
            "[@click=app.quit]Q[/]",
            "[@click=app.quit]note",
            "[red]Nowhere[/red]",
            "[link=x]cl[/link]",
        ):
            assert literal in detail.plain, literal
        for shown in (text, detail.plain):
            assert "pwned" not in shown and "SGVsbG8" not in shown
            assert "\x1b" not in shown and "\x9b" not in shown and "\x07" not in shown
        strips = [screen.row_list.render_line(y) for y in range(3)]
        for strip in strips:
            for segment in strip:
                assert "\x1b" not in segment.text and "\x9b" not in segment.text
                style = segment.style
                assert style is None or (not style.link and "@click" not in str(style.meta))
        await pilot.click("#recs", offset=(20, 0))
        await pilot.pause()
        assert app.is_running and app.return_code is None
        await pilot.press("c")  # the cluster shows literally in the picker too
        await pilot.pause()
        assert "[link=x]cl[/link]" in screen_text(app)


async def test_decisions_survive_reopening_the_file(make_app, tmp_path: Path) -> None:
    path = tmp_path / "keep.json"
    app = make_app(setup=setup_svn(), path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(app, pilot)
        await pilot.press("1", "c", *"Rule of law", "enter", "x", "m", *"follow up", "enter")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
    app.workspace.close()
    ws = Workspace.open(path, author="tester")
    try:
        assert ws.get(TABLE, rid(1))["priority"] == "high"
        assert ws.get(TABLE, rid(2))["cluster"] == "Rule of law"
        assert ws.get(TABLE, rid(3))["triaged"] is True
        assert ws.get(TABLE, rid(4))["note"] == "follow up"
        assert ws.get("countries", "SVN")["clusters"] == ["Rule of law"]
        fields = {h["field"] for h in ws.table("history").values() if h["record"] == rid(2)}
        assert {"cluster", "triaged"} <= fields
    finally:
        ws.close()


async def test_detail_pane_shows_history_and_names(make_app) -> None:
    app = make_app(setup=setup_svn(extra={1: {"sdgs": ["16.b"], "groups": ["Migrants"]}}))
    async with app.run_test(size=(80, 40)) as pilot:
        screen = await open_screen(app, pilot)
        await pilot.press("1", "g", "v")
        await pilot.pause()
        detail = screen.query_one("#detail", TextPane).text.plain
        assert "Recommended by: France, Germany" in detail
        # a target shows its own text (issue 17), cut to fit
        assert "SDGs: 16.b Promote and enforce non-discriminatory laws and" in detail
        assert "Groups of persons: Migrants" in detail
        assert "tester  created" in detail and "tester  priority: — → high" in detail.replace(
            "none", "—"
        )
        await pilot.press("v")
        assert not screen.query_one("#detail").display


async def test_help_lists_every_key_with_a_description(make_app) -> None:
    app = make_app(setup=setup_svn())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(app, pilot)
        for binding in RecommendationsScreen.BINDINGS + QueueScreen.BINDINGS:
            assert binding.description, binding
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        labels = {label for _keys, label in help_screen.keys}
        for label in (
            "Priority: high",
            "Thematic cluster",
            "Lead UN entity",
            "Partner UN entities",
            "Cooperation Framework outcome",
            "Implementation status and evidence",
            "Action category (1-5)",
            "Position of the State",
            "Note",
            "Next undecided",
            "Search",
            "Filter",
            "Queue: one at a time",
            "Mark for a bulk decision",
        ):
            assert label in labels, label
        await pilot.press("escape")
        assert app.screen is screen


async def test_read_only_workspace_refuses_decisions(tmp_path: Path) -> None:
    path = tmp_path / "ro.json"
    ws = Workspace.open(path, author="tester")
    setup_svn()(ws)
    ws.close()
    from screens.app import UprApp
    from tui.session import AppOptions

    read_only = Workspace.open(path, author="tester", read_only=True)
    app = UprApp(
        read_only, AppOptions(path=path, author="tester", today=date(2026, 11, 25), read_only=True)
    )
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_screen(app, pilot)
            await pilot.press("1", "c")
            await pilot.pause()
            assert app.screen is screen
            assert app.workspace.get(TABLE, rid(1))["priority"] == "none"
    finally:
        read_only.close()


async def test_slovenia_2025_demo(make_app, tmp_path: Path) -> None:
    """The real demo: Slovenia's 254 recommendations of 2025 (A/HRC/59/15 and Add.1)."""
    from tui.demo import ensure_demo

    path = tmp_path / "demo.json"
    assert ensure_demo(path, author="tester", today=date(2026, 11, 25))
    app = make_app(path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"slovenia", "enter", "r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RecommendationsScreen)
        assert "254 recommendations · 0 triaged (0%)" in screen_text(app)
        assert screen.rows[0].record["paragraph"] == "140.1"
        assert screen.rows[-1].record["paragraph"] == "140.254"
        await pilot.press("1", "1", "2")
        await pilot.pause()
        assert "254 recommendations · 3 triaged (1%)" in screen_text(app)
        await pilot.press("f", "enter", *"noted", "tab", "enter", "escape")
        await pilot.pause()
        assert len(screen.rows) == 37  # the addendum states 37 noted
        await pilot.press("F", "slash", *"roma")
        await pilot.pause()
        assert screen.rows and all("roma" in e.folded for e in screen.rows)
        assert isinstance(screen.row_list, RowList)


async def test_a_country_without_recommendations_and_the_palette(make_app) -> None:
    from screens.commands import ScreenActions

    app = make_app(setup=setup_svn())
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(RecommendationsScreen("LTU", app.today))
        await pilot.pause()
        screen = app.screen
        text = screen_text(app)
        assert "Lithuania · 0 recommendations · 0 triaged (0%)" in text
        assert "Nothing to show" in text
        await pilot.press("1", "c", "t", "space", "right_square_bracket")
        await pilot.pause()
        assert app.screen is screen  # no picker for nothing, no queue, no crash
        commands = {description for description, *_ in ScreenActions(screen)._commands()}
        for label in ("Thematic cluster", "Priority: high", "Queue: one at a time", "Filter"):
            assert label in commands


async def test_text_pane_repaints_only_changed_lines(make_app) -> None:
    """The queue and the detail pane send only the lines that differ (DESIGN §7)."""
    app = make_app(setup=setup_svn())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(app, pilot)
        await pilot.press("v")
        await pilot.pause()
        pane = screen.query_one("#detail", TextPane)
        refreshed: list[Any] = []
        original = pane.refresh

        def spy(*regions, **kwargs):
            refreshed.append(regions)
            return original(*regions, **kwargs)

        pane.refresh = spy  # type: ignore[method-assign]
        text = pane.text.copy()
        pane.set_text(text, keep_scroll=True)
        assert refreshed == []  # same text: nothing to send
        start = text.plain.index("Position: ") + len("Position: ")
        end = text.plain.index("\n", start)
        line = pane._lines.index(next(s for s in pane._lines if "Position: " in s.text))
        pane.set_text(text[:start] + Text("CHANGED") + text[end:], keep_scroll=True)
        assert [(r[0].y, r[0].height) for r in refreshed] == [(line, 1)]


async def test_list_under_the_queue_repaints_when_back(make_app) -> None:
    app = make_app(setup=setup_svn())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(app, pilot)
        await pilot.press("t", "1")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        assert screen._pending_rows == {0}  # deferred: no repaint of a hidden screen
        await pilot.press("q")
        await pilot.pause()
        assert screen._pending_rows == set()
        assert "high" in screen_text(app) and "1 triaged (17%)" in screen_text(app)


async def test_opening_the_search_repaints_one_row_not_the_list(make_app) -> None:
    """Focus moving to the search box and back costs the cursor row only (DESIGN §7)."""
    app = make_app(setup=setup_svn())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(app, pilot)
        rows = screen.row_list
        calls: list[tuple[Any, ...]] = []
        original = rows.refresh

        def spy(*regions, **kwargs):
            calls.append(regions)
            return original(*regions, **kwargs)

        rows.refresh = spy  # type: ignore[method-assign]
        await pilot.press("slash")
        await pilot.pause()
        assert screen.focused is screen.query_one("#search")
        await pilot.press("enter")
        await pilot.pause()
        assert screen.focused is rows
        assert calls and all(regions and regions[0].height == 1 for regions in calls)
