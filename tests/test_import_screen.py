"""The import screen at 80x24: choose a file, preview, confirm or cancel, undo (issue 4, §7, §8).

The real A/HRC/59/15 report is typed in through tab completion; nothing may reach the workspace
before the user confirms, and ``u`` must take the whole import back in one step.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from helpers import screen_text

from screens.countries import CountryListScreen
from screens.importer import Completion, ImportScreen, complete_path, progress_text
from screens.overview import CountryOverviewScreen

REPORT = "corpus/wg-reports/A_HRC_59_15_Slovenia_2025.txt"
ADDENDUM = "corpus/wg-reports/A_HRC_59_15_Add1_Slovenia_2025.txt"


def live(app, table: str = "recommendations") -> list[dict]:
    return [r for r in app.workspace.table(table).values() if not r.get("deleted")]


async def wait_for(pilot, predicate, tries: int = 200) -> None:
    """Let the reading worker finish (it reports back through call_from_thread)."""
    for _ in range(tries):
        if predicate():
            return
        await pilot.pause(0.02)
    raise AssertionError("the import screen did not reach the expected state")


async def read_file(pilot, app, path: Path) -> ImportScreen:
    """Open the screen with ctrl+o, put the path in (typing is tested once, it is slow), enter."""
    await pilot.press("ctrl+o")
    screen = app.screen
    assert isinstance(screen, ImportScreen)
    screen.query_one("#imp-path").value = str(path)
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen.state in ("ready", "idle") and screen._token > 0)
    return screen


def flat(app) -> str:
    return " ".join(screen_text(app).split())


# -- path completion -------------------------------------------------------------------------------


def test_complete_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "A_HRC_59_15_Slovenia_2025.txt").write_text("x")
    (tmp_path / "reports" / "A_HRC_59_15_Add1_Slovenia_2025.txt").write_text("x")
    (tmp_path / "reports" / ".hidden").write_text("x")
    base = str(tmp_path) + "/"
    # One match: in full; a folder gets its slash.
    assert complete_path(base + "rep").text == base + "reports/"
    # Several: their common beginning, and the names listed.
    done = complete_path(base + "reports/A_")
    assert done.text == base + "reports/A_HRC_59_15_"
    assert done.candidates == (
        "A_HRC_59_15_Add1_Slovenia_2025.txt",
        "A_HRC_59_15_Slovenia_2025.txt",
    )
    assert (
        complete_path(base + "reports/A_HRC_59_15_S").text
        == base + "reports/A_HRC_59_15_Slovenia_2025.txt"
    )
    # Hidden names only when asked for; nothing matching: unchanged.
    assert ".hidden" not in complete_path(base + "reports/").candidates
    assert complete_path(base + "reports/.h").text == base + "reports/.hidden"
    assert complete_path(base + "reports/zzz") == Completion(base + "reports/zzz", ())
    assert complete_path(base + "nowhere/x").candidates == ()
    # Relative to the current folder; ~ kept as typed.
    assert complete_path("rep", cwd=tmp_path).text == "reports/"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert (
        complete_path("~/reports/A_HRC_59_15_A").text
        == "~/reports/A_HRC_59_15_Add1_Slovenia_2025.txt"
    )


def test_progress_text() -> None:
    assert str(progress_text(50, 200)).startswith("Reading the file…  25% ")
    assert str(progress_text(200, 200)).count("━") == 30
    assert "4,000 rows read" in str(progress_text(4000, 0))


# -- the screen ----------------------------------------------------------------------------------


async def test_preview_then_confirm(make_app, shared_dir: Path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+o")
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        # Type the folder and the start of the name; tab completes the rest.
        await pilot.press(*str(shared_dir / "corpus/wg-reports/A_HRC_59_15_S"))
        await pilot.press("tab")
        assert screen.query_one("#imp-path").value == str(shared_dir / REPORT)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.state == "ready")
        text = flat(app)
        assert "Preview: A_HRC_59_15_Slovenia_2025.txt into ws.json (nothing written yet)" in text
        assert "Would create 254, update 0" in text
        assert "Recommendations 254" in text and "254 pending" in text
        assert "Document A/HRC/59/15" in text and "Slovenia (SVN)" in text
        assert "Recommending States: 94; top 10" in text and "Iceland (ISL) 7" in text
        assert live(app) == [] and not app.workspace.table(
            "history"
        )  # nothing written before confirming
        assert not screen.query_one("#imp-progress").display  # no bar left once read
        await pilot.press("y")
        await pilot.pause()
        assert len(live(app)) == 254
        assert {r["paragraph"] for r in live(app)} == {f"140.{i}" for i in range(1, 255)}
        assert app.workspace.get("countries", "SVN")["templates"] == ["unct-upr"]
        text = flat(app)
        assert "254 created, 0 updated, 0 unchanged" in text
        assert "Imported A_HRC_59_15_Slovenia_2025.txt: 254 created, 0 updated" in [
            n.message for n in app._notifications
        ]


async def test_enter_confirms_and_addendum_sets_positions(make_app, shared_dir: Path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await read_file(pilot, app, shared_dir / REPORT)
        await pilot.press("enter")  # focus is on the preview: enter confirms
        assert screen.state == "applied" and len(live(app)) == 254
        await pilot.press("o")  # back to the path box for another file
        assert screen.focused is screen.query_one("#imp-path")
        box = screen.query_one("#imp-path")
        box.value = str(shared_dir / ADDENDUM)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.state == "ready")
        assert "Would set positions on 254 recommendation(s)" in flat(app)
        assert "217 supported, 37 noted" in flat(app)
        await pilot.press("y")
        positions = [r["position"] for r in live(app)]
        assert (positions.count("supported"), positions.count("noted")) == (217, 37)


async def test_cancel_writes_nothing(make_app, shared_dir: Path, tmp_path: Path) -> None:
    app = make_app(setup=lambda ws: ws.save())
    before = (tmp_path / "ws.json").read_bytes()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await read_file(pilot, app, shared_dir / REPORT)
        assert screen.state == "ready"
        await pilot.press("escape")
        assert isinstance(app.screen, CountryListScreen)
        assert live(app) == [] and app.workspace.get("countries", "SVN") is None
        assert not app.workspace.table("history") and not app.workspace.dirty
        await pilot.press("ctrl+s")
    assert (tmp_path / "ws.json").read_bytes() == before


async def test_undo_removes_the_whole_import(make_app, shared_dir: Path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await read_file(pilot, app, shared_dir / REPORT)
        await pilot.press("y")
        assert len(live(app)) == 254
        await pilot.press("u")
        assert live(app) == []
        assert live(app, "countries") == []
        assert "Import undone" in flat(app)
        await pilot.press("ctrl+r")
        assert len(live(app)) == 254
        assert screen.is_attached


async def test_from_the_overview_the_country_is_filled_in(make_app, shared_dir: Path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"slovenia", "enter")
        assert isinstance(app.screen, CountryOverviewScreen)
        await pilot.press("i")
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        assert screen.query_one("#imp-country").value == "SVN"
        await pilot.press("escape")
        assert isinstance(app.screen, CountryOverviewScreen)


async def test_open_recommendations_screen_shows_the_import(make_app, shared_dir: Path) -> None:
    from screens.triage import RecommendationsScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(RecommendationsScreen("SVN", app.today))
        recs = app.screen
        assert len(recs.rows) == 0
        screen = await read_file(pilot, app, shared_dir / REPORT)
        assert screen.query_one("#imp-country").value == "SVN"  # the country it came from
        await pilot.press("y")
        await pilot.press("r")  # back to the recommendations, not a second copy of them
        await pilot.pause()
        assert app.screen is recs
        await wait_for(pilot, lambda: len(recs.rows) == 254)


async def test_bad_file_and_bad_options(make_app, tmp_path: Path, shared_dir: Path) -> None:
    garbage = tmp_path / "garbage.txt"
    garbage.write_bytes(bytes(range(256)) * 20)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await read_file(pilot, app, garbage)
        assert screen.state == "idle"
        assert "Cannot import: garbage.txt: a binary file, not text" in flat(app)
        await pilot.press("y")  # nothing to confirm: it reads again, still refused
        await wait_for(pilot, lambda: screen.state == "idle")
        box = screen.query_one("#imp-path")
        box.value = str(shared_dir / REPORT)
        screen.query_one("#imp-country").value = "Atlantis"
        box.focus()
        await pilot.press("enter")
        assert "unknown country 'Atlantis'" in flat(app)
        assert screen.focused is screen.query_one("#imp-country")
        screen.query_one("#imp-country").value = ""
        screen.query_one("#imp-kind").value = "pdf"
        await pilot.press("enter")
        assert "Unknown kind 'pdf'" in flat(app)
        assert live(app) == [] and not app.workspace.table("history")


async def test_changing_options_after_the_preview_asks_to_read_again(
    make_app, shared_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await read_file(pilot, app, shared_dir / REPORT)
        screen.query_one("#imp-symbol").value = "A/HRC/59/99"
        await pilot.pause()
        assert screen.state == "idle" and screen.batch is None
        screen.query_one("#imp-preview").focus()
        await pilot.press("y")  # reads again with the new symbol, does not write
        await wait_for(pilot, lambda: screen.state == "ready")
        assert live(app) == []
        assert "A/HRC/59/15" in flat(app)  # the report states its own symbol


async def test_progress_and_cancel_while_reading(
    make_app, shared_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long read reports progress; escape while it runs leaves, and its result is dropped."""
    import screens.importer as importer

    release = threading.Event()
    reported = threading.Event()
    real = importer.parse_file

    def slow_parse(path, **kwargs):
        progress = kwargs["progress"]
        for done in (0, 10, 10, 55):  # a repeated value must not repaint
            progress(done, 100)
        reported.set()
        release.wait(5)
        return real(path, **kwargs)

    monkeypatch.setattr(importer, "parse_file", slow_parse)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+o")
        screen = app.screen
        paints: list[tuple[int, int]] = []
        original = screen._progress
        screen._progress = lambda token, done, total: (
            paints.append((done, total)),
            original(token, done, total),
        )
        screen.query_one("#imp-path").value = str(shared_dir / REPORT)
        await pilot.press("enter")
        assert reported.wait(5)
        await wait_for(pilot, lambda: len(paints) == 3)
        assert paints == [(0, 100), (10, 100), (55, 100)]
        assert "55%" in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, CountryListScreen)
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert live(app) == [] and not app.workspace.table("history")


async def test_upr_info_export_preview(make_app, shared_dir: Path) -> None:
    """A real UPR Info export: Mac Roman chosen and said, the unknown name listed, line numbers."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+o")
        screen = app.screen
        screen.query_one("#imp-path").value = str(shared_dir / "corpus/upr-info/sessions-1-5.csv")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.state == "ready", tries=500)
        body = str(screen.result.batch.encoding)
        assert body == "mac_roman"
        preview = screen.query_one("#imp-preview")

        def at_the_end_shows_warnings() -> bool:
            # Scrolled again until laid out: on a busy machine (tests run in parallel) the
            # preview may still be laid out after the first scroll.
            preview.scroll_end(animate=False)
            return "Warnings:" in flat(app)

        await wait_for(pilot, at_the_end_shows_warnings)
        text = flat(app)
        assert "Warnings:" in text and "line 203:" in text
        assert "(Unknown) ×9" in text
        assert live(app) == []
        # A big import paints "writing…" first, then writes on the UI thread (the workspace's rule).
        preview.focus()
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.state == "applied", tries=500)
        records = screen.result.batch.records
        assert len(live(app)) == len(records) == screen.result.summary.created > 2000
        assert any(
            n.message.startswith(f"Imported sessions-1-5.csv: {len(records)} created")
            for n in app._notifications
        )


async def test_an_exported_matrix_comes_back_as_edits(make_app, tmp_path: Path) -> None:
    """Issue 19 point 1: the import screen recognises a matrix and applies its changed cells."""
    import openpyxl

    from tui.exports.matrix import write_matrix

    rid = "UPR:A/HRC/59/15:140.1"

    def setup(ws) -> None:
        ws.edit(
            "recommendations",
            rid,
            {"country": "SVN", "document": "A/HRC/59/15", "paragraph": "140.1", "text": "Ratify"},
        )

    app = make_app(setup=setup)
    xlsx = tmp_path / "matrix.xlsx"
    async with app.run_test(size=(80, 24)) as pilot:
        with xlsx.open("wb") as fh:
            write_matrix(app.workspace, "SVN", "xlsx", fh)
        wb = openpyxl.load_workbook(xlsx)
        sheet = wb["Recommendations"]
        header = [c.value for c in sheet[1]]
        sheet.cell(row=2, column=header.index("Implementation status") + 1).value = "implemented"
        wb.save(xlsx)
        screen = await read_file(pilot, app, xlsx)
        assert screen.state == "ready"
        assert "would apply 1 changed cell(s)" in flat(app)
        assert app.workspace.get("recommendations", rid)["status"] == "no_information"
        await pilot.press("y")
        await pilot.pause()
        assert app.workspace.get("recommendations", rid)["status"] == "implemented"
        assert "applied 1 changed cell(s)" in flat(app)
