"""How stored values read as words: the one place every label is defined.

Reports (CSV, XLSX, DOCX, Markdown) use sentence case ("Supported in part"); the screens use
lower case ("supported in part") and, in narrow columns, short forms ("in part"). Each form is
derived here from one table per field, so a new status or a reworded label changes everywhere
at once. Also: any stored value as clean text (:func:`plain`), State names for ISO3 codes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tui.model import ACTION_CATEGORIES
from tui.sanitize import clean_line, clean_text

LIST_SEPARATOR = "; "

# Not allowed in XML 1.0 (lxml refuses them) nor encodable in UTF-8 (lone surrogates).
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")

# -- recommendations and actions: reports (sentence case) ---------------------------------------

POSITION_LABELS: dict[str, str] = {
    "supported": "Supported",
    "supported_in_part": "Supported in part",
    "noted": "Noted",
    "pending": "Pending",
}
STATUS_LABELS: dict[str, str] = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "partially_implemented": "Partially implemented",
    "implemented": "Implemented",
    "no_information": "No information",
}
PRIORITY_LABELS: dict[str, str] = {"high": "High", "medium": "Medium", "low": "Low", "none": ""}

# -- the same on screen (lower case; "—" for no priority) and in narrow columns -----------------

POSITION_TEXT: dict[str, str] = {k: v.lower() for k, v in POSITION_LABELS.items()}
STATUS_TEXT: dict[str, str] = {k: v.lower() for k, v in STATUS_LABELS.items()}
PRIORITY_TEXT: dict[str, str] = {k: v.lower() or "—" for k, v in PRIORITY_LABELS.items()}
POSITION_SHORT: dict[str, str] = {**POSITION_TEXT, "supported_in_part": "in part"}
STATUS_SHORT: dict[str, str] = {
    **STATUS_TEXT,
    "partially_implemented": "partial",
    "no_information": "no info",
}

# -- checklists ---------------------------------------------------------------------------------

CHECKLIST_STATUS_LABELS: dict[str, str] = {
    "todo": "to do",
    "in_progress": "in progress",
    "done": "done",
    "not_applicable": "not applicable",
}
PHASE_LABELS: dict[str, str] = {
    "general": "General",
    "pre_session": "Before the session",
    "in_session": "During the session",
    "post_session": "After the session",
}


# -- any value as text --------------------------------------------------------------------------


def plain(value: Any) -> str:
    """Any stored value as clean text: lists joined with ``; ``, None as empty.

    Controls, escapes, bidi/format characters and lone surrogates are removed; newlines kept.
    """
    if type(value) is str:
        if value.isprintable():
            # Fast path (C speed): no controls, no format/bidi characters, no surrogates or
            # non-characters, hence nothing for clean_text to remove.
            return value
        return clean_value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(p for p in (plain(v) for v in value) if p)
    text = value if isinstance(value, str) else str(value)
    return text if text.isprintable() else clean_value(text)


def clean_value(value: str) -> str:
    """Text with controls, bidi/format characters and what XML cannot hold removed."""
    value = clean_text(value)
    if _NOT_XML.search(value):
        value = _NOT_XML.sub("", value)
    return value


def label(table: Mapping[str, str], value: Any) -> str:
    """The label of a stored value; an unknown value shows as itself (cleaned)."""
    if isinstance(value, str) and value in table:
        return table[value]
    return plain(value)


def category_label(value: Any) -> str:
    """UPR Info action category: ``4`` -> ``4 general action``."""
    if isinstance(value, int) and not isinstance(value, bool) and value in ACTION_CATEGORIES:
        return f"{value} {ACTION_CATEGORIES[value]}"
    return plain(value)


def state_name(code: str) -> str:
    """A State's name for its ISO3 code; any other code or raw name, cleaned, as itself
    (a file may hold codes that are no State)."""
    from tui import refdata  # reference data loads on first use, not at import

    try:
        return refdata.state(code).name
    except KeyError:
        return clean_line(code)


def state_names(codes: Any) -> str:
    """Recommending States as names (ISO3 codes resolved; unknown raw names kept)."""
    from tui import refdata

    if not isinstance(codes, list):
        return plain(codes)
    names: list[str] = []
    for code in codes:
        if not isinstance(code, str):
            continue
        try:
            names.append(refdata.state(code).name if len(code) == 3 and code.isupper() else code)
        except KeyError:
            names.append(code)
    return plain(names)
