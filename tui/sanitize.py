"""Make untrusted text inert before it is stored or shown (DESIGN §6)."""

from __future__ import annotations

import re

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
    # 8-bit OSC/DCS/SOS/PM/APC, only when terminated (by ST or BEL): a lone C1 character in
    # mis-decoded text must not swallow the words after it (it is removed on its own below).
    r"|[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]{0,4096}(?:\x9c|\x07|\x1b\\)"
)


# Cf (format) characters: bidi overrides and isolates, zero-width joiners, BOM, soft hyphen.
# Listed as ranges (Unicode 14.0.0) so importing costs nothing; tests/test_sanitize.py checks the
# list against unicodedata so a newer Python cannot silently let one through.
FORMAT_RANGES = "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
_FORMAT = re.compile("[" + FORMAT_RANGES + "]")


def clean_text(value: str, *, keep_newlines: bool = True) -> str:
    """Strip terminal escapes, control and bidi/format characters; keep ``\\n`` and ``\\t``."""
    if not value:
        return value
    value = _ESCAPES.sub("", value)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROLS.sub("", value)
    value = _FORMAT.sub("", value)
    if not keep_newlines:
        value = value.replace("\n", " ").replace("\t", " ")
    return value


def clean_line(value: str) -> str:
    """One display line: cleaned, whitespace collapsed."""
    return " ".join(clean_text(value, keep_newlines=False).split())
