"""The lean output layer (screens/terminal.py) and the low-bandwidth mode: same screen, fewer bytes.

The layer must never change what the terminal shows. Every check feeds Textual's output
into one pyte screen and the layer's output into another, and compares them cell by cell
(character, colours, bold, italics, underline, reverse, strike, blink) and the cursor when it
is visible. Recordings in tests/samples/lean were made by ``bench/slowlink.py --record``:
what Textual wrote, before the layer, in a scripted session of ``upr --demo --lean`` and of
the reference DataTable app in truecolor (backgrounds, borders, a modal, wide characters).
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pyte
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from screens.terminal import BOX_ASCII, LEAN_THEME, LeanFilter, Style, lean_driver_class, transition

SAMPLES = Path(__file__).parent / "samples" / "lean"
W, H = 80, 24
# Keyboard-protocol sequences (ESC[>25u, ESC[<u) that pyte does not know and would draw as
# text; a real terminal does not. Removed from both paths before they reach pyte.
_PYTE_UNKNOWN = re.compile(r"\x1b\[[<>=][0-9;]*[a-zA-Z]")


class Pair:
    """Textual's output to one pyte screen, the lean layer's to another."""

    def __init__(
        self,
        width: int = W,
        height: int = H,
        *,
        lf_returns: bool = False,
        ascii_boxes: bool = False,
    ) -> None:
        self.raw_screen = pyte.Screen(width, height)
        self.lean_screen = pyte.Screen(width, height)
        if lf_returns:  # the tty's ONLCR: \n arrives as CR LF, whoever wrote it
            self.raw_screen.set_mode(pyte.modes.LNM)
            self.lean_screen.set_mode(pyte.modes.LNM)
        self.raw_stream = pyte.Stream(self.raw_screen)
        self.lean_stream = pyte.Stream(self.lean_screen)
        self.filter = LeanFilter(width, height, lf_returns=lf_returns, ascii_boxes=ascii_boxes)
        self.ascii_boxes = ascii_boxes  # then the expected screen has ASCII borders too
        self.raw_bytes = 0
        self.lean_bytes = 0

    def feed(self, data: str) -> str:
        out = self.filter.feed(data)
        self.raw_bytes += len(data.encode())
        self.lean_bytes += len(out.encode())
        expected = data.translate(BOX_ASCII) if self.ascii_boxes else data
        self.raw_stream.feed(_PYTE_UNKNOWN.sub("", expected))
        self.lean_stream.feed(_PYTE_UNKNOWN.sub("", out))
        return out

    def differences(self) -> list[str]:
        a, b = self.raw_screen, self.lean_screen
        found = []
        for y in range(a.lines):
            for x in range(a.columns):
                if _orphan_half(a, x, y) or _orphan_half(b, x, y):
                    continue  # half of a wide character overwritten: terminals differ
                if a.buffer[y][x] != b.buffer[y][x]:
                    found.append(f"({x},{y}): {a.buffer[y][x]} != {b.buffer[y][x]}")
        # pyte leaves x == columns after the last column is written ("pending wrap"); no
        # sequence moves a cursor there, and Textual always ends a frame with a move.
        where_a = (min(a.cursor.x, a.columns - 1), a.cursor.y)
        where_b = (min(b.cursor.x, b.columns - 1), b.cursor.y)
        if not a.cursor.hidden and where_a != where_b:
            found.append(f"cursor {where_a} != {where_b}")
        if a.cursor.hidden != b.cursor.hidden:
            found.append("cursor visibility differs")
        return found


def _orphan_half(screen: pyte.Screen, x: int, y: int) -> bool:
    """The right half of a wide character whose left half was overwritten (pyte keeps it;
    xterm blanks it; Textual never writes one)."""
    if cell_len(screen.buffer[y][x].data) != 0:  # "" (or only a combining mark pyte put there)
        return False
    return x == 0 or cell_len(screen.buffer[y][x - 1].data) != 2


def recording(name: str) -> list[str]:
    with gzip.open(SAMPLES / name, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


# -- recorded sessions --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["upr-lean.jsonl.gz", "datatable-truecolor.jsonl.gz"])
@pytest.mark.parametrize(
    ("lf_returns", "ascii_boxes"), [(False, False), (True, False), (True, True)]
)
def test_recorded_session_shows_the_same_screen_after_every_write(
    name: str, lf_returns: bool, ascii_boxes: bool
) -> None:
    chunks = recording(name)
    assert len(chunks) > 20, "the recording holds a real session"
    pair = Pair(lf_returns=lf_returns, ascii_boxes=ascii_boxes)
    for i, chunk in enumerate(chunks):
        if "\x1b[?1049l" in chunk:  # the app has left the alternate screen: session over
            break
        pair.feed(chunk)
        diff = pair.differences()
        assert not diff, f"write {i} ({chunk[:60]!r}): {diff[:3]}"
    # Not only the same: much smaller (Textual's output is 5-10x what the screen needs).
    assert pair.lean_bytes < pair.raw_bytes * 0.4, (pair.lean_bytes, pair.raw_bytes)


def test_recorded_sessions_hold_what_they_should() -> None:
    """The samples exercise what matters: fills, wide characters, syncs of many frames."""
    upr = "".join(recording("upr-lean.jsonl.gz"))
    table = "".join(recording("datatable-truecolor.jsonl.gz"))
    assert "Afghanistan" in upr and "Slovenia" in upr
    assert "日本語" in table and "\x1b[38;2;" in table and "\x1b[48;2;" in table
    assert "╭" in table or "─" in table  # a border (the modal)


# -- the three savings, one by one ----------------------------------------------------------------


def test_no_reset_between_segments_and_style_changes_by_difference() -> None:
    pair = Pair()
    out = pair.feed("\x1b[1;1H\x1b[31mab\x1b[0m\x1b[31mcd\x1b[0m\x1b[1;31mef\x1b[0m")
    assert pair.differences() == []
    # One SGR for red (the terminal's style is unknown at first: reset and set), then bold
    # added by difference; no reset after the segments.
    assert re.findall(r"\x1b\[[0-9;]*m", out) == ["\x1b[0;31m", "\x1b[1m"], repr(out)
    assert "abcd" in out


def test_unchanged_cells_are_skipped_and_an_unchanged_frame_writes_nothing() -> None:
    pair = Pair()
    frame = "".join(
        f"\x1b[{y + 1};1H\x1b[97;40mline {y:02d}" + " " * 72 + "\x1b[0m" for y in range(H)
    )
    first = pair.feed(frame)
    assert pair.differences() == []
    assert pair.feed(frame) == ""
    changed = frame.replace("line 05", "LINE 05")
    out = pair.feed(changed)
    assert pair.differences() == []
    assert "LINE" in out and "line" not in out
    assert len(out) < 20, out
    assert len(first) < len(frame)


def test_synchronized_output_brackets_dropped_when_nothing_changes() -> None:
    pair = Pair()
    pair.feed("\x1b[1;1Hhello")
    assert pair.feed("\x1b[?2026h") == ""
    assert pair.feed("\x1b[1;1Hhello") == ""
    assert pair.feed("\x1b[?2026l") == ""
    pair.feed("\x1b[?2026h")
    pair.feed("\x1b[1;1Hjello")
    out = pair.feed("\x1b[?2026l")
    assert out.startswith("\x1b[?2026h") and out.endswith("\x1b[?2026l") and "j" in out
    assert pair.differences() == []


def test_trailing_blanks_on_the_default_background_become_erase_to_end_of_line() -> None:
    pair = Pair()
    pair.feed("\x1b[?1049h\x1b[3;1H" + "x" * 80)
    out = pair.feed("\x1b[3;1H\x1b[39;49mab" + " " * 78 + "\x1b[0m")
    assert pair.differences() == []
    assert "\x1b[K" in out and "  " not in out, repr(out)


def test_blanks_on_a_coloured_background_are_written_not_erased() -> None:
    """ESC[K would fill with the current background in some terminals, not in others."""
    pair = Pair()
    pair.feed("\x1b[3;1H" + "x" * 80)
    out = pair.feed("\x1b[3;1H\x1b[44m" + " " * 80 + "\x1b[0m")
    assert pair.differences() == []
    assert "\x1b[K" not in out


def test_cursor_moves_are_short_and_skipped_while_the_cursor_is_hidden() -> None:
    pair = Pair()
    pair.feed("\x1b[?25l")
    frame = "".join(f"\x1b[{y + 1};1Hrow {y:02d}" for y in range(H))
    pair.feed(frame)
    out = pair.feed("\x1b[10;1Hrow 9X\x1b[11;1Hrow 1X\x1b[1;3H")
    assert pair.differences() == []
    # Textual ends each frame with a move for the (hidden) cursor: not sent.
    assert not out.endswith("\x1b[1;3H")


def test_visible_cursor_ends_where_textual_put_it() -> None:
    pair = Pair()
    pair.feed("\x1b[?25h\x1b[5;1Hhello\x1b[2;7H")
    assert pair.differences() == []
    out = pair.feed("\x1b[5;1Hhello\x1b[3;9H")  # no cell changes, the cursor moves
    assert out and pair.differences() == []


# -- what it does not model, it passes through and repaints ---------------------------------------


def test_unknown_screen_changes_pass_through_and_the_next_frame_is_whole() -> None:
    pair = Pair()
    frame = "".join(f"\x1b[{y + 1};1Hrow {y:02d}" for y in range(H))
    pair.feed(frame)
    assert pair.feed("\x1b[2J").startswith("\x1b[2J")  # erase display: not modelled
    out = pair.feed(frame)
    assert pair.differences() == []
    assert all(f"row {y:02d}" in out for y in range(H))


def test_resize_forgets_the_screen() -> None:
    pair = Pair()
    pair.feed("\x1b[1;1Hhello")
    pair.filter.resize(100, 30)
    assert "hello" in pair.filter.feed("\x1b[1;1Hhello")


def test_entering_the_alternate_screen_clears_it() -> None:
    """Some terminals keep old content on the alternate screen: the layer clears it itself."""
    out = LeanFilter(W, H).feed("\x1b[?1049h")
    assert out.startswith("\x1b[?1049h") and "\x1b[2J" in out


def test_a_sequence_split_across_writes_is_kept_whole() -> None:
    pair = Pair()
    pair.feed("\x1b[2;3Hab\x1b[3")
    pair.feed("1mcd")
    assert pair.differences() == []
    assert pair.lean_screen.buffer[1][4].fg == "red"


def test_wide_and_combining_characters() -> None:
    pair = Pair()
    pair.feed("\x1b[1;1H日本語 abc e\u0301 ok")
    pair.feed("\x1b[1;3Hx")  # overwrites the left half of 本: the terminal loses both halves
    assert pair.differences() == []
    pair.feed("\x1b[1;1H" + " " * 20 + "\x1b[2;1H中文")
    assert pair.differences() == []


# -- styles ------------------------------------------------------------------------------------------


def test_style_transitions() -> None:
    bold_red = Style()
    bold_red.apply("1;31")
    red = Style()
    red.apply("31")
    assert transition(red, bold_red) == "\x1b[1m"
    assert transition(bold_red, red) == "\x1b[22m"
    assert transition(bold_red, Style()) == "\x1b[m"
    assert transition(None, red) == "\x1b[0;31m"
    assert transition(red, red) == ""
    dim_bold = Style()
    dim_bold.apply("1;2")
    dim = Style()
    dim.apply("2")
    # 22 clears bold and dim together: dim must come back.
    assert transition(dim_bold, dim) in ("\x1b[22;2m", "\x1b[0;2m")
    true = Style()
    true.apply("38;2;10;20;30;48;5;17")
    assert true.fg == "38;2;10;20;30" and true.bg == "48;5;17"


# -- random streams ------------------------------------------------------------------------------------

_sgr = st.sampled_from(
    [
        "0",
        "1",
        "2",
        "3",
        "4",
        "7",
        "9",
        "22",
        "24",
        "27",
        "31",
        "39",
        "42",
        "49",
        "97",
        "104",
        "38;5;202",
        "48;2;1;2;3",
        "1;38;2;200;100;0",
        "",
        "0;7;33",
    ]
)
# A combining mark never starts a write after a cursor move (Textual keeps a character and its
# marks in one segment); where it lands then differs between terminals (and pyte).
_text = st.text(alphabet=st.sampled_from(list("ab  ·─│é日\u0301")), min_size=1, max_size=8).filter(
    lambda t: not t.startswith("\u0301")
)


@st.composite
def _op(draw: st.DrawFn) -> str:
    kind = draw(
        st.sampled_from(["move", "sgr", "text", "text", "newline", "sync", "cursor", "alter"])
    )
    if kind == "alter":  # not modelled: passed through, the screen forgotten
        return draw(
            st.sampled_from(
                [
                    "\x1b[K",
                    "\x1b[2J",
                    "\x1b[J",
                    "\x1b[1K",
                    "\x1b[L",
                    "\x1b[M",
                    "\x1b[3X",
                    "\x1b[2P",
                    "\x1b[@",
                ]
            )
        )
    if kind == "move":
        return f"\x1b[{draw(st.integers(1, 8))};{draw(st.integers(1, 40))}H"
    if kind == "sgr":
        return f"\x1b[{draw(_sgr)}m"
    if kind == "newline":
        return "\n"
    if kind == "sync":
        return draw(st.sampled_from(["\x1b[?2026h", "\x1b[?2026l"]))
    if kind == "cursor":
        return draw(st.sampled_from(["\x1b[?25l", "\x1b[?25h"]))
    return draw(_text)


@settings(max_examples=int(__import__("os").environ.get("LEAN_EXAMPLES", "300")), deadline=None)
@given(st.lists(st.lists(_op(), min_size=1, max_size=12), min_size=1, max_size=8), st.booleans())
def test_random_writes_give_the_same_screen(writes: list[list[str]], lf_returns: bool) -> None:
    # Wide enough that no write reaches the right edge (Textual never writes past it).
    pair = Pair(240, 8, lf_returns=lf_returns)
    pair.feed("\x1b[?7l")  # Textual turns autowrap off
    for write in writes:
        data = "\x1b[1;1H" + "".join(write)
        pair.feed(data + "\x1b[?2026l" if "\x1b[?2026h" in data else data)
    assert pair.differences() == []


# -- the app ------------------------------------------------------------------------------------------


async def test_lean_app_uses_the_lean_driver_and_terminal_colours(make_app) -> None:
    app = make_app(lean=True)
    driver = lean_driver_class()
    assert driver is not None and app.driver_class is driver
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.has_class("lean")
        assert app.theme == LEAN_THEME
        screen_bg = app.screen.styles.background
        assert screen_bg.ansi == -1, "default background: no fill"


async def test_no_lean_keeps_textual_output(make_app) -> None:
    app = make_app(lean=False)
    assert app.driver_class is not lean_driver_class()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not app.has_class("lean")
        assert app.theme != LEAN_THEME


@pytest.mark.slow
def test_real_upr_lean_in_a_terminal_matches_textuals_own_output(tmp_path: Path) -> None:
    """The real command over a pty: what the terminal shows equals Textual's unfiltered output."""
    import shutil
    import sys

    from ptyterm import PtyApp

    upr = shutil.which("upr", path=str(Path(sys.executable).parent)) or "upr"
    record = tmp_path / "textual.jsonl"
    app = PtyApp(
        [upr, "--demo", "--today", "2026-11-25", "--lean"],
        cwd=str(tmp_path),
        env={"UPR_LEAN_RECORD": str(record)},
    )
    try:
        assert app.wait_for("193 of 193 States"), app.text()
        app.settle()
        for keys, expect in [
            ("sloven", "1 of 193"),
            ("\r", "Recommendations"),
            ("?", "Help"),
            ("\x1b", "Recommendations"),
        ]:
            app.send(keys)
            assert app.wait_for(expect), app.text()
            app.settle()
        shown = [[app.screen.buffer[y][x] for x in range(80)] for y in range(24)]
        lean_bytes = app.bytes_read
    finally:
        app.send("\x11")
        app.wait(10)
        app.close()
    chunks = [json.loads(line) for line in record.read_text("utf-8").splitlines()]
    raw_screen = pyte.Screen(80, 24)
    raw_screen.set_mode(pyte.modes.LNM)
    stream = pyte.Stream(raw_screen)
    raw_bytes = 0
    for chunk in chunks:
        if "\x1b[?1049l" in chunk:
            break
        stream.feed(_PYTE_UNKNOWN.sub("", chunk.translate(BOX_ASCII)))  # --lean: ASCII borders
        raw_bytes += len(chunk.encode())
    expected = [[raw_screen.buffer[y][x] for x in range(80)] for y in range(24)]
    assert shown == expected
    assert lean_bytes < raw_bytes / 2, (lean_bytes, raw_bytes)


def test_pointer_shape_is_sent_once_until_it_changes() -> None:
    lean = LeanFilter(W, H)
    assert lean.feed("\x1b]22;default\x07") == "\x1b]22;default\x07"
    assert lean.feed("\x1b]22;default\x07") == ""
    assert lean.feed("\x1b]22;pointer\x07") == "\x1b]22;pointer\x07"
    lean.forget()
    assert lean.feed("\x1b]22;pointer\x07") == "\x1b]22;pointer\x07"


# -- scrolling -----------------------------------------------------------------------------------------


_TOPICS = [
    "Ratify the Optional Protocol",
    "Combat trafficking in persons",
    "Protect the Roma",
    "Strengthen the national human rights institution",
    "Ensure access to education",
    "Abolish the death penalty",
    "Prevent violence against women",
    "Protect journalists",
    "Guarantee freedom of expression",
    "Improve prison conditions",
    "Adopt a plan",
]


def _list_frame(first: int, *, header: str = "Header", rows: int = 20) -> str:
    """A screen like the triage list: a title, a header, rows first.., a key line."""
    out = [f"\x1b[1;1H\x1b[1m{header:<80}\x1b[0m", f"\x1b[2;1H{'Para    Recommendation':<80}"]
    for i in range(rows):
        n = first + i
        text = f"S{n:<6} {_TOPICS[n % len(_TOPICS)]} {_TOPICS[(n * 7) % len(_TOPICS)]}"
        style = "\x1b[7m" if i == rows // 2 else "\x1b[39;49m"
        out.append(f"\x1b[{3 + i};1H{style}{text:<80}\x1b[0m")
    out.append(f"\x1b[{3 + rows};1H{'keys':<80}")
    return "".join(out)


def test_a_list_that_scrolls_by_one_line_is_scrolled_not_rewritten() -> None:
    pair = Pair(lf_returns=True)
    pair.feed("\x1b[?25l" + _list_frame(0))
    out = pair.feed(_list_frame(1))
    assert pair.differences() == []
    assert "\x1b[3;22r" in out or "r\x1b[" in out, repr(out)
    # The new bottom line and the two cursor lines, not twenty lines.
    assert len(out.encode()) < 350, (len(out.encode()), repr(out))
    back = pair.feed(_list_frame(0))  # and back up: reverse index
    assert pair.differences() == []
    assert "\x1bM" in back and len(back.encode()) < 350


def test_scrolling_is_not_used_when_lines_do_not_move() -> None:
    pair = Pair()
    pair.feed(_list_frame(0))
    out = pair.feed(_list_frame(0, header="Other header"))
    assert "r" not in re.sub(r"[^\x1b]*", "", out) or "\x1b[r" not in out
    assert pair.differences() == []


_word = st.sampled_from(["alpha", "beta", "日本", "é", "—", "  ", "x"])


@settings(max_examples=int(__import__("os").environ.get("LEAN_EXAMPLES", "150")), deadline=None)
@given(
    st.lists(st.lists(_word, min_size=0, max_size=6), min_size=12, max_size=12),
    st.integers(-5, 5),
    st.integers(0, 4),
    st.integers(7, 11),
    st.lists(st.integers(0, 11)),
    st.booleans(),
    st.sampled_from(["", "\x1b[44m", "\x1b[1;31m"]),
)
def test_random_scrolls_give_the_same_screen(
    lines: list[list[str]],
    shift: int,
    top: int,
    bottom: int,
    edits: list[int],
    lf_returns: bool,
    style: str,
) -> None:
    """Frames that move a band of lines by ``shift`` (with a few lines edited)."""
    width = 30
    pair = Pair(width, 12, lf_returns=lf_returns)
    pair.feed("\x1b[?7l\x1b[?25l")

    def frame(rows: list[str]) -> str:
        out = []
        for y, text in enumerate(rows):
            cut = ""
            for ch in text:  # short of the right edge (where terminals and pyte disagree on ESC[K)
                if cell_len(cut + ch) > width - 1:
                    break
                cut += ch
            out.append(f"\x1b[{y + 1};1H{style if y % 3 else ''}{cut}\x1b[0m\x1b[K")
        return "".join(out)

    texts = [" ".join(words) for words in lines]
    pair.feed(frame(texts))
    moved = list(texts)
    for y in range(top, bottom + 1):
        source = y + shift
        moved[y] = texts[source] if top <= source <= bottom else f"new {y}"
    for y in edits:
        moved[y] = f"edited {y}"
    pair.feed(frame(moved))
    assert pair.differences() == []


# -- a large workspace opens while the first screen shows ------------------------------------------


def _options(path: Path, **kw: object):
    from datetime import date

    from tui.session import AppOptions

    return AppOptions(path=path, author="tester", today=date(2026, 11, 25), **kw)  # type: ignore[arg-type]


def _big_workspace(path: Path) -> None:
    from tui.store import Workspace

    ws = Workspace.open(path, author="tester")
    ws.edit("recommendations", "UPR:A/HRC/0/1:1.1", {"country": "SVN", "text": "x" * 1000})
    ws.edit(
        "checklist",
        "SVN:5:kickoff",
        {"country": "SVN", "cycle": 5, "item": "kickoff", "text": "Kick-off", "status": "done"},
    )
    ws.close()


def test_start_workspace_reads_large_files_later_and_small_ones_now(
    tmp_path: Path, monkeypatch
) -> None:
    import tui.session as session
    from tui.store import Workspace

    path = tmp_path / "ws.json"
    _big_workspace(path)
    opened = session.start_workspace(_options(path))
    assert isinstance(opened, Workspace)  # small: at once, as before
    opened.close()
    monkeypatch.setattr(session, "BACKGROUND_LOAD_BYTES", 100)
    now = session.start_workspace(_options(path))
    assert isinstance(now, Workspace), "off a terminal: at once"
    now.close()
    import sys

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    loader = session.start_workspace(_options(path))
    assert isinstance(loader, session.WorkspaceLoader)
    assert not loader.done, "not started before the app asks"
    ws = loader.result(timeout=30)
    assert ws.get("recommendations", "UPR:A/HRC/0/1:1.1") is not None
    ws.close()
    # Someone holds the file: decided before the app starts (it may ask "read-only?").
    asked: list[str] = []
    monkeypatch.setattr("builtins.input", lambda prompt="": asked.append(prompt) or "n")
    holder = Workspace.open(path, author="colleague")
    try:
        with pytest.raises(session.WorkspaceError, match="open by"):
            session.start_workspace(_options(path))
    finally:
        holder.close(save=False)
    assert asked and "read-only" in asked[0]


class _HeldLoader:
    """A WorkspaceLoader that waits for the test to let the file be read."""

    def __new__(cls, options):  # noqa: D102 - a factory for a WorkspaceLoader subclass
        import threading

        from tui.session import WorkspaceLoader

        class Held(WorkspaceLoader):
            gate = threading.Event()

            def _run(self) -> None:
                self.gate.wait(30)
                super()._run()

        return Held(options)


async def test_the_country_list_shows_before_a_large_file_is_read(tmp_path: Path) -> None:
    from screens.app import UprApp
    from screens.countries import CountryListScreen
    from tui.session import WorkspaceLoader

    path = tmp_path / "ws.json"
    _big_workspace(path)
    options = _options(path)
    loader = _HeldLoader(options)
    assert isinstance(loader, WorkspaceLoader)
    app = UprApp(loader, options)
    async with app.run_test(size=(130, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CountryListScreen)
        assert app._workspace is None, "nothing waited for the file"
        assert "193 of 193" in str(app.screen.query_one("#title").render())
        await pilot.press("s", "l", "o", "v", "e", "n")  # typing works meanwhile
        await pilot.pause()
        assert app.screen.row_list.current.state.iso3 == "SVN"
        type(loader).gate.set()
        for _ in range(100):
            await pilot.pause(0.05)
            if app._workspace is not None:
                break
        assert app._workspace is not None
        # The checklist column (shown from 110 columns) now has the file's data.
        assert app.screen.row_list.current.progress, "progress filled in after loading"
        # Edits are watched (autosave) like a file opened at once.
        app.workspace.edit("recommendations", "UPR:A/HRC/0/1:1.1", {"priority": "high"})
        assert app._save_scheduled
    app.workspace.close(save=False)


async def test_a_large_bad_file_ends_the_app_with_its_message(tmp_path: Path, capsys) -> None:
    import screens.app as app_module
    from tui.session import WorkspaceLoader

    path = tmp_path / "bad.json"
    content = b'{"recommendations": {"x": {"id": "x", "priority": "urgent"}}}'
    path.write_bytes(content)
    options = _options(path)
    app = app_module.UprApp(WorkspaceLoader(options), options)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if app._open_error:
                break
    assert app.return_value == 2
    assert "recommendations/x" in (app._open_error or "") and "priority" in app._open_error
    assert app_module._close_after_run(app) == 2
    assert "recommendations/x" in capsys.readouterr().err
    assert path.read_bytes() == content, "a bad file is never modified"


@pytest.mark.slow
def test_real_upr_opens_a_large_file_behind_the_first_screen(tmp_path: Path) -> None:
    import shutil
    import sys

    from ptyterm import PtyApp

    from tui.session import BACKGROUND_LOAD_BYTES
    from tui.store import Workspace

    path = tmp_path / "big.json"
    ws = Workspace.open(path, author="tester")
    n = BACKGROUND_LOAD_BYTES // 900 + 100
    for i in range(n):
        ws.edit(
            "recommendations", f"UPR:A/HRC/0/1:{i}", {"country": "SVN", "text": f"{i} " + "y" * 800}
        )
    ws.close()
    assert path.stat().st_size > BACKGROUND_LOAD_BYTES
    upr = shutil.which("upr", path=str(Path(sys.executable).parent)) or "upr"
    app = PtyApp([upr, str(path), "--today", "2026-11-25", "--lean"], cwd=str(tmp_path))
    try:
        assert app.wait_for("193 of 193 States"), app.text()
        app.send("sloven")
        assert app.wait_for("1 of 193"), app.text()
        app.send("\r")
        assert app.wait_for(f"{n:,} in this workspace"), app.text()
        app.send("\x11")
        assert app.wait(20) == 0
    finally:
        app.close()
    assert not Path(str(path) + ".lock").exists()


def test_ascii_borders_in_lean_mode() -> None:
    """Every widget's border (Textual's own too) as ASCII: safe in any font, 1 byte not 3."""
    pair = Pair(ascii_boxes=True)
    out = pair.feed("\x1b[1;1H╭──────╮\x1b[2;1H│ text │\x1b[3;1H╰──────╯\x1b[4;1H▌ toast · … ✓")
    assert pair.differences() == []
    assert "+------+" in out and "| text |" in out
    assert "· … ✓" in out, "only box drawing changes, not text"
    assert pair.lean_screen.display[0].startswith("+------+")
