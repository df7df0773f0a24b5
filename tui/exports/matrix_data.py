"""What the matrix XLSX carries for the round trip (issue 19 point 1): the hidden sheet's
rows and the names of the extra sheets. Shared by the writer (``tui.exports.matrix``) and the
reader (``tui.roundtrip``), so neither imports the other's module for them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tui.exports.safe import FORMULA_STARTS, xlsx_value
from tui.model import parse_clock

HIDDEN_SHEET = "UPR Workbench"
LISTS_SHEET = "Lists"
MAGIC = "UPR Workbench matrix"
FORMAT_VERSION = 1
CLOCKED_TABLES = ("recommendations", "checklist", "actions", "countries", "links", "engagements")

# Matrix column -> recommendation field, for the columns that are decisions a colleague may edit.
EDITABLE: dict[str, str] = {
    "Position": "position",
    "Themes": "themes",
    "Groups of persons": "groups",
    "SDGs": "sdgs",
    "Cluster": "cluster",
    "Priority": "priority",
    "Lead entity": "lead_entity",
    "Partner entities": "partners",
    "Cooperation Framework outcome": "cf_outcome",
    "Implementation status": "status",
    "Action category": "action_category",
    "Note": "note",
    "Evidence": "evidence",
    "Triaged": "triaged",
}

# --------------------------------------------------------------------------- cells


def cell_str(value: Any) -> str:
    """A cell as text the way the matrix wrote it: numbers without ``.0``, None as empty,
    and the ``'`` that neutralised a formula-like text removed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    if hasattr(value, "isoformat"):  # a spreadsheet turned a date text into a date
        return str(value.isoformat())[:10]
    text = str(value)
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS:
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def cell_hash(value: Any) -> str:
    """Eight hex digits of SHA-256 over a cell's text (as :func:`cell_str` reads it back)."""
    return hashlib.sha256(cell_str(value).strip().encode("utf-8", "replace")).hexdigest()[:8]


def highest_clock(source: Any) -> str:
    """The greatest clock of any record the source holds (its last edit), or ``""``."""
    best: tuple[int, int, str] = (-1, -1, "")
    text = ""
    for name in CLOCKED_TABLES:
        for record in source.table(name).values():
            clocks = record.get("_clock") if isinstance(record, Mapping) else None
            if not isinstance(clocks, dict):
                continue
            for clock in clocks.values():
                parsed = parse_clock(clock)
                if parsed is not None and parsed > best:
                    best, text = parsed, clock
    return text


def workspace_id(source: Any) -> str:
    meta = source.table("meta").get("meta") or {}
    value = meta.get("workspace_id") if isinstance(meta, Mapping) else None
    return value if isinstance(value, str) else ""


def export_rows(
    source: Any, iso3: str, header: Sequence[str], rows: Iterable[tuple[Mapping[str, Any], list]]
) -> list[list[Any]]:
    """The hidden sheet's rows: what an import needs to tell the sheet's changes apart.

    ``rows``: (record, its matrix cells) as exported. Kept small: a record's clocks are only
    those of its editable fields (and ``*``, its creation), the cells 8 hex digits each."""
    editable = set(EDITABLE.values()) | {"*"}
    out: list[list[Any]] = [
        [MAGIC, FORMAT_VERSION],
        ["workspace", workspace_id(source)],
        ["clock", highest_clock(source)],
        ["country", iso3],
        ["columns", json.dumps(list(header), ensure_ascii=False)],
        ["Id", "Clocks", "Cells"],
    ]
    for record, cells in rows:
        found = record.get("_clock")
        clocks: dict[str, Any] = found if isinstance(found, dict) else {}
        kept = {k: v for k, v in sorted(clocks.items()) if k in editable}
        hashes = "".join(cell_hash(xlsx_value(c)) for c in cells)
        out.append([str(record.get("id", "")), json.dumps(kept, separators=(",", ":")), hashes])
    return out
