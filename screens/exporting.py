"""Exporting reports from the app: ``x`` on the brief, plan and checklist screens.

Any report (brief, matrix, annex, plan) goes to ``<kind>-<ISO3>.<ext>`` in the current folder,
the file ``upr export`` writes: the workspace is copied on the UI thread (a Snapshot), the file
written by a worker, and a notice says where it went.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from textual.screen import Screen

from screens.pickers import Option, Picker
from tui.exports.safe import Snapshot, atomic_write, default_filename

# (kind, format, what it is) offered by ``x``; writers as in ``upr export``.
EXPORTS: tuple[tuple[str, str, str], ...] = (
    ("brief", "md", "this brief, Markdown"),
    ("brief", "html", "this brief, a web page"),
    ("matrix", "xlsx", "recommendation matrix, Excel"),
    ("matrix", "csv", "recommendation matrix, CSV"),
    ("annex", "docx", "joint UN submission annex, Word"),
    ("annex", "md", "joint UN submission annex, Markdown"),
    ("annex", "csv", "joint UN submission annex, CSV"),
    ("plan", "xlsx", "implementation plan, Excel"),
    ("plan", "csv", "implementation plan, CSV"),
    ("plan", "md", "implementation plan, Markdown"),
)
WRITERS: dict[str, tuple[str, str]] = {
    "brief": ("tui.exports.brief", "write_brief"),
    "matrix": ("tui.exports.matrix", "write_matrix"),
    "annex": ("tui.exports.annex", "write_annex"),
    "plan": ("tui.exports.plan", "write_plan"),
}


def choose_export(
    screen: Screen[Any], iso3: str, today: date, kinds: Sequence[str] | None = None
) -> None:
    """Offer the reports (of ``kinds``) and write the chosen one in the current folder."""
    options = [
        Option(f"{kind}:{fmt}", default_filename(kind, iso3, fmt), about)
        for kind, fmt, about in EXPORTS
        if kinds is None or kind in kinds
    ]

    def chosen(value: str | None) -> None:
        if value:
            kind, _, fmt = value.partition(":")
            start_export(screen, iso3, kind, fmt, today)

    screen.app.push_screen(
        Picker("Export to the current folder", options, hint="the file of upr export"), chosen
    )


def start_export(
    screen: Screen[Any], iso3: str, kind: str, fmt: str, today: date, folder: Path | None = None
) -> None:
    """Copy the country's records now; write the file in a worker thread; notify when done."""
    app = screen.app
    source = Snapshot.of(app.workspace, country=iso3)  # type: ignore[attr-defined]
    module_name, writer_name = WRITERS[kind]
    write = getattr(importlib.import_module(module_name), writer_name)
    target = (folder or Path.cwd()) / default_filename(kind, iso3, fmt)
    app.notify(f"Writing {target.name}…", timeout=2, markup=False)

    def work() -> None:
        try:
            atomic_write(
                target, lambda fh: write(source, iso3, fmt, fh, today=today, bom=fmt == "csv")
            )
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            app.call_from_thread(
                app.notify, f"Could not write {target}: {reason}", severity="error", markup=False
            )
            return
        app.call_from_thread(app.notify, f"Wrote {target}", timeout=5, markup=False)

    app.run_worker(work, thread=True, group="export", exclusive=False, name=f"export {kind} {fmt}")
