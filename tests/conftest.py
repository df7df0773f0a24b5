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
