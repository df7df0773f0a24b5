"""Stable record ids (DESIGN §3): the same content gets the same id on every machine."""

from __future__ import annotations

import hashlib
import unicodedata


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
