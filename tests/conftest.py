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
