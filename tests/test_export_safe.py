"""Export helpers: formula neutralising, CSV, Markdown escaping, natural order, stable packages."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.exports.safe import (
    DEFAULT_STAMP,
    atomic_write,
    cell_text,
    data_stamp,
    md_cell,
    natural_key,
    neutralise,
    normalise_ooxml,
    plain,
    write_csv,
    xlsx_value,
)


@pytest.mark.parametrize(
    "text",
    [
        "=1+1",
        "+41 22",
        "-2",
        "@SUM(A1)",
        "\tx",
        "\rx",
        "\nx",
        "＝1+1",
        '=HYPERLINK("http://x","y")',
    ],
)
def test_formula_starts_get_a_quote(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["", "Ratify", "140.7", " =not at start", "a=b", "'already"])
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert neutralise(text) == text


def test_cell_text_cleans_before_neutralising() -> None:
    # An escape sequence hiding a formula start must not survive: ESC is removed, then '='
    # leads and gets the quote.
    assert cell_text("\x1b[31m=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert cell_text(["France", "", "=x"]) == "France; =x"  # joined text starts with F
    assert cell_text(["=x", "France"]) == "'=x; France"
    assert cell_text(None) == "" and cell_text(True) == "yes"
    assert plain("a\ud800b\ufffe") == "ab"  # lone surrogate, non-character
    assert plain("bidi\u202eevil") == "bidievil"


def test_xlsx_value_keeps_numbers_and_cuts_long_text() -> None:
    assert xlsx_value(12) == 12 and xlsx_value(1.5) == 1.5
    assert xlsx_value(True) == "yes"
    assert xlsx_value("") is None
    long = xlsx_value("x" * 40_000)
    assert isinstance(long, str) and len(long) == 32_767 and long.endswith("…")


def test_csv_reads_back_with_formulas_neutralised() -> None:
    buf = io.BytesIO()
    rows = [["=1+1", 'say "hi"\nthen go', 3], ["-x", "plain", 0.5]]
    assert write_csv(buf, ["a", "b", "c"], rows) == 2
    raw = buf.getvalue()
    assert raw.startswith(b"a,b,c\r\n")
    back = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert back == [["a", "b", "c"], ["'=1+1", 'say "hi"\nthen go', "3"], ["'-x", "plain", "0.5"]]


def test_csv_bom_only_when_asked() -> None:
    with_bom, without = io.BytesIO(), io.BytesIO()
    write_csv(with_bom, ["Côte"], [["Türkiye"]], bom=True)
    write_csv(without, ["Côte"], [["Türkiye"]])
    assert with_bom.getvalue() == b"\xef\xbb\xbf" + without.getvalue()
    assert with_bom.getvalue().decode("utf-8-sig").startswith("Côte")


def test_markdown_cells_are_inert() -> None:
    cell = md_cell("a | b <script>alert(1)</script> *bold* [link](http://x)\nnext")
    assert "|" not in cell.replace("\\|", "")
    assert "<" not in cell and "&lt;script&gt;" in cell
    assert "\\*bold\\*" in cell and "\\[link\\]" in cell
    assert "\n" not in cell


def test_natural_order_of_paragraphs() -> None:
    shuffled = ["140.10", "140.2", "141.1", "86.12", "140.1", "140.2a", "86.2", "abc", ""]
    # Numbers as numbers; text after numbers; no paragraph at all last.
    assert sorted(shuffled, key=natural_key) == [
        "86.2",
        "86.12",
        "140.1",
        "140.2",
        "140.2a",
        "140.10",
        "141.1",
        "abc",
        "",
    ]


@given(st.lists(st.text(alphabet="0123456789.-ab", max_size=8), max_size=30))
def test_natural_key_is_a_total_order(items: list[str]) -> None:
    # Sorting is deterministic whatever the input order (no ties between distinct strings).
    assert sorted(items, key=natural_key) == sorted(reversed(items), key=natural_key)


def test_data_stamp_is_the_latest_clock() -> None:
    records = [
        {"_clock": {"*": "1700000000000|000000|a", "note": "1750000000999|000003|b"}},
        {"_clock": {"*": "1720000000000|000000|a"}},
        {"_clock": "hostile"},
        {},
    ]
    assert data_stamp(records) == datetime.fromtimestamp(1750000000, tz=UTC)
    assert data_stamp([]) == DEFAULT_STAMP


def _zip(members: list[tuple[str, bytes]], when: tuple[int, ...]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members:
            z.writestr(zipfile.ZipInfo(name, date_time=when), data)
    return buf.getvalue()


def test_normalise_ooxml_gives_the_same_bytes_for_the_same_content() -> None:
    core = (
        b'<cp:coreProperties xmlns:cp="c" xmlns:dcterms="d">'
        b'<dcterms:created xsi:type="dcterms:W3CDTF">2026-11-25T13:24:10Z</dcterms:created>'
        b'<dcterms:modified xsi:type="dcterms:W3CDTF">2026-11-25T13:24:12Z</dcterms:modified>'
        b"</cp:coreProperties>"
    )
    members = [
        ("xl/workbook.xml", b"<wb/>"),
        ("docProps/core.xml", core),
        ("[Content_Types].xml", b"<types/>"),
        ("_rels/.rels", b"<rels/>"),
    ]
    first = _zip(members, (2026, 11, 25, 13, 24, 10))
    restamped = [(n, d.replace(b"2026-11-25T13:24", b"2031-01-02T03:04")) for n, d in members]
    later = _zip(list(reversed(restamped)), (2031, 1, 2, 3, 4, 6))
    assert later != first
    stamp = datetime(2025, 1, 31, 12, 0, 5, tzinfo=UTC)
    outs = []
    for src in (first, later):
        out = io.BytesIO()
        normalise_ooxml(io.BytesIO(src), out, stamp)
        outs.append(out.getvalue())
    assert outs[0] == outs[1]
    with zipfile.ZipFile(io.BytesIO(outs[0])) as z:
        assert z.namelist() == sorted(z.namelist())
        assert z.namelist()[0] == "[Content_Types].xml"
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        fixed = z.read("docProps/core.xml")
    assert fixed.count(b"2025-01-31T12:00:05Z") == 2 and b"2026" not in fixed


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_bytes(b"old")

    def broken(fh: io.BufferedWriter) -> None:
        fh.write(b"half")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        atomic_write(target, broken)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no temp file left
    assert atomic_write(target, lambda fh: fh.write(b"new")) == 3
    assert target.read_bytes() == b"new"
