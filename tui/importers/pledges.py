"""Voluntary pledges: what a State under review commits to on its own (UPR Info rows
"Voluntary Pledge"). They are records of ``recommendations`` with ``kind: "pledge"`` (DESIGN §1),
with the fields of DESIGN §2 that apply (State, cycle, session, text, themes, action category),
and never counted with recommendations.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tui.ids import hash_id
from tui.importers.base import ImportBatch
from tui.importers.common import as_int, clean_field, clean_line, cycle_of_session

PLEDGE = "pledge"
PLEDGE_RESPONSE = "voluntary pledge"


def is_pledge(record: Mapping[str, Any]) -> bool:
    """A voluntary pledge, not a recommendation."""
    return record.get("kind") == PLEDGE


def recommendations_only(records: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The records that count as recommendations (pledges left out)."""
    return [r for r in records if not is_pledge(r)]


def pledge_record(
    cell: Callable[[str], str],
    *,
    country: str,
    row: int,
    source_file: str,
    batch: ImportBatch,
) -> dict[str, Any] | None:
    """One pledge from a UPR Info row (None, with a warning, if it has no text).

    The id is a content hash like other UPR Info rows, over "pledge" + State + session + text,
    so a pledge never shares an id with a recommendation of the same words.
    """
    text = clean_field(html.unescape(cell("Text")).strip(), batch, row)
    if not text:
        batch.warn(row, "empty pledge text; row skipped")
        return None
    session = as_int(cell("Session"))
    action = as_int(cell("Action"))
    if action is not None and not 1 <= action <= 5:
        action = None
    themes = [t for t in (clean_line(x) for x in cell("Issue").split(",")) if t]
    return {
        "id": hash_id(
            "UPR",
            country.casefold() if len(country) != 3 else country,
            f"pledge|{session if session is not None else ''}",
            text,
        ),
        "kind": PLEDGE,
        "mechanism": "UPR",
        "body": "",
        "country": country,
        "cycle": cycle_of_session(session),
        "session": session,
        "document": "",
        "paragraph": "",
        "text": text,
        "recommending": [],
        "position": "supported",  # the State's own commitment
        "themes": themes,
        "groups": [],
        "sdgs": [],
        "action_category": action,
        "source": {"file": source_file, "row": row, "kind": "upr-info"},
    }
