"""The demo workspace: Slovenia's real 2025 recommendations and a State whose review is near.

Built with the project's own importers from the public UN documents in ``data/demo/``
(A/HRC/59/15 and its addendum), in the user data folder, never the current folder.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tui.paths import data_path
from tui.store import Workspace

DEMO_COUNTRY = "SVN"  # reviewed in January 2025 (session 48): recommendations to triage
UPCOMING_COUNTRY = "LTU"  # reviewed at session 54 (January 2027): the pre-session checklist is live


def ensure_demo(path: Path, *, author: str, today: date) -> bool:
    """Build the demo workspace if it does not exist yet. Returns True if it was built."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    ws = Workspace.open(path, author=author)
    try:
        ws.edit("countries", DEMO_COUNTRY, {"templates": ["unct-upr"]})
        ws.edit("countries", UPCOMING_COUNTRY, {"templates": ["unct-upr"]})
        _import_demo_documents(ws)
        _start_checklists(ws, today)
        ws.save()
    finally:
        ws.close()
    return True


def _import_demo_documents(ws: Workspace) -> None:
    try:
        from tui.importers import parse_file
        from tui.importers.apply import apply_batch
    except ImportError:
        return
    demo = data_path("demo")
    for name in ("A_HRC_59_15_Slovenia_2025.txt", "A_HRC_59_15_Add1_Slovenia_2025.txt"):
        source = demo / name
        if source.exists():
            apply_batch(ws, parse_file(source, country=DEMO_COUNTRY))


def _start_checklists(ws: Workspace, today: date) -> None:
    from tui import refdata
    from tui.checklist import checklist_entries

    for iso3 in (DEMO_COUNTRY, UPCOMING_COUNTRY):
        review = refdata.next_review(iso3, today)
        if review is None:
            continue
        for entry in checklist_entries(iso3, review.cycle, ["unct-upr"], review.start, review.end):
            rid = entry.pop("id")
            ws.edit("checklist", rid, entry)
