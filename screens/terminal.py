"""Every touch of Textual's internals, in one module, checked against the version it was written for.

Three things here lean on Textual's private parts (``textual._*`` modules, a driver's ``_file``,
a parser's ``_timeout_time``, ``Widget._on_focus``/``_on_blur``):

1. the input driver: Textual's Linux driver with Escape delivered after ``ESCDELAY``, not
   after 100 ms (:func:`input_driver_class`);
2. the lean output layer for slow links (:class:`LeanFilter`, :func:`lean_driver_class`);
3. a focus change that repaints one row of a list, not the whole list (:class:`QuietFocus`);
4. the app running in this context, for work started outside a widget (:func:`running_app`).

They were written against Textual ``TESTED_TEXTUAL``; pyproject.toml pins that minor version.
On any other Textual version the app falls back to Textual's stock driver, output and focus
handling, and says so in one line (:func:`fallback_notice`): slower over a slow link, never
broken.

**The lean output layer.** A thin layer for slow links: the same screen as Textual draws, in
fewer bytes.

Textual writes every updated line in full: a cursor move per line, a reset (``ESC[0m``)
after every styled segment and a fresh SGR before the next, and trailing blanks as spaces
with a background colour; it repaints regions whose cells have not changed. Over SSH at
10 kbit/s every 1,250 bytes is a second (issue 8).

:class:`LeanFilter` reads what Textual would write, keeps a model of what the terminal shows,
and writes only the difference:

- cells that already show the right character in the right style are skipped;
- styles change by difference (``ESC[1m`` to turn bold on), or by reset-and-set when that is
  shorter, never reset after every segment;
- a run of blanks in the default style up to the end of a line becomes ``ESC[K``;
- the cursor moves by the shortest sequence (absolute, relative, or writing the few cells
  in between), and not at all when the cursor is hidden;
- a frame that changes nothing writes nothing (not even the synchronized-output brackets).

Anything it does not model (scroll regions, erase sequences, resets) it passes through and
then forgets what the screen shows, so the next frame is written in full: correct first,
small second. :class:`LeanDriver` is Textual's Linux driver with the filter in ``write``.
``tests/test_lean.py`` feeds recorded Textual output through both paths into ``pyte`` and
checks the screens are identical.
"""

from __future__ import annotations

import functools
import json
import os
import re
import selectors
import sys
import threading
from codecs import getincrementaldecoder
from typing import Any

from rich.cells import get_character_cell_size

# A cell: (text, style id, width). Width 2 is a wide character; width 0 is the right half of
# the wide character to its left (text ""). ``None`` in the model means "unknown".
Cell = tuple[str, int, int]

# The theme of the lean mode: the terminal's default foreground and background everywhere,
# so nothing is filled and blank line ends cost ``ESC[K``.
TESTED_TEXTUAL = "8.2.8"  # the version this module's uses of Textual's internals were written for


@functools.cache
def textual_version() -> str:
    """The installed Textual's version ("" if it cannot be told).

    Read from the name of its ``textual-X.Y.Z.dist-info`` folder beside the package: one
    directory listing, where ``importlib.metadata`` costs ~0.1 s at start-up.
    """
    import textual

    site = os.path.dirname(os.path.dirname(os.path.abspath(textual.__file__)))
    try:
        found = [
            e.name[len("textual-") : -len(".dist-info")]
            for e in os.scandir(site)
            if e.name.startswith("textual-") and e.name.endswith(".dist-info")
        ]
    except OSError:
        found = []
    if len(found) == 1:
        return found[0]
    import importlib.metadata

    try:  # an unusual install (egg, zip, two dist-info folders): ask the slow way
        return importlib.metadata.version("textual")
    except importlib.metadata.PackageNotFoundError:
        return ""


def internals_ok() -> bool:
    """May this module touch Textual's internals? Only on the version it was written against."""
    return textual_version() == TESTED_TEXTUAL


def fallback_notice() -> str | None:
    """The one line the app shows when it falls back to Textual's stock parts; None if not."""
    if internals_ok():
        return None
    return (
        f"Textual {textual_version() or '(unknown)'} is not the tested {TESTED_TEXTUAL}: "
        "using its stock output, input and focus handling"
    )


LEAN_THEME = "ansi-dark"


def _box_ascii() -> dict[int, str]:
    """Box-drawing characters (3 bytes each, missing from some fonts) as ASCII: - | + / \\ X."""
    import unicodedata

    table: dict[int, str] = {}
    for cp in range(0x2500, 0x2580):
        name = unicodedata.name(chr(cp), "")
        if "DIAGONAL" in name:
            table[cp] = "X" if "CROSS" in name else "/" if "UPPER RIGHT" in name else "\\"
            continue
        words = set(name.split())
        ways = {w for w in words if w in ("UP", "DOWN", "LEFT", "RIGHT")}
        if "HORIZONTAL" in words:
            ways |= {"LEFT", "RIGHT"}
        if "VERTICAL" in words:
            ways |= {"UP", "DOWN"}
        table[cp] = "-" if ways <= {"LEFT", "RIGHT"} else "|" if ways <= {"UP", "DOWN"} else "+"
    for ch in "▌▐▍▎▏▋▊▉":  # the edge of a toast, tall and outer borders
        table[ord(ch)] = "|"
    return table


BOX_ASCII = _box_ascii()

SYNC_START = "\x1b[?2026h"
SYNC_END = "\x1b[?2026l"

_CSI = re.compile(r"\x1b\[([\x30-\x3f]*)([\x20-\x2f]*)([\x40-\x7e])")
_OSC = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_DCS = re.compile(r"\x1b[P_^X][^\x1b]*\x1b\\")
_ESC = re.compile(r"\x1b[\x20-\x2f]*[\x30-\x7e]")
_TEXT = re.compile(r"[^\x00-\x1f\x7f\x1b]+")

# SGR flags: code -> bit; codes that clear them.
_FLAG_BITS = {
    1: 1,
    2: 2,
    3: 4,
    4: 8,
    5: 16,
    6: 32,
    7: 64,
    8: 128,
    9: 256,
    21: 512,
    51: 1024,
    52: 2048,
    53: 4096,
}
_OFF = {
    22: 1 | 2,
    23: 4,
    24: 8 | 512,
    25: 16 | 32,
    27: 64,
    28: 128,
    29: 256,
    54: 1024 | 2048,
    55: 4096,
}
# The shortest code that clears each flag, in the order they are tried.
_CLEARERS = [
    (22, 1 | 2),
    (23, 4),
    (24, 8 | 512),
    (25, 16 | 32),
    (27, 64),
    (28, 128),
    (29, 256),
    (54, 1024 | 2048),
    (55, 4096),
]
# Screen-altering CSI finals this layer does not model: pass through, then forget the screen.
_ALTERING = set("JKLMPX@STrbZIz")
_ALT_SCREEN = {"1049", "1047", "47"}


class Style:
    """An SGR state: flags, colours (as their SGR parameters) and codes kept verbatim."""

    __slots__ = ("flags", "fg", "bg", "ul", "extra")

    def __init__(
        self, flags: int = 0, fg: str = "", bg: str = "", ul: str = "", extra: tuple[str, ...] = ()
    ) -> None:
        self.flags, self.fg, self.bg, self.ul, self.extra = flags, fg, bg, ul, extra

    def key(self) -> tuple[int, str, str, str, tuple[str, ...]]:
        return (self.flags, self.fg, self.bg, self.ul, self.extra)

    def apply(self, params: str) -> None:
        """Apply the parameters of one ``ESC[...m``."""
        parts = params.split(";") if params else ["0"]
        i = 0
        while i < len(parts):
            token = parts[i]
            i += 1
            if token in ("", "0"):
                self.flags, self.fg, self.bg, self.ul, self.extra = 0, "", "", "", ()
                continue
            if self.extra or not token.isdigit():
                # Once something unmodelled appears, keep every later code in order too.
                if token in ("38", "48", "58") and i < len(parts):
                    n = 2 if parts[i] == "5" else 4 if parts[i] == "2" else 0
                    token = ";".join(parts[i - 1 : i + n])
                    i += n
                self.extra = (*self.extra, token)
                continue
            code = int(token)
            if code in (38, 48, 58):
                mode = parts[i] if i < len(parts) else ""
                n = 2 if mode == "5" else 4 if mode == "2" else 0
                if n == 0 or i + n > len(parts):
                    self.extra = (*self.extra, ";".join(parts[i - 1 :]))
                    return
                value = ";".join(parts[i - 1 : i + n])
                i += n
                if code == 38:
                    self.fg = value
                elif code == 48:
                    self.bg = value
                else:
                    self.ul = value
            elif 30 <= code <= 37 or 90 <= code <= 97:
                self.fg = token
            elif code == 39:
                self.fg = ""
            elif 40 <= code <= 47 or 100 <= code <= 107:
                self.bg = token
            elif code == 49:
                self.bg = ""
            elif code == 59:
                self.ul = ""
            elif code in _FLAG_BITS:
                self.flags |= _FLAG_BITS[code]
            elif code in _OFF:
                self.flags &= ~_OFF[code]
            else:
                self.extra = (*self.extra, token)

    def params(self) -> list[str]:
        """Parameters that set this style starting from a reset."""
        out = [str(code) for code, bit in _FLAG_BITS.items() if self.flags & bit]
        out += [v for v in (self.fg, self.bg, self.ul) if v]
        out += list(self.extra)
        return out


def transition(a: Style | None, b: Style) -> str:
    """The shortest SGR sequence that turns style ``a`` (None: unknown) into ``b``."""
    full_params = b.params()
    full = "\x1b[0;" + ";".join(full_params) + "m" if full_params else "\x1b[m"
    if a is None or a.extra or b.extra:
        return full
    codes: list[str] = []
    turned_off = a.flags & ~b.flags
    flags = a.flags
    for code, bits in _CLEARERS:
        if turned_off & bits:
            codes.append(str(code))
            flags &= ~bits
    for code, bit in _FLAG_BITS.items():
        if b.flags & bit and not flags & bit:
            codes.append(str(code))
    if a.fg != b.fg:
        codes.append(b.fg or "39")
    if a.bg != b.bg:
        codes.append(b.bg or "49")
    if a.ul != b.ul:
        codes.append(b.ul or "59")
    if not codes:
        return ""
    incremental = "\x1b[" + ";".join(codes) + "m"
    return incremental if len(incremental) < len(full) else full


def _cup(x: int, y: int) -> str:
    if x == 0:
        return "\x1b[H" if y == 0 else f"\x1b[{y + 1}H"
    return f"\x1b[{y + 1};{x + 1}H"


def _horizontal(frm: int, to: int) -> str:
    """Shortest way along a row from column ``frm`` to ``to`` (same row, cursor known)."""
    if to == frm:
        return ""
    if to == 0:
        return "\r"
    if to > frm:
        n = to - frm
        step = "\x1b[C" if n == 1 else f"\x1b[{n}C"
    else:
        n = frm - to
        step = "\x1b[D" if n == 1 else f"\x1b[{n}D"
    carriage = "\r" + ("\x1b[C" if to == 1 else f"\x1b[{to}C")
    return carriage if len(carriage) < len(step) else step


class LeanFilter:
    """Textual's output in, the bytes that give the same screen out (see the module doc).

    ``lf_returns``: a ``\\n`` written to the terminal also returns to column 0 (the tty's
    ``ONLCR``, on by default); it makes "next line" moves two bytes instead of four or more.
    """

    MERGE_GAP = 3  # rewrite up to this many unchanged cells rather than move over them
    ERASE_MIN = 4  # blank cells at a line's end worth an ``ESC[K``
    SCROLL_MIN_ROWS = 3  # lines that must move together before scrolling is considered

    def __init__(
        self, width: int, height: int, *, lf_returns: bool = False, ascii_boxes: bool = False
    ) -> None:
        self.lf_returns = lf_returns
        # Draw box-drawing characters as ASCII (--lean: "ASCII-safe borders" for every
        # widget, Textual's own included; one byte instead of three).
        self.ascii_boxes = ascii_boxes
        self._styles: list[Style] = [Style()]
        self._style_ids: dict[Any, int] = {Style().key(): 0}
        self._pen = Style()
        self._pen_id = 0
        self._carry = ""
        self._lock = threading.Lock()
        self.width = self.height = 0
        self.grid: list[list[Cell | None]] = []
        self._pending: dict[int, dict[int, Cell]] = {}
        self._forget: dict[int, set[int]] = {}  # cells whose content depends on the terminal
        self._rx: int | None = None  # the terminal's cursor (None: unknown)
        self._ry: int | None = None
        self._resize(width, height)
        self._tx = self._ty = 0  # where Textual's stream writes next
        self._rstyle: int | None = None  # the terminal's current style id (None: unknown)
        self._cursor_visible = True
        self._cursor_moved = False  # Textual moved its cursor since the last frame
        self._sync = False
        self._pointer = ""  # the last mouse pointer shape sent (OSC 22)
        self._out: list[str] = []

    # -- public ----------------------------------------------------------------------------
    def resize(self, width: int, height: int) -> None:
        """The terminal changed size: forget what it shows (the next frame is written whole)."""
        with self._lock:
            if (width, height) != (self.width, self.height):
                self._resize(width, height)

    def forget(self) -> None:
        """Forget what the terminal shows (after something else wrote to it)."""
        with self._lock:
            self._invalidate()
            self._pointer = ""

    def feed(self, data: str) -> str:
        """What to write instead of ``data`` (may be empty)."""
        with self._lock:
            self._out = []
            self._parse(self._carry + data)
            if not self._sync:
                self._flush()
            out = "".join(self._out)
            self._out = []
            return out

    # -- model -------------------------------------------------------------------------------
    def _resize(self, width: int, height: int) -> None:
        self.width, self.height = max(width, 1), max(height, 1)
        self.grid = [[None] * self.width for _ in range(self.height)]
        self._pending = {}
        self._forget = {}
        self._rx = self._ry = None

    def _invalidate(self) -> None:
        self.grid = [[None] * self.width for _ in range(self.height)]
        self._rx = self._ry = None
        self._rstyle = None

    def _blank_screen(self) -> None:
        blank: Cell = (" ", 0, 1)
        self.grid = [[blank] * self.width for _ in range(self.height)]

    def _style_id(self, style: Style) -> int:
        key = style.key()
        sid = self._style_ids.get(key)
        if sid is None:
            sid = len(self._styles)
            self._styles.append(Style(*key))
            self._style_ids[key] = sid
        return sid

    def _target(self, x: int, y: int) -> Cell | None:
        row = self._pending.get(y)
        if row is not None and x in row:
            return row[x]
        return self.grid[y][x]

    def _put(self, ch: str, w: int) -> None:
        x, y = self._tx, self._ty
        if not (0 <= y < self.height) or not (0 <= x < self.width):
            self._tx += w  # off screen: Textual never writes there; the terminal drops it
            return
        row = self._pending.setdefault(y, {})
        forget = self._forget.setdefault(y, set())
        if w == 0:  # a combining mark joins the character to its left
            if x > 0:
                at = x - 1
                left = self._target(at, y)
                if left is not None and left[2] == 0 and at > 0:
                    at -= 1  # after a wide character: terminals differ, so forget it after
                    left = self._target(at, y)
                    forget.add(at)
                if left is not None:
                    row[at] = (left[0] + ch, left[1], left[2])
                    return
            # Nothing known to join: send the mark where Textual did and forget the cell.
            self._flush()
            self._move(x, y)
            if self._rstyle != self._pen_id:
                self._out.append(
                    transition(
                        self._styles[self._rstyle] if self._rstyle is not None else None, self._pen
                    )
                )
                self._rstyle = self._pen_id
            self._out.append(ch)
            if x > 0:
                self.grid[y][x - 1] = None
            self._rx = self._ry = None
            self._cursor_moved = True
            return
        # Overwriting half of a wide character: terminals differ in what happens to the other
        # half, so write exactly what Textual wrote and forget that half afterwards.
        old = self._target(x, y)
        if old is not None:
            if old[2] == 0 and x > 0:
                forget.add(x - 1)
            elif old[2] == 2 and w == 1 and x + 1 < self.width:
                forget.add(x + 1)
        if w == 2 and x + 2 < self.width:
            right = self._target(x + 1, y)
            if right is not None and right[2] == 2:
                forget.add(x + 2)
        forget.discard(x)
        row[x] = (ch, self._pen_id, w)
        if w == 2:
            if x + 1 < self.width:
                forget.discard(x + 1)
                row[x + 1] = ("", self._pen_id, 0)
            else:
                forget.add(x)  # a wide character that does not fit: terminals differ
        self._tx += w

    def _text(self, text: str) -> None:
        self._cursor_moved = True
        if self.ascii_boxes and not text.isascii():
            text = text.translate(BOX_ASCII)
        if text.isascii():
            y = self._ty
            x = self._tx
            if 0 <= y < self.height and 0 <= x and x + len(text) <= self.width:
                row = self._pending.setdefault(y, {})
                grid_row = self.grid[y]
                sid = self._pen_id
                # Fast path; the slow one handles wide neighbours left by earlier frames.
                edges = (
                    row.get(x) or grid_row[x],
                    row.get(x + len(text) - 1) or grid_row[x + len(text) - 1],
                )
                if all(e is None or e[2] == 1 for e in edges):
                    for i, ch in enumerate(text):
                        row[x + i] = (ch, sid, 1)
                    forget = self._forget.get(y)
                    if forget:
                        forget.difference_update(range(x, x + len(text)))
                    self._tx = x + len(text)
                    return
        for ch in text:
            self._put(ch, get_character_cell_size(ch))

    # -- parsing -----------------------------------------------------------------------------
    def _parse(self, data: str) -> None:
        self._carry = ""
        i, n = 0, len(data)
        while i < n:
            ch = data[i]
            if ch != "\x1b" and ch >= " " and ch != "\x7f":
                m = _TEXT.match(data, i)
                assert m is not None
                self._text(m.group())
                i = m.end()
                continue
            if ch == "\x1b":
                if data.startswith("\x1b[", i):
                    m = _CSI.match(data, i)
                    if m is None:
                        if re.match(r"\x1b\[[\x20-\x3f]*$", data[i:]):
                            self._carry = data[i:]
                            return
                        self._passthrough(data[i : i + 2], forget=True)
                        i += 2
                        continue
                    self._csi(m.group(1), m.group(2), m.group(3), m.group())
                    i = m.end()
                    continue
                if data.startswith("\x1b]", i):
                    m = _OSC.match(data, i)
                    if m is None:
                        self._carry = data[i:]
                        return
                    seq = m.group()
                    if seq.startswith("\x1b]22;"):  # pointer shape: Textual resends it often
                        if seq == self._pointer:
                            i = m.end()
                            continue
                        self._pointer = seq
                    self._passthrough(seq)
                    i = m.end()
                    continue
                if i + 1 < n and data[i + 1] in "P_^X":
                    m = _DCS.match(data, i)
                    if m is None:
                        self._carry = data[i:]
                        return
                    self._passthrough(m.group())
                    i = m.end()
                    continue
                m = _ESC.match(data, i)
                if m is None:
                    if i + 1 >= n or re.match(r"\x1b[\x20-\x2f]*$", data[i:]):
                        self._carry = data[i:]
                        return
                    self._passthrough(data[i : i + 2], forget=True)
                    i += 2
                    continue
                seq = m.group()
                # Save/restore cursor, keypad modes: harmless; anything else may move or
                # change the screen.
                self._passthrough(
                    seq, forget=seq not in ("\x1b=", "\x1b>", "\x1b7"), cursor_only=seq == "\x1b8"
                )
                i = m.end()
                continue
            # A single control character.
            self._cursor_moved = True
            if ch == "\r":
                self._tx = 0
            elif ch == "\n":
                if self._ty + 1 >= self.height:  # scrolls: not modelled
                    self._passthrough("\n", forget=True)
                    if self.lf_returns:
                        self._tx = 0
                else:
                    self._ty += 1
                    if self.lf_returns:
                        self._tx = 0
            elif ch == "\b":
                self._tx = max(self._tx - 1, 0)
            elif ch == "\x07":
                self._passthrough(ch)
            else:
                self._passthrough(ch, forget=True)
            i += 1

    def _csi(self, params: str, inter: str, final: str, seq: str) -> None:
        private = params[:1] in ("?", ">", "<", "=")
        if not private and not inter:
            if final == "m":
                self._pen.apply(params)
                self._pen_id = self._style_id(self._pen)
                return
            if final in "Hf":
                parts = params.split(";")
                row = int(parts[0]) if parts[0].isdigit() else 1
                col = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 1
                self._tx, self._ty = max(col, 1) - 1, max(row, 1) - 1
                self._cursor_moved = True
                return
            if final in "ABCDEFGd":
                n = int(params) if params.isdigit() else 1
                n = max(n, 1) if final not in "Gd" else n
                if final == "A":
                    self._ty = max(self._ty - n, 0)
                elif final == "B":
                    self._ty = min(self._ty + n, self.height - 1)
                elif final == "C":
                    self._tx = min(self._tx + n, self.width - 1)
                elif final == "D":
                    self._tx = max(self._tx - n, 0)
                elif final == "E":
                    self._ty, self._tx = min(self._ty + n, self.height - 1), 0
                elif final == "F":
                    self._ty, self._tx = max(self._ty - n, 0), 0
                elif final == "G":
                    self._tx = max(n, 1) - 1
                else:
                    self._ty = max(n, 1) - 1
                self._cursor_moved = True
                return
            if final in _ALTERING:
                self._passthrough(seq, forget=True)
                if final in "LM":  # insert/delete lines return to the left margin
                    self._tx = 0
                elif final == "r":  # setting the scroll region homes the cursor
                    self._tx = self._ty = 0
                return
            if final in "su":
                self._passthrough(seq, cursor_only=final == "u")
                return
            self._passthrough(seq)
            return
        if params.startswith("?") and final in "hl" and not inter:
            modes = params[1:].split(";")
            if modes == ["2026"]:
                if final == "h":
                    self._flush()
                    self._sync = True
                else:
                    self._sync = False
                    body = self._frame()
                    if body:
                        self._out.append(SYNC_START + body + SYNC_END)
                return
            if modes == ["25"]:
                visible = final == "h"
                if visible != self._cursor_visible:
                    self._cursor_visible = visible
                    self._flush()
                    if visible:
                        self._move(self._tx, self._ty)
                    self._out.append(seq)
                return
            if _ALT_SCREEN & set(modes):
                self._flush()
                self._out.append(seq)
                if final == "h":
                    # Some terminals do not clear the alternate screen: clear it ourselves.
                    self._out.append("\x1b[m\x1b[H\x1b[2J")
                    self._blank_screen()
                    self._rx, self._ry, self._rstyle = 0, 0, 0
                else:
                    self._invalidate()
                return
        self._passthrough(seq)

    def _passthrough(self, seq: str, *, forget: bool = False, cursor_only: bool = False) -> None:
        self._flush()
        if forget:
            # It may act where the cursor is, in the current colours (erase, scroll, insert):
            # give it Textual's cursor and pen, as the unfiltered stream would have.
            self._move(self._tx, self._ty)
            if self._rstyle != self._pen_id:
                self._out.append(
                    transition(
                        self._styles[self._rstyle] if self._rstyle is not None else None, self._pen
                    )
                )
                self._rstyle = self._pen_id
        self._out.append(seq)
        if forget:
            self._invalidate()
        elif cursor_only:
            self._rx = self._ry = None

    # -- writing -----------------------------------------------------------------------------
    def _flush(self) -> None:
        body = self._frame()
        if body:
            self._out.append(body)

    def _frame(self) -> str:
        """The bytes that bring the terminal from ``grid`` to ``grid + pending``."""
        out: list[str] = []
        pending, self._pending = self._pending, {}
        if len(pending) >= self.SCROLL_MIN_ROWS and not any(self._forget.values()):
            self._scroll(pending, out)
        for y in sorted(pending):
            self._row(y, pending[y], out)
        if self._cursor_visible and (out or self._cursor_moved):
            self._move(self._tx, self._ty, out)
        self._cursor_moved = False
        return "".join(out)

    def _scroll(self, pending: dict[int, dict[int, Cell]], out: list[str]) -> None:
        """If the frame moves a band of lines up or down, scroll the terminal instead.

        A list that scrolls by one line changes every line on screen: ~1 KB rewritten, where
        a scroll region and a line feed move them for ~20 bytes. The shift is chosen from
        whole lines of the new frame found elsewhere in the old one; it is used only when
        the cells left to write after it are fewer by a margin.
        """
        grid = self.grid
        height = self.height
        new: list[list[Cell | None]] = []
        for y in range(height):
            cells = pending.get(y)
            if cells:
                row = list(grid[y])
                for x, cell in cells.items():
                    row[x] = cell
                new.append(row)
            else:
                new.append(grid[y])
        where: dict[tuple[Cell | None, ...], list[int]] = {}
        for y, row in enumerate(grid):
            if None not in row:
                where.setdefault(tuple(row), []).append(y)
        votes: dict[int, list[int]] = {}
        for y in pending:
            if new[y] == grid[y]:
                continue
            for source in where.get(tuple(new[y]), ()):
                votes.setdefault(source - y, []).append(y)
        if not votes:
            return
        shift, rows = max(votes.items(), key=lambda kv: len(kv[1]))
        if len(rows) < self.SCROLL_MIN_ROWS:
            return
        # The band: from the first to the last line that moves, plus the lines it vacates.
        if shift > 0:  # content moves up
            top, bottom = min(rows), min(max(rows) + shift, height - 1)
        else:
            top, bottom = max(min(rows) + shift, 0), max(rows)
        if bottom - top < 1:
            return
        # Unknown cells would move with the band where the unfiltered stream leaves them.
        if any(None in grid[y] or None in new[y] for y in range(top, bottom + 1)):
            return
        blank: list[Cell | None] = [(" ", 0, 1)] * self.width
        moved = [list(r) for r in grid]
        for y in range(top, bottom + 1):
            source = y + shift
            moved[y] = list(grid[source]) if top <= source <= bottom else list(blank)

        def cost(rows_now: list[list[Cell | None]]) -> int:
            return sum(
                1
                for y in range(top, bottom + 1)
                for a, b in zip(rows_now[y], new[y], strict=True)
                if a != b
            )

        overhead = 24 + 2 * abs(shift)
        if cost(moved) + overhead >= cost(grid):
            return
        # Blank lines scroll in with the current background: reset first.
        if self._rstyle != 0:
            out.append(
                transition(
                    self._styles[self._rstyle] if self._rstyle is not None else None,
                    self._styles[0],
                )
            )
            self._rstyle = 0
        out.append(f"\x1b[{top + 1};{bottom + 1}r")  # also homes the cursor
        if shift > 0:
            out.append(_cup(0, bottom) + "\n" * shift)
        else:
            out.append(_cup(0, top) + "\x1bM" * -shift)
        out.append("\x1b[r")  # whole screen again (terminals differ on where the cursor goes)
        self._rx = self._ry = None
        self.grid = moved
        for y in range(top, bottom + 1):  # every line of the band is checked against the frame
            if moved[y] != new[y]:
                row = new[y]
                pending[y] = {x: cell for x, cell in enumerate(row) if cell is not None}

    def _row(self, y: int, cells: dict[int, Cell], out: list[str]) -> None:
        grid_row = self.grid[y]
        changed = sorted(x for x, cell in cells.items() if grid_row[x] != cell)
        if not changed:
            for x in self._forget.pop(y, ()):
                grid_row[x] = None
            return
        target = list(grid_row)
        for x, cell in cells.items():
            target[x] = cell
        width = self.width
        # Blank default cells up to the line's end: one ``ESC[K`` if enough of them change.
        tail = width
        while tail > 0 and target[tail - 1] == (" ", 0, 1):
            tail -= 1
        erase_from: int | None = None
        if tail < width:
            in_tail = [x for x in changed if x >= tail]
            if len(in_tail) >= self.ERASE_MIN:
                erase_from = in_tail[0]
                changed = [x for x in changed if x < tail]
        # Runs of changed cells; short gaps of known cells are rewritten, not skipped.
        runs: list[list[int]] = []
        for x in changed:
            if (
                runs
                and x - runs[-1][1] - 1 <= self.MERGE_GAP
                and (x == runs[-1][1] + 1 or None not in target[runs[-1][1] + 1 : x])
            ):
                runs[-1][1] = x
            else:
                runs.append([x, x])
        uncertain = False
        for start, end in runs:
            cell = target[start]
            if cell is not None and cell[2] == 0 and start > 0:
                start -= 1  # the right half of a wide character: write the character
            for x in range(start, end + 1):
                cell = target[x]
                if cell is None or cell[2] == 0:
                    continue  # unknown (never inside a run), or written with its wide character
                text, sid, w = cell
                if x != self._rx or y != self._ry:
                    self._move(x, y, out)
                if sid != self._rstyle:
                    out.append(
                        transition(
                            self._styles[self._rstyle] if self._rstyle is not None else None,
                            self._styles[sid],
                        )
                    )
                    self._rstyle = sid
                out.append(text)
                # Like Textual, trust the character widths along a row, never across rows.
                uncertain = uncertain or w != 1 or len(text) != 1
                self._rx = x + w if x + w < width else None
        if erase_from is not None:
            self._move(erase_from, y, out)
            if self._rstyle != 0:
                out.append(
                    transition(
                        self._styles[self._rstyle] if self._rstyle is not None else None,
                        self._styles[0],
                    )
                )
                self._rstyle = 0
            out.append("\x1b[K")
        for x in self._forget.pop(y, ()):
            target[x] = None
        if uncertain:
            self._rx = self._ry = None
        self.grid[y] = target

    def _move(self, x: int, y: int, out: list[str] | None = None) -> None:
        x = min(max(x, 0), self.width - 1)
        y = min(max(y, 0), self.height - 1)
        sink = self._out if out is None else out
        rx, ry = self._rx, self._ry
        if rx == x and ry == y:
            return
        best = _cup(x, y)
        if rx is not None and ry is not None:
            if ry == y:
                option = _horizontal(rx, x)
                if len(option) < len(best):
                    best = option
            else:
                dy = y - ry
                vertical = (
                    ("\x1b[B" if dy == 1 else f"\x1b[{dy}B")
                    if dy > 0
                    else ("\x1b[A" if dy == -1 else f"\x1b[{-dy}A")
                )
                option = vertical + _horizontal(rx, x)
                if len(option) < len(best):
                    best = option
                if self.lf_returns and 0 < dy <= 2:
                    option = "\n" * dy + _horizontal(0, x)
                    # ONLCR makes each \n two bytes on the wire.
                    if len(option) + dy < len(best):
                        best = option
        sink.append(best)
        self._rx, self._ry = x, y


# -- the input driver ----------------------------------------------------------------------------
# Textual's Linux driver, with the Escape key delivered after ``ESCDELAY``, not after 100 ms.
# A lone Escape byte may be the Escape key or the start of a key sequence, so the parser waits
# ``textual.constants.ESCAPE_DELAY`` for more. But Textual's input thread only looks at that
# timeout when its ``select`` wakes, every 100 ms, so Escape (the "back" key, DESIGN §8) always
# took ~100 ms whatever ``ESCDELAY`` said. This loop is Textual's own (``LinuxDriver.
# run_input_thread``, Textual 8.2), waking when the parser's wait ends instead.

IDLE_WAKE = 0.1  # Textual's own period: how often the loop looks at exit_event when idle


def select_timeout(parser: Any, now: float) -> float:
    """How long the input thread may sleep: until the parser's Escape wait ends, at most 0.1 s.

    ``_timeout_time`` is private to Textual's parser: without it, Textual's own period.
    """
    deadline = getattr(parser, "_timeout_time", None)
    if deadline is None:
        return IDLE_WAKE
    return max(0.0, min(IDLE_WAKE, deadline - now))


@functools.cache
def input_driver_class() -> type | None:
    """The driver class for a real terminal (None on Windows or another Textual: Textual's own)."""
    if sys.platform == "win32" or not internals_ok():
        return None
    from textual._loop import loop_last
    from textual._parser import ParseError
    from textual._time import get_time
    from textual._xterm_parser import XTermParser
    from textual.drivers.linux_driver import LinuxDriver

    class PromptEscapeDriver(LinuxDriver):
        """Textual's Linux driver; only the input loop's sleep differs."""

        def run_input_thread(self) -> None:
            selector = selectors.SelectSelector()
            fileno = self.fileno
            selector.register(fileno, selectors.EVENT_READ)
            parser = XTermParser(self._debug)
            decode = getincrementaldecoder("utf-8")().decode

            def process(
                events: list[tuple[selectors.SelectorKey, int]], final: bool = False
            ) -> None:
                for last, (_key, mask) in loop_last(events):
                    if mask & selectors.EVENT_READ:
                        data = decode(os.read(fileno, 1024 * 4), final=final and last)
                        if not data:
                            break  # stdin is a pipe
                        for event in parser.feed(data):
                            self.process_message(event)
                for event in parser.tick():
                    self.process_message(event)

            try:
                while not self.exit_event.is_set():
                    process(selector.select(select_timeout(parser, get_time())))
                selector.unregister(fileno)
                process(selector.select(IDLE_WAKE), final=True)
            finally:
                selector.close()
                try:
                    for _event in parser.feed(""):
                        pass
                except (EOFError, ParseError):
                    pass

    return PromptEscapeDriver


# -- the lean driver ---------------------------------------------------------------------------------


def _lf_returns(fd: int) -> bool:
    """Does the tty turn ``\\n`` into CR LF (ONLCR)? Textual leaves output processing on."""
    try:
        import termios

        oflag = termios.tcgetattr(fd)[1]
        return bool(oflag & termios.OPOST) and bool(oflag & termios.ONLCR)
    except Exception:  # noqa: BLE001 - not a tty, or no termios: assume plain LF
        return False


@functools.cache
def lean_driver_class() -> type | None:
    """The lean driver where Textual uses its Linux driver (not on Windows).

    ``UPR_LEAN_OUTPUT=0`` leaves Textual's own output (the rest of --lean stays): an escape
    hatch should a terminal disagree with the layer, and the bench's "before".
    """
    base = input_driver_class()
    if base is None or os.environ.get("UPR_LEAN_OUTPUT") == "0":
        return base

    class LeanDriver(base):  # type: ignore[misc,valid-type]
        """Textual's Linux driver, writing through a :class:`LeanFilter`."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            fileno = self._file.fileno()
            self._lean_fd = fileno
            try:
                size = os.get_terminal_size(fileno)
                width, height = size.columns, size.lines
            except OSError:
                width, height = 80, 24
            self._lean = LeanFilter(width, height, lf_returns=_lf_returns(fileno), ascii_boxes=True)
            # Debugging and tests: UPR_LEAN_RECORD=FILE keeps what Textual wrote (before the
            # filter), one JSON string per line, so both paths can be replayed into pyte.
            record = os.environ.get("UPR_LEAN_RECORD")
            self._lean_record = open(record, "a", encoding="utf-8") if record else None  # noqa: SIM115

        def write(self, data: str) -> None:
            try:
                size = os.get_terminal_size(self._lean_fd)
                self._lean.resize(size.columns, size.lines)
            except OSError:
                pass
            if self._lean_record is not None:
                self._lean_record.write(json.dumps(data) + "\n")
                self._lean_record.flush()
            out = self._lean.feed(data)
            if out:
                super().write(out)

        def start_application_mode(self) -> None:
            # Also after a suspend (ctrl+z): the screen and the tty's settings may have changed.
            self._lean.forget()
            self._lean.lf_returns = _lf_returns(self._lean_fd)
            super().start_application_mode()

    return LeanDriver


# -- the running app ------------------------------------------------------------------------------


def running_app() -> Any | None:
    """The app running in this context (Textual's private ``active_app``); None if there is
    none, or on another Textual (then the caller does its work at once instead)."""
    if not internals_ok():
        return None
    from textual._context import active_app

    try:
        return active_app.get()
    except LookupError:
        return None


# -- focus that repaints one row -------------------------------------------------------------------


class _QuietFocus:
    """Focus changes repaint one row (the cursor's) of a ``RowList``, not the whole widget.

    Textual repaints a whole widget when it gains or loses focus: opening the search box (and
    coming back) would resend every visible row (~2.7 KB at 80x24). Only the cursor row looks
    different with focus, so only it is repainted. Overrides Textual's private
    ``Widget._on_focus``/``_on_blur``; mix in before the ``RowList``.
    """

    def _on_focus(self, event: Any) -> None:
        from textual import events
        from textual.widget import Widget

        me: Any = self
        event.prevent_default()  # skip RowList's and Widget's handlers (full repaint)
        me.set_reactive(Widget.has_focus, True)
        me.refresh_row(me.cursor)
        if me.parent is not None:
            me.parent.post_message(events.DescendantFocus(me))

    def _on_blur(self, event: Any) -> None:
        from textual import events
        from textual.widget import Widget

        me: Any = self
        event.prevent_default()
        me.set_reactive(Widget.has_focus, False)
        me.refresh_row(me.cursor)
        if me.parent is not None:
            me.parent.post_message(events.DescendantBlur(me))

    def focus(self, scroll_visible: bool = True) -> Any:
        """``Widget.focus`` without its whole-widget repaint (the focus handler repaints)."""
        from textual.dom import NoScreen

        me: Any = self

        def set_focus(widget: Any) -> None:
            try:
                widget.screen.set_focus(me, scroll_visible=scroll_visible)
            except NoScreen:
                pass

        me.app.call_later(set_focus, me)
        return me


class _StockFocus:
    """Textual's own focus handling (another Textual version: see :func:`fallback_notice`)."""


QuietFocus: type = _QuietFocus if internals_ok() else _StockFocus
