"""Make untrusted text inert before it is stored or shown (DESIGN §6)."""

from __future__ import annotations

import re
import unicodedata

MAX_STRING = 100_000

# C0 controls except \t and \n, DEL, C1 controls.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# ANSI escape sequences are removed whole so no parameter bytes are left behind.
_ESCAPES = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC ... BEL/ST
    r"|\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS/SOS/PM/APC
    r"|\x1b[@-Z\\-_]"  # other two-byte escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)


def _is_format(ch: str) -> bool:
    # Cf covers bidi overrides/isolates, zero-width joiners, BOM, soft hyphen.
    return unicodedata.category(ch) == "Cf"


def clean_text(value: str, *, keep_newlines: bool = True) -> str:
    """Strip terminal escapes, control and bidi/format characters; keep ``\\n`` and ``\\t``."""
    if not value:
        return value
    value = _ESCAPES.sub("", value)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROLS.sub("", value)
    if any(_is_format(ch) for ch in value):
        value = "".join(ch for ch in value if not _is_format(ch))
    if not keep_newlines:
        value = value.replace("\n", " ").replace("\t", " ")
    return value


def clean_line(value: str) -> str:
    """One display line: cleaned, whitespace collapsed."""
    return " ".join(clean_text(value, keep_newlines=False).split())
