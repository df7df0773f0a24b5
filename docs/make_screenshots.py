"""Regenerate the README screenshots with the app itself (Textual's SVG export), at 80x24.

Run: .venv/bin/python docs/make_screenshots.py
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent


async def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    os.environ["UPR_CONFIG_DIR"] = str(tmp / "config")
    os.environ["UPR_DATA_DIR"] = str(tmp / "data")
    from screens.app import UprApp
    from tui.session import AppOptions
    from tui.store import Workspace

    path = tmp / "ws.json"
    ws = Workspace.open(path, author="docs")
    app = UprApp(ws, AppOptions(path=path, author="docs", today=date(2026, 11, 25)))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"lit")
        await pilot.pause()
        app.save_screenshot("countries.svg", str(HERE))
    ws.close(save=False)


if __name__ == "__main__":
    asyncio.run(main())
