"""Messages that several screens post, kept apart so that no screen imports another for them."""

from __future__ import annotations

from textual.message import Message


class OpenCountryPart(Message):
    """Ask the app to open a part of a country (checklist, recommendations, …)."""

    def __init__(self, iso3: str, part: str) -> None:
        super().__init__()
        self.iso3 = iso3
        self.part = part
