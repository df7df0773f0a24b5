"""Stable record ids (DESIGN §3): the same content gets the same id on every machine."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any


def upr_id(document: str, paragraph: str) -> str:
    """Id of a recommendation known by document symbol and paragraph, e.g. ``UPR:A/HRC/59/15:140.7``."""
    return f"UPR:{document.strip()}:{paragraph.strip()}"


def review_key(country: str | None, session: int | str | None) -> str:
    """``SVN/43``: the review of a report without symbol, the middle part of its ids (DESIGN §3)."""
    return f"{(country or '?').strip()}/{session if session not in (None, '') else '?'}"


def review_id_example(review: str) -> str:
    """How ids of one review read, for messages: ``UPR:SVN/43:<paragraph>``."""
    return f"UPR:{review}:<paragraph>"


def normalise_for_hash(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    return " ".join(text.split())


def hash_id(mechanism: str, country: str, session_or_document: str | int, text: str) -> str:
    """Id for a recommendation without symbol and paragraph (UPR Info rows)."""
    payload = "|".join([mechanism, country, str(session_or_document), normalise_for_hash(text)])
    digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]
    return f"{mechanism}:h:{digest}"


def checklist_id(iso3: str, cycle: int, item_key: str) -> str:
    return f"{iso3}:{cycle}:{item_key}"


def history_id(record_id: str, field: str, clock: str) -> str:
    return f"{record_id}|{field}|{clock}"


_DIGITS = re.compile(r"(\d+)")


def natural_key(text: Any) -> tuple[tuple[int, int, str], ...]:
    """Sort key where numbers compare as numbers: ``140.2 < 140.10 < 141.1``; ``86.12 < 140.1``."""
    value = text if isinstance(text, str) else ("" if text is None else str(text))
    parts: list[tuple[int, int, str]] = []
    for piece in _DIGITS.split(value):
        if not piece:
            continue
        if piece.isdigit():
            parts.append((0, int(piece), piece))
        else:
            parts.append((1, 0, piece.casefold()))
    if not parts:
        return ((3, 0, value),)  # no paragraph at all: last
    parts.append((-1, 0, value))  # a prefix sorts first (140.2 < 140.2a); no ties
    return tuple(parts)
