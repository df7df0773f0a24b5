"""Make untrusted text inert before it is stored or shown (DESIGN §6)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

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


# Select Graphic Rendition (colours, bold): the one sequence a command's own Rich output needs.
_SGR = re.compile(r"(\x1b\[[0-9;:]*m)")


def shown_char(ch: str) -> str:
    """One character as drawn: a control or format character becomes U+FFFD (one cell), so
    a value that must keep its real characters (a file name being typed) is drawn inert."""
    return "\ufffd" if _CONTROLS.match(ch) or ch in "\t\n\x1b" or _FORMAT.match(ch) else ch


def shown_text(value: str) -> str:
    """``value`` with every control or format character drawn as U+FFFD (same length)."""
    if _CONTROLS.search(value) or _FORMAT.search(value) or "\x1b" in value or "\n" in value:
        return "".join(shown_char(ch) for ch in value)
    return value


class CleanStream:
    """A text stream that lets no control sequence of what is written through (issue 15.3).

    Every message of a command names files, paths and values from outside; wrapping stderr
    (and stdout on a terminal) means none of them can set a title or the clipboard, whatever
    the code that printed it forgot. ``keep_styles`` lets the SGR colour sequences of the
    command's own Rich output through: nothing else."""

    def __init__(self, stream: Any, *, keep_styles: bool = False) -> None:
        self._stream = stream
        self._keep_styles = keep_styles

    def write(self, text: str) -> int:
        if self._keep_styles and "\x1b[" in text:
            parts = _SGR.split(text)
            cleaned = "".join(p if i % 2 else clean_text(p) for i, p in enumerate(parts))
        else:
            cleaned = clean_text(text)
        self._stream.write(cleaned)
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, fileno, encoding, buffer…
        return getattr(self._stream, name)


@contextmanager
def guarded_streams() -> Iterator[None]:
    """``sys.stderr`` always, and ``sys.stdout`` on a terminal, wrapped in a CleanStream while
    a command runs. A pipe or file keeps its bytes: what goes there is data, cleaned where it
    is made (TSV cells, exports)."""
    import sys

    saved = sys.stdout, sys.stderr
    if sys.stderr is not None and not isinstance(sys.stderr, CleanStream):
        sys.stderr = CleanStream(sys.stderr)
    out = sys.stdout
    if out is not None and not isinstance(out, CleanStream) and _isatty(out):
        sys.stdout = CleanStream(out, keep_styles=True)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False
