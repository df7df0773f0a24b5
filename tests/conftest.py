"""Shared pytest fixtures. Keep each fixture small and documented; add new ones below."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared folder with the real corpus: ``$UPR_SHARED`` or ``<repo>/../shared``.

    Tests that need it fail (never skip) when it is missing, so CI cannot pass without the corpus.
    """
    path = Path(os.environ.get("UPR_SHARED") or REPO_ROOT.parent / "shared")
    if not (path / "corpus").is_dir():
        pytest.fail(
            f"shared folder not found at {path} (no corpus/ inside): set UPR_SHARED to the folder "
            "holding corpus/ and data/, or put it next to the repository as ../shared",
            pytrace=False,
        )
    return path


@pytest.fixture(autouse=True)
def isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own config and data folders and a fixed author: never the user's own."""
    base = tmp_path_factory.mktemp("userdirs")
    monkeypatch.setenv("UPR_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("UPR_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("UPR_AUTHOR", "tester")
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    return base


@pytest.fixture
def make_app(tmp_path: Path):
    """Build a ``UprApp`` over a workspace in tmp_path: ``make_app(today="2026-11-25", setup=fn)``.

    ``setup(ws)`` may add records (through ``ws.edit``) before the app starts.
    """
    from datetime import date

    from screens.app import UprApp
    from tui.session import AppOptions
    from tui.store import Workspace

    opened: list[Workspace] = []

    def build(today: str = "2026-11-25", setup=None, path: Path | None = None, **options):
        file = path or tmp_path / "ws.json"
        ws = Workspace.open(file, author="tester")
        opened.append(ws)
        if setup is not None:
            setup(ws)
        opts = AppOptions(path=file, author="tester", today=date.fromisoformat(today), **options)
        return UprApp(ws, opts)

    yield build
    for ws in opened:
        ws.close(save=False)


# -- parallel runs ------------------------------------------------------------------------------
# The README's test command runs the suite in two steps: `pytest -n 2 -m "not serial"` (xdist)
# then `pytest -m serial` alone. A test module that drives a pseudo-terminal or a real `upr`
# process, kills processes or reads the clock is marked `serial` here, so it never shares the
# two cores with another test and does not turn flaky. New such modules are found by these hints.
SERIAL_HINTS = ("ptyterm", 'which("upr"', "SIGKILL", "perf_counter", "pyte.Screen")


def _is_serial(path: Path, cache: dict[Path, bool] = {}) -> bool:  # noqa: B006 - a cache
    if path not in cache:
        text = path.read_text("utf-8") if path.suffix == ".py" else ""
        cache[path] = any(hint in text for hint in SERIAL_HINTS)
    return cache[path]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _is_serial(Path(str(item.path))):
            item.add_marker(pytest.mark.serial)
