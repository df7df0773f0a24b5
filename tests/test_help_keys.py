"""Every key a screen's help lists does what the help says, on every screen (issue 14.5).

The test walks every screen (and a picker, a form and a text box) as a person reaches it, reads
the keys its help lists (screens.help.keys_in_force, what `?`/F1 show), presses each one where
the screen's focus is, and checks that the action the help names is the one that runs. A key the
focused text box would type (a letter in a filter box) must not be listed; F-keys and ctrl keys
work whatever has focus.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from textual.screen import ModalScreen

from screens.help import HelpScreen, keys_in_force
from tui.demo import ensure_demo

TODAY = "2026-11-25"
SAMPLES = Path(__file__).parent / "samples"

SLOVENIA = [*"sloveni", "enter"]
RECS = [*SLOVENIA, "r"]
# screen -> keys from the country list that reach it
ROUTES: dict[str, list[str]] = {
    "country list": [],
    "country overview": SLOVENIA,
    "recommendations": RECS,
    "recommendations search box": [*RECS, "slash"],
    "queue": [*RECS, "t"],
    "clusters": [*RECS, "C"],
    "filters": [*RECS, "f"],
    "cluster picker": [*RECS, "c"],
    "note box": [*RECS, "m"],
    "checklist": [*"lithu", "enter", "c"],
    "checklist edit form": [*"lithu", "enter", "c", "e"],
    "plan": [*SLOVENIA, "A", "a", *"Train judges", "enter"],
    "plan action form": [*SLOVENIA, "A", "a"],
    "brief": [*SLOVENIA, "b"],
    "due": ["f4"],
    "import": ["ctrl+o"],
    "merge conflicts": ["f5"],
    "merge a file": ["f6"],
    "help": [*SLOVENIA, "f1"],
}
# Keys not pressed: they end the app (their binding is still checked to be listed).
NOT_PRESSED = {"quit_saving"}


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "team.json"
    ensure_demo(path, author="tester", today=date.fromisoformat(TODAY))
    return path


async def settle(app: Any, pilot: Any) -> None:
    for _ in range(500):
        await pilot.pause(0.01)
        if not app._held_keys and app._released_key is None and not app.settling():
            return
    raise AssertionError("the app did not settle")


async def reach(app: Any, pilot: Any, route: list[str]) -> Any:
    """From the country list (emptied filter), press the route; return the screen reached."""
    while len(app.screen_stack) > 2:
        app.pop_screen()
    await settle(app, pilot)
    box = app.screen.query_one("#filter")
    box.value = ""
    box.focus()
    await settle(app, pilot)
    if route:
        await pilot.press(*route)
    await settle(app, pilot)
    return app.screen


@pytest.mark.parametrize("name", sorted(ROUTES))
async def test_every_key_in_help_does_what_help_says(
    name: str, demo_file: Path, tmp_path: Path, make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(demo_file, tmp_path / "team.json")
    monkeypatch.chdir(tmp_path)  # x exports write here
    app = make_app(today=TODAY, path=tmp_path / "team.json")
    ran: list[str] = []
    async with app.run_test(size=(100, 30)) as pilot:
        original = app.run_action

        async def spy(action: Any, *args: Any, **kwargs: Any) -> bool:
            ran.append(action if isinstance(action, str) else str(action[1]))
            if action in NOT_PRESSED:
                return True
            return await original(action, *args, **kwargs)

        app.run_action = spy  # type: ignore[method-assign]
        screen = await reach(app, pilot, ROUTES[name])
        listed = keys_in_force(screen)
        assert listed, f"{name}: help lists keys"
        keys = {key for key, _, _ in listed}
        anywhere = ["f1", "ctrl+q", "ctrl+c", "ctrl+s"]
        if not isinstance(screen, ModalScreen):  # a dialog: no screen opens behind it
            anywhere += ["f4", "f5", "f6", "ctrl+r", "ctrl+o"]
        for key in anywhere:
            assert key in keys, f"{name}: {key} works whatever has focus"
        focused = screen.focused
        for key, label, action in listed:
            if action in NOT_PRESSED:
                continue
            if app.screen is not screen:
                screen = await reach(app, pilot, ROUTES[name])
                focused = screen.focused
            elif focused is not None and app.focused is not focused:
                focused.focus()
                await settle(app, pilot)
            ran.clear()
            await pilot.press(key)
            await settle(app, pilot)
            assert action in ran, f"{name}: {key} should run {action} ({label}); ran {ran}"
            if isinstance(app.screen, HelpScreen) and screen is not app.screen:
                app.screen.dismiss(None)
                await settle(app, pilot)


async def test_ctrl_c_says_how_to_quit_even_in_the_filter_box(make_app) -> None:
    app = make_app(today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert app.focused is not None and app.focused.id == "filter"
        await pilot.press("ctrl+c")
        await settle(app, pilot)
        assert "ctrl+q quits (and saves)." in [n.message for n in app._notifications]
        assert app.is_running


async def test_config_keymap_remaps_keys_by_id_and_help_shows_the_keys_in_force(
    make_app, isolated_user_dirs: Path
) -> None:
    """config.yaml `keymap:` (issue 13.3): binding id -> keys; a malformed entry is ignored."""
    config = isolated_user_dirs / "config" / "config.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        "keymap:\n  app.conflicts-anywhere: f9\n  app.due-anywhere: '\\x1b[31m'\n  7: f2\n",
        encoding="utf-8",
    )
    app = make_app(today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        keys = {key: action for key, _, action in keys_in_force(app.screen)}
        assert keys.get("f9") == "review_conflicts" and "f5" not in keys
        assert keys.get("f4") == "due"  # the malformed entry left the default
        await pilot.press("f9")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "MergeReviewScreen"
