"""Untrusted text is made inert (DESIGN §6)."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from tui.sanitize import FORMAT_RANGES, clean_line, clean_text


def test_format_ranges_match_unicodedata() -> None:
    pattern = re.compile("[" + FORMAT_RANGES + "]")
    expected = {cp for cp in range(0x110000) if unicodedata.category(chr(cp)) == "Cf"}
    found = {cp for cp in expected if pattern.match(chr(cp))}
    assert found == expected
    # and nothing else matches (sampled over the BMP)
    assert not any(pattern.match(chr(cp)) for cp in range(0x20, 0x10000, 7) if cp not in expected)


def test_escape_sequences_and_controls_are_removed() -> None:
    hostile = (
        "Ratify\x1b]0;owned\x07 the\x1b[31m convention\x1b[0m\x1b]52;c;ZXZpbA==\x07"
        "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\\x9b2J\u202eevil\u200b\x00\x7f\x85"
    )
    out = clean_text(hostile)
    assert out == "Ratify the conventionlinkevil"
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in out)


def test_newlines_and_tabs_kept_but_not_in_a_line() -> None:
    assert clean_text("a\r\nb\tc\rd") == "a\nb\tc\nd"
    assert clean_line("  a\n b\t c  ") == "a b c"


def test_markup_is_left_as_text() -> None:
    # Markup is not stripped (it is shown literally by building Text objects), only controls are.
    assert (
        clean_text("[bold]x[/bold] [@click=app.quit]y[/]") == "[bold]x[/bold] [@click=app.quit]y[/]"
    )


@given(st.text())
def test_output_never_holds_control_or_format_characters(text: str) -> None:
    out = clean_text(text)
    for ch in out:
        assert ch in "\n\t" or not (ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F)
        assert unicodedata.category(ch) != "Cf"


def test_clean_stream_lets_only_colours_through() -> None:
    import io

    from tui.sanitize import CleanStream

    plain, styled = io.StringIO(), io.StringIO()
    hostile = "a\x1b]2;t\x07b\u202e\x1b[1mc\x1b[0m\x9b2J\n"
    CleanStream(plain).write(hostile)
    CleanStream(styled, keep_styles=True).write(hostile)
    assert plain.getvalue() == "abc\n"
    assert styled.getvalue() == "ab\x1b[1mc\x1b[0m\n"
