"""Helpers shared by tests (import as ``from helpers import ...``)."""

from __future__ import annotations

import io

from rich.console import Console


def screen_text(app) -> str:
    """The screen as plain text, exactly as the compositor would paint it."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text(styles=False)
